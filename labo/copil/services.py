"""What the COPIL's pages ask for, free of Flask's request: the dashboard's
figures for a period (kept a few minutes), and one process's figures.

The counting itself is in labo.copil.indicators, the period in
labo.copil.periods, the tables as shown in labo.copil.presentation and
their CSV in labo.copil.exports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from labo.copil.indicators import Indicators, indicators, opinion_tables, participation_table, processes_in
from labo.copil.periods import Period
from labo.copil.presentation import Table
from labo.core.db import utcnow
from labo.core.i18n import _l
from labo.core.memo import Memo
from labo.processes.models import Method, Process

# --- one process's figures -------------------------------------------------


def has_opinions(process: Process) -> bool:
    return process.method == Method.OPINIONS.value


@dataclass
class ProcessFigures:
    process: Process
    participation: Table
    tables: list[Table]
    return_status: str  # on_time, late, missing, pending


def return_status(process: Process, now: datetime) -> str:
    if process.return_published_at is not None:
        return "on_time" if process.return_published_at.date() <= process.answer_by else "late"
    return "missing" if now.date() > process.answer_by else "pending"


RETURN_LABELS = {
    "on_time": _l("Retour publié dans les délais"),
    "late": _l("Retour publié en retard"),
    "missing": _l("Retour attendu : la date annoncée est passée"),
    "pending": _l("Retour attendu avant la date annoncée"),
}


def process_figures(process: Process, now: Optional[datetime] = None) -> ProcessFigures:
    now = now or utcnow()
    return ProcessFigures(process, participation_table([process]),
                          opinion_tables([process.id], has_opinions(process)), return_status(process, now))


# --- the dashboard, kept a few minutes -------------------------------------


@dataclass
class Dashboard:
    """The dashboard's figures for a period: plain values only (no ORM object),
    so that they may outlive the session that counted them."""
    indicators: Indicators
    process_ids: list[int]  # processes_in(period), in its order
    across: list[Table]     # participation by process, then opinions across all of them
    counted_at: Optional[datetime] = None


def dashboard(period: Period, answer_days: int, now: Optional[datetime] = None) -> Dashboard:
    now = now or utcnow()
    figures = indicators(period, answer_days, now)
    processes = processes_in(period)
    across = [participation_table(processes)] + opinion_tables([p.id for p in processes], True)
    for table in across[1:]:
        table.key = "toutes-" + table.key
    return Dashboard(figures, [p.id for p in processes], across, now)


# Kept whatever is written meanwhile (no table forgets them): see kept_dashboard.
DASHBOARDS = Memo(size=16)


def kept_dashboard(period: Period, answer_days: int, seconds: float, locale: str = "",
                   now: Optional[datetime] = None) -> Dashboard:
    """`dashboard()`, counted at most once every `seconds` per period (and per
    locale: the tables hold translated words). The figures serve a committee
    that meets twice a year: a few minutes late is fine, while counting them
    reads every meeting, contribution and process of the period (its cost:
    bench/README.md). What comes back is shared with the next requests: read
    it, never change it."""
    return DASHBOARDS.get((period, answer_days, locale), lambda: dashboard(period, answer_days, now), seconds=seconds)
