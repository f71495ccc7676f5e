"""A formal opinion of the Labo in Chromium at phone size: an administrator
sends one from the demo's latest past meeting to the COPIL; time passes
(its dates are moved back, as the calendar would); the COPIL's dashboard
lists it as late; its answer is entered after the date, and the opinion's
page, the meeting's page and the dashboard say "answered late". axe-core
(WCAG 2.1 A/AA) checks each page at 360 and 1280 px. Forms only, no script."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.script import (axe, evaluate, fill, goto, login, noscript, run_script, screenshot, see, select as choose,
                                  submit)

pytestmark = pytest.mark.browser

ADMIN = "admin@labo.example"
TITLE = "Un abri à l'arrêt de bus de la cité"
FORM = "main form.form"
# The forms work alone: the site's scripts on these pages are served empty.
NO_SCRIPT = [noscript(name) for name in ("draft.js", "listen.js", "copil-charts.js")]


def test_an_opinion_sent_then_answered_late_shows_so_on_the_dashboard(live_server, run_browser):
    from labo.core.db import utcnow
    from labo.extensions import db
    from labo.meetings.models import Meeting
    from labo.opinions.models import Opinion

    app = live_server.app
    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.starts_at < utcnow(), Meeting.cancelled.is_(False))
                                    .order_by(Meeting.starts_at.desc()))
        assert meeting is not None, "the demo has a past meeting"
        meeting_id, meeting_title = meeting.id, meeting.title
    today = date.today()

    run_script(run_browser, [
        *NO_SCRIPT,
        login(ADMIN),
        goto(f"/rencontres/{meeting_id}"),
        see("Avis du Labo", "main #avis-du-labo"),
        goto(f"/avis/nouveau?rencontre={meeting_id}"),
        axe("the form that sends an opinion"),
        screenshot("test-artifacts/opinions-form-360.png"),
        fill(f"{FORM} input[name=title]", TITLE),
        fill(f"{FORM} textarea[name=body]", "Les enfants attendent le bus sous la pluie."),
        fill(f"{FORM} textarea[name=asks]", "Un abri avant l'hiver."),
        choose(f"{FORM} select[name=addressee]", value="copil"),
        fill(f"{FORM} input[name=answer_due_on]", today.isoformat()),
        submit(f"{FORM} button[type=submit]", status=422, name="an answer date of today is refused"),
        see("La date de réponse doit venir après aujourd'hui.", "main .error-summary"),
        axe("the opinion form, with an error"),
        fill(f"{FORM} input[name=answer_due_on]", (today + timedelta(days=30)).isoformat()),
        submit(f"{FORM} button[type=submit]", url=r"^/avis/[0-9]+$", name="sending lands on the opinion"),
        see("Envoyé, réponse attendue", "main #etat"),
        see(meeting_title, "main section[aria-labelledby=origine]"),
        axe("an opinion just sent"),
    ], widths=(360,))

    with app.app_context():  # six weeks go by without an answer
        opinion = db.session.scalar(select(Opinion).where(Opinion.title == TITLE))
        opinion.issued_on, opinion.answer_due_on = today - timedelta(days=45), today - timedelta(days=15)
        db.session.commit()
        opinion_id = opinion.id

    run_script(run_browser, [
        *NO_SCRIPT,
        login(ADMIN),
        goto(f"/avis/{opinion_id}"),
        see("En retard : pas de réponse", "main #etat"),
        goto("/copil/"),
        see(TITLE, "main section[aria-labelledby=avis-en-retard]",
            name="the dashboard lists the late opinion"),
        axe("the COPIL dashboard with a late opinion"),
        evaluate("(document.getElementById('avis-en-retard').scrollIntoView(), true)", equals=True),
        screenshot("test-artifacts/opinions-late-dashboard-360.png"),
        goto(f"/avis/{opinion_id}/reponse"),
        axe("the answer form"),
        fill(f"{FORM} textarea[name=decision]", "Un abri sera posé au printemps."),
        fill(f"{FORM} textarea[name=reasons]", "Le budget de cette année est déjà engagé."),
        fill(f"{FORM} input[name=answered_on]", today.isoformat()),
        submit(f"{FORM} button[type=submit]", url=rf"^/avis/{opinion_id}$", name="the answer lands on the opinion"),
        see("Répondu en retard", "main #etat"),
        see("Un abri sera posé au printemps.", "main section[aria-labelledby=reponse]"),
        axe("an opinion answered late"),
        screenshot("test-artifacts/opinions-answered-late-360.png"),
        goto(f"/rencontres/{meeting_id}"),
        see("Répondu en retard", "main section[aria-labelledby=avis-du-labo]"),
        goto("/copil/"),
        see("Répondu en retard", "main section[aria-labelledby=avis-en-retard]",
            name="the dashboard says it was answered late"),
        axe("the COPIL dashboard after the late answer"),
        evaluate("(document.getElementById('avis-en-retard').scrollIntoView(), true)", equals=True),
        screenshot("test-artifacts/opinions-answered-late-dashboard-360.png"),
        goto("/avis/"),
        see(TITLE, "main"),
        axe("the public list of opinions"),
    ], widths=(360,))
