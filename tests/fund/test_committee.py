"""Before the committee and at it (issue 22): the commune's referent gives
an opinion, each member votes once (the database refuses a second vote, even
fifty at once), and the decision is published with its amount and reasons."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import CommitteeVote, FundApplication
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user

TODAY = date.today()


@pytest.fixture
def world():
    admin = create_admin()
    members = [create_user(pseudonym="Josiane"), create_user(pseudonym="Karim")]
    fund_round = services.create_round(
        admin, commune("lens"), title="Fonds de Lens", envelope_cents=100_000, ceiling_cents=60_000,
        apply_until=TODAY + timedelta(days=30), committee_on=TODAY + timedelta(days=45), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    for member in members:
        services.add_member(admin, fund_round, member.pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    applications = []
    for title, asked in (("Un repas de quartier", 45_000), ("Une fresque", 60_000)):
        application = services.save_application(
            create_user(), fund_round, None, title=title, what="Le projet.", for_whom="Le quartier.",
            commune=commune("lens"), starts_on=TODAY + timedelta(days=60), amount_cents=asked,
            lines=[("Tables", 20_000), ("Repas", 30_000), ("Affiches", 10_000)], carrier_name="Les voisins",
            contact_name="Josiane Martin", contact_phone="0612345678", today=TODAY)
        services.submit_application(application.applicant, application, TODAY)
        applications.append(application)
    db.session.commit()
    return {"admin": admin, "members": members, "round": fund_round, "applications": applications,
            "referent": create_referent("lens")}


def test_the_referent_gives_an_opinion_the_committee_reads_it(client, auth, world):
    application = world["applications"][0]
    page = f"/fonds/demandes/{application.id}"
    auth.login(world["referent"].email)
    assert auth.post(f"{page}/avis", {"kind": "favourable", "text": ""}, form_page=page).status_code == 422
    assert auth.post(f"{page}/avis", {"kind": "favourable", "text": "Un groupe qui tient ses promesses."},
                     form_page=page).status_code == 302
    auth.logout()
    auth.login(world["members"][0].email)
    shown = page_text(client.get(page))
    assert "Avis favorable" in shown and "Un groupe qui tient ses promesses." in shown
    assert auth.post(f"{page}/avis", {"kind": "reserved", "text": "Non"}, form_page=page).status_code == 403


def test_each_member_votes_once_and_a_second_vote_is_refused(client, auth, world):
    application = world["applications"][0]
    page = f"/fonds/demandes/{application.id}"
    josiane, karim = world["members"]
    auth.login(josiane.email)
    assert auth.post(f"{page}/vote", {"choice": "for", "comment": "Belle idée"}, form_page=page).status_code == 302
    again = auth.post(f"{page}/vote", {"choice": "against"}, form_page=page)
    assert again.status_code == 409
    assert "Vous avez déjà voté pour cette demande" in page_text(again)
    assert "Vous avez voté : Pour." in page_text(client.get(page))
    auth.logout()
    auth.login(karim.email)
    assert auth.post(f"{page}/vote", {"choice": "abstain"}, form_page=page).status_code == 302
    assert auth.post(f"{page}/vote", {"choice": "peut-etre"}, form_page=page).status_code == 422
    assert services.tally(db.session.get(FundApplication, application.id)) == {"for": 1, "against": 0, "abstain": 1}
    auth.logout()
    auth.login(create_user().email)  # not on the committee
    assert auth.post(f"{page}/vote", {"choice": "for"}, form_page="/fonds/").status_code == 403


def test_fifty_concurrent_votes_by_one_member_store_one(app, world):
    application_id = world["applications"][0].id
    member_id = world["members"][0].id
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=30)  # all fifty start together
            with app.app_context():
                application = db.session.get(FundApplication, application_id)
                member = db.session.get(User, member_id)
                try:
                    services.cast_vote(member, application, ("for", "against", "abstain")[n % 3], f"vote {n}")
                    db.session.commit()
                    outcomes.append("stored")
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(set(outcomes)) == ["already-voted", "stored"] and outcomes.count("stored") == 1
    db.session.commit()
    assert db.session.scalar(select(func.count(CommitteeVote.id)).where(
        CommitteeVote.application_id == application_id, CommitteeVote.member_id == member_id)) == 1


def test_the_decision_is_published_with_its_amount_and_reasons(client, auth, world):
    repas, fresque = world["applications"]
    auth.login(world["referent"].email)
    page = f"/fonds/demandes/{repas.id}"
    above = auth.post(f"{page}/decision", {"outcome": "granted", "amount": "500", "reasons": "Oui."}, form_page=page)
    assert above.status_code == 422 and "La somme accordée dépasse la somme demandée." in page_text(above)
    no_reason = auth.post(f"{page}/decision", {"outcome": "granted", "amount": "400"}, form_page=page)
    assert no_reason.status_code == 422 and "elles sont publiées" in page_text(no_reason)
    granted = auth.post(f"{page}/decision", {"outcome": "granted", "amount": "400,50", "from_paper": "y",
                                            "reasons": "Un projet qui réunit le quartier."}, form_page=page)
    assert granted.status_code == 302
    # what is left of the envelope (1 000 €) cannot pay the fresque's 600 €
    fresque_page = f"/fonds/demandes/{fresque.id}"
    short = auth.post(f"{fresque_page}/decision", {"outcome": "granted", "amount": "600", "reasons": "Oui."},
                      form_page=fresque_page)
    assert short.status_code == 422 and "Il ne reste pas assez d'argent" in page_text(short)
    assert auth.post(f"{fresque_page}/decision", {"outcome": "refused", "reasons": "Le mur n'est pas à la commune."},
                     form_page=fresque_page).status_code == 302
    auth.logout()

    public = page_text(client.get(f"/fonds/{world['round'].id}")).replace("\u202f", " ")
    assert "Un repas de quartier" in public and "Projet financé : 400,50 €" in public
    assert "Un projet qui réunit le quartier." in public
    assert "Une fresque" in public and "Projet non retenu" in public and "Le mur n'est pas à la commune." in public
    assert "Josiane Martin" not in public  # the contact stays private
    decided = db.session.get(FundApplication, repas.id)
    assert decided.status == "decided" and decided.decision.from_paper and decided.decision.published_at


def test_a_referent_of_another_commune_neither_gives_an_opinion_nor_decides(client, auth, world):
    application = world["applications"][0]
    auth.login(create_referent("lievin").email)
    for action, data in (("avis", {"kind": "favourable", "text": "Oui"}),
                         ("decision", {"outcome": "refused", "reasons": "Non"})):
        assert auth.post(f"/fonds/demandes/{application.id}/{action}", data,
                         form_page="/fonds/").status_code == 403
    assert db.session.get(FundApplication, application.id).status == "submitted"


def test_the_payment_sets_the_spending_deadline_and_the_envelope_shows_granted_paid_left(client, auth, world):
    repas, fresque = world["applications"]
    services.decide(world["referent"], repas, "granted", 40_050, "Un projet qui réunit le quartier.")
    services.decide(world["referent"], fresque, "refused", None, "Le mur n'est pas à la commune.")
    db.session.commit()
    auth.login(world["admin"].email)
    page = f"/fonds/demandes/{repas.id}"
    assert auth.post(f"{page}/versement", {"paid_on": "pas encore"}, form_page=page).status_code == 422
    assert auth.post(f"{page}/versement", {"paid_on": "2027-05-02"}, form_page=page).status_code == 302
    assert auth.post(f"{page}/versement", {"paid_on": "2027-05-03"}, form_page=page).status_code == 409
    decision = db.session.get(FundApplication, repas.id).decision
    assert (decision.paid_on, decision.spend_by) == (date(2027, 5, 2), date(2027, 6, 1))  # 30 days after
    assert "L'argent est à dépenser avant le" in page_text(client.get(page))

    csv = client.get(f"/fonds/{world['round'].id}/export.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Appel;Projet;Groupe ou association;Commune;QPV;Montant demandé;Montant accordé")
    assert len(lines) == 2 and ";Un repas de quartier;Les voisins;Lens;;450,00;400,50;" in lines[1]
    assert lines[1].endswith(";2027-05-02;2027-06-01;Josiane Martin;06 12 34 56 78;")
    auth.logout()

    assert client.get(f"/fonds/{world['round'].id}/export.csv").status_code in (302, 401)
    public = page_text(client.get(f"/fonds/{world['round'].id}")).replace("\u202f", " ")
    assert "Accordé : 400,50 €" in public and "Déjà versé : 400,50 €" in public
    assert "Reste à accorder : 599,50 € sur 1 000 €" in public
