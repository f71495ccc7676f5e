"""The period the COPIL looks at: two dates in the address (?from=&to=), checked by the services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from labo.core.i18n import _l


class PeriodForm(FlaskForm):
    """Read from the query string (GET): no CSRF token, no secret to protect."""

    class Meta:
        csrf = False

    start = StringField(_l("Du"), name="from", render_kw={"type": "date"},
                        description=_l("Premier jour de la période (AAAA-MM-JJ)"))
    end = StringField(_l("Au"), name="to", render_kw={"type": "date"},
                      description=_l("Dernier jour de la période, inclus (AAAA-MM-JJ)"))
