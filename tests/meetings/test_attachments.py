"""Files joined to a meeting's minutes: what is accepted (by the bytes, not
the name), what is refused and how, who may add or remove them, and how they
are served."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from labo.accounts.models import Role
from labo.extensions import db
from labo.meetings import services
from labo.meetings.models import Attachment
from tests.conftest import page_text
from tests.factories import PDF, create_admin, create_meeting, create_referent, create_user, png_bytes

def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def meeting():
    return create_meeting()


def animator_of(meeting, email="anim@example.org"):
    animator = create_user(email=email, pseudonym="Sophie", roles=[(Role.ANIMATOR, None)])
    meeting.animators = [animator]
    db.session.commit()
    return animator


def upload(auth, meeting, data: bytes, name: str, mimetype: str = "application/octet-stream"):
    path = f"/rencontres/{meeting.id}"
    return auth.post(f"{path}/pieces-jointes", {"file": (io.BytesIO(data), name, mimetype)},
                     form_page="/", content_type="multipart/form-data")


@pytest.mark.parametrize("data, name, content_type, extension", [
    (PDF, "Compte rendu «final».pdf", "application/pdf", ".pdf"),
    (docx_bytes(), "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    (odt_bytes(), "notes.odt", "application/vnd.oasis.opendocument.text", ".odt"),
    (png_bytes(), "paperboard.png", "image/png", ".png"),
])
def test_an_animator_joins_a_file_that_anyone_downloads(client, auth, uploads, meeting, data, name, content_type, extension):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = upload(auth, meeting, data, name)
    assert response.status_code == 302
    entry = db.session.scalar(select(Attachment))
    assert entry.content_type == content_type and entry.filename.endswith(extension)
    assert (uploads / entry.key).is_file() and not name.startswith(entry.key)
    page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert entry.filename in page and "Ko)" in page  # listed with its size
    auth.logout()
    download = client.get(f"/rencontres/{meeting.id}/pieces-jointes/{entry.id}")
    assert download.status_code == 200
    assert download.mimetype == content_type
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    if extension != ".png":  # images are re-encoded without their metadata
        assert download.data == data


def test_a_participant_downloads_the_minutes_files(client, auth, uploads, meeting):
    animator = animator_of(meeting)
    services.add_attachment(str(uploads), animator, meeting, io.BytesIO(PDF), "ordre du jour.pdf")
    db.session.commit()
    participant = create_user(email="j@example.org")
    services.register(meeting, user=participant)
    auth.login("j@example.org")
    page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "ordre du jour.pdf" in page and "Retirer" not in page
    entry = db.session.scalar(select(Attachment))
    download = client.get(f"/rencontres/{meeting.id}/pieces-jointes/{entry.id}")
    assert download.status_code == 200 and download.data == PDF
    assert 'filename="ordre du jour.pdf"' in download.headers["Content-Disposition"]
    assert client.get(f"/rencontres/{meeting.id + 1}/pieces-jointes/{entry.id}").status_code == 404


@pytest.mark.parametrize("data, name, mimetype", [
    (b"<html><script>alert(1)</script></html>", "compte-rendu.pdf", "application/pdf"),  # the name and type lie
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image.gif", "image/gif"),
    (b"MZ\x90\x00\x03" + b"\x00" * 100, "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"PK\x03\x04" + b"\x00" * 60, "broken.odt", "application/vnd.oasis.opendocument.text"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "photo.jpg", "image/jpeg"),
])
def test_a_file_of_another_type_is_refused_with_a_clear_message(client, auth, uploads, meeting, data, name, mimetype):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = upload(auth, meeting, data, name, mimetype)
    assert response.status_code == 422
    assert "Ce type de fichier n'est pas accepté : envoyez un PDF" in page_text(response)
    assert db.session.scalar(select(Attachment)) is None
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_zip_that_is_not_a_document_is_refused(client, auth, uploads, meeting):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("virus.exe", "MZ")
    animator_of(meeting)
    auth.login("anim@example.org")
    assert upload(auth, meeting, buffer.getvalue(), "notes.docx").status_code == 422


def test_a_file_over_10_mb_is_refused_with_413(client, auth, uploads, meeting):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = upload(auth, meeting, PDF + b"0" * (10 * 1024 * 1024), "gros.pdf")
    assert response.status_code == 413
    assert "Le fichier est trop lourd : 10 Mo au plus." in page_text(response)
    assert db.session.scalar(select(Attachment)) is None


def test_an_empty_form_asks_for_a_file(client, auth, uploads, meeting):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = auth.post(f"/rencontres/{meeting.id}/pieces-jointes", {}, form_page="/", content_type="multipart/form-data")
    assert response.status_code == 422 and "Choisissez un fichier à joindre." in page_text(response)


def test_english_readers_get_the_refusal_in_english(client, auth, uploads, meeting):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = auth.post(f"/rencontres/{meeting.id}/pieces-jointes", {"file": (io.BytesIO(b"hello"), "a.txt")},
                         form_page="/", content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "This type of file is not accepted" in page_text(response)


@pytest.mark.parametrize("who, can_manage", [
    ("anonymous", False), ("resident", False), ("participant", False), ("other animator", False),
    ("referent of the commune", False), ("copil", False), ("animator", True), ("creator", True), ("admin", True),
])
def test_only_the_meetings_animators_add_and_remove_files(client, auth, uploads, meeting, who, can_manage):
    animator = animator_of(meeting)
    services.add_attachment(str(uploads), animator, meeting, io.BytesIO(PDF), "existant.pdf")
    db.session.commit()
    entry_id = db.session.scalar(select(Attachment.id))
    email = {
        "resident": lambda: create_user(email="x@example.org"),
        "participant": lambda: services.register(meeting, user=create_user(email="x@example.org")),
        "other animator": lambda: create_user(email="x@example.org", roles=[(Role.ANIMATOR, None)]),
        "referent of the commune": lambda: create_referent("wingles", email="x@example.org"),
        "copil": lambda: create_user(email="x@example.org", roles=[(Role.COPIL, None)]),
        "animator": lambda: None,
        "creator": lambda: setattr(meeting, "created_by_id", create_user(email="x@example.org").id),
        "admin": lambda: create_admin(email="x@example.org"),
    }
    if who != "anonymous":
        email[who]()
        db.session.commit()
        auth.login("anim@example.org" if who == "animator" else "x@example.org")
    added = upload(auth, meeting, PDF, "nouveau.pdf")
    token = auth.csrf("/")
    removed = client.post(f"/rencontres/{meeting.id}/pieces-jointes/{entry_id}/supprimer", data={"csrf_token": token})
    db.session.expire_all()
    names = sorted(db.session.scalars(select(Attachment.filename)))
    if can_manage:
        assert added.status_code == removed.status_code == 302
        assert names == ["nouveau.pdf"]
        assert sorted(p.suffix for p in uploads.iterdir()) == [".pdf"]  # the removed file is gone from the disk
    else:
        expected = 302 if who == "anonymous" else 403  # anonymous visitors are sent to log in
        assert added.status_code == removed.status_code == expected
        assert names == ["existant.pdf"]
    minutes = client.get(f"/rencontres/{meeting.id}/compte-rendu")
    assert minutes.status_code == (200 if can_manage else expected)


def test_a_stored_file_is_never_reached_by_its_key_or_a_path(client, uploads, meeting):
    animator = animator_of(meeting)
    entry = services.add_attachment(str(uploads), animator, meeting, io.BytesIO(PDF), "../../etc/passwd")
    db.session.commit()
    assert entry.filename == "passwd.pdf"
    assert client.get(f"/rencontres/{meeting.id}/pieces-jointes/{entry.key}").status_code == 404
    Path(uploads, entry.key).unlink()
    assert client.get(f"/rencontres/{meeting.id}/pieces-jointes/{entry.id}").status_code == 404


def test_a_file_over_the_sites_limit_gets_413_and_a_page_not_an_error(client, auth, uploads, meeting):
    animator_of(meeting)
    auth.login("anim@example.org")
    response = upload(auth, meeting, PDF + b"0" * (13 * 1024 * 1024), "enorme.pdf")
    assert response.status_code == 413
    assert "trop lourd" in page_text(response)
    assert db.session.scalar(select(Attachment)) is None
