"""Character error rate (CER) of OCR output against ground truth.

Two measures; both compare NFKC-normalised text with all whitespace removed.

`cer(reference, hypothesis)`: plain edit distance over the reference length. Reading order
counts: only right when the reference is in the order the OCR reads (a single column of lines).

`score_page(truth, ocr_lines)`: the benchmark's measure, independent of reading order. A page's
truth is a list of strings (what each drawing call printed: a label, a value, a heading). Each
truth string is aligned with the best-matching stretch of the page's OCR text (the OCR lines
joined in the engine's order): the edit distance of the string against the best substring
(semi-global alignment: the match may start and end anywhere in the OCR text at no cost). The
page CER is the sum of those distances over the number of truth characters. So
- lines the OCR reads in another order (tables, two columns, a card's two sides) cost nothing,
- a misread, missing or extra character costs one; a truth string whose best match has more
  than half its characters wrong counts as not read at all and costs its length (a missing
  line does not get cheaper because a colon or a digit of it occurs elsewhere on the page);
- one OCR reading serves one truth string: the strings are matched longest first, and a match
  (at most half its characters wrong) takes its stretch out of the OCR text, so a string
  printed twice (a column header, 甲类 on every row, a lone 年/月/日) needs two readings;
- it is recall-oriented: OCR text that matches no truth string (seal lettering, noise read as
  characters) is not penalised. `PageScore.precision` covers that side cheaply: the share of
  OCR characters the truth has too (bag of characters, counts clipped).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


def normalise(text: str) -> str:
    """NFKC (full-width forms to half-width), whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


class _Haystack:
    """The OCR text strings are aligned against; a matched span can be taken out of it."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)
        self.text = text
        self.codes = np.array([ord(c) for c in text], dtype=np.int64)
        self._rows: dict[str, NDArray[np.int64]] = {}

    def __len__(self) -> int:
        return len(self.chars)

    def mismatch(self, ch: str) -> NDArray[np.int64]:
        """1 where the text differs from `ch` (always, where a span was taken out)."""
        row = self._rows.get(ch)
        if row is None:
            row = (self.codes != ord(ch)).astype(np.int64)
            self._rows[ch] = row
        return row

    def take(self, start: int, end: int) -> None:
        """Take text[start:end] out: it matches nothing any more."""
        self.codes[start:end] = -1
        for row in self._rows.values():
            row[start:end] = 1
        self.chars[start:end] = [_TAKEN] * (end - start)
        self.text = "".join(self.chars)


_TAKEN = "\x00"


def _last_row(
    needle: str, mismatch: Callable[[str], NDArray[np.int64]], n: int, free_start: bool
) -> NDArray[np.int64]:
    """The last row of the edit-distance table of `needle` against a text of length n.

    With `free_start` row 0 is all zeros (the match may start anywhere in the text), else it
    is 0, 1, 2, … (the match starts at the text's beginning). D[m][j] is then the best
    distance of a match ending at j. Each row is computed with numpy: substitutions and
    deletions from the row above, then insertions by a running minimum (D[j] = min over
    k <= j of D[k] + j - k)."""
    idx = np.arange(n + 1, dtype=np.int64)
    prev = np.zeros(n + 1, dtype=np.int64) if free_start else idx.copy()
    cur = np.empty(n + 1, dtype=np.int64)
    for i, ch in enumerate(needle, 1):
        cur[0] = i
        np.minimum(prev[:-1] + mismatch(ch), prev[1:] + 1, out=cur[1:])
        prev = np.minimum.accumulate(cur - idx) + idx
    return prev


def _align(needle: str, hay: _Haystack) -> tuple[int, int, int]:
    """(distance, start, end) of the best match of `needle` in the text (semi-global)."""
    m, n = len(needle), len(hay)
    if m == 0 or n == 0:
        return m, 0, 0
    at = hay.text.find(needle)
    if at >= 0:
        return 0, at, at + m
    last = _last_row(needle, hay.mismatch, n, True)
    end = int(np.argmin(last))
    # the start: align the reversed needle from `end` backwards, anchored there
    back = _last_row(needle[::-1], lambda ch: hay.mismatch(ch)[:end][::-1], end, False)
    return int(last[end]), end - int(np.argmin(back)), end


def substring_distance(needle: str, haystack: str) -> int:
    """The edit distance of `needle` against the substring of `haystack` closest to it
    (semi-global alignment: the match may start and end anywhere). At most len(needle)."""
    return _align(needle, _Haystack(haystack))[0]


@dataclass
class PageScore:
    truth_chars: int = 0
    errors: int = 0
    """Sum over the truth strings of their distance to the best-matching OCR substring."""
    ocr_chars: int = 0
    matched_chars: int = 0
    """OCR characters the truth has too (bag of characters: per character, the smaller count)."""
    lines: list[tuple[str, int]] = field(default_factory=list)
    """Each normalised truth string with its distance, in truth order."""

    @property
    def cer(self) -> float:
        if not self.truth_chars:
            return 0.0
        return self.errors / self.truth_chars

    @property
    def precision(self) -> float:
        return self.matched_chars / self.ocr_chars if self.ocr_chars else 1.0

    def worst_lines(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted((x for x in self.lines if x[1]), key=lambda x: -x[1])[:n]


def score_page(truth: Sequence[str], ocr_lines: Sequence[str]) -> PageScore:
    """Reading-order independent CER of one page (see the module docstring)."""
    ocr = "".join(normalise(line) for line in ocr_lines)
    hay = _Haystack(ocr)
    items = [s for s in (normalise(raw) for raw in truth) if s]
    dist = [0] * len(items)
    for i in sorted(range(len(items)), key=lambda i: -len(items[i])):  # longest first
        d, start, end = _align(items[i], hay)
        if 2 * d <= len(items[i]):  # a reading of this string: no other string may use it
            hay.take(start, end)
            dist[i] = d
        else:  # a few characters in common by chance are no reading
            dist[i] = len(items[i])
    score = PageScore(ocr_chars=len(ocr), lines=list(zip(items, dist, strict=True)))
    score.truth_chars = sum(len(s) for s in items)
    score.errors = sum(dist)
    score.matched_chars = sum((Counter(ocr) & Counter("".join(items))).values())
    return score
