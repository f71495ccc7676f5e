"""Every upload endpoint, under the same three attacks, and every route that
serves an upload back:

- over 10 MB the file is refused with a 413 and the endpoint's own message,
  the form coming back with what was typed, up to 30 MB and more (the
  upload forms take 40 MB, labo.core.uploads); only a body over that gets
  the 413 page, in the reader's language, saying Back keeps what was typed;
- a file that lies about what it is (a PHP or HTML page named .jpg, a "PDF"
  that is something else, an SVG carrying a script) gets a 4xx, a message,
  and nothing stored: no row, no file on disk;
- what was stored is served with a Content-Disposition and
  `X-Content-Type-Options: nosniff`.

What tests elsewhere already show is not repeated here: the photo pipeline
itself (tests/contributions/test_photos.py), the meeting minutes' files
(tests/meetings/test_attachments.py: their 413s at 10 and 12 MB, their other
refused types and their download headers) and the partners' evidence
download headers (tests/partners/test_partners.py)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.contributions.models import Photo
from labo.extensions import db
from labo.fiches.models import FicheAttachment, FichePhoto
from labo.meetings.models import Attachment
from labo.partners.models import FollowUp
from labo.processes.models import Tally
from tests.conftest import page_text
from tests.factories import (PDF, commune, create_admin, create_commitment, create_fiche, create_meeting,
                             create_partner, create_referent, create_user, insert_process, option_ids, png_bytes)

MB = 1024 * 1024
PHP = b"<?php echo system($_GET['c']); ?>\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>")
# Starts like a PDF, is a web page: readers and sniffers take it for either.
PDF_THEN_HTML = b"%PDF-1.7\n" + HTML
# A file too big for any one upload, still under the site's 12 MB request limit.
OVER_10_MB = b"\xff\xd8\xff\xe0" + b"\0" * (10 * MB)
# A phone's photo over the site's 12 MB: the upload forms still take it and answer.
PHOTO_30_MB = b"\xff\xd8\xff\xe0" + b"\0" * (30 * MB)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def stored_files(uploads) -> list:
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []


@dataclass
class Endpoint:
    """One form that takes a file: where it posts, its other fields, the file's
    field, what a stored upload makes, and its messages."""

    name: str
    setup: Callable  # (auth) -> (url, page holding the form)
    data: Callable  # () -> the other fields, valid
    field: str
    model: type
    too_big: str  # the endpoint's own message over 10 MB
    wrong: tuple  # the messages that may tell a wrong file
    tested_elsewhere: set = field(default_factory=set)  # the checks another file holds


def _resident(auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    return "/idees/nouvelle", "/idees/nouvelle"


def _meeting_animator(auth):
    from tests.meetings.test_attachments import animator_of

    meeting = create_meeting()
    animator_of(meeting)
    auth.login("anim@example.org")
    return f"/rencontres/{meeting.id}/pieces-jointes", f"/rencontres/{meeting.id}/compte-rendu"


def _fiche_author(kind):
    def setup(auth):
        fiche = create_fiche(create_user(email="auteur@example.org"))
        auth.login("auteur@example.org")
        return f"/boite-a-outils/{fiche.id}/{kind}", f"/boite-a-outils/{fiche.id}/photos-et-fichiers"
    return setup


def _partners_admin(auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    commitment = create_commitment(create_partner())
    base = f"/partenaires/caf/engagements/{commitment.id}"
    return base + "/suivi", base


def _tally_referent(auth):
    process = insert_process(level="consultation", method="single", secret=False)
    create_referent("lens", email="ref.lens@example.org")
    auth.login("ref.lens@example.org")
    url = f"/demarches/{process.id}/depouillement"
    return url, url


def _tally_fields():
    from labo.processes.models import Option

    first = db.session.scalar(select(Option.id).order_by(Option.id))
    return {"channel": "paper", "place": "Salle Bollaert", "held_on": date.today().isoformat(), "participants": "4",
            "commune": "lens", f"count-{first}": "3"}


PHOTO_WRONG = ("Ce fichier n'est pas une photo lisible.", "Envoyez une photo en JPEG, PNG ou WebP.")
FILE_WRONG = ("Ce type de fichier n'est pas accepté", "Envoyez un PDF, un document ODT ou DOCX")

ENDPOINTS = [
    Endpoint("contribution photo", _resident,
             lambda: {"kind": "idee", "title": "Des bancs", "body": "Près de l'arrêt.",
                      "commune": str(commune("lens").id), "photo_alt": "L'arrêt"},
             "photo", Photo, "La photo est trop lourde : 10 Mo au plus.", PHOTO_WRONG),
    Endpoint("meeting minutes file", _meeting_animator, dict, "file", Attachment,
             "Le fichier est trop lourd : 10 Mo au plus.", FILE_WRONG,
             tested_elsewhere={"too big", "over the site limit", "html named pdf"}),
    Endpoint("fiche photo", _fiche_author("photos"), lambda: {"alt": "La table du thé"}, "photo", FichePhoto,
             "La photo est trop lourde : 10 Mo au plus.", PHOTO_WRONG),
    Endpoint("fiche file", _fiche_author("fichiers"), dict, "file", FicheAttachment,
             "Le fichier est trop lourd : 10 Mo au plus.", FILE_WRONG),
    Endpoint("partner evidence", _partners_admin,
             lambda: {"happened_on": date.today().isoformat(), "status_after": "tenu", "note": "Courrier reçu."},
             "file", FollowUp, "Le fichier est trop lourd : 10 Mo au plus.", FILE_WRONG),
    Endpoint("tally sheet photo", _tally_referent, _tally_fields, "photo", Tally,
             "La photo est trop lourde : 10 Mo au plus.", PHOTO_WRONG),
]

WRONG_FILES = {
    "php named jpg": (PHP, "photo.jpg", "image/jpeg"),
    "html named jpg": (HTML, "photo.jpg", "image/jpeg"),
    "html named pdf": (HTML, "compte-rendu.pdf", "application/pdf"),
    "pdf header then html": (PDF_THEN_HTML, "compte-rendu.pdf", "application/pdf"),
    "svg with a script": (SVG, "dessin.png", "image/svg+xml"),  # the tally form takes .png, .jpg, .webp names
}


def send(auth, endpoint: Endpoint, url: str, page: str, content: bytes, name: str, mimetype: str, **kwargs):
    data = {**endpoint.data(), endpoint.field: (io.BytesIO(content), name, mimetype)}
    return auth.post(url, data, form_page=page, content_type="multipart/form-data", **kwargs)


def cases(check: str):
    return [pytest.param(e, id=e.name) for e in ENDPOINTS if check not in e.tested_elsewhere]


@pytest.mark.parametrize("endpoint", cases("valid"))
def test_each_endpoint_takes_a_valid_file(client, auth, uploads, endpoint):
    """The baseline the refusals below are measured against."""
    url, page = endpoint.setup(auth)
    content, name = (PDF, "ordre du jour.pdf") if endpoint.field == "file" else (png_bytes(), "photo.png")
    response = send(auth, endpoint, url, page, content, name, "application/octet-stream")
    assert response.status_code in (302, 303), page_text(response)[:2000]
    assert db.session.scalar(select(func.count()).select_from(endpoint.model)) == 1
    assert len(stored_files(uploads)) == 1


@pytest.mark.parametrize("endpoint", cases("too big"))
def test_over_10_mb_is_a_413_with_the_endpoints_message_and_nothing_stored(client, auth, uploads, endpoint):
    url, page = endpoint.setup(auth)
    content = (PDF + b"0" * (10 * MB)) if endpoint.field == "file" else OVER_10_MB
    response = send(auth, endpoint, url, page, content, "gros.jpg" if endpoint.field == "photo" else "gros.pdf",
                    "application/octet-stream")
    assert response.status_code == 413
    assert endpoint.too_big in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(endpoint.model)) == 0
    assert stored_files(uploads) == []


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS
                                      if "over the site limit" not in e.tested_elsewhere])
def test_a_30_mb_photo_comes_back_as_the_form_with_what_was_typed(client, auth, uploads, endpoint):
    url, page = endpoint.setup(auth)
    response = send(auth, endpoint, url, page, PHOTO_30_MB, "IMG_2041.jpg", "image/jpeg")
    assert response.status_code == 413 and response.mimetype == "text/html"
    text = page_text(response)
    assert endpoint.too_big in text  # the form's own message, beside the field
    typed = [v for v in endpoint.data().values() if isinstance(v, str) and len(v) > 4 and not v[:4].isdigit()]
    assert all(f'value="{v}"' in text or f">{v}<" in text or f"\n{v}<" in text for v in typed), typed
    assert db.session.scalar(select(func.count()).select_from(endpoint.model)) == 0
    assert stored_files(uploads) == []


def test_the_upload_forms_take_40_mb_and_the_other_forms_the_sites_12(app):
    from labo.core.uploads import UPLOAD_LIMIT, upload_limit_of

    marked = sorted(name for name, view in app.view_functions.items() if upload_limit_of(view))
    assert marked == ["ballots.tally", "fiches.add_attachment", "fiches.add_photo", "fund.report",
                      "meetings.add_attachment", "partners.add_follow_up", "walks.capture"] or marked == sorted([
                          "ballots.tally", "contributions.new", "fiches.add_attachment", "fiches.add_photo",
                          "fund.report", "meetings.add_attachment", "partners.add_follow_up", "walks.capture"])
    assert UPLOAD_LIMIT == 40 * MB and app.config["MAX_CONTENT_LENGTH"] == 12 * MB


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS if e.name == "fiche photo"])
def test_over_the_upload_limit_is_the_413_page_in_the_readers_language(client, auth, uploads, endpoint):
    url, page = endpoint.setup(auth)
    absurd = b"\xff\xd8\xff\xe0" + b"\0" * (41 * MB)
    french = send(auth, endpoint, url, page, absurd, "enorme.jpg", "image/jpeg")
    assert french.status_code == 413 and french.mimetype == "text/html"
    text = page_text(french)
    assert "Envoi trop gros" in text and "10 Mo au plus par photo ou par fichier" in text
    assert "Revenez en arrière : ce que vous aviez écrit y est encore." in text
    english = send(auth, endpoint, url, page, absurd, "enorme.jpg", "image/jpeg",
                   headers={"Accept-Language": "en"})
    assert english.status_code == 413 and "Too big to send" in page_text(english)
    assert db.session.scalar(select(func.count()).select_from(endpoint.model)) == 0
    assert stored_files(uploads) == []


def test_a_form_without_a_file_keeps_the_sites_12_mb_limit(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = auth.post("/compte/profil", {"pseudonym": "x" * (13 * MB)}, form_page="/compte/profil")
    assert response.status_code == 413


@pytest.mark.parametrize("endpoint, wrong", [pytest.param(e, w, id=f"{e.name}, {w}") for e in ENDPOINTS
                                              for w in WRONG_FILES if w not in e.tested_elsewhere])
def test_a_file_that_lies_about_what_it_is_gets_a_4xx_and_nothing_is_stored(client, auth, uploads, endpoint, wrong):
    url, page = endpoint.setup(auth)
    content, name, mimetype = WRONG_FILES[wrong]
    response = send(auth, endpoint, url, page, content, name, mimetype)
    assert 400 <= response.status_code < 500
    text = page_text(response)
    assert any(message in text for message in endpoint.wrong), text[:3000]
    assert db.session.scalar(select(func.count()).select_from(endpoint.model)) == 0
    assert stored_files(uploads) == []


# --- serving -----------------------------------------------------------------


def _served_contribution_photo(client, auth, uploads):
    from labo.contributions import services

    contribution = services.create_contribution(
        {"LABO_UPLOAD_DIR": str(uploads)}, create_user(), kind="idee", title="Des bancs", body="Près de l'arrêt.",
        commune=commune("lens"), photo=io.BytesIO(png_bytes()), photo_alt="L'arrêt")
    db.session.commit()
    return f"/idees/photos/{contribution.photo.key}", "inline"


def _served_fiche_photo_and_file(kind):
    def serve(client, auth, uploads):
        from flask import current_app

        from labo.fiches import services
        admin = create_admin()
        fiche = create_fiche(admin, publish_by=admin)
        if kind == "photo":
            photo = services.add_photo(current_app.config, admin, fiche, io.BytesIO(png_bytes()), "La table")
            db.session.commit()
            return f"/boite-a-outils/photos/{photo.key}", "inline"
        entry = services.add_attachment(current_app.config, admin, fiche, io.BytesIO(PDF), "déroulé.pdf")
        db.session.commit()
        return f"/boite-a-outils/{fiche.id}/fichiers/{entry.id}", "attachment"
    return serve


def _served_tally_photo(client, auth, uploads):
    from labo.core.db import utcnow
    from labo.processes import ballots

    process = insert_process(level="consultation", method="single", secret=False)
    referent = create_referent("lens", email="ref.lens@example.org")
    sheet = ballots.add_tally(process, referent, channel="paper", place="Mairie", held_on=date.today() - timedelta(days=1),
                              participants=3, commune=commune("lens"), counts={option_ids(process)[0]: 3}, now=utcnow(),
                              photo=io.BytesIO(png_bytes()), upload_dir=str(uploads))
    db.session.commit()
    auth.login("ref.lens@example.org")
    return f"/demarches/{process.id}/depouillement/{sheet.id}/photo", "inline"


@pytest.mark.parametrize("serve", [
    pytest.param(_served_contribution_photo, id="contribution photo"),
    pytest.param(_served_fiche_photo_and_file("photo"), id="fiche photo"),
    pytest.param(_served_fiche_photo_and_file("file"), id="fiche file"),
    pytest.param(_served_tally_photo, id="tally sheet photo"),
])
def test_a_served_upload_says_how_to_show_it_and_forbids_sniffing(client, auth, uploads, serve):
    url, disposition = serve(client, auth, uploads)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].split(";")[0] == disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype in ("image/png", "application/pdf")
