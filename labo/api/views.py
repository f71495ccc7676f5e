"""The territory's part of /api/v1 (communes and QPV: the base layer every
feature stands on) and the OpenAPI document. The features' parts live in
labo/<feature>/api.py; labo/app.py imports them all before registering `bp`."""
from __future__ import annotations

from flask import jsonify, url_for

from labo.api.common import bp, describe
from labo.api.openapi import build_document
from labo.territory.services import list_communes, list_qpvs

__all__ = ["bp"]  # the same blueprint as labo.api.common.bp


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.route("/communes")
def communes():
    return jsonify([
        {
            "slug": c.slug,
            "name": c.name,
            "in_call": c.in_call,
            "qpv": [q.code for q in c.qpvs],
            "url": url_for("territory.commune", slug=c.slug),
        }
        for c in list_communes()
    ])


@bp.route("/qpv")
def qpvs():
    return jsonify([
        {
            "code": q.code,
            "name": q.name,
            "slug": q.slug,
            "communes": [c.name for c in q.communes],
            "in_contract": q.in_contract,
            "url": url_for("territory.qpv", slug=q.slug),
        }
        for q in list_qpvs()
    ])


SCHEMAS: dict = {
    "Commune": {
        "type": "object",
        "required": ["slug", "name", "in_call", "qpv"],
        "properties": {
            "slug": {"type": "string", "examples": ["fouquieres-les-lens"]},
            "name": {"type": "string", "examples": ["Fouquières-lès-Lens"]},
            "in_call": {
                "type": "boolean",
                "description": "True for the communes of the Lens-Liévin agglomeration; "
                "false for neighbours that hold part of a priority neighbourhood.",
            },
            "qpv": {
                "type": "array",
                "items": {"type": ["string", "null"]},
                "description": "Official codes of the commune's priority neighbourhoods (null where unknown).",
            },
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
    "Qpv": {
        "type": "object",
        "required": ["code", "name", "communes"],
        "properties": {
            "code": {"type": ["string", "null"], "pattern": "^QP[0-9]{6}$", "examples": ["QP062024"]},
            "name": {"type": "string", "examples": ["Cité 12 – 14"]},
            "slug": {"type": "string"},
            "communes": {"type": "array", "items": {"type": "string"}, "description": "Commune names."},
            "in_contract": {
                "type": "boolean",
                "description": "True for the 21 neighbourhoods of the Lens-Liévin city contract.",
            },
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
}

PATHS: dict = {
    "/communes": {
        "get": {
            "operationId": "listCommunes",
            "summary": "The communes of the territory, with their QPV codes.",
            "tags": ["territory"],
            "responses": {
                "200": {
                    "description": "Every commune, the agglomeration's first.",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Commune"}}}},
                }
            },
        }
    },
    "/qpv": {
        "get": {
            "operationId": "listQpv",
            "summary": "The priority neighbourhoods (QPV), with their official codes and communes.",
            "tags": ["territory"],
            "responses": {
                "200": {
                    "description": "Every QPV, those of the city contract first.",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Qpv"}}}},
                }
            },
        }
    },
}

describe(PATHS, SCHEMAS)
