"""A NUL character (U+0000) anywhere in what is sent is refused with a 400
and a message, never a 500: PostgreSQL can neither store nor compare it, so
without this every lookup or search that took one failed there (Schemathesis
found it on the API; the web forms and pages had it too)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from labo.contributions.models import Contribution
from labo.extensions import db
from tests.conftest import csrf_from, page_text
from tests.factories import create_user

MESSAGE = "contient un caractère nul"


@pytest.mark.parametrize("url", [
    "/api/v1/contributions?q=a%00b",
    "/api/v1/contributions?commune=%00",
    "/api/v1/fiches?theme=p%001",
    "/api/v1/meetings?commune=lens%00",
    "/api/v1/processes?commune=%00",
    "/idees/?q=%00",
    "/boite-a-outils/?q=%00",
    "/partenaires/caf%00",
])
def test_a_nul_in_an_address_is_a_400_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        data = response.get_json()
        assert MESSAGE in data["error"] and data["status"] == 400 and data["errors"]
    else:
        assert MESSAGE in page_text(response)


def test_a_nul_in_a_json_body_names_the_field_and_stores_nothing(client, auth):
    create_user(email="j@example.org")
    auth.login("j@example.org")
    token = csrf_from(client.get("/").get_data(as_text=True))
    body = {"kind": "idee", "title": "Des bancs\x00", "body": "Près de l'arrêt.", "commune": "lens"}
    response = client.post("/api/v1/contributions", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400 and list(response.get_json()["errors"]) == ["title"]
    nested = client.post("/api/v1/processes/1/participations", json={"grades": {"1\x00": "bien"}},
                         headers={"X-CSRFToken": token})
    assert nested.status_code == 400 and list(nested.get_json()["errors"]) == ["grades"]
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_a_nul_in_a_form_is_refused_with_the_error_page(client):
    token = csrf_from(client.get("/compte/connexion").get_data(as_text=True))
    response = client.post("/compte/connexion", data={"email": "a\x00@example.org", "password": "x",
                                                      "csrf_token": token})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert MESSAGE in page_text(response)
