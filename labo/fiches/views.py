"""Pages of the toolbox: the list with its search and filters, a fiche, its
printable view and its history; proposing and editing a fiche, its photos
and files; the reviewers' queue, publishing and sending back."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labo.core.files import send_attachment, send_photo
from labo.core.forms import carry_out, show_error
from labo.core.i18n import _
from labo.core.levels import LEVEL_LABELS, LEVEL_POWER, Level
from labo.core.limits import per_person, write_limit
from labo.core.uploads import accepts_uploads
from labo.core.urls import page_number
from labo.extensions import db, limiter
from labo.fiches import services
from labo.fiches.forms import (
    ActionForm,
    AttachmentForm,
    ERROR_MESSAGES,
    FicheForm,
    FicheFilterForm,
    PhotoForm,
    SendBackForm,
)
from labo.fiches.models import Fiche, FicheAttachment, FichePhoto, FicheStatus, KIND_LABELS
from labo.meetings.models import Meeting
from labo.permissions import authorize, can, require, wrote_fiche
from labo.territory.models import Commune, Qpv
from labo.territory.services import list_communes, list_qpvs, resolve_theme, theme_choices

bp = Blueprint("fiches", __name__, url_prefix="/boite-a-outils")

def change_labels(summary: str) -> str:
    labels = {
        "kind": _("type"), "title": _("titre"), "public": _("public touché"), "level": _("niveau de participation"),
        "method": _("comment on a fait"), "what_worked": _("ce qui a marché"), "difficulties": _("les difficultés"),
        "resources": _("ce qu'il faut prévoir"), "contact": _("contact"), "communes": _("communes"),
        "qpvs": _("quartiers"), "theme": _("thème"), "meetings": _("rencontres liées"),
        "contributions": _("idées liées"), "photos": _("photos"), "attachments": _("fichiers"),
        "published": _("publication"),
    }
    return ", ".join(labels.get(key, key) for key in summary.split(",") if key)


def get_fiche(fiche_id: int, action: str = "fiche.view") -> Fiche:
    fiche = db.get_or_404(Fiche, fiche_id)
    if not can(current_user, "fiche.view", fiche):
        abort(404)  # what one may not read does not exist for them
    if action != "fiche.view":
        authorize(action, fiche)
    return fiche


@bp.app_template_global()
def linked_fiches(kind: str, target_id: int) -> list[Fiche]:
    """Published fiches pointing at this meeting ("meeting") or contribution ("contribution")."""
    return services.linked_fiches(kind, target_id)


@bp.app_template_global()
def participation_levels() -> list[Level]:
    return list(Level)


# --- reading ---------------------------------------------------------------


def filter_form() -> tuple[FicheFilterForm, services.FicheFilters]:
    form = FicheFilterForm(request.args)
    form.commune.choices = [("", _("Toutes"))] + [(c.slug, c.name) for c in list_communes()]
    form.theme.choices = theme_choices(_("Tous"))
    form.level.choices = [("", _("Tous"))] + [(lv.value, LEVEL_LABELS[lv]) for lv in Level]
    form.kind.choices = [("", _("Tous"))] + [(k.value, label) for k, label in KIND_LABELS.items()]
    valid = {name: (getattr(form, name).data or None) for name in ("commune", "theme", "level", "kind")}
    for name, value in list(valid.items()):
        if value and value not in {c[0] for c in getattr(form, name).choices}:
            valid[name] = None  # an unknown filter value filters nothing
    return form, services.FicheFilters(q=(form.q.data or "").strip()[:100] or None, **valid)


@bp.route("/")
def index():
    form, filters = filter_form()
    page = db.paginate(services.published_query(filters), page=page_number(),
                       per_page=current_app.config["LABO_PER_PAGE"], error_out=False, max_per_page=50)
    return render_template("fiches/index.html", form=form, page=page, filters=filters.active())


@bp.route("/<id:fiche_id>")
def detail(fiche_id: int):
    fiche = get_fiche(fiche_id)
    return _render_detail(fiche)


def _render_detail(fiche: Fiche, status: int = 200, send_back_form=None):
    return render_template(
        "fiches/detail.html", fiche=fiche,
        editor=can(current_user, "fiche.edit", fiche), reviewer=can(current_user, "fiche.review", fiche),
        author=wrote_fiche(current_user, fiche),
        send_back_form=send_back_form or SendBackForm(formdata=None), action_form=ActionForm(formdata=None),
    ), status


@bp.route("/<id:fiche_id>/imprimer")
def printable(fiche_id: int):
    fiche = get_fiche(fiche_id)
    return render_template("fiches/print.html", fiche=fiche)


@bp.route("/<id:fiche_id>/historique")
def history(fiche_id: int):
    fiche = get_fiche(fiche_id)
    return render_template("fiches/history.html", fiche=fiche, change_labels=change_labels)


@bp.route("/<id:fiche_id>/historique/<id:number>")
def revision(fiche_id: int, number: int):
    fiche = get_fiche(fiche_id)
    entry = services.get_revision(fiche, number)
    if entry is None:
        abort(404)
    level = entry.snapshot.get("level")
    kind = entry.snapshot.get("kind")
    return render_template("fiches/revision.html", fiche=fiche, revision=entry, data=entry.snapshot,
                           level=Level(level) if level in {lv.value for lv in Level} else None,
                           kind_label=next((str(v) for k, v in KIND_LABELS.items() if k.value == kind), kind),
                           change_labels=change_labels)


@bp.route("/photos/<key>")
def photo(key: str):
    entry = db.session.scalar(select(FichePhoto).where(FichePhoto.key == key))
    if entry is None or not can(current_user, "fiche.view", entry.fiche):
        abort(404)
    return send_photo(entry.key, entry.content_type, private=not entry.fiche.is_published)


@bp.route("/<id:fiche_id>/fichiers/<id:attachment_id>")
def attachment(fiche_id: int, attachment_id: int):
    """Always downloaded, never shown inline, with the type our own check found."""
    fiche = get_fiche(fiche_id)
    entry = db.session.get(FicheAttachment, attachment_id)
    if entry is None or entry.fiche_id != fiche.id:
        abort(404)
    return send_attachment(entry.key, entry.content_type, entry.filename, private=not fiche.is_published)


# --- writing -----------------------------------------------------------------


def _choices(form: FicheForm) -> None:
    communes = list_communes()
    form.communes.choices = [(c.id, c.name) for c in communes]
    form.qpvs.choices = [(q.id, f"{q.name} ({', '.join(c.name for c in q.communes)})") for q in list_qpvs()]
    form.theme.choices = theme_choices(_("Aucun / je ne sais pas"))
    form.meetings.choices = [
        (m.id, f"{m.title} — {m.commune.name}, {m.starts_at.date().isoformat()}") for m in services.recent_meetings()
    ]


CONTRIBUTIONS_RE = re.compile(r"\s*#?\d{1,9}(\s*[,;\s]\s*#?\d{1,9})*\s*")


def _parse_contribution_ids(text: str) -> list[int]:
    text = (text or "").strip()
    if not text:
        return []
    if not CONTRIBUTIONS_RE.fullmatch(text):
        raise services.FicheError("contributions-format", "contributions")
    return list(dict.fromkeys(int(n) for n in re.findall(r"\d+", text)))


def _input_from(form: FicheForm) -> services.FicheInput:
    pillar, ambition = resolve_theme(form.theme.data)
    commune_ids = [i for i in (form.communes.data or [])]
    qpv_ids = [i for i in (form.qpvs.data or [])]
    meeting_ids = [i for i in (form.meetings.data or [])]
    return services.FicheInput(
        kind=form.kind.data or "", title=form.title.data or "", level=form.level.data or "",
        method=form.method.data or "", public=form.public.data or "", what_worked=form.what_worked.data or "",
        difficulties=form.difficulties.data or "", resources=form.resources.data or "",
        contact_name=form.contact_name.data or "", contact_details=form.contact_details.data or "",
        contact_consent=bool(form.contact_consent.data),
        communes=tuple(db.session.scalars(select(Commune).where(Commune.id.in_(commune_ids)))) if commune_ids else (),
        qpvs=tuple(db.session.scalars(select(Qpv).where(Qpv.id.in_(qpv_ids)))) if qpv_ids else (),
        pillar=pillar, ambition=ambition,
        meetings=tuple(db.session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids)))) if meeting_ids else (),
        contributions=tuple(services.contributions_by_ids(_parse_contribution_ids(form.contributions.data))),
    )


def _form_data(fiche: Fiche) -> dict:
    theme = fiche.ambition.slug if fiche.ambition else (f"p{fiche.pillar.number}" if fiche.pillar else "")
    return {
        "kind": fiche.kind, "title": fiche.title, "public": fiche.public, "level": fiche.level,
        "method": fiche.method, "what_worked": fiche.what_worked, "difficulties": fiche.difficulties,
        "resources": fiche.resources, "contact_name": fiche.contact_name, "contact_details": fiche.contact_details,
        "contact_consent": fiche.contact_consent, "communes": [c.id for c in fiche.communes],
        "qpvs": [q.id for q in fiche.qpvs], "theme": theme, "meetings": [m.id for m in fiche.meetings],
        "contributions": ", ".join(str(c.id) for c in fiche.contributions),
    }


def _edit_page(fiche: Fiche | None):
    if fiche is None:
        form = FicheForm()
        if request.method == "GET" and current_user.home_commune is not None:
            form.communes.data = [current_user.home_commune.id]
    else:
        form = FicheForm(data=_form_data(fiche))
    _choices(form)
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"

        def said(saved: Fiche) -> str:
            if saved.status == FicheStatus.SUBMITTED.value and submit:
                return _("Merci ! Votre fiche est envoyée : une personne référente va la relire avant de la publier.")
            if saved.is_published:
                return _("La fiche est enregistrée ; l'ancienne version reste dans l'historique.")
            return _("Le brouillon est enregistré. Envoyez-le pour relecture quand il est prêt.")

        try:
            saved = carry_out(lambda: services.save_fiche(current_user, fiche, _input_from(form), submit=submit),
                              form, ERROR_MESSAGES, said)
        except IntegrityError:  # two edits of one published fiche at the same moment
            db.session.rollback()
            flash(_("Quelqu'un a modifié cette fiche au même moment : rechargez-la et recommencez."), "error")
            return redirect(url_for("fiches.detail", fiche_id=fiche.id)) if fiche is not None else abort(409)
        if saved:
            return redirect(url_for("fiches.detail", fiche_id=saved.value.id))
    title = _("Proposer une fiche") if fiche is None else _("Modifier la fiche")
    return render_template("fiches/edit.html", form=form, fiche=fiche, title=title,
                           level_power=LEVEL_POWER), (422 if form.errors else 200)


@bp.route("/proposer", methods=["GET", "POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
@require("fiche.propose")
def new():
    return _edit_page(None)


@bp.route("/<id:fiche_id>/modifier", methods=["GET", "POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def edit(fiche_id: int):
    return _edit_page(get_fiche(fiche_id, "fiche.edit"))


@bp.route("/<id:fiche_id>/envoyer", methods=["POST"])
@login_required
def submit(fiche_id: int):
    fiche = get_fiche(fiche_id, "fiche.edit")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.submit_fiche(current_user, fiche)
    except services.FicheError:
        db.session.rollback()
        flash(_("Cette fiche est déjà envoyée."), "info")
    else:
        db.session.commit()
        flash(_("Merci ! Votre fiche est envoyée : une personne référente va la relire avant de la publier."), "success")
    return redirect(url_for("fiches.detail", fiche_id=fiche.id))


# --- photos and files ------------------------------------------------------------


def _files_page(fiche: Fiche, photo_form=None, attachment_form=None, status: int = 200):
    return render_template("fiches/files.html", fiche=fiche,
                           photo_form=photo_form or PhotoForm(formdata=None),
                           attachment_form=attachment_form or AttachmentForm(formdata=None),
                           action_form=ActionForm(formdata=None)), status


@bp.route("/<id:fiche_id>/photos-et-fichiers")
@login_required
def files(fiche_id: int):
    return _files_page(get_fiche(fiche_id, "fiche.edit"))


@bp.route("/<id:fiche_id>/photos", methods=["POST"])
@accepts_uploads()
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def add_photo(fiche_id: int):
    fiche = get_fiche(fiche_id, "fiche.edit")
    form = PhotoForm()
    status = 422
    if form.validate_on_submit():
        upload = form.photo.data
        if upload is None or not getattr(upload, "filename", ""):
            form.photo.errors = [ERROR_MESSAGES["photo-required"]]
        else:
            try:
                services.add_photo(current_app.config, current_user, fiche, upload.stream, form.alt.data)
            except services.FicheError as error:
                db.session.rollback()
                show_error(form, error, ERROR_MESSAGES)
                status = 413 if error.code == "photo-too-big" else 422
            else:
                db.session.commit()
                flash(_("La photo est ajoutée."), "success")
                return redirect(url_for("fiches.files", fiche_id=fiche.id))
    elif not form.errors:
        abort(400)
    return _files_page(fiche, photo_form=form, status=status)


@bp.route("/<id:fiche_id>/photos/<id:photo_id>/supprimer", methods=["POST"])
@login_required
def delete_photo(fiche_id: int, photo_id: int):
    fiche = get_fiche(fiche_id, "fiche.edit")
    entry = db.session.get(FichePhoto, photo_id)
    if entry is None or entry.fiche_id != fiche.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_photo(current_app.config, current_user, entry)
    db.session.commit()
    flash(_("La photo est retirée."), "success")
    return redirect(url_for("fiches.files", fiche_id=fiche.id))


@bp.route("/<id:fiche_id>/fichiers", methods=["POST"])
@accepts_uploads()
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def add_attachment(fiche_id: int):
    fiche = get_fiche(fiche_id, "fiche.edit")
    form = AttachmentForm()
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = [ERROR_MESSAGES["attachment-empty"]]
        else:
            try:
                services.add_attachment(current_app.config, current_user, fiche, upload.stream, upload.filename)
            except services.FicheError as error:
                db.session.rollback()
                show_error(form, error, ERROR_MESSAGES)
                status = 413 if error.code == "attachment-too-big" else 422
            else:
                db.session.commit()
                flash(_("Le fichier est joint à la fiche."), "success")
                return redirect(url_for("fiches.files", fiche_id=fiche.id))
    elif not form.errors:
        abort(400)
    return _files_page(fiche, attachment_form=form, status=status)


@bp.route("/<id:fiche_id>/fichiers/<id:attachment_id>/supprimer", methods=["POST"])
@login_required
def delete_attachment(fiche_id: int, attachment_id: int):
    fiche = get_fiche(fiche_id, "fiche.edit")
    entry = db.session.get(FicheAttachment, attachment_id)
    if entry is None or entry.fiche_id != fiche.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = entry.filename
    services.remove_attachment(current_app.config, current_user, entry)
    db.session.commit()
    flash(_("« %(name)s » est retiré de la fiche.", name=name), "success")
    return redirect(url_for("fiches.files", fiche_id=fiche.id))


# --- review ------------------------------------------------------------------------


@bp.route("/a-relire")
@login_required
@require("fiche.queue")
def queue():
    return render_template("fiches/queue.html", queue=services.review_queue(current_user),
                           action_form=ActionForm(formdata=None))


@bp.route("/mes-fiches")
@login_required
def mine():
    return render_template("fiches/mine.html", fiches=services.fiches_of(current_user))


@bp.route("/<id:fiche_id>/publier", methods=["POST"])
@login_required
def publish(fiche_id: int):
    fiche = get_fiche(fiche_id, "fiche.review")
    if not ActionForm().validate_on_submit():
        abort(400)
    if not carry_out(lambda: services.publish(current_user, fiche), None, ERROR_MESSAGES,
                     _("La fiche est publiée : elle est dans la boîte à outils.")):
        return _render_detail(fiche, 409)
    return redirect(url_for("fiches.detail", fiche_id=fiche.id))


@bp.route("/<id:fiche_id>/renvoyer", methods=["POST"])
@login_required
def send_back(fiche_id: int):
    fiche = get_fiche(fiche_id, "fiche.review")
    form = SendBackForm()
    if form.validate_on_submit():
        try:
            services.send_back(current_user, fiche, form.reason.data)
        except services.FicheError as error:
            db.session.rollback()
            show_error(form, error, ERROR_MESSAGES)
            return _render_detail(fiche, 409 if error.code == "not-submitted" else 422, send_back_form=form)
        db.session.commit()
        flash(_("La fiche est renvoyée à la personne qui l'a écrite, avec votre message."), "success")
        return redirect(url_for("fiches.queue"))
    if not form.errors:
        abort(400)
    return _render_detail(fiche, 422, send_back_form=form)
