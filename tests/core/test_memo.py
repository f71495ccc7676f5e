"""The in-process memo (labo.core.memo): a value is kept for its seconds,
forgotten when a table it was computed from changes, and the oldest goes
past the memo's size. Time is the memo's injected clock, moved on by hand:
no test here sleeps."""
from __future__ import annotations

from labo.core.memo import Memo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counter():
    """A computation that says how many times it ran, and for which keys."""
    counted: list = []

    def compute(key):
        return lambda: counted.append(key) or len(counted)

    return counted, compute


def test_kept_values_go_after_their_time_and_the_oldest_go_first():
    clock = Clock()
    memo = Memo(300, size=2, clock=clock)
    counted, compute = counter()

    def count(key):
        return memo.get(key, compute(key))

    assert (count("a"), count("a"), count("b")) == (1, 1, 2)
    clock.now += 299
    assert count("a") == 1
    clock.now += 2
    assert count("a") == 3  # its 300 seconds are over: counted again
    count("c")  # a third key: "b", the one stored longest ago, goes
    assert count("b") == 5 and counted == ["a", "b", "a", "c", "b"]


def test_a_call_may_keep_its_value_longer_or_not_at_all():
    clock = Clock()
    memo = Memo(60, clock=clock)
    counted, compute = counter()
    assert memo.get("long", compute("long"), seconds=300) == 1
    clock.now += 200
    assert memo.get("long", compute("long"), seconds=300) == 1
    assert memo.get("never", compute("never"), seconds=0) == 2
    assert memo.get("never", compute("never"), seconds=0) == 3
    off = Memo(0, clock=clock)
    assert off.get("k", compute("k")) == 4 and off.get("k", compute("k")) == 5


def test_a_change_to_a_table_forgets_only_what_was_computed_from_it():
    memo = Memo(60, clock=Clock())
    counted, compute = counter()
    memo.get("ideas", compute("ideas"), tables={"contribution"})
    memo.get("towns", compute("towns"), tables=lambda: ["commune", "qpv"])
    memo.forget({"contribution", "meeting"})
    assert memo.get("ideas", compute("ideas"), tables={"contribution"}) == 3  # counted again
    assert memo.get("towns", compute("towns"), tables=["commune"]) == 2  # kept


def test_a_value_computed_while_a_change_is_flushed_is_not_kept():
    memo = Memo(60, clock=Clock())
    counted: list = []

    def compute():
        counted.append(1)
        if len(counted) == 1:
            memo.forget({"contribution"})  # another request writes meanwhile
        return len(counted)

    assert memo.get("ideas", compute, tables={"contribution"}) == 1
    assert memo.get("ideas", compute, tables={"contribution"}) == 2  # the first may predate the change
    assert memo.get("ideas", compute, tables={"contribution"}) == 2


def test_clear_forgets_everything():
    memo = Memo(60, clock=Clock())
    counted, compute = counter()
    memo.get("a", compute("a"))
    memo.clear()
    assert memo.get("a", compute("a")) == 2
