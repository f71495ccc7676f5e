"""The live board as its screens see it (docs/realtime.md): real Socket.IO
clients — phones, the animator's console, the projector — talking to a real
server over websocket. Each test asks what a person in the room would notice."""
from __future__ import annotations

import re
import threading

import pytest
import socketio
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from labo.core.typography import french_spacing
from labo.accounts.models import Role
from labo.extensions import db
from labo.workshops import services
from labo.workshops.models import Board, Dot, Note, NoteGroup
from tests.conftest import csrf_from
from tests.factories import create_user
from tests.workshops.conftest import WAIT, new_key

# What a person reads when the server says no (French, the site's default language).
FRENCH = {
    "board-unknown": "Cet atelier n'existe pas ou plus.",
    "token-invalid": "Votre place sur ce tableau n'a pas été reconnue : rejoignez l'atelier avec son code.",
    "not-allowed": "Seule l'animation de cet atelier peut faire cela.",
    "not-participant": "Rejoignez l'atelier avec son code pour écrire et voter.",
    "client-key-invalid": "Cette note n'a pas pu être lue : rechargez la page et écrivez-la à nouveau.",
    "board-locked": "L'atelier est verrouillé par l'animation : on ne peut plus rien ajouter pour l'instant.",
    "not-voting": "Les gommettes se posent pendant l'étape du vote.",
    "column-unknown": "Choisissez une colonne.",
    "note-required": "Écrivez votre idée avant d'envoyer.",
    "note-too-long": "Une note fait 280 caractères au plus.",
    "note-unknown": "Cette note n'est plus sur le tableau.",
    "group-unknown": "Ce groupe n'existe plus.",
    "group-target-required": "Choisissez avec quelle note ou quel groupe regrouper.",
    "group-self": "Choisissez une autre note que celle-ci.",
    "group-title-required": "Donnez un titre au groupe.",
    "target-unknown": "Choisissez une note ou un groupe.",
    "no-dots-left": "Vous avez posé toutes vos gommettes. Retirez-en une pour la mettre ailleurs.",
    "no-dot-here": "Vous n'avez pas de gommette ici.",
    "phase-unknown": "Cette étape n'existe pas.",
    "timer-range": "Le minuteur va de 0 à 240 minutes.",
    "dots-range": "Entre 1 et 20 gommettes par personne.",
    "vote-display-unknown": "Choisissez ce que l'écran montre pendant le vote.",
}


# As the phones read them: French typography puts a no-break space before « : ».
FRENCH = {code: french_spacing(text) for code, text in FRENCH.items()}


def refused(code: str) -> dict:
    return {"ok": False, "error": code, "message": FRENCH[code]}


def post(phone, column: int, text: str, key: str | None = None) -> dict:
    answer = phone.call("post_note", {"column": column, "text": text, "client_key": key or new_key()})
    assert answer["ok"], answer
    return answer["note"]


def all_at_once(sends: list, event: str) -> list[dict]:
    """Emit `event` from each (screen, payload) of `sends` without waiting, then
    every answer, whatever order the server gives them in."""
    answers: list[dict] = []
    all_in = threading.Event()
    lock = threading.Lock()

    def answered(answer):
        with lock:
            answers.append(answer)
            if len(answers) == len(sends):
                all_in.set()

    for screen, payload in sends:
        screen.emit(event, payload, callback=answered)
    assert all_in.wait(3 * WAIT), f"only {len(answers)} of {len(sends)} {event} got an answer"
    return answers


def by_id(note_id: int):
    return lambda payload: payload.get("id") == note_id


# --- notes -----------------------------------------------------------------------


