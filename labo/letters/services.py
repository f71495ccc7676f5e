"""The Labo's letter, free of Flask's request: the person acting is passed
in, links are made by functions the caller gives, the caller commits
(except `send_letter`, which commits as it goes: see below).

Composing. `compose_letter(actor, commune, now)` makes a draft for a commune
(or, with `commune` None, for the whole agglomeration) holding what the site
knows: the coming meetings, the processes open for opinion, the returns and
meeting decisions published since that scope's last letter, and one
experience fiche. Each item is copied as it is now (title, when, where,
link): the editor then keeps the ones they want and writes the introduction
(`save_letter`).

Subscribing. Anyone, without an account, with an email or a mobile number,
for a commune or the whole agglomeration; nothing is sent before the person
opens the link the site sends (double opt-in). The same answer is given
whether the address was known or not. An unsubscribe link (a signed token,
no expiry) is in every message; for email it is also in the
`List-Unsubscribe` headers, with `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058): a POST to it ends the subscription,
a GET only shows the button. A text "STOP" from the number ends its SMS
subscriptions (`stop_by_sms`).

Sending once. `send_letter` marks the letter sent, then for each confirmed
subscription of its scope claims a Delivery row (UNIQUE letter and
subscription) in a short committed transaction, sends, and marks it sent
with the message (the outbox row) in one more transaction. Sending started
twice at once, or again after a crash, finds the row claimed and sends
nothing; a claim left unsent by a process that died is taken back after
LEASE by the next sending."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping, Optional

from babel.dates import format_date
from flask_babel import force_locale, get_locale
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update

from labo.accounts.models import User
from labo.accounts.services import normalize_email
from labo.audit.services import audit_labels, record_audit
from labo.core.dates import format_moment, local
from labo.core.db import insert_ignoring_duplicates, utcnow, write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import LANGUAGES, _, _l
from labo.core.ledger import claim_once
from labo.core.urls import absolute, external_url
from labo.extensions import db
from labo.fiches.models import Fiche, FicheStatus
from labo.letters.models import (
    WHOLE, Delivery, Handout, ItemKind, Letter, LetterItem, LetterStatus, Subscription, SubscriptionStatus, Visit,
)
from labo.mail.services import send_email
from labo.meetings.models import Decision, Meeting
from labo.meetings.services import place_of, upcoming
from labo.privacy import personal_data, retention
from labo.processes.eligibility import Stage
from labo.processes.models import Audience, Process
from labo.processes.services import listed_query
from labo.sms.numbers import InvalidContact, InvalidPhone, normalize_phone, read_contact as read_any_contact
from labo.territory.models import Commune

log = logging.getLogger("labo.letters")

TITLE_MAX = 160
INTRO_MAX = 2000
CONFIRM_DAYS = 7  # the confirmation link works this long (and the purge deletes what was never confirmed)
CONFIRM_QUIET_HOUR = timedelta(hours=1)  # one confirmation an hour to one address or number
CONFIRM_QUIET_DAY = timedelta(days=1)
CONFIRMS_A_DAY = 3  # confirmations sent to one address or number in a day, all letters together
LEASE = timedelta(minutes=15)  # a claim younger than this is a sending still at work
MAX_ATTEMPTS = 3
MEETINGS_SHOWN = 5
PROCESSES_SHOWN = 5
SINCE_DEFAULT = timedelta(days=31)  # a scope's first letter tells the returns of the last month


class LetterError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


ERROR_MESSAGES = {
    "title-empty": _l("Donnez un titre à la lettre."),
    "confirm-already-sent": _l("Un lien vient déjà d'être envoyé à cette adresse ou à ce numéro : regardez vos messages. "
                               "S'il n'arrive pas, réessayez dans une heure."),
    "title-too-long": _l("Le titre est trop long (160 caractères au plus)."),
    "intro-too-long": _l("L'introduction est trop longue (2 000 caractères au plus)."),
    "already-sent": _l("Cette lettre est déjà envoyée : elle ne peut plus changer."),
    "contact-empty": _l("Écrivez votre adresse e-mail ou votre numéro de portable."),
    "contact-invalid": _l("Ce n'est ni une adresse e-mail ni un numéro de portable. Exemples : nom@exemple.fr ou 06 12 34 56 78."),
    "sms-not-mobile": _l("Ce numéro ne peut pas recevoir de SMS. Donnez un numéro de portable (06 ou 07)."),
    "sms-unavailable": _l("L'inscription par SMS n'est pas possible pour l'instant. Donnez une adresse e-mail."),
    "commune-unknown": _l("Choisissez une commune dans la liste."),
    "copies-invalid": _l("Écrivez un nombre entre 1 et 5 000."),
    "not-sent": _l("Cette lettre n'est pas encore envoyée."),
}


# --- scope -------------------------------------------------------------------


def get_locale_name() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def scope_key(commune: Optional[Commune]) -> str:
    return WHOLE if commune is None else str(commune.id)


def scope_name(commune: Optional[Commune]) -> str:
    return commune.name if commune is not None else _("toute l'agglomération")


def _same_scope(query, column, commune: Optional[Commune]):
    return query.where(column.is_(None) if commune is None else column == commune.id)


def last_sent(commune: Optional[Commune]) -> Optional[Letter]:
    """That scope's latest letter sent."""
    query = select(Letter).where(Letter.status == LetterStatus.SENT.value)
    return db.session.scalar(_same_scope(query, Letter.commune_id, commune)
                             .order_by(Letter.sent_at.desc(), Letter.id.desc()).limit(1))


