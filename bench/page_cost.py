#!/usr/bin/env python3
"""What one page costs the worker, in process, beside the floor of its stack (issue 24).

    .venv/bin/python bench/page_cost.py                      # every page, 300 requests each
    .venv/bin/python bench/page_cost.py --requests 1000
    .venv/bin/python bench/page_cost.py --profile list       # cProfile of one page (see --help)
    .venv/bin/python bench/page_cost.py --what-if            # + each cost patched away, the ms it saves
    .venv/bin/python bench/page_cost.py --keep /tmp/pc       # keep the demo database between runs
    .venv/bin/python tests/pgcluster.py -- .venv/bin/python bench/page_cost.py   # on a throwaway PostgreSQL

It builds the demo (`flask --app wsgi db upgrade` and `flask --app wsgi labo
seed --demo`, in a temporary LABO_INSTANCE_PATH on SQLite, LABO_ENV=development
as bench/scale.py's server), then, in this one process, through Flask's test
client, one page after the other: --warmup requests left out, then --requests
timed with time.process_time (CPU of this process, so other work on the
machine costs little). Printed per page: median and p95 in ms of CPU and the
ratio of the median to the bare Jinja page's.

Pages:
  bytes      a bare Flask app returning the idea list's bytes (no template)
  jinja      a bare Flask + Jinja app rendering 20 cards from a list (the floor)
  list       Labo's idea list /idees/, anonymous
  idea       an idea's page, anonymous
  legal      /mentions-legales, anonymous (fixed text)
  privacy    /confidentialite, anonymous (fixed text, more of it)
  list+, idea+, legal+, privacy+   the same pages signed in as habitante@labo.example
  account+   /compte/ (her profile), signed in

Then, for each Labo page, one request with every SQL statement captured
(SQLAlchemy's before/after_cursor_execute) and printed, and a breakdown:
every before_request / after_request / teardown / url_defaults /
url_value_preprocessor hook and context processor the app registered,
Flask-Login's user_loader, the session's open and save, the view, the
template's rendering, url_for (with the static files' ?v= stamp), the
translations (templates' `_` and code's), can(), the filters' options, SQL
(driver time and ORM `Session.execute`) are each wrapped with a timer (CPU,
inclusive and "self", i.e. without the other timed parts inside it), and
their per-request cost printed. The timers cost a little themselves (~1 µs a
call): the breakdown's total is above the plain median.

--what-if patches each of ten costs away in this process alone (nothing in
labo/ changes) and times the page's requests alternately without and with
it: the median of the paired differences is what removing that cost saves.

--profile PAGE runs cProfile over --requests requests of that page, prints
the top 40 by cumulative and by own time and the own time by package, and
writes /tmp/page_cost-PAGE.pstats. It asserts nothing. See bench/README.md."""
from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
RESIDENT = "habitante@labo.example"

CARD_TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/labo.css"></head>
<body><header><nav><ul>{% for link in links %}<li><a href="{{ link.href }}">{{ link.text }}</a></li>{% endfor %}</ul></nav></header>
<main><h1>{{ title }}</h1>
<ul class="cards">
{% for card in cards %}
  <li class="card">
    <h2><a href="/idees/{{ card.id }}">{{ card.title }}</a></h2>
    <p class="meta">{{ card.kind }} · {{ card.commune }} · {{ card.date }}</p>
    <p>{{ card.body|truncate(180) }}</p>
    <p class="supports">{{ card.supports }} soutien{% if card.supports > 1 %}s{% endif %}</p>
  </li>
{% endfor %}
</ul></main>
<footer><p>{{ footer }}</p></footer></body></html>
"""


def say(text: str = "") -> None:
    print(text, flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- the data ------------------------------------------------------------------------------


def prepare_instance(path: Path) -> None:
    """`flask db upgrade` and `flask labo seed --demo` in `path` (skipped when it already holds labo.db)."""
    if (path / "labo.db").exists() or (path / "demo-seeded").exists():
        say(f"demo database kept in {path}")
        return
    path.mkdir(parents=True, exist_ok=True)
    env = instance_env(path)
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for args in (["db", "upgrade"], ["labo", "seed", "--demo"]):
        t0 = time.perf_counter()
        done = subprocess.run(flask + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        say(f"flask {' '.join(args)}: {time.perf_counter() - t0:.1f} s")
    if env.get("DATABASE_URL"):
        (path / "demo-seeded").write_text(env["DATABASE_URL"])


def instance_env(path: Path) -> dict:
    """SQLite in the instance folder, unless DATABASE_URL names a PostgreSQL
    database (e.g. under tests/pgcluster.py), which is then used instead."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(LABO_INSTANCE_PATH=str(path), LABO_ENV="development", LABO_MIGRATIONS="1",
               LABO_AUTH_RATE_LIMIT="100000 per minute")
    return env


