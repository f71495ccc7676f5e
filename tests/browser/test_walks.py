"""A walking diagnostic in Chromium at 360 px, axe-core (WCAG 2.1 A/AA) on
every page: Lens's referent plans it; on the walk, with the network gone,
three findings are captured on the phone (one with a photo whose GPS the
site strips, one with the phone's position, granted and fixed, one with a
street) and wait on the phone; the network comes back and each reaches the
database once. The referent sorts them (one to a commune service, one to the
landlord, one set aside), the landlord's referent answers, residents read the
answer on the walk's page, and the report is printed to A4. Without
JavaScript, the plain form posts a finding directly. Screenshots go to
/tmp/shots-walks."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from labo.demo import DEMO_PASSWORD
from tests.browser.script import (axe, check, count, evaluate, fill, goto, login, logout, pdf, run_script, screenshot,
                                  see, select as choose, submit)

pytestmark = pytest.mark.browser

REFERENT = "referente.lens@labo.example"
LANDLORD_REFERENT = "sandrine.lefebvre@labo.example"  # the referent on Habitat du Bassin minier's commitments
SHOTS = "../../tmp/shots-walks"  # from the repository's root
PHONE_AT = (50.4411234, 2.8163456)


def shot(name: str) -> dict:
    return screenshot(f"{SHOTS}/{name}.png")


def wait(selector: str, text: str = "", state: str = "visible", timeout: int = 10000, name: str = "") -> dict:
    step = {"do": "wait", "selector": selector, "state": state, "timeout": timeout}
    if text:
        step["text"] = text
    if name:
        step["name"] = name
    return step


def scroll_to(selector: str) -> dict:
    return evaluate(f"(document.querySelector('{selector}').scrollIntoView(), true)", equals=True,
                    name=f"scroll to {selector}")


def click(selector: str) -> dict:
    return {"do": "click", "selector": selector}


@pytest.fixture
def uploads(live_server, tmp_path):
    previous = live_server.app.config["LABO_UPLOAD_DIR"]
    live_server.app.config["LABO_UPLOAD_DIR"] = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    yield tmp_path / "uploads"
    live_server.app.config["LABO_UPLOAD_DIR"] = previous


def photo_with_gps(path) -> str:
    image = Image.new("RGB", (1200, 900), (40, 50, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (50.0, 26.0, 28.0), 3: "E", 4: (2.0, 48.0, 59.0)}
    image.save(path, "JPEG", exif=exif.tobytes())
    return str(path)


def test_a_walk_captured_offline_sorted_answered_and_printed(live_server, run_browser, uploads, tmp_path):
    from labo.accounts.services import find_user_by_email
    from labo.core.db import utcnow
    from labo.extensions import db
    from labo.territory.models import Qpv
    from labo.walks.models import Finding, Walk
    from tests.factories import create_user

    suffix = uuid.uuid4().hex[:6]
    title = f"Diagnostic rue Diderot {suffix}"
    with live_server.app.app_context():
        qpv_id = db.session.scalar(select(Qpv.id).where(Qpv.code == "QP062024"))
        if find_user_by_email(LANDLORD_REFERENT) is None:  # the landlord's referent opens an account
            create_user(pseudonym="Sandrine du bailleur", email=LANDLORD_REFERENT, password=DEMO_PASSWORD)
        tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT15:00")
    photo = photo_with_gps(tmp_path / "IMG_2041.jpg")
    pending = "en attente d'envoi"

    # --- planned, then captured on the phone with the network gone -------------------------------
    result = run_script(run_browser, [
        login(REFERENT),
        goto("/diagnostics/nouveau"),
        axe("plan a walk"),
        fill("#title", title),
        fill("#starts_at", tomorrow),
        choose("#commune", label="Lens"),
        choose("#qpv", value=str(qpv_id)),
        fill("#meeting_point", "Devant l'école Jean-Macé"),
        fill("#route", "Rue Diderot\nLe square\nLes immeubles de la rue Voltaire"),
        check("#invites_landlord"),
        submit("#walk-form button[type=submit]", url=r"/diagnostics/([0-9]+)$", save=["walk"],
               name="planning lands on the walk's page"),
        see("Il est dans le programme des rencontres"),
        axe("a walk just planned"),
        shot("1-walk-planned"),
        goto("/diagnostics/{{walk}}/modifier"),
        see("les personnes inscrites sont prévenues"),
        axe("change a walk"),
        goto("/rencontres/"),
        see(title, name="the walk is in the programme"),
        goto("/diagnostics/"),
        see(title, name="the walk is in the list of walks"),
        axe("the list of walks"),
        {"do": "geolocation", "latitude": PHONE_AT[0], "longitude": PHONE_AT[1]},
        goto("/diagnostics/{{walk}}/constater"),
        see("Elle n'est prise que si vous appuyez sur le bouton", name="the position is optional, and says why"),
        axe("capture page"),
        {"do": "offline", "value": True},
        {"do": "upload", "selector": "#photo", "file": photo},
        choose("#category", value="lighting"),
        fill("#text", "Trois lampadaires éteints sur le chemin de l'école."),
        fill("#street", "rue Diderot"),
        click("#finding-form button[type=submit]"),
        wait("#walk-queue li[data-key]", pending, name="the first finding waits on the phone"),
        choose("#category", value="safety"),
        fill("#text", "Une grille arrachée au bord du square."),
        click("#add-position"),
        wait("#position-state", "Position ajoutée.", name="the position is added only when asked"),
        scroll_to("#walk-position"),
        shot("2a-position-added"),
        click("#finding-form button[type=submit]"),
        wait("#walk-queue li[data-key]:nth-child(2)", pending),
        choose("#category", value="housing"),
        fill("#text", "La porte du hall du 12 ne ferme plus."),
        fill("#street", "rue Voltaire, n° 12"),
        click("#finding-form button[type=submit]"),
        wait("#walk-queue li[data-key]:nth-child(3)", pending),
        see("3 constats sont gardés sur ce téléphone", selector="#walk-sync",
            name="the page says three findings wait on the phone"),
        evaluate("JSON.parse(localStorage.getItem('labo-walk:{{walk}}')).length", equals=3,
                 name="the three findings are kept in the phone's storage"),
        evaluate("JSON.parse(localStorage.getItem('labo-walk:{{walk}}'))[0].photo.startsWith('data:image/jpeg')",
                 equals=True, name="the photo is kept on the phone as a smaller JPEG"),
        axe("capture page, offline, three findings waiting"),
        shot("2-three-findings-waiting-offline"),
        scroll_to("h1"),
        shot("2b-offline-notice"),
        {"do": "offline", "value": False},
        wait("#walk-queue .pending-mark", state="detached", timeout=25000,
             name="back online, nothing waits any more"),
        see("Tout est envoyé.", selector="#walk-sync"),
        evaluate("localStorage.getItem('labo-walk:{{walk}}')", equals=None, name="the phone's queue is empty"),
        axe("capture page, everything sent"),
        scroll_to("#mes-constats"),
        shot("3-everything-sent"),
        goto("/diagnostics/{{walk}}/constater", name="reload the page"),
        count("#walk-queue li", 3, name="after a reload, my three findings are listed once each"),
    ], widths=(360,))
    walk_id = int(result["saved"]["walk"])

    with live_server.app.app_context():
        db.session.expire_all()
        walk = db.session.get(Walk, walk_id)
        assert walk.meeting.kind == "walk" and walk.qpv_id == qpv_id and walk.invites_landlord
        findings = sorted(walk.findings, key=lambda f: f.id)
        assert len(findings) == 3, "each finding reached the database once"
        assert all(f.client_key for f in findings)
        lamp, gate, door = findings
        assert lamp.photo_key and not Image.open(uploads / lamp.photo_key).getexif(), "no EXIF, no GPS"
        assert (gate.latitude, gate.longitude) == (50.4411, 2.8163), "the position, rounded"
        assert gate.street == ""
        assert lamp.latitude is None and door.latitude is None, "no position unless asked"
        ids = {"lamp": lamp.id, "gate": gate.id, "door": door.id}

    # --- sorted and sent on; the landlord's referent answers; the walk's page; the report ----------
    def sort_send(key: str, *, partner: str = "", service: str = "") -> list:
        n = ids[key]
        steps = [choose(f"#c{n}-partner", value=partner)] if partner else []
        if service:
            steps.append(fill(f"#c{n}-service_name", service))
        steps.append(submit(f"#c{n} button[name=action][value=send]", url=rf"/diagnostics/{walk_id}/tri(#c[0-9]+)?$",
                            name=f"the {key} is sent on"))
        return steps

    run_script(run_browser, [
        login(REFERENT),
        goto(f"/diagnostics/{walk_id}/tri"),
        axe("sorting page"),
        shot("4-sorting"),
        *sort_send("lamp", service="Ville de Lens, éclairage public"),
        see("Le constat est transmis."),
        *sort_send("gate", partner="habitat-du-bassin-minier"),
        choose(f"#c{ids['door']}-category", value="housing"),
        submit(f"#c{ids['door']} button[name=action][value=reject]", url=rf"/diagnostics/{walk_id}/tri(#c[0-9]+)?$",
               name="the third is set aside"),
        see("Le constat est écarté."),
        axe("sorting page, sorted"),
        scroll_to(f"#c{ids['gate']}"),
        shot("5-sorted"),
        logout(),
        login(LANDLORD_REFERENT),
        goto("/diagnostics/a-repondre"),
        see("Une grille arrachée au bord du square.", name="the landlord's referent finds what was sent to them"),
        see("Trois lampadaires", absent=True, name="... and not what was sent to the commune"),
        axe("findings to answer"),
        goto(f"/diagnostics/{walk_id}/constats/{ids['gate']}/reponse"),
        axe("answer a finding"),
        choose("#status", value="in_progress"),
        fill("#answer", "Notre équipe remet la grille en place la semaine prochaine."),
        submit("main form button[type=submit]", url=rf"/diagnostics/{walk_id}(#c[0-9]+)?$", name="the answer is published"),
        logout(),
        goto(f"/diagnostics/{walk_id}"),
        see("Notre équipe remet la grille en place la semaine prochaine.", name="residents read the answer"),
        see("Transmis à : Habitat du Bassin minier"),
        see("En cours"),
        see("La porte du hall du 12", absent=True, name="a finding set aside is not shown"),
        count(f'a[href="geo:{50.4411:.4f},{2.8163:.4f}"]', 1, name="the position opens the phone's map application"),
        count('a[href="geo:0,0?q=rue%20Diderot%2C%20Lens"]', 1, name="a street opens it too, as a query"),
        count('img[src^="http"]:not([src*="127.0.0.1"])', 0, name="no picture from elsewhere: no map tiles"),
        axe("the walk's public page, answered"),
        scroll_to("#constats"),
        shot("6-walk-page-answered"),
        scroll_to(f"#c{ids['gate']}"),
        shot("6b-walk-page-answer"),
        goto(f"/diagnostics/{walk_id}/rapport"),
        see("Qui répond à quoi"),
        see("Ville de Lens, éclairage public"),
        axe("the printable report"),
        shot("7-report-screen"),
        pdf(max_pages=3, file="walk-report.pdf", name="the report prints on three A4 pages at most"),
        {"do": "viewport", "width": 794, "height": 1123},
        {"do": "media", "value": "print"},
        count("header.site-header:visible, .breadcrumb:visible", 0, name="printed, the site's header is left out"),
        shot("8-report-printed-a4"),
        {"do": "media", "value": None},
    ], widths=(360,))

    with live_server.app.app_context():
        db.session.expire_all()
        statuses = {f.id: (f.status, f.addressee_name) for f in db.session.get(Walk, walk_id).findings}
        assert statuses[ids["lamp"]] == ("sent", "Ville de Lens, éclairage public")
        assert statuses[ids["gate"]] == ("in_progress", "Habitat du Bassin minier")
        assert statuses[ids["door"]][0] == "rejected"


def test_without_javascript_the_plain_form_posts_a_finding(live_server, run_browser, uploads):
    from labo.extensions import db
    from labo.walks import services
    from labo.walks.models import Finding

    with live_server.app.app_context():
        walk_id = services.walks_to_come()[0].id
        before = db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk_id))
    run_script(run_browser, [
        {"do": "noscript", "script": "walk.js"},
        login(REFERENT),
        goto(f"/diagnostics/{walk_id}/constater"),
        count("#walk-position[hidden]", 1, name="without the script, no position button: the street is asked"),
        choose("#category", value="cleanliness"),
        fill("#text", "Des sacs de déchets au pied de l'arbre."),
        submit("#finding-form button[type=submit]", status=422, name="no street: told what is missing"),
        see("Indiquez le nom de la rue, ou ajoutez votre position."),
        axe("capture page without scripts, with an error"),
        fill("#street", "square Voltaire"),
        submit("#finding-form button[type=submit]", url=rf"/diagnostics/{walk_id}/constater$",
               name="the plain form posts the finding"),
        see("Merci ! Votre constat est enregistré."),
        axe("capture page without scripts, sent"),
        shot("9-no-script-sent"),
    ], widths=(360,))
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk_id)) == before + 1


def test_a_photo_the_phone_cannot_read_goes_with_the_form_and_the_site_says_why(live_server, run_browser, uploads,
                                                                                tmp_path):
    """walk.js cannot shrink a photo this browser cannot decode (HEIC on some
    phones, here a file that is no picture): online, the form goes as it is
    and the site's answer says why, with the sentence and the street kept."""
    from labo.extensions import db
    from labo.walks import services
    from labo.walks.models import Finding

    unreadable = tmp_path / "IMG_0042.heic"
    unreadable.write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 2000)
    with live_server.app.app_context():
        walk_id = services.walks_to_come()[0].id
        before = db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk_id))
    run_script(run_browser, [
        login(REFERENT),
        goto(f"/diagnostics/{walk_id}/constater"),
        choose("#category", value="lighting"),
        fill("#text", "Le lampadaire clignote toute la nuit."),
        fill("#street", "rue Voltaire"),
        {"do": "upload", "selector": "#photo", "file": str(unreadable)},
        submit("#finding-form button[type=submit]", status=422, name="the site reads the photo and says why"),
        see("Envoyez une photo en JPEG, PNG ou WebP."),
        evaluate("[document.querySelector('#text').value, document.querySelector('#street').value,"
                 " document.querySelector('#category').value]",
                 equals=["Le lampadaire clignote toute la nuit.", "rue Voltaire", "lighting"],
                 name="what was typed and chosen is kept"),
        axe("capture page, an unreadable photo"),
    ], widths=(360,))
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk_id)) == before
