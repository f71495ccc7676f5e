"""Walking diagnostics: the list and each walk's public page (its findings,
where each stands, the answers), the printable report; planning a walk
(referents of the commune, animators); capturing findings on the phone
during the walk (static/js/walk.js queues them offline); sorting them and
sending them on (the commune's referents); entering the answers (the
partner's referent, administrators)."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.core.dates import from_local, to_local
from labo.core.files import send_photo
from labo.core.forms import ActionForm, carry_out, edit_form, show_error
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.uploads import accepts_uploads
from labo.extensions import db, limiter
from labo.permissions import authorize, can
from labo.reminders.services import send_meeting_notices
from labo.territory.services import get_commune, list_communes, list_qpvs
from labo.territory.models import Qpv
from labo.walks import services
from labo.walks.forms import ERROR_MESSAGES, AnswerForm, FindingForm, SortForm, WalkForm
from labo.walks.models import STATUS_CSS, Finding, Status, Walk

bp = Blueprint("walks", __name__, url_prefix="/diagnostics")


@bp.app_context_processor
def _template_helpers() -> dict:
    """For the meeting's page: the walk a meeting of kind 'walk' is."""
    return {"labo_walk_of": services.walk_of}


def get_walk(walk_id: int) -> Walk:
    walk = services.get_walk(walk_id)
    if walk is None:
        abort(404)
    return walk


