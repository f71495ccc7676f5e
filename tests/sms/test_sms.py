"""Text messages: numbers in E.164 and contacts, the outbox, Brevo's API
against a stand-in server this test starts (its answers, errors and
silences), delivery after the caller's commit and again by the tick, the
alphabet and segments, the monthly ceiling (under concurrency, its bulk
share), what the table keeps, and the administrator's SMS page."""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from labo.core.db import utcnow
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.sms.models import SmsMessage, SmsMonthCount
from labo.sms.numbers import (InvalidContact, InvalidPhone, format_phone, looks_like_phone, mask_phone, normalize_phone,
                              read_contact)
from labo.sms.services import (deliver_pending, encoding, plain_text, segments, send_sms, sent_this_month,
                               sms_error_message)
from tests.conftest import page_text
from tests.factories import create_admin, create_user
from tests.servers import free_port


# --- numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78",
                                   "0033 6 12 34 56 78", " +33612345678 "])
def test_a_french_mobile_number_typed_any_way_is_one_e164_number(typed):
    assert normalize_phone(typed) == "+33612345678"


def test_a_number_with_its_country_code_keeps_its_country():
    assert normalize_phone("+32 470 12 34 56") == "+32470123456"
    assert normalize_phone("0470 12 34 56", region="BE") == "+32470123456"


@pytest.mark.parametrize("typed", ["", "06 12 34", "12345678901234567", "06 12 34 56 7a", "bonjour", "00 00 00 00 00"])
def test_what_is_not_a_phone_number_is_refused_with_its_code(typed):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(typed)
    assert refused.value.code == "phone-invalid" and isinstance(refused.value, ServiceError)


def test_a_landline_is_a_number_but_cannot_receive_a_text():
    assert normalize_phone("03 21 12 34 56") == "+33321123456"
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone("03 21 12 34 56", mobile=True)
    assert refused.value.code == "phone-not-mobile"


def test_a_contact_field_tells_a_phone_from_an_email():
    assert looks_like_phone("06 12 34 56 78") and looks_like_phone("+33 6 12 34 56 78")
    assert not looks_like_phone("josiane@example.org") and not looks_like_phone("Josiane")
    assert not looks_like_phone("06")


def test_one_reading_of_a_contact_field_for_every_form():
    assert read_contact(" Josiane@Example.org ") == ("email", "josiane@example.org")
    assert read_contact("06 12 34 56 78") == ("phone", "+33612345678")
    assert read_contact("+32 470 12 34 56") == ("phone", "+32470123456")
    for typed, code in [("", "contact-empty"), ("   ", "contact-empty"), ("Josiane", "contact-invalid"),
                        ("josiane@", "contact-invalid"), ("jo siane@example.org", "contact-invalid"), ("06", "contact-invalid")]:
        with pytest.raises(InvalidContact) as refused:
            read_contact(typed)
        assert (refused.value.code, refused.value.field) == (code, "contact"), typed
    with pytest.raises(InvalidPhone) as refused:
        read_contact("03 21 12 34 56")  # a landline cannot take a text message
    assert refused.value.code == "phone-not-mobile"
    with pytest.raises(InvalidPhone):
        read_contact("00 00 00 00 00")


def test_numbers_are_shown_as_people_read_them():
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert mask_phone("+33612345678") == "06\u00a0••\u00a0••\u00a0••\u00a078"


# --- the outbox (the default) --------------------------------------------------------

def test_without_a_provider_a_text_is_kept_in_the_outbox_and_never_leaves(app, caplog):
    message = send_sms("06 12 34 56 78", "Votre code : 904817", purpose="sign-in-code")
    reminder = send_sms("07 81 22 33 44", "Rappel : rencontre demain", purpose="meeting-reminder")
    db.session.commit()
    assert (message.recipient, message.status, message.backend, message.tries) == ("+33612345678", "sent", "outbox", 1)
    # The outbox is where development reads the codes: it keeps them whole, but the log never has them.
    assert message.body == "Votre code : 904817"
    assert "904817" not in caplog.text and "+33612345678" in caplog.text
    assert "Rappel : rencontre demain" in caplog.text
    assert reminder.status == "sent" and sent_this_month() == 2


