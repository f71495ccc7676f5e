"""Administrators' forms for the territory and the strategy."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from labo.core.i18n import _l


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommuneForm(FlaskForm):
    name = StringField(_l("Nom de la commune"), validators=[DataRequired(_l("Indiquez le nom.")), Length(max=120)])
    in_call = BooleanField(_l("Fait partie de l'agglomération de Lens-Liévin"), default=True)
    premoderation = BooleanField(
        _l("Relire les nouvelles contributions avant de les publier"),
        description=_l("Les contributions de cette commune attendent alors qu'une personne référente les valide."),
    )
    note = TextAreaField(_l("Remarque (facultatif)"), validators=[Optional(), Length(max=1000)])


class QpvForm(FlaskForm):
    code = StringField(
        _l("Code officiel"),
        validators=[Optional(), Regexp(r"^\s*[Qq][Pp]\d{6}\s*$", message=_l("Un code officiel ressemble à QP062024."))],
        description=_l("Laissez vide s'il n'est pas connu."),
    )
    name = StringField(_l("Nom du quartier"), validators=[DataRequired(_l("Indiquez le nom.")), Length(max=160)])
    in_contract = BooleanField(_l("Fait partie des quartiers du contrat de ville"), default=True)
    communes = MultiCheckboxField(_l("Communes"), coerce=int, validators=[DataRequired(_l("Cochez au moins une commune."))])
    note = TextAreaField(_l("Remarque (facultatif)"), validators=[Optional(), Length(max=1000)])


class PillarForm(FlaskForm):
    title = StringField(_l("Titre du pilier"), validators=[DataRequired(_l("Indiquez le titre.")), Length(max=160)])
    summary = TextAreaField(_l("En quelques mots"), validators=[Optional(), Length(max=1000)])
    ambitions = FieldList(
        StringField(_l("Ambition"), validators=[DataRequired(_l("Indiquez le titre.")), Length(max=240)]),
        min_entries=0,
    )


class AxisForm(FlaskForm):
    title = StringField(_l("Titre de l'axe"), validators=[DataRequired(_l("Indiquez le titre.")), Length(max=160)])
    summary = TextAreaField(_l("En quelques mots"), validators=[Optional(), Length(max=1000)])
