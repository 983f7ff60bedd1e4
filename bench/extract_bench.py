"""Extraction benchmark: classification and field-level accuracy on the sample cases.

    python -m bench.extract_bench [--cases samples/cases] [--json out.json] [--case c001 …]

Each case's files go through the ingest pipeline (OCR cached per page under YIBAO_DATA_DIR),
pages are renumbered across the files (sorted by name), `extractors.extract` runs, and the
documents are matched to expected.json by page. Reported: classification accuracy per kind,
field exact-match accuracy (after normalisation) per kind and field, split clean / degraded
(as the OCR benchmark splits pages: a clean case's document counts as clean when its pages
were given nothing beyond the plain flatbed scan), the worst fields, unreadable counts, and
amounts or ID numbers read *wrong while marked readable* ("silently wrong", the number that
must stay at zero). Fields the case made unreadable on purpose (`unreadable_fields` under an ink
blot, every field of an `illegible` document blurred beyond reading) count in the exact-match
figure like any other, and are also reported apart: the accuracy on the legible fields, and for
the others whether each was reported unreadable, read right all the same, or guessed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench.ocr_bench import CLEAN_OPS
from extractors import extract
from models.documents import Document, Page

CRITICAL = ("money", "amounts", "items", "id")
VERBOSE = False
_ID_FIELDS = {"id_number", "patient_id_number", "card_number", "bank_account", "spouse_id_number"}


def case_styles() -> dict[str, str]:
    try:
        from samples.cases import CASES

        return {c.id: c.style for c in CASES}
    except Exception:
        return {}


def load_pages(case_dir: Path) -> tuple[list[Page], dict[tuple[str, int], int]]:
    """The case's pages (numbered across its files, sorted by name), and (file, page) → number."""
    from api.submission import ingest_files
    from ingest.pipeline import Pipeline

    files = sorted(
        f for f in case_dir.iterdir() if f.suffix != ".json" and not f.name.startswith(".")
    )
    results, pages = ingest_files(files, Pipeline())
    mapping: dict[tuple[str, int], int] = {}
    for result in results:
        for i in range(1, len(result.pages) + 1):
            mapping[(result.filename, i)] = len(mapping) + 1
    return pages, mapping


def _dec(v: Any) -> Decimal | None:
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


