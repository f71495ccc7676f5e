"""Walking diagnostics, free of Flask's request: planning a walk (its meeting
of kind 'walk' made through labo.meetings.services, and its Walk row),
capturing a finding (once per key made on the phone), sorting and sending
findings on, entering the answers, and what the API, the COPIL, the
person's download and erasure read. The actor is passed in; the view commits."""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Callable, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import User
from labo.audit.services import audit_labels, record_audit
from labo.core.db import utcnow, write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import _
from labo.core.photos import PhotoError, delete_photo, process_photo
from labo.core.sanitize import plain_text
from labo.extensions import db
from labo.meetings import services as meetings
from labo.meetings.models import Meeting, MeetingKind
from labo.partners.models import Partner
from labo.permissions import can
from labo.privacy import personal_data
from labo.territory.models import Commune, Qpv
from labo.walks.models import ANSWER_STATUSES, KEPT_STATUSES, Category, Finding, Status, Walk

CATEGORIES = tuple(c.value for c in Category)
STATUSES = tuple(s.value for s in Status)
# Four decimals: about 11 m on the ground, enough to find a broken street lamp,
# not enough to single out a front door.
POSITION_DIGITS = 4
CLIENT_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,40}")
TEXT_MAX = 500


class WalkError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


def get_walk(walk_id: int) -> Optional[Walk]:
    return db.session.get(Walk, walk_id)


def walk_of(meeting: Meeting) -> Optional[Walk]:
    """The walk a meeting of kind 'walk' is, if any (for the meeting's page)."""
    if meeting is None or meeting.id is None or meeting.kind != MeetingKind.WALK.value:
        return None
    return db.session.scalar(select(Walk).where(Walk.meeting_id == meeting.id))


# --- planning ----------------------------------------------------------------


def plan_walk(actor: User, *, title: str, starts_at: Optional[datetime], ends_at: Optional[datetime],
              commune: Optional[Commune], qpv: Optional[Qpv], meeting_point: str, route: str,
              invites_residents: bool, invites_landlord: bool, invites_services: bool,
              step_free: bool = False) -> Walk:
    """The meeting of kind 'walk' (in the programme, registration and
    reminders as for any meeting) and its Walk row, together."""
    if commune is None:
        raise WalkError("commune-required", "commune")
    if not can(actor, "walk.plan", commune):
        raise WalkError("commune-not-yours", "commune")
    if qpv is not None and all(c.id != commune.id for c in qpv.communes):
        raise WalkError("qpv-elsewhere", "qpv")
    if starts_at is None:
        raise WalkError("starts-required", "starts_at")
    meeting_point = plain_text(meeting_point or "")[:240]
    if not meeting_point:
        raise WalkError("meeting-point-required", "meeting_point")
    if not (invites_residents or invites_landlord or invites_services):
        raise WalkError("invited-required", "invites_residents")
    route = (route or "").replace("\r\n", "\n").strip()[:4000]
    # a title is data, kept in French whatever the language of the page it was typed in
    title = plain_text(title or "")[:160] or f"Diagnostic en marchant — {qpv.name if qpv is not None else commune.name}"
    try:
        meeting = meetings.save_meeting(
            actor, Meeting(kind=MeetingKind.WALK.value), title=title, theme="", starts_at=starts_at,
            ends_at=ends_at, commune=commune, venue=meeting_point[:160], address="", step_free=step_free,
            public_transport="", childcare=False, access_notes="", capacity=None, running_order=route,
            animators=[actor])
    except meetings.MeetingError as error:
        raise WalkError(error.code, error.field) from None
    meeting.kind = MeetingKind.WALK.value  # whatever save_meeting's defaults
    walk = Walk(meeting=meeting, qpv=qpv, meeting_point=meeting_point, route=route,
                invites_residents=invites_residents, invites_landlord=invites_landlord,
                invites_services=invites_services)
    db.session.add(walk)
    db.session.flush()
    record_audit(actor, "walk.planned", "walk", walk.id, title=meeting.title, commune=commune.name)
    return walk


