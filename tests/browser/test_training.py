"""A training session in Chromium at 360 px: an organiser creates it with
its publics (residents and elected officials), its trainer and a fiche,
finds it in the programme by its kind, takes attendance with only the
page's forms (each person marked resident or elected), and the COPIL
dashboard counts the people trained by public. axe on every page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.script import (
    axe, check, evaluate, fill, goto, login, logout, noscript, run_script, screenshot, see, select, submit,
)

pytestmark = pytest.mark.browser

ANIMATOR = "animatrice@labo.example"
COPIL = "copil@labo.example"
TITLE = "Formation : lire un budget communal"
SHOTS = "test-artifacts/shots-training"
RESIDENTS = ["Josiane", "Rachid", "Ginette", "Kevin", "Samia"]
ELECTED = ["Mme Leroy", "M. Dumont", "Mme Haddad", "M. Caron", "Mme Petit"]

# The "Personnes formées, par public" table's cell for a public, as shown.
CELL = """(() => {{
  const table = document.getElementById('f-formations').closest('section').querySelector('table');
  const row = Array.from(table.querySelectorAll('tbody tr')).find((r) => r.querySelector('th').innerText.trim() === '{label}');
  return row ? row.querySelector('td').innerText.trim() : null;
}})()"""


def test_an_organiser_runs_a_training_and_the_copil_counts_the_people_trained(run_browser):
    held_on = (date.today() - timedelta(days=2)).isoformat()  # held: attendance is taken, the COPIL counts it
    steps = [
        login(COPIL),
        goto("/copil/"),
        see("Personnes formées, par public", selector="main h3"),
        evaluate(CELL.format(label="Habitants"), save="residents_before"),
        evaluate(CELL.format(label="Élus"), save="elected_before"),
        logout(),
        login(ANIMATOR),
        goto("/rencontres/nouvelle"),
        see("Pour une formation seulement"),
        check("#kind-1"),  # Formation
        screenshot(f"{SHOTS}/0-form-kind.png"),
        fill("#title", TITLE),
        fill("#starts_at", f"{held_on}T17:00"),
        select("#commune", label="Liévin"),
        fill("#venue", "Centre social"),
        check("#audiences-0"),  # Habitants
        check("#audiences-1"),  # Élus
        fill("#trainer_name", "Claire Martin"),
        check("label:has-text('Écouter vraiment')"),
        screenshot(f"{SHOTS}/1-form-filled.png"),
        axe("the new meeting's form"),
        submit("main form.form button[type=submit]", url=r"/rencontres/(\d+)$", save=["meeting"],
               name="the training is saved"),
        see("Formation", selector="dl.facts"),
        see("Habitants, Élus", selector="dl.facts"),
        see("Claire Martin", selector="dl.facts"),
        see("Supports de formation", selector="main h2"),
        see("Écouter vraiment"),
        screenshot(f"{SHOTS}/2-training-page.png"),
        axe("the training's page"),
        goto("/rencontres/"),
        select("#type", value="training"),
        submit("form[role=search] button[type=submit]", url=r"/rencontres/\?type=training$",
               name="the programme is filtered by kind, without a script"),
        see(TITLE),
        see("Rencontre du Labo à Liévin", absent=True),
        evaluate("(document.getElementById('passees').scrollIntoView(), 1)", equals=1, name="the past trainings"),
        screenshot(f"{SHOTS}/3-programme-trainings.png"),
        axe("the programme, trainings only"),
        noscript("attendance.js"),
        goto("/rencontres/{{meeting}}/emargement"),
    ]
    for name in RESIDENTS + ELECTED:
        steps += [fill("#walk-in-form input[name=first_name]", name),
                  submit("#walk-in-form button[type=submit]", name=f"{name} arrives without registering")]
    steps += [see("Sans choix, elle compte comme « Habitant »")]
    for name in ELECTED:
        steps += [submit(f"li[data-name='{name}'] button[value=elected]", name=f"{name} is marked elected")]
    steps += [
        see("Mme Petit : Élu, c'est noté."),
        evaluate("""document.querySelectorAll('.audience-choices button[value=elected][aria-pressed=true]').length""",
                 equals=len(ELECTED), name="five people are marked elected"),
        evaluate("""document.querySelectorAll('.audience-choices button[value=resident][aria-pressed=true]').length""",
                 equals=len(RESIDENTS), name="the others count as residents"),
        evaluate("(document.getElementById('attendance-list').scrollIntoView(), 1)", equals=1, name="the list"),
        screenshot(f"{SHOTS}/4-attendance.png"),
        axe("the training's attendance sheet"),
        logout(),
        login(COPIL),
        goto("/copil/"),
        see("formations tenues"),
        evaluate(CELL.format(label="Habitants"), save="residents_after"),
        evaluate(CELL.format(label="Élus"), save="elected_after"),
        evaluate("(document.getElementById('f-formations').scrollIntoView(), 1)", equals=1,
                 name="the people trained's table is in view"),
        screenshot(f"{SHOTS}/5-copil-trained.png"),
        axe("the COPIL dashboard"),
    ]
    result = run_script(run_browser, steps)
    saved = result["saved"]
    assert int(saved["residents_after"]) == int(saved["residents_before"]) + len(RESIDENTS)
    assert int(saved["elected_after"]) == int(saved["elected_before"]) + len(ELECTED)
