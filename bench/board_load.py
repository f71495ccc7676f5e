#!/usr/bin/env python3
"""Load benchmark of the live workshop board (namespace /board), on loopback.

    .venv/bin/python bench/board_load.py                 # SQLite, cases A, B, C, app and bare, 3 repeats
    .venv/bin/python bench/board_load.py --postgres      # the same on a throwaway PostgreSQL cluster
    .venv/bin/python bench/board_load.py --smoke         # small and quick

It migrates a fresh database, creates the boards and participants with the
app's own services (inside create_app().app_context()), starts the app under
`gunicorn -k gevent -w 1` and bench/bare_server.py the same way, and drives
both with bench/board_clients.mjs (Node, the official socket.io-client over
websocket). Server CPU is the gunicorn worker's utime+stime from
/proc/<pid>/stat across the measured window. Figures are printed as a table
(median and min–max over the repeats) and written as JSON to --out.

Everything is bounded: each wait has a timeout, the whole run a deadline
(--max-minutes), and every process started here is stopped in a finally.
See bench/README.md."""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
if str(ROOT) not in sys.path:  # the fixtures use the app's own services
    sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"  # loopback only, always
NAMESPACE = "/board"

TARGETS = {"A": "p95 ≤ 100 ms", "B": "p95 ≤ 150 ms, nothing lost", "C": "all joined within 2 s",
           "cpu": "app/bare CPU per delivered message ≤ 1.25×"}


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self, cap: Optional[float] = None) -> float:
        left = max(0.0, self.end - time.monotonic())
        return left if cap is None else min(cap, left)

    def check(self) -> None:
        if self.left() <= 0:
            raise TimeoutError("the benchmark's overall deadline (--max-minutes) has passed")


def say(*parts: Any) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------


class Processes:
    """Every process started here, stopped in reverse order by stop_all()."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, cmd: list, **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen([str(c) for c in cmd], **kwargs)
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 10) -> None:
        if proc.poll() is None:
            try:
                proc.send_signal(sig)
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=wait)
            except ProcessLookupError:
                pass
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.started)):
            try:
                self.stop(proc)
            except Exception as error:  # keep stopping the others
                say(f"could not stop {proc.args[:3]}: {error}")


def run_checked(cmd: list, env: dict, timeout: float, what: str) -> None:
    done = subprocess.run([str(c) for c in cmd], env=env, cwd=ROOT, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}")


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(stat.parent.name))
        return out


def cpu_seconds(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """One `gunicorn -k gevent -w 1` on loopback; `worker` is the child of the master."""

    def __init__(self, name: str, procs: Processes, module: str, chdir: Path, env: dict, logdir: Path,
                 config: Optional[str] = None):
        self.name, self.procs, self.module, self.chdir, self.env = name, procs, module, chdir, env
        self.config = config
        self.port = free_port()
        self.log = logdir / f"gunicorn-{name}.log"
        self.proc: Optional[subprocess.Popen] = None
        self.worker: Optional[int] = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, deadline: Deadline) -> None:
        cmd = [VENV_BIN / "gunicorn", "-k", "gevent", "-w", "1", "-b", f"{HOST}:{self.port}",
               "--chdir", self.chdir, "--log-level", "warning", "--error-logfile", self.log,
               "--graceful-timeout", "5", "--timeout", "120",
               *(["-c", Path(self.config).resolve()] if self.config else []), self.module]
        self.proc = self.procs.start(cmd, env=self.env, cwd=self.chdir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait = Deadline(deadline.left(90))
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/socket.io/?EIO=4&transport=polling", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if wait.left() <= 0:
                raise TimeoutError(f"{self.name} server not ready:\n{self.log_tail()}")
            time.sleep(0.2)
        workers = children_of(self.proc.pid)
        if len(workers) != 1:
            raise RuntimeError(f"{self.name}: expected one gunicorn worker, found {workers}")
        self.worker = workers[0]
        say(f"{self.name} server on {self.url}, master {self.proc.pid}, worker {self.worker}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.worker in children_of(self.proc.pid)

    def log_tail(self) -> str:
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None:
            self.procs.stop(self.proc)


# --- the app's data -----------------------------------------------------------


class Fixtures:
    """Boards and participants made with the app's services, as the app would."""

    def __init__(self) -> None:
        from labo import create_app

        self.app = create_app()
        self.actor_id: Optional[int] = None
        with self.app.app_context():
            from labo.workshops.services import NOTES_PER_PARTICIPANT

            self.notes_per_participant = NOTES_PER_PARTICIPANT

    def board(self, participants: int, title: str) -> dict:
        from labo.accounts.models import User
        from labo.accounts.services import create_admin
        from labo.extensions import db
        from labo.workshops import services

        with self.app.app_context():
            try:
                if self.actor_id is None:
                    user, _created = create_admin(self.app.config, "bench-animator@example.org",
                                                  secrets.token_urlsafe(16), "Animation bench")
                    db.session.commit()
                    self.actor_id = user.id
                actor = db.session.get(User, self.actor_id)
                board = services.create_board(actor, title=title)
                db.session.commit()
                assert board.phase == "writing" and not board.locked and not board.private_writing
                board_id, columns = board.id, [c.id for c in board.columns]
                # One transaction per participant, as one join request each would be.
                started = time.perf_counter()
                made = []
                for i in range(participants):
                    made.append(services.join_board(board, f"Participant {i + 1}"))
                    db.session.commit()
                elapsed = time.perf_counter() - started
                tokens = [services.participant_token(self.app.config, p) for p in made]
            finally:
                db.session.remove()
        return {"board": board_id, "columns": columns, "tokens": tokens, "create_participants_s": elapsed}


