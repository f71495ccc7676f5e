"""The proclamation, free of Flask's request: publishing a new version of
its text, signing it (as a person or for an organisation), withdrawing a
signature, and the public figures. The actor is passed in; the caller commits."""
from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import User
from labo.audit.services import audit_labels, record_audit
from labo.core.errors import ServiceError
from labo.core.sanitize import sanitize_html
from labo.core.i18n import _
from labo.extensions import db
from labo.privacy import personal_data
from labo.proclamation.models import Category, ProclamationVersion, Signature, SignatureKind
from labo.territory.models import Commune

TITLE_MAX = 200
BODY_MAX = 30000
NOTE_MAX = 300
ORGANISATION_MAX = 160
NAME_MAX = 80


class ProclamationError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


def plain_text(value: Optional[str]) -> str:
    """A one-line field: no markup kept, whitespace folded."""
    return re.sub(r"\s+", " ", value or "").strip()


# --- the text and its versions -----------------------------------------


def current_version() -> Optional[ProclamationVersion]:
    return db.session.scalar(select(ProclamationVersion).order_by(ProclamationVersion.number.desc()).limit(1))


def get_version(number: int) -> Optional[ProclamationVersion]:
    return db.session.scalar(select(ProclamationVersion).where(ProclamationVersion.number == number))


def list_versions() -> list[ProclamationVersion]:
    return list(db.session.scalars(select(ProclamationVersion).order_by(ProclamationVersion.number.desc())))


def publish_version(actor: Optional[User], *, title: str, body: str, change_note: str) -> ProclamationVersion:
    """Add the next version of the text; earlier ones are never changed.
    A concurrent edit that took the same number is refused, not merged."""
    title = plain_text(title)
    change_note = plain_text(change_note)
    if not title:
        raise ProclamationError("title-required", "title")
    if len(title) > TITLE_MAX:
        raise ProclamationError("title-too-long", "title")
    if not body or not body.strip():
        raise ProclamationError("body-required", "body")
    if len(body) > BODY_MAX:
        raise ProclamationError("body-too-long", "body")
    if not change_note:
        raise ProclamationError("note-required", "change_note")
    if len(change_note) > NOTE_MAX:
        raise ProclamationError("note-too-long", "change_note")
    cleaned = sanitize_html(body)
    if not html_to_text(cleaned).strip():
        raise ProclamationError("body-required", "body")
    previous = current_version()
    if previous is not None and previous.title == title and previous.body == cleaned:
        raise ProclamationError("nothing-changed", "body")
    number = (previous.number + 1) if previous is not None else 1
    version = ProclamationVersion(number=number, title=title, body=cleaned, change_note=change_note,
                                  author_id=actor.id if actor is not None else None)
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:
        raise ProclamationError("edited-meanwhile") from None
    record_audit(actor, "proclamation.version", "proclamation_version", version.id,
                 number=number, title=title, note=change_note)
    db.session.flush()
    return version


_BLOCK_END = re.compile(r"</(p|li|blockquote|ul|ol)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(body: str) -> str:
    """The sanitised HTML as plain lines (one per paragraph or item), for diffs."""
    text = _BLOCK_END.sub("\n", body or "")
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@dataclass
class DiffLine:
    op: str    # "same", "added" or "removed"
    text: str  # plain text: the template escapes it


def version_diff(older: Optional[ProclamationVersion], newer: ProclamationVersion) -> list[DiffLine]:
    """What changed from `older` to `newer`, paragraph by paragraph."""
    before = ([older.title] + html_to_text(older.body).splitlines()) if older is not None else []
    after = [newer.title] + html_to_text(newer.body).splitlines()
    lines = []
    for entry in difflib.ndiff(before, after):
        code, text = entry[:2], entry[2:]
        if code == "? ":
            continue
        lines.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[code], text))
    return lines


# --- signing ---------------------------------------------------------------


