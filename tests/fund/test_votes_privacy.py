"""Who reads who voted what on a fund application (issue 22 review): the
committee and whoever types its decision, not the group that applied."""
from __future__ import annotations

from labo.extensions import db
from labo.fund import services
from tests.conftest import page_text
from tests.fund.test_committee import world  # noqa: F401 - the fixture


def test_the_applicant_sees_the_count_but_not_who_voted_what(client, auth, world):
    application = world["applications"][0]
    josiane, karim = world["members"]
    services.cast_vote(josiane, application, "against", "Trop cher pour ce que c'est")
    services.cast_vote(karim, application, "for", "")
    db.session.commit()
    page = f"/fonds/demandes/{application.id}"
    auth.login(application.applicant.email)
    shown = page_text(client.get(page))
    assert "Pour : 1 · Contre : 1" in shown
    assert "Josiane : Contre" not in shown and "Karim" not in shown and "Trop cher" not in shown
    auth.logout()
    auth.login(karim.email)  # the committee reads each other's votes
    shown = page_text(client.get(page))
    assert "Josiane : Contre" in shown and "Trop cher" in shown
    auth.logout()
    auth.login(world["referent"].email)  # the referent types the decision from them
    assert "Josiane : Contre" in page_text(client.get(page))
