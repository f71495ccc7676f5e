"""Rate limits for what people write: counted per account when logged in, so
a whole community hall on one Wi-Fi address is never turned away together,
and per action: each route decorated with
`@limiter.limit(write_limit, key_func=per_person)` keeps its own count
(Flask-Limiter scopes a limit that is not shared by the route's endpoint).

The login, registration and password-reset limits are in labo.accounts.views."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def write_limit() -> str:
    return current_app.config["LABO_WRITE_RATE_LIMIT"]


def per_person() -> str:
    """Rate limits count per account when logged in, else per address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else (request.remote_addr or "?")
