"""Builders for test data, one per model the tests need (as CTFd's
tests/helpers.py): keyword defaults for what the tests vary, the site's own
service where there is one (what is built is what the site would build),
and a commit, so that requests, live servers and other threads see it.

Every test starts from the seeded territory (communes, QPVs, pillars,
ambitions, axes; tests/snapshot.py): `commune(slug)` and `qpv(code)` find it."""
from __future__ import annotations

import io
import secrets
from datetime import date, datetime, timedelta, timezone
from itertools import count
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant, User
from labo.accounts.services import hash_password, pseudonym_key
from labo.actors import services as actors
from labo.actors.models import ActivityEntry, ActorProfile, Organisation
from labo.contributions import services as contributions
from labo.contributions.models import Comment, Contribution
from labo.core.levels import Level
from labo.extensions import db
from labo.fiches import services as fiches
from labo.fiches.models import Fiche
from labo.meetings import services as meetings
from labo.meetings.models import Meeting, Registration
from labo.partners import services as partners
from labo.partners.models import Commitment, FollowUp, Partner
from labo.processes import services as processes
from labo.processes.models import LEVEL_METHODS, Method, Option, Process
from labo.proclamation import services as proclamation
from labo.proclamation.models import ProclamationVersion, Signature
from labo.territory.models import Ambition, Commune, Qpv
from labo.workshops import services as workshops
from labo.workshops.models import Board, Note, Participant

PASSWORD = "un mot de passe"
_serial = count(1)


# --- the territory (seeded) -------------------------------------------------------


def commune(slug: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.slug == slug))
    assert found is not None, slug
    return found


def qpv(code: str) -> Qpv:
    found = db.session.scalar(select(Qpv).where(Qpv.code == code))
    assert found is not None, code
    return found


def _communes(slugs: Iterable[str]) -> list[Commune]:
    return [commune(slug) for slug in slugs]


# --- people ---------------------------------------------------------------------------


def create_user(
    pseudonym: Optional[str] = None,
    email: Optional[str] = None,
    password: str = PASSWORD,
    roles: Iterable[tuple[Role, Optional[str]]] = (),
    home: Optional[str] = None,
) -> User:
    n = next(_serial)
    pseudonym = pseudonym or f"Personne {n}"
    user = User(
        pseudonym=pseudonym,
        pseudonym_key=pseudonym_key(pseudonym),
        email=email or f"personne{n}@example.org",
        password_hash=hash_password(current_app.config, password),
        home_commune=commune(home) if home else None,
    )
    for role, commune_slug in roles:
        user.grants.append(RoleGrant(role=role.value, commune=commune(commune_slug) if commune_slug else None))
    db.session.add(user)
    db.session.commit()
    return user


def create_admin(**kwargs) -> User:
    return create_user(roles=[(Role.ADMIN, None)], **kwargs)


def create_referent(commune_slug: str, **kwargs) -> User:
    return create_user(roles=[(Role.REFERENT, commune_slug)], **kwargs)


def create_animator(**kwargs) -> User:
    return create_user(roles=[(Role.ANIMATOR, None)], **kwargs)


# --- files a form uploads ---------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _picture(fmt: str, size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A plain picture, as a phone's camera sends it."""
    return _picture("JPEG", size, color)


