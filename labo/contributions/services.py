"""Operations on contributions, free of Flask's request: the actor and the
settings are passed in; each service validates, writes and flushes; the
caller commits once."""
from __future__ import annotations

import functools
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, Iterable, Mapping, Optional

from sqlalchemy import bindparam, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from labo.accounts.models import ERASED_NAME, User
from labo.audit.services import audit_labels, record_audit
from labo.contributions.models import (
    Comment,
    Contribution,
    FINAL_STATUSES,
    Follow,
    Kind,
    KindAndStatus,
    Photo,
    Report,
    Revision,
    Status,
    Support,
    Visibility,
)
from labo.core.db import contains_pattern, utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.core.photos import PhotoError, process_photo
from labo.core.sanitize import clean_rich_text, plain_text
from labo.core.urls import absolute
from labo.extensions import db
from labo.mail.services import send_email_after_commit
from labo.notifications.services import describe, notification_texts, notify
from labo.permissions import is_admin, is_referent_of
from labo.privacy import personal_data, retention
from labo.territory.models import Ambition, Commune, Pillar, Qpv

TITLE_MAX = 140
DERIVED_TITLE_MAX = 80  # a title made from the text's first words
GUEST_NAME_MIN, GUEST_NAME_MAX = 2, 40
CONTACT_MAX = 254
BODY_MAX = 5000
COMMENT_MAX = 2000
REASON_MAX = 1000


class ContributionError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


def derive_title(body: str) -> str:
    """A title from the text's first sentence or words, for someone who only
    wrote the text: cut at a word, with "…" when something was left out."""
    text = plain_text(body)
    first = re.split(r"(?<=[.!?…])\s", text, maxsplit=1)[0]
    if len(first) <= DERIVED_TITLE_MAX:
        return first.rstrip(".") if first.endswith(".") and not first.endswith("..") else first
    cut = first[:DERIVED_TITLE_MAX + 1].rsplit(" ", 1)[0] if " " in first[:DERIVED_TITLE_MAX + 1] else first[:DERIVED_TITLE_MAX]
    return cut.rstrip(" ,;:-") + "…"


EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def normalize_contact(value: str) -> Optional[str]:
    """An e-mail address, or a French phone number written any usual way
    ("06 12 34 56 78", "+33 6 12…"), as stored; None when left empty."""
    value = plain_text(value or "")
    if not value:
        return None
    if "@" in value:
        if len(value) > CONTACT_MAX or not EMAIL_RE.fullmatch(value):
            raise ContributionError("contact-invalid", "contact")
        return value.lower()
    digits = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"\+33[1-9][0-9]{8}", digits):
        digits = "0" + digits[3:]
    if re.fullmatch(r"0[1-9][0-9]{8}", digits):
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    raise ContributionError("contact-invalid", "contact")


def is_email(contact: Optional[str]) -> bool:
    return bool(contact and "@" in contact)


# --- posting -------------------------------------------------------------


def create_contribution(
    config: Mapping,
    actor: User,
    *,
    kind: str,
    title: str,
    body: str,
    commune: Optional[Commune],
    qpv: Optional[Qpv] = None,
    pillar: Optional[Pillar] = None,
    ambition: Optional[Ambition] = None,
    photo: Optional[BinaryIO] = None,
    photo_alt: str = "",
    on_behalf_of: Optional[str] = None,
    meeting=None,
) -> Contribution:
    """Post a contribution for `actor`, or, with `on_behalf_of`, for someone
    the actor (a referent or animator) met in person or on paper."""
    kind_value = _checked_kind(kind)
    title = _checked_text(title, body)
    pillar = _checked_place(commune, qpv, pillar, ambition)
    behalf = plain_text(on_behalf_of or "")[:60] or None

    visibility = Visibility.PUBLISHED
    if commune.premoderation and not is_referent_of(actor, commune):
        visibility = Visibility.PENDING
    contribution = Contribution(
        kind=kind_value,
        title=title,
        body=clean_rich_text(body),
        commune=commune,
        qpv=qpv,
        pillar=pillar,
        ambition=ambition,
        author_id=None if behalf else actor.id,
        entered_by_id=actor.id if behalf else None,
        on_behalf_of=behalf,
        visibility=visibility.value,
        meeting_id=meeting.id if meeting is not None else None,
    )
    db.session.add(contribution)
    db.session.flush()
    if photo is not None:
        attach_photo(config, contribution, photo, photo_alt)
    # The author follows their contribution; a referent or animator who typed it
    # in for someone follows it too, to pass the news on.
    db.session.add(Follow(contribution_id=contribution.id, user_id=actor.id))
    if behalf:
        record_audit(actor, "contribution.entered_on_behalf", "contribution", contribution.id,
                     title=title, on_behalf_of=behalf)
    db.session.flush()
    return contribution


