"""The projector as the back of a community hall sees it, in Chromium at the
sizes projectors give (1280x720, 1920x1080, a 4:3 1024x768): a board of 40
notes in 4 columns fills the screen without the page ever scrolling, the
newest note of each column is on screen, the join code and QR code are large
while people join and a strip once notes arrive, the vote shows the dots
without ranking them, the synthesis ranks by dots; axe-core on each phase.
Screenshots go to test-artifacts/screens; with LABO_SCREENSHOTS=1, those at
1280x720 go to docs/screenshots/projector-*.png, for the README.

And the phone: an error left by a refused post ("Écrivez votre idée…")
is gone once a note reaches the board."""
from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from labo.demo import DEMO_PASSWORD
from tests.browser.script import (Step, axe, check, count, evaluate, fill, goto, login, noscript, run_script,
                                  screenshot, see, submit, viewport)

pytestmark = pytest.mark.browser

ANIMATOR = "animatrice@labo.example"
SIZES = ((1280, 720), (1920, 1080), (1024, 768))
AXE_WIDTHS = (1024, 1280, 1920)  # the "axe" step checks each width (at 740 px high)
ARTIFACTS = "test-artifacts/screens"  # every screenshot, to look at
# The 1280x720 ones go to the README's folder when asked (LABO_SCREENSHOTS=1), so that
# an ordinary run leaves the repository's files as they are.
SHOTS = "docs/screenshots" if os.environ.get("LABO_SCREENSHOTS") == "1" else ARTIFACTS
COLUMNS = ["Ce qui va", "Ce qui manque", "Ce qu'on propose", "Ce qu'on veut garder"]
IDEAS = [
    "Des bancs à l'ombre près de l'arrêt de bus",
    "Plus de lumière le soir rue Voltaire",
    "Un jardin partagé derrière l'école",
    "La fête des voisins chaque année",
    "Des poubelles plus souvent vidées",
    "Un terrain de foot pour les jeunes du quartier, avec des filets neufs",
    "La navette gratuite le samedi",
    "Une salle pour les anciens",
    "Des pistes cyclables jusqu'au centre",
    "Le marché du mercredi",
]

# In the page: the page does not scroll either way.
NO_SCROLL = ("(() => { const s = document.scrollingElement;"
             " return {tall: s.scrollHeight <= innerHeight, wide: s.scrollWidth <= innerWidth}; })()")


def _latest_in_view(ids: list[int]) -> str:
    """JS: for each note id, whether its card is drawn whole inside the window."""
    return ("(() => %s.map((id) => { const n = document.getElementById('note-' + id);"
            " if (!n) return 'missing ' + id; const r = n.getBoundingClientRect();"
            " return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth"
            " && r.height > 0 ? 'in view' : 'out of view ' + id + ' ' + JSON.stringify(r); }))()" % ids)


def _qr_share() -> str:
    """JS: the QR code's height, as a share of the window's (rounded to 1 %)."""
    return ("(() => { const r = document.querySelector('.join-qr svg').getBoundingClientRect();"
            " return Math.round(100 * Math.min(r.width, r.height) / innerHeight); })()")


def wait(selector: str, text: str = "", name: str = "") -> Step:
    """Wait (up to 10 s) for `selector` (holding `text`) to show."""
    step: Step = {"do": "wait", "selector": selector, "name": name or f"{selector} shows"}
    if text:
        step["text"] = text
    return step


def _seed(app, *, notes: bool = True) -> dict:
    """A board with 4 columns and (if `notes`) 40 notes from 8 people, written
    column after column in turns; returns its ids and each column's newest note."""
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.workshops import services

    with app.app_context():
        animator = db.session.scalar(select(User).where(User.email == ANIMATOR))
        board = services.create_board(animator, title="Vivre à Lens-Liévin", columns=COLUMNS,
                                      dots_per_person=10)
        db.session.flush()
        people = [services.join_board(board, name) for name in
                  ("Nadia", "Karim", "Josette", "Léo", "Fatou", "Marcel", "Inès", "Bruno")]
        latest: dict[int, int] = {}
        ids: list[list[int]] = [[] for _ in COLUMNS]
        if notes:
            for i in range(10):
                for c, column in enumerate(board.columns):
                    note, _ = services.post_note(board, people[(i + c) % len(people)], column_id=column.id,
                                                 text=f"{IDEAS[(i + 3 * c) % len(IDEAS)]} ({c + 1}.{i + 1})",
                                                 client_key=uuid.uuid4().hex)
                    db.session.flush()
                    latest[c] = note.id
                    ids[c].append(note.id)
        db.session.commit()
        return {"id": board.id, "code": board.code, "latest": [latest[c] for c in sorted(latest)], "ids": ids,
                "people": [p.id for p in people]}


