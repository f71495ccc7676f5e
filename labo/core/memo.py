"""A short in-process memo for what many requests ask and few change: the
territory's select choices, the number of contributions a list finds, the
COPIL's dashboard.

Counting every published contribution for "N contributions." and "page 3
of …" is the costliest query of a list page at agglomeration scale, and the
territory's choices cost three queries on every form (figures in
bench/README.md). The app's memo keeps a value for `LABO_MEMO_SECONDS` (60
by default; 0 turns it off) and forgets it as soon as this process flushes
a change to one of the tables it was computed from, so that a resident who
posts sees the new count at once; another worker's write shows within the
delay. Only plain values are kept (numbers, tuples of strings), never ORM
objects, which belong to one session.

A feature may keep its own `Memo` (the COPIL keeps its dashboards a few
minutes, whatever is written meanwhile). The time comes from an injected
clock, so that a test moves it on instead of sleeping."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable, Iterable, Optional

from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from labo.extensions import db

EXTENSION = "labo_memo"


class Memo:
    """Values kept in this process (each worker has its own) for `seconds`,
    forgotten earlier when one of the tables they were computed from changes;
    past `size` values, the one stored longest ago goes (a list searched for
    free text gives a new key each time). `clock` gives the time in seconds."""

    def __init__(self, seconds: float = 60, size: int = 1024, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.size, self.clock = seconds, size, clock
        self._values: OrderedDict[Hashable, tuple[float, frozenset[str], Any]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any],
            tables: Iterable[str] | Callable[[], Iterable[str]] = (), seconds: Optional[float] = None) -> Any:
        """The value kept under `key`, or `compute()`'s, kept `seconds` (the
        memo's own when not given; 0 or less: not kept) or until one of
        `tables` (names, or a function giving them, called only then) changes."""
        seconds = self.seconds if seconds is None else seconds
        if seconds <= 0:
            return compute()
        now = self.clock()
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and hit[0] > now:
                return hit[2]
            generation = self._generation
        value = compute()  # outside the lock: two requests may compute at once, no harm done
        depends = frozenset(tables() if callable(tables) else tables)
        with self._lock:
            # a change flushed while computing: the value may predate it, do not keep it
            if generation == self._generation:
                self._values[key] = (now + seconds, depends, value)
                self._values.move_to_end(key)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value

    def forget(self, tables: Iterable[str]) -> None:
        tables = set(tables)
        if not tables:
            return
        with self._lock:
            self._generation += 1
            for key in [k for k, (_, deps, _) in self._values.items() if deps & tables]:
                del self._values[key]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()


def init_app(app) -> None:
    app.extensions[EXTENSION] = Memo(float(app.config.get("LABO_MEMO_SECONDS", 60)))


def memo() -> Memo:
    return current_app.extensions[EXTENSION]


def remembered(key: Hashable, tables: Iterable[str] | Callable[[], Iterable[str]], compute: Callable[[], Any]) -> Any:
    return memo().get(key, compute, tables)


def count_of(query, key: Hashable) -> int:
    """The number of rows `query` (a select) finds, remembered under `key` (what
    tells this query apart: its filters; cheaper than compiling it each time)
    and forgotten when one of the tables it reads changes."""

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

    def tables() -> set[str]:
        return {t.name for t in find_tables(query, include_aliases=True, include_joins=True, check_columns=True)
                if getattr(t, "name", None)}

    return remembered(("count", key), tables, count)


def _forget(tables: set[str]) -> None:
    if tables and has_app_context() and EXTENSION in current_app.extensions:
        memo().forget(tables)


# A change is forgotten twice: when it is flushed, and again when it is
# committed, since a request counting in between (another greenlet) still
# sees the rows of before and would keep that count.
TOUCHED = "labo_memo_touched"


def _touched(session, tables: set[str]) -> None:
    if tables:
        session.info.setdefault(TOUCHED, set()).update(tables)
        _forget(tables)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    touched = {getattr(type(o), "__tablename__", None) for o in (*session.new, *session.dirty, *session.deleted)}
    _touched(session, {t for t in touched if t})


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        _touched(state.session, {t.name for t in state.bind_mapper.tables})


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    _forget(session.info.pop(TOUCHED, set()))
