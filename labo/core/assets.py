"""Static files named by their content: every url_for('static', ...) gets
`?v=` and the first 10 hex digits of the file's SHA-256, so that a browser or
nginx may keep a file for days (deploy/nginx/labo.conf) and still fetch the
new one the moment an update changes it: a phone never runs last week's
script against this week's server."""
from __future__ import annotations

import hashlib
import os
from typing import Optional

_seen: dict[str, tuple[float, str]] = {}


def version_of(static_folder: str, filename: str, *, recheck: bool = True) -> Optional[str]:
    """The file's content stamp, read again only when its modification time
    changes; without `recheck` (a served site, whose files change only with
    a deployment that restarts it) the first stamp is kept without a stat."""
    path = os.path.join(static_folder, filename)
    if not recheck and path in _seen:
        return _seen[path][1]
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    seen = _seen.get(path)
    if seen is None or seen[0] != mtime:
        with open(path, "rb") as file:
            seen = (mtime, hashlib.sha256(file.read()).hexdigest()[:10])
        _seen[path] = seen
    return seen[1]


def register(app) -> None:
    recheck = bool(app.debug or app.testing)  # a developer's edit shows at once

    @app.url_defaults
    def stamp_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = version_of(app.static_folder, values["filename"], recheck=recheck)
            if version is not None:
                values["v"] = version