def compile_translations() -> None:
    """As tests/conftest.py: only when a .mo is missing or older than its .po."""
    catalogues = list((ROOT / "labo" / "translations").glob("*/LC_MESSAGES/messages.po"))
    if all(po.with_suffix(".mo").exists() and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
           for po in catalogues):
        return
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    str(ROOT / "labo" / "translations")], check=True, capture_output=True)


# --- the apps ------------------------------------------------------------------------------


def bare_app(list_bytes: bytes, folder: Path):
    """Flask alone: fixed bytes, and a Jinja template of 20 cards from a list,
    loaded from a template folder as Labo's are (compiled once, then Jinja's
    cache and its up-to-date check)."""
    from flask import Flask, render_template

    (folder / "cards.html").write_text(CARD_TEMPLATE, encoding="utf-8")
    app = Flask("bare", template_folder=str(folder))
    cards = [{"id": i, "title": f"Une idée pour le quartier numéro {i}", "kind": "Idée", "commune": "Lens",
              "date": "5 décembre 2026", "supports": i % 7,
              "body": "Des bancs à l'ombre près de l'école, pour attendre les enfants. " * 4} for i in range(1, 21)]
    links = [{"href": f"/l{i}", "text": f"Lien {i}"} for i in range(12)]

    @app.get("/bytes")
    def fixed():
        return list_bytes

    @app.get("/jinja")
    def jinja():
        return render_template("cards.html", title="Les idées", cards=cards, links=links,
                               footer="Le Labo de la participation des habitants")

    return app


def labo_app(instance: Path):
    os.environ.update({k: v for k, v in instance_env(instance).items()
                       if k.startswith("LABO_")})
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("LABO_MIGRATIONS", None)  # a web worker's app: no Flask-Migrate
    from labo import create_app

    return create_app()


def sign_in(client, email: str, password: str) -> None:
    body = client.get("/compte/connexion").data
    token = CSRF_RE.search(body).group(1).decode()
    r = client.post("/compte/connexion", data={"email": email, "password": password, "csrf_token": token})
    if r.status_code != 302:
        raise SystemExit(f"login of {email} failed: {r.status_code}")


def first_idea_path(app) -> str:
    from sqlalchemy import select

    from labo.contributions.models import Contribution, Visibility
    from labo.extensions import db

    with app.app_context():
        # The idea with the most comments: the page with the most to show.
        from labo.contributions.models import Comment
        from sqlalchemy import func

        cid = db.session.scalar(select(Comment.contribution_id).join(Contribution)
                                .where(Contribution.visibility == Visibility.PUBLISHED)
                                .group_by(Comment.contribution_id).order_by(func.count().desc()).limit(1))
        if cid is None:
            cid = db.session.scalar(select(Contribution.id).where(Contribution.visibility == Visibility.PUBLISHED)
                                    .order_by(Contribution.id).limit(1))
    return f"/idees/{cid}"


# --- timing --------------------------------------------------------------------------------


def timed(client, path: str, n: int, warmup: int) -> list[float]:
    r = client.get(path)
    for _ in range(warmup):
        client.get(path)
    if r.status_code != 200:
        raise SystemExit(f"{path}: {r.status_code}")
    out = []
    clock = time.process_time
    for _ in range(n):
        t0 = clock()
        client.get(path)
        out.append((clock() - t0) * 1000)
    return out


# --- the breakdown: timers around the parts of a request -----------------------------------


