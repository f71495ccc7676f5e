"""Three processes from opening to return in Chromium at phone size (issue 6):
the Lens referent opens an information process and a concertation, an
administrator a consultation for the whole agglomeration; a resident asks a
question, gives then changes her opinion, makes a proposal; the managers
answer, close early (by moving the closing date), are refused finishing
before the return, publish the return and finish. axe-core checks every page
reached at 360 and 1280 px; the database agrees at the end. Forms only."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.script import axe, check, fill, goto, login, logout, run_script, see, select as choose, submit

pytestmark = pytest.mark.browser

ADMIN = "admin@labo.example"
REFERENT = "referente.lens@labo.example"   # Nadia de Lens
RESIDENT = "habitante@labo.example"        # Josiane
FORM = "main form.form"
MANAGE = "/demarches/{{%s}}/gestion"
PAGE = "/demarches/{{%s}}"


def open_process(key: str, *, title: str, level: str, method: str, commune: str | None, decider: str,
                 opens: datetime, closes: datetime, answer_by: datetime) -> list:
    """The opening form filled and sent, then the draft published."""
    steps = [
        goto("/demarches/nouvelle"),
        fill(f"{FORM} input[name=title]", title),
        fill(f"{FORM} input[name=question]", f"{title} : qu'en pensez-vous ?"),
        fill(f"{FORM} textarea[name=context]", "Tout ce qu'il faut savoir, en mots simples."),
        fill(f"{FORM} input[name=decider]", decider),
        check(f"{FORM} input[name=level][value={level}]"),
        choose(f"{FORM} select[name=method]", value=method),
        fill(f"{FORM} input[name=opens_at]", opens.strftime("%Y-%m-%dT%H:%M")),
        fill(f"{FORM} input[name=closes_at]", closes.strftime("%Y-%m-%dT%H:%M")),
        fill(f"{FORM} input[name=answer_by]", answer_by.strftime("%Y-%m-%d")),
        fill(f"{FORM} textarea[name=easy_read]", "On vous dit ce qui se passe.\nVous pouvez répondre."),
    ]
    if commune is not None:
        steps.append(choose(f"{FORM} select[name=commune]", label=commune))
    return steps + [
        submit(f"{FORM} button[type=submit]", url=r"^/demarches/(\d+)/gestion$", save=[key],
               name=f"opening the {level} process lands on its management page"),
        see("La démarche est enregistrée.", "main .flashes"),
        see("Brouillon", "main"),
        submit('main form[action$="/publier"] button', url=r"^/demarches/\d+/gestion$", name=f"publishing the {level}"),
        see("La démarche est publiée.", "main .flashes"),
    ]


def close_early(key: str, opens: datetime, closed: datetime) -> list:
    """The manager moves the closing date to the past: the process is closed."""
    return [
        goto(f"/demarches/{{{{{key}}}}}/modifier"),
        fill(f"{FORM} input[name=opens_at]", opens.strftime("%Y-%m-%dT%H:%M")),
        fill(f"{FORM} input[name=closes_at]", closed.strftime("%Y-%m-%dT%H:%M")),
        submit(f"{FORM} button[type=submit]", url=r"^/demarches/\d+/gestion$", name=f"closing the {key} early"),
        see("Close, en attente du retour"),
    ]


def publish_return_and_finish(key: str, text: str) -> list:
    return [
        fill('main form[action$="/retour"] textarea[name=return_text]', text),
        submit('main form[action$="/retour"] button', url=r"^/demarches/\d+#retour$", name=f"publishing the {key}'s return"),
        see("Le retour est publié.", "main .flashes"),
        see(text, "main section[aria-labelledby=retour]"),
        goto(MANAGE % key),
        submit('main form[action$="/terminer"] button', url=r"^/demarches/\d+/gestion$", name=f"finishing the {key}"),
        see("La démarche est terminée.", "main .flashes"),
        goto(PAGE % key),
        see("Terminée"),
    ]


def test_information_consultation_and_concertation_from_opening_to_return(live_server, run_browser):
    app = live_server.app
    zone = ZoneInfo(app.config["LABO_TIMEZONE"])
    now = datetime.now(zone).replace(second=0, microsecond=0)
    opens, closes, answer_by = now - timedelta(hours=2), now + timedelta(days=10), now + timedelta(days=40)
    opened_long_ago, closed = now - timedelta(days=3), now - timedelta(minutes=5)
    tag = uuid.uuid4().hex[:6]
    info_title, consult_title, concert_title = (f"Les travaux de la rue Basly {tag}", f"La fête de quartier {tag}",
                                                f"Le square Bollaert {tag}")
    question = "Les voitures pourront-elles encore passer pendant les travaux ?"
    answer = "Oui, sur une seule voie, de 7 h à 19 h."
    comment = "Bonne idée, mais plutôt en juin."
    proposal = "Des bancs à l'ombre"
    reason = "Quatre bancs seront posés sous les tilleuls."

    result = run_script(run_browser, [
        # The Lens referent opens an information process; the empty form is refused first.
        login(REFERENT),
        goto("/demarches/"),
        see("Ouvrir une démarche"),
        axe("the list of processes, as a referent"),
        goto("/demarches/nouvelle"),
        axe("the opening form"),
        submit(f"{FORM} button[type=submit]", status=422, name="an empty process is refused"),
        see("Donnez un titre.", "main .error-summary"),
        axe("the opening form, with errors"),
        *open_process("info", title=info_title, level="information", method="questions", commune="Lens",
                      decider="le conseil municipal de Lens", opens=opens, closes=closes, answer_by=answer_by),
        axe("the management page of an information process"),
        *open_process("concert", title=concert_title, level="concertation", method="proposals", commune="Lens",
                      decider="la ville de Lens", opens=opens, closes=closes, answer_by=answer_by),
        logout(),

        # An administrator opens a consultation for the whole agglomeration.
        login(ADMIN),
        *open_process("consult", title=consult_title, level="consultation", method="avis", commune=None,
                      decider="le conseil communautaire", opens=opens, closes=closes, answer_by=answer_by),
        logout(),

        # Anyone reads the consultation: the level first, and why they cannot take part yet.
        goto(PAGE % "consult"),
        see("Consultation : on vous demande votre avis ; c'est le conseil communautaire qui décide",
            "main p.level-sentence"),
        see("Connectez-vous pour participer.", "main #refus"),
        see("Les règles en facile à lire"),
        axe("a consultation, as anyone"),

        # The resident asks, gives then changes her opinion, and proposes.
        login(RESIDENT),
        goto(PAGE % "info"),
        see("Information : on vous explique ce qui est prévu", "main p.level-sentence"),
        axe("an information process, as a resident"),
        fill("main form textarea[name=body]", question),
        submit('main form[action$="/questions"] button', url=r"^/demarches/\d+#questions$", name="asking a question"),
        see("Votre question est publiée.", "main .flashes"),
        see(question, "main"),
        goto(PAGE % "consult"),
        check("main input[name=stance][value=reserve]"),
        fill("main form textarea[name=comment]", "Plutôt en juin."),
        submit('main form[action$="/avis"] button', url=r"^/demarches/\d+#avis$", name="giving an opinion"),
        see("Votre avis est enregistré.", "main .flashes"),
        check("main input[name=stance][value=favorable]"),
        fill("main form textarea[name=comment]", comment),
        submit('main form[action$="/avis"] button', url=r"^/demarches/\d+#avis$", name="changing one's opinion"),
        see(comment, "main"),
        see("Plutôt en juin.", absent=True, name="the first opinion was replaced"),
        see("Changer mon avis"),
        axe("a consultation, after giving an opinion"),
        goto(PAGE % "concert"),
        fill('main form[action$="/propositions"] input[name=title]', proposal),
        fill('main form[action$="/propositions"] textarea[name=body]', "Pour les anciens, l'été."),
        submit('main form[action$="/propositions"] button', url=r"^/demarches/\d+#propositions$", name="proposing"),
        see("Votre proposition est publiée.", "main .flashes"),
        axe("a concertation, with a proposal"),
        logout(),

        # The referent answers the question and the proposal, closes both, publishes the returns.
        login(REFERENT),
        goto(MANAGE % "info"),
        fill('main form[action*="/questions/"][action$="/reponse"] textarea', answer),
        submit('main form[action*="/questions/"][action$="/reponse"] button', url=r"^/demarches/\d+/gestion#question-\d+$",
               name="answering the question"),
        see("La réponse est publiée.", "main .flashes"),
        axe("the management page, with an answered question"),
        *close_early("info", opened_long_ago, closed),
        *publish_return_and_finish("info", "Les travaux commencent le 2 mai, comme annoncé."),
        see(answer, "main"),
        axe("a finished information process"),
        goto(MANAGE % "concert"),
        check('main form[action*="/propositions/"][action$="/reponse"] input[value=retenue]'),
        fill('main form[action*="/propositions/"][action$="/reponse"] textarea', reason),
        submit('main form[action*="/propositions/"][action$="/reponse"] button',
               url=r"^/demarches/\d+/gestion#proposition-\d+$", name="answering the proposal"),
        see("La réponse à la proposition est publiée.", "main .flashes"),
        axe("the management page of a concertation"),
        *close_early("concert", opened_long_ago, closed),
        *publish_return_and_finish("concert", "La ville retient les bancs ; le reste sera discuté en juin."),
        see(reason, "main"),
        see("Retenue", "main"),
        axe("a finished concertation"),
        logout(),

        # The administrator closes the consultation, may not finish it before the return, then does.
        login(ADMIN),
        *close_early("consult", opened_long_ago, closed),
        submit('main form[action$="/terminer"] button', status=409, name="finishing before the return is refused"),
        see("Publiez d'abord le retour de qui décide", "main .flashes"),
        axe("the management page, finishing refused"),
        *publish_return_and_finish("consult", "La fête aura lieu le 21 juin : c'était l'avis le plus partagé."),
        see(comment, "main"),
        axe("a finished consultation"),
        goto("/demarches/?stage=finished"),
        see(consult_title),
        axe("the list of finished processes"),
    ])

    assert_database(app, {key: int(value) for key, value in result["saved"].items()}, question, answer, comment,
                    proposal, reason)


def assert_database(app, ids: dict, question: str, answer: str, comment: str, proposal: str, reason: str) -> None:
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.processes.models import Participation, Process, Proposal, Question

    with app.app_context():
        info, consult, concert = (db.session.get(Process, ids[k]) for k in ("info", "consult", "concert"))
        assert (info.level, info.commune.name, consult.commune, concert.method) == (
            "information", "Lens", None, "proposals")
        assert all(p.published and p.finished_at and p.return_published_at for p in (info, consult, concert))
        resident = find_user_by_email(RESIDENT).id
        [asked] = db.session.scalars(select(Question).where(Question.process_id == info.id)).all()
        assert (asked.body, asked.author_id) == (question, resident) and answer in asked.answer
        [opinion] = db.session.scalars(select(Participation).where(Participation.process_id == consult.id)).all()
        assert (opinion.user_id, opinion.stance, opinion.comment) == (resident, "favorable", comment)
        [made] = db.session.scalars(select(Proposal).where(Proposal.process_id == concert.id)).all()
        assert (made.title, made.decision, made.reason) == (proposal, "retenue", reason)
