"""Operations on experience fiches, free of Flask's request: the actor and
the settings are passed in; each service validates, writes and flushes; the
caller commits once.

The workflow: anyone logged in writes a fiche (draft) and sends it for
review (submitted); a reviewer (an administrator, a referent of one of the
fiche's communes, or any referent when the fiche names no commune) publishes
it or sends it back with a reason its author reads. Once published, every
edit, by its author or a reviewer, adds a FicheRevision."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Mapping, Optional

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import selectinload

from labo.accounts.models import ERASED_LABEL, User
from labo.audit.services import audit_labels, record_audit
from labo.contributions.models import Contribution
from labo.core.attachments import AttachmentError, delete_attachment_file, store_attachment
from labo.core.db import contains_pattern, utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _
from labo.core.levels import LEVEL_VALUES
from labo.core.photos import PhotoError, delete_photo, process_photo
from labo.extensions import db
from labo.fiches.models import (
    Fiche,
    FicheAttachment,
    FicheKind,
    FichePhoto,
    FicheRevision,
    FicheStatus,
    fiche_commune,
    fiche_contribution,
    fiche_meeting,
)
from labo.meetings.models import Meeting
from labo.permissions import is_admin
from labo.privacy import personal_data
from labo.territory.models import Ambition, Commune, Pillar, Qpv

TITLE_MAX = 140
PUBLIC_MAX = 300
LONG_MAX = 1200        # method, what worked, difficulties
RESOURCES_MAX = 600
CONTACT_NAME_MAX = 80
CONTACT_DETAILS_MAX = 200
REASON_MAX = 1000
# Line breaks count too: a fiche within every limit still prints on two A4 pages.
LONG_LINES_MAX = 15
SHORT_LINES_MAX = 8
PHOTOS_MAX = 4
ATTACHMENTS_MAX = 5
LINKS_MAX = 10

TEXT_FIELDS = {
    # name: (maximum length, maximum lines, required)
    "title": (TITLE_MAX, 1, True),
    "public": (PUBLIC_MAX, 3, False),
    "method": (LONG_MAX, LONG_LINES_MAX, True),
    "what_worked": (LONG_MAX, LONG_LINES_MAX, False),
    "difficulties": (LONG_MAX, LONG_LINES_MAX, False),
    "resources": (RESOURCES_MAX, SHORT_LINES_MAX, False),
    "contact_name": (CONTACT_NAME_MAX, 1, False),
    "contact_details": (CONTACT_DETAILS_MAX, 1, False),
}


class FicheError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


def normalise(text: str) -> str:
    """Lower-case, accents removed, whitespace folded: "Thé  de Quartier" -> "the de quartier"."""
    ascii_text = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", ascii_text.lower()).strip()


def clean_text(value: Optional[str], lines: int) -> str:
    """What was typed, without markup risk (it is rendered escaped), trailing
    spaces and runs of blank lines removed; one-line fields are folded."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if lines == 1:
        return re.sub(r"\s+", " ", value).strip()
    value = "\n".join(line.rstrip() for line in value.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", value).strip()


# --- permissions' helpers -------------------------------------------------


# --- writing --------------------------------------------------------------


@dataclass
class FicheInput:
    kind: str
    title: str
    level: str
    method: str
    public: str = ""
    what_worked: str = ""
    difficulties: str = ""
    resources: str = ""
    contact_name: str = ""
    contact_details: str = ""
    contact_consent: bool = False
    communes: tuple[Commune, ...] = ()
    qpvs: tuple[Qpv, ...] = ()
    pillar: Optional[Pillar] = None
    ambition: Optional[Ambition] = None
    meetings: tuple = ()
    contributions: tuple = ()


FIELD_LABELS_FOR_SUMMARY = (
    "kind", "title", "public", "level", "method", "what_worked", "difficulties", "resources",
    "contact", "communes", "qpvs", "theme", "meetings", "contributions", "photos", "attachments",
)


def _validate(data: FicheInput) -> dict:
    try:
        kind = FicheKind(data.kind).value
    except ValueError:
        raise FicheError("kind-invalid", "kind") from None
    if data.level not in LEVEL_VALUES:
        raise FicheError("level-invalid", "level")
    values = {"kind": kind, "level": data.level}
    for name, (limit, lines, required) in TEXT_FIELDS.items():
        value = clean_text(getattr(data, name), lines)
        if required and not value:
            raise FicheError(f"{name}-required", name)
        if len(value) > limit:
            raise FicheError(f"{name}-too-long", name)
        if value.count("\n") + 1 > lines:
            raise FicheError("too-many-lines", name)
        values[name] = value
    if data.contact_consent and not (values["contact_name"] or values["contact_details"]):
        raise FicheError("consent-without-contact", "contact_consent")
    communes = list(dict.fromkeys(data.communes))
    qpvs = list(dict.fromkeys(data.qpvs))
    for qpv in qpvs:
        if communes and not any(c in qpv.communes for c in communes):
            raise FicheError("qpv-not-in-communes", "qpvs")
    meetings = list(dict.fromkeys(data.meetings))
    contributions = list(dict.fromkeys(data.contributions))
    if len(meetings) > LINKS_MAX or len(contributions) > LINKS_MAX:
        raise FicheError("too-many-links", "contributions" if len(contributions) > LINKS_MAX else "meetings")
    for contribution in contributions:
        if not contribution.is_published:
            raise FicheError("contribution-not-public", "contributions")
    pillar, ambition = data.pillar, data.ambition
    if ambition is not None:
        pillar = ambition.pillar
    values.update(contact_consent=bool(data.contact_consent), communes=communes, qpvs=qpvs, pillar=pillar,
                  ambition=ambition, meetings=meetings, contributions=contributions)
    return values


def snapshot(fiche: Fiche) -> dict:
    """Every field of the fiche as JSON, for a revision."""
    return {
        "kind": fiche.kind, "title": fiche.title, "public": fiche.public, "level": fiche.level,
        "method": fiche.method, "what_worked": fiche.what_worked, "difficulties": fiche.difficulties,
        "resources": fiche.resources, "contact_name": fiche.contact_name, "contact_details": fiche.contact_details,
        "contact_consent": fiche.contact_consent,
        "communes": [c.name for c in fiche.communes], "qpvs": [q.name for q in fiche.qpvs],
        "theme": fiche.theme_label,
        "meetings": [m.id for m in fiche.meetings], "contributions": [c.id for c in fiche.contributions],
        "photos": [p.alt for p in fiche.photos], "attachments": [a.filename for a in fiche.attachments],
    }


def _changed(before: dict, after: dict) -> list[str]:
    keys = []
    for key in FIELD_LABELS_FOR_SUMMARY:
        if key == "contact":
            if any(before.get(k) != after.get(k) for k in ("contact_name", "contact_details", "contact_consent")):
                keys.append(key)
        elif before.get(key) != after.get(key):
            keys.append(key)
    return keys


def _search_text(fiche: Fiche) -> str:
    parts = [fiche.title, fiche.public, fiche.method, fiche.what_worked, fiche.difficulties, fiche.resources,
             # in the relations' own order (by slug), however they were given: the same fiche, the same text
             " ".join(c.name for c in sorted(fiche.communes, key=lambda c: c.slug)),
             " ".join(q.name for q in sorted(fiche.qpvs, key=lambda q: q.slug)), fiche.theme_label]
    return normalise(" ".join(p for p in parts if p))


def record_revision(actor: User, fiche: Fiche, changed: list[str]) -> Optional[FicheRevision]:
    """A revision of a published fiche; nothing when nothing changed."""
    if not fiche.is_published or not changed:
        return None
    number = (db.session.scalar(select(FicheRevision.number).where(FicheRevision.fiche_id == fiche.id)
                                .order_by(FicheRevision.number.desc()).limit(1)) or 0) + 1
    revision = FicheRevision(fiche=fiche, number=number, editor_id=actor.id, editor_label=actor.pseudonym[:80],
                             summary=",".join(changed)[:300], snapshot=snapshot(fiche))
    db.session.add(revision)
    return revision


def save_fiche(actor: User, fiche: Optional[Fiche], data: FicheInput, *, submit: bool = False) -> Fiche:
    """Create (fiche None) or update a fiche. `submit` sends a draft for review.
    Editing a published fiche keeps it published and adds a revision."""
    values = _validate(data)
    created = fiche is None
    if created:
        fiche = Fiche(author_id=actor.id, status=FicheStatus.DRAFT.value)
        db.session.add(fiche)
        before = {}
    else:
        before = snapshot(fiche)
    for name, value in values.items():
        setattr(fiche, name, value)
    fiche.search_text = _search_text(fiche)
    db.session.flush()
    if fiche.is_published:
        changed = _changed(before, snapshot(fiche))
        if record_revision(actor, fiche, changed) is not None:
            record_audit(actor, "fiche.edited", "fiche", fiche.id, title=fiche.title, changes=changed)
    elif submit and fiche.status == FicheStatus.DRAFT.value:
        submit_fiche(actor, fiche)
    db.session.flush()
    return fiche


def submit_fiche(actor: User, fiche: Fiche) -> Fiche:
    """A draft (new, or sent back) goes to the reviewers."""
    if fiche.status != FicheStatus.DRAFT.value:
        raise FicheError("already-submitted")
    fiche.status = FicheStatus.SUBMITTED.value
    fiche.submitted_at = utcnow()
    fiche.returned_reason = None
    record_audit(actor, "fiche.submitted", "fiche", fiche.id, title=fiche.title)
    db.session.flush()
    return fiche


def publish(actor: User, fiche: Fiche) -> Fiche:
    if fiche.is_published:
        raise FicheError("already-published")
    fiche.status = FicheStatus.PUBLISHED.value
    fiche.published_at = utcnow()
    fiche.published_by_id = actor.id
    fiche.returned_reason = None
    db.session.flush()
    record_revision(actor, fiche, ["published"])
    record_audit(actor, "fiche.published", "fiche", fiche.id, title=fiche.title)
    db.session.flush()
    return fiche


def send_back(actor: User, fiche: Fiche, reason: str) -> Fiche:
    """Back to its author, as a draft, with the reason they will read."""
    reason = clean_text(reason, 10)
    if not reason:
        raise FicheError("reason-required", "reason")
    if len(reason) > REASON_MAX:
        raise FicheError("reason-too-long", "reason")
    if fiche.status != FicheStatus.SUBMITTED.value:
        raise FicheError("not-submitted")
    fiche.status = FicheStatus.DRAFT.value
    fiche.returned_reason = reason
    db.session.flush()
    record_audit(actor, "fiche.returned", "fiche", fiche.id, title=fiche.title, reason=reason)
    return fiche


# --- photos and attachments ------------------------------------------------


def add_photo(config: Mapping, actor: User, fiche: Fiche, stream: BinaryIO, alt: str) -> FichePhoto:
    alt = clean_text(alt, 1)
    if not alt:
        raise FicheError("alt-required", "alt")
    if len(alt) > 200:
        raise FicheError("alt-too-long", "alt")
    if len(fiche.photos) >= PHOTOS_MAX:
        raise FicheError("too-many-photos", "photo")
    before = snapshot(fiche)
    try:
        stored = process_photo(stream, config["LABO_UPLOAD_DIR"])
    except PhotoError as error:
        raise FicheError(f"photo-{error.code}", "photo") from None
    photo = FichePhoto(key=stored.key, content_type=stored.content_type, width=stored.width,
                       height=stored.height, size=stored.size, alt=alt)
    fiche.photos.append(photo)
    db.session.flush()
    _after_files(actor, fiche, before)
    return photo


def remove_photo(config: Mapping, actor: User, photo: FichePhoto) -> None:
    fiche = photo.fiche
    before = snapshot(fiche)
    fiche.photos.remove(photo)
    db.session.flush()
    try:
        delete_photo(config["LABO_UPLOAD_DIR"], photo.key)
    except (OSError, ValueError):
        pass
    _after_files(actor, fiche, before)


def add_attachment(config: Mapping, actor: User, fiche: Fiche, stream: BinaryIO, filename: str) -> FicheAttachment:
    if len(fiche.attachments) >= ATTACHMENTS_MAX:
        raise FicheError("too-many-attachments", "file")
    before = snapshot(fiche)
    try:
        stored = store_attachment(stream, filename, config["LABO_UPLOAD_DIR"])
    except AttachmentError as error:
        raise FicheError(f"attachment-{error.code}", "file") from None
    attachment = FicheAttachment(key=stored.key, filename=stored.filename, content_type=stored.content_type,
                                 size=stored.size, uploaded_by_id=actor.id)
    fiche.attachments.append(attachment)
    db.session.flush()
    _after_files(actor, fiche, before)
    return attachment


def remove_attachment(config: Mapping, actor: User, attachment: FicheAttachment) -> None:
    fiche = attachment.fiche
    before = snapshot(fiche)
    fiche.attachments.remove(attachment)
    db.session.flush()
    try:
        delete_attachment_file(config["LABO_UPLOAD_DIR"], attachment.key)
    except (AttachmentError, OSError):
        pass
    _after_files(actor, fiche, before)


def _after_files(actor: User, fiche: Fiche, before: dict) -> None:
    changed = _changed(before, snapshot(fiche))
    if record_revision(actor, fiche, changed) is not None:
        record_audit(actor, "fiche.edited", "fiche", fiche.id, title=fiche.title, changes=changed)
    db.session.flush()


# --- reading ----------------------------------------------------------------


@dataclass
class FicheFilters:
    q: Optional[str] = None
    commune: Optional[str] = None   # slug
    theme: Optional[str] = None     # "p2" or an ambition's slug
    level: Optional[str] = None
    kind: Optional[str] = None

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}


