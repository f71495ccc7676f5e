"""Pages of the "pot commun": list, post, read, support, comment, follow,
report; the referents' moderation queue; the decider's answer; photos."""
from __future__ import annotations

import re
import time
from typing import Optional

from itsdangerous import BadData, URLSafeTimedSerializer
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from labo.contributions import services
from labo.contributions.forms import (
    ActionForm,
    AnswerForm,
    CommentForm,
    ContributionForm,
    ERROR_MESSAGES,
    ContributionFilterForm,
    GuestContributionForm,
    HideForm,
    MergeForm,
    ReportForm,
    RewordForm,
)
from labo.contributions.models import Comment, Contribution, KIND_LABELS, Photo, STATUS_LABELS, Visibility
from labo.core.dates import local
from labo.core.db import utcnow
from labo.core.files import send_photo
from labo.core.forms import carry_out, show_error
from labo.core.grammar import noun
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.pagination import paginate
from labo.core.photos import WIDTHS, delete_photo
from labo.core.sanitize import rich_text_as_typed
from labo.core.uploads import accepts_uploads
from labo.core.urls import page_number
from labo.extensions import db, limiter
from labo.fiches import services as fiche_services
from labo.fund import services as fund_services
from labo.meetings.models import Meeting
from labo.permissions import authorize, can, require
from labo.territory.models import Qpv
from labo.territory.services import commune_options, get_commune, qpv_options, resolve_theme, theme_choices
from labo.workshops import services as workshop_services

bp = Blueprint("contributions", __name__, url_prefix="/idees")
moderation_bp = Blueprint("moderation", __name__, url_prefix="/moderation")


def get_contribution(contribution_id: int) -> Contribution:
    # What its page shows comes in the same statement.
    return db.get_or_404(Contribution, contribution_id, options=services.page_options())


def qpv_choices(empty: str, by: str = "id") -> list[tuple[str, str]]:
    return [("", empty)] + qpv_options(by)


# --- reading -------------------------------------------------------------


@bp.route("/")
def index():
    form = ContributionFilterForm(request.args)
    form.commune.choices = [("", _("Toutes"))] + commune_options("slug")
    form.qpv.choices = qpv_choices(_("Tous"), by="slug")
    form.theme.choices = theme_choices(_("Tous"))
    form.kind.choices = [("", _("Tous"))] + [(k.value, label) for k, label in KIND_LABELS.items()]
    form.status.choices = [("", _("Tous"))] + [(s.value, label) for s, label in STATUS_LABELS.items()]
    valid = {name: (getattr(form, name).data or None) for name in ("commune", "qpv", "theme", "kind", "status")}
    for name, value in list(valid.items()):
        if value and value not in {c[0] for c in getattr(form, name).choices}:
            valid[name] = None  # an unknown filter value filters nothing
    filters = services.ContributionFilters(q=(form.q.data or "").strip()[:100] or None, **valid)
    page = paginate(services.published_query(filters), Contribution.id, count_key=filters.key(),
                    page=page_number(), per_page=current_app.config["LABO_PER_PAGE"],
                    max_per_page=50, load=services.cards)
    counts = {c.id: c.supports for c in page.items}
    return render_template("contributions/index.html", form=form, page=page, supports_by_id=counts, filters=filters.active())


@bp.route("/<id:contribution_id>")
def detail(contribution_id: int):
    found = services.contribution_for_page(contribution_id, current_user, *_ALSO_ON_THE_PAGE)
    if found is None:
        abort(404)
    contribution, state = found
    if contribution.is_merged and contribution.merged_into_id and not can(current_user, "contribution.moderate", contribution):
        flash(_("Cette contribution a été regroupée avec celle-ci, qui disait la même chose."), "info")
        return redirect(url_for("contributions.detail", contribution_id=contribution.merged_into_id))
    if not can(current_user, "contribution.view", contribution):
        abort(404)
    return _render_detail(contribution, state=state)


def _cited_by_fiches(contribution_id):
    return fiche_services.has_linked_fiches("contribution", contribution_id)


# read with the supports (services.reader_state): is there a comment, which board it came from, a fiche citing it
_ALSO_ON_THE_PAGE = (services.has_visible_comments, workshop_services.origin_board_id, _cited_by_fiches)


