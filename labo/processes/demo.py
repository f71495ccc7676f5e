"""Demo processes, one per level, for `flask labo seed --demo` and the browser tests.

Their titles are stable (DEMO_TITLES): other demo seeders (ballots, tallies)
find them by title."""
from __future__ import annotations

from datetime import timedelta
from typing import Mapping, Optional

from sqlalchemy import select

from labo.accounts.models import User
from labo.core.db import utcnow
from labo.extensions import db
from labo.processes import ballots, services
from labo.processes.models import Process, Tally
from labo.territory.models import Commune

DEMO_TITLES = {
    "information": "Les travaux de la place du marché",
    "consultation_open": "Le nouveau trajet de la navette de quartier",
    "consultation_answered": "Les horaires d'ouverture de la médiathèque",
    "concertation": "Que faire du terrain vague de la cité 12 ?",
    "codecision_open": "Le projet du quartier à financer cette année",
}


def _user(email: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.email == email))


def _commune(name: str) -> Optional[Commune]:
    return db.session.scalar(select(Commune).where(Commune.name == name))


def _make(actor: User, key: str, *, level: str, method: str, commune: Optional[Commune], decider: str, question: str,
          context: str, easy_read: str, opens_days: int, closes_days: int, answer_days: int,
          options: tuple[str, ...] = ()) -> Process:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    process = services.save_process(
        actor, Process(), title=DEMO_TITLES[key], question=question, context=context, decider=decider, level=level,
        method=method, options=list(options), secret=True, max_choices=None,
        opens_at=now + timedelta(days=opens_days), closes_at=now + timedelta(days=closes_days),
        answer_by=(now + timedelta(days=answer_days)).date(), audience="everyone", communes=[], qpvs=[],
        verified_only=False, commune=commune, pillar=None, ambition=None, decision_rule="", easy_read=easy_read,
        may_run_agglomeration=True)
    services.publish_process(actor, process)
    db.session.commit()
    return process


