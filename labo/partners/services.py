"""Partners and their commitments, free of Flask's request: saving them,
recording follow-up entries, reading each commitment's status on a past date
(the yearly "photography" the steering committee asks for), the follow-up
board and the reminders to the partners' referents."""
from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labo.audit.services import audit_labels, record_audit
from labo.core.attachments import AttachmentError, delete_attachment_file, store_attachment
from labo.core.dates import format_day
from labo.core.db import slugify
from labo.core.errors import ServiceError
from labo.core.grammar import noun
from labo.core.i18n import _
from labo.core.spreadsheet import safe_cell
from labo.core.urls import absolute
from labo.extensions import db
from labo.mail.services import send_email, wait_for_deliveries
from labo.partners.models import CLOSED_STATUSES, Commitment, CommitmentStatus, Family, FollowUp, Partner, PartnerKind

CONTRACT_START = 2024
CONTRACT_END = 2030
TEMPLATES_FILE = Path(__file__).resolve().parent / "templates.toml"
# Paths of the blueprint a partner's slug may not take.
RESERVED_SLUGS = {"suivi", "nouveau", "export", "export-csv", "modeles"}
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
STATUSES = [s.value for s in CommitmentStatus]
FAMILIES = [f.value for f in Family]
SOON_DAYS = 30


class PartnerError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


# --- partners ---------------------------------------------------------------


def list_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


def get_partner_by_slug(slug: str) -> Optional[Partner]:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def save_partner(actor, partner: Partner, *, name: str, slug: str, kind: str, description: str) -> Partner:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise PartnerError("name-required", "name")
    slug = (slug or "").strip().lower() or slugify(name)
    if not SLUG_RE.fullmatch(slug) or len(slug) > 80:
        raise PartnerError("slug-invalid", "slug")
    if slug in RESERVED_SLUGS:
        raise PartnerError("slug-taken", "slug")
    if kind not in {k.value for k in PartnerKind}:
        raise PartnerError("kind-invalid", "kind")
    other = get_partner_by_slug(slug)
    if other is not None and other.id != partner.id:
        raise PartnerError("slug-taken", "slug")
    created = partner.id is None
    partner.name, partner.slug, partner.kind = name[:160], slug, kind
    partner.description = (description or "").strip()[:2000]
    if created:
        db.session.add(partner)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same slug taken at the same moment
        raise PartnerError("slug-taken", "slug") from None
    record_audit(actor, "partner.created" if created else "partner.updated", "partner", partner.id, name=partner.name)
    return partner


# --- commitments ----------------------------------------------------------


@dataclass(frozen=True)
class TemplateItem:
    title: str
    description: str


def commitment_templates() -> dict[str, list[TemplateItem]]:
    """The template items of each family, from templates.toml."""
    with TEMPLATES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return {family: [TemplateItem(i["title"], i.get("description", "")) for i in data.get(family, [])]
            for family in FAMILIES}


def _clean_email(value: Optional[str]) -> Optional[str]:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        raise PartnerError("email-invalid", "referent_email")
    return value


def save_commitment(actor, commitment: Commitment, *, partner: Partner, family: str, title: str,
                    description: str = "", referent_name: str = "", referent_email: Optional[str] = None,
                    next_review_on: Optional[date] = None) -> Commitment:
    if family not in FAMILIES:
        raise PartnerError("family-invalid", "family")
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise PartnerError("title-required", "title")
    email = _clean_email(referent_email)
    created = commitment.id is None
    if next_review_on != commitment.next_review_on:
        commitment.reminded_for = None
    commitment.partner = partner
    commitment.family, commitment.title = family, title[:200]
    commitment.description = (description or "").strip()[:4000]
    commitment.referent_name = re.sub(r"\s+", " ", referent_name or "").strip()[:120]
    commitment.referent_email = email
    commitment.next_review_on = next_review_on
    if created:
        commitment.status = CommitmentStatus.A_ENGAGER.value
        db.session.add(commitment)
    db.session.flush()
    record_audit(actor, "commitment.created" if created else "commitment.updated", "partner_commitment",
                 commitment.id, title=commitment.title, name=partner.name)
    return commitment


