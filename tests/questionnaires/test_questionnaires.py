"""Questionnaires: built by a manager on a phone, answered online (with an
account, or without anything when allowed), entered from paper, typed at
the door (a retried send never doubles), and read as results with every
group under 5 hidden."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import Role
from labo.extensions import db
from labo.questionnaires import services
from labo.questionnaires.models import Answer, Questionnaire, Response
from tests.conftest import csrf_from, page_text
from tests.factories import commune, create_admin, create_meeting, create_referent, create_user


def satisfaction(actor=None, *, slug="lens", open_it=True, anonymous=False):
    actor = actor or create_admin()
    meeting = create_meeting(title="Rencontre de mars", commune_slug=slug)
    q = services.create_questionnaire(actor, title="Votre avis sur la rencontre", meeting=meeting,
                                      allows_anonymous=anonymous, satisfaction=True)
    if open_it:
        services.open_questionnaire(actor, q)
    db.session.commit()
    return q


def words(response) -> str:
    """The page's text without its markup, spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def answers_for(q, useful="4", again="0", word=""):
    qs = q.questions
    return {qs[0].id: [useful], qs[1].id: ["5"], qs[2].id: ["3"], qs[3].id: [again], qs[4].id: [word]}


def form_for(q, useful="4", again="0", word=""):
    return {f"q{k}": v[0] for k, v in answers_for(q, useful, again, word).items()}


# --- the database keeps it whole ------------------------------------------------------------


def test_the_satisfaction_template_makes_the_five_usual_questions_in_order(app):
    q = satisfaction(open_it=False)
    assert [x.kind for x in q.questions] == ["scale", "scale", "scale", "one", "text"]
    assert [x.position for x in q.questions] == [1, 2, 3, 4, 5]
    assert "utile" in q.questions[0].text and q.questions[3].choice_list == ["Oui", "Peut-être", "Non"]
    assert q.commune.slug == "lens" and q.state == "draft"


def test_one_response_per_account_is_the_database_s_rule(app):
    q = satisfaction()
    person = create_user()
    services.submit_response(q, answers_for(q), channel="online", user=person)
    db.session.commit()
    with pytest.raises(services.QuestionnaireError) as refused:
        services.submit_response(q, answers_for(q), channel="online", user=person)
    assert refused.value.code == "already-answered"
    db.session.rollback()
    # Even written straight into the table, a second one is refused.
    db.session.add(Response(questionnaire_id=q.id, channel="online", user_id=person.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_checks_refuse_an_answer_with_two_values_or_a_scale_of_six(app):
    q = satisfaction()
    response = Response(questionnaire_id=q.id, channel="paper")
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=q.questions[0].id, scale=6))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    response = Response(questionnaire_id=q.id, channel="paper")
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=q.questions[0].id, scale=3, text="et aussi"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Response(questionnaire_id=q.id, channel="door", user_id=create_user().id))
    with pytest.raises(IntegrityError):  # an account only online
        db.session.flush()
    db.session.rollback()


def test_the_same_door_key_sent_twice_makes_one_response(app):
    q = satisfaction()
    interviewer = create_user(roles=[(Role.AMBASSADOR, None)])
    first = services.submit_response(q, answers_for(q), channel="door", entered_by=interviewer,
                                     client_key="abcdefgh1234")
    db.session.commit()
    again = services.submit_response(q, answers_for(q), channel="door", entered_by=interviewer,
                                     client_key="abcdefgh1234")
    db.session.commit()
    assert first.new and not again.new and first.response_id == again.response_id
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(func.count(Answer.id))) == 4  # the empty free text is no answer


def test_missing_required_answers_are_named_one_by_one(app):
    q = satisfaction()
    raw = answers_for(q)
    raw[q.questions[1].id] = []
    raw[q.questions[3].id] = ["7"]
    with pytest.raises(services.AnswersRefused) as refused:
        services.submit_response(q, raw, channel="online", user=create_user())
    assert refused.value.errors == {q.questions[1].id: "answer-required", q.questions[3].id: "choice-unknown"}


# --- a manager builds it on a phone ------------------------------------------------------------


