"""On an initiative's page (issue 22), its author sees "Demander un
financement au fonds" while an open round accepts applications for its
commune; the button makes the draft application in one action."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from labo.extensions import db
from labo.fund import services
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_contribution, create_user

TODAY = date.today()
BUTTON = "Demander un financement au fonds"


def a_round(admin, place, title, *, open_it=True):
    fund_round = services.create_round(
        admin, place, title=title, envelope_cents=500_000, ceiling_cents=100_000,
        apply_until=TODAY + timedelta(days=10), committee_on=TODAY + timedelta(days=20), spend_within_days=30,
        rules="", rules_easy="", today=TODAY)
    services.add_member(admin, fund_round, create_user().pseudonym, True)
    if open_it:
        services.open_round(admin, fund_round, TODAY)
    db.session.commit()
    return fund_round


@pytest.fixture
def author():
    return create_user(home="lens")


@pytest.fixture
def initiative(author):
    return create_contribution(author, kind="initiative", title="Un jardin au pied de l'immeuble",
                               body="Avec les enfants de l'école.")


def test_the_author_asks_the_fund_from_the_initiative_s_page(client, auth, author, initiative):
    fund_round = a_round(create_admin(), commune("lens"), "Fonds de Lens")
    page = f"/idees/{initiative.id}"
    auth.login(author.email)
    html = client.get(page).get_data(as_text=True)
    assert BUTTON in html and f'action="/fonds/{fund_round.id}/depuis-initiative/{initiative.id}"' in html
    made = auth.post(f"/fonds/{fund_round.id}/depuis-initiative/{initiative.id}", form_page=page)
    assert made.status_code == 302 and "/modifier" in made.headers["Location"]
    application = services.applications_of(author)[0]
    assert (application.contribution_id, application.title) == (initiative.id, "Un jardin au pied de l'immeuble")
    assert BUTTON not in page_text(client.get(page))  # it has its application in this round now


def test_nobody_else_sees_the_button(client, auth, initiative):
    a_round(create_admin(), commune("lens"), "Fonds de Lens")
    page = f"/idees/{initiative.id}"
    assert BUTTON not in page_text(client.get(page))
    auth.login(create_user(home="lens").email)
    assert BUTTON not in page_text(client.get(page))


def test_an_idea_has_no_button(client, auth, author):
    a_round(create_admin(), commune("lens"), "Fonds de Lens")
    idea = create_contribution(author, kind="idee", title="Des bancs")
    auth.login(author.email)
    assert BUTTON not in page_text(client.get(f"/idees/{idea.id}"))


def test_only_a_round_open_for_its_commune_today(client, auth, author, initiative):
    admin = create_admin()
    a_round(admin, commune("lievin"), "Fonds de Liévin")               # another commune
    a_round(admin, commune("lens"), "Brouillon de Lens", open_it=False)  # in preparation
    closed = a_round(admin, commune("lens"), "Fonds de Lens clos")
    services.close_applications(admin, closed, TODAY)
    db.session.commit()
    auth.login(author.email)
    page = f"/idees/{initiative.id}"
    assert BUTTON not in page_text(client.get(page))
    whole = a_round(admin, None, "Fonds de l'agglomération")  # the whole agglomeration: Lens too
    shown = page_text(client.get(page))
    assert BUTTON in shown and "Fonds de l'agglomération" in shown
    assert "Fonds de Liévin" not in shown and "Brouillon de Lens" not in shown and "Fonds de Lens clos" not in shown
    assert [r.id for r in services.rounds_for_initiative(initiative, TODAY)] == [whole.id]
    assert services.rounds_for_initiative(initiative, whole.apply_until + timedelta(days=1)) == []


def test_two_open_rounds_give_two_buttons_each_named(client, auth, author, initiative):
    admin = create_admin()
    a_round(admin, commune("lens"), "Fonds de Lens")
    a_round(admin, None, "Fonds de l'agglomération")
    auth.login(author.email)
    shown = page_text(client.get(f"/idees/{initiative.id}"))
    assert "Demander un financement : Fonds de Lens" in shown
    assert "Demander un financement : Fonds de l'agglomération" in shown
