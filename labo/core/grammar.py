"""French grammar for sentences that take a stored name: "Le retour de
%(decider)s" with the decider "le conseil municipal de Lens" reads "Le retour
du conseil municipal de Lens", "Les quartiers de %(name)s" with Avion reads
"Les quartiers d'Avion".

`de(phrase)` and `à(phrase)` give the phrase with its preposition:
de + le = du, de + les = des, à + le = au, à + les = aux, "de" before a vowel
= d'. The article is lowercased ("Le Département" -> "du Département").

In a sentence, the stored value is marked and the translation functions
(labo.core.i18n's `_`, `ngettext` and the templates' ones) do the rest, in
French only: `_("Le retour de %(decider)s", decider=noun(process.decider))`,
in a template `decider=process.decider|noun`. The "de " or "à " written just
before the placeholder in the French string merges with the value; the
English string ("The answer of %(decider)s") is left as it is. A person's
name is marked with `person(...)` (`|person`): only "de" -> "d'" before a
vowel, never a contraction ("Le Gall" stays "de Le Gall")."""
from __future__ import annotations

import re
from typing import Any, Mapping

_ARTICLE = re.compile(r"(le|la|les)(?:\s+|$)|l(['’])", re.IGNORECASE)
_MERGED = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}
_VOWELS = "aeiouàâäéèêëîïôöùûüœæ"
# "de " or "à " (any case) written just before a placeholder.
_BEFORE = re.compile(r"(?<![\w'’])(de|à) %\((\w+)\)s", re.IGNORECASE)


class NounPhrase(str):
    """A stored noun phrase ("le conseil municipal", "La Région Hauts-de-France")."""

    article = True


class PersonName(str):
    """A person's name or pseudonym: elided ("d'Amina"), never contracted."""

    article = False


def noun(value: Any) -> Any:
    """Marks a stored noun phrase for the translation functions; None and "" as they are."""
    return NounPhrase(value) if value else value


def person(value: Any) -> Any:
    """Marks a person's name for the translation functions; None and "" as they are."""
    return PersonName(value) if value else value


def _starts_with_vowel(text: str) -> bool:
    return bool(text) and text[0].lower() in _VOWELS


def _split_article(phrase: str) -> tuple[str, str]:
    """("le", "conseil municipal") from "Le conseil municipal", ("l’", "État")
    from "L’État" (its own apostrophe); ("", phrase) without one."""
    found = _ARTICLE.match(phrase)
    if not found:
        return "", phrase
    return (found.group(1) or "l" + found.group(2)).lower(), phrase[found.end():]


def _joined(word: str, phrase: str, article: bool) -> tuple[str, str]:
    """("du ", "conseil municipal") for "de" and "le conseil municipal": the
    preposition with what it merged with, and the rest of the phrase."""
    phrase = str(phrase).lstrip()  # kept as stored at its end: a name shows as it is
    first, rest = _split_article(phrase) if article else ("", phrase)
    if first in ("le", "les"):
        merged = _MERGED[word, first]
        return (f"{merged} " if rest else merged), rest
    if first:  # la, l' (or l’)
        return f"{word} {first}{' ' if first == 'la' and rest else ''}", rest
    if word == "de" and _starts_with_vowel(phrase):
        return "d'", phrase
    return f"{word} ", phrase


def de(phrase: str, article: bool = True) -> str:
    """"du conseil municipal", "des élus", "de la mairie", "de l'État", "de Lina", "d'Avion"."""
    return "".join(_joined("de", phrase, article))


def à(phrase: str, article: bool = True) -> str:
    """"au maire", "aux élus", "à la mairie", "à l'État", "à Lina"."""
    return "".join(_joined("à", phrase, article))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def contract(message: str, variables: Mapping[str, Any]) -> tuple[str, dict]:
    """The French `message` and its `variables` with each "de %(x)s" / "à %(x)s"
    whose value is marked (noun/person) merged with the value's article:
    ("Le retour du %(_x_rest)s", {..., "_x_rest": "conseil municipal"}). The
    preposition goes into the message (our own text), the rest of the value
    stays a value (escaped in a template). Unmarked values and messages without
    such a place are returned as they are."""
    marked = {name for name, value in variables.items() if isinstance(value, (NounPhrase, PersonName))}
    if not marked or "%(" not in message:
        return message, dict(variables)
    variables = dict(variables)

    def merge(found: re.Match) -> str:
        word, name = found.group(1), found.group(2)
        if name not in marked:
            return found.group(0)
        value = variables[name]
        prefix, rest = _joined(word.lower(), value, value.article)
        if word[0].isupper():
            prefix = _capitalised(prefix)
        variables[f"_{name}_rest"] = rest
        return prefix.replace("%", "%%") + f"%(_{name}_rest)s"

    return _BEFORE.sub(merge, message), variables


def register(app) -> None:
    app.jinja_env.filters["noun"] = noun
    app.jinja_env.filters["person"] = person