def add_from_templates(actor, partner: Partner, family: str, titles: Iterable[str], descriptions: Iterable[str],
                       referent_name: str = "", referent_email: Optional[str] = None,
                       next_review_on: Optional[date] = None) -> list[Commitment]:
    """Create the chosen (and perhaps reworded) template items for `partner`."""
    if family not in FAMILIES:
        raise PartnerError("family-invalid", "family")
    items = [(t, d) for t, d in zip(titles, descriptions) if (t or "").strip()]
    if not items:
        raise PartnerError("nothing-chosen")
    _clean_email(referent_email)
    return [save_commitment(actor, Commitment(), partner=partner, family=family, title=t, description=d,
                            referent_name=referent_name, referent_email=referent_email,
                            next_review_on=next_review_on) for t, d in items]


def delete_commitment(upload_dir, actor, commitment: Commitment) -> None:
    keys = [f.file_key for f in commitment.follow_ups if f.file_key]
    record_audit(actor, "commitment.deleted", "partner_commitment", commitment.id, title=commitment.title,
                 name=commitment.partner.name)
    db.session.delete(commitment)
    db.session.flush()
    for key in keys:
        try:
            delete_attachment_file(upload_dir, key)
        except (AttachmentError, OSError):
            pass


# --- follow-up entries ----------------------------------------------------


def clean_link(value: Optional[str]) -> Optional[str]:
    """An http(s) address, or None; anything else (javascript:, data:, a bare word) is refused."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if len(value) > 500 or parts.scheme.lower() not in ("http", "https") or not parts.netloc \
            or re.search(r"[\x00-\x20\x7f]", value):
        raise PartnerError("link-invalid", "link")
    return value


def record_follow_up(upload_dir, actor, commitment: Commitment, *, happened_on: Optional[date], note: str,
                     status_after: str, next_review_on: Optional[date] = None, link: Optional[str] = None,
                     public: bool = True, file: Optional[BinaryIO | bytes] = None, filename: str = "",
                     today: Optional[date] = None) -> FollowUp:
    """Add a dated entry; the commitment takes the status and next review
    date of its latest entry. Raises PartnerError, or AttachmentError for a
    refused file (nothing is written then)."""
    today = today or date.today()
    if happened_on is None:
        raise PartnerError("date-required", "happened_on")
    if happened_on > today:
        raise PartnerError("date-future", "happened_on")
    if happened_on.year < CONTRACT_START - 1:
        raise PartnerError("date-too-old", "happened_on")
    if status_after not in STATUSES:
        raise PartnerError("status-invalid", "status_after")
    if next_review_on is not None and next_review_on < happened_on:
        raise PartnerError("review-before-date", "next_review_on")
    note = (note or "").strip()[:5000]
    link = clean_link(link)
    entry = FollowUp(happened_on=happened_on, note=note, link=link, status_after=status_after,
                     next_review_on=next_review_on, public=public, recorded_by_id=getattr(actor, "id", None))
    if file is not None:
        stored = store_attachment(file, filename, upload_dir)
        entry.file_key, entry.file_name = stored.key, stored.filename
        entry.file_type, entry.file_size = stored.content_type, stored.size
    commitment.follow_ups.append(entry)
    db.session.flush()
    latest = db.session.scalar(select(FollowUp).where(FollowUp.commitment_id == commitment.id)
                               .order_by(FollowUp.happened_on.desc(), FollowUp.id.desc()).limit(1))
    commitment.status = latest.status_after
    if latest.next_review_on != commitment.next_review_on:
        commitment.next_review_on = latest.next_review_on
        commitment.reminded_for = None
    db.session.flush()
    record_audit(actor, "commitment.follow_up", "partner_commitment", commitment.id, title=commitment.title,
                 name=commitment.partner.name, status=status_after)
    return entry


def visible_follow_ups(commitment: Commitment, see_private: bool) -> list[FollowUp]:
    return [f for f in commitment.follow_ups if f.public or see_private]


# --- the photography -------------------------------------------------------


def years() -> list[int]:
    """The years whose situation on 31 December can be read: 2024 to this year."""
    return list(range(CONTRACT_START, min(date.today().year, CONTRACT_END) + 1))


def statuses_on(as_of: Optional[date]) -> dict[int, str]:
    """Each commitment's status on `as_of` (its latest entry on or before that
    day; à engager without one). None: today's status."""
    commitments = db.session.execute(select(Commitment.id, Commitment.status)).all()
    if as_of is None:
        return {cid: status for cid, status in commitments}
    result = {cid: CommitmentStatus.A_ENGAGER.value for cid, _ in commitments}
    rows = db.session.execute(
        select(FollowUp.commitment_id, FollowUp.status_after).where(FollowUp.happened_on <= as_of)
        .order_by(FollowUp.commitment_id, FollowUp.happened_on, FollowUp.id)
    )
    for cid, status in rows:  # in date order: the last one wins
        result[cid] = status
    return result


