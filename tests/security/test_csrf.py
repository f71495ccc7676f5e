"""Every state-changing route refuses a request without a valid CSRF token,
even from a logged-in administrator (so that the permission is not what
refuses it): a 400 with Flask-WTF's message, in the reader's language, and
nothing changed.

The routes are read from the URL map: a new one is covered the day it is
added. Where the permission matrix (test_permission_matrix.ROUTES) knows the
route, its real objects and valid form are sent; otherwise the address is
made up from its converters, which is enough since the token is checked
before the view runs.

Two routes are exempt, each because no browser session is behind it (see
EXEMPT); the JSON API is authenticated by the same session cookie as the
pages, so it needs the token too (in the X-CSRFToken header)."""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.conftest import page_text
from tests.security.test_permission_matrix import ROUTES, fill, request_for

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that may take a request without the token, and why. None: the API
# uses the session cookie (no token auth), the phones' board pages have a
# session too, and logging in or out from another site is an attack as well.
EXEMPT: dict[str, str] = {
    "/lettre/desinscription/<token>": "a mail client's one-click unsubscribe (RFC 8058) posts without a page;"
                                      " the secret token in the address is the proof, and it can only unsubscribe",
    "/lettre/sms-entrant": "the SMS provider's server calls it (a text received, \"STOP\"), with the secret key"
                           " set up in LABO_SMS_INBOUND_KEY; no session, no cookie",
}
REFUSAL = {
    "fr": "La page était ouverte depuis longtemps : vérifiez et renvoyez.",
    "en": "This page was open for a long time: check it and send it again.",
}


def text_of(response) -> str:
    """The page's text, or the JSON API's message."""
    return response.get_json()["message"].replace("\u00a0", " ") if response.is_json else page_text(response)


def state_changing_rules(app) -> list[tuple[Rule, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            found.append((rule, method))
    return sorted(found, key=lambda pair: (pair[0].rule, pair[1]))


def made_up_url(rule: Rule) -> str:
    """An address for a rule the matrix does not know: 1 for numbers, "x" for the rest."""
    values = {name: (1 if type(converter).__name__ in ("IdConverter", "IntegerConverter") else "x")
              for name, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def site_rules() -> list[tuple[str, str]]:
    """(rule, method) of every state-changing route, read from an app built
    for the purpose while the tests are collected (the suite's own app is a
    fixture, which parametrize cannot wait for)."""
    import os
    import tempfile

    from labo import create_app
    from labo.config import TestConfig

    os.environ.setdefault("LABO_INSTANCE_PATH", tempfile.mkdtemp(prefix="labo-instance-"))
    app = create_app(TestConfig.overrides() | {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {},
                                                "SECRET_KEY": "collect"})
    return [(rule.rule, method) for rule, method in state_changing_rules(app) if rule.rule not in EXEMPT]


def pytest_generate_tests(metafunc):
    if "route_case" in metafunc.fixturenames:
        cases = site_rules()
        metafunc.parametrize("route_case", cases, ids=[f"{m} {r}" for r, m in cases])


@pytest.fixture
def csrf_on(app):
    """The check as in production (whatever the test configuration says), put back afterwards."""
    saved = {key: app.config.get(key) for key in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT")}
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_CHECK_DEFAULT=True)
    yield
    app.config.update(saved)


def test_the_matrix_and_this_test_see_the_same_routes(app):
    """Every state-changing rule here is a rule of the site (made-up addresses are the exception, not the rule)."""
    unknown = [rule.rule for rule, _method in state_changing_rules(app) if rule.rule not in ROUTES]
    assert not unknown, f"declare these routes in test_permission_matrix.ROUTES: {unknown}"


def test_a_made_up_address_reaches_its_own_rule(app):
    """The fallback for a route the matrix does not know yet does reach that route."""
    adapter = app.url_map.bind("localhost")
    for rule, method in state_changing_rules(app):
        endpoint, _values = adapter.match(made_up_url(rule), method=method)
        assert endpoint == rule.endpoint, (rule.rule, made_up_url(rule))


@pytest.mark.parametrize("token", ["missing", "from another session"])
def test_a_state_changing_request_needs_the_csrf_token(app, csrf_on, keeper, world, route_case, token):
    rule_text, method = route_case
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and method in r.methods)
    route = ROUTES.get(rule_text)
    if route is not None and method in route.methods():
        url, kwargs = fill(route.url, world), request_for(route, method, world, "admin")
    else:
        url, kwargs = made_up_url(rule), {"method": method, "headers": {}, "data": {}}
    # Without the token (or with the one of another visitor, e.g. an attacker's own).
    other = world.tokens["anonymous"] if token != "missing" else None
    kwargs["headers"] = {k: v for k, v in kwargs.get("headers", {}).items() if k != "X-CSRFToken"}
    if other:
        kwargs["headers"]["X-CSRFToken"] = other
    if isinstance(kwargs.get("data"), dict):
        kwargs["data"] = {k: v for k, v in kwargs["data"].items() if k != "csrf_token"}

    response = keeper.client("admin").open(url, **kwargs)

    assert response.status_code == 400, f"{method} {url} without a valid CSRF token: {response.status_code}"
    assert REFUSAL["fr"] in text_of(response), f"{method} {url}: not the CSRF refusal"
    changed = keeper.changed_tables()
    assert not changed, f"{method} {url} was refused but changed {changed}"


def test_the_refusal_is_in_the_readers_language(csrf_on, keeper, world):
    response = keeper.client("admin").post("/idees/nouvelle", data={"title": "Sans jeton"},
                                            headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert REFUSAL["en"] in text_of(response)
    assert not keeper.changed_tables()
