"""Builders for the ballots' tests: a process of any level and method, and
the database moved in time (closing a process)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Optional

from labo.core.levels import Level
from labo.extensions import db
from labo.processes.models import Method, Option, Process
from tests.factories import commune


def make_process(*, level: str = Level.CODECISION.value, method: str = Method.MAJORITY_JUDGMENT.value,
                 secret: Optional[bool] = None, options=("Parc", "Jardins", "Terrain de sport"),
                 commune_slug: Optional[str] = "lens", opened_days_ago: int = 1, closes_in_days: int = 10,
                 max_choices: Optional[int] = None, published: bool = True, verified_only: bool = False,
                 title: str = "Le square de la rue Zola") -> Process:
    now = datetime.now(timezone.utc)
    process = Process(
        title=title, question="Que faire du terrain vague ?", decider="Conseil municipal de Lens",
        level=level, method=method, secret=(level == Level.CODECISION.value) if secret is None else secret,
        decision_rule="La meilleure mention majoritaire l'emporte.", max_choices=max_choices,
        opens_at=now - timedelta(days=opened_days_ago), closes_at=now + timedelta(days=closes_in_days),
        answer_by=date.today() + timedelta(days=closes_in_days + 30), verified_only=verified_only,
        commune=commune(commune_slug) if commune_slug else None, published=published,
    )
    process.options = [Option(label=label, position=i) for i, label in enumerate(options)]
    db.session.add(process)
    db.session.commit()
    return process


def close(process: Process) -> None:
    """Move the closing into the past (opening before it)."""
    now = datetime.now(timezone.utc)
    process.opens_at = now - timedelta(days=20)
    process.closes_at = now - timedelta(minutes=1)
    db.session.commit()


def option_ids(process: Process) -> list[int]:
    return [o.id for o in process.options]
