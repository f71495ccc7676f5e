"""Demo data of this feature, for `flask labo seed --demo` and the browser
tests: one letter for Lens, composed by its referent from the demo's
meetings, processes and fiches, with an introduction, not sent yet."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.extensions import db
from labo.letters import services
from labo.letters.models import Letter
from labo.territory.models import Commune

INTRO = ("Bonjour à toutes et à tous,\n\n"
         "Voici ce qui se passe au Labo ce mois-ci. Venez aux rencontres, même pour une première fois : "
         "c'est gratuit et ouvert à tout le monde.")


def seed(config: Mapping) -> int:
    if db.session.scalar(select(Letter.id).limit(1)) is not None:
        return 0
    referent = db.session.scalar(select(User).where(User.email == "referente.lens@labo.example"))
    lens = db.session.scalar(select(Commune).where(Commune.name == "Lens"))
    if referent is None or lens is None:
        return 0
    letter = services.compose_letter(referent, lens)
    db.session.flush()
    services.save_letter(referent, letter, title=letter.title, intro=INTRO, kept={i.id for i in letter.items})
    db.session.commit()
    return 1
