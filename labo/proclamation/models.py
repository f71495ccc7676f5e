"""The proclamation's text, kept as numbered versions (never overwritten), and
the signatures of people and organisations.

The database enforces "one signature per account, one per organisation":
`person_user_id` is set only on a person's signature and `organisation_key`
only on an organisation's; both are UNIQUE, and NULLs never collide."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.accounts.models import User, display_name
from labo.core.db import Base, UTCDateTime, utcnow
from labo.core.i18n import _l
from labo.territory.models import Commune


class ProclamationVersion(Base):
    """One state of the text. Editing adds a row with the next number."""

    __tablename__ = "proclamation_version"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Sanitised HTML (sanitize_html on write): rendered |safe.
    body: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(String(300))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[Optional[User]] = relationship(lazy="joined")

    @property
    def author_label(self) -> str:
        return display_name(self.author)


class SignatureKind(str, enum.Enum):
    PERSON = "personne"
    ORGANISATION = "organisation"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    SignatureKind.PERSON: _l("À titre personnel"),
    SignatureKind.ORGANISATION: _l("Au nom d'une structure"),
}


class Category(str, enum.Enum):
    RESIDENT = "habitant"
    ASSOCIATION = "membre_association"
    MUNICIPAL = "agent_municipal"
    INSTITUTION = "agent_institution"
    ELECTED = "elu"
    OTHER = "autre"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.RESIDENT: _l("Habitante ou habitant"),
    Category.ASSOCIATION: _l("Membre d'une association"),
    Category.MUNICIPAL: _l("Agente ou agent d'une commune"),
    Category.INSTITUTION: _l("Agente ou agent d'une institution"),
    Category.ELECTED: _l("Élue ou élu"),
    Category.OTHER: _l("Autre"),
}


class Signature(Base):
    __tablename__ = "proclamation_signature"
    __table_args__ = (
        CheckConstraint("kind IN ('personne', 'organisation')", name="known_kind"),
        CheckConstraint(
            "category IS NULL OR category IN ('habitant', 'membre_association', 'agent_municipal', "
            "'agent_institution', 'elu', 'autre')",
            name="known_category",
        ),
        # A person's signature carries a category and its account; an
        # organisation's carries its name, key and representative.
        CheckConstraint(
            "(kind = 'personne' AND category IS NOT NULL AND person_user_id IS NOT NULL "
            "AND organisation_key IS NULL) OR "
            "(kind = 'organisation' AND category IS NULL AND person_user_id IS NULL AND organisation_key IS NOT NULL "
            "AND organisation_name IS NOT NULL AND representative_name IS NOT NULL)",
            name="kind_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[Optional[str]] = mapped_column(String(24))
    # The account that signed (the person, or the organisation's representative).
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # Equal to signer_id on a person's signature only: UNIQUE, one per account.
    person_user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    organisation_name: Mapped[Optional[str]] = mapped_column(String(160))
    # Case-, accent- and punctuation-free name: UNIQUE, one per organisation.
    organisation_key: Mapped[Optional[str]] = mapped_column(String(160), unique=True)
    representative_name: Mapped[Optional[str]] = mapped_column(String(80))
    representative_role: Mapped[Optional[str]] = mapped_column(String(80))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"), index=True)
    public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    signer: Mapped[User] = relationship(foreign_keys=[signer_id], lazy="joined")
    commune: Mapped[Optional[Commune]] = relationship(lazy="joined")

    @property
    def is_person(self) -> bool:
        return self.kind == SignatureKind.PERSON.value

    @property
    def kind_enum(self) -> SignatureKind:
        return SignatureKind(self.kind)

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else ""

    @property
    def public_name(self) -> str:
        """How it is shown in the public list (only when `public`)."""
        if self.is_person:
            return self.signer.pseudonym
        return self.organisation_name or ""
