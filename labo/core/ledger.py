"""Claiming a message before sending it, so that it goes once: the reminders'
ledger (labo.reminders) and the letter's deliveries (labo.letters) both keep
one row per message and recipient under a UNIQUE key, with when it was
claimed, how many tries, and when it was sent.

The claim is written and committed in a short transaction of its own, before
anything leaves: two senders at once (two ticks, a tick and a page) never
both get it. A claim whose sender died before sending (a crash, a kill) is
taken back once it is older than the lease, a bounded number of times; a
crash in the instant between a server accepting the message and the mark
being written is the one case where it may go twice rather than never."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

from sqlalchemy import Table, select, update

from labo.core.db import insert_ignoring_duplicates
from labo.extensions import db

log = logging.getLogger("labo.ledger")


def claim_once(table: Table, key: Mapping[str, Any], now: datetime, *, lease: timedelta, max_attempts: int,
               values: Optional[Mapping[str, Any]] = None, again: Optional[Mapping[str, Any]] = None) -> Optional[int]:
    """The claimed row's id if the caller is now the one to send the message
    `key` names (the columns of the table's UNIQUE constraint and their
    values), else None: someone sent it, or is sending it. `values` fill a new
    row; `again` is also written when a dead sender's claim is taken back.
    Commits the caller's session first (what it read stays consistent with
    what it then writes), then claims in a transaction of its own, committed."""
    db.session.commit()
    with db.engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            new_id = connection.scalar(
                insert_ignoring_duplicates(table, connection.dialect.name)
                .values(**key, **(values or {}), claimed_at=now, attempts=1, sent_at=None)
                .on_conflict_do_nothing(index_elements=[table.c[name] for name in key])
                .returning(table.c.id))
            if new_id is not None:
                return new_id
            same = [table.c[name] == value for name, value in key.items()]
            taken_back = connection.execute(
                update(table).where(*same, table.c.sent_at.is_(None), table.c.claimed_at < now - lease,
                                    table.c.attempts < max_attempts)
                .values(claimed_at=now, attempts=table.c.attempts + 1, **(again or {}))).rowcount
            if taken_back != 1:
                return None
            log.warning("%s %s: its sender stopped before sending it; sending it again", table.name, dict(key))
            return connection.scalar(select(table.c.id).where(*same))
