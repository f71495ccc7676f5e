"""The live boards' pages, as a phone without JavaScript and an animator's
laptop use them: joining with the code, notes, dots, steering, moderating,
grouping, the summary, exports and the ideas they feed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.contributions.models import Contribution
from labo.extensions import db
from labo.workshops import services
from labo.workshops.models import Board, Dot, Note, NoteGroup, Participant
from tests.conftest import csrf_from, page_text
from tests.factories import create_board, create_meeting, create_user

ANIMATOR = [(Role.ANIMATOR, None)]
# The meeting a board is opened for: in two days.
MEETING = dict(title="Rencontre à Avion", starts_at=datetime.now(timezone.utc) + timedelta(days=2),
               venue="Salle polyvalente")


def client_key(html: str) -> str:
    match = re.search(r'name="client_key"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="client_key"', html)
    assert match, "no client_key in the note form"
    return match.group(1)


def join(client, board: Board, pseudonym: str = "Zoé"):
    page = client.get(f"/atelier/{board.code}")
    assert page.status_code == 200
    return client.post(f"/atelier/{board.code}/rejoindre",
                       data={"pseudonym": pseudonym, "csrf_token": csrf_from(page.get_data(as_text=True))})


def post_note(client, board: Board, text: str, column: int = 0, key: str | None = None):
    page = client.get(f"/atelier/{board.code}").get_data(as_text=True)
    return client.post(f"/atelier/{board.code}/note", data={
        "csrf_token": csrf_from(page), "column": str(board.columns[column].id), "text": text,
        "client_key": key or client_key(page)})


def dot(client, board: Board, kind: str, target: int, action: str = "place"):
    page = client.get(f"/atelier/{board.code}").get_data(as_text=True)
    return client.post(f"/atelier/{board.code}/gommette", data={
        "csrf_token": csrf_from(page), "kind": kind, "target": str(target), "action": action})


def notes_of(board: Board) -> list[Note]:
    return list(db.session.scalars(select(Note).where(Note.board_id == board.id).order_by(Note.id)))


# --- who may open and steer a board -------------------------------------------------

CAN_OPEN = {"resident": False, "ambassador": False, "COPIL member": False, "animator": True,
            "referent of Lens": True, "administrator": True}
ROLES = {"resident": [], "ambassador": [(Role.AMBASSADOR, None)], "COPIL member": [(Role.COPIL, None)],
         "animator": ANIMATOR, "referent of Lens": [(Role.REFERENT, "lens")], "administrator": [(Role.ADMIN, None)]}


@pytest.mark.parametrize("who", list(CAN_OPEN))
def test_who_may_open_a_board(client, auth, who):
    create_user(email="p@example.org", roles=ROLES[who])
    auth.login("p@example.org")
    expected = 200 if CAN_OPEN[who] else 403
    assert client.get("/ateliers/").status_code == expected
    assert client.get("/ateliers/nouveau").status_code == expected


def animator_pages(board: Board) -> list[str]:
    return [f"/ateliers/{board.id}", f"/ateliers/{board.id}/projection", f"/ateliers/{board.id}/synthese",
            f"/ateliers/{board.id}/export.csv", f"/ateliers/{board.id}/imprimer"]


def test_anonymous_visitors_are_sent_to_log_in_for_the_animator_pages(client):
    board = create_board()
    for path in animator_pages(board):
        response = client.get(path)
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"], path


@pytest.mark.parametrize("who,allowed", [
    ("resident", False), ("another animator", False), ("referent of Lens", False), ("COPIL member", False),
    ("its animator", True), ("a co-animator", True), ("an animator of its meeting", True), ("administrator", True),
])
def test_only_the_boards_animators_steer_it(client, auth, who, allowed):
    owner = create_user(email="owner@example.org", roles=ANIMATOR)
    person = owner if who == "its animator" else create_user(email="p@example.org", roles={
        "resident": [], "another animator": ANIMATOR, "referent of Lens": [(Role.REFERENT, "lens")],
        "COPIL member": [(Role.COPIL, None)], "a co-animator": ANIMATOR, "an animator of its meeting": ANIMATOR,
        "administrator": [(Role.ADMIN, None)]}[who])
    meeting = create_meeting(**MEETING, commune_slug="lens",
                             animators=[person] if who == "an animator of its meeting" else [])
    board = create_board(owner, meeting=meeting)
    if who == "a co-animator":
        services.add_animator(owner, board, person)
        db.session.commit()
    auth.login(person.email)
    for path in animator_pages(board):
        assert client.get(path).status_code == (200 if allowed else 403), (who, path)
    steer = client.post(f"/ateliers/{board.id}/pilotage", data={
        "csrf_token": auth.csrf("/"), "phase": "voting", "minutes": "", "authors_visible": "y"})
    assert steer.status_code == (302 if allowed else 403)
    db.session.refresh(board)
    assert (board.phase == "voting") == allowed


def test_an_animator_opens_a_board_for_a_meeting_with_its_columns(client, auth):
    animator = create_user(email="a@example.org", roles=ANIMATOR)
    meeting = create_meeting(**MEETING, commune_slug="avion", animators=[animator])
    auth.login("a@example.org")
    form = client.get(f"/ateliers/nouveau?rencontre={meeting.id}").get_data(as_text=True)
    assert f'<option selected value="{meeting.id}"' in form or f'value="{meeting.id}" selected' in form
    response = client.post("/ateliers/nouveau", data={
        "csrf_token": csrf_from(form), "title": "Nos envies", "meeting": str(meeting.id), "commune": "",
        "columns": "Ce qu'on aime\nCe qu'on change\n", "dots_per_person": "5", "authors_visible": "y"})
    assert response.status_code == 302
    board = db.session.scalar(select(Board).where(Board.title == "Nos envies"))
    assert [c.title for c in board.columns] == ["Ce qu'on aime", "Ce qu'on change"]
    assert board.dots_per_person == 5 and board.meeting_id == meeting.id
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", board.code)
    console = page_text(client.get(response.headers["Location"]))
    assert board.code in console and "Ouvrir la projection" in console
    projector = client.get(f"/ateliers/{board.id}/projection").get_data(as_text=True)
    assert board.code in projector and "<svg" in projector  # the QR code, drawn by the server
    meeting_page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Rejoindre l'atelier « Nos envies »" in meeting_page


def test_a_board_with_bad_settings_is_refused_with_reasons(client, auth):
    create_user(email="a@example.org", roles=ANIMATOR)
    auth.login("a@example.org")
    response = auth.post("/ateliers/nouveau", {"title": "", "dots_per_person": "50", "meeting": "", "commune": "",
                                              "columns": "\n".join(f"Colonne {n}" for n in range(8))})
    assert response.status_code == 422
    text = page_text(response)
    assert "Donnez un titre à l'atelier." in text and "Entre 1 et 20 gommettes par personne." in text
    response = auth.post("/ateliers/nouveau", {"title": "Atelier", "dots_per_person": "3", "meeting": "", "commune": "",
                                              "columns": "\n".join(f"Colonne {n}" for n in range(8))},
                         form_page="/ateliers/nouveau")
    assert response.status_code == 422 and "Six colonnes au plus." in page_text(response)
    assert db.session.scalar(select(func.count(Board.id))) == 0


# --- a phone, without JavaScript ----------------------------------------------------------


def test_a_resident_joins_with_the_code_typed_as_it_comes_and_no_account(client):
    board = create_board()
    typed = board.code[:3].lower() + " " + board.code[3:].lower()
    response = client.get("/atelier/", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/atelier/{board.code}")
    assert "Rejoindre l'atelier" in page_text(client.get(f"/atelier/{board.code}"))
    assert join(client, board, "Zoé").status_code == 302
    page = page_text(client.get(f"/atelier/{board.code}"))
    assert "Vous écrivez en tant que Zoé." in page
    assert db.session.scalar(select(Participant.pseudonym).where(Participant.board_id == board.id)) == "Zoé"


def test_an_unknown_code_says_so(client):
    response = client.get("/atelier/", query_string={"code": "ZZZZZZ"})
    assert response.status_code == 404
    assert "Ce code ne correspond à aucun atelier" in page_text(response)
    assert client.get("/atelier/ZZZZZZ").status_code == 404


def test_joining_needs_a_pseudonym(client):
    board = create_board()
    response = join(client, board, "   ")
    assert response.status_code == 422 and "Choisissez un prénom ou un pseudo." in page_text(response)


def test_a_note_posted_from_a_phone_is_on_the_board_and_the_console(client, auth):
    board = create_board(create_user(email="a@example.org", roles=ANIMATOR))
    join(client, board, "Zoé")
    response = post_note(client, board, "Des bancs à l'ombre", column=1)
    assert response.status_code == 302
    assert "Des bancs à l'ombre" in page_text(client.get(f"/atelier/{board.code}"))
    [note] = notes_of(board)
    assert note.column_id == board.columns[1].id
    auth.logout()
    auth.login("a@example.org")
    assert "Des bancs à l'ombre" in page_text(client.get(f"/ateliers/{board.id}"))


def test_a_note_sent_twice_with_the_same_key_is_stored_once(client):
    board = create_board()
    join(client, board)
    key = "resend-after-a-dead-zone"
    assert post_note(client, board, "Un banc", key=key).status_code == 302
    assert post_note(client, board, "Un banc", key=key).status_code == 302
    assert len(notes_of(board)) == 1


def test_a_refused_note_comes_back_in_the_form(client):
    board = create_board()
    join(client, board)
    long_text = "Un texte bien trop long " * 20
    response = post_note(client, board, long_text, column=2)
    assert response.status_code == 422
    text = page_text(response)
    assert "Une note fait 280 caractères au plus." in text
    assert long_text.strip() in text  # nothing typed is lost
    assert re.search(rf'value="{board.columns[2].id}"[^>]*checked|checked[^>]*value="{board.columns[2].id}"',
                     response.get_data(as_text=True))
    empty = post_note(client, board, "   ")
    assert empty.status_code == 422 and "Écrivez votre idée avant d'envoyer." in page_text(empty)
    assert notes_of(board) == []


def test_a_phone_that_did_not_join_cannot_post(client):
    board = create_board()
    page = client.get(f"/atelier/{board.code}").get_data(as_text=True)
    response = client.post(f"/atelier/{board.code}/note", data={
        "csrf_token": csrf_from(page), "column": str(board.columns[0].id), "text": "Coucou", "client_key": "abcdefgh12"},
        follow_redirects=True)
    assert "rejoignez l'atelier avec son code" in page_text(response)
    assert notes_of(board) == []


def test_without_a_csrf_token_a_note_is_refused(client):
    board = create_board()
    join(client, board)
    response = client.post(f"/atelier/{board.code}/note", data={
        "column": str(board.columns[0].id), "text": "Coucou", "client_key": "abcdefgh12"})
    assert response.status_code == 400
    assert notes_of(board) == []


def test_private_writing_shows_each_phone_only_its_own_notes(app):
    board = create_board(private_writing=True)
    zoe, yanis = app.test_client(), app.test_client()
    join(zoe, board, "Zoé")
    join(yanis, board, "Yanis")
    post_note(zoe, board, "La note de Zoé")
    post_note(yanis, board, "La note de Yanis")
    zoe_page = page_text(zoe.get(f"/atelier/{board.code}"))
    assert "La note de Zoé" in zoe_page and "La note de Yanis" not in zoe_page
    assert "2 notes écrites" in zoe_page
    services.set_flags(board, private_writing=False)  # the reveal
    db.session.commit()
    assert "La note de Yanis" in page_text(zoe.get(f"/atelier/{board.code}"))


def test_hidden_authors_are_not_shown_to_phones(app):
    board = create_board(authors_visible=False)
    zoe = app.test_client()
    join(zoe, board, "Zoé Unique")
    post_note(zoe, board, "Un banc")
    other = app.test_client()
    join(other, board, "Yanis")
    page = page_text(other.get(f"/atelier/{board.code}"))
    assert "Un banc" in page and "Zoé Unique" not in page


# --- dots ---------------------------------------------------------------------------


def test_dots_are_placed_until_there_are_none_left(client):
    board = create_board(dots_per_person=3)
    join(client, board)
    post_note(client, board, "Un banc")
    [note] = notes_of(board)
    refused = dot(client, board, "note", note.id)
    assert "Les gommettes se posent pendant l'étape du vote." in page_text(client.get(f"/atelier/{board.code}"))
    assert refused.status_code == 302
    services.set_phase(None, board, "voting")
    db.session.commit()
    for _ in range(3):
        dot(client, board, "note", note.id)
    page = page_text(client.get(f"/atelier/{board.code}"))
    assert "Il vous reste 0 gommette." in page and "3 gommettes" in page
    dot(client, board, "note", note.id)
    assert "Vous avez posé toutes vos gommettes." in page_text(client.get(f"/atelier/{board.code}"))
    assert db.session.scalar(select(func.count(Dot.id))) == 3
    dot(client, board, "note", note.id, action="remove")
    assert "Il vous reste 1 gommette." in page_text(client.get(f"/atelier/{board.code}"))


# --- steering, moderating, grouping without JavaScript --------------------------------------


def animator_client(app, auth_cls, email="a@example.org"):
    user = create_user(email=email, roles=ANIMATOR)
    client = app.test_client()
    auth_cls(client).login(email)
    return user, client


def test_the_animator_steers_phase_timer_and_lock_from_the_form(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    response = console.post(f"/ateliers/{board.id}/pilotage", data={
        "csrf_token": token, "phase": "writing", "minutes": "5", "locked": "y", "authors_visible": "y"})
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.locked and 295 <= services.timer_left(board) <= 300
    assert "Temps restant : 5:00" in page_text(client.get(f"/atelier/{board.code}")) or \
        "Temps restant : 4:5" in page_text(client.get(f"/atelier/{board.code}"))
    post_note(client, board, "Trop tard ?")
    assert notes_of(board) == []
    page = page_text(client.get(f"/atelier/{board.code}"))
    assert "L'atelier est verrouillé par l'animation" in page or "Le tableau est verrouillé" in page
    bad = console.post(f"/ateliers/{board.id}/pilotage", data={"csrf_token": token, "phase": "writing", "minutes": "999"})
    assert bad.status_code == 422 and "Le minuteur va de 0 à 240 minutes." in page_text(bad)


def test_a_blind_vote_chosen_from_the_form_hides_where_the_dots_go_until_the_synthesis(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board)
    post_note(client, board, "Des bancs")
    [note] = notes_of(board)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    steer = {"csrf_token": token, "phase": "voting", "minutes": "", "authors_visible": "y"}
    assert console.post(f"/ateliers/{board.id}/pilotage", data=dict(steer, vote_display="blind")).status_code == 302
    assert dot(client, board, "note", note.id).status_code == 302

    phone = page_text(client.get(f"/atelier/{board.code}"))
    assert "1 gommette posée : les résultats s'afficheront à la synthèse." in phone
    assert "Vous : 1 gommette" in phone  # each person still sees their own
    wall = page_text(console.get(f"/ateliers/{board.id}/projection"))
    assert "1 gommette posée" in wall and "1 gommette\n" not in wall and "dots-count" not in \
        console.get(f"/ateliers/{board.id}/projection").get_data(as_text=True)
    assert "Vote à l'aveugle : la salle ne voit pas encore les résultats" in page_text(console.get(f"/ateliers/{board.id}"))

    # A form that leaves the setting out (a page from before it) keeps it.
    assert console.post(f"/ateliers/{board.id}/pilotage", data=dict(steer, phase="synthesis")).status_code == 302
    db.session.refresh(board)
    assert board.vote_display == "blind"
    wall = console.get(f"/ateliers/{board.id}/projection").get_data(as_text=True)
    assert "dots-count" in wall and 'id="dots-cast" hidden' in client.get(f"/atelier/{board.code}").get_data(as_text=True)
    bad = console.post(f"/ateliers/{board.id}/pilotage", data=dict(steer, vote_display="sideways"))
    assert bad.status_code == 422 and "Not a valid choice" not in page_text(bad)


def test_a_hidden_note_leaves_the_phones_but_not_the_console(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board)
    post_note(client, board, "Un mot déplacé")
    [note] = notes_of(board)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    assert console.post(f"/ateliers/{board.id}/notes/{note.id}/masquer", data={"csrf_token": token, "hidden": "1"}).status_code == 302
    other = app.test_client()
    join(other, board, "Yanis")
    assert "Un mot déplacé" not in page_text(other.get(f"/atelier/{board.code}"))
    console_page = page_text(console.get(f"/ateliers/{board.id}"))
    assert "Un mot déplacé" in console_page and "Masquée : seule l'animation la voit." in console_page
    from labo.audit.models import AuditEntry

    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "workshop.note_hidden"))


def test_the_animator_groups_notes_and_titles_the_group_without_javascript(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board)
    for text in ("Un local pour les jeunes", "Une salle le soir", "Des bus le soir"):
        post_note(client, board, text)
    local, salle, bus = notes_of(board)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    console.post(f"/ateliers/{board.id}/notes/{salle.id}/regrouper", data={"csrf_token": token, "target": f"n{local.id}"})
    group = db.session.scalar(select(NoteGroup).where(NoteGroup.board_id == board.id))
    db.session.refresh(local), db.session.refresh(salle)
    assert local.group_id == salle.group_id == group.id
    console.post(f"/ateliers/{board.id}/groupes/{group.id}/titre", data={"csrf_token": token, "title": "Un lieu à nous"})
    phone = page_text(client.get(f"/atelier/{board.code}"))
    assert "Un lieu à nous" in phone
    # The last note out of a group takes the group with it.
    console.post(f"/ateliers/{board.id}/notes/{salle.id}/regrouper", data={"csrf_token": token, "target": "seul"})
    console.post(f"/ateliers/{board.id}/notes/{local.id}/regrouper", data={"csrf_token": token, "target": "seul"})
    assert db.session.scalar(select(func.count(NoteGroup.id))) == 0
    # A note of another board is not a target.
    other = create_board(animator, title="Un autre")
    response = console.post(f"/ateliers/{other.id}/notes/{bus.id}/regrouper", data={"csrf_token": token, "target": f"n{local.id}"})
    assert response.status_code == 404


def test_follow_me_brings_the_phones_to_a_group(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board)
    post_note(client, board, "Un banc")
    [note] = notes_of(board)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    console.post(f"/ateliers/{board.id}/suivre", data={"csrf_token": token, "target": f"n{note.id}"})
    db.session.refresh(board)
    assert (board.focus_kind, board.focus_id) == ("note", note.id)
    console.post(f"/ateliers/{board.id}/suivre", data={"csrf_token": token, "target": ""})
    db.session.refresh(board)
    assert board.focus_kind is None


# --- after the workshop -------------------------------------------------------------------


def test_the_summary_turns_chosen_notes_and_groups_into_ideas_linked_to_the_board(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    meeting = create_meeting(**MEETING, commune_slug="avion", animators=[animator])
    board = create_board(animator, meeting=meeting, title="Les jeunes")
    join(client, board)
    for text in ("Un local pour les jeunes", "Une salle le soir", "Des bus après 20 heures"):
        post_note(client, board, text, column=1)
    local, salle, bus = notes_of(board)
    grouping = services.group_notes(board, salle, onto_note=local, title="Un lieu à nous")
    services.set_phase(animator, board, "voting")
    db.session.commit()
    dot(client, board, "group", grouping.group.id)
    dot(client, board, "group", grouping.group.id)
    dot(client, board, "note", bus.id)
    summary = page_text(console.get(f"/ateliers/{board.id}/synthese"))
    assert summary.index("Un lieu à nous") < summary.index("Des bus après 20 heures")  # most dots first
    assert "2 gommettes" in summary and "1 gommette" in summary
    token = csrf_from(console.get(f"/ateliers/{board.id}/synthese").get_data(as_text=True))
    none = console.post(f"/ateliers/{board.id}/synthese", data={"csrf_token": token, "kind": "idee"})
    assert none.status_code == 302 or none.status_code == 422
    response = console.post(f"/ateliers/{board.id}/synthese", data={
        "csrf_token": token, "kind": "idee", "group": str(grouping.group.id), "note": str(bus.id)})
    assert response.status_code == 302
    ideas = list(db.session.scalars(select(Contribution).order_by(Contribution.id)))
    assert [c.title for c in ideas] == ["Un lieu à nous", "Des bus après 20 heures"]
    assert all(c.commune.slug == "avion" and c.meeting_id == meeting.id and c.entered_by_id == animator.id for c in ideas)
    assert "Une salle le soir" in ideas[0].body
    page = page_text(client.get(f"/idees/{ideas[0].id}"))
    assert "Née à l'atelier en direct « Les jeunes »" in page
    # Sent again (a double click), nothing is made twice.
    console.post(f"/ateliers/{board.id}/synthese", data={
        "csrf_token": token, "kind": "idee", "group": str(grouping.group.id), "note": str(bus.id)})
    assert db.session.scalar(select(func.count(Contribution.id))) == 2
    assert "voir l'idée dans la base" in page_text(console.get(f"/ateliers/{board.id}/synthese"))


def test_choosing_nothing_or_a_board_without_commune_is_explained(app):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    phone = app.test_client()
    join(phone, board)
    post_note(phone, board, "Un banc")
    [note] = notes_of(board)
    token = csrf_from(console.get(f"/ateliers/{board.id}/synthese").get_data(as_text=True))
    nothing = console.post(f"/ateliers/{board.id}/synthese", data={"csrf_token": token, "kind": "idee"})
    assert nothing.status_code == 422 and "Cochez au moins une note ou un groupe." in page_text(nothing)
    no_commune = console.post(f"/ateliers/{board.id}/synthese", data={"csrf_token": token, "kind": "idee", "note": str(note.id)})
    assert no_commune.status_code == 422 and "Choisissez la commune des idées" in page_text(no_commune)
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_the_export_lists_notes_with_groups_and_dots_but_no_pseudonyms(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator)
    join(client, board, "Pseudonyme Secret")
    post_note(client, board, "=1+1 un banc")  # a formula must not run in a spreadsheet
    response = console.get(f"/ateliers/{board.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data.decode("utf-8-sig")
    assert "'=1+1 un banc" in body and "Pseudonyme Secret" not in body
    assert response.data.startswith(b"\xef\xbb\xbf")


def test_the_minutes_take_the_boards_summary_for_review(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    meeting = create_meeting(**MEETING, commune_slug="avion", animators=[animator])
    board = create_board(animator, meeting=meeting, title="Les jeunes")
    join(client, board)
    post_note(client, board, "Un local pour les jeunes")
    page = page_text(console.get(f"/rencontres/{meeting.id}/compte-rendu?atelier={board.id}"))
    assert "Atelier « Les jeunes » : ce qui en ressort" in page and "- Un local pour les jeunes (0 gommettes)" in page
    db.session.refresh(meeting)
    assert meeting.minutes_published_at is None  # nothing is published until the animator sends the form
    other = create_board(animator, title="Sans rencontre")
    assert "Sans rencontre" not in page_text(console.get(f"/rencontres/{meeting.id}/compte-rendu?atelier={other.id}"))


# --- personal data and the COPIL -------------------------------------------------------------


def test_a_resident_who_joined_logged_in_finds_it_in_their_data_and_erasure_unsigns_it(client, auth):
    from labo.privacy.personal_data import erase_account, export_personal_data

    resident = create_user(email="r@example.org")
    board = create_board(title="Nos envies")
    auth.login("r@example.org")
    join(client, board, "Rosa")
    post_note(client, board, "Un jardin partagé")
    data = export_personal_data(resident)
    assert data["workshop_boards"] == [{"board": "Nos envies", "pseudonym": "Rosa", "joined_at": data["workshop_boards"][0]["joined_at"],
                                        "notes": ["Un jardin partagé"]}]
    erase_account({}, resident, "un mot de passe")
    db.session.commit()
    participant = db.session.scalar(select(Participant).where(Participant.board_id == board.id))
    assert participant.pseudonym == "participant·e supprimé·e" and participant.user_id is None
    assert [n.text for n in notes_of(board)] == ["Un jardin partagé"]


def test_the_copil_counts_boards_that_people_joined(client, auth):
    from labo.copil.indicators import indicators
    from labo.copil.periods import default_period

    create_board(title="Personne n'est venu")
    joined = create_board(title="Atelier tenu")
    join(client, joined)
    now = datetime.now(timezone.utc)
    figures = indicators(default_period(now.date()), 60, now)
    assert figures.workshops == 1
    moments = next(t for t in figures.tables if t.key == "moments") if hasattr(figures.tables[0], "key") else figures.tables[0]
    assert sum(row.values[1] for row in moments.rows) == 1


def test_an_english_phone_reads_the_board_in_english(client):
    board = create_board()
    page = page_text(client.get(f"/atelier/{board.code}", headers={"Accept-Language": "en"}))
    assert "Join the workshop" in page


def test_the_animator_adds_a_co_animator_who_then_steers(app):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    colleague = create_user(email="c@example.org", pseudonym="Karim", roles=ANIMATOR)
    resident = create_user(email="r@example.org")
    board = create_board(animator)
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    assert "Karim" in page_text(console.get(f"/ateliers/{board.id}"))
    refused = console.post(f"/ateliers/{board.id}/co-animateurs", data={"csrf_token": token, "user": str(resident.id)},
                           follow_redirects=True)
    assert "Seuls les animateurs, référents et administrateurs peuvent co-animer." in page_text(refused)
    console.post(f"/ateliers/{board.id}/co-animateurs", data={"csrf_token": token, "user": str(colleague.id)})
    other = app.test_client()
    Auth(other).login("c@example.org")
    assert other.get(f"/ateliers/{board.id}").status_code == 200
    console.post(f"/ateliers/{board.id}/co-animateurs", data={"csrf_token": token, "user": str(colleague.id), "remove": "1"})
    assert other.get(f"/ateliers/{board.id}").status_code == 403


def test_the_reveal_shows_every_note_to_every_phone(app):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    board = create_board(animator, private_writing=True)
    zoe, yanis = app.test_client(), app.test_client()
    join(zoe, board, "Zoé")
    join(yanis, board, "Yanis")
    post_note(yanis, board, "La note de Yanis")
    assert "La note de Yanis" not in page_text(zoe.get(f"/atelier/{board.code}"))
    token = csrf_from(console.get(f"/ateliers/{board.id}").get_data(as_text=True))
    assert console.post(f"/ateliers/{board.id}/devoiler", data={"csrf_token": token}).status_code == 302
    assert "La note de Yanis" in page_text(zoe.get(f"/atelier/{board.code}"))


# --- opened from a meeting, printed for its minutes ---------------------------------------


def test_a_board_opened_from_a_meeting_takes_its_title_commune_and_animators(client, auth):
    opener = create_user(email="a@example.org", roles=ANIMATOR)
    partner = create_user(email="b@example.org", pseudonym="Karim Anime", roles=ANIMATOR)
    resident = create_user(email="c@example.org", pseudonym="Josiane Voisine")  # helps, runs no workshop
    meeting = create_meeting(**MEETING, commune_slug="avion", animators=[opener, partner, resident])
    auth.login("a@example.org")
    page = client.get(f"/ateliers/nouveau?rencontre={meeting.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Rencontre à Avion"' in html  # the title field
    commune = re.search(r'<select[^>]*name="commune".*?</select>', html, re.S).group(0)
    assert re.search(r'<option selected value="\d+">Avion</option>|<option value="\d+" selected>Avion</option>', commune)
    assert "Les personnes qui l'animent animeront aussi ce tableau." in page_text(page)
    response = client.post("/ateliers/nouveau", data={
        "csrf_token": csrf_from(html), "title": "Rencontre à Avion", "meeting": str(meeting.id),
        "commune": str(meeting.commune_id), "columns": "", "dots_per_person": "3", "authors_visible": "y"})
    assert response.status_code == 302
    board = db.session.scalar(select(Board).where(Board.meeting_id == meeting.id))
    assert board.title == "Rencontre à Avion" and board.target_commune.slug == "avion"
    # The other animator co-animates it; the opener is its owner, the resident runs no workshop.
    assert [p.pseudonym for p in board.animators] == ["Karim Anime"]
    assert "Karim Anime" in page_text(client.get(response.headers["Location"]))


def test_an_unknown_meeting_in_the_address_leaves_the_form_empty(client, auth):
    create_user(email="a@example.org", roles=ANIMATOR)
    auth.login("a@example.org")
    for value in ("999999", "abc", "9" * 30):
        page = client.get(f"/ateliers/nouveau?rencontre={value}")
        assert page.status_code == 200
        title = re.search(r'<input[^>]*name="title"[^>]*>', page.get_data(as_text=True)).group(0)
        assert not re.search(r'value="[^"]', title), title


def test_the_printable_board_ranks_groups_and_notes_by_dots_for_the_minutes(app, client):
    from tests.conftest import Auth

    animator, console = animator_client(app, Auth)
    meeting = create_meeting(**MEETING, commune_slug="avion", animators=[animator])
    board = create_board(animator, meeting=meeting, title="Les jeunes")
    join(client, board, "Pseudonyme Secret")
    for text in ("Un local pour les jeunes", "Une salle le soir", "Des bus après 20 heures", "Un banc", "Gros mot"):
        post_note(client, board, text, column=1)
    post_note(client, board, "Le city-stade", column=0)
    local, salle, bus, banc, rude, stade = notes_of(board)
    grouping = services.group_notes(board, salle, onto_note=local, title="Un lieu à nous")
    services.hide_note(animator, board, rude)
    services.set_phase(animator, board, "voting")
    board.dots_per_person = 10
    db.session.commit()
    for kind, target in [("note", bus.id)] * 3 + [("group", grouping.group.id), ("note", salle.id)] + [("note", banc.id)]:
        assert dot(client, board, kind, target).status_code == 302
    response = console.get(f"/ateliers/{board.id}/imprimer")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page_text(response).split("<main", 1)[1]).split())  # what one reads
    assert "Les jeunes" in text and "Rencontre à Avion" in text and "1 personne a rejoint le tableau" in text
    # The columns in their order, and in each the items by dots, most first:
    # bus (3) before the group (1 on it + 1 on its note = 2) before the bench (1).
    order = [text.index(s) for s in ("Ce qui va", "Le city-stade", "Ce qui manque", "Des bus après 20 heures",
                                     "Un lieu à nous", "Un local pour les jeunes", "Une salle le soir", "Un banc")]
    assert order == sorted(order), order
    assert "Des bus après 20 heures 3 gommettes" in text
    assert "Groupe Un lieu à nous 2 gommettes" in text
    # Inside the group, each note with its own dots (none shown for a note without).
    assert "Un local pour les jeunes Une salle le soir 1 gommette" in text
    # No pseudonyms, no hidden note; an A4 print stylesheet.
    assert "Pseudonyme Secret" not in text and "Gros mot" not in text
    assert "css/workshop-print.css" in html
    summary = console.get(f"/ateliers/{board.id}/synthese").get_data(as_text=True)
    assert f'href="/ateliers/{board.id}/imprimer"' in summary
