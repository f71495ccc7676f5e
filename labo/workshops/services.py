"""Operations on live workshop boards, free of Flask's request: the actor (an
animator's account, or a participant who joined with the code) is passed in;
each service validates, writes and flushes; the caller commits, and only
then broadcasts (labo/workshops/events.py), so nothing is ever shown that
is not in the database."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Optional

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import ERASED_LABEL, Role, RoleGrant, User
from labo.audit.services import audit_labels, record_audit
from labo.contributions.services import create_contribution
from labo.core.db import insert_ignoring_duplicates, utcnow, write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.core.sanitize import plain_text
from labo.extensions import db
from labo.meetings.models import Meeting, meeting_animator
from labo.permissions import is_admin, runs_workshops
from labo.privacy import personal_data, retention
from labo.territory.models import Commune
from labo.workshops.models import (
    Board,
    BoardColumn,
    DEFAULT_COLUMNS,
    Dot,
    Note,
    NoteGroup,
    Participant,
    Phase,
    VOTE_DISPLAYS,
    board_animator,
)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from the back of a hall
CODE_LENGTH = 6
TITLE_MAX = 120
COLUMN_MAX = 60
COLUMNS_MAX = 6
NOTE_MAX = 280
GROUP_TITLE_MAX = 80
PSEUDONYM_MAX = 40
NOTES_PER_PARTICIPANT = 60  # a flood stopper: a real person writes a few
TIMER_MAX = 4 * 3600
CLIENT_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,40}")


class WorkshopError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


# --- boards ----------------------------------------------------------------


def normalize_code(value: str) -> str:
    """What someone typed ("ab3 k9z", "ab3-k9z") as a code."""
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())[:CODE_LENGTH]


def board_by_code(value: str) -> Optional[Board]:
    code = normalize_code(value)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Board).where(Board.code == code))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_board(actor: User, *, title: str, columns: Iterable[str] = (), meeting=None,
                 commune: Optional[Commune] = None, dots_per_person: int = 3, private_writing: bool = False,
                 authors_visible: bool = True, vote_display: str = "live") -> Board:
    title = plain_text(title)
    if not title:
        raise WorkshopError("title-required", "title")
    if len(title) > TITLE_MAX:
        raise WorkshopError("title-too-long", "title")
    names = [plain_text(c) for c in columns if plain_text(c)] or [str(c) for c in DEFAULT_COLUMNS]
    if len(names) > COLUMNS_MAX:
        raise WorkshopError("too-many-columns", "columns")
    if any(len(n) > COLUMN_MAX for n in names):
        raise WorkshopError("column-too-long", "columns")
    if not 1 <= int(dots_per_person) <= 20:
        raise WorkshopError("dots-range", "dots_per_person")
    if vote_display not in VOTE_DISPLAYS:
        raise WorkshopError("vote-display-unknown", "vote_display")
    board = Board(title=title, meeting=meeting, commune=commune, dots_per_person=int(dots_per_person),
                  private_writing=bool(private_writing), authors_visible=bool(authors_visible),
                  vote_display=vote_display, created_by_id=actor.id)
    board.columns = [BoardColumn(position=i, title=n) for i, n in enumerate(names)]
    # The UNIQUE code, not a check-then-insert, settles a collision.
    for _attempt in range(20):
        board.code = _new_code()
        try:
            with db.session.begin_nested():
                db.session.add(board)
                db.session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 31**6 codes
        raise WorkshopError("code-exhausted")
    record_audit(actor, "workshop.created", "workshop_board", board.id, title=title)
    if meeting is not None:
        # Opened from a meeting: its animators (those who may run a workshop) co-animate it.
        for person in meeting.animators:
            if person.id != actor.id and person.active and runs_workshops(person):
                add_animator(actor, board, person)
    return board


def boards_for(user: User, *, limit: int = 100) -> list[Board]:
    """The boards a person animates, newest first."""
    query = select(Board).order_by(Board.created_at.desc(), Board.id.desc()).limit(limit)
    if not is_admin(user):
        meetings = select(meeting_animator.c.meeting_id).where(meeting_animator.c.user_id == user.id)
        own_meetings = select(Meeting.id).where(Meeting.created_by_id == user.id)
        co = select(board_animator.c.board_id).where(board_animator.c.user_id == user.id)
        query = query.where((Board.created_by_id == user.id) | Board.id.in_(co) | Board.meeting_id.in_(meetings)
                            | Board.meeting_id.in_(own_meetings))
    return list(db.session.scalars(query))


def boards_held(starts_at, ends_before) -> list[Board]:
    """Boards opened in the period that at least one person joined (for the COPIL's indicators)."""
    joined = select(Participant.board_id)
    return list(db.session.scalars(select(Board).where(Board.created_at >= starts_at, Board.created_at < ends_before,
                                                       Board.id.in_(joined)).order_by(Board.created_at)))


def boards_of_meeting(meeting) -> list[Board]:
    return list(db.session.scalars(select(Board).where(Board.meeting_id == meeting.id).order_by(Board.id)))


def co_animator_candidates(board: Board, limit: int = 300) -> list[User]:
    """Who may be asked to co-animate: animators, referents and administrators."""
    roles = (Role.ANIMATOR.value, Role.REFERENT.value, Role.ADMIN.value)
    taken = {u.id for u in board.animators} | {board.created_by_id}
    people = db.session.scalars(select(User).where(User.active.is_(True), User.grants.any(RoleGrant.role.in_(roles)))
                                .order_by(User.pseudonym_key).limit(limit))
    return [u for u in people if u.id not in taken]


def add_animator(actor: User, board: Board, user: User) -> None:
    if not runs_workshops(user):
        raise WorkshopError("not-an-animator", "user")
    if user not in board.animators and user.id != board.created_by_id:
        board.animators.append(user)
        record_audit(actor, "workshop.animator_added", "workshop_board", board.id, title=board.title, user=user.pseudonym)
    db.session.flush()


def remove_animator(actor: User, board: Board, user: User) -> None:
    if user in board.animators:
        board.animators.remove(user)
        record_audit(actor, "workshop.animator_removed", "workshop_board", board.id, title=board.title, user=user.pseudonym)
    db.session.flush()


# --- joining -----------------------------------------------------------------


def _serializer(config: Mapping) -> URLSafeSerializer:
    return URLSafeSerializer(config["SECRET_KEY"], salt="workshop-participant")


def participant_token(config: Mapping, participant: Participant) -> str:
    """The signed token a phone shows the socket server: this board, this participant."""
    return _serializer(config).dumps([participant.board_id, participant.id])


def participant_for_token(config: Mapping, board: Board, token: Optional[str]) -> Optional[Participant]:
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    try:
        board_id, participant_id = _serializer(config).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if board_id != board.id or not isinstance(participant_id, int):
        return None
    participant = db.session.get(Participant, participant_id)
    return participant if participant is not None and participant.board_id == board.id else None


def join_board(board: Board, pseudonym: str, user: Optional[User] = None) -> Participant:
    name = plain_text(pseudonym) if isinstance(pseudonym, str) else ""
    if not name:
        raise WorkshopError("pseudonym-required", "pseudonym")
    if len(name) > PSEUDONYM_MAX:
        raise WorkshopError("pseudonym-too-long", "pseudonym")
    board_id = board.id
    write_transaction()  # a hall joins at once: writers wait their turn on SQLite
    participant = Participant(board_id=board_id, pseudonym=name, user_id=user.id if user is not None else None)
    db.session.add(participant)
    db.session.flush()
    return participant


# --- notes -------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenNote:
    """A note as `write_note` wrote it (or found it, sent again), with what
    its screens need to be told, read in the same statement."""
    id: int
    board_id: int
    column: int
    text: str
    group: Optional[int]
    contribution: Optional[int]
    hidden: bool
    client_key: str
    participant_id: int
    pseudonym: str
    created: bool
    authors_visible: bool
    private_writing: bool


# Everything a note's checks read, in one statement: the board's state, the
# participant (and whether they belong to this board), whether the column is
# the board's, a note already written with this key, and how many notes this
# person wrote. A hall of 300 writes at once: five ORM round trips per note
# were most of what the app adds to the bare Socket.IO server (bench/README.md).
_NOTE_CHECK = (
    select(Board.locked, Board.phase, Board.authors_visible, Board.private_writing,
           Participant.pseudonym, Participant.board_id.label("participant_board"),
           select(BoardColumn.id).where(BoardColumn.id == bindparam("column"), BoardColumn.board_id == Board.id)
           .scalar_subquery().label("column_id"),
           select(Note.id).where(Note.board_id == Board.id, Note.client_key == bindparam("key"))
           .scalar_subquery().label("existing"),
           select(func.count(Note.id)).where(Note.participant_id == bindparam("participant"))
           .scalar_subquery().label("written"))
    .select_from(Board).outerjoin(Participant, Participant.id == bindparam("participant"))
    .where(Board.id == bindparam("board"))
)


def _clean_note_text(text) -> str:
    if not isinstance(text, str):
        return ""
    # Control characters out (PostgreSQL cannot store a NUL), spaces folded.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n"))
    return re.sub(r"[ \t]+", " ", text).strip()


def _found(row, key_note_id: int, participant_id: int) -> WrittenNote:
    """The note this key already wrote: only its own author gets it back."""
    note = db.session.get(Note, key_note_id)
    if note is None or note.participant_id != participant_id:
        raise WorkshopError("client-key-invalid")
    return WrittenNote(id=note.id, board_id=note.board_id, column=note.column_id, text=note.text, group=note.group_id,
                       contribution=note.contribution_id, hidden=note.hidden, client_key=note.client_key,
                       participant_id=participant_id, pseudonym=row.pseudonym, created=False,
                       authors_visible=row.authors_visible, private_writing=row.private_writing)


def write_note(board_id: int, participant_id: int, *, column_id, text, client_key) -> WrittenNote:
    """Write a participant's note: one read for every check, one INSERT. The
    same `client_key` sent again (a phone resending after a dropped
    connection, or twice at once) gives back the note already written, never
    a second one: the UNIQUE (board, key) settles it, not a check-then-insert."""
    if not isinstance(client_key, str) or not CLIENT_KEY_RE.fullmatch(client_key):
        raise WorkshopError("client-key-invalid")
    write_transaction()  # see labo.core.db: many phones post at once
    row = db.session.execute(_NOTE_CHECK, {"board": board_id, "participant": participant_id,
                                           "column": column_id if _is_id(column_id) else None,
                                           "key": client_key}).one_or_none()
    if row is None:
        raise WorkshopError("board-unknown")
    if row.participant_board != board_id:
        raise WorkshopError("token-invalid")
    if row.existing is not None:
        return _found(row, row.existing, participant_id)
    if row.locked:
        raise WorkshopError("board-locked")
    if row.phase != Phase.WRITING.value:
        raise WorkshopError("not-writing")
    if row.column_id is None:
        raise WorkshopError("column-unknown", "column")
    text = _clean_note_text(text)
    if not text:
        raise WorkshopError("note-required", "text")
    if len(text) > NOTE_MAX:
        raise WorkshopError("note-too-long", "text")
    if row.written >= NOTES_PER_PARTICIPANT:
        raise WorkshopError("too-many-notes")
    new_id = db.session.scalar(
        insert_ignoring_duplicates(Note, db.session.get_bind().dialect.name)
        .values(board_id=board_id, column_id=row.column_id, participant_id=participant_id,
                client_key=client_key, text=text, hidden=False, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[Note.board_id, Note.client_key]).returning(Note.id))
    if new_id is None:  # the same key, sent twice at once: the first one stands
        existing = db.session.scalar(select(Note.id).where(Note.board_id == board_id, Note.client_key == client_key))
        if existing is None:
            raise WorkshopError("client-key-invalid")
        return _found(row, existing, participant_id)
    return WrittenNote(id=new_id, board_id=board_id, column=row.column_id, text=text, group=None, contribution=None,
                       hidden=False, client_key=client_key, participant_id=participant_id, pseudonym=row.pseudonym,
                       created=True, authors_visible=row.authors_visible, private_writing=row.private_writing)


def post_note(board: Board, participant: Participant, *, column_id, text: str, client_key: str) -> tuple[Note, bool]:
    """`write_note` for the pages and the demo: returns (note, created)."""
    written = write_note(board.id, participant.id, column_id=column_id, text=text, client_key=client_key)
    return db.session.get(Note, written.id), written.created


def _is_id(value) -> bool:
    """Whether `value` can be a row's id (PostgreSQL answers a bigger number with an error, not "none")."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def get_note(board: Board, note_id) -> Note:
    note = db.session.get(Note, note_id) if _is_id(note_id) else None
    if note is None or note.board_id != board.id:
        raise WorkshopError("note-unknown")
    return note


def get_group(board: Board, group_id) -> NoteGroup:
    group = db.session.get(NoteGroup, group_id) if _is_id(group_id) else None
    if group is None or group.board_id != board.id:
        raise WorkshopError("group-unknown")
    return group


def hide_note(actor: User, board: Board, note: Note, hidden: bool = True) -> Note:
    """Moderation: a hidden note leaves every screen but the animators'."""
    note.hidden = bool(hidden)
    record_audit(actor, "workshop.note_hidden" if hidden else "workshop.note_restored", "workshop_board", board.id,
                 title=board.title, note=note.text[:120])
    db.session.flush()
    return note


def _drop_empty_group(group_id: Optional[int]) -> Optional[int]:
    """A group left with no note goes; returns its id if it went."""
    if group_id is None:
        return None
    left = db.session.scalar(select(func.count(Note.id)).where(Note.group_id == group_id))
    if left:
        return None
    db.session.execute(delete(Dot).where(Dot.group_id == group_id))
    db.session.execute(delete(NoteGroup).where(NoteGroup.id == group_id))
    return group_id


@dataclass
class Grouping:
    group: NoteGroup
    notes: list[Note]
    removed_group_id: Optional[int] = None
    created: bool = False


def group_notes(board: Board, note: Note, *, onto_note: Optional[Note] = None, onto_group: Optional[NoteGroup] = None,
                title: Optional[str] = "") -> Grouping:
    """Drag `note` onto another note (a new group of both) or onto a group."""
    if onto_note is None and onto_group is None:
        raise WorkshopError("group-target-required")
    if title is not None and not isinstance(title, str):
        raise WorkshopError("group-title-required", "title")
    previous = note.group_id
    created = False
    if onto_group is None:
        if onto_note.id == note.id:
            raise WorkshopError("group-self")
        if onto_note.group_id is not None:
            onto_group = db.session.get(NoteGroup, onto_note.group_id)
        else:
            name = plain_text(title or "") or onto_note.text[:GROUP_TITLE_MAX]
            onto_group = NoteGroup(board_id=board.id, column_id=onto_note.column_id, title=name[:GROUP_TITLE_MAX])
            db.session.add(onto_group)
            db.session.flush()
            onto_note.group_id = onto_group.id
            created = True
    note.group_id = onto_group.id
    note.column_id = onto_group.column_id
    db.session.flush()
    removed = _drop_empty_group(previous) if previous != onto_group.id else None
    db.session.flush()
    moved = [note] + ([onto_note] if created else [])
    return Grouping(group=onto_group, notes=moved, removed_group_id=removed, created=created)


def ungroup_note(board: Board, note: Note) -> Optional[int]:
    """Take a note out of its group; returns the group's id if the group went with it."""
    previous = note.group_id
    note.group_id = None
    db.session.flush()
    removed = _drop_empty_group(previous)
    db.session.flush()
    return removed


def rename_group(board: Board, group: NoteGroup, title: str) -> NoteGroup:
    name = plain_text(title) if isinstance(title, str) else ""
    if not name:
        raise WorkshopError("group-title-required", "title")
    if len(name) > GROUP_TITLE_MAX:
        raise WorkshopError("group-title-too-long", "title")
    group.title = name
    db.session.flush()
    return group


# --- dots --------------------------------------------------------------------


def _target(board: Board, kind: str, target_id) -> tuple[Optional[Note], Optional[NoteGroup]]:
    if kind == "note":
        note = get_note(board, target_id)
        if note.hidden:
            raise WorkshopError("note-unknown")
        return note, None
    if kind == "group":
        return None, get_group(board, target_id)
    raise WorkshopError("target-unknown")


def _lock_target(kind: str, target_id) -> None:
    """Dots on one note or group are counted one transaction after another:
    on PostgreSQL, where write_transaction() takes no lock, the target's row is
    locked until the commit (SQLite's BEGIN IMMEDIATE already serialises), so
    the count each change announces includes every dot committed before it."""
    model = Note if kind == "note" else NoteGroup if kind == "group" else None
    if model is not None and _is_id(target_id):
        db.session.execute(select(model.id).where(model.id == target_id).with_for_update())


def dots_left(board: Board, participant: Participant) -> int:
    used = db.session.scalar(select(func.count(Dot.id)).where(Dot.participant_id == participant.id))
    return max(0, board.dots_per_person - used)


def place_dot(board: Board, participant: Participant, kind: str, target_id) -> Dot:
    """One more dot on a note or a group; refused once the person's dots are all placed."""
    write_transaction()  # see labo.core.db: two phones of one person, at once
    if board.locked:
        raise WorkshopError("board-locked")
    if board.phase != Phase.VOTING.value:
        raise WorkshopError("not-voting")
    _lock_target(kind, target_id)
    note, group = _target(board, kind, target_id)
    for _attempt in range(board.dots_per_person + 1):
        used = set(db.session.scalars(select(Dot.slot).where(Dot.participant_id == participant.id)))
        free = [s for s in range(board.dots_per_person) if s not in used]
        if not free:
            raise WorkshopError("no-dots-left")
        dot = Dot(board_id=board.id, participant_id=participant.id, slot=free[0],
                  note_id=note.id if note else None, group_id=group.id if group else None)
        try:
            with db.session.begin_nested():
                db.session.add(dot)
                db.session.flush()
            return dot
        except IntegrityError:  # another phone of the same person took that slot: try the next
            continue
    raise WorkshopError("no-dots-left")


def remove_dot(board: Board, participant: Participant, kind: str, target_id) -> None:
    write_transaction()
    if board.locked:
        raise WorkshopError("board-locked")
    if board.phase != Phase.VOTING.value:
        raise WorkshopError("not-voting")
    column = Dot.note_id if kind == "note" else Dot.group_id if kind == "group" else None
    if column is None or not _is_id(target_id):
        raise WorkshopError("target-unknown")
    _lock_target(kind, target_id)
    dot_id = db.session.scalar(select(Dot.id).where(Dot.participant_id == participant.id, column == target_id)
                               .order_by(Dot.slot.desc()).limit(1))
    if dot_id is None:
        raise WorkshopError("no-dot-here")
    db.session.execute(delete(Dot).where(Dot.id == dot_id))
    db.session.flush()


def dot_count(board: Board, kind: str, target_id: int) -> int:
    column = Dot.note_id if kind == "note" else Dot.group_id
    return db.session.scalar(select(func.count(Dot.id)).where(Dot.board_id == board.id, column == target_id)) or 0


# --- steering ----------------------------------------------------------------


def set_phase(actor: User, board: Board, phase: str) -> Board:
    try:
        board.phase = Phase(phase).value
    except ValueError:
        raise WorkshopError("phase-unknown") from None
    board.timer_ends_at = None
    db.session.flush()
    return board


def set_timer(board: Board, seconds, *, elapsed: float = 0) -> Board:
    """Start a countdown of `seconds` (0 stops it), asked `elapsed` seconds
    ago: a request sent again ends the countdown when the first one would have."""
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= TIMER_MAX:
        raise WorkshopError("timer-range", "seconds")
    elapsed = min(max(float(elapsed), 0.0), float(seconds))
    board.timer_ends_at = utcnow() + timedelta(seconds=seconds - elapsed) if seconds else None
    db.session.flush()
    return board


def set_flags(board: Board, *, locked: Optional[bool] = None, authors_visible: Optional[bool] = None,
              private_writing: Optional[bool] = None, dots_per_person: Optional[int] = None,
              vote_display: Optional[str] = None) -> Board:
    if locked is not None:
        board.locked = bool(locked)
    if authors_visible is not None:
        board.authors_visible = bool(authors_visible)
    if private_writing is not None:
        board.private_writing = bool(private_writing)
    if vote_display is not None:
        if vote_display not in VOTE_DISPLAYS:
            raise WorkshopError("vote-display-unknown", "vote_display")
        board.vote_display = vote_display
    if dots_per_person is not None:
        if not isinstance(dots_per_person, int) or not 1 <= dots_per_person <= 20:
            raise WorkshopError("dots-range", "dots_per_person")
        used = db.session.scalar(select(func.max(Dot.slot)).where(Dot.board_id == board.id))
        if used is not None and used >= dots_per_person:
            raise WorkshopError("dots-already-placed", "dots_per_person")
        board.dots_per_person = dots_per_person
    db.session.flush()
    return board


def set_focus(board: Board, kind: Optional[str], target_id) -> Board:
    """"Follow me": bring every screen to one group or note (None: let go)."""
    if kind is None:
        board.focus_kind, board.focus_id = None, None
    else:
        note, group = _target(board, kind, target_id)
        board.focus_kind, board.focus_id = kind, (note or group).id
    db.session.flush()
    return board


# --- what each screen is shown -------------------------------------------------


def timer_left(board: Board) -> Optional[int]:
    if board.timer_ends_at is None:
        return None
    return max(0, int((board.timer_ends_at - utcnow()).total_seconds() + 0.999))


def public_view(board: Board) -> tuple:
    """What decides which notes and dots the public screens get: when it
    changes, they need the whole board again, not only its settings."""
    return board.authors_visible, board.private_writing, board.results_hidden


def board_payload(board: Board) -> dict:
    """The board's settings: phase, lock, timer, what is shown."""
    return {
        "id": board.id, "code": board.code, "title": board.title, "phase": board.phase, "locked": board.locked,
        "authors_visible": board.authors_visible, "private_writing": board.private_writing,
        "dots_per_person": board.dots_per_person, "vote_display": board.vote_display,
        "results_hidden": board.results_hidden,
        "timer_left": timer_left(board),
        "focus": {"kind": board.focus_kind, "id": board.focus_id} if board.focus_kind else None,
    }


def note_payload(board: Board, note: Note, *, animator: bool = False, author: Optional[str] = None) -> dict:
    """A note as a screen shows it. The author's pseudonym only when the
    board shows authors (always to animators); never a participant's id,
    which would let anyone tie anonymous notes together."""
    if author is None and note.participant is not None:
        author = note.participant.pseudonym
    return _note_fields(note.id, note.column_id, note.text, note.group_id, note.contribution_id, note.hidden,
                        author if (animator or board.authors_visible) else None, animator=animator)


def _note_fields(note_id: int, column: int, text: str, group: Optional[int], contribution: Optional[int],
                 hidden: bool, author: Optional[str], *, animator: bool) -> dict:
    payload = {"id": note_id, "column": column, "text": text, "group": group, "author": author,
               "contribution": contribution}
    if animator:
        payload["hidden"] = hidden
    return payload


def written_payload(note: WrittenNote, *, animator: bool = False, own: bool = False) -> dict:
    """`note_payload` for a note just written: for the animators, for its
    author (always signed, with its key) or for everyone else."""
    shown = animator or own or note.authors_visible
    payload = _note_fields(note.id, note.column, note.text, note.group, note.contribution, note.hidden,
                           note.pseudonym if shown else None, animator=animator)
    if own:
        payload["client_key"] = note.client_key
    return payload


def group_payload(group: NoteGroup) -> dict:
    return {"id": group.id, "column": group.column_id, "title": group.title, "contribution": group.contribution_id}


def _dot_counts(board: Board) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {"note": {}, "group": {}}
    rows = db.session.execute(select(Dot.note_id, Dot.group_id, func.count(Dot.id)).where(Dot.board_id == board.id)
                              .group_by(Dot.note_id, Dot.group_id))
    for note_id, group_id, n in rows:
        if note_id is not None:
            counts["note"][note_id] = n
        else:
            counts["group"][group_id] = n
    return counts


def column_counts(board: Board | int) -> dict[int, int]:
    board_id = board if isinstance(board, int) else board.id
    rows = db.session.execute(select(Note.column_id, func.count(Note.id))
                              .where(Note.board_id == board_id, Note.hidden.is_(False)).group_by(Note.column_id))
    return {column_id: n for column_id, n in rows}


def participant_count(board: Board) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(Participant.board_id == board.id)) or 0


