"""An administrator opens a round of the micro-projects fund (issue 22):
the form in plain French, amounts typed as people write them, the
committee named, then the round's public page with its rules."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.forms import parse_euros
from labo.fund.models import FundRound
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user

TODAY = date.today()


def form_data(**changes) -> dict:
    data = {"title": "Fonds d'initiatives 2027", "scope": "lens", "envelope": "15 000", "ceiling": "1 500,50",
            "apply_until": (TODAY + timedelta(days=30)).isoformat(),
            "committee_on": (TODAY + timedelta(days=45)).isoformat(), "spend_within_days": "30",
            "rules": "Un groupe d'au moins trois habitants.\nPas de voyage.",
            "rules_easy": "Vous êtes trois habitants ou plus.\nVous avez une idée pour le quartier."}
    data.update(changes)
    return data


def a_round(admin, **changes) -> FundRound:
    values = dict(title="Fonds de Lens", envelope_cents=1_500_000, ceiling_cents=150_000,
                  apply_until=TODAY + timedelta(days=30), committee_on=TODAY + timedelta(days=45),
                  spend_within_days=30, rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    values.update(changes)
    fund_round = services.create_round(admin, commune("lens"), **values)
    db.session.commit()
    return fund_round


@pytest.mark.parametrize("typed, cents", [
    ("1500", 150_000), ("1 500", 150_000), ("1\u202f500 €", 150_000), ("1500,5", 150_050), ("1.500,50", 150_050),
    ("350.25", 35_025), ("15 000 euros", 1_500_000),
])
def test_amounts_are_read_as_people_write_them(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["mille", "12,345", "-5", "1 500 000,5,5", ""])
def test_what_is_not_an_amount_is_not_read_as_one(typed):
    assert parse_euros(typed) is None


def test_an_administrator_opens_a_round_through_the_form(client, auth):
    admin = create_admin()
    auth.login(admin.email)
    response = auth.post("/fonds/nouveau", form_data())
    assert response.status_code == 302
    fund_round = db.session.scalar(select(FundRound))
    assert (fund_round.envelope_cents, fund_round.ceiling_cents) == (1_500_000, 150_050)
    assert fund_round.commune.slug == "lens" and fund_round.state == "draft"
    assert fund_round.rules == "Un groupe d'au moins trois habitants.\nPas de voyage."
    assert response.headers["Location"].endswith(f"/fonds/{fund_round.id}/modifier")


def test_a_round_in_preparation_is_seen_by_administrators_only(client, auth):
    admin = create_admin()
    fund_round = a_round(admin)
    assert client.get(f"/fonds/{fund_round.id}").status_code in (302, 401)
    assert "Fonds de Lens" not in page_text(client.get("/fonds/"))
    auth.login(create_user().email)
    assert client.get(f"/fonds/{fund_round.id}").status_code == 403
    auth.logout()
    auth.login(admin.email)
    assert "Fonds de Lens" in page_text(client.get("/fonds/"))


@pytest.mark.parametrize("changes, message", [
    ({"envelope": "beaucoup"}, "Écrivez un montant en euros, par exemple 1 500 ou 350,50."),
    ({"ceiling": "20 000"}, "Le montant par projet ne peut pas dépasser le budget total."),
    ({"committee_on": (TODAY + timedelta(days=10)).isoformat()},
     "Le comité doit se réunir après la fin des demandes, ou le même jour."),
    ({"apply_until": (TODAY - timedelta(days=1)).isoformat(),
      "committee_on": (TODAY + timedelta(days=1)).isoformat()}, "Cette date est déjà passée"),
    ({"apply_until": "31 mars"}, "Indiquez une date, par exemple 31/03/2027."),
    ({"scope": "paris"}, "Choisissez une commune dans la liste."),
    ({"rules_easy": ""}, "Écrivez la version facile à lire."),
])
def test_a_wrong_round_is_refused_with_a_clear_message_and_nothing_typed_is_lost(client, auth, changes, message):
    auth.login(create_admin().email)
    response = auth.post("/fonds/nouveau", form_data(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in page_text(response)
    assert "Un groupe d&#39;au moins trois habitants." in html  # the rules typed are still there
    assert ('value="beaucoup"' in html) == (changes.get("envelope") == "beaucoup")
    assert db.session.scalar(select(FundRound)) is None


def test_a_referent_may_not_open_a_round(client, auth):
    auth.login(create_referent("lens").email)
    assert auth.post("/fonds/nouveau", form_data(), form_page="/fonds/").status_code == 403
    assert db.session.scalar(select(FundRound)) is None


def test_the_committee_is_named_then_the_round_opens_and_its_page_shows_the_rules(client, auth):
    admin = create_admin()
    fund_round = a_round(admin, rules="Un groupe d'au moins trois habitants.", rules_easy="Vous êtes trois ou plus.")
    create_user(pseudonym="Josiane", email="josiane@example.org")
    create_user(pseudonym="Karim")
    auth.login(admin.email)
    edit = f"/fonds/{fund_round.id}/modifier"
    refused = auth.post(f"/fonds/{fund_round.id}/ouvrir", form_page=edit, follow_redirects=True)
    assert "Ajoutez d'abord les membres du comité." in page_text(refused)
    assert auth.post(f"/fonds/{fund_round.id}/comite", {"account": "josiane@example.org", "is_resident": "y"},
                     form_page=edit).status_code == 302
    assert auth.post(f"/fonds/{fund_round.id}/comite", {"account": "Karim"}, form_page=edit).status_code == 302
    unknown = auth.post(f"/fonds/{fund_round.id}/comite", {"account": "Personne"}, form_page=edit)
    assert unknown.status_code == 422
    assert "Aucun compte ne porte ce pseudonyme ou cette adresse." in page_text(unknown)
    assert auth.post(f"/fonds/{fund_round.id}/ouvrir", form_page=edit).status_code == 302
    auth.logout()

    page = page_text(client.get(f"/fonds/{fund_round.id}")).replace("\u202f", " ")  # "15 000 €" groups thousands
    assert "Ouvert aux demandes" in page
    assert "Budget total : 15 000 €." in page and "Au plus 1 500 € par projet." in page
    assert "Vous êtes trois ou plus." in page and "Un groupe d'au moins trois habitants." in page
    assert "Josiane" in page and "Karim" in page
    assert "Les habitants ne sont pas la majorité du comité." in page  # one resident of two
    assert "Fonds de Lens" in page_text(client.get("/fonds/"))


def test_an_open_round_is_not_opened_twice():
    admin = create_admin()
    fund_round = a_round(admin)
    services.add_member(admin, fund_round, admin.pseudonym, False)
    services.open_round(admin, fund_round, TODAY)
    with pytest.raises(ServiceError) as refused:
        services.open_round(admin, fund_round, TODAY)
    assert refused.value.code == "round-not-draft"


def test_a_round_no_longer_accepts_applications_after_its_last_day():
    admin = create_admin()
    fund_round = a_round(admin)
    services.add_member(admin, fund_round, admin.pseudonym, False)
    services.open_round(admin, fund_round, TODAY)
    assert services.accepts_applications(fund_round, fund_round.apply_until)
    assert not services.accepts_applications(fund_round, fund_round.apply_until + timedelta(days=1))
