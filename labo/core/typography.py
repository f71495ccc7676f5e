"""French typography for interface strings: a no-break space (U+00A0)
before « : ; ? ! » and inside « guillemets », so a phone never leaves the
colon or the question mark alone at the start of a line.

Applied by labo.core.i18n's `_` and `ngettext` (and the templates' ones) to
the translated format string, before the values are put in (so a resident's
own words are never touched), in French only."""
from __future__ import annotations

import re
from functools import lru_cache

NBSP = "\u00a0"
_BEFORE = re.compile(r"[ \u202f]([:;?!»])")
_AFTER = re.compile(r"«[ \u202f]")


@lru_cache(maxsize=4096)
def french_spacing(text: str) -> str:
    """"Vos idées : la liste" -> "Vos idées\u00a0: la liste"; « x » with no-break spaces.
    A colon with no space before it (an address, "14:30", "%(n)s:") is left as it is."""
    text = _BEFORE.sub(NBSP + r"\1", text)
    return _AFTER.sub("«" + NBSP, text)