def test_a_text_to_a_landline_or_an_empty_text_is_refused_and_nothing_is_stored(app):
    with pytest.raises(InvalidPhone):
        send_sms("03 21 12 34 56", "Bonjour", purpose="test")
    with pytest.raises(ServiceError) as refused:
        send_sms("06 12 34 56 78", "   ", purpose="test")
    assert refused.value.code == "sms-empty"
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0


def test_the_administrator_reads_the_sms_and_what_became_of_them(client, auth, app, monkeypatch):
    send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 1)
    send_sms("07 81 22 33 44", "Rappel : rencontre demain", purpose="meeting-reminder")
    db.session.commit()
    admin = create_admin()
    auth.login(admin.email)
    text = page_text(client.get("/admin/sms"))
    # A one-time code is masked: reading the page must not let anyone sign in in the person's place.
    assert "À 06 12 34 56 78" in text and "Votre code : ••••••" in text and "Gardé ici, pas envoyé." in text
    assert "123456" not in text
    assert "À 07 81 22 33 44" in text and "Pas envoyé." in text and "tous les SMS prévus pour ce mois" in text
    assert "Ce mois-ci : 1 SMS sur 1 au plus." in text
    assert "2 messages." in page_text(client.get("/admin/"))


def test_only_an_administrator_reads_the_sms(client, auth):
    send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    db.session.commit()
    resident = create_user()
    auth.login(resident.email)
    response = client.get("/admin/sms")
    assert response.status_code == 403 and "123456" not in page_text(response)


# --- the monthly ceiling --------------------------------------------------------------

def test_past_the_monthly_ceiling_texts_are_kept_as_failed_and_not_sent(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 2)
    sent = [send_sms("06 12 34 56 78", f"Message {n}", purpose="test") for n in range(3)]
    db.session.commit()
    assert [m.status for m in sent] == ["sent", "sent", "failed"]
    assert sent[2].error_code == "sms-monthly-limit" and sent[2].tries == 0
    assert "tous les SMS prévus pour ce mois" in sms_error_message(sent[2].error_code)
    assert sent_this_month() == 2


def test_ten_senders_at_once_never_pass_the_ceiling(app, monkeypatch):
    """Ten requests at once on ten connections, three places left: three go, seven are refused."""
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 3)
    start, statuses, errors = threading.Barrier(10), [], []

    def sender(n: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                statuses.append(send_sms("06 12 34 56 78", f"Message {n}", purpose="test").status)
                db.session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(statuses) == ["failed"] * 7 + ["sent"] * 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count(SmsMessage.id)).where(SmsMessage.status == "sent")) == 3
    assert db.session.scalar(select(SmsMonthCount.sent)) == 3


# --- the alphabet, the segments, the ceiling counted in segments -----------------------

def test_french_text_goes_in_gsm_7_bit_with_its_accents_that_the_alphabet_has():
    text = "Rappel : « Réunion » à l’école, côté fenêtre ; reçu — merci\u00a0! Cœur"
    assert plain_text(text) == 'Rappel : "Réunion" à l\'école, coté fenetre ; recu - merci ! Coeur'
    assert encoding(plain_text(text)) == "gsm7"
    assert encoding("é è à ù ì ò É Ç ä ö ñ ü ß € [ ]") == "gsm7"
    assert encoding("ç") == encoding("ê") == encoding("«") == "ucs2"
    # A name in another script goes in UCS-2 anyway: its French keeps its accents.
    assert plain_text("Réunion chez Маріа, fenêtre") == "Réunion chez Маріа, fenêtre"


def test_segments_are_counted_as_the_provider_bills_them():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2 and segments("a" * 307) == 3
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # an extension character takes two septets
    assert segments("ç" * 70) == 1 and segments("ç" * 71) == 2 and segments("ç" * 134) == 2
    assert segments("🙂" * 35) == 1 and segments("🙂" * 36) == 2  # two UTF-16 units each


def test_the_monthly_ceiling_counts_segments_not_messages(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 5)
    long = send_sms("06 12 34 56 78", "Rappel : " + "la rencontre " * 20, purpose="test")  # 269 characters: 2 SMS
    second = send_sms("06 12 34 56 78", "Rappel : " + "la rencontre " * 20, purpose="test")
    third = send_sms("06 12 34 56 78", "Rappel : " + "la rencontre " * 20, purpose="test")  # 6 > 5
    short = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    db.session.commit()
    assert [m.status for m in (long, second, third, short)] == ["sent", "sent", "failed", "sent"]
    assert third.error_code == "sms-monthly-limit" and sent_this_month() == 5


