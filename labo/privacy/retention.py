"""How long each kind of personal data is kept, and the purge that deletes
what is past it (`flask labo purge`, to run once a day from cron or a
systemd timer). The durations are settings (LABO_RETAIN_<KIND>_DAYS); the
privacy page shows them as they are set."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping, Optional

from sqlalchemy import delete, func, select, update

from labo.core.db import utcnow
from labo.core.i18n import _l
from labo.extensions import db

log = logging.getLogger("labo.privacy")


@dataclass(frozen=True)
class Kind:
    key: str  # LABO_RETAIN_<KEY>_DAYS
    days: int  # the default duration
    what: object  # lazy text: the data
    after: object  # lazy text: from when the duration runs, and what happens then


KINDS = (
    Kind("INACTIVE_ACCOUNT", 3 * 365, _l("Un compte qui ne sert plus"),
         _l("après la dernière connexion : le compte est supprimé comme si la personne l'avait fait elle-même "
            "(ce qu'elle a écrit reste, signé « participant·e supprimé·e »).")),
    Kind("REGISTRATION_CONTACT", 31, _l("Le téléphone ou l'e-mail laissé pour une rencontre"),
         _l("après la rencontre : il est effacé ; il ne sert qu'à prévenir d'un changement.")),
    Kind("GUEST_CONTACT", 90, _l("L'e-mail ou le téléphone laissé avec une idée envoyée sans compte"),
         _l("après la réponse à l'idée : il est effacé ; il ne sert qu'à dire ce que devient l'idée.")),
    Kind("REGISTRATION_NAME", 365, _l("Le prénom laissé pour une rencontre"),
         _l("après la rencontre : il est effacé ; la présence reste comptée, sans nom.")),
    Kind("WORKSHOP_PSEUDONYM", 365, _l("Le pseudonyme choisi pour un atelier en direct"),
         _l("après l'atelier : il est remplacé par « participant·e » ; les post-it restent.")),
    Kind("REPORT_AUTHOR", 365, _l("Le nom de qui a signalé une contribution"),
         _l("après le signalement : le signalement reste, sans le nom de la personne qui l'a fait.")),
    Kind("NOTIFICATION", 365, _l("Les avis reçus sur le site (réponses, changements)"),
         _l("après leur envoi : ils sont supprimés.")),
    Kind("MAIL", 90, _l("Les e-mails gardés dans la boîte d'envoi du site"),
         _l("après leur écriture : ils sont supprimés.")),
    Kind("AUDIT", 3 * 365, _l("Le journal des actions de l'équipe (modération, rôles, décisions)"),
         _l("après l'action : la ligne est supprimée.")),
)


def durations(config: Mapping) -> dict[str, int]:
    """Days kept, by kind, as set for this site."""
    return {kind.key: int(config.get(f"LABO_RETAIN_{kind.key}_DAYS", kind.days)) for kind in KINDS}


def purge(config: Mapping, now: Optional[datetime] = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete (or anonymise) what is past its duration, in the caller's
    transaction, and return how many rows each kind touched. With `dry_run`,
    accounts are only counted (erasing one deletes files at once); the
    caller rolls back the rest."""
    now = now or utcnow()
    days = durations(config)

    def limit(key: str) -> datetime:
        return now - timedelta(days=days[key])

    done: dict[str, int] = {}
    for key, step in _STEPS.items():
        done[key] = step(config, limit(key), dry_run)
    db.session.flush()
    log.info("purge%s: %s", " (dry run)" if dry_run else "", ", ".join(f"{key.lower()} {n}" for key, n in done.items()))
    if any(done.values()) and not dry_run:
        from labo.audit.services import record_audit

        record_audit(None, "privacy.purge", "site", None, **{key.lower(): n for key, n in done.items()})
    return done


def _inactive_accounts(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.accounts.models import User
    from labo.accounts.services import erase_user, is_last_admin

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


def _registration_contacts(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.meetings.models import Meeting, Registration

    past = select(Meeting.id).where(Meeting.starts_at < before)
    return _count(update(Registration).where(Registration.meeting_id.in_(past), Registration.contact.is_not(None))
                  .values(contact=None))


def _guest_contacts(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.contributions.models import Contribution

    return _count(update(Contribution).where(Contribution.answered_at < before, Contribution.guest_contact.is_not(None))
                  .values(guest_contact=None))


def _registration_names(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.meetings.models import Meeting, Registration

    past = select(Meeting.id).where(Meeting.starts_at < before)
    return _count(update(Registration).where(Registration.meeting_id.in_(past), Registration.first_name != "")
                  .values(first_name=""))


ANONYMOUS_PSEUDONYM = "participant·e"


def _workshop_pseudonyms(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.accounts.models import ERASED_LABEL
    from labo.workshops.models import Board, Participant

    past = select(Board.id).where(Board.created_at < before)
    return _count(update(Participant).where(Participant.board_id.in_(past),
                                            Participant.pseudonym.not_in([ANONYMOUS_PSEUDONYM, ERASED_LABEL]))
                  .values(pseudonym=ANONYMOUS_PSEUDONYM))


def _report_authors(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.contributions.models import Report

    return _count(update(Report).where(Report.created_at < before, Report.reporter_id.is_not(None))
                  .values(reporter_id=None))


def _notifications(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.notifications.models import Notification

    return _count(delete(Notification).where(Notification.created_at < before))


def _mail(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.mail.models import OutboxMessage

    return _count(delete(OutboxMessage).where(OutboxMessage.created_at < before))


def _audit(config: Mapping, before: datetime, dry_run: bool) -> int:
    from labo.audit.models import AuditEntry

    return _count(delete(AuditEntry).where(AuditEntry.created_at < before))


def _count(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


_STEPS: dict[str, Callable[[Mapping, datetime, bool], int]] = {
    "INACTIVE_ACCOUNT": _inactive_accounts,
    "REGISTRATION_CONTACT": _registration_contacts,
    "GUEST_CONTACT": _guest_contacts,
    "REGISTRATION_NAME": _registration_names,
    "WORKSHOP_PSEUDONYM": _workshop_pseudonyms,
    "REPORT_AUTHOR": _report_authors,
    "NOTIFICATION": _notifications,
    "MAIL": _mail,
    "AUDIT": _audit,
}
assert set(_STEPS) == {kind.key for kind in KINDS}
