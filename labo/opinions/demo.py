"""Demo data of this feature, for `flask labo seed --demo` and the browser
tests: two formal opinions of the Labo from the latest past meeting, one
answered by a partner on time, one to the COPIL left without an answer past
its date (so the late lists are not empty)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.core.db import utcnow
from labo.extensions import db
from labo.meetings.models import Meeting, MeetingKind
from labo.opinions import services
from labo.opinions.models import Opinion
from labo.partners.models import Partner

ANSWERED_TITLE = "Des permanences de la CAF dans les centres sociaux"
LATE_TITLE = "Des bancs et de l'ombre sur le chemin de l'école"


def seed(config: Mapping) -> int:
    """Idempotent; returns how many opinions were made."""
    admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
    meeting = db.session.scalar(  # the last Labo meeting held (not a training nor a walk)
        select(Meeting).where(Meeting.starts_at < utcnow(), Meeting.cancelled.is_(False),
                              Meeting.kind == MeetingKind.LABO.value)
        .order_by(Meeting.starts_at.desc()))
    if admin is None or meeting is None:
        return 0
    existing = set(db.session.scalars(select(Opinion.title)))
    today = date.today()
    decision = meeting.decisions[0] if meeting.decisions else None
    made = 0
    partner = db.session.scalar(select(Partner).where(Partner.slug == "caf-pas-de-calais"))
    if ANSWERED_TITLE not in existing and partner is not None:
        sent = today - timedelta(days=60)
        opinion = services.issue_opinion(
            admin, title=ANSWERED_TITLE,
            body="Beaucoup de personnes ne demandent pas les aides auxquelles elles ont droit.\n\n"
                 "Elles ne vont pas à l'agence : c'est loin, et il faut un rendez-vous en ligne.",
            asks="Une permanence par mois dans chaque centre social des quartiers, sans rendez-vous.",
            addressee="partner", partner=partner, meeting=meeting, decision=decision,
            answer_due_on=sent + timedelta(days=45), today=sent)
        services.answer_opinion(
            admin, opinion, decision="Une permanence sans rendez-vous, un mardi sur deux, dans quatre centres sociaux.",
            reasons="Nous n'avons pas assez de personnel pour tous les centres : nous commençons par les quatre "
                    "quartiers où le non-recours est le plus fort.",
            answered_on=sent + timedelta(days=30), today=today)
        made += 1
    if LATE_TITLE not in existing:
        sent = today - timedelta(days=40)
        services.issue_opinion(
            admin, title=LATE_TITLE,
            body="Les enfants marchent vingt minutes au soleil pour aller à l'école, sans un endroit pour s'asseoir.",
            asks="Que le comité de pilotage inscrive des bancs et des arbres au programme de l'an prochain.",
            addressee="copil", meeting=meeting, answer_due_on=sent + timedelta(days=30), today=sent)
        made += 1
    db.session.flush()
    return made
