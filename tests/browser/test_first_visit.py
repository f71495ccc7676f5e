"""A first visit, in Chromium: the site sets no cookie but its session
(which carries the CSRF token), asks no other host for anything (every
request is intercepted, and one to another host would be recorded and
blocked), and the home page and the contribution form each weigh under
100 KB, everything the browser fetched counted (HTML, CSS, JS, fonts,
images; nothing is compressed by the test server, so this is the upper
bound: nginx compresses further)."""
from __future__ import annotations

import pytest

from labo.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/idees/", "/rencontres/", "/demarches/", "/confidentialite", "/boite-a-outils/",
                "/proclamation/", "/partenaires/", "/acteurs/", "/accessibilite", "/mentions-legales"]
BUDGET = 100 * 1024


def weight(visit: dict) -> int:
    return sum(r["bytes"] for r in visit["requests"])


def test_a_first_visit_sets_only_the_session_cookie_and_asks_no_other_host(run_browser):
    result = run_browser({"flow": "first-visit", "visits": [
        {"name": "anonymous", "paths": PUBLIC_PAGES},
        {"name": "resident", "paths": ["/idees/nouvelle", "/compte/"],
         "login": {"email": "habitante@labo.example", "password": DEMO_PASSWORD}},
    ]})
    for visit in result["visits"]:
        assert [s for s in visit["statuses"] if s["status"] != 200] == [], visit["statuses"]
        foreign = [r["url"] for r in visit["requests"] if r["foreign"]]
        assert foreign == [], f"{visit['name']}: requests to other hosts: {foreign}"
        assert visit["requests"], "the interception saw nothing: it would see no foreign request either"
    anonymous = result["visits"][0]
    assert [c["name"] for c in anonymous["cookies"]] in ([], ["session"]), anonymous["cookies"]
    for cookie in anonymous["cookies"]:
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert cookie["expires"] == -1, "the session cookie goes when the browser closes"
    assert {c["name"] for c in result["visits"][1]["cookies"]} == {"session"}


def test_the_home_page_and_the_contribution_form_weigh_under_100_kb_on_a_first_visit(run_browser):
    result = run_browser({"flow": "first-visit", "visits": [
        {"name": "home", "paths": ["/"]},
        {"name": "contribution form", "paths": ["/idees/nouvelle"],
         "login": {"email": "habitante@labo.example", "password": DEMO_PASSWORD}},
    ]})
    for visit in result["visits"]:
        total = weight(visit)
        by_type: dict[str, int] = {}
        for r in visit["requests"]:
            by_type[r["type"]] = by_type.get(r["type"], 0) + r["bytes"]
        print(f"{visit['name']}: {total} bytes in {len(visit['requests'])} requests {by_type}")
        assert len(visit["requests"]) >= 2  # the page and at least its style sheet
        assert total < BUDGET, f"{visit['name']}: {total} bytes, over {BUDGET}: {by_type}"