# --- one run -------------------------------------------------------------------


def run_clients(procs: Processes, cfg: dict, workdir: Path, deadline: Deadline, profile: Optional[dict] = None) -> dict:
    path = workdir / f"clients-{cfg['tag']}.json"
    path.write_text(json.dumps(cfg))
    timeout = deadline.left(cfg["hardTimeout"] + 15)
    proc = procs.start(["node", BENCH / "board_clients.mjs", path], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    spy: dict = {}

    def start_spy() -> None:
        if profile and "proc" not in spy:
            spy["proc"] = procs.start(
                [VENV_BIN / "py-spy", "record", "--pid", profile["pid"], "--rate", "200", "--nonblocking",
                 "--format", profile.get("format", "raw"), "-o", profile["out"]],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pump() -> None:  # progress to our stderr; start the profiler when the window opens
        for line in proc.stderr:
            sys.stderr.write(line)
            if "measuring" in line:
                start_spy()

    if profile and cfg["mode"] == "join":
        start_spy()
        time.sleep(1.0)  # py-spy attaches
    collected: list[str] = []
    readers = [threading.Thread(target=pump, daemon=True),
               threading.Thread(target=lambda: collected.extend(proc.stdout), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        procs.stop(proc, signal.SIGKILL)
        raise TimeoutError(f"load generator did not finish within {timeout:.0f} s")
    finally:
        if "proc" in spy:
            procs.stop(spy["proc"], signal.SIGINT, wait=30)
        for reader in readers:
            reader.join(timeout=5)
        procs.stop(proc)
    lines = [line for line in collected if line.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"load generator printed no result (exit {proc.returncode})")
    return json.loads(lines[-1])


# --- figures -------------------------------------------------------------------


def spread(values: list) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def dig(run: dict, key: str):
    value: Any = run
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


BROADCAST_FIGURES = [
    ("latency p50 (ms)", "latency_ms.p50"),
    ("latency p95 (ms)", "latency_ms.p95"),
    ("latency p99 (ms)", "latency_ms.p99"),
    ("latency max (ms)", "latency_ms.max"),
    ("note at all, p95 (ms)", "all_participants_ms.p95"),
    ("ack p95 (ms)", "ack_ms.p95"),
    ("expected", "expected"),
    ("received", "received"),
    ("lost", "lost"),
    ("server CPU (% core)", "server_cpu_pct"),
    ("server CPU/msg (µs)", "cpu_per_msg_us"),
    ("clients CPU (% core)", "client_cpu_pct"),
    ("machine busy (% core)", "machine_busy_pct"),
    ("  of which others (% core)", "other_busy_pct"),
    ("clients loop p99 (ms)", "event_loop_delay_ms.p99"),
    ("send lag max (ms)", "send_lag_max_ms"),
    ("connect all (s)", "connect_all_s"),
    ("worker RSS after (MB)", "worker_rss_mb"),
]
JOIN_FIGURES = [
    ("all 'state' in (ms)", "all_state_ms"),
    ("per socket p50 (ms)", "per_socket_ms.p50"),
    ("per socket p95 (ms)", "per_socket_ms.p95"),
    ("connected", "connected"),
    ("server CPU (s)", "server_cpu_s"),
    ("clients CPU (% core)", "client_cpu_pct"),
    ("machine busy (% core)", "machine_busy_pct"),
    ("  of which others (% core)", "other_busy_pct"),
    ("DB: create N participants (s)", "create_participants_s"),
]


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits if abs(value) >= 10 else 2}f}"
    return f"{int(value)}" if isinstance(value, (int, float)) else str(value)


def cell(s: dict) -> str:
    if s["n"] == 0:
        return "–"
    if s["n"] == 1 or s["min"] == s["max"]:
        return fmt(s["median"])
    return f"{fmt(s['median'])} [{fmt(s['min'])}–{fmt(s['max'])}]"


def summarize(results: dict, targets: list[str]) -> dict:
    summary: dict = {}
    for case, by_target in results.items():
        figures = JOIN_FIGURES if case == "C" else BROADCAST_FIGURES
        summary[case] = {t: {key: spread([dig(r, key) for r in by_target.get(t, [])]) for _label, key in figures}
                         for t in targets}
        if case != "C" and "app" in by_target and "bare" in by_target:
            app = spread([r.get("cpu_per_msg_us") for r in by_target["app"]])
            bare = spread([r.get("cpu_per_msg_us") for r in by_target["bare"]])
            pairs = [a["cpu_per_msg_us"] / b["cpu_per_msg_us"] for a, b in zip(by_target["app"], by_target["bare"])
                     if a.get("cpu_per_msg_us") and b.get("cpu_per_msg_us")]
            summary[case]["cpu_ratio"] = {
                "of_medians": app["median"] / bare["median"] if app["median"] and bare["median"] else None,
                "pairs": spread(pairs)}
        for t in targets:
            summary[case][t]["lost_total"] = sum(r.get("lost", 0) or 0 for r in by_target.get(t, []))
            summary[case][t]["failed_runs"] = sum(1 for r in by_target.get(t, []) if not r.get("ok"))
    return summary


def table(summary: dict, targets: list[str], params: dict) -> str:
    out = []
    for case in ("A", "B", "C"):
        if case not in summary:
            continue
        p = params[case]
        if case == "C":
            title = f"Case C: {p['participants']} joins at once (token check, 'state')"
        else:
            title = (f"Case {case}: {p['participants']} participants, {p['rate']:g} notes/s for {p['duration']:g} s, "
                     f"{p['senders']} senders")
        figures = JOIN_FIGURES if case == "C" else BROADCAST_FIGURES
        rows = [["figure"] + targets]
        for label, key in figures:
            if label.startswith("DB:") and "app" not in targets:
                continue
            label = label.replace("N participants", f"{p['participants']} participants")
            rows.append([label] + [cell(summary[case][t][key]) if not (label.startswith("DB:") and t != "app")
                                   else "–" for t in targets])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out.append(title + "   (median [min–max] over the repeats)")
        for n, row in enumerate(rows):
            out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)))
            if n == 0:
                out.append("  " + "  ".join("-" * w for w in widths))
        ratio = summary[case].get("cpu_ratio")
        if ratio and ratio["of_medians"]:
            out.append(f"  CPU per delivered message, app/bare: {cell(ratio['pairs'])}× over the paired repeats "
                       f"({ratio['of_medians']:.2f}× of the medians)")
        out.append("")
    return "\n".join(out)


