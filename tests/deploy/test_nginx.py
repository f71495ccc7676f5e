"""The deployment as written in deploy/, run: Debian's nginx on the
repository's own site file (deploy/nginx/labo.conf, with its ports, server
name, certificate and paths replaced, nothing else) in front of two processes
started with labo@.service's own command line and deploy/labo.env.example's
settings, sharing the suite's PostgreSQL database and a real Redis. A page,
a login, photo uploads at and over the limit and phones' Socket.IO sessions
go through nginx over https (a throwaway self-signed certificate).

Marked `faults`, the marker that keeps tests starting real servers to the
PostgreSQL pass. Without nginx, Redis or PostgreSQL the tests are skipped;
in CI they fail instead: nginx is required by LABO_REQUIRE_NGINX=1, or by
LABO_REQUIRE_POSTGRES=1 with LABO_REQUIRE_REDIS=1 (as .ci/run sets them)."""
from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
import requests
from PIL import Image

from labo.extensions import db
from labo.workshops import services as workshops
from tests.factories import PASSWORD, create_user
from labo.accounts.models import Role
from labo.workshops.events import NAMESPACE
from tests.workshops.conftest import Screen, new_key
from tests.servers import free_port, stop, tail

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
HOST = "localhost"
START_TIMEOUT = 30
WAIT = 10
SECRET_KEY = "deploy-test-secret"  # the processes'; the phones' tokens are signed with it


def _required(*flags: str) -> bool:
    return all(os.environ.get(flag) == "1" for flag in flags)


def _missing(message: str, required: bool) -> None:
    if required:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def substitute(text: str, replacements: list[tuple[str, str, int]]) -> str:
    """Replace each `old` by `new`, checking it occurs exactly `count` times:
    a site file that no longer says what the test replaces fails here."""
    for old, new, count in replacements:
        found = text.count(old)
        assert found == count, f"deploy/nginx/labo.conf: {old!r} found {found} times, expected {count}"
        text = text.replace(old, new)
    return text


def exec_start(unit: str) -> list[str]:
    """The command line of a unit's ExecStart=."""
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart="))
    raise AssertionError(f"no ExecStart= in {unit}")


