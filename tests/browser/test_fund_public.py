"""What anyone reads of the fund, and a round's steps, in Chromium at phone
size (issue 22): the funded projects commune by commune with the commune
filter (a plain form, no JavaScript needed), a funded project's public page
without its contact; an administrator closes a round's applications, then
winds the fund up once every application is decided. The pages never scroll
sideways at 360 px and axe-core finds no violation on any of them."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.script import (axe, count, evaluate, goto, login, logout, run_script, screenshot, see, submit,
                                  viewport)
from tests.browser.script import select as choose

pytestmark = pytest.mark.browser

NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
SHOTS = "../../tmp/shots-fund2"  # from the repository's root: /tmp/shots-fund2


def _world(app, tag: str) -> dict:
    """Funded projects in Lens and Liévin: a closed round all decided, and an
    agglomeration round still open with an application waiting."""
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.fund import services
    from labo.territory.models import Commune

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
        place = {slug: db.session.scalar(select(Commune).where(Commune.slug == slug)) for slug in ("lens", "lievin")}
        today = date.today()

        def a_round(title, commune):
            fund_round = services.create_round(
                admin, commune, title=title, envelope_cents=500_000, ceiling_cents=100_000,
                apply_until=today + timedelta(days=30), committee_on=today + timedelta(days=40), spend_within_days=30,
                rules="Un groupe d'au moins trois habitants.", rules_easy="Vous êtes trois habitants ou plus.",
                today=today)
            services.add_member(admin, fund_round, admin.pseudonym, False)
            services.open_round(admin, fund_round, today)
            return fund_round

        def an_application(fund_round, title, commune, carrier):
            application = services.save_application(
                admin, fund_round, None, title=title, what="Un grand repas dans la cour, avec de la musique.",
                for_whom="Les familles de la cité.", commune=commune, starts_on=today + timedelta(days=50),
                amount_cents=45_000, lines=[("Tables", 6_000), ("Nourriture", 35_000), ("Affiches", 4_000)],
                carrier_name=carrier, contact_name="Josiane Secrète", contact_phone="0612345678",
                contact_email="josiane.secrete@example.org", today=today)
            services.submit_application(admin, application, today)
            return application

        funded = a_round(f"Fonds de Lens {tag}", place["lens"])
        fresco = an_application(funded, f"Une fresque sur le mur de l'école {tag}", place["lens"],
                                "Les voisins de la cité 12")
        services.decide(admin, fresco, "granted", 40_000, "Un projet qui réunit les voisins.")
        services.record_payment(admin, fresco, today)
        services.close_applications(admin, funded, today)
        whole = a_round(f"Fonds de l'agglomération {tag}", None)
        garden = an_application(whole, f"Un jardin partagé {tag}", place["lievin"], "Les jardiniers des Provinces")
        services.decide(admin, garden, "granted", 35_000, "Pour tout le quartier.")
        an_application(whole, f"Un concert {tag}", place["lens"], "Les musiciens")  # waits for the committee
        db.session.commit()
        return {"funded": funded.id, "whole": whole.id, "fresco": fresco.id}


def test_anyone_reads_the_funded_projects_by_commune_on_a_phone(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    ids = _world(live_server.app, tag)
    run_script(run_browser, [
        goto("/fonds/"),
        see("Les projets financés, commune par commune", "main"),
        goto("/fonds/projets"),
        see(f"Une fresque sur le mur de l'école {tag}", "main"),
        see(f"Un jardin partagé {tag}", "main"),
        see("Les voisins de la cité 12", "main"),
        see(f"Un concert {tag}", "main", absent=True),
        see("Josiane", "main", absent=True),
        axe("the funded projects, every commune"),
        evaluate(NOT_WIDER, equals=True, name="the funded projects fit the phone"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/projects-360.png"),
        choose("main form[role=search] select[name=commune]", value="lievin"),
        submit("main form[role=search] button[type=submit]", url=r"^/fonds/projets\?commune=lievin$",
               name="the commune filter, a plain form"),
        see(f"Un jardin partagé {tag}", "main"),
        see(f"Une fresque sur le mur de l'école {tag}", "main", absent=True),
        axe("the funded projects of one commune"),
        evaluate(NOT_WIDER, equals=True, name="one commune's projects fit the phone"),
        viewport(360, 900),
        screenshot(f"{SHOTS}/projects-lievin-360.png"),
        goto("/fonds/projets?commune=atlantide", status=400),
        see("Cette commune n'existe pas.", "main"),
        axe("an unknown commune, said beside the list"),
        goto(f"/fonds/demandes/{ids['fresco']}"),
        see("Un projet qui réunit les voisins.", "main"),
        see("Josiane Secrète", "main", absent=True),
        see("La personne à contacter", "main", absent=True),
        axe("a funded project's public page"),
        evaluate(NOT_WIDER, equals=True, name="a funded project's page fits the phone"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/project-public-360.png"),
    ], widths=(360,))


def test_an_administrator_closes_the_applications_then_winds_the_fund_up(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    ids = _world(live_server.app, tag)
    whole, funded = f"/fonds/{ids['whole']}", f"/fonds/{ids['funded']}"
    run_script(run_browser, [
        goto(whole),
        see("Vous pouvez faire une demande jusqu'au", "main"),
        see("Clore les demandes", "main", absent=True),
        login("admin@labo.example"),
        goto(whole),
        see("Clore les demandes", "main"),
        axe("an open round's page with 'Clore les demandes'"),
        evaluate(NOT_WIDER, equals=True, name="the round's page fits the phone"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/round-open-admin-360.png"),
        submit("main form[action$='/clore'] button[type=submit]", url=rf"^{whole}$",
               name="the applications are closed"),
        see("Les demandes sont closes. Le comité peut décider.", "main"),
        see("1 demande attend encore la décision du comité", "main"),
        see("Faire une demande", "main", absent=True),
        axe("a closed round with an application still waiting"),
        goto(funded),
        see("Clôturer le fonds", "main"),
        axe("a closed round, every application decided, with 'Clôturer le fonds'"),
        evaluate(NOT_WIDER, equals=True, name="the closed round's page fits the phone"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/round-closed-admin-360.png"),
        submit("main form[action$='/cloturer'] button[type=submit]", url=rf"^{funded}$", name="the fund is wound up"),
        see("Le fonds est clôturé.", "main"),
        see("Ce fonds est terminé : toutes les décisions sont publiées ici.", "main"),
        axe("a round that is over"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/round-done-360.png"),
        logout(),
        goto(funded),
        see("Terminé", "main .lead"),
        see("Clôturer le fonds", "main", absent=True),
    ], widths=(360,))


def _initiative_and_round(app, tag: str) -> tuple[int, int]:
    """A resident's initiative in Mazingarbe and a round open for Mazingarbe."""
    from labo.accounts.models import User
    from labo.contributions import services as contributions
    from labo.extensions import db
    from labo.fund import services
    from labo.territory.models import Commune

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
        resident = db.session.scalar(select(User).where(User.email == "habitante@labo.example"))
        mazingarbe = db.session.scalar(select(Commune).where(Commune.slug == "mazingarbe"))
        today = date.today()
        initiative = contributions.create_contribution(
            app.config, resident, kind="initiative", title=f"Un potager au pied des immeubles {tag}",
            body="Avec les enfants du centre social.", commune=mazingarbe)
        fund_round = services.create_round(
            admin, mazingarbe, title=f"Fonds de Mazingarbe {tag}", envelope_cents=500_000, ceiling_cents=100_000,
            apply_until=today + timedelta(days=30), committee_on=today + timedelta(days=40), spend_within_days=30,
            rules="", rules_easy="", today=today)
        services.add_member(admin, fund_round, admin.pseudonym, False)
        services.open_round(admin, fund_round, today)
        db.session.commit()
        return initiative.id, fund_round.id


