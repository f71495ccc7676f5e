"""One's notifications."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from labo.core.forms import ActionForm
from labo.extensions import db
from labo.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/compte/notifications")


@bp.route("/")
@login_required
def index():
    items = services.list_for(current_user)
    return render_template("notifications/index.html", items=items, describe=services.describe,
                           action_form=ActionForm(formdata=None))


@bp.route("/lues", methods=["POST"])
@login_required
def mark_read():
    if ActionForm().validate_on_submit():
        services.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("notifications.index"))