def _steer(app, board_id: int, change) -> None:
    """Change the board as the console would, and tell the screens (as its views do)."""
    from labo.extensions import db
    from labo.workshops import events
    from labo.workshops.models import Board

    with app.app_context():
        board = db.session.get(Board, board_id)
        change(board)
        db.session.commit()
        events.announce_board(board, whole=True)


def _open(board_id: int, size: tuple[int, int]) -> list:
    return [viewport(*size), goto(f"/ateliers/{board_id}/projection"),
            wait('#live-status[data-state="online"]', name=f"the projector is live at {size[0]}x{size[1]}")]


def _fits(size: tuple[int, int], latest: list[int]) -> list:
    where = f"{size[0]}x{size[1]}"
    return [
        evaluate(NO_SCROLL, equals={"tall": True, "wide": True}, name=f"{where}: the page does not scroll"),
        evaluate(_latest_in_view(latest), equals=["in view"] * len(latest),
                 name=f"{where}: the newest note of each column is on screen"),
    ]


def test_writing_fills_each_screen_with_the_newest_notes_and_a_small_code(live_server, run_browser):
    board = _seed(live_server.app)
    steps = [login(ANIMATOR, DEMO_PASSWORD)]
    for size in SIZES:
        steps += _open(board["id"], size) + _fits(size, board["latest"])
        steps.append(evaluate(f"{_qr_share()} <= 15", equals=True,
                              name=f"{size[0]}x{size[1]}: once notes arrive the QR code is a strip"))
        steps.append(evaluate("document.getElementById('live-board').dataset.stage", equals="board"))
        steps.append(screenshot(f"{SHOTS}/projector-writing.png" if size == (1280, 720)
                                else f"{ARTIFACTS}/projector-writing-{size[0]}x{size[1]}.png"))
    # Each column says how many notes it holds; the newest comes first.
    steps.append(evaluate("[...document.querySelectorAll('.column-count')].map((e) => e.textContent)",
                          equals=["10 notes"] * 4, name="each column counts its notes"))
    steps.append(evaluate("[...document.querySelectorAll('ul.notes[data-column]')].map("
                          "(u) => Number(u.firstElementChild.dataset.note))", equals=board["latest"],
                          name="each column starts with its newest note"))
    steps.append(see("Nadia", selector="#board-render", name="the authors show: the board allows it"))
    steps.append(axe("projector, writing"))
    # A phone's width: the page scrolls, nothing goes sideways (checked by "axe" above at 360 px).
    steps += [viewport(360, 740), screenshot(f"{ARTIFACTS}/projector-writing-360.png")]
    # Without the script, the page as the server draws it: the same wall.
    steps += [noscript("board.js"), viewport(1280, 720), goto(f"/ateliers/{board['id']}/projection"),
              *_fits((1280, 720), board["latest"])]
    run_script(run_browser, steps, widths=(360,) + AXE_WIDTHS)


def _once_the_projector_is_live(app, board_id: int, action) -> threading.Thread:
    """A thread that runs `action(board)` (then commits and announces the board, as
    a phone's post does) once a projector's socket is in the board's screen room."""
    from labo.extensions import db
    from labo.workshops import events
    from labo.workshops.models import Board

    def run():
        manager = app.extensions["socketio"].server.manager
        for _ in range(600):
            if list(manager.get_participants("/board", events.screen_room(board_id))):
                break
            time.sleep(0.05)
        time.sleep(0.5)  # its first drawing of the whole board
        with app.app_context():
            action(db.session.get(Board, board_id))

    return threading.Thread(target=run, daemon=True)