def verdicts(summary: dict) -> list[str]:
    lines = []
    app = lambda case, key: summary.get(case, {}).get("app", {}).get(key, {}).get("median")  # noqa: E731
    if "A" in summary and "app" in summary["A"]:
        p95 = app("A", "latency_ms.p95")
        lines.append(f"A  p95 {fmt(p95)} ms (target ≤ 100): {'met' if p95 is not None and p95 <= 100 else 'MISSED'}")
    if "B" in summary and "app" in summary["B"]:
        p95 = app("B", "latency_ms.p95")
        lost = summary["B"]["app"]["lost_total"]
        ok = p95 is not None and p95 <= 150 and lost == 0
        lines.append(f"B  p95 {fmt(p95)} ms (target ≤ 150), lost {lost} (target 0): {'met' if ok else 'MISSED'}")
    if "C" in summary and "app" in summary["C"]:
        ms = summary["C"]["app"]["all_state_ms"]["max"]
        lines.append(f"C  slowest of the repeats {fmt(ms)} ms (target ≤ 2000): "
                     f"{'met' if ms is not None and ms <= 2000 else 'MISSED'}")
    for case in ("A", "B"):
        ratio = summary.get(case, {}).get("cpu_ratio")
        if ratio and ratio["pairs"]["median"]:
            # The verdict goes by the paired repeats (app and bare ran back to back).
            paired = ratio["pairs"]["median"]
            lines.append(f"{case}  CPU ratio app/bare {paired:.2f}× median of the paired repeats "
                         f"({ratio['of_medians']:.2f}× of the medians) (target ≤ 1.25): "
                         f"{'met' if paired <= 1.25 else 'MISSED'}")
    for case in ("A", "B", "C"):
        for target, figures in summary.get(case, {}).items():
            if target == "cpu_ratio":
                continue
            others = figures["other_busy_pct"]["max"]
            if others is not None and others >= 30:
                lines.append(f"{case}  {target}: up to {others:.0f}% of a core went to other processes (the "
                             "database server, the kernel, anything else on the machine): figures may be perturbed")
            client = figures["client_cpu_pct"]["max"]
            if client is not None and client >= 85:
                lines.append(f"{case}  {target}: the load generator used up to {client:.0f}% of a core: "
                             "it may have been the bottleneck")
    return lines


