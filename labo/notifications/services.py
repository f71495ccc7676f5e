"""Telling people what happened to what they follow: on the site always,
by email too when an SMTP server is configured."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from datetime import datetime

from sqlalchemy import delete, select, update

from labo.accounts.models import Notification, User
from labo.contributions.models import Status
from labo.core.db import utcnow
from labo.core.i18n import _, _l
from labo.core.urls import absolute
from labo.extensions import db
from labo.mail.services import send_email_after_commit
from labo.privacy import retention


def notify(config: Mapping, user_ids: Iterable[int], kind: str, link: str = "", **params: Any) -> int:
    """Add a notification for each person (once each); return how many."""
    ids = sorted({i for i in user_ids if i is not None})
    for user_id in ids:
        db.session.add(Notification(user_id=user_id, kind=kind, params=params, link=link))
    if ids and config.get("MAIL_SERVER"):
        from flask_babel import force_locale

        for user in db.session.scalars(select(User).where(User.id.in_(ids), User.active, User.email.is_not(None))):
            with force_locale(user.locale or "fr"):  # in the reader's language
                subject, text = describe(kind, params, subject=True), describe(kind, params)
            send_email_after_commit(db.session, user.email, subject, text + (f"\n\n{absolute(link)}" if link else ""))
    db.session.flush()
    return len(ids)


def describe(kind: str, params: Mapping[str, Any], subject: bool = False) -> str:
    """The notification in the reader's language."""
    title = params.get("title", "")
    texts = {
        "contribution.hidden": lambda: _("« %(title)s » a été masquée par une personne référente. Raison : %(reason)s", title=title, reason=params.get("reason", "")),
        "contribution.restored": lambda: _("« %(title)s » est de nouveau visible.", title=title),
        "contribution.approved": lambda: _("« %(title)s » a été validée et publiée.", title=title),
        "contribution.merged": lambda: _("« %(title)s » a été regroupée avec « %(target)s », qui disait la même chose.", title=title, target=params.get("target", "")),
        "contribution.status": lambda: _("« %(title)s » est maintenant : %(status)s.", title=title, status=_status_label(params.get("status"))),
        "meeting.minutes": lambda: _("Le compte-rendu de « %(title)s » est en ligne.", title=title),
        "contribution.answered": lambda: _("Réponse pour « %(title)s » (%(status)s) : %(answer)s", title=title, status=_status_label(params.get("status")), answer=params.get("answer_text", "")),
    }
    text = texts[kind]() if kind in texts else kind
    if subject:
        return _("Labo de la participation : du nouveau pour « %(title)s »", title=title)
    return text


def _status_label(value: Optional[str]) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value or ""


def list_for(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )


@retention.kind("NOTIFICATION", 365, _l("Les avis reçus sur le site (réponses, changements)"),
                _l("après leur envoi : ils sont supprimés."), rank=70)
def _purge(config: Mapping, before: datetime, dry_run: bool) -> int:
    return retention.count(delete(Notification).where(Notification.created_at < before))
