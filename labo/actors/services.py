"""The directory of actors and the ambassadors' activity log, free of
Flask's request: the person acting is passed in, the caller commits.

The directory shows a person only once they opted in, and then only what
they filled in; its filters use only that public data. The activity log is
read back by others only as counts (kind, commune, month): never a text,
never a name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Optional

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from labo.accounts.models import Role, RoleGrant, User
from labo.actors.models import ActivityEntry, ActivityKind, ActorProfile, Organisation, OrganisationKind
from labo.audit.services import audit_labels, record_audit
from labo.core.errors import ServiceError
from labo.core.i18n import _
from labo.core.pagination import Page
from labo.extensions import db
from labo.meetings.models import Meeting, Registration, RegistrationStatus
from labo.meetings.services import relay_token
from labo.permissions import can
from labo.privacy import personal_data
from labo.territory.models import Ambition, Commune, Pillar

PRESENTATION_MAX = 600
TEXT_MAX = 2000
PHONE_RE = re.compile(r"^\+?[0-9 .()-]{6,30}$")
EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
WEBSITE_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


class ActorError(ServiceError):
    """A refusal to show the person; `field` names the form field concerned."""


def _clean_text(text: Optional[str], limit: int) -> str:
    """Plain text, shown escaped: trimmed, control characters dropped."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text or "").replace("\r\n", "\n").strip()
    return text[:limit]


def _clean_email(value: Optional[str], field_name: str) -> Optional[str]:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise ActorError("email-invalid", field_name)
    return value


def _clean_phone(value: Optional[str], field_name: str) -> Optional[str]:
    value = re.sub(r"\s+", " ", (value or "").strip())
    if not value:
        return None
    if not PHONE_RE.match(value):
        raise ActorError("phone-invalid", field_name)
    return value


# --- a person's card -----------------------------------------------------


def profile_of(user: User) -> Optional[ActorProfile]:
    return db.session.get(ActorProfile, user.id)


def save_profile(user: User, *, listed: bool, public_email: Optional[str], public_phone: Optional[str],
                 presentation: str, communes: list[Commune], ambitions: list[Ambition]) -> ActorProfile:
    """Write `user`'s own card. Only what is filled in is ever shown, and
    nothing at all while `listed` is false."""
    profile = profile_of(user)
    if profile is None:
        profile = ActorProfile(user_id=user.id)
        db.session.add(profile)
    profile.public_email = _clean_email(public_email, "public_email")
    profile.public_phone = _clean_phone(public_phone, "public_phone")
    profile.presentation = _clean_text(presentation, PRESENTATION_MAX)
    profile.listed = bool(listed)
    profile.communes = list(communes)
    profile.ambitions = list(ambitions)
    db.session.flush()
    return profile


def suggested_communes(user: User) -> list[int]:
    """What a new card proposes: the communes a referent is referent of, else
    the home commune. Nothing is shown until the person saves it."""
    if user.referent_commune_ids:
        return sorted(user.referent_commune_ids)
    return [user.home_commune_id] if user.home_commune_id else []


# --- organisations -------------------------------------------------------


def save_organisation(actor: User, organisation: Organisation, *, name: str, kind: str, description: str,
                      contact_email: Optional[str], contact_phone: Optional[str], website: Optional[str],
                      communes: list[Commune], ambitions: list[Ambition]) -> Organisation:
    """Create or update an association or partner structure. A referent may
    only place it in communes they are referent of; an administrator anywhere."""
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise ActorError("name-required", "name")
    if kind not in {k.value for k in OrganisationKind}:
        raise ActorError("kind-unknown", "kind")
    if not communes:
        raise ActorError("commune-required", "communes")
    outside = [c for c in communes if not can(actor, "actors.place_organisation", c)]
    kept = [c for c in organisation.communes if not can(actor, "actors.place_organisation", c)] if organisation.id else []
    # A referent keeps the other communes an organisation already had, but adds none.
    if any(c not in kept for c in outside):
        raise ActorError("commune-not-yours", "communes")
    website = (website or "").strip() or None
    if website and (len(website) > 300 or not WEBSITE_RE.match(website)):
        raise ActorError("website-invalid", "website")
    created = organisation.id is None
    organisation.name = name[:160]
    organisation.kind = kind
    organisation.description = _clean_text(description, PRESENTATION_MAX)
    organisation.contact_email = _clean_email(contact_email, "contact_email")
    organisation.contact_phone = _clean_phone(contact_phone, "contact_phone")
    organisation.website = website
    organisation.communes = list(communes)
    organisation.ambitions = list(ambitions)
    if created:
        organisation.created_by_id = actor.id
        db.session.add(organisation)
    db.session.flush()
    record_audit(actor, "organisation.created" if created else "organisation.updated", "organisation",
                 organisation.id, name=organisation.name, communes=[c.name for c in communes])
    return organisation


