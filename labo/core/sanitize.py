"""The one place rich text is cleaned, on write, before it is stored.

Only fields that went through `sanitize_html()` may be rendered with `|safe`."""
from __future__ import annotations

import re
from functools import partial
from html import unescape

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


def rich_text_as_typed(html: str | None) -> str:
    """Stored rich text (paragraphs and line breaks of what was typed) back as
    the text it was typed as, for the form that edits it: sent back unchanged,
    it is stored unchanged. Bold, italics and links are kept as they are."""
    text = re.sub(r"</p>\s*<p>", "\n\n", html or "")
    text = re.sub(r"<br\s*/?>", "\n", text)
    return unescape(re.sub(r"<(?!/?(strong|em|a)\b)[^>]+>", "", text)).strip()
