"""Issue 21, reminders and change notices in Chromium: a commune's referent
who animates a meeting moves it to later in the day; every person registered
finds the notice in the outbox exactly once, and still once after ticks run;
then the reminder two days before carries the private link, which cancels the
registration on a 360-px phone without an account. axe-core checks the pages
(the edit page with its new "Annuler la rencontre" part at 360 and 1280 px,
the registration page at 360 px); screenshots in test-artifacts/screens."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.script import axe, evaluate, fill, goto, login, logout, run_script, screenshot, see, submit

pytestmark = pytest.mark.browser

REFERENT = "referente.lens@labo.example"   # Nadia de Lens
EDIT_FORM = "main form.form"
PEOPLE = [("Aïcha", "aicha.notice@example.org"), ("Bernard", "bernard.notice@example.org"),
          ("Chantal", "chantal.notice@example.org")]
PHONE = ("Dominique", "07 98 76 54 32")   # told by SMS


def setup_meeting(app, zone):
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.meetings import services
    from labo.meetings.models import Meeting
    from labo.territory.models import Commune

    day = datetime.now(zone).date() + timedelta(days=40)
    starts = datetime.combine(day, time(14, 0), tzinfo=zone)
    title = f"Rencontre de Lens {uuid.uuid4().hex[:6]}"
    with app.app_context():
        referent = find_user_by_email(REFERENT)
        meeting = services.save_meeting(
            referent, Meeting(), title=title, theme="", starts_at=starts.astimezone(timezone.utc),
            ends_at=(starts + timedelta(hours=2)).astimezone(timezone.utc),
            commune=db.session.scalar(select(Commune).where(Commune.slug == "lens")), venue="Maison des associations",
            address="Rue de Lille", step_free=True, public_transport="Bus 5, arrêt Mairie", childcare=False,
            access_notes="", capacity=None, running_order="", animators=[referent])
        db.session.commit()
        meeting_id = meeting.id
        for name, contact in PEOPLE + [PHONE]:
            services.register(db.session.get(Meeting, meeting_id), first_name=name, contact=contact, locale="fr")
    return meeting_id, title, day


def sms_for(app, title: str) -> list[str]:
    from labo.extensions import db
    from labo.sms.models import SmsMessage

    with app.app_context():
        return [m.body.replace("\u00a0", " ") for m in db.session.scalars(
            select(SmsMessage).where(SmsMessage.recipient == "+33798765432").order_by(SmsMessage.id)) if title in m.body]


def outbox_for(app, title: str) -> dict[str, list]:
    from labo.extensions import db
    from labo.mail.models import OutboxMessage

    with app.app_context():
        found: dict[str, list] = {}
        for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            if title in message.subject:
                found.setdefault(message.recipient, []).append((message.subject, message.body.replace("\u00a0", " ")))
        return found


def test_a_new_time_is_told_once_to_everyone_and_a_reminder_s_link_cancels_on_a_phone(live_server, run_browser):
    from labo.reminders.services import tick

    app = live_server.app
    zone = ZoneInfo(app.config["LABO_TIMEZONE"])
    meeting_id, title, day = setup_meeting(app, zone)
    later = datetime.combine(day, time(18, 30))

    run_script(run_browser, [
        login(REFERENT),
        goto(f"/rencontres/{meeting_id}/modifier"),
        see("Annuler la rencontre", "main section[aria-labelledby=annuler]",
            name="the referent's edit page offers to cancel the meeting"),
        axe("the meeting's edit page, with its cancel part"),
        evaluate("document.getElementById('annuler').scrollIntoView()"),
        screenshot("test-artifacts/screens/notices-edit-360.png"),
        fill(f"{EDIT_FORM} input[name=starts_at]", later.strftime("%Y-%m-%dT%H:%M")),
        fill(f"{EDIT_FORM} input[name=ends_at]", (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")),
        submit(f"{EDIT_FORM} button[type=submit]", url=rf"^/rencontres/{meeting_id}$", name="the new time is saved"),
        see("La rencontre est enregistrée.", "main .flashes"),
        see("18 h 30", "main dl.facts"),
        logout(),
    ])

    def notices():
        return {who: [m for m in messages if m[0].startswith("Changement")]
                for who, messages in outbox_for(app, title).items()}

    told = notices()
    assert sorted(told) == sorted(email for _, email in PEOPLE), told
    for email, messages in told.items():
        assert len(messages) == 1, f"{email} got {len(messages)} notices"
        (subject, body), = messages
        assert "change : l'heure." in body and "18 h 30" in body and "Maison des associations" in body
    [text] = sms_for(app, title)
    assert " change. Nouveau rendez-vous " in text and "18 h 30" in text and "/i/" in text
    now = datetime.now(timezone.utc)
    with app.app_context():
        tick(app, now)
        tick(app, now + timedelta(minutes=5))
    assert notices() == told, "a tick after the change sends no notice a second time"
    assert sms_for(app, title) == [text], "nor a second SMS"

    # Two days before, the reminder goes, with the private link to cancel.
    with app.app_context():
        tick(app, datetime.combine(day - timedelta(days=2), time(9, 5), tzinfo=zone).astimezone(timezone.utc))
    reminders = [m for m in outbox_for(app, title)[PEOPLE[0][1]] if m[0].startswith("Rappel")]
    assert len(reminders) == 1
    link = re.search(r"https?://[^/\s]+(/rencontres/inscription/[\w-]+)", reminders[0][1])
    assert link, reminders[0][1]

    run_script(run_browser, [
        goto(link.group(1)),
        see("C'est noté, Aïcha : votre inscription est confirmée."),
        see("18 h 30", "main dl.facts", name="her page says the new time"),
        see("Maison des associations, Rue de Lille — Lens", "main dl.facts"),
        axe("Aïcha's registration, from the reminder's link"),
        screenshot("test-artifacts/screens/notices-registration-360.png"),
        submit("main form button.btn-danger", url=r"^/rencontres/inscription/[\w-]+$",
               name="Aïcha cancels from her phone, without an account"),
        see("Votre inscription est annulée. Merci de nous avoir prévenus !", "main .flashes"),
        see("Cette inscription est annulée."),
        axe("Aïcha's cancelled registration"),
        screenshot("test-artifacts/screens/notices-cancelled-360.png"),
    ], widths=(360,))

    from labo.extensions import db
    from labo.meetings.models import Registration

    with app.app_context():
        status = db.session.scalar(select(Registration.status).where(
            Registration.meeting_id == meeting_id, Registration.first_name == "Aïcha"))
    assert status == "cancelled"