def _checked_kind(kind: str) -> str:
    try:
        return Kind(kind).value
    except ValueError:
        raise ContributionError("kind-invalid", "kind") from None


def _checked_place(commune: Optional[Commune], qpv: Optional[Qpv], pillar: Optional[Pillar],
                   ambition: Optional[Ambition]) -> Optional[Pillar]:
    """The commune is required and holds the QPV; returns the pillar (an ambition's own, if one is given)."""
    if commune is None:
        raise ContributionError("commune-required", "commune")
    if qpv is not None and commune not in qpv.communes:
        raise ContributionError("qpv-not-in-commune", "qpv")
    return ambition.pillar if ambition is not None else pillar


def _checked_text(title: str, body: str) -> str:
    """The title to store: the one typed, or one made from the text's first words."""
    if not body or not body.strip():
        raise ContributionError("body-required", "body")
    if len(body) > BODY_MAX:
        raise ContributionError("body-too-long", "body")
    title = plain_text(title) or derive_title(body)
    if not title:
        raise ContributionError("body-required", "body")
    if len(title) > TITLE_MAX:
        raise ContributionError("title-too-long", "title")
    return title


def guest_name(value: str) -> str:
    name = plain_text(value or "")
    if not name:
        raise ContributionError("name-required", "name")
    if not GUEST_NAME_MIN <= len(name) <= GUEST_NAME_MAX:
        raise ContributionError("name-invalid", "name")
    return name


def contribution_key(token: str) -> str:
    """What is stored of a private link's secret: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_guest_contribution(
    config: Mapping,
    *,
    name: str,
    contact: str = "",
    kind: str,
    title: str,
    body: str,
    commune: Optional[Commune],
    qpv: Optional[Qpv] = None,
    pillar: Optional[Pillar] = None,
    ambition: Optional[Ambition] = None,
    photo: Optional[BinaryIO] = None,
    photo_alt: str = "",
) -> tuple[Contribution, str]:
    """Post a contribution without an account. It always waits for a referent
    of its commune before anyone else sees it. Returns it with the secret of
    its private link (only its hash is stored): whoever holds the link can
    see, reword or withdraw it, and attach it to an account."""
    kind_value = _checked_kind(kind)
    name = guest_name(name)
    title = _checked_text(title, body)
    stored_contact = normalize_contact(contact)
    pillar = _checked_place(commune, qpv, pillar, ambition)
    token = secrets.token_urlsafe(24)
    contribution = Contribution(
        kind=kind_value, title=title, body=clean_rich_text(body), commune=commune, qpv=qpv,
        pillar=pillar, ambition=ambition, visibility=Visibility.PENDING.value,
        guest_name=name, guest_contact=stored_contact, guest_key=contribution_key(token),
    )
    db.session.add(contribution)
    db.session.flush()
    if photo is not None:
        attach_photo(config, contribution, photo, photo_alt)
    db.session.flush()
    return contribution, token


def contribution_for_token(token: str) -> Optional[Contribution]:
    """The guest's contribution its private link opens, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Contribution).where(Contribution.guest_key == contribution_key(token)))


def contributions_for_tokens(tokens: Iterable[str]) -> list[tuple[str, Contribution]]:
    """The contributions this device posted without an account (their links
    kept in a cookie), newest first, with the token of each."""
    by_key = {contribution_key(t): t for t in tokens if t and len(t) <= 100}
    if not by_key:
        return []
    found = db.session.scalars(select(Contribution).where(Contribution.guest_key.in_(by_key))
                               .order_by(Contribution.created_at.desc(), Contribution.id.desc()))
    return [(by_key[c.guest_key], c) for c in found]


def reword(config: Mapping, contribution: Contribution, *, title: str, body: str) -> bool:
    """Its author changes what a contribution says, until it is answered. The
    former wording is kept for the moderators. A hidden contribution, or one
    posted without an account, goes back to the commune's referents before it
    shows again. False when nothing changed."""
    if contribution.is_answered:
        raise ContributionError("already-answered", "body")
    if contribution.is_merged:
        raise ContributionError("already-merged", "body")
    new_title = _checked_text(title, body)
    new_body = clean_rich_text(body)
    if new_title == contribution.title and new_body == contribution.body:
        return False
    db.session.add(Revision(contribution_id=contribution.id, title=contribution.title, body=contribution.body,
                            hidden_reason=contribution.hidden_reason if contribution.is_hidden else None))
    contribution.title = new_title
    contribution.body = new_body
    if contribution.is_hidden or (contribution.is_published and (contribution.is_guest or contribution.commune.premoderation)):
        contribution.visibility = Visibility.PENDING.value
        contribution.hidden_reason = None
    db.session.flush()
    return True


