"""The meetings' indicators as the steering committee reads them: who came,
by home commune and age band, and whom each relay brought; counts only,
never the name of someone who came."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from labo.accounts.models import Role
from labo.extensions import db
from labo.meetings import services
from tests.conftest import page_text
from tests.factories import create_meeting, create_registration, create_user

HELD = datetime.now(timezone.utc) - timedelta(days=10)


def person(pseudonym, home=None, age_band=None, **kwargs):
    user = create_user(pseudonym=pseudonym, home=home, **kwargs)
    user.age_band = age_band
    db.session.commit()
    return user


def a_held_meeting_with_people():
    relay = person("Mehdi le relais", roles=[(Role.AMBASSADOR, None)])
    meeting = create_meeting(title="Rencontre de Wingles")
    create_registration(meeting, person("Yasmine Zerouali", home="wingles", age_band="18_25"), relay=relay,
                        present=True)
    create_registration(meeting, person("Bernard Lefebvre", home="lens"), present=True)
    services.register(meeting, user=person("Chantal Absente", home="avion", age_band="65_plus"), relay=relay)
    services.register(meeting, first_name="Kevin Surplace", walk_in=True)
    meeting.paper_count = 7
    meeting.starts_at = HELD
    db.session.commit()
    return meeting


def test_who_came_by_commune_age_band_and_relay_in_counts():
    meeting = a_held_meeting_with_people()
    figures = services.indicators()
    assert [(f.counts.present_accounts, f.counts.present_walk_ins, f.counts.paper) for f in figures.meetings] == [(2, 1, 7)]
    assert figures.by_commune == [("Lens", 1), ("Wingles", 1)]  # Chantal registered but did not come
    assert figures.commune_unknown == 0
    assert figures.by_age_band == [("18 à 25 ans", 1)] and figures.age_unknown == 1
    assert [(r.name, r.brought, r.present) for r in figures.by_relay] == [("Mehdi le relais", 2, 1)]
    one = services.indicators(meeting)
    assert one.meeting is meeting and one.by_commune == figures.by_commune


def test_a_person_who_comes_twice_counts_once_by_commune():
    first = create_meeting(title="Première")
    second = create_meeting(title="Seconde", starts_at=datetime.now(timezone.utc) + timedelta(days=30))
    regular = person("Habituée", home="wingles")
    for meeting in (first, second):
        create_registration(meeting, regular, present=True)
    first.starts_at, second.starts_at = HELD - timedelta(days=30), HELD
    db.session.commit()
    figures = services.indicators()
    assert figures.by_commune == [("Wingles", 1)]
    assert [f.returning for f in figures.meetings] == [0, 1]


def test_the_copil_reads_the_indicators_but_never_a_name(client, auth):
    meeting = a_held_meeting_with_people()
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    for path in ("/rencontres/indicateurs", f"/rencontres/indicateurs?rencontre={meeting.id}"):
        response = client.get(path)
        assert response.status_code == 200
        page = page_text(response)
        assert "Lens : 1" in page and "Wingles : 1" in page and "18 à 25 ans : 1" in page and "Âge non indiqué : 1" in page
        assert "Mehdi le relais" in page  # the relay, who chose to hand invitations on
        for name in ("Yasmine", "Bernard", "Chantal", "Kevin"):
            assert name not in page
    assert client.get("/rencontres/indicateurs?rencontre=abc").status_code == 404
    assert client.get("/rencontres/indicateurs?rencontre=²").status_code == 404
    assert client.get("/rencontres/indicateurs?rencontre=999999").status_code == 404
    # The named list stays with the meeting's animators.
    assert client.get(f"/rencontres/{meeting.id}/emargement").status_code == 403
    detail = page_text(client.get(f"/rencontres/{meeting.id}"))
    for name in ("Yasmine", "Bernard", "Chantal", "Kevin"):
        assert name not in detail


def test_the_indicators_are_not_for_residents_nor_visitors(client, auth):
    assert client.get("/rencontres/indicateurs").status_code == 302  # to the login page
    create_user(email="j@example.org")
    auth.login("j@example.org")
    assert client.get("/rencontres/indicateurs").status_code == 403
