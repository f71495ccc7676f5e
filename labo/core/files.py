"""Serving what people uploaded: photos shown inline, other files always
downloaded. Both live outside the web root under LABO_UPLOAD_DIR and are
served with the type our own check found when they were stored, never the
one the uploader claimed; a missing or malformed key is a 404."""
from __future__ import annotations

from flask import Response, abort, current_app, send_file

from labo.core.attachments import AttachmentError, attachment_path
from labo.core.photos import PhotoError, photo_path, variant_path


def _private(response: Response, private: bool) -> Response:
    if private:  # no shared cache may keep what only some people may see
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_photo(key: str, content_type: str, private: bool = False, width: int | None = None) -> Response:
    """A photo stored by labo.core.photos, shown inline; `width`: its
    narrower copy for small screens (labo.core.photos.variant_path)."""
    try:
        path = photo_path(current_app.config["LABO_UPLOAD_DIR"], key)
        if width is not None and path.is_file():
            path = variant_path(current_app.config["LABO_UPLOAD_DIR"], key, width)
    except (PhotoError, ValueError, OSError):
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, max_age=86400, conditional=True)
    response.headers["Content-Disposition"] = "inline"
    return _private(response, private)


def send_attachment(key: str, content_type: str, filename: str, private: bool = False) -> Response:
    """A file stored by labo.core.attachments, always as a download under its cleaned name."""
    try:
        path = attachment_path(current_app.config["LABO_UPLOAD_DIR"], key)
    except AttachmentError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=filename,
                         conditional=True, max_age=3600)
    return _private(response, private)
