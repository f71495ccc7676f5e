"""PostgreSQL stopped and started again under load, as in a server upgrade:
a `gunicorn -k gevent -w 1` site on a cluster of this test's own (the
suite's cluster is shared with the other tests). While the database is down
every request gets a 503 (the health check and the pages alike), none
hangs, and once it is back the site recovers by itself, without a restart.

Runs in the PostgreSQL pass (marker `faults`); without PostgreSQL's server
binaries it is skipped, unless LABO_REQUIRE_POSTGRES=1, which fails."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.faults.conftest import gunicorn_site

pytestmark = pytest.mark.faults

HANG = 10  # seconds: a request still unanswered after this has hung
PATHS = ["/healthz", "/", "/idees/", "/demarches/"]


@pytest.fixture(scope="module")
def site(cluster, tmp_path_factory):
    with gunicorn_site(cluster, tmp_path_factory.mktemp("pg-restart")) as running:
        yield running.url


def test_postgres_restarted_under_load_gives_503s_then_recovers_by_itself(cluster, site):
    answers: list[tuple[float, str, object, float]] = []  # started at, path, status or error, seconds
    lock = threading.Lock()
    done = threading.Event()

    def visitor(path: str) -> None:
        with requests.Session() as browser:
            while not done.is_set():
                start = time.monotonic()
                try:
                    status: object = browser.get(site + path, timeout=HANG).status_code
                except requests.Timeout:
                    status = "hung"
                except requests.RequestException as error:
                    status = f"no answer: {type(error).__name__}"
                with lock:
                    answers.append((start, path, status, time.monotonic() - start))
                time.sleep(0.05)

    visitors = [threading.Thread(target=visitor, args=(path,), daemon=True) for path in PATHS * 2]
    for thread in visitors:
        thread.start()
    time.sleep(3)
    stopping = time.monotonic()
    cluster.stop("fast")
    stopped = time.monotonic()
    time.sleep(4)
    starting = time.monotonic()
    cluster.start()
    started = time.monotonic()
    time.sleep(HANG + 3)
    done.set()
    for thread in visitors:
        thread.join(timeout=HANG + 5)

    before = [a for a in answers if a[0] + a[3] < stopping]
    down = [a for a in answers if a[0] > stopped + 0.5 and a[0] + a[3] < starting]
    after = [a for a in answers if a[0] > started + HANG]
    first_back = min((a[0] + a[3] for a in answers if a[1] == "/healthz" and a[0] > started and a[2] == 200),
                     default=None)
    print(f"{len(answers)} requests; {len(down)} while down; health back "
          f"{(first_back - started) if first_back else float('nan'):.2f} s after the restart; "
          f"slowest {max(a[3] for a in answers):.2f} s")

    assert before and {a[2] for a in before} == {200}
    assert [a for a in answers if not isinstance(a[2], int)] == [], "a request hung or got no answer"
    assert {a[1] for a in down} == set(PATHS), "every page was asked while the database was down"
    assert {a[2] for a in down} == {503}, sorted({(a[1], a[2]) for a in down}, key=str)
    assert after and {a[2] for a in after} == {200}, "the site did not recover by itself within 10 s"
