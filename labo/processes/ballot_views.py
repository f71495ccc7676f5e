"""Pages of the ballots: voting (the form is a partial of the process's
page), paper and workshop tallies, results and the codécision's decision."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.core.db import utcnow
from labo.core.files import send_photo
from labo.core.forms import ActionForm, carry_out
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.photos import content_type_of
from labo.core.uploads import accepts_uploads
from labo.extensions import db, limiter
from labo.permissions import authorize, can
from labo.processes import ballots, eligibility
from labo.processes.ballot_forms import TallyForm
from labo.processes.counting import GRADES
from labo.processes.models import Channel, Method, Process, STANCE_LABELS, Stance, Tally
from labo.processes.eligibility import ProcessError, Stage
from labo.processes.views import _detail_context
from labo.territory.services import list_communes

bp = Blueprint("ballots", __name__, url_prefix="/demarches")

REFUSAL_STATUS = {"login": 401, "territory": 403, "verified": 403, "draft": 404}
CONFLICTS = {"not_open_yet", "closed", "already", "already-secret", "result-published", "not-closed", "tally-closed",
             "tally-frozen",
             "no-ballots", "not-codecision", "not-a-ballot", "no-tally"}


def get_process(process_id: int) -> Process:
    process = db.get_or_404(Process, process_id)
    if not can(current_user, "process.view", process):
        abort(404)
    return process


def _status(code: str) -> int:
    if code == "photo-too-big":
        return 413
    if code in REFUSAL_STATUS:
        return REFUSAL_STATUS[code]
    return 409 if code in CONFLICTS else 422


def _process_page(process: Process):
    """Where a ballot is cast: the process's page."""
    return url_for("processes.detail", process_id=process.id) + "#vote"


# --- the voting form ---------------------------------------------------------


def _submitted_choices(process: Process):
    """The ballot as the form sent it: option ids, or {option id: grade}."""
    form = request.form
    if process.method_enum is Method.MAJORITY_JUDGMENT:
        return {key[len("grade-"):]: value for key, value in form.items() if key.startswith("grade-")}
    if process.method_enum is Method.SINGLE:
        return [form["option"]] if form.get("option") else []
    return form.getlist("options")


_LOOK_UP = object()
CONFIRM_BLANKS = "confirm"  # the value of the form's "blank" button: ungraded options count as "à rejeter"


def _blanks_confirmed() -> bool:
    return request.form.get("blank") == CONFIRM_BLANKS


@bp.app_template_global()
def ballot_context(process: Process, mine=_LOOK_UP) -> dict:
    """What templates/processes/_ballot.html shows for the current visitor:
    whether they may vote, what they chose (an open ballot, or the form just
    sent back with an error), and the rule about changing one's vote. `mine`:
    the visitor's participation when the page has already looked it up."""
    now = utcnow()
    refusal = eligibility.refusal(process, current_user, now)
    if mine is _LOOK_UP:
        mine = eligibility.participation_of(process, current_user)
    chosen: dict[str, str] = {}
    blank = []  # majority judgment sent back: the options left without a grade, to ask about
    if request.method == "POST" and request.endpoint == "ballots.vote":
        sent = _submitted_choices(process)
        chosen = {str(k): v for k, v in sent.items()} if isinstance(sent, dict) else {str(v): "1" for v in sent}
        if not _blanks_confirmed():
            blank = ballots.ungraded_options(process, sent)
    else:
        ballot = ballots.ballot_of(process, current_user) if mine is not None else None
        if ballot is not None:
            chosen = {str(c.option_id): c.grade or "1" for c in ballot.choices}
    voted = mine is not None
    can_vote = refusal is None and not (voted and process.secret)
    return {
        "method": process.method_enum.value,
        "options": process.options,
        "grades": [(g, ballots.grade_label(g)) for g in GRADES],
        "chosen": chosen,
        "blank": blank,
        "confirm_blanks": CONFIRM_BLANKS,
        "voted": voted,
        "can_vote": can_vote,
        "refusal": ballots.message(refusal) if refusal and refusal != "login" else None,
        "login": refusal == "login",
        "open": eligibility.stage(process, now) is Stage.OPEN,
        "secret": process.secret,
        "max_choices": process.max_choices or len(process.options),
        "results_url": url_for("ballots.results", process_id=process.id),
    }


