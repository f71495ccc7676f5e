"""Account operations, free of Flask's request: the actor and the settings
are passed in, the service validates, writes and flushes; the caller commits."""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Optional

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached, undefer
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from labo.accounts.models import AgeBand, Role, RoleGrant, User
from labo.audit.services import audit_labels, record_audit
from labo.core.db import utcnow
from labo.core.errors import ServiceError
from labo.core.offload import off_loop
from labo.core.i18n import _
from labo.extensions import db
from labo.territory.models import Commune

RESET_SALT = "labo.password-reset"
EMAIL_SALT = "labo.email-confirm"
# A code a referent reads out or writes down: no letters and digits that look
# alike (0/O, 1/I/L), grouped in two fours.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_VALIDITY = timedelta(hours=24)
PSEUDONYM_KEY_MAX = 160
PSEUDONYM_RE = re.compile(r"^[\w][\w .'-]{1,38}[\w.]$", re.UNICODE)
# Used when an email is unknown, so a failed login costs the same time.
_DUMMY_HASH_CACHE: dict[str, str] = {}


class AccountError(ServiceError):
    """A refusal to show the user; `field` names the form field concerned."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def pseudonym_key(pseudonym: str) -> str:
    """Case- and accent-free form of a pseudonym, in any script:
    "Hélène" and "helene" collide, "Мария" and "Ахмед" do not."""
    decomposed = unicodedata.normalize("NFKD", pseudonym.strip())
    folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").casefold()
    return re.sub(r"\s+", " ", folded).strip()[:PSEUDONYM_KEY_MAX]


def find_user_by_email(email: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def is_email(identifier: str) -> bool:
    """What someone typed to log in is an address (pseudonyms hold no "@")."""
    return "@" in identifier


def login_key(identifier: str) -> str:
    """What was typed to log in, as the account is looked up: an address in
    lower case, a pseudonym without case or accents (for rate limits)."""
    return normalize_email(identifier) if is_email(identifier) else "pseudonym:" + pseudonym_key(identifier)


def find_user_for_login(identifier: str) -> Optional[User]:
    """The account whose pseudonym or (confirmed) address was typed."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return find_user_by_email(identifier) if is_email(identifier) else find_user_by_pseudonym(identifier)


def find_user_by_pseudonym(pseudonym: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.pseudonym_key == pseudonym_key(pseudonym)))


def hash_password(config: Mapping, password: str) -> str:
    return off_loop(generate_password_hash, password, config.get("LABO_PASSWORD_HASH", "scrypt"))


def password_matches(password_hash: str, password: str) -> bool:
    """check_password_hash beside gevent's event loop (labo.core.offload).
    An account without a password (one resting on a number, whose hash is
    marked, labo.accounts.phone.NO_PASSWORD) matches nothing."""
    try:
        return off_loop(check_password_hash, password_hash, password)
    except ValueError:  # a marked hash: no password can match it
        return False


def _dummy_hash(config: Mapping) -> str:
    method = config.get("LABO_PASSWORD_HASH", "scrypt")
    if method not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[method] = generate_password_hash("not a password", method=method)
    return _DUMMY_HASH_CACHE[method]


@dataclass
class NewAccount:
    """What register_account made: the account, and whom to warn."""

    user: User
    # The account that already has the address typed, to be told by email
    # (the address then waits on the new account, never confirmed).
    email_owner: Optional[User] = None


