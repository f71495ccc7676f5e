"""Dates as people say them (labo.core.dates), in the Labo's time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_babel import force_locale

from labo.core.dates import format_clock, format_day, format_moment, format_span

NB = "\u00a0"
TODAY = date(2026, 6, 1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_a_winter_afternoon_is_said_in_paris_time_in_both_languages():
    moment = utc(2026, 1, 4, 13, 30)  # 14:30 in Paris (UTC+1)
    assert format_moment(moment, "fr", TODAY) == f"dimanche 4 janvier à 14{NB}h{NB}30"
    assert format_moment(moment, "en", TODAY) == f"Sunday 4 January at 2:30{NB}pm"


def test_a_summer_time_takes_the_summer_offset():
    assert format_clock(utc(2026, 7, 14, 16, 0), "fr") == f"18{NB}h"


def test_minutes_zero_say_the_hour_alone():
    assert format_clock(utc(2026, 1, 5, 13, 0), "fr") == f"14{NB}h"
    assert format_clock(utc(2026, 1, 5, 13, 0), "en") == f"2{NB}pm"
    assert format_clock(utc(2026, 1, 5, 8, 5), "fr") == f"9{NB}h{NB}05"


def test_midnight_and_noon_are_words():
    assert format_clock(utc(2026, 1, 4, 23, 0), "fr") == "minuit"
    assert format_clock(utc(2026, 1, 4, 23, 0), "en") == "midnight"
    assert format_clock(utc(2026, 1, 5, 11, 0), "fr") == "midi"


def test_a_deadline_at_midnight_is_the_evening_before():
    closes = utc(2026, 12, 23, 23, 0)  # 24 December, 00:00 in Paris
    assert format_moment(closes, "fr", TODAY, ending=True) == "mercredi 23 décembre à minuit"
    assert format_moment(closes, "fr", TODAY) == "jeudi 24 décembre à minuit"


def test_the_year_only_when_it_is_not_this_one():
    assert format_day(date(2026, 3, 1), "fr", TODAY) == "dimanche 1er mars"
    assert format_day(date(2027, 3, 1), "fr", TODAY) == "lundi 1er mars 2027"
    assert format_day(date(2025, 3, 1), "en", TODAY) == "Saturday 1 March 2025"


def test_a_span_says_from_and_to():
    start, end = utc(2026, 1, 4, 13, 30), utc(2026, 1, 23, 17, 0)
    assert format_span(start, end, "fr", TODAY) == (
        f"du dimanche 4 janvier à 14{NB}h{NB}30 au vendredi 23 janvier à 18{NB}h")
    assert format_span(start, end, "en", TODAY) == (
        f"from Sunday 4 January at 2:30{NB}pm to Friday 23 January at 6{NB}pm")


def test_a_span_within_one_day_says_the_day_once():
    assert format_span(utc(2026, 1, 4, 13, 0), utc(2026, 1, 4, 15, 30), "fr", TODAY) == (
        f"dimanche 4 janvier, de 14{NB}h à 16{NB}h{NB}30")
    # Until midnight is still that evening.
    assert format_span(utc(2026, 1, 4, 17, 0), utc(2026, 1, 4, 23, 0), "en", TODAY) == (
        f"Sunday 4 January, 6{NB}pm to midnight")


def test_a_span_ending_at_midnight_ends_the_day_before():
    assert format_span(utc(2026, 1, 4, 8, 0), utc(2026, 1, 31, 23, 0), "fr", TODAY) == (
        f"du dimanche 4 janvier à 9{NB}h au samedi 31 janvier à minuit")


def test_the_filters_follow_the_request_language(app):
    template = app.jinja_env.from_string("{{ m|moment }} / {{ m|until }} / {{ d|day }}")
    moment = utc(datetime.now().year, 12, 23, 23, 0)
    with app.test_request_context("/"), force_locale("en"):
        assert template.render(m=moment, d=moment.date()).startswith("Thursday 24 December at midnight / ")
    with app.test_request_context("/"), force_locale("fr"):
        text = template.render(m=moment, d=moment.date())
    assert " à minuit / " in text and "23 décembre à minuit / " in text
    assert "00:00" not in text and str(moment.year) not in text
