"""Who may do what: the permission matrix, role grants and the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant
from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.permissions import RULES, can
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user

ADMIN_PAGES = [
    "/admin/",
    "/admin/comptes",
    "/admin/journal",
    "/admin/courriels",
    "/admin/sms",
    "/admin/territoire/",
    "/admin/territoire/communes/lens",
    "/admin/territoire/quartiers/camus",
    "/admin/territoire/piliers/1",
    "/admin/territoire/axes/participation",
]

PEOPLE = {
    "resident": [],
    "ambassador": [(Role.AMBASSADOR, None)],
    "referent of Lens": [(Role.REFERENT, "lens")],
    "animator": [(Role.ANIMATOR, None)],
    "COPIL member": [(Role.COPIL, None)],
}


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("who", list(PEOPLE))
def test_only_administrators_reach_the_administration(client, auth, who):
    create_user(email="p@example.org", roles=PEOPLE[who])
    auth.login("p@example.org")
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 403, (who, path)
        assert "Accès réservé" in page_text(response)
    assert "Administration" not in page_text(client.get("/"))


def test_an_administrator_reaches_every_administration_page(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    for path in ADMIN_PAGES + ["/admin/comptes?q=admin&role=admin"]:
        assert client.get(path).status_code == 200, path


def test_referent_power_is_scoped_to_their_commune():
    lens, lievin = commune("lens"), commune("lievin")
    referent = create_referent("lens")
    admin = create_admin()
    resident = create_user()
    assert can(referent, "commune.moderate", lens)
    assert not can(referent, "commune.moderate", lievin)
    assert can(admin, "commune.moderate", lievin)
    assert not can(resident, "commune.moderate", lens)
    from flask_login import AnonymousUserMixin

    assert not can(AnonymousUserMixin(), "commune.moderate", lens)


# Reading published contributions is open to all, and so is posting one as a
# guest (it waits for a referent); everything else needs an account.
PUBLIC_ACTIONS = {"contribution.view", "contribution.create_as_guest"}


def test_every_other_permission_refuses_anonymous_visitors():
    from flask_login import AnonymousUserMixin

    from labo.contributions.services import create_contribution

    anonymous = AnonymousUserMixin()
    author = create_user()
    contribution = create_contribution({}, author, kind="idee", title="Un banc", body="Ici", commune=commune("lens"))
    for action in RULES:
        obj = contribution if action.startswith("contribution.") else commune("lens")
        assert can(anonymous, action, obj) == (action in PUBLIC_ACTIONS), action
    # and the guest's form is for those without an account only
    assert not can(author, "contribution.create_as_guest")


def test_unknown_permission_is_an_error_not_a_yes():
    with pytest.raises(KeyError):
        can(create_admin(), "no.such.action")


def grant(auth, user, role: str, commune_id: str = ""):
    return auth.post(f"/admin/comptes/{user.id}", {"role": role, "commune": commune_id})


def test_admin_makes_someone_referent_of_lens_and_it_is_audited(client, auth):
    admin = create_admin(pseudonym="Admin", email="admin@example.org")
    nadia = create_user(pseudonym="Nadia")
    auth.login("admin@example.org")
    response = grant(auth, nadia, "referent", str(commune("lens").id))
    assert response.status_code == 302
    assert [(g.role, g.commune.name) for g in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == nadia.id))] == [("referent", "Lens")]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.granted"))
    assert entry.actor_id == admin.id and entry.actor_label == "Admin"
    assert entry.details == {"user": "Nadia", "role": "referent", "commune": "Lens"}
    journal = page_text(client.get("/admin/journal"))
    assert "Admin" in journal and "Nadia" in journal and "Lens" in journal
    # The commune page now names its referent, Liévin's does not.
    assert "Nadia" in page_text(client.get("/territoire/communes/lens"))
    assert "Nadia" not in page_text(client.get("/territoire/communes/lievin"))


def test_a_referent_needs_a_commune(auth):
    create_admin(email="admin@example.org")
    someone = create_user()
    auth.login("admin@example.org")
    response = grant(auth, someone, "referent")
    assert response.status_code == 422
    assert "Une personne référente a toujours une commune" in page_text(response)
    assert db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == someone.id)) is None


def test_the_same_role_cannot_be_granted_twice(auth):
    create_admin(email="admin@example.org")
    someone = create_user()
    auth.login("admin@example.org")
    assert grant(auth, someone, "animator").status_code == 302
    response = grant(auth, someone, "animator")
    assert response.status_code == 422
    assert "Cette personne a déjà ce rôle." in page_text(response)
    assert grant(auth, someone, "referent", str(commune("lens").id)).status_code == 302
    assert grant(auth, someone, "referent", str(commune("lievin").id)).status_code == 302
    assert grant(auth, someone, "referent", str(commune("lens").id)).status_code == 422
    roles = sorted((g.role, g.commune_id) for g in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == someone.id)))
    assert len(roles) == 3


def test_the_database_itself_refuses_a_duplicate_global_role():
    from sqlalchemy.exc import IntegrityError

    someone = create_user(roles=[(Role.COPIL, None)])
    db.session.add(RoleGrant(user_id=someone.id, role="copil"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_revoking_a_role_is_audited(client, auth):
    create_admin(email="admin@example.org")
    someone = create_user(pseudonym="Mehdi", roles=[(Role.AMBASSADOR, None)])
    grant_id = someone.grants[0].id
    auth.login("admin@example.org")
    response = auth.post(f"/admin/comptes/{someone.id}/roles/{grant_id}/retirer", form_page=f"/admin/comptes/{someone.id}")
    assert response.status_code == 302
    assert db.session.get(RoleGrant, grant_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.revoked"))
    assert entry.details["user"] == "Mehdi" and entry.details["role"] == "ambassador"


def test_the_last_administrator_cannot_remove_their_own_role(auth):
    admin = create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    grant_id = admin.grants[0].id
    response = auth.post(f"/admin/comptes/{admin.id}/roles/{grant_id}/retirer", form_page=f"/admin/comptes/{admin.id}")
    assert response.status_code == 302
    assert db.session.get(RoleGrant, grant_id) is not None


def test_a_resident_cannot_grant_roles(client, auth):
    someone = create_user(email="me@example.org")
    auth.login("me@example.org")
    token = auth.csrf("/")
    response = client.post(f"/admin/comptes/{someone.id}", data={"role": "admin", "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(select(RoleGrant)) is None


def test_accounts_list_shows_roles_and_finds_people(client, auth):
    create_admin(pseudonym="Admin", email="admin@example.org")
    create_referent("lens", pseudonym="Nadia", email="nadia@example.org")
    create_user(pseudonym="Josiane", email="josiane@example.org")
    auth.login("admin@example.org")
    text = page_text(client.get("/admin/comptes"))
    assert "Nadia" in text and "Personne référente de commune (Lens)" in text and "Josiane" in text
    found = page_text(client.get("/admin/comptes?q=jos"))
    assert "Josiane" in found and "Nadia" not in found
    referents = page_text(client.get("/admin/comptes?role=referent"))
    assert "Nadia" in referents and "Josiane" not in referents


def test_outbox_shows_messages_to_the_administrator(client, auth):
    create_admin(email="admin@example.org")
    create_user(email="lost@example.org")
    auth.post("/compte/mot-de-passe-oublie", {"email": "lost@example.org"})
    auth.login("admin@example.org")
    text = page_text(client.get("/admin/courriels"))
    assert "lost@example.org" in text
    assert "/compte/nouveau-mot-de-passe/" in text
