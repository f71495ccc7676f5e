"""Placeholder while the views are written."""
from flask import Blueprint

bp = Blueprint("workshops", __name__, url_prefix="/ateliers")
phone_bp = Blueprint("board", __name__, url_prefix="/atelier")