def test_a_note_posted_while_the_projector_is_on_comes_first_in_its_column(live_server, run_browser):
    from labo.extensions import db
    from labo.workshops import events, services
    from labo.workshops.models import Participant

    app = live_server.app
    board = _seed(app)
    arriving = f"Un banc devant la pharmacie {uuid.uuid4().hex[:4]}"

    def post(b):
        note, _ = services.post_note(b, db.session.get(Participant, board["people"][0]),
                                     column_id=b.columns[2].id, text=arriving, client_key=uuid.uuid4().hex)
        db.session.commit()
        events.announce_note(b, note)

    poster = _once_the_projector_is_live(app, board["id"], post)
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        wait("#board-render .note-text", text=arriving, name="the note posted meanwhile arrives"),
        evaluate("(() => { const li = document.querySelectorAll('ul.notes[data-column]')[2].firstElementChild;"
                 " const r = li.getBoundingClientRect();"
                 f" return [li.textContent.includes({arriving!r}), li.classList.contains('is-fresh'),"
                 " r.top >= 0 && r.bottom <= innerHeight]; })()", equals=[True, True, True],
                 name="first in its column, on screen, marked as just arrived"),
        evaluate("document.querySelectorAll('.column-count')[2].textContent", equals="11 notes",
                 name="its column counts it"),
        evaluate(NO_SCROLL, equals={"tall": True, "wide": True}, name="the page still does not scroll"),
        screenshot(f"{ARTIFACTS}/projector-note-arriving.png"),
    ]
    poster.start()
    try:
        run_script(run_browser, steps, widths=(1280,))
    finally:
        poster.join(timeout=40)


def test_a_dot_placed_during_the_vote_lands_on_its_note_without_moving_it(live_server, run_browser):
    from labo.extensions import db
    from labo.workshops import events, services
    from labo.workshops.models import Participant

    app = live_server.app
    board = _seed(app)
    target = board["ids"][1][4]  # the middle of column 2
    _steer(app, board["id"], lambda b: services.set_phase(None, b, "voting"))

    def vote(b):
        person = db.session.get(Participant, board["people"][3])
        services.place_dot(b, person, "note", target)
        db.session.commit()
        events.announce_dots(b, "note", target, person)

    order = "[...document.querySelectorAll('ul.notes[data-column]')[1].children].map((li) => Number(li.dataset.note))"
    voter = _once_the_projector_is_live(app, board["id"], vote)
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        wait(f"#note-{target} .dots-count", text="1 gommette", name="the dot lands on the projector"),
        evaluate(f"document.querySelector('#note-{target} .dots-count').classList.contains('is-fresh')", equals=True,
                 name="marked as just placed"),
        evaluate(order, equals=list(reversed(board["ids"][1])), name="the column keeps its order: no ranking in the vote"),
    ]
    voter.start()
    try:
        run_script(run_browser, steps, widths=(1280,))
    finally:
        voter.join(timeout=40)


def test_a_ranked_vote_moves_the_note_that_gets_dots_to_the_top_of_its_column(live_server, run_browser):
    """The animator chose "ranked as the dots land": the wall reorders itself."""
    from labo.extensions import db
    from labo.workshops import events, services
    from labo.workshops.models import Participant

    app = live_server.app
    board = _seed(app)
    oldest = board["ids"][1][0]  # last in its column, at the bottom
    _steer(app, board["id"], lambda b: (services.set_flags(b, vote_display="ranked"),
                                        services.set_phase(None, b, "voting")))

    def vote(b):
        for person_id in board["people"][:2]:
            person = db.session.get(Participant, person_id)
            services.place_dot(b, person, "note", oldest)
            db.session.commit()
            events.announce_dots(b, "note", oldest, person)

    order = "[...document.querySelectorAll('ul.notes[data-column]')[1].children].map((li) => Number(li.dataset.note))"
    voter = _once_the_projector_is_live(app, board["id"], vote)
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        wait(f"#note-{oldest} .dots-count", text="2 gommettes", name="the dots land"),
        evaluate(order, equals=[oldest] + list(reversed(board["ids"][1][1:])),
                 name="the note with the dots went to the top, the others keep their order"),
        *_fits((1280, 720), [oldest]),
        screenshot(f"{ARTIFACTS}/projector-voting-ranked.png"),
        # Without the script, the server draws the same order.
        noscript("board.js"), goto(f"/ateliers/{board['id']}/projection"),
        evaluate(order, equals=[oldest] + list(reversed(board["ids"][1][1:])), name="the server ranks it too"),
    ]
    voter.start()
    try:
        run_script(run_browser, steps, widths=(1280,))
    finally:
        voter.join(timeout=40)


