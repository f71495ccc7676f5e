"""Reminders before a meeting and notices when it changes, each sent once per
person, and the periodic work of `flask labo tick`. Free of Flask's request.

Who hears: everyone registered for the meeting who left an email or a phone
number (or, with an account, whose account has an email). What they get, in
the language they registered in:

- a reminder two days before (from 9:00, the Labo's local time) and one on
  the morning (from 7:30, or two hours before an early meeting), to those
  whose seat is confirmed and who registered before it was due;
- a notice at once when the date, the time or the place changes, or when
  the meeting is cancelled (labo.meetings records a MeetingChange in the
  change's transaction; the view sends the notices after its commit, the
  next tick sends any it could not), to those confirmed or waiting;
- a notice when a seat frees up for someone on the waiting list.

Each says the place, the time as people say it, the access, and the private
link that cancels the registration without an account (the registration's
own page, /rencontres/inscription/<token>, made at registration).

Once, whatever happens: every message has a key naming what it is and for
whom ("meeting:12:reminder-2d:2026-12-10:registration:55",
"meeting:12:change:7:registration:55"; a second change has another key, so
another notice). Before sending, a sender claims the key in the ledger
(SentMessage, UNIQUE key) in a short transaction of its own, committed;
whoever finds the key taken sends nothing. Two ticks at once, or a tick and
the request that changed the meeting, therefore send each message once.

A crash between the claim and the send. The claim is committed first; the
message and the mark that it went (`sent_at`) are then written together, in
one transaction: without SMTP the message is a row of the outbox, so either
both are there or neither. If the process dies in between, the row stays
claimed but unsent, and no one sends it during LEASE (15 minutes, far longer
than a tick takes, so a tick still running is never doubled). After that,
the first tick that finds the message still due takes the claim back (an
UPDATE that only one tick can win) and sends it, MAX_ATTEMPTS times at most;
a message no longer due (the meeting has begun) is dropped. Without SMTP the
crashed attempt wrote nothing, so the person gets the message once. With
SMTP or an SMS provider, the message leaves before the commit that marks it:
a crash in that instant (after the server took it, before the commit) means
it goes a second time after the lease — the one case where a person may get
a message twice rather than not at all."""
from __future__ import annotations

import logging
from time import monotonic
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Mapping, Optional

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, select, update

from labo.accounts.models import User
from labo.core.dates import _zone, format_clock, format_day, format_moment, format_span, local
from labo.core.db import utcnow, write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import LANGUAGES, _, _l
from labo.core.ledger import claim_once
from labo.core.urls import absolute
from labo.extensions import db
from labo.mail.services import send_email, wait_for_deliveries
from labo.meetings.models import Meeting, MeetingChange, Registration, RegistrationStatus
from labo.meetings.services import place_of
from labo.partners.services import remind_referents
from labo.privacy import personal_data, retention
from labo.reminders.models import SentMessage
from labo.sms.numbers import read_contact
from labo.sms.services import send_sms

log = logging.getLogger("labo.reminders")

LEASE = timedelta(minutes=15)     # a claim younger than this is a tick still at work: never taken back
MAX_ATTEMPTS = 3                  # a message whose sender crashed is tried again at most this often in all
TWO_DAYS_AT = time(9, 0)          # local time, two days before the meeting's day
MORNING_AT = time(7, 30)          # local time, on the day
EARLY = timedelta(hours=2)        # ... or this long before a meeting that starts early
CATCH_UP = timedelta(days=2)      # a change or promotion older than this is no longer told by a tick
REMIND_COMMITMENTS_AT = time(8, 30)  # the partners' reminders, once a day from this local time

CONFIRMED, WAITING = RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value


@dataclass(frozen=True)
class Outgoing:
    """One message due to one registration."""

    key: str
    kind: str           # reminder-2d, reminder-day, change, promoted
    registration_id: int
    change_id: Optional[int] = None


# --- the ledger --------------------------------------------------------------