def test_bulk_messages_leave_a_fifth_of_the_ceiling_to_sign_in_codes(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 10)
    letters = [send_sms("06 12 34 56 78", f"Lettre du Labo {n}", purpose="letter") for n in range(9)]
    reminders = [send_sms("06 12 34 56 78", "Rappel : rencontre demain", purpose="meeting-reminder")]
    codes = [send_sms("07 81 22 33 44", f"Votre code : 12345{n}", purpose="sign-in-code") for n in range(3)]
    db.session.commit()
    assert [m.status for m in letters] == ["sent"] * 8 + ["failed"]
    assert letters[-1].error_code == "sms-monthly-limit" and reminders[0].status == "failed"
    assert [m.status for m in codes] == ["sent", "sent", "failed"]  # the ceiling itself still holds
    monkeypatch.setitem(app.config, "LABO_SMS_BULK_SHARE", 1.0)
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 11)
    assert send_sms("06 12 34 56 78", "Lettre du Labo", purpose="letter").status == "sent"


# --- Brevo, against a stand-in server -------------------------------------------------

class StandIn:
    """A local HTTP server answering like Brevo's SMS API, one scripted answer
    per request (the last one repeats): (status, json body, seconds to wait).
    `arrived` is set when a request comes in."""

    def __init__(self):
        self.answers: list[tuple[int, dict, float]] = [(201, {"messageId": 1511882900176220}, 0)]
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                with stand_in.lock:
                    stand_in.requests.append({"path": self.path, "key": self.headers.get("api-key"),
                                              "json": json.loads(self.rfile.read(length) or b"{}")})
                    status, body, wait = stand_in.answers[min(len(stand_in.requests), len(stand_in.answers)) - 1]
                stand_in.arrived.set()
                time.sleep(wait)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def contents(self) -> list[str]:
        return [r["json"]["content"] for r in self.requests]


@pytest.fixture
def brevo(app, monkeypatch):
    stand_in = StandIn()
    stand_in.thread.start()
    for key, value in {"LABO_SMS_BACKEND": "brevo", "LABO_SMS_API_URL": stand_in.url, "LABO_SMS_API_KEY": "cle-de-test",
                       "LABO_SMS_SENDER": "LaboLens", "LABO_SMS_TIMEOUT": 1, "LABO_SMS_TRIES": 3}.items():
        monkeypatch.setitem(app.config, key, value)
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


def sent(number: str, text: str, purpose: str = "test") -> SmsMessage:
    """send_sms, the caller's commit (the SMS leaves then), and the row read again."""
    message = send_sms(number, text, purpose=purpose)
    db.session.commit()
    db.session.refresh(message)
    return message


def reread(message: SmsMessage) -> SmsMessage:
    """The row as another connection left it (ending the test's own transaction first: on SQLite
    a transaction reads the database as it was when it began)."""
    db.session.commit()
    db.session.refresh(message)
    return message


def test_brevo_is_called_only_once_the_callers_transaction_commits(brevo):
    message = send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    assert message.status == "queued" and brevo.requests == []
    db.session.commit()
    assert len(brevo.requests) == 1
    db.session.refresh(message)
    assert (message.status, message.backend, message.tries) == ("sent", "brevo", 1)
    assert message.provider_message_id == "1511882900176220" and message.sent_at is not None
    [request] = brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send" and request["key"] == "cle-de-test"
    assert request["json"] == {"sender": "LaboLens", "recipient": "33612345678", "content": "Votre code : 123456",
                               "type": "transactional", "unicodeEnabled": False}


def test_a_rolled_back_action_sends_nothing_then_or_later(brevo):
    send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    db.session.rollback()
    db.session.commit()
    assert brevo.requests == [] and deliver_pending(utcnow() + timedelta(minutes=5)) == 0
    assert brevo.requests == [] and db.session.scalar(select(func.count(SmsMessage.id))) == 0