def _render_detail(contribution: Contribution, status: int = 200, state: Optional[tuple] = None, **forms):
    """An idea's page. A form is built only for a reader who may use it (the
    template shows each one only when it is given); what is usually absent
    (comments, the fiches that cite it, the workshop it came from) is asked
    in the statement that counts its supports (`state`, read with the
    contribution itself by `detail`), and read only when there is some."""
    moderator = can(current_user, "contribution.moderate", contribution)
    supports, supported, following, has_comments, origin_id, has_fiches = state or services.reader_state(
        current_user, contribution, *_ALSO_ON_THE_PAGE)
    comment_form = report_form = hide_form = merge_form = answer_form = None
    if can(current_user, "contribution.comment", contribution):
        comment_form = forms.get("comment_form") or CommentForm(formdata=None)
    if not moderator and can(current_user, "contribution.report", contribution):
        report_form = forms.get("report_form") or ReportForm(formdata=None)
    if moderator:
        if not contribution.is_hidden:
            hide_form = forms.get("hide_form") or HideForm(formdata=None)
        if contribution.is_published:
            merge_form = forms.get("merge_form") or MergeForm(formdata=None)
            merge_form.target.choices = [("", "—")] + [
                (str(c.id), f"#{c.id} {c.title}") for c in services.merge_candidates(contribution)
            ]
        answer_form = forms.get("answer_form") or AnswerForm(formdata=None, data={
            "status": contribution.status, "answer": rich_text_as_typed(contribution.answer)})
    return render_template(
        "contributions/detail.html",
        contribution=contribution,
        supports=supports,
        supported=supported,
        following=following,
        comments=services.visible_comments(contribution) if has_comments else [],
        origin=workshop_services.board_by_id(origin_id),
        toolbox=fiche_services.linked_fiches("contribution", contribution.id) if has_fiches else [],
        comment_form=comment_form,
        report_form=report_form,
        hide_form=hide_form,
        merge_form=merge_form,
        answer_form=answer_form,
        moderator=moderator,
        revisions=services.revisions_of(contribution) if moderator else [],
        fund_rounds=fund_services.rounds_for_initiative(contribution, local(utcnow()).date())
        if can(current_user, "fund.from_initiative", contribution) else [],
    ), status


@bp.route("/photos/<key>")
def photo(key: str):
    """The photo; ?w=480, 960 or 1600: a copy that wide, for small screens
    (any other width: the photo as stored)."""
    entry = db.session.scalar(select(Photo).where(Photo.key == key))
    if entry is None or not (can(current_user, "contribution.view", entry.contribution)
                             or _posted_from_this_device(entry.contribution)):
        abort(404)
    asked = request.args.get("w", "")
    width = int(asked) if asked.isdigit() and len(asked) <= 4 and int(asked) in WIDTHS else None
    return send_photo(entry.key, entry.content_type, private=not entry.contribution.is_published, width=width)


# --- posting -------------------------------------------------------------


def _meeting_from_args():
    """?rencontre=<id>: the contribution was born at that meeting."""
    value = request.args.get("rencontre", "")
    return db.session.get(Meeting, int(value)) if re.fullmatch(r"[0-9]{1,9}", value) else None


GUEST_COOKIE = "labo_idees"  # the private links of what this device posted without an account
GUEST_COOKIE_MAX = 20
GUEST_COOKIE_DAYS = 365


def guest_limit() -> str:
    return current_app.config["LABO_GUEST_POST_RATE_LIMIT"]


def per_address() -> str:
    return "guest:" + (request.remote_addr or "?")


def _is_member() -> bool:
    return bool(current_user.is_authenticated)


