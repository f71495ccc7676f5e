"""Messages that could not go out by SMTP because none is configured."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labo.core.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Extra header lines (List-Unsubscribe, List-Unsubscribe-Post for the Labo's letter).
    headers: Mapped[Optional[dict]] = mapped_column(JSON)
