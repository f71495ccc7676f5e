"""Forms of the Labo's formal opinions: issuing one, and entering its answer.
The lists of meetings, decisions, processes, communes and partners are
filled by the view; checks that need the database are the service's."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.opinions.models import ADDRESSEE_LABELS

ERROR_MESSAGES = {
    "title-required": _l("Donnez un titre court à l'avis."),
    "body-required": _l("Écrivez l'avis du Labo."),
    "asks-required": _l("Dites ce que le Labo demande."),
    "too-long": _l("Ce texte est trop long."),
    "addressee-invalid": _l("Choisissez à qui l'avis est adressé."),
    "commune-required": _l("Choisissez la commune dont le conseil municipal reçoit l'avis."),
    "partner-required": _l("Choisissez le partenaire qui reçoit l'avis."),
    "decision-other-meeting": _l("Cette décision n'a pas été prise à la rencontre choisie."),
    "meeting-not-held": _l("Cette rencontre n'a pas encore eu lieu : l'avis vient après la rencontre."),
    "source-required": _l("Choisissez la rencontre ou la démarche d'où vient l'avis."),
    "source-not-yours": _l("Vous ne pouvez envoyer un avis que pour une rencontre ou une démarche de vos communes."),
    "source-unknown": _l("Ce choix n'existe pas ou plus : choisissez dans la liste."),
    "due-required": _l("Indiquez la date à laquelle une réponse est attendue."),
    "due-past": _l("La date de réponse doit venir après aujourd'hui."),
    "due-too-far": _l("La date de réponse ne peut pas dépasser un an."),
    "already-answered": _l("Cet avis a déjà reçu sa réponse."),
    "decision-required": _l("Écrivez ce qui a été décidé."),
    "reasons-required": _l("Écrivez pourquoi."),
    "answered-on-required": _l("Indiquez la date de la réponse."),
    "answered-on-future": _l("La date de la réponse ne peut pas être dans le futur."),
    "answered-before-issued": _l("La réponse ne peut pas dater d'avant l'avis."),
}


class IssueForm(FlaskForm):
    title = StringField(_l("Titre de l'avis"), validators=[DataRequired(_l("Donnez un titre court à l'avis.")),
                                                          Length(max=160)],
                        description=_l("Une phrase courte, par exemple : « Des bancs près de l'arrêt de bus »."))
    body = TextAreaField(_l("L'avis du Labo"), validators=[DataRequired(_l("Écrivez l'avis du Labo.")),
                                                           Length(max=6000)], render_kw={"rows": 6})
    asks = TextAreaField(_l("Ce que le Labo demande"), validators=[DataRequired(_l("Dites ce que le Labo demande.")),
                                                                  Length(max=3000)], render_kw={"rows": 3})
    addressee = SelectField(_l("À qui l'avis est adressé"),
                            choices=[SelectChoice(a.value, label) for a, label in ADDRESSEE_LABELS.items()],
                            validators=[DataRequired(_l("Choisissez à qui l'avis est adressé."))])
    commune = SelectField(_l("Commune (si c'est un conseil municipal)"), validators=[Optional()], choices=[])
    partner = SelectField(_l("Partenaire (si c'est un partenaire)"), validators=[Optional()], choices=[])
    meeting = SelectField(_l("Rencontre d'où vient l'avis"), validators=[Optional()], choices=[])
    decision = SelectField(_l("Décision de la rencontre (facultatif)"), validators=[Optional()], choices=[])
    from_process = SelectField(_l("Démarche d'où vient l'avis (facultatif si une rencontre est choisie)"),
                          validators=[Optional()], choices=[])
    answer_due_on = DateField(_l("Réponse attendue au plus tard le"),
                              validators=[DataRequired(_l("Indiquez la date à laquelle une réponse est attendue."))])


class AnswerForm(FlaskForm):
    decision = TextAreaField(_l("Ce qui a été décidé"), validators=[DataRequired(_l("Écrivez ce qui a été décidé.")),
                                                                    Length(max=6000)], render_kw={"rows": 4})
    reasons = TextAreaField(_l("Pourquoi"), validators=[DataRequired(_l("Écrivez pourquoi.")), Length(max=6000)],
                            render_kw={"rows": 4})
    answered_on = DateField(_l("Date de la réponse"),
                            validators=[DataRequired(_l("Indiquez la date de la réponse."))])
