"""Pages of the printed cards: for residents, typing or scanning a code and
answering (no account); for referents and animators, printing a sheet (a
PDF), the list of a process's sheets, revoking one, and printing from a
meeting's page."""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from labo.cards import services
from labo.cards.forms import CardOpinionForm, CodeForm, MeetingPrintForm, PrintForm
from labo.cards.models import CardSheet
from labo.core.dates import format_moment
from labo.core.forms import ActionForm
from labo.core.i18n import _, ngettext
from labo.core.db import utcnow
from labo.extensions import db, limiter
from labo.meetings.models import Meeting
from labo.permissions import authorize, can
from labo.processes import ballots
from labo.processes.counting import GRADES
from labo.processes.eligibility import ProcessError, Stage, stage
from labo.processes.models import Method, Process

bp = Blueprint("cards", __name__)

STATUS = {"malformed": 422, "unknown": 404, "draft": 404, "stance-required": 422, "sheet-size": 422}
CONFIRM_BLANKS = "confirm"


def card_limit() -> str:
    return current_app.config.get("LABO_CARD_RATE_LIMIT", "60 per minute")


def _failed(response) -> bool:
    """Only wrong codes count against an address: a hall on one Wi-Fi is never turned away for answering."""
    return response.status_code in (404, 422)


def _status(code: str) -> int:
    return STATUS.get(code, 409 if code in services.MESSAGES else 422)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _link(code: str) -> str:
    return url_for("cards.card", code=services.show_code(code), _external=True)


def _address() -> str:
    link = url_for("cards.enter", _external=True)
    return link.split("://", 1)[-1]


# --- residents ---------------------------------------------------------------------


@bp.route("/carte")
@limiter.limit(card_limit, deduct_when=_failed)
def enter():
    """Type the code by hand; nothing is written (GET)."""
    form = CodeForm(request.args)
    if "code" not in request.args:
        return render_template("cards/enter.html", form=CodeForm(formdata=None))
    normal = services.normalise_code(form.code.data)
    if normal is None:
        form.code.errors = [services.message("malformed")]
        return render_template("cards/enter.html", form=form), 422
    return redirect(url_for("cards.card", code=services.show_code(normal)), 303)


def _choices(process: Process):
    form = request.form
    if process.method_enum is Method.MAJORITY_JUDGMENT:
        return {key[len("grade-"):]: value for key, value in form.items() if key.startswith("grade-")}
    if process.method_enum is Method.SINGLE:
        return [form["option"]] if form.get("option") else []
    return form.getlist("options")


def _card_page(code: str, process: Optional[Process], *, error: Optional[str] = None, status: int = 200,
               opinion_form=None, blank=(), refused: Optional[str] = None):
    chosen: dict[str, str] = {}
    if request.method == "POST" and process is not None and process.method_enum.is_ballot:
        sent = _choices(process)
        chosen = {str(k): v for k, v in sent.items()} if isinstance(sent, dict) else {str(v): "1" for v in sent}
    return render_template(
        "cards/card.html", code=code, process=process, error=error, refused=refused,
        code_form=CodeForm(formdata=None, data={"code": code}),
        opinion_form=opinion_form or CardOpinionForm(formdata=None), chosen=chosen, blank=list(blank),
        grades=[(g, ballots.grade_label(g)) for g in GRADES], confirm_blanks=CONFIRM_BLANKS,
        until=format_moment(process.closes_at, ending=True) if process is not None else "",
    ), status


@bp.route("/carte/<code>", methods=["GET", "POST"])
@limiter.limit(card_limit, deduct_when=_failed)
def card(code: str):
    """The card's page: the question and the answer, then done."""
    shown = services.show_code(services.normalise_code(code)) if services.normalise_code(code) else code[:40]
    try:
        found = services.find_card(code, _secret())
    except services.CardError as error:
        return _card_page(shown, None, error=services.message(error.code), status=_status(error.code))
    process = found.process
    why = services.refusal(found, utcnow())
    if why == "draft":  # a draft's question is its managers' only
        return _card_page(shown, None, error=services.message("draft"), status=404)
    if why:
        return _card_page(shown, process, refused=services.message(why), status=_status(why))
    if request.method == "GET":
        return _card_page(shown, process)
    opinion_form = CardOpinionForm() if process.method_enum is Method.OPINIONS else None
    if not ActionForm().validate_on_submit():
        return _card_page(shown, process, error=_("Le formulaire a expiré : envoyez-le à nouveau."), status=400,
                          opinion_form=opinion_form)
    try:
        done = services.take_part_with_card(
            code, _secret(), utcnow(), stance=request.form.get("stance"),
            choices=_choices(process) if process.method_enum.is_ballot else None,
            ask_about_blanks=request.form.get("blank") != CONFIRM_BLANKS)
        db.session.commit()
    except ballots.BlankGrades as question:
        db.session.rollback()
        return _card_page(shown, db.session.get(Process, process.id), blank=question.options, status=422)
    except (services.CardError, ProcessError) as error:
        db.session.rollback()
        process = db.session.get(Process, process.id)
        if isinstance(error, services.CardError) and error.code == "stance-required":
            opinion_form.stance.errors = [services.message(error.code)]
            return _card_page(shown, process, opinion_form=opinion_form, status=422)
        if isinstance(error, services.CardError) and error.code in ("draft", "unknown", "malformed"):
            return _card_page(shown, None, error=services.message(error.code), status=_status(error.code))
        if isinstance(error, services.CardError):
            return _card_page(shown, process, refused=services.message(error.code), status=_status(error.code))
        return _card_page(shown, process, error=ballots.message(error.code), status=422, opinion_form=opinion_form)
    return redirect(url_for("cards.done", process_id=done.id), 303)