def get_letter(letter_id: int) -> Optional[Letter]:
    return db.session.get(Letter, letter_id)


def sent_letters(commune: Optional[Commune] = None, *, every_scope: bool = True, limit: int = 24) -> list[Letter]:
    query = select(Letter).where(Letter.status == LetterStatus.SENT.value)
    if not every_scope:
        query = _same_scope(query, Letter.commune_id, commune)
    return list(db.session.scalars(query.order_by(Letter.sent_at.desc(), Letter.id.desc()).limit(limit)))


def letters_managed_by(can_manage: Callable[[Letter], bool], limit: int = 60) -> list[Letter]:
    letters = db.session.scalars(select(Letter).order_by(Letter.created_at.desc(), Letter.id.desc()).limit(limit))
    return [letter for letter in letters if can_manage(letter)]


# --- composing -----------------------------------------------------------------


def _short(text: str, size: int = 280) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")  # a return or a context may hold sanitised HTML: the letter is plain text
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= size else text[: size - 1].rsplit(" ", 1)[0] + "…"


def _coming_meetings(commune: Optional[Commune], now: datetime) -> list[LetterItem]:
    """The Labo's meetings are nomadic and open to all: every coming one, the
    commune's own first."""
    meetings = [m for m in upcoming(now) if m.starts_at >= now]
    if commune is not None:
        meetings.sort(key=lambda m: (m.commune_id != commune.id, m.starts_at))
    return [LetterItem(kind=ItemKind.MEETING.value, source_id=m.id, title=m.title, text=_short(m.theme),
                       at=m.starts_at, place=place_of(m)[:420], path=f"/rencontres/{m.id}")
            for m in meetings[:MEETINGS_SHOWN]]


def _scoped_processes(commune: Optional[Commune], now: datetime, stage_filter: Optional[str] = None):
    """Published processes of that scope: a commune's letter tells those of
    the commune and those open to the whole agglomeration."""
    query = listed_query(now, commune=commune, stage_filter=stage_filter)
    if commune is not None:
        wide = listed_query(now, stage_filter=stage_filter).where(
            Process.commune_id.is_(None), Process.audience == Audience.EVERYONE.value)
        ids = {p.id for p in db.session.scalars(query)} | {p.id for p in db.session.scalars(wide)}
        query = listed_query(now, stage_filter=stage_filter).where(Process.id.in_(ids))
    return query


def _open_processes(commune: Optional[Commune], now: datetime) -> list[LetterItem]:
    processes = db.session.scalars(_scoped_processes(commune, now, Stage.OPEN.value)).unique().all()
    return [LetterItem(kind=ItemKind.PROCESS.value, source_id=p.id, title=p.title, text=_short(p.question),
                       at=p.closes_at, place=p.commune.name if p.commune else "", path=f"/demarches/{p.id}")
            for p in sorted(processes, key=lambda p: (p.closes_at, p.id))[:PROCESSES_SHOWN]]