def device_tokens() -> list[str]:
    value = request.cookies.get(GUEST_COOKIE, "")
    return [t for t in value.split(".") if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", t)][:GUEST_COOKIE_MAX]


def device_contributions() -> list[tuple[str, Contribution]]:
    """What this device posted without an account and still exists."""
    tokens = device_tokens()
    return services.contributions_for_tokens(tokens) if tokens else []


def _keep_on_device(response, tokens: list[str]):
    secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
    if tokens:
        response.set_cookie(GUEST_COOKIE, ".".join(tokens[:GUEST_COOKIE_MAX]), max_age=GUEST_COOKIE_DAYS * 86400,
                            httponly=True, samesite="Lax", secure=secure, path="/")
    else:
        response.delete_cookie(GUEST_COOKIE, path="/", httponly=True, samesite="Lax", secure=secure)
    return response


def _posted_from_this_device(contribution: Contribution) -> bool:
    """A guest's idea whose private link this device keeps: its guest sees it all."""
    return contribution.guest_key is not None and any(
        services.contribution_key(t) == contribution.guest_key for t in device_tokens())


def _fill_choices(form) -> None:
    form.commune.choices = [("", _("Choisir…"))] + commune_options()
    form.qpv.choices = qpv_choices(_("Je ne sais pas / aucun"))
    form.theme.choices = theme_choices(_("Je ne sais pas"))


def _started_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="labo-guest-form")


def _started_at(form) -> Optional[float]:
    """When the form was first drawn (its signed hidden field), or None."""
    try:
        started = _started_serializer().loads(form.started.data or "", max_age=7 * 86400)
    except BadData:
        return None
    return started if isinstance(started, (int, float)) else None


def _too_fast(form) -> bool:
    """Sent sooner than a person could have read and typed it, or without the
    form's own start time: a robot, or a form sent twice in a hurry."""
    started = _started_at(form)
    return started is None or time.time() - started < current_app.config["LABO_GUEST_MIN_SECONDS"]


def _posted_photo(form):
    upload = form.photo.data
    return upload.stream if upload is not None and getattr(upload, "filename", "") else None


def _theme_and_qpv(form):
    pillar, ambition = resolve_theme(form.theme.data)
    qpv = None
    if form.qpv.data:
        qpv = db.session.get(Qpv, int(form.qpv.data))
    return pillar, ambition, qpv


@bp.route("/nouvelle", methods=["GET", "POST"])
@accepts_uploads()
@limiter.limit(write_limit, key_func=per_person, methods=["POST"], exempt_when=lambda: not _is_member())
@limiter.limit(guest_limit, key_func=per_address, methods=["POST"], exempt_when=_is_member)
def new():
    """Post an idea: with an account, or without one (a name, the commune, the
    text), in which case it waits for the commune's referents."""
    if not current_user.is_authenticated:
        return _new_as_guest()
    authorize("contribution.create")
    form = ContributionForm()
    _fill_choices(form)
    on_behalf = can(current_user, "contribution.create_on_behalf")
    home = current_user.home_commune
    if request.method == "GET" and home is not None:
        form.commune.data = str(home.id)  # pre-filled from the profile
        if len(home.qpvs) == 1:
            form.qpv.data = str(home.qpvs[0].id)
    too_big = False
    if form.validate_on_submit():
        pillar, ambition, qpv = _theme_and_qpv(form)
        photo = _posted_photo(form)
        try:
            contribution = services.create_contribution(
                current_app.config, current_user,
                kind=form.kind.data, title=form.title.data or "", body=form.body.data,
                commune=get_commune(form.commune.data), qpv=qpv, pillar=pillar, ambition=ambition,
                photo=photo, photo_alt=form.photo_alt.data or "",
                on_behalf_of=(form.on_behalf_of.data if on_behalf else None),
                meeting=_meeting_from_args(),
            )
        except services.ContributionError as error:
            db.session.rollback()
            show_error(form, error, ERROR_MESSAGES)
            too_big = error.code == "photo-too-big"
        else:
            db.session.commit()
            if contribution.visibility == Visibility.PENDING.value:
                flash(_("Merci ! Votre idée sera visible dès qu'une personne référente de la commune l'aura relue."), "success")
            else:
                flash(_("Merci ! Votre idée est publiée."), "success")
            return redirect(url_for("contributions.detail", contribution_id=contribution.id, envoye=1))
    return render_template("contributions/new.html", form=form, on_behalf=on_behalf, guest=False), \
        (413 if too_big else 422 if form.errors else 200)


