"""An idea without an account: a name, the commune, the text; it waits for
the commune's referents; its private link (kept by the device) lets the guest
see, reword or withdraw it, and attach it to an account later. Authors reword
or withdraw until the answer, and the moderators see what it said before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from labo.contributions import services
from labo.contributions.models import Contribution, Follow, Revision
from labo.extensions import db
from labo.mail.models import OutboxMessage
from tests.conftest import csrf_from, page_text
from tests.factories import commune, create_referent, create_user

IDEA = "Des bancs près de l'arrêt de bus. Les anciens attendent debout."


@pytest.fixture
def no_wait(app, monkeypatch):
    """Most tests send the form at once: no minimum time (one test keeps it)."""
    monkeypatch.setitem(app.config, "LABO_GUEST_MIN_SECONDS", 0)


def guest_form(client) -> dict:
    page = client.get("/idees/nouvelle").get_data(as_text=True)
    started = re.search(r'name="started" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="started" value="([^"]+)"', page)
    assert started, "the guest form carries its start time"
    return {"csrf_token": csrf_from(page), "started": started.group(1)}


def post_as_guest(client, **fields):
    data = {**guest_form(client), "kind": "idee", "body": IDEA, "commune": str(commune("lens").id),
            "name": "Lina", **fields}
    return client.post("/idees/nouvelle", data=data)


def token_of(response) -> str:
    match = re.search(r"/idees/mon-idee/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def the_only_contribution() -> Contribution:
    db.session.expire_all()
    return db.session.scalars(select(Contribution)).one()


def test_a_guest_posts_with_a_name_and_the_commune_and_it_waits_for_a_referent(client, auth, no_wait):
    response = post_as_guest(client, contact="Lina@Example.org")
    assert response.status_code == 302
    token = token_of(response)
    contribution = the_only_contribution()
    assert contribution.is_pending and contribution.author_id is None
    assert contribution.guest_name == "Lina" and contribution.guest_contact == "lina@example.org"
    assert contribution.title == "Des bancs près de l'arrêt de bus"
    assert token not in (contribution.guest_key or "") and len(contribution.guest_key) == 64  # only its hash
    assert token in client.get_cookie("labo_idees").value  # the device keeps the link
    assert client.get_cookie("labo_idees").http_only

    mine = client.get(f"/idees/mon-idee/{token}?envoye=1")
    text = page_text(mine)
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
    assert "Votre idée est bien arrivée" in text and "la relit, puis elle sera visible de tous" in text
    assert "Les anciens attendent debout." in text
    assert "En attente" in page_text(client.get(f"/idees/mon-idee/{token}"))  # coming back to it later
    # nobody else sees it yet: not listed, its page unknown to others
    assert "Des bancs près" not in page_text(client.get("/idees/"))
    assert client.get(f"/idees/{contribution.id}").status_code == 404
    # the home page of this device lists it
    assert "Vos idées envoyées depuis ce téléphone" in page_text(client.get("/"))

    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert "Des bancs près" in page_text(client.get("/moderation/"))
    approved = auth.post(f"/idees/{contribution.id}/valider", form_page=f"/idees/{contribution.id}")
    assert approved.status_code == 302
    auth.logout()
    public = page_text(client.get(f"/idees/{contribution.id}"))
    assert "De Lina" in public
    # the guest who left an address is told, by mail (a guest has no notifications page)
    db.session.rollback()  # a fresh look at the database
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipient == "lina@example.org")) == 1


def test_a_wrong_private_link_opens_nothing(client, no_wait):
    post_as_guest(client)
    assert client.get("/idees/mon-idee/" + "x" * 32).status_code == 404
    token = guest_form(client)["csrf_token"]
    assert client.post("/idees/mon-idee/" + "x" * 32 + "/retirer", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(func.count(Contribution.id))) == 1


def test_the_field_robots_fill_in_and_a_form_sent_too_fast_post_nothing_and_keep_the_text(client, app):
    assert app.config["LABO_GUEST_MIN_SECONDS"] >= 2
    trapped = post_as_guest(client, website="http://spam.example")
    assert trapped.status_code == 422
    hurried = post_as_guest(client)  # sent the very moment the form was drawn
    assert hurried.status_code == 422
    text = page_text(hurried)
    assert "Vous êtes allé très vite" in text and "Les anciens attendent debout." in text and 'value="Lina"' in hurried.get_data(as_text=True)
    missing = client.post("/idees/nouvelle", data={**guest_form(client), "started": "", "body": IDEA, "kind": "idee",
                                                     "commune": str(commune("lens").id), "name": "Lina"})
    assert missing.status_code == 422
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


@pytest.mark.parametrize("typed, stored", [
    ("06 12 34 56 78", "06 12 34 56 78"), ("0612345678", "06 12 34 56 78"), ("+33 6 12 34 56 78", "06 12 34 56 78"),
    ("06.12.34.56.78", "06 12 34 56 78"), ("", None),
])
def test_a_phone_number_is_kept_the_way_people_read_it(client, no_wait, typed, stored):
    assert post_as_guest(client, contact=typed).status_code == 302
    assert the_only_contribution().guest_contact == stored


@pytest.mark.parametrize("fields, message", [
    ({"contact": "lina at example"}, "Écrivez une adresse e-mail"),
    ({"contact": "12 34"}, "Écrivez une adresse e-mail"),
    ({"name": ""}, "Écrivez un prénom ou un pseudonyme"),
    ({"name": "L"}, "Le nom doit faire de 2 à 40 caractères."),
    ({"body": ""}, "Écrivez quelques mots pour expliquer."),
    ({"commune": ""}, "Choisissez la commune concernée."),
])
def test_a_guest_form_refused_says_why_and_keeps_what_was_typed(client, no_wait, fields, message):
    response = post_as_guest(client, **fields)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    if fields.get("body", IDEA):
        assert "Les anciens attendent debout." in text
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_a_guest_rewords_through_the_link_and_the_moderators_see_what_it_said(client, auth, no_wait):
    token = token_of(post_as_guest(client))
    contribution = the_only_contribution()
    services.approve({}, create_referent("lens", email="ref@example.org"), contribution)
    db.session.commit()
    page = client.get(f"/idees/mon-idee/{token}").get_data(as_text=True)
    reworded = client.post(f"/idees/mon-idee/{token}/modifier", data={
        "csrf_token": csrf_from(page), "title": "", "body": "Des bancs et un abri à l'arrêt Jean-Jaurès."})
    assert reworded.status_code == 302
    contribution = the_only_contribution()
    assert contribution.title == "Des bancs et un abri à l'arrêt Jean-Jaurès"
    assert contribution.is_pending, "a guest's new wording waits for a referent again"
    revision = db.session.scalars(select(Revision)).one()
    assert revision.title == "Des bancs près de l'arrêt de bus" and "attendent debout" in revision.body
    # sent again unchanged: no second revision
    client.post(f"/idees/mon-idee/{token}/modifier", data={
        "csrf_token": csrf_from(page), "title": contribution.title, "body": "Des bancs et un abri à l'arrêt Jean-Jaurès."})
    assert db.session.scalar(select(func.count(Revision.id))) == 1

    auth.login("ref@example.org")
    detail = page_text(client.get(f"/idees/{contribution.id}"))
    assert "Version précédente (1)" in detail and "Les anciens attendent debout." in detail


def test_a_guest_withdraws_until_the_answer(client, no_wait):
    token = token_of(post_as_guest(client))
    page = client.get(f"/idees/mon-idee/{token}").get_data(as_text=True)
    withdrawn = client.post(f"/idees/mon-idee/{token}/retirer", data={"csrf_token": csrf_from(page)})
    assert withdrawn.status_code == 302
    assert db.session.scalar(select(func.count(Contribution.id))) == 0
    assert token not in (client.get_cookie("labo_idees").value if client.get_cookie("labo_idees") else "")

    token = token_of(post_as_guest(client))
    contribution = the_only_contribution()
    referent = create_referent("lens", email="ref@example.org")
    services.approve({}, referent, contribution)
    services.answer({}, referent, contribution, "retenue", "Deux bancs seront posés en mars.")
    db.session.commit()
    page = client.get(f"/idees/mon-idee/{token}")
    assert "Elle a reçu sa réponse" in page_text(page) and "/retirer" not in page.get_data(as_text=True)
    refused = client.post(f"/idees/mon-idee/{token}/retirer", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count(Contribution.id))) == 1
    changed = client.post(f"/idees/mon-idee/{token}/modifier", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "body": "Autre chose"})
    assert changed.status_code == 422 and "déjà reçu sa réponse" in page_text(changed)
    assert "Autre chose" not in the_only_contribution().body


def test_a_guest_attaches_the_idea_to_an_account_later(client, auth, no_wait):
    token = token_of(post_as_guest(client, contact="lina@example.org"))
    member = create_user(pseudonym="Lina62", email="lina62@example.org")
    auth.login("lina62@example.org")
    page = client.get(f"/idees/mon-idee/{token}")
    assert "La mettre dans mon compte (Lina62)" in page_text(page)
    claimed = client.post(f"/idees/mon-idee/{token}/rattacher", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert claimed.status_code == 302
    contribution = the_only_contribution()
    assert contribution.author_id == member.id
    assert (contribution.guest_name, contribution.guest_contact, contribution.guest_key) == (None, None, None)
    assert db.session.scalar(select(func.count(Follow.id)).where(Follow.user_id == member.id)) == 1
    assert client.get(f"/idees/mon-idee/{token}").status_code == 404  # the link has done its work
    # now the author's own: reworded from the account
    assert "C'est votre idée" in page_text(client.get(f"/idees/{contribution.id}"))


def test_an_author_rewords_a_hidden_idea_and_sends_it_back_to_moderation(client, auth):
    author = create_user(email="a@example.org")
    referent = create_referent("lens", email="ref@example.org")
    contribution = services.create_contribution({}, author, kind="idee", title="Des bancs", body="Texte vif",
                                                commune=commune("lens"))
    services.hide({}, referent, contribution, "Merci de reformuler sans insulte.")
    db.session.commit()
    auth.login("a@example.org")
    detail = page_text(client.get(f"/idees/{contribution.id}"))
    assert "Reformuler et renvoyer" in detail
    response = auth.post(f"/idees/{contribution.id}/modifier", {"title": "Des bancs", "body": "Texte calme"})
    assert response.status_code == 302
    db.session.expire_all()
    assert contribution.is_pending and contribution.hidden_reason is None
    revision = db.session.scalars(select(Revision)).one()
    assert revision.hidden_reason == "Merci de reformuler sans insulte." and "Texte vif" in revision.body


def test_someone_else_cannot_reword_or_withdraw_an_idea(client, auth):
    author = create_user(email="a@example.org")
    create_user(email="b@example.org")
    contribution = services.create_contribution({}, author, kind="idee", title="Des bancs", body="Texte",
                                                commune=commune("wingles"))
    db.session.commit()
    auth.login("b@example.org")
    assert client.get(f"/idees/{contribution.id}/modifier").status_code == 403
    assert auth.post(f"/idees/{contribution.id}/retirer", {}, form_page=f"/idees/{contribution.id}").status_code == 403
    assert db.session.get(Contribution, contribution.id) is not None


def test_the_home_page_puts_the_idea_first(client):
    text = page_text(client.get("/"))
    assert text.index("Donner mon idée") < text.index("Le Labo, c'est quoi")


def test_an_idea_others_were_merged_into_cannot_be_withdrawn(client, no_wait):
    token = token_of(post_as_guest(client))
    target = the_only_contribution()
    referent = create_referent("lens", email="ref@example.org")
    services.approve({}, referent, target)
    other = create_user(email="o@example.org")
    twin = services.create_contribution({}, other, kind="idee", title="Des bancs", body="Pareil", commune=commune("lens"))
    services.support(other, twin)
    db.session.flush()
    services.merge({}, referent, twin, target)
    db.session.commit()
    page = client.get(f"/idees/mon-idee/{token}").get_data(as_text=True)
    refused = client.post(f"/idees/mon-idee/{token}/retirer", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 302
    assert "ont été regroupées avec celle-ci" in page_text(client.get(refused.headers["Location"]))
    assert db.session.scalar(select(func.count(Contribution.id))) == 2


def test_the_guest_sees_the_photo_of_the_idea_waiting_for_a_referent_and_others_do_not(client, app, no_wait, tmp_path,
                                                                                     monkeypatch):
    import io

    from PIL import Image

    monkeypatch.setitem(app.config, "LABO_UPLOAD_DIR", str(tmp_path))
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "JPEG")
    data = {**guest_form(client), "kind": "idee", "body": IDEA, "commune": str(commune("lens").id), "name": "Lina",
            "photo": (io.BytesIO(buffer.getvalue()), "banc.jpg")}
    posted = client.post("/idees/nouvelle", data=data, content_type="multipart/form-data")
    assert posted.status_code == 302
    key = the_only_contribution().photo.key
    assert client.get(f"/idees/photos/{key}").status_code == 200  # this phone sent it
    client.delete_cookie("labo_idees")
    assert client.get(f"/idees/photos/{key}").status_code == 404  # waiting for a referent: nobody else


def test_a_moderator_sees_how_to_reach_the_guest_and_the_public_does_not(client, auth, no_wait):
    post_as_guest(client, contact="06 12 34 56 78")
    contribution = the_only_contribution()
    referent = create_referent("lens", email="ref@example.org")
    services.approve({}, referent, contribution)
    db.session.commit()
    client.delete_cookie("labo_idees")
    public = page_text(client.get(f"/idees/{contribution.id}"))
    assert "De Lina (sans compte)" in public and "06 12 34 56 78" not in public
    auth.login("ref@example.org")
    assert "06 12 34 56 78" in page_text(client.get(f"/idees/{contribution.id}"))


def test_a_guest_contact_is_erased_some_time_after_the_answer(client, no_wait):
    from datetime import timedelta

    from labo.core.db import utcnow
    from labo.privacy.retention import purge

    post_as_guest(client, contact="lina@example.org")
    contribution = the_only_contribution()
    referent = create_referent("lens", email="ref@example.org")
    services.approve({}, referent, contribution)
    services.answer({}, referent, contribution, "retenue", "Oui, en mars.")
    db.session.commit()
    assert purge({}, utcnow() + timedelta(days=89))["GUEST_CONTACT"] == 0
    assert purge({}, utcnow() + timedelta(days=91))["GUEST_CONTACT"] == 1
    db.session.commit()
    assert the_only_contribution().guest_contact is None and the_only_contribution().guest_name == "Lina"


def test_a_form_sent_back_keeps_its_start_time(client, app):
    first = post_as_guest(client, name="")  # refused for the name, at once
    assert first.status_code == 422
    started = re.search(r'name="started" type="hidden" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert started == re.search(r'name="started" type="hidden" value="([^"]+)"',
                                post_as_guest(client, name="", started=started).get_data(as_text=True)).group(1)