class Timers:
    """Inclusive and self CPU per named part; a stack so that a timed part
    inside another is taken out of the outer one's self time."""

    def __init__(self):
        self.incl = defaultdict(float)
        self.self_ = defaultdict(float)
        self.calls = defaultdict(int)
        self.stack: list[list] = []
        self.on = False

    def wrap(self, name: str, fn):
        timers = self
        clock = time.process_time

        @functools.wraps(fn)
        def timed_part(*args, **kwargs):
            if not timers.on:
                return fn(*args, **kwargs)
            frame = [name, 0.0]
            timers.stack.append(frame)
            t0 = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = clock() - t0
                timers.stack.pop()
                timers.incl[name] += spent
                timers.self_[name] += spent - frame[1]
                timers.calls[name] += 1
                if timers.stack:
                    timers.stack[-1][1] += spent

        timed_part.__wrapped_by_page_cost__ = True
        return timed_part

    def overhead_us(self) -> float:
        """What one timed call adds (the wrapper and its two clock reads), in µs of CPU."""
        noop = self.wrap("noop", lambda: None)
        self.on = True
        t0 = time.process_time()
        for _ in range(20000):
            noop()
        spent = time.process_time() - t0
        self.on = False
        t0 = time.process_time()
        for _ in range(20000):
            (lambda: None)()
        bare = time.process_time() - t0
        self.reset()
        return (spent - bare) / 20000 * 1e6

    def reset(self):
        self.incl.clear()
        self.self_.clear()
        self.calls.clear()


def describe(fn) -> str:
    inner = getattr(fn, "__func__", fn)
    code = getattr(inner, "__code__", None)
    where = ""
    if code is not None:
        where = f" ({os.path.relpath(code.co_filename, ROOT) if code.co_filename.startswith(str(ROOT)) else code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno})"
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}{where}"


def replace_everywhere(original, replacement, prefixes=("labo",)) -> int:
    """Put `replacement` in every loaded module of `prefixes` that imported `original` by name."""
    n = 0
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(prefixes):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)
                n += 1
    return n


