"""Meetings have a kind (Labo meeting, training, walking diagnostic, network
meeting, event): chosen on the form (never "walk": labo.walks plans those),
said on the programme and the meeting's page, filtered without JavaScript,
and given by the API."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from labo.accounts.models import Role
from labo.extensions import db
from labo.meetings.models import Meeting
from tests.conftest import page_text
from tests.factories import commune, create_meeting, create_user

SOON = datetime.now(timezone.utc) + timedelta(days=20)
FORM = {"title": "Réunion des relais", "theme": "", "starts_at": "2030-03-20T14:00", "venue": "Centre social",
        "running_order": "Accueil"}


def animator_logged_in(auth):
    user = create_user(email="anim@example.org", roles=[(Role.ANIMATOR, None)])
    auth.login("anim@example.org")
    return user


def test_the_form_offers_four_kinds_labo_meeting_first_and_never_a_walk(client, auth):
    animator_logged_in(auth)
    html = client.get("/rencontres/nouvelle").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*name="kind"[^>]*>', html)
    assert [tag for tag in checked if "checked" in tag] == [t for t in checked if 'value="labo"' in t]
    for kind in ("training", "network", "event"):
        assert f'value="{kind}"' in html
    assert 'value="walk"' not in html


def test_an_organiser_creates_a_network_meeting_and_it_says_so(client, auth):
    animator_logged_in(auth)
    response = auth.post("/rencontres/nouvelle", {**FORM, "kind": "network", "commune": str(commune("lens").id)})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.kind == "network"
    assert "Réunion du réseau" in page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Réunion du réseau" in page_text(client.get("/rencontres/"))


def test_a_walk_cannot_be_made_from_the_ordinary_form(client, auth):
    animator_logged_in(auth)
    response = auth.post("/rencontres/nouvelle", {**FORM, "kind": "walk", "commune": str(commune("lens").id)})
    assert response.status_code == 422
    assert db.session.scalar(select(Meeting)) is None


def test_a_walk_shows_as_a_walk_and_its_edit_keeps_it_a_walk(client, auth):
    animator = animator_logged_in(auth)
    walk = create_meeting(title="Diagnostic de la cité 12", kind="walk", starts_at=SOON, animators=[animator])
    assert "Diagnostic en marchant" in page_text(client.get("/rencontres/"))
    assert "Diagnostic en marchant" in page_text(client.get(f"/rencontres/{walk.id}"))
    form = client.get(f"/rencontres/{walk.id}/modifier").get_data(as_text=True)
    assert 'value="walk"' in form and 'value="labo"' not in form  # a walk stays a walk
    assert "Pour une formation seulement" not in form
    response = auth.post(f"/rencontres/{walk.id}/modifier", {
        **FORM, "title": "Diagnostic de la cité 12 (bis)", "kind": "labo", "commune": str(commune("wingles").id),
        "starts_at": "2030-03-20T14:00"})
    assert response.status_code == 422  # "labo" is not offered for a walk
    response = auth.post(f"/rencontres/{walk.id}/modifier", {
        **FORM, "title": "Diagnostic de la cité 12 (bis)", "kind": "walk", "commune": str(commune("wingles").id)})
    assert response.status_code == 302
    db.session.refresh(walk)
    assert walk.kind == "walk" and walk.title == "Diagnostic de la cité 12 (bis)"


def test_the_programme_filters_by_kind_without_javascript(client):
    create_meeting(title="Rencontre de Wingles", starts_at=SOON)
    create_meeting(title="Formation des relais", kind="training", starts_at=SOON + timedelta(days=1))
    create_meeting(title="Fête des voisins", kind="event", starts_at=SOON - timedelta(days=60))
    everything = client.get("/rencontres/")
    html = everything.get_data(as_text=True)
    assert '<form method="get"' in html and 'name="type"' in html  # a plain form: no script needed
    assert all(t in page_text(everything) for t in ("Rencontre de Wingles", "Formation des relais", "Fête des voisins"))
    trainings = page_text(client.get("/rencontres/?type=training"))
    assert "Formation des relais" in trainings
    assert "Rencontre de Wingles" not in trainings and "Fête des voisins" not in trainings
    events = page_text(client.get("/rencontres/?type=event"))
    assert "Fête des voisins" in events and "Formation des relais" not in events
    assert '<option value="event" selected>' in client.get("/rencontres/?type=event").get_data(as_text=True)


def test_an_unknown_kind_in_the_filter_is_a_400_that_says_so(client):
    create_meeting(title="Rencontre de Wingles", starts_at=SOON)
    response = client.get("/rencontres/?type=pique-nique")
    assert response.status_code == 400
    text = page_text(response)
    assert "Ce type de rencontre n'existe pas" in text and "Rencontre de Wingles" in text


def test_the_api_gives_the_kind_and_filters_by_it(client):
    create_meeting(title="Rencontre de Wingles", starts_at=SOON)
    create_meeting(title="Formation des relais", kind="training", starts_at=SOON)
    everything = client.get("/api/v1/meetings").get_json()
    assert {m["title"]: m["kind"] for m in everything} == {"Rencontre de Wingles": "labo",
                                                           "Formation des relais": "training"}
    assert next(m for m in everything if m["kind"] == "labo")["training"] is None
    only = client.get("/api/v1/meetings?kind=training").get_json()
    assert [m["title"] for m in only] == ["Formation des relais"]
    bad = client.get("/api/v1/meetings?kind=picnic")
    assert bad.status_code == 400 and "kind" in bad.get_json()["errors"]


def test_the_openapi_document_describes_the_kind_and_the_training(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    meeting = doc["components"]["schemas"]["Meeting"]["properties"]
    assert meeting["kind"]["enum"] == ["labo", "training", "walk", "network", "event"]
    assert set(meeting["training"]["properties"]) == {"audiences", "trainer"}
    params = {p["name"] for p in doc["paths"]["/meetings"]["get"]["parameters"]}
    assert "kind" in params
