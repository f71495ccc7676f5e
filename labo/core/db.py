"""The declarative base every model derives from, with a naming convention
so that Alembic names constraints the same way on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import re
import unicodedata
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Optional

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def slugify(text: str) -> str:
    """'Fouquières-lès-Lens' -> 'fouquieres-les-lens'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _lower(value):
    return value.lower() if isinstance(value, str) else value


# --- SQLite: one writer at a time, taken in turn within the process ----------------
# WAL lets readers go on while one connection writes, and busy_timeout makes a
# writer wait for the lock; but a transaction that read first and then writes
# fails at once ("database is locked", SQLITE_BUSY_SNAPSHOT, no waiting) when
# another writer committed since it read, and under gevent busy_timeout waits
# inside SQLite's C code: the whole process stops, the greenlet holding the
# lock with it, until the timeout. So, within one process, writers queue for
# a lock of Python's (a greenlet's lock once gevent has patched threading)
# before SQLite's: a transaction that will write begins with BEGIN IMMEDIATE
# (see write_transaction()), any other takes its turn at its first write, and
# each gives it back at its COMMIT or ROLLBACK, or when its connection is
# closed, invalidated or returned to the pool.

WRITE_TURN_TIMEOUT = 60.0  # seconds: a writer never waits longer (a bug cannot stop the process for good)
_WRITE_STATEMENTS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


class WriteTurnTimeout(RuntimeError):
    """A writer waited WRITE_TURN_TIMEOUT seconds for its turn: the caller answers an error, the client retries."""


_HANDED = object()  # the turn, given to the first writer in the queue, who is waking up