def withdraw(config: Mapping, contribution: Contribution) -> Optional[str]:
    """Its author takes a contribution back, until it is answered: it is
    deleted with what hangs on it. Returns the key of its photo, whose file
    the caller deletes once the deletion is committed."""
    if contribution.is_answered:
        raise ContributionError("already-answered")
    if contribution.is_merged:
        raise ContributionError("already-merged")
    if db.session.scalar(select(exists().where(Contribution.merged_into_id == contribution.id))):
        # the supports, follows and comments of others' ideas were folded into it
        raise ContributionError("has-merged")
    photo_key = contribution.photo.key if contribution.photo is not None else None
    db.session.delete(contribution)
    db.session.flush()
    return photo_key


def attach_to_account(contribution: Contribution, user: User) -> None:
    """A guest's contribution becomes the account's: signed with its pseudonym,
    followed by it; the guest's name, contact and private link go."""
    if not contribution.is_guest:
        raise ContributionError("not-a-guest")
    contribution.author_id = user.id
    contribution.guest_name = contribution.guest_contact = contribution.guest_key = None
    if not db.session.scalar(select(exists().where(Follow.contribution_id == contribution.id,
                                                   Follow.user_id == user.id))):
        db.session.add(Follow(contribution_id=contribution.id, user_id=user.id))
    db.session.flush()


def revisions_of(contribution: Contribution) -> list[Revision]:
    return list(db.session.scalars(contribution.revisions.select().order_by(Revision.created_at.desc(),
                                                                             Revision.id.desc())))


def attach_photo(config: Mapping, contribution: Contribution, stream: BinaryIO, alt: str = "") -> Photo:
    try:
        stored = process_photo(stream, config["LABO_UPLOAD_DIR"])
    except PhotoError as error:
        raise ContributionError(f"photo-{error.code}", "photo") from None
    photo = Photo(
        contribution=contribution, key=stored.key, content_type=stored.content_type,
        width=stored.width, height=stored.height, size=stored.size, alt=plain_text(alt)[:200],
    )
    db.session.add(photo)
    return photo


# --- reading -------------------------------------------------------------


@dataclass
class ContributionFilters:
    commune: Optional[str] = None   # slug
    qpv: Optional[str] = None       # slug or code
    theme: Optional[str] = None     # "p3" (pillar 3) or an ambition slug
    kind: Optional[str] = None
    status: Optional[str] = None
    q: Optional[str] = None

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}

    def key(self) -> tuple:
        """What tells these filters apart (the list's total is remembered under it)."""
        return ("published", *self.__dict__.values())


def support_counts(ids: Iterable[int]) -> dict[int, int]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Support.contribution_id, func.count(Support.id))
        .where(Support.contribution_id.in_(ids)).group_by(Support.contribution_id)
    )
    return {cid: n for cid, n in rows}


def published_query(filters: ContributionFilters):
    """Published contributions matching `filters`, newest first. A statement
    is a value that never changes once built: the same filters give the
    same one, kept (building it cost a list page ~0.15 ms)."""
    return _published_query(*filters.key()[1:])


@functools.lru_cache(maxsize=256)
def _published_query(*values):
    filters = ContributionFilters(*values)
    query = (
        select(Contribution)
        .where(Contribution.visibility == Visibility.PUBLISHED.value)
        .options(joinedload(Contribution.photo))
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
    )
    if filters.commune:
        # `commune_id = (subquery)` rather than EXISTS, so that the commune's listing index serves it
        query = query.where(Contribution.commune_id == select(Commune.id).where(Commune.slug == filters.commune)
                            .scalar_subquery())
    if filters.qpv:
        query = query.where(Contribution.qpv.has(or_(Qpv.slug == filters.qpv, Qpv.code == filters.qpv.upper())))
    if filters.theme:
        if re.fullmatch(r"p\d{1,2}", filters.theme):
            query = query.where(Contribution.pillar.has(Pillar.number == int(filters.theme[1:])))
        else:
            query = query.where(Contribution.ambition.has(Ambition.slug == filters.theme))
    if filters.kind:
        query = query.where(Contribution.kind == filters.kind)
    if filters.status:
        query = query.where(Contribution.status == filters.status)
    if filters.q:
        like = contains_pattern(filters.q.strip().lower())
        query = query.where(or_(
            func.lower(Contribution.title).like(like, escape="\\"),
            func.lower(Contribution.body).like(like, escape="\\"),
        ))
    return query


