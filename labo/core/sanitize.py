"""The one place rich text is cleaned, on write, before it is stored.

Only fields that went through `sanitize_html()` may be rendered with `|safe`."""
from __future__ import annotations

from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _link_attrs(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    filters=[partial(LinkifyFilter, callbacks=[_link_attrs], skip_tags={"pre"})],
)


def sanitize_html(html: str | None) -> str:
    """Return `html` reduced to a small allowlist; links get rel="nofollow noopener"."""
    if not html:
        return ""
    return _cleaner.clean(html)