def _new_as_guest():
    authorize("contribution.create_as_guest")
    form = GuestContributionForm()
    _fill_choices(form)
    too_big = False
    if form.validate_on_submit():
        if form.website.data:
            # Only a robot fills in the field nobody sees: no idea, and no hint why.
            form.body.errors = [_("Votre idée n'a pas pu être envoyée. Réessayez dans un moment.")]
        elif _too_fast(form):
            form.body.errors = [ERROR_MESSAGES["too-fast"]]
        else:
            pillar, ambition, qpv = _theme_and_qpv(form)
            try:
                contribution, token = services.create_guest_contribution(
                    current_app.config, name=form.name.data, contact=form.contact.data or "",
                    kind=form.kind.data, title=form.title.data or "", body=form.body.data,
                    commune=get_commune(form.commune.data), qpv=qpv, pillar=pillar, ambition=ambition,
                    photo=_posted_photo(form), photo_alt=form.photo_alt.data or "",
                )
            except services.ContributionError as error:
                db.session.rollback()
                show_error(form, error, ERROR_MESSAGES)
                too_big = error.code == "photo-too-big"
            else:
                db.session.commit()
                flash(_("Merci, %(name)s ! Votre idée est bien arrivée. Une personne référente de %(commune)s la relit, "
                        "puis elle sera visible de tous.", name=contribution.guest_name, commune=noun(contribution.commune.name)),
                      "success")
                response = redirect(url_for("contributions.mine", token=token, envoye=1))
                return _keep_on_device(response, [token] + [t for t in device_tokens() if t != token])
    # The time counts from when the form was first drawn: sent back with a
    # mistake, it keeps its start (a person who corrects it at once is not refused).
    if _started_at(form) is None:
        form.started.data = _started_serializer().dumps(time.time())
    return render_template("contributions/new.html", form=form, on_behalf=False, guest=True,
                           sent=device_contributions()), (413 if too_big else 422 if form.errors else 200)


# --- what its author does with it -----------------------------------------


def _guest_contribution(token: str) -> Contribution:
    contribution = services.contribution_for_token(token)
    if contribution is None:
        abort(404)
    return contribution


def _render_mine(contribution: Contribution, token: Optional[str], form=None, status: int = 200):
    form = form or RewordForm(formdata=None, data={"title": contribution.title,
                                                   "body": rich_text_as_typed(contribution.body)})
    response = current_app.make_response((render_template(
        "contributions/mine.html", contribution=contribution, token=token, form=form,
        action_form=ActionForm(formdata=None)), status))
    # The private link stays out of caches and of other sites' logs.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/mon-idee/<token>")
def mine(token: str):
    """The private page of an idea posted without an account: see it, reword
    it, withdraw it, or attach it to one's account. The device that opens it
    keeps it (and may then see its photo while it waits for a referent)."""
    response = _render_mine(_guest_contribution(token), token)
    tokens = device_tokens()
    return response if token in tokens else _keep_on_device(response, [token] + tokens)


