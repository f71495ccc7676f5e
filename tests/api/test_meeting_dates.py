"""The meetings API's date filters, as its OpenAPI document says: a date
(YYYY-MM-DD) or an RFC 3339 date and time; `to` with a date takes that whole
day; an offset is a moment like any other, on SQLite as on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.factories import create_meeting

STARTS = datetime(2024, 5, 15, 13, 30, tzinfo=timezone.utc)  # 15:30 in Lens


@pytest.mark.parametrize("query, found", [
    ("to=2024-05-15", True),  # the whole day, not up to its midnight
    ("to=2024-05-14", False),
    ("from=2024-05-15", True),
    ("from=2024-05-16", False),
    ("from=2024-05-15T15:00:00%2B02:00", True),  # 13:00 UTC, before it starts
    ("from=2024-05-15T15:45:00%2B02:00", False),  # 13:45 UTC, after
    ("to=2024-05-15T13:00:00-01:00", True),  # 14:00 UTC
    ("to=2024-05-15T13:29:59Z", False),
    ("from=0001-01-01T00:00:00%2B23:59&to=9999-12-31T23:59:59-23:59", True),  # beyond what UTC can hold
])
def test_date_filters(client, query, found):
    create_meeting(title="Rencontre d'Avion", starts_at=STARTS)
    response = client.get(f"/api/v1/meetings?{query}")
    assert response.status_code == 200
    assert [m["title"] for m in response.get_json()] == (["Rencontre d'Avion"] if found else [])


@pytest.mark.parametrize("value", ["hier", "", "2024-13-01", "20240515", "2024-05-15T13:30", "2024-05-15 13:30:00Z",
                                   "2024-05-15T13:30:00+24:00"])
def test_other_spellings_are_refused_with_the_field_named(client, value):
    response = client.get("/api/v1/meetings", query_string={"from": value})
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["from"]
