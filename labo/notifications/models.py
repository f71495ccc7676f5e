"""A message for one person about something they follow."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # What happened ("contribution.hidden", "contribution.answered", ...) and
    # its parameters: the text is written in the reader's language when shown.
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


# How many the account has not read, for the menu of every page: deferred, and
# read in the same statement as the signed-in account (accounts.services.user_for_session).
User.unread_notifications = column_property(
    select(func.count(Notification.id)).where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification).scalar_subquery(),
    deferred=True,
)
