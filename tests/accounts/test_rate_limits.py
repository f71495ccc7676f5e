"""Rate limits sized for a community hall (issue 17): 300 people on one Wi-Fi
address log in, register and reset passwords within minutes; one person's
typos slow down only the account they typed, never the whole room."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from labo.accounts.models import User
from labo.config import Config
from labo.contributions.models import Contribution
from labo.extensions import db, limiter
from labo.mail.models import OutboxMessage
from tests.conftest import csrf_from, page_text
from tests.factories import PASSWORD, commune, create_user

HALL = "192.0.2.10"  # the community hall's one Wi-Fi address
ELSEWHERE = "198.51.100.7"
WRONG = "pas le bon mot de passe"
AUTH_SETTINGS = ("LABO_AUTH_RATE_LIMIT", "LABO_AUTH_ACCOUNT_RATE_LIMIT", "LABO_AUTH_ADDRESS_RATE_LIMIT",
                 "LABO_AUTH_EMAIL_RATE_LIMIT", "LABO_WRITE_RATE_LIMIT")


@pytest.fixture
def defaults(monkeypatch, tmp_path):
    """The settings a site gets with nothing set in its environment."""
    for name in AUTH_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    return Config.from_env(str(tmp_path))


@pytest.fixture(autouse=True)
def limits_on(app, monkeypatch, defaults):
    """The limiter on, with the default limits and nothing counted yet, whatever the environment."""
    monkeypatch.setattr(limiter, "enabled", True)
    for name in AUTH_SETTINGS:
        monkeypatch.setitem(app.config, name, defaults[name])
    limiter.reset()
    yield
    limiter.reset()


def person(app, address: str = HALL):
    """A browser of its own (its own session), on the given address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def send(browser, path: str, data: dict, form_page: str | None = None):
    token = csrf_from(browser.get(form_page or path).get_data(as_text=True))
    return browser.post(path, data={"csrf_token": token, **data})


def log_in(app, email: str, password: str = PASSWORD, address: str = HALL):
    return send(person(app, address), "/compte/connexion", {"email": email, "password": password})


def registration(n: int) -> dict:
    return {"pseudonym": f"Voisine {n}", "email": f"voisine{n}@example.org", "password": "mon beau quartier",
            "home_commune": str(commune("lens").id), "age_band": "65_plus"}


def assert_wrong_password(response):
    assert response.status_code == 422
    assert "Pseudonyme, adresse e-mail ou mot de passe incorrect." in page_text(response)


def assert_too_many(response):
    assert response.status_code == 429
    text = page_text(response)
    assert "Trop d'essais" in text and "Attendez une minute, puis réessayez." in text


def test_a_hall_of_twenty_log_in_and_twenty_register_from_one_address(app):
    emails = [create_user(email=f"salle{n}@example.org").email for n in range(20)]
    db.session.commit()
    for email in emails:
        response = log_in(app, email)
        assert response.status_code == 302, email
        assert "Trop d'essais" not in page_text(response)
    for n in range(20):
        response = send(person(app), "/compte/inscription", registration(n))
        assert response.status_code == 302, n
        assert response.headers["Location"] == "/"  # signed in at once
    assert db.session.scalar(select(func.count(User.id)).where(User.pending_email.like("voisine%"))) == 20


def test_one_accounts_sixth_wrong_password_is_refused_and_nobody_elses(app):
    for email in ("dana@example.org", "elie@example.org", "farid@example.org"):
        create_user(email=email)
    db.session.commit()
    # The address is counted as typed it is looked up: case does not make a new account.
    for typed in ("dana@example.org", "Dana@Example.org", "DANA@EXAMPLE.ORG", "dana@example.org", "Dana@example.org"):
        assert_wrong_password(log_in(app, typed, WRONG))
    assert_too_many(log_in(app, "dana@example.org", WRONG))
    # For that minute, even the right password waits: a guess is never confirmed.
    assert_too_many(log_in(app, "dana@example.org"))
    english = person(app)
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = send(english, "/compte/connexion", {"email": "dana@example.org", "password": WRONG})
    assert response.status_code == 429
    assert "Too many tries in a short time. Wait a minute, then try again." in page_text(response)
    # Right after, from the same address, another person logs in...
    assert log_in(app, "elie@example.org").status_code == 302
    # ...and a third person's typo gets the usual answer, not the "too many" page.
    assert_wrong_password(log_in(app, "farid@example.org", WRONG))


def test_a_successful_login_is_not_counted_against_the_account(app):
    create_user(email="gael@example.org")
    db.session.commit()
    for _attempt in range(4):
        assert_wrong_password(log_in(app, "gael@example.org", WRONG))
    for _attempt in range(5):
        assert log_in(app, "gael@example.org").status_code == 302
    assert_wrong_password(log_in(app, "gael@example.org", WRONG))
    assert_too_many(log_in(app, "gael@example.org", WRONG))


def test_wrong_passwords_from_many_addresses_add_up_for_one_account(app):
    create_user(email="hana@example.org")
    db.session.commit()
    # 5 per minute from one address, 10 per minute from all addresses together.
    for n in range(10):
        assert_wrong_password(log_in(app, "hana@example.org", WRONG, address=f"203.0.113.{n // 4 + 1}"))
    assert_too_many(log_in(app, "hana@example.org", WRONG, address="203.0.113.99"))


def test_the_default_ceiling_per_address_is_100_per_minute(defaults):
    assert defaults["LABO_AUTH_ADDRESS_RATE_LIMIT"] == "100 per minute"
    assert defaults["LABO_AUTH_RATE_LIMIT"] == "5 per minute"


