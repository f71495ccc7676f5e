"""The live board over Socket.IO: one namespace, `/board`, a thin layer over
labo.workshops.services (STYLE.md §9). The protocol is in docs/realtime.md.

- Connect: a phone shows the signed participant token it got when joining
  with the code; an animator's screen (console or projector) is recognised
  by its session cookie and `can("workshop.animate", board)`.
- Every event answers through its acknowledgement: {"ok": true, ...} or
  {"ok": false, "error": code, "message": the reason in the person's language}.
- Every write takes the write lock first (write_transaction: BEGIN IMMEDIATE
  on SQLite), the animators' as the phones', and is committed before
  anything is broadcast: what a screen shows is in the database.
- An action sent again with its key (a screen that got no answer) is
  answered as the first time and done once (`already_done`).
- Rooms: `b<id>` the public screens (phones and projector), `b<id>:a` the
  animators' consoles (hidden notes and authors shown), `b<id>:p<pid>` one
  participant's phones (their own notes while writing is private)."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager
from functools import wraps
from typing import Any, Callable, Optional

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from labo.core.db import write_transaction
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.permissions import can
from labo.workshops import services
from labo.workshops.forms import ERROR_MESSAGES
from labo.workshops.models import Board, Note, NoteGroup, Participant

NAMESPACE = "/board"
log = logging.getLogger("labo.workshops")


def public_room(board_id: int) -> str:
    return f"b{board_id}"


def animator_room(board_id: int) -> str:
    return f"b{board_id}:a"


def screen_room(board_id: int) -> str:
    """The projectors: they also show how many people joined."""
    return f"b{board_id}:v"


def participant_room(board_id: int, participant_id: int) -> str:
    return f"b{board_id}:p{participant_id}"


def _sio():
    return current_app.extensions["socketio"]


def _emit(event: str, data: Any, room: str) -> None:
    forget_state(event, room)  # sent after the commit: the board changed
    _sio().emit(event, data, namespace=NAMESPACE, to=room)


# --- the public board, built once per board and process -------------------------
# A hall joins at once: every phone's connection wants the whole board. It is
# built once per board in this process and kept until a change is seen, made
# here (`_emit`) or by another process (labo.core.realtime hands each message
# that comes through Redis to `forget_for_message`). Only what every public
# screen shares is kept; the board's own settings and how many joined are read
# afresh at each connection. While Redis is out of reach, changes made by the
# other processes go unseen: nothing is kept then, and everything is dropped
# when Redis comes back.

STATES_KEPT = 64  # boards whose state a process keeps
STATE_SECONDS = 30.0  # a safety net for a change made outside the live board (an erasure, a purge)
_UNCHANGING = frozenset({"people", "link", "me"})  # events that change nothing kept


class KeptStates:
    """The public states one app keeps (in app.extensions: two apps in one
    process, as in the tests, never share them), with a generation per board
    so that a state built while a change was sent is not kept."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._states: "OrderedDict[int, tuple[float, dict]]" = OrderedDict()
        self._generations: dict[int, int] = {}
        self._lock = threading.Lock()

    def get(self, board_id: int) -> tuple[Optional[dict], int]:
        with self._lock:
            kept = self._states.get(board_id)
            generation = self._generations.get(board_id, 0)
        if kept is not None and self.clock() - kept[0] < STATE_SECONDS:
            return kept[1], generation
        return None, generation

    def keep(self, board_id: int, generation: int, shared: dict) -> None:
        with self._lock:
            if self._generations.get(board_id, 0) != generation:
                return  # a change was seen while it was built
            self._states[board_id] = (self.clock(), shared)
            self._states.move_to_end(board_id)
            while len(self._states) > STATES_KEPT:
                self._states.popitem(last=False)

    def forget(self, board_id: int) -> None:
        with self._lock:
            self._states.pop(board_id, None)
            self._generations[board_id] = self._generations.get(board_id, 0) + 1

    def clear(self) -> None:
        with self._lock:
            for board_id in list(self._states):
                self._generations[board_id] = self._generations.get(board_id, 0) + 1
            self._states.clear()


