"""Loading and reading the territory and the strategy."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Optional

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from labo.audit.services import audit_labels, record_audit
from labo.core.db import slugify
from labo.core.i18n import _
from labo.core.memo import remembered
from labo.extensions import db
from labo.territory.models import Ambition, Axis, Commune, Pillar, Qpv

DATA_FILE = Path(__file__).with_name("territory.toml")


class TerritoryError(ValueError):
    def __init__(self, code: str, field: Optional[str] = None):
        super().__init__(code)
        self.code = code
        self.field = field


def load_territory_file(path: Path = DATA_FILE) -> dict:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def seed_territory(data: Optional[dict] = None) -> dict[str, int]:
    """Create the communes, QPVs, pillars, ambitions and axes of `data` that
    do not exist yet (matched by slug, or by code for QPVs).

    Rows that exist are left alone: what an administrator edited on the site
    survives `make run` and every later seed."""
    data = data if data is not None else load_territory_file()
    counts = {"commune": 0, "qpv": 0, "pillar": 0, "ambition": 0, "axis": 0}

    communes: dict[str, Commune] = {}
    for item in data.get("commune", []):
        slug = slugify(item["name"])
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
        if commune is None:
            commune = Commune(slug=slug, name=item["name"], in_call=item.get("in_call", True), note=item.get("note", ""))
            db.session.add(commune)
            counts["commune"] += 1
        communes[item["name"]] = commune

    for item in data.get("qpv", []):
        slug = slugify(item["name"])
        code = item.get("code")
        existing = db.session.scalar(select(Qpv).where(Qpv.code == code)) if code else None
        if existing is None:
            existing = db.session.scalar(select(Qpv).where(Qpv.slug == slug))
        if existing is not None:
            continue
        try:
            members = [communes[name] for name in item["communes"]]
        except KeyError as missing:
            raise ValueError(f"QPV {item['name']}: unknown commune {missing}") from None
        db.session.add(Qpv(
            slug=slug, code=code, name=item["name"], in_contract=item.get("in_contract", True),
            note=item.get("note", ""), communes=members,
        ))
        counts["qpv"] += 1

    for item in data.get("pillar", []):
        pillar = db.session.scalar(select(Pillar).where(Pillar.number == item["number"]))
        if pillar is None:
            pillar = Pillar(number=item["number"], slug=item["slug"], title=item["title"], summary=item.get("summary", ""))
            db.session.add(pillar)
            counts["pillar"] += 1
        existing = {a.number for a in pillar.ambitions}
        for number, title in enumerate(item.get("ambitions", []), start=1):
            if number not in existing:
                pillar.ambitions.append(Ambition(
                    number=number, title=title, slug=f"{item['number']}-{number}-{slugify(title)}"[:120],
                ))
                counts["ambition"] += 1

    for item in data.get("axis", []):
        if db.session.scalar(select(Axis).where(Axis.slug == item["slug"])) is None:
            db.session.add(Axis(slug=item["slug"], title=item["title"], summary=item.get("summary", "")))
            counts["axis"] += 1
    db.session.flush()
    return counts


def list_communes() -> list[Commune]:
    """Communes of the agglomeration first, then the neighbouring ones."""
    return list(
        db.session.scalars(
            select(Commune).options(selectinload(Commune.qpvs)).order_by(Commune.in_call.desc(), Commune.slug)
        )
    )


def list_qpvs() -> list[Qpv]:
    return list(
        db.session.scalars(
            select(Qpv)
            .options(selectinload(Qpv.communes))
            .order_by(Qpv.in_contract.desc(), Qpv.code.is_(None), Qpv.code, Qpv.slug)
        )
    )


def list_pillars() -> list[Pillar]:
    return list(db.session.scalars(select(Pillar).options(selectinload(Pillar.ambitions)).order_by(Pillar.number)))


def list_axes() -> list[Axis]:
    return list(db.session.scalars(select(Axis).order_by(Axis.id)))


def commune_choices(empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(str(c.id), c.name) for c in list_communes()]


TERRITORY_TABLES = ("commune", "qpv", "qpv_commune")
THEME_TABLES = ("pillar", "ambition")


def theme_choices(empty_label: str) -> list[tuple[str, str]]:
    """A select's choices for a theme: each pillar ("p2"), then its ambitions (slug).
    Remembered a little (labo.core.memo): every list and form asks for them."""
    def compute() -> tuple[tuple[str, str], ...]:
        choices = []
        for pillar in list_pillars():
            choices.append((f"p{pillar.number}", str(_("Pilier %(n)s : %(title)s", n=pillar.number,
                                                         title=pillar.title))))
            choices += [(a.slug, f"— {a.title}") for a in pillar.ambitions]
        return tuple(choices)

    return [("", empty_label), *remembered(("themes", str(get_locale())), THEME_TABLES, compute)]


def commune_options(by: str = "id") -> list[tuple[str, str]]:
    """(id or slug, name) of every commune, in list_communes' order; remembered a little."""
    return list(remembered(("communes", by), TERRITORY_TABLES,
                           lambda: tuple((str(getattr(c, by)), c.name) for c in list_communes())))


