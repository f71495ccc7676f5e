"""The residents' micro-projects fund (issue 22).

A `FundRound` is one call for projects: its envelope, for one commune or the
whole agglomeration, a ceiling per project, its dates and its rules (in
plain words and in easy-read). Its committee is a list of named accounts
(`CommitteeMember`), residents flagged so the page can say whether they are
the majority.

An `FundApplication` is what a group of residents or a small association asks
for: what, for whom, where, when, how much and its budget lines. Who carries
it is a named contact, kept private (personal data: the owner's download and
erasure, labo.fund.services); the public sees the group's name only. It may
come from an "initiative" of the pot commun (`contribution_id`).

Then: the commune's referent's `ReferentOpinion` (one per application), the
committee's `CommitteeVote`s (one per member and application: a UNIQUE constraint,
not a check-then-insert, so fifty clicks at once store one), the `FundDecision`
(granted or refused, amount, reasons, published; then the payment and the
spending deadline), and the group's `FundReport` with its photos, which can
become an experience fiche.

Money is held in cents (integers): no float ever touches it."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.contributions.models import Contribution
from labo.core.i18n import _l
from labo.territory.models import Commune, Qpv


class RoundState(str, enum.Enum):
    DRAFT = "draft"  # being prepared: seen by administrators only
    OPEN = "open"  # applications accepted until apply_until
    CLOSED = "closed"  # no more applications: the committee decides
    DONE = "done"  # every decision published

    @property
    def label(self) -> str:
        return str(ROUND_STATE_LABELS[self])


ROUND_STATE_LABELS = {
    RoundState.DRAFT: _l("En préparation"),
    RoundState.OPEN: _l("Ouvert aux demandes"),
    RoundState.CLOSED: _l("Le comité décide"),
    RoundState.DONE: _l("Terminé"),
}


class ApplicationStatus(str, enum.Enum):
    DRAFT = "draft"  # saved, to finish later: seen by its author (and who entered it) only
    SUBMITTED = "submitted"  # sent to the committee
    DECIDED = "decided"  # the committee's decision is published

    @property
    def label(self) -> str:
        return str(APPLICATION_STATUS_LABELS[self])


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: _l("Brouillon"),
    ApplicationStatus.SUBMITTED: _l("Envoyée au comité"),
    ApplicationStatus.DECIDED: _l("Décision prise"),
}


class CarrierKind(str, enum.Enum):
    GROUP = "group"  # a group of residents, without statutes
    ASSOCIATION = "association"  # a small association

    @property
    def label(self) -> str:
        return str(CARRIER_LABELS[self])


CARRIER_LABELS = {
    CarrierKind.GROUP: _l("Un groupe d'habitants"),
    CarrierKind.ASSOCIATION: _l("Une petite association"),
}


class OpinionKind(str, enum.Enum):
    FAVOURABLE = "favourable"
    RESERVED = "reserved"
    UNFAVOURABLE = "unfavourable"

    @property
    def label(self) -> str:
        return str(OPINION_LABELS[self])


OPINION_LABELS = {
    OpinionKind.FAVOURABLE: _l("Avis favorable"),
    OpinionKind.RESERVED: _l("Avis réservé"),
    OpinionKind.UNFAVOURABLE: _l("Avis défavorable"),
}


class VoteChoice(str, enum.Enum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"

    @property
    def label(self) -> str:
        return str(VOTE_LABELS[self])


VOTE_LABELS = {
    VoteChoice.FOR: _l("Pour"),
    VoteChoice.AGAINST: _l("Contre"),
    VoteChoice.ABSTAIN: _l("Abstention"),
}


class Outcome(str, enum.Enum):
    GRANTED = "granted"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.GRANTED: _l("Projet financé"),
    Outcome.REFUSED: _l("Projet non retenu"),
}


class FundRound(Base):
    __tablename__ = "fund_round"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'open', 'closed', 'done')", name="known_state"),
        CheckConstraint("envelope_cents > 0", name="positive_envelope"),
        CheckConstraint("ceiling_cents > 0 AND ceiling_cents <= envelope_cents", name="ceiling_within_envelope"),
        CheckConstraint("spend_within_days > 0", name="positive_spend_within"),
        CheckConstraint("committee_on >= apply_until", name="committee_after_applications"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    # None: the whole agglomeration; else the envelope of one commune.
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    envelope_cents: Mapped[int]
    ceiling_cents: Mapped[int]
    apply_until: Mapped[date] = mapped_column(Date)  # last day applications are accepted (included)
    committee_on: Mapped[date] = mapped_column(Date)
    spend_within_days: Mapped[int]  # after payment
    rules: Mapped[str] = mapped_column(Text, default="")  # plain text, shown escaped
    rules_easy: Mapped[str] = mapped_column(Text, default="")  # the easy-read version ("facile à lire")
    state: Mapped[str] = mapped_column(String(8), default=RoundState.DRAFT.value, index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    created_by: Mapped[Optional[User]] = relationship()
    members: Mapped[list["CommitteeMember"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="CommitteeMember.id")

    @property
    def state_enum(self) -> RoundState:
        return RoundState(self.state)

    @property
    def residents_in_majority(self) -> bool:
        residents = sum(1 for m in self.members if m.is_resident)
        return residents * 2 > len(self.members)


class CommitteeMember(Base):
    """A named account sitting on a round's committee."""

    __tablename__ = "fund_committee_member"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("fund_round.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_resident: Mapped[bool] = mapped_column(default=True)  # a resident, not staff nor an elected official

    round: Mapped[FundRound] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class FundApplication(Base):
    __tablename__ = "fund_application"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'decided')", name="known_status"),
        CheckConstraint("carrier_kind IN ('group', 'association')", name="known_carrier"),
        CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="positive_amount"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("fund_round.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.DRAFT.value, index=True)
    # A draft may be incomplete: submitting checks every field (labo.fund.services).
    title: Mapped[str] = mapped_column(String(140), default="")
    what: Mapped[str] = mapped_column(Text, default="")  # what they want to do (plain text)
    for_whom: Mapped[str] = mapped_column(Text, default="")  # who it is for
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"))
    starts_on: Mapped[Optional[date]] = mapped_column(Date)
    ends_on: Mapped[Optional[date]] = mapped_column(Date)
    amount_cents: Mapped[Optional[int]]  # asked
    # Who carries it: public, the group's or association's name ...
    carrier_kind: Mapped[str] = mapped_column(String(12), default=CarrierKind.GROUP.value)
    carrier_name: Mapped[str] = mapped_column(String(160), default="")
    # ... private (personal data): the named contact, seen by the referents,
    # the committee and administrators only, never by the COPIL but counted.
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")  # E.164 once checked
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # The account that owns it (the resident who applied); None once erased.
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Entered by a referent for a group met in person.
    entered_for_someone: Mapped[bool] = mapped_column(default=False)
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The "initiative" of the pot commun it came from.
    contribution_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("contribution.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    round: Mapped[FundRound] = relationship()
    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    qpv: Mapped[Optional[Qpv]] = relationship()
    applicant: Mapped[Optional[User]] = relationship(foreign_keys=[applicant_id])
    entered_by: Mapped[Optional[User]] = relationship(foreign_keys=[entered_by_id])
    contribution: Mapped[Optional[Contribution]] = relationship()
    lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="BudgetLine.position")
    opinion: Mapped[Optional["ReferentOpinion"]] = relationship(back_populates="application", cascade="all, delete-orphan")
    votes: Mapped[list["CommitteeVote"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="CommitteeVote.id")
    decision: Mapped[Optional["FundDecision"]] = relationship(back_populates="application", cascade="all, delete-orphan")
    report: Mapped[Optional["FundReport"]] = relationship(back_populates="application", cascade="all, delete-orphan")

    @property
    def status_enum(self) -> ApplicationStatus:
        return ApplicationStatus(self.status)

    @property
    def lines_total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


class BudgetLine(Base):
    """One line of an application's budget (3 to 5 when submitted)."""

    __tablename__ = "fund_budget_line"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("fund_application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(160))
    amount_cents: Mapped[int]

    application: Mapped[FundApplication] = relationship(back_populates="lines")


class ReferentOpinion(Base):
    """The commune's referent's opinion on an application, before the committee."""

    __tablename__ = "fund_opinion"
    __table_args__ = (
        CheckConstraint("kind IN ('favourable', 'reserved', 'unfavourable')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("fund_application.id", ondelete="CASCADE"), unique=True)
    referent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    application: Mapped[FundApplication] = relationship(back_populates="opinion")
    referent: Mapped[Optional[User]] = relationship()

    @property
    def kind_enum(self) -> OpinionKind:
        return OpinionKind(self.kind)


class CommitteeVote(Base):
    """A committee member's vote on an application: one per member and
    application, enforced by the database."""

    __tablename__ = "fund_vote"
    __table_args__ = (
        UniqueConstraint("member_id", "application_id"),
        CheckConstraint("choice IN ('for', 'against', 'abstain')", name="known_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("fund_application.id", ondelete="CASCADE"), index=True)
    # None once the member erased their account: the vote stays counted, unsigned
    member_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    choice: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[FundApplication] = relationship(back_populates="votes")
    member: Mapped[Optional[User]] = relationship()

    @property
    def choice_enum(self) -> VoteChoice:
        return VoteChoice(self.choice)


class FundDecision(Base):
    """The committee's decision on an application, then its payment."""

    __tablename__ = "fund_decision"
    __table_args__ = (
        CheckConstraint("outcome IN ('granted', 'refused')", name="known_outcome"),
        CheckConstraint("(outcome = 'granted' AND amount_granted_cents > 0) OR "
                        "(outcome = 'refused' AND amount_granted_cents = 0)", name="amount_matches_outcome"),
        CheckConstraint("paid_on IS NULL OR outcome = 'granted'", name="paid_only_if_granted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("fund_application.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(8))
    amount_granted_cents: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[str] = mapped_column(Text, default="")  # plain text, public once published
    # Entered by a referent from the meeting's paper decision, not from online votes.
    from_paper: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), index=True)
    paid_on: Mapped[Optional[date]] = mapped_column(Date)
    spend_by: Mapped[Optional[date]] = mapped_column(Date)  # paid_on + the round's spend_within_days
    # The alert before the spending deadline, sent once to the contact and the referent.
    deadline_alerted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    application: Mapped[FundApplication] = relationship(back_populates="decision")
    decided_by: Mapped[Optional[User]] = relationship()

    @property
    def outcome_enum(self) -> Outcome:
        return Outcome(self.outcome)


class FundReport(Base):
    """What the group did with the money, in a few words and photos; it may
    become an experience fiche in the toolbox (reviewed as fiches are)."""

    __tablename__ = "fund_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("fund_application.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)  # plain text, shown escaped
    posted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fiche_id: Mapped[Optional[int]] = mapped_column(ForeignKey("fiche.id", ondelete="SET NULL"), index=True)

    application: Mapped[FundApplication] = relationship(back_populates="report")
    posted_by: Mapped[Optional[User]] = relationship()
    photos: Mapped[list["FundReportPhoto"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="FundReportPhoto.id")


class FundReportPhoto(Base):
    """A report's photo, re-encoded without metadata (labo.core.photos), stored outside the web root."""

    __tablename__ = "fund_report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("fund_report.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[FundReport] = relationship(back_populates="photos")
