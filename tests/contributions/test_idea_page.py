"""An idea's page for each reader (issue 24: it builds only the forms the
reader can use, and reads what is usually absent — comments, the workshop it
came from, the fiches that cite it — in the statement that counts its
supports): each reader still sees exactly what they may do, and what was
just written shows at once."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import event, update

from labo.contributions.models import Comment
from labo.extensions import db
from labo.workshops import services as workshops
from tests.conftest import page_text
from tests.factories import (commune, create_admin, create_animator, create_board, create_comment, create_contribution,
                             create_fiche, create_note, create_participant, create_referent, create_user)

# what each form posts to, as the page writes it
FORMS = {
    "support": "/soutenir", "comment": "/commenter", "report": "/signaler",
    "hide": "/masquer", "merge": "/regrouper", "answer": "/reponse",
}
EXPECTED = {
    "anonymous": set(),
    "resident": {"support", "comment", "report"},
    "author": {"support", "comment", "report"},
    "referent elsewhere": {"support", "comment", "report"},
    "referent": {"support", "comment", "hide", "merge", "answer"},
    "admin": {"support", "comment", "hide", "merge", "answer"},
}


def _forms_on(html: str, contribution_id: int) -> set[str]:
    return {name for name, tail in FORMS.items() if f'action="/idees/{contribution_id}{tail}"' in html}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_reader_sees_the_forms_they_can_use_and_no_other(client, auth, who):
    author = create_user(email="author@example.org", pseudonym="Josiane")
    idea = create_contribution(author, title="Des bancs au square")
    create_contribution(create_user(), title="Un autre banc")  # something to merge it with
    comment = create_comment(create_user(pseudonym="Karim"), idea, "Oui, près de l'école")
    email = {"resident": "r@example.org", "author": "author@example.org", "referent elsewhere": "other@example.org",
             "referent": "ref@example.org", "admin": "admin@example.org"}.get(who)
    if who == "resident":
        create_user(email=email)
    elif who == "referent elsewhere":
        create_referent("lievin", email=email)
    elif who == "referent":
        create_referent("lens", email=email)
    elif who == "admin":
        create_admin(email=email)
    if email:
        auth.login(email)
    html = page_text(client.get(f"/idees/{idea.id}"))
    assert _forms_on(html, idea.id) == EXPECTED[who]
    assert "Oui, près de l'école" in html and "Karim" in html and "1 commentaire" in html
    moderating = who in ("referent", "admin")
    assert ("Statut et réponse" in html) == moderating
    assert (f"/commentaires/{comment.id}/masquer" in html) == moderating
    assert ("Un autre banc" in html) == moderating  # in the merge form's choices
    assert ("Signaler un problème" in html) == (who in ("resident", "author", "referent elsewhere"))
    assert ("C'est votre idée" in html) == (who == "author")
    assert ("Connectez-vous pour soutenir, commenter ou suivre." in html) == (who == "anonymous")


def test_a_refused_comment_or_report_shows_the_page_again_with_its_message(client, auth):
    idea = create_contribution(create_user())
    create_user(email="r@example.org")
    auth.login("r@example.org")
    path = f"/idees/{idea.id}"
    for action in ("commenter", "signaler"):
        refused = auth.post(f"{path}/{action}", {"body": " ", "reason": " "}, form_page=path)
        assert refused.status_code == 422
        assert "Quelque chose est à corriger" in page_text(refused)


def test_a_referent_sees_the_hide_merge_and_answer_forms_refused_with_their_messages(client, auth):
    idea = create_contribution(create_user(), title="Des bancs au square")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{idea.id}"
    hide = auth.post(f"{path}/masquer", {"reason": ""}, form_page=path)
    assert hide.status_code == 422 and 'id="reason"' in page_text(hide)
    answer = auth.post(f"{path}/reponse", {"status": "retenue", "answer": ""}, form_page=path)
    assert answer.status_code == 422 and "Statut et réponse" in page_text(answer)
    # alone in its commune: nothing to merge it with, so no merge form
    assert f'action="{path}/regrouper"' not in page_text(client.get(path))


def test_a_hidden_idea_offers_its_referent_to_restore_it_not_to_hide_or_merge_it(client, auth):
    idea = create_contribution(create_user(), title="Des bancs au square")
    create_contribution(create_user(), title="Un autre banc")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    path = f"/idees/{idea.id}"
    assert auth.post(f"{path}/masquer", {"reason": "Hors sujet"}, form_page=path).status_code == 302
    html = page_text(client.get(path))
    assert f'action="{path}/retablir"' in html
    assert _forms_on(html, idea.id) == {"answer"}


def test_the_workshop_it_came_from_and_the_fiches_citing_it_show(client, auth):
    animator = create_animator(email="anim@example.org")
    board = create_board(animator, title="Atelier du square", commune=commune("lens"))
    note = create_note(board, create_participant(board), "Des bancs au square")
    born, = workshops.to_contributions(current_app.config, animator, board, note_ids=[note.id])
    db.session.commit()
    plain = create_contribution(create_user(), title="Un abri pour le bus")
    admin = create_admin()
    create_fiche(animator, title="La balade du square", contributions=(born,), publish_by=admin)
    create_fiche(animator, title="Une fiche en relecture", contributions=(born, plain))  # not published

    html = page_text(client.get(f"/idees/{born.id}"))
    assert "Née à l'atelier en direct « Atelier du square »" in html
    assert "Fiches de la boîte à outils" in html and "La balade du square" in html
    assert "Une fiche en relecture" not in html
    assert "synthèse de l'atelier" not in html  # for its animators only
    other = page_text(client.get(f"/idees/{plain.id}"))
    assert "Née à l'atelier" not in other and "Fiches de la boîte à outils" not in other
    assert "Pas encore de commentaire" in other
    auth.login("anim@example.org")
    assert f"/ateliers/{board.id}/synthese" in page_text(client.get(f"/idees/{born.id}"))


def test_a_comment_shows_at_once_and_goes_when_hidden_and_an_erased_author_is_named_so(client, auth):
    idea = create_contribution(create_user())
    create_user(email="r@example.org", pseudonym="Josiane")
    auth.login("r@example.org")
    path = f"/idees/{idea.id}"
    assert "Pas encore de commentaire" in page_text(client.get(path))
    assert auth.post(f"{path}/commenter", {"body": "Je suis pour"}, form_page=path).status_code == 302
    html = page_text(client.get(path))
    assert "1 commentaire" in html and "Je suis pour" in html and "Josiane ·" in html
    assert auth.post(f"{path}/soutenir", form_page=path).status_code == 302
    html = page_text(client.get(path))
    assert "1 personne soutient" in html and "Je ne soutiens plus" in html

    gone = create_comment(create_user(pseudonym="Partie"), idea, "Un avis d'avant")
    db.session.execute(update(Comment).where(Comment.id == gone.id).values(author_id=None))
    db.session.commit()
    assert "participant·e supprimé·e ·" in page_text(client.get(path))
    db.session.execute(update(Comment).values(hidden=True))
    db.session.commit()
    html = page_text(client.get(path))
    assert "Je suis pour" not in html and "Pas encore de commentaire" in html


def _selects_of(client, path: str) -> tuple[str, list[str]]:
    """The page at `path` and the SELECT statements its request ran."""
    selects = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return page_text(response), selects


def test_an_ideas_page_reads_only_what_it_shows(client):
    """Anonymous, an idea with no comment, fiche or workshop: one statement
    for the idea, its supports and whether there is anything else; with a
    comment, its comments too."""
    idea = create_contribution(create_user())
    path = f"/idees/{idea.id}"
    client.get(path)  # warm: the territory's memo, the statements built once
    _html, selects = _selects_of(client, path)
    assert len(selects) == 1, "\n\n".join(selects)
    create_comment(create_user(), idea, "Bonne idée")
    html, selects = _selects_of(client, path)
    assert "Bonne idée" in html
    assert len(selects) == 2, "\n\n".join(selects)
