"""Demo data of this feature, for `flask labo seed --demo` and the browser tests:
six published fiches in our own words and one waiting for review."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import User
from labo.contributions.models import Contribution, Visibility
from labo.extensions import db
from labo.fiches import services
from labo.fiches.models import Fiche
from labo.meetings.models import Meeting
from labo.territory.models import Commune
from labo.territory.services import resolve_theme

# title, kind, level, author email, communes, theme, public, method, what worked, difficulties, resources,
# contact (name, details) or None, meeting theme to link or None, published?
DEMO_FICHES = [
    (
        "Une balade urbaine pour regarder la cité autrement",
        "experience", "concertation", "referente.lens@labo.example", ["Lens"], "p2",
        "Vingt-deux personnes : des familles de la cité, quatre jeunes du club de prévention, deux agents du bailleur.",
        "On a tracé à l'avance une boucle d'une heure et demie, avec six arrêts choisis par les habitant·es lors "
        "d'un café la semaine d'avant : l'aire de jeux, le passage sous le pont, le parking derrière l'école…\n"
        "À chaque arrêt, une personne du quartier raconte ce qu'elle y vit, puis chacun note sur une carte ce qui va "
        "et ce qui ne va pas (une couleur par avis). Un·e volontaire prend les photos.\n"
        "On finit autour d'un goûter à la salle de quartier : on colle les cartes sur un grand plan et on choisit "
        "ensemble trois priorités à porter au bailleur et à la mairie.",
        "Marcher ensemble délie les langues : des personnes qui ne viennent jamais en réunion ont beaucoup parlé. "
        "Le plan couvert de cartes a fait une belle trace, reprise ensuite dans le journal de la cité.",
        "Il a plu la moitié du temps : prévoir un plan B à l'abri. Les agents du bailleur ne pouvaient pas répondre "
        "sur place à tout ; on a noté les questions et envoyé les réponses un mois après.",
        "Des cartes de trois couleurs, des crayons, un grand plan imprimé en A0, un goûter, deux personnes pour animer.",
        ("Centre social de la cité", "03 21 00 00 00"), "Le cadre de vie dans nos quartiers", True,
    ),
    (
        "Un thé de quartier au pied de l'immeuble",
        "experience", "consultation", "animatrice@labo.example", ["Avion"], "p1",
        "Une quarantaine de passant·es sur l'après-midi, surtout des femmes et des personnes âgées, qu'on ne voit pas "
        "aux réunions.",
        "Une table, des thermos de thé et de café, des gâteaux faits par des voisines, installés devant le hall un "
        "mercredi de 15 h à 18 h. Une seule question écrite en grand sur une ardoise : « Qu'est-ce qui vous manque "
        "dans le quartier ? ». On écoute, on note les réponses sur des bandes de papier accrochées à un fil.",
        "Aller là où les gens passent plutôt que de les inviter ailleurs. Les réponses accrochées attirent les "
        "curieux, qui lisent et ajoutent la leur.",
        "Le vent ! Et certaines personnes voulaient une réponse immédiate à un problème de logement : "
        "il faut savoir vers qui les orienter.",
        "Thermos, gobelets réutilisables, une ardoise, une ficelle et des pinces à linge, l'accord du bailleur.",
        None, "Aller vers les habitants les plus éloignés", True,
    ),
    (
        "Le jardin partagé des Taberneaux",
        "experience", "codecision", "ambassadeur@labo.example", ["Wingles"], "p2",
        "Une quinzaine de foyers de la cité, des enfants de l'accueil de loisirs, des retraité·es qui jardinaient "
        "autrefois.",
        "Une parcelle prêtée par la commune. Au départ, trois réunions au pied des immeubles pour décider ensemble : "
        "quoi planter, qui arrose quand, à quoi sert la récolte. Les règles sont écrites sur un panneau à l'entrée "
        "et se changent en réunion de jardin, à la majorité des personnes présentes, avec la commune.",
        "Les règles décidées ensemble sont respectées. Les anciens transmettent aux enfants. La récolte partagée "
        "finit en repas de fin d'été.",
        "L'arrosage en août, quand beaucoup partent. Il a fallu un cadenas après des vols d'outils.",
        "Une parcelle avec un point d'eau, des outils, une cabane ou un coffre, des semences, un peu de terreau.",
        ("Mehdi, ambassadeur du Labo", "Par le centre social de Wingles"), "Aller vers les habitants les plus éloignés",
        True,
    ),
    (
        "Le porteur de parole",
        "methode", "consultation", "animatrice@labo.example", [], "p3",
        "Tout public, dans la rue, sur un marché ou devant une école.",
        "On écrit une question ouverte sur un grand panneau (« Et vous, qu'est-ce qui vous ferait venir à une "
        "réunion ? »). Deux ou trois animateur·rices abordent les passant·es, écoutent, puis recopient une phrase "
        "marquante sur une feuille affichée à côté du panneau, avec l'accord de la personne. Au bout d'une heure, "
        "l'espace est couvert de paroles que les passants suivants lisent et commentent.",
        "Pas besoin de salle ni d'inscription. Les phrases affichées donnent envie de réagir.",
        "Choisir une question qui ne se répond pas par oui ou non. Ne pas transformer l'échange en débat.",
        "Deux panneaux, des feuilles A3, des feutres épais, du scotch, deux à trois personnes.",
        None, None, True,
    ),
    (
        "Écouter vraiment : une formation courte à l'écoute active",
        "formation", "information", "referent.lievin@labo.example", ["Liévin"], "p3",
        "Des ambassadeur·rices et des référent·es du Labo, douze personnes par session.",
        "Deux heures en petits groupes. D'abord un jeu de rôle en trois : une personne raconte, une écoute sans "
        "parler, une observe. Puis on échange sur ce qu'on a ressenti. Ensuite, quatre gestes simples : reformuler, "
        "poser une question ouverte, accueillir le silence, ne pas donner de conseil trop vite.",
        "Les jeux de rôle font rire et marquent plus qu'un exposé. Les gens repartent avec une carte mémo.",
        "Deux heures, c'est court : prévoir une deuxième séance pour s'entraîner.",
        "Une salle avec des chaises mobiles, des cartes mémo imprimées, une personne formée pour animer.",
        None, "La proclamation, et après ?", True,
    ),
    (
        "Compte-rendu : la rencontre d'Avion sur les jeunes",
        "compte_rendu", "concertation", "admin@labo.example", ["Avion"], "p1",
        "Soixante-dix personnes, dont une vingtaine de jeunes de 15 à 25 ans venus avec le point information jeunesse.",
        "Accueil et premiers pas pour les nouveaux venus. Trois témoignages de projets montés par des jeunes : "
        "un tournoi de foot entre cités, une radio de quartier, une aide aux devoirs.\n"
        "Ensuite quatre ateliers : se déplacer, trouver un stage, avoir un lieu à soi, être écouté par les élus. "
        "Chaque atelier a noté trois propositions, présentées à tout le monde. Le groupe a voté à main levée "
        "pour en retenir deux à porter au comité de pilotage.",
        "Les jeunes ont animé eux-mêmes deux ateliers. Les propositions retenues sont claires et réalisables.",
        "Peu de jeunes filles dans la salle. La fin a été précipitée : garder vingt minutes pour le vote.",
        "Une grande salle et quatre coins d'atelier, des paperboards, un micro, un goûter.",
        None, "Les jeunes et la participation", True,
    ),
    (
        "La boîte à idées qui voyage de porte en porte",
        "experience", "consultation", "habitante@labo.example", ["Mazingarbe"], "p1",
        "Les voisines et voisins de ma rue, une trentaine de maisons.",
        "J'ai décoré une boîte à chaussures et je l'ai fait passer de maison en maison pendant deux semaines. "
        "Chacun y glissait une idée pour la rue, puis la donnait au voisin.",
        "Des voisins qui ne se parlaient pas ont sonné chez les uns et les autres.",
        "La boîte est restée bloquée une semaine chez quelqu'un qui était parti.",
        "Une boîte, du papier, un stylo.",
        None, None, False,
    ),
]


def _related_contributions(title: str) -> tuple:
    """The demo garden fiche points at the demo's ideas about gardens."""
    if "jardin" not in title.lower():
        return ()
    return tuple(db.session.scalars(
        select(Contribution).where(Contribution.visibility == Visibility.PUBLISHED.value,
                                   Contribution.title.ilike("%jardin%")).order_by(Contribution.id).limit(2)))


