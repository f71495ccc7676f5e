"""The writer killed mid-write: a `gunicorn -k gevent -w 1` site on a
PostgreSQL cluster of this test's own, whose worker (the one process that
writes) is sent SIGKILL 20 times, at random moments, while contributions,
supports, votes and workshop dots pour in. The master starts a new worker each
time. Afterwards every write the site acknowledged is in the database, no
write is there twice or half-made, and every tally (a contribution's
supports, a ballot's results, a note's dots) equals its rows.

Acknowledged: the site's success answer reached the client (a redirect for a
form, `{"ok": true}` for a Socket.IO event). A write cut by a kill got no
answer: it may or may not be there, and is only counted as an upper bound.

Runs in the PostgreSQL pass (marker `faults`); without PostgreSQL's server
binaries it is skipped, unless LABO_REQUIRE_POSTGRES=1, which fails."""
from __future__ import annotations

import os
import random
import re
import signal
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Optional

import pytest
import requests
import socketio
from sqlalchemy import select

from tests.faults.conftest import Site, gunicorn_site

pytestmark = pytest.mark.faults

SEED = 20240620  # the kills' moments and the writers' choices; printed with every failure
KILLS = 20
ANSWER = 10  # seconds: the longest a request or a Socket.IO event waits for its answer
VOTERS = 40  # residents made for the test: each votes, and supports contributions
PHONES = 60  # workshop participants, each with DOTS dots to place
DOTS = 20
PASSWORD = "un mot de passe sous SIGKILL"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUPPORTS_RE = re.compile(r'id="soutenir"[^>]*>\D*(\d+)')  # the count heading the page's supports


@pytest.fixture(scope="module")
def site(cluster, tmp_path_factory):
    # Many logins and writes per account in a minute: this test is about kills, not limits.
    with gunicorn_site(cluster, tmp_path_factory.mktemp("sigkill"), LABO_AUTH_RATE_LIMIT="100000 per minute",
                       LABO_AUTH_ADDRESS_RATE_LIMIT="100000 per minute",
                       LABO_WRITE_RATE_LIMIT="100000 per minute") as running:
        yield running


@pytest.fixture(scope="module")
def database(cluster, site):
    """The app's models and services on the site's database, in the test's
    own process: to make the test's accounts, processes and board, and to
    read back what the site wrote (inside `app.app_context()`: the suite's
    fixtures hold a context of their own app)."""
    from labo import create_app
    from labo.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": cluster.url, "SECRET_KEY": "faults", "LABO_ENV": "development",
                      "REDIS_URL": None, "MAIL_SERVER": None,
                      "LABO_PASSWORD_HASH": "pbkdf2:sha256:1000"})  # the test's residents log in quickly
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- what the test makes before the kills -------------------------------------------


@dataclass
class World:
    commune_id: int
    voters: dict[str, int]  # email: user id
    contributions: list[int]  # published before the test
    processes: dict[str, int]  # "mj" (secret, demo), "approval" (secret), "single" (open)
    options: dict[str, list[int]]
    board_id: int
    targets: list[tuple[str, int]]  # ("note" | "group", id)
    tokens: list[tuple[int, str]]  # (participant id, token)