def test_a_referent_builds_reorders_and_opens_a_questionnaire(app, client, auth):
    referent = create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    response = auth.post("/questionnaires/nouveau", {"title": "Le square", "intro": "Votre avis sur le square.",
                                                     "commune": str(commune("lens").id), "template": ""})
    assert response.status_code == 302
    q = db.session.scalar(select(Questionnaire).where(Questionnaire.title == "Le square"))
    manage = f"/questionnaires/{q.id}/gerer"
    assert response.headers["Location"].endswith(manage)
    add = f"/questionnaires/{q.id}/questions/nouvelle"
    assert auth.post(add, {"text": "Venez-vous au square ?", "kind": "one", "choices": "Oui\nNon",
                           "required": "y", "next": "another"}).headers["Location"].endswith(add)
    refused = auth.post(add, {"text": "Que manque-t-il ?", "kind": "many", "choices": "Des bancs"})
    assert refused.status_code == 422
    assert "Écrivez au moins deux réponses possibles" in page_text(refused)
    assert 'value="Que manque-t-il ?"' in refused.get_data(as_text=True)  # nothing typed is lost
    assert auth.post(add, {"text": "Que manque-t-il ?", "kind": "many", "choices": "Des bancs\nDe l'ombre\n"},
                     ).status_code == 302
    db.session.expire_all()
    first, second = q.questions
    assert auth.post(f"/questionnaires/{q.id}/questions/{second.id}/deplacer", {"direction": "up"},
                     form_page=manage).status_code == 302
    db.session.expire_all()
    assert [x.text for x in q.questions] == ["Que manque-t-il ?", "Venez-vous au square ?"]
    assert auth.post(f"/questionnaires/{q.id}/ouvrir", form_page=manage).status_code == 302
    db.session.expire_all()
    assert q.state == "open"
    # Open: the questions no longer change.
    assert auth.post(f"/questionnaires/{q.id}/questions/{first.id}/retirer", form_page=manage).status_code == 302
    db.session.expire_all()
    assert len(q.questions) == 2
    # A referent of another commune manages nothing here.
    other = create_referent("lievin", email="other@example.org")
    auth.logout()
    auth.login("other@example.org")
    assert client.get(manage).status_code == 403
    assert other and referent


# --- answering online ----------------------------------------------------------------------------


def test_a_missing_answer_is_said_beside_its_question_and_nothing_typed_is_lost(app, client, auth):
    q = satisfaction()
    create_user(email="habitante@example.org", home="lens")
    auth.login("habitante@example.org")
    data = form_for(q, word="Plus de café")
    data.pop(f"q{q.questions[1].id}")
    response = auth.post(f"/questionnaires/{q.id}", data)
    assert response.status_code == 422
    text = page_text(response)
    assert "Il faut répondre à cette question." in text
    html = response.get_data(as_text=True)
    assert f'name="q{q.questions[0].id}" id="q{q.questions[0].id}-4" value="4" checked' in html
    assert "Plus de café" in html
    assert auth.post(f"/questionnaires/{q.id}", form_for(q)).status_code == 302
    again = auth.post(f"/questionnaires/{q.id}", form_for(q), follow_redirects=True)
    assert "déjà répondu" in page_text(again)
    response_row = db.session.scalar(select(Response))
    assert response_row.commune.slug == "lens" and response_row.channel == "online"
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_without_an_account_one_answer_per_device(app, client):
    q = satisfaction(anonymous=True)
    page = client.get(f"/questionnaires/{q.id}").get_data(as_text=True)
    started = re.search(r'name="started" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "started": started, **form_for(q)}
    too_fast = client.post(f"/questionnaires/{q.id}", data=data)
    assert too_fast.status_code == 422 and "Prenez le temps" in page_text(too_fast)
    app.config["LABO_GUEST_MIN_SECONDS"] = 0
    try:
        assert client.post(f"/questionnaires/{q.id}", data={**data, "age_band": "26_44"}).status_code == 302
        again = client.post(f"/questionnaires/{q.id}", data=data, follow_redirects=True)
        assert "déjà été envoyée depuis cet appareil" in page_text(again)
        assert "Vous avez répondu" in page_text(client.get(f"/questionnaires/{q.id}"))
    finally:
        app.config["LABO_GUEST_MIN_SECONDS"] = 4
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(Response.age_band)) == "26_44"


