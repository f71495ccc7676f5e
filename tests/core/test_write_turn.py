"""labo.core.db on SQLite: a hall's writes are taken in turn. Within one
process, a transaction that will write waits for the process's turn (a lock
of Python's, gevent's once patched) before SQLite's lock, and gives it back
when it ends, however it ends. PostgreSQL is left as it was."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import select, text

from labo.core.db import holds_write_turn, write_transaction, write_turn
from labo.extensions import db
from labo.workshops import services
from labo.workshops.models import Board
from tests.conftest import ROOT
from tests.factories import create_user

pytestmark = pytest.mark.sqlite  # run in the SQLite pass only (make test-postgres leaves them out)


def wait_until(condition, timeout: float = 5.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def sqlite_file(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write turn is SQLite's (PostgreSQL locks rows itself)")
    return db.engine


def test_read_then_write_transactions_from_many_threads_all_succeed_and_lose_nothing(app, sqlite_file):
    board = services.create_board(create_user(), title="Compteur", dots_per_person=1)
    db.session.commit()
    board_id = board.id
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def bump_four_times():
        with app.app_context():
            start.wait()
            for _ in range(4):
                try:
                    write_transaction()  # before the read, as every socket handler does
                    current = db.session.get(Board, board_id)
                    seen = current.dots_per_person
                    time.sleep(0.01)  # another thread would commit here, between the read and the write
                    current.dots_per_person = seen + 1
                    db.session.commit()
                except BaseException as error:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    failures.append(error)
            db.session.remove()

    threads = [threading.Thread(target=bump_four_times) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    db.session.rollback()
    assert db.session.get(Board, board_id).dots_per_person == 1 + 16


def test_the_turn_comes_back_however_a_transaction_ends(app, sqlite_file):
    engine = sqlite_file
    took: list[float] = []

    def write_in_another_thread():
        started = time.monotonic()
        with engine.connect() as other:
            with other.execution_options(sqlite_begin="IMMEDIATE").begin():
                other.execute(text("SELECT 1"))
        took.append(time.monotonic() - started)

    endings = {
        "commit": lambda conn: conn.commit(),
        "rollback": lambda conn: conn.rollback(),
        "close": lambda conn: conn.close(),
        "invalidate": lambda conn: conn.invalidate(),
    }
    turn = write_turn(os.path.abspath(engine.url.database))
    for name, end in endings.items():
        conn = engine.connect()
        conn.execution_options(sqlite_begin="IMMEDIATE").begin()
        conn.execute(text("SELECT 1"))
        assert holds_write_turn(conn), name
        waiting = threading.Thread(target=write_in_another_thread)
        waiting.start()
        # The other writer is seen queued for the turn (not merely slow to start) before this one ends.
        assert wait_until(lambda: turn.waiting == 1 or not waiting.is_alive()), f"{name}: no writer queued"
        assert waiting.is_alive() and turn.waiting == 1, f"{name}: another writer did not wait for its turn"
        end(conn)
        waiting.join(timeout=5)
        assert not waiting.is_alive(), f"{name}: the turn was not given back"
        conn.close()
    assert len(took) == 4 and max(took) < 2, took


def test_a_first_write_takes_the_turn_and_a_thread_that_would_wait_for_itself_is_told_at_once(app, sqlite_file):
    engine = sqlite_file
    create_user(pseudonym="Première")
    db.session.commit()
    with engine.connect() as first:
        first.execute(text("SELECT count(*) FROM user_account"))
        assert not holds_write_turn(first)  # a read alone does not wait for anyone
        first.execute(text("UPDATE user_account SET pseudonym = pseudonym"))
        assert holds_write_turn(first)
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="wait for itself"):
            with engine.connect() as second:
                second.execution_options(sqlite_begin="IMMEDIATE").begin()
        assert time.monotonic() - started < 1
        first.rollback()
        assert not holds_write_turn(first)


def test_a_writing_request_begins_with_the_write_lock_and_its_reads_after_the_commit_do_not(app, sqlite_file):
    with app.app_context(), app.test_request_context("/", method="POST"):
        db.session.scalar(select(1))
        assert holds_write_turn(db.session.connection())
        write_transaction()  # already held: the transaction goes on
        assert holds_write_turn(db.session.connection())
        db.session.commit()
        db.session.scalar(select(1))  # the page and the broadcasts after the commit
        assert not holds_write_turn(db.session.connection())
        db.session.rollback()
    with app.app_context(), app.test_request_context("/", method="GET"):
        db.session.scalar(select(1))
        assert not holds_write_turn(db.session.connection())
        db.session.rollback()


GEVENT_SCRIPT = textwrap.dedent('''
    from gevent import monkey
    monkey.patch_all()

    import sys
    import time

    import gevent
    from sqlalchemy import create_engine, text

    from labo.core.db import configure_sqlite

    engine = create_engine("sqlite:///" + sys.argv[1])
    configure_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))

    def read_then_write():
        with engine.connect() as conn:
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                n = conn.execute(text("SELECT n FROM counter")).scalar()
                gevent.sleep(0.005)  # the other greenlets run meanwhile
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    def write_first():
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("UPDATE counter SET n = n + 1"))
                gevent.sleep(0.005)

    started = time.monotonic()
    gevent.joinall([gevent.spawn(read_then_write if i % 2 else write_first) for i in range(40)], raise_error=True)
    with engine.connect() as conn:
        print(conn.execute(text("SELECT n FROM counter")).scalar(), round(time.monotonic() - started, 2))
''')


def test_under_gevent_writers_wait_their_turn_without_stopping_the_process(tmp_path):
    """SQLite's busy_timeout waits inside C: under gevent it would stop every
    greenlet, the one holding the lock too, until "database is locked". The
    turn is gevent's lock there: a writer waiting lets the others run."""
    script = tmp_path / "greenlets.py"
    script.write_text(GEVENT_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "counter.db")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    count, seconds = done.stdout.split()
    assert int(count) == 40
    assert float(seconds) < 5, seconds  # a stopped loop would wait busy_timeout (5 s) at least once
