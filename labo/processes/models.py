"""Participation processes (démarches): what is asked, at which level, of whom,
until when; the participations, ballots, opinions, proposals and questions
they gather; paper and workshop tallies; and the decider's return.

The secret ballot: `Participation` records *that* someone took part (one row
per person and process, enforced by a UNIQUE constraint); a secret `Ballot`
has a random id, no timestamp and no link to its participation, and both are
written in one transaction, so no query can tell whose ballot is whose."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
                        false, literal_column, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.core.levels import Level
from labo.territory.models import Ambition, Commune, Pillar, Qpv, Themed


class Method(str, enum.Enum):
    QUESTIONS = "questions"  # information: questions asked, answered publicly
    OPINIONS = "avis"  # consultation: favourable / réservé / défavorable, with a comment
    PROPOSALS = "proposals"  # concertation: proposals, supported, each answered
    SINGLE = "single"  # one choice
    APPROVAL = "approval"  # several choices
    MAJORITY_JUDGMENT = "majority_judgment"  # a grade for every option

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self])

    @property
    def is_ballot(self) -> bool:
        return self in (Method.SINGLE, Method.APPROVAL, Method.MAJORITY_JUDGMENT)


METHOD_LABELS = {
    Method.QUESTIONS: _l("Questions et réponses"),
    Method.OPINIONS: _l("Avis (favorable, réservé, défavorable)"),
    Method.PROPOSALS: _l("Propositions et soutiens"),
    Method.SINGLE: _l("Un seul choix"),
    Method.APPROVAL: _l("Plusieurs choix possibles (vote par approbation)"),
    Method.MAJORITY_JUDGMENT: _l("Jugement majoritaire (une mention pour chaque option)"),
}

# Which methods each level allows (the first is the default).
LEVEL_METHODS: dict[Level, tuple[Method, ...]] = {
    Level.INFORMATION: (Method.QUESTIONS,),
    Level.CONSULTATION: (Method.OPINIONS, Method.SINGLE, Method.APPROVAL, Method.MAJORITY_JUDGMENT),
    Level.CONCERTATION: (Method.PROPOSALS,),
    Level.CODECISION: (Method.MAJORITY_JUDGMENT, Method.SINGLE, Method.APPROVAL),
}


class Audience(str, enum.Enum):
    EVERYONE = "everyone"  # any account
    TERRITORY = "territory"  # accounts whose home commune or QPV is among the chosen ones


class Stance(str, enum.Enum):
    FAVOURABLE = "favorable"
    RESERVED = "reserve"
    UNFAVOURABLE = "defavorable"

    @property
    def label(self) -> str:
        return str(STANCE_LABELS[self])


STANCE_LABELS = {
    Stance.FAVOURABLE: _l("Favorable"),
    Stance.RESERVED: _l("Réservé"),
    Stance.UNFAVOURABLE: _l("Défavorable"),
}


class Channel(str, enum.Enum):
    ONLINE = "online"
    PAPER = "paper"
    WORKSHOP = "workshop"
    CARD = "card"  # a printed participation card's one-time code (labo.cards), without an account

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.ONLINE: _l("En ligne"),
    Channel.PAPER: _l("Sur papier"),
    Channel.WORKSHOP: _l("En atelier"),
    Channel.CARD: _l("Avec une carte"),
}
CARD = "card"  # Channel.CARD's value, for the partial indexes below


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


process_commune = Table(
    "process_commune",
    Base.metadata,
    Column("process_id", Integer, ForeignKey("process.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", Integer, ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)

process_qpv = Table(
    "process_qpv",
    Base.metadata,
    Column("process_id", Integer, ForeignKey("process.id", ondelete="CASCADE"), primary_key=True),
    Column("qpv_id", Integer, ForeignKey("qpv.id", ondelete="CASCADE"), primary_key=True),
)


class Process(Themed, Base):
    __tablename__ = "process"
    __table_args__ = (
        CheckConstraint(_in("level", [lv.value for lv in Level]), name="known_level"),
        CheckConstraint(_in("method", [m.value for m in Method]), name="known_method"),
        CheckConstraint(_in("audience", [a.value for a in Audience]), name="known_audience"),
        CheckConstraint(
            " OR ".join(f"(level = '{lv.value}' AND " + _in("method", [m.value for m in ms]) + ")"
                        for lv, ms in LEVEL_METHODS.items()),
            name="method_fits_level",
        ),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="positive_max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    question: Mapped[str] = mapped_column(String(300))
    context: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    easy_read: Mapped[str] = mapped_column(Text, default="")  # the rules in FALC, plain text, optional
    decider: Mapped[str] = mapped_column(String(160))  # a named body: conseil municipal, CALL, COPIL…
    level: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[str] = mapped_column(String(20))
    decision_rule: Mapped[str] = mapped_column(Text, default="")  # in plain words, shown before taking part
    secret: Mapped[bool] = mapped_column(default=False)
    max_choices: Mapped[Optional[int]]  # approval: at most this many (None: any number)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_by: Mapped[date]  # the decider's return is due by this date
    audience: Mapped[str] = mapped_column(String(16), default=Audience.EVERYONE.value)
    verified_only: Mapped[bool] = mapped_column(default=False)  # accounts verified in person by a referent
    # Printed participation cards (labo.cards) are accepted beside accounts.
    accepts_cards: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The commune that runs it (its referents manage it); None: the agglomeration (administrators).
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    pillar_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pillar.id", ondelete="SET NULL"))
    ambition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ambition.id", ondelete="SET NULL"))
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    published: Mapped[bool] = mapped_column(default=False)  # a draft is seen by its managers only
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Codécision: the result computed by the declared rule, frozen once published (JSON).
    result: Mapped[Optional[str]] = mapped_column(Text)
    result_published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # The decider's return: what was decided and how the participation weighed (sanitised HTML).
    return_text: Mapped[str] = mapped_column(Text, default="")
    return_published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    returned_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    pillar: Mapped[Optional[Pillar]] = relationship()
    ambition: Mapped[Optional[Ambition]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    returned_by: Mapped[Optional[User]] = relationship(foreign_keys=[returned_by_id])
    communes: Mapped[list[Commune]] = relationship(secondary=process_commune, order_by="Commune.slug")
    qpvs: Mapped[list[Qpv]] = relationship(secondary=process_qpv, order_by="Qpv.slug")
    options: Mapped[list["Option"]] = relationship(
        back_populates="process", order_by="Option.position", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def method_enum(self) -> Method:
        return Method(self.method)


class Option(Base):
    """A choice on the ballot (single, approval, majority judgment, or a
    consultation's question)."""

    __tablename__ = "process_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    process: Mapped[Process] = relationship(back_populates="options")


COMMENTED = "comment <> ''"  # an opinion with a comment (the partial index below)


class Participation(Base):
    """That a person took part in a process: one row per person and process.
    Holds the person's opinion (consultation) but never a secret ballot. The
    commune, QPV and age band are copied at the time, for aggregated figures."""

    __tablename__ = "participation"
    __table_args__ = (
        UniqueConstraint("process_id", "user_id"),
        CheckConstraint("stance IS NULL OR " + _in("stance", [s.value for s in Stance]), name="known_stance"),
        # A consultation's counts by stance, read from the index alone.
        Index("ix_participation_process_stance", "process_id", "stance"),
        # Its commented opinions, newest first under each stance, and how many
        # (processes.services.opinions, through HAS_COMMENT below).
        Index("ix_participation_commented", "process_id", "stance", "created_at", "id",
              postgresql_where=text(COMMENTED), sqlite_where=text(COMMENTED)),
        # The opinions given with a printed card, counted apart (ballots.results).
        Index("ix_participation_card", "process_id", "stance",
              postgresql_where=text(f"channel = '{CARD}'"), sqlite_where=text(f"channel = '{CARD}'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"))
    age_band: Mapped[Optional[str]] = mapped_column(String(16))
    stance: Mapped[Optional[str]] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    # "online" (an account) or "card" (a printed card's code: no account, user_id None)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.ONLINE.value, server_default=Channel.ONLINE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship()
    user: Mapped[Optional[User]] = relationship()
    commune: Mapped[Optional[Commune]] = relationship()
    qpv: Mapped[Optional[Qpv]] = relationship()


# The partial index's condition as an expression, for the queries that should use it:
# a literal '' (a bound parameter would not prove the condition in a generic plan).
HAS_COMMENT = Participation.comment != literal_column("''")


class Ballot(Base):
    """One online ballot. Secret: random id, no time, no participation link.
    Open (changeable until closing): linked to its participation."""

    __tablename__ = "ballot"
    # SQLite: no hidden rowid giving away the order ballots were cast in (rows are kept in id order)
    __table_args__ = (
        # The ballots cast with a printed card, counted apart (ballots.results).
        Index("ix_ballot_card", "process_id", postgresql_where=text(f"channel = '{CARD}'"),
              sqlite_where=text(f"channel = '{CARD}'")),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # secrets.token_urlsafe, never sequential
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    participation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("participation.id", ondelete="CASCADE"), unique=True)
    # "online" or "card": which channel counts it; like every secret ballot, nothing links it to a person or a code.
    channel: Mapped[str] = mapped_column(String(16), default=Channel.ONLINE.value, server_default=Channel.ONLINE.value)

    choices: Mapped[list["BallotChoice"]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", passive_deletes=True)


class BallotChoice(Base):
    """An option chosen (single, approval) or graded (majority judgment).
    No id of its own: a sequential one would follow the order of the
    participations and link a secret ballot back to its voter."""

    __tablename__ = "ballot_choice"
    # (option, grade): a process's results are counted from this index alone
    __table_args__ = (Index("ix_ballot_choice_option_grade", "option_id", "grade"), {"sqlite_with_rowid": False})

    ballot_id: Mapped[str] = mapped_column(ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("process_option.id", ondelete="CASCADE"), primary_key=True)
    grade: Mapped[Optional[str]] = mapped_column(String(16))  # a key of labo.processes.counting.GRADES

    ballot: Mapped[Ballot] = relationship(back_populates="choices")
    option: Mapped[Option] = relationship()


class Tally(Base):
    """A count made on paper or in a workshop, typed in by a referent."""

    __tablename__ = "process_tally"
    __table_args__ = (
        CheckConstraint(_in("channel", [Channel.PAPER.value, Channel.WORKSHOP.value]), name="known_channel"),
        CheckConstraint("participants >= 0", name="participants_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(160))
    held_on: Mapped[date]
    participants: Mapped[int]  # how many people took part on this sheet
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    photo_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)  # a photo of the sheet
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    commune: Mapped[Optional[Commune]] = relationship()
    entered_by: Mapped[Optional[User]] = relationship()
    lines: Mapped[list["TallyLine"]] = relationship(
        back_populates="tally", cascade="all, delete-orphan", passive_deletes=True)


class TallyLine(Base):
    """How many on this sheet chose an option, gave it a grade, or gave an opinion."""

    __tablename__ = "process_tally_line"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint("(option_id IS NULL) <> (stance IS NULL)", name="option_or_stance"),
        CheckConstraint("stance IS NULL OR " + _in("stance", [s.value for s in Stance]), name="known_stance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tally_id: Mapped[int] = mapped_column(ForeignKey("process_tally.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_option.id", ondelete="CASCADE"))
    grade: Mapped[Optional[str]] = mapped_column(String(16))
    stance: Mapped[Optional[str]] = mapped_column(String(16))
    count: Mapped[int]

    tally: Mapped[Tally] = relationship(back_populates="lines")
    option: Mapped[Optional[Option]] = relationship()


class Proposal(Base):
    """Concertation: a participant's proposal, supported by others, answered by the decider."""

    __tablename__ = "process_proposal"
    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('retenue', 'non_retenue')", name="known_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    hidden: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[Optional[str]] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])


class ProposalSupport(Base):
    __tablename__ = "process_proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("process_proposal.id", ondelete="CASCADE"), index=True)
    # An erased account's supports stay, unsigned: the count does not change.
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Question(Base):
    """Information: a question asked about the process, answered publicly."""

    __tablename__ = "process_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
