"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

GET /api/v1/partners: the partners of the city contract, their commitments
and the count of each status. No referent's name or email."""
from __future__ import annotations

from flask import jsonify, url_for

from labo.api.common import bp, describe
from labo.partners import services

_STATUS_ENUM = list(services.STATUSES)


@bp.route("/partners")
def partners():
    return jsonify(services.partners_json(lambda p: url_for("partners.partner", slug=p.slug)))


PATHS: dict = {
    "/partners": {
        "get": {
            "operationId": "listPartners",
            "summary": "The partners of the city contract, with their commitments' statuses and counts per status.",
            "tags": ["partners"],
            "responses": {
                "200": {"description": "Every partner, by name.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Partner"}}}}},
            },
        }
    },
}

SCHEMAS: dict = {
    "Partner": {
        "type": "object",
        "required": ["slug", "name", "kind", "counts", "commitments"],
        "properties": {
            "slug": {"type": "string", "examples": ["caf-pas-de-calais"]},
            "name": {"type": "string", "examples": ["CAF du Pas-de-Calais"]},
            "kind": {"type": "string", "enum": ["etat", "region", "departement", "caf", "bailleur", "commune",
                                                "intercommunalite", "autre"]},
            "url": {"type": "string", "format": "uri-reference"},
            "counts": {
                "type": "object",
                "description": "How many of the partner's commitments are in each status today.",
                "required": _STATUS_ENUM,
                "properties": {s: {"type": "integer", "minimum": 0} for s in _STATUS_ENUM},
            },
            "commitments": {"type": "array", "items": {"$ref": "#/components/schemas/PartnerCommitment"}},
        },
    },
    "PartnerCommitment": {
        "type": "object",
        "required": ["id", "family", "title", "status"],
        "properties": {
            "id": {"type": "integer"},
            "family": {"type": "string", "enum": list(services.FAMILIES),
                       "description": "pilotage: steering; cooperation: technical cooperation and networking; "
                                      "evaluation: evaluation and observation; financement: financing and running actions."},
            "title": {"type": "string", "maxLength": 200},
            "status": {"type": "string", "enum": _STATUS_ENUM},
            "next_review_on": {"type": ["string", "null"], "format": "date"},
        },
    },
}

describe(PATHS, SCHEMAS)
