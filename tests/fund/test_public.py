"""What anyone reads of the fund (issue 22): the funded projects of every
round, commune by commune, with their amounts and totals, and a funded
project's own page once decided, with its public fields only (never the
contact, the referent's opinion or who voted what)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from labo.extensions import db
from labo.fund import services
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user

TODAY = date.today()


def a_round(admin, title, place, envelope=200_000):
    fund_round = services.create_round(
        admin, place, title=title, envelope_cents=envelope, ceiling_cents=100_000,
        apply_until=TODAY + timedelta(days=10), committee_on=TODAY + timedelta(days=20), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    services.add_member(admin, fund_round, create_user().pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    return fund_round


def an_application(fund_round, title, place, carrier, asked=50_000, submit=True):
    application = services.save_application(
        create_user(), fund_round, None, title=title, what="Ce que le groupe veut faire.", for_whom="Le quartier.",
        commune=place, starts_on=TODAY + timedelta(days=60), amount_cents=asked,
        lines=[("Tables", 20_000), ("Repas", 30_000), ("Affiches", 10_000)], carrier_name=carrier,
        contact_name="Josiane Secrète", contact_phone="0612345678", contact_email="josiane@exemple.fr", today=TODAY)
    if submit:
        services.submit_application(application.applicant, application, TODAY)
    return application


@pytest.fixture
def world():
    admin = create_admin()
    lens, lievin = commune("lens"), commune("lievin")
    first = a_round(admin, "Fonds de Lens 2026", lens)
    second = a_round(admin, "Fonds de l'agglomération", None)
    fresco = an_application(first, "Une fresque", lens, "Les voisins de la cité 12")
    services.decide(admin, fresco, "granted", 40_000, "Un beau projet.")
    services.record_payment(admin, fresco, TODAY)
    garden = an_application(second, "Un jardin partagé", lievin, "Les jardiniers")
    services.decide(admin, garden, "granted", 30_000, "Pour tout le quartier.")
    meal = an_application(second, "Un repas", lens, "Le comité des fêtes")
    services.decide(admin, meal, "granted", 25_000, "Convivial.")
    refused = an_application(second, "Un voyage", lens, "Les voyageurs")
    services.decide(admin, refused, "refused", 0, "Hors du cadre.")
    waiting = an_application(second, "Un concert", lens, "Les musiciens")
    db.session.commit()
    return {"admin": admin, "fresco": fresco, "garden": garden, "meal": meal, "refused": refused,
            "waiting": waiting}


def test_anyone_reads_the_funded_projects_of_every_round_by_commune(client, world):
    assert "/fonds/projets" in client.get("/fonds/").get_data(as_text=True)
    response = client.get("/fonds/projets")
    assert response.status_code == 200
    shown = page_text(response)
    for text in ("Une fresque", "Les voisins de la cité 12", "Fonds de Lens 2026", "Un jardin partagé",
                 "Les jardiniers", "Fonds de l'agglomération", "Un repas", "Liévin"):
        assert text in shown, text
    assert "Un voyage" not in shown and "Un concert" not in shown  # refused, undecided
    assert "Josiane" not in shown and "0612345678" not in shown and "josiane@exemple.fr" not in shown
    assert "3 projets financés, 950 € accordés en tout." in shown
    assert "pas encore versé" in shown and "versé" in shown
    # Lens: the fresco (400 €, paid) and the meal (250 €): 650 € granted, 400 € paid
    lens_row = shown[shown.index('<th scope="row">Lens</th>'):].split("</tr>")[0]
    assert "650" in lens_row
    assert "650 € accordés, dont 400 € déjà versés." in shown and "300 € accordés, dont 0 € déjà versés." in shown


def test_the_commune_filter_works_without_javascript(client, world):
    html = client.get("/fonds/projets").get_data(as_text=True)
    assert '<form method="get"' in html and 'name="commune"' in html and 'type="submit"' in html
    shown = page_text(client.get("/fonds/projets?commune=lievin"))
    assert "Un jardin partagé" in shown and "Une fresque" not in shown and "Un repas" not in shown
    assert "1 projet financé, 300 € accordés en tout." in shown
    assert 'value="lievin" selected' in client.get("/fonds/projets?commune=lievin").get_data(as_text=True)
    assert "Pas encore de projet financé ici." in page_text(client.get("/fonds/projets?commune=wingles"))
    response = client.get("/fonds/projets?commune=atlantide")
    assert response.status_code == 400
    assert "Cette commune n'existe pas. Choisissez-en une dans la liste." in page_text(response)


def test_a_decided_project_s_page_is_public_with_its_public_fields_only(client, auth, world):
    fresco = world["fresco"]
    page = f"/fonds/demandes/{fresco.id}"
    response = client.get(page)
    assert response.status_code == 200
    shown = page_text(response)
    for text in ("Une fresque", "Les voisins de la cité 12", "Ce que le groupe veut faire.", "Projet financé",
                 "Un beau projet.", "Versé le"):
        assert text in shown, text
    for private in ("Josiane Secrète", "06 12 34 56 78", "0612345678", "josiane@exemple.fr",
                    "La personne à contacter"):
        assert private not in shown, private
    assert client.get(f"/fonds/demandes/{world['refused'].id}").status_code == 200  # refused: public too, with why
    # a resident with an account who has nothing to do with it: the same public page
    auth.login(create_user().email)
    assert "Josiane Secrète" not in page_text(client.get(page))
    auth.logout()
    # the commune's referent still reads the contact
    auth.login(create_referent("lens").email)
    assert "Josiane Secrète" in page_text(client.get(page))


def test_an_application_before_its_decision_stays_private(client, auth, world):
    for application in (world["waiting"],):
        response = client.get(f"/fonds/demandes/{application.id}")
        assert response.status_code in (302, 401, 403, 404)
    auth.login(create_user().email)
    assert client.get(f"/fonds/demandes/{world['waiting'].id}").status_code in (403, 404)


def test_who_voted_what_and_the_referent_s_opinion_stay_private(client, auth, world):
    admin = world["admin"]
    member = create_user(pseudonym="Membre Discret")
    fund_round = services.get_round(world["waiting"].round_id)
    services.add_member(admin, fund_round, member.pseudonym, True)
    services.give_opinion(create_referent("lens"), world["waiting"], "reserved", "Un avis très personnel.")
    services.cast_vote(member, world["waiting"], "against", "Un commentaire de vote.")
    services.decide(admin, world["waiting"], "granted", 20_000, "Finalement oui.")
    db.session.commit()
    shown = page_text(client.get(f"/fonds/demandes/{world['waiting'].id}"))
    assert "Finalement oui." in shown and "Contre : 1" in shown
    assert "Membre Discret" not in shown and "Un commentaire de vote." not in shown
    assert "Un avis très personnel." not in shown
