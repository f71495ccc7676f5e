"""Home page, `/healthz`, the language switch, the error pages, and the
refusal of any request carrying a NUL character."""
from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from labo.accounts.models import Role
from labo.audit.services import describe_audit
from labo.contributions.views import device_contributions
from labo.core import abbr, csrf_retry, dates, grammar, numbers
from labo.core.attachments import MAX_BYTES as FILE_MAX
from labo.core.db import utcnow
from labo.core.i18n import DEFAULT_LOCALE, LANGUAGES, _
from labo.core.photos import MAX_BYTES as PHOTO_MAX
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


def _nul_fields() -> list[str]:
    """The names of the request's values (address, query, form, JSON) holding
    U+0000: PostgreSQL cannot store it, nor compare it, so none reaches a query."""
    found = [name for name, value in (request.view_args or {}).items() if isinstance(value, str) and "\x00" in value]
    for values in (request.args, request.form) if request.method != "GET" else (request.args,):
        found += [name for name, value in values.items(multi=True) if "\x00" in name or "\x00" in value]
    if request.is_json:
        def walk(value, path: str) -> None:
            if isinstance(value, str) and "\x00" in value:
                found.append(path or "body")
            elif isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        found.append(path or "body")
                    walk(item, f"{path}.{key}" if path else key)
            elif isinstance(value, list):
                for item in value:
                    walk(item, path)

        walk(request.get_json(silent=True), "")
    return found


@bp.before_app_request
def refuse_nul_characters():
    fields = _nul_fields()
    if fields:
        message = _("Ce qui a été envoyé contient un caractère nul, qui n'est pas accepté.")
        if _wants_json():
            return jsonify(error=message, status=400,
                           errors={name.replace("\x00", "")[:100]: message for name in fields[:10]}), 400
        return render_error(400, message)
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _too_big_text() -> str:
    # Forms with a photo or a file take much more (labo.core.uploads) and say "too heavy"
    # themselves with what was typed: this page is for what no form of ours sends.
    return _("Ce que vous envoyez est trop lourd : %(file)s Mo au plus par photo ou par fichier. Revenez en "
             "arrière : ce que vous aviez écrit y est encore. Choisissez ensuite une photo ou un fichier plus léger.",
             file=min(PHOTO_MAX, FILE_MAX) // 2**20)


ERROR_TEXTS = {
    400: (lambda: _("Demande incorrecte"), lambda: _("Quelque chose manque ou ne va pas dans ce qui a été envoyé. Revenez en arrière et réessayez.")),
    403: (lambda: _("Accès réservé"), lambda: _("Cette page est réservée à certaines personnes. Si vous pensez y avoir droit, parlez-en à l'équipe du Labo.")),
    404: (lambda: _("Page introuvable"), lambda: _("Cette page n'existe pas ou plus. Vérifiez l'adresse, ou repartez de l'accueil.")),
    405: (lambda: _("Action impossible"), lambda: _("Cette page ne s'utilise pas de cette façon.")),
    413: (lambda: _("Envoi trop gros"), _too_big_text),
    422: (lambda: _("Demande incorrecte"), lambda: _("Ce qui a été envoyé n'a pas pu être lu.")),
    429: (lambda: _("Trop d'essais"), lambda: _("Trop d'essais en peu de temps. Attendez une minute, puis réessayez.")),
    500: (lambda: _("Un problème de notre côté"), lambda: _("Le site a rencontré une erreur. Ce n'est pas de votre faute : réessayez dans un moment.")),
}


def csrf_refused_text() -> str:
    """Said when a form's CSRF token expired or is missing (also in templates/_macros/forms.html)."""
    return _("La page était ouverte depuis longtemps : vérifiez et renvoyez.")


def _same_site_referrer():
    """The page the request came from, when it is one of ours (path and query only)."""
    from urllib.parse import urlsplit

    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return safe_next(parts.path + ("?" + parts.query if parts.query else ""))


def render_error(code: int, message=None, back=None):
    """The error page for `code`; `message` (a text, or a function giving it) replaces
    the usual explanation; `back`, a path on this site, is offered as "Revenir à la
    page". Drawing it may need the database (the account for the
    language and the menu): when that is out of reach, the 503 page instead."""
    try:
        title_fn, text_fn = ERROR_TEXTS.get(code, ERROR_TEXTS[500] if code >= 500 else ERROR_TEXTS[400])
        text = message() if callable(message) else message
        if _wants_json():
            return jsonify(error=title_fn(), message=text or text_fn(), status=code), code
        return render_template("errors/error.html", code=code, title=title_fn(), message=text or text_fn(),
                               back=back), code
    except Exception as error:
        if database_unavailable(error):
            log.error("database unavailable drawing the %s page on %s %s: %s", code, request.method, request.path, error)
            return render_unavailable()
        log.exception("could not render the %s error page", code)
        body = f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{code}</title><h1>{code}</h1>'
        return body, code


def database_unavailable(error: Exception) -> bool:
    """The database cannot be reached (down, restarting, no connection left
    in the pool): a 503 to come back to, not a 500."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(error, (OperationalError, InterfaceError, PoolTimeout)) or (
        isinstance(error, DBAPIError) and bool(error.connection_invalidated))


RETRY_AFTER = 10  # seconds


def render_unavailable():
    """The 503 page, drawn without the database: no account, no
    notification count, the language from the session or the browser."""
    from flask_babel import force_locale

    chosen = session.get("lang")
    lang = chosen if chosen in LANGUAGES else request.accept_languages.best_match(list(LANGUAGES), DEFAULT_LOCALE)
    with force_locale(lang):
        title = _("Site momentanément indisponible")
        message = _("Le site ne joint plus sa base de données, le temps d'un redémarrage. Réessayez dans quelques "
                    "secondes ; si vous envoyiez un formulaire, revenez en arrière : ce que vous aviez tapé y est encore.")
        if _wants_json():
            response = jsonify(error=title, message=message, status=503)
        else:
            # Straight from the template, without the context processors: Flask-Login's
            # would load the signed-in account from the database that is out of reach.
            page = current_app.jinja_env.get_template("errors/unavailable.html")
            response = current_app.make_response(page.render(lang=lang, title=title, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def register_errors(app) -> None:
    csrf_retry.install()

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """The form comes back as it was typed, saying why (labo.core.csrf_retry);
        when the view has no form to draw again, the 400 page says the same and
        links back to the page the form was on."""
        if not _wants_json() and csrf_retry.is_form_post():
            again = csrf_retry.form_again()
            if again is not None:
                return again
        return render_error(400, csrf_refused_text, back=None if _wants_json() else _same_site_referrer())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:  # e.g. a login redirect raised through abort()
            return error.response
        return render_error(error.code)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if database_unavailable(error):
            log.error("database unavailable on %s %s: %s", request.method, request.path, error)
            try:
                db.session.rollback()
            except SQLAlchemyError:
                pass
            return render_unavailable()
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        return render_error(500)


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
