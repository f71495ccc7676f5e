"""`send_sms()`: one text message, through the backend the site is set up
with (`LABO_SMS_BACKEND`), stored in the SMS outbox and log either way.

Backends:
- "outbox" (the default, for development and tests): the message is kept in
  the table an administrator reads (/admin/sms) and written to the log
  (never the text of a code or a confirmation link); it never leaves the
  server, and keeps its text whole.
- "brevo": Brevo's transactional SMS API (`LABO_SMS_API_URL`, default
  https://api.brevo.com, `LABO_SMS_API_KEY`, `LABO_SMS_SENDER`).

In the caller's transaction, `send_sms()` only takes the message's place
under the month's ceiling and writes its row, "queued". A provider is
called once the caller's transaction has committed (a Session
"after_commit" listener), with no transaction open: an HTTP call may take
tries × timeout seconds, and a writing transaction held that long would stop
every other writer (SQLite's write turn, PostgreSQL's lock on the month's
row). Each delivery claims its row (a conditional UPDATE, committed before
the HTTP call) and records what became of it (status, provider's id, error
code, tries) in a short transaction of its own; a rollback drops the
deliveries queued in it. Once it went (or failed for good), the row keeps
its text with codes and links masked. `deliver_pending()` (`flask labo
tick`) sends again what a crash left queued and what failed for a reason
worth another try (a timeout, a provider down), for a few hours.

A timeout, a refused connection, a 429 or a 5xx is tried again, at most
`LABO_SMS_TRIES` times at once, then by `deliver_pending()` up to MAX_TRIES
tries in all; any other refusal is final. Whatever happens, the row says it
(status, error code, tries) and `sms_error_message(code)` says it in the
reader's language.

The text goes in GSM 7-bit when it can (160 characters a segment, 70 in
UCS-2): `plain_text()` first replaces what has a plain equivalent outside
that alphabet (« » ’ œ ê ç …). A monthly ceiling (`LABO_SMS_MONTHLY_LIMIT`,
in segments, every backend alike) holds the bill: each message takes its
segments in its month's counter by one conditional UPDATE; past the ceiling
it is kept as failed ("sms-monthly-limit") and nothing is sent. Bulk
messages (the letter, meeting reminders and notices) may fill
`LABO_SMS_BULK_SHARE` of it (0.8), so sign-in codes still go when the letter
used a lot. A message refused for good gives its place back (a timeout does
not: it may have gone; nor a failure that may still be tried again)."""
from __future__ import annotations

import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Mapping, Optional, Protocol

from flask import current_app, has_app_context
from sqlalchemy import and_, case, event, or_, select, update
from sqlalchemy.orm import Session

from labo.core.db import insert_ignoring_duplicates, utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _l
from labo.extensions import db
from labo.sms.models import SmsMessage, SmsMonthCount, SmsStatus, is_secret_purpose, mask_secrets
from labo.sms.numbers import mask_recipient, normalize_phone

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
    "sms-sending": _l("Ce SMS était en train de partir quand l'envoi a été interrompu : il est peut-être parti."),
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

    def deliver(self, recipient: str, body: str, purpose: str = "") -> Delivery:
        """Hand one message (recipient in E.164) over; never raise."""


