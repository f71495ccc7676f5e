"""What the micro-projects fund does, free of Flask's request: the actor and
the day are passed in; each service checks, writes and flushes, the caller
commits once. Refusals are `ServiceError`s whose codes ERROR_MESSAGES turns
into plain French."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import BinaryIO, Mapping, Optional, Sequence

from sqlalchemy import delete, func, or_, select, update

from labo.accounts.models import User
from labo.accounts.services import find_user_for_login
from labo.audit.services import audit_labels, record_audit
from labo.core.dates import local
from labo.core.db import insert_ignoring_duplicates, utcnow, write_transaction
from labo.contributions.models import Contribution, Kind, Visibility
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.core.numbers import format_euros
from labo.core.photos import PhotoError, delete_photo, photo_path, process_photo
from labo.core.sanitize import rich_text_as_typed
from labo.extensions import db
from labo.fiches import services as fiche_services
from labo.fiches.models import Fiche
from labo.fund.models import (
    ApplicationStatus, BudgetLine, CarrierKind, CommitteeMember, CommitteeVote, FundApplication, FundDecision, FundRound,
    FundReport, FundReportPhoto, OpinionKind, Outcome, ReferentOpinion, RoundState, VoteChoice,
)
from labo.privacy import personal_data, retention
from labo.sms.numbers import InvalidPhone, format_phone, normalize_phone
from labo.territory.models import Commune, Qpv

ERROR_MESSAGES = {
    "ceiling-above-envelope": _l("Le montant par projet ne peut pas dépasser le budget total."),
    "committee-before-close": _l("Le comité doit se réunir après la fin des demandes, ou le même jour."),
    "apply-until-past": _l("Cette date est déjà passée : choisissez une date à venir."),
    "round-not-draft": _l("Cet appel est déjà ouvert : il ne peut plus être modifié de cette façon."),
    "account-unknown": _l("Aucun compte ne porte ce pseudonyme ou cette adresse."),
    "already-member": _l("Cette personne fait déjà partie du comité."),
    "committee-empty": _l("Ajoutez d'abord les membres du comité."),
}

ROUND_FIELDS = ("title", "envelope_cents", "ceiling_cents", "apply_until", "committee_on",
                "spend_within_days", "rules", "rules_easy")


def get_round(round_id: int) -> Optional[FundRound]:
    return db.session.get(FundRound, round_id)


def list_rounds(*, with_drafts: bool = False) -> list[FundRound]:
    """Open rounds first, then the others, newest first."""
    query = select(FundRound)
    if not with_drafts:
        query = query.where(FundRound.state != RoundState.DRAFT.value)
    rounds = list(db.session.scalars(query.order_by(FundRound.apply_until.desc(), FundRound.id.desc())).unique())
    return sorted(rounds, key=lambda r: r.state != RoundState.OPEN.value)


def plain(text: Optional[str]) -> str:
    """What was typed, as stored: trimmed, with the browser's line ends (CR LF) as LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_round(values: dict) -> None:
    if values["ceiling_cents"] > values["envelope_cents"]:
        raise ServiceError("ceiling-above-envelope", "ceiling")
    if values["committee_on"] < values["apply_until"]:
        raise ServiceError("committee-before-close", "committee_on")


def create_round(actor: User, commune: Optional[Commune], *, title: str, envelope_cents: int, ceiling_cents: int,
                 apply_until: date, committee_on: date, spend_within_days: int, rules: str, rules_easy: str,
                 today: date) -> FundRound:
    """A round in preparation (draft): public once opened (open_round)."""
    values = dict(title=plain(title), envelope_cents=envelope_cents, ceiling_cents=ceiling_cents,
                  apply_until=apply_until, committee_on=committee_on, spend_within_days=spend_within_days,
                  rules=plain(rules), rules_easy=plain(rules_easy))
    _check_round(values)
    if apply_until < today:
        raise ServiceError("apply-until-past", "apply_until")
    fund_round = FundRound(commune=commune, created_by=actor, state=RoundState.DRAFT.value, **values)
    db.session.add(fund_round)
    db.session.flush()
    record_audit(actor, "fund.round_create", "fund_round", fund_round.id, title=fund_round.title)
    return fund_round


def update_round(actor: User, fund_round: FundRound, commune: Optional[Commune], *, today: date,
                 **values) -> FundRound:
    """Change a round's envelope, dates or rules. Once open (check_open_edit):
    its scope stays, its envelope and ceiling never go below what was
    granted, its last day to apply never moves into the past; its title and
    rules may still be corrected. A decision at the same moment waits, or
    is waited for (the write turn, the round's row): the envelope holds."""
    write_transaction()
    db.session.execute(select(FundRound.id).where(FundRound.id == fund_round.id).with_for_update())
    db.session.refresh(fund_round)
    values = {name: values[name] for name in ROUND_FIELDS}
    for name in ("title", "rules", "rules_easy"):
        values[name] = plain(values[name])
    _check_round(values)
    if values["apply_until"] != fund_round.apply_until and values["apply_until"] < today:
        raise ServiceError("apply-until-past", "apply_until")
    if fund_round.state != RoundState.DRAFT.value:
        check_open_edit(fund_round, commune, values)
    for name, value in values.items():
        setattr(fund_round, name, value)
    fund_round.commune = commune
    db.session.flush()
    record_audit(actor, "fund.round_edit", "fund_round", fund_round.id, title=fund_round.title)
    return fund_round


def add_member(actor: User, fund_round: FundRound, account: str, is_resident: bool) -> CommitteeMember:
    user = find_user_for_login(account.strip())
    if user is None:
        raise ServiceError("account-unknown", "account")
    if any(m.user_id == user.id for m in fund_round.members):
        raise ServiceError("already-member", "account")
    member = CommitteeMember(user=user, is_resident=is_resident)
    fund_round.members.append(member)
    db.session.flush()
    record_audit(actor, "fund.member_add", "fund_round", fund_round.id, title=fund_round.title, member=user.pseudonym)
    return member


def remove_member(actor: User, member: CommitteeMember) -> None:
    fund_round = member.round
    fund_round.members.remove(member)
    db.session.flush()
    record_audit(actor, "fund.member_remove", "fund_round", fund_round.id, title=fund_round.title,
                 member=member.user.pseudonym)