def test_a_blind_vote_shows_how_many_dots_were_placed_and_nothing_of_where(live_server, run_browser):
    """The animator chose a blind vote, against herding: the wall counts the
    dots as they land and shows where they went only at the synthesis."""
    from labo.extensions import db
    from labo.workshops import events, services
    from labo.workshops.models import Participant

    app = live_server.app
    board = _seed(app)
    target = board["ids"][2][3]
    _steer(app, board["id"], lambda b: (services.set_flags(b, vote_display="blind"),
                                        services.set_phase(None, b, "voting")))

    def vote(b):
        for person_id in board["people"][:3]:
            person = db.session.get(Participant, person_id)
            services.place_dot(b, person, "note", target)
            db.session.commit()
            events.announce_dots(b, "note", target, person)

    voter = _once_the_projector_is_live(app, board["id"], vote)
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        wait("#dots-cast", text="3 gommettes posées", name="the wall counts the dots placed"),
        count("#board-render .dots-count", 0, name="and shows none on the notes"),
        *_fits((1280, 720), board["latest"]),
        screenshot(f"{SHOTS}/projector-voting-blind.png"),
        axe("projector, blind vote"),
    ]
    voter.start()
    try:
        run_script(run_browser, steps, widths=AXE_WIDTHS)
    finally:
        voter.join(timeout=40)

    _steer(app, board["id"], lambda b: services.set_phase(None, b, "synthesis"))
    run_script(run_browser, [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        see("3 gommettes", selector=f"#note-{target}", name="the synthesis shows where the dots went"),
        evaluate("document.getElementById('dots-cast').hidden", equals=True, name="the count of the blind vote goes"),
    ], widths=(1280,))


def test_while_people_join_the_code_and_qr_code_fill_the_screen(live_server, run_browser):
    board = _seed(live_server.app, notes=False)
    steps = [login(ANIMATOR, DEMO_PASSWORD)]
    for size in SIZES:
        steps += _open(board["id"], size)
        steps.append(evaluate(NO_SCROLL, equals={"tall": True, "wide": True},
                              name=f"{size[0]}x{size[1]}: the page does not scroll"))
        steps.append(evaluate(f"{_qr_share()} >= 40", equals=True,
                              name=f"{size[0]}x{size[1]}: no note yet: the QR code is large"))
        steps.append(evaluate("document.getElementById('live-board').dataset.stage", equals="joining"))
        steps.append(screenshot(f"{SHOTS}/projector-joining.png" if size == (1280, 720)
                                else f"{ARTIFACTS}/projector-joining-{size[0]}x{size[1]}.png"))
    steps.append(see(board["code"], selector=".join-box"))
    steps.append(axe("projector, people joining"))
    run_script(run_browser, steps, widths=AXE_WIDTHS)


