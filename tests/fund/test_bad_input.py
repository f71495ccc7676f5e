"""Absurd dates and amounts on the fund's forms get a clear message and a
4xx, never a 500, and nothing is stored (issue 22 review)."""
from __future__ import annotations

from datetime import date

from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication
from tests.conftest import page_text
from tests.fund.test_committee import world  # noqa: F401 - the fixture

TODAY = date.today()


def test_a_payment_date_far_off_is_refused_with_a_message(client, auth, world):
    repas = world["applications"][0]
    services.decide(world["referent"], repas, "granted", 40_000, "Oui.")
    db.session.commit()
    auth.login(world["admin"].email)
    page = f"/fonds/demandes/{repas.id}"
    for typed in ("9999-12-31", "0001-01-01"):
        response = auth.post(f"{page}/versement", {"paid_on": typed}, form_page=page)
        assert response.status_code == 422, typed
        assert "Vérifiez la date du versement" in page_text(response)
    assert db.session.get(FundApplication, repas.id).decision.paid_on is None
    assert auth.post(f"{page}/versement", {"paid_on": TODAY.isoformat()}, form_page=page).status_code == 302


def test_an_amount_beyond_any_fund_is_refused_not_stored(client, auth, world):
    fund_round = world["round"]
    auth.login(world["admin"].email)
    page = f"/fonds/{fund_round.id}/modifier"
    data = {"title": fund_round.title, "scope": "lens", "envelope": "50 000 000", "ceiling": "600",
            "apply_until": fund_round.apply_until.isoformat(), "committee_on": fund_round.committee_on.isoformat(),
            "spend_within_days": "30", "rules": "Des projets.", "rules_easy": "Un projet."}
    response = auth.post(page, data, form_page=page)
    assert response.status_code == 422
    assert "Ce montant est trop grand." in page_text(response)
    assert 'value="50 000 000"' in response.get_data(as_text=True)  # what was typed stays
