"""Where the site may send people: local redirects only, and links in
emails built from the configured address, never from the request's Host."""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from flask.globals import _cv_request

_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: Optional[str]) -> Optional[str]:
    """`target` if it is a path on this site, else None.

    Browsers drop tabs and newlines and read backslashes as slashes, so
    "/\\t/evil.example" would leave the site: any such character is refused."""
    if not target or _UNSAFE.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: LABO_BASE_URL when set (production),
    else the address of the current request (development and tests)."""
    base = current_app.config.get("LABO_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def absolute(path: str) -> str:
    """`path` on this site as an absolute link, for an email."""
    base = current_app.config.get("LABO_BASE_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return request.host_url.rstrip("/") + path
    return path


def page_number() -> int:
    """?page=N for lists: a small positive number, anything else is page 1."""
    value = request.args.get("page", "")
    return int(value) if re.fullmatch(r"[0-9]{1,5}", value) and int(value) > 0 else 1


# The templates' url_for, each link built once per process. A page draws 25
# to 50 links (the menu, the footer, one per card) and Werkzeug builds each
# anew, ~9 µs apiece; the same endpoint with the same values under the same
# script root is always the same path. Built as Flask does on a miss; never
# kept: an absolute or anchored link (a value starting with "_"), a relative
# endpoint (".x", which depends on the blueprint), a value that is not
# hashable, a long text value (the page to come back to after logging in is
# the visitor's own path and query string: kept, anyone could fill each
# worker's memory with links as long as their requests), a static file
# whose stamp is not known yet, and, where the static files' stamps are
# checked on each use (development, tests), any static file. At most
# LINKS_MAX links of at most ~KEPT_VALUE_MAX characters of values each:
# a few MB a worker.
LINKS_MAX = 10_000
KEPT_VALUE_MAX = 64


def _keepable(values: dict) -> bool:
    for name, value in values.items():
        if name[:1] == "_" or (isinstance(value, str) and len(value) > KEPT_VALUE_MAX):
            return False
    return True


def register(app) -> None:
    build = app.url_for
    recheck_static = bool(app.debug or app.testing)
    kept: dict = {}

    def url_for(endpoint: str, **values) -> str:
        here = _cv_request.get(None)
        if (here is None or endpoint[:1] == "." or (recheck_static and endpoint == "static")
                or not _keepable(values)):
            return build(endpoint, **values)
        try:
            key = (here.request.script_root, endpoint, *sorted(values.items()))
            link = kept.get(key)
        except TypeError:  # a list of values, for one repeated query argument
            return build(endpoint, **values)
        if link is None:
            link = build(endpoint, **values)
            if endpoint == "static" and "v=" not in link:
                return link  # not stamped yet (the file is not there): asked again next time
            if len(kept) >= LINKS_MAX:
                kept.clear()
            kept[key] = link
        return link

    app.jinja_env.globals["url_for"] = url_for
