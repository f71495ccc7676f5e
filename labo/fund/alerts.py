"""Before a funded project's spending deadline (issue 22): LABO_FUND_ALERT_DAYS
days before `FundDecision.spend_by` (7 by default), `flask labo tick` tells
the project's contact (by email, or by SMS when they left only a phone
number) and the commune's referents (a notification on the site, and an email
when the site sends mail): the project, the date as people say it, and the
link where the group posts its report. Free of Flask's request.

Only a project that was granted, is paid and whose deadline has not passed
hears anything; a refused or unpaid one never does.

Once per decision and person, whatever happens, with the reminders' ledger
(labo.reminders.services.claim: SentMessage, UNIQUE key
"fund:<decision>:deadline:<who>", claimed and committed before anything
leaves): two ticks at once send each message once; a tick killed between
the claim and the send leaves the claim unsent, and a tick after the lease
takes it back and sends it. Once every person's message is marked sent,
`deadline_alerted_at` is set (a conditional UPDATE), and the decision is no
longer looked at, even after the ledger's lines are purged."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping, Optional

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import func, select, update

from labo.accounts.services import referents_of
from labo.core.dates import format_day, local
from labo.core.db import utcnow, write_transaction
from labo.core.i18n import LANGUAGES, _
from labo.core.urls import absolute
from labo.extensions import db
from labo.fund.models import FundApplication, FundDecision, Outcome
from labo.mail.services import send_email
from labo.notifications.services import notification_texts, notify
from labo.reminders.models import SentMessage
from labo.reminders.services import _links, claim, mark_sent
from labo.sms.numbers import InvalidPhone, normalize_phone
from labo.sms.services import send_sms

log = logging.getLogger("labo.fund.alerts")

KIND = "fund-deadline"


@dataclass(frozen=True)
class Recipient:
    who: str                 # "contact", "referent:12": the ledger key's end
    channel: str             # email, sms, site (a notification on the site; the ledger holds 8 characters)
    address: Optional[str]   # the email or number; None for a notification
    user_id: Optional[int]   # the account it concerns (its erasure drops the ledger's line)
    locale: str


def due_decisions(today: date, days: int) -> list[int]:
    """The decisions whose deadline is within `days` days (today included, not passed), paid, not yet alerted."""
    return list(db.session.scalars(
        select(FundDecision.id).where(
            FundDecision.outcome == Outcome.GRANTED.value, FundDecision.paid_on.is_not(None),
            FundDecision.spend_by.is_not(None), FundDecision.deadline_alerted_at.is_(None),
            FundDecision.spend_by >= today, FundDecision.spend_by <= today + timedelta(days=days))
        .order_by(FundDecision.spend_by, FundDecision.id)))


def _language(*choices: Optional[str]) -> str:
    return next((c for c in choices if c in LANGUAGES), "fr")


def _mobile(number: str) -> bool:
    """Whether an SMS can reach this number (a landline cannot take one)."""
    try:
        normalize_phone(number, mobile=True)
    except InvalidPhone:
        return False
    return True


def recipients(application: FundApplication) -> list[Recipient]:
    """The contact (email first, else a mobile number) and the referents of the project's commune."""
    found = []
    applicant = application.applicant
    locale = _language(applicant.locale if applicant else None)
    user_id = application.applicant_id
    if application.contact_email:
        found.append(Recipient("contact", "email", application.contact_email, user_id, locale))
    elif application.contact_phone and _mobile(application.contact_phone):
        found.append(Recipient("contact", "sms", application.contact_phone, user_id, locale))
    commune = application.commune or application.round.commune
    for referent in referents_of(commune) if commune is not None else []:
        found.append(Recipient(f"referent:{referent.id}", "site", None, referent.id,
                               _language(referent.locale)))
    return found


def report_link(application: FundApplication) -> str:
    """Where the group posts its report (the project's page when the report's form is not there)."""
    if "fund.report" in current_app.view_functions:
        return absolute(url_for("fund.report", application_id=application.id))
    return absolute(url_for("fund.application", application_id=application.id))


