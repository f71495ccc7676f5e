"""The animator's console, the summary and the printable board in Chromium,
on a 360-px phone and a 1280-px laptop (run_pages.mjs's "script" flow):
the steering stays in reach wherever the animator has scrolled (a bar at the
top of the phone, a column beside the board on the laptop), a note is hidden
from its own 44-px "Actions", the phase changes from the bar; the summary's
items are stacked cards; the printable page keeps the dots order and prints
on A4. No sideways scrolling, axe-core clean, at both widths."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.browser.script import axe, count, evaluate, goto, login, pdf, run_script, screenshot, see, submit, viewport

pytestmark = pytest.mark.browser


def click(selector: str) -> dict:
    """A tap that loads no page (the console's script handles it)."""
    return {"do": "click", "selector": selector}


def wait(selector: str, name: str, text: str | None = None) -> dict:
    step = {"do": "wait", "selector": selector, "name": name}
    if text:
        step["text"] = text
    return step

ANIMATOR = "animatrice@labo.example"
LONG = ("Une salle ouverte le soir pour les jeunes du quartier, avec un animateur, même une fois par semaine, "
        "et un endroit pour ranger le matériel du club de foot")


def _board(app, suffix: str) -> dict:
    """A board in the middle of its workshop: 14 notes in 3 columns, two groups, dots placed."""
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.meetings.models import Meeting
    from labo.workshops import services

    with app.app_context():
        animator = db.session.scalar(select(User).where(User.email == ANIMATOR))
        meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Rencontre du Labo à Liévin"))
        board = services.create_board(animator, title=f"Le quartier demain {suffix}", meeting=meeting,
                                      dots_per_person=5)
        people = [services.join_board(board, name) for name in ("Inès", "Yanis", "Lou")]
        texts = [(0, "Le city-stade est plein tous les soirs"), (0, "Les voisins se parlent"),
                 (0, "La fête de la musique"), (0, "Le marché du dimanche"),
                 (1, "Un endroit couvert pour l'hiver"), (1, LONG), (1, "Des bus après 20 heures"),
                 (1, "Le permis coûte trop cher"), (1, "Des bancs à l'ombre"),
                 (2, "Un conseil des jeunes"), (2, "Des stages avec un parrain"), (2, "Un jardin partagé"),
                 (2, "Un repair café"), (2, "Une boîte à livres")]
        notes = []
        for n, (column, text) in enumerate(texts):
            note, _created = services.post_note(board, people[n % 3], column_id=board.columns[column].id,
                                                text=text, client_key=f"console-{suffix}-{n}")
            notes.append(note)
        place = services.group_notes(board, notes[5], onto_note=notes[4], title="Un lieu à nous").group
        move = services.group_notes(board, notes[7], onto_note=notes[6], title="Se déplacer").group
        services.set_phase(animator, board, "voting")
        db.session.flush()
        for person, kind, target in [(people[0], "note", notes[8].id), (people[1], "note", notes[8].id),
                                     (people[2], "note", notes[8].id), (people[0], "group", move.id),
                                     (people[1], "group", place.id)]:
            services.place_dot(board, person, kind, target)
        db.session.commit()
        return {"id": board.id, "hide": notes[1].id, "bench": notes[8].id}


def test_the_console_summary_and_printable_board_hold_on_a_phone_and_a_laptop(live_server, run_browser):
    suffix = uuid.uuid4().hex[:6]
    board = _board(live_server.app, suffix)
    console, summary, printable = (f"/ateliers/{board['id']}", f"/ateliers/{board['id']}/synthese",
                                   f"/ateliers/{board['id']}/imprimer")
    hide = f"#note-{board['hide']}"
    steps = [
        login(ANIMATOR),
        goto(console),
        wait("#live-status[data-state=online]", "the console is live"),
        # A phone: the steering is folded in a bar that stays at the top, however far down the notes go.
        evaluate("document.getElementById('steer-panel').open", equals=False,
                 name="360 px: the steering panel arrives folded"),
        axe("the console"),
        click("#steer-panel[open] > summary"),  # widened to 1280 px by the axe step, it opened: fold it again
        evaluate("new Promise(r => { [...document.querySelectorAll('#board-render .note')].pop().scrollIntoView("
                 "{block: 'end'}); requestAnimationFrame("
                 "() => requestAnimationFrame(() => { const s = document.querySelector('#steer-panel summary')"
                 ".getBoundingClientRect(); const p = document.getElementById('phase-label').getBoundingClientRect();"
                 " r(window.scrollY > 1000 && s.top >= 0 && s.bottom <= innerHeight && p.top >= 0 && s.height >= 44"
                 " && s.bottom < 200); })); })",
                 equals=True, name="360 px: at the last note, the phase and Piloter are still on screen"),
        count(".note-tools > summary", 14, name="each of the 14 notes has its Actions"),
        evaluate("[...document.querySelectorAll('.note-tools > summary')].every(s => s.getBoundingClientRect()"
                 ".height >= 44 && s.getBoundingClientRect().width >= 44)",
                 equals=True, name="360 px: every note's Actions is at least 44 px"),
        # Hide a note from its own Actions, far down the page.
        click(f"{hide} .note-tools > summary"),
        evaluate(f"[...document.querySelectorAll('{hide} .note-tools button, {hide} .note-tools select')]"
                 ".every(b => b.getBoundingClientRect().height >= 44)",
                 equals=True, name="360 px: the note's group, hide and show buttons are at least 44 px"),
        click(f"{hide} .note-tools [data-act=hide]"),
        wait(f"{hide}.note-hidden", "the note is hidden from its Actions"),
        # Then the phase, from the bar, still scrolled down.
        click("#steer-panel summary"),
        evaluate("(() => { const r = document.querySelector('#steer-form button[type=submit]')"
                 ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()",
                 equals=True, name="360 px: the opened panel's Appliquer button is on screen"),
        {"do": "select", "selector": "#phase", "value": "synthesis"},
        click("#steer-form button[type=submit]"),
        wait("#phase-label", "the phase changed from the bar", text="Synthèse"),
        axe("the console, panel open and a note hidden"),
        screenshot("test-artifacts/screens/console-360.png"),
        # A laptop: the steering is a column beside the board, open, and stays in view.
        viewport(1280, 800),
        evaluate("new Promise(r => requestAnimationFrame(() => { const bar = document.getElementById('piloter')"
                 ".getBoundingClientRect(); const board = document.getElementById('board-render').getBoundingClientRect();"
                 " const cols = [...document.querySelectorAll('.board-column')].map(c => Math.round(c.getBoundingClientRect().top));"
                 " r(document.getElementById('steer-panel').open && bar.right <= board.left && new Set(cols).size === 1"
                 " && cols.length === 3); }))",
                 equals=True, name="1280 px: the steering column is open beside the board, its 3 columns side by side"),
        evaluate("new Promise(r => { window.scrollTo(0, 700); requestAnimationFrame("
                 "() => requestAnimationFrame(() => { const b = document.querySelector('#steer-form button[type=submit]')"
                 ".getBoundingClientRect(); r(window.scrollY > 0 && b.top >= 0 && b.bottom <= innerHeight); })); })",
                 equals=True, name="1280 px: scrolled down, Appliquer is still on screen"),
        screenshot("test-artifacts/screens/console-1280.png"),
        viewport(360, 740),
        # The summary: each item a card, its box, title and dots stacked, not in narrow columns.
        goto(summary),
        see("Un lieu à nous"),
        count(".summary-pick", 11, name="the summary's 11 items (the hidden note left out) each have a box"),
        evaluate("[...document.querySelectorAll('.summary-pick')].every(p => { const box = p.querySelector("
                 "'input').getBoundingClientRect(); const label = p.querySelector('label').getBoundingClientRect();"
                 " const title = p.querySelector('strong').getBoundingClientRect(); const dots = p.querySelector("
                 "'.summary-dots').getBoundingClientRect(); return label.width >= 240 && box.right <= label.left"
                 " && dots.top >= title.bottom - 1; })",
                 equals=True, name="360 px: each summary item stacks its title over its dots, beside its box"),
        axe("the summary"),
        screenshot("test-artifacts/screens/summary-360.png"),
        # The printable board, linked from the summary.
        submit("a[href$='/imprimer']", name="the summary links to the printable board"),
        see("Un lieu à nous"),
        evaluate("[...document.querySelectorAll('.print-column')][1].innerText.replace(/\\s+/g, ' ')"
                 ".match(/Des bancs à l'ombre|Un lieu à nous|Se déplacer/g)",
                 equals=["Des bancs à l'ombre", "Un lieu à nous", "Se déplacer"],
                 name="the printable board ranks the column by dots (3, then 1 and 1 in board order)"),
        see("Inès", absent=True, name="no pseudonym on the printable board"),
        axe("the printable board"),
        screenshot("test-artifacts/screens/print-360.png"),
        pdf(max_pages=2, file="workshop-board.pdf", name="the printable board prints on at most two A4 pages"),
    ]
    result = run_script(run_browser, steps)
    assert result["completed"]

    from labo.extensions import db
    from labo.workshops.models import Board, Note

    with live_server.app.app_context():
        assert db.session.get(Note, board["hide"]).hidden is True
        assert db.session.get(Board, board["id"]).phase == "synthesis"
