"""Checking a payslip upload: what the bytes are, not what the name or the browser claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import File

from mandate.core.errors import DomainError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# (label, content type, suffix the stored file gets, signature, its offset); WebP sits in a RIFF
# container, so its signature follows the RIFF header.
_KINDS: list[tuple[str, str, str, bytes, int]] = [
    ("PDF", "application/pdf", ".pdf", b"%PDF-", 0),
    ("PNG", "image/png", ".png", b"\x89PNG\r\n\x1a\n", 0),
    ("JPEG", "image/jpeg", ".jpg", b"\xff\xd8\xff", 0),
    ("WebP", "image/webp", ".webp", b"WEBP", 8),
]


class EvidenceError(DomainError):
    """The upload is not a payslip we can keep."""


@dataclass(frozen=True)
class Evidence:
    content_type: str
    suffix: str
    size: int


def max_bytes() -> int:
    return int(getattr(settings, "MANDATE_PAY_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_evidence(upload: File[Any]) -> Evidence:
    """Accept a PDF, PNG, JPEG or WebP of at most the size limit, by its content."""
    limit = max_bytes()
    size = upload.size or 0
    if size == 0:
        raise EvidenceError("The file is empty: take the photo or choose the PDF again.")
    if size > limit:
        raise EvidenceError(
            f"The file is {size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
            "Take the photo at a lower resolution or upload the PDF."
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for _label, content_type, suffix, magic, offset in _KINDS:
        if head[offset : offset + len(magic)] == magic and (
            offset == 0 or head.startswith(b"RIFF")
        ):
            return Evidence(content_type=content_type, suffix=suffix, size=size)
    raise EvidenceError(
        "That file is not a PDF or a photo (PNG, JPEG or WebP). Upload the payslip as a PDF or "
        "a photo of it."
    )
