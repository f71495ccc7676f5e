"""Numbers as people read them in the page's language: `|number` gives
"15 000" in French (with the no-break space babel gives, so a phone never
splits it) and "15,000" in English; `|euros` gives "15 000 €" and "€15,000"
(cents only when there are some). Counts in `ngettext` are grouped the same
way by labo.core.i18n."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional, Union

from babel.numbers import format_currency, format_decimal

from labo.core.i18n import _

Number = Union[int, float, Decimal]


def _locale() -> str:
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except RuntimeError:  # outside an application context
        locale = None
    return str(locale) if locale is not None else "fr"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def format_number(value: Optional[Number], locale: Optional[str] = None) -> Any:
    """"15 000" (fr), "15,000" (en); anything that is not a number as it is, None as ""."""
    if value is None:
        return ""
    return format_decimal(value, locale=locale or _locale()) if _is_number(value) else value


def format_euros(value: Optional[Number], locale: Optional[str] = None) -> Any:
    """"15 000 €", "12,50 €" (fr); "€15,000", "€12.50" (en)."""
    if value is None:
        return ""
    if not _is_number(value):
        return value
    whole = value == int(value)
    return format_currency(value, "EUR", locale=locale or _locale(),
                           format=None if not whole else _whole_pattern(locale or _locale()),
                           currency_digits=not whole)


def file_size(size: Optional[int]) -> str:
    """"340 Ko", "2,5 Mo": a file's size in the reader's language (at least 1 Ko)."""
    size = size or 0
    if size < 1024 * 1024:
        return _("%(n)s Ko", n=format_number(max(1, round(size / 1024))))
    return _("%(n)s Mo", n=format_number(round(size / (1024 * 1024), 1)))


def _whole_pattern(locale: str) -> str:
    from babel import Locale

    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return pattern.replace(".00", "").replace(",00", "")


def register(app) -> None:
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["euros"] = format_euros