def update_walk(actor: User, walk: Walk, *, title: str, starts_at: Optional[datetime], ends_at: Optional[datetime],
                commune: Optional[Commune], qpv: Optional[Qpv], meeting_point: str, route: str,
                invites_residents: bool, invites_landlord: bool, invites_services: bool, step_free: bool) -> Walk:
    """Change a walk: its meeting through labo.meetings.services.save_meeting
    (a new date, time or place is a change the people registered hear of),
    the rest on the Walk row."""
    meeting = walk.meeting
    if commune is None:
        raise WalkError("commune-required", "commune")
    if commune.id != meeting.commune_id and not can(actor, "walk.plan", commune):
        raise WalkError("commune-not-yours", "commune")
    if qpv is not None and all(c.id != commune.id for c in qpv.communes):
        raise WalkError("qpv-elsewhere", "qpv")
    if starts_at is None:
        raise WalkError("starts-required", "starts_at")
    meeting_point = plain_text(meeting_point or "")[:240]
    if not meeting_point:
        raise WalkError("meeting-point-required", "meeting_point")
    if not (invites_residents or invites_landlord or invites_services):
        raise WalkError("invited-required", "invites_residents")
    route = (route or "").replace("\r\n", "\n").strip()[:4000]
    title = plain_text(title or "")[:160] or meeting.title
    try:
        meetings.save_meeting(
            actor, meeting, title=title, theme=meeting.theme, starts_at=starts_at, ends_at=ends_at, commune=commune,
            venue=meeting_point[:160], address=meeting.address, step_free=step_free,
            public_transport=meeting.public_transport, childcare=meeting.childcare, access_notes=meeting.access_notes,
            capacity=meeting.capacity, running_order=route, animators=list(meeting.animators))
    except meetings.MeetingError as error:
        raise WalkError(error.code, error.field) from None
    walk.qpv, walk.meeting_point, walk.route = qpv, meeting_point, route
    walk.invites_residents, walk.invites_landlord, walk.invites_services = \
        invites_residents, invites_landlord, invites_services
    db.session.flush()
    return walk


def walks_to_come(now: Optional[datetime] = None) -> list[Walk]:
    now = now or utcnow()
    return list(db.session.scalars(select(Walk).join(Meeting, Meeting.id == Walk.meeting_id).where(
        Meeting.starts_at >= now - timedelta(hours=12), Meeting.cancelled.is_(False)).order_by(Meeting.starts_at)))


def walks_done(now: Optional[datetime] = None) -> list[Walk]:
    now = now or utcnow()
    return list(db.session.scalars(select(Walk).join(Meeting, Meeting.id == Walk.meeting_id).where(
        Meeting.starts_at < now - timedelta(hours=12), Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at.desc())))


def all_walks() -> list[Walk]:
    return list(db.session.scalars(select(Walk).join(Meeting, Meeting.id == Walk.meeting_id)
                                   .order_by(Meeting.starts_at.desc(), Walk.id.desc())))


# --- capturing ---------------------------------------------------------------


def rounded_position(latitude: Any, longitude: Any) -> Optional[tuple[float, float]]:
    """The position as kept: both or none, in range, rounded to POSITION_DIGITS."""
    blank = lambda v: v is None or (isinstance(v, str) and not v.strip())  # noqa: E731
    if blank(latitude) and blank(longitude):
        return None
    try:
        lat, lon = float(str(latitude).replace(",", ".")), float(str(longitude).replace(",", "."))
    except (TypeError, ValueError):
        raise WalkError("position-invalid", "street") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise WalkError("position-invalid", "street")
    return round(lat, POSITION_DIGITS), round(lon, POSITION_DIGITS)


def find_by_key(walk: Walk, client_key: str) -> Optional[Finding]:
    return db.session.scalar(select(Finding).where(Finding.walk_id == walk.id, Finding.client_key == client_key))