def kept_states(app=None) -> KeptStates:
    app = app or current_app._get_current_object()
    kept = app.extensions.get("labo_board_states")
    if kept is None:
        kept = app.extensions.setdefault("labo_board_states", KeptStates())
    return kept


def _board_of_room(room: Optional[str]) -> Optional[int]:
    if not room or not room.startswith("b"):
        return None
    digits = room[1:].split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def forget_state(event: str, room: Optional[str], app=None) -> None:
    """A message about to be shown on a board's screens: what is kept of that board goes."""
    board_id = _board_of_room(room)
    if board_id is not None and event not in _UNCHANGING:
        kept_states(app).forget(board_id)


def public_state(board: Board) -> dict:
    """services.state(board) for a phone or a projector, its shared part kept
    between connections (see above)."""
    if not _linked():
        return services.state(board)
    kept = kept_states()
    shared, generation = kept.get(board.id)
    if shared is None:
        shared = services.state(board)
        kept.keep(board.id, generation, shared)
    return {**shared, "board": services.board_payload(board), "participants": services.participant_count(board)}


# --- broadcasts, for the socket handlers and the HTTP views alike ---------------
# A message is (event, data, room). Socket handlers build theirs before they
# commit (the objects are still loaded) and send them after: nothing is shown
# that is not in the database.

Message = tuple[str, Any, str]


def send(messages: list[Message]) -> None:
    for event, data, room in messages:
        _emit(event, data, room)


def note_messages(board: Board, note: Note) -> list[Message]:
    """A new or changed note, to each screen as it may see it."""
    messages: list[Message] = [("note", services.note_payload(board, note, animator=True), animator_room(board.id))]
    if note.participant_id is not None:
        own = dict(services.note_payload(board, note), author=note.participant.pseudonym if note.participant else None,
                   client_key=note.client_key, hidden=note.hidden)
        messages.append(("note", own, participant_room(board.id, note.participant_id)))
    if board.private_writing:
        messages.append(("counts", {str(k): v for k, v in services.column_counts(board).items()}, public_room(board.id)))
    elif note.hidden:
        messages.append(("note_removed", {"id": note.id}, public_room(board.id)))
    else:
        messages.append(("note", services.note_payload(board, note), public_room(board.id)))
    return messages


def written_messages(note: "services.WrittenNote") -> list[Message]:
    """`note_messages` for a note a phone just wrote, from what the write read."""
    board_id = note.board_id
    messages: list[Message] = [
        ("note", services.written_payload(note, animator=True), animator_room(board_id)),
        ("note", dict(services.written_payload(note, own=True), hidden=note.hidden),
         participant_room(board_id, note.participant_id)),
    ]
    if note.private_writing:
        messages.append(("counts", {str(k): v for k, v in services.column_counts(board_id).items()}, public_room(board_id)))
    else:
        messages.append(("note", services.written_payload(note), public_room(board_id)))
    return messages


def announce_note(board: Board, note: Note) -> None:
    send(note_messages(board, note))


def group_messages(board: Board, group: NoteGroup) -> list[Message]:
    payload = services.group_payload(group)
    messages: list[Message] = [("group", payload, animator_room(board.id))]
    if not board.private_writing:
        messages.append(("group", payload, public_room(board.id)))
    return messages


def group_removed_messages(board: Board, group_id: int) -> list[Message]:
    return [("group_removed", {"id": group_id}, room) for room in (animator_room(board.id), public_room(board.id))]


def grouping_messages(board: Board, grouping: "services.Grouping") -> list[Message]:
    """A note dragged onto another note or a group: the group, the notes that moved, a group left empty."""
    messages = group_messages(board, grouping.group)
    for moved in grouping.notes:
        messages += note_messages(board, moved)
    if grouping.removed_group_id:
        messages += group_removed_messages(board, grouping.removed_group_id)
    return messages