def test_grouping_then_voting_shows_groups_and_dots_without_ranking(live_server, run_browser):
    from labo.workshops import services
    from labo.workshops.models import Note, Participant

    app = live_server.app
    board = _seed(app)
    first, second = board["ids"][1][0], board["ids"][1][1]

    def group(b):
        from labo.extensions import db
        services.set_phase(None, b, "grouping")
        services.group_notes(b, db.session.get(Note, second), onto_note=db.session.get(Note, first),
                             title="Propreté et lumière")
        services.group_notes(b, db.session.get(Note, board["ids"][2][0]),
                             onto_note=db.session.get(Note, board["ids"][2][1]), title="Pour les jeunes")

    _steer(app, board["id"], group)
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + _fits((1280, 720), board["latest"])
    steps += [count("#board-render .note-group", 2, name="the two groups show"),
              see("Propreté et lumière", selector="#board-render .note-group h3"),
              screenshot(f"{SHOTS}/projector-grouping.png"), axe("projector, grouping")]
    run_script(run_browser, steps, widths=AXE_WIDTHS)

    # The vote: the oldest note of column 1 gets the most dots; it stays where it was.
    oldest = board["ids"][0][0]

    def vote(b):
        from labo.extensions import db
        services.set_phase(None, b, "voting")
        people = [db.session.get(Participant, p) for p in board["people"]]
        for person in people[:6]:
            services.place_dot(b, person, "note", oldest)
        services.place_dot(b, people[6], "note", board["latest"][0])
        for c, n in ((1, 3), (2, 2), (3, 4)):  # dots on the newest notes of the other columns too
            for person in people[:n]:
                services.place_dot(b, person, "note", board["ids"][c][9])

    _steer(app, board["id"], vote)
    steps = [login(ANIMATOR, DEMO_PASSWORD)]
    for size in SIZES:
        steps += _open(board["id"], size) + _fits(size, board["latest"])
        steps.append(screenshot(f"{SHOTS}/projector-voting.png" if size == (1280, 720)
                                else f"{ARTIFACTS}/projector-voting-{size[0]}x{size[1]}.png"))
    steps += [
        see("6 gommettes", selector=f"#note-{oldest}", name="the dots show on the note"),
        evaluate("Number(document.querySelector('ul.notes[data-column]').firstElementChild.dataset.note)",
                 equals=board["latest"][0], name="no ranking during the vote: the newest note stays first"),
        evaluate("Number(document.querySelector('ul.notes[data-column]').lastElementChild.dataset.note)",
                 equals=oldest, name="and the note with the most dots stays last, where it was"),
        axe("projector, voting"),
    ]
    run_script(run_browser, steps, widths=AXE_WIDTHS)


