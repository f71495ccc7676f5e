"""A newcomer's first idea, counted, in Chromium at 360x740: from the home
page, without an account, in at most 3 screens and 60 typed characters
beyond the idea itself; and, separately, registering then posting in at most
5 screens with no field typed twice. axe-core (and the sideways-scrolling
check) on every state visited, at 360 and 1280 px.

A "screen" is a page the browser loads: the first visit and each tap that
loads another page (the `goto` and `submit` steps). Typed characters are
those of every `fill` step, the idea's own text and title set apart."""
from __future__ import annotations

import uuid

import pytest

from tests.browser.script import axe, count, evaluate, fill, goto, run_script, see, select, submit

pytestmark = pytest.mark.browser

FORM = "main form.form"
IDEA_FIELDS = (f"{FORM} textarea[name=body]", f"{FORM} input[name=title]")
# The first action, under the thumb: its bottom within the first 740 px.
FIRST_ACTION_VISIBLE = ("(() => { const a = document.querySelector('main a.btn-primary[href$=\"/idees/nouvelle\"]');"
                        " return !!a && a.getBoundingClientRect().bottom <= window.innerHeight; })()")


@pytest.fixture
def no_minimum_time(live_server):
    """The browser fills the form in milliseconds, faster than the guard against
    robots allows a person (tests/contributions/test_guests.py checks the guard)."""
    app = live_server.app
    previous = app.config["LABO_GUEST_MIN_SECONDS"]
    app.config["LABO_GUEST_MIN_SECONDS"] = 0
    yield
    app.config["LABO_GUEST_MIN_SECONDS"] = previous


def screens(steps: list[dict]) -> int:
    return sum(1 for s in steps if s["do"] in ("goto", "submit"))


def typed_beyond_the_idea(steps: list[dict]) -> int:
    return sum(len(s["value"]) for s in steps if s["do"] == "fill" and s["selector"] not in IDEA_FIELDS)


def typed_fields(steps: list[dict]) -> list[str]:
    return [s["selector"].split("[name=")[-1].rstrip("]") for s in steps if s["do"] == "fill"]


def test_a_newcomer_posts_a_first_idea_without_an_account_in_three_screens(run_browser, no_minimum_time):
    idea = f"Des bancs près de l'arrêt de bus, les anciens attendent debout {uuid.uuid4().hex[:6]}"
    steps = [
        goto("/", name="the home page"),
        evaluate(FIRST_ACTION_VISIBLE, equals=True, name="'Donner mon idée' is on the first screen of a phone"),
        axe("home page, a newcomer"),
        submit("main a.btn-primary[href$='/idees/nouvelle']", url=r"/idees/nouvelle$", name="tap 'Donner mon idée'"),
        see("Pas besoin de compte."),
        axe("the idea form, without an account"),
        fill(f"{FORM} textarea[name=body]", idea),
        select(f"{FORM} select[name=commune]", label="Liévin"),
        fill(f"{FORM} input[name=name]", "Lina"),
        submit(f"{FORM} button[type=submit]", url=r"/idees/mon-idee/[A-Za-z0-9_-]+\?envoye=1$", name="send the idea"),
        see("Votre idée est bien arrivée"),
        see("la relit, puis elle sera visible de tous"),
        see(idea),
        axe("the idea's private page, just sent"),
        goto("/", name="back home, the phone remembers it"),
        see("Vos idées envoyées depuis ce téléphone"),
        axe("home page, with an idea sent from this phone"),
    ]
    run_script(run_browser, steps)
    first_idea = steps[:steps.index(next(s for s in steps if s.get("name") == "back home, the phone remembers it"))]
    print(f"first idea without an account: {screens(first_idea)} screens, "
          f"{typed_beyond_the_idea(first_idea)} characters typed beyond the idea")
    assert screens(first_idea) <= 3
    assert typed_beyond_the_idea(first_idea) <= 60


def test_a_newcomer_registers_and_posts_in_five_screens_typing_nothing_twice(run_browser):
    name = f"Nour{uuid.uuid4().hex[:5]}"
    idea = f"Un jardin partagé derrière l'école {uuid.uuid4().hex[:6]}"
    steps = [
        goto("/", name="the home page"),
        submit("main a.btn-primary[href$='/idees/nouvelle']", url=r"/idees/nouvelle$", name="tap 'Donner mon idée'"),
        submit("main a[href^='/compte/inscription']", url=r"/compte/inscription\?next=", name="tap 'Créer un compte'"),
        axe("registration, light"),
        fill("main form input[name=pseudonym]", name),
        fill("main form input[name=password]", "mon-jardin-2026"),
        submit("main form button[type=submit]", url=r"/idees/nouvelle$", name="register: signed in, back on the form"),
        count("form[action$='/compte/deconnexion']", 1, name="signed in"),
        axe("the idea form, just registered"),
        fill(f"{FORM} textarea[name=body]", idea),
        select(f"{FORM} select[name=commune]", label="Liévin"),
        submit(f"{FORM} button[type=submit]", url=r"/idees/\d+\?envoye=1$", name="send the idea"),
        see("Merci"),
        see(idea),
        axe("the idea, posted from a new account"),
    ]
    run_script(run_browser, steps)
    fields = typed_fields(steps)
    print(f"register and post: {screens(steps)} screens, fields typed: {fields}, "
          f"{typed_beyond_the_idea(steps)} characters beyond the idea")
    assert screens(steps) <= 5
    assert len(fields) == len(set(fields)), f"a field typed twice: {fields}"
