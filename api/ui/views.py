"""What the UI pages show, computed from the service layer's views: queue rows with working
days left, the intake checklist, page boxes and findings grouped by severity."""

from __future__ import annotations

import datetime as dt
import typing
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import service
from api.auth import Principal
from api.db import ResultRow, SubmissionRow
from api.notices import finding_key
from extractors.normalize import bankcard, idnumber
from models.catalog_loader import Catalog, EffectiveItem
from models.documents import DecisionOutcome, Severity, SubmissionStatus
from models.facts import CaseFacts, Channel, fact_choices, fact_label
from models.fields import FIELDS
from models.kinds import DocumentKind
from verifier.checklist import MaterialState, evaluate
from verifier.deadline import is_workday

STATUS_LABELS = {
    SubmissionStatus.RECEIVED.value: "已接收",
    SubmissionStatus.PROCESSING.value: "处理中",
    SubmissionStatus.DECIDED.value: "已核验",
    SubmissionStatus.FAILED.value: "处理失败",
}
DECISION_LABELS = {o.value: o.label for o in DecisionOutcome}
SEVERITY_ORDER = (Severity.REJECT, Severity.BLOCKING, Severity.WARNING)
SEVERITY_LABELS = {
    Severity.REJECT.value: "退回",
    Severity.BLOCKING.value: "须补正",
    Severity.WARNING.value: "提示",
}
INTAKE_CHANNELS = (Channel.MAIL, Channel.ONLINE, Channel.ONSITE)
CHINA = dt.timezone(dt.timedelta(hours=8))  # receipt dates and times are shown in CST
# a submission due within this many working days is highlighted
DUE_SOON_DAYS = 2
# facts shown on the intake form at once; the rest are folded away
COMMON_FACTS = ("visit_type", "insured_type", "trauma", "maternity_event", "reason")
MASKED_FIELDS = {"id_number": idnumber.mask, "bank_account": bankcard.mask}


