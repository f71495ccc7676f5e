"""Ballots: voting (secret and open), the double-vote race, paper and
workshop tallies, results per channel, the codécision's frozen decision,
small-group suppression, and the processes' API."""
from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, func, inspect, select, text
from sqlalchemy.exc import OperationalError

from labo.accounts.models import User
from labo.core.db import utcnow
from labo.extensions import db
from labo.processes import ballots
from labo.processes.models import Ballot, BallotChoice, Participation, Process, Tally
from labo.processes.eligibility import ProcessError
from tests.conftest import Auth, csrf_from, page_text
from tests.factories import (close_process, commune, create_admin, create_referent, create_user, insert_process,
                             option_ids)


def now() -> datetime:
    return datetime.now(timezone.utc)


def grades(process, *values):
    """{option id: grade} in the order of the options; None leaves it out."""
    return {o: g for o, g in zip(option_ids(process), values) if g is not None}


# --- casting a ballot ------------------------------------------------------------


def test_a_secret_ballot_is_stored_apart_from_its_voter_and_cannot_be_changed():
    process = insert_process()
    voter = create_user(home="lens")
    ballots.cast_ballot(process, voter, grades(process, "excellent", "bien", None), now())
    db.session.commit()
    participation = db.session.scalar(select(Participation).where(Participation.process_id == process.id))
    ballot = db.session.scalar(select(Ballot).where(Ballot.process_id == process.id))
    assert participation.user_id == voter.id and ballot.participation_id is None
    assert {(c.option.label, c.grade) for c in ballot.choices} == {
        ("Parc", "excellent"), ("Jardins", "bien"), ("Terrain de sport", "a_rejeter")}  # no grade: "à rejeter"
    with pytest.raises(ProcessError) as refused:
        ballots.cast_ballot(process, voter, grades(process, "a_rejeter", "a_rejeter", "excellent"), now())
    assert refused.value.code == "already-secret"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_the_ballot_table_cannot_link_a_secret_ballot_to_anyone():
    """No column refers to a participation, a person or a time, other than
    the open ballots' participation link, left empty for secret ones; ids are
    random, not in the order people voted."""
    columns = {c.name: c for c in Ballot.__table__.columns}
    # "channel" says only how it was cast (online, or a printed card: labo.cards), never by whom
    assert set(columns) == {"id", "process_id", "participation_id", "channel"}
    assert set(c.name for c in BallotChoice.__table__.columns) == {"ballot_id", "option_id", "grade"}
    for table in (Ballot.__table__, BallotChoice.__table__):
        assert not any(isinstance(c.type, DateTime) for c in table.columns)
        assert not any(fk.column.table.name == "user_account" for fk in table.foreign_keys)
    process = insert_process()
    ids = []  # in the order people voted
    for n in range(20):
        ids.append(ballots.cast_ballot(process, create_user(home="lens"),
                                       grades(process, "bien", "passable", "excellent"), now()).id)
        db.session.commit()
    assert db.session.scalars(select(Ballot.participation_id)).all() == [None] * 20
    assert len(set(ids)) == 20 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)
    assert sorted(ids) != ids and sorted(ids, reverse=True) != ids  # sorting by id does not give the voting order
    assert not any(i.isdigit() for i in ids)
    assert inspect(db.engine).get_pk_constraint("ballot_choice")["constrained_columns"] == ["ballot_id", "option_id"]
    if db.engine.dialect.name == "sqlite":  # no hidden rowid keeps the order the ballots came in
        for table in ("ballot", "ballot_choice"):
            with pytest.raises(OperationalError):
                db.session.execute(text(f"SELECT rowid FROM {table}"))
            db.session.rollback()