def norm_value(v: Any) -> Any:
    """Comparable form of an expected or extracted value."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, Decimal | int | float):
        return Decimal(str(v)).normalize()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): norm_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm_value(x) for x in v]
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip().replace(" ", "")
        d = _dec(s) if s and s.replace(".", "", 1).replace("-", "", 1).isdigit() else None
        if d is not None and "." in s:
            return d.normalize()
        return s
    return v


_ROW_KEYS = (
    "name",
    "spec",
    "unit",
    "quantity",
    "unit_price",
    "amount",
    "category",
    "insurance_class",
)


def row_key(r: dict[str, Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for k in _ROW_KEYS:
        v = r.get(k)
        if k in ("quantity", "unit_price", "amount") and v is not None:
            d = _dec(v)
            out.append(d.normalize() if d is not None else v)
        else:
            out.append(norm_value(v if v is not None else ""))
    return tuple(out)


def field_kind(name: str, value: Any) -> str:
    if name in _ID_FIELDS:
        return "id"
    if name == "items":
        return "items"
    if isinstance(value, dict):
        return "amounts"
    if (
        name in ("total", "subtotal")
        or name.endswith("_payment")
        or name in ("self_pay", "self_expense")
    ):
        return "money"
    return "other"


@dataclass
class Tally:
    n: int = 0
    ok: int = 0

    def add(self, good: bool) -> None:
        self.n += 1
        self.ok += int(good)

    @property
    def rate(self) -> float:
        return self.ok / self.n if self.n else 1.0


@dataclass
class Results:
    cls: dict[str, dict[str, Tally]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Tally))
    )
    grouping: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    fields: dict[str, dict[tuple[str, str], Tally]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Tally))
    )
    rows: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    unreadable: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # fields the case left legible (not blotted, not on a page blurred beyond reading on purpose)
    legible: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    # fields made unreadable on purpose: reported unreadable / read right all the same / guessed
    destroyed: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    silent: list[dict[str, Any]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def _match(expected_pages: list[int], docs: list[Document]) -> Document | None:
    best, overlap = None, 0
    for d in docs:
        o = len(set(d.pages) & set(expected_pages))
        if o > overlap:
            best, overlap = d, o
    return best


# Cards whose front and back, sent as two files, expected.json lists as two documents with the
# same fields, while the extractor rightly makes them one.
_CARDS = ("id_card", "residence_permit", "hk_macao_taiwan_residence_permit")


def _one_card(
    exp: dict[str, Any], mapping: dict[tuple[str, int], int], d: Document, ed: dict[str, Any]
) -> bool:
    """Every expected card on the document's pages is the same person's: two people's cards
    merged into one document are a grouping error, not front and back."""
    holder = ed.get("fields", {}).get("id_number")
    for other in exp.get("documents", []):
        pages = {mapping.get((other["file"], p)) for p in other["pages"]}
        same_kind = other["kind"] == ed["kind"] and pages & set(d.pages)
        if same_kind and other.get("fields", {}).get("id_number") != holder:
            return False
    return True


def document_group(style: str, ed: dict[str, Any], page_ops: dict[str, list[str]]) -> str:
    """`clean` for a clean case's document whose pages were given no degradation beyond the
    plain flatbed scan, as the OCR benchmark splits pages: a page blurred beyond reading on
    purpose in a clean case (an UNREADABLE_PAGE case) is a degraded page."""
    name = ed["file"]
    pdf = name.lower().endswith(".pdf")
    keys = [f"{name}#{p}" if pdf or p > 1 else name for p in ed["pages"]]
    clean = style == "clean" and all(set(page_ops.get(k) or ()) <= CLEAN_OPS for k in keys)
    return "clean" if clean else "degraded"


def made_unreadable_outcome(
    ed: dict[str, Any], name: str, good: bool, readable: bool
) -> str | None:
    """For a field the case made unreadable on purpose (blotted, or on a document blurred
    beyond reading): `reported_unreadable`, `right` (read all the same) or `guessed` (a readable
    value that is wrong: the failure); None for a legible field."""
    if not (ed.get("illegible") or name in ed.get("unreadable_fields", ())):
        return None
    if good:
        return "right"
    return "guessed" if readable else "reported_unreadable"


def score_case(case_dir: Path, style: str, res: Results) -> None:
    exp = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
    pages, mapping = load_pages(case_dir)
    docs = extract(pages)
    page_ops = exp.get("page_ops") or {}
    for ed in exp.get("documents", []):
        want = [mapping.get((ed["file"], p)) for p in ed["pages"]]
        if any(w is None for w in want):
            continue
        group = document_group(style, ed, page_ops)
        wpages = [w for w in want if w is not None]
        d = _match(wpages, docs)
        kind = ed["kind"]
        got_kind = d.kind.value if d is not None else "none"
        res.cls[group][kind].add(got_kind == kind)
        if got_kind != kind:
            res.misses.append(
                {"case": case_dir.name, "file": ed["file"], "want": kind, "got": got_kind}
            )
        exact = d is not None and (
            sorted(d.pages) == sorted(wpages)
            or (kind in _CARDS and set(wpages) <= set(d.pages) and _one_card(exp, mapping, d, ed))
        )
        res.grouping[group].add(exact)
        for name, want_v in ed.get("fields", {}).items():
            f = d.fields.get(name) if d is not None and got_kind == kind else None
            fk = field_kind(name, want_v)
            readable = f is not None and f.readable
            got_v = f.value if f is not None and f.readable else None
            if name == "items" and isinstance(want_v, list):
                got_rows = {row_key(r) for r in got_v} if isinstance(got_v, list) else set()
                for r in want_v:
                    res.rows[group].add(row_key(r) in got_rows)
                good = isinstance(got_v, list) and sorted(map(str, map(row_key, got_v))) == sorted(
                    map(str, map(row_key, want_v))
                )
            else:
                good = norm_value(got_v) == norm_value(want_v)
            res.fields[group][(kind, name)].add(good)
            outcome = made_unreadable_outcome(ed, name, good, readable)
            if outcome is not None:
                res.destroyed[group][outcome] += 1
            else:
                res.legible[group].add(good)
            if not good and VERBOSE:
                if name == "items" and isinstance(want_v, list):
                    got_list = got_v if isinstance(got_v, list) else []
                    gk = [row_key(r) for r in got_list]
                    wk = [row_key(r) for r in want_v]
                    lost = [w for w in wk if w not in gk][:4]
                    print(f"  {case_dir.name} {kind}.items: missing {lost}")
                    print(f"        extra {[g for g in gk if g not in wk][:4]}")
                else:
                    raw = f.raw if f is not None else None
                    where = f"{case_dir.name} {kind}.{name}"
                    print(f"  {where}: want {want_v!r} got {got_v!r} raw {raw!r}")
            if f is not None and not f.readable:
                res.unreadable[group] += 1
            if name == "items" and isinstance(want_v, list) and isinstance(got_v, list):
                wanted = {
                    (norm_value(str(r.get("amount"))), norm_value(str(r.get("unit_price"))))
                    for r in want_v
                }
                wrong = [
                    r
                    for r in got_v
                    if r.get("amount") is not None
                    and (norm_value(str(r.get("amount"))), norm_value(str(r.get("unit_price"))))
                    not in wanted
                ]
                for r in wrong:
                    res.silent.append(
                        {
                            "case": case_dir.name,
                            "kind": kind,
                            "field": "items.amount",
                            "got": str(r)[:120],
                        }
                    )
            elif readable and not good and fk in CRITICAL and got_kind == kind:
                res.silent.append(
                    {
                        "case": case_dir.name,
                        "kind": kind,
                        "field": name,
                        "want": str(want_v)[:80],
                        "got": str(got_v)[:80],
                        "confidence": f.confidence if f else None,
                    }
                )


def report(res: Results) -> dict[str, Any]:
    out: dict[str, Any] = {"classification": {}, "grouping": {}, "fields": {}, "rows": {}}
    for group, kinds in res.cls.items():
        tot = Tally(sum(t.n for t in kinds.values()), sum(t.ok for t in kinds.values()))
        out["classification"][group] = {
            "accuracy": round(tot.rate, 4),
            "n": tot.n,
            "per_kind": {k: [t.ok, t.n] for k, t in sorted(kinds.items())},
        }
    for group, t in res.grouping.items():
        out["grouping"][group] = {"accuracy": round(t.rate, 4), "n": t.n}
    for group, per in res.fields.items():
        tot = Tally(sum(t.n for t in per.values()), sum(t.ok for t in per.values()))
        worst = sorted(per.items(), key=lambda kv: (kv[1].rate, -kv[1].n))[:12]
        by_kind: dict[str, Tally] = defaultdict(Tally)
        for (k, _), t in per.items():
            by_kind[k].n += t.n
            by_kind[k].ok += t.ok
        out["fields"][group] = {
            "accuracy": round(tot.rate, 4),
            "n": tot.n,
            "per_kind": {k: [t.ok, t.n] for k, t in sorted(by_kind.items())},
            "per_field": {f"{k}.{f}": [t.ok, t.n] for (k, f), t in sorted(per.items())},
            "worst": [[f"{k}.{f}", round(t.rate, 3), t.n] for (k, f), t in worst],
            "unreadable": res.unreadable.get(group, 0),
            "legible": {"accuracy": round(res.legible[group].rate, 4), "n": res.legible[group].n},
            "made_unreadable_on_purpose": dict(res.destroyed.get(group, {})),
        }
    for group, t in res.rows.items():
        out["rows"][group] = {"accuracy": round(t.rate, 4), "n": t.n}
    out["silently_wrong"] = res.silent
    out["misclassified"] = res.misses
    out["seconds"] = round(res.seconds, 1)
    return out


def print_report(r: dict[str, Any]) -> None:
    print("== classification (per expected document)")
    for g, v in r["classification"].items():
        print(f"  {g:9s} {v['accuracy']:.2%} of {v['n']}")
        for k, (ok, n) in v["per_kind"].items():
            print(f"      {k:28s} {ok}/{n}")
    print("== grouping (pages exactly as expected)")
    for g, v in r["grouping"].items():
        print(f"  {g:9s} {v['accuracy']:.2%} of {v['n']}")
    print("== fields (exact match after normalisation)")
    for g, v in r["fields"].items():
        print(f"  {g:9s} {v['accuracy']:.2%} of {v['n']}  (unreadable reported: {v['unreadable']})")
        leg, gone = v["legible"], v["made_unreadable_on_purpose"]
        print(f"    legible fields {leg['accuracy']:.2%} of {leg['n']}", end="")
        if gone:
            parts = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(gone.items()))
            print(f"; made unreadable on purpose {sum(gone.values())}: {parts}")
        else:
            print()
        for k, (ok, n) in v["per_kind"].items():
            print(f"      {k:28s} {ok}/{n} = {ok / n:.1%}")
        print("    worst fields:")
        for name, rate, n in v["worst"]:
            print(f"      {name:40s} {rate:.1%} of {n}")
    for g, v in r["rows"].items():
        print(f"== expense-list rows {g}: {v['accuracy']:.2%} of {v['n']}")
    print(f"== silently wrong amounts/IDs (readable but wrong): {len(r['silently_wrong'])}")
    for s in r["silently_wrong"][:30]:
        print("   ", s)
    if r["misclassified"]:
        print("== misclassified")
        for m in r["misclassified"][:40]:
            print("   ", m)
    print(f"== {r['seconds']} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--cases", type=Path, default=Path("samples/cases"))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--case", action="append", default=[], help="only these case ids")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = ap.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose
    styles = case_styles()
    res = Results()
    started = time.perf_counter()
    for case_dir in sorted(p for p in args.cases.iterdir() if (p / "expected.json").exists()):
        if args.case and case_dir.name not in args.case:
            continue
        try:
            score_case(case_dir, styles.get(case_dir.name, "clean"), res)
        except Exception as exc:
            print(f"{case_dir.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    res.seconds = time.perf_counter() - started
    r = report(res)
    print_report(r)
    if args.json:
        args.json.write_text(
            json.dumps(r, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
