"""Forms that forgive, in Chromium at phone size (360x740):

- a referent's refused answer at the bottom of a contribution's page: the
  error summary is focused and in the viewport (with static/js/draft.js, and
  without it, by `autofocus` alone);
- without any script, going Back after leaving the contribution form keeps
  every field, the title included;
- static/js/photo.js makes a big photo lighter before it is sent, says so
  under the field, and the site takes the lighter file; a HEIC it cannot
  read is left as chosen."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.browser.script import axe, back, evaluate, fill, goto, login, noscript, run_script, see, select as choose, submit

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"        # Josiane, of Mazingarbe
REFERENT = "referente.lens@labo.example"   # Nadia, referent of Lens
ANSWER = 'main form[action$="/reponse"]'

# Autofocus is applied when the browser next draws the page: on a busy
# machine that can come after "load", so the check waits for it (2 s at most).
SUMMARY_SEEN = """(async () => {
  const s = document.querySelector('[data-error-summary]');
  if (!s) return 'no summary';
  for (let i = 0; i < 40 && document.activeElement !== s; i += 1) await new Promise((r) => setTimeout(r, 50));
  const r = s.getBoundingClientRect();
  return { focused: document.activeElement === s, inView: r.top > -1 && r.top < window.innerHeight - 40,
           far: window.scrollY > 0 };
})()"""


def _lens_contribution(app) -> int:
    from labo.contributions.models import Contribution, Visibility
    from labo.extensions import db
    from labo.territory.models import Commune

    with app.app_context():
        found = db.session.scalar(select(Contribution.id).join(Commune, Contribution.commune_id == Commune.id).where(
            Commune.slug == "lens", Contribution.visibility == Visibility.PUBLISHED.value).order_by(Contribution.id))
    assert found, "no published contribution in Lens among the demo data"
    return found


def test_a_refused_answer_brings_its_error_summary_into_view_and_focus(live_server, run_browser):
    contribution = _lens_contribution(live_server.app)
    page = f"/idees/{contribution}"
    refuse = [
        goto(page),
        choose(f"{ANSWER} select[name=status]", value="retenue"),
        fill(f"{ANSWER} textarea[name=answer]", ""),
        submit(f"{ANSWER} button[type=submit]", status=422, name="the answer without its text is refused"),
    ]
    run_script(run_browser, [
        login(REFERENT),
        *refuse,
        evaluate(SUMMARY_SEEN, equals={"focused": True, "inView": True, "far": True},
                 name="with draft.js: the summary, far down the page, is focused and in view"),
        see("Quelque chose est à corriger", selector="[data-error-summary]"),
        axe("refused answer"),
        noscript("draft.js"),
        *refuse,
        evaluate(SUMMARY_SEEN, equals={"focused": True, "inView": True, "far": True},
                 name="without draft.js: autofocus alone focuses the summary and scrolls to it"),
    ], widths=(360,))


def test_going_back_without_javascript_keeps_every_field(live_server, run_browser):
    title = f"Un abri à l'arrêt Mairie {uuid.uuid4().hex[:6]}"
    body = "On attend sous la pluie avec les enfants."
    form = "main form[enctype='multipart/form-data']"
    run_script(run_browser, [
        noscript("draft.js"),   # no draft kept on the device: only the browser can restore the fields
        noscript("photo.js"),
        login(RESIDENT),
        goto("/idees/nouvelle"),
        {"do": "click", "selector": "main details.more-fields > summary"},  # the title is among the optional fields
        fill(f"{form} [name=title]", title),
        fill(f"{form} [name=body]", body),
        goto("/idees/", name="leave the form for the list of ideas"),
        back(),
        see(title, selector=f"{form} [name=title]", name="the title is still there after Back"),
        see(body, selector=f"{form} [name=body]", name="the text is still there after Back"),
    ], widths=(360,))


SHRINK = """(async () => {
  const input = document.querySelector('input[type=file][data-shrink]');
  const canvas = document.createElement('canvas');
  canvas.width = 2400; canvas.height = 1600;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(2400, 1600);
  for (let i = 0; i < pixels.data.length; i += 1) pixels.data[i] = (i % 4 === 3) ? 255 : Math.random() * 255;
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
  const transfer = new DataTransfer();
  transfer.items.add(new File([blob], 'IMG_2041.png', { type: 'image/png' }));
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  const line = document.getElementById(input.id + '-ready');
  for (let n = 0; n < 300 && !/Photo prête/.test(line.textContent); n += 1) await new Promise((r) => setTimeout(r, 100));
  const file = input.files[0];
  window.laboSaid = line.textContent;
  return { before: blob.size > 4 * 1024 * 1024, type: file.type, name: file.name, light: file.size <= 1024 * 1024,
           said: /^Photo prête : \\d+(,\\d)? Mo \\(au lieu de \\d+(,\\d)? Mo\\)\\.$/.test(line.textContent),
           live: line.getAttribute('aria-live'),
           described: input.getAttribute('aria-describedby').split(' ').includes(line.id) };
})()"""

HEIC = """(async () => {
  const input = document.querySelector('input[type=file][data-shrink]');
  const bytes = new Uint8Array(4096); bytes.set([0, 0, 0, 24, 102, 116, 121, 112, 104, 101, 105, 99], 0);
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], 'IMG_2042.heic', { type: 'image/heic' }));
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  const line = document.getElementById(input.id + '-ready');
  for (let n = 0; n < 50 && !/Photo choisie/.test(line.textContent); n += 1) await new Promise((r) => setTimeout(r, 100));
  return { name: input.files[0].name, said: line.textContent };
})()"""


def _fiche_of_the_resident(app) -> int:
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.fiches import services
    from labo.territory.models import Commune

    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == RESIDENT))
        data = services.FicheInput(
            kind="experience", title=f"Le goûter des voisines {uuid.uuid4().hex[:6]}", level="concertation",
            method="On apporte un gâteau et on parle du quartier.",
            communes=(db.session.scalar(select(Commune).where(Commune.slug == "mazingarbe")),))
        fiche = services.save_fiche(author, None, data, submit=False)
        db.session.commit()
        return fiche.id


@pytest.fixture
def uploads(live_server, tmp_path):
    previous = live_server.app.config["LABO_UPLOAD_DIR"]
    live_server.app.config["LABO_UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    live_server.app.config["LABO_UPLOAD_DIR"] = previous


def test_a_big_photo_is_made_lighter_on_the_phone_before_it_is_sent(live_server, run_browser, uploads):
    fiche = _fiche_of_the_resident(live_server.app)
    files = f"/boite-a-outils/{fiche}/photos-et-fichiers"
    run_script(run_browser, [
        login(RESIDENT),
        goto(files),
        evaluate(HEIC, equals={"name": "IMG_2042.heic", "said": "Photo choisie : 0,0 Mo. Elle sera envoyée telle quelle."},
                 name="a HEIC the browser cannot read is left as chosen, and the line says so"),
        evaluate(SHRINK, equals={"before": True, "type": "image/jpeg", "name": "IMG_2041.jpg", "light": True,
                                 "said": True, "live": "polite", "described": True},
                 name="a 2400 px photo of several MB becomes a JPEG of 1 MB at most, and the line says both sizes"),
        axe("photo ready"),
        fill("main form[action$='/photos'] [name=alt]", "Le gâteau sur la table"),
        submit("main form[action$='/photos'] button[type=submit]", url=r"/photos-et-fichiers$",
               name="the lighter photo is taken by the site"),
        see("La photo est ajoutée."),
    ], widths=(360,))
    from PIL import Image

    stored = [p for p in uploads.iterdir() if "-w" not in p.name]
    assert len(stored) == 1
    with Image.open(stored[0]) as image:
        assert image.format == "JPEG" and max(image.size) == 1600
