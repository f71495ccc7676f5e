"""The fund's demo data (issue 22): last year's round closed with funded and
refused projects, this year's open, made once."""
from __future__ import annotations

from sqlalchemy import select

from labo.demo import seed_demo
from labo.extensions import db
from labo.fund import demo, services
from labo.fund.models import FundRound
from tests.conftest import page_text


def test_the_demo_has_a_closed_round_with_its_decisions_and_an_open_one(app, client):
    seed_demo(app.config)
    assert demo.seed(app.config) == 2
    assert demo.seed(app.config) == 0  # once
    closed, open_round = db.session.scalars(select(FundRound).order_by(FundRound.id)).all()
    assert (closed.state, open_round.state) == ("done", "open")
    assert closed.residents_in_majority
    assert services.envelope(closed) == {"total": 1_000_000, "granted": 200_000, "paid": 80_000, "left": 800_000}
    page = page_text(client.get(f"/fonds/{closed.id}")).replace("\u202f", " ")
    assert "Une fresque au city-stade" in page and "Projet non retenu" in page and "Reste à accorder : 8 000 €" in page
    assert "Josiane Martin" not in page
    assert "Un jardin partagé rue Zola" not in page_text(client.get(f"/fonds/{open_round.id}"))  # before the committee
