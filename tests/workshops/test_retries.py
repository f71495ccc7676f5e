"""An action sent again is done once (docs/realtime.md, "Actions sent
again"): a console, a projector or a phone that got no answer sends the same
action with the same key until it is acknowledged, and the board changes,
and the screens hear of it, once. And while a room of phones writes, the
animator's actions are saved at the first try, on SQLite as on PostgreSQL."""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select

from labo.audit.models import AuditEntry
from labo.workshops.models import Board, Dot, NoteGroup
from tests.workshops.conftest import new_key


def post(phone, column: int, text: str) -> dict:
    answer = phone.call("post_note", {"column": column, "text": text, "client_key": new_key()})
    assert answer["ok"], answer
    return answer["note"]


def test_a_timer_sent_again_with_its_key_is_started_and_announced_once(workshop):
    board = workshop.board()
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    key = new_key()

    first = console.call("set_timer", {"seconds": 300, "key": key})
    ends_at = workshop.fresh().get(Board, board.id).timer_ends_at
    time.sleep(1.1)
    again = console.call("set_timer", {"seconds": 300, "key": key})

    assert first["ok"] and again["ok"] and again["repeated"] is True and "repeated" not in first
    assert workshop.fresh().get(Board, board.id).timer_ends_at == ends_at  # not restarted later
    assert again["board"]["timer_left"] < first["board"]["timer_left"]  # the countdown as it is now
    console.sync()
    projector.sync()
    assert len(projector.received("board")) == 1


def test_a_timer_sent_again_after_the_server_forgot_its_key_ends_when_the_first_one_would_have(workshop):
    """A process restarted between the first try and the next one has
    forgotten the key: the screen says how long ago the animator asked."""
    board = workshop.board()
    console = workshop.console(board)
    assert console.call("set_timer", {"seconds": 600, "key": new_key(), "age": 0})["ok"]
    first_end = workshop.fresh().get(Board, board.id).timer_ends_at
    time.sleep(1.0)
    assert console.call("set_timer", {"seconds": 600, "key": new_key(), "age": 1000})["ok"]
    second_end = workshop.fresh().get(Board, board.id).timer_ends_at
    assert abs((second_end - first_end).total_seconds()) < 0.5


def test_grouping_and_hiding_sent_twice_make_one_group_and_one_moderation(workshop):
    board = workshop.board()
    _alice, token = workshop.join(board, "Alice")
    alice = workshop.phone(board, token, "Alice's phone")
    column = workshop.column(board)
    bench = post(alice, column, "Des bancs")
    shade = post(alice, column, "De l'ombre")
    rude = post(alice, column, "Un message déplacé")
    workshop.set(board, phase="grouping")
    console = workshop.console(board)
    group_key, hide_key = new_key(), new_key()
    since = alice.mark()

    grouped = [console.call("group_note", {"note": shade["id"], "onto_note": bench["id"], "key": group_key})
               for _ in range(3)]
    hidden = [console.call("hide_note", {"id": rude["id"], "key": hide_key}) for _ in range(2)]

    assert all(a["ok"] for a in grouped + hidden), grouped + hidden
    assert [a.get("repeated", False) for a in grouped] == [False, True, True]
    assert grouped[1]["group"] == grouped[0]["group"]
    assert workshop.count(NoteGroup, NoteGroup.board_id == board.id) == 1
    assert workshop.count(AuditEntry, AuditEntry.action == "workshop.note_hidden",
                          AuditEntry.target_id == board.id) == 1
    alice.sync()
    assert len(alice.received("group", since=since)) == 1
    assert alice.received("note_removed", since=since) == [{"id": rude["id"]}]


def test_a_late_copy_of_an_action_does_not_undo_what_came_after_it(workshop):
    """The first try of "go to the vote" arrives late, after the retry was
    answered and the timer started: it must not stop the timer."""
    board = workshop.board()
    console = workshop.console(board)
    phase_key = new_key()
    assert console.call("set_phase", {"phase": "voting", "key": phase_key})["ok"]
    assert console.call("set_timer", {"seconds": 120, "key": new_key()})["ok"]

    late = console.call("set_phase", {"phase": "voting", "key": phase_key})

    assert late["ok"] and late["repeated"]
    assert late["board"]["timer_left"] is not None
    assert workshop.fresh().get(Board, board.id).timer_ends_at is not None


