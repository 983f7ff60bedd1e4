"""The one intake error type, with stable codes and Chinese messages for applicants."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class IntakeCode(StrEnum):
    FILE_EMPTY = "FILE_EMPTY"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
    IMAGE_TRUNCATED = "IMAGE_TRUNCATED"
    IMAGE_CORRUPT = "IMAGE_CORRUPT"
    IMAGE_TOO_MANY_PIXELS = "IMAGE_TOO_MANY_PIXELS"
    PDF_ENCRYPTED = "PDF_ENCRYPTED"
    PDF_CORRUPT = "PDF_CORRUPT"
    PDF_TOO_MANY_PAGES = "PDF_TOO_MANY_PAGES"
    PDF_ACTIVE_CONTENT = "PDF_ACTIVE_CONTENT"
    PDF_TOO_COMPLEX = "PDF_TOO_COMPLEX"
    TIFF_TOO_MANY_PAGES = "TIFF_TOO_MANY_PAGES"
    FILE_POLYGLOT = "FILE_POLYGLOT"
    STORAGE_FAILED = "STORAGE_FAILED"
    PROCESSING_FAILED = "PROCESSING_FAILED"


MESSAGES_ZH: dict[IntakeCode, str] = {
    IntakeCode.FILE_EMPTY: "文件为空，请重新上传",
    IntakeCode.FILE_TOO_LARGE: "文件过大，请压缩或分开上传",
    IntakeCode.UNSUPPORTED_TYPE: (
        "不支持的文件格式，请上传 JPG、PNG、TIFF、BMP、WebP、HEIC 图片或 PDF 文件"
    ),
    IntakeCode.IMAGE_TRUNCATED: "图片文件不完整，请重新拍摄或上传",
    IntakeCode.IMAGE_CORRUPT: "图片文件已损坏，无法打开，请重新上传",
    IntakeCode.IMAGE_TOO_MANY_PIXELS: "图片尺寸过大，请降低分辨率后重新上传",
    IntakeCode.PDF_ENCRYPTED: "PDF 文件已加密，请上传未加密的文件",
    IntakeCode.PDF_CORRUPT: "PDF 文件已损坏，无法打开，请重新上传",
    IntakeCode.PDF_TOO_MANY_PAGES: "PDF 页数过多，请分开上传",
    IntakeCode.PDF_ACTIVE_CONTENT: "PDF 文件含有脚本或自动执行的动作，请另存为普通 PDF 后重新上传",
    IntakeCode.PDF_TOO_COMPLEX: (
        "PDF 文件结构异常（嵌套过深或压缩内容过大），请另存为普通 PDF 后重新上传"
    ),
    IntakeCode.TIFF_TOO_MANY_PAGES: "TIFF 图片页数过多，请分开上传",
    IntakeCode.FILE_POLYGLOT: (
        "文件中夹带了其他格式的内容（如压缩包或网页），请上传普通的图片或 PDF 文件"
    ),
    IntakeCode.STORAGE_FAILED: "文件保存失败，请稍后重试",
    IntakeCode.PROCESSING_FAILED: "文件处理失败，请重新上传",
}


class IntakeError(Exception):
    """A file that cannot be taken in; `detail` holds machine-readable facts (no file contents)."""

    def __init__(
        self,
        code: IntakeCode | str,
        message_zh: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.code = IntakeCode(code)
        self.message_zh = message_zh if message_zh is not None else MESSAGES_ZH[self.code]
        self.detail: dict[str, Any] = dict(detail or {})
        super().__init__(f"{self.code}: {self.message_zh}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message_zh": self.message_zh, "detail": self.detail}
