"""The idea list's cards, read as plain values (issue 24): each says what a
resident expects of it — its kind and state, its title as a link, its
commune and neighbourhood, who posted it (a pseudonym, a guest's chosen
name, the person a referent typed it for, or an erased account), whether it
has a photo, and its supports."""
import io
import re

from sqlalchemy import select, update

from labo.contributions import services
from labo.contributions.models import Contribution, Visibility
from labo.extensions import db
from tests.conftest import page_text
from labo.territory.models import Qpv
from tests.factories import commune, create_contribution, create_referent, create_user, jpeg_bytes


def _card(html: str, title: str) -> str:
    """The text of the card whose title is `title`."""
    for item in re.findall(r'<li class="contrib-card">(.*?)</li>', html, re.S):
        if title in item:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
    raise AssertionError(f"no card for {title!r}")


def test_each_card_shows_who_where_and_what(app, client):
    resident = create_user(email="nadia@example.org", pseudonym="Nadia62")
    referent = create_referent("lens", email="ref@example.org")
    gone = create_user(email="gone@example.org", pseudonym="Partie")
    place = db.session.scalar(select(Qpv).where(Qpv.communes.contains(commune("lens"))).order_by(Qpv.id).limit(1))
    mine = create_contribution(resident, title="Des bancs au square", qpv=place,
                               photo=io.BytesIO(jpeg_bytes()), photo_alt="Le square")
    create_contribution(referent, title="Un abri pour le bus", on_behalf_of="Mme Dupont", kind="envie")
    erased = create_contribution(gone, title="Plus de poubelles")
    db.session.execute(update(Contribution).where(Contribution.id == erased.id).values(author_id=None))
    guest, _secret = services.create_guest_contribution(app.config, name="Momo", kind="question",
                                                        title="Quand passe le car ?", body="Le matin.",
                                                        commune=commune("lens"))
    guest.visibility = Visibility.PUBLISHED.value  # as a referent lets it through
    services.support(referent, mine)
    services.support(gone, mine)
    db.session.commit()

    html = client.get("/idees/").get_data(as_text=True)
    assert f'href="/idees/{mine.id}"' in html
    card = _card(html, "Des bancs au square")
    assert card.startswith("Une idée Proposée")
    assert "Lens" in card and place.name in card and "Nadia62" in card and "avec photo" in card
    assert "2 soutiens" in card
    assert "Mme Dupont" in _card(html, "Un abri pour le bus") and "Une envie" in _card(html, "Un abri pour le bus")
    assert "participant·e supprimé·e" in _card(html, "Plus de poubelles")
    assert "avec photo" not in _card(html, "Plus de poubelles")
    assert "Momo" in _card(html, "Quand passe le car ?") and "Une question" in _card(html, "Quand passe le car ?")
    assert "pas encore de soutien" in _card(html, "Quand passe le car ?")
    assert "Nadia62" in page_text(client.get(f"/idees/{mine.id}"))


def test_an_idea_hidden_after_the_page_s_ids_were_read_gets_no_card(app):
    # Found in review: the cards are read by id in a second statement; on
    # PostgreSQL a moderator's hiding could land between the two.
    resident = create_user(email="lina@example.org", pseudonym="Lina")
    shown = create_contribution(resident, title="Un banc")
    hidden = create_contribution(resident, title="Un texte masqué")
    db.session.execute(update(Contribution).where(Contribution.id == hidden.id)
                       .values(visibility=Visibility.HIDDEN.value))
    db.session.commit()
    assert set(services.cards([shown.id, hidden.id])) == {shown.id}