def instrument(app, timers: Timers) -> list[str]:
    """Wrap the parts of a request; returns the list of hooks found, described."""
    import flask.templating
    import jinja2
    from flask_login import utils as login_utils
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import labo.core.i18n as i18n
    import labo.permissions as permissions
    from labo.core import assets, memo
    from labo.extensions import db, login_manager

    hooks = []

    def wrap_list(kind: str, registry: dict):
        for scope, funcs in registry.items():
            for i, fn in enumerate(funcs):
                label = f"{kind}{'[' + scope + ']' if scope else ''}: {describe(fn)}"
                hooks.append(label)
                funcs[i] = timers.wrap(label, fn)

    wrap_list("before_request", app.before_request_funcs)
    wrap_list("after_request", app.after_request_funcs)
    wrap_list("teardown_request", app.teardown_request_funcs)
    wrap_list("teardown_appcontext", {None: app.teardown_appcontext_funcs})
    wrap_list("url_value_preprocessor", app.url_value_preprocessors)
    wrap_list("url_defaults", app.url_default_functions)
    wrap_list("context_processor", app.template_context_processors)

    # The whole request as Flask sees it, and its steps.
    app.wsgi_app = timers.wrap("request (wsgi_app, all of it)", app.wsgi_app)
    app.full_dispatch_request = timers.wrap("full_dispatch_request", app.full_dispatch_request)
    app.finalize_request = timers.wrap("finalize_request (after_request hooks, session save)", app.finalize_request)
    app.do_teardown_request = timers.wrap("do_teardown_request", app.do_teardown_request)
    app.do_teardown_appcontext = timers.wrap("do_teardown_appcontext (session close)", app.do_teardown_appcontext)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = timers.wrap(f"view {endpoint}", view)
    si = app.session_interface
    si.open_session = timers.wrap("session: open (cookie → dict, itsdangerous)", si.open_session)
    si.save_session = timers.wrap("session: save (dict → cookie)", si.save_session)

    # Flask-Login's user_loader (the account's statement and its loading).
    login_manager._user_callback = timers.wrap("flask-login user_loader (account + roles + unread)",
                                               login_manager._user_callback)
    login_manager._load_user = timers.wrap("flask-login _load_user (all of it)", login_manager._load_user)

    # Rendering: Jinja's template.render with Flask's signals around it.
    flask.templating._render = timers.wrap("render (Jinja template.render, incl. what it calls)",
                                           flask.templating._render)
    orig_get_template = jinja2.Environment.get_template
    jinja2.Environment.get_template = timers.wrap("jinja get_template (loader, up-to-date check)",
                                                  orig_get_template)

    # url_for, with the static files' ?v= stamp inside it.
    # The templates' own url_for (labo.core.urls keeps each link) is timed as
    # it is, hits and all; Flask's, which it calls on a miss and views call, apart.
    app.url_for = timers.wrap("url_for, Flask's (incl. url_defaults)", app.url_for)
    app.jinja_env.globals["url_for"] = timers.wrap("url_for, the templates' (kept links)",
                                                   app.jinja_env.globals["url_for"])
    assets.version_of = timers.wrap("assets.version_of (stat + ?v= lookup)", assets.version_of)

    # Translation.
    for name, label in (("_", "i18n: template _()/gettext"), ("ngettext", "i18n: template ngettext")):
        app.jinja_env.globals[name] = timers.wrap(label, app.jinja_env.globals[name])
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"]
    for fname in ("_", "ngettext"):
        original = getattr(i18n, fname)
        replacement = timers.wrap(f"i18n: code {fname}()", original)
        replace_everywhere(original, replacement)
    original = i18n._catalogue
    i18n._catalogue = timers.wrap("i18n: _catalogue (locale + catalogue lookup)", original)
    import flask_babel

    flask_babel.get_locale = timers.wrap("flask_babel.get_locale", flask_babel.get_locale)
    replace_everywhere(flask_babel.get_locale.__wrapped__, flask_babel.get_locale)
    i18n.select_locale = timers.wrap("i18n.select_locale (locale_selector)", i18n.select_locale)
    # Babel keeps the selector it was given at init: rewrap in its config.
    babel_ext = app.extensions.get("babel")
    if babel_ext is not None and getattr(babel_ext, "locale_selector", None) is not None:
        babel_ext.locale_selector = timers.wrap("babel locale_selector", babel_ext.locale_selector)

    # LazyString rendering (forms' labels): Flask-Babel's LazyString.__str__ / __html__.
    try:
        from flask_babel.speaklater import LazyString

        LazyString.__str__ = timers.wrap("i18n: LazyString → str", LazyString.__str__)
        LazyString.__html__ = timers.wrap("i18n: LazyString → html", LazyString.__html__)
    except ImportError:
        pass

    # CSRF token in the page (the checks on POST are a before_request hook above).
    import flask_wtf.csrf as wtf_csrf

    gen = timers.wrap("csrf: generate_csrf (token in the page)", wtf_csrf.generate_csrf)
    wtf_csrf.generate_csrf = gen
    app.jinja_env.globals["csrf_token"] = gen
    replace_everywhere(gen.__wrapped__, gen, prefixes=("labo", "flask_wtf"))

    # Permissions.
    can = timers.wrap("permissions.can", permissions.can)
    replace_everywhere(permissions.can, can)

    # The filters' options (idea list) and the memo.
    import labo.territory.services as territory

    for fname in ("commune_options", "qpv_options", "theme_choices"):
        original = getattr(territory, fname)
        replace_everywhere(original, timers.wrap(f"filters: territory.{fname}", original))
    for fname in ("remembered", "count_of"):
        original = getattr(memo, fname)
        replace_everywhere(original, timers.wrap(f"memo.{fname}", original))

    # The ORM: Session.execute / get / scalars (inclusive of compiling, the driver, building rows).
    for fname in ("execute", "scalars", "scalar", "get"):
        original = getattr(Session, fname)
        setattr(Session, fname, timers.wrap(f"sql: Session.{fname} (ORM, incl. driver)", original))

    # The driver's own time (sqlite3's execute), by cursor events.
    with app.app_context():
        engine = db.engine
    clock = time.process_time

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("page_cost_t0", []).append(clock())

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        spent = clock() - conn.info["page_cost_t0"].pop()
        if timers.on:
            timers.incl["sql: cursor.execute (the driver: sqlite3 or psycopg)"] += spent
            timers.self_["sql: cursor.execute (the driver: sqlite3 or psycopg)"] += spent
            timers.calls["sql: cursor.execute (the driver: sqlite3 or psycopg)"] += 1
            if timers.stack:
                timers.stack[-1][1] += spent

    # The views' own parts: the services they call, the forms they build and draw.
    import wtforms
    from flask_wtf import FlaskForm

    import labo.contributions.services as contribution_services
    import labo.core.pagination as pagination
    import labo.fiches.services as fiche_services
    import labo.workshops.services as workshop_services

    for module, fnames in ((contribution_services, ("published_query", "support_counts", "reader_state",
                                                    "visible_comments", "merge_candidates", "revisions_of")),
                           (pagination, ("paginate",)),
                           (fiche_services, ("linked_fiches",)),
                           (workshop_services, ("origin_of", "boards_of_meeting"))):
        for fname in fnames:
            original = getattr(module, fname, None)
            if original is None:
                continue
            wrapped = timers.wrap(f"service {module.__name__.split('.', 1)[1]}.{fname}", original)
            setattr(module, fname, wrapped)
            replace_everywhere(original, wrapped)
    for name in ("linked_fiches", "board_of_contribution"):
        if name in app.jinja_env.globals:
            app.jinja_env.globals[name] = timers.wrap(f"template global {name}", app.jinja_env.globals[name])
    FlaskForm.__init__ = timers.wrap("forms: a FlaskForm built (fields bound, CSRF, data)", FlaskForm.__init__)
    wtforms.Field.__call__ = timers.wrap("forms: a field drawn (widget, options)", wtforms.Field.__call__)
    wtforms.fields.Label.__call__ = timers.wrap("forms: a label drawn", wtforms.fields.Label.__call__)

    # Flask-Login's current_user proxy resolving (cheap once loaded; counted for its calls).
    login_utils._get_user = timers.wrap("flask-login _get_user (current_user)", login_utils._get_user)
    return hooks


