"""`create_app()`: the site built from its parts, each feature's blueprint,
API part, socket namespace and commands registered here. This module sits on
top of the house: it imports every feature, and nothing imports it but the
package's face (labo/__init__.py) and wsgi.py."""
from __future__ import annotations

import logging
import os
from functools import partial
from typing import Optional

import click
from flask import Flask
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from labo.accounts import views as account_views
from labo.accounts.services import user_for_session
from labo.cards import views as card_views
from labo.actors import views as actor_views
from labo.admin import views as admin_views
from labo.api import common as api_common
from labo.api import views as api_views  # noqa: F401  (adds the territory's routes and /openapi.json)
from labo.cli import labo_cli
from labo.config import Config, engine_options
from labo.contributions import api as contribution_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.contributions import views as contribution_views
from labo.copil import views as copil_views
from labo.core import assets, error_pages, i18n, memo, uploads, urls
from labo.core.db import configure_sqlite, keep_prepared_statements
from labo.core.realtime import SharedQueue
from labo.extensions import babel, csrf, db, limiter, login_manager, talisman
from labo.fiches import api as fiche_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.fiches import views as fiche_views
from labo.fund import api as fund_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.fund import views as fund_views
from labo.letters import views as letter_views
from labo.meetings import api as meeting_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.meetings import views as meeting_views
from labo.notifications import views as notification_views
from labo.opinions import api as opinion_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.opinions import views as opinion_views
from labo.partners import api as partner_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.partners import views as partner_views
from labo.privacy import views as privacy_views
from labo.processes import api as process_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.processes import ballot_views
from labo.processes import views as process_views
from labo.proclamation import api as proclamation_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.proclamation import views as proclamation_views
from labo.questionnaires import api as questionnaire_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.questionnaires import views as questionnaire_views
from labo.site import views as site_views
from labo.territory import views as territory_views
from labo.walks import api as walk_api  # noqa: F401  (adds its routes to the API blueprint)
from labo.walks import views as walk_views
from labo.workshops import views as workshop_views
from labo.workshops.events import NAMESPACE, BoardNamespace, announce_link, forget_for_message


class IdConverter(IntegerConverter):
    """A database id: 1 to 2**31-1; anything else is a 404, not a 500."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def _without_websocket_compression(wsgi_app):
    """Browsers offer permessage-deflate and simple-websocket accepts it: the
    server would then compress every frame once per recipient, costing more
    CPU than it saves on notes of a few hundred bytes (bench/README.md).
    Dropping the offer keeps frames plain; nginx is told to drop it too."""

    def app(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def _runs_migrations(app: Flask) -> bool:
    """Flask-Migrate, with Alembic, Mako and Pygments under it (memory every
    worker would carry, bench/README.md), is for the `flask` commands (`flask db
    upgrade`, `flask labo ...`) and the tests (the browser tests' live site, which
    is not TESTING, says LABO_MIGRATIONS): a web worker never migrates."""
    return bool(app.testing or click.get_current_context(silent=True) is not None
                or app.config.get("LABO_MIGRATIONS") or os.environ.get("LABO_MIGRATIONS") == "1")


def create_app(overrides: Optional[dict] = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        "labo",
        instance_path=os.environ.get("LABO_INSTANCE_PATH") or os.path.join(root, "instance"),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(Config.from_env(app.instance_path))
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                             app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    logging.basicConfig(level=logging.INFO)
    if app.config["LABO_ENV"] == "production" and not app.config["LABO_BASE_URL"] and not app.config.get("TESTING"):
        logging.getLogger("labo").warning("LABO_BASE_URL is not set: links in emails will use the request's Host")

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.DEFAULT_LOCALE)
    # Dates are stored in UTC and shown in the Labo's own time zone.
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("LABO_TIMEZONE", "Europe/Paris"))

    if app.config["LABO_PROXY_COUNT"]:
        n = app.config["LABO_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.url_map.converters["id"] = IdConverter

    db.init_app(app)
    memo.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        keep_prepared_statements(db.engine)
    if _runs_migrations(app):
        from flask_migrate import Migrate

        Migrate(app, db, directory=os.path.join(root, "migrations"), render_as_batch=True)
    assets.register(app)
    urls.register(app)  # after Flask's own template globals, whose url_for it replaces
    uploads.init_app(app)  # before CSRFProtect reads a body: the upload forms' own limit
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_translations(app.jinja_env)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = i18n._l("Connectez-vous pour voir cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    talisman.init_app(
        app,
        force_https=app.config["LABO_FORCE_HTTPS"],
        strict_transport_security=True,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "connect-src": "'self'",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )
    # Same-origin only, or the site's public address when it is set.
    origins = [app.config["LABO_BASE_URL"].rstrip("/")] if app.config["LABO_BASE_URL"] else None
    queue = None
    if app.config["REDIS_URL"]:
        # Between processes; without Redis, each serves its own clients (labo.core.realtime).
        queue = SharedQueue(app.config["REDIS_URL"], channel="flask-socketio", on_change=partial(announce_link, app),
                            on_message=partial(forget_for_message, app))
    socketio = SocketIO(
        app,
        async_mode=app.config["LABO_ASYNC_MODE"] or "threading",
        client_manager=queue,
        cors_allowed_origins=origins,
        # Notes are short: a frame over 64 KB is not a phone of ours.
        max_http_buffer_size=64 * 1024,
    )
    socketio.on_namespace(BoardNamespace(NAMESPACE))
    app.wsgi_app = _without_websocket_compression(app.wsgi_app)

    @login_manager.user_loader
    def load_user(session_value: str):
        return user_for_session(session_value)

    for blueprint in (
        site_views.bp,
        account_views.bp,
        territory_views.bp,
        territory_views.admin_bp,
        admin_views.bp,
        api_common.bp,  # with every part imported above
        contribution_views.bp,
        contribution_views.moderation_bp,
        notification_views.bp,
        meeting_views.bp,
        meeting_views.calendar_bp,
        meeting_views.short_bp,
        actor_views.bp,
        proclamation_views.bp,
        partner_views.bp,
        fiche_views.bp,
        process_views.bp,
        ballot_views.bp,
        card_views.bp,
        copil_views.bp,
        workshop_views.bp,
        workshop_views.phone_bp,
        privacy_views.bp,
        letter_views.bp,
        fund_views.bp,
        opinion_views.bp,
        questionnaire_views.bp,
        walk_views.bp,
    ):
        app.register_blueprint(blueprint)
    error_pages.register_errors(app)
    site_views.register_template_helpers(app)

    app.cli.add_command(labo_cli)
    return app
