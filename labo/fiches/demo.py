"""Demo data of this feature, for `flask labo seed --demo` and the browser tests."""
from __future__ import annotations

from typing import Mapping


def seed(config: Mapping) -> int:
    """Idempotent; returns how many main records were made."""
    return 0
