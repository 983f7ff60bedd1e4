"""A corpus of hostile or broken files, generated on the fly (no committed binaries).

Each entry is a file an applicant (or an attacker) might upload, with the intake code the
service must answer for it, or None when the file is fine and must be processed (a valid page
under a wrong extension or a hostile name).
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bench.synthetic import encode, render_lines


@dataclass(frozen=True)
class Hostile:
    name: str
    """What the entry is (the test id)."""
    filename: str | bytes
    """The name sent in the multipart header (bytes: sent raw, e.g. not UTF-8)."""
    make: Callable[[], bytes]
    code: str | None
    """The intake code expected for the file; None: processed normally."""
    content_type: str = "application/octet-stream"

    def data(self) -> bytes:
        """The file's bytes (made once per process: some take a second to make)."""
        return _made(self.make)


@cache
def _made(make: Callable[[], bytes]) -> bytes:
    return make()


def page_image(label: str = "福建省医疗收费票据") -> bytes:
    return encode(render_lines([label, "患者姓名 测试"], size=(480, 240), px=28, margin=30))


def page_jpeg() -> bytes:
    img = render_lines(["福建省医疗收费票据", "测试"], size=(480, 240), px=28, margin=30)
    return encode(img, ".jpg")


# -- images ----------------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    data = page_jpeg()
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = page_image()
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming_huge_size() -> bytes:
    """A valid small PNG whose header (CRC fixed) says 100000 × 100000 pixels."""
    data = bytearray(page_image())
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", 100_000, 100_000)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(data)


def jpeg_claiming_huge_size() -> bytes:
    """A small JPEG whose frame header (SOF) says 65000 × 65000 pixels."""
    data = bytearray(page_jpeg())
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at > 0:
            data[at + 5 : at + 9] = struct.pack(">HH", 65000, 65000)
            return bytes(data)
    raise AssertionError("no SOF marker")


def real_high_pixel_jpeg() -> bytes:
    """A real, fully decodable 10240 × 10240 (105 megapixel) scan: over the 100 MP limit."""
    img = Image.new("L", (10240, 10240), 255)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=50)
    return buf.getvalue()


def png_text_chunk_bomb() -> bytes:
    """A valid PNG carrying a zTXt chunk that inflates to 64 MB."""
    data = page_image()
    bomb = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)
    chunk = _png_chunk(b"zTXt", b"Comment\0\0" + bomb)
    return data[:33] + chunk + data[33:]


def tiff_many_pages(frames: int = 300) -> bytes:
    pages = [Image.new("L", (8, 8), 255) for _ in range(frames)]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


def tiff_ifd_loop() -> bytes:
    """A two-page TIFF whose second directory points back to the first (an endless chain)."""
    data = bytearray(tiff_many_pages(2))
    first = struct.unpack("<I", data[4:8])[0]
    (count,) = struct.unpack("<H", data[first : first + 2])
    second_ptr = first + 2 + 12 * count
    second = struct.unpack("<I", data[second_ptr : second_ptr + 4])[0]
    (count2,) = struct.unpack("<H", data[second : second + 2])
    end = second + 2 + 12 * count2
    data[end : end + 4] = struct.pack("<I", first)
    return bytes(data)


# -- PDFs ------------------------------------------------------------------------------------


def raw_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from its object bodies (object n is objects[n-1]; object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _stream(content: bytes, flate: bool = False) -> bytes:
    if flate:
        content = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + (
            content + b"\nendstream"
        )
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


_TEXT = b"BT /F1 18 Tf 72 720 Td (Invoice page with enough text for the layer) Tj ET"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_pages(n: int) -> bytes:
    """`n` pages sharing one content stream and one font: 5000 pages in ~0.5 MB."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        _stream(_TEXT),
        _FONT,
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * n
    return raw_pdf(objects)


def pdf_deep_page_tree(depth: int = 5000) -> bytes:
    """The page tree nested `depth` levels deep (Pages → Kids → Pages → … → one Page)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        n = 2 + level
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 1))
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 595 842] /Contents %d 0 R"
        b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (depth + 3, depth + 4)
    )
    objects += [_stream(_TEXT), _FONT]
    return raw_pdf(objects)


def pdf_deep_arrays(depth: int = 100_000) -> bytes:
    """One page whose resources hold an array nested `depth` deep, and the same nesting in
    its content stream."""
    nested = b"[" * depth + b"]" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> /Deep " + nested + b" >> >>",
        _stream(_TEXT + b"\n" + nested + b" pop"),
        _FONT,
    ]
    return raw_pdf(objects)


