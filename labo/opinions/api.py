"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

GET /api/v1/opinions: the Labo's formal opinions, with their state and answer (all public).
GET /api/v1/opinions/<id>: one of them."""
from __future__ import annotations

from datetime import date

from flask import abort, jsonify, url_for

from labo.api.common import bp, describe
from labo.opinions import services


def _url(opinion) -> str:
    return url_for("opinions.detail", opinion_id=opinion.id)


@bp.route("/opinions")
def opinions():
    today = date.today()
    return jsonify([services.opinion_json(o, today, _url) for o in services.all_opinions()])


@bp.route("/opinions/<id:opinion_id>")
def opinion(opinion_id: int):
    found = services.get_opinion(opinion_id)
    if found is None:
        abort(404)
    return jsonify(services.opinion_json(found, date.today(), _url))


PATHS: dict = {
    "/opinions": {
        "get": {
            "operationId": "listOpinions",
            "summary": "The Labo's formal opinions to the COPIL, municipal councils and partners, with their answers.",
            "tags": ["opinions"],
            "responses": {
                "200": {"description": "Every opinion, newest first.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Opinion"}}}}},
            },
        }
    },
    "/opinions/{opinion_id}": {
        "get": {
            "operationId": "getOpinion",
            "summary": "One formal opinion of the Labo, with its state and answer.",
            "tags": ["opinions"],
            "parameters": [{"name": "opinion_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "The opinion.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Opinion"}}}},
                "404": {"description": "No such opinion."},
            },
        }
    },
}

SCHEMAS: dict = {
    "Opinion": {
        "type": "object",
        "required": ["id", "title", "body", "asks", "addressee", "addressee_name", "issued_on", "answer_due_on",
                     "state", "answer"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "maxLength": 160},
            "url": {"type": "string", "format": "uri-reference"},
            "body": {"type": "string", "description": "Sanitised HTML."},
            "asks": {"type": "string", "description": "What the Labo asks, sanitised HTML."},
            "addressee": {"type": "string", "enum": list(services.ADDRESSEES)},
            "addressee_name": {"type": "string"},
            "commune": {"type": ["string", "null"], "description": "The commune's slug (a municipal council)."},
            "partner": {"type": ["string", "null"], "description": "The partner's slug."},
            "meeting_id": {"type": ["integer", "null"]},
            "decision_id": {"type": ["integer", "null"]},
            "process_id": {"type": ["integer", "null"]},
            "issued_on": {"type": "string", "format": "date"},
            "answer_due_on": {"type": "string", "format": "date"},
            "state": {"type": "string", "enum": list(services.STATES),
                      "description": "sent: waiting; late: no answer past the date; answered: by the date; "
                                     "answered_late: after it."},
            "answer": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["decision", "reasons", "answered_on"],
                "properties": {"decision": {"type": "string"}, "reasons": {"type": "string"},
                               "answered_on": {"type": "string", "format": "date"}}}]},
        },
    },
}

describe(PATHS, SCHEMAS)
