"""Questionnaires in Chromium at phone size (360 px), axe-core (WCAG 2.1 A/AA)
on every page: a referent builds one from the satisfaction template; a
resident answers it online (a missing answer is said beside its question,
nothing ticked is lost); a referent enters a paper sheet ("Enregistrer et
saisir la suivante") and reads the results and the printable summary; an
ambassador surveys two people at the door with the network cut, and their
answers arrive once when it returns. Screenshots go to /tmp/shots-quest."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from tests.browser.script import (axe, check, count, evaluate, fill, goto, login, logout, noscript, pdf, run_script,
                                  screenshot, see, select as choose, submit, viewport)

pytestmark = pytest.mark.browser

ADMIN = "admin@labo.example"
REFERENT = "referente.lens@labo.example"
RESIDENT = "habitante@labo.example"
AMBASSADOR = "ambassadeur@labo.example"
SHOTS = "../../tmp/shots-quest"  # from the repository's root: /tmp/shots-quest
NO_SCRIPT = [noscript(name) for name in ("draft.js", "listen.js", "copil-charts.js")]


def click(selector: str) -> dict:
    """A click handled by the page's script (no page loads)."""
    return {"do": "click", "selector": selector}


def wait(selector: str, text: str = "", timeout: int = 10000, name: str = "") -> dict:
    step = {"do": "wait", "selector": selector, "timeout": timeout}
    if text:
        step["text"] = text
    if name:
        step["name"] = name
    return step


def shot(name: str, height: int = 740) -> list:
    """The phone's screen (taller when the page must be seen whole), then back to 360x740."""
    return [viewport(360, height), screenshot(f"{SHOTS}/{name}.png"), viewport(360, 740)]


def _open_satisfaction(app, title: str, anonymous: bool = False):
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.questionnaires import services
    from labo.territory.models import Commune

    with app.app_context():
        admin = find_user_by_email(ADMIN)
        lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
        q = services.create_questionnaire(admin, title=title, intro="Quelques questions.\nDeux minutes suffisent.",
                                          commune=lens, satisfaction=True, allows_anonymous=anonymous)
        services.open_questionnaire(admin, q)
        db.session.commit()
        return q.id, [x.id for x in q.questions]


def _same_key_twice(qid: int, answers: dict) -> str:
    """JavaScript run in the door page: two sends at once of the same answers with one key, as a phone
    retrying; true, true when both got the same response and only one of them made it."""
    fields = "".join(f"b.append('q{k}', '{v}');" for k, v in answers.items())
    return ("(async () => { const token = document.querySelector('#door-form input[name=csrf_token]').value;"
            " const send = () => { const b = new FormData(); b.append('csrf_token', token);"
            f" b.append('client_key', 'retry-from-the-phone-1'); {fields}"
            f" return fetch('/questionnaires/{qid}/porte-a-porte', {{method: 'POST', body: b,"
            " headers: {Accept: 'application/json'}}).then((r) => r.json()); };"
            " const [a, c] = await Promise.all([send(), send()]);"
            " return [a.id === c.id, a.new !== c.new]; })()")


def _responses(app, questionnaire_id: int, channel: str) -> list:
    from labo.extensions import db
    from labo.questionnaires.models import Response

    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(select(Response).where(Response.questionnaire_id == questionnaire_id,
                                                              Response.channel == channel)))


