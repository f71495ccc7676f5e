"""Run a command against a throwaway PostgreSQL cluster:

    python tests/pgcluster.py -- python -m pytest

Finds the server binaries (Debian keeps them in /usr/lib/postgresql/*/bin),
creates a cluster in a temporary folder with `initdb` (as an unprivileged
user when run as root, which initdb refuses), starts it on a free loopback
port, runs the command with DATABASE_URL and LABO_TEST_DATABASE_URL set,
then stops and deletes the cluster. Without the binaries it says so and
exits 0, unless LABO_REQUIRE_POSTGRES=1, when it fails."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile


def find_bindir() -> str | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return os.path.dirname(candidates[0])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on a free
    loopback port: created and started by `start()`, stopped (and started
    again, for the fault tests) by `stop()` / `start()`, deleted by `remove()`."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.workdir = tempfile.mkdtemp(prefix="labo-pg-")
        self.run_as: dict = {}
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                account = pwd.getpwnam("nobody")
            os.chown(self.workdir, account.pw_uid, account.pw_gid)
            self.run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.data = os.path.join(self.workdir, "data")
        self.log = os.path.join(self.workdir, "server.log")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/labo_test"
        self._made = False

    def _run(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([os.path.join(self.bindir, name), *args], check=check, stdout=subprocess.DEVNULL,
                              cwd=self.workdir, **self.run_as)

    def start(self) -> None:
        if not self._made:
            self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                      "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")
        if not self._made:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "labo_test")
            self._made = True

    def stop(self, mode: str = "fast") -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def server_log(self) -> str:
        return open(self.log).read()[-3000:] if os.path.exists(self.log) else ""


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print(__doc__)
        return 2
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: install the 'postgresql' package."
        if os.environ.get("LABO_REQUIRE_POSTGRES") == "1":
            print(f"FAILED: {message} (LABO_REQUIRE_POSTGRES=1)", file=sys.stderr)
            return 1
        print(f"Skipping the PostgreSQL pass: {message}")
        return 0

    cluster = Cluster(bindir)
    try:
        cluster.start()
        print(f"PostgreSQL pass: throwaway cluster {bindir} on port {cluster.port}", flush=True)
        env = dict(os.environ, DATABASE_URL=cluster.url, LABO_TEST_DATABASE_URL=cluster.url)
        return subprocess.run(argv, env=env).returncode
    except subprocess.CalledProcessError as error:
        print(cluster.server_log(), file=sys.stderr)
        print(f"FAILED to start PostgreSQL: {error}", file=sys.stderr)
        return 1
    finally:
        cluster.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
