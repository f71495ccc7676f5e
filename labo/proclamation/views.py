"""Pages of this feature (to be written)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("proclamation", __name__)
