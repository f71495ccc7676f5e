"""Issuing the Labo's formal opinions, entering their answers, and the lists
that read them (public list, late ones, those of a meeting or process, those
of a period for the COPIL's report). The actor is passed in; the view commits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable, Optional

from sqlalchemy import or_, select

from labo.audit.services import audit_labels, record_audit
from labo.core.db import utcnow, write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import _
from labo.core.sanitize import clean_rich_text, plain_text
from labo.extensions import db
from labo.meetings.models import Decision, Meeting
from labo.meetings.services import contributions_born_at
from labo.opinions.models import Addressee, Opinion, State
from labo.partners.models import Partner
from labo.permissions import can
from labo.processes.models import Process
from labo.territory.models import Commune

ADDRESSEES = tuple(a.value for a in Addressee)
# An answer is asked for within a year at most.
LONGEST_WAIT = timedelta(days=366)


class OpinionError(ServiceError):
    pass


def get_opinion(opinion_id: int) -> Optional[Opinion]:
    return db.session.get(Opinion, opinion_id)


# --- what the issue form offers -------------------------------------------


def meetings_for(actor) -> list[Meeting]:
    """The meetings an opinion may come from for `actor`: past ones of their communes, newest first."""
    rows = db.session.scalars(select(Meeting).where(Meeting.cancelled.is_(False), Meeting.starts_at <= utcnow())
                              .order_by(Meeting.starts_at.desc()).limit(200))
    return [m for m in rows if can(actor, "opinion.issue", m)]


def processes_for(actor) -> list[Process]:
    rows = db.session.scalars(select(Process).where(Process.published.is_(True))
                              .order_by(Process.id.desc()).limit(200))
    return [p for p in rows if can(actor, "opinion.issue", p)]


def communes() -> list[Commune]:
    return list(db.session.scalars(select(Commune).order_by(Commune.name)))


def partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


# --- writing -----------------------------------------------------------------


def _text(value: Optional[str], code: str, field: str, limit: int = 6000) -> str:
    value = (value or "").strip()
    if not value:
        raise OpinionError(code, field)
    if len(value) > limit:
        raise OpinionError("too-long", field)
    return clean_rich_text(value)


def issue_opinion(actor, *, title: str, body: str, asks: str, addressee: str, answer_due_on: Optional[date],
                  commune: Optional[Commune] = None, partner: Optional[Partner] = None,
                  meeting: Optional[Meeting] = None, decision: Optional[Decision] = None,
                  process: Optional[Process] = None, today: Optional[date] = None) -> Opinion:
    """The Labo's opinion, sent to its addressee: validated, stored, audited, flushed."""
    today = today or date.today()
    title = plain_text(title)[:160]
    if not title:
        raise OpinionError("title-required", "title")
    body_html = _text(body, "body-required", "body")
    asks_html = _text(asks, "asks-required", "asks", 3000)
    if addressee not in ADDRESSEES:
        raise OpinionError("addressee-invalid", "addressee")
    if addressee == Addressee.COMMUNE.value and commune is None:
        raise OpinionError("commune-required", "commune")
    if addressee == Addressee.PARTNER.value and partner is None:
        raise OpinionError("partner-required", "partner")
    if decision is not None:
        if meeting is None:
            meeting = decision.meeting
        elif decision.meeting_id != meeting.id:
            raise OpinionError("decision-other-meeting", "decision")
    if meeting is None and process is None:
        raise OpinionError("source-required", "meeting")
    if meeting is not None and (meeting.cancelled or meeting.starts_at > utcnow()):
        raise OpinionError("meeting-not-held", "meeting")
    for source in (meeting, process):
        if source is not None and not can(actor, "opinion.issue", source):
            raise OpinionError("source-not-yours", "meeting" if source is meeting else "process")
    if answer_due_on is None:
        raise OpinionError("due-required", "answer_due_on")
    if answer_due_on <= today:
        raise OpinionError("due-past", "answer_due_on")
    if answer_due_on > today + LONGEST_WAIT:
        raise OpinionError("due-too-far", "answer_due_on")
    opinion = Opinion(
        title=title, body=body_html, asks=asks_html, addressee=addressee,
        commune=commune if addressee == Addressee.COMMUNE.value else None,
        partner=partner if addressee == Addressee.PARTNER.value else None,
        meeting=meeting, decision=decision, process=process, issued_on=today, answer_due_on=answer_due_on,
        issued_by_id=actor.id if actor is not None else None)
    db.session.add(opinion)
    db.session.flush()
    record_audit(actor, "opinion.issued", "labo_opinion", opinion.id, title=title,
                 addressee=opinion.addressee_name, due=answer_due_on.isoformat())
    return opinion


