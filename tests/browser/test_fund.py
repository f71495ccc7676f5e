"""The micro-projects fund in Chromium at phone size (issue 22): a resident
opens the round's page, starts an application, saves a half-filled draft
(nothing typed is lost), comes back to it from "Mes demandes au fonds", is
told what is missing when sending too early, then sends it; the page never
scrolls sideways at 360 px and axe-core finds no violation on any of it."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.script import axe, check, evaluate, fill, goto, login, run_script, see, select as choose, submit

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"
NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
FORM = "main form.fund-apply"


def _open_round(app, title: str) -> int:
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.fund import services
    from labo.territory.models import Commune

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
        mazingarbe = db.session.scalar(select(Commune).where(Commune.slug == "mazingarbe"))
        today = date.today()
        fund_round = services.create_round(
            admin, mazingarbe, title=title, envelope_cents=500_000, ceiling_cents=100_000,
            apply_until=today + timedelta(days=30), committee_on=today + timedelta(days=40), spend_within_days=30,
            rules="Un groupe d'au moins trois habitants de Mazingarbe.\nPas de voyage.",
            rules_easy="Vous êtes trois habitants ou plus.\nVous avez une idée pour le quartier.", today=today)
        services.add_member(admin, fund_round, admin.pseudonym, False)
        services.open_round(admin, fund_round, today)
        db.session.commit()
        return fund_round.id


def test_a_resident_applies_from_a_phone_saving_a_draft_first(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    title = f"Fonds de Mazingarbe {tag}"
    round_id = _open_round(live_server.app, title)
    project = f"Un repas de quartier {tag}"

    run_script(run_browser, [
        goto(f"/fonds/{round_id}"),
        see("Vous êtes trois habitants ou plus.", "main"),
        see("Les habitants ne sont pas la majorité du comité.", "main"),
        axe("an open round's public page"),
        evaluate(NOT_WIDER, equals=True, name="the round's page fits the phone"),
        login(RESIDENT),
        goto(f"/fonds/{round_id}/demander"),
        axe("the application form"),
        evaluate(NOT_WIDER, equals=True, name="the application form fits the phone"),
        fill(f"{FORM} input[name=title]", project),
        fill(f"{FORM} input[name='lines-0-label']", "Location de tables"),
        fill(f"{FORM} input[name='lines-0-amount']", "60"),
        submit(f"{FORM} button[value=draft]", url=r"^/fonds/demandes/(\d+)/modifier$", save=["application"],
               name="a half-filled draft is saved"),
        see("Votre brouillon est enregistré.", "main"),
        goto("/fonds/mes-demandes"),
        see(project, "main"),
        axe("my applications to the fund"),
        goto("/fonds/demandes/{{application}}/modifier"),
        evaluate(f"document.querySelector(\"{FORM} input[name='lines-0-amount']\").value", equals="60",
                 name="what was typed is still there"),
        fill(f"{FORM} textarea[name=what]", "Un grand repas dans la cour, avec de la musique."),
        submit(f"{FORM} button[value=send]", status=422, name="sending too early says what is missing"),
        see("Dites pour qui est le projet.", "main .error-summary"),
        see("Écrivez au moins 3 lignes de budget.", "main"),
        axe("the application form, with what is missing"),
        evaluate(NOT_WIDER, equals=True, name="the form with its errors fits the phone"),
        fill(f"{FORM} textarea[name=for_whom]", "Les familles de la cité, environ 60 personnes."),
        fill(f"{FORM} input[name=starts_on]", (date.today() + timedelta(days=50)).isoformat()),
        fill(f"{FORM} input[name=amount]", "350,50"),
        fill(f"{FORM} input[name='lines-1-label']", "Nourriture"),
        fill(f"{FORM} input[name='lines-1-amount']", "250,50"),
        fill(f"{FORM} input[name='lines-2-label']", "Affiches"),
        fill(f"{FORM} input[name='lines-2-amount']", "40"),
        fill(f"{FORM} input[name=carrier_name]", "Les voisins de la cité"),
        fill(f"{FORM} input[name=contact_name]", "Josiane Martin"),
        fill(f"{FORM} input[name=contact_phone]", "06 12 34 56 78"),
        submit(f"{FORM} button[value=send]", url=r"^/fonds/demandes/{{application}}$", name="sending"),
        see("Votre demande est envoyée au comité.", "main"),
        see("Envoyée au comité", "main .lead"),
        axe("the application sent"),
        evaluate(NOT_WIDER, equals=True, name="the application's page fits the phone"),
    ])


def _sent_application(app, round_id: int, title: str) -> int:
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.fund import services
    from labo.territory.models import Commune

    with app.app_context():
        resident = db.session.scalar(select(User).where(User.email == RESIDENT))
        fund_round = services.get_round(round_id)
        mazingarbe = db.session.scalar(select(Commune).where(Commune.slug == "mazingarbe"))
        application = services.save_application(
            resident, fund_round, None, title=title, what="Un repas.", for_whom="Les familles.", commune=mazingarbe,
            starts_on=date.today() + timedelta(days=50), amount_cents=35_000,
            lines=[("Tables", 6_000), ("Nourriture", 25_000), ("Affiches", 4_000)], carrier_name="Les voisins",
            contact_name="Josiane Martin", contact_phone="0612345678", today=date.today())
        services.submit_application(resident, application, date.today())
        db.session.commit()
        return application.id


def test_the_administrator_opens_a_round_and_the_committee_decides(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    round_id = _open_round(live_server.app, f"Fonds du comité {tag}")
    project = f"Une fresque {tag}"
    application_id = _sent_application(live_server.app, round_id, project)
    page = f"/fonds/demandes/{application_id}"

    run_script(run_browser, [
        login("admin@labo.example"),
        goto("/fonds/nouveau"),
        submit("main form button[type=submit]", status=422, name="an empty round is refused"),
        see("Donnez un nom à l'appel à projets.", "main .error-summary"),
        axe("the new round's form, with errors"),
        evaluate(NOT_WIDER, equals=True, name="the round's form fits the phone"),
        goto(f"/fonds/{round_id}/modifier"),
        axe("a round's edit page with its committee"),
        goto(page),
        see("Josiane Martin", "main"),
        axe("an application before the committee, with the opinion, vote and decision forms"),
        evaluate(NOT_WIDER, equals=True, name="the committee's page fits the phone"),
        goto(f"/fonds/{round_id}"),
        see(project, "main"),
        axe("the round's page with what waits for the committee"),
        goto(page),
        check("main form[action$='/decision'] input[value=granted]"),
        fill("main form[action$='/decision'] input[name=amount]", "300"),
        fill("main form[action$='/decision'] textarea[name=reasons]", "Un projet qui réunit les voisins."),
        submit("main form[action$='/decision'] button[type=submit]", url=rf"^/fonds/{round_id}#decisions$",
               name="the decision is published"),
        see("Un projet qui réunit les voisins.", "main"),
        see("Reste à accorder", "main"),
        axe("the round's page with its decisions and envelope"),
        goto(page),
        axe("a funded application with the payment form"),
        evaluate(NOT_WIDER, equals=True, name="the funded application fits the phone"),
    ], widths=(360,))