def test_the_author_of_an_initiative_asks_the_fund_from_its_page(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    initiative_id, round_id = _initiative_and_round(live_server.app, tag)
    page = f"/idees/{initiative_id}"
    button = f"main form[action='/fonds/{round_id}/depuis-initiative/{initiative_id}'] button[type=submit]"
    run_script(run_browser, [
        goto(page),
        see("Demander un financement", "main", absent=True),
        login("habitante@labo.example"),
        goto(page),
        count(button, equals=1, name="the author sees the button for the Mazingarbe round"),
        see("Demander un financement", button),
        see(f"Fonds de Mazingarbe {tag}", "main"),
        axe("an initiative's page with the fund's button, for its author"),
        evaluate(NOT_WIDER, equals=True, name="the initiative's page fits the phone"),
        viewport(360, 1400),
        screenshot(f"{SHOTS}/initiative-button-360.png"),
        submit(button, url=r"^/fonds/demandes/(\d+)/modifier$", name="the initiative becomes a draft application"),
        see("Votre initiative est devenue un brouillon de demande", "main"),
        evaluate("document.querySelector(\"main input[name=title]\").value",
                 equals=f"Un potager au pied des immeubles {tag}", name="the draft starts from the initiative"),
        goto(page),
        count(button, equals=0, name="no button for a round where it has its application"),
    ], widths=(360,))
