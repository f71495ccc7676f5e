"""The COPIL's view: who may see it, the evaluation indicators on a small
hand-built dataset, the aggregated opinions with every group under 5 people
hidden, the CSV exports and the printable report."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date, datetime, timedelta, timezone

import pytest

from labo.accounts.models import Role
from labo.contributions.models import Contribution
from labo.copil import services
from labo.copil.indicators import indicators
from labo.copil.periods import Period, default_period
from labo.copil.presentation import Row, Table, suppress_small
from labo.extensions import db
from labo.meetings.models import Meeting, Registration
from labo.processes.models import Participation, Tally, TallyLine
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_meeting, create_referent, create_user, insert_process

NOW = datetime.now(timezone.utc)
TODAY = NOW.date()
START = TODAY - timedelta(days=200)
PERIOD = {"from": START.isoformat(), "to": TODAY.isoformat()}
SECRET_NAMES = ("Zébulon Discret", "zebulon.discret@example.org")


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def held(n_days_ago: int, commune_slug: str = "wingles", **fields) -> Meeting:
    """A meeting held `n_days_ago` days ago."""
    return create_meeting(title=f"Rencontre il y a {n_days_ago} jours", starts_at=days_ago(n_days_ago),
                          commune_slug=commune_slug, venue="Salle", **fields)


def attend(meeting: Meeting, *people) -> None:
    for person in people:
        db.session.add(Registration(meeting_id=meeting.id, user_id=person.id, first_name="X", present=True,
                                    cancel_token=secrets.token_hex(12)))
    db.session.flush()


# The consultation the committee reads: opened 60 days ago for 30 days, its return due 10 days ago.
CONSULTATION = dict(title="Le square de la cité 12", question="Qu'en pensez-vous ?", level="consultation",
                    method="avis", options=(), secret=False, decision_rule="", commune_slug=None,
                    opens_at=days_ago(60), closes_at=days_ago(30), answer_by=TODAY - timedelta(days=10))


@pytest.fixture
def dataset():
    """3 meetings held in the period (and one cancelled, one before it), 7
    people present with an account, 2 of them at two meetings; one of them had
    come before the period. 6 live in Lens, 1 in Wingles."""
    before = held(300)
    first, second, third = held(150), held(100, "lens"), held(50)
    held(40, cancelled=True)
    people = [create_user(home="lens") for _ in range(6)] + [create_user(pseudonym=SECRET_NAMES[0],
                                                                          email=SECRET_NAMES[1], home="wingles")]
    people[0].age_band = "26_44"
    attend(before, people[0])
    attend(first, *people[:4])
    attend(second, people[0], people[1], people[4])
    attend(third, people[5], people[6])
    first.paper_count = 3
    db.session.commit()
    return people


@pytest.fixture
def consultation(dataset):
    """A consultation's opinions: 6 online from Lens (5 favourable, 1
    unfavourable), 4 online from Wingles and 5 from Liévin (favourable), 7 on paper."""
    process = insert_process(**CONSULTATION)
    lens_people = [create_user(home="lens") for _ in range(6)]
    wingles_people = [create_user(home="wingles") for _ in range(3)] + [dataset[6]]
    wingles_people += [create_user(home="lievin") for _ in range(5)]
    for i, person in enumerate(lens_people):
        db.session.add(Participation(process_id=process.id, user_id=person.id, commune_id=person.home_commune_id,
                                     stance="defavorable" if i == 0 else "favorable"))
    for person in wingles_people:
        db.session.add(Participation(process_id=process.id, user_id=person.id, commune_id=person.home_commune_id,
                                     stance="favorable"))
    tally = Tally(process_id=process.id, channel="paper", place="Mairie de Lens", held_on=TODAY - timedelta(days=40),
                  participants=7)
    tally.lines = [TallyLine(stance="favorable", count=3), TallyLine(stance="reserve", count=4)]
    db.session.add(tally)
    db.session.commit()
    return process


def copil_login(auth):
    create_user(email="copil@example.org", roles=[(Role.COPIL, None)])
    auth.login("copil@example.org")


def rows_of(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM French spreadsheets need
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def assert_no_small_number(cells) -> None:
    for cell in cells:
        assert cell not in {"1", "2", "3", "4"}, cells


# --- permissions -----------------------------------------------------------

PAGES = ["/copil/", "/copil/demarches/{id}", "/copil/rapport", "/copil/export/communes.csv",
         "/copil/export/toutes-commune.csv", "/copil/demarches/{id}/export/commune.csv"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    process = insert_process(**CONSULTATION)
    db.session.commit()
    response = client.get(path.format(id=process.id))
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("who", ["resident", "referent", "animator", "ambassador"])
def test_residents_referents_and_animators_are_refused(client, auth, who):
    process = insert_process(**CONSULTATION)
    if who == "referent":
        create_referent("lens", email="who@example.org")
    else:
        roles = {"resident": [], "animator": [(Role.ANIMATOR, None)], "ambassador": [(Role.AMBASSADOR, None)]}[who]
        create_user(email="who@example.org", roles=roles)
    auth.login("who@example.org")
    assert "/copil/" not in page_text(client.get("/"))  # no COPIL link in the menu
    for path in PAGES:
        assert client.get(path.format(id=process.id)).status_code == 403, path


@pytest.mark.parametrize("who", ["copil", "admin"])
def test_copil_members_and_administrators_see_every_page_and_export(client, auth, who, consultation):
    if who == "admin":
        create_admin(email="who@example.org")
    else:
        create_user(email="who@example.org", roles=[(Role.COPIL, None)])
    auth.login("who@example.org")
    assert 'href="/copil/"' in client.get("/").get_data(as_text=True)
    for path in PAGES:
        response = client.get(path.format(id=consultation.id))
        assert response.status_code == 200, path


# --- the period ------------------------------------------------------------


def test_the_default_period_is_the_last_twelve_months():
    period = default_period(date(2026, 11, 25))
    assert (period.start, period.end) == (date(2025, 12, 1), date(2026, 11, 25))
    assert len(period.months()) == 12


@pytest.mark.parametrize("start,end,message", [
    ("2026-13-01", "", "AAAA-MM-JJ"),
    ("hier", "", "AAAA-MM-JJ"),
    ("2025-06-01", "2025-01-01", "doit précéder"),
    ("1990-01-01", "2000-06-01", "dix ans au plus"),
    ("2001-01-01", "2024-01-01", "dix ans au plus"),
])
def test_a_nonsense_period_gets_a_400_with_a_message(client, auth, start, end, message):
    copil_login(auth)
    for path in ("/copil/", "/copil/rapport", "/copil/export/moments.csv"):
        response = client.get(path, query_string={"from": start, "to": end})
        assert response.status_code == 400, path
        assert message in page_text(response), path
    page = page_text(client.get("/copil/", query_string={"from": start, "to": end}))
    assert 'aria-invalid="true"' in page  # the form says which date is wrong


def test_an_unknown_export_is_a_404(client, auth):
    copil_login(auth)
    assert client.get("/copil/export/personnes.csv").status_code == 404


# --- the indicators --------------------------------------------------------


def test_indicators_count_moments_newcomers_and_returning_people(app, dataset):
    period = Period(START, TODAY)
    figures = indicators(period, app.config["LABO_ANSWER_DAYS"])
    assert figures.meetings == 3  # neither the cancelled one nor the one before the period
    assert figures.participants == 7
    assert figures.returning == 2  # present at two moments of the period
    assert figures.newcomers == 6  # the seventh had come before the period
    assert figures.attendances == 4 + 3 + 3 + 2  # people signed in, and the paper count
    moments = next(t for t in figures.tables if t.key == "moments")
    assert sum(row.values[0] for row in moments.rows) == 3 and all(row.values[1] == 0 for row in moments.rows)
    assert figures.per_month == round(3 / len(period.months()), 2)
    communes = next(t for t in figures.tables if t.key == "communes")
    assert {row.label: row.values[0] for row in communes.rows} == {"Lens": 6, "Wingles": 1}


def test_contributions_by_kind_initiatives_and_returns_on_time(app, dataset):
    days = app.config["LABO_ANSWER_DAYS"]
    author = dataset[0]
    lens = commune("lens")

    def contribution(kind, created, answered=None):
        db.session.add(Contribution(kind=kind, title="Un banc", body="<p>Un banc</p>", commune=lens, author=author,
                                    created_at=created, answered_at=answered, answer="Oui" if answered else None))

    contribution("initiative", days_ago(days + 30), days_ago(days + 20))  # answered within the delay
    contribution("initiative", days_ago(days + 30), days_ago(5))          # answered late
    contribution("idee", days_ago(days + 10))                            # no answer, delay over
    contribution("idee", days_ago(3))                                    # no answer yet, still in time
    contribution("idee", days_ago(400))                                  # before the period
    late = TODAY - timedelta(days=20)
    insert_process(**CONSULTATION | dict(title="À l'heure", answer_by=late, return_published_at=days_ago(25)))
    insert_process(**CONSULTATION | dict(title="En retard", answer_by=late, return_published_at=days_ago(2)))
    insert_process(**CONSULTATION | dict(title="Sans retour", answer_by=late))
    insert_process(**CONSULTATION | dict(title="Codécision", level="codecision", method="majority_judgment",
                                         answer_by=TODAY))  # due today: pending
    db.session.commit()
    figures = indicators(Period(TODAY - timedelta(days=days + 60), TODAY), days)
    by_key = {t.key: t for t in figures.tables}
    assert figures.initiatives == 2
    assert {r.label: r.values[0] for r in by_key["contributions"].rows} == {
        "Une idée": 2, "Une envie": 0, "Une initiative": 2, "Une question": 0}
    contributions, processes = by_key["returns"].rows
    assert contributions.values == [1, 1, 1, 1]
    assert processes.values == [1, 1, 1, 1]
    assert {r.label: r.values[0] for r in by_key["levels"].rows} == {
        "Information": 0, "Consultation": 3, "Concertation": 0, "Codécision": 1}


# --- suppression -----------------------------------------------------------


def test_suppression_hides_small_groups_and_a_second_cell_where_a_total_would_give_them_away():
    table = Table("t", "T", "Commune", ["Favorable", "Défavorable"], [
        Row("Lens", [9, 1]), Row("Liévin", [6, 6]), Row("Wingles", [4, 0])])
    shown = suppress_small(table)
    cells = {row.label: c for row, c in shown.rows}
    assert cells["Wingles"] == ["< 5", "< 5", "< 5"]  # a group of 4: all of it, its 0 too
    assert cells["Lens"][1] == "< 5"
    assert cells["Lens"][0] == "masqué"  # else 10 - 9 gives the 1 away
    assert cells["Lens"][2] == "masqué"  # else 26 - 12 - 10 gives Wingles' 4 away
    assert cells["Liévin"] == ["6", "6", "12"] and shown.total == ["19", "7", "26"]
    for line in [c for _, c in shown.rows] + [shown.total]:
        assert sum(1 for c in line if c in ("< 5", "masqué")) != 1
    for j in range(3):
        column = [c[j] for _, c in shown.rows] + [shown.total[j]]
        assert sum(1 for c in column if c in ("< 5", "masqué")) != 1
    assert shown.chart["datasets"][0]["data"] == [None, 6, None]  # no hidden figure in the chart either


def test_counts_of_things_are_not_suppressed():
    table = Table("k", "K", "Nature", ["Contributions"], [Row("Initiative", [2])], people=False)
    assert suppress_small(table).rows[0][1] == ["2"]


def test_no_page_or_export_shows_a_group_under_five_or_anyone_s_name(client, auth, consultation):
    copil_login(auth)
    pages = [page_text(client.get("/copil/", query_string=PERIOD)),
             page_text(client.get(f"/copil/demarches/{consultation.id}")),
             page_text(client.get("/copil/rapport", query_string=PERIOD))]
    for page in pages:
        for secret in SECRET_NAMES:
            assert secret not in page
        assert "< 5" in page
    # Opinions by commune for the process: Lens (6) shows, Wingles (4) is hidden
    # whole, and Liévin's total (5) too, else the total (15) would give Wingles away
    # (and so its 5 favourable opinions, which would give its total).
    rows = rows_of(client.get(f"/copil/demarches/{consultation.id}/export/commune.csv"))
    assert rows[0] == ["Commune", "Favorable", "Réservé", "Défavorable", "Autre participation", "Total"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Lens"][-1] == "6" and by_label["Lens"][2] == "< 5"
    assert by_label["Wingles"] == ["< 5"] * 5
    assert by_label["Liévin"][0] == by_label["Liévin"][-1] == "masqué" and by_label["Total"][-1] == "15"
    # Every CSV, for the period and for the process, holds no count from 1 to 4 and no name.
    exports = [f"/copil/export/{key}.csv" for key in ("moments", "participation", "communes", "ages", "contributions",
                                                       "themes", "returns", "levels", "demarches", "toutes-canal",
                                                       "toutes-commune", "toutes-qpv", "toutes-age")]
    exports += [f"/copil/demarches/{consultation.id}/export/{key}.csv"
                for key in ("demarches", "canal", "commune", "qpv", "age")]
    people_exports = [e for e in exports if not any(k in e for k in ("moments", "contributions", "themes",
                                                                       "returns", "levels"))]
    for path in exports:
        response = client.get(path, query_string=PERIOD)
        assert response.status_code == 200, path
        assert response.mimetype == "text/csv"
        text = response.get_data(as_text=True)
        for secret in SECRET_NAMES:
            assert secret not in text
        if path in people_exports:
            for row in rows_of(response)[1:]:
                assert_no_small_number(row[1:])
    communes = {r[0]: r[1] for r in rows_of(client.get("/copil/export/communes.csv", query_string=PERIOD))[1:]}
    assert communes["Wingles"] == "< 5" and communes["Lens"] == "masqué" and communes["Total"] == "7"
    channel = {r[0]: r[1:] for r in rows_of(client.get(f"/copil/demarches/{consultation.id}/export/canal.csv"))[1:]}
    assert channel["Sur papier"][-1] == "7" and channel["En ligne"][-1] == "15"


def test_csv_cells_cannot_run_as_formulas(client, auth, dataset):
    insert_process(**CONSULTATION | dict(title="=HYPERLINK(\"http://example.org\")"))
    db.session.commit()
    copil_login(auth)
    rows = rows_of(client.get("/copil/export/demarches.csv", query_string=PERIOD))
    assert rows[0][0] == "Démarche"
    assert rows[1][0].startswith("'=")


def test_the_dashboard_shows_charts_with_their_tables_and_the_report_has_no_menu(client, auth, consultation):
    copil_login(auth)
    page = client.get("/copil/", query_string=PERIOD).get_data(as_text=True)
    assert page.count("data-chart=") >= 8 and page.count("<table") == page.count("data-chart=")
    assert "/static/vendor/chart.umd.min.js" in page and "<script>" not in page
    assert "Le square de la cité 12" in page
    report = client.get("/copil/rapport", query_string=PERIOD).get_data(as_text=True)
    assert 'class="main-nav"' not in report and "Le square de la cité 12" in report
    assert "Rapport d'évaluation" in page_text(client.get("/copil/rapport", query_string=PERIOD))


def test_a_draft_or_missing_process_is_not_found(client, auth):
    process = insert_process(**CONSULTATION | dict(published=False))
    db.session.commit()
    copil_login(auth)
    assert client.get(f"/copil/demarches/{process.id}").status_code == 404
    assert client.get("/copil/demarches/999999").status_code == 404


def test_an_english_speaking_copil_member_reads_the_figures_in_english(client, auth, consultation):
    copil_login(auth)
    page = page_text(client.get(f"/copil/demarches/{consultation.id}", headers={"Accept-Language": "en"}))
    assert "Opinions by town" in page and "Avis par commune" not in page
    rows = rows_of(client.get(f"/copil/demarches/{consultation.id}/export/commune.csv",
                              headers={"Accept-Language": "en"}))
    assert rows[0][0] == "Town" and rows[0][-1] == "Total" and "Other participation" in rows[0]
    assert {"< 5", "hidden"} <= {cell for row in rows for cell in row}


# --- the figures kept a few minutes ----------------------------------------


@pytest.fixture
def kept(app, monkeypatch):
    """The dashboard's figures kept 5 minutes, as on a running site (0 in
    tests), on a clock the test moves on: `kept(seconds)`."""
    monkeypatch.setitem(app.config, "LABO_COPIL_CACHE_SECONDS", 300)
    clock = [1000.0]
    monkeypatch.setattr(services.DASHBOARDS, "clock", lambda: clock[0])
    services.DASHBOARDS.clear()

    def wait(seconds: float) -> None:
        clock[0] += seconds

    yield wait
    services.DASHBOARDS.clear()


def people_with_an_account(client, **headers) -> str:
    rows = rows_of(client.get("/copil/export/participation.csv", query_string=PERIOD, headers=headers))
    return rows[2][1]  # header, attendances, then people who came with an account


def test_the_dashboard_keeps_its_figures_a_few_minutes_per_period_and_language(app, client, auth, dataset, kept):
    copil_login(auth)
    assert people_with_an_account(client) == "7"
    attend(held(20), create_user(home="lens"))
    db.session.commit()
    assert people_with_an_account(client) == "7"  # kept
    page = page_text(client.get("/copil/", query_string=PERIOD))
    assert "Participation aux rencontres" in page
    assert "ils sont recomptés au plus toutes les 5 minutes." in page  # the committee knows how fresh
    assert people_with_an_account(client, **{"Accept-Language": "en"}) == "8"  # counted afresh, in English
    kept(299)
    assert people_with_an_account(client) == "7"  # still within its 5 minutes
    kept(2)
    assert people_with_an_account(client) == "8"  # its 5 minutes are over: counted afresh
    attend(held(21), create_user(home="lens"))
    db.session.commit()
    app.config["LABO_COPIL_CACHE_SECONDS"] = 0
    assert people_with_an_account(client) == "9"  # not kept at all
    assert "recomptés" not in page_text(client.get("/copil/", query_string=PERIOD))


def test_an_answer_given_on_the_last_moment_of_the_delay_is_in_time(app, dataset):
    days = app.config["LABO_ANSWER_DAYS"]
    created = datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    for answered in (created + timedelta(days=days), created + timedelta(days=days, microseconds=1)):
        db.session.add(Contribution(kind="idee", title="Un banc", body="<p>Un banc</p>", commune=commune("lens"),
                                    author=dataset[0], created_at=created, answered_at=answered, answer="Oui"))
    db.session.commit()
    figures = indicators(Period(date(2026, 1, 1), date(2026, 1, 1)), days)
    returns = next(t for t in figures.tables if t.key == "returns")
    assert returns.rows[0].values == [1, 1, 0, 0]
