"""French first, English second: the locale chosen for each request, the
translation functions (`_`, `_l`, `ngettext`, and the templates' own), and
the `flask labo translate` commands that wrap pybabel."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from decimal import Decimal

import click
from babel.numbers import format_decimal
from flask import has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from labo.core.typography import french_spacing
from labo.core.grammar import NounPhrase, PersonName, contract

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


# Translation, fast. Flask-Babel finds the catalogue anew for every string: it
# walks the application context three times and names the locale, for each
# of the many strings a page shows: the largest single cost of a page whose
# text is fixed (bench/README.md). Here
# the catalogue is found once per locale a request uses and kept in `g`. The
# locale Flask-Babel chose is checked first (its `babel_locale`, on the
# namespace it keeps in `g`), so `force_locale` and `refresh` are honoured:
# another locale object, another look-up. Outside an application context,
# Flask-Babel answers as it does there (the strings untranslated).


def _app_g():
    """The application context's `g` itself, read from Flask's context
    variable: one look-up where each use of the `g` proxy costs one."""
    ctx = _cv_app.get(None)
    return ctx.g if ctx is not None else None


def _kept():
    """(locale, catalogue, finished texts) for the locale Flask-Babel chose
    last, kept in `g` and checked against it on each call; None outside an
    application context."""
    here = _app_g()
    if here is None:
        return None
    kept = getattr(here, "_labo_catalogue", None)
    locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None)
    if locale is None or kept is None or kept[0] is not locale:
        locale, catalogue = get_locale(), get_translations()
        kept = (locale, catalogue, _finished_for(catalogue, locale))
        here._labo_catalogue = kept
    return kept


def _catalogue():
    kept = _kept()
    return get_translations() if kept is None else kept[1]


def _locale():
    """The locale whose catalogue `_catalogue()` last gave (French outside an application context)."""
    here = _app_g()
    kept = getattr(here, "_labo_catalogue", None) if here is not None else None
    return (kept[0] if kept else None) or DEFAULT_LOCALE


def _said(text: str, variables: dict) -> tuple[str, dict]:
    """In French, "de %(x)s" and "à %(x)s" merged with a value marked by
    labo.core.grammar's noun() or person(): "du conseil municipal", "d'Avion"."""
    if any(isinstance(value, (NounPhrase, PersonName)) for value in variables.values()):
        locale = _locale()
        if getattr(locale, "language", locale) == "fr":
            return contract(text, variables)
    return text, variables


def _typeset(text: str) -> str:
    """French typography for an interface string, before any value goes in
    (a resident's own words are never touched): a no-break space before
    : ; ? ! and inside « », so a phone never starts a line with a colon."""
    locale = _locale()
    return french_spacing(text) if getattr(locale, "language", locale) == "fr" else text


def _counted(text: str, num, variables: dict) -> tuple[str, dict]:
    """`num` written as people read it in the locale ("15 000", "15,000"), as
    `%(num)d` or `%(num)s` in `text`."""
    if "num" not in variables:
        if isinstance(num, (int, float, Decimal)) and not isinstance(num, bool):
            variables["num"] = _written_number(num, _locale())
            text = text.replace("%(num)d", "%(num)s")
        else:
            variables["num"] = num
    return text, variables


# The finished text of an interface string (translated, then French spacing
# put in) for each catalogue: both steps give the same text every time, so
# each is done once per process and string. A catalogue lives as long as the
# process (Flask-Babel keeps them), so its id() is a stable key; the strings
# are the interface's, a few thousand, and a table is emptied if some
# caller ever fed it an unbounded number of them. The numbers a page shows
# ("12 soutiens") are written the locale's way once per number, likewise.
_finished: dict[tuple, dict] = {}
_FINISHED_MAX = 50_000
_NUMBERS_MAX = 10_000


def _finished_for(catalogue, locale) -> dict:
    key = (id(catalogue), str(locale))
    table = _finished.get(key)
    if table is None:
        table = _finished[key] = {}
    return table


def _finished_text(string: str) -> str:
    kept = _kept()
    if kept is None:
        return _typeset(get_translations().ugettext(string))
    table = kept[2]
    text = table.get(string)
    if text is None:
        text = _typeset(kept[1].ugettext(string))
        if len(table) >= _FINISHED_MAX:
            table.clear()
        table[string] = text
    return text


def _finished_plural(singular: str, plural: str, num) -> str:
    """`ngettext`'s form for `num`, French spacing put in, kept like
    `_finished_text` (by the form's strings and a whole `num`)."""
    kept = _kept()
    if kept is None or not isinstance(num, int):
        return _typeset(_catalogue().ungettext(singular, plural, num))
    key = (singular, plural, num)
    table = kept[2]
    text = table.get(key)
    if text is None:
        text = _typeset(kept[1].ungettext(singular, plural, num))
        if len(table) >= _FINISHED_MAX:
            table.clear()
        table[key] = text
    return text


_numbers: dict[tuple, str] = {}


def _written_number(num, locale) -> str:
    if not isinstance(num, int):
        return format_decimal(num, locale=locale)
    key = (str(locale), num)
    text = _numbers.get(key)
    if text is None:
        text = format_decimal(num, locale=locale)
        if len(_numbers) >= _NUMBERS_MAX:
            _numbers.clear()
        _numbers[key] = text
    return text


def _(string: str, **variables) -> str:
    """Flask-Babel's `gettext`: the string in the request's language, with
    `%(name)s` filled from `variables` when there are any."""
    text = _finished_text(string)
    if not variables:
        return text
    text, variables = _said(text, variables)
    return text % variables


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's `ngettext`: `num` chooses the form and is shown, as
    `%(num)d`, grouped the locale's way ("15 000")."""
    text = _finished_plural(singular, plural, num)
    text, variables = _counted(text, num, variables)
    text, variables = _said(text, variables)
    return text % variables


def _l(string: str, **variables) -> LazyString:
    """Flask-Babel's `lazy_gettext`: translated each time it is shown."""
    return LazyString(_, string, **variables)


# The templates' `_`, `gettext` and `ngettext`, as Jinja's own "newstyle" ones
# (always a format string; in an autoescaped template the text is Markup, so
# the values put into it are escaped), in one call where Jinja makes three.
@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    text = _finished_text(string)
    if variables:
        text, variables = _said(text, variables)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    text = _finished_plural(singular, plural, num)
    text, variables = _counted(text, num, variables)
    text, variables = _said(text, variables)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def install_template_translations(env) -> None:
    """After `Babel.init_app`, which installs its own (its pgettext is kept)."""
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


# Babel skips folders whose name starts with "_" unless told which to skip:
# without this, templates/_macros/ (the error summary, the "Écouter" button)
# was never extracted, and an English visitor read those strings in French.
EXTRACT_DIRS = ("--ignore-dirs", ".* __pycache__ node_modules")


@click.group("translate")
def translate_cli() -> None:
    """Extract, update and compile the interface's translations."""


@translate_cli.command("update")
def translate_update() -> None:
    """Extract the French source strings and merge them into every catalogue."""
    pot = str(TRANSLATIONS_DIR / "messages.pot")
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", *EXTRACT_DIRS, "-o", pot, ".")
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