def get_finding(walk: Walk, finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.walk_id != walk.id:
        abort(404)
    return finding


def _page_data(walk: Walk) -> dict:
    findings = services.public_findings(walk)
    return {"walk": walk, "meeting": walk.meeting, "groups": services.by_category(findings), "count": len(findings),
            "findings": findings, "waiting": services.waiting_findings(walk),
            "duplicates": services.duplicates_of(walk), "geo": services.geo_uri, "status_css": STATUS_CSS,
            "answered": sum(1 for f in findings if f.answered_at is not None)}


@bp.route("/")
def index():
    return render_template("walks/index.html", to_come=services.walks_to_come(), done=services.walks_done(),
                           planner=can(current_user, "walk.plan"))


@bp.route("/<id:walk_id>")
def detail(walk_id: int):
    walk = get_walk(walk_id)
    return render_template("walks/detail.html", **_page_data(walk),
                           capturer=can(current_user, "walk.capture", walk),
                           manager=can(current_user, "walk.manage", walk),
                           sorter=can(current_user, "walk.sort", walk))


@bp.route("/<id:walk_id>/rapport")
def report(walk_id: int):
    """The walk's report, for print (A4): its findings by category with their photos, who answers what."""
    walk = get_walk(walk_id)
    return render_template("walks/report.html", **_page_data(walk))


@bp.route("/photos/<key>")
def photo(key: str):
    finding = db.session.scalar(db.select(Finding).where(Finding.photo_key == key))
    if finding is None:
        abort(404)
    if not finding.is_public and not can(current_user, "walk.sort", finding.walk):
        abort(404)
    width = request.args.get("w", type=int)
    return send_photo(finding.photo_key, finding.photo_content_type, private=not finding.is_public,
                      width=width if width in (480, 960) else None)


# --- planning -------------------------------------------------------------------


def _qpv_choices() -> list[tuple[str, str]]:
    return [("", _("— Aucun —"))] + [
        (str(q.id), f"{q.name} ({', '.join(c.name for c in q.communes)})") for q in list_qpvs() if q.in_contract]


def _chosen_place(form: WalkForm):
    """The commune and QPV the form names (None when blank or not a number); a QPV that does not exist is refused."""
    def number(value):
        return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None

    qpv = None
    if form.qpv.data:
        qpv = db.session.get(Qpv, number(form.qpv.data)) if number(form.qpv.data) else None
        if qpv is None:
            raise services.WalkError("qpv-unknown", "qpv")
    return get_commune(number(form.commune.data)), qpv


def _walk_fields(form: WalkForm) -> dict:
    commune, qpv = _chosen_place(form)
    return dict(title=form.title.data or "", starts_at=from_local(form.starts_at.data),
                ends_at=from_local(form.ends_at.data), commune=commune, qpv=qpv,
                meeting_point=form.meeting_point.data or "", route=form.route.data or "",
                invites_residents=form.invites_residents.data, invites_landlord=form.invites_landlord.data,
                invites_services=form.invites_services.data, step_free=form.step_free.data)


def _walk_choices(form: WalkForm, keep=None) -> None:
    form.commune.choices = [("", _("Choisir…"))] + [(str(c.id), c.name) for c in list_communes()
                                                    if can(current_user, "walk.plan", c) or c == keep]
    form.qpv.choices = _qpv_choices()


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def plan():
    authorize("walk.plan")
    form = WalkForm()
    _walk_choices(form)
    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        else:
            done = carry_out(lambda: services.plan_walk(current_user, **_walk_fields(form)), form, ERROR_MESSAGES,
                             _("Le diagnostic en marchant est prévu. Il est dans le programme des rencontres."))
            if done:
                return redirect(url_for("walks.detail", walk_id=done.value.id))
    return render_template("walks/plan.html", form=form, walk=None), (422 if request.method == "POST" else 200)


@bp.route("/<id:walk_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(walk_id: int):
    """Its date, place, route and guests; a new date, time or place is told to the people registered."""
    walk = get_walk(walk_id)
    authorize("walk.manage", walk)
    meeting = walk.meeting
    if request.method == "POST":
        form = WalkForm()
    else:
        form = edit_form(WalkForm, walk, title=meeting.title, starts_at=to_local(meeting.starts_at),
                         ends_at=to_local(meeting.ends_at), commune=str(meeting.commune_id),
                         qpv=str(walk.qpv_id or ""), step_free=meeting.step_free)
    _walk_choices(form, keep=meeting.commune)
    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        elif carry_out(lambda: services.update_walk(current_user, walk, **_walk_fields(form)), form, ERROR_MESSAGES,
                       _("Le diagnostic en marchant est modifié.")):
            send_meeting_notices(current_app.config, meeting.id)  # a new date, time or place
            return redirect(url_for("walks.detail", walk_id=walk.id))
    return render_template("walks/plan.html", form=form, walk=walk), (422 if request.method == "POST" else 200)


# --- capturing, during the walk -------------------------------------------------------


def _wants_json() -> bool:
    """The capture page's script asks for JSON; a plain form gets a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _capture_page(walk: Walk, form: FindingForm, status: int = 200):
    mine = [f for f in walk.findings if f.author_id == current_user.id]
    return render_template("walks/capture.html", walk=walk, meeting=walk.meeting, form=form, mine=mine,
                           status_css=STATUS_CSS), status


@bp.route("/<id:walk_id>/constater", methods=["GET", "POST"])
@accepts_uploads()
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def capture(walk_id: int):
    """A finding: the page's form posts it as it is (no JavaScript), or the
    page's script sends it from its queue, perhaps long after, with the key
    it made: the same key twice gives the first finding back (200, not 201)."""
    walk = get_walk(walk_id)
    authorize("walk.capture", walk)
    if request.method == "GET":  # the plain form's key, drawn with the page: sent twice, one finding
        return _capture_page(walk, FindingForm(formdata=None, data={"client_key": secrets.token_urlsafe(18)}))
    form = FindingForm()
    if not form.validate_on_submit():
        if _wants_json():
            if form.errors.keys() == {"csrf_token"} or not form.errors:
                abort(400)  # the page's token expired: the script fetches a fresh one and sends again
            return jsonify(error=" ".join(str(m) for messages in form.errors.values() for m in messages)), 422
        if not form.errors:
            abort(400)
        return _capture_page(walk, form, 422)
    upload = form.photo.data
    stream = upload.stream if upload is not None and getattr(upload, "filename", "") else None
    try:
        finding, created = services.add_finding(
            current_app.config, current_user, walk, category=form.category.data or "", text=form.text.data or "",
            street=form.street.data or "", latitude=form.latitude.data, longitude=form.longitude.data,
            photo=stream, client_key=form.client_key.data or None)
    except services.WalkError as error:
        db.session.rollback()
        status = 413 if error.code == "photo-too-big" else 422
        if _wants_json():
            return jsonify(error=str(ERROR_MESSAGES.get(error.code, error.code))), status
        show_error(form, error, ERROR_MESSAGES)
        return _capture_page(walk, form, status)
    db.session.commit()
    if _wants_json():
        return jsonify(id=finding.id, client_key=finding.client_key, text=finding.text,
                       category=finding.category_enum.label, created=created), (201 if created else 200)
    flash(_("Merci ! Votre constat est enregistré."), "success")
    return redirect(url_for("walks.capture", walk_id=walk.id))


# --- sorting, after the walk ------------------------------------------------------------


def _sort_form(walk: Walk, finding: Finding, partners, formdata=True) -> SortForm:
    kwargs = {} if formdata else {"formdata": None}
    form = SortForm(prefix=f"c{finding.id}", obj=None, data={
        "category": finding.category, "partner": finding.partner.slug if finding.partner else "",
        "service_name": finding.service_name, "duplicate_of": ""}, **kwargs)
    form.partner.choices = [("", _("— Aucun —"))] + [(p.slug, p.name) for p in partners]
    form.duplicate_of.choices = [("", _("— Aucun —"))] + [
        (str(f.id), f"{f.text[:60]} ({f.category_enum.label})") for f in walk.findings
        if f.id != finding.id and f.status not in (Status.MERGED.value, Status.REJECTED.value)]
    return form


def _sort_page(walk: Walk, forms: dict | None = None, status: int = 200):
    partners = services.partners()
    forms = dict(forms or {})
    for f in walk.findings:
        forms.setdefault(f.id, _sort_form(walk, f, partners, formdata=False))
    return render_template("walks/sort.html", walk=walk, meeting=walk.meeting, forms=forms, status_css=STATUS_CSS,
                           duplicates=services.duplicates_of(walk), geo=services.geo_uri), status


@bp.route("/<id:walk_id>/tri")
@login_required
def sort(walk_id: int):
    walk = get_walk(walk_id)
    authorize("walk.sort", walk)
    return _sort_page(walk)


@bp.route("/<id:walk_id>/constats/<id:finding_id>/tri", methods=["POST"])
@login_required
def sort_finding(walk_id: int, finding_id: int):
    walk = get_walk(walk_id)
    authorize("walk.sort", walk)
    finding = get_finding(walk, finding_id)
    partners = services.partners()
    form = _sort_form(walk, finding, partners)
    action = request.form.get("action", "")
    if not form.validate_on_submit():
        if not form.errors:
            abort(400)
        return _sort_page(walk, {finding.id: form}, 422)
    partner = next((p for p in partners if p.slug == form.partner.data), None) if form.partner.data else None
    duplicate = next((f for f in walk.findings if str(f.id) == form.duplicate_of.data), None) \
        if form.duplicate_of.data else None
    if form.partner.data and partner is None:
        show_error(form, services.WalkError("partner-unknown", "partner"), ERROR_MESSAGES)
        return _sort_page(walk, {finding.id: form}, 422)
    messages = {"send": _("Le constat est transmis."), "reject": _("Le constat est écarté."),
                "merge": _("Le constat est regroupé avec l'autre."), "save": _("La catégorie est enregistrée.")}
    if carry_out(lambda: services.sort_finding(current_user, finding, action=action, category=form.category.data,
                                               partner=partner, service_name=form.service_name.data or "",
                                               duplicate_of=duplicate),
                 form, ERROR_MESSAGES, messages.get(action)):
        return redirect(url_for("walks.sort", walk_id=walk.id) + f"#c{finding.id}")
    db.session.refresh(finding)
    return _sort_page(walk, {finding.id: form}, 422)


# --- the answer -----------------------------------------------------------------------------


@bp.route("/<id:walk_id>/constats/<id:finding_id>/reponse", methods=["GET", "POST"])
@login_required
def answer(walk_id: int, finding_id: int):
    walk = get_walk(walk_id)
    finding = get_finding(walk, finding_id)
    authorize("walk.answer", finding)
    if request.method == "POST":
        form = AnswerForm()
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        elif carry_out(lambda: services.answer_finding(current_user, finding, status=form.status.data,
                                                       answer=form.answer.data or ""),
                       form, ERROR_MESSAGES, _("La réponse est enregistrée et publiée avec le constat.")):
            return redirect(url_for("walks.detail", walk_id=walk.id) + f"#c{finding.id}")
    else:
        form = edit_form(AnswerForm, finding, status=finding.status if finding.answered_at else "answered")
    return render_template("walks/answer.html", walk=walk, finding=finding, form=form, geo=services.geo_uri), \
        (422 if request.method == "POST" else 200)


# --- one's own answers to give ----------------------------------------------------------------


def answerable(user) -> list[Finding]:
    rows = db.session.scalars(db.select(Finding).where(Finding.sent_at.is_not(None)).order_by(Finding.sent_at.desc())
                              .limit(500))
    return [f for f in rows if can(user, "walk.answer", f)]


@bp.route("/a-repondre")
@login_required
def to_answer():
    """The findings sent to a body this person answers for (a partner's referent, administrators)."""
    return render_template("walks/to_answer.html", findings=answerable(current_user), status_css=STATUS_CSS,
                           action_form=ActionForm(formdata=None))
