"""The partners' pages: the public overview (the yearly "photography" and its
CSV), a partner's page and a commitment's page; the administrators' forms
(partner, commitments from the templates, commitment, follow-up entries) and
the follow-up board."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.core.attachments import AttachmentError
from labo.core.files import send_attachment
from labo.core.forms import ActionForm, carry_out, edit_form, show_error
from labo.core.i18n import _
from labo.core.uploads import accepts_uploads
from labo.extensions import db
from labo.opinions import services as opinions
from labo.partners import services
from labo.partners.forms import CommitmentForm, ERROR_MESSAGES, FollowUpForm, PartnerForm, TemplatesForm
from labo.partners.models import Commitment, FAMILY_LABELS, Family, FollowUp, KIND_LABELS, Partner, STATUS_LABELS
from labo.permissions import authorize, can

bp = Blueprint("partners", __name__, url_prefix="/partenaires")


def get_partner(slug: str) -> Partner:
    partner = services.get_partner_by_slug(slug)
    if partner is None:
        abort(404)
    return partner


def get_commitment(partner: Partner, commitment_id: int) -> Commitment:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.partner_id != partner.id:
        abort(404)
    return commitment


def _year_asked() -> tuple[int | None, str | None]:
    """?annee=YYYY, one of the contract's years so far; (None, None) for today;
    (None, message) for anything else."""
    value = request.args.get("annee", "").strip()
    if not value:
        return None, None
    if re.fullmatch(r"[0-9]{4}", value) and int(value) in services.years():
        return int(value), None
    first, last = services.years()[0], services.years()[-1]
    return None, _("Choisissez une année entre %(first)s et %(last)s.", first=first, last=last)


def _as_of(year: int | None) -> date | None:
    return date(year, 12, 31) if year is not None and year < date.today().year else None


@bp.route("/")
def overview():
    year, error = _year_asked()
    photo = services.photography(_as_of(year))
    return render_template("partners/overview.html", photo=photo, year=year, years=services.years(), error=error,
                           families=list(Family), status_labels=STATUS_LABELS,
                           manager=can(current_user, "partners.manage"),
                           board=can(current_user, "partners.board")), (400 if error else 200)


@bp.route("/export.csv")
def export_csv():
    year, error = _year_asked()
    if error:
        abort(400, error)
    photo = services.photography(_as_of(year))
    headers = [_("Partenaire"), _("Type"), _("Famille"), *(str(label) for label in STATUS_LABELS.values()), _("Total")]
    body = services.photography_csv(photo, headers, {f.value: str(label) for f, label in FAMILY_LABELS.items()},
                                    {k.value: str(label) for k, label in KIND_LABELS.items()}, _("Tous les partenaires"))
    name = f"engagements-partenaires-{year or date.today().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"})


@bp.route("/suivi")
@login_required
def board():
    authorize("partners.board")
    return render_template("partners/board.html", board=services.board(), today=date.today(),
                           manager=can(current_user, "partners.manage"), late_opinions=opinions.late_opinions())


@bp.route("/<slug>")
def partner(slug: str):
    partner = get_partner(slug)
    see_private = can(current_user, "partners.board")
    by_family = [(f, [c for c in partner.commitments if c.family == f.value]) for f in Family]
    return render_template("partners/partner.html", partner=partner, by_family=by_family, see_private=see_private,
                           manager=can(current_user, "partners.manage"), visible=services.visible_follow_ups,
                           action_form=ActionForm(formdata=None))


# --- a commitment and its follow-up ---------------------------------------


def _commitment_page(partner, commitment, form=None, status=200):
    manager = can(current_user, "partners.manage")
    if form is None and manager:
        form = FollowUpForm(formdata=None, data={"happened_on": date.today(), "status_after": commitment.status,
                                                  "public": True})
    return render_template("partners/commitment.html", partner=partner, commitment=commitment, form=form,
                           manager=manager, entries=services.visible_follow_ups(
                               commitment, can(current_user, "partners.board"))), status


@bp.route("/<slug>/engagements/<id:commitment_id>")
def commitment(slug: str, commitment_id: int):
    partner = get_partner(slug)
    return _commitment_page(partner, get_commitment(partner, commitment_id))


@bp.route("/<slug>/engagements/<id:commitment_id>/suivi", methods=["POST"])
@accepts_uploads()
@login_required
def add_follow_up(slug: str, commitment_id: int):
    partner = get_partner(slug)
    authorize("partners.manage")
    commitment = get_commitment(partner, commitment_id)
    form = FollowUpForm()
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        has_file = upload is not None and bool(getattr(upload, "filename", ""))
        try:
            services.record_follow_up(
                current_app.config["LABO_UPLOAD_DIR"], current_user, commitment, happened_on=form.happened_on.data,
                note=form.note.data or "", status_after=form.status_after.data,
                next_review_on=form.next_review_on.data, link=form.link.data, public=form.public.data,
                file=upload.stream if has_file else None, filename=upload.filename if has_file else "")
        except services.PartnerError as error:
            db.session.rollback()
            show_error(form, error, ERROR_MESSAGES)
        except AttachmentError as error:
            db.session.rollback()
            form.file.errors = [ERROR_MESSAGES[f"attachment-{error.code}"]]
            status = 413 if error.code == "too-big" else 422
        else:
            db.session.commit()
            flash(_("Le point de suivi est enregistré : l'engagement est « %(status)s ».",
                    status=commitment.status_label), "success")
            return redirect(url_for("partners.commitment", slug=partner.slug, commitment_id=commitment.id))
    elif not form.errors:
        abort(400)
    db.session.refresh(commitment)
    return _commitment_page(partner, commitment, form=form, status=status)


@bp.route("/<slug>/engagements/<id:commitment_id>/preuves/<id:entry_id>")
def evidence(slug: str, commitment_id: int, entry_id: int):
    """An evidence file, always downloaded (never shown inline), with the
    type our own check found; those of a non-public entry for its readers only."""
    partner = get_partner(slug)
    commitment = get_commitment(partner, commitment_id)
    entry = db.session.get(FollowUp, entry_id)
    if entry is None or entry.commitment_id != commitment.id or not entry.file_key:
        abort(404)
    if not entry.public and not can(current_user, "partners.board"):
        abort(404)
    return send_attachment(entry.file_key, entry.file_type, entry.file_name, private=not entry.public)


# --- administrators -------------------------------------------------------


@bp.route("/nouveau", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit_partner(slug: str | None):
    authorize("partners.manage")
    partner = Partner() if slug is None else get_partner(slug)
    form = edit_form(PartnerForm, partner) if slug else PartnerForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.save_partner(current_user, partner, name=form.name.data, slug=form.slug.data or "",
                                          kind=form.kind.data, description=form.description.data or ""),
            form, ERROR_MESSAGES, _("Le partenaire est enregistré.")):
        return redirect(url_for("partners.partner", slug=partner.slug))
    title = _("Nouveau partenaire") if slug is None else _("Modifier le partenaire")
    return render_template("partners/partner_edit.html", form=form, title=title, partner=partner if slug else None), \
        (422 if form.errors else 200)


@bp.route("/<slug>/modeles", methods=["GET", "POST"])
@login_required
def from_templates(slug: str):
    """Pick a family, see its template items with editable text, create the ticked ones."""
    authorize("partners.manage")
    partner = get_partner(slug)
    family = request.values.get("famille") or request.form.get("family") or ""
    if family and family not in services.FAMILIES:
        abort(404)
    templates = services.commitment_templates()
    form = None
    if family:
        items = [{"chosen": False, "title": t.title, "description": t.description} for t in templates[family]]
        form = TemplatesForm(data={"family": family, "items": items} if request.method == "GET" else None)
        if request.method == "POST" and form.validate_on_submit():
            chosen = [i for i in form.items.entries if i.form.chosen.data]
            if carry_out(
                    lambda: services.add_from_templates(
                        current_user, partner, family, [i.form.title.data or "" for i in chosen],
                        [i.form.description.data or "" for i in chosen], referent_name=form.referent_name.data or "",
                        referent_email=form.referent_email.data, next_review_on=form.next_review_on.data),
                    form, ERROR_MESSAGES,
                    lambda made: _("%(n)s engagement(s) ajouté(s) pour %(name)s.", n=len(made), name=partner.name)):
                return redirect(url_for("partners.partner", slug=partner.slug) + f"#famille-{family}")
        elif request.method == "POST" and not form.errors:
            abort(400)
    status = 422 if (form is not None and (form.errors or request.method == "POST")) else 200
    return render_template("partners/templates_form.html", partner=partner, family=family, form=form,
                           families=list(Family)), status


@bp.route("/<slug>/engagements/nouveau", methods=["GET", "POST"], defaults={"commitment_id": None})
@bp.route("/<slug>/engagements/<id:commitment_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_commitment(slug: str, commitment_id: int | None):
    authorize("partners.manage")
    partner = get_partner(slug)
    commitment = Commitment() if commitment_id is None else get_commitment(partner, commitment_id)
    form = edit_form(CommitmentForm, commitment) if commitment_id else CommitmentForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.save_commitment(current_user, commitment, partner=partner, family=form.family.data,
                                             title=form.title.data, description=form.description.data or "",
                                             referent_name=form.referent_name.data or "",
                                             referent_email=form.referent_email.data,
                                             next_review_on=form.next_review_on.data),
            form, ERROR_MESSAGES, _("L'engagement est enregistré.")):
        return redirect(url_for("partners.commitment", slug=partner.slug, commitment_id=commitment.id))
    title = _("Nouvel engagement") if commitment_id is None else _("Modifier l'engagement")
    return render_template("partners/commitment_edit.html", form=form, title=title, partner=partner,
                           commitment=commitment if commitment_id else None), (422 if form.errors else 200)


@bp.route("/<slug>/engagements/<id:commitment_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_commitment(slug: str, commitment_id: int):
    authorize("partners.manage")
    partner = get_partner(slug)
    commitment = get_commitment(partner, commitment_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        title = commitment.title
        services.delete_commitment(current_app.config["LABO_UPLOAD_DIR"], current_user, commitment)
        db.session.commit()
        flash(_("L'engagement « %(title)s » est supprimé.", title=title), "success")
        return redirect(url_for("partners.partner", slug=partner.slug))
    return render_template("partners/commitment_delete.html", partner=partner, commitment=commitment,
                           form=ActionForm(formdata=None))
