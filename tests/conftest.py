"""Fixtures: one app per run on SQLite (or on PostgreSQL when
LABO_TEST_DATABASE_URL is set by tests/pgcluster.py), migrated with Alembic;
the territory seeded once and put back before each test (tests/snapshot.py); a
client and an `auth` helper."""
from __future__ import annotations

import contextvars
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_report_header(config):
    url = os.environ.get("LABO_TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + url.rsplit('@', 1)[-1] if url else 'SQLite'}"


def _compile_translations() -> None:
    """Compile the catalogues unless every .mo is newer than its .po (the
    SQLite and PostgreSQL passes run side by side: one compiles, both read)."""
    catalogues = list((ROOT / "labo" / "translations").glob("*/LC_MESSAGES/messages.po"))
    if all(po.with_suffix(".mo").exists() and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
           for po in catalogues):
        return
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(ROOT / "labo" / "translations")],
        check=True, capture_output=True,
    )


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, however
    the test itself holds one (Flask would otherwise reuse the test's context,
    and with it `g`: the cached user and locale)."""

    def open(self, *args, **kwargs):
        from labo.extensions import db

        if has_app_context():
            # End the test's own transaction: the request sees what the test
            # wrote, and the test's next read sees what the request wrote.
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def page_text(response) -> str:
    """The response body with HTML entities decoded, for text assertions; the
    no-break spaces of French typography (before « : ; ? ! », inside « »)
    read as plain spaces (tests/core/test_typography.py checks them)."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from labo import create_app
    from labo.config import TestConfig

    _compile_translations()
    database_url = os.environ.get("LABO_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "labo-test.db")
    )
    overrides = TestConfig.overrides() | {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
    }
    os.environ.setdefault("LABO_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    app = create_app(overrides)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def seeded(app):
    """The seeded territory, taken once; `seeded.restore()` puts it back (tests/snapshot.py)."""
    from labo.territory.services import seed_territory
    from tests.snapshot import Seeded

    with app.app_context():
        state = Seeded(seed_territory)
        state.take()
    return state


@pytest.fixture(autouse=True)
def fresh_database(request, app):
    """Every test starts from the seeded territory and nothing else: what the
    tests before it left (whoever wrote it) is put back, not seeded again."""
    if "browser" in request.keywords:
        yield
        return
    from labo.core.memo import memo
    from labo.extensions import db, limiter
    from labo.workshops.events import kept_states

    seeded = request.getfixturevalue("seeded")
    with app.app_context():
        seeded.restore()
        limiter.reset()
        memo().clear()  # the rows above went by plain SQL, which the memo does not see
        kept_states(app).clear()  # the live boards' states kept (ids start again)
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """Logs a test client in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/compte/connexion") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = "un mot de passe"):
        token = self.csrf()
        return self.client.post(
            "/compte/connexion", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_from(self.client.get("/").get_data(as_text=True))
        return self.client.post("/compte/deconnexion", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, form_page: str | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from `form_page` (default: `path`)."""
        token = csrf_from(self.client.get(form_page or path).get_data(as_text=True))
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback (aiosmtpd); yields the messages it received."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    received: list = []

    class Handler(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield received
    finally:
        from labo.mail.services import wait_for_deliveries

        wait_for_deliveries()
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        controller.stop()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """Debian's redis-server on a free loopback port (tests/servers.py): skipped
    without it, unless LABO_REQUIRE_REDIS=1 (CI), which makes its absence a failure."""
    from tests.servers import RedisServer

    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK)
                                              else None)
    if binary is None:
        message = "redis-server not found (apt-get install redis-server)"
        if os.environ.get("LABO_REQUIRE_REDIS") == "1":
            pytest.fail(message + " — LABO_REQUIRE_REDIS=1 requires the tests that use Redis to run", pytrace=False)
        pytest.skip(message)
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
