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

    run_as: dict = {}
    workdir = tempfile.mkdtemp(prefix="labo-pg-")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            account = pwd.getpwnam("nobody")
        os.chown(workdir, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    data = os.path.join(workdir, "data")
    port = free_port()
    pg = lambda name: os.path.join(bindir, name)  # noqa: E731
    quiet = {"stdout": subprocess.DEVNULL, "cwd": workdir, **run_as}
    try:
        subprocess.run(
            [pg("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            check=True, **quiet,
        )
        options = (f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(
            [pg("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(workdir, "server.log"), "-w", "start"],
            check=True, **quiet,
        )
        subprocess.run(
            [pg("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "labo_test"],
            check=True, **quiet,
        )
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/labo_test"
        print(f"PostgreSQL pass: throwaway cluster {bindir} on port {port}", flush=True)
        env = dict(os.environ, DATABASE_URL=url, LABO_TEST_DATABASE_URL=url)
        return subprocess.run(argv, env=env).returncode
    except subprocess.CalledProcessError as error:
        log = os.path.join(workdir, "server.log")
        if os.path.exists(log):
            print(open(log).read()[-3000:], file=sys.stderr)
        print(f"FAILED to start PostgreSQL: {error}", file=sys.stderr)
        return 1
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run([pg("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], **quiet)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
