"""Forms of questionnaires: the questionnaire itself, a question, and the
messages of every refusal. The answers' form is drawn from the questions
(templates/questionnaires/_answers.html) and read by the view: its fields
are the questions themselves."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.questionnaires.models import KIND_LABELS

ERROR_MESSAGES = {
    "title-required": _l("Donnez un titre au questionnaire."),
    "too-long": _l("Ce texte est trop long."),
    "one-source": _l("Choisissez une rencontre ou une démarche, pas les deux."),
    "not-your-commune": _l("Vous ne pouvez faire un questionnaire que pour vos communes."),
    "cards-need-process": _l("Les cartes de participation ne marchent qu'avec une démarche qui les accepte."),
    "source-unknown": _l("Ce choix n'existe pas ou plus : choisissez dans la liste."),
    "choices-required": _l("Écrivez au moins deux réponses possibles, une par ligne."),
    "too-many-choices": _l("Pas plus de 12 réponses possibles."),
    "kind-invalid": _l("Choisissez le genre de question."),
    "question-required": _l("Écrivez la question."),
    "too-many-questions": _l("Pas plus de 40 questions."),
    "not-draft": _l("Le questionnaire est ouvert : ses questions ne changent plus."),
    "no-questions": _l("Ajoutez au moins une question avant d'ouvrir le questionnaire."),
    "not-open": _l("Ce questionnaire n'est pas ouvert."),
    "channel-invalid": _l("Cette façon de répondre n'existe pas."),
    "account-required": _l("Connectez-vous pour répondre à ce questionnaire."),
    "client-key-invalid": _l("Cet envoi n'a pas pu être lu. Rechargez la page."),
    "already-answered": _l("Vous avez déjà répondu à ce questionnaire. Merci !"),
    "age-band-invalid": _l("Choisissez un âge dans la liste."),
    "qpv-not-in-commune": _l("Ce quartier n'est pas dans la commune choisie."),
    "answers-refused": _l("Certaines réponses manquent : regardez les questions en rouge."),
    "too-fast": _l("Prenez le temps de lire les questions, puis envoyez à nouveau."),
    "no-cards": _l("Ce questionnaire n'accepte pas les cartes de participation."),
    "card-required": _l("Tapez le code de votre carte de participation, ou connectez-vous."),
    "device-answered": _l("Une réponse a déjà été envoyée depuis cet appareil. Merci !"),
}

# Beside a question, why its answer was refused.
ANSWER_MESSAGES = {
    "answer-required": _l("Il faut répondre à cette question."),
    "tick-required": _l("Cochez au moins une réponse."),
    "choice-unknown": _l("Choisissez une réponse de la liste."),
    "one-choice-only": _l("Une seule réponse ici."),
    "scale-invalid": _l("Choisissez une note de 1 à 5."),
    "number-invalid": _l("Écrivez un nombre entier, par exemple 3."),
    "text-too-long": _l("Ce texte est trop long (1000 signes au plus)."),
}


class QuestionnaireForm(FlaskForm):
    title = StringField(_l("Titre du questionnaire"),
                        validators=[DataRequired(_l("Donnez un titre au questionnaire.")), Length(max=160)],
                        description=_l("Court et clair, par exemple : « Votre avis sur la rencontre de mars »."))
    intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=3000)], render_kw={"rows": 3},
                          description=_l("Pourquoi on pose ces questions, et ce qu'on fera des réponses."))
    commune = SelectField(_l("Commune"), validators=[Optional()], choices=[],
                          description=_l("Sans rencontre ni démarche : la commune concernée."))
    meeting = SelectField(_l("Rencontre (questionnaire de satisfaction)"), validators=[Optional()], choices=[])
    from_process = SelectField(_l("Démarche (consultation par questionnaire)"), validators=[Optional()], choices=[])
    allows_anonymous = BooleanField(_l("On peut répondre sans compte"),
                                    description=_l("Un appareil ne peut alors envoyer qu'une réponse."))
    accepts_cards = BooleanField(_l("On peut répondre avec une carte de participation"),
                                 description=_l("Seulement si la démarche accepte les cartes."))


class NewQuestionnaireForm(QuestionnaireForm):
    template = SelectField(_l("Pour commencer"), choices=[
        SelectChoice("", _l("Un questionnaire vide")),
        SelectChoice("satisfaction", _l("Satisfaction après une rencontre (5 questions prêtes)"))],
        validators=[Optional()])


class QuestionForm(FlaskForm):
    text = StringField(_l("La question"), validators=[DataRequired(_l("Écrivez la question.")), Length(max=300)])
    kind = SelectField(_l("Genre de réponse"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[DataRequired(_l("Choisissez le genre de question."))])
    choices = TextAreaField(_l("Réponses possibles (une par ligne)"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 4}, description=_l("Seulement pour « un seul choix » ou « plusieurs choix »."))
    easy_read = StringField(_l("En mots simples (facultatif)"), validators=[Optional(), Length(max=300)],
                            description=_l("La même question, dite plus simplement. Elle s'affiche dessous."))
    required = BooleanField(_l("Réponse obligatoire"))