def dots_cast(board: Board) -> int:
    return db.session.scalar(select(func.count(Dot.id)).where(Dot.board_id == board.id)) or 0


def state(board: Board, *, animator: bool = False) -> dict:
    """The whole board for one kind of screen: animators see hidden notes and
    authors; everyone else sees visible notes, and none while writing is
    private (each phone adds its own, from `personal_state`), and during a
    blind vote how many dots were placed, not where."""
    query = (select(Note, Participant.pseudonym).outerjoin(Participant, Participant.id == Note.participant_id)
             .where(Note.board_id == board.id).order_by(Note.id))
    if not animator:
        query = query.where(Note.hidden.is_(False))
    show_notes = animator or not board.private_writing
    notes = [note_payload(board, n, animator=animator, author=p) for n, p in db.session.execute(query)] if show_notes else []
    groups = list(db.session.scalars(select(NoteGroup).where(NoteGroup.board_id == board.id).order_by(NoteGroup.id)))
    dots = _dot_counts(board)
    cast = sum(dots["note"].values()) + sum(dots["group"].values())
    if board.results_hidden and not animator:
        dots = {"note": {}, "group": {}}
    return {
        "board": board_payload(board),
        "columns": [{"id": c.id, "title": c.title} for c in board.columns],
        "groups": [group_payload(g) for g in groups] if show_notes else [],
        "notes": notes,
        "dots": {"note": {str(k): v for k, v in dots["note"].items()}, "group": {str(k): v for k, v in dots["group"].items()}},
        "dots_cast": cast,
        "counts": {str(k): v for k, v in column_counts(board).items()},
        "participants": participant_count(board),
    }