@dataclass(frozen=True, slots=True)
class Named:
    name: str


@dataclass(frozen=True, slots=True)
class Card(KindAndStatus):
    """What a list's card shows of a contribution (templates/contributions/_card.html),
    read as plain values in one statement for a page of ids: the list no
    longer builds five ORM objects a card (the contribution with its body,
    its commune, QPV, author and photo) to show eight values."""

    id: int
    kind: str
    status: str
    title: str
    commune: Named
    qpv: Optional[Named]
    author_label: str
    photo: bool
    supports: int


@functools.cache
def _cards_statement():
    """Built once (its construction cost as much as running it): the page's ids are its parameter."""
    has_photo = exists().where(Photo.contribution_id == Contribution.id)
    supports = select(func.count(Support.id)).where(Support.contribution_id == Contribution.id).scalar_subquery()
    return (
        select(Contribution.id, Contribution.kind, Contribution.status, Contribution.title, Commune.name, Qpv.name,
               Contribution.on_behalf_of, Contribution.guest_name, User.pseudonym, has_photo, supports)
        .join(Commune, Commune.id == Contribution.commune_id)
        .outerjoin(Qpv, Qpv.id == Contribution.qpv_id)
        .outerjoin(User, User.id == Contribution.author_id)
        .where(Contribution.id.in_(bindparam("ids", expanding=True)),
               # read again here: an idea hidden since the page's ids were read stays out
               Contribution.visibility == Visibility.PUBLISHED.value)
    )


def cards(ids: list[int]) -> dict[int, Card]:
    """The cards of these contributions, by id (only the published ones), with their supports counted."""
    if not ids:
        return {}
    rows = db.session.execute(_cards_statement(), {"ids": list(ids)})
    return {
        row[0]: Card(row[0], row[1], row[2], row[3], Named(row[4]), Named(row[5]) if row[5] is not None else None,
                     row[6] or row[7] or (row[8] if row[8] is not None else str(ERASED_NAME)), bool(row[9]),
                     row[10] or 0)
        for row in rows
    }


def support_count(contribution: Contribution) -> int:
    return support_counts([contribution.id]).get(contribution.id, 0)


def contribution_for_page(contribution_id: int, reader: Optional[User], *also) -> Optional[tuple[Contribution, tuple]]:
    """A contribution, what its page shows of it (commune, QPV, author and
    pillar, ambition, who answered, photo) and its `reader_state` for this
    reader, in one statement built once per process (building it cost as
    much as running it); None if there is no such contribution."""
    signed_in = _signed_in(reader)
    row = db.session.execute(_page_statement(signed_in, also), _state_parameters(contribution_id, reader, signed_in)).first()
    return None if row is None else (row[0], _state(signed_in, row[1:]))


@functools.cache
def page_options() -> tuple:
    """What a contribution's page shows of it beyond its commune, QPV and
    author (joined by the model): loaded in the same statement."""
    return (joinedload(Contribution.pillar), joinedload(Contribution.ambition), joinedload(Contribution.answered_by),
            joinedload(Contribution.photo))


@functools.lru_cache(maxsize=16)
def _page_statement(signed_in: bool, also: tuple):
    return select(Contribution, *_state_columns(signed_in, also)).where(
        Contribution.id == bindparam("contribution_id")).options(*page_options())


def reader_state(user: Optional[User], contribution: Contribution, *also) -> tuple:
    """A contribution's page in one statement: its supports, whether this
    reader supports and follows it, then the value of each of `also`:
    functions that, given the contribution's id as a SQL expression, return
    another scalar its page needs (e.g. `has_visible_comments`). The
    statement is built once per process for each (signed in or not, `also`)."""
    signed_in = _signed_in(user)
    row = db.session.execute(_reader_state_statement(signed_in, also),
                             _state_parameters(contribution.id, user, signed_in)).one()
    return _state(signed_in, row)


@functools.lru_cache(maxsize=16)
def _reader_state_statement(signed_in: bool, also: tuple):
    return select(*_state_columns(signed_in, also))


def _signed_in(user: Optional[User]) -> bool:
    return user is not None and user.is_authenticated