def reset_path(app) -> str:
    from labo.accounts.services import make_reset_token

    user = db.session.scalar(select(User).where(User.email == "ines@example.org"))
    return f"/compte/nouveau-mot-de-passe/{make_reset_token(app.config, user)}"


@pytest.mark.parametrize("form", ["login", "register", "forgot", "reset"])
def test_the_101st_attempt_from_one_address_in_a_minute_is_refused(app, form):
    create_user(email="ines@example.org")
    db.session.commit()
    path = {"login": "/compte/connexion", "register": "/compte/inscription",
            "forgot": "/compte/mot-de-passe-oublie"}.get(form) or reset_path(app)

    def data(n: int) -> dict:
        if form == "login":  # 100 different people, each with a typo
            return {"email": f"typo{n}@example.org", "password": WRONG}
        if form == "register":
            return registration(n)
        if form == "forgot":
            return {"email": f"oubli{n}@example.org"}
        return {"password": "un nouveau mot de passe", "confirm": "un autre mot de passe"}

    hall = person(app)
    token = csrf_from(hall.get(path).get_data(as_text=True))

    def post(n: int):
        if form == "register":  # registering signs in: each person registers on their own phone
            return send(person(app), path, data(n))
        return hall.post(path, data={"csrf_token": token, **data(n)})

    statuses = [post(n).status_code for n in range(100)]
    assert 429 not in statuses
    assert_too_many(post(100))
    # The ceiling is the address's: the same form from elsewhere still passes.
    elsewhere = person(app, ELSEWHERE)
    token = csrf_from(elsewhere.get(path).get_data(as_text=True))
    assert elsewhere.post(path, data={"csrf_token": token, **data(101)}).status_code != 429


def reset_mails(email: str) -> int:
    return len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)).all())


def test_one_inbox_asked_for_again_and_again_is_spared(app):
    create_user(email="jade@example.org")
    create_user(email="kim@example.org")
    db.session.commit()
    for _attempt in range(5):
        response = send(person(app), "/compte/mot-de-passe-oublie", {"email": "jade@example.org"})
        assert response.status_code == 302
    assert_too_many(send(person(app), "/compte/mot-de-passe-oublie", {"email": "Jade@example.org"}))
    # Not from another address either, nor through the registration form, which mails it too.
    assert_too_many(send(person(app, ELSEWHERE), "/compte/mot-de-passe-oublie", {"email": "jade@example.org"}))
    assert_too_many(send(person(app), "/compte/inscription", registration(1) | {"email": "jade@example.org"}))
    assert reset_mails("jade@example.org") == 5
    # Another person, from the same address, gets their link.
    response = send(person(app), "/compte/mot-de-passe-oublie", {"email": "kim@example.org"})
    assert response.status_code == 302
    assert reset_mails("kim@example.org") == 1


def test_the_write_limit_counts_each_action_apart(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_WRITE_RATE_LIMIT", "2 per minute")
    create_user(email="lou@example.org")
    db.session.commit()
    browser = person(app)
    assert send(browser, "/compte/connexion", {"email": "lou@example.org", "password": PASSWORD}).status_code == 302
    idea = {"kind": "idee", "title": "Des bancs", "body": "Près de l'arrêt", "commune": str(commune("lens").id)}
    assert [send(browser, "/idees/nouvelle", idea).status_code for _ in range(3)] == [302, 302, 429]
    # Posting a third idea waits; commenting, another action, does not.
    first = db.session.scalar(select(func.min(Contribution.id)))
    response = send(browser, f"/idees/{first}/commenter", {"body": "Bonne idée"}, form_page=f"/idees/{first}")
    assert response.status_code == 302


def test_wrong_passwords_typed_with_a_pseudonym_count_whatever_its_case_or_accents(app):
    create_user(pseudonym="Hélène", email="helene@example.org")
    create_user(pseudonym="Omar", email="omar@example.org")
    db.session.commit()
    for typed in ("Hélène", "helene", "HELENE", " Hélène ", "hélène"):
        assert_wrong_password(log_in(app, typed, WRONG))
    assert_too_many(log_in(app, "Helene", WRONG))
    assert_too_many(log_in(app, "Hélène"))
    # Someone else, from the same hall, logs in with their pseudonym.
    assert log_in(app, "omar").status_code == 302


def test_wrong_reset_codes_are_limited_like_wrong_passwords(app):
    from labo.accounts.services import issue_reset_code
    from labo.core.db import utcnow
    from tests.factories import create_admin

    mireille = create_user(pseudonym="Mireille")
    code = issue_reset_code(app.config, create_admin(), mireille, utcnow())
    db.session.commit()
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    form = {"pseudonym": "Mireille", "code": wrong, "password": "mon nouveau secret"}
    for _attempt in range(5):
        response = send(person(app), "/compte/code", form)
        assert response.status_code == 422
        assert "ne vont pas ensemble" in page_text(response)
    assert_too_many(send(person(app), "/compte/code", form | {"pseudonym": "mireille"}))
    # Even the right code waits that minute: a guess is never confirmed.
    assert_too_many(send(person(app), "/compte/code", form | {"code": code}))
    # From another address the right code works: this address's tries were over
    # its 5 a minute, the pseudonym's 10 a minute from all addresses are not.
    assert send(person(app, ELSEWHERE), "/compte/code", form | {"code": code}).status_code == 302
