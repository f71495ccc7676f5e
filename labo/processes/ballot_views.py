"""Pages of the ballots: voting, paper and workshop tallies, results."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ballots", __name__, url_prefix="/demarches")
