"""The one photo a contribution may carry: checked, shrunk, stripped, stored.

A service, free of Flask's request: it takes the upload's bytes (or a stream)
and a directory, and never looks at the name or the Content-Type the client
sent. What comes out is a new file re-encoded from pixels only:

- JPEG, PNG or WebP as Pillow detects it from the bytes, 10 MB at most;
- at most 1600 px on the longest side, turned the right way up (EXIF
  orientation applied, then dropped);
- no EXIF, GPS, XMP, ICC profile, comment or PNG text chunk (colours in an
  embedded profile are converted to sRGB first, so they still look right);
- written atomically, mode 0o600, under a random URL-safe name, into a
  directory that should sit outside the web root;
- beside it, narrower copies for small screens (WIDTHS: 480, 960 and 1600 px
  wide, only those narrower than the photo, never enlarged), named after its
  key (`<key stem>-w480.jpg`), deleted with it; a photo stored before them
  gets them when first asked for (`variant_path`).

Refusals raise `PhotoError`, whose `.code` the caller turns into a message in
the reader's language (the texts here are only a French fallback for logs).
"""
from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

from PIL import Image, ImageOps, UnidentifiedImageError

from labo.core.uploads import read_capped

try:  # Pillow's wheels ship LittleCMS; a source build may lack it.
    from PIL import ImageCms
except ImportError:  # pragma: no cover
    ImageCms = None  # type: ignore[assignment]

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
# The widths pages ask for in `srcset` (templates/contributions/_photo.html).
WIDTHS = (480, 960, 1600)
# Refused before decoding: 40 MP covers every phone camera but the 50-200 MP
# "high resolution" modes, and bounds the memory one upload can take.
MAX_PIXELS = 40_000_000
ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

# secrets.token_urlsafe(18): 18 random bytes, 24 characters of base64url.
_TOKEN_BYTES = 18
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{24}(?:" + "|".join(re.escape(e) for e in EXTENSIONS.values()) + r")")
# A multi-picture JPEG (many phones add a depth map or a preview this way) is
# reported by Pillow as "MPO"; its first picture is an ordinary JPEG.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_QUALITY = 85

_MESSAGES = {
    "too-big": "La photo est trop lourde : 10 Mo au plus.",
    "not-an-image": "Ce fichier n'est pas une photo lisible.",
    "format": "Envoyez une photo en JPEG, PNG ou WebP.",
    "too-many-pixels": "Cette image est trop grande pour être traitée.",
    "empty": "Le fichier de la photo est vide.",
}

PathLike = Union[str, "os.PathLike[str]"]


class PhotoError(ValueError):
    """A refusal to show the person; .code is one of: 'too-big', 'not-an-image',
    'format', 'too-many-pixels', 'empty'."""

    CODES = frozenset(_MESSAGES)

    def __init__(self, code: str):
        if code not in _MESSAGES:
            raise ValueError(f"unknown photo error code: {code!r}")
        super().__init__(_MESSAGES[code])
        self.code = code


@dataclass(frozen=True)
class StoredPhoto:
    key: str            # random, URL-safe; the stored file's name, extension included
    content_type: str   # from ALLOWED, by the format Pillow detected
    width: int
    height: int
    size: int           # bytes written


# --- public API ------------------------------------------------------------


def process_photo(stream: BinaryIO | bytes, upload_dir: PathLike, widths: tuple[int, ...] = WIDTHS) -> StoredPhoto:
    """Check the upload, re-encode it without metadata into `upload_dir` and
    describe the stored file; raise `PhotoError` on anything not accepted.
    Its narrower copies (`widths`, those below its own width) are written
    beside it; `widths=()` for a file that is never shown at several sizes."""
    data = _read_capped(stream)
    fmt = _identify(data)
    image = _decode(data)
    image = _upright(image)
    image = _to_srgb(image)
    clean = _pixels_only(image, fmt)
    encoded = _encode(clean, fmt)
    key = secrets.token_urlsafe(_TOKEN_BYTES) + EXTENSIONS[fmt]
    directory = Path(upload_dir)
    _write_atomically(directory, key, encoded)
    try:
        for width in widths:
            if width in WIDTHS and width < clean.width:
                _write_atomically(directory, _variant_name(key, width), _encode(_narrower(clean, width), fmt))
    except BaseException:
        delete_photo(directory, key)
        raise
    return StoredPhoto(key=key, content_type=ALLOWED[fmt], width=clean.width, height=clean.height, size=len(encoded))