def add_finding(config: Mapping, actor: User, walk: Walk, *, category: str, text: str, street: str = "",
                latitude: Any = None, longitude: Any = None, photo: Optional[BinaryIO | bytes] = None,
                client_key: Optional[str] = None) -> tuple[Finding, bool]:
    """A finding captured during the walk; returns it and whether it is new.

    `client_key` is the id a phone gave the finding it queued offline: the
    same key sent again (a retried send) returns the finding made the first
    time, never a second one; the database's UNIQUE (walk, key) settles two
    sends at once. The photo goes through labo.core.photos (EXIF, GPS and
    every other metadata stripped); the position is kept only when the person
    added it, rounded. Commits what the caller's session held and takes the
    write turn (labo.core.db.write_transaction; a writing request holds it)."""
    if client_key is not None and not CLIENT_KEY_RE.fullmatch(client_key):
        raise WalkError("client-key-invalid")
    walk_id = walk.id
    write_transaction()
    walk = db.session.get(Walk, walk_id)
    if walk is None or not can(actor, "walk.capture", walk):
        raise WalkError("not-allowed")
    if client_key is not None:
        existing = find_by_key(walk, client_key)
        if existing is not None:
            return existing, False
    if category not in CATEGORIES:
        raise WalkError("category-required", "category")
    text = re.sub(r"\s+", " ", plain_text(text or "")).strip()
    if not text:
        raise WalkError("text-required", "text")
    if len(text) > TEXT_MAX:
        raise WalkError("text-too-long", "text")
    street = re.sub(r"\s+", " ", plain_text(street or "")).strip()[:160]
    position = rounded_position(latitude, longitude)
    if position is None and not street:
        raise WalkError("place-required", "street")
    stored = None
    if photo is not None:
        try:
            stored = process_photo(photo, config["LABO_UPLOAD_DIR"])
        except PhotoError as error:
            raise WalkError(f"photo-{error.code}", "photo") from None
    finding = Finding(walk_id=walk.id, client_key=client_key, author_id=actor.id, category=category, text=text,
                      street=street, latitude=position[0] if position else None,
                      longitude=position[1] if position else None)
    if stored is not None:
        finding.photo_key, finding.photo_content_type = stored.key, stored.content_type
        finding.photo_width, finding.photo_height = stored.width, stored.height
    try:
        with db.session.begin_nested():
            db.session.add(finding)
    except IntegrityError:  # the same key, sent twice at once (PostgreSQL): the first one wins
        if stored is not None:
            delete_photo(config["LABO_UPLOAD_DIR"], stored.key)
        existing = find_by_key(walk, client_key) if client_key else None
        if existing is None:
            raise
        return existing, False
    return finding, True


# --- sorting and sending on ----------------------------------------------------


def partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


def sort_finding(actor: User, finding: Finding, *, action: str, category: str,
                 partner: Optional[Partner] = None, service_name: str = "",
                 duplicate_of: Optional[Finding] = None, now: Optional[datetime] = None) -> Finding:
    """The referent's sorting: the category corrected, and the finding sent to
    a partner or a commune service ("send"), set aside ("reject"), or counted
    on another finding of the walk ("merge"). Sending again to the same body
    changes nothing; an answer already entered stays."""
    now = now or utcnow()
    walk = finding.walk
    if category not in CATEGORIES:
        raise WalkError("category-required", "category")
    service_name = re.sub(r"\s+", " ", plain_text(service_name or "")).strip()[:160]
    finding.category = category
    if action == "send":
        if partner is None and not service_name:
            raise WalkError("addressee-required", "partner")
        if partner is not None and service_name:
            raise WalkError("addressee-both", "partner")
        same = (finding.sent_at is not None and finding.status not in (Status.REJECTED.value, Status.MERGED.value)
                and finding.partner_id == (partner.id if partner else None)
                and finding.service_name == (service_name if partner is None else ""))
        if not same:
            finding.partner = partner
            finding.partner_id = partner.id if partner else None
            finding.service_name = service_name if partner is None else ""
            finding.sent_at = now
            finding.status = Status.SENT.value
            finding.answer, finding.answered_at, finding.answered_by_id = "", None, None
            finding.merged_into_id = None
            record_audit(actor, "walk.finding_sent", "walk", walk.id, title=walk.meeting.title,
                         finding=finding.text[:120], to=finding.addressee_name)
    elif action == "reject":
        if finding.status in (s.value for s in ANSWER_STATUSES):
            raise WalkError("already-answered")
        if finding.status != Status.REJECTED.value:
            finding.status, finding.merged_into_id = Status.REJECTED.value, None
            record_audit(actor, "walk.finding_rejected", "walk", walk.id, title=walk.meeting.title,
                         finding=finding.text[:120])
    elif action == "merge":
        if duplicate_of is None or duplicate_of.walk_id != finding.walk_id or duplicate_of.id == finding.id:
            raise WalkError("duplicate-required", "duplicate_of")
        if duplicate_of.status in (Status.MERGED.value, Status.REJECTED.value):
            raise WalkError("duplicate-not-kept", "duplicate_of")
        if finding.status in (s.value for s in ANSWER_STATUSES):
            raise WalkError("already-answered")
        # what pointed to this one now points to the one kept
        for other in walk.findings:
            if other.merged_into_id == finding.id:
                other.merged_into_id = duplicate_of.id
        finding.status, finding.merged_into_id = Status.MERGED.value, duplicate_of.id
        record_audit(actor, "walk.finding_merged", "walk", walk.id, title=walk.meeting.title,
                     finding=finding.text[:120])
    elif action != "save":
        raise WalkError("action-unknown")
    db.session.flush()
    return finding


