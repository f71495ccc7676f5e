"""The Labo's formal opinions: issuing one (who may, from what), the
addressee's answer (an administrator, or the partner's referent with an
account), the states (sent, answered on time or late, late), where they
show (public list and page, the meeting's and the process's pages, the
COPIL's dashboard and report, the partners' board) and the API."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from labo.accounts.models import Role
from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.meetings.models import Decision
from labo.opinions import services
from labo.opinions.models import Opinion, State
from tests.conftest import page_text
from tests.factories import (create_admin, create_commitment, create_contribution, create_meeting, create_partner,
                             create_process, create_referent, create_user)

TODAY = date.today()
PAST = datetime.now(timezone.utc) - timedelta(days=10)


def past_meeting(commune_slug: str = "lens"):
    meeting = create_meeting(title="Rencontre de Lens", commune_slug=commune_slug, starts_at=PAST)
    decision = Decision(meeting=meeting, text="Demander des bancs près de l'école", rule="majorité", votes_for=30)
    db.session.add(decision)
    db.session.commit()
    return meeting, decision


def issue(actor, meeting, *, sent: date = TODAY, due_in: int = 30, **kwargs) -> Opinion:
    kwargs.setdefault("addressee", "copil")
    opinion = services.issue_opinion(actor, title="Des bancs près de l'école", body="Les enfants attendent debout.",
                                     asks="Installer trois bancs.", meeting=meeting,
                                     answer_due_on=sent + timedelta(days=due_in), today=sent, **kwargs)
    db.session.commit()
    return opinion


# --- services ------------------------------------------------------------------


def test_an_opinion_moves_from_sent_to_late_and_is_answered_late():
    admin = create_admin()
    meeting, decision = past_meeting()
    opinion = issue(admin, meeting, decision=decision, sent=TODAY - timedelta(days=40))
    assert opinion.state(TODAY - timedelta(days=20)) is State.SENT
    assert opinion.state(TODAY) is State.LATE
    assert services.late_opinions(TODAY) == [opinion]
    services.answer_opinion(admin, opinion, decision="Deux bancs", reasons="Le budget", answered_on=TODAY)
    db.session.commit()
    assert opinion.state(TODAY) is State.ANSWERED_LATE
    assert services.late_opinions(TODAY) == []
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == opinion.id)))
    assert {"opinion.issued", "opinion.answered"} <= actions


def test_an_answer_by_the_date_is_on_time_and_given_only_once():
    admin = create_admin()
    meeting, _ = past_meeting()
    opinion = issue(admin, meeting)
    services.answer_opinion(admin, opinion, decision="Oui", reasons="Bonne idée", answered_on=TODAY)
    assert opinion.state(TODAY + timedelta(days=90)) is State.ANSWERED
    with pytest.raises(services.OpinionError) as refused:
        services.answer_opinion(admin, opinion, decision="Non", reasons="Trop cher", answered_on=TODAY)
    assert refused.value.code == "already-answered"


@pytest.mark.parametrize("kwargs, code", [
    ({"addressee": "commune"}, "commune-required"),
    ({"addressee": "partner"}, "partner-required"),
    ({"addressee": "roi"}, "addressee-invalid"),
    ({"due_in": 0}, "due-past"),
    ({"due_in": 400}, "due-too-far"),
])
def test_bad_input_is_refused_with_a_code(kwargs, code):
    admin = create_admin()
    meeting, _ = past_meeting()
    with pytest.raises(services.OpinionError) as refused:
        issue(admin, meeting, **kwargs)
    assert refused.value.code == code


def test_an_opinion_needs_a_source_and_a_referent_only_their_commune_s():
    admin, referent = create_admin(), create_referent("lievin")
    with pytest.raises(services.OpinionError) as refused:
        issue(admin, None)
    assert refused.value.code == "source-required"
    meeting, _ = past_meeting("lens")
    with pytest.raises(services.OpinionError) as refused:
        issue(referent, meeting)
    assert refused.value.code == "source-not-yours"
    soon = create_meeting(title="Bientôt", commune_slug="lievin")
    with pytest.raises(services.OpinionError) as refused:
        issue(referent, soon)
    assert refused.value.code == "meeting-not-held"
    other, decision = past_meeting("lievin")
    assert issue(referent, other, decision=decision).decision_id == decision.id
    with pytest.raises(services.OpinionError) as refused:
        issue(referent, other, decision=past_meeting("lievin")[1])
    assert refused.value.code == "decision-other-meeting"


def test_text_is_sanitised_once_on_write():
    admin = create_admin()
    meeting, _ = past_meeting()
    opinion = services.issue_opinion(admin, title="<b>Titre</b>", body="<script>alert(1)</script>Bonjour",
                                     asks="Oui", addressee="copil", meeting=meeting,
                                     answer_due_on=TODAY + timedelta(days=5))
    assert "<script" not in opinion.body and "Bonjour" in opinion.body
    assert opinion.title == "<b>Titre</b>"  # plain text, escaped when shown


# --- pages -----------------------------------------------------------------------


def test_an_administrator_issues_from_the_meeting_and_everyone_reads_it(client, auth):
    admin = create_admin(email="admin@example.org")
    meeting, decision = past_meeting()
    contribution = create_contribution(create_user(), title="Des bancs partout")
    contribution.meeting_id = meeting.id
    db.session.commit()
    auth.login("admin@example.org")
    assert "Envoyer un avis du Labo" in page_text(client.get(f"/rencontres/{meeting.id}"))
    response = auth.post("/avis/nouveau", {
        "title": "Des bancs près de l'école", "body": "Les enfants attendent debout.", "asks": "Trois bancs.",
        "addressee": "commune", "commune": "lens", "partner": "", "meeting": str(meeting.id),
        "decision": str(decision.id), "from_process": "", "answer_due_on": (TODAY + timedelta(days=30)).isoformat()})
    assert response.status_code == 302
    opinion = db.session.scalar(select(Opinion))
    assert opinion.issued_by_id == admin.id and opinion.commune.slug == "lens"
    auth.logout()
    page = page_text(client.get(f"/avis/{opinion.id}"))
    assert "Le conseil municipal de Lens" in page and "Envoyé, réponse attendue" in page
    assert "Rencontre de Lens" in page and "Demander des bancs près de l'école" in page
    assert "Des bancs partout" in page  # the contribution born at the meeting...
    assert "Des bancs près de l'école" in page_text(client.get(f"/idees/{contribution.id}"))  # ...and forward
    assert "Entrer la réponse" not in page
    assert "Des bancs près de l'école" in page_text(client.get("/avis/"))
    meeting_page = page_text(client.get(f"/rencontres/{meeting.id}"))
    assert "Avis du Labo" in meeting_page and "Envoyé, réponse attendue" in meeting_page


def test_bad_input_on_the_form_gets_a_message_not_a_500(client, auth):
    create_admin(email="admin@example.org")
    meeting, _ = past_meeting()
    auth.login("admin@example.org")
    form = {"title": "Un avis", "body": "Texte", "asks": "Ceci", "addressee": "copil", "commune": "", "partner": "",
            "meeting": "", "decision": "", "from_process": "", "answer_due_on": (TODAY + timedelta(days=3)).isoformat()}
    response = auth.post("/avis/nouveau", form)
    assert response.status_code == 422
    assert "Choisissez la rencontre ou la démarche" in page_text(response)
    response = auth.post("/avis/nouveau", {**form, "meeting": str(meeting.id), "answer_due_on": "demain"})
    assert response.status_code == 422
    response = auth.post("/avis/nouveau", {**form, "meeting": "999999"})
    assert response.status_code == 422
    response = auth.post("/avis/nouveau", {**form, "meeting": str(meeting.id),
                                           "answer_due_on": (TODAY - timedelta(days=3)).isoformat()})
    assert response.status_code == 422 and "après aujourd'hui" in page_text(response)
    assert db.session.scalar(select(Opinion)) is None
    assert client.get("/avis/424242").status_code == 404


def test_the_partner_s_referent_answers_and_the_dashboard_lists_late_ones(client, auth):
    admin = create_admin(email="admin@example.org")
    partner = create_partner()
    create_commitment(partner, email="Julien.Carpentier@example.org")
    referent = create_user(email="julien.carpentier@example.org")
    other = create_user(email="quelquun@example.org")
    meeting, _ = past_meeting()
    opinion = issue(admin, meeting, addressee="partner", partner=partner, sent=TODAY - timedelta(days=40))
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")
    assert "Des bancs près de l'école" in page_text(client.get("/copil/"))
    assert "Des bancs près de l'école" in page_text(client.get("/partenaires/suivi"))
    auth.logout()
    auth.login(other.email)
    assert client.get(f"/avis/{opinion.id}/reponse").status_code == 403
    auth.logout()
    auth.login(referent.email)
    assert "Entrer la réponse" in page_text(client.get(f"/avis/{opinion.id}"))
    response = auth.post(f"/avis/{opinion.id}/reponse", {"decision": "Deux bancs", "reasons": "Le budget",
                                                         "answered_on": TODAY.isoformat()})
    assert response.status_code == 302
    db.session.refresh(opinion)
    assert opinion.answered_by_id == referent.id and opinion.state(TODAY) is State.ANSWERED_LATE
    response = auth.post(f"/avis/{opinion.id}/reponse", {"decision": "Encore", "reasons": "Encore",
                                                         "answered_on": TODAY.isoformat()})
    assert response.status_code == 422 and "déjà reçu sa réponse" in page_text(response)
    auth.logout()
    assert "Répondu en retard" in page_text(client.get(f"/avis/{opinion.id}"))
    auth.login("copil@example.org")
    dashboard = client.get("/copil/").get_data(as_text=True)
    late_section = dashboard[dashboard.index('id="avis-en-retard"'):dashboard.index("Les réponses reçues")]
    assert "Des bancs près de l'école" not in late_section  # no longer waiting...
    assert "Répondu en retard" in page_text(client.get("/copil/"))  # ...but answered late, and said so
    report = page_text(client.get("/copil/rapport"))
    assert "Des bancs près de l'école" in report and "Deux bancs" in report and "Répondu en retard" in report


def test_the_process_page_traces_its_opinions(client):
    admin = create_admin()
    process = create_process(admin)
    opinion = services.issue_opinion(admin, title="Le square", body="Texte", asks="Ceci", addressee="copil",
                                     process=process, answer_due_on=TODAY + timedelta(days=5))
    db.session.commit()
    page = page_text(client.get(f"/demarches/{process.id}"))
    assert "Avis du Labo" in page and "Le square" in page
    assert process.title in page_text(client.get(f"/avis/{opinion.id}"))


def test_the_api_and_the_openapi_document_carry_opinions(client):
    admin = create_admin()
    meeting, _ = past_meeting()
    opinion = issue(admin, meeting, sent=TODAY - timedelta(days=40))
    items = client.get("/api/v1/opinions").get_json()
    assert [(i["id"], i["state"], i["answer"]) for i in items] == [(opinion.id, "late", None)]
    assert client.get(f"/api/v1/opinions/{opinion.id}").get_json()["addressee"] == "copil"
    assert client.get("/api/v1/opinions/99999").status_code == 404
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/opinions" in document["paths"] and "Opinion" in document["components"]["schemas"]
