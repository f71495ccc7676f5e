"""A password hash under gevent no longer freezes the other requests of
the worker: while one resident's scrypt runs, other greenlets go on. Run in
a child process, because gevent's monkey patching must come first and
would change the whole test session."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

CHILD = r"""
from gevent import monkey
monkey.patch_all()
import json, sys
import gevent
from werkzeug.security import check_password_hash, generate_password_hash
sys.path.insert(0, sys.argv[1])
from labo.core.offload import off_loop

stored = generate_password_hash("un mot de passe", method="scrypt")
ticks = []

def ticker():
    while True:
        ticks.append(1)
        gevent.sleep(0.002)

def during(call):
    ticks.clear()
    runner = gevent.spawn(ticker)
    gevent.sleep(0)  # the ticker starts
    before = len(ticks)
    matched = [call() for _ in range(3)]
    after = len(ticks)
    runner.kill()
    return after - before, all(matched)

inline = during(lambda: check_password_hash(stored, "un mot de passe"))
offloaded = during(lambda: off_loop(check_password_hash, stored, "un mot de passe"))
wrong = off_loop(check_password_hash, stored, "pas le bon")
print(json.dumps({"inline": inline, "offloaded": offloaded, "wrong": wrong}))
"""


def test_other_greenlets_run_while_a_password_is_checked():
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    inline_ticks, inline_ok = figures["inline"]
    offloaded_ticks, offloaded_ok = figures["offloaded"]
    assert inline_ok and offloaded_ok and figures["wrong"] is False
    assert inline_ticks == 0, "a hash in the event loop's thread lets nothing else run (the problem fixed)"
    assert offloaded_ticks >= 3, f"the other greenlets stood still during 3 hashes: {figures}"
