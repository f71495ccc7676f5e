"""French sentences that take a stored name (labo.core.grammar): "de" and
"à" merge with the name's article, in French only."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from labo.core.grammar import de, noun, person, à
from tests.conftest import page_text


@pytest.mark.parametrize("phrase, with_de, with_a", [
    ("le conseil municipal de Lens", "du conseil municipal de Lens", "au conseil municipal de Lens"),
    ("les élus", "des élus", "aux élus"),
    ("la mairie", "de la mairie", "à la mairie"),
    ("l'État", "de l'État", "à l'État"),
    ("L’État (préfecture)", "de l’État (préfecture)", "à l’État (préfecture)"),
    ("Le Département du Pas-de-Calais", "du Département du Pas-de-Calais", "au Département du Pas-de-Calais"),
    ("La Région Hauts-de-France", "de la Région Hauts-de-France", "à la Région Hauts-de-France"),
    ("Lina", "de Lina", "à Lina"),
    ("Lens", "de Lens", "à Lens"),
    ("Avion", "d'Avion", "à Avion"),
    ("les", "des", "aux"),
])
def test_de_and_a_merge_with_the_article(phrase, with_de, with_a):
    assert de(phrase) == with_de
    assert à(phrase) == with_a


def test_a_person_is_elided_but_never_contracted():
    assert de("Le Gall", article=False) == "de Le Gall"
    assert de("Amina", article=False) == "d'Amina"


def test_the_sentence_reads_right_in_french_and_stays_as_translated_in_english(app):
    from labo.core.i18n import _

    page = app.jinja_env.from_string(
        "{{ _('Le retour de %(decider)s', decider=who|noun) }}|{{ _('De %(name)s', name=author|person) }}|"
        "{{ _('Les quartiers de %(name)s', name=town|noun) }}|{{ _('Le retour de %(decider)s', decider=who) }}")
    values = {"who": "le conseil municipal de Lens", "author": "Amina", "town": "Avion"}
    with app.test_request_context("/"), force_locale("fr"):
        assert page.render(**values) == (
            "Le retour du conseil municipal de Lens|D'Amina|Les quartiers d'Avion|"
            "Le retour de le conseil municipal de Lens")  # unmarked: left as it is
        assert _("Rappel envoyé au référent de %(name)s : « %(title)s »", name=noun("Le Département"), title="x") \
            .startswith("Rappel envoyé au référent du Département")
        assert _("Vous venez de la part de %(name)s : bienvenue !", name=person("Le Gall")) \
            == "Vous venez de la part de Le Gall\u00a0: bienvenue\u00a0!"  # French typography too
    with app.test_request_context("/"), force_locale("en"):
        assert page.render(**values) == (
            "The answer of le conseil municipal de Lens|From Amina|The neighbourhoods of Avion|"
            "The answer of le conseil municipal de Lens")


def test_a_marked_value_is_still_escaped(app):
    page = app.jinja_env.from_string("{{ _('Le retour de %(decider)s', decider=who|noun) }}")
    with app.test_request_context("/"), force_locale("fr"):
        assert page.render(who="la <b>mairie</b>") == "Le retour de la &lt;b&gt;mairie&lt;/b&gt;"


def test_a_commune_starting_with_a_vowel_takes_d_apostrophe(client):
    from tests.factories import commune

    assert commune("avion") is not None
    body = page_text(client.get("/territoire/communes/avion"))
    assert "Les quartiers d'Avion" in body and "Les quartiers de Avion" not in body
    english = page_text(client.get("/territoire/communes/avion", headers={"Accept-Language": "en"}))
    assert "The neighbourhoods of Avion" in english