def organisation_key(name: str) -> str:
    """"Centre social Éclaté !" and "centre-social eclate" are one organisation:
    case, accents, punctuation and spacing do not count."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").casefold()
    words = re.sub(r"[\W_]+", " ", folded)
    return re.sub(r"\s+", " ", words).strip()[:ORGANISATION_MAX]


def _insert(signature: Signature, error_code: str, field: Optional[str]) -> Signature:
    """Insert under a savepoint; the UNIQUE constraints, not a prior check,
    refuse a second signature, however many arrive at once."""
    try:
        with db.session.begin_nested():
            db.session.add(signature)
    except IntegrityError:
        raise ProclamationError(error_code, field) from None
    return signature


def _fresh_transaction() -> None:
    """End the caller's transaction before writing: on SQLite a transaction
    that has read may not write once another writer committed (it would fail
    with "database is locked" instead of meeting the UNIQUE constraint)."""
    db.session.commit()


def sign_as_person(actor: User, *, category: str, commune: Optional[Commune], public: bool = True) -> Signature:
    """`actor` signs in their own name. Commits what the caller held first."""
    try:
        category_value = Category(category).value
    except ValueError:
        raise ProclamationError("category-invalid", "category") from None
    actor_id = actor.id
    commune_id = commune.id if commune is not None else None
    _fresh_transaction()
    signature = Signature(kind=SignatureKind.PERSON.value, category=category_value, signer_id=actor_id,
                          person_user_id=actor_id, commune_id=commune_id, public=bool(public))
    return _insert(signature, "already-signed", None)


def sign_for_organisation(actor: User, *, organisation_name: str, representative_name: str,
                          representative_role: str = "", commune: Optional[Commune] = None,
                          public: bool = True) -> Signature:
    """`actor` signs on behalf of an organisation they represent. One
    signature per organisation, whoever represents it. Commits what the
    caller held first."""
    name = plain_text(organisation_name)
    representative = plain_text(representative_name)
    role = plain_text(representative_role)
    key = organisation_key(name)
    if not key:
        raise ProclamationError("organisation-required", "organisation_name")
    if len(name) > ORGANISATION_MAX:
        raise ProclamationError("organisation-too-long", "organisation_name")
    if not representative:
        raise ProclamationError("representative-required", "representative_name")
    if len(representative) > NAME_MAX or len(role) > NAME_MAX:
        raise ProclamationError("representative-too-long", "representative_name")
    actor_id = actor.id
    commune_id = commune.id if commune is not None else None
    _fresh_transaction()
    signature = Signature(kind=SignatureKind.ORGANISATION.value, signer_id=actor_id, organisation_name=name,
                          organisation_key=key, representative_name=representative,
                          representative_role=role or None, commune_id=commune_id, public=bool(public))
    return _insert(signature, "organisation-already-signed", "organisation_name")


def signatures_of(user: Optional[User]) -> list[Signature]:
    """The signatures made from this account: its own, and any organisation's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(Signature).where(Signature.signer_id == user.id).order_by(Signature.kind.desc(), Signature.id)))


def personal_signature(user: Optional[User]) -> Optional[Signature]:
    return next((s for s in signatures_of(user) if s.is_person), None)


def withdraw(actor: User, signature: Signature) -> None:
    """Delete the signature (nothing of it is kept); the audit line says
    only which kind of signature went."""
    if signature.signer_id != actor.id:
        raise ProclamationError("not-yours")
    details = {"kind": signature.kind}
    if not signature.is_person:
        details["name"] = signature.organisation_name
    record_audit(actor, "proclamation.signature_withdrawn", "proclamation_signature", signature.id, **details)
    db.session.delete(signature)
    db.session.flush()


# --- the public figures ------------------------------------------------------


def public_signatures_query():
    """Signatures whose signer chose to appear, newest first."""
    return (select(Signature).where(Signature.public.is_(True))
            .order_by(Signature.created_at.desc(), Signature.id.desc()))


@dataclass
class Stats:
    total: int
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_commune: list[tuple[Commune, int]]
    without_commune: int


def stats() -> Stats:
    """Counts only: every signature counts, public or not."""
    by_kind = {k.value: 0 for k in SignatureKind}
    by_kind.update(dict(db.session.execute(select(Signature.kind, func.count()).group_by(Signature.kind)).all()))
    by_category = {c.value: 0 for c in Category}
    by_category.update(dict(db.session.execute(
        select(Signature.category, func.count()).where(Signature.category.is_not(None))
        .group_by(Signature.category)).all()))
    rows = db.session.execute(
        select(Signature.commune_id, func.count()).group_by(Signature.commune_id)).all()
    counts = {commune_id: n for commune_id, n in rows}
    without = counts.pop(None, 0)
    communes = {c.id: c for c in db.session.scalars(select(Commune).where(Commune.id.in_(list(counts))))} if counts else {}
    by_commune = sorted(((communes[i], n) for i, n in counts.items() if i in communes),
                        key=lambda pair: (-pair[1], pair[0].name))
    return Stats(total=sum(by_kind.values()), by_kind=by_kind, by_category=by_category,
                 by_commune=by_commune, without_commune=without)


@personal_data.exporter
def export_for(user: User) -> dict:
    """The person's signatures of the proclamation, for their download."""
    return {"proclamation_signatures": [
        {"kind": s.kind, "category": s.category, "organisation": s.organisation_name,
         "representative": s.representative_name, "representative_role": s.representative_role,
         "commune": s.commune.name if s.commune else None, "public": s.public,
         "created_at": s.created_at.isoformat()}
        for s in db.session.scalars(select(Signature).where(Signature.signer_id == user.id).order_by(Signature.id))
    ]}


@personal_data.eraser
def erase_for(config, user: User) -> None:
    """Their signatures go, an organisation's included (it names its
    representative): the organisation may sign again."""
    db.session.execute(delete(Signature).where(Signature.signer_id == user.id))


# What the audit page says for each action this feature writes.
audit_labels({
    "proclamation.version": lambda d: _("Proclamation : version %(number)s publiée (%(note)s)",
            number=d.get("number", ""), note=d.get("note", "")),
    "proclamation.signature_withdrawn": lambda d: (_("Signature de la proclamation retirée (structure : %(name)s)",
            name=d.name) if d.name else _("Signature de la proclamation retirée")),
})
