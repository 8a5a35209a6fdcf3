from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gps_jpeg() -> bytes:
    """A JPEG with EXIF (make, model, serial, times, orientation 6), a GPS IFD, XMP and a
    comment: what a phone camera writes."""
    return (FIXTURES / "picket-gps.jpg").read_bytes()
