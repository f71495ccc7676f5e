"""Printed participation cards.

A `CardSheet` is one printing: for one process, by one person, perhaps for
a meeting, with `size` cards. Each `ParticipationCard` holds one one-time
code, never in clear: only its keyed hash (labo.cards.services.code_hash),
so the printed sheet is the only place the codes exist.

A card is used once: the UPDATE that marks it used is conditional
(`used_at IS NULL AND revoked_at IS NULL`), so of any number of requests
at once only one writes. A card says nothing of what was chosen with it:
no link to the participation, nor to the ballot."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.processes.models import Process


class CardSheet(Base):
    __tablename__ = "card_sheet"
    __table_args__ = (CheckConstraint("size >= 1", name="positive_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    # Printed from a meeting's page (for the record: where the cards were handed out).
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    size: Mapped[int]
    printed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship()
    meeting: Mapped[Optional["Meeting"]] = relationship("Meeting")  # noqa: F821
    printed_by: Mapped[Optional[User]] = relationship(foreign_keys=[printed_by_id])
    revoked_by: Mapped[Optional[User]] = relationship(foreign_keys=[revoked_by_id])


class ParticipationCard(Base):
    __tablename__ = "participation_card"
    __table_args__ = (CheckConstraint("used_at IS NULL OR revoked_at IS NULL", name="used_or_revoked"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("card_sheet.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256, hex
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    sheet: Mapped[CardSheet] = relationship()
    process: Mapped[Process] = relationship()
