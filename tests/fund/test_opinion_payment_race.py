"""Two clicks at once on the referent's opinion or on the payment (issue 22
review): one opinion row (the second click changes it), one payment noted."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication, ReferentOpinion
from tests.fund.test_committee import world  # noqa: F401 - the fixture


def at_once(app, actor_id: int, application_id: int, acts) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(len(acts))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one(act) -> None:
        try:
            with app.app_context():
                application = db.session.get(FundApplication, application_id)
                actor = db.session.get(User, actor_id)
                application.opinion, application.decision  # read, as the page did before the click
                barrier.wait(timeout=30)
                try:
                    act(actor, application)
                    db.session.commit()
                    outcomes.append("done")
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(act,)) for act in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


def test_two_opinions_at_once_make_one_row(app, world):
    application = world["applications"][0]
    outcomes, errors = at_once(app, world["referent"].id, application.id, [
        lambda referent, a: services.give_opinion(referent, a, "favourable", "Oui."),
        lambda referent, a: services.give_opinion(referent, a, "reserved", "Peut-être."),
    ])
    assert not errors, errors[:3]
    assert outcomes == ["done", "done"]
    db.session.commit()
    assert db.session.scalar(select(func.count(ReferentOpinion.id))) == 1


def test_two_payments_at_once_note_one(app, world):
    application = world["applications"][0]
    services.decide(world["referent"], application, "granted", 40_000, "Oui.")
    db.session.commit()
    today = application.decision.decided_at.date()
    outcomes, errors = at_once(app, world["admin"].id, application.id, [
        lambda admin, a: services.record_payment(admin, a, today),
        lambda admin, a: services.record_payment(admin, a, today),
    ])
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["already-paid", "done"]