def test_a_note_from_one_phone_reaches_the_other_phones_and_the_projector_already_saved(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    column = workshop.column(board, 1)

    # The moment a screen gets the note, is the note in the database?
    engine = db.engine
    in_database: dict[str, str | None] = {}

    def look_up(screen_name):
        def inspector(payload):
            with engine.connect() as connection:
                in_database[screen_name] = connection.scalar(select(Note.text).where(Note.id == payload["id"]))
        return inspector

    bob = workshop.phone(board, bob_token, "Bob's phone")
    bob.inspect("note", look_up("bob"))
    projector = workshop.console(board, view="projector")
    projector.inspect("note", look_up("projector"))
    console = workshop.console(board)
    alice = workshop.phone(board, alice_token, "Alice's phone")

    answer = alice.call("post_note", {"column": column, "text": "  Plus de bancs   au parc ", "client_key": new_key()})

    assert answer["ok"] is True and answer["created"] is True
    note = answer["note"]
    assert (note["text"], note["column"], note["author"]) == ("Plus de bancs au parc", column, "Alice")
    for screen in (bob, projector, console):
        seen = screen.wait_for("note", by_id(note["id"]))
        assert (seen["text"], seen["column"], seen["author"]) == ("Plus de bancs au parc", column, "Alice")
    assert in_database == {"bob": "Plus de bancs au parc", "projector": "Plus de bancs au parc"}
    # The note stays on the board: someone joining now finds it there.
    _carol, carol_token = workshop.join(board, "Carol")
    state = workshop.phone(board, carol_token, "Carol's phone").wait_for("state")
    assert [(n["text"], n["author"]) for n in state["notes"]] == [("Plus de bancs au parc", "Alice")]
    assert state["participants"] == 3


def test_a_note_resent_after_a_dropped_connection_is_stored_once(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    column = workshop.column(board)
    bob = workshop.phone(board, bob_token, "Bob's phone")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    key = new_key()
    first = alice.call("post_note", {"column": column, "text": "Un marché le samedi", "client_key": key})
    assert first["created"] is True

    # The phone never got the answer: it comes back and sends the note again.
    alice.drop()
    alice.reconnect()
    again = alice.call("post_note", {"column": column, "text": "Un marché le samedi", "client_key": key})

    assert again == {"ok": True, "created": False, "note": first["note"]}
    assert workshop.count(Note, Note.board_id == board.id) == 1
    bob.sync()
    assert len(bob.received("note", by_id(first["note"]["id"]))) == 1, "the resent note was broadcast again"
    # Resent after the animator locked the board, it is still the note on the board, not a refusal.
    workshop.set(board, locked=True)
    late = alice.call("post_note", {"column": column, "text": "Un marché le samedi", "client_key": key})
    assert late["ok"] is True and late["created"] is False
    # Bob cannot take Alice's note over by sending its key.
    workshop.set(board, locked=False)
    stolen = bob.call("post_note", {"column": column, "text": "Pas de marché", "client_key": key})
    assert stolen == refused("client-key-invalid")
    assert workshop.fresh().scalar(select(Note.text).where(Note.client_key == key)) == "Un marché le samedi"


def test_a_phone_back_from_a_dead_zone_gets_the_whole_board_again(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    column = workshop.column(board)
    bob = workshop.phone(board, bob_token, "Bob's phone")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    console = workshop.console(board)
    post(bob, column, "Des poubelles de tri")

    bob.drop()
    post(alice, column, "Une fête des voisins")
    post(alice, column, "Un composteur")
    assert console.call("set_timer", {"seconds": 600})["ok"]
    since = bob.mark()
    bob.reconnect()

    state = bob.wait_for("state", since=since)
    me = bob.wait_for("me", since=since)
    assert [n["text"] for n in state["notes"]] == ["Des poubelles de tri", "Une fête des voisins", "Un composteur"]
    assert 590 <= state["board"]["timer_left"] <= 600
    assert state["counts"] == {str(column): 3}
    assert me["pseudonym"] == "Bob" and [n["text"] for n in me["notes"]] == ["Des poubelles de tri"]
    assert me["dots_left"] == 3


def test_someone_joining_with_the_code_is_counted_on_the_projector_at_once(workshop, client):
    board = workshop.board()
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    assert projector.received("state")[0]["participants"] == 0

    page = client.get(f"/atelier/{board.code}")
    joined = client.post(f"/atelier/{board.code}/rejoindre",
                         data={"pseudonym": "Zoé", "csrf_token": csrf_from(page.get_data(as_text=True))})

    assert joined.status_code == 302
    assert projector.wait_for("people") == {"count": 1}
    assert console.wait_for("people") == {"count": 1}


def test_a_note_sent_from_the_page_without_javascript_reaches_the_live_screens(workshop, client):
    board = workshop.board()
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    page = client.get(f"/atelier/{board.code}")
    client.post(f"/atelier/{board.code}/rejoindre",
                data={"pseudonym": "Zoé", "csrf_token": csrf_from(page.get_data(as_text=True))})
    form = client.get(f"/atelier/{board.code}").get_data(as_text=True)
    key = re.search(r'name="client_key"[^>]*value="([^"]+)"', form) or re.search(
        r'value="([^"]+)"[^>]*name="client_key"', form)

    sent = client.post(f"/atelier/{board.code}/note", data={
        "csrf_token": csrf_from(form), "column": str(workshop.column(board)), "text": "Écrit sans JavaScript",
        "client_key": key.group(1)})

    assert sent.status_code in (302, 303), sent.status_code
    seen = bob.wait_for("note", lambda p: p["text"] == "Écrit sans JavaScript")
    assert seen["author"] == "Zoé"
    assert workshop.fresh().get(Note, seen["id"]).text == "Écrit sans JavaScript"


# --- private writing, hidden authors ------------------------------------------------


def test_while_writing_is_private_other_phones_only_learn_how_many_notes_there_are(workshop):
    board = workshop.board(private_writing=True)
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    column = workshop.column(board)
    bob = workshop.phone(board, bob_token, "Bob's phone")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    alice_phone = workshop.phone(board, alice_token, "Alice's phone")
    alice_tablet = workshop.phone(board, alice_token, "Alice's tablet")

    note = post(alice_phone, column, "Mon idée secrète")

    # Alice's other device and the animator's console get the note itself...
    assert alice_tablet.wait_for("note", by_id(note["id"]))["text"] == "Mon idée secrète"
    assert console.wait_for("note", by_id(note["id"]))["author"] == "Alice"
    # ...the other phones and the projector only the number of notes per column.
    assert bob.wait_for("counts") == {str(column): 1}
    assert projector.wait_for("counts") == {str(column): 1}
    assert bob.sync()["state"]["notes"] == [] and projector.sync()["state"]["notes"] == []
    assert not bob.saw_text("Mon idée secrète")
    assert not projector.saw_text("Mon idée secrète")
    # Alice's phones still show her own notes (at every connection too).
    assert [n["text"] for n in alice_tablet.sync()["me"]["notes"]] == ["Mon idée secrète"]

    # The reveal: the animator turns private writing off and every phone gets the whole board.
    since = bob.mark(), projector.mark()
    answer = console.call("set_flags", {"private_writing": False})
    assert answer["ok"] and answer["board"]["private_writing"] is False
    for screen, mark in zip((bob, projector), since):
        state = screen.wait_for("state", since=mark)
        assert [(n["text"], n["author"]) for n in state["notes"]] == [("Mon idée secrète", "Alice")]
        assert state["board"]["private_writing"] is False
    # From now on a new note is shown to all at once.
    later = post(alice_phone, column, "Une idée pour tous")
    assert bob.wait_for("note", by_id(later["id"]))["text"] == "Une idée pour tous"


def test_when_authors_are_hidden_only_the_animator_sees_who_wrote_what(workshop):
    board = workshop.board(authors_visible=False)
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    column = workshop.column(board)
    bob = workshop.phone(board, bob_token, "Bob's phone")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    alice = workshop.phone(board, alice_token, "Alice's phone")

    note = post(alice, column, "Éclairer la passerelle")

    assert bob.wait_for("note", by_id(note["id"]))["author"] is None
    assert projector.wait_for("note", by_id(note["id"]))["author"] is None
    assert console.wait_for("note", by_id(note["id"]))["author"] == "Alice"
    assert [n["author"] for n in bob.sync()["state"]["notes"]] == [None]
    assert [n["author"] for n in projector.sync()["state"]["notes"]] == [None]
    assert [n["author"] for n in console.sync()["state"]["notes"]] == ["Alice"]
    assert not bob.saw_text("Alice") and not projector.saw_text("Alice")
    # Alice's own phone knows the note is hers.
    assert [n["author"] for n in alice.sync()["me"]["notes"]] == ["Alice"]

    # Showing authors again: every public screen gets the board again, with names.
    since = bob.mark()
    assert console.call("set_flags", {"authors_visible": True})["ok"]
    assert [n["author"] for n in bob.wait_for("state", since=since)["notes"]] == ["Alice"]


# --- dots ---------------------------------------------------------------------------


def test_ten_dots_at_once_from_two_phones_of_one_person_leave_exactly_their_three(workshop):
    board = workshop.board(dots_per_person=3)
    alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    note = post(bob, workshop.column(board), "Un jardin partagé")
    workshop.set(board, phase="voting")
    phones = [workshop.phone(board, alice_token, "Alice's phone"), workshop.phone(board, alice_token, "Alice's tablet")]

    answers = all_at_once([(phone, {"kind": "note", "id": note["id"]}) for _round in range(5) for phone in phones],
                          "place_dot")

    placed = [a for a in answers if a["ok"]]
    assert len(placed) == 3, answers
    assert [a for a in answers if not a["ok"]] == [refused("no-dots-left")] * 7
    slots = workshop.fresh().scalars(select(Dot.slot).where(Dot.participant_id == alice.id)).all()
    assert sorted(slots) == [0, 1, 2]
    # What the screens show once it has settled: the last count and the last "me" they received.
    for screen in [bob, *phones]:
        screen.sync()
    assert bob.last("dots") == {"kind": "note", "id": note["id"], "count": 3}
    for phone in phones:
        me = phone.last("me")
        assert (me["dots_left"], me["dots"]["note"]) == (0, {str(note["id"]): 3}), phone


def test_one_note_sent_again_on_several_connections_at_once_is_written_once(workshop):
    """A phone on a poor network: its retries arrive together, through as many
    connections. One note, and every try is answered with it."""
    board = workshop.board()
    _alice, token = workshop.join(board, "Alice")
    tries = [workshop.phone(board, token, f"Alice, try {n}") for n in range(8)]
    projector = workshop.console(board, view="projector")
    note = {"column": workshop.column(board), "text": "Un abri au city stade", "client_key": new_key()}
    answers = all_at_once([(phone, note) for phone in tries], "post_note")
    assert all(a["ok"] for a in answers), answers
    assert len({a["note"]["id"] for a in answers}) == 1
    assert sorted(a["created"] for a in answers) == [False] * 7 + [True]
    assert workshop.count(Note, Note.board_id == board.id) == 1
    projector.wait_for("note", lambda p: p["text"] == "Un abri au city stade")
    assert len(projector.received("note")) == 1


def test_a_room_full_of_phones_writing_and_voting_at_the_same_moment_loses_nothing(workshop):
    board = workshop.board()
    column = workshop.column(board)
    tokens = [workshop.join(board, f"Personne {n}")[1] for n in range(8)]
    projector = workshop.console(board, view="projector")
    phones = [workshop.phone(board, token, f"phone {n}") for n, token in enumerate(tokens)]

    written = all_at_once([(phone, {"column": column, "text": f"Idée {n}", "client_key": new_key()})
                           for n, phone in enumerate(phones)], "post_note")

    assert [a for a in written if not a["ok"]] == []
    assert workshop.count(Note, Note.board_id == board.id) == 8
    for n in range(8):
        projector.wait_for("note", lambda p, n=n: p["text"] == f"Idée {n}")

    workshop.set(board, phase="voting")
    target = written[0]["note"]["id"]
    voted = all_at_once([(phone, {"kind": "note", "id": target}) for phone in phones], "place_dot")

    assert [a for a in voted if not a["ok"]] == []
    assert projector.wait_for("dots", lambda p: p["count"] == 8)["id"] == target


def test_a_dot_is_counted_on_every_screen_and_can_be_taken_back(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    note = post(bob, workshop.column(board), "Des bancs à l'ombre")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    alice = workshop.phone(board, alice_token, "Alice's phone")
    assert console.call("set_phase", {"phase": "voting"})["board"]["phase"] == "voting"
    assert alice.wait_for("board", lambda p: p["phase"] == "voting")

    assert alice.call("place_dot", {"kind": "note", "id": note["id"]}) == {"ok": True, "dots_left": 2}
    for screen in (bob, projector, console):
        assert screen.wait_for("dots", lambda p: p["count"] == 1)["id"] == note["id"]
    assert alice.wait_for("me", lambda p: p["dots_left"] == 2)["dots"]["note"] == {str(note["id"]): 1}
    assert bob.sync()["state"]["dots"]["note"] == {str(note["id"]): 1}

    since = bob.mark()
    assert alice.call("remove_dot", {"kind": "note", "id": note["id"]}) == {"ok": True, "dots_left": 3}
    assert bob.wait_for("dots", since=since)["count"] == 0
    assert alice.call("remove_dot", {"kind": "note", "id": note["id"]}) == refused("no-dot-here")
    assert workshop.count(Dot, Dot.board_id == board.id) == 0


def test_a_blind_vote_shows_the_room_how_many_dots_not_where_until_the_synthesis(workshop):
    board = workshop.board(vote_display="blind")
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    note = post(bob, workshop.column(board), "Un jardin partagé")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    alice = workshop.phone(board, alice_token, "Alice's phone")
    assert console.call("set_phase", {"phase": "voting"})["board"]["results_hidden"] is True
    # Every screen gets the whole board again, without the counts.
    assert alice.wait_for("state", lambda p: p["board"]["phase"] == "voting")["board"]["results_hidden"] is True

    assert alice.call("place_dot", {"kind": "note", "id": note["id"]})["ok"]
    # The room learns one dot was placed, not on what; the animator sees where.
    for screen in (bob, projector):
        assert screen.wait_for("dots_cast")["count"] == 1
    assert console.wait_for("dots", lambda p: p["count"] == 1)["id"] == note["id"]
    assert alice.wait_for("me", lambda p: p["dots_left"] == 2)["dots"]["note"] == {str(note["id"]): 1}
    assert bob.received("dots") == [] and projector.received("dots") == []
    synced = bob.sync()["state"]
    assert (synced["dots"], synced["dots_cast"]) == ({"note": {}, "group": {}}, 1)
    late = workshop.phone(board, workshop.join(board, "Chloé")[1], "a phone that joins late")
    assert late.wait_for("state")["dots"]["note"] == {}

    # The synthesis shows the results on every screen at once.
    since = projector.mark()
    console.call("set_phase", {"phase": "synthesis"})
    shown = projector.wait_for("state", since=since)
    assert shown["dots"]["note"] == {str(note["id"]): 1} and shown["board"]["results_hidden"] is False
    assert bob.sync()["state"]["dots"]["note"] == {str(note["id"]): 1}


def test_the_animator_can_switch_to_a_blind_vote_during_the_vote(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    note = post(alice, workshop.column(board), "Un banc")
    workshop.set(board, phase="voting")
    alice.call("place_dot", {"kind": "note", "id": note["id"]})
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    assert projector.wait_for("state")["dots"]["note"] == {str(note["id"]): 1}

    since = projector.mark()
    assert console.call("set_flags", {"vote_display": "blind"})["board"]["vote_display"] == "blind"
    assert projector.wait_for("state", since=since)["dots"]["note"] == {}
    assert console.call("set_flags", {"vote_display": "sideways"}) == refused("vote-display-unknown")
    assert workshop.fresh().get(Board, board.id).vote_display == "blind"


def test_dots_wait_for_the_vote(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    note = post(alice, workshop.column(board), "Un abri vélo")

    assert alice.call("place_dot", {"kind": "note", "id": note["id"]}) == refused("not-voting")
    workshop.set(board, phase="synthesis")
    assert alice.call("place_dot", {"kind": "note", "id": note["id"]}) == refused("not-voting")
    assert workshop.count(Dot, Dot.board_id == board.id) == 0


def test_a_locked_board_refuses_new_notes_and_dots(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    console = workshop.console(board)
    column = workshop.column(board)
    note = post(alice, column, "Avant le verrou")

    assert console.call("set_flags", {"locked": True})["board"]["locked"] is True
    assert alice.wait_for("board", lambda p: p["locked"])

    assert alice.call("post_note", {"column": column, "text": "Après le verrou", "client_key": new_key()}) \
        == refused("board-locked")
    workshop.set(board, phase="voting")
    assert alice.call("place_dot", {"kind": "note", "id": note["id"]}) == refused("board-locked")
    assert workshop.count(Note, Note.board_id == board.id) == 1
    assert workshop.count(Dot, Dot.board_id == board.id) == 0


# --- the animator's moves ----------------------------------------------------------


def test_a_hidden_note_leaves_the_phones_but_stays_on_the_animators_console(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)
    alice = workshop.phone(board, alice_token, "Alice's phone")
    column = workshop.column(board)
    note = post(alice, column, "Un message déplacé")
    kept = post(alice, column, "Une idée correcte")
    bob.wait_for("note", by_id(kept["id"]))

    assert console.call("hide_note", {"id": note["id"]}) == {"ok": True}

    assert bob.wait_for("note_removed") == {"id": note["id"]}
    assert projector.wait_for("note_removed") == {"id": note["id"]}
    assert console.wait_for("note", lambda p: p["id"] == note["id"] and p["hidden"]) ["text"] == "Un message déplacé"
    assert [n["text"] for n in bob.sync()["state"]["notes"]] == ["Une idée correcte"]
    assert [(n["text"], n["hidden"]) for n in console.sync()["state"]["notes"]] == [
        ("Un message déplacé", True), ("Une idée correcte", False)]
    # A hidden note takes no dot.
    workshop.set(board, phase="voting")
    assert bob.call("place_dot", {"kind": "note", "id": note["id"]}) == refused("note-unknown")

    # Shown again, it comes back on the phones.
    since = bob.mark()
    assert console.call("hide_note", {"id": note["id"], "hidden": False}) == {"ok": True}
    assert bob.wait_for("note", by_id(note["id"]), since=since)["text"] == "Un message déplacé"


def test_grouping_notes_makes_a_group_the_phones_see_and_the_last_note_out_removes_it(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    column = workshop.column(board)
    first = post(alice, column, "Plus de bancs")
    second = post(alice, column, "Des bancs près de l'école")
    workshop.set(board, phase="grouping")
    console = workshop.console(board)

    answer = console.call("group_note", {"note": second["id"], "onto_note": first["id"]})

    assert answer["ok"], answer
    group = answer["group"]
    assert (group["title"], group["column"]) == ("Plus de bancs", column)
    assert alice.wait_for("group", by_id(group["id"]))["title"] == "Plus de bancs"
    for note in (first, second):
        assert alice.wait_for("note", lambda p, n=note: p["id"] == n["id"] and p["group"] == group["id"])
    members = workshop.fresh().scalars(select(Note.id).where(Note.group_id == group["id"]).order_by(Note.id)).all()
    assert members == [first["id"], second["id"]]

    renamed = console.call("rename_group", {"group": group["id"], "title": "  Des bancs  "})
    assert renamed == {"ok": True, "group": dict(group, title="Des bancs")}
    assert alice.wait_for("group", lambda p: p["title"] == "Des bancs")["id"] == group["id"]

    # One note out: the group stays, with the other note.
    assert console.call("ungroup_note", {"note": second["id"]}) == {"ok": True}
    assert alice.wait_for("note", lambda p: p["id"] == second["id"] and p["group"] is None)
    assert [g["id"] for g in alice.sync()["state"]["groups"]] == [group["id"]]
    # The last note out: the group goes, on every screen.
    assert console.call("ungroup_note", {"note": first["id"]}) == {"ok": True}
    assert alice.wait_for("group_removed") == {"id": group["id"]}
    assert console.wait_for("group_removed") == {"id": group["id"]}
    assert workshop.count(NoteGroup, NoteGroup.board_id == board.id) == 0
    assert alice.sync()["state"]["groups"] == []


def test_follow_me_and_the_timer_reach_every_phone(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    note = post(alice, workshop.column(board), "Un terrain de foot")
    projector = workshop.console(board, view="projector")
    console = workshop.console(board)

    assert console.call("set_focus", {"kind": "note", "id": note["id"]})["ok"]
    for screen in (alice, projector):
        assert screen.wait_for("board", lambda p: p["focus"] is not None)["focus"] == {"kind": "note", "id": note["id"]}

    assert console.call("set_timer", {"seconds": 300})["ok"]
    for screen in (alice, projector):
        assert 295 <= screen.wait_for("board", lambda p: p["timer_left"] is not None)["timer_left"] <= 300

    since = alice.mark()
    assert console.call("set_focus", {"kind": None})["ok"]
    assert console.call("set_timer", {"seconds": 0})["ok"]
    assert alice.wait_for("board", lambda p: p["focus"] is None and p["timer_left"] is None, since=since)

    assert console.call("set_phase", {"phase": "voting"})["ok"]
    assert alice.wait_for("board", lambda p: p["phase"] == "voting")["focus"] is None


def test_a_projector_window_can_steer_the_board_too(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    projector = workshop.console(board, view="projector")

    assert projector.call("set_phase", {"phase": "grouping"})["board"]["phase"] == "grouping"
    assert alice.wait_for("board", lambda p: p["phase"] == "grouping")


# --- who may connect --------------------------------------------------------------


def _other_secret_token(board: Board, participant) -> str:
    return URLSafeSerializer("not-the-site-secret", salt="workshop-participant").dumps([board.id, participant.id])


@pytest.mark.parametrize("case", ["forged token", "another board's token", "no token", "unknown board"])
def test_a_phone_without_its_own_place_on_the_board_is_turned_away(workshop, case):
    board = workshop.board()
    alice, alice_token = workshop.join(board, "Alice")
    other = workshop.board(title="Un autre atelier")
    _stranger, stranger_token = workshop.join(other, "Zoé")
    auth, code = {
        "forged token": ({"board": board.id, "token": _other_secret_token(board, alice)}, "token-invalid"),
        "another board's token": ({"board": board.id, "token": stranger_token}, "token-invalid"),
        "no token": ({"board": board.id}, "token-invalid"),
        "unknown board": ({"board": other.id + 1000, "token": alice_token}, "board-unknown"),
    }[case]
    phone = workshop.screen(case)

    with pytest.raises(socketio.exceptions.ConnectionError):
        phone.connect(auth)

    assert phone.refusal == {"message": FRENCH[code], "data": {"error": code}}
    assert phone.events == []


@pytest.mark.parametrize("who, view", [
    ("anonymous", "animator"),
    ("resident", "animator"),
    ("animator of another board", "animator"),
    ("resident", "projector"),
])
def test_only_the_boards_animators_open_its_console_or_projector(workshop, who, view):
    user = {"anonymous": lambda: None, "resident": lambda: create_user(pseudonym="Une habitante"),
            "animator of another board": lambda: create_user(roles=[(Role.ANIMATOR, None)])}[who]()
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    post(workshop.phone(board, alice_token, "Alice's phone"), workshop.column(board), "Une idée")
    headers = {"Cookie": workshop.session_cookie(user)} if user is not None else {}
    screen = workshop.screen(f"{who}'s {view}")

    with pytest.raises(socketio.exceptions.ConnectionError):
        screen.connect({"board": board.id, "view": view}, headers=headers)

    assert screen.refusal == {"message": FRENCH["not-allowed"], "data": {"error": "not-allowed"}}
    assert not screen.saw_text("Une idée")


def test_a_page_from_another_site_cannot_open_a_board_socket(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    cookie = {"Cookie": workshop.session_cookie(workshop.animator)}
    evil = {"websocket_extra_options": {"origin": "http://evil.example"}}

    with pytest.raises(socketio.exceptions.ConnectionError):
        workshop.screen("evil phone", **evil).connect({"board": board.id, "token": alice_token})
    # Above all, not with the animator's cookie, which the browser would send along.
    with pytest.raises(socketio.exceptions.ConnectionError):
        workshop.screen("evil console", **evil).connect({"board": board.id, "view": "animator"}, headers=cookie)

    # The same token and cookie from the site's own pages are welcome.
    workshop.phone(board, alice_token)
    workshop.console(board)


def test_a_phone_cannot_steer_the_board(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    note = post(alice, workshop.column(board), "Ma note")
    other = post(alice, workshop.column(board), "Mon autre note")
    attempts = {
        "set_phase": {"phase": "voting"},
        "set_timer": {"seconds": 60},
        "set_flags": {"locked": True, "private_writing": True},
        "set_focus": {"kind": "note", "id": note["id"]},
        "hide_note": {"id": note["id"]},
        "group_note": {"note": note["id"], "onto_note": other["id"]},
        "ungroup_note": {"note": note["id"]},
        "rename_group": {"group": 1, "title": "Mon groupe"},
    }
    for event, payload in attempts.items():
        assert alice.call(event, payload) == refused("not-allowed"), event

    board = workshop.fresh().get(Board, board.id)
    assert (board.phase, board.locked, board.private_writing, board.timer_ends_at, board.focus_kind) == \
        ("writing", False, False, None, None)
    assert workshop.count(Note, Note.board_id == board.id, Note.hidden.is_(False), Note.group_id.is_(None)) == 2
    assert workshop.count(NoteGroup, NoteGroup.board_id == board.id) == 0


def test_the_console_does_not_write_notes_or_vote_as_a_participant(workshop):
    board = workshop.board()
    console = workshop.console(board)

    answer = console.call("post_note", {"column": workshop.column(board), "text": "Une note", "client_key": new_key()})

    assert answer == refused("not-participant")
    assert console.call("place_dot", {"kind": "note", "id": 1}) == refused("not-participant")
    assert workshop.count(Note, Note.board_id == board.id) == 0


def test_a_co_animator_taken_off_the_board_loses_the_console_at_once(workshop):
    helper = create_user(pseudonym="Karim", roles=[(Role.ANIMATOR, None)])
    board = workshop.board()
    services.add_animator(workshop.animator, board, helper)
    db.session.commit()
    console = workshop.console(board, user=helper)
    assert console.call("set_phase", {"phase": "grouping"})["ok"]

    board = workshop.fresh().get(Board, board.id)
    board.animators.remove(helper)
    db.session.commit()

    assert console.call("set_phase", {"phase": "voting"}) == refused("not-allowed")
    assert workshop.fresh().get(Board, board.id).phase == "grouping"


# --- bad payloads -------------------------------------------------------------------


def test_a_malformed_note_gets_a_clear_answer_and_the_phone_carries_on(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    column = workshop.column(board)
    cases = [
        (None, "client-key-invalid"),
        ({}, "client-key-invalid"),
        ("juste du texte", "client-key-invalid"),
        ([column, "une note"], "client-key-invalid"),
        ({"column": column, "text": "Une note", "client_key": "court"}, "client-key-invalid"),
        ({"column": column, "text": "Une note", "client_key": 1234567890}, "client-key-invalid"),
        ({"column": column, "text": "Une note", "client_key": "<script>alert(1)</script>"}, "client-key-invalid"),
        ({"text": "Une note", "client_key": new_key()}, "column-unknown"),
        ({"column": str(column), "text": "Une note", "client_key": new_key()}, "column-unknown"),
        ({"column": 10**12, "text": "Une note", "client_key": new_key()}, "column-unknown"),
        ({"column": True, "text": "Une note", "client_key": new_key()}, "column-unknown"),
        ({"column": column, "client_key": new_key()}, "note-required"),
        ({"column": column, "text": ["Une", "note"], "client_key": new_key()}, "note-required"),
        ({"column": column, "text": {"text": "Une note"}, "client_key": new_key()}, "note-required"),
        ({"column": column, "text": " \t \r\n ", "client_key": new_key()}, "note-required"),
        ({"column": column, "text": "x" * 281, "client_key": new_key()}, "note-too-long"),
        ({"column": column, "text": "Une très longue note. " * 1500, "client_key": new_key()}, "note-too-long"),
    ]
    for payload, code in cases:
        assert alice.call("post_note", payload) == refused(code), payload

    assert workshop.count(Note, Note.board_id == board.id) == 0
    assert post(alice, column, "x" * 280)["text"] == "x" * 280
    # Control characters (a NUL, which PostgreSQL cannot store) are dropped, the note kept;
    # a note of nothing else is empty.
    assert post(alice, column, "Des\x00 bancs\x07 à l'ombre\x1b")["text"] == "Des bancs à l'ombre"
    assert alice.call("post_note", {"column": column, "text": "\x00\x00", "client_key": new_key()}) \
        == refused("note-required")


def test_malformed_dots_and_steering_get_a_clear_answer(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    note = post(alice, workshop.column(board), "Une note")
    console = workshop.console(board)
    workshop.set(board, phase="voting")
    dot_cases = [
        ({"kind": "pizza", "id": note["id"]}, "target-unknown"),
        ({"kind": ["note"], "id": note["id"]}, "target-unknown"),
        ({"kind": "note", "id": str(note["id"])}, "note-unknown"),
        ({"kind": "note"}, "note-unknown"),
        ({"kind": "note", "id": note["id"] + 1000}, "note-unknown"),
        ({"kind": "group", "id": 2**40}, "group-unknown"),
    ]
    for payload, code in dot_cases:
        assert alice.call("place_dot", payload) == refused(code), payload
    assert alice.call("remove_dot", {"kind": "pizza", "id": 1}) == refused("target-unknown")
    steering_cases = [
        ("set_phase", {"phase": "party"}, "phase-unknown"),
        ("set_phase", {}, "phase-unknown"),
        ("set_phase", {"phase": ["voting"]}, "phase-unknown"),
        ("set_timer", {"seconds": "60"}, "timer-range"),
        ("set_timer", {"seconds": -5}, "timer-range"),
        ("set_timer", {"seconds": 10**9}, "timer-range"),
        ("set_timer", {"seconds": True}, "timer-range"),
        ("set_timer", {"seconds": 1.5}, "timer-range"),
        ("set_flags", {"dots_per_person": "beaucoup"}, "dots-range"),
        ("set_flags", {"dots_per_person": 50}, "dots-range"),
        ("set_focus", {"kind": "note", "id": "abc"}, "note-unknown"),
        ("set_focus", {"kind": "group", "id": 12345}, "group-unknown"),
        ("hide_note", {"id": None}, "note-unknown"),
        ("hide_note", "note 1", "note-unknown"),
        ("group_note", {"note": note["id"]}, "group-target-required"),
        ("group_note", {"note": note["id"], "onto_note": note["id"]}, "group-self"),
        ("group_note", {"note": note["id"], "onto_group": "un groupe"}, "group-unknown"),
        ("ungroup_note", {}, "note-unknown"),
        ("rename_group", {"group": 999, "title": "Titre"}, "group-unknown"),
    ]
    for event, payload, code in steering_cases:
        assert console.call(event, payload) == refused(code), (event, payload)

    board = workshop.fresh().get(Board, board.id)
    assert (board.phase, board.timer_ends_at, board.dots_per_person, board.focus_kind) == ("voting", None, 3, None)
    # Everything still works afterwards.
    assert alice.call("place_dot", {"kind": "note", "id": note["id"]}) == {"ok": True, "dots_left": 2}


def test_a_group_title_that_is_not_text_gets_a_clear_refusal_not_a_server_error(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    column = workshop.column(board)
    first, second, third, fourth = (post(alice, column, text)
                                    for text in ("Des arbres", "De l'ombre", "Des fontaines", "De l'eau"))
    console = workshop.console(board)
    group = console.call("group_note", {"note": second["id"], "onto_note": first["id"]})["group"]

    renamed = console.call("rename_group", {"group": group["id"], "title": 42})
    grouped = console.call("group_note", {"note": fourth["id"], "onto_note": third["id"], "title": ["Eau"]})

    # "The server could not save this; nothing is lost, we retry" would have
    # the console retry, for ever, a payload that can never succeed.
    assert [a for a in (renamed, grouped) if a.get("error") == "server-error"] == [], (renamed, grouped)
    # A rename needs a title: refused, the group keeps its own.
    assert renamed["ok"] is False and renamed["message"], renamed
    assert workshop.fresh().get(NoteGroup, group["id"]).title == "Des arbres"
    # The title is optional when grouping: a clear refusal, or the group gets the usual default title.
    if grouped["ok"]:
        assert grouped["group"]["title"] == "Des fontaines"
    else:
        assert grouped["error"] != "server-error" and grouped["message"], grouped


def test_a_phone_set_to_english_is_answered_in_english(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    english = {"Accept-Language": "en-GB,en;q=0.8"}
    alice = workshop.screen("Alice's English phone").connect({"board": board.id, "token": alice_token}, english)

    answer = alice.call("post_note", {"column": workshop.column(board), "text": "x" * 300, "client_key": new_key()})

    assert answer == {"ok": False, "error": "note-too-long", "message": "A note is 280 characters at most."}
    stranger = workshop.screen("a stranger's English phone")
    with pytest.raises(socketio.exceptions.ConnectionError):
        stranger.connect({"board": board.id, "token": "pas-un-jeton"}, english)
    assert stranger.refusal["message"] == "Your place on this board was not recognised: join the workshop with its code."


def test_a_frame_too_big_for_a_phone_closes_that_connection_only(workshop):
    board = workshop.board()
    _alice, alice_token = workshop.join(board, "Alice")
    _bob, bob_token = workshop.join(board, "Bob")
    bob = workshop.phone(board, bob_token, "Bob's phone")
    alice = workshop.phone(board, alice_token, "Alice's phone")
    column = workshop.column(board)

    alice.emit("post_note", {"column": column, "text": "x" * 100_000, "client_key": new_key()})

    alice.wait_disconnected()
    assert workshop.count(Note, Note.board_id == board.id) == 0
    # The server carries on, for Bob and for Alice once she is back.
    assert post(bob, column, "Toujours là")["text"] == "Toujours là"
    alice.reconnect()
    assert post(alice, column, "Moi aussi")["text"] == "Moi aussi"


def test_frames_are_never_compressed_even_when_the_browser_offers_it(live_url):
    """Every browser offers permessage-deflate; accepted, it would cost the
    server one compression per phone for every note (bench/README.md)."""
    import websocket

    url = live_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=WAIT, header=[
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
    try:
        headers = {k.lower(): v for k, v in (ws.getheaders() or {}).items()}
        assert ws.getstatus() == 101
        assert "sec-websocket-extensions" not in headers, headers
        assert ws.recv().startswith("0{")  # Engine.IO's open packet: the socket works
    finally:
        ws.close()


# --- the public board kept between connections -----------------------------------


def test_a_hall_joining_shares_one_built_board_and_every_change_is_seen_by_the_next_phone(workshop):
    """The phones of a hall get the board built once (fewer queries for each
    phone after the first), and a phone joining after a note, a group or a new
    setting sees it: the kept board goes at each change."""
    from sqlalchemy import event

    board = workshop.board()
    column = workshop.column(board, 1)
    tokens = [workshop.join(board, name)[1] for name in ("Alice", "Bob", "Chloé", "Driss")]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = workshop.phone(board, tokens[0], "first phone")
        first.last("state")
        built = len(statements)
        statements.clear()
        second = workshop.phone(board, tokens[1], "second phone")
        second.last("state")
        kept = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert kept < built, (kept, built)

    assert first.call("post_note", {"column": column, "text": "Des bancs", "client_key": new_key()})["ok"]
    third = workshop.phone(board, tokens[2], "third phone")
    assert [n["text"] for n in third.last("state")["notes"]] == ["Des bancs"]

    workshop.set(board, phase="voting")
    fourth = workshop.phone(board, tokens[3], "fourth phone")
    assert fourth.last("state")["board"]["phase"] == "voting"
    assert fourth.last("state")["participants"] == 4  # how many joined: read afresh, never kept


def test_a_change_seen_from_another_process_drops_the_kept_board(app):
    """Messages that come through Redis from another process drop what this
    one kept of that board; the count of people does not; a board built while
    a change was sent is not kept."""
    from labo.workshops.events import NAMESPACE, KeptStates, forget_for_message, kept_states

    kept = kept_states(app)
    kept.keep(7, kept.get(7)[1], {"notes": ["old"]})
    forget_for_message(app, {"event": "people", "room": "b7:v", "namespace": NAMESPACE})
    assert kept.get(7)[0] == {"notes": ["old"]}
    forget_for_message(app, {"event": "note", "room": "b7", "namespace": NAMESPACE})
    assert kept.get(7)[0] is None
    forget_for_message(app, {"event": "note", "room": "b70", "namespace": NAMESPACE})  # another board

    states = KeptStates(clock=lambda: now[0])
    now = [100.0]
    _shared, generation = states.get(3)
    states.forget(3)  # a change is sent while the board is being built
    states.keep(3, generation, {"notes": []})
    assert states.get(3)[0] is None
    states.keep(3, states.get(3)[1], {"notes": []})
    assert states.get(3)[0] == {"notes": []}
    now[0] += 31  # kept 30 s at most: a change made outside the live board is seen then
    assert states.get(3)[0] is None
