"""`yibao ocr`: human output and the stable JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.commands.ocr import ocr
from bench.synthetic import encode, qr_image
from tests.test_ingest_pipeline import _digital_pdf


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YIBAO_STORAGE", "local")
    cli = typer.Typer()
    cli.command("ocr")(ocr)
    cli.command("noop")(lambda: None)  # keep "ocr" a subcommand, as when mounted
    return cli


def test_json_output(app: typer.Typer, tmp_path: Path):
    qr = tmp_path / "qr.png"
    qr.write_bytes(encode(qr_image("INV-35010124")))
    pdf = tmp_path / "发票.pdf"
    pdf.write_bytes(_digital_pdf(qr))
    bad = tmp_path / "empty.jpg"
    bad.write_bytes(b"")
    result = CliRunner().invoke(app, ["ocr", str(pdf), str(bad), "--json"])
    assert result.exit_code == 1, result.output  # one bad file
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["engine"] == "rapidocr"
    first, second = doc["files"]
    assert first["error"] is None and first["media_type"] == "application/pdf"
    (page,) = first["pages"]
    assert page["source"] == "text_layer" and page["quality"] == "ok"
    assert page["qr_payloads"] == ["INV-35010124"]
    assert page["lines"][0]["text"] == "福建省医疗门诊收费票据（电子）"
    assert set(page["lines"][0]) == {"text", "confidence", "box", "polygon"}
    assert second["error"]["code"] == "FILE_EMPTY"
    assert second["error"]["message_zh"] == "文件为空，请重新上传"


def test_human_output(app: typer.Typer, tmp_path: Path):
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(_digital_pdf())
    result = CliRunner().invoke(app, ["ocr", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "quality" in result.output and "交款人：林晓梅" in result.output


def test_unknown_engine(app: typer.Typer, tmp_path: Path):
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(_digital_pdf())
    result = CliRunner().invoke(app, ["ocr", str(pdf), "--engine", "nope"])
    assert result.exit_code == 2
