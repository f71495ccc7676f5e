"""A committee member's votes and a referent's opinions on fund applications
are in their download; erasing their account keeps the committee's count,
unsigned, as every count on the Labo is kept (issue 22 review)."""
from __future__ import annotations

from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication
from labo.privacy.personal_data import erase_user, export_personal_data
from tests.conftest import page_text
from tests.fund.test_committee import world  # noqa: F401 - the fixture


def test_votes_and_opinions_are_in_the_download_and_erasure_keeps_the_count(app, client, auth, world):
    application = world["applications"][0]
    josiane, karim = world["members"]
    services.cast_vote(josiane, application, "against", "Trop cher pour ce que c'est")
    services.cast_vote(karim, application, "for", "")
    services.give_opinion(world["referent"], application, "reserved", "Un budget à revoir.")
    db.session.commit()
    votes = export_personal_data(josiane)["fund_votes"]
    assert [(v["project"], v["choice"], v["comment"]) for v in votes] == [
        ("Un repas de quartier", "against", "Trop cher pour ce que c'est")]
    opinions = export_personal_data(world["referent"])["fund_opinions"]
    assert [(o["project"], o["kind"], o["text"]) for o in opinions] == [
        ("Un repas de quartier", "reserved", "Un budget à revoir.")]

    erase_user(app.config, josiane)
    erase_user(app.config, world["referent"])
    db.session.commit()
    db.session.expire_all()
    application = db.session.get(FundApplication, application.id)
    assert services.tally(application) == {"for": 1, "against": 1, "abstain": 0}  # the count stays
    assert [v.choice for v in application.votes if v.member_id is None] == ["against"]
    assert application.opinion is not None and application.opinion.referent_id is None
    auth.login(karim.email)
    shown = page_text(client.get(f"/fonds/demandes/{application.id}"))
    assert "participant·e supprimé·e : Contre" in shown and "Karim : Pour" in shown


def test_the_retention_purge_clears_decided_contacts_and_old_drafts(app, world):
    from datetime import timedelta

    from sqlalchemy import select

    from labo.core.db import utcnow
    from labo.fund.models import BudgetLine
    from labo.privacy import retention
    from tests.factories import commune, create_user

    repas, fresque = world["applications"]
    services.decide(world["referent"], repas, "granted", 40_000, "Oui.")
    services.record_payment(world["admin"], repas, repas.decision.decided_at.date())
    draft = services.save_application(create_user(), world["round"], None, title="Un brouillon", commune=commune("lens"),
                                      lines=[("Tables", 1_000)], contact_name="Paul", today=repas.round.apply_until)
    db.session.commit()
    draft_id = draft.id
    done = retention.purge(app.config, utcnow() + timedelta(days=400))
    db.session.commit()
    assert done["FUND_CONTACT"] == 2  # the draft gone, the funded project's contact cleared
    db.session.expire_all()
    assert db.session.get(FundApplication, draft_id) is None
    assert db.session.scalars(select(BudgetLine).where(BudgetLine.application_id == draft_id)).all() == []
    funded, waiting = db.session.get(FundApplication, repas.id), db.session.get(FundApplication, fresque.id)
    assert (funded.contact_name, funded.contact_phone, funded.title) == ("", "", "Un repas de quartier")
    assert waiting.contact_name == "Josiane Martin"  # still before the committee: its contact stays
