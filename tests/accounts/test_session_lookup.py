"""The signed-in account, read again on every request (accounts.services.user_for_session):
whatever changed it, here or in another process, shows on the very next page.

The look-up keeps nothing between requests; these tests hold it to that. The
changes "from elsewhere" go through another connection in plain SQL (as a
`flask labo` command or another worker would write, unseen by this process's
ORM) or through a second process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.orm import Session

from labo.accounts.models import Notification, Role, RoleGrant, User
from labo.accounts.services import user_for_session
from labo.extensions import db
from tests.conftest import Auth, csrf_from, page_text
from tests.factories import PASSWORD, commune, create_admin, create_animator, create_user

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def elsewhere(app):
    """Another connection to the same database: what it writes, this process's ORM never sees written."""
    engine = create_engine(db.engine.url)
    if engine.dialect.name == "sqlite":  # as every process of the app's (labo.core.db)
        event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA foreign_keys=ON"))

    def run(sql: str | Notification, **params) -> None:
        with Session(engine) as other:
            other.add(sql) if isinstance(sql, Notification) else other.execute(text(sql), params)
            other.commit()

    yield run
    engine.dispose()


def signed_in(app, user: User) -> Auth:
    """A phone of `user`'s, signed in through the real form."""
    auth = Auth(app.test_client())
    assert auth.login(user.email, PASSWORD).status_code == 302
    return auth


def new_meeting_status(auth: Auth) -> int:
    return auth.client.get("/rencontres/nouvelle").status_code