def personal_state(board: Board, participant: Participant) -> dict:
    """What only this participant sees: their dots, and their own notes."""
    mine = list(db.session.scalars(select(Note).where(Note.participant_id == participant.id).order_by(Note.id)))
    # One query for the dots placed and the dots left, so the two always agree.
    dots = list(db.session.execute(select(Dot.note_id, Dot.group_id).where(Dot.participant_id == participant.id)))
    placed: dict[str, dict[str, int]] = {"note": {}, "group": {}}
    for note_id, group_id in dots:
        kind, key = ("note", str(note_id)) if note_id is not None else ("group", str(group_id))
        placed[kind][key] = placed[kind].get(key, 0) + 1
    return {
        "participant": participant.id, "pseudonym": participant.pseudonym,
        "dots_left": max(0, board.dots_per_person - len(dots)),
        "dots": placed,
        "notes": [dict(note_payload(board, n, author=participant.pseudonym), author=participant.pseudonym,
                       client_key=n.client_key, hidden=n.hidden) for n in mine],
    }


# --- after the workshop -------------------------------------------------------


@dataclass
class SummaryItem:
    title: str
    dots: int
    notes: list[Note] = field(default_factory=list)
    group: Optional[NoteGroup] = None
    note: Optional[Note] = None

    @property
    def contribution_id(self) -> Optional[int]:
        return (self.group or self.note).contribution_id


