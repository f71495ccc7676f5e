"""People and the roles granted to them.

Personal data is kept minimal: a pseudonym and a password to log in with,
and, only if the person gives them, an email, a home commune and an age band."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, func, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Commune, Qpv


class Role(str, enum.Enum):
    RESIDENT = "resident"
    AMBASSADOR = "ambassador"
    REFERENT = "referent"
    ANIMATOR = "animator"
    COPIL = "copil"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def is_scoped(self) -> bool:
        """A referent's role is always tied to a commune."""
        return self is Role.REFERENT


ROLE_LABELS = {
    Role.RESIDENT: _l("Habitante ou habitant"),
    Role.AMBASSADOR: _l("Ambassadrice ou ambassadeur"),
    Role.REFERENT: _l("Personne référente de commune"),
    Role.ANIMATOR: _l("Animatrice ou animateur"),
    Role.COPIL: _l("Membre du comité de pilotage (COPIL)"),
    Role.ADMIN: _l("Administratrice ou administrateur"),
}

# Roles an administrator grants; everybody is a resident without a grant.
GRANTABLE_ROLES = [r for r in Role if r is not Role.RESIDENT]


class AgeBand(str, enum.Enum):
    UNDER_18 = "under_18"
    FROM_18_TO_25 = "18_25"
    FROM_26_TO_44 = "26_44"
    FROM_45_TO_64 = "45_64"
    FROM_65 = "65_plus"

    @property
    def label(self) -> str:
        return str(AGE_BAND_LABELS[self])


AGE_BAND_LABELS = {
    AgeBand.UNDER_18: _l("Moins de 18 ans"),
    AgeBand.FROM_18_TO_25: _l("18 à 25 ans"),
    AgeBand.FROM_26_TO_44: _l("26 à 44 ans"),
    AgeBand.FROM_45_TO_64: _l("45 à 64 ans"),
    AgeBand.FROM_65: _l("65 ans et plus"),
}


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    # Lower-cased, accent-free form of the pseudonym: two people cannot
    # pick names that only differ by case or accents.
    pseudonym_key: Mapped[str] = mapped_column(String(160), unique=True)
    # Optional: an address is attached only once its owner opened the link
    # mailed to it; until then it waits in pending_email (never used to log in
    # nor to send anything but that link).
    email: Mapped[Optional[str]] = mapped_column(String(254), unique=True)
    pending_email: Mapped[Optional[str]] = mapped_column(String(254))
    # Optional too: a mobile number in E.164 ("+33612345678"), attached once
    # its owner typed the code sent to it by SMS; then it signs them in by SMS.
    phone: Mapped[Optional[str]] = mapped_column(String(16), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    home_commune_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("commune.id", ondelete="SET NULL")
    )
    age_band: Mapped[Optional[str]] = mapped_column(String(16))
    # Optional, like the commune: lets residents of a QPV take part in the processes reserved to it.
    home_qpv_id: Mapped[Optional[int]] = mapped_column(ForeignKey("qpv.id", ondelete="SET NULL"))
    # Met in person by a referent, who checked the person lives where they say (for processes that ask it).
    verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    # A one-time code a referent gave in person to change the password
    # (for accounts without an email): only its hash is kept, until it is
    # used or expires.
    reset_code_hash: Mapped[Optional[str]] = mapped_column(String(255))
    reset_code_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last log-in: an account unused for longer than the declared
    # retention (labo.privacy.retention) is erased.
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    home_commune: Mapped[Optional[Commune]] = relationship()
    home_qpv: Mapped[Optional[Qpv]] = relationship()
    # Loaded with the signed-in account itself (user_for_session) and by the
    # lists that show roles; an author shown on a page does not need them.
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id",
        order_by="RoleGrant.id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def password_fingerprint(self) -> str:
        """Changes when the password changes: a reset link works once, and the
        session cookie (get_id) of every other device stops working."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """What the session cookie holds: the id and the password's fingerprint."""
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def roles(self) -> set[Role]:
        return {Role.RESIDENT} | {Role(g.role) for g in self.grants}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def referent_commune_ids(self) -> set[int]:
        return {g.commune_id for g in self.grants if g.role == Role.REFERENT.value and g.commune_id}

    @property
    def age_band_label(self) -> str:
        return AgeBand(self.age_band).label if self.age_band else ""

    def __repr__(self) -> str:
        return f"<User {self.pseudonym}>"


class RoleGrant(Base):
    """A role given to a person by an administrator; a referent's is scoped to a commune."""

    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint(
            "role <> 'referent' OR commune_id IS NOT NULL", name="referent_has_commune"
        ),
        CheckConstraint(
            "role IN ('ambassador', 'referent', 'animator', 'copil', 'admin')", name="known_role"
        ),
        # The database, not a check-then-insert, stops a role being granted twice.
        Index(
            "uq_role_grant_scoped",
            "user_id", "role", "commune_id",
            unique=True,
            sqlite_where=text("commune_id IS NOT NULL"),
            postgresql_where=text("commune_id IS NOT NULL"),
        ),
        Index(
            "uq_role_grant_global",
            "user_id", "role",
            unique=True,
            sqlite_where=text("commune_id IS NULL"),
            postgresql_where=text("commune_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"))
    granted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


# What the site shows where an erased account's name was; ERASED_LABEL is
# the same words stored in the rows that keep a name as text (in French,
# whatever the language of the person who erased the account).
ERASED_NAME = _l("participant·e supprimé·e")
ERASED_LABEL = "participant·e supprimé·e"


def display_name(user: Optional[User]) -> str:
    """The person's pseudonym, or "participant·e supprimé·e" once their account is erased."""
    return user.pseudonym if user is not None else str(ERASED_NAME)


class PhoneCode(Base):
    """A one-time code sent by SMS: 6 digits, kept as a keyed hash only,
    valid 10 minutes and for 5 tries, used once. Without `user_id` it signs
    in whoever has the number (or lets them create an account on it); with
    it, it attaches the number to that account (typed at registration)."""

    __tablename__ = "phone_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


class ErasedAccount(Base):
    """The id of an erased account, kept so that restoring a backup made
    before the erasure erases that account again (labo.privacy.backup).
    An id alone names no one once the account is gone."""

    __tablename__ = "erased_account"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """A message for one person about something they follow: the account's
    inbox, written to by the features (labo.notifications.services)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # What happened ("contribution.hidden", "contribution.answered", ...) and
    # its parameters: the text is written in the reader's language when shown.
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


# How many the account has not read, for the menu of every page: deferred, and
# read in the same statement as the signed-in account (accounts.services.user_for_session).
# Declared once both classes exist, as SQLAlchemy does for a correlated count.
User.unread_notifications = column_property(
    select(func.count(Notification.id)).where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification).scalar_subquery(),
    deferred=True,
)
