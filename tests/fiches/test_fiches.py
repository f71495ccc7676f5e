"""The toolbox of experience fiches: proposing, reviewing, publishing,
revisions, search, the API, links to meetings and ideas, personal data."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.fiches import services
from labo.fiches.models import Fiche, FicheRevision
from tests.conftest import page_text
from tests.factories import (PASSWORD, commune, create_admin, create_contribution, create_fiche, create_meeting,
                             create_referent, create_user, jpeg_bytes)

LONG = ("Nous avons installé une table au pied de l'immeuble et nous avons proposé du thé à celles et ceux qui "
        "passaient. ") * 10  # ~1 100 characters, one paragraph


def form(**overrides) -> dict:
    data = {
        "kind": "experience", "title": "Un thé de quartier", "level": "consultation",
        "method": "Une table, du thé, une question sur une ardoise.", "public": "Des voisines",
        "what_worked": "", "difficulties": "", "resources": "", "theme": "", "contact_name": "",
        "contact_details": "", "contributions": "", "action": "submit",
    }
    data.update(overrides)
    return data


# --- the workflow ---------------------------------------------------------------


def test_a_resident_proposes_a_fiche_that_a_lens_referent_publishes(client, auth):
    resident = create_user(email="josiane@example.org")
    create_referent("lens", email="nadia@example.org")
    create_referent("lievin", email="karim@example.org")
    lens = commune("lens")

    auth.login("josiane@example.org")
    response = auth.post("/boite-a-outils/proposer", form(communes=[str(lens.id)]))
    assert response.status_code == 302
    fiche = db.session.scalar(select(Fiche).where(Fiche.title == "Un thé de quartier"))
    assert fiche.status == "submitted" and fiche.author_id == resident.id
    page = page_text(client.get(f"/boite-a-outils/{fiche.id}"))
    assert "En relecture" in page
    assert "Un thé de quartier" not in page_text(client.get("/boite-a-outils/"))
    auth.logout()

    assert client.get(f"/boite-a-outils/{fiche.id}").status_code == 404  # not public yet
    assert client.get(f"/api/v1/fiches/{fiche.id}").status_code == 404

    auth.login("karim@example.org")  # a referent of another commune
    assert "Un thé de quartier" not in page_text(client.get("/boite-a-outils/a-relire"))
    assert client.get(f"/boite-a-outils/{fiche.id}").status_code == 404
    auth.logout()

    auth.login("nadia@example.org")
    assert "Un thé de quartier" in page_text(client.get("/boite-a-outils/a-relire"))
    response = auth.post(f"/boite-a-outils/{fiche.id}/publier", form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 302
    auth.logout()

    assert "Un thé de quartier" in page_text(client.get("/boite-a-outils/"))
    assert client.get(f"/api/v1/fiches/{fiche.id}").json["title"] == "Un thé de quartier"
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "fiche")))
    assert actions == {"fiche.submitted", "fiche.published"}


def test_a_reviewer_sends_a_fiche_back_with_a_reason_its_author_reads(client, auth):
    author = create_user(email="auteur@example.org")
    create_referent("lens", email="nadia@example.org")
    fiche = create_fiche(author)

    auth.login("nadia@example.org")
    response = auth.post(f"/boite-a-outils/{fiche.id}/renvoyer", {"reason": ""}, form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 422
    assert "Dites à la personne qui l'a écrite ce qui est à revoir." in page_text(response)
    response = auth.post(f"/boite-a-outils/{fiche.id}/renvoyer", {"reason": "Dites combien de personnes sont venues."},
                         form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 302
    auth.logout()

    auth.login("auteur@example.org")
    assert "Dites combien de personnes sont venues." in page_text(client.get("/boite-a-outils/mes-fiches"))
    page = page_text(client.get(f"/boite-a-outils/{fiche.id}"))
    assert "À revoir : Dites combien de personnes sont venues." in page
    response = auth.post(f"/boite-a-outils/{fiche.id}/modifier",
                         form(title=fiche.title, communes=[str(commune("lens").id)], public="Trente personnes"))
    assert response.status_code == 302
    db.session.refresh(fiche)
    assert fiche.status == "submitted" and fiche.returned_reason is None and fiche.public == "Trente personnes"


def test_who_may_do_what_with_a_fiche(client, auth):
    author = create_user(email="auteur@example.org")
    create_user(email="autre@example.org")
    create_referent("lievin", email="karim@example.org")
    fiche = create_fiche(author)
    orphan = create_fiche(author, title="Sans commune", communes=())

    assert client.get("/boite-a-outils/proposer").status_code == 302  # anonymous: log in first
    auth.login("autre@example.org")
    assert client.get(f"/boite-a-outils/{fiche.id}/modifier").status_code == 404
    assert client.get("/boite-a-outils/a-relire").status_code == 403
    auth.logout()

    auth.login("auteur@example.org")
    assert client.get(f"/boite-a-outils/{fiche.id}/modifier").status_code == 200
    response = auth.post(f"/boite-a-outils/{fiche.id}/publier", form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 403  # an author does not publish their own fiche
    auth.logout()

    # A fiche naming no commune may be reviewed by any referent.
    auth.login("karim@example.org")
    queue = page_text(client.get("/boite-a-outils/a-relire"))
    assert "Sans commune" in queue and "Une balade urbaine" not in queue
    response = auth.post(f"/boite-a-outils/{orphan.id}/publier", form_page=f"/boite-a-outils/{orphan.id}")
    assert response.status_code == 302
    db.session.refresh(orphan)
    assert orphan.is_published


def test_publishing_twice_says_so(client, auth):
    admin = create_admin(email="admin@example.org")
    fiche = create_fiche(create_user(), publish_by=admin)
    auth.login("admin@example.org")
    response = auth.post(f"/boite-a-outils/{fiche.id}/publier", form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 409
    assert "Cette fiche est déjà publiée." in page_text(response)


# --- revisions -------------------------------------------------------------------


def test_every_edit_of_a_published_fiche_is_kept_in_its_history(client, auth):
    author = create_user(email="auteur@example.org", pseudonym="Josiane")
    admin = create_admin(email="admin@example.org", pseudonym="Admin")
    fiche = create_fiche(author, publish_by=admin, method="Première façon de faire.")
    lens = str(commune("lens").id)

    auth.login("auteur@example.org")
    response = auth.post(f"/boite-a-outils/{fiche.id}/modifier",
                         form(title=fiche.title, level="concertation", method="Deuxième façon de faire.", communes=[lens],
                              action="save"))
    assert response.status_code == 302
    auth.logout()
    auth.login("admin@example.org")
    auth.post(f"/boite-a-outils/{fiche.id}/modifier",
              form(title="Une balade urbaine à Lens", level="concertation", method="Deuxième façon de faire.",
                   communes=[lens], action="save"))
    auth.logout()

    db.session.refresh(fiche)
    assert fiche.is_published and fiche.title == "Une balade urbaine à Lens"
    numbers = [r.number for r in fiche.revisions]
    assert numbers == [1, 2, 3]
    history = page_text(client.get(f"/boite-a-outils/{fiche.id}/historique"))
    assert "par Josiane" in history and "par Admin" in history
    assert "comment on a fait" in history and "titre" in history
    first = page_text(client.get(f"/boite-a-outils/{fiche.id}/historique/1"))
    assert "Première façon de faire." in first and "Deuxième façon" not in first
    assert client.get(f"/boite-a-outils/{fiche.id}/historique/9").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "fiche.edited")) == 2


def test_saving_without_change_adds_no_revision(app):
    admin = create_admin()
    fiche = create_fiche(create_user(), publish_by=admin)
    data = services.FicheInput(kind=fiche.kind, title=fiche.title, level=fiche.level, method=fiche.method,
                               communes=tuple(fiche.communes))
    services.save_fiche(admin, fiche, data)
    db.session.commit()
    assert len(fiche.revisions) == 1


# --- bad input ---------------------------------------------------------------------


def test_bad_input_gets_clear_messages(client, auth):
    create_user(email="auteur@example.org")
    auth.login("auteur@example.org")
    cases = [
        (form(title="", method=""), ["Donnez un titre à la fiche.", "Racontez comment vous avez fait."]),
        (form(level="tout"), ["Choisissez le niveau de participation."]),
        (form(method="x" * 1201), ["1200"]),
        (form(method="\n".join(["ligne"] * 16)), ["Trop de retours à la ligne"]),
        (form(contributions="douze"), ["Écrivez les numéros séparés par des virgules"]),
        (form(contributions="999999"), ["Aucune contribution ne porte ce numéro."]),
        (form(contact_consent="y"), ["Indiquez un contact, ou décochez la case."]),
        (form(communes=[str(commune("lens").id)], qpvs=[str(db.session.scalar(
            select(__import__("labo.territory.models", fromlist=["Qpv"]).Qpv.id).where(
                __import__("labo.territory.models", fromlist=["Qpv"]).Qpv.code == "QP062002")))]),
         ["Ce quartier n'est dans aucune des communes cochées."]),
    ]
    for data, messages in cases:
        response = auth.post("/boite-a-outils/proposer", data)
        assert response.status_code == 422, data
        text = page_text(response)
        for message in messages:
            assert message in text, (message, data)
    assert db.session.scalar(select(func.count()).select_from(Fiche)) == 0


def test_a_link_to_a_hidden_idea_is_refused(client, auth):
    from labo.contributions import services as contributions

    author = create_user(email="auteur@example.org")
    idea = contributions.create_contribution(current_app.config, author, kind="idee", title="Des bancs",
                                             body="Près de l'arrêt.", commune=commune("lens"))
    idea.visibility = "hidden"
    db.session.commit()
    auth.login("auteur@example.org")
    response = auth.post("/boite-a-outils/proposer", form(contributions=str(idea.id)))
    assert response.status_code == 422
    assert "On ne peut lier qu'une contribution publiée." in page_text(response)


# --- search and filters -----------------------------------------------------------


def test_search_ignores_accents_and_case_and_filters_combine(client):
    admin = create_admin()
    create_fiche(admin, title="Un thé de quartier", communes=("avion",), level="consultation", publish_by=admin,
                 method="Une ardoise et des gâteaux.")
    create_fiche(admin, title="Le jardin partagé", communes=("wingles",), level="codecision", publish_by=admin,
                 kind="experience", method="Des règles écrites ensemble.")
    create_fiche(admin, title="Le porteur de parole", communes=(), level="consultation", kind="methode",
                 publish_by=admin)
    create_fiche(admin, title="Un thé pas encore relu", communes=("avion",))  # submitted only

    def titles(query: str) -> set[str]:
        return {f["title"] for f in client.get(f"/api/v1/fiches?{query}").json["items"]}

    assert titles("q=THE") == {"Un thé de quartier"}
    assert titles("q=gateaux ardoise") == {"Un thé de quartier"}
    assert titles("q=partage") == {"Le jardin partagé"}
    assert titles("q=r%C3%A8gles") == {"Le jardin partagé"}
    assert titles("q=100%25") == set()
    assert titles("level=consultation") == {"Un thé de quartier", "Le porteur de parole"}
    assert titles("kind=methode") == {"Le porteur de parole"}
    assert titles("commune=wingles") == {"Le jardin partagé"}
    assert titles("commune=avion&level=codecision") == set()

    page = page_text(client.get("/boite-a-outils/?q=thé&commune=avion"))
    assert "Un thé de quartier" in page and "Le jardin partagé" not in page and "pas encore relu" not in page
    page = page_text(client.get("/boite-a-outils/?level=nimporte&kind=quoi"))
    assert "3 fiches." in page  # unknown filters filter nothing


def test_theme_filter_by_pillar_and_ambition(client):
    from labo.territory.models import Ambition

    admin = create_admin()
    ambition = db.session.scalar(select(Ambition).order_by(Ambition.id).limit(1))
    create_fiche(admin, title="Avec ambition", ambition=ambition, publish_by=admin)
    create_fiche(admin, title="Sans thème", publish_by=admin)
    assert {f["title"] for f in client.get(f"/api/v1/fiches?theme={ambition.slug}").json["items"]} == {"Avec ambition"}
    assert {f["title"] for f in client.get(f"/api/v1/fiches?theme=p{ambition.pillar.number}").json["items"]} == {"Avec ambition"}


# --- contacts, the API, links -------------------------------------------------------


def test_contacts_are_shown_only_with_consent(client):
    admin = create_admin()
    shown = create_fiche(admin, title="Avec accord", contact_name="Centre social", contact_details="03 21 11 22 33",
                         contact_consent=True, publish_by=admin)
    hidden = create_fiche(admin, title="Sans accord", contact_name="Madame Secret", contact_details="06 00 00 00 00",
                          publish_by=admin)
    assert "03 21 11 22 33" in page_text(client.get(f"/boite-a-outils/{shown.id}"))
    assert client.get(f"/api/v1/fiches/{shown.id}").json["contact"] == {"name": "Centre social", "details": "03 21 11 22 33"}
    for path in (f"/boite-a-outils/{hidden.id}", f"/boite-a-outils/{hidden.id}/imprimer", f"/api/v1/fiches/{hidden.id}",
                 f"/boite-a-outils/{hidden.id}/historique/1"):
        body = page_text(client.get(path))
        assert "06 00 00 00 00" not in body and "Madame Secret" not in body, path


def test_api_refuses_bad_parameters_with_a_message(client):
    assert client.get("/api/v1/fiches?page=0").status_code == 400
    response = client.get("/api/v1/fiches?level=pouvoir")
    assert response.status_code == 400 and "level" in response.json["errors"]
    assert client.get("/api/v1/fiches?kind=roman").status_code == 400
    assert client.get("/api/v1/fiches/424242").json["status"] == 404


def test_fiches_link_to_meetings_and_ideas_and_they_link_back(client, auth):
    admin = create_admin(email="admin@example.org")
    meeting = create_meeting(starts_at=datetime.now(timezone.utc) - timedelta(days=3))
    idea = create_contribution(admin, title="Un jardin", body="Au pied des immeubles.", commune_slug="wingles")

    auth.login("admin@example.org")
    response = auth.post("/boite-a-outils/proposer", form(title="Le jardin partagé", meetings=[str(meeting.id)],
                                                          contributions=f"#{idea.id}"))
    assert response.status_code == 302
    fiche = db.session.scalar(select(Fiche).where(Fiche.title == "Le jardin partagé"))
    assert "Le jardin partagé" not in page_text(client.get(f"/rencontres/{meeting.id}"))  # not published yet
    auth.post(f"/boite-a-outils/{fiche.id}/publier", form_page=f"/boite-a-outils/{fiche.id}")

    page = page_text(client.get(f"/boite-a-outils/{fiche.id}"))
    assert "Rencontre de Wingles" in page and "Un jardin" in page
    for path in (f"/rencontres/{meeting.id}", f"/idees/{idea.id}"):
        page = page_text(client.get(path))
        assert "Fiches de la boîte à outils" in page and "Le jardin partagé" in page, path
    data = client.get(f"/api/v1/fiches/{fiche.id}").json
    assert data["meetings"][0]["id"] == meeting.id and data["contributions"][0]["id"] == idea.id


# --- photos and files -----------------------------------------------------------------


def test_a_photo_needs_its_description_and_a_file_is_downloaded(client, auth):
    author = create_user(email="auteur@example.org")
    fiche = create_fiche(author)
    auth.login("auteur@example.org")
    files = f"/boite-a-outils/{fiche.id}/photos-et-fichiers"
    photo = jpeg_bytes((800, 600))
    response = auth.post(f"/boite-a-outils/{fiche.id}/photos", {"photo": (io.BytesIO(photo), "a.jpg"), "alt": ""},
                         form_page=files, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Décrivez la photo en quelques mots" in page_text(response)
    response = auth.post(f"/boite-a-outils/{fiche.id}/photos",
                         {"photo": (io.BytesIO(photo), "a.jpg"), "alt": "La table du thé"},
                         form_page=files, content_type="multipart/form-data")
    assert response.status_code == 302
    response = auth.post(f"/boite-a-outils/{fiche.id}/fichiers", {"file": (io.BytesIO(b"not a pdf"), "x.exe")},
                         form_page=files, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Envoyez un PDF, un document ODT ou DOCX" in page_text(response)
    response = auth.post(f"/boite-a-outils/{fiche.id}/fichiers",
                         {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "déroulé du thé.pdf")},
                         form_page=files, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(fiche)
    page = page_text(client.get(f"/boite-a-outils/{fiche.id}"))
    assert 'alt="La table du thé"' in page and "déroulé du thé.pdf" in page
    download = client.get(f"/boite-a-outils/{fiche.id}/fichiers/{fiche.attachments[0].id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    photo = client.get(f"/boite-a-outils/photos/{fiche.photos[0].key}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    auth.logout()
    assert client.get(f"/boite-a-outils/photos/{fiche.photos[0].key}").status_code == 404  # not published yet


def test_the_printable_view_lists_files_by_name(client):
    admin = create_admin()
    fiche = create_fiche(admin, publish_by=admin, what_worked=LONG, difficulties=LONG, method=LONG)
    response = client.get(f"/boite-a-outils/{fiche.id}/imprimer")
    assert response.status_code == 200
    page = page_text(response)
    assert "css/fiches-print.css" in page and LONG.strip()[:80] in page


# --- personal data --------------------------------------------------------------------------


def test_download_and_erasure_of_ones_fiches(app):
    from labo.privacy.personal_data import erase_account, export_personal_data

    author = create_user(pseudonym="Josiane")
    admin = create_admin()
    published = create_fiche(author, title="Publiée", contact_name="Josiane", contact_details="06 11 22 33 44",
                             contact_consent=True, publish_by=admin)
    draft = create_fiche(author, title="Pas encore relue")
    other = create_fiche(admin, title="Relue par Josiane", publish_by=admin)
    services.save_fiche(author, other, services.FicheInput(kind="experience", title="Relue par Josiane", level="concertation",
                                                           method="Autrement dit.", communes=tuple(other.communes)))
    db.session.commit()
    assert {f["title"] for f in export_personal_data(author)["fiches"]} == {"Publiée", "Pas encore relue"}

    erase_account(app.config, author, PASSWORD)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Fiche, draft.id) is None
    kept = db.session.get(Fiche, published.id)
    assert kept.is_published and kept.author_label == "participant·e supprimé·e"
    assert (kept.contact_name, kept.contact_details, kept.contact_consent) == ("", "", False)
    for revision in db.session.scalars(select(FicheRevision).where(FicheRevision.fiche_id == kept.id)):
        assert "06 11 22 33 44" not in str(revision.snapshot)
    labels = set(db.session.scalars(select(FicheRevision.editor_label).where(FicheRevision.fiche_id == other.id)))
    assert "Josiane" not in labels and "participant·e supprimé·e" in labels


def test_the_demo_seeds_published_fiches_and_one_to_review_once(app):
    from labo.demo import seed_demo, seed_demo_contributions, seed_demo_meetings
    from labo.fiches.demo import seed

    seed_demo(app.config)
    seed_demo_contributions(app.config)
    seed_demo_meetings(app.config)
    assert seed(app.config) == 7
    assert seed(app.config) == 0
    statuses = list(db.session.scalars(select(Fiche.status)))
    assert statuses.count("published") == 6 and statuses.count("submitted") == 1
    kinds = set(db.session.scalars(select(Fiche.kind)))
    assert kinds == {"experience", "methode", "formation", "compte_rendu"}


def test_a_draft_stays_private_until_its_author_sends_it(client, auth):
    create_user(email="auteur@example.org")
    create_referent("lens", email="nadia@example.org")
    auth.login("auteur@example.org")
    response = auth.post("/boite-a-outils/proposer", form(title="Mon brouillon", communes=[str(commune("lens").id)],
                                                          action="draft"))
    assert response.status_code == 302
    fiche = db.session.scalar(select(Fiche).where(Fiche.title == "Mon brouillon"))
    assert fiche.status == "draft"
    assert "Brouillon" in page_text(client.get(f"/boite-a-outils/{fiche.id}"))
    auth.logout()
    auth.login("nadia@example.org")
    assert "Mon brouillon" not in page_text(client.get("/boite-a-outils/a-relire"))
    auth.logout()

    auth.login("auteur@example.org")
    response = auth.post(f"/boite-a-outils/{fiche.id}/envoyer", form_page=f"/boite-a-outils/{fiche.id}")
    assert response.status_code == 302
    db.session.refresh(fiche)
    assert fiche.status == "submitted"
    response = auth.post(f"/boite-a-outils/{fiche.id}/envoyer", form_page=f"/boite-a-outils/{fiche.id}")
    assert "Cette fiche est déjà envoyée." in page_text(client.get(f"/boite-a-outils/{fiche.id}"))
