"""The privacy page: what the Labo keeps, why, for how long, and the rights
of the people it concerns, in plain French; and those rights at work from
one's profile: downloading one's data, erasing one's account."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from labo.accounts.forms import ERROR_MESSAGES, EraseAccountForm
from labo.accounts.views import auth_limit, profile_form, refused, render_profile
from labo.core.forms import carry_out
from labo.core.i18n import _
from labo.core.limits import per_person
from labo.extensions import limiter
from labo.permissions import authorize
from labo.privacy.export import personal_data_zip
from labo.privacy.personal_data import erase_account, export_personal_data
from labo.privacy.retention import durations, kinds

bp = Blueprint("privacy", __name__)


@bp.route("/confidentialite")
def page():
    days = durations(current_app.config)
    retention = [(kind.what, days[kind.key], kind.after) for kind in kinds()]
    return render_template(
        "privacy/page.html", retention=retention,
        remember_days=current_app.config["REMEMBER_COOKIE_DURATION"].days,
        controller=current_app.config.get("LABO_PRIVACY_CONTROLLER"),
        contact=current_app.config.get("LABO_PRIVACY_CONTACT"),
    )


@bp.route("/compte/mes-donnees.json")
@login_required
def export_data():
    authorize("profile.view", current_user)
    response = jsonify(export_personal_data(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees-labo.json"'
    return response


@bp.route("/compte/mes-donnees.zip")
@login_required
def export_archive():
    authorize("profile.view", current_user)
    return current_app.response_class(
        personal_data_zip(current_user), mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-labo.zip"',
                 "Cache-Control": "no-store"})


@bp.route("/compte/supprimer", methods=["POST"])
@login_required
@limiter.limit(auth_limit, key_func=per_person, deduct_when=refused)
def erase():
    authorize("profile.edit", current_user)
    erase_form = EraseAccountForm(prefix="erase")
    if erase_form.validate_on_submit() and carry_out(
            lambda: erase_account(current_app.config, current_user._get_current_object(), erase_form.password.data),
            erase_form, ERROR_MESSAGES, _("Votre compte est supprimé. Merci d'avoir participé.")):
        logout_user()
        return redirect(url_for("site.home"))
    return render_profile(profile_form(), erase_form=erase_form)