def published_query(filters: FicheFilters):
    """Published fiches matching `filters`, the latest published first.
    Every word of `q` must appear somewhere (accents and case ignored)."""
    query = (
        select(Fiche).where(Fiche.status == FicheStatus.PUBLISHED.value)
        .options(selectinload(Fiche.communes), selectinload(Fiche.photos))
        .order_by(Fiche.published_at.desc(), Fiche.id.desc())
    )
    if filters.q:
        for word in normalise(filters.q).split(" ")[:10]:
            if word:
                query = query.where(Fiche.search_text.like(contains_pattern(word), escape="\\"))
    if filters.commune:
        query = query.where(Fiche.communes.any(Commune.slug == filters.commune))
    if filters.theme:
        if re.fullmatch(r"p\d{1,2}", filters.theme):
            query = query.where(Fiche.pillar.has(Pillar.number == int(filters.theme[1:])))
        else:
            query = query.where(Fiche.ambition.has(Ambition.slug == filters.theme))
    if filters.level:
        query = query.where(Fiche.level == filters.level)
    if filters.kind:
        query = query.where(Fiche.kind == filters.kind)
    return query


def review_queue(user: User) -> list[Fiche]:
    """Fiches waiting for review that `user` may publish, oldest first."""
    query = (select(Fiche).where(Fiche.status == FicheStatus.SUBMITTED.value)
             .options(selectinload(Fiche.communes)).order_by(Fiche.submitted_at, Fiche.id))
    if not is_admin(user):
        ids = user.referent_commune_ids or {-1}
        has_commune = exists().where(fiche_commune.c.fiche_id == Fiche.id)
        mine = exists().where(and_(fiche_commune.c.fiche_id == Fiche.id, fiche_commune.c.commune_id.in_(ids)))
        query = query.where(or_(~has_commune, mine))
    return list(db.session.scalars(query))