def email_text(application: FundApplication) -> tuple[str, str]:
    """The contact's email, in the current locale."""
    decision = application.decision
    title, day = application.title, format_day(decision.spend_by)
    subject = _("« %(title)s » : l'argent est à dépenser avant le %(date)s", title=title, date=day)
    lines = [_("Bonjour %(name)s,", name=application.contact_name) if application.contact_name else _("Bonjour,"),
             "",
             _("L'argent du fonds pour votre projet « %(title)s » est à dépenser avant le %(date)s.", title=title,
               date=day),
             _("Quand le projet est fait, racontez-le en quelques phrases, avec des photos si vous voulez : "
               "c'est le bilan. Tout le monde pourra le lire."),
             "",
             _("Pour écrire le bilan : %(link)s", link=report_link(application)),
             "",
             _("Une question ? Répondez à ce message ou parlez-en à la personne référente de votre commune."),
             "",
             _("Le Labo de la participation")]
    return subject, "\n".join(lines)


def sms_text(application: FundApplication) -> str:
    title = application.title if len(application.title) <= 60 else application.title[:59].rstrip() + "…"
    return _("Labo : l'argent du projet « %(title)s » est à dépenser avant le %(date)s. Votre bilan ici : %(link)s",
             title=title, date=format_day(application.decision.spend_by), link=report_link(application))


def _deadline_text(params: Mapping) -> str:
    spend_by = params.get("spend_by")
    day = format_day(date.fromisoformat(spend_by)) if spend_by else ""
    return _("Le projet « %(title)s » doit dépenser l'argent du fonds avant le %(date)s. Le groupe peut écrire son "
             "bilan sur la page du projet.", title=params.get("title", ""), date=day)


notification_texts({"fund.deadline": _deadline_text})


def _key(decision: FundDecision, recipient: Recipient) -> str:
    return f"fund:{decision.id}:deadline:{recipient.who}"


def _send_one(config: Mapping, decision_id: int, recipient: Recipient, now: datetime) -> bool:
    """Claim, send, mark (the send and its mark in one transaction); False if it was not ours to send."""
    decision = db.session.get(FundDecision, decision_id)
    row_id = claim(_key(decision, recipient), kind=KIND, now=now, channel=recipient.channel,
                   recipient=recipient.address, user_id=recipient.user_id)
    if row_id is None:
        return False
    write_transaction()
    application = db.session.get(FundDecision, decision_id).application
    with force_locale(recipient.locale):
        if recipient.channel == "email":
            subject, body = email_text(application)
            send_email(config, recipient.address, subject, body)
        elif recipient.channel == "sms":
            send_sms(recipient.address, sms_text(application), purpose=KIND)
        else:
            notify(config, [recipient.user_id], "fund.deadline",
                   link=url_for("fund.application", application_id=application.id) + "#bilan",
                   title=application.title, spend_by=application.decision.spend_by.isoformat())
    mark_sent(row_id, now)
    db.session.commit()
    return True


def _all_sent(decision: FundDecision, people: list[Recipient]) -> bool:
    keys = [_key(decision, r) for r in people]
    sent = db.session.scalar(select(func.count(SentMessage.id)).where(
        SentMessage.key.in_(keys), SentMessage.sent_at.is_not(None))) if keys else 0
    return sent == len(keys)


def send_deadline_alerts(config: Mapping, now: Optional[datetime] = None) -> int:
    """Every alert due now (the tick's work); how many messages went. Commits."""
    now = now or utcnow()
    days = int(config.get("LABO_FUND_ALERT_DAYS", 7))
    sent = 0
    with _links():
        for decision_id in due_decisions(local(now).date(), days):
            decision = db.session.get(FundDecision, decision_id)
            people = recipients(decision.application)
            for recipient in people:
                try:
                    sent += _send_one(config, decision_id, recipient, now)
                except Exception:  # noqa: BLE001 - one message's failure must not stop the others
                    db.session.rollback()
                    log.exception("fund deadline alert %s to %s not sent; a later tick tries again",
                                  decision_id, recipient.who)
            write_transaction()  # SQLite: a transaction that reads, then writes, must take the write turn first
            decision = db.session.get(FundDecision, decision_id)
            if _all_sent(decision, people):
                db.session.execute(update(FundDecision).where(
                    FundDecision.id == decision_id, FundDecision.deadline_alerted_at.is_(None))
                    .values(deadline_alerted_at=now))
            db.session.commit()
    return sent
