"""The Labo's letter, what it holds, who subscribed to it, and the trace of
each sending (one row per letter and subscription, UNIQUE, claimed before
the message goes), of the copies ambassadors handed out and of the visits
their printed QR code brought."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Commune

WHOLE = "call"  # a subscription's scope_key for the whole agglomeration (a commune's is its id)


class LetterStatus(str, enum.Enum):
    DRAFT = "draft"  # being composed: seen by its editors only
    SENT = "sent"  # sent (or being sent): public page, printable


class ItemKind(str, enum.Enum):
    MEETING = "meeting"  # a coming meeting
    PROCESS = "process"  # a process open for opinion
    RETURN = "return"  # the decider's return on a process, published since the last letter
    DECISION = "decision"  # a decision taken at a meeting, since the last letter
    FICHE = "fiche"  # an experience fiche

    @property
    def label(self) -> str:
        return str(ITEM_LABELS[self])


ITEM_LABELS = {
    ItemKind.MEETING: _l("Les prochaines rencontres"),
    ItemKind.PROCESS: _l("Donnez votre avis"),
    ItemKind.RETURN: _l("Les réponses reçues"),
    ItemKind.DECISION: _l("Ce qui a été décidé en rencontre"),
    ItemKind.FICHE: _l("Une expérience à partager"),
}


class Letter(Base):
    __tablename__ = "letter"
    __table_args__ = (CheckConstraint("status IN ('draft', 'sent')", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the letter of the whole agglomeration.
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str] = mapped_column(Text, default="")  # plain text, shown escaped
    status: Mapped[str] = mapped_column(String(8), default=LetterStatus.DRAFT.value)
    # The returns and decisions it proposes are those published after this moment (the last letter's sending).
    since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)
    sent_count: Mapped[int] = mapped_column(default=0)  # messages gone (a subscription that ends leaves it)

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    created_by: Mapped[Optional[User]] = relationship()
    items: Mapped[list["LetterItem"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="LetterItem.position")

    @property
    def is_sent(self) -> bool:
        return self.status == LetterStatus.SENT.value

    @property
    def kept_items(self) -> list["LetterItem"]:
        return [i for i in self.items if i.kept]


class LetterItem(Base):
    """One thing the letter tells, as it was when composed (title, when,
    where, a short text and the link to its page on the site)."""

    __tablename__ = "letter_item"
    __table_args__ = (
        CheckConstraint("kind IN ('meeting', 'process', 'return', 'decision', 'fiche')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int]  # the meeting's, process's, decision's or fiche's id
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")  # plain text
    at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # a meeting's start, a process's closing
    place: Mapped[str] = mapped_column(String(420), default="")
    path: Mapped[str] = mapped_column(String(200))  # the page on the site, e.g. /rencontres/12
    kept: Mapped[bool] = mapped_column(default=True)

    letter: Mapped[Letter] = relationship(back_populates="items")

    @property
    def kind_enum(self) -> ItemKind:
        return ItemKind(self.kind)


class SubscriptionStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for the confirmation link
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"  # deleted by the retention purge


class Subscription(Base):
    """Someone who asked for a letter, without an account: an email address
    or a mobile number (E.164), for one commune or the whole agglomeration.
    Personal data: kept while subscribed (labo.privacy.retention)."""

    __tablename__ = "letter_subscription"
    __table_args__ = (
        UniqueConstraint("channel", "address", "scope_key"),
        CheckConstraint("channel IN ('email', 'sms')", name="known_channel"),
        CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254), index=True)  # an email (lower case) or an E.164 number
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"), index=True)
    scope_key: Mapped[str] = mapped_column(String(16))  # WHOLE or the commune's id: NULLs are never equal in UNIQUE
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.PENDING.value)
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    # The ambassador whose printed letter brought them (the QR code's "via" marker).
    via_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # ... and the letter whose page they subscribed from.
    via_letter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")


class Delivery(Base):
    """A letter sent to one subscription: claimed (committed) before the
    message goes, so each subscriber gets each letter once."""

    __tablename__ = "letter_delivery"
    __table_args__ = (UniqueConstraint("letter_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("letter_subscription.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


class Handout(Base):
    """Printed copies of a letter an ambassador says they handed out."""

    __tablename__ = "letter_handout"
    __table_args__ = (CheckConstraint("copies > 0", name="positive_copies"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    copies: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Visit(Base):
    """How many times a letter's page was opened through one ambassador's
    QR code: a count, no trace of who opened it."""

    __tablename__ = "letter_visit"
    __table_args__ = (UniqueConstraint("letter_id", "relay_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    relay_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    visits: Mapped[int] = mapped_column(default=0)
