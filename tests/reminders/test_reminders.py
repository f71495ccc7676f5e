"""Reminders before a meeting and notices when it changes (issue 21): who
gets what and when, as the clock moves (never by sleeping), in their
language; each message once, even when two ticks run at once or one dies
midway; the ledger in the person's download, erasure and retention."""
from __future__ import annotations

import re
import threading
from pathlib import Path
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.extensions import db
from labo.mail.models import OutboxMessage
from labo.meetings import services as meetings
from labo.meetings.models import Meeting, MeetingChange, Registration
from labo.reminders import services as reminders
from labo.reminders.models import SentMessage
from tests.conftest import page_text
from tests.factories import commune, create_meeting, create_registration, create_user

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime.now(PARIS).date() + timedelta(days=20)   # the meeting's day, far enough to move the clock to


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local (Paris) moment, as the UTC the services take."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(timezone.utc)


def a_meeting(**fields) -> Meeting:
    values = dict(title="Rencontre de Wingles", starts_at=at(DAY, 14), ends_at=at(DAY, 17), commune_slug="wingles",
                  venue="Centre social", address="Rue Jean Jaurès", step_free=True,
                  public_transport="Bus 12, arrêt Mairie", childcare=True, access_notes="Boucle magnétique")
    values.update(fields)
    return create_meeting(**values)


def outbox(recipient: str | None = None) -> list[SimpleNamespace]:
    """The messages kept in the outbox, their no-break spaces (French typography) read as spaces."""
    db.session.commit()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return [SimpleNamespace(recipient=m.recipient, subject=m.subject.replace("\u00a0", " "),
                            body=m.body.replace("\u00a0", " ")) for m in db.session.scalars(query)]


def tick(app, now: datetime) -> dict:
    report = reminders.tick(app, now)
    db.session.commit()
    return report


# --- reminders as the clock moves -------------------------------------------------


def test_a_reminder_two_days_before_and_one_on_the_morning_each_once(app):
    meeting = a_meeting(capacity=4)
    create_registration(meeting, first_name="Aïcha", contact="aicha@example.org")
    create_registration(meeting, first_name="Dominique", walk_in=True)           # on the day, no contact
    create_registration(meeting, first_name="Sans", contact="à la mairie")       # neither email nor phone
    leaving = create_registration(meeting, first_name="Bernard", contact="bernard@example.org")
    create_registration(meeting, first_name="Chantal", contact="chantal@example.org")  # waiting
    meetings.cancel(leaving.cancel_token)  # Bernard cannot come; Chantal takes his seat

    tick(app, at(DAY - timedelta(days=2), 8, 59))
    assert outbox() == [], "nothing before 9:00 two days before"

    tick(app, at(DAY - timedelta(days=2), 9, 0))
    assert [m.recipient for m in outbox()] == ["aicha@example.org", "chantal@example.org"]
    first = outbox("aicha@example.org")[0]
    assert first.subject.startswith("Rappel : « Rencontre de Wingles »")
    body = first.body
    assert "Bonjour Aïcha," in body
    assert "nous vous attendons à la rencontre « Rencontre de Wingles »" in body
    assert "de 14 h à 17 h" in body, body                     # the time as people say it
    assert "Centre social, Rue Jean Jaurès — Wingles" in body
    assert "Accessible sans marche" in body and "Bus 12, arrêt Mairie" in body
    assert "Garde d'enfants sur place" in body and "Boucle magnétique" in body
    token = db.session.scalar(select(Registration.cancel_token).where(Registration.first_name == "Aïcha"))
    assert f"/rencontres/inscription/{token}" in body

    for minutes in (5, 10, 600):  # ticks every few minutes, then the next day: nothing twice
        tick(app, at(DAY - timedelta(days=2), 9, 0) + timedelta(minutes=minutes))
    assert len(outbox()) == 2

    tick(app, at(DAY, 7, 29))
    assert len(outbox()) == 2
    tick(app, at(DAY, 7, 30))
    morning = outbox()[2:]
    assert [m.recipient for m in morning] == ["aicha@example.org", "chantal@example.org"]
    assert "C'est aujourd'hui" in morning[0].body
    tick(app, at(DAY, 13, 55))
    tick(app, at(DAY, 14, 5))  # begun: nothing more
    assert len(outbox()) == 4
    aicha = db.session.scalar(select(Registration.id).where(Registration.first_name == "Aïcha"))
    assert db.session.scalars(select(SentMessage.key).where(SentMessage.registration_id == aicha)
                              .order_by(SentMessage.id)).all() == [
        f"meeting:{meeting.id}:reminder-2d:{DAY.isoformat()}:registration:{aicha}",
        f"meeting:{meeting.id}:reminder-day:{DAY.isoformat()}:registration:{aicha}"]


