"""The COPIL's tables as they may be shown: a table of counts (`Table`,
`Row`), and `suppress_small`, which turns it into strings and chart data
with every group under 5 people shown as "< 5" (and a second cell hidden
wherever a single hidden one could be recomputed from a total)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from labo.core.disclosure import THRESHOLD, hidden_cells
from labo.core.i18n import _l


@dataclass
class Row:
    label: str
    values: list[int]
    href: Optional[str] = None  # set by the view (a process's page)
    key: Optional[int] = None   # what the row is about (a process id), for the view


@dataclass
class Table:
    key: str            # also the CSV export's name
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row]
    people: bool = True  # counts people: suppress small groups
    totals: bool = True  # a total row (and a total column when there are several columns)
    note: str = ""


@dataclass
class Shown:
    """A table as it may be shown: every cell a string, small groups hidden."""
    table: Table
    header: list[str]
    rows: list[tuple[Row, list[str]]]
    total: Optional[list[str]]
    chart: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.table.key

    @property
    def title(self) -> str:
        return self.table.title

    @property
    def empty(self) -> bool:
        """Nothing counted at all: said in words, without a chart of zeros."""
        return not any(any(row.values) for row in self.table.rows)


def suppress_small(table: Table, threshold: int = THRESHOLD) -> Shown:
    """The table as it may be shown, by the one rule of labo.core.disclosure:
    small groups as "< 5", and a second cell as "masqué" wherever a single
    hidden one could be worked out from a total."""
    n, m = len(table.rows), len(table.columns)
    col_total = table.totals and m > 1
    row_total = table.totals and n > 0
    grid = [list(row.values) for row in table.rows]
    if col_total:
        for line in grid:
            line.append(sum(line))
    if row_total:
        grid.append([sum(line[j] for line in grid) for j in range(len(grid[0]) if grid else 0)])
    width = len(grid[0]) if grid else 0
    height = len(grid)
    hidden: set[tuple[int, int]] = set()    # groups under the threshold: "< 5"
    second: set[tuple[int, int]] = set()    # hidden so that no "< 5" can be recomputed: "masqué"
    if table.people:
        hidden, second = hidden_cells(grid, row_totals=col_total, column_totals=row_total, threshold=threshold)
    small, masked = f"< {threshold}", str(_l("masqué"))

    def cell(i: int, j: int) -> str:
        if (i, j) in hidden:
            return small
        return masked if (i, j) in second else str(grid[i][j])

    header = [table.row_header, *table.columns] + ([str(_l("Total"))] if col_total else [])
    rows = [(row, [cell(i, j) for j in range(width)]) for i, row in enumerate(table.rows)]
    total = [cell(height - 1, j) for j in range(width)] if row_total else None
    chart = {
        "labels": [row.label for row in table.rows],
        "datasets": [{"label": column,
                      "data": [None if (i, j) in hidden or (i, j) in second else grid[i][j] for i in range(n)]}
                     for j, column in enumerate(table.columns)],
    }
    return Shown(table, header, rows, total, chart)
