#!/usr/bin/env python3
"""Scale benchmark: the site's pages against an agglomeration-sized database.

    .venv/bin/python bench/scale.py --postgres                    # throwaway cluster, seed_scale.py, then all parts (~12 min)
    DATABASE_URL=postgresql://... .venv/bin/python bench/scale.py  # a database seed_scale.py already filled
    .venv/bin/python bench/scale.py --postgres --scale 0.05 --parts pages,inproc   # quick look
    .venv/bin/python bench/scale.py --help

Parts (--parts, default all):

- pages: `gunicorn -k gevent -w <cores>` on 127.0.0.1 with an access log
  whose last field is gunicorn's own request time (%(D)s, from the parsed
  request to the last byte written): the server-side figures come from it,
  the client's are printed beside. For each page, --warmup requests are
  sent and left out, then --requests at --concurrency: the contribution
  list (page 1 and random pages), a contribution, a process, the COPIL
  dashboard (logged in as a COPIL member through the login form), the
  results page of the largest ballot process, and the contribution list
  filtered on Lens (10,000 contributions) with random pages; after that
  one, each worker's resident memory (VmRSS).
- inproc: the same pages once each inside this process (create_app, test
  client), with every SQL statement captured by SQLAlchemy events; the
  counting of results (labo.processes.ballots.results, which uses
  labo.processes.counting) for the largest process and for every ballot
  process in turn (all 1,000,000 ballots); and EXPLAIN (ANALYZE, BUFFERS)
  of the slowest statement seen.
- locust: bench/locustfile.py, --users simulated residents (logged in
  through the form while they arrive, then browse, post, support, vote and
  give an opinion) for --minutes after the ramp; locust's own figures
  (client side, on loopback) and the server's from the access log for the
  same window, the load generator's CPU. Needs bench/.venv (see
  bench/requirements.txt) or --locust PATH.

Targets (printed, never asserted): pages p95 ≤ 100 ms; results ≤ 500 ms;
locust 0 errors and p95 ≤ 300 ms; Lens list p95 ≤ 40 ms and worker RSS
< 100 MB. The machine's load average is printed next to every figure.
See bench/README.md."""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)
from board_load import Processes, children_of, cpu_seconds, free_port, rss_mb, say  # noqa: E402

HOST = "127.0.0.1"  # loopback only, always
ACCESS_FORMAT = "%(t)s %(p)s %(m)s %(s)s %(D)s %(U)s?%(q)s"
TARGETS = {"page": 100.0, "results": 500.0, "locust_p95": 300.0, "lens": 40.0, "rss": 100.0}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def machine_jiffies() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def pct(values: list[float], q: float) -> Optional[float]:
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1))
    return values[k]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "max": max(values) if values else None}


def f1(v) -> str:
    return "—" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


# --- the server ---------------------------------------------------------------------


class Server:
    def __init__(self, procs: Processes, env: dict, workdir: Path, workers: int):
        self.procs, self.env, self.workers = procs, env, workers
        self.port = free_port()
        self.access = workdir / "access.log"
        self.errors = workdir / "gunicorn.log"
        self.app_log = workdir / "app.log"  # the app's own log (stderr): its unhandled errors, with tracebacks
        self.proc = None
        self.pids: list[int] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        cmd = [VENV_BIN / "gunicorn", "-k", "gevent", "-w", str(self.workers), "-b", f"{HOST}:{self.port}",
               "--chdir", ROOT, "--access-logfile", self.access, "--access-logformat", ACCESS_FORMAT,
               "--error-logfile", self.errors, "--log-level", "warning", "--graceful-timeout", "5",
               "--timeout", "120",
               # Idle keep-alive connections are closed after 10 s, not gunicorn's 2: a resident
               # pauses up to 6 s, and a connection closed just as locust reuses it fails with
               # RemoteDisconnected (nginx, in front in production, keeps them 75 s).
               "--keep-alive", "10", "wsgi:app"]
        with open(self.app_log, "ab") as app_log:
            self.proc = self.procs.start(cmd, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=app_log)
        end = time.monotonic() + 90
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/compte/connexion")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise TimeoutError(f"gunicorn not ready:\n{self.tail()}")
        time.sleep(1)
        self.pids = children_of(self.proc.pid)
        say(f"gunicorn -k gevent -w {self.workers} on {self.url}, workers {self.pids}")

    def tail(self) -> str:
        try:
            return self.errors.read_text()[-3000:]
        except OSError:
            return "(no log)"

    def app_errors(self) -> dict:
        """The app's log: how many errors of each kind (the line after "Traceback", the
        exception's last line) and the first traceback in full."""
        try:
            text = self.app_log.read_text(errors="replace")
        except OSError:
            return {}
        kinds: dict[str, int] = {}
        first = ""
        for block in text.split("Traceback (most recent call last):")[1:]:
            lines = [l for l in block.splitlines() if l.strip()]
            last = next((l for l in lines if not l.startswith((" ", "\t", "The above", "During handling"))), "?")
            kinds[last[:200]] = kinds.get(last[:200], 0) + 1
            if not first:  # in full, with the exceptions it was chained to
                start = text.index("Traceback (most recent call last):")
                first = text[start:start + 8000]
        logged = {}
        for line in text.splitlines():
            if line.startswith("ERROR:"):
                key = line.split(" on ", 1)[0][:120]
                logged[key] = logged.get(key, 0) + 1
        return {"exceptions": kinds, "error_lines": logged, "first_traceback": first}

    def log_size(self) -> int:
        return self.access.stat().st_size if self.access.exists() else 0

    def log_lines(self, start: int, end: Optional[int] = None) -> list[dict]:
        with open(self.access, "rb") as fh:
            fh.seek(start)
            data = fh.read() if end is None else fh.read(end - start)
        out = []
        for line in data.decode("utf-8", "replace").splitlines():
            m = re.match(r"\[([^\]]+)\] <(\d+)> (\S+) (\d+) (\d+) (\S*)", line)
            if not m:
                continue
            when = datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
            out.append({"t": when, "pid": int(m.group(2)), "method": m.group(3), "status": int(m.group(4)),
                        "ms": int(m.group(5)) / 1000, "path": m.group(6).rstrip("?")})
        return out

    def rss(self) -> dict[int, Optional[float]]:
        return {pid: rss_mb(pid) for pid in self.pids}


