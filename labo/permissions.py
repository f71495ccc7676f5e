"""Every permission of the site, as a named action in one table.

`can(user, action, obj)` answers for views, templates (as a Jinja global),
the API and socket handlers alike. A referent's power is scoped to the
communes they were granted."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort
from flask_login import current_user

from labo.accounts.models import Role, User
from labo.extensions import login_manager


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_admin(user, obj: Any = None) -> bool:
    return _authenticated(user) and user.has_role(Role.ADMIN)


def is_copil(user, obj: Any = None) -> bool:
    return _authenticated(user) and (user.has_role(Role.COPIL) or user.has_role(Role.ADMIN))


def is_self(user, obj: Any) -> bool:
    return _authenticated(user) and obj is not None and obj.id == user.id


def is_referent_of(user, commune: Any) -> bool:
    """A referent of this commune (or an administrator)."""
    if is_admin(user):
        return True
    return _authenticated(user) and commune is not None and commune.id in user.referent_commune_ids


def is_authenticated(user, obj: Any = None) -> bool:
    return _authenticated(user)


def is_any_referent(user, obj: Any = None) -> bool:
    return is_admin(user) or (_authenticated(user) and bool(user.referent_commune_ids))


def enters_for_others(user, obj: Any = None) -> bool:
    """Referents and animators type in what was said in person or on paper."""
    return is_any_referent(user) or (_authenticated(user) and user.has_role(Role.ANIMATOR))


def moderates_contribution(user, contribution: Any) -> bool:
    return contribution is not None and is_referent_of(user, contribution.commune)


def sees_contribution(user, contribution: Any) -> bool:
    """Published ones for all; a hidden or pending one for its author and moderators."""
    if contribution is None:
        return False
    if contribution.is_published:
        return True
    if _authenticated(user) and user.id in (contribution.author_id, contribution.entered_by_id) and not contribution.is_merged:
        return True
    return moderates_contribution(user, contribution)


def rewords_contribution(user, contribution: Any) -> bool:
    """Its author rewords or withdraws a contribution until it is answered
    (a guest does it through the private link, which is the proof)."""
    return (_authenticated(user) and contribution is not None and contribution.author_id == user.id
            and not contribution.is_answered and not contribution.is_merged)


def takes_part(user, contribution: Any) -> bool:
    return _authenticated(user) and contribution is not None and contribution.is_published


def animates_meeting(user, meeting: Any) -> bool:
    """Its animators, whoever created it, and administrators run a meeting
    (edit it, sign people in, see the named list)."""
    if is_admin(user):
        return True
    if not _authenticated(user) or meeting is None:
        return False
    return user.id == meeting.created_by_id or any(a.id == user.id for a in meeting.animators)


def relays(user, obj: Any = None) -> bool:
    """Ambassadors and referents hand invitations on."""
    return _authenticated(user) and (user.has_role(Role.AMBASSADOR) or bool(user.referent_commune_ids) or is_admin(user))


def places_in_commune(user, commune: Any = None) -> bool:
    """Where an organisation of the directory, or a process, may be placed:
    administrators anywhere, and `commune` None (the whole agglomeration)
    is theirs alone; referents in their own communes."""
    if is_admin(user):
        return True
    return commune is not None and is_referent_of(user, commune)


def appears_as_actor(user, obj: Any = None) -> bool:
    """Ambassadors and referents may have a card in the directory of actors."""
    return _authenticated(user) and (user.has_role(Role.AMBASSADOR) or bool(user.referent_commune_ids))


def manages_organisation(user, organisation: Any = None) -> bool:
    """Administrators, and referents for organisations of their communes
    (any referent may add a new one, in their own communes)."""
    if is_admin(user):
        return True
    if not _authenticated(user) or not user.referent_commune_ids:
        return False
    return organisation is None or any(c.id in user.referent_commune_ids for c in organisation.communes)


def owns_activity(user, entry: Any) -> bool:
    """An activity log entry is its author's alone (not even administrators')."""
    return _authenticated(user) and entry is not None and entry.user_id == user.id


def signed_it(user, signature: Any) -> bool:
    """A signature of the proclamation is withdrawn from the account that made it."""
    return _authenticated(user) and signature is not None and signature.signer_id == user.id


def _is(obj: Any, table: str) -> bool:
    """Whether `obj` is a row of `table`: objects are recognised by their
    table, so that this base module imports no feature's models."""
    return getattr(obj, "__tablename__", None) == table


def _is_process(obj: Any) -> bool:
    return _is(obj, "process")


