"""French typography for interface strings (labo.core.typography)."""
from __future__ import annotations

from labo.core.typography import french_spacing

NB = "\u00a0"


def test_punctuation_that_needs_a_space_gets_a_no_break_one():
    assert french_spacing("La question : que faire ? Venez ; merci !") == (
        f"La question{NB}: que faire{NB}? Venez{NB}; merci{NB}!")


def test_guillemets_hold_their_words():
    assert french_spacing("appuyez sur « Envoyer »") == f"appuyez sur «{NB}Envoyer{NB}»"


def test_what_has_no_space_before_is_left_alone():
    for text in ("https://labo.example/", "14:30", "%(n)s:", "Quoi?"):
        assert french_spacing(text) == text
