"""Communes, QPVs and the strategy they are tagged against.

All of it is data loaded from `territory.toml` by `flask labo seed` and
editable by an administrator; nothing here is hard-coded in views."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labo.core.db import Base

qpv_commune = Table(
    "qpv_commune",
    Base.metadata,
    Column("qpv_id", Integer, ForeignKey("qpv.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", Integer, ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)


class Commune(Base):
    __tablename__ = "commune"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # False for communes that hold part of a QPV but belong to another agglomeration.
    in_call: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # New contributions wait for a referent before they are shown.
    premoderation: Mapped[bool] = mapped_column(default=False, server_default=false())

    qpvs: Mapped[list["Qpv"]] = relationship(
        secondary=qpv_commune, back_populates="communes", order_by="Qpv.name"
    )

    def __repr__(self) -> str:
        return f"<Commune {self.slug}>"


class Qpv(Base):
    """A priority neighbourhood ("quartier prioritaire de la politique de la ville")."""

    __tablename__ = "qpv"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # The official code, e.g. QP062024; unknown for some neighbourhoods.
    code: Mapped[Optional[str]] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    # True for the 21 neighbourhoods of the Lens-Liévin city contract.
    in_contract: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    communes: Mapped[list[Commune]] = relationship(
        secondary=qpv_commune, back_populates="qpvs", order_by="Commune.name"
    )

    def __repr__(self) -> str:
        return f"<Qpv {self.code or self.slug}>"


class Pillar(Base):
    """One of the city contract's three pillars."""

    __tablename__ = "pillar"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")

    ambitions: Mapped[list["Ambition"]] = relationship(
        back_populates="pillar", order_by="Ambition.number", cascade="all, delete-orphan"
    )


class Ambition(Base):
    """One of the twelve thematic ambitions, inside a pillar."""

    __tablename__ = "ambition"
    __table_args__ = (UniqueConstraint("pillar_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillar.id", ondelete="CASCADE"))
    number: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(240))

    pillar: Mapped[Pillar] = relationship(back_populates="ambitions")


class Axis(Base):
    """A cross-cutting axis (residents' participation, ecological transition)."""

    __tablename__ = "axis"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")


class Themed:
    """For what is tied to the city contract's strategy by a pillar or, more
    precisely, one of its ambitions (contributions, fiches, processes): the
    class maps `pillar` and `ambition`."""

    @property
    def theme_label(self) -> str:
        if self.ambition is not None:
            return self.ambition.title
        return self.pillar.title if self.pillar is not None else ""
