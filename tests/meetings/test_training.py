"""Training sessions: their publics (residents, elected officials, staff),
their trainer (an account or a name) and their materials (published fiches);
attendance with each person's public; the COPIL's "personnes formées" by
public, small groups hidden."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import Role
from labo.copil.indicators import indicators
from labo.copil.periods import Period
from labo.extensions import db
from labo.meetings import services
from labo.meetings.models import Meeting, Registration, TrainingAudience
from labo.privacy import personal_data
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_fiche, create_meeting, create_user

NOW = datetime.now(timezone.utc)
FORM = {"kind": "training", "title": "Formation : le contrat de ville", "theme": "", "starts_at": "2030-03-20T14:00",
        "venue": "Centre social", "running_order": "Accueil"}


@pytest.fixture
def organiser(auth):
    user = create_user(pseudonym="Sophie", email="anim@example.org", roles=[(Role.ANIMATOR, None)])
    auth.login("anim@example.org")
    return user


@pytest.fixture
def fiches():
    admin = create_admin(email="admin@example.org")
    author = create_user(email="auteur@example.org")
    published = create_fiche(author, title="Écouter vraiment", kind="formation", publish_by=admin)
    draft = create_fiche(author, title="Un brouillon de fiche")
    return published, draft


def training(title="Formation des relais", audiences=("resident",), days=-10, paper=0, **fields) -> Meeting:
    meeting = create_meeting(title=title, kind="training", starts_at=NOW + timedelta(days=days), paper_count=paper,
                             **fields)
    meeting.audiences = [TrainingAudience(audience=a) for a in audiences]
    db.session.commit()
    return meeting


def came(meeting, *audiences, present=True):
    """People at `meeting`, one per audience given (None: not marked)."""
    for audience in audiences:
        db.session.add(Registration(meeting_id=meeting.id, first_name="X", walk_in=True, present=present,
                                    audience=audience, cancel_token=secrets.token_hex(12)))
    db.session.commit()


# --- the form and the page ------------------------------------------------------------


def test_an_organiser_creates_a_training_with_its_publics_trainer_and_a_fiche(client, auth, organiser, fiches):
    published, draft = fiches
    form = client.get("/rencontres/nouvelle").get_data(as_text=True)
    assert "Pour une formation seulement" in form
    assert "Écouter vraiment" in form and "Un brouillon de fiche" not in form  # published fiches only
    response = auth.post("/rencontres/nouvelle", {
        **FORM, "commune": str(commune("lens").id), "audiences": ["resident", "elected"],
        "trainer_name": "Claire Martin", "materials": [str(published.id)]})
    assert response.status_code == 302, page_text(response)
    meeting = db.session.scalar(select(Meeting))
    assert meeting.kind == "training" and [a.value for a in meeting.audience_list] == ["resident", "elected"]
    assert meeting.trainer_name == "Claire Martin" and meeting.materials == [published]
    page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Formation" in page and "Habitants, Élus" in page and "Claire Martin" in page
    assert "Supports de formation" in page and "Écouter vraiment" in page
    api = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert api["kind"] == "training"
    assert api["training"] == {"audiences": ["resident", "elected"], "trainer": "Claire Martin"}


def test_the_trainer_may_be_a_labo_account(client, auth, organiser):
    response = auth.post("/rencontres/nouvelle", {**FORM, "commune": str(commune("lens").id),
                                                  "audiences": ["staff"], "trainer": str(organiser.id)})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.trainer == organiser and meeting.trainer_name == ""
    assert "Sophie" in page_text(client.get(f"/rencontres/{meeting.id}"))
    assert client.get(f"/api/v1/meetings/{meeting.id}").get_json()["training"]["trainer"] == "Sophie"


@pytest.mark.parametrize("extra, message", [
    ({}, "Dites pour qui est la formation"),
    ({"audiences": ["resident"], "trainer_name": "Claire", "trainer": "{me}"}, "pas les deux"),
])
def test_a_training_without_public_or_with_two_trainers_is_refused_with_a_message(client, auth, organiser, extra,
                                                                                  message):
    data = {**FORM, "commune": str(commune("lens").id),
            **{k: (str(organiser.id) if v == "{me}" else v) for k, v in extra.items()}}
    response = auth.post("/rencontres/nouvelle", data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert db.session.scalar(select(Meeting)) is None


def test_a_draft_fiche_cannot_be_chosen(client, auth, organiser, fiches):
    _published, draft = fiches
    response = auth.post("/rencontres/nouvelle", {**FORM, "commune": str(commune("lens").id),
                                                  "audiences": ["resident"], "materials": [str(draft.id)]})
    assert response.status_code == 422
    assert db.session.scalar(select(Meeting)) is None


def test_editing_a_training_changes_only_what_was_edited(client, auth, organiser, fiches):
    published, _draft = fiches
    auth.post("/rencontres/nouvelle", {**FORM, "commune": str(commune("lens").id),
                                       "audiences": ["resident", "elected"], "trainer_name": "Claire Martin",
                                       "materials": [str(published.id)]})
    meeting = db.session.scalar(select(Meeting))
    html = client.get(f"/rencontres/{meeting.id}/modifier").get_data(as_text=True)
    for value in ("resident", "elected", str(published.id)):  # the form shows what is stored
        assert re.search(rf'<input checked[^>]*value="{value}"', html), value
    assert 'value="Claire Martin"' in html
    response = auth.post(f"/rencontres/{meeting.id}/modifier", {
        **FORM, "title": "Formation : le contrat de ville, 2e séance", "commune": str(commune("lens").id),
        "audiences": ["resident", "elected"], "trainer_name": "Claire Martin", "materials": [str(published.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.title == "Formation : le contrat de ville, 2e séance"
    assert [a.value for a in meeting.audience_list] == ["resident", "elected"]
    assert meeting.trainer_name == "Claire Martin" and meeting.materials == [published]


def test_a_fiche_sent_back_to_its_author_stays_a_material_when_the_training_is_saved(client, auth, organiser, fiches):
    published, _draft = fiches
    meeting = training(days=20, audiences=("resident",), animators=[organiser])
    meeting.materials = [published]
    db.session.commit()
    published.status = "draft"
    db.session.commit()
    assert "Écouter vraiment" not in page_text(client.get(f"/rencontres/{meeting.id}"))  # no longer public
    html = client.get(f"/rencontres/{meeting.id}/modifier").get_data(as_text=True)
    assert "plus publiée" in html
    response = auth.post(f"/rencontres/{meeting.id}/modifier", {
        **FORM, "title": "Formation des relais", "commune": str(commune("wingles").id), "audiences": ["resident"],
        "materials": [str(published.id)]})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.materials == [published]


def test_a_training_turned_into_another_kind_keeps_nothing_of_a_training(client, auth, organiser):
    meeting = training(days=20, audiences=("resident", "staff"), animators=[organiser], trainer_name="Claire")
    response = auth.post(f"/rencontres/{meeting.id}/modifier", {
        **FORM, "kind": "event", "title": "Fête de quartier", "commune": str(commune("wingles").id),
        "audiences": ["resident", "staff"], "trainer_name": "Claire"})
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.kind == "event" and meeting.audiences == [] and meeting.trainer_name == ""


def test_the_database_keeps_a_trainer_to_trainings_and_each_public_once():
    meeting = create_meeting(title="Rencontre de Wingles")
    meeting.trainer_name = "Claire"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    session = training()
    db.session.add(TrainingAudience(meeting_id=session.id, audience="resident"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(TrainingAudience(meeting_id=session.id, audience="mayor"))
    with pytest.raises(IntegrityError):
        db.session.commit()


# --- attendance ----------------------------------------------------------------------


def test_at_a_training_for_several_publics_the_organiser_marks_each_attendee(client, auth, organiser):
    meeting = training(days=0, audiences=("resident", "elected"), animators=[organiser])
    josiane = services.register(meeting, first_name="Josiane", walk_in=True)
    page = client.get(f"/rencontres/{meeting.id}/emargement")
    text = page_text(page)
    assert "Sans choix, elle compte comme « Habitant »" in text
    html = page.get_data(as_text=True)
    assert 'value="resident" class="btn btn-small btn-primary" aria-pressed="true"' in html
    assert 'value="staff"' not in html  # only the training's publics
    url = f"/rencontres/{meeting.id}/emargement/{josiane.registration_id}/public"
    response = auth.post(url, {"audience": "elected"}, form_page=f"/rencontres/{meeting.id}/emargement")
    assert response.status_code == 302
    assert db.session.get(Registration, josiane.registration_id).audience == "elected"
    after = client.get(f"/rencontres/{meeting.id}/emargement").get_data(as_text=True)
    assert 'value="elected" class="btn btn-small btn-primary" aria-pressed="true"' in after
    bad = auth.post(url, {"audience": "mayor"}, form_page=f"/rencontres/{meeting.id}/emargement")
    assert bad.status_code == 400
    assert db.session.get(Registration, josiane.registration_id).audience == "elected"


def test_a_training_for_one_public_or_another_meeting_asks_nothing_more(client, auth, organiser):
    for meeting in (training(days=0, audiences=("elected",), animators=[organiser]),
                    create_meeting(title="Rencontre", animators=[organiser])):
        services.register(meeting, first_name="Josiane", walk_in=True)
        html = client.get(f"/rencontres/{meeting.id}/emargement").get_data(as_text=True)
        assert "audience-form" not in html


# --- the COPIL's people trained -------------------------------------------------------


def trained(figures) -> dict[str, int]:
    table = next(t for t in figures.tables if t.key == "formations")
    return {row.label: row.values[0] for row in table.rows}


def test_people_trained_are_counted_by_public_from_the_attendance_of_trainings_held(app):
    both = training("Pour tous", audiences=("resident", "elected"), paper=2)
    came(both, "resident", "elected", "elected", None, "staff")  # unmarked: residents; staff: not a public of it
    came(both, "elected", present=False)  # registered but did not come
    elected = training("Pour les élus", audiences=("elected",), paper=3)
    came(elected, None, "resident")  # one public only: everyone counts as elected
    staff = training("Pour les agents", audiences=("staff",), days=-40)
    came(staff, None)
    cancelled = training("Annulée", audiences=("resident",), cancelled=True)
    came(cancelled, "resident")
    coming = training("À venir", audiences=("resident",), days=10)
    came(coming, "resident")
    labo = create_meeting(title="Rencontre du Labo", starts_at=NOW - timedelta(days=5))
    came(labo, None, None)
    old = training("Il y a deux ans", audiences=("resident",), days=-700)
    came(old, "resident")
    figures = indicators(Period((NOW - timedelta(days=200)).date(), NOW.date()), app.config["LABO_ANSWER_DAYS"])
    assert figures.trainings == 3
    assert trained(figures) == {"Habitants": 3, "Élus": 2 + 2 + 3, "Professionnels": 1,
                                "Public non noté (feuille papier)": 2}


def test_the_dashboard_shows_people_trained_and_hides_groups_under_five(client, auth):
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    session = training("Pour tous", audiences=("resident", "elected"))
    came(session, *(["resident"] * 6 + ["elected"] * 5))
    period = {"from": (NOW - timedelta(days=100)).date().isoformat(), "to": NOW.date().isoformat()}

    def cells():
        html = client.get("/copil/", query_string=period).get_data(as_text=True)
        section = html[html.index('id="f-formations"'):]
        return html, dict(re.findall(r'<th scope="row">([^<]*)</th>\s*<td class="num">([^<]*)</td>',
                                     section[:section.index("</section>")]))

    html, shown = cells()
    assert "Personnes formées, par public" in html
    assert re.search(r"<strong>1</strong>\s*formations tenues", html)
    assert shown["Habitants"] == "6" and shown["Élus"] == "5" and shown["Total"] == "11"
    csv = client.get("/copil/export/formations.csv", query_string=period)
    assert csv.status_code == 200 and "Habitants;6" in csv.get_data(as_text=True)
    came(training("Pour les agents", audiences=("staff",)), "staff", "staff")
    html, shown = cells()
    assert shown["Professionnels"] == "&lt; 5"  # two people: a group under 5
    assert re.search(r"<strong>2</strong>\s*formations tenues", html)


# --- the person's own data ------------------------------------------------------------


def test_a_trainer_finds_their_trainings_in_their_download_and_erasure_unnames_them(app):
    trainer = create_user(pseudonym="Claire", email="claire@example.org", roles=[(Role.ANIMATOR, None)])
    meeting = training("Formation des relais", trainer=trainer)
    assert services.export_for(trainer)["trainings_given"][0]["meeting"] == "Formation des relais"
    services.erase_for(app.config, trainer)
    db.session.commit()
    db.session.refresh(meeting)
    assert meeting.trainer_id is None


def test_the_flyer_says_it_is_a_training_and_for_whom(client):
    meeting = training("Formation des relais", audiences=("resident", "elected"), days=20)
    text = page_text(client.get(f"/rencontres/{meeting.id}/affiche"))
    assert "Formation" in text and "pour : Habitants, Élus" in text
    labo = create_meeting(title="Rencontre de Wingles")
    assert "pour :" not in page_text(client.get(f"/rencontres/{labo.id}/affiche"))
