"""Simulated residents for bench/scale.py --locust (run by it; see bench/README.md).

Each user logs in once through the site's form (a distinct seeded account;
a login that fails, a 503 while the ramp queues, is tried again up to 5
times, and the retries are reported), then, with a pause of
LABO_LOCUST_WAIT seconds ("2,6": 2 to 6 s) between actions, browses the
contribution list (all, or one commune), reads a contribution, reads a
process, posts a contribution (the form first, then the POST), supports
one (its page, then the POST), votes in the open approval ballot (its
page, then the POST) and gives an opinion in the open consultation. POSTs
do not follow their redirect: the page a browser would load next is a
request of its own ("... (after)"), so every figure is one request. The
data (accounts, ids) comes from the JSON file named by
LABO_LOCUST_DATA, written by bench/scale.py.

The measured window opens one second after the last user has logged in
(logins, scrypt-hashed, come in the ramp and are reported apart) and closes
LABO_LOCUST_SECONDS later, when this file stops the run; every request of
the window (name, time, failed or not) is written to LABO_LOCUST_OUT as
JSON, from which bench/scale.py computes its percentiles."""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LABO_LOCUST_DATA"]).read())
_emails = itertools.cycle(DATA["emails"])
_lo, _hi = (float(x) for x in os.environ.get("LABO_LOCUST_WAIT", "2,6").split(","))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OPTION = re.compile(r'name="options?" id="option-(\d+)" value="(\d+)"')
USERS = int(os.environ["LABO_LOCUST_USERS"])
SECONDS = float(os.environ["LABO_LOCUST_SECONDS"])
WINDOW: dict = {"logged_in": 0, "login_retries": 0, "login_failed": 0, "start": None, "end": None, "requests": []}
LOGIN_ATTEMPTS = 5

WORDS = "jardin parc banc lumière bus vélo marché fête voisins jeunes école trottoir propreté arbres".split()


def token(text: str) -> str:
    found = TOKEN.search(text)
    return found.group(1) if found else ""


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw):
    start = WINDOW["start"]
    if start is not None and WINDOW["end"] is None and time.time() >= start:
        WINDOW["requests"].append((f"{request_type} {name}", response_time, exception is not None))


def _stop_after_window(environment):
    while WINDOW["start"] is None:
        gevent.sleep(0.2)
    gevent.sleep(max(0.0, WINDOW["start"] - time.time()) + SECONDS)
    WINDOW["end"] = time.time()
    environment.runner.quit()


@events.test_start.add_listener
def _on_start(environment, **_kw):
    gevent.spawn(_stop_after_window, environment)


@events.quitting.add_listener
def _on_quit(environment, **_kw):
    WINDOW["end"] = WINDOW["end"] or time.time()
    with open(os.environ["LABO_LOCUST_OUT"], "w") as fh:
        json.dump({k: WINDOW[k] for k in ("start", "end", "logged_in", "login_retries", "login_failed", "requests")},
                  fh)


class Resident(HttpUser):
    wait_time = between(_lo, _hi)

    def on_start(self):
        self.rng = random.Random()
        email = next(_emails)
        for _attempt in range(LOGIN_ATTEMPTS):
            # As a resident would: a login that failed (a 503 in the ramp's queue) is tried
            # again, so that the window measures signed-in residents, not anonymous ones.
            page = self.client.get("/compte/connexion", name="login form")
            answer = self.client.post("/compte/connexion", name="login POST", allow_redirects=False, data={
                "email": email, "password": DATA["password"], "csrf_token": token(page.text)})
            if answer.status_code == 302 and "/compte/connexion" not in answer.headers.get("Location", ""):
                break
            WINDOW["login_retries"] += 1
            gevent.sleep(self.rng.uniform(1, 3))
        else:
            WINDOW["login_failed"] += 1
        WINDOW["logged_in"] += 1
        if WINDOW["logged_in"] == USERS:
            WINDOW["start"] = time.time() + 1

    def _post(self, url: str, name: str, data: dict):
        with self.client.post(url, name=name, data=data, allow_redirects=False, catch_response=True) as resp:
            if resp.status_code not in (302, 303):
                resp.failure(f"{resp.status_code} instead of a redirect")
                return
            resp.success()
        location = resp.headers.get("Location", "")
        if location:
            self.client.get(location, name=f"{name} (after)")

    @task(6)
    def browse_list(self):
        if self.rng.random() < 0.3:
            self.client.get(f"/idees/?commune={self.rng.choice(DATA['communes'])}&page={self.rng.randint(1, 5)}",
                            name="/idees/?commune=…")
        else:
            self.client.get(f"/idees/?page={self.rng.randint(1, 3)}", name="/idees/?page=…")

    @task(6)
    def read_contribution(self):
        self.client.get(f"/idees/{self.rng.choice(DATA['contributions'])}", name="/idees/<id>")

    @task(3)
    def read_process(self):
        self.client.get(f"/demarches/{self.rng.choice(DATA['processes'])}", name="/demarches/<id>")

    @task(1)
    def post_contribution(self):
        form = self.client.get("/idees/nouvelle", name="/idees/nouvelle (form)")
        commune = re.search(r'<option value="(\d+)"', form.text.split('name="commune"', 1)[-1])
        self._post("/idees/nouvelle", "/idees/nouvelle POST", {
            "csrf_token": token(form.text), "kind": self.rng.choice(("idee", "envie", "initiative", "question")),
            "title": " ".join(self.rng.choices(WORDS, k=4)).capitalize(),
            "body": " ".join(self.rng.choices(WORDS, k=30)), "commune": commune.group(1) if commune else "9",
            "qpv": "", "theme": "", "photo_alt": ""})

    @task(2)
    def support(self):
        cid = self.rng.choice(DATA["contributions"])
        page = self.client.get(f"/idees/{cid}", name="/idees/<id>")
        self._post(f"/idees/{cid}/soutenir", "/idees/<id>/soutenir POST", {"csrf_token": token(page.text)})

    @task(2)
    def vote(self):
        pid = DATA["open_approval"]
        page = self.client.get(f"/demarches/{pid}", name="/demarches/<id> (ballot)")
        options = sorted({m.group(2) for m in OPTION.finditer(page.text)})
        if not options:
            return
        self._post(f"/demarches/{pid}/vote", "/demarches/<id>/vote POST",
                   {"csrf_token": token(page.text), "options": self.rng.sample(options, 1)})

    @task(2)
    def give_opinion(self):
        pid = DATA["open_opinions"]
        page = self.client.get(f"/demarches/{pid}", name="/demarches/<id> (opinions)")
        self._post(f"/demarches/{pid}/avis", "/demarches/<id>/avis POST", {
            "csrf_token": token(page.text), "stance": self.rng.choice(("favorable", "reserve", "defavorable")),
            "comment": " ".join(self.rng.choices(WORDS, k=8)) if self.rng.random() < 0.3 else ""})
