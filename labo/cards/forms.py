"""Forms of the printed cards: typing a code, printing a sheet, a card's opinion."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from labo.cards.services import SHEET_DEFAULT, SHEET_MAX, SHEET_MIN
from labo.core.i18n import _l
from labo.processes.models import Stance


class CodeForm(FlaskForm):
    """Typed by hand (GET: no token, nothing is written)."""

    class Meta:
        csrf = False

    code = StringField(_l("Le code de votre carte"), validators=[DataRequired(_l("Tapez le code de votre carte."))],
                       description=_l("8 signes, des lettres et des chiffres, par exemple ABCD-EFGH. Majuscules, "
                                      "minuscules et tirets : comme vous voulez."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  "inputmode": "text"})


class PrintForm(FlaskForm):
    size = IntegerField(_l("Nombre de cartes"), default=SHEET_DEFAULT,
                        validators=[DataRequired(_l("Choisissez entre 1 et 200 cartes.")),
                                    NumberRange(min=SHEET_MIN, max=SHEET_MAX,
                                                message=_l("Choisissez entre 1 et 200 cartes."))],
                        description=_l("10 cartes par page A4. Les codes ne sont montrés qu'une fois : imprimez le "
                                       "fichier tout de suite."),
                        render_kw={"min": SHEET_MIN, "max": SHEET_MAX, "inputmode": "numeric"})


class CardOpinionForm(FlaskForm):
    stance = RadioField(_l("Mon avis"), choices=[SelectChoice(s.value, s.label) for s in Stance],
                        validators=[DataRequired(_l("Choisissez votre avis : favorable, réservé ou défavorable."))])


class MeetingPrintForm(PrintForm):
    demarche = RadioField(_l("La démarche"), coerce=int, validators=[Optional()])
