"""Acronyms spelled out: `{{ abbr('QPV') }}` in a template gives
<abbr title="quartier prioritaire de la politique de la ville">QPV</abbr> the
first time a page uses it, and the bare acronym afterwards. The explanations
live here, in one place, translated."""
from __future__ import annotations

import re

from flask import has_request_context, request
from markupsafe import Markup, escape

from labo.core.i18n import _l

EXPLANATIONS = {
    "QPV": _l("quartier prioritaire de la politique de la ville"),
    "CALL": _l("Communauté d'agglomération de Lens-Liévin"),
    "COPIL": _l("comité de pilotage du contrat de ville"),
    "FALC": _l("facile à lire et à comprendre"),
    "CAF": _l("caisse d'allocations familiales"),
    "ANRU": _l("Agence nationale pour la rénovation urbaine"),
    "PIC": _l("projets d'initiatives citoyennes, des petites aides de la Région"),
    "GUSP": _l("gestion urbaine et sociale de proximité"),
    "CNIL": _l("Commission nationale de l'informatique et des libertés"),
    "RGAA": _l("référentiel général d'amélioration de l'accessibilité"),
}


def abbr(acronym: str) -> Markup:
    """The acronym in <abbr title="…"> the first time on this page, bare afterwards."""
    explanation = EXPLANATIONS.get(acronym)
    # Per request (its WSGI environ): an application context may outlive several.
    seen = request.environ.setdefault("labo.abbr_seen", set()) if has_request_context() else set()
    if explanation is None or acronym in seen:
        return Markup(escape(acronym))
    seen.add(acronym)
    return Markup('<abbr title="%s">%s</abbr>') % (str(explanation), acronym)


_ACRONYM = re.compile(r"\b(" + "|".join(EXPLANATIONS) + r")\b")


def acronyms(text) -> Markup:
    """Stored text (a decider, a venue) escaped, its known acronyms spelled out
    by abbr(): "le conseil communautaire de la <abbr …>CALL</abbr>"."""
    escaped = str(escape(text or ""))
    return Markup(_ACRONYM.sub(lambda m: str(abbr(m.group(1))), escaped))


def register(app) -> None:
    app.jinja_env.globals["abbr"] = abbr
    app.jinja_env.filters["acronyms"] = acronyms
