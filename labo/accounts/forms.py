"""Forms for registration, login, password reset (by link or by a referent's code) and the profile."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from labo.accounts.models import AGE_BAND_LABELS
from labo.core.forms import SelectField
from labo.core.i18n import LANGUAGES, _l
from labo.sms.numbers import PHONE_MESSAGES, looks_like_phone

PASSWORD_MIN = 8

# What the services' refusals mean, in the visitor's language.
ERROR_MESSAGES = {
    "pseudonym-invalid": _l(
        "Le pseudonyme doit faire de 3 à 40 caractères : lettres, chiffres, espaces, points, tirets."
    ),
    "pseudonym-taken": _l("Ce pseudonyme est déjà pris. Essayez-en un autre."),
    "password-wrong": _l("Le mot de passe actuel n'est pas le bon."),
    "role-not-grantable": _l("Tout le monde a déjà le rôle « Habitante ou habitant » : il ne se donne pas."),
    "role-needs-commune": _l("Une personne référente a toujours une commune : choisissez-la."),
    "role-already-granted": _l("Cette personne a déjà ce rôle."),
    "last-admin": _l("Vous êtes le dernier administrateur : nommez-en un autre avant de partir."),
    "code-wrong": _l("Ce n'est pas le bon code, ou il ne marche plus. Demandez-en un nouveau."),
    "phone-only-way-in": _l("Votre compte repose sur ce numéro : choisissez d'abord un mot de passe, pour pouvoir "
                            "vous connecter sans lui."),
    "phone-taken": _l("Ce numéro est déjà celui d'un autre compte. Connectez-vous avec ce numéro."),
    **PHONE_MESSAGES,
}


def new_password_field(label) -> PasswordField:
    """A password being chosen: at least 8 characters, and the browser may suggest one."""
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(min=PASSWORD_MIN, max=200, message=_l("Au moins 8 caractères.")),
        ],
        description=_l("Au moins 8 caractères."),
        render_kw={"autocomplete": "new-password"},
    )


def age_band_choices():
    return [("", _l("Je préfère ne pas le dire"))] + [(b.value, label) for b, label in AGE_BAND_LABELS.items()]


def language_choices():
    return [("", _l("Selon mon navigateur"))] + list(LANGUAGES.items())


class RegisterForm(FlaskForm):
    pseudonym = StringField(
        _l("Pseudonyme"),
        validators=[DataRequired(_l("Choisissez un pseudonyme.")), Length(min=3, max=40)],
        description=_l("C'est le nom que les autres verront. Pas besoin de votre vrai nom."),
        render_kw={"autocomplete": "nickname"},
    )
    password = new_password_field(_l("Mot de passe"))
    # Named "email" for the forms and scripts that fill it in; a mobile number works too.
    email = StringField(
        _l("Adresse e-mail ou numéro de portable"),
        validators=[Optional(), Length(max=254)],
        description=_l("Facultatif : pour retrouver votre mot de passe et savoir quand on vous répond. Jamais affiché. "
                        "Un numéro de portable reçoit un code par SMS."),
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
    )

    def validate_email(self, field) -> None:
        """An address is checked as one; a number is read by the view (labo.sms.numbers)."""
        if field.data and not looks_like_phone(field.data):
            Email(_l("Cette adresse e-mail n'est pas valide."))(self, field)
    home_commune = SelectField(
        _l("Ma commune"),
        validators=[Optional()],
        description=_l("Pour vous montrer ce qui se passe près de chez vous."),
    )
    age_band = SelectField(
        _l("Mon âge (facultatif)"),
        validators=[Optional()],
        description=_l("Seulement pour savoir si toutes les générations participent."),
    )


class LoginForm(FlaskForm):
    # Named "email" for the forms and scripts that fill it in; a pseudonym works too.
    email = StringField(
        _l("Pseudonyme ou adresse e-mail"),
        validators=[DataRequired(_l("Indiquez votre pseudonyme ou votre adresse e-mail.")), Length(max=320)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Garder ma session ouverte sur cet appareil"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Email(_l("Cette adresse e-mail n'est pas valide."))],
        render_kw={"autocomplete": "email"},
    )


class ResetCodeForm(FlaskForm):
    """A new password with the code a referent gave in person."""
    pseudonym = StringField(
        _l("Pseudonyme"),
        validators=[DataRequired(_l("Indiquez votre pseudonyme.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    code = StringField(
        _l("Code donné par la personne référente"),
        validators=[DataRequired(_l("Indiquez le code.")), Length(max=20)],
        description=_l("8 lettres et chiffres, par exemple ABCD-EF23."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )
    password = new_password_field(_l("Nouveau mot de passe"))


class EmailForm(FlaskForm):
    """Adding or changing one's address: it is attached once confirmed."""
    email = EmailField(
        _l("Nouvelle adresse e-mail"),
        validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Email(_l("Cette adresse e-mail n'est pas valide.")), Length(max=254)],
        description=_l("Nous y envoyons un lien : l'adresse est enregistrée quand vous l'ouvrez."),
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("Nouveau mot de passe"))
    confirm = PasswordField(
        _l("Le même, encore une fois"),
        validators=[DataRequired(_l("Retapez le mot de passe.")), EqualTo("password", _l("Les deux mots de passe ne sont pas les mêmes."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    home_commune = SelectField(_l("Ma commune"), validators=[Optional()])
    home_qpv = SelectField(_l("Mon quartier prioritaire (facultatif)"), validators=[Optional()],
                           description=_l("Seulement si vous y habitez : certaines démarches sont réservées à ses habitants."))
    age_band = SelectField(_l("Mon âge (facultatif)"), validators=[Optional()])
    locale = SelectField(_l("Langue du site"), validators=[Optional()])


class EraseAccountForm(FlaskForm):
    password = PasswordField(
        _l("Mon mot de passe, pour confirmer"),
        validators=[DataRequired(_l("Indiquez votre mot de passe."))],
        description=_l("Votre compte, votre profil et vos rôles seront effacés pour de bon."),
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("Nouveau mot de passe"))


class PhoneForm(FlaskForm):
    """Signing in (or creating an account) with a mobile number: a code goes to it by SMS."""
    phone = TelField(
        _l("Mon numéro de portable"),
        validators=[DataRequired(_l("Indiquez votre numéro de portable.")), Length(max=40)],
        description=_l("Par exemple 06 12 34 56 78. Nous y envoyons un code par SMS."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class PhoneCodeForm(FlaskForm):
    code = StringField(
        _l("Le code reçu par SMS"),
        validators=[DataRequired(_l("Indiquez le code reçu par SMS.")), Length(max=20)],
        description=_l("6 chiffres."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class PhoneAccountForm(FlaskForm):
    """The one thing a new account on a number needs: a pseudonym."""
    pseudonym = StringField(
        _l("Pseudonyme"),
        validators=[DataRequired(_l("Choisissez un pseudonyme.")), Length(min=3, max=40)],
        description=_l("C'est le nom que les autres verront. Pas besoin de votre vrai nom."),
        render_kw={"autocomplete": "nickname"},
    )
