"""A form sent with an expired or missing CSRF token comes back as the same
form, with what was typed, instead of a bare error page.

Flask-WTF's CSRFProtect refuses such a POST in a before_request hook, before
the view runs. `form_again()` is called by the CSRFError handler: it runs the
hooks that came after CSRFProtect's (rate limits, the NUL refusal...), then
the view itself, with `g.csrf_rerun` set. CSRFProtect having failed,
`g.csrf_valid` is not set, so every FlaskForm's `validate()` checks the token
again and fails on it: the view draws its form again with the data and the
`csrf_token` error, which the error summary (templates/_macros/forms.html)
says in one plain sentence.

Nothing may be written by that second run:
- any database flush raises `RerunWrite` (so the view's work is undone and
  the generic 400 page is shown instead), and the session is rolled back;
- the cookie session is put back as it was (a language chosen, a flash, a
  login), but for the fresh CSRF token the form now carries;
- only a drawn page (a 2xx or 4xx answer with HTML) is kept, as a 400;
  a redirect, an abort (400, 403, 404...) or anything else gives None, and the caller
  shows its error page.
"""
from __future__ import annotations

import copy
import logging
from typing import Optional

from flask import Response, current_app, g, render_template, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from labo.extensions import db

log = logging.getLogger("labo")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MARKER = b"data-error-summary"


class RerunWrite(RuntimeError):
    """A view tried to write while run again after a refused CSRF token."""


def _refuse_writes(session_: Session, flush_context, instances) -> None:
    from flask import has_request_context

    if has_request_context() and g.get("csrf_rerun"):
        raise RerunWrite("no write while a refused form is drawn again")


def _refuse_statements(state) -> None:
    """Bulk ORM statements and plain SQL do not flush: checked here."""
    from flask import has_request_context

    if not (has_request_context() and g.get("csrf_rerun")):
        return
    if state.is_insert or state.is_update or state.is_delete:
        raise RerunWrite("no write while a refused form is drawn again")
    if getattr(state.statement, "is_text", False):
        words = str(state.statement).lstrip().split(None, 1)
        if not words or words[0].upper() not in ("SELECT", "WITH"):
            raise RerunWrite("no write while a refused form is drawn again")


def install() -> None:
    """Listen to every session's flushes and statements (once per process)."""
    if not event.contains(Session, "before_flush", _refuse_writes):
        event.listen(Session, "before_flush", _refuse_writes)
    if not event.contains(Session, "do_orm_execute", _refuse_statements):
        event.listen(Session, "do_orm_execute", _refuse_statements)


def is_form_post() -> bool:
    """A browser's form, not a script asking for JSON."""
    if request.method != "POST" or request.mimetype not in FORM_TYPES:
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json"


def _after_csrf_hooks():
    """The before_request hooks that CSRFProtect's refusal kept from running,
    in Flask's order; the first answer one of them gives, or None."""
    app = current_app._get_current_object()
    passed = False
    for name in (None, *reversed(request.blueprints)):
        for func in app.before_request_funcs.get(name, ()):
            if not passed:
                passed = getattr(func, "__module__", "") == "flask_wtf.csrf"
                continue
            answer = app.ensure_sync(func)()
            if answer is not None:
                return answer
    return None


def form_again() -> Optional[Response]:
    """The page the view draws for this refused POST, as a 400; None when the
    view gives no form to draw again (a redirect, an abort, a write)."""
    app = current_app._get_current_object()
    view = app.view_functions.get(request.endpoint or "")
    if view is None or g.get("csrf_rerun"):
        return None
    before = copy.deepcopy(dict(session))
    g.csrf_rerun = True
    response: Optional[Response] = None
    try:
        answer = _after_csrf_hooks()
        if answer is None:
            answer = app.ensure_sync(view)(**(request.view_args or {}))
        response = app.make_response(answer)
    except HTTPException:
        pass  # an abort(400) of a one-button form, a 403, a 404: the refusal page says why
    except RerunWrite:
        log.info("a refused form's view tried to write on %s %s: the refusal page instead", request.method, request.path)
    except Exception:
        log.exception("drawing again the form refused for its CSRF token on %s %s", request.method, request.path)
    finally:
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover
            log.exception("rollback after drawing a refused form again")
    kept = response is not None and (200 <= response.status_code < 300 or 400 <= response.status_code < 500) \
        and response.mimetype == "text/html"
    consumed_flashes = "_flashes" not in session
    _restore(before)
    g.csrf_rerun = False
    if not kept:
        return None
    if consumed_flashes:  # shown on the page drawn: not to be shown again
        session.pop("_flashes", None)
    response.status_code = 400
    _say_why(response)
    return response


def _restore(before: dict) -> None:
    token = session.get("csrf_token")
    session.clear()
    session.update(before)
    if token is not None:
        session["csrf_token"] = token
    g.pop("_login_user", None)  # Flask-Login reads the account again from the session put back


def _say_why(response: Response) -> None:
    """A form drawn without an error summary (a comment, a report) does not
    say why it came back: the notice goes at the top of the page's content."""
    body = response.get_data()
    if MARKER in body:
        return
    anchor = b'<main id="contenu"'
    start = body.find(anchor)
    end = body.find(b">", start) + 1 if start >= 0 else 0
    if not end:
        return
    notice = render_template("errors/_csrf_notice.html")
    response.set_data(body[:end] + notice.encode("utf-8") + body[end:])
