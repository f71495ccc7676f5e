"""Eligibility: where a process stands (draft, not open yet, open, closed)
and whether this person may take part in it (signed in, living in the
territory it is for, verified in person if it asks so), checked the same way
by every way of taking part (opinion, proposal, ballot, question).

This is not labo.permissions, which says what a role may do on the site
(e.g. "process.take_part": any signed-in account); as Decidim separates
permissions from authorizations, eligibility then says why this person may
not take part in this process now, in words they can act on."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labo.core.errors import ServiceError
from labo.core.i18n import _l
from labo.extensions import db
from labo.processes.models import Audience, Participation, Process


class ProcessError(ServiceError):
    """A refusal to show the participant, by code (see MESSAGES)."""


MESSAGES = {
    "draft": _l("Cette démarche n'est pas encore publiée."),
    "not_open_yet": _l("Cette démarche n'a pas encore commencé : revenez à partir de la date d'ouverture."),
    "closed": _l("Cette démarche est close : il n'est plus possible d'y participer."),
    "login": _l("Connectez-vous pour participer."),
    "territory": _l("Cette démarche est réservée aux habitantes et habitants des communes ou quartiers indiqués. "
                    "Si vous y habitez, indiquez votre commune et votre quartier dans votre compte."),
    "verified": _l("Cette démarche est réservée aux comptes vérifiés en personne par une référente ou un référent. "
                   "Présentez-vous à une rencontre ou à la permanence de votre commune."),
    "already": _l("Vous avez déjà participé à cette démarche."),
}


class Stage(str, enum.Enum):
    DRAFT = "draft"  # not published: its managers only
    UPCOMING = "upcoming"  # published, not open yet
    OPEN = "open"
    CLOSED = "closed"  # waiting for the decider's return
    ANSWERED = "answered"  # the return is published
    FINISHED = "finished"


def stage(process: Process, now: datetime) -> Stage:
    if not process.published:
        return Stage.DRAFT
    if process.finished_at is not None:
        return Stage.FINISHED
    if process.return_published_at is not None:
        return Stage.ANSWERED
    if now < process.opens_at:
        return Stage.UPCOMING
    if now >= process.closes_at:
        return Stage.CLOSED
    return Stage.OPEN


def in_territory(process: Process, user) -> bool:
    if process.audience != Audience.TERRITORY.value:
        return True
    commune_ids = {c.id for c in process.communes}
    qpv_ids = {q.id for q in process.qpvs}
    return (user.home_commune_id in commune_ids) or (getattr(user, "home_qpv_id", None) in qpv_ids)


def refusal(process: Process, user, now: datetime) -> Optional[str]:
    """Why `user` may not take part now (a code of MESSAGES), or None."""
    current = stage(process, now)
    if current is Stage.DRAFT:
        return "draft"
    if current is Stage.UPCOMING:
        return "not_open_yet"
    if current is not Stage.OPEN:
        return "closed"
    if user is None or not user.is_authenticated:
        return "login"
    if not in_territory(process, user):
        return "territory"
    if process.verified_only and getattr(user, "verified_at", None) is None:
        return "verified"
    return None


def check_can_take_part(process: Process, user, now: datetime) -> None:
    code = refusal(process, user, now)
    if code:
        raise ProcessError(code)


def participation_of(process: Process, user) -> Optional[Participation]:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Participation).where(Participation.process_id == process.id, Participation.user_id == user.id))


def record_participation(process: Process, user) -> Participation:
    """Write that `user` takes part, with their commune, QPV and age band as
    they are today (for aggregated figures). The UNIQUE (process, user)
    constraint, not a check first, refuses a second one: ProcessError("already").
    Callers that allow changing one's mind look up `participation_of` first."""
    participation = Participation(
        process_id=process.id, user_id=user.id, commune_id=user.home_commune_id,
        qpv_id=getattr(user, "home_qpv_id", None), age_band=user.age_band,
    )
    try:
        with db.session.begin_nested():
            db.session.add(participation)
            db.session.flush()
    except IntegrityError:
        raise ProcessError("already") from None
    return participation
