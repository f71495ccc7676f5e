"""Demo processes, one per level, for `flask labo seed --demo` and the browser tests."""
from __future__ import annotations

from typing import Mapping


def seed(config: Mapping) -> int:
    """Idempotent; returns how many processes were made."""
    return 0
