"""Meetings, free of Flask's request. Seat allocation runs in a short
transaction of its own (core.db.serialized) so that fifty people taking the
last ten seats at once get exactly ten seats; everything else writes in the
caller's transaction."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Optional

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, insert, select, update

from labo.accounts.models import AgeBand, ERASED_LABEL, User
from labo.audit.services import audit_labels, record_audit
from labo.contributions.models import Contribution, Visibility
from labo.core.attachments import AttachmentError, delete_attachment_file, store_attachment
from labo.core.db import serialized, utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.core.sanitize import clean_rich_text
from labo.extensions import db
from labo.fiches.models import Fiche, FicheStatus
from labo.meetings.models import (
    Attachment,
    Audience,
    Decision,
    Meeting,
    MeetingChange,
    MeetingKind,
    Registration,
    RegistrationStatus,
    TrainingAudience,
)
from labo.notifications.services import notification_texts, notify
from labo.permissions import can
from labo.privacy import personal_data, retention
from labo.territory.models import Commune

RELAY_SALT = "labo.meeting-relay"
CONFIRMED, WAITING, CANCELLED = (s.value for s in RegistrationStatus)


class MeetingError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


# --- creating ------------------------------------------------------------


def save_meeting(actor: User, meeting: Meeting, *, title: str, theme: str, starts_at: datetime,
                 ends_at: Optional[datetime], commune: Optional[Commune], venue: str, address: str,
                 step_free: bool, public_transport: str, childcare: bool, access_notes: str,
                 capacity: Optional[int], running_order: str, animators: list[User],
                 kind: Optional[str] = None) -> Meeting:
    """Create or edit a meeting. `kind` (None: keep it, "labo" for a new one):
    a walk stays a walk, and no other meeting becomes one here (labo.walks plans them)."""
    if kind is not None:
        if kind not in {k.value for k in MeetingKind}:
            raise MeetingError("kind-unknown", "kind")
        was = meeting.kind if meeting.id is not None else None
        if was is not None and kind != was and MeetingKind.WALK.value in (kind, was):
            raise MeetingError("kind-walk", "kind")
        meeting.kind = kind
    elif meeting.kind is None:
        meeting.kind = MeetingKind.LABO.value
    if not meeting.is_training:  # a trainer belongs to trainings only (save_training empties the rest)
        meeting.trainer, meeting.trainer_name = None, ""
    if commune is None:
        raise MeetingError("commune-required", "commune")
    if ends_at is not None and ends_at <= starts_at:
        raise MeetingError("ends-before-start", "ends_at")
    if capacity is not None and capacity < 1:
        raise MeetingError("capacity-positive", "capacity")
    created = meeting.id is None
    was_starts_at, was_place = meeting.starts_at, place_of(meeting) if not created else ""
    meeting.title, meeting.theme = title.strip(), theme.strip()
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.commune = commune
    meeting.venue, meeting.address = venue.strip(), address.strip()
    meeting.step_free, meeting.public_transport, meeting.childcare = step_free, public_transport.strip(), childcare
    meeting.access_notes, meeting.capacity = access_notes.strip(), capacity
    # a browser sends its lines ended by CR LF: stored as typed elsewhere, with LF alone
    meeting.running_order = running_order.replace("\r\n", "\n").strip()
    meeting.animators = animators
    if created:
        meeting.created_by_id = actor.id
        db.session.add(meeting)
    elif (not meeting.cancelled and max(was_starts_at, meeting.starts_at) > utcnow()
          and (was_starts_at != meeting.starts_at or was_place != place_of(meeting))):
        # The people registered hear of it at once, after the commit (labo.reminders).
        db.session.add(MeetingChange(meeting_id=meeting.id, kind="moved", was_starts_at=was_starts_at,
                                     was_place=was_place[:420]))
    db.session.flush()
    record_audit(actor, "meeting.created" if created else "meeting.updated", "meeting", meeting.id,
                 title=meeting.title, commune=commune.name)
    return meeting


def save_training(actor: User, meeting: Meeting, *, audiences: list[str], trainer: Optional[User],
                  trainer_name: str, materials: list[Fiche]) -> Meeting:
    """A training session's publics (one or several), its trainer (an account
    or a name typed in, not both) and its materials (published fiches; one
    already chosen stays even if it has since gone back to its author). For a
    meeting of another kind, all of it is emptied: it belongs to trainings only."""
    if not meeting.is_training:
        audiences, trainer, trainer_name, materials = [], None, "", []
    trainer_name = re.sub(r"\s+", " ", trainer_name or "").strip()
    wanted = {a for a in audiences}
    if wanted - {a.value for a in Audience}:
        raise MeetingError("audience-unknown", "audiences")
    if meeting.is_training and not wanted:
        raise MeetingError("audience-required", "audiences")
    if trainer is not None and trainer_name:
        raise MeetingError("one-trainer", "trainer_name")
    if len(trainer_name) > 120:
        raise MeetingError("trainer-name-long", "trainer_name")
    already = {f.id for f in meeting.materials}
    if any(not f.is_published and f.id not in already for f in materials):
        raise MeetingError("material-unpublished", "materials")
    kept = [row for row in meeting.audiences if row.audience in wanted]
    have = {row.audience for row in kept}
    meeting.audiences = kept + [TrainingAudience(audience=a) for a in Audience if a.value in wanted - have]
    meeting.trainer, meeting.trainer_name = trainer, trainer_name
    chosen = {f.id for f in materials}
    meeting.materials = [f for f in meeting.materials if f.id in chosen] + \
        [f for f in materials if f.id not in already]
    db.session.flush()
    return meeting


def material_choices(meeting: Meeting) -> list[Fiche]:
    """The fiches a training may use: the published ones (training material
    first), and those it already uses."""
    published = list(db.session.scalars(
        select(Fiche).where(Fiche.status == FicheStatus.PUBLISHED.value)
        .order_by(case((Fiche.kind == "formation", 0), else_=1), Fiche.title)))
    ids = {f.id for f in published}
    return published + [f for f in meeting.materials if f.id not in ids]


def published_materials(meeting: Meeting) -> list[Fiche]:
    """The materials a visitor sees: the published ones only."""
    return [f for f in meeting.materials if f.is_published]


def place_of(meeting: Meeting) -> str:
    """"Centre social, 2 rue de la Mairie — Wingles": the place as a notice says it."""
    where = meeting.venue + (f", {meeting.address}" if meeting.address else "")
    return f"{where} — {meeting.commune.name}" if meeting.commune is not None else where


def cancel_meeting(actor: User, meeting: Meeting) -> None:
    """Cancel a meeting to come; everyone registered hears of it after the
    commit (labo.reminders). Cancelling twice changes nothing."""
    if meeting.cancelled:
        raise MeetingError("meeting-cancelled")
    if meeting.is_past:
        raise MeetingError("meeting-past")
    meeting.cancelled = True
    db.session.add(MeetingChange(meeting_id=meeting.id, kind="cancelled", was_starts_at=meeting.starts_at,
                                 was_place=place_of(meeting)[:420]))
    db.session.flush()
    record_audit(actor, "meeting.cancelled", "meeting", meeting.id, title=meeting.title)


# --- registering ---------------------------------------------------------


@dataclass
class Seat:
    registration_id: int
    status: str
    cancel_token: str


CLIENT_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,40}")


def register(meeting: Meeting, *, user: Optional[User] = None, first_name: str = "",
             contact: Optional[str] = None, relay: Optional[User] = None, walk_in: bool = False,
             client_key: Optional[str] = None, locale: Optional[str] = None) -> Seat:
    """A seat if one is left, else a place on the waiting list, in order.

    `client_key` is the id a phone gave a walk-in it added offline: the same
    key sent again (a retried send) returns the registration made the first
    time, never a second one.

    Commits on its own: it first ends the caller's transaction (committing
    what it holds), then takes the seat in a short serialized transaction."""
    if meeting.cancelled:
        raise MeetingError("meeting-cancelled")
    if meeting.is_past and not walk_in:
        raise MeetingError("meeting-past")
    first_name = re.sub(r"\s+", " ", (user.pseudonym if user else first_name) or "").strip()[:60]
    contact = (contact or "").strip()[:254] or None
    if not first_name:
        raise MeetingError("name-required", "first_name")
    if user is None and not contact and not walk_in:
        raise MeetingError("contact-required", "contact")
    if client_key is not None and not CLIENT_KEY_RE.fullmatch(client_key):
        raise MeetingError("client-key-invalid")
    token = secrets.token_urlsafe(24)
    meeting_id, capacity = meeting.id, meeting.capacity
    user_id = user.id if user is not None else None
    relay_id = relay.id if relay is not None else None
    db.session.commit()  # a transaction that read earlier must not write after the seat is taken
    with serialized(db.engine, Meeting.__table__, meeting_id) as connection:
        if user_id is not None:
            existing = connection.execute(
                select(Registration.id, Registration.status, Registration.cancel_token).where(
                    Registration.meeting_id == meeting_id, Registration.user_id == user_id,
                    Registration.status != CANCELLED)
            ).first()
            if existing is not None:
                return Seat(*existing)
        if client_key is not None:
            existing = connection.execute(
                select(Registration.id, Registration.status, Registration.cancel_token).where(
                    Registration.meeting_id == meeting_id, Registration.client_key == client_key)
            ).first()
            if existing is not None:
                return Seat(*existing)
        taken = connection.scalar(
            select(func.count(Registration.id)).where(Registration.meeting_id == meeting_id, Registration.status == CONFIRMED)
        )
        status = CONFIRMED if walk_in or capacity is None or taken < capacity else WAITING
        new_id = connection.execute(insert(Registration).values(
            meeting_id=meeting_id, user_id=user_id, first_name=first_name, contact=contact,
            status=status, relay_id=relay_id, walk_in=walk_in, present=walk_in,
            cancel_token=token, client_key=client_key, created_at=utcnow(), locale=(locale or None) and locale[:5],
        )).inserted_primary_key[0]
    return Seat(new_id, status, token)


def cancel(cancel_token: str) -> Optional[Registration]:
    """Cancel by the private link sent at registration; the first person
    waiting takes the seat. Commits on its own."""
    registration = db.session.scalar(select(Registration).where(Registration.cancel_token == cancel_token))
    if registration is None or registration.status == CANCELLED:
        return registration
    meeting_id, registration_id = registration.meeting_id, registration.id
    db.session.commit()
    with serialized(db.engine, Meeting.__table__, meeting_id) as connection:
        connection.execute(update(Registration).where(Registration.id == registration_id).values(status=CANCELLED))
    promote_waiting(meeting_id)
    return registration


def promote_waiting(meeting_id: int) -> list[int]:
    """Give free seats to the waiting list in the order people registered
    (they are told: labo.reminders, after this commit). Commits on its own,
    after the caller's transaction."""
    promoted: list[int] = []
    db.session.commit()
    with serialized(db.engine, Meeting.__table__, meeting_id) as connection:
        capacity = connection.scalar(select(Meeting.capacity).where(Meeting.id == meeting_id))
        taken = connection.scalar(
            select(func.count(Registration.id)).where(Registration.meeting_id == meeting_id, Registration.status == CONFIRMED)
        )
        free = None if capacity is None else max(capacity - taken, 0)
        query = (select(Registration.id).where(Registration.meeting_id == meeting_id, Registration.status == WAITING)
                 .order_by(Registration.created_at, Registration.id))
        if free is not None:
            query = query.limit(free)
        promoted = list(connection.scalars(query))
        if promoted:
            connection.execute(update(Registration).where(Registration.id.in_(promoted))
                               .values(status=CONFIRMED, promoted_at=utcnow()))
    return promoted


