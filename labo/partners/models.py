"""Partners of the city contract, their commitments in the four families and
the dated follow-up entries that move each commitment's status over the six
years of the contract (2024-2030)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.numbers import file_size
from labo.core.i18n import _l


class PartnerKind(str, enum.Enum):
    ETAT = "etat"
    REGION = "region"
    DEPARTEMENT = "departement"
    CAF = "caf"
    BAILLEUR = "bailleur"
    COMMUNE = "commune"
    INTERCOMMUNALITE = "intercommunalite"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    PartnerKind.ETAT: _l("État"),
    PartnerKind.REGION: _l("Région"),
    PartnerKind.DEPARTEMENT: _l("Département"),
    PartnerKind.CAF: _l("Caisse d'allocations familiales"),
    PartnerKind.BAILLEUR: _l("Bailleur social"),
    PartnerKind.COMMUNE: _l("Commune"),
    PartnerKind.INTERCOMMUNALITE: _l("Intercommunalité"),
    PartnerKind.AUTRE: _l("Autre partenaire"),
}


class Family(str, enum.Enum):
    """The four families of commitments of the proclamation."""

    PILOTAGE = "pilotage"
    COOPERATION = "cooperation"
    EVALUATION = "evaluation"
    FINANCEMENT = "financement"

    @property
    def label(self) -> str:
        return str(FAMILY_LABELS[self])


FAMILY_LABELS = {
    Family.PILOTAGE: _l("Prendre part au pilotage"),
    Family.COOPERATION: _l("Coopération technique et mise en réseau"),
    Family.EVALUATION: _l("Évaluation et observation"),
    Family.FINANCEMENT: _l("Financement et conduite d'actions"),
}


class CommitmentStatus(str, enum.Enum):
    A_ENGAGER = "a_engager"
    EN_COURS = "en_cours"
    TENU = "tenu"
    NON_TENU = "non_tenu"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    CommitmentStatus.A_ENGAGER: _l("À engager"),
    CommitmentStatus.EN_COURS: _l("En cours"),
    CommitmentStatus.TENU: _l("Tenu"),
    CommitmentStatus.NON_TENU: _l("Non tenu"),
}
# A commitment in one of these needs no more review.
CLOSED_STATUSES = (CommitmentStatus.TENU.value, CommitmentStatus.NON_TENU.value)
# The badge of each status (classes of labo.css).
STATUS_CSS = {"a_engager": "status", "en_cours": "status", "tenu": "status status-retenue",
              "non_tenu": "status status-non_retenue"}


def _values(enum_class) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_class)


class Partner(Base):
    __tablename__ = "partner"
    __table_args__ = (CheckConstraint(f"kind IN ({_values(PartnerKind)})", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="partner", order_by="Commitment.id", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return PartnerKind(self.kind).label


class Commitment(Base):
    """One formal commitment of a partner. Its status moves only through
    follow-up entries, so the status on any past date can be read again."""

    __tablename__ = "partner_commitment"
    __table_args__ = (
        CheckConstraint(f"family IN ({_values(Family)})", name="known_family"),
        CheckConstraint(f"status IN ({_values(CommitmentStatus)})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=CommitmentStatus.A_ENGAGER.value)
    # The named referent at the partner: the name is public, the email never.
    referent_name: Mapped[str] = mapped_column(String(120), default="")
    referent_email: Mapped[Optional[str]] = mapped_column(String(254))
    next_review_on: Mapped[Optional[date]] = mapped_column(Date, index=True)
    # The review date a reminder was last emailed for: never twice for the same one.
    reminded_for: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="commitments")
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="commitment", order_by=lambda: [FollowUp.happened_on.desc(), FollowUp.id.desc()],
        cascade="all, delete-orphan")

    @property
    def family_label(self) -> str:
        return Family(self.family).label

    @property
    def status_label(self) -> str:
        return CommitmentStatus(self.status).label

    @property
    def status_css(self) -> str:
        return STATUS_CSS[self.status]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class FollowUp(Base):
    """A dated step of a commitment's follow-up, with its evidence (a note, a
    link, a file) and the status the commitment has after it."""

    __tablename__ = "partner_follow_up"
    __table_args__ = (
        CheckConstraint(f"status_after IN ({_values(CommitmentStatus)})", name="known_status"),
        CheckConstraint("file_size IS NULL OR file_size >= 0", name="file_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("partner_commitment.id", ondelete="CASCADE"), index=True)
    happened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")          # plain text, escaped when shown
    link: Mapped[Optional[str]] = mapped_column(String(500))     # http or https only
    status_after: Mapped[str] = mapped_column(String(16))
    next_review_on: Mapped[Optional[date]] = mapped_column(Date)
    public: Mapped[bool] = mapped_column(default=True)
    # The evidence file, stored outside the web root under a random key.
    file_key: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    file_name: Mapped[Optional[str]] = mapped_column(String(120))
    file_type: Mapped[Optional[str]] = mapped_column(String(100))
    file_size: Mapped[Optional[int]]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment: Mapped[Commitment] = relationship(back_populates="follow_ups")

    @property
    def status_label(self) -> str:
        return CommitmentStatus(self.status_after).label

    @property
    def status_css(self) -> str:
        return STATUS_CSS[self.status_after]

    @property
    def size_label(self) -> str:
        """"340 Ko", "2,5 Mo": the size in the reader's language."""
        return file_size(self.file_size)