def answer_opinion(actor, opinion: Opinion, *, decision: str, reasons: str, answered_on: Optional[date],
                   today: Optional[date] = None) -> Opinion:
    """The addressee's answer: what was decided and why, on the day it was
    given. Once: two entered at the same moment wait for each other (the
    write turn, the opinion's row), and the second is told it is answered."""
    today = today or date.today()
    write_transaction()
    db.session.execute(select(Opinion.id).where(Opinion.id == opinion.id).with_for_update())
    db.session.refresh(opinion)
    if opinion.answered:
        raise OpinionError("already-answered")
    decision_html = _text(decision, "decision-required", "decision")
    reasons_html = _text(reasons, "reasons-required", "reasons")
    if answered_on is None:
        raise OpinionError("answered-on-required", "answered_on")
    if answered_on > today:
        raise OpinionError("answered-on-future", "answered_on")
    if answered_on < opinion.issued_on:
        raise OpinionError("answered-before-issued", "answered_on")
    opinion.answer_decision, opinion.answer_reasons = decision_html, reasons_html
    opinion.answered_on = answered_on
    opinion.answered_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_audit(actor, "opinion.answered", "labo_opinion", opinion.id, title=opinion.title,
                 late=answered_on > opinion.answer_due_on)
    return opinion


# --- reading -------------------------------------------------------------------


def all_opinions() -> list[Opinion]:
    return list(db.session.scalars(select(Opinion).order_by(Opinion.issued_on.desc(), Opinion.id.desc())))


def late_opinions(today: Optional[date] = None) -> list[Opinion]:
    """Unanswered opinions whose date has passed, the oldest wait first."""
    today = today or date.today()
    return list(db.session.scalars(select(Opinion).where(
        Opinion.answered_on.is_(None), Opinion.answer_due_on < today).order_by(Opinion.answer_due_on, Opinion.id)))


def opinions_from(meeting: Optional[Meeting] = None, process: Optional[Process] = None,
                  meeting_id: Optional[int] = None) -> list[Opinion]:
    """The opinions that come from this meeting (or one of its decisions) or this process; `meeting_id`
    for a contribution born at a meeting, which traces forward to them."""
    conditions = []
    if meeting is not None:
        meeting_id = meeting.id
    if meeting_id is not None:
        conditions.append(Opinion.meeting_id == meeting_id)
    if process is not None:
        conditions.append(Opinion.process_id == process.id)
    if not conditions:
        return []
    return list(db.session.scalars(select(Opinion).where(or_(*conditions)).order_by(Opinion.issued_on, Opinion.id)))


def opinions_issued_between(start: date, end: date) -> list[Opinion]:
    return list(db.session.scalars(select(Opinion).where(Opinion.issued_on >= start, Opinion.issued_on <= end)
                                   .order_by(Opinion.issued_on, Opinion.id)))


def opinions_answered_between(start: date, end: date) -> list[Opinion]:
    return list(db.session.scalars(select(Opinion).where(Opinion.answered_on >= start, Opinion.answered_on <= end)
                                   .order_by(Opinion.answered_on.desc(), Opinion.id.desc())))


def contributions_behind(opinion: Opinion) -> list:
    """The published contributions born at the meeting the opinion comes from."""
    return contributions_born_at(opinion.meeting) if opinion.meeting is not None else []


def opinion_json(opinion: Opinion, today: date, url: Callable[[Any], str]) -> dict:
    return {
        "id": opinion.id,
        "title": opinion.title,
        "url": url(opinion),
        "body": opinion.body,
        "asks": opinion.asks,
        "addressee": opinion.addressee,
        "addressee_name": opinion.addressee_name,
        "commune": opinion.commune.slug if opinion.commune is not None else None,
        "partner": opinion.partner.slug if opinion.partner is not None else None,
        "meeting_id": opinion.meeting_id,
        "decision_id": opinion.decision_id,
        "process_id": opinion.process_id,
        "issued_on": opinion.issued_on.isoformat(),
        "answer_due_on": opinion.answer_due_on.isoformat(),
        "state": opinion.state(today).value,
        "answer": None if not opinion.answered else {
            "decision": opinion.answer_decision, "reasons": opinion.answer_reasons,
            "answered_on": opinion.answered_on.isoformat()},
    }


STATES = tuple(s.value for s in State)

audit_labels({
    "opinion.issued": lambda d: _("Avis du Labo envoyé : %(title)s", title=d.name),
    "opinion.answered": lambda d: _("Réponse à un avis du Labo enregistrée : %(title)s", title=d.name),
})