def registrations(meeting: Meeting, status: Optional[str] = None) -> list[Registration]:
    query = select(Registration).where(Registration.meeting_id == meeting.id).order_by(Registration.created_at, Registration.id)
    if status:
        query = query.where(Registration.status == status)
    return list(db.session.scalars(query))


def registration_of(meeting: Meeting, user: Optional[User]) -> Optional[Registration]:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.user_id == user.id, Registration.status != CANCELLED))


# --- on the day ----------------------------------------------------------


def set_present(actor: User, registration: Registration, present: bool) -> None:
    """Set, not toggle: the same tick sent twice (a retry after a dropped
    connection) leaves the same state."""
    registration.present = present
    db.session.flush()


def set_audience(actor: User, registration: Registration, audience: str) -> None:
    """Mark as whom someone came to a training (resident, elected official,
    staff). Set, not toggle: sending it twice leaves the same mark."""
    if audience not in {a.value for a in Audience}:
        raise MeetingError("audience-unknown")
    registration.audience = audience
    db.session.flush()


def set_paper_count(actor: User, meeting: Meeting, count: int) -> None:
    if count < 0 or count > 100000:
        raise MeetingError("count-invalid", "count")
    meeting.paper_count = count
    record_audit(actor, "meeting.paper_count", "meeting", meeting.id, title=meeting.title, count=count)
    db.session.flush()


