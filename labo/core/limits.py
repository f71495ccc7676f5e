"""Rate limits for what people write: counted per account when logged in, so
a whole community hall on one Wi-Fi address is never turned away together."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def write_limit() -> str:
    return current_app.config["LABO_WRITE_RATE_LIMIT"]


def per_person() -> str:
    """Rate limits count per account when logged in, else per address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else (request.remote_addr or "?")
