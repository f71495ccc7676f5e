"""Live board tests: the site served on a local port by werkzeug (threaded,
as `flask run` serves it), and real Socket.IO clients over websocket, one per
screen: phones, the animator's console, the projector.

Boards and participants are made with labo.workshops.services in the test's
own app context and committed, so the server's threads see them; what the
server wrote is read back after `db.session.rollback()` (a fresh snapshot)."""
from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any, Callable, Optional

import pytest
import socketio
from flask import Flask
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.extensions import db
from labo.workshops import services
from labo.workshops.events import NAMESPACE
from labo.workshops.models import Board, Participant
from tests.conftest import Auth
from tests.factories import PASSWORD, create_user

WAIT = 5.0  # seconds: the longest any screen waits for an event or an answer


@pytest.fixture(scope="session", autouse=True)
def quick_websocket_close():
    """websocket-client waits up to 3 s for the server to answer its closing
    frame, and the development server often has already let the connection go
    (it then reads the frame as a bad HTTP request and logs a 400). A screen
    leaving is not what these tests are about: wait 0.2 s at most."""
    import websocket

    original = websocket.WebSocket.close

    def close(self, status=websocket.STATUS_NORMAL, reason=b"", timeout=0.2):
        return original(self, status, reason, timeout)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(websocket.WebSocket, "close", close)
        yield


