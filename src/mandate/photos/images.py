"""Clean an uploaded photo: decode it, keep only its pixels, re-encode it.

A phone photo carries the camera make and model, its serial number, the time and the GPS
position where it was taken, and sometimes a comment or XMP packet naming the owner. None of it
may reach the disk: a photo from a picket line can put a striker at a place and time. The pixels
are copied into a fresh image (which has no metadata at all), turned upright first by the EXIF
orientation so nothing looks sideways once the tag is gone, scaled to a sensible size, and saved
as a plain JPEG with no EXIF, ICC, XMP or comment segment.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from mandate.core.errors import DomainError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# A decompression-bomb guard well above any phone camera (a 200-megapixel sensor is 200 MP;
# phones save 12-50 MP by default).
MAX_PIXELS = 60_000_000
LONG_EDGE = 2560
THUMB_EDGE = 480
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}


class PhotoError(DomainError):
    """The upload is not a photo we can take."""


@dataclass(frozen=True)
class CleanPhoto:
    full: bytes
    thumbnail: bytes
    width: int
    height: int


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile=, comment= or xmp= arguments: the fresh image has none to carry.
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image with IMAGE's pixels and nothing else (its info dict is empty)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        fresh = Image.new("RGB", rgba.size, (255, 255, 255))
        fresh.paste(rgba, mask=rgba.getchannel("A"))
        return fresh
    rgb = image.convert("RGB")
    fresh = Image.new("RGB", rgb.size)
    fresh.paste(rgb)
    return fresh


def clean(upload: IO[bytes], size: int) -> CleanPhoto:
    """Check and clean one upload; raise PhotoError with a message a person can act on."""
    if size <= 0:
        raise PhotoError("The file is empty: choose a photo.")
    if size > MAX_UPLOAD_BYTES:
        raise PhotoError(
            f"The photo is {size / 1024 / 1024:.1f} MB; the most we take is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Send a smaller copy."
        )
    try:
        with Image.open(upload) as opened:
            if opened.format not in ACCEPTED_FORMATS:
                raise PhotoError(
                    f"This is a {opened.format or 'unknown'} file; send a JPEG, PNG or WebP photo."
                )
            if opened.width * opened.height > MAX_PIXELS:
                raise PhotoError(
                    f"The photo is {opened.width} x {opened.height} pixels, more than we take; "
                    "send a smaller copy."
                )
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            fresh = _pixels_only(upright)
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise PhotoError(
            "This file is not a photo we can read; send a JPEG, PNG or WebP."
        ) from None
    fresh.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    width, height = fresh.size
    thumb = fresh.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return CleanPhoto(full=_jpeg(fresh, 85), thumbnail=_jpeg(thumb, 78), width=width, height=height)
