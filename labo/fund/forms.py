"""Forms of the micro-projects fund: a round (administrators) and its
committee. Money is typed as people write it ("1 500", "1500,50 €") and
held in cents (`EurosField`)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Optional

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, Length, NumberRange, StopValidation
from wtforms.widgets import TextInput

from labo.core.forms import SelectField
from labo.core.i18n import _l

WHOLE_CHOICE = "tout"  # the scope select's value for the whole agglomeration
MAX_CENTS = 100_000_000_00  # a hundred million euros: beyond, a typing mistake

_SPACES = re.compile(r"[\s\u00a0\u202f'’]")


def parse_euros(text: str) -> Optional[int]:
    """Cents for an amount as people type it: "1500", "1 500", "1 500,50 €",
    "1500.5", "1.500,50"; None when it is not an amount."""
    value = _SPACES.sub("", (text or "").strip()).replace("€", "").replace("EUR", "").replace("euros", "")
    if not value:
        return None
    if "," in value and "." in value:  # "1.500,50": the dot groups thousands
        value = value.replace(".", "")
    value = value.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", value):
        return None
    try:
        cents = int((Decimal(value) * 100).to_integral_value())
    except InvalidOperation:  # the pattern above already refused what Decimal would
        return None
    return cents


def format_cents_for_input(cents: Optional[int]) -> str:
    """What an amount field shows back: "1500" or "1500,50"."""
    if cents is None:
        return ""
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}" if rest else str(euros)


class EurosField(Field):
    """An amount in euros, typed freely, held in cents (`data`). What was
    typed is shown back as typed when it is refused: nothing is lost."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.typed: Optional[str] = None

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        return format_cents_for_input(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.typed = valuelist[0]
        if not self.typed.strip():
            self.data = None
            return
        cents = parse_euros(self.typed)
        if cents is None:
            self.data = None
            raise ValueError(str(_l("Écrivez un montant en euros, par exemple 1 500 ou 350,50.")))
        if cents > MAX_CENTS:
            self.data = None
            raise ValueError(str(_l("Ce montant est trop grand.")))
        self.data = cents

    def pre_validate(self, form):
        """What was typed is not an amount: say so, rather than "required"."""
        if self.process_errors:
            raise StopValidation()


def _title():
    return StringField(_l("Nom de l'appel à projets"),
                       validators=[DataRequired(_l("Donnez un nom à l'appel à projets.")),
                                   Length(max=160, message=_l("Le nom est trop long (160 caractères au plus)."))],
                       description=_l("Exemple : Fonds d'initiatives des habitants 2027."))


class RoundForm(FlaskForm):
    title = _title()
    scope = SelectField(_l("Pour quelle commune ?"),
                        validators=[DataRequired(_l("Choisissez une commune, ou toute l'agglomération."))],
                        validate_choice=False)  # the view checks the commune
    envelope = EurosField(_l("Budget total de l'appel (en euros)"),
                          validators=[DataRequired(_l("Écrivez le budget total, en euros."))],
                          description=_l("Exemple : 15 000"))
    ceiling = EurosField(_l("Au plus par projet (en euros)"),
                         validators=[DataRequired(_l("Écrivez le montant le plus haut pour un projet."))],
                         description=_l("Exemple : 1 500"))
    apply_until = DateField(_l("Les demandes sont possibles jusqu'au"),
                            validators=[DataRequired(_l("Indiquez une date, par exemple 31/03/2027."))])
    committee_on = DateField(_l("Le comité se réunit le"),
                             validators=[DataRequired(_l("Indiquez une date, par exemple 15/04/2027."))])
    spend_within_days = IntegerField(
        _l("Nombre de jours pour dépenser l'argent, après le versement"),
        validators=[DataRequired(_l("Écrivez un nombre de jours entre 1 et 365.")),
                    NumberRange(min=1, max=365, message=_l("Écrivez un nombre de jours entre 1 et 365."))],
        default=30, render_kw={"inputmode": "numeric"})
    rules = TextAreaField(_l("Les règles, en mots simples"),
                          validators=[DataRequired(_l("Écrivez les règles de l'appel.")),
                                      Length(max=6000, message=_l("Les règles sont trop longues (6 000 caractères au plus)."))],
                          description=_l("Qui peut demander, pour quoi, ce qui n'est pas financé, comment le comité choisit."),
                          render_kw={"rows": 8})
    rules_easy = TextAreaField(_l("Les règles en facile à lire"),
                               validators=[DataRequired(_l("Écrivez la version facile à lire.")),
                                           Length(max=3000, message=_l("Ce texte est trop long (3 000 caractères au plus)."))],
                               description=_l("Des phrases très courtes. Une idée par phrase. Pas de sigle."),
                               render_kw={"rows": 6})


class MemberForm(FlaskForm):
    account = StringField(_l("Pseudonyme ou adresse e-mail du compte"),
                          validators=[DataRequired(_l("Écrivez le pseudonyme ou l'adresse e-mail d'un compte.")),
                                      Length(max=254, message=_l("C'est trop long pour un pseudonyme ou une adresse."))],
                          render_kw={"autocomplete": "off", "spellcheck": "false"})
    is_resident = BooleanField(_l("Cette personne siège comme habitante ou habitant"), default=True,
                               description=_l("Décochez pour un ou une élue, ou une personne salariée."))