def png_bytes(size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A plain picture, as a screenshot is sent."""
    return _picture("PNG", size, color)


# --- meetings ------------------------------------------------------------------------------


def create_meeting(*, title: str = "Rencontre de Wingles", starts_at: Optional[datetime] = None,
                   commune_slug: str = "wingles", venue: str = "Centre social", animators: Iterable[User] = (),
                   **fields) -> Meeting:
    """A meeting, in 20 days unless `starts_at` says otherwise; `fields` are
    the model's (capacity, running_order, cancelled...)."""
    meeting = Meeting(title=title, starts_at=starts_at or datetime.now(timezone.utc) + timedelta(days=20),
                      commune=commune(commune_slug), venue=venue, animators=list(animators), **fields)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def create_registration(meeting: Meeting, user: Optional[User] = None, *, first_name: str = "Josiane",
                        contact: Optional[str] = None, relay: Optional[User] = None, walk_in: bool = False,
                        present: bool = False) -> Registration:
    """A seat (or a place on the waiting list) taken as the site's form takes
    it; `present`: ticked on the day's attendance list."""
    if user is None and contact is None and not walk_in:
        contact = f"{first_name.lower()}@example.org"
    seat = meetings.register(meeting, user=user, first_name=first_name, contact=contact, relay=relay,
                             walk_in=walk_in)
    registration = db.session.get(Registration, seat.registration_id)
    if present:
        meetings.set_present(None, registration, True)
    db.session.commit()
    return registration


# --- participation processes ---------------------------------------------------------------


def create_process(creator: Optional[User] = None, *, title: str = "Que faire de la friche ?",
                   level: str = "consultation", method: Optional[str] = None, options: Iterable[str] = (),
                   commune_slug: Optional[str] = "lens", published: bool = True,
                   opens_in: timedelta = timedelta(days=-1), lasts: timedelta = timedelta(days=10),
                   answer_in_days: int = 30, audience: str = "everyone", communes: Iterable[str] = (),
                   qpvs: Iterable[str] = (), verified_only: bool = False) -> Process:
    """A process made (and published) by `creator`, an administrator made
    for it if None, through the site's own services: checked, cleaned and
    audited as the form's are. Opened yesterday for ten days by default;
    `method` is the level's first one unless given."""
    creator = creator or create_admin()
    method = method or LEVEL_METHODS[Level(level)][0].value
    now = datetime.now(timezone.utc)
    process = processes.save_process(
        creator, Process(), title=title, question="Que voulez-vous y voir ?",
        context="<p>La friche <script>x</script></p>", decider="le conseil municipal de Lens", level=level,
        method=method, options=list(options), secret=True, max_choices=None, opens_at=now + opens_in,
        closes_at=now + opens_in + lasts, answer_by=(now + opens_in + lasts + timedelta(days=answer_in_days)).date(),
        audience=audience, communes=_communes(communes), qpvs=[qpv(code) for code in qpvs],
        verified_only=verified_only, commune=commune(commune_slug) if commune_slug else None, pillar=None,
        ambition=None, decision_rule="", easy_read="On vous demande votre avis.\nLe conseil décide.",
        may_run_agglomeration=True)
    if published:
        processes.publish_process(creator, process)
    db.session.commit()
    return process


def insert_process(*, title: str = "Le square de la rue Zola", question: str = "Que faire du terrain vague ?",
                   level: str = Level.CODECISION.value, method: str = Method.MAJORITY_JUDGMENT.value,
                   secret: Optional[bool] = None, options: Iterable[str] = ("Parc", "Jardins", "Terrain de sport"),
                   commune_slug: Optional[str] = "lens", opens_at: Optional[datetime] = None,
                   closes_at: Optional[datetime] = None, answer_by: Optional[date] = None,
                   decision_rule: str = "La meilleure mention majoritaire l'emporte.", published: bool = True,
                   **fields) -> Process:
    """The process row itself, written directly: no check, no audit, no
    author. By default a vote (a codécision by majority judgement, secret, on
    three options) opened yesterday, closing in 10 days, answered 30 days
    later; or whatever the form would refuse (dates long past, a return
    already published, a vote without options). `fields` are the model's."""
    now = datetime.now(timezone.utc)
    opens_at = opens_at or now - timedelta(days=1)
    closes_at = closes_at or now + timedelta(days=10)
    process = Process(
        title=title, question=question, decider=fields.pop("decider", "Conseil municipal de Lens"), level=level,
        method=method, secret=(level == Level.CODECISION.value) if secret is None else secret,
        decision_rule=decision_rule, opens_at=opens_at, closes_at=closes_at,
        answer_by=answer_by or closes_at.date() + timedelta(days=30),
        commune=commune(commune_slug) if commune_slug else None, published=published, **fields,
    )
    process.options = [Option(label=label, position=i) for i, label in enumerate(options)]
    db.session.add(process)
    db.session.commit()
    return process


def close_process(process: Process, ago: timedelta = timedelta(minutes=1)) -> None:
    """Move the closing `ago` into the past (the opening 20 days ago)."""
    now = datetime.now(timezone.utc)
    process.opens_at = now - timedelta(days=20)
    process.closes_at = now - ago
    db.session.commit()


def option_ids(process: Process) -> list[int]:
    return [o.id for o in process.options]


# --- live boards (workshops) -----------------------------------------------------------------


def create_board(owner: Optional[User] = None, *, title: str = "Le cadre de vie", **options) -> Board:
    """A board opened by `owner` (an animator made for it if None); `options`
    are create_board's: columns, meeting, commune, dots_per_person,
    private_writing, authors_visible."""
    board = workshops.create_board(owner or create_animator(), title=title, **options)
    db.session.commit()
    return board


def create_participant(board: Board, pseudonym: str = "Alice", user: Optional[User] = None) -> Participant:
    """Someone who joined the board with its code (a phone), with an account or not."""
    participant = workshops.join_board(board, pseudonym, user=user)
    db.session.commit()
    return participant


def create_note(board: Board, participant: Participant, text: str = "Plus de bancs", *, column: int = 0,
                client_key: Optional[str] = None) -> Note:
    """A note posted from `participant`'s phone into the board's column number `column`."""
    note, _created = workshops.post_note(board, participant, column_id=board.columns[column].id, text=text,
                                        client_key=client_key or secrets.token_urlsafe(12))
    db.session.commit()
    return note


# --- the toolbox's fiches ----------------------------------------------------------------------


def create_fiche(author: User, *, title: str = "Une balade urbaine", communes: Iterable[str] = ("lens",),
                 publish_by: Optional[User] = None, kind: str = "experience", level: str = "concertation",
                 method: str = "On marche ensemble et on note ce qu'on voit.", **fields) -> Fiche:
    """A fiche `author` submitted for review; published by `publish_by` if
    given. `fields` are FicheInput's (public, what_worked, contact_name...)."""
    data = fiches.FicheInput(kind=kind, title=title, level=level, method=method,
                               communes=tuple(_communes(communes)), **fields)
    fiche = fiches.save_fiche(author, None, data, submit=True)
    if publish_by is not None:
        fiches.publish(publish_by, fiche)
    db.session.commit()
    return fiche


# --- partners' commitments ------------------------------------------------------------------------


def create_partner(name: str = "La CAF du Pas-de-Calais", slug: str = "caf", kind: str = "caf") -> Partner:
    partner = partners.save_partner(None, Partner(), name=name, slug=slug, kind=kind, description="")
    db.session.commit()
    return partner


def create_commitment(partner: Partner, *, family: str = "cooperation", title: str = "Nommer un référent",
                      review: Optional[date] = None, email: Optional[str] = "julien.carpentier@example.org",
                      referent_name: str = "Julien Carpentier") -> Commitment:
    """A commitment of `partner`, its referent to be reminded at `review`."""
    commitment = partners.save_commitment(None, Commitment(), partner=partner, family=family, title=title,
                                          referent_name=referent_name, referent_email=email, next_review_on=review)
    db.session.commit()
    return commitment


def create_follow_up(commitment: Commitment, on: date, status: str, *, review: Optional[date] = None,
                     public: bool = True, note: str = "Un point") -> FollowUp:
    """A dated follow-up entry; the commitment takes its status."""
    entry = partners.record_follow_up(None, None, commitment, happened_on=on, note=note, status_after=status,
                                      next_review_on=review, public=public)
    db.session.commit()
    return entry


# --- the proclamation ---------------------------------------------------------------------------------


def publish_proclamation(author: Optional[User] = None, *,
                         title: str = "Faire de notre agglomération un territoire participatif",
                         body: str = "<p>Premier paragraphe.</p><p>Deuxième paragraphe.</p>",
                         note: str = "Première version") -> ProclamationVersion:
    """The proclamation's next version."""
    version = proclamation.publish_version(author, title=title, body=body, change_note=note)
    db.session.commit()
    return version


def create_signature(user: User, *, category: str = "habitant", commune_slug: Optional[str] = "lens",
                     public: bool = True) -> Signature:
    """`user` signs the proclamation in their own name."""
    signature = proclamation.sign_as_person(user, category=category,
                                        commune=commune(commune_slug) if commune_slug else None, public=public)
    db.session.commit()
    return signature


# --- contributions (ideas, wishes, initiatives, questions) -------------------------------------------


def create_contribution(author: User, *, title: str = "Des bancs près de l'arrêt",
                        body: str = "Les personnes âgées attendent debout.", kind: str = "idee",
                        commune_slug: str = "lens", **fields) -> Contribution:
    """A contribution `author` posts; `fields` are create_contribution's
    (qpv, pillar, ambition, photo, on_behalf_of, meeting...)."""
    contribution = contributions.create_contribution(current_app.config, author, kind=kind, title=title, body=body,
                                                commune=commune(commune_slug), **fields)
    db.session.commit()
    return contribution


def create_comment(author: User, contribution: Contribution, body: str = "Bonne idée") -> Comment:
    comment = contributions.add_comment(author, contribution, body)
    db.session.commit()
    return comment


# --- the directory of actors -------------------------------------------------------------------------


def create_organisation(name: str = "Centre social", *, communes: Iterable[str] = ("wingles",),
                        kind: str = "partenaire", ambitions: Iterable[Ambition] = (), admin: Optional[User] = None,
                        description: str = "", contact_email: Optional[str] = None,
                        contact_phone: Optional[str] = None) -> Organisation:
    """An association or partner structure, entered by `admin` (an
    administrator made for it if None)."""
    admin = admin or create_admin(email=f"admin-{name.replace(' ', '')}@example.org", pseudonym=f"Admin {name}"[:40])
    organisation = actors.save_organisation(
        admin, Organisation(), name=name, kind=kind, description=description, contact_email=contact_email,
        contact_phone=contact_phone, website=None, communes=_communes(communes), ambitions=list(ambitions))
    db.session.commit()
    return organisation


def create_profile(user: User, *, listed: bool = True, email: Optional[str] = None, phone: Optional[str] = None,
                   presentation: str = "", communes: Iterable[str] = (),
                   ambitions: Iterable[Ambition] = ()) -> ActorProfile:
    """`user`'s card in the directory, as they fill it in."""
    profile = actors.save_profile(user, listed=listed, public_email=email, public_phone=phone,
                                    presentation=presentation, communes=_communes(communes),
                                    ambitions=list(ambitions))
    db.session.commit()
    return profile


def create_activity(user: User, *, happened_on: Optional[date] = None, kind: str = "rencontre",
                    commune_slug: str = "lens", people_count: Optional[int] = None,
                    text: str = "") -> ActivityEntry:
    """A line of `user`'s activity log (an ambassador's), today unless `happened_on`."""
    entry = actors.save_activity(user, ActivityEntry(), happened_on=happened_on or date.today(), kind=kind,
                                   commune=commune(commune_slug), people_count=people_count, text=text)
    db.session.commit()
    return entry