@dataclass
class Counts:
    confirmed: int       # registered ahead with a seat; people who walked in on the day are not "registered"
    waiting: int
    present_accounts: int
    present_walk_ins: int
    paper: int

    @property
    def present(self) -> int:
        return self.present_accounts + self.present_walk_ins + self.paper


def counts(meeting: Meeting) -> Counts:
    rows = db.session.execute(
        select(Registration.status, Registration.present, Registration.walk_in, func.count(Registration.id))
        .where(Registration.meeting_id == meeting.id).group_by(Registration.status, Registration.present, Registration.walk_in)
    ).all()
    c = Counts(0, 0, 0, 0, meeting.paper_count or 0)
    for status, present, walk_in, n in rows:
        if status == CONFIRMED and not walk_in:
            c.confirmed += n
        elif status == WAITING:
            c.waiting += n
        if present and status == CONFIRMED:
            if walk_in:
                c.present_walk_ins += n
            else:
                c.present_accounts += n
    return c


# --- relays --------------------------------------------------------------


def relay_token(config: Mapping, relay: User) -> str:
    """The personal part of an ambassador's invite link."""
    return URLSafeSerializer(config["SECRET_KEY"], salt=RELAY_SALT).dumps(relay.id)


def relay_for(config: Mapping, token: Optional[str]) -> Optional[User]:
    if not token:
        return None
    try:
        user_id = URLSafeSerializer(config["SECRET_KEY"], salt=RELAY_SALT).loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not can(user, "relay.invite"):  # no longer an ambassador or referent
        return None
    return user


