"""Residents' data under their control: the download, the erasure, backups
that never bring an erased account back, retention and the privacy page."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, or_, select

from labo.accounts.models import ErasedAccount, User
from labo.core.db import utcnow
from labo.extensions import db
from tests.conftest import page_text
from tests.factories import PASSWORD, commune, create_meeting, create_process, create_user


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def tables_referring_to_accounts():
    """Walked here from the schema, independently of the export's own code."""
    found = {}
    for table in db.metadata.tables.values():
        columns = [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "user_account"]
        if columns:
            found[table.name] = (table, columns)
    found["user_account"] = (db.metadata.tables["user_account"], ["id"])
    return found


def seed_demo(app):
    result = app.test_cli_runner().invoke(args=["labo", "seed", "--demo"])
    assert result.exit_code == 0, result.output


# --- the download --------------------------------------------------------------


def test_the_download_is_a_zip_holding_every_table_that_refers_to_an_account(app, client, auth):
    seed_demo(app)
    from labo.demo import DEMO_PASSWORD
    from labo.privacy.export import personal_data_zip

    auth.login("animatrice@labo.example", DEMO_PASSWORD)
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    files = read_zip(response.data)
    assert {"LISEZMOI.txt", "mes-donnees.json"} <= set(files)
    assert json.loads(files["mes-donnees.json"])["email"] == "animatrice@labo.example"

    tables = tables_referring_to_accounts()
    assert len(tables) >= 30
    rows_seen = {name: 0 for name in tables}
    for user in db.session.scalars(select(User)).all():
        files = read_zip(personal_data_zip(user))
        for name, (table, columns) in tables.items():
            assert f"tables/{name}.csv" in files, f"the download leaves out table {name}"
            header, *rows = csv_rows(files[f"tables/{name}.csv"])
            assert set(columns) <= set(header)
            expected = db.session.scalar(select(func.count()).select_from(table)
                                         .where(or_(*(table.c[c] == user.id for c in columns))))
            assert len(rows) == expected, f"{name}: {len(rows)} rows for account {user.id}, {expected} in the database"
            rows_seen[name] += len(rows)
        everything = b"".join(files.values())
        assert user.password_hash.encode() not in everything
        assert b"password_hash" not in everything
    # The demo gives most of those tables rows that someone downloads.
    assert sum(1 for n in rows_seen.values() if n) >= 15, rows_seen


def test_an_ambassador_s_download_leaves_out_the_neighbour_s_contact(app):
    from labo.meetings.services import register
    from labo.privacy.export import personal_data_zip

    ambassador = create_user(pseudonym="Relais")
    meeting = create_meeting(title="Rencontre", starts_at=utcnow() + timedelta(days=3), commune_slug="lens",
                             venue="Salle")
    register(meeting, first_name="Voisine", contact="06 11 22 33 44", relay=ambassador)
    db.session.commit()
    header, row = csv_rows(read_zip(personal_data_zip(ambassador))["tables/meeting_registration.csv"])
    line = dict(zip(header, row))
    assert line["relay_id"] == str(ambassador.id)
    assert line["first_name"] == "" and line["contact"] == ""
    assert "cancel_token" not in header


# --- erasure -------------------------------------------------------------------


def _a_resident_who_took_part(app):
    """Someone with an idea, a comment, a support, an opinion, a proposal
    support and a meeting registration, and the tallies of all that."""
    from labo.contributions import services as contributions
    from labo.meetings.services import register
    from labo.processes import services as processes

    leaving = create_user(pseudonym="Partante", email="leaving@example.org", home="lens")
    other = create_user(pseudonym="Reste")
    idea = contributions.create_contribution({}, leaving, kind="idee", title="Un banc", body="Près de l'école",
                                             commune=commune("lens"))
    theirs = contributions.create_contribution({}, other, kind="idee", title="Des arbres", body="Rue Nationale",
                                               commune=commune("lens"))
    contributions.support(leaving, theirs)
    contributions.support(other, theirs)
    contributions.add_comment(leaving, theirs, "Bonne idée")
    consultation = create_process()
    processes.give_opinion(consultation, leaving, stance="favorable", comment="Oui, vite", now=utcnow())
    processes.give_opinion(consultation, other, stance="reserve", comment="", now=utcnow())
    meeting = create_meeting(title="Rencontre de Lens", starts_at=utcnow() + timedelta(days=5), commune_slug="lens",
                             venue="Maison des associations")
    register(meeting, user=leaving, first_name="Josiane", contact="josiane@example.org")
    db.session.commit()
    return leaving, idea, theirs, consultation, meeting


