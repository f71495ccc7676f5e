"""Forms of the directory and the ambassadors' space."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.territory.forms import MultiCheckboxField

ERROR_MESSAGES = {
    "email-invalid": _l("Cette adresse e-mail n'est pas valide."),
    "phone-invalid": _l("Ce numéro de téléphone n'est pas valide : des chiffres, espaces et + seulement."),
    "website-invalid": _l("Indiquez une adresse de site qui commence par https:// ou http://."),
    "name-required": _l("Indiquez le nom."),
    "kind-unknown": _l("Choisissez le type de structure."),
    "commune-required": _l("Choisissez au moins une commune."),
    "commune-not-yours": _l("Vous pouvez seulement ajouter les communes où vous êtes personne référente."),
    "date-required": _l("Indiquez la date."),
    "date-future": _l("La date ne peut pas être dans le futur."),
    "date-invalid": _l("Indiquez une date valide."),
    "count-invalid": _l("Indiquez un nombre de personnes entre 0 et 100 000."),
    "not-yours": _l("Cette note n'est pas à vous."),
}


class DirectoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    commune = SelectField(_l("Commune"), validators=[Optional()])
    theme = SelectField(_l("Thème"), validators=[Optional()])
    kind = SelectField(_l("Qui"), validators=[Optional()])


class ActorProfileForm(FlaskForm):
    listed = BooleanField(
        _l("Apparaître dans l'annuaire des acteurs"),
        description=_l("Décoché, personne ne vous voit dans l'annuaire. Coché, on voit votre pseudonyme, votre rôle et seulement ce que vous remplissez ci-dessous."),
    )
    public_email = EmailField(
        _l("Adresse e-mail à afficher (facultatif)"), validators=[Optional(), Length(max=254)],
        description=_l("Laissez vide pour ne pas en afficher. Ce peut être une autre adresse que celle de votre compte."),
        render_kw={"autocomplete": "email"},
    )
    public_phone = StringField(
        _l("Téléphone à afficher (facultatif)"), validators=[Optional(), Length(max=30)],
        description=_l("Laissez vide pour ne pas en afficher."),
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )
    presentation = TextAreaField(
        _l("Quelques mots sur vous (facultatif)"), validators=[Optional(), Length(max=600)],
        description=_l("Ce que vous faites, comment vous joindre. 600 caractères au plus."), render_kw={"rows": 4},
    )
    communes = MultiCheckboxField(_l("Les communes où vous agissez (facultatif)"), coerce=int, validators=[Optional()])
    themes = MultiCheckboxField(_l("Vos thèmes (facultatif)"), coerce=int, validators=[Optional()],
                                description=_l("Les ambitions du contrat de ville qui vous tiennent à cœur."))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom.")), Length(max=160)])
    kind = SelectField(_l("Type de structure"), validators=[DataRequired(_l("Choisissez le type de structure."))])
    communes = MultiCheckboxField(_l("Communes où elle agit"), coerce=int,
                                  validators=[DataRequired(_l("Choisissez au moins une commune."))])
    themes = MultiCheckboxField(_l("Thèmes (facultatif)"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("En quelques mots (facultatif)"), validators=[Optional(), Length(max=600)],
                                description=_l("Ce qu'elle fait, pour qui. 600 caractères au plus."), render_kw={"rows": 4})
    contact_email = EmailField(_l("E-mail de contact public (facultatif)"), validators=[Optional(), Length(max=254)])
    contact_phone = StringField(_l("Téléphone de contact public (facultatif)"), validators=[Optional(), Length(max=30)],
                                render_kw={"type": "tel", "inputmode": "tel"})
    website = StringField(_l("Site internet (facultatif)"), validators=[Optional(), Length(max=300)],
                          description=_l("Par exemple : https://www.exemple.fr"), render_kw={"type": "url", "inputmode": "url"})


class ActivityForm(FlaskForm):
    happened_on = DateField(_l("Date"), validators=[DataRequired(_l("Indiquez la date."))])
    kind = SelectField(_l("Ce que vous avez fait"), validators=[DataRequired(_l("Choisissez ce que vous avez fait."))])
    commune = SelectField(_l("Commune"), validators=[DataRequired(_l("Choisissez la commune."))])
    people_count = IntegerField(
        _l("Nombre de personnes (facultatif)"), validators=[Optional(), NumberRange(min=0, max=100000, message=_l("Indiquez un nombre de personnes entre 0 et 100 000."))],
        description=_l("Combien de personnes rencontrées ou informées, à peu près."),
    )
    text = TextAreaField(
        _l("Ce que vous en retenez (facultatif)"), validators=[Optional(), Length(max=2000)],
        description=_l("Pour vous et pour le Labo : ce qui a été dit, les questions, les idées. Pas de nom, s'il vous plaît."),
        render_kw={"rows": 5},
    )
