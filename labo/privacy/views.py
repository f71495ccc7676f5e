"""The privacy page: what the Labo keeps, why, for how long, and the rights
of the people it concerns, in plain French."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from labo.privacy.retention import KINDS, durations

bp = Blueprint("privacy", __name__)


@bp.route("/confidentialite")
def page():
    days = durations(current_app.config)
    retention = [(kind.what, days[kind.key], kind.after) for kind in KINDS]
    return render_template(
        "privacy/page.html", retention=retention,
        remember_days=current_app.config["REMEMBER_COOKIE_DURATION"].days,
        controller=current_app.config.get("LABO_PRIVACY_CONTROLLER"),
        contact=current_app.config.get("LABO_PRIVACY_CONTACT"),
    )
