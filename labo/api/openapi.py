"""The OpenAPI 3 document of /api/v1. Each feature adds its paths and schemas here."""
from __future__ import annotations

OPENAPI_VERSION = "3.1.0"

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
    "Contribution": {
        "type": "object",
        "required": ["id", "kind", "title", "body", "commune", "status", "supports", "url"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["idee", "envie", "initiative", "question"]},
            "title": {"type": "string", "maxLength": 140},
            "body": {"type": "string", "description": "Sanitised HTML (a small allowlist)."},
            "commune": {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}},
            "qpv": {"type": ["object", "null"], "properties": {
                "code": {"type": ["string", "null"]}, "name": {"type": "string"}, "slug": {"type": "string"}}},
            "theme": {"type": "object", "properties": {
                "pillar": {"type": ["integer", "null"]}, "ambition": {"type": ["string", "null"]},
                "label": {"type": ["string", "null"]}}},
            "status": {"type": "string", "enum": ["proposee", "en_etude", "retenue", "non_retenue", "realisee"]},
            "visibility": {"type": "string", "enum": ["published", "pending"],
                           "description": "Always published in listings; pending only in the answer to one's own POST "
                                          "in a pre-moderated commune."},
            "author": {"type": "string", "description": "A pseudonym, never an email."},
            "entered_on_behalf": {"type": "boolean", "description": "Typed in by a referent or animator for a resident."},
            "supports": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "answer": {"type": ["string", "null"], "description": "The decider's answer (sanitised HTML)."},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "photo": {"type": ["string", "null"], "format": "uri-reference"},
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
    "ContributionPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Contribution"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}, "total": {"type": "integer"},
        },
    },
    "NewContribution": {
        "type": "object",
        "required": ["kind", "title", "body", "commune"],
        "properties": {
            "kind": {"type": "string", "enum": ["idee", "envie", "initiative", "question"]},
            "title": {"type": "string", "minLength": 1, "maxLength": 140, "pattern": "\\S",
                      "description": "Plain text, not blank."},
            "body": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S",
                     "description": "Not blank; sanitised to a small HTML allowlist."},
            "commune": {"type": "string", "description": "A commune's slug.", "examples": ["lens"]},
            "qpv": {"type": "string", "description": "A QPV's code or slug, of a QPV of that commune.",
                    "examples": ["QP062024"]},
            "theme": {"type": "string", "description": "p1, p2, p3 for a pillar, or an ambition's slug.",
                      "examples": ["p2"]},
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "title", "starts_at", "commune", "venue", "counts", "url"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "theme": {"type": "string"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": ["string", "null"], "format": "date-time"},
            "commune": {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}},
            "venue": {"type": "string"}, "address": {"type": "string"},
            "access": {"type": "object", "properties": {
                "step_free": {"type": "boolean"}, "public_transport": {"type": "string"}, "childcare": {"type": "boolean"}}},
            "capacity": {"type": ["integer", "null"]}, "cancelled": {"type": "boolean"},
            "counts": {"type": "object", "description": "Aggregates only: never who registered.", "properties": {
                "registered": {"type": "integer"}, "waiting": {"type": "integer"}, "present": {"type": "integer"}}},
            "url": {"type": "string", "format": "uri-reference"},
            "ics": {"type": "string", "format": "uri-reference"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}

def _filter(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


def _moment(name: str, description: str) -> dict:
    """A date (YYYY-MM-DD) or an RFC 3339 date and time, e.g. 2024-05-15T13:30:00+02:00."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}}


# The page number is at most five digits: past the last page, a page is empty.
PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 99999, "default": 1}}
PER_PAGE = {"name": "per_page", "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


PATHS: dict = {
    "/meetings": {
        "get": {
            "operationId": "listMeetings",
            "summary": "The Labo's meetings, in date order, with public fields and counts.",
            "tags": ["meetings"],
            "parameters": [
                _filter("commune", "A commune's slug."),
                _moment("from", "Only meetings starting on or after this date (YYYY-MM-DD) "
                                "or moment (RFC 3339 date and time, with its offset)."),
                _moment("to", "Only meetings starting on or before this date (the whole day) or moment."),
            ],
            "responses": {
                "200": {"description": "The meetings.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}}}}},
                "400": _error("A malformed date."),
            },
        }
    },
    "/meetings/{id}": {
        "get": {
            "operationId": "getMeeting",
            "summary": "One meeting: public fields and counts only.",
            "tags": ["meetings"],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "The meeting.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Meeting"}}}},
                "404": _error("Unknown meeting."),
            },
        }
    },
    "/contributions": {
        "get": {
            "operationId": "listContributions",
            "summary": "Published contributions, newest first, paginated. Hidden ones never appear.",
            "tags": ["contributions"],
            "parameters": [
                _filter("commune", "A commune's slug."),
                _filter("qpv", "A QPV's code or slug."),
                _filter("theme", "p1, p2, p3, or an ambition's slug."),
                _filter("kind", "idee, envie, initiative or question."),
                _filter("status", "proposee, en_etude, retenue, non_retenue or realisee."),
                _filter("q", "Words to find in the title or text."),
                PAGE, PER_PAGE,
            ],
            "responses": {
                "200": {"description": "One page of contributions.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContributionPage"}}}},
                "400": _error("A malformed page or per_page."),
            },
        },
        "post": {
            "operationId": "createContribution",
            "summary": "Post a contribution as the logged-in person (session cookie and X-CSRFToken header).",
            "tags": ["contributions"],
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/NewContribution"}}}},
            "responses": {
                "201": {"description": "Created.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "202": {"description": "Received in a pre-moderated commune: public once a referent approves it.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "400": _error("Missing or invalid fields, or no CSRF token; `errors` names each field."),
                "401": _error("Not logged in."),
                "403": _error("The account may not post."),
                "413": _error("The request is over 12 MB."),
                "429": _error("Too many posts in a short time from this account."),
            },
        },
    },
    "/contributions/{id}": {
        "get": {
            "operationId": "getContribution",
            "summary": "One published contribution.",
            "tags": ["contributions"],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "The contribution.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "404": _error("Unknown, hidden, pending or merged."),
            },
        },
    },
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


def build_document(server_url: str) -> dict:
    from labo.fiches import api as fiches_api
    from labo.partners import api as partners_api
    from labo.processes import api as processes_api
    from labo.proclamation import api as proclamation_api

    paths, schemas = dict(PATHS), dict(SCHEMAS)
    for feature in (proclamation_api, partners_api, fiches_api, processes_api):
        paths.update(feature.PATHS)
        schemas.update(feature.SCHEMAS)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Labo de la participation des habitants — API",
            "version": "1.0.0",
            "description": "Public data of the Labo: territory, and (as they come) contributions, "
            "meetings and processes. Nobody's email or personal data is ever exposed.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "The token of any page's forms (csrf_token), for the same session."},
            },
        },
    }