def _state_columns(signed_in: bool, also: tuple) -> list:
    contribution_id, user_id = bindparam("contribution_id"), bindparam("user_id")
    columns = [select(func.count(Support.id)).where(Support.contribution_id == contribution_id).scalar_subquery()]
    if signed_in:
        columns += [exists().where(Support.contribution_id == contribution_id, Support.user_id == user_id),
                    exists().where(Follow.contribution_id == contribution_id, Follow.user_id == user_id)]
    return columns + [expression(contribution_id) for expression in also]


def _state_parameters(contribution_id: int, user: Optional[User], signed_in: bool) -> dict:
    return {"contribution_id": contribution_id, "user_id": user.id if signed_in else None}


def _state(signed_in: bool, values) -> tuple:
    if not signed_in:
        return (values[0] or 0, False, False, *values[1:])
    return (values[0] or 0, bool(values[1]), bool(values[2]), *values[3:])


def has_visible_comments(contribution_id):
    """Whether a contribution has a comment to show: an EXISTS, for `reader_state`."""
    return exists().where(Comment.contribution_id == contribution_id, Comment.hidden.is_(False))


@dataclass(frozen=True, slots=True)
class CommentAuthor:
    pseudonym: str


@dataclass(frozen=True, slots=True)
class ShownComment:
    """What an idea's page shows of a comment, read as plain values rather
    than a Comment and its author's whole account as ORM objects."""

    id: int
    body: str  # sanitised HTML
    created_at: datetime
    author: Optional[CommentAuthor]  # None once the account is erased (`display_name` says so)


def visible_comments(contribution: Contribution) -> list[ShownComment]:
    """Its comments that are not hidden, oldest first."""
    return [ShownComment(id, body, created_at, CommentAuthor(pseudonym) if pseudonym is not None else None)
            for id, body, created_at, pseudonym in db.session.execute(_visible_comments_statement(),
                                                                      {"contribution_id": contribution.id})]


@functools.cache
def _visible_comments_statement():
    return (select(Comment.id, Comment.body, Comment.created_at, User.pseudonym)
            .outerjoin(User, User.id == Comment.author_id)
            .where(Comment.contribution_id == bindparam("contribution_id"), Comment.hidden.is_(False))
            .order_by(Comment.created_at, Comment.id))


# --- supporting, commenting, following, reporting ------------------------


def _require_published(contribution: Contribution) -> None:
    if not contribution.is_published:
        raise ContributionError("not-published")


def support(actor: User, contribution: Contribution) -> bool:
    """Support once; a second time changes nothing. Returns True if added."""
    _require_published(contribution)
    try:
        with db.session.begin_nested():
            db.session.add(Support(contribution_id=contribution.id, user_id=actor.id))
    except IntegrityError:
        return False
    return True


def withdraw_support(actor: User, contribution: Contribution) -> bool:
    result = db.session.execute(
        delete(Support).where(Support.contribution_id == contribution.id, Support.user_id == actor.id)
    )
    return bool(result.rowcount)


def follow(actor: User, contribution: Contribution) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(Follow(contribution_id=contribution.id, user_id=actor.id))
    except IntegrityError:
        pass


def unfollow(actor: User, contribution: Contribution) -> None:
    db.session.execute(delete(Follow).where(Follow.contribution_id == contribution.id, Follow.user_id == actor.id))


def add_comment(actor: User, contribution: Contribution, body: str) -> Comment:
    _require_published(contribution)
    if not body or not body.strip():
        raise ContributionError("comment-required", "body")
    if len(body) > COMMENT_MAX:
        raise ContributionError("comment-too-long", "body")
    comment = Comment(contribution_id=contribution.id, author_id=actor.id, body=clean_rich_text(body))
    db.session.add(comment)
    db.session.flush()
    return comment


def report(actor: User, contribution: Contribution, reason: str) -> Report:
    _require_published(contribution)
    reason = plain_text(reason)
    if not reason:
        raise ContributionError("reason-required", "reason")
    try:
        # One open report per person: the unique constraint settles a double click.
        with db.session.begin_nested():
            entry = Report(contribution_id=contribution.id, reporter_id=actor.id, reason=reason[:REASON_MAX])
            db.session.add(entry)
    except IntegrityError:
        entry = db.session.scalar(
            select(Report).where(Report.contribution_id == contribution.id, Report.reporter_id == actor.id)
        )
        entry.reason = reason[:REASON_MAX]
        entry.resolved_at = None
        db.session.flush()
    return entry


# --- moderation ----------------------------------------------------------


def _followers(contribution: Contribution) -> list[int]:
    ids = set(db.session.scalars(select(Follow.user_id).where(Follow.contribution_id == contribution.id)))
    ids.update(i for i in (contribution.author_id, contribution.entered_by_id) if i)
    return sorted(ids)


