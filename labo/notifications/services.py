"""Telling people what happened to what they follow: on the site always,
by email too when an SMTP server is configured."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from datetime import datetime

from sqlalchemy import delete, select, update

from labo.accounts.models import Notification, User
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


Text = Callable[[Mapping[str, Any]], str]
_TEXTS: dict[str, Text] = {}


def notification_texts(texts: Mapping[str, Text]) -> None:
    """A feature says, for each kind of notification it sends, the sentence
    its reader gets, written when read (in the reader's language)."""
    _TEXTS.update(texts)


def describe(kind: str, params: Mapping[str, Any], subject: bool = False) -> str:
    """The notification in the reader's language (the mail's subject with `subject`)."""
    if subject:
        return _("Labo de la participation : du nouveau pour « %(title)s »", title=params.get("title", ""))
    text = _TEXTS.get(kind)
    return text(params) if text is not None else kind


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
