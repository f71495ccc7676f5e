"""An edit form saved unchanged changes nothing; one field changed changes
only that field (issue 17).

For every route of the URL map that edits something that exists, as a
person allowed to edit it, on an object with every optional field and
relation filled: GET the page with the form, send exactly what a browser
would send from it (the selected options, the checked boxes, the textareas,
the hidden fields, the first submit button), and compare the whole database
before and after. Saved unchanged: not a row differs (the audit log aside).
With one field changed: only that column of that row differs.

Like the permission matrix, every rule of the URL map that takes a POST is
in one of two tables: EDITS (with its case) or NOT_EDITS (with why it edits
nothing that exists: it creates, deletes, signs in...). A new route in
neither fails the suite."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from labo.accounts.models import Role, User
from labo.extensions import db
from labo.fund.models import FundApplication, FundRound
from tests.factories import commune, create_board, create_note, create_participant, create_partner, create_user, qpv

# Tables a save may write to without changing what was saved: who did what, when.
JOURNALS = {"audit_entry"}


# --- what a browser sends -------------------------------------------------------------


class _Forms(HTMLParser):
    """The page's POST forms: their action and their controls, in order."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[dict] = []
        self._form: Optional[dict] = None
        self._select: Optional[dict] = None
        self._option: Optional[dict] = None
        self._textarea: Optional[dict] = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": urlsplit(urljoin(self.url, a.get("action") or self.url)).path,
                          "method": a.get("method", "get").lower(), "controls": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        controls = self._form["controls"]
        if tag in ("input", "button"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            controls.append({"tag": tag, "type": kind, "name": a.get("name"), "value": a.get("value", "on"
                             if kind in ("checkbox", "radio") else ""), "checked": "checked" in a,
                             "disabled": "disabled" in a})
        elif tag == "select":
            self._select = {"tag": "select", "name": a.get("name"), "multiple": "multiple" in a, "options": [],
                            "disabled": "disabled" in a}
            controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "name": a.get("name"), "value": "", "disabled": "disabled" in a}
            controls.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = self._option = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None


