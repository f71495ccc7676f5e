"""`flask labo backup FILE` and `flask labo restore FILE`: the whole database
and the uploaded files in one zip, the same on SQLite and PostgreSQL.

A restore erases again every account erased since (or before) the backup
was made: the list of erased ids is read from the database being replaced
and from the backup, and each of those accounts found in the restored data is
erased the way its owner did it. A restored backup never brings anyone back.

Rows are written in primary-key order, one JSON array per line; secret
ballots, whose ids are random, so go back in an order that says nothing of
when they were cast."""
from __future__ import annotations

import json
import logging
import os
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Iterator, Mapping

from sqlalchemy import Date, DateTime, Integer, Table, delete, func, insert, select, text, update

from labo.accounts.models import ErasedAccount, User
from labo.core.db import utcnow
from labo.extensions import db
from labo.privacy.personal_data import erase_user

log = logging.getLogger("labo.privacy")
FORMAT = "labo-backup"
VERSION = 1
CHUNK = 2000


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why."""


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no migrations table: a database made by create_all (tests)
        db.session.rollback()
        return None


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _decoder(column):
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(impl, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def write_backup(config: Mapping, path: str | os.PathLike) -> dict[str, int]:
    """Write the database and the uploads to `path` (a zip); the rows per table."""
    counts: dict[str, int] = {}
    tables = db.metadata.sorted_tables
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for table in tables:
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as out:
                n = 0
                for row in _rows(table):
                    out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False).encode() + b"\n")
                    n += 1
                counts[table.name] = n
        files = 0
        uploads = Path(config["LABO_UPLOAD_DIR"])
        if uploads.is_dir():
            for file in sorted(p for p in uploads.rglob("*") if p.is_file()):
                archive.write(file, "files/" + file.relative_to(uploads).as_posix())
                files += 1
        archive.writestr("manifest.json", json.dumps({
            "format": FORMAT, "version": VERSION, "revision": _revision(), "created_at": utcnow().isoformat(),
            "columns": {t.name: [c.name for c in t.columns] for t in tables}, "rows": counts, "files": files,
        }, indent=1))
    log.info("backup: %s rows in %s tables, %s files, to %s", sum(counts.values()), len(counts), files, path)
    return counts


def _rows(table: Table) -> Iterator[tuple]:
    statement = select(*table.columns).order_by(*table.primary_key.columns)
    result = db.session.execute(statement.execution_options(yield_per=CHUNK))
    for row in result:
        yield tuple(row)


def restore_backup(config: Mapping, path: str | os.PathLike) -> dict[str, int]:
    """Replace the database's rows and the uploads with the backup's, then
    erase again every erased account; returns the rows per table and, under
    "erased again", how many accounts that erased. All or nothing: the
    database is untouched if anything fails."""
    with zipfile.ZipFile(path) as archive:
        manifest = _manifest(archive)
        uploads = Path(config["LABO_UPLOAD_DIR"]).resolve()
        staged = _stage_files(archive, uploads)
        erased = set(db.session.scalars(select(ErasedAccount.user_id)))  # the list of the database replaced
        previous = uploads.with_name(uploads.name + ".before-restore")
        swapped = False
        try:
            tables = db.metadata.sorted_tables
            dialect = db.session.get_bind().dialect.name
            _wipe(tables, dialect)
            counts = {table.name: _load(archive, table, manifest["columns"].get(table.name)) for table in tables}
            if dialect == "postgresql":
                _reset_sequences(tables)
            if uploads.exists():
                uploads.rename(previous)
            staged.rename(uploads)
            swapped = True
            erased |= set(db.session.scalars(select(ErasedAccount.user_id)))
            again = 0
            for user_id in sorted(erased):
                user = db.session.get(User, user_id)
                if user is not None:
                    erase_user(config, user)  # their unpublished fiches' files go from the restored uploads
                    again += 1
                elif db.session.get(ErasedAccount, user_id) is None:
                    db.session.add(ErasedAccount(user_id=user_id))
            db.session.commit()
        except BaseException:
            db.session.rollback()
            if swapped:
                shutil.rmtree(uploads)
                if previous.exists():
                    previous.rename(uploads)
            shutil.rmtree(staged, ignore_errors=True)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    counts["erased again"] = again
    log.info("restore: %s rows, %s files from %s; %s erased account(s) erased again",
             sum(v for k, v in counts.items() if k != "erased again"), manifest.get("files"), path, again)
    return counts


def _manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as error:
        raise BackupError(f"not a Labo backup (manifest.json: {error})") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("not a Labo backup of this format")
    here = _revision()
    if manifest.get("revision") != here:
        raise BackupError(f"the backup is at schema revision {manifest.get('revision')}, this database at {here}: "
                          "restore it into a database migrated to the backup's revision "
                          "(flask db upgrade/downgrade), then migrate")
    return manifest


def _wipe(tables: list[Table], dialect: str) -> None:
    if dialect == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names}"))  # nosec B608: table names from our own metadata
        return
    for table in reversed(tables):
        db.session.execute(delete(table))


def _load(archive: zipfile.ZipFile, table: Table, columns: list[str] | None) -> int:
    if columns is None:
        raise BackupError(f"the backup has no table {table.name}")
    known = {c.name: c for c in table.columns}
    if set(columns) != set(known):
        raise BackupError(f"table {table.name}: the backup's columns differ from this schema's")
    decoders = [_decoder(known[name]) for name in columns]
    # A column referring to its own table (who verified an account) is set
    # once every row is in, whatever the order of the ids.
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    later: list[dict] = []
    n = 0
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        batch: list[dict] = []
        for line in lines:
            values = json.loads(line)
            row = {name: decode(value) for name, decode, value in zip(columns, decoders, values)}
            if own:
                pk = {c.name: row[c.name] for c in table.primary_key.columns}
                links = {name: row[name] for name in own if row[name] is not None}
                if links:
                    later.append({**{f"pk_{k}": v for k, v in pk.items()}, **links})
                row.update({name: None for name in own})
            batch.append(row)
            if len(batch) >= CHUNK:
                db.session.execute(insert(table), batch)
                n, batch = n + len(batch), []
        if batch:
            db.session.execute(insert(table), batch)
            n += len(batch)
    for link in later:
        where = [c == link[f"pk_{c.name}"] for c in table.primary_key.columns]
        db.session.execute(update(table).where(*where).values({name: link[name] for name in own if name in link}))
    return n


def _reset_sequences(tables: list[Table]) -> None:
    """PostgreSQL: each id sequence goes on after the highest id restored."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].autoincrement is False or not isinstance(pk[0].type, Integer):
            continue
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": pk[0].name}).scalar()
        if sequence:
            highest = db.session.scalar(select(func.max(pk[0])))
            db.session.execute(text("SELECT setval(:s, :v, :called)"),
                               {"s": sequence, "v": highest or 1, "called": highest is not None})


def _stage_files(archive: zipfile.ZipFile, uploads: Path) -> Path:
    """The backup's uploads, unpacked beside the live ones, to be swapped in."""
    staged = uploads.with_name(uploads.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for name in archive.namelist():
        if not name.startswith("files/") or name.endswith("/"):
            continue
        target = (staged / name[len("files/"):]).resolve()
        if staged not in target.parents:  # a name with ".." in it: not ours
            shutil.rmtree(staged)
            raise BackupError(f"unsafe file name in the backup: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(name))
    return staged
