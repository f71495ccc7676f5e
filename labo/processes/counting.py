"""Counting ballots: single choice, approval and majority judgment.

Pure functions over tallies (no database, no Flask), so the same code counts
online ballots, paper tally sheets and workshop votes, and is tested on worked
examples.

Majority judgment follows Balinski and Laraki (*Majority Judgment*, MIT
Press, 2011): every voter grades every option; an option's *majority grade*
is the lower median of its grades; ties are broken by the *majority value*,
the sequence of majority grades obtained by removing one median grade at a
time. Two options are tied only when that whole sequence is the same, that
is when they received exactly the same grades."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cmp_to_key
from itertools import accumulate
from typing import Iterable, Iterator, Mapping, Sequence

# Grades from best to worst, as the Labo's ballots show them. A missing grade
# counts as the worst one ("À rejeter"), as in the method's usual practice.
GRADES: tuple[str, ...] = ("excellent", "tres_bien", "bien", "assez_bien", "passable", "insuffisant", "a_rejeter")


@dataclass(frozen=True)
class OptionResult:
    option: str
    votes: int  # single choice and approval: ballots that chose it
    rank: int  # 1 for the winner(s); equal ranks are ties
    share: float = 0.0  # votes / ballots (0 when there are no ballots)


@dataclass(frozen=True)
class VoteOutcome:
    """The ranking, and the winners (more than one only on an exact tie)."""

    ranking: list
    ballots: int
    winners: list[str] = field(default_factory=list)

    @property
    def tied(self) -> bool:
        return len(self.winners) > 1


def count_choices(options: Sequence[str], ballots: Iterable[Iterable[str]]) -> VoteOutcome:
    """Single choice (each ballot holds one option) or approval (each ballot
    holds any number of options): an option's score is how many ballots hold
    it. Options nobody chose are listed with 0. Unknown options are refused."""
    known = set(options)
    votes = {o: 0 for o in options}
    n = 0
    for ballot in ballots:
        n += 1
        for option in set(ballot):
            if option not in known:
                raise ValueError(f"unknown option {option!r}")
            votes[option] += 1
    return tally_choices(votes, n)


def tally_choices(votes: Mapping[str, int], ballots: int) -> VoteOutcome:
    """Rank options by their vote counts (from ballots, paper sheets, or both
    added together). Equal counts share a rank; the original order only
    breaks ties for display, never for the winner."""
    order = {o: i for i, o in enumerate(votes)}
    items = sorted(votes.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    results, rank, previous = [], 0, None
    for position, (option, v) in enumerate(items, start=1):
        if v != previous:
            rank, previous = position, v
        results.append(OptionResult(option, v, rank, (v / ballots) if ballots else 0.0))
    winners = [r.option for r in results if r.rank == 1 and r.votes > 0]
    return VoteOutcome(ranking=results, ballots=ballots, winners=winners)


# --- majority judgment ------------------------------------------------------


@dataclass(frozen=True)
class Merit:
    """One option's grades: counts[i] voters gave it GRADES[i]."""

    option: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def _ascending(self) -> list[int]:
        # cumulative counts from the worst grade up, for position look-ups
        return list(accumulate(reversed(self.counts)))

    def grade_at(self, position: int, cumulative: list[int] | None = None) -> int:
        """The grade (index into GRADES) at `position` in the grades sorted
        from worst to best (0 is the worst grade given)."""
        cumulative = cumulative or self._ascending()
        worst_first = bisect_right(cumulative, position)
        return len(GRADES) - 1 - worst_first

    @property
    def majority_grade(self) -> int | None:
        """The lower median grade (index into GRADES), None without grades."""
        n = self.total
        return None if n == 0 else self.grade_at((n - 1) // 2)

    def majority_value(self) -> Iterator[int]:
        """The majority grades met when removing one median grade at a time.

        With grades sorted worst to best a[0..n-1] and L = (n-1)//2, removal
        visits a[L] first, then moves outwards one step at a time: left then
        right when n is odd (a[L-1], a[L+1], a[L-2], …), right then left when
        n is even (a[L+1], a[L-1], a[L+2], …)."""
        n = self.total
        if n == 0:
            return
        cumulative = self._ascending()
        low = (n - 1) // 2
        yield self.grade_at(low, cumulative)
        left, right = low - 1, low + 1
        left_first = n % 2 == 1
        while left >= 0 or right < n:
            sides = ("left", "right") if left_first else ("right", "left")
            for side in sides:
                if side == "left" and left >= 0:
                    yield self.grade_at(left, cumulative)
                    left -= 1
                elif side == "right" and right < n:
                    yield self.grade_at(right, cumulative)
                    right += 1

    def share_above(self) -> float:
        """Share of grades strictly better than the majority grade."""
        g = self.majority_grade
        return 0.0 if g is None else sum(self.counts[:g]) / self.total

    def share_below(self) -> float:
        """Share of grades strictly worse than the majority grade."""
        g = self.majority_grade
        return 0.0 if g is None else sum(self.counts[g + 1:]) / self.total


def compare_merits(a: Merit, b: Merit) -> int:
    """-1 if `a` ranks before `b`, 1 if after, 0 on an exact tie. A better
    grade has a smaller index in GRADES."""
    if a.counts == b.counts:
        return 0
    for ga, gb in zip(a.majority_value(), b.majority_value()):
        if ga != gb:
            return -1 if ga < gb else 1
    # one sequence is a prefix of the other: only when totals differ, which
    # ballots that grade every option avoid; the longer one has more grades
    return (b.total > a.total) - (b.total < a.total)


def merits_from_grades(options: Sequence[str], ballots: Iterable[Mapping[str, str]]) -> list[Merit]:
    """Turn ballots ({option: grade key}) into per-option grade counts. An
    option a ballot leaves ungraded gets the worst grade."""
    index = {g: i for i, g in enumerate(GRADES)}
    counts = {o: [0] * len(GRADES) for o in options}
    for ballot in ballots:
        for option in options:
            grade = ballot.get(option, GRADES[-1])
            if grade not in index:
                raise ValueError(f"unknown grade {grade!r}")
            counts[option][index[grade]] += 1
        unknown = set(ballot) - set(options)
        if unknown:
            raise ValueError(f"unknown option {sorted(unknown)[0]!r}")
    return [Merit(o, tuple(c)) for o, c in counts.items()]


@dataclass(frozen=True)
class MeritResult:
    option: str
    rank: int
    majority_grade: str | None
    above: float
    below: float
    counts: dict[str, int]


def rank_merits(merits: Sequence[Merit]) -> VoteOutcome:
    """Majority judgment's ranking: best first, equal ranks on exact ties."""
    order = {m.option: i for i, m in enumerate(merits)}
    ordered = sorted(merits, key=cmp_to_key(lambda a, b: compare_merits(a, b) or order[a.option] - order[b.option]))
    results, rank, previous = [], 0, None
    for position, merit in enumerate(ordered, start=1):
        if previous is None or compare_merits(previous, merit) != 0:
            rank = position
        previous = merit
        g = merit.majority_grade
        results.append(MeritResult(
            option=merit.option, rank=rank, majority_grade=None if g is None else GRADES[g],
            above=merit.share_above(), below=merit.share_below(),
            counts={GRADES[i]: c for i, c in enumerate(merit.counts)},
        ))
    ballots = max((m.total for m in merits), default=0)
    winners = [r.option for r in results if r.rank == 1] if ballots else []
    return VoteOutcome(ranking=results, ballots=ballots, winners=winners)