def claim(key: str, *, kind: str, now: datetime, channel: str = "", recipient: Optional[str] = None,
          registration_id: Optional[int] = None, user_id: Optional[int] = None) -> Optional[int]:
    """The ledger row's id if the caller is now the one to send `key`, else
    None (someone sent it, or is sending it). Commits the caller's session
    first, then claims in a short transaction of its own, committed before
    it returns (see the module's docstring for a claim whose sender died)."""
    row_id = claim_once(SentMessage.__table__, {"key": key}, now, lease=LEASE, max_attempts=MAX_ATTEMPTS,
                        values={"kind": kind, "channel": channel, "recipient": recipient,
                                "registration_id": registration_id, "user_id": user_id},
                        again={"recipient": recipient})
    return row_id


def mark_sent(row_id: int, now: datetime) -> None:
    """In the caller's transaction: with the outbox row of the message, both or neither."""
    db.session.execute(update(SentMessage).where(SentMessage.id == row_id).values(sent_at=now))


# --- who, where, in which language ---------------------------------------------


def address_of(registration: Registration) -> Optional[tuple[str, str]]:
    """("email", address) or ("sms", number): the contact left when
    registering, else the account's email; None when there is none."""
    contact = (registration.contact or "").strip()
    if contact:
        try:
            channel, value = read_contact(contact)
        except ServiceError:  # neither an address nor a mobile number (a landline cannot take an SMS)
            return None
        return ("email" if channel == "email" else "sms"), value
    user = registration.user
    if user is not None and user.email:
        return "email", user.email
    if user is not None and getattr(user, "phone", None):  # an account on a phone number (E.164)
        return "sms", user.phone
    return None


def language_of(registration: Registration) -> str:
    for choice in (registration.locale, registration.user.locale if registration.user else None):
        if choice in LANGUAGES:
            return choice
    return "fr"


def cancel_link(registration: Registration, short: bool = False) -> str:
    """The registration's private page, where it is cancelled without an
    account; `short`: its short address (/i/<token>), for an SMS."""
    endpoint = "meeting_short.registration" if short else "meetings.registration"
    return absolute(url_for(endpoint, token=registration.cancel_token))


# --- what is due ---------------------------------------------------------------


def _at(day: date, moment: time) -> datetime:
    """A local day and time, as UTC (SQLite compares the stored text: it must be UTC like every stored moment)."""
    return datetime.combine(day, moment, tzinfo=_zone()).astimezone(timezone.utc)


def reminder_windows(meeting: Meeting) -> list[tuple[str, datetime, datetime]]:
    """(kind, opens, closes) of the two reminders, as moments."""
    day = local(meeting.starts_at).date()
    morning = min(_at(day, MORNING_AT), meeting.starts_at - EARLY)
    return [("reminder-2d", _at(day - timedelta(days=2), TWO_DAYS_AT), morning),
            ("reminder-day", morning, meeting.starts_at)]


def due_reminders(now: datetime, meeting_id: Optional[int] = None) -> list[Outgoing]:
    query = select(Meeting).where(Meeting.cancelled.is_(False), Meeting.starts_at > now,
                                  Meeting.starts_at <= now + timedelta(days=3)).order_by(Meeting.starts_at, Meeting.id)
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    due: list[Outgoing] = []
    for meeting in db.session.scalars(query):
        day = local(meeting.starts_at).date().isoformat()
        for kind, opens, closes in reminder_windows(meeting):
            if not opens <= now < closes:
                continue
            people = db.session.scalars(select(Registration.id).where(
                Registration.meeting_id == meeting.id, Registration.status == CONFIRMED,
                Registration.walk_in.is_(False), Registration.created_at < opens).order_by(Registration.id))
            due += [Outgoing(f"meeting:{meeting.id}:{kind}:{day}:registration:{r}", kind, r) for r in people]
    return due


