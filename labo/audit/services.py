"""Writing to and reading the audit log."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from sqlalchemy import select

from labo.audit.models import AuditEntry
from labo.extensions import db


def record_audit(actor, action: str, target_type: str, target_id: Optional[int], **details: Any) -> AuditEntry:
    """Add an audit line in the caller's transaction; `actor` may be None for the system."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.pseudonym if actor is not None else "système",
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.session.add(entry)
    return entry


def audit_query(action: Optional[str] = None):
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    return query


class Details(dict):
    """An audit line's details as its label reads them: `d.name` is what the
    action was about (its name or title), `d.commune` its commune, both ""
    when not recorded; anything else through `d.get()`."""

    @property
    def name(self) -> str:
        return self.get("name") or self.get("title") or ""

    @property
    def commune(self) -> str:
        return self.get("commune") or ""


Label = Callable[[Details], str]
_LABELS: dict[str, Label] = {}


def audit_labels(labels: Mapping[str, Label]) -> None:
    """A feature says, for each action it writes, the sentence the audit page
    shows, written when read (in the reader's language)."""
    _LABELS.update(labels)


def describe_audit(entry: AuditEntry) -> str:
    """The audit line as a sentence in the reader's language; an action no
    feature has described shows as its code."""
    label = _LABELS.get(entry.action)
    return label(Details(entry.details or {})) if label is not None else entry.action
