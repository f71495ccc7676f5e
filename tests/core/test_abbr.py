"""Acronyms spelled out the first time a page uses them (labo.core.abbr)."""
from __future__ import annotations

from flask_babel import force_locale

from tests.conftest import page_text


def test_an_acronym_is_explained_once_per_page_in_the_page_language(app):
    template = app.jinja_env.from_string("{{ abbr('QPV') }} {{ abbr('QPV') }} {{ abbr('XYZ') }}")
    with app.test_request_context("/"), force_locale("fr"):
        assert template.render() == '<abbr title="quartier prioritaire de la politique de la ville">QPV</abbr> QPV XYZ'
    with app.test_request_context("/"), force_locale("en"):
        assert template.render().startswith('<abbr title="priority neighbourhood of urban policy">QPV</abbr> QPV')


def test_the_home_page_explains_qpv_and_caf(client):
    html = page_text(client.get("/"))
    assert '<abbr title="quartier prioritaire de la politique de la ville">QPV</abbr>' in html
    assert '<abbr title="caisse d\'allocations familiales">CAF</abbr>' in html


def test_the_privacy_page_explains_the_cnil_in_english_too(client):
    html = page_text(client.get("/confidentialite", headers={"Accept-Language": "en"}))
    assert '<abbr title="the French data protection authority">CNIL</abbr> (www.cnil.fr)' in html


def test_stored_text_gets_its_acronyms_spelled_out_and_stays_escaped(app):
    from labo.core.abbr import acronyms

    with app.test_request_context("/"):
        shown = str(acronyms("le conseil de la CALL <b>& la CALL"))
    assert shown.count("<abbr") == 1, "spelled out the first time only"
    assert '<abbr title="Communauté d&#39;agglomération de Lens-Liévin">CALL</abbr>' in shown
    assert "&lt;b&gt;&amp;" in shown and "<b>" not in shown