def _returns_since(commune: Optional[Commune], since: datetime, now: datetime) -> list[LetterItem]:
    query = _scoped_processes(commune, now).where(Process.return_published_at > since)
    processes = db.session.scalars(query).unique().all()
    return [LetterItem(kind=ItemKind.RETURN.value, source_id=p.id, title=p.title,
                       text=_short(_("%(decider)s répond : %(text)s", decider=p.decider[:1].upper() + p.decider[1:],
                                                    text=_short(p.return_text, 240))),
                       at=p.return_published_at, place="", path=f"/demarches/{p.id}")
            for p in sorted(processes, key=lambda p: p.return_published_at)]


def _decisions_since(commune: Optional[Commune], since: datetime) -> list[LetterItem]:
    query = select(Decision).join(Meeting).where(Decision.created_at > since, Meeting.cancelled.is_(False))
    if commune is not None:
        query = query.where(Meeting.commune_id == commune.id)
    decisions = db.session.scalars(query.order_by(Decision.created_at, Decision.id))
    return [LetterItem(kind=ItemKind.DECISION.value, source_id=d.id, title=_short(d.text, 300),
                       text=_short(_("%(meeting)s, à la règle : %(rule)s", meeting=d.meeting.title, rule=d.rule)),
                       at=d.meeting.starts_at, place=d.meeting.commune.name, path=f"/rencontres/{d.meeting_id}")
            for d in decisions]


def _experience_fiche(commune: Optional[Commune]) -> list[LetterItem]:
    """One published experience fiche not yet in a letter of this scope: the
    commune's latest first, else the latest of all."""
    shown = select(LetterItem.source_id).join(Letter).where(
        LetterItem.kind == ItemKind.FICHE.value, Letter.status == LetterStatus.SENT.value)
    shown = _same_scope(shown, Letter.commune_id, commune)
    base = (select(Fiche).where(Fiche.status == FicheStatus.PUBLISHED.value, Fiche.kind == "experience",
                                Fiche.id.not_in(shown))
            .order_by(Fiche.published_at.desc(), Fiche.id.desc()).limit(1))
    fiche = None
    if commune is not None:
        fiche = db.session.scalar(base.where(Fiche.communes.any(Commune.id == commune.id)))
    fiche = fiche or db.session.scalar(base)
    if fiche is None:
        return []
    return [LetterItem(kind=ItemKind.FICHE.value, source_id=fiche.id, title=fiche.title,
                       text=_short(fiche.what_worked or fiche.method), at=None,
                       place=", ".join(c.name for c in fiche.communes)[:420], path=f"/boite-a-outils/{fiche.id}")]


def default_title(commune: Optional[Commune], now: datetime) -> str:
    """"La lettre du Labo — Lens, décembre 2026": the editor may change it."""
    month = format_date(local(now).date(), "MMMM y", locale=get_locale_name())
    return _("La lettre du Labo — %(scope)s, %(month)s", scope=scope_name(commune), month=month)[:TITLE_MAX]


def compose_letter(actor: User, commune: Optional[Commune], now: Optional[datetime] = None) -> Letter:
    """A draft for `commune` (None: the whole agglomeration), holding what
    the site proposes; every item kept until the editor says otherwise."""
    now = now or utcnow()
    previous = last_sent(commune)
    since = previous.sent_at if previous is not None and previous.sent_at else now - SINCE_DEFAULT
    letter = Letter(commune_id=commune.id if commune else None, commune=commune, title=default_title(commune, now),
                    intro="", status=LetterStatus.DRAFT.value, since=since, created_by_id=actor.id)
    items = (_coming_meetings(commune, now) + _open_processes(commune, now) + _returns_since(commune, since, now)
             + _decisions_since(commune, since) + _experience_fiche(commune))
    for position, item in enumerate(items):
        item.position = position
        letter.items.append(item)
    db.session.add(letter)
    db.session.flush()
    record_audit(actor, "letter.composed", "letter", letter.id, name=letter.title)
    return letter


def _clean(text: Optional[str], limit: int) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text or "").replace("\r\n", "\n").strip()
    return text  # the caller refuses what is longer than `limit`


