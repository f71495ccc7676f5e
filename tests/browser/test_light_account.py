"""A light account (issue 18), in Chromium at 360x740: a newcomer sent to log
in creates an account with a pseudonym and a password only and is back, signed
in, on the page they were going to, within 3 screens; a page behind login keeps
where the person was going through login and registration; a referent gives a
one-time code to a person without an email, who chooses a new password with it.
axe-core (and the sideways-scrolling check) on every page visited.

A "screen" is a page the browser loads: the first visit and each tap that loads
another page (the `goto` and `submit` steps)."""
from __future__ import annotations

import uuid

import pytest

from tests.browser.script import axe, count, evaluate, fill, goto, login, logout, run_script, save, see, submit

pytestmark = pytest.mark.browser

SIGNED_IN = "form[action$='/compte/deconnexion']"
LENS_REFERENT = "referente.lens@labo.example"
WHERE = "location.pathname + location.search"


def screens(steps: list[dict]) -> int:
    return sum(1 for s in steps if s["do"] in ("goto", "submit"))


def register(pseudonym: str, url: str, name: str) -> list[dict]:
    return [
        see("Créer un compte", "main h1"),
        count("main form input[type=password]", 1, name="the password is asked once"),
        count("main form details:not([open])", 1, name="commune and age wait, folded, under 'Plus tard'"),
        axe("registration, light"),
        fill("main form input[name=pseudonym]", pseudonym),
        fill("main form input[name=password]", "mon quartier 2026"),
        submit("main form button[type=submit]", url=url, name=name),
        count(SIGNED_IN, 1, name="signed in"),
        see(f"Bienvenue {pseudonym}"),
    ]


def test_a_newcomer_registers_with_a_pseudonym_and_a_password_and_is_back_on_the_form(run_browser):
    """/idees/nouvelle takes ideas without an account now, so the person starts
    from the login page it links to, with next=/idees/nouvelle."""
    pseudonym = f"Nour{uuid.uuid4().hex[:5]}"
    to_the_form = [
        goto("/compte/connexion?next=/idees/nouvelle", name="the login page, on the way to the idea form"),
        see("Pseudonyme ou adresse e-mail", "main form"),
        axe("login, on the way to the idea form"),
        submit("main a[href^='/compte/inscription']", url=r"/compte/inscription\?next=(%2F|/)idees(%2F|/)nouvelle$",
               name="tap 'Créer un compte': next goes along"),
        *register(pseudonym, r"/idees/nouvelle$", "register: signed in, back on the idea form"),
        axe("the idea form, just registered"),
    ]
    run_script(run_browser, to_the_form, widths=(360,))
    print(f"light registration: {screens(to_the_form)} screens to the idea form")
    assert screens(to_the_form) <= 3


def test_a_page_behind_login_is_where_registration_lands(run_browser):
    pseudonym = f"Sami{uuid.uuid4().hex[:5]}"
    steps = [
        goto("/boite-a-outils/proposer", name="a page that needs an account sends to log in"),
        evaluate(WHERE, equals="/compte/connexion?next=%2Fboite-a-outils%2Fproposer", name="next kept by the login page"),
        axe("login, sent by a page that needs an account"),
        submit("main a[href^='/compte/inscription']", url=r"/compte/inscription\?next=", name="tap 'Créer un compte'"),
        *register(pseudonym, r"/boite-a-outils/proposer$", "register: back on the page asked for"),
        axe("the page asked for, just registered"),
    ]
    run_script(run_browser, steps, widths=(360,))
    assert screens(steps) <= 3


def _resident_without_email(app, pseudonym: str) -> None:
    from flask import current_app

    from labo.accounts.models import User
    from labo.accounts.services import hash_password, pseudonym_key
    from labo.extensions import db
    from labo.territory.models import Commune
    from sqlalchemy import select

    with app.app_context():
        lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
        db.session.add(User(pseudonym=pseudonym, pseudonym_key=pseudonym_key(pseudonym), home_commune=lens,
                            password_hash=hash_password(current_app.config, "un oubli complet")))
        db.session.commit()


def test_a_referent_gives_a_code_and_the_person_chooses_a_new_password(live_server, run_browser):
    pseudonym = f"Mireille{uuid.uuid4().hex[:5]}"
    _resident_without_email(live_server.app, pseudonym)
    steps = [
        login(LENS_REFERENT),
        goto(f"/compte/verifier?q={pseudonym}", name="the referent finds the person"),
        axe("verify page, with the code button"),
        submit("main form[action*='/code'] button", name="tap 'Donner un code pour changer de mot de passe'"),
        save("code", "main code"),
        see("24 heures", "main"),
        axe("the code to give, shown once"),
        logout(),
        goto("/compte/mot-de-passe-oublie", name="the person forgot their password"),
        see("Pas d'adresse e-mail dans votre compte ?", "main"),
        axe("forgotten password, with the way for those without an email"),
        submit("main a[href='/compte/code']", url=r"/compte/code$", name="tap 'J'ai un code'"),
        axe("new password with a code"),
        fill("main form input[name=pseudonym]", pseudonym.lower()),
        fill("main form input[name=code]", "{{code}}"),
        fill("main form input[name=password]", "mon nouveau secret"),
        submit("main form button[type=submit]", url=r"/$", name="the code changes the password and signs in"),
        count(SIGNED_IN, 1, name="signed in with the new password"),
        goto("/compte/", name="the profile: no email yet"),
        fill("main form input[name='mail-email']", f"{pseudonym.lower()}@example.org"),
        submit("main form[action$='/compte/adresse'] button", url=r"/compte/$", name="ask to add an email"),
        see("en attente de confirmation", "main"),
        axe("profile, an address waiting for confirmation"),
    ]
    run_script(run_browser, steps, widths=(360, 1280))
