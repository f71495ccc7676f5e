"""Creating an account, logging in and out, resetting a password, the profile."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from labo.accounts.models import User
from labo.extensions import db
from labo.mail.models import OutboxMessage
from tests.conftest import csrf_from, page_text
from tests.factories import PASSWORD, commune, create_user


def register(auth, **fields):
    data = {
        "pseudonym": "Josiane",
        "email": "josiane@example.org",
        "password": "mon beau quartier",
        "home_commune": str(commune("mazingarbe").id),
        "age_band": "65_plus",
    } | fields
    return auth.post("/compte/inscription", data)


def outbox_for(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)))


def test_a_resident_creates_an_account_and_is_signed_in_at_once(client, auth):
    response = register(auth)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = page_text(client.get("/"))
    assert "Me déconnecter" in home and "Mon compte" in home
    assert "Bienvenue Josiane" in home
    user = db.session.scalar(select(User).where(User.pseudonym == "Josiane"))
    assert user.home_commune.name == "Mazingarbe"
    assert user.age_band == "65_plus"
    assert user.password_hash != "mon beau quartier"
    # The address waits for its owner to open the link mailed to it.
    assert user.email is None and user.pending_email == "josiane@example.org"
    assert "/compte/adresse/" in outbox_for("josiane@example.org")[-1].body

    # Later, on another visit, the pseudonym logs in (the address is not confirmed yet).
    auth.logout()
    assert auth.login("Josiane@Example.org", "mon beau quartier").status_code == 422
    assert auth.login("josiane", "mon beau quartier").status_code == 302


def test_registering_a_known_email_answers_alike_and_attaches_nothing(client, auth):
    owner = create_user(pseudonym="Déjà là", email="taken@example.org")
    first = register(auth, pseudonym="Nouveau", email="fresh@example.org")
    first_flash = flashes(client.get(first.headers["Location"]))
    auth.logout()
    second = register(auth, pseudonym="Autre", email="taken@example.org")
    second_flash = flashes(client.get(second.headers["Location"]))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    # Word for word the same, but for the pseudonym each chose.
    assert first_flash.replace("Nouveau", "X") == second_flash.replace("Autre", "X")
    assert "ouvrez le lien que nous venons d'y envoyer" in first_flash
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.org")) == 1
    other = db.session.scalar(select(User).where(User.pseudonym == "Autre"))
    assert other.email is None
    db.session.refresh(owner)
    assert owner.email == "taken@example.org"
    # The real owner of the address is told, and gets no link to attach it elsewhere.
    told = outbox_for("taken@example.org")
    assert len(told) == 1 and "déjà un" in told[0].body and "/compte/adresse/" not in told[0].body


def test_a_taken_pseudonym_is_refused_whatever_the_case_or_accents(auth):
    create_user(pseudonym="Hélène")
    response = register(auth, pseudonym="helene", email="other@example.org")
    assert response.status_code == 422
    assert "Ce pseudonyme est déjà pris" in page_text(response)
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert outbox_for("other@example.org") == []


def test_registration_form_errors_are_clear_and_keep_what_was_typed(auth):
    response = register(auth, email="pas-une-adresse", password="court")
    text = page_text(response)
    assert response.status_code == 422
    assert "Cette adresse e-mail n'est pas valide." in text
    assert "Au moins 8 caractères." in text
    assert 'value="Josiane"' in text  # nothing typed is lost
    assert 'aria-invalid="true"' in text


def test_login_answers_alike_for_unknown_email_and_wrong_password(auth):
    create_user(pseudonym="Connue", email="known@example.org")
    answers = [auth.login(typed, "not the password")
               for typed in ("known@example.org", "unknown@example.org", "Connue", "Inconnue")]
    assert [a.status_code for a in answers] == [422] * 4
    message = "Pseudonyme, adresse e-mail ou mot de passe incorrect."
    assert all(message in page_text(a) for a in answers)


def test_login_returns_to_the_page_asked_for_but_never_elsewhere(client, auth):
    create_user(email="back@example.org")
    token = auth.csrf()
    response = client.post("/compte/connexion?next=/territoire/", data={"email": "back@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/territoire/")
    auth.logout()
    token = auth.csrf()
    targets = ["//evil.example/x", "/%09/evil.example", "/\\evil.example", "https://evil.example", "/%0a/evil.example"]
    for n, target in enumerate(targets):
        auth.logout()
        token = auth.csrf()
        response = client.post(f"/compte/connexion?next={target}", data={"email": "back@example.org", "password": PASSWORD, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})  # not the rate limit under test here
        assert response.status_code == 302
        assert "evil.example" not in response.headers["Location"], target


def test_logout_needs_a_post_and_ends_the_session(client, auth):
    create_user(email="out@example.org")
    auth.login("out@example.org")
    assert client.get("/compte/deconnexion").status_code == 405
    assert client.get("/compte/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 302


def test_an_inactive_account_cannot_log_in(auth):
    user = create_user(email="gone@example.org")
    user.active = False
    db.session.commit()
    assert auth.login("gone@example.org").status_code == 422


def reset_link(email: str) -> str:
    body = outbox_for(email)[-1].body
    match = re.search(r"https?://[^\s]+/compte/nouveau-mot-de-passe/[^\s]+", body)
    assert match, body
    return match.group(0).split("localhost", 1)[1]


def test_a_forgotten_password_is_reset_by_the_emailed_link_once(client, auth):
    create_user(email="forgot@example.org")
    response = auth.post("/compte/mot-de-passe-oublie", {"email": "forgot@example.org"})
    assert response.status_code == 302
    link = reset_link("forgot@example.org")
    assert client.get(link).status_code == 200
    response = auth.post(link, {"password": "tout neuf 2024", "confirm": "tout neuf 2024"})
    assert response.status_code == 302
    assert auth.login("forgot@example.org", PASSWORD).status_code == 422
    assert auth.login("forgot@example.org", "tout neuf 2024").status_code == 302
    auth.logout()
    # The link served once: it no longer works.
    used = client.get(link)
    assert used.status_code == 400
    assert "Ce lien ne marche plus" in page_text(used)


def flashes(response) -> str:
    """The flash messages of a page, as the person reads them."""
    match = re.search(r'<div class="flashes">(.*?)</div>', page_text(response), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def test_reset_answers_alike_for_unknown_email(client, auth):
    create_user(email="known@example.org")
    known = auth.post("/compte/mot-de-passe-oublie", {"email": "known@example.org"})
    known_page = client.get(known.headers["Location"])
    unknown = auth.post("/compte/mot-de-passe-oublie", {"email": "nobody@example.org"})
    unknown_page = client.get(unknown.headers["Location"])
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    # The page shown after the redirect says the same thing, word for word.
    assert flashes(known_page) == flashes(unknown_page) == (
        "Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé."
    )
    assert known_page.status_code == unknown_page.status_code == 200
    assert len(outbox_for("known@example.org")) == 1
    assert outbox_for("nobody@example.org") == []


def test_a_forged_or_expired_reset_link_is_refused(app, client):
    from labo.accounts.services import make_reset_token

    user = create_user(email="late@example.org")
    assert client.get("/compte/nouveau-mot-de-passe/forged-token").status_code == 400
    token = make_reset_token(app.config, user)
    app.config["LABO_RESET_MAX_AGE"] = -1
    try:
        assert client.get(f"/compte/nouveau-mot-de-passe/{token}").status_code == 400
    finally:
        app.config["LABO_RESET_MAX_AGE"] = 3600


def test_the_profile_keeps_commune_age_band_and_language(client, auth):
    user = create_user(email="me@example.org")
    auth.login("me@example.org")
    response = auth.post("/compte/", {"home_commune": str(commune("wingles").id), "age_band": "18_25", "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.home_commune.name == "Wingles"
    assert user.age_band == "18_25"
    assert user.locale == "en"
    assert '<html lang="en">' in client.get("/compte/").get_data(as_text=True)


def test_the_profile_refuses_an_unknown_age_band(auth):
    create_user(email="me@example.org")
    auth.login("me@example.org")
    response = auth.post("/compte/", {"home_commune": "", "age_band": "999", "locale": ""})
    assert response.status_code == 422


def test_changing_password_needs_the_current_one(auth):
    create_user(email="pw@example.org")
    auth.login("pw@example.org")
    wrong = auth.post("/compte/mot-de-passe", {"pw-current_password": "nope", "pw-password": "nouveau mot"}, form_page="/compte/")
    assert wrong.status_code == 422
    assert "Le mot de passe actuel n'est pas le bon." in page_text(wrong)
    right = auth.post("/compte/mot-de-passe", {"pw-current_password": PASSWORD, "pw-password": "nouveau mot"}, form_page="/compte/")
    assert right.status_code == 302
    auth.logout()
    assert auth.login("pw@example.org", "nouveau mot").status_code == 302


def test_profile_needs_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_a_resident_downloads_their_data(client, auth):
    create_user(pseudonym="Josiane", email="me@example.org", home="mazingarbe")
    auth.login("me@example.org")
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["pseudonym"] == "Josiane" and data["email"] == "me@example.org"
    assert data["home_commune"] == "Mazingarbe"
    assert "password_hash" not in data


def test_a_resident_erases_their_account_with_their_password(client, auth):
    from labo.audit.models import AuditEntry
    from labo.accounts.models import Role
    from tests.factories import create_admin

    admin = create_admin(email="admin@example.org")
    user = create_user(pseudonym="Éphémère", email="bye@example.org")
    from labo.accounts.services import grant_role

    grant_role(admin, user, Role.AMBASSADOR)
    db.session.commit()
    user_id = user.id
    auth.post("/compte/mot-de-passe-oublie", {"email": "bye@example.org"})
    auth.login("bye@example.org")
    wrong = auth.post("/compte/supprimer", {"erase-password": "pas le bon"}, form_page="/compte/")
    assert wrong.status_code == 422
    assert db.session.get(User, user_id) is not None
    response = auth.post("/compte/supprimer", {"erase-password": PASSWORD}, form_page="/compte/")
    assert response.status_code == 302
    assert db.session.get(User, user_id) is None
    assert outbox_for("bye@example.org") == []
    assert all("Éphémère" not in str(e.details) for e in db.session.scalars(select(AuditEntry)))
    assert auth.login("bye@example.org").status_code == 422


def test_mail_goes_out_by_smtp_when_configured(auth, smtp):
    """A real SMTP server on loopback receives the reset link; the outbox stays empty."""
    from labo.mail.services import wait_for_deliveries

    create_user(email="smtp@example.org")
    assert auth.post("/compte/mot-de-passe-oublie", {"email": "smtp@example.org"}).status_code == 302
    wait_for_deliveries()
    assert [e.rcpt_tos for e in smtp] == [["smtp@example.org"]]
    assert b"/compte/nouveau-mot-de-passe/" in smtp[0].content
    assert outbox_for("smtp@example.org") == []


def test_mail_refused_by_smtp_is_kept_in_the_outbox_without_logging_its_body(app, auth, caplog):
    import socket

    from labo.mail.services import wait_for_deliveries

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        create_user(email="down@example.org")
        auth.post("/compte/mot-de-passe-oublie", {"email": "down@example.org"})
        wait_for_deliveries()
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    kept = outbox_for("down@example.org")
    assert len(kept) == 1 and "/compte/nouveau-mot-de-passe/" in kept[0].body
    assert "nouveau-mot-de-passe" not in caplog.text


def test_email_links_use_the_configured_address_not_the_host_header(app, client, auth):
    create_user(email="host@example.org")
    app.config["LABO_BASE_URL"] = "https://labo.example.org"
    try:
        evil = {"base_url": "http://evil.example"}
        token = csrf_from(client.get("/compte/mot-de-passe-oublie", **evil).get_data(as_text=True))
        response = client.post("/compte/mot-de-passe-oublie", data={"email": "host@example.org", "csrf_token": token}, **evil)
        assert response.status_code == 302
    finally:
        app.config["LABO_BASE_URL"] = None
    body = outbox_for("host@example.org")[-1].body
    assert "https://labo.example.org/compte/nouveau-mot-de-passe/" in body
    assert "evil.example" not in body


def test_changing_the_password_logs_out_other_devices(app, auth):
    create_user(email="two@example.org")
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login("two@example.org")
    assert other.get("/compte/").status_code == 200
    auth.login("two@example.org")
    auth.post("/compte/mot-de-passe", {"pw-current_password": PASSWORD, "pw-password": "tout nouveau"}, form_page="/compte/")
    assert other.get("/compte/").status_code == 302  # sent to log in again
    assert auth.client.get("/compte/").status_code == 200  # the device that changed it stays signed in


def test_pseudonyms_in_other_scripts_do_not_collide(auth):
    for name in ("Мария", "Ахмед", "محمد"):
        assert register(auth, pseudonym=name, email="").status_code == 302, name
        auth.logout()  # registering signs in: the next person registers afresh
    assert register(auth, pseudonym="мария", email="").status_code == 422
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_erasing_an_account_keeps_its_ideas_unsigned_and_exports_them_before(client, auth):
    from labo.contributions import services as contribution_services
    from labo.contributions.models import Contribution, Support

    user = create_user(pseudonym="Partante", email="leaving@example.org")
    other = create_user()
    idea = contribution_services.create_contribution({}, user, kind="idee", title="Mon idée", body="Texte", commune=commune("lens"))
    theirs = contribution_services.create_contribution({}, other, kind="idee", title="Autre", body="Texte", commune=commune("lens"))
    contribution_services.support(user, theirs)
    contribution_services.add_comment(user, theirs, "Bravo")
    db.session.commit()
    idea_id = idea.id
    auth.login("leaving@example.org")
    data = client.get("/compte/mes-donnees.json").get_json()
    assert [c["title"] for c in data["contributions"]] == ["Mon idée"]
    assert data["supports"] == [theirs.id] and "Bravo" in data["comments"][0]["body"]
    assert auth.post("/compte/supprimer", {"erase-password": PASSWORD}, form_page="/compte/").status_code == 302
    kept = db.session.get(Contribution, idea_id)
    assert kept is not None and kept.author_id is None
    # The support stays counted, unsigned.
    assert db.session.scalars(select(Support.user_id)).all() == [None]
    text = page_text(client.get(f"/idees/{idea_id}"))
    assert "participant·e supprimé·e" in text and "Partante" not in text


def test_the_download_holds_the_directory_card_the_activity_log_and_meeting_registrations(client, auth):
    from datetime import date, datetime, timedelta, timezone

    from labo.accounts.models import Role
    from labo.actors import services as actors
    from labo.actors.models import ActivityEntry
    from labo.meetings import services as meetings
    from labo.meetings.models import Meeting
    from tests.factories import commune

    user = create_user(pseudonym="Mehdi", email="relay@example.org", roles=[(Role.AMBASSADOR, None)])
    actors.save_profile(user, listed=True, public_email="mehdi.public@example.org", public_phone=None,
                        presentation="Je relaie dans mon quartier.", communes=[commune("wingles")], ambitions=[])
    actors.save_activity(user, ActivityEntry(user_id=user.id), happened_on=date.today(), kind="rencontre",
                         commune=commune("wingles"), people_count=12, text="Marché du samedi")
    meeting = Meeting(title="Rencontre de Wingles", starts_at=datetime.now(timezone.utc) + timedelta(days=9),
                      commune=commune("wingles"), venue="Salle des fêtes")
    db.session.add(meeting)
    db.session.flush()
    meetings.register(meeting, user=user, first_name="Mehdi")
    db.session.commit()

    auth.login("relay@example.org")
    data = client.get("/compte/mes-donnees.json").get_json()
    assert data["directory_card"]["public_email"] == "mehdi.public@example.org"
    assert data["directory_card"]["communes"] == ["Wingles"]
    assert [(e["commune"], e["people"], e["text"]) for e in data["activity_log"]] == [("Wingles", 12, "Marché du samedi")]
    assert [(r["meeting"], r["status"]) for r in data["meeting_registrations"]] == [("Rencontre de Wingles", "confirmed")]