def tallies(theirs, consultation, meeting):
    from labo.meetings.services import counts
    from labo.processes.services import opinions

    from labo.contributions.models import Support

    return {
        "supports": db.session.scalar(select(func.count(Support.id)).where(Support.contribution_id == theirs.id)),
        "opinions": dict(opinions(consultation).counts),
        "registered": counts(meeting),
    }


def test_erasing_an_account_keeps_what_was_said_and_every_count_and_ends_every_session(app, auth):
    from labo.contributions.models import Comment, Contribution
    from labo.meetings.models import Registration

    leaving, idea, theirs, consultation, meeting = _a_resident_who_took_part(app)
    user_id, idea_id = leaving.id, idea.id
    before = tallies(theirs, consultation, meeting)
    phone = app.test_client()
    from tests.conftest import Auth

    Auth(phone).login("leaving@example.org")
    assert phone.get("/compte/").status_code == 200  # logged in on a second device

    auth.login("leaving@example.org")
    response = auth.post("/compte/supprimer", {"erase-password": PASSWORD}, form_page="/compte/")
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.get(ErasedAccount, user_id) is not None
    assert tallies(theirs, consultation, meeting) == before
    assert db.session.get(Contribution, idea_id).author_id is None
    assert db.session.scalar(select(Comment.author_id).where(Comment.contribution_id == theirs.id)) is None
    registration = db.session.scalar(select(Registration).where(Registration.meeting_id == meeting.id))
    assert (registration.first_name, registration.contact) == ("participant·e supprimé·e", None)
    # Both devices are logged out.
    assert phone.get("/compte/").status_code == 302
    assert auth.client.get("/compte/").status_code == 302
    page = page_text(auth.client.get(f"/idees/{theirs.id}"))
    assert "participant·e supprimé·e" in page and "Partante" not in page and "Bonne idée" in page
    results = page_text(auth.client.get(f"/demarches/{consultation.id}"))
    assert "Partante" not in results


# --- backups ---------------------------------------------------------------------


def test_a_restored_backup_never_brings_an_erased_account_back(app, tmp_path):
    from labo.privacy.personal_data import erase_account
    from labo.contributions.models import Contribution
    from labo.privacy.backup import restore_backup

    leaving, idea, theirs, consultation, meeting = _a_resident_who_took_part(app)
    staying = create_user(pseudonym="Fidèle", email="stays@example.org")
    user_id, idea_id, staying_id = leaving.id, idea.id, staying.id
    before = tallies(theirs, consultation, meeting)
    uploads = tmp_path / "uploads"
    original = app.config["LABO_UPLOAD_DIR"]
    app.config["LABO_UPLOAD_DIR"] = str(uploads)
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "photo.webp").write_bytes(b"RIFF-a photo")
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["labo", "backup", str(tmp_path / "labo.zip")])
        assert result.exit_code == 0, result.output

        erase_account(app.config, db.session.get(User, user_id), PASSWORD)
        db.session.commit()
        (uploads / "ab" / "photo.webp").unlink()
        newer = create_user(pseudonym="Arrivée après")
        newer_id = newer.id

        result = runner.invoke(args=["labo", "restore", "--yes", str(tmp_path / "labo.zip")])
        assert result.exit_code == 0, result.output
        assert "1 erased account(s) erased again" in result.output
    finally:
        app.config["LABO_UPLOAD_DIR"] = original

    db.session.expire_all()
    assert db.session.get(User, user_id) is None, "the erased account came back with the backup"
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "leaving@example.org")) == 0
    assert db.session.get(ErasedAccount, user_id) is not None
    assert db.session.get(User, staying_id).pseudonym == "Fidèle"
    assert db.session.get(User, newer_id) is None  # made after the backup
    assert db.session.get(Contribution, idea_id).author_id is None
    assert tallies(theirs, consultation, meeting) == before
    assert (uploads / "ab" / "photo.webp").read_bytes() == b"RIFF-a photo"
    # Ids go on after the highest restored one (PostgreSQL's sequences too).
    assert create_user(pseudonym="Nouvelle").id > staying_id


