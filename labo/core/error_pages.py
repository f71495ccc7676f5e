"""The site's error pages: every 4xx and 5xx drawn in the reader's language
(JSON under /api/ and for /healthz), a 503 drawn without the database when it
is out of reach, a form refused for its expired token drawn again as it was
typed (labo.core.csrf_retry), and NUL characters refused before any view."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from labo.core import csrf_retry
from labo.core.attachments import MAX_BYTES as FILE_MAX
from labo.core.i18n import DEFAULT_LOCALE, LANGUAGES, _
from labo.core.photos import MAX_BYTES as PHOTO_MAX
from labo.core.urls import safe_next
from labo.extensions import db

log = logging.getLogger("labo")


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
    return isinstance(error, (OperationalError, InterfaceError, PoolTimeout)) or (
        isinstance(error, DBAPIError) and bool(error.connection_invalidated))


RETRY_AFTER = 10  # seconds


def render_unavailable():
    """The 503 page, drawn without the database: no account, no
    notification count, the language from the session or the browser."""
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
    """Every error drawn as a page in the reader's language (JSON under /api/),
    a NUL character refused before any view, a refused form drawn again."""
    csrf_retry.install()
    app.before_request(refuse_nul_characters)

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