def qpv_options(by: str = "id") -> list[tuple[str, str]]:
    """(id or slug, "name (its communes)") of every QPV, in list_qpvs' order; remembered a little."""
    return list(remembered(("qpvs", by), TERRITORY_TABLES, lambda: tuple(
        (str(getattr(q, by)), f"{q.name} ({', '.join(c.name for c in q.communes)})") for q in list_qpvs())))


def resolve_theme(theme: Optional[str]) -> tuple[Optional[Pillar], Optional[Ambition]]:
    """"p2" is pillar 2; anything else is an ambition's slug; unknown is no theme."""
    if not theme:
        return None, None
    if re.fullmatch(r"p\d{1,2}", theme):
        return db.session.scalar(select(Pillar).where(Pillar.number == int(theme[1:]))), None
    ambition = db.session.scalar(select(Ambition).where(Ambition.slug == theme))
    return (ambition.pillar if ambition else None), ambition


def get_commune(commune_id) -> Optional[Commune]:
    try:
        return db.session.get(Commune, int(commune_id)) if commune_id else None
    except (TypeError, ValueError):
        return None


def update_commune(actor, commune: Commune, *, name: str, in_call: bool, note: str, premoderation: bool = False) -> Commune:
    created = commune.id is None
    before = None if created else {"name": commune.name, "in_call": commune.in_call, "premoderation": commune.premoderation}
    if created:
        commune.slug = _unique_slug(Commune, slugify(name.strip()))
        db.session.add(commune)
    commune.name = name.strip()
    commune.in_call = in_call
    commune.premoderation = premoderation
    commune.note = note.strip()
    db.session.flush()
    if created:
        record_audit(actor, "commune.created", "commune", commune.id, name=commune.name)
    else:
        record_audit(actor, "commune.updated", "commune", commune.id, name=commune.name, in_call=commune.in_call,
                     premoderation=commune.premoderation, before=before)
    return commune


def update_qpv(actor, qpv: Qpv, *, code: Optional[str], name: str, in_contract: bool, note: str, communes: list[Commune]) -> Qpv:
    created = qpv.id is None
    code = (code or "").strip().upper() or None
    if qpv_code_taken(code, qpv.id):
        raise TerritoryError("qpv-code-taken", "code")
    try:
        # The unique index settles a race between two administrators.
        with db.session.begin_nested():
            if created:
                qpv.slug = _unique_slug(Qpv, slugify(name.strip()))
                db.session.add(qpv)
            qpv.code = code
            qpv.name = name.strip()
            qpv.in_contract = in_contract
            qpv.note = note.strip()
            qpv.communes = communes
    except IntegrityError:
        raise TerritoryError("qpv-code-taken", "code") from None
    record_audit(
        actor, "qpv.created" if created else "qpv.updated", "qpv", qpv.id,
        name=qpv.name, code=qpv.code, communes=[c.name for c in communes],
    )
    return qpv


def update_pillar(actor, pillar: Pillar, *, title: str, summary: str, ambitions: list[str]) -> Pillar:
    pillar.title = title.strip()
    pillar.summary = summary.strip()
    for ambition, new_title in zip(pillar.ambitions, ambitions):
        ambition.title = new_title.strip()
    db.session.flush()
    record_audit(actor, "pillar.updated", "pillar", pillar.id, title=pillar.title)
    return pillar


def update_axis(actor, axis: Axis, *, title: str, summary: str) -> Axis:
    axis.title = title.strip()
    axis.summary = summary.strip()
    db.session.flush()
    record_audit(actor, "axis.updated", "axis", axis.id, title=axis.title)
    return axis


def qpv_code_taken(code: Optional[str], exclude_id: Optional[int]) -> bool:
    if not code:
        return False
    query = select(Qpv.id).where(Qpv.code == code.strip().upper())
    if exclude_id is not None:
        query = query.where(Qpv.id != exclude_id)
    return db.session.scalar(query) is not None


def _unique_slug(model, base: str) -> str:
    """A slug that fits the column and is not taken yet."""
    room = model.__table__.c.slug.type.length - 6
    base = (base or "x")[:room].strip("-") or "x"
    slug, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


# What the audit page says for each action this feature writes.
audit_labels({
    "commune.created": lambda d: _("Commune ajoutée : %(name)s", name=d.name),
    "commune.updated": lambda d: _("Commune modifiée : %(name)s", name=d.name),
    "qpv.created": lambda d: _("Quartier ajouté : %(name)s", name=d.name),
    "qpv.updated": lambda d: _("Quartier modifié : %(name)s", name=d.name),
    "pillar.updated": lambda d: _("Pilier modifié : %(name)s", name=d.name),
    "axis.updated": lambda d: _("Axe modifié : %(name)s", name=d.name),
})
