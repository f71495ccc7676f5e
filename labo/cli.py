"""`flask --app wsgi labo ...`: seed, create-admin, translate."""
from __future__ import annotations

import secrets

import click
from flask import current_app

from labo.core.i18n import translate_cli
from labo.extensions import db


@click.group("labo")
def labo_cli() -> None:
    """Labo administration commands."""


@labo_cli.command("seed")
@click.option("--demo", is_flag=True, help="Also create demo accounts (never in production).")
def seed(demo: bool) -> None:
    """Load the territory and the strategy from territory.toml (idempotent)."""
    from labo.territory.services import seed_territory

    counts = seed_territory()
    db.session.commit()
    click.echo("Territory: " + ", ".join(f"{n} new {kind}" for kind, n in counts.items()))
    if demo:
        from labo.demo import (DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo, seed_demo_actors, seed_demo_contributions,
                               seed_demo_features, seed_demo_meetings)

        created = seed_demo(current_app.config)
        contributions = seed_demo_contributions(current_app.config)
        meetings = seed_demo_meetings(current_app.config)
        organisations = seed_demo_actors(current_app.config)
        features = seed_demo_features(current_app.config)
        db.session.commit()
        click.echo(f"Demo: {created} new account(s), {contributions} contribution(s), {meetings} meeting(s), "
                   f"{organisations} organisation(s), "
                   + ", ".join(f"{n} {what}" for what, n in features.items()) + "; "
                   f"password for all: {DEMO_PASSWORD}")
        for pseudonym, email, *_ in DEMO_ACCOUNTS:
            click.echo(f"  {email:32} {pseudonym}")
    db.session.commit()


@labo_cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password for a new account; one is generated and printed if omitted.")
@click.option("--pseudonym", help="Pseudonym for a new account.")
def create_admin(email: str, password: str | None, pseudonym: str | None) -> None:
    """Make EMAIL an administrator, creating the account if needed."""
    from labo.accounts.services import create_admin as create_admin_account

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user, created = create_admin_account(current_app.config, email, password, pseudonym)
    db.session.commit()
    if created:
        click.echo(f"Created administrator {user.pseudonym} <{user.email}>")
        if generated:
            click.echo(f"Password: {password}")
    else:
        click.echo(f"{user.pseudonym} <{user.email}> is an administrator")


@labo_cli.command("remind-commitments")
def remind_commitments() -> None:
    """Email each partner referent their overdue commitments (once per review date)."""
    from labo.partners.services import remind_referents

    click.echo(remind_referents(current_app))


labo_cli.add_command(translate_cli)
