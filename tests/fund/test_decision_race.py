"""Two decisions at the same moment (issue 22 review): what a round grants
never exceeds its envelope, and an application gets one decision."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication, FundDecision
from tests.fund.test_committee import world  # noqa: F401 - the fixture


def race(app, referent_id: int, calls) -> tuple[list[str], list[BaseException]]:
    """Run each (application_id, outcome, cents) decision in its own thread, all at once."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one(application_id: int, outcome: str, cents) -> None:
        try:
            with app.app_context():
                application = db.session.get(FundApplication, application_id)
                referent = db.session.get(User, referent_id)
                services.granted_cents(application.round)  # read, as the page did before the click
                assert application.decision is None
                barrier.wait(timeout=30)
                try:
                    services.decide(referent, application, outcome, cents, "Vu en comité.")
                    db.session.commit()
                    outcomes.append("decided")
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


def test_two_decisions_at_once_never_grant_more_than_the_envelope(app, world):
    """1 000 € in the envelope; the repas asks 450 €, the fresque 600 €:
    both granted at the same moment would make 1 050 €."""
    repas, fresque = world["applications"]
    outcomes, errors = race(app, world["referent"].id, [(repas.id, "granted", 45_000), (fresque.id, "granted", 60_000)])
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["decided", "envelope-exceeded"]
    db.session.commit()
    assert sum(db.session.scalars(select(FundDecision.amount_granted_cents))) <= 100_000


def test_the_same_application_decided_twice_at_once_gets_one_decision(app, world):
    repas = world["applications"][0]
    outcomes, errors = race(app, world["referent"].id, [(repas.id, "granted", 40_000), (repas.id, "refused", None)])
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["already-decided", "decided"]
    db.session.commit()
    assert db.session.scalar(select(func.count(FundDecision.id))) == 1