def test_while_the_provider_is_slow_another_sender_is_not_kept_waiting(brevo, app, monkeypatch):
    """The provider takes 3 s to answer the first SMS. Meanwhile another
    request sends an SMS (its month's place, its row, its commit: the same
    writes on the same month's row, SQLite's write turn or PostgreSQL's row
    lock): it must not wait for the first one's HTTP call."""
    monkeypatch.setitem(app.config, "LABO_SMS_TIMEOUT", 10)
    brevo.answers = [(201, {"messageId": 1}, 3.0), (201, {"messageId": 2}, 0)]
    first: dict = {}

    def slow_sender() -> None:
        with app.app_context():
            first["message"] = send_sms("06 12 34 56 78", "Premier", purpose="test").id
            db.session.commit()
            first["done"] = time.monotonic()

    thread = threading.Thread(target=slow_sender)
    thread.start()
    try:
        assert brevo.arrived.wait(20), "the first SMS never reached the provider"
        started = time.monotonic()
        with app.app_context():  # another request: its own session and connection
            # The first row was committed before the HTTP call: another connection reads it, claimed.
            waiting = db.session.get(SmsMessage, first["message"])
            assert (waiting.status, waiting.error_code) == ("queued", "sms-sending")
            second = send_sms("07 81 22 33 44", "Second", purpose="test")
            db.session.commit()
            db.session.refresh(second)
            assert second.status == "sent"
            elapsed = time.monotonic() - started
            db.session.remove()
    finally:
        thread.join(30)
    assert elapsed < 2.0, f"the second sender waited {elapsed:.1f} s for the first one's provider"
    assert first["done"] > started + elapsed  # the first was still waiting for its answer
    assert sorted(brevo.contents()) == ["Premier", "Second"]
    db.session.expire_all()
    assert db.session.get(SmsMessage, first["message"]).status == "sent" and sent_this_month() == 2


