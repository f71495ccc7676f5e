"""What every part of /api/v1 shares: the blueprint its routes hang on, the
JSON error answer, the OpenAPI pieces written once, and the register through
which each part adds its paths and schemas to the document.

Each part (labo/api/views.py for the territory, labo/<feature>/api.py for a
feature) imports this module, adds its routes to `bp` and calls `describe()`
when it is imported; labo/app.py imports every part, then registers `bp`.
This module imports flask and labo.core only: it knows no part."""
from __future__ import annotations

import re
from typing import Mapping

from flask import Blueprint, jsonify

from labo.core.i18n import _

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def api_error(status: int, message: str, errors: dict | None = None):
    """The API's error answer: {"error", "status"[, "errors": {field: message}]} (schema `Error`)."""
    body = {"error": message, "status": status}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def page_args(args: Mapping[str, str]) -> tuple[int, int] | None:
    """A list's page and per_page from the query (1 and 20 when absent); None if malformed."""
    page, per_page = args.get("page", "1"), args.get("per_page", "20")
    if not (re.fullmatch(r"[0-9]{1,5}", page) and re.fullmatch(r"[0-9]{1,3}", per_page)) \
            or int(page) < 1 or not 1 <= int(per_page) <= 100:
        return None
    return int(page), int(per_page)


def page_error():
    return api_error(400, _("page doit être un entier ≥ 1 et per_page entre 1 et 100."))


# --- OpenAPI pieces ---------------------------------------------------------

# The page number is at most five digits: past the last page, a page is empty.
PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 99999, "default": 1}}
PER_PAGE = {"name": "per_page", "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}
# A commune as the API shows it inside another object.
PLACE = {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}}


def query_param(name: str, description: str, enum: list | None = None) -> dict:
    """An optional text parameter of the query string."""
    schema: dict = {"type": "string"}
    if enum:
        schema["enum"] = enum
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def id_param() -> dict:
    """The {id} of a path."""
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def error_response(description: str) -> dict:
    """A response whose body is the `Error` schema (see api_error)."""
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# --- the register of the document's parts -----------------------------------

_PATHS: dict = {}
_SCHEMAS: dict = {}


def describe(paths: dict, schemas: dict) -> None:
    """Add a part's paths and schemas to the OpenAPI document. Two parts may
    not describe the same path or schema differently."""
    for register, added in ((_PATHS, paths), (_SCHEMAS, schemas)):
        for key, value in added.items():
            if key in register and register[key] != value:
                raise ValueError(f"{key} is already described by another part of the API")
            register[key] = value


def described() -> tuple[dict, dict]:
    """Copies of the paths and schemas the parts described, in the order they came."""
    return dict(_PATHS), dict(_SCHEMAS)
