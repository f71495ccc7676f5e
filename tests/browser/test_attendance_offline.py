"""Attendance on the day (émargement) with a network that drops, in Chromium at phone size:
the animator searches the list, the network goes, a tick and a walk-in wait
on the phone ("en attente d'envoi"), the network comes back, and both reach
the database exactly once. axe-core (WCAG 2.1 A/AA) runs on the page while
things wait and after they are sent (tests/browser/run_pages.mjs, the
"script" flow)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from labo.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ANIMATOR = "animatrice@labo.example"


def test_ticks_and_walk_ins_made_offline_arrive_once_when_the_network_returns(live_server, run_browser):
    from labo.extensions import db
    from labo.meetings import services
    from labo.meetings.models import Registration

    suffix = uuid.uuid4().hex[:6]
    registrant, walk_in = f"Bernadette{suffix}", f"Kader{suffix}"
    with live_server.app.app_context():
        meeting = next(m for m in services.upcoming() if m.title == "Rencontre du Labo à Liévin")
        meeting_id = meeting.id
        seat = services.register(meeting, first_name=registrant, contact="06 00 00 00 00")
        services.register(meeting, first_name=f"Autre{suffix}", contact="06 11 11 11 11")
        entry = f"#r{seat.registration_id}"
    page = f"/rencontres/{meeting_id}/emargement"
    pending = "en attente d'envoi"

    result = run_browser({"flow": "script", "widths": [360, 1280], "steps": [
        {"do": "login", "email": ANIMATOR, "password": DEMO_PASSWORD},
        {"do": "goto", "path": page},
        {"do": "fill", "selector": "#q", "value": registrant[:-2].lower()},
        {"do": "count", "selector": "#attendance-list li[data-name]:visible", "equals": 1,
         "name": "typing part of a first name leaves only that person in the list"},
        {"do": "see", "selector": "#search-count", "text": "Personnes affichées : 1"},
        {"do": "fill", "selector": "#q", "value": ""},
        {"do": "offline", "value": True},
        {"do": "click", "selector": f"{entry} button"},
        {"do": "wait", "selector": f"{entry} .pending-mark", "text": pending,
         "name": "the tick made offline says it waits to be sent"},
        {"do": "count", "selector": f"{entry} button[aria-pressed=true]", "equals": 1,
         "name": "the person shows as present at once"},
        {"do": "fill", "selector": "#first_name", "value": walk_in},
        {"do": "click", "selector": "#walk-in-form button[type=submit]"},
        {"do": "wait", "selector": "#attendance-list li[data-key]", "text": walk_in,
         "name": "the walk-in added offline is listed"},
        {"do": "see", "selector": "#attendance-list li[data-key]", "text": pending,
         "name": "the walk-in says it waits to be sent"},
        {"do": "see", "selector": "#sync-status", "text": f"2 {pending}",
         "name": "the page says two things wait on this device"},
        {"do": "axe", "label": "attendance, offline, two things waiting", "lang": "fr"},
        {"do": "offline", "value": False},
        {"do": "wait", "selector": "#attendance-list .pending-mark", "state": "detached", "timeout": 20000,
         "name": "back online, nothing waits any more"},
        {"do": "see", "selector": "#sync-status", "text": "Tout est envoyé."},
        {"do": "wait", "selector": "#attendance-list li[id^=r] form.tick-form", "text": walk_in,
         "name": "the walk-in, once sent, can be ticked like the others"},
        {"do": "axe", "label": "attendance, everything sent", "lang": "fr"},
        {"do": "goto", "path": page, "name": "reload the page"},
        {"do": "count", "selector": f"{entry} button[aria-pressed=true]", "equals": 1,
         "name": "after a reload the person is still present"},
        {"do": "count", "selector": f"#attendance-list li[data-name='{walk_in}']", "equals": 1,
         "name": "after a reload the walk-in is listed once"},
        {"do": "count", "selector": "#attendance-list .pending-mark", "equals": 0, "name": "after a reload nothing waits"},
    ]})
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed, "\n".join(failed)
    assert result["completed"], result["steps"]

    with live_server.app.app_context():
        db.session.expire_all()
        assert db.session.get(Registration, seat.registration_id).present is True
        walk_ins = db.session.scalars(select(Registration).where(
            Registration.meeting_id == meeting_id, Registration.first_name == walk_in)).all()
        assert len(walk_ins) == 1
        assert walk_ins[0].walk_in and walk_ins[0].present and walk_ins[0].client_key
        untouched = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.first_name == f"Autre{suffix}", Registration.present.is_(True)))
        assert untouched == 0


@pytest.fixture
def uploads(live_server, tmp_path):
    """Files joined during this test go to a temporary directory, not instance/."""
    previous = live_server.app.config["LABO_UPLOAD_DIR"]
    live_server.app.config["LABO_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    live_server.app.config["LABO_UPLOAD_DIR"] = previous


def test_the_minutes_files_are_listed_with_their_size_on_a_phone(live_server, run_browser, uploads):
    import io

    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.meetings import services
    from labo.meetings.models import Attachment

    name = f"Compte rendu {uuid.uuid4().hex[:6]}"
    with live_server.app.app_context():
        animator = find_user_by_email(ANIMATOR)
        meeting = next(m for m in services.past() if animator in m.animators)  # one she runs
        meeting_id = meeting.id
        entry = services.add_attachment(str(uploads), animator, meeting,
                                        io.BytesIO(b"%PDF-1.4\n" + b"x" * 3000 + b"\n%%EOF\n"), f"{name}.pdf")
        db.session.commit()
        entry_id = entry.id
    try:
        result = run_browser({"flow": "script", "widths": [360, 1280], "steps": [
            {"do": "goto", "path": f"/rencontres/{meeting_id}"},
            {"do": "see", "selector": ".attachment-list", "text": f"{name}.pdf (3 Ko)"},
            {"do": "count", "selector": "main form[action$='/supprimer']", "equals": 0,
             "name": "a visitor has no button to remove it"},
            {"do": "axe", "label": "meeting with a file in its minutes", "lang": "fr"},
            {"do": "login", "email": ANIMATOR, "password": DEMO_PASSWORD},
            {"do": "goto", "path": f"/rencontres/{meeting_id}/compte-rendu"},
            {"do": "see", "selector": ".attachment-list", "text": f"{name}.pdf"},
            {"do": "count", "selector": "main form[action$='/supprimer']", "equals": 1,
             "name": "its animator can remove it"},
            {"do": "axe", "label": "minutes page with a file", "lang": "fr"},
        ]})
        failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
        assert not failed, "\n".join(failed)
        assert result["completed"], result["steps"]
    finally:
        with live_server.app.app_context():
            services.delete_attachment(str(uploads), None, db.session.get(Attachment, entry_id))
            db.session.commit()
