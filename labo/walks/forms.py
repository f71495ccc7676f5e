"""Forms of the walking diagnostics: planning a walk, capturing a finding on
the phone, sorting a finding, entering the answer. Lists (communes, QPVs,
partners, the walk's other findings) are filled by the view; checks that
need the database are the service's."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.walks.models import ANSWER_STATUSES, CATEGORY_LABELS, STATUS_LABELS

ERROR_MESSAGES = {
    "commune-required": _l("Choisissez la commune."),
    "commune-not-yours": _l("Vous ne pouvez prévoir un diagnostic que dans vos communes."),
    "qpv-elsewhere": _l("Ce quartier n'est pas dans cette commune."),
    "starts-required": _l("Indiquez le jour et l'heure du départ."),
    "ends-before-start": _l("La fin doit venir après le départ."),
    "meeting-point-required": _l("Dites où l'on se retrouve."),
    "invited-required": _l("Cochez au moins une personne invitée."),
    "not-allowed": _l("Seules les personnes inscrites avec un compte, l'équipe d'animation et les personnes "
                      "référentes peuvent ajouter un constat."),
    "client-key-invalid": _l("Cet envoi n'est pas reconnu : rechargez la page."),
    "category-required": _l("Choisissez de quoi il s'agit."),
    "text-required": _l("Écrivez en une phrase ce que vous avez vu."),
    "text-too-long": _l("Ce texte est trop long : 500 caractères au plus."),
    "place-required": _l("Indiquez le nom de la rue, ou ajoutez votre position."),
    "position-invalid": _l("Cette position n'est pas lisible : indiquez plutôt le nom de la rue."),
    "photo-too-big": _l("La photo est trop lourde : 10 Mo au plus."),
    "photo-not-an-image": _l("Ce fichier n'est pas une photo lisible."),
    "photo-format": _l("Envoyez une photo en JPEG, PNG ou WebP."),
    "photo-too-many-pixels": _l("Cette image est trop grande pour être traitée."),
    "photo-empty": _l("Le fichier de la photo est vide."),
    "addressee-required": _l("Choisissez un partenaire ou écrivez le nom du service de la commune."),
    "addressee-both": _l("Choisissez un partenaire ou un service de la commune, pas les deux."),
    "duplicate-required": _l("Choisissez le constat qui dit la même chose."),
    "duplicate-not-kept": _l("Ce constat est lui-même écarté ou regroupé : choisissez-en un autre."),
    "already-answered": _l("Ce constat a déjà une réponse : il ne peut plus être écarté."),
    "action-unknown": _l("Choisissez ce qu'il faut faire de ce constat."),
    "not-sent": _l("Ce constat n'a pas été transmis."),
    "status-required": _l("Choisissez où en est la demande."),
    "answer-required": _l("Écrivez la réponse."),
    "answer-too-long": _l("Cette réponse est trop longue."),
    "partner-unknown": _l("Ce partenaire n'existe pas ou plus : choisissez dans la liste."),
    "qpv-unknown": _l("Ce quartier n'existe pas : choisissez dans la liste."),
}

CATEGORY_CHOICES = [SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()]


class WalkForm(FlaskForm):
    title = StringField(_l("Titre (facultatif)"), validators=[Optional(), Length(max=160)],
                        description=_l("Sinon : « Diagnostic en marchant » et le nom du quartier."))
    starts_at = DateTimeLocalField(_l("Départ : jour et heure"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Indiquez le jour et l'heure du départ."))])
    ends_at = DateTimeLocalField(_l("Fin prévue (facultatif)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    # an unknown choice reaches the service, which says why in plain words
    commune = SelectField(_l("Commune"), validators=[DataRequired(_l("Choisissez la commune."))], choices=[],
                          validate_choice=False)
    qpv = SelectField(_l("Quartier prioritaire (QPV)"), validators=[Optional()], choices=[], validate_choice=False,
                      description=_l("Le quartier où l'on marche, s'il est un quartier prioritaire de la politique de la ville."))
    meeting_point = StringField(_l("Point de rendez-vous"),
                                validators=[DataRequired(_l("Dites où l'on se retrouve.")), Length(max=240)],
                                description=_l("Par exemple : « Devant l'école Jean-Macé, rue Diderot »."))
    route = TextAreaField(_l("Le parcours, en mots"), validators=[Optional(), Length(max=4000)],
                          render_kw={"rows": 4},
                          description=_l("Une étape par ligne : les rues, les places, les immeubles."))
    step_free = BooleanField(_l("Parcours sans marche, possible en fauteuil ou avec une poussette"))
    invites_residents = BooleanField(_l("Les habitantes et habitants du quartier"), default=True)
    invites_landlord = BooleanField(_l("Le bailleur (l'organisme qui loue les logements)"))
    invites_services = BooleanField(_l("Les services de la commune"))


class FindingForm(FlaskForm):
    """One finding, on the phone. Without JavaScript it posts as it is; the
    page's script (static/js/walk.js) queues it on the phone instead and adds
    the key, the optional position and a smaller copy of the photo."""

    photo = FileField(_l("Une photo (facultatif)"), render_kw={"accept": "image/*"})
    category = SelectField(_l("De quoi s'agit-il ?"), choices=[SelectChoice("", _l("Choisir…"))] + CATEGORY_CHOICES,
                           validators=[DataRequired(_l("Choisissez de quoi il s'agit."))], validate_choice=False)
    text = TextAreaField(_l("Ce que vous voyez, en une phrase"), render_kw={"rows": 3, "maxlength": 500},
                         validators=[DataRequired(_l("Écrivez en une phrase ce que vous avez vu.")), Length(max=500)])
    street = StringField(_l("Le nom de la rue"), validators=[Optional(), Length(max=160)],
                         render_kw={"autocomplete": "street-address"},
                         description=_l("Par exemple : « rue Diderot, devant le n° 12 »."))
    latitude = HiddenField()
    longitude = HiddenField()
    client_key = HiddenField()


class SortForm(FlaskForm):
    category = SelectField(_l("Catégorie"), choices=CATEGORY_CHOICES,
                           validators=[DataRequired(_l("Choisissez de quoi il s'agit."))], validate_choice=False)
    partner = SelectField(_l("Transmettre à un partenaire du contrat de ville"), validators=[Optional()], choices=[],
                          validate_choice=False)
    service_name = StringField(_l("… ou à un service de la commune (son nom)"), validators=[Optional(), Length(max=160)],
                               description=_l("Par exemple : « Services techniques, éclairage public »."))
    duplicate_of = SelectField(_l("Doublon de (facultatif)"), validators=[Optional()], choices=[],
                               validate_choice=False)


class AnswerForm(FlaskForm):
    status = SelectField(_l("Où en est la demande ?"),
                         choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in ANSWER_STATUSES],
                         validators=[DataRequired(_l("Choisissez où en est la demande."))], validate_choice=False)
    answer = TextAreaField(_l("La réponse, lisible par les habitants"), render_kw={"rows": 4},
                           validators=[DataRequired(_l("Écrivez la réponse.")), Length(max=3000)])