# --- main ----------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="ABC", help="which cases, e.g. AB (default ABC)")
    ap.add_argument("--targets", default="app,bare", help="app, bare or both (default app,bare)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration", type=float, default=30, help="measured seconds of sending (A and B)")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of sending before the window opens")
    ap.add_argument("--senders", type=int, default=20)
    ap.add_argument("--a-participants", type=int, default=300)
    ap.add_argument("--a-rate", type=float, default=10)
    ap.add_argument("--b-participants", type=int, default=500)
    ap.add_argument("--b-rate", type=float, default=25)
    ap.add_argument("--joins", type=int, default=500, help="sockets of case C")
    ap.add_argument("--join-concurrency", type=int, default=0,
                    help="handshakes in flight in case C (default 0: all at once)")
    ap.add_argument("--connect-concurrency", type=int, default=50,
                    help="handshakes in flight when A and B connect their participants")
    ap.add_argument("--drain-timeout", type=float, default=15, help="seconds to wait for the last notes")
    ap.add_argument("--ack-timeout", type=float, default=10)
    ap.add_argument("--no-deflate", action="store_true",
                    help="clients do not offer permessage-deflate (browsers do, and so do the clients by default)")
    ap.add_argument("--gunicorn-config", default=None, metavar="FILE",
                    help="a gunicorn config file for both servers (to try a setting without touching the app)")
    ap.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster (tests/pgcluster.py)")
    ap.add_argument("--out", default=None, help="JSON results file (default /tmp/labo-board-bench-<time>.json)")
    ap.add_argument("--profile", default=None, metavar="DIR",
                    help="record the worker with py-spy (raw collapsed stacks) in each run's window, into DIR")
    ap.add_argument("--smoke", action="store_true", help="small numbers: 1 repeat, 5 s, 40/60 participants")
    ap.add_argument("--max-minutes", type=float, default=60, help="overall deadline")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.repeats, args.duration, args.warmup = 1, 5, 1
        args.a_participants, args.b_participants, args.joins = 40, 60, 60
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not set(args.targets) <= {"app", "bare"} or not args.targets:
        ap.error("--targets: app, bare or app,bare")
    args.cases = [c for c in args.cases.upper() if c in "ABC"]
    return args