@dataclass
class ColumnSummary:
    column: BoardColumn
    items: list[SummaryItem]


def summary(board: Board) -> list[ColumnSummary]:
    """Per column, groups and lone notes by dots, most first (hidden notes left out).
    A group counts its own dots and those of its notes."""
    dots = _dot_counts(board)
    notes = list(db.session.scalars(select(Note).where(Note.board_id == board.id, Note.hidden.is_(False)).order_by(Note.id)))
    groups = {g.id: g for g in db.session.scalars(select(NoteGroup).where(NoteGroup.board_id == board.id))}
    out = []
    for column in board.columns:
        items: dict[tuple[str, int], SummaryItem] = {}
        for note in notes:
            if note.column_id != column.id:
                continue
            if note.group_id is not None and note.group_id in groups:
                group = groups[note.group_id]
                item = items.setdefault(("group", group.id), SummaryItem(group.title, dots["group"].get(group.id, 0), group=group))
                item.notes.append(note)
                item.dots += dots["note"].get(note.id, 0)
            else:
                items[("note", note.id)] = SummaryItem(note.text, dots["note"].get(note.id, 0), notes=[note], note=note)
        out.append(ColumnSummary(column, sorted(items.values(), key=lambda i: -i.dots)))
    return out


def export_rows(board: Board) -> list[list]:
    """The board as spreadsheet rows: one line per note, with its group and dots.
    No pseudonyms: the export goes into minutes."""
    rows: list[list] = [["colonne", "groupe", "note", "gommettes de la note", "gommettes du groupe (notes comprises)",
                         "contribution"]]
    dots = _dot_counts(board)
    for column in summary(board):
        for item in column.items:
            for note in item.notes:
                rows.append([column.column.title, item.group.title if item.group else "", note.text,
                             dots["note"].get(note.id, 0), item.dots if item.group else "",
                             note.contribution_id or (item.group.contribution_id if item.group else "") or ""])
    return rows


