"""CSV for French spreadsheet software: UTF-8 with a BOM, ';' between cells,
and no cell that a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
from typing import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """No formula injection: a text cell starting with = + - @ (or a tab or
    carriage return) is prefixed with ' so it is read as text. Numbers pass as they are."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """The rows (the first one the headers) as a CSV file's bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
