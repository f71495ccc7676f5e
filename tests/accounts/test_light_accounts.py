"""A light account (issue 18): a pseudonym and a password, signed in at once
and back where the person was going; an email only if they want one, attached
once confirmed; without one, a referent's one-time code to choose a new password."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from labo.accounts.models import User
from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.mail.models import OutboxMessage
from tests.conftest import Auth, csrf_from, page_text
from tests.factories import PASSWORD, create_admin, create_referent, create_user

CODE_RE = re.compile(r"\b([A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4})\b")


def outbox_for(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)))


def href(page: str, text: str) -> str:
    """The address of the link whose text is `text`, in the page's main part (not the menu)."""
    page = page.split("<main", 1)[1]
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*>' + re.escape(text) + "</a>", page)
    assert match, f"no link {text!r}"
    return match.group(1).replace("&amp;", "&")


def form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)" class="form"', page)
    assert match, "no form"
    return match.group(1).replace("&amp;", "&")


def by_pseudonym(name: str) -> User:
    return db.session.scalar(select(User).where(User.pseudonym == name))


def confirmation_link(email: str) -> str:
    match = re.search(r"https?://localhost(/compte/adresse/\S+)", outbox_for(email)[-1].body)
    assert match, outbox_for(email)[-1].body
    return match.group(1)


# --- registering: light, signed in, back where one was going ---------------------


