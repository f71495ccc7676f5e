"""Configuration, read from environment variables only.

With nothing set, the site runs on SQLite in `instance/` with a secret key
generated once and kept in `instance/secret_key`."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "labo.db")
    # Accept the usual spellings and use psycopg 3 for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str, options: dict) -> dict:
    """A connection checked before use (the database may have restarted), and,
    on PostgreSQL, no request waiting long on a database that does not answer:
    a connection attempt gives up after 5 s, a wait for a free pooled
    connection after 8 s (the request then gets the 503 page).

    On PostgreSQL the pool keeps all its connections (`LABO_DB_POOL`, "size,
    overflow", default "15,0": as many at once as SQLAlchemy's 5 + 10, none
    closed after use). Each new connection plans every statement again, up
    to ten times before it keeps a generic plan (psycopg prepares at the 5th
    run, PostgreSQL settles after 5 more); with overflow connections closed
    and reopened as the load moved, the database spent more time planning
    than executing under load (bench/README.md)."""
    options = {"pool_pre_ping": True, **options}
    if url.startswith("postgresql"):
        options.setdefault("connect_args", {"connect_timeout": 5})
        options.setdefault("pool_timeout", 8)
        pool = os.environ.get("LABO_DB_POOL", "").strip() or "15,0"
        size, _, overflow = (part.strip() for part in pool.partition(","))
        overflow = overflow or "0"
        if not (size.isdigit() and int(size) > 0 and overflow.isdigit()):
            raise ValueError(f"LABO_DB_POOL={pool!r}: expected 'size,overflow', e.g. '15,0'")
        options.setdefault("pool_size", int(size))
        options.setdefault("max_overflow", int(overflow))
    return options


def secret_key(instance_path: str) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a running site, built from the environment at start-up."""

    @staticmethod
    def from_env(instance_path: str) -> dict:
        env = os.environ.get("LABO_ENV", "production").strip().lower()
        development = env == "development"
        redis_url = os.environ.get("REDIS_URL", "").strip() or None
        return {
            "LABO_ENV": env,
            # Room for one photo of 10 MB and its form (contributions come later).
            "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
            "SECRET_KEY": secret_key(instance_path),
            "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "REDIS_URL": redis_url,
            # Cookies: HttpOnly and SameSite=Lax always, Secure outside development.
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": not development,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": not development,
            "PREFERRED_URL_SCHEME": "http" if development else "https",
            "LABO_FORCE_HTTPS": _bool("LABO_FORCE_HTTPS", False),
            # The site's public address, e.g. https://labo.example.org: links in
            # emails are built from it, never from the request's Host header.
            "LABO_BASE_URL": os.environ.get("LABO_BASE_URL", "").strip() or None,
            "LABO_PROXY_COUNT": _int("LABO_PROXY_COUNT", 0),
            "LABO_PASSWORD_HASH": os.environ.get("LABO_PASSWORD_HASH", "scrypt"),
            "LABO_RESET_MAX_AGE": _int("LABO_RESET_MAX_AGE", 3600),
            # Rate limits sized for a community hall: 300 people on one Wi-Fi
            # address log in and register within minutes, so what one person
            # does wrong is counted per account, never per address alone.
            # Wrong passwords for one account (the e-mail typed) from one address;
            # logged in, one's refused password changes and erasures.
            "LABO_AUTH_RATE_LIMIT": os.environ.get("LABO_AUTH_RATE_LIMIT", "5 per minute"),
            # Wrong passwords for one account from all addresses together.
            "LABO_AUTH_ACCOUNT_RATE_LIMIT": os.environ.get("LABO_AUTH_ACCOUNT_RATE_LIMIT", "10 per minute; 50 per hour"),
            # Everything sent from one address, right or wrong, to each of the
            # login, registration, forgotten-password and new-password forms.
            "LABO_AUTH_ADDRESS_RATE_LIMIT": os.environ.get("LABO_AUTH_ADDRESS_RATE_LIMIT", "100 per minute"),
            # Registrations and reset requests accepted for one e-mail address,
            # from all addresses together: each sends that inbox a mail.
            "LABO_AUTH_EMAIL_RATE_LIMIT": os.environ.get("LABO_AUTH_EMAIL_RATE_LIMIT", "5 per minute; 10 per hour"),
            # Posting, commenting, supporting, reporting, voting: per account AND
            # per action. Each route's @limiter.limit(write_limit, key_func=per_person)
            # is its own counter (Flask-Limiter scopes a non-shared limit by the
            # route's endpoint), so 30 comments a minute leave 30 supports.
            "LABO_WRITE_RATE_LIMIT": os.environ.get("LABO_WRITE_RATE_LIMIT", "30 per minute; 300 per day"),
            # Ideas posted without an account, per address: a hall of 300 on one
            # Wi-Fi posts a few hundred in an evening; a robot posting more waits
            # (and whatever it posts waits for a referent anyway).
            "LABO_GUEST_POST_RATE_LIMIT": os.environ.get("LABO_GUEST_POST_RATE_LIMIT", "60 per 10 minutes; 400 per day"),
            # A form filled in faster than this (seconds) was filled by a robot:
            # it comes back once, asking to read it again.
            "LABO_GUEST_MIN_SECONDS": _int("LABO_GUEST_MIN_SECONDS", 4),
            # 0 switches every rate limit off.
            "RATELIMIT_ENABLED": _bool("LABO_RATELIMIT_ENABLED", True),
            "RATELIMIT_STORAGE_URI": redis_url or "memory://",
            # Redis down: the limits are counted in memory meanwhile, never a 500.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            # "Within a minute" means the last 60 seconds, not the clock's
            # current minute (a fixed window lets a burst straddle two).
            "RATELIMIT_STRATEGY": "moving-window",
            "RATELIMIT_HEADERS_ENABLED": True,
            "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
            "MAIL_PORT": _int("MAIL_PORT", 25),
            "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
            "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
            "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
            "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
            "MAIL_DEFAULT_SENDER": os.environ.get(
                "MAIL_DEFAULT_SENDER", "Labo de la participation <labo@localhost>"
            ),
            # Text messages (labo.sms.services): "outbox" keeps them for an administrator
            # to read (/admin/sms) and never sends; "brevo" sends through Brevo's API.
            "LABO_SMS_BACKEND": (os.environ.get("LABO_SMS_BACKEND", "").strip().lower() or "outbox"),
            "LABO_SMS_API_KEY": os.environ.get("LABO_SMS_API_KEY", "").strip() or None,
            # The name shown as the sender: 11 letters or digits at most.
            "LABO_SMS_SENDER": os.environ.get("LABO_SMS_SENDER", "").strip() or "Labo",
            "LABO_SMS_API_URL": os.environ.get("LABO_SMS_API_URL", "").strip() or "https://api.brevo.com",
            # At most this many SMS (segments of 160 characters, 70 with a character outside
            # GSM 7-bit) a month, whatever asks for them (a bug cannot run up a bill).
            "LABO_SMS_MONTHLY_LIMIT": _int("LABO_SMS_MONTHLY_LIMIT", 1000),
            # The share of that ceiling bulk messages (the letter, reminders) may use: sign-in codes keep the rest.
            "LABO_SMS_BULK_SHARE": float(os.environ.get("LABO_SMS_BULK_SHARE") or 0.8),
            # Seconds to wait for the provider's answer; tries in all for a timeout or a 5xx.
            "LABO_SMS_TIMEOUT": _int("LABO_SMS_TIMEOUT", 10),
            "LABO_SMS_TRIES": _int("LABO_SMS_TRIES", 3),
            # The key in the address the provider calls for a text received ("STOP"): labo/letters.
            "LABO_SMS_INBOUND_KEY": os.environ.get("LABO_SMS_INBOUND_KEY", "").strip() or None,
            # Sign-in codes sent by SMS to one number, from all addresses together,
            # and from one address to all numbers together (each costs a message).
            "LABO_SMS_CODE_RATE_LIMIT": os.environ.get("LABO_SMS_CODE_RATE_LIMIT", "3 per 10 minutes; 10 per day"),
            "LABO_SMS_CODE_ADDRESS_RATE_LIMIT": os.environ.get("LABO_SMS_CODE_ADDRESS_RATE_LIMIT",
                                                               "60 per 10 minutes; 300 per day"),
            "LABO_ASYNC_MODE": os.environ.get("LABO_ASYNC_MODE") or None,
            # Photos live outside the web root and are served by the app.
            "LABO_UPLOAD_DIR": os.environ.get("LABO_UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
            # A contribution waiting longer than this for an answer is listed as late.
            "LABO_ANSWER_DAYS": _int("LABO_ANSWER_DAYS", 60),
            # The fund: this many days before a funded project's spending deadline, its contact and
            # the commune's referents are told (labo.fund.alerts, from `flask labo tick`).
            "LABO_FUND_ALERT_DAYS": _int("LABO_FUND_ALERT_DAYS", 7),
            # Where the Labo lives: dates typed in forms are local times there.
            "LABO_TIMEZONE": os.environ.get("LABO_TIMEZONE", "Europe/Paris"),
            "LABO_PER_PAGE": _int("LABO_PER_PAGE", 20),
            # How long a list's total and the territory's choices are remembered
            # (labo.core.memo; a write of the same process forgets them at once); 0: never.
            "LABO_MEMO_SECONDS": _int("LABO_MEMO_SECONDS", 60),
            # How long the COPIL dashboard's figures are kept for a period (labo.copil.services).
            "LABO_COPIL_CACHE_SECONDS": _int("LABO_COPIL_CACHE_SECONDS", 300),
            # Who answers for the data (the privacy page names them) and where to write.
            "LABO_PRIVACY_CONTROLLER": os.environ.get("LABO_PRIVACY_CONTROLLER", "").strip() or None,
            "LABO_PRIVACY_CONTACT": os.environ.get("LABO_PRIVACY_CONTACT", "").strip() or None,
            # The legal notice and the accessibility statement (templates/site/legal.html,
            # accessibility.html): who publishes the site, where, who answers for it, who
            # hosts it, the code's licence and where to read it. Unset: the pages say so.
            "LABO_PUBLISHER": os.environ.get("LABO_PUBLISHER", "").strip() or None,
            "LABO_PUBLISHER_ADDRESS": os.environ.get("LABO_PUBLISHER_ADDRESS", "").strip() or None,
            "LABO_PUBLICATION_DIRECTOR": os.environ.get("LABO_PUBLICATION_DIRECTOR", "").strip() or None,
            "LABO_HOST": os.environ.get("LABO_HOST", "").strip() or None,
            "LABO_CODE_LICENCE": os.environ.get("LABO_CODE_LICENCE", "").strip() or None,
            "LABO_SOURCE_URL": os.environ.get("LABO_SOURCE_URL", "").strip() or None,
            # Where to report an accessibility problem (e-mail); the privacy contact otherwise.
            "LABO_ACCESSIBILITY_CONTACT": os.environ.get("LABO_ACCESSIBILITY_CONTACT", "").strip() or None,
            # "Se souvenir de moi" keeps one logged in for 30 days (the privacy page says so).
            "REMEMBER_COOKIE_DURATION": timedelta(days=_int("LABO_REMEMBER_DAYS", 30)),
            # How long each kind of personal data is kept (labo.privacy.retention
            # has the kinds and their defaults): LABO_RETAIN_<KIND>_DAYS.
            **{name: int(value) for name, value in os.environ.items() if name.startswith("LABO_RETAIN_") and value},
        }


class TestConfig:
    """Overrides for the test suite: fast hashing, no Secure cookie over http."""

    @staticmethod
    def overrides() -> dict:
        return {
            "TESTING": True,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
            "LABO_PASSWORD_HASH": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": None,
            "LABO_SMS_BACKEND": "outbox",
            "LABO_SMS_API_KEY": None,
            "LABO_SMS_RETRY_SECONDS": 0.05,
            "LABO_COPIL_CACHE_SECONDS": 0,  # a test that wants the cache sets it
        }