def test_without_permission_to_answer_anonymously_a_visitor_is_sent_to_log_in(app, client):
    q = satisfaction()
    page = client.get(f"/questionnaires/{q.id}")
    assert "connectez-vous" in page_text(page).lower()
    response = client.post(f"/questionnaires/{q.id}", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                            **form_for(q)})
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Response.id))) == 0


# --- paper and door ------------------------------------------------------------------------------------


def test_a_referent_enters_paper_sheets_one_after_the_other(app, client, auth):
    q = satisfaction()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    url = f"/questionnaires/{q.id}/papier"
    page = client.get(url).get_data(as_text=True)
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "client_key": key, "next": "another",
            "commune": str(commune("lens").id), **form_for(q)}
    first = client.post(url, data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith(url)
    assert client.post(url, data=data).status_code == 302  # sent twice: one sheet
    following = client.get(url, follow_redirects=True)
    assert "Feuilles déjà saisies : 1." in page_text(following)
    assert db.session.scalar(select(func.count(Response.id))) == 1
    row = db.session.scalar(select(Response))
    assert row.channel == "paper" and row.user_id is None and row.entered_by_id is not None


def test_the_door_answers_in_json_and_a_retry_never_doubles(app, client, auth):
    q = satisfaction()
    create_user(email="amb@example.org", roles=[(Role.AMBASSADOR, None)])
    auth.login("amb@example.org")
    url = f"/questionnaires/{q.id}/porte-a-porte"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "client_key": "k3y-made-on-the-phone", **form_for(q)}
    first = client.post(url, data=data, headers={"Accept": "application/json"})
    retry = client.post(url, data=data, headers={"Accept": "application/json"})
    assert first.status_code == retry.status_code == 200
    assert first.json["id"] == retry.json["id"] and first.json["new"] and not retry.json["new"]
    bad = client.post(url, data={**data, "client_key": "another-key-123", f"q{q.questions[0].id}": ""},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422 and str(q.questions[0].id) in bad.json["questions"]
    assert db.session.scalar(select(func.count(Response.id))) == 1
    # A resident cannot survey at the door.
    auth.logout()
    create_user(email="res@example.org")
    auth.login("res@example.org")
    assert client.get(url).status_code == 403


# --- results --------------------------------------------------------------------------------------------


def test_results_hide_every_group_under_five_and_free_texts_from_the_public(app, client, auth):
    q = satisfaction()
    for i in range(6):
        services.submit_response(q, answers_for(q, useful="5" if i < 4 else "2", word=f"Texte {i}"),
                                 channel="online", user=create_user(home="lens"))
    for i in range(2):
        services.submit_response(q, answers_for(q, useful="1"), channel="paper", commune=commune("lievin"),
                                 client_key=f"paper-key-{i}")
    db.session.commit()
    res = services.results(q)
    useful = res.questions[0]
    assert useful.answered == 8 and useful.average == "3,3"
    by_commune = next(b for b in useful.breakdowns if b.key == "commune")
    cells = {row.label: values for row, values in by_commune.shown.rows}
    assert cells["Liévin"][0] == "< 5"      # 2 people of Liévin: hidden
    assert dict(by_commune.averages)["Liévin"] == "< 5"
    assert dict(by_commune.averages)["Lens"] == "4,0"
    assert res.questions[4].texts == []
    services.close_questionnaire(create_admin(), q)
    db.session.commit()
    public = page_text(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "Note moyenne : 3,3 sur 5" in public and "Texte 1" not in public
    api = client.get(f"/api/v1/questionnaires/{q.id}").json
    assert "Texte 1" not in json.dumps(api)
    assert api["results"]["responses"] == 8
    csv_response = client.get(f"/questionnaires/{q.id}/resultats.csv")
    assert csv_response.data.startswith("\ufeff".encode()) and b";" in csv_response.data
    assert "Texte" not in csv_response.data.decode("utf-8-sig")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert "Texte 1" in page_text(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "Texte 1" in page_text(client.get(f"/questionnaires/{q.id}/synthese"))


def test_the_api_lists_no_draft_and_gives_results_only_once_closed(app, client):
    draft = satisfaction(open_it=False)
    opened = satisfaction()
    listed = client.get("/api/v1/questionnaires").json
    assert [x["id"] for x in listed] == [opened.id]
    assert listed[0]["results"] is None
    assert client.get(f"/api/v1/questionnaires/{draft.id}").status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/questionnaires/{questionnaire_id}" in spec["paths"]


# --- personal data -------------------------------------------------------------------------------


def test_erasing_an_account_keeps_its_answers_in_the_counts_without_its_free_text(app):
    from labo.privacy.personal_data import erase_user, export_personal_data

    q = satisfaction()
    person = create_user()
    services.submit_response(q, answers_for(q, word="Mon nom est Josiane"), channel="online", user=person)
    db.session.commit()
    exported = export_personal_data(person)
    assert exported["questionnaire_responses"][0]["questionnaire"] == "Votre avis sur la rencontre"
    erase_user(app.config, person)
    db.session.commit()
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(Response.user_id)) is None
    assert db.session.scalar(select(func.count(Answer.id)).where(Answer.text.is_not(None))) == 0
    assert services.results(q).questions[0].answered == 1


# --- the COPIL's dashboard ---------------------------------------------------------------------


def test_the_copil_dashboard_shows_each_meeting_s_satisfaction_with_small_counts_hidden(app, client, auth):
    big = satisfaction()
    small = satisfaction(slug="lievin")
    for i in range(5):
        services.submit_response(big, answers_for(big, useful="4" if i else "3"), channel="paper",
                                 client_key=f"paper-big-{i}")
    for i in range(2):
        services.submit_response(small, answers_for(small), channel="paper", client_key=f"paper-small-{i}")
    db.session.commit()
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    text = words(client.get("/copil/"))
    section = text[text.index("Satisfaction après les rencontres"):]
    assert "Cette rencontre vous a-t-elle été utile ? 3,8 sur 5" in section
    assert "Réponses : 2" in section and "< 5 sur 5" in section
    report = words(client.get("/copil/rapport"))
    assert "Satisfaction après les rencontres" in report and "3,8 sur 5" in report


# --- printed participation cards -----------------------------------------------------------------


def test_a_printed_card_answers_once_without_an_account(app, client):
    from flask import current_app

    from labo.cards import services as cards
    from labo.cards.models import ParticipationCard
    from labo.core.db import utcnow
    from tests.factories import insert_process

    admin = create_admin()
    process = insert_process(level="consultation", method="avis", options=(), accepts_cards=True)
    q = services.create_questionnaire(admin, title="Consultation du square", process=process, accepts_cards=True,
                                      satisfaction=True)
    services.open_questionnaire(admin, q)
    _sheet, codes = cards.print_sheet(admin, process, 2, utcnow(), current_app.config["SECRET_KEY"])
    db.session.commit()
    app.config["LABO_GUEST_MIN_SECONDS"] = 0
    try:
        page = client.get(f"/questionnaires/{q.id}").get_data(as_text=True)
        assert 'name="card_code"' in page
        base = {"csrf_token": csrf_from(page), "started": re.search(r'name="started" value="([^"]+)"', page).group(1),
                **form_for(q)}
        without = client.post(f"/questionnaires/{q.id}", data=base)
        assert without.status_code == 422 and "Tapez le code de votre carte" in page_text(without)
        wrong = client.post(f"/questionnaires/{q.id}", data={**base, "card_code": "ABCD-EFGH"})
        assert wrong.status_code == 422 and "Ce code n'existe pas" in page_text(wrong)
        typed = cards.show_code(codes[0]).lower().replace("-", " ")  # typed as people do
        assert client.post(f"/questionnaires/{q.id}", data={**base, "card_code": typed}).status_code == 302
        again = client.post(f"/questionnaires/{q.id}", data={**base, "card_code": codes[0]})
        assert again.status_code == 422 and "déjà servi" in page_text(again)
        # The same tablet, the next person with the other card.
        assert client.post(f"/questionnaires/{q.id}", data={**base, "card_code": codes[1]}).status_code == 302
    finally:
        app.config["LABO_GUEST_MIN_SECONDS"] = 4
    rows = list(db.session.scalars(select(Response)))
    assert [r.channel for r in rows] == ["card", "card"] and all(r.user_id is None for r in rows)
    assert db.session.scalar(select(func.count(ParticipationCard.id)).where(ParticipationCard.used_at.is_not(None))) == 2


# --- under concurrency ---------------------------------------------------------------------------


def _all_at_once(app, n: int, work) -> tuple[list, list]:
    """`work(i)` in `n` threads started together, each in its own app context; (outcomes, errors)."""
    import threading

    barrier = threading.Barrier(n)
    outcomes: list = []
    errors: list = []

    def one(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            with app.app_context():
                try:
                    outcomes.append(work(i))
                    db.session.commit()
                except services.QuestionnaireError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, errors


def test_twenty_sends_at_once_store_one_response_per_account_and_one_per_door_key(app):
    q = satisfaction()
    person = create_user()
    interviewer = create_user(roles=[(Role.AMBASSADOR, None)])
    q_id, person_id, interviewer_id, raw = q.id, person.id, interviewer.id, answers_for(q)

    def online(i: int):
        services.submit_response(db.session.get(Questionnaire, q_id), raw, channel="online",
                                 user=db.session.get(type(person), person_id))
        return "stored"

    outcomes, errors = _all_at_once(app, 20, online)
    assert not errors, errors[:3]
    assert outcomes.count("stored") == 1 and set(outcomes) == {"stored", "already-answered"}

    def door(i: int):
        done = services.submit_response(db.session.get(Questionnaire, q_id), raw, channel="door",
                                        entered_by=db.session.get(type(interviewer), interviewer_id),
                                        client_key="the-same-phone-key")
        return "stored" if done.new else "same"

    outcomes, errors = _all_at_once(app, 20, door)
    assert not errors, errors[:3]
    assert outcomes.count("stored") == 1 and set(outcomes) == {"stored", "same"}
    db.session.commit()
    assert db.session.scalar(select(func.count(Response.id))) == 2
    assert db.session.scalar(select(func.count(Answer.id))) == 8


def test_a_meeting_s_page_lists_its_survey_and_offers_its_referent_to_make_one(app, client, auth):
    q = satisfaction()
    meeting_page = f"/rencontres/{q.meeting_id}"
    public = words(client.get(meeting_page))
    assert "Votre avis sur la rencontre" in public and "Faire un questionnaire de satisfaction" not in public
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    page = client.get(meeting_page).get_data(as_text=True)
    assert f'href="/questionnaires/nouveau?rencontre={q.meeting_id}"' in page
    form = client.get(f"/questionnaires/nouveau?rencontre={q.meeting_id}").get_data(as_text=True)
    assert f'<option selected value="{q.meeting_id}">' in form and '<option selected value="satisfaction">' in form


def test_a_digit_that_is_not_0_to_9_is_refused_with_a_message_not_a_500(app, client, auth):
    """A superscript "²" passes str.isdigit() but not int(): a choice or a
    commune sent as "²" is told plainly, never an error page."""
    q = satisfaction()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    url = f"/questionnaires/{q.id}/papier"
    page = client.get(url).get_data(as_text=True)
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    sent = {"csrf_token": csrf_from(page), "client_key": key, **form_for(q)}
    choice = client.post(url, data={**sent, f"q{q.questions[3].id}": "²"})
    assert choice.status_code == 422
    assert "Choisissez une réponse de la liste." in page_text(choice)
    assert client.post(url, data={**sent, "commune": "²"}).status_code == 400
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_number_question_s_extremes_are_for_managers_and_its_average_from_five_answers(app, client, auth):
    """The smallest and the largest number are each one person's answer (the
    only household of 37 in the street): the public, the CSV and the API get
    the average only, and only from 5 answers; the managers see the range."""
    admin = create_admin()
    q = services.create_questionnaire(admin, title="Votre foyer", commune=commune("lens"))
    services.add_question(admin, q, kind="number", text="Combien de personnes vivent chez vous ?")
    services.open_questionnaire(admin, q)
    for i, n in enumerate(["2", "3", "37"]):
        services.submit_response(q, {q.questions[0].id: [n]}, channel="paper", client_key=f"paper-key-{i}")
    services.close_questionnaire(admin, q)
    db.session.commit()
    public = words(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "37" not in public and "14,0" not in public and "Personnes qui ont répondu : 3" in public
    api = client.get(f"/api/v1/questionnaires/{q.id}").json["results"]["questions"][0]
    assert "37" not in json.dumps(api["number"]) and "14,0" not in json.dumps(api["number"])
    assert "37" not in client.get(f"/questionnaires/{q.id}/resultats.csv").data.decode("utf-8-sig")
    # from five answers, the average; the range still for managers only
    services.open_questionnaire(admin, q)
    for i, n in enumerate(["4", "4"]):
        services.submit_response(q, {q.questions[0].id: [n]}, channel="paper", client_key=f"paper-key-{i + 3}")
    services.close_questionnaire(admin, q)
    db.session.commit()
    public = words(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "Moyenne : 10,0" in public and "37" not in public
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert "de 2 à 37" in words(client.get(f"/questionnaires/{q.id}/resultats"))


def test_a_form_sent_twice_before_the_first_answer_comes_back_counts_once(app, client):
    """A double tap, or a send retried on a slow network, without an account:
    the second request leaves before the first one's cookie arrives. The key
    drawn with the page makes it the same response, and the person is thanked."""
    q = satisfaction(anonymous=True)
    page = client.get(f"/questionnaires/{q.id}").get_data(as_text=True)
    started = re.search(r'name="started" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "started": started, **form_for(q)}
    key = re.search(r'name="client_key" value="([^"]+)"', page)
    if key:
        data["client_key"] = key.group(1)
    app.config["LABO_GUEST_MIN_SECONDS"] = 0
    try:
        assert client.post(f"/questionnaires/{q.id}", data=data).status_code == 302
        client.delete_cookie("labo_questionnaires")  # the second send left with the cookies of the first
        again = client.post(f"/questionnaires/{q.id}", data=data, follow_redirects=True)
        assert again.status_code == 200 and "Merci" in page_text(again)
    finally:
        app.config["LABO_GUEST_MIN_SECONDS"] = 4
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_answers_sent_after_the_questionnaire_closed_are_told_so_not_sent_to_log_in(app, client, auth):
    """The page was open when the manager closed the questionnaire: the
    person is told it is closed, not sent to the login page or a 403."""
    q = satisfaction(anonymous=True)
    page = client.get(f"/questionnaires/{q.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "started": re.search(r'name="started" value="([^"]+)"', page).group(1),
            **form_for(q)}
    services.close_questionnaire(create_admin(), q)
    db.session.commit()
    sent = client.post(f"/questionnaires/{q.id}", data=data)
    assert sent.status_code == 302 and "/connexion" not in sent.headers["Location"]
    assert "Ce questionnaire n'est pas ouvert." in page_text(client.get(sent.headers["Location"]))
    create_user(email="res@example.org")
    auth.login("res@example.org")
    page = client.get(f"/questionnaires/{q.id}").get_data(as_text=True)
    member = client.post(f"/questionnaires/{q.id}", data={**form_for(q), "csrf_token": csrf_from(page)})
    assert member.status_code == 302
    assert "Ce questionnaire n'est pas ouvert." in page_text(client.get(member.headers["Location"]))
    assert db.session.scalar(select(func.count(Response.id))) == 0


@pytest.mark.parametrize("where", ["", "/papier", "/porte-a-porte"])
def test_answers_sent_with_a_page_kept_too_long_come_back_as_they_were_typed(app, client, auth, where):
    """A phone left on the questionnaire overnight: its form's token has
    expired. The answers come back ticked and typed, with one plain sentence
    and a fresh token, instead of an error page that loses them."""
    q = satisfaction()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    url = f"/questionnaires/{q.id}{where}"
    data = {**form_for(q, useful="2", word="Trop de bruit dans la salle"),
            "csrf_token": "IjQ2ZDJmOGNhYjY0ZDg2ZTE2ODg4ZGU2NmYwNjQ3NjY2YzI3ZWYxNTci.aPq0Zw.not-a-real-signature"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page_text(response).count("La page était ouverte depuis longtemps : vérifiez et renvoyez.") == 1
    assert "Trop de bruit dans la salle" in page
    assert re.search(rf'name="q{q.questions[0].id}" id="q{q.questions[0].id}-2" value="2" checked', page)
    assert 'name="csrf_token"' in page and "not-a-real-signature" not in page
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_question_answered_by_fewer_than_five_people_shows_no_counts_to_the_public(app, client, auth):
    """Three people answered after a small meeting: "Non : 1" would tell the
    room who will not come back. Under 5 answers, the public page, the CSV
    and the API say so instead of the counts and the average (as the COPIL
    does); the managers still read them."""
    q = satisfaction()
    for i, again in enumerate(["0", "0", "2"]):
        services.submit_response(q, answers_for(q, useful=str(i + 1), again=again), channel="paper",
                                 client_key=f"paper-key-{i}")
    services.close_questionnaire(create_admin(), q)
    db.session.commit()
    public = words(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "Réponses : 3" in public
    assert "Moins de 5 personnes ont répondu à cette question" in public
    assert "Note moyenne" not in public and "Non : 1" not in public
    summary = words(client.get(f"/questionnaires/{q.id}/synthese"))
    assert "Note moyenne" not in summary and "Non : 1" not in summary
    api = client.get(f"/api/v1/questionnaires/{q.id}").json["results"]
    assert api["responses"] == 3
    assert all(x["counts"] == [] and x["average"] is None for x in api["questions"])
    lines = client.get(f"/questionnaires/{q.id}/resultats.csv").data.decode("utf-8-sig").splitlines()
    assert not any(line.endswith(";1") for line in lines if "Reviendriez" in line)
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    manager = words(client.get(f"/questionnaires/{q.id}/resultats"))
    assert "Note moyenne : 2,0 sur 5" in manager and "Non : 1" in manager


def test_a_card_form_sent_twice_is_one_response_not_a_used_card(app):
    from flask import current_app

    from labo.cards import services as cards
    from labo.core.db import utcnow
    from tests.factories import insert_process

    admin = create_admin()
    process = insert_process(level="consultation", method="avis", options=(), accepts_cards=True)
    q = services.create_questionnaire(admin, title="Consultation du square", process=process, accepts_cards=True,
                                      satisfaction=True)
    services.open_questionnaire(admin, q)
    _sheet, codes = cards.print_sheet(admin, process, 1, utcnow(), current_app.config["SECRET_KEY"])
    db.session.commit()
    secret = current_app.config["SECRET_KEY"]
    first = services.submit_with_card(q, answers_for(q), codes[0], secret, client_key="page-key-0001")
    db.session.commit()
    again = services.submit_with_card(q, answers_for(q), codes[0], secret, client_key="page-key-0001")
    db.session.commit()
    assert first.new and not again.new and again.response_id == first.response_id
    with pytest.raises(cards.CardError):  # another page, the same card: used
        services.submit_with_card(q, answers_for(q), codes[0], secret, client_key="page-key-0002")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_interviews_and_sheets_made_before_the_closing_still_come_in_for_two_weeks(app, client, auth):
    """A phone back in the network after the closing, sheets typed the next
    week: what was collected while the questionnaire was open is not lost."""
    from datetime import timedelta

    from labo.core.db import utcnow

    q = satisfaction()
    admin = create_admin(email="boss@example.org")
    create_user(email="amb@example.org", roles=[(Role.AMBASSADOR, None)])
    auth.login("amb@example.org")
    door = f"/questionnaires/{q.id}/porte-a-porte"
    token = csrf_from(client.get(door).get_data(as_text=True))
    before = (utcnow() - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    services.close_questionnaire(admin, q)
    db.session.commit()
    sent = lambda key, at: client.post(door, data={"csrf_token": token, "client_key": key, "recorded_at": at,
                                                   **form_for(q)}, headers={"Accept": "application/json"})
    assert sent("recorded-before-close", before).status_code == 200
    after = (utcnow() + timedelta(minutes=1)).isoformat()
    assert sent("recorded-after-close", after).status_code == 422  # made after the closing: refused
    assert sent("no-time-given-at-all", "").status_code == 422
    auth.logout()

    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    assert "Saisir les feuilles papier remplies avant la fermeture" in page_text(client.get(f"/questionnaires/{q.id}/gerer"))
    paper = f"/questionnaires/{q.id}/papier"
    page = client.get(paper).get_data(as_text=True)
    assert "Le questionnaire est fermé" in words(client.get(paper))
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    assert client.post(paper, data={"csrf_token": csrf_from(page), "client_key": key, **form_for(q)}).status_code == 302
    assert [r.channel for r in db.session.scalars(select(Response).order_by(Response.id))] == ["door", "paper"]

    q.closed_at = utcnow() - timedelta(days=15)  # two weeks and a day later: the questionnaire is over
    db.session.commit()
    assert client.get(paper).status_code == 302
    assert "Saisir les feuilles papier" not in page_text(client.get(f"/questionnaires/{q.id}/gerer"))