@bp.route("/<id:process_id>/vote", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person)
def vote(process_id: int):
    process = get_process(process_id)
    authorize("ballot.vote", process)
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré : envoyez-le à nouveau."), "error")
        return redirect(_process_page(process), 303)
    try:
        ballots.cast_ballot(process, current_user, _submitted_choices(process), utcnow(),
                            ask_about_blanks=not _blanks_confirmed())
        db.session.commit()
    except ballots.BlankGrades as question:
        # Nothing is written: the ballot comes back with its grades and the question (see _ballot.html).
        db.session.rollback()
        return _refused(process, question.code)
    except ProcessError as error:
        db.session.rollback()
        return _refused(process, error.code)
    if process.secret:
        flash(_("Votre vote est enregistré. Il est secret : personne ne peut savoir ce que vous avez choisi."), "success")
    else:
        flash(_("Votre vote est enregistré. Vous pouvez le modifier jusqu'à la clôture."), "success")
    return redirect(_process_page(process), 303)


def _refused(process: Process, code: str):
    """The process's page again, with the reason and a 4xx."""
    flash(ballots.message(code), "error")
    try:
        return render_template("processes/detail.html", **_detail_context(process)), _status(code)
    except ImportError:  # pragma: no cover - the processes' pages are part of the app
        return redirect(_process_page(process), 303)


# --- results -------------------------------------------------------------------


def _results_page(process: Process, *, status: int = 200):
    now = utcnow()
    res = ballots.results(process, now)
    manager = can(current_user, "process.manage", process)
    current = eligibility.stage(process, now)
    frozen = ballots.frozen_result(process)
    can_publish = (can(current_user, "ballot.publish", process) and process.level == "codecision"
                   and process.method_enum.is_ballot and frozen is None
                   and current not in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN))
    tallies = ballots.tallies_of(process) if ballots.counted_in_tallies(process) else []
    return render_template(
        "processes/results.html", process=process, res=res, stage=current, frozen=frozen, can_publish=can_publish,
        manager=manager, tallies=tallies, can_tally=can(current_user, "tally.enter", process)
        and ballots.counted_in_tallies(process) and frozen is None and current not in (Stage.DRAFT, Stage.UPCOMING),
        grade_label=ballots.grade_label, grades=GRADES, stance_labels={s.value: s.label for s in Stance},
        action_form=ActionForm(formdata=None), suppressed=ballots.SUPPRESSED,
        channel_label=lambda c: Channel(c).label if c != "all" else _("Tous canaux"),
        process_url=url_for("processes.detail", process_id=process.id),
    ), status


@bp.route("/<id:process_id>/resultats")
def results(process_id: int):
    process = get_process(process_id)
    if not ballots.counted_in_tallies(process):
        abort(404)  # questions and proposals have their answers on the process's page
    return _results_page(process)


@bp.route("/<id:process_id>/resultats/publier", methods=["POST"])
@login_required
def publish(process_id: int):
    process = get_process(process_id)
    authorize("ballot.publish", process)
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré : envoyez-le à nouveau."), "error")
        return redirect(url_for("ballots.results", process_id=process.id), 303)
    try:
        ballots.publish_result(process, current_user, utcnow())
        db.session.commit()
    except ProcessError as error:
        db.session.rollback()
        flash(ballots.message(error.code), "error")
        return _results_page(process, status=_status(error.code))
    flash(_("Le résultat est publié : c'est la décision."), "success")
    return redirect(url_for("ballots.results", process_id=process.id), 303)


# --- paper and workshop tallies -----------------------------------------------


