"""The COPIL's CSV exports: a table exactly as the page shows it (small
groups already hidden), for French spreadsheet software."""
from __future__ import annotations

from labo.copil.presentation import Shown
from labo.core.i18n import _l
from labo.core.spreadsheet import csv_bytes


def table_csv(shown: Shown) -> bytes:
    lines: list[list] = [shown.header]
    lines += [[row.label, *cells] for row, cells in shown.rows]
    if shown.total is not None:
        lines.append([str(_l("Total")), *shown.total])
    return csv_bytes(lines)