def open_round(actor: User, fund_round: FundRound, today: date) -> FundRound:
    """Applications are accepted from now until `apply_until`."""
    if fund_round.state != RoundState.DRAFT.value:
        raise ServiceError("round-not-draft")
    if not fund_round.members:
        raise ServiceError("committee-empty")
    if fund_round.apply_until < today:
        raise ServiceError("apply-until-past")
    fund_round.state = RoundState.OPEN.value
    fund_round.opened_at = utcnow()
    db.session.flush()
    record_audit(actor, "fund.round_open", "fund_round", fund_round.id, title=fund_round.title)
    return fund_round


def accepts_applications(fund_round: FundRound, today: date) -> bool:
    return fund_round.state == RoundState.OPEN.value and today <= fund_round.apply_until


# --- the round's life: open, closed to applications, done ------------------------------

LIFECYCLE_MESSAGES = {
    "round-scope-locked": _l("L'appel est ouvert : il reste pour la même commune (ou toute l'agglomération)."),
    "envelope-below-granted": _l("Le budget total ne peut pas être plus petit que ce qui est déjà accordé."),
    "ceiling-below-granted": _l("Le montant par projet ne peut pas être plus petit qu'une somme déjà accordée."),
    "round-not-open": _l("Cet appel n'est pas ouvert aux demandes : il ne peut pas être clos."),
    "round-not-closed": _l("Il faut d'abord clore les demandes : le fonds se clôture ensuite."),
    "applications-undecided": _l("Des demandes attendent encore la décision du comité : le fonds ne peut pas "
                                 "être clôturé."),
}
ERROR_MESSAGES.update(LIFECYCLE_MESSAGES)


def largest_grant_cents(fund_round: FundRound) -> int:
    """The largest amount the round's decisions granted to one project (0: none yet)."""
    return int(db.session.scalar(
        select(func.coalesce(func.max(FundDecision.amount_granted_cents), 0))
        .join(FundApplication, FundApplication.id == FundDecision.application_id)
        .where(FundApplication.round_id == fund_round.id)))


def check_open_edit(fund_round: FundRound, commune: Optional[Commune], values: Mapping) -> None:
    """What an open (or closed) round may no longer change: its scope, and
    amounts below what was already granted."""
    if (commune.id if commune is not None else None) != fund_round.commune_id:
        raise ServiceError("round-scope-locked", "scope")
    granted = granted_cents(fund_round)
    if values["envelope_cents"] < granted:
        raise ServiceError("envelope-below-granted", "envelope")
    largest = largest_grant_cents(fund_round)
    if values["ceiling_cents"] < largest:
        raise ServiceError("ceiling-below-granted", "ceiling")


def state_on(fund_round: FundRound, today: date) -> RoundState:
    """The round's state as people live it: an open round whose last day to
    apply has passed is closed to applications, even before an
    administrator says so."""
    state = fund_round.state_enum
    if state is RoundState.OPEN and today > fund_round.apply_until:
        return RoundState.CLOSED
    return state


def close_applications(actor: User, fund_round: FundRound, today: date) -> FundRound:
    """"Clore les demandes": no more applications, the committee decides
    (also in effect once `apply_until` has passed, state_on)."""
    if fund_round.state != RoundState.OPEN.value:
        raise ServiceError("round-not-open")
    fund_round.state = RoundState.CLOSED.value
    db.session.flush()
    record_audit(actor, "fund.round_close", "fund_round", fund_round.id, title=fund_round.title)
    return fund_round


def undecided_count(fund_round: FundRound) -> int:
    """The applications sent to the committee still without a decision."""
    return int(db.session.scalar(select(func.count(FundApplication.id)).where(
        FundApplication.round_id == fund_round.id, FundApplication.status == ApplicationStatus.SUBMITTED.value)))


def finish_round(actor: User, fund_round: FundRound, today: date) -> FundRound:
    """"Clôturer le fonds": every application sent has its decision; the round is over."""
    if state_on(fund_round, today) is not RoundState.CLOSED:
        raise ServiceError("round-not-closed")
    if undecided_count(fund_round):
        raise ServiceError("applications-undecided")
    fund_round.state = RoundState.DONE.value
    db.session.flush()
    record_audit(actor, "fund.round_done", "fund_round", fund_round.id, title=fund_round.title)
    return fund_round


# --- applications ----------------------------------------------------------------------

MIN_LINES, MAX_LINES = 3, 5
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

APPLICATION_MESSAGES = {
    "round-closed": _l("Cet appel à projets n'accepte plus de demandes."),
    "application-sent": _l("Cette demande est déjà envoyée : elle ne peut plus être modifiée."),
    "commune-out-of-scope": _l("Cet appel est pour une autre commune : choisissez la sienne."),
    "qpv-not-in-commune": _l("Ce quartier n'est pas dans la commune choisie."),
    "ends-before-start": _l("La fin ne peut pas être avant le début."),
    "amount-above-ceiling": _l("La somme demandée dépasse ce que l'appel permet pour un projet."),
    "phone-invalid": _l("Ce numéro de téléphone n'est pas valable. Exemple : 06 12 34 56 78."),
    "email-invalid": _l("Cette adresse e-mail n'est pas valable. Exemple : nom@exemple.fr."),
    "too-many-lines": _l("Cinq lignes de budget au plus."),
    "line-incomplete": _l("Chaque ligne de budget dit pour quoi, et combien."),
    # what sending needs (submission_problems)
    "title-required": _l("Donnez un nom à votre projet."),
    "what-required": _l("Dites ce que vous voulez faire."),
    "for-whom-required": _l("Dites pour qui est le projet."),
    "commune-required": _l("Choisissez la commune du projet."),
    "starts-on-required": _l("Dites quand le projet commence."),
    "amount-required": _l("Écrivez la somme demandée, en euros."),
    "lines-too-few": _l("Écrivez au moins 3 lignes de budget."),
    "amount-above-budget": _l("La somme demandée dépasse le total de votre budget."),
    "carrier-required": _l("Écrivez le nom du groupe ou de l'association."),
    "contact-name-required": _l("Écrivez le nom de la personne à contacter."),
    "contact-required": _l("Écrivez un numéro de téléphone ou une adresse e-mail pour vous joindre."),
}
ERROR_MESSAGES.update(APPLICATION_MESSAGES)


