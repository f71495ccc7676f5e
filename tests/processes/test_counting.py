"""Counting methods, checked on examples worked out by hand."""
from __future__ import annotations

import random

import pytest

from labo.processes.counting import (GRADES, Merit, compare_merits, count_choices, merits_from_grades, rank_merits,
                                     tally_choices)

E, TB, B, AB, P, I, R = GRADES  # excellent … à rejeter


def merit(option: str, *grades: str) -> Merit:
    counts = [0] * len(GRADES)
    for g in grades:
        counts[GRADES.index(g)] += 1
    return Merit(option, tuple(counts))


def brute_majority_value(grades: list[str]) -> list[int]:
    """The definition, applied literally: sort, take the lower median, remove it, repeat."""
    remaining = sorted((GRADES.index(g) for g in grades), reverse=True)  # worst first
    out = []
    while remaining:
        median = remaining[(len(remaining) - 1) // 2]
        out.append(median)
        remaining.remove(median)
    return out


# --- single choice and approval ----------------------------------------------


def test_single_choice_counts_each_ballot_once_and_ranks_by_votes():
    outcome = count_choices(["a", "b", "c"], [["a"], ["a"], ["b"], ["c"], ["b"], ["a"]])
    assert [(r.option, r.votes, r.rank) for r in outcome.ranking] == [("a", 3, 1), ("b", 2, 2), ("c", 1, 3)]
    assert outcome.winners == ["a"] and outcome.ballots == 6
    assert outcome.ranking[0].share == pytest.approx(0.5)


def test_an_equal_count_at_the_top_is_a_tie_not_a_win_by_list_order():
    outcome = count_choices(["a", "b", "c"], [["b"], ["a"], ["a"], ["b"], ["c"]])
    assert outcome.winners == ["a", "b"] and outcome.tied
    assert [r.rank for r in outcome.ranking] == [1, 1, 3]


def test_approval_counts_every_option_a_ballot_holds_and_ignores_repeats():
    ballots = [["a", "b"], ["b"], ["b", "c", "c"], ["a", "c"], []]
    outcome = count_choices(["a", "b", "c", "d"], ballots)
    assert {r.option: r.votes for r in outcome.ranking} == {"a": 2, "b": 3, "c": 2, "d": 0}
    assert outcome.winners == ["b"] and outcome.ballots == 5


def test_an_unknown_option_is_refused():
    with pytest.raises(ValueError):
        count_choices(["a"], [["z"]])


def test_paper_and_online_tallies_add_up_before_ranking():
    online = {"a": 10, "b": 12}
    paper = {"a": 5, "b": 1}
    outcome = tally_choices({k: online[k] + paper[k] for k in online}, ballots=28)
    assert outcome.winners == ["a"] and outcome.ranking[0].votes == 15


def test_nobody_wins_when_nobody_voted():
    assert count_choices(["a", "b"], []).winners == []


# --- majority judgment: worked examples --------------------------------------


def test_the_majority_grade_is_the_median_grade():
    # A: à rejeter, passable, BIEN, bien, excellent  → bien
    # B: insuffisant, insuffisant, ASSEZ BIEN, très bien, très bien → assez bien
    # C: insuffisant, passable, PASSABLE, passable, excellent → passable
    outcome = rank_merits([
        merit("B", TB, TB, AB, I, I),
        merit("C", P, P, P, I, E),
        merit("A", E, B, B, P, R),
    ])
    assert [(r.option, r.rank, r.majority_grade) for r in outcome.ranking] == [
        ("A", 1, B), ("B", 2, AB), ("C", 3, P)]
    assert outcome.winners == ["A"]


def test_with_an_even_number_of_voters_the_lower_median_counts():
    # A sorted: passable, ASSEZ BIEN | très bien, excellent → assez bien
    # B sorted: insuffisant, BIEN | bien, bien → bien: B wins although A has the best grades
    outcome = rank_merits([merit("A", E, TB, AB, P), merit("B", B, B, B, I)])
    assert [(r.option, r.majority_grade) for r in outcome.ranking] == [("B", B), ("A", AB)]


def test_equal_majority_grades_are_separated_by_removing_one_median_at_a_time():
    # A sorted: passable, bien, BIEN, bien, très bien → removing medians: bien, bien, …
    # B sorted: assez bien, assez bien, BIEN, bien, excellent → bien, assez bien, …
    # Same majority grade; after one removal A still has "bien", B falls to "assez bien".
    a, b = merit("A", TB, B, B, B, P), merit("B", E, B, B, AB, AB)
    assert a.majority_grade == b.majority_grade == GRADES.index(B)
    assert list(a.majority_value()) == [GRADES.index(g) for g in (B, B, B, P, TB)]
    assert list(b.majority_value()) == [GRADES.index(g) for g in (B, AB, B, AB, E)]
    assert compare_merits(a, b) == -1
    assert rank_merits([b, a]).winners == ["A"]


def test_a_tie_break_deep_in_the_sequence_with_an_even_number_of_voters():
    # A sorted: passable, BIEN, bien, très bien → bien, bien, passable, très bien
    # B sorted: assez bien, BIEN, bien, excellent → bien, bien, assez bien, excellent
    # The third grade decides: assez bien beats passable, so B wins.
    a, b = merit("A", P, B, B, TB), merit("B", AB, B, B, E)
    assert list(a.majority_value()) == [GRADES.index(g) for g in (B, B, P, TB)]
    assert list(b.majority_value()) == [GRADES.index(g) for g in (B, B, AB, E)]
    assert rank_merits([a, b]).winners == ["B"]


def test_the_same_grades_in_any_order_are_an_exact_tie():
    outcome = rank_merits([merit("A", B, AB, B), merit("B", AB, B, B), merit("C", P, P, P)])
    assert outcome.winners == ["A", "B"] and outcome.tied
    assert [r.rank for r in outcome.ranking] == [1, 1, 3]


def test_shares_above_and_below_the_majority_grade_are_reported():
    # sorted: à rejeter, passable, BIEN, bien, excellent: 1 of 5 above, 2 of 5 below
    result = rank_merits([merit("A", E, B, B, P, R)]).ranking[0]
    assert result.above == pytest.approx(0.2) and result.below == pytest.approx(0.4)
    assert result.counts[B] == 2 and result.counts[E] == 1


def test_ballots_become_grade_counts_and_an_ungraded_option_is_rejected():
    merits = merits_from_grades(["x", "y"], [{"x": E, "y": B}, {"x": B}, {"x": P, "y": TB}])
    by_option = {m.option: m for m in merits}
    assert by_option["x"].counts[GRADES.index(E)] == 1 and by_option["x"].total == 3
    assert by_option["y"].counts[GRADES.index(R)] == 1  # left blank → à rejeter
    with pytest.raises(ValueError):
        merits_from_grades(["x"], [{"x": "génial"}])
    with pytest.raises(ValueError):
        merits_from_grades(["x"], [{"x": E, "z": E}])


def test_the_fast_majority_value_equals_the_definition_applied_literally():
    rng = random.Random(2024)
    for _ in range(300):
        grades = [rng.choice(GRADES[: rng.randint(1, len(GRADES))]) for _ in range(rng.randint(1, 40))]
        assert list(merit("A", *grades).majority_value()) == brute_majority_value(grades), grades


def test_the_ranking_equals_comparing_the_literal_sequences():
    rng = random.Random(7)
    for _ in range(200):
        ballots = rng.randint(1, 12)
        options = {name: [rng.choice(GRADES) for _ in range(ballots)] for name in "ABCD"}
        outcome = rank_merits([merit(name, *g) for name, g in options.items()])
        expected = sorted(options, key=lambda name: brute_majority_value(options[name]))
        got = [r.option for r in outcome.ranking]
        # equal sequences may come in either order; compare the sequences in ranking order
        assert [brute_majority_value(options[o]) for o in got] == [brute_majority_value(options[o]) for o in expected]


def test_a_large_count_is_ranked_without_listing_every_ballot():
    # 600,000 ballots as counts: bien wins over assez bien on the median at once
    a = Merit("A", (0, 100_000, 250_000, 150_000, 100_000, 0, 0))
    b = Merit("B", (200_000, 0, 50_000, 200_000, 150_000, 0, 0))
    assert rank_merits([b, a]).winners == ["A"]