def register_account(
    config: Mapping,
    *,
    pseudonym: str,
    password: str,
    email: Optional[str] = None,
    home_commune: Optional[Commune] = None,
    age_band: Optional[str] = None,
    locale: Optional[str] = None,
) -> NewAccount:
    """Create a resident's account, with a pseudonym and a password.

    A taken pseudonym is refused (pseudonyms are public). An email, if given,
    is not attached: it waits in pending_email until its owner opens the
    link mailed to it (confirmation_token). Whether the address already has
    an account is not revealed: the account is created alike, and the caller
    mails the owner of the address instead of the link."""
    pseudonym = re.sub(r"\s+", " ", pseudonym.strip())
    if not PSEUDONYM_RE.match(pseudonym):
        raise AccountError("pseudonym-invalid", "pseudonym")
    if age_band:
        AgeBand(age_band)  # raises ValueError on an unknown band
    password_hash = hash_password(config, password)
    if find_user_by_pseudonym(pseudonym) is not None:
        raise AccountError("pseudonym-taken", "pseudonym")
    try:
        # Inside a SAVEPOINT: a lost race rolls back this insert only.
        with db.session.begin_nested():
            user = User(
                pseudonym=pseudonym,
                pseudonym_key=pseudonym_key(pseudonym),
                password_hash=password_hash,
                home_commune_id=home_commune.id if home_commune else None,
                age_band=age_band or None,
                locale=locale,
            )
            db.session.add(user)
    except IntegrityError:
        # Lost a race with another registration for the same name.
        raise AccountError("pseudonym-taken", "pseudonym") from None
    owner = request_email(user, email) if email and email.strip() else None
    return NewAccount(user=user, email_owner=owner)


def request_email(user: User, email: str) -> Optional[User]:
    """Note `email` as the address `user` asked for, until they confirm it.
    Returns the other account that already has it, if any, for the caller to
    tell its owner instead of mailing the link; either way the address waits
    on `user`'s account, so nothing shown to them differs."""
    email = normalize_email(email)
    if email == user.email:
        user.pending_email = None
        db.session.flush()
        return None
    user.pending_email = email
    db.session.flush()
    owner = find_user_by_email(email)
    return owner if owner is not None and owner.id != user.id else None


def _email_serializer(config: Mapping) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=EMAIL_SALT)


def _address_fingerprint(email: str) -> str:
    # The link names the address it was sent to without spelling it out
    # (links end up in logs); asking for another address voids it.
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def confirmation_token(config: Mapping, user: User) -> str:
    """The link's token proving `user` reads the inbox of their pending address."""
    return _email_serializer(config).dumps({"uid": user.id, "em": _address_fingerprint(user.pending_email)})


def user_for_confirmation(config: Mapping, token: str) -> Optional[User]:
    """The account a confirmation link is for, or None if the link is forged,
    expired, already used, or for an address the person has since replaced."""
    try:
        data = _email_serializer(config).loads(
            token, max_age=int(config.get("LABO_EMAIL_CONFIRM_MAX_AGE", 7 * 24 * 3600)))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if (user is None or not user.active or not user.pending_email
            or data.get("em") != _address_fingerprint(user.pending_email)):
        return None
    return user


def confirm_email(config: Mapping, token: str) -> tuple[str, Optional[User]]:
    """Attach the pending address the link was sent to: ("confirmed", user),
    ("taken", user) if another account has it by now, or ("invalid", None)."""
    user = user_for_confirmation(config, token)
    if user is None:
        return "invalid", None
    email = user.pending_email
    owner = find_user_by_email(email)
    if owner is not None and owner.id != user.id:
        return "taken", user
    try:
        # The unique constraint, not the look-up above, settles a race.
        with db.session.begin_nested():
            user.email, user.pending_email = email, None
            db.session.flush()
    except IntegrityError:
        db.session.refresh(user)
        return "taken", user
    return "confirmed", user


def authenticate(config: Mapping, identifier: str, password: str) -> Optional[User]:
    """The account for this pseudonym or address and password, or None,
    taking the same time either way."""
    user = find_user_for_login(identifier)
    if user is None:
        password_matches(_dummy_hash(config), password)
        return None
    if not password_matches(user.password_hash, password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    """The date of the last log-in, from which an unused account's retention runs."""
    user.last_login_at = utcnow()
    db.session.commit()


def _reset_serializer(config: Mapping) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=RESET_SALT)


@functools.cache
def _session_load() -> tuple:
    """The ORM's way to load the signed-in account with its roles and unread
    notifications' count in one statement (user_for_session uses it when the
    account is already in the session). Built once, after the models are all
    mapped (building them was a quarter of the look-up's time)."""
    return (joinedload(User.grants), undefer(User.unread_notifications))


