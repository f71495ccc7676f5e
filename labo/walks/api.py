"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

GET /api/v1/walks: the walking diagnostics, newest first, with their public findings.
GET /api/v1/walks/<id>: one of them. Never who posted a finding."""
from __future__ import annotations

from flask import abort, jsonify, url_for

from labo.api.common import bp, describe
from labo.walks import services


def _url(walk) -> str:
    return url_for("walks.detail", walk_id=walk.id)


def _meeting_url(walk) -> str:
    return url_for("meetings.detail", meeting_id=walk.meeting_id)


def _photo_url(finding):
    return url_for("walks.photo", key=finding.photo_key) if finding.photo_key else None


@bp.route("/walks")
def walks():
    return jsonify([services.walk_json(w, _url, _meeting_url, _photo_url) for w in services.all_walks()])


@bp.route("/walks/<id:walk_id>")
def walk(walk_id: int):
    found = services.get_walk(walk_id)
    if found is None:
        abort(404)
    return jsonify(services.walk_json(found, _url, _meeting_url, _photo_url))


PATHS: dict = {
    "/walks": {
        "get": {
            "operationId": "listWalks",
            "summary": "Walking diagnostics of the neighbourhoods, with their findings and the answers they got.",
            "tags": ["walks"],
            "responses": {
                "200": {"description": "Every walk, newest first.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Walk"}}}}},
            },
        }
    },
    "/walks/{walk_id}": {
        "get": {
            "operationId": "getWalk",
            "summary": "One walking diagnostic, with its findings and the answers they got.",
            "tags": ["walks"],
            "parameters": [{"name": "walk_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "The walk.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Walk"}}}},
                "404": {"description": "No such walk."},
            },
        }
    },
}

SCHEMAS: dict = {
    "Walk": {
        "type": "object",
        "required": ["id", "title", "meeting_id", "starts_at", "commune", "meeting_point", "invited", "findings"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "maxLength": 160},
            "url": {"type": "string", "format": "uri-reference"},
            "meeting_id": {"type": "integer", "description": "The meeting (kind 'walk') to register for."},
            "meeting_url": {"type": "string", "format": "uri-reference"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": ["string", "null"], "format": "date-time"},
            "cancelled": {"type": "boolean"},
            "commune": {"type": "string", "description": "The commune's slug."},
            "qpv": {"type": ["string", "null"], "description": "The priority neighbourhood's official code."},
            "meeting_point": {"type": "string"},
            "route": {"type": "string", "description": "The route in words, one step a line."},
            "invited": {"type": "array", "items": {"type": "string",
                                                   "enum": ["residents", "landlord", "commune_services"]}},
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/WalkFinding"},
                         "description": "The findings sent on to a partner or a commune service; those not "
                                        "sorted yet, set aside or merged as duplicates are left out."},
        },
    },
    "WalkFinding": {
        "type": "object",
        "required": ["id", "category", "text", "status"],
        "properties": {
            "id": {"type": "integer"},
            "category": {"type": "string", "enum": list(services.CATEGORIES)},
            "text": {"type": "string", "maxLength": 500},
            "street": {"type": ["string", "null"]},
            "position": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["latitude", "longitude"],
                "description": "Only when the person chose to add it; rounded to 4 decimals (about 11 m).",
                "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}}}]},
            "geo": {"type": "string", "description": "A geo: URI (RFC 5870) for a map application."},
            "photo": {"type": ["string", "null"], "format": "uri-reference",
                      "description": "The photo, without any metadata."},
            "status": {"type": "string", "enum": ["sent", "answered", "in_progress", "done", "refused"]},
            "sent_to": {"type": ["string", "null"], "description": "The partner or commune service it was sent to."},
            "answer": {"type": ["string", "null"]},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
}

describe(PATHS, SCHEMAS)
