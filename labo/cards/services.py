"""Printed participation cards, free of Flask's request (the actor, the time
and the key are passed in).

- `print_sheet`: a sheet of one-time codes for a process (consultation by
  opinions, or any ballot), audited; the codes come back in clear once, to
  be printed (labo.cards.pdf), and are stored only as keyed hashes.
- `take_part_with_card`: a person without an account gives an opinion or
  casts a ballot with a code. The card is marked used by one conditional
  UPDATE in the same transaction as what it gave: of any number of requests
  at once, one writes, the others are told the card was used.
- `revoke_sheet`: its unused codes die; what the used ones gave still counts.
- `sheets_of`: a process's sheets with how many cards were used, for its managers.

Secrecy, as for the other ballots (labo.processes.ballots.cast_ballot): a
secret ballot cast with a card has a random id, no time and no link to its
participation, and the card row holds no link to either; the three rows are
written in one transaction, and `seal_secret_ballots` rewrites the ballots
at closing like every other secret ballot (keeping their channel)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import case, func, select, update

from labo.accounts.models import User
from labo.audit.services import audit_labels, record_audit
from labo.cards.models import CardSheet, ParticipationCard
from labo.core.db import write_transaction
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.extensions import db
from labo.processes.ballots import BlankGrades, ballot_rows, message as ballot_message, new_ballot_id, ungraded_options
from labo.processes.eligibility import Stage, stage
from labo.processes.models import Ballot, BallotChoice, Channel, Method, Participation, Process, Stance

# Codes: 8 characters in two groups of 4, without the look-alikes 0/O and 1/I/L
# (31 signs: about 40 bits, out of reach of guessing behind the rate limit).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SHEET_MIN, SHEET_MAX, SHEET_DEFAULT = 1, 200, 40
CARDS_PER_PAGE = 10

MESSAGES = {
    "unknown": _l("Ce code n'existe pas. Vérifiez les 8 signes de la carte (des lettres et des chiffres) et "
                  "tapez-les à nouveau."),
    "malformed": _l("Un code a 8 signes : des lettres et des chiffres, par exemple ABCD-EFGH."),
    "used": _l("Ce code a déjà servi : chaque carte ne sert qu'une fois. Si ce n'est pas vous, prévenez la personne "
               "qui vous a donné la carte."),
    "revoked": _l("Cette carte a été annulée par l'équipe du Labo. Demandez une nouvelle carte à la personne qui "
                  "vous l'a donnée."),
    "no-cards": _l("Cette démarche n'accepte pas les cartes pour l'instant."),
    "draft": _l("Cette démarche n'est pas encore publiée."),
    "not_open_yet": _l("Cette démarche n'a pas encore commencé : revenez à partir de la date d'ouverture."),
    "closed": _l("Cette démarche est close : il n'est plus possible d'y participer."),
    "not-for-cards": _l("Les cartes servent à donner son avis ou à voter : cette démarche se fait autrement."),
    "sheet-closed": _l("La démarche est close : on ne peut plus imprimer de cartes."),
    "sheet-size": _l("Choisissez entre 1 et 200 cartes."),
    "already-revoked": _l("Cette feuille est déjà annulée."),
    "stance-required": _l("Choisissez votre avis : favorable, réservé ou défavorable."),
}


class CardError(ServiceError):
    """A refusal, by code (see MESSAGES, and labo.processes.ballots.MESSAGES for a ballot's)."""


def message(code: str) -> str:
    return str(MESSAGES[code]) if code in MESSAGES else ballot_message(code)


# --- codes ---------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """"ABCDEFGH" -> "ABCD-EFGH", as printed."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(typed: Optional[str]) -> Optional[str]:
    """What a person typed, forgiven (lowercase, spaces, dashes, dots), as
    the 8 signs of a code; None when it cannot be one."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    text = re.sub(r"[\s\-‐-―_.·/]+", "", text)
    if len(text) != CODE_LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"labo.cards.code.v1", hashlib.sha256).digest()


def code_hash(code: str, secret_key: str) -> str:
    """The stored form of a code: HMAC-SHA256 keyed by the site's secret.

    Why not a salted hash per row, as for passwords: a typed code comes with
    nothing saying which card it is, so a per-row salt would mean hashing it
    once per stored card to find it. One key for all gives the same hash for
    the same code, so the UNIQUE index finds the card at once; and because the
    key (from SECRET_KEY, outside the database) is needed to compute it, a copy
    of the database alone does not let anyone try the 31^8 codes offline.
    Changing SECRET_KEY therefore retires every printed card still unused."""
    return hmac.new(_key(secret_key), code.encode(), hashlib.sha256).hexdigest()


# --- sheets --------------------------------------------------------------------


def takes_cards(process: Process) -> bool:
    """Cards give an opinion (consultation) or cast a ballot."""
    return process.method_enum is Method.OPINIONS or process.method_enum.is_ballot


def print_sheet(actor: User, process: Process, size: Optional[int], now: datetime, secret_key: str, *,
                meeting=None) -> tuple[CardSheet, list[str]]:
    """A new sheet of `size` cards; returns it and its codes in clear (to
    print now: they are not kept). The caller commits."""
    if not takes_cards(process):
        raise CardError("not-for-cards")
    if not process.accepts_cards:
        raise CardError("no-cards")
    if stage(process, now) not in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        raise CardError("sheet-closed")
    if size is None or not SHEET_MIN <= size <= SHEET_MAX:
        raise CardError("sheet-size", "size")
    codes: dict[str, str] = {}
    while len(codes) < size:
        batch = {}
        while len(batch) < size - len(codes):
            code = new_code()
            batch[code_hash(code, secret_key)] = code
        taken = set(db.session.scalars(select(ParticipationCard.code_hash).where(
            ParticipationCard.code_hash.in_(list(batch)))))
        codes.update({h: c for h, c in batch.items() if h not in taken and h not in codes})
    sheet = CardSheet(process_id=process.id, meeting_id=meeting.id if meeting is not None else None, size=size,
                      printed_by_id=actor.id, created_at=now)
    db.session.add(sheet)
    db.session.flush()
    db.session.add_all(ParticipationCard(sheet_id=sheet.id, process_id=process.id, code_hash=h) for h in codes)
    db.session.flush()
    record_audit(actor, "cards.printed", "card_sheet", sheet.id, name=process.title, process_id=process.id,
                 size=size, meeting=meeting.title if meeting is not None else "")
    return sheet, list(codes.values())


@dataclass
class SheetRow:
    sheet: CardSheet
    used: int
    revoked: int

    @property
    def unused(self) -> int:
        return self.sheet.size - self.used - self.revoked


def sheets_of(process: Process) -> list[SheetRow]:
    """The process's sheets, newest first, with how many cards were used and revoked."""
    counts = {sheet_id: (used or 0, revoked or 0) for sheet_id, used, revoked in db.session.execute(
        select(ParticipationCard.sheet_id,
               func.sum(case((ParticipationCard.used_at.is_not(None), 1), else_=0)),
               func.sum(case((ParticipationCard.revoked_at.is_not(None), 1), else_=0)))
        .where(ParticipationCard.process_id == process.id).group_by(ParticipationCard.sheet_id))}
    sheets = db.session.scalars(select(CardSheet).where(CardSheet.process_id == process.id)
                                .order_by(CardSheet.created_at.desc(), CardSheet.id.desc()))
    return [SheetRow(s, *counts.get(s.id, (0, 0))) for s in sheets]


def sheets_of_meeting(meeting) -> list[SheetRow]:
    """The sheets printed for a meeting, newest first, with how many cards were used and revoked."""
    counts = {sheet_id: (used or 0, revoked or 0) for sheet_id, used, revoked in db.session.execute(
        select(ParticipationCard.sheet_id,
               func.sum(case((ParticipationCard.used_at.is_not(None), 1), else_=0)),
               func.sum(case((ParticipationCard.revoked_at.is_not(None), 1), else_=0)))
        .join(CardSheet, CardSheet.id == ParticipationCard.sheet_id)
        .where(CardSheet.meeting_id == meeting.id).group_by(ParticipationCard.sheet_id))}
    sheets = db.session.scalars(select(CardSheet).where(CardSheet.meeting_id == meeting.id)
                                .order_by(CardSheet.created_at.desc(), CardSheet.id.desc()))
    return [SheetRow(s, *counts.get(s.id, (0, 0))) for s in sheets]


def revoke_sheet(actor: User, sheet: CardSheet, now: datetime) -> int:
    """Kill the sheet's unused cards (one UPDATE: a card used at the same
    moment is either used or revoked, never both); returns how many died.
    What the used ones gave still counts. The caller commits."""
    if sheet.revoked_at is not None:
        raise CardError("already-revoked")
    sheet.revoked_at, sheet.revoked_by_id = now, actor.id
    killed = db.session.execute(
        update(ParticipationCard)
        .where(ParticipationCard.sheet_id == sheet.id, ParticipationCard.used_at.is_(None),
               ParticipationCard.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    used = db.session.scalar(select(func.count()).select_from(ParticipationCard).where(
        ParticipationCard.sheet_id == sheet.id, ParticipationCard.used_at.is_not(None))) or 0
    db.session.flush()
    record_audit(actor, "cards.revoked", "card_sheet", sheet.id, name=sheet.process.title,
                 process_id=sheet.process_id, size=sheet.size, used=used, revoked=killed)
    return killed


# --- taking part with a card ---------------------------------------------------------


def find_card(code: Optional[str], secret_key: str) -> ParticipationCard:
    """The card of a typed code (forgiven), or CardError("malformed" / "unknown")."""
    normal = normalise_code(code)
    if normal is None:
        raise CardError("malformed", "code")
    card = db.session.scalar(select(ParticipationCard).where(ParticipationCard.code_hash == code_hash(normal, secret_key)))
    if card is None:
        raise CardError("unknown", "code")
    return card


def refusal(card: ParticipationCard, now: datetime) -> Optional[str]:
    """Why this card cannot be used now (a code of MESSAGES), or None."""
    if card.used_at is not None:
        return "used"
    if card.revoked_at is not None:
        return "revoked"
    process = card.process
    current = stage(process, now)
    if current is Stage.DRAFT:
        return "draft"
    if current is Stage.UPCOMING:
        return "not_open_yet"
    if current is not Stage.OPEN:
        return "closed"
    if not process.accepts_cards:
        return "no-cards"
    if not takes_cards(process):
        return "not-for-cards"
    return None


def take_part_with_card(code: Optional[str], secret_key: str, now: datetime, *, stance: Optional[str] = None,
                        choices=None, ask_about_blanks: bool = False) -> Process:
    """Give an opinion (`stance`) or cast a ballot (`choices`, as
    labo.processes.ballots.ballot_rows takes them) with a card's code, without
    an account. Refusals: CardError (the card), ProcessError (the ballot),
    BlankGrades (majority judgment, until the person confirms). The caller
    commits; commits what the caller held first (write_transaction)."""
    card = find_card(code, secret_key)
    why = refusal(card, now)
    if why:
        raise CardError(why)
    process = card.process
    rows, stance_value = None, None
    if process.method_enum is Method.OPINIONS:
        try:
            stance_value = Stance(stance).value
        except ValueError:
            raise CardError("stance-required", "stance") from None
    else:
        rows = ballot_rows(process, choices)
        if ask_about_blanks:
            blank = ungraded_options(process, choices)
            if blank:
                raise BlankGrades(blank)
    card_id, process_id, secret = card.id, process.id, process.secret
    write_transaction()
    # The card is spent by this one conditional UPDATE, not by a check first: under any number
    # of requests at once, the database lets one of them through (PostgreSQL re-reads the row
    # after the first one's commit; SQLite's writers take their turn).
    spent = db.session.execute(
        update(ParticipationCard)
        .where(ParticipationCard.id == card_id, ParticipationCard.used_at.is_(None),
               ParticipationCard.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        db.session.expire_all()
        card = db.session.get(ParticipationCard, card_id)
        raise CardError("revoked" if card is not None and card.revoked_at is not None else "used")
    participation = Participation(process_id=process_id, user_id=None, channel=Channel.CARD.value,
                                  stance=stance_value, comment="", created_at=now, updated_at=now)
    db.session.add(participation)
    db.session.flush()
    if rows is not None:
        ballot = Ballot(id=new_ballot_id(), process_id=process_id, channel=Channel.CARD.value,
                        participation_id=None if secret else participation.id)
        db.session.add(ballot)
        db.session.flush()
        db.session.add_all(BallotChoice(ballot_id=ballot.id, option_id=o, grade=g) for o, g in rows)
        db.session.flush()
    db.session.expire_all()
    return db.session.get(Process, process_id)


def _printed(d) -> str:
    return _("Cartes de participation imprimées pour « %(name)s » : %(size)s", name=d.name, size=d.get("size", ""))


def _revoked(d) -> str:
    return _("Feuille de cartes annulée pour « %(name)s » (cartes utilisées : %(used)s ; annulées : %(revoked)s)",
             name=d.name, used=d.get("used", ""), revoked=d.get("revoked", ""))


audit_labels({"cards.printed": _printed, "cards.revoked": _revoked})
