"""The "Écouter" button in Chromium (static/js/listen.js): shown only where
the browser can speak, it reads the text marked on the page, in the page's
language, toggles to "Arrêter", and stops; without speech synthesis it stays
hidden. The browser's voice is replaced by a recorder: the test hears what
would be said, and nothing leaves the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.script import axe, evaluate, goto, lang, run_script

pytestmark = pytest.mark.browser

RECORD = """(() => {
  window.__said = [];
  speechSynthesis.speak = (u) => window.__said.push([u.lang, u.text]);
  speechSynthesis.cancel = () => { window.__cancelled = (window.__cancelled || 0) + 1; };
  return true;
})()"""
BUTTON = "document.querySelector('button[data-listen-for=\"%s\"]')"


def test_listen_reads_the_process_and_its_easy_read_rules_then_stops(live_server, run_browser):
    from labo.extensions import db
    from labo.processes.models import Process

    with live_server.app.app_context():
        process = db.session.scalar(select(Process.id).where(Process.easy_read != "", Process.published.is_(True))
                                    .order_by(Process.id).limit(1))
    assert process, "the demo has a process with easy-read rules"
    button, rules = BUTTON % "process", BUTTON % "easy-read"
    run_script(run_browser, [
        goto(f"/demarches/{process}"),
        evaluate(f"!{button}.hidden && getComputedStyle({button}).display !== 'none'", equals=True,
                 name="the browser can speak: the button is shown"),
        evaluate(RECORD, equals=True),
        evaluate(f"{button}.click(), [{button}.innerText.replace(/\\s+/g, ' ').trim(), window.__said.length > 0,"
                 f" window.__said.every(s => s[0] === 'fr'),"
                 f" window.__said.map(s => s[1]).join(' ').includes(document.querySelector('h1').innerText.trim())]",
                 equals=["🔊 Arrêter", True, True, True], name="pressed, it reads the title in French and says Arrêter"),
        evaluate(f"{button}.click(), {button}.innerText.replace(/\\s+/g, ' ').trim()", equals="🔊 Écouter", name="pressed again, it stops"),
        evaluate(f"document.querySelector('details.easy-read').open = true, window.__said = [], {rules}.click(),"
                 f" window.__said.map(s => s[1]).join(' ') === document.querySelector('[data-listen=\"easy-read\"]')"
                 f".innerText.replace(/\\s+/g, ' ').trim()", equals=True, name="the easy-read button reads the rules alone"),
        axe("process page with the listen button"),
        lang("en"),
        goto(f"/demarches/{process}"),
        evaluate(RECORD, equals=True),
        evaluate(f"{button}.click(), [{button}.innerText.replace(/\\s+/g, ' ').trim(), window.__said[0][0]]", equals=["🔊 Stop", "en"],
                 name="in English, it reads in English and says Stop"),
    ], widths=(360,))


def test_without_speech_synthesis_the_button_stays_hidden(live_server, run_browser):
    from labo.meetings import services as meeting_services

    with live_server.app.app_context():
        meeting = meeting_services.upcoming()[0].id
    run_script(run_browser, [
        goto(f"/rencontres/{meeting}"),
        evaluate(f"!{BUTTON % 'meeting'}.hidden", equals=True, name="with speech synthesis, shown"),
        evaluate("(() => { const s = document.createElement('script'); delete window.speechSynthesis;"
                 " Object.defineProperty(window, 'speechSynthesis', {value: undefined});"
                 f" const b = {BUTTON % 'meeting'}; b.hidden = true;"
                 " s.src = '/static/js/listen.js?again'; document.body.append(s);"
                 " return new Promise(r => s.onload = () => r(b.hidden && getComputedStyle(b).display === 'none')); })()",
                 equals=True, name="without speech synthesis, the button stays hidden"),
    ], widths=(360,))
