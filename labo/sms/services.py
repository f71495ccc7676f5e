"""`send_sms()`: one text message, through the backend the site is set up
with (`LABO_SMS_BACKEND`), stored in the SMS outbox and log either way.

Backends:
- "outbox" (the default, for development and tests): the message is kept in
  the table an administrator reads (/admin/sms) and written to the log; it
  never leaves the server.
- "brevo": Brevo's transactional SMS API (`LABO_SMS_API_URL`, default
  https://api.brevo.com, `LABO_SMS_API_KEY`, `LABO_SMS_SENDER`).

A timeout, a refused connection, a 429 or a 5xx is tried again, at most
`LABO_SMS_TRIES` times in all; any other refusal is final. Whatever
happens, the row says it (status, error code, tries) and
`sms_error_message(code)` says it in the reader's language.

A monthly ceiling (`LABO_SMS_MONTHLY_LIMIT`, every backend alike) holds the
bill: each message takes a place in its month's counter by one conditional
UPDATE before it goes; past the ceiling it is kept as failed
("sms-monthly-limit") and nothing is sent. A message the provider refused
gives its place back (a timeout does not: it may have gone). On PostgreSQL
the month's row stays locked until the caller commits, so callers commit
soon after sending (the sign-in view does; a batch sends in short
transactions)."""
from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Optional, Protocol

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from labo.core.db import utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _l
from labo.extensions import db
from labo.sms.models import SmsMessage, SmsMonthCount, SmsStatus
from labo.sms.numbers import normalize_phone

log = logging.getLogger("labo.sms")

MAX_LENGTH = 480  # characters: three SMS at most, so a bug cannot send a novel

SMS_MESSAGES = {
    "sms-empty": _l("Le SMS est vide."),
    "sms-too-long": _l("Le SMS est trop long."),
    "sms-monthly-limit": _l("Le site a envoyé tous les SMS prévus pour ce mois. Réessayez le mois prochain, "
                            "ou demandez de l'aide à l'équipe du Labo."),
    "sms-bad-number": _l("Le service d'envoi refuse ce numéro. Vérifiez le numéro de portable."),
    "sms-no-credit": _l("Le service d'envoi de SMS n'a plus de crédit. L'équipe du Labo est prévenue."),
    "sms-not-configured": _l("L'envoi de SMS est mal réglé sur le site. L'équipe du Labo est prévenue."),
    "sms-rejected": _l("Le service d'envoi a refusé ce SMS."),
    "sms-timeout": _l("Le service d'envoi de SMS ne répond pas. Réessayez dans quelques minutes."),
    "sms-unavailable": _l("Le service d'envoi de SMS est indisponible. Réessayez dans quelques minutes."),
}


def sms_error_message(code: Optional[str]) -> str:
    """What an error code means, in the reader's language."""
    return str(SMS_MESSAGES.get(code or "", SMS_MESSAGES["sms-rejected"]))


@dataclass(frozen=True)
class Delivery:
    """What a backend made of one try."""

    ok: bool
    message_id: Optional[str] = None
    error: Optional[str] = None  # an SMS_MESSAGES code
    retry: bool = False  # worth trying again (timeout, 5xx)


class SmsBackend(Protocol):
    name: str

    def deliver(self, recipient: str, body: str) -> Delivery:
        """Hand one message (recipient in E.164) over; never raise."""


class OutboxBackend:
    """Keeps the message in the table and the log; nothing leaves."""

    name = "outbox"

    def __init__(self, config: Mapping):
        pass

    def deliver(self, recipient: str, body: str) -> Delivery:
        log.warning("SMS kept in the outbox (LABO_SMS_BACKEND=outbox), to %s:\n%s", recipient, body)
        return Delivery(ok=True)