def breakdown(client, path: str, timers: Timers, n: int, label: str, overhead_us: float) -> None:
    timers.reset()
    timers.on = True
    t0 = time.process_time()
    for _ in range(n):
        client.get(path)
    total = (time.process_time() - t0) * 1000 / n
    timers.on = False
    calls = sum(timers.calls.values()) / n
    say(f"\n  breakdown of {label} ({path}), {n} requests with timers on: {total:.2f} ms a request, "
        f"{calls:.0f} timed calls (~{calls * overhead_us / 1000:.2f} ms of timers); "
        f"ms a request: inclusive / self; calls a request")
    rows = sorted(timers.incl, key=lambda k: -timers.incl[k])
    for name in rows:
        incl = timers.incl[name] * 1000 / n
        if incl < 0.005:
            continue
        say(f"    {incl:7.3f} / {timers.self_[name] * 1000 / n:7.3f}  {timers.calls[name] / n:6.1f}×  {name}")


# --- SQL statements per page ---------------------------------------------------------------


def statements_of(app, client, path: str) -> list[str]:
    from sqlalchemy import event

    from labo.extensions import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen


# --- profile -------------------------------------------------------------------------------


def profile(name: str, client, path: str, n: int, warmup: int) -> None:
    for _ in range(warmup):
        client.get(path)
    # cProfile's own clock (wall time, cheap to read): with time.process_time as its timer (a system call
    # per event) the profiled page cost 3-4× more and calls weighed more than they do.
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    for _ in range(n):
        client.get(path)
    prof.disable()
    spent = (time.process_time() - t0) * 1000 / n
    out = Path(tempfile.gettempdir()) / f"page_cost-{name.replace('+', '_signed_in')}.pstats"
    prof.dump_stats(str(out))
    say(f"\ncProfile of {name} ({path}): {n} requests, {spent:.2f} ms of CPU a request under the profiler; "
        f"written to {out}")
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(40)
        say(f"\n--- top 40 by {key} ---")
        say(buf.getvalue())
    # Own time by package.
    stats = pstats.Stats(prof)
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        total += tt
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif filename.startswith(str(ROOT)):
            parts = os.path.relpath(filename, ROOT).split("/")
            package = "/".join(parts[:2]) if parts[0] in ("labo", "templates") else parts[0]
        elif filename == "~" or filename.startswith("<"):
            package = "C functions and builtins (str.join, getattr, sqlite3, ...)"
        else:
            package = "stdlib: " + Path(filename).stem
        by_package[package] += tt
    say("--- own time by package (share of the profiled time) ---")
    for package, tt in sorted(by_package.items(), key=lambda kv: -kv[1])[:25]:
        say(f"  {tt / total * 100:5.1f} %  {tt * 1000 / n:6.3f} ms/request (profiled)  {package}")



