"""A form sent with an expired, missing or foreign CSRF token comes back as
the same form, with what was typed and one plain sentence, as a 400; nothing
is written; a one-button form gets the 400 page with a link back; the JSON API
answers JSON."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from labo.accounts.models import User
from labo.contributions.models import Comment, Contribution
from labo.extensions import db
from labo.meetings.models import Meeting, Registration
from tests.conftest import csrf_from, page_text
from tests.factories import commune, create_admin, create_meeting, create_user

SENTENCE = "La page était ouverte depuis longtemps : vérifiez et renvoyez."
OLD_TOKEN = "IjQ2ZDJmOGNhYjY0ZDg2ZTE2ODg4ZGU2NmYwNjQ3NjY2YzI3ZWYxNTci.aPq0Zw.not-a-real-signature"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(params=["missing", "wrong"])
def bad_token(request):
    """No token at all (a page kept past a restart), or one that does not match."""
    return {} if request.param == "missing" else {"csrf_token": OLD_TOKEN}


def refused(response) -> str:
    assert response.status_code == 400
    text = page_text(response)
    assert SENTENCE in text
    assert text.count(SENTENCE) == 1  # said once, not in two places
    return text


def test_a_new_contribution_comes_back_with_its_text(client, auth, bad_token):
    create_user(email="j@example.org", home="lens")
    auth.login("j@example.org")
    response = client.post("/idees/nouvelle", data={
        "kind": "idee", "title": "Des bancs à l'arrêt Mairie", "body": "Les personnes âgées attendent debout.",
        "commune": str(commune("lens").id), **bad_token})
    text = refused(response)
    assert 'value="Des bancs à l\'arrêt Mairie"' in text
    assert "Les personnes âgées attendent debout." in text
    assert 'name="csrf_token"' in text and OLD_TOKEN not in text  # a fresh token to send it again
    assert count(Contribution) == 0


def test_the_form_sent_again_with_its_fresh_token_goes_through(client, auth):
    create_user(email="j@example.org", home="lens")
    auth.login("j@example.org")
    data = {"kind": "idee", "title": "Un banc", "body": "Près de l'école.", "commune": str(commune("lens").id)}
    response = client.post("/idees/nouvelle", data={**data, "csrf_token": OLD_TOKEN})
    token = csrf_from(response.get_data(as_text=True))
    response = client.post("/idees/nouvelle", data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert count(Contribution) == 1


def test_a_comment_comes_back_with_its_text_and_the_sentence(client, auth, bad_token):
    from labo.contributions import services

    author = create_user(email="a@example.org")
    contribution = services.create_contribution({"LABO_UPLOAD_DIR": "/nonexistent"}, author, kind="idee", title="Un banc",
                                                body="Près de l'école.", commune=commune("lens"))
    db.session.commit()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = client.post(f"/idees/{contribution.id}/commenter",
                           data={"body": "Oui, et un abri contre la pluie.", **bad_token})
    text = refused(response)
    assert "Oui, et un abri contre la pluie." in text
    assert "data-error-summary" in text  # focused on load (static/js/draft.js)
    assert count(Comment) == 0


def test_a_meeting_edit_comes_back_with_what_was_typed(client, auth, bad_token):
    meeting = create_meeting(title="Rencontre de Wingles")
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = client.post(f"/rencontres/{meeting.id}/modifier", data={
        "title": "Rencontre de printemps", "starts_at": "2030-03-20T14:00", "commune": str(commune("wingles").id),
        "venue": "Salle des fêtes", **bad_token})
    text = refused(response)
    assert 'value="Rencontre de printemps"' in text and 'value="Salle des fêtes"' in text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Rencontre de Wingles"


def test_a_registration_to_a_meeting_comes_back_with_the_first_name(client, bad_token):
    meeting = create_meeting()
    response = client.post(f"/rencontres/{meeting.id}/inscription",
                           data={"first_name": "Monique", "contact": "06 00 00 00 00", **bad_token})
    text = refused(response)
    assert 'value="Monique"' in text and 'value="06 00 00 00 00"' in text
    assert count(Registration) == 0


def test_an_account_registration_comes_back_without_the_password(client, bad_token):
    response = client.post("/compte/inscription", data={
        "pseudonym": "Josiane62", "email": "josiane@example.org", "password": "un mot de passe long", **bad_token})
    text = refused(response)
    assert 'value="Josiane62"' in text and 'value="josiane@example.org"' in text
    assert "un mot de passe long" not in text
    assert count(User) == 0


def test_a_login_comes_back_and_logs_nobody_in(client, bad_token):
    create_user(email="j@example.org")
    response = client.post("/compte/connexion", data={"email": "j@example.org", "password": "un mot de passe",
                                                      **bad_token})
    text = refused(response)
    assert 'value="j@example.org"' in text
    assert "Me connecter" in page_text(client.get("/"))  # still logged out


def test_a_view_that_would_write_anyway_gets_the_refusal_page(client):
    """/langue reads the form without a FlaskForm: its run again would change
    the language, so it is refused and nothing changes."""
    response = client.post("/langue", data={"lang": "en", "next": "/"},
                           headers={"Referer": "http://localhost/territoire/"})
    text = refused(response)
    assert 'href="/territoire/"' in text  # back to the page the form was on
    assert '<html lang="fr">' in page_text(client.get("/"))  # still in French


def test_a_one_button_form_gets_the_400_page_with_a_link_back(client, auth):
    from labo.contributions import services
    from labo.contributions.models import Support

    author = create_user(email="a@example.org")
    contribution = services.create_contribution({"LABO_UPLOAD_DIR": "/nonexistent"}, author, kind="idee", title="Un banc",
                                                body="Près de l'école.", commune=commune("lens"))
    db.session.commit()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    page = f"http://localhost/idees/{contribution.id}"
    response = client.post(f"/idees/{contribution.id}/soutenir", headers={"Referer": page})
    text = refused(response)
    assert f'href="/idees/{contribution.id}"' in text
    assert count(Support) == 0
    # A page of another site is not offered.
    response = client.post(f"/idees/{contribution.id}/soutenir", headers={"Referer": "https://evil.example/x"})
    assert "evil.example" not in page_text(response)


def test_the_flashes_waiting_are_not_lost_nor_shown_twice(client, auth):
    create_user(email="j@example.org", home="lens")
    auth.login("j@example.org")  # "Bonjour..., vous êtes dans votre compte." waits for the next page
    response = client.post("/idees/nouvelle", data={"title": "Un banc"})
    assert "vous êtes dans votre compte" in page_text(response)
    assert "vous êtes dans votre compte" not in page_text(client.get("/"))


def test_the_json_api_answers_json(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = client.post("/api/v1/contributions", json={"title": "x"})
    assert response.status_code == 400
    assert response.is_json and response.get_json()["message"].replace("\u00a0", " ") == SENTENCE


def test_a_script_asking_for_json_is_not_sent_a_page_drawn_again(client, auth):
    meeting = create_meeting()
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = client.post(f"/rencontres/{meeting.id}/emargement/sur-place", data={"first_name": "Ali"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert count(Registration) == 0
