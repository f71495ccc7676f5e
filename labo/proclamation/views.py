"""Pages of the proclamation: its text, who signed and how many, signing and
withdrawing, the history of its versions, and the administrators' editor."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.core.limits import per_person, write_limit
from labo.core.forms import carry_out, show_error
from labo.core.i18n import _
from labo.core.urls import page_number
from labo.extensions import db, limiter
from labo.permissions import authorize, require
from labo.proclamation import services
from labo.proclamation.forms import (
    ERROR_MESSAGES,
    ActionForm,
    OrganisationSignatureForm,
    PersonSignatureForm,
    VersionForm,
)
from labo.proclamation.models import Category, Signature, SignatureKind
from labo.territory.services import get_commune, list_communes

bp = Blueprint("proclamation", __name__, url_prefix="/proclamation")

ALREADY = {"already-signed", "organisation-already-signed"}


def _commune_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(c.id), c.name) for c in list_communes()]


def _sign_forms(person_form=None, organisation_form=None):
    person_form = person_form or PersonSignatureForm(formdata=None)
    organisation_form = organisation_form or OrganisationSignatureForm(formdata=None, prefix="org")
    person_form.commune.choices = _commune_choices(_("Je préfère ne pas le dire"))
    organisation_form.commune.choices = _commune_choices(_("Non précisée"))
    if person_form.commune.data is None and current_user.is_authenticated and current_user.home_commune_id:
        person_form.commune.data = str(current_user.home_commune_id)  # pre-filled from the profile
    return person_form, organisation_form


def _render_index(status: int = 200, person_form=None, organisation_form=None):
    version = services.current_version()
    person_form, organisation_form = _sign_forms(person_form, organisation_form)
    mine = services.signatures_of(current_user)
    return render_template(
        "proclamation/index.html",
        version=version,
        stats=services.stats(),
        categories=list(Category),
        mine=mine,
        signed_personally=any(s.is_person for s in mine),
        person_form=person_form,
        organisation_form=organisation_form,
        show_organisation=bool(organisation_form.errors),
    ), status


@bp.route("/")
def index():
    return _render_index()


@bp.route("/signataires")
def signatories():
    page = db.paginate(services.public_signatures_query(), page=page_number(),
                       per_page=current_app.config["LABO_PER_PAGE"], error_out=False, max_per_page=50)
    return render_template("proclamation/signatories.html", page=page, stats=services.stats(),
                           categories=list(Category), kinds=list(SignatureKind))


def _sign(form, operation, success: str, **forms):
    if form.validate_on_submit():
        try:
            operation(form)
        except services.ProclamationError as error:
            db.session.rollback()
            show_error(form, error, ERROR_MESSAGES)
            return _render_index(409 if error.code in ALREADY else 422, **forms)
        db.session.commit()
        flash(success, "success")
        return redirect(url_for("proclamation.index") + "#ma-signature")
    if not form.errors:
        abort(400)
    return _render_index(422, **forms)


@bp.route("/signer", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
@require("proclamation.sign")
def sign():
    form = PersonSignatureForm()
    form.commune.choices = _commune_choices("")

    def operation(f):
        services.sign_as_person(current_user, category=f.category.data, commune=get_commune(f.commune.data),
                                public=f.public.data)

    return _sign(form, operation, _("Merci ! Votre signature est comptée."), person_form=form)


@bp.route("/signer-pour-une-structure", methods=["POST"])
@login_required
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
@require("proclamation.sign")
def sign_organisation():
    form = OrganisationSignatureForm(prefix="org")
    form.commune.choices = _commune_choices("")

    def operation(f):
        services.sign_for_organisation(
            current_user, organisation_name=f.organisation_name.data, representative_name=f.representative_name.data,
            representative_role=f.representative_role.data or "", commune=get_commune(f.commune.data),
            public=f.public.data)

    return _sign(form, operation, _("Merci ! La signature de la structure est comptée."), organisation_form=form)


@bp.route("/signatures/<id:signature_id>/retirer", methods=["GET", "POST"])
@login_required
def withdraw(signature_id: int):
    """A confirmation page (works without JavaScript), then the withdrawal."""
    signature = db.session.get(Signature, signature_id)
    if signature is None:
        abort(404)
    authorize("proclamation.withdraw", signature)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.withdraw(current_user, signature)
        db.session.commit()
        flash(_("Votre signature est retirée. Vous pouvez signer à nouveau quand vous voulez."), "success")
        return redirect(url_for("proclamation.index"))
    return render_template("proclamation/withdraw.html", signature=signature, form=form)


# --- versions ----------------------------------------------------------------


@bp.route("/versions")
def versions():
    return render_template("proclamation/versions.html", versions=services.list_versions(),
                           current=services.current_version())


@bp.route("/versions/<id:number>")
def version(number: int):
    shown = services.get_version(number)
    if shown is None:
        abort(404)
    previous = services.get_version(number - 1) if number > 1 else None
    return render_template("proclamation/version.html", version=shown, previous=previous,
                           current=services.current_version(), diff=services.version_diff(previous, shown))


@bp.route("/modifier", methods=["GET", "POST"])
@login_required
@require("proclamation.edit")
def edit():
    current = services.current_version()
    form = VersionForm()
    if request.method == "GET" and current is not None:
        form.title.data, form.body.data = current.title, current.body
    if form.validate_on_submit():
        published = carry_out(
            lambda: services.publish_version(current_user, title=form.title.data, body=form.body.data,
                                             change_note=form.change_note.data),
            form, ERROR_MESSAGES, lambda version: _("La version %(number)s du texte est en ligne.", number=version.number))
        if published:
            return redirect(url_for("proclamation.version", number=published.value.number))
    return render_template("proclamation/edit.html", form=form, current=current), (422 if form.errors else 200)