def browser_data(page: str, url: str, action: str, button: Optional[str] = None) -> list[tuple[str, str]]:
    """What a browser sends when the form of `page` posting to `action` is
    submitted as it is shown, with its submit button of value `button` (by
    default the first, as the Enter key does)."""
    parser = _Forms(url)
    parser.feed(page)
    found = [f for f in parser.forms if f["method"] == "post" and f["action"] == urlsplit(action).path]
    assert len(found) == 1, f"{len(found)} POST form(s) to {action} on {url}"
    pairs: list[tuple[str, str]] = []
    submitted = False
    for control in found[0]["controls"]:
        name = control.get("name")
        if not name or control.get("disabled"):
            continue
        if control["tag"] == "select":
            options = control["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and not control["multiple"] and options:
                chosen = options[:1]  # a single select with nothing selected sends its first option
            pairs += [(name, o["value"] if o["value"] is not None else o["text"]) for o in chosen]
        elif control["tag"] == "textarea":
            # HTML drops the newline that opens a textarea; a browser sends its line ends as CR LF
            value = control["value"].replace("\r\n", "\n")
            value = value[1:] if value.startswith("\n") else value
            pairs.append((name, value.replace("\n", "\r\n")))
        elif control["type"] in ("checkbox", "radio"):
            if control["checked"]:
                pairs.append((name, control["value"]))
        elif control["type"] == "submit":
            if not submitted and button in (None, control["value"]):
                pairs.append((name, control["value"]))
                submitted = True
        elif control["type"] in ("file", "reset", "button", "image"):
            continue
        else:
            pairs.append((name, control["value"]))
    return pairs


def changed(pairs: list[tuple[str, str]], name: str, value) -> list[tuple[str, str]]:
    """The same form with the field `name` set to `value` (a list for several values)."""
    values = value if isinstance(value, list) else [value]
    assert any(n == name for n, _v in pairs) or isinstance(value, list), f"no field {name} in the form"
    kept = [(n, v) for n, v in pairs if n != name]
    return kept + [(name, v) for v in values]


# --- the database, whole --------------------------------------------------------------


def snapshot() -> dict[str, dict[tuple, dict]]:
    db.session.rollback()
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in JOURNALS:
            continue
        key = list(table.primary_key.columns) or list(table.columns)
        found[table.name] = {tuple(row[c.name] for c in key): dict(row)
                             for row in db.session.execute(table.select()).mappings()}
    db.session.rollback()
    return found


def differences(before: dict, after: dict) -> set[tuple[str, str]]:
    """(table, column) of every value that differs; (table, '+row'/'-row') for rows added or removed."""
    found = set()
    for table, rows in before.items():
        now = after[table]
        for key in rows.keys() - now.keys():
            found.add((table, "-row"))
        for key in now.keys() - rows.keys():
            found.add((table, "+row"))
        for key in rows.keys() & now.keys():
            found |= {(table, column) for column, value in rows[key].items() if now[key][column] != value}
    return found


# --- the cases ------------------------------------------------------------------------


@dataclass
class Edit:
    """One edit route: `build()` makes the object and returns the editor, the
    page that shows the form and the address it posts to; `field` is changed
    to `value` in the second case, which may change only `columns`."""

    build: Callable[[], tuple]
    field: str
    value: object
    columns: set = field(default_factory=set)
    button: Optional[str] = None
    unchanged: int = 302  # what saving it unchanged answers
    also: dict = field(default_factory=dict)  # other fields a change needs (the proclamation's change note)

    def made(self) -> tuple:
        """The editor, the page, the address it posts to, and the field's name there."""
        built = self.build()
        names = built[3] if len(built) > 3 else {}
        return built[0], built[1], built[2], self.field.format(**names)


def _later(days: int = 30):
    from labo.core.db import utcnow

    return (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)


def _people():
    return {
        "admin": create_user(pseudonym="Admin", roles=[(Role.ADMIN, None)]),
        "referent": create_user(pseudonym="Nadia", roles=[(Role.REFERENT, "lens")], home="lens"),
        "animator": create_user(pseudonym="Sophie", roles=[(Role.ANIMATOR, None)], home="lens"),
        "ambassador": create_user(pseudonym="Mehdi", roles=[(Role.AMBASSADOR, None)], home="lievin"),
    }


def _themes():
    from labo.territory.models import Ambition, Pillar

    pillar = db.session.scalar(select(Pillar).order_by(Pillar.number))
    ambitions = list(db.session.scalars(select(Ambition).order_by(Ambition.id)))
    return pillar, ambitions


def build_process(who: str = "admin", method: str = "single"):
    from labo.processes import services
    from labo.processes.models import Process

    people = _people()
    pillar, ambitions = _themes()
    opens = _later(2)
    process = services.save_process(
        people["admin"], Process(), title="Que faire de la friche Sainte-Barbe ?", question="Que voulez-vous ?",
        context="<p>La friche est <strong>libre</strong> depuis 2021.</p>", decider="le conseil municipal",
        level="codecision", method=method, options=["Un parc", "Des jardins", "Un terrain de foot"], secret=False,
        max_choices=2, opens_at=opens, closes_at=opens + timedelta(days=20), answer_by=(opens + timedelta(days=60)).date(),
        audience="territory", communes=[commune("lens"), commune("lievin")], qpvs=[qpv("QP062024")],
        verified_only=True, commune=commune("lens"), pillar=ambitions[0].pillar, ambition=ambitions[0],
        decision_rule="La majorité des votes.", easy_read="On vote. Le conseil suit le vote.",
        may_run_agglomeration=True, accepts_cards=True)
    db.session.commit()
    url = f"/demarches/{process.id}/modifier"
    return people[who], url, url


def _meeting(people):
    """A meeting in Wingles with every field filled, animated by the animator and the ambassador."""
    from labo.meetings import services
    from labo.meetings.models import Meeting

    starts = _later(20)
    meeting = services.save_meeting(
        people["animator"], Meeting(), title="Rencontre de Wingles", theme="Le cadre de vie", starts_at=starts,
        ends_at=starts + timedelta(hours=2), commune=commune("wingles"), venue="Salle des fêtes",
        address="2 rue de la Mairie", step_free=True, public_transport="Bus 12, arrêt Mairie", childcare=True,
        access_notes="Boucle magnétique", capacity=60, running_order="18 h : accueil\n18 h 30 : ateliers",
        animators=[people["animator"], people["ambassador"]])
    db.session.commit()
    return meeting


def build_meeting(who: str = "animator"):
    people = _people()
    url = f"/rencontres/{_meeting(people).id}/modifier"
    return people[who], url, url


def build_training():
    """A training session with every part filled: two publics, a trainer named, a published fiche as material."""
    from labo.meetings import services
    from labo.meetings.models import Meeting
    from tests.factories import create_fiche

    people = _people()
    fiche = create_fiche(people["referent"], title="Écouter vraiment", kind="formation", publish_by=people["admin"])
    starts = _later(20)
    meeting = services.save_meeting(
        people["animator"], Meeting(), title="Formation des relais", theme="Le contrat de ville", starts_at=starts,
        ends_at=starts + timedelta(hours=2), commune=commune("wingles"), venue="Centre social", address="",
        step_free=True, public_transport="", childcare=False, access_notes="", capacity=20,
        running_order="Accueil", animators=[people["animator"]], kind="training")
    services.save_training(people["animator"], meeting, audiences=["resident", "elected"], trainer=None,
                           trainer_name="Claire Martin", materials=[fiche])
    db.session.commit()
    url = f"/rencontres/{meeting.id}/modifier"
    return people["animator"], url, url


def build_organisation():
    from labo.actors import services
    from labo.actors.models import Organisation

    people = _people()
    _pillar, ambitions = _themes()
    organisation = services.save_organisation(
        people["admin"], Organisation(), name="Centre social Vachala", kind="association",
        description="Accueil et ateliers.", contact_email="contact@example.org", contact_phone="03 21 00 00 00",
        website="https://example.org", communes=[commune("lens"), commune("lievin")], ambitions=ambitions[:2])
    db.session.commit()
    url = f"/acteurs/structures/{organisation.id}/modifier"
    return people["admin"], url, url


def build_activity():
    from labo.actors import services
    from labo.actors.models import ActivityEntry

    people = _people()
    entry = services.save_activity(people["ambassador"], ActivityEntry(), happened_on=date.today() - timedelta(days=3),
                                   kind="rencontre", commune=commune("lievin"), people_count=12,
                                   text="Au marché du samedi")
    db.session.commit()
    url = f"/acteurs/mon-espace/activite/{entry.id}"
    return people["ambassador"], url, url


def build_profile():
    from labo.actors import services

    people = _people()
    _pillar, ambitions = _themes()
    services.save_profile(people["ambassador"], listed=True, public_email="mehdi@example.org",
                          public_phone="06 00 00 00 00", presentation="J'habite la cité 9.",
                          communes=[commune("lievin"), commune("lens")], ambitions=ambitions[:2])
    db.session.commit()
    return people["ambassador"], "/acteurs/moi", "/acteurs/moi"


def build_account():
    from labo.accounts.models import User

    person = create_user(pseudonym="Josiane", home="lens")
    user = db.session.get(User, person.id)
    user.home_qpv = qpv("QP062024")
    user.age_band = "65_plus"
    user.locale = "fr"
    db.session.commit()
    return person, "/compte/", "/compte/"


def build_commune():
    from labo.territory import services

    people = _people()
    services.update_commune(people["admin"], commune("lens"), name="Lens", in_call=True, note="Préfecture",
                            premoderation=True)
    db.session.commit()
    return people["admin"], "/admin/territoire/communes/lens", "/admin/territoire/communes/lens"


def build_qpv():
    from labo.territory import services

    people = _people()
    found = qpv("QP062025")
    services.update_qpv(people["admin"], found, code=found.code, name=found.name, in_contract=True,
                        note="Trois communes", communes=[commune("lens"), commune("loison-sous-lens"),
                                                         commune("vendin-le-vieil")])
    db.session.commit()
    url = f"/admin/territoire/quartiers/{found.slug}"
    return people["admin"], url, url


def build_pillar():
    people = _people()
    return people["admin"], "/admin/territoire/piliers/1", "/admin/territoire/piliers/1"


def build_axis():
    from labo.territory import services
    from labo.territory.models import Axis

    people = _people()
    axis = db.session.scalar(select(Axis).order_by(Axis.slug))
    services.update_axis(people["admin"], axis, title=axis.title, summary="Les habitants décident avec nous.")
    db.session.commit()
    url = f"/admin/territoire/axes/{axis.slug}"
    return people["admin"], url, url


def build_fiche():
    from labo.contributions import services as contributions
    from labo.fiches import services
    from labo.meetings import services as meetings
    from labo.meetings.models import Meeting

    people = _people()
    _pillar, ambitions = _themes()
    author = create_user(pseudonym="Autrice", home="lens")
    meeting = meetings.save_meeting(
        people["animator"], Meeting(), title="Rencontre d'Avion", theme="", starts_at=_later(5), ends_at=None,
        commune=commune("avion"), venue="Salle", address="", step_free=False, public_transport="", childcare=False,
        access_notes="", capacity=None, running_order="", animators=[people["animator"]])
    idea = contributions.create_contribution(current_app.config, author, kind="idee", title="Des bancs",
                                             body="Deux bancs.", commune=commune("lens"))
    db.session.flush()
    data = services.FicheInput(
        kind="experience", title="Une balade urbaine", level="concertation",
        method="On marche ensemble et on note ce qu'on voit.", public="Douze habitants.",
        what_worked="Partir tôt.", difficulties="La pluie.", resources="Un plan.", contact_name="Autrice",
        contact_details="autrice@example.org", contact_consent=True,
        communes=(commune("lens"), commune("avion")), qpvs=(qpv("QP062024"),), ambition=ambitions[0],
        meetings=(meeting,), contributions=(idea,))
    fiche = services.save_fiche(author, None, data)
    db.session.commit()
    url = f"/boite-a-outils/{fiche.id}/modifier"
    return author, url, url


def build_partner():
    from labo.partners import services
    from labo.partners.models import Partner

    people = _people()
    partner = services.save_partner(people["admin"], Partner(), name="La CAF du Pas-de-Calais", slug="caf",
                                    kind="caf", description="Allocations familiales.")
    db.session.commit()
    return people["admin"], "/partenaires/caf/modifier", "/partenaires/caf/modifier"


def build_commitment():
    from labo.partners import services
    from labo.partners.models import Commitment, Partner

    people = _people()
    partner = services.save_partner(people["admin"], Partner(), name="La CAF du Pas-de-Calais", slug="caf",
                                    kind="caf", description="")
    commitment = services.save_commitment(people["admin"], Commitment(), partner=partner, family="cooperation",
                                          title="Nommer un référent", description="Une personne par territoire.",
                                          referent_name="Mme Durand", referent_email="durand@example.org",
                                          next_review_on=date.today() + timedelta(days=90))
    db.session.commit()
    url = f"/partenaires/caf/engagements/{commitment.id}/modifier"
    return people["admin"], url, url


def _open_process(level: str, method: str, admin, *, options=()):
    from labo.core.db import utcnow
    from labo.processes import services
    from labo.processes.models import Process

    now = utcnow()
    process = services.save_process(
        admin, Process(), title="La place du marché", question="Que faire de la place ?", context="",
        decider="le conseil municipal", level=level, method=method, options=list(options), secret=False,
        max_choices=None, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10),
        answer_by=(now + timedelta(days=40)).date(), audience="everyone", communes=[], qpvs=[], verified_only=False,
        commune=commune("lens"), pillar=None, ambition=None, decision_rule="", easy_read="", may_run_agglomeration=True)
    services.publish_process(admin, process)
    db.session.flush()
    return process


