"""The ledger of messages sent by the periodic work and the change notices:
one row per message and recipient, under a UNIQUE key, claimed (and
committed) before the message goes, so that two ticks running at once, or a
tick started again after a crash, never send it twice."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from labo.core.db import Base, UTCDateTime, utcnow


class SentMessage(Base):
    __tablename__ = "sent_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "meeting:12:reminder-2d:2026-12-10:registration:55", "meeting:12:change:7:registration:55",
    # "job:purge:2026-12-05": what is sent, and to whom (ids only, never a contact).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))           # reminder-2d, reminder-day, change, promoted, job
    channel: Mapped[str] = mapped_column(String(8), default="")   # email, sms; "" for a job
    # The address or number written to, kept until the retention purge (REMINDER_LEDGER).
    recipient: Mapped[Optional[str]] = mapped_column(String(254))
    registration_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("meeting_registration.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
