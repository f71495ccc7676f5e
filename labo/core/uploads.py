"""Uploads: reading a file without ever holding more than its limit, and
letting the forms that carry one receive a body bigger than the site's
MAX_CONTENT_LENGTH.

Each file is limited by its service (10 MB for a photo or a file), which
gives the form back with what was typed and "too heavy". The site-wide
MAX_CONTENT_LENGTH (12 MB) would refuse a bigger body before the view is
reached, with everything typed lost: a route marked `@accepts_uploads()`
takes up to UPLOAD_LIMIT instead, so a 10-30 MB phone photo reaches its
service and comes back as the form. Only a body bigger than that gets the
413 page. Werkzeug keeps file parts over 500 KB on disk, not in memory.
The limit must be known before anything reads the body: CSRFProtect reads
it in its before_request hook, so `init_app` sets it in a URL value
preprocessor, which Flask runs before those hooks. The front server's own
limit (nginx `client_max_body_size`, README) must be at least UPLOAD_LIMIT."""
from __future__ import annotations

from functools import wraps
from typing import BinaryIO, Callable

from flask import Flask, request

UPLOAD_LIMIT = 40 * 1024 * 1024
_MARK = "labo_upload_limit"


def accepts_uploads(limit: int = UPLOAD_LIMIT) -> Callable:
    """Mark a view whose form carries a photo or a file: its requests may be
    `limit` bytes long. Put it under @bp.route (the mark is copied outwards
    by every decorator built with functools.wraps, as Flask-Login's are)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        setattr(wrapped, _MARK, limit)
        return wrapped

    return decorate


def upload_limit_of(view) -> int | None:
    return getattr(view, _MARK, None)


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def allow_uploads(endpoint, values) -> None:
        limit = upload_limit_of(app.view_functions.get(endpoint or ""))
        if limit and request.method in ("POST", "PUT"):
            request.max_content_length = limit


def read_capped(stream: BinaryIO | bytes, limit: int) -> bytes:
    """At most `limit` + 1 bytes (one more tells the file was too big),
    looping since read(n) may return less."""
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return bytes(stream[: limit + 1])
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
