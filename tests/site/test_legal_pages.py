"""The accessibility statement and the legal notice: in French and English,
linked from every page's footer, honest about what is not yet known."""
from __future__ import annotations

import re

import pytest

from tests.conftest import page_text

PAGES = ["/accessibilite", "/mentions-legales"]


@pytest.mark.parametrize("path", PAGES)
def test_the_page_is_linked_from_the_footer_of_every_page(client, path):
    for page in ("/", "/idees/", "/confidentialite"):
        html = client.get(page).get_data(as_text=True)
        footer = html[html.index('<footer'):]
        assert f'href="{path}"' in footer, page


@pytest.mark.parametrize("lang, heading", [("fr", "Déclaration d'accessibilité"), ("en", "Accessibility statement")])
def test_the_accessibility_statement_says_its_status_and_the_remedies(client, lang, heading):
    response = client.get("/accessibilite", headers={"Accept-Language": lang})
    assert response.status_code == 200
    text = page_text(response)
    assert f"<h1>{heading}</h1>" in text
    assert ("partiellement conforme" if lang == "fr" else "partially compliant") in text
    assert "axe-core" in text and "360" in text
    assert "Libre réponse 71120" in text and "75342 Paris CEDEX 07" in text
    assert 'href="https://formulaire.defenseurdesdroits.fr/"' in text


def test_the_accessibility_statement_gives_the_configured_contact(app, client):
    app.config["LABO_ACCESSIBILITY_CONTACT"] = "accessibilite@labo.example"
    try:
        html = client.get("/accessibilite").get_data(as_text=True)
    finally:
        app.config["LABO_ACCESSIBILITY_CONTACT"] = None
    assert 'href="mailto:accessibilite@labo.example"' in html


@pytest.mark.parametrize("lang, heading, missing", [("fr", "Mentions légales", "pas encore renseigné"),
                                                     ("en", "Legal notice", "not yet given")])
def test_the_legal_notice_says_what_is_not_configured_yet(client, lang, heading, missing):
    response = client.get("/mentions-legales", headers={"Accept-Language": lang})
    assert response.status_code == 200
    text = page_text(response)
    assert f"<h1>{heading}</h1>" in text
    assert len(re.findall(missing, text)) == 4, "publisher, address, director and host"
    assert 'href="/confidentialite"' in text and 'href="/accessibilite"' in text


def test_the_legal_notice_shows_the_configured_publisher_and_host(app, client):
    values = {"LABO_PUBLISHER": "Communauté d'agglomération de Lens-Liévin",
              "LABO_PUBLISHER_ADDRESS": "21 rue Marcel Sembat, 62300 Lens",
              "LABO_PUBLICATION_DIRECTOR": "La présidence de la CALL", "LABO_HOST": "Hébergeur SAS, Lille",
              "LABO_CODE_LICENCE": "AGPL-3.0", "LABO_SOURCE_URL": "https://example.org/labo"}
    app.config.update(values)
    try:
        text = page_text(client.get("/mentions-legales"))
    finally:
        app.config.update(dict.fromkeys(values))
    for value in values.values():
        assert value in text
    assert "pas encore renseigné" not in text
    assert "pas encore publié sous une licence libre" not in text