@functools.cache
def _session_statement() -> tuple:
    """The signed-in account in one Core statement: every column of its row,
    the count of its unread notifications (every page's menu) and its roles
    (every permission check), one row per grant (a LEFT JOIN: one row, its
    grant's columns empty, for a resident). With the attribute names of the
    account's columns and of a grant's, in the statement's order."""
    user_columns, grant_columns = sa_inspect(User).column_attrs, sa_inspect(RoleGrant).column_attrs
    accounts, grants = User.__table__, RoleGrant.__table__
    statement = (
        select(*[c.expression for c in user_columns],
               *[c.expression.label(f"grant_{c.key}") for c in grant_columns])
        .select_from(accounts.outerjoin(grants, grants.c.user_id == accounts.c.id))
        .where(accounts.c.id == bindparam("user_id"))
        .order_by(grants.c.id)
    )
    return statement, [c.key for c in user_columns], [c.key for c in grant_columns]


def _as_loaded(cls: type, values: dict, **collections):
    """An instance of the mapped `cls` from values already read, as the ORM's
    loading leaves one: unchanged, and what is not given (its other
    relationships) loaded on access. Detached: the caller adds it to the session."""
    obj = sa_inspect(cls).class_manager.new_instance()  # no __init__: the values are the database's
    obj.__dict__.update(values)
    for key, value in collections.items():
        set_committed_value(obj, key, value)
    make_transient_to_detached(obj)
    return obj


