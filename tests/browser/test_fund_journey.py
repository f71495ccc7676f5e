"""A funded project's whole journey in Chromium at 360 px (issue 22): a
resident fills and sends an application in the demo's open round (Lens);
the Lens referent gives an opinion; two committee members vote (the
ambassador, then the referent); the referent publishes the decision, which
grants it; an administrator notes the payment; the resident writes the
report with a photo taken on the phone, and turns it into an experience
fiche in one action, which the referent finds in the fiches' review queue.
axe-core checks every page on the way; screenshots of the report's pages go
to /tmp/shots-fund (outside the repository) to be looked at."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.script import (axe, check, evaluate, fill, goto, login, logout, run_script, screenshot, see,
                                  submit, viewport)

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"       # Josiane: applies for her group
REFERENT = "referente.lens@labo.example"  # Nadia: Lens's referent, and on the committee
AMBASSADOR = "ambassadeur@labo.example"   # on the committee
ADMIN = "admin@labo.example"
NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
APPLY = "main form.fund-apply"
REPORT = "main form.fund-report"
SHOTS = "../../tmp/shots-fund"  # from the repository's root (/work/main): /tmp/shots-fund
PAGE = "/fonds/demandes/{{application}}"
BILAN = "main section[aria-labelledby=bilan]"  # the report's part of the project's page

# The report's photo is loaded, and the phone was given its narrower copy (srcset).
# The photo loads lazily: brought into view as a reader scrolling would, then awaited (up to 10 s).
PHOTO_SHOWN = ("(async () => { const img = document.querySelector('main section[aria-labelledby=bilan] img');"
               " img.scrollIntoView();"
               " for (let i = 0; i < 100 && !(img.complete && img.naturalWidth > 0); i++)"
               " await new Promise((done) => setTimeout(done, 100));"
               " window.scrollTo(0, 0);"
               " return img.complete && img.naturalWidth > 0 && img.currentSrc.endsWith('w=480'); })()")
# A photo "taken on the phone": drawn on a canvas, put in the file field as a picked file would be.
PICK_PHOTO = """(async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 800; canvas.height = 600;
  const g = canvas.getContext('2d');
  g.fillStyle = '#4a7c3a'; g.fillRect(0, 0, 800, 600);
  g.fillStyle = '#8b5a2b'; g.fillRect(80, 380, 640, 160);
  g.fillStyle = '#f2d16b'; g.beginPath(); g.arc(620, 120, 70, 0, 2 * Math.PI); g.fill();
  const blob = await new Promise((done) => canvas.toBlob(done, 'image/jpeg', 0.9));
  const picked = new DataTransfer();
  picked.items.add(new File([blob], 'jardin.jpg', { type: 'image/jpeg' }));
  const input = document.querySelector('main form.fund-report input[type=file]');
  input.files = picked.files;
  return input.files.length;
})()"""


def _open_round(app) -> int:
    """The demo's open round (Lens, this year)."""
    from labo.extensions import db
    from labo.fund.models import FundRound, RoundState
    from labo.territory.models import Commune

    with app.app_context():
        lens = db.session.scalar(select(Commune.id).where(Commune.slug == "lens"))
        return db.session.scalar(select(FundRound.id).where(FundRound.state == RoundState.OPEN.value,
                                                            FundRound.commune_id == lens).order_by(FundRound.id))


def _tall(name: str) -> list:
    """The whole page as the phone shows it, scrolled (a tall window, then back to the phone's)."""
    return [viewport(360, 2000), screenshot(f"{SHOTS}/{name}.png"), viewport(360, 740)]


