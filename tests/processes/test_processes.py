"""Participation processes: opening them, who may, each level's way of
taking part, the refusals, and the return that ends them."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.audit.models import AuditEntry
from labo.core.db import utcnow
from labo.extensions import db
from labo.processes import services
from labo.processes.models import Participation, Process, Proposal, ProposalSupport, Question
from labo.processes.eligibility import ProcessError
from tests.conftest import csrf_from, page_text
from tests.factories import close_process, commune, create_admin, create_process, create_referent, create_user, qpv


def form_data(**overrides):
    data = {
        "title": "Le square Bollaert", "question": "Quels jeux pour le square ?", "context": "Le square va être refait.",
        "decider": "le conseil municipal de Lens", "commune": str(commune("lens").id), "level": "consultation",
        "method": "avis", "options": "", "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-20T18:00",
        "answer_by": "2030-04-15", "audience": "everyone", "theme": "", "decision_rule": "", "easy_read": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- opening: the permission matrix ------------------------------------------


@pytest.mark.parametrize("who, can_open, can_edit_lens", [
    ("anonymous", False, False),
    ("resident", False, False),
    ("referent_lens", True, True),
    ("referent_lievin", True, False),
    ("animator", False, False),
    ("copil", False, False),
    ("admin", True, True),
])
def test_who_may_open_and_edit_a_process(client, auth, who, can_open, can_edit_lens):
    lens_process = create_process(commune_slug="lens", published=False)
    people = {
        "resident": lambda: create_user(email="r@example.org", home="lens"),
        "referent_lens": lambda: create_referent("lens", email="r@example.org"),
        "referent_lievin": lambda: create_referent("lievin", email="r@example.org"),
        "animator": lambda: create_user(email="r@example.org", roles=[(Role.ANIMATOR, None)]),
        "copil": lambda: create_user(email="r@example.org", roles=[(Role.COPIL, None)]),
        "admin": lambda: create_admin(email="r@example.org"),
    }
    if who != "anonymous":
        people[who]()
        auth.login("r@example.org")
    new_page = client.get("/demarches/nouvelle")
    edit_page = client.get(f"/demarches/{lens_process.id}/modifier")
    if who == "anonymous":
        assert new_page.status_code == 302 and edit_page.status_code == 302
        return
    assert (new_page.status_code == 200) is can_open
    assert new_page.status_code in (200, 403)
    assert (edit_page.status_code == 200) is can_edit_lens
    # a draft is seen by its managers only
    assert (client.get(f"/demarches/{lens_process.id}").status_code == 200) is can_edit_lens
    if can_open:
        response = auth.post("/demarches/nouvelle", form_data(commune=str(commune("lens").id)))
        if who == "referent_lievin":
            assert response.status_code == 422  # Lens is not among the communes they may choose
            assert db.session.scalar(select(Process).where(Process.title == "Le square Bollaert")) is None
        else:
            assert response.status_code == 302
            created = db.session.scalar(select(Process).where(Process.title == "Le square Bollaert"))
            assert created.commune.slug == "lens" and not created.published


def test_a_referent_of_another_commune_may_not_manage_it(client, auth):
    process = create_process(commune_slug="lens", published=False)
    create_referent("lievin", email="ref@example.org")
    auth.login("ref@example.org")
    for action in ("publier", "terminer"):
        assert auth.post(f"/demarches/{process.id}/{action}", form_page="/demarches/").status_code == 403
    assert auth.post(f"/demarches/{process.id}/retour", {"return_text": "Non"}, form_page="/demarches/").status_code == 403
    assert client.get(f"/demarches/{process.id}/gestion").status_code == 403
    assert not db.session.get(Process, process.id).published


def test_referent_opens_for_their_commune_and_admin_for_the_agglomeration(client, auth):
    create_referent("lievin", email="ref@example.org")
    auth.login("ref@example.org")
    page = page_text(client.get("/demarches/nouvelle"))
    assert "Liévin" in page and "Toute l'agglomération (CALL)" not in page
    # no commune: refused for a referent
    response = auth.post("/demarches/nouvelle", form_data(commune=""), form_page="/demarches/nouvelle")
    assert response.status_code == 422
    assert "Choisissez la commune qui mène la démarche" in page_text(response)
    response = auth.post("/demarches/nouvelle", form_data(commune=str(commune("lievin").id)))
    assert response.status_code == 302
    auth.logout()
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = auth.post("/demarches/nouvelle", form_data(commune="", title="Pour toute l'agglo"))
    assert response.status_code == 302
    process = db.session.scalar(select(Process).where(Process.title == "Pour toute l'agglo"))
    assert process.commune is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "process.created",
                                                       AuditEntry.target_id == process.id))
    assert entry is not None
    from labo.audit.services import describe_audit

    assert describe_audit(entry) == "Démarche ouverte (brouillon)\u00a0: «\u00a0Pour toute l'agglo\u00a0»"


def test_opening_form_refuses_bad_input_with_clear_messages(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    cases = [
        (form_data(level="information", method="avis"), "ne va pas avec ce niveau"),
        (form_data(level="codecision", method="single", options="Oui"), "au moins 2 options"),
        (form_data(level="codecision", method="single", options="\n".join(f"Option {n}" for n in range(21))), "20 options au plus"),
        (form_data(closes_at="2030-02-01T09:00"), "La clôture doit venir après l'ouverture"),
        (form_data(answer_by="2030-03-10"), "La date de réponse ne peut pas venir avant la clôture"),
        (form_data(audience="territory"), "Cochez au moins une commune ou un quartier"),
        (form_data(level="bidon"), "Not a valid choice"),
    ]
    for data, message in cases:
        response = auth.post("/demarches/nouvelle", data)
        assert response.status_code == 422, message
        if message != "Not a valid choice":
            assert message in page_text(response)
    assert db.session.scalar(select(func.count(Process.id))) == 0


def test_a_process_is_drafted_then_published_and_sanitised():
    process = create_process(published=False)
    assert "<script>" not in process.context
    assert process.decision_rule.startswith("Chaque personne donne son avis")
    assert not process.published
    services.publish_process(create_admin(), process)
    assert process.published


def test_codecision_is_secret_by_default_and_consultation_never():
    codecision = create_process(level="codecision", method="majority_judgment", options=["Parc", "Jardin", "Parking"])
    assert codecision.secret is True
    assert [o.label for o in codecision.options] == ["Parc", "Jardin", "Parking"]
    assert "meilleure mention majoritaire" in codecision.decision_rule
    consultation = create_process(level="consultation", method="single", options=["Oui", "Non"])
    assert consultation.secret is False
    with pytest.raises(ProcessError) as error:
        create_process(level="concertation", method="single", options=["Oui", "Non"])
    assert error.value.code == "method-level"


def test_level_method_and_options_are_fixed_once_someone_took_part():
    process = create_process()
    services.give_opinion(process, create_user(), stance="favorable", comment="", now=utcnow())
    db.session.commit()
    admin = create_admin()
    fields = dict(title="Nouveau titre", question=process.question, context=process.context, decider=process.decider,
                  options=[], secret=False, max_choices=None, opens_at=process.opens_at, closes_at=process.closes_at,
                  answer_by=process.answer_by, audience="everyone", communes=[], qpvs=[], verified_only=False,
                  commune=process.commune, pillar=None, ambition=None, decision_rule="", easy_read="",
                  may_run_agglomeration=True)
    with pytest.raises(ProcessError) as error:
        services.save_process(admin, process, level="consultation", method="single", **{**fields, "options": ["A", "B"]})
    assert error.value.code == "locked"
    db.session.rollback()
    services.save_process(admin, process, level="consultation", method="avis", **fields)  # the rest may change
    assert process.title == "Nouveau titre"


# --- pages ----------------------------------------------------------------------


def test_list_shows_open_first_with_filters(client):
    closed = create_process(title="Parc clos", opens_in=timedelta(days=-30), lasts=timedelta(days=5))
    upcoming = create_process(title="Square à venir", opens_in=timedelta(days=5))
    opened = create_process(title="Friche ouverte", level="concertation", method="proposals", commune_slug="lievin")
    create_process(title="Brouillon caché", published=False)
    page = page_text(client.get("/demarches/"))
    assert page.index("Friche ouverte") < page.index("Square à venir") < page.index("Parc clos")
    assert "Brouillon caché" not in page
    page = page_text(client.get("/demarches/?level=concertation"))
    assert "Friche ouverte" in page and "Parc clos" not in page
    page = page_text(client.get("/demarches/?commune=lievin"))
    assert "Friche ouverte" in page and "Square à venir" not in page
    page = page_text(client.get("/demarches/?stage=upcoming"))
    assert "Square à venir" in page and "Friche ouverte" not in page
    assert client.get("/demarches/?level=n'importe").status_code == 200
    assert closed.id and upcoming.id and opened.id


def test_the_list_comes_in_pages_open_ones_first(app, client):
    """Years of processes are not one page: 20 a page, open ones first, then
    upcoming, then the closed; the filters and their total hold across pages."""
    per_page = app.config["LABO_PER_PAGE"]
    for n in range(per_page + 1):
        create_process(title=f"Close {n:02d}", opens_in=timedelta(days=-40 - n), lasts=timedelta(days=5))
    create_process(title="Ouverte à Liévin", commune_slug="lievin")
    create_process(title="Bientôt", opens_in=timedelta(days=3))
    first = page_text(client.get("/demarches/"))
    assert f"{per_page + 3} démarches." in first and "Page 1 sur 2" in first
    assert first.index("Ouverte à Liévin") < first.index("Bientôt") < first.index("Close 00")
    assert first.count("Close ") == per_page - 2 and f"Close {per_page - 2}" not in first
    second = page_text(client.get("/demarches/?page=2"))
    assert [f"Close {n}" in second for n in (per_page - 2, per_page - 1, per_page)] == [True] * 3
    assert "Close 00" not in second and "Page 2 sur 2" in second
    only_closed = page_text(client.get("/demarches/?stage=closed"))
    assert f"{per_page + 1} démarches." in only_closed and "Bientôt" not in only_closed
    next_link = re.search(r'href="([^"]+)">Page suivante', only_closed).group(1)
    assert "stage=closed" in next_link and "page=2" in next_link  # the pager keeps the filter
    assert page_text(client.get(next_link.replace("&amp;", "&"))).count("Close ") == 1
    lievin = page_text(client.get("/demarches/?commune=lievin"))
    assert "1 démarche." in lievin and "Ouverte à Liévin" in lievin
    assert client.get("/demarches/?page=999").status_code == 200


def test_detail_says_the_level_first_in_one_plain_sentence(client):
    process = create_process()
    body = page_text(client.get(f"/demarches/{process.id}"))
    sentence = "Consultation : on vous demande votre avis ; c'est le conseil municipal de Lens qui décide"
    assert sentence in body
    assert body.index(sentence) < body.index("Qui décide") < body.index("La règle de décision")
    assert "Les règles en facile à lire" in body and "On vous demande votre avis." in body
    assert "Connectez-vous pour participer." in body


# --- refusals ---------------------------------------------------------------


def _post_opinion(client, auth, process, stance="favorable", comment=""):
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(f"/demarches/{process.id}/avis", data={"csrf_token": token, "stance": stance, "comment": comment})


def test_every_refusal_has_its_message_and_a_4xx(client, auth):
    user = create_user(email="h@example.org", home="lens")
    upcoming = create_process(title="Pas encore", opens_in=timedelta(days=2))
    closed = create_process(title="Close", opens_in=timedelta(days=-20), lasts=timedelta(days=5))
    territory = create_process(title="Liévin", audience="territory", communes=["lievin"])
    territory_qpv = create_process(title="Quartier", audience="territory", qpvs=["QP062028"])
    verified = create_process(title="Vérifiés", verified_only=True)
    anonymous = _post_opinion(client, auth, upcoming)
    assert anonymous.status_code == 409  # not open: said before asking to log in
    open_one = create_process(title="Ouverte")
    response = _post_opinion(client, auth, open_one)
    assert response.status_code == 401 and "Connectez-vous pour participer." in page_text(response)
    auth.login("h@example.org")
    expected = [
        (upcoming, 409, "Cette démarche n'a pas encore commencé"),
        (closed, 409, "Cette démarche est close"),
        (territory, 403, "réservée aux habitantes et habitants des communes ou quartiers indiqués"),
        (territory_qpv, 403, "réservée aux habitantes et habitants des communes ou quartiers indiqués"),
        (verified, 403, "réservée aux comptes vérifiés en personne"),
    ]
    for process, status, message in expected:
        response = _post_opinion(client, auth, process)
        assert response.status_code == status, process.title
        assert message in page_text(response)
        assert message in page_text(client.get(f"/demarches/{process.id}"))  # said before trying, too
    assert db.session.scalar(select(func.count(Participation.id))) == 0
    # living in the QPV (set in one's account) lets one in
    db.session.get(type(user), user.id).home_qpv_id = qpv("QP062028").id
    db.session.commit()
    assert _post_opinion(client, auth, territory_qpv).status_code == 302


def test_verified_people_take_part_after_a_referent_met_them(client, auth):
    person = create_user(email="h@example.org", home="lens", pseudonym="Nadia")
    verified = create_process(title="Vérifiés", verified_only=True)
    create_referent("lievin", email="other@example.org")
    auth.login("other@example.org")
    # a referent of another commune may not vouch for her
    response = auth.post(f"/compte/verifier/{person.id}", form_page="/compte/verifier?q=nadia")
    assert response.status_code == 403
    auth.logout()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert "Nadia" in page_text(client.get("/compte/verifier?q=nadia"))
    response = auth.post(f"/compte/verifier/{person.id}", form_page="/compte/verifier?q=nadia")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.verified_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.verified")) is not None
    auth.logout()
    auth.login("h@example.org")
    assert _post_opinion(client, auth, verified).status_code == 302


# --- consultation -------------------------------------------------------------


def test_opinions_are_public_by_stance_and_changeable_until_closing(client, auth):
    process = create_process()
    create_user(email="h@example.org", pseudonym="Fatima")
    auth.login("h@example.org")
    assert _post_opinion(client, auth, process, "reserve", "Attention au bruit").status_code == 302
    assert _post_opinion(client, auth, process, "favorable", "Finalement oui").status_code == 302
    rows = db.session.scalars(select(Participation).where(Participation.process_id == process.id)).all()
    assert [(r.stance, r.comment) for r in rows] == [("favorable", "Finalement oui")]
    body = page_text(client.get(f"/demarches/{process.id}"))
    assert "Finalement oui" in body and "Fatima" in body and "Attention au bruit" not in body
    assert "Changer mon avis" in body
    assert _post_opinion(client, auth, process, "bof").status_code == 422
    close_process(process, ago=timedelta(hours=1))
    response = _post_opinion(client, auth, process, "defavorable")
    assert response.status_code == 409
    assert db.session.scalar(select(Participation.stance).where(Participation.process_id == process.id)) == "favorable"


def test_a_large_consultation_shows_the_latest_comments_and_pages_through_the_rest(client):
    """Thousands of opinions are not read on one page: the process's page shows
    the counts and the latest comments of each stance, its own pages all of them."""
    process = create_process()
    now = utcnow()
    for n in range(62):
        user = create_user(email=f"a{n}@example.org", pseudonym=f"Voix {n:02d}")
        services.give_opinion(process, user, stance="favorable" if n % 4 else "reserve",
                              comment=f"Commentaire numéro {n:02d}" if n < 60 else "", now=now + timedelta(seconds=n))
    db.session.commit()
    page = page_text(client.get(f"/demarches/{process.id}"))
    assert "Favorable : <strong>46</strong>" in page and "Réservé : <strong>16</strong>" in page
    shown = re.findall(r"Commentaire numéro (\d\d)", page)
    favourable = [n for n in range(60) if n % 4]
    reserved = [n for n in range(60) if not n % 4]
    assert sorted(map(int, shown)) == sorted(favourable[-10:] + reserved[-10:])  # the latest 10 of each
    # ... each stance's newest first, under its own heading (favourable, then reserved)
    assert list(map(int, shown)) == favourable[-10:][::-1] + reserved[-10:][::-1]
    assert "Lire les 60 avis commentés" in page
    first = client.get(f"/demarches/{process.id}/avis")
    assert first.status_code == 200
    first_text = page_text(first)
    assert "60 avis commentés, du plus récent au plus ancien." in first_text and "Page 1 sur 2" in first_text
    second = page_text(client.get(f"/demarches/{process.id}/avis?page=2"))
    listed = [int(n) for n in re.findall(r"Commentaire numéro (\d\d)", first_text + second)]
    assert listed == list(range(59, -1, -1))  # every comment once, newest first
    assert "Voix 59 · Favorable" in first_text and "Voix 00 · Réservé" in second
    assert client.get(f"/demarches/{create_process(level='concertation', title='Autre').id}/avis").status_code == 404
    assert client.get(f"/demarches/{create_process(published=False, title='Brouillon').id}/avis").status_code == 404


def test_a_consultation_cannot_finish_before_its_return(client, auth):
    process = create_process()
    admin = create_admin(email="admin@example.org")
    with pytest.raises(ProcessError) as error:
        services.publish_return(admin, process, "Trop tôt", utcnow())
    assert error.value.code == "return-not-closed"
    close_process(process, ago=timedelta(hours=1))
    auth.login("admin@example.org")
    response = auth.post(f"/demarches/{process.id}/terminer", form_page=f"/demarches/{process.id}/gestion")
    assert response.status_code == 409
    assert "Publiez d'abord le retour de qui décide" in page_text(response)
    assert db.session.get(Process, process.id).finished_at is None
    response = auth.post(f"/demarches/{process.id}/retour", {"return_text": "Le conseil a retenu l'idée du jardin."},
                         form_page=f"/demarches/{process.id}/gestion")
    assert response.status_code == 302
    body = page_text(client.get(f"/demarches/{process.id}"))
    assert "Le conseil a retenu l'idée du jardin." in body and "Retour publié" in body
    response = auth.post(f"/demarches/{process.id}/terminer", form_page=f"/demarches/{process.id}/gestion")
    assert response.status_code == 302
    assert db.session.get(Process, process.id).finished_at is not None


def test_a_late_return_is_flagged(client):
    process = create_process(opens_in=timedelta(days=-40), lasts=timedelta(days=5), answer_in_days=3)
    assert "Le retour est en retard." in page_text(client.get(f"/demarches/{process.id}"))
    services.publish_return(create_admin(), process, "Voici notre réponse.", utcnow())
    db.session.commit()
    assert "En retard : la réponse était promise" in page_text(client.get(f"/demarches/{process.id}"))


def test_fifty_concurrent_opinions_from_one_account_store_one(app):
    process = create_process()
    user = create_user()
    process_id, user_id = process.id, user.id
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []
    from labo.accounts.models import User

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=30)  # all fifty start together
            with app.app_context():
                target = db.session.get(Process, process_id)
                person = db.session.get(User, user_id)
                services.give_opinion(target, person, stance="favorable" if n % 2 else "reserve",
                                      comment=f"avis {n}", now=utcnow())
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.commit()
    assert db.session.scalar(select(func.count(Participation.id)).where(Participation.process_id == process_id)) == 1


# --- information ---------------------------------------------------------------


def test_questions_are_answered_publicly_and_abusive_ones_hidden(client, auth):
    process = create_process(level="information", method="questions")
    create_user(email="h@example.org", pseudonym="Karim")
    auth.login("h@example.org")
    page = f"/demarches/{process.id}"
    assert auth.post(f"{page}/questions", {"body": "Quand commencent les travaux ?"}, form_page=page).status_code == 302
    assert auth.post(f"{page}/questions", {"body": "Des insultes"}, form_page=page).status_code == 302
    assert auth.post(f"{page}/questions", {"body": ""}, form_page=page).status_code == 422
    assert auth.post(f"{page}/avis", {"stance": "favorable"}, form_page=page).status_code == 409  # no vote here
    auth.logout()
    referent = create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    first, second = db.session.scalars(select(Question).order_by(Question.id)).all()
    manage = f"{page}/gestion"
    response = auth.post(f"{page}/questions/{first.id}/reponse", {f"q{first.id}-answer": "En **mai**. <script>x</script>"},
                         form_page=manage)
    assert response.status_code == 302
    response = auth.post(f"{page}/questions/{second.id}/masquer", {"hidden": "1"}, form_page=manage)
    assert response.status_code == 302
    body = page_text(client.get(page))
    assert "Quand commencent les travaux ?" in body and "En **mai**." in body and "Karim" in body
    assert "<script>x" not in client.get(page).get_data(as_text=True)
    auth.logout()
    body = page_text(client.get(page))
    assert "Des insultes" not in body
    assert referent.id


# --- concertation ----------------------------------------------------------------


def test_concertation_proposals_supports_and_answers(client, auth):
    process = create_process(level="concertation", method="proposals")
    page = f"/demarches/{process.id}"
    create_user(email="a@example.org", pseudonym="Awa")
    create_user(email="b@example.org", pseudonym="Bruno")
    auth.login("a@example.org")
    assert auth.post(f"{page}/propositions", {"title": "Des bancs", "body": "À l'ombre."}, form_page=page).status_code == 302
    assert auth.post(f"{page}/propositions", {"title": "", "body": "x"}, form_page=page).status_code == 422
    proposal = db.session.scalar(select(Proposal))
    auth.logout()
    auth.login("b@example.org")
    for _ in range(2):  # a second click changes nothing
        assert auth.post(f"{page}/propositions/{proposal.id}/soutenir", form_page=page).status_code == 302
    assert db.session.scalar(select(func.count(ProposalSupport.id))) == 1
    assert db.session.scalar(select(func.count(Participation.id)).where(Participation.process_id == process.id)) == 2
    assert "1 soutien" in page_text(client.get(page))
    auth.logout()
    close_process(process, ago=timedelta(hours=1))
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    manage = f"{page}/gestion"
    auth.post(f"{page}/retour", {"return_text": "Merci à tous."}, form_page=manage)
    response = auth.post(f"{page}/terminer", form_page=manage)
    assert response.status_code == 409 and "Répondez d'abord à chaque proposition" in page_text(response)
    response = auth.post(f"{page}/propositions/{proposal.id}/reponse", {f"p{proposal.id}-decision": "retenue"},
                         form_page=manage)
    assert response.status_code == 422 and "Donnez la raison" in page_text(response)
    response = auth.post(f"{page}/propositions/{proposal.id}/reponse",
                         {f"p{proposal.id}-decision": "retenue", f"p{proposal.id}-reason": "Posés en juin."},
                         form_page=manage)
    assert response.status_code == 302
    assert auth.post(f"{page}/terminer", form_page=manage).status_code == 302
    body = page_text(client.get(page))
    assert "Retenue" in body and "Posés en juin." in body and "Terminée" in body


# --- codécision: finishing needs the frozen result -------------------------------


def test_codecision_finishes_only_with_its_result_shown_as_the_decision(client):
    process = create_process(level="codecision", method="single", options=["Parc", "Jardin"])
    close_process(process, ago=timedelta(hours=1))
    admin = create_admin()
    with pytest.raises(ProcessError) as error:
        services.publish_return(admin, process, "Nous ferons un parking.", utcnow())
    assert error.value.code == "result-first"
    with pytest.raises(ProcessError) as error:
        services.finish_process(admin, process, utcnow())
    assert error.value.code == "finish-needs-result"
    process.result = '{"winner": "Jardin", "ranking": [{"label": "Jardin", "count": 12}, {"label": "Parc", "count": 7}]}'
    process.result_published_at = utcnow()
    services.publish_return(admin, process, "Le jardin sera fait au printemps.", utcnow())
    services.finish_process(admin, process, utcnow())
    db.session.commit()
    body = page_text(client.get(f"/demarches/{process.id}"))
    assert body.index("La décision : le résultat du vote") < body.index("Option retenue : Jardin") < body.index(
        "Le jardin sera fait au printemps.")


# --- personal data ---------------------------------------------------------------


def test_export_and_erase_include_participations(app):
    from labo.privacy.personal_data import erase_account, export_personal_data

    process = create_process()
    user = create_user()
    services.give_opinion(process, user, stance="reserve", comment="Trop cher", now=utcnow())
    db.session.commit()
    data = export_personal_data(user)
    assert data["process_participations"][0]["process"] == process.title
    assert data["process_participations"][0]["stance"] == "reserve"
    erase_account(app.config, user, "un mot de passe")
    db.session.commit()
    assert db.session.scalar(select(Participation.user_id)) is None  # counted, no longer anyone's


# --- the demo ----------------------------------------------------------------------


def test_the_demo_seeds_one_process_per_level_once(app, client):
    from labo.demo import seed_demo
    from labo.processes.demo import DEMO_TITLES, seed

    seed_demo(app.config)
    db.session.commit()
    assert seed(app.config) == 5
    db.session.commit()
    assert seed(app.config) == 0
    processes = {p.title: p for p in db.session.scalars(select(Process))}
    assert set(processes) == set(DEMO_TITLES.values())
    assert {p.level for p in processes.values()} == {"information", "consultation", "concertation", "codecision"}
    now = utcnow()
    from labo.processes.eligibility import stage

    answered = processes[DEMO_TITLES["consultation_answered"]]
    assert stage(answered, now).value == "answered" and not services.return_is_late(answered, now.date())
    assert stage(processes[DEMO_TITLES["consultation_open"]], now).value == "open"
    assert stage(processes[DEMO_TITLES["codecision_open"]], now).value == "open"
    assert len(processes[DEMO_TITLES["codecision_open"]].options) == 3
    information = page_text(client.get(f"/demarches/{processes[DEMO_TITLES['information']].id}"))
    assert "Oui : le samedi de 8 h à 13 h" in information
    concertation = page_text(client.get(f"/demarches/{processes[DEMO_TITLES['concertation']].id}"))
    assert "Un jardin partagé" in concertation and "Retenue" in concertation
    for process in processes.values():
        assert client.get(f"/demarches/{process.id}").status_code == 200


def test_residents_give_their_qpv_in_their_account_to_join_a_process_reserved_to_it(client, auth):
    process = create_process(title="Quartier Calonne", audience="territory", qpvs=["QP062028"])
    create_user(email="h@example.org", home="lievin")
    auth.login("h@example.org")
    assert "Mon quartier prioritaire (facultatif)" in page_text(client.get("/compte/"))
    assert _post_opinion(client, auth, process).status_code == 403
    calonne = qpv("QP062028")
    response = auth.post("/compte/", {"home_commune": str(commune("lievin").id), "home_qpv": str(calonne.id),
                                      "age_band": "", "locale": ""})
    assert response.status_code == 302
    assert auth.post("/compte/", {"home_qpv": "999999"}).status_code == 422  # not a neighbourhood we know
    assert _post_opinion(client, auth, process).status_code == 302
    assert db.session.scalar(select(Participation.qpv_id)) == calonne.id