def prepare(app) -> World:
    from labo.accounts.models import User
    from labo.accounts.services import register_account
    from labo.contributions.models import Contribution, Visibility
    from labo.core.db import utcnow
    from labo.extensions import db
    from labo.processes import services as processes
    from labo.processes.demo import DEMO_TITLES
    from labo.processes.models import Process
    from labo.territory.models import Commune
    from labo.workshops import services as workshops

    def user(email: str) -> User:
        found = db.session.scalar(select(User).where(User.email == email))
        assert found is not None, f"the demo has no {email}"
        return found

    admin, animator = user("admin@labo.example"), user("animatrice@labo.example")
    commune = db.session.scalar(select(Commune).where(Commune.premoderation.is_(False), Commune.in_call)
                                .order_by(Commune.id))
    voters = {}
    for n in range(VOTERS):
        email = f"votant{n:03d}@labo.example"
        voter = register_account(app.config, pseudonym=f"Votant {n:03d}", email=email, password=PASSWORD,
                                 home_commune=commune).user
        voter.email, voter.pending_email = email, None  # as if the link mailed to it had been opened
        voters[email] = voter
    db.session.flush()
    now = utcnow().replace(microsecond=0)

    def ballot(title: str, method: str, secret: bool, max_choices: Optional[int]) -> Process:
        process = processes.save_process(
            admin, Process(), title=title, question="Que choisissez-vous ?", context="", decider="le COPIL",
            level="consultation", method=method, options=["Option A", "Option B", "Option C", "Option D"],
            secret=secret, max_choices=max_choices, opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10), answer_by=(now + timedelta(days=20)).date(), audience="everyone",
            communes=[], qpvs=[], verified_only=False, commune=None, pillar=None, ambition=None, decision_rule="",
            easy_read="", may_run_agglomeration=True)
        processes.publish_process(admin, process)
        return process

    mj = db.session.scalar(select(Process).where(Process.title == DEMO_TITLES["codecision_open"]))
    assert mj is not None and mj.secret and mj.method == "majority_judgment", "the demo's codecision changed"
    approval = ballot("Sous SIGKILL : plusieurs choix, vote secret", "approval", True, 2)
    single = ballot("Sous SIGKILL : un seul choix, vote modifiable", "single", False, None)

    board = workshops.create_board(animator, title="Atelier sous SIGKILL", dots_per_person=DOTS)
    notes = []
    for k in range(4):
        author = workshops.join_board(board, f"Autrice {k}")
        note, _created = workshops.post_note(board, author, column_id=board.columns[k % 3].id,
                                             text=f"Idée numéro {k}", client_key=f"sigkill-note-{k}")
        notes.append(note)
    group = workshops.group_notes(board, notes[3], onto_note=notes[2], title="Deux idées ensemble").group
    workshops.set_phase(animator, board, "voting")
    phones = [workshops.join_board(board, f"Téléphone {n}") for n in range(PHONES)]
    db.session.commit()
    published = list(db.session.scalars(select(Contribution.id).where(
        Contribution.visibility == Visibility.PUBLISHED.value).order_by(Contribution.id)))
    return World(
        commune_id=commune.id, voters={email: u.id for email, u in voters.items()},
        contributions=published,
        processes={"mj": mj.id, "approval": approval.id, "single": single.id},
        options={"mj": [o.id for o in mj.options], "approval": [o.id for o in approval.options],
                 "single": [o.id for o in single.options]},
        board_id=board.id, targets=[("note", n.id) for n in notes[:2]] + [("group", group.id)],
        tokens=[(p.id, workshops.participant_token(app.config, p)) for p in phones])


# --- what the writers saw -------------------------------------------------------------


@dataclass
class Journal:
    """Every write tried, and its answer: acknowledged, refused with a
    definite answer, or cut (no answer: the kill took it)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    contributions: dict[str, int] = field(default_factory=dict)  # acknowledged: title -> id
    contribution_tries: list[str] = field(default_factory=list)
    supports: set = field(default_factory=set)  # acknowledged (user id, contribution id)
    votes: dict = field(default_factory=lambda: defaultdict(list))  # (process, user id) -> [(choice, acknowledged)]
    already: set = field(default_factory=set)  # (process, user id): a secret vote refused as "already voted"
    dots: dict = field(default_factory=lambda: defaultdict(list))  # participant -> [(target, dots_left or None)]
    cut: Counter = field(default_factory=Counter)  # writes with no answer, by kind
    statuses: Counter = field(default_factory=Counter)  # (kind, status)
    unexpected: list = field(default_factory=list)  # (time, kind, what): answers that are neither success nor cut
    crashed: list = field(default_factory=list)  # writers that stopped on an exception

    def note(self, kind: str, status: Any) -> None:
        with self.lock:
            self.statuses[kind, status] += 1

    def strange(self, kind: str, what: Any) -> None:
        with self.lock:
            self.unexpected.append((time.monotonic(), kind, what))

    def interrupted(self, kind: str) -> None:
        with self.lock:
            self.cut[kind] += 1


def writer(journal: Journal, ready: threading.Barrier, target, *args) -> threading.Thread:
    """A writer's thread: an exception stops the test, not just the thread."""

    def run():
        try:
            target(*args)
        except BaseException as error:
            with journal.lock:
                journal.crashed.append(f"{target.__name__}: {type(error).__name__}: {error}")
            ready.abort()

    return threading.Thread(target=run, name=target.__name__, daemon=True)


