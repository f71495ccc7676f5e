"""Text messages: numbers in E.164, the outbox, Brevo's API against a stand-in
server this test starts (its answers, errors and silences), the monthly
ceiling under concurrency, and the administrator's SMS page."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from labo.core.errors import ServiceError
from labo.extensions import db
from labo.sms.models import SmsMessage, SmsMonthCount
from labo.sms.numbers import InvalidPhone, format_phone, looks_like_phone, mask_phone, normalize_phone
from labo.sms.services import send_sms, sent_this_month, sms_error_message
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


def test_numbers_are_shown_as_people_read_them():
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert mask_phone("+33612345678") == "06\u00a0••\u00a0••\u00a0••\u00a078"


# --- the outbox (the default) --------------------------------------------------------

def test_without_a_provider_a_text_is_kept_in_the_outbox_and_never_leaves(app, caplog):
    message = send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    db.session.commit()
    assert (message.recipient, message.status, message.backend, message.tries) == ("+33612345678", "sent", "outbox", 1)
    assert "Votre code : 123456" in caplog.text
    assert sent_this_month() == 1


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


# --- Brevo, against a stand-in server -------------------------------------------------

class StandIn:
    """A local HTTP server answering like Brevo's SMS API, one scripted answer
    per request (the last one repeats): (status, json body, seconds to wait)."""

    def __init__(self):
        self.answers: list[tuple[int, dict, float]] = [(201, {"messageId": 1511882900176220}, 0)]
        self.requests: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                stand_in.requests.append({"path": self.path, "key": self.headers.get("api-key"),
                                          "json": json.loads(self.rfile.read(length) or b"{}")})
                status, body, wait = stand_in.answers[min(len(stand_in.requests), len(stand_in.answers)) - 1]
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


def test_brevo_receives_the_text_with_the_key_and_the_number_without_plus(brevo):
    message = send_sms("06 12 34 56 78", "Votre code : 123456", purpose="sign-in-code")
    assert (message.status, message.backend, message.tries) == ("sent", "brevo", 1)
    assert message.provider_message_id == "1511882900176220" and message.sent_at is not None
    [request] = brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send" and request["key"] == "cle-de-test"
    assert request["json"] == {"sender": "LaboLens", "recipient": "33612345678", "content": "Votre code : 123456",
                               "type": "transactional", "unicodeEnabled": False}


def test_a_server_error_is_tried_again_and_the_text_goes(brevo):
    brevo.answers = [(503, {"code": "service_unavailable"}, 0), (201, {"messageId": 42}, 0)]
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert (message.status, message.tries, message.provider_message_id) == ("sent", 2, "42")
    assert len(brevo.requests) == 2


def test_a_provider_that_keeps_failing_is_tried_three_times_then_the_text_is_kept_as_failed(brevo):
    brevo.answers = [(500, {"code": "internal_error"}, 0)]
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    db.session.commit()
    assert (message.status, message.tries, message.error_code) == ("failed", 3, "sms-unavailable")
    assert len(brevo.requests) == 3
    assert "indisponible" in sms_error_message(message.error_code)
    assert sent_this_month() == 0  # refused: nothing billed, the place is given back


def test_a_provider_that_does_not_answer_in_time_is_a_timeout(brevo, app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_TRIES", 2)
    brevo.answers = [(201, {"messageId": 1}, 2.5)]
    started = time.monotonic()
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert time.monotonic() - started < 5
    assert (message.status, message.tries, message.error_code) == ("failed", 2, "sms-timeout")
    assert "ne répond pas" in sms_error_message(message.error_code)
    assert sent_this_month() == 1  # it may have gone: it stays counted


def test_a_number_the_provider_refuses_is_not_tried_again(brevo):
    brevo.answers = [(400, {"code": "invalid_parameter", "message": "Invalid recipient number"}, 0)]
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert (message.status, message.tries, message.error_code) == ("failed", 1, "sms-bad-number")
    assert "refuse ce numéro" in sms_error_message(message.error_code)


def test_no_credit_left_is_said_plainly_and_not_tried_again(brevo):
    brevo.answers = [(402, {"code": "not_enough_credits", "message": "Not enough credits"}, 0)]
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert (message.status, message.tries, message.error_code) == ("failed", 1, "sms-no-credit")
    assert "plus de crédit" in sms_error_message(message.error_code)


def test_a_wrong_key_says_the_sending_is_badly_set(brevo):
    brevo.answers = [(401, {"code": "unauthorized", "message": "Key not found"}, 0)]
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert (message.status, message.error_code) == ("failed", "sms-not-configured")


def test_a_provider_that_is_down_is_tried_again_then_said_unavailable(app, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_SMS_BACKEND", "brevo")
    monkeypatch.setitem(app.config, "LABO_SMS_API_KEY", "cle")
    monkeypatch.setitem(app.config, "LABO_SMS_API_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    message = send_sms("06 12 34 56 78", "Bonjour", purpose="test")
    assert (message.status, message.tries, message.error_code) == ("failed", 3, "sms-unavailable")