def test_a_referent_builds_one_and_a_resident_answers_it_online(live_server, run_browser):
    app = live_server.app
    title = f"Votre avis sur la rencontre {uuid.uuid4().hex[:4]}"
    run_script(run_browser, [
        *NO_SCRIPT,
        login(REFERENT),
        goto("/questionnaires/nouveau"),
        axe("the new questionnaire form"),
        *shot("01-new", 1500),
        choose("main form select[name=template]", value="satisfaction"),
        fill("main form input[name=title]", title),
        fill("main form textarea[name=intro]", "Pour préparer la prochaine rencontre."),
        submit("main form button[type=submit]", url=r"^/questionnaires/([0-9]+)/gerer$", save=["built"],
               name="the questionnaire is made with its five questions"),
        count("main .question-list > li[id^=question-]", 5, name="the five usual questions are there"),
        axe("the manager's page of a questionnaire in preparation"),
        *shot("02-manage", 2200),
        submit("main a[href$='/questions/nouvelle']", name="add a question"),
        axe("the question form"),
        fill("main form input[name=text]", "Combien de rencontres avez-vous faites cette année ?"),
        choose("main form select[name=kind]", value="number"),
        submit("main form button[value=list]", url=r"^/questionnaires/[0-9]+/gerer(#.*)?$"),
        count("main .question-list > li[id^=question-]", 6),
        submit("main .question-list > li:last-child form button:has-text('Monter')", name="move the new one up"),
        see("Combien de rencontres", "main .question-list > li:nth-child(5)"),
        submit("main form[action$='/ouvrir'] button", url=r"^/questionnaires/[0-9]+/gerer(#.*)?$"),
        see("Le questionnaire est ouvert", "main .flashes"),
        axe("the manager's page of an open questionnaire"),
        logout(),
        login(RESIDENT),
        goto("/questionnaires/{{built}}"),
        axe("the questionnaire, for a resident"),
        *shot("03-answer", 2600),
        check("main form.answers .question:nth-of-type(1) input[value='4']"),
        check("main form.answers .question:nth-of-type(4) input[value='0']"),
        fill("main form.answers textarea", "Plus de café, et des chaises pour les anciens."),
        submit("main form.answers button[type=submit]", status=422, name="two required answers are missing"),
        see("Il faut répondre à cette question.", "main form.answers"),
        see("Certaines réponses manquent", "main .flashes"),
        count("main form.answers .question:nth-of-type(1) input[value='4']:checked", 1,
              name="what was ticked is still ticked"),
        see("Plus de café", "main form.answers textarea"),
        axe("the questionnaire with missing answers"),
        *shot("04-answer-errors", 1200),
        check("main form.answers .question:nth-of-type(2) input[value='5']"),
        check("main form.answers .question:nth-of-type(3) input[value='3']"),
        submit("main form.answers button[type=submit]", url=r"^/questionnaires/[0-9]+\?merci=1$"),
        see("Merci ! Vos réponses sont bien arrivées.", "main .flashes"),
        see("Vous avez répondu. Merci !"),
        axe("the questionnaire after answering"),
        *shot("05-thanks"),
    ], widths=(360,))
    from labo.extensions import db
    from labo.questionnaires.models import Questionnaire, Response

    with app.app_context():
        built = db.session.scalar(select(Questionnaire).where(Questionnaire.title == title))
        assert built.state == "open" and len(built.questions) == 6
        assert built.questions[4].kind == "number"
        rows = list(db.session.scalars(select(Response).where(Response.questionnaire_id == built.id)))
        assert len(rows) == 1 and rows[0].channel == "online" and rows[0].user_id is not None
        assert len(rows[0].answers) == 5