def env_example() -> dict[str, str]:
    """deploy/labo.env.example's settings, as systemd's EnvironmentFile= reads them."""
    values = {}
    for line in (DEPLOY / "labo.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass
class Stack:
    url: str                  # https://localhost:PORT, through nginx
    http_url: str             # plain http, through nginx
    cert: str                 # the certificate to trust
    processes: dict           # "A"/"B" -> direct http://127.0.0.1:PORT of each gunicorn
    access_log: Path
    error_log: Path

    def session(self) -> requests.Session:
        """A browser that trusts the test's certificate (and not the environment's CA bundle or proxies)."""
        browser = requests.Session()
        browser.trust_env = False
        browser.verify = self.cert
        return browser

    def upstreams(self, path_prefix: str) -> set[str]:
        """The upstream addresses nginx sent the requests under `path_prefix` to (its access log)."""
        found = set()
        for line in self.access_log.read_text().splitlines():
            request, _, upstream = line.rpartition(" upstream=")
            if f" {path_prefix}" in request:
                found.update(a.strip() for a in upstream.split(",") if a.strip() not in ("", "-"))
        return found


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    binary = "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else shutil.which("nginx")
    if binary is None:
        _missing("nginx not found (apt-get install nginx)",
                 _required("LABO_REQUIRE_NGINX") or _required("LABO_REQUIRE_POSTGRES", "LABO_REQUIRE_REDIS"))
    return binary


@pytest.fixture(scope="module")
def database_url() -> str:
    url = os.environ.get("LABO_TEST_DATABASE_URL")
    if not url:
        _missing("the deployment test runs in the PostgreSQL pass (tests/pgcluster.py)",
                 _required("LABO_REQUIRE_POSTGRES"))
    return url


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    openssl = shutil.which("openssl")
    assert openssl, "openssl not found (it comes with ca-certificates)"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture(scope="module")
def stack(app, nginx_binary, database_url, redis_server, tmp_path_factory):
    """nginx on deploy/nginx/labo.conf, two gunicorn processes as labo@.service starts them."""
    tmp = tmp_path_factory.mktemp("deploy")
    https, http = free_port(), free_port()
    ports = {"A": free_port(), "B": free_port()}
    # nginx runs unprivileged: as root, as `nobody`, in a folder of its own it can write in.
    nginx_dir = Path(tempfile.mkdtemp(prefix="labo-nginx-"))
    run_as: dict = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    cert, key = _certificate(nginx_dir)

    # The two processes: labo@.service's ExecStart, with %i the port, in
    # /etc/labo.env's settings (the example's), the test's database and Redis.
    command = exec_start("labo@.service")
    assert command[0] == "/srv/labo/app/.venv/bin/gunicorn", command
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABO_", "REDIS_", "MAIL_", "DATABASE_"))}
    env.update({k: v for k, v in env_example().items() if not k.startswith("MAIL_")})  # no SMTP: the outbox
    env.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_server.url, "SECRET_KEY": SECRET_KEY,
        "LABO_BASE_URL": f"https://{HOST}:{https}", "LABO_INSTANCE_PATH": str(tmp / "instance"),
        "LABO_UPLOAD_DIR": str(tmp / "uploads"), "LABO_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "PYTHONPATH": str(ROOT),
    })
    assert env["LABO_PROXY_COUNT"] == "1" and "LABO_ENV" not in env  # production: Secure cookies, one proxy
    started = {}
    try:
        for name, port in ports.items():
            argv = [str(Path(sys.executable).with_name("gunicorn"))] + [a.replace("%i", str(port)) for a in command[1:]]
            log = tmp / f"gunicorn-{name}.log"
            with open(log, "w") as out:
                started[name] = (subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT), log)

        # nginx: a main configuration of the test's own (an unprivileged process,
        # everything it writes in tmp) that includes the repository's site file.
        site = substitute((DEPLOY / "nginx" / "labo.conf").read_text(), [
            ("/etc/letsencrypt/live/labo.example.org/fullchain.pem", str(cert), 1),
            ("/etc/letsencrypt/live/labo.example.org/privkey.pem", str(key), 1),
            ("labo.example.org", HOST, 3),
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{ports['A']};", 1),
            ("server 127.0.0.1:8001;", f"server 127.0.0.1:{ports['B']};", 1),
            ("listen 443 ", f"listen 127.0.0.1:{https} ", 2),
            ("listen 80", f"listen 127.0.0.1:{http}", 2),
            ("alias /srv/labo/app/static/;", f"alias {ROOT / 'static'}/;", 1),
        ])
        (nginx_dir / "labo.conf").write_text(site)
        access_log, error_log = nginx_dir / "access.log", nginx_dir / "error.log"
        (nginx_dir / "nginx.conf").write_text(f"""
worker_processes 1;
daemon off;
pid {nginx_dir}/nginx.pid;
error_log {error_log} notice;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {access_log} upstream;
    client_body_temp_path {nginx_dir}/client_body;
    proxy_temp_path {nginx_dir}/proxy;
    fastcgi_temp_path {nginx_dir}/fastcgi;
    uwsgi_temp_path {nginx_dir}/uwsgi;
    scgi_temp_path {nginx_dir}/scgi;
    include {nginx_dir}/labo.conf;
}}
""")
        if run_as:
            for path in [nginx_dir, *nginx_dir.iterdir()]:
                os.chown(path, run_as["user"], run_as["group"])
        nginx_argv = [nginx_binary, "-p", str(nginx_dir), "-e", str(error_log), "-c", str(nginx_dir / "nginx.conf")]
        checked = subprocess.run(nginx_argv + ["-t"], capture_output=True, text=True, timeout=30, **run_as)
        assert checked.returncode == 0, f"nginx refuses the site file:\n{checked.stderr}"
        nginx = subprocess.Popen(nginx_argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **run_as)
        started["nginx"] = (nginx, error_log)

        deadline = time.monotonic() + START_TIMEOUT
        for name, port in ports.items():
            process, log = started[name]
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn {name} did not answer on port {port}:\n{tail(log)}", pytrace=False)
                time.sleep(0.1)
        assert nginx.poll() is None, tail(error_log)
        yield Stack(url=f"https://{HOST}:{https}", http_url=f"http://{HOST}:{http}", cert=str(cert),
                    processes={name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
                    access_log=access_log, error_log=error_log)
    finally:
        for process, _log in started.values():
            stop(process)
        shutil.rmtree(nginx_dir, ignore_errors=True)


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def logged_in(stack: Stack) -> requests.Session:
    """A resident logged in through the real form, through nginx."""
    user = create_user(pseudonym="Samia Deploiement")
    db.session.commit()
    browser = stack.session()
    page = browser.get(stack.url + "/compte/connexion", timeout=WAIT)
    # A browser says where the form came from: over https, Flask-WTF checks it is this very site
    # (the Host nginx passes on, port included).
    answer = browser.post(stack.url + "/compte/connexion", allow_redirects=False, timeout=WAIT,
                          headers={"Referer": stack.url + "/compte/connexion"},
                          data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(page.text)})
    assert answer.status_code == 302, (answer.status_code, answer.text[:300])
    return browser


