"""The world the security tests walk: one of each thing the site's routes
take in their address (a contribution in Lens, a meeting, a process at each
level, a fiche, a partner's commitment, a live board...), the eight people
of the permission matrix, their logged-in clients with a valid CSRF token,
and a digest of every table to tell whether a request changed anything.

Building the world for each of the ~2,000 requests would take minutes: it
is built once, and after a request that changed it (an allowed one; a
refused one must not) the rows it touched are put back, ids and all.

This file's `fresh_database` replaces the suite's for tests/security."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Optional

import pytest
from flask import current_app
from sqlalchemy import select

from labo.accounts.models import Role, User
from labo.extensions import db
from tests.conftest import CSRF_RE
from tests.factories import PDF, commune, create_user, jpeg_bytes
from tests.snapshot import digests, restore_rows, table_rows
# The live server and its Socket.IO screens, for the board's events.
from tests.workshops.conftest import live_url, quick_websocket_close  # noqa: F401

LOGIN_PATH = "/compte/connexion"

# The eight people of the matrix, in the order the tables read.
ROLES = ("anonymous", "resident", "ambassador", "referent_a", "referent_b", "animator", "copil", "admin")
# Shorthands for the tables.
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset = frozenset()
ADMIN = frozenset({"admin"})
COPIL = frozenset({"copil", "admin"})
REFERENT_A = frozenset({"referent_a", "admin"})
REFERENTS = frozenset({"referent_a", "referent_b", "admin"})


JPEG = jpeg_bytes()


@dataclass
class World:
    """Ids, slugs and tokens of what was built (never ORM objects: each
    request runs in its own session)."""

    users: dict[str, int] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, Optional[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    phone_tokens: dict[str, str] = field(default_factory=dict)
    voter_tokens: dict[str, str] = field(default_factory=dict)
    voter_token: str = ""

    def __getitem__(self, name: str) -> Any:
        return self.ids[name]


def build_world() -> World:
    """Everything the routes point at, made through the site's services."""
    from labo.accounts import services as accounts
    from labo.actors import services as actors
    from labo.actors.models import Organisation, ActivityEntry
    from labo.contributions import services as contributions
    from labo.contributions.models import Visibility
    from labo.core.db import utcnow
    from labo.fiches import services as fiches
    from labo.meetings import services as meetings
    from labo.meetings.models import Meeting
    from labo.partners import services as partners
    from labo.partners.models import Commitment, Partner
    from labo.processes import ballots
    from labo.processes import services as processes
    from labo.processes.models import Process
    from labo.proclamation import services as proclamation
    from labo.territory.models import Axis, Qpv
    from labo.workshops import services as workshops

    config = current_app.config
    world = World()
    lens, lievin = commune("lens"), commune("lievin")
    people = {
        "resident": create_user(pseudonym="Josiane", home="lens"),
        "ambassador": create_user(pseudonym="Mehdi", roles=[(Role.AMBASSADOR, None)], home="lens"),
        "referent_a": create_user(pseudonym="Nadia", roles=[(Role.REFERENT, "lens")]),
        "referent_b": create_user(pseudonym="Karim", roles=[(Role.REFERENT, "lievin")]),
        "animator": create_user(pseudonym="Sophie", roles=[(Role.ANIMATOR, None)]),
        "copil": create_user(pseudonym="Élu du COPIL", roles=[(Role.COPIL, None)]),
        "admin": create_user(pseudonym="Admin", roles=[(Role.ADMIN, None)]),
    }
    # Someone outside the matrix: the author of what others moderate, and a
    # grant that an administrator may take back.
    author = create_user(pseudonym="Autrice", home="lens")
    spare = create_user(pseudonym="Réserve", roles=[(Role.AMBASSADOR, None)])
    resident, ambassador, referent_a = people["resident"], people["ambassador"], people["referent_a"]
    animator, admin = people["animator"], people["admin"]
    world.users = {name: user.id for name, user in people.items()}
    ids = world.ids
    ids.update(author=author.id, spare=spare.id, resident=resident.id, spare_grant=spare.grants[0].id)
    ids["reset_token"] = accounts.make_reset_token(config, author)
    author.pending_email = "autrice.nouvelle@example.org"  # an address waiting for its link to be opened
    ids["confirm_token"] = accounts.confirmation_token(config, author)

    # --- contributions in Lens ---------------------------------------------------
    def post(title: str, photo: bool = False):
        return contributions.create_contribution(
            config, author, kind="idee", title=title, body="Deux bancs suffiraient.", commune=lens,
            photo=io.BytesIO(jpeg_bytes()) if photo else None, photo_alt="Un arrêt de bus")

    published = post("Des bancs près de l'arrêt")
    twin = post("Des bancs à l'arrêt de bus")
    hidden = post("Une idée masquée", photo=True)
    pending = post("Une idée en attente")
    db.session.flush()
    comment = contributions.add_comment(author, published, "Bonne idée !")
    contributions.report(spare, published, "Hors sujet ?")
    contributions.hide(config, referent_a, hidden, "Propos blessants")
    pending.visibility = Visibility.PENDING.value
    # the resident's own, which only she may reword or withdraw; one posted
    # without an account, whose private link is the only key
    own = contributions.create_contribution(config, resident, kind="idee", title="Un banc devant la poste",
                                            body="Pour se poser.", commune=lens)
    _guest, guest_token = contributions.create_guest_contribution(
        config, name="Lina", kind="idee", title="", body="Un abri à l'arrêt.", commune=lens)
    db.session.commit()
    ids.update(contribution=published.id, twin=twin.id, hidden_contribution=hidden.id, pending=pending.id,
               comment=comment.id, hidden_photo=hidden.photo.key, own_contribution=own.id, guest_token=guest_token)

    # --- a meeting in Lens, animated by the animator ---------------------------------
    soon = utcnow() + timedelta(days=20)
    meeting = meetings.save_meeting(
        animator, Meeting(), title="Rencontre de Lens", theme="Le cadre de vie", starts_at=soon, ends_at=None,
        commune=lens, venue="Centre social", address="", step_free=True, public_transport="", childcare=False,
        access_notes="", capacity=40, running_order="", animators=[animator])
    db.session.commit()
    seat = meetings.register(meeting, first_name="Paul", contact="paul@example.org")
    meeting = db.session.get(Meeting, meeting.id)
    attachment = meetings.add_attachment(config["LABO_UPLOAD_DIR"], animator, meeting, io.BytesIO(PDF), "ordre.pdf")
    db.session.commit()
    ids.update(meeting=meeting.id, registration=seat.registration_id, attachment=attachment.id,
               registration_token=seat.cancel_token)

    # --- processes of Lens, one per level, a draft, and one of the agglomeration -------
    now = utcnow()

    def process(level: str, method: str, *, commune_=lens, published_=True, options=(), closed=False):
        opens = now - timedelta(days=20 if closed else 1)
        closes = now - timedelta(hours=1) if closed else now + timedelta(days=10)
        made = processes.save_process(
            admin, Process(), title=f"Démarche {level} {method}", question="Que faire de la friche ?",
            context="", decider="le conseil municipal", level=level, method=method, options=list(options),
            secret=False, max_choices=None, opens_at=opens, closes_at=closes,
            answer_by=(closes + timedelta(days=30)).date(), audience="everyone", communes=[], qpvs=[],
            verified_only=False, commune=commune_, pillar=None, ambition=None, decision_rule="", easy_read="",
            may_run_agglomeration=True)
        if published_:
            processes.publish_process(admin, made)
        db.session.flush()
        return made

    information = process("information", "questions")
    consultation = process("consultation", "avis")
    concertation = process("concertation", "proposals")
    codecision = process("codecision", "single", options=("Un parc", "Des jardins"))
    closed = process("codecision", "single", options=("Un parc", "Des jardins"), closed=True)
    draft = process("consultation", "avis", published_=False)
    agglomeration = process("consultation", "avis", commune_=None)
    question = processes.ask_question(information, author, "Quand commencent les travaux ?", now)
    proposal = processes.make_proposal(concertation, author, title="Un jardin", body="Avec les écoles.", now=now)
    tally = ballots.add_tally(agglomeration, admin, channel="paper", place="Mairie", held_on=date.today(),
                              participants=12, commune=lens, counts={"favorable": "8", "reserve": "3",
                                                                     "defavorable": "1"},
                              now=now, photo=io.BytesIO(jpeg_bytes()), upload_dir=config["LABO_UPLOAD_DIR"])
    lens_tally = ballots.add_tally(consultation, admin, channel="paper", place="Mairie", held_on=date.today(),
                                   participants=5, commune=lens, counts={"favorable": "5"}, now=now,
                                   photo=io.BytesIO(jpeg_bytes()), upload_dir=config["LABO_UPLOAD_DIR"])
    db.session.commit()
    ids.update(information=information.id, consultation=consultation.id, concertation=concertation.id,
               codecision=codecision.id, closed=closed.id, draft=draft.id, agglomeration=agglomeration.id,
               question=question.id, proposal=proposal.id, tally=tally.id, lens_tally=lens_tally.id,
               option=codecision.options[0].id)

    # --- printed participation cards for the codécision (labo/cards) ---------------------
    from labo.cards import services as cards

    codecision.accepts_cards = True
    card_sheet, card_codes = cards.print_sheet(admin, codecision, 2, now, config["SECRET_KEY"], meeting=None)
    db.session.commit()
    ids.update(card_sheet=card_sheet.id, card_code=cards.show_code(card_codes[0]))

    # --- fiches: a draft of the resident's, one waiting for review, one published ----------
    def fiche(author_, title: str, *, submit: bool, publish: bool = False):
        data = fiches.FicheInput(kind="experience", title=title, level="concertation",
                                 method="On marche ensemble et on note ce qu'on voit.", communes=(lens,))
        made = fiches.save_fiche(author_, None, data, submit=submit)
        if publish:
            fiches.publish(admin, made)
        db.session.flush()
        return made

    draft_fiche = fiche(resident, "Une balade urbaine", submit=False)
    submitted_fiche = fiche(author, "Un thé de quartier", submit=True)
    published_fiche = fiche(author, "Une table de quartier", submit=True, publish=True)
    photo = fiches.add_photo(config, resident, draft_fiche, io.BytesIO(jpeg_bytes()), "La balade")
    fiche_file = fiches.add_attachment(config, resident, draft_fiche, io.BytesIO(PDF), "parcours.pdf")
    db.session.commit()
    edited = fiches.FicheInput(kind="experience", title="Une table de quartier, le jeudi", level="concertation",
                               method="On marche ensemble et on note ce qu'on voit.", communes=(lens,))
    fiches.save_fiche(admin, published_fiche, edited)
    db.session.commit()
    ids.update(draft_fiche=draft_fiche.id, submitted_fiche=submitted_fiche.id, published_fiche=published_fiche.id,
               fiche_photo=photo.id, fiche_photo_key=photo.key, fiche_attachment=fiche_file.id)

    # --- a partner, a commitment, a follow-up entry for the COPIL's eyes only ------------
    partner = partners.save_partner(admin, Partner(), name="La CAF du Pas-de-Calais", slug="caf", kind="caf",
                                    description="")
    commitment = partners.save_commitment(admin, Commitment(), partner=partner, family="cooperation",
                                          title="Nommer un référent", referent_name="", referent_email=None,
                                          next_review_on=None)
    entry = partners.record_follow_up(config["LABO_UPLOAD_DIR"], admin, commitment, happened_on=date.today(),
                                      note="Un point", status_after="en_cours", public=False, file=PDF,
                                      filename="preuve.pdf")
    db.session.commit()
    ids.update(partner="caf", commitment=commitment.id, follow_up=entry.id)

    # --- a formal opinion of the Labo from the consultation, to the partner, waiting for its answer ---
    from labo.opinions import services as opinions

    opinion = opinions.issue_opinion(admin, title="Des bancs", body="Texte", asks="Trois bancs", addressee="partner",
                                     partner=partner, process=db.session.get(Process, ids["consultation"]),
                                     answer_due_on=date.today() + timedelta(days=30))
    db.session.commit()
    ids.update(opinion=opinion.id, today=date.today().isoformat(),
               in_a_month=(date.today() + timedelta(days=30)).isoformat())

    # --- a walking diagnostic in Lens (labo/walks), planned by the animator, the resident registered;
    # her finding with a photo sent to the partner, and one not sorted yet ---
    from labo.walks import services as walks

    walk = walks.plan_walk(animator, title="Diagnostic à la Cité 12", starts_at=soon, ends_at=None, commune=lens,
                           qpv=None, meeting_point="Devant l'école", route="Rue Diderot", invites_residents=True,
                           invites_landlord=False, invites_services=False)
    db.session.commit()
    meetings.register(walk.meeting, user=resident)
    walk = walks.get_walk(walk.id)
    walk_sent, _ = walks.add_finding(config, resident, walk, category="lighting", text="Un lampadaire éteint",
                                     street="rue Diderot", photo=io.BytesIO(jpeg_bytes()), client_key="cle-constat-001")
    walk_new, _ = walks.add_finding(config, resident, walk, category="cleanliness", text="Des déchets",
                                    street="rue Voltaire")
    walks.sort_finding(admin, walk_sent, action="send", category="lighting", partner=partner)
    db.session.commit()
    ids.update(walk=walk.id, walk_sent=walk_sent.id, walk_new=walk_new.id, walk_photo_key=walk_sent.photo_key)

    # --- the directory: an organisation of Lens, the ambassador's activity log ------------
    organisation = actors.save_organisation(
        admin, Organisation(), name="Centre social de Lens", kind="association", description="",
        contact_email=None, contact_phone=None, website=None, communes=[lens], ambitions=[])
    activity = actors.save_activity(ambassador, ActivityEntry(), happened_on=date.today(), kind="rencontre",
                                    commune=lens, people_count=4, text="Au marché")
    db.session.commit()
    ids.update(organisation=organisation.id, activity=activity.id)

    # --- the proclamation, signed by the resident ------------------------------------------
    proclamation.publish_version(admin, title="Faire de notre agglomération un territoire participatif",
                                 body="<p>Premier paragraphe.</p>", change_note="Première version")
    signature = proclamation.sign_as_person(resident, category="habitant", commune=lens, public=True)
    db.session.commit()
    ids.update(signature=signature.id)

    # --- a live board of the meeting, opened by the animator, with notes and a group ---------
    board = workshops.create_board(animator, title="Atelier du quartier", meeting=meeting, commune=lens)
    db.session.flush()
    participant = workshops.join_board(board, "Alice")
    first, _ = workshops.post_note(board, participant, column_id=board.columns[0].id, text="Plus de bancs",
                                   client_key="cle-de-note-001")
    second, _ = workshops.post_note(board, participant, column_id=board.columns[0].id, text="Un marché",
                                    client_key="cle-de-note-002")
    third, _ = workshops.post_note(board, participant, column_id=board.columns[1].id, text="Un composteur",
                                   client_key="cle-de-note-004")
    grouping = workshops.group_notes(board, first, onto_note=second, title="Le quartier")
    # Each person of the matrix also has a place on the board, as a phone that joined with the code.
    phones = {role: workshops.join_board(board, f"Téléphone {n}", user=people.get(role))
              for n, role in enumerate(ROLES)}
    # A second board, at the voting step, where the resident's phone places its dots.
    voting = workshops.create_board(animator, title="Atelier des jeunes", commune=lens)
    db.session.flush()
    voter = workshops.join_board(voting, "Josiane", user=resident)
    idea, _ = workshops.post_note(voting, voter, column_id=voting.columns[0].id, text="Un city stade",
                                  client_key="cle-de-note-003")
    workshops.set_phase(animator, voting, "voting")
    # ... and where each person's phone has placed one dot already (to take it back).
    voters = {role: workshops.join_board(voting, f"Votant {n}", user=people.get(role)) for n, role in enumerate(ROLES)}
    for phone in voters.values():
        workshops.place_dot(voting, phone, "note", idea.id)
    db.session.commit()
    ids.update(board=board.id, board_code=board.code, note=first.id, other_note=second.id, third_note=third.id,
               group=grouping.group.id, column=board.columns[0].id, voting_board=voting.id,
               voting_code=voting.code, voting_note=idea.id)
    world.phone_tokens = {role: workshops.participant_token(config, p) for role, p in phones.items()}
    world.voter_tokens = {role: workshops.participant_token(config, p) for role, p in voters.items()}
    world.voter_token = workshops.participant_token(config, voter)

    # --- the Labo's letter (labo/letters): a Lens draft, a Lens letter sent, a confirmed subscription ---
    from labo.letters import services as letters

    draft_letter = letters.compose_letter(admin, lens, now)
    sent_letter = letters.compose_letter(admin, lens, now)
    sent_letter.status, sent_letter.sent_at = "sent", now
    subscription = letters.subscribe(config, "abonnee@example.org", lens, locale="fr", via=None,
                                     links=lambda what, s: "http://localhost/")
    letters.confirm(config, letters.confirm_token(config, subscription))
    db.session.commit()
    ids.update(draft_letter=draft_letter.id, letter=sent_letter.id,
               letter_confirm=letters.confirm_token(config, subscription),
               letter_unsubscribe=letters.unsubscribe_token(config, subscription))

    # --- the micro-projects fund (labo/fund): a Lens round in preparation with its committee ---
    from datetime import timedelta as _days

    from labo.fund import services as fund

    fund_draft = fund.create_round(admin, lens, title="Fonds de Lens", envelope_cents=500_000, ceiling_cents=100_000,
                                   apply_until=now.date() + _days(days=30), committee_on=now.date() + _days(days=40),
                                   spend_within_days=30, rules="Des projets.", rules_easy="Un projet.",
                                   today=now.date())
    fund_member = fund.add_member(admin, fund_draft, "Autrice", True)
    # ... and an open one, with the resident's draft and an application sent for Lens (the copil member sits on it)
    fund_open = fund.create_round(admin, lens, title="Fonds ouvert", envelope_cents=500_000, ceiling_cents=100_000,
                                  apply_until=now.date() + _days(days=30), committee_on=now.date() + _days(days=40),
                                  spend_within_days=30, rules="Des projets.", rules_easy="Un projet.",
                                  today=now.date())
    fund.add_member(admin, fund_open, "Élu du COPIL", False)
    fund.open_round(admin, fund_open, now.date())
    fund_draft_application = fund.save_application(resident, fund_open, None, title="Un jardin", today=now.date())
    fund_sent = fund.save_application(author, fund_open, None, title="Un repas", what="Un repas.", for_whom="Tous.",
                                      commune=lens, starts_on=now.date() + _days(days=50), amount_cents=30_000,
                                      lines=[("Tables", 10_000), ("Repas", 15_000), ("Affiches", 5_000)],
                                      carrier_name="Les voisins", contact_name="Josiane Martin",
                                      contact_email="josiane@example.org", today=now.date())
    fund.submit_application(author, fund_sent, now.date())
    fund_granted = fund.save_application(author, fund_open, None, title="Une fresque", what="Une fresque.",
                                         for_whom="Tous.", commune=lens, starts_on=now.date() + _days(days=50),
                                         amount_cents=30_000, lines=[("Peinture", 20_000), ("Pinceaux", 5_000),
                                                                     ("Échafaudage", 5_000)],
                                         carrier_name="Les peintres", contact_name="Karim", today=now.date(),
                                         contact_phone="0612345678")
    fund.submit_application(author, fund_granted, now.date())
    fund_initiative = contributions.create_contribution(config, resident, kind="initiative", title="Un jardin",
                                                        body="Au pied de l'immeuble.", commune=lens)
    fund.decide(admin, fund_granted, "granted", 25_000, "Un beau projet.")
    # ... and the resident's project, funded and paid, with its report and a photo
    fund_paid = fund.save_application(resident, fund_open, None, title="Un potager", what="Un potager.",
                                      for_whom="Tous.", commune=lens, starts_on=now.date() + _days(days=50),
                                      amount_cents=30_000, lines=[("Bacs", 20_000), ("Terre", 5_000),
                                                                  ("Graines", 5_000)],
                                      carrier_name="Les jardiniers", contact_name="Josiane", today=now.date(),
                                      contact_phone="0612345678")
    fund.submit_application(resident, fund_paid, now.date())
    fund.decide(admin, fund_paid, "granted", 20_000, "Un beau potager.")
    fund.record_payment(admin, fund_paid, now.date())
    fund_report = fund.save_report(config, resident, fund_paid, "Nous avons planté.", io.BytesIO(jpeg_bytes()),
                                   "Le potager")
    db.session.commit()
    ids.update(fund_paid=fund_paid.id, fund_report_photo=fund_report.photos[0].id,
               fund_report_photo_key=fund_report.photos[0].key)
    ids.update(fund_draft=fund_draft.id, fund_member=fund_member.id, fund_open=fund_open.id,
               fund_draft_application=fund_draft_application.id, fund_sent=fund_sent.id,
               fund_granted=fund_granted.id, fund_initiative=fund_initiative.id,
               fund_apply_until=fund_draft.apply_until.isoformat(), fund_committee_on=fund_draft.committee_on.isoformat())

    # --- questionnaires in Lens (labo/questionnaires): one in preparation, one open (answers without an
    # account allowed), one closed with a few answers ---
    from labo.questionnaires import services as questionnaires

    quest_draft = questionnaires.create_questionnaire(admin, title="En préparation", commune=lens, satisfaction=True)
    quest_open = questionnaires.create_questionnaire(admin, title="Ouvert", commune=lens, satisfaction=True,
                                                     allows_anonymous=True)
    questionnaires.open_questionnaire(admin, quest_open)
    quest_closed = questionnaires.create_questionnaire(admin, title="Fermé", commune=lens, satisfaction=True)
    questionnaires.open_questionnaire(admin, quest_closed)
    db.session.commit()
    questionnaires.submit_response(quest_closed, {q.id: [v] for q, v in zip(quest_closed.questions, "4530")},
                                   channel="paper",
                                   entered_by=referent_a, client_key="cle-papier-0001")
    questionnaires.close_questionnaire(admin, quest_closed)
    db.session.commit()
    ids.update(quest_draft=quest_draft.id, quest_draft_q1=quest_draft.questions[0].id, quest_open=quest_open.id,
               quest_open_q1=quest_open.questions[0].id, quest_open_q2=quest_open.questions[1].id,
               quest_open_q3=quest_open.questions[2].id, quest_open_q4=quest_open.questions[3].id,
               quest_closed=quest_closed.id)

    # --- the territory --------------------------------------------------------------
    ids.update(commune="lens", commune_id=lens.id, lievin_id=lievin.id,
               qpv=db.session.scalar(select(Qpv.slug).order_by(Qpv.code)),
               axis=db.session.scalar(select(Axis.slug).order_by(Axis.slug)))
    db.session.commit()
    return world


