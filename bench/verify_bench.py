"""Verification benchmark: per finding code precision and recall against expected.json,
decision accuracy, and seconds per case, over all of samples/cases.

    python -m bench.verify_bench [--cases samples/cases] [--case c001 …] [--json out.json]
                                 [--cache DIR] [--cold]

Cases run in id order through `api.submission.process` (the same path as `yibao verify`) with a
fresh duplicate-invoice registry, so the case that repeats an earlier invoice is found. OCR is
cached per page in --cache (default YIBAO_DATA_DIR); --cold uses an empty cache so the seconds
include OCR.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from api.submission import CaseInput, process, read_case
from extractors import extract
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings, get_settings
from models.facts import CaseFacts
from verifier.registry import SqliteInvoiceRegistry


def case_styles() -> dict[str, str]:
    try:
        from samples.cases import CASES

        return {c.id: c.style for c in CASES}
    except ImportError:
        return {}


def run(cases: list[Path], cache: Path) -> dict[str, Any]:
    pipeline = Pipeline(settings=IngestSettings(data_dir=cache))
    styles = case_styles()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    rows = []
    with tempfile.TemporaryDirectory() as records:
        registry = SqliteInvoiceRegistry(Path(records) / "records.sqlite")
        for case_dir in cases:
            expected = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
            raw, files = read_case([case_dir])
            facts = CaseFacts.model_validate(
                {**raw.get("facts", {}), "channel": raw.get("channel")}
            )
            case = CaseInput(raw["item"], raw.get("region"), facts, files)
            started = time.perf_counter()
            outcome = process(
                case,
                pipeline=pipeline,
                extract=extract,
                registry=registry,
                submission_id=case_dir.name,
                submitted_on=facts.submitted_on,
            )
            seconds = time.perf_counter() - started
            result = outcome.result
            want = {f["code"] for f in expected["findings"]}
            got = {f.code for f in result.findings}
            for code in want & got:
                tp[code] += 1
            for code in got - want:
                fp[code] += 1
            for code in want - got:
                fn[code] += 1
            blocking = sorted(
                {f.code for f in result.findings if f.severity.value in ("blocking", "reject")}
            )
            rows.append(
                {
                    "case": case_dir.name,
                    "style": styles.get(case_dir.name, "?"),
                    "pages": len(outcome.pages),
                    "seconds": round(seconds, 2),
                    "expected_decision": expected["decision"],
                    "decision": result.decision.outcome.value,
                    "expected": sorted(want),
                    "found": sorted(got),
                    "blocking_on_clean": blocking if not want else [],
                    "missed": sorted(want - got),
                    "extra": sorted(got - want),
                }
            )
            print(
                f"{case_dir.name} {rows[-1]['style']:<10} {len(outcome.pages):>2}p "
                f"{seconds:6.1f}s  {expected['decision']:>7} → {result.decision.outcome.value:<7}"
                f" missed={sorted(want - got)} extra={sorted(got - want)}",
                flush=True,
            )
    codes = sorted(set(tp) | set(fp) | set(fn))
    per_code = {
        c: {
            "tp": tp[c],
            "fp": fp[c],
            "fn": fn[c],
            "precision": tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else None,
            "recall": tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else None,
        }
        for c in codes
    }
    decided = sum(r["decision"] == r["expected_decision"] for r in rows)
    clean = [r for r in rows if not r["expected"]]
    by_decision: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_decision[r["expected_decision"]][r["decision"]] += 1
    timings = sorted(r["seconds"] for r in rows)
    return {
        "cases": len(rows),
        "decision_accuracy": decided / len(rows) if rows else None,
        "clean_cases": len(clean),
        "clean_with_blocking": sum(bool(r["blocking_on_clean"]) for r in rows),
        "confusion": {k: dict(v) for k, v in by_decision.items()},
        "per_code": per_code,
        "seconds_median": timings[len(timings) // 2] if timings else None,
        "seconds_max": timings[-1] if timings else None,
        "rows": rows,
    }


def print_report(r: dict[str, Any]) -> None:
    print()
    print(
        f"cases {r['cases']}  decision accuracy {r['decision_accuracy']:.1%}  "
        f"clean cases with a blocking finding {r['clean_with_blocking']}/{r['clean_cases']}  "
        f"seconds/case median {r['seconds_median']} max {r['seconds_max']}"
    )
    print("\n| code | TP | FP | FN | precision | recall |\n|---|---|---|---|---|---|")
    for code, m in r["per_code"].items():
        p = "—" if m["precision"] is None else f"{m['precision']:.0%}"
        rec = "—" if m["recall"] is None else f"{m['recall']:.0%}"
        print(f"| {code} | {m['tp']} | {m['fp']} | {m['fn']} | {p} | {rec} |")
    print("\ndecisions (expected → got):", json.dumps(r["confusion"], ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=Path("samples/cases"))
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args(argv)
    cases = sorted(p for p in args.cases.iterdir() if (p / "expected.json").is_file())
    if args.case:
        cases = [c for c in cases if c.name in set(args.case)]
    with tempfile.TemporaryDirectory() as empty:
        cache = Path(empty) if args.cold else (args.cache or get_settings().data_dir)
        result = run(cases, cache)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
