"""Printed participation cards in Chromium at phone size (issue 21): a
resident with no account types a card's code (lowercase, with a space) and
votes in a codécision, then scans another card (its link) and gives an
opinion in a consultation; a used card, and an unknown code, get a clear
message, never a second answer. A referent's page of sheets and an
animator's page for a meeting pass axe-core too; the database agrees."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.browser.script import (axe, check, evaluate, fill, goto, login, logout, run_script, screenshot, see,
                                  submit)

pytestmark = pytest.mark.browser

NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
OPTIONS = ("Des bancs au square Zola", "Un city-stade rue Molière")


def _processes(app, tag: str):
    """A secret codécision and a consultation of Lens accepting cards, a sheet of 2 cards each, and a meeting."""
    from labo.accounts.services import find_user_by_email
    from labo.cards import services as cards
    from labo.extensions import db
    from labo.meetings.models import Meeting
    from labo.processes.models import Option, Process
    from labo.territory.models import Commune

    with app.app_context():
        now = datetime.now(timezone.utc)
        lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
        referent = find_user_by_email("referente.lens@labo.example")
        animator = find_user_by_email("animatrice@labo.example")

        def process(level, method, question, options=()):
            made = Process(title=f"{question[:40]} {tag}", question=question, decider="Le conseil municipal de Lens",
                           level=level, method=method, secret=level == "codecision", accepts_cards=True,
                           decision_rule="La règle habituelle.", opens_at=now - timedelta(hours=1),
                           closes_at=now + timedelta(days=14), answer_by=date.today() + timedelta(days=40),
                           published=True, created_by_id=referent.id, commune=lens)
            made.options = [Option(label=label, position=i) for i, label in enumerate(options)]
            db.session.add(made)
            db.session.flush()
            return made

        vote = process("codecision", "single", "Quel projet pour le square ?", OPTIONS)
        opinion = process("consultation", "avis", "Êtes-vous d'accord pour fermer la rue le dimanche ?")
        meeting = Meeting(title=f"Rencontre de Lens {tag}", starts_at=now + timedelta(days=3), commune=lens,
                          venue="Salle Bollaert", animators=[animator])
        db.session.add(meeting)
        db.session.flush()
        _s1, vote_codes = cards.print_sheet(referent, vote, 2, now, app.config["SECRET_KEY"])
        _s2, opinion_codes = cards.print_sheet(referent, opinion, 2, now, app.config["SECRET_KEY"])
        db.session.commit()
        return vote.id, [o.id for o in vote.options], opinion.id, meeting.id, vote_codes, opinion_codes


def test_a_resident_takes_part_with_printed_cards_without_an_account(live_server, run_browser):
    from labo.cards.services import show_code

    app = live_server.app
    vote_id, (benches, _stadium), opinion_id, meeting_id, vote_codes, opinion_codes = _processes(
        app, uuid.uuid4().hex[:6])
    typed = vote_codes[0].lower()[:4] + " " + vote_codes[0].lower()[4:]
    vote_page, opinion_page = f"/carte/{show_code(vote_codes[0])}", f"/carte/{show_code(opinion_codes[0])}"
    answer = "main form#reponse"

    run_script(run_browser, [
        # No account: the resident types the code of her card, as it comes.
        goto("/carte"),
        see("J'ai une carte avec un code", "main h1"),
        axe("typing a card's code"),
        fill("main form input[name=code]", "abcd"),
        submit("main form button[type=submit]", status=422, name="a code too short is refused, with why"),
        see("Un code a 8 signes", "main"),
        evaluate("document.querySelector('main input[name=code]').value", equals="abcd", name="what she typed is kept"),
        axe("typing a card's code, with an error"),
        fill("main form input[name=code]", typed),
        submit("main form button[type=submit]", url=rf"^{vote_page}$", name="lowercase and a space are forgiven"),
        see("Quel projet pour le square ?", "main h1", name="the question, at once"),
        see("Vote secret", answer),
        evaluate(NOT_WIDER, equals=True, name="the card's page fits a 360-px screen"),
        screenshot("test-artifacts/cards-vote-360.png"),
        axe("voting with a card"),
        submit(f"{answer} button[type=submit]", status=422, name="sending without a choice is refused"),
        see("Choisissez une option avant de valider votre vote.", "main #refus", name="the refusal says why"),
        check(f"{answer} #option-{benches}"),
        submit(f"{answer} button[type=submit]", url=rf"^/carte/merci/{vote_id}$", name="the vote lands on a thank-you page"),
        see("Votre vote est enregistré. Il est secret", "main"),
        screenshot("test-artifacts/cards-done-360.png"),
        axe("after voting with a card"),
        # The same card a second time: refused, with why.
        goto(vote_page, status=409, name="a used card is refused"),
        see("Ce code a déjà servi", "main #refus"),
        axe("a used card"),
        goto("/carte/ABCD-EFGH", status=404, name="an unknown code is refused"),
        see("Ce code n'existe pas", "main #refus"),
        axe("an unknown code"),

        # Another card, scanned (its link): an opinion in a consultation.
        goto(opinion_page),
        see("Êtes-vous d'accord pour fermer la rue le dimanche ?", "main h1"),
        axe("an opinion with a card"),
        check(f"{answer} input[name=stance][value=favorable]"),
        submit(f"{answer} button[type=submit]", url=rf"^/carte/merci/{opinion_id}$"),
        see("Votre avis est enregistré.", "main"),
        goto(opinion_page, status=409, name="the opinion's card cannot be used twice"),
        see("Ce code a déjà servi", "main #refus"),
        screenshot("test-artifacts/cards-used-360.png"),

        # The process's page, for a visitor, points to the cards.
        goto(f"/demarches/{opinion_id}"),
        see("Vous avez une carte de participation avec un code ?", "main #carte"),

        # The referent's page of sheets and the animator's page for a meeting.
        login("referente.lens@labo.example"),
        goto(f"/demarches/{vote_id}/cartes"),
        see("Les feuilles imprimées", "main"),
        evaluate("document.querySelectorAll('main section[aria-labelledby=feuilles] li.contrib-card').length", equals=1),
        screenshot("test-artifacts/cards-sheets-360.png"),
        axe("a process's sheets of cards"),
        goto(f"/demarches/{vote_id}/modifier"),
        see("Accepter les cartes de participation", "main"),
        logout(),
        login("animatrice@labo.example"),
        goto(f"/rencontres/{meeting_id}/cartes"),
        see("Quel projet pour le square ?", "main form"),
        axe("cards for a meeting"),
        logout(),
    ])

    from labo.extensions import db
    from labo.processes.models import Ballot, Participation

    with app.app_context():
        assert db.session.scalars(select(Ballot.participation_id).where(Ballot.process_id == vote_id)).all() == [None]
        assert db.session.scalars(select(Ballot.channel).where(Ballot.process_id == vote_id)).all() == ["card"]
        rows = db.session.execute(select(Participation.user_id, Participation.channel, Participation.stance)
                                  .where(Participation.process_id == opinion_id)).all()
        assert rows == [(None, "card", "favorable")]
