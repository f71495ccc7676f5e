"""An idea's page and card in plain French: a count at zero is a sentence,
and big counts are grouped the French way."""
from __future__ import annotations

from labo.contributions.models import Support
from labo.extensions import db
from tests.conftest import page_text
from tests.factories import create_contribution, create_user


def test_an_idea_nobody_supports_or_comments_yet_says_so(client):
    contribution = create_contribution(create_user(pseudonym="Amina"))
    body = page_text(client.get(f"/idees/{contribution.id}"))
    assert "Personne ne soutient encore cette idée" in body and "Pas encore de commentaire" in body
    assert "0 personne" not in body and "0 commentaire" not in body
    english = page_text(client.get(f"/idees/{contribution.id}", headers={"Accept-Language": "en"}))
    assert "Nobody supports this idea yet" in english and "No comments yet" in english


def test_the_list_says_no_support_yet_and_counts_supports_once_there_are(client):
    contribution = create_contribution(create_user())
    assert "pas encore de soutien" in page_text(client.get("/idees/"))
    fan = create_user(email="fan@example.org", pseudonym="Fan")
    db.session.add(Support(contribution_id=contribution.id, user_id=fan.id))
    db.session.commit()
    listed = page_text(client.get("/idees/"))
    assert "1 soutien" in listed and "pas encore de soutien" not in listed
    assert "1 personne soutient" in page_text(client.get(f"/idees/{contribution.id}"))