def token_of(page: str) -> str:
    match = TOKEN_RE.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post(browser: requests.Session, url: str, data: dict, journal: Journal, kind: str) -> Optional[requests.Response]:
    """One try, never retried by the client: the answer, or None when the kill cut it."""
    try:
        answer = browser.post(url, data=data, allow_redirects=False, timeout=ANSWER)
    except requests.RequestException as error:
        journal.note(kind, type(error).__name__)
        journal.interrupted(kind)
        return None
    journal.note(kind, answer.status_code)
    if answer.status_code in (302, 303):
        try:  # to the page the redirect names, as a browser goes: it shows (and so clears) the flashed message
            browser.get(requests.compat.urljoin(url, answer.headers["Location"]), timeout=ANSWER)
        except requests.RequestException:
            pass
    return answer


def log_in(url: str, email: str, password: str, deadline: float) -> tuple[requests.Session, str]:
    """A browser logged in through the real form, and a CSRF token of its session."""
    browser = requests.Session()
    while True:
        try:
            token = token_of(browser.get(url + "/compte/connexion", timeout=ANSWER).text)
            answer = browser.post(url + "/compte/connexion", data={"email": email, "password": password,
                                                                  "csrf_token": token},
                                  allow_redirects=False, timeout=ANSWER)
            if answer.status_code == 302:
                return browser, token_of(browser.get(url + "/idees/nouvelle", timeout=ANSWER).text)
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"{email} could not log in"
        time.sleep(0.2)


class Phone:
    """A participant's phone on the board: a Socket.IO client whose events
    are answered by an acknowledgement, or cut by the connection dropping."""

    def __init__(self, url: str, board_id: int, token: str):
        from labo.workshops.events import NAMESPACE

        self.namespace = NAMESPACE
        self.gone = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("disconnect", lambda *args: self.gone.set(), namespace=NAMESPACE)
        self.client.connect(url, auth={"board": board_id, "token": token}, namespaces=[NAMESPACE],
                            transports=["websocket"], wait_timeout=ANSWER)

    def call(self, event: str, data: dict) -> Optional[dict]:
        answered = threading.Event()
        box: list = []

        def acknowledge(*args):
            box.append(args[0] if args else None)
            answered.set()

        try:
            self.client.emit(event, data, namespace=self.namespace, callback=acknowledge)
        except socketio.exceptions.SocketIOError:
            return None
        deadline = time.monotonic() + ANSWER
        while not answered.wait(0.05):
            if self.gone.is_set() or time.monotonic() > deadline:
                return None
        return box[0]

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone with its worker
            pass


# --- the writers ---------------------------------------------------------------------


