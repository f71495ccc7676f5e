"""Forms of the toolbox: write a fiche, add a photo or a file, send one back,
and the search and filters of the public list."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import ActionForm, SelectField  # noqa: F401  (ActionForm is re-exported for the views)
from labo.core.i18n import _l
from labo.core.levels import LEVEL_LABELS, Level
from labo.fiches.models import KIND_LABELS, FicheKind
from labo.fiches.services import (CONTACT_DETAILS_MAX, CONTACT_NAME_MAX, LONG_LINES_MAX, LONG_MAX, PUBLIC_MAX,
                                  REASON_MAX, RESOURCES_MAX, TITLE_MAX)
from labo.territory.forms import MultiCheckboxField

ERROR_MESSAGES = {
    "kind-invalid": _l("Choisissez le type de fiche."),
    "level-invalid": _l("Choisissez le niveau de participation."),
    "title-required": _l("Donnez un titre à la fiche."),
    "title-too-long": _l("Le titre est trop long : 140 caractères au plus."),
    "public-too-long": _l("« Le public touché » est trop long : 300 caractères au plus."),
    "method-required": _l("Racontez comment vous avez fait."),
    "method-too-long": _l("« Comment on a fait » est trop long : 1 200 caractères au plus."),
    "what_worked-too-long": _l("« Ce qui a marché » est trop long : 1 200 caractères au plus."),
    "difficulties-too-long": _l("« Les difficultés » est trop long : 1 200 caractères au plus."),
    "resources-too-long": _l("« Ce qu'il faut prévoir » est trop long : 600 caractères au plus."),
    "contact_name-too-long": _l("Le nom du contact est trop long : 80 caractères au plus."),
    "contact_details-too-long": _l("Les coordonnées sont trop longues : 200 caractères au plus."),
    "too-many-lines": _l("Trop de retours à la ligne : regroupez en quelques paragraphes pour que la fiche tienne sur deux pages."),
    "consent-without-contact": _l("Indiquez un contact, ou décochez la case."),
    "qpv-not-in-communes": _l("Ce quartier n'est dans aucune des communes cochées."),
    "too-many-links": _l("Dix liens au plus."),
    "contribution-unknown": _l("Aucune contribution ne porte ce numéro."),
    "contribution-not-public": _l("On ne peut lier qu'une contribution publiée."),
    "contributions-format": _l("Écrivez les numéros séparés par des virgules, par exemple : 12, 15."),
    "already-published": _l("Cette fiche est déjà publiée."),
    "not-submitted": _l("Cette fiche n'attend pas de relecture."),
    "reason-required": _l("Dites à la personne qui l'a écrite ce qui est à revoir."),
    "reason-too-long": _l("La raison est trop longue : 1 000 caractères au plus."),
    "alt-required": _l("Décrivez la photo en quelques mots, pour les personnes qui ne la voient pas."),
    "alt-too-long": _l("La description est trop longue : 200 caractères au plus."),
    "too-many-photos": _l("Quatre photos au plus par fiche."),
    "too-many-attachments": _l("Cinq fichiers au plus par fiche."),
    "photo-required": _l("Choisissez une photo."),
    "photo-too-big": _l("La photo est trop lourde : 10 Mo au plus."),
    "photo-not-an-image": _l("Ce fichier n'est pas une photo lisible."),
    "photo-format": _l("Envoyez une photo en JPEG, PNG ou WebP."),
    "photo-too-many-pixels": _l("Cette image est trop grande pour être traitée."),
    "photo-empty": _l("Le fichier de la photo est vide."),
    "attachment-too-big": _l("Le fichier est trop lourd : 10 Mo au plus."),
    "attachment-empty": _l("Choisissez un fichier."),
    "attachment-format": _l("Envoyez un PDF, un document ODT ou DOCX, ou une image JPEG, PNG ou WebP."),
}


class FicheForm(FlaskForm):
    kind = RadioField(
        _l("C'est…"),
        choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in FicheKind],
        default=FicheKind.EXPERIENCE.value,
        validators=[DataRequired(_l("Choisissez le type de fiche."))],
        validate_choice=False,  # the service checks it, with a clear message
    )
    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Donnez un titre à la fiche.")), Length(max=TITLE_MAX)],
        description=_l("Par exemple : « Une balade urbaine avec les enfants de la cité »."),
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    communes = MultiCheckboxField(_l("Commune(s) (facultatif)"), coerce=int, validators=[Optional()])
    qpvs = MultiCheckboxField(_l("Quartier(s) (facultatif)"), coerce=int, validators=[Optional()])
    public = TextAreaField(
        _l("Le public touché (facultatif)"),
        validators=[Optional(), Length(max=PUBLIC_MAX)],
        description=_l("Qui est venu, combien, quel âge… en une ou deux phrases."),
        render_kw={"rows": 2, "maxlength": PUBLIC_MAX},
    )
    level = RadioField(
        _l("Le niveau de participation"),
        choices=[SelectChoice(level.value, LEVEL_LABELS[level]) for level in Level],
        validators=[DataRequired(_l("Choisissez le niveau de participation."))],
        validate_choice=False,
    )
    method = TextAreaField(
        _l("Comment on a fait"),
        validators=[DataRequired(_l("Racontez comment vous avez fait.")), Length(max=LONG_MAX)],
        description=_l("Les étapes, dans l'ordre. 1 200 caractères et %(n)s lignes au plus.", n=LONG_LINES_MAX),
        render_kw={"rows": 6, "maxlength": LONG_MAX},
    )
    what_worked = TextAreaField(
        _l("Ce qui a marché (facultatif)"),
        validators=[Optional(), Length(max=LONG_MAX)],
        render_kw={"rows": 5, "maxlength": LONG_MAX},
    )
    difficulties = TextAreaField(
        _l("Les difficultés (facultatif)"),
        validators=[Optional(), Length(max=LONG_MAX)],
        render_kw={"rows": 5, "maxlength": LONG_MAX},
    )
    resources = TextAreaField(
        _l("Ce qu'il faut prévoir (facultatif)"),
        validators=[Optional(), Length(max=RESOURCES_MAX)],
        description=_l("Matériel, salle, budget, nombre de personnes pour animer…"),
        render_kw={"rows": 3, "maxlength": RESOURCES_MAX},
    )
    theme = SelectField(
        _l("Pilier ou ambition du contrat de ville (facultatif)"),
        validators=[Optional()],
    )
    contact_name = StringField(
        _l("Un contact : nom ou structure (facultatif)"),
        validators=[Optional(), Length(max=CONTACT_NAME_MAX)],
        render_kw={"maxlength": CONTACT_NAME_MAX, "autocomplete": "off"},
    )
    contact_details = StringField(
        _l("Ses coordonnées : téléphone ou e-mail (facultatif)"),
        validators=[Optional(), Length(max=CONTACT_DETAILS_MAX)],
        render_kw={"maxlength": CONTACT_DETAILS_MAX, "autocomplete": "off"},
    )
    contact_consent = BooleanField(
        _l("Cette personne est d'accord pour que ces coordonnées soient publiées sur la fiche"),
        description=_l("Sans cette case, le contact n'est montré qu'aux personnes qui relisent les fiches."),
    )
    meetings = MultiCheckboxField(_l("Rencontres du Labo liées (facultatif)"), coerce=int, validators=[Optional()])
    contributions = StringField(
        _l("Numéros des idées liées (facultatif)"),
        validators=[Optional(), Length(max=100)],
        description=_l("Le numéro est dans l'adresse de l'idée (/idees/12). Séparez-les par des virgules."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Une photo"),
        description=_l("JPEG, PNG ou WebP, 10 Mo au plus. Les informations cachées (lieu, appareil) sont retirées."),
        # data-shrink: static/js/photo.js makes it lighter on the phone before it is sent
        render_kw={"accept": "image/jpeg,image/png,image/webp", "data-shrink": "1"},
    )
    alt = StringField(
        _l("Que montre la photo ?"),
        validators=[DataRequired(_l("Décrivez la photo en quelques mots, pour les personnes qui ne la voient pas.")),
                    Length(max=200)],
        description=_l("Pour les personnes qui ne voient pas l'image."),
        render_kw={"maxlength": 200},
    )


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("Un fichier"),
        description=_l("PDF, ODT, DOCX ou image, 10 Mo au plus. Il sera proposé en téléchargement."),
        render_kw={"accept": ".pdf,.odt,.docx,image/jpeg,image/png,image/webp"},
    )


class SendBackForm(FlaskForm):
    reason = TextAreaField(
        _l("Ce qui est à revoir, pour la personne qui l'a écrite"),
        validators=[DataRequired(_l("Dites à la personne qui l'a écrite ce qui est à revoir.")), Length(max=REASON_MAX)],
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )


class FicheFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Chercher"), validators=[Optional(), Length(max=100)])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    theme = SelectField(_l("Thème"), validators=[Optional()])
    level = SelectField(_l("Niveau de participation"), validators=[Optional()])
    kind = SelectField(_l("Type de fiche"), validators=[Optional()])
    page = HiddenField()