# --- a small HTTP client (keep-alive, one connection per thread) -----------------------


class Client:
    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.conn: Optional[http.client.HTTPConnection] = None

    def request(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, dict, bytes, float]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                elapsed = (time.perf_counter() - started) * 1000
                return resp.status, dict(resp.getheaders()), payload, elapsed
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError

    def keep_cookie(self, headers: dict) -> None:
        value = headers.get("Set-Cookie") or headers.get("set-cookie")
        if value:
            self.cookie = value.split(";", 1)[0]


def login(port: int, email: str, password: str) -> str:
    """The session cookie of `email`, through the site's own login form."""
    c = Client(port)
    status, headers, body, _ = c.request("GET", "/compte/connexion")
    c.keep_cookie(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body)
    status, headers, body, _ = c.request("POST", "/compte/connexion", {
        "email": email, "password": password, "csrf_token": token.group(1).decode()})
    if status != 302:
        raise RuntimeError(f"login of {email} failed: {status}")
    c.keep_cookie(headers)
    return c.cookie


def drive(server: Server, name: str, paths, n: int, concurrency: int, warmup: int, cookie: str = "") -> dict:
    """`warmup` then `n` GETs of paths() at `concurrency`; server and client figures."""
    def worker(count: int, out: list, errors: list):
        c = Client(server.port, cookie)
        for _ in range(count):
            path = paths()
            status, _h, _b, ms = c.request("GET", path)
            out.append(ms)
            if status != 200:
                errors.append((status, path))

    def run(count: int) -> tuple[list, list]:
        out: list = []
        errors: list = []
        threads = [threading.Thread(target=worker, args=(count // concurrency + (i < count % concurrency), out, errors))
                   for i in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out, errors

    run(warmup)
    time.sleep(0.3)
    start = server.log_size()
    busy0 = machine_jiffies()
    t0 = time.perf_counter()
    client_ms, errors = run(n)
    wall = time.perf_counter() - t0
    busy1 = machine_jiffies()
    time.sleep(0.5)
    lines = [l for l in server.log_lines(start) if l["method"] == "GET"]
    server_ms = [l["ms"] for l in lines]
    result = {"name": name, "server": summary(server_ms), "client": summary(client_ms), "errors": len(errors),
              "error_sample": errors[:3], "rps": n / wall if wall else None, "load": load(),
              "machine_busy_pct": 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * os.cpu_count()}
    s, c = result["server"], result["client"]
    say(f"  {name}: server p50/p95/max {f1(s['p50'])}/{f1(s['p95'])}/{f1(s['max'])} ms, client p95 {f1(c['p95'])} ms, "
        f"{len(errors)} errors, {result['rps']:.1f} req/s, machine {result['machine_busy_pct']:.0f} % of a core; {load()}")
    return result


# --- data the benchmark picks from ------------------------------------------------------


def facts(libpq: str) -> dict:
    import psycopg

    with psycopg.connect(libpq) as conn:
        one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        rows = lambda sql, *a: [r[0] for r in conn.execute(sql, a).fetchall()]  # noqa: E731
        if not one("SELECT count(*) FROM contribution"):
            raise SystemExit("no contributions in this database: run bench/seed_scale.py first (or use --postgres)")
        lens = one("SELECT id FROM commune WHERE slug = 'lens'")
        biggest = conn.execute(
            "SELECT b.process_id, count(*) FROM ballot b JOIN process p ON p.id = b.process_id "
            "WHERE p.published AND p.closes_at < now() GROUP BY b.process_id ORDER BY 2 DESC LIMIT 1").fetchone()
        opinions = conn.execute(
            "SELECT pa.process_id, count(*) FROM participation pa JOIN process p ON p.id = pa.process_id "
            "WHERE p.method = 'avis' AND p.published GROUP BY pa.process_id ORDER BY 2 DESC LIMIT 1").fetchone()
        open_approval = one("SELECT max(id) FROM process WHERE method = 'approval' AND published AND audience = "
                            "'everyone' AND opens_at < now() AND closes_at > now() + interval '1 day'")
        open_opinions = one("SELECT max(id) FROM process WHERE method = 'avis' AND published AND audience = "
                            "'everyone' AND opens_at < now() AND closes_at > now() + interval '1 day'")
        return {
            "contributions": one("SELECT count(*) FROM contribution"),
            "ballots": one("SELECT count(*) FROM ballot"),
            "published": rows("SELECT id FROM contribution WHERE visibility = 'published' ORDER BY id"),
            "published_count": one("SELECT count(*) FROM contribution WHERE visibility = 'published'"),
            "lens_total": one("SELECT count(*) FROM contribution WHERE commune_id = %s", lens),
            "lens_published": one("SELECT count(*) FROM contribution WHERE commune_id = %s AND visibility = "
                                  "'published'", lens),
            "lens_ids": rows("SELECT id FROM contribution WHERE commune_id = %s AND visibility = 'published' "
                             "ORDER BY id", lens),
            "processes": rows("SELECT id FROM process WHERE published ORDER BY id"),
            "ballot_processes": rows("SELECT id FROM process WHERE method IN ('single', 'approval', "
                                     "'majority_judgment') ORDER BY id"),
            "biggest": {"id": biggest[0], "ballots": biggest[1]},
            "biggest_opinions": {"id": opinions[0], "participations": opinions[1]},
            "open_approval": open_approval, "open_opinions": open_opinions,
            "copil_email": one("SELECT u.email FROM user_account u JOIN role_grant g ON g.user_id = u.id "
                               "WHERE g.role = 'copil' ORDER BY u.id LIMIT 1"),
            "resident_emails": rows("SELECT u.email FROM user_account u WHERE NOT EXISTS (SELECT 1 FROM role_grant g "
                                    "WHERE g.user_id = u.id) ORDER BY u.id DESC LIMIT 2000"),
        }


def page_scenarios(data: dict, per_page: int) -> list[tuple[str, str, object]]:
    rng = random.Random(8)
    pages = max(1, math.ceil(data["published_count"] / per_page))
    lens_pages = max(1, math.ceil(data["lens_published"] / per_page))
    published, processes = data["published"], data["processes"]
    return [
        ("contribution list, page 1", "anon", lambda: "/idees/"),
        ("contribution list, random page 1-50", "anon", lambda: f"/idees/?page={rng.randint(1, min(50, pages))}"),
        ("contribution page (random)", "anon", lambda: f"/idees/{rng.choice(published)}"),
        ("process page (random)", "anon", lambda: f"/demarches/{rng.choice(processes)}"),
        (f"process page, largest consultation ({data['biggest_opinions']['participations']:,} opinions)", "anon",
         lambda: f"/demarches/{data['biggest_opinions']['id']}"),
        ("COPIL dashboard (default period)", "copil", lambda: "/copil/"),
        (f"results page, largest process ({data['biggest']['ballots']:,} ballots)", "anon",
         lambda: f"/demarches/{data['biggest']['id']}/resultats"),
        (f"Lens list ({data['lens_total']:,} contributions), page 1", "anon", lambda: "/idees/?commune=lens"),
        (f"Lens list, random page 1-{lens_pages}", "anon",
         lambda: f"/idees/?commune=lens&page={rng.randint(1, lens_pages)}"),
    ]


# --- in process: SQL captured, results counted, EXPLAIN ---------------------------------


def inproc(data: dict, copil_password: str, repeats: int) -> dict:
    from sqlalchemy import event, select

    from labo import create_app
    from labo.extensions import db

    app = create_app()
    captured: list[dict] = []
    current = {"name": None}

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info["started"].pop()) * 1000
        if current["name"]:
            captured.append({"page": current["name"], "sql": statement, "params": parameters, "ms": ms})

    out: dict = {"pages": [], "results": {}}
    client = app.test_client()
    copil = app.test_client()
    body = copil.get("/compte/connexion").data
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    r = copil.post("/compte/connexion", data={"email": data["copil_email"], "password": copil_password,
                                              "csrf_token": token})
    assert r.status_code == 302, r.status_code
    for name, who, path_fn in page_scenarios(data, app.config["LABO_PER_PAGE"]):
        c = copil if who == "copil" else client
        path = path_fn()
        c.get(path)  # warm
        current["name"] = name
        started = time.perf_counter()
        status = c.get(path).status_code
        elapsed = (time.perf_counter() - started) * 1000
        current["name"] = None
        mine = [q for q in captured if q["page"] == name]
        top = sorted(mine, key=lambda q: -q["ms"])[:3]
        out["pages"].append({"name": name, "path": path, "status": status, "ms": elapsed, "statements": len(mine),
                             "sql_ms": sum(q["ms"] for q in mine),
                             "top": [{"ms": q["ms"], "sql": " ".join(q["sql"].split())[:300]} for q in top]})
        say(f"  in process {name}: {elapsed:.0f} ms, {len(mine)} statements, SQL {sum(q['ms'] for q in mine):.0f} ms; "
            f"{load()}")

    from labo.processes import ballots
    from labo.processes.models import Process

    with app.app_context():
        big = db.session.get(Process, data["biggest"]["id"])
        ballots.results(big)
        times = []
        for _ in range(repeats):
            db.session.expire_all()
            t0 = time.perf_counter()
            res = ballots.results(big)
            times.append((time.perf_counter() - t0) * 1000)
        out["results"]["largest"] = {"id": big.id, "ballots": data["biggest"]["ballots"], **summary(times),
                                     "winners": [o.label for o in res.winners], "load": load()}
        say(f"  results() of process {big.id} ({data['biggest']['ballots']:,} ballots): median "
            f"{statistics.median(times):.0f} ms, p95 {pct(times, 95):.0f} ms over {repeats}; {load()}")
        ids = data["ballot_processes"]
        rounds = []
        for _ in range(3):
            db.session.expire_all()
            t0 = time.perf_counter()
            counted = 0
            for process in db.session.scalars(select(Process).where(Process.id.in_(ids))):
                counted += ballots.results(process).total.participants
            rounds.append((time.perf_counter() - t0) * 1000)
        out["results"]["all"] = {"processes": len(ids), "ballots": data["ballots"], "ms": rounds, "load": load()}
        say(f"  results() of all {len(ids)} ballot processes ({data['ballots']:,} ballots): "
            f"{', '.join(f'{t:.0f}' for t in rounds)} ms; {load()}")
        # The two statements results() runs for a process's online ballots (_online_counts),
        # over every ballot at once: what counting one process holding all of them would cost.
        from labo.processes.models import Ballot, BallotChoice
        from sqlalchemy import func

        single = []
        for _ in range(3):
            t0 = time.perf_counter()
            db.session.scalar(select(func.count(Ballot.id)))
            db.session.execute(select(BallotChoice.option_id, BallotChoice.grade, func.count())
                               .group_by(BallotChoice.option_id, BallotChoice.grade)).all()
            single.append((time.perf_counter() - t0) * 1000)
        out["results"]["one_count"] = {"ballots": data["ballots"], "ms": single, "load": load()}
        say(f"  _online_counts' two statements over all {data['ballots']:,} ballots at once: "
            f"{', '.join(f'{t:.0f}' for t in single)} ms; {load()}")

        slowest = max(captured, key=lambda q: q["ms"])
        plan = [r[0] for r in db.session.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["params"]).fetchall()]
        db.session.rollback()
        out["slowest"] = {"page": slowest["page"], "ms": slowest["ms"], "sql": slowest["sql"],
                          "params": {k: str(v) for k, v in (slowest["params"] or {}).items()}
                          if isinstance(slowest["params"], dict) else str(slowest["params"]), "plan": plan}
    return out


# --- locust ---------------------------------------------------------------------------------


def run_locust(server: Server, data: dict, args, workdir: Path, procs: Processes) -> dict:
    venv_locust = BENCH / ".venv" / "bin" / "locust"
    locust = args.locust or (str(venv_locust) if venv_locust.exists() else shutil.which("locust"))
    if not locust:
        say("locust not found: python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt")
        return {"skipped": "locust not installed"}
    feed, record = workdir / "locust-data.json", workdir / "locust-window.json"
    feed.write_text(json.dumps({
        "emails": data["resident_emails"][:args.users], "password": "bench-password",
        "contributions": random.Random(3).sample(data["published"], min(5000, len(data["published"]))),
        "processes": data["processes"], "open_approval": data["open_approval"],
        "open_opinions": data["open_opinions"], "communes": ["lens", "lievin", "avion", "harnes"],
    }))
    seconds = args.minutes * 60
    ramp = args.users / args.spawn_rate
    deadline = ramp + 180 + seconds  # locust's own -t: a safety net, the locustfile stops the run itself
    env = dict(os.environ, LABO_LOCUST_DATA=str(feed), LABO_LOCUST_WAIT=args.locust_wait, LABO_LOCUST_OUT=str(record),
               LABO_LOCUST_USERS=str(args.users), LABO_LOCUST_SECONDS=str(seconds))
    cmd = [locust, "-f", BENCH / "locustfile.py", "--headless", "-u", args.users, "-r", args.spawn_rate,
           "-t", f"{int(deadline)}s", "--host", server.url, "--only-summary", "--stop-timeout", "10",
           "--loglevel", "WARNING"]
    say(f"locust: {args.users} users arriving at {args.spawn_rate}/s and logging in, then {args.minutes} min "
        f"measured; {load()}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start_offset = server.log_size()
    t_start = time.time()
    proc = procs.start(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    loads: list[float] = []

    def sample():  # the load average every 5 s
        while proc.poll() is None:
            loads.append(os.getloadavg()[0])
            time.sleep(5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # The window opens when the last user has logged in: sample the CPU counters then.
    busy0 = cpu0 = None
    while proc.poll() is None and time.time() - t_start < deadline + 60:
        if busy0 is None and time.time() - t_start > ramp:
            # the CPU counters from the end of the ramp (the window itself opens when the last login is done)
            busy0, cpu0, t_busy0 = machine_jiffies(), {pid: cpu_seconds(pid) for pid in server.pids}, time.time()
        time.sleep(0.5)
    output = proc.communicate(timeout=60)[0] or ""
    busy1, cpu1, t_busy1 = machine_jiffies(), {pid: cpu_seconds(pid) for pid in server.pids}, time.time()
    if proc in procs.started:
        procs.started.remove(proc)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if not record.exists():
        return {"skipped": f"locust wrote no record (exit {proc.returncode}):\n{output[-3000:]}"}
    window = json.loads(record.read_text())
    if window["start"] is None:
        return {"skipped": f"only {window['logged_in']} of {args.users} users logged in:\n{output[-3000:]}"}
    w0, w1 = window["start"], window["end"]
    requests = window["requests"]
    client_ms = [ms for _n, ms, _f in requests]
    by_name: dict[str, list] = {}
    for name, ms, failed in requests:
        by_name.setdefault(name, []).append((ms, failed))
    lines = server.log_lines(start_offset)
    in_window = [l for l in lines if w0 <= l["t"] + 0.5 <= w1]  # the log's times are whole seconds
    logins = [l["ms"] for l in lines if l["path"].startswith("/compte/connexion") and l["method"] == "POST"]
    server_by: dict[str, list[float]] = {}
    for l in in_window:
        server_by.setdefault(f"{l['method']} {re.sub(r'/[0-9]+', '/<id>', l['path'].split('?')[0])}", []).append(l["ms"])
    errors = [l for l in in_window if l["status"] >= 400]
    span = max(1.0, t_busy1 - (t_busy0 if busy0 else t_start))
    machine = (100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * os.cpu_count()) if busy0 else None
    workers = (100 * sum(cpu1[p] - cpu0[p] for p in server.pids) / span) if cpu0 else None
    result = {
        "users": args.users, "minutes": args.minutes, "wait": args.locust_wait, "window_s": w1 - w0,
        "client": summary(client_ms), "failures": sum(1 for _n, _ms, f in requests if f),
        "client_by_name": {k: {**summary([ms for ms, _f in v]), "failures": sum(1 for _ms, f in v if f)}
                           for k, v in by_name.items()},
        "server": summary([l["ms"] for l in in_window]), "server_by": {k: summary(v) for k, v in server_by.items()},
        "server_errors": len(errors), "server_error_sample": [(l["status"], l["path"]) for l in errors[:5]],
        "server_statuses": dict(__import__("collections").Counter(l["status"] for l in in_window)),
        "errors_by_request": {f"{m} {p} {st}": n for (m, p, st), n in __import__("collections").Counter(
            (l["method"], re.sub(r"\d+", "<id>", l["path"].split("?")[0]), l["status"]) for l in in_window
            if l["status"] >= 400).most_common()},
        "gunicorn_log_tail": server.tail()[-3000:], "app_errors": server.app_errors(), "requests": len(requests), "rps": len(requests) / max(1.0, w1 - w0), "logins": summary(logins),
        "login_retries": window.get("login_retries", 0), "login_failed": window.get("login_failed", 0),
        "locust_cpu_pct": 100 * locust_cpu / max(1.0, time.time() - t_start), "workers_cpu_pct": workers,
        "machine_busy_pct": machine, "load_avg_max": max(loads) if loads else None, "load": load(),
        "rss_after": server.rss(), "exit": proc.returncode, "output_tail": output[-2000:],
    }
    c = result["client"]
    say(f"  locust window {w1 - w0:.0f} s: {len(requests)} requests, {result['failures']} failures, client p95 "
        f"{f1(c['p95'])} ms; server p95 {f1(result['server']['p95'])} ms, {result['rps']:.1f} req/s; locust CPU "
        f"{result['locust_cpu_pct']:.0f} % of a core, workers {f1(workers)} %, machine {f1(machine)} %; {load()}")
    return result


# --- report -----------------------------------------------------------------------------------


def verdict(value, target, below=True) -> str:
    if value is None:
        return "—"
    return "met" if (value <= target if below else value < target) else "MISSED"


def report(meta: dict, pages: list, inp: Optional[dict], loc: Optional[dict], rss_lens: Optional[dict]) -> str:
    out = [f"Scale benchmark — {meta['when']}, {meta['cpus']} cores, gunicorn -k gevent -w {meta['workers']}, "
           f"loopback; {meta['contributions']:,} contributions, {meta['ballots']:,} ballots", ""]
    if pages:
        out.append(f"Pages: {meta['requests']} requests each after {meta['warmup']} warm-up, concurrency "
                   f"{meta['concurrency']}; server time from gunicorn's access log (%(D)s), client on loopback")
        out.append("| page | server p50 / p95 / max (ms) | client p95 (ms) | errors | target | | load |")
        out.append("| --- | --- | --- | --- | --- | --- | --- |")
        for r in pages:
            target = TARGETS["lens"] if r["name"].startswith("Lens") else (
                TARGETS["results"] if r["name"].startswith("results") else TARGETS["page"])
            s = r["server"]
            out.append(f"| {r['name']} | {f1(s['p50'])} / {f1(s['p95'])} / {f1(s['max'])} | {f1(r['client']['p95'])} | "
                       f"{r['errors']} | p95 ≤ {target:.0f} | {verdict(s['p95'], target)} | {r['load']} |")
        if meta.get("rss_start"):
            out.append(f"| worker RSS at start (MB) | {', '.join(f1(v) for v in meta['rss_start'].values())} | | | | | |")
        if rss_lens:
            worst = max(v for v in rss_lens.values() if v is not None)
            out.append(f"| worker RSS after the Lens runs (MB) | {', '.join(f1(v) for v in rss_lens.values())} | | | "
                       f"< 100 | {verdict(worst, TARGETS['rss'], below=False)} | |")
        out.append("")
    if inp:
        out.append("In process (one request each, SQL captured with SQLAlchemy events):")
        out.append("| page | ms | statements | SQL ms | slowest statement (ms) |")
        out.append("| --- | --- | --- | --- | --- |")
        for p in inp["pages"]:
            top = p["top"][0] if p["top"] else {"ms": 0, "sql": ""}
            out.append(f"| {p['name']} | {p['ms']:.0f} | {p['statements']} | {p['sql_ms']:.0f} | "
                       f"{top['ms']:.1f}: `{top['sql'][:110]}` |")
        big, every = inp["results"]["largest"], inp["results"]["all"]
        out.append("")
        out.append(f"Results (labo.processes.ballots.results + counting): largest process #{big['id']} "
                   f"({big['ballots']:,} ballots) median {f1(big['p50'])} ms, p95 {f1(big['p95'])} ms "
                   f"[target ≤ 500: {verdict(big['p95'], TARGETS['results'])}]; all {every['processes']} ballot "
                   f"processes ({every['ballots']:,} ballots) {', '.join(f'{t:.0f}' for t in every['ms'])} ms "
                   f"[target ≤ 500: {verdict(min(every['ms']), TARGETS['results'])}]; {every['load']}")
        one = inp["results"].get("one_count")
        if one:
            out.append(f"Counting all {one['ballots']:,} ballots at once (the two statements of _online_counts, "
                       f"as for one process holding them all): {', '.join(f'{t:.0f}' for t in one['ms'])} ms "
                       f"[target ≤ 500: {verdict(min(one['ms']), TARGETS['results'])}]; {one['load']}")
        s = inp["slowest"]
        out.append("")
        out.append(f"Slowest statement ({s['ms']:.1f} ms, page: {s['page']}):")
        out.append("    " + " ".join(s["sql"].split()))
        out.append(f"    params: {s['params']}")
        out.append("EXPLAIN (ANALYZE, BUFFERS):")
        out.extend("    " + line for line in s["plan"])
        out.append("")
    if loc and loc.get("skipped"):
        out.append(f"Locust: skipped ({loc['skipped'][:500]})")
    elif loc:
        c, s = loc["client"], loc["server"]
        out.append(f"Locust: {loc['users']} users, each waiting {loc['wait']} s between actions; window of "
                   f"{loc['window_s']:.0f} s opened once all had logged in (client times: locust on loopback)")
        out.append("| request | count | failures | client p50 / p95 / max (ms) |")
        out.append("| --- | --- | --- | --- |")
        for name, v in sorted(loc["client_by_name"].items(), key=lambda kv: -kv[1]["n"]):
            out.append(f"| {name} | {v['n']} | {v['failures']} | {f1(v['p50'])} / {f1(v['p95'])} / {f1(v['max'])} |")
        out.append(f"| all | {c['n']} | {loc['failures']} | {f1(c['p50'])} / {f1(c['p95'])} / {f1(c['max'])} |")
        out.append("")
        out.append(f"Locust client p95 {f1(c['p95'])} ms [≤ 300: {verdict(c['p95'], TARGETS['locust_p95'])}], "
                   f"failures {loc['failures']} [0: {'met' if loc['failures'] == 0 else 'MISSED'}]; server "
                   f"p50/p95/p99/max {f1(s['p50'])}/{f1(s['p95'])}/{f1(s['p99'])}/{f1(s['max'])} ms over "
                   f"{s['n']:,} requests ({loc['rps']:.1f}/s), {loc['server_errors']} answers ≥ 400 "
                   f"(by status: {loc.get('server_statuses')})")
        if loc.get("errors_by_request"):
            out.append(f"Answers ≥ 400 by request: {loc['errors_by_request']}")
        errors = loc.get("app_errors") or {}
        if errors.get("exceptions") or errors.get("error_lines"):
            out.append(f"The app's log (whole run): exceptions {errors.get('exceptions')}; "
                       f"error lines {errors.get('error_lines')}")
        out.append(f"Load generator {loc['locust_cpu_pct']:.0f} % of a core (whole run), gunicorn workers "
                   f"{f1(loc['workers_cpu_pct'])} %, whole machine {f1(loc['machine_busy_pct'])} % "
                   f"(of {meta['cpus'] * 100} %) in the window; load average max {f1(loc['load_avg_max'])}; logins "
                   f"(scrypt, before the window) server p50/p95 {f1(loc['logins']['p50'])}/{f1(loc['logins']['p95'])}"
                   f" ms, {loc.get('login_retries', 0)} tried again, {loc.get('login_failed', 0)} given up;"
                   f" worker RSS after {', '.join(f1(v) for v in loc['rss_after'].values())} MB")
        out.append("Server p95 by request (ms, count): " + "; ".join(
            f"{k} {f1(v['p95'])} ({v['n']})" for k, v in sorted(loc["server_by"].items(), key=lambda kv: -kv[1]["n"])))
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--postgres", action="store_true",
                    help="a throwaway cluster (tests/pgcluster.py), filled by seed_scale.py first")
    ap.add_argument("--scale", type=float, default=1.0, help="with --postgres: seed_scale.py --scale (default 1)")
    ap.add_argument("--parts", default="pages,inproc,locust", help="pages, inproc, locust (comma-separated)")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers (default: one per core)")
    ap.add_argument("--requests", type=int, default=300, help="measured requests per page (default 300)")
    ap.add_argument("--warmup", type=int, default=20, help="warm-up requests per page, left out (default 20)")
    ap.add_argument("--concurrency", type=int, default=2, help="client threads for the pages (default 2)")
    ap.add_argument("--repeats", type=int, default=10, help="in process: results() repeats (default 10)")
    ap.add_argument("--users", type=int, default=300, help="locust users (default 300)")
    ap.add_argument("--spawn-rate", type=float, default=10, help="locust users arriving per second (default 10)")
    ap.add_argument("--minutes", type=float, default=2, help="locust minutes measured after the ramp (default 2)")
    ap.add_argument("--locust-wait", default="2,6", help="seconds each simulated resident waits between actions")
    ap.add_argument("--locust", default=None, help="the locust executable (default bench/.venv/bin/locust)")
    ap.add_argument("--seed-first", action="store_true", help=argparse.SUPPRESS)  # set by --postgres
    ap.add_argument("--out", default=None, help="JSON of every figure (default /tmp/labo-scale-<time>.json)")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.postgres and not os.environ.get("LABO_BENCH_PG"):
        inner = [a for a in argv if a != "--postgres"]
        cmd = [sys.executable, ROOT / "tests" / "pgcluster.py", "--", sys.executable, Path(__file__).resolve(),
               "--seed-first", *inner]
        env = dict(os.environ, LABO_BENCH_PG="1", LABO_REQUIRE_POSTGRES="1")
        return subprocess.run([str(c) for c in cmd], env=env, cwd=ROOT).returncode
    parts = set(args.parts.split(","))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        raise SystemExit("a PostgreSQL DATABASE_URL filled by bench/seed_scale.py is needed (or --postgres)")
    libpq = "postgresql://" + url.split("://", 1)[1]
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    workdir = Path(tempfile.mkdtemp(prefix="labo-scale-"))
    procs = Processes()
    t_all = time.perf_counter()
    out_path = Path(args.out or f"/tmp/labo-scale-{time.strftime('%Y%m%d-%H%M%S')}.json")
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("LABO_ASYNC_MODE", "REDIS_URL")}
        env.update(LABO_INSTANCE_PATH=str(workdir / "instance"), SECRET_KEY=secrets.token_hex(32),
                   LABO_ENV="development", PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
                   # 300 residents log in from one address (locust's) in a 30-s ramp, where real
                   # ones come from their own phones: the per-address login limits (5 wrong
                   # passwords a minute for one account from one address, 100 logins a minute
                   # from one address) would refuse most of them, and the run would count those
                   # 429s, and the 401s of residents who then never logged in, as the app's
                   # errors. Nothing else about the limits changes.
                   LABO_AUTH_RATE_LIMIT="100000 per minute", LABO_AUTH_ADDRESS_RATE_LIMIT="100000 per minute")
        os.environ.update(env)
        timings: dict[str, float] = {}
        if args.seed_first:
            import seed_scale

            t0 = time.perf_counter()
            seed_scale.main(["--scale", str(args.scale)])
            timings["seed_scale"] = time.perf_counter() - t0
        data = facts(libpq)
        say(f"data: {data['contributions']:,} contributions ({data['published_count']:,} published), "
            f"{data['ballots']:,} ballots; Lens {data['lens_total']:,} ({data['lens_published']:,} published); "
            f"largest ballot process #{data['biggest']['id']} ({data['biggest']['ballots']:,}); {load()}")
        meta = {"when": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "workers": args.workers,
                "requests": args.requests, "warmup": args.warmup, "concurrency": args.concurrency,
                "contributions": data["contributions"], "ballots": data["ballots"]}
        pages: list = []
        inp = loc = rss_lens = None
        server = None
        if parts & {"pages", "locust"}:
            server = Server(procs, env, workdir, args.workers)
            server.start()
            meta["rss_start"] = server.rss()
            say(f"worker RSS after start (one request served): {meta['rss_start']} MB")
        if "pages" in parts:
            t0 = time.perf_counter()
            cookie = login(server.port, data["copil_email"], "bench-password")
            for name, who, paths in page_scenarios(data, 20):
                pages.append(drive(server, name, paths, args.requests, args.concurrency, args.warmup,
                                   cookie if who == "copil" else ""))
                if name.startswith("Lens list, random"):
                    rss_lens = server.rss()
                    say(f"  worker RSS after the Lens runs: {rss_lens} MB; {load()}")
            timings["pages"] = time.perf_counter() - t0
        if "inproc" in parts:
            t0 = time.perf_counter()
            inp = inproc(data, "bench-password", args.repeats)
            timings["inproc"] = time.perf_counter() - t0
        if "locust" in parts:
            t0 = time.perf_counter()
            loc = run_locust(server, data, args, workdir, procs)
            timings["locust"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_all
        text = report(meta, pages, inp, loc, rss_lens)
        print()
        print(text)
        print()
        print("Times: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + f"; {load()}")
        for_json = dict(data)
        for key in ("published", "lens_ids", "processes", "ballot_processes", "resident_emails"):
            for_json[key] = len(for_json[key])
        out_path.write_text(json.dumps({"meta": meta, "data": for_json, "pages": pages, "inproc": inp, "locust": loc,
                                        "rss_lens": rss_lens, "timings": timings, "report": text}, indent=1,
                                       default=str))
        print(f"JSON: {out_path}")
        if server is not None and server.tail().strip():
            say("gunicorn log (tail):\n" + server.tail()[-1500:])
        return 0
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
