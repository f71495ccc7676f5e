"""The proclamation in Chromium at phone size: a resident signs, sees the
counter go up and their pseudonym listed, withdraws (with a confirmation
page that needs no JavaScript), and everything goes back; two sign requests
sent at the same moment store one signature. axe-core (WCAG 2.1 A/AA) runs
on every page on the way (tests/browser/run_pages.mjs, the "script" flow)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from labo.demo import DEMO_PASSWORD
from tests.browser.script import axe, check, count, evaluate, goto, login, logout, run_script, see, submit

pytestmark = pytest.mark.browser

RESIDENT = "habitante@labo.example"  # Josiane, who has not signed in the demo


def _total(live_server) -> int:
    from labo.proclamation import services

    with live_server.app.app_context():
        return services.stats().total


def test_a_resident_signs_is_counted_and_listed_then_withdraws(live_server, run_browser):
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.proclamation.models import Signature

    before = _total(live_server)
    run_script(run_browser, [
        goto("/proclamation/"),
        see("Me connecter pour signer", name="a visitor is asked to log in to sign"),
        count("#sign-form", 0),
        axe("proclamation, visitor"),
        login(RESIDENT),
        goto("/proclamation/"),
        see(f"Signatures : {before}", selector="#total-signatures"),
        axe("proclamation, before signing"),
        check("#sign-form input[name=category][value=habitant]"),
        submit("#sign-form button[type=submit]", url=r"/proclamation/(#ma-signature)?$", name="sign as a resident"),
        see("Merci ! Votre signature est comptée."),
        see(f"Signatures : {before + 1}", selector="#total-signatures", name="the counter went up by one"),
        see("en tant que : Habitante ou habitant", selector="#ma-signature"),
        count("#sign-form", 0, name="no second sign form once signed"),
        axe("proclamation, signed"),
        goto("/proclamation/signataires"),
        see("Josiane", selector="#signatories", name="the pseudonym is in the public list"),
        see("Habitante ou habitant : ", selector="#by-category"),
        axe("signatories"),
        goto("/proclamation/"),
        submit("#ma-signature a[href$='/retirer']", url=r"/proclamation/signatures/\d+/retirer$",
               name="open the withdrawal confirmation"),
        axe("withdraw confirmation"),
        submit("#confirm-withdraw", url=r"/proclamation/$", name="confirm the withdrawal"),
        see("Votre signature est retirée."),
        see(f"Signatures : {before}", selector="#total-signatures", name="the counter is back"),
        count("#sign-form", 1, name="the sign form is back"),
        goto("/proclamation/signataires"),
        see("Josiane", selector="main", absent=True, name="the pseudonym left the list"),
        goto("/proclamation/versions"),
        axe("versions"),
        goto("/proclamation/versions/1"),
        axe("version 1"),
        logout(),
    ])
    with live_server.app.app_context():
        user = find_user_by_email(RESIDENT)
        db.session.expire_all()
        assert db.session.scalar(select(func.count(Signature.id)).where(Signature.signer_id == user.id)) == 0


# Two submissions of the sign form at the same moment, as a double tap on a
# slow network would send them: same session, same CSRF token.
DOUBLE_SUBMIT = """(async () => {
  const form = document.querySelector('#sign-form');
  const send = () => fetch(form.action, { method: 'POST', body: new FormData(form), credentials: 'same-origin' })
    .then((response) => response.status);
  const statuses = await Promise.all([send(), send()]);
  return statuses.sort();
})()"""


def test_two_sign_requests_at_the_same_moment_store_one_signature(live_server, run_browser):
    from labo.accounts.services import register_account
    from labo.extensions import db
    from labo.proclamation.models import Signature

    suffix = uuid.uuid4().hex[:6]
    email = f"double{suffix}@example.org"
    with live_server.app.app_context():
        user = register_account(live_server.app.config, pseudonym=f"Double {suffix}", email=email,
                                password=DEMO_PASSWORD).user
        db.session.commit()
        user_id = user.id
    before = _total(live_server)
    run_script(run_browser, [
        login(f"Double {suffix}"),  # the address waits for its confirmation: the pseudonym logs in
        goto("/proclamation/"),
        evaluate(DOUBLE_SUBMIT, equals=[200, 409],
                 name="of two simultaneous signatures, one is taken and one refused (409)"),
        goto("/proclamation/"),
        count("#ma-signature .my-signatures li", 1, name="the page shows one signature"),
        see(f"Signatures : {before + 1}", selector="#total-signatures", name="the counter went up by one only"),
        axe("proclamation, after a double submission"),
    ])
    with live_server.app.app_context():
        db.session.expire_all()
        stored = db.session.scalars(select(Signature).where(Signature.signer_id == user_id)).all()
        assert len(stored) == 1 and stored[0].category == "habitant"
        db.session.delete(stored[0])  # leave the shared demo site as it was
        db.session.commit()