def test_an_animator_whose_role_is_withdrawn_is_refused_on_her_next_page(app):
    animator = create_animator(pseudonym="Samia")
    admin = create_admin()
    phone, desk = signed_in(app, animator), signed_in(app, admin)
    assert new_meeting_status(phone) == 200
    grant_id = animator.grants[0].id
    page = desk.client.get(f"/admin/comptes/{animator.id}").get_data(as_text=True)
    response = desk.client.post(f"/admin/comptes/{animator.id}/roles/{grant_id}/retirer",
                                data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert new_meeting_status(phone) == 403
    assert "Animatrice" not in page_text(phone.client.get("/compte/"))


def test_a_role_given_by_an_administrator_opens_the_pages_on_the_next_request(app):
    resident = create_user(pseudonym="Karim")
    admin = create_admin()
    phone, desk = signed_in(app, resident), signed_in(app, admin)
    assert new_meeting_status(phone) == 403
    response = desk.post(f"/admin/comptes/{resident.id}", {"role": Role.ANIMATOR.value, "commune": ""})
    assert response.status_code == 302
    assert new_meeting_status(phone) == 200
    assert "Animatrice ou animateur" in page_text(phone.client.get("/compte/"))


def test_a_role_withdrawn_from_elsewhere_is_refused_at_once(app, elsewhere):
    animator = create_animator()
    phone = signed_in(app, animator)
    assert new_meeting_status(phone) == 200
    elsewhere("DELETE FROM role_grant WHERE user_id = :id", id=animator.id)
    assert new_meeting_status(phone) == 403


def test_a_referent_whose_commune_goes_loses_her_powers_there_at_once(app, elsewhere):
    """A commune deleted takes its referents' grants with it (ON DELETE CASCADE, no ORM event at all)."""
    referent = create_user(roles=[(Role.REFERENT, "wingles")])
    phone = signed_in(app, referent)
    assert phone.client.get("/moderation/").status_code == 200
    elsewhere("DELETE FROM commune WHERE id = :id", id=commune("wingles").id)
    assert phone.client.get("/moderation/").status_code == 403


def test_a_deactivated_account_is_signed_out_at_once(app, elsewhere):
    user = create_user(pseudonym="Josiane")
    phone = signed_in(app, user)
    assert "Me déconnecter" in page_text(phone.client.get("/"))
    elsewhere("UPDATE user_account SET active = :no WHERE id = :id", no=False, id=user.id)
    response = phone.client.get("/compte/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    assert "Me connecter" in page_text(phone.client.get("/mentions-legales"))


def test_an_erased_account_is_signed_out_at_once(app, elsewhere):
    user = create_user()
    phone = signed_in(app, user)
    assert phone.client.get("/compte/").status_code == 200
    elsewhere("DELETE FROM user_account WHERE id = :id", id=user.id)
    response = phone.client.get("/compte/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_a_password_changed_on_another_phone_signs_this_one_out_and_keeps_that_one(app):
    user = create_user(email="nadia@example.org")
    old_phone, new_phone = signed_in(app, user), signed_in(app, user)
    response = new_phone.post("/compte/mot-de-passe", {
        "pw-current_password": PASSWORD, "pw-password": "un tout autre mot"}, form_page="/compte/")
    assert response.status_code == 302, page_text(response)
    assert new_phone.client.get("/compte/").status_code == 200
    response = old_phone.client.get("/compte/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_a_new_notification_shows_in_the_menu_of_the_next_page_and_goes_once_read(app, elsewhere):
    user = create_user()
    phone = signed_in(app, user)
    assert "notification non lue" not in page_text(phone.client.get("/mentions-legales"))
    elsewhere(Notification(user_id=user.id, kind="contribution.answered", params={"title": "Des bancs"}))
    assert "1 notification non lue" in page_text(phone.client.get("/mentions-legales"))
    page = phone.client.get("/compte/notifications/").get_data(as_text=True)
    phone.client.post("/compte/notifications/lues", data={"csrf_token": csrf_from(page)})
    assert "notification non lue" not in page_text(phone.client.get("/mentions-legales"))


def test_a_pseudonym_language_and_commune_changed_elsewhere_show_on_the_next_page(app, elsewhere):
    user = create_user(pseudonym="Josiane", home="lens")
    phone = signed_in(app, user)
    profile = page_text(phone.client.get("/compte/"))
    assert "Josiane" in profile and "Lens" in profile
    elsewhere("UPDATE user_account SET pseudonym = 'Josie', locale = 'en', home_commune_id = :c WHERE id = :id",
              c=commune("wingles").id, id=user.id)
    profile = page_text(phone.client.get("/compte/"))
    assert "Josie" in profile and "Josiane" not in profile
    assert "Wingles" in profile
    assert "Log out" in profile  # in her account's language


def test_a_role_withdrawn_by_another_process_is_refused_at_once(app, tmp_path):
    """As another worker or a `flask labo` command: its own app, its own ORM, the same database."""
    animator = create_animator()
    phone = signed_in(app, animator)
    assert new_meeting_status(phone) == 200
    script = (
        "import sys\n"
        "from labo import create_app\n"
        "from labo.accounts.models import User\n"
        "from labo.accounts.services import revoke_role\n"
        "from labo.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    user = db.session.get(User, int(sys.argv[1]))\n"
        "    revoke_role(user, user.grants[0])\n"
        "    db.session.commit()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
               LABO_INSTANCE_PATH=str(tmp_path), LABO_ENV="development")
    done = subprocess.run([sys.executable, "-c", script, str(animator.id)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert new_meeting_status(phone) == 403


# The account the look-up gives is the ORM's own: it writes, and it writes only what changed.


def test_the_account_read_for_a_request_is_a_plain_orm_account(app):
    admin = create_user(roles=[(Role.ADMIN, None), (Role.REFERENT, "lens")])
    value, admin_id, lens_id = admin.get_id(), admin.id, commune("lens").id
    db.session.commit()
    db.session.expunge_all()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        user = user_for_session(value)
        read = len(statements)
        assert inspect(user).persistent and not inspect(user).modified
        assert user.roles == {Role.RESIDENT, Role.ADMIN, Role.REFERENT}
        assert user.referent_commune_ids == {lens_id}
        assert user.unread_notifications == 0
        assert all(inspect(g).persistent and g.user is user for g in user.grants)
        assert len(statements) == read  # roles and count came with the account
        db.session.flush()
        assert not [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "BEGIN"))]
        assert user_for_session(value) is user  # the same one within one session
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert user.home_commune is None and user.grants[1].commune.name == "Lens"  # the rest loads on demand
    user.locale = "en"
    user.grants.remove(user.grants[0])
    db.session.commit()
    db.session.expunge_all()
    again = db.session.get(User, admin_id)
    assert again.locale == "en" and again.roles == {Role.RESIDENT, Role.REFERENT}
    assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(RoleGrant.user_id == admin_id)) == 1


def test_a_cookie_for_no_account_or_an_old_password_gives_no_one(app):
    user = create_user()
    user_id, fingerprint = user.get_id().split(":")
    db.session.commit()
    assert user_for_session(f"{user_id}:{fingerprint}").id == user.id
    for value in (f"{user_id}:0000000000000000", f"{int(user_id) + 1000}:{fingerprint}", "", "abc:def",
                  "1" * 13 + ":x", f"-{user_id}:{fingerprint}"):
        db.session.expunge_all()
        assert user_for_session(value) is None, value
