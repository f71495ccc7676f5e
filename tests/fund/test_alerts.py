"""Before a funded project's spending deadline (issue 22): `flask labo tick`
tells the project's contact (email, or SMS with only a phone) and the
commune's referents, in their language, once per decision, whatever the
ticks do; nothing for a refused or unpaid project."""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Notification
from labo.extensions import db
from labo.fund import alerts, services
from labo.fund.models import FundDecision
from labo.mail.models import OutboxMessage
from labo.reminders import services as reminders
from labo.reminders.models import SentMessage
from labo.sms.models import SmsMessage
from tests.factories import commune, create_admin, create_referent, create_user

TODAY = date.today()
PAID_ON = TODAY  # spend within 30 days: the deadline is TODAY + 30, the alert from TODAY + 23
DEADLINE = PAID_ON + timedelta(days=30)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=timezone.utc)


ALERT_DAY = noon(DEADLINE - timedelta(days=7))


def an_application(fund_round, title, *, email="", phone="", applicant=None):
    application = services.save_application(
        applicant or create_user(), fund_round, None, title=title, what="Le projet.", for_whom="Le quartier.",
        commune=commune("lens"), starts_on=TODAY + timedelta(days=5), amount_cents=50_000,
        lines=[("Tables", 20_000), ("Repas", 30_000), ("Affiches", 10_000)], carrier_name="Les voisins",
        contact_name="Josiane", contact_phone=phone, contact_email=email, today=TODAY)
    services.submit_application(application.applicant, application, TODAY)
    return application


