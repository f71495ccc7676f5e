"""Home page, `/healthz`, the language switch, the error pages, and the
refusal of any request carrying a NUL character."""
from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from labo.accounts.models import Role
from labo.audit.services import describe_audit
from labo.contributions.views import device_contributions
from labo.core import abbr, dates, grammar, numbers
from labo.core.db import utcnow
from labo.core.i18n import LANGUAGES, _
from labo.core.urls import safe_next
from labo.extensions import db
from labo.permissions import can
from labo.processes.services import wanting_opinions_now
from labo.territory.models import Commune, Qpv

bp = Blueprint("site", __name__)
log = logging.getLogger("labo")


@bp.route("/")
def home():
    qpv_count = db.session.scalar(select(func.count(Qpv.id)).where(Qpv.in_contract)) or 0
    commune_count = db.session.scalar(select(func.count(Commune.id)).where(Commune.in_call)) or 0
    return render_template("site/home.html", qpv_count=qpv_count, commune_count=commune_count,
                           open_process=wanting_opinions_now(utcnow()),
                           sent=[] if current_user.is_authenticated else device_contributions())


# The day the accessibility statement was last established (templates/site/accessibility.html).
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 5)


@bp.route("/accessibilite")
def accessibility():
    config = current_app.config
    return render_template("site/accessibility.html", established=ACCESSIBILITY_STATEMENT_DATE,
                           contact=config.get("LABO_ACCESSIBILITY_CONTACT") or config.get("LABO_PRIVACY_CONTACT"),
                           publisher=config.get("LABO_PUBLISHER"))


@bp.route("/mentions-legales")
def legal():
    config = current_app.config
    return render_template("site/legal.html", publisher=config.get("LABO_PUBLISHER"),
                           address=config.get("LABO_PUBLISHER_ADDRESS"),
                           director=config.get("LABO_PUBLICATION_DIRECTOR"), host=config.get("LABO_HOST"),
                           licence=config.get("LABO_CODE_LICENCE"), source=config.get("LABO_SOURCE_URL"),
                           contact=config.get("LABO_PRIVACY_CONTACT"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    # Without Redis the site still works, live boards within one process
    # only (labo.core.realtime): worth a look, not a 503.
    if not current_app.config.get("REDIS_URL"):
        return jsonify(status="ok", database="ok", redis="not configured")
    linked = getattr(current_app.extensions["socketio"].server.manager, "linked", True)
    return jsonify(status="ok" if linked else "degraded", database="ok", redis="ok" if linked else "unreachable")


@bp.route("/langue", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        return render_template("errors/error.html", code=400, title=_("Langue inconnue"),
                               message=_("Cette langue n'est pas proposée.")), 400
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("site.home"))


def _unread_notifications() -> int:
    # Read with the account itself (labo.accounts.models), and again after a commit.
    return (current_user.unread_notifications or 0) if current_user.is_authenticated else 0


def register_template_helpers(app) -> None:
    dates.register(app)
    abbr.register(app)
    grammar.register(app)
    numbers.register(app)

    @app.context_processor
    def inject():
        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "current_locale": str(get_locale() or "fr"),
            "languages": LANGUAGES,
            "Role": Role,
            "describe_audit": describe_audit,
            "unread_notifications": _unread_notifications,
        }
