"""Small-group suppression, the one rule for every table about people that
COPIL, the API or an export shows: nobody may be singled out.

A table is a grid of counts whose last column may be the row totals and
whose last row may be the column totals. Hidden are:
- every count from 1 to `threshold - 1` ("< 5");
- every cell of a group (a row or a column) whose total is under the
  threshold, zeros included;
- then, wherever a line bound by a total (a row with its total column, a
  column with its total row) would hide exactly one cell, a second cell, the
  smallest one shown, so that the hidden count cannot be worked out as the
  total minus the others. That second cell may be 5 or more: it is shown as
  "masqué", not "< 5".
Counts of nobody (0) stay shown elsewhere: they single no one out."""
from __future__ import annotations

THRESHOLD = 5

Cell = tuple[int, int]


def hidden_cells(grid: list[list[int]], *, row_totals: bool, column_totals: bool,
                 threshold: int = THRESHOLD) -> tuple[set[Cell], set[Cell]]:
    """The cells to hide in `grid`: (small ones, second ones). `row_totals`:
    the last column holds each row's total; `column_totals`: the last row
    holds each column's total."""
    height = len(grid)
    width = len(grid[0]) if grid else 0
    small: set[Cell] = {(i, j) for i in range(height) for j in range(width) if 0 < grid[i][j] < threshold}
    if row_totals:
        for i in range(height):
            if 0 < grid[i][width - 1] < threshold:
                small.update((i, j) for j in range(width))
    if column_totals:
        for j in range(width):
            if 0 < grid[height - 1][j] < threshold:
                small.update((i, j) for i in range(height))
    lines: list[list[Cell]] = []
    if row_totals:
        lines += [[(i, j) for j in range(width)] for i in range(height)]
    if column_totals:
        lines += [[(i, j) for i in range(height)] for j in range(width)]
    second: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for c in line if c in small or c in second) != 1:
                continue
            shown = [c for c in line[:-1] if c not in small and c not in second]
            shown.sort(key=lambda c: (grid[c[0]][c[1]] == 0, grid[c[0]][c[1]]))
            pick = shown[0] if shown else line[-1]
            if pick in small or pick in second:
                continue
            second.add(pick)
            changed = True
    return small, second
