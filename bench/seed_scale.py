#!/usr/bin/env python3
"""Fill a PostgreSQL database with an agglomeration-sized history, for bench/scale.py.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/labo .venv/bin/python bench/seed_scale.py
    .venv/bin/python bench/seed_scale.py --scale 0.05      # a twentieth of everything, for a quick run
    .venv/bin/python bench/seed_scale.py --help

It runs `flask --app wsgi db upgrade` and `flask --app wsgi labo seed` first
(both idempotent), refuses a database that already holds contributions, then
writes with COPY (psycopg 3), table by table, in foreign-key order:

- the territory's communes, plus placeholder communes ("Commune du bench
  NN", slug bench-commune-NN, in the CALL) up to 36 in the CALL: the
  territory seed holds only the 19 CALL communes that have a QPV;
- 55,000 accounts (residents; the first ones are also administrators,
  COPIL members, two referents per CALL commune, animators, ambassadors),
  all with the password "bench-password" (one scrypt hash, made once);
- 200,000 contributions, 10,000 of them in Lens (the commune of
  bench/scale.py's filtered list), the rest by population; supports,
  comments, follows, reports and the followers' notifications of answers;
- 500 processes, 1,000,000 online ballots over the ballot processes (one
  of them, agglomeration-wide, secret, majority judgment, closed, holds
  40,000), opinions, proposals, questions, paper tallies, returns. Secret
  ballots follow the model's rules: a random id, no time, no link to the
  participation, and they are written in the order of their ids (what
  `seal_secret_ballots` leaves), so neither ids nor rows follow voters;
- 2,000 meetings with registrations (accounts, walk-ins, presence,
  cancellations, relays), animators and minutes.

Deterministic for a given --seed and --today (default: today, so that some
processes are open when the benchmark runs). Counts scale with --scale
(sizes are rounded; a few things, like the 36 communes and the staff, do
not scale). Prints the time of each step, the row counts and the sizes.
Finishes with VACUUM ANALYZE. Not a test: it asserts nothing about time."""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-password"
UTC = timezone.utc

GRADES = ("excellent", "tres_bien", "bien", "assez_bien", "passable", "insuffisant", "a_rejeter")
STANCES = ("favorable", "reserve", "defavorable")
AGE_BANDS = ("under_18", "18_25", "26_44", "45_64", "65_plus")
KINDS = (("idee", 45), ("envie", 25), ("initiative", 15), ("question", 15))
STATUSES = (("proposee", 55), ("en_etude", 15), ("retenue", 12), ("non_retenue", 10), ("realisee", 8))
VISIBILITY = (("published", 93), ("pending", 3), ("hidden", 3), ("merged", 1))
# Rough weights (inhabitants, in thousands) for where the accounts live; the
# placeholder communes get small ones, the communes outside the CALL a token one.
POPULATION = {
    "lens": 31, "lievin": 30, "avion": 17.5, "harnes": 12.5, "bully-les-mines": 12, "mericourt": 11.5,
    "sallaumines": 9.5, "wingles": 8.6, "billy-montigny": 8, "mazingarbe": 7.8, "vendin-le-vieil": 7.5,
    "loos-en-gohelle": 7, "noyelles-sous-lens": 7, "grenay": 6.5, "fouquieres-les-lens": 6.5,
    "sains-en-gohelle": 6, "loison-sous-lens": 5.6, "angres": 4.3, "hulluch": 3.5,
}
WORDS = ("quartier jardin parc école rue trottoir banc lumière bus vélo marché fête voisins jeunes enfants "
         "aînés santé médecin emploi atelier association salle sport musique cantine propreté poubelles "
         "sécurité arbres fleurs potager maison logement chauffage isolation cité mine terril mémoire "
         "chemin piste sortie soirée café rencontre aide démarches papiers numérique ordinateur cours "
         "lecture bibliothèque bruit route passage piéton ralentisseur éclairage square aire jeux "
         "ensemble projet idée envie besoin question pourquoi comment quand faire ouvrir créer réparer "
         "nettoyer planter installer organiser proposer aider accompagner partager").split()


def say(*parts) -> None:
    print(*parts, flush=True)