def test_a_server_error_is_tried_again_and_the_text_goes(brevo):
    brevo.answers = [(503, {"code": "service_unavailable"}, 0), (201, {"messageId": 42}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.tries, message.provider_message_id) == ("sent", 2, "42")
    assert len(brevo.requests) == 2


def test_a_provider_that_keeps_failing_is_tried_three_times_then_again_by_the_tick(brevo):
    brevo.answers = [(500, {"code": "internal_error"}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.tries, message.error_code) == ("failed", 3, "sms-unavailable")
    assert len(brevo.requests) == 3
    assert "indisponible" in sms_error_message(message.error_code)
    assert sent_this_month() == 1  # it may go yet: its place is kept
    brevo.answers = [(201, {"messageId": 7}, 0)]
    assert deliver_pending() == 1
    reread(message)
    assert (message.status, message.tries, message.provider_message_id) == ("sent", 4, "7")
    assert deliver_pending() == 0 and len(brevo.requests) == 4  # sent: never again


def test_a_text_that_never_goes_gives_its_place_back_after_its_last_try(brevo):
    brevo.answers = [(500, {"code": "internal_error"}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    deliver_pending()
    deliver_pending()
    deliver_pending()
    reread(message)
    assert (message.status, message.tries, message.error_code) == ("failed", 6, "sms-unavailable")
    assert sent_this_month() == 0  # refused every time: nothing billed
    assert deliver_pending() == 0 and len(brevo.requests) == 6


def test_a_provider_that_does_not_answer_in_time_is_a_timeout(brevo, app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_TRIES", 2)
    brevo.answers = [(201, {"messageId": 1}, 2.5)]
    started = time.monotonic()
    message = sent("06 12 34 56 78", "Bonjour")
    assert time.monotonic() - started < 5
    assert (message.status, message.tries, message.error_code) == ("failed", 2, "sms-timeout")
    assert "ne répond pas" in sms_error_message(message.error_code)
    assert sent_this_month() == 1  # it may have gone: it stays counted


def test_a_number_the_provider_refuses_is_not_tried_again(brevo):
    brevo.answers = [(400, {"code": "invalid_parameter", "message": "Invalid recipient number"}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.tries, message.error_code) == ("failed", 1, "sms-bad-number")
    assert "refuse ce numéro" in sms_error_message(message.error_code)
    assert sent_this_month() == 0
    assert deliver_pending() == 0 and len(brevo.requests) == 1


def test_no_credit_left_is_said_plainly_and_not_tried_again(brevo):
    brevo.answers = [(402, {"code": "not_enough_credits", "message": "Not enough credits"}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.tries, message.error_code) == ("failed", 1, "sms-no-credit")
    assert "plus de crédit" in sms_error_message(message.error_code)
    assert deliver_pending() == 0 and len(brevo.requests) == 1


def test_a_wrong_key_says_the_sending_is_badly_set(brevo):
    brevo.answers = [(401, {"code": "unauthorized", "message": "Key not found"}, 0)]
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.error_code) == ("failed", "sms-not-configured")


def test_a_provider_that_is_down_is_tried_again_then_said_unavailable(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_BACKEND", "brevo")
    monkeypatch.setitem(app.config, "LABO_SMS_API_KEY", "cle")
    monkeypatch.setitem(app.config, "LABO_SMS_API_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    message = sent("06 12 34 56 78", "Bonjour")
    assert (message.status, message.tries, message.error_code) == ("failed", 3, "sms-unavailable")


def test_a_backend_that_breaks_never_breaks_the_callers_commit(brevo, monkeypatch, caplog):
    from labo.sms.services import BrevoBackend

    def broken(self, recipient, body, purpose=""):
        raise RuntimeError("a bug")

    monkeypatch.setattr(BrevoBackend, "deliver", broken)
    message = sent("06 12 34 56 78", "Bonjour")  # the commit does not raise
    assert (message.status, message.error_code) == ("failed", "sms-unavailable")
    assert "a bug" in caplog.text


def test_the_ceiling_refusal_is_not_tried_again(brevo, app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 1)
    sent("06 12 34 56 78", "Premier")
    refused = sent("06 12 34 56 78", "Second")
    assert (refused.status, refused.error_code, refused.tries) == ("failed", "sms-monthly-limit", 0)
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 10)
    assert deliver_pending() == 0 and brevo.contents() == ["Premier"]


def test_brevo_gets_gsm_text_and_unicode_only_when_it_must(brevo):
    sent("06 12 34 56 78", "Rappel : « Réunion » à l’école, fenêtre")
    sent("06 12 34 56 78", "Réunion chez Маріа")
    first, second = (r["json"] for r in brevo.requests)
    assert first["content"] == 'Rappel : "Réunion" à l\'école, fenetre' and first["unicodeEnabled"] is False
    assert second["unicodeEnabled"] is True


# --- what the table and the log keep ------------------------------------------------------

def test_a_code_sent_by_a_provider_is_kept_masked_and_never_logged(brevo, caplog):
    caplog.set_level(logging.DEBUG)
    code = sent("06 12 34 56 78", "Votre code : 904817", purpose="sign-in-code")
    link = sent("06 12 34 56 78", "Lettre du Labo : pour la recevoir, ouvrez https://labo.example/lettre/c/"
                "AbCdEfGhIjKlMnOpQrSt", purpose="letter-confirm")
    assert code.body == "Votre code : ••••••" and link.body.endswith("https://labo.example/lettre/c/…")
    assert "904817" in brevo.contents()[0]  # the person got it whole
    assert "904817" not in caplog.text and "AbCdEfGhIjKlMnOpQrSt" not in caplog.text


def test_a_code_waiting_for_another_try_keeps_its_text_until_its_time_is_over(brevo):
    brevo.answers = [(503, {}, 0)]
    code = sent("06 12 34 56 78", "Votre code : 904817", purpose="sign-in-code")
    assert (code.status, code.body) == ("failed", "Votre code : 904817")  # to be sent again
    later = code.created_at + timedelta(minutes=11)
    brevo.answers = [(201, {"messageId": 9}, 0)]
    assert deliver_pending(later) == 0  # dead after 10 minutes: not sent again, and masked
    reread(code)
    assert (code.status, code.body, len(brevo.requests)) == ("failed", "Votre code : ••••••", 3)


# --- deliver_pending(): what a crash or a failure left ------------------------------------

def crashed(number: str, text: str, *, minutes_ago: float, purpose: str = "meeting-reminder") -> SmsMessage:
    """A row its process committed and never delivered (it stopped right after its commit)."""
    message = SmsMessage(recipient=normalize_phone(number), body=text, purpose=purpose, backend="brevo",
                         status="queued", tries=0, created_at=utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(message)
    db.session.commit()
    return message


def test_the_tick_sends_what_a_crash_left_queued_but_not_what_is_being_sent(brevo):
    old = crashed("06 12 34 56 78", "Rappel 1", minutes_ago=5)
    fresh = crashed("06 12 34 56 78", "Rappel 2", minutes_ago=0.1)  # its own delivery may be at work
    stale = crashed("06 12 34 56 78", "Rappel 3", minutes_ago=4 * 60)  # too late to be of use
    assert deliver_pending() == 1 and brevo.contents() == ["Rappel 1"]
    db.session.commit()
    assert (old.status, old.tries, fresh.status, stale.status) == ("sent", 1, "queued", "queued")


def test_two_ticks_at_once_never_send_one_text_twice(brevo, app):
    brevo.answers = [(201, {"messageId": 1}, 0.3)]
    for n in range(4):
        crashed("06 12 34 56 78", f"Rappel {n}", minutes_ago=5)
    start, counts, errors = threading.Barrier(2), [], []

    def tick() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                counts.append(deliver_pending())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and sum(counts) == 4
    assert sorted(brevo.contents()) == [f"Rappel {n}" for n in range(4)]


def test_the_tick_gives_up_after_a_few_hours(brevo):
    brevo.answers = [(503, {}, 0)]
    message = sent("06 12 34 56 78", "Rappel : rencontre demain", purpose="meeting-reminder")
    brevo.answers = [(201, {"messageId": 1}, 0)]
    assert deliver_pending(message.created_at + timedelta(hours=4)) == 0 and len(brevo.requests) == 3


def test_the_tick_command_sends_again_what_failed(brevo, app):
    brevo.answers = [(503, {}, 0)]
    message = sent("06 12 34 56 78", "Rappel : rencontre demain", purpose="meeting-reminder")
    brevo.answers = [(201, {"messageId": 5}, 0)]
    result = app.test_cli_runner().invoke(args=["labo", "tick"])
    assert result.exit_code == 0, result.output
    assert "sms sent again 1" in result.output
    reread(message)
    assert message.status == "sent" and message.tries == 4


# --- how long the number is kept ------------------------------------------------------------

def test_after_a_month_the_sms_log_keeps_only_the_last_two_digits_of_the_number(app):
    from labo.privacy.retention import purge

    old = send_sms("06 12 34 56 78", "Rappel : rencontre demain", purpose="meeting-reminder")
    recent = send_sms("07 81 22 33 44", "Rappel : rencontre demain", purpose="meeting-reminder")
    old.created_at = utcnow() - timedelta(days=32)
    db.session.commit()
    done = purge(app.config)
    db.session.commit()
    db.session.expire_all()
    assert done["SMS_NUMBER"] == 1
    assert old.recipient == "+•••••••••78" and old.body == "Rappel : rencontre demain"  # the row stays
    assert recent.recipient == "+33781223344"
    assert purge(app.config)["SMS_NUMBER"] == 0


# --- the sign-in page reads what became of its SMS after its commit ------------------------

@pytest.mark.parametrize("answer, said", [
    ((400, {"code": "invalid_parameter", "message": "Invalid recipient number"}, 0), "refuse ce numéro"),
    ((402, {"code": "not_enough_credits", "message": "Not enough credits"}, 0), "plus de crédit"),
])
def test_the_sign_in_page_says_why_the_code_did_not_go(brevo, client, auth, answer, said):
    brevo.answers = [answer]
    refused = auth.post("/compte/telephone", {"phone": "06 12 34 56 78"})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/compte/telephone")
    assert not refused.headers["Location"].startswith("/compte/telephone/code")
    assert said in page_text(client.get(refused.headers["Location"]))
    assert len(brevo.requests) == 1


def test_the_sign_in_page_says_the_monthly_ceiling_is_reached(brevo, client, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_MONTHLY_LIMIT", 0)
    refused = auth.post("/compte/telephone", {"phone": "06 12 34 56 78"})
    assert "tous les SMS prévus pour ce mois" in page_text(client.get(refused.headers["Location"]))
    assert brevo.requests == []


def test_a_code_that_went_leads_to_the_page_that_asks_for_it(brevo, client, auth):
    went = auth.post("/compte/telephone", {"phone": "06 12 34 56 78"})
    assert went.status_code == 302 and went.headers["Location"].endswith("/compte/telephone/code")
    [request] = brevo.requests
    assert "votre code est" in request["json"]["content"]
    db.session.commit()
    [message] = db.session.scalars(select(SmsMessage)).all()
    assert message.status == "sent" and "••••••" in message.body  # kept masked
