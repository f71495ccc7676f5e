"""Live workshop boards: a board and its columns, the people who joined it
with its code, their notes, the animator's groups and the participants' dots."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Commune

board_animator = Table(
    "workshop_board_animator",
    Base.metadata,
    Column("board_id", Integer, ForeignKey("workshop_board.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Phase(str, enum.Enum):
    WRITING = "writing"
    GROUPING = "grouping"
    VOTING = "voting"
    SYNTHESIS = "synthesis"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])

    @property
    def help(self) -> str:
        return str(PHASE_HELP[self])


PHASES = list(Phase)
PHASE_LABELS = {
    Phase.WRITING: _l("Écriture"),
    Phase.GROUPING: _l("Regroupement"),
    Phase.VOTING: _l("Vote par gommettes"),
    Phase.SYNTHESIS: _l("Synthèse"),
}
PHASE_HELP = {
    Phase.WRITING: _l("Écrivez vos idées : une idée par note."),
    Phase.GROUPING: _l("L'animation regroupe les notes qui vont ensemble."),
    Phase.VOTING: _l("Posez vos gommettes sur les notes ou les groupes qui comptent pour vous."),
    Phase.SYNTHESIS: _l("On regarde ensemble ce qui ressort."),
}
# What the wall and the phones show while the room votes: the dots as they
# land (the notes keep their order, so nobody follows the crowd), the notes
# ranked by dots as they land, or nothing but how many dots were placed
# until the synthesis ("blind": no herding at all).
VOTE_DISPLAYS = ("live", "ranked", "blind")
VOTE_DISPLAY_LABELS = {
    "live": _l("Gommettes visibles, notes à leur place"),
    "ranked": _l("Classement en direct : la plus votée en haut"),
    "blind": _l("Vote à l'aveugle : résultats à la synthèse"),
}
DEFAULT_COLUMNS = (_l("Ce qui va"), _l("Ce qui manque"), _l("Ce qu'on propose"))


class Board(Base):
    """A workshop's board, usually for a meeting; phones join it with `code`."""

    __tablename__ = "workshop_board"
    __table_args__ = (
        CheckConstraint("phase IN ('writing', 'grouping', 'voting', 'synthesis')", name="known_phase"),
        CheckConstraint("dots_per_person BETWEEN 1 AND 20", name="dots_range"),
        CheckConstraint("vote_display IN ('live', 'ranked', 'blind')", name="known_vote_display"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Six characters from an alphabet without look-alikes (no 0/O, 1/I/L).
    code: Mapped[str] = mapped_column(String(6), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    # Where ideas turned into contributions belong (the meeting's commune by default).
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    phase: Mapped[str] = mapped_column(String(16), default=Phase.WRITING.value)
    locked: Mapped[bool] = mapped_column(default=False)
    authors_visible: Mapped[bool] = mapped_column(default=True)
    # Private writing: each person sees only their own notes until the reveal.
    private_writing: Mapped[bool] = mapped_column(default=False)
    dots_per_person: Mapped[int] = mapped_column(default=3)
    vote_display: Mapped[str] = mapped_column(String(8), default="live", server_default="live")
    timer_ends_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # "Follow me": the group (or note) everyone's screen is brought to.
    focus_kind: Mapped[Optional[str]] = mapped_column(String(8))
    focus_id: Mapped[Optional[int]]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting = relationship("Meeting")
    commune: Mapped[Optional[Commune]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    animators: Mapped[list[User]] = relationship(secondary=board_animator, order_by="User.pseudonym_key")
    columns: Mapped[list["BoardColumn"]] = relationship(
        back_populates="board", order_by="BoardColumn.position", cascade="all, delete-orphan")

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def results_hidden(self) -> bool:
        """A blind vote under way: the dots' counts stay with the animators."""
        return self.vote_display == "blind" and self.phase == Phase.VOTING.value

    @property
    def target_commune(self) -> Optional[Commune]:
        if self.commune is not None:
            return self.commune
        return self.meeting.commune if self.meeting is not None else None


class BoardColumn(Base):
    __tablename__ = "workshop_column"
    __table_args__ = (UniqueConstraint("board_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("workshop_board.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(60))

    board: Mapped[Board] = relationship(back_populates="columns")


class Participant(Base):
    """Someone who joined with the code: a pseudonym for this board only, no
    account (the account's id is kept when a logged-in person joins)."""

    __tablename__ = "workshop_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("workshop_board.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoteGroup(Base):
    """Notes the animator put together, under a title."""

    __tablename__ = "workshop_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("workshop_board.id", ondelete="CASCADE"), index=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("workshop_column.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(80))
    contribution_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contribution.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Note(Base):
    __tablename__ = "workshop_note"
    __table_args__ = (
        # A phone that sends the same note twice (a retry after a dropped
        # connection) finds the first one: the id was made on the phone.
        UniqueConstraint("board_id", "client_key"),
        Index("ix_workshop_note_board_id_id", "board_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("workshop_board.id", ondelete="CASCADE"))
    column_id: Mapped[int] = mapped_column(ForeignKey("workshop_column.id", ondelete="CASCADE"))
    participant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_participant.id", ondelete="SET NULL"), index=True)
    client_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(280))
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_group.id", ondelete="SET NULL"), index=True)
    hidden: Mapped[bool] = mapped_column(default=False)
    contribution_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contribution.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    participant: Mapped[Optional[Participant]] = relationship()


class Dot(Base):
    """One of a participant's dots, on a note or a group. Each participant has
    `dots_per_person` numbered slots and a dot takes one: the UNIQUE
    (participant, slot) is what stops two phones of the same person (or a
    double tap) placing more dots than allowed."""

    __tablename__ = "workshop_dot"
    __table_args__ = (
        UniqueConstraint("participant_id", "slot"),
        CheckConstraint("slot >= 0", name="slot_positive"),
        CheckConstraint("(note_id IS NULL) <> (group_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("workshop_board.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("workshop_participant.id", ondelete="CASCADE"))
    slot: Mapped[int]
    note_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_note.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_group.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
