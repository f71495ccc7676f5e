"""Questionnaires: a title, an introduction and questions of a few kinds,
answered online (with an account, or without anything when the manager
allows it), from a printed participation card, entered from a paper sheet by
a referent, or at the door by an ambassador or animator whose phone may be
offline. A questionnaire may hang on a process (a consultation by
questionnaire) or on a meeting (its satisfaction survey).

Integrity lives in the database: one response per account and questionnaire,
one per key made on a phone (a retried send never doubles), one value per
answer row, the kinds, channels, states and scale bounds checked."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.meetings.models import Meeting
from labo.processes.models import Process
from labo.territory.models import Commune, Qpv


class State(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    State.DRAFT: _l("En préparation"),
    State.OPEN: _l("Ouvert : on peut répondre"),
    State.CLOSED: _l("Fermé"),
}


class Kind(str, enum.Enum):
    ONE = "one"        # one choice
    MANY = "many"      # several choices
    SCALE = "scale"    # 1 to 5, each with its words
    TEXT = "text"      # a short text
    NUMBER = "number"  # a whole number

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])

    @property
    def has_choices(self) -> bool:
        return self in (Kind.ONE, Kind.MANY)


KIND_LABELS = {
    Kind.ONE: _l("Un seul choix"),
    Kind.MANY: _l("Plusieurs choix possibles"),
    Kind.SCALE: _l("Une note de 1 à 5"),
    Kind.TEXT: _l("Un texte court"),
    Kind.NUMBER: _l("Un nombre"),
}

# The scale's words, from 1 to 5.
SCALE_WORDS = (_l("Pas du tout"), _l("Plutôt non"), _l("Moyen"), _l("Plutôt oui"), _l("Tout à fait"))


class Channel(str, enum.Enum):
    ONLINE = "online"  # on the site, with an account or without anything
    CARD = "card"      # with a printed participation card's code (labo.cards)
    PAPER = "paper"    # a paper sheet, entered by a referent
    DOOR = "door"      # at the door, typed by an ambassador or animator

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.ONLINE: _l("Sur le site"),
    Channel.CARD: _l("Avec une carte de participation"),
    Channel.PAPER: _l("Sur papier"),
    Channel.DOOR: _l("Au porte-à-porte"),
}


class Questionnaire(Base):
    __tablename__ = "questionnaire"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'open', 'closed')", name="known_state"),
        CheckConstraint("process_id IS NULL OR meeting_id IS NULL", name="one_source"),
        CheckConstraint("NOT accepts_cards OR process_id IS NOT NULL", name="cards_need_process"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str] = mapped_column(Text, default="", server_default="")  # plain text
    state: Mapped[str] = mapped_column(String(8), default=State.DRAFT.value, server_default=State.DRAFT.value)
    # Whose referents manage it (None: the whole agglomeration, administrators).
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="RESTRICT"), index=True)
    process_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process.id", ondelete="SET NULL"), index=True)
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    allows_anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    accepts_cards: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")
    process: Mapped[Optional[Process]] = relationship()
    meeting: Mapped[Optional[Meeting]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    # Named by module: labo.processes has a Question too.
    questions: Mapped[list["QuestionnaireQuestion"]] = relationship(
        "labo.questionnaires.models.QuestionnaireQuestion", back_populates="questionnaire",
        order_by=lambda: [QuestionnaireQuestion.position, QuestionnaireQuestion.id],
        cascade="all, delete-orphan")

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def is_open(self) -> bool:
        return self.state == State.OPEN.value


class QuestionnaireQuestion(Base):
    __tablename__ = "questionnaire_question"
    __table_args__ = (
        # No UNIQUE on the position: moving a question swaps two of them, one
        # row at a time; the order is (position, id).
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("kind IN ('one', 'many', 'scale', 'text', 'number')", name="known_kind"),
        CheckConstraint("(kind IN ('one', 'many')) = (choices <> '')", name="choices_for_choice_kinds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(300))
    easy_read: Mapped[str] = mapped_column(String(300), default="", server_default="")  # a simpler wording
    required: Mapped[bool] = mapped_column(default=False, server_default=false())
    choices: Mapped[str] = mapped_column(Text, default="", server_default="")  # one per line

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)

    @property
    def choice_list(self) -> list[str]:
        return [line for line in self.choices.split("\n") if line]


class Response(Base):
    """One person's answers. `user_id` only online (a card, a paper sheet or
    the door names nobody); `entered_by_id` is who typed a paper or door one."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        CheckConstraint("channel IN ('online', 'card', 'paper', 'door')", name="known_channel"),
        CheckConstraint("user_id IS NULL OR channel = 'online'", name="account_only_online"),
        CheckConstraint("entered_by_id IS NULL OR channel IN ('paper', 'door')", name="entered_only_by_hand"),
        CheckConstraint("age_band IS NULL OR age_band IN ('under_18', '18_25', '26_44', '45_64', '65_plus')",
                        name="known_age_band"),
        # One response per account (a second click, two tabs, a retry: the database says no).
        UniqueConstraint("questionnaire_id", "user_id"),
        # A key made on a phone (door) or in the paper form: the same send again is the same response.
        UniqueConstraint("questionnaire_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(6))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         index=True)
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"))
    age_band: Mapped[Optional[str]] = mapped_column(String(16))
    client_key: Mapped[Optional[str]] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()
    commune: Mapped[Optional[Commune]] = relationship()
    qpv: Mapped[Optional[Qpv]] = relationship()
    answers: Mapped[list["Answer"]] = relationship("labo.questionnaires.models.Answer", back_populates="response",
                                                   cascade="all, delete-orphan")


class Answer(Base):
    """One value of a response to a question: a choice (one row per choice
    ticked), a scale's note, a number or a text — exactly one of them."""

    __tablename__ = "questionnaire_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", "choice"),
        CheckConstraint("scale IS NULL OR scale BETWEEN 1 AND 5", name="scale_1_to_5"),
        CheckConstraint("choice >= -1", name="choice_index"),
        CheckConstraint(
            "(CASE WHEN choice >= 0 THEN 1 ELSE 0 END) + (CASE WHEN scale IS NOT NULL THEN 1 ELSE 0 END)"
            " + (CASE WHEN number IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN text IS NOT NULL THEN 1 ELSE 0 END) = 1",
            name="one_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_question.id", ondelete="CASCADE"), index=True)
    choice: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")  # index in the choices; -1: none
    scale: Mapped[Optional[int]] = mapped_column(Integer)
    number: Mapped[Optional[int]] = mapped_column(Integer)
    text: Mapped[Optional[str]] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[QuestionnaireQuestion] = relationship()
