"""Forms for meetings: creating one, registering, attendance on the day."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.meetings.models import AUDIENCE_LABELS, FORM_KINDS, MEETING_KIND_LABELS, Audience, MeetingKind
from labo.territory.forms import MultiCheckboxField

ERROR_MESSAGES = {
    "commune-required": _l("Choisissez la commune qui accueille."),
    "ends-before-start": _l("La fin doit venir après le début."),
    "capacity-positive": _l("Le nombre de places doit être d'au moins 1."),
    "meeting-cancelled": _l("Cette rencontre est annulée."),
    "meeting-past": _l("Cette rencontre est passée : on ne peut plus s'inscrire."),
    "name-required": _l("Indiquez votre prénom."),
    "contact-required": _l("Indiquez un téléphone ou une adresse e-mail, pour vous prévenir en cas de changement."),
    "count-invalid": _l("Indiquez un nombre de personnes."),
    "minutes-required": _l("Écrivez le compte-rendu."),
    "decision-required": _l("Écrivez la décision."),
    "rule-required": _l("Dites comment elle a été prise : la règle que le groupe s'était donnée."),
    "client-key-invalid": _l("Cet ajout n'a pas pu être lu : rechargez la page et ajoutez la personne à nouveau."),
    "attachment-too-big": _l("Le fichier est trop lourd : 10 Mo au plus."),
    "attachment-empty": _l("Choisissez un fichier à joindre."),
    "kind-unknown": _l("Choisissez le type de rencontre."),
    "kind-walk": _l("Un diagnostic en marchant se prépare depuis sa propre page : il ne peut pas changer de type ici."),
    "audience-required": _l("Dites pour qui est la formation : habitants, élus ou professionnels (un ou plusieurs)."),
    "audience-unknown": _l("Choisissez habitant, élu ou professionnel."),
    "one-trainer": _l("Choisissez une personne du Labo ou écrivez un nom, pas les deux."),
    "trainer-name-long": _l("Ce nom est trop long : 120 caractères au plus."),
    "material-unpublished": _l("Choisissez seulement des fiches publiées de la boîte à outils."),
    "attachment-format": _l("Ce type de fichier n'est pas accepté : envoyez un PDF, une image JPEG, PNG ou WebP, "
                            "ou un document ODT ou DOCX."),
}


class MeetingForm(FlaskForm):
    kind = RadioField(_l("Type de rencontre"), default=MeetingKind.LABO.value,
                      choices=[(k.value, MEETING_KIND_LABELS[k]) for k in FORM_KINDS],
                      validators=[DataRequired(_l("Choisissez le type de rencontre."))])
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre.")), Length(max=160)])
    theme = StringField(_l("Thème"), validators=[Optional(), Length(max=240)])
    starts_at = DateTimeLocalField(_l("Début"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Indiquez la date et l'heure."))])
    ends_at = DateTimeLocalField(_l("Fin (facultatif)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    commune = SelectField(_l("Commune qui accueille"), validators=[DataRequired(_l("Choisissez la commune qui accueille."))])
    venue = StringField(_l("Lieu"), validators=[DataRequired(_l("Indiquez le lieu.")), Length(max=160)],
                        description=_l("Par exemple : salle des fêtes, centre social."))
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=240)])
    step_free = BooleanField(_l("Accessible sans marche (fauteuil, poussette)"))
    public_transport = StringField(_l("Transports en commun"), validators=[Optional(), Length(max=240)],
                                   description=_l("Par exemple : bus ligne B, arrêt Mairie."))
    childcare = BooleanField(_l("Garde d'enfants sur place"))
    access_notes = TextAreaField(_l("Autres informations d'accès"), validators=[Optional(), Length(max=2000)])
    capacity = IntegerField(_l("Nombre de places (facultatif)"), validators=[Optional(), NumberRange(min=1, max=100000)],
                            description=_l("Au-delà, les inscriptions vont en liste d'attente."))
    running_order = TextAreaField(_l("Déroulé"), validators=[Optional(), Length(max=5000)],
                                  description=_l("Une étape par ligne. Le modèle du Labo est proposé : adaptez-le."),
                                  render_kw={"rows": 6})
    animators = MultiCheckboxField(_l("Animation"), coerce=int, validators=[Optional()],
                                   description=_l("Qui anime cette rencontre : l'animation tourne."))
    # For a training session only (TRAINING_FIELDS): kept empty for any other kind.
    audiences = MultiCheckboxField(_l("Pour qui est la formation"), validators=[Optional()],
                                   choices=[(a.value, AUDIENCE_LABELS[a]) for a in Audience],
                                   description=_l("Un ou plusieurs publics. Professionnels : les agents et salariés des "
                                                  "communes, des associations et des partenaires."))
    trainer = SelectField(_l("Qui forme : une personne du Labo"), validators=[Optional()], choices=[])
    trainer_name = StringField(_l("Ou son nom, si elle n'a pas de compte sur le site"),
                               validators=[Optional(), Length(max=120)],
                               description=_l("Par exemple : Claire Martin, du centre social."))
    materials = MultiCheckboxField(_l("Supports de formation : fiches de la boîte à outils (facultatif)"),
                                   coerce=int, validators=[Optional()],
                                   description=_l("Les fiches publiées que la formation utilise. Elles sont montrées "
                                                  "sur la page de la formation."))


# The fields shown under "Pour une formation seulement".
TRAINING_FIELDS = ("audiences", "trainer", "trainer_name", "materials")



class CancelMeetingForm(FlaskForm):
    """Cancelling a meeting to come: one box to tick, so that a slip of the finger cannot."""

    confirm = BooleanField(_l("Oui, j'annule la rencontre : les personnes inscrites seront prévenues tout de suite."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer l'annulation."))],
                           id="cancel-confirm")  # unique beside the meeting's form on the same page


class SeatForm(FlaskForm):
    """Asking for a place at a meeting without an account (with one, the
    button alone: ActionForm)."""

    first_name = StringField(_l("Votre prénom"), validators=[DataRequired(_l("Indiquez votre prénom.")), Length(max=60)],
                             render_kw={"autocomplete": "given-name"})
    contact = StringField(_l("Téléphone ou e-mail"), validators=[Optional(), Length(max=254)],
                          description=_l("Seulement pour vous rappeler la rencontre et vous prévenir si elle change. Jamais affiché."),
                          render_kw={"autocomplete": "tel"})


class WalkInForm(FlaskForm):
    first_name = StringField(_l("Prénom de la personne arrivée sans inscription"),
                             validators=[DataRequired(_l("Indiquez votre prénom.")), Length(max=60)])


class PaperCountForm(FlaskForm):
    count = IntegerField(_l("Personnes inscrites seulement sur la feuille papier"),
                         validators=[DataRequired(_l("Indiquez un nombre de personnes.")), NumberRange(min=0, max=100000)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Compte-rendu"), validators=[DataRequired(_l("Écrivez le compte-rendu.")), Length(max=20000)],
                            description=_l("Ce qui s'est dit, en mots simples. Les participants inscrits sont prévenus."),
                            render_kw={"rows": 10})


class DecisionForm(FlaskForm):
    text = TextAreaField(_l("La décision"), validators=[DataRequired(_l("Écrivez la décision.")), Length(max=2000)],
                         render_kw={"rows": 2})
    rule = StringField(_l("Comment elle a été prise"),
                       validators=[DataRequired(_l("Dites comment elle a été prise : la règle que le groupe s'était donnée.")), Length(max=160)],
                       description=_l("Par exemple : consensus, majorité des présents, vote à main levée."))
    votes_for = IntegerField(_l("Pour (facultatif)"), validators=[Optional(), NumberRange(min=0, max=100000)])
    votes_against = IntegerField(_l("Contre (facultatif)"), validators=[Optional(), NumberRange(min=0, max=100000)])
    abstentions = IntegerField(_l("Abstentions (facultatif)"), validators=[Optional(), NumberRange(min=0, max=100000)])


class MinutesAttachmentForm(FlaskForm):
    file = FileField(_l("Un fichier à joindre au compte-rendu"),
                     description=_l("PDF, image (JPEG, PNG, WebP) ou document (ODT, DOCX), 10 Mo au plus. "
                                    "Visible de tous, comme le compte-rendu : pas de feuille d'émargement ni de "
                                    "coordonnées."),
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.odt,.docx,application/pdf,image/jpeg,image/png,"
                                          "image/webp,application/vnd.oasis.opendocument.text,"
                                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
