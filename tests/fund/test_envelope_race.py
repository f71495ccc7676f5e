"""A decision and a smaller budget typed at the same moment (issue 22
review): the round never ends with more granted than its envelope."""
from __future__ import annotations

import threading

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication, FundRound
from tests.fund.test_committee import TODAY, world  # noqa: F401 - the fixture


def test_a_decision_and_a_smaller_envelope_at_once_keep_the_envelope_above_what_is_granted(app, world):
    repas = world["applications"][0]
    fund_round = world["round"]
    ids = (world["referent"].id, world["admin"].id, repas.id, fund_round.id)
    values = {name: getattr(fund_round, name) for name in services.ROUND_FIELDS}
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(name, act) -> None:
        try:
            with app.app_context():
                act_args = (db.session.get(User, ids[0]), db.session.get(User, ids[1]),
                            db.session.get(FundApplication, ids[2]), db.session.get(FundRound, ids[3]))
                services.granted_cents(act_args[3])  # read, as the page did before the click
                barrier.wait(timeout=30)
                try:
                    act(*act_args)
                    db.session.commit()
                    outcomes[name] = "done"
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes[name] = refusal.code
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def decide(referent, admin, application, found):
        services.decide(referent, application, "granted", 45_000, "Oui.")

    def shrink(referent, admin, application, found):
        services.update_round(admin, found, found.commune, today=TODAY,
                              **{**values, "envelope_cents": 40_000, "ceiling_cents": 40_000})

    threads = [threading.Thread(target=run, args=("decide", decide)), threading.Thread(target=run, args=("shrink", shrink))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert outcomes in ({"decide": "done", "shrink": "envelope-below-granted"},
                        {"decide": "envelope-exceeded", "shrink": "done"}), outcomes
    db.session.commit()
    found = db.session.get(FundRound, ids[3])
    assert services.granted_cents(found) <= found.envelope_cents