@bp.route("/carte/merci/<id:process_id>")
def done(process_id: int):
    process = db.get_or_404(Process, process_id)
    if not process.published:
        abort(404)
    return render_template("cards/done.html", process=process)


# --- referents and animators ------------------------------------------------------------


def _process_for_cards(process_id: int) -> Process:
    process = db.get_or_404(Process, process_id)
    if not can(current_user, "process.view", process):
        abort(404)
    authorize("card.print", process)
    return process


def _pdf(process: Process, codes: list[str], sheet: CardSheet) -> Response:
    from labo.cards.pdf import sheet_pdf  # fpdf2 and its fonts load only when someone prints

    data = sheet_pdf(process, codes, _link, _address())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="cartes-demarche-{process.id}-feuille-{sheet.id}.pdf"',
        "Cache-Control": "no-store"})


def _print(process: Process, form, meeting=None):
    """Print a sheet from a valid form: the PDF, or the refusal's message (flashed); None then."""
    try:
        sheet, codes = services.print_sheet(current_user, process, form.size.data, utcnow(), _secret(),
                                            meeting=meeting)
        db.session.commit()
    except services.CardError as error:
        db.session.rollback()
        form.size.errors = list(form.size.errors) + [services.message(error.code)]
        return None, _status(error.code)
    return _pdf(db.session.get(Process, process.id), codes, sheet), 200


@bp.route("/demarches/<id:process_id>/cartes", methods=["GET", "POST"])
def sheets(process_id: int):
    """A process's sheets (who printed, how many used), and printing a new one (the PDF)."""
    process = _process_for_cards(process_id)
    form = PrintForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            response, status = _print(process, form)
            if response is not None:
                return response
        else:
            status = 422
    return render_template("cards/sheets.html", process=process, form=form, rows=services.sheets_of(process),
                           takes_cards=services.takes_cards(process), open_stage=stage(process, utcnow()),
                           action_form=ActionForm(formdata=None)), status


@bp.route("/demarches/<id:process_id>/cartes/<id:sheet_id>/annuler", methods=["POST"])
def revoke(process_id: int, sheet_id: int):
    process = db.get_or_404(Process, process_id)
    sheet = db.get_or_404(CardSheet, sheet_id)
    if sheet.process_id != process.id or not can(current_user, "process.view", process):
        abort(404)
    authorize("card.revoke", sheet)
    # Back where the sheet was listed: the process's sheets, or the meeting's for an animator.
    back = (url_for("cards.sheets", process_id=process.id) if can(current_user, "card.print", process)
            else url_for("cards.meeting", meeting_id=sheet.meeting_id) if sheet.meeting_id
            else url_for("processes.detail", process_id=process.id))
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré : envoyez-le à nouveau."), "error")
        return redirect(back, 303)
    try:
        killed = services.revoke_sheet(current_user, sheet, utcnow())
        db.session.commit()
    except services.CardError as error:
        db.session.rollback()
        flash(services.message(error.code), "error")
        return redirect(back, 303)
    flash(ngettext("La feuille est annulée : %(num)d carte non utilisée ne sert plus. Les réponses déjà données "
                   "comptent toujours.",
                   "La feuille est annulée : %(num)d cartes non utilisées ne servent plus. Les réponses déjà données "
                   "comptent toujours.", killed), "success")
    return redirect(back, 303)


def meeting_processes(meeting: Meeting) -> list[Process]:
    """The processes a meeting may print cards for: accepting cards, not closed, and
    linked to the meeting, run by its commune, or by the whole agglomeration."""
    now = utcnow()
    found = db.session.scalars(
        db.select(Process).where(
            Process.accepts_cards.is_(True), Process.closes_at > now,
            (Process.meeting_id == meeting.id) | (Process.commune_id == meeting.commune_id)
            | Process.commune_id.is_(None))
        .order_by(Process.closes_at, Process.id))
    return [p for p in found if services.takes_cards(p) and stage(p, now) in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN)
            and can(current_user, "process.view", p)]


@bp.route("/rencontres/<id:meeting_id>/cartes", methods=["GET", "POST"])
def meeting(meeting_id: int):
    """Print cards to hand out at a meeting: for one of the processes open at its commune."""
    found = db.get_or_404(Meeting, meeting_id)
    authorize("meeting.manage", found)
    choices = meeting_processes(found)
    form = MeetingPrintForm()
    form.demarche.choices = [(p.id, p.title) for p in choices]
    status = 200
    if request.method == "POST":
        chosen = next((p for p in choices if p.id == form.demarche.data), None)
        if form.validate_on_submit() and chosen is not None:
            response, status = _print(chosen, form, meeting=found)
            if response is not None:
                return response
        else:
            if chosen is None:
                form.demarche.errors = [_("Choisissez la démarche des cartes.")]
            status = 422
    return render_template("cards/meeting.html", meeting=found, form=form, processes=choices,
                           rows=services.sheets_of_meeting(found), action_form=ActionForm(formdata=None)), status