def poster(url: str, world: World, journal: Journal, ready: threading.Barrier, stop: threading.Event,
           deadline: float) -> None:
    """One resident of the demo posts contribution after contribution, each with a title of its own."""
    from labo.demo import DEMO_PASSWORD

    browser, token = log_in(url, "habitante@labo.example", DEMO_PASSWORD, deadline)
    ready.wait(timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        title = f"Sous SIGKILL, contribution {n:04d}"
        with journal.lock:
            journal.contribution_tries.append(title)
        answer = post(browser, url + "/idees/nouvelle", {
            "csrf_token": token, "kind": "idee", "title": title, "body": f"Le texte de la contribution {n}.",
            "commune": str(world.commune_id), "qpv": "", "theme": ""}, journal, "contribution")
        if answer is not None:
            found = re.search(r"/idees/(\d+)\?envoye=1", answer.headers.get("Location", ""))
            if answer.status_code == 302 and found:
                with journal.lock:
                    journal.contributions[title] = int(found.group(1))
            else:
                journal.strange("contribution", (title, answer.status_code))
        time.sleep(0.02)


def log_in_all(url: str, emails, deadline: float) -> dict:
    return {email: log_in(url, email, PASSWORD, deadline) for email in emails}


def supporter(url: str, world: World, journal: Journal, ready: threading.Barrier, stop: threading.Event,
              seed: int, deadline: float) -> None:
    """The residents support contributions, the demo's and the ones just posted."""
    rng = random.Random(seed)
    sessions = log_in_all(url, world.voters, deadline)
    ready.wait(timeout=60)
    tried: set = set()
    while not stop.is_set():
        email = rng.choice(sorted(sessions))
        user_id = world.voters[email]
        with journal.lock:
            pool = world.contributions + list(journal.contributions.values())
        contribution = rng.choice(pool)
        if (user_id, contribution) in tried:
            time.sleep(0.001)
            continue
        tried.add((user_id, contribution))
        browser, token = sessions[email]
        answer = post(browser, f"{url}/idees/{contribution}/soutenir", {"csrf_token": token}, journal, "support")
        if answer is not None:
            if answer.status_code == 302 and f"/idees/{contribution}" in answer.headers.get("Location", ""):
                with journal.lock:
                    journal.supports.add((user_id, contribution))
            else:
                journal.strange("support", (user_id, contribution, answer.status_code))
        time.sleep(0.02)


def voter(url: str, world: World, journal: Journal, ready: threading.Barrier, stop: threading.Event,
          seed: int, deadline: float) -> None:
    """Each resident votes once in both secret ballots (again after a cut
    try, as a person would, until the site answers), and changes their open
    ballot as often as they like."""
    rng = random.Random(seed)
    sessions = log_in_all(url, world.voters, deadline)  # a second browser of theirs
    ready.wait(timeout=60)
    from labo.processes.counting import GRADES

    done: set = set()  # (process, user id) of the secret ballots answered
    while not stop.is_set():
        email = rng.choice(sorted(sessions))
        user_id = world.voters[email]
        browser, token = sessions[email]
        which = rng.choice([k for k in ("mj", "approval") if (k, user_id) not in done] + ["single"])
        process, options = world.processes[which], world.options[which]
        if which == "mj":
            choice: Any = {o: rng.choice(GRADES) for o in options}
            data = {"csrf_token": token, **{f"grade-{o}": g for o, g in choice.items()}}
        elif which == "approval":
            choice = sorted(rng.sample(options, rng.randint(1, 2)))
            data = {"csrf_token": token, "options": [str(o) for o in choice]}
        else:
            choice = rng.choice(options)
            data = {"csrf_token": token, "option": str(choice)}
        answer = post(browser, f"{url}/demarches/{process}/vote", data, journal, f"vote {which}")
        acknowledged = answer is not None and answer.status_code == 303
        with journal.lock:
            journal.votes[which, user_id].append((choice, acknowledged))
        if acknowledged:
            done.add((which, user_id))
        elif answer is None:
            pass  # cut: a secret ballot is tried again later
        elif answer.status_code == 409 and which != "single":
            done.add((which, user_id))  # a try cut earlier was counted: "you have already voted"
            with journal.lock:
                journal.already.add((which, user_id))
        else:
            journal.strange(f"vote {which}", (user_id, answer.status_code))
        time.sleep(0.02)


def dotter(url: str, world: World, phones: list, journal: Journal, ready: threading.Barrier, stop: threading.Event,
           seed: int) -> None:
    """Participants place their dots one after the other, on the notes and the group."""
    rng = random.Random(seed)
    ready.wait(timeout=60)
    for participant_id, token in phones:
        phone: Optional[Phone] = None
        left = DOTS
        while left > 0 and not stop.is_set():
            if phone is None or phone.gone.is_set():
                if phone is not None:
                    phone.close()
                try:
                    phone = Phone(url, world.board_id, token)
                except socketio.exceptions.ConnectionError:
                    phone = None
                    time.sleep(0.1)
                    continue
            kind, target = rng.choice(world.targets)
            answer = phone.call("place_dot", {"kind": kind, "id": target})
            with journal.lock:
                journal.dots[participant_id].append(((kind, target), answer["dots_left"] if answer and answer.get("ok")
                                                     else None))
            if answer is None:
                journal.interrupted("dot")
                journal.note("dot", "cut")
            elif answer.get("ok"):
                journal.note("dot", "ok")
                left = answer["dots_left"]
            elif answer.get("error") == "no-dots-left":
                journal.note("dot", "no-dots-left")  # the cut tries took the rest
                left = 0
            else:
                journal.note("dot", answer.get("error"))
                journal.strange("dot", (participant_id, answer))
            time.sleep(0.02)
        if phone is not None:
            phone.close()
        if stop.is_set():
            return


# --- the killer ------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(stat.parent.name))
        return found


def new_worker(site: Site, killed: list[int], timeout: float = 30) -> int:
    """The worker the master started after the last kill, once it answers."""
    deadline = time.monotonic() + timeout
    while True:
        assert site.master.poll() is None, "the gunicorn master died:\n" + site.log_tail()
        workers = [pid for pid in children_of(site.master.pid) if pid not in killed]
        if len(workers) == 1:
            try:
                if requests.get(site.url + "/healthz", timeout=2).status_code == 200:
                    return workers[0]
            except requests.RequestException:
                pass
        assert time.monotonic() < deadline, f"no new worker answers {timeout} s after kill {len(killed)}:\n" \
                                            + site.log_tail()
        time.sleep(0.05)


# --- the test --------------------------------------------------------------------------


def test_every_acknowledged_write_survives_20_sigkills_of_the_worker(site, database):
    began = time.monotonic()
    with database.app_context():
        world = prepare(database)
    rng = random.Random(SEED)
    journal = Journal()
    stop = threading.Event()
    deadline = time.monotonic() + 60
    half = len(world.tokens) // 2
    ready = threading.Barrier(6)  # the five writers logged in, and the killer
    writers = [
        writer(journal, ready, poster, site.url, world, journal, ready, stop, deadline),
        writer(journal, ready, supporter, site.url, world, journal, ready, stop, SEED + 1, deadline),
        writer(journal, ready, voter, site.url, world, journal, ready, stop, SEED + 2, deadline),
        writer(journal, ready, dotter, site.url, world, world.tokens[:half], journal, ready, stop, SEED + 3),
        writer(journal, ready, dotter, site.url, world, world.tokens[half:], journal, ready, stop, SEED + 4),
    ]
    killed: list[int] = []
    windows: list[tuple[float, float]] = []  # from a kill until the new worker answers
    try:
        for thread in writers:
            thread.start()
        try:
            ready.wait(timeout=60)
        except threading.BrokenBarrierError:
            pytest.fail(f"the writers did not get ready: {journal.crashed}", pytrace=False)
        worker = new_worker(site, killed)
        logged_in = time.monotonic()
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 1.0))
            os.kill(worker, signal.SIGKILL)
            killed.append(worker)
            at = time.monotonic()
            worker = new_worker(site, killed)
            windows.append((at, time.monotonic()))
        time.sleep(0.5)  # the last writes land on a worker nobody kills
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=ANSWER + 5)
    elapsed = time.monotonic() - logged_in
    assert not [t.name for t in writers if t.is_alive()], "a writer is still running"
    assert not journal.crashed, f"a writer stopped on an exception (seed {SEED}): {journal.crashed}"

    acked = {"contributions": len(journal.contributions), "supports": len(journal.supports),
             "votes": sum(1 for tries in journal.votes.values() for _c, ok in tries if ok),
             "dots": sum(1 for tries in journal.dots.values() for _t, left in tries if left is not None)}
    restarts = sorted(b - a for a, b in windows) or [float("nan")]
    context = (f"seed {SEED}; accounts, ballots, board and logins in {logged_in - began:.1f} s; "
               f"{len(killed)} kills in {elapsed:.1f} s (a new worker answered "
               f"{restarts[0]:.1f}–{restarts[-1]:.1f} s after a kill); acknowledged {acked}; "
               f"cut {dict(journal.cut)}; answers {dict(journal.statuses)}")
    print(context)

    # The kills were real, and writes were acknowledged on every front.
    assert len(killed) == KILLS and len(set(killed)) == KILLS, f"{killed}; {context}"
    assert worker not in killed and site.master.poll() is None, context
    assert all(acked.values()), f"a kind of write was never acknowledged: {context}"
    assert sum(journal.cut.values()) > 0, f"no kill ever cut a write: the test proved nothing; {context}"
    errors = [(kind, status) for kind, status in journal.statuses if isinstance(status, int) and status >= 500]
    strange = [(kind, what, "while a worker restarted" if any(a <= at <= b + 1 for a, b in windows) else
                "outside the kills") for at, kind, what in journal.unexpected]
    assert not errors and not strange, \
        f"answers neither a success nor a cut: {strange[:20]}; {context}\ngunicorn's log:\n{site.log_tail()}"

    with database.app_context():
        checking = time.monotonic()
        check_database(site, world, journal, context)
    print(f"checked in {time.monotonic() - checking:.1f} s")