def minutes_text(board: Board, heading: str, dots_word: str) -> str:
    """The summary as plain text for the meeting's minutes (typed text, as the minutes form takes it)."""
    lines = [heading, ""]
    for column in summary(board):
        if not column.items:
            continue
        lines.append(column.column.title)
        for item in column.items:
            lines.append(f"- {item.title} ({item.dots} {dots_word})")
            if item.group is not None:
                lines.extend(f"  · {n.text}" for n in item.notes)
        lines.append("")
    return "\n".join(lines).strip()


def to_contributions(config: Mapping, actor: User, board: Board, *, note_ids: Iterable[int] = (),
                     group_ids: Iterable[int] = (), kind: str = "idee") -> list:
    """Turn chosen notes or groups into contributions of the idea base, typed
    in by the animator for the workshop, each keeping its link to the board.
    One already turned is not turned twice."""
    commune = board.target_commune
    if commune is None:
        raise WorkshopError("commune-required", "commune")
    made = []
    on_behalf = f"Atelier « {board.title} »"[:60]
    for group_id in group_ids:
        group = get_group(board, group_id)
        if group.contribution_id is not None:
            continue
        notes = db.session.scalars(select(Note).where(Note.group_id == group.id, Note.hidden.is_(False)).order_by(Note.id))
        body = "\n\n".join(n.text for n in notes) or group.title
        contribution = create_contribution(config, actor, kind=kind, title=group.title[:140], body=body, commune=commune,
                                           on_behalf_of=on_behalf, meeting=board.meeting)
        group.contribution_id = contribution.id
        made.append(contribution)
    for note_id in note_ids:
        note = get_note(board, note_id)
        if note.contribution_id is not None or note.hidden:
            continue
        title = note.text if len(note.text) <= 80 else note.text[:77].rstrip() + "…"
        contribution = create_contribution(config, actor, kind=kind, title=" ".join(title.split()), body=note.text,
                                           commune=commune, on_behalf_of=on_behalf, meeting=board.meeting)
        note.contribution_id = contribution.id
        made.append(contribution)
    if made:
        record_audit(actor, "workshop.to_contributions", "workshop_board", board.id, title=board.title, count=len(made))
    db.session.flush()
    return made


