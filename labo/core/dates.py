"""Dates and times as people say them: "lundi 4 janvier à 14 h 30",
"Monday 4 January at 2:30 pm", in the Labo's own time zone (LABO_TIMEZONE,
Europe/Paris), the year only when it is not the current one.

The templates' one set of date filters (registered by labo.site.views):
`|day` (a day), `|moment` (a day and a time), `|clock` (a time alone), and
the global `date_span(start, end)` ("du lundi 4 janvier à 14 h au mardi
5 janvier à 18 h"). A moment at midnight sharp that ends something (a
deadline, the end of a span) is said as the day before "à minuit", the way
a poster says it: closing at 00:00 on the 24th is "jusqu'au 23 décembre à
minuit"."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Optional, Union
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date

DEFAULT_ZONE = "Europe/Paris"
Moment = Union[datetime, date]


def _locale() -> str:
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except RuntimeError:  # outside an application context
        locale = None
    return locale.language if locale is not None else "fr"


def _zone() -> ZoneInfo:
    try:
        from flask import current_app

        return ZoneInfo(current_app.config.get("LABO_TIMEZONE") or DEFAULT_ZONE)
    except RuntimeError:
        return ZoneInfo(DEFAULT_ZONE)


def local(value: datetime) -> datetime:
    """`value` in the Labo's time zone; a naive datetime is taken as UTC (the database's)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_zone())


def from_local(value: Optional[datetime]) -> Optional[datetime]:
    """A date and time typed in a form (the Labo's local time, naive) as UTC."""
    return value.replace(tzinfo=_zone()).astimezone(timezone.utc) if value else None


def to_local(value: Optional[datetime]) -> Optional[datetime]:
    """A stored moment as a form shows it: the Labo's local time, naive."""
    return value.astimezone(_zone()).replace(tzinfo=None) if value else None


def _today() -> date:
    return datetime.now(_zone()).date()


def _as_day(value: Moment) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def format_day(value: Optional[Moment], locale: Optional[str] = None, today: Optional[date] = None) -> str:
    """"lundi 4 janvier", "vendredi 1er mars 2024"; "Monday 4 January"."""
    if value is None:
        return ""
    locale = locale or _locale()
    day = _as_day(value)
    weekday = babel_format_date(day, "EEEE", locale=locale)
    month = babel_format_date(day, "MMMM", locale=locale)
    number = f"{day.day}er" if locale == "fr" and day.day == 1 else str(day.day)
    text = f"{weekday} {number} {month}"
    if day.year != (today or _today()).year:
        text += f" {day.year}"
    return text


def format_clock(value: Optional[Union[datetime, time]], locale: Optional[str] = None) -> str:
    """"14 h 30", "14 h", "midi", "minuit"; "2:30 pm", "2 pm", "noon", "midnight"."""
    if value is None:
        return ""
    locale = locale or _locale()
    moment = local(value).timetz() if isinstance(value, datetime) else value
    hour, minute = moment.hour, moment.minute
    if locale == "fr":
        if minute == 0 and hour in (0, 12):
            return "minuit" if hour == 0 else "midi"
        return f"{hour}\u00a0h\u00a0{minute:02d}" if minute else f"{hour}\u00a0h"
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    suffix = "am" if hour < 12 else "pm"
    twelve = hour % 12 or 12
    return f"{twelve}:{minute:02d}\u00a0{suffix}" if minute else f"{twelve}\u00a0{suffix}"


def _ending(value: datetime) -> tuple[date, datetime]:
    """The day and time to say for a moment that ends something: 00:00 is the day before at midnight."""
    moment = local(value)
    day = moment.date()
    if moment.hour == 0 and moment.minute == 0:
        day -= timedelta(days=1)
    return day, moment


def _at(locale: str) -> str:
    return " à " if locale == "fr" else " at "


def format_moment(value: Optional[Moment], locale: Optional[str] = None, today: Optional[date] = None,
                  ending: bool = False) -> str:
    """"lundi 4 janvier à 14 h 30"; "Monday 4 January at 2:30 pm". A date
    alone is said as a day. `ending`: the moment ends something (a deadline)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_day(value, locale, today)
    locale = locale or _locale()
    if ending:
        day, moment = _ending(value)
    else:
        moment = local(value)
        day = moment.date()
    return format_day(day, locale, today) + _at(locale) + format_clock(moment, locale)


def format_span(start: Moment, end: Moment, locale: Optional[str] = None, today: Optional[date] = None) -> str:
    """"du lundi 4 janvier à 14 h au mardi 5 janvier à midi", or within a day
    "lundi 4 janvier, de 14 h à 16 h"; "from Monday 4 January at 2 pm to …",
    "Monday 4 January, 2 pm to 4 pm". Dates alone: "du lundi 4 au …" in full."""
    locale = locale or _locale()
    fr = locale == "fr"
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        first, last = format_day(start, locale, today), format_day(end, locale, today)
        if _as_day(start) == _as_day(end):
            return first
        return f"du {first} au {last}" if fr else f"from {first} to {last}"
    begins = local(start)
    end_day, _ = _ending(end)
    if begins.date() == end_day or (begins.date() == local(end).date()):
        day = format_day(begins.date(), locale, today)
        until = format_clock(end, locale)
        if fr:
            return f"{day}, de {format_clock(begins, locale)} à {until}"
        return f"{day}, {format_clock(begins, locale)} to {until}"
    first = format_moment(start, locale, today)
    last = format_moment(end, locale, today, ending=True)
    return f"du {first} au {last}" if fr else f"from {first} to {last}"


def register(app) -> None:
    """The filters and the global, for every template."""
    app.jinja_env.filters.update(day=format_day, moment=format_moment, clock=format_clock,
                                 until=lambda value: format_moment(value, ending=True))
    app.jinja_env.globals.update(date_span=format_span)