def reexec_in_pgcluster(argv: list[str], max_minutes: float) -> int:
    """Run this very command inside tests/pgcluster.py, which starts a
    throwaway cluster, sets DATABASE_URL and removes the cluster after."""
    inner = [a for a in argv if a != "--postgres"]
    cmd = [sys.executable, ROOT / "tests" / "pgcluster.py", "--", sys.executable, Path(__file__).resolve(), *inner]
    env = dict(os.environ, LABO_BENCH_PG="1", LABO_REQUIRE_POSTGRES="1")
    proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=ROOT)
    try:
        return proc.wait(timeout=max_minutes * 60 + 120)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        say("stopping the PostgreSQL run")
        return 1
    finally:
        if proc.poll() is None:  # SIGINT: pgcluster stops its command and its cluster in its finally
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.postgres and not os.environ.get("LABO_BENCH_PG"):
        return reexec_in_pgcluster(argv, args.max_minutes)
    postgres = bool(os.environ.get("LABO_BENCH_PG"))

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    deadline = Deadline(args.max_minutes * 60)
    workdir = Path(tempfile.mkdtemp(prefix="labo-bench-"))
    procs = Processes()
    out = Path(args.out or f"/tmp/labo-board-bench-{time.strftime('%Y%m%d-%H%M%S')}.json")
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("LABO_ASYNC_MODE", "REDIS_URL")}
        env.update(LABO_INSTANCE_PATH=str(workdir / "instance"), SECRET_KEY=secrets.token_hex(32),
                   LABO_ENV="development", PATH=f"{VENV_BIN}:{env.get('PATH', '')}")
        if not postgres:
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'labo.db'}"
        elif not env.get("DATABASE_URL", "").startswith("postgresql"):
            raise RuntimeError("--postgres: no DATABASE_URL from tests/pgcluster.py")
        database = "postgresql" if postgres else "sqlite"
        say(f"database {database}; work folder {workdir}")
        flask = [VENV_BIN / "flask", "--app", "wsgi"]
        run_checked(flask + ["db", "upgrade"], env, deadline.left(300), "flask db upgrade")
        run_checked(flask + ["labo", "seed"], env, deadline.left(300), "flask labo seed")
        os.environ.update(env)  # the fixtures' app reads the same database and secret key
        fixtures = Fixtures()

        servers: dict[str, Server] = {}
        if "app" in args.targets:
            servers["app"] = Server("app", procs, "wsgi:app", ROOT, env, workdir, args.gunicorn_config)
        if "bare" in args.targets:
            servers["bare"] = Server("bare", procs, "bare_server:app", BENCH, env, workdir, args.gunicorn_config)
        for server in servers.values():
            server.start(deadline)

        params: dict = {}
        for case in args.cases:
            if case == "C":
                params[case] = {"participants": args.joins}
                continue
            n, rate = ((args.a_participants, args.a_rate) if case == "A" else (args.b_participants, args.b_rate))
            notes = math.ceil((args.duration + args.warmup) * rate)
            senders = min(n, max(args.senders, math.ceil(notes / (fixtures.notes_per_participant - 1))))
            if senders != args.senders:
                say(f"case {case}: {senders} senders, so that none writes more than the app's "
                    f"{fixtures.notes_per_participant} notes")
            params[case] = {"participants": n, "rate": rate, "duration": args.duration, "warmup": args.warmup,
                            "senders": senders}

        results: dict = {case: {t: [] for t in args.targets} for case in args.cases}
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
        for case in args.cases:
            p = params[case]
            for repeat in range(args.repeats):
                # app and bare alternate, so both see the same machine
                for target in args.targets:
                    deadline.check()
                    server = servers[target]
                    if not server.alive():
                        raise RuntimeError(f"the {target} server died:\n{server.log_tail()}")
                    tag = f"{case}{repeat}{target[0]}{secrets.token_hex(3)}"
                    data = fixtures.board(p["participants"], f"Bench {tag}") if target == "app" else {
                        "board": 1, "columns": [1, 2, 3], "tokens": ["bare"] * p["participants"],
                        "create_participants_s": None}
                    join = case == "C"
                    cfg = {
                        "url": server.url, "namespace": NAMESPACE, "board": data["board"], "tokens": data["tokens"],
                        "columns": data["columns"], "mode": "join" if join else "broadcast",
                        "rate": p.get("rate", 0), "duration": p.get("duration", 0), "warmup": p.get("warmup", 0),
                        "senders": p.get("senders", 0), "drainTimeout": args.drain_timeout,
                        "connectTimeout": 60,
                        "connectConcurrency": (args.join_concurrency or p["participants"]) if join
                        else args.connect_concurrency,
                        "ackTimeout": args.ack_timeout, "serverPid": server.worker,
                        "clkTck": os.sysconf("SC_CLK_TCK"), "tag": tag, "deflate": not args.no_deflate,
                    }
                    cfg["hardTimeout"] = 60 + 30 + cfg["warmup"] + cfg["duration"] + args.drain_timeout
                    say(f"case {case} run {repeat + 1}/{args.repeats} on {target}")
                    profile = None
                    if args.profile:
                        profile = {"pid": server.worker,
                                   "out": Path(args.profile) / f"{database}-{case}-{repeat}-{target}.txt"}
                    run = run_clients(procs, cfg, workdir, deadline, profile)
                    run.update(case=case, target=target, repeat=repeat, database=database,
                               create_participants_s=data["create_participants_s"],
                               worker_rss_mb=rss_mb(server.worker))
                    if run.get("machine_busy_pct") is not None and run.get("server_cpu_pct") is not None:
                        # The kernel's share not charged to either, the database server's, anyone else's.
                        run["other_busy_pct"] = (run["machine_busy_pct"] - run["server_cpu_pct"]
                                                 - run["client_cpu_pct"])
                    if not join and run.get("ok"):
                        delivered = run.get("delivered") or 0
                        run["cpu_per_msg_us"] = (1e6 * run["server_cpu_s"] / delivered
                                                 if delivered and run.get("server_cpu_s") is not None else None)
                        run["connect_all_s"] = run["connect"]["all_state_ms"] / 1000
                    brief = ({k: run.get(k) for k in ("all_state_ms", "connected", "server_cpu_s")} if join else
                             {"p95": dig(run, "latency_ms.p95"), "lost": run.get("lost"),
                              "cpu_us": run.get("cpu_per_msg_us"), "client_cpu_pct": run.get("client_cpu_pct")})
                    say(f"  -> {json.dumps(brief)}" if run.get("ok") else f"  -> FAILED {json.dumps(run)[:500]}")
                    results[case][target].append(run)
                    time.sleep(1)  # let the disconnections settle

        summary = summarize(results, args.targets)
        report = {
            "meta": {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "database": database, "host": HOST,
                     "cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
                     "node": subprocess.run(["node", "--version"], capture_output=True, text=True,
                                            timeout=10).stdout.strip(),
                     "server": "gunicorn -k gevent -w 1", "args": {k: v for k, v in vars(args).items()},
                     "params": params},
            "summary": summary,
            "runs": results,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1, default=str))
        print()
        print(f"Live board benchmark — {database}, {os.cpu_count()} cores, loopback, gunicorn -k gevent -w 1, "
              f"{args.repeats} repeat(s)")
        print()
        print(table(summary, args.targets, params))
        for line in verdicts(summary):
            print(line)
        print(f"\nJSON: {out}")
        for target, server in servers.items():
            log = server.log_tail().strip()
            if log:
                say(f"{target} server log (tail):\n{log[-1500:]}")
        failed = any(not r.get("ok") for by in results.values() for runs in by.values() for r in runs)
        return 1 if failed else 0
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        procs.stop_all()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