def get_application(application_id: int) -> Optional[FundApplication]:
    return db.session.get(FundApplication, application_id)


def applications_of(user: User) -> list[FundApplication]:
    """What a person applied for or entered for a group, newest first (drafts to finish among them)."""
    return list(db.session.scalars(
        select(FundApplication).where(or_(FundApplication.applicant_id == user.id,
                                          FundApplication.entered_by_id == user.id))
        .order_by(FundApplication.updated_at.desc(), FundApplication.id.desc())))


def _contact_phone(text: str) -> str:
    text = plain(text)
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except InvalidPhone:
        raise ServiceError("phone-invalid", "contact_phone") from None


def save_application(actor: User, fund_round: FundRound, application: Optional[FundApplication], *,
                     title: str = "", what: str = "", for_whom: str = "", commune: Optional[Commune] = None,
                     qpv: Optional[Qpv] = None, starts_on: Optional[date] = None, ends_on: Optional[date] = None,
                     amount_cents: Optional[int] = None, lines: Sequence[tuple[str, int]] = (),
                     carrier_kind: str = CarrierKind.GROUP.value, carrier_name: str = "", contact_name: str = "",
                     contact_phone: str = "", contact_email: str = "", on_behalf: bool = False,
                     today: date) -> FundApplication:
    """Create or change a draft: anything may still be missing (sending checks
    it, submission_problems); what is there must make sense. `on_behalf`: a
    referent enters it for a group met in person (who owns no account here)."""
    if application is not None:
        _take_application(application)  # sent meanwhile from another tab: it no longer changes
    if not accepts_applications(fund_round, today):
        raise ServiceError("round-closed")
    if application is not None and application.status != ApplicationStatus.DRAFT.value:
        raise ServiceError("application-sent")
    if commune is not None and fund_round.commune_id is not None and commune.id != fund_round.commune_id:
        raise ServiceError("commune-out-of-scope", "commune")
    if qpv is not None and (commune is None or all(c.id != commune.id for c in qpv.communes)):
        raise ServiceError("qpv-not-in-commune", "qpv")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError("ends-before-start", "ends_on")
    if amount_cents is not None and amount_cents > fund_round.ceiling_cents:
        raise ServiceError("amount-above-ceiling", "amount")
    if len(lines) > MAX_LINES:
        raise ServiceError("too-many-lines", "lines")
    if any(not plain(label) or not cents or cents <= 0 for label, cents in lines):
        raise ServiceError("line-incomplete", "lines")
    phone = _contact_phone(contact_phone)
    email = plain(contact_email).lower()
    if email and not _EMAIL.match(email):
        raise ServiceError("email-invalid", "contact_email")
    if carrier_kind not in {k.value for k in CarrierKind}:
        carrier_kind = CarrierKind.GROUP.value
    created = application is None
    if created:
        application = FundApplication(round=fund_round, status=ApplicationStatus.DRAFT.value)
        if on_behalf:
            application.entered_for_someone, application.entered_by = True, actor
        else:
            application.applicant = actor
        db.session.add(application)
    application.title, application.what, application.for_whom = plain(title), plain(what), plain(for_whom)
    application.commune, application.qpv = commune, qpv
    application.starts_on, application.ends_on, application.amount_cents = starts_on, ends_on, amount_cents
    application.carrier_kind, application.carrier_name = carrier_kind, plain(carrier_name)
    application.contact_name, application.contact_phone, application.contact_email = plain(contact_name), phone, email
    if _set_lines(application, lines) and not created:
        application.updated_at = utcnow()  # the row itself may not change: the draft did
    db.session.flush()
    if created:
        record_audit(actor, "fund.application_create", "fund_application", application.id,
                     title=application.title, on_behalf=application.entered_for_someone)
    return application


def _set_lines(application: FundApplication, lines: Sequence[tuple[str, int]]) -> bool:
    """The budget lines as typed, the rows kept in place (saving unchanged changes nothing); whether any changed."""
    wanted = [(plain(label), cents) for label, cents in lines]
    if [(line.label, line.amount_cents) for line in application.lines] == wanted:
        return False
    kept = application.lines[:len(wanted)]
    for position, (line, (label, cents)) in enumerate(zip(kept, wanted)):
        line.position, line.label, line.amount_cents = position, label, cents
    application.lines = kept + [BudgetLine(position=i, label=label, amount_cents=cents)
                                for i, (label, cents) in enumerate(wanted) if i >= len(kept)]
    return True


def submission_problems(application: FundApplication) -> list[tuple[str, str]]:
    """(field, code) of what an application still lacks to be sent, in the form's order."""
    problems = []
    for field_name, code, value in (("title", "title-required", application.title),
                                    ("what", "what-required", application.what),
                                    ("for_whom", "for-whom-required", application.for_whom),
                                    ("commune", "commune-required", application.commune_id or application.commune),
                                    ("starts_on", "starts-on-required", application.starts_on),
                                    ("amount", "amount-required", application.amount_cents)):
        if not value:
            problems.append((field_name, code))
    if len(application.lines) < MIN_LINES:
        problems.append(("lines", "lines-too-few"))
    elif application.amount_cents and application.amount_cents > application.lines_total_cents:
        problems.append(("amount", "amount-above-budget"))
    if not application.carrier_name:
        problems.append(("carrier_name", "carrier-required"))
    if not application.contact_name:
        problems.append(("contact_name", "contact-name-required"))
    if not (application.contact_phone or application.contact_email):
        problems.append(("contact_phone", "contact-required"))
    return problems


def submit_application(actor: User, application: FundApplication, today: date) -> FundApplication:
    """Send a complete draft to the committee (once, even from two tabs)."""
    _take_application(application)
    if application.status != ApplicationStatus.DRAFT.value:
        raise ServiceError("application-sent")
    if not accepts_applications(application.round, today):
        raise ServiceError("round-closed")
    problems = submission_problems(application)
    if problems:
        raise ServiceError(problems[0][1], problems[0][0])
    application.status = ApplicationStatus.SUBMITTED.value
    application.submitted_at = utcnow()
    db.session.flush()
    record_audit(actor, "fund.application_submit", "fund_application", application.id, title=application.title)
    return application


