"""Forms of the Labo's letter: subscribe, compose, edit, and note copies handed out."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.territory.forms import MultiCheckboxField

WHOLE_CHOICE = "tout"  # the select's value for the whole agglomeration


class SubscribeForm(FlaskForm):
    contact = StringField(_l("Votre adresse e-mail ou votre numéro de portable"),
                          validators=[DataRequired(_l("Écrivez votre adresse e-mail ou votre numéro de portable.")),
                                      Length(max=254, message=_l("C'est trop long pour une adresse ou un numéro."))],
                          description=_l("Exemples : nom@exemple.fr ou 06 12 34 56 78. Rien d'autre ne vous est demandé."),
                          render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})
    commune = SelectField(_l("La lettre de quelle commune ?"),
                          validators=[DataRequired(_l("Choisissez une commune dans la liste."))],
                          validate_choice=False)  # the view says "Choisissez une commune dans la liste."
    via = HiddenField()


class EmailOnlySubscribeForm(SubscribeForm):
    """Without the SMS part of the site: an email address only."""

    contact = StringField(_l("Votre adresse e-mail"),
                          validators=[DataRequired(_l("Écrivez votre adresse e-mail.")),
                                      Length(max=254, message=_l("Cette adresse est trop longue."))],
                          description=_l("Exemple : nom@exemple.fr. Rien d'autre ne vous est demandé."),
                          render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})


class ComposeForm(FlaskForm):
    commune = SelectField(_l("Pour quelle commune ?"),
                          validators=[DataRequired(_l("Choisissez une commune dans la liste."))],
                          validate_choice=False)  # the view says "Choisissez une commune dans la liste."


class LetterForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à la lettre.")),
                                                 Length(max=160, message=_l("Le titre est trop long (160 caractères au plus)."))])
    intro = TextAreaField(_l("Le mot d'introduction (facultatif)"),
                          validators=[Optional(), Length(max=2000, message=_l("L'introduction est trop longue (2 000 caractères au plus)."))],
                          description=_l("Quelques phrases simples : ce qui s'est passé, ce qui vient."),
                          render_kw={"rows": 5})
    kept = MultiCheckboxField(_l("Ce que la lettre garde"), coerce=int, validators=[Optional()],
                              description=_l("Décochez ce que vous ne voulez pas envoyer."))


class HandoutForm(FlaskForm):
    copies = IntegerField(_l("Combien de lettres avez-vous données ?"),
                          validators=[DataRequired(_l("Écrivez un nombre entre 1 et 5 000.")),
                                      NumberRange(min=1, max=5000, message=_l("Écrivez un nombre entre 1 et 5 000."))],
                          render_kw={"inputmode": "numeric"})