def _link(contribution: Contribution) -> str:
    return f"/idees/{contribution.id}"


def _notify(config: Mapping, contribution: Contribution, kind: str, link: str, **params) -> None:
    """Tell its followers on the site (and by mail), and a guest who left an
    e-mail address, by mail: a guest has no notifications page. A phone number
    left by a guest is kept for text messages, which the site does not send yet."""
    notify(config, _followers(contribution), kind, link, **params)
    if is_email(contribution.guest_contact):
        from flask_babel import force_locale

        with force_locale("fr"):
            subject, text = describe(kind, params, subject=True), describe(kind, params)
        send_email_after_commit(db.session, contribution.guest_contact, subject, f"{text}\n\n{absolute(link)}")


def _resolve_reports(actor: User, contribution: Contribution) -> None:
    for entry in db.session.scalars(
        select(Report).where(Report.contribution_id == contribution.id, Report.resolved_at.is_(None))
    ):
        entry.resolved_at = utcnow()
        entry.resolved_by_id = actor.id


def hide(config: Mapping, actor: User, contribution: Contribution, reason: str) -> None:
    reason = plain_text(reason)
    if not reason:
        raise ContributionError("reason-required", "reason")
    if contribution.visibility == Visibility.MERGED.value:
        raise ContributionError("already-merged")
    contribution.visibility = Visibility.HIDDEN.value
    contribution.hidden_reason = reason[:REASON_MAX]
    _resolve_reports(actor, contribution)
    record_audit(actor, "contribution.hidden", "contribution", contribution.id,
                 title=contribution.title, commune=contribution.commune.name, reason=contribution.hidden_reason)
    _notify(config, contribution, "contribution.hidden", _link(contribution),
           title=contribution.title, reason=contribution.hidden_reason)
    db.session.flush()


def restore(config: Mapping, actor: User, contribution: Contribution) -> None:
    if contribution.visibility != Visibility.HIDDEN.value:
        raise ContributionError("not-hidden")
    contribution.visibility = Visibility.PUBLISHED.value
    contribution.hidden_reason = None
    record_audit(actor, "contribution.restored", "contribution", contribution.id,
                 title=contribution.title, commune=contribution.commune.name)
    _notify(config, contribution, "contribution.restored", _link(contribution), title=contribution.title)
    db.session.flush()


def approve(config: Mapping, actor: User, contribution: Contribution) -> None:
    if contribution.visibility != Visibility.PENDING.value:
        raise ContributionError("not-pending")
    contribution.visibility = Visibility.PUBLISHED.value
    _resolve_reports(actor, contribution)
    record_audit(actor, "contribution.approved", "contribution", contribution.id,
                 title=contribution.title, commune=contribution.commune.name)
    _notify(config, contribution, "contribution.approved", _link(contribution), title=contribution.title)
    db.session.flush()


def hide_comment(actor: User, comment: Comment) -> None:
    comment.hidden = True
    record_audit(actor, "comment.hidden", "contribution", comment.contribution_id,
                 title=comment.contribution.title, commune=comment.contribution.commune.name)
    db.session.flush()


def dismiss_reports(actor: User, contribution: Contribution) -> None:
    _resolve_reports(actor, contribution)
    record_audit(actor, "contribution.reports_dismissed", "contribution", contribution.id,
                 title=contribution.title, commune=contribution.commune.name)
    db.session.flush()


def merge(config: Mapping, actor: User, duplicate: Contribution, target: Contribution) -> None:
    """Fold `duplicate` into `target`: its supports, followers and comments
    move over (each person's support and follow once), and it points readers
    to `target`. Only the duplicate's own followers are told, so nobody learns
    the title of something they could not see."""
    if duplicate.id == target.id:
        raise ContributionError("merge-self", "target")
    if not (target.is_published and duplicate.is_published) or target.commune_id != duplicate.commune_id:
        raise ContributionError("merge-invalid", "target")
    recipients = _followers(duplicate)
    for model in (Support, Follow):
        already = select(model.user_id).where(model.contribution_id == target.id)
        moving = list(db.session.scalars(
            select(model).where(model.contribution_id == duplicate.id, model.user_id.not_in(already))
        ))
        for row in moving:
            row.contribution_id = target.id
        db.session.flush()
        db.session.execute(delete(model).where(model.contribution_id == duplicate.id))
    db.session.execute(
        update(Comment).where(Comment.contribution_id == duplicate.id).values(contribution_id=target.id)
    )
    duplicate.visibility = Visibility.MERGED.value
    duplicate.merged_into_id = target.id
    _resolve_reports(actor, duplicate)
    record_audit(actor, "contribution.merged", "contribution", duplicate.id,
                 title=duplicate.title, target=target.title, into=target.id, commune=duplicate.commune.name)
    notify(config, recipients, "contribution.merged", _link(target), title=duplicate.title, target=target.title)
    db.session.flush()


