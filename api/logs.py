"""Logging for `serve` and `worker`: one handler on the root logger whose formatter masks
resident ID numbers and bank card numbers in every line (tracebacks included), and the
third-party loggers that dump document content at DEBUG held at WARNING.

The code itself logs no personal data (codes, sizes, hash prefixes, submission ids, timings);
the masking is the second line of defence for text that reaches a log through an exception
message or a library."""

from __future__ import annotations

import logging
import re
from typing import IO

from extractors.normalize import bankcard, idnumber

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

QUIET = (
    "pdfminer",  # content streams and text at DEBUG
    "PIL",  # image chunks
    "fontTools",  # glyphs of the notice's text
    "weasyprint",  # the notice being rendered
    "python_multipart",  # form fields of an upload
    "multipart",
    "pikepdf",
    "httpcore",
)
"""Loggers whose DEBUG output can carry what a document or form says."""

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_CARD_NUMBER = re.compile(r"(?<![0-9A-Za-z*])\d{12,19}(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """ID numbers and card-like digit runs masked (350102********123X, 6222***********1234)."""
    text = _ID_NUMBER.sub(lambda m: idnumber.mask(m.group()), text)
    return _CARD_NUMBER.sub(lambda m: bankcard.mask(m.group()), text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str, stream: IO[str] | None = None) -> logging.Handler:
    """Replace the root logger's handlers by one redacting handler at `level`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
