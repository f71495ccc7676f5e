"""The site as a person sees it, in Chromium: WCAG 2.1 A/AA per axe-core at
360 px and 1280 px, the skip link first, no sideways scrolling, no console or
CSP errors, and the language switch. One Chromium launch per test.

Each page is loaded once, at 360 px, then widened to 1280 px (run_pages.mjs,
checkPage): the status, redirect and html[lang] belong to that one load, and
every other check is made at both widths."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from labo.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = [360, 1280]
ADMIN = "admin@labo.example"
RESIDENT = "habitante@labo.example"
REFERENT = "referente.lens@labo.example"
AMBASSADOR = "ambassadeur@labo.example"


def login(email: str) -> dict:
    return {"email": email, "password": DEMO_PASSWORD}


def problems_in(result: dict, expected_status: dict[str, int] | None = None) -> list[str]:
    """Every failed check in a pages-mode result, one readable line each."""
    expected_status = expected_status or {}
    problems = []
    if result["login"] is not None and not result["login"]["ok"]:
        return [f"login failed, ended on {result['login']['url']}"]
    for r in result["results"]:
        where = f"{r['path']} @{r['width']}px"
        want = expected_status.get(r["path"], 200)
        if r["load"] and r["status"] != want:  # the wider widths reuse the same load
            problems.append(f"{where}: status {r['status']}, expected {want}")
        if r["load"] and r["finalPath"] != r["path"]:
            problems.append(f"{where}: redirected to {r['finalPath']}")
        if r["load"] and r["lang"] != "fr":
            problems.append(f"{where}: html[lang]={r['lang']!r}, expected 'fr'")
        for v in r["violations"]:
            problems.append(f"{where}: axe {v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'])}")
        if not r["skipLinkFirst"]:
            problems.append(f"{where}: first Tab stop is not the skip link to #contenu but {r['firstFocus']}")
        elif not r["skipLinkVisible"]:
            problems.append(f"{where}: the skip link is not visible in the viewport when focused")
        if r["overflow"]:
            problems.append(f"{where}: horizontal overflow, scrollWidth {r['scrollWidth']}px")
        for error in r["errors"]:
            problems.append(f"{where}: {error}")
    return problems


def check_pages(run_browser, name: str, pages: list[str], user: str | None = None,
                expected_status: dict[str, int] | None = None) -> None:
    result = run_browser({"name": name, "login": login(user) if user else None, "pages": pages, "widths": WIDTHS})
    if result["login"] is None or result["login"]["ok"]:
        # each page loaded once, at 360 px, and checked at every width
        assert [(r["path"], r["width"]) for r in result["results"] if r["load"]] == [(page, 360) for page in pages]
        assert [(r["path"], r["width"]) for r in result["results"]] == [(page, w) for page in pages for w in WIDTHS]
    problems = problems_in(result, expected_status)
    assert not problems, "\n".join(problems)


def test_public_pages(live_server, run_browser):
    from labo.accounts.services import find_user_by_email, make_reset_token
    from labo.territory.models import Commune, Qpv
    from labo.extensions import db

    app = live_server.app
    with app.app_context():
        communes = db.session.scalars(select(Commune.slug).order_by(Commune.slug)).all()
        qpvs = db.session.scalars(select(Qpv.slug).order_by(Qpv.slug)).all()
        token = make_reset_token(app.config, find_user_by_email(RESIDENT))
        from labo.contributions.models import Contribution

        answered = db.session.scalar(select(Contribution.id).where(Contribution.answer.is_not(None)).limit(1))
        from labo.meetings import services as meeting_services

        coming = meeting_services.upcoming()[0]
        coming_id, held_id = coming.id, meeting_services.past()[0].id
        from labo.fiches.models import Fiche

        fiche = db.session.scalar(select(Fiche.id).where(Fiche.status == "published").order_by(Fiche.id).limit(1))
        seat = meeting_services.register(coming, first_name="Monique", contact="06 00 00 00 00")
        process_pages = _process_pages() + _ballot_pages()
    assert communes and qpvs, "the territory was not seeded"
    pages = (
        ["/", "/territoire/", "/territoire/contrat-de-ville", "/idees/", "/idees/?commune=lens&kind=idee", "/idees/?page=2",
         f"/idees/{answered}", "/rencontres/", f"/rencontres/{coming_id}", f"/rencontres/{held_id}",
         f"/rencontres/inscription/{seat.cancel_token}", "/acteurs/", "/acteurs/?commune=lens&theme=p2&kind=structures",
         "/proclamation/", "/proclamation/signataires", "/proclamation/versions", "/proclamation/versions/1",
         "/partenaires/", "/partenaires/?annee=2024", "/partenaires/caf-pas-de-calais",
         "/boite-a-outils/", "/boite-a-outils/?q=jardin&level=codecision&kind=experience&commune=wingles&theme=p2",
         f"/boite-a-outils/{fiche}", f"/boite-a-outils/{fiche}/imprimer", f"/boite-a-outils/{fiche}/historique",
         f"/boite-a-outils/{fiche}/historique/1", "/demarches/", "/demarches/?level=consultation&commune=lens&stage=open",
         "/confidentialite", "/accessibilite", "/mentions-legales"]
        + process_pages
        + [f"/territoire/communes/{slug}" for slug in communes]
        + [f"/territoire/quartiers/{slug}" for slug in qpvs]
        + ["/compte/connexion", "/compte/inscription", "/compte/mot-de-passe-oublie",
           f"/compte/nouveau-mot-de-passe/{token}", "/compte/nouveau-mot-de-passe/nope", "/nexiste-pas"]
    )
    check_pages(run_browser, "public", pages, expected_status={
        "/compte/nouveau-mot-de-passe/nope": 400,
        "/nexiste-pas": 404,
    })


def _process_pages() -> list[str]:
    """The demo processes' pages, one per level and stage (inside an app context)."""
    from labo.extensions import db
    from labo.processes.demo import DEMO_TITLES
    from labo.processes.models import Process

    ids = db.session.scalars(select(Process.id).where(Process.title.in_(DEMO_TITLES.values())).order_by(Process.id)).all()
    assert len(ids) == len(DEMO_TITLES), "the demo processes were not seeded"
    return [f"/demarches/{i}" for i in ids]


