"""What the fault tests share: a PostgreSQL cluster of their own (the suite's
is shared with the other tests, and these stop and kill servers) and a
`gunicorn -k gevent -w 1` site on it, migrated and seeded with the demo.
Without PostgreSQL's server binaries they are skipped, unless
LABO_REQUIRE_POSTGRES=1 (CI), which fails."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.pgcluster import Cluster, find_bindir, free_port

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def cluster():
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("LABO_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " — LABO_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(message)
    own = Cluster(bindir)
    own.start()
    try:
        yield own
    finally:
        own.remove()


@dataclass
class Site:
    url: str
    master: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@contextmanager
def gunicorn_site(cluster: Cluster, tmp: Path, **env_extra: str) -> Iterator[Site]:
    """The site on `cluster`: `flask db upgrade`, `flask labo seed --demo`, then
    gunicorn on a free loopback port, answering /healthz; stopped on exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABO_", "REDIS_URL"))}
    env.update({"DATABASE_URL": cluster.url, "SECRET_KEY": "faults", "LABO_ENV": "development",
                "LABO_INSTANCE_PATH": str(tmp / "instance"), "PYTHONPATH": str(ROOT), **env_extra})
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["labo", "seed", "--demo"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
    port = free_port()
    log = tmp / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log, "w") as out:
        server = subprocess.Popen([str(gunicorn), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                                   "--graceful-timeout", "2", "wsgi:app"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        yield Site(url, server, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
