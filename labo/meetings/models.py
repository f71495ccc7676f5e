"""Meetings, their animators and the people registered for them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.numbers import file_size
from labo.core.i18n import _l
from labo.territory.models import Commune

if TYPE_CHECKING:  # mapped by name: labo.fiches imports this module
    from labo.fiches.models import Fiche

meeting_animator = Table(
    "meeting_animator",
    Base.metadata,
    Column("meeting_id", Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)

RUNNING_ORDER_TEMPLATE = _l(
    "Accueil et « premiers pas » pour les personnes qui viennent pour la première fois\n"
    "Témoignages : des projets menés par ou avec des habitants\n"
    "Ateliers sur le thème du jour\n"
    "Décisions, selon les règles que le groupe s'est données\n"
    "Et après ? Ce qui sera fait, par qui, et quand on se revoit"
)


class RegistrationStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class MeetingKind(str, enum.Enum):
    """What a meeting is for; every kind is in the programme, with registration and reminders."""

    LABO = "labo"
    TRAINING = "training"
    WALK = "walk"
    NETWORK = "network"
    EVENT = "event"

    @property
    def label(self) -> str:
        return str(MEETING_KIND_LABELS[self])


MEETING_KIND_LABELS = {
    MeetingKind.LABO: _l("Rencontre du Labo"),
    MeetingKind.TRAINING: _l("Formation"),
    MeetingKind.WALK: _l("Diagnostic en marchant"),
    MeetingKind.NETWORK: _l("Réunion du réseau"),
    MeetingKind.EVENT: _l("Événement"),
}


# The kinds the ordinary meeting form offers: walks are planned by labo.walks,
# which makes its own Meeting(kind="walk").
FORM_KINDS = [MeetingKind.LABO, MeetingKind.TRAINING, MeetingKind.NETWORK, MeetingKind.EVENT]


class Audience(str, enum.Enum):
    """Who a training session is for, and, on its attendance sheet, as whom each person came."""

    RESIDENT = "resident"
    ELECTED = "elected"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])

    @property
    def one(self) -> str:
        """The word for one person of this public, on the attendance sheet."""
        return str(AUDIENCE_ONE[self])


AUDIENCE_LABELS = {
    Audience.RESIDENT: _l("Habitants"),
    Audience.ELECTED: _l("Élus"),
    Audience.STAFF: _l("Professionnels"),
}
AUDIENCE_ONE = {
    Audience.RESIDENT: _l("Habitant"),
    Audience.ELECTED: _l("Élu"),
    Audience.STAFF: _l("Professionnel"),
}
AUDIENCE_VALUES = "('resident', 'elected', 'staff')"

# The fiches a training session uses as its materials, chosen by its organiser.
training_material = Table(
    "training_material",
    Base.metadata,
    Column("meeting_id", Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("fiche_id", Integer, ForeignKey("fiche.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="positive_capacity"),
        CheckConstraint("kind IN ('labo', 'training', 'walk', 'network', 'event')", name="known_kind"),
        # A trainer only for a training session; an account or a name typed in, not both.
        CheckConstraint("kind = 'training' OR (trainer_id IS NULL AND trainer_name = '')", name="trainer_of_training"),
        CheckConstraint("trainer_id IS NULL OR trainer_name = ''", name="one_trainer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    # A Labo meeting, a training session, a walking diagnostic, a network meeting or an event.
    kind: Mapped[str] = mapped_column(String(12), default=MeetingKind.LABO.value,
                                      server_default=MeetingKind.LABO.value, index=True)
    theme: Mapped[str] = mapped_column(String(240), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    venue: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(240), default="")
    step_free: Mapped[bool] = mapped_column(default=False)
    public_transport: Mapped[str] = mapped_column(String(240), default="")
    childcare: Mapped[bool] = mapped_column(default=False)
    access_notes: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[Optional[int]]
    running_order: Mapped[str] = mapped_column(Text, default="")
    # People who signed only the paper sheet on the day, counted by hand.
    paper_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    cancelled: Mapped[bool] = mapped_column(default=False)
    # The compte-rendu, sanitised HTML (sanitize_html on write), once written.
    minutes: Mapped[str] = mapped_column(Text, default="", server_default="")
    minutes_published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A training session's trainer: a Labo account, or a name typed in (someone without one).
    trainer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    trainer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")

    commune: Mapped[Commune] = relationship(lazy="joined")
    trainer: Mapped[Optional[User]] = relationship(foreign_keys=[trainer_id])
    audiences: Mapped[list["TrainingAudience"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="TrainingAudience.audience")
    materials: Mapped[list["Fiche"]] = relationship("Fiche", secondary=training_material, order_by="Fiche.title")
    animators: Mapped[list[User]] = relationship(secondary=meeting_animator, order_by="User.pseudonym_key")
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="meeting", order_by="Decision.id", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="meeting", order_by="Attachment.id", cascade="all, delete-orphan")

    @property
    def kind_enum(self) -> MeetingKind:
        return MeetingKind(self.kind)

    @property
    def is_training(self) -> bool:
        return self.kind == MeetingKind.TRAINING.value

    @property
    def audience_list(self) -> list[Audience]:
        """The training's publics, always in the same order (residents, elected officials, staff)."""
        chosen = {a.audience for a in self.audiences}
        return [a for a in Audience if a.value in chosen]

    @property
    def trainer_label(self) -> str:
        """The trainer as the page says it: the name typed in, or the account's pseudonym."""
        if self.trainer_name:
            return self.trainer_name
        return self.trainer.pseudonym if self.trainer is not None else ""

    def audience_of(self, registration: "Registration") -> Audience:
        """As whom an attendee counts: their mark on the sheet when the training
        has several publics (residents when unmarked), else its one public."""
        publics = self.audience_list
        if registration.audience and Audience(registration.audience) in publics:
            return Audience(registration.audience)
        return publics[0] if publics else Audience.RESIDENT

    @property
    def is_past(self) -> bool:
        return (self.ends_at or self.starts_at) < utcnow()

    @property
    def running_steps(self) -> list[str]:
        return [line.strip() for line in self.running_order.splitlines() if line.strip()]


