"""Schemathesis against /api/v1: every operation of the app's own OpenAPI
document, with requests generated from its schemas (valid ones and invalid
ones), sent in-process over WSGI to the suite's app on the demo data.

Half of the requests whose path has an {id} take the id of a real
contribution, meeting, fiche or process (published or not, and one past the
last), and most valid ones take real communes, QPV and themes, so that the
answers are not all 404s and 400s; one valid request in eight has a NUL
character in a text (a 500 on PostgreSQL until the site refused them).

A case fails on a 5xx, on a response the document does not describe (status
code, content type, headers, body schema), on valid input refused or invalid
input accepted. The POSTs are sent as a logged-in resident with the session
cookie and the CSRF token; the rate limit stays on and is reset every
RESET_LIMIT_EVERY cases, so that 429s are met and checked too.
"""
from __future__ import annotations

import contextvars
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.errors import FailureGroup
from sqlalchemy import select

from labo.extensions import db, limiter
from tests.conftest import Auth

MIN_CASES = 1000
EXAMPLES_PER_MODE = 60  # per operation, for the valid requests and again for the invalid ones
RESET_LIMIT_EVERY = 40  # the write limit is 30 a minute per account
# Fields whose valid values are data, not schema: a commune, a QPV (of that
# commune) or a theme of the territory. A valid string that names none of them may get a 400 that
# says so in `errors`.
DATA_FIELDS = {"commune", "qpv", "theme"}
GRADES = ["excellent", "tres_bien", "bien", "assez_bien", "passable", "insuffisant", "a_rejeter"]
# A participation's body is valid or not by the process's method and options.
DATA_BODIES = {"POST /processes/{id}/participations"}


def _holds_nul(case) -> bool:
    def holds(value) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(holds(k) or holds(v) for k, v in value.items())
        return isinstance(value, list) and any(holds(v) for v in value)

    return any(holds(part) for part in (case.query, case.body, case.path_parameters))


def positive_data_acceptance(ctx, response, case):
    """Schemathesis's own check, but for a 400 that blames only data (see
    DATA_FIELDS) or a text holding U+0000, which the site refuses everywhere
    (PostgreSQL cannot store it; a schema cannot say so of every string)."""
    if response.status_code == 400 and _holds_nul(case):
        return None
    if response.status_code == 400:
        try:
            blamed = set(response.json().get("errors") or {})
        except (ValueError, AttributeError):
            blamed = set()
        if blamed and (case.operation.label in DATA_BODIES or blamed <= DATA_FIELDS):
            return None
    return checks.positive_data_acceptance(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    positive_data_acceptance,
    checks.missing_required_header,
]


def _seed_demo(app) -> None:
    from labo.demo import (seed_demo, seed_demo_actors, seed_demo_contributions, seed_demo_features,
                           seed_demo_meetings)

    seed_demo(app.config)
    seed_demo_contributions(app.config)
    seed_demo_meetings(app.config)
    seed_demo_actors(app.config)
    seed_demo_features(app.config)
    db.session.commit()


def _real_ids() -> dict[str, list[int]]:
    """For each collection with /{id}: every id in its table, and one past the last."""
    from labo.contributions.models import Contribution
    from labo.fiches.models import Fiche
    from labo.meetings.models import Meeting
    from labo.processes.models import Process

    ids = {}
    for prefix, model in (("/contributions/", Contribution), ("/fiches/", Fiche), ("/meetings/", Meeting),
                          ("/processes/", Process)):
        found = list(db.session.scalars(select(model.id).order_by(model.id)))
        assert len(found) >= 3, f"the demo data has too few {model.__name__}"
        ids[prefix] = found + [max(found) + 1]
    return ids


def _real_values() -> dict[str, list]:
    """Places (a commune's slug, with one of its QPV's code or slug, or none),
    themes, and each process's option ids."""
    from labo.processes.models import Option
    from labo.territory.models import Ambition, Commune

    places = []
    for commune in db.session.scalars(select(Commune).order_by(Commune.slug)):
        places.append((commune.slug, None))
        places += [(commune.slug, q.code or q.slug) for q in commune.qpvs]
    options: dict[int, list[int]] = {}
    for process_id, option_id in db.session.execute(select(Option.process_id, Option.id).order_by(Option.id)):
        options.setdefault(process_id, []).append(option_id)
    return {"place": places, "theme": ["p1", "p2", "p3", *sorted(db.session.scalars(select(Ambition.slug)))],
            "options": options}