# --- personal data ----------------------------------------------------------------------

def _contact(application: FundApplication) -> dict:
    return {"name": application.contact_name, "phone": application.contact_phone, "email": application.contact_email}


@personal_data.exporter
def export_for(user: User) -> dict:
    """The applications the person made, with the private contact they gave,
    the reports they posted, their votes on the committee and the opinions
    they gave as a referent (both stay, unsigned, once the account is erased)."""
    return {"fund_applications": [
        {"round": a.round.title, "title": a.title, "status": a.status, "group": a.carrier_name,
         "amount_asked_cents": a.amount_cents, "contact": _contact(a), "created_at": a.created_at.isoformat(),
         "budget": [{"label": line.label, "amount_cents": line.amount_cents} for line in a.lines]}
        for a in db.session.scalars(select(FundApplication).where(FundApplication.applicant_id == user.id)
                                    .order_by(FundApplication.id))],
        "fund_reports": export_reports_for(user),
        "fund_votes": [{"project": v.application.title, "round": v.application.round.title, "choice": v.choice,
                        "comment": v.comment, "created_at": v.created_at.isoformat()}
                       for v in db.session.scalars(select(CommitteeVote).where(CommitteeVote.member_id == user.id)
                                                   .order_by(CommitteeVote.id))],
        "fund_opinions": [{"project": o.application.title, "round": o.application.round.title, "kind": o.kind,
                           "text": o.text}
                          for o in db.session.scalars(select(ReferentOpinion).where(
                              ReferentOpinion.referent_id == user.id).order_by(ReferentOpinion.id))]}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """The person's drafts go; what was sent stays for the committee and the
    accounts, without its contact (the group's name remains). The reports
    the person posted go, with their photos."""
    erase_reports_for(config, user)
    for application in db.session.scalars(select(FundApplication).where(FundApplication.applicant_id == user.id)):
        if application.status == ApplicationStatus.DRAFT.value:
            db.session.delete(application)
        else:
            application.contact_name = application.contact_phone = application.contact_email = ""


@retention.kind("FUND_CONTACT", 365, _l("Le nom, le téléphone et l'e-mail de la personne qui porte une demande au fonds"),
                _l("après la décision du comité (ou après la fin des dépenses d'un projet financé) : ils sont effacés. "
                   "Un brouillon jamais envoyé est supprimé au bout du même temps."), rank=40)
def _purge_contacts(config: Mapping, before: datetime, dry_run: bool) -> int:
    stale_drafts = retention.count(delete(FundApplication).where(
        FundApplication.status == ApplicationStatus.DRAFT.value, FundApplication.updated_at < before))
    decided = select(FundDecision.application_id).where(
        FundDecision.decided_at < before, or_(FundDecision.spend_by.is_(None), FundDecision.spend_by < before.date()))
    cleared = retention.count(update(FundApplication).where(
        FundApplication.id.in_(decided), or_(FundApplication.contact_name != "", FundApplication.contact_phone != "",
                                             FundApplication.contact_email != "")).values(contact_name="", contact_phone="", contact_email=""))
    return stale_drafts + cleared


# --- the referent's opinion, the committee's votes, the decision ------------------------

DECISION_MESSAGES = {
    "not-submitted": _l("Cette demande n'est pas (ou plus) devant le comité."),
    "not-member": _l("Seuls les membres du comité de cet appel votent."),
    "already-voted": _l("Vous avez déjà voté pour cette demande : un seul vote par personne."),
    "unknown-choice": _l("Choisissez pour, contre ou abstention."),
    "unknown-opinion": _l("Choisissez un avis dans la liste."),
    "opinion-text-required": _l("Dites en quelques mots pourquoi."),
    "unknown-outcome": _l("Choisissez : financé ou non retenu."),
    "amount-granted-required": _l("Écrivez la somme accordée, en euros."),
    "granted-above-asked": _l("La somme accordée dépasse la somme demandée."),
    "envelope-exceeded": _l("Il ne reste pas assez d'argent dans le budget de l'appel pour cette somme."),
    "reasons-required": _l("Écrivez les raisons de la décision : elles sont publiées."),
    "already-decided": _l("Cette demande a déjà sa décision."),
}
ERROR_MESSAGES.update(DECISION_MESSAGES)


def give_opinion(referent: User, application: FundApplication, kind: str, text: str) -> ReferentOpinion:
    """The commune's referent's opinion before the committee: one per
    application, which the referent may change until the decision. Two
    clicks at once: the second waits (the write turn, the application's row)
    and changes the first's opinion."""
    _take_application(application)
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("not-submitted")
    if kind not in {k.value for k in OpinionKind}:
        raise ServiceError("unknown-opinion", "kind")
    if not plain(text):
        raise ServiceError("opinion-text-required", "text")
    opinion = application.opinion or ReferentOpinion(application=application)
    opinion.referent, opinion.kind, opinion.text = referent, kind, plain(text)
    db.session.add(opinion)
    db.session.flush()
    record_audit(referent, "fund.opinion", "fund_application", application.id, title=application.title, kind=kind)
    return opinion


def _take_application(application: FundApplication) -> None:
    """Take the write turn (SQLite) and the application's row (PostgreSQL), then read it again."""
    write_transaction()
    db.session.execute(select(FundApplication.id).where(FundApplication.id == application.id).with_for_update())
    db.session.refresh(application)


def cast_vote(member: User, application: FundApplication, choice: str, comment: str = "") -> int:
    """A committee member's vote: one per member and application. The UNIQUE
    constraint settles concurrent clicks (INSERT … ON CONFLICT DO NOTHING):
    the first stands, the others are told they already voted. Commits what
    the caller's session held and takes the write turn first (SQLite:
    labo.core.db.write_transaction; a writing request already holds it), then
    the application's row, so that no vote lands after the decision."""
    _take_application(application)
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("not-submitted")
    if not any(m.user_id == member.id for m in application.round.members):
        raise ServiceError("not-member")
    if choice not in {c.value for c in VoteChoice}:
        raise ServiceError("unknown-choice", "choice")
    vote_id = db.session.scalar(
        insert_ignoring_duplicates(CommitteeVote, db.session.get_bind().dialect.name)
        .values(application_id=application.id, member_id=member.id, choice=choice, comment=plain(comment),
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["member_id", "application_id"])
        .returning(CommitteeVote.id))
    if vote_id is None:
        raise ServiceError("already-voted")
    db.session.expire(application, ["votes"])
    return vote_id