def answer(config: Mapping, actor: User, contribution: Contribution, status: str, text: str) -> bool:
    """Move a contribution along proposée → en étude → retenue / non retenue /
    réalisée. A final status needs a written answer, shown and sent to followers.
    False when the status and the answer were already these: nothing changes."""
    try:
        new_status = Status(status)
    except ValueError:
        raise ContributionError("status-invalid", "status") from None
    text = (text or "").strip()
    if new_status in FINAL_STATUSES and not text:
        raise ContributionError("answer-required", "answer")
    if len(text) > BODY_MAX:
        raise ContributionError("body-too-long", "answer")
    old = contribution.status
    if new_status.value == old and (clean_rich_text(text) if text else None) == contribution.answer:
        return False  # sent again unchanged: no new date, no second message to the followers
    contribution.status = new_status.value
    if not text and new_status not in FINAL_STATUSES:
        # Back under study: an earlier final answer no longer stands.
        contribution.answer = contribution.answered_by_id = contribution.answered_at = None
    if text:
        contribution.answer = clean_rich_text(text)
        contribution.answered_by_id = actor.id
        contribution.answered_at = utcnow()
    record_audit(actor, "contribution.answered" if text else "contribution.status", "contribution", contribution.id,
                 title=contribution.title, commune=contribution.commune.name, before=old, status=new_status.value)
    if text:
        _notify(config, contribution, "contribution.answered", _link(contribution),
               title=contribution.title, status=new_status.value, answer_text=plain_text(html.unescape(re.sub("<[^>]+>", " ", contribution.answer)))[:500])
    else:
        _notify(config, contribution, "contribution.status", _link(contribution),
               title=contribution.title, status=new_status.value)
    db.session.flush()
    return True


# --- the referents' views ------------------------------------------------


def moderated_commune_ids(user: User) -> Optional[set[int]]:
    """The communes whose posts `user` moderates; None means all (administrators)."""
    return None if is_admin(user) else set(user.referent_commune_ids)


def _in_communes(query, commune_ids: Optional[set[int]]):
    return query if commune_ids is None else query.where(Contribution.commune_id.in_(commune_ids or {-1}))


@dataclass
class Queue:
    pending: list[Contribution]
    reported: list[tuple[Contribution, list[Report]]]
    recent: list[Contribution]
    hidden: list[Contribution]


def moderation_queue(user: User, recent_limit: int = 20) -> Queue:
    communes = moderated_commune_ids(user)
    pending = db.session.scalars(_in_communes(
        select(Contribution).where(Contribution.visibility == Visibility.PENDING.value).order_by(Contribution.created_at), communes
    )).all()
    open_reports = db.session.scalars(_in_communes(
        select(Report).join(Report.contribution).where(Report.resolved_at.is_(None)).order_by(Report.created_at), communes
    )).all()
    reported: dict[int, tuple[Contribution, list[Report]]] = {}
    for entry in open_reports:
        reported.setdefault(entry.contribution_id, (entry.contribution, []))[1].append(entry)
    recent = db.session.scalars(_in_communes(
        select(Contribution).where(Contribution.visibility == Visibility.PUBLISHED.value)
        .order_by(Contribution.created_at.desc()).limit(recent_limit), communes
    )).all()
    hidden = db.session.scalars(_in_communes(
        select(Contribution).where(Contribution.visibility == Visibility.HIDDEN.value)
        .order_by(Contribution.updated_at.desc()).limit(recent_limit), communes
    )).all()
    return Queue(list(pending), list(reported.values()), list(recent), list(hidden))


def waiting_for_answer(days: int, commune_ids: Optional[Iterable[int]] = None):
    """The query of published contributions older than `days` without a final answer, oldest first."""
    limit = utcnow() - timedelta(days=days)
    query = (
        select(Contribution)
        .where(
            Contribution.visibility == Visibility.PUBLISHED.value,
            Contribution.status.not_in([s.value for s in FINAL_STATUSES]),
            Contribution.created_at < limit,
        )
        .order_by(Contribution.created_at)
    )
    return _in_communes(query, set(commune_ids) if commune_ids is not None else None)


