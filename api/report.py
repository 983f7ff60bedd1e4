"""The stable JSON view of a verified submission (CLI --json and the API share it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ingest.pipeline import FileResult
from models.documents import Document, ExtractedField, Finding
from verifier.engine import VerificationResult

SCHEMA_VERSION = 1


def plain(value: Any) -> Any:
    """JSON-safe values: money as strings with two decimals where exact, dates ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def field_json(f: ExtractedField) -> dict[str, Any]:
    return {
        "value": plain(f.value),
        "raw": f.raw,
        "confidence": round(f.confidence, 4),
        "readable": f.readable,
        "page": f.page,
        "bbox": f.bbox.model_dump() if f.bbox else None,
    }


def document_json(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind.value,
        "kind_label": d.kind.label,
        "title": d.title,
        "confidence": round(d.confidence, 4),
        "pages": d.pages,
        "fields": {name: field_json(f) for name, f in d.fields.items()},
    }


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity.value,
        "material": f.material,
        "message": f.message,
        "evidence": [e.model_dump(mode="json", exclude_none=True) for e in f.evidence],
    }


def result_json(
    result: VerificationResult, files: list[FileResult] | None = None
) -> dict[str, Any]:
    item = result.item
    return {
        "schema_version": SCHEMA_VERSION,
        "submission_id": result.submission_id,
        "item": {
            "key": item.key,
            "code": item.item.code,
            "name": item.name,
            "region": item.region.id if item.region else None,
        },
        "submitted_on": result.submitted_on.isoformat(),
        "facts": plain(result.facts.known()),
        "inferred_facts": result.inferred,
        "decision": result.decision.outcome.value,
        "decision_label": result.decision.outcome.label,
        "deadline": result.deadline.date.isoformat() if result.deadline else None,
        "deadline_estimated": result.deadline.estimated if result.deadline else False,
        "files": [
            {
                "name": f.filename,
                "sha256": f.source.sha256 if f.source else None,
                "pages": len(f.pages),
                "error": f.error.to_dict() if f.error else None,
            }
            for f in files or []
        ],
        "documents": [document_json(d) for d in result.documents],
        "checklist": [
            {
                "material": s.material.id,
                "name": s.material.name,
                "state": s.state.value,
                "documents": s.documents,
                "needed": s.needed,
                "provided": s.provided,
            }
            for s in result.checklist
        ],
        "findings": [finding_json(f) for f in result.findings],
    }