def tally(application: FundApplication) -> dict[str, int]:
    """Votes for, against and abstentions."""
    counts = {c.value: 0 for c in VoteChoice}
    for vote in application.votes:
        counts[vote.choice] += 1
    return counts


def vote_of(member: User, application: FundApplication) -> Optional[CommitteeVote]:
    return next((v for v in application.votes if v.member_id == member.id), None)


def granted_cents(fund_round: FundRound, *, exclude: Optional[FundApplication] = None) -> int:
    """What the round's decisions granted so far."""
    query = (select(func.coalesce(func.sum(FundDecision.amount_granted_cents), 0))
             .join(FundApplication, FundApplication.id == FundDecision.application_id)
             .where(FundApplication.round_id == fund_round.id))
    if exclude is not None:
        query = query.where(FundApplication.id != exclude.id)
    return int(db.session.scalar(query))


def decide(actor: User, application: FundApplication, outcome: str, amount_granted_cents: Optional[int],
           reasons: str, *, from_paper: bool = False) -> FundDecision:
    """The committee's decision, published at once with its amount and
    reasons (typed by an administrator or the commune's referent, from the
    online votes or from the meeting's paper decision). Two decisions at
    once wait for each other (the write turn, then the round's row): the
    second sees the first, so the envelope holds and a project has one decision."""
    write_transaction()  # SQLite: the write turn; PostgreSQL: the round's row, below
    db.session.execute(select(FundRound.id).where(FundRound.id == application.round_id).with_for_update())
    db.session.refresh(application)
    if application.decision is not None:
        raise ServiceError("already-decided")
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("not-submitted")
    if outcome not in {o.value for o in Outcome}:
        raise ServiceError("unknown-outcome", "outcome")
    if not plain(reasons):
        raise ServiceError("reasons-required", "reasons")
    amount = 0
    if outcome == Outcome.GRANTED.value:
        if not amount_granted_cents or amount_granted_cents <= 0:
            raise ServiceError("amount-granted-required", "amount")
        if amount_granted_cents > (application.amount_cents or 0):
            raise ServiceError("granted-above-asked", "amount")
        if granted_cents(application.round) + amount_granted_cents > application.round.envelope_cents:
            raise ServiceError("envelope-exceeded", "amount")
        amount = amount_granted_cents
    now = utcnow()
    decision = FundDecision(application=application, outcome=outcome, amount_granted_cents=amount,
                            reasons=plain(reasons), from_paper=from_paper, decided_by=actor, decided_at=now,
                            published_at=now)
    db.session.add(decision)
    application.status = ApplicationStatus.DECIDED.value
    db.session.flush()
    record_audit(actor, "fund.decide", "fund_application", application.id, title=application.title, outcome=outcome,
                 amount_cents=amount, from_paper=from_paper)
    return decision


def published_decisions(fund_round: FundRound) -> list[FundApplication]:
    """The round's applications whose decision is published, funded ones first."""
    rows = db.session.scalars(
        select(FundApplication).join(FundDecision, FundDecision.application_id == FundApplication.id)
        .where(FundApplication.round_id == fund_round.id, FundDecision.published_at.is_not(None))
        .order_by(FundDecision.outcome, FundApplication.title))
    return list(rows)


def applications_before_committee(fund_round: FundRound) -> list[FundApplication]:
    return list(db.session.scalars(
        select(FundApplication).where(FundApplication.round_id == fund_round.id,
                                      FundApplication.status == ApplicationStatus.SUBMITTED.value)
        .order_by(FundApplication.submitted_at, FundApplication.id)))


# --- payment, the envelope, the finance team's CSV ------------------------------------

PAYMENT_MESSAGES = {
    "not-granted": _l("Seul un projet financé reçoit un versement."),
    "already-paid": _l("Le versement est déjà noté."),
    "paid-on-unlikely": _l("Vérifiez la date du versement : elle doit être à moins d'un an de la décision."),
}
ERROR_MESSAGES.update(PAYMENT_MESSAGES)


def record_payment(actor: User, application: FundApplication, paid_on: date) -> FundDecision:
    """The money is paid: the spending deadline follows (the round's days
    after payment). Noted once, even from two clicks at once."""
    _take_application(application)
    decision = application.decision
    if decision is not None:
        db.session.refresh(decision)
    if decision is None or decision.outcome != Outcome.GRANTED.value:
        raise ServiceError("not-granted")
    if decision.paid_on is not None:
        raise ServiceError("already-paid")
    decided_on = local(decision.decided_at).date()
    if abs((paid_on - decided_on).days) > 366:  # a typing mistake; the year 9999 would overflow spend_by
        raise ServiceError("paid-on-unlikely", "paid_on")
    decision.paid_on = paid_on
    decision.spend_by = paid_on + timedelta(days=application.round.spend_within_days)
    db.session.flush()
    record_audit(actor, "fund.payment", "fund_application", application.id, title=application.title,
                 paid_on=paid_on.isoformat())
    return decision


def envelope(fund_round: FundRound) -> dict[str, int]:
    """In cents: the envelope, what its decisions granted, what was paid, what is left to grant."""
    granted = paid = 0
    for decision in db.session.scalars(
            select(FundDecision).join(FundApplication, FundApplication.id == FundDecision.application_id)
            .where(FundApplication.round_id == fund_round.id, FundDecision.outcome == Outcome.GRANTED.value)):
        granted += decision.amount_granted_cents
        paid += decision.amount_granted_cents if decision.paid_on else 0
    return {"total": fund_round.envelope_cents, "granted": granted, "paid": paid,
            "left": fund_round.envelope_cents - granted}