def _close(process) -> None:
    from labo.core.db import utcnow

    process.opens_at, process.closes_at = utcnow() - timedelta(days=20), utcnow() - timedelta(hours=1)
    db.session.flush()


def build_return():
    from labo.core.db import utcnow
    from labo.processes import services

    people = _people()
    process = _open_process("consultation", "avis", people["admin"])
    _close(process)
    services.publish_return(people["admin"], process, "Le conseil a suivi l'avis.\n\nLes travaux commencent en mai.",
                            utcnow())
    services.finish_process(people["admin"], process, utcnow())
    db.session.commit()
    return people["admin"], f"/demarches/{process.id}/gestion", f"/demarches/{process.id}/retour"


def build_question_answer():
    from labo.core.db import utcnow
    from labo.processes import services

    people = _people()
    process = _open_process("information", "questions", people["admin"])
    asker = create_user(pseudonym="Josiane", home="lens")
    question = services.ask_question(process, asker, "Quand commencent les travaux ?", utcnow())
    services.answer_question(people["admin"], question, "En mai.\n\nPour trois mois.")
    db.session.commit()
    return (people["admin"], f"/demarches/{process.id}/gestion",
            f"/demarches/{process.id}/questions/{question.id}/reponse", {"prefix": f"q{question.id}"})


def build_decision():
    from labo.core.db import utcnow
    from labo.processes import services

    people = _people()
    process = _open_process("concertation", "proposals", people["admin"])
    author = create_user(pseudonym="Josiane", home="lens")
    proposal = services.make_proposal(process, author, title="Un jardin", body="Avec les écoles.", now=utcnow())
    services.decide_proposal(people["admin"], proposal, decision="retenue", reason="Le terrain s'y prête.")
    db.session.commit()
    return (people["admin"], f"/demarches/{process.id}/gestion",
            f"/demarches/{process.id}/propositions/{proposal.id}/reponse", {"prefix": f"p{proposal.id}"})


def build_contribution_answer():
    from labo.contributions import services

    people = _people()
    author = create_user(pseudonym="Josiane", home="lens")
    idea = services.create_contribution(current_app.config, author, kind="idee", title="Des bancs près de l'arrêt",
                                        body="Deux bancs suffiraient.", commune=commune("lens"))
    db.session.flush()
    services.follow(people["referent"], idea)
    services.answer(current_app.config, people["referent"], idea, "retenue",
                    "Oui : la commune les pose en juin.\n\nMerci !")
    db.session.commit()
    return people["referent"], f"/idees/{idea.id}", f"/idees/{idea.id}/reponse"


def build_reword():
    from labo.contributions import services

    author = create_user(pseudonym="Josiane", home="lens")
    idea = services.create_contribution(current_app.config, author, kind="idee", title="Des bancs près de l'arrêt",
                                        body="Deux bancs suffiraient.\n\nPrès de l'abri.", commune=commune("lens"))
    db.session.commit()
    return author, f"/idees/{idea.id}/modifier", f"/idees/{idea.id}/modifier"