def test_the_synthesis_ranks_groups_and_notes_by_dots(live_server, run_browser):
    from labo.extensions import db
    from labo.workshops import services
    from labo.workshops.models import Note, Participant

    app = live_server.app
    board = _seed(app)
    ids = board["ids"]
    texts: dict[str, str] = {}

    def dots(b):
        people = [db.session.get(Participant, p) for p in board["people"]]
        grouped = services.group_notes(b, db.session.get(Note, ids[1][0]), onto_note=db.session.get(Note, ids[1][1]),
                                       title="Propreté et lumière")
        services.set_phase(None, b, "voting")
        # 7 on a lone note, 3 + 2 + 1 = 6 on the group (its own and its notes'), 4, 2, then none.
        plan = [("note", ids[3][5], 7), ("group", grouped.group.id, 3), ("note", ids[1][0], 2),
                ("note", ids[1][1], 1), ("note", ids[0][9], 4), ("note", ids[2][4], 2)]
        used = {p.id: 0 for p in people}
        for kind, target, n in plan:
            for person in people[:n]:
                services.place_dot(b, person, kind, target)
                used[person.id] += 1
        services.set_phase(None, b, "synthesis")
        texts.update(first=db.session.get(Note, ids[3][5]).text, group=grouped.group.title,
                     third=db.session.get(Note, ids[0][9]).text, fourth=db.session.get(Note, ids[2][4]).text)
        texts["group_id"] = str(grouped.group.id)

    _steer(app, board["id"], dots)
    top = [texts["first"], texts["group"], texts["third"], texts["fourth"]]
    ranked = ("[...document.querySelectorAll('.ranked-list .ranked')].slice(0, 4).map("
              "(li) => [li.querySelector('.rank-text').textContent, Number(li.dataset.dots)])")
    in_order = ("(() => { const d = [...document.querySelectorAll('.ranked-list .ranked')].map((li) => Number(li.dataset.dots));"
                " return d.length > 30 && d.every((n, i) => i === 0 || d[i - 1] >= n); })()")
    steps = [login(ANIMATOR, DEMO_PASSWORD)]
    for size in SIZES:
        steps += _open(board["id"], size)
        steps += [
            evaluate(NO_SCROLL, equals={"tall": True, "wide": True}, name=f"{size[0]}x{size[1]}: the page does not scroll"),
            evaluate(ranked, equals=[[top[0], 7], [top[1], 6], [top[2], 4], [top[3], 2]],
                     name=f"{size[0]}x{size[1]}: the top items, in dot order"),
            evaluate(in_order, equals=True, name="every item listed, most dots first"),
            evaluate("(() => { const r = document.querySelector('.ranked').getBoundingClientRect();"
                     " return r.top >= 0 && r.bottom <= innerHeight; })()", equals=True,
                     name=f"{size[0]}x{size[1]}: the first item is on screen"),
        ]
        steps.append(screenshot(f"{SHOTS}/projector-synthesis.png" if size == (1280, 720)
                                else f"{ARTIFACTS}/projector-synthesis-{size[0]}x{size[1]}.png"))
    steps.append(axe("projector, synthesis"))
    steps += [noscript("board.js"), viewport(1280, 720), goto(f"/ateliers/{board['id']}/projection"),
              evaluate(ranked, equals=[[top[0], 7], [top[1], 6], [top[2], 4], [top[3], 2]],
                       name="without the script, the server ranks the same way"),
              evaluate(in_order, equals=True, name="every item listed, most dots first, by the server")]
    run_script(run_browser, steps, widths=AXE_WIDTHS)

    # The animator shows the group: it is drawn large beside the ranking.
    _steer(app, board["id"], lambda b: services.set_focus(b, "group", int(texts["group_id"])))
    steps = [login(ANIMATOR, DEMO_PASSWORD)] + _open(board["id"], (1280, 720)) + [
        see(texts["group"], selector=".synthesis-focus h2", name="the group shown is drawn large"),
        evaluate("(() => { const h = document.querySelector('.synthesis-focus h2');"
                 " return parseFloat(getComputedStyle(h).fontSize) > 1.5 * parseFloat("
                 "getComputedStyle(document.querySelector('.ranked .rank-text')).fontSize); })()", equals=True,
                 name="larger than the ranking's own lines"),
        evaluate(NO_SCROLL, equals={"tall": True, "wide": True}, name="the page does not scroll"),
        screenshot(f"{SHOTS}/projector-synthesis-focus.png"),
        axe("projector, synthesis with a focus"),
    ]
    run_script(run_browser, steps, widths=AXE_WIDTHS)


def test_a_phone_error_goes_once_a_note_reaches_the_board(live_server, run_browser):
    board = _seed(live_server.app, notes=False)
    text = f"Un abri pour attendre le bus {uuid.uuid4().hex[:4]}"
    steps = [
        goto(f"/atelier/{board['code']}"),
        fill("#pseudonym", "Samia"),
        submit("main form button[type=submit]", url=f"^/atelier/{board['code']}$"),
        wait('#live-status[data-state="online"]', name="the phone is live"),
        # Sent empty: the page's own form answers, the way a phone without the script does.
        submit("#note-form button[type=submit]", status=422, name="an empty note is refused"),
        see("Écrivez votre idée avant d'envoyer.", selector="#ecrire"),
        wait('#live-status[data-state="online"]', name="the phone is live again"),
        fill("#text", text),
        check("#note-form input[name=column]"),
        {"do": "click", "selector": "#note-form button[type=submit]"},
        wait("#board-render .note-text", text=text, name="the note is on the board"),
        see("Écrivez votre idée", selector="#ecrire", absent=True, name="the old error is gone"),
        count("#ecrire [data-error-summary], #ecrire .field .error", 0),
        evaluate("document.getElementById('text').hasAttribute('aria-invalid')", equals=False,
                 name="the box is no longer marked invalid"),
        axe("phone, after a note that followed an error"),
    ]
    run_script(run_browser, steps, widths=(360,))