def decisions_by_commune(fund_round: FundRound) -> list[tuple[str, list[FundApplication]]]:
    """The published decisions, grouped by commune (by name), funded ones first in each."""
    groups: dict[str, list[FundApplication]] = {}
    for application in published_decisions(fund_round):
        groups.setdefault(application.commune.name if application.commune else "", []).append(application)
    return sorted(groups.items())


def funded_projects(commune: Optional[Commune] = None) -> list[FundApplication]:
    """Every funded project whose decision is published, across the rounds
    (not drafts), by commune then newest decision first; one commune's with `commune`."""
    query = (select(FundApplication).join(FundDecision, FundDecision.application_id == FundApplication.id)
             .join(FundRound, FundRound.id == FundApplication.round_id)
             .outerjoin(Commune, Commune.id == FundApplication.commune_id)
             .where(FundDecision.outcome == Outcome.GRANTED.value, FundDecision.published_at.is_not(None),
                    FundRound.state != RoundState.DRAFT.value))
    if commune is not None:
        query = query.where(FundApplication.commune_id == commune.id)
    return list(db.session.scalars(query.order_by(Commune.name, FundDecision.published_at.desc(),
                                                  FundApplication.id.desc())).unique())


def funded_count(starts_at: datetime, ends_before: datetime) -> int:
    """How many projects the fund granted with a decision published in [starts_at, ends_before)
    (the COPIL's "projets initiés par les habitants", beside the initiatives)."""
    return int(db.session.scalar(
        select(func.count(FundDecision.id)).where(
            FundDecision.outcome == Outcome.GRANTED.value, FundDecision.published_at.is_not(None),
            FundDecision.published_at >= starts_at, FundDecision.published_at < ends_before)))


def funded_by_commune(projects: Sequence[FundApplication]) -> list[dict]:
    """The funded projects grouped by commune (by name), with each commune's total granted and paid, in cents."""
    groups: dict[str, dict] = {}
    for application in projects:
        name = application.commune.name if application.commune else ""
        group = groups.setdefault(name, {"name": name, "projects": [], "granted": 0, "paid": 0})
        group["projects"].append(application)
        group["granted"] += application.decision.amount_granted_cents
        group["paid"] += application.decision.amount_granted_cents if application.decision.paid_on else 0
    return [groups[name] for name in sorted(groups)]


def _euros_cell(cents: Optional[int]) -> str:
    """"400,50": what a French spreadsheet reads as a number."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def finance_rows(fund_round: FundRound) -> list[list]:
    """The finance team's table: one row per funded project, with whom to pay (the private contact)."""
    rows: list[list] = [["Appel", "Projet", "Groupe ou association", "Commune", "QPV", "Montant demandé",
                         "Montant accordé", "Décidé le", "Versé le", "À dépenser avant le", "Contact",
                         "Téléphone", "E-mail"]]
    for application in published_decisions(fund_round):
        decision = application.decision
        if decision.outcome != Outcome.GRANTED.value:
            continue
        rows.append([fund_round.title, application.title, application.carrier_name,
                     application.commune.name if application.commune else "",
                     application.qpv.code or application.qpv.name if application.qpv else "",
                     _euros_cell(application.amount_cents), _euros_cell(decision.amount_granted_cents),
                     decision.decided_at.date().isoformat(), decision.paid_on.isoformat() if decision.paid_on else "",
                     decision.spend_by.isoformat() if decision.spend_by else "", application.contact_name,
                     format_phone(application.contact_phone) if application.contact_phone else "",
                     application.contact_email])
    return rows


# --- from an initiative of the pot commun ----------------------------------------------

INITIATIVE_MESSAGES = {
    "not-an-initiative": _l("Seule une initiative du pot commun peut devenir une demande au fonds."),
    "not-your-initiative": _l("Seule la personne qui a proposé cette initiative peut en faire une demande."),
    "initiative-already-applied": _l("Cette initiative a déjà sa demande dans cet appel."),
}
ERROR_MESSAGES.update(INITIATIVE_MESSAGES)


def initiatives_of(user: User) -> list[Contribution]:
    """The person's published initiatives, newest first: each can become an application."""
    return list(db.session.scalars(
        select(Contribution).where(Contribution.author_id == user.id, Contribution.kind == Kind.INITIATIVE.value,
                                   Contribution.visibility == Visibility.PUBLISHED.value)
        .order_by(Contribution.created_at.desc())))


def rounds_for_initiative(contribution: Contribution, today: date) -> list[FundRound]:
    """The open rounds that accept applications today for the initiative's
    commune (or the whole agglomeration), where it has no application yet:
    each a "Demander un financement au fonds" for its author."""
    if contribution.kind != Kind.INITIATIVE.value or contribution.visibility != Visibility.PUBLISHED.value:
        return []
    applied = select(FundApplication.round_id).where(FundApplication.contribution_id == contribution.id)
    return list(db.session.scalars(
        select(FundRound).where(FundRound.state == RoundState.OPEN.value, FundRound.apply_until >= today,
                                or_(FundRound.commune_id.is_(None), FundRound.commune_id == contribution.commune_id),
                                FundRound.id.not_in(applied))
        .order_by(FundRound.apply_until, FundRound.id)).unique())


def application_from_initiative(actor: User, fund_round: FundRound, contribution: Contribution,
                                today: date) -> FundApplication:
    """A draft that starts from an initiative: its title, text, commune and
    quarter, and the link back to it."""
    if contribution.kind != Kind.INITIATIVE.value or contribution.visibility != Visibility.PUBLISHED.value:
        raise ServiceError("not-an-initiative")
    if contribution.author_id != actor.id:
        raise ServiceError("not-your-initiative")
    # Two taps at once: the second waits for the first (the write turn, the round's row), then finds its draft.
    write_transaction()
    db.session.execute(select(FundRound.id).where(FundRound.id == fund_round.id).with_for_update())
    if db.session.scalar(select(FundApplication.id).where(FundApplication.round_id == fund_round.id,
                                                          FundApplication.contribution_id == contribution.id)):
        raise ServiceError("initiative-already-applied")
    in_scope = fund_round.commune_id is None or contribution.commune_id == fund_round.commune_id
    application = save_application(
        actor, fund_round, None, title=contribution.title[:140], what=rich_text_as_typed(contribution.body),
        commune=contribution.commune if in_scope else None, qpv=contribution.qpv if in_scope else None, today=today)
    application.contribution = contribution
    db.session.flush()
    return application