def log_in(app, world: World) -> None:
    """A session cookie and a CSRF token for each person of the matrix,
    taken from a page as a browser would."""
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            user = db.session.get(User, world.users[role])
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        if role == "resident":
            # The resident's phone joined the live board: its place is in the session.
            session_board = {str(world.ids["board"]): world.phone_tokens[role],
                             str(world.ids["voting_board"]): world.voter_token}
            with client.session_transaction() as session:
                session["workshops"] = session_board
        page = client.get(LOGIN_PATH if role == "anonymous" else "/").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on the page for {role}"
        world.tokens[role] = match.group(1)
        cookie = client.get_cookie(cookie_name)
        world.cookies[role] = cookie.value if cookie is not None else None


def upload_files() -> dict[str, bytes]:
    root = Path(current_app.config["LABO_UPLOAD_DIR"])
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def restore_files(files: dict[str, bytes]) -> None:
    root = Path(current_app.config["LABO_UPLOAD_DIR"])
    for name, content in files.items():
        path = root / name
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


class WorldKeeper:
    """The current world: built once, put back (rows and uploaded files)
    after a request that changed it, built again if that fails."""

    def __init__(self, app, seeded):
        self.app = app
        self.seeded = seeded
        self.world: Optional[World] = None
        self.rows: dict[str, list[dict]] = {}
        self.files: dict[str, bytes] = {}
        self.digests: dict[str, str] = {}
        self.touched: set[str] = set()

    def build(self) -> World:
        from labo.extensions import limiter

        self.seeded.restore()  # the territory and nothing else, as every test starts
        limiter.reset()
        world = build_world()
        log_in(self.app, world)
        self.rows, self.files, self.digests = table_rows(), upload_files(), digests()
        self.world, self.touched = world, set()
        return world

    def current(self) -> World:
        """The world, as it was built, before each test."""
        if self.world is None:
            return self.build()
        if self.touched:
            restore_rows(self.rows, self.touched)
            restore_files(self.files)
            self.touched = set()
            if self.changed_tables():  # pragma: no cover - the restore missed something
                return self.build()
        return self.world

    def changed_tables(self) -> list[str]:
        """The tables that differ from the world (they are put back before the next test)."""
        now = digests()
        changed = [name for name, digest in now.items() if digest != self.digests.get(name)]
        self.touched.update(changed)
        return changed

    def client(self, role: str):
        """A new client with `role`'s session (flashes and all start afresh)."""
        client = self.app.test_client()
        cookie = self.world.cookies[role]
        if cookie is not None:
            client.set_cookie(self.app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
        return client


def pytest_runtest_teardown(item, nextitem):
    """Tests elsewhere wipe the database: the world must be put back after them."""
    if nextitem is None or Path(str(nextitem.path)).parent != Path(__file__).parent:
        keeper = KEEPERS.get("keeper")
        if keeper is not None:
            keeper.world = None


KEEPERS: dict[str, WorldKeeper] = {}


@pytest.fixture(scope="session")
def keeper(app, seeded):
    KEEPERS["keeper"] = WorldKeeper(app, seeded)
    return KEEPERS["keeper"]


@pytest.fixture(autouse=True)
def fresh_database(app, keeper):
    """Instead of tests/conftest.py's: the world stays between tests as long
    as the database is unchanged (see WorldKeeper)."""
    from labo.extensions import limiter

    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    yield
    db.session.rollback()
    db.session.remove()
    ctx.pop()


@pytest.fixture
def world(keeper) -> World:
    """The world as built; whatever the test changes in it is put back before the next one."""
    yield keeper.current()
    keeper.changed_tables()
