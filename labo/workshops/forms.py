"""Forms of the live boards (each works without JavaScript) and the messages
for every refusal, shared by the pages and the socket events."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from labo.contributions.models import KIND_LABELS, Kind
from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.workshops.models import PHASE_LABELS, VOTE_DISPLAY_LABELS, VOTE_DISPLAYS, Phase
from labo.workshops.services import GROUP_TITLE_MAX, NOTE_MAX, PSEUDONYM_MAX, TITLE_MAX

ERROR_MESSAGES = {
    "title-required": _l("Donnez un titre à l'atelier."),
    "title-too-long": _l("Le titre est trop long : 120 caractères au plus."),
    "too-many-columns": _l("Six colonnes au plus."),
    "column-too-long": _l("Un titre de colonne fait 60 caractères au plus."),
    "dots-range": _l("Entre 1 et 20 gommettes par personne."),
    "vote-display-unknown": _l("Choisissez ce que l'écran montre pendant le vote."),
    "dots-already-placed": _l("Des gommettes sont déjà posées au-delà de ce nombre : on ne peut pas le baisser autant."),
    "code-exhausted": _l("Impossible de créer un code pour l'atelier : réessayez."),
    "code-unknown": _l("Ce code ne correspond à aucun atelier. Vérifiez les 6 caractères affichés à l'écran."),
    "pseudonym-required": _l("Choisissez un prénom ou un pseudo."),
    "pseudonym-too-long": _l("40 caractères au plus pour le pseudo."),
    "client-key-invalid": _l("Cette note n'a pas pu être lue : rechargez la page et écrivez-la à nouveau."),
    "board-locked": _l("L'atelier est verrouillé par l'animation : on ne peut plus rien ajouter pour l'instant."),
    "not-writing": _l("Ce n'est plus le moment d'écrire : l'animation est passée à une autre étape."),
    "not-voting": _l("Les gommettes se posent pendant l'étape du vote."),
    "column-unknown": _l("Choisissez une colonne."),
    "note-required": _l("Écrivez votre idée avant d'envoyer."),
    "note-too-long": _l("Une note fait 280 caractères au plus."),
    "too-many-notes": _l("Vous avez déjà écrit beaucoup de notes sur ce tableau : parlez-en à l'animation."),
    "note-unknown": _l("Cette note n'est plus sur le tableau."),
    "group-unknown": _l("Ce groupe n'existe plus."),
    "group-target-required": _l("Choisissez avec quelle note ou quel groupe regrouper."),
    "group-self": _l("Choisissez une autre note que celle-ci."),
    "group-title-required": _l("Donnez un titre au groupe."),
    "group-title-too-long": _l("Le titre du groupe fait 80 caractères au plus."),
    "target-unknown": _l("Choisissez une note ou un groupe."),
    "no-dots-left": _l("Vous avez posé toutes vos gommettes. Retirez-en une pour la mettre ailleurs."),
    "no-dot-here": _l("Vous n'avez pas de gommette ici."),
    "phase-unknown": _l("Cette étape n'existe pas."),
    "timer-range": _l("Le minuteur va de 0 à 240 minutes."),
    "commune-required": _l("Choisissez la commune des idées (l'atelier n'est lié à aucune rencontre)."),
    "nothing-chosen": _l("Cochez au moins une note ou un groupe."),
    "board-unknown": _l("Cet atelier n'existe pas ou plus."),
    "token-invalid": _l("Votre place sur ce tableau n'a pas été reconnue : rejoignez l'atelier avec son code."),
    "not-participant": _l("Rejoignez l'atelier avec son code pour écrire et voter."),
    "not-allowed": _l("Seule l'animation de cet atelier peut faire cela."),
    "not-an-animator": _l("Seuls les animateurs, référents et administrateurs peuvent co-animer."),
    "action-key-invalid": _l("Cette action n'a pas pu être lue : rechargez la page et recommencez."),
    "server-error": _l("Le serveur n'a pas pu enregistrer cela. Rien n'est perdu : on réessaie."),
}


VOTE_CHOICES = [(value, VOTE_DISPLAY_LABELS[value]) for value in VOTE_DISPLAYS]


class BoardForm(FlaskForm):
    title = StringField(_l("Titre de l'atelier"), validators=[DataRequired(_l("Donnez un titre à l'atelier.")),
                                                              Length(max=TITLE_MAX, message=_l("Le titre est trop long : 120 caractères au plus."))])
    meeting = SelectField(_l("Rencontre"), coerce=str, validators=[Optional()],
                          description=_l("Les idées retenues iront dans la commune de la rencontre."))
    commune = SelectField(_l("Commune des idées"), coerce=str, validators=[Optional()],
                          description=_l("Si l'atelier n'est lié à aucune rencontre."))
    columns = TextAreaField(_l("Colonnes, une par ligne"), validators=[Optional(), Length(max=500, message=_l("Six colonnes au plus."))],
                            description=_l("Six au plus. Laissez vide pour : Ce qui va, Ce qui manque, Ce qu'on propose."))
    dots_per_person = IntegerField(_l("Gommettes par personne"), default=3,
                                   validators=[InputRequired(_l("Entre 1 et 20 gommettes par personne.")),
                                               NumberRange(1, 20, _l("Entre 1 et 20 gommettes par personne."))])
    private_writing = BooleanField(_l("Écriture cachée : chacun ne voit que ses notes jusqu'au dévoilement"))
    authors_visible = BooleanField(_l("Afficher les pseudos des auteurs"), default=True)
    vote_display = RadioField(_l("Pendant le vote"), choices=VOTE_CHOICES, default="live", validators=[Optional()],
                              description=_l("Ce que l'écran de la salle montre. À l'aveugle, personne ne suit les votes des autres."))


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: the code only leads to the board's page

    code = StringField(_l("Code de l'atelier"), validators=[DataRequired(_l("Tapez le code affiché à l'écran.")),
                                                            Length(max=12, message=_l("Le code fait 6 caractères."))],
                       description=_l("6 lettres et chiffres, affichés sur l'écran de la salle."))


class JoinForm(FlaskForm):
    pseudonym = StringField(_l("Votre prénom ou un pseudo"), validators=[
        DataRequired(_l("Choisissez un prénom ou un pseudo.")), Length(max=PSEUDONYM_MAX, message=_l("40 caractères au plus pour le pseudo."))],
        description=_l("Il peut s'afficher à côté de vos notes. Pas besoin de compte."))


class NoteForm(FlaskForm):
    column = RadioField(_l("Colonne"), coerce=int, validators=[InputRequired(_l("Choisissez une colonne."))])
    text = TextAreaField(_l("Votre note"), validators=[DataRequired(_l("Écrivez votre idée avant d'envoyer.")),
                                                       Length(max=NOTE_MAX, message=_l("Une note fait 280 caractères au plus."))],
                         description=_l("Une idée par note, 280 caractères au plus."))
    client_key = HiddenField()


class DotForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    target = HiddenField(validators=[DataRequired()])
    action = HiddenField(default="place")


class SteerForm(FlaskForm):
    phase = SelectField(_l("Étape"), choices=[SelectChoice(p.value, PHASE_LABELS[p]) for p in Phase])
    minutes = IntegerField(_l("Minuteur (minutes)"), description=_l("0 pour l'arrêter."), validators=[
        Optional(), NumberRange(0, 240, _l("Le minuteur va de 0 à 240 minutes."))])
    locked = BooleanField(_l("Verrouiller le tableau"))
    authors_visible = BooleanField(_l("Afficher les pseudos des auteurs"))
    private_writing = BooleanField(_l("Écriture cachée (décocher pour dévoiler les notes)"))
    # Left out (a page from before this setting), the board keeps its own.
    vote_display = RadioField(_l("Pendant le vote"), choices=VOTE_CHOICES, validators=[Optional()])


class CoAnimatorForm(FlaskForm):
    user = SelectField(_l("Ajouter une personne qui anime avec vous"), coerce=str,
                       validators=[DataRequired(_l("Choisissez une personne de la liste."))],
                       description=_l("Elle pourra piloter ce tableau avec vous."))


class GroupForm(FlaskForm):
    target = SelectField(_l("Mettre dans le groupe de"), coerce=str, validators=[DataRequired(_l("Choisissez avec quelle note ou quel groupe regrouper."))])


class RenameForm(FlaskForm):
    title = StringField(_l("Titre du groupe"), validators=[DataRequired(_l("Donnez un titre au groupe.")),
                                                          Length(max=GROUP_TITLE_MAX, message=_l("Le titre du groupe fait 80 caractères au plus."))])


class ContributionsForm(FlaskForm):
    kind = SelectField(_l("Ces notes deviennent"), choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in Kind], default=Kind.IDEA.value)
