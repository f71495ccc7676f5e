"""A process page in plain French: the decider's name merges with "de"
("Le retour du conseil municipal de Lens"), a count at zero is a sentence
("Personne n'a encore participé en ligne."), big counts are grouped."""
from __future__ import annotations

from datetime import timedelta

from labo.core.db import utcnow
from labo.extensions import db
from labo.processes import services
from tests.conftest import page_text
from tests.factories import close_process, create_admin, create_process


def test_the_return_is_the_deciders_with_du_and_stays_english_in_english(client):
    process = create_process()
    close_process(process, ago=timedelta(hours=1))
    services.publish_return(create_admin(), process, "Le conseil a retenu l'idée du jardin.", utcnow())
    db.session.commit()
    body = page_text(client.get(f"/demarches/{process.id}"))
    assert "Le retour du conseil municipal de Lens" in body and "Le retour de le" not in body
    english = page_text(client.get(f"/demarches/{process.id}", headers={"Accept-Language": "en"}))
    assert "The answer of le conseil municipal de Lens" in english


def test_nobody_has_taken_part_yet_is_said_in_words(client):
    process = create_process()
    body = page_text(client.get(f"/demarches/{process.id}"))
    assert "Personne n'a encore participé en ligne." in body and "0 personne" not in body
    english = page_text(client.get(f"/demarches/{process.id}", headers={"Accept-Language": "en"}))
    assert "Nobody has taken part online yet." in english


def test_a_proposal_without_support_says_so(client, auth):
    from tests.factories import create_user

    process = create_process(level="concertation", method="proposals")
    page = f"/demarches/{process.id}"
    create_user(email="a@example.org", pseudonym="Awa")
    auth.login("a@example.org")
    assert auth.post(f"{page}/propositions", {"title": "Des bancs", "body": "À l'ombre."}, form_page=page).status_code == 302
    body = page_text(client.get(page))
    assert "Awa · pas encore de soutien" in body and "0 soutien" not in body


def test_an_empty_list_of_commented_opinions_says_so(client):
    process = create_process()
    body = page_text(client.get(f"/demarches/{process.id}/avis"))
    assert "Pas encore d'avis commenté." in body and "0 avis" not in body