def _logged_in(app) -> tuple[dict[str, str], dict[str, str]]:
    """A resident's session cookie, and the CSRF token of that session."""
    from labo.demo import DEMO_PASSWORD

    client = app.test_client()
    auth = Auth(client)
    assert auth.login("habitante@labo.example", DEMO_PASSWORD).status_code == 302
    token = auth.csrf("/")
    return {"session": client.get_cookie("session").value}, {"X-CSRFToken": token}


def _strategy(operation, mode: GenerationMode, ids: dict[str, list[int]], values: dict[str, list]):
    generated = operation.as_strategy(generation_mode=mode)
    prefix = next((p for p in ids if operation.path.startswith(p)), None)
    if prefix is not None:
        generated = st.one_of(generated, st.sampled_from(ids[prefix]).flatmap(
            lambda i: operation.as_strategy(generation_mode=mode, path_parameters={"id": i})))
    if mode is not GenerationMode.POSITIVE or not (operation.query or operation.body):
        return generated  # a real value could make an invalid case valid

    def put(drawn):
        case, picks, nul = drawn
        for where in (case.query, case.body):
            if not isinstance(where, dict):
                continue
            if "place" in picks and "commune" in where:
                where["commune"], qpv = picks["place"]
                if qpv is None:
                    where.pop("qpv", None)
                elif "qpv" in where:
                    where["qpv"] = qpv
            if "theme" in picks and "theme" in where:
                where["theme"] = picks["theme"]
        options = values["options"].get(case.path_parameters.get("id") if case.path_parameters else None)
        if options and isinstance(case.body, dict) and picks.get("ballot"):  # a ballot of that process's options
            if "choices" in case.body:
                case.body["choices"] = options[:picks["ballot"]]
            if "grades" in case.body:
                case.body["grades"] = {str(o): GRADES[(n + picks["ballot"]) % len(GRADES)] for n, o in enumerate(options)}
        if nul:  # one case in eight: a NUL character in the first text (PostgreSQL refuses it)
            for where in (case.query, case.body):
                text = next((k for k, v in (where or {}).items() if isinstance(v, str)), None) \
                    if isinstance(where, dict) else None
                if text is not None:
                    where[text] = where[text][:3] + "\x00" + where[text][3:]
                    break
        return case

    # A real value three times out of four, else the generated one.
    picks = st.fixed_dictionaries({
        **{name: st.sampled_from([None] * (len(values[name]) // 3) + values[name]) for name in ("place", "theme")},
        "ballot": st.integers(0, 3),  # how many options to choose; 0: the generated ballot
    }).map(lambda d: {k: v for k, v in d.items() if v is not None})
    return st.tuples(generated, picks, st.integers(0, 7).map(lambda n: n == 5)).map(put)


def test_the_api_answers_over_a_thousand_generated_requests_as_its_openapi_document_says(app):
    _seed_demo(app)
    ids, values = _real_ids(), _real_values()
    cookies, headers = _logged_in(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    cases: Counter = Counter()
    statuses: Counter = Counter()
    failures: dict[tuple[str, str], str] = {}
    started = time.monotonic()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=_strategy(operation, mode, ids, values))
            def run(case):
                if sum(cases.values()) % RESET_LIMIT_EVERY == 0:
                    limiter.reset()
                cases[operation.label] += 1
                db.session.commit()  # the test's own transaction ends before each request
                # Each request in its own context, as in production (see IsolatedClient in tests/conftest.py).
                response = contextvars.Context().run(case.call, headers=headers, cookies=cookies)
                statuses[f"{operation.label} {response.status_code}"] += 1
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except FailureGroup as group:  # go on: every distinct failure is reported at the end
                    for failure in group.exceptions:
                        failures.setdefault((operation.label, failure.title),
                                            f"{case.as_curl_command(headers=headers)}\n{group}")

            try:
                run()
            except Unsatisfiable:  # no parameter and no body: nothing to make invalid
                assert mode is GenerationMode.NEGATIVE and not operation.path_parameters \
                    and not operation.query and not operation.body

    elapsed = time.monotonic() - started
    total = sum(cases.values())
    print(f"\nschemathesis: {total} cases over {len(operations)} operations in {elapsed:.1f} s")
    for label, n in sorted(cases.items()):
        answers = ", ".join(f"{key.rsplit(' ', 1)[1]}: {count}" for key, count in sorted(statuses.items())
                            if key.rsplit(" ", 1)[0] == label)
        print(f"  {label}: {n} cases ({answers})")
    assert not failures, "\n\n".join(f"{label}: {title}\n{detail}" for (label, title), detail in failures.items())
    assert total >= MIN_CASES, f"only {total} generated cases ran"