def build_guest_reword():
    """Posted without an account: the private link is the key; nobody signs in."""
    from labo.contributions import services

    idea, token = services.create_guest_contribution(
        current_app.config, name="Lina", contact="06 12 34 56 78", kind="idee", title="",
        body="Un abri à l'arrêt Jean-Jaurès.\n\nIl pleut souvent.", commune=commune("lens"))
    db.session.commit()
    return None, f"/idees/mon-idee/{token}", f"/idees/mon-idee/{token}/modifier"


def build_paper_count():
    from labo.meetings import services

    people = _people()
    meeting = _meeting(people)
    services.set_paper_count(people["animator"], meeting, 17)
    db.session.commit()
    return (people["animator"], f"/rencontres/{meeting.id}/emargement",
            f"/rencontres/{meeting.id}/emargement/papier")


def build_minutes():
    from labo.meetings import services

    people = _people()
    meeting = _meeting(people)
    services.publish_minutes(current_app.config, people["animator"], meeting,
                             "Nous étions 40.\n\n- Des bancs\n- Un jardin\n\nProchaine rencontre en mars.")
    db.session.commit()
    return people["animator"], f"/rencontres/{meeting.id}/compte-rendu", f"/rencontres/{meeting.id}/compte-rendu"


def _board(people):
    from labo.workshops import services

    board = create_board(people["animator"], title="Atelier du quartier", commune=commune("lens"))
    phone = create_participant(board, "Alice")
    first = create_note(board, phone, "Plus de bancs", client_key="cle-de-note-001")
    second = create_note(board, phone, "Un marché", client_key="cle-de-note-002")
    grouping = services.group_notes(board, first, onto_note=second, title="Le quartier")
    services.set_flags(board, locked=False, authors_visible=True, private_writing=False)
    db.session.commit()
    return board, grouping.group


def build_steer():
    people = _people()
    board, _group = _board(people)
    return people["animator"], f"/ateliers/{board.id}", f"/ateliers/{board.id}/pilotage"


def build_group_title():
    people = _people()
    board, group = _board(people)
    return people["animator"], f"/ateliers/{board.id}", f"/ateliers/{board.id}/groupes/{group.id}/titre"


def build_fund_round():
    """A round of the fund for Lens, with amounts in cents (one with cents) and its rules on two lines."""
    from labo.fund import services

    people = _people()
    today = date.today()
    fund_round = services.create_round(
        people["admin"], commune("lens"), title="Fonds de Lens", envelope_cents=1_500_050, ceiling_cents=150_000,
        apply_until=today + timedelta(days=30), committee_on=today + timedelta(days=45), spend_within_days=30,
        rules="Des projets pour le quartier.\n\nPas de voyage.", rules_easy="Un projet.\nPour le quartier.",
        today=today)
    db.session.commit()
    return people["admin"], f"/fonds/{fund_round.id}/modifier", f"/fonds/{fund_round.id}/modifier"


def build_fund_application():
    """A draft of the fund with every field filled: a QPV, dates, cents, five budget lines, both contacts."""
    from labo.fund import services

    admin, _page, _post = build_fund_round()
    fund_round = db.session.scalar(select(FundRound))
    services.add_member(admin, fund_round, admin.pseudonym, False)
    services.open_round(admin, fund_round, date.today())
    author = create_user(pseudonym="Josiane", home="lens")
    application = services.save_application(
        author, fund_round, None, title="Un repas", what="Un repas.\n\nDans la cour.", for_whom="Les familles.",
        commune=commune("lens"), qpv=qpv("QP062024"), starts_on=date.today() + timedelta(days=50),
        ends_on=date.today() + timedelta(days=51), amount_cents=45_050, carrier_kind="association",
        lines=[("Tables", 6_000), ("Repas", 30_050), ("Affiches", 4_000), ("Musique", 3_000), ("Gobelets", 2_000)],
        carrier_name="Les voisins", contact_name="Josiane Martin", contact_phone="0612345678",
        contact_email="josiane@example.org", today=date.today())
    db.session.commit()
    url = f"/fonds/demandes/{application.id}/modifier"
    return author, url, url


def build_fund_opinion():
    """The referent's opinion on an application sent to the committee, on two lines."""
    from labo.fund import services

    author, _page, _post = build_fund_application()
    application = db.session.scalar(select(FundApplication))
    services.submit_application(author, application, date.today())
    referent = db.session.scalar(select(User).where(User.pseudonym == "Nadia"))  # Lens's referent (_people)
    services.give_opinion(referent, application, "reserved", "Un bon projet.\n\nLe budget est juste.")
    db.session.commit()
    page = f"/fonds/demandes/{application.id}"
    return referent, page, f"{page}/avis"


def build_fund_report():
    """The group's report on a funded, paid project: two paragraphs and a photo."""
    import io

    from labo.fund import services
    from tests.factories import jpeg_bytes

    author, _page, _post = build_fund_application()
    application = db.session.scalar(select(FundApplication))
    services.submit_application(author, application, date.today())
    admin = db.session.scalar(select(User).where(User.pseudonym == "Admin"))
    services.decide(admin, application, "granted", 40_000, "Un beau projet.")
    services.record_payment(admin, application, date.today())
    services.save_report(current_app.config, author, application, "Nous avons planté.\n\nVingt enfants sont venus.",
                         io.BytesIO(jpeg_bytes()), "Le jardin")
    db.session.commit()
    url = f"/fonds/demandes/{application.id}/bilan"
    return author, url, url


def build_proclamation():
    from labo.proclamation import services

    people = _people()
    services.publish_version(people["admin"], title="Faire de notre agglomération un territoire participatif",
                             body="<p>Premier paragraphe.</p><ul><li>Un</li><li>Deux</li></ul>",
                             change_note="Première version")
    db.session.commit()
    return people["admin"], "/proclamation/modifier", "/proclamation/modifier"


