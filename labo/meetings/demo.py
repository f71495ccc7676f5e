"""Demo training sessions for `flask labo seed --demo`: one held a month ago
for residents and elected officials, with its attendance marked person by
person, and one coming for elected officials and staff. Never for production."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant, User
from labo.extensions import db
from labo.fiches.models import Fiche, FicheStatus
from labo.meetings.models import Meeting, MeetingKind, Registration, TrainingAudience
from labo.territory.models import Commune

HELD_TITLE = "Formation : le contrat de ville expliqué simplement"
COMING_TITLE = "Formation : animer une réunion où chacun parle"
# Who came to the training held: first name, as whom (resident or elected official).
HELD_ATTENDANCE = [
    ("Josiane", "resident"), ("Rachid", "resident"), ("Ginette", "resident"), ("Kevin", "resident"),
    ("Samia", "resident"), ("Bernard", "resident"), ("Nora", "resident"), ("Yvette", "resident"),
    ("Mme Leroy", "elected"), ("M. Dumont", "elected"), ("Mme Haddad", "elected"), ("M. Caron", "elected"),
    ("Mme Petit", "elected"),
]


def _at(days: int) -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)


def seed(config: Mapping) -> int:
    """Idempotent; returns how many training sessions were made."""
    if db.session.scalar(select(Meeting.id).where(Meeting.title.in_([HELD_TITLE, COMING_TITLE])).limit(1)):
        return 0
    communes = {c.name: c for c in db.session.scalars(select(Commune))}
    if "Liévin" not in communes or "Avion" not in communes:
        return 0
    animator = db.session.scalar(select(User).where(User.grants.any(RoleGrant.role == Role.ANIMATOR.value))
                                 .order_by(User.id))
    published = list(db.session.scalars(select(Fiche).where(Fiche.status == FicheStatus.PUBLISHED.value)
                                        .order_by(Fiche.kind != "formation", Fiche.title)))
    held_starts = _at(-30)
    held = Meeting(
        kind=MeetingKind.TRAINING.value, title=HELD_TITLE, theme="Qui décide quoi, et où les habitants ont leur mot à dire",
        starts_at=held_starts, ends_at=held_starts + timedelta(hours=2), commune=communes["Liévin"],
        venue="Centre social", address="Place de la République", step_free=True, public_transport="Bus, arrêt Mairie",
        running_order="Un tour de table\nLe contrat de ville en images\nQuestions et réponses",
        trainer_name="Claire Martin, équipe cohésion sociale de l'agglomération", created_by_id=animator and animator.id,
        animators=[animator] if animator else [], materials=published[:2], paper_count=0,
        audiences=[TrainingAudience(audience="resident"), TrainingAudience(audience="elected")],
    )
    db.session.add(held)
    db.session.flush()
    for first_name, audience in HELD_ATTENDANCE:
        db.session.add(Registration(meeting_id=held.id, first_name=first_name, walk_in=True, present=True,
                                    audience=audience, cancel_token=secrets.token_urlsafe(24)))
    coming_starts = _at(20)
    db.session.add(Meeting(
        kind=MeetingKind.TRAINING.value, title=COMING_TITLE, theme="Des méthodes simples pour que tout le monde parle",
        starts_at=coming_starts, ends_at=coming_starts + timedelta(hours=3), commune=communes["Avion"],
        venue="Salle polyvalente", step_free=True, capacity=25,
        running_order="Accueil\nDeux méthodes essayées ensemble\nCe que chacun en retient",
        trainer=animator, created_by_id=animator and animator.id, animators=[animator] if animator else [],
        materials=published[:1],
        audiences=[TrainingAudience(audience="elected"), TrainingAudience(audience="staff")],
    ))
    db.session.flush()
    return 2