# --- what if: each cost taken away in this process alone, to measure what removing it saves ----
#
# Nothing here changes the app's code: each experiment patches this process's
# copy of it, is timed against the same page without the patch (alternated,
# so that the VM's drifting speed touches both alike), then undone. Some are
# not correct fixes as written (a memo of url_for ignores the request's host),
# only the size of the prize.


def _hooks_of(app, needle: str):
    found = []
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        for scope, funcs in registry.items():
            for fn in list(funcs):
                if needle in repr(fn) or needle in getattr(getattr(fn, "__func__", fn), "__qualname__", ""):
                    found.append((funcs, fn))
    return found


def what_if_patches(app) -> dict:
    import gc

    from jinja2 import pass_eval_context

    import labo.core.forms as labo_forms
    import labo.core.i18n as i18n
    from labo.core import assets

    # The caches outlive each patch's application (it is put on and off between requests).
    i18n_cache: dict = {}
    stamps: dict = {}
    url_cache: dict = {}
    select_cache: dict = {}

    def i18n_memo():
        """The templates' `_()` of a fixed string: typeset and marked once per (catalogue, string)."""
        env = app.jinja_env
        orig = env.globals["_"]
        cache = i18n_cache

        @pass_eval_context
        def fast(eval_ctx, string, **variables):
            if variables:
                return orig(eval_ctx, string, **variables)
            key = (id(i18n._catalogue()), string, eval_ctx.autoescape)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = orig(eval_ctx, string)
            return hit

        env.globals["_"] = env.globals["gettext"] = fast

        def undo():
            env.globals["_"] = env.globals["gettext"] = orig
        return undo

    def static_map():
        """The static files' ?v= stamps read once at start (no os.stat per url_for)."""
        orig = assets.version_of

        def version_of(folder, filename):
            hit = stamps.get(filename)
            if hit is None:
                hit = stamps[filename] = orig(folder, filename)
            return hit

        assets.version_of = version_of

        def undo():
            assets.version_of = orig
        return undo

    def url_memo():
        """Every url_for answer kept by (endpoint, values): the layout's ~28 links built once."""
        orig = app.url_for
        orig_global = app.jinja_env.globals["url_for"]
        cache = url_cache

        def url_for(endpoint, **values):
            try:
                key = (endpoint, tuple(sorted(values.items())))
                hit = cache.get(key)
            except TypeError:
                return orig(endpoint, **values)
            if hit is None:
                hit = cache[key] = orig(endpoint, **values)
            return hit

        app.url_for = url_for
        app.jinja_env.globals["url_for"] = url_for

        def undo():
            app.url_for = orig
            app.jinja_env.globals["url_for"] = orig_global
        return undo

    def remove_hooks(needle):
        def patch():
            found = _hooks_of(app, needle)
            for funcs, fn in found:
                funcs.remove(fn)

            def undo():
                for funcs, fn in found:
                    funcs.append(fn)
            return undo
        return patch

    def wtforms_i18n_off():
        """WTF_I18N_ENABLED=False: Flask-WTF no longer loads WTForms' .mo from disk (once a request
        that builds a field without a label, e.g. ContributionFilterForm.page)."""
        before = app.config.get("WTF_I18N_ENABLED", True)
        app.config["WTF_I18N_ENABLED"] = False

        def undo():
            app.config["WTF_I18N_ENABLED"] = before
        return undo

    def select_memo():
        """The filters' <select>s drawn once per (field, value, choices) and kept."""
        orig = labo_forms.Select.__call__
        cache = select_cache

        def call(self, field, **kwargs):
            try:
                key = (field.name, field.data, tuple(field.choices or ()), tuple(sorted(kwargs.items())))
                hit = cache.get(key)
            except TypeError:
                return orig(self, field, **kwargs)
            if hit is None:
                hit = cache[key] = orig(self, field, **kwargs)
            return hit

        labo_forms.Select.__call__ = call

        def undo():
            labo_forms.Select.__call__ = orig
        return undo

    def gc_freeze():
        """What wsgi.py does under gevent (production): gc.freeze() and a higher threshold."""
        before = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)

        def undo():
            gc.unfreeze()
            gc.set_threshold(*before)
        return undo

    accounts: dict = {}

    def account_memo():
        """The signed-in account kept in the process by session value (detached, its roles and
        unread count loaded): no statement, no ORM loading. Not a fix as is (a role or a
        notification would go stale): the size of what the account's look-up costs."""
        from labo.extensions import login_manager

        orig = login_manager._user_callback

        def load(value):
            user = accounts.get(value)
            if user is None:
                user = orig(value)
                if user is not None:
                    from labo.extensions import db

                    db.session.expunge(user)
                    accounts[value] = user
            return user

        login_manager._user_callback = load

        def undo():
            login_manager._user_callback = orig
        return undo

    # The idea list with its 20 cards written inline instead of 20 {% include %}s (each include
    # copies the whole context, globals and context processors' values, into a new one).
    src = (ROOT / "templates" / "contributions" / "index.html").read_text(encoding="utf-8")
    card = (ROOT / "templates" / "contributions" / "_card.html").read_text(encoding="utf-8")
    inline = src.replace('{% include "contributions/_card.html" %}', card)
    overlay = {"page_cost/contributions_index_inline.html": inline}

    def inline_cards():
        import jinja2

        import labo.contributions.views as contribution_views

        env = app.jinja_env
        if not isinstance(env.loader, jinja2.ChoiceLoader) or not any(
                isinstance(l, jinja2.DictLoader) and "page_cost/contributions_index_inline.html" in l.mapping
                for l in env.loader.loaders):
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(overlay), env.loader])
        orig = contribution_views.render_template

        def render(name, **context):
            if name == "contributions/index.html":
                name = "page_cost/contributions_index_inline.html"
            return orig(name, **context)

        contribution_views.render_template = render

        def undo():
            contribution_views.render_template = orig
        return undo

    return {
        "i18n_memo": i18n_memo,
        "static_map": static_map,
        "url_memo": url_memo,
        "no_limiter": remove_hooks("Limiter"),
        "no_talisman": remove_hooks("Talisman"),
        "wtforms_i18n_off": wtforms_i18n_off,
        "select_memo": select_memo,
        "account_memo": account_memo,
        "inline_cards": inline_cards,
        "gc_freeze": gc_freeze,
    }


