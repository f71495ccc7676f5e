"""A contribution's photo at the size the screen needs: narrower copies (480,
960, 1600 px wide, never enlarged) stored beside it and deleted with it, made
when first asked for a photo stored before them, served with ?w=, and offered
in `srcset` with `sizes` on the contribution's page."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from labo.contributions import services
from labo.core import photos
from labo.contributions.models import Contribution
from labo.extensions import db
from tests.conftest import page_text
from tests.factories import commune, create_user


def jpeg(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def width_of(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return image.width


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "uploads"


def test_a_wide_photo_gets_copies_480_and_960_wide_beside_it_and_loses_them_with_it(upload_dir):
    stored = photos.process_photo(jpeg((3000, 2000)), upload_dir)
    assert (stored.width, stored.height) == (1600, 1067)
    names = sorted(p.name for p in upload_dir.iterdir())
    stem = stored.key[:-len(".jpg")]
    assert names == sorted([stored.key, f"{stem}-w480.jpg", f"{stem}-w960.jpg"])  # 1600 is the photo itself
    with Image.open(upload_dir / f"{stem}-w480.jpg") as small:
        assert small.size == (480, 320) and small.format == "JPEG" and not small.info.get("exif")
    photos.delete_photo(upload_dir, stored.key)
    assert list(upload_dir.iterdir()) == []


def test_a_narrow_photo_is_never_enlarged(upload_dir):
    stored = photos.process_photo(jpeg((600, 900)), upload_dir)
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([stored.key, stored.key[:-4] + "-w480.jpg"])
    assert photos.variant_path(upload_dir, stored.key, 960) == photos.photo_path(upload_dir, stored.key)


def test_a_photo_stored_before_copies_existed_gets_them_when_asked(upload_dir):
    stored = photos.process_photo(jpeg((2000, 1000)), upload_dir, widths=())
    assert [p.name for p in upload_dir.iterdir()] == [stored.key]
    path = photos.variant_path(upload_dir, stored.key, 960)
    assert path.name.endswith("-w960.jpg") and width_of(path.read_bytes()) == 960
    assert photos.variant_path(upload_dir, stored.key, 960) == path  # made once
    assert photos.variant_path(upload_dir, stored.key, 123) == photos.photo_path(upload_dir, stored.key)


def test_a_png_copy_stays_a_png_with_its_transparency(upload_dir):
    buffer = io.BytesIO()
    Image.new("RGBA", (1200, 600), (0, 0, 255, 100)).save(buffer, "PNG")
    stored = photos.process_photo(buffer.getvalue(), upload_dir)
    with Image.open(photos.variant_path(upload_dir, stored.key, 480)) as small:
        assert small.format == "PNG" and small.mode == "RGBA" and small.size == (480, 240)


def test_a_variant_name_is_no_key_and_cannot_be_asked_for_directly(upload_dir):
    stored = photos.process_photo(jpeg((2000, 1000)), upload_dir)
    with pytest.raises(photos.PhotoError):
        photos.photo_path(upload_dir, stored.key[:-4] + "-w480.jpg")


def post_with_photo(app, tmp_path, size=(2400, 1200)) -> Contribution:
    app.config["LABO_UPLOAD_DIR"] = str(tmp_path / "uploads")
    author = create_user(email="a@example.org")
    contribution = services.create_contribution(
        app.config, author, kind="idee", title="Un banc", body="Près de l'école.", commune=commune("lens"),
        photo=io.BytesIO(jpeg(size)), photo_alt="Le trottoir")
    db.session.commit()
    return contribution


@pytest.fixture
def restore_upload_dir(app):
    previous = app.config["LABO_UPLOAD_DIR"]
    yield
    app.config["LABO_UPLOAD_DIR"] = previous


def test_the_page_offers_the_copies_in_srcset_and_each_is_served(app, client, tmp_path, restore_upload_dir):
    contribution = post_with_photo(app, tmp_path)
    key = contribution.photo.key
    page = page_text(client.get(f"/idees/{contribution.id}"))
    img = re.search(r"<img [^>]*srcset=[^>]*>", page).group(0)
    srcset = re.search(r'srcset="([^"]+)"', img).group(1)
    assert srcset == (f"/idees/photos/{key}?w=480 480w, /idees/photos/{key}?w=960 960w, "
                      f"/idees/photos/{key} 1600w")
    assert 'sizes="' in img and 'width="1600"' in img and 'alt="Le trottoir"' in img
    for width in (480, 960):
        response = client.get(f"/idees/photos/{key}?w={width}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert width_of(response.get_data()) == width
    assert width_of(client.get(f"/idees/photos/{key}?w=1600").get_data()) == 1600
    assert width_of(client.get(f"/idees/photos/{key}?w=abc").get_data()) == 1600  # anything else: the photo
    assert width_of(client.get(f"/idees/photos/{key}?w=99999999999").get_data()) == 1600


def test_a_hidden_contributions_copies_are_as_private_as_its_photo(app, client, tmp_path, restore_upload_dir):
    from tests.factories import create_referent

    contribution = post_with_photo(app, tmp_path)
    referent = create_referent("lens")
    services.hide(app.config, referent, contribution, "Hors sujet")
    db.session.commit()
    assert client.get(f"/idees/photos/{contribution.photo.key}?w=480").status_code == 404


def test_a_photo_without_copies_on_disk_is_still_served_at_every_width(app, client, tmp_path, restore_upload_dir):
    contribution = post_with_photo(app, tmp_path)
    key = contribution.photo.key
    for extra in (tmp_path / "uploads").glob("*-w*.jpg"):
        extra.unlink()  # as for a photo posted before the copies existed
    assert width_of(client.get(f"/idees/photos/{key}?w=480").get_data()) == 480
    assert (tmp_path / "uploads" / (key[:-4] + "-w480.jpg")).is_file()


def test_backups_carry_the_copies(app, tmp_path, restore_upload_dir):
    import zipfile

    from labo.privacy.backup import write_backup

    contribution = post_with_photo(app, tmp_path)
    archive = tmp_path / "backup.zip"
    write_backup(app.config, archive)
    names = zipfile.ZipFile(archive).namelist()
    stem = contribution.photo.key[:-4]
    assert f"files/{stem}-w480.jpg" in names and f"files/{stem}-w960.jpg" in names
