"""Demo data of the micro-projects fund, for `flask labo seed --demo` and the
browser tests: last year's round for the whole agglomeration, closed, with
two funded projects (one paid, whose group's report became a published
experience fiche) and one refused; this year's round for Lens, open, with
one application before the committee and the referent's opinion."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Optional

from sqlalchemy import select

from labo.accounts.models import User
from labo.extensions import db
from labo.fiches import services as fiche_services
from labo.fund import services
from labo.fund.models import FundRound, RoundState
from labo.territory.models import Commune, Qpv

RULES = ("Le fonds aide les groupes d'habitants et les petites associations à faire un projet pour leur quartier : "
         "une fête, un jardin, une sortie, une fresque, un atelier.\n"
         "Le groupe compte au moins trois habitants. Le projet est ouvert à tout le quartier et sans profit.\n"
         "Le fonds ne paie pas les salaires, les voyages ni le matériel que le groupe garderait pour lui.\n"
         "Le comité, où les habitants sont les plus nombreux, lit chaque demande avec l'avis de la personne "
         "référente de la commune, puis vote.")
EASY = ("Vous avez une idée pour votre quartier.\n"
        "Vous êtes au moins trois.\n"
        "Le fonds peut vous donner de l'argent.\n"
        "Vous expliquez votre idée. Vous dites combien elle coûte.\n"
        "Un groupe d'habitants décide.\n"
        "Après, vous racontez ce que vous avez fait.")

REPORT = ("Le repas a eu lieu dans la cour un samedi de juin. Nous étions plus de 90, avec les enfants.\n"
          "Chaque famille a apporté un plat. Un voisin a joué de l'accordéon et les enfants ont fait les affiches.\n"
          "Les tables louées ont suffi. Des voisins qui ne se parlaient pas ont décidé de refaire la fête l'an "
          "prochain.")


def _user(email: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.email == email))


def _commune(name: str) -> Optional[Commune]:
    return db.session.scalar(select(Commune).where(Commune.name == name))


def _qpv(code: str) -> Optional[Qpv]:
    return db.session.scalar(select(Qpv).where(Qpv.code == code))


def _apply(author: User, fund_round: FundRound, today: date, *, title: str, commune: str, qpv: str, what: str,
           for_whom: str, lines: list[tuple[str, int]], group: str, contact: str):
    application = services.save_application(
        author, fund_round, None, title=title, what=what, for_whom=for_whom, commune=_commune(commune), qpv=_qpv(qpv),
        starts_on=today + timedelta(days=30), amount_cents=sum(cents for _label, cents in lines), lines=lines,
        carrier_name=group, contact_name=contact, contact_phone="0612345678", today=today)
    services.submit_application(author, application, today)
    return application


def seed(config: Mapping) -> int:
    if db.session.scalar(select(FundRound.id).limit(1)) is not None:
        return 0
    admin, resident = _user("admin@labo.example"), _user("habitante@labo.example")
    referent, ambassador = _user("referente.lens@labo.example"), _user("ambassadeur@labo.example")
    if None in (admin, resident, referent, ambassador) or _commune("Lens") is None:
        return 0
    today = date.today()
    year_ago = today - timedelta(days=365)

    # Last year's round, for the whole agglomeration: made as it was then, closed since.
    closed = services.create_round(
        admin, None, title=f"Fonds d'initiatives des habitants {year_ago.year}", envelope_cents=1_000_000,
        ceiling_cents=150_000, apply_until=year_ago + timedelta(days=45), committee_on=year_ago + timedelta(days=60),
        spend_within_days=30, rules=RULES, rules_easy=EASY, today=year_ago)
    for person, is_resident in ((resident, True), (ambassador, True), (referent, False)):
        services.add_member(admin, closed, person.pseudonym, is_resident)
    services.open_round(admin, closed, year_ago)
    repas = _apply(resident, closed, year_ago, title="Un repas partagé à la cité 12", commune="Lens", qpv="QP062024",
                   what="Un grand repas dans la cour, chacun apporte un plat, avec de la musique.",
                   for_whom="Les familles de la cité, environ 80 personnes.", group="Les voisins de la cité 12",
                   contact="Josiane Martin",
                   lines=[("Location de tables et de chaises", 18_000), ("Boissons et pain", 35_000),
                          ("Affiches et invitations", 7_000), ("Assurance de la journée", 20_000)])
    fresque = _apply(ambassador, closed, year_ago, title="Une fresque au city-stade", commune="Liévin",
                     qpv="QP062028", what="Peindre le mur du city-stade avec les jeunes du quartier et un artiste.",
                     for_whom="Les jeunes de 12 à 18 ans du quartier.", group="Association Couleurs de Calonne",
                     contact="Mehdi Benali",
                     lines=[("Peinture et pinceaux", 60_000), ("Échafaudage", 30_000), ("Artiste (2 jours)", 30_000)])
    voyage = _apply(ambassador, closed, year_ago, title="Une journée à la mer", commune="Wingles", qpv="QP062035",
                    what="Emmener les enfants du quartier à la mer pour une journée.",
                    for_whom="Une trentaine d'enfants et leurs parents.", group="Les parents des Taberneaux",
                    contact="Sonia Lefebvre",
                    lines=[("Car", 90_000), ("Repas", 30_000), ("Goûter", 10_000)])
    services.give_opinion(referent, repas, "favourable", "Un groupe que je connais, qui a déjà organisé la fête des voisins.")
    for member in (resident, ambassador, referent):
        services.cast_vote(member, fresque, "for", "Le mur en a bien besoin.")
    services.decide(referent, repas, "granted", 80_000, "Un projet qui réunit tout le quartier, avec un budget clair.",
                    from_paper=True)
    services.decide(admin, fresque, "granted", 120_000, "Les jeunes le portent eux-mêmes ; la ville prête le mur.")
    services.decide(admin, voyage, "refused", None, "Le fonds ne paie pas les voyages : voyez le centre social pour "
                                                   "les sorties familiales.")
    services.record_payment(admin, repas, year_ago + timedelta(days=70))
    # The group's report on the meal, which became a fiche of the toolbox, published.
    services.save_report(config, resident, repas, REPORT)
    fiche = services.report_to_fiche(config, resident, repas)
    fiche_services.publish(referent, fiche)
    closed.state = RoundState.DONE.value

    # This year's round, for Lens: open.
    open_round = services.create_round(
        admin, _commune("Lens"), title=f"Fonds d'initiatives de Lens {today.year}", envelope_cents=500_000,
        ceiling_cents=100_000, apply_until=today + timedelta(days=40), committee_on=today + timedelta(days=55),
        spend_within_days=45, rules=RULES, rules_easy=EASY, today=today)
    for person, is_resident in ((resident, True), (ambassador, True), (referent, False)):
        services.add_member(admin, open_round, person.pseudonym, is_resident)
    services.open_round(admin, open_round, today)
    jardin = _apply(resident, open_round, today, title="Un jardin partagé rue Zola", commune="Lens", qpv="QP062026",
                    what="Faire un petit jardin de légumes au pied de l'immeuble, avec les enfants.",
                    for_whom="Les habitants de la rue et l'école voisine.", group="Les jardiniers de la Cité 2",
                    contact="Josiane Martin",
                    lines=[("Bacs en bois", 30_000), ("Terre et graines", 12_000), ("Outils", 8_000)])
    services.give_opinion(referent, jardin, "favourable", "Le bailleur est d'accord pour le terrain.")
    db.session.commit()
    return 2
