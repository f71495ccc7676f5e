"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas."""
from __future__ import annotations

from flask import jsonify

from labo.api.common import bp, describe
from labo.proclamation import services


@bp.route("/proclamation/signatures/stats")
def proclamation_signature_stats():
    """How many signed, by kind, category and commune: counts, never names."""
    figures = services.stats()
    return jsonify({
        "total": figures.total,
        "by_kind": figures.by_kind,
        "by_category": figures.by_category,
        "by_commune": [{"slug": c.slug, "name": c.name, "count": n} for c, n in figures.by_commune],
        "without_commune": figures.without_commune,
    })


_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

SCHEMAS: dict = {
    "ProclamationSignatureStats": {
        "type": "object",
        "description": "Aggregates only: every signature counts, public or not; no name is ever given.",
        "required": ["total", "by_kind", "by_category", "by_commune", "without_commune"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "by_kind": {**_COUNTS, "description": "personne and organisation."},
            "by_category": {**_COUNTS, "description": "People's signatures by the title they signed as: habitant, "
                            "membre_association, agent_municipal, agent_institution, elu, autre."},
            "by_commune": {"type": "array", "description": "Communes with at least one signature, most first.",
                           "items": {"type": "object", "required": ["slug", "name", "count"], "properties": {
                               "slug": {"type": "string"}, "name": {"type": "string"},
                               "count": {"type": "integer", "minimum": 1}}}},
            "without_commune": {"type": "integer", "minimum": 0,
                                "description": "Signatures whose signer gave no commune."},
        },
    },
}

PATHS: dict = {
    "/proclamation/signatures/stats": {
        "get": {
            "operationId": "getProclamationSignatureStats",
            "summary": "How many people and organisations signed the proclamation, by category and commune.",
            "tags": ["proclamation"],
            "responses": {
                "200": {"description": "The counts.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ProclamationSignatureStats"}}}},
            },
        }
    },
}

describe(PATHS, SCHEMAS)
