"""`labo.core.photos`: what a resident's photo goes through before it
is stored. Every image here is made with Pillow on the spot."""
from __future__ import annotations

import inspect
import io
import os
import re
import stat
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from labo.core.photos import (
    ALLOWED,
    MAX_BYTES,
    MAX_SIDE,
    PhotoError,
    StoredPhoto,
    delete_photo,
    photo_path,
    process_photo,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS = ExifTags.IFD.GPSInfo
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jeanne Secret"/></rdf:RDF></x:xmpmeta>'
)


# --- making images ----------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def halves(size: tuple[int, int], mode: str = "RGB", left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows which way it was turned."""
    image = Image.new(mode, size, right)
    image.paste(Image.new(mode, (size[0] // 2, size[1]), left), (0, 0))
    return image


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: turn 90° clockwise to show
    exif[ExifTags.Base.Make] = "TelephoneMaker"
    exif[ExifTags.Base.Model] = "Modele 3000"
    exif[ExifTags.Base.DateTime] = "2024:05:01 10:00:00"
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (50.0, 25.0, 57.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 49.0, 55.0),
    }
    return exif


def png_with_size(width: int, height: int) -> bytes:
    """A tiny real PNG whose header then claims width x height (CRC fixed):
    what a decompression bomb looks like before anything is decoded."""
    data = bytearray(encode(Image.new("L", (8, 8), 0), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def store(data: bytes, upload_dir: Path) -> StoredPhoto:
    return process_photo(io.BytesIO(data), upload_dir)


def refusal(data: bytes, upload_dir: Path) -> str:
    with pytest.raises(PhotoError) as caught:
        store(data, upload_dir)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)  # a sentence, not an empty message
    assert not upload_dir.exists() or not any(upload_dir.iterdir()), "nothing is stored for a refusal"
    return caught.value.code


def reopen(upload_dir: Path, stored: StoredPhoto) -> tuple[Image.Image, bytes]:
    raw = photo_path(upload_dir, stored.key).read_bytes()
    assert len(raw) == stored.size
    image = Image.open(io.BytesIO(raw))
    image.load()
    return image, raw


def assert_no_metadata(image: Image.Image, raw: bytes) -> None:
    assert not image.getexif(), dict(image.getexif())
    for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
        assert key not in image.info, key
    for marker in (b"Exif\x00", b"TelephoneMaker", b"Jeanne Secret", b"xmpmeta", b"ICC_PROFILE"):
        assert marker not in raw, marker


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"  # not created yet: process_photo makes it


# --- what is accepted -------------------------------------------------------


def test_a_big_phone_jpeg_is_shrunk_turned_upright_and_loses_exif_gps_xmp_comment_and_icc(upload_dir):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(halves((4000, 3000)), "JPEG", quality=90, exif=phone_exif(), xmp=XMP,
                  comment=b"Jeanne Secret", icc_profile=srgb)
    with Image.open(io.BytesIO(data)) as original:  # the test image really carries all that
        assert original.getexif()[ExifTags.Base.Orientation] == 6
        assert original.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert {"xmp", "comment", "icc_profile"} <= set(original.info)

    stored = store(data, upload_dir)

    assert stored.content_type == "image/jpeg" and stored.key.endswith(".jpg")
    # 4000x3000 lying on its side: 1200 wide, 1600 high once upright.
    assert (stored.width, stored.height) == (1200, 1600)
    image, raw = reopen(upload_dir, stored)
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (1200, 1600)
    assert_no_metadata(image, raw)
    assert not image.getexif().get_ifd(GPS)
    # Turned clockwise: what was on the left is now on top.
    top, bottom = image.getpixel((600, 300)), image.getpixel((600, 1300))
    assert top[0] > 180 and top[2] < 60, top
    assert bottom[2] > 180 and bottom[0] < 60, bottom


def test_a_png_loses_its_text_chunks_and_exif_but_keeps_its_alpha(upload_dir):
    image = halves((2400, 1200), "RGBA", left=(0, 128, 0, 255), right=(0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Jeanne Secret")
    info.add_text("Author", "Jeanne Secret", zip=True)
    info.add_itxt("Description", "Jeanne Secret", lang="fr")
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    data = encode(image, "PNG", pnginfo=info, exif=phone_exif(), dpi=(300, 300))
    assert b"tEXt" in data and b"zTXt" in data and b"iTXt" in data and b"eXIf" in data

    stored = store(data, upload_dir)

    assert stored.content_type == "image/png" and stored.key.endswith(".png")
    image, raw = reopen(upload_dir, stored)
    assert image.format == "PNG" and image.mode == "RGBA"
    # The orientation tag was honoured before it was dropped.
    assert image.size == (stored.width, stored.height) == (800, 1600)
    assert_no_metadata(image, raw)
    assert not getattr(image, "text", {})
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"pHYs"):
        assert chunk not in raw, chunk
    assert image.getpixel((400, 100)) == (0, 128, 0, 255)
    assert image.getpixel((400, 1500))[3] == 0  # still transparent


def test_metadata_goes_even_when_no_colour_conversion_rebuilds_the_image(upload_dir):
    # Pillow's JPEG writer copies info["comment"] and its PNG writer
    # info["icc_profile"] by themselves: only a new image from pixels stops that.
    image, raw = reopen(upload_dir, store(encode(halves((300, 200)), "JPEG", comment=b"Jeanne Secret"), upload_dir))
    assert_no_metadata(image, raw)
    grey_with_profile = encode(Image.new("L", (300, 200), 90), "PNG", icc_profile=b"Jeanne Secret" * 20)
    image, raw = reopen(upload_dir, store(grey_with_profile, upload_dir))
    assert_no_metadata(image, raw)
    assert b"iCCP" not in raw


def test_a_webp_is_accepted_keeps_its_alpha_and_loses_its_exif(upload_dir):
    image = halves((2000, 1000), "RGBA", left=(200, 30, 30, 255), right=(0, 0, 0, 0))
    data = encode(image, "WEBP", quality=90, exif=phone_exif().tobytes(), xmp=XMP)

    stored = store(data, upload_dir)

    assert stored.content_type == "image/webp" and stored.key.endswith(".webp")
    assert (stored.width, stored.height) == (800, 1600)
    image, raw = reopen(upload_dir, stored)
    assert image.format == "WEBP" and image.mode == "RGBA"
    assert_no_metadata(image, raw)
    assert b"EXIF" not in raw and b"XMP " not in raw
    assert image.getpixel((400, 1500))[3] == 0


def test_a_small_photo_is_not_enlarged(upload_dir):
    stored = store(encode(halves((640, 480)), "JPEG"), upload_dir)
    assert (stored.width, stored.height) == (640, 480)


@pytest.mark.parametrize("size, expected", [((1600, 1600), (1600, 1600)), ((1601, 10), (1600, 10)), ((900, 6400), (225, 1600))])
def test_the_longest_side_ends_at_most_at_1600_px(upload_dir, size, expected):
    stored = store(encode(Image.new("RGB", size, RED), "PNG"), upload_dir)
    assert (stored.width, stored.height) == expected
    assert max(stored.width, stored.height) <= MAX_SIDE


def test_the_content_type_comes_from_the_bytes_never_from_a_name(upload_dir):
    assert list(inspect.signature(process_photo).parameters) == ["stream", "upload_dir", "widths"]  # no name, no claimed type
    stream = io.BytesIO(encode(Image.new("RGB", (50, 40), RED), "PNG"))
    stream.name = "photo.jpg"  # what the phone called it; not looked at
    stored = process_photo(stream, upload_dir)
    assert stored.content_type == "image/png" and stored.key.endswith(".png")
    assert stored.content_type in ALLOWED.values()


def test_palette_sixteen_bit_cmyk_and_multi_picture_jpegs_come_out_in_plain_modes(upload_dir):
    palette = Image.new("P", (100, 100), 1)
    palette.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    palette.paste(0, (0, 0, 50, 100))
    palette.info["transparency"] = 0
    image, _ = reopen(upload_dir, store(encode(palette, "PNG", transparency=0), upload_dir))
    assert image.mode == "RGBA" and image.getpixel((10, 10))[3] == 0 and image.getpixel((90, 10)) == (200, 0, 0, 255)

    deep = Image.new("I;16", (100, 100), 0x8000)
    image, _ = reopen(upload_dir, store(encode(deep, "PNG"), upload_dir))
    assert image.mode == "L" and 120 <= image.getpixel((5, 5)) <= 136  # scaled, not clipped to white

    image, _ = reopen(upload_dir, store(encode(Image.new("CMYK", (100, 100), (0, 255, 255, 0)), "JPEG"), upload_dir))
    assert image.mode == "RGB"

    # Several phones add a second picture (depth map, preview): Pillow says "MPO".
    mpo = encode(Image.new("RGB", (300, 200), RED), "MPO", save_all=True, append_images=[Image.new("RGB", (300, 200), BLUE)])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    stored = store(mpo, upload_dir)
    assert stored.content_type == "image/jpeg" and (stored.width, stored.height) == (300, 200)
    assert Image.open(photo_path(upload_dir, stored.key)).format == "JPEG"


def test_a_stream_giving_short_reads_is_read_to_the_end(upload_dir):
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes):
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self.data.read(min(size, 1000) if size >= 0 else 1000)

    data = encode(halves((800, 600)), "JPEG")
    assert store(data, upload_dir).width == 800 and process_photo(Trickle(data), upload_dir).width == 800
    too_big = Trickle(b"\xff\xd8" + b"\0" * MAX_BYTES)
    with pytest.raises(PhotoError) as caught:
        process_photo(too_big, upload_dir)
    assert caught.value.code == "too-big"


# --- what is refused --------------------------------------------------------


def test_other_image_formats_are_refused_as_format(upload_dir):
    image = halves((64, 48))
    assert refusal(encode(image, "GIF"), upload_dir) == "format"
    assert refusal(encode(image, "BMP"), upload_dir) == "format"
    assert refusal(encode(image, "TIFF"), upload_dir) == "format"
    assert refusal(encode(image, "ICO"), upload_dir) == "format"
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    assert refusal(svg, upload_dir) == "format"
    assert refusal(b'<svg xmlns="http://www.w3.org/2000/svg"/>', upload_dir) == "format"
    assert refusal(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", upload_dir) == "format"
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0mif1heic" + b"\0" * 64  # an iPhone's default
    assert refusal(heic, upload_dir) == "format"


def test_a_text_file_called_jpg_is_not_an_image(upload_dir):
    stream = io.BytesIO(b"Bonjour, ceci est une idee pour le quartier.\n" * 20)
    stream.name = "idee.jpg"
    with pytest.raises(PhotoError) as caught:
        process_photo(stream, upload_dir)
    assert caught.value.code == "not-an-image"
    assert refusal(b"<html><script>alert(1)</script></html>", upload_dir) == "not-an-image"


def test_broken_images_are_not_images(upload_dir):
    jpeg = encode(halves((400, 300)), "JPEG")
    assert refusal(jpeg[: len(jpeg) // 2], upload_dir) == "not-an-image"  # truncated
    png = bytearray(encode(halves((400, 300)), "PNG"))
    png[-20] ^= 0xFF  # damaged inside the compressed pixels: caught by verify()
    assert refusal(bytes(png), upload_dir) == "not-an-image"
    assert refusal(b"\xff\xd8\xff\xe0" + b"\0" * 100, upload_dir) == "not-an-image"  # a JPEG's first bytes only
    png = bytearray(encode(halves((400, 300)), "PNG"))
    idat = png.index(b"IDAT")
    png[idat + 4 + struct.unpack(">I", png[idat - 4:idat])[0]] ^= 0xFF  # a bad checksum only verify() notices
    assert refusal(bytes(png), upload_dir) == "not-an-image"


def test_an_empty_file_is_refused_as_empty(upload_dir):
    assert refusal(b"", upload_dir) == "empty"


def test_ten_megabytes_are_accepted_and_one_byte_more_is_too_big(upload_dir):
    # A valid PNG padded with a trailing chunk up to exactly 10 MB: accepted.
    png = encode(Image.new("RGB", (20, 20), RED), "PNG")
    filler = MAX_BYTES - len(png) - 12
    padding = struct.pack(">I", filler) + b"zzZz" + b"\0" * filler
    padded = png[:-12] + padding + struct.pack(">I", zlib.crc32(padding[4:])) + png[-12:]
    assert len(padded) == MAX_BYTES
    assert store(padded, upload_dir).content_type == "image/png"
    delete_photo(upload_dir, next(upload_dir.iterdir()).name)

    assert refusal(padded + b"\0", upload_dir) == "too-big"
    assert refusal(b"\0" * (MAX_BYTES + 1), upload_dir) == "too-big"


def test_images_with_too_many_pixels_are_refused_before_being_decoded(upload_dir):
    # 7000 x 7000 of one grey compresses to a few kilobytes: 49 MP, over our 40.
    big = encode(Image.new("L", (7000, 7000), 128), "PNG")
    assert len(big) < 200_000
    assert refusal(big, upload_dir) == "too-many-pixels"
    # A tiny PNG declaring 12000 x 12000, then one beyond Pillow's own limit.
    with pytest.warns(Image.DecompressionBombWarning):  # Pillow warns over 89 MP; we refuse anyway
        assert refusal(png_with_size(12000, 12000), upload_dir) == "too-many-pixels"
    assert refusal(png_with_size(60000, 60000), upload_dir) == "too-many-pixels"


def test_the_refusal_codes_are_the_five_known_ones():
    assert PhotoError.CODES == {"too-big", "not-an-image", "format", "too-many-pixels", "empty"}
    assert PhotoError("format").code == "format"
    with pytest.raises(ValueError):
        PhotoError("whatever")


# --- keys, paths and files --------------------------------------------------


def test_keys_are_random_url_safe_and_different_every_time(upload_dir):
    data = encode(halves((300, 200)), "JPEG")
    keys = [store(data, upload_dir).key for _ in range(5)]
    assert len(set(keys)) == 5
    for key in keys:
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.jpg", key), key
        assert photo_path(upload_dir, key).is_file()
    assert sorted(path.name for path in upload_dir.iterdir()) == sorted(keys)  # no temporary file left


@pytest.mark.parametrize("key", [
    "../etc/passwd", "a/b", "", ".", "..", "/etc/passwd",
    "A" * 24,                   # no extension
    "A" * 24 + ".gif", "A" * 24 + ".svg", "A" * 24 + ".html", "A" * 24 + ".JPG",
    "A" * 23 + ".jpg", "A" * 25 + ".jpg",
    "A" * 24 + ".jpg\n", "A" * 24 + ".jpg/..", "../" + "A" * 21 + ".jpg", "A" * 20 + "/../.jpg",
    ".upload-abcdefghijklmno.tmp", "A" * 23 + "\0.jpg", "A" * 23 + "é.jpg",
    None,
])
def test_photo_path_refuses_anything_but_a_key_it_made(upload_dir, key):
    with pytest.raises(PhotoError) as caught:
        photo_path(upload_dir, key)
    assert caught.value.code == "not-an-image"
    with pytest.raises(ValueError):
        delete_photo(upload_dir, key)


def test_photo_path_gives_a_file_inside_the_directory(upload_dir):
    key = "Ab-_" * 6 + ".webp"
    assert photo_path(upload_dir, key) == upload_dir / key
    assert photo_path(str(upload_dir), key).parent == upload_dir


def test_stored_files_are_private_and_the_directory_is_created_private(upload_dir):
    stored = store(encode(halves((300, 200)), "PNG"), upload_dir)
    assert stat.S_IMODE(os.stat(photo_path(upload_dir, stored.key)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(upload_dir).st_mode) == 0o700


def test_delete_photo_removes_the_file_and_a_missing_one_is_fine(upload_dir):
    stored = store(encode(halves((300, 200)), "WEBP"), upload_dir)
    path = photo_path(upload_dir, stored.key)
    assert path.exists()
    delete_photo(upload_dir, stored.key)
    assert not path.exists()
    delete_photo(upload_dir, stored.key)  # again: nothing to do
    delete_photo(upload_dir / "never-created", stored.key)