def save_letter(actor: User, letter: Letter, *, title: str, intro: str, kept: set[int]) -> Letter:
    """The editor's title, introduction and choice of items (ids in `kept`)."""
    if letter.is_sent:
        raise LetterError("already-sent")
    title = re.sub(r"\s+", " ", _clean(title, TITLE_MAX))
    intro = _clean(intro, INTRO_MAX)
    if not title:
        raise LetterError("title-empty", "title")
    if len(title) > TITLE_MAX:
        raise LetterError("title-too-long", "title")
    if len(intro) > INTRO_MAX:
        raise LetterError("intro-too-long", "intro")
    letter.title, letter.intro = title, intro
    for item in letter.items:
        item.kept = item.id in kept
    db.session.flush()
    return letter


@dataclass(frozen=True)
class Section:
    kind: ItemKind
    items: list[LetterItem]


def sections(letter: Letter, *, kept_only: bool = True) -> list[Section]:
    """The letter's items grouped as it shows them, in the order of ItemKind."""
    items = letter.kept_items if kept_only else letter.items
    return [Section(kind, [i for i in items if i.kind == kind.value]) for kind in ItemKind
            if any(i.kind == kind.value for i in items)]


# --- subscribing ---------------------------------------------------------------


def _serializer(config: Mapping, purpose: str):
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=f"labo-letter-{purpose}")


def confirm_token(config: Mapping, subscription: Subscription) -> str:
    # The creation moment is in it: a token of an older subscription of the same row no longer works.
    return _serializer(config, "confirm").dumps([subscription.id, int(subscription.created_at.timestamp())])


def unsubscribe_token(config: Mapping, subscription: Subscription) -> str:
    # The address's fingerprint is in it: once a subscription is purged, a new
    # one that gets the same row id (SQLite reuses them) is not reached by an old letter's link.
    return URLSafeSerializer(config["SECRET_KEY"], salt="labo-letter-unsubscribe").dumps(
        [subscription.id, _fingerprint(subscription.address)])