def ungrouped_messages(board: Board, note: Note, removed_group_id: Optional[int]) -> list[Message]:
    messages = note_messages(board, note)
    if removed_group_id:
        messages += group_removed_messages(board, removed_group_id)
    return messages


def announce_group(board: Board, group: NoteGroup) -> None:
    send(group_messages(board, group))


def announce_group_removed(board: Board, group_id: int) -> None:
    send(group_removed_messages(board, group_id))


def announce_grouping(board: Board, grouping: "services.Grouping") -> None:
    send(grouping_messages(board, grouping))


def announce_ungrouped(board: Board, note: Note, removed_group_id: Optional[int]) -> None:
    send(ungrouped_messages(board, note, removed_group_id))


def dot_messages(board: Board, kind: str, target_id: int, participant: Participant) -> list[Message]:
    """A dot placed or taken back: its new count for every screen, or, during
    a blind vote, only how many dots the room placed (the animators still see
    where)."""
    payload = {"kind": kind, "id": target_id, "count": services.dot_count(board, kind, target_id)}
    if board.results_hidden:
        shown: Message = ("dots_cast", {"count": services.dots_cast(board)}, public_room(board.id))
    else:
        shown = ("dots", payload, public_room(board.id))
    return [shown, ("dots", payload, animator_room(board.id)),
            ("me", services.personal_state(board, participant), participant_room(board.id, participant.id))]


def announce_dots(board: Board, kind: str, target_id: int, participant: Participant) -> None:
    send(dot_messages(board, kind, target_id, participant))


