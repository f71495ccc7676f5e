"""The files joined to a meeting's minutes: checked by their bytes, stored
outside the web root under a random name.

Free of Flask's request: it takes the upload's bytes (or a stream), the name
the person's device gave it (used only to make a download name) and a
directory. The type comes from the content alone, never from the name or the
Content-Type the browser sent:

- PDF: a ``%PDF-1.x`` or ``%PDF-2.x`` header, and ``%%EOF`` in the last
  kilobyte as the format requires (not "%PDF-" stuck before anything else);
- JPEG, PNG or WebP, re-encoded by the photo pipeline of the contributions
  (checked by Pillow, no EXIF or GPS, at most 1600 px);
- OpenDocument text (a ZIP whose ``mimetype`` entry says so) and Word DOCX
  (a ZIP holding ``word/document.xml`` declared as a wordprocessing document);
- 10 MB at most.

Refusals raise `AttachmentError`, whose `.code` the caller turns into a
message in the reader's language.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

from labo.core.uploads import read_capped
from labo.core import photos

MAX_BYTES = 10 * 1024 * 1024
DOCUMENTS = {
    "pdf": ("application/pdf", ".pdf"),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}
EXTENSIONS = {".pdf", ".odt", ".docx", *photos.EXTENSIONS.values()}
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{24}(?:" + "|".join(re.escape(e) for e in sorted(EXTENSIONS)) + r")")
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
# A ZIP bomb's entries are read a little at a time and never beyond this.
_ZIP_PEEK = 64 * 1024

PathLike = Union[str, "os.PathLike[str]"]


class AttachmentError(ValueError):
    """A refusal to show the person; .code is 'too-big', 'empty' or 'format'."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredAttachment:
    key: str            # random, URL-safe, with the extension of the detected type
    filename: str       # a safe name to download it as, with that same extension
    content_type: str   # from our own check of the bytes
    size: int           # bytes written


def store_attachment(stream: BinaryIO | bytes, original_name: str, upload_dir: PathLike) -> StoredAttachment:
    """Check the upload and write it into `upload_dir`; raise AttachmentError
    on anything not accepted."""
    data = _read_capped(stream)
    kind = detect(data)
    if kind == "image":
        try:
            photo = photos.process_photo(data, upload_dir, widths=())  # a download: no narrower copies
        except photos.PhotoError as error:
            raise AttachmentError("too-big" if error.code == "too-big" else "format") from None
        return StoredAttachment(photo.key, safe_filename(original_name, Path(photo.key).suffix),
                                photo.content_type, photo.size)
    content_type, extension = DOCUMENTS[kind]
    key = secrets.token_urlsafe(18) + extension
    photos._write_atomically(Path(upload_dir), key, data)
    return StoredAttachment(key, safe_filename(original_name, extension), content_type, len(data))


def detect(data: bytes) -> str:
    """'pdf', 'odt', 'docx' or 'image' (JPEG, PNG, WebP: Pillow checks them
    further), by the bytes; AttachmentError('format') otherwise."""
    if data.startswith(b"%PDF-"):
        if _PDF_HEADER.match(data) and b"%%EOF" in data[-1024:]:
            return "pdf"
        raise AttachmentError("format")
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data.startswith(b"PK\x03\x04"):
        kind = _office_kind(data)
        if kind:
            return kind
    raise AttachmentError("format")


def attachment_path(upload_dir: PathLike, key: str) -> Path:
    """Where the file `key` lives; a key this module could not have made raises
    AttachmentError('format')."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise AttachmentError("format")
    return Path(upload_dir) / key


def delete_attachment_file(upload_dir: PathLike, key: str) -> None:
    attachment_path(upload_dir, key).unlink(missing_ok=True)


def safe_filename(name: str, extension: str) -> str:
    """The device's file name reduced to letters, digits, spaces, dots, dashes
    and underscores (accents kept), no path, at most 80 characters, ending with
    the extension of the type we detected."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w .-]+", "_", stem)
    stem = re.sub(r"_+", "_", re.sub(r"\s+", " ", stem)).strip(" ._-")[:80].strip(" ._-")
    return (stem or "piece-jointe") + extension


def _read_capped(stream: BinaryIO | bytes) -> bytes:
    data = read_capped(stream, MAX_BYTES)
    if not data:
        raise AttachmentError("empty")
    if len(data) > MAX_BYTES:
        raise AttachmentError("too-big")
    return data


def _office_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    if entry.read(200).strip() == DOCUMENTS["odt"][0].encode():
                        return "odt" if "content.xml" in names else None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                with archive.open("[Content_Types].xml") as entry:
                    if _DOCX_MAIN in entry.read(_ZIP_PEEK):
                        return "docx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return None
    return None
