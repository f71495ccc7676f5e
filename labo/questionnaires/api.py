"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

GET /api/v1/questionnaires: the questionnaires open or closed, with their questions.
GET /api/v1/questionnaires/<id>: one of them, with its results once closed,
aggregated only (never a free text, never a person; every group under 5 hidden)."""
from __future__ import annotations

from flask import abort, jsonify, url_for

from labo.api.common import bp, describe
from labo.questionnaires import services
from labo.questionnaires.models import State


def _url(questionnaire) -> str:
    return url_for("questionnaires.detail", questionnaire_id=questionnaire.id)


def _closed(questionnaire) -> bool:
    return questionnaire.state == State.CLOSED.value


@bp.route("/questionnaires")
def questionnaires():
    return jsonify([services.questionnaire_json(q, _url, with_results=_closed(q))
                    for q in services.public_questionnaires()])


@bp.route("/questionnaires/<id:questionnaire_id>")
def questionnaire(questionnaire_id: int):
    found = services.get_questionnaire(questionnaire_id)
    if found is None or found.state == State.DRAFT.value:
        abort(404)
    return jsonify(services.questionnaire_json(found, _url, with_results=_closed(found)))


PATHS: dict = {
    "/questionnaires": {
        "get": {
            "operationId": "listQuestionnaires",
            "summary": "Questionnaires open or closed, with their questions (and results once closed).",
            "tags": ["questionnaires"],
            "responses": {
                "200": {"description": "Every questionnaire that is not in preparation, newest first.",
                        "content": {"application/json": {"schema": {
                            "type": "array", "items": {"$ref": "#/components/schemas/Questionnaire"}}}}},
            },
        }
    },
    "/questionnaires/{questionnaire_id}": {
        "get": {
            "operationId": "getQuestionnaire",
            "summary": "One questionnaire, with its results once closed (aggregated; groups under 5 hidden).",
            "tags": ["questionnaires"],
            "parameters": [{"name": "questionnaire_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "The questionnaire.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Questionnaire"}}}},
                "404": {"description": "No such questionnaire, or one still in preparation."},
            },
        }
    },
}

_CELLS = {"type": "object", "additionalProperties": {"type": "string"},
          "description": "Column → count as shown: a number, \"< 5\" or \"masqué\"."}

SCHEMAS: dict = {
    "Questionnaire": {
        "type": "object",
        "required": ["id", "title", "intro", "state", "questions", "results"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "maxLength": 160},
            "url": {"type": "string", "format": "uri-reference"},
            "intro": {"type": "string"},
            "state": {"type": "string", "enum": ["open", "closed"]},
            "commune": {"type": ["string", "null"], "description": "The commune's slug; null: the agglomeration."},
            "process_id": {"type": ["integer", "null"]},
            "meeting_id": {"type": ["integer", "null"]},
            "questions": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "position": {"type": "integer"},
                "kind": {"type": "string", "enum": list(services.KINDS)},
                "text": {"type": "string"}, "easy_read": {"type": "string"}, "required": {"type": "boolean"},
                "choices": {"type": "array", "items": {"type": "string"}}}}},
            "results": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/QuestionnaireResults"}]},
        },
    },
    "QuestionnaireResults": {
        "type": "object",
        "description": "Counts only. Free texts are never given; every group under 5 people shows \"< 5\".",
        "required": ["responses", "by_channel", "questions"],
        "properties": {
            "responses": {"type": "integer"},
            "by_channel": {"type": "array", "items": {"type": "object", "properties": {
                "channel": {"type": "string"}, "responses": {"type": "integer"}}}},
            "questions": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "text": {"type": "string"},
                "kind": {"type": "string", "enum": list(services.KINDS)},
                "answered": {"type": "integer"},
                "too_few": {"type": "boolean", "description": "Fewer than 5 people answered it: no counts, "
                            "no average, no breakdowns (so that nobody's answer can be singled out)."},
                "counts": {"type": "array", "items": {"type": "object", "properties": {
                    "answer": {"type": "string"}, "people": {"type": "integer"}}}},
                "average": {"type": ["string", "null"], "description": "Scale: the average out of 5, as \"3,8\"."},
                "number": {"type": ["object", "null"]},
                "breakdowns": {"type": "array", "items": {"type": "object", "properties": {
                    "by": {"type": "string", "enum": ["channel", "commune", "qpv", "age_band"]},
                    "groups": {"type": "array", "items": {"type": "object", "properties": {
                        "group": {"type": "string"}, "cells": _CELLS}}},
                    "averages": {"type": "array", "items": {"type": "object", "properties": {
                        "group": {"type": "string"}, "average": {"type": "string"}}}}}}},
            }}},
        },
    },
}

describe(PATHS, SCHEMAS)