class OutboxBackend:
    """Keeps the message in the table and the log; nothing leaves."""

    name = "outbox"

    def __init__(self, config: Mapping):
        pass

    def deliver(self, recipient: str, body: str, purpose: str = "") -> Delivery:
        if is_secret_purpose(purpose):  # a code or a link: whoever reads the log could use it
            log.warning("SMS %s kept in the outbox (LABO_SMS_BACKEND=outbox), to %s; its text is in the "
                        "sms_message table, not in the log", purpose, recipient)
        else:
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

    def deliver(self, recipient: str, body: str, purpose: str = "") -> Delivery:
        if not self.key:
            return Delivery(ok=False, error="sms-not-configured")
        payload = {
            "sender": self.sender,
            "recipient": recipient.lstrip("+"),  # Brevo wants the country code without "+"
            "content": body,
            "type": "transactional",
            "unicodeEnabled": encoding(body) == "ucs2",
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


# --- the alphabet and the segments ------------------------------------------------

# GSM 03.38's basic character set (one septet each) and its extension table
# (two septets: the escape, then the character). It has é è ù ì ò à É Ç Ä Ö Ñ Ü
# ä ö ñ ü ß, but no ç ê â î ô û ë ï œ « » ’ nor a no-break space.
GSM7_BASIC = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                       "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# What French texts hold outside GSM 7-bit, and its plain equivalent. One of
# these in a text would send all of it in UCS-2, 70 characters a segment
# instead of 160: a reminder would cost two or three SMS instead of one. The
# circumflex and the cedilla go (« fenetre », « recu » read as well in a
# text message); é, è, à, ù stay, they are in the alphabet.
PLAIN = str.maketrans({
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "ʼ": "'", "`": "'",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "…": "...", "–": "-", "—": "-", "‑": "-", "•": "-",
    "œ": "oe", "Œ": "OE",
    "ç": "c", "ê": "e", "ë": "e", "â": "a", "î": "i", "ï": "i", "ô": "o", "û": "u", "ÿ": "y",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Ù": "U", "Û": "U",
})


# French typography's spaces inside « » go with them: « Réunion » is "Réunion".
_INSIDE_QUOTES = re.compile(r"(«)[ \u00a0\u202f]*|[ \u00a0\u202f]*(»)")


def encoding(text: str) -> str:
    """"gsm7" when every character is in GSM 03.38 (basic or extension), else "ucs2"."""
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def plain_text(text: str) -> str:
    """`text` with what has a plain GSM equivalent replaced (PLAIN), when that
    makes all of it GSM 7-bit; else `text` as it is (a name in another
    script goes in UCS-2 anyway: its accents may as well stay)."""
    plain = _INSIDE_QUOTES.sub(lambda m: '"' if m.group(1) or m.group(2) else m.group(0), text).translate(PLAIN)
    return plain if encoding(plain) == "gsm7" else text


def segments(text: str) -> int:
    """How many SMS the provider bills for `text`: one up to 160 septets in
    GSM 7-bit (an extension character counts two), 153 a segment beyond; one
    up to 70 UTF-16 units in UCS-2, 67 a segment beyond."""
    if encoding(text) == "gsm7":
        size, single, part = sum(2 if c in GSM7_EXTENSION else 1 for c in text), 160, 153
    else:
        size, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if size <= single else ceil(size / part)


# --- sending: a row in the caller's transaction, the provider after its commit ----

SENDING = "sms-sending"  # a delivery claimed the row and is talking to the provider
RETRYABLE = ("sms-timeout", "sms-unavailable")
MAX_TRIES = 6  # tries in all for one message: the first delivery's, then deliver_pending()'s
QUEUED_GRACE = timedelta(minutes=1)  # a row still queued after this: its process stopped before delivering
RETRY_FOR = timedelta(hours=3)  # no message goes later than this after it was written
CODE_RETRY_FOR = timedelta(minutes=10)  # a one-time code is dead after 10 minutes (labo.accounts.phone)
CODE_PURPOSES = ("phone-confirm", "erase-confirm")  # one-time codes too, besides the purposes ending in "code"
RECIPIENT_KEPT = timedelta(days=31)  # then the row's number keeps its last two digits (mask_old_recipients)
_AFTER_COMMIT = "labo.sms_after_commit"


def is_bulk(purpose: str) -> bool:
    """Messages sent to many at once (the letter, meeting reminders and
    notices): they may use LABO_SMS_BULK_SHARE of the month's ceiling."""
    return purpose == "letter" or purpose.startswith("meeting-")


def retry_window(purpose: str) -> timedelta:
    return CODE_RETRY_FOR if purpose.endswith("code") or purpose in CODE_PURPOSES else RETRY_FOR


def monthly_limit(config: Mapping, purpose: str) -> int:
    """The segments `purpose` may fill this month: the whole ceiling, or its bulk share."""
    limit = int(config.get("LABO_SMS_MONTHLY_LIMIT", 1000))
    if not is_bulk(purpose):
        return limit
    share = min(1.0, max(0.0, float(config.get("LABO_SMS_BULK_SHARE", 0.8))))
    return int(limit * share)


def send_sms(number: str, text: str, *, purpose: str) -> SmsMessage:
    """Send `text` to `number` (any way of writing a mobile number; French
    without a country code) and return its row, flushed in the caller's
    transaction: "queued" (it goes once the caller commits), "sent" (the
    outbox backend: nothing leaves), or "failed" with "sms-monthly-limit".
    After its commit the caller reads what became of it by reading the row
    again (the commit expires it): "sent", or "failed" with its error code.

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
    body = plain_text(body)
    backend = backend_for(config)
    purpose = purpose[:40]
    message = SmsMessage(recipient=recipient, body=body, purpose=purpose, backend=backend.name,
                         status=SmsStatus.QUEUED.value, tries=0, created_at=utcnow())
    db.session.add(message)
    if not take_monthly_place(monthly_limit(config, purpose), _month(message.created_at), segments(body)):
        message.status, message.error_code = SmsStatus.FAILED.value, "sms-monthly-limit"
        log.error("SMS ceiling of the month reached (LABO_SMS_MONTHLY_LIMIT%s): not sent to %s (%s)",
                  ", bulk share" if is_bulk(purpose) else "", recipient, purpose)
        db.session.flush()
        return message
    if backend.name == OutboxBackend.name:  # nothing leaves: kept here at once, in the caller's transaction
        backend.deliver(recipient, body, purpose)
        message.status, message.tries, message.sent_at = SmsStatus.SENT.value, 1, utcnow()
        db.session.flush()
        return message
    db.session.flush()
    session = db.session()  # the session itself: its info lives as long as it does
    session.info.setdefault(_AFTER_COMMIT, []).append((current_app._get_current_object(), message.id))
    return message


@event.listens_for(Session, "after_commit")
def _deliver_committed(session) -> None:
    """The caller's transaction committed: hand its messages over, with no
    transaction open. A failure is logged, never raised into the commit."""
    if session.in_nested_transaction():  # a SAVEPOINT released: the transaction goes on
        return
    for app, message_id in session.info.pop(_AFTER_COMMIT, []):
        try:
            deliver(app, message_id)
        except Exception:  # noqa: BLE001 - the caller's commit is done; deliver_pending() tries again
            log.exception("SMS %s: its delivery failed; `flask labo tick` tries again", message_id)


@event.listens_for(Session, "after_transaction_end")
def _drop_queued(session, transaction) -> None:
    """The transaction ended without its commit (a rollback, a session closed):
    its rows are gone, and so are their deliveries. (After a commit the list
    was emptied by _deliver_committed; a SAVEPOINT's end keeps it.)"""
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def deliver(app, message_id: int, *, rounds: Optional[int] = None, now: Optional[datetime] = None) -> Optional[str]:
    """Claim the committed row `message_id` while it waits (queued, or failed
    in a way worth another try), hand it to the provider with no transaction
    open, and record the outcome in a short transaction of its own. Returns
    the new status, or None when the row was not there to claim (another
    delivery has it, or it went)."""
    if not has_app_context() or current_app._get_current_object() is not app:
        with app.app_context():
            return deliver(app, message_id, rounds=rounds, now=now)
    config = app.config
    table = SmsMessage.__table__
    engine = db.engine
    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            row = connection.execute(select(table).where(table.c.id == message_id)).mappings().first()
            if row is None or not _waiting(row, now or utcnow()):
                return None
            claimed = connection.execute(
                update(table).where(table.c.id == message_id, table.c.status == row["status"],
                                    table.c.tries == row["tries"],
                                    table.c.error_code.is_(None) if row["error_code"] is None
                                    else table.c.error_code == row["error_code"])
                .values(status=SmsStatus.QUEUED.value, error_code=SENDING)).rowcount
        if claimed != 1:
            return None
    # No transaction open from here to the outcome: the provider may take tries × timeout seconds.
    backend = backend_for(config)
    recipient, body, purpose = row["recipient"], row["body"], row["purpose"]
    rounds = rounds or max(1, int(config.get("LABO_SMS_TRIES", 3)))
    pause = float(config.get("LABO_SMS_RETRY_SECONDS", 1.0))
    tries = row["tries"]
    for attempt in range(1, rounds + 1):
        tries += 1
        try:
            result = backend.deliver(recipient, body, purpose)
        except Exception:  # noqa: BLE001 - a backend's bug: the row says the provider was not reached
            log.exception("SMS %s: the %s backend failed", message_id, backend.name)
            result = Delivery(ok=False, error="sms-unavailable", retry=True)
        if result.ok or not result.retry or tries >= MAX_TRIES:
            break
        if attempt < rounds:
            time.sleep(pause * attempt)
    done_at = utcnow()
    final = result.ok or not result.retry or tries >= MAX_TRIES or done_at >= row["created_at"] + retry_window(purpose)
    values: dict = {"tries": tries}
    if result.ok:
        values.update(status=SmsStatus.SENT.value, error_code=None, sent_at=done_at,
                      provider_message_id=result.message_id)
        log.info("SMS %s to %s via %s", purpose, recipient, backend.name)
    else:
        values.update(status=SmsStatus.FAILED.value, error_code=result.error)
        log.error("SMS %s to %s failed after %s tries: %s%s", purpose, recipient, tries, result.error,
                  "" if final else " (tried again by `flask labo tick`)")
    if final:  # it went, or never will: its codes and links are no one's business any more
        values["body"] = mask_secrets(body, purpose)
    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            recorded = connection.execute(update(table).where(table.c.id == message_id, table.c.error_code == SENDING)
                                          .values(**values)).rowcount
            if recorded == 1 and final and not result.ok and result.error != "sms-timeout":
                places = segments(body)
                # Refused for good: nothing went, nothing billed (a timeout may have gone).
                connection.execute(
                    update(SmsMonthCount.__table__).where(SmsMonthCount.month == _month(row["created_at"]))
                    .values(sent=case((SmsMonthCount.sent > places, SmsMonthCount.sent - places), else_=0)))
    return values["status"]


def _waiting(row, now: datetime) -> bool:
    """Whether the row waits for a delivery: queued and unclaimed, or failed
    in a way worth another try, with tries left and still in time."""
    if row["backend"] == OutboxBackend.name:
        return False
    if row["status"] == SmsStatus.QUEUED.value:
        return row["error_code"] is None
    return (row["status"] == SmsStatus.FAILED.value and row["error_code"] in RETRYABLE
            and row["tries"] < MAX_TRIES and now < row["created_at"] + retry_window(row["purpose"]))


def deliver_pending(now: Optional[datetime] = None) -> int:
    """`flask labo tick`: deliver again, one try each, what waits: rows still
    queued a minute after they were written (their process stopped after
    its commit) and rows failed with a timeout or an unavailable provider,
    with tries left and written less than RETRY_FOR ago (10 minutes for a
    one-time code). Each row is claimed by a conditional UPDATE committed
    before the provider is called, so two ticks at once never send one
    twice. The rows that waited too long keep their text masked. Call it
    with no write transaction open. Returns how many went."""
    now = now or utcnow()
    app = current_app._get_current_object()
    if backend_for(app.config).name == OutboxBackend.name:
        return 0
    table = SmsMessage.__table__
    waiting = or_(and_(table.c.status == SmsStatus.QUEUED.value, table.c.error_code.is_(None),
                       table.c.created_at < now - QUEUED_GRACE),
                  and_(table.c.status == SmsStatus.FAILED.value, table.c.error_code.in_(RETRYABLE),
                       table.c.tries < MAX_TRIES))
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.purpose, table.c.created_at, table.c.body, table.c.status, table.c.error_code,
                   table.c.tries)
            .where(waiting, table.c.backend != OutboxBackend.name,
                   table.c.created_at > now - RETRY_FOR - timedelta(days=2))
            .order_by(table.c.id)).mappings().all()
        connection.rollback()
    sent = 0
    for row in rows:
        if now < row["created_at"] + retry_window(row["purpose"]):
            try:
                sent += deliver(app, row["id"], rounds=1, now=now) == SmsStatus.SENT.value
            except Exception:  # noqa: BLE001 - one message must not stop the others
                log.exception("SMS %s: its delivery failed", row["id"])
        else:
            _mask_given_up(row)
    return sent


