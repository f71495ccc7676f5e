"""The COPIL's indicator "projets initiés par les habitants" (issue 22): the
initiatives of the pot commun and the projects the fund granted during the
period, each and their sum, on the dashboard and in the report."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from labo.accounts.models import Role
from labo.contributions.models import Contribution
from labo.copil.indicators import indicators
from labo.copil.periods import Period
from labo.extensions import db
from labo.fund import services as fund
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_user

NOW = datetime.now(timezone.utc)
TODAY = NOW.date()


def a_decided_project(admin, fund_round, title, outcome, published_at=None):
    application = fund.save_application(
        create_user(), fund_round, None, title=title, what="Le projet.", for_whom="Le quartier.",
        commune=commune("lens"), starts_on=TODAY + timedelta(days=5), amount_cents=50_000,
        lines=[("Tables", 20_000), ("Repas", 30_000), ("Affiches", 10_000)], carrier_name="Les voisins",
        contact_name="Josiane", contact_email="josiane@exemple.fr", today=TODAY)
    fund.submit_application(application.applicant, application, TODAY)
    decision = fund.decide(admin, application, outcome, 40_000 if outcome == "granted" else 0, "Parce que.")
    if published_at is not None:
        decision.published_at = published_at
    return application


def a_world():
    admin = create_admin()
    author = create_user()
    for created in (NOW - timedelta(days=10), NOW - timedelta(days=20)):
        db.session.add(Contribution(kind="initiative", title="Un jardin", body="<p>Un jardin</p>",
                                    commune=commune("lens"), author=author, created_at=created))
    fund_round = fund.create_round(
        admin, None, title="Fonds 2026", envelope_cents=500_000, ceiling_cents=100_000,
        apply_until=TODAY + timedelta(days=1), committee_on=TODAY + timedelta(days=2), spend_within_days=30,
        rules="", rules_easy="", today=TODAY)
    fund.add_member(admin, fund_round, create_user().pseudonym, True)
    fund.open_round(admin, fund_round, TODAY)
    a_decided_project(admin, fund_round, "Une fresque", "granted")
    a_decided_project(admin, fund_round, "Un repas", "granted", published_at=NOW - timedelta(days=5))
    a_decided_project(admin, fund_round, "Un voyage", "refused")                                  # not funded
    a_decided_project(admin, fund_round, "Une fête", "granted", published_at=NOW - timedelta(days=400))  # before
    db.session.commit()


def test_the_indicator_counts_initiatives_and_funded_projects_of_the_period(app):
    a_world()
    figures = indicators(Period(TODAY - timedelta(days=90), TODAY), app.config["LABO_ANSWER_DAYS"])
    assert (figures.initiatives, figures.funded_projects, figures.residents_projects) == (2, 2, 4)
    earlier = indicators(Period(TODAY - timedelta(days=500), TODAY - timedelta(days=300)),
                         app.config["LABO_ANSWER_DAYS"])
    assert (earlier.initiatives, earlier.funded_projects, earlier.residents_projects) == (0, 1, 1)


def test_the_dashboard_and_the_report_show_both_and_their_sum(client, auth):
    a_world()
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    period = f"?from={(TODAY - timedelta(days=90)).isoformat()}&to={TODAY.isoformat()}"
    for path in ("/copil/", "/copil/rapport"):
        shown = " ".join(page_text(client.get(path + period)).split())
        assert ("<strong>4</strong> projets initiés par des habitantes et habitants (initiatives du pot commun : 2 ; "
                "projets financés par le fonds : 2)") in shown, path