def test_a_dot_sent_again_with_its_key_is_placed_once(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    note = post(alice, workshop.column(board), "Un jardin partagé")
    workshop.set(board, phase="voting")
    key = new_key()

    answers = [alice.call("place_dot", {"kind": "note", "id": note["id"], "key": key}) for _ in range(3)]
    # The same key from another participant is another action.
    other = bob.call("place_dot", {"kind": "note", "id": note["id"], "key": key})

    assert [a["dots_left"] for a in answers] == [2, 2, 2]
    assert [a.get("repeated", False) for a in answers] == [False, True, True]
    assert other == {"ok": True, "dots_left": 2}
    assert workshop.count(Dot, Dot.note_id == note["id"]) == 2


def test_an_action_key_that_is_not_one_is_refused_with_a_reason(workshop):
    board = workshop.board()
    console = workshop.console(board)
    for key in ("court", 42, "x" * 41, "des espaces ici"):
        assert console.call("set_phase", {"phase": "voting", "key": key}) == {
            "ok": False, "error": "action-key-invalid",
            "message": "Cette action n'a pas pu être lue\u00a0: rechargez la page et recommencez."}
    assert workshop.fresh().get(Board, board.id).phase == "writing"


def test_the_animators_actions_are_saved_at_the_first_try_while_a_room_of_phones_writes(workshop, caplog):
    """On SQLite an animator's action that read before writing failed with
    "database is locked" as soon as a phone's note was committed in between;
    the animator's handlers now take the write lock first, as the phones' do."""
    caplog.set_level(logging.ERROR, logger="labo.workshops")
    board = workshop.board()
    column = workshop.column(board)
    phones = []
    for i in range(30):
        _participant, token = workshop.join(board, f"Personne {i}")
        phones.append(workshop.phone(board, token, f"phone {i}"))
    console = workshop.console(board)
    seed = [post(phones[i], column, f"Idée de départ {i}") for i in range(3)]
    stop = threading.Event()
    phone_errors: list = []

    def write(phone):
        keys = [new_key() for _ in range(4)]
        sent = 0
        while not stop.is_set():
            # Four notes, then the last one sent again (a phone back from a dead zone): a write each time.
            key = keys[min(sent, 3)]
            answer = phone.call("post_note", {"column": column, "text": f"Note {key}", "client_key": key})
            sent += 1
            if not answer["ok"] and answer["error"] == "server-error":
                phone_errors.append(answer)

    writers = [threading.Thread(target=write, args=(phone,)) for phone in phones]
    for writer in writers:
        writer.start()
    actions = [
        ("set_timer", {"seconds": 300}),
        ("set_flags", {"authors_visible": False}),
        ("set_focus", {"kind": "note", "id": seed[0]["id"]}),
        ("hide_note", {"id": seed[2]["id"]}),
        ("group_note", {"note": seed[1]["id"], "onto_note": seed[0]["id"]}),
        ("set_phase", {"phase": "grouping"}),
        ("set_phase", {"phase": "writing"}),
        ("set_timer", {"seconds": 0}),
        ("ungroup_note", {"note": seed[1]["id"]}),
        ("set_flags", {"authors_visible": True}),
        ("set_focus", {"kind": None}),
    ]
    answers = []
    try:
        time.sleep(0.5)
        for event, data in actions:
            answers.append((event, console.call(event, dict(data, key=new_key()))))
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    failed = [(event, answer) for event, answer in answers if not answer["ok"]]
    assert failed == [], failed
    assert phone_errors == []
    assert [r.getMessage() for r in caplog.records if r.name == "labo.workshops"] == []
    saved = workshop.fresh().get(Board, board.id)
    assert (saved.phase, saved.timer_ends_at, saved.authors_visible, saved.focus_kind) == ("writing", None, True, None)
    assert workshop.fresh().scalar(select(NoteGroup.id).where(NoteGroup.board_id == board.id)) is not None


def test_dots_by_the_page_and_by_the_socket_at_once_while_the_animator_steers_never_wait_for_each_other(
        workshop, app, caplog):
    """The page without JavaScript holds the write lock from its request's
    start, the socket handlers take the board first: the page's dot view ends
    its transaction before taking the board, so neither waits for the other."""
    from tests.conftest import csrf_from

    caplog.set_level(logging.ERROR)
    board = workshop.board(dots_per_person=3)
    column = workshop.column(board)
    phones, notes = [], []
    for i in range(6):
        _participant, token = workshop.join(board, f"Socket {i}")
        phones.append(workshop.phone(board, token, f"phone {i}"))
        notes.append(post(phones[-1], column, f"Idée {i}")["id"])
    pages = []
    for i in range(4):
        page = app.test_client()
        form = page.get(f"/atelier/{board.code}").get_data(as_text=True)
        assert page.post(f"/atelier/{board.code}/rejoindre",
                         data={"pseudonym": f"Page {i}", "csrf_token": csrf_from(form)}).status_code == 302
        pages.append(page)
    workshop.set(board, phase="voting")
    console = workshop.console(board)
    stop = threading.Event()
    problems: list = []

    def by_socket(phone, n):
        while not stop.is_set():
            event = "place_dot" if n % 2 == 0 else "remove_dot"
            answer = phone.call(event, {"kind": "note", "id": notes[n % len(notes)], "key": new_key()})
            n += 1
            if not answer["ok"] and answer["error"] not in ("no-dots-left", "no-dot-here"):
                problems.append(answer)

    def by_page(page, n):
        while not stop.is_set():
            form = page.get(f"/atelier/{board.code}").get_data(as_text=True)
            sent = page.post(f"/atelier/{board.code}/gommette", data={
                "csrf_token": csrf_from(form), "kind": "note", "target": str(notes[n % len(notes)]),
                "action": "place" if n % 2 == 0 else "remove"})
            n += 1
            if sent.status_code != 302:
                problems.append(sent.status_code)

    threads = [threading.Thread(target=by_socket, args=(p, i)) for i, p in enumerate(phones)]
    threads += [threading.Thread(target=by_page, args=(p, i)) for i, p in enumerate(pages)]
    for thread in threads:
        thread.start()
    try:
        started = time.monotonic()
        for seconds in (60, 120, 0, 180, 0):
            assert console.call("set_timer", {"seconds": seconds, "key": new_key()})["ok"]
        took = time.monotonic() - started
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert problems == []
    assert took < 10, took
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("labo")] == []
    per_person = workshop.fresh().execute(select(Dot.participant_id, func.count(Dot.id))
                                          .where(Dot.board_id == board.id).group_by(Dot.participant_id)).all()
    assert per_person and all(n <= 3 for _participant, n in per_person)
