"""Batch benchmark: pages per minute for a scanned stack of mailed-in envelopes.

    python -m bench.batch_bench [--pages 100] [--file-pages 40] [--cases samples/cases]
                                [--keep DIR] [--json out.json]

Builds a stack of about --pages pages from the sample cases (mail channel, no case facts
beyond the date, so that each envelope's expected decision holds without facts): per case a
cover sheet then its pages, written as scanner files of --file-pages pages each (an envelope
may straddle two files, as in a real pass). Then runs `api.batch.run_batch` — the same path as
`yibao batch` — with an empty data directory, so every page is OCR'd (cold), and prints the
time of each stage, pages per minute and how many decisions match expected.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from api.batch import run_batch
from extractors import extract
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from samples.mailed import Envelope, envelope_pages, write_pdf
from verifier.registry import SqliteInvoiceRegistry


def plain_cases(cases: Path) -> list[Path]:
    """Mailed-in cases whose decision needs no case facts (besides the date)."""
    out = []
    for case in sorted(p for p in cases.iterdir() if (p / "case.json").is_file()):
        spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        codes = {f["code"] for f in expected.get("findings", [])}
        if (
            spec.get("channel") == "mail"
            and set(spec.get("facts", {})) <= {"submitted_on"}
            and "DUPLICATE_INVOICE" not in codes
        ):
            out.append(case)
    return out


def build_stack(cases: list[Path], pages: int, file_pages: int, folder: Path) -> dict[str, str]:
    """Write the stack; returns the expected decision per cover sheet reference."""
    stack: list[Image.Image] = []
    expected: dict[str, str] = {}
    n = 0
    while len(stack) < pages:
        case = cases[n % len(cases)]
        ref = f"BENCH-{n + 1:03d}"
        envelope = envelope_pages(Envelope(case, ref))
        if len(stack) + len(envelope) > pages and stack:
            break
        stack.extend(envelope)
        truth = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        expected[ref] = truth["decision"]
        n += 1
    for i in range(0, len(stack), file_pages):
        write_pdf(folder / f"scan_{i // file_pages + 1:03d}.pdf", stack[i : i + file_pages])
    return expected


class _Stages:
    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def stage(self, description: str, total: int | None) -> None:
        self.marks.append((description, time.perf_counter()))

    def advance(self, description: str) -> None:
        pass


def run(pages: int, file_pages: int, cases_dir: Path, work: Path) -> dict[str, Any]:
    stack = work / "stack"
    expected = build_stack(plain_cases(cases_dir), pages, file_pages, stack)
    settings = IngestSettings(data_dir=work / "data")
    pipeline = Pipeline(settings=settings)
    pipeline.engine.recognize  # noqa: B018 - load the OCR models before the clock starts
    stages = _Stages()
    started = time.perf_counter()
    report = run_batch(
        [stack],
        work / "out",
        extract=extract,
        pipeline=pipeline,
        registry=SqliteInvoiceRegistry(work / "records.sqlite"),
        progress=stages,
    )
    total = time.perf_counter() - started
    stages.marks.append(("end", time.perf_counter()))
    split_s = stages.marks[2][1] - stages.marks[1][1]
    verify_s = stages.marks[3][1] - stages.marks[2][1]
    material_pages = sum(r.pages for r in report.rows)
    agree = sum(1 for r in report.rows if expected.get(r.ref) == r.decision)
    return {
        "pages": report.pages,
        "files": len(report.split.files),
        "envelopes": len(report.rows),
        "material_pages": material_pages,
        "split_seconds": round(split_s, 1),
        "verify_seconds": round(verify_s, 1),
        "total_seconds": round(total, 1),
        "pages_per_minute": round(report.pages / total * 60, 1),
        "material_pages_per_minute": round(material_pages / verify_s * 60, 1),
        "decisions_as_expected": f"{agree}/{len(report.rows)}",
        "mismatches": {
            r.ref: [expected.get(r.ref), r.decision]
            for r in report.rows
            if expected.get(r.ref) != r.decision
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--file-pages", type=int, default=40)
    parser.add_argument("--cases", type=Path, default=Path("samples/cases"))
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        result = run(args.pages, args.file_pages, args.cases, work)
    print("| measure | value |")
    print("| --- | --- |")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