@dataclass
class StatusCounts:
    """How many commitments stand at each status."""

    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})

    def add(self, status: str) -> None:
        self.counts[status] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class PartnerTally:
    partner: Partner
    families: dict[str, StatusCounts]
    total: StatusCounts


@dataclass
class Photography:
    as_of: Optional[date]
    partners: list[PartnerTally]
    families: dict[str, StatusCounts]
    total: StatusCounts


def photography(as_of: Optional[date] = None) -> Photography:
    """Per partner and per family, how many commitments are à engager, en
    cours, tenus, non tenus on `as_of` (today when None)."""
    status_of = statuses_on(as_of)
    families = {f: StatusCounts() for f in FAMILIES}
    total = StatusCounts()
    tallies = []
    commitments = defaultdict(list)
    for c in db.session.scalars(select(Commitment)):
        commitments[c.partner_id].append(c)
    for partner in list_partners():
        per_family = {f: StatusCounts() for f in FAMILIES}
        partner_total = StatusCounts()
        for c in commitments.get(partner.id, []):
            status = status_of.get(c.id, c.status)
            for tally in (per_family[c.family], partner_total, families[c.family], total):
                tally.add(status)
        tallies.append(PartnerTally(partner, per_family, partner_total))
    return Photography(as_of, tallies, families, total)


