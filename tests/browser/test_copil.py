"""The COPIL in Chromium: the dashboard's charts are drawn (chart.js from
static/vendor, no CSP error) beside their tables, a process's aggregated
opinions, and the annual report printed to an A4 PDF; axe everywhere."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.browser.script import axe, evaluate, goto, login, open_menu, pdf, run_script, see

pytestmark = pytest.mark.browser

COPIL = "copil@labo.example"
TITLE = "Aménager le square (essai du COPIL)"
FROM = "2023-01-01"

# Charts actually drawn: a visible chart box whose canvas has painted pixels.
DRAWN = """Array.from(document.querySelectorAll('.copil-chart:not([hidden]) canvas')).filter((c) => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < data.length; i += 4) { if (data[i]) return true; }
  return false;
}).length"""
# Every chart sits beside its table; no chart without one.
EACH_WITH_TABLE = """Array.from(document.querySelectorAll('.copil-chart')).every(
  (box) => box.parentElement.querySelector('table caption') !== null)"""


def a_consultation(app) -> int:
    """A published consultation with 30 online opinions (no accounts: the
    participations' people are not needed for counts) and a paper sheet."""
    from labo.extensions import db
    from labo.processes.models import Participation, Process, Tally, TallyLine
    from labo.territory.models import Commune

    with app.app_context():
        found = db.session.scalar(select(Process.id).where(Process.title == TITLE))
        if found:
            return found
        communes = {c.slug: c.id for c in db.session.scalars(select(Commune))}
        now = datetime.now(timezone.utc)
        process = Process(title=TITLE, question="Que faire du square ?", decider="Conseil municipal de Lens",
                          level="consultation", method="avis", opens_at=now - timedelta(days=60),
                          closes_at=now - timedelta(days=30), answer_by=date.today() - timedelta(days=5),
                          published=True, commune_id=communes["lens"])
        db.session.add(process)
        db.session.flush()
        for i in range(30):
            db.session.add(Participation(process_id=process.id, user_id=None,
                                         commune_id=communes["lens" if i < 20 else "wingles"],
                                         age_band="26_44" if i % 2 else "45_64",
                                         stance="defavorable" if i % 4 == 0 else "favorable"))
        tally = Tally(process_id=process.id, channel="paper", place="Mairie", held_on=date.today() - timedelta(days=40),
                      participants=6, lines=[TallyLine(stance="favorable", count=6)])
        db.session.add(tally)
        db.session.commit()
        return process.id


def test_the_copil_reads_its_dashboard_and_prints_its_report(live_server, run_browser):
    process_id = a_consultation(live_server.app)
    steps = [
        login(COPIL),
        goto("/"),
        open_menu(),
        see("COPIL", selector="header nav"),
        goto(f"/copil/?from={FROM}"),
        see("Tableau de bord du COPIL", selector="h1"),
        see("Moments collectifs par mois", selector="main h3"),
        see(TITLE),
        see("< 5"),
        evaluate(EACH_WITH_TABLE, equals=True, name="every chart has its data table"),
        evaluate(f"{DRAWN} >= 6", equals=True, name="the dashboard's charts are drawn"),
        axe("copil dashboard"),
        goto(f"/copil/demarches/{process_id}"),
        see("Avis par commune", selector="main h2"),
        evaluate(f"{DRAWN} >= 4", equals=True, name="the process's charts are drawn"),
        evaluate("document.querySelector('table').innerText.includes('30')", equals=True,
                 name="the figures are in a table, not only in the canvas"),
        axe("copil process"),
        goto(f"/copil/?from={FROM}&to=2022-01-01", status=400),
        see("La date de début doit précéder la date de fin."),
        axe("copil bad period"),
        goto(f"/copil/rapport?from={FROM}"),
        see("Rapport d'évaluation", selector="h1"),
        evaluate("document.querySelector('header nav') === null", equals=True, name="the report has no menu"),
        evaluate(f"{DRAWN} >= 6", equals=True, name="the report's charts are drawn"),
        axe("copil report"),
        pdf(save="pages", file="copil-rapport.pdf", name="the report prints to an A4 PDF"),
    ]
    result = run_script(run_browser, steps)
    assert int(result["saved"]["pages"]) >= 1

