"""iCalendar files: one per meeting, and the whole programme as a feed."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable, Iterable

from icalendar import Calendar, Event

from labo.meetings.models import Meeting


def calendar_for(meetings: Iterable[Meeting], link: Callable[[Meeting], str], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Labo de la participation//Rencontres//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@labo-participation")
        event.add("dtstamp", meeting.created_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at or meeting.starts_at + timedelta(hours=3))
        event.add("summary", meeting.title)
        event.add("location", ", ".join(p for p in (meeting.venue, meeting.address, meeting.commune.name) if p))
        event.add("description", "\n".join(p for p in (meeting.theme, link(meeting)) if p))
        event.add("url", link(meeting))
        event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
