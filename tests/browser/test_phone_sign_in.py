"""An account on a mobile number (issue 21), in Chromium at 360x740: from the
sign-in page, "Avec mon numéro de portable", the number, the code sent by
SMS, and the person is in (a new number first chooses a pseudonym); then,
signed out, the same number and a new code sign them in again; last, they
erase the account, confirming with a third code. The codes
are read from the SMS outbox (the site's default backend) the way a person
reads their phone: a small page this test serves beside the site shows the
last SMS to the number, and the browser goes there and back. axe-core on
every page of the flow."""
from __future__ import annotations

import random
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.script import axe, count, evaluate, fill, goto, logout, run_script, save, screenshot, see, submit
from tests.servers import free_port

pytestmark = pytest.mark.browser

SIGNED_IN = "form[action$='/compte/deconnexion']"


def wait(selector: str, text: str, name: str) -> dict:
    return {"do": "wait", "selector": selector, "text": text, "name": name}


class PhoneScreen:
    """What the phone shows: the last SMS the site kept in its outbox for one number."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        screen = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                number = "+" + self.path.strip("/").split("/")[-1]
                body = screen.last_sms(number) or ""
                code = re.search(r"\b(\d{6})\b", body)
                html = (f'<!doctype html><html lang="fr"><title>SMS</title><body id="phone">'
                        f'<p id="sms">{body}</p><p>Code : <code id="code">{code.group(1) if code else ""}</code></p>'
                        "</body></html>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def last_sms(self, number: str):
        from sqlalchemy import select

        from labo.extensions import db
        from labo.sms.models import SmsMessage

        with self.app.app_context():
            return db.session.scalar(select(SmsMessage.body).where(SmsMessage.recipient == number)
                                     .order_by(SmsMessage.id.desc()).limit(1))

    def read_code(self, number: str, name: str, back: str = "/compte/telephone/code") -> list[dict]:
        """Go to the phone, read the code of the last SMS, come back to the page that asks for it."""
        return [
            evaluate(f"setTimeout(() => {{ location.href = 'http://127.0.0.1:{self.port}/{number.lstrip('+')}'; }}, 0); true",
                     name=f"{name}: look at the phone"),
            wait("#phone #sms", text="Labo de la participation", name=f"{name}: the SMS is there"),
            save("code", "#code"),
            goto(back, name=f"{name}: back on the page that asks for it"),
        ]


@pytest.fixture
def phone_screen(live_server):
    screen = PhoneScreen(live_server.app)
    yield screen
    screen.server.shutdown()
    screen.server.server_close()


def test_a_person_signs_up_then_in_with_a_phone_number_and_the_code_from_the_sms(live_server, run_browser, phone_screen):
    digits = "12" + f"{random.randint(0, 999_999):06d}"
    typed, e164 = f"06 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}", f"+336{digits}"
    pseudonym = f"Farida{digits[-4:]}"
    ask_for_a_code = [
        see("Avec mon numéro de portable", "main"),
        submit("main a[href^='/compte/telephone']", url=r"/compte/telephone$", name="tap 'Avec mon numéro de portable'"),
        axe("the number to type"),
        screenshot("test-artifacts/screens/phone-number-360.png"),
        fill("main form input[name=phone]", typed),
        submit("main form button[type=submit]", url=r"/compte/telephone/code$", name="'Recevoir mon code': a code goes by SMS"),
        see("06 •• •• •• " + digits[-2:], "main"),
        axe("the code to type"),
        screenshot("test-artifacts/screens/phone-code-360.png"),
    ]
    steps = [
        goto("/compte/connexion", name="the sign-in page"),
        axe("sign-in, with the phone offered"),
        screenshot("test-artifacts/screens/phone-sign-in-360.png"),
        *ask_for_a_code,
        *phone_screen.read_code(e164, "first code"),
        fill("main form input[name=code]", "{{code}}"),
        submit("main form button[type=submit]", url=r"/compte/telephone/nouveau$", name="the code is right: a new number"),
        axe("a pseudonym for the new account"),
        screenshot("test-artifacts/screens/phone-new-account-360.png"),
        fill("main form input[name=pseudonym]", pseudonym),
        submit("main form button[type=submit]", url=r"/$", name="'Créer mon compte': signed in"),
        count(SIGNED_IN, 1, name="signed in"),
        see(f"Bienvenue {pseudonym}"),
        logout(),
        goto("/compte/connexion", name="back another day"),
        *ask_for_a_code,
        *phone_screen.read_code(e164, "second code"),
        fill("main form input[name=code]", "000000"),
        submit("main form button[type=submit]", status=422, name="a wrong code is refused, with the tries left"),
        see("Encore 4 essais.", "main"),
        axe("a wrong code"),
        screenshot("test-artifacts/screens/phone-wrong-code-360.png"),
        fill("main form input[name=code]", "{{code}}"),
        submit("main form button[type=submit]", url=r"/$", name="the right code signs in"),
        count(SIGNED_IN, 1, name="signed in again, by SMS"),
        screenshot("test-artifacts/screens/phone-signed-in-360.png"),
        see(f"Bonjour {pseudonym}"),
        goto("/compte/", name="the profile of an account on a number"),
        see("Recevoir un code par SMS", "main"),
        axe("profile: erasure confirmed by SMS"),
        submit("main form[action$='/compte/supprimer/code'] button", url=r"/compte/(#donnees)?$",
               name="'Recevoir un code par SMS' to confirm the erasure"),
        *phone_screen.read_code(e164, "erasure code", back="/compte/"),
        fill("main form input[name='erase-password']", "{{code}}"),
        screenshot("test-artifacts/screens/phone-erase-360.png"),
        submit("main form[action$='/compte/supprimer'] button", url=r"/$", name="the account is erased"),
        count(SIGNED_IN, 0, name="signed out, the account gone"),
    ]
    result = run_script(run_browser, steps, widths=(360,))
    assert result["saved"]["code"] and re.fullmatch(r"\d{6}", result["saved"]["code"])

    from sqlalchemy import func, select

    from labo.accounts.models import User
    from labo.extensions import db
    from labo.sms.models import SmsMessage

    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.phone == e164)) == 0
        assert db.session.scalar(select(func.count(SmsMessage.id)).where(SmsMessage.recipient == e164)) == 0