def _ballot_pages() -> list[str]:
    """The results pages of the demo processes that count votes or opinions (inside an app context)."""
    from labo.extensions import db
    from labo.processes.demo import DEMO_TITLES
    from labo.processes.models import Process

    keys = ("consultation_open", "consultation_answered", "codecision_open")
    ids = db.session.scalars(select(Process.id).where(Process.title.in_([DEMO_TITLES[k] for k in keys]))).all()
    return [f"/demarches/{i}/resultats" for i in sorted(ids)]


def test_resident_pages(live_server, run_browser):
    with live_server.app.app_context():
        process_pages = _process_pages()
    check_pages(run_browser, "resident", ["/compte/", "/idees/nouvelle", "/compte/notifications/", "/admin/", "/proclamation/",
                                          "/boite-a-outils/proposer", "/boite-a-outils/mes-fiches"] + process_pages,
                user=RESIDENT, expected_status={"/admin/": 403})


def test_admin_pages(live_server, run_browser):
    from labo.accounts.services import find_user_by_email

    with live_server.app.app_context():
        referent_id = find_user_by_email(REFERENT).id
        from labo.meetings import services as meeting_services

        coming = meeting_services.upcoming()[0].id
        held = meeting_services.past()[0].id
        from labo.actors.models import Organisation
        from labo.extensions import db

        organisation = db.session.scalar(select(Organisation.id).limit(1))
        from labo.partners.models import Commitment

        commitment = db.session.scalar(select(Commitment).order_by(Commitment.id).limit(1))
        commitment_page = f"/partenaires/{commitment.partner.slug}/engagements/{commitment.id}"
        from labo.fiches.models import Fiche

        waiting = db.session.scalar(select(Fiche.id).where(Fiche.status == "submitted").order_by(Fiche.id).limit(1))
        fiche = db.session.scalar(select(Fiche.id).where(Fiche.status == "published").order_by(Fiche.id).limit(1))
        from labo.processes.models import Process

        process = db.session.scalar(select(Process.id).where(Process.published.is_(True)).order_by(Process.id).limit(1))
        process_pages = _process_pages()
        ballot_pages = _ballot_pages()
        from labo.processes.models import Tally

        sheet = db.session.scalar(select(Tally).order_by(Tally.id).limit(1))
        sheet_pages = [f"/demarches/{sheet.process_id}/depouillement/{sheet.id}/retirer"] if sheet else []
    copil = ["/copil/", "/copil/?from=2023-01-01", "/copil/rapport?from=2023-01-01"]
    copil += [f"/copil/demarches/{process}"] if process else []
    pages = copil + [
        "/admin/", "/admin/comptes", f"/admin/comptes/{referent_id}", "/admin/journal", "/admin/courriels",
        "/admin/territoire/", "/admin/territoire/communes/lens", "/admin/territoire/quartiers/camus",
        "/admin/territoire/piliers/1", "/admin/territoire/axes/participation",
        "/admin/territoire/communes/nouvelle", "/admin/territoire/quartiers/nouveau",
        "/moderation/", "/moderation/sans-reponse",
        "/rencontres/nouvelle", f"/rencontres/{coming}/modifier", f"/rencontres/{coming}/emargement",
        f"/rencontres/{coming}/compte-rendu", f"/rencontres/{coming}/affiche", "/rencontres/indicateurs",
        f"/rencontres/indicateurs?rencontre={held}",
        "/acteurs/activite", "/acteurs/structures/nouvelle", f"/acteurs/structures/{organisation}/modifier",
        "/proclamation/", "/proclamation/modifier",
        "/partenaires/suivi", "/partenaires/nouveau", "/partenaires/caf-pas-de-calais/modeles?famille=evaluation",
        commitment_page, commitment_page + "/modifier", commitment_page + "/supprimer",
        "/boite-a-outils/a-relire", f"/boite-a-outils/{waiting}", f"/boite-a-outils/{fiche}/modifier",
        f"/boite-a-outils/{fiche}/photos-et-fichiers",
        "/demarches/", "/demarches/nouvelle", "/compte/verifier?q=jo",
    ] + process_pages + [p + "/gestion" for p in process_pages] + [p + "/modifier" for p in process_pages]
    pages += ballot_pages + [p.replace("/resultats", "/depouillement") for p in ballot_pages] + sheet_pages
    check_pages(run_browser, "admin", pages, user=ADMIN)


def test_ambassador_pages(live_server, run_browser):
    from labo.accounts.services import find_user_by_email
    from labo.actors.services import activity_of

    with live_server.app.app_context():
        note = activity_of(find_user_by_email(AMBASSADOR))[0].id
    pages = ["/acteurs/", "/acteurs/moi", "/acteurs/mon-espace", "/acteurs/mon-espace/activite/nouvelle",
             f"/acteurs/mon-espace/activite/{note}", "/compte/"]
    check_pages(run_browser, "ambassador", pages, user=AMBASSADOR)


def test_language_flow(run_browser):
    result = run_browser({"flow": "language", "login": login(RESIDENT)})
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed, "\n".join(failed)
    names = [s["name"] for s in result["steps"]]
    assert "log out removes the logout button" in names, result["steps"]
