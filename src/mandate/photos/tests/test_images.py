"""Cleaning: nothing but pixels reaches the disk."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PIL.ExifTags import IFD, Base

from mandate.photos import images
from mandate.photos.images import PhotoError

IDENTIFYING = [
    b"PhoneMakerCo",
    b"Pocket Camera 12",
    b"SN-0042-7731",
    b"Sample Photographer",
    b"2026:11:18",
    b"CameraApp",
    b"main gate",
    b"ns.adobe.com",
    b"adobe:ns:meta",
]


def test_the_fixture_really_carries_gps_and_camera_metadata(gps_jpeg: bytes) -> None:
    # The stripping tests below mean something only if the input has what they strip.
    with Image.open(io.BytesIO(gps_jpeg)) as im:
        exif = im.getexif()
        assert exif[Base.Make] == "PhoneMakerCo"
        assert exif[Base.Orientation] == 6
        gps = exif.get_ifd(IFD.GPSInfo)
        assert gps[2] == (53.0, 24.0, 21.6) and gps[1] == "N"
        assert "xmp" in im.info and "comment" in im.info
    for marker in IDENTIFYING[:3]:
        assert marker in gps_jpeg


def test_gps_camera_xmp_and_comment_are_stripped(gps_jpeg: bytes) -> None:
    cleaned = images.clean(io.BytesIO(gps_jpeg), len(gps_jpeg))
    for data in (cleaned.full, cleaned.thumbnail):
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG"
            assert len(im.getexif()) == 0
            assert not im.getexif().get_ifd(IFD.GPSInfo)
            assert {"exif", "xmp", "comment", "icc_profile", "photoshop"}.isdisjoint(im.info)
        assert b"Exif\x00\x00" not in data
        for marker in IDENTIFYING:
            assert marker not in data, marker


def test_orientation_is_applied_before_the_tag_goes(gps_jpeg: bytes) -> None:
    # Stored 640 x 480 with orientation 6 (rotate 90 degrees clockwise to display): the clean
    # copy is portrait, and the blue corner marker moves from top-left to top-right.
    cleaned = images.clean(io.BytesIO(gps_jpeg), len(gps_jpeg))
    assert (cleaned.width, cleaned.height) == (480, 640)
    with Image.open(io.BytesIO(cleaned.full)) as im:
        r, g, b = im.convert("RGB").getpixel((470, 10))  # type: ignore[misc]
        assert b > 180 and r < 80


def test_large_photos_are_scaled_and_thumbnails_are_small() -> None:
    raw = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 10)).save(raw, "JPEG")
    cleaned = images.clean(io.BytesIO(raw.getvalue()), raw.tell())
    assert (cleaned.width, cleaned.height) == (2560, 1920)
    with Image.open(io.BytesIO(cleaned.thumbnail)) as thumb:
        assert max(thumb.size) == images.THUMB_EDGE


def test_png_with_text_chunks_and_transparency_is_flattened_and_stripped() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Sample Photographer")
    info.add_text("Location", "53.4,-2.9")
    raw = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(raw, "PNG", pnginfo=info)
    cleaned = images.clean(io.BytesIO(raw.getvalue()), raw.tell())
    assert b"Sample Photographer" not in cleaned.full and b"53.4" not in cleaned.full
    with Image.open(io.BytesIO(cleaned.full)) as im:
        assert im.convert("RGB").getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not a photo at all", "not a photo we can read"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "not a photo we can read"),
    ],
)
def test_bad_files_get_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError, match=message):
        images.clean(io.BytesIO(data), len(data))


def test_other_image_formats_are_refused_by_name() -> None:
    raw = io.BytesIO()
    Image.new("RGB", (10, 10)).save(raw, "GIF")
    with pytest.raises(PhotoError, match="GIF file"):
        images.clean(io.BytesIO(raw.getvalue()), raw.tell())


def test_too_large_a_file_is_refused_before_decoding() -> None:
    with pytest.raises(PhotoError, match="the most we take is 15 MB"):
        images.clean(io.BytesIO(b"x"), images.MAX_UPLOAD_BYTES + 1)


def test_a_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 10_000)
    raw = io.BytesIO()
    Image.new("RGB", (200, 100)).save(raw, "PNG")
    with pytest.raises(PhotoError, match="200 x 100 pixels"):
        images.clean(io.BytesIO(raw.getvalue()), raw.tell())
