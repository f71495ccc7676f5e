"""Each test starts from the seeded territory (tests/snapshot.py): whatever
the test before it wrote, by whatever connection, is put back, ids included."""
from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from labo.accounts.models import User
from labo.extensions import db
from labo.territory.models import Commune, Qpv
from tests.factories import commune, create_meeting, create_user
from tests.snapshot import digests


def test_what_a_test_wrote_is_put_back_whoever_wrote_it(app, seeded):
    first = create_user(pseudonym="Première")
    create_meeting()
    lens = commune("lens")
    lens.name, lens.premoderation = "Lens la Belle", True  # the territory edited
    db.session.delete(db.session.scalar(select(Qpv).order_by(Qpv.code)))  # a QPV deleted
    db.session.add(Commune(slug="nouvelle", name="Nouvelle commune"))  # a commune added
    db.session.commit()

    failed = []

    def elsewhere() -> None:  # another connection, as a live server's thread
        try:
            with app.app_context():
                write()
        except Exception as error:  # noqa: BLE001  (reported by the test)
            failed.append(error)

    def write() -> None:
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM qpv_commune WHERE commune_id = :c"), {"c": lens.id})
            connection.execute(User.__table__.insert().values(  # the column defaults, no ORM
                pseudonym="Ailleurs", pseudonym_key="ailleurs", email="a@example.org", password_hash="x"))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert not failed, failed
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2

    assert set(seeded.restore()) >= {"user_account", "meeting", "commune", "qpv", "qpv_commune"}

    assert digests(t for t in db.metadata.sorted_tables if t.name in seeded.rows) == seeded.digests
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert commune("lens").name == "Lens" and db.session.scalar(
        select(func.count()).select_from(Commune).where(Commune.slug == "nouvelle")) == 0
    # Ids start where they did (on PostgreSQL too, whose sequences are set back).
    assert create_user(pseudonym="Encore").id == first.id
    assert seeded.restore() == ["user_account"]
    assert seeded.restore() == []