def build_letter(who: str = "referent"):
    """A draft of Lens's letter with an introduction and its items, one of them left out."""
    from labo.letters import services

    people = _people()
    _meeting(people)
    letter = services.compose_letter(people[who], commune("lens"))
    db.session.flush()
    services.save_letter(people[who], letter, title="La lettre de Lens", intro="Bonjour à toutes et à tous.\n\nÀ bientôt.",
                         kept=set())
    db.session.commit()
    return people[who], f"/lettre/{letter.id}/modifier", f"/lettre/{letter.id}/modifier"


def build_walk_finding(answered: bool = False):
    """A Lens walk with two findings: the first sent to a partner (and answered, on two lines, when `answered`)."""
    from labo.core.db import utcnow
    from labo.territory.models import Qpv
    from labo.walks import services

    people = _people()
    partner = create_partner(name="Habitat du Bassin minier", slug="hbm", kind="bailleur")
    began = utcnow().replace(second=0, microsecond=0) - timedelta(days=2)  # to the minute, as a form holds it
    walk = services.plan_walk(
        people["referent"], title="Diagnostic à la Cité 12", starts_at=began,
        ends_at=began + timedelta(hours=2), commune=commune("lens"),
        qpv=db.session.scalar(select(Qpv).where(Qpv.code == "QP062024")), meeting_point="Devant l'école",
        route="Rue Diderot\nLe square", invites_residents=True, invites_landlord=True, invites_services=True,
        step_free=True)
    config = current_app.config
    finding, _ = services.add_finding(config, people["referent"], walk, category="housing", text="La porte du hall",
                                      street="rue Voltaire", latitude="50.44", longitude="2.81",
                                      client_key="cle-du-telephone-01")
    services.add_finding(config, people["referent"], walk, category="lighting", text="Un lampadaire",
                         street="rue Diderot")
    services.sort_finding(people["referent"], finding, action="send", category="housing", partner=partner)
    if answered:
        services.answer_finding(people["admin"], finding, status="in_progress",
                                answer="Une entreprise passe mardi.\n\nMerci de votre patience.")
    db.session.commit()
    if answered:
        url = f"/diagnostics/{walk.id}/constats/{finding.id}/reponse"
        return people["admin"], url, url
    return (people["referent"], f"/diagnostics/{walk.id}/tri", f"/diagnostics/{walk.id}/constats/{finding.id}/tri",
            {"prefix": f"c{finding.id}"})


def build_questionnaire():
    """A Lens questionnaire in preparation: an introduction on two lines, answers without an account, a
    question of one choice with its easy-read line, required."""
    from labo.questionnaires import services

    people = _people()
    questionnaire = services.create_questionnaire(
        people["referent"], title="Le square", intro="Votre avis sur le square.\n\nCinq minutes suffisent.",
        commune=commune("lens"), allows_anonymous=True)
    question = services.add_question(people["referent"], questionnaire, kind="one", text="Venez-vous au square ?",
                                     easy_read="Vous y allez ?", required=True, choices="Oui\nNon\nParfois")
    db.session.commit()
    base = f"/questionnaires/{questionnaire.id}"
    return people["referent"], base, question


def build_questionnaire_settings():
    referent, base, _question = build_questionnaire()
    return referent, f"{base}/modifier", f"{base}/modifier"


def build_questionnaire_question():
    referent, base, question = build_questionnaire()
    url = f"{base}/questions/{question.id}"
    return referent, url, url


def build_walk():
    """The walk of build_walk_finding, every field filled (a QPV, an end, the three guests, step-free)."""
    from labo.walks.models import Walk

    referent = build_walk_finding()[0]
    walk = db.session.scalar(select(Walk))
    url = f"/diagnostics/{walk.id}/modifier"
    return referent, url, url


