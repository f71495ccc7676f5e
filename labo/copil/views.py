"""The COPIL's dashboard, indicators, exports and printable report.

Counts only: no page or export here shows a pseudonym, an email or any
per-person row, and every group under 5 people shows as "< 5"."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Optional

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, get_locale

from labo.copil import services
from labo.copil.exports import table_csv
from labo.copil.forms import PeriodForm
from labo.copil.indicators import processes_by_id
from labo.copil.periods import MESSAGES, CopilError, Period, parse_period
from labo.copil.presentation import Shown, suppress_small
from labo.core.db import utcnow
from labo.core.i18n import _
from labo.extensions import db
from labo.opinions import services as opinions
from labo.permissions import require
from labo.processes.models import Process
from labo.processes.eligibility import stage
from labo.core.error_pages import render_error

bp = Blueprint("copil", __name__, url_prefix="/copil")

# The stages' words, for the COPIL's list of processes.
STAGE_LABELS = {
    "upcoming": lambda: _("À venir"),
    "open": lambda: _("En cours"),
    "closed": lambda: _("Close, retour attendu"),
    "answered": lambda: _("Retour publié"),
    "finished": lambda: _("Terminée"),
    "draft": lambda: _("Brouillon"),
}


def _period() -> tuple[PeriodForm, Optional[Period], Optional[str]]:
    """The period asked for in the address, or the message saying what is wrong with it."""
    form = PeriodForm(formdata=request.args)
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"), date.today())
    except CopilError as error:
        message = str(MESSAGES[error.code])
        (form.end if error.field == "to" else form.start).errors = [message]
        return form, None, message
    form.start.data, form.end.data = period.start.isoformat(), period.end.isoformat()
    return form, period, None


def _shown(tables) -> list[Shown]:
    """The tables as shown, each process's row linked to its page (on a copy
    of the row: the tables may be the cache's, shared between requests)."""
    shown = [suppress_small(table) for table in tables]
    for s in shown:
        if s.key == "demarches":
            s.rows = [(replace(row, href=url_for("copil.process", process_id=row.key)) if row.key is not None else row,
                       cells) for row, cells in s.rows]
    return shown


def _dashboard(period: Period):
    """The figures for the period, kept LABO_COPIL_CACHE_SECONDS (300 by
    default, 0 in tests unless a test sets it) in this worker."""
    now = utcnow()
    seconds = current_app.config.get("LABO_COPIL_CACHE_SECONDS", 0 if current_app.testing else 300)
    board = services.kept_dashboard(period, current_app.config["LABO_ANSWER_DAYS"], seconds,
                                    locale=str(get_locale() or ""), now=now)
    processes = processes_by_id(board.process_ids)
    stages = {p.id: STAGE_LABELS[stage(p, now).value]() for p in processes}
    kept = (board.counted_at, int(seconds // 60)) if seconds >= 60 else None  # the page says how fresh
    return board.indicators, processes, board.across, stages, kept


def _csv(body: bytes, name: str) -> Response:
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@bp.route("/")
@require("copil.read")
def index():
    form, period, error = _period()
    if period is None:
        return render_template("copil/index.html", form=form, error=error, period=None), 400
    figures, processes, across, stages, kept = _dashboard(period)
    args = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return render_template("copil/index.html", form=form, error=None, period=period, figures=figures,
                           indicators=_shown(figures.tables), across=_shown(across), processes=processes,
                           stages=stages, args=args, per_month=format_decimal(figures.per_month), kept=kept,
                           late_opinions=opinions.late_opinions(),
                           answered_opinions=opinions.opinions_answered_between(period.start, period.end))


@bp.route("/export/<key>.csv")
@require("copil.export")
def export(key: str):
    _form, period, error = _period()
    if period is None:
        return render_error(400, error)
    figures, _processes, across, _stages, _kept = _dashboard(period)
    for table in figures.tables + across:
        if table.key == key:
            name = f"copil-{key}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
            return _csv(table_csv(suppress_small(table)), name)
    abort(404)


def _get_process(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None or not process.published:
        abort(404)
    return process


@bp.route("/demarches/<id:process_id>")
@require("copil.read")
def process(process_id: int):
    item = _get_process(process_id)
    figures = services.process_figures(item)
    results_url = None
    if item.method_enum.is_ballot and "ballots.results" in current_app.view_functions:
        results_url = url_for("ballots.results", process_id=item.id)
    return render_template("copil/process.html", process=item, figures=figures,
                           participation=suppress_small(figures.participation),
                           tables=_shown(figures.tables), stage_label=STAGE_LABELS[stage(item, utcnow()).value](),
                           return_label=services.RETURN_LABELS[figures.return_status], results_url=results_url)


@bp.route("/demarches/<id:process_id>/export/<key>.csv")
@require("copil.export")
def process_export(process_id: int, key: str):
    item = _get_process(process_id)
    figures = services.process_figures(item)
    for table in [figures.participation] + figures.tables:
        if table.key == key:
            return _csv(table_csv(suppress_small(table)), f"copil-demarche-{item.id}-{key}.csv")
    abort(404)


@bp.route("/rapport")
@require("copil.export")
def report():
    _form, period, error = _period()
    if period is None:
        return render_error(400, error)
    figures, processes, across, stages, _kept = _dashboard(period)
    per_process = []
    for p in processes:
        one = services.process_figures(p)
        per_process.append((p, stages[p.id], services.RETURN_LABELS[one.return_status], _shown(one.tables)))
    return render_template("copil/report.html", period=period, figures=figures, indicators=_shown(figures.tables),
                           across=_shown(across), per_process=per_process, generated=date.today(),
                           per_month=format_decimal(figures.per_month),
                           opinions=opinions.opinions_issued_between(period.start, period.end))