def padded_png(size: int) -> bytes:
    """A valid PNG of exactly `size` bytes (a filler chunk before IEND)."""
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    png = out.getvalue()
    filler = size - len(png) - 12
    chunk = struct.pack(">I", filler) + b"zzZz" + b"\0" * filler
    padded = png[:-12] + chunk + struct.pack(">I", zlib.crc32(chunk[4:])) + png[-12:]
    assert len(padded) == size
    return padded


# --- pages -------------------------------------------------------------------


def test_a_page_and_the_static_files_come_through_nginx_over_https(stack):
    browser = stack.session()
    home = browser.get(stack.url + "/", timeout=WAIT)
    assert home.status_code == 200
    assert "Labo" in home.text
    # The app saw https (X-Forwarded-Proto, trusted with LABO_PROXY_COUNT=1): it sends HSTS,
    # which it does not over the plain http of a direct connection.
    assert "max-age" in home.headers.get("Strict-Transport-Security", "")
    assert "Strict-Transport-Security" not in requests.get(stack.processes["A"] + "/", timeout=WAIT).headers

    # Served by nginx from static/, cached for a week.
    css = browser.get(stack.url + "/static/css/board.css", timeout=WAIT)
    assert css.status_code == 200
    assert css.content == (ROOT / "static" / "css" / "board.css").read_bytes()
    assert css.headers["Cache-Control"] == "max-age=604800"
    assert css.headers["Content-Type"].startswith("text/css")
    assert stack.upstreams("/static/") == set(), "a static file went to gunicorn"


def test_plain_http_is_sent_to_https_and_other_host_names_are_dropped(stack):
    answer = requests.get(stack.http_url + "/idees/?page=2", allow_redirects=False, timeout=WAIT)
    assert (answer.status_code, answer.headers["Location"]) == (301, f"https://{HOST}/idees/?page=2")
    # Another Host header over http: nginx closes the connection without a word (444).
    port = stack.http_url.rsplit(":", 1)[1]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"}, timeout=WAIT)
    # Over https without the site's name (no SNI for an address): the handshake is refused.
    port = stack.url.rsplit(":", 1)[1]
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://127.0.0.1:{port}/", verify=False, timeout=WAIT)


def test_logging_in_through_nginx_keeps_the_session(stack):
    browser = logged_in(stack)
    cookie = next(c for c in browser.cookies if c.name == "session")
    assert cookie.secure  # LABO_ENV defaults to production: a Secure cookie, sent back over https
    page = browser.get(stack.url + "/idees/nouvelle", allow_redirects=False, timeout=WAIT)
    assert page.status_code == 200  # not sent to the login form
    assert "/compte/deconnexion" in page.text


# --- uploads -----------------------------------------------------------------


