"""Demo data of this feature, for `flask labo seed --demo` and the browser
tests: a walking diagnostic done three weeks ago in Lens's Cité 12 – 14, with
four findings in several states (answered and in progress by the landlord,
done by the commune's lighting service, one waiting for the city's answer,
one refused), and one planned in Lens's Cité 2 in two weeks."""
from __future__ import annotations

import io
from datetime import timedelta
from typing import Mapping

from PIL import Image, ImageDraw
from sqlalchemy import select

from labo.accounts.models import User
from labo.core.db import utcnow
from labo.extensions import db
from labo.partners.models import Partner
from labo.territory.models import Commune, Qpv
from labo.walks import services
from labo.walks.models import Walk

DONE_TITLE = "Diagnostic en marchant à la Cité 12 – 14"
PLANNED_TITLE = "Diagnostic en marchant à la Cité 2"


def _picture(color: tuple[int, int, int], mark: tuple[int, int, int]) -> bytes:
    """A small drawn picture standing for a phone's photo."""
    image = Image.new("RGB", (640, 480), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(120, 120, 120))
    draw.ellipse((250, 120, 390, 260), fill=mark)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def seed(config: Mapping) -> int:
    """Idempotent; returns how many walks were made."""
    referent = db.session.scalar(select(User).where(User.email == "referente.lens@labo.example"))
    lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
    if referent is None or lens is None:
        return 0
    existing = set(db.session.scalars(select(Walk.meeting_id)))
    titles = {w.meeting.title for w in db.session.scalars(select(Walk))} if existing else set()
    made = 0
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    landlord = db.session.scalar(select(Partner).where(Partner.slug == "habitat-du-bassin-minier"))
    city = db.session.scalar(select(Partner).where(Partner.slug == "ville-de-lens"))
    if DONE_TITLE not in titles:
        starts = now - timedelta(days=21)
        walk = services.plan_walk(
            referent, title=DONE_TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2), commune=lens,
            qpv=db.session.scalar(select(Qpv).where(Qpv.code == "QP062024")),
            meeting_point="Devant l'école Jean-Macé, rue Diderot",
            route="Rue Diderot, jusqu'au square\nLe square et son aire de jeux\n"
                  "Les immeubles de la rue Voltaire, côté parkings\nRetour par le chemin de l'école",
            invites_residents=True, invites_landlord=True, invites_services=True, step_free=True)
        captured = [
            ("lighting", "Trois lampadaires éteints sur le chemin de l'école : il fait noir dès 17 h.",
             "rue Diderot", (50.4411, 2.8163), (40, 50, 80), (250, 220, 120)),
            ("housing", "La porte du hall du 12 ne ferme plus depuis des semaines.", "rue Voltaire, n° 12",
             None, (180, 170, 160), (90, 60, 40)),
            ("accessibility", "Le trottoir est trop haut pour une poussette ou un fauteuil devant la pharmacie.",
             "rue Diderot, devant la pharmacie", None, None, None),
            ("green", "Une grande pelouse sans banc ni ombre : on aimerait un coin pour s'asseoir.",
             "square Voltaire", (50.4405, 2.8178), (90, 160, 80), (60, 120, 50)),
        ]
        findings = []
        for n, (category, text, street, position, color, mark) in enumerate(captured):
            photo = _picture(color, mark) if color else None
            finding, _created = services.add_finding(
                config, referent, walk, category=category, text=text, street=street,
                latitude=position[0] if position else None, longitude=position[1] if position else None,
                photo=photo, client_key=f"demo-walk-finding-{n}")
            finding.created_at = starts + timedelta(minutes=15 * (n + 1))
            findings.append(finding)
        sent = starts + timedelta(days=2)
        lighting, door, pavement, lawn = findings
        services.sort_finding(referent, lighting, action="send", category="lighting",
                              service_name="Ville de Lens, éclairage public", now=sent)
        services.answer_finding(referent, lighting, status="done",
                                answer="Les trois lampadaires sont réparés depuis le 2 du mois.", now=sent + timedelta(days=9))
        if landlord is not None:
            services.sort_finding(referent, door, action="send", category="housing", partner=landlord, now=sent)
            admin = db.session.scalar(select(User).where(User.email == "admin@labo.example"))
            services.answer_finding(admin or referent, door, status="in_progress",
                                    answer="Une entreprise passe changer la serrure et le ferme-porte. "
                                           "Nous vous tenons au courant.", now=sent + timedelta(days=5))
        if city is not None:
            services.sort_finding(referent, lawn, action="send", category="green", partner=city, now=sent)
        services.sort_finding(referent, pavement, action="send", category="accessibility",
                              service_name="Ville de Lens, voirie", now=sent)
        services.answer_finding(referent, pavement, status="refused",
                                answer="Ce trottoir appartient au Département : la commune lui a transmis la demande.",
                                now=sent + timedelta(days=12))
        made += 1
    if PLANNED_TITLE not in titles:
        starts = (now + timedelta(days=14)).replace(hour=15)
        services.plan_walk(
            referent, title=PLANNED_TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2), commune=lens,
            qpv=db.session.scalar(select(Qpv).where(Qpv.code == "QP062026")),
            meeting_point="Place de la Cité 2, devant le centre social",
            route="La place\nLes jardins ouvriers\nLe long du stade\nRetour par la rue de la Fosse",
            invites_residents=True, invites_landlord=True, invites_services=False)
        made += 1
    db.session.flush()
    return made
