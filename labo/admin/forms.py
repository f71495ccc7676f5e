"""Administrators' forms for roles and account search."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from labo.accounts.models import GRANTABLE_ROLES, ROLE_LABELS
from labo.core.forms import SelectField
from labo.core.i18n import _l


class GrantRoleForm(FlaskForm):
    role = SelectField(
        _l("Rôle à donner"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in GRANTABLE_ROLES],
        validators=[DataRequired()],
    )
    commune = SelectField(
        _l("Commune (pour une personne référente)"),
        validators=[Optional()],
        description=_l("Une personne référente modère les contributions de cette commune seulement."),
    )


class RevokeRoleForm(FlaskForm):
    """Only the CSRF token: the grant is in the URL."""
