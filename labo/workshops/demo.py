"""Demo data of this feature, for `flask labo seed --demo` and the browser
tests: the Avion meeting's workshop on young people (notes from phones,
groups, dots, a synthesis), and an open board for the coming Liévin meeting."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.extensions import db
from labo.meetings.models import Meeting
from labo.workshops import services
from labo.workshops.models import Board, Phase

# (column, text, group title or None)
AVION_NOTES = [
    (0, "Le city-stade est plein tous les soirs", None),
    (0, "Les animateurs du centre social nous écoutent", None),
    (1, "Un endroit couvert pour se retrouver l'hiver", "Un lieu à nous"),
    (1, "Une salle ouverte le soir, même une fois par semaine", "Un lieu à nous"),
    (1, "Des bus après 20 heures pour rentrer de Lens", "Se déplacer"),
    (1, "Le permis coûte trop cher", "Se déplacer"),
    (2, "Un conseil des jeunes qui parle vraiment aux élus", None),
    (2, "Des stages dans les entreprises du coin, avec un parrain", None),
]
PEOPLE = ["Inès", "Yanis", "Lou", "Mehdi", "Sarah", "Kylian"]


def seed(config: Mapping) -> int:
    if db.session.scalar(select(Board.id).limit(1)) is not None:
        return 0
    animator = db.session.scalar(select(User).where(User.email == "animatrice@labo.example"))
    avion = db.session.scalar(select(Meeting).where(Meeting.title == "Rencontre du Labo à Avion"))
    lievin = db.session.scalar(select(Meeting).where(Meeting.title == "Rencontre du Labo à Liévin"))
    if animator is None or avion is None or lievin is None:
        return 0
    board = services.create_board(animator, title="Les jeunes et la participation", meeting=avion, dots_per_person=3)
    people = [services.join_board(board, name) for name in PEOPLE]
    groups: dict[str, object] = {}
    for n, (column, text, group) in enumerate(AVION_NOTES):
        note, _created = services.post_note(board, people[n % len(people)], column_id=board.columns[column].id,
                                            text=text, client_key=f"demo-avion-{n:02d}")
        if group:
            if group in groups:
                services.group_notes(board, note, onto_group=groups[group])
            elif (group, "first") in groups:
                grouping = services.group_notes(board, note, onto_note=groups[(group, "first")], title=group)
                groups[group] = grouping.group
            else:
                groups[(group, "first")] = note
    services.set_phase(animator, board, Phase.VOTING.value)
    targets = [("group", groups["Un lieu à nous"].id), ("group", groups["Se déplacer"].id)]
    for n, person in enumerate(people):
        services.place_dot(board, person, *targets[n % 2])
        services.place_dot(board, person, *targets[0])
    services.set_phase(animator, board, Phase.SYNTHESIS.value)
    services.set_flags(board, locked=True)
    board.created_at = avion.starts_at  # held on the day of the meeting
    services.create_board(animator, title="Nos quartiers en 2030 : ce qui compte pour vous", meeting=lievin,
                          dots_per_person=3)
    db.session.flush()
    return 2
