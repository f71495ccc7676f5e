"""Attendance on the day (émargement) when the network comes and goes: the page's script
sends ticks and walk-ins again after a dropped connection, so the server
must take the same thing twice without counting it twice."""
from __future__ import annotations

from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.extensions import db
from labo.meetings import services
from labo.meetings.models import Meeting, Registration
from tests.conftest import page_text
from tests.factories import create_meeting, create_user

JSON = {"Accept": "application/json"}


def animated_meeting(auth, **kwargs):
    animator = create_user(email="anim@example.org", roles=[(Role.ANIMATOR, None)])
    meeting = create_meeting(**kwargs)
    meeting.animators = [animator]
    db.session.commit()
    auth.login("anim@example.org")
    return meeting


def walk_ins(meeting) -> list[str]:
    return list(db.session.scalars(select(Registration.first_name).where(
        Registration.meeting_id == meeting.id, Registration.walk_in.is_(True))))


def test_a_walk_in_sent_twice_with_the_same_key_is_one_person(client, auth):
    meeting = animated_meeting(auth)
    path = f"/rencontres/{meeting.id}/emargement"
    first = auth.post(f"{path}/sur-place", {"first_name": "Kevin", "client_key": "a1b2c3d4e5f60718"},
                      form_page=path, headers=JSON)
    again = auth.post(f"{path}/sur-place", {"first_name": "Kevin", "client_key": "a1b2c3d4e5f60718"},
                      form_page=path, headers=JSON)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.get_json()["present"] is True
    assert "Présents\u00a0: 1 (dont 1 sans inscription" in again.get_json()["summary"]
    db.session.expire_all()
    assert walk_ins(meeting) == ["Kevin"]
    # Another walk-in with the same first name but another key is another person.
    auth.post(f"{path}/sur-place", {"first_name": "Kevin", "client_key": "ffffeeeeddddcccc"}, form_page=path, headers=JSON)
    db.session.expire_all()
    assert walk_ins(meeting) == ["Kevin", "Kevin"]


def test_the_service_returns_the_first_walk_in_for_a_repeated_key():
    meeting = create_meeting()
    first = services.register(meeting, first_name="Inès", walk_in=True, client_key="key-0001-abcd")
    second = services.register(db.session.get(Meeting, meeting.id), first_name="Inès", walk_in=True,
                               client_key="key-0001-abcd")
    assert first.registration_id == second.registration_id
    assert db.session.scalar(select(func.count(Registration.id))) == 1
    assert services.counts(db.session.get(Meeting, meeting.id)).present_walk_ins == 1


def test_the_database_refuses_two_walk_ins_with_one_key():
    """The unique constraint, not only the check, stops a double."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    meeting = create_meeting()
    for n in range(2):
        db.session.add(Registration(meeting_id=meeting.id, first_name="Inès", walk_in=True, present=True,
                                    cancel_token=f"token-{n}", client_key="same-key-123"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_ticking_present_twice_leaves_the_person_present(client, auth):
    meeting = animated_meeting(auth)
    seat = services.register(meeting, first_name="Monique", contact="m@example.org")
    path = f"/rencontres/{meeting.id}/emargement"
    for _ in range(2):
        response = auth.post(f"{path}/{seat.registration_id}", {"present": "1"}, form_page=path, headers=JSON)
        assert response.status_code == 200 and response.get_json()["present"] is True
    db.session.expire_all()
    assert db.session.get(Registration, seat.registration_id).present is True
    assert services.counts(db.session.get(Meeting, meeting.id)).present_accounts == 1
    response = auth.post(f"{path}/{seat.registration_id}", {"present": "0"}, form_page=path, headers=JSON)
    assert response.get_json()["present"] is False
    assert "Présents\u00a0: 0" in response.get_json()["summary"]


def test_the_forms_still_work_without_the_script(client, auth):
    meeting = animated_meeting(auth)
    seat = services.register(meeting, first_name="Monique", contact="m@example.org")
    path = f"/rencontres/{meeting.id}/emargement"
    response = auth.post(f"{path}/{seat.registration_id}", {"present": "1"}, form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#r{seat.registration_id}")
    response = auth.post(f"{path}/sur-place", {"first_name": "Kevin"}, form_page=path)
    assert response.status_code == 302
    page = page_text(client.get(path))
    assert "Kevin : présence notée." in page and "Présents : 2" in page
    assert 'src="/static/js/attendance.js?v=' in page and "<script>" not in page


def test_a_bad_send_gets_a_clear_answer_not_an_error(client, auth):
    meeting = animated_meeting(auth)
    seat = services.register(meeting, first_name="Monique", contact="m@example.org")
    path = f"/rencontres/{meeting.id}/emargement"
    nameless = auth.post(f"{path}/sur-place", {"first_name": "", "client_key": "a1b2c3d4e5f60718"},
                         form_page=path, headers=JSON)
    assert nameless.status_code == 422 and nameless.get_json()["error"] == "Indiquez votre prénom."
    forged = auth.post(f"{path}/sur-place", {"first_name": "Kevin", "client_key": "<script>"}, form_page=path, headers=JSON)
    assert forged.status_code == 422 and "rechargez la page" in forged.get_json()["error"]
    assert auth.post(f"{path}/{seat.registration_id}", {"present": "oui"}, form_page=path, headers=JSON).status_code == 400
    assert auth.post(f"{path}/999999", {"present": "1"}, form_page=path, headers=JSON).status_code == 404
    db.session.expire_all()
    assert walk_ins(meeting) == []


def test_someone_who_does_not_animate_the_meeting_cannot_tick(client, auth):
    meeting = create_meeting()
    seat = services.register(meeting, first_name="Monique", contact="m@example.org")
    create_user(email="other@example.org", roles=[(Role.ANIMATOR, None)])
    auth.login("other@example.org")
    token = auth.csrf("/")
    path = f"/rencontres/{meeting.id}/emargement"
    assert client.post(f"{path}/{seat.registration_id}", data={"csrf_token": token, "present": "1"}, headers=JSON).status_code == 403
    assert client.post(f"{path}/sur-place", data={"csrf_token": token, "first_name": "X", "client_key": "abcdefgh12"},
                       headers=JSON).status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, seat.registration_id).present is False
