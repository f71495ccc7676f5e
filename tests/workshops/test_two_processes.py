"""One board served by two processes, as in production (docs/realtime.md,
"Several processes"): `gunicorn -k gevent -w 1`, twice, on one database, one
secret key and one Redis message queue. A phone connected to one process
hears what is done through the other.

Needs Debian's redis-server: without it these tests are skipped, unless
LABO_REQUIRE_REDIS=1 (CI), which makes its absence a failure."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.browser.conftest import browser_tools  # noqa: F401  (skips, or fails in CI, without Chromium)
from tests.servers import free_port, stop, tail
from tests.workshops.conftest import WAIT, Screen, new_key

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT = 30  # seconds for a process to answer
SECRET_KEY = "two-processes-test-secret"
PASSWORD = "un mot de passe"

# Run in a process of its own, against the shared database: an animator, a
# board, two participants, a note; prints what the phones need, as JSON.
SETUP = r"""
import json, sys
from labo import create_app
from labo.accounts.models import Role
from labo.extensions import db
from labo.workshops import services
from tests.factories import create_user

email = sys.argv[1]
app = create_app()
with app.app_context():
    animator = create_user(pseudonym="Anim " + email[:8], email=email, password="un mot de passe",
                           roles=[(Role.ANIMATOR, None)])
    board = services.create_board(animator, title="Un atelier, deux serveurs")
    db.session.commit()
    alice = services.join_board(board, "Alice")
    bob = services.join_board(board, "Bob")
    db.session.commit()
    note, _ = services.post_note(board, alice, column_id=board.columns[0].id, text="Une idée de départ",
                                 client_key="depart" + email[:8])
    db.session.commit()
    print(json.dumps({
        "board": board.id, "column": board.columns[0].id, "note": note.id, "email": email,
        "code": board.code, "alice": services.participant_token(app.config, alice),
        "bob": services.participant_token(app.config, bob),
    }))
