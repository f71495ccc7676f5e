"""The pot commun: posting, reading, supporting, commenting, following,
moderating by commune, and the decider's answer."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from labo.accounts.models import Role
from labo.audit.models import AuditEntry
from labo.contributions import services
from labo.contributions.models import Comment, Contribution, Follow, Report, Support
from labo.extensions import db
from labo.accounts.models import Notification
from tests.conftest import page_text
from tests.factories import (PASSWORD, commune, create_admin, create_comment, create_contribution, create_referent,
                             create_user, qpv)


def jpeg_bytes(size=(2400, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- residents -------------------------------------------------------------


def test_a_resident_posts_an_idea_with_a_photo_and_sees_it_listed(client, auth, app):
    create_user(pseudonym="Josiane", email="j@example.org", home="mazingarbe")
    auth.login("j@example.org")
    form = page_text(client.get("/idees/nouvelle"))
    assert f'<option selected value="{commune("mazingarbe").id}">' in form  # pre-filled from the profile
    response = auth.post("/idees/nouvelle", {
        "kind": "envie", "title": "Un jardin partagé", "body": "Au pied des immeubles.\n\nAvec les enfants.",
        "commune": str(commune("mazingarbe").id), "qpv": str(qpv("QP062031").id), "theme": "p2",
        "photo": (io.BytesIO(jpeg_bytes()), "IMG_0001.jpeg"), "photo_alt": "La pelouse vide",
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    assert contribution.kind == "envie" and contribution.qpv.code == "QP062031" and contribution.pillar.number == 2
    assert contribution.body == "<p>Au pied des immeubles.</p><p>Avec les enfants.</p>"
    assert max(contribution.photo.width, contribution.photo.height) == 1600
    detail = page_text(client.get(response.headers["Location"]))
    assert "Merci ! Votre idée est publiée." in detail
    assert 'alt="La pelouse vide"' in detail
    photo = client.get(f"/idees/photos/{contribution.photo.key}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "IMG_0001" not in photo.headers.get("Content-Disposition", "")
    listing = page_text(client.get("/idees/?commune=mazingarbe"))
    assert "Un jardin partagé" in listing


def test_a_bad_photo_gets_a_clear_message_and_keeps_the_text(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = auth.post("/idees/nouvelle", {
        "kind": "idee", "title": "Mon titre", "body": "Mon texte", "commune": str(commune("lens").id),
        "photo": (io.BytesIO(b"GIF89a" + b"\0" * 100), "x.jpg"),
    }, content_type="multipart/form-data")
    text = page_text(response)
    assert response.status_code == 422
    assert "Envoyez une photo en JPEG, PNG ou WebP." in text
    assert 'value="Mon titre"' in text and "Mon texte" in text
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_missing_fields_are_refused_with_translated_messages(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = auth.post("/idees/nouvelle", {"kind": "idee", "title": "", "body": "", "commune": ""})
    text = page_text(response)
    assert response.status_code == 422
    assert "Écrivez quelques mots pour expliquer." in text and "Choisissez la commune concernée." in text


def test_a_qpv_must_belong_to_the_chosen_commune(auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    response = auth.post("/idees/nouvelle", {
        "kind": "idee", "title": "T", "body": "B", "commune": str(commune("wingles").id), "qpv": str(qpv("QP062024").id),
    })
    assert response.status_code == 422
    assert "Ce quartier n'est pas dans la commune choisie." in page_text(response)


def test_without_an_account_the_form_asks_a_name_and_offers_to_sign_in(client):
    response = client.get("/idees/nouvelle")
    text = page_text(response)
    assert response.status_code == 200
    assert "Votre prénom ou un pseudonyme" in text and "Pas besoin de compte." in text
    assert "/compte/connexion?next=/idees/nouvelle" in response.get_data(as_text=True).replace("%2F", "/")


def test_without_a_title_the_first_words_of_the_text_make_one(auth):
    author = create_user(email="t@example.org")
    auth.login("t@example.org")
    response = auth.post("/idees/nouvelle", {"kind": "idee", "title": "", "commune": str(commune("wingles").id),
                                             "body": "Des bancs près de l'arrêt de bus. Les anciens attendent debout."})
    assert response.status_code == 302
    created = db.session.scalar(select(Contribution).where(Contribution.author_id == author.id))
    assert created.title == "Des bancs près de l'arrêt de bus"


def test_list_filters_and_pagination(client, app):
    author = create_user()
    for n in range(25):
        create_contribution(author, title=f"Idée numéro {n}", commune_slug="lens" if n % 2 else "lievin",
                            kind="question" if n % 5 == 0 else "idee")
    first = page_text(client.get("/idees/"))
    assert "25 contributions." in first and "Idée numéro 24" in first and "Idée numéro 0<" not in first
    assert "Page 1 sur 2" in first
    second = page_text(client.get("/idees/?page=2"))
    assert "Idée numéro 0" in second
    lens = page_text(client.get("/idees/?commune=lens"))
    assert "12 contributions." in lens
    questions = page_text(client.get("/idees/?kind=question"))
    assert "5 contributions." in questions
    found = page_text(client.get("/idees/?q=numéro 13"))
    assert "1 contribution." in found
    assert client.get("/idees/?commune=nowhere&kind=zzz&page=abc").status_code == 200


def test_every_page_lists_its_own_contributions_newest_first(client, app):
    author = create_user()
    made = [create_contribution(author, title=f"Banc {n:02d}").id for n in range(45)]
    shown = []
    for number in (1, 2, 3):
        text = page_text(client.get(f"/idees/?page={number}"))
        assert f"Page {number} sur 3" in text
        shown += [int(t[5:7]) for t in re.findall(r"Banc \d\d", text)]
    assert shown == list(range(44, -1, -1))  # each once, in order, across the pages
    assert len(made) == 45
    past = client.get("/idees/?page=9")
    assert past.status_code == 200 and "Banc" not in page_text(past) and "45 contributions." in page_text(past)


def test_the_count_follows_a_post_at_once_and_another_workers_change_within_the_delay(client, app, monkeypatch):
    """The list's total is remembered (labo.core.memo): a write of this process
    forgets it at once; one made elsewhere (here plain SQL, as another
    worker's would be unseen) shows once the delay has passed (on the memo's
    clock, moved on by hand)."""
    from labo.core.memo import memo

    clock = [1000.0]
    monkeypatch.setattr(memo(), "clock", lambda: clock[0])
    author = create_user()
    create_contribution(author, title="Première")
    assert "1 contribution." in page_text(client.get("/idees/"))
    create_contribution(author, title="Deuxième")
    assert "2 contributions." in page_text(client.get("/idees/"))
    db.session.execute(text("UPDATE contribution SET visibility = 'hidden' WHERE title = 'Deuxième'"))
    db.session.commit()
    assert "2 contributions." in page_text(client.get("/idees/"))  # remembered
    clock[0] += memo().seconds - 1
    assert "2 contributions." in page_text(client.get("/idees/"))  # still within the delay
    clock[0] += 2
    assert "1 contribution." in page_text(client.get("/idees/"))  # the delay is over


def filter_corpus():
    """Five contributions in Lens told apart by QPV, theme and status."""
    from labo.territory.models import Ambition, Pillar

    author, referent = create_user(), create_referent("lens")
    pillar_1 = db.session.scalar(select(Pillar).where(Pillar.number == 1))
    pillar_2 = db.session.scalar(select(Pillar).where(Pillar.number == 2))
    ambition = db.session.scalars(select(Ambition).where(Ambition.pillar_id == pillar_2.id).order_by(Ambition.number)).first()
    made = {
        "cite12-p1": create_contribution(author, title="Cité 12, pilier 1", qpv=qpv("QP062024"), pillar=pillar_1),
        "cite12-ambition": create_contribution(author, title="Cité 12, ambition", qpv=qpv("QP062024"),
                                               ambition=ambition),
        "grande-p2-retenue": create_contribution(author, title="Grande Résidence, retenue", qpv=qpv("QP062025"),
                                                 pillar=pillar_2),
        "grande-etude": create_contribution(author, title="Grande Résidence, à l'étude", qpv=qpv("QP062025")),
        "sans-quartier": create_contribution(author, title="Sans quartier ni thème"),
    }
    services.answer({}, referent, made["grande-p2-retenue"], "retenue", "Oui, au printemps.")
    services.answer({}, referent, made["grande-etude"], "en_etude", "")
    db.session.commit()
    return {key: c.title for key, c in made.items()}, ambition.slug


def listed_on_page(client, query: str, titles: dict) -> set[str]:
    text = page_text(client.get(f"/idees/?{query}"))
    return {key for key, title in titles.items() if title in text}


def listed_by_api(client, query: str, titles: dict) -> set[str]:
    data = client.get(f"/api/v1/contributions?{query}").get_json()
    found = {item["title"] for item in data["items"]}
    assert data["total"] == len(found)
    return {key for key, title in titles.items() if title in found}


@pytest.mark.parametrize("listed", [listed_on_page, listed_by_api], ids=["page", "api"])
def test_lists_filter_by_qpv_theme_and_status(client, listed):
    titles, ambition_slug = filter_corpus()
    cite12 = {"cite12-p1", "cite12-ambition"}
    grande = {"grande-p2-retenue", "grande-etude"}
    assert listed(client, "", titles) == set(titles)
    assert listed(client, f"qpv={qpv('QP062024').slug}", titles) == cite12
    assert listed(client, f"qpv={qpv('QP062025').slug}", titles) == grande
    assert listed(client, "theme=p1", titles) == {"cite12-p1"}
    # A pillar takes in its ambitions; an ambition only itself.
    assert listed(client, "theme=p2", titles) == {"cite12-ambition", "grande-p2-retenue"}
    assert listed(client, f"theme={ambition_slug}", titles) == {"cite12-ambition"}
    assert listed(client, "status=retenue", titles) == {"grande-p2-retenue"}
    assert listed(client, "status=en_etude", titles) == {"grande-etude"}
    assert listed(client, "status=proposee", titles) == cite12 | {"sans-quartier"}
    assert listed(client, "status=realisee", titles) == set()
    assert listed(client, f"qpv={qpv('QP062025').slug}&status=retenue&theme=p2", titles) == {"grande-p2-retenue"}
    assert listed(client, f"qpv={qpv('QP062024').slug}&status=retenue", titles) == set()


def test_the_api_takes_a_qpv_by_its_official_code(client):
    titles, _ = filter_corpus()
    assert listed_by_api(client, "qpv=QP062024", titles) == {"cite12-p1", "cite12-ambition"}
    assert listed_by_api(client, "qpv=qp062025", titles) == {"grande-p2-retenue", "grande-etude"}
    assert listed_by_api(client, "qpv=QP062028", titles) == set()  # Liévin's: nothing posted there


def test_the_list_page_weighs_under_100_kb_before_photos(client):
    author = create_user()
    for n in range(30):
        create_contribution(author, title=f"Une idée assez longue pour remplir la ligne numéro {n}", body="x" * 4000)
    html = client.get("/idees/").data
    css = client.get("/static/css/labo.css").data
    assert len(html) + len(css) < 100 * 1024, (len(html), len(css))


def test_support_once_withdraw_and_follow(client, auth):
    author = create_user()
    contribution = create_contribution(author)
    create_user(email="fan@example.org")
    auth.login("fan@example.org")
    path = f"/idees/{contribution.id}"
    for _ in range(3):
        auth.post(f"{path}/soutenir", form_page=path)
    assert db.session.scalar(select(func.count(Support.id))) == 1
    assert "1 personne soutient" in page_text(client.get(path))
    auth.post(f"{path}/soutenir", {"withdraw": "1"}, form_page=path)
    assert db.session.scalar(select(func.count(Support.id))) == 0
    auth.post(f"{path}/suivre", form_page=path)
    assert db.session.scalar(select(func.count(Follow.id))) == 2  # the author follows their own


def test_the_database_refuses_a_second_support():
    from sqlalchemy.exc import IntegrityError

    author, fan = create_user(), create_user()
    contribution = create_contribution(author)
    db.session.add(Support(contribution_id=contribution.id, user_id=fan.id))
    db.session.commit()
    db.session.add(Support(contribution_id=contribution.id, user_id=fan.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_comments_are_sanitised_and_links_get_nofollow(client, auth):
    contribution = create_contribution(create_user())
    create_user(email="c@example.org")
    auth.login("c@example.org")
    path = f"/idees/{contribution.id}"
    auth.post(f"{path}/commenter", {"body": 'Voir <a href="https://www.lens.fr">ici</a> <script>alert(1)</script>'}, form_page=path)
    comment = db.session.scalar(select(Comment))
    assert "<script" not in comment.body
    assert 'rel="nofollow noopener"' in comment.body
    assert "www.lens.fr" in page_text(client.get(path))
    empty = auth.post(f"{path}/commenter", {"body": "  "}, form_page=path)
    assert empty.status_code == 422


def test_a_referent_enters_a_contribution_for_a_resident_met_on_paper(client, auth):
    create_referent("lens", email="ref@example.org", pseudonym="Nadia")
    auth.login("ref@example.org")
    response = auth.post("/idees/nouvelle", {
        "kind": "idee", "title": "Dit en réunion", "body": "Noté sur papier", "commune": str(commune("lens").id),
        "on_behalf_of": "Monique",
    })
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    assert contribution.author_id is None and contribution.on_behalf_of == "Monique"
    assert "saisie par Nadia pour un habitant" in page_text(client.get(f"/idees/{contribution.id}"))


def test_an_animator_enters_a_contribution_for_a_resident_met_at_a_meeting(client, auth):
    animator = create_user(email="anim@example.org", pseudonym="Sophie", roles=[(Role.ANIMATOR, None)])
    auth.login("anim@example.org")
    form = page_text(client.get("/idees/nouvelle"))
    assert 'name="on_behalf_of"' in form and "Pour qui ? (saisie pour un habitant)" in form
    response = auth.post("/idees/nouvelle", {
        "kind": "envie", "title": "Un city-stade", "body": "Dit à la rencontre d'Avion", "commune": str(commune("avion").id),
        "on_behalf_of": "Rayan",
    })
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    assert contribution.author_id is None and contribution.entered_by_id == animator.id
    assert contribution.on_behalf_of == "Rayan" and contribution.visibility == "published"
    assert "De Rayan, saisie par Sophie pour un habitant" in page_text(client.get(f"/idees/{contribution.id}"))
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contribution.entered_on_behalf"))
    assert audit.actor_id == animator.id and audit.details["on_behalf_of"] == "Rayan"
    # The animator follows it, to pass the answer on to Rayan.
    _supports, _supported, following = services.reader_state(animator, contribution)
    assert following


def test_a_resident_cannot_post_on_behalf_of_someone(auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    auth.post("/idees/nouvelle", {"kind": "idee", "title": "T", "body": "B", "commune": str(commune("lens").id),
                                  "on_behalf_of": "Quelqu'un"})
    contribution = db.session.scalar(select(Contribution))
    assert contribution.on_behalf_of is None and contribution.author_id is not None


# --- moderation: the permission matrix ----------------------------------


def actor(kind: str, author):
    if kind == "author":
        return author
    return {
        "other resident": lambda: create_user(),
        "referent of the commune": lambda: create_referent("lens"),
        "referent of another commune": lambda: create_referent("lievin"),
        "admin": lambda: create_admin(),
    }[kind]()


def prepare(action: str, author):
    """A contribution in Lens in the state the action applies to, the form data, and a check."""
    target = create_contribution(author, title="Autre idée")
    contribution = create_contribution(author)
    if action == "restore":
        contribution.visibility, contribution.hidden_reason = "hidden", "hors sujet"
    if action == "approve":
        contribution.visibility = "pending"
    if action == "dismiss":
        db.session.add(Report(contribution_id=contribution.id, reporter_id=target.author_id, reason="insulte"))
    comment_id = None
    if action == "hide_comment":
        comment_id = services.add_comment(create_user(), contribution, "Publicité : http://spam.example").id
    db.session.commit()
    return contribution, {
        "hide": ("masquer", {"reason": "Propos injurieux"}, lambda c: c.visibility == "hidden"),
        "restore": ("retablir", {}, lambda c: c.visibility == "published"),
        "approve": ("valider", {}, lambda c: c.visibility == "published"),
        "dismiss": ("classer-signalements", {}, lambda c: db.session.scalar(
            select(func.count(Report.id)).where(Report.resolved_at.is_(None))) == 0),
        "merge": ("regrouper", {"target": str(target.id)}, lambda c: c.visibility == "merged"),
        "answer": ("reponse", {"status": "retenue", "answer": "Retenue par le conseil municipal."},
                   lambda c: c.status == "retenue"),
        "hide_comment": (f"commentaires/{comment_id}/masquer", {}, lambda c: db.session.get(Comment, comment_id).hidden),
    }[action]


ACTIONS = ["hide", "restore", "approve", "dismiss", "merge", "answer", "hide_comment"]
ALLOWED = {"referent of the commune", "admin"}
VIEWERS = ["anonymous", "author", "other resident", "referent of the commune", "referent of another commune", "admin"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", VIEWERS)
def test_moderation_permission_matrix(client, auth, action, who):
    author = create_user(email="author@example.org")
    contribution, (verb, data, done) = prepare(action, author)
    path = f"/idees/{contribution.id}"
    if who == "anonymous":
        token = auth.csrf("/")
        response = client.post(f"{path}/{verb}", data={"csrf_token": token, **data})
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    else:
        person = actor(who, author)
        auth.login(person.email, PASSWORD)
        token = auth.csrf("/")
        response = client.post(f"{path}/{verb}", data={"csrf_token": token, **data})
        assert response.status_code == (302 if who in ALLOWED else 403), (who, action, response.status_code)
    db.session.expire_all()
    assert done(db.session.get(Contribution, contribution.id)) == (who in ALLOWED)
    audited = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.target_type == "contribution"))
    assert (audited > 0) == (who in ALLOWED)


def log_in_as(who: str, auth, author) -> None:
    if who != "anonymous":
        auth.login(actor(who, author).email, PASSWORD)


@pytest.mark.parametrize("who", VIEWERS)
def test_who_opens_the_moderation_queue_and_what_they_see_there(client, auth, who):
    author = create_user(email="author@example.org")
    for commune_slug, label in (("lens", "Lens"), ("lievin", "Liévin")):
        pending = create_contribution(author, title=f"En attente à {label}", commune_slug=commune_slug)
        pending.visibility = "pending"
        reported = create_contribution(author, title=f"Signalée à {label}", commune_slug=commune_slug)
        db.session.add(Report(contribution_id=reported.id, reporter_id=create_user().id, reason=f"Insulte à {label}"))
    db.session.commit()
    log_in_as(who, auth, author)
    response = client.get("/moderation/")
    if who == "anonymous":
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
        return
    expected = {"author": 403, "other resident": 403}.get(who, 200)
    assert response.status_code == expected
    if expected != 200:
        return
    text = page_text(response)
    sees = {"referent of the commune": {"Lens"}, "referent of another commune": {"Liévin"},
            "admin": {"Lens", "Liévin"}}[who]
    for label in ("Lens", "Liévin"):
        for shown in (f"En attente à {label}", f"Signalée à {label}", f"Insulte à {label}"):
            assert (shown in text) == (label in sees), (who, shown)


@pytest.mark.parametrize("who", VIEWERS)
def test_who_opens_the_late_answers_list_and_what_they_see_there(client, auth, app, who):
    author = create_user(email="author@example.org")
    days = app.config["LABO_ANSWER_DAYS"]
    for commune_slug, label in (("lens", "Lens"), ("lievin", "Liévin")):
        late = create_contribution(author, title=f"En retard à {label}", commune_slug=commune_slug)
        late.created_at -= timedelta(days=days + 3)
    db.session.commit()
    log_in_as(who, auth, author)
    response = client.get("/moderation/sans-reponse")
    if who == "anonymous":
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
        return
    expected = {"author": 403, "other resident": 403}.get(who, 200)
    assert response.status_code == expected
    if expected != 200:
        return
    text = page_text(response)
    sees = {"referent of the commune": {"Lens"}, "referent of another commune": {"Liévin"},
            "admin": {"Lens", "Liévin"}}[who]
    for label in ("Lens", "Liévin"):
        assert (f"En retard à {label}" in text) == (label in sees), (who, label)


def late_titles(client) -> set[str]:
    text = page_text(client.get("/moderation/sans-reponse"))
    return {title for title in ("Dix jours", "Quarante jours", "Quatre-vingts jours", "Liévin, quarante jours")
            if title in text}


def test_the_answer_delay_setting_decides_what_is_late_for_a_referents_communes(client, auth, app):
    author = create_user()
    for title, age, commune_slug in (("Dix jours", 10, "lens"), ("Quarante jours", 40, "lens"),
                                     ("Quatre-vingts jours", 80, "lens"), ("Liévin, quarante jours", 40, "lievin")):
        create_contribution(author, title=title, commune_slug=commune_slug).created_at -= timedelta(days=age)
    db.session.commit()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    previous = app.config["LABO_ANSWER_DAYS"]
    try:
        app.config["LABO_ANSWER_DAYS"] = 60
        assert late_titles(client) == {"Quatre-vingts jours"}
        assert "depuis plus de 60 jours" in page_text(client.get("/moderation/sans-reponse"))
        app.config["LABO_ANSWER_DAYS"] = 30
        assert late_titles(client) == {"Quarante jours", "Quatre-vingts jours"}  # never Liévin's
        assert "depuis plus de 30 jours" in page_text(client.get("/moderation/sans-reponse"))
        app.config["LABO_ANSWER_DAYS"] = 5
        assert late_titles(client) == {"Dix jours", "Quarante jours", "Quatre-vingts jours"}
        app.config["LABO_ANSWER_DAYS"] = 100
        assert late_titles(client) == set()
        assert "Aucune : bravo" in page_text(client.get("/moderation/sans-reponse"))
    finally:
        app.config["LABO_ANSWER_DAYS"] = previous


def test_hiding_needs_a_reason_shown_to_the_author(client, auth):
    author = create_user(email="author@example.org")
    contribution = create_contribution(author)
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{contribution.id}"
    assert auth.post(f"{path}/masquer", {"reason": ""}, form_page=path).status_code == 422
    auth.post(f"{path}/masquer", {"reason": "Hors sujet pour le Labo"}, form_page=path)
    auth.logout()
    assert client.get(path).status_code == 404  # others no longer see it
    assert "Hors sujet pour le Labo" not in page_text(client.get("/idees/"))
    auth.login("author@example.org")
    text = page_text(client.get(path))
    assert "Masquée par une personne référente. Raison : Hors sujet pour le Labo" in text
    assert '<span class="count">1</span><span class="visually-hidden"> non lues</span>' in text  # in the menu
    notes = page_text(client.get("/compte/notifications/"))
    assert "Hors sujet pour le Labo" in notes
    auth.post("/compte/notifications/lues", form_page="/compte/notifications/")
    assert 'class="count"' not in page_text(client.get(path))  # read: the menu counts none


def test_a_premoderated_commune_holds_posts_until_a_referent_approves(client, auth):
    lens = commune("lens")
    lens.premoderation = True
    db.session.commit()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    auth.post("/idees/nouvelle", {"kind": "idee", "title": "En attente", "body": "B", "commune": str(lens.id)})
    contribution = db.session.scalar(select(Contribution))
    assert contribution.visibility == "pending"
    auth.logout()
    assert "En attente" not in page_text(client.get("/idees/"))
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    queue = page_text(client.get("/moderation/"))
    assert "En attente" in queue
    auth.post(f"/idees/{contribution.id}/valider", form_page="/moderation/")
    auth.logout()
    assert "En attente" in page_text(client.get("/idees/"))


def test_the_queue_shows_only_the_referents_communes(client, auth):
    author = create_user()
    create_contribution(author, title="Idée de Lens", commune_slug="lens")
    create_contribution(author, title="Idée de Liévin", commune_slug="lievin")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    queue = page_text(client.get("/moderation/"))
    assert "Idée de Lens" in queue and "Idée de Liévin" not in queue
    auth.logout()
    create_user(email="j@example.org")
    auth.login("j@example.org")
    assert client.get("/moderation/").status_code == 403


def test_reports_reach_the_referents_queue(client, auth):
    contribution = create_contribution(create_user(), title="Idée signalée")
    create_user(email="j@example.org")
    auth.login("j@example.org")
    path = f"/idees/{contribution.id}"
    auth.post(f"{path}/signaler", {"reason": "Ce sont des insultes"}, form_page=path)
    auth.logout()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    queue = page_text(client.get("/moderation/"))
    assert "Ce sont des insultes" in queue


def test_merging_moves_supports_follows_and_comments_and_tells_only_the_duplicates_followers(client, auth):
    author, fan, both, keeper = create_user(), create_user(), create_user(), create_user()
    keep = create_contribution(keeper, title="Des bancs")
    duplicate = create_contribution(author, title="Des bancs aussi")
    services.support(fan, duplicate)
    services.support(both, duplicate)
    services.support(both, keep)
    services.follow(fan, duplicate)
    services.add_comment(fan, duplicate, "Oui, des bancs !")
    db.session.commit()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{duplicate.id}"
    auth.post(f"{path}/regrouper", {"target": str(keep.id)}, form_page=path)
    assert services.support_count(keep) == 2
    assert set(db.session.scalars(select(Follow.user_id).where(Follow.contribution_id == keep.id))) == {keeper.id, author.id, fan.id}
    assert "Oui, des bancs !" in page_text(client.get(f"/idees/{keep.id}"))
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "contribution.merged")))
    assert told == {author.id, fan.id}  # not the keeper: the duplicate was not theirs to know about
    assert "Regroupée avec une autre contribution" in page_text(client.get(path))  # the referent still sees it
    auth.logout()
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/idees/{keep.id}")


def test_a_hidden_contribution_cannot_be_merged_nor_act_as_target(auth):
    author = create_user()
    keep, hidden = create_contribution(author, title="Visible"), create_contribution(author, title="Secret")
    hidden.visibility = "hidden"
    db.session.commit()
    with pytest.raises(services.ContributionError):
        services.merge({}, create_admin(), hidden, keep)
    with pytest.raises(services.ContributionError):
        services.merge({}, create_admin(), keep, hidden)


def test_a_referent_hides_a_comment(client, auth):
    contribution = create_contribution(create_user())
    comment = create_comment(create_user(), contribution, "Spam http://spam.example")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{contribution.id}"
    assert auth.post(f"{path}/commentaires/{comment.id}/masquer", form_page=path).status_code == 302
    assert "spam.example" not in page_text(client.get(path))
    auth.logout()
    create_referent("lievin", email="other@example.org")
    auth.login("other@example.org")
    assert auth.post(f"{path}/commentaires/{comment.id}/masquer", form_page="/").status_code == 403


def test_a_final_status_needs_a_written_answer_sent_to_followers(client, auth):
    author = create_user(email="author@example.org")
    contribution = create_contribution(author)
    follower = create_user()
    services.follow(follower, contribution)
    db.session.commit()
    create_referent("lens", email="ref@example.org", pseudonym="Nadia")
    auth.login("ref@example.org")
    path = f"/idees/{contribution.id}"
    refused = auth.post(f"{path}/reponse", {"status": "non_retenue", "answer": ""}, form_page=path)
    assert refused.status_code == 422
    assert "écrivez la réponse" in page_text(refused)
    assert auth.post(f"{path}/reponse", {"status": "en_etude", "answer": ""}, form_page=path).status_code == 302
    done = auth.post(f"{path}/reponse", {"status": "non_retenue", "answer": "Le budget 2025 est déjà engagé."}, form_page=path)
    assert done.status_code == 302
    text = page_text(client.get(path))
    assert "Le budget 2025 est déjà engagé." in text and "Non retenue" in text and "Par Nadia" in text
    recipients = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "contribution.answered")))
    assert recipients == {author.id, follower.id}


def test_contributions_waiting_too_long_for_an_answer_are_listed(client, auth, app):
    author = create_user()
    old, fresh, answered = (create_contribution(author, title=title)
                            for title in ("Vieille idée", "Idée fraîche", "Idée traitée"))
    old.created_at -= timedelta(days=app.config["LABO_ANSWER_DAYS"] + 1)
    answered.created_at -= timedelta(days=app.config["LABO_ANSWER_DAYS"] + 5)
    answered.status = "realisee"
    db.session.commit()
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    text = page_text(client.get("/moderation/sans-reponse"))
    assert "Vieille idée" in text and "Idée fraîche" not in text and "Idée traitée" not in text


def test_hidden_photos_are_not_served_to_others(client, app, auth, tmp_path):
    app.config["LABO_UPLOAD_DIR"] = str(tmp_path)
    author = create_user(email="author@example.org")
    contribution = services.create_contribution(app.config, author, kind="idee", title="T", body="B",
                                                commune=commune("lens"), photo=io.BytesIO(jpeg_bytes((100, 100))))
    contribution.visibility = "hidden"
    db.session.commit()
    key = contribution.photo.key
    assert client.get(f"/idees/photos/{key}").status_code == 404
    auth.login("author@example.org")
    assert client.get(f"/idees/photos/{key}").status_code == 200
    assert client.get("/idees/photos/nothing-here.jpg").status_code == 404
    photo = client.get(f"/idees/photos/{key}")
    assert "no-store" in photo.headers["Cache-Control"]  # never kept by a shared cache while hidden


def test_photos_live_outside_the_web_root_and_never_show_the_uploads_name(client, auth, app):
    from pathlib import Path

    upload_dir = Path(app.config["LABO_UPLOAD_DIR"]).resolve()
    web_root = Path(app.static_folder).resolve()
    assert not upload_dir.is_relative_to(web_root) and not web_root.is_relative_to(upload_dir)
    assert not upload_dir.is_relative_to(Path(app.root_path).resolve().parent / "static")
    create_user(email="j@example.org")
    auth.login("j@example.org")
    name = "IMG_20240512_chez-Jeanne-Dupont"
    response = auth.post("/idees/nouvelle", {
        "kind": "idee", "title": "Un banc", "body": "Ici", "commune": str(commune("lens").id),
        "photo": (io.BytesIO(jpeg_bytes((300, 200))), f"{name}.jpeg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    key = contribution.photo.key
    stored = upload_dir / key
    try:
        assert stored.is_file() and name not in key and "Jeanne" not in key
        assert not list(web_root.rglob(key)), "the photo was copied under static/"
        assert client.get(f"/static/{key}").status_code == 404
        url = client.get("/api/v1/contributions").get_json()["items"][0]["photo"]
        assert url == f"/idees/photos/{key}"
        photo = client.get(url)
        assert photo.status_code == 200 and photo.headers["Content-Disposition"] == "inline"
        seen = [page_text(client.get(f"/idees/{contribution.id}")), page_text(client.get("/idees/")),
                client.get(f"/api/v1/contributions/{contribution.id}").get_data(as_text=True), str(photo.headers)]
        assert not [text for text in seen if "Jeanne" in text or "IMG_2024" in text]
    finally:
        stored.unlink(missing_ok=True)


# --- API -------------------------------------------------------------------


def test_api_lists_published_contributions_without_emails(client):
    author = create_user(pseudonym="Josiane", email="secret@example.org")
    visible = create_contribution(author, title="Visible")
    hidden = create_contribution(author, title="Cachée")
    hidden.visibility = "hidden"
    db.session.commit()
    data = client.get("/api/v1/contributions").get_json()
    assert data["total"] == 1 and data["items"][0]["title"] == "Visible"
    assert data["items"][0]["author"] == "Josiane"
    assert "secret@example.org" not in client.get("/api/v1/contributions").get_data(as_text=True)
    assert client.get(f"/api/v1/contributions/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/contributions/{visible.id}").get_json()["commune"]["slug"] == "lens"
    assert client.get("/api/v1/contributions?commune=lievin").get_json()["total"] == 0
    assert client.get("/api/v1/contributions?per_page=1000").status_code == 400


def test_api_post_needs_a_session_and_a_csrf_token(client, auth):
    body = {"kind": "idee", "title": "Par l'API", "body": "Texte", "commune": "lens", "qpv": "QP062024"}
    token = auth.csrf("/")
    assert client.post("/api/v1/contributions", json=body, headers={"X-CSRFToken": token}).status_code == 401
    create_user(email="api@example.org")
    auth.login("api@example.org")
    assert client.post("/api/v1/contributions", json=body).status_code == 400  # no CSRF token
    token = auth.csrf("/")
    created = client.post("/api/v1/contributions", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    assert created.get_json()["qpv"]["code"] == "QP062024"
    bad = client.post("/api/v1/contributions", json={**body, "title": ""}, headers={"X-CSRFToken": token})
    assert bad.status_code == 400 and "title" in bad.get_json()["errors"]
    wrong = client.post("/api/v1/contributions", json={**body, "title": 5}, headers={"X-CSRFToken": token})
    assert wrong.status_code == 400


def test_the_form_prefills_the_only_qpv_of_the_home_commune(client, auth):
    create_user(email="angres@example.org", home="angres")
    auth.login("angres@example.org")
    form = page_text(client.get("/idees/nouvelle"))
    assert f'<option selected value="{qpv("QP062002").id}">' in form


@pytest.mark.parametrize("query", ["page=%C2%B2", "page=99999999999999999999", "per_page=%C2%B9", "theme=p99999999999999999999", "page=-1"])
def test_odd_page_and_theme_values_never_crash(client, query):
    assert client.get(f"/idees/?{query}").status_code == 200
    assert client.get(f"/api/v1/contributions?{query}").status_code in (200, 400)
    assert client.get("/moderation/sans-reponse?" + query).status_code in (302, 403)


@pytest.mark.parametrize("state", ["hidden", "pending"])
@pytest.mark.parametrize("who", VIEWERS)
def test_who_sees_a_hidden_or_pending_contribution(client, auth, app, tmp_path, state, who):
    app.config["LABO_UPLOAD_DIR"] = str(tmp_path)
    author = create_user(email="author@example.org")
    contribution = services.create_contribution(app.config, author, kind="idee", title="Pas pour tous", body="B",
                                                commune=commune("lens"), photo=io.BytesIO(jpeg_bytes((50, 50))))
    contribution.visibility = state
    db.session.commit()
    if who != "anonymous":
        person = actor(who, author)
        auth.login(person.email, PASSWORD)
    sees = who in {"author", "referent of the commune", "admin"}
    path = f"/idees/{contribution.id}"
    assert client.get(path).status_code == (200 if sees else 404)
    assert client.get(f"/idees/photos/{contribution.photo.key}").status_code == (200 if sees else 404)
    assert client.get(f"/api/v1/contributions/{contribution.id}").status_code == 404  # never in the API
    assert "Pas pour tous" not in client.get("/api/v1/contributions").get_data(as_text=True)
    assert "Pas pour tous" not in page_text(client.get("/idees/"))
    if who not in ("anonymous",) and not sees:
        token = auth.csrf("/")
        assert client.post(f"{path}/soutenir", data={"csrf_token": token}).status_code == 404


def test_followers_get_the_answer_by_email_in_their_language_with_a_full_link(client, auth, app, smtp):
    from email import message_from_bytes, policy

    from labo.mail.services import wait_for_deliveries

    author = create_user(email="author@example.org")
    contribution = create_contribution(author)
    english = create_user(email="english@example.org")
    english.locale = "en"
    services.follow(english, contribution)
    db.session.commit()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{contribution.id}"
    auth.post(f"{path}/reponse", {"status": "retenue", "answer": "Les bancs arrivent en mai."}, form_page=path)
    wait_for_deliveries()
    mails = {e.rcpt_tos[0]: message_from_bytes(e.content, policy=policy.default) for e in smtp}
    assert set(mails) == {"author@example.org", "english@example.org"}
    french, english_mail = mails["author@example.org"].get_content(), mails["english@example.org"].get_content()
    assert "Réponse pour" in french and "Les bancs arrivent en mai." in french
    assert "Answer for" in english_mail and "Réponse pour" not in english_mail
    assert f"http://localhost/idees/{contribution.id}" in french


def test_no_email_leaves_for_an_action_that_is_rolled_back(app, smtp):
    from labo.mail.services import wait_for_deliveries
    from labo.notifications.services import notify

    user = create_user()
    notify(app.config, [user.id], "contribution.restored", "/idees/1", title="Annulé")
    db.session.rollback()
    db.session.commit()
    wait_for_deliveries()
    assert smtp == []


def test_posting_too_fast_is_slowed_down_per_account(client, auth, app):
    previous = app.config["LABO_WRITE_RATE_LIMIT"]
    app.config["LABO_WRITE_RATE_LIMIT"] = "3 per minute"
    try:
        create_user(email="fast@example.org")
        auth.login("fast@example.org")
        data = {"kind": "idee", "title": "Encore", "body": "B", "commune": str(commune("lens").id)}
        statuses = [auth.post("/idees/nouvelle", data).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert db.session.scalar(select(func.count(Contribution.id))) == 3
    finally:
        app.config["LABO_WRITE_RATE_LIMIT"] = previous


def test_search_ignores_case_beyond_ascii(client):
    create_contribution(create_user(), title="Éclairage de la rue Émile-Zola")
    assert "1 contribution." in page_text(client.get("/idees/?q=éclairage"))
    assert "1 contribution." in page_text(client.get("/idees/?q=ÉMILE"))


def test_api_post_into_a_premoderated_commune_is_accepted_not_published(client, auth):
    lens = commune("lens")
    lens.premoderation = True
    db.session.commit()
    create_user(email="api@example.org")
    auth.login("api@example.org")
    token = auth.csrf("/")
    response = client.post("/api/v1/contributions", headers={"X-CSRFToken": token},
                           json={"kind": "idee", "title": "En attente", "body": "B", "commune": "lens"})
    assert response.status_code == 202 and "Location" not in response.headers
    assert response.get_json()["visibility"] == "pending"


def test_going_back_under_study_withdraws_the_old_answer():
    contribution = create_contribution(create_user())
    referent = create_referent("lens")
    services.answer({}, referent, contribution, "retenue", "Oui")
    services.answer({}, referent, contribution, "en_etude", "")
    db.session.commit()
    assert contribution.answer is None and contribution.status == "en_etude"
