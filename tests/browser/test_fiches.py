"""The toolbox in Chromium at phone size: a resident proposes a fiche, the
Lens referent finds it in the review queue and publishes it, it shows in the
public list and in a search typed without accents; then the printable view
of the longest demo fiche, and of a fiche filled to every limit of the form,
printed to PDF by Chromium, fits on two A4 pages. axe-core checks each page
at 360 and 1280 px. Runs on tests/browser/run_pages.mjs's "script" flow."""
from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from tests.browser.script import axe, check, count, fill, goto, login, logout, pdf, run_script, see, submit

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"        # Josiane, of Mazingarbe
REFERENT = "referente.lens@labo.example"   # Nadia, referent of Lens
FORM = "main form.fiche-form"


def _fill_to_the_limits(app) -> tuple[int, int]:
    """A fiche at every limit of the form (lengths, lines, photos, files, links),
    and the id of the longest demo fiche."""
    from PIL import Image

    from labo.accounts.models import User
    from labo.contributions.models import Contribution, Visibility
    from labo.extensions import db
    from labo.fiches import services
    from labo.fiches.models import Fiche
    from labo.meetings.models import Meeting
    from labo.territory.models import Ambition, Commune, Qpv

    def text(limit: int, lines: int) -> str:
        short = [f"Étape {n} : on s'installe." for n in range(1, lines)]
        rest = limit - len("\n".join(short)) - 1
        long_line = ("Les voisines apportent les gâteaux et chacun écrit son idée sur une bande de papier. " * 20)[:rest]
        return "\n".join(short + [long_line])

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
        ambition = db.session.scalar(select(Ambition).order_by(func.length(Ambition.title).desc()).limit(1))
        data = services.FicheInput(
            kind="compte_rendu", title=("Une fiche remplie jusqu'à la dernière limite du formulaire " * 3)[:140],
            level="codecision", public=text(300, 3), method=text(1200, 15), what_worked=text(1200, 15),
            difficulties=text(1200, 15), resources=text(600, 8), contact_name="C" * 80, contact_details="0" * 200,
            contact_consent=True,
            communes=tuple(db.session.scalars(select(Commune).order_by(func.length(Commune.name).desc()).limit(6))),
            qpvs=(), ambition=ambition,
            meetings=tuple(db.session.scalars(select(Meeting).limit(10))),
            contributions=tuple(db.session.scalars(select(Contribution).where(
                Contribution.visibility == Visibility.PUBLISHED.value).limit(10))),
        )
        fiche = services.save_fiche(admin, None, data, submit=True)
        fiche.qpvs = list(db.session.scalars(select(Qpv).order_by(func.length(Qpv.name).desc()).limit(4)))
        for n in range(services.PHOTOS_MAX):
            buffer = io.BytesIO()
            Image.new("RGB", (1200, 1600) if n % 2 else (1600, 900), (40 * n, 120, 200)).save(buffer, "JPEG")
            services.add_photo(app.config, admin, fiche, io.BytesIO(buffer.getvalue()), ("Une photo de l'atelier " * 9)[:200])
        for n in range(services.ATTACHMENTS_MAX):
            services.add_attachment(app.config, admin, fiche, io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
                                    f"{n} " + "un document joint au nom vraiment très long " * 3 + ".pdf")
        services.publish(admin, fiche)
        fiches = list(db.session.scalars(select(Fiche).where(Fiche.status == "published", Fiche.id != fiche.id)))
        longest = max(fiches, key=lambda f: len(f.method + f.what_worked + f.difficulties + f.resources + f.public))
        db.session.commit()
        return fiche.id, longest.id


def test_propose_review_publish_and_print_a_fiche(live_server, run_browser):
    from labo.extensions import db
    from labo.territory.models import Commune

    app = live_server.app
    with app.app_context():
        lens = db.session.scalar(select(Commune).where(Commune.slug == "lens")).id
    full, longest = _fill_to_the_limits(app)
    title = f"Une soupe partagée au marché {uuid.uuid4().hex[:6]}"

    run_script(run_browser, [
        # The resident proposes a fiche on her phone.
        login(RESIDENT),
        goto("/boite-a-outils/"),
        see("La boîte à outils", "main h1"),
        see("Une balade urbaine pour regarder la cité autrement", name="the demo fiches are listed"),
        goto("/boite-a-outils/proposer"),
        axe("propose a fiche"),
        submit(f"{FORM} button[value=submit]", status=422, name="an empty fiche is refused"),
        see("Donnez un titre à la fiche.", "main .error-summary"),
        see("Choisissez le niveau de participation.", "main .error-summary"),
        axe("propose a fiche, with errors"),
        fill(f"{FORM} input[name=title]", title),
        check(f"{FORM} input[name=level][value=concertation]"),
        fill(f"{FORM} textarea[name=public]", "Une trentaine de personnes du marché du samedi."),
        fill(f"{FORM} textarea[name=method]", "Une grande marmite, des légumes apportés par chacun.\n"
                                              "Pendant que la soupe cuit, on parle du quartier."),
        fill(f"{FORM} textarea[name=what_worked]", "Tout le monde repart avec un bol et une idée notée."),
        check(f'{FORM} input[name=communes][value="{lens}"]'),
        submit(f"{FORM} button[value=submit]", url=r"^/boite-a-outils/(\d+)$", save=["fiche"],
               name="sending lands on the new fiche"),
        see("Merci ! Votre fiche est envoyée", "main .flashes"),
        see("En relecture", "main article"),
        axe("the fiche, waiting for review"),
        goto("/boite-a-outils/mes-fiches"),
        see(title),
        logout(),
        goto("/boite-a-outils/{{fiche}}", status=404, name="nobody else sees it before review"),
        # The Lens referent reviews it and publishes it.
        login(REFERENT),
        goto("/boite-a-outils/a-relire"),
        see(title, name="the fiche is in the referent's review queue"),
        axe("review queue"),
        goto("/boite-a-outils/{{fiche}}"),
        see("Relecture", "main"),
        submit("main form[action$='/publier'] button", url=r"^/boite-a-outils/{{fiche}}$", name="publish it"),
        see("La fiche est publiée", "main .flashes"),
        goto("/boite-a-outils/a-relire"),
        see(title, absent=True, name="the queue no longer holds it"),
        logout(),
        # Everyone finds it: in the list, and by a search typed without accents.
        goto("/boite-a-outils/"),
        see(title),
        goto("/boite-a-outils/?q=SOUPE+partagee+marche"),
        see(title, name="a search without accents finds it"),
        count("main .fiche-card", 1, name="only that fiche matches"),
        axe("the toolbox, searched"),
        goto("/boite-a-outils/{{fiche}}"),
        see("Concertation", "main dl"),
        axe("the published fiche"),
        goto("/boite-a-outils/{{fiche}}/historique"),
        see("Version 1"),
        axe("the fiche's history"),
        # The printable views fit on two A4 pages.
        goto("/boite-a-outils/{{fiche}}/imprimer"),
        pdf(max_pages=1, file="fiche-courte.pdf", name="a short fiche prints on one A4 page"),
        goto(f"/boite-a-outils/{longest}/imprimer"),
        axe("printable fiche"),
        pdf(max_pages=2, file="fiche-demo-la-plus-longue.pdf", name="the longest demo fiche prints on two A4 pages or fewer"),
        goto(f"/boite-a-outils/{full}/imprimer"),
        pdf(max_pages=2, file="fiche-a-toutes-les-limites.pdf",
            name="a fiche filled to every limit prints on two A4 pages or fewer"),
    ])
