"""Numbers grouped the way the page's language reads them: counts in
`ngettext` and the `|number` and `|euros` filters (labo.core.numbers)."""
from __future__ import annotations

from flask_babel import force_locale

NNBSP = "\u202f"  # the narrow no-break space babel puts between French thousands


def test_counts_are_grouped_in_french_and_in_english(app):
    from labo.core.i18n import ngettext

    page = app.jinja_env.from_string("{{ ngettext('%(num)d personne', '%(num)d personnes', n) }}")
    with app.test_request_context("/"), force_locale("fr"):
        assert page.render(n=15000) == f"15{NNBSP}000 personnes"
        assert page.render(n=1) == "1 personne"
        assert page.render(n=0) == "0 personne"
        assert ngettext("%(num)d personne", "%(num)d personnes", 1234567) == f"1{NNBSP}234{NNBSP}567 personnes"
    with app.test_request_context("/"), force_locale("en"):
        assert page.render(n=15000) == "15,000 people"
        assert ngettext("%(num)d personne", "%(num)d personnes", 1) == "1 person"


def test_number_and_euros_filters(app):
    page = app.jinja_env.from_string("{{ n|number }}|{{ n|euros }}|{{ cents|euros }}|{{ none|number }}")
    with app.test_request_context("/"), force_locale("fr"):
        assert page.render(n=15000, cents=12.5, none=None) == f"15{NNBSP}000|15{NNBSP}000\u00a0€|12,50\u00a0€|"
    with app.test_request_context("/"), force_locale("en"):
        assert page.render(n=15000, cents=12.5, none=None) == "15,000|€15,000|€12.50|"