EDITS: dict[str, Edit | tuple[Edit, ...]] = {
    # questionnaires: by the commune's referent, while in preparation
    "/questionnaires/<id:questionnaire_id>/modifier": (
        Edit(build_questionnaire_settings, "intro", "Votre avis.", {("questionnaire", "intro")}),
        Edit(build_questionnaire_settings, "allows_anonymous", [], {("questionnaire", "allows_anonymous")})),
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>": (
        Edit(build_questionnaire_question, "choices", "Oui\nNon", {("questionnaire_question", "choices")}),
        Edit(build_questionnaire_question, "required", [], {("questionnaire_question", "required")})),
    # walking diagnostics: a finding's category and where it was sent (the commune's referent), its answer
    "/diagnostics/<id:walk_id>/constats/<id:finding_id>/tri": Edit(
        build_walk_finding, "{prefix}-category", "safety", {("walk_finding", "category")}),
    # the walk itself, by the referent who planned it: its route is also its meeting's running order
    "/diagnostics/<id:walk_id>/modifier": Edit(
        build_walk, "route", "Rue Diderot\r\nLe square\r\nLa rue Voltaire",
        {("walk", "route"), ("meeting", "running_order")}),
    "/diagnostics/<id:walk_id>/constats/<id:finding_id>/reponse": Edit(
        lambda: build_walk_finding(answered=True), "answer", "Réparé.",
        {("walk_finding", "answer"), ("walk_finding", "answered_at")}),
    # forms on a page of their own

    # by an administrator (who may also run the agglomeration's) and by the commune's referent
    "/demarches/<id:process_id>/modifier": (
        Edit(build_process, "title", "La friche : un parc ?", {("process", "title")}),
        Edit(lambda: build_process("referent"), "options", "Un parc\nDes jardins\nUn terrain de basket",
             # an option is its label: the third one goes, a new one comes, the other two stay as they are
             {("process_option", "-row"), ("process_option", "+row")})),
    # the Labo's letter: by the commune's referent, and by an administrator
    "/fonds/<id:round_id>/modifier": (
        Edit(build_fund_round, "ceiling", "1 200", {("fund_round", "ceiling_cents")}),
        Edit(build_fund_round, "rules_easy", "Un projet.", {("fund_round", "rules_easy")})),
    "/fonds/demandes/<id:application_id>/bilan": Edit(build_fund_report, "text", "Nous avons planté des radis.",
                                                      {("fund_report", "text")}),
    "/fonds/demandes/<id:application_id>/avis": Edit(build_fund_opinion, "text", "Un bon projet.",
                                                     {("fund_opinion", "text"), ("fund_opinion", "updated_at")}),
    "/fonds/demandes/<id:application_id>/modifier": (
        Edit(build_fund_application, "for_whom", "Les enfants.", {("fund_application", "for_whom"),
                                                                   ("fund_application", "updated_at")}),
        Edit(build_fund_application, "lines-1-amount", "300", {("fund_budget_line", "amount_cents"),
                                                               ("fund_application", "updated_at")})),
    "/lettre/<id:letter_id>/modifier": (
        Edit(build_letter, "title", "La lettre de Lens, décembre", {("letter", "title")}),
        Edit(lambda: build_letter("admin"), "intro", "Bonjour.", {("letter", "intro")})),
    # by its animator, and by an administrator who is not one of its animators
    "/rencontres/<id:meeting_id>/modifier": (
        # a new place is a change the people registered are told of (labo.reminders)
        Edit(build_meeting, "venue", "Salle Brassens", {("meeting", "venue"), ("meeting_change", "+row")}),
        Edit(lambda: build_meeting("admin"), "animators", [], {("meeting_animator", "-row")}),
        # a training session: its trainer, its publics, its materials, each on its own
        Edit(build_training, "trainer_name", "Claire Dubois", {("meeting", "trainer_name")}),
        Edit(build_training, "audiences", ["resident"], {("training_audience", "-row")}),
        Edit(build_training, "materials", [], {("training_material", "-row")})),
    "/acteurs/structures/<id:organisation_id>/modifier": Edit(build_organisation, "name", "Centre social Dumas",
                                                              {("actor_organisation", "name"), ("actor_organisation", "updated_at")}),
    "/acteurs/mon-espace/activite/<id:entry_id>": Edit(build_activity, "people_count", "15",
                                                       {("actor_activity", "people_count"), ("actor_activity", "updated_at")}),
    "/acteurs/moi": Edit(build_profile, "presentation", "J'habite Liévin.", {("actor_profile", "presentation"), ("actor_profile", "updated_at")}),
    "/compte/": Edit(build_account, "age_band", "45_64", {("user_account", "age_band")}),
    "/admin/territoire/communes/<slug>": Edit(build_commune, "note", "Sous-préfecture", {("commune", "note")}),
    "/admin/territoire/quartiers/<slug>": Edit(build_qpv, "name", "Grande Résidence (Lens)", {("qpv", "name")}),
    "/admin/territoire/piliers/<id:number>": Edit(build_pillar, "summary", "Agir tôt.", {("pillar", "summary")}),
    "/admin/territoire/axes/<slug>": Edit(build_axis, "summary", "Avec les habitants.", {("axis", "summary")}),
    "/boite-a-outils/<id:fiche_id>/modifier": Edit(build_fiche, "title", "Une balade du jeudi",
                                                   {("fiche", "title"), ("fiche", "updated_at"), ("fiche", "search_text")},
                                                   button="draft"),
    "/partenaires/<slug>/modifier": Edit(build_partner, "description", "La CAF.", {("partner", "description")}),
    "/partenaires/<slug>/engagements/<id:commitment_id>/modifier": Edit(
        build_commitment, "referent_name", "M. Martin", {("partner_commitment", "referent_name")}),
    "/rencontres/<id:meeting_id>/compte-rendu": Edit(build_minutes, "minutes", "Nous étions 41.",
                                                     {("meeting", "minutes")}),
    # The proclamation is never edited in place: each change is a new version,
    # and the same text sent again is refused (422) with a message.
    "/proclamation/modifier": Edit(build_proclamation, "body", "<p>Un autre paragraphe.</p>",
                                   {("proclamation_version", "+row")}, unchanged=422,
                                   also={"change_note": "Un paragraphe réécrit"}),
    # forms shown filled on the object's page, posting to a route of their own
    "/demarches/<id:process_id>/retour": Edit(build_return, "return_text", "Le conseil a suivi l'avis.",
                                              {("process", "return_text")}),
    "/demarches/<id:process_id>/questions/<id:question_id>/reponse": Edit(
        build_question_answer, "{prefix}-answer", "En juin.", {("process_question", "answer"),
                                                              ("process_question", "answered_at")}),
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/reponse": Edit(
        build_decision, "{prefix}-reason", "Le terrain est libre.", {("process_proposal", "reason"),
                                                                      ("process_proposal", "decided_at")}),
    "/idees/<id:contribution_id>/reponse": Edit(
        build_contribution_answer, "answer", "Oui, en juillet.",
        {("contribution", "answer"), ("contribution", "answered_at"), ("contribution", "updated_at"),
         ("notification", "+row")}),
    # its author, until it is answered: the former wording is kept for the moderators
    "/idees/<id:contribution_id>/modifier": Edit(build_reword, "body", "Trois bancs suffiraient.",
                                                 {("contribution", "body"), ("contribution", "updated_at"),
                                                  ("contribution_revision", "+row")}),
    "/idees/mon-idee/<token>/modifier": Edit(build_guest_reword, "body", "Un abri, et un banc.",
                                             {("contribution", "body"), ("contribution", "updated_at"),
                                              ("contribution_revision", "+row")}),
    "/rencontres/<id:meeting_id>/emargement/papier": Edit(build_paper_count, "count", "18",
                                                          {("meeting", "paper_count")}),
    "/ateliers/<id:board_id>/pilotage": Edit(build_steer, "locked", ["y"], {("workshop_board", "locked")}),
    "/ateliers/<id:board_id>/groupes/<id:group_id>/titre": Edit(build_group_title, "title", "La place",
                                                                 {("workshop_group", "title")}),
}

