"""The site's frame: home page, health check, errors, security headers, language."""
from __future__ import annotations

import re

import pytest

from labo import create_app
from labo.config import TestConfig
from tests.conftest import csrf_from, page_text


def test_home_page_speaks_french_to_a_french_phone(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Le Labo de la participation des habitants" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    # The skip link comes before anything else in the body.
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith('<a class="skip-link" href="#contenu">')
    assert 'id="contenu"' in html


def test_home_page_is_french_even_for_an_unknown_language(client):
    html = client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_a_browser_asking_for_english_gets_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert ">Home<" in html


def test_switching_language_sticks_for_the_visit(client):
    token = csrf_from(client.get("/territoire/").get_data(as_text=True))
    response = client.post("/langue", data={"lang": "en", "next": "/territoire/", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/territoire/")
    html = client.get("/territoire/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Les quartiers du Labo" not in html
    token = csrf_from(html)
    client.post("/langue", data={"lang": "fr", "next": "/", "csrf_token": token})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_switching_to_an_unknown_language_is_refused_politely(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/langue", data={"lang": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert "Cette langue n'est pas proposée." in page_text(response)


def test_language_switch_never_redirects_to_another_site(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/langue", data={"lang": "en", "next": "//evil.example/", "csrf_token": token})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # A PostgreSQL address where nothing listens: port 9 on loopback.
    app = create_app(TestConfig.overrides() | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
        "SECRET_KEY": "x",
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"
    assert response.get_json()["database"] != "ok"


def test_pages_are_a_translated_503_to_come_back_to_when_the_database_is_unreachable(tmp_path):
    app = create_app(TestConfig.overrides() | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "SECRET_KEY": "x",
    })
    client = app.test_client()
    for path in ("/", "/idees/", "/demarches/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "10"
        assert "Site momentanément indisponible" in response.get_data(as_text=True)
    english = client.get("/idees/", headers={"Accept-Language": "en"})
    assert english.status_code == 503 and "Site briefly unavailable" in english.get_data(as_text=True)
    api = client.get("/api/v1/contributions")
    assert api.status_code == 503 and api.get_json()["status"] == 503


def test_a_signed_in_resident_gets_the_503_too_when_no_connection_is_left(app):
    """Every pooled connection busy (a crowd at the door): a signed-in
    resident's page is the 503 to come back to, not a 500. Drawing it must
    not load their account from the database that cannot answer."""
    from labo.extensions import db
    from tests.factories import PASSWORD, create_user

    with app.app_context():
        email = create_user().email
        db.session.commit()
    crowded = create_app(TestConfig.overrides() | {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}})
    client = crowded.test_client()
    form = client.get("/compte/connexion").get_data(as_text=True)
    signed_in = client.post("/compte/connexion", data={"email": email, "password": PASSWORD,
                                                       "csrf_token": csrf_from(form)})
    assert signed_in.status_code == 302
    with crowded.app_context():
        held = db.engine.connect()  # the pool's only connection
        try:
            held.exec_driver_sql("SELECT 1")
            for path in ("/idees/", "/demarches/", "/compte/"):
                response = client.get(path)
                assert response.status_code == 503, path
                assert "Site momentanément indisponible" in response.get_data(as_text=True)
            # a form sent without its token (its page was the 503), or a page that does not
            # exist: their error pages need the account too, and are the 503 as well
            expired = client.post("/idees/nouvelle", data={"title": "Un banc", "body": "Près de l'école"})
            assert expired.status_code == 503 and "Site momentanément indisponible" in expired.get_data(as_text=True)
            assert client.get("/cette-page-n-existe-pas").status_code == 503
        finally:
            held.close()
        assert client.get("/idees/").status_code == 200  # and back once a connection is free
        db.engine.dispose()


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/cette-page-n-existe-pas")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page introuvable" in html
    assert 'class="skip-link"' in html


def test_a_crash_shows_a_styled_500_without_stack_trace(client, monkeypatch):
    import labo.territory.services as territory_services

    def broken():
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(territory_services, "list_communes", broken)
    response = client.get("/territoire/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Un problème de notre côté" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_api_errors_answer_in_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_every_response_carries_security_headers(client):
    for path in ("/", "/compte/connexion", "/api/v1/qpv", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert re.search(r"script-src 'self'(;|$)", csp), csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # plain http


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_carry_no_inline_script(client):
    for path in ("/", "/territoire/", "/compte/inscription"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and 'style="' not in html


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/compte/connexion", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "La page était ouverte depuis longtemps" in page_text(response)
    response = client.post("/langue", data={"lang": "en"})
    assert response.status_code == 400


def test_session_cookie_is_httponly_and_lax(client, auth):
    from tests.factories import create_user

    create_user(email="cookie@example.org")
    response = auth.login("cookie@example.org")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_marked_secure_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("LABO_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    client = app.test_client()
    html = client.get("/compte/connexion", base_url="https://localhost").get_data(as_text=True)
    assert csrf_from(html)
    response = client.post("/langue", data={"lang": "en", "csrf_token": csrf_from(html)}, base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_development(monkeypatch, tmp_path):
    monkeypatch.delenv("LABO_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("LABO_ENV", "development")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}).config["SESSION_COOKIE_SECURE"] is False


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LABO_INSTANCE_PATH", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LABO_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/labo.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example/labo")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/labo"


@pytest.mark.parametrize("path", ["/compte/connexion", "/compte/mot-de-passe-oublie"])
def test_sixth_attempt_for_one_email_within_a_minute_is_refused(client, path):
    # Counted per e-mail typed (wrong passwords; reset links asked for), not per
    # address: tests/accounts/test_rate_limits.py has the whole of it.
    token = csrf_from(client.get(path).get_data(as_text=True))
    data = {"email": "someone@example.org", "password": "wrong-password", "csrf_token": token}
    responses = [client.post(path, data=data) for _ in range(6)]
    statuses = [response.status_code for response in responses]
    # Seen fail twice in CI (the sixth let through), never alone: what the limiter said, to find why.
    from labo.extensions import limiter
    said = [(r.status_code, r.headers.get("X-RateLimit-Remaining"), r.headers.get("X-RateLimit-Reset")) for r in responses]
    why = f"{said}; storage {type(limiter.storage).__name__}, dead {limiter._storage_dead}"
    assert 429 not in statuses[:5], why
    assert statuses[5] == 429, why
    response = client.post(path, data=data)
    assert "Trop d'essais" in page_text(response)
    # Another person from the same address is not affected.
    other = client.post(path, data=data | {"email": "someone.else@example.org"})
    assert other.status_code != 429


def test_a_request_body_over_12_mb_is_refused_politely(client):
    response = client.post("/compte/connexion", data={"email": "x" * (13 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Envoi trop gros" in page_text(response)


def test_page_titles_are_plain_text(client, auth):
    from tests.factories import create_user

    create_user(email="title@example.org")
    auth.login("title@example.org")
    for path in ("/", "/territoire/", "/compte/", "/compte/notifications/"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<" not in title and len(title) < 120, (path, title)
