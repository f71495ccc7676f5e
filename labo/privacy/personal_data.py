"""A person's data, gathered for their download and erased with their
account, feature by feature.

This module knows the account, the audit log, the outbox and the SMS log;
it knows no feature. Each feature that keeps something about an account says so here,
from its own services module:

    @personal_data.exporter
    def export_for(user) -> dict: ...       # sections of the download

    @personal_data.eraser
    def erase_for(config, user) -> None: ...  # run before the account goes

The download's CSV part (labo.privacy.export) walks the schema instead, so a
table that refers to an account is in it even if its feature forgot to
register anything; tests/privacy checks the JSON part against that walk."""
from __future__ import annotations

from typing import Callable, Mapping

from sqlalchemy import delete, select, update

from labo.accounts.models import ERASED_LABEL, ErasedAccount, PhoneCode, User
from labo.accounts.services import AccountError, find_user_by_email, is_last_admin, password_matches
from labo.accounts.phone import check_phone_code, has_password
from labo.audit.models import AuditEntry
from labo.core.db import utcnow
from labo.extensions import db
from labo.mail.models import OutboxMessage
from labo.sms.models import SmsMessage

Exporter = Callable[[User], dict]
Eraser = Callable[[Mapping, User], None]

_exporters: list[Exporter] = []
_erasers: list[Eraser] = []


def exporter(function: Exporter) -> Exporter:
    """Register `function(user) -> {section: data}` for the download."""
    if function not in _exporters:
        _exporters.append(function)
    return function


def eraser(function: Eraser) -> Eraser:
    """Register `function(config, user)`, run in the erasure's transaction
    before the account's row is deleted."""
    if function not in _erasers:
        _erasers.append(function)
    return function


def export_personal_data(user: User) -> dict:
    """Everything the site keeps about `user`, for them to download: the
    account here, then each feature's sections."""
    data = {
        "pseudonym": user.pseudonym,
        "email": user.email,
        "pending_email": user.pending_email,
        "phone": user.phone,
        "text_messages": [
            {"to": m.recipient, "sent_at": (m.sent_at or m.created_at).isoformat(), "purpose": m.purpose,
             "status": m.status, "text": m.body}
            for m in (db.session.scalars(select(SmsMessage).where(SmsMessage.recipient == user.phone)
                                         .order_by(SmsMessage.id)) if user.phone else [])
        ],
        "home_commune": user.home_commune.name if user.home_commune else None,
        "home_qpv": user.home_qpv.name if user.home_qpv else None,
        "age_band": user.age_band,
        "language": user.locale,
        "created_at": user.created_at.isoformat(),
        "verified_in_person_at": user.verified_at.isoformat() if user.verified_at else None,
        "roles": [
            {"role": g.role, "commune": g.commune.name if g.commune else None, "granted_at": g.granted_at.isoformat()}
            for g in user.grants
        ],
    }
    for gather in _exporters:
        data.update(gather(user))
    return data


def erase_account(config: Mapping, user: User, password: str) -> None:
    """Delete the account for good, once its owner confirmed with their
    password, or, for an account on a number without a password, with the
    code just sent to it by SMS."""
    if user.phone and not has_password(user):
        if check_phone_code(config, user.phone, password, utcnow(), user_id=user.id) != "ok":
            raise AccountError("code-wrong", "password")
    elif not password_matches(user.password_hash, password):
        raise AccountError("password-wrong", "password")
    if is_last_admin(user):
        raise AccountError("last-admin", "password")
    erase_user(config, user)


def erase_user(config: Mapping, user: User) -> None:
    """Erase `user`: the account's personal fields go with its row; what they
    said stays, signed "participant·e supprimé·e", and every count stays as
    it was (their supports, opinions, ballots and dots stay, unsigned). All
    their sessions end, the account being gone. Their id goes on the list of
    erased accounts, so that restoring an older backup erases them again.

    Audit lines keep what was done but no longer who the person was; mail
    kept in the outbox for their address goes too, and the SMS sent to their
    number. Each feature then erases
    what it keeps (its registered erasers)."""
    label = f"{ERASED_LABEL} n°{user.id}"
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_label=label[:40]))
    # The mail kept for their address, and for the one they had asked for
    # (unless it is another account's: that mail is its owner's).
    addresses = [a for a in (user.email, user.pending_email)
                 if a and (a == user.email or find_user_by_email(a) is None)]
    if addresses:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.in_(addresses)))
    # The text messages sent to their number (sign-in codes, reminders) go too.
    if user.phone:
        db.session.execute(delete(SmsMessage).where(SmsMessage.recipient == user.phone))
        db.session.execute(delete(PhoneCode).where(PhoneCode.phone == user.phone))
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == user.id)):
        entry.details = {**(entry.details or {}), "user": label}
    for erase in _erasers:
        erase(config, user)
    if db.session.get(ErasedAccount, user.id) is None:
        db.session.add(ErasedAccount(user_id=user.id))
    db.session.delete(user)
    db.session.flush()
