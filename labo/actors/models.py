"""What the directory shows and what ambassadors note down.

A person's directory card (`ActorProfile`) holds only what they chose to
make public: nothing is shown until they opt in, and then only the fields
they filled. Organisations are entered by an administrator or a referent.
Activity entries belong to the person who wrote them; others only ever see
them as counts."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Ambition, Commune

actor_profile_commune = Table(
    "actor_profile_commune",
    Base.metadata,
    Column("profile_id", Integer, ForeignKey("actor_profile.user_id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", Integer, ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)

actor_profile_ambition = Table(
    "actor_profile_ambition",
    Base.metadata,
    Column("profile_id", Integer, ForeignKey("actor_profile.user_id", ondelete="CASCADE"), primary_key=True),
    Column("ambition_id", Integer, ForeignKey("ambition.id", ondelete="CASCADE"), primary_key=True),
)

organisation_commune = Table(
    "actor_organisation_commune",
    Base.metadata,
    Column("organisation_id", Integer, ForeignKey("actor_organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", Integer, ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)

organisation_ambition = Table(
    "actor_organisation_ambition",
    Base.metadata,
    Column("organisation_id", Integer, ForeignKey("actor_organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("ambition_id", Integer, ForeignKey("ambition.id", ondelete="CASCADE"), primary_key=True),
)


class ActorProfile(Base):
    """A person's card in the directory: shown only when `listed`, and then
    only the pseudonym plus what they filled in."""

    __tablename__ = "actor_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    listed: Mapped[bool] = mapped_column(default=False, server_default=false())
    public_email: Mapped[Optional[str]] = mapped_column(String(254))
    public_phone: Mapped[Optional[str]] = mapped_column(String(30))
    presentation: Mapped[str] = mapped_column(Text, default="", server_default="")  # plain text, escaped on display
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    communes: Mapped[list[Commune]] = relationship(secondary=actor_profile_commune, order_by="Commune.slug")
    ambitions: Mapped[list[Ambition]] = relationship(secondary=actor_profile_ambition, order_by="Ambition.slug")


class OrganisationKind(str, enum.Enum):
    ASSOCIATION = "association"
    COLLECTIVE = "collectif"
    PARTNER = "partenaire"
    PUBLIC_SERVICE = "service_public"

    @property
    def label(self) -> str:
        return str(ORGANISATION_KIND_LABELS[self])


ORGANISATION_KIND_LABELS = {
    OrganisationKind.ASSOCIATION: _l("Association"),
    OrganisationKind.COLLECTIVE: _l("Collectif d'habitants"),
    OrganisationKind.PARTNER: _l("Structure partenaire"),
    OrganisationKind.PUBLIC_SERVICE: _l("Service public"),
}


class Organisation(Base):
    """An association or partner structure, with the contact it gives the public."""

    __tablename__ = "actor_organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('association', 'collectif', 'partenaire', 'service_public')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")  # plain text
    contact_email: Mapped[Optional[str]] = mapped_column(String(254))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(30))
    website: Mapped[Optional[str]] = mapped_column(String(300))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    communes: Mapped[list[Commune]] = relationship(secondary=organisation_commune, order_by="Commune.slug")
    ambitions: Mapped[list[Ambition]] = relationship(secondary=organisation_ambition, order_by="Ambition.slug")

    @property
    def kind_label(self) -> str:
        try:
            return OrganisationKind(self.kind).label
        except ValueError:
            return self.kind


class ActivityKind(str, enum.Enum):
    MET = "rencontre"
    RELAYED = "relais"
    FEEDBACK = "retour"

    @property
    def label(self) -> str:
        return str(ACTIVITY_KIND_LABELS[self])


ACTIVITY_KIND_LABELS = {
    ActivityKind.MET: _l("Personnes rencontrées"),
    ActivityKind.RELAYED: _l("Information relayée"),
    ActivityKind.FEEDBACK: _l("Retour du terrain"),
}


class ActivityEntry(Base):
    """One line of an ambassador's activity log. Theirs alone: the Labo sees
    only counts per kind, commune and month."""

    __tablename__ = "actor_activity"
    __table_args__ = (
        CheckConstraint("kind IN ('rencontre', 'relais', 'retour')", name="known_kind"),
        CheckConstraint("people_count IS NULL OR people_count >= 0", name="people_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    happened_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    people_count: Mapped[Optional[int]]
    text: Mapped[str] = mapped_column(Text, default="", server_default="")  # plain text, escaped on display
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    commune: Mapped[Commune] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        try:
            return ActivityKind(self.kind).label
        except ValueError:
            return self.kind