class Rng(random.Random):
    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.choices(WORDS, k=self.randint(lo, hi)))

    def sentence(self, lo: int, hi: int) -> str:
        text = self.words(lo, hi)
        return text[0].upper() + text[1:] + "."

    def paragraphs(self, n: int) -> str:
        return "".join(f"<p>{' '.join(self.sentence(6, 16) for _ in range(self.randint(1, 3)))}</p>" for _ in range(n))

    def token(self, nbytes: int = 16) -> str:
        return base64.urlsafe_b64encode(self.getrandbits(nbytes * 8).to_bytes(nbytes, "big")).decode()

    def moment(self, start: datetime, end: datetime) -> datetime:
        span = (end - start).total_seconds()
        return start + timedelta(seconds=self.random() * max(span, 1))

    def count(self, mean: float, sigma: float = 1.0) -> int:
        """A skewed count (log-normal) with about this mean."""
        if mean <= 0:
            return 0
        import math

        return int(self.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma) + 0.5)


class Writer:
    """Buffered COPY into one table; `flush_all` keeps foreign-key order."""

    def __init__(self, conn, table: str, columns: tuple[str, ...], rows_per_copy: int = 100_000):
        self.conn, self.table, self.columns, self.limit = conn, table, columns, rows_per_copy
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        self.written += len(self.rows)
        self.rows = []


def flush_all(*writers: Writer, force: bool = False) -> None:
    if force or any(len(w.rows) >= w.limit for w in writers):
        for w in writers:  # in the order given: parents first
            w.flush()


def weighted(rng: Rng, pairs) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


# --- the steps ------------------------------------------------------------------