def seed(config: Mapping) -> int:
    """Idempotent; returns how many main records were made."""
    made = 0
    for (title, kind, level, email, communes, theme, public, method, worked, difficulties, resources, contact,
         meeting_theme, published) in DEMO_FICHES:
        if db.session.scalar(select(Fiche.id).where(Fiche.title == title)) is not None:
            continue
        author = db.session.scalar(select(User).where(User.email == email))
        if author is None:
            continue
        pillar, ambition = resolve_theme(theme)
        meeting = db.session.scalar(select(Meeting).where(Meeting.theme == meeting_theme).limit(1)) if meeting_theme else None
        data = services.FicheInput(
            kind=kind, title=title, level=level, method=method, public=public, what_worked=worked,
            difficulties=difficulties, resources=resources,
            contact_name=contact[0] if contact else "", contact_details=contact[1] if contact else "",
            contact_consent=contact is not None,
            communes=tuple(db.session.scalars(select(Commune).where(Commune.name.in_(communes)))),
            pillar=pillar, ambition=ambition, meetings=(meeting,) if meeting else (),
            contributions=_related_contributions(title),
        )
        fiche = services.save_fiche(author, None, data, submit=True)
        if published:
            reviewer = db.session.scalar(select(User).where(User.email == "admin@labo.example")) or author
            services.publish(reviewer, fiche)
        made += 1
    db.session.flush()
    return made