def user_for_session(session_value: str) -> Optional[User]:
    """The account a session cookie names ("id:fingerprint"), or None once it
    is gone or its password changed (the fingerprint: other devices are
    signed out). Flask-Login's user_loader, on every signed-in request.

    Read anew each time, so that a role withdrawn, an account deactivated or
    a notification received shows on the very next request, whichever
    process or command wrote it; and read cheaply: one Core statement
    (_session_statement), the account and its grants built from its rows and
    added to the session as the ORM's loading would leave them, a real
    persistent User (it writes, its other relationships load on access)
    without the ORM's eager-loading machinery (~0.2 ms a request, see
    bench/README.md)."""
    user_id, _colon, fingerprint = (session_value or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    user = _load_for_session(db.session(), int(user_id))
    if user is None or fingerprint != user.password_fingerprint:
        return None
    return user


def _load_for_session(session, user_id: int) -> Optional[User]:
    if _in_session(session, User, user_id):
        # Already there (a test's session, a second look-up): two objects
        # cannot stand for one row, so the ORM's own way, which refreshes nothing.
        return session.get(User, user_id, options=_session_load())
    statement, user_keys, grant_keys = _session_statement()
    rows = session.connection().execute(statement, {"user_id": user_id}).all()
    if not rows:
        return None
    width, grant_id = len(user_keys), len(user_keys) + grant_keys.index("id")
    grants = []
    for row in rows:
        if row[grant_id] is None:  # a resident: no grant
            continue
        if _in_session(session, RoleGrant, row[grant_id]):
            return session.get(User, user_id, options=_session_load())
        grants.append(_as_loaded(RoleGrant, dict(zip(grant_keys, row[width:]))))
    user = _as_loaded(User, dict(zip(user_keys, rows[0][:width])), grants=grants)
    session.add(user)  # and its grants (cascade): persistent, nothing to write
    return user


def _in_session(session, cls: type, id_: int) -> bool:
    return sa_inspect(cls).identity_key_from_primary_key((id_,)) in session.identity_map


def make_reset_token(config: Mapping, user: User) -> str:
    return _reset_serializer(config).dumps({"uid": user.id, "pw": user.password_fingerprint})


def user_for_reset_token(config: Mapping, token: str) -> Optional[User]:
    """The account a reset link is for, or None if it is forged, used or expired."""
    try:
        data = _reset_serializer(config).loads(token, max_age=int(config.get("LABO_RESET_MAX_AGE", 3600)))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or data.get("pw") != user.password_fingerprint:
        return None
    return user


def reset_password(config: Mapping, token: str, new_password: str) -> Optional[User]:
    user = user_for_reset_token(config, token)
    if user is None:
        return None
    user.password_hash = hash_password(config, new_password)
    db.session.flush()
    return user


def normalize_code(typed: str) -> str:
    """A reset code as typed, in any case, with or without its dash or spaces."""
    return re.sub(r"[^A-Z0-9]", "", (typed or "").upper())[: CODE_LENGTH * 2]


def issue_reset_code(config: Mapping, actor: User, person: User, now: datetime) -> str:
    """A one-time code, valid 24 hours, for `person` to choose a new password
    without an email (the view checks "account.reset_code": a referent met
    them). Only its hash is kept; a new code replaces the previous one.
    Returns the code to show, as "ABCD-EFGH"."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    person.reset_code_hash = hash_password(config, code)
    person.reset_code_expires_at = now + CODE_VALIDITY
    record_audit(actor, "account.reset_code_issued", "user", person.id, user=person.pseudonym,
                 commune=person.home_commune.name if person.home_commune else "")
    db.session.flush()
    return f"{code[:4]}-{code[4:]}"


def use_reset_code(config: Mapping, pseudonym: str, code: str, new_password: str, now: datetime) -> Optional[User]:
    """Set a new password with a referent's code: the account, or None if
    the pseudonym, the code or its date is wrong (taking the same time).
    The code serves once."""
    user = find_user_by_pseudonym(pseudonym) if pseudonym and pseudonym.strip() else None
    usable = (user is not None and user.active and user.reset_code_hash is not None
              and user.reset_code_expires_at is not None and user.reset_code_expires_at > now)
    if not usable:
        password_matches(_dummy_hash(config), code)
        return None
    if not password_matches(user.reset_code_hash, normalize_code(code)):
        return None
    user.password_hash = hash_password(config, new_password)
    user.reset_code_hash = user.reset_code_expires_at = None
    record_audit(user, "account.reset_code_used", "user", user.id, user=user.pseudonym)
    db.session.flush()
    return user


def update_profile(
    user: User,
    *,
    home_commune: Optional[Commune],
    age_band: Optional[str],
    locale: Optional[str],
    home_qpv=None,
) -> User:
    if age_band:
        AgeBand(age_band)
    user.home_commune = home_commune
    user.home_qpv = home_qpv
    user.age_band = age_band or None
    user.locale = locale or None
    db.session.flush()
    return user


def change_password(config: Mapping, user: User, current: str, new: str) -> None:
    if not password_matches(user.password_hash, current):
        raise AccountError("password-wrong", "current_password")
    user.password_hash = hash_password(config, new)
    db.session.flush()


def grant_role(actor: User, user: User, role: Role, commune: Optional[Commune] = None) -> RoleGrant:
    """Give `role` to `user`; a referent's role needs a commune, others take none."""
    if role is Role.RESIDENT:
        raise AccountError("role-not-grantable", "role")
    if role.is_scoped and commune is None:
        raise AccountError("role-needs-commune", "commune")
    if not role.is_scoped:
        commune = None
    try:
        # The unique indexes, not a check-then-insert, refuse a duplicate.
        with db.session.begin_nested():
            grant = RoleGrant(
                user_id=user.id, role=role.value,
                commune_id=commune.id if commune else None, granted_by_id=actor.id,
            )
            db.session.add(grant)
    except IntegrityError:
        raise AccountError("role-already-granted", "role") from None
    db.session.expire(user, ["grants"])
    record_audit(
        actor, "role.granted", "user", user.id,
        user=user.pseudonym, role=role.value, commune=commune.name if commune else None,
    )
    db.session.flush()
    return grant


def revoke_role(actor: User, grant: RoleGrant) -> None:
    user = grant.user
    if grant.role == Role.ADMIN.value and user.id == actor.id and _admin_count() <= 1:
        raise AccountError("last-admin", "role")
    record_audit(
        actor, "role.revoked", "user", user.id,
        user=user.pseudonym, role=grant.role, commune=grant.commune.name if grant.commune else None,
    )
    user.grants.remove(grant)
    db.session.flush()


def _admin_count() -> int:
    return db.session.scalar(
        select(func.count(func.distinct(RoleGrant.user_id))).where(RoleGrant.role == Role.ADMIN.value)
    ) or 0


def is_last_admin(user: User) -> bool:
    """The site always keeps one administrator: this one cannot go."""
    return user.has_role(Role.ADMIN) and _admin_count() <= 1


def referents_of(commune: Commune) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.REFERENT.value, RoleGrant.commune_id == commune.id, User.active)
            .order_by(User.pseudonym_key)
        )
    )