def origin_board_id(contribution_id):
    """The id of the board a contribution was turned from, or NULL: a scalar
    subquery (`contribution_id` an id or a bound parameter), so that a page
    reads it in a statement it runs anyway."""
    return (select(Note.board_id).where(Note.contribution_id == contribution_id)
            .union_all(select(NoteGroup.board_id).where(NoteGroup.contribution_id == contribution_id))
            .limit(1).scalar_subquery())


def board_by_id(board_id: Optional[int]) -> Optional[Board]:
    return db.session.get(Board, board_id) if board_id is not None else None


# --- personal data -------------------------------------------------------------


@personal_data.exporter
def export_for(user: User) -> dict:
    """Boards the person joined while logged in, with the pseudonym used and their notes."""
    out = []
    for p in db.session.scalars(select(Participant).where(Participant.user_id == user.id).order_by(Participant.id)):
        board = db.session.get(Board, p.board_id)
        notes = db.session.scalars(select(Note.text).where(Note.participant_id == p.id).order_by(Note.id))
        out.append({"board": board.title, "pseudonym": p.pseudonym, "joined_at": p.created_at.isoformat(),
                    "notes": list(notes)})
    return {"workshop_boards": out}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """On erasure, the pseudonyms used on boards go; the notes stay, unsigned."""
    db.session.execute(update(Participant).where(Participant.user_id == user.id)
                       .values(pseudonym=ERASED_LABEL, user_id=None))