def manages_process(user, process: Any) -> bool:
    """Administrators manage every process; referents those their commune runs."""
    if not _is_process(process):
        return False
    return is_admin(user) or (process.commune is not None and is_referent_of(user, process.commune))


def sees_process(user, process: Any) -> bool:
    """Published processes for all; a draft for its managers."""
    return _is_process(process) and (process.published or manages_process(user, process))


def enters_tally(user, process: Any) -> bool:
    """Paper and workshop tally sheets: the process's managers, and for an
    agglomeration process (no commune) any referent."""
    if manages_process(user, process):
        return True
    return _is_process(process) and process.commune is None and is_any_referent(user)


def prints_cards(user, process: Any) -> bool:
    """Printed participation cards (labo.cards): print, list and revoke any of
    a process's sheets. Those who enter its tallies (its managers; any
    referent for an agglomeration process): each card is a vote. Animators
    print cards only for a meeting they run (labo.cards.views.meeting, under
    "meeting.manage"), for the processes open at its commune."""
    return enters_tally(user, process)


def revokes_card_sheet(user, sheet: Any) -> bool:
    """A sheet of cards is revoked by its process's managers, or by whoever printed it."""
    if sheet is None or not hasattr(sheet, "printed_by_id"):
        return False
    return prints_cards(user, sheet.process) or (_authenticated(user) and sheet.printed_by_id == user.id)


def verifies_person(user, person: Any) -> bool:
    """A referent vouches for people living in their communes (administrators for anyone)."""
    if not isinstance(person, User):
        return False
    return is_admin(user) or (person.home_commune is not None and is_referent_of(user, person.home_commune))


def gives_reset_code(user, person: Any) -> bool:
    """A referent who meets a person of their communes may give them a code to
    choose a new password (for accounts without an email); administrators,
    for anyone. A referent's or an administrator's account, which holds more
    power, only an administrator; one's own, nobody (the profile does it)."""
    if not isinstance(person, User) or not _authenticated(user) or person.id == user.id:
        return False
    if is_admin(user):
        return True
    if person.has_role(Role.ADMIN) or person.referent_commune_ids:
        return False
    return verifies_person(user, person)


def reviews_fiche(user, fiche: Any) -> bool:
    """Administrators; referents of one of the fiche's communes; any referent
    for a fiche that names no commune."""
    if is_admin(user):
        return True
    if fiche is None or not is_any_referent(user):
        return False
    if not fiche.communes:
        return True
    return any(c.id in user.referent_commune_ids for c in fiche.communes)


def wrote_fiche(user, fiche: Any) -> bool:
    return _authenticated(user) and fiche is not None and fiche.author_id == user.id


def _is_fiche(obj: Any) -> bool:
    return _is(obj, "fiche")


def _fiche_rule(what: str, user, fiche: Any) -> bool:
    """Published fiches are for all to read; their author and their reviewers
    (reviews_fiche) read and edit the others."""
    if not _is_fiche(fiche):
        return False
    if what == "view" and fiche.is_published:
        return True
    if what == "review":
        return reviews_fiche(user, fiche)
    return wrote_fiche(user, fiche) or reviews_fiche(user, fiche)


def _is_board(obj: Any) -> bool:
    return _is(obj, "workshop_board")


def runs_workshops(user, obj: Any = None) -> bool:
    """Animators, referents and administrators open live workshop boards."""
    return is_any_referent(user) or (_authenticated(user) and user.has_role(Role.ANIMATOR))


def animates_board(user, board: Any) -> bool:
    """Whoever opened the board, its co-animators, the animators of its
    meeting, and administrators steer a board."""
    if not _is_board(board) or not _authenticated(user):
        return False
    if is_admin(user) or board.created_by_id == user.id or any(a.id == user.id for a in board.animators):
        return True
    return board.meeting is not None and animates_meeting(user, board.meeting)


def issues_opinion(user, source: Any = None) -> bool:
    """The Labo's formal opinion: administrators; referents for what comes
    from a meeting or process of their commune (None: the form, any referent)."""
    if source is None:
        return is_any_referent(user)
    return is_referent_of(user, getattr(source, "commune", None))


def speaks_for_partner(user, partner: Any) -> bool:
    """A partner's referent with an account: the email named on one of the partner's commitments."""
    email = (getattr(user, "email", None) or "").lower() if _authenticated(user) else ""
    return bool(partner is not None and email and any(
        (c.referent_email or "").lower() == email for c in partner.commitments))


def answers_opinion(user, opinion: Any) -> bool:
    """An administrator for the addressee, or, for a partner, its referent
    with an account (the email named on one of the partner's commitments)."""
    if opinion is None:
        return False
    if is_admin(user):
        return True
    return speaks_for_partner(user, getattr(opinion, "partner", None))


