"""Demo data of this feature, for `flask labo seed --demo` and the browser
tests: the satisfaction survey of the latest past meeting, closed, with eight
answers (online, on paper and at the door) so that its results and the
COPIL's satisfaction figures are not empty; and a questionnaire open in Lens
about the neighbourhood's square, answered without an account too."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.core.db import utcnow
from labo.extensions import db
from labo.meetings.models import Meeting, MeetingKind
from labo.questionnaires import services
from labo.questionnaires.models import Questionnaire
from labo.territory.models import Commune

SATISFACTION_TITLE = "Votre avis sur la dernière rencontre"
SQUARE_TITLE = "Le square de la Cité 12 : qu'en pensez-vous ?"

# (useful, welcome, understood, come again (0 yes, 1 maybe, 2 no), a word, channel)
ANSWERS = (
    ("5", "5", "4", "0", "On a enfin pu parler du square.", "paper"),
    ("4", "5", "3", "0", "", "paper"),
    ("4", "4", "4", "1", "Trop de sigles au début.", "paper"),
    ("3", "5", "2", "1", "", "door"),
    ("5", "5", "5", "0", "Merci pour le café.", "door"),
    ("4", "3", "4", "0", "", "paper"),
    ("2", "4", "3", "2", "Je n'ai pas pu parler.", "paper"),
    ("5", "5", "4", "0", "", "online"),
)


def seed(config: Mapping) -> int:
    """Idempotent; returns how many questionnaires were made."""
    admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
    referent = db.session.scalar(select(User).where(User.email == "referente.lens@labo.example")) or admin
    resident = db.session.scalar(select(User).where(User.email == "habitante@labo.example"))
    meeting = db.session.scalar(  # the last Labo meeting held (not a training nor a walk)
        select(Meeting).where(Meeting.starts_at < utcnow(), Meeting.cancelled.is_(False),
                              Meeting.kind == MeetingKind.LABO.value)
        .order_by(Meeting.starts_at.desc()))
    lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
    if admin is None:
        return 0
    made = 0
    if meeting is not None and db.session.scalar(
            select(Questionnaire.id).where(Questionnaire.title == SATISFACTION_TITLE)) is None:
        survey = services.create_questionnaire(
            admin, title=SATISFACTION_TITLE, meeting=meeting, satisfaction=True,
            intro="Cinq questions sur la rencontre, pour faire mieux la prochaine fois.")
        services.open_questionnaire(admin, survey)
        db.session.commit()
        survey = db.session.get(Questionnaire, survey.id)
        questions = survey.questions
        for n, (*values, channel) in enumerate(ANSWERS):
            raw = {q.id: [v] for q, v in zip(questions, values) if v}
            services.submit_response(survey, raw, channel=channel, user=resident if channel == "online" else None,
                                     entered_by=referent if channel != "online" else None, commune=meeting.commune,
                                     age_band=("26_44", "45_64", "65_plus", "18_25")[n % 4],
                                     client_key=None if channel == "online" else f"demo-satisfaction-{n:02d}")
            db.session.commit()
        services.close_questionnaire(admin, db.session.get(Questionnaire, survey.id))
        db.session.commit()
        made += 1
    if lens is not None and db.session.scalar(
            select(Questionnaire.id).where(Questionnaire.title == SQUARE_TITLE)) is None:
        square = services.create_questionnaire(
            referent, title=SQUARE_TITLE, commune=lens, allows_anonymous=True,
            intro="La commune veut refaire le square. Dites-nous comment vous l'utilisez.")
        services.add_question(referent, square, kind="one", text="Allez-vous au square ?",
                              easy_read="Vous y allez souvent ?", required=True,
                              choices="Tous les jours\nChaque semaine\nRarement\nJamais")
        services.add_question(referent, square, kind="many", text="Qu'est-ce qui manque ?",
                              easy_read="Cochez tout ce qui manque.",
                              choices="Des bancs\nDe l'ombre\nDes jeux pour enfants\nDe la lumière le soir")
        services.add_question(referent, square, kind="scale", text="Vous sentez-vous bien dans le square ?",
                              easy_read="De 1 (pas du tout) à 5 (tout à fait).", required=True)
        services.add_question(referent, square, kind="text", text="Une idée pour le square ?")
        services.open_questionnaire(referent, square)
        db.session.commit()
        made += 1
    return made
