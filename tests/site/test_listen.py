"""The "Écouter" button: on a contribution, a process (and its easy-read
rules) and a meeting, hidden until static/js/listen.js finds the phone's
speech synthesis, and pointing at text marked to be read."""
from __future__ import annotations

import re

from tests.conftest import page_text
from tests.factories import create_admin, create_contribution, create_meeting, create_process, create_user

BUTTON = re.compile(r'<button type="button" class="btn btn-small listen-btn" data-listen-for="([\w-]+)"[^>]*>')


def listen_parts(html: str) -> dict[str, str]:
    """Each button's group and the text marked for it (tags removed)."""
    groups = {}
    for match in BUTTON.finditer(html):
        assert " hidden>" in match.group(0) or match.group(0).endswith(" hidden>"), "shown before the script checks"
        name = match.group(1)
        marked = re.findall(r'<(\w+)[^>]*data-listen="%s"[^>]*>(.*?)</\1>' % name, html, re.S)
        groups[name] = " ".join(re.sub(r"<[^>]+>", " ", inner) for _, inner in marked)
    assert html.count('src="/static/js/listen.js?v=') == (1 if groups else 0)
    return groups


def test_a_contribution_reads_its_title_and_its_text(client, auth):
    author = create_user(email="ecrit@example.org")
    contribution = create_contribution(author, title="Des bancs au square", body="<p>Les anciens restent debout.</p>")
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    parts = listen_parts(client.get(f"/idees/{contribution.id}").get_data(as_text=True))
    assert list(parts) == ["contribution"]
    assert "Des bancs au square" in parts["contribution"] and "Les anciens restent debout." in parts["contribution"]


def test_a_process_reads_its_question_and_its_easy_read_rules_apart(client):
    process = create_process()
    parts = listen_parts(page_text(client.get(f"/demarches/{process.id}")))
    assert list(parts) == ["process", "easy-read"]
    assert "Que voulez-vous y voir ?" in parts["process"] and "La friche" in parts["process"]
    assert "Le conseil décide." in parts["easy-read"] and "Le conseil décide." not in parts["process"]


def test_a_meeting_reads_when_and_where(client):
    meeting = create_meeting(title="Rencontre au centre social", running_order="Accueil\nAteliers")
    parts = listen_parts(page_text(client.get(f"/rencontres/{meeting.id}")))
    assert list(parts) == ["meeting"]
    assert "Rencontre au centre social" in parts["meeting"] and "Centre social" in parts["meeting"]
    assert "Ateliers" in parts["meeting"]


def test_the_button_speaks_the_page_language(client):
    process = create_process()
    html = client.get(f"/demarches/{process.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-label-stop="Stop"' in html and ">Listen<" in html and ">Listen to the rules<" in html


def test_the_script_is_served_and_uses_only_the_phone_s_voice(client):
    response = client.get("/static/js/listen.js")
    assert response.status_code == 200 and "javascript" in response.content_type
    script = response.get_data(as_text=True)
    assert "speechSynthesis" in script and "documentElement.getAttribute('lang')" in script
    assert "fetch(" not in script and "XMLHttpRequest" not in script
