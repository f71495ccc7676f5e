"""Demo data of this feature, for `flask labo seed --demo` and the browser tests:
a placeholder text (the Labo writes the real one) and a few signatures."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import func, select

from labo.accounts.services import find_user_by_email
from labo.extensions import db
from labo.proclamation import services
from labo.proclamation.models import Signature
from labo.territory.models import Commune

PLACEHOLDER_TITLE = "Faire de notre agglomération un territoire participatif"

# Our own placeholder words, to be replaced by the text the Labo writes.
PLACEHOLDER_BODY = """
<p><em>Texte provisoire, en attendant la version écrite par le Labo.</em></p>
<p>Dans nos quartiers, chacun et chacune sait des choses que personne d'autre ne sait : où l'on attend le bus sous la pluie, quelle porte reste fermée, qui aide qui. Ce savoir-là compte autant que celui des experts.</p>
<p>Nous voulons que les habitants aient leur mot à dire sur ce qui change leur vie de tous les jours, et pas seulement une fois, au moment d'une consultation : du début à la fin d'un projet.</p>
<p>En signant, nous nous engageons à écouter avec bienveillance, à dire clairement ce qui est décidé, par qui et pourquoi, et à rendre compte de ce qui a été fait de chaque avis.</p>
<p>Nous nous engageons à aller vers celles et ceux qu'on entend le moins, à ouvrir nos portes, à expliquer nos mots et à laisser du temps pour comprendre.</p>
<p>Nous nous engageons enfin à essayer, à nous tromper parfois, et à apprendre ensemble, commune après commune.</p>
""".strip()

# (email, category, public)
PEOPLE = [
    ("ambassadeur@labo.example", "habitant", True),
    ("animatrice@labo.example", "membre_association", True),
    ("referente.lens@labo.example", "agent_municipal", False),
    ("copil@labo.example", "elu", True),
]
# (email of the representative's account, organisation, representative, role, commune)
ORGANISATIONS = [
    ("referent.lievin@labo.example", "Centre social des Hauts de Liévin", "Karim B.", "coordinateur", "Liévin"),
    ("referente.lens@labo.example", "Bailleur Habitat du Bassin minier", "Nadia L.", "chargée de proximité", "Lens"),
    ("animatrice@labo.example", "Association Parents d'Avion", "Sophie M.", "présidente", "Avion"),
]


def seed(config: Mapping) -> int:
    """Idempotent; returns how many main records were made."""
    made = 0
    if services.current_version() is None:
        admin = find_user_by_email("admin@labo.example")
        services.publish_version(admin, title=PLACEHOLDER_TITLE, body=PLACEHOLDER_BODY,
                                 change_note="Texte provisoire pour démarrer")
        made += 1
    if db.session.scalar(select(func.count(Signature.id))):
        db.session.flush()
        return made
    for email, category, public in PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            continue
        db.session.add(Signature(kind="personne", category=category, signer_id=user.id, person_user_id=user.id,
                                 commune_id=user.home_commune_id, public=public))
        made += 1
    for email, name, representative, role, commune_name in ORGANISATIONS:
        user = find_user_by_email(email)
        if user is None:
            continue
        commune = db.session.scalar(select(Commune).where(Commune.name == commune_name))
        db.session.add(Signature(kind="organisation", signer_id=user.id, organisation_name=name,
                                 organisation_key=services.organisation_key(name), representative_name=representative,
                                 representative_role=role, commune_id=commune.id if commune else None, public=True))
        made += 1
    db.session.flush()
    return made
