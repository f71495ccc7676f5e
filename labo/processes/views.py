"""Pages of the participation processes: list, detail at each level, opening and managing them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("processes", __name__, url_prefix="/demarches")
