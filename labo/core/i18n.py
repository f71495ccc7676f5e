"""French first, English second: the locale chosen for each request, and the
`flask labo translate` commands that wrap pybabel."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import has_request_context, request, session
from flask_babel import gettext as _  # noqa: F401  (re-exported)
from flask_babel import lazy_gettext as _l  # noqa: F401  (re-exported)
from flask_login import current_user

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT_LOCALE = "fr"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
ROOT = TRANSLATIONS_DIR.parent.parent


def select_locale() -> str:
    """The visitor's own choice first, then their account's, then the browser's;
    French outside a request (command line, background work)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(list(LANGUAGES), DEFAULT_LOCALE)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@click.group("translate")
def translate_cli() -> None:
    """Extract, update and compile the interface's translations."""


@translate_cli.command("update")
def translate_update() -> None:
    """Extract the French source strings and merge them into every catalogue."""
    pot = str(TRANSLATIONS_DIR / "messages.pot")
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", pot, ".")
    write_french_plurals(Path(pot), TRANSLATIONS_DIR / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.po")
    for locale in LANGUAGES:
        if locale == DEFAULT_LOCALE:  # French is the source language: only its plurals above
            continue
        if (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("update", "-i", pot, "-d", str(TRANSLATIONS_DIR), "-l", locale, "--no-fuzzy-matching")
        else:
            _pybabel("init", "-i", pot, "-d", str(TRANSLATIONS_DIR), "-l", locale)


def write_french_plurals(pot_path: Path, po_path: Path) -> int:
    """French is the source language, so it needs no translation, except for
    its plural rule: 0 and 1 take the singular ("0 personne"), where gettext
    without a catalogue would say "0 personnes". This catalogue holds every
    plural message, translated to itself, under French's Plural-Forms.
    Returns how many messages it holds."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with pot_path.open("rb") as source:
        template = read_po(source)
    catalogue = Catalog(locale="fr", domain="messages", project="Labo", fuzzy=False)
    for message in template:
        if message.id and not isinstance(message.id, str):
            catalogue.add(message.id, string=tuple(message.id), flags=())
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as out:
        write_po(out, catalogue, omit_header=False, sort_output=True, no_location=True)
    return len(catalogue)


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile the catalogues into the .mo files the site reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS_DIR))
