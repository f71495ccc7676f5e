"""Forms of the partners' pages: a partner, a commitment, the template
items of a family, and a follow-up entry."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, FieldList, FormField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.partners.models import FAMILY_LABELS, KIND_LABELS, STATUS_LABELS

ERROR_MESSAGES = {
    "name-required": _l("Indiquez le nom du partenaire."),
    "slug-invalid": _l("L'adresse courte ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets."),
    "slug-taken": _l("Cette adresse courte est déjà prise : choisissez-en une autre."),
    "kind-invalid": _l("Choisissez le type de partenaire."),
    "family-invalid": _l("Choisissez la famille d'engagement."),
    "title-required": _l("Écrivez l'engagement."),
    "email-invalid": _l("Cette adresse e-mail n'est pas valable."),
    "nothing-chosen": _l("Cochez au moins un engagement à créer."),
    "date-required": _l("Indiquez la date du point de suivi."),
    "date-future": _l("La date du point de suivi ne peut pas être dans le futur."),
    "date-too-old": _l("Cette date est antérieure au contrat de ville."),
    "status-invalid": _l("Choisissez où en est l'engagement après ce point."),
    "review-before-date": _l("Le prochain point doit venir après ce point de suivi."),
    "link-invalid": _l("Le lien doit être une adresse web commençant par http:// ou https://."),
    "attachment-too-big": _l("Le fichier est trop lourd : 10 Mo au plus."),
    "attachment-empty": _l("Le fichier envoyé est vide."),
    "attachment-format": _l("Ce type de fichier n'est pas accepté : envoyez un PDF, une image JPEG, PNG ou WebP, "
                            "ou un document ODT ou DOCX."),
}


def family_choices():
    return [SelectChoice(f.value, label) for f, label in FAMILY_LABELS.items()]


class PartnerForm(FlaskForm):
    name = StringField(_l("Nom du partenaire"), validators=[DataRequired(_l("Indiquez le nom du partenaire.")), Length(max=160)],
                       description=_l("Par exemple : la CAF du Pas-de-Calais."))
    slug = StringField(_l("Adresse courte (facultatif)"), validators=[Optional(), Length(max=80)],
                       description=_l("Dans l'adresse de sa page : lettres minuscules, chiffres et tirets. "
                                      "Faite à partir du nom si vide."))
    kind = SelectField(_l("Type de partenaire"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[DataRequired(_l("Choisissez le type de partenaire."))])
    description = TextAreaField(_l("Présentation courte (facultatif)"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 3})


class CommitmentForm(FlaskForm):
    family = SelectField(_l("Famille d'engagement"), choices=family_choices(),
                         validators=[DataRequired(_l("Choisissez la famille d'engagement."))])
    title = StringField(_l("L'engagement"), validators=[DataRequired(_l("Écrivez l'engagement.")), Length(max=200)])
    description = TextAreaField(_l("Précisions (facultatif)"), validators=[Optional(), Length(max=4000)],
                                render_kw={"rows": 3})
    referent_name = StringField(_l("Personne référente chez le partenaire (facultatif)"), validators=[Optional(), Length(max=120)],
                                description=_l("Son nom est affiché sur la page publique."))
    referent_email = StringField(_l("E-mail de la personne référente (facultatif)"), validators=[Optional(), Length(max=254)],
                                 description=_l("Jamais affiché : sert seulement aux rappels quand un point de suivi est en retard."),
                                 render_kw={"autocomplete": "off", "inputmode": "email"})
    next_review_on = DateField(_l("Prochain point de suivi (facultatif)"), validators=[Optional()])


class TemplateItemForm(FlaskForm):
    class Meta:
        csrf = False

    chosen = BooleanField(_l("Créer cet engagement"))
    title = StringField(_l("Engagement"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Précisions"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 2})


class TemplatesForm(FlaskForm):
    family = HiddenField()
    items = FieldList(FormField(TemplateItemForm), label=_l("Engagements proposés"))
    referent_name = StringField(_l("Personne référente chez le partenaire (facultatif)"), validators=[Optional(), Length(max=120)],
                                description=_l("Son nom est affiché sur la page publique."))
    referent_email = StringField(_l("E-mail de la personne référente (facultatif)"), validators=[Optional(), Length(max=254)],
                                 description=_l("Jamais affiché : sert seulement aux rappels quand un point de suivi est en retard."),
                                 render_kw={"autocomplete": "off", "inputmode": "email"})
    next_review_on = DateField(_l("Premier point de suivi (facultatif)"), validators=[Optional()])


class FollowUpForm(FlaskForm):
    happened_on = DateField(_l("Date du point de suivi"), validators=[DataRequired(_l("Indiquez la date du point de suivi."))])
    note = TextAreaField(_l("Ce qui a été fait ou constaté"), validators=[Optional(), Length(max=5000)],
                         render_kw={"rows": 4})
    link = StringField(_l("Lien vers une preuve (facultatif)"), validators=[Optional(), Length(max=500)],
                       description=_l("Une adresse web commençant par http:// ou https://."),
                       render_kw={"inputmode": "url"})
    file = FileField(_l("Fichier de preuve (facultatif)"),
                     description=_l("PDF, image (JPEG, PNG, WebP) ou document (ODT, DOCX), 10 Mo au plus."),
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.odt,.docx"})
    status_after = SelectField(_l("Où en est l'engagement après ce point ?"),
                               choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
                               validators=[DataRequired(_l("Choisissez où en est l'engagement après ce point."))])
    next_review_on = DateField(_l("Prochain point de suivi (facultatif)"), validators=[Optional()])
    public = BooleanField(_l("Visible de tous sur la page du partenaire"), default=True)
