"""The OpenAPI 3 document of /api/v1, built from what each part of the API
described (labo.api.common.describe) and the pieces all of them share."""
from __future__ import annotations

from labo.api.common import described

OPENAPI_VERSION = "3.1.0"

# The body of every error answer (labo.api.common.api_error).
ERROR_SCHEMA: dict = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def build_document(server_url: str) -> dict:
    paths, schemas = described()
    schemas["Error"] = ERROR_SCHEMA
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
