"""Every text message the site sends (its outbox and log), and how many
went out each month, for the ceiling (labo.sms.services)."""
from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labo.core.db import Base, UTCDateTime, utcnow


class SmsStatus(str, enum.Enum):
    QUEUED = "queued"  # stored, not yet handed to the provider
    SENT = "sent"  # the provider took it, or (outbox backend) it was kept here and logged
    FAILED = "failed"  # refused: see the error code


class SmsMessage(Base):
    """One text message: to whom, what, why, and what became of it. Kept no
    longer than the declared retention (labo.privacy.retention, "SMS"), and
    deleted with the account whose number it went to."""

    __tablename__ = "sms_message"
    __table_args__ = (CheckConstraint("status IN ('queued', 'sent', 'failed')", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # E.164; after 31 days (retention "SMS_NUMBER") its last two digits only: "+•••••••••78".
    recipient: Mapped[str] = mapped_column(String(16), index=True)
    # The text as it goes (GSM 7-bit where it can, labo.sms.services.plain_text); once it went, or
    # failed for good, its one-time codes and links masked (mask_secrets), except in the outbox.
    body: Mapped[str] = mapped_column(Text)
    # What it was for ("sign-in-code", "meeting-reminder", ...): the admin page and the log say it.
    purpose: Mapped[str] = mapped_column(String(40))
    # "outbox" (kept here, never left) or the provider's name.
    backend: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default=SmsStatus.QUEUED.value)
    provider_message_id: Mapped[Optional[str]] = mapped_column(String(64))
    error_code: Mapped[Optional[str]] = mapped_column(String(32))
    tries: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    @property
    def status_enum(self) -> SmsStatus:
        return SmsStatus(self.status)

    @property
    def shown_body(self) -> str:
        """The text as the administrators' page shows it: a one-time code or a
        confirmation link would let whoever reads it sign in, or confirm, in
        the person's place, so they are masked (the person got them whole)."""
        return mask_secrets(self.body, self.purpose)


def is_secret_purpose(purpose: str) -> bool:
    """A message that carries a one-time code or a confirmation link."""
    return purpose.endswith(("code", "confirm"))


def mask_secrets(body: str, purpose: str) -> str:
    """`body` with its confirmation links' secrets, and (for a code or a
    confirmation) its one-time codes, masked: what the table keeps once the
    message went (labo.sms.services) and what the administrators' page shows."""
    body = _LINK_SECRET.sub(r"\1…", body)
    if is_secret_purpose(purpose):
        body = _ONE_TIME_CODE.sub("••••••", body)
    return body


_ONE_TIME_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_LINK_SECRET = re.compile(r"(https?://\S*/)[A-Za-z0-9_\-]{16,}")


class SmsMonthCount(Base):
    """How many messages were let through in one month ("2026-12"): one row
    a month, raised by a single conditional UPDATE, so two senders at once
    can never both take the last place under the ceiling."""

    __tablename__ = "sms_month_count"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)
