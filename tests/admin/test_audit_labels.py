"""Every action the code writes to the audit log, and every notification it
sends, reads as a sentence; the feature that writes it says how
(labo.audit.services.audit_labels, labo.notifications.services.notification_texts)."""
from __future__ import annotations

import pathlib
import re

from flask_babel import force_locale

from labo.audit.models import AuditEntry
from labo.audit.services import describe_audit

WRITTEN = re.compile(r'record_audit\(\s*[^,]+,\s*"([a-z_]+\.[a-z_.]+)"')


def actions_written() -> set[str]:
    root = pathlib.Path(__file__).resolve().parents[2] / "labo"
    return {m.group(1) for path in root.rglob("*.py") for m in WRITTEN.finditer(path.read_text())}


def test_every_action_written_in_the_code_has_a_sentence(app):
    actions = actions_written()
    assert len(actions) >= 40  # the walk found the features' calls
    with app.test_request_context():
        unlabelled = sorted(a for a in actions if describe_audit(AuditEntry(action=a, details={})) == a)
    assert unlabelled == []


def test_a_sentence_names_what_the_action_was_about_in_the_reader_s_language(app):
    entry = AuditEntry(action="meeting.created", details={"title": "Rencontre de Wingles"})
    with app.test_request_context(), force_locale("fr"):
        assert describe_audit(entry) == "Rencontre créée\u00a0: Rencontre de Wingles"
    with app.test_request_context(), force_locale("en"):
        english = describe_audit(entry)
    assert "Rencontre de Wingles" in english and "créée" not in english
    assert describe_audit(AuditEntry(action="something.unknown", details={})) == "something.unknown"


NOTIFIED = re.compile(r'_?notify\(\s*[^,]+,\s*[^,]+,\s*"([a-z_]+\.[a-z_.]+)"')


def test_every_notification_the_code_sends_has_a_sentence(app):
    from labo.notifications.services import describe

    root = pathlib.Path(__file__).resolve().parents[2] / "labo"
    kinds = {m.group(1) for path in root.rglob("*.py") for m in NOTIFIED.finditer(path.read_text())}
    assert {"contribution.answered", "meeting.minutes"} <= kinds  # the walk found the features' calls
    with app.test_request_context(), force_locale("fr"):
        assert [k for k in sorted(kinds) if describe(k, {"title": "Le square"}) == k] == []
        assert describe("meeting.minutes", {"title": "Le square"}) == "Le compte-rendu de «\u00a0Le square\u00a0» est en ligne."