def pdf_flate_bomb() -> bytes:
    """One page whose content stream is 0.1 MB compressed and 100 MB of whitespace inflated."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b" " * (100 * 1024 * 1024), flate=True),
    ]
    return raw_pdf(objects)


def _page_objects(extra_catalog: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(_TEXT),
        _FONT,
    ]


def pdf_javascript() -> bytes:
    """A readable page that runs JavaScript when opened (OpenAction and the Names tree)."""
    objects = _page_objects(b"/OpenAction 6 0 R /Names << /JavaScript 7 0 R >> ")
    objects.append(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\);) >>")
    objects.append(b"<< /Names [(x) 6 0 R] >>")
    return raw_pdf(objects)


def pdf_launch_action() -> bytes:
    """A readable page whose OpenAction (inline) launches a program."""
    objects = _page_objects(b"/OpenAction << /S /Launch /F (cmd.exe) >> ")
    return raw_pdf(objects)


def pdf_encrypted() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt="secret")
    c.drawString(72, 720, "an encrypted page with enough text for a text layer")
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_plain() -> bytes:
    return raw_pdf(_page_objects())


# -- disguises -------------------------------------------------------------------------------


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG that is also a valid ZIP archive (the archive appended)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.html", "<script>alert(1)</script>")
    return page_jpeg() + buf.getvalue()


def html_pdf_polyglot() -> bytes:
    """An HTML page with a script that is also a PDF (the header within the first KiB)."""
    html = b"<html><body><script>alert(document.cookie)</script><!--"
    return html + b" " * 64 + pdf_plain() + b"-->"


def gzip_bomb() -> bytes:
    """100 MB of zeros gzipped to ~0.1 MB."""
    return gzip.compress(b"\0" * (100 * 1024 * 1024), 9)


def jpeg_with_zip_bomb() -> bytes:
    """A JPEG with a ZIP appended whose one member inflates to 100 MB."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (8 * 1024 * 1024)
        for _ in range(12):
            member.write(block)
    return page_jpeg() + buf.getvalue()


CORPUS: list[Hostile] = [
    Hostile("empty", "empty.jpg", lambda: b"", "FILE_EMPTY", "image/jpeg"),
    Hostile("truncated-jpeg", "half.jpg", truncated_jpeg, "IMAGE_TRUNCATED", "image/jpeg"),
    Hostile("truncated-png", "half.png", truncated_png, "IMAGE_TRUNCATED", "image/png"),
    Hostile("png-huge-header", "bomb.png", png_claiming_huge_size, "IMAGE_TOO_MANY_PIXELS"),
    Hostile("jpeg-huge-header", "bomb.jpg", jpeg_claiming_huge_size, "IMAGE_TOO_MANY_PIXELS"),
    Hostile("jpeg-105mp", "big.jpg", real_high_pixel_jpeg, "IMAGE_TOO_MANY_PIXELS"),
    Hostile("png-ztxt-bomb", "text.png", png_text_chunk_bomb, "IMAGE_CORRUPT"),
    Hostile("tiff-300-pages", "many.tif", tiff_many_pages, "TIFF_TOO_MANY_PAGES"),
    Hostile("tiff-ifd-loop", "loop.tif", tiff_ifd_loop, None),
    Hostile("pdf-5000-pages", "long.pdf", lambda: pdf_pages(5000), "PDF_TOO_MANY_PAGES"),
    Hostile("pdf-deep-page-tree", "deep.pdf", pdf_deep_page_tree, "PDF_TOO_COMPLEX"),
    Hostile("pdf-garbage", "junk.pdf", lambda: b"%PDF-1.7\n" + b"\x00junk " * 500, "PDF_CORRUPT"),
    Hostile("pdf-deep-arrays", "nested.pdf", pdf_deep_arrays, "PDF_TOO_COMPLEX"),
    Hostile("pdf-flate-bomb", "inflate.pdf", pdf_flate_bomb, "PDF_TOO_COMPLEX"),
    Hostile("pdf-encrypted", "locked.pdf", pdf_encrypted, "PDF_ENCRYPTED"),
    Hostile("pdf-javascript", "script.pdf", pdf_javascript, "PDF_ACTIVE_CONTENT"),
    Hostile("pdf-launch", "launch.pdf", pdf_launch_action, "PDF_ACTIVE_CONTENT"),
    Hostile("polyglot-jpeg-zip", "photo.jpg", jpeg_zip_polyglot, "FILE_POLYGLOT"),
    Hostile("polyglot-html-pdf", "page.pdf", html_pdf_polyglot, "FILE_POLYGLOT"),
    Hostile("gzip-bomb-as-jpeg", "scan.jpg", gzip_bomb, "UNSUPPORTED_TYPE", "image/jpeg"),
    Hostile("zip-bomb-in-jpeg", "scan2.jpg", jpeg_with_zip_bomb, "FILE_POLYGLOT", "image/jpeg"),
    Hostile("text-as-jpeg", "note.jpg", lambda: b"<html>hello</html>", "UNSUPPORTED_TYPE"),
    Hostile("exe-as-png", "setup.png", lambda: b"MZ\x90\x00" + b"\0" * 200, "UNSUPPORTED_TYPE"),
    Hostile("png-named-pdf", "invoice.pdf", page_image, None, "application/pdf"),
    Hostile("path-traversal", "../../../../etc/cron.d/evil.png", page_image, None),
    Hostile("windows-traversal", "..\\..\\Windows\\System32\\x.png", page_image, None),
    Hostile("overlong-name", "发" * 1000 + ".png", page_image, None),
    Hostile("control-chars-name", "a\x1b[31m\u202egnp.exe", page_image, None),
    Hostile("gbk-name", "发票扫描件.png".encode("gbk"), page_image, None),
]