def test_publishing_the_result_seals_secret_ballots_so_write_order_links_nobody():
    """On PostgreSQL every row carries the transaction that wrote it (xmin)
    and its physical place (ctid), both following the order of voting. Once
    the result is published, neither links a voter to a ballot any more, and
    the result is what the ballots said."""
    process = insert_process(level="codecision", method="single", secret=True)
    a, b, c = option_ids(process)
    voted = []  # ballot ids in the order people voted
    for n in range(12):
        voted.append(ballots.cast_ballot(process, create_user(home="lens"), [a if n < 7 else b], now()).id)
        db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    by_xmin = "SELECT id FROM ballot WHERE process_id = :p ORDER BY xmin::text::bigint"
    if postgres:  # before: the transaction ids give the voting order back, to line up with the participations
        assert db.session.scalars(text(by_xmin), {"p": process.id}).all() == voted
    close_process(process)
    frozen = ballots.publish_result(process, create_admin(), now())
    db.session.commit()
    assert {r["label"]: r.get("count") for r in frozen["ranking"]} == {"Parc": 7, "Jardins": 5, "Terrain de sport": 0}
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 12
    assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 12
    if postgres:
        rows = db.session.execute(text(
            "SELECT id, xmin::text FROM ballot WHERE process_id = :p ORDER BY ctid"), {"p": process.id}).all()
        assert len({xmin for _, xmin in rows}) == 1  # one transaction wrote them all
        assert [i for i, _ in rows] == sorted(voted)  # placed in the order of their random ids
        assert [i for i, _ in rows] != voted
    else:
        create = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ballot'")).scalar()
        assert "WITHOUT ROWID" in create.upper()


def test_an_open_ballot_can_be_changed_until_closing():
    process = insert_process(level="consultation", method="approval", secret=False, max_choices=2)
    voter = create_user(home="lens")
    a, b, c = option_ids(process)
    ballots.cast_ballot(process, voter, [a, b], now())
    db.session.commit()
    ballots.cast_ballot(process, voter, [c], now())
    db.session.commit()
    ballot = db.session.scalar(select(Ballot))
    assert ballot.participation_id is not None and [x.option_id for x in ballot.choices] == [c]
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
    with pytest.raises(ProcessError) as refused:
        ballots.cast_ballot(process, voter, [a, b, c], now())
    assert refused.value.code == "too-many-choices"
    db.session.rollback()
    close_process(process)
    with pytest.raises(ProcessError) as refused:
        ballots.cast_ballot(process, voter, [a], now())
    assert refused.value.code == "closed"


@pytest.mark.parametrize("method,choices,code", [
    ("single", [], "choice-required"),
    ("single", "two", "one-choice"),
    ("single", [999999], "unknown-option"),
    ("majority_judgment", {"first": "genial"}, "unknown-grade"),
])
def test_malformed_ballots_are_refused(method, choices, code):
    process = insert_process(level="consultation", method=method, secret=False)
    ids = option_ids(process)
    if choices == "two":
        choices = ids[:2]
    if isinstance(choices, dict):
        choices = {ids[0]: "genial"}
    with pytest.raises(ProcessError) as refused:
        ballots.cast_ballot(process, create_user(home="lens"), choices, now())
    assert refused.value.code == code


