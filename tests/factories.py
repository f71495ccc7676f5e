"""Builders for test data, going through the same services as the site."""
from __future__ import annotations

from itertools import count
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant, User
from labo.accounts.services import hash_password, pseudonym_key
from labo.extensions import db
from labo.territory.models import Commune, Qpv

PASSWORD = "un mot de passe"
_serial = count(1)


def commune(slug: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.slug == slug))
    assert found is not None, slug
    return found


def qpv(code: str) -> Qpv:
    found = db.session.scalar(select(Qpv).where(Qpv.code == code))
    assert found is not None, code
    return found


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