def photography_csv(photo: Photography, headers: list[str], family_labels: Mapping[str, str],
                    kind_labels: Mapping[str, str], all_label: str) -> bytes:
    """The photography as CSV for French spreadsheets: UTF-8 with a BOM, ';'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for pt in photo.partners:
        for family in FAMILIES:
            t = pt.families[family]
            writer.writerow([_cell(pt.partner.name), kind_labels[pt.partner.kind], family_labels[family],
                             *(t.counts[s] for s in STATUSES), t.total])
    for family in FAMILIES:
        t = photo.families[family]
        writer.writerow([all_label, "", family_labels[family], *(t.counts[s] for s in STATUSES), t.total])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """No formula injection: a cell starting with = + - @ is read as text."""
    return safe_cell(value)


# --- the follow-up board and the reminders --------------------------------


@dataclass
class ReviewsDue:
    overdue: list[Commitment]
    soon: list[Commitment]


def board(today: Optional[date] = None) -> ReviewsDue:
    """Open commitments whose review date is past, then those due within 30 days."""
    today = today or date.today()
    query = (select(Commitment).where(Commitment.next_review_on.is_not(None),
                                      Commitment.status.not_in(CLOSED_STATUSES),
                                      Commitment.next_review_on <= today + timedelta(days=SOON_DAYS))
             .order_by(Commitment.next_review_on, Commitment.id))
    found = list(db.session.scalars(query))
    return ReviewsDue([c for c in found if c.next_review_on < today], [c for c in found if c.next_review_on >= today])


def reminders_due(today: Optional[date] = None) -> dict[str, list[Commitment]]:
    """The overdue commitments not yet reminded for their review date, by referent email."""
    today = today or date.today()
    due: dict[str, list[Commitment]] = defaultdict(list)
    for c in board(today).overdue:
        if c.referent_email and c.reminded_for != c.next_review_on:
            due[c.referent_email.lower()].append(c)
    return dict(due)


def send_reminders(config: Mapping, link_for, today: Optional[date] = None) -> int:
    """Email each referent their overdue commitments, once per review date;
    returns how many emails were sent. `link_for(commitment)` gives its address."""
    sent = 0
    for email, commitments in reminders_due(today).items():
        lines = [_("Bonjour,"), "",
                 _("Le suivi de ces engagements du contrat de ville est à faire : la date prévue est passée."), ""]
        for c in commitments:
            lines += [f"- {c.partner.name} : {c.title}",
                      "  " + _("Point prévu le %(date)s, statut : %(status)s",
                               date=format_day(c.next_review_on), status=c.status_label),
                      "  " + link_for(c), ""]
        lines += [_("Merci d'envoyer les éléments de suivi à l'équipe de la cohésion sociale."), "",
                  _("Le Labo de la participation")]
        subject = _("Engagements à suivre : %(n)s point(s) en retard", n=len(commitments))
        send_email(config, email, subject, "\n".join(lines))
        for c in commitments:
            c.reminded_for = c.next_review_on
            record_audit(None, "commitment.reminded", "partner_commitment", c.id, title=c.title, name=c.partner.name)
        sent += 1
    db.session.flush()
    return sent


# --- the API ----------------------------------------------------------------


def partners_json(link_for_partner) -> list[dict]:
    result = []
    for partner in list_partners():
        counts = {s: 0 for s in STATUSES}
        for c in partner.commitments:
            counts[c.status] += 1
        result.append({
            "slug": partner.slug, "name": partner.name, "kind": partner.kind,
            "url": link_for_partner(partner),
            "counts": counts,
            "commitments": [{"id": c.id, "family": c.family, "title": c.title, "status": c.status,
                             "next_review_on": c.next_review_on.isoformat() if c.next_review_on else None}
                            for c in partner.commitments],
        })
    return result


def remind_referents(app, today: Optional[date] = None) -> str:
    """`flask labo remind-commitments`: send the reminders and commit; without
    MAIL_SERVER, send nothing (and mark nothing) and say so."""
    from flask import url_for

    due = reminders_due(today)
    if not app.config.get("MAIL_SERVER"):
        waiting = sum(len(c) for c in due.values())
        return (f"MAIL_SERVER is not configured: no reminder sent "
                f"({waiting} overdue commitment(s) for {len(due)} referent(s) would be).")
    with app.test_request_context("/"):
        sent = send_reminders(app.config, lambda c: absolute(
            url_for("partners.commitment", slug=c.partner.slug, commitment_id=c.id)), today)
    db.session.commit()
    wait_for_deliveries()
    return f"{sent} reminder(s) sent."


# What the audit page says for each action this feature writes.
audit_labels({
    "partner.created": lambda d: _("Partenaire ajouté : %(name)s", name=d.name),
    "partner.updated": lambda d: _("Partenaire modifié : %(name)s", name=d.name),
    "commitment.created": lambda d: _("Engagement ajouté pour %(name)s : « %(title)s »",
            name=d.name, title=d.get("title", "")),
    "commitment.updated": lambda d: _("Engagement modifié pour %(name)s : « %(title)s »",
            name=d.name, title=d.get("title", "")),
    "commitment.deleted": lambda d: _("Engagement supprimé pour %(name)s : « %(title)s »",
            name=d.name, title=d.get("title", "")),
    "commitment.follow_up": lambda d: _("Point de suivi noté pour %(name)s : « %(title)s »",
            name=d.name, title=d.get("title", "")),
    "commitment.reminded": lambda d: _("Rappel envoyé au référent de %(name)s : « %(title)s »",
            name=noun(d.name), title=d.get("title", "")),
})
