"""Experience fiches: the Labo's toolbox of what was tried, how, and what it
taught; their photos, attached files, links to meetings and contributions,
and the revisions kept once a fiche is published."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User, display_name
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.numbers import file_size
from labo.core.i18n import _l
from labo.core.levels import Level
from labo.territory.models import Ambition, Commune, Pillar, Qpv, Themed

if TYPE_CHECKING:  # mapped by name: importing them here would tie the packages' import order
    from labo.contributions.models import Contribution
    from labo.meetings.models import Meeting


class FicheKind(str, enum.Enum):
    EXPERIENCE = "experience"
    METHOD = "methode"
    TRAINING = "formation"
    MINUTES = "compte_rendu"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    FicheKind.EXPERIENCE: _l("Fiche d'expérience"),
    FicheKind.METHOD: _l("Méthode d'animation"),
    FicheKind.TRAINING: _l("Support de formation"),
    FicheKind.MINUTES: _l("Compte-rendu"),
}


class FicheStatus(str, enum.Enum):
    DRAFT = "draft"            # being written, or sent back with a reason
    SUBMITTED = "submitted"    # waiting for a referent or an administrator
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    FicheStatus.DRAFT: _l("Brouillon"),
    FicheStatus.SUBMITTED: _l("En relecture"),
    FicheStatus.PUBLISHED: _l("Publiée"),
}

fiche_commune = Table(
    "fiche_commune",
    Base.metadata,
    Column("fiche_id", Integer, ForeignKey("fiche.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", Integer, ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)
fiche_qpv = Table(
    "fiche_qpv",
    Base.metadata,
    Column("fiche_id", Integer, ForeignKey("fiche.id", ondelete="CASCADE"), primary_key=True),
    Column("qpv_id", Integer, ForeignKey("qpv.id", ondelete="CASCADE"), primary_key=True),
)
fiche_meeting = Table(
    "fiche_meeting",
    Base.metadata,
    Column("fiche_id", Integer, ForeignKey("fiche.id", ondelete="CASCADE"), primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True, index=True),
)
fiche_contribution = Table(
    "fiche_contribution",
    Base.metadata,
    Column("fiche_id", Integer, ForeignKey("fiche.id", ondelete="CASCADE"), primary_key=True),
    Column("contribution_id", Integer, ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Fiche(Themed, Base):
    __tablename__ = "fiche"
    __table_args__ = (
        Index("ix_fiche_listing", "status", "published_at"),
        CheckConstraint("kind IN ('experience', 'methode', 'formation', 'compte_rendu')", name="known_kind"),
        CheckConstraint("status IN ('draft', 'submitted', 'published')", name="known_status"),
        CheckConstraint("level IN ('information', 'consultation', 'concertation', 'codecision')", name="known_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(140))
    # Plain text everywhere (no markup stored, nothing rendered |safe).
    public: Mapped[str] = mapped_column(Text, default="")          # the people reached
    level: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(Text, default="")
    what_worked: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    contact_details: Mapped[str] = mapped_column(String(200), default="")
    # Shown to visitors (and in the API) only when ticked.
    contact_consent: Mapped[bool] = mapped_column(default=False)
    pillar_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pillar.id", ondelete="SET NULL"))
    ambition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ambition.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=FicheStatus.DRAFT.value)
    # Why a reviewer sent it back to its author (cleared when sent again).
    returned_reason: Mapped[Optional[str]] = mapped_column(Text)
    # Lower-case, accent-free words of every text field, for LIKE searches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id], lazy="joined")
    published_by: Mapped[Optional[User]] = relationship(foreign_keys=[published_by_id])
    pillar: Mapped[Optional[Pillar]] = relationship()
    ambition: Mapped[Optional[Ambition]] = relationship()
    communes: Mapped[list[Commune]] = relationship(secondary=fiche_commune, order_by="Commune.slug")
    qpvs: Mapped[list[Qpv]] = relationship(secondary=fiche_qpv, order_by="Qpv.slug")
    meetings: Mapped[list["Meeting"]] = relationship("Meeting", secondary=fiche_meeting, order_by="Meeting.starts_at")
    contributions: Mapped[list["Contribution"]] = relationship(
        "Contribution", secondary=fiche_contribution, order_by="Contribution.id")
    photos: Mapped[list["FichePhoto"]] = relationship(
        back_populates="fiche", order_by="FichePhoto.id", cascade="all, delete-orphan")
    attachments: Mapped[list["FicheAttachment"]] = relationship(
        back_populates="fiche", order_by="FicheAttachment.id", cascade="all, delete-orphan")
    revisions: Mapped[list["FicheRevision"]] = relationship(
        back_populates="fiche", order_by="FicheRevision.number", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def kind_enum(self) -> FicheKind:
        return FicheKind(self.kind)

    @property
    def status_enum(self) -> FicheStatus:
        return FicheStatus(self.status)

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def is_published(self) -> bool:
        return self.status == FicheStatus.PUBLISHED.value

    @property
    def is_returned(self) -> bool:
        return self.status == FicheStatus.DRAFT.value and bool(self.returned_reason)

    @property
    def author_label(self) -> str:
        return display_name(self.author)

    @property
    def shows_contact(self) -> bool:
        return self.contact_consent and bool(self.contact_name or self.contact_details)


class FichePhoto(Base):
    """A photo of the fiche, re-encoded without metadata; its alt text is required."""

    __tablename__ = "fiche_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiche.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    alt: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fiche: Mapped[Fiche] = relationship(back_populates="photos")


class FicheAttachment(Base):
    """A file joined to a fiche (PDF, ODT, DOCX or image), always served as a download."""

    __tablename__ = "fiche_attachment"
    __table_args__ = (CheckConstraint("size >= 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiche.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fiche: Mapped[Fiche] = relationship(back_populates="attachments")

    @property
    def size_label(self) -> str:
        """"340 Ko", "2,5 Mo": the size in the reader's language."""
        return file_size(self.size)


class FicheRevision(Base):
    """A published fiche as it stood after one edit: who, when, what changed,
    and every field as JSON."""

    __tablename__ = "fiche_revision"
    __table_args__ = (UniqueConstraint("fiche_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(ForeignKey("fiche.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    editor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    editor_label: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(300))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fiche: Mapped[Fiche] = relationship(back_populates="revisions")
