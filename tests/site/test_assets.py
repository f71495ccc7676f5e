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
