"""Walking diagnostics ("diagnostics en marchant"): a walk IS a meeting of
kind 'walk' (in the programme, with registration and reminders) plus a Walk
row saying where and with whom; the findings the participants capture on
their phones, and what becomes of each: sorted by the commune's referent,
sent to the body that can act (a partner of the city contract or a commune
service), answered."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.meetings.models import Meeting, Registration, RegistrationStatus
from labo.partners.models import Partner
from labo.territory.models import Qpv


class Category(str, enum.Enum):
    LIGHTING = "lighting"
    CLEANLINESS = "cleanliness"
    SAFETY = "safety"
    ACCESSIBILITY = "accessibility"
    GREEN = "green"
    HOUSING = "housing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.LIGHTING: _l("Éclairage"),
    Category.CLEANLINESS: _l("Propreté"),
    Category.SAFETY: _l("Sécurité"),
    Category.ACCESSIBILITY: _l("Accessibilité (trottoirs, marches, fauteuils, poussettes)"),
    Category.GREEN: _l("Espaces verts"),
    Category.HOUSING: _l("Logement, immeubles"),
    Category.OTHER: _l("Autre chose"),
}


class Status(str, enum.Enum):
    NEW = "new"                  # captured, not sorted yet
    REJECTED = "rejected"        # set aside by the referent (not for any body)
    MERGED = "merged"            # the same as another finding, counted on it
    SENT = "sent"                # sent to a partner or a commune service
    ANSWERED = "answered"        # the body answered
    IN_PROGRESS = "in_progress"  # ... and is working on it
    DONE = "done"                # ... and it is done
    REFUSED = "refused"          # ... and it will not be done

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.NEW: _l("Reçu, pas encore transmis"),
    Status.REJECTED: _l("Écarté"),
    Status.MERGED: _l("Doublon"),
    Status.SENT: _l("Transmis, en attente de réponse"),
    Status.ANSWERED: _l("Réponse reçue"),
    Status.IN_PROGRESS: _l("En cours"),
    Status.DONE: _l("Fait"),
    Status.REFUSED: _l("Refusé"),
}
# The badge of each state (classes of labo.css).
STATUS_CSS = {
    Status.NEW: "status", Status.REJECTED: "status status-non_retenue", Status.MERGED: "status",
    Status.SENT: "status", Status.ANSWERED: "status", Status.IN_PROGRESS: "status",
    Status.DONE: "status status-retenue", Status.REFUSED: "status status-non_retenue",
}
# What the body that acts may say: its answer moves the finding to one of these.
ANSWER_STATUSES = (Status.ANSWERED, Status.IN_PROGRESS, Status.DONE, Status.REFUSED)
# What residents see on the walk's page: what the referent sent on (a finding not sorted yet waits
# for a look at its photo and words; one set aside or merged is not shown on its own).
PUBLIC_STATUSES = (Status.SENT,) + ANSWER_STATUSES
# What the COPIL counts as the walk's findings.
KEPT_STATUSES = (Status.NEW,) + PUBLIC_STATUSES


def _values(enum_type) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_type)


class Walk(Base):
    """What a walk adds to its meeting: the neighbourhood, where to meet, the
    route in words, and who is invited."""

    __tablename__ = "walk"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"), index=True)
    meeting_point: Mapped[str] = mapped_column(String(240))
    route: Mapped[str] = mapped_column(Text, default="")
    invites_residents: Mapped[bool] = mapped_column(default=True)
    invites_landlord: Mapped[bool] = mapped_column(default=False)
    invites_services: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    qpv: Mapped[Optional[Qpv]] = relationship(lazy="joined")
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="walk", order_by="Finding.id", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def commune(self):
        return self.meeting.commune

    @property
    def route_steps(self) -> list[str]:
        return [line.strip() for line in (self.route or "").splitlines() if line.strip()]

    def is_registered(self, user_id: int) -> bool:
        """Whether this account holds a seat (confirmed, not cancelled) for the walk."""
        session = object_session(self)
        if session is None or user_id is None:
            return False
        return session.scalar(select(Registration.id).where(
            Registration.meeting_id == self.meeting_id, Registration.user_id == user_id,
            Registration.status == RegistrationStatus.CONFIRMED.value).limit(1)) is not None


class Finding(Base):
    """One thing seen on the walk: a category, a sentence, a place (a street,
    or the phone's position when the person chose to add it), a photo perhaps;
    then whom it was sent to and their answer."""

    __tablename__ = "walk_finding"
    __table_args__ = (
        CheckConstraint(f"category IN ({_values(Category)})", name="known_category"),
        CheckConstraint(f"status IN ({_values(Status)})", name="known_status"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
                        name="position_range"),
        # A finding captured on a phone without network carries a key made on
        # the phone: sending it twice (a retry) finds the first, never makes two.
        UniqueConstraint("walk_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walk.id", ondelete="CASCADE"), index=True)
    client_key: Mapped[Optional[str]] = mapped_column(String(40))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    street: Mapped[str] = mapped_column(String(160), default="")
    # Only when the person tapped "ajouter ma position"; rounded (labo.walks.services.POSITION_DIGITS).
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    # The photo, re-encoded without metadata by labo.core.photos.
    photo_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    photo_content_type: Mapped[Optional[str]] = mapped_column(String(32))
    photo_width: Mapped[Optional[int]] = mapped_column(Integer)
    photo_height: Mapped[Optional[int]] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=Status.NEW.value, index=True)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("walk_finding.id", ondelete="SET NULL"))
    # Whom it was sent to: a partner of the city contract, or a commune service by its name.
    partner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"), index=True)
    service_name: Mapped[str] = mapped_column(String(160), default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    walk: Mapped[Walk] = relationship(back_populates="findings")
    partner: Mapped[Optional[Partner]] = relationship(lazy="joined")
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def category_enum(self) -> Category:
        return Category(self.category)

    @property
    def addressee_name(self) -> str:
        if self.partner is not None:
            return self.partner.name
        return self.service_name

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_public(self) -> bool:
        return self.status_enum in PUBLIC_STATUSES
