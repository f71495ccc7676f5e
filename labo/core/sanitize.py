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


# What people type, made safe to store: a text of paragraphs, or one line.


def text_to_html(text: str) -> str:
    """What a resident typed, as paragraphs; the few allowed tags survive
    the sanitiser, everything else is stripped or escaped by it."""
    text = text.replace("\r\n", "\n").strip()
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(f"<p>{b.replace(chr(10), '<br>')}</p>" for b in blocks)


def clean_rich_text(text: str) -> str:
    return sanitize_html(text_to_html(text))


def plain_text(value: str) -> str:
    """A one-line field (title, reason): no markup at all, whitespace folded,
    no control character (a NUL, which PostgreSQL cannot store, can still come
    through a Socket.IO event: the HTTP forms refuse it before)."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", value or "")).strip()
