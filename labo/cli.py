"""`flask --app wsgi labo ...`: seed, create-admin, tick, purge, backup, restore, translate."""
from __future__ import annotations

import secrets

import click
from flask import current_app

from labo.accounts.services import create_admin as create_admin_account
from labo.core.i18n import translate_cli
from labo.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    seed_demo,
    seed_demo_actors,
    seed_demo_contributions,
    seed_demo_features,
    seed_demo_meetings,
)
from labo.extensions import db
from labo.fund.alerts import send_deadline_alerts as send_fund_alerts
from labo.letters.services import send_pending_letters
from labo.partners.services import remind_referents
from labo.privacy.backup import BackupError, restore_backup, write_backup
from labo.privacy.retention import purge as purge_data
from labo.reminders.services import tick as run_tick
from labo.sms.services import deliver_pending as deliver_pending_sms
from labo.territory.services import seed_territory


@click.group("labo")
def labo_cli() -> None:
    """Labo administration commands."""


@labo_cli.command("seed")
@click.option("--demo", is_flag=True, help="Also create demo accounts (never in production).")
def seed(demo: bool) -> None:
    """Load the territory and the strategy from territory.toml (idempotent)."""
    counts = seed_territory()
    db.session.commit()
    click.echo("Territory: " + ", ".join(f"{n} new {kind}" for kind, n in counts.items()))
    if demo:
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
    click.echo(remind_referents(current_app))


@labo_cli.command("tick")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]),
              help="Act as if it were this moment (UTC), to try it out.")
def tick(now) -> None:
    """The periodic work, every few minutes from a timer or cron: meeting
    reminders and change notices due, the fund's alerts before a spending
    deadline; once a day the purge and the partners' reminders. Each message
    goes once, even if two ticks overlap."""
    from datetime import timezone

    report = run_tick(current_app._get_current_object(), now.replace(tzinfo=timezone.utc) if now else None)
    when = now.replace(tzinfo=timezone.utc) if now else None
    with current_app.test_request_context("/"):  # the letters' links, from LABO_BASE_URL
        report["letters sent"] = send_pending_letters(current_app.config, when) or None
    report["fund deadline alerts"] = send_fund_alerts(current_app.config, when) or None
    report["sms sent again"] = deliver_pending_sms(when) or None
    click.echo("Tick: " + ", ".join(f"{what} {done}" for what, done in report.items() if done is not None))


@labo_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would go, change nothing.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Count from this date (UTC) instead of now.")
def purge(dry_run: bool, as_of) -> None:
    """Delete the personal data kept longer than its declared duration (run daily)."""
    from datetime import timezone

    done = purge_data(current_app.config, as_of.replace(tzinfo=timezone.utc) if as_of else None, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(("Would purge: " if dry_run else "Purged: ") + ", ".join(f"{k.lower()} {n}" for k, n in done.items()))


@labo_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Write the database and the uploaded files to PATH (a zip)."""
    counts = write_backup(current_app.config, path)
    click.echo(f"Backup: {sum(counts.values())} rows in {len(counts)} tables to {path}")


@labo_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path: str, yes: bool) -> None:
    """Replace the database and the uploads with the backup at PATH; accounts
    erased since (or before) it are erased again."""
    if not yes:
        click.confirm("Every row of this database is replaced by the backup's. Go on?", abort=True)
    try:
        counts = restore_backup(current_app.config, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    again = counts.pop("erased again")
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {path}; "
               f"{again} erased account(s) erased again")


labo_cli.add_command(translate_cli)
