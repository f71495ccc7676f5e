"""Demo data for `flask labo seed --demo`: one account per role, so that
every page can be tried right after `make run`. Never for production."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant, User
from labo.accounts.services import find_user_by_email, hash_password, pseudonym_key
from labo.actors import services as actor_services
from labo.actors.models import ActivityEntry, Organisation
from labo.contributions import services as contribution_services
from labo.contributions.models import Contribution, FINAL_STATUSES, Status
from labo.core.db import utcnow
from labo.extensions import db
from labo.fiches import demo as fiches
from labo.fund import demo as fund
from labo.letters import demo as letters
from labo.meetings import demo as trainings
from labo.meetings.models import Meeting, RUNNING_ORDER_TEMPLATE
from labo.opinions import demo as opinions
from labo.walks import demo as walks
from labo.partners import demo as partners
from labo.processes import demo as processes
from labo.proclamation import demo as proclamation
from labo.questionnaires import demo as questionnaires
from labo.territory.models import Commune, Pillar
from labo.territory.services import resolve_theme
from labo.workshops import demo as workshops

DEMO_PASSWORD = "labo-demo-2024"

DEMO_ACCOUNTS = [
    # pseudonym, email, home commune, age band, roles [(role, commune or None)]
    ("Admin du Labo", "admin@labo.example", "Lens", None, [(Role.ADMIN, None)]),
    ("Nadia de Lens", "referente.lens@labo.example", "Lens", "45_64", [(Role.REFERENT, "Lens")]),
    ("Karim de Liévin", "referent.lievin@labo.example", "Liévin", "26_44", [(Role.REFERENT, "Liévin")]),
    ("Sophie anime", "animatrice@labo.example", "Avion", "26_44", [(Role.ANIMATOR, None)]),
    ("Mehdi ambassadeur", "ambassadeur@labo.example", "Wingles", "18_25", [(Role.AMBASSADOR, None)]),
    ("Élus et partenaires", "copil@labo.example", None, None, [(Role.COPIL, None)]),
    ("Josiane", "habitante@labo.example", "Mazingarbe", "65_plus", []),
]


DEMO_CONTRIBUTIONS = [
    # kind, title, body, theme (pillar "pN" or None)
    ("idee", "Des bancs près de l'arrêt de bus", "Les personnes âgées attendent debout. Deux bancs et un abri suffiraient.", "p2"),
    ("envie", "Un jardin partagé au pied des immeubles", "Il y a une pelouse que personne n'utilise. On pourrait y faire pousser des légumes avec les enfants.", "p2"),
    ("question", "Qui s'occupe de l'éclairage de la rue ?", "Deux lampadaires sont éteints depuis l'hiver. À qui faut-il le dire ?", "p2"),
    ("initiative", "Aide aux devoirs le mercredi", "Avec trois voisines, nous aidons déjà six enfants. Nous cherchons une salle.", "p2"),
    ("idee", "Une permanence pour les papiers", "Beaucoup de gens n'osent pas aller en mairie pour leurs démarches. Une permanence au centre social aiderait.", "p1"),
    ("envie", "Plus d'activités pour les ados", "Les jeunes n'ont rien à faire le soir. Un terrain éclairé ou une salle ouverte tard, ce serait bien.", "p1"),
    ("idee", "Un marché le samedi matin", "Pour acheter frais sans prendre la voiture, et pour se rencontrer.", None),
    ("question", "Quand seront refaits les trottoirs ?", "Avec une poussette ou un fauteuil, on passe sur la route.", "p2"),
    ("initiative", "Repair café une fois par mois", "Je répare les vélos et les petits appareils. Je peux apprendre aux autres.", "p3"),
    ("idee", "Des poubelles de tri près des écoles", "Les enfants apprennent le tri à l'école mais il n'y a rien dehors.", None),
    ("envie", "Une fête des voisins dans la cité", "Pour se connaître entre anciens et nouveaux habitants.", "p3"),
    ("question", "Comment devenir ambassadeur du Labo ?", "J'aimerais aider à faire connaître les rencontres dans mon quartier.", "p3"),
]


def seed_demo_contributions(config: Mapping) -> int:
    """A few dozen contributions over the communes, some supported, commented and answered."""
    from datetime import timedelta

    if db.session.scalar(select(Contribution.id).limit(1)) is not None:
        return 0
    residents = list(db.session.scalars(select(User).order_by(User.id)))
    admin = next(u for u in residents if u.has_role(Role.ADMIN))
    communes = list(db.session.scalars(select(Commune).where(Commune.in_call).order_by(Commune.slug)))
    created = []
    for n in range(36):
        kind, title, body, theme = DEMO_CONTRIBUTIONS[n % len(DEMO_CONTRIBUTIONS)]
        commune = communes[(n * 7) % len(communes)]
        author = residents[n % len(residents)]
        pillar, ambition = resolve_theme(theme)
        contribution = contribution_services.create_contribution(
            config, author, kind=kind, title=title if n < len(DEMO_CONTRIBUTIONS) else f"{title} ({commune.name})",
            body=body, commune=commune, qpv=commune.qpvs[0] if commune.qpvs else None, pillar=pillar, ambition=ambition,
        )
        created.append(contribution)
    for n, contribution in enumerate(created):
        for supporter in residents[: (n * 3) % len(residents)]:
            contribution_services.support(supporter, contribution)
        if n % 4 == 0:
            contribution_services.add_comment(residents[(n + 1) % len(residents)], contribution, "Bonne idée, je suis d'accord !")
        if n % 6 == 1:
            contribution_services.answer(config, admin, contribution, Status.STUDYING.value, "")
        if n % 9 == 2:
            contribution_services.answer(config, admin, contribution, Status.RETAINED.value,
                            "Le conseil municipal a retenu cette idée : les travaux sont prévus au printemps.")
        if n % 11 == 3:
            contribution_services.answer(config, admin, contribution, Status.NOT_RETAINED.value,
                            "Pas retenue pour cette année : le budget est déjà engagé. Nous la reprendrons au prochain budget.")
    # A few posted 70 to 120 days ago and still unanswered (Liévin's, Lens's,
    # Harnes's), so that the late-answers list has something to show.
    now = utcnow()
    for n, contribution in enumerate(created):
        if n % 8 == 4 and Status(contribution.status) not in FINAL_STATUSES:
            contribution.created_at = now - timedelta(days=70 + (n * 3) % 51)
    db.session.flush()
    return len(created)


# The Labo's five meetings of 2023-2024: date, commune, participants.
DEMO_MEETINGS = [
    ("2023-05-15", "Lens", "Siège de la CALL", 42, "Le Labo démarre : se connaître et fixer nos règles"),
    ("2023-07-04", "Lens", "Siège de la CALL", 58, "La proclamation, et après ?"),
    ("2023-09-26", "Mazingarbe", "Salle des fêtes", 65, "Le cadre de vie dans nos quartiers"),
    ("2023-11-27", "Wingles", "Centre social", 52, "Aller vers les habitants les plus éloignés"),
    ("2024-03-23", "Avion", "Salle polyvalente", 70, "Les jeunes et la participation"),
]


def seed_demo_meetings(config: Mapping) -> int:
    """The five 2023-24 meetings, held, with their head counts from the paper
    sheets, and one coming up in a month."""
    from datetime import datetime, timedelta, timezone

    if db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return 0
    communes = {c.name: c for c in db.session.scalars(select(Commune))}
    animators = list(db.session.scalars(select(User).where(User.grants.any(RoleGrant.role == Role.ANIMATOR.value))))
    for day, commune, venue, count, theme in DEMO_MEETINGS:
        starts = datetime.fromisoformat(day).replace(hour=13, minute=30, tzinfo=timezone.utc)
        db.session.add(Meeting(
            title=f"Rencontre du Labo à {commune}", theme=theme, starts_at=starts,
            ends_at=starts.replace(hour=16, minute=30), commune=communes[commune], venue=venue,
            step_free=True, running_order=str(RUNNING_ORDER_TEMPLATE), paper_count=count, animators=animators,
        ))
    upcoming = (datetime.now(timezone.utc) + timedelta(days=30)).replace(hour=13, minute=30, second=0, microsecond=0)
    db.session.add(Meeting(
        title="Rencontre du Labo à Liévin", theme="Ce que nous voulons pour nos quartiers en 2030",
        starts_at=upcoming, ends_at=upcoming + timedelta(hours=3), commune=communes["Liévin"],
        venue="Centre social", address="Place de la République", step_free=True,
        public_transport="Bus, arrêt Mairie", childcare=True, capacity=60,
        running_order=str(RUNNING_ORDER_TEMPLATE), animators=animators,
    ))
    db.session.flush()
    return len(DEMO_MEETINGS) + 1


def seed_demo(config: Mapping) -> int:
    """Create the demo accounts that do not exist yet; return how many."""
    communes = {c.name: c for c in db.session.scalars(select(Commune))}
    created = 0
    password_hash = hash_password(config, DEMO_PASSWORD)
    for pseudonym, email, home, age_band, roles in DEMO_ACCOUNTS:
        if find_user_by_email(email) is not None:
            continue
        user = User(
            pseudonym=pseudonym,
            pseudonym_key=pseudonym_key(pseudonym),
            email=email,
            password_hash=password_hash,
            home_commune=communes.get(home) if home else None,
            age_band=age_band,
        )
        for role, commune in roles:
            user.grants.append(RoleGrant(role=role.value, commune=communes.get(commune) if commune else None))
        db.session.add(user)
        created += 1
    db.session.flush()
    return created


# Associations and partner structures of the demo directory:
# name, kind, communes, themes (ambition numbers "pillar.ambition"), description, email, phone.
DEMO_ORGANISATIONS = [
    ("Centre social Pierre-Degrugillier", "partenaire", ["Wingles"], ["1.2", "3.1"],
     "Accueil, aide aux démarches et activités pour toutes les familles du quartier.", "accueil@cs-wingles.example", "03 21 00 00 01"),
    ("Les Jardins de la Cité 12", "association", ["Lens"], ["2.3"],
     "Un jardin partagé au pied des immeubles : on y vient pour planter, apprendre et se retrouver.", "jardins.cite12@example.org", None),
    ("Collectif des mamans de Calonne", "collectif", ["Liévin"], ["1.1", "2.1"],
     "Des mères du quartier qui organisent l'aide aux devoirs et les sorties des enfants.", None, "06 00 00 00 02"),
    ("Repair café de Mazingarbe", "association", ["Mazingarbe", "Bully-les-Mines"], ["3.2"],
     "Une fois par mois, on répare ensemble vélos, petits appareils et vêtements.", "repair.mazingarbe@example.org", None),
    ("Point d'accès au droit", "service_public", ["Avion", "Sallaumines", "Méricourt"], ["1.3", "2.4"],
     "Des permanences gratuites pour comprendre ses droits et se faire aider dans ses démarches.", None, "03 21 00 00 03"),
]

# Demo people who show themselves in the directory, and what they noted in their log:
# email, presentation, public email or None, communes, themes, [(days ago, kind, commune, people, text)].
DEMO_ACTORS = [
    ("ambassadeur@labo.example",
     "J'ai 22 ans, j'habite Wingles. Je parle du Labo aux jeunes du quartier et au club de foot.",
     "mehdi.ambassadeur@example.org", ["Wingles"], ["1.1", "3.1"],
     [(40, "rencontre", "Wingles", 12, "Au club de foot : les jeunes veulent un terrain éclairé le soir."),
      (25, "relais", "Wingles", 30, "Affiches de la prochaine rencontre déposées à la boulangerie et au centre social."),
      (10, "retour", "Wingles", None, "Les parents demandent des horaires après 18 h pour les rencontres.")]),
    ("referente.lens@labo.example",
     "Référente pour Lens. Je relis les idées de la commune et je fais le lien avec la mairie.",
     None, ["Lens"], ["2.3"],
     [(35, "rencontre", "Lens", 8, "Permanence au marché de la Cité 12."),
      (5, "retour", "Lens", None, "Les trottoirs de la rue principale reviennent dans beaucoup de discussions.")]),
    ("referent.lievin@labo.example", "", None, ["Liévin"], [], []),
]


def seed_demo_actors(config: Mapping) -> int:
    """A few associations and partner structures in the directory, and the
    demo ambassador and referents shown there with a presentation and a few
    lines in their activity log. Returns how many organisations were made."""
    from datetime import date, timedelta

    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        return 0
    communes = {c.name: c for c in db.session.scalars(select(Commune))}
    ambitions = {f"{p.number}.{a.number}": a for p in db.session.scalars(select(Pillar)) for a in p.ambitions}
    admin = db.session.scalar(select(User).where(User.grants.any(RoleGrant.role == Role.ADMIN.value)).order_by(User.id))
    if admin is None:
        return 0

    def themes(keys):
        return [ambitions[k] for k in keys if k in ambitions]

    for name, kind, where, theme_keys, description, email, phone in DEMO_ORGANISATIONS:
        actor_services.save_organisation(
            admin, Organisation(), name=name, kind=kind, description=description, contact_email=email,
            contact_phone=phone, website=None, communes=[communes[c] for c in where if c in communes],
            ambitions=themes(theme_keys),
        )
    today = date.today()
    for email, presentation, public_email, where, theme_keys, log in DEMO_ACTORS:
        user = find_user_by_email(email)
        if user is None:
            continue
        actor_services.save_profile(
            user, listed=True, public_email=public_email, public_phone=None, presentation=presentation,
            communes=[communes[c] for c in where if c in communes], ambitions=themes(theme_keys),
        )
        for days_ago, kind, commune, people, text in log:
            actor_services.save_activity(user, ActivityEntry(), happened_on=today - timedelta(days=days_ago), kind=kind,
                                   commune=communes[commune], people_count=people, text=text, today=today)
    db.session.flush()
    return len(DEMO_ORGANISATIONS)


def seed_demo_features(config: Mapping) -> dict[str, int]:
    """The proclamation and its signatures, the partners' commitments, the
    experience fiches and the participation processes of the demo. Returns how
    many of each were made."""
    return {
        "signature(s)": proclamation.seed(config),
        "partner(s)": partners.seed(config),
        "fiche(s)": fiches.seed(config),
        "training session(s)": trainings.seed(config),  # after the fiches: their materials
        "process(es)": processes.seed(config),
        "workshop board(s)": workshops.seed(config),
        "letter(s)": letters.seed(config),
        "opinion(s)": opinions.seed(config),
        "walk(s)": walks.seed(config),
        "fund round(s)": fund.seed(config),
        "questionnaire(s)": questionnaires.seed(config),  # after the meetings: a satisfaction survey
    }
