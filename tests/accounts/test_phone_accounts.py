"""An account on a mobile number (issue 21): the number, a 6-digit code by SMS
(read here from the SMS outbox), and the person is signed in; a new number
creates its account with a pseudonym; a number typed at registration is
attached once its code is typed. Codes: hashed, 10 minutes, 5 tries, once;
sending them is limited per number and per address. The number and its SMS
are in the download, go with the account and past their retention."""
from __future__ import annotations

import pytest

import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import func, select, update

from labo.accounts.models import PhoneCode, User
from labo.core.db import utcnow
from labo.extensions import db
from labo.privacy.export import personal_data_zip
from labo.privacy.personal_data import erase_user, export_personal_data
from labo.privacy.retention import purge
from labo.sms.models import SmsMessage
from tests.conftest import page_text
from tests.factories import create_user

MOBILE, E164 = "06 12 34 56 78", "+33612345678"


def sms_to(phone: str = E164) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.recipient == phone).order_by(SmsMessage.id)))


def last_code(phone: str = E164) -> str:
    db.session.expire_all()
    match = re.search(r"\b(\d{6})\b", sms_to(phone)[-1].body)
    assert match, sms_to(phone)[-1].body
    return match.group(1)


def ask_code(auth, phone: str = MOBILE):
    return auth.post("/compte/telephone", {"phone": phone})


def type_code(auth, code: str):
    return auth.post("/compte/telephone/code", {"code": code})


def signed_in_as(client) -> str:
    response = client.get("/compte/")
    return page_text(response) if response.status_code == 200 else ""


def with_phone(pseudonym: str = "Josiane", phone: str = E164) -> User:
    user = create_user(pseudonym)
    user.phone = phone
    db.session.commit()
    return user


def test_the_sign_in_page_offers_the_phone_in_plain_words(client):
    text = page_text(client.get("/compte/connexion"))
    assert "Avec mon numéro de portable" in text and "pas besoin de mot de passe" in text


def test_a_person_signs_in_with_their_number_and_the_code_sent_by_sms(client, auth):
    with_phone("Josiane")
    sent = ask_code(auth)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/compte/telephone/code")
    [message] = sms_to()
    assert message.purpose == "sign-in-code" and message.status == "sent"
    page = page_text(client.get("/compte/telephone/code"))
    assert "06 •• •• •• 78" in page and "10 minutes" in page
    done = type_code(auth, last_code())
    assert done.status_code == 302
    assert "Josiane" in signed_in_as(client)


@pytest.mark.parametrize("role", ["admin", "referent", "copil"])
def test_an_account_with_rights_over_others_does_not_open_on_an_sms_code_alone(client, auth, role):
    from labo.accounts.models import Role, RoleGrant
    from labo.territory.models import Commune

    user = with_phone("Marcelle")
    commune_id = db.session.scalar(select(Commune.id).where(Commune.slug == "lens")) if role == "referent" else None
    db.session.add(RoleGrant(user_id=user.id, role=Role(role).value, commune_id=commune_id))
    db.session.commit()
    ask_code(auth)
    refused = type_code(auth, last_code())
    assert refused.status_code == 302 and "/compte/connexion" in refused.headers["Location"]
    assert "il s'ouvre avec son mot de passe" in page_text(client.get(refused.headers["Location"]))
    assert "Marcelle" not in signed_in_as(client)


def test_a_number_without_an_account_gets_one_with_a_pseudonym_only(client, auth):
    ask_code(auth)
    chosen = type_code(auth, last_code())
    assert chosen.headers["Location"].endswith("/compte/telephone/nouveau")
    made = auth.post("/compte/telephone/nouveau", {"pseudonym": "Mounir de Liévin"})
    assert made.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == E164))
    assert user.pseudonym == "Mounir de Liévin" and user.email is None
    assert "Mounir de Liévin" in signed_in_as(client)


def test_the_pseudonym_page_needs_a_number_just_checked(client, auth):
    assert client.get("/compte/telephone/nouveau").headers["Location"].startswith("/compte/telephone")
    assert client.get("/compte/telephone/code").headers["Location"].startswith("/compte/telephone")