def variant_path(upload_dir: PathLike, key: str, width: int) -> Path:
    """The file to send for the photo `key` on a screen asking for `width` px:
    its narrower copy, made now from the stored photo if it was stored before
    copies were made, or the photo itself when it is not wider than that (or
    `width` is not one of WIDTHS). PhotoError('not-an-image') for a key this
    module could not have made; FileNotFoundError when the photo is gone."""
    original = photo_path(upload_dir, key)
    if width not in WIDTHS:
        return original
    target = original.with_name(_variant_name(key, width))
    if target.is_file():
        return target
    fmt = next(f for f, extension in EXTENSIONS.items() if key.endswith(extension))
    with Image.open(original, formats=(fmt,)) as stored:
        if stored.width <= width:
            return original
        stored.load()
        clean = _pixels_only(_resizable(stored), fmt)
    _write_atomically(original.parent, target.name, _encode(_narrower(clean, width), fmt))
    return target


def photo_path(upload_dir: PathLike, key: str) -> Path:
    """Where the photo `key` lives; any key this module could not have made
    (a path, another extension, a temporary file) raises PhotoError('not-an-image')."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise PhotoError("not-an-image")
    return Path(upload_dir) / key


def content_type_of(key: str) -> str:
    """The type of a stored photo, from the extension its key was given when stored."""
    for fmt, extension in EXTENSIONS.items():
        if key.endswith(extension):
            return ALLOWED[fmt]
    return "application/octet-stream"


def delete_photo(upload_dir: PathLike, key: str) -> None:
    """Remove the stored photo and its narrower copies; a file already gone is not an error."""
    path = photo_path(upload_dir, key)
    for width in WIDTHS:
        path.with_name(_variant_name(key, width)).unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _variant_name(key: str, width: int) -> str:
    stem, extension = os.path.splitext(key)
    return f"{stem}-w{width}{extension}"


def _narrower(image: Image.Image, width: int) -> Image.Image:
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


# --- steps -----------------------------------------------------------------


def _read_capped(stream: BinaryIO | bytes) -> bytes:
    data = read_capped(stream, MAX_BYTES)
    if not data:
        raise PhotoError("empty")
    if len(data) > MAX_BYTES:
        raise PhotoError("too-big")
    return data


def _open(data: bytes) -> Image.Image:
    """Open with the three allowed decoders only (header parsing, no pixels)."""
    return Image.open(io.BytesIO(data), formats=tuple(ALLOWED))


def _identify(data: bytes) -> str:
    """The accepted format of `data`, after checking its size and its
    structure with `verify()`; refusals otherwise."""
    try:
        with _open(data) as probe:
            fmt = _FORMAT_ALIASES.get(probe.format or "", probe.format or "")
            if fmt not in ALLOWED:  # pragma: no cover (only the allowed decoders ran)
                raise _Refusal("format")
            if probe.width * probe.height > MAX_PIXELS:
                raise _Refusal("too-many-pixels")
            probe.verify()
    except _Refusal as refusal:
        raise PhotoError(refusal.code) from None
    except Image.DecompressionBombError:
        raise PhotoError("too-many-pixels") from None
    except UnidentifiedImageError:
        raise PhotoError("format" if _other_image_format(data) else "not-an-image") from None
    except MemoryError:
        raise
    except Exception:  # a broken file: Pillow raises many kinds (OSError, SyntaxError, struct.error...)
        raise PhotoError("not-an-image") from None
    return fmt


def _decode(data: bytes) -> Image.Image:
    """Decode again (verify() leaves the image unusable; the size was checked
    on these same bytes), at most MAX_SIDE px on the longest side; JPEGs are
    decoded at a reduced scale when they can be."""
    try:
        image = _resizable(_open(data))
        # thumbnail() first lets the JPEG decoder scale down by 2, 4 or 8 (draft);
        # the bounding box is square, so rotating afterwards gives the same size.
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        image.load()  # thumbnail() skips decoding when no resizing is needed
    except Image.DecompressionBombError:
        raise PhotoError("too-many-pixels") from None
    except MemoryError:
        raise
    except Exception:  # truncated or corrupt data only found while decoding
        raise PhotoError("not-an-image") from None
    return image


def _resizable(image: Image.Image) -> Image.Image:
    """A mode that resizes with a real filter and keeps any transparency:
    palettes and 1-bit become RGB(A)/L, 16-bit greys are scaled to 8 bits,
    a tRNS colour becomes an alpha channel."""
    mode = image.mode
    transparent = "transparency" in image.info
    if mode.startswith("I;16") or mode in ("I", "F"):
        # convert("L") would clip 0-65535 to 255: scale instead.
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if transparent or mode == "PA" else "RGB")
    if mode == "L" and transparent:
        return image.convert("LA")
    if mode == "RGB" and transparent:
        return image.convert("RGBA")
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF (or XMP) orientation; a broken EXIF block is ignored
    rather than a reason to refuse the photo."""
    try:
        return ImageOps.exif_transpose(image)
    except MemoryError:
        raise
    except Exception:
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert colours described by an embedded ICC profile (Display P3 on
    many phones, Adobe RGB, CMYK) to sRGB, since the profile itself is dropped."""
    icc = image.info.get("icc_profile")
    if not icc or ImageCms is None or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        if image.mode == "RGBA":
            alpha = image.getchannel("A")
            rgb = ImageCms.profileToProfile(image.convert("RGB"), source, srgb, outputMode="RGB")
            assert rgb is not None
            rgb.putalpha(alpha)
            return rgb
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
        assert converted is not None
        return converted
    except MemoryError:
        raise
    except Exception:  # an unreadable or unsuitable profile: keep the pixels as they are
        return image


_OUTPUT_MODES = {
    "JPEG": {"L": "L", "LA": "L", "RGB": "RGB", "RGBA": "RGB", "CMYK": "RGB"},
    "PNG": {"L": "L", "LA": "LA", "RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"},
    "WEBP": {"L": "RGB", "LA": "RGBA", "RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"},
}


def _pixels_only(image: Image.Image, fmt: str) -> Image.Image:
    """A brand-new image holding the pixels and nothing else: no `info`, no
    EXIF cache, so no encoder can pick metadata up on its own (Pillow's PNG
    writer copies `info['icc_profile']`, its JPEG writer `info['comment']`)."""
    modes = _OUTPUT_MODES[fmt]
    target = modes.get(image.mode, "RGB")
    if image.mode != target:
        image = image.convert(target)
    return Image.frombytes(target, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Encode with no metadata argument at all."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=_QUALITY, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "WEBP", quality=_QUALITY, method=4)
    return buffer.getvalue()


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Write to a hidden temporary file beside the target, then rename it:
    readers see the whole file or none of it. Mode 0o600, directory 0o700."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class _Refusal(Exception):
    """Internal: carries a code out of a block whose broad `except` would
    otherwise turn it into 'not-an-image' (PhotoError is a ValueError)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- naming what we refuse -----------------------------------------------

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def _other_image_format(data: bytes) -> bool:
    """Whether `data` looks like an image or document in a format we do not
    take (GIF, BMP, TIFF, SVG, PDF, HEIC...), to say "wrong format" rather
    than "not an image". Only used for the message, never to accept anything."""
    head = data[:4096]
    if head.startswith((b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"%PDF-")):
        return True
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--")) and b"<svg" in text:
        return True
    try:  # any other format Pillow knows (BMP, ICO, AVIF, PSD...): header only, pixels never decoded
        with Image.open(io.BytesIO(data)) as other:
            return bool(other.format)
    except Image.DecompressionBombError:
        return True
    except MemoryError:
        raise
    except Exception:
        return False


__all__ = [
    "ALLOWED", "EXTENSIONS", "MAX_BYTES", "MAX_PIXELS", "MAX_SIDE", "WIDTHS",
    "PhotoError", "StoredPhoto", "delete_photo", "photo_path", "process_photo", "variant_path",
]