def test_a_photo_at_the_limit_is_accepted_and_a_heavier_one_gets_the_sites_own_message(stack):
    browser = logged_in(stack)
    form = browser.get(stack.url + "/idees/nouvelle", timeout=WAIT).text
    commune = re.search(r'<select[^>]*name="commune".*?<option value="(\d+)"', form, re.S).group(1)

    def send(photo: bytes, body: str) -> requests.Response:
        return browser.post(stack.url + "/idees/nouvelle", allow_redirects=False, timeout=60,
                            headers={"Referer": stack.url + "/idees/nouvelle"},
                            data={"csrf_token": csrf(form), "kind": "idee", "body": body, "commune": commune},
                            files={"photo": ("photo.png", photo, "image/png")})

    accepted = send(padded_png(10 * 1024 * 1024), "Des bancs près de l'arrêt de bus")
    assert accepted.status_code == 302, (accepted.status_code, re.findall(r'class="error-summary".*?</div>',
                                                                          accepted.text, re.S))
    assert "/idees/" in accepted.headers["Location"]

    # One byte over the photo's 10 MB, then 30 MB (over the site's 12 MB for other
    # forms and nginx's default 1 MB): the form comes back, with what was typed and why.
    for size in (10 * 1024 * 1024 + 1, 30 * 1024 * 1024):
        refused = send(padded_png(size), "Une fontaine sur la place")
        assert refused.status_code == 413, size
        text = refused.text.replace("&#39;", "'").replace("\u00a0", " ")
        assert "La photo est trop lourde : 10 Mo au plus." in text, size
        assert "Une fontaine sur la place" in text, "what was typed is lost"
        assert "nginx" not in text


# --- live boards ---------------------------------------------------------------


def test_phones_on_a_board_through_nginx_hear_the_notes_posted_through_either_process(stack):
    animator = create_user(pseudonym="Claire Deploiement", roles=[(Role.ANIMATOR, None)])
    db.session.commit()
    board = workshops.create_board(animator, title="Atelier derrière nginx")
    db.session.commit()
    people = {name: workshops.join_board(board, name) for name in ("Alice", "Bob", "Chloe", "Driss")}
    db.session.commit()
    tokens = {name: workshops.participant_token({"SECRET_KEY": SECRET_KEY}, p) for name, p in people.items()}
    column = board.columns[0].id
    screens: list[Screen] = []

    def phone(url: str, name: str, **options) -> Screen:
        # A page loaded from the public address says so (Origin): the app accepts only it.
        screen = Screen(url, name, websocket_extra_options={"origin": stack.url}, **options)
        screens.append(screen)
        screen.connect({"board": board.id, "token": tokens[name]})
        screen.wait_for("me")
        return screen

    try:
        tls = stack.session()
        # Alice over WebSocket at once, as the site's script does; Bob starts with long
        # polling then upgrades: several requests that only work on one process (ip_hash).
        alice = phone(stack.url, "Alice", http_session=tls)
        bob_screen = Screen(stack.url, "Bob", http_session=tls, websocket_extra_options={"origin": stack.url})
        screens.append(bob_screen)
        bob_screen.client.connect(stack.url, auth={"board": board.id, "token": tokens["Bob"]},
                                  namespaces=[NAMESPACE], transports=["polling", "websocket"], wait_timeout=WAIT)
        bob_screen.wait_for("me")
        assert bob_screen.client.transport() == "websocket"
        # Chloe and Driss write from phones on each process directly.
        writers = {"A": phone(stack.processes["A"], "Chloe"), "B": phone(stack.processes["B"], "Driss")}

        posted = {}
        for process, writer in writers.items():
            answer = writer.call("post_note", {"column": column, "text": f"Écrit sur {process}",
                                               "client_key": new_key()})
            assert answer["ok"], answer
            posted[process] = answer["note"]["id"]
        for screen in (alice, bob_screen):
            for process, note in posted.items():
                assert screen.wait_for("note", lambda p, n=note: p["id"] == n)["text"] == f"Écrit sur {process}"
    finally:
        for screen in screens:
            screen.close()

    # nginx sent every Socket.IO request, polling and WebSocket, to one process
    # (ip_hash on the phones' one address): the note written on the other one
    # reached them through Redis.
    deadline = time.monotonic() + 5
    while len(stack.upstreams("/socket.io")) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)  # a WebSocket's line is logged when it closes
    used = stack.upstreams("/socket.io")
    assert len(used) == 1, used
    assert used.pop().rsplit(":", 1)[1] in {url.rsplit(":", 1)[1] for url in stack.processes.values()}