def fiches_of(user: User) -> list[Fiche]:
    return list(db.session.scalars(select(Fiche).where(Fiche.author_id == user.id).order_by(Fiche.updated_at.desc())))


def _linked(kind: str, target_id, what):
    table, column = (fiche_meeting, fiche_meeting.c.meeting_id) if kind == "meeting" else (
        fiche_contribution, fiche_contribution.c.contribution_id)
    return (select(what).join(table, table.c.fiche_id == Fiche.id)
            .where(column == target_id, Fiche.status == FicheStatus.PUBLISHED.value))


def linked_fiches(kind: str, target_id: int) -> list[Fiche]:
    """Published fiches that reference this meeting or contribution."""
    return list(db.session.scalars(_linked(kind, target_id, Fiche).order_by(Fiche.published_at.desc())))


def has_linked_fiches(kind: str, target_id):
    """Whether a published fiche references it: an EXISTS (`target_id` an id
    or a bound parameter), so that a page reads it in a statement it runs
    anyway, and lists them only then."""
    return _linked(kind, target_id, Fiche.id).exists()


def get_revision(fiche: Fiche, number: int) -> Optional[FicheRevision]:
    return db.session.scalar(select(FicheRevision).where(FicheRevision.fiche_id == fiche.id,
                                                         FicheRevision.number == number))