def answer_finding(actor: User, finding: Finding, *, status: str, answer: str,
                   now: Optional[datetime] = None) -> Finding:
    """The body's answer, public on the walk's page: where it stands, in a few words."""
    if finding.sent_at is None or finding.status in (Status.NEW.value, Status.REJECTED.value, Status.MERGED.value):
        raise WalkError("not-sent")
    if status not in (s.value for s in ANSWER_STATUSES):
        raise WalkError("status-required", "status")
    answer = (answer or "").replace("\r\n", "\n").strip()
    if not answer:
        raise WalkError("answer-required", "answer")
    if len(answer) > 3000:
        raise WalkError("answer-too-long", "answer")
    if finding.status == status and finding.answer == answer:
        return finding  # sent again unchanged: nothing moves
    finding.status, finding.answer = status, answer
    finding.answered_at, finding.answered_by_id = now or utcnow(), actor.id if actor is not None else None
    db.session.flush()
    record_audit(actor, "walk.finding_answered", "walk", finding.walk_id, title=finding.walk.meeting.title,
                 finding=finding.text[:120], status=status)
    return finding


# --- reading -------------------------------------------------------------------


def public_findings(walk: Walk) -> list[Finding]:
    return [f for f in walk.findings if f.is_public]


def waiting_findings(walk: Walk) -> int:
    """How many findings wait for the referent's sorting."""
    return sum(1 for f in walk.findings if f.status == Status.NEW.value)


def duplicates_of(walk: Walk) -> Counter:
    """How many findings were merged into each (id → count)."""
    return Counter(f.merged_into_id for f in walk.findings if f.status == Status.MERGED.value and f.merged_into_id)


def by_category(findings: list[Finding]) -> list[tuple[Category, list[Finding]]]:
    """The findings grouped in the categories' order, empty groups left out."""
    return [(c, [f for f in findings if f.category == c.value]) for c in Category
            if any(f.category == c.value for f in findings)]


def geo_uri(finding: Finding) -> str:
    """A `geo:` URI the phone's own map application opens (RFC 5870): the
    position when there is one, else the street and commune as a query.
    The site itself serves no map and makes no request elsewhere."""
    if finding.has_position:
        return f"geo:{finding.latitude:.{POSITION_DIGITS}f},{finding.longitude:.{POSITION_DIGITS}f}"
    from urllib.parse import quote

    place = ", ".join(p for p in (finding.street, finding.walk.meeting.commune.name) if p)
    return "geo:0,0?q=" + quote(place, safe="")


def finding_json(finding: Finding, photo_url: Callable[[Finding], Optional[str]]) -> dict:
    """A finding as the API shows it: never who posted it."""
    return {
        "id": finding.id,
        "category": finding.category,
        "text": finding.text,
        "street": finding.street or None,
        "position": {"latitude": finding.latitude, "longitude": finding.longitude} if finding.has_position else None,
        "geo": geo_uri(finding),
        "photo": photo_url(finding) if finding.photo_key else None,
        "status": finding.status,
        "sent_to": finding.addressee_name or None,
        "answer": finding.answer or None,
        "answered_at": finding.answered_at.isoformat() if finding.answered_at else None,
    }