@pytest.mark.parametrize("secret", [True, False])
def test_fifty_submissions_at_once_from_one_account_store_one_ballot(app, secret):
    process = insert_process(secret=secret, level="codecision" if secret else "consultation")
    voter = create_user(home="lens")
    process_id, voter_id = process.id, voter.id
    first = option_ids(process)[0]
    db.session.commit()
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []
    refusals: list[str] = []

    def one(n: int) -> None:
        from labo.accounts.models import User

        try:
            barrier.wait(timeout=30)  # all fifty start together
            with app.app_context():
                target = db.session.get(Process, process_id)
                person = db.session.get(User, voter_id)
                try:
                    ballots.cast_ballot(target, person, {first: ballots.GRADES[n % 7]}, now())
                    db.session.commit()
                except ProcessError as refusal:
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
    assert db.session.scalar(select(func.count()).select_from(Participation).where(
        Participation.process_id == process_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.process_id == process_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 3  # one ballot's three grades
    if secret:
        assert refusals == ["already-secret"] * 49
    else:
        assert refusals == []  # each one replaced the previous choices


# --- who may vote, through the page ---------------------------------------------------


def test_voting_through_the_form_and_the_rules_messages(client, auth):
    process = insert_process(level="consultation", method="single", secret=False, verified_only=True)
    create_user(email="marie@example.org", home="lens")
    auth.login("marie@example.org")
    page = f"/demarches/{process.id}/resultats"
    token = csrf_from(client.get(page).get_data(as_text=True))
    first = option_ids(process)[0]
    refused = client.post(f"/demarches/{process.id}/vote", data={"csrf_token": token, "option": first})
    assert refused.status_code == 403
    assert "vérifiés en personne" in page_text(refused)
    marie = db.session.scalar(select(User).where(User.email == "marie@example.org"))
    marie.verified_at = utcnow()
    db.session.commit()
    done = client.post(f"/demarches/{process.id}/vote", data={"csrf_token": token, "option": first})
    assert done.status_code == 303
    assert "modifier jusqu'à la clôture" in page_text(client.get(done.headers["Location"]))
    close_process(process)
    late = client.post(f"/demarches/{process.id}/vote", data={"csrf_token": token, "option": first})
    assert late.status_code == 409 and "close" in page_text(late)


def test_outside_the_territory_the_vote_is_refused_with_the_reason(client, auth):
    from labo.processes.models import Audience

    process = insert_process()
    process.audience = Audience.TERRITORY.value
    process.communes = [commune("lens")]
    db.session.commit()
    create_user(email="loin@example.org", home="avion")
    auth.login("loin@example.org")
    token = csrf_from(client.get(f"/demarches/{process.id}/resultats").get_data(as_text=True))
    response = client.post(f"/demarches/{process.id}/vote",
                           data={"csrf_token": token, f"grade-{option_ids(process)[0]}": "bien"})
    assert response.status_code == 403 and "réservée aux habitantes" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 0


def test_the_majority_judgment_form_says_the_vote_is_secret_before_voting(client, auth):
    process = insert_process()
    create_user(email="ali@example.org", home="lens")
    auth.login("ali@example.org")
    text = page_text(client.get(f"/demarches/{process.id}/resultats"))
    assert "Vote secret : une fois envoyé, votre vote ne peut plus être modifié" in text
    html = client.get(f"/demarches/{process.id}/resultats").get_data(as_text=True)
    assert html.count("<fieldset") >= 3 and "<legend>Jardins</legend>" in html
    assert "Les résultats restent cachés jusqu'à la clôture" in text or "cachés jusqu'à la clôture" in text


# --- tallies ------------------------------------------------------------------


def test_tally_sheets_are_checked():
    process = insert_process(level="consultation", method="single", secret=False)
    referent = create_referent("lens")
    a, b, c = option_ids(process)
    common = dict(channel="paper", place="Mairie de Lens", held_on=date.today(), commune=commune("lens"), now=now())

    def refused(**kwargs):
        with pytest.raises(ProcessError) as error:
            ballots.add_tally(process, referent, **{**common, **kwargs})
        db.session.rollback()
        return error.value.code

    assert refused(participants=10, counts={a: 6, b: 5}) == "too-many-single"
    assert refused(participants=10, counts={a: -1}) == "count-negative"
    assert refused(participants=0, counts={a: 0}) == "participants-required"
    assert refused(participants=10, counts={a: 1}, held_on=date.today() + timedelta(days=1)) == "date-future"
    assert refused(participants=10, counts={a: 1}, place=" ") == "place-required"
    assert refused(participants=10, counts={a: 1}, channel="online") == "channel"
    sheet = ballots.add_tally(process, referent, participants=10, counts={a: 6, b: 4, c: 0}, **common)
    db.session.commit()
    assert {(line.option_id, line.count) for line in sheet.lines} == {(a, 6), (b, 4)}
    assert sheet.entered_by_id == referent.id

    approval = insert_process(level="consultation", method="approval", secret=False, max_choices=2, title="Approbation")
    a, b, c = option_ids(approval)
    with pytest.raises(ProcessError) as error:
        ballots.add_tally(approval, referent, participants=5, counts={a: 5, b: 5, c: 1}, **common)
    assert error.value.code == "too-many-approval"  # 11 > 5 × 2
    db.session.rollback()
    with pytest.raises(ProcessError) as error:
        ballots.add_tally(approval, referent, participants=5, counts={a: 6}, **common)
    assert error.value.code == "too-many-approval"
    db.session.rollback()
    ballots.add_tally(approval, referent, participants=5, counts={a: 5, b: 5}, **common)

    mj = insert_process(title="Jugement")
    with pytest.raises(ProcessError) as error:
        ballots.add_tally(mj, referent, participants=3, counts={option_ids(mj)[0]: {"bien": 2, "excellent": 2}}, **common)
    assert error.value.code == "too-many-grades"


def test_who_may_enter_a_tally_and_see_its_photo(client, auth, app, tmp_path):
    import io

    from PIL import Image

    process = insert_process(level="consultation", method="single", secret=False)
    create_referent("lens", email="ref.lens@example.org")
    create_referent("avion", email="ref.avion@example.org")
    url = f"/demarches/{process.id}/depouillement"
    auth.login("ref.avion@example.org")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("ref.lens@example.org")
    a, b, c = option_ids(process)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(picture, "PNG")
    picture.seek(0)
    token = csrf_from(client.get(url).get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "channel": "paper", "place": "Salle Bollaert",
                                 "held_on": date.today().isoformat(), "participants": "4", "commune": "lens",
                                 f"count-{a}": "3", f"count-{b}": "3"})
    assert bad.status_code == 422 and "dépasse le nombre de personnes qui ont voté" in page_text(bad)
    ok = client.post(url, data={"csrf_token": token, "channel": "workshop", "place": "Salle Bollaert",
                                "held_on": date.today().isoformat(), "participants": "12", "commune": "lens",
                                f"count-{a}": "7", f"count-{b}": "5", "photo": (picture, "feuille.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303, page_text(ok)
    sheet = db.session.scalar(select(Tally))
    assert sheet.photo_key and sheet.channel == "workshop"
    from labo.audit.models import AuditEntry
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tally.entered")).target_id == sheet.id
    photo = f"/demarches/{process.id}/depouillement/{sheet.id}/photo"
    assert client.get(photo).status_code == 200
    results = page_text(client.get(f"/demarches/{process.id}/resultats"))
    assert "Salle Bollaert" in results and "Saisie par" in results and "Photo de la feuille" in results
    auth.logout()
    create_user(email="habitant@example.org")
    auth.login("habitant@example.org")
    assert client.get(photo).status_code == 403
    assert "Photo de la feuille" not in page_text(client.get(f"/demarches/{process.id}/resultats"))


# --- results ------------------------------------------------------------------------


ONLINE = [  # Parc, Jardins, Terrain de sport
    ("excellent", "tres_bien", "passable"),
    ("bien", "tres_bien", "passable"),
    ("bien", "bien", "passable"),
    ("passable", "a_rejeter", "insuffisant"),
    ("a_rejeter", None, "insuffisant"),  # no grade for Jardins: "à rejeter"
]


def _worked_example():
    """Five ballots online and a paper sheet of five, graded so that Parc and
    Jardins both have "Bien" as majority grade over the ten; see below."""
    process = insert_process()
    for row in ONLINE:
        ballots.cast_ballot(process, create_user(home="lens"), grades(process, *row), now())
        db.session.commit()
    parc, jardins, terrain = option_ids(process)
    ballots.add_tally(process, create_referent("lens"), channel="paper", place="Mairie", held_on=date.today(),
                      participants=5, commune=commune("lens"), now=now(), counts={
                          parc: {"excellent": 1, "tres_bien": 1, "bien": 2, "insuffisant": 1},
                          jardins: {"excellent": 1, "tres_bien": 1, "bien": 2, "assez_bien": 1},
                          terrain: {"passable": 2, "insuffisant": 1, "bien": 2}})
    db.session.commit()
    return process


def test_majority_judgment_on_a_whole_process_worked_by_hand():
    """Together (10 voters), sorted from worst to best:
    Parc:    À rejeter, Insuffisant, Passable, Bien ×4, Très bien, Excellent ×2
    Jardins: À rejeter ×2, Assez bien, Bien ×3, Très bien ×3, Excellent
    Both majority grades (5th of 10) are "Bien". Removing one median grade at
    a time (n even: right, then left): Parc gives Bien, Bien, Bien, Bien…;
    Jardins gives Bien, Bien, Bien, Très bien: Jardins wins on the 4th.
    Terrain: Insuffisant ×3, Passable ×5, Bien ×2: majority grade Passable.
    Online alone (5 voters) Parc wins instead: both have "Bien" in the
    middle, then (n odd: left first) Parc's Passable beats Jardins' À rejeter."""
    process = _worked_example()
    close_process(process)
    res = ballots.results(process, now())
    assert res.visible
    labels = {o.id: o.label for o in process.options}
    ranking = [(labels[int(r.option)], r.rank, r.majority_grade) for r in res.total.outcome.ranking]
    assert ranking == [("Jardins", 1, "bien"), ("Parc", 2, "bien"), ("Terrain de sport", 3, "passable")]
    jardins = res.total.outcome.ranking[0]
    assert jardins.counts == {"excellent": 1, "tres_bien": 3, "bien": 3, "assez_bien": 1, "passable": 0,
                              "insuffisant": 0, "a_rejeter": 2}
    assert (jardins.above, jardins.below) == (0.4, 0.3)
    online = next(c for c in res.channels if c.channel == "online")
    assert [labels[int(r.option)] for r in online.outcome.ranking][:2] == ["Parc", "Jardins"]
    assert res.total.participants == 10 and [w.label for w in res.winners] == ["Jardins"]


def test_secret_results_are_hidden_while_open():
    process = _worked_example()
    res = ballots.results(process, now())
    assert not res.visible and res.hidden_reason == "secret-open"
    assert ballots.results(insert_process(secret=False, level="consultation", title="Ouvert"), now()).visible


def test_a_codecision_result_is_frozen_as_the_decision_and_cannot_be_replaced(client, auth):
    process = _worked_example()
    admin = create_admin(email="admin@example.org")
    with pytest.raises(ProcessError) as refused:
        ballots.publish_result(process, admin, now())
    assert refused.value.code == "not-closed"
    close_process(process)
    frozen = ballots.publish_result(process, admin, now())
    db.session.commit()
    assert frozen["winner"] == "Jardins"
    stored = json.loads(db.session.get(Process, process.id).result)
    assert stored["decision"]["total"]["outcome"]["winners"][0]["label"] == "Jardins"
    with pytest.raises(ProcessError) as refused:
        ballots.publish_result(process, admin, now())
    assert refused.value.code == "result-published"
    db.session.rollback()
    with pytest.raises(ProcessError) as refused:  # a late paper sheet cannot change the decision
        ballots.add_tally(process, admin, channel="paper", place="Ailleurs", held_on=date.today(), participants=5,
                          commune=None, now=now(), counts={})
    assert refused.value.code == "tally-closed"
    db.session.rollback()
    auth.login("admin@example.org")
    page = page_text(client.get(f"/demarches/{process.id}/resultats"))
    assert "Décision" in page and "Option retenue : Jardins" in page
    assert "Publier le résultat" not in page
    token = csrf_from(client.get(f"/demarches/{process.id}/resultats").get_data(as_text=True))
    again = client.post(f"/demarches/{process.id}/resultats/publier", data={"csrf_token": token})
    assert again.status_code == 403 or again.status_code == 409
    assert json.loads(db.session.get(Process, process.id).result) == stored


def test_publishing_through_the_page(client, auth):
    process = _worked_example()
    close_process(process)
    create_referent("lens", email="ref@example.org")
    create_referent("avion", email="autre@example.org")
    auth.login("autre@example.org")
    assert "Publier le résultat" not in page_text(client.get(f"/demarches/{process.id}/resultats"))
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/demarches/{process.id}/resultats/publier", data={"csrf_token": token}).status_code == 403
    auth.logout()
    auth.login("ref@example.org")
    response = auth.post(f"/demarches/{process.id}/resultats/publier", form_page=f"/demarches/{process.id}/resultats")
    assert response.status_code == 303
    assert db.session.get(Process, process.id).result_published_at is not None


# --- no small group, no name ---------------------------------------------------------


def test_breakdown_suppresses_groups_under_five_and_their_complements():
    from labo.processes.models import Stance

    process = insert_process(level="consultation", method="avis", secret=False)
    people = [("lens", Stance.FAVOURABLE, 6), ("lens", Stance.RESERVED, 3), ("lens", Stance.UNFAVOURABLE, 5),
              ("avion", Stance.FAVOURABLE, 2), ("liévin", Stance.FAVOURABLE, 9)]
    for place, stance, n in people:
        slug = "lievin" if place == "liévin" else place
        for _ in range(n):
            user = create_user(home=slug)
            db.session.add(Participation(process_id=process.id, user_id=user.id, commune_id=user.home_commune_id,
                                         stance=stance.value))
    db.session.commit()
    table = ballots.breakdown(process, "commune")
    assert table["columns"] == ["participants", "favorable", "reserve", "defavorable"]
    rows = {r["label"]: r for r in table["rows"]}
    assert list(rows) == ["Avion", "Lens", "Liévin"]
    assert rows["Lens"]["participants"] == 14
    assert rows["Lens"]["reserve"] == "< 5"
    # the only small cell of its row: the next smallest goes too, else 14 - 6 - 5 gives it away
    assert rows["Lens"]["defavorable"] == "< 5"
    assert all(v == "< 5" for k, v in rows["Avion"].items() if k not in ("key", "label"))  # 2 people: nothing
    # Avion's 2 hidden down the column: Liévin's 9 too, else 25 - 14 - 9 gives them away; and then its row
    assert rows["Liévin"]["participants"] == "< 5" and rows["Liévin"]["favorable"] == "< 5"
    assert table["total"]["participants"] == 25
    grid = table["rows"] + [table["total"]]
    for row in grid:
        assert not any(isinstance(v, int) and 0 < v < 5 for k, v in row.items() if k != "key")
    raw = {"Avion": (2, 2, 0, 0), "Lens": (14, 6, 3, 5), "Liévin": (9, 9, 0, 0), "Total": (25, 17, 3, 5)}
    lines = [[(r["label"], c) for c in table["columns"]] for r in grid]
    lines += [[(r["label"], c) for r in grid] for c in table["columns"]]
    cell = {(r["label"], c): r[c] for r in grid for c in table["columns"]}
    for line in lines:  # no line where the total minus the others gives one hidden group
        hidden = [x for x in line if cell[x] == "< 5" and raw[x[0]][table["columns"].index(x[1])] > 0]
        assert len(hidden) != 1, line


def test_no_results_page_or_endpoint_shows_a_small_group_or_a_voter(client):
    process = insert_process(level="consultation", method="single", secret=False)
    voters = [create_user(pseudonym=f"Votant{n}", home="lens") for n in range(3)]
    for voter in voters:
        ballots.cast_ballot(process, voter, [option_ids(process)[0]], now())
        db.session.commit()
    ballots.add_tally(process, create_referent("lens", pseudonym="Référente"), channel="workshop", place="Atelier",
                      held_on=date.today(), participants=20, commune=commune("lens"), now=now(),
                      counts={option_ids(process)[1]: 12, option_ids(process)[0]: 8})
    db.session.commit()
    close_process(process)
    body = client.get(f"/api/v1/processes/{process.id}/results")
    assert body.status_code == 200
    data = body.get_json()
    online = next(c for c in data["channels"] if c["channel"] == "online")
    workshop = next(c for c in data["channels"] if c["channel"] == "workshop")
    assert online["participants"] == "< 5" and "votes" not in online["outcome"]["ranking"][0]
    assert workshop["participants"] == "< 5"  # else 23 - 20 would give online's 3 away
    assert data["total"]["participants"] == 23
    text = body.get_data(as_text=True) + page_text(client.get(f"/demarches/{process.id}/resultats"))
    assert not any(v.pseudonym in text for v in voters)
    assert "Votant" not in text and "@example.org" not in text

    def small(value):
        if isinstance(value, dict):
            return any(small(v) for k, v in value.items() if k in ("participants", "ballots") or isinstance(v, (dict, list)))
        if isinstance(value, list):
            return any(small(v) for v in value)
        return isinstance(value, int) and 0 < value < 5

    assert not small(data)


# --- the API ------------------------------------------------------------------


def test_api_lists_processes_and_hides_drafts(client):
    open_one = insert_process(title="Ouverte")
    draft = insert_process(title="Brouillon", published=False)
    listed = client.get("/api/v1/processes").get_json()
    assert [p["title"] for p in listed] == ["Ouverte"] and listed[0]["stage"] == "open"
    assert listed[0]["level"] == "codecision" and listed[0]["method"] == "majority_judgment"
    one = client.get(f"/api/v1/processes/{open_one.id}").get_json()
    assert [o["label"] for o in one["options"]] == ["Parc", "Jardins", "Terrain de sport"]
    assert one["return"] is None and one["decision_rule"]
    assert client.get(f"/api/v1/processes/{draft.id}").status_code == 404
    assert client.get("/api/v1/processes?level=vote").status_code == 400
    assert client.get(f"/api/v1/processes/{open_one.id}/results").status_code == 403  # secret and open
    assert client.get(f"/api/v1/processes/{draft.id}/results").status_code == 404


def test_api_takes_a_participation_with_the_session_and_csrf(client, auth):
    process = insert_process()
    create_user(email="api@example.org", home="lens")
    url = f"/api/v1/processes/{process.id}/participations"
    token = csrf_from(client.get("/compte/connexion").get_data(as_text=True))
    assert client.post(url, json={"grades": {}}, headers={"X-CSRFToken": token}).status_code == 401
    auth.login("api@example.org")
    token = csrf_from(client.get("/").get_data(as_text=True))
    parc = option_ids(process)[0]
    bad = client.post(url, json={"grades": {str(parc): "genial"}}, headers={"X-CSRFToken": token})
    assert bad.status_code == 400 and bad.get_json()["error"] == "Cette mention n'existe pas."
    assert client.post(url, json={"choices": [parc]}, headers={"X-CSRFToken": token}).status_code == 400
    done = client.post(url, json={"grades": {str(parc): "excellent"}}, headers={"X-CSRFToken": token})
    assert done.status_code == 201 and done.get_json() == {"process_id": process.id, "recorded": True,
                                                            "secret": True, "changeable": False}
    again = client.post(url, json={"grades": {str(parc): "bien"}}, headers={"X-CSRFToken": token})
    assert again.status_code == 409 and "secret" in again.get_json()["error"]
    close_process(process)
    late = client.post(url, json={"grades": {str(parc): "bien"}}, headers={"X-CSRFToken": token})
    assert late.status_code == 409
    assert client.post(f"/api/v1/processes/{process.id + 999}/participations", json={},
                       headers={"X-CSRFToken": token}).status_code == 404


# --- personal data --------------------------------------------------------------


def test_download_my_data_holds_open_ballots_and_sheets_but_never_a_secret_ballot(app):
    from labo.privacy.personal_data import erase_account, export_personal_data
    from tests.factories import PASSWORD

    open_vote = insert_process(level="consultation", method="single", secret=False, title="Vote ouvert")
    secret_vote = insert_process(title="Vote secret")
    voter = create_referent("lens", email="votante@example.org")
    ballots.cast_ballot(open_vote, voter, [option_ids(open_vote)[1]], now())
    db.session.commit()
    ballots.cast_ballot(secret_vote, voter, grades(secret_vote, "excellent"), now())
    db.session.commit()
    ballots.add_tally(open_vote, voter, channel="paper", place="Mairie", held_on=date.today(), participants=6,
                      commune=None, now=now(), counts={option_ids(open_vote)[0]: 6})
    db.session.commit()
    data = export_personal_data(voter)
    assert data["process_open_ballots"] == [{"process": "Vote ouvert", "choices": [{"option": "Jardins", "grade": None}]}]
    assert [t["place"] for t in data["process_tallies_entered"]] == ["Mairie"]
    assert "excellent" not in json.dumps(data)
    erase_account(app.config, voter, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2  # the votes still count
    assert db.session.scalar(select(Tally.entered_by_id)) is None
    assert db.session.scalar(select(func.count()).select_from(Participation).where(Participation.user_id.is_not(None))) == 0


def test_breakdown_across_processes_by_each_group_and_period():
    first = insert_process(level="consultation", method="single", secret=False, title="Premier")
    second = insert_process(title="Second")
    for n in range(7):
        person = create_user(home="lens")
        person.age_band = "26_44" if n < 6 else "65_plus"
        db.session.commit()
        ballots.cast_ballot(first, person, [option_ids(first)[0]], now())
        db.session.commit()
    ballots.add_tally(second, create_referent("avion"), channel="workshop", place="Atelier", held_on=date.today(),
                      participants=8, commune=commune("avion"), now=now(), counts={})
    db.session.commit()
    by_age = ballots.breakdown(None, "age_band")
    # the one over 65 is hidden, and the next smallest group with them, else 15 - 8 - 6 gives them away
    assert [(r["label"], r["participants"]) for r in by_age["rows"]] == [
        ("26 à 44 ans", "< 5"), ("65 ans et plus", "< 5"), ("Non renseigné", 8)]  # the 8 on the sheet: no age
    assert by_age["total"]["participants"] == 15
    by_channel = ballots.breakdown(None, "channel")
    assert {r["key"]: r["participants"] for r in by_channel["rows"]} == {"online": 7, "workshop": 8}
    by_commune = ballots.breakdown(second, "commune")
    assert [(r["label"], r["participants"]) for r in by_commune["rows"]] == [("Avion", 8)]
    assert ballots.breakdown(None, "qpv")["total"]["participants"] == 15
    later = (date.today() + timedelta(days=1), None)
    assert ballots.breakdown(None, "channel", later)["rows"] == []
    with pytest.raises(ValueError):
        ballots.breakdown(None, "pseudonym")


def test_api_opinions_and_open_ballots_count_live(client, auth):
    consultation = insert_process(level="consultation", method="avis", secret=False, title="Avis")
    vote = insert_process(level="consultation", method="approval", secret=False, max_choices=2, title="Approbation")
    create_user(email="avis@example.org", home="lens")
    auth.login("avis@example.org")
    token = csrf_from(client.get("/").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    url = f"/api/v1/processes/{consultation.id}/participations"
    assert client.post(url, json={"stance": "enthousiaste"}, headers=headers).status_code == 400
    assert client.post(url, json={"stance": "reserve", "comment": "Trop loin"}, headers=headers).status_code == 201
    assert client.post(url, json={"stance": "favorable"}, headers=headers).status_code == 201  # changed, not doubled
    a, b, c = option_ids(vote)
    url = f"/api/v1/processes/{vote.id}/participations"
    assert client.post(url, json={"choices": [a, b, c]}, headers=headers).status_code == 400
    created = client.post(url, json={"choices": [a, c]}, headers=headers)
    assert created.status_code == 201 and created.get_json()["changeable"] is True
    live = client.get(f"/api/v1/processes/{vote.id}/results").get_json()
    assert live["stage"] == "open" and live["total"]["participants"] == "< 5"  # one person: never shown
    assert "votes" not in live["total"]["outcome"]["ranking"][0]
    opinions = client.get(f"/api/v1/processes/{consultation.id}/results").get_json()
    assert opinions["total"]["stances"] == {"favorable": "< 5", "reserve": "< 5", "defavorable": "< 5"}
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 2
    assert "avis@example.org" not in json.dumps(opinions) and "Trop loin" not in json.dumps(opinions)


def test_a_whole_room_on_one_wifi_can_vote_the_limit_counts_per_account(app):
    """35 residents log in at home, then vote from the community hall's one
    address: nobody is turned away by the rate limit, which counts per account."""
    process = insert_process(level="consultation", method="single", secret=False)
    first = option_ids(process)[0]
    statuses = []
    for n in range(35):
        create_user(email=f"voisin{n}@example.org", home="lens")
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"  # at home
        Auth(client).login(f"voisin{n}@example.org")
        client.environ_base["REMOTE_ADDR"] = "198.51.100.7"  # the hall's Wi-Fi
        token = csrf_from(client.get(f"/demarches/{process.id}").get_data(as_text=True))
        statuses.append(client.post(f"/demarches/{process.id}/vote", data={"csrf_token": token, "option": first}).status_code)
    assert statuses == [303] * 35


def test_a_sheet_typed_wrong_is_removed_with_its_photo_until_the_result_is_published(client, auth, app):
    import io

    from PIL import Image

    from labo.audit.models import AuditEntry
    from labo.core.photos import photo_path

    process = insert_process(level="codecision", method="single", secret=True)
    create_referent("lens", email="ref.lens@example.org")
    create_referent("avion", email="ref.avion@example.org")
    a, b, c = option_ids(process)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(picture, "PNG")
    picture.seek(0)
    auth.login("ref.lens@example.org")
    url = f"/demarches/{process.id}/depouillement"
    sent = auth.post(url, data={"channel": "paper", "place": "Salle des fêtes", "held_on": date.today().isoformat(),
                                "participants": "9", "commune": "lens", f"count-{a}": "9",
                                "photo": (picture, "feuille.png")}, content_type="multipart/form-data")
    assert sent.status_code == 303, page_text(sent)
    sheet = db.session.scalar(select(Tally))
    stored = photo_path(app.config["LABO_UPLOAD_DIR"], sheet.photo_key)
    assert stored.is_file()
    remove = f"/demarches/{process.id}/depouillement/{sheet.id}/retirer"
    close_process(process)
    assert "Retirer cette feuille" in page_text(client.get(f"/demarches/{process.id}/resultats"))
    confirm = client.get(remove)
    assert confirm.status_code == 200 and "Salle des fêtes" in page_text(confirm)
    assert client.post(remove, data={}).status_code == 400  # no CSRF token: nothing removed
    assert db.session.scalar(select(func.count()).select_from(Tally)) == 1
    auth.logout()
    auth.login("ref.avion@example.org")
    assert client.get(remove).status_code == 403
    auth.logout()
    auth.login("ref.lens@example.org")
    done = auth.post(remove)
    assert done.status_code == 303
    assert "retirée des résultats" in page_text(client.get(done.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Tally)) == 0
    assert not stored.exists()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tally.deleted")) is not None
    # once the result is published, sheets stay
    again = ballots.add_tally(process, create_referent("lens", email="ref2.lens@example.org"), channel="paper",
                              place="Mairie", held_on=date.today(), participants=6, commune=commune("lens"),
                              counts={a: 6}, now=now() - timedelta(minutes=5))
    db.session.commit()
    ballots.publish_result(process, create_admin(), now())
    db.session.commit()
    frozen = auth.post(f"/demarches/{process.id}/depouillement/{again.id}/retirer")
    assert frozen.status_code == 303
    assert "ne peuvent plus être retirées" in page_text(client.get(frozen.headers["Location"]))
    assert db.session.get(Tally, again.id) is not None
