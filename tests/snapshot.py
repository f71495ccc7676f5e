"""Putting the database back as it was, cheaply, on SQLite and PostgreSQL.

The suite's tests all start from the seeded territory. Seeding it again
before each test (emptying every table, then a query per commune, QPV...)
cost more than most tests themselves. Instead the territory is seeded once
(`Seeded.take`), and before each test `Seeded.restore` looks at what
differs from it, in a few queries:
- the tables that were empty and are not: emptied (children first);
- the territory's tables, whose rows are compared: put back row by row;
- on PostgreSQL, the id sequences: set back, so ids start where they did.
It reads the database itself, not what this process wrote: whatever a test,
a live server's thread or another process (gunicorn, `flask labo`) did is
undone. Nothing is rolled back, so tests may commit, and other connections
see their data, as in production.

The security tests build a larger world once and put back only the tables
a request changed, with the same row-by-row restore (tests/security/conftest.py)."""
from __future__ import annotations

import hashlib
from typing import Iterable, Optional

from sqlalchemy import Table, text

from labo.extensions import db


def table_rows(tables: Optional[Iterable[Table]] = None) -> dict[str, list[dict]]:
    """Every row of `tables` (default: all), ordered by primary key."""
    db.session.rollback()
    rows = {}
    for table in tables or db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [dict(r) for r in db.session.execute(table.select().order_by(*order)).mappings()]
    db.session.rollback()
    return rows


def _key(table: Table, row: dict) -> tuple:
    columns = list(table.primary_key.columns) or list(table.columns)
    return tuple(row[c.name] for c in columns)


def _where(table: Table, key: tuple) -> list:
    columns = list(table.primary_key.columns) or list(table.columns)
    return [c == v if v is not None else c.is_(None) for c, v in zip(columns, key)]


def restore_rows(saved: dict[str, list[dict]], names: set[str]) -> None:
    """Put the tables `names` back as they were in `saved`, row by row:
    what was added is deleted, what was removed is inserted again (same id),
    what was changed is updated back. Only rows that differ are written, so
    no cascade reaches a row that did not."""
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    now = table_rows(tables)
    plans = []
    for table in tables:
        before = {_key(table, r): r for r in saved[table.name]}
        after = {_key(table, r): r for r in now[table.name]}
        plans.append((table, before, after))
    for table, before, after in reversed(plans):  # children first
        for key in after.keys() - before.keys():
            db.session.execute(table.delete().where(*_where(table, key)))
    for table, before, after in plans:  # parents first
        missing = [before[key] for key in before.keys() - after.keys()]
        if missing:
            db.session.execute(table.insert(), missing)
        for key in before.keys() & after.keys():
            if before[key] != after[key]:
                db.session.execute(table.update().where(*_where(table, key)).values(**before[key]))
    db.session.commit()


def digests(tables: Optional[Iterable[Table]] = None) -> dict[str, str]:
    """A digest of each table's rows, read on a connection of its own with
    the DB-API (a fifth of the ORM's time): on SQLite one query per table, on
    PostgreSQL one query for all of them (computed by the server)."""
    tables = list(db.metadata.sorted_tables if tables is None else tables)
    if not tables:
        return {}
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute(" UNION ALL ".join(
                f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM \"{t.name}\" r"
                for t in tables))
            found = dict(cursor.fetchall())
        else:
            found = {}
            for table in tables:
                order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
                cursor.execute(f'SELECT * FROM "{table.name}" ORDER BY {order}')
                found[table.name] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
        connection.rollback()
    finally:
        connection.close()
    return found


def _read(sql: str) -> list[tuple]:
    """Rows of one query, on a connection of its own (not the session's)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        connection.rollback()
        return rows
    finally:
        connection.close()


class Seeded:
    """The database as `seed` leaves it, taken once; put back before each test."""

    def __init__(self, seed):
        self.seed = seed
        self.postgresql = db.engine.dialect.name == "postgresql"
        self.rows: dict[str, list[dict]] = {}  # the seeded tables' rows
        self.digests: dict[str, str] = {}
        self.sequences: dict[str, Optional[int]] = {}  # PostgreSQL: each sequence's last value
        self.empty: list[Table] = []  # the tables the seed leaves empty, parents first
        self.taken = False

    # --- taking it -----------------------------------------------------------------

    def wipe(self) -> None:
        """Every table emptied, every sequence back to its start."""
        db.session.rollback()
        names = [t.name for t in reversed(db.metadata.sorted_tables)]
        if self.postgresql:
            db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in names) + " RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                db.session.execute(text(f'DELETE FROM "{name}"'))
        db.session.commit()

    def take(self) -> None:
        """Wipe, seed, and remember what the seed wrote."""
        self.wipe()
        self.seed()
        db.session.commit()
        filled = {name for (name,) in _read(self._filled_sql(db.metadata.sorted_tables))}
        seeded = [t for t in db.metadata.sorted_tables if t.name in filled]
        self.empty = [t for t in db.metadata.sorted_tables if t.name not in filled]
        self.rows = table_rows(seeded)
        self.digests = digests(seeded)
        self.sequences = self._sequences()
        self.taken = True

    # --- reading what differs -----------------------------------------------------------

    @staticmethod
    def _filled_sql(tables: Iterable[Table]) -> str:
        """One query naming those of `tables` that hold at least one row."""
        return " UNION ALL ".join(f"SELECT '{t.name}' FROM (SELECT 1 FROM \"{t.name}\" LIMIT 1) AS r{i}"
                                  for i, t in enumerate(tables))

    def _sequences(self) -> dict[str, Optional[int]]:
        if not self.postgresql:
            return {}
        return dict(_read("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                          "FROM pg_sequences WHERE schemaname = current_schema()"))

    def differences(self) -> tuple[list[str], set[str], dict[str, Optional[int]]]:
        """The tables to empty, the seeded tables to put back, the sequences to set back."""
        filled = {name for (name,) in _read(self._filled_sql(self.empty))} if self.empty else set()
        seeded = [t for t in db.metadata.sorted_tables if t.name in self.rows]
        changed = {name for name, digest in digests(seeded).items() if digest != self.digests[name]}
        moved: dict[str, Optional[int]] = {}
        if self.postgresql:
            now = self._sequences()
            moved = {name: value for name, value in self.sequences.items() if now.get(name) != value}
        return [t.name for t in reversed(self.empty) if t.name in filled], changed, moved

    # --- putting it back -------------------------------------------------------------------

    def restore(self) -> list[str]:
        """Back to the seeded state; the names of the tables that were not (for tests of this)."""
        if not self.taken:
            self.take()
            return []
        db.session.rollback()
        to_empty, changed, moved = self.differences()
        for name in to_empty:  # children first: no cascade has anything left to reach
            db.session.execute(text(f'DELETE FROM "{name}"'))
        if changed:  # (rare: a test that edits a commune) in a transaction of its own
            db.session.commit()
            restore_rows(self.rows, changed)
        if moved:  # a sequence never read (None) starts again at 1
            db.session.execute(text("SELECT " + ", ".join(
                f"setval('{sequence}', {1 if value is None else value}, {'false' if value is None else 'true'})"
                for sequence, value in moved.items())))
        db.session.commit()
        return to_empty + sorted(changed)
