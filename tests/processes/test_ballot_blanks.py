"""Majority judgment: an option left without a grade counts as "à rejeter",
but the web form asks first (issue 18). Without JavaScript the server sends
the ballot back, grades kept, with the question and a confirm button; once
confirmed the ballot is stored exactly as before. The API is not asked."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from labo.extensions import db
from labo.processes import ballots
from labo.processes.models import Ballot, Participation
from tests.conftest import csrf_from, page_text
from tests.factories import create_user, insert_process, option_ids


def now() -> datetime:
    return datetime.now(timezone.utc)


def stored(process) -> set[tuple[str, str]]:
    ballot = db.session.scalar(select(Ballot).where(Ballot.process_id == process.id))
    return {(c.option.label, c.grade) for c in ballot.choices}


def words(response) -> str:
    """The page's text as read: tags dropped, spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split()).replace(" .", ".").replace(" ,", ",")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_service_asks_about_ungraded_options_and_writes_nothing_until_confirmed():
    process = insert_process()
    park, gardens, sport = option_ids(process)
    voter = create_user(home="lens")
    with pytest.raises(ballots.BlankGrades) as asked:
        ballots.cast_ballot(process, voter, {str(park): "bien", str(gardens): ""}, now(), ask_about_blanks=True)
    assert [o.label for o in asked.value.options] == ["Jardins", "Terrain de sport"]
    db.session.rollback()
    assert count(Participation) == 0 and count(Ballot) == 0

    # Confirmed (or not asked, as the API): the blanks are "à rejeter", as always.
    ballots.cast_ballot(process, voter, {str(park): "bien"}, now())
    db.session.commit()
    assert stored(process) == {("Parc", "bien"), ("Jardins", "a_rejeter"), ("Terrain de sport", "a_rejeter")}


def test_a_full_ballot_is_never_asked_about():
    process = insert_process()
    full = {str(o): "passable" for o in option_ids(process)}
    assert ballots.ungraded_options(process, full) == []
    ballots.cast_ballot(process, create_user(home="lens"), full, now(), ask_about_blanks=True)
    db.session.commit()
    assert count(Ballot) == 1


def test_other_methods_have_no_blanks_to_ask_about():
    process = insert_process(level="consultation", method="single", secret=False)
    assert ballots.ungraded_options(process, [option_ids(process)[0]]) == []


def test_the_form_sends_a_ballot_with_a_blank_back_with_the_question_then_takes_the_confirmation(client, auth):
    process = insert_process()
    park, gardens, sport = option_ids(process)
    create_user(email="josiane@example.org", home="lens")
    auth.login("josiane@example.org")
    page = client.get(f"/demarches/{process.id}")
    token = csrf_from(page.get_data(as_text=True))
    assert 'id="blank-question"' in page.get_data(as_text=True)  # there, hidden, for the page's script
    sent = {"csrf_token": token, f"grade-{park}": "tres_bien", f"grade-{gardens}": "bien"}

    asked = client.post(f"/demarches/{process.id}/vote", data=sent)
    assert asked.status_code == 422
    text = words(asked)
    assert ("Vous n'avez pas donné de mention à : Terrain de sport. Sans mention, elle comptera comme "
            "« À rejeter ». Choisissez, ou confirmez.") in text
    assert "Votre vote n'est pas encore envoyé" in text
    html = asked.get_data(as_text=True)
    question = re.search(r'<div class="blank-question"[^>]*>', html).group(0)
    assert " hidden" not in question
    assert f'<a href="#grades-{sport}">Terrain de sport</a>' in html
    assert re.search(rf'id="grade-{park}-tres_bien" value="tres_bien" checked', html), "the grades given are kept"
    assert re.search(rf'id="grade-{gardens}-bien" value="bien" checked', html)
    assert '<button type="submit" name="blank" value="confirm"' in html
    assert count(Participation) == 0 and count(Ballot) == 0, "nothing is counted before the answer"

    confirmed = client.post(f"/demarches/{process.id}/vote", data={**sent, "blank": "confirm"})
    assert confirmed.status_code == 303
    assert stored(process) == {("Parc", "tres_bien"), ("Jardins", "bien"), ("Terrain de sport", "a_rejeter")}


def test_two_blanks_are_named_together_and_choosing_instead_sends_at_once(client, auth):
    process = insert_process(secret=False, level="consultation")
    park, gardens, sport = option_ids(process)
    create_user(email="karim@example.org", home="lens")
    auth.login("karim@example.org")
    token = csrf_from(client.get(f"/demarches/{process.id}").get_data(as_text=True))
    asked = client.post(f"/demarches/{process.id}/vote", data={"csrf_token": token, f"grade-{park}": "bien"})
    assert asked.status_code == 422
    assert ("Vous n'avez pas donné de mention à : Jardins, Terrain de sport. Sans mention, elles compteront "
            "comme « À rejeter ».") in words(asked)
    chosen = client.post(f"/demarches/{process.id}/vote", data={
        "csrf_token": token, f"grade-{park}": "bien", f"grade-{gardens}": "a_rejeter", f"grade-{sport}": "excellent"})
    assert chosen.status_code == 303
    assert stored(process) == {("Parc", "bien"), ("Jardins", "a_rejeter"), ("Terrain de sport", "excellent")}


def test_the_api_is_not_asked_about_blanks(client, auth):
    process = insert_process(secret=False, level="consultation")
    park = option_ids(process)[0]
    create_user(email="api@example.org", home="lens")
    auth.login("api@example.org")
    token = csrf_from(client.get(f"/demarches/{process.id}").get_data(as_text=True))
    response = client.post(f"/api/v1/processes/{process.id}/participations", json={"grades": {str(park): "bien"}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert stored(process) == {("Parc", "bien"), ("Jardins", "a_rejeter"), ("Terrain de sport", "a_rejeter")}
