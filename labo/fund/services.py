"""What the micro-projects fund does, free of Flask's request: the actor and
the day are passed in; each service checks, writes and flushes, the caller
commits once. Refusals are `ServiceError`s whose codes ERROR_MESSAGES turns
into plain French."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import select

from labo.accounts.models import User
from labo.accounts.services import find_user_for_login
from labo.audit.services import record_audit
from labo.core.db import utcnow
from labo.core.errors import ServiceError
from labo.core.i18n import _l
from labo.extensions import db
from labo.fund.models import CommitteeMember, FundRound, RoundState
from labo.territory.models import Commune

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
    """Change a round's envelope, dates or rules. Once open, its scope and
    envelope still change (an administrator's correction), never below
    what its ceiling allows."""
    values = {name: values[name] for name in ROUND_FIELDS}
    for name in ("title", "rules", "rules_easy"):
        values[name] = plain(values[name])
    _check_round(values)
    if values["apply_until"] != fund_round.apply_until and values["apply_until"] < today:
        raise ServiceError("apply-until-past", "apply_until")
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
    record_audit(actor, "fund.member_add", "fund_round", fund_round.id, member=user.pseudonym)
    return member


def remove_member(actor: User, member: CommitteeMember) -> None:
    fund_round = member.round
    fund_round.members.remove(member)
    db.session.flush()
    record_audit(actor, "fund.member_remove", "fund_round", fund_round.id, member=member.user.pseudonym)


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