@pytest.fixture(scope="session")
def live_url(app):
    """The suite's app on 127.0.0.1 and a free port, in a daemon thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="labo-board-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Screen:
    """One screen on a board: a real Socket.IO client on the /board namespace,
    over websocket, that keeps every event it receives, in order."""

    def __init__(self, url: str, name: str, **options):
        self.url = url
        self.name = name
        self.client = socketio.Client(reconnection=False, **options)
        self.events: list[tuple[str, Any]] = []
        self.refusal: Optional[dict] = None
        self._inspectors: dict[str, Callable[[Any], None]] = {}
        self._changed = threading.Condition()
        self.client.on("*", self._record, namespace=NAMESPACE)
        self.client.on("connect_error", self._refused, namespace=NAMESPACE)
        self.client.on("disconnect", self._disconnected, namespace=NAMESPACE)
        self._auth: Optional[dict] = None
        self._headers: dict = {}

    def __repr__(self) -> str:
        return f"<Screen {self.name}>"

    # receiving

    def _record(self, event: str, data: Any = None) -> None:
        inspector = self._inspectors.get(event)
        if inspector is not None:
            inspector(data)  # on the client's reading thread, as the event arrives
        with self._changed:
            self.events.append((event, data))
            self._changed.notify_all()

    def _refused(self, data: Any = None) -> None:
        with self._changed:
            self.refusal = data if isinstance(data, dict) else {"message": data}
            self._changed.notify_all()

    def _disconnected(self, reason: Any = None) -> None:
        with self._changed:
            self._changed.notify_all()

    def inspect(self, event: str, inspector: Callable[[Any], None]) -> None:
        """Run `inspector(payload)` the moment `event` arrives, before the test sees it."""
        self._inspectors[event] = inspector

    def mark(self) -> int:
        """A point in this screen's history: `wait_for(..., since=mark)` looks only after it."""
        with self._changed:
            return len(self.events)

    def received(self, event: str, where: Callable[[Any], bool] = lambda p: True, since: int = 0) -> list:
        with self._changed:
            return [p for e, p in self.events[since:] if e == event and where(p)]

    def wait_for(self, event: str, where: Callable[[Any], bool] = lambda p: True, since: int = 0,
                 timeout: float = WAIT) -> Any:
        """The first `event` (after `since`) whose payload satisfies `where`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for e, p in self.events[since:]:
                    if e == event and where(p):
                        return p
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [e for e, _ in self.events[since:]]
                    raise AssertionError(f"{self.name} received no matching {event!r} within {timeout} s; "
                                         f"it received {seen}")
                self._changed.wait(left)

    def last(self, event: str) -> Any:
        """The latest `event` received: what the screen shows now."""
        found = self.received(event)
        assert found, f"{self.name} received no {event!r}"
        return found[-1]

    def saw_text(self, text: str) -> bool:
        """Whether `text` reached this screen at all, in any event."""
        with self._changed:
            return text in json.dumps(self.events, ensure_ascii=False)

    # sending

    def connect(self, auth: dict, headers: Optional[dict] = None) -> "Screen":
        self._auth, self._headers = auth, dict(headers or {})
        self.client.connect(self.url, auth=auth, headers=dict(self._headers), namespaces=[NAMESPACE],
                            transports=["websocket"], wait_timeout=WAIT)
        return self

    def reconnect(self) -> "Screen":
        return self.connect(self._auth, self._headers)

    def call(self, event: str, data: Any = None) -> Any:
        """Emit `event` and return the server's acknowledgement."""
        return self.client.call(event, data, namespace=NAMESPACE, timeout=WAIT)

    def emit(self, event: str, data: Any = None, callback: Optional[Callable] = None) -> None:
        self.client.emit(event, data, namespace=NAMESPACE, callback=callback)

    def sync(self) -> dict:
        """A round trip: every event the server sent this screen before it has arrived."""
        answer = self.call("sync")
        assert answer["ok"], answer
        return answer

    def drop(self) -> None:
        """The connection dies (a phone in a dead zone): no goodbye, the socket just goes."""
        self.client.eio.ws.sock.shutdown(socket.SHUT_RDWR)
        self.wait_disconnected()

    def wait_disconnected(self, timeout: float = WAIT) -> None:
        """Until this screen has noticed its connection is gone."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.client.connected and time.monotonic() < deadline:
                self._changed.wait(0.05)
        assert not self.client.connected, f"{self.name} is still connected after {timeout} s"
        # Let the client's own threads finish before it connects again.
        self.client.eio.disconnect(abort=True)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # pragma: no cover - already gone
            pass


class Workshop:
    """Builds boards and the screens on them for one test; closes every screen at the end."""

    def __init__(self, app: Flask, url: str):
        self.app = app
        self.url = url
        self.screens: list[Screen] = []
        self._animator = None

    # data, committed so that the server's threads see it

    @property
    def animator(self):
        """The account that opens the boards (an animator)."""
        if self._animator is None:
            self._animator = create_user(pseudonym="Claire Animatrice", roles=[(Role.ANIMATOR, None)])
        return self._animator

    def board(self, **options) -> Board:
        options.setdefault("title", "Atelier du quartier")
        self.fresh()
        board = services.create_board(self.animator, **options)
        db.session.commit()
        return board

    def set(self, board: Board, **fields) -> None:
        """Change the board directly in the database (the test's setting, not a screen's action)."""
        self.fresh()
        for name, value in fields.items():
            setattr(board, name, value)
        db.session.commit()

    def join(self, board: Board, pseudonym: str) -> tuple[Participant, str]:
        self.fresh()
        participant = services.join_board(board, pseudonym)
        db.session.commit()
        return participant, services.participant_token(self.app.config, participant)

    def column(self, board: Board, position: int = 0) -> int:
        return board.columns[position].id

    def fresh(self):
        """End the test's transaction: what it reads next is what the server committed.
        (On SQLite, a write in a transaction whose snapshot predates the
        server's last commit would fail: "database is locked".)"""
        db.session.rollback()
        return db.session

    def count(self, model, *where) -> int:
        return self.fresh().scalar(select(func.count()).select_from(model).where(*where))

    # screens

    def screen(self, name: str, **options) -> Screen:
        screen = Screen(self.url, name, **options)
        self.screens.append(screen)
        return screen

    def phone(self, board: Board, token: str, name: str = "phone") -> Screen:
        screen = self.screen(name).connect({"board": board.id, "token": token})
        screen.wait_for("me")
        return screen

    def session_cookie(self, user) -> str:
        """Log `user` in through the real form; the session cookie, as a browser would send it."""
        client = self.app.test_client()
        response = Auth(client).login(user.email, PASSWORD)
        assert response.status_code == 302, response.status_code
        cookie = client.get_cookie(self.app.config.get("SESSION_COOKIE_NAME", "session"))
        assert cookie is not None, "no session cookie after logging in"
        return f"{cookie.key}={cookie.value}"

    def console(self, board: Board, user=None, view: str = "animator", name: Optional[str] = None) -> Screen:
        """The animator's console (or the projector, view="projector"), logged in as `user`."""
        headers = {"Cookie": self.session_cookie(user or self.animator)}
        screen = self.screen(name or view).connect({"board": board.id, "view": view}, headers=headers)
        screen.wait_for("state")
        return screen

    def close(self) -> None:
        """Every screen leaves, all at once."""
        leaving = [threading.Thread(target=screen.close) for screen in self.screens]
        for thread in leaving:
            thread.start()
        for thread in leaving:
            thread.join(timeout=WAIT)


@pytest.fixture
def workshop(app, live_url):
    helper = Workshop(app, live_url)
    try:
        yield helper
    finally:
        helper.close()


def new_key() -> str:
    """A note's key, made on the phone as the phone's script makes it (client_key)."""
    import secrets

    return secrets.token_urlsafe(12)
