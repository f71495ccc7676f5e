"""Partners' commitments: who may see and change what, the follow-up entries
and their evidence, the yearly photography and its CSV, the follow-up board,
the reminders to referents and the API."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from labo.accounts.models import Role
from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.mail.models import OutboxMessage
from labo.partners import services
from labo.partners.models import Commitment, FollowUp, Partner
from tests.conftest import page_text
from tests.factories import PDF, create_admin, create_commitment, create_follow_up, create_partner, create_user

TODAY = date.today()
REFERENT_EMAIL = "julien.carpentier@example.org"  # the commitments' referent (create_commitment's)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LABO_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def row(page_html: str, partner_slug: str) -> str:
    """The partner's section of the overview."""
    start = page_html.index(f'id="p-{partner_slug}"')
    return page_html[start:page_html.index("</section>", start)]


def cell(section: str, family: str, status: str) -> int:
    start = section.index(f'data-family="{family}"')
    start = section.index(f'data-status="{status}">', start) + len(f'data-status="{status}">')
    return int(section[start:section.index("<", start)])


def mail_text(envelope) -> str:
    from email import message_from_bytes, policy

    message = message_from_bytes(envelope.content, policy=policy.default)
    return message["Subject"] + "\n" + message.get_content()


def login_admin(auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")


# --- permissions ------------------------------------------------------------


@pytest.mark.parametrize("who, public, board, manage", [
    (None, 200, 302, 302),
    ("resident", 200, 403, 403),
    ("copil", 200, 200, 403),
    ("admin", 200, 200, 200),
])
def test_who_sees_and_who_changes(client, auth, who, public, board, manage):
    partner = create_partner()
    commitment = create_commitment(partner)
    roles = {"resident": [], "copil": [(Role.COPIL, None)], "admin": [(Role.ADMIN, None)]}
    if who:
        create_user(email=f"{who}@example.org", roles=roles[who])
        auth.login(f"{who}@example.org")
    base = f"/partenaires/caf/engagements/{commitment.id}"
    for path in ("/partenaires/", "/partenaires/caf", base, "/partenaires/export.csv"):
        assert client.get(path).status_code == public, path
    assert client.get("/partenaires/suivi").status_code == board
    for path in ("/partenaires/nouveau", "/partenaires/caf/modifier", "/partenaires/caf/modeles",
                 base + "/modifier", base + "/supprimer", "/partenaires/caf/engagements/nouveau"):
        assert client.get(path).status_code == manage, path
    response = auth.post(base + "/suivi", {"happened_on": TODAY.isoformat(), "status_after": "tenu"},
                         form_page="/partenaires/")
    assert response.status_code == (302 if who == "admin" else manage)
    db.session.refresh(commitment)
    assert commitment.status == ("tenu" if who == "admin" else "a_engager")
    # The follow-up form is offered to administrators only.
    assert ("Noter un point de suivi" in page_text(client.get(base))) == (who == "admin")


def test_the_referent_name_is_public_and_the_email_never(client, auth):
    partner = create_partner()
    commitment = create_commitment(partner, review=TODAY - timedelta(days=3))
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    for path in ("/partenaires/", "/partenaires/caf", f"/partenaires/caf/engagements/{commitment.id}",
                 "/partenaires/suivi", "/api/v1/partners", "/partenaires/export.csv"):
        body = page_text(client.get(path))
        assert REFERENT_EMAIL not in body, path
    assert "Julien Carpentier" in page_text(client.get("/partenaires/caf"))


# --- administrators -----------------------------------------------------------


def test_an_administrator_creates_a_partner_and_its_commitments_from_the_templates(client, auth):
    login_admin(auth)
    response = auth.post("/partenaires/nouveau", {"name": "La Région Hauts-de-France", "slug": "", "kind": "region",
                                                  "description": "Formation, emploi, lycées."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/partenaires/la-region-hauts-de-france")
    page = page_text(client.get("/partenaires/la-region-hauts-de-france/modeles?famille=evaluation"))
    templates = services.commitment_templates()["evaluation"]
    assert 3 <= len(templates) <= 5 and all(t.title in page for t in templates)
    response = auth.post("/partenaires/la-region-hauts-de-france/modeles?famille=evaluation", {
        "family": "evaluation",
        "items-0-chosen": "y", "items-0-title": "Transmettre ses indicateurs chaque printemps", "items-0-description": "",
        "items-1-title": templates[1].title, "items-1-description": templates[1].description,
        "items-2-chosen": "y", "items-2-title": templates[2].title, "items-2-description": templates[2].description,
        "referent_name": "Olivier Delattre", "referent_email": "o.delattre@example.org",
        "next_review_on": (TODAY + timedelta(days=60)).isoformat(),
    }, form_page="/partenaires/la-region-hauts-de-france/modeles?famille=evaluation")
    assert response.status_code == 302
    made = db.session.scalars(select(Commitment).order_by(Commitment.id)).all()
    assert [c.title for c in made] == ["Transmettre ses indicateurs chaque printemps", templates[2].title]
    assert {c.family for c in made} == {"evaluation"} and {c.status for c in made} == {"a_engager"}
    assert made[0].referent_email == "o.delattre@example.org"
    page = page_text(client.get("/partenaires/la-region-hauts-de-france"))
    assert "Transmettre ses indicateurs chaque printemps" in page and "Olivier Delattre" in page
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"partner.created", "commitment.created"} <= actions


def test_choosing_no_template_item_is_refused_with_a_message(client, auth):
    login_admin(auth)
    create_partner()
    response = auth.post("/partenaires/caf/modeles?famille=pilotage", {"family": "pilotage", "items-0-title": "x"},
                         form_page="/partenaires/caf/modeles?famille=pilotage")
    assert response.status_code == 422
    assert "Cochez au moins un engagement à créer." in page_text(response)
    assert db.session.scalar(select(func.count(Commitment.id))) == 0


def test_a_reserved_or_taken_slug_is_refused(client, auth):
    login_admin(auth)
    create_partner()
    for slug in ("suivi", "caf"):
        response = auth.post("/partenaires/nouveau", {"name": "Autre", "slug": slug, "kind": "autre"})
        assert response.status_code == 422
        assert "Cette adresse courte est déjà prise" in page_text(response)


def test_an_administrator_edits_then_deletes_a_commitment_after_confirming(client, auth, uploads):
    login_admin(auth)
    commitment = create_commitment(create_partner())
    base = f"/partenaires/caf/engagements/{commitment.id}"
    response = auth.post(base + "/modifier", {"family": "financement", "title": "Cofinancer deux actions",
                                              "referent_name": "J. C.", "referent_email": "pas-un-email"})
    assert response.status_code == 422 and "Cette adresse e-mail n'est pas valable." in page_text(response)
    response = auth.post(base + "/modifier", {"family": "financement", "title": "Cofinancer deux actions",
                                              "referent_name": "J. C.", "referent_email": ""})
    assert response.status_code == 302
    db.session.refresh(commitment)
    assert (commitment.family, commitment.title, commitment.referent_email) == ("financement", "Cofinancer deux actions", None)
    create_follow_up(commitment, TODAY, "en_cours")
    confirm = page_text(client.get(base + "/supprimer"))
    assert "Supprimer l'engagement ?" in confirm and "Cofinancer deux actions" in confirm
    assert auth.post(base + "/supprimer").status_code == 302
    assert db.session.scalar(select(func.count(Commitment.id))) == 0
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0
    assert "commitment.deleted" in set(db.session.scalars(select(AuditEntry.action)))


# --- follow-up entries ----------------------------------------------------------


def test_recording_a_follow_up_with_evidence_moves_the_commitment_and_the_overview(client, auth, uploads):
    login_admin(auth)
    commitment = create_commitment(create_partner())
    create_follow_up(commitment, TODAY - timedelta(days=40), "en_cours")
    before = row(client.get("/partenaires/").get_data(as_text=True), "caf")
    assert cell(before, "cooperation", "en_cours") == 1 and cell(before, "cooperation", "tenu") == 0
    base = f"/partenaires/caf/engagements/{commitment.id}"
    response = auth.post(base + "/suivi", {
        "happened_on": TODAY.isoformat(), "note": "Référent nommé.\nCourrier reçu.", "status_after": "tenu",
        "link": "https://www.caf.fr/exemple", "public": "y",
        "next_review_on": (TODAY + timedelta(days=300)).isoformat(),
        "file": (io.BytesIO(PDF), "Courrier de nomination.pdf", "application/pdf"),
    }, form_page=base, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(commitment)
    assert commitment.status == "tenu" and commitment.next_review_on == TODAY + timedelta(days=300)
    after = row(client.get("/partenaires/").get_data(as_text=True), "caf")
    assert cell(after, "cooperation", "en_cours") == 0 and cell(after, "cooperation", "tenu") == 1
    for page in (page_text(client.get(base)), page_text(client.get("/partenaires/caf"))):
        assert "Référent nommé." in page and "https://www.caf.fr/exemple" in page
        assert "Courrier de nomination.pdf" in page
    entry = db.session.scalar(select(FollowUp).where(FollowUp.file_key.is_not(None)))
    auth.logout()
    download = client.get(f"{base}/preuves/{entry.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert 'attachment; filename="Courrier de nomination.pdf"' in download.headers["Content-Disposition"] \
        or "Courrier%20de%20nomination.pdf" in download.headers["Content-Disposition"]
    assert "commitment.follow_up" in set(db.session.scalars(select(AuditEntry.action)))


def test_a_backdated_entry_does_not_replace_the_latest_status(client, auth):
    commitment = create_commitment(create_partner())
    create_follow_up(commitment, TODAY - timedelta(days=5), "tenu")
    create_follow_up(commitment, TODAY - timedelta(days=100), "en_cours")
    assert commitment.status == "tenu"


@pytest.mark.parametrize("fields, message", [
    ({"happened_on": (TODAY + timedelta(days=1)).isoformat()}, "La date du point de suivi ne peut pas être dans le futur."),
    ({"link": "javascript:alert(1)"}, "Le lien doit être une adresse web commençant par http:// ou https://."),
    ({"link": "ftp://example.org/x"}, "Le lien doit être une adresse web commençant par http:// ou https://."),
    ({"next_review_on": (TODAY - timedelta(days=1)).isoformat()}, "Le prochain point doit venir après ce point de suivi."),
    ({"status_after": "oublie"}, "N'est pas un choix valide."),
    ({"file": (io.BytesIO(b"MZ\x90\x00 not a document"), "virus.pdf", "application/pdf")}, "Ce type de fichier n'est pas accepté"),
])
def test_bad_follow_up_input_gets_a_clear_message_and_writes_nothing(client, auth, uploads, fields, message):
    login_admin(auth)
    commitment = create_commitment(create_partner())
    base = f"/partenaires/caf/engagements/{commitment.id}"
    data = {"happened_on": TODAY.isoformat(), "status_after": "tenu", "note": "x", **fields}
    response = auth.post(base + "/suivi", data, form_page=base, content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    assert message in page_text(response)
    db.session.refresh(commitment)
    assert commitment.status == "a_engager"
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_non_public_entry_is_for_copil_and_administrators_only(client, auth, uploads):
    commitment = create_commitment(create_partner())
    entry = services.record_follow_up(str(uploads), None, commitment, happened_on=TODAY, note="Note interne au comité",
                                      status_after="en_cours", public=False, file=PDF, filename="interne.pdf")
    db.session.commit()
    base = f"/partenaires/caf/engagements/{commitment.id}"
    assert "Note interne au comité" not in page_text(client.get(base))
    assert "Note interne au comité" not in page_text(client.get("/partenaires/caf"))
    assert client.get(f"{base}/preuves/{entry.id}").status_code == 404
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    assert "Note interne au comité" in page_text(client.get(base))
    assert client.get(f"{base}/preuves/{entry.id}").status_code == 200


# --- the yearly photography and its CSV -------------------------------------------


def test_each_year_s_photography_is_read_from_the_history(client):
    partner = create_partner()
    kept = create_commitment(partner, family="pilotage", title="Siéger au comité")
    create_follow_up(kept, date(2024, 3, 1), "en_cours")
    create_follow_up(kept, date(2025, 6, 1), "tenu")
    dropped = create_commitment(partner, family="pilotage", title="Venir aux rencontres")
    create_follow_up(dropped, date(2025, 12, 31), "non_tenu")
    create_commitment(partner, family="pilotage", title="Répondre aux avis")
    expected = {2024: {"a_engager": 2, "en_cours": 1, "tenu": 0, "non_tenu": 0},
                2025: {"a_engager": 1, "en_cours": 0, "tenu": 1, "non_tenu": 1}}
    for year, counts in expected.items():
        page = client.get(f"/partenaires/?annee={year}").get_data(as_text=True)
        assert f"au 31 décembre {year}" in page_text(client.get(f"/partenaires/?annee={year}"))
        section = row(page, "caf")
        assert {s: cell(section, "pilotage", s) for s in counts} == counts, year
    today = row(client.get("/partenaires/").get_data(as_text=True), "caf")
    assert cell(today, "pilotage", "tenu") == 1 and cell(today, "pilotage", "total") == 3


@pytest.mark.parametrize("value", ["2019", "2099", "deux-mille", "2024'"])
def test_a_year_outside_the_contract_is_refused_with_a_message(client, value):
    response = client.get(f"/partenaires/?annee={value}")
    assert response.status_code == 400
    assert "Choisissez une année entre 2024 et" in page_text(response)
    assert client.get(f"/partenaires/export.csv?annee={value}").status_code == 400


def test_the_csv_opens_in_french_spreadsheets(client):
    partner = create_partner(name="=CAF du Pas-de-Calais")
    create_follow_up(create_commitment(partner), date(2024, 5, 2), "en_cours")
    response = client.get("/partenaires/export.csv?annee=2024")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"] and "2024" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Partenaire", "Type", "Famille", "À engager", "En cours", "Tenu", "Non tenu", "Total"]
    caf = {r[2]: r for r in rows[1:] if r[0] == "'=CAF du Pas-de-Calais"}  # never read as a formula
    assert caf["Coopération technique et mise en réseau"][3:] == ["0", "1", "0", "0", "1"]
    assert caf["Prendre part au pilotage"][3:] == ["0", "0", "0", "0", "0"]
    assert rows[-1][0] == "Tous les partenaires" and len(rows) == 1 + 4 + 4


# --- the follow-up board and the reminders ------------------------------------------


def test_the_board_lists_overdue_reviews_then_those_due_soon(client, auth):
    partner = create_partner()
    create_commitment(partner, title="En retard depuis longtemps", review=TODAY - timedelta(days=30))
    create_commitment(partner, title="En retard d'hier", review=TODAY - timedelta(days=1))
    create_commitment(partner, title="Dans dix jours", review=TODAY + timedelta(days=10))
    create_commitment(partner, title="Dans trois mois", review=TODAY + timedelta(days=90))
    closed = create_commitment(partner, title="Déjà tenu")
    create_follow_up(closed, TODAY - timedelta(days=60), "tenu", review=TODAY - timedelta(days=2))
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    page = page_text(client.get("/partenaires/suivi"))
    assert "2 points de suivi en retard" in page and "1 point de suivi dans les 30 jours" in page
    assert page.index("En retard depuis longtemps") < page.index("En retard d'hier") < page.index("Dans dix jours")
    assert "Dans trois mois" not in page and "Déjà tenu" not in page
    assert "Noter un point de suivi" not in page_text(client.get(f"/partenaires/caf/engagements/{closed.id}"))


def test_overdue_referents_are_emailed_once_per_review_date(app, smtp):
    partner = create_partner()
    late = create_commitment(partner, title="Transmettre les indicateurs", review=TODAY - timedelta(days=3))
    create_commitment(partner, title="Nommer un référent", review=TODAY - timedelta(days=8))
    create_commitment(partner, title="Sans adresse", review=TODAY - timedelta(days=8), email=None)
    create_commitment(partner, title="Pas encore", review=TODAY + timedelta(days=3), email="autre@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["labo", "remind-commitments"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) sent." in result.output
    assert len(smtp) == 1 and smtp[0].rcpt_tos == [REFERENT_EMAIL]
    body = mail_text(smtp[0])
    assert "Transmettre les indicateurs" in body and "Nommer un référent" in body and "Pas encore" not in body
    assert f"/partenaires/caf/engagements/{late.id}" in body
    assert "0 reminder(s) sent." in runner.invoke(args=["labo", "remind-commitments"]).output
    assert len(smtp) == 1
    # A new review date, once past, is reminded again.
    create_follow_up(late, TODAY - timedelta(days=2), "en_cours", review=TODAY - timedelta(days=1))
    assert "1 reminder(s) sent." in runner.invoke(args=["labo", "remind-commitments"]).output
    from labo.mail.services import wait_for_deliveries

    wait_for_deliveries()
    assert len(smtp) == 2 and "Nommer un référent" not in mail_text(smtp[1])


def test_without_mail_server_the_reminder_command_only_says_so(app):
    app.config["MAIL_SERVER"] = None
    commitment = create_commitment(create_partner(), review=TODAY - timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["labo", "remind-commitments"])
    assert result.exit_code == 0 and "MAIL_SERVER is not configured" in result.output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    db.session.refresh(commitment)
    assert commitment.reminded_for is None


# --- the API ---------------------------------------------------------------------


def test_the_api_lists_partners_with_their_statuses_and_no_email(client):
    partner = create_partner()
    kept = create_commitment(partner, review=TODAY + timedelta(days=9))
    create_follow_up(kept, TODAY, "tenu", review=TODAY + timedelta(days=9))
    create_commitment(partner, family="evaluation", title="Transmettre les données")
    response = client.get("/api/v1/partners")
    assert response.status_code == 200
    body = response.get_json()
    assert body[0]["slug"] == "caf" and body[0]["kind"] == "caf"
    assert body[0]["counts"] == {"a_engager": 1, "en_cours": 0, "tenu": 1, "non_tenu": 0}
    assert {(c["family"], c["status"]) for c in body[0]["commitments"]} == {("cooperation", "tenu"), ("evaluation", "a_engager")}
    assert body[0]["commitments"][0]["next_review_on"] == (TODAY + timedelta(days=9)).isoformat()
    assert "@" not in json.dumps(body) and "Carpentier" not in json.dumps(body)


# --- the demo ----------------------------------------------------------------------


def test_the_demo_has_partners_with_differing_years_and_two_overdue_reviews(app, client):
    from labo.demo import seed_demo
    from labo.partners import demo

    seed_demo(app.config)
    assert demo.seed(app.config) == len(demo.DEMO_PARTNERS)
    db.session.commit()
    assert demo.seed(app.config) == 0  # idempotent
    assert 6 <= db.session.scalar(select(func.count(Partner.id))) <= 8
    assert len(services.board().overdue) == 2
    photos = {year: services.photography(date(year, 12, 31)).total.counts for year in (2024, 2025)}
    photos["today"] = services.photography().total.counts
    assert photos[2024] != photos[2025] != photos["today"]
    assert all(c.referent_email.endswith("@labo.example") for c in db.session.scalars(select(Commitment)))