audit_labels({
    "fund.round_create": lambda d: _("Appel à projets du fonds préparé : %(name)s", name=d.name),
    "fund.round_edit": lambda d: _("Appel à projets du fonds modifié : %(name)s", name=d.name),
    "fund.round_open": lambda d: _("Appel à projets du fonds ouvert : %(name)s", name=d.name),
    "fund.round_close": lambda d: _("Demandes closes pour l'appel du fonds : %(name)s", name=d.name),
    "fund.round_done": lambda d: _("Fonds clôturé : %(name)s", name=d.name),
    "fund.member_add": lambda d: _("%(member)s ajouté au comité du fonds : %(name)s", member=d.get("member", ""),
                                   name=d.name),
    "fund.member_remove": lambda d: _("%(member)s retiré du comité du fonds : %(name)s", member=d.get("member", ""),
                                      name=d.name),
    "fund.application_create": lambda d: _("Demande au fonds commencée : %(name)s", name=d.name),
    "fund.application_submit": lambda d: _("Demande au fonds envoyée au comité : %(name)s", name=d.name),
    "fund.opinion": lambda d: _("Avis de la personne référente sur une demande au fonds : %(name)s", name=d.name),
    "fund.decide": lambda d: _("Décision du comité du fonds publiée : %(name)s", name=d.name),
    "fund.payment": lambda d: _("Versement du fonds noté : %(name)s", name=d.name),
})


# --- the group's report after payment, and the experience fiche it becomes --------------

REPORT_MESSAGES = {
    "report-not-paid": _l("Le bilan s'écrit quand l'argent du projet est versé."),
    "report-text-required": _l("Racontez en quelques phrases ce que vous avez fait."),
    "report-text-too-long": _l("C'est trop long : 1 200 signes au plus."),
    "report-too-many-lines": _l("Trop de retours à la ligne : 15 lignes au plus."),
    "report-is-fiche": _l("Ce bilan est devenu une fiche : il ne se change plus ici."),
    "report-missing": _l("Écrivez d'abord le bilan du projet."),
    "report-photos-full": _l("Quatre photos au plus."),
    "report-alt-required": _l("Dites en quelques mots ce que montre la photo."),
    "report-alt-too-long": _l("C'est trop long : 200 signes au plus."),
    "report-alt-without-photo": _l("Vous avez écrit ce que montre la photo : choisissez aussi la photo."),
    "photo-too-big": _l("La photo est trop lourde : 10 Mo au plus."),
    "photo-not-an-image": _l("Ce fichier n'est pas une photo lisible."),
    "photo-format": _l("Envoyez une photo en JPEG, PNG ou WebP."),
    "photo-too-many-pixels": _l("Cette image est trop grande pour être traitée."),
    "photo-empty": _l("Le fichier de la photo est vide."),
}
ERROR_MESSAGES.update(REPORT_MESSAGES)

REPORT_TEXT_MAX = fiche_services.LONG_MAX  # the fiche's "Comment on a fait", which it becomes
REPORT_LINES_MAX = fiche_services.LONG_LINES_MAX
REPORT_PHOTOS_MAX = fiche_services.PHOTOS_MAX
REPORT_ALT_MAX = 200
# The fiche's participation level: the group carried its own project, chosen by a committee of residents.
FICHE_LEVEL = "codecision"


def report_expected(application: FundApplication) -> bool:
    """The money is paid: the group may tell what it did with it."""
    decision = application.decision
    return decision is not None and decision.outcome == Outcome.GRANTED.value and decision.paid_on is not None


def save_report(config: Mapping, actor: User, application: FundApplication, text: str,
                photo: Optional[BinaryIO] = None, alt: str = "") -> FundReport:
    """Post the group's report, or change it until it becomes a fiche: a few
    sentences (plain text) and, each time, one more photo with what it shows
    (re-encoded without its metadata by labo.core.photos, outside the web root)."""
    if not report_expected(application):
        raise ServiceError("report-not-paid")
    # Two taps on "Publier" at once: the second waits for the first (PostgreSQL: the row's lock; SQLite: a
    # writing request holds the write turn), then finds its report, and its photo already there.
    db.session.execute(select(FundApplication.id).where(FundApplication.id == application.id).with_for_update())
    db.session.expire(application, ["report"])
    report = application.report
    if report is not None and report.fiche_id is not None:
        raise ServiceError("report-is-fiche")
    text = fiche_services.clean_text(text, REPORT_LINES_MAX)
    if not text:
        raise ServiceError("report-text-required", "text")
    if len(text) > REPORT_TEXT_MAX:
        raise ServiceError("report-text-too-long", "text")
    if text.count("\n") + 1 > REPORT_LINES_MAX:
        raise ServiceError("report-too-many-lines", "text")
    alt = fiche_services.clean_text(alt, 1)
    if photo is None and alt:
        raise ServiceError("report-alt-without-photo", "photo")
    if photo is not None:
        if not alt:
            raise ServiceError("report-alt-required", "alt")
        if len(alt) > REPORT_ALT_MAX:
            raise ServiceError("report-alt-too-long", "alt")
        if report is not None and len(report.photos) >= REPORT_PHOTOS_MAX:
            raise ServiceError("report-photos-full", "photo")
    created = report is None
    if created:
        report = FundReport(application=application, text=text, posted_by=actor)
        db.session.add(report)
    changed = created or report.text != text
    report.text = text
    if photo is not None:
        try:
            stored = process_photo(photo, config["LABO_UPLOAD_DIR"])
        except PhotoError as error:
            raise ServiceError(f"photo-{error.code}", "photo") from None
        if any((p.alt, p.size, p.width, p.height) == (alt, stored.size, stored.width, stored.height)
               for p in report.photos):
            _delete_photo_files(config, [stored.key])  # the same photo sent twice (a second tap): kept once
        else:
            report.photos.append(FundReportPhoto(key=stored.key, content_type=stored.content_type,
                                                 width=stored.width, height=stored.height, size=stored.size, alt=alt))
    db.session.flush()
    if changed or photo is not None:
        record_audit(actor, "fund.report" if created else "fund.report_edit", "fund_application", application.id,
                     title=application.title, photos=len(report.photos))
    return report


