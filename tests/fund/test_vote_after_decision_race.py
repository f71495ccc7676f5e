"""A member votes while the decision is being published (issue 22 review):
once decided, no vote is added to the published count."""
from __future__ import annotations

import threading
import time

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication
from tests.fund.test_committee import world  # noqa: F401 - the fixture


def test_a_vote_during_the_decision_is_refused(app, world):
    ids = (world["referent"].id, world["members"][0].id, world["applications"][0].id)
    db.session.commit()
    deciding = threading.Event()
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def decide() -> None:  # publishes, and holds its transaction open a moment before committing
        try:
            with app.app_context():
                referent, application = db.session.get(User, ids[0]), db.session.get(FundApplication, ids[2])
                services.decide(referent, application, "refused", None, "Non.")
                deciding.set()
                time.sleep(0.8)
                db.session.commit()
                outcomes["decide"] = "decided"
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            deciding.set()
            errors.append(error)

    def vote() -> None:
        try:
            with app.app_context():
                member, application = db.session.get(User, ids[1]), db.session.get(FundApplication, ids[2])
                assert application.status == "submitted"  # the page, read before the decision
                db.session.commit()
                deciding.wait(timeout=30)
                try:
                    services.cast_vote(member, application, "for", "")
                    db.session.commit()
                    outcomes["vote"] = "voted"
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes["vote"] = refusal.code
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=decide), threading.Thread(target=vote)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert outcomes == {"decide": "decided", "vote": "not-submitted"}
    db.session.commit()
    assert services.tally(db.session.get(FundApplication, ids[2])) == {"for": 0, "against": 0, "abstain": 0}
