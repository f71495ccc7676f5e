"""The proclamation: its versioned text, signing as a person or for an
organisation, the public list and counter, withdrawing, and the rule that
the database keeps one signature per account and one per organisation."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from labo.accounts.models import User
from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.proclamation import services
from labo.proclamation.models import ProclamationVersion, Signature
from tests.conftest import page_text
from tests.factories import PASSWORD, commune, create_admin, create_signature, create_user, publish_proclamation


def signature_count(**where) -> int:
    query = select(func.count(Signature.id))
    for name, value in where.items():
        query = query.where(getattr(Signature, name) == value)
    return db.session.scalar(query)


# --- reading and signing ------------------------------------------------------


def test_a_visitor_reads_the_text_and_is_asked_to_log_in_to_sign(client):
    publish_proclamation(body="<p>Chacun sait des choses.</p><script>alert(1)</script>")
    text = page_text(client.get("/proclamation/"))
    assert "Faire de notre agglomération un territoire participatif" in text
    assert "Chacun sait des choses." in text and "<script>alert" not in text
    assert "Me connecter pour signer" in text and 'id="sign-form"' not in text
    assert "Personne n'a encore signé." in text and "Signatures : 0" not in text
    assert client.post("/proclamation/signer", data={"category": "habitant"}).status_code in (302, 400)
    assert signature_count() == 0


def test_a_resident_signs_publicly_is_listed_and_counted_then_cannot_sign_twice(client, auth):
    publish_proclamation()
    create_user(pseudonym="Josiane", email="j@example.org", home="mazingarbe")
    auth.login("j@example.org")
    form = page_text(client.get("/proclamation/"))
    assert f'<option selected value="{commune("mazingarbe").id}">' in form  # their home commune, pre-filled
    response = auth.post("/proclamation/signer", {"category": "habitant", "commune": str(commune("mazingarbe").id),
                                                   "public": "y"}, form_page="/proclamation/")
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Merci ! Votre signature est comptée." in page
    assert "en tant que : Habitante ou habitant" in page and "Signatures : 1" in page
    assert 'id="sign-form"' not in page  # no second form once signed
    listing = page_text(client.get("/proclamation/signataires"))
    assert "Josiane" in listing and "Mazingarbe</a> : 1" in listing
    again = auth.post("/proclamation/signer", {"category": "elu"}, form_page="/proclamation/signataires")
    assert again.status_code == 409
    assert "Vous avez déjà signé la proclamation." in page_text(again)
    assert signature_count() == 1


def test_a_private_signature_is_counted_but_no_name_is_shown(client, auth):
    create_user(pseudonym="Discrète", email="d@example.org")
    auth.login("d@example.org")
    assert auth.post("/proclamation/signer", {"category": "agent_municipal"}, form_page="/proclamation/").status_code == 302
    listing = page_text(client.get("/proclamation/signataires"))
    assert "Signatures : 1" in listing and "Agente ou agent d'une commune : <strong>1</strong>" in listing
    assert "Discrète" not in listing and "Personne n'apparaît encore dans la liste." in listing
    assert "Votre nom n'est pas affiché." in page_text(client.get("/proclamation/"))


def test_an_unknown_category_is_refused_with_a_message(client, auth):
    create_user(email="x@example.org")
    auth.login("x@example.org")
    response = auth.post("/proclamation/signer", {"category": "roi"}, form_page="/proclamation/")
    assert response.status_code == 422
    assert signature_count() == 0


def test_withdrawing_asks_for_confirmation_deletes_the_signature_and_audits_no_name(client, auth):
    user = create_user(pseudonym="Partante", email="p@example.org")
    signature = create_signature(user)
    signature_id = signature.id
    auth.login("p@example.org")
    confirm = page_text(client.get(f"/proclamation/signatures/{signature_id}/retirer"))
    assert "Oui, retirer ma signature" in confirm and signature_count() == 1  # GET changes nothing
    response = auth.post(f"/proclamation/signatures/{signature_id}/retirer")
    assert response.status_code == 302
    assert signature_count() == 0
    page = page_text(client.get("/proclamation/"))
    assert "Votre signature est retirée." in page and "Personne n'a encore signé." in page and 'id="sign-form"' in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proclamation.signature_withdrawn"))
    assert entry is not None and entry.details == {"kind": "personne"}


def test_only_the_signer_may_withdraw(client, auth):
    owner = create_user()
    create_user(email="other@example.org")
    signature = create_signature(owner, commune_slug=None)
    path = f"/proclamation/signatures/{signature.id}/retirer"
    assert client.get(path).status_code == 302  # anonymous: to the login page
    auth.login("other@example.org")
    assert client.get(path).status_code == 403
    token_page = "/proclamation/"
    assert auth.post(path, form_page=token_page).status_code == 403
    assert signature_count() == 1
    assert client.get("/proclamation/signatures/999999/retirer").status_code == 404


# --- organisations --------------------------------------------------------------


def test_an_organisation_signs_once_whatever_the_spelling_and_its_representative_is_not_shown(client, auth):
    create_user(pseudonym="Karim", email="k@example.org")
    create_user(pseudonym="Nadia", email="n@example.org")
    auth.login("k@example.org")
    assert auth.post("/proclamation/signer", {"category": "habitant"}, form_page="/proclamation/").status_code == 302
    response = auth.post("/proclamation/signer-pour-une-structure", {
        "org-organisation_name": "Centre social Éclaté", "org-representative_name": "Karim Benali",
        "org-representative_role": "coordinateur", "org-commune": str(commune("lievin").id), "org-public": "y",
    }, form_page="/proclamation/")
    assert response.status_code == 302
    assert signature_count(kind="organisation") == 1 and signature_count(kind="personne") == 1
    mine = page_text(client.get("/proclamation/"))
    assert "pour la structure « Centre social Éclaté »" in mine and "en tant que : Habitante ou habitant" in mine
    listing = page_text(client.get("/proclamation/signataires"))
    assert "Centre social Éclaté" in listing and "Karim Benali" not in listing
    auth.logout()
    auth.login("n@example.org")
    again = auth.post("/proclamation/signer-pour-une-structure", {
        "org-organisation_name": "  centre-social  ECLATE ! ", "org-representative_name": "Nadia",
    }, form_page="/proclamation/")
    assert again.status_code == 409
    assert "Cette structure a déjà signé la proclamation." in page_text(again)
    assert signature_count(kind="organisation") == 1


def test_an_organisation_needs_a_name_and_a_representative(client, auth):
    create_user(email="k@example.org")
    auth.login("k@example.org")
    response = auth.post("/proclamation/signer-pour-une-structure", {
        "org-organisation_name": " !!! ", "org-representative_name": "Karim"}, form_page="/proclamation/")
    assert response.status_code == 422 and "Écrivez le nom de la structure." in page_text(response)
    response = auth.post("/proclamation/signer-pour-une-structure", {
        "org-organisation_name": "Les Amis", "org-representative_name": ""}, form_page="/proclamation/")
    assert response.status_code == 422
    assert signature_count() == 0


def test_organisation_key_ignores_case_accents_and_punctuation():
    assert services.organisation_key("Centre Social « L'Éclaté » !") == services.organisation_key("centre social l eclate")
    assert services.organisation_key("Habitat 62") != services.organisation_key("Habitat 59")


# --- concurrency: the database keeps one ------------------------------------------


def _race(app, n: int, attempt) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    refused: list[str] = []

    def one(i: int) -> None:
        try:
            barrier.wait(timeout=30)  # all start together
            with app.app_context():
                try:
                    attempt(i)
                    db.session.commit()
                except services.ProclamationError as error:
                    db.session.rollback()
                    refused.append(error.code)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    return refused


def test_twenty_simultaneous_signatures_from_one_account_store_one(app):
    user_id = create_user().id
    refused = _race(app, 20, lambda i: services.sign_as_person(
        db.session.get(User, user_id), category="habitant", commune=None))
    db.session.commit()  # a fresh transaction sees what the threads wrote
    assert signature_count(signer_id=user_id) == 1
    assert refused == ["already-signed"] * 19


def test_one_organisation_typed_differently_by_twenty_accounts_at_once_signs_once(app):
    ids = [create_user().id for _ in range(20)]
    spellings = ["Bailleur Habitat", "bailleur habitat", "BAILLEUR-HABITAT", "Bailleur  Habitât !"]
    refused = _race(app, 20, lambda i: services.sign_for_organisation(
        db.session.get(User, ids[i]), organisation_name=spellings[i % 4], representative_name=f"Rep {i}"))
    db.session.commit()
    assert signature_count(kind="organisation") == 1
    assert refused == ["organisation-already-signed"] * 19


# --- the counter and the API ---------------------------------------------------


def test_the_api_gives_counts_by_category_kind_and_commune_and_no_names(client):
    people = [create_user(pseudonym=f"Signataire {i}") for i in range(3)]
    services.sign_as_person(people[0], category="habitant", commune=commune("lens"))
    services.sign_as_person(people[1], category="elu", commune=commune("lens"), public=False)
    services.sign_as_person(people[2], category="habitant", commune=None)
    services.sign_for_organisation(people[0], organisation_name="Centre social", representative_name="Mme X",
                                   commune=commune("avion"))
    db.session.commit()
    response = client.get("/api/v1/proclamation/signatures/stats")
    data = response.get_json()
    assert data["total"] == 4
    assert data["by_kind"] == {"personne": 3, "organisation": 1}
    assert data["by_category"]["habitant"] == 2 and data["by_category"]["elu"] == 1
    assert data["by_commune"][0] == {"slug": "lens", "name": "Lens", "count": 2}
    assert {"slug": "avion", "name": "Avion", "count": 1} in data["by_commune"]
    assert data["without_commune"] == 1
    body = response.get_data(as_text=True)
    assert "Signataire" not in body and "Mme X" not in body and "Centre social" not in body


# --- versions ------------------------------------------------------------------


def test_an_administrator_publishes_a_new_version_and_the_old_one_stays_readable(client, auth):
    admin = create_admin(pseudonym="Admin Labo", email="admin@example.org")
    publish_proclamation(admin)
    auth.login("admin@example.org")
    edit = page_text(client.get("/proclamation/modifier"))
    assert "Deuxième paragraphe." in edit  # starts from the current text
    response = auth.post("/proclamation/modifier", {
        "title": "Faire de notre agglomération un territoire participatif",
        "body": "<p>Premier paragraphe.</p><p>Un paragraphe <b>nouveau</b> & <script>x()</script>.</p>",
        "change_note": "Le deuxième paragraphe est réécrit",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("/proclamation/versions/2")
    assert [v.number for v in services.list_versions()] == [2, 1]
    first = services.get_version(1)
    assert first.body == "<p>Premier paragraphe.</p><p>Deuxième paragraphe.</p>"  # never overwritten
    assert "<script>" not in services.get_version(2).body
    history = page_text(client.get("/proclamation/versions"))
    assert "Le deuxième paragraphe est réécrit" in history and "Admin Labo" in history
    shown = client.get("/proclamation/versions/2").get_data(as_text=True)
    assert "<del><span class=\"visually-hidden\">Retiré\u00a0: </span>Deuxième paragraphe.</del>" in shown
    assert "<ins><span class=\"visually-hidden\">Ajouté\u00a0: </span>Un paragraphe nouveau &amp; x().</ins>" in shown
    old = page_text(client.get("/proclamation/versions/1"))
    assert "Deuxième paragraphe." in old and "Ce n'est pas la version en ligne." in old
    assert "Un paragraphe nouveau" in page_text(client.get("/proclamation/"))
    assert client.get("/proclamation/versions/9").status_code == 404
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proclamation.version")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert entry.details["number"] == 2 and entry.actor_label == "Admin Labo"
    assert "Proclamation : version 2 publiée" in page_text(client.get("/admin/journal"))


def test_a_new_version_needs_a_note_and_a_change(client, auth):
    create_admin(email="admin@example.org")
    publish_proclamation()
    auth.login("admin@example.org")
    current = services.current_version()
    no_note = auth.post("/proclamation/modifier", {"title": current.title, "body": "<p>Autre</p>", "change_note": ""})
    assert no_note.status_code == 422 and "Dites en quelques mots ce qui change." in page_text(no_note)
    same = auth.post("/proclamation/modifier", {"title": current.title, "body": current.body, "change_note": "Rien"})
    assert same.status_code == 422 and "rien à enregistrer" in page_text(same)
    assert db.session.scalar(select(func.count(ProclamationVersion.id))) == 1


@pytest.mark.parametrize("who, status", [(None, 302), ("resident", 403), ("referent", 403), ("admin", 200)])
def test_only_administrators_edit_the_text(client, auth, who, status):
    from labo.accounts.models import Role

    if who == "resident":
        create_user(email="who@example.org")
    elif who == "referent":
        create_user(email="who@example.org", roles=[(Role.REFERENT, "lens")])
    elif who == "admin":
        create_admin(email="who@example.org")
    if who:
        auth.login("who@example.org")
    assert client.get("/proclamation/modifier").status_code == status


# --- personal data -------------------------------------------------------------------


def test_my_signatures_are_in_my_data_and_go_with_my_account(client, auth):
    user = create_user(pseudonym="Partante", email="leaving@example.org")
    services.sign_as_person(user, category="membre_association", commune=commune("wingles"), public=False)
    services.sign_for_organisation(user, organisation_name="Les Amis du 3/15", representative_name="Mme P",
                                   representative_role="présidente")
    db.session.commit()
    auth.login("leaving@example.org")
    data = client.get("/compte/mes-donnees.json").get_json()["proclamation_signatures"]
    assert [(s["kind"], s["category"], s["organisation"]) for s in data] == [
        ("personne", "membre_association", None), ("organisation", None, "Les Amis du 3/15")]
    assert data[0]["commune"] == "Wingles" and data[0]["public"] is False and data[1]["representative"] == "Mme P"
    assert auth.post("/compte/supprimer", {"erase-password": PASSWORD}, form_page="/compte/").status_code == 302
    assert signature_count() == 0


def test_an_english_visitor_reads_the_pages_in_english(client):
    publish_proclamation()
    page = page_text(client.get("/proclamation/", headers={"Accept-Language": "en"}))
    assert "Sign the proclamation" in page and "Log in to sign" in page and "Nobody has signed yet." in page
    listing = page_text(client.get("/proclamation/signataires", headers={"Accept-Language": "en"}))
    assert "The signatories of the proclamation" in listing and "Elected official : <strong>0</strong>" in listing