def test_a_backup_of_another_schema_or_a_random_zip_is_refused_with_a_reason(app, tmp_path):
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as archive:
        archive.writestr("hello.txt", "not a backup")
    create_user(pseudonym="Toujours là")
    result = app.test_cli_runner().invoke(args=["labo", "restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert "not a Labo backup" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


# --- retention -------------------------------------------------------------------


def test_purge_deletes_what_is_past_its_duration_as_the_clock_moves(app, caplog):
    from labo.audit.models import AuditEntry
    from labo.meetings.models import Registration
    from labo.meetings.services import register
    from labo.accounts.models import Notification
    from labo.workshops.models import Board, Participant

    now = utcnow()
    meeting = create_meeting(title="Rencontre", starts_at=now + timedelta(hours=2), commune_slug="lens", venue="Salle")
    register(meeting, first_name="Josiane", contact="06 00 00 00 00")
    old_hand = create_user(pseudonym="Ancienne")
    old_hand.last_login_at = now - timedelta(days=3 * 365 - 100)  # unused for three years in 100 days
    regular = create_user(pseudonym="Habituée")
    regular.last_login_at = now
    board = Board(code="ABCDEF", title="Atelier", created_at=now)
    db.session.add(board)
    db.session.flush()
    db.session.add(Participant(board_id=board.id, pseudonym="Mimi"))
    db.session.add(Notification(user_id=regular.id, kind="answer", params={}, created_at=now))
    db.session.commit()
    old_id, regular_id = old_hand.id, regular.id
    runner = app.test_cli_runner()

    def purge_as_of(days: int) -> str:
        result = runner.invoke(args=["labo", "purge", "--as-of", (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result.output

    def registration():
        return db.session.scalar(select(Registration).where(Registration.meeting_id == meeting.id))

    dry = runner.invoke(args=["labo", "purge", "--dry-run", "--as-of", (now + timedelta(days=400)).strftime("%Y-%m-%d")])
    assert "Would purge" in dry.output and "registration_contact 1" in dry.output
    assert "inactive_account 1" in dry.output
    db.session.expire_all()
    assert registration().contact == "06 00 00 00 00"
    assert db.session.get(User, old_id) is not None

    purge_as_of(30)
    assert registration().contact == "06 00 00 00 00"
    with caplog.at_level("INFO", logger="labo.privacy"):
        output = purge_as_of(32)
    assert "registration_contact 1" in output and "registration_contact 1" in caplog.text
    assert (registration().contact, registration().first_name) == (None, "Josiane")
    assert db.session.get(User, old_id) is not None

    purge_as_of(366)
    assert registration().first_name == ""
    assert db.session.scalar(select(Participant.pseudonym).where(Participant.board_id == board.id)) == "participant·e"
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.get(User, old_id) is None and db.session.get(ErasedAccount, old_id) is not None
    assert db.session.get(User, regular_id) is not None
    purged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge").order_by(AuditEntry.id)).all()
    assert purged and purged[-1].details["inactive_account"] == 1


def test_durations_are_settings_and_the_last_administrator_is_never_purged(app):
    from labo.privacy.retention import purge
    from tests.factories import create_admin

    admin = create_admin(pseudonym="Seule admin")
    admin.last_login_at = utcnow() - timedelta(days=4000)
    db.session.commit()
    app.config["LABO_RETAIN_INACTIVE_ACCOUNT_DAYS"] = 10
    try:
        resident = create_user()
        resident.last_login_at = utcnow() - timedelta(days=11)
        db.session.commit()
        done = purge(app.config)
        db.session.commit()
    finally:
        del app.config["LABO_RETAIN_INACTIVE_ACCOUNT_DAYS"]
    assert done["INACTIVE_ACCOUNT"] == 1
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_logging_in_records_the_date_retention_counts_from(app, auth):
    user = create_user(email="back@example.org")
    assert user.last_login_at is None
    auth.login("back@example.org")
    db.session.expire_all()
    assert abs(db.session.get(User, user.id).last_login_at - utcnow()) < timedelta(minutes=1)


# --- the privacy page -------------------------------------------------------------


def test_the_privacy_page_lists_processing_durations_and_rights_from_the_settings(app, client):
    app.config["LABO_RETAIN_REGISTRATION_CONTACT_DAYS"] = 45
    try:
        text = page_text(client.get("/confidentialite"))
    finally:
        del app.config["LABO_RETAIN_REGISTRATION_CONTACT_DAYS"]
    assert "45 jours" in text and "1\u202f095 jours" in text  # grouped the French way
    for words in ("mission d'intérêt public", "Télécharger mes données", "Supprimer mon compte", "CNIL",
                  "participant·e supprimé·e", "cookie", "30 jours"):
        assert words in text, words
    assert 'href="/confidentialite"' in client.get("/").get_data(as_text=True)


def test_the_privacy_page_in_english(client):
    text = page_text(client.get("/confidentialite", headers={"Accept-Language": "en"}))
    assert "Privacy" in text and "1,095 days" in text
