"""The command line and the database schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from labo.accounts.models import Role, User
from labo.extensions import db
from tests.conftest import page_text
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


def test_seed_demo_spreads_contributions_over_the_communes_and_leaves_some_waiting(app, client, auth):
    from datetime import timedelta

    from labo.contributions.models import FINAL_STATUSES, Contribution, Status
    from labo.core.db import utcnow
    from labo.demo import DEMO_PASSWORD

    result = app.test_cli_runner().invoke(args=["labo", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    contributions = db.session.scalars(select(Contribution)).all()
    assert len(contributions) >= 24
    assert len({c.commune_id for c in contributions}) >= 10
    now = utcnow()
    late = [c for c in contributions if c.created_at < now - timedelta(days=app.config["LABO_ANSWER_DAYS"])]
    assert len(late) >= 3
    for c in late:
        assert timedelta(days=70) <= now - c.created_at <= timedelta(days=121), (c.title, c.created_at)
        assert Status(c.status) not in FINAL_STATUSES and c.answer is None and c.is_published

    auth.login("admin@labo.example", DEMO_PASSWORD)
    listed = page_text(client.get("/moderation/sans-reponse"))
    assert listed.count('class="contrib-card"') == len(late)
    assert all(c.title in listed for c in late)
    auth.logout()
    auth.login("referente.lens@labo.example", DEMO_PASSWORD)
    lens_only = page_text(client.get("/moderation/sans-reponse"))
    lens_late = [c for c in late if c.commune.name == "Lens"]
    assert lens_late and lens_only.count('class="contrib-card"') == len(lens_late)
    assert "Aucune : bravo" not in lens_only


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