class Registration(Base):
    """Someone who will come: with an account, or a first name and a phone or
    email; brought, perhaps, by a relay (an ambassador or referent)."""

    __tablename__ = "meeting_registration"
    __table_args__ = (
        Index("uq_meeting_registration_user", "meeting_id", "user_id", unique=True,
              sqlite_where=text("user_id IS NOT NULL AND status <> 'cancelled'"),
              postgresql_where=text("user_id IS NOT NULL AND status <> 'cancelled'")),
        CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled')", name="known_status"),
        # A walk-in added on a phone without network carries an id made on the
        # phone: sending it twice (a retry) finds the first, never makes two.
        UniqueConstraint("meeting_id", "client_key"),
        CheckConstraint(f"audience IS NULL OR audience IN {AUDIENCE_VALUES}", name="known_audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    first_name: Mapped[str] = mapped_column(String(60))
    contact: Mapped[Optional[str]] = mapped_column(String(254))  # phone or email, for this meeting only
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.CONFIRMED.value)
    relay_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    walk_in: Mapped[bool] = mapped_column(default=False)
    present: Mapped[bool] = mapped_column(default=False)
    cancel_token: Mapped[str] = mapped_column(String(40), unique=True)
    client_key: Mapped[Optional[str]] = mapped_column(String(40))
    # The language the person registered in ("fr", "en"): reminders and notices are written in it.
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    # At a training for several publics: as whom the person came, marked on the
    # attendance sheet (unmarked: the training's first public, residents when they are one).
    audience: Mapped[Optional[str]] = mapped_column(String(12))
    # When a seat freed up for them on the waiting list (they are told so, once).
    promoted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    relay: Mapped[Optional[User]] = relationship(foreign_keys=[relay_id])


class TrainingAudience(Base):
    """One public of a training session: residents, elected officials or staff (one row each)."""

    __tablename__ = "training_audience"
    __table_args__ = (CheckConstraint(f"audience IN {AUDIENCE_VALUES}", name="known_audience"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(12), primary_key=True)

    meeting: Mapped[Meeting] = relationship(back_populates="audiences")


class MeetingChange(Base):
    """A change the people registered must hear of at once: the date, the
    time or the place moved ("moved"), or the meeting is cancelled
    ("cancelled"). Written in the change's own transaction; the notices
    (labo.reminders) go after its commit, each once per person."""

    __tablename__ = "meeting_change"
    __table_args__ = (CheckConstraint("kind IN ('moved', 'cancelled')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # What it was before, to say what changed.
    was_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    was_place: Mapped[str] = mapped_column(String(420), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    meeting: Mapped[Meeting] = relationship()


class Decision(Base):
    """A decision taken at a meeting, and how: the rule the group agreed on
    and, when there was a count, the count."""

    __tablename__ = "meeting_decision"
    __table_args__ = (
        CheckConstraint("votes_for IS NULL OR votes_for >= 0", name="votes_for_positive"),
        CheckConstraint("votes_against IS NULL OR votes_against >= 0", name="votes_against_positive"),
        CheckConstraint("abstentions IS NULL OR abstentions >= 0", name="abstentions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(160))
    votes_for: Mapped[Optional[int]]
    votes_against: Mapped[Optional[int]]
    abstentions: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")


class Attachment(Base):
    """A file joined to a meeting's minutes (a PDF, a photo of the flip chart,
    a document), stored outside the web root under a random key."""

    __tablename__ = "meeting_attachment"
    __table_args__ = (CheckConstraint("size >= 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)   # the stored file's name
    filename: Mapped[str] = mapped_column(String(120))            # a safe name to download it as
    content_type: Mapped[str] = mapped_column(String(100))        # from our own check of the bytes
    size: Mapped[int]
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attachments")

    @property
    def size_label(self) -> str:
        """"340 Ko", "2,5 Mo": the size in the reader's language."""
        return file_size(self.size)
