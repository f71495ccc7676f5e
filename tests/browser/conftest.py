"""Browser tests: a real site on a local port, driven by Debian's Chromium
through playwright-core (tests/browser/run_pages.mjs), checked with axe-core.

Skipped when Chromium, node or node_modules is missing, unless
LABO_REQUIRE_BROWSER=1, which turns the skip into a failure (for CI)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import _compile_translations  # compiles only what changed

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path(__file__).resolve().parent / "run_pages.mjs"
NODE_TIMEOUT = 240  # seconds for one browser run


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium through playwright-core (needs /usr/bin/chromium and node)"
    )


def chromium_path() -> str:
    return os.environ.get("LABO_CHROMIUM") or "/usr/bin/chromium"


def missing_tools() -> list[str]:
    """What the browser tests need and cannot find, one message per tool."""
    missing = []
    chromium = chromium_path()
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        missing.append(f"Chromium not found at {chromium} (apt-get install chromium, or set LABO_CHROMIUM)")
    if shutil.which("node") is None:
        missing.append("node not found on PATH (apt-get install nodejs)")
    for package in ("playwright-core", "axe-core"):
        if not (ROOT / "node_modules" / package / "package.json").is_file():
            missing.append(f"node_modules/{package} not found (run `npm ci` at the repository root)")
    return missing


@pytest.fixture(scope="session")
def browser_tools() -> None:
    missing = missing_tools()
    if missing:
        message = "; ".join(missing)
        if os.environ.get("LABO_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " — LABO_REQUIRE_BROWSER=1 requires the browser tests to run", pytrace=False)
        pytest.skip(message)


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(browser_tools, tmp_path_factory):
    """The site with the territory and the demo accounts, on 127.0.0.1 and a free port."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from labo import create_app

    _compile_translations()
    tmp = tmp_path_factory.mktemp("browser")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp / "browser.db"),
        "TESTING": False,
        "LABO_MIGRATIONS": True,  # it migrates its own database below (labo._runs_migrations)
        # the tests change the data between two looks at the COPIL's figures, which a
        # committee would see at most LABO_COPIL_CACHE_SECONDS late (the page says so)
        "LABO_COPIL_CACHE_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
        "LABO_FORCE_HTTPS": False,
        "LABO_PROXY_COUNT": 0,
        "LABO_PASSWORD_HASH": "pbkdf2:sha256:1000",
        # The limiter is one object shared with the suite's own app: switching
        # it off here would switch it off there too. Raise the limits instead.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LABO_AUTH_RATE_LIMIT": "100000 per minute",
        "LABO_AUTH_ACCOUNT_RATE_LIMIT": "100000 per minute",
        "LABO_AUTH_ADDRESS_RATE_LIMIT": "100000 per minute",
        "LABO_AUTH_EMAIL_RATE_LIMIT": "100000 per minute",
        "LABO_WRITE_RATE_LIMIT": "100000 per minute",
        "SECRET_KEY": "browser-tests",
        "MAIL_SERVER": None,
    })
    with app.app_context():
        from labo.demo import (seed_demo, seed_demo_actors, seed_demo_contributions, seed_demo_meetings,
                               seed_demo_features)
        from labo.extensions import db
        from labo.territory.services import seed_territory

        upgrade()
        seed_territory()
        seed_demo(app.config)
        seed_demo_contributions(app.config)
        seed_demo_meetings(app.config)
        seed_demo_actors(app.config)
        seed_demo_features(app.config)
        db.session.commit()

    @app.route("/_essai/erreur-500")
    def _test_only_server_error():
        """Test-only: a view that fails, to see the 500 page as a visitor would."""
        raise RuntimeError("test-only failure, to show the 500 page")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="labo-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def run_job(job: dict) -> dict:
    """Run one job through run_pages.mjs (one Chromium launch) and return its JSON result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
    try:
        proc = subprocess.run(
            ["node", str(SCRIPT), handle.name],
            cwd=ROOT, capture_output=True, text=True, timeout=NODE_TIMEOUT,
            env={**os.environ, "LABO_CHROMIUM": chromium_path()},
        )
    finally:
        os.unlink(handle.name)
    if proc.returncode != 0:
        pytest.fail(f"run_pages.mjs exited {proc.returncode}:\n{proc.stderr[-4000:]}", pytrace=False)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"run_pages.mjs printed nothing; stderr:\n{proc.stderr[-4000:]}"
    return json.loads(lines[-1])


@pytest.fixture(scope="session")
def run_browser(browser_tools, live_server):
    """run_job against the live server."""
    return lambda job: run_job({"base": live_server.url, **job})