def seed(config: Mapping) -> int:
    """Idempotent; returns how many processes were made."""
    admin = _user("admin@labo.example")
    lens_referent = _user("referente.lens@labo.example") or admin
    lievin_referent = _user("referent.lievin@labo.example") or admin
    residents = [u for u in (_user("habitante@labo.example"), _user("ambassadeur@labo.example"),
                             _user("animatrice@labo.example")) if u is not None]
    if admin is None:
        return 0
    existing = set(db.session.scalars(select(Process.title).where(Process.title.in_(DEMO_TITLES.values()))))
    lens, lievin, avion = _commune("Lens"), _commune("Liévin"), _commune("Avion")
    made = 0
    now = utcnow()

    if DEMO_TITLES["information"] not in existing:
        process = _make(
            lens_referent if lens else admin, "information", level="information", method="questions", commune=lens,
            decider="le conseil municipal de Lens",
            question="Comment vont se passer les travaux de la place du marché ?",
            context="<p>La place sera refaite de mars à juin : nouveaux arbres, bancs, et un sol sans marche. "
                    "Le marché du samedi déménage pendant ce temps rue Voltaire.</p>",
            easy_read="La place du marché va changer.\nLes travaux durent 4 mois.\nLe marché va rue Voltaire pendant les travaux.",
            opens_days=-5, closes_days=25, answer_days=40)
        if residents:
            question = services.ask_question(process, residents[0], "Le marché garde-t-il les mêmes horaires rue Voltaire ?",
                                             utcnow())
            services.answer_question(lens_referent, question, "Oui : le samedi de 8 h à 13 h, comme aujourd'hui.")
            db.session.commit()
        made += 1

    if DEMO_TITLES["consultation_open"] not in existing:
        process = _make(
            admin, "consultation_open", level="consultation", method="avis", commune=None,
            decider="le conseil communautaire de la CALL",
            question="Le nouveau trajet proposé pour la navette vous convient-il ?",
            context="<p>La navette passerait par le centre social et la maison de santé, mais plus par la rue des "
                    "Écoles. Dites-nous ce que vous en pensez avant le vote du conseil.</p>",
            easy_read="La navette peut changer de chemin.\nDonnez votre avis : pour, pas sûr, ou contre.\n"
                      "Ensuite, la CALL décide et vous dit pourquoi.",
            opens_days=-3, closes_days=20, answer_days=50)
        for person, stance, comment in zip(residents[1:], ("favorable", "reserve"),
                                           ("Enfin un arrêt devant la maison de santé !",
                                            "Bien, mais les enfants de la rue des Écoles marcheront plus.")):
            services.give_opinion(process, person, stance=stance, comment=comment, now=utcnow())
            db.session.commit()
        made += 1

    if DEMO_TITLES["consultation_answered"] not in existing:
        process = _make(
            admin, "consultation_answered", level="consultation", method="avis", commune=avion,
            decider="le conseil municipal d'Avion",
            question="Faut-il ouvrir la médiathèque le samedi après-midi plutôt que le mardi matin ?",
            context="<p>La médiathèque ouvre 20 heures par semaine. Pour l'ouvrir le samedi, il faut la fermer un autre moment.</p>",
            easy_read="", opens_days=-1, closes_days=30, answer_days=45)
        for person, stance in zip(residents, ("favorable", "favorable", "defavorable")):
            services.give_opinion(process, person, stance=stance, comment="", now=utcnow())
            db.session.commit()
        process = db.session.get(Process, process.id)
        process.opens_at, process.closes_at = now - timedelta(days=60), now - timedelta(days=30)
        process.answer_by = (now - timedelta(days=5)).date()
        services.publish_return(admin, process, "Le conseil a suivi l'avis : la médiathèque ouvre le samedi de 14 h à "
                                "18 h depuis le mois dernier, et ferme le mardi matin, le moment le moins fréquenté.",
                                now - timedelta(days=10))
        db.session.commit()
        made += 1

    if DEMO_TITLES["concertation"] not in existing:
        process = _make(
            lens_referent if lens else admin, "concertation", level="concertation", method="proposals", commune=lens,
            decider="la ville de Lens et le bailleur Maisons & Cités",
            question="Que voulez-vous voir sur le terrain vague de la cité 12 ?",
            context="<p>Le terrain est libre depuis la démolition de l'ancien garage. Ville et bailleur cherchent des idées.</p>",
            easy_read="Il y a un terrain vide dans la cité 12.\nProposez une idée, ou soutenez celle d'un voisin.\n"
                      "La ville répond à chaque idée.",
            opens_days=-7, closes_days=21, answer_days=60)
        if residents:
            first = services.make_proposal(process, residents[0], title="Un jardin partagé",
                                           body="Des bacs de légumes et un composteur, avec l'école.", now=utcnow())
            first_id = first.id
            db.session.commit()
            if len(residents) > 1:
                services.make_proposal(process, residents[1], title="Un terrain de foot à 5",
                                       body="Les jeunes jouent sur le parking, c'est dangereux.", now=utcnow())
                db.session.commit()
                services.support_proposal(process, db.session.get(type(first), first_id), residents[1], utcnow())
                db.session.commit()
            services.decide_proposal(lens_referent, db.session.get(type(first), first_id), decision="retenue",
                                     reason="Le bailleur prête la moitié du terrain dès le printemps ; l'école est partante.")
            db.session.commit()
        made += 1

    if DEMO_TITLES["codecision_open"] not in existing:
        _make(
            lievin_referent if lievin else admin, "codecision_open", level="codecision", method="majority_judgment",
            commune=lievin, decider="le conseil municipal de Liévin, avec les habitants",
            question="Quel projet le quartier finance-t-il cette année avec ses 15 000 € ?",
            context="<p>Trois projets ont été proposés par des habitants lors des rencontres. Donnez une mention à chacun : "
                    "le projet qui a la meilleure mention sera réalisé.</p>",
            easy_read="Il y a 3 projets.\nPour chaque projet, dites si vous le trouvez très bien, bien, ou pas bien.\n"
                      "Le projet préféré sera fait.",
            opens_days=-2, closes_days=18, answer_days=40,
            options=("Des jeux pour les petits au square", "Une fresque sur le mur de l'école", "Des bancs et des arbres rue Thiers"))
        made += 1
    seed_ballots(config)
    return made


def seed_ballots(config: Mapping) -> int:
    """Paper and workshop tally sheets for the demo processes that count
    votes or opinions (the online ballots are left to the demo's visitors).
    Idempotent: a process that has a sheet already gets none; returns how
    many sheets were made."""
    made = 0
    now = utcnow()
    sheets = [
        ("codecision_open", "referent.lievin@labo.example", "Liévin", "workshop", "Maison de quartier des Genettes", 14,
         lambda p: {p.options[0].id: {"excellent": 4, "tres_bien": 5, "bien": 3, "passable": 2},
                    p.options[1].id: {"tres_bien": 2, "bien": 6, "assez_bien": 4, "insuffisant": 2},
                    p.options[2].id: {"excellent": 3, "bien": 4, "passable": 5, "a_rejeter": 2}}),
        ("consultation_open", "admin@labo.example", None, "paper", "Accueil de la CALL, Liévin", 9,
         lambda p: {"favorable": 5, "reserve": 3, "defavorable": 1}),
    ]
    for key, email, commune_name, channel, place, participants, counts in sheets:
        process = db.session.scalar(select(Process).where(Process.title == DEMO_TITLES[key]))
        actor = _user(email) or _user("admin@labo.example")
        if process is None or actor is None:
            continue
        if db.session.scalar(select(Tally.id).where(Tally.process_id == process.id).limit(1)) is not None:
            continue
        ballots.add_tally(process, actor, channel=channel, place=place, held_on=now.date(),
                          participants=participants, commune=_commune(commune_name) if commune_name else None,
                          counts=counts(process), now=now)
        db.session.commit()
        made += 1
    return made
