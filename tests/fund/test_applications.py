"""A group of residents applies to the fund from a phone (issue 22): a draft
saved and finished later, amounts in euros, what is missing said beside each
field and nothing typed lost; a referent enters one for a group met in
person; the contact stays private and leaves with the account."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication
from labo.privacy.personal_data import export_personal_data
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user, qpv

TODAY = date.today()


@pytest.fixture
def fund_round():
    admin = create_admin()
    fund_round = services.create_round(
        admin, commune("lens"), title="Fonds de Lens", envelope_cents=1_500_000, ceiling_cents=150_000,
        apply_until=TODAY + timedelta(days=30), committee_on=TODAY + timedelta(days=45), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    services.add_member(admin, fund_round, admin.pseudonym, False)
    services.open_round(admin, fund_round, TODAY)
    db.session.commit()
    return fund_round


def complete(**changes) -> dict:
    data = {"title": "Un repas de quartier", "what": "Un grand repas dans la cour.\nAvec de la musique.",
            "for_whom": "Les familles de la cité, environ 60 personnes.", "commune": "lens",
            "qpv": qpv("QP062024").slug, "starts_on": (TODAY + timedelta(days=60)).isoformat(), "ends_on": "",
            "amount": "450", "lines-0-label": "Location de tables", "lines-0-amount": "60",
            "lines-1-label": "Nourriture", "lines-1-amount": "300,50", "lines-2-label": "Affiches",
            "lines-2-amount": "89,50", "carrier_kind": "group", "carrier_name": "Les voisins de la cité 12",
            "contact_name": "Josiane Martin", "contact_phone": "06 12 34 56 78", "contact_email": "",
            "action": "send"}
    data.update(changes)
    return data


def only() -> FundApplication:
    return db.session.scalars(select(FundApplication)).one()


def test_a_resident_saves_a_draft_then_finishes_and_sends_it(client, auth, fund_round):
    resident = create_user(home="lens")
    auth.login(resident.email)
    start = f"/fonds/{fund_round.id}/demander"
    saved = auth.post(start, {"title": "Un repas de quartier", "lines-0-label": "Location de tables",
                              "lines-0-amount": "60", "action": "draft"})
    assert saved.status_code == 302
    draft = only()
    assert (draft.status, draft.applicant_id, draft.title) == ("draft", resident.id, "Un repas de quartier")
    assert [(line.label, line.amount_cents) for line in draft.lines] == [("Location de tables", 6_000)]

    # later, from "Mes demandes au fonds"
    assert "Un repas de quartier" in page_text(client.get("/fonds/mes-demandes"))
    edit = f"/fonds/demandes/{draft.id}/modifier"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Un repas de quartier"' in page and 'value="60"' in page
    sent = auth.post(edit, complete())
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/fonds/demandes/{draft.id}")
    db.session.expire_all()
    application = only()
    assert application.status == "submitted" and application.amount_cents == 45_000
    assert application.contact_phone == "+33612345678" and application.qpv.code == "QP062024"
    assert application.lines_total_cents == 45_000
    shown = page_text(client.get(f"/fonds/demandes/{draft.id}")).replace("\u202f", " ")
    assert "Envoyée au comité" in shown and "300,50 €" in shown and "Josiane Martin" in shown
    assert client.get(edit).status_code == 403  # sent: no longer changed


def test_sending_an_incomplete_application_keeps_it_as_a_draft_and_says_what_is_missing(client, auth, fund_round):
    auth.login(create_user().email)
    response = auth.post(f"/fonds/{fund_round.id}/demander",
                         complete(what="", **{"lines-2-label": "", "lines-2-amount": "", "contact_name": ""}))
    assert response.status_code == 422
    text = page_text(response)
    for message in ("Dites ce que vous voulez faire.", "Écrivez au moins 3 lignes de budget.",
                    "Écrivez le nom de la personne à contacter."):
        assert message in text
    assert 'value="Les voisins de la cité 12"' in response.get_data(as_text=True)
    draft = only()
    assert draft.status == "draft" and draft.title == "Un repas de quartier"
    # the page now posts to the draft: sending again never makes a second application
    assert f'action="/fonds/demandes/{draft.id}/modifier"' in response.get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"amount": "beaucoup"}, "Écrivez un montant en euros, par exemple 1 500 ou 350,50."),
    ({"lines-1-amount": ""}, "Écrivez combien coûte cette ligne."),
    ({"amount": "2 000"}, "La somme demandée dépasse ce que l'appel permet pour un projet."),
    ({"amount": "500"}, "La somme demandée dépasse le total de votre budget."),
    ({"contact_phone": "12"}, "Ce numéro de téléphone n'est pas valable."),
    ({"contact_email": "josiane@"}, "Cette adresse e-mail n'est pas valable."),
    ({"commune": "lievin"}, "Cet appel est pour une autre commune"),
    ({"qpv": "nulle-part"}, "Choisissez un quartier dans la liste."),
    ({"starts_on": "demain"}, "N'est pas une date valide."),
])
def test_bad_input_gets_a_clear_message_a_4xx_and_keeps_what_was_typed(client, auth, fund_round, changes, message):
    auth.login(create_user().email)
    response = auth.post(f"/fonds/{fund_round.id}/demander", complete(**changes))
    assert response.status_code == 422
    assert message in page_text(response)
    assert "Un grand repas dans la cour." in page_text(response)
    assert all(a.status == "draft" for a in db.session.scalars(select(FundApplication)))


def test_a_referent_enters_an_application_for_a_group_met_in_person(client, auth, fund_round):
    referent = create_referent("lens")
    auth.login(referent.email)
    assert "Je remplis cette demande pour un groupe rencontré en personne" in page_text(
        client.get(f"/fonds/{fund_round.id}/demander"))
    assert auth.post(f"/fonds/{fund_round.id}/demander", complete(on_behalf="y")).status_code == 302
    application = only()
    assert application.entered_for_someone and application.entered_by_id == referent.id
    assert application.applicant_id is None and application.status == "submitted"
    assert "Demande remplie par une personne référente" in page_text(client.get(f"/fonds/demandes/{application.id}"))


def test_a_resident_cannot_claim_to_enter_for_someone_else(client, auth, fund_round):
    resident = create_user()
    auth.login(resident.email)
    assert "groupe rencontré en personne" not in page_text(client.get(f"/fonds/{fund_round.id}/demander"))
    auth.post(f"/fonds/{fund_round.id}/demander", complete(on_behalf="y"))
    application = only()
    assert not application.entered_for_someone and application.applicant_id == resident.id


def test_the_private_contact_is_seen_by_the_commune_referent_and_the_committee_not_by_others(client, auth, fund_round):
    author = create_user()
    auth.login(author.email)
    auth.post(f"/fonds/{fund_round.id}/demander", complete())
    auth.logout()
    application = only()
    url = f"/fonds/demandes/{application.id}"
    for person, status in ((create_user(), 403), (create_referent("lievin"), 403), (create_referent("lens"), 200),
                           (fund_round.members[0].user, 200)):
        auth.login(person.email)
        response = client.get(url)
        assert response.status_code == status, person.pseudonym
        assert ("Josiane Martin" in page_text(response)) == (status == 200)
        auth.logout()
    assert client.get(url).status_code in (302, 401)


def test_a_closed_round_refuses_applications_with_a_4xx(client, auth, fund_round):
    fund_round.apply_until = TODAY - timedelta(days=1)
    fund_round.committee_on = TODAY
    db.session.commit()
    auth.login(create_user().email)
    response = auth.post(f"/fonds/{fund_round.id}/demander", complete())
    assert response.status_code == 422
    assert "Cet appel à projets n'accepte plus de demandes." in page_text(response)
    assert db.session.scalar(select(FundApplication)) is None


def test_the_contact_is_in_the_download_and_leaves_with_the_account(app, fund_round):
    resident = create_user()
    services.save_application(resident, fund_round, None, title="Un jardin", contact_name="Josiane Martin",
                              contact_phone="0612345678", today=TODAY)
    sent = services.save_application(resident, fund_round, None, **{
        "title": "Un repas", "what": "Un repas.", "for_whom": "Tous.", "commune": commune("lens"),
        "starts_on": TODAY + timedelta(days=40), "amount_cents": 30_000,
        "lines": [("Tables", 10_000), ("Nourriture", 15_000), ("Affiches", 5_000)], "carrier_name": "Les voisins",
        "contact_name": "Josiane Martin", "contact_email": "josiane@example.org"}, today=TODAY)
    services.submit_application(resident, sent, TODAY)
    db.session.commit()
    exported = export_personal_data(resident)["fund_applications"]
    assert {a["contact"]["name"] for a in exported} == {"Josiane Martin"}
    assert {a["contact"]["phone"] for a in exported} == {"+33612345678", ""}

    from labo.fund.services import erase_for
    erase_for(app.config, resident)
    db.session.commit()
    left = db.session.scalars(select(FundApplication)).all()
    assert [(a.title, a.contact_name, a.contact_email, a.carrier_name) for a in left] == [
        ("Un repas", "", "", "Les voisins")]


def test_an_initiative_of_the_pot_commun_becomes_a_draft_in_one_action_keeping_its_link(client, auth, fund_round):
    from tests.factories import create_contribution

    author = create_user(home="lens")
    initiative = create_contribution(author, kind="initiative", title="Un jardin au pied de l'immeuble",
                                     body="Avec les enfants de l'école.\n\nEt les voisins.")
    idea = create_contribution(author, kind="idee", title="Des bancs")
    auth.login(author.email)
    start = f"/fonds/{fund_round.id}/demander"
    page = page_text(client.get(start))
    assert "Partir de « Un jardin au pied de l'immeuble »" in page and "Partir de « Des bancs »" not in page
    made = auth.post(f"/fonds/{fund_round.id}/depuis-initiative/{initiative.id}", form_page=start)
    assert made.status_code == 302 and "/modifier" in made.headers["Location"]
    draft = only()
    assert (draft.title, draft.contribution_id, draft.commune.slug) == (
        "Un jardin au pied de l'immeuble", initiative.id, "lens")
    assert draft.what == "Avec les enfants de l'école.\n\nEt les voisins." and draft.status == "draft"
    again = auth.post(f"/fonds/{fund_round.id}/depuis-initiative/{initiative.id}", form_page=start,
                      follow_redirects=True)
    assert "Cette initiative a déjà sa demande dans cet appel." in page_text(again)
    refused = auth.post(f"/fonds/{fund_round.id}/depuis-initiative/{idea.id}", form_page=start, follow_redirects=True)
    assert "Seule une initiative du pot commun" in page_text(refused)
    auth.logout()
    auth.login(create_user().email)
    other = auth.post(f"/fonds/{fund_round.id}/depuis-initiative/{initiative.id}", form_page=start,
                      follow_redirects=True)
    assert "Seule la personne qui a proposé cette initiative" in page_text(other)
    assert db.session.scalar(select(func.count(FundApplication.id))) == 1
