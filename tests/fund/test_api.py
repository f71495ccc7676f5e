"""The fund in /api/v1 (issue 22): rounds with their money, and the decided
projects with public fields only: never the named contact, a draft, or an
application still before the committee."""
from __future__ import annotations

from datetime import date, timedelta

from labo.extensions import db
from labo.fund import services
from tests.factories import commune, create_admin, create_user

TODAY = date.today()


def a_round(admin, **changes):
    fields = dict(title="Fonds de Lens", envelope_cents=100_000, ceiling_cents=60_000,
                  apply_until=TODAY + timedelta(days=30), committee_on=TODAY + timedelta(days=45),
                  spend_within_days=30, rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    fields.update(changes)
    return services.create_round(admin, commune("lens"), **fields)


def sent(fund_round, title: str, asked: int = 45_000):
    application = services.save_application(
        create_user(), fund_round, None, title=title, what="Le projet.", for_whom="Le quartier.",
        commune=commune("lens"), starts_on=TODAY + timedelta(days=60), amount_cents=asked,
        lines=[("Tables", 20_000), ("Repas", 15_000), ("Affiches", 10_000)], carrier_name="Les voisins",
        contact_name="Josiane Martin", contact_phone="0612345678", contact_email="josiane@example.org", today=TODAY)
    services.submit_application(application.applicant, application, TODAY)
    return application


def test_the_api_gives_rounds_with_their_money_and_decided_projects_without_their_contact(client):
    admin = create_admin()
    draft = a_round(admin, title="En préparation")
    fund_round = a_round(admin)
    services.add_member(admin, fund_round, create_user(pseudonym="Josiane").pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    funded, refused, waiting = sent(fund_round, "Un repas"), sent(fund_round, "Une fresque"), sent(fund_round, "Un banc")
    services.decide(admin, funded, "granted", 40_000, "Un beau projet.")
    services.decide(admin, refused, "refused", None, "Hors du quartier.")
    services.record_payment(admin, funded, TODAY)
    db.session.commit()

    rounds = client.get("/api/v1/fund/rounds").get_json()
    assert [r["id"] for r in rounds] == [fund_round.id]  # the draft is not public
    assert rounds[0]["envelope"] == {"total_cents": 100_000, "granted_cents": 40_000, "paid_cents": 40_000,
                                     "left_cents": 60_000}
    assert rounds[0]["committee"] == {"members": 1, "residents": 1}
    assert client.get(f"/api/v1/fund/rounds/{draft.id}").status_code == 404

    detail = client.get(f"/api/v1/fund/rounds/{fund_round.id}").get_json()
    assert {p["title"]: (p["outcome"], p["amount_granted_cents"], p["paid"]) for p in detail["projects"]} == {
        "Un repas": ("granted", 40_000, True), "Une fresque": ("refused", 0, False)}
    assert waiting.title not in str(detail)
    for secret in ("Josiane Martin", "0612345678", "+33612345678", "josiane@example.org"):
        assert secret not in client.get("/api/v1/fund/projects").get_data(as_text=True)

    assert [p["title"] for p in client.get("/api/v1/fund/projects?outcome=granted").get_json()] == ["Un repas"]
    assert client.get("/api/v1/fund/projects?commune=lievin").get_json() == []
    assert len(client.get("/api/v1/fund/projects?commune=lens").get_json()) == 2
    unknown = client.get("/api/v1/fund/projects?commune=atlantis")
    assert unknown.status_code == 400 and "commune" in unknown.get_json()["errors"]
    assert client.get("/api/v1/fund/projects?outcome=maybe").status_code == 400

    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/fund/rounds", "/fund/rounds/{id}", "/fund/projects"} <= set(document["paths"])
    assert {"FundRound", "FundProject"} <= set(document["components"]["schemas"])


def test_a_round_past_its_last_day_reads_closed_in_the_api(client):
    admin = create_admin()
    fund_round = a_round(admin)
    services.add_member(admin, fund_round, create_user(pseudonym="Josiane").pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    assert client.get(f"/api/v1/fund/rounds/{fund_round.id}").get_json()["state"] == "open"
    fund_round.apply_until = TODAY - timedelta(days=1)  # the last day to apply has passed
    db.session.commit()
    assert client.get(f"/api/v1/fund/rounds/{fund_round.id}").get_json()["state"] == "closed"