def remove_report_photo(config: Mapping, actor: User, photo: FundReportPhoto) -> None:
    """A photo leaves the report, its files with it."""
    report = photo.report
    if report.fiche_id is not None:
        raise ServiceError("report-is-fiche")
    report.photos.remove(photo)
    db.session.flush()
    _delete_photo_files(config, [photo.key])
    record_audit(actor, "fund.report_photo_remove", "fund_application", report.application_id,
                 title=report.application.title)


def _delete_photo_files(config: Mapping, keys: Sequence[str]) -> None:
    for key in keys:
        try:
            delete_photo(config["LABO_UPLOAD_DIR"], key)
        except (OSError, ValueError):  # already gone, or not a key labo.core.photos made
            pass


def delete_report(config: Mapping, report: FundReport) -> None:
    """The report goes, with its photos' files (the fiche it became stays: the toolbox's rules)."""
    keys = [p.key for p in report.photos]
    application = report.application
    if application is not None:
        application.report = None
    db.session.delete(report)
    db.session.flush()
    _delete_photo_files(config, keys)


def _fit(text: str, limit: int, lines: int) -> str:
    """`text` within a fiche field's limits: extra lines joined, then cut at a word with "…"."""
    parts = [p for p in fiche_services.clean_text(text, lines + 1000).split("\n") if p.strip()]
    text = "\n".join(parts[:lines - 1] + [" ".join(parts[lines - 1:])]) if len(parts) > lines else "\n".join(parts)
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def _euros_fr(cents: int) -> str:
    return format_euros(cents / 100, locale="fr")


def fiche_input_for(application: FundApplication, report: FundReport) -> fiche_services.FicheInput:
    """What the fiche says of the project (in French, as everything typed here):
    its title, what was done, for whom, its commune and quarter, the money."""
    decision = application.decision
    budget = " ; ".join(f"{line.label} : {_euros_fr(line.amount_cents)}" for line in application.lines)
    resources = (f"Financé par le fonds pour les projets des habitants ({application.round.title}) : "
                 f"{_euros_fr(decision.amount_granted_cents)}.")
    if budget:
        resources += f"\nBudget prévu : {budget}."
    commune = application.commune
    qpv = application.qpv if application.qpv is not None and commune in application.qpv.communes else None
    contribution = application.contribution
    return fiche_services.FicheInput(
        kind="experience", title=application.title, level=FICHE_LEVEL, method=report.text,
        public=_fit(application.for_whom, fiche_services.PUBLIC_MAX, 3),
        resources=_fit(resources, fiche_services.RESOURCES_MAX, fiche_services.SHORT_LINES_MAX),
        communes=(commune,) if commune is not None else (), qpvs=(qpv,) if qpv is not None else (),
        contributions=(contribution,) if contribution is not None and contribution.is_published else ())


def report_to_fiche(config: Mapping, actor: User, application: FundApplication) -> Fiche:
    """"En faire une fiche d'expérience", in one action: a fiche from the
    project and its report (photos copied), sent for review as every fiche
    is. Once only: a second click, or two at once, gives the same fiche (the
    report's row is taken for the write first, then read again)."""
    if application.report is None:
        raise ServiceError("report-missing")
    report_id = application.report.id
    write_transaction()  # SQLite: the write turn; PostgreSQL: the row's lock below
    db.session.execute(select(FundReport.id).where(FundReport.id == report_id).with_for_update())
    report = db.session.get(FundReport, report_id, populate_existing=True)
    if report is None:
        raise ServiceError("report-missing")
    if report.fiche_id is not None:
        existing = db.session.get(Fiche, report.fiche_id)
        if existing is not None:
            return existing
    fiche = fiche_services.save_fiche(actor, None, fiche_input_for(application, report))
    for photo in report.photos:
        try:
            with open(photo_path(config["LABO_UPLOAD_DIR"], photo.key), "rb") as stream:
                fiche_services.add_photo(config, actor, fiche, stream, photo.alt or application.title)
        except (OSError, PhotoError, ServiceError):  # its file is gone: the fiche goes without it
            continue
    fiche_services.submit_fiche(actor, fiche)
    report.fiche_id = fiche.id
    db.session.flush()
    record_audit(actor, "fund.report_to_fiche", "fund_application", application.id, title=application.title,
                 fiche_id=fiche.id)
    return fiche


def report_fiche(report: Optional[FundReport]) -> Optional[Fiche]:
    """The fiche the report became, if it still exists."""
    if report is None or report.fiche_id is None:
        return None
    return db.session.get(Fiche, report.fiche_id)


def get_report_photo(key: str) -> Optional[FundReportPhoto]:
    return db.session.scalar(select(FundReportPhoto).where(FundReportPhoto.key == key))


def _reports_posted_by(user: User) -> list[FundReport]:
    return list(db.session.scalars(select(FundReport).where(FundReport.posted_by_id == user.id)
                                   .order_by(FundReport.id)))


def export_reports_for(user: User) -> list[dict]:
    """The reports the person posted, for their download."""
    return [{"project": r.application.title, "text": r.text, "created_at": r.created_at.isoformat(),
             "photos": [{"alt": p.alt, "width": p.width, "height": p.height} for p in r.photos],
             "fiche_id": r.fiche_id} for r in _reports_posted_by(user)]


def erase_reports_for(config: Mapping, user: User) -> None:
    """The reports the person posted go, with their photos' files."""
    for report in _reports_posted_by(user):
        delete_report(config, report)


audit_labels({
    "fund.report": lambda d: _("Bilan d'un projet financé par le fonds publié : %(name)s", name=d.name),
    "fund.report_edit": lambda d: _("Bilan d'un projet financé par le fonds modifié : %(name)s", name=d.name),
    "fund.report_photo_remove": lambda d: _("Photo retirée du bilan d'un projet du fonds : %(name)s", name=d.name),
    "fund.report_to_fiche": lambda d: _("Bilan d'un projet du fonds devenu une fiche d'expérience : %(name)s",
                                        name=d.name),
})
