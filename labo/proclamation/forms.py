"""Forms for signing the proclamation and for editing its text."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from labo.core.forms import ActionForm, SelectField  # noqa: F401  (ActionForm is re-exported for the views)
from labo.core.i18n import _l
from labo.proclamation.models import CATEGORY_LABELS, Category
from labo.proclamation.services import BODY_MAX, NAME_MAX, NOTE_MAX, ORGANISATION_MAX, TITLE_MAX

ERROR_MESSAGES = {
    "category-invalid": _l("Choisissez à quel titre vous signez."),
    "already-signed": _l("Vous avez déjà signé la proclamation."),
    "organisation-already-signed": _l("Cette structure a déjà signé la proclamation."),
    "organisation-required": _l("Écrivez le nom de la structure."),
    "organisation-too-long": _l("Le nom de la structure est trop long : 160 caractères au plus."),
    "representative-required": _l("Écrivez le nom de la personne qui signe pour la structure."),
    "representative-too-long": _l("Le nom ou la fonction est trop long : 80 caractères au plus."),
    "not-yours": _l("Cette signature n'a pas été faite depuis votre compte."),
    "title-required": _l("Donnez un titre au texte."),
    "title-too-long": _l("Le titre est trop long : 200 caractères au plus."),
    "body-required": _l("Le texte ne peut pas être vide."),
    "body-too-long": _l("Le texte est trop long : 30 000 caractères au plus."),
    "note-required": _l("Dites en quelques mots ce qui change."),
    "note-too-long": _l("La note est trop longue : 300 caractères au plus."),
    "nothing-changed": _l("Le texte est le même que la version en ligne : rien à enregistrer."),
    "edited-meanwhile": _l("Quelqu'un a publié une version pendant que vous écriviez : rechargez la page et recommencez."),
}


class PersonSignatureForm(FlaskForm):
    category = RadioField(
        _l("Je signe en tant que…"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category],
        default=Category.RESIDENT.value,
        validators=[DataRequired(_l("Choisissez à quel titre vous signez."))],
    )
    commune = SelectField(
        _l("Ma commune (facultatif)"),
        validators=[Optional()],
        description=_l("Pour compter les signatures par commune. Rien d'autre n'est affiché."),
    )
    public = BooleanField(
        _l("Afficher mon pseudonyme dans la liste des signataires"),
        default=True,
        description=_l("Sinon, votre signature est comptée mais votre nom n'apparaît nulle part."),
    )


class OrganisationSignatureForm(FlaskForm):
    organisation_name = StringField(
        _l("Nom de la structure"),
        validators=[DataRequired(_l("Écrivez le nom de la structure.")), Length(max=ORGANISATION_MAX)],
        description=_l("Une association, un centre social, un bailleur, un service public…"),
        render_kw={"maxlength": ORGANISATION_MAX, "autocomplete": "organization"},
    )
    representative_name = StringField(
        _l("Nom de la personne qui signe pour elle"),
        validators=[DataRequired(_l("Écrivez le nom de la personne qui signe pour la structure.")), Length(max=NAME_MAX)],
        description=_l("Il n'est pas affiché publiquement."),
        render_kw={"maxlength": NAME_MAX, "autocomplete": "name"},
    )
    representative_role = StringField(
        _l("Sa fonction (facultatif)"),
        validators=[Optional(), Length(max=NAME_MAX)],
        description=_l("Par exemple : présidente, directeur."),
        render_kw={"maxlength": NAME_MAX, "autocomplete": "organization-title"},
    )
    commune = SelectField(_l("Commune de la structure (facultatif)"), validators=[Optional()])
    public = BooleanField(_l("Afficher le nom de la structure dans la liste des signataires"), default=True)


class VersionForm(FlaskForm):
    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Donnez un titre au texte.")), Length(max=TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = TextAreaField(
        _l("Texte"),
        validators=[DataRequired(_l("Le texte ne peut pas être vide.")), Length(max=BODY_MAX)],
        description=_l("En HTML simple : paragraphes (p), listes (ul, li), gras (strong), italique (em) et liens (a). Le reste est retiré."),
        render_kw={"rows": 18, "maxlength": BODY_MAX},
    )
    change_note = StringField(
        _l("Ce qui change"),
        validators=[DataRequired(_l("Dites en quelques mots ce qui change.")), Length(max=NOTE_MAX)],
        description=_l("Une phrase, montrée dans l'historique des versions."),
        render_kw={"maxlength": NOTE_MAX},
    )