# --- the programme -------------------------------------------------------


def upcoming(now: Optional[datetime] = None, kind: Optional[str] = None) -> list[Meeting]:
    """The meetings to come (of one kind, when `kind` is given)."""
    now = now or utcnow()
    query = select(Meeting).where(Meeting.starts_at >= now - timedelta(hours=12), Meeting.cancelled.is_(False))
    if kind:
        query = query.where(Meeting.kind == kind)
    return list(db.session.scalars(query.order_by(Meeting.starts_at)))


def past(now: Optional[datetime] = None, kind: Optional[str] = None) -> list[Meeting]:
    """The meetings held or cancelled (of one kind, when `kind` is given), the latest first."""
    now = now or utcnow()
    query = select(Meeting).where(Meeting.starts_at < now - timedelta(hours=12))
    if kind:
        query = query.where(Meeting.kind == kind)
    return list(db.session.scalars(query.order_by(Meeting.starts_at.desc())))


@dataclass
class Rotation:
    hosted: list[tuple[Commune, int, datetime]]  # commune, meetings held there, last date
    not_yet: list[Commune]


def rotation() -> Rotation:
    rows = db.session.execute(
        select(Meeting.commune_id, func.count(Meeting.id), func.max(Meeting.starts_at))
        .where(Meeting.cancelled.is_(False)).group_by(Meeting.commune_id)
    ).all()
    communes = {c.id: c for c in db.session.scalars(select(Commune).where(Commune.in_call).order_by(Commune.slug))}
    hosted = sorted(
        ((communes[cid], n, last) for cid, n, last in rows if cid in communes), key=lambda item: item[2], reverse=True
    )
    hosted_ids = {cid for cid, _, _ in rows}
    return Rotation(hosted, [c for cid, c in communes.items() if cid not in hosted_ids])


