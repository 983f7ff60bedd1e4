"""Page classification, grouping into documents and per-kind field extraction."""

from extractors.api import extract

__all__ = ["extract"]