def prepare(env: dict) -> None:
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for args in (["db", "upgrade"], ["labo", "seed"]):
        done = subprocess.run(flask + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def territory(conn, rng: Rng, target_call: int):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM commune WHERE in_call")
        have = cur.fetchone()[0]
        for n in range(have + 1, target_call + 1):
            cur.execute("INSERT INTO commune (slug, name, in_call, note, premoderation) VALUES (%s, %s, true, %s, false) "
                        "ON CONFLICT (slug) DO NOTHING",
                        (f"bench-commune-{n:02d}", f"Commune du bench {n:02d}", "Commune fictive ajoutée par bench/seed_scale.py"))
        cur.execute("SELECT id, slug, in_call FROM commune ORDER BY id")
        communes = cur.fetchall()
        cur.execute("SELECT commune_id, qpv_id FROM qpv_commune ORDER BY commune_id, qpv_id")
        qpvs: dict[int, list[int]] = {}
        for cid, qid in cur.fetchall():
            qpvs.setdefault(cid, []).append(qid)
        cur.execute("SELECT a.id, a.pillar_id FROM ambition a ORDER BY a.id")
        ambitions = cur.fetchall()
        cur.execute("SELECT id FROM pillar ORDER BY id")
        pillars = [r[0] for r in cur.fetchall()]
    conn.commit()
    weights = {}
    for cid, slug, in_call in communes:
        weights[cid] = POPULATION.get(slug, 0.3 if not in_call else 1.5 + rng.random() * 3)
    return communes, weights, qpvs, ambitions, pillars


def theme(rng: Rng, ambitions, pillars):
    r = rng.random()
    if r < 0.45:
        aid, pid = rng.choice(ambitions)
        return pid, aid
    if r < 0.65:
        return rng.choice(pillars), None
    return None, None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every count (default 1: the full size)")
    ap.add_argument("--seed", type=int, default=8, help="random seed (default 8)")
    ap.add_argument("--today", default=None, help="the day the history ends, YYYY-MM-DD (default: today)")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    ap.add_argument("--no-vacuum", action="store_true", help="skip the final VACUUM ANALYZE")
    args = ap.parse_args(argv)
    url = (args.database_url or "").strip()
    if not url.startswith(("postgresql", "postgres:")):
        ap.error("a PostgreSQL DATABASE_URL (or --database-url) is needed")
    import psycopg
    from werkzeug.security import generate_password_hash

    libpq = "postgresql://" + url.split("://", 1)[1]
    env = dict(os.environ, DATABASE_URL=url)
    env.setdefault("SECRET_KEY", "bench-seed")
    env.setdefault("LABO_INSTANCE_PATH", "/tmp/labo-seed-scale-instance")
    s = args.scale
    today = date.fromisoformat(args.today) if args.today else date.today()
    T = datetime.combine(today, dtime(0, 0), tzinfo=UTC)  # the history ends here (midnight UTC)
    START = T - timedelta(days=3 * 365)
    rng = Rng(args.seed)
    started = time.perf_counter()
    steps: list[tuple[str, float]] = []
    mark = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        steps.append((name, now - mark[0]))
        say(f"  {name}: {now - mark[0]:.1f} s")
        mark[0] = now

    say(f"seed_scale: scale {s}, seed {args.seed}, history from {START.date()} to {today}; load {os.getloadavg()[0]:.2f}")
    prepare(env)
    step("flask db upgrade + labo seed")
    conn = psycopg.connect(libpq)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM contribution")
        if cur.fetchone()[0]:
            raise SystemExit("this database already holds contributions: give seed_scale.py an empty one")
        cur.execute("SELECT count(*) FROM user_account")
        if cur.fetchone()[0]:
            raise SystemExit("this database already holds accounts: give seed_scale.py an empty one")
    conn.commit()
    communes, weights, qpvs_of, ambitions, pillars = territory(conn, rng, 36)
    call_ids = [cid for cid, _slug, in_call in communes if in_call]
    slug_of = {cid: slug for cid, slug, _ in communes}
    lens = next(cid for cid, slug, _ in communes if slug == "lens")
    step(f"territory ({len(call_ids)} communes in the CALL, {len(communes)} in all)")

    # --- accounts -------------------------------------------------------------
    R = max(500, round(55_000 * s))
    pw_hash = generate_password_hash(PASSWORD)  # the app's default method (scrypt), once
    users = Writer(conn, "user_account", ("id", "pseudonym", "pseudonym_key", "email", "password_hash",
                                          "home_commune_id", "age_band", "locale", "active", "created_at",
                                          "home_qpv_id", "verified_at", "verified_by_id", "last_login_at"))
    cids, cw = zip(*weights.items())
    home = [None] * (R + 1)
    qpv_home = [None] * (R + 1)
    band = [None] * (R + 1)
    residents_of: dict[int, list[int]] = {}
    for uid in range(1, R + 1):
        commune = rng.choices(cids, cw)[0] if rng.random() < 0.88 else None
        qpv = rng.choice(qpvs_of[commune]) if commune in qpvs_of and rng.random() < 0.45 else None
        age = rng.choices(AGE_BANDS, (6, 14, 35, 30, 15))[0] if rng.random() < 0.7 else None
        home[uid], qpv_home[uid], band[uid] = commune, qpv, age
        if commune is not None:
            residents_of.setdefault(commune, []).append(uid)
        created = rng.moment(START - timedelta(days=200), T - timedelta(days=1))
        verified = rng.moment(created, T) if rng.random() < 0.1 else None
        users.add((uid, f"Habitant {uid:05d}", f"habitant {uid:05d}", f"u{uid}@example.org", pw_hash, commune, age,
                   None, True, created, qpv, verified, 1 if verified else None, rng.moment(created, T)))
    users.flush()
    # Staff: the first accounts.
    grants = Writer(conn, "role_grant", ("user_id", "role", "commune_id", "granted_by_id", "granted_at"))
    staff: dict[str, list[int]] = {"admin": [1, 2], "copil": list(range(3, 15))}
    next_id = 15
    referents: dict[int, list[int]] = {}
    for cid in call_ids:
        referents[cid] = [next_id, next_id + 1]
        next_id += 2
    staff["animator"] = list(range(next_id, next_id + 30))
    staff["ambassador"] = list(range(next_id + 30, next_id + 110))
    for role in ("admin", "copil", "animator", "ambassador"):
        for uid in staff[role]:
            grants.add((uid, role, None, 1 if uid != 1 else None, START))
    for cid, uids in referents.items():
        for uid in uids:
            grants.add((uid, "referent", cid, 1, START))
    grants.flush()
    conn.commit()
    all_referents = [u for us in referents.values() for u in us]
    step(f"{R:,} accounts")

    # --- meetings (contributions may be born at one) ----------------------------
    M = max(20, round(2000 * s))
    meetings = Writer(conn, "meeting", ("id", "title", "theme", "starts_at", "ends_at", "commune_id", "venue", "address",
                                        "step_free", "public_transport", "childcare", "access_notes", "capacity",
                                        "running_order", "paper_count", "cancelled", "created_by_id", "created_at",
                                        "minutes", "minutes_published_at"))
    animators = Writer(conn, "meeting_animator", ("meeting_id", "user_id"))
    regs = Writer(conn, "meeting_registration", ("meeting_id", "user_id", "first_name", "contact", "status", "relay_id",
                                                 "walk_in", "present", "cancel_token", "client_key", "created_at"))
    call_w = [weights[c] for c in call_ids]
    past_meetings: list[tuple[int, int, datetime]] = []
    for mid in range(1, M + 1):
        commune = rng.choices(call_ids, call_w)[0]
        day = rng.moment(START, T + timedelta(days=90)).date()
        starts = datetime.combine(day, dtime(16, 30), tzinfo=UTC)
        past = starts < T - timedelta(hours=12)
        cancelled = rng.random() < 0.03
        capacity = rng.choice((None, None, 40, 60, 80, 120))
        minutes = rng.paragraphs(3) if past and not cancelled and rng.random() < 0.6 else ""
        meetings.add((mid, f"Rencontre du Labo : {rng.words(2, 5)}", rng.words(3, 8), starts, starts + timedelta(hours=2.5),
                      commune, f"Salle {rng.words(1, 2)}", f"{rng.randint(1, 200)} rue {rng.words(1, 2)}",
                      rng.random() < 0.7, "Bus ligne " + str(rng.randint(1, 40)), rng.random() < 0.3, "", capacity,
                      "Accueil\nTémoignages\nAteliers\nDécisions", rng.randint(0, 15) if past else 0, cancelled,
                      rng.choice(staff["animator"]), starts - timedelta(days=rng.randint(10, 60)),
                      minutes, starts + timedelta(days=rng.randint(2, 20)) if minutes else None))
        for uid in rng.sample(staff["animator"], rng.randint(1, 2)):
            animators.add((mid, uid))
        if past and not cancelled:
            past_meetings.append((mid, commune, starts))
        n = min(rng.count(36, 0.6), 250, (capacity or 250) + 10)
        local = residents_of.get(commune, [])
        people = set(rng.sample(local, min(len(local), int(n * 0.8))))
        people.update(rng.randint(1, R) for _ in range(n - len(people)))
        for i, uid in enumerate(people):
            status = "waiting" if capacity and i >= capacity else ("cancelled" if rng.random() < 0.05 else "confirmed")
            present = past and status == "confirmed" and rng.random() < 0.8
            relay = rng.choice(staff["ambassador"]) if rng.random() < 0.15 else None
            regs.add((mid, uid, f"Habitant {uid:05d}", None, status, relay, False, present, rng.token(16)[:32], None,
                      starts - timedelta(days=rng.randint(0, 30))))
        if past and not cancelled:
            for _ in range(int(n * 0.1)):
                regs.add((mid, None, rng.choice(("Fatima", "Jean", "Nadia", "Kevin", "Marie", "Ahmed", "Sylvie")),
                          None, "confirmed", None, True, True, rng.token(16)[:32], rng.token(12), starts))
        flush_all(meetings, animators, regs)
    flush_all(meetings, animators, regs, force=True)
    conn.commit()
    step(f"{M:,} meetings, {regs.written:,} registrations")

    # --- contributions -----------------------------------------------------------
    C = max(1000, round(200_000 * s))
    in_lens = round(10_000 * s)
    others = [c for c in cids if c != lens]
    other_w = [weights[c] for c in others]
    contribs = Writer(conn, "contribution", ("id", "kind", "title", "body", "commune_id", "qpv_id", "pillar_id",
                                             "ambition_id", "author_id", "entered_by_id", "on_behalf_of", "status",
                                             "visibility", "hidden_reason", "merged_into_id", "answer", "answered_by_id",
                                             "answered_at", "created_at", "updated_at", "meeting_id"))
    supports = Writer(conn, "contribution_support", ("contribution_id", "user_id", "created_at"), 200_000)
    comments = Writer(conn, "contribution_comment", ("contribution_id", "author_id", "body", "hidden", "created_at"))
    follows = Writer(conn, "contribution_follow", ("contribution_id", "user_id", "created_at"), 200_000)
    reports = Writer(conn, "contribution_report", ("contribution_id", "reporter_id", "reason", "created_at",
                                                   "resolved_at", "resolved_by_id"))
    notes = Writer(conn, "notification", ("user_id", "kind", "params", "link", "created_at", "read_at"), 200_000)
    # Ids in order of creation, as the app would give them.
    dates = sorted(rng.moment(START, T - timedelta(minutes=5)) for _ in range(C))
    communes_of = [lens] * in_lens + rng.choices(others, other_w, k=C - in_lens)
    rng.shuffle(communes_of)
    published_ids: list[int] = []
    for cid_, (created, commune) in enumerate(zip(dates, communes_of), start=1):
        local = residents_of.get(commune) or [1]
        author = rng.choice(local) if rng.random() < 0.8 else rng.randint(1, R)
        behalf = None
        entered_by = None
        if rng.random() < 0.04:  # typed in by a referent for someone met on paper
            entered_by, author, behalf = rng.choice(referents.get(commune, all_referents)), None, rng.choice(
                ("Mme D.", "Un habitant de la cité", "Groupe des mamans", "M. K."))
        visibility = weighted(rng, VISIBILITY)
        status = weighted(rng, STATUSES) if visibility == "published" else "proposee"
        answered = status in ("retenue", "non_retenue", "realisee") or (status == "en_etude" and rng.random() < 0.3)
        answered_at = rng.moment(created, min(T, created + timedelta(days=120))) if answered else None
        pillar, ambition = theme(rng, ambitions, pillars)
        qpv = rng.choice(qpvs_of[commune]) if commune in qpvs_of and rng.random() < 0.4 else None
        meeting = None
        if past_meetings and rng.random() < 0.03:
            meeting = rng.choice(past_meetings)[0]
        answerer = rng.choice(referents.get(commune, all_referents))
        contribs.add((cid_, weighted(rng, KINDS), rng.sentence(3, 10)[:140], rng.paragraphs(rng.randint(1, 3)), commune,
                      qpv, pillar, ambition, author, entered_by, behalf, status, visibility,
                      "Propos hors charte." if visibility == "hidden" else None,
                      (cid_ - 1 if cid_ > 1 else None) if visibility == "merged" else None,
                      rng.paragraphs(1) if answered else None, answerer if answered else None, answered_at, created,
                      answered_at or created, meeting))
        followers = {u for u in (author, entered_by) if u}
        for u in followers:
            follows.add((cid_, u, created))
        if visibility == "published":
            published_ids.append(cid_)
            k = min(rng.count(3.0, 1.1), R - 1)
            later = min(T, created + timedelta(days=90))
            for u in rng.sample(range(1, R + 1), k):
                supports.add((cid_, u, rng.moment(created, later)))
                if u not in followers and rng.random() < 0.2:
                    followers.add(u)
                    follows.add((cid_, u, rng.moment(created, later)))
            for _ in range(rng.count(0.75, 1.2)):
                u = rng.choice(local) if rng.random() < 0.7 else rng.randint(1, R)
                comments.add((cid_, u, f"<p>{rng.sentence(4, 25)}</p>", rng.random() < 0.02, rng.moment(created, later)))
            if rng.random() < 0.005:
                reporter = rng.randint(1, R)
                reports.add((cid_, reporter, "Ce message ne respecte pas la charte.", rng.moment(created, later),
                             None if rng.random() < 0.3 else later, answerer))
        if answered:
            params = json.dumps({"title": "…", "status": status, "answer_text": "Réponse de la commune."})
            for u in sorted(followers):
                read = rng.moment(answered_at, T) if rng.random() < 0.6 else None
                notes.add((u, "contribution.answered", params, f"/idees/{cid_}", answered_at, read))
        flush_all(contribs, supports, comments, follows, reports, notes)
    flush_all(contribs, supports, comments, follows, reports, notes, force=True)
    conn.commit()
    step(f"{C:,} contributions ({in_lens:,} in Lens), {supports.written:,} supports, {comments.written:,} comments")

    # --- processes, participations, ballots -----------------------------------------
    P = max(20, round(500 * s))
    B = round(1_000_000 * s)
    O = round(120_000 * s)
    plan = []
    for pid in range(1, P + 1):
        if pid == 1:  # the agglomeration's big codécision: secret, majority judgment, closed
            method, level = "majority_judgment", "codecision"
        elif pid == P - 1:  # open now, for the load test: an open (changeable) approval ballot
            method, level = "approval", "consultation"
        elif pid == P:  # open now, for the load test: opinions
            method, level = "avis", "consultation"
        else:
            method = weighted(rng, (("single", 28), ("approval", 21), ("majority_judgment", 21), ("avis", 20),
                                    ("proposals", 5), ("questions", 5)))
            level = {"avis": "consultation", "proposals": "concertation", "questions": "information"}.get(
                method, rng.choice(("consultation", "codecision")))
        commune = None if pid in (1, P - 1, P) or rng.random() < 0.25 else rng.choices(call_ids, call_w)[0]
        territory_only = commune is not None and rng.random() < 0.5
        if pid == 1:
            opens = T - timedelta(days=120)
            closes = T - timedelta(days=90)
        elif pid >= P - 1:
            opens, closes = T - timedelta(days=7), T + timedelta(days=60)
        else:
            opens = datetime.combine(rng.moment(START, T + timedelta(days=20)).date(), dtime(7), tzinfo=UTC)
            if rng.random() < 0.08:
                opens = T - timedelta(days=rng.randint(1, 20))
            closes = opens + timedelta(days=rng.randint(14, 60))
        published = pid in (1, P - 1, P) or rng.random() > 0.03
        pool = residents_of.get(commune, []) if territory_only else None
        plan.append(dict(id=pid, method=method, level=level, commune=commune, territory=territory_only, opens=opens,
                         closes=closes, published=published, pool=pool, secret=pid == 1 or (
                             pid < P - 1 and method in ("single", "approval", "majority_judgment") and rng.random() < 0.7)))

    def allot(kind_methods: tuple[str, ...], total: int, fixed: dict[int, int]) -> None:
        """Share `total` participations among the processes of these methods
        (skewed), none above 80 % of who may take part, none before opening."""
        chosen = [p for p in plan if p["method"] in kind_methods and p["published"] and p["opens"] < T]
        for p in chosen:
            p["n"] = 0
        weights_ = {p["id"]: rng.paretovariate(1.1) for p in chosen if p["id"] not in fixed}
        for p in chosen:
            if p["id"] in fixed:
                p["n"] = fixed[p["id"]]
        left = total - sum(fixed.values())
        open_ = [p for p in chosen if p["id"] not in fixed]
        for _ in range(8):
            if left <= 0 or not open_:
                break
            wsum = sum(weights_[p["id"]] for p in open_)
            still = []
            given = 0
            for p in open_:
                cap = int(0.8 * (len(p["pool"]) if p["pool"] is not None else R))
                add = min(cap - p["n"], round(left * weights_[p["id"]] / wsum))
                p["n"] += max(add, 0)
                given += max(add, 0)
                if p["n"] < cap:
                    still.append(p)
            left -= given
            open_ = still
        if left > 0 and open_:  # rounding
            open_[0]["n"] += left

    allot(("single", "approval", "majority_judgment"), B,
          {1: min(round(40_000 * s), int(0.75 * R)), P - 1: min(round(2_000 * s), R // 10)})
    allot(("avis",), O, {P: min(round(2_000 * s), R // 10)})

    procs = Writer(conn, "process", ("id", "title", "question", "context", "easy_read", "decider", "level", "method",
                                     "decision_rule", "secret", "max_choices", "opens_at", "closes_at", "answer_by",
                                     "audience", "verified_only", "commune_id", "pillar_id", "ambition_id", "meeting_id",
                                     "published", "created_by_id", "created_at", "result", "result_published_at",
                                     "return_text", "return_published_at", "returned_by_id", "finished_at"))
    pcommunes = Writer(conn, "process_commune", ("process_id", "commune_id"))
    options_w = Writer(conn, "process_option", ("id", "process_id", "position", "label", "description"))
    parts = Writer(conn, "participation", ("id", "process_id", "user_id", "commune_id", "qpv_id", "age_band", "stance",
                                           "comment", "created_at", "updated_at"), 200_000)
    ballots = Writer(conn, "ballot", ("id", "process_id", "participation_id"), 200_000)
    choices = Writer(conn, "ballot_choice", ("ballot_id", "option_id", "grade"), 400_000)
    tallies = Writer(conn, "process_tally", ("id", "process_id", "channel", "place", "held_on", "participants",
                                             "commune_id", "photo_key", "entered_by_id", "created_at"))
    tlines = Writer(conn, "process_tally_line", ("tally_id", "option_id", "grade", "stance", "count"))
    proposals = Writer(conn, "process_proposal", ("id", "process_id", "author_id", "title", "body", "hidden", "decision",
                                                  "reason", "decided_at", "decided_by_id", "created_at"))
    psupports = Writer(conn, "process_proposal_support", ("proposal_id", "user_id", "created_at"))
    questions = Writer(conn, "process_question", ("process_id", "author_id", "body", "hidden", "answer", "answered_at",
                                                  "answered_by_id", "created_at"))
    order = (procs, pcommunes, options_w, parts, ballots, choices, tallies, tlines, proposals, psupports, questions)
    option_id = participation_id = tally_id = proposal_id = 0
    seen_ballot_ids: set[str] = set()
    for p in plan:
        pid, method, level = p["id"], p["method"], p["level"]
        is_ballot = method in ("single", "approval", "majority_judgment")
        closed = p["closes"] <= T
        answered = p["published"] and closed and p["closes"] < T - timedelta(days=20) and rng.random() < 0.75
        answer_by = (p["closes"] + timedelta(days=60)).date()
        returned_at = rng.moment(p["closes"], min(T, p["closes"] + timedelta(days=75))) if answered else None
        finished = rng.moment(returned_at, T) if answered and rng.random() < 0.3 else None
        max_choices = rng.choice((None, 2, 3)) if method == "approval" else None
        pillar, ambition = theme(rng, ambitions, pillars)
        title = ("Budget participatif de l'agglomération : les projets" if pid == 1 else
                 f"Démarche {pid} : {rng.words(2, 6)}")[:160]
        procs.add((pid, title, rng.sentence(5, 14)[:300], rng.paragraphs(2), "", "La CALL" if p["commune"] is None
                   else f"Conseil municipal ({slug_of[p['commune']]})", level, method,
                   "La règle annoncée avant le début.", p["secret"], max_choices, p["opens"], p["closes"], answer_by,
                   "territory" if p["territory"] else "everyone", False, p["commune"], pillar, ambition, None,
                   p["published"], 1, p["opens"] - timedelta(days=10), None, None,
                   rng.paragraphs(2) if answered else "", returned_at, 1 if answered else None, finished))
        if p["territory"]:
            pcommunes.add((pid, p["commune"]))
        opts = []
        if is_ballot:
            for pos in range(rng.randint(3, 6) if pid != 1 else 5):
                option_id += 1
                opts.append(option_id)
                options_w.add((option_id, pid, pos, f"Option {pos + 1} : {rng.words(2, 5)}"[:200], ""))
        n = p.get("n", 0)
        voters = rng.sample(p["pool"] if p["pool"] is not None else range(1, R + 1), n) if n else []
        last = min(T - timedelta(minutes=1), p["closes"])
        if method == "avis":
            leaning = [rng.random() + 0.2 for _ in STANCES]
        pref = [rng.random() ** 2 + 0.05 for _ in opts]
        top = max(pref) if pref else 1
        mj_mu = [rng.uniform(1.0, 4.5) for _ in opts]
        secret_rows: list[tuple[str, list[tuple[int, str | None]]]] = []
        for uid in voters:
            participation_id += 1
            at = rng.moment(p["opens"], last)
            stance, comment = None, ""
            if method == "avis":
                stance = rng.choices(STANCES, leaning)[0]
                comment = rng.sentence(5, 30) if rng.random() < 0.25 else ""
            parts.add((participation_id, pid, uid, home[uid], qpv_home[uid], band[uid], stance, comment, at, at))
            if not is_ballot:
                continue
            if method == "single":
                rows = [(rng.choices(opts, pref)[0], None)]
            elif method == "approval":
                picked = [o for o, w in zip(opts, pref) if rng.random() < 0.15 + 0.6 * w / top]
                if not picked:
                    picked = [rng.choices(opts, pref)[0]]
                if max_choices and len(picked) > max_choices:
                    picked = rng.sample(picked, max_choices)
                rows = [(o, None) for o in sorted(picked)]
            else:
                rows = [(o, GRADES[min(6, max(0, int(rng.gauss(mu, 1.4))))]) for o, mu in zip(opts, mj_mu)]
            bid = rng.token(16)[:22]
            while bid in seen_ballot_ids:
                bid = rng.token(16)[:22]
            seen_ballot_ids.add(bid)
            if p["secret"]:
                secret_rows.append((bid, rows))  # written below, in the order of the ids
            else:
                ballots.add((bid, pid, participation_id))
                for o, g in rows:
                    choices.add((bid, o, g))
            flush_all(*order)
        secret_rows.sort()
        for bid, rows in secret_rows:
            ballots.add((bid, pid, None))
            for o, g in rows:
                choices.add((bid, o, g))
        flush_all(*order)
        # Paper and workshop sheets for some closed ballots and consultations.
        if (is_ballot or method == "avis") and closed and p["published"] and rng.random() < 0.25:
            for _ in range(rng.randint(1, 3)):
                tally_id += 1
                people = rng.randint(8, 60)
                held = rng.moment(p["opens"], last).date()
                tallies.add((tally_id, pid, rng.choice(("paper", "workshop")), f"Salle {rng.words(1, 2)}", held, people,
                             p["commune"] or rng.choice(call_ids), None, rng.choice(all_referents),
                             datetime.combine(held, dtime(19), tzinfo=UTC)))
                if method == "avis":
                    split = sorted(rng.sample(range(people + 1), 2))
                    for st, c in zip(STANCES, (split[0], split[1] - split[0], people - split[1])):
                        if c:
                            tlines.add((tally_id, None, None, st, c))
                elif method == "single":
                    left = people
                    for o in opts:
                        c = rng.randint(0, left)
                        left -= c
                        if c:
                            tlines.add((tally_id, o, None, None, c))
                elif method == "approval":
                    cap = max_choices or len(opts)
                    total = 0
                    for o in opts:
                        c = min(rng.randint(0, people), people * cap - total)
                        total += c
                        if c:
                            tlines.add((tally_id, o, None, None, c))
                else:
                    for o in opts:
                        left = people
                        for g in GRADES:
                            c = rng.randint(0, left // 2)
                            left -= c
                            if c:
                                tlines.add((tally_id, o, g, None, c))
        if method == "proposals" and p["published"] and p["opens"] < T:
            for _ in range(rng.randint(10, 150)):
                proposal_id += 1
                at = rng.moment(p["opens"], last)
                decided = closed and rng.random() < 0.7
                proposals.add((proposal_id, pid, rng.randint(1, R), rng.sentence(3, 9)[:140], rng.paragraphs(1),
                               rng.random() < 0.02, rng.choice(("retenue", "non_retenue")) if decided else None,
                               rng.sentence(5, 15) if decided else "", rng.moment(p["closes"], T) if decided else None,
                               1 if decided else None, at))
                for u in rng.sample(range(1, R + 1), min(R - 1, rng.count(12, 1.2))):
                    psupports.add((proposal_id, u, rng.moment(at, last)))
        if method == "questions" and p["published"] and p["opens"] < T:
            for _ in range(rng.randint(5, 40)):
                at = rng.moment(p["opens"], last)
                done = rng.random() < 0.7
                questions.add((pid, rng.randint(1, R), rng.sentence(5, 20), rng.random() < 0.02,
                               rng.paragraphs(1) if done else "", rng.moment(at, T) if done else None,
                               1 if done else None, at))
        flush_all(*order)
    flush_all(*order, force=True)
    conn.commit()
    step(f"{P} processes, {parts.written:,} participations, {ballots.written:,} ballots, {choices.written:,} choices")

    with conn.cursor() as cur:
        for table in ("user_account", "role_grant", "meeting", "meeting_registration", "contribution",
                      "contribution_support", "contribution_comment", "contribution_follow", "contribution_report",
                      "notification", "process", "process_option", "participation", "process_tally",
                      "process_tally_line", "process_proposal", "process_proposal_support", "process_question"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table}), 1))")
    conn.commit()
    conn.close()
    if not args.no_vacuum:
        with psycopg.connect(libpq, autocommit=True) as vac:
            vac.execute("VACUUM ANALYZE")
        step("VACUUM ANALYZE")
    total = time.perf_counter() - started
    with psycopg.connect(libpq) as c2:
        rows = c2.execute(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables "
            "WHERE n_live_tup > 0 ORDER BY pg_total_relation_size(relid) DESC").fetchall()
        size = c2.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    say("")
    say(f"{'table':32} {'rows':>12} {'size':>10}")
    for name, n, nbytes in rows:
        say(f"{name:32} {n:>12,} {nbytes / 2**20:>8.1f} MB")
    say(f"database: {size / 2**20:.0f} MB; seed_scale took {total:.0f} s (scale {s}); "
        f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    say(f"logins: every account's password is {PASSWORD!r}; u3@example.org is a COPIL member, u1 an administrator")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