def what_if(pages: dict, names: list[str], app, n: int, warmup: int) -> None:
    """Each request of the page timed without the patch, then the next with it, and so on (the
    patch put on and taken off between requests, untimed): the median of the pairs' differences.
    gc_freeze alone goes by rounds (its gc.collect is not to be paid per request). The first row,
    a patch that changes nothing, shows the noise."""
    patches = {"(nothing: noise)": lambda: (lambda: None), **what_if_patches(app)}
    say(f"\nWhat if: CPU ms saved a request (median of {n} paired differences: one request without the "
        f"patch, the next with it), and the share of the page without it")
    say(f"  {'patch':18} " + " ".join(f"{p:>17}" for p in names))
    clock = time.process_time
    for patch_name, patch in patches.items():
        cells = []
        for page in names:
            client, path = pages[page]
            for _ in range(warmup):
                client.get(path)
            undo = patch()
            status = client.get(path).status_code
            for _ in range(warmup):
                client.get(path)
            undo()
            if status != 200:
                cells.append(f"broke: {status}")
                continue
            base, saved = [], []
            if patch_name == "gc_freeze":
                for _ in range(6):
                    b = statistics.median(timed(client, path, n // 6, 5))
                    undo = patch()
                    try:
                        w = statistics.median(timed(client, path, n // 6, 5))
                    finally:
                        undo()
                    base.append(b)
                    saved.append(b - w)
            else:
                for _ in range(n):
                    t0 = clock()
                    client.get(path)
                    b = clock() - t0
                    undo = patch()
                    try:
                        t0 = clock()
                        client.get(path)
                        w = clock() - t0
                    finally:
                        undo()
                    base.append(b * 1000)
                    saved.append((b - w) * 1000)
            d, b = statistics.median(saved), statistics.median(base)
            cells.append(f"{d:+6.3f} ({d / b * 100:+4.0f} %)")
        say(f"  {patch_name:18} " + " ".join(f"{c:>17}" for c in cells))


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="requests left out first (default 30)")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile that page instead (e.g. list, idea, legal+)")
    parser.add_argument("--pages", help="comma-separated subset of pages to time")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the timers' breakdown and the SQL")
    parser.add_argument("--breakdown-requests", type=int, default=100)
    parser.add_argument("--what-if", action="store_true",
                        help="also time each experiment (a cost patched away in this process) against the page without it")
    parser.add_argument("--keep", metavar="DIR", help="the instance folder to use and keep (default: a temporary one)")
    args = parser.parse_args()

    compile_translations()
    tmp = None
    if args.keep:
        instance = Path(args.keep)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="page_cost-")
        instance = Path(tmp.name)
    prepare_instance(instance)

    from labo.demo import DEMO_PASSWORD

    app = labo_app(instance)
    anon = app.test_client()
    signed = app.test_client()
    sign_in(signed, RESIDENT, DEMO_PASSWORD)
    idea = first_idea_path(app)
    list_bytes = anon.get("/idees/").data
    bare_folder = instance / "bare_templates"
    bare_folder.mkdir(exist_ok=True)
    bare = bare_app(list_bytes, bare_folder).test_client()

    pages = {
        "bytes": (bare, "/bytes"),
        "jinja": (bare, "/jinja"),
        "list": (anon, "/idees/"),
        "idea": (anon, idea),
        "legal": (anon, "/mentions-legales"),
        "privacy": (anon, "/confidentialite"),
        "list+": (signed, "/idees/"),
        "idea+": (signed, idea),
        "legal+": (signed, "/mentions-legales"),
        "privacy+": (signed, "/confidentialite"),
        "account+": (signed, "/compte/"),
    }
    if args.profile:
        if args.profile not in pages:
            raise SystemExit(f"--profile: one of {', '.join(pages)}")
        client, path = pages[args.profile]
        profile(args.profile, client, path, args.requests, args.warmup)
        return

    import platform

    with app.app_context():
        from labo.extensions import db

        say(f"database: {db.engine.url.get_backend_name()} {db.engine.dialect.server_version_info}")
    say(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"{args.requests} requests a page after {args.warmup}; CPU ms (time.process_time)")
    wanted = args.pages.split(",") if args.pages else list(pages)
    results = {}
    # The bare Jinja page is timed first and again last: the VM's speed drifts.
    order = ["jinja"] + [p for p in wanted if p != "jinja"] + ["jinja"]
    for name in order:
        client, path = pages[name]
        times = timed(client, path, args.requests, args.warmup)
        results.setdefault(name, []).extend(times)
    floor = statistics.median(results["jinja"])
    say(f"\n{'page':10} {'path':22} {'median':>8} {'p95':>8} {'× jinja':>8}  bytes")
    for name in ["bytes", "jinja"] + [p for p in wanted if p not in ("bytes", "jinja")]:
        if name not in results:
            continue
        client, path = pages[name]
        med, p95 = statistics.median(results[name]), pct(results[name], 95)
        size = len(client.get(path).data)
        say(f"{name:10} {path:22} {med:8.2f} {p95:8.2f} {med / floor:8.1f}  {size}")
    say(f"load {os.getloadavg()[0]:.2f}")
    if args.what_if:
        what_if(pages, [p for p in ("list", "idea", "legal+", "list+") if p in wanted], app, args.requests,
                args.warmup)
    if args.no_breakdown:
        return

    say("\nSQL statements per page (one request, after the warm-up):")
    for name in wanted:
        if name in ("bytes", "jinja"):
            continue
        client, path = pages[name]
        statements = statements_of(app, client, path)
        say(f"\n  {name} {path}: {len(statements)} statements")
        for s in statements:
            say(f"    - {s[:260]}{'…' if len(s) > 260 else ''}")

    timers = Timers()
    hooks = instrument(app, timers)
    overhead = timers.overhead_us()
    say(f"\nOne timed call costs ~{overhead:.2f} µs of CPU (wrapper and clock reads): a part called "
        f"100 times a request shows ~{overhead * 100 / 1000:.2f} ms more than it costs.")
    say("\nHooks registered on the app (each is timed in the breakdowns below):")
    for h in hooks:
        say(f"  {h}")
    for name in wanted:
        if name in ("bytes", "jinja"):
            continue
        client, path = pages[name]
        for _ in range(5):
            client.get(path)
        breakdown(client, path, timers, args.breakdown_requests, name, overhead)


if __name__ == "__main__":
    main()
