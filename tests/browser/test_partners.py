"""A partner's commitment followed up in Chromium at phone size: the public
overview is read, an administrator opens a commitment of the CAF that is "en
cours", is refused a follow-up dated tomorrow, records one that moves it to
"tenu", and the public overview then shows one more kept and one less in
progress, for the CAF's family and for all partners. axe-core (WCAG 2.1 A/AA)
checks each page at 360 and 1280 px. Forms only (no script needed)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.script import axe, fill, goto, login, logout, run_script, see, select as choose, submit

pytestmark = pytest.mark.browser

ADMIN = "admin@labo.example"
SLUG = "caf-pas-de-calais"
FORM = "main form.follow-up-form"


def counts(app, family: str) -> dict:
    """The overview's figures for the CAF's family and for all partners, as the site computes them."""
    from labo.partners import services

    with app.app_context():
        photo = services.photography()
        caf = next(pt for pt in photo.partners if pt.partner.slug == SLUG)
        return {"caf": dict(caf.families[family].counts), "all": dict(photo.total.counts)}


def cells(family: str, figures: dict, name: str) -> list:
    caf = f"main #p-{SLUG} tr[data-family={family}]"
    total = "main #total tr[data-family=total]"
    return [
        see(str(figures["caf"]["en_cours"]), f"{caf} td[data-status=en_cours]", name=f"{name}: CAF en cours"),
        see(str(figures["caf"]["tenu"]), f"{caf} td[data-status=tenu]", name=f"{name}: CAF tenus"),
        see(str(figures["all"]["en_cours"]), f"{total} td[data-status=en_cours]", name=f"{name}: all en cours"),
        see(str(figures["all"]["tenu"]), f"{total} td[data-status=tenu]", name=f"{name}: all tenus"),
    ]


def test_a_follow_up_moves_a_commitment_to_kept_and_the_overview_follows(live_server, run_browser):
    from labo.extensions import db
    from labo.partners.models import Commitment, Partner

    app = live_server.app
    with app.app_context():
        commitment = db.session.scalar(
            select(Commitment).join(Partner).where(Partner.slug == SLUG, Commitment.status == "en_cours")
            .order_by(Commitment.id).limit(1))
        assert commitment is not None, "the demo has a CAF commitment in progress"
        commitment_id, family, title = commitment.id, commitment.family, commitment.title
    before = counts(app, family)
    assert before["caf"]["en_cours"] >= 1
    after = {"caf": dict(before["caf"]), "all": dict(before["all"])}
    for scope in after.values():
        scope["en_cours"] -= 1
        scope["tenu"] += 1
    page = f"/partenaires/{SLUG}/engagements/{commitment_id}"
    today = date.today()

    run_script(run_browser, [
        goto("/partenaires/"),
        see("Les engagements des partenaires", "main h1"),
        *cells(family, before, "before"),
        axe("the partners' overview"),
        goto(f"/partenaires/{SLUG}"),
        see(title, "main"),
        axe("the CAF's page"),

        login(ADMIN),
        goto(page),
        see("En cours", "main #statut"),
        axe("a commitment, as an administrator"),
        fill(f"{FORM} input[name=happened_on]", (today + timedelta(days=1)).isoformat()),
        fill(f"{FORM} textarea[name=note]", "Le référent est nommé, le courrier est arrivé."),
        choose(f"{FORM} select[name=status_after]", value="tenu"),
        submit(f"{FORM} button[type=submit]", status=422, name="a follow-up dated tomorrow is refused"),
        see("La date du point de suivi ne peut pas être dans le futur.", "main .error-summary"),
        see("En cours", "main #statut", name="the commitment has not moved"),
        axe("a commitment, follow-up with an error"),
        fill(f"{FORM} input[name=happened_on]", today.isoformat()),
        choose(f"{FORM} select[name=status_after]", value="tenu"),
        fill(f"{FORM} input[name=link]", "https://www.caf.fr/"),
        submit(f"{FORM} button[type=submit]", url=rf"^/partenaires/{SLUG}/engagements/{commitment_id}$",
               name="recording the follow-up lands back on the commitment"),
        see("Le point de suivi est enregistré", "main .flashes"),
        see("Tenu", "main #statut"),
        see("Le référent est nommé, le courrier est arrivé.", "main section[aria-labelledby=historique]"),
        axe("a commitment, just followed up"),
        logout(),

        goto("/partenaires/"),
        *cells(family, after, "after"),
        axe("the partners' overview, after the follow-up"),
    ])

    with app.app_context():
        assert db.session.get(Commitment, commitment_id).status == "tenu"
    assert counts(app, family) == after
