"""The period the COPIL's figures cover: read from the address (two ISO
dates, either left out for the last twelve months), checked, and the months
it touches."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from labo.core.errors import ServiceError
from labo.core.i18n import _l

MAX_YEARS = 10
EARLIEST = date(2000, 1, 1)

MESSAGES = {
    "date-invalid": _l("Indiquez les dates sous la forme AAAA-MM-JJ (par exemple 2025-01-31)."),
    "date-order": _l("La date de début doit précéder la date de fin."),
    "date-range": _l("Choisissez une période entre l'an 2000 et aujourd'hui, de dix ans au plus."),
}


class CopilError(ServiceError):
    """A period that makes no sense (a code of MESSAGES)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_before

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        out, current = [], self.start.replace(day=1)
        while current <= self.end:
            out.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return out


def default_period(today: date) -> Period:
    """The last twelve months: this month and the eleven before it."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, today)


def parse_period(start_text: Optional[str], end_text: Optional[str], today: date) -> Period:
    """The period asked for (ISO dates, either may be left out), or CopilError."""
    default = default_period(today)

    def parse(text: Optional[str], fallback: date, name: str) -> date:
        text = (text or "").strip()
        if not text:
            return fallback
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CopilError("date-invalid", name) from None

    start = parse(start_text, default.start, "from")
    end = parse(end_text, default.end, "to")
    if start > end:
        raise CopilError("date-order", "from")
    if start < EARLIEST or end > today + timedelta(days=366) or (end - start).days > MAX_YEARS * 366:
        raise CopilError("date-range", "from")
    return Period(start, end)