def delete_organisation(actor: User, organisation: Organisation) -> None:
    record_audit(actor, "organisation.deleted", "organisation", organisation.id, name=organisation.name)
    db.session.delete(organisation)
    db.session.flush()


# --- the directory -------------------------------------------------------


@dataclass
class DirectoryFilters:
    commune: Optional[Commune] = None
    pillar: Optional[Pillar] = None
    ambition: Optional[Ambition] = None
    kind: Optional[str] = None  # "personnes", "structures" or None for both

    def active(self) -> dict[str, str]:
        """The filters as query arguments, for the pager's links."""
        args = {}
        if self.commune is not None:
            args["commune"] = self.commune.slug
        if self.ambition is not None:
            args["theme"] = self.ambition.slug
        elif self.pillar is not None:
            args["theme"] = f"p{self.pillar.number}"
        if self.kind:
            args["kind"] = self.kind
        return args


@dataclass
class DirectoryEntry:
    """One card: a person (only what they made public) or an organisation."""

    name: str
    kind_label: str
    communes: list[Commune]
    ambitions: list[Ambition]
    description: str = ""
    email: Optional[str] = None
    phone: Optional[str] = None
    website: Optional[str] = None
    organisation: Optional[Organisation] = None
    is_person: bool = False


def _theme_clause(ambitions_rel, filters: DirectoryFilters):
    if filters.ambition is not None:
        return ambitions_rel.any(Ambition.id == filters.ambition.id)
    if filters.pillar is not None:
        return ambitions_rel.any(Ambition.pillar_id == filters.pillar.id)
    return None


def listed_people(filters: DirectoryFilters) -> list[ActorProfile]:
    """People who opted in and still hold an ambassador's or referent's role;
    filtered only on what they chose to show."""
    holds_role = select(RoleGrant.user_id).where(RoleGrant.role.in_([Role.AMBASSADOR.value, Role.REFERENT.value]))
    query = (select(ActorProfile).join(User, User.id == ActorProfile.user_id)
             .where(ActorProfile.listed.is_(True), User.active.is_(True), User.id.in_(holds_role))
             .options(selectinload(ActorProfile.communes), selectinload(ActorProfile.ambitions),
                      joinedload(ActorProfile.user).selectinload(User.grants))
             .order_by(User.pseudonym_key))
    if filters.commune is not None:
        query = query.where(ActorProfile.communes.any(Commune.id == filters.commune.id))
    theme = _theme_clause(ActorProfile.ambitions, filters)
    if theme is not None:
        query = query.where(theme)
    return list(db.session.scalars(query))


def listed_organisations(filters: DirectoryFilters) -> list[Organisation]:
    query = (select(Organisation)
             .options(selectinload(Organisation.communes), selectinload(Organisation.ambitions))
             .order_by(func.lower(Organisation.name), Organisation.id))
    if filters.commune is not None:
        query = query.where(Organisation.communes.any(Commune.id == filters.commune.id))
    theme = _theme_clause(Organisation.ambitions, filters)
    if theme is not None:
        query = query.where(theme)
    return list(db.session.scalars(query))