def test_from_a_page_that_needs_an_account_to_registered_and_back_on_it(client):
    """Sent to log in by a page, the newcomer creates an account with a
    pseudonym and a password only, and is back on that page, signed in."""
    sent = client.get("/compte/")
    assert sent.status_code == 302
    login_url = sent.headers["Location"]
    assert unquote(login_url).endswith("/compte/connexion?next=/compte/")
    login_page = client.get(login_url).get_data(as_text=True)
    assert unquote(form_action(login_page)) == "/compte/connexion?next=/compte/"
    register_url = href(login_page, "Créer un compte")
    assert unquote(register_url) == "/compte/inscription?next=/compte/"
    register_page = client.get(register_url).get_data(as_text=True)
    # The way back to logging in keeps where the person was going, too.
    assert unquote(href(register_page, "me connecter")) == "/compte/connexion?next=/compte/"
    response = client.post(form_action(register_page), data={
        "csrf_token": csrf_from(register_page), "pseudonym": "Nadia", "password": "mon beau quartier"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/"
    profile = client.get("/compte/")
    assert profile.status_code == 200
    assert "Nadia" in page_text(profile)
    user = by_pseudonym("Nadia")
    assert user.email is None and user.pending_email is None
    assert db.session.scalar(select(OutboxMessage.id)) is None  # no address, no mail


def test_the_registration_form_asks_no_field_twice_and_says_why_an_email(client):
    page = page_text(client.get("/compte/inscription"))
    assert page.count('type="password"') == 1
    assert "Facultatif : pour retrouver votre mot de passe et savoir quand on vous répond." in page
    assert re.search(r'<details class="filters">\s*<summary>Plus tard, ou maintenant \(facultatif\)', page)


def test_registering_never_sends_elsewhere_than_this_site(auth):
    response = auth.post("/compte/inscription?next=//evil.example/x",
                         {"pseudonym": "Prudente", "password": "mon beau quartier"}, form_page="/compte/inscription")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_signed_in_visitor_sent_to_register_goes_on_to_the_page(auth, client):
    create_user(pseudonym="Déjà", email="deja@example.org")
    auth.login("deja@example.org")
    response = client.get("/compte/inscription?next=/idees/")
    assert response.status_code == 302 and response.headers["Location"] == "/idees/"


# --- an email only if wanted, attached once confirmed ---------------------------


def test_the_confirmation_link_attaches_the_address_with_one_button(client, auth):
    auth.post("/compte/inscription", {"pseudonym": "Sami", "password": "mon beau quartier", "email": "Sami@Example.org"})
    link = confirmation_link("sami@example.org")
    auth.logout()  # opened later, from the mail program
    page = client.get(link)
    assert page.status_code == 200 and "sami@example.org" in page_text(page)
    assert by_pseudonym("Sami").email is None  # opening the link attaches nothing yet
    response = auth.post(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte/connexion")
    user = by_pseudonym("Sami")
    db.session.refresh(user)
    assert user.email == "sami@example.org" and user.pending_email is None
    # Now the address logs in too, and the link has served.
    assert auth.login("sami@example.org", "mon beau quartier").status_code == 302
    used = client.get(link)
    assert used.status_code == 400 and "Ce lien ne marche plus" in page_text(used)


def test_a_forged_or_expired_confirmation_link_is_refused(app, client):
    from labo.accounts.services import confirmation_token

    user = create_user(pseudonym="Tard")
    user.pending_email = "tard@example.org"
    db.session.commit()
    assert client.get("/compte/adresse/pas-un-jeton").status_code == 400
    token = confirmation_token(app.config, user)
    app.config["LABO_EMAIL_CONFIRM_MAX_AGE"] = -1
    try:
        assert client.get(f"/compte/adresse/{token}").status_code == 400
    finally:
        del app.config["LABO_EMAIL_CONFIRM_MAX_AGE"]
    assert client.get(f"/compte/adresse/{token}").status_code == 200


def test_an_address_taken_in_the_meantime_is_not_attached(client, auth):
    auth.post("/compte/inscription", {"pseudonym": "Lina", "password": "mon beau quartier", "email": "partage@example.org"})
    auth.logout()
    auth.post("/compte/inscription", {"pseudonym": "Rayan", "password": "mon beau quartier", "email": "partage@example.org"})
    auth.logout()
    first, second = [m.body for m in outbox_for("partage@example.org")]
    second_link = re.search(r"(/compte/adresse/\S+)", second).group(1)
    first_link = re.search(r"(/compte/adresse/\S+)", first).group(1)
    assert auth.post(second_link).status_code == 302
    refused = auth.post(first_link)
    assert refused.status_code == 409
    assert "déjà celle d'un autre compte" in page_text(refused)
    assert by_pseudonym("Rayan").email == "partage@example.org"
    assert by_pseudonym("Lina").email is None


def test_the_profile_shows_the_waiting_address_and_changes_it_the_same_way(client, auth):
    create_user(pseudonym="Yasmine", email=None)
    user = by_pseudonym("Yasmine")
    user.email = None
    db.session.commit()
    auth.login("Yasmine")
    page = page_text(client.get("/compte/"))
    assert "Ajouter une adresse e-mail" in page and "aucune" in page
    response = auth.post("/compte/adresse", {"mail-email": "yasmine@example.org"}, form_page="/compte/")
    assert response.status_code == 302
    page = page_text(client.get("/compte/"))
    assert "yasmine@example.org : en attente de confirmation" in page
    first_link = confirmation_link("yasmine@example.org")
    # Asking for another address voids the first link.
    auth.post("/compte/adresse", {"mail-email": "yasmine.b@example.org"}, form_page="/compte/")
    assert client.get(first_link).status_code == 400
    assert auth.post(confirmation_link("yasmine.b@example.org")).status_code == 302
    db.session.refresh(user)
    assert user.email == "yasmine.b@example.org" and user.pending_email is None
    assert "Changer d'adresse e-mail" in page_text(client.get("/compte/"))


def test_the_profile_answers_alike_for_an_address_another_account_has(client, auth):
    create_user(pseudonym="Proprio", email="pris@example.org")
    create_user(pseudonym="Curieux", email="curieux@example.org")
    auth.login("curieux@example.org")
    taken = auth.post("/compte/adresse", {"mail-email": "pris@example.org"}, form_page="/compte/")
    taken_page = page_text(client.get("/compte/"))
    free = auth.post("/compte/adresse", {"mail-email": "libre@example.org"}, form_page="/compte/")
    free_page = page_text(client.get("/compte/"))
    assert taken.status_code == free.status_code == 302
    assert "Nous avons envoyé un lien à pris@example.org" in taken_page
    assert "Nous avons envoyé un lien à libre@example.org" in free_page
    assert "pris@example.org : en attente de confirmation" in taken_page
    # The owner is told; no link that would attach their address is sent.
    told = outbox_for("pris@example.org")
    assert len(told) == 1 and "/compte/adresse/" not in told[0].body
    assert by_pseudonym("Curieux").email == "curieux@example.org"


def test_an_invalid_address_on_the_profile_is_refused_plainly(auth):
    create_user(email="moi@example.org")
    auth.login("moi@example.org")
    response = auth.post("/compte/adresse", {"mail-email": "pas une adresse"}, form_page="/compte/")
    assert response.status_code == 422
    assert "Cette adresse e-mail n'est pas valide." in page_text(response)


def test_the_waiting_address_is_in_the_download_and_goes_with_the_account(client, auth):
    auth.post("/compte/inscription", {"pseudonym": "Ines", "password": "mon beau quartier", "email": "ines@example.org"})
    data = client.get("/compte/mes-donnees.json").get_json()
    assert data["email"] is None and data["pending_email"] == "ines@example.org"
    assert outbox_for("ines@example.org")
    response = auth.post("/compte/supprimer", {"erase-password": "mon beau quartier"}, form_page="/compte/")
    assert response.status_code == 302
    assert by_pseudonym("Ines") is None
    assert outbox_for("ines@example.org") == []  # the link kept for it goes too


def test_erasing_an_account_keeps_the_mail_of_the_address_it_had_typed_if_it_is_someone_elses(auth):
    create_user(pseudonym="Titulaire", email="titulaire@example.org")
    auth.post("/compte/inscription", {"pseudonym": "Passant", "password": "mon beau quartier", "email": "titulaire@example.org"})
    assert len(outbox_for("titulaire@example.org")) == 1
    auth.post("/compte/supprimer", {"erase-password": "mon beau quartier"}, form_page="/compte/")
    assert by_pseudonym("Passant") is None
    assert len(outbox_for("titulaire@example.org")) == 1


# --- logging in with a pseudonym ---------------------------------------------------


def test_the_pseudonym_logs_in_whatever_its_case_or_accents(auth, client):
    create_user(pseudonym="Hélène Dupré", email="helene@example.org")
    assert auth.login("  helene DUPRE ", PASSWORD).status_code == 302
    assert "Hélène Dupré" in page_text(client.get("/compte/"))
    auth.logout()
    assert auth.login("helene@example.org", PASSWORD).status_code == 302


def test_the_login_field_takes_a_pseudonym_or_an_address(client):
    page = client.get("/compte/connexion").get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", page).group(0)
    assert 'type="text"' in field and 'autocomplete="username"' in field
    assert "Pseudonyme ou adresse e-mail" in page


def test_the_forgotten_password_page_tells_who_has_no_address_what_to_do(client):
    page = page_text(client.get("/compte/mot-de-passe-oublie"))
    assert "Pas d'adresse e-mail dans votre compte ?" in page
    assert "personne référente de votre commune" in page
    assert 'href="/compte/code"' in page


# --- a referent's one-time code ------------------------------------------------------


def resident_without_email(pseudonym: str = "Mireille", home: str = "lens") -> User:
    user = create_user(pseudonym=pseudonym, home=home)
    user.email = None
    db.session.commit()
    return user


def give_code(auth, person: User, q: str = "mir") -> str:
    response = auth.post(f"/compte/verifier/{person.id}/code?q={q}", form_page=f"/compte/verifier?q={q}")
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return CODE_RE.search(page_text(response)).group(1)


def use_code(app, pseudonym: str, code: str, password: str = "mon nouveau secret"):
    browser = Auth(app.test_client())
    return browser, browser.post("/compte/code", {"pseudonym": pseudonym, "code": code, "password": password})


def test_a_referent_gives_a_code_that_changes_the_password_once(app, client, auth):
    person = resident_without_email()
    referent = create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    page = page_text(client.get("/compte/verifier?q=mir"))
    assert "Donner un code pour changer de mot de passe" in page
    code = give_code(auth, person)
    db.session.refresh(person)
    assert person.reset_code_hash and code.replace("-", "") not in person.reset_code_hash
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.reset_code_issued"))
    assert entry.actor_id == referent.id and entry.target_id == person.id
    assert code not in str(entry.details)

    # Typed by the person, in small letters and without the dash.
    browser, response = use_code(app, "mireille", code.lower().replace("-", " "))
    assert response.status_code == 302
    assert "Mireille" in page_text(browser.client.get("/compte/"))  # signed in
    db.session.refresh(person)
    assert person.reset_code_hash is None
    other = Auth(app.test_client())
    assert other.login("Mireille", PASSWORD).status_code == 422
    assert other.login("Mireille", "mon nouveau secret").status_code == 302
    # The code served once.
    _, again = use_code(app, "Mireille", code, "encore un autre")
    assert again.status_code == 422
    assert "Ce pseudonyme et ce code ne vont pas ensemble" in page_text(again)


def test_a_wrong_or_expired_code_is_refused_plainly(app):
    from labo.accounts.services import issue_reset_code
    from labo.core.db import utcnow

    person = resident_without_email()
    admin = create_admin()
    code = issue_reset_code(app.config, admin, person, utcnow() - timedelta(hours=25))
    db.session.commit()
    _, expired = use_code(app, "Mireille", code)
    assert expired.status_code == 422
    code = issue_reset_code(app.config, admin, person, utcnow())
    db.session.commit()
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    for pseudonym, typed in (("Mireille", wrong), ("Personne d'autre", code)):
        _, response = use_code(app, pseudonym, typed)
        assert response.status_code == 422
        assert "demandez un nouveau code à une personne référente" in page_text(response)
    db.session.refresh(person)
    assert person.reset_code_hash is not None  # wrong tries leave the right code usable
    assert use_code(app, "Mireille", code)[1].status_code == 302


def test_a_person_with_an_address_is_told_a_code_was_given(auth):
    person = create_user(pseudonym="Mirabelle", email="mirabelle@example.org", home="lens")
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    code = give_code(auth, person)
    body = outbox_for("mirabelle@example.org")[-1].body
    assert "code" in body and code not in body


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302),
    ("resident", 403),
    ("referent of another commune", 403),
    ("referent of the commune", 200),
    ("admin", 200),
])
def test_who_may_give_a_code(auth, who, expected):
    person = resident_without_email()
    accounts = {
        "resident": create_user(email="voisin@example.org", home="lens"),
        "referent of another commune": create_referent("lievin", email="autre@example.org"),
        "referent of the commune": create_referent("lens", email="ref@example.org"),
        "admin": create_admin(email="admin@example.org"),
    }
    if who != "anonymous":
        auth.login(accounts[who].email)
    response = auth.post(f"/compte/verifier/{person.id}/code", form_page="/")
    assert response.status_code == expected
    issued = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.reset_code_issued"))
    assert (issued is not None) == (expected == 200)