class BrevoBackend:
    """Brevo's transactional SMS API: POST {api}/v3/transactionalSMS/send with
    the `api-key` header and {sender, recipient, content, type}; it answers
    201 {"messageId": ...}, or an error status with {"code", "message"}."""

    name = "brevo"
    PATH = "/v3/transactionalSMS/send"

    def __init__(self, config: Mapping):
        self.url = (config.get("LABO_SMS_API_URL") or "https://api.brevo.com").rstrip("/") + self.PATH
        self.key = config.get("LABO_SMS_API_KEY") or ""
        self.sender = config.get("LABO_SMS_SENDER") or "Labo"
        self.timeout = float(config.get("LABO_SMS_TIMEOUT") or 10)

    def deliver(self, recipient: str, body: str) -> Delivery:
        if not self.key:
            return Delivery(ok=False, error="sms-not-configured")
        payload = {
            "sender": self.sender,
            "recipient": recipient.lstrip("+"),  # Brevo wants the country code without "+"
            "content": body,
            "type": "transactional",
            "unicodeEnabled": not body.isascii(),
        }
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode(), method="POST",
            headers={"api-key": self.key, "content-type": "application/json", "accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310: a configured https URL
                answer = _json(response.read())
                message_id = answer.get("messageId") or answer.get("reference")
                return Delivery(ok=True, message_id=str(message_id) if message_id is not None else None)
        except urllib.error.HTTPError as error:
            answer = _json(error.read())
            log.error("Brevo refused an SMS to %s: HTTP %s %s", recipient, error.code, answer)
            return self._refusal(error.code, str(answer.get("code") or ""), str(answer.get("message") or ""))
        except (TimeoutError, socket.timeout):
            log.error("Brevo did not answer within %ss (SMS to %s)", self.timeout, recipient)
            return Delivery(ok=False, error="sms-timeout", retry=True)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            timed_out = isinstance(reason, (TimeoutError, socket.timeout))
            log.error("Brevo could not be reached (SMS to %s): %s", recipient, reason)
            return Delivery(ok=False, error="sms-timeout" if timed_out else "sms-unavailable", retry=True)

    @staticmethod
    def _refusal(status: int, code: str, text: str) -> Delivery:
        if status == 402 or "credit" in code or "credit" in text.lower():
            return Delivery(ok=False, error="sms-no-credit")
        if status in (401, 403):
            return Delivery(ok=False, error="sms-not-configured")
        if status == 429 or status >= 500:
            return Delivery(ok=False, error="sms-unavailable", retry=True)
        if status == 400 and ("recipient" in text.lower() or "number" in text.lower() or "phone" in text.lower()):
            return Delivery(ok=False, error="sms-bad-number")
        return Delivery(ok=False, error="sms-rejected")


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


BACKENDS: dict[str, type] = {"outbox": OutboxBackend, "brevo": BrevoBackend}


def backend_for(config: Mapping) -> SmsBackend:
    """The backend `LABO_SMS_BACKEND` names ("outbox" when unset)."""
    name = (config.get("LABO_SMS_BACKEND") or "outbox").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"LABO_SMS_BACKEND={name!r}: expected one of {', '.join(BACKENDS)}")
    return BACKENDS[name](config)


def send_sms(number: str, text: str, *, purpose: str) -> SmsMessage:
    """Send `text` to `number` (any way of writing a mobile number; French
    without a country code) and return its row, flushed in the caller's
    transaction: status "sent", or "failed" with its `error_code` (the
    monthly ceiling reached, the provider's refusal after its tries).

    Raises InvalidPhone (a ServiceError) when `number` is not a mobile
    number, and ServiceError "sms-empty" / "sms-too-long" for the text:
    then nothing is stored."""
    config = current_app.config
    recipient = normalize_phone(number, mobile=True)
    body = (text or "").strip()
    if not body:
        raise ServiceError("sms-empty")
    if len(body) > MAX_LENGTH:
        raise ServiceError("sms-too-long")
    backend = backend_for(config)
    message = SmsMessage(recipient=recipient, body=body, purpose=purpose[:40], backend=backend.name,
                         status=SmsStatus.QUEUED.value, tries=0)
    db.session.add(message)
    month = _month(utcnow())
    if not take_monthly_place(int(config.get("LABO_SMS_MONTHLY_LIMIT", 1000)), month):
        message.status, message.error_code = SmsStatus.FAILED.value, "sms-monthly-limit"
        log.error("SMS ceiling of the month reached (LABO_SMS_MONTHLY_LIMIT): not sent to %s (%s)", recipient, purpose)
        db.session.flush()
        return message
    tries = max(1, int(config.get("LABO_SMS_TRIES", 3)))
    pause = float(config.get("LABO_SMS_RETRY_SECONDS", 1.0))
    for attempt in range(1, tries + 1):
        message.tries = attempt
        result = backend.deliver(recipient, body)
        if result.ok or not result.retry:
            break
        if attempt < tries:
            time.sleep(pause * attempt)
    if result.ok:
        message.status, message.sent_at = SmsStatus.SENT.value, utcnow()
        message.provider_message_id = result.message_id
        log.info("SMS %s to %s via %s", purpose, recipient, backend.name)
    else:
        message.status, message.error_code = SmsStatus.FAILED.value, result.error
        if result.error != "sms-timeout":  # refused: nothing went, nothing billed
            give_back_monthly_place(month)
        log.error("SMS %s to %s failed after %s tries: %s", purpose, recipient, message.tries, result.error)
    db.session.flush()
    return message


def _month(when: datetime) -> str:
    return when.strftime("%Y-%m")


def take_monthly_place(limit: int, month: str) -> bool:
    """Count one more message in `month` if fewer than `limit` were; True
    if it was counted. One INSERT … ON CONFLICT DO NOTHING makes sure the
    month's row exists, one UPDATE … WHERE sent < limit takes the place:
    the database decides, two senders cannot both take the last one."""
    if limit <= 0:
        return False
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    db.session.execute(insert(SmsMonthCount).values(month=month, sent=0).on_conflict_do_nothing(index_elements=["month"]))
    taken = db.session.execute(
        update(SmsMonthCount).where(SmsMonthCount.month == month, SmsMonthCount.sent < limit)
        .values(sent=SmsMonthCount.sent + 1).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def give_back_monthly_place(month: str) -> None:
    db.session.execute(
        update(SmsMonthCount).where(SmsMonthCount.month == month, SmsMonthCount.sent > 0)
        .values(sent=SmsMonthCount.sent - 1).execution_options(synchronize_session=False))


def sent_this_month(now: Optional[datetime] = None) -> int:
    """How many messages the month's ceiling counts so far."""
    row = db.session.get(SmsMonthCount, _month(now or utcnow()))
    return row.sent if row else 0
