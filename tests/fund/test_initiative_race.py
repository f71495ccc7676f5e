"""Two taps at once on "Demander un financement au fonds" (issue 22
review): the initiative gets one draft in the round, not two."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from labo.accounts.models import User
from labo.contributions.models import Contribution
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication, FundRound
from tests.factories import commune, create_admin, create_contribution, create_user
from tests.fund.test_initiative_button import a_round


def test_two_taps_at_once_make_one_draft(app):
    author = create_user(home="lens")
    initiative = create_contribution(author, kind="initiative", title="Un jardin", body="Avec l'école.")
    fund_round = a_round(create_admin(), commune("lens"), "Fonds de Lens")
    ids = (author.id, initiative.id, fund_round.id)
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with app.app_context():
                actor, contribution, found = (db.session.get(User, ids[0]), db.session.get(Contribution, ids[1]),
                                              db.session.get(FundRound, ids[2]))
                found.members  # read, as the page did before the tap
                barrier.wait(timeout=30)
                try:
                    services.application_from_initiative(actor, found, contribution, date.today())
                    db.session.commit()
                    outcomes.append("made")
                except ServiceError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["initiative-already-applied", "made"]
    db.session.commit()
    assert db.session.scalar(select(func.count(FundApplication.id)).where(
        FundApplication.contribution_id == ids[1])) == 1
