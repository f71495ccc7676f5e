"""Two answers entered at the same moment for one opinion (issue 22 review):
the first stands, the second is told it is already answered."""
from __future__ import annotations

import threading

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.opinions import services
from labo.opinions.models import Opinion
from tests.factories import create_admin
from tests.opinions.test_opinions import TODAY, issue, past_meeting


def test_two_answers_at_once_keep_the_first(app):
    admin = create_admin()
    meeting, _ = past_meeting()
    opinion = issue(admin, meeting)
    ids = (admin.id, opinion.id)
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one(decision: str) -> None:
        try:
            with app.app_context():
                actor, found = db.session.get(User, ids[0]), db.session.get(Opinion, ids[1])
                assert not found.answered  # read, as the form did before the click
                barrier.wait(timeout=30)
                try:
                    services.answer_opinion(actor, found, decision=decision, reasons="Le budget.", answered_on=TODAY)
                    db.session.commit()
                    outcomes.append("answered")
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(d,)) for d in ("Trois bancs en mars.", "Pas de bancs.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["already-answered", "answered"]