CREATES = "creates something new from an empty form"
DELETES = "removes or withdraws something, with a confirmation and nothing to fill"
ACTS = "one button that does one thing (no field shows what is stored)"
NOT_EDITS: dict[str, str] = {
    "/questionnaires/nouveau": CREATES,
    "/questionnaires/<id:questionnaire_id>": "one person's answers, sent once (a second is refused)",
    "/questionnaires/<id:questionnaire_id>/questions/nouvelle": CREATES,
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>/deplacer": ACTS,
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>/retirer": DELETES,
    "/questionnaires/<id:questionnaire_id>/ouvrir": ACTS,
    "/questionnaires/<id:questionnaire_id>/fermer": ACTS,
    "/questionnaires/<id:questionnaire_id>/papier": "enters a new paper sheet, the form starts empty",
    "/questionnaires/<id:questionnaire_id>/porte-a-porte": "enters a new person's answers, the form starts empty",
    "/lettre/": "subscribes an address typed afresh",
    "/lettre/<id:letter_id>": "subscribes an address typed afresh, from the letter's page",
    "/lettre/desinscription/<token>": "ends a subscription (one button; a mail client's one-click POST)",
    "/lettre/sms-entrant": "the SMS provider's callback: a STOP ends subscriptions",
    "/lettre/nouvelle": CREATES,
    "/fonds/nouveau": CREATES,
    "/fonds/<id:round_id>/comite": "adds a committee member typed afresh",
    "/fonds/<id:round_id>/comite/<id:member_id>/retirer": DELETES,
    "/fonds/<id:round_id>/ouvrir": ACTS,
    "/fonds/<id:round_id>/clore": ACTS,
    "/fonds/<id:round_id>/cloturer": ACTS,
    "/fonds/<id:round_id>/demander": CREATES,
    "/fonds/<id:round_id>/depuis-initiative/<id:contribution_id>": CREATES,
    "/fonds/demandes/<id:application_id>/vote": "a member's one vote (a second is refused): nothing is edited",
    "/fonds/demandes/<id:application_id>/decision": "publishes the decision once (a second is refused)",
    "/fonds/demandes/<id:application_id>/versement": "notes the payment once (a second is refused)",
    "/fonds/demandes/<id:application_id>/bilan/photos/<id:photo_id>/retirer": DELETES,
    "/fonds/demandes/<id:application_id>/fiche": "makes the report's fiche once (a second click gives the same)",
    "/lettre/<id:letter_id>/envoyer": ACTS,
    "/lettre/<id:letter_id>/distribuees": CREATES,
    "/idees/<id:contribution_id>/retirer": DELETES,
    "/idees/mon-idee/<token>/retirer": DELETES,
    "/idees/mon-idee/<token>/rattacher": ACTS,
    "/acteurs/mon-espace/activite/nouvelle": CREATES,
    "/acteurs/mon-espace/activite/<id:entry_id>/supprimer": DELETES,
    "/acteurs/structures/nouvelle": CREATES,
    "/acteurs/structures/<id:organisation_id>/supprimer": DELETES,
    "/admin/comptes/<id:user_id>": "gives one more role: the form starts empty, the roles held are listed apart",
    "/admin/comptes/<id:user_id>/roles/<id:grant_id>/retirer": DELETES,
    "/admin/territoire/communes/nouvelle": CREATES,
    "/admin/territoire/quartiers/nouveau": CREATES,
    "/api/v1/contributions": "the JSON API creates a contribution",
    "/api/v1/processes/<id:process_id>/participations": "the JSON API records a participation",
    "/atelier/<code>/gommette": "a phone places or takes back a dot",
    "/atelier/<code>/note": "a phone posts a new note",
    "/atelier/<code>/rejoindre": "a phone joins a board with its code",
    "/ateliers/nouveau": CREATES,
    "/ateliers/<id:board_id>/co-animateurs": "adds a co-animator chosen in an empty list",
    "/ateliers/<id:board_id>/devoiler": ACTS,
    "/ateliers/<id:board_id>/notes/<id:note_id>/masquer": ACTS,
    "/ateliers/<id:board_id>/notes/<id:note_id>/regrouper": "moves a note onto a group chosen in an empty list",
    "/ateliers/<id:board_id>/suivre": "puts one note or group on the projector, chosen in an empty list",
    "/ateliers/<id:board_id>/synthese": "turns the ticked notes into new contributions",
    "/boite-a-outils/proposer": CREATES,
    "/boite-a-outils/<id:fiche_id>/envoyer": ACTS,
    "/boite-a-outils/<id:fiche_id>/publier": ACTS,
    "/boite-a-outils/<id:fiche_id>/renvoyer": "sends a fiche back with a new reason, typed afresh",
    "/boite-a-outils/<id:fiche_id>/fichiers": "adds a file",
    "/boite-a-outils/<id:fiche_id>/fichiers/<id:attachment_id>/supprimer": DELETES,
    "/boite-a-outils/<id:fiche_id>/photos": "adds a photo",
    "/boite-a-outils/<id:fiche_id>/photos/<id:photo_id>/supprimer": DELETES,
    "/compte/adresse": "asks for a confirmation link for an address typed afresh (it waits until confirmed)",
    "/compte/adresse/<token>": "one button that attaches the address the link was sent to",
    "/compte/code": "a new password, typed afresh (never shown), with a one-time code",
    "/compte/connexion": "signs in",
    "/compte/deconnexion": "signs out",
    "/compte/inscription": CREATES,
    "/compte/mot-de-passe": "a new password, typed afresh (never shown)",
    "/compte/mot-de-passe-oublie": "asks for a reset link",
    "/compte/nouveau-mot-de-passe/<token>": "a new password, typed afresh (never shown)",
    "/compte/notifications/lues": ACTS,
    "/compte/supprimer": DELETES,
    "/compte/supprimer/code": "sends a code by SMS to confirm an erasure",
    "/compte/telephone": "asks for a sign-in code by SMS for a number typed afresh",
    "/compte/telephone/code": "a one-time code received by SMS, typed afresh",
    "/compte/telephone/nouveau": CREATES,
    "/compte/telephone/changer": "asks for a code by SMS for a number typed afresh, attached once the code is typed",
    "/compte/telephone/retirer": DELETES,
    "/compte/verifier/<id:user_id>": ACTS,
    "/compte/verifier/<id:user_id>/code": "one button that shows a new one-time code, never stored in the clear",
    "/demarches/nouvelle": CREATES,
    "/carte/<code>": "a resident's answer with a printed card, given once",
    "/demarches/<id:process_id>/cartes": "prints a new sheet of cards (a PDF)",
    "/demarches/<id:process_id>/cartes/<id:sheet_id>/annuler": DELETES,
    "/rencontres/<id:meeting_id>/cartes": "prints a new sheet of cards for a process chosen in an empty list",
    "/demarches/<id:process_id>/avis": "one's opinion, given once",
    "/demarches/<id:process_id>/depouillement": "adds a paper count",
    "/demarches/<id:process_id>/depouillement/<id:tally_id>/retirer": DELETES,
    "/demarches/<id:process_id>/propositions": CREATES,
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/masquer": ACTS,
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/soutenir": ACTS,
    "/demarches/<id:process_id>/publier": ACTS,
    "/demarches/<id:process_id>/questions": CREATES,
    "/demarches/<id:process_id>/questions/<id:question_id>/masquer": ACTS,
    "/demarches/<id:process_id>/resultats/publier": ACTS,
    "/demarches/<id:process_id>/terminer": ACTS,
    "/demarches/<id:process_id>/vote": "a ballot, cast once",
    "/idees/nouvelle": CREATES,
    "/idees/<id:contribution_id>/classer-signalements": ACTS,
    "/idees/<id:contribution_id>/commentaires/<id:comment_id>/masquer": ACTS,
    "/idees/<id:contribution_id>/commenter": CREATES,
    "/idees/<id:contribution_id>/masquer": "hides a contribution with a reason typed afresh",
    "/idees/<id:contribution_id>/regrouper": "merges into a contribution chosen in an empty list",
    "/idees/<id:contribution_id>/retablir": ACTS,
    "/idees/<id:contribution_id>/signaler": CREATES,
    "/idees/<id:contribution_id>/soutenir": ACTS,
    "/idees/<id:contribution_id>/suivre": ACTS,
    "/idees/<id:contribution_id>/valider": ACTS,
    "/langue": "chooses the language of the pages",
    "/partenaires/nouveau": CREATES,
    "/partenaires/<slug>/modeles": "adds commitments from templates",
    "/partenaires/<slug>/engagements/nouveau": CREATES,
    "/partenaires/<slug>/engagements/<id:commitment_id>/suivi": "adds a follow-up entry",
    "/partenaires/<slug>/engagements/<id:commitment_id>/supprimer": DELETES,
    "/avis/nouveau": CREATES,
    "/diagnostics/nouveau": CREATES,
    "/diagnostics/<id:walk_id>/constater": CREATES,
    "/avis/<id:opinion_id>/reponse": "enters an opinion's answer once (a second is refused): nothing is edited",
    "/proclamation/signer": CREATES,
    "/proclamation/signer-pour-une-structure": CREATES,
    "/proclamation/signatures/<id:signature_id>/retirer": DELETES,
    "/rencontres/nouvelle": CREATES,
    "/rencontres/inscription/<token>": "cancels one's registration",
    "/rencontres/<id:meeting_id>/inscription": CREATES,
    "/rencontres/<id:meeting_id>/decisions": CREATES,
    "/rencontres/<id:meeting_id>/annuler": "cancels a meeting: one box to tick to confirm, nothing stored to show",
    "/rencontres/<id:meeting_id>/emargement/<id:registration_id>": ACTS,
    "/rencontres/<id:meeting_id>/emargement/<id:registration_id>/public": ACTS,
    "/rencontres/<id:meeting_id>/emargement/sur-place": CREATES,
    "/rencontres/<id:meeting_id>/pieces-jointes": "adds a file",
    "/rencontres/<id:meeting_id>/pieces-jointes/<id:attachment_id>/supprimer": DELETES,
}