def plans_walk(user, commune: Any = None) -> bool:
    """A walking diagnostic is planned by animators and administrators
    anywhere, by referents in their communes (None: the form, any referent)."""
    if is_admin(user) or (_authenticated(user) and user.has_role(Role.ANIMATOR)):
        return True
    return is_any_referent(user) if commune is None else is_referent_of(user, commune)


def sorts_walk(user, walk: Any) -> bool:
    """The referents of the walk's commune (and administrators) sort its findings and send them on."""
    return _is(walk, "walk") and is_referent_of(user, walk.meeting.commune)


def manages_walk(user, walk: Any) -> bool:
    """A walk's date, place, route and guests are changed by its animators
    (whoever planned it among them), its commune's referents and administrators."""
    return _is(walk, "walk") and (animates_meeting(user, walk.meeting) or sorts_walk(user, walk))


def captures_on_walk(user, walk: Any) -> bool:
    """Findings are captured by the people registered with an account, the
    walk's animators, the referents of its commune and administrators."""
    if not _is(walk, "walk") or not _authenticated(user) or walk.meeting.cancelled:
        return False
    return animates_meeting(user, walk.meeting) or sorts_walk(user, walk) or walk.is_registered(user.id)


def answers_finding(user, finding: Any) -> bool:
    """A finding sent on is answered by administrators; for a partner, by its
    referent with an account; for a commune service, by the commune's referents."""
    if not _is(finding, "walk_finding") or finding.sent_at is None or finding.status in ("rejected", "merged"):
        return False
    if is_admin(user):
        return True
    if finding.partner is not None:
        return speaks_for_partner(user, finding.partner)
    return is_referent_of(user, finding.walk.meeting.commune)


def _is_application(obj: Any) -> bool:
    return _is(obj, "fund_application")


def edits_application(user, application: Any) -> bool:
    """A draft of the fund is its author's, or the referent's who entered it for a group."""
    return (_is_application(application) and _authenticated(user) and application.status == "draft"
            and user.id in (application.applicant_id, application.entered_by_id))


def sits_on_committee(user, fund_round: Any) -> bool:
    return _authenticated(user) and fund_round is not None and any(m.user_id == user.id for m in fund_round.members)


def sees_application(user, application: Any) -> bool:
    """A whole application, with its private contact: who made or entered it,
    the referents of its commune, its round's committee, administrators."""
    if not _is_application(application) or not _authenticated(user):
        return False
    if user.id in (application.applicant_id, application.entered_by_id) or is_admin(user):
        return True
    if application.status == "draft":
        return False
    commune = application.commune or application.round.commune
    return is_referent_of(user, commune) or sits_on_committee(user, application.round)


def _is_questionnaire(obj: Any) -> bool:
    return _is(obj, "questionnaire")


def manages_questionnaire(user, questionnaire: Any) -> bool:
    """Administrators; the referents of its commune (that of its process or
    meeting); a questionnaire of the whole agglomeration is administrators'."""
    if not _is_questionnaire(questionnaire):
        return False
    return is_admin(user) or (questionnaire.commune is not None and is_referent_of(user, questionnaire.commune))


def answers_questionnaire(user, questionnaire: Any) -> bool:
    """An open questionnaire: with an account, or without anything if its manager allows it, or with a
    printed participation card of its process when it accepts them (labo.questionnaires.services checks the card)."""
    return (_is_questionnaire(questionnaire) and questionnaire.state == "open"
            and (_authenticated(user) or questionnaire.allows_anonymous or questionnaire.accepts_cards))


def surveys_at_door(user, questionnaire: Any) -> bool:
    """Ambassadors, animators and its managers interview people at the door for an open questionnaire; once
    closed, their phones may still send the interviews made before (labo.questionnaires.services decides)."""
    if not _is_questionnaire(questionnaire) or questionnaire.state not in ("open", "closed") \
            or not _authenticated(user):
        return False
    return (user.has_role(Role.AMBASSADOR) or user.has_role(Role.ANIMATOR)
            or manages_questionnaire(user, questionnaire))


def _carries_project(user, application: Any) -> bool:
    """The group (the account that applied, or the referent who entered it for
    them), the commune's referents and administrators."""
    return _authenticated(user) and (user.id in (application.applicant_id, application.entered_by_id)
                                     or is_referent_of(user, application.commune or application.round.commune))


