"""The command line and the database schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from labo.accounts.models import Role, User
from labo.extensions import db
from tests.factories import create_user


def test_seed_command_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["labo", "seed"])
    assert result.exit_code == 0, result.output
    assert "0 new commune" in result.output


def test_seed_demo_creates_one_account_per_role(app):
    result = app.test_cli_runner().invoke(args=["labo", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    users = db.session.scalars(select(User)).all()
    roles = set().union(*(u.roles for u in users))
    assert roles == set(Role)
    referents = [u for u in users if u.has_role(Role.REFERENT)]
    assert {c for u in referents for c in u.referent_commune_ids}


def test_create_admin_makes_a_new_administrator_who_can_log_in(app, auth):
    result = app.test_cli_runner().invoke(args=["labo", "create-admin", "boss@example.org"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ", 1)[1].strip()
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.has_role(Role.ADMIN)
    assert auth.login("boss@example.org", password).status_code == 302


def test_create_admin_promotes_an_existing_account(app):
    someone = create_user(email="someone@example.org")
    result = app.test_cli_runner().invoke(args=["labo", "create-admin", "Someone@example.org"])
    assert result.exit_code == 0, result.output
    db.session.refresh(someone)
    assert someone.has_role(Role.ADMIN)
    again = app.test_cli_runner().invoke(args=["labo", "create-admin", "someone@example.org"])
    assert again.exit_code == 0
    assert len([g for g in someone.grants if g.role == "admin"]) == 1


def test_migrations_build_exactly_the_schema_of_the_models():
    """`flask db upgrade` (run by the app fixture) and the models agree."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
