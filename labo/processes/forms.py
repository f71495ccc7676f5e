"""Forms of the processes: opening one, and each way of taking part or answering."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, RadioField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.processes.models import Audience, Stance
from labo.processes.eligibility import MESSAGES
from labo.territory.forms import MultiCheckboxField

ERROR_MESSAGES = {
    **MESSAGES,
    "level-invalid": _l("Choisissez le niveau de participation."),
    "method-invalid": _l("Choisissez la façon de participer."),
    "method-level": _l("Cette façon de participer ne va pas avec ce niveau : information → questions ; "
                       "concertation → propositions ; consultation → avis ou vote ; codécision → vote."),
    "commune-required": _l("Choisissez la commune qui mène la démarche (une de vos communes)."),
    "closes-before-opening": _l("La clôture doit venir après l'ouverture."),
    "answer-before-closing": _l("La date de réponse ne peut pas venir avant la clôture."),
    "audience-invalid": _l("Choisissez qui peut participer."),
    "territory-empty": _l("Cochez au moins une commune ou un quartier, ou ouvrez la démarche à tout le monde."),
    "options-too-few": _l("Écrivez au moins 2 options, une par ligne."),
    "options-too-many": _l("20 options au plus."),
    "max-choices-invalid": _l("Le nombre de choix permis doit être entre 1 et le nombre d'options."),
    "title-required": _l("Donnez un titre."),
    "question-required": _l("Écrivez la question posée."),
    "decider-required": _l("Dites qui décide."),
    "locked": _l("Des personnes ont déjà participé : le niveau, la façon de participer et les options ne peuvent "
                 "plus changer."),
    "wrong-method": _l("Cette démarche ne se fait pas de cette façon."),
    "stance-required": _l("Choisissez votre avis : favorable, réservé ou défavorable."),
    "question-body-required": _l("Écrivez votre question."),
    "question-too-long": _l("Votre question est trop longue : 1 000 caractères au plus."),
    "answer-required": _l("Écrivez la réponse."),
    "proposal-title-required": _l("Donnez un titre à votre proposition."),
    "proposal-body-required": _l("Expliquez votre proposition en quelques mots."),
    "proposal-unknown": _l("Cette proposition n'existe pas ou n'est plus visible."),
    "decision-required": _l("Dites si la proposition est retenue ou non."),
    "reason-required": _l("Donnez la raison : c'est ce qu'attendent les personnes qui ont proposé."),
    "return-not-closed": _l("Le retour se publie une fois la démarche close."),
    "return-required": _l("Écrivez le retour : ce qui a été décidé et ce qu'a pesé la participation."),
    "result-first": _l("Publiez d'abord le résultat du vote : en codécision, c'est lui la décision."),
    "finish-not-closed": _l("La démarche n'est pas encore close."),
    "finish-needs-return": _l("Publiez d'abord le retour de qui décide : une démarche ne se termine pas sans retour."),
    "finish-unanswered": _l("Répondez d'abord à chaque proposition (retenue ou non, avec la raison)."),
    "finish-needs-result": _l("Publiez d'abord le résultat du vote."),
}


class ProcessForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre.")), Length(max=160)])
    question = StringField(_l("La question posée"), validators=[DataRequired(_l("Écrivez la question posée.")), Length(max=300)],
                           description=_l("Par exemple : Que faire de la friche de la rue des Écoles ?"))
    context = TextAreaField(_l("Le contexte"), validators=[Optional(), Length(max=20000)],
                            description=_l("Ce qu'il faut savoir pour participer, en mots simples."),
                            render_kw={"rows": 6})
    decider = StringField(_l("Qui décide"), validators=[DataRequired(_l("Dites qui décide.")), Length(max=160)],
                          description=_l("Une instance nommée : le conseil municipal de Lens, la CALL, le COPIL, un bailleur…"))
    commune = SelectField(_l("Commune qui mène la démarche"), validators=[Optional()])
    level = RadioField(_l("Niveau de participation"), validators=[DataRequired(_l("Choisissez le niveau de participation."))])
    method = SelectField(_l("Façon de participer"), validators=[DataRequired(_l("Choisissez la façon de participer."))],
                         description=_l("Information : questions. Consultation : avis, ou un vote. Concertation : "
                                        "propositions. Codécision : un vote."))
    options = TextAreaField(_l("Les options du vote"), validators=[Optional(), Length(max=5000)],
                            description=_l("Pour un vote seulement : une option par ligne, de 2 à 20."),
                            render_kw={"rows": 5})
    max_choices = IntegerField(_l("Nombre de choix permis (vote par approbation, facultatif)"),
                               validators=[Optional(), NumberRange(min=1, max=20)])
    secret = BooleanField(_l("Vote secret"), default=True,
                          description=_l("Codécision seulement : personne, pas même l'équipe, ne peut savoir qui a voté quoi."))
    opens_at = DateTimeLocalField(_l("Ouverture"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(_l("Indiquez la date et l'heure."))])
    closes_at = DateTimeLocalField(_l("Clôture"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Indiquez la date et l'heure."))])
    answer_by = DateField(_l("Réponse de qui décide au plus tard le"),
                          validators=[DataRequired(_l("Indiquez la date."))])
    audience = RadioField(_l("Qui peut participer"), default=Audience.EVERYONE.value,
                          choices=[SelectChoice(Audience.EVERYONE.value, _l("Tout le monde (avec un compte)")),
                                   SelectChoice(Audience.TERRITORY.value,
                                                _l("Les habitantes et habitants des communes ou quartiers cochés"))])
    audience_communes = MultiCheckboxField(_l("Communes"), coerce=int, validators=[Optional()])
    audience_qpvs = MultiCheckboxField(_l("Quartiers prioritaires (QPV)"), coerce=int, validators=[Optional()])
    verified_only = BooleanField(_l("Seulement les comptes vérifiés en personne par une référente ou un référent"))
    accepts_cards = BooleanField(_l("Accepter les cartes de participation"),
                                 description=_l("Avis ou vote seulement. Des cartes imprimées, chacune avec un code à "
                                                "usage unique, distribuées de la main à la main : on participe une fois, "
                                                "sans compte. Elles comptent à part dans les résultats."))
    theme = SelectField(_l("Thème du contrat de ville"), validators=[Optional()])
    decision_rule = TextAreaField(_l("La règle de décision"), validators=[Optional(), Length(max=2000)],
                                  description=_l("En mots simples. Laissez vide pour la règle habituelle de la façon de participer."),
                                  render_kw={"rows": 3})
    easy_read = TextAreaField(_l("Les règles en facile à lire et à comprendre (FALC, facultatif)"),
                              validators=[Optional(), Length(max=5000)],
                              description=_l("Des phrases courtes, un mot simple à la place d'un mot difficile."),
                              render_kw={"rows": 4})


class OpinionForm(FlaskForm):
    stance = RadioField(_l("Mon avis"), choices=[SelectChoice(s.value, s.label) for s in Stance],
                        validators=[DataRequired(_l("Choisissez votre avis : favorable, réservé ou défavorable."))])
    comment = TextAreaField(_l("Mon commentaire (facultatif)"), validators=[Optional(), Length(max=2000)],
                            description=_l("Visible de tous, avec votre pseudonyme."), render_kw={"rows": 3})


class QuestionForm(FlaskForm):
    body = TextAreaField(_l("Ma question"), validators=[DataRequired(_l("Écrivez votre question.")), Length(max=1000)],
                         description=_l("Elle sera publiée avec votre pseudonyme, et la réponse aussi."),
                         render_kw={"rows": 3})


class QuestionAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Réponse publique"), validators=[DataRequired(_l("Écrivez la réponse.")), Length(max=5000)],
                           render_kw={"rows": 3})


class ProposalForm(FlaskForm):
    title = StringField(_l("Ma proposition en une ligne"),
                        validators=[DataRequired(_l("Donnez un titre à votre proposition.")), Length(max=140)])
    body = TextAreaField(_l("Expliquez-la"), validators=[DataRequired(_l("Expliquez votre proposition en quelques mots.")),
                                                        Length(max=5000)], render_kw={"rows": 4})


class DecideForm(FlaskForm):
    decision = RadioField(_l("Réponse"), choices=[SelectChoice("retenue", _l("Retenue")), SelectChoice("non_retenue", _l("Non retenue"))],
                          validators=[DataRequired(_l("Dites si la proposition est retenue ou non."))])
    reason = TextAreaField(_l("La raison"), render_kw={"rows": 2},
                           validators=[DataRequired(_l("Donnez la raison : c'est ce qu'attendent les personnes qui ont proposé.")),
                                       Length(max=2000)])


class ReturnForm(FlaskForm):
    return_text = TextAreaField(_l("Le retour de qui décide"),
                                validators=[DataRequired(_l("Écrivez le retour : ce qui a été décidé et ce qu'a pesé la participation.")),
                                            Length(max=20000)],
                                description=_l("Ce qui a été décidé, et comment la participation a pesé dans la décision."),
                                render_kw={"rows": 8})


class ProcessFilterForm(FlaskForm):
    class Meta:
        csrf = False

    level = SelectField(_l("Niveau"), validators=[Optional()])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    stage = SelectField(_l("Où en est-elle"), validators=[Optional()])