def local_time(iso: str | None) -> str:
    """An ISO timestamp (stored in UTC) as China Standard Time, to the minute."""
    if not iso:
        return "—"
    return (
        service.aware(dt.datetime.fromisoformat(iso)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    )


# -- queue -----------------------------------------------------------------------------------


def working_days_left(today: dt.date, deadline: dt.date) -> int:
    """Working days from today to the deadline: 0 when due today, negative when overdue."""
    step = 1 if deadline >= today else -1
    day, count = today, 0
    while day != deadline:
        day += dt.timedelta(days=step)
        # counting towards the deadline counts it; counting back from today counts today
        counted = day if step == 1 else day + dt.timedelta(days=1)
        count += is_workday(counted)[0]
    return count * step


def deadline_view(today: dt.date, deadline: dt.date | None) -> dict[str, Any]:
    if deadline is None:
        return {"date": None, "days": None, "text": "—", "urgency": "none"}
    days = working_days_left(today, deadline)
    if days < 0:
        text, urgency = f"逾期 {-days} 个工作日", "overdue"
    elif days == 0:
        text, urgency = "今日到期", "due-soon"
    else:
        text, urgency = f"剩 {days} 个工作日", "due-soon" if days <= DUE_SOON_DAYS else "ok"
    return {"date": deadline.isoformat(), "days": days, "text": text, "urgency": urgency}


@dataclass
class QueueFilter:
    status: str | None = None
    item: str | None = None
    decision: str | None = None
    code: str | None = None
    sort: str = "deadline"
    desc: bool = False


SORTS = {
    "deadline": "期限",
    "received": "收件日期",
    "flags": "问题数",
    "status": "状态",
}


def item_names() -> dict[str, str]:
    return {e.key: e.name for e in Catalog.load().applicable_items(None)} | {
        e.key: e.name
        for region in Catalog.load().regions
        for e in Catalog.load().applicable_items(region)
    }


def _visible_rows(s: Session, who: Principal, f: QueueFilter) -> list[dict[str, Any]]:
    """Reviewers get the API's review queue; clerks and applicants their own submissions."""
    if who.reviews:
        return service.queue(
            s,
            who,
            status=f.status,
            item=f.item,
            outcome=f.decision,
            code=f.code,
            deadline_before=None,
            limit=500,
            offset=0,
        )
    q = select(SubmissionRow).where(SubmissionRow.owner == who.user)
    if f.status:
        q = q.where(SubmissionRow.status == f.status)
    if f.item:
        q = q.where(SubmissionRow.item_key == f.item)
    if f.decision:
        q = q.where(SubmissionRow.outcome == f.decision)
    if f.code:
        q = q.where(SubmissionRow.codes.contains(f" {f.code.strip().upper()} "))
    rows = s.scalars(q.order_by(SubmissionRow.received_at.desc()).limit(500)).all()
    return [
        {
            "id": r.id,
            "owner": r.owner,
            "item": r.item_key,
            "status": r.status,
            "decision": r.outcome,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "codes": r.codes.split(),
            "received_at": service.aware(r.received_at).isoformat(),
            "version": r.version,
        }
        for r in rows
    ]


def _open_flags(s: Session, rows: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Per submission, its current findings by severity, leaving out dismissed ones."""
    wanted = {(r["id"], r["version"]) for r in rows}
    ids = [r["id"] for r in rows]
    counts: dict[str, Counter[str]] = {sid: Counter() for sid in ids}
    if not ids:
        return counts
    results = s.scalars(select(ResultRow).where(ResultRow.submission_id.in_(ids))).all()
    for res in results:
        if (res.submission_id, res.version) not in wanted:
            continue
        dismissed = service.dismissed_keys(s, res.submission_id)
        for f in res.result.get("findings", []):
            if finding_key(f["code"], f.get("material"), f["message"]) not in dismissed:
                counts[res.submission_id][f["severity"]] += 1
    return counts


def queue_view(s: Session, who: Principal, f: QueueFilter, today: dt.date) -> list[dict[str, Any]]:
    rows = _visible_rows(s, who, f)
    flags = _open_flags(s, rows)
    # the date of receipt the deadline counts from (may precede the upload: mailed-in claims)
    found = s.execute(
        select(SubmissionRow.id, SubmissionRow.submitted_on).where(
            SubmissionRow.id.in_([r["id"] for r in rows])
        )
    ).all()
    received_on = {row.id: row.submitted_on for row in found}
    names = item_names()
    out = []
    for r in rows:
        deadline = dt.date.fromisoformat(r["deadline"]) if r["deadline"] else None
        counts = flags[r["id"]]
        out.append(
            {
                **r,
                "item_name": names.get(r["item"], r["item"]),
                "status_label": STATUS_LABELS.get(r["status"], r["status"]),
                "decision_label": DECISION_LABELS.get(r["decision"] or "", "—"),
                "received_on": received_on[r["id"]].isoformat(),
                "uploaded": local_time(r["received_at"]),
                "due": deadline_view(today, deadline),
                "flags": {sev.value: counts.get(sev.value, 0) for sev in SEVERITY_ORDER},
                "flag_total": sum(counts.values()),
            }
        )
    keys = {
        "deadline": lambda r: (r["due"]["days"] is None, r["due"]["days"] or 0, r["received_at"]),
        "received": lambda r: (r["received_on"], r["received_at"]),
        "flags": lambda r: (r["flags"]["reject"], r["flags"]["blocking"], r["flag_total"]),
        "status": lambda r: r["status"],
    }
    out.sort(key=keys.get(f.sort, keys["deadline"]), reverse=f.desc)
    return out


# -- intake ----------------------------------------------------------------------------------


@dataclass
class FactInput:
    name: str
    label: str
    kind: str  # select | date | number
    options: list[tuple[str, str]] = field(default_factory=list)
    common: bool = False


def fact_inputs() -> list[FactInput]:
    """One form input per case fact, from the vocabulary's own labels (models.facts)."""
    inputs = []
    for name in CaseFacts.model_fields:
        if name in ("channel", "submitted_on"):
            continue
        choices = fact_choices(name)
        if choices is not None:
            inputs.append(FactInput(name, fact_label(name), "select", choices))
        elif CaseFacts.model_fields[name].annotation == bool | None:
            inputs.append(
                FactInput(name, fact_label(name), "select", [("true", "是"), ("false", "否")])
            )
        else:
            inputs.append(FactInput(name, fact_label(name), "number"))
    for i in inputs:
        i.common = i.name in COMMON_FACTS
    return inputs


def facts_from_form(form: typing.Mapping[str, str]) -> dict[str, Any]:
    """`fact.<name>` form fields as raw case facts (empty means unknown)."""
    facts: dict[str, Any] = {}
    for key, value in form.items():
        if not key.startswith("fact.") or not str(value).strip():
            continue
        name, v = key[5:], str(value).strip()
        facts[name] = {"true": True, "false": False}.get(v, v)
    return facts


def intake_checklist(item: EffectiveItem, facts: CaseFacts) -> list[dict[str, Any]]:
    """Before any file is read: each material with whether these facts make it needed."""
    return [
        {
            "material": st.material.id,
            "name": st.material.name,
            "state": st.state.value,
            "label": "未提供" if st.state is MaterialState.MISSING else st.state.label,
            "when": st.material.when_text,
        }
        for st in evaluate(item, item.facts(facts), [])
    ]


def checklist_view(checklist: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "label": MaterialState(c["state"]).label} for c in checklist]


# -- submission ------------------------------------------------------------------------------


def field_label(kind: str, name: str) -> str:
    try:
        return FIELDS[DocumentKind(kind)][name][1]
    except (KeyError, ValueError):
        return name


def kind_label(kind: str | None) -> str:
    try:
        return DocumentKind(kind or "").label
    except ValueError:
        return kind or "—"


def display_value(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in MASKED_FIELDS and isinstance(value, str):
        return MASKED_FIELDS[name](value)
    if isinstance(value, list):
        return f"{len(value)} 项"
    if isinstance(value, dict):
        return "；".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _pct(box: dict[str, float], page: dict[str, Any]) -> dict[str, float]:
    w, h = float(page["width"] or 1), float(page["height"] or 1)
    return {
        "left": round(box["x0"] / w * 100, 3),
        "top": round(box["y0"] / h * 100, 3),
        "width": round((box["x1"] - box["x0"]) / w * 100, 3),
        "height": round((box["y1"] - box["y0"]) / h * 100, 3),
    }


def submission_page_view(view: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Pages with their boxes, documents with field links, findings by severity."""
    pages = {p["number"]: {**p, "boxes": []} for p in result.get("pages", [])}
    documents = []
    for doc in result.get("documents", []):
        fields = []
        for name, f in doc.get("fields", {}).items():
            anchor = None
            page = pages.get(f.get("page") or 0)
            if page is not None and f.get("bbox"):
                anchor = f"box-{doc['id']}-{name}"
                page["boxes"].append(
                    {
                        "id": anchor,
                        "kind": "field",
                        "label": field_label(doc["kind"], name),
                        **_pct(f["bbox"], page),
                    }
                )
            fields.append(
                {
                    "name": name,
                    "label": field_label(doc["kind"], name),
                    "value": display_value(name, f.get("value")),
                    "readable": f.get("readable", True),
                    "confidence": f.get("confidence"),
                    "anchor": anchor,
                }
            )
        documents.append({**doc, "kind_label": kind_label(doc["kind"]), "field_list": fields})
    groups: dict[str, list[dict[str, Any]]] = {sev.value: [] for sev in SEVERITY_ORDER}
    for finding in result.get("findings", []):
        evidence = []
        for n, ev in enumerate(finding.get("evidence", [])):
            page = pages.get(ev.get("page") or 0)
            anchor = None
            if page is not None and ev.get("bbox"):
                anchor = f"ev-{finding['key']}-{n}"
                page["boxes"].append(
                    {
                        "id": anchor,
                        "kind": "evidence",
                        "label": finding["code"],
                        **_pct(ev["bbox"], page),
                    }
                )
            evidence.append(
                {
                    **ev,
                    "kind_label": kind_label(ev.get("kind")),
                    "field_label": field_label(ev.get("kind") or "", ev.get("field") or "")
                    if ev.get("field")
                    else "",
                    "anchor": anchor,
                    "crop": ev.get("bbox") is not None and page is not None,
                }
            )
        review = finding.get("review") or {}
        groups.setdefault(finding["severity"], []).append(
            {**finding, "evidence_list": evidence, "state": review.get("state", "open")}
        )
    return {
        "pages": [pages[n] for n in sorted(pages)],
        "documents": documents,
        "finding_groups": [
            {
                "severity": sev.value,
                "label": SEVERITY_LABELS[sev.value],
                "findings": groups[sev.value],
            }
            for sev in SEVERITY_ORDER
            if groups[sev.value]
        ],
        "checklist": checklist_view(result.get("checklist", [])),
    }