def walk_json(walk: Walk, url: Callable[[Walk], str], meeting_url: Callable[[Walk], str],
              photo_url: Callable[[Finding], Optional[str]], with_findings: bool = True) -> dict:
    meeting = walk.meeting
    data = {
        "id": walk.id,
        "title": meeting.title,
        "url": url(walk),
        "meeting_id": meeting.id,
        "meeting_url": meeting_url(walk),
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "cancelled": meeting.cancelled,
        "commune": meeting.commune.slug,
        "qpv": walk.qpv.code or walk.qpv.slug if walk.qpv is not None else None,
        "meeting_point": walk.meeting_point,
        "route": walk.route,
        "invited": [who for who, yes in (("residents", walk.invites_residents), ("landlord", walk.invites_landlord),
                                         ("commune_services", walk.invites_services)) if yes],
    }
    if with_findings:
        data["findings"] = [finding_json(f, photo_url) for f in public_findings(walk)]
    else:
        data["findings_count"] = len(public_findings(walk))
    return data


# --- the COPIL's figures --------------------------------------------------------


def walk_figures(starts_at: datetime, ends_before: datetime, now: Optional[datetime] = None) -> tuple[int, int, int]:
    """Walks held in the period (past, not cancelled), their findings (those
    set aside or merged left out) and how many of these got an answer."""
    now = now or utcnow()
    held = (select(Walk.id).join(Meeting, Meeting.id == Walk.meeting_id)
            .where(Meeting.kind == MeetingKind.WALK.value, Meeting.cancelled.is_(False),
                   Meeting.starts_at < now - timedelta(hours=12),
                   Meeting.starts_at >= starts_at, Meeting.starts_at < ends_before))
    walks = db.session.scalar(select(func.count()).select_from(held.subquery())) or 0
    kept = [s.value for s in KEPT_STATUSES]
    answered = [s.value for s in ANSWER_STATUSES]
    findings, with_answer = db.session.execute(
        select(func.count(Finding.id), func.count(Finding.id).filter(Finding.status.in_(answered)))
        .where(Finding.walk_id.in_(held), Finding.status.in_(kept))).one()
    return walks, findings or 0, with_answer or 0


# --- the person's data ------------------------------------------------------------


@personal_data.exporter
def export_for(user: User) -> dict:
    """The findings the person captured on walks, for their download."""
    return {"walk_findings": [
        {"walk": f.walk.meeting.title, "category": f.category, "text": f.text, "street": f.street,
         "latitude": f.latitude, "longitude": f.longitude, "photo": bool(f.photo_key), "status": f.status,
         "sent_to": f.addressee_name, "answer": f.answer, "created_at": f.created_at.isoformat()}
        for f in db.session.scalars(select(Finding).where(Finding.author_id == user.id).order_by(Finding.id))]}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """What the person captured and nobody acts on yet goes, with its photo;
    what was sent to a body stays for it to act on, no longer linked to them
    (the findings were never shown with a name)."""
    for finding in list(db.session.scalars(select(Finding).where(Finding.author_id == user.id))):
        if finding.sent_at is None or finding.status in (Status.REJECTED.value, Status.MERGED.value):
            delete_finding(config, finding)
        else:
            finding.author_id = None
    db.session.flush()


def delete_finding(config: Mapping, finding: Finding) -> None:
    """A finding goes, and its photo with it (a photo already gone is not an error)."""
    key = finding.photo_key
    for other in db.session.scalars(select(Finding).where(Finding.merged_into_id == finding.id)):
        other.merged_into_id = None
    db.session.delete(finding)
    db.session.flush()
    if key:
        try:
            delete_photo(config["LABO_UPLOAD_DIR"], key)
        except (PhotoError, ValueError, OSError):
            pass


audit_labels({
    "walk.planned": lambda d: _("Diagnostic en marchant prévu : %(name)s", name=d.name),
    "walk.finding_sent": lambda d: _("Constat de « %(name)s » transmis à %(to)s", name=d.name, to=d.get("to", "")),
    "walk.finding_rejected": lambda d: _("Constat de « %(name)s » écarté", name=d.name),
    "walk.finding_merged": lambda d: _("Constat de « %(name)s » regroupé avec un autre", name=d.name),
    "walk.finding_answered": lambda d: _("Réponse à un constat de « %(name)s » enregistrée", name=d.name),
})