ANONYMOUS_PSEUDONYM = "participant·e"


@retention.kind("WORKSHOP_PSEUDONYM", 365, _l("Le pseudonyme choisi pour un atelier en direct"),
                _l("après l'atelier : il est remplacé par « participant·e » ; les post-it restent."), rank=50)
def _purge_pseudonyms(config: Mapping, before: datetime, dry_run: bool) -> int:
    past = select(Board.id).where(Board.created_at < before)
    return retention.count(update(Participant).where(Participant.board_id.in_(past),
                                                     Participant.pseudonym.not_in([ANONYMOUS_PSEUDONYM, ERASED_LABEL]))
                           .values(pseudonym=ANONYMOUS_PSEUDONYM))


# What the audit page says for each action this feature writes.
audit_labels({
    "workshop.created": lambda d: _("Atelier en direct ouvert : « %(name)s »", name=d.name),
    "workshop.animator_added": lambda d: _("Co-animation de « %(name)s » confiée à %(user)s",
            name=d.name, user=d.get("user", "?")),
    "workshop.animator_removed": lambda d: _("Co-animation de « %(name)s » retirée à %(user)s",
            name=d.name, user=d.get("user", "?")),
    "workshop.note_hidden": lambda d: _("Post-it masqué sur « %(name)s » : « %(note)s »", name=d.name, note=d.get("note", "")),
    "workshop.note_restored": lambda d: _("Post-it rétabli sur « %(name)s » : « %(note)s »", name=d.name, note=d.get("note", "")),
    "workshop.to_contributions": lambda d: _("Post-it de « %(name)s » versés au pot commun : %(count)s",
            name=d.name, count=d.get("count", "")),
})
