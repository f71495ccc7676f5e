"""A draft sent from one tab while "Enregistrer le brouillon" is pressed in
another (issue 22 review): once sent, the application no longer changes."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication
from tests.factories import commune, create_user
from tests.fund.test_applications import fund_round  # noqa: F401 - the fixture

TODAY = date.today()


def test_a_draft_saved_while_it_is_sent_does_not_change_what_was_sent(app, fund_round):
    resident = create_user()
    draft = services.save_application(
        resident, fund_round, None, title="Un repas", what="Un repas.", for_whom="Tous.", commune=commune("lens"),
        starts_on=TODAY + timedelta(days=40), amount_cents=30_000,
        lines=[("Tables", 10_000), ("Nourriture", 15_000), ("Affiches", 5_000)], carrier_name="Les voisins",
        contact_name="Josiane Martin", contact_email="josiane@example.org", today=TODAY)
    db.session.commit()
    ids = (resident.id, draft.id)
    sent = threading.Event()
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def send() -> None:  # sends, and holds its transaction open a moment before committing
        try:
            with app.app_context():
                actor, application = db.session.get(User, ids[0]), db.session.get(FundApplication, ids[1])
                services.submit_application(actor, application, TODAY)
                sent.set()
                time.sleep(0.8)
                db.session.commit()
                outcomes["send"] = "sent"
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            sent.set()
            errors.append(error)

    def save() -> None:  # the other tab, read before the send, saves while the send is under way
        try:
            with app.app_context():
                actor, application = db.session.get(User, ids[0]), db.session.get(FundApplication, ids[1])
                assert application.status == "draft"
                db.session.commit()  # the page was read before: its transaction is over
                sent.wait(timeout=30)
                try:
                    services.save_application(actor, application.round, application, title="Un autre projet",
                                              today=TODAY)
                    db.session.commit()
                    outcomes["save"] = "saved"
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes["save"] = refusal.code
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert outcomes == {"send": "sent", "save": "application-sent"}
    db.session.commit()  # a fresh read, after both
    application = db.session.get(FundApplication, ids[1])
    assert (application.status, application.title, application.what) == ("submitted", "Un repas", "Un repas.")