def _fingerprint(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def read_contact(text: str, *, sms_ok: bool) -> tuple[str, str]:
    """("email", address in lower case) or ("sms", E.164 number), read as every form reads a contact
    (labo.sms.numbers.read_contact)."""
    try:
        channel, address = read_any_contact(text)
    except InvalidContact as error:
        raise LetterError(error.code, "contact") from None
    except InvalidPhone as error:
        if not sms_ok:
            raise LetterError("sms-unavailable", "contact") from None
        raise LetterError("sms-not-mobile" if error.code == "phone-not-mobile" else "contact-invalid", "contact") from None
    if channel == "phone" and not sms_ok:
        raise LetterError("sms-unavailable", "contact")
    return ("email", address) if channel == "email" else ("sms", address)


Links = Callable[[str, Subscription], str]  # links("confirm" | "unsubscribe" | "letter", subscription) -> absolute URL


def subscribe(config: Mapping, contact: str, commune: Optional[Commune], *, locale: Optional[str],
              via: Optional[User], links: Links, now: Optional[datetime] = None, sms_ok: bool = True,
              via_letter: Optional[Letter] = None) -> Subscription:
    """Note the subscription (pending) and send its confirmation link; an
    address already confirmed gets nothing more (and the same answer)."""
    now = now or utcnow()
    channel, address = read_contact(contact, sms_ok=sms_ok)
    key = scope_key(commune)
    found = db.session.scalar(select(Subscription).where(
        Subscription.channel == channel, Subscription.address == address, Subscription.scope_key == key))
    if found is not None and found.status == SubscriptionStatus.CONFIRMED.value:
        return found
    # Whoever types an address or a number gets the same answer, but a
    # confirmation goes to it at most once an hour and for three letters a
    # day: the form must not let anyone flood someone's phone or inbox, nor
    # spend the month's SMS.
    asked = list(db.session.scalars(select(Subscription.created_at).where(
        Subscription.channel == channel, Subscription.address == address,
        Subscription.status == SubscriptionStatus.PENDING.value, Subscription.created_at > now - CONFIRM_QUIET_DAY)))
    if len(asked) >= CONFIRMS_A_DAY or any(at > now - CONFIRM_QUIET_HOUR for at in asked):
        raise LetterError("confirm-already-sent", "contact")
    if found is None:
        found = Subscription(channel=channel, address=address, commune_id=commune.id if commune else None,
                             scope_key=key, created_at=now)
        db.session.add(found)
    found.status, found.created_at, found.unsubscribed_at = SubscriptionStatus.PENDING.value, now, None
    found.locale = locale if locale in LANGUAGES else None
    if via is not None:  # the ambassador's QR code brought them (from that letter's page)
        found.via_id, found.via_letter_id = via.id, via_letter.id if via_letter is not None else None
    db.session.flush()
    _send_confirmation(config, found, commune, links)
    return found


def _send_confirmation(config: Mapping, subscription: Subscription, commune: Optional[Commune], links: Links) -> None:
    link = links("confirm", subscription)
    with force_locale(subscription.locale or "fr"):
        if subscription.channel == "email":
            body = "\n\n".join([
                _("Bonjour,"),
                _("Vous avez demandé à recevoir la lettre du Labo de la participation pour %(scope)s.",
                  scope=scope_name(commune)),
                _("Pour la recevoir, ouvrez ce lien (il marche %(days)s jours) :", days=CONFIRM_DAYS) + "\n" + link,
                _("Si ce n'est pas vous, ne faites rien : vous ne recevrez rien."),
                _("Le Labo de la participation"),
            ])
            send_email(config, subscription.address, _("Confirmez votre inscription à la lettre du Labo"), body)
        else:
            from labo.sms.services import send_sms

            send_sms(subscription.address, _("Lettre du Labo : pour la recevoir par SMS, ouvrez %(link)s", link=link),
                     purpose="letter-confirm")


def confirm(config: Mapping, token: str, now: Optional[datetime] = None) -> Optional[Subscription]:
    """The subscription the link confirms (once confirmed, again: the same),
    or None for a wrong, expired or outdated link."""
    try:
        subscription_id, created = _serializer(config, "confirm").loads(token, max_age=CONFIRM_DAYS * 86400)
    except (BadData, TypeError, ValueError):
        return None
    subscription = db.session.get(Subscription, subscription_id) if isinstance(subscription_id, int) else None
    if subscription is None or int(subscription.created_at.timestamp()) != created:
        return None
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED.value:
        return None
    if subscription.status == SubscriptionStatus.PENDING.value:
        subscription.status, subscription.confirmed_at = SubscriptionStatus.CONFIRMED.value, now or utcnow()
        db.session.flush()
    return subscription


def subscription_for_unsubscribe(config: Mapping, token: str) -> Optional[Subscription]:
    try:
        subscription_id, fingerprint = URLSafeSerializer(config["SECRET_KEY"], salt="labo-letter-unsubscribe").loads(token)
    except (BadData, TypeError, ValueError):
        return None
    found = db.session.get(Subscription, subscription_id) if isinstance(subscription_id, int) else None
    return found if found is not None and fingerprint == _fingerprint(found.address) else None


def unsubscribe(subscription: Subscription, now: Optional[datetime] = None) -> None:
    """Nothing more is sent; the row goes with the next purge."""
    if subscription.status != SubscriptionStatus.UNSUBSCRIBED.value:
        subscription.status, subscription.unsubscribed_at = SubscriptionStatus.UNSUBSCRIBED.value, now or utcnow()
        db.session.flush()


STOP_WORDS = {"STOP", "ARRET", "ARRÊT", "STOPSMS", "UNSUBSCRIBE"}


def is_stop(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", (text or "").upper())
    return bool(words) and words[0] in STOP_WORDS


def stop_by_sms(number: str, text: str, now: Optional[datetime] = None) -> int:
    """An SMS received from `number`: "STOP" ends every SMS subscription of
    that number; how many ended. Raises InvalidPhone for a number that is none."""
    address = normalize_phone(number)
    if not is_stop(text):
        return 0
    rows = db.session.scalars(select(Subscription).where(
        Subscription.channel == "sms", Subscription.address == address,
        Subscription.status != SubscriptionStatus.UNSUBSCRIBED.value)).all()
    for subscription in rows:
        unsubscribe(subscription, now)
    return len(rows)


# --- sending -------------------------------------------------------------------


def recipients(letter: Letter, now: Optional[datetime] = None) -> list[int]:
    """Ids of the confirmed subscriptions of the letter's scope that still
    wait for it: never claimed, or claimed by a sender that died (its claim
    older than LEASE, tries left). Without `now`: all of them."""
    query = select(Subscription.id).where(Subscription.status == SubscriptionStatus.CONFIRMED.value,
                                          Subscription.scope_key == (str(letter.commune_id) if letter.commune_id else WHOLE))
    if now is not None:
        query = query.outerjoin(Delivery, (Delivery.subscription_id == Subscription.id)
                                & (Delivery.letter_id == letter.id)).where(
            Delivery.id.is_(None) | (Delivery.sent_at.is_(None) & (Delivery.claimed_at < now - LEASE)
                                     & (Delivery.attempts < MAX_ATTEMPTS)))
    return list(db.session.scalars(query.order_by(Subscription.id)))


def waiting_count(letter: Letter) -> int:
    """Confirmed subscribers of the letter's scope it has not reached yet."""
    scope = str(letter.commune_id) if letter.commune_id else WHOLE
    reached = select(Delivery.subscription_id).where(Delivery.letter_id == letter.id, Delivery.sent_at.is_not(None))
    return db.session.scalar(select(func.count(Subscription.id)).where(
        Subscription.status == SubscriptionStatus.CONFIRMED.value, Subscription.scope_key == scope,
        Subscription.id.not_in(reached))) or 0


def subscriber_counts() -> dict[str, int]:
    """Confirmed subscriptions by scope key (WHOLE or a commune's id)."""
    return dict(db.session.execute(select(Subscription.scope_key, func.count())
                                   .where(Subscription.status == SubscriptionStatus.CONFIRMED.value)
                                   .group_by(Subscription.scope_key)).all())


def claim(letter_id: int, subscription_id: int, now: datetime) -> Optional[int]:
    """The Delivery row's id if the caller is now the one to send this
    letter to this subscription, else None. Commits the caller's session,
    then claims in a short transaction of its own, committed."""
    return claim_once(Delivery.__table__, {"letter_id": letter_id, "subscription_id": subscription_id}, now,
                      lease=LEASE, max_attempts=MAX_ATTEMPTS)


def email_text(letter: Letter, links: Callable[[str], str]) -> tuple[str, str]:
    """Subject and plain-text body of the letter, in the current language."""
    parts = [letter.intro] if letter.intro else []
    for section in sections(letter):
        lines = [section.kind.label.upper()]
        for item in section.items:
            line = f"• {item.title}"
            if item.at is not None and item.kind in (ItemKind.MEETING.value,):
                line += "\n  " + format_moment(item.at)
            if item.kind == ItemKind.PROCESS.value and item.at is not None:
                line += "\n  " + _("Jusqu'au %(when)s", when=format_moment(item.at, ending=True))
            if item.place and item.kind == ItemKind.MEETING.value:
                line += "\n  " + item.place
            if item.text:
                line += "\n  " + item.text
            line += "\n  " + links(item.path)
            lines.append(line)
        parts.append("\n".join(lines))
    parts.append(_("La lettre sur le site :") + "\n" + links("letter"))
    parts.append(_("Pour ne plus recevoir la lettre :") + "\n" + links("unsubscribe"))
    return letter.title, "\n\n".join(parts)


def sms_text(letter: Letter, link: str) -> str:
    return _("Lettre du Labo (%(scope)s) : %(link)s — STOP pour ne plus la recevoir",
             scope=letter.commune.name if letter.commune else _("agglo"), link=link)


def _deliver(config: Mapping, letter: Letter, subscription: Subscription, links: Links) -> None:
    with force_locale(subscription.locale or "fr"):
        if subscription.channel == "email":
            unsubscribe_link = links("unsubscribe", subscription)
            subject, body = email_text(letter, lambda what: (
                unsubscribe_link if what == "unsubscribe" else links("letter", subscription) if what == "letter"
                else links("site:" + what, subscription)))
            headers = {"List-Unsubscribe": f"<{unsubscribe_link}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            send_email(config, subscription.address, subject, body, headers)
        else:
            from labo.sms.services import send_sms

            send_sms(subscription.address, sms_text(letter, links("letter-short", subscription)),
                     purpose="letter")


IN_REQUEST = 10  # messages sent at once when the editor presses "Envoyer"; `flask labo tick` sends the rest
TICK_BATCH = 100  # messages a tick sends, all letters together (a timer runs it every 5 minutes)
SENDING_DAYS = 7  # a letter still reaching its subscribers is taken up by the tick this long after it was sent


def send_letter(config: Mapping, actor: Optional[User], letter: Letter, links: Links,
                now: Optional[datetime] = None, limit: Optional[int] = None) -> int:
    """Mark the letter sent and send it to the confirmed subscribers of its
    scope it has not reached yet, each once (see the module's docstring), at
    most `limit` messages; how many this call sent. Commits."""
    now = now or utcnow()
    letter_id = letter.id
    write_transaction()  # two sendings at once: one marks the letter, the other waits its turn (SQLite)
    letter = db.session.get(Letter, letter_id)
    if not letter.is_sent:
        letter.status, letter.sent_at = LetterStatus.SENT.value, now
        record_audit(actor, "letter.sent", "letter", letter.id, name=letter.title)
    db.session.commit()
    sent = 0
    for subscription_id in recipients(letter, now):
        if limit is not None and sent >= limit:
            break
        row_id = claim(letter_id, subscription_id, now)
        if row_id is None:
            continue
        # The send and its mark in one transaction that writes from its first read (on SQLite, a
        # transaction that read before another sender wrote could not write any more).
        write_transaction()
        letter = db.session.get(Letter, letter_id)
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None or subscription.status != SubscriptionStatus.CONFIRMED.value:
            db.session.execute(update(Delivery).where(Delivery.id == row_id).values(sent_at=now))
            db.session.commit()
            continue
        try:
            _deliver(config, letter, subscription, links)
        except Exception:  # noqa: BLE001 - one subscriber's failure must not stop the others
            db.session.rollback()
            log.exception("letter %s not sent to subscription %s", letter_id,
                                                        subscription_id)
            continue
        db.session.execute(update(Delivery).where(Delivery.id == row_id).values(sent_at=now))
        db.session.execute(update(Letter).where(Letter.id == letter_id).values(sent_count=Letter.sent_count + 1))
        db.session.commit()
        sent += 1
    return sent


def send_pending_letters(config: Mapping, now: Optional[datetime] = None, limit: int = TICK_BATCH) -> int:
    """`flask labo tick`: the letters sent in the last days that have not
    reached all their subscribers yet, oldest first, at most `limit` messages
    in all; how many went. Links are built as in a request (LABO_BASE_URL)."""
    now = now or utcnow()
    letters = list(db.session.scalars(select(Letter.id).where(
        Letter.status == LetterStatus.SENT.value, Letter.sent_at > now - timedelta(days=SENDING_DAYS))
        .order_by(Letter.sent_at, Letter.id)))
    sent = 0
    for letter_id in letters:
        if sent >= limit:
            break
        letter = db.session.get(Letter, letter_id)
        sent += send_letter(config, None, letter, letter_links(config, letter), now, limit=limit - sent)
    return sent


def letter_links(config: Mapping, letter: Optional[Letter] = None) -> Links:
    """The links a letter's messages carry (confirm, unsubscribe, the letter's page), absolute."""
    def link(what: str, subscription: Subscription) -> str:
        if what == "confirm":
            return external_url("letters.confirm", token=confirm_token(config, subscription))
        if what == "unsubscribe":
            return external_url("letters.unsubscribe", token=unsubscribe_token(config, subscription))
        if what in ("letter", "letter-short") and letter is not None:
            return external_url("letters.detail", letter_id=letter.id)
        if what.startswith("site:"):
            return absolute(what[5:])
        return external_url("letters.index")

    return link


# --- ambassadors -----------------------------------------------------------------


def record_handout(actor: User, letter: Letter, copies: int) -> Handout:
    if not letter.is_sent:
        raise LetterError("not-sent")
    if not isinstance(copies, int) or not 1 <= copies <= 5000:
        raise LetterError("copies-invalid", "copies")
    handout = Handout(letter_id=letter.id, user_id=actor.id, copies=copies)
    db.session.add(handout)
    db.session.flush()
    return handout


def count_visit(letter: Letter, relay: User) -> None:
    """One more visit of the letter's page through `relay`'s QR code."""
    db.session.execute(insert_ignoring_duplicates(Visit, db.session.get_bind().dialect.name)
                       .values(letter_id=letter.id, relay_id=relay.id, visits=0)
                       .on_conflict_do_nothing(index_elements=["letter_id", "relay_id"]))
    db.session.execute(update(Visit).where(Visit.letter_id == letter.id, Visit.relay_id == relay.id)
                       .values(visits=Visit.visits + 1).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class RelayLine:
    letter: Letter
    handed_out: int
    visits: int
    subscriptions: int


def relay_figures(user: User, limit: int = 12) -> list[RelayLine]:
    """For each recent letter sent: how many copies `user` handed out, how
    many visits their QR code brought to its page, how many subscriptions
    were made there through it (confirmed or waiting)."""
    lines = []
    for letter in sent_letters(limit=limit):
        handed = db.session.scalar(select(func.coalesce(func.sum(Handout.copies), 0))
                                   .where(Handout.letter_id == letter.id, Handout.user_id == user.id))
        visits = db.session.scalar(select(Visit.visits).where(Visit.letter_id == letter.id, Visit.relay_id == user.id))
        subscriptions = db.session.scalar(select(func.count()).select_from(Subscription).where(
            Subscription.via_id == user.id, Subscription.via_letter_id == letter.id,
            Subscription.status != SubscriptionStatus.UNSUBSCRIBED.value))
        lines.append(RelayLine(letter, int(handed or 0), int(visits or 0), int(subscriptions or 0)))
    return lines


# --- personal data ---------------------------------------------------------------


def _account_addresses(user: User) -> list[str]:
    return [a for a in (normalize_email(user.email) if user.email else None, getattr(user, "phone", None)) if a]


@personal_data.exporter
def export_for(user: User) -> dict:
    """Subscriptions to the letter made with the account's email or phone, and
    the copies the person handed out."""
    addresses = _account_addresses(user)
    subscriptions = db.session.scalars(select(Subscription).where(Subscription.address.in_(addresses))
                                       .order_by(Subscription.id)).all() if addresses else []
    return {
        "letter_subscriptions": [
            {"channel": s.channel, "address": s.address, "scope": s.commune.name if s.commune else "CALL",
             "status": s.status, "created_at": s.created_at.isoformat(),
             "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None}
            for s in subscriptions],
        "letter_handouts": [
            {"letter": h_letter.title, "copies": h.copies, "created_at": h.created_at.isoformat()}
            for h, h_letter in db.session.execute(select(Handout, Letter).join(Letter, Handout.letter_id == Letter.id)
                                                  .where(Handout.user_id == user.id).order_by(Handout.id))],
    }


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """The subscriptions made with the account's email or phone go with it."""
    addresses = _account_addresses(user)
    if addresses:
        db.session.execute(delete(Subscription).where(Subscription.address.in_(addresses)))


@retention.kind("LETTER_PENDING", CONFIRM_DAYS, _l("L'e-mail ou le numéro laissé pour la lettre du Labo, pas encore confirmé"),
                _l("après l'inscription : il est supprimé si le lien de confirmation n'a pas été ouvert."), rank=25)
def _purge_pending(config: Mapping, before: datetime, dry_run: bool) -> int:
    return retention.count(delete(Subscription).where(Subscription.status == SubscriptionStatus.PENDING.value,
                                                      Subscription.created_at < before))


@retention.kind("LETTER_UNSUBSCRIBED", 1, _l("L'e-mail ou le numéro d'une personne désinscrite de la lettre du Labo"),
                _l("après la désinscription : il est supprimé. Tant que la personne reste inscrite, il sert "
                   "seulement à lui envoyer la lettre."), rank=26)
def _purge_unsubscribed(config: Mapping, before: datetime, dry_run: bool) -> int:
    return retention.count(delete(Subscription).where(Subscription.status == SubscriptionStatus.UNSUBSCRIBED.value,
                                                      or_(Subscription.unsubscribed_at.is_(None),
                                                          Subscription.unsubscribed_at < before)))


audit_labels({
    "letter.composed": lambda d: _("Lettre du Labo préparée : %(name)s", name=d.name),
    "letter.sent": lambda d: _("Lettre du Labo envoyée : %(name)s", name=d.name),
})
