"""Nomadic meetings: creating, registering with a waiting list, relays,
attendance on the day, and calendar files."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from icalendar import Calendar
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.extensions import db
from labo.meetings import services
from labo.meetings.models import Meeting, Registration
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_meeting, create_user

SOON = datetime.now(timezone.utc) + timedelta(days=20)


def statuses(meeting) -> dict[str, int]:
    rows = db.session.execute(select(Registration.status, func.count()).where(Registration.meeting_id == meeting.id)
                              .group_by(Registration.status)).all()
    return dict(rows)


def test_an_animator_creates_a_meeting_in_wingles_from_the_template(client, auth):
    animator = create_user(email="anim@example.org", roles=[(Role.ANIMATOR, None)])
    auth.login("anim@example.org")
    form = page_text(client.get("/rencontres/nouvelle"))
    assert "premiers pas" in form  # the Labo's running order is proposed
    response = auth.post("/rencontres/nouvelle", {
        "title": "Rencontre de Wingles", "theme": "Le cadre de vie", "starts_at": "2030-03-20T14:00",
        "commune": str(commune("wingles").id), "venue": "Centre social", "step_free": "y", "childcare": "y",
        "capacity": "40", "running_order": "Accueil\nTémoignages\nAteliers", "animators": [str(animator.id)],
    })
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at == datetime(2030, 3, 20, 13, 0, tzinfo=timezone.utc)  # 14:00 in Paris, winter time
    page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Accessible sans marche" in page and "Garde d'enfants sur place" in page
    assert "mercredi 20 mars 2030 à 14 h" in page and "14:00" not in page  # said as people say it
    programme = page_text(client.get("/rencontres/"))
    assert "Rencontre de Wingles" in programme


def test_a_resident_cannot_create_a_meeting(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    assert client.get("/rencontres/nouvelle").status_code == 403


def test_anyone_registers_with_a_first_name_and_a_contact_and_cancels(client, auth):
    meeting = create_meeting(capacity=1)
    path = f"/rencontres/{meeting.id}"
    response = auth.post(f"{path}/inscription", {"first_name": "Monique", "contact": "06 00 00 00 00"}, form_page=path)
    assert response.status_code == 302
    mine = client.get(response.headers["Location"])
    assert "votre inscription est confirmée" in page_text(mine)
    second = auth.post(f"{path}/inscription", {"first_name": "Ali", "contact": "ali@example.org"}, form_page=path)
    assert "liste d'attente" in page_text(client.get(second.headers["Location"]))
    assert statuses(meeting) == {"confirmed": 1, "waiting": 1}
    # Monique cancels: Ali, first in line, gets the seat.
    auth.post(response.headers["Location"], form_page=response.headers["Location"])
    db.session.expire_all()
    assert statuses(meeting) == {"confirmed": 1, "cancelled": 1}
    ali = db.session.scalar(select(Registration).where(Registration.first_name == "Ali"))
    assert ali.status == "confirmed"


def test_registration_without_account_needs_a_way_to_reach_the_person(auth):
    meeting = create_meeting()
    path = f"/rencontres/{meeting.id}"
    response = auth.post(f"{path}/inscription", {"first_name": "Monique", "contact": ""}, form_page=path)
    assert response.status_code == 422
    assert "Indiquez un téléphone ou une adresse e-mail" in page_text(response)


def test_a_resident_with_an_account_registers_once(client, auth):
    meeting = create_meeting()
    create_user(email="j@example.org", pseudonym="Josiane")
    auth.login("j@example.org")
    path = f"/rencontres/{meeting.id}"
    for _ in range(2):
        auth.post(f"{path}/inscription", form_page=path)
    assert statuses(meeting) == {"confirmed": 1}
    assert "Votre inscription est confirmée." in page_text(client.get(path))


def test_an_ambassadors_link_records_who_brought_whom(client, auth, app):
    meeting = create_meeting()
    ambassador = create_user(email="amb@example.org", pseudonym="Mehdi", roles=[(Role.AMBASSADOR, None)])
    auth.login("amb@example.org")
    page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Inviter de la main à la main" in page
    token = services.relay_token(app.config, ambassador)
    assert f"relais={token}" in page
    auth.logout()
    invited = page_text(client.get(f"/rencontres/{meeting.id}?relais={token}"))
    assert "Vous venez de la part de Mehdi" in invited
    path = f"/rencontres/{meeting.id}"
    auth.post(f"{path}/inscription", {"first_name": "Nadia", "contact": "n@example.org", "relais": token},
              form_page=f"{path}?relais={token}")
    assert db.session.scalar(select(Registration)).relay_id == ambassador.id
    forged = services.relay_for(app.config, token[:-2] + "xx")
    assert forged is None


def test_attendance_with_a_walk_in_and_a_paper_count(client, auth):
    meeting = create_meeting(capacity=2)
    seat = services.register(meeting, first_name="Monique", contact="m@example.org")
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    path = f"/rencontres/{meeting.id}/emargement"
    assert "Monique" in page_text(client.get(path))
    auth.post(f"{path}/{seat.registration_id}", {"present": "1"}, form_page=path)
    auth.post(f"{path}/sur-place", {"first_name": "Kevin"}, form_page=path)
    auth.post(f"{path}/papier", {"count": "12"}, form_page=path)
    db.session.expire_all()
    counts = services.counts(db.session.get(Meeting, meeting.id))
    assert (counts.present_accounts, counts.present_walk_ins, counts.paper, counts.present) == (1, 1, 12, 14)
    assert "Présents : 14" in page_text(client.get(path))
    # A walk-in came without registering: one registered of two seats, not two.
    assert counts.confirmed == 1
    assert client.get(f"/api/v1/meetings/{meeting.id}").get_json()["counts"]["registered"] == 1


def test_only_the_meetings_animators_take_attendance(client, auth):
    meeting = create_meeting()
    other = create_user(email="other-anim@example.org", roles=[(Role.ANIMATOR, None)])
    auth.login("other-anim@example.org")
    assert client.get(f"/rencontres/{meeting.id}/emargement").status_code == 403
    meeting.animators = [other]
    db.session.commit()
    assert client.get(f"/rencontres/{meeting.id}/emargement").status_code == 200


def test_the_calendar_files_are_valid_icalendar(client):
    meeting = create_meeting(title="Rencontre à Wingles")
    feed = client.get("/rencontres/feed.ics")
    assert feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Rencontre à Wingles"]
    assert events[0].decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    one = Calendar.from_ical(client.get(f"/rencontres/{meeting.id}.ics").data)
    assert "Wingles" in str(one.walk("VEVENT")[0]["location"])


def test_the_calendar_files_answer_at_their_english_addresses_too(client):
    meeting = create_meeting(title="Rencontre à Wingles")
    feed = client.get("/meetings/feed.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert [str(e["summary"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")] == ["Rencontre à Wingles"]
    one = client.get(f"/meetings/{meeting.id}.ics")
    assert one.status_code == 200 and one.data == client.get(f"/rencontres/{meeting.id}.ics").data
    assert client.get("/meetings/999999.ics").status_code == 404


def test_the_programme_shows_the_rotation(client):
    create_meeting(commune_slug="avion", starts_at=datetime(2024, 3, 23, 13, tzinfo=timezone.utc))
    text = page_text(client.get("/rencontres/"))
    assert "Avion" in text and "Pas encore accueilli de rencontre" in text and "Wingles" in text


def test_demo_meetings_add_up_to_287(app):
    from labo.demo import seed_demo, seed_demo_meetings

    seed_demo(app.config)
    assert seed_demo_meetings(app.config) == 6  # the five held, and one to come
    db.session.commit()
    meetings = services.past()[::-1]
    assert [services.counts(m).present for m in meetings] == [42, 58, 65, 52, 70]
    assert sum(services.counts(m).present for m in meetings) == 287
    assert [m.commune.name for m in meetings] == ["Lens", "Lens", "Mazingarbe", "Wingles", "Avion"]


def test_fifty_people_at_once_for_the_last_ten_seats(app):
    """Exactly 10 confirmed and 40 waiting, whatever the database."""
    meeting = create_meeting(capacity=30)
    for n in range(20):
        services.register(meeting, first_name=f"Déjà {n}", contact="x@example.org")
    meeting_id = meeting.id
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=30)  # all fifty start together
            with app.app_context():
                target = db.session.get(Meeting, meeting_id)
                services.register(target, first_name=f"Personne {n}", contact=f"p{n}@example.org")
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.commit()  # a fresh transaction sees what the threads wrote
    newcomers = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.meeting_id == meeting_id,
                                                        Registration.first_name.like("Personne %"))
        .group_by(Registration.status)).all())
    assert newcomers == {"confirmed": 10, "waiting": 40}
    assert statuses(db.session.get(Meeting, meeting_id)) == {"confirmed": 30, "waiting": 40}


def test_api_lists_meetings_with_counts_but_no_names(client):
    meeting = create_meeting(capacity=1)
    services.register(meeting, first_name="Monique", contact="monique@example.org")
    services.register(meeting, first_name="Ali", contact="ali@example.org")
    data = client.get("/api/v1/meetings?commune=wingles").get_json()
    assert [m["title"] for m in data] == ["Rencontre de Wingles"]
    assert data[0]["counts"] == {"registered": 1, "waiting": 1, "present": 0}
    body = client.get(f"/api/v1/meetings/{meeting.id}").get_data(as_text=True)
    assert "Monique" not in body and "monique@example.org" not in body
    assert client.get("/api/v1/meetings?from=2999-01-01").get_json() == []
    assert client.get("/api/v1/meetings?from=hier").status_code == 400
    assert client.get("/api/v1/meetings/999").status_code == 404


def test_a_relay_prints_a_flyer_whose_qr_code_carries_their_invite_link(client, auth, app):
    meeting = create_meeting()
    ambassador = create_user(email="amb@example.org", roles=[(Role.AMBASSADOR, None)])
    public = page_text(client.get(f"/rencontres/{meeting.id}/affiche"))
    assert "<svg" in public and "relais=" not in public
    auth.login("amb@example.org")
    mine = page_text(client.get(f"/rencontres/{meeting.id}/affiche"))
    assert f"relais={services.relay_token(app.config, ambassador)}" in mine
    assert 'class="segno"' in mine


def test_minutes_with_a_decision_and_the_ideas_born_there_reach_the_participants(client, auth, app):
    from labo.contributions.models import Contribution
    from labo.accounts.models import Notification

    meeting = create_meeting(starts_at=datetime.now(timezone.utc) - timedelta(days=1))
    josiane = create_user(email="j@example.org", pseudonym="Josiane")
    meeting.starts_at = SOON
    db.session.commit()
    services.register(meeting, user=josiane)
    meeting.starts_at = datetime.now(timezone.utc) - timedelta(days=1)
    db.session.commit()
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    path = f"/rencontres/{meeting.id}"
    response = auth.post(f"{path}/decisions", {"text": "Un jardin partagé rue Pasteur", "rule": "majorité des présents",
                                               "votes_for": "31", "votes_against": "4", "abstentions": "2"},
                         form_page=f"{path}/compte-rendu")
    assert response.status_code == 302
    refused = auth.post(f"{path}/decisions", {"text": "Sans règle", "rule": ""}, form_page=f"{path}/compte-rendu")
    assert refused.status_code == 422
    assert auth.post(f"{path}/compte-rendu", {"minutes": "Nous étions 37.\n\nAteliers sur le cadre de vie."},
                     form_page=f"{path}/compte-rendu").status_code == 302
    auth.post(f"/idees/nouvelle?rencontre={meeting.id}", {"kind": "idee", "title": "Née en atelier", "body": "B",
                                                          "commune": str(commune("wingles").id)}, form_page="/idees/nouvelle")
    assert db.session.scalar(select(Contribution)).meeting_id == meeting.id
    page = page_text(client.get(path))
    assert "Un jardin partagé rue Pasteur" in page and "majorité des présents" in page and "pour 31, contre 4" in page
    assert "Nous étions 37." in page and "Née en atelier" in page
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "meeting.minutes")).all()
    assert told == [josiane.id]


def test_only_its_animators_write_a_meetings_minutes(client, auth):
    meeting = create_meeting()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    assert client.get(f"/rencontres/{meeting.id}/compte-rendu").status_code == 403
    token = auth.csrf("/")
    assert client.post(f"/rencontres/{meeting.id}/decisions", data={"csrf_token": token, "text": "x", "rule": "y"}).status_code == 403


def test_indicators_reproduce_the_demo_and_count_newcomers_returning_and_relays(client, auth, app):
    from labo.demo import seed_demo, seed_demo_meetings

    seed_demo(app.config)
    seed_demo_meetings(app.config)
    db.session.commit()
    relay = create_user(pseudonym="Mehdi", roles=[(Role.AMBASSADOR, None)])
    first = create_meeting(title="Première", starts_at=SOON)
    second = create_meeting(title="Seconde", starts_at=SOON + timedelta(days=1))
    regular = create_user(home="wingles")
    for meeting in (first, second):
        seat = services.register(meeting, user=regular, relay=relay)
        services.set_present(None, db.session.get(Registration, seat.registration_id), True)
        db.session.commit()
    later = datetime.now(timezone.utc) - timedelta(days=3)
    first.starts_at, second.starts_at = later - timedelta(days=1), later  # they have now taken place
    db.session.commit()
    figures = services.indicators()
    demo = [f for f in figures.meetings if f.meeting.title.startswith("Rencontre du Labo")]
    assert [f.counts.present for f in demo] == [42, 58, 65, 52, 70]
    assert figures.total_present == 287 + 2
    by_title = {f.meeting.title: f for f in figures.meetings}
    assert (by_title["Première"].newcomers, by_title["Seconde"].returning) == (1, 1)
    assert [(r.name, r.brought, r.present) for r in figures.by_relay] == [("Mehdi", 2, 2)]
    assert ("Wingles", 1) in figures.by_commune
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    page = page_text(client.get("/rencontres/indicateurs"))
    assert "289 présences en tout" in page
    assert regular.pseudonym not in page  # aggregates only
    auth.logout()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    assert client.get("/rencontres/indicateurs").status_code == 403
