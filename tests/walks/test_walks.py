"""Walking diagnostics: planning a walk (a meeting of kind 'walk' and its Walk
row, in the programme), capturing findings on the phone (the same key twice
makes one finding; the photo loses its metadata; the position only by
choice, rounded), sorting and sending them on, the answer (the partner's
referent, administrators), the public page, the report, the API, the COPIL's
figures, and the person's download and erasure."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from labo.extensions import db
from labo.meetings import services as meetings
from labo.meetings.models import Meeting
from labo.territory.models import Qpv
from labo.walks import services
from labo.walks.models import Finding, Walk
from tests.conftest import page_text
from tests.factories import (commune, create_admin, create_animator, create_commitment, create_partner,
                             create_referent, create_user, jpeg_bytes)

SOON = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=10)
CLIENT_KEY = "cle-du-telephone-0001"


def plan(actor, *, starts_at=SOON, commune_slug="lens", **kwargs):
    kwargs.setdefault("qpv", db.session.scalar(select(Qpv).where(Qpv.code == "QP062024")))
    walk = services.plan_walk(actor, title=kwargs.pop("title", ""), starts_at=starts_at, ends_at=None,
                              commune=commune(commune_slug), meeting_point="Devant l'école Jean-Macé",
                              route="Rue Diderot\nLe square", invites_residents=True, invites_landlord=True,
                              invites_services=False, **kwargs)
    db.session.commit()
    return walk


def capture(app, actor, walk, **kwargs):
    kwargs.setdefault("category", "lighting")
    kwargs.setdefault("text", "Trois lampadaires éteints.")
    kwargs.setdefault("street", "rue Diderot")
    finding, created = services.add_finding(app.config, actor, walk, **kwargs)
    db.session.commit()
    return finding, created


def jpeg_with_gps() -> bytes:
    """A phone's photo whose EXIF says where it was taken."""
    image = Image.new("RGB", (80, 60), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (50.0, 26.0, 30.0), 3: "E", 4: (2.0, 49.0, 0.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif().get_ifd(0x8825), "the test photo carries GPS"
    return buffer.getvalue()


@pytest.fixture
def uploads(app, tmp_path):
    previous = app.config["LABO_UPLOAD_DIR"]
    app.config["LABO_UPLOAD_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["LABO_UPLOAD_DIR"] = previous


# --- planning ---------------------------------------------------------------------


def test_a_planned_walk_is_a_meeting_of_kind_walk_in_the_programme(client):
    referent = create_referent("lens")
    walk = plan(referent)
    meeting = db.session.get(Meeting, walk.meeting_id)
    assert meeting.kind == "walk"
    assert meeting.commune.slug == "lens"
    assert "Cité 12" in meeting.title  # named after the QPV when no title is given
    assert meeting in meetings.upcoming()
    programme = page_text(client.get("/rencontres/"))
    assert meeting.title in programme
    # registration and reminders as for any meeting: a seat can be taken
    resident = create_user(home="lens")
    seat = meetings.register(meeting, user=resident)
    assert seat.status == "confirmed"


def test_a_referent_plans_only_in_their_commune_an_animator_anywhere(auth, client):
    referent = create_referent("lens", email="nadia@example.org")
    with pytest.raises(services.WalkError) as refused:
        plan(referent, commune_slug="lievin", qpv=None)
    assert refused.value.code == "commune-not-yours"
    animator = create_animator()
    assert plan(animator, commune_slug="lievin", qpv=None).meeting.commune.slug == "lievin"
    # the form offers the referent's communes only, and refuses a QPV of another commune
    auth.login("nadia@example.org")
    page = client.get("/diagnostics/nouveau").get_data(as_text=True)
    assert ">Lens<" in page and ">Liévin<" not in page
    other_qpv = db.session.scalar(select(Qpv).where(Qpv.code == "QP062028"))  # Liévin
    response = auth.post("/diagnostics/nouveau", {
        "starts_at": "2030-05-04T14:00", "commune": str(commune("lens").id), "qpv": str(other_qpv.id),
        "meeting_point": "La place", "invites_residents": "y"})
    assert response.status_code == 422
    assert "Ce quartier n'est pas dans cette commune." in page_text(response)


def test_the_plan_form_creates_the_meeting_and_the_walk_together(auth, client):
    create_referent("lens", email="nadia@example.org")
    auth.login("nadia@example.org")
    before = db.session.scalar(select(func.count(Meeting.id)))
    response = auth.post("/diagnostics/nouveau", {
        "title": "", "starts_at": "2030-05-04T14:00", "ends_at": "2030-05-04T16:00",
        "commune": str(commune("lens").id), "qpv": "", "meeting_point": "Devant la mairie",
        "route": "Rue A\r\nRue B", "invites_residents": "y", "invites_services": "y"})
    assert response.status_code == 302
    walk = db.session.scalar(select(Walk).order_by(Walk.id.desc()))
    assert response.headers["Location"].endswith(f"/diagnostics/{walk.id}")
    assert db.session.scalar(select(func.count(Meeting.id))) == before + 1
    assert walk.meeting.kind == "walk" and walk.route == "Rue A\nRue B"
    assert (walk.invites_residents, walk.invites_landlord, walk.invites_services) == (True, False, True)
    # nobody invited: refused with a message, nothing made
    response = auth.post("/diagnostics/nouveau", {
        "starts_at": "2030-05-04T14:00", "commune": str(commune("lens").id), "meeting_point": "Ici"})
    assert response.status_code == 422
    assert "Cochez au moins une personne invitée." in page_text(response)


# --- capturing ----------------------------------------------------------------------


def test_the_same_key_sent_twice_makes_one_finding(app, uploads):
    referent = create_referent("lens")
    walk = plan(referent)
    first, created = capture(app, referent, walk, client_key=CLIENT_KEY, photo=jpeg_bytes())
    again, created_again = capture(app, referent, walk, client_key=CLIENT_KEY, photo=jpeg_bytes())
    assert created and not created_again
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk.id)) == 1
    assert len([p for p in uploads.iterdir() if p.is_file()]) == 1, "the second photo is not kept"
    # the database itself refuses a second row with the same key
    from sqlalchemy.exc import IntegrityError

    db.session.add(Finding(walk_id=walk.id, client_key=CLIENT_KEY, category="other", text="x", street="y"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_twenty_sends_of_one_key_at_once_store_one_finding(app):
    import threading

    from labo.accounts.models import User

    referent = create_referent("lens")
    walk = plan(referent)
    walk_id, referent_id = walk.id, referent.id
    barrier = threading.Barrier(20)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)  # all twenty start together
            with app.app_context():
                try:
                    _finding, created = services.add_finding(
                        app.config, db.session.get(User, referent_id), db.session.get(Walk, walk_id),
                        category="safety", text="Une grille arrachée", street="square", client_key=CLIENT_KEY)
                    db.session.commit()
                    outcomes.append(created)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(outcomes) == [False] * 19 + [True]
    db.session.commit()
    assert db.session.scalar(select(func.count(Finding.id)).where(Finding.walk_id == walk_id)) == 1


def test_the_json_send_keeps_csrf_and_answers_the_same_finding_on_a_retry(app, auth, client, uploads):
    referent = create_referent("lens", email="nadia@example.org")
    walk = plan(referent)
    auth.login("nadia@example.org")
    data = {"category": "safety", "text": "Une grille cassée.", "street": "rue Voltaire", "client_key": CLIENT_KEY,
            "latitude": "50.441234567", "longitude": "2.816345678"}
    no_token = client.post(f"/diagnostics/{walk.id}/constater", data=data, headers={"Accept": "application/json"})
    assert no_token.status_code == 400
    assert db.session.scalar(select(func.count(Finding.id))) == 0
    first = auth.post(f"/diagnostics/{walk.id}/constater", data, headers={"Accept": "application/json"})
    assert first.status_code == 201, first.get_data(as_text=True)
    second = auth.post(f"/diagnostics/{walk.id}/constater", data, headers={"Accept": "application/json"})
    assert second.status_code == 200
    assert first.json["id"] == second.json["id"]
    finding = db.session.get(Finding, first.json["id"])
    assert (finding.latitude, finding.longitude) == (50.4412, 2.8163), "rounded to about 11 m"
    # a refusal says why, in JSON, with a 4xx
    bad = auth.post(f"/diagnostics/{walk.id}/constater", {"category": "lighting", "text": "Rien", "street": "",
                                                          "client_key": "autre-cle-0002"},
                    headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert "nom de la rue" in bad.json["error"]


def test_without_javascript_the_plain_form_posts_a_finding_with_its_photo(app, auth, client, uploads):
    referent = create_referent("lens", email="nadia@example.org")
    walk = plan(referent)
    auth.login("nadia@example.org")
    page = client.get(f"/diagnostics/{walk.id}/constater")
    assert page.status_code == 200
    assert "Ajouter ma position" in page_text(page)
    response = auth.post(f"/diagnostics/{walk.id}/constater", {
        "category": "cleanliness", "text": "Des sacs de déchets   au pied de l'arbre.", "street": "square Voltaire",
        "photo": (io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302
    finding = db.session.scalar(select(Finding))
    assert finding.text == "Des sacs de déchets au pied de l'arbre."
    assert finding.latitude is None and finding.longitude is None, "no position unless the person adds it"
    stored = Image.open(uploads / finding.photo_key)
    assert not stored.getexif(), "the photo keeps no EXIF (and so no GPS)"
    assert "Des sacs de déchets" in page_text(client.get(f"/diagnostics/{walk.id}/constater"))
    # not sorted yet: its photo is for the referents only, and the walk's page says one waits
    photo = f"/diagnostics/photos/{finding.photo_key}"
    assert client.get(photo).status_code == 200
    assert app.test_client().get(photo).status_code == 404
    assert "1 constat attend que la personne référente le relise" in page_text(app.test_client().get(
        f"/diagnostics/{walk.id}"))


def test_only_people_registered_with_an_account_the_animators_and_referents_capture(app, auth, client):
    referent = create_referent("lens")
    walk = plan(referent)
    resident = create_user(email="josiane@example.org", home="lens")
    other_referent = create_referent("lievin")
    for person in (resident, other_referent):
        with pytest.raises(services.WalkError):
            capture(app, person, walk)
    auth.login("josiane@example.org")
    assert client.get(f"/diagnostics/{walk.id}/constater").status_code == 403
    meetings.register(walk.meeting, user=resident)
    db.session.commit()
    assert client.get(f"/diagnostics/{walk.id}/constater").status_code == 200
    finding, _ = capture(app, resident, db.session.get(Walk, walk.id))
    assert finding.author_id == resident.id


def test_bad_input_gets_a_message_and_a_4xx(app, auth, client):
    referent = create_referent("lens", email="nadia@example.org")
    walk = plan(referent)
    auth.login("nadia@example.org")
    cases = [
        ({"category": "", "text": "x", "street": "rue"}, "Choisissez de quoi il s'agit."),
        ({"category": "lighting", "text": "", "street": "rue"}, "Écrivez en une phrase ce que vous avez vu."),
        ({"category": "lighting", "text": "x", "street": "", "latitude": "abc", "longitude": "2"},
         "Cette position n'est pas lisible"),
        ({"category": "lighting", "text": "x", "street": "", "latitude": "95", "longitude": "2"},
         "Cette position n'est pas lisible"),
        ({"category": "nope", "text": "x", "street": "rue"}, "Choisissez de quoi il s'agit."),
    ]
    for data, message in cases:
        response = auth.post(f"/diagnostics/{walk.id}/constater", data)
        assert response.status_code == 422, data
        assert message in page_text(response), data
    photo = auth.post(f"/diagnostics/{walk.id}/constater", {"category": "lighting", "text": "x", "street": "rue",
                                                             "photo": (io.BytesIO(b"not a picture"), "a.jpg")},
                      content_type="multipart/form-data")
    assert photo.status_code == 422
    assert "Ce fichier n'est pas une photo lisible." in page_text(photo)
    assert db.session.scalar(select(func.count(Finding.id))) == 0
    # planning: a QPV or a commune that is not in the lists is refused with a message
    for data, message in (({"qpv": "999999"}, "Ce quartier n'existe pas"),
                          ({"commune": "999999"}, "Choisissez la commune."),
                          ({"starts_at": "demain"}, "")):
        sent = {"starts_at": "2030-05-04T14:00", "commune": str(commune("lens").id), "meeting_point": "Ici",
                "invites_residents": "y", **data}
        response = auth.post("/diagnostics/nouveau", sent)
        assert response.status_code == 422, data
        assert message in page_text(response)


# --- sorting, answering, the public page ------------------------------------------------


def walk_with_findings(app):
    referent = create_referent("lens", email="nadia@example.org")
    walk = plan(referent, starts_at=datetime.now(timezone.utc) - timedelta(days=3))
    lamp, _ = capture(app, referent, walk, text="Lampadaire éteint", latitude="50.44", longitude="2.81", street="")
    door, _ = capture(app, referent, walk, category="housing", text="Porte du hall cassée", street="rue Voltaire")
    twin, _ = capture(app, referent, walk, category="housing", text="La porte du 12 ne ferme pas", street="rue Voltaire")
    junk, _ = capture(app, referent, walk, category="other", text="Essai", street="ici")
    return referent, walk, lamp, door, twin, junk


def test_the_referent_sorts_sends_and_the_partner_s_referent_answers(app, auth, client):
    referent, walk, lamp, door, twin, junk = walk_with_findings(app)
    landlord = create_partner(name="Habitat du Bassin minier", slug="hbm", kind="bailleur")
    create_commitment(landlord, email="sandrine@example.org")
    db.session.commit()
    auth.login("nadia@example.org")
    page = client.get(f"/diagnostics/{walk.id}/tri")
    assert page.status_code == 200
    sort = f"/diagnostics/{walk.id}/constats/{{}}/tri"
    response = auth.post(sort.format(door.id), {f"c{door.id}-category": "housing", f"c{door.id}-partner": "hbm",
                                                 f"c{door.id}-service_name": "", "action": "send"},
                         form_page=f"/diagnostics/{walk.id}/tri")
    assert response.status_code == 302
    auth.post(sort.format(lamp.id), {f"c{lamp.id}-category": "lighting", f"c{lamp.id}-partner": "",
                                     f"c{lamp.id}-service_name": "Éclairage public", "action": "send"},
              form_page=f"/diagnostics/{walk.id}/tri")
    auth.post(sort.format(twin.id), {f"c{twin.id}-category": "housing", f"c{twin.id}-duplicate_of": str(door.id),
                                     "action": "merge"}, form_page=f"/diagnostics/{walk.id}/tri")
    auth.post(sort.format(junk.id), {f"c{junk.id}-category": "other", "action": "reject"},
              form_page=f"/diagnostics/{walk.id}/tri")
    # neither a partner nor a service: refused with a message
    refused = auth.post(sort.format(lamp.id), {f"c{lamp.id}-category": "lighting", f"c{lamp.id}-partner": "",
                                               f"c{lamp.id}-service_name": "", "action": "send"},
                        form_page=f"/diagnostics/{walk.id}/tri")
    assert refused.status_code == 422
    assert "Choisissez un partenaire ou écrivez le nom du service" in page_text(refused)
    unknown = auth.post(sort.format(lamp.id), {f"c{lamp.id}-category": "lighting", f"c{lamp.id}-partner": "nope",
                                               "action": "send"}, form_page=f"/diagnostics/{walk.id}/tri")
    assert unknown.status_code == 422
    assert "Ce partenaire n'existe pas ou plus" in page_text(unknown)
    db.session.expire_all()
    assert (door.status, door.partner_id) == ("sent", landlord.id)
    assert (lamp.status, lamp.service_name) == ("sent", "Éclairage public")
    assert (twin.status, twin.merged_into_id) == ("merged", door.id)
    assert junk.status == "rejected"
    auth.logout()

    # the landlord's referent (the email on its commitment) answers the door, not the lamp
    create_user(email="sandrine@example.org")
    auth.login("sandrine@example.org")
    assert client.get(f"/diagnostics/{walk.id}/constats/{lamp.id}/reponse").status_code == 403
    assert "Porte du hall cassée" in page_text(client.get("/diagnostics/a-repondre"))
    answer = f"/diagnostics/{walk.id}/constats/{door.id}/reponse"
    assert auth.post(answer, {"status": "in_progress", "answer": ""}).status_code == 422
    assert auth.post(answer, {"status": "in_progress", "answer": "Une entreprise passe mardi."}).status_code == 302
    auth.logout()

    public = page_text(client.get(f"/diagnostics/{walk.id}"))
    assert "Une entreprise passe mardi." in public and "En cours" in public
    assert "Transmis à : Habitat du Bassin minier" in public
    assert "vu aussi 1 autre fois" in public
    assert "Essai" not in public, "a finding set aside is not shown"
    assert "geo:50.4400,2.8100" in client.get(f"/diagnostics/{walk.id}").get_data(as_text=True)
    assert "geo:0,0?q=rue%20Voltaire%2C%20Lens" in client.get(f"/diagnostics/{walk.id}").get_data(as_text=True)
    assert referent.pseudonym not in public, "never who posted a finding"
    report = client.get(f"/diagnostics/{walk.id}/rapport")
    assert report.status_code == 200
    text = page_text(report)
    assert "Qui répond à quoi" in text and "Éclairage public" in text and "Logement, immeubles" in text


def test_a_finding_answered_cannot_be_set_aside_and_a_resend_unchanged_changes_nothing(app):
    referent, walk, lamp, *_ = walk_with_findings(app)
    services.sort_finding(referent, lamp, action="send", category="lighting", service_name="Éclairage")
    db.session.commit()
    sent_at = lamp.sent_at
    services.sort_finding(referent, lamp, action="send", category="lighting", service_name="Éclairage")
    assert lamp.sent_at == sent_at
    services.answer_finding(referent, lamp, status="done", answer="Réparé.")
    with pytest.raises(services.WalkError) as refused:
        services.sort_finding(referent, lamp, action="reject", category="lighting")
    assert refused.value.code == "already-answered"


def test_the_api_shows_findings_without_who_posted_them(app, client):
    referent, walk, lamp, door, twin, junk = walk_with_findings(app)
    assert client.get(f"/api/v1/walks/{walk.id}").json["findings"] == [], "nothing before the referent's sorting"
    services.sort_finding(referent, lamp, action="send", category="lighting", service_name="Éclairage")
    services.sort_finding(referent, door, action="send", category="housing", service_name="Logement")
    services.sort_finding(referent, twin, action="merge", category="housing", duplicate_of=door)
    services.sort_finding(referent, junk, action="reject", category="other")
    db.session.commit()
    listed = client.get("/api/v1/walks")
    assert listed.status_code == 200
    one = client.get(f"/api/v1/walks/{walk.id}").json
    assert one["meeting_id"] == walk.meeting_id and one["qpv"] == "QP062024"
    assert one["invited"] == ["residents", "landlord"]
    texts = {f["text"] for f in one["findings"]}
    assert texts == {"Lampadaire éteint", "Porte du hall cassée"}
    lamp_json = next(f for f in one["findings"] if f["id"] == lamp.id)
    assert lamp_json["position"] == {"latitude": 50.44, "longitude": 2.81}
    assert lamp_json["geo"] == "geo:50.4400,2.8100"
    dumped = json.dumps(listed.json)
    assert referent.pseudonym not in dumped and "author" not in dumped
    assert client.get("/api/v1/walks/999999").status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/walks" in spec["paths"] and "/walks/{walk_id}" in spec["paths"]
    assert "Walk" in spec["components"]["schemas"]


def test_the_copil_counts_walks_findings_and_answers(app):
    referent, walk, lamp, door, twin, junk = walk_with_findings(app)
    services.sort_finding(referent, lamp, action="send", category="lighting", service_name="Éclairage")
    services.answer_finding(referent, lamp, status="done", answer="Réparé.")
    services.sort_finding(referent, junk, action="reject", category="other")
    plan(referent)  # to come: not held
    db.session.commit()
    start = datetime.now(timezone.utc) - timedelta(days=30)
    assert services.walk_figures(start, datetime.now(timezone.utc) + timedelta(days=60)) == (1, 3, 1)
    from labo.copil.indicators import indicators
    from labo.copil.periods import Period

    today = datetime.now(timezone.utc).date()
    figures = indicators(Period(today - timedelta(days=30), today), 30)
    assert (figures.walks, figures.findings, figures.findings_answered) == (1, 3, 1)
    # the committee reads them on its dashboard and in its printable report
    from labo.accounts.models import Role
    from tests.conftest import Auth

    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    client = app.test_client()
    Auth(client).login("copil@example.org")
    period = f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    for page in (f"/copil/?{period}", f"/copil/rapport?{period}"):
        text = " ".join(re.sub(r"<[^>]+>", "", page_text(client.get(page))).split())
        assert "1 diagnostics en marchant tenus : 3 constats, dont 1 avec une réponse" in text, page


# --- the person's data ------------------------------------------------------------------


def test_a_person_s_findings_are_in_their_download_and_go_with_the_account(app, uploads):
    from labo.privacy.personal_data import erase_user, export_personal_data

    referent = create_referent("lens")
    walk = plan(referent)
    resident = create_user(home="lens")
    meetings.register(walk.meeting, user=resident)
    walk = db.session.get(Walk, walk.id)
    kept, _ = capture(app, resident, walk, text="Trottoir trop haut", photo=jpeg_bytes())
    gone, _ = capture(app, resident, walk, text="Banc cassé", photo=jpeg_bytes())
    services.sort_finding(referent, kept, action="send", category="lighting", service_name="Voirie")
    db.session.commit()
    exported = export_personal_data(resident)["walk_findings"]
    assert {f["text"] for f in exported} == {"Trottoir trop haut", "Banc cassé"}
    gone_photo, kept_photo = gone.photo_key, kept.photo_key
    erase_user(app.config, resident)
    db.session.commit()
    remaining = db.session.scalars(select(Finding)).all()
    assert [f.text for f in remaining] == ["Trottoir trop haut"]
    assert remaining[0].author_id is None
    assert not (uploads / gone_photo).exists(), "the photo goes with its finding"
    assert (uploads / kept_photo).exists()


def test_the_demo_has_a_walk_done_with_four_findings_and_one_planned(app):
    from labo.demo import seed_demo
    from labo.partners import demo as partners_demo
    from labo.walks import demo

    seed_demo(app.config)
    partners_demo.seed(app.config)
    assert demo.seed(app.config) == 2
    assert demo.seed(app.config) == 0
    done = services.walks_done()
    assert len(done) == 1 and done[0].qpv.code == "QP062024"
    assert len(done[0].findings) == 4
    assert len({f.status for f in done[0].findings}) >= 3
    assert len(services.walks_to_come()) == 1


def test_a_walk_moved_is_told_to_the_people_registered_and_its_route_changed(auth, client):
    from labo.meetings.models import MeetingChange

    walk = plan(create_referent("lens", email="nadia@example.org"))
    meetings.register(walk.meeting, user=create_user(home="lens"))
    auth.login("nadia@example.org")
    page = client.get(f"/diagnostics/{walk.id}/modifier")
    assert page.status_code == 200 and "Devant l'école Jean-Macé" in page_text(page)
    response = auth.post(f"/diagnostics/{walk.id}/modifier", {
        "title": walk.meeting.title, "starts_at": "2030-06-01T10:00", "commune": str(commune("lens").id),
        "qpv": str(walk.qpv_id), "meeting_point": "Devant la mairie", "route": "La place\r\nLe parc",
        "invites_residents": "y", "invites_landlord": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    walk = db.session.get(Walk, walk.id)
    assert walk.meeting_point == "Devant la mairie" and walk.meeting.venue == "Devant la mairie"
    assert walk.route == "La place\nLe parc" == walk.meeting.running_order
    assert db.session.scalar(select(func.count(MeetingChange.id)).where(
        MeetingChange.meeting_id == walk.meeting_id, MeetingChange.kind == "moved")) == 1
    # another commune's referent may not change it
    auth.logout()
    create_referent("lievin", email="karim@example.org")
    auth.login("karim@example.org")
    assert client.get(f"/diagnostics/{walk.id}/modifier").status_code == 403


def test_a_commune_or_qpv_sent_as_a_superscript_digit_is_refused_with_a_message(auth, client):
    """"²" passes str.isdigit() but not int(): the plan form says which list to choose from, never a 500."""
    create_referent("lens", email="nadia@example.org")
    auth.login("nadia@example.org")
    for data, message in (({"qpv": "²"}, "Ce quartier n'existe pas"), ({"commune": "²"}, "Choisissez la commune.")):
        sent = {"starts_at": "2030-05-04T14:00", "commune": str(commune("lens").id), "meeting_point": "Ici",
                "invites_residents": "y", **data}
        response = auth.post("/diagnostics/nouveau", sent)
        assert response.status_code == 422, data
        assert message in page_text(response)


def test_without_javascript_a_finding_sent_twice_is_kept_once(app, auth, client, uploads):
    """A photo takes long to go on a slow network and the person taps again:
    the key drawn with the page makes the second send the same finding."""
    referent = create_referent("lens", email="nadia@example.org")
    walk = plan(referent)
    auth.login("nadia@example.org")
    page = client.get(f"/diagnostics/{walk.id}/constater").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([^"]*)"|name="client_key" value="([^"]*)"', page)
    drawn = (key.group(1) or key.group(2)) if key else ""
    assert drawn, "the page draws a key for its form"
    data = {"category": "cleanliness", "text": "Des sacs de déchets.", "street": "square Voltaire", "client_key": drawn}
    assert auth.post(f"/diagnostics/{walk.id}/constater", data).status_code == 302
    assert auth.post(f"/diagnostics/{walk.id}/constater", data).status_code == 302
    assert db.session.scalar(select(func.count(Finding.id))) == 1
    # a refused send keeps its key for the corrected one
    refused = auth.post(f"/diagnostics/{walk.id}/constater", {**data, "text": "", "client_key": "une-autre-cle-01"})
    assert refused.status_code == 422 and "une-autre-cle-01" in refused.get_data(as_text=True)