def check_database(site: Site, world: World, journal: Journal, context: str) -> None:
    """What the site committed, against what it acknowledged."""
    from labo.contributions.models import Contribution, Support
    from labo.extensions import db
    from labo.processes import ballots
    from labo.processes.models import Ballot, BallotChoice, Participation, Process
    from labo.workshops.models import Dot

    # Contributions: every acknowledged one is there, with the id it was given, and none twice.
    stored = Counter()
    ids = {}
    for title, cid in db.session.execute(select(Contribution.title, Contribution.id).where(
            Contribution.title.in_(journal.contribution_tries))):
        stored[title] += 1
        ids[title] = cid
    missing = sorted(t for t in journal.contributions if t not in stored)
    assert not missing, f"acknowledged contributions missing: {missing}; {context}"
    assert not [t for t, n in stored.items() if n > 1], f"contributions stored twice; {context}"
    assert all(ids[t] == cid for t, cid in journal.contributions.items()), f"contribution ids changed; {context}"

    # Supports: every acknowledged one is a row; every contribution's count, as its page shows it, is its rows.
    rows = set(db.session.execute(select(Support.user_id, Support.contribution_id)).all())
    missing = sorted(journal.supports - rows)
    assert not missing, f"acknowledged supports (user, contribution) missing: {missing}; {context}"
    counted = Counter(cid for _uid, cid in rows)
    shown = {}
    with requests.Session() as visitor:
        for cid in sorted({cid for _uid, cid in journal.supports}):
            found = SUPPORTS_RE.search(visitor.get(f"{site.url}/idees/{cid}", timeout=ANSWER).text)
            shown[cid] = int(found.group(1)) if found else None
    drift = {cid: (n, counted[cid]) for cid, n in shown.items() if n != counted[cid]}
    assert not drift, f"supports shown ≠ rows, {{contribution: (shown, rows)}}: {drift}; {context}"

    # Votes: each acknowledged one has its participation; ballots are whole, one per participation.
    for which, process_id in world.processes.items():
        process = db.session.get(Process, process_id)
        participants = set(db.session.scalars(select(Participation.user_id).where(
            Participation.process_id == process_id)))
        voted = {uid for (w, uid), tries in journal.votes.items() if w == which and any(ok for _c, ok in tries)}
        voted |= {uid for w, uid in journal.already if w == which}
        missing = sorted(voted - participants)
        assert not missing, f"{which}: acknowledged votes of users {missing} have no participation; {context}"
        tried = {uid for (w, uid) in journal.votes if w == which}
        unsent = sorted((participants & set(world.voters.values())) - tried)
        assert not unsent, f"{which}: participations of users {unsent}, who never voted; {context}"
        ballot_rows = db.session.execute(select(Ballot.id, Ballot.participation_id).where(
            Ballot.process_id == process_id)).all()
        assert len(ballot_rows) == len(participants), \
            f"{which}: {len(ballot_rows)} ballots for {len(participants)} participations; {context}"
        if process.secret:
            assert all(pid is None for _b, pid in ballot_rows), f"{which}: a secret ballot linked to its voter"
        choices = db.session.execute(select(BallotChoice.ballot_id, BallotChoice.option_id, BallotChoice.grade)
                                     .join(Ballot).where(Ballot.process_id == process_id)).all()
        per_ballot = Counter(b for b, _o, _g in choices)
        sizes = Counter(per_ballot[b] for b, _p in ballot_rows)
        allowed = {"mj": {len(world.options["mj"])}, "approval": {1, 2}, "single": {1}}[which]
        assert set(sizes) <= allowed, f"{which}: ballots of {dict(sizes)} choices (allowed {allowed}); {context}"
        if which == "single":
            # An open ballot holds the voter's last choice when that last try was acknowledged.
            by_user = dict(db.session.execute(select(Participation.user_id, BallotChoice.option_id)
                                              .join(Ballot, Ballot.participation_id == Participation.id)
                                              .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
                                              .where(Participation.process_id == process_id)).all())
            wrong = {uid: (tries[-1][0], by_user.get(uid)) for (w, uid), tries in journal.votes.items()
                     if w == "single" and tries[-1][1] and by_user.get(uid) != tries[-1][0]}
            assert not wrong, f"open ballot: {{user: (last acknowledged, stored)}}: {wrong}; {context}"
            unsent = {uid: choice for uid, choice in by_user.items()
                      if choice not in {c for c, _ok in journal.votes.get(("single", uid), [])}}
            assert not unsent, f"open ballot: {{user: a choice they never sent}}: {unsent}; {context}"
        # The results count exactly these rows.
        online = next((c for c in ballots.results(process).channels if c.channel == "online"), None)
        assert online is not None and online.participants == len(ballot_rows), f"{which}: online ballots; {context}"
        if which == "mj":
            expected = Counter((o, g) for _b, o, g in choices)
            counted_grades = {(int(r.option), g): n for r in online.outcome.ranking for g, n in r.counts.items() if n}
            assert counted_grades == dict(expected), f"mj: results ≠ rows; {context}"
        else:
            expected = Counter(o for _b, o, _g in choices)
            counted_votes = {int(r.option): r.votes for r in online.outcome.ranking if r.votes}
            assert counted_votes == dict(expected), f"{which}: results ≠ rows; {context}"

    # Dots: every acknowledged one is a row; no one has more than their dots; the board's counts are the rows.
    dots = db.session.execute(select(Dot.participant_id, Dot.note_id, Dot.group_id).where(
        Dot.board_id == world.board_id)).all()
    per_target = Counter((p, ("note", n) if n is not None else ("group", g)) for p, n, g in dots)
    per_person = Counter(p for p, _n, _g in dots)
    short, over = [], []
    for participant, tries in journal.dots.items():
        acknowledged = Counter(t for t, left in tries if left is not None)
        short += [(participant, t, n, per_target[participant, t]) for t, n in acknowledged.items()
                  if per_target[participant, t] < n]
        lefts = [left for _t, left in tries if left is not None]
        if lefts and per_person[participant] < DOTS - min(lefts):
            short.append((participant, "dots placed", DOTS - min(lefts), per_person[participant]))
        if per_person[participant] > min(DOTS, len(tries)):
            over.append((participant, len(tries), per_person[participant]))
    over += [(participant, 0, n) for participant, n in per_person.items() if participant not in journal.dots]
    assert not short, f"acknowledged dots missing (participant, target, acknowledged, rows): {short[:20]}; {context}"
    assert not over, f"more dots than tries or than allowed (participant, tries, rows): {over}; {context}"
    phone = Phone(site.url, world.board_id, world.tokens[0][1])
    try:
        answer = phone.call("sync", {})
    finally:
        phone.close()
    assert answer and answer.get("ok"), answer
    shown = {(kind, int(k)): n for kind in ("note", "group") for k, n in answer["state"]["dots"][kind].items()}
    rows_by_target = Counter(("note", n) if n is not None else ("group", g) for _p, n, g in dots)
    assert shown == dict(rows_by_target), f"dots shown {shown} ≠ rows {dict(rows_by_target)}; {context}"
