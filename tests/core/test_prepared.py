"""labo.core.db.keep_prepared_statements: a transaction that only read ends
with COMMIT on PostgreSQL, so that psycopg keeps what it prepared; one that
wrote, or failed, still ends with a ROLLBACK and loses its writes."""
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from labo.accounts.models import User
from labo.extensions import db
from tests.factories import create_user


def test_a_rolled_back_write_is_lost_and_reads_keep_their_prepared_statements(app):
    user_id = create_user(pseudonym="Avant").id
    with db.engine.connect() as conn:
        pseudonym = select(User.pseudonym).where(User.id == user_id)
        for _ in range(8):  # psycopg prepares a statement at its 5th run
            assert conn.execute(pseudonym).scalar() == "Avant"
            conn.rollback()
        if db.engine.dialect.name == "postgresql":
            prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
            assert any("user_account.pseudonym" in s for s in prepared), prepared
            conn.rollback()
        conn.execute(update(User).where(User.id == user_id).values(pseudonym="Écrit puis annulé"))
        assert conn.execute(pseudonym).scalar() == "Écrit puis annulé"
        conn.rollback()
        assert conn.execute(pseudonym).scalar() == "Avant"
        conn.rollback()
        try:  # a read that fails leaves a failed transaction, which is rolled back
            conn.execute(text("SELECT no_such_column FROM user_account"))
        except DBAPIError:
            conn.rollback()
        assert conn.execute(pseudonym).scalar() == "Avant"
    user = db.session.get(User, user_id)
    user.pseudonym = "Flushé puis annulé"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(pseudonym) == "Avant"


def test_the_postgresql_pool_keeps_its_connections_unless_told_otherwise(monkeypatch):
    """Overflow connections closed after use plan every statement again when
    reopened (labo.config.engine_options); LABO_DB_POOL sets the pool, and a
    malformed value stops the start with its name rather than later."""
    from labo.config import engine_options

    url = "postgresql+psycopg://labo@localhost/labo"
    monkeypatch.delenv("LABO_DB_POOL", raising=False)
    options = engine_options(url, {})
    assert (options["pool_size"], options["max_overflow"], options["pool_pre_ping"]) == (15, 0, True)
    monkeypatch.setenv("LABO_DB_POOL", "8, 2")
    assert (engine_options(url, {})["pool_size"], engine_options(url, {})["max_overflow"]) == (8, 2)
    assert engine_options(url, {"pool_size": 1})["pool_size"] == 1  # the app's own overrides first
    assert "pool_size" not in engine_options("sqlite:///x.db", {})
    monkeypatch.setenv("LABO_DB_POOL", "beaucoup")
    with pytest.raises(ValueError, match="LABO_DB_POOL"):
        engine_options(url, {})
