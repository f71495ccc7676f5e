"""Contributions and what hangs on them: supports, comments, follows,
reports and photos."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from labo.accounts.models import User, display_name
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Ambition, Commune, Pillar, Qpv, Themed


class Kind(str, enum.Enum):
    IDEA = "idee"
    WISH = "envie"
    INITIATIVE = "initiative"
    QUESTION = "question"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    Kind.IDEA: _l("Une idée"),
    Kind.WISH: _l("Une envie"),
    Kind.INITIATIVE: _l("Une initiative"),
    Kind.QUESTION: _l("Une question"),
}
KIND_HELP = {
    Kind.IDEA: _l("quelque chose à faire ou à changer"),
    Kind.WISH: _l("ce que vous aimeriez voir dans le quartier"),
    Kind.INITIATIVE: _l("quelque chose que vous faites ou voulez lancer"),
    Kind.QUESTION: _l("ce que vous voulez savoir"),
}


class Status(str, enum.Enum):
    PROPOSED = "proposee"
    STUDYING = "en_etude"
    RETAINED = "retenue"
    NOT_RETAINED = "non_retenue"
    DONE = "realisee"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


STATUS_LABELS = {
    Status.PROPOSED: _l("Proposée"),
    Status.STUDYING: _l("En étude"),
    Status.RETAINED: _l("Retenue"),
    Status.NOT_RETAINED: _l("Non retenue"),
    Status.DONE: _l("Réalisée"),
}
FINAL_STATUSES = {Status.RETAINED, Status.NOT_RETAINED, Status.DONE}


class Visibility(str, enum.Enum):
    PUBLISHED = "published"
    PENDING = "pending"    # waiting for a referent (pre-moderated commune)
    HIDDEN = "hidden"      # hidden by a referent, with a reason shown to the author
    MERGED = "merged"      # a duplicate folded into another contribution


class KindAndStatus:
    """`kind_enum` and `status_enum` for what carries a contribution's `kind`
    and `status` as strings: the contribution, and a list's card of it."""

    __slots__ = ()

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)

    @property
    def status_enum(self) -> Status:
        return Status(self.status)


class Contribution(KindAndStatus, Themed, Base):
    __tablename__ = "contribution"
    __table_args__ = (
        # the lists, newest first: all communes, and one commune's (which also serves its foreign key)
        Index("ix_contribution_listing", "visibility", "created_at", "id"),
        Index("ix_contribution_commune_listing", "commune_id", "visibility", "created_at", "id"),
        CheckConstraint("kind IN ('idee', 'envie', 'initiative', 'question')", name="known_kind"),
        CheckConstraint("status IN ('proposee', 'en_etude', 'retenue', 'non_retenue', 'realisee')", name="known_status"),
        CheckConstraint("visibility IN ('published', 'pending', 'hidden', 'merged')", name="known_visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(140))
    # Sanitised HTML (sanitize_html on write): the only field rendered |safe.
    body: Mapped[str] = mapped_column(Text)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"))
    qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"), index=True)
    pillar_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pillar.id", ondelete="SET NULL"))
    ambition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ambition.id", ondelete="SET NULL"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # "Saisie pour un habitant": a referent or animator typed it for someone met
    # in person or on paper; `on_behalf_of` is how that person wants to be named.
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    on_behalf_of: Mapped[Optional[str]] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(16), default=Status.PROPOSED.value, index=True)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLISHED.value)
    hidden_reason: Mapped[Optional[str]] = mapped_column(Text)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contribution.id", ondelete="SET NULL"))
    # Born at a meeting (typed in during or after it).
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    # Posted without an account ("sans compte"): the name the guest chose, an
    # optional way to be told of the answer (an e-mail address or a phone
    # number), and the SHA-256 of the private link's secret (the link itself is
    # only in the guest's hands). Attaching it to an account clears all three.
    guest_name: Mapped[Optional[str]] = mapped_column(String(40))
    guest_contact: Mapped[Optional[str]] = mapped_column(String(254))
    guest_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    commune: Mapped[Commune] = relationship(lazy="joined")
    qpv: Mapped[Optional[Qpv]] = relationship(lazy="joined")
    pillar: Mapped[Optional[Pillar]] = relationship()
    ambition: Mapped[Optional[Ambition]] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id], lazy="joined")
    entered_by: Mapped[Optional[User]] = relationship(foreign_keys=[entered_by_id])
    answered_by: Mapped[Optional[User]] = relationship(foreign_keys=[answered_by_id])
    merged_into: Mapped[Optional["Contribution"]] = relationship(remote_side=[id])
    photo: Mapped[Optional["Photo"]] = relationship(back_populates="contribution", uselist=False, cascade="all, delete-orphan")
    comments: WriteOnlyMapped["Comment"] = relationship(back_populates="contribution", cascade="all, delete-orphan", passive_deletes=True)
    revisions: WriteOnlyMapped["Revision"] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED.value

    @property
    def is_hidden(self) -> bool:
        return self.visibility == Visibility.HIDDEN.value

    @property
    def is_pending(self) -> bool:
        return self.visibility == Visibility.PENDING.value

    @property
    def is_merged(self) -> bool:
        return self.visibility == Visibility.MERGED.value

    @property
    def is_guest(self) -> bool:
        return self.guest_name is not None

    @property
    def is_answered(self) -> bool:
        """The decider has answered: its author can no longer reword or withdraw it."""
        return self.answer is not None or self.status_enum.is_final

    @property
    def author_label(self) -> str:
        if self.on_behalf_of:
            return self.on_behalf_of
        if self.guest_name:
            return self.guest_name
        return display_name(self.author)


class Revision(Base):
    """What a contribution said before its author changed it, kept for the
    moderators: who reads a reworded idea can see what it said before."""

    __tablename__ = "contribution_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML, as it was
    # The reason it was hidden, when the rewording answered one.
    hidden_reason: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Photo(Base):
    """One photo, re-encoded without metadata, stored outside the web root."""

    __tablename__ = "contribution_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), unique=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="photo")


class Support(Base):
    """"Je soutiens": once per person, withdrawable; the database refuses a second."""

    __tablename__ = "contribution_support"
    __table_args__ = (UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    # An erased account's supports stay, unsigned: the count does not change.
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Follow(Base):
    __tablename__ = "contribution_follow"
    __table_args__ = (UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(Base):
    __tablename__ = "contribution_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="comments")
    author: Mapped[Optional[User]] = relationship(lazy="joined")


class Report(Base):
    """A resident's signal that a contribution breaks the rules."""

    __tablename__ = "contribution_report"
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    contribution: Mapped[Contribution] = relationship()
