"""The reference for the board benchmark: a bare python-socketio server, no
Flask, no database, no token check, doing what the app's /board namespace
does on the wire and nothing else:

- connect: joins the board's public room and the participant's own room,
  emits a "state" of the app's shape (empty board) and a "me";
- "post_note": broadcasts a "note" of the app's shape to the public room,
  the author's copy (with client_key) to the author's own room, and acks
  {"ok": true, "created": true, "note": ...} — the same number of frames
  the app sends for a note, so that server CPU per delivered message
  compares the stacks, not the fan-out.

Served like the app, by one gevent worker on loopback:

    .venv/bin/gunicorn -k gevent -w 1 -b 127.0.0.1:8765 --chdir bench bare_server:app
"""
from __future__ import annotations

import itertools

import socketio

NAMESPACE = "/board"
COLUMNS = [{"id": 1, "title": "Ce qui va"}, {"id": 2, "title": "Ce qui manque"}, {"id": 3, "title": "Ce qu'on propose"}]

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None, max_http_buffer_size=64 * 1024)
_sio_app = socketio.WSGIApp(sio)


def app(environ, start_response):
    """Like the site (labo/__init__.py), no per-message compression: the
    comparison is of the two stacks, not of compressing or not."""
    environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    return _sio_app(environ, start_response)
_ids = itertools.count(1)
_participant_ids = itertools.count(1)


def _state(board_id: int) -> dict:
    return {
        "board": {"id": board_id, "code": "BENCH2", "title": "Bench", "phase": "writing", "locked": False,
                  "authors_visible": True, "private_writing": False, "dots_per_person": 3, "timer_left": None,
                  "focus": None},
        "columns": COLUMNS,
        "groups": [],
        "notes": [],
        "dots": {"note": {}, "group": {}},
        "counts": {},
        "participants": 0,
    }


@sio.on("connect", namespace=NAMESPACE)
def connect(sid, environ, auth=None):
    auth = auth if isinstance(auth, dict) else {}
    board_id = auth.get("board")
    if not isinstance(board_id, int):
        raise socketio.exceptions.ConnectionRefusedError("board-unknown", {"error": "board-unknown"})
    participant = next(_participant_ids)
    sio.save_session(sid, {"board": board_id, "participant": participant, "pseudonym": f"P{participant}"},
                     namespace=NAMESPACE)
    sio.enter_room(sid, f"b{board_id}", namespace=NAMESPACE)
    sio.enter_room(sid, f"b{board_id}:p{participant}", namespace=NAMESPACE)
    sio.emit("state", _state(board_id), to=sid, namespace=NAMESPACE)
    sio.emit("me", {"participant": participant, "pseudonym": f"P{participant}", "dots_left": 3,
                    "dots": {"note": {}, "group": {}}, "notes": []}, to=sid, namespace=NAMESPACE)


@sio.on("post_note", namespace=NAMESPACE)
def post_note(sid, data=None):
    data = data if isinstance(data, dict) else {}
    identity = sio.get_session(sid, namespace=NAMESPACE)
    board_id, participant = identity["board"], identity["participant"]
    text, client_key = data.get("text"), data.get("client_key")
    if not isinstance(text, str) or not text.strip() or not isinstance(client_key, str):
        return {"ok": False, "error": "note-required", "message": "Écrivez une note."}
    note = {"id": next(_ids), "column": data.get("column"), "text": text.strip(), "group": None,
            "author": identity["pseudonym"], "contribution": None}
    sio.emit("note", note, to=f"b{board_id}", namespace=NAMESPACE)
    own = dict(note, client_key=client_key, hidden=False)
    sio.emit("note", own, to=f"b{board_id}:p{participant}", namespace=NAMESPACE)
    return {"ok": True, "created": True, "note": dict(note, client_key=client_key)}