def test_a_referent_gives_no_code_for_an_administrator_another_referent_or_someone_elsewhere(auth, client):
    from labo.accounts.models import Role

    create_referent("lens", email="ref@example.org")
    admin = create_user(pseudonym="Mireille Admin", home="lens", roles=[(Role.ADMIN, None)])
    colleague = create_user(pseudonym="Mireille Ref", home="lens", roles=[(Role.REFERENT, "lens")])
    nowhere = create_user(pseudonym="Mireille Sans Commune")
    auth.login("ref@example.org")
    for person in (admin, colleague, nowhere):
        response = auth.post(f"/compte/verifier/{person.id}/code", form_page="/")
        assert response.status_code == 403, person.pseudonym
    page = page_text(client.get("/compte/verifier?q=mireille"))
    assert "Donner un code pour changer de mot de passe" not in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.reset_code_issued")) is None


def test_the_zip_download_has_the_waiting_address_but_never_a_codes_hash(app, client, auth):
    import io
    import zipfile

    from labo.accounts.services import issue_reset_code
    from labo.core.db import utcnow

    auth.post("/compte/inscription", {"pseudonym": "Zoé", "password": "mon beau quartier", "email": "zoe@example.org"})
    zoe = by_pseudonym("Zoé")
    issue_reset_code(app.config, create_admin(), zoe, utcnow())
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compte/mes-donnees.zip").data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"zoe@example.org" in archive.read("tables/user_account.csv")
    assert b"reset_code_hash" not in everything and zoe.reset_code_hash.encode() not in everything
