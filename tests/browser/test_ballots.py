"""A codécision by majority judgment from opening to decision, in Chromium
at phone size (issue 6): the Lens referent opens the process; a resident
grades the options on a 360-px phone (the page says, before she votes, that
the ballot is secret and final); live results stay hidden; the referent
types in a paper tally sheet; the process closes; the referent publishes the
result, which the pages then show as the decision. axe-core checks every
page at 360 and 1280 px; the database agrees at the end."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.browser.script import axe, check, count, evaluate, fill, goto, login, logout, noscript, run_script, see, submit

pytestmark = pytest.mark.browser

REFERENT = "referente.lens@labo.example"
RESIDENT = "habitante@labo.example"
RETURN_TEXT = "Le conseil municipal inscrit le city-stade au budget de printemps ; les travaux commencent en juin."
OPTIONS = ("Des bancs au square Zola", "Un city-stade rue Molière", "Une boîte à livres")
NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
# At 360 px, majority judgment is one vertical scale per option: the seven grades of each
# option one under the other (same left edge, each below the last), each row 44 px or more.
STACKED = """[...document.querySelectorAll('#vote fieldset.grade-group')].map((f) => {
  const rows = [...f.querySelectorAll('.grades li')].map((li) => li.getBoundingClientRect());
  return rows.length === 7 && rows.every((r, i) => r.height >= 44 && Math.abs(r.left - rows[0].left) < 1
    && r.width >= f.getBoundingClientRect().width * 0.8 && (i === 0 || r.top >= rows[i - 1].bottom - 1));
})"""
BLANK_QUESTION = ("Vous n'avez pas donné de mention à : Une boîte à livres. Sans mention, elle comptera comme "
                  "« À rejeter ». Choisissez, ou confirmez.")


def _make_draft(app, title: str) -> tuple[int, list[int]]:
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.processes.models import Option, Process
    from labo.territory.models import Commune

    with app.app_context():
        now = datetime.now(timezone.utc)
        referent = find_user_by_email(REFERENT)
        process = Process(
            title=title, question="Quel projet pour le quartier Grande Résidence ?", decider="Le conseil municipal de Lens",
            level="codecision", method="majority_judgment", secret=True,
            decision_rule="Le projet qui a la meilleure mention majoritaire est réalisé.",
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=14),
            answer_by=date.today() + timedelta(days=40), published=False, created_by_id=referent.id,
            commune=db.session.scalar(select(Commune).where(Commune.slug == "lens")),
        )
        process.options = [Option(label=label, position=i) for i, label in enumerate(OPTIONS)]
        db.session.add(process)
        db.session.commit()
        return process.id, [o.id for o in process.options]


def _close(app, process_id: int) -> None:
    from labo.extensions import db
    from labo.processes.models import Process

    with app.app_context():
        process = db.session.get(Process, process_id)
        process.closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()


def test_a_codecision_by_majority_judgment_from_opening_to_decision(live_server, run_browser):
    app = live_server.app
    title = f"Le projet de la Grande Résidence {uuid.uuid4().hex[:6]}"
    process_id, (benches, stadium, books) = _make_draft(app, title)
    page, results, tally = f"/demarches/{process_id}", f"/demarches/{process_id}/resultats", f"/demarches/{process_id}/depouillement"
    ballot = f'main form[action$="/demarches/{process_id}/vote"]'
    sheet = "main form.form"

    run_script(run_browser, [
        # The Lens referent opens the process.
        login(REFERENT),
        goto(page + "/gestion"),
        submit(f'main form[action$="/demarches/{process_id}/publier"] button[type=submit]',
               name="the referent publishes the process"),
        goto(page),
        see("Codécision", "main", name="the level is said before anyone takes part"),
        logout(),

        # The resident grades the three options on her phone.
        login(RESIDENT),
        goto(page),
        see("Vote secret : une fois envoyé, votre vote ne peut plus être modifié", ballot,
            name="the ballot says it is secret and final before she votes"),
        see(OPTIONS[0], f"{ballot} fieldset legend"),
        evaluate(NOT_WIDER, equals=True, name="the majority-judgment form fits a 360-px screen"),
        axe("the ballot, majority judgment"),
        evaluate(STACKED, equals=[True, True, True], name="each option's seven grades are stacked in one column at 360 px"),
        check(f"{ballot} #grade-{benches}-excellent"),
        check(f"{ballot} #grade-{stadium}-bien"),
        # No grade for the book box: the page asks before it counts as "À rejeter" (static/js/ballot.js).
        {"do": "click", "selector": f"{ballot} button[type=submit]:not([name=blank])"},
        {"do": "wait", "selector": "#blank-question", "text": "Une boîte à livres",
         "name": "sending with an option left blank asks about it first"},
        see(BLANK_QUESTION, "#blank-question"),
        evaluate("location.pathname", equals=page, name="nothing was sent"),
        evaluate("document.activeElement.id", equals="blank-question", name="the question takes the focus"),
        axe("the ballot asking about a blank option"),
        # Without the script, the server asks the same, the grades given kept.
        noscript("ballot.js"),
        goto(page),
        check(f"{ballot} #grade-{benches}-excellent"),
        check(f"{ballot} #grade-{stadium}-bien"),
        submit(f"{ballot} button[type=submit]:not([name=blank])", status=422,
               name="without JavaScript the server sends the ballot back"),
        see(BLANK_QUESTION, "#blank-question"),
        count(f"{ballot} #grade-{benches}-excellent:checked", 1, name="the grades given are kept"),
        count(f"{ballot} #grade-{stadium}-bien:checked", 1),
        axe("the ballot sent back with the question"),
        submit(f"{ballot} button[name=blank]", url=rf"^/demarches/{process_id}#vote$",
               name="confirming lands the vote on the process"),
        see("Votre vote est enregistré. Il est secret", "main .flashes"),
        see("Vous avez voté. Le vote est secret", "main #vote"),
        axe("the process, after voting"),
        goto(results),
        see("les résultats restent cachés jusqu'à la clôture", "main", name="live counts of a secret ballot are hidden"),
        axe("the results page while a secret ballot is open"),
        logout(),

        # The referent types in a paper tally sheet (six people).
        login(REFERENT),
        goto(tally),
        axe("the tally sheet form"),
        check(f"{sheet} input[name=channel][value=paper]"),
        fill(f"{sheet} input[name=place]", "Salle des fêtes de la Grande Résidence"),
        fill(f"{sheet} input[name=held_on]", date.today().isoformat()),
        fill(f"{sheet} input[name=participants]", 6),
        fill(f"{sheet} #grade-{benches}-bien", 6),
        fill(f"{sheet} #grade-{stadium}-tres_bien", 9),
        submit(f"{sheet} button[type=submit]", status=422, name="more grades than people on the sheet is refused"),
        see("le total des mentions dépasse le nombre de personnes qui ont voté", "main", name="the refusal says why"),
        axe("the tally sheet form, with an error"),
        fill(f"{sheet} #grade-{stadium}-tres_bien", 6),
        fill(f"{sheet} #grade-{books}-passable", 6),
        submit(f"{sheet} button[type=submit]", url=rf"^/demarches/{process_id}/resultats#feuilles$",
               name="the sheet lands on the results page"),
        see("La feuille de dépouillement est enregistrée.", "main .flashes"),
        see("Salle des fêtes de la Grande Résidence", "main #feuilles"),
        see("Saisie par", "main #feuilles"),
        axe("the results page with a tally sheet"),
    ])

    _close(app, process_id)

    run_script(run_browser, [
        login(REFERENT),
        goto(results),
        see("Publier le résultat comme décision", "main"),
        see("Mention majoritaire", "main table", name="the figures show once closed"),
        axe("the results of the closed process"),
        submit('main form[action$="/resultats/publier"] button[type=submit]', url=rf"^/demarches/{process_id}/resultats$",
               name="the referent publishes the result"),
        see("Le résultat est publié : c'est la décision.", "main .flashes"),
        see("Décision", "main #decision"),
        see(f"Option retenue : {OPTIONS[1]}", "main .decision", name="the city-stade wins (Très bien over seven)"),
        see("Publier le résultat comme décision", "main", absent=True, name="it cannot be published again"),
        axe("the decision, for the referent"),
        # The return closes the loop: what the decider does with the decision.
        goto(f"/demarches/{process_id}/gestion"),
        fill('main form[action$="/retour"] textarea[name=return_text]', RETURN_TEXT),
        submit('main form[action$="/retour"] button', url=rf"^/demarches/{process_id}#retour$",
               name="the referent publishes the decider's return"),
        see("Le retour est publié.", "main .flashes"),
        see(RETURN_TEXT, "main section[aria-labelledby=retour]"),
        goto(f"/demarches/{process_id}/gestion"),
        submit('main form[action$="/terminer"] button', url=rf"^/demarches/{process_id}/gestion$",
               name="the codécision is marked finished"),
        see("La démarche est terminée.", "main .flashes"),
        logout(),
        goto(page),
        see("Terminée", name="visitors see it finished"),
        see(RETURN_TEXT, "main section[aria-labelledby=retour]", name="visitors read the return"),
        see(OPTIONS[1], "main section[aria-labelledby=decision]", name="the process's page shows the decision"),
        axe("the process with its decision"),
        goto(results),
        see(f"Option retenue : {OPTIONS[1]}", "main .decision"),
        see("Tous canaux réunis", "main"),
        evaluate(NOT_WIDER, equals=True, name="the results fit a 360-px screen"),
        axe("the decision, for a visitor"),
    ])

    from labo.extensions import db
    from labo.processes import ballots
    from labo.processes.models import Ballot, Process, Tally

    with app.app_context():
        process = db.session.get(Process, process_id)
        assert process.published and process.result_published_at is not None
        assert ballots.frozen_result(process)["winner"] == OPTIONS[1]
        assert db.session.scalars(select(Ballot.participation_id).where(Ballot.process_id == process_id)).all() == [None]
        assert db.session.scalar(select(Tally.participants).where(Tally.process_id == process_id)) == 6
