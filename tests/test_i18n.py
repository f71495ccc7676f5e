"""French first, English second: the English catalogue covers every string."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from labo.core.i18n import EXTRACT_DIRS

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_interface_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "--no-location", *EXTRACT_DIRS, "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    source = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id}
    assert len(source) > 300 and "Accueil" in source, "the extraction found the interface's strings"
    assert "Quelque chose est à corriger :" in source, "templates/_macros/ is extracted too"
    catalogue = read_po((ROOT / "labo/translations/en/LC_MESSAGES/messages.po").open("rb"))
    translated = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if all(strings):
            translated[key] = strings
    missing = sorted(source - set(translated))
    assert not missing, f"{len(missing)} strings without English: {missing[:10]}"
    for key, strings in translated.items():
        if key in source:
            for string in strings:
                assert set(PLACEHOLDER.findall(key)) >= set(PLACEHOLDER.findall(string)), key


def test_an_english_visitor_reads_english_pages(client):
    html = client.get("/territoire/contrat-de-ville", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "city contract" in html.lower()
    assert "Le contrat de ville, en clair" not in html


def test_french_plurals_are_in_their_catalogue_and_zero_takes_the_singular(tmp_path, app):
    """French says "0 personne", not "0 personnes": its plural rule comes from
    the French catalogue, which must hold every plural message of the source."""
    from flask_babel import force_locale, ngettext

    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "--no-location", *EXTRACT_DIRS, "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    plurals = {m.id[0] for m in read_po(pot.open("rb")) if m.id and not isinstance(m.id, str)}
    french = read_po((ROOT / "labo/translations/fr/LC_MESSAGES/messages.po").open("rb"))
    assert french.plural_expr == "(n > 1)"
    held = {m.id[0] for m in french if m.id and not isinstance(m.id, str) and all(m.string)}
    missing = sorted(plurals - held)
    assert not missing, f"run `flask labo translate update`: {missing[:5]}"
    with app.test_request_context("/"), force_locale("fr"):
        assert ngettext("%(num)d personne", "%(num)d personnes", 0) == "0 personne"
        assert ngettext("%(num)d personne", "%(num)d personnes", 1) == "1 personne"
        assert ngettext("%(num)d personne", "%(num)d personnes", 2) == "2 personnes"
    with app.test_request_context("/"), force_locale("en"):
        assert ngettext("%(num)d personne", "%(num)d personnes", 0) == "0 people"


def test_translations_follow_the_locale_in_code_and_templates_even_when_forced(app):
    """labo.core.i18n keeps the request's catalogue: it must still follow
    `force_locale` (a notification in its reader's language) and `refresh`,
    and its templates' strings escape what is put into them."""
    from flask_babel import force_locale, refresh

    from labo.core.i18n import _, _l, ngettext

    page = app.jinja_env.from_string(
        "{{ _('Accueil') }}|{{ _('Bonjour %(name)s, vous êtes dans votre compte.', name=who) }}|"
        "{{ ngettext('%(num)d personne', '%(num)d personnes', n) }}")
    text = app.jinja_env.overlay(autoescape=False).from_string("{{ _('Bonjour %(name)s, vous êtes dans votre compte.', name=who) }}")
    label = _l("Accueil")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert _("Accueil") == "Home" and str(label) == "Home"
        assert page.render(who="<b>Léa</b>", n=0) == \
            "Home|Hello &lt;b&gt;Léa&lt;/b&gt;, you are logged in.|0 people"
        assert text.render(who="<b>Léa</b>") == "Hello <b>Léa</b>, you are logged in."
        with force_locale("fr"):
            assert _("Accueil") == "Accueil" and str(label) == "Accueil"
            assert page.render(who="Léa", n=0) == "Accueil|Bonjour Léa, vous êtes dans votre compte.|0 personne"
            assert ngettext("%(num)d personne", "%(num)d personnes", 2) == "2 personnes"
        assert _("Bonjour %(name)s, vous êtes dans votre compte.", name="Léa") == "Hello Léa, you are logged in."
        from flask import session

        session["lang"] = "fr"
        refresh()
        assert _("Accueil") == "Accueil"
    with app.app_context():  # no request: French, the source language
        assert _("Accueil") == "Accueil"