def test_a_landline_or_a_wrong_number_is_refused_with_a_clear_message(auth):
    landline = ask_code(auth, "03 21 12 34 56")
    assert landline.status_code == 422 and "ne peut pas recevoir de SMS" in page_text(landline)
    wrong = ask_code(auth, "06 12")
    assert wrong.status_code == 422 and "ne semble pas juste" in page_text(wrong)
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0


def test_the_code_is_kept_hashed_only(auth):
    ask_code(auth)
    code = last_code()
    row = db.session.scalar(select(PhoneCode))
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_five_wrong_tries_end_the_code_even_for_the_right_one(app, client, auth, monkeypatch):
    # The code's own 5 tries, not the rate limit of wrong codes per number (tested below).
    monkeypatch.setitem(app.config, "LABO_AUTH_RATE_LIMIT", "100 per minute")
    with_phone("Josiane")
    ask_code(auth)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    first = type_code(auth, wrong)
    assert first.status_code == 422 and "Encore 4 essais." in page_text(first)
    for _ in range(4):
        type_code(auth, wrong)
    late = type_code(auth, code)
    assert late.status_code == 422 and "ne marche plus" in page_text(late)
    assert "Josiane" not in signed_in_as(client)


def test_a_code_older_than_ten_minutes_no_longer_works(client, auth):
    with_phone("Josiane")
    ask_code(auth)
    code = last_code()
    db.session.execute(update(PhoneCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    refused = type_code(auth, code)
    assert refused.status_code == 422 and "ne marche plus" in page_text(refused)


def test_a_code_serves_once_and_a_new_code_ends_the_old_one(client, auth):
    with_phone("Josiane")
    ask_code(auth)
    old = last_code()
    ask_code(auth)
    new = last_code()
    if old != new:
        assert type_code(auth, old).status_code == 422
    assert type_code(auth, new).status_code == 302
    auth.logout()
    auth.client.get("/compte/telephone")
    with auth.client.session_transaction() as session:
        session["phone_pending"] = {"phone": E164, "user_id": None}
    assert type_code(auth, new).status_code == 422


def test_codes_sent_to_one_number_are_limited(app, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_CODE_RATE_LIMIT", "3 per 10 minutes")
    for _ in range(3):
        assert ask_code(auth).status_code == 302
    assert ask_code(auth, "+33 6 12 34 56 78").status_code == 429
    assert ask_code(auth, "07 81 22 33 44").status_code == 302
    assert len(sms_to()) == 3


def test_a_made_up_field_does_not_give_each_sign_up_a_counter_of_its_own(app, auth, monkeypatch):
    # Registration reads the number from its "email" field: the limit counts that one.
    monkeypatch.setitem(app.config, "LABO_SMS_CODE_RATE_LIMIT", "3 per 10 minutes")
    for n in range(5):
        auth.logout()  # a sign-up signs in: each try comes from a visitor again
        auth.post("/compte/inscription", {"pseudonym": f"Nadia{n}", "password": "un mot de passe", "email": MOBILE,
                                          "phone": f"06 12 34 56 {70 + n}"})
    assert len(sms_to()) == 3


def test_codes_sent_from_one_address_are_limited(app, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_CODE_ADDRESS_RATE_LIMIT", "2 per 10 minutes")
    assert ask_code(auth, "06 12 34 56 71").status_code == 302
    assert ask_code(auth, "06 12 34 56 72").status_code == 302
    assert ask_code(auth, "06 12 34 56 73").status_code == 429


def test_wrong_codes_for_one_number_are_limited_too(app, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_AUTH_RATE_LIMIT", "3 per minute")
    with_phone("Josiane")
    ask_code(auth)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert type_code(auth, wrong).status_code == 422
    assert type_code(auth, code).status_code == 429


def test_past_the_monthly_ceiling_the_person_is_told_and_no_code_goes(app, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 0)
    refused = ask_code(auth)
    assert refused.headers["Location"].startswith("/compte/telephone")
    assert "tous les SMS prévus pour ce mois" in page_text(auth.client.get(refused.headers["Location"]))
    [message] = sms_to()
    assert message.status == "failed" and message.error_code == "sms-monthly-limit"


def test_registering_with_a_number_attaches_it_once_its_code_is_typed(client, auth):
    made = auth.post("/compte/inscription", {"pseudonym": "Nadia", "password": "un mot de passe", "email": MOBILE,
                                              "home_commune": "", "age_band": ""})
    assert made.headers["Location"].endswith("/compte/telephone/code")
    user = db.session.scalar(select(User).where(User.pseudonym == "Nadia"))
    assert user.phone is None and user.email is None and user.pending_email is None
    assert sms_to()[-1].purpose == "phone-confirm"
    assert "Enregistrer mon numéro" in page_text(client.get("/compte/telephone/code"))
    assert type_code(auth, last_code()).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).phone == E164
    auth.logout()
    ask_code(auth)
    type_code(auth, last_code())
    assert "Nadia" in signed_in_as(client)


def test_a_number_another_account_has_is_not_attached_twice(client, auth):
    with_phone("Josiane")
    auth.post("/compte/inscription", {"pseudonym": "Nadia", "password": "un mot de passe", "email": MOBILE})
    refused = type_code(auth, last_code())
    assert refused.status_code == 422 and "déjà celui d'un autre compte" in page_text(refused)
    assert db.session.scalar(select(User.phone).where(User.pseudonym == "Nadia")) is None


def test_registering_with_a_landline_says_why(auth):
    refused = auth.post("/compte/inscription", {"pseudonym": "Nadia", "password": "un mot de passe",
                                                "email": "03 21 12 34 56"})
    assert refused.status_code == 422 and "ne peut pas recevoir de SMS" in page_text(refused)
    assert db.session.scalar(select(User).where(User.pseudonym == "Nadia")) is None


def test_registering_with_an_email_still_works_and_a_bad_one_is_refused(auth):
    bad = auth.post("/compte/inscription", {"pseudonym": "Nadia", "password": "un mot de passe", "email": "nadia@"})
    assert bad.status_code == 422 and "adresse e-mail n'est pas valide" in page_text(bad)
    good = auth.post("/compte/inscription", {"pseudonym": "Nadia", "password": "un mot de passe",
                                             "email": "nadia@example.org"})
    assert good.status_code == 302
    assert db.session.scalar(select(User.pending_email).where(User.pseudonym == "Nadia")) == "nadia@example.org"


# --- personal data ------------------------------------------------------------------


def test_the_number_and_its_sms_are_in_the_owner_s_download(app, client, auth):
    with_phone("Josiane")
    ask_code(auth)
    type_code(auth, last_code())
    user = db.session.scalar(select(User).where(User.phone == E164))
    data = export_personal_data(user)
    assert data["phone"] == E164
    assert [m["purpose"] for m in data["text_messages"]] == ["sign-in-code"]
    with zipfile.ZipFile(io.BytesIO(personal_data_zip(user))) as archive:
        account = archive.read("tables/user_account.csv").decode("utf-8-sig")
        codes = archive.read("tables/phone_code.csv").decode("utf-8-sig") if "tables/phone_code.csv" in archive.namelist() else ""
    assert E164 in account
    assert "code_hash" not in codes  # the codes' hashes are secrets, like the password's


def test_a_wrong_code_is_typed_afresh(auth):
    with_phone("Josiane")
    ask_code(auth)
    refused = type_code(auth, "999999" if last_code() != "999999" else "888888")
    assert refused.status_code == 422 and 'value="999999"' not in refused.get_data(as_text=True)


def test_erasing_the_account_erases_its_number_its_sms_and_its_codes(app, auth):
    with_phone("Josiane")
    ask_code(auth)
    user = db.session.scalar(select(User).where(User.phone == E164))
    erase_user(app.config, user)
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id)).where(User.phone == E164)) == 0
    assert sms_to() == [] and db.session.scalar(select(func.count(PhoneCode.id))) == 0


def test_sms_are_kept_no_longer_than_their_declared_retention(app, auth):
    ask_code(auth)
    ask_code(auth, "07 81 22 33 44")
    db.session.execute(update(SmsMessage).where(SmsMessage.recipient == E164)
                       .values(created_at=utcnow() - timedelta(days=91)))
    db.session.commit()
    done = purge(app.config)
    db.session.commit()
    assert done["SMS"] == 1
    assert sms_to() == [] and len(sms_to("+33781223344")) == 1
    assert "Les SMS envoyés par le site" in page_text(auth.client.get("/confidentialite"))


def _new_phone_account(auth, pseudonym: str = "Mounir") -> User:
    ask_code(auth)
    type_code(auth, last_code())
    auth.post("/compte/telephone/nouveau", {"pseudonym": pseudonym})
    return db.session.scalar(select(User).where(User.phone == E164))


def test_an_account_made_on_a_number_has_no_password_anyone_can_type(auth):
    user = _new_phone_account(auth)
    auth.logout()
    refused = auth.login(user.pseudonym, "")
    assert refused.status_code == 422
    refused = auth.login(user.pseudonym, user.password_hash)
    assert refused.status_code == 422 and "incorrect" in page_text(refused)


def test_an_account_on_a_number_confirms_its_erasure_with_a_code_by_sms(app, client, auth):
    user = _new_phone_account(auth)
    user_id = user.id
    profile = page_text(client.get("/compte/"))
    assert "Recevoir un code par SMS" in profile and "Le code reçu par SMS, pour confirmer" in profile
    sent = auth.post("/compte/supprimer/code", form_page="/compte/")
    assert sent.status_code == 302 and sms_to()[-1].purpose == "erase-confirm"
    wrong = auth.post("/compte/supprimer", {"erase-password": "000000" if last_code() != "000000" else "111111"},
                      form_page="/compte/")
    assert wrong.status_code == 422 and "pas le bon code" in page_text(wrong)
    done = auth.post("/compte/supprimer", {"erase-password": last_code()}, form_page="/compte/")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert sms_to() == [] and db.session.scalar(select(func.count(PhoneCode.id))) == 0


def test_an_account_with_a_password_gets_no_erasure_code(client, auth):
    user = with_phone("Josiane")
    auth.login(user.email)
    assert "Recevoir un code par SMS" not in page_text(client.get("/compte/"))
    assert auth.post("/compte/supprimer/code", form_page="/compte/").status_code == 404
    assert sms_to() == []


# --- the number in one's profile: add, change, remove; a first password -------------------


def test_from_the_profile_a_person_adds_a_number_then_changes_it(client, auth):
    create_user("Yvette", email="yvette@example.org")
    auth.login("yvette@example.org")
    profile = page_text(client.get("/compte/"))
    assert "Ajouter un numéro de portable" in profile
    sent = auth.post("/compte/telephone/changer", {"phone": MOBILE}, form_page="/compte/")
    assert sent.headers["Location"].startswith("/compte/telephone/code")
    done = auth.post(sent.headers["Location"], {"code": last_code()})  # the page the browser is sent to
    assert done.headers["Location"] == "/compte/"
    db.session.expire_all()
    assert db.session.scalar(select(User.phone).where(User.pseudonym == "Yvette")) == E164
    assert "06 12 34 56 78" in page_text(client.get("/compte/"))

    auth.post("/compte/telephone/changer", {"phone": "07 81 22 33 44"}, form_page="/compte/")
    type_code(auth, last_code("+33781223344"))
    db.session.expire_all()
    assert db.session.scalar(select(User.phone).where(User.pseudonym == "Yvette")) == "+33781223344"
    bad = auth.post("/compte/telephone/changer", {"phone": "03 21 12 34 56"}, form_page="/compte/")
    assert bad.status_code == 422 and "ne peut pas recevoir de SMS" in page_text(bad)


def test_an_account_on_a_number_chooses_a_password_before_it_can_remove_the_number(client, auth):
    ask_code(auth)
    type_code(auth, last_code())
    auth.post("/compte/telephone/nouveau", {"pseudonym": "Mounir"})
    profile = page_text(client.get("/compte/"))
    assert "Choisir un mot de passe" in profile and "Mot de passe actuel" not in profile
    assert "Retirer ce numéro du compte" not in profile
    refused = auth.post("/compte/telephone/retirer", {}, form_page="/compte/")
    assert "choisissez d'abord un mot de passe" in page_text(client.get(refused.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalar(select(User.phone).where(User.pseudonym == "Mounir")) == E164

    chosen = auth.post("/compte/mot-de-passe", {"pw-password": "un mot de passe sûr"}, form_page="/compte/")
    assert chosen.status_code == 302
    removed = auth.post("/compte/telephone/retirer", {}, form_page="/compte/")
    assert "Votre numéro de portable est retiré" in page_text(client.get(removed.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalar(select(User.phone).where(User.pseudonym == "Mounir")) is None
    auth.logout()
    assert auth.login("Mounir", "un mot de passe sûr").status_code == 302
    assert "Mounir" in signed_in_as(client)
