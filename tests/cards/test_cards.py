"""Printed participation cards: codes a person can type on a phone, stored
only as keyed hashes; one use each, refused by the database under 50
requests at once; a secret ballot cast with a card as unlinkable as any
other; the "card" channel in the results; revoking a sheet; the pages a
resident and a referent see; the PDF; the audit."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

import pytest
from flask import current_app
from sqlalchemy import func, inspect, select

from labo.audit.models import AuditEntry
from labo.audit.services import describe_audit
from labo.cards import services as cards
from labo.cards.models import CardSheet, ParticipationCard
from labo.extensions import db
from labo.processes import ballots
from labo.processes.models import Ballot, BallotChoice, Participation, Process
from tests.conftest import csrf_from, page_text
from tests.factories import (close_process, create_admin, create_animator, create_referent, create_user,
                             insert_process, option_ids)


def now() -> datetime:
    return datetime.now(timezone.utc)


def secret() -> str:
    return current_app.config["SECRET_KEY"]


def consultation(**fields) -> Process:
    return insert_process(level="consultation", method="avis", options=(), accepts_cards=True, **fields)


def codecision(**fields) -> Process:
    fields.setdefault("method", "single")
    return insert_process(level="codecision", accepts_cards=True, **fields)


def sheet_for(process: Process, size: int = 3, actor=None):
    actor = actor or create_referent("lens")
    sheet, codes = cards.print_sheet(actor, process, size, now(), secret())
    db.session.commit()
    return sheet, codes


# --- codes ------------------------------------------------------------------------------------


def test_codes_are_eight_signs_without_look_alikes_and_typing_is_forgiving():
    assert not set("0O1IL") & set(cards.ALPHABET)
    code = cards.new_code()
    assert len(code) == 8 and set(code) <= set(cards.ALPHABET)
    assert cards.show_code("ABCDEFGH") == "ABCD-EFGH"
    for typed in ("abcd-efgh", " ABCD EFGH ", "abcd–efgh", "Abcd.efgh", "ABCDEFGH"):
        assert cards.normalise_code(typed) == "ABCDEFGH", typed
    for wrong in ("ABCD-EFG", "ABCD-EFGHJ", "ABCD-EF0H", "", None, "ABCD-EFGI"):
        assert cards.normalise_code(wrong) is None, wrong


def test_a_sheet_stores_only_keyed_hashes_of_its_codes_and_is_audited():
    process = consultation()
    referent = create_referent("lens")
    sheet, codes = sheet_for(process, size=12, actor=referent)
    stored = db.session.scalars(select(ParticipationCard.code_hash).where(ParticipationCard.sheet_id == sheet.id)).all()
    assert len(codes) == len(set(codes)) == 12 and len(stored) == 12
    assert set(stored) == {cards.code_hash(c, secret()) for c in codes}
    assert not set(codes) & set(stored)  # never in clear
    assert cards.code_hash(codes[0], "another key") != cards.code_hash(codes[0], secret())  # keyed: useless without it
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cards.printed"))
    assert entry.actor_id == referent.id and entry.details["size"] == 12
    assert process.title in describe_audit(entry)


@pytest.mark.parametrize("case,code", [
    ("no-cards", "no-cards"), ("questions", "not-for-cards"), ("closed", "sheet-closed"), ("size", "sheet-size")])
def test_a_sheet_is_refused_when_the_process_cannot_take_cards(case, code):
    if case == "no-cards":
        process = consultation()
        process.accepts_cards = False
    elif case == "questions":
        process = insert_process(level="information", method="questions", options=(), accepts_cards=True)
    else:
        process = consultation()
    if case == "closed":
        close_process(process)
    with pytest.raises(cards.CardError) as refused:
        cards.print_sheet(create_admin(), process, 0 if case == "size" else 5, now(), secret())
    assert refused.value.code == code


# --- using a card ---------------------------------------------------------------------------


def test_a_card_gives_one_opinion_counted_in_the_card_channel_then_is_spent():
    process = consultation()
    _sheet, codes = sheet_for(process)
    cards.take_part_with_card(codes[0].lower(), secret(), now(), stance="favorable")
    db.session.commit()
    row = db.session.scalar(select(Participation).where(Participation.process_id == process.id))
    assert (row.user_id, row.channel, row.stance) == (None, "card", "favorable")
    with pytest.raises(cards.CardError) as again:
        cards.take_part_with_card(codes[0], secret(), now(), stance="defavorable")
    assert again.value.code == "used"
    db.session.rollback()
    for code in codes[1:]:
        cards.take_part_with_card(code, secret(), now(), stance="reserve")
        db.session.commit()
    for _ in range(5):  # five people online, so that no channel is under 5 alone
        from labo.processes import services

        services.give_opinion(process, create_user(home="lens"), stance="favorable", comment="", now=now())
        db.session.commit()
    res = ballots.results(db.session.get(Process, process.id), now())
    by_channel = {c.channel: c for c in res.channels}
    assert by_channel["card"].participants == 3 and by_channel["card"].stances["reserve"] == 2
    assert by_channel["online"].participants == 5 and by_channel["online"].stances == {
        "favorable": 5, "reserve": 0, "defavorable": 0}
    assert res.total.participants == 8
    breakdown = ballots.breakdown(process, "channel")
    # the card row is its own (under 5, so hidden, and its complement with it); the total is whole
    assert {r["key"]: r["participants"] for r in breakdown["rows"]} == {"card": "< 5", "online": "< 5"}
    assert breakdown["total"]["participants"] == 8


def test_a_secret_ballot_cast_with_a_card_is_linked_to_nothing_and_counted_apart():
    process = codecision(secret=True, method="majority_judgment")
    first, second, third = option_ids(process)
    _sheet, codes = sheet_for(process, size=5)
    for code in codes:
        cards.take_part_with_card(code, secret(), now(), choices={first: "excellent", second: "bien"})
        db.session.commit()
    stored = db.session.scalars(select(Ballot).where(Ballot.process_id == process.id)).all()
    assert len(stored) == 5 and {b.participation_id for b in stored} == {None} and {b.channel for b in stored} == {"card"}
    # The card row holds no link to a participation or a ballot, nor any time a ballot has.
    assert {c["name"] for c in inspect(db.engine).get_columns("participation_card")} == {
        "id", "sheet_id", "process_id", "code_hash", "used_at", "revoked_at"}
    assert {c["name"] for c in inspect(db.engine).get_columns("ballot")} == {"id", "process_id", "participation_id", "channel"}
    voter = create_user(home="lens")
    ballots.cast_ballot(process, voter, {first: "passable"}, now())
    db.session.commit()
    close_process(process)
    ballots.seal_secret_ballots(process)  # rewritten at closing, the card ones keep their channel
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.channel == "card")) == 5
    res = ballots.results(db.session.get(Process, process.id), now())
    by_channel = {c.channel: c for c in res.channels}
    assert by_channel["card"].participants == 5 and by_channel["online"].participants == 1
    assert res.total.participants == 6
    merit = {str(r.option): r for r in by_channel["card"].outcome.ranking}
    assert merit[str(first)].counts["excellent"] == 5  # five "excellent" from the cards
    assert merit[str(third)].counts["a_rejeter"] == 5  # ungraded: "à rejeter"


def test_an_open_ballot_with_a_card_cannot_be_changed_and_blank_grades_are_asked_about():
    process = codecision(secret=False, method="majority_judgment")
    first = option_ids(process)[0]
    _sheet, codes = sheet_for(process, size=1)
    with pytest.raises(ballots.BlankGrades):
        cards.take_part_with_card(codes[0], secret(), now(), choices={first: "bien"}, ask_about_blanks=True)
    db.session.rollback()
    assert db.session.scalar(select(ParticipationCard.used_at)) is None  # nothing spent
    cards.take_part_with_card(codes[0], secret(), now(), choices={first: "bien"})
    db.session.commit()
    with pytest.raises(cards.CardError) as again:
        cards.take_part_with_card(codes[0], secret(), now(), choices={first: "excellent"})
    assert again.value.code == "used"


def test_unknown_revoked_closed_and_not_accepting_cards_are_refused_with_their_reason():
    process = consultation()
    sheet, codes = sheet_for(process, size=3)
    with pytest.raises(cards.CardError) as unknown:
        cards.take_part_with_card("ABCD-EFGH", secret(), now(), stance="favorable")
    assert unknown.value.code == "unknown"
    cards.take_part_with_card(codes[0], secret(), now(), stance="favorable")
    db.session.commit()
    admin = create_admin()
    killed = cards.revoke_sheet(admin, db.session.get(CardSheet, sheet.id), now())
    db.session.commit()
    assert killed == 2
    with pytest.raises(cards.CardError) as revoked:
        cards.take_part_with_card(codes[1], secret(), now(), stance="favorable")
    assert revoked.value.code == "revoked"
    db.session.rollback()
    # the used card still counts; the audit says how many were used and how many died
    assert db.session.scalar(select(func.count()).select_from(Participation).where(
        Participation.process_id == process.id)) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cards.revoked"))
    assert (entry.details["used"], entry.details["revoked"]) == (1, 2)
    with pytest.raises(cards.CardError) as twice:
        cards.revoke_sheet(admin, db.session.get(CardSheet, sheet.id), now())
    assert twice.value.code == "already-revoked"
    db.session.rollback()
    rows = cards.sheets_of(process)
    assert [(r.used, r.revoked, r.unused) for r in rows] == [(1, 2, 0)]

    other = consultation(title="Une autre")
    _s, more = sheet_for(other, size=2)
    other.accepts_cards = False
    db.session.commit()
    with pytest.raises(cards.CardError) as off:
        cards.take_part_with_card(more[0], secret(), now(), stance="favorable")
    assert off.value.code == "no-cards"
    db.session.rollback()
    close_process(db.session.get(Process, other.id))
    db.session.get(Process, other.id).accepts_cards = True
    db.session.commit()
    with pytest.raises(cards.CardError) as closed:
        cards.take_part_with_card(more[1], secret(), now(), stance="favorable")
    assert closed.value.code == "closed"


@pytest.mark.parametrize("kind", ["opinion", "secret-ballot"])
def test_fifty_uses_of_one_card_at_once_store_one_participation(app, kind):
    process = consultation() if kind == "opinion" else codecision(secret=True)
    _sheet, codes = sheet_for(process, size=1)
    code, process_id = codes[0], process.id
    first = option_ids(process)[0] if kind != "opinion" else None
    key = secret()
    db.session.commit()
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []
    refusals: list[str] = []
    done: list[int] = []

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            with app.app_context():
                try:
                    cards.take_part_with_card(code, key, now(), stance="favorable",
                                              choices=[first] if first else None)
                    db.session.commit()
                    done.append(n)
                except cards.CardError as refusal:
                    db.session.rollback()
                    refusals.append(refusal.code)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.commit()
    assert len(done) == 1 and refusals == ["used"] * 49
    assert db.session.scalar(select(func.count()).select_from(Participation).where(
        Participation.process_id == process_id)) == 1
    if kind != "opinion":
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.process_id == process_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 1


# --- pages ----------------------------------------------------------------------------------


def test_a_resident_answers_with_a_card_without_an_account_and_cannot_use_it_twice(client):
    process = consultation(question="Que faire du terrain vague rue Zola ?")
    _sheet, codes = sheet_for(process, size=1)
    typed = codes[0].lower()[:4] + " " + codes[0].lower()[4:]
    found = client.get("/carte", query_string={"code": typed})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/carte/{cards.show_code(codes[0])}")
    page = client.get(found.headers["Location"])
    assert page.status_code == 200 and "Que faire du terrain vague rue Zola ?" in page_text(page)
    token = csrf_from(page.get_data(as_text=True))
    missing = client.post(f"/carte/{cards.show_code(codes[0])}", data={"csrf_token": token})
    assert missing.status_code == 422 and "Choisissez votre avis" in page_text(missing)
    sent = client.post(f"/carte/{cards.show_code(codes[0])}", data={"csrf_token": token, "stance": "reserve"})
    assert sent.status_code == 303
    thanks = client.get(sent.headers["Location"])
    assert "Votre avis est enregistré." in page_text(thanks)
    again = client.post(f"/carte/{cards.show_code(codes[0])}", data={"csrf_token": token, "stance": "favorable"})
    assert again.status_code == 409 and "Ce code a déjà servi" in page_text(again)
    assert client.get(f"/carte/{codes[0]}").status_code == 409
    assert db.session.scalar(select(Participation.stance).where(Participation.process_id == process.id)) == "reserve"


def test_wrong_codes_get_a_clear_message_and_keep_what_was_typed(client):
    short = client.get("/carte", query_string={"code": "abc-12"})
    assert short.status_code == 422 and "Un code a 8 signes" in page_text(short)
    assert 'value="abc-12"' in short.get_data(as_text=True)
    unknown = client.get("/carte/ABCD-EFGH")
    assert unknown.status_code == 404 and "Ce code n'existe pas" in page_text(unknown)
    assert 'value="ABCD-EFGH"' in unknown.get_data(as_text=True)
    assert client.get("/carte/%3Cscript%3E").status_code == 422


def test_a_resident_votes_with_a_card_through_the_page(client):
    process = codecision(secret=True)
    first = option_ids(process)[0]
    _sheet, codes = sheet_for(process, size=1)
    page = client.get(f"/carte/{codes[0]}")
    assert "Vote secret" in page_text(page)
    token = csrf_from(page.get_data(as_text=True))
    sent = client.post(f"/carte/{codes[0]}", data={"csrf_token": token, "option": str(first)})
    assert sent.status_code == 303
    assert "Il est secret" in page_text(client.get(sent.headers["Location"]))
    assert db.session.scalar(select(Ballot.channel).where(Ballot.process_id == process.id)) == "card"


def test_a_referent_prints_a_pdf_sheet_sees_it_listed_and_revokes_it(client, auth):
    process = consultation()
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    page = client.get(f"/demarches/{process.id}/cartes")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    too_many = client.post(f"/demarches/{process.id}/cartes", data={"csrf_token": token, "size": "500"})
    assert too_many.status_code == 422 and "entre 1 et 200" in page_text(too_many)
    printed = client.post(f"/demarches/{process.id}/cartes", data={"csrf_token": token, "size": "25"})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    data = printed.get_data()
    assert data.startswith(b"%PDF") and b"DejaVuSans" in data
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3  # 10 cards a page
    listed = client.get(f"/demarches/{process.id}/cartes")
    assert "25" in page_text(listed) and "Annuler la feuille" in page_text(listed)
    sheet = db.session.scalar(select(CardSheet).where(CardSheet.process_id == process.id))
    revoked = client.post(f"/demarches/{process.id}/cartes/{sheet.id}/annuler", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert "25 cartes non utilisées ne servent plus" in page_text(client.get(revoked.headers["Location"]))


def test_who_may_print_cards(client, auth):
    process = consultation()
    for who, email, allowed in ((create_user, "hab@example.org", False),
                                (lambda **k: create_referent("lievin", **k), "ref.lievin@example.org", False),
                                # An animator prints cards only for a meeting they run (below): each card is a vote.
                                (create_animator, "anim@example.org", False),
                                (lambda **k: create_referent("lens", **k), "ref.lens@example.org", True)):
        who(email=email)
        auth.login(email)
        assert (client.get(f"/demarches/{process.id}/cartes").status_code == 200) is allowed, email
        auth.logout()
    assert client.get(f"/demarches/{process.id}/cartes").status_code in (302, 401)


def test_a_meeting_prints_cards_for_a_process_open_in_its_commune(client, auth):
    from tests.factories import create_meeting

    animator = create_animator(email="anim@example.org")
    meeting = create_meeting(commune_slug="lens", animators=[animator])
    process = consultation(title="La place du marché")
    elsewhere = consultation(title="Ailleurs", commune_slug="lievin")
    auth.login("anim@example.org")
    page = client.get(f"/rencontres/{meeting.id}/cartes")
    assert page.status_code == 200
    assert "La place du marché" in page_text(page) and "Ailleurs" not in page_text(page)
    token = csrf_from(page.get_data(as_text=True))
    refused = client.post(f"/rencontres/{meeting.id}/cartes", data={"csrf_token": token, "size": "5",
                                                                  "demarche": str(elsewhere.id)})
    assert refused.status_code == 422
    printed = client.post(f"/rencontres/{meeting.id}/cartes", data={"csrf_token": token, "size": "5",
                                                                  "demarche": str(process.id)})
    assert printed.mimetype == "application/pdf"
    assert db.session.scalar(select(CardSheet.meeting_id).where(CardSheet.process_id == process.id)) == meeting.id

    # The sheet is listed on the meeting's page; whoever printed it can revoke it, another animator cannot.
    sheet = db.session.scalar(select(CardSheet).where(CardSheet.process_id == process.id))
    page = client.get(f"/rencontres/{meeting.id}/cartes")
    assert "Les feuilles imprimées pour cette rencontre" in page_text(page) and "5 cartes, 0 utilisée" in page_text(page)
    assert client.get(f"/demarches/{process.id}/cartes").status_code == 403
    auth.logout()
    create_animator(email="other.anim@example.org")
    auth.login("other.anim@example.org")
    other = client.post(f"/demarches/{process.id}/cartes/{sheet.id}/annuler",
                        data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert other.status_code == 403
    auth.logout()
    auth.login("anim@example.org")
    revoked = client.post(f"/demarches/{process.id}/cartes/{sheet.id}/annuler", data={"csrf_token": token})
    assert revoked.status_code == 303 and revoked.headers["Location"].endswith(f"/rencontres/{meeting.id}/cartes")
    assert "5 cartes non utilisées ne servent plus" in page_text(client.get(revoked.headers["Location"]))