def test_a_paper_sheet_is_entered_and_the_results_printed(live_server, run_browser):
    app = live_server.app
    qid, questions = _open_satisfaction(app, f"Rencontre de Lens, papier {uuid.uuid4().hex[:4]}")
    useful, welcome, understood, again, word = questions
    run_script(run_browser, [
        *NO_SCRIPT,
        login(REFERENT),
        goto(f"/questionnaires/{qid}/gerer"),
        submit("main a[href$='/papier']", name="open the paper entry"),
        axe("the paper entry, an empty sheet"),
        *shot("06-paper", 2800),
        check(f"#q{useful}-5"), check(f"#q{welcome}-4"), check(f"#q{understood}-4"), check(f"#q{again}-0"),
        fill(f"#q{word}", "Très bien."),
        choose("#about-age", value="65_plus"),
        submit("main form button[value=another]", url=rf"^/questionnaires/{qid}/papier$",
               name="Enregistrer et saisir la suivante"),
        see("Feuille n° 1 enregistrée", "main .flashes"),
        see("Feuilles déjà saisies : 1."),
        count(f"#q{useful}-5:checked", 0, name="the next sheet starts empty"),
        axe("the paper entry after a sheet"),
        check(f"#q{useful}-2"),
        submit("main form button[value=done]", status=422, name="a sheet with missing answers is refused"),
        see("Il faut répondre à cette question.", "main form"),
        count(f"#q{useful}-2:checked", 1, name="what was ticked on the refused sheet stays"),
        axe("the paper entry with missing answers"),
        check(f"#q{welcome}-3"), check(f"#q{understood}-3"), check(f"#q{again}-2"),
        submit("main form button[value=done]", url=rf"^/questionnaires/{qid}/gerer(#.*)?$"),
        goto(f"/questionnaires/{qid}/resultats"),
        see("Réponses : 2"),
        see("Sur papier : 2"),
        see("Note moyenne : 3,5 sur 5"),
        see("Très bien."),
        axe("the results, for the referent"),
        *shot("07-results", 2400),
        goto(f"/questionnaires/{qid}/synthese"),
        see("Synthèse"),
        axe("the printable summary"),
        pdf(max_pages=3, file="questionnaire-synthese.pdf"),
        *shot("08-summary", 2400),
    ], widths=(360,))
    rows = _responses(app, qid, "paper")
    assert len(rows) == 2 and all(r.entered_by_id is not None and r.user_id is None for r in rows)


def test_door_answers_typed_offline_are_sent_once_when_the_network_returns(live_server, run_browser):
    app = live_server.app
    qid, questions = _open_satisfaction(app, f"Porte-à-porte à la Cité 12 {uuid.uuid4().hex[:4]}")
    useful, welcome, understood, again, word = questions
    person = [check(f"#q{welcome}-4"), check(f"#q{understood}-5"), check(f"#q{again}-1")]
    result = run_script(run_browser, [
        login(AMBASSADOR),
        goto(f"/questionnaires/{qid}"),
        submit("main a[href$='/porte-a-porte']", name="open the door survey"),
        axe("the door survey"),
        *shot("09-door", 2800),
        {"do": "offline", "value": True},
        click("#door-form button[type=submit]"),
        see("Il faut répondre à cette question.", "#door-form", name="offline, a missing answer is said on the phone"),
        check(f"#q{useful}-5"), *person,
        fill(f"#q{word}", "Des bancs."),
        click("#door-form button[type=submit]"),
        wait("#door-status", text="les réponses de 1 personne sont gardées", name="the first person's answers wait on the phone"),
        count(f"#q{useful}-5:checked", 0, name="the form is empty for the next person"),
        check(f"#q{useful}-2"), *person,
        click("#door-form button[type=submit]"),
        wait("#door-status", text="les réponses de 2 personnes sont gardées", name="two people's answers wait on the phone"),
        axe("the door survey offline, two waiting"),
        *shot("10-door-offline", 900),
        {"do": "offline", "value": False},
        wait("#door-status", text="Tout est envoyé.", timeout=25000, name="back online, everything is sent"),
        see("Réponses envoyées par vous : 2.", "#door-summary"),
        axe("the door survey, everything sent"),
        *shot("11-door-sent"),
        goto(f"/questionnaires/{qid}/porte-a-porte", name="reload the page"),
        see("Réponses envoyées par vous : 2.", "#door-summary", name="after a reload, still two"),
        count("#door-status:not([hidden])", 0, name="after a reload, nothing waits"),
        evaluate(_same_key_twice(qid, {useful: "4", welcome: "4", understood: "4", again: "0"}), equals=[True, True],
                 name="the same person's answers sent twice at once with one key: one response, given back twice"),
    ], widths=(360,))
    assert result["completed"]
    rows = _responses(app, qid, "door")
    assert len(rows) == 3, "each person's answers arrive exactly once"
    assert len({r.client_key for r in rows}) == 3 and all(r.client_key for r in rows)
    from labo.extensions import db
    from labo.questionnaires.models import Answer

    with app.app_context():
        scales = sorted(db.session.scalars(select(Answer.scale).where(Answer.question_id == useful)))
        assert scales == [2, 4, 5]
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == word)) == 1
