"""Forms for posting, commenting, reporting, moderating and answering."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.contributions.models import KIND_LABELS, STATUS_LABELS, Kind
from labo.contributions.services import BODY_MAX, COMMENT_MAX, CONTACT_MAX, GUEST_NAME_MAX, REASON_MAX, TITLE_MAX
from labo.core.forms import ActionForm, SelectField  # noqa: F401  (ActionForm is re-exported for the views)
from labo.core.i18n import _l

ERROR_MESSAGES = {
    "kind-invalid": _l("Choisissez ce que vous partagez : une idée, une envie, une initiative ou une question."),
    "title-required": _l("Donnez un titre en quelques mots."),
    "name-required": _l("Écrivez un prénom ou un pseudonyme : c'est le nom que les autres verront."),
    "name-invalid": _l("Le nom doit faire de 2 à 40 caractères."),
    "contact-invalid": _l("Écrivez une adresse e-mail (comme nom@exemple.fr) ou un numéro de téléphone (comme 06 12 34 56 78), ou laissez vide."),
    "too-fast": _l("Vous êtes allé très vite : relisez, puis appuyez de nouveau sur « Envoyer »."),
    "already-answered": _l("Cette idée a déjà reçu sa réponse : elle ne peut plus être modifiée ni retirée."),
    "not-a-guest": _l("Cette idée est déjà rattachée à un compte."),
    "has-merged": _l("D'autres idées qui disaient la même chose ont été regroupées avec celle-ci : elle ne peut plus "
                     "être retirée. Une personne référente de la commune peut vous aider."),
    "title-too-long": _l("Le titre est trop long : 140 caractères au plus."),
    "body-required": _l("Écrivez quelques mots pour expliquer."),
    "body-too-long": _l("Le texte est trop long : 5 000 caractères au plus."),
    "commune-required": _l("Choisissez la commune concernée."),
    "qpv-not-in-commune": _l("Ce quartier n'est pas dans la commune choisie."),
    "photo-too-big": _l("La photo est trop lourde : 10 Mo au plus."),
    "photo-not-an-image": _l("Ce fichier n'est pas une photo lisible."),
    "photo-format": _l("Envoyez une photo en JPEG, PNG ou WebP."),
    "photo-too-many-pixels": _l("Cette image est trop grande pour être traitée."),
    "photo-empty": _l("Le fichier de la photo est vide."),
    "comment-required": _l("Écrivez votre commentaire."),
    "comment-too-long": _l("Le commentaire est trop long : 2 000 caractères au plus."),
    "reason-required": _l("Dites pourquoi, en quelques mots."),
    "answer-required": _l("Pour ce statut, écrivez la réponse : ce qui a été décidé, et pourquoi."),
    "status-invalid": _l("Choisissez un statut de la liste."),
    "not-published": _l("Cette contribution n'est pas publiée."),
    "not-hidden": _l("Cette contribution n'est pas masquée."),
    "not-pending": _l("Cette contribution n'attend pas de validation."),
    "already-merged": _l("Cette contribution a déjà été regroupée avec une autre."),
    "merge-self": _l("Choisissez une autre contribution que celle-ci."),
    "merge-invalid": _l("On ne peut regrouper qu'avec une contribution publiée."),
}


class ContributionForm(FlaskForm):
    kind = RadioField(
        _l("Je partage…"),
        choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in Kind],
        default=Kind.IDEA.value,
        validators=[DataRequired(_l("Choisissez ce que vous partagez : une idée, une envie, une initiative ou une question."))],
    )
    title = StringField(
        _l("Un titre (facultatif)"),
        validators=[Optional(), Length(max=TITLE_MAX)],
        description=_l("Par exemple : « Des bancs près de l'arrêt de bus ». Sans titre, les premiers mots servent de titre."),
        render_kw={"maxlength": TITLE_MAX},
    )
    body = TextAreaField(
        _l("Votre idée"),
        validators=[DataRequired(_l("Écrivez quelques mots pour expliquer.")), Length(max=BODY_MAX)],
        description=_l("Ce que vous proposez, ce que vous aimeriez, ou ce que vous voulez savoir. Quelques mots suffisent."),
        render_kw={"rows": 4, "maxlength": BODY_MAX},
    )
    commune = SelectField(_l("Commune"), validators=[DataRequired(_l("Choisissez la commune concernée."))])
    qpv = SelectField(_l("Quartier (facultatif)"), validators=[Optional()])
    theme = SelectField(
        _l("Thème (facultatif)"),
        validators=[Optional()],
        description=_l("Un des thèmes du contrat de ville, si vous voyez lequel."),
    )
    photo = FileField(
        _l("Une photo (facultatif)"),
        description=_l("JPEG, PNG ou WebP, 10 Mo au plus. Les informations cachées (lieu, appareil) sont retirées."),
        # data-shrink: static/js/photo.js makes it smaller on the phone before sending
        render_kw={"accept": "image/jpeg,image/png,image/webp", "data-shrink": "1"},
    )
    photo_alt = StringField(
        _l("Que montre la photo ? (facultatif)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Pour les personnes qui ne voient pas l'image."),
    )
    on_behalf_of = StringField(
        _l("Pour qui ? (saisie pour un habitant)"),
        validators=[Optional(), Length(max=60)],
        description=_l("Si vous recopiez ce qu'une personne a dit ou écrit sur papier : son prénom ou un pseudonyme. Laissez vide si c'est votre propre contribution."),
    )


class GuestContributionForm(ContributionForm):
    """The same, without an account: a name, a way to be told of the answer,
    and two traps for robots (a field people never see, and the time taken)."""

    name = StringField(
        _l("Votre prénom ou un pseudonyme"),
        validators=[DataRequired(_l("Écrivez un prénom ou un pseudonyme : c'est le nom que les autres verront.")),
                    Length(max=GUEST_NAME_MAX)],
        description=_l("C'est le nom que les autres verront. Pas besoin de votre vrai nom."),
        render_kw={"maxlength": GUEST_NAME_MAX, "autocomplete": "nickname"},
    )
    contact = StringField(
        _l("Pour être prévenu de la réponse (facultatif)"),
        validators=[Optional(), Length(max=CONTACT_MAX)],
        description=_l("Votre e-mail, ou votre numéro de téléphone pour qu'une personne référente vous appelle. "
                       "Il sert seulement à vous dire ce que devient votre idée ; seules les personnes référentes "
                       "de la commune le voient."),
        render_kw={"maxlength": CONTACT_MAX},
    )
    # Never shown to people (hidden by the style sheet): a robot fills it in.
    website = StringField(_l("Ne rien écrire ici"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()


class RewordForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[Optional(), Length(max=TITLE_MAX)], render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField(
        _l("Votre idée"),
        validators=[DataRequired(_l("Écrivez quelques mots pour expliquer.")), Length(max=BODY_MAX)],
        render_kw={"rows": 6, "maxlength": BODY_MAX},
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Votre commentaire"),
        validators=[DataRequired(_l("Écrivez votre commentaire.")), Length(max=COMMENT_MAX)],
        render_kw={"rows": 3, "maxlength": COMMENT_MAX},
    )


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("Pourquoi signaler cette contribution ?"),
        validators=[DataRequired(_l("Dites pourquoi, en quelques mots.")), Length(max=REASON_MAX)],
        description=_l("Une personne référente de la commune la relira."),
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Raison, montrée à la personne qui l'a écrite"),
        validators=[DataRequired(_l("Dites pourquoi, en quelques mots.")), Length(max=REASON_MAX)],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


class MergeForm(FlaskForm):
    target = SelectField(_l("Regrouper avec"), validators=[DataRequired(_l("Choisissez la contribution qui reste."))])


class AnswerForm(FlaskForm):
    status = SelectField(_l("Statut"), choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()])
    answer = TextAreaField(
        _l("Réponse"),
        validators=[Optional(), Length(max=BODY_MAX)],
        description=_l("Obligatoire pour retenue, non retenue ou réalisée : ce qui a été décidé, et pourquoi."),
        render_kw={"rows": 4, "maxlength": BODY_MAX},
    )


class ContributionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Chercher"), validators=[Optional(), Length(max=100)])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    qpv = SelectField(_l("Quartier"), validators=[Optional()])
    theme = SelectField(_l("Thème"), validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()])
    status = SelectField(_l("Statut"), validators=[Optional()])
    # A label of its own: without one WTForms translates "Page" through its
    # own catalogue, read from disk on every list (bench/page_cost.py).
    page = HiddenField("page")
