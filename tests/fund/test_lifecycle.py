"""A round's life (issue 22): open to applications until its last day, then
closed (by an administrator's "Clore les demandes", or in effect once the
day has passed), then done ("Clôturer le fonds") once every application sent
has its decision; and what an open round's form may no longer change."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from labo.audit.models import AuditEntry
from labo.audit.services import describe_audit
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundRound
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_user

TODAY = date.today()


def an_application(fund_round, title="Un repas de quartier", asked=45_000, today=TODAY):
    application = services.save_application(
        create_user(), fund_round, None, title=title, what="Le projet.", for_whom="Le quartier.",
        commune=commune("lens"), starts_on=TODAY + timedelta(days=60), amount_cents=asked,
        lines=[("Tables", 20_000), ("Repas", 30_000), ("Affiches", 10_000)], carrier_name="Les voisins",
        contact_name="Josiane Martin", contact_phone="0612345678", today=today)
    services.submit_application(application.applicant, application, today)
    return application


@pytest.fixture
def world():
    admin = create_admin()
    fund_round = services.create_round(
        admin, commune("lens"), title="Fonds de Lens", envelope_cents=100_000, ceiling_cents=60_000,
        apply_until=TODAY + timedelta(days=10), committee_on=TODAY + timedelta(days=20), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    services.add_member(admin, fund_round, create_user(pseudonym="Josiane").pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    granted = an_application(fund_round, "Une fresque", 50_000)
    services.decide(admin, granted, "granted", 40_000, "Un beau projet.")
    waiting = an_application(fund_round)
    db.session.commit()
    return {"admin": admin, "round": fund_round, "granted": granted, "waiting": waiting}


def form_data(fund_round, **changes) -> dict:
    data = {"title": fund_round.title, "scope": "lens", "envelope": "1 000", "ceiling": "600",
            "apply_until": fund_round.apply_until.isoformat(), "committee_on": fund_round.committee_on.isoformat(),
            "spend_within_days": "30", "rules": fund_round.rules, "rules_easy": fund_round.rules_easy}
    data.update(changes)
    return data


def audit_sentences(action: str) -> list[str]:
    return [describe_audit(e) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_after_its_last_day_a_round_takes_no_application_and_says_so(client, world):
    fund_round = world["round"]
    later = fund_round.apply_until + timedelta(days=1)
    assert services.state_on(fund_round, fund_round.apply_until).value == "open"
    assert services.state_on(fund_round, later).value == "closed"
    with pytest.raises(ServiceError) as refused:
        services.save_application(create_user(), fund_round, None, title="Trop tard", today=later)
    assert refused.value.code == "round-closed"
    fund_round.apply_until = TODAY - timedelta(days=1)  # the day has passed, nobody clicked anything
    db.session.commit()
    shown = page_text(client.get(f"/fonds/{fund_round.id}"))
    assert "Les demandes sont closes" in shown and "Faire une demande" not in shown
    assert "Le comité décide" in page_text(client.get("/fonds/"))


def test_an_administrator_closes_the_applications(client, auth, world):
    fund_round = world["round"]
    page = f"/fonds/{fund_round.id}"
    auth.login(world["admin"].email)
    shown = page_text(client.get(page))
    assert "Vous pouvez faire une demande jusqu'au" in shown and "Clore les demandes" in shown
    assert auth.post(f"{page}/clore", form_page=page).status_code == 302
    db.session.refresh(fund_round)
    assert fund_round.state == "closed"
    assert audit_sentences("fund.round_close") == ["Demandes closes pour l'appel du fonds\u00a0: Fonds de Lens"]
    shown = page_text(client.get(page))
    assert "Les demandes sont closes" in shown and "Faire une demande" not in shown
    with pytest.raises(ServiceError) as refused:
        services.submit_application(world["waiting"].applicant, world["waiting"], TODAY)
    assert refused.value.code in ("application-sent", "round-closed")
    with pytest.raises(ServiceError) as refused:
        services.save_application(create_user(), fund_round, None, title="Après", today=TODAY)
    assert refused.value.code == "round-closed"
    response = auth.post(f"{page}/clore", form_page=page)  # twice: told, nothing changes
    assert response.status_code == 409 and "pas ouvert aux demandes" in page_text(response)


def test_the_fund_is_closed_only_once_every_application_sent_is_decided(client, auth, world):
    fund_round, admin = world["round"], world["admin"]
    page = f"/fonds/{fund_round.id}"
    auth.login(admin.email)
    response = auth.post(f"{page}/cloturer", form_page=page)
    assert response.status_code == 409 and "Il faut d'abord clore les demandes" in page_text(response)
    services.close_applications(admin, fund_round, TODAY)
    db.session.commit()
    shown = page_text(client.get(page))
    assert "1 demande attend encore la décision du comité" in shown and "Clôturer le fonds" not in shown
    assert "Clore les demandes" not in shown
    response = auth.post(f"{page}/cloturer", form_page=page)
    assert response.status_code == 409 and "attendent encore la décision" in page_text(response)
    assert db.session.get(FundRound, fund_round.id).state == "closed"
    services.decide(admin, world["waiting"], "refused", 0, "Hors du cadre.")
    db.session.commit()
    assert "Clôturer le fonds" in page_text(client.get(page))
    assert auth.post(f"{page}/cloturer", form_page=page).status_code == 302
    assert db.session.get(FundRound, fund_round.id).state == "done"
    assert audit_sentences("fund.round_done") == ["Fonds clôturé\u00a0: Fonds de Lens"]
    shown = page_text(client.get(page))
    assert "Ce fonds est terminé" in shown and "Une fresque" in shown


def test_a_round_past_its_last_day_can_be_closed_at_once(world):
    fund_round, admin = world["round"], world["admin"]
    services.decide(admin, world["waiting"], "refused", 0, "Hors du cadre.")
    later = fund_round.apply_until + timedelta(days=1)
    with pytest.raises(ServiceError):
        services.finish_round(admin, fund_round, TODAY)
    assert services.finish_round(admin, fund_round, later).state == "done"


def test_only_an_administrator_moves_a_round_on(client, auth, world):
    page = f"/fonds/{world['round'].id}"
    assert "Clore les demandes" not in page_text(client.get(page))
    auth.login(create_user().email)
    assert "Clore les demandes" not in page_text(client.get(page))
    assert auth.post(f"{page}/clore", form_page=page).status_code == 403
    assert db.session.get(FundRound, world["round"].id).state == "open"


@pytest.mark.parametrize("changes, message", [
    ({"scope": ""}, None),  # the form's own check (a choice is required)
    ({"scope": "lievin"}, "il reste pour la même commune"),
    ({"scope": "tout"}, "il reste pour la même commune"),
    ({"envelope": "300", "ceiling": "300"}, "déjà accordé : 400"),
    ({"ceiling": "350"}, "une somme déjà accordée : 400"),
    ({"apply_until": (TODAY - timedelta(days=1)).isoformat()}, "Cette date est déjà passée"),
])
def test_an_open_round_keeps_its_scope_and_what_it_granted(client, auth, world, changes, message):
    fund_round = world["round"]
    page = f"/fonds/{fund_round.id}/modifier"
    auth.login(world["admin"].email)
    typed = "Des projets, corrigé pendant l'appel."
    response = auth.post(page, form_data(fund_round, rules=typed, **changes), form_page=page)
    assert response.status_code == 422
    shown = page_text(response)
    if message:
        assert message in shown
    assert typed in shown  # nothing typed is lost
    db.session.expire_all()
    fund_round = db.session.get(FundRound, fund_round.id)
    assert (fund_round.commune.slug, fund_round.envelope_cents, fund_round.ceiling_cents, fund_round.rules) == (
        "lens", 100_000, 60_000, "Des projets.")


def test_an_open_round_s_rules_and_amounts_above_what_was_granted_may_still_change(client, auth, world):
    fund_round = world["round"]
    page = f"/fonds/{fund_round.id}/modifier"
    auth.login(world["admin"].email)
    assert "ne descendent pas sous ce qui est déjà accordé (400 € en tout)" in page_text(client.get(page))
    response = auth.post(page, form_data(fund_round, envelope="400", ceiling="400", rules="Des projets, corrigé."),
                         form_page=page)
    assert response.status_code == 302
    db.session.expire_all()
    fund_round = db.session.get(FundRound, fund_round.id)
    assert (fund_round.envelope_cents, fund_round.ceiling_cents, fund_round.rules) == (40_000, 40_000,
                                                                                       "Des projets, corrigé.")


def test_a_round_in_preparation_may_still_change_its_scope(world):
    admin = world["admin"]
    draft = services.create_round(
        admin, commune("lens"), title="Brouillon", envelope_cents=100_000, ceiling_cents=60_000,
        apply_until=TODAY + timedelta(days=10), committee_on=TODAY + timedelta(days=20), spend_within_days=30,
        rules="", rules_easy="", today=TODAY)
    values = {name: getattr(draft, name) for name in services.ROUND_FIELDS}
    assert services.update_round(admin, draft, None, today=TODAY, **values).commune is None