def _tally_counts(process: Process) -> dict:
    """The sheet's counts as typed in the page's number inputs (empty is 0)."""
    form = request.form
    method = process.method_enum
    if method is Method.OPINIONS:
        return {s.value: form.get(f"stance-{s.value}", "") for s in Stance}
    if method is Method.MAJORITY_JUDGMENT:
        return {o.id: {g: form.get(f"grade-{o.id}-{g}", "") for g in GRADES} for o in process.options}
    return {o.id: form.get(f"count-{o.id}", "") for o in process.options}


def _tally_page(process: Process, form: TallyForm, *, status: int = 200):
    return render_template("processes/tally.html", process=process, form=form,
                           values=request.form if request.method == "POST" else {},
                           grades=[(g, ballots.grade_label(g)) for g in GRADES],
                           stances=[(s.value, STANCE_LABELS[s]) for s in Stance]), status


@bp.route("/<id:process_id>/depouillement", methods=["GET", "POST"])
@accepts_uploads()
@login_required
def tally(process_id: int):
    process = get_process(process_id)
    authorize("tally.enter", process)
    if not ballots.counted_in_tallies(process):
        abort(404)
    form = TallyForm()
    communes = list_communes()
    form.commune.choices = [("", _("Sans commune précise"))] + [(c.slug, c.name) for c in communes]
    if request.method == "GET":
        form.commune.data = process.commune.slug if process.commune else ""
        form.held_on.data = utcnow().date()
    if not form.validate_on_submit():
        return _tally_page(process, form, status=422 if request.method == "POST" else 200)
    commune = next((c for c in communes if c.slug == form.commune.data), None)
    upload = form.photo.data
    has_photo = upload is not None and getattr(upload, "filename", "")
    try:
        ballots.add_tally(process, current_user, channel=form.channel.data, place=form.place.data,
                          held_on=form.held_on.data, participants=form.participants.data, commune=commune,
                          counts=_tally_counts(process), now=utcnow(),
                          photo=upload.stream if has_photo else None,
                          upload_dir=current_app.config["LABO_UPLOAD_DIR"])
        db.session.commit()
    except ProcessError as error:
        db.session.rollback()
        message = ballots.message(error.code)
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")
        return _tally_page(process, form, status=_status(error.code))
    flash(_("La feuille de dépouillement est enregistrée."), "success")
    return redirect(url_for("ballots.results", process_id=process.id) + "#feuilles", 303)


@bp.route("/<id:process_id>/depouillement/<id:tally_id>/retirer", methods=["GET", "POST"])
@login_required
def delete_tally(process_id: int, tally_id: int):
    """Remove a sheet typed wrong, after a confirmation page (no JavaScript needed)."""
    process = get_process(process_id)
    authorize("tally.enter", process)
    sheet = db.session.get(Tally, tally_id)
    if sheet is None or sheet.process_id != process.id:
        abort(404)
    form = ActionForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("processes/tally_delete.html", process=process, sheet=sheet, form=form,
                               channel_label=lambda c: Channel(c).label), (400 if request.method == "POST" else 200)
    upload_dir = current_app.config["LABO_UPLOAD_DIR"]
    carry_out(lambda: ballots.delete_tally(process, current_user, sheet, upload_dir=upload_dir),
              None, ballots.MESSAGES, _("La feuille de dépouillement est retirée des résultats."))
    return redirect(url_for("ballots.results", process_id=process.id) + "#feuilles", 303)


@bp.route("/<id:process_id>/depouillement/<id:tally_id>/photo")
@login_required
def tally_photo(process_id: int, tally_id: int):
    process = get_process(process_id)
    authorize("tally.photo", process)
    sheet = db.session.get(Tally, tally_id)
    if sheet is None or sheet.process_id != process.id or not sheet.photo_key:
        abort(404)
    return send_photo(sheet.photo_key, content_type_of(sheet.photo_key), private=True)