def _mask_given_up(row) -> None:
    """A message that will not be tried again keeps its text masked (once)."""
    masked = mask_secrets(row["body"], row["purpose"])
    if masked == row["body"]:
        return
    table = SmsMessage.__table__
    with db.engine.connect() as connection:
        with connection.execution_options(sqlite_begin="IMMEDIATE").begin():
            connection.execute(update(table).where(table.c.id == row["id"], table.c.status == row["status"],
                                                   table.c.tries == row["tries"]).values(body=masked))


def mask_old_recipients(before: datetime) -> int:
    """In the caller's transaction: the number of each SMS written before
    `before` keeps its last two digits only (the row stays for its own
    retention, "SMS"); how many rows changed."""
    changed = 0
    for message_id, recipient in db.session.execute(
            select(SmsMessage.id, SmsMessage.recipient).where(SmsMessage.created_at < before,
                                                               SmsMessage.recipient.not_like("%•%"))).all():
        masked = mask_recipient(recipient)
        if masked != recipient:
            db.session.execute(update(SmsMessage).where(SmsMessage.id == message_id).values(recipient=masked)
                               .execution_options(synchronize_session=False))
            changed += 1
    return changed


def _month(when: datetime) -> str:
    return when.strftime("%Y-%m")


def take_monthly_place(limit: int, month: str, places: int = 1) -> bool:
    """Count `places` more segments in `month` if they fit under `limit`;
    True if they were counted. One INSERT … ON CONFLICT DO NOTHING makes sure
    the month's row exists, one UPDATE … WHERE sent + places <= limit takes
    them: the database decides, two senders cannot both take the last one."""
    if limit <= 0 or places > limit:
        return False
    db.session.execute(insert_ignoring_duplicates(SmsMonthCount, db.session.get_bind().dialect.name)
                       .values(month=month, sent=0).on_conflict_do_nothing(index_elements=["month"]))
    taken = db.session.execute(
        update(SmsMonthCount).where(SmsMonthCount.month == month, SmsMonthCount.sent + places <= limit)
        .values(sent=SmsMonthCount.sent + places).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def sent_this_month(now: Optional[datetime] = None) -> int:
    """How many messages the month's ceiling counts so far."""
    row = db.session.get(SmsMonthCount, _month(now or utcnow()))
    return row.sent if row else 0