"""


@pytest.fixture(scope="module")
def redis_url(redis_server) -> str:
    return redis_server.url


@pytest.fixture(scope="module")
def server_env(app, redis_url, tmp_path_factory) -> dict:
    """The environment both processes share: database, secret, message queue."""
    tmp = tmp_path_factory.mktemp("two-processes")
    env = {k: v for k, v in os.environ.items()
           if k not in ("LABO_BASE_URL", "LABO_PROXY_COUNT", "LABO_ASYNC_MODE", "LABO_FORCE_HTTPS")}
    env.update({
        "SECRET_KEY": SECRET_KEY,
        "REDIS_URL": redis_url,
        "LABO_INSTANCE_PATH": str(tmp / "instance"),
        "LABO_ENV": "development",  # cookies without Secure, over plain http
        "LABO_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "PYTHONPATH": str(ROOT),
    })
    shared = os.environ.get("LABO_TEST_DATABASE_URL")
    if shared:
        # The suite's PostgreSQL database, already migrated; each test's
        # fresh_database puts it back as seeded before the test makes its board.
        env["DATABASE_URL"] = shared
    else:
        env["DATABASE_URL"] = "sqlite:///" + str(tmp / "shared.db")
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for command in (["db", "upgrade"], ["labo", "seed"]):
            done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"flask {' '.join(command)} failed:\n{done.stderr[-4000:]}"
    return env


@pytest.fixture(scope="module")
def servers(server_env, tmp_path_factory):
    """Two gunicorn processes (gevent worker, one each), started together; their URLs."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    assert gunicorn.exists(), f"gunicorn not found next to {sys.executable} (pip install -r requirements.txt)"
    logs = tmp_path_factory.mktemp("gunicorn")
    started = []
    try:
        for name in ("A", "B"):
            port = free_port()
            log = logs / f"{name}.log"
            with open(log, "w") as out:
                process = subprocess.Popen(
                    [str(gunicorn), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2",
                     "wsgi:app"],
                    cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT)
            started.append((name, process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + START_TIMEOUT
        for name, process, url, log in started:
            while True:
                try:
                    if requests.get(url + "/", timeout=1).status_code < 500:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server {name} did not answer at {url} within {START_TIMEOUT} s:\n{tail(log)}",
                                pytrace=False)
                time.sleep(0.1)
        yield {name: url for name, _process, url, _log in started}
    finally:
        for _name, process, _url, _log in started:
            stop(process)


@pytest.fixture
def board(server_env) -> dict:
    """A board in the shared database (made after fresh_database has run), with Alice's first note."""
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    done = subprocess.run([sys.executable, "-c", SETUP, email], cwd=ROOT, env=server_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"setting up the board failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def screens():
    made: list[Screen] = []
    yield made
    for screen in made:
        screen.close()


def phone(screens: list, url: str, name: str, board: dict, token: str) -> Screen:
    screen = Screen(url, name)
    screens.append(screen)
    screen.connect({"board": board["board"], "token": token})
    screen.wait_for("me")
    return screen


def session_cookie(url: str, email: str) -> str:
    """Log in through the site's own form, as a browser would; the session cookie."""
    with requests.Session() as browser:
        page = browser.get(url + "/compte/connexion", timeout=WAIT)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        answer = browser.post(url + "/compte/connexion", data={"email": email, "password": PASSWORD,
                                                              "csrf_token": token},
                              allow_redirects=False, timeout=WAIT)
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def test_a_note_posted_through_one_process_reaches_a_phone_on_the_other(servers, board, screens):
    alice = phone(screens, servers["A"], "Alice on A", board, board["alice"])
    bob = phone(screens, servers["B"], "Bob on B", board, board["bob"])
    assert [n["text"] for n in bob.wait_for("state")["notes"]] == ["Une idée de départ"]

    answer = alice.call("post_note", {"column": board["column"], "text": "Un banc par arrêt de bus",
                                      "client_key": new_key()})

    assert answer["ok"] and answer["created"], answer
    seen = bob.wait_for("note", lambda p: p["id"] == answer["note"]["id"])
    assert (seen["text"], seen["author"]) == ("Un banc par arrêt de bus", "Alice")
    # B keeps the board it built for Bob's phone; the note, seen through Redis,
    # dropped it: a phone joining B now gets the board with the new note.
    later = phone(screens, servers["B"], "Bob's second phone on B", board, board["bob"])
    assert [n["text"] for n in later.wait_for("state")["notes"]] == ["Une idée de départ", "Un banc par arrêt de bus"]


def test_a_dot_placed_through_one_process_reaches_the_phones_on_the_other(servers, board, screens):
    alice = phone(screens, servers["A"], "Alice on A", board, board["alice"])
    bob = phone(screens, servers["B"], "Bob on B", board, board["bob"])
    bob_tablet = phone(screens, servers["A"], "Bob's tablet on A", board, board["bob"])
    # The animator steers from a console on B; the phones on A follow.
    console = Screen(servers["B"], "console on B")
    screens.append(console)
    console.connect({"board": board["board"], "view": "animator"},
                    headers={"Cookie": session_cookie(servers["A"], board["email"])})
    assert console.call("set_phase", {"phase": "voting"})["ok"]
    assert alice.wait_for("board", lambda p: p["phase"] == "voting")

    answer = bob.call("place_dot", {"kind": "note", "id": board["note"]})

    assert answer == {"ok": True, "dots_left": 2}
    assert alice.wait_for("dots") == {"kind": "note", "id": board["note"], "count": 1}
    assert bob_tablet.wait_for("me", lambda p: p["dots_left"] == 2)["dots"]["note"] == {str(board["note"]): 1}
    assert console.wait_for("dots")["count"] == 1


def test_without_redis_each_process_serves_its_own_screens_says_so_and_recovers(servers, board, screens,
                                                                                redis_server):
    alice = phone(screens, servers["A"], "Alice on A", board, board["alice"])
    bob_tablet = phone(screens, servers["A"], "Bob's tablet on A", board, board["bob"])
    bob = phone(screens, servers["B"], "Bob on B", board, board["bob"])
    try:
        redis_server.stop()
        for screen in (alice, bob_tablet, bob):
            assert screen.wait_for("link", lambda p: p == {"linked": False}, timeout=15)
        for url in servers.values():
            health = requests.get(url + "/healthz", timeout=WAIT)
            assert (health.status_code, health.json()["redis"]) == (200, "unreachable")
        # Pages whose rate limits were counted in Redis still answer.
        assert requests.get(servers["A"] + "/compte/connexion", timeout=WAIT).status_code == 200

        since = bob.mark()
        answer = alice.call("post_note", {"column": board["column"], "text": "Écrit pendant la panne",
                                          "client_key": new_key()})
        assert answer["ok"], answer
        assert bob_tablet.wait_for("note", lambda p: p["id"] == answer["note"]["id"])  # same process: live
        # A phone that joins the degraded process is told at once.
        late = phone(screens, servers["A"], "Alice's second phone on A", board, board["alice"])
        assert late.wait_for("link") == {"linked": False}
    finally:
        redis_server.start()

    for screen in (alice, bob):
        assert screen.wait_for("link", lambda p: p == {"linked": True}, timeout=15)
    assert requests.get(servers["B"] + "/healthz", timeout=WAIT).json()["redis"] == "ok"
    # Bob's phone fetches the board again and catches up with the outage.
    assert "Écrit pendant la panne" in [n["text"] for n in bob.call("sync")["state"]["notes"]]
    again = alice.call("post_note", {"column": board["column"], "text": "Après la panne", "client_key": new_key()})
    assert bob.wait_for("note", lambda p: p["id"] == again["note"]["id"])
    # The note written during the outage never reached Bob's phone through the
    # other process, not even late: the first note Bob heard since the outage is
    # this later one, which came the same way (A, Redis, B).
    assert [p["id"] for p in bob.received("note", since=since)] == [again["note"]["id"]]


@pytest.mark.browser
def test_in_chromium_a_phone_says_when_its_server_loses_the_others_and_when_they_are_back(
        browser_tools, servers, board, screens, redis_server):
    """The notice a resident reads on a phone (board.js, "link"): shown while
    Redis is down, hidden once it is back; axe-core on the page with it. The
    phone says where it is by posting notes, which the witness on the same
    process hears: Redis stops once the page is live, and starts again once
    the page has shown the notice."""
    from tests.browser.conftest import NODE_TIMEOUT, run_job
    pseudonym = f"Nadia {uuid.uuid4().hex[:6]}"
    live, noticed = f"{pseudonym} est là", f"{pseudonym} a lu l'avis"

    def write(text: str) -> list:
        """The phone posts a note (board.js sends it on the socket)."""
        return [{"do": "check", "selector": "#note-form li:first-child input[name=column]"},
                {"do": "fill", "selector": "#text", "value": text},
                {"do": "click", "selector": "#note-form button[type=submit]"}]

    job = {"base": servers["A"], "flow": "script", "widths": [360], "steps": [
        {"do": "goto", "path": "/atelier/"},
        {"do": "fill", "selector": "#code", "value": board["code"].lower()},
        {"do": "submit", "selector": "main form button[type=submit]"},
        {"do": "fill", "selector": "#pseudonym", "value": pseudonym},
        {"do": "submit", "selector": "main form button[type=submit]"},
        {"do": "wait", "selector": '#live-status[data-state="online"]', "name": "the phone is live"},
        *write(live),
        {"do": "wait", "selector": "#live-link", "text": "Mode dégradé", "timeout": 60000,
         "name": "the phone says its server lost the others"},
        {"do": "axe", "label": "phone, degraded"},
        *write(noticed),
        {"do": "wait", "selector": "#live-link", "state": "hidden", "timeout": 60000,
         "name": "the notice goes once they are back"},
    ]}
    result: dict = {}

    def browse() -> None:  # in a thread: what fails is kept for the test to report
        try:
            result.update(run_job(job))
        except BaseException as error:  # noqa: BLE001  (pytest.fail raises outside Exception)
            result["error"] = str(error)

    def hears(text: str) -> None:
        """Until the witness has heard the phone's note `text`: the browser has done its steps up to it."""
        deadline = time.monotonic() + NODE_TIMEOUT
        while not witness.received("note", lambda p: p["text"] == text):
            assert browser.is_alive(), f"the browser stopped before writing {text!r}: {result}"
            assert time.monotonic() < deadline, f"the browser did not write {text!r} in {NODE_TIMEOUT} s"
            time.sleep(0.05)

    witness = phone(screens, servers["A"], "Alice on A", board, board["alice"])  # hears what the browser hears
    browser = threading.Thread(target=browse)
    browser.start()
    try:
        hears(live)  # the page is on the board, its socket connected
        redis_server.stop()
        assert witness.wait_for("link", lambda p: p == {"linked": False}, timeout=15)
        hears(noticed)  # the page has shown the notice (and axe has checked it)
    finally:
        redis_server.start()
    assert witness.wait_for("link", lambda p: p == {"linked": True}, timeout=15)
    browser.join(NODE_TIMEOUT)
    assert "error" not in result, result.get("error")
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed and result["completed"], "\n".join(failed)