class _InTurn:
    """A lock taken in the order it was asked for (threading.Lock lets a
    newcomer overtake those already waiting: an animator's action could wait
    behind a whole room tapping)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()  # held for a few assignments, never while waiting
        self._waiting: deque = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            mine = threading.Lock()
            mine.acquire()
            self._waiting.append(mine)
        mine.acquire()  # released by the one before, who hands the lock over

    def __exit__(self, *exc) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


_board_turns: dict[int, _InTurn] = {}


@contextmanager
def board_in_turn(board_id: int):
    """In this process, a board's changes (dots, the animators' actions) are
    made, committed and announced one at a time: otherwise two changes
    committed in one order could be announced in the other, and the screens
    would keep the older one.

    Taken before the write lock, with no transaction open, never after:
    whoever holds the write lock (labo.core.db.WriteTurn) then never waits
    for a board, so the two never wait for each other; and the one holding a
    board waits for the database without holding a connection of the pool
    meanwhile."""
    with _board_turns.setdefault(board_id, _InTurn()):
        yield


@contextmanager
def dots_in_turn(board_id: int):
    """board_in_turn for the HTTP dot view, which read the board before: on
    SQLite, the transaction it holds (a writing request holds the write lock
    from its start) is ended first, so that the board is taken before the
    write lock there too."""
    session = db.session()  # the session itself, not its scoped proxy
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()
    with board_in_turn(board_id):
        yield


# --- actions done once: the key a screen gives each action it may send again ------
# A console, a projector or a phone sends each action with a key of its own
# making, and sends it again with the same key until it is acknowledged (a
# lost answer, a dropped connection, a server error). The process remembers,
# per board, the keys of the last actions it applied and their answers: an
# action sent again is answered as the first time, and applied and announced
# only once. (A phone's notes have their key in the database: client_key.)

ACTIONS_KEPT = 5000  # per board: a hall of 300 placing and moving its dots, and the animators
BOARDS_KEPT = 50  # the boards this process served last
_done: "OrderedDict[int, OrderedDict[tuple, dict]]" = OrderedDict()
_done_guard = threading.Lock()  # held for a few dictionary operations, never while waiting


def action_key(data: dict) -> Optional[str]:
    key = data.get("key")
    if key is None:
        return None
    if not isinstance(key, str) or not services.CLIENT_KEY_RE.fullmatch(key):
        raise ServiceError("action-key-invalid")
    return key


def already_done(board_id: int, who: str, key: Optional[str]) -> Optional[dict]:
    """The answer given to this action if this process already applied it."""
    if key is None:
        return None
    with _done_guard:
        answer = _done.get(board_id, {}).get((who, key))
    return None if answer is None else dict(answer, repeated=True)


def remember_done(board_id: int, who: str, key: Optional[str], answer: dict) -> None:
    if key is None:
        return
    with _done_guard:
        done = _done.get(board_id)
        if done is None:
            done = _done[board_id] = OrderedDict()
            while len(_done) > BOARDS_KEPT:
                _done.popitem(last=False)
        _done.move_to_end(board_id)
        done[(who, key)] = answer
        while len(done) > ACTIONS_KEPT:
            done.popitem(last=False)


def announce_people(board: Board) -> None:
    """Someone joined: the count of people, for the projector and the consoles
    only (a wave of 300 joins would otherwise send 300 × 300 frames to phones)."""
    payload = {"count": services.participant_count(board)}
    for room in (screen_room(board.id), animator_room(board.id)):
        _emit("people", payload, room)


def forget_for_message(app, message: dict) -> None:
    """A message of another process, through Redis (labo.core.realtime.SharedQueue,
    on its listening thread: `app` is given, there is no app context)."""
    if message.get("namespace") in (None, NAMESPACE):
        forget_state(message.get("event") or "", message.get("room"), app)


def announce_link(app, queue, linked: bool) -> None:
    """Redis went away or came back (labo.core.realtime): every screen of
    this process is told; once linked again, each fetches the whole board,
    for what the other processes did meanwhile never reached it."""
    kept_states(app).clear()  # what the other processes did meanwhile was not seen here
    queue.server.emit("link", {"linked": linked}, namespace=NAMESPACE, ignore_queue=True)


def _linked() -> bool:
    queue = getattr(_sio().server, "manager", None)
    return getattr(queue, "linked", True)


def board_messages(board: Board, *, whole: bool = False) -> list[Message]:
    """New settings; with `whole`, what the public screens show changed
    (authors, private writing, a blind vote's results): they get the whole
    board again."""
    payload = services.board_payload(board)
    messages: list[Message] = [("board", payload, animator_room(board.id))]
    if whole:
        messages.append(("state", services.state(board), public_room(board.id)))
    else:
        messages.append(("board", payload, public_room(board.id)))
    return messages


def announce_board(board: Board, *, whole: bool = False) -> None:
    send(board_messages(board, whole=whole))


# --- the namespace ----------------------------------------------------------------


def _message(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, ERROR_MESSAGES["server-error"]))


def _refusal(code: str) -> dict:
    return {"ok": False, "error": code, "message": _message(code)}


def _refused(code: str) -> ConnectionRefusedError:
    """A refused connection: the client's connect_error carries the reason and its code."""
    return ConnectionRefusedError(_message(code), {"error": code})


def acknowledged(handler: Callable) -> Callable:
    """Run an event handler: a service's refusal becomes a clear answer, an
    unexpected failure is logged and answered, and the session is rolled back."""

    @wraps(handler)
    def wrapped(self, data=None):
        try:
            return handler(self, data if isinstance(data, dict) else {})
        except ServiceError as error:
            db.session.rollback()
            return _refusal(error.code)
        except Exception:  # an answer, never a silent drop: the phone keeps its note and retries
            db.session.rollback()
            log.exception("board event %s failed", handler.__name__)
            return _refusal("server-error")

    return wrapped


def _int(value) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


class BoardNamespace(Namespace):
    def _identity(self) -> dict:
        return self.socketio.server.get_session(request.sid, namespace=self.namespace)

    def _board(self, identity: dict) -> Board:
        board = db.session.get(Board, identity["board"])
        if board is None:
            raise ServiceError("board-unknown")
        return board

    def _participant(self) -> tuple[Board, Participant]:
        identity = self._identity()
        if identity.get("role") != "participant":
            raise ServiceError("not-participant")
        board = self._board(identity)
        participant = db.session.get(Participant, identity["participant"])
        if participant is None or participant.board_id != board.id:
            raise ServiceError("token-invalid")
        return board, participant

    def _animated(self) -> Board:
        identity = self._identity()
        board = self._board(identity)
        # The account is read again at every event: a withdrawn right stops at once.
        if identity.get("role") not in ("animator", "projector") or not can(current_user, "workshop.animate", board):
            raise ServiceError("not-allowed")
        return board

    def on_connect(self, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        board_id = _int(auth.get("board"))
        board = db.session.get(Board, board_id) if board_id else None
        if board is None:
            raise _refused("board-unknown")
        view = auth.get("view")
        if view in ("animator", "projector"):
            if not can(current_user, "workshop.animate", board):
                raise _refused("not-allowed")
            identity = {"board": board.id, "role": view, "user": current_user.id}
            if view == "animator":
                join_room(animator_room(board.id))
            else:
                join_room(public_room(board.id))
                join_room(screen_room(board.id))
            payload = services.state(board, animator=True) if view == "animator" else public_state(board)
            personal = None
        else:
            participant = services.participant_for_token(current_app.config, board, auth.get("token"))
            if participant is None:
                raise _refused("token-invalid")
            identity = {"board": board.id, "role": "participant", "participant": participant.id}
            join_room(public_room(board.id))
            join_room(participant_room(board.id, participant.id))
            payload = public_state(board)
            personal = services.personal_state(board, participant)
        self.socketio.server.save_session(request.sid, identity, namespace=self.namespace)
        # The whole board at every (re)connection: a phone back from a dead
        # zone catches up with everything it missed.
        emit("state", payload)
        if personal is not None:
            emit("me", personal)
        if not _linked():
            emit("link", {"linked": False})
        db.session.rollback()

    @acknowledged
    def on_sync(self, data):
        identity = self._identity()
        board = self._board(identity)
        animator = identity.get("role") == "animator"
        answer = {"ok": True, "state": services.state(board, animator=True) if animator else public_state(board)}
        if identity.get("role") == "participant":
            _board, participant = self._participant()
            answer["me"] = services.personal_state(board, participant)
        return answer

    # participants

    @acknowledged
    def on_post_note(self, data):
        # The write lock, then one read for every check (the board, this
        # participant, the column, the key) and one INSERT: the note a hall
        # of 300 sends costs little more than its fan-out (bench/README.md).
        identity = self._identity()
        if identity.get("role") != "participant":
            raise ServiceError("not-participant")
        note = services.write_note(identity["board"], identity["participant"], column_id=_int(data.get("column")),
                                   text=data.get("text"), client_key=data.get("client_key"))
        messages = written_messages(note) if note.created else []
        db.session.commit()
        send(messages)
        return {"ok": True, "created": note.created, "note": services.written_payload(note, own=True)}

    def _dot(self, data: dict, change: Callable) -> dict:
        board_id = self._identity()["board"]
        with board_in_turn(board_id):  # the board first, then the write lock (see board_in_turn)
            write_transaction()
            board, participant = self._participant()
            # Nothing is read from the objects after the commit (it would expire them:
            # a query, and a connection from the pool, while the board is held).
            kind, target = data.get("kind"), _int(data.get("id"))
            key, who = action_key(data), f"p{participant.id}"
            done = already_done(board_id, who, key)
            if done is not None:  # sent again: the dot is already placed (or taken back)
                db.session.rollback()
                return done
            change(board, participant, kind, target)
            messages = dot_messages(board, kind, target, participant)
            answer = {"ok": True, "dots_left": messages[-1][1]["dots_left"]}
            db.session.commit()
            remember_done(board_id, who, key, answer)
            send(messages)
        return answer

    @acknowledged
    def on_place_dot(self, data):
        return self._dot(data, services.place_dot)

    @acknowledged
    def on_remove_dot(self, data):
        return self._dot(data, services.remove_dot)

    # animators

    def _steer(self, data: dict, change: Callable[[Board], tuple[dict, list[Message]]]) -> dict:
        """An animator's action, like a phone's dot: in the board's turn, the
        write lock before any read (on SQLite, a transaction that read before
        writing would fail with "database is locked" while phones post), then
        the right to animate, then the action unless its key was already
        done; what the screens are sent is built before the commit and sent
        after it."""
        board_id = self._identity()["board"]
        with board_in_turn(board_id):  # the board first, then the write lock (see board_in_turn)
            write_transaction()
            board = self._animated()
            key = action_key(data)  # (and nothing read from `board` after the commit)
            done = already_done(board_id, "a", key)
            if done is not None:
                if "board" in done:
                    done["board"] = services.board_payload(board)
                db.session.rollback()
                return done
            answer, messages = change(board)
            db.session.commit()
            remember_done(board_id, "a", key, answer)
            send(messages)
        return answer

    @acknowledged
    def on_set_phase(self, data):
        def change(board):
            before = services.public_view(board)
            services.set_phase(current_user, board, data.get("phase"))
            whole = services.public_view(board) != before
            return {"ok": True, "board": services.board_payload(board)}, board_messages(board, whole=whole)
        return self._steer(data, change)

    @acknowledged
    def on_set_timer(self, data):
        def change(board):
            # "age": how long ago (ms) the animator asked, as the screen counts: a
            # timer sent again ends when the first try would have made it end.
            age = data.get("age")
            elapsed = age / 1000 if isinstance(age, int) and not isinstance(age, bool) and 0 <= age <= 86_400_000 else 0
            services.set_timer(board, data.get("seconds"), elapsed=elapsed)
            return {"ok": True, "board": services.board_payload(board)}, board_messages(board)
        return self._steer(data, change)

    @acknowledged
    def on_set_flags(self, data):
        def change(board):
            before = services.public_view(board)
            flags = {k: data[k] for k in ("locked", "authors_visible", "private_writing") if isinstance(data.get(k), bool)}
            if "dots_per_person" in data:
                flags["dots_per_person"] = _int(data.get("dots_per_person")) or 0
            if "vote_display" in data:
                flags["vote_display"] = data["vote_display"] if isinstance(data["vote_display"], str) else ""
            services.set_flags(board, **flags)
            whole = services.public_view(board) != before
            return {"ok": True, "board": services.board_payload(board)}, board_messages(board, whole=whole)
        return self._steer(data, change)

    @acknowledged
    def on_set_focus(self, data):
        def change(board):
            kind = data.get("kind")
            services.set_focus(board, kind if kind in ("note", "group") else None, _int(data.get("id")))
            return {"ok": True, "board": services.board_payload(board)}, board_messages(board)
        return self._steer(data, change)

    @acknowledged
    def on_hide_note(self, data):
        def change(board):
            note = services.get_note(board, _int(data.get("id")))
            services.hide_note(current_user, board, note, data.get("hidden", True) is not False)
            return {"ok": True}, note_messages(board, note)
        return self._steer(data, change)

    @acknowledged
    def on_group_note(self, data):
        def change(board):
            note = services.get_note(board, _int(data.get("note")))
            onto_note = services.get_note(board, _int(data.get("onto_note"))) if data.get("onto_note") is not None else None
            onto_group = (services.get_group(board, _int(data.get("onto_group")))
                          if data.get("onto_group") is not None else None)
            grouping = services.group_notes(board, note, onto_note=onto_note, onto_group=onto_group,
                                            title=data.get("title"))
            return {"ok": True, "group": services.group_payload(grouping.group)}, grouping_messages(board, grouping)
        return self._steer(data, change)

    @acknowledged
    def on_ungroup_note(self, data):
        def change(board):
            note = services.get_note(board, _int(data.get("note")))
            removed = services.ungroup_note(board, note)
            return {"ok": True}, ungrouped_messages(board, note, removed)
        return self._steer(data, change)

    @acknowledged
    def on_rename_group(self, data):
        def change(board):
            group = services.rename_group(board, services.get_group(board, _int(data.get("group"))), data.get("title"))
            return {"ok": True, "group": services.group_payload(group)}, group_messages(board, group)
        return self._steer(data, change)