def merge_candidates(contribution: Contribution, limit: int = 30) -> list[Contribution]:
    return list(db.session.scalars(
        select(Contribution).where(
            Contribution.commune_id == contribution.commune_id,
            Contribution.id != contribution.id,
            Contribution.visibility == Visibility.PUBLISHED.value,
        ).order_by(Contribution.created_at.desc()).limit(limit)
    ))


@personal_data.exporter
def export_for(user: User) -> dict:
    """What the person posted, commented and supported, for their download."""
    return {
        "contributions": [
            {"id": c.id, "kind": c.kind, "title": c.title, "body": c.body, "commune": c.commune.name,
             "status": c.status, "created_at": c.created_at.isoformat()}
            for c in db.session.scalars(select(Contribution).where(Contribution.author_id == user.id).order_by(Contribution.id))
        ],
        "comments": [
            {"contribution": c.contribution_id, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
        ],
        "supports": list(db.session.scalars(select(Support.contribution_id).where(Support.user_id == user.id))),
    }


@retention.kind("GUEST_CONTACT", 90, _l("L'e-mail ou le téléphone laissé avec une idée envoyée sans compte"),
                _l("après la réponse à l'idée : il est effacé ; il ne sert qu'à dire ce que devient l'idée."), rank=30)
def _purge_guest_contacts(config: Mapping, before: datetime, dry_run: bool) -> int:
    return retention.count(update(Contribution).where(Contribution.answered_at < before, Contribution.guest_contact.is_not(None))
                           .values(guest_contact=None))


@retention.kind("REPORT_AUTHOR", 365, _l("Le nom de qui a signalé une contribution"),
                _l("après le signalement : le signalement reste, sans le nom de la personne qui l'a fait."), rank=60)
def _purge_report_authors(config: Mapping, before: datetime, dry_run: bool) -> int:
    return retention.count(update(Report).where(Report.created_at < before, Report.reporter_id.is_not(None))
                           .values(reporter_id=None))


# What the audit page says for each action this feature writes.
audit_labels({
    "contribution.hidden": lambda d: _("Contribution masquée : « %(name)s » (%(commune)s). Raison : %(reason)s",
            name=d.name, commune=d.commune, reason=d.get("reason", "")),
    "contribution.restored": lambda d: _("Contribution rétablie : « %(name)s » (%(commune)s)",
            name=d.name, commune=d.commune),
    "contribution.approved": lambda d: _("Contribution validée : « %(name)s » (%(commune)s)",
            name=d.name, commune=d.commune),
    "contribution.reports_dismissed": lambda d: _("Signalements classés : « %(name)s » (%(commune)s)",
            name=d.name, commune=d.commune),
    "contribution.merged": lambda d: _("Contribution « %(name)s » regroupée avec « %(target)s »",
            name=d.name, target=d.get("target", "")),
    "contribution.status": lambda d: _("Statut de « %(name)s » : %(status)s",
            name=d.name, status=_status(d.get("status"))),
    "contribution.answered": lambda d: _("Réponse à « %(name)s » : %(status)s",
            name=d.name, status=_status(d.get("status"))),
    "comment.hidden": lambda d: _("Commentaire masqué sur « %(name)s » (%(commune)s)",
            name=d.name, commune=d.commune),
    "contribution.entered_on_behalf": lambda d: _("Contribution saisie pour %(person)s : « %(name)s »",
            person=d.get("on_behalf_of", ""), name=d.name),
})


def _status(value) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value or ""


# What a person following a contribution reads when something happens to it.
notification_texts({
    "contribution.hidden": lambda p: _("« %(title)s » a été masquée par une personne référente. Raison : %(reason)s",
                                       title=p.get("title", ""), reason=p.get("reason", "")),
    "contribution.restored": lambda p: _("« %(title)s » est de nouveau visible.", title=p.get("title", "")),
    "contribution.approved": lambda p: _("« %(title)s » a été validée et publiée.", title=p.get("title", "")),
    "contribution.merged": lambda p: _("« %(title)s » a été regroupée avec « %(target)s », qui disait la même chose.",
                                       title=p.get("title", ""), target=p.get("target", "")),
    "contribution.status": lambda p: _("« %(title)s » est maintenant : %(status)s.",
                                       title=p.get("title", ""), status=_status(p.get("status"))),
    "contribution.answered": lambda p: _("Réponse pour « %(title)s » (%(status)s) : %(answer)s", title=p.get("title", ""),
                                         status=_status(p.get("status")), answer=p.get("answer_text", "")),
})