class WriteTurn:
    """One SQLite database's write lock within this process: held by one
    sqlite3 connection at a time, from its BEGIN IMMEDIATE (or first write)
    to the end of its transaction, and given in the order writers asked for
    it (the animator's action waits behind the notes sent before it, never
    behind those sent after). Not re-entrant: a thread that already writes
    through one connection and begins writing through another would wait for
    itself, and is told so at once."""

    def __init__(self, lock_factory) -> None:
        self._new_lock = lock_factory
        self._guard = lock_factory()  # held for a few assignments, never while waiting
        self._queue: deque = deque()  # one lock per writer waiting, released when its turn comes
        self.holder = None  # the sqlite3 connection whose turn it is
        self._thread: Optional[int] = None

    def take(self, raw, timeout: float = WRITE_TURN_TIMEOUT) -> None:
        import threading

        me = threading.get_ident()
        with self._guard:
            if raw is None or self.holder is raw:
                return
            if self.holder is not None and self._thread == me:
                raise RuntimeError("this thread already writes to the SQLite database through another connection: "
                                   "it would wait for itself (commit the first transaction before opening another)")
            if self.holder is None:
                self.holder, self._thread = raw, me
                return
            waiting = self._new_lock()
            waiting.acquire()
            self._queue.append(waiting)
        if not waiting.acquire(timeout=timeout):
            with self._guard:
                if waiting in self._queue:
                    self._queue.remove(waiting)
                    raise WriteTurnTimeout(f"no turn to write to the SQLite database after {timeout:.0f} s")
            # (handed over just as the wait ended: the turn is this writer's)
        with self._guard:
            self.holder, self._thread = raw, me

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn now."""
        with self._guard:
            return len(self._queue)

    def give_back(self, raw) -> bool:
        """End `raw`'s turn, if it has it, and give it to the next writer
        (from any thread: a connection may be collected elsewhere)."""
        with self._guard:
            if raw is None or self.holder is not raw:
                return False
            if self._queue:
                self.holder, self._thread = _HANDED, None
                self._queue.popleft().release()
            else:
                self.holder, self._thread = None, None
        return True


_write_turns: dict = {}


def write_turn(database: str) -> WriteTurn:
    """The process's turn for one database file. Made at first use, with the
    lock type threading has then: gevent's once a worker has patched it (a turn
    made before patching is not used afterwards: its key names the old type)."""
    import threading

    key = (database, threading.Lock)
    turn = _write_turns.get(key)
    if turn is None:
        turn = _write_turns.setdefault(key, WriteTurn(threading.Lock))
    return turn


def _raw_connection(connection):
    """The sqlite3 connection under a SQLAlchemy Connection or pool proxy, or None if it is gone."""
    fairy = connection
    if hasattr(connection, "invalidated"):  # an engine Connection
        if connection.closed or connection.invalidated:
            return None
        fairy = connection.connection
    return getattr(fairy, "dbapi_connection", fairy)


def _writing_request() -> bool:
    """Inside a Flask request whose method writes (POST, PUT, PATCH, DELETE):
    views read the object, then write through a service, in one transaction.
    A Socket.IO event's request is its connection's GET: its handlers take
    the write lock themselves (write_transaction)."""
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    # The request's first transaction only: after its commit come reads
    # (the page, the broadcasts), which need not wait for the lock.
    if g.get("_labo_write_began"):
        return False
    g._labo_write_began = True
    return True


def configure_sqlite(engine) -> None:
    """Make SQLite behave like the production database where it matters:
    foreign keys enforced, real transactions (so SAVEPOINTs work: pysqlite's
    own transaction handling breaks them), WAL so readers do not block the
    writer, and, on a database file, writers in turn (WriteTurn above)."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return
    on_file = engine.url.database not in (None, "", ":memory:") and "mode=memory" not in str(engine.url)
    turn = write_turn(os.path.abspath(engine.url.database)) if on_file else None

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if on_file:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")  # another process (a `flask labo` command) writing
        cursor.close()
        # SQLite's own lower() folds ASCII only: "Éclairage" would not match
        # "éclairage" as it does on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # "BEGIN IMMEDIATE" for a transaction that will write (write_transaction(),
        # serialized(), a writing HTTP request): it takes the write lock first, so
        # concurrent writers queue instead of failing.
        mode = connection.get_execution_options().get("sqlite_begin")
        if mode is None:
            mode = "IMMEDIATE" if _writing_request() else ""
        raw = _raw_connection(connection) if turn is not None and mode.upper() == "IMMEDIATE" else None
        if raw is not None:
            turn.take(raw)
        try:
            connection.exec_driver_sql(f"BEGIN {mode}".strip())
        except BaseException:
            if raw is not None:
                turn.give_back(raw)
            raise

    if turn is None:
        return

    @event.listens_for(engine, "before_cursor_execute")
    def first_write(conn, cursor, statement, parameters, context, executemany):
        # A transaction begun without IMMEDIATE takes its turn at its first write.
        words = statement.lstrip()[:8].split(None, 1)
        if words and words[0].upper() in _WRITE_STATEMENTS:
            raw = _raw_connection(conn)
            if raw is not None and raw.in_transaction:
                turn.take(raw)

    def ended(connection) -> None:
        raw = getattr(connection, "dbapi_connection", connection)
        try:
            still_open = raw is not None and raw.in_transaction  # a COMMIT that failed leaves it open
        except Exception:  # noqa: BLE001 - a closed connection: its transaction is over
            still_open = False
        if not still_open:
            turn.give_back(raw)

    dialect = engine.dialect
    plain_commit, plain_rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection):
        try:
            plain_commit(connection)
        finally:
            ended(connection)

    def do_rollback(connection):  # also the pool's reset when a connection goes back
        try:
            plain_rollback(connection)
        finally:
            ended(connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    def gone(dbapi_connection, *args) -> None:
        turn.give_back(dbapi_connection)

    # A connection returned to the pool, closed or invalidated (its transaction
    # ended with it) gives its turn back, whatever became of its Connection.
    for name in ("checkin", "close", "close_detached", "invalidate"):
        event.listen(engine, name, gone)


def holds_write_turn(connection) -> bool:
    """Whether this SQLAlchemy Connection's transaction has the process's turn to write (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return False
    raw = _raw_connection(connection)
    return raw is not None and any(t.holder is raw for t in list(_write_turns.values()))


def keep_prepared_statements(engine) -> None:
    """On PostgreSQL, end a transaction that only read with COMMIT rather than
    ROLLBACK. psycopg forgets every statement it prepared on a connection at
    each ROLLBACK (DEALLOCATE ALL), and every request's transaction ends with
    one when its session is closed: PostgreSQL then planned every statement of
    every page afresh (planning a page's joins took the database longer than
    running them; bench/README.md). For a transaction that ran nothing but
    SELECTs, COMMIT and ROLLBACK do the same; any other statement, or a failed
    transaction, still ends with a ROLLBACK."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "before_cursor_execute")
    def note_writes(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:6].upper() != "SELECT":
            conn.info["labo_wrote"] = True

    @event.listens_for(engine, "rollback")
    def commit_reads(conn):
        wrote = conn.info.pop("labo_wrote", False)
        if wrote or conn.closed or conn.invalidated:  # (a lost connection is not reached for again here)
            return
        dbapi = conn.connection.dbapi_connection
        if dbapi is None or dbapi.closed or dbapi.info.transaction_status != TransactionStatus.INTRANS:
            return
        try:
            dbapi.commit()  # the rollback that follows finds no transaction, and keeps the statements
        except Exception:  # noqa: BLE001  the rollback that follows deals with a connection that broke
            pass

    @event.listens_for(engine, "commit")
    def forget(conn):
        conn.info.pop("labo_wrote", None)


def write_transaction() -> None:
    """COMMITS the caller's transaction, unless it already holds the write
    lock, and begins a new one that holds it. Call it before the first read
    of a write, knowing that whatever the session held is committed then.

    Why: on SQLite the new transaction begins IMMEDIATE (which on a database
    file also takes the process's turn to write, see WriteTurn); a SQLite
    transaction that read before writing fails with "database is locked" when
    another writer committed meanwhile, instead of waiting for its turn and
    meeting the UNIQUE constraint. A transaction that already holds the lock
    goes on uncommitted (a writing HTTP request begins with it, a socket
    handler may have taken it). On PostgreSQL: commit, then a new
    transaction, with no lock.

    The session is the app's (labo.extensions.db), reached through the app:
    labo.extensions imports this module's Base."""
    session = current_app.extensions["sqlalchemy"].session()  # the session itself, not its scoped proxy
    if session.in_transaction():
        if session.info.get("write_lock") is session.get_transaction():
            return  # already in one (a socket handler opened it before reading)
        if session.get_bind().dialect.name == "sqlite" and holds_write_turn(session.connection()):
            session.info["write_lock"] = session.get_transaction()
            return
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info["write_lock"] = session.get_transaction()


def insert_ignoring_duplicates(table: Any, dialect_name: str):
    """An INSERT for `table` (a Table or a mapped class) in the database's own
    dialect, to end with `.on_conflict_do_nothing(...)` (SQLite and PostgreSQL
    both have it): the UNIQUE constraint, not a check-then-insert, settles a race."""
    return (sqlite_insert if dialect_name == "sqlite" else postgresql_insert)(table)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped with "\\"."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@contextmanager
def serialized(engine, lock_table, lock_id: int):
    """A short transaction of its own on a fresh connection, in which one row
    of `lock_table` is locked, so that concurrent callers (two people taking
    the last seat) run one after the other, on PostgreSQL (SELECT ... FOR
    UPDATE) as on SQLite (BEGIN IMMEDIATE). It commits when the block ends."""
    from sqlalchemy import select

    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            connection.execute(select(lock_table.c.id).where(lock_table.c.id == lock_id).with_for_update())
            yield connection