# --- after the meeting ---------------------------------------------------


def publish_minutes(config: Mapping, actor: User, meeting: Meeting, text: str) -> None:
    """Write (or rewrite) the minutes; the first publication tells everyone
    registered with an account."""
    if not text or not text.strip():
        raise MeetingError("minutes-required", "minutes")
    first = meeting.minutes_published_at is None
    meeting.minutes = clean_rich_text(text)
    meeting.minutes_published_at = meeting.minutes_published_at or utcnow()
    record_audit(actor, "meeting.minutes", "meeting", meeting.id, title=meeting.title)
    if first:
        people = db.session.scalars(select(Registration.user_id).where(
            Registration.meeting_id == meeting.id, Registration.user_id.is_not(None), Registration.status == CONFIRMED))
        notify(config, list(people), "meeting.minutes", f"/rencontres/{meeting.id}", title=meeting.title)
    db.session.flush()


def add_decision(actor: User, meeting: Meeting, *, text: str, rule: str, votes_for: Optional[int] = None,
                 votes_against: Optional[int] = None, abstentions: Optional[int] = None):
    text, rule = (text or "").strip(), (rule or "").strip()
    if not text:
        raise MeetingError("decision-required", "text")
    if not rule:
        raise MeetingError("rule-required", "rule")
    if any(v is not None and v < 0 for v in (votes_for, votes_against, abstentions)):
        raise MeetingError("count-invalid", "votes_for")
    decision = Decision(meeting=meeting, text=text[:2000], rule=rule[:160], votes_for=votes_for,
                        votes_against=votes_against, abstentions=abstentions)
    db.session.add(decision)
    db.session.flush()
    record_audit(actor, "meeting.decision", "meeting", meeting.id, title=meeting.title, decision=decision.text[:200])
    return decision


