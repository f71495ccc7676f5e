"""The one kind of refusal a service raises: a code the view turns into a
translated message, and the form field it concerns, if any."""
from __future__ import annotations

from typing import Optional


class ServiceError(ValueError):
    def __init__(self, code: str, field: Optional[str] = None):
        super().__init__(code)
        self.code = code
        self.field = field
