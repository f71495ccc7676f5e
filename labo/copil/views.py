"""The COPIL's dashboard, indicators, exports and printable report."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("copil", __name__, url_prefix="/copil")
