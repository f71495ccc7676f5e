"""Static files are named by their content (labo.core.assets): a phone that
kept last week's script fetches the new one as soon as an update changes it."""
from __future__ import annotations

import hashlib
import os
import time

from labo.core.assets import version_of


def test_pages_ask_for_static_files_by_their_content(app, client):
    css = os.path.join(app.static_folder, "css", "labo.css")
    with open(css, "rb") as file:
        stamp = hashlib.sha256(file.read()).hexdigest()[:10]
    page = client.get("/").get_data(as_text=True)
    assert f"/static/css/labo.css?v={stamp}" in page
    assert client.get(f"/static/css/labo.css?v={stamp}").status_code == 200


def test_the_stamp_changes_with_the_file_and_only_then(tmp_path):
    (tmp_path / "board.js").write_text("let version = 1;")
    first = version_of(str(tmp_path), "board.js")
    assert version_of(str(tmp_path), "board.js") == first
    (tmp_path / "board.js").write_text("let version = 2;")
    os.utime(tmp_path / "board.js", (time.time() + 5, time.time() + 5))  # a new modification time, whatever the clock
    assert version_of(str(tmp_path), "board.js") not in (None, first)
    assert version_of(str(tmp_path), "missing.js") is None


def test_a_served_site_keeps_the_first_stamp_until_it_restarts(tmp_path):
    """In production the files change only with a deployment, which restarts
    the workers: the stamp is not checked again on every link to a file."""
    (tmp_path / "door.js").write_text("let version = 1;")
    first = version_of(str(tmp_path), "door.js", recheck=False)
    (tmp_path / "door.js").write_text("let version = 2;")
    os.utime(tmp_path / "door.js", (time.time() + 5, time.time() + 5))
    assert version_of(str(tmp_path), "door.js", recheck=False) == first
    assert version_of(str(tmp_path), "door.js") not in (None, first)  # a developer's server sees the change