@bp.route("/<id:contribution_id>/modifier", methods=["GET", "POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def reword(contribution_id: int):
    return _reword(_participate(contribution_id, "contribution.reword"), None)


@bp.route("/mon-idee/<token>/modifier", methods=["POST"])
@limiter.limit(guest_limit, key_func=per_address)
def reword_as_guest(token: str):
    return _reword(_guest_contribution(token), token)


def _back_to_author(contribution: Contribution, token: Optional[str]):
    """Back to where its author edits it: the private link, or its page."""
    return redirect(url_for("contributions.mine", token=token) if token
                    else url_for("contributions.detail", contribution_id=contribution.id))


def _reword(contribution: Contribution, token: Optional[str]):
    form = RewordForm()
    if request.method == "POST" and form.validate_on_submit():
        def said(changed: bool) -> str:
            if not changed:
                return _("Rien n'a changé : c'était déjà enregistré ainsi.")
            if contribution.is_pending:
                return _("C'est modifié. Une personne référente de la commune relit la nouvelle version avant qu'elle "
                         "soit visible.")
            return _("C'est modifié.")

        if carry_out(lambda: services.reword(current_app.config, contribution, title=form.title.data or "", body=form.body.data),
                     form, ERROR_MESSAGES, said):
            return _back_to_author(contribution, token)
    elif request.method == "GET":
        form = RewordForm(formdata=None, data={"title": contribution.title,
                                               "body": rich_text_as_typed(contribution.body)})
    return _render_mine(contribution, token, form, 422 if form.errors else 200)


@bp.route("/<id:contribution_id>/retirer", methods=["POST"])
@login_required
def withdraw(contribution_id: int):
    return _withdraw(_participate(contribution_id, "contribution.withdraw"), None)


@bp.route("/mon-idee/<token>/retirer", methods=["POST"])
@limiter.limit(guest_limit, key_func=per_address)
def withdraw_as_guest(token: str):
    return _withdraw(_guest_contribution(token), token)


def _withdraw(contribution: Contribution, token: Optional[str]):
    if not ActionForm().validate_on_submit():
        abort(400)
    withdrawn = carry_out(lambda: services.withdraw(current_app.config, contribution), None, ERROR_MESSAGES,
                          _("Votre idée est retirée : elle n'est plus sur le site."))
    if not withdrawn:
        return _back_to_author(contribution, token)
    if withdrawn.value:  # the key of its photo
        delete_photo(current_app.config["LABO_UPLOAD_DIR"], withdrawn.value)
    response = redirect(url_for("site.home"))
    if token:
        _keep_on_device(response, [t for t in device_tokens() if t != token])
    return response


@bp.route("/mon-idee/<token>/rattacher", methods=["POST"])
@login_required
def claim(token: str):
    """Attach an idea posted without an account to the account signed in."""
    contribution = _guest_contribution(token)
    authorize("contribution.claim", contribution)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not carry_out(lambda: services.attach_to_account(contribution, current_user), None, ERROR_MESSAGES,
                     _("Votre idée est maintenant dans votre compte, signée de votre pseudonyme.")):
        return redirect(url_for("site.home"))
    response = redirect(url_for("contributions.detail", contribution_id=contribution.id))
    return _keep_on_device(response, [t for t in device_tokens() if t != token])


# --- taking part ---------------------------------------------------------


def _participate(contribution_id: int, action: str):
    contribution = get_contribution(contribution_id)
    if not can(current_user, "contribution.view", contribution):
        abort(404)  # what one cannot see does not exist for them
    authorize(action, contribution)
    return contribution


def _back(contribution: Contribution, anchor: str = ""):
    return redirect(url_for("contributions.detail", contribution_id=contribution.id) + anchor)


def _toggle(contribution_id: int, action: str, undo_field: str, do, undo, done: str, undone: str):
    """A yes/no action (support, follow): `undo_field` in the form means "no"."""
    contribution = _participate(contribution_id, action)
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get(undo_field):
        undo(current_user, contribution)
        flash(undone, "success")
    else:
        do(current_user, contribution)
        flash(done, "success")
    db.session.commit()
    return _back(contribution, "#soutien")


@bp.route("/<id:contribution_id>/soutenir", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def support(contribution_id: int):
    return _toggle(contribution_id, "contribution.support", "withdraw", services.support, services.withdraw_support,
                   _("Merci, votre soutien est compté."), _("Vous ne soutenez plus cette contribution."))


@bp.route("/<id:contribution_id>/suivre", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def follow(contribution_id: int):
    return _toggle(contribution_id, "contribution.follow", "stop", services.follow, services.unfollow,
                   _("On vous préviendra des nouvelles de cette contribution."), _("Vous ne suivez plus cette contribution."))


@bp.route("/<id:contribution_id>/commenter", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def comment(contribution_id: int):
    contribution = _participate(contribution_id, "contribution.comment")
    form = CommentForm()
    return _run(contribution, form, lambda: services.add_comment(current_user, contribution, form.body.data),
                _("Votre commentaire est publié."), anchor="#commentaires", comment_form=form)


@bp.route("/<id:contribution_id>/signaler", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def report(contribution_id: int):
    contribution = _participate(contribution_id, "contribution.report")
    form = ReportForm()
    return _run(contribution, form, lambda: services.report(current_user, contribution, form.reason.data),
                _("Merci. Une personne référente de la commune va la relire."), report_form=form)


# --- moderation and answer -----------------------------------------------


def _moderate(contribution_id: int, action: str = "contribution.moderate") -> Contribution:
    contribution = get_contribution(contribution_id)
    authorize(action, contribution)
    return contribution


def _run(contribution: Contribution, form, operation, success: str, anchor: str = "", **forms):
    """Validate `form` and carry out `operation` (carry_out), then go back to
    the contribution; on a refusal, show the page again with the message."""
    # An operation that says False changed nothing: nobody was told anything either.
    if form.validate_on_submit() and carry_out(
            operation, form, ERROR_MESSAGES,
            lambda changed: _("Rien n'a changé : c'était déjà enregistré ainsi.") if changed is False else success):
        return _back(contribution, anchor)
    if not form.errors:
        abort(400)
    return _render_detail(contribution, 422, **forms)


@bp.route("/<id:contribution_id>/masquer", methods=["POST"])
@login_required
def hide(contribution_id: int):
    contribution = _moderate(contribution_id)
    form = HideForm()
    return _run(contribution, form, lambda: services.hide(current_app.config, current_user, contribution, form.reason.data),
                _("La contribution est masquée ; la personne qui l'a écrite voit la raison."), hide_form=form)


@bp.route("/<id:contribution_id>/retablir", methods=["POST"])
@login_required
def restore(contribution_id: int):
    contribution = _moderate(contribution_id)
    return _run(contribution, ActionForm(), lambda: services.restore(current_app.config, current_user, contribution),
                _("La contribution est de nouveau visible."))


@bp.route("/<id:contribution_id>/valider", methods=["POST"])
@login_required
def approve(contribution_id: int):
    contribution = _moderate(contribution_id)
    return _run(contribution, ActionForm(), lambda: services.approve(current_app.config, current_user, contribution),
                _("La contribution est validée et publiée."))


@bp.route("/<id:contribution_id>/classer-signalements", methods=["POST"])
@login_required
def dismiss_reports(contribution_id: int):
    contribution = _moderate(contribution_id)
    return _run(contribution, ActionForm(), lambda: services.dismiss_reports(current_user, contribution),
                _("Les signalements sont classés ; la contribution reste visible."))


@bp.route("/<id:contribution_id>/regrouper", methods=["POST"])
@login_required
def merge(contribution_id: int):
    contribution = _moderate(contribution_id)
    form = MergeForm()
    form.target.choices = [(str(c.id), c.title) for c in services.merge_candidates(contribution)]

    def operation():
        target = get_contribution(int(form.target.data))
        authorize("contribution.moderate", target)
        services.merge(current_app.config, current_user, contribution, target)

    if form.validate_on_submit() and carry_out(operation, form, ERROR_MESSAGES, _("Les deux contributions sont regroupées.")):
        return redirect(url_for("contributions.detail", contribution_id=int(form.target.data)))
    if not form.errors:
        abort(400)
    return _render_detail(contribution, 422, merge_form=form)


@bp.route("/<id:contribution_id>/reponse", methods=["POST"])
@login_required
def answer(contribution_id: int):
    contribution = _moderate(contribution_id, "contribution.answer")
    form = AnswerForm()
    return _run(contribution, form,
                lambda: services.answer(current_app.config, current_user, contribution, form.status.data, form.answer.data or ""),
                _("Le statut et la réponse sont enregistrés ; les personnes qui suivent sont prévenues."), answer_form=form)


@bp.route("/<id:contribution_id>/commentaires/<id:comment_id>/masquer", methods=["POST"])
@login_required
def hide_comment(contribution_id: int, comment_id: int):
    contribution = _moderate(contribution_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.contribution_id != contribution.id:
        abort(404)
    return _run(contribution, ActionForm(), lambda: services.hide_comment(current_user, comment),
                _("Le commentaire est masqué."))


@moderation_bp.route("/")
@login_required
@require("moderation.queue")
def queue():
    return render_template("contributions/queue.html", queue=services.moderation_queue(current_user),
                           action_form=ActionForm(formdata=None))


@moderation_bp.route("/sans-reponse")
@login_required
@require("moderation.queue")
def waiting():
    days = current_app.config["LABO_ANSWER_DAYS"]
    query = services.waiting_for_answer(days, services.moderated_commune_ids(current_user))
    page = db.paginate(query, page=page_number(), per_page=current_app.config["LABO_PER_PAGE"], error_out=False)
    return render_template("contributions/waiting.html", page=page, days=days)