def person_entry(profile: ActorProfile) -> DirectoryEntry:
    """A person's card: the pseudonym, their role, and only the fields they filled."""
    user = profile.user
    if user.has_role(Role.AMBASSADOR) and user.referent_commune_ids:
        label = _("Ambassadrice ou ambassadeur, et personne référente")
    elif user.referent_commune_ids:
        label = Role.REFERENT.label
    else:
        label = Role.AMBASSADOR.label
    return DirectoryEntry(
        name=user.pseudonym, kind_label=label, communes=list(profile.communes), ambitions=list(profile.ambitions),
        description=profile.presentation, email=profile.public_email, phone=profile.public_phone, is_person=True,
    )


def organisation_entry(organisation: Organisation) -> DirectoryEntry:
    return DirectoryEntry(
        name=organisation.name, kind_label=organisation.kind_label, communes=list(organisation.communes),
        ambitions=list(organisation.ambitions), description=organisation.description,
        email=organisation.contact_email, phone=organisation.contact_phone, website=organisation.website,
        organisation=organisation,
    )


def directory(filters: DirectoryFilters, page: int = 1, per_page: int = 20) -> Page:
    entries: list[DirectoryEntry] = []
    if filters.kind != "structures":
        entries += [person_entry(p) for p in listed_people(filters)]
    if filters.kind != "personnes":
        entries += [organisation_entry(o) for o in listed_organisations(filters)]
    entries.sort(key=lambda e: (not e.is_person, e.name.casefold()))
    page = min(max(page, 1), max(1, -(-len(entries) // per_page)))  # the last page when asked for further
    return Page(entries[(page - 1) * per_page: page * per_page], page, per_page, len(entries))


def ambitions_by_id(ids: Iterable[int]) -> list[Ambition]:
    ids = list(ids or [])
    return list(db.session.scalars(select(Ambition).where(Ambition.id.in_(ids)))) if ids else []


def communes_by_id(ids: Iterable[int]) -> list[Commune]:
    ids = list(ids or [])
    return list(db.session.scalars(select(Commune).where(Commune.id.in_(ids)))) if ids else []


# --- the activity log ----------------------------------------------------


def save_activity(user: User, entry: ActivityEntry, *, happened_on: Optional[date], kind: str,
                  commune: Optional[Commune], people_count: Optional[int], text: str,
                  today: Optional[date] = None) -> ActivityEntry:
    """Write one line of `user`'s own log (a new one, or one of theirs)."""
    if entry.id is not None and entry.user_id != user.id:
        raise ActorError("not-yours")
    today = today or date.today()
    if happened_on is None:
        raise ActorError("date-required", "happened_on")
    if happened_on > today:
        raise ActorError("date-future", "happened_on")
    if happened_on.year < 2000:
        raise ActorError("date-invalid", "happened_on")
    if kind not in {k.value for k in ActivityKind}:
        raise ActorError("kind-unknown", "kind")
    if commune is None:
        raise ActorError("commune-required", "commune")
    if people_count is not None and not 0 <= people_count <= 100000:
        raise ActorError("count-invalid", "people_count")
    entry.happened_on, entry.kind, entry.commune = happened_on, kind, commune
    entry.people_count = people_count
    entry.text = _clean_text(text, TEXT_MAX)
    if entry.id is None:
        entry.user_id = user.id
        db.session.add(entry)
    db.session.flush()
    return entry


def delete_activity(user: User, entry: ActivityEntry) -> None:
    if entry.user_id != user.id:
        raise ActorError("not-yours")
    db.session.delete(entry)
    db.session.flush()


def activity_of(user: User, kind: Optional[str] = None) -> list[ActivityEntry]:
    query = (select(ActivityEntry).where(ActivityEntry.user_id == user.id)
             .order_by(ActivityEntry.happened_on.desc(), ActivityEntry.id.desc()))
    if kind:
        query = query.where(ActivityEntry.kind == kind)
    return list(db.session.scalars(query))


@dataclass
class ActivityFigure:
    month: date         # the first day of the month
    commune: str
    kind: str
    entries: int
    people: int

    @property
    def kind_label(self) -> str:
        return ActivityKind(self.kind).label


def activity_aggregates(year: Optional[int] = None) -> list[ActivityFigure]:
    """Counts per month, commune and kind: how many entries, how many people.
    No text, no author: only these columns are read."""
    query = (select(ActivityEntry.happened_on, Commune.name, ActivityEntry.kind, ActivityEntry.people_count)
             .join(Commune, Commune.id == ActivityEntry.commune_id))
    if year is not None:
        query = query.where(ActivityEntry.happened_on.between(date(year, 1, 1), date(year, 12, 31)))
    figures: dict[tuple[date, str, str], ActivityFigure] = {}
    for happened_on, commune, kind, people in db.session.execute(query):
        key = (happened_on.replace(day=1), commune, kind)
        figure = figures.setdefault(key, ActivityFigure(key[0], commune, kind, 0, 0))
        figure.entries += 1
        figure.people += people or 0
    order = [k.value for k in ActivityKind]
    return sorted(figures.values(), key=lambda f: (-f.month.toordinal(), f.commune, order.index(f.kind)))


def activity_totals(figures: list[ActivityFigure]) -> list[tuple[str, int, int]]:
    """Per kind over `figures`: (label, entries, people)."""
    totals = {k.value: [0, 0] for k in ActivityKind}
    for f in figures:
        totals[f.kind][0] += f.entries
        totals[f.kind][1] += f.people
    return [(ActivityKind(kind).label, n, people) for kind, (n, people) in totals.items()]


# --- relays --------------------------------------------------------------


@dataclass
class RelayedMeeting:
    meeting: object
    registered: int  # brought by this person's link, not cancelled
    present: int


def relayed_meetings(user: User) -> list[RelayedMeeting]:
    """The meetings `user`'s invite links brought people to, with counts only."""
    rows = db.session.execute(
        select(Registration.meeting_id,
               func.count(Registration.id),
               func.sum(case((Registration.present.is_(True), 1), else_=0)))
        .where(Registration.relay_id == user.id, Registration.status != RegistrationStatus.CANCELLED.value)
        .group_by(Registration.meeting_id)
    ).all()
    meetings = {m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_([r[0] for r in rows])))} if rows else {}
    result = [RelayedMeeting(meetings[mid], n, int(present or 0)) for mid, n, present in rows if mid in meetings]
    return sorted(result, key=lambda r: r.meeting.starts_at, reverse=True)


def invite_links(config: Mapping, user: User, meetings: list, link_for) -> list[tuple[object, str]]:
    """(meeting, personal invite link) for each meeting; `link_for(meeting, token)`
    builds the absolute address (the caller knows the site's URLs)."""
    token = relay_token(config, user)
    return [(m, link_for(m, token)) for m in meetings]


@personal_data.exporter
def export_for(user: User) -> dict:
    """The person's directory card and activity log, for their download."""
    profile = db.session.get(ActorProfile, user.id)
    return {
        "directory_card": None if profile is None else {
            "listed": profile.listed, "public_email": profile.public_email, "public_phone": profile.public_phone,
            "presentation": profile.presentation, "communes": [c.name for c in profile.communes],
            "themes": [a.title for a in profile.ambitions],
        },
        "activity_log": [
            {"date": e.happened_on.isoformat(), "kind": e.kind, "commune": e.commune.name,
             "people": e.people_count, "text": e.text}
            for e in db.session.scalars(select(ActivityEntry).where(ActivityEntry.user_id == user.id).order_by(ActivityEntry.id))
        ],
    }


# What the audit page says for each action this feature writes.
audit_labels({
    "organisation.created": lambda d: _("Structure ajoutée à l'annuaire : %(name)s", name=d.name),
    "organisation.updated": lambda d: _("Structure modifiée dans l'annuaire : %(name)s", name=d.name),
    "organisation.deleted": lambda d: _("Structure retirée de l'annuaire : %(name)s", name=d.name),
})
