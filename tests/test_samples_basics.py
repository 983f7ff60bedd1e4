"""Sample generator building blocks: GB 11643 check digits, 大写 amounts, fonts found offline."""

from __future__ import annotations

import random

from extractors.normalize.idnumber import check_digit
from extractors.normalize.idnumber import is_valid as id_valid
from samples.fonts import Face, font_path, pil_font
from samples.people import corrupt_check_digit, make_person


def test_gb11643_known_numbers() -> None:
    # The standard's worked example and a number ending in X.
    assert check_digit("11010519491231002") == "X"
    assert id_valid("11010519491231002X")
    assert check_digit("44052418800101001") == "4"


def test_generated_ids_valid_and_corruption_detected() -> None:
    rng = random.Random(1)
    for _ in range(200):
        p = make_person(rng)
        assert id_valid(p.id_number), p.id_number
        assert p.id_number[6:14] == f"{p.birth_date:%Y%m%d}"
        assert int(p.id_number[16]) % 2 == (0 if p.sex == "女" else 1)
        assert not id_valid(corrupt_check_digit(p.id_number))


def test_fonts_found_offline() -> None:
    for face in Face:
        path = font_path(face)
        assert path.is_file() and path.stat().st_size > 1_000_000
        font = pil_font(face, 40)
        assert font.getlength("医疗收费票据") > 100  # CJK glyphs present, not tofu-width zero


def test_photocopy_is_scanned_not_photographed() -> None:
    """A photocopy goes through the scanner at the resolution its ops name (or the flatbed's
    150 dpi), not first shrunk like a phone photo: `photocopy` is not the `photo` op."""
    import random

    from PIL import Image

    from samples import degrade
    from samples.builder import A4_PX_200, finish, scan_ops

    page = Image.new("RGB", A4_PX_200, (252, 252, 250))
    assert scan_ops(["photocopy"]) == ["photocopy", "lowres:150"]
    assert scan_ops(["photo", "blur:2"]) == ["photo", "blur:2"]
    copied = finish(page, ["photocopy", "lowres:130"], random.Random(0))
    assert copied.width == int(A4_PX_200[0] * 130 / 200)
    photographed = finish(page, ["photo"], random.Random(0))
    uncapped = degrade.apply(page, ["photo"], random.Random(0))
    assert max(photographed.size) < 0.8 * max(uncapped.size)
