"""Page states a plain page list never reaches, checked with axe-core (WCAG
2.1 A/AA) at 360 px and 1280 px in Chromium: forms shown back with their
errors, the contribution form for people who type for a resident, the
moderation queue with work in it, the 429 and 500 pages, and the main pages
in English. Each test is one Chromium launch (the "script" flow of
tests/browser/run_pages.mjs)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.browser.script import axe, count, fill, goto, lang, login, logout, run_script, see, submit

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"
ANIMATOR = "animatrice@labo.example"
LENS_REFERENT = "referente.lens@labo.example"
LIEVIN_REFERENT = "referent.lievin@labo.example"
FORM_BUTTON = "main form.form button[type=submit]"
NEW_FORM = 'form[data-draft-key="contribution-new"]'
ERRORS = "main .error-summary"


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


def test_forms_shown_back_with_their_errors(run_browser):
    run_script(run_browser, [
        goto("/compte/inscription"),
        submit(FORM_BUTTON, status=422, name="an empty registration is refused"),
        see("Choisissez un pseudonyme.", ERRORS),
        see("Choisissez un mot de passe.", ERRORS),
        count("main [aria-invalid=true]", 2, name="the two missing fields are marked invalid (the e-mail is optional)"),
        axe("registration, empty"),
        fill("main input[name=pseudonym]", "Jo"),
        fill("main input[name=email]", "pas-une-adresse"),
        fill("main input[name=password]", "court"),
        submit(FORM_BUTTON, status=422, name="an invalid registration is refused"),
        see("Cette adresse e-mail n'est pas valide.", ERRORS),
        see("Au moins 8 caractères.", "main .error"),
        axe("registration, invalid"),

        goto("/compte/connexion"),
        submit(FORM_BUTTON, status=422, name="an empty login is refused"),
        see("Indiquez votre pseudonyme ou votre adresse e-mail.", ERRORS),
        see("Indiquez votre mot de passe.", ERRORS),
        axe("login, empty"),
        fill("main input[name=email]", RESIDENT),
        fill("main input[name=password]", "pas-le-bon-mot-de-passe"),
        submit(FORM_BUTTON, status=422, name="a wrong password is refused"),
        see("Pseudonyme, adresse e-mail ou mot de passe incorrect.", ERRORS),
        axe("login, wrong password"),

        login(RESIDENT),
        goto("/idees/nouvelle"),
        fill(f"{NEW_FORM} textarea[name=body]", ""),
        submit(f"{NEW_FORM} button[type=submit]", status=422, name="an empty contribution is refused"),
        see("Écrivez quelques mots pour expliquer.", ERRORS),
        axe("new contribution, empty"),
    ])


def test_new_contribution_for_someone_else(run_browser):
    """Referents and animators get a "saisie pour un habitant" field; residents do not."""
    behalf = f"{NEW_FORM} input[name=on_behalf_of]"
    run_script(run_browser, [
        login(LENS_REFERENT),
        goto("/idees/nouvelle"),
        count(behalf, 1, name="the referent can type for a resident"),
        see("Pour qui ? (saisie pour un habitant)", NEW_FORM),
        axe("new contribution, as a referent"),
        fill(behalf, "Gérard"),
        submit(f"{NEW_FORM} button[type=submit]", status=422, name="the referent's empty contribution is refused"),
        count(f"{behalf}[value=Gérard]", 1, name="what was typed for the resident is kept"),
        axe("new contribution, as a referent, with errors"),
        logout(),
        login(ANIMATOR),
        goto("/idees/nouvelle"),
        count(behalf, 1, name="the animator can type for a resident"),
        axe("new contribution, as an animator"),
        logout(),
        login(RESIDENT),
        goto("/idees/nouvelle"),
        count(behalf, 0, name="a resident has no such field"),
    ])


@pytest.fixture
def moderation_work(live_server):
    """In Liévin, pre-moderated for the time of one post: a contribution
    waiting to be checked, and a published one someone reported."""
    from labo.accounts.services import find_user_by_email
    from labo.contributions.services import create_contribution, report
    from labo.extensions import db
    from labo.territory.models import Commune

    app = live_server.app
    pending, reported = unique("Un abri à vélos devant la médiathèque"), unique("Ouvrir le stade le dimanche")
    reason = "Le texte donne le nom et l'adresse d'un voisin."
    with app.app_context():
        lievin = db.session.scalar(select(Commune).where(Commune.name == "Liévin"))
        resident = find_user_by_email(RESIDENT)
        published = create_contribution(app.config, resident, kind="idee", title=reported,
                                        body="Les familles n'ont nulle part où aller le dimanche.", commune=lievin)
        report(find_user_by_email(ANIMATOR), published, reason)
        lievin.premoderation = True
        try:
            waiting = create_contribution(app.config, resident, kind="idee", title=pending,
                                          body="On ne sait pas où attacher son vélo.", commune=lievin)
            assert waiting.visibility == "pending"
        finally:
            lievin.premoderation = False
            db.session.commit()
        ids = {"pending": waiting.id, "reported": published.id}
    return {"pending": pending, "reported": reported, "reason": reason, "ids": ids}


def test_moderation_queue_with_pending_and_reported_items(run_browser, moderation_work):
    work = moderation_work
    run_script(run_browser, [
        login(LIEVIN_REFERENT),
        goto("/moderation/"),
        see(work["pending"], "main section[aria-labelledby=q-pending]"),
        see(work["reported"], "main section[aria-labelledby=q-reported]"),
        see(work["reason"], "main section[aria-labelledby=q-reported]"),
        axe("moderation queue, with pending and reported contributions"),
        goto(f"/idees/{work['ids']['pending']}"),
        see("En attente : une personne référente de la commune doit la relire"),
        see("Valider et publier"),
        axe("a pending contribution, as its referent"),
        goto(f"/idees/{work['ids']['reported']}"),
        axe("a reported contribution, as its referent"),
        logout(),
        login(RESIDENT),
        goto(f"/idees/{work['ids']['pending']}"),
        see("En attente : une personne référente de la commune doit la relire"),
        axe("a pending contribution, as its author"),
    ])


def test_the_500_page(run_browser):
    run_script(run_browser, [
        goto("/_essai/erreur-500", status=500),
        see("Un problème de notre côté", "main h1"),
        see("Ce n'est pas de votre faute"),
        axe("the 500 page"),
    ])


def test_the_429_page(live_server, run_browser):
    app = live_server.app
    previous = app.config["LABO_AUTH_RATE_LIMIT"]
    app.config["LABO_AUTH_RATE_LIMIT"] = "1 per hour"
    try:
        run_script(run_browser, [
            goto("/compte/connexion"),
            fill("main input[name=email]", RESIDENT),
            fill("main input[name=password]", "pas-le-bon-mot-de-passe"),
            submit(FORM_BUTTON, status=422, name="a first wrong try is answered"),
            fill("main input[name=email]", RESIDENT),
            fill("main input[name=password]", "encore-un-essai"),
            submit(FORM_BUTTON, status=429, name="a second try within the hour is stopped"),
            see("Trop d'essais", "main h1"),
            see("Attendez une minute, puis réessayez."),
            axe("the 429 page"),
        ])
    finally:
        app.config["LABO_AUTH_RATE_LIMIT"] = previous


def test_main_pages_in_english(live_server, run_browser):
    from labo.contributions.models import Contribution
    from labo.extensions import db
    from labo.meetings import services as meeting_services

    with live_server.app.app_context():
        idea = db.session.scalar(select(Contribution.id).where(Contribution.answer.is_not(None)).limit(1))
        meeting = meeting_services.upcoming()[0].id
    run_script(run_browser, [
        goto("/"),
        lang("en"),
        goto("/idees/"),
        see("Residents' ideas", "main h1"),
        axe("ideas, in English", lang="en"),
        goto(f"/idees/{idea}"),
        axe("an idea, in English", lang="en"),
        goto("/rencontres/"),
        axe("the meetings programme, in English", lang="en"),
        goto(f"/rencontres/{meeting}"),
        axe("a meeting, in English", lang="en"),
        goto("/territoire/"),
        axe("the territory, in English", lang="en"),
        goto("/territoire/communes/wingles"),
        axe("a commune, in English", lang="en"),
        goto("/compte/inscription"),
        see("Create an account", "main h1"),
        axe("registration, in English", lang="en"),
        submit(FORM_BUTTON, status=422, name="an empty registration is refused, in English"),
        see("Choose a username.", ERRORS),
        axe("registration with errors, in English", lang="en"),
    ])