@pytest.fixture
def world(app):
    admin = create_admin()
    fund_round = services.create_round(
        admin, commune("lens"), title="Fonds de Lens", envelope_cents=500_000, ceiling_cents=100_000,
        apply_until=TODAY + timedelta(days=1), committee_on=TODAY + timedelta(days=2), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    services.add_member(admin, fund_round, create_user().pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    english = create_user()
    english.locale = "en"
    by_email = an_application(fund_round, "Une fresque", email="josiane@exemple.fr", applicant=english)
    by_phone = an_application(fund_round, "Un repas", phone="06 12 34 56 78")
    refused = an_application(fund_round, "Un voyage", email="voyage@exemple.fr")
    unpaid = an_application(fund_round, "Un concert", email="concert@exemple.fr")
    for application in (by_email, by_phone, unpaid):
        services.decide(admin, application, "granted", 40_000, "Oui.")
    services.decide(admin, refused, "refused", 0, "Non.")
    services.record_payment(admin, by_email, PAID_ON)
    services.record_payment(admin, by_phone, PAID_ON)
    referent = create_referent("lens")
    create_referent("lievin")  # another commune's: never told
    db.session.commit()
    return SimpleNamespace(by_email=by_email, by_phone=by_phone, refused=refused, unpaid=unpaid, referent=referent,
                           english=english)


def outbox() -> list[SimpleNamespace]:
    db.session.commit()
    return [SimpleNamespace(recipient=m.recipient, subject=m.subject.replace("\u00a0", " "),
                            body=m.body.replace("\u00a0", " "))
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def texts() -> list[SimpleNamespace]:
    db.session.commit()
    return [SimpleNamespace(recipient=m.recipient, body=m.body.replace("\u00a0", " "))
            for m in db.session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def notifications(user) -> list[Notification]:
    db.session.commit()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "fund.deadline")))


def tick(app, now: datetime) -> int:
    sent = alerts.send_deadline_alerts(app.config, now)
    db.session.commit()
    return sent


def test_seven_days_before_the_deadline_the_contact_and_the_referent_are_told_once(app, world):
    assert app.config["LABO_FUND_ALERT_DAYS"] == 7
    assert tick(app, ALERT_DAY - timedelta(days=1)) == 0  # eight days before: not yet
    assert outbox() == [] and texts() == []
    assert tick(app, ALERT_DAY) == 4  # two contacts, the referent for each project
    mails = outbox()
    assert [m.recipient for m in mails] == ["josiane@exemple.fr"]
    mail = mails[0]
    # the applicant's account reads English: the contact's mail is in English
    assert "Une fresque" in mail.subject and "before" in mail.body
    assert f"/fonds/demandes/{world.by_email.id}" in mail.body
    [sms] = texts()
    assert sms.recipient == "+33612345678" and "Un repas" in sms.body and "avant le" in sms.body
    assert f"/fonds/demandes/{world.by_phone.id}" in sms.body
    told = notifications(world.referent)
    assert sorted(n.params["title"] for n in told) == ["Un repas", "Une fresque"]
    assert {n.link for n in told} >= {f"/fonds/demandes/{world.by_email.id}#bilan"}
    assert db.session.get(FundDecision, world.by_email.decision.id).deadline_alerted_at is not None
    # later ticks, until the deadline: nothing more
    assert tick(app, ALERT_DAY + timedelta(minutes=10)) == 0
    assert tick(app, ALERT_DAY + timedelta(days=3)) == 0
    assert len(outbox()) == 1 and len(texts()) == 1 and len(notifications(world.referent)) == 2


def test_the_date_is_said_as_people_say_it_in_their_language(app, world):
    from flask_babel import force_locale

    from labo.core.dates import format_day
    from labo.notifications.services import describe

    tick(app, ALERT_DAY)
    with app.test_request_context("/"):
        with force_locale("en"):
            english_day = format_day(DEADLINE, "en")
        with force_locale("fr"):
            french_day = format_day(DEADLINE, "fr")
            [note] = [n for n in notifications(world.referent) if n.params["title"] == "Une fresque"]
            said = describe(note.kind, note.params).replace("\u00a0", " ")
    assert english_day in outbox()[0].body
    assert french_day in texts()[0].body
    assert f"avant le {french_day}" in said and "Une fresque" in said


def test_nothing_for_a_refused_or_unpaid_project_nor_after_the_deadline(app, world):
    tick(app, ALERT_DAY)
    recipients = [m.recipient for m in outbox()]
    assert "voyage@exemple.fr" not in recipients and "concert@exemple.fr" not in recipients
    titles = [n.params["title"] for n in notifications(world.referent)]
    assert "Un voyage" not in titles and "Un concert" not in titles
    # a project paid long ago whose deadline has passed: no alert any more
    late = world.unpaid
    services.record_payment(create_admin(), late, TODAY - timedelta(days=40))
    db.session.commit()
    assert tick(app, ALERT_DAY + timedelta(hours=1)) == 0


def test_two_ticks_at_once_send_each_alert_once(app, world):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    counts: list[int] = []

    def one() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                counts.append(alerts.send_deadline_alerts(app.config, ALERT_DAY))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(counts) == 4
    assert [m.recipient for m in outbox()] == ["josiane@exemple.fr"]
    assert len(texts()) == 1 and len(notifications(world.referent)) == 2


class Crash(BaseException):
    """The process dying between a claim and its send (not an error a tick catches)."""


def test_a_killed_tick_loses_nobody(app, world, monkeypatch):
    real_send = alerts.send_email

    def dying(*args):
        raise Crash()

    monkeypatch.setattr(alerts, "send_email", dying)
    with pytest.raises(Crash):
        alerts.send_deadline_alerts(app.config, ALERT_DAY)
    db.session.rollback()
    assert outbox() == []
    assert db.session.get(FundDecision, world.by_email.decision.id).deadline_alerted_at is None
    monkeypatch.setattr(alerts, "send_email", real_send)
    tick(app, ALERT_DAY + timedelta(minutes=5))  # the claim is still young: the others go, not the mail
    assert outbox() == [] and len(texts()) == 1 and len(notifications(world.referent)) == 2
    assert db.session.get(FundDecision, world.by_email.decision.id).deadline_alerted_at is None
    tick(app, ALERT_DAY + reminders.LEASE + timedelta(minutes=1))  # past the lease: the mail goes, once
    tick(app, ALERT_DAY + reminders.LEASE + timedelta(minutes=6))
    assert [m.recipient for m in outbox()] == ["josiane@exemple.fr"]
    assert db.session.get(FundDecision, world.by_email.decision.id).deadline_alerted_at is not None
    assert len(texts()) == 1 and len(notifications(world.referent)) == 2
    assert db.session.scalar(select(func.count()).select_from(SentMessage).where(SentMessage.sent_at.is_(None))) == 0


def test_the_tick_command_sends_the_alerts(app, world):
    result = app.test_cli_runner().invoke(args=["labo", "tick", "--now", ALERT_DAY.strftime("%Y-%m-%dT%H:%M:%S")])
    assert result.exit_code == 0, result.output
    assert "fund deadline alerts 4" in result.output
    again = app.test_cli_runner().invoke(args=["labo", "tick", "--now", ALERT_DAY.strftime("%Y-%m-%dT%H:%M:%S")])
    assert "fund deadline alerts" not in again.output
    assert [m.recipient for m in outbox()] == ["josiane@exemple.fr"]
