"""The declarative base every model derives from, with a naming convention
so that Alembic names constraints the same way on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
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


def configure_sqlite(engine) -> None:
    """Make SQLite behave like the production database where it matters:
    foreign keys enforced, real transactions (so SAVEPOINTs work: pysqlite's
    own transaction handling breaks them), and WAL so readers do not block
    the writer."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        # SQLite's own lower() folds ASCII only: "Éclairage" would not match
        # "éclairage" as it does on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # "BEGIN IMMEDIATE" for a critical section (see serialized()): it takes
        # the write lock first, so concurrent writers queue instead of failing.
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def keep_prepared_statements(engine) -> None:
    """On PostgreSQL, end a transaction that only read with COMMIT rather than
    ROLLBACK. psycopg forgets every statement it prepared on a connection at
    each ROLLBACK (DEALLOCATE ALL), and every request's transaction ends with
    one when its session is closed: PostgreSQL then planned every statement of
    every page afresh (6 ms for a contribution with its joins, half the
    database's time; bench/README.md). For a transaction that ran nothing but
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
    """End the caller's transaction and start one that holds the write lock
    from its first statement (BEGIN IMMEDIATE on SQLite, a no-op elsewhere):
    a SQLite transaction that read before writing fails with "database is
    locked" when another writer committed meanwhile, instead of waiting for
    its turn and meeting the UNIQUE constraint."""
    from labo.extensions import db

    session = db.session()  # the session itself, not its scoped proxy
    if session.in_transaction() and session.info.get("write_lock") is session.get_transaction():
        return  # already in one (a socket handler opened it before reading)
    session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info["write_lock"] = session.get_transaction()


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
