"""The four levels of participation, said once for every process that
announces up front how much say its participants have."""
from __future__ import annotations

import enum

from labo.core.i18n import _l


class Level(str, enum.Enum):
    INFORMATION = "information"
    CONSULTATION = "consultation"
    CONCERTATION = "concertation"
    CODECISION = "codecision"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def power(self) -> str:
        """One plain sentence: how much power the participants have."""
        return str(LEVEL_POWER[self])


LEVEL_LABELS = {
    Level.INFORMATION: _l("Information"),
    Level.CONSULTATION: _l("Consultation"),
    Level.CONCERTATION: _l("Concertation"),
    Level.CODECISION: _l("Codécision"),
}

LEVEL_POWER = {
    Level.INFORMATION: _l("On vous explique ce qui est prévu : c'est de l'information, la décision est déjà prise."),
    Level.CONSULTATION: _l("On vous demande votre avis avant de décider : la décision reste à ceux qui décident."),
    Level.CONCERTATION: _l("Le groupe fait des propositions : ceux qui décident tranchent et disent ce qu'ils en font."),
    Level.CODECISION: _l("Le groupe et ceux qui décident prennent la décision ensemble."),
}

LEVEL_VALUES = tuple(level.value for level in Level)


def level_choices(empty_label: str | None = None) -> list[tuple[str, str]]:
    """A select's or radio group's choices, in order of increasing power."""
    choices = [("", empty_label)] if empty_label is not None else []
    return choices + [(level.value, LEVEL_LABELS[level]) for level in Level]
