"""How long each kind of personal data is kept, and the purge that deletes
what is past it (`flask labo purge`, to run once a day from cron or a
systemd timer). The durations are settings (LABO_RETAIN_<KIND>_DAYS); the
privacy page shows them as they are set.

This module knows the accounts, the outbox, the SMS log and the audit log. Each feature
that keeps personal data declares its kind and purge step from its own
services module, with `@retention.kind(...)`; the privacy page lists the
kinds by `rank`."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping, Optional

from sqlalchemy import delete, func, select

from labo.accounts.models import PhoneCode, User
from labo.audit.models import AuditEntry
from labo.audit.services import audit_labels, record_audit
from labo.core.db import utcnow
from labo.core.i18n import _, _l
from labo.extensions import db
from labo.mail.models import OutboxMessage
from labo.privacy.personal_data import erase_user, is_last_admin
from labo.sms.models import SmsMessage
from labo.sms.services import mask_old_recipients

log = logging.getLogger("labo.privacy")


Step = Callable[[Mapping, datetime, bool], int]


@dataclass(frozen=True)
class RetentionKind:
    key: str  # LABO_RETAIN_<KEY>_DAYS
    days: int  # the default duration
    what: object  # lazy text: the data
    after: object  # lazy text: from when the duration runs, and what happens then
    rank: int  # its place in the privacy page's table
    step: Step  # step(config, before, dry_run) -> rows touched


_KINDS: dict[str, RetentionKind] = {}


def kind(key: str, days: int, what, after, *, rank: int) -> Callable[[Step], Step]:
    """Declare a kind of personal data and the purge step that deletes or
    anonymises what is older than `before` (in the caller's transaction,
    returning how many rows it touched)."""
    def register(step: Step) -> Step:
        _KINDS[key] = RetentionKind(key, days, what, after, rank, step)
        return step
    return register


def kinds() -> list[RetentionKind]:
    """Every declared kind, in the privacy page's order."""
    return sorted(_KINDS.values(), key=lambda k: k.rank)


def durations(config: Mapping) -> dict[str, int]:
    """Days kept, by kind, as set for this site."""
    return {k.key: int(config.get(f"LABO_RETAIN_{k.key}_DAYS", k.days)) for k in kinds()}


def purge(config: Mapping, now: Optional[datetime] = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete (or anonymise) what is past its duration, in the caller's
    transaction, and return how many rows each kind touched. With `dry_run`,
    accounts are only counted (erasing one deletes files at once); the
    caller rolls back the rest."""
    now = now or utcnow()
    days = durations(config)
    done: dict[str, int] = {}
    for k in kinds():
        done[k.key] = k.step(config, now - timedelta(days=days[k.key]), dry_run)
    db.session.flush()
    log.info("purge%s: %s", " (dry run)" if dry_run else "", ", ".join(f"{key.lower()} {n}" for key, n in done.items()))
    if any(done.values()) and not dry_run:
        record_audit(None, "privacy.purge", "site", None, **{key.lower(): n for key, n in done.items()})
    return done


def count(statement) -> int:
    """Run a purge step's UPDATE or DELETE; how many rows it touched."""
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


@kind("INACTIVE_ACCOUNT", 3 * 365, _l("Un compte qui ne sert plus"),
      _l("après la dernière connexion : le compte est supprimé comme si la personne l'avait fait elle-même "
         "(ce qu'elle a écrit reste, signé « participant·e supprimé·e »)."), rank=10)
def _inactive_accounts(config: Mapping, before: datetime, dry_run: bool) -> int:
    last_seen = func.coalesce(User.last_login_at, User.created_at)
    erased = 0
    for user in db.session.scalars(select(User).where(last_seen < before).order_by(User.id)).all():
        if is_last_admin(user):
            log.warning("purge: the last administrator (account %s) is unused but kept", user.id)
            continue
        if not dry_run:
            erase_user(config, user)
        erased += 1
    return erased


@kind("MAIL", 90, _l("Les e-mails gardés dans la boîte d'envoi du site"),
      _l("après leur écriture : ils sont supprimés."), rank=80)
def _mail(config: Mapping, before: datetime, dry_run: bool) -> int:
    return count(delete(OutboxMessage).where(OutboxMessage.created_at < before))


@kind("SMS", 90, _l("Les SMS envoyés par le site (codes de connexion, rappels), avec le numéro"),
      _l("après leur envoi : ils sont supprimés. Les codes de connexion eux-mêmes ne servent que 10 minutes."),
      rank=85)
def _sms(config: Mapping, before: datetime, dry_run: bool) -> int:
    # The codes' hashes go once past their duration too (a day at most: they die after 10 minutes).
    count(delete(PhoneCode).where(PhoneCode.expires_at < min(before, utcnow() - timedelta(days=1))))
    return count(delete(SmsMessage).where(SmsMessage.created_at < before))


@kind("SMS_NUMBER", 31, _l("Le numéro de portable à qui un SMS a été envoyé"),
      _l("après l'envoi : seuls ses deux derniers chiffres restent, le temps que le SMS soit supprimé."), rank=86)
def _sms_number(config: Mapping, before: datetime, dry_run: bool) -> int:
    return mask_old_recipients(before)


@kind("AUDIT", 3 * 365, _l("Le journal des actions de l'équipe (modération, rôles, décisions)"),
      _l("après l'action : la ligne est supprimée."), rank=90)
def _audit(config: Mapping, before: datetime, dry_run: bool) -> int:
    return count(delete(AuditEntry).where(AuditEntry.created_at < before))


audit_labels({
    "privacy.purge": lambda d: _("Données personnelles effacées après leur durée de conservation : %(count)s",
                                 count=sum(n for n in d.values() if isinstance(n, int))),
})
