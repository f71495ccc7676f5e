"""The directory of actors and the ambassadors' space: nobody appears
without opting in, only what they chose is shown, notes stay their
author's, and the steering committee sees counts, never names or texts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.actors import services
from labo.actors.models import ActivityEntry, ActorProfile, Organisation
from labo.extensions import db
from labo.meetings import services as meeting_services
from labo.permissions import can
from labo.territory.models import Ambition
from tests.conftest import page_text
from tests.factories import (commune, create_activity, create_admin, create_meeting, create_organisation,
                             create_profile, create_referent, create_user)


def ambassador(email="amb@example.org", pseudonym="Mehdi", **kwargs):
    return create_user(pseudonym=pseudonym, email=email, roles=[(Role.AMBASSADOR, None)], **kwargs)


def ambition(slug_start: str) -> Ambition:
    return db.session.scalar(select(Ambition).where(Ambition.slug.startswith(slug_start)))


def directory_text(client, query="") -> str:
    response = client.get("/acteurs/" + query)
    assert response.status_code == 200
    return page_text(response)


# --- the directory shows only what people chose ---------------------------


def test_a_person_who_did_not_opt_in_does_not_appear(client):
    ambassador(email="never@example.org", pseudonym="Jamais Inscrit")  # no card at all
    hesitant = ambassador(email="hesitant@example.org", pseudonym="Pas Encore")
    create_profile(hesitant, listed=False, email="public-hesitant@example.org", presentation="Bonjour",
                   communes=["lens"])
    text = directory_text(client)
    assert "Jamais Inscrit" not in text and "Pas Encore" not in text
    assert "public-hesitant@example.org" not in text and "0 acteur." in text  # French: zero takes the singular
    # Not even through a filter on the commune they filled in.
    assert "Pas Encore" not in directory_text(client, "?commune=lens")


def test_an_opted_in_email_appears_only_if_chosen(client):
    person = ambassador(email="login-address@example.org", pseudonym="Sabrina")
    create_profile(person, listed=True)  # pseudonym only
    text = directory_text(client)
    assert "Sabrina" in text and "Ambassadrice ou ambassadeur" in text
    assert "login-address@example.org" not in text and "mailto:" not in text and "tel:" not in text

    create_profile(person, listed=True, email="sabrina.relais@example.org")
    text = directory_text(client)
    assert "sabrina.relais@example.org" in text
    assert "login-address@example.org" not in text  # the account's address is never shown


def test_an_ambassador_opts_in_through_their_card_and_out_again(client, auth):
    ambassador(email="amb@example.org", pseudonym="Mehdi", home="wingles")
    auth.login("amb@example.org")
    form = page_text(client.get("/acteurs/moi"))
    assert "Vous n'apparaissez pas dans l'annuaire" in form
    theme = ambition("1-1-")
    response = auth.post("/acteurs/moi", {
        "listed": "y", "public_phone": "06 12 34 56 78", "presentation": "Je parle du Labo au club de foot.",
        "communes": [str(commune("wingles").id)], "themes": [str(theme.id)],
    })
    assert response.status_code == 302
    text = directory_text(client)
    assert "Mehdi" in text and "06 12 34 56 78" in text and "club de foot" in text and theme.title in text
    assert "amb@example.org" not in text

    response = auth.post("/acteurs/moi", {"public_phone": "06 12 34 56 78", "presentation": "Je parle du Labo."})
    assert response.status_code == 302
    assert "Mehdi" not in directory_text(client)


def test_a_bad_phone_or_email_on_the_card_is_a_clear_message(client, auth):
    ambassador()
    auth.login("amb@example.org")
    response = auth.post("/acteurs/moi", {"listed": "y", "public_phone": "appelez-moi"})
    assert response.status_code == 422
    assert "numéro de téléphone n'est pas valide" in page_text(response)
    response = auth.post("/acteurs/moi", {"listed": "y", "public_email": "pas-une-adresse"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ActorProfile)) == 0


def test_someone_who_is_no_longer_ambassador_leaves_the_directory(client):
    person = ambassador(pseudonym="Ancienne Ambassadrice")
    create_profile(person)
    assert "Ancienne Ambassadrice" in directory_text(client)
    person.grants.clear()
    db.session.commit()
    assert "Ancienne Ambassadrice" not in directory_text(client)


def test_a_presentation_is_shown_as_text_not_markup(client):
    person = ambassador()
    create_profile(person, presentation='<script>alert("x")</script><b>gras</b>')
    html = client.get("/acteurs/").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>gras</b>" not in html
    assert "&lt;script&gt;" in html


def test_the_directory_filters_by_commune_and_theme(client):
    jobs = ambition("2-5-")
    housing = ambition("2-3-")
    create_organisation("Mission locale", communes=("lens", "lievin"), ambitions=[jobs])
    create_organisation("Jardins de Wingles", communes=("wingles",), kind="association", ambitions=[housing])
    referent = create_referent("lens", pseudonym="Nadia", email="nadia@example.org")
    create_profile(referent, communes=["lens"], ambitions=[housing])

    text = directory_text(client, "?commune=lens")
    assert "Mission locale" in text and "Nadia" in text and "Jardins de Wingles" not in text
    text = directory_text(client, f"?theme={housing.slug}")
    assert "Jardins de Wingles" in text and "Nadia" in text and "Mission locale" not in text
    text = directory_text(client, "?theme=p2&commune=wingles")
    assert "Jardins de Wingles" in text and "Mission locale" not in text and "Nadia" not in text
    text = directory_text(client, "?kind=structures")
    assert "Nadia" not in text and "Mission locale" in text
    text = directory_text(client, "?kind=personnes")
    assert "Nadia" in text and "Mission locale" not in text


def test_unknown_filters_and_pages_filter_nothing_and_never_fail(client):
    create_organisation("Mission locale")
    for query in ("?commune=nulle-part", "?theme=zzz", "?kind=robots", "?page=abc", "?page=999999", "?page=-1"):
        assert "Mission locale" in directory_text(client, query), query


def test_a_long_directory_is_paginated(client, app):
    admin = create_admin()
    for n in range(app.config["LABO_PER_PAGE"] + 3):
        create_organisation(f"Association {n:02d}", admin=admin)
    first = directory_text(client)
    assert "Association 00" in first and "Association 22" not in first and "Page 1 sur 2" in first
    second = directory_text(client, "?page=2")
    assert "Association 22" in second and "Association 00" not in second


# --- organisations --------------------------------------------------------


def test_a_referent_adds_an_organisation_in_their_commune_only(client, auth):
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    data = {"name": "Les Jardins de la Cité 12", "kind": "association", "description": "Un jardin partagé.",
            "contact_email": "jardins@example.org", "communes": [str(commune("lens").id)]}
    response = auth.post("/acteurs/structures/nouvelle", data)
    assert response.status_code == 302
    text = directory_text(client)
    assert "Les Jardins de la Cité 12" in text and "jardins@example.org" in text and "Association" in text

    response = auth.post("/acteurs/structures/nouvelle", {**data, "name": "Ailleurs", "communes": [str(commune("avion").id)]})
    assert response.status_code == 422
    assert "seulement ajouter les communes où vous êtes personne référente" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_an_organisation_form_says_what_is_missing(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = auth.post("/acteurs/structures/nouvelle", {"name": "", "kind": "", "website": "javascript:alert(1)"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Indiquez le nom." in text and "Choisissez au moins une commune." in text


def test_a_referent_of_another_commune_cannot_edit_an_organisation_an_admin_removes_it(client, auth):
    organisation = create_organisation("Centre social", communes=("wingles",))
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert client.get(f"/acteurs/structures/{organisation.id}/modifier").status_code == 403
    assert auth.post(f"/acteurs/structures/{organisation.id}/supprimer", form_page="/acteurs/").status_code == 403
    auth.logout()
    create_admin(email="boss@example.org", pseudonym="Boss")
    auth.login("boss@example.org")
    assert client.get(f"/acteurs/structures/{organisation.id}/modifier").status_code == 200
    response = auth.post(f"/acteurs/structures/{organisation.id}/supprimer", form_page=f"/acteurs/structures/{organisation.id}/modifier")
    assert response.status_code == 302
    assert "Centre social" not in directory_text(client)
    assert client.get("/acteurs/structures/999/modifier").status_code == 404


# --- the ambassador's space ---------------------------------------------


def test_the_space_gives_invite_links_and_flyers_and_counts_what_the_links_brought(client, auth, app):
    person = ambassador()
    coming = create_meeting()
    held = create_meeting(starts_at=datetime(2024, 3, 23, 13, tzinfo=timezone.utc), commune_slug="avion", title="Avion")
    for name in ("Monique", "Ali"):
        meeting_services.register(coming, first_name=name, contact="x@example.org", relay=person)
    seat = meeting_services.register(coming, first_name="Paul", contact="p@example.org", relay=person)
    meeting_services.cancel(seat.cancel_token)
    walk_in = meeting_services.register(held, first_name="Léa", walk_in=True, relay=person)
    assert walk_in.status == "confirmed"
    auth.login("amb@example.org")
    response = client.get("/acteurs/mon-espace")
    assert response.status_code == 200
    text = page_text(response)
    token = meeting_services.relay_token(app.config, person)
    assert f"/rencontres/{coming.id}?relais={token}" in text
    assert f"/rencontres/{coming.id}/affiche" in text
    relayed = services.relayed_meetings(person)
    assert [(r.meeting.id, r.registered, r.present) for r in relayed] == [(coming.id, 2, 0), (held.id, 1, 1)]
    assert "Monique" not in text and "Ali" not in text  # counts, not names


def test_an_ambassador_keeps_an_activity_log_of_their_own(client, auth):
    ambassador()
    auth.login("amb@example.org")
    response = auth.post("/acteurs/mon-espace/activite/nouvelle", {
        "happened_on": (date.today() - timedelta(days=3)).isoformat(), "kind": "retour",
        "commune": str(commune("wingles").id), "people_count": "", "text": "Les parents veulent des rencontres après 18 h <b>svp</b>",
    })
    assert response.status_code == 302
    html = client.get("/acteurs/mon-espace").get_data(as_text=True)
    assert "Les parents veulent des rencontres après 18 h &lt;b&gt;svp&lt;/b&gt;" in html
    assert "Retour du terrain" in page_text(client.get("/acteurs/mon-espace"))
    entry = db.session.scalar(select(ActivityEntry))
    response = auth.post(f"/acteurs/mon-espace/activite/{entry.id}", {
        "happened_on": entry.happened_on.isoformat(), "kind": "rencontre", "commune": str(commune("wingles").id),
        "people_count": "12", "text": "Au club de foot",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.kind, entry.people_count, entry.text) == ("rencontre", 12, "Au club de foot")
    response = auth.post(f"/acteurs/mon-espace/activite/{entry.id}/supprimer", form_page=f"/acteurs/mon-espace/activite/{entry.id}")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_nobody_else_reads_or_changes_an_ambassadors_note(client, auth):
    owner = ambassador()
    entry = create_activity(owner, kind="rencontre", commune_slug="lens", people_count=4,
                            text="Mme Durand, rue des Lilas")
    ambassador(email="other@example.org", pseudonym="Autre")
    create_admin(email="boss@example.org", pseudonym="Boss")
    for email in ("other@example.org", "boss@example.org"):
        auth.login(email)
        assert client.get(f"/acteurs/mon-espace/activite/{entry.id}").status_code == 404
        response = auth.post(f"/acteurs/mon-espace/activite/{entry.id}/supprimer", form_page="/acteurs/mon-espace")
        assert response.status_code == 404
        assert "Mme Durand" not in page_text(client.get("/acteurs/mon-espace"))
        auth.logout()
    assert db.session.get(ActivityEntry, entry.id) is not None


@pytest.mark.parametrize("fields, message", [
    ({"happened_on": (date.today() + timedelta(days=2)).isoformat()}, "La date ne peut pas être dans le futur."),
    ({"happened_on": "31/02/2024"}, "Indiquez la date."),
    ({"people_count": "-3"}, "Indiquez un nombre de personnes entre 0 et 100 000."),
    ({"people_count": "beaucoup"}, "entier valide"),
    ({"commune": "999999"}, "choix valide"),
    ({"kind": "autre"}, "choix valide"),
])
def test_bad_activity_input_gets_a_clear_message(client, auth, fields, message):
    ambassador()
    auth.login("amb@example.org")
    data = {"happened_on": date.today().isoformat(), "kind": "relais", "commune": str(commune("lens").id), **fields}
    response = auth.post("/acteurs/mon-espace/activite/nouvelle", data)
    assert response.status_code == 422
    text = page_text(response)
    assert "Quelque chose est à corriger" in text and message in text
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_the_steering_committee_sees_counts_never_names_or_texts(client, auth):
    mehdi = ambassador(pseudonym="Mehdi")
    nadia = create_referent("lens", pseudonym="Nadia", email="nadia@example.org")
    march = date(2024, 3, 10)
    for user, kind, where, people, text in [
        (mehdi, "rencontre", "wingles", 12, "Au club de foot avec Kevin"),
        (mehdi, "rencontre", "wingles", 5, "Sur le marché"),
        (nadia, "rencontre", "wingles", 3, "Chez Mme Martin"),
        (nadia, "retour", "lens", None, "Les trottoirs"),
    ]:
        create_activity(user, happened_on=march, kind=kind, commune_slug=where, people_count=people, text=text)
    figures = services.activity_aggregates()
    assert [(f.month, f.commune, f.kind, f.entries, f.people) for f in figures] == [
        (date(2024, 3, 1), "Lens", "retour", 1, 0),
        (date(2024, 3, 1), "Wingles", "rencontre", 3, 20),
    ]
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    response = client.get("/acteurs/activite")
    assert response.status_code == 200
    text = page_text(response)
    assert "Wingles" in text and "20" in text and "mars 2024" in text
    for secret in ("Mehdi", "Nadia", "Kevin", "club de foot", "Mme Martin", "trottoirs"):
        assert secret not in text
    assert "Rien pour l'instant" in page_text(client.get("/acteurs/activite?annee=2023"))
    assert sum(f.entries for f in services.activity_aggregates(2024)) == 4
    assert services.activity_aggregates(2023) == []
    assert client.get("/acteurs/activite?annee=deux-mille").status_code == 200


# --- who may do what ----------------------------------------------------


ROLES = ["anonymous", "resident", "ambassador", "referent", "copil", "admin"]


@pytest.fixture
def people():
    return {
        "anonymous": AnonymousUserMixin(),
        "resident": create_user(email="resident@example.org"),
        "ambassador": ambassador(email="ambassador@example.org", pseudonym="Amb"),
        "referent": create_referent("lens", email="referent@example.org", pseudonym="Ref"),
        "copil": create_user(email="copil@example.org", roles=[(Role.COPIL, None)]),
        "admin": create_admin(email="admin@example.org", pseudonym="Adm"),
    }


@pytest.mark.parametrize("action, allowed", [
    ("actors.appear", {"ambassador", "referent"}),
    ("actors.log_activity", {"ambassador", "referent", "admin"}),
    ("actors.read_aggregates", {"copil", "admin"}),
    ("actors.manage_organisation", {"referent", "admin"}),
])
def test_permission_matrix(people, action, allowed):
    assert {role for role in ROLES if can(people[role], action)} == allowed


def test_permission_matrix_on_objects(people):
    in_lens = create_organisation("À Lens", communes=("lens",), admin=people["admin"])
    in_avion = create_organisation("À Avion", communes=("avion",), admin=people["admin"])
    note = create_activity(people["ambassador"], kind="relais", commune_slug="lens")
    assert {r for r in ROLES if can(people[r], "actors.manage_organisation", in_lens)} == {"referent", "admin"}
    assert {r for r in ROLES if can(people[r], "actors.manage_organisation", in_avion)} == {"admin"}
    assert {r for r in ROLES if can(people[r], "actors.edit_activity", note)} == {"ambassador"}


@pytest.mark.parametrize("path, allowed", [
    ("/acteurs/", set(ROLES)),
    ("/acteurs/moi", {"ambassador", "referent"}),
    ("/acteurs/mon-espace", {"ambassador", "referent", "admin"}),
    ("/acteurs/mon-espace/activite/nouvelle", {"ambassador", "referent", "admin"}),
    ("/acteurs/activite", {"copil", "admin"}),
    ("/acteurs/structures/nouvelle", {"referent", "admin"}),
])
def test_pages_answer_each_role(client, auth, people, path, allowed):
    for role in ROLES:
        if role != "anonymous":
            auth.login(people[role].email)
        status = client.get(path).status_code
        if role in allowed:
            assert status == 200, (role, path, status)
        else:
            assert status == (302 if role == "anonymous" else 403), (role, path, status)
        if role != "anonymous":
            auth.logout()


def test_the_account_page_leads_ambassadors_to_their_space(client, auth):
    ambassador()
    create_user(email="resident@example.org")
    auth.login("amb@example.org")
    text = page_text(client.get("/compte/"))
    assert "Mon espace de terrain" in text and "Ma fiche dans l'annuaire" in text
    auth.logout()
    auth.login("resident@example.org")
    assert "Mon espace de terrain" not in page_text(client.get("/compte/"))


def test_erasing_an_account_removes_its_card_and_its_notes(client, auth, app):
    from labo.privacy.personal_data import erase_account

    person = ambassador()
    create_profile(person, email="pub@example.org")
    create_activity(person, kind="relais", commune_slug="lens", people_count=2, text="note")
    erase_account(app.config, person, "un mot de passe")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ActorProfile)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0
    assert "pub@example.org" not in directory_text(client)


def test_demo_fills_the_directory(app, client):
    from labo.demo import seed_demo, seed_demo_actors, seed_demo_meetings

    seed_demo(app.config)
    seed_demo_meetings(app.config)
    assert 4 <= seed_demo_actors(app.config) <= 6
    db.session.commit()
    assert seed_demo_actors(app.config) == 0  # once only
    text = directory_text(client)
    assert "Mehdi ambassadeur" in text and "Nadia de Lens" in text and "Repair café de Mazingarbe" in text
    assert "ambassadeur@labo.example" not in text  # the login address stays private
    assert "Josiane" not in text
    assert sum(f.entries for f in services.activity_aggregates()) >= 4


def test_an_english_visitor_reads_the_directory_in_english(client):
    html = page_text(client.get("/acteurs/", headers={"Accept-Language": "en"}))
    assert "directory" in html.lower() and "L'annuaire des acteurs" not in html