def add_attachment(upload_dir: str, actor: User, meeting: Meeting, stream, original_name: str):
    """Check and store a file for the minutes; AttachmentError when refused."""
    stored = store_attachment(stream, original_name, upload_dir)
    attachment = Attachment(meeting=meeting, key=stored.key, filename=stored.filename,
                            content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    record_audit(actor, "meeting.attachment_added", "meeting", meeting.id, title=meeting.title, file=stored.filename)
    return attachment


def delete_attachment(upload_dir: str, actor: User, attachment) -> None:
    """Remove the entry and the stored file (a file already gone is not an error)."""
    meeting = attachment.meeting
    record_audit(actor, "meeting.attachment_deleted", "meeting", meeting.id, title=meeting.title, file=attachment.filename)
    db.session.delete(attachment)
    db.session.flush()
    try:
        delete_attachment_file(upload_dir, attachment.key)
    except AttachmentError:  # a key we could not have made: nothing of ours to remove
        pass


def contributions_born_at(meeting: Meeting):
    return list(db.session.scalars(select(Contribution).where(
        Contribution.meeting_id == meeting.id, Contribution.visibility == Visibility.PUBLISHED.value
    ).order_by(Contribution.created_at)))


# --- indicators ----------------------------------------------------------


@dataclass
class MeetingFigures:
    meeting: Meeting
    counts: Counts
    newcomers: int       # present with an account, at their first Labo meeting
    returning: int       # present with an account, seen at an earlier meeting


@dataclass
class RelayFigures:
    name: str            # the relay's pseudonym (an ambassador or referent), never those they brought
    brought: int         # registrations through their invite link, not cancelled
    present: int         # of whom came


@dataclass
class MeetingIndicators:
    meetings: list[MeetingFigures]
    total_present: int
    average_days_between: Optional[float]
    by_commune: list[tuple[str, int]]     # people present with an account, by home commune
    commune_unknown: int                  # ... who did not give one
    by_age_band: list[tuple[str, int]]
    age_unknown: int
    by_relay: list[RelayFigures]
    meeting: Optional[Meeting] = None     # the breakdowns are for this meeting only, when set

    @property
    def newcomers(self) -> int:
        return sum(m.newcomers for m in self.meetings)

    @property
    def returning(self) -> int:
        return sum(m.returning for m in self.meetings)


def indicators(meeting: Optional[Meeting] = None) -> MeetingIndicators:
    """Aggregates over the meetings held (or for one meeting): counts only,
    never the name of anyone who came."""
    held = [m for m in past() if not m.cancelled][::-1]  # oldest first
    present_rows = db.session.execute(
        select(Registration.meeting_id, Registration.user_id)
        .join(Meeting, Meeting.id == Registration.meeting_id)
        .where(Registration.present.is_(True), Registration.user_id.is_not(None), Registration.status == CONFIRMED,
               Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at)
    ).all()
    seen: set[int] = set()
    first_time: dict[int, int] = {}
    again: dict[int, int] = {}
    for meeting_id, user_id in present_rows:
        bucket = again if user_id in seen else first_time
        bucket[meeting_id] = bucket.get(meeting_id, 0) + 1
        seen.add(user_id)
    figures = [MeetingFigures(m, counts(m), first_time.get(m.id, 0), again.get(m.id, 0)) for m in held]
    gaps = [(b.starts_at - a.starts_at).days for a, b in zip(held, held[1:])]
    scope = [meeting.id] if meeting is not None else [m.id for m in held]
    people = (select(Registration.user_id)
              .where(Registration.meeting_id.in_(scope), Registration.present.is_(True),
                     Registration.status == CONFIRMED, Registration.user_id.is_not(None))
              .distinct())
    by_commune = db.session.execute(
        select(Commune.name, func.count(User.id)).join(User, User.home_commune_id == Commune.id)
        .where(User.id.in_(people)).group_by(Commune.name).order_by(func.count(User.id).desc(), Commune.name)
    ).all()
    by_age = db.session.execute(
        select(User.age_band, func.count(User.id)).where(User.id.in_(people), User.age_band.is_not(None))
        .group_by(User.age_band)
    ).all()
    known_bands = {band.value for band in AgeBand}
    by_age = [(band, n) for band, n in by_age if band in known_bands]
    everyone = db.session.scalar(select(func.count()).select_from(people.subquery())) or 0
    relay_query = (
        select(User.id, User.pseudonym, func.count(Registration.id),
               func.sum(case((Registration.present.is_(True) & (Registration.status == CONFIRMED), 1), else_=0)))
        .join(User, User.id == Registration.relay_id)
        .where(Registration.status != CANCELLED)
        .group_by(User.id, User.pseudonym).order_by(func.count(Registration.id).desc(), User.pseudonym)
    )
    if meeting is not None:
        relay_query = relay_query.where(Registration.meeting_id == meeting.id)
    by_relay = [RelayFigures(name, brought, int(came or 0)) for _, name, brought, came in db.session.execute(relay_query)]
    return MeetingIndicators(
        meetings=figures,
        total_present=sum(f.counts.present for f in figures),
        average_days_between=(sum(gaps) / len(gaps)) if gaps else None,
        by_commune=[(name, n) for name, n in by_commune],
        commune_unknown=everyone - sum(n for _, n in by_commune),
        by_age_band=[(AgeBand(band).label, n) for band, n in sorted(by_age, key=lambda r: list(AgeBand).index(AgeBand(r[0])))],
        age_unknown=everyone - sum(n for _, n in by_age),
        by_relay=by_relay,
        meeting=meeting,
    )


@personal_data.exporter
def export_for(user: User) -> dict:
    """The person's registrations to meetings, for their download."""
    return {"meeting_registrations": [
        {"meeting": r.meeting.title, "starts_at": r.meeting.starts_at.isoformat(), "first_name": r.first_name,
         "contact": r.contact, "status": r.status, "present": r.present, "created_at": r.created_at.isoformat(),
         "came_as": r.audience}
        for r in db.session.scalars(select(Registration).where(Registration.user_id == user.id).order_by(Registration.id))
    ], "trainings_given": [
        {"meeting": m.title, "starts_at": m.starts_at.isoformat()}
        for m in db.session.scalars(select(Meeting).where(Meeting.trainer_id == user.id).order_by(Meeting.starts_at))
    ]}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """Registrations to meetings stay counted, without the name and contact typed in them."""
    db.session.execute(update(Registration).where(Registration.user_id == user.id)
                       .values(first_name=ERASED_LABEL, contact=None))
    # A training they gave no longer names them.
    db.session.execute(update(Meeting).where(Meeting.trainer_id == user.id).values(trainer_id=None))


@retention.kind("REGISTRATION_CONTACT", 31, _l("Le téléphone ou l'e-mail laissé pour une rencontre"),
                _l("après la rencontre : il est effacé ; il ne sert qu'aux rappels et à prévenir d'un changement."), rank=20)
def _purge_contacts(config: Mapping, before: datetime, dry_run: bool) -> int:
    past = select(Meeting.id).where(Meeting.starts_at < before)
    return retention.count(update(Registration).where(Registration.meeting_id.in_(past), Registration.contact.is_not(None))
                           .values(contact=None))


@retention.kind("REGISTRATION_NAME", 365, _l("Le prénom laissé pour une rencontre"),
                _l("après la rencontre : il est effacé ; la présence reste comptée, sans nom."), rank=40)
def _purge_names(config: Mapping, before: datetime, dry_run: bool) -> int:
    past = select(Meeting.id).where(Meeting.starts_at < before)
    return retention.count(update(Registration).where(Registration.meeting_id.in_(past), Registration.first_name != "")
                           .values(first_name=""))


# What the audit page says for each action this feature writes.
audit_labels({
    "meeting.created": lambda d: _("Rencontre créée : %(name)s", name=d.name),
    "meeting.updated": lambda d: _("Rencontre modifiée : %(name)s", name=d.name),
    "meeting.cancelled": lambda d: _("Rencontre annulée : %(name)s", name=d.name),
    "meeting.minutes": lambda d: _("Compte-rendu publié : %(name)s", name=d.name),
    "meeting.decision": lambda d: _("Décision notée pour %(name)s", name=d.name),
    "meeting.paper_count": lambda d: _("Compte papier saisi pour %(name)s : %(count)s",
            name=d.name, count=d.get("count", "")),
    "meeting.attachment_added": lambda d: _("Pièce jointe ajoutée à %(name)s : %(file)s",
            name=d.name, file=d.get("file", "")),
    "meeting.attachment_deleted": lambda d: _("Pièce jointe retirée de %(name)s : %(file)s",
            name=d.name, file=d.get("file", "")),
})


# What a person following a meeting reads when something happens to it.
notification_texts({
    "meeting.minutes": lambda p: _("Le compte-rendu de « %(title)s » est en ligne.", title=p.get("title", "")),
})

