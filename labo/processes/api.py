"""The processes' part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas."""
from __future__ import annotations

PATHS: dict = {}
SCHEMAS: dict = {}
