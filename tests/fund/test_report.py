"""After payment (issue 22): the group posts a short report with photos,
which everyone reads on the project's page (never its contact); its authors
change it until it becomes an experience fiche, in one action, once, sent
for review as fiches are. The person's download and erasure include it."""
from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from labo.accounts.models import User
from labo.core.errors import ServiceError
from labo.extensions import db
from labo.fiches.models import Fiche, FichePhoto
from labo.fiches.services import review_queue
from labo.fund import services
from labo.fund.models import FundApplication, FundReport, FundReportPhoto
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user, jpeg_bytes

TODAY = date.today()


def gps_jpeg() -> bytes:
    """A phone photo that says where and with what it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TelephoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (50.0, 25.0, 57.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def world():
    admin = create_admin()
    resident = create_user(pseudonym="Josiane", home="lens")
    member = create_user(pseudonym="Karim")
    fund_round = services.create_round(
        admin, commune("lens"), title="Fonds de Lens", envelope_cents=200_000, ceiling_cents=100_000,
        apply_until=TODAY + timedelta(days=30), committee_on=TODAY + timedelta(days=45), spend_within_days=30,
        rules="Des projets.", rules_easy="Un projet.", today=TODAY)
    services.add_member(admin, fund_round, member.pseudonym, True)
    services.open_round(admin, fund_round, TODAY)
    application = services.save_application(
        resident, fund_round, None, title="Un jardin rue Zola", what="Un jardin de légumes.",
        for_whom="Les enfants de la rue et leurs parents.", commune=commune("lens"),
        starts_on=TODAY + timedelta(days=60), amount_cents=45_000,
        lines=[("Bacs en bois", 25_000), ("Terre", 10_000), ("Graines", 10_000)], carrier_name="Les jardiniers",
        contact_name="Josiane Martin", contact_phone="0612345678", today=TODAY)
    services.submit_application(resident, application, TODAY)
    services.decide(admin, application, "granted", 40_000, "Un beau projet.")
    db.session.commit()
    return {"admin": admin, "resident": resident, "member": member, "application": application,
            "referent": create_referent("lens"), "other_referent": create_referent("lievin")}


def _pay(world) -> None:
    services.record_payment(world["admin"], world["application"], TODAY)
    db.session.commit()


def _post_report(auth, application_id: int, text: str, photo: bytes | None = None, alt: str = "", **kwargs):
    data = {"text": text, "alt": alt}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return auth.post(f"/fonds/demandes/{application_id}/bilan", data, form_page=f"/fonds/demandes/{application_id}",
                     content_type="multipart/form-data", **kwargs)


def _stored(app, key: str) -> Path:
    return Path(app.config["LABO_UPLOAD_DIR"]) / key


def test_the_group_posts_its_report_after_payment_and_everyone_reads_it_without_the_contact(app, client, auth,
                                                                                             world):
    application_id = world["application"].id
    page = f"/fonds/demandes/{application_id}"
    auth.login(world["resident"].email)
    assert client.get(f"{page}/bilan").status_code == 403  # not paid yet
    assert "Écrire le bilan" not in page_text(client.get(page))
    _pay(world)
    assert "Écrire le bilan" in page_text(client.get(page))
    assert client.get(f"{page}/bilan").status_code == 200
    empty = _post_report(auth, application_id, "   ")
    assert empty.status_code == 422 and "Racontez en quelques phrases ce que vous avez fait." in page_text(empty)
    no_alt = _post_report(auth, application_id, "Nous avons planté.", gps_jpeg())
    assert no_alt.status_code == 422 and "Dites en quelques mots ce que montre la photo." in page_text(no_alt)
    assert db.session.scalar(select(func.count(FundReport.id))) == 0
    posted = _post_report(auth, application_id, "Nous avons planté des salades.\r\nVingt enfants sont venus.",
                          gps_jpeg(), "Des enfants plantent des salades")
    assert posted.status_code == 302 and posted.headers["Location"].endswith(f"{page}#bilan")

    report = db.session.scalar(select(FundReport))
    assert report.text == "Nous avons planté des salades.\nVingt enfants sont venus."
    assert report.posted_by_id == world["resident"].id
    [photo] = report.photos
    with Image.open(_stored(app, photo.key)) as stored:  # re-encoded, without where nor with what
        assert not stored.getexif() and stored.size == (640, 480)
    auth.logout()

    public = client.get(page)
    shown = page_text(public)
    assert public.status_code == 200
    assert "Vingt enfants sont venus." in shown and 'alt="Des enfants plantent des salades"' in shown
    assert "Josiane Martin" not in shown and "06 12 34 56 78" not in shown and "0612345678" not in shown
    served = client.get(f"/fonds/bilans/photos/{photo.key}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert client.get(f"{page}/bilan").status_code == 302  # anonymous: to the login page


def test_the_text_is_shown_escaped(client, auth, world):
    _pay(world)
    auth.login(world["resident"].email)
    _post_report(auth, world["application"].id, "<b>Une fête</b> <script>alert(1)</script>")
    body = client.get(f"/fonds/demandes/{world['application'].id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body


@pytest.mark.parametrize("who, allowed", [("resident", True), ("referent", True), ("admin", True),
                                          ("other_referent", False), ("member", False), ("stranger", False)])
def test_who_may_post_and_change_the_report(client, auth, world, who, allowed):
    _pay(world)
    person = world[who] if who != "stranger" else create_user(pseudonym="Passante")
    auth.login(person.email)
    response = _post_report(auth, world["application"].id, "Une belle journée au jardin.")
    assert response.status_code == (302 if allowed else 403)
    assert (db.session.scalar(select(func.count(FundReport.id))) == 1) is allowed


def test_its_authors_change_it_add_photos_up_to_four_and_remove_one_with_its_files(app, client, auth, world):
    _pay(world)
    application_id = world["application"].id
    auth.login(world["resident"].email)
    assert _post_report(auth, application_id, "Premier jet.").status_code == 302
    auth.logout()
    auth.login(world["referent"].email)  # the referent completes it for the group
    for n in range(4):
        assert _post_report(auth, application_id, "Le jardin est planté.", jpeg_bytes((200, 150)),
                            f"Photo {n}").status_code == 302
    report = db.session.scalar(select(FundReport))
    assert report.text == "Le jardin est planté." and len(report.photos) == 4
    assert report.posted_by_id == world["resident"].id  # who posted it first
    fifth = _post_report(auth, application_id, "Le jardin est planté.", jpeg_bytes(), "Une de trop")
    assert fifth.status_code == 422 and "Quatre photos au plus." in page_text(fifth)
    gone = report.photos[0]
    key, photo_id = gone.key, gone.id
    assert _stored(app, key).is_file()
    response = auth.post(f"/fonds/demandes/{application_id}/bilan/photos/{photo_id}/retirer",
                         form_page=f"/fonds/demandes/{application_id}/bilan")
    assert response.status_code == 302
    assert db.session.get(FundReportPhoto, photo_id) is None and not _stored(app, key).exists()
    assert client.get(f"/fonds/bilans/photos/{key}").status_code == 404


def test_a_bad_image_is_refused_with_a_translated_message_and_the_text_is_kept(client, auth, world):
    _pay(world)
    application_id = world["application"].id
    auth.login(world["resident"].email)
    french = _post_report(auth, application_id, "Nous avons planté des salades.", b"pas une photo", "Le jardin")
    assert french.status_code == 422
    assert "Ce fichier n'est pas une photo lisible." in page_text(french)
    assert "Nous avons planté des salades." in page_text(french)
    english = _post_report(auth, application_id, "We planted.", b"GIF89a not really", "The garden",
                           headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert "n'est pas une photo lisible" not in page_text(english) and "photo" in page_text(english).lower()
    assert db.session.scalar(select(func.count(FundReport.id))) == 0


def test_the_report_becomes_a_fiche_once_submitted_for_review_with_its_photos(app, client, auth, world):
    _pay(world)
    application_id = world["application"].id
    page = f"/fonds/demandes/{application_id}"
    auth.login(world["resident"].email)
    _post_report(auth, application_id, "Nous avons planté des salades.\nVingt enfants sont venus.", jpeg_bytes(),
                 "Des enfants plantent des salades")
    assert "En faire une fiche d'expérience" in page_text(client.get(page))
    first = auth.post(f"{page}/fiche", form_page=page)
    assert first.status_code == 302
    again = auth.post(f"{page}/fiche", form_page=page)  # a second click
    assert again.status_code == 302
    assert "déjà devenu une fiche" in page_text(client.get(page))

    [fiche] = db.session.scalars(select(Fiche)).all()
    report = db.session.scalar(select(FundReport))
    assert report.fiche_id == fiche.id
    assert fiche.status == "submitted" and fiche.kind == "experience" and fiche.author_id == world["resident"].id
    assert fiche.title == "Un jardin rue Zola"
    assert fiche.method == "Nous avons planté des salades.\nVingt enfants sont venus."
    assert fiche.public == "Les enfants de la rue et leurs parents."
    assert [c.slug for c in fiche.communes] == ["lens"]
    assert "400 €" in fiche.resources.replace("\u202f", " ").replace("\u00a0", " ")
    assert not fiche.contact_name and not fiche.contact_details
    [copied] = fiche.photos
    assert copied.alt == "Des enfants plantent des salades" and copied.key != report.photos[0].key
    assert _stored(app, copied.key).is_file()
    assert fiche in review_queue(world["referent"])

    shown = page_text(client.get(page))
    assert "Devenue une fiche :" in shown and f"/boite-a-outils/{fiche.id}" in shown
    assert "En faire une fiche d'expérience" not in shown and "Changer le bilan" not in shown
    assert client.get(f"{page}/bilan").status_code == 403  # no longer changed here
    auth.logout()
    assert "elle sera dans la boîte à outils après relecture" in page_text(client.get(page))  # not yet published


def test_making_the_fiche_needs_a_report_and_is_the_group_s_or_the_referent_s(client, auth, world):
    _pay(world)
    page = f"/fonds/demandes/{world['application'].id}"
    auth.login(world["resident"].email)
    assert auth.post(f"{page}/fiche", form_page=page).status_code == 403  # nothing posted yet
    _post_report(auth, world["application"].id, "Une belle journée.")
    auth.logout()
    for outsider in (world["member"], world["other_referent"]):
        auth.login(outsider.email)
        assert auth.post(f"{page}/fiche", form_page="/fonds/").status_code == 403
        auth.logout()
    auth.login(world["admin"].email)
    assert auth.post(f"{page}/fiche", form_page=page).status_code == 302
    assert db.session.scalar(select(Fiche.status)) == "submitted"


def test_many_clicks_at_once_make_one_fiche(app, world):
    _pay(world)
    services.save_report(app.config, world["resident"], world["application"], "Une belle journée.")
    db.session.commit()
    application_id, resident_id = world["application"].id, world["resident"].id
    barrier = threading.Barrier(8)
    made: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
            with app.app_context():
                try:
                    fiche = services.report_to_fiche(app.config, db.session.get(User, resident_id),
                                                     db.session.get(FundApplication, application_id))
                    db.session.commit()
                    made.append(fiche.id)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.commit()
    assert len(made) == 8 and len(set(made)) == 1
    assert db.session.scalar(select(func.count(Fiche.id))) == 1
    assert db.session.scalar(select(FundReport.fiche_id)) == made[0]


def test_the_download_holds_the_report_and_erasure_removes_it_with_its_files(app, world):
    _pay(world)
    report = services.save_report(app.config, world["resident"], world["application"], "Une belle journée.",
                                  io.BytesIO(jpeg_bytes()), "Le jardin")
    db.session.commit()
    key = report.photos[0].key
    exported = services.export_for(world["resident"])["fund_reports"]
    assert exported == [{"project": "Un jardin rue Zola", "text": "Une belle journée.",
                         "created_at": report.created_at.isoformat(),
                         "photos": [{"alt": "Le jardin", "width": 64, "height": 48}], "fiche_id": None}]
    assert services.export_for(world["referent"])["fund_reports"] == []
    services.erase_for(app.config, world["resident"])
    db.session.commit()
    assert db.session.scalar(select(func.count(FundReport.id))) == 0
    assert db.session.scalar(select(func.count(FundReportPhoto.id))) == 0
    assert not _stored(app, key).exists()
    assert db.session.get(FundApplication, world["application"].id).decision is not None  # the project stays


def test_the_service_refuses_a_report_before_payment_or_once_a_fiche(app, world):
    with pytest.raises(ServiceError) as refused:
        services.save_report(app.config, world["resident"], world["application"], "Trop tôt.")
    assert refused.value.code == "report-not-paid"
    _pay(world)
    services.save_report(app.config, world["resident"], world["application"], "Une belle journée.")
    services.report_to_fiche(app.config, world["resident"], world["application"])
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        services.save_report(app.config, world["resident"], world["application"], "Plus tard.")
    assert refused.value.code == "report-is-fiche"
    assert db.session.scalar(select(func.count(FichePhoto.id))) == 0


def test_the_demo_s_paid_project_has_its_report_become_a_published_fiche(app, client):
    from labo.demo import seed_demo
    from labo.fund import demo

    seed_demo(app.config)
    assert demo.seed(app.config) == 2
    repas = db.session.scalar(select(FundApplication).where(FundApplication.title == "Un repas partagé à la cité 12"))
    fiche = db.session.get(Fiche, repas.report.fiche_id)
    assert fiche.is_published and fiche.method == repas.report.text and "800 €" in fiche.resources.replace(
        "\u202f", " ").replace("\u00a0", " ")
    page = page_text(client.get(f"/fonds/demandes/{repas.id}"))
    assert "Nous étions plus de 90" in page and "Devenue une fiche :" in page
    assert f'/boite-a-outils/{fiche.id}">Un repas partagé à la cité 12</a>' in page
    assert "Josiane Martin" not in page


def test_the_same_photo_sent_twice_by_a_second_tap_is_kept_once(app, client, auth, world):
    _pay(world)
    application_id = world["application"].id
    auth.login(world["resident"].email)
    photo = jpeg_bytes((300, 200))
    for _tap in range(2):
        assert _post_report(auth, application_id, "Une belle journée.", photo, "Le jardin").status_code == 302
    report = db.session.scalar(select(FundReport))
    assert len(report.photos) == 1
    stored = {p.name for p in Path(app.config["LABO_UPLOAD_DIR"]).iterdir()}
    assert report.photos[0].key in stored
    assert _post_report(auth, application_id, "Une belle journée.", photo, "Le jardin, le soir").status_code == 302
    assert len(db.session.scalar(select(FundReport)).photos) == 2  # described otherwise: another photo
