"""`send_email()`: by SMTP when `MAIL_SERVER` is set, else into the outbox and the log."""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from typing import Mapping

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from labo.extensions import db
from labo.mail.models import OutboxMessage

log = logging.getLogger("labo.mail")
_deliveries: list[threading.Thread] = []


def send_email(config: Mapping, recipient: str, subject: str, body: str,
               headers: Mapping[str, str] | None = None) -> bool:
    """Send a plain-text message; return True if it was handed to SMTP.
    `headers` are extra header lines (List-Unsubscribe for a letter), kept
    with the message in the outbox too.

    With SMTP the message leaves in the background, so a request takes the
    same time whoever it writes to (a reset for a known address must not be
    slower than for an unknown one); if SMTP then fails, the message is kept
    in the outbox. Without SMTP it is kept in the outbox (in the caller's
    transaction) and written to the log, so nothing is silently lost."""
    if config.get("MAIL_SERVER"):
        message = EmailMessage()
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = recipient
        message["Subject"] = subject
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        app = current_app._get_current_object()
        thread = threading.Thread(target=_deliver_in_background, args=(app, message), daemon=True)
        _deliveries.append(thread)
        thread.start()
        return True
    db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body, headers=dict(headers) if headers else None))
    log.warning("no SMTP configured: mail to %s kept in the outbox: %s\n%s", recipient, subject, body)
    return False


_AFTER_COMMIT = "labo.mail_after_commit"


def send_email_after_commit(session, recipient: str, subject: str, body: str,
                            headers: Mapping[str, str] | None = None) -> None:
    """Send once `session` commits (never for an action that is rolled back).
    Without SMTP the message goes into the outbox at once, in the caller's
    transaction, which keeps or drops it with the action (added after the
    commit, it would wait for a commit that may never come)."""
    if not current_app.config.get("MAIL_SERVER"):
        send_email(current_app.config, recipient, subject, body, headers)
        return
    session.info.setdefault(_AFTER_COMMIT, []).append((recipient, subject, body, headers))


@event.listens_for(Session, "after_commit")
def _send_queued(session) -> None:
    for recipient, subject, body, headers in session.info.pop(_AFTER_COMMIT, []):
        send_email(current_app.config, recipient, subject, body, headers)


@event.listens_for(Session, "after_rollback")
def _drop_queued(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def wait_for_deliveries(timeout: float = 30.0) -> None:
    """Let the background deliveries finish (for the CLI and the tests)."""
    while _deliveries:
        _deliveries.pop().join(timeout)


def _deliver_in_background(app, message: EmailMessage) -> None:
    try:
        _deliver(app.config, message)
        log.info("mail sent to %s: %s", message["To"], message["Subject"])
    except (OSError, smtplib.SMTPException) as error:
        # The body may hold a reset link: it goes to the outbox, not the log.
        log.error("SMTP failed for %s (%s); kept in the outbox", message["To"], error)
        with app.app_context():
            kept = {k: v for k, v in message.items() if k not in ("From", "To", "Subject", "Content-Type",
                                                                 "Content-Transfer-Encoding", "MIME-Version")}
            db.session.add(OutboxMessage(recipient=message["To"], subject=message["Subject"], body=message.get_content(),
                                         headers=kept or None))
            db.session.commit()


def _deliver(config: Mapping, message: EmailMessage) -> None:
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=10, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=10)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
