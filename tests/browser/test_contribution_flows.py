"""The contributions ("idées") as people use them, in Chromium at phone size
(360x740): a resident posts one with a photo and supports it; a draft
survives a dropped connection; a referent hides, restores and answers one,
and a referent of another commune cannot. axe-core (WCAG 2.1 A/AA) runs on
every page each flow visits. One Chromium launch per test
(tests/browser/run_pages.mjs, the "contribution-*" flows)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from labo.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"
RESIDENT_COMMUNE = "Mazingarbe"
LENS_REFERENT = "referente.lens@labo.example"
LIEVIN_REFERENT = "referent.lievin@labo.example"


def login(email: str) -> dict:
    return {"email": email, "password": DEMO_PASSWORD}


def unique(text: str) -> str:
    """A title no other test (or rerun against the same server) uses."""
    return f"{text} {uuid.uuid4().hex[:6]}"


def assert_flow(result: dict, must_include: list[str]) -> None:
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed, "\n".join(failed)
    names = [s["name"] for s in result["steps"]]
    missing = [n for n in must_include if n not in names]
    assert not missing, f"the flow stopped early, never checked: {missing}\nsteps: {names}"


@pytest.fixture(scope="module")
def uploads(live_server, tmp_path_factory):
    """Photos sent during these tests go to a temporary directory, not instance/."""
    directory = tmp_path_factory.mktemp("uploads")
    previous = live_server.app.config["LABO_UPLOAD_DIR"]
    live_server.app.config["LABO_UPLOAD_DIR"] = str(directory)
    yield directory
    live_server.app.config["LABO_UPLOAD_DIR"] = previous


@pytest.fixture
def photo_file(tmp_path):
    """A small real JPEG (a gradient with a disc), wider than a phone screen."""
    from PIL import Image, ImageDraw

    gradient = Image.linear_gradient("L").resize((800, 600))
    image = Image.merge("RGB", (gradient, gradient.rotate(90), Image.new("L", (800, 600), 140)))
    ImageDraw.Draw(image).ellipse((300, 200, 500, 400), fill=(250, 200, 40))
    path = tmp_path / "banc.jpg"
    image.save(path, "JPEG", quality=85)
    return path


def contributions_titled(app, title: str) -> list:
    from labo.contributions.models import Contribution
    from labo.extensions import db

    with app.app_context():
        return db.session.execute(
            select(Contribution.id, Contribution.kind, Contribution.visibility).where(Contribution.title == title)
        ).all()


def test_resident_posts_with_photo_and_supports(live_server, run_browser, uploads, photo_file):
    from labo.territory.models import Commune
    from labo.extensions import db

    app = live_server.app
    with app.app_context():
        commune_id = db.session.scalar(select(Commune.id).where(Commune.name == RESIDENT_COMMUNE))
    assert commune_id, f"{RESIDENT_COMMUNE} was not seeded"
    title = unique("Des bancs près de l'arrêt de bus")
    result = run_browser({
        "flow": "contribution-resident",
        "login": login(RESIDENT),
        "commune": {"id": commune_id, "name": RESIDENT_COMMUNE},
        "title": title,
        "body": "Les personnes âgées attendent le bus debout, un banc ou deux suffiraient.",
        "photo": str(photo_file),
        "alt": "L'arrêt de bus de la rue Lamartine, sans banc",
    })
    assert_flow(result, [
        "the commune is pre-filled with the home commune",
        "the photo is shown, served by the site",
        "the new contribution is listed",
        "the count goes to 1",
        "the button becomes \"Je ne soutiens plus\"",
        "contribution after supporting: axe finds no WCAG 2.1 A/AA violation",
    ])
    rows = contributions_titled(app, title)
    assert [(r.id, r.kind, r.visibility) for r in rows] == [(result["id"], "envie", "published")]
    # the photo (800 px wide), and its 480-px copy for small screens
    stored = sorted(p.name for p in uploads.iterdir())
    assert len(stored) == 2 and sum(name.endswith("-w480.jpg") for name in stored) == 1, f"the photo was not stored as expected: {stored}"


def test_draft_survives_a_dropped_connection(live_server, run_browser):
    title = unique("Un jardin partagé au pied des immeubles")
    result = run_browser({
        "flow": "contribution-draft",
        "login": login(RESIDENT),
        "title": title,
        "body": "Il y a une pelouse que personne n'utilise.\n\nOn pourrait y faire des bacs à légumes.",
    })
    assert_flow(result, [
        "the title and body typed before are restored",
        "sending the restored draft works",
        "the draft is kept under this account's own key",
        "the form says the photo is not kept in the draft",
        "after a successful send the form is empty",
        "new contribution form, after sending: axe finds no WCAG 2.1 A/AA violation",
        "logging out clears the drafts kept on this device",
    ])
    # The offline attempt never reached the server: one contribution, not two.
    assert len(contributions_titled(live_server.app, title)) == 1


def test_referent_hides_restores_and_answers(live_server, run_browser):
    from labo.accounts.services import find_user_by_email
    from labo.contributions.services import create_contribution
    from labo.extensions import db
    from labo.territory.models import Commune

    app = live_server.app
    title = unique("Éclairer le chemin vers l'école")
    with app.app_context():
        lens = db.session.scalar(select(Commune).where(Commune.name == "Lens"))
        contribution = create_contribution(
            app.config, find_user_by_email(RESIDENT), kind="idee", title=title,
            body="Le soir, le chemin derrière le stade est noir.", commune=lens,
        )
        db.session.commit()
        contribution_id = contribution.id
    result = run_browser({
        "flow": "contribution-referent",
        "login": login(LENS_REFERENT),
        "other": login(LIEVIN_REFERENT),
        "contribution": {"id": contribution_id, "title": title},
        "reason": "Un numéro de téléphone personnel figure dans le texte.",
        "answer": "Deux lampadaires seront posés au printemps, la ville a voté le budget.",
    })
    assert_flow(result, [
        "the page says it is hidden, with the reason",
        "the hidden notice is gone",
        "the answer is shown in \"La réponse\"",
        "the Liévin referent sees no moderation box",
        "contribution, as a referent of another commune: axe finds no WCAG 2.1 A/AA violation",
    ])
    from labo.contributions.models import Contribution

    with app.app_context():
        row = db.session.get(Contribution, contribution_id)
        assert (row.visibility, row.status) == ("published", "retenue")
        assert db.session.scalar(select(func.count()).select_from(Contribution).where(Contribution.title == title)) == 1