def test_a_resident_s_project_is_funded_reported_and_becomes_a_fiche(live_server, run_browser):
    tag = uuid.uuid4().hex[:6]
    round_id = _open_round(live_server.app)
    assert round_id is not None, "the demo has an open round for Lens"
    project = f"Un jardin au pied de l'immeuble {tag}"

    run_script(run_browser, [
        # the resident applies from her phone
        login(RESIDENT),
        goto(f"/fonds/{round_id}"),
        axe("the open round's page"),
        goto(f"/fonds/{round_id}/demander"),
        fill(f"{APPLY} input[name=title]", project),
        fill(f"{APPLY} textarea[name=what]", "Des bacs de légumes au pied de l'immeuble, avec les enfants."),
        fill(f"{APPLY} textarea[name=for_whom]", "Les enfants de la résidence et leurs parents."),
        fill(f"{APPLY} input[name=starts_on]", (date.today() + timedelta(days=20)).isoformat()),
        fill(f"{APPLY} input[name=amount]", "450"),
        fill(f"{APPLY} input[name='lines-0-label']", "Bacs en bois"),
        fill(f"{APPLY} input[name='lines-0-amount']", "250"),
        fill(f"{APPLY} input[name='lines-1-label']", "Terre et graines"),
        fill(f"{APPLY} input[name='lines-1-amount']", "120"),
        fill(f"{APPLY} input[name='lines-2-label']", "Outils"),
        fill(f"{APPLY} input[name='lines-2-amount']", "80"),
        fill(f"{APPLY} input[name=carrier_name]", f"Les jardiniers {tag}"),
        fill(f"{APPLY} input[name=contact_name]", "Josiane Martin"),
        fill(f"{APPLY} input[name=contact_phone]", "06 12 34 56 78"),
        axe("the application form, filled"),
        submit(f"{APPLY} button[value=send]", url=r"^/fonds/demandes/(\d+)$", save=["application"],
               name="the application is sent"),
        see("Votre demande est envoyée au comité.", "main"),
        axe("the application sent"),
        logout(),
        # the commune's referent gives her opinion
        login(REFERENT),
        goto(PAGE),
        check("main form[action$='/avis'] input[value=favourable]"),
        fill("main form[action$='/avis'] textarea[name=text]", "Un groupe que je connais, le bailleur est d'accord."),
        submit("main form[action$='/avis'] button[type=submit]", url=r"^/fonds/demandes/{{application}}$",
               name="the referent's opinion"),
        see("Votre avis est enregistré.", "main"),
        axe("the application with the referent's opinion"),
        logout(),
        # two committee members vote
        login(AMBASSADOR),
        goto(PAGE),
        check("main form[action$='/vote'] input[value=for]"),
        fill("main form[action$='/vote'] textarea[name=comment]", "Les enfants en ont besoin."),
        submit("main form[action$='/vote'] button[type=submit]", url=r"^/fonds/demandes/{{application}}$",
               name="the ambassador votes"),
        see("Vous avez voté : Pour.", "main"),
        axe("the application after a vote"),
        logout(),
        login(REFERENT),
        goto(PAGE),
        check("main form[action$='/vote'] input[value=for]"),
        submit("main form[action$='/vote'] button[type=submit]", url=r"^/fonds/demandes/{{application}}$",
               name="the referent votes"),
        see("Pour : 2", "main"),
        # the decision grants it
        check("main form[action$='/decision'] input[value=granted]"),
        fill("main form[action$='/decision'] input[name=amount]", "400"),
        fill("main form[action$='/decision'] textarea[name=reasons]", "Deux votes pour : un projet pour les enfants."),
        submit("main form[action$='/decision'] button[type=submit]", url=rf"^/fonds/{round_id}#decisions$",
               name="the decision is published"),
        see(project, "main"),
        axe("the round's page with the decision"),
        logout(),
        # an administrator notes the payment
        login(ADMIN),
        goto(PAGE),
        submit("main form[action$='/versement'] button[type=submit]", url=r"^/fonds/demandes/{{application}}$",
               name="the payment is noted"),
        see("Le versement est noté.", "main"),
        axe("the funded project, paid"),
        logout(),
        # the resident writes the report with a photo
        login(RESIDENT),
        goto(PAGE),
        see("Écrire le bilan", BILAN),
        axe("the paid project waiting for its report"),
        *_tall("1-projet-paye"),
        submit("main p.actions a[href$='/bilan']", url=r"^/fonds/demandes/{{application}}/bilan$",
               name="the resident follows 'Écrire le bilan', at the top of her project's page"),
        axe("the report form"),
        evaluate(NOT_WIDER, equals=True, name="the report form fits the phone"),
        *_tall("2-bilan-vide"),
        submit(f"{REPORT} button[type=submit]", status=422, name="an empty report is refused"),
        see("Racontez en quelques phrases ce que vous avez fait.", "main .error-summary"),
        axe("the report form, with what is missing"),
        *_tall("3-bilan-erreur"),
        fill(f"{REPORT} textarea[name=text]", "Nous avons fait trois bacs avec les enfants.\n"
                                              "Vingt enfants sont venus planter des salades et des radis."),
        evaluate(PICK_PHOTO, equals=1, name="a photo is picked on the phone"),
        fill(f"{REPORT} textarea[name=alt]", "Des enfants plantent des salades dans un bac"),
        *_tall("4-bilan-rempli"),
        submit(f"{REPORT} button[type=submit]", url=r"^/fonds/demandes/{{application}}#bilan$",
               name="the report is posted"),
        see("Merci ! Votre bilan est en ligne.", "main"),
        see("Vingt enfants sont venus planter des salades et des radis.", BILAN),
        evaluate(PHOTO_SHOWN, equals=True, name="the photo is shown, its copy 480 px wide on the phone"),
        axe("the project with its report"),
        evaluate(NOT_WIDER, equals=True, name="the project with its report fits the phone"),
        *_tall("5-projet-avec-bilan"),
        # and turns it into an experience fiche, in one action
        submit("main form[action$='/fiche'] button[type=submit]", url=r"^/fonds/demandes/{{application}}#bilan$",
               name="the report becomes a fiche"),
        see("Le bilan est devenu une fiche d'expérience.", "main"),
        see("Devenue une fiche :", BILAN),
        see("En faire une fiche d'expérience", "main", absent=True),
        axe("the project whose report became a fiche"),
        *_tall("6-devenue-fiche"),
        logout(),
        # the referent finds it in the review queue
        login(REFERENT),
        goto("/boite-a-outils/a-relire"),
        see(project, "main", name="the fiche waits in the review queue"),
        axe("the fiches' review queue"),
        logout(),
        # anyone reads the report on the project's page, without the contact
        goto(PAGE),
        see("Vingt enfants sont venus", BILAN),
        see("Josiane Martin", "main", absent=True),
        see("06 12 34 56 78", "main", absent=True),
        axe("the project's public page with its report"),
    ], widths=(360,))