def test_the_tables_name_only_routes_of_the_site(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not (EDITS.keys() | NOT_EDITS.keys()) - rules
    assert not EDITS.keys() & NOT_EDITS.keys()


def test_every_form_route_is_an_edit_case_or_says_why_not(app):
    missing = sorted({rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
                     - EDITS.keys() - NOT_EDITS.keys())
    assert not missing, "POST routes with neither an edit case nor a reason: " + ", ".join(missing)


def _login(client, person):
    from tests.conftest import Auth

    if person is None:  # a guest's private link: nobody to sign in
        return

    response = Auth(client).login(person.email)
    assert response.status_code == 302, "login failed"


def _post_urlencoded(client, action, pairs):
    from urllib.parse import urlencode

    return client.post(action, data=urlencode(pairs), content_type="application/x-www-form-urlencoded")


CASES = [pytest.param(case, id=f"{rule} #{n}" if n else rule)
         for rule, cases in sorted(EDITS.items())
         for n, case in enumerate(cases if isinstance(cases, tuple) else (cases,))]


@pytest.mark.parametrize("case", CASES)
def test_an_edit_saved_unchanged_changes_nothing(client, case):
    person, url, action, _name = case.made()
    _login(client, person)
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    pairs = browser_data(page.get_data(as_text=True), url, action, case.button)
    before = snapshot()
    response = _post_urlencoded(client, action, pairs)
    assert response.status_code == case.unchanged, (
        f"saving {url} unchanged answered {response.status_code}:\n{_errors(response)}\nsent: {pairs}")
    assert differences(before, snapshot()) == set(), f"saving {url} unchanged changed these (table, column)"
    assert client.get(url).status_code == 200, "the editor can no longer open the page"


@pytest.mark.parametrize("case", CASES)
def test_an_edit_of_one_field_changes_only_that_field(client, case):
    person, url, action, name = case.made()
    _login(client, person)
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    pairs = changed(browser_data(page.get_data(as_text=True), url, action, case.button), name, case.value)
    for other, value in case.also.items():
        pairs = changed(pairs, other, value)
    before = snapshot()
    response = _post_urlencoded(client, action, pairs)
    assert response.status_code == 302, (
        f"changing {name} of {url} answered {response.status_code}:\n{_errors(response)}")
    assert differences(before, snapshot()) == case.columns


def _errors(response) -> str:
    import re

    from tests.conftest import page_text

    text = page_text(response)
    found = re.findall(r'class="[^"]*(?:error|alert)[^"]*"[^>]*>(.*?)<', text, re.S)
    return "\n".join(m.strip() for m in found if m.strip()) or text[:2000]


def test_an_answer_sent_again_unchanged_says_so_and_tells_nobody(client):
    from tests.conftest import page_text

    person, url, action = build_contribution_answer()
    _login(client, person)
    pairs = browser_data(client.get(url).get_data(as_text=True), url, action)
    assert ("answer", "Oui : la commune les pose en juin.\r\n\r\nMerci !") in pairs, "the form does not show the answer"
    response = _post_urlencoded(client, action, pairs)
    shown = page_text(client.get(response.headers["Location"]))
    assert "Rien n'a changé" in shown
    assert "sont prévenues" not in shown
