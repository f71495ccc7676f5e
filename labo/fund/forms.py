"""Forms of the micro-projects fund: a round (administrators) and its
committee. Money is typed as people write it ("1 500", "1500,50 €") and
held in cents (`EurosField`)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Union

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, IntegerField, RadioField, StringField,
                     TextAreaField)
from wtforms.fields import Field
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from labo.core.forms import SelectField
from labo.core.i18n import _l

WHOLE_CHOICE = "tout"  # the scope select's value for the whole agglomeration
# Ten million euros: beyond, a typing mistake; and the columns hold at most 2 147 483 647 cents (PostgreSQL's integer)
MAX_CENTS = 10_000_000_00

_SPACES = re.compile(r"[\s\u00a0\u202f'’]")


def parse_euros(text: str) -> Union[int, None]:
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


def format_cents_for_input(cents: Union[int, None]) -> str:
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
        self.typed: Union[str, None] = None

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



MAX_LINES = 5  # budget lines a form offers (3 to 5 are asked when sending)


class BudgetLineForm(Form):
    """One line of the budget: what it pays for, and how much. Both or neither."""

    # No Optional(): it would stop before the checks below, which tie the two together.
    label = StringField(_l("Pour quoi"), validators=[Length(max=160, message=_l(
        "Cette ligne est trop longue (160 caractères au plus)."))])
    amount = EurosField(_l("Combien (en euros)"))

    def validate_label(self, field):
        if not (field.data or "").strip() and self.amount.data is not None:
            raise ValidationError(str(_l("Écrivez pour quoi est cette somme.")))

    def validate_amount(self, field):
        if field.data is None and (self.label.data or "").strip():
            raise ValidationError(str(_l("Écrivez combien coûte cette ligne.")))


class ApplicationForm(FlaskForm):
    title = StringField(_l("Le nom de votre projet"),
                        validators=[Optional(), Length(max=140, message=_l("Le nom est trop long (140 caractères au plus)."))],
                        description=_l("Exemple : Un repas de quartier rue Zola."))
    what = TextAreaField(_l("Ce que vous voulez faire"),
                         validators=[Optional(), Length(max=4000, message=_l("Ce texte est trop long (4 000 caractères au plus)."))],
                         description=_l("En quelques phrases, avec vos mots."), render_kw={"rows": 5})
    for_whom = TextAreaField(_l("Pour qui"),
                             validators=[Optional(), Length(max=2000, message=_l("Ce texte est trop long (2 000 caractères au plus)."))],
                             description=_l("Exemple : les enfants de la cité et leurs parents, environ 40 personnes."),
                             render_kw={"rows": 3})
    commune = SelectField(_l("Dans quelle commune ?"), validators=[Optional()], validate_choice=False)
    qpv = SelectField(_l("Dans quel quartier ? (facultatif)"), validators=[Optional()], validate_choice=False)
    starts_on = DateField(_l("Le projet commence le"), validators=[Optional()],
                          description=_l("Une date approximative suffit."))
    ends_on = DateField(_l("Il se termine le (facultatif)"), validators=[Optional()])
    amount = EurosField(_l("La somme demandée (en euros)"), validators=[Optional()])
    lines = FieldList(FormField(BudgetLineForm), label=_l("Votre budget : 3 à 5 lignes"),
                      min_entries=MAX_LINES, max_entries=MAX_LINES)
    carrier_kind = RadioField(_l("Qui porte le projet ?"), choices=[
        ("group", _l("Un groupe d'habitants")), ("association", _l("Une petite association"))], default="group",
        validators=[Optional()])
    carrier_name = StringField(_l("Le nom du groupe ou de l'association"),
                               validators=[Optional(), Length(max=160, message=_l("Le nom est trop long (160 caractères au plus)."))],
                               description=_l("Il sera affiché sur le site si le projet est financé."))
    contact_name = StringField(_l("Prénom et nom de la personne à contacter"),
                               validators=[Optional(), Length(max=120, message=_l("C'est trop long (120 caractères au plus)."))],
                               description=_l("Ces coordonnées restent privées : seuls la personne référente, le comité "
                                              "et les administrateurs les voient."),
                               render_kw={"autocomplete": "name"})
    contact_phone = StringField(_l("Son numéro de téléphone"),
                                validators=[Optional(), Length(max=40, message=_l("Ce numéro est trop long."))],
                                render_kw={"autocomplete": "tel", "inputmode": "tel"})
    contact_email = StringField(_l("Son adresse e-mail (facultatif)"),
                                validators=[Optional(), Length(max=254, message=_l("Cette adresse est trop longue."))],
                                render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})
    on_behalf = BooleanField(_l("Je remplis cette demande pour un groupe rencontré en personne"))


class OpinionForm(FlaskForm):
    kind = RadioField(_l("Votre avis de personne référente"), choices=[
        ("favourable", _l("Avis favorable")), ("reserved", _l("Avis réservé")),
        ("unfavourable", _l("Avis défavorable"))], validators=[DataRequired(_l("Choisissez un avis dans la liste."))])
    text = TextAreaField(_l("Pourquoi"), validators=[DataRequired(_l("Dites en quelques mots pourquoi.")), Length(
        max=3000, message=_l("Ce texte est trop long (3 000 caractères au plus)."))], render_kw={"rows": 4})


class VoteForm(FlaskForm):
    choice = RadioField(_l("Votre vote"), choices=[("for", _l("Pour")), ("against", _l("Contre")),
                                                   ("abstain", _l("Abstention"))],
                        validators=[DataRequired(_l("Choisissez pour, contre ou abstention."))])
    comment = TextAreaField(_l("Un commentaire (facultatif)"), validators=[Optional(), Length(
        max=2000, message=_l("Ce texte est trop long (2 000 caractères au plus)."))], render_kw={"rows": 3})


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("La décision du comité"), choices=[("granted", _l("Projet financé")),
                                                               ("refused", _l("Projet non retenu"))],
                         validators=[DataRequired(_l("Choisissez : financé ou non retenu."))])
    amount = EurosField(_l("La somme accordée (en euros)"), validators=[Optional()],
                        description=_l("Seulement si le projet est financé."))
    reasons = TextAreaField(_l("Les raisons de la décision"), validators=[
        DataRequired(_l("Écrivez les raisons de la décision : elles sont publiées.")),
        Length(max=3000, message=_l("Ce texte est trop long (3 000 caractères au plus)."))],
                            description=_l("Elles sont publiées sur la page de l'appel."), render_kw={"rows": 4})
    from_paper = BooleanField(_l("Je recopie la décision prise sur papier en réunion du comité"))


class PaymentForm(FlaskForm):
    paid_on = DateField(_l("Versé le"), validators=[DataRequired(_l("Indiquez une date, par exemple 15/04/2027."))])


class ReportForm(FlaskForm):
    """The group's report after the project: what was done, and one more photo at a time."""

    text = TextAreaField(_l("Ce que vous avez fait"), validators=[
        DataRequired(_l("Racontez en quelques phrases ce que vous avez fait.")),
        Length(max=1200, message=_l("C'est trop long : 1 200 signes au plus."))],
        description=_l("Quelques phrases suffisent. Par exemple : qui est venu, ce que vous avez fait, ce qui a plu."),
        render_kw={"rows": 6, "maxlength": 1200})
    photo = FileField(_l("Ajouter une photo"),
                      description=_l("Une photo de votre téléphone. Le lieu et la date cachés dans la photo sont "
                                     "effacés."),
                      # data-shrink: static/js/photo.js makes it lighter on the phone before it is sent
                      render_kw={"accept": "image/jpeg,image/png,image/webp", "data-shrink": "1"})
    alt = TextAreaField(_l("Que montre la photo ?"), validators=[
        Optional(), Length(max=200, message=_l("C'est trop long : 200 signes au plus."))],
        description=_l("Pour les personnes qui ne voient pas la photo. Exemple : des enfants plantent des "
                       "salades."),
        render_kw={"rows": 2, "maxlength": 200})