def due_notices(now: datetime, meeting_id: Optional[int] = None) -> list[Outgoing]:
    """Change notices and promotions not older than CATCH_UP, for meetings not begun."""
    changes = (select(MeetingChange).join(Meeting, Meeting.id == MeetingChange.meeting_id)
               .where(MeetingChange.created_at >= now - CATCH_UP,
                      (Meeting.starts_at > now) | (MeetingChange.was_starts_at > now))
               .order_by(MeetingChange.id))
    promoted = (select(Registration.id, Registration.meeting_id).join(Meeting, Meeting.id == Registration.meeting_id)
                .where(Registration.promoted_at >= now - CATCH_UP, Registration.status == CONFIRMED,
                       Meeting.cancelled.is_(False), Meeting.starts_at > now)
                .order_by(Registration.id))
    if meeting_id is not None:
        changes = changes.where(MeetingChange.meeting_id == meeting_id)
        promoted = promoted.where(Registration.meeting_id == meeting_id)
    due: list[Outgoing] = []
    for change in db.session.scalars(changes):
        people = db.session.scalars(select(Registration.id).where(
            Registration.meeting_id == change.meeting_id, Registration.status.in_([CONFIRMED, WAITING]),
            Registration.walk_in.is_(False), Registration.created_at <= change.created_at).order_by(Registration.id))
        due += [Outgoing(f"meeting:{change.meeting_id}:change:{change.id}:registration:{r}", "change", r, change.id)
                for r in people]
    due += [Outgoing(f"meeting:{m}:promoted:registration:{r}", "promoted", r) for r, m in db.session.execute(promoted)]
    return due


# --- sending -------------------------------------------------------------------