def recent_meetings(limit: int = 40) -> list:
    return list(db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc()).limit(limit)))


def contributions_by_ids(ids: Iterable[int]) -> list:
    ids = list(ids)
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Contribution).where(Contribution.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise FicheError("contribution-unknown", "contributions")
    return [found[i] for i in ids]


# --- personal data -----------------------------------------------------------


@personal_data.exporter
def export_for(user: User) -> dict:
    """The fiches the person wrote, for their download."""
    return {"fiches": [
        {"id": f.id, "kind": f.kind, "title": f.title, "status": f.status, "level": f.level,
         "public": f.public, "method": f.method, "what_worked": f.what_worked, "difficulties": f.difficulties,
         "resources": f.resources, "contact_name": f.contact_name, "contact_details": f.contact_details,
         "contact_consent": f.contact_consent, "communes": [c.name for c in f.communes],
         "created_at": f.created_at.isoformat(),
         "published_at": f.published_at.isoformat() if f.published_at else None}
        for f in db.session.scalars(select(Fiche).where(Fiche.author_id == user.id).order_by(Fiche.id))
    ]}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """Before `user` is deleted: their published fiches stay (signed
    "participant·e supprimé·e" once the author is gone) without the contact
    details typed in them, in the fiche and in its revisions; unpublished ones
    go, with their files."""
    for fiche in list(db.session.scalars(select(Fiche).where(Fiche.author_id == user.id))):
        if fiche.is_published:
            fiche.contact_name, fiche.contact_details, fiche.contact_consent = "", "", False
            for revision in fiche.revisions:
                revision.snapshot = {**revision.snapshot, "contact_name": "", "contact_details": "",
                                     "contact_consent": False}
        else:
            for photo in list(fiche.photos):
                remove_photo(config, user, photo)
            for attachment in list(fiche.attachments):
                remove_attachment(config, user, attachment)
            db.session.delete(fiche)
    # The versions they edited no longer name them.
    db.session.execute(update(FicheRevision).where(FicheRevision.editor_id == user.id)
                       .values(editor_label=ERASED_LABEL))
    db.session.flush()


# What the audit page says for each action this feature writes.
audit_labels({
    "fiche.submitted": lambda d: _("Fiche envoyée pour relecture : « %(name)s »", name=d.name),
    "fiche.published": lambda d: _("Fiche publiée : « %(name)s »", name=d.name),
    "fiche.returned": lambda d: _("Fiche renvoyée à la personne qui l'a écrite : « %(name)s ». Raison : %(reason)s",
            name=d.name, reason=d.get("reason", "")),
    "fiche.edited": lambda d: _("Fiche publiée modifiée : « %(name)s »", name=d.name),
})
