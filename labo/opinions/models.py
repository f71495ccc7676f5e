"""A formal opinion of the Labo, addressed to the COPIL, a municipal council
or a partner of the city contract, with where it comes from (a meeting and
perhaps one of its decisions, or a process), the date an answer is expected
by, and the answer once entered: what was decided and why."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _, _l
from labo.meetings.models import Decision, Meeting
from labo.partners.models import Partner
from labo.processes.models import Process
from labo.territory.models import Commune


class Addressee(str, enum.Enum):
    COPIL = "copil"
    COMMUNE = "commune"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return str(ADDRESSEE_LABELS[self])


ADDRESSEE_LABELS = {
    Addressee.COPIL: _l("Le comité de pilotage (COPIL)"),
    Addressee.COMMUNE: _l("Un conseil municipal"),
    Addressee.PARTNER: _l("Un partenaire du contrat de ville"),
}


class State(str, enum.Enum):
    SENT = "sent"                  # waiting, the date has not passed
    LATE = "late"                  # no answer, the date has passed
    ANSWERED = "answered"          # answered by the date
    ANSWERED_LATE = "answered_late"  # answered after the date

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    State.SENT: _l("Envoyé, réponse attendue"),
    State.LATE: _l("En retard : pas de réponse"),
    State.ANSWERED: _l("Répondu à temps"),
    State.ANSWERED_LATE: _l("Répondu en retard"),
}
# The badge of each state (classes of labo.css).
STATE_CSS = {State.SENT: "status", State.LATE: "status status-late",
             State.ANSWERED: "status status-retenue", State.ANSWERED_LATE: "status"}


class Opinion(Base):
    __tablename__ = "labo_opinion"
    __table_args__ = (
        CheckConstraint("addressee IN ('copil', 'commune', 'partner')", name="known_addressee"),
        CheckConstraint("(addressee = 'commune') = (commune_id IS NOT NULL)", name="commune_addressee"),
        CheckConstraint("(addressee = 'partner') = (partner_id IS NOT NULL)", name="partner_addressee"),
        CheckConstraint("(answer_decision IS NULL) = (answered_on IS NULL)", name="answer_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)        # sanitised HTML (clean_rich_text)
    asks: Mapped[str] = mapped_column(Text)        # sanitised HTML: what the Labo asks
    addressee: Mapped[str] = mapped_column(String(10))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("partner.id", ondelete="RESTRICT"), index=True)
    # Where it comes from: a meeting (perhaps one of its decisions), a process, or both.
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting_decision.id", ondelete="SET NULL"), index=True)
    process_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process.id", ondelete="SET NULL"), index=True)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    answer_due_on: Mapped[date] = mapped_column(Date, index=True)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The answer: what was decided and why, and the day it was given.
    answer_decision: Mapped[Optional[str]] = mapped_column(Text)   # sanitised HTML
    answer_reasons: Mapped[Optional[str]] = mapped_column(Text)    # sanitised HTML
    answered_on: Mapped[Optional[date]] = mapped_column(Date)
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    partner: Mapped[Optional[Partner]] = relationship(lazy="joined")
    meeting: Mapped[Optional[Meeting]] = relationship()
    decision: Mapped[Optional[Decision]] = relationship()
    process: Mapped[Optional[Process]] = relationship()
    issued_by: Mapped[Optional[User]] = relationship(foreign_keys=[issued_by_id])
    answered_by: Mapped[Optional[User]] = relationship(foreign_keys=[answered_by_id])

    @property
    def addressee_name(self) -> str:
        if self.addressee == Addressee.COMMUNE.value and self.commune is not None:
            return _("Le conseil municipal de %(commune)s", commune=self.commune.name)
        if self.addressee == Addressee.PARTNER.value and self.partner is not None:
            return self.partner.name
        return str(ADDRESSEE_LABELS[Addressee.COPIL])

    @property
    def answered(self) -> bool:
        return self.answered_on is not None

    def state(self, today: date) -> State:
        if self.answered_on is not None:
            return State.ANSWERED if self.answered_on <= self.answer_due_on else State.ANSWERED_LATE
        return State.LATE if today > self.answer_due_on else State.SENT