def _links():
    """url_for needs a request: the CLI's tick has none (LABO_BASE_URL gives the links' host)."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def send(config: Mapping, message: Outgoing, now: datetime) -> bool:
    """Claim `message`, send it, mark it sent; False if it was not ours to send
    (or there is no one to write to)."""
    registration = db.session.get(Registration, message.registration_id)
    if registration is None:
        return False
    found = address_of(registration)
    if found is None:
        return False
    channel, address = found
    row_id = claim(message.key, kind=message.kind, now=now, channel=channel, recipient=address,
                   registration_id=registration.id, user_id=registration.user_id)
    if row_id is None:
        return False
    # The send and its mark in one transaction that writes from its first read (on SQLite, a
    # transaction that read before another tick wrote could not write any more).
    write_transaction()
    registration = db.session.get(Registration, message.registration_id)
    if registration.status == RegistrationStatus.CANCELLED.value or (
            message.kind.startswith("reminder") and registration.status != CONFIRMED):
        mark_sent(row_id, now)  # cancelled meanwhile: done, with nothing to say
        db.session.commit()
        return False
    change = db.session.get(MeetingChange, message.change_id) if message.change_id else None
    from flask_babel import force_locale

    with _links(), force_locale(language_of(registration)):
        if channel == "email":
            subject, body = email_text(message.kind, registration, change, now)
            send_email(config, address, subject, body)
        else:
            send_sms(address, sms_text(message.kind, registration, change), purpose=f"meeting-{message.kind}")
    mark_sent(row_id, now)
    db.session.commit()
    return True


def send_all(config: Mapping, messages: list[Outgoing], now: datetime, seconds: Optional[float] = None) -> int:
    """Send each message (once: see claim()); a message that fails is logged
    and tried again by a later tick after LEASE; how many went. With
    `seconds`, stop claiming after that long: the rest go with the next tick."""
    sent = 0
    until = monotonic() + seconds if seconds is not None else None
    for message in messages:
        if until is not None and monotonic() > until:
            log.info("%s message(s) left for the next tick", len(messages) - messages.index(message))
            break
        try:
            sent += send(config, message, now)
        except Exception:  # noqa: BLE001 - one message's failure must not stop the others
            db.session.rollback()
            log.exception("message %s not sent; a later tick tries again", message.key)
    return sent


INLINE_SECONDS = 10.0  # a request sends notices this long at most (an SMS provider may be slow): the tick sends the rest


def send_meeting_notices(config: Mapping, meeting_id: int, now: Optional[datetime] = None) -> int:
    """At once, after the commit of a change or a promotion: the notices due
    for this meeting, for INLINE_SECONDS at most. Commits."""
    now = now or utcnow()
    with _links():
        return send_all(config, due_notices(now, meeting_id), now, seconds=INLINE_SECONDS)


def send_due(config: Mapping, now: Optional[datetime] = None) -> int:
    """Every notice and reminder due now (the tick's main work). Commits."""
    now = now or utcnow()
    with _links():
        return send_all(config, due_notices(now) + due_reminders(now), now)


# --- the texts -----------------------------------------------------------------


def _when(meeting: Meeting) -> str:
    if meeting.ends_at:
        return format_span(meeting.starts_at, meeting.ends_at)
    return format_moment(meeting.starts_at)


def _access(meeting: Meeting) -> list[str]:
    lines = [_("Accessible sans marche") if meeting.step_free else _("Accès sans marche non garanti : demandez-nous")]
    if meeting.public_transport:
        lines.append(_("Transports : %(t)s", t=meeting.public_transport))
    if meeting.childcare:
        lines.append(_("Garde d'enfants sur place"))
    if meeting.access_notes:
        lines.append(meeting.access_notes)
    return lines


def _details(meeting: Meeting) -> list[str]:
    return ([_("Quand : %(when)s", when=_when(meeting)), _("Où : %(where)s", where=place_of(meeting)), _("Accès :")]
            + [f"- {line}" for line in _access(meeting)])


def _lead(kind: str, meeting: Meeting, change: Optional[MeetingChange], now: datetime) -> str:
    title = meeting.title
    if kind == "promoted":
        return _("Bonne nouvelle : une place s'est libérée pour vous. Votre inscription à la rencontre "
                 "« %(title)s » est confirmée.", title=title)
    if kind == "change" and change is not None and change.kind == "cancelled":
        return _("La rencontre « %(title)s », prévue %(when)s, est annulée. Nous sommes désolés. "
                 "Vous n'avez rien à faire.", title=title, when=format_moment(change.was_starts_at))
    if kind == "change":
        return _("La rencontre « %(title)s » change : %(what)s. Voici le nouveau rendez-vous.",
                 title=title, what=_what_changed(meeting, change))
    days = (local(meeting.starts_at).date() - local(now).date()).days if kind == "reminder-2d" else 0
    if kind == "reminder-day" or days <= 0:
        return _("C'est aujourd'hui : nous vous attendons à la rencontre « %(title)s ».", title=title)
    if days == 1:
        return _("C'est demain : nous vous attendons à la rencontre « %(title)s ».", title=title)
    if days == 2:
        return _("C'est après-demain : nous vous attendons à la rencontre « %(title)s ».", title=title)
    return _("C'est bientôt : nous vous attendons à la rencontre « %(title)s ».", title=title)


def _what_changed(meeting: Meeting, change: Optional[MeetingChange]) -> str:
    if change is None:
        return _("la date, l'heure ou le lieu")
    parts = []
    if local(change.was_starts_at).date() != local(meeting.starts_at).date():
        parts.append(_("la date"))
    if format_clock(change.was_starts_at) != format_clock(meeting.starts_at):
        parts.append(_("l'heure"))
    if change.was_place and change.was_place != place_of(meeting):
        parts.append(_("le lieu"))
    if not parts:
        return _("la date, l'heure ou le lieu")
    return parts[0] if len(parts) == 1 else _("%(a)s et %(b)s", a=", ".join(parts[:-1]), b=parts[-1])


def email_text(kind: str, registration: Registration, change: Optional[MeetingChange] = None,
               now: Optional[datetime] = None) -> tuple[str, str]:
    """The subject and body of one email, in the current locale."""
    meeting = registration.meeting
    title = meeting.title
    cancelled = kind == "change" and change is not None and change.kind == "cancelled"
    if cancelled:
        subject = _("Rencontre annulée : « %(title)s »", title=title)
    elif kind == "change":
        subject = _("Changement pour la rencontre « %(title)s »", title=title)
    elif kind == "promoted":
        subject = _("Une place pour vous : « %(title)s »", title=title)
    else:
        subject = _("Rappel : « %(title)s », %(when)s", title=title, when=format_moment(meeting.starts_at))
    lines = [_("Bonjour %(name)s,", name=registration.first_name), "", _lead(kind, meeting, change, now or utcnow()), ""]
    if cancelled:
        lines += [_("Les prochaines rencontres : %(link)s", link=absolute(url_for("meetings.programme"))), ""]
    else:
        lines += _details(meeting) + [""]
        if kind == "change" and change is not None:
            lines += [_("Avant : %(when)s, %(where)s", when=format_moment(change.was_starts_at), where=change.was_place), ""]
        lines += [_("Vous ne pouvez plus venir ? Annulez ici, sans compte : cela libère votre place pour quelqu'un "
                    "d'autre."), cancel_link(registration), ""]
    lines += [_("Le Labo de la participation")]
    return subject, "\n".join(lines)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def sms_text(kind: str, registration: Registration, change: Optional[MeetingChange] = None) -> str:
    """One short message: what, when, where, and the link to cancel."""
    meeting = registration.meeting
    title = _short(meeting.title, 70)
    when, link = format_moment(meeting.starts_at), cancel_link(registration, short=True)
    where = f"{_short(meeting.venue, 60)} ({meeting.commune.name})"
    if kind == "change" and change is not None and change.kind == "cancelled":
        return _("Labo : la rencontre « %(title)s » du %(day)s est annulée. Désolés !",
                 title=title, day=format_day(change.was_starts_at))
    if kind == "change":
        return _("Labo : « %(title)s » change. Nouveau rendez-vous %(when)s, %(where)s. Annuler : %(link)s",
                 title=title, when=when, where=where, link=link)
    if kind == "promoted":
        return _("Labo : une place s'est libérée pour vous. « %(title)s » %(when)s, %(where)s. Annuler : %(link)s",
                 title=title, when=when, where=where, link=link)
    return _("Labo : rappel, « %(title)s » %(when)s, %(where)s. Annuler : %(link)s",
             title=title, when=when, where=where, link=link)


# --- the periodic work ---------------------------------------------------------


def run_job(name: str, key: str, now: datetime, work: Callable[[], object]) -> Optional[object]:
    """Run `work` once for `key` (a day's purge), whoever ticks: claimed in
    the ledger like a message; a job that fails leaves its claim, taken back
    by a tick after LEASE (MAX_ATTEMPTS in all)."""
    row_id = claim(key, kind="job", now=now)
    if row_id is None:
        return None
    try:
        write_transaction()
        result = work()
    except Exception:  # noqa: BLE001 - the other jobs still run; this one is taken back after LEASE
        db.session.rollback()
        log.exception("tick: %s failed; a later tick tries again", name)
        return "failed"
    mark_sent(row_id, now)
    db.session.commit()
    return result


def tick(app, now: Optional[datetime] = None) -> dict[str, object]:
    """`flask labo tick`, every few minutes: notices and reminders due; once
    a day, the purge of personal data past its duration and, from 8:30, the
    partners' reminders. What each did, for the log."""
    now = now or utcnow()
    today = local(now)
    report: dict[str, object] = {"sent": send_due(app.config, now)}

    def purge_now():
        done = retention.purge(app.config, now)
        db.session.commit()
        return sum(done.values())

    report["purged"] = run_job("purge", f"job:purge:{today.date().isoformat()}", now, purge_now)
    if today.time() >= REMIND_COMMITMENTS_AT:
        report["commitments"] = run_job(
            "remind-commitments", f"job:remind-commitments:{today.date().isoformat()}", now,
            lambda: remind_referents(app, today.date()))
    wait_for_deliveries()
    return report


# --- personal data -------------------------------------------------------------


@personal_data.exporter
def export_for(user: User) -> dict:
    """The reminders and notices sent to the person's account's registrations."""
    return {"meeting_messages": [
        {"kind": m.kind, "channel": m.channel, "recipient": m.recipient, "claimed_at": m.claimed_at.isoformat(),
         "sent_at": m.sent_at.isoformat() if m.sent_at else None}
        for m in db.session.scalars(select(SentMessage).where(SentMessage.user_id == user.id).order_by(SentMessage.id))
    ]}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """The ledger's lines about their registrations go (with the address they hold)."""
    db.session.execute(delete(SentMessage).where(SentMessage.user_id == user.id))


LEDGER_FLOOR = 3  # days: a line must outlive the moment its message is due, or it would go again


@retention.kind("REMINDER_LEDGER", 31, _l("La trace des rappels et avis envoyés pour une rencontre (à qui, quand)"),
                _l("après l'envoi : elle est supprimée, avec l'adresse ou le numéro qu'elle garde."), rank=25)
def _purge_ledger(config: Mapping, before: datetime, dry_run: bool) -> int:
    days = int(config.get("LABO_RETAIN_REMINDER_LEDGER_DAYS", 31))
    if days < LEDGER_FLOOR:
        before -= timedelta(days=LEDGER_FLOOR - days)
    return retention.count(delete(SentMessage).where(SentMessage.claimed_at < before))
