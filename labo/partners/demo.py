"""Demo data of this feature, for `flask labo seed --demo` and the browser tests:
seven partners of the city contract with commitments from the templates,
follow-up entries spread over 2024-2026 (so each year's photography differs)
and two overdue reviews (so the follow-up board is not empty). Referents are
fictional, their addresses end in @labo.example."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.extensions import db
from labo.partners import services
from labo.partners.models import Commitment, Partner

# slug, name, kind, description, referent (name, email), [(family, template index), ...]
DEMO_PARTNERS = [
    ("etat-prefecture", "L'État (préfecture du Pas-de-Calais)", "etat",
     "Les services de l'État, signataires du contrat de ville, coordonnés par la préfecture.",
     ("Claire Vasseur", "claire.vasseur@labo.example"),
     [("pilotage", 0), ("pilotage", 2), ("cooperation", 0), ("evaluation", 0), ("financement", 1)]),
    ("region-hauts-de-france", "La Région Hauts-de-France", "region",
     "La Région, pour la formation, l'emploi, les lycées et le développement économique.",
     ("Olivier Delattre", "olivier.delattre@labo.example"),
     [("pilotage", 0), ("cooperation", 2), ("evaluation", 0), ("financement", 0)]),
    ("departement-pas-de-calais", "Le Département du Pas-de-Calais", "departement",
     "Le Département, pour l'action sociale, la protection de l'enfance, l'insertion et les collèges.",
     ("Nadia Belkacem", "nadia.belkacem@labo.example"),
     [("pilotage", 0), ("pilotage", 1), ("cooperation", 0), ("cooperation", 2), ("evaluation", 1), ("financement", 0)]),
    ("caf-pas-de-calais", "La CAF du Pas-de-Calais", "caf",
     "La caisse d'allocations familiales : accès aux droits, petite enfance, jeunesse, centres sociaux.",
     ("Julien Carpentier", "julien.carpentier@labo.example"),
     [("pilotage", 1), ("cooperation", 0), ("cooperation", 1), ("evaluation", 0), ("financement", 2)]),
    ("habitat-du-bassin-minier", "Habitat du Bassin minier", "bailleur",
     "Un bailleur social de la démonstration, présent dans plusieurs cités des quartiers prioritaires.",
     ("Sandrine Lefebvre", "sandrine.lefebvre@labo.example"),
     [("pilotage", 3), ("cooperation", 0), ("evaluation", 2), ("financement", 2), ("financement", 3)]),
    ("call", "La Communauté d'agglomération de Lens-Liévin", "intercommunalite",
     "La CALL porte le contrat de ville et anime le Labo avec son équipe de la cohésion sociale.",
     ("Thomas Dupuis", "thomas.dupuis@labo.example"),
     [("pilotage", 0), ("pilotage", 2), ("cooperation", 1), ("evaluation", 2), ("financement", 1), ("financement", 3)]),
    ("ville-de-lens", "La ville de Lens", "commune",
     "La commune, avec ses quatre quartiers prioritaires et ses équipements de proximité.",
     ("Karima Haddad", "karima.haddad@labo.example"),
     [("pilotage", 1), ("cooperation", 0), ("cooperation", 3), ("evaluation", 0), ("financement", 2)]),
]

# Follow-up histories, used in turn: (month/day of the year, year, status after, note).
HISTORIES = [
    [((3, 14), 2024, "en_cours", "Premier échange avec l'équipe de la cohésion sociale : le principe est acquis."),
     ((6, 12), 2025, "tenu", "Engagement tenu : le compte-rendu du comité le montre.")],
    [((10, 2), 2024, "en_cours", "Une personne est désignée ; le calendrier reste à caler.")],
    [],
    [((5, 21), 2024, "en_cours", "Démarrage annoncé lors du comité technique."),
     ((11, 18), 2025, "non_tenu", "Rien de concret cette année malgré deux relances.")],
    [((2, 11), 2025, "en_cours", "Les premiers chiffres sont arrivés, à l'échelle de la commune seulement."),
     ((3, 5), 2026, "tenu", "Les données par quartier prioritaire sont transmises.")],
    [((9, 30), 2024, "tenu", "Fait dès la première année : présence à chaque comité.")],
    [((4, 8), 2025, "en_cours", "Une première action est lancée avec un centre social.")],
]


def _on(year: int, month_day: tuple[int, int], today: date) -> date:
    return min(date(year, *month_day), today)


def seed(config: Mapping) -> int:
    """Idempotent; returns how many partners were made."""
    today = date.today()
    admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
    templates = services.commitment_templates()
    made = 0
    turn = 0
    overdue_left = 2
    for slug, name, kind, description, (ref_name, ref_email), items in DEMO_PARTNERS:
        if services.get_partner_by_slug(slug) is not None:
            continue
        partner = services.save_partner(admin, Partner(), name=name, slug=slug, kind=kind, description=description)
        made += 1
        for family, index in items:
            template = templates[family][index]
            commitment = services.save_commitment(
                admin, Commitment(), partner=partner, family=family, title=template.title,
                description=template.description, referent_name=ref_name, referent_email=ref_email)
            history = HISTORIES[turn % len(HISTORIES)]
            turn += 1
            for position, (month_day, year, status, note) in enumerate(history):
                happened = _on(year, month_day, today)
                last = position == len(history) - 1
                review = None
                if last and status not in ("tenu", "non_tenu"):
                    if overdue_left and turn % 3 == 0:
                        review = max(today - timedelta(days=12 * overdue_left), happened)
                        overdue_left -= 1
                    else:
                        review = today + timedelta(days=20 + 9 * (turn % 7))
                services.record_follow_up(config.get("LABO_UPLOAD_DIR"), admin, commitment, happened_on=happened,
                                          note=note, status_after=status, next_review_on=review, today=today)
            if not history:
                commitment.next_review_on = today + timedelta(days=45 + turn)
    db.session.flush()
    return made
