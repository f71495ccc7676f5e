"""Forms of the ballots: the tally sheet's fixed fields (its counts, one per
option, grade or opinion, are read by the view from the page's number inputs)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from labo.core.forms import SelectField
from labo.core.i18n import _l
from labo.processes.models import Channel


class TallyForm(FlaskForm):
    channel = RadioField(_l("Où a-t-on voté ?"), choices=[SelectChoice(Channel.PAPER.value, _l("Sur papier")),
                                                         SelectChoice(Channel.WORKSHOP.value, _l("En atelier"))],
                         default=Channel.PAPER.value,
                         validators=[DataRequired(_l("Choisissez « sur papier » ou « en atelier »."))])
    place = StringField(_l("Lieu"), description=_l("Par exemple : mairie de Lens, centre social, atelier du 12 mars."),
                        validators=[DataRequired(_l("Indiquez le lieu du dépouillement.")), Length(max=160)])
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Indiquez la date du dépouillement."))])
    participants = IntegerField(
        _l("Nombre de personnes qui ont voté"), description=_l("Combien de personnes ont voté sur cette feuille."),
        validators=[DataRequired(_l("Indiquez combien de personnes ont participé (au moins une).")),
                    NumberRange(min=1, max=100000, message=_l("Indiquez combien de personnes ont participé (au moins une)."))])
    commune = SelectField(_l("Commune"), choices=[], validate_choice=False, validators=[Optional()])
    photo = FileField(_l("Photo de la feuille (facultatif)"),
                      description=_l("Visible seulement par qui gère la démarche. JPEG, PNG ou WebP, 10 Mo au plus."),
                      validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Envoyez une photo en JPEG, PNG ou WebP."))])
