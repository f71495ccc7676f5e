"""The download of one's data: a zip of a readable JSON file (what
labo.privacy.personal_data gathers, feature by feature) and,
for every table that refers to an account, a CSV of the rows that refer to
this one. The tables are found by walking the schema, so a table added later
is in the download without anyone having to remember it."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone

from sqlalchemy import Table, or_, select

from labo.accounts.models import User
from labo.core.spreadsheet import csv_bytes
from labo.extensions import db
from labo.privacy.personal_data import export_personal_data

# Never in a download, even one's own: secrets that would let whoever holds
# the file act as the person (a password's hash, a cancellation link's token).
SECRET_COLUMNS = frozenset({"password_hash", "reset_code_hash", "cancel_token", "token", "token_hash", "code_hash"})

# Rows that mention the person for something they did for someone else: the
# other person's own details stay out (an ambassador who registered a
# neighbour for a meeting gets the line, not the neighbour's phone number).
OTHER_PEOPLES_COLUMNS = {"meeting_registration": ("user_id", ("first_name", "contact"))}

README = """Vos données sur le site du Labo de la participation des habitants
===========================================================================

mes-donnees.json   tout ce que le site garde à votre sujet, rangé par rubrique
                   (profil, idées, commentaires, soutiens, inscriptions aux
                   rencontres, avis et votes non secrets, fiches, ateliers...).
tables/*.csv       les mêmes données telles qu'elles sont enregistrées : pour
                   chaque table qui mentionne un compte, les lignes qui
                   mentionnent le vôtre (séparateur « ; », UTF-8).

Ne s'y trouvent pas : votre mot de passe (le site n'en garde qu'une empreinte,
jamais envoyée) et les bulletins secrets (ils ne sont reliés à personne).
Vous pouvez supprimer votre compte depuis la page « Mon profil ».
"""


def user_tables() -> list[tuple[Table, list[str]]]:
    """Every table with a column referring to an account, with those columns
    (the accounts' own table by its id), in the schema's order."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == User.__tablename__:
            found.append((table, ["id"]))
            continue
        columns = [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == User.__tablename__]
        if columns:
            found.append((table, sorted(columns)))
    return found


def table_rows(table: Table, columns: list[str], user_id: int) -> list[list]:
    """The header and the rows of `table` that refer to `user_id`, secrets left out."""
    kept = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    names = [c.name for c in kept]
    rows = db.session.execute(select(*kept).where(or_(*(table.c[name] == user_id for name in columns)))
                              .order_by(*table.primary_key.columns)).all()
    owner, others = OTHER_PEOPLES_COLUMNS.get(table.name, (None, ()))
    masked = [names.index(name) for name in others]
    lines = []
    for row in rows:
        cells = [_cell(v) for v in row]
        if owner is not None and row._mapping[owner] != user_id:
            for index in masked:
                cells[index] = ""
        lines.append(cells)
    return [names] + lines


def _cell(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def personal_data_zip(user: User) -> bytes:
    """The zip a person downloads from their profile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", README)
        document = {"exported_at": datetime.now(timezone.utc).isoformat(), **export_personal_data(user)}
        archive.writestr("mes-donnees.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        for table, columns in user_tables():
            archive.writestr(f"tables/{table.name}.csv", csv_bytes(table_rows(table, columns, user.id)))
    return buffer.getvalue()