def reports_project(user, application: Any) -> bool:
    """The group's report after the money is paid, until it becomes a fiche."""
    if not _is_application(application):
        return False
    decision, report = application.decision, application.report
    return (decision is not None and decision.outcome == "granted" and decision.paid_on is not None
            and (report is None or report.fiche_id is None) and _carries_project(user, application))


def turns_report_into_fiche(user, application: Any) -> bool:
    """"En faire une fiche d'expérience": once the report is posted (clicked again, the same fiche)."""
    return _is_application(application) and application.report is not None and _carries_project(user, application)


RULES: dict[str, Callable[[Any, Any], bool]] = {
    # administration
    "admin.access": is_admin,
    "account.list": is_admin,
    "account.manage_roles": is_admin,
    "audit.read": is_admin,
    "outbox.read": is_admin,
    "sms.read": is_admin,
    "territory.edit": is_admin,
    "strategy.edit": is_admin,
    # one's own account
    "profile.view": is_self,
    "profile.edit": is_self,
    # commune referents (scoped to their communes)
    "commune.moderate": is_referent_of,
    "moderation.queue": is_any_referent,
    # contributions
    "contribution.create": is_authenticated,
    # without an account: a name, the commune, the text; it waits for the commune's referents
    "contribution.create_as_guest": lambda user, obj=None: not _authenticated(user),
    "contribution.reword": rewords_contribution,
    "contribution.withdraw": rewords_contribution,
    # a guest's contribution, through its private link, joins the account signed in
    "contribution.claim": is_authenticated,
    "contribution.create_on_behalf": enters_for_others,
    "contribution.view": sees_contribution,
    "contribution.support": takes_part,
    "contribution.comment": takes_part,
    "contribution.follow": takes_part,
    "contribution.report": takes_part,
    "contribution.moderate": moderates_contribution,
    "contribution.answer": moderates_contribution,
    # meetings
    "meeting.create": lambda user, obj=None: is_admin(user) or (_authenticated(user) and user.has_role(Role.ANIMATOR)),
    "meeting.manage": animates_meeting,
    "relay.invite": relays,
    "meeting.indicators": lambda user, obj=None: is_copil(user) or (_authenticated(user) and user.has_role(Role.ANIMATOR)),
    # directory of actors and the ambassadors' space
    "actors.appear": appears_as_actor,
    "actors.manage_organisation": manages_organisation,
    "actors.place_organisation": places_in_commune,  # in this commune (the form lists only those)
    "actors.log_activity": relays,
    "actors.edit_activity": owns_activity,
    "actors.read_aggregates": is_copil,
    # steering committee
    "copil.read": is_copil,
    # the proclamation (labo/proclamation)
    "proclamation.sign": is_authenticated,
    "proclamation.withdraw": signed_it,
    "proclamation.edit": is_admin,
    # partners' commitments (labo/partners)
    "partners.manage": is_admin,          # partners, commitments, follow-up entries
    "partners.board": is_copil,           # the follow-up board and non-public entries (read only)
    # experience fiches (labo/fiches)
    "fiche.propose": is_authenticated,
    "fiche.view": lambda user, fiche=None: _fiche_rule("view", user, fiche),
    "fiche.edit": lambda user, fiche=None: _fiche_rule("edit", user, fiche),
    "fiche.review": lambda user, fiche=None: _fiche_rule("review", user, fiche),
    "fiche.queue": is_any_referent,
    # participation processes (labo/processes)
    "process.create": is_any_referent,    # administrators (any commune or none), referents (their communes)
    "process.manage": manages_process,    # edit, publish, answer, publish the return, finish
    "process.run_in": places_in_commune,  # this commune, or None: the whole agglomeration
    "process.view": sees_process,
    "process.take_part": is_authenticated,  # then labo.processes.eligibility.refusal() says why not, if need be
    "ballot.vote": is_authenticated,      # then labo.processes.eligibility.refusal() says why not, if need be
    "ballot.publish": manages_process,    # codécision: freeze the computed result as the decision
    "tally.enter": enters_tally,          # a paper or workshop tally sheet
    "tally.photo": manages_process,       # the photo of a sheet: its managers only
    "card.print": prints_cards,           # printed participation cards: print, list, revoke a sheet (labo/cards)
    "card.revoke": revokes_card_sheet,    # one sheet: its process's managers, or whoever printed it
    "account.verify": verifies_person,    # a referent met the person, who lives in one of their communes
    "account.reset_code": gives_reset_code,  # a one-time code to choose a new password, given in person
    # live workshop boards (labo/workshops); joining with the code needs no account
    "workshop.create": runs_workshops,
    "workshop.animate": animates_board,   # steer, moderate, group, export, turn notes into contributions
    # the Labo's letter (labo/letters): administrators for any commune or the whole agglomeration,
    # referents for their communes; ambassadors and referents hand the printed letter out
    "letter.list": is_any_referent,
    "letter.compose": places_in_commune,  # for this commune, or None: the whole agglomeration
    "letter.manage": lambda user, letter=None: letter is not None and places_in_commune(user, getattr(letter, "commune", None)),
    "letter.view": lambda user, letter=None: letter is not None and (
        getattr(letter, "is_sent", False) or places_in_commune(user, getattr(letter, "commune", None))),
    "letter.hand_out": relays,
    # the Labo's formal opinions (labo/opinions): public to read
    "opinion.issue": issues_opinion,      # from a meeting or process of their commune (administrators: any)
    "opinion.answer": answers_opinion,    # administrators for the addressee, or the partner's referent
    # the residents' micro-projects fund (labo/fund): administrators open rounds; public once open
    "fund.manage": is_admin,              # open a round, edit it, name its committee
    "fund.close": is_admin,               # "Clore les demandes": no more applications
    "fund.from_initiative": lambda user, contribution=None: _authenticated(user) and contribution is not None and (
        getattr(contribution, "author_id", None) == user.id and getattr(contribution, "kind", None) == "initiative"),
    "fund.finish": is_admin,              # "Clôturer le fonds", once every application sent is decided
    "fund.see_project": lambda user, application=None: _is_application(application) and (
        application.status == "decided" and application.decision is not None
        and application.decision.published_at is not None and application.round.state != "draft"),
    "fund.view": lambda user, fund_round=None: _is(fund_round, "fund_round") and (
        fund_round.state != "draft" or is_admin(user)),
    "fund.apply": is_authenticated,       # then labo.fund.services says whether the round still accepts it
    "fund.apply_on_behalf": is_any_referent,  # for a group met in person, who has no account
    "fund.edit_application": edits_application,
    "fund.see_application": sees_application,
    "fund.give_opinion": lambda user, application=None: _is_application(application) and is_referent_of(
        user, application.commune or application.round.commune),  # the commune's referent (administrators)
    "fund.vote": lambda user, application=None: _is_application(application) and sits_on_committee(
        user, application.round),
    "fund.decide": lambda user, application=None: _is_application(application) and is_referent_of(
        user, application.commune or application.round.commune),  # typed from the votes or the paper decision
    "fund.pay": lambda user, application=None: _is_application(application) and is_admin(user),  # the payment's date
    "fund.report": reports_project,       # the group's report and photos, after payment, until it is a fiche
    "fund.report_to_fiche": turns_report_into_fiche,
    # questionnaires (labo/questionnaires): built by referents of its commune and administrators
    "questionnaire.create": is_any_referent,  # administrators (any commune or none), referents (their communes)
    "questionnaire.manage": manages_questionnaire,  # questions, open, close, paper answers, free texts
    "questionnaire.view": lambda user, questionnaire=None: _is_questionnaire(questionnaire) and (
        questionnaire.state != "draft" or manages_questionnaire(user, questionnaire)),
    "questionnaire.answer": answers_questionnaire,
    "questionnaire.door": surveys_at_door,  # ambassadors, animators, its managers
    # results (aggregated, small groups hidden): everyone once closed; managers and the COPIL before
    "questionnaire.results": lambda user, questionnaire=None: _is_questionnaire(questionnaire) and (
        questionnaire.state == "closed" or (questionnaire.state == "open" and is_copil(user))
        or manages_questionnaire(user, questionnaire)),
    # walking diagnostics (labo/walks): public to read, with their findings and answers
    "walk.plan": plans_walk,              # this commune, or None: the form
    "walk.manage": manages_walk,          # its date, place, route and who is invited (registered people told)
    "walk.capture": captures_on_walk,     # a finding from the phone, during the walk
    "walk.sort": sorts_walk,              # category, duplicates, set aside, sent to a partner or a service
    "walk.answer": answers_finding,       # the partner's referent, the commune's referent for a service, admins
    # COPIL (labo/copil)
    "copil.export": is_copil,             # CSV exports and the printable report (counts only, "< 5" groups)
}


def can(user, action: str, obj: Any = None) -> bool:
    """Whether `user` may perform `action` (on `obj`). Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown permission {action!r}")
    return bool(rule(user, obj))


def authorize(action: str, obj: Any = None) -> None:
    """Abort the request unless the current user may do `action`:
    anonymous visitors are sent to log in, others get a 403."""
    if can(current_user, action, obj):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def require(action: str) -> Callable:
    """Decorator for views whose permission needs no object."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            authorize(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator
