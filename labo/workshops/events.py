"""The live board over Socket.IO: one namespace, `/board`, a thin layer over
labo.workshops.services (STYLE.md §9). The protocol is in docs/realtime.md.

- Connect: a phone shows the signed participant token it got when joining
  with the code; an animator's screen (console or projector) is recognised
  by its session cookie and `can("workshop.animate", board)`.
- Every event answers through its acknowledgement: {"ok": true, ...} or
  {"ok": false, "error": code, "message": the reason in the person's language}.
- Every write is committed before anything is broadcast: what a screen shows
  is in the database.
- Rooms: `b<id>` the public screens (phones and projector), `b<id>:a` the
  animators' consoles (hidden notes and authors shown), `b<id>:p<pid>` one
  participant's phones (their own notes while writing is private)."""
from __future__ import annotations

import logging
import threading
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
    _sio().emit(event, data, namespace=NAMESPACE, to=room)


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


def announce_note(board: Board, note: Note) -> None:
    send(note_messages(board, note))


def announce_group(board: Board, group: NoteGroup) -> None:
    payload = services.group_payload(group)
    _emit("group", payload, animator_room(board.id))
    if not board.private_writing:
        _emit("group", payload, public_room(board.id))


def announce_group_removed(board: Board, group_id: int) -> None:
    for room in (animator_room(board.id), public_room(board.id)):
        _emit("group_removed", {"id": group_id}, room)


def announce_grouping(board: Board, grouping: "services.Grouping") -> None:
    """A note dragged onto another note or a group: the group, the notes that moved, a group left empty."""
    announce_group(board, grouping.group)
    for moved in grouping.notes:
        announce_note(board, moved)
    if grouping.removed_group_id:
        announce_group_removed(board, grouping.removed_group_id)


def announce_ungrouped(board: Board, note: Note, removed_group_id: Optional[int]) -> None:
    announce_note(board, note)
    if removed_group_id:
        announce_group_removed(board, removed_group_id)


def dot_messages(board: Board, kind: str, target_id: int, participant: Participant) -> list[Message]:
    payload = {"kind": kind, "id": target_id, "count": services.dot_count(board, kind, target_id)}
    return [("dots", payload, public_room(board.id)), ("dots", payload, animator_room(board.id)),
            ("me", services.personal_state(board, participant), participant_room(board.id, participant.id))]


def announce_dots(board: Board, kind: str, target_id: int, participant: Participant) -> None:
    send(dot_messages(board, kind, target_id, participant))


_dot_turns: dict[int, threading.Lock] = {}


@contextmanager
def dots_in_turn(board_id: int):
    """In this process, a board's dots are changed, committed and announced
    one change at a time: otherwise two votes committed in one order could be
    announced in the other, and the screens would keep the older count."""
    with _dot_turns.setdefault(board_id, threading.Lock()):
        yield


def announce_people(board: Board) -> None:
    """Someone joined: the count of people, for the projector and the consoles
    only (a wave of 300 joins would otherwise send 300 × 300 frames to phones)."""
    payload = {"count": services.participant_count(board)}
    for room in (screen_room(board.id), animator_room(board.id)):
        _emit("people", payload, room)


def announce_link(queue, linked: bool) -> None:
    """Redis went away or came back (labo.core.realtime): every screen of
    this process is told; once linked again, each fetches the whole board,
    for what the other processes did meanwhile never reached it."""
    queue.server.emit("link", {"linked": linked}, namespace=NAMESPACE, ignore_queue=True)


def _linked() -> bool:
    queue = getattr(_sio().server, "manager", None)
    return getattr(queue, "linked", True)


def announce_board(board: Board, *, whole: bool = False) -> None:
    """New settings; with `whole`, what the public screens show changed
    (authors, private writing): they get the whole board again."""
    _emit("board", services.board_payload(board), animator_room(board.id))
    if whole:
        _emit("state", services.state(board), public_room(board.id))
    else:
        _emit("board", services.board_payload(board), public_room(board.id))


# --- the namespace ----------------------------------------------------------------


def _message(code: str) -> str:
    from labo.workshops.forms import ERROR_MESSAGES

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
            payload = services.state(board, animator=view == "animator")
            personal = None
        else:
            participant = services.participant_for_token(current_app.config, board, auth.get("token"))
            if participant is None:
                raise _refused("token-invalid")
            identity = {"board": board.id, "role": "participant", "participant": participant.id}
            join_room(public_room(board.id))
            join_room(participant_room(board.id, participant.id))
            payload = services.state(board)
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
        answer = {"ok": True, "state": services.state(board, animator=identity.get("role") == "animator")}
        if identity.get("role") == "participant":
            _board, participant = self._participant()
            answer["me"] = services.personal_state(board, participant)
        return answer

    # participants

    @acknowledged
    def on_post_note(self, data):
        # The write lock first, then the reads: one transaction, nothing read twice.
        write_transaction()
        board, participant = self._participant()
        note, created = services.post_note(board, participant, column_id=_int(data.get("column")),
                                           text=data.get("text"), client_key=data.get("client_key"))
        messages = note_messages(board, note) if created else []
        payload = dict(services.note_payload(board, note, author=participant.pseudonym), author=participant.pseudonym,
                       client_key=note.client_key)
        db.session.commit()
        send(messages)
        return {"ok": True, "created": created, "note": payload}

    def _dot(self, data: dict, change: Callable) -> dict:
        write_transaction()
        board, participant = self._participant()
        kind, target = data.get("kind"), _int(data.get("id"))
        with dots_in_turn(board.id):
            change(board, participant, kind, target)
            messages = dot_messages(board, kind, target, participant)
            dots_left = messages[-1][1]["dots_left"]
            db.session.commit()
            send(messages)
        return {"ok": True, "dots_left": dots_left}

    @acknowledged
    def on_place_dot(self, data):
        return self._dot(data, services.place_dot)

    @acknowledged
    def on_remove_dot(self, data):
        return self._dot(data, services.remove_dot)

    # animators

    @acknowledged
    def on_set_phase(self, data):
        board = self._animated()
        services.set_phase(current_user, board, data.get("phase"))
        db.session.commit()
        announce_board(board)
        return {"ok": True, "board": services.board_payload(board)}

    @acknowledged
    def on_set_timer(self, data):
        board = self._animated()
        services.set_timer(board, data.get("seconds"))
        db.session.commit()
        announce_board(board)
        return {"ok": True, "board": services.board_payload(board)}

    @acknowledged
    def on_set_flags(self, data):
        board = self._animated()
        before = (board.authors_visible, board.private_writing)
        flags = {k: data[k] for k in ("locked", "authors_visible", "private_writing") if isinstance(data.get(k), bool)}
        if "dots_per_person" in data:
            flags["dots_per_person"] = _int(data.get("dots_per_person")) or 0
        services.set_flags(board, **flags)
        db.session.commit()
        announce_board(board, whole=(board.authors_visible, board.private_writing) != before)
        return {"ok": True, "board": services.board_payload(board)}

    @acknowledged
    def on_set_focus(self, data):
        board = self._animated()
        kind = data.get("kind")
        services.set_focus(board, kind if kind in ("note", "group") else None, _int(data.get("id")))
        db.session.commit()
        announce_board(board)
        return {"ok": True, "board": services.board_payload(board)}

    @acknowledged
    def on_hide_note(self, data):
        board = self._animated()
        note = services.get_note(board, _int(data.get("id")))
        services.hide_note(current_user, board, note, data.get("hidden", True) is not False)
        db.session.commit()
        announce_note(board, note)
        return {"ok": True}

    @acknowledged
    def on_group_note(self, data):
        board = self._animated()
        note = services.get_note(board, _int(data.get("note")))
        onto_note = services.get_note(board, _int(data.get("onto_note"))) if data.get("onto_note") is not None else None
        onto_group = services.get_group(board, _int(data.get("onto_group"))) if data.get("onto_group") is not None else None
        grouping = services.group_notes(board, note, onto_note=onto_note, onto_group=onto_group,
                                        title=data.get("title"))
        db.session.commit()
        announce_grouping(board, grouping)
        return {"ok": True, "group": services.group_payload(grouping.group)}

    @acknowledged
    def on_ungroup_note(self, data):
        board = self._animated()
        note = services.get_note(board, _int(data.get("note")))
        removed = services.ungroup_note(board, note)
        db.session.commit()
        announce_ungrouped(board, note, removed)
        return {"ok": True}

    @acknowledged
    def on_rename_group(self, data):
        board = self._animated()
        group = services.rename_group(board, services.get_group(board, _int(data.get("group"))), data.get("title"))
        db.session.commit()
        announce_group(board, group)
        return {"ok": True, "group": services.group_payload(group)}