def test_the_reminder_is_in_the_language_the_person_registered_in(app, client):
    meeting = a_meeting()
    english = create_user(pseudonym="Sam", email="sam@example.org")
    english.locale = "en"
    db.session.commit()
    create_registration(meeting, user=english)
    seat = meetings.register(meeting, first_name="Jo", contact="jo@example.org", locale="en")
    assert db.session.get(Registration, seat.registration_id).locale == "en"
    tick(app, at(DAY - timedelta(days=1), 10))
    messages = {m.recipient: m for m in outbox()}
    assert set(messages) == {"sam@example.org", "jo@example.org"}
    for message in messages.values():
        assert message.subject.startswith("Reminder:"), message.subject
        assert "2 pm to 5 pm" in message.body, message.body
        assert "Step-free access" in message.body
    assert "It's tomorrow" in messages["jo@example.org"].body


def test_registering_on_the_site_stores_the_language_of_the_page(client):
    meeting = a_meeting()
    from tests.conftest import csrf_from

    client.post("/langue", data={"lang": "en", "next": "/",
                                 "csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    page = client.get(f"/rencontres/{meeting.id}").get_data(as_text=True)
    response = client.post(f"/rencontres/{meeting.id}/inscription", data={
        "first_name": "Jo", "contact": "jo@example.org", "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert db.session.scalar(select(Registration.locale).where(Registration.first_name == "Jo")) == "en"


def sms() -> list:
    from labo.sms.models import SmsMessage

    db.session.commit()
    return [SimpleNamespace(recipient=m.recipient, body=m.body.replace("\u00a0", " "), purpose=m.purpose, status=m.status)
            for m in db.session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def test_a_phone_number_gets_one_short_sms_with_a_short_link_that_opens_the_registration(app, client):
    animator = create_user(roles=[(Role.ANIMATOR, None)])
    meeting = a_meeting(animators=[animator])
    mobile = create_registration(meeting, first_name="Aïcha", contact="06 12 34 56 78")
    create_registration(meeting, first_name="Fixe", contact="03 21 00 00 00")  # a landline takes no SMS
    tick(app, at(DAY - timedelta(days=2), 9, 5))
    assert outbox() == []
    [reminder] = sms()
    assert (reminder.recipient, reminder.purpose, reminder.status) == ("+33612345678", "meeting-reminder-2d", "sent")
    # In GSM 7-bit (one SMS of 160 characters, not 70): « » become plain quotes.
    assert reminder.body.startswith('Labo : rappel, "Rencontre de Wingles"')
    assert "à 14 h" in reminder.body and "Centre social (Wingles)" in reminder.body
    assert reminder.body.endswith(f"/i/{mobile.cancel_token}") and len(reminder.body) <= 200, reminder.body
    opened = client.get(f"/i/{mobile.cancel_token}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/rencontres/inscription/{mobile.cancel_token}")
    assert "Aïcha" in page_text(client.get(opened.headers["Location"]))
    assert client.get("/i/pas-un-jeton").status_code == 404

    assert save(meeting, animator, venue="Salle Brassens") == 1
    notice = sms()[1]
    assert notice.purpose == "meeting-change" and '"Rencontre de Wingles" change' in notice.body
    assert "Salle Brassens (Wingles)" in notice.body
    tick(app, datetime.now(timezone.utc))
    assert len(sms()) == 2


# --- change notices ---------------------------------------------------------------


def save(meeting: Meeting, actor, **changes):
    values = dict(title=meeting.title, theme=meeting.theme, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                  commune=meeting.commune, venue=meeting.venue, address=meeting.address, step_free=meeting.step_free,
                  public_transport=meeting.public_transport, childcare=meeting.childcare,
                  access_notes=meeting.access_notes, capacity=meeting.capacity, running_order=meeting.running_order,
                  animators=list(meeting.animators))
    values.update(changes)
    meetings.save_meeting(actor, meeting, **values)
    db.session.commit()
    return reminders.send_meeting_notices(app_config(), meeting.id)


def app_config():
    from flask import current_app

    return current_app.config


def test_a_change_of_time_is_told_at_once_to_everyone_once_and_a_second_change_again(app):
    animator = create_user(roles=[(Role.ANIMATOR, None)])
    meeting = a_meeting(capacity=1, animators=[animator])
    create_registration(meeting, first_name="Aïcha", contact="aicha@example.org")
    create_registration(meeting, first_name="Chantal", contact="chantal@example.org")  # waiting
    assert save(meeting, animator) == 0, "saved unchanged: nobody is told"
    assert db.session.scalar(select(func.count(MeetingChange.id))) == 0

    assert save(meeting, animator, starts_at=at(DAY, 18), ends_at=at(DAY, 20)) == 2
    notices = outbox()
    assert sorted(m.recipient for m in notices) == ["aicha@example.org", "chantal@example.org"]
    body = notices[0].body
    assert notices[0].subject == "Changement pour la rencontre « Rencontre de Wingles »"
    assert "La rencontre « Rencontre de Wingles » change : l'heure." in body
    assert "de 18 h à 20 h" in body and "Avant : " in body and "à 14 h" in body
    assert "/rencontres/inscription/" in body

    assert reminders.send_meeting_notices(app.config, meeting.id) == 0
    tick(app, datetime.now(timezone.utc))
    assert len(outbox()) == 2, "a tick after the change sends no notice twice"

    assert save(meeting, animator, venue="Salle Brassens") == 2
    second = outbox()[2:]
    assert len(second) == 2 and "change : le lieu." in second[0].body and "Salle Brassens" in second[0].body
    tick(app, datetime.now(timezone.utc))
    assert len(outbox()) == 4


def test_a_cancelled_meeting_is_told_and_the_tick_catches_up_what_a_request_did_not_send(app, client, auth):
    animator = create_user(email="anim@example.org", roles=[(Role.ANIMATOR, None)])
    meeting = a_meeting(animators=[animator])
    create_registration(meeting, first_name="Aïcha", contact="aicha@example.org")
    create_registration(meeting, first_name="Bernard", contact="bernard@example.org")
    auth.login("anim@example.org")
    edit = page_text(client.get(f"/rencontres/{meeting.id}/modifier"))
    assert "Annuler la rencontre" in edit
    refused = auth.post(f"/rencontres/{meeting.id}/annuler", {}, form_page=f"/rencontres/{meeting.id}/modifier")
    assert refused.status_code == 302
    assert "Cochez la case" in page_text(client.get(refused.headers["Location"]))
    db.session.expire_all()
    assert not db.session.get(Meeting, meeting.id).cancelled and outbox() == []

    response = auth.post(f"/rencontres/{meeting.id}/annuler", {"confirm": "y"},
                         form_page=f"/rencontres/{meeting.id}/modifier")
    assert response.status_code == 302
    assert "Les personnes inscrites sont prévenues" in page_text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).cancelled
    notices = outbox()
    assert sorted(m.recipient for m in notices) == ["aicha@example.org", "bernard@example.org"]
    assert notices[0].subject == "Rencontre annulée : « Rencontre de Wingles »"
    assert "est annulée" in notices[0].body and "/rencontres/inscription/" not in notices[0].body
    tick(app, datetime.now(timezone.utc))
    tick(app, at(DAY - timedelta(days=1), 10))  # no reminder for a cancelled meeting
    assert len(outbox()) == 2
    assert auth.post(f"/rencontres/{meeting.id}/annuler", {"confirm": "y"},
                     form_page=f"/rencontres/{meeting.id}").status_code == 302
    assert len(outbox()) == 2, "cancelling twice tells nobody twice"


def test_the_tick_sends_a_notice_the_request_could_not(app):
    animator = create_user(roles=[(Role.ANIMATOR, None)])
    meeting = a_meeting(animators=[animator])
    create_registration(meeting, first_name="Aïcha", contact="aicha@example.org")
    meetings.save_meeting(animator, meeting, title=meeting.title, theme="", starts_at=at(DAY + timedelta(days=1), 14),
                          ends_at=None, commune=commune("wingles"), venue=meeting.venue, address=meeting.address,
                          step_free=True, public_transport="", childcare=False, access_notes="", capacity=None,
                          running_order="", animators=[animator])
    db.session.commit()  # ... and the request died before sending
    assert outbox() == []
    tick(app, datetime.now(timezone.utc))
    [notice] = outbox()
    assert "change : la date." in notice.body


def test_a_request_sends_notices_for_a_while_and_leaves_the_rest_to_the_tick(app, monkeypatch):
    animator = create_user(roles=[(Role.ANIMATOR, None)])
    meeting = a_meeting(animators=[animator])
    for i in range(3):
        create_registration(meeting, first_name=f"Personne {i}", contact=f"p{i}@example.org")
    clock = iter(range(0, 1000, 6))  # each look at the clock: 6 s later (a slow provider)
    monkeypatch.setattr(reminders, "monotonic", lambda: next(clock))
    # started at 0 s; the first at 6 s: sent; the next at 12 s, past the 10 s: left
    assert save(meeting, animator, venue="Salle Brassens") == 1
    assert [m.recipient for m in outbox()] == ["p0@example.org"]
    monkeypatch.undo()
    tick(app, datetime.now(timezone.utc))
    assert sorted(m.recipient for m in outbox()) == ["p0@example.org", "p1@example.org", "p2@example.org"]


def test_a_seat_freed_up_is_told_to_the_first_person_waiting(app, client):
    meeting = a_meeting(capacity=1)
    leaving = create_registration(meeting, first_name="Bernard", contact="bernard@example.org")
    create_registration(meeting, first_name="Chantal", contact="chantal@example.org")
    token = leaving.cancel_token
    from tests.conftest import csrf_from

    page = client.get(f"/rencontres/inscription/{token}").get_data(as_text=True)
    assert client.post(f"/rencontres/inscription/{token}", data={"csrf_token": csrf_from(page)}).status_code == 302
    [notice] = outbox()
    assert notice.recipient == "chantal@example.org"
    assert notice.subject == "Une place pour vous : « Rencontre de Wingles »"
    assert "une place s'est libérée pour vous" in notice.body
    tick(app, datetime.now(timezone.utc))
    assert len(outbox()) == 1


# --- once, whatever happens ---------------------------------------------------------


def many_registered(n: int) -> Meeting:
    meeting = a_meeting()
    for i in range(n):
        create_registration(meeting, first_name=f"Personne {i}", contact=f"p{i}@example.org")
    return meeting


def test_two_ticks_at_once_send_each_reminder_once(app):
    many_registered(12)
    now = at(DAY - timedelta(days=2), 9, 5)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    reports: list[dict] = []

    def one() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                reports.append(reminders.tick(app, now))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    recipients = [m.recipient for m in outbox()]
    assert sorted(recipients) == sorted(f"p{i}@example.org" for i in range(12)), "each person once"
    assert sum(r["sent"] for r in reports) == 12
    assert [r["purged"] is not None for r in reports].count(True) == 1, "the day's purge ran once"
    assert db.session.scalar(select(func.count()).where(SentMessage.sent_at.is_(None))) == 0


def test_two_tick_commands_at_once_in_two_processes_send_each_reminder_once(app, tmp_path):
    """As cron would start them, one overlapping the other: two `flask labo tick` processes."""
    import os
    import subprocess
    import sys

    many_registered(8)
    now = at(DAY - timedelta(days=2), 9, 5).strftime("%Y-%m-%dT%H:%M:%S")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LABO_ENV": "development",
           "LABO_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "two-ticks", "MAIL_SERVER": ""}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "labo", "tick", "--now", now]
    ticks = [subprocess.Popen(flask, cwd=str(Path(__file__).resolve().parents[2]), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [t.communicate(timeout=120) for t in ticks]
    assert [t.returncode for t in ticks] == [0, 0], outputs
    sent = [int(re.search(r"Tick: sent (\d+)", out).group(1)) for out, _ in outputs]
    assert sum(sent) == 8, outputs
    assert sorted(m.recipient for m in outbox()) == sorted(f"p{i}@example.org" for i in range(8))


class Crash(BaseException):
    """The process dying between a claim and its send (not an error a tick catches)."""


def test_a_tick_that_dies_midway_leaves_no_one_without_and_no_one_twice(app, monkeypatch):
    many_registered(6)
    now = at(DAY - timedelta(days=2), 9, 5)
    real_send, calls = reminders.send_email, []

    def dying(*args):
        calls.append(args[1])
        if len(calls) == 3:
            raise Crash()
        return real_send(*args)

    monkeypatch.setattr(reminders, "send_email", dying)
    with pytest.raises(Crash):
        reminders.tick(app, now)
    db.session.rollback()
    assert len(outbox()) == 2
    crashed = calls[2]
    assert db.session.scalar(select(SentMessage.sent_at).where(SentMessage.recipient == crashed)) is None

    monkeypatch.setattr(reminders, "send_email", real_send)
    tick(app, now + timedelta(minutes=5))  # the next tick: the others, but not the claim still young
    assert sorted(m.recipient for m in outbox()) == sorted(f"p{i}@example.org" for i in range(6) if f"p{i}@example.org" != crashed)
    tick(app, now + reminders.LEASE + timedelta(minutes=1))  # past the lease: the crashed one goes, once
    tick(app, now + reminders.LEASE + timedelta(minutes=6))
    assert sorted(m.recipient for m in outbox()) == sorted(f"p{i}@example.org" for i in range(6))
    row = db.session.scalar(select(SentMessage).where(SentMessage.recipient == crashed))
    assert row.attempts == 2 and row.sent_at is not None


def test_a_failing_message_does_not_stop_the_others(app, monkeypatch):
    many_registered(3)
    real_send = reminders.send_email

    def refusing(config, recipient, subject, body):
        if recipient == "p1@example.org":
            raise OSError("disk full")
        return real_send(config, recipient, subject, body)

    monkeypatch.setattr(reminders, "send_email", refusing)
    report = tick(app, at(DAY - timedelta(days=2), 9, 5))
    assert report["sent"] == 2
    assert sorted(m.recipient for m in outbox()) == ["p0@example.org", "p2@example.org"]


def test_the_tick_command_says_what_it_did(app):
    many_registered(2)
    result = app.test_cli_runner().invoke(
        args=["labo", "tick", "--now", at(DAY - timedelta(days=2), 9, 5).strftime("%Y-%m-%dT%H:%M:%S")])
    assert result.exit_code == 0, result.output
    assert "Tick: sent 2, purged" in result.output
    again = app.test_cli_runner().invoke(
        args=["labo", "tick", "--now", at(DAY - timedelta(days=2), 9, 10).strftime("%Y-%m-%dT%H:%M:%S")])
    assert again.output.strip() == "Tick: sent 0", again.output
    for command in ("purge", "remind-commitments"):  # still there, for whoever runs them by hand
        assert app.test_cli_runner().invoke(args=["labo", command]).exit_code == 0


# --- personal data ---------------------------------------------------------------


def test_the_ledger_is_in_the_download_erased_with_the_account_and_purged(app):
    from labo.privacy.personal_data import erase_user, export_personal_data
    from labo.privacy.retention import purge

    person = create_user(pseudonym="Josiane", email="josiane@example.org")
    meeting = a_meeting()
    create_registration(meeting, user=person)
    create_registration(meeting, first_name="Aïcha", contact="aicha@example.org")
    tick(app, at(DAY - timedelta(days=2), 9, 5))
    [line] = export_personal_data(person)["meeting_messages"]
    assert (line["kind"], line["channel"], line["recipient"]) == ("reminder-2d", "email", "josiane@example.org")
    erase_user(app.config, person)
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(SentMessage.recipient == "josiane@example.org")) == 0
    assert db.session.scalar(select(func.count()).where(SentMessage.recipient == "aicha@example.org")) == 1
    purge(app.config, datetime.now(timezone.utc) + timedelta(days=30))
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(SentMessage.recipient == "aicha@example.org")) == 1
    purge(app.config, at(DAY - timedelta(days=2), 9, 5) + timedelta(days=32))
    db.session.commit()
    assert db.session.scalar(select(func.count(SentMessage.id))) == 0
