"""The templates' url_for keeps the links it builds (labo/core/urls.py).

Every anonymous page draws "Me connecter" and "Créer un compte" with
next=<the page's full path, query string included> (templates/base.html).
Found in review: when those were kept too, anyone could make each worker
keep two links the size of their own request line for every request whose
query string differed (~10,000 anonymous GETs of ~4 KB: ~175 MB a worker).
The links must stay right, and what is kept small."""
from __future__ import annotations

import sys

from flask import current_app

from labo.core import urls

REQUESTS = 100
REQUEST_LINE = 4000  # gunicorn's limit_request_line is 4094


def _kept_links(app) -> dict:
    url_for = app.jinja_env.globals["url_for"]
    for cell in url_for.__closure__ or ():
        if isinstance(cell.cell_contents, dict):
            return cell.cell_contents
    raise AssertionError("no kept links found")


def _bytes(kept: dict) -> int:
    total = 0
    for key, link in kept.items():
        total += sys.getsizeof(link) + sum(sys.getsizeof(part) for part in key)
        total += sum(sys.getsizeof(v) for part in key if isinstance(part, tuple) for v in part)
    return total


def test_a_visitor_varying_the_query_string_cannot_make_each_worker_keep_hundreds_of_megabytes(client):
    app = current_app._get_current_object()
    kept = _kept_links(app)
    kept.clear()
    for i in range(REQUESTS):
        path = f"/mentions-legales?x={i}-" + "a" * (REQUEST_LINE - 40)
        assert client.get(path).status_code == 200
    per_request = _bytes(kept) / REQUESTS
    # what the table holds when it is full of such links, before it is emptied
    worst = per_request * urls.LINKS_MAX / 2
    assert worst < 10_000_000, (
        f"each such request keeps {per_request / 1000:.1f} kB of links: "
        f"{worst / 1e6:.0f} MB per worker before the table of {urls.LINKS_MAX} links is emptied")


def test_kept_links_are_the_links_flask_builds(client):
    """A page drawn twice (the second time from kept links) links where Flask would."""
    first = client.get("/idees/").get_data(as_text=True)
    second = client.get("/idees/").get_data(as_text=True)
    assert first == second
    with current_app.test_request_context("/idees/"):
        for endpoint in ("site.legal", "contributions.index", "meetings.programme", "privacy.page"):
            assert f'href="{current_app.url_for(endpoint)}"' in second
    page = client.get("/mentions-legales?x=" + "b" * 200).get_data(as_text=True)
    assert "next=/mentions-legales?x%3D" + "b" * 200 in page or "next=%2Fmentions-legales%3Fx%3D" + "b" * 200 in page