def create_admin(config: Mapping, email: str, password: str, pseudonym: Optional[str] = None) -> tuple[User, bool]:
    """Make `email` an administrator, creating the account if needed.
    Returns the user and whether the account was created."""
    user = find_user_by_email(email)
    created = False
    if user is None:
        base = pseudonym or normalize_email(email).split("@")[0][:30] or "admin"
        candidate, n = base, 1
        while find_user_by_pseudonym(candidate) is not None:
            n += 1
            candidate = f"{base}-{n}"
        if not PSEUDONYM_RE.match(candidate):
            candidate = f"admin-{n}"
        user = User(
            pseudonym=candidate,
            pseudonym_key=pseudonym_key(candidate),
            email=normalize_email(email),
            password_hash=hash_password(config, password),
        )
        db.session.add(user)
        db.session.flush()
        created = True
    if not user.has_role(Role.ADMIN):
        db.session.add(RoleGrant(user=user, role=Role.ADMIN.value))
        record_audit(None, "role.granted", "user", user.id, user=user.pseudonym, role=Role.ADMIN.value, commune=None)
    db.session.flush()
    return user, created


def verify_person(actor: User, person: User, now: datetime) -> None:
    """A referent met `person` and checked where they live (the view checks
    "account.verify": the person lives in one of the referent's communes)."""
    if person.verified_at is not None:
        return
    person.verified_at, person.verified_by_id = now, actor.id
    db.session.flush()
    record_audit(actor, "account.verified", "user", person.id, user=person.pseudonym,
                 commune=person.home_commune.name if person.home_commune else "")


def people_to_verify(actor: User, query: str, is_admin: bool) -> list[User]:
    """People of the referent's communes matching a pseudonym, for the verify page."""
    key = pseudonym_key(query or "")
    if len(key) < 2:
        return []
    stmt = select(User).where(User.pseudonym_key.contains(key, autoescape=True), User.active.is_(True))
    if not is_admin:
        stmt = stmt.where(User.home_commune_id.in_(actor.referent_commune_ids or {-1}))
    return list(db.session.scalars(stmt.order_by(User.pseudonym_key).limit(20)))


def _role_change(d, granted: bool) -> str:
    role = d.get("role")
    label = Role(role).label if role in {r.value for r in Role} else (role or "")
    user = d.get("user", "?")
    if granted:
        if d.commune:
            return _("Rôle « %(role)s » (%(commune)s) donné à %(user)s", role=label, commune=d.commune, user=user)
        return _("Rôle « %(role)s » donné à %(user)s", role=label, user=user)
    if d.commune:
        return _("Rôle « %(role)s » (%(commune)s) retiré à %(user)s", role=label, commune=d.commune, user=user)
    return _("Rôle « %(role)s » retiré à %(user)s", role=label, user=user)


# What the audit page says for each action this feature writes.
audit_labels({
    "role.granted": lambda d: _role_change(d, granted=True),
    "role.revoked": lambda d: _role_change(d, granted=False),
    "account.verified": lambda d: _("Compte vérifié en personne : %(user)s", user=d.get("user", "?")),
    "account.reset_code_issued": lambda d: _("Code pour changer de mot de passe donné à %(user)s",
            user=d.get("user", "?")),
    "account.reset_code_used": lambda d: _("Mot de passe changé avec un code donné par une personne référente : %(user)s",
            user=d.get("user", "?")),
})
