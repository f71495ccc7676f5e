"""A nomadic meeting's whole cycle in Chromium at phone size (issue 4): an
animator creates a meeting in Wingles with two seats; the ambassador's
personal invite link brings a first registrant; a second fills the seats and
a third waits; one cancels by her own link and the waiting one gets the
seat; on the day the animator ticks one present, adds a walk-in and the
paper count; then writes the minutes with a decision. The pages say so at every
step, axe-core (WCAG 2.1 A/AA) checks each page reached at 360 and 1280 px,
and the database agrees at the end. One Chromium launch, forms only (no
script needed). Runs on tests/browser/run_pages.mjs's "script" flow."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.script import (
    axe, check, count, fill, goto, login, logout, noscript, run_script, save, see, select as choose, submit,
)

pytestmark = pytest.mark.browser

ANIMATOR = "animatrice@labo.example"      # Sophie anime
AMBASSADOR = "ambassadeur@labo.example"   # Mehdi ambassadeur
MEETING_FORM = "main form.form"
REGISTER_FORM = "main section[aria-labelledby=venir] form"
WALK_IN_FORM = 'main form[action$="/emargement/sur-place"]'
PAPER_FORM = 'main form[action$="/emargement/papier"]'
MINUTES_FORM = "main form.form:not([action])"
DECISION_FORM = 'main form[action$="/decisions"]'
ATTENDANCE_LIST = "main ul.attendance-list"


def person(name: str) -> str:
    return f"{ATTENDANCE_LIST} li:has-text('{name}') button"


def test_a_meeting_from_creation_to_minutes(live_server, run_browser):
    app = live_server.app
    zone = ZoneInfo(app.config["LABO_TIMEZONE"])
    # After the demo's coming meeting (in 30 days), so pages that pick "the next meeting" are unchanged.
    starts = (datetime.now(zone) + timedelta(days=45)).replace(hour=14, minute=0, second=0, microsecond=0)
    title = f"Rencontre du Labo à Wingles {uuid.uuid4().hex[:6]}"
    meeting = "/rencontres/{{meeting}}"
    minutes = "Neuf personnes, dont trois venues pour la première fois. Deux ateliers sur les jardins."
    decision = "Le prochain atelier jardin aura lieu à la cité des Taberneaux."

    result = run_script(run_browser, [
        # The animator creates the meeting.
        login(ANIMATOR),
        goto("/rencontres/"),
        see("Créer une rencontre"),
        goto("/rencontres/nouvelle"),
        count(f"{MEETING_FORM} input[name=animators]:checked", 1, name="the animator is ticked to animate it"),
        see("Accueil et « premiers pas »", f"{MEETING_FORM} textarea[name=running_order]",
            name="the running order starts from the Labo's template"),
        axe("new meeting form"),
        submit(f"{MEETING_FORM} button[type=submit]", status=422, name="a meeting without title, date, commune or place is refused"),
        see("Donnez un titre.", "main .error-summary"),
        see("Choisissez la commune qui accueille.", "main .error-summary"),
        axe("new meeting form, with errors"),
        fill(f"{MEETING_FORM} input[name=title]", title),
        fill(f"{MEETING_FORM} input[name=theme]", "Jardiner ensemble au pied des immeubles"),
        fill(f"{MEETING_FORM} input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M")),
        fill(f"{MEETING_FORM} input[name=ends_at]", (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")),
        choose(f"{MEETING_FORM} select[name=commune]", label="Wingles"),
        fill(f"{MEETING_FORM} input[name=venue]", "Centre social"),
        fill(f"{MEETING_FORM} input[name=address]", "Rue Jean Jaurès"),
        check(f"{MEETING_FORM} input[name=step_free]"),
        fill(f"{MEETING_FORM} input[name=public_transport]", "Bus, arrêt Mairie"),
        fill(f"{MEETING_FORM} input[name=capacity]", 2),
        submit(f"{MEETING_FORM} button[type=submit]", url=r"^/rencontres/(\d+)$", save=["meeting"],
               name="saving lands on the new meeting's page"),
        see("La rencontre est enregistrée.", "main .flashes"),
        see(title, "main h1"),
        see("Wingles", "main dl.facts"),
        see("Centre social, Rue Jean Jaurès", "main dl.facts"),
        see("Pas encore d'inscription · 2 places", "main dl.facts"),
        see("Sophie anime", "main dl.facts"),
        see("Pour l'animation"),
        axe("the new meeting, as its animator"),
        goto("/rencontres/"),
        see(title, "main section[aria-labelledby=a-venir]"),
        axe("the programme, with the new meeting"),
        logout(),

        # The ambassador takes their personal invite link.
        login(AMBASSADOR),
        goto(meeting),
        see("Inviter de la main à la main"),
        save("invite_link", "main section[aria-labelledby=inviter] input", attr="value"),
        save("invite", "main section[aria-labelledby=inviter] input", attr="value", strip=live_server.url),
        axe("the meeting, as an ambassador"),
        goto(meeting + "/affiche"),
        see("{{invite_link}}", "main .flyer-link", name="the ambassador's flyer carries their invite link"),
        count("main .flyer-qr svg", 1, name="the flyer has a QR code"),
        axe("the ambassador's flyer"),
        logout(),

        # Aïcha comes by the invite link; she forgets her contact the first time.
        goto("{{invite}}"),
        see("Vous venez de la part de Mehdi ambassadeur : bienvenue !"),
        axe("the meeting, by an invite link"),
        fill(f"{REGISTER_FORM} input[name=first_name]", "Aïcha"),
        submit(f"{REGISTER_FORM} button[type=submit]", status=422, name="registering without a phone or email is refused"),
        see("Indiquez un téléphone ou une adresse e-mail", "main .error-summary"),
        see("Vous venez de la part de Mehdi ambassadeur", name="the invitation is still acknowledged"),
        axe("the meeting, registration with an error"),
        fill(f"{REGISTER_FORM} input[name=contact]", "06 12 34 56 78"),
        submit(f"{REGISTER_FORM} button[type=submit]", url=r"^/rencontres/inscription/([\w-]+)$", save=["aicha"],
               name="Aïcha's registration lands on her own page"),
        see("C'est noté, Aïcha : votre inscription est confirmée."),
        axe("a confirmed registration"),

        # Bernard takes the second and last seat.
        goto(meeting),
        see("1 inscrit sur 2 places", "main dl.facts"),
        fill(f"{REGISTER_FORM} input[name=first_name]", "Bernard"),
        fill(f"{REGISTER_FORM} input[name=contact]", "bernard@example.org"),
        submit(f"{REGISTER_FORM} button[type=submit]", url=r"^/rencontres/inscription/([\w-]+)$", save=["bernard"]),
        see("C'est noté, Bernard : votre inscription est confirmée."),

        # Chantal finds the meeting full and waits.
        goto(meeting),
        see("2 inscrits sur 2 places", "main dl.facts"),
        fill(f"{REGISTER_FORM} input[name=first_name]", "Chantal"),
        fill(f"{REGISTER_FORM} input[name=contact]", "07 98 76 54 32"),
        submit(f"{REGISTER_FORM} button[type=submit]", url=r"^/rencontres/inscription/([\w-]+)$", save=["chantal"]),
        see("Chantal, la rencontre est complète : vous êtes en liste d'attente."),
        axe("a registration on the waiting list"),
        goto(meeting),
        see("2 inscrits sur 2 places · 1 en liste d'attente", "main dl.facts"),

        # Bernard cannot come after all: he cancels by his link; Chantal gets the seat.
        goto("/rencontres/inscription/{{bernard}}"),
        see("C'est noté, Bernard : votre inscription est confirmée."),
        submit("main form button.btn-danger", url=r"^/rencontres/inscription/{{bernard}}$", name="Bernard cancels"),
        see("Votre inscription est annulée. Merci de nous avoir prévenus !", "main .flashes"),
        see("Cette inscription est annulée."),
        count("main form button.btn-danger", 0, name="a cancelled registration offers no cancel button"),
        axe("a cancelled registration"),
        goto("/rencontres/inscription/{{chantal}}"),
        see("C'est noté, Chantal : votre inscription est confirmée.", name="Chantal is promoted from the waiting list"),
        goto(meeting),
        see("2 inscrits sur 2 places", "main dl.facts"),
        see("en liste d'attente", "main dl.facts", absent=True, name="nobody waits any more"),

        # On the day: the animator ticks Aïcha present, adds a walk-in and the paper count, with the
        # page's forms alone (tests/browser/test_attendance_offline.py runs its script).
        noscript("attendance.js"),
        login(ANIMATOR),
        goto(meeting + "/emargement"),
        see("Aïcha", ATTENDANCE_LIST),
        see("Chantal", ATTENDANCE_LIST),
        see("Bernard", ATTENDANCE_LIST, absent=True, name="a cancelled registration is not on the attendance list"),
        see("Présents : 0 (dont 0 sans inscription et 0 sur papier).", "main [role=status]"),
        axe("the attendance page"),
        fill("main form[role=search] input[name=q]", "aïc"),
        submit("main form[role=search] button[type=submit]", url=r"^/rencontres/\d+/emargement\?q=a%C3%AFc$",
               name="searching a first name"),
        see("Aïcha", ATTENDANCE_LIST),
        see("Chantal", ATTENDANCE_LIST, absent=True, name="the search keeps only the matching names"),
        axe("the attendance page, searching"),
        submit(person("Aïcha"), url=r"^/rencontres/\d+/emargement\?q=a%C3%AFc#r\d+$", name="ticking Aïcha present"),
        count(f"{ATTENDANCE_LIST} li:has-text('Aïcha') button[aria-pressed=true]", 1, name="Aïcha's button shows her present"),
        see("Présents : 1 (dont 0 sans inscription et 0 sur papier).", "main [role=status]"),
        goto(meeting + "/emargement"),
        count(f"{ATTENDANCE_LIST} li:has-text('Chantal') button[aria-pressed=false]", 1, name="Chantal is not ticked"),
        fill(f"{WALK_IN_FORM} input[name=first_name]", "Dominique"),
        submit(f"{WALK_IN_FORM} button[type=submit]", url=r"^/rencontres/\d+/emargement$", name="adding a walk-in"),
        see("Dominique : présence notée.", "main .flashes"),
        see("Dominique (sur place)", ATTENDANCE_LIST),
        see("Présents : 2 (dont 1 sans inscription et 0 sur papier).", "main [role=status]"),
        fill(f"{PAPER_FORM} input[name=count]", 7),
        submit(f"{PAPER_FORM} button[type=submit]", url=r"^/rencontres/\d+/emargement$", name="entering the paper count"),
        see("Le compte de la feuille papier est enregistré.", "main .flashes"),
        see("Présents : 9 (dont 1 sans inscription et 7 sur papier).", "main [role=status]"),
        count(f"{PAPER_FORM} input[name=count][value='7']", 1, name="the paper count is shown back"),
        axe("the attendance page, after the day"),

        # After the meeting: the minutes and a decision with its rule and count.
        goto(meeting + "/compte-rendu"),
        axe("the minutes form"),
        fill(f"{DECISION_FORM} textarea[name=text]", decision),
        submit(f"{DECISION_FORM} button[type=submit]", status=422, name="a decision without its rule is refused"),
        see("Dites comment elle a été prise", "main .error-summary"),
        axe("the minutes form, decision with an error"),
        fill(f"{DECISION_FORM} input[name=rule]", "majorité des présents, à main levée"),
        fill(f"{DECISION_FORM} input[name=votes_for]", 8),
        fill(f"{DECISION_FORM} input[name=votes_against]", 1),
        fill(f"{DECISION_FORM} input[name=abstentions]", 0),
        submit(f"{DECISION_FORM} button[type=submit]", url=r"^/rencontres/\d+/compte-rendu$", name="adding the decision"),
        see("La décision est ajoutée.", "main .flashes"),
        see(decision, "main ol.decisions"),
        fill(f"{MINUTES_FORM} textarea[name=minutes]", minutes),
        submit(f"{MINUTES_FORM} button[type=submit]", url=r"^/rencontres/\d+#compte-rendu$", name="publishing the minutes"),
        see("Le compte-rendu est publié.", "main .flashes"),
        see("Présents : 9 (dont 1 sans inscription et 7 sur papier).", "main section[aria-labelledby=animer]"),
        logout(),

        # Anyone now reads what was said and decided.
        goto(meeting),
        see(minutes, "main section[aria-labelledby=compte-rendu]"),
        see(decision, "main section[aria-labelledby=compte-rendu]"),
        see("Décidé par : majorité des présents, à main levée — pour 8, contre 1, abstentions 0",
            "main section[aria-labelledby=compte-rendu]"),
        see("2 inscrits sur 2 places", "main dl.facts", name="a walk-in is not counted as registered"),
        see("Aïcha", absent=True, name="no registrant's name on the public page"),
        axe("the meeting with its minutes, as anyone"),
    ])

    saved = result["saved"]
    assert saved["invite_link"].startswith(f"{live_server.url}/rencontres/{saved['meeting']}?relais=")
    assert_database(app, int(saved["meeting"]), title, starts, minutes, decision)


def assert_database(app, meeting_id: int, title: str, starts: datetime, minutes: str, decision: str) -> None:
    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.meetings import services
    from labo.meetings.models import Meeting, Registration

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.title, meeting.commune.name, meeting.capacity, meeting.paper_count) == (title, "Wingles", 2, 7)
        assert meeting.starts_at == starts.astimezone(meeting.starts_at.tzinfo)
        animator = find_user_by_email(ANIMATOR)
        assert meeting.created_by_id == animator.id
        assert [a.id for a in meeting.animators] == [animator.id]
        rows = db.session.execute(
            select(Registration.first_name, Registration.status, Registration.present, Registration.walk_in,
                   Registration.relay_id, Registration.user_id, Registration.contact)
            .where(Registration.meeting_id == meeting_id).order_by(Registration.id)
        ).all()
        ambassador = find_user_by_email(AMBASSADOR).id
        assert [tuple(r) for r in rows] == [
            ("Aïcha", "confirmed", True, False, ambassador, None, "06 12 34 56 78"),
            ("Bernard", "cancelled", False, False, None, None, "bernard@example.org"),
            ("Chantal", "confirmed", False, False, None, None, "07 98 76 54 32"),
            ("Dominique", "confirmed", True, True, None, None, None),
        ]
        counts = services.counts(meeting)
        assert (counts.confirmed, counts.waiting, counts.present_accounts, counts.present_walk_ins,
                counts.paper, counts.present) == (2, 0, 1, 1, 7, 9)
        assert minutes in meeting.minutes and meeting.minutes_published_at is not None
        [taken] = meeting.decisions
        assert (taken.text, taken.rule, taken.votes_for, taken.votes_against, taken.abstentions) == (
            decision, "majorité des présents, à main levée", 8, 1, 0)
        relays = [(r.name, r.brought, r.present) for r in services.indicators(meeting).by_relay]
        assert relays == [("Mehdi ambassadeur", 1, 1)], "the relay who brought Aïcha (who came) is not counted"
