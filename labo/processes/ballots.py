"""Ballots, paper and workshop tallies, results, and aggregated figures,
free of Flask's request (the actor and the time are passed in).

- `cast_ballot`: an online ballot (single choice, approval, majority
  judgment). Asked to, it refuses a majority-judgment ballot with options
  left ungraded (`BlankGrades`) until the voter confirms they count as "à
  rejeter". A secret ballot is written with the participation in one
  transaction but never linked to it (random id, no time); an open ballot is
  linked to its participation and may be changed until closing.
- `add_tally`: a paper or workshop tally sheet typed in by a referent.
- `results`: the count per channel (online, printed card, paper, workshop) and together,
  with labo.processes.counting.
- `publish_result`: codécision's result, frozen once and for all.
- `breakdown`: participations (and opinions by stance) by commune, QPV, age
  band or channel, every group under 5 people suppressed.
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, BinaryIO, Iterable, Mapping, Optional, Union

from sqlalchemy import delete, func, insert, select, update

from labo.accounts.models import AgeBand, User
from labo.audit.services import record_audit
from labo.contributions.forms import ERROR_MESSAGES as CONTRIBUTION_MESSAGES
from labo.core.db import utcnow, write_transaction
from labo.core.disclosure import THRESHOLD, hidden_cells
from labo.core.i18n import _l
from labo.core.levels import Level
from labo.core.photos import PhotoError, delete_photo, process_photo
from labo.extensions import db
from labo.processes import counting
from labo.processes.counting import GRADES
from labo.processes.models import (
    Ballot,
    BallotChoice,
    Channel,
    Method,
    Option,
    Participation,
    Process,
    Stance,
    Tally,
    TallyLine,
)
from labo.processes.eligibility import (
    MESSAGES as RULE_MESSAGES,
    ProcessError,
    Stage,
    check_can_take_part,
    participation_of,
    record_participation,
    stage,
)
from labo.territory.models import Commune, Qpv

GRADE_LABELS = {
    "excellent": _l("Excellent"),
    "tres_bien": _l("Très bien"),
    "bien": _l("Bien"),
    "assez_bien": _l("Assez bien"),
    "passable": _l("Passable"),
    "insuffisant": _l("Insuffisant"),
    "a_rejeter": _l("À rejeter"),
}
REJECT = GRADES[-1]
SMALL = THRESHOLD  # groups under this many people are never shown
SUPPRESSED = "< 5"
PLACE_MAX = 160

MESSAGES = {
    **RULE_MESSAGES,
    "already-secret": _l("Vous avez déjà voté. Le vote est secret : il ne peut pas être modifié."),
    "not-a-ballot": _l("Cette démarche ne comporte pas de vote."),
    "choice-required": _l("Choisissez une option avant de valider votre vote."),
    "one-choice": _l("Une seule option peut être choisie."),
    "too-many-choices": _l("Vous avez choisi trop d'options pour ce vote."),
    "unknown-option": _l("Cette option ne fait pas partie du vote."),
    "unknown-grade": _l("Cette mention n'existe pas."),
    "blank-grades": _l("Votre vote n'est pas encore envoyé : une option n'a pas de mention. Répondez à la question "
                       "sous les options."),
    "no-tally": _l("Cette démarche ne se compte pas sur une feuille de dépouillement."),
    "tally-closed": _l("On ne peut saisir une feuille de dépouillement qu'entre l'ouverture de la démarche et la "
                       "publication de son résultat."),
    "tally-frozen": _l("Le résultat est publié : ses feuilles de dépouillement ne peuvent plus être retirées."),
    "channel": _l("Choisissez « sur papier » ou « en atelier »."),
    "place-required": _l("Indiquez le lieu du dépouillement."),
    "place-too-long": _l("Le lieu tient en 160 caractères au plus."),
    "date-required": _l("Indiquez la date du dépouillement."),
    "date-future": _l("La date du dépouillement ne peut pas être dans le futur."),
    "participants-required": _l("Indiquez combien de personnes ont participé (au moins une)."),
    "count-negative": _l("Les nombres ne peuvent pas être négatifs."),
    "too-many-single": _l("Le total des voix dépasse le nombre de personnes qui ont voté : chaque personne n'a qu'une voix."),
    "too-many-approval": _l("Une option ne peut pas avoir plus de voix que de personnes qui ont voté, ni le total dépasser "
                            "le nombre de personnes × le nombre de choix permis."),
    "too-many-grades": _l("Pour une option, le total des mentions dépasse le nombre de personnes qui ont voté."),
    "too-many-stances": _l("Le total des avis dépasse le nombre de personnes qui ont voté."),
    "not-codecision": _l("Seul le résultat d'une codécision est publié comme décision."),
    "not-closed": _l("Le résultat ne peut être publié qu'une fois la démarche close."),
    "result-published": _l("Le résultat est déjà publié : il ne peut pas être remplacé."),
    "no-ballots": _l("Aucun vote n'a été compté : il n'y a pas de résultat à publier."),
}


def _photo_messages() -> dict:
    return {k: v for k, v in CONTRIBUTION_MESSAGES.items() if k.startswith("photo-")}


def message(code: str) -> str:
    if code.startswith("photo-"):
        return str(_photo_messages().get(code, code))
    return str(MESSAGES.get(code, code))


def grade_label(grade: Optional[str]) -> str:
    return str(GRADE_LABELS.get(grade, "")) if grade else ""


def counted_in_tallies(process: Process) -> bool:
    """Ballots and consultation opinions may be counted on paper or in a workshop."""
    return process.method_enum.is_ballot or process.method_enum is Method.OPINIONS


# --- voting -----------------------------------------------------------------


def _option_ids(process: Process) -> list[int]:
    return [o.id for o in process.options]


def _as_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        return int(value.strip())
    raise ProcessError("unknown-option")


def ballot_rows(process: Process, choices: Union[Iterable[Any], Mapping[Any, str]]) -> list[tuple[int, Optional[str]]]:
    """Check a ballot against the process's method and options; the rows to
    store as (option id, grade or None).

    Single choice and approval take the chosen option ids; majority judgment
    takes {option id: grade} where a missing grade is "à rejeter"."""
    method = process.method_enum
    known = _option_ids(process)
    if method is Method.MAJORITY_JUDGMENT:
        if not isinstance(choices, Mapping):
            raise ProcessError("unknown-grade")
        grades = {}
        for key, grade in choices.items():
            option_id = _as_id(key)
            if option_id not in known:
                raise ProcessError("unknown-option")
            if grade in (None, ""):
                continue
            if grade not in GRADES:
                raise ProcessError("unknown-grade")
            grades[option_id] = grade
        return [(option_id, grades.get(option_id, REJECT)) for option_id in known]
    if not method.is_ballot:
        raise ProcessError("not-a-ballot")
    if isinstance(choices, (str, int)):
        choices = [choices]
    chosen = []
    for value in choices or ():
        option_id = _as_id(value)
        if option_id not in known:
            raise ProcessError("unknown-option")
        if option_id not in chosen:
            chosen.append(option_id)
    if not chosen:
        raise ProcessError("choice-required")
    if method is Method.SINGLE and len(chosen) > 1:
        raise ProcessError("one-choice")
    if method is Method.APPROVAL and len(chosen) > (process.max_choices or len(known)):
        raise ProcessError("too-many-choices")
    return [(option_id, None) for option_id in sorted(chosen)]


class BlankGrades(ProcessError):
    """A majority-judgment ballot leaves options without a grade, and the voter
    has not yet confirmed that they count as "à rejeter". `options`: those."""

    def __init__(self, options: list[Option]):
        super().__init__("blank-grades")
        self.options = options


def ungraded_options(process: Process, choices) -> list[Option]:
    """Majority judgment: the options a ballot gives no grade (each counts as
    "à rejeter"), in the ballot's order; [] for the other methods."""
    if process.method_enum is not Method.MAJORITY_JUDGMENT or not isinstance(choices, Mapping):
        return []
    given = {str(key).strip() for key, grade in choices.items() if grade not in (None, "")}
    return [o for o in process.options if str(o.id) not in given]


def new_ballot_id() -> str:
    """22 random URL-safe characters: nothing to learn from the order of ids."""
    return secrets.token_urlsafe(16)[:22]


def cast_ballot(process: Process, user: User, choices, now: datetime, *, ask_about_blanks: bool = False) -> Ballot:
    """Vote online. Checks who may take part (labo.processes.eligibility) and the
    ballot itself, then writes it. The caller commits.

    `ask_about_blanks` (the web form, until the voter confirms): a majority-
    judgment ballot that leaves options ungraded raises `BlankGrades` and
    writes nothing. Confirmed, or not asked (the API), those options are
    stored as "à rejeter", as always.

    Secret: the participation (UNIQUE per person) and a ballot with a random
    id, no time and no link to it, in the same transaction; a second vote is
    refused ("already-secret"). Open: the ballot is linked to the
    participation and a second vote replaces the choices of the first.

    Commits what the caller held first (see `labo.core.db.write_transaction`)."""
    if not process.method_enum.is_ballot:
        raise ProcessError("not-a-ballot")
    check_can_take_part(process, user, now)
    rows = ballot_rows(process, choices)
    if ask_about_blanks:
        blank = ungraded_options(process, choices)
        if blank:
            raise BlankGrades(blank)
    process_id, secret = process.id, process.secret
    write_transaction()
    if secret:
        try:
            record_participation(process, user)
        except ProcessError:
            raise ProcessError("already-secret") from None
        ballot = Ballot(id=new_ballot_id(), process_id=process_id, participation_id=None)
        db.session.add(ballot)
        db.session.flush()
        db.session.add_all(BallotChoice(ballot_id=ballot.id, option_id=o, grade=g) for o, g in rows)
        db.session.flush()
        return ballot
    participation = participation_of(process, user)
    if participation is None:
        try:
            participation = record_participation(process, user)
        except ProcessError:  # PostgreSQL: another request of the same person won the insert
            participation = participation_of(process, user)
    ballot = db.session.scalar(
        select(Ballot).where(Ballot.participation_id == participation.id).with_for_update())
    if ballot is None:
        ballot = Ballot(id=new_ballot_id(), process_id=process_id, participation_id=participation.id)
        db.session.add(ballot)
        db.session.flush()
    else:
        db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
        db.session.expire(ballot, ["choices"])
        participation.updated_at = now
    db.session.add_all(BallotChoice(ballot_id=ballot.id, option_id=o, grade=g) for o, g in rows)
    db.session.flush()
    return ballot


def ballot_of(process: Process, user: Optional[User]) -> Optional[Ballot]:
    """The person's own open (not secret) ballot; None for a secret one."""
    participation = participation_of(process, user)
    if participation is None or process.secret:
        return None
    return db.session.scalar(select(Ballot).where(Ballot.participation_id == participation.id))


# --- paper and workshop tallies ---------------------------------------------


def add_tally(process: Process, actor: User, *, channel: str, place: str, held_on: Optional[date],
              participants: Optional[int], commune: Optional[Commune], counts: Mapping, now: datetime,
              today: Optional[date] = None, photo: Optional[BinaryIO] = None, upload_dir: Optional[str] = None) -> Tally:
    """A tally sheet counted on paper or in a workshop, entered by `actor`.

    `counts`: {option id: n} (single choice, approval), {option id: {grade:
    n}} (majority judgment: grades left out of an option count as "à
    rejeter"), or {stance: n} (consultation opinions). The caller commits."""
    method = process.method_enum
    if not counted_in_tallies(process):
        raise ProcessError("no-tally")
    today = today or now.date()
    if process.result_published_at is not None or stage(process, now) in (Stage.DRAFT, Stage.UPCOMING):
        raise ProcessError("tally-closed")
    if channel not in (Channel.PAPER.value, Channel.WORKSHOP.value):
        raise ProcessError("channel", "channel")
    place = re.sub(r"\s+", " ", place or "").strip()
    if not place:
        raise ProcessError("place-required", "place")
    if len(place) > PLACE_MAX:
        raise ProcessError("place-too-long", "place")
    if held_on is None:
        raise ProcessError("date-required", "held_on")
    if held_on > today:
        raise ProcessError("date-future", "held_on")
    if participants is None or participants < 1:
        raise ProcessError("participants-required", "participants")
    lines = _tally_lines(process, method, counts, participants)
    stored = None
    if photo is not None:
        try:
            stored = process_photo(photo, upload_dir)
        except PhotoError as error:
            raise ProcessError(f"photo-{error.code}", "photo") from None
    tally = Tally(process_id=process.id, channel=channel, place=place, held_on=held_on, participants=participants,
                  commune_id=commune.id if commune is not None else None, entered_by_id=actor.id,
                  photo_key=stored.key if stored else None)
    tally.lines = lines
    db.session.add(tally)
    db.session.flush()
    record_audit(actor, "tally.entered", "process_tally", tally.id, name=process.title, process_id=process.id,
                 channel=channel, place=place, participants=participants)
    return tally


def delete_tally(process: Process, actor: User, tally: Tally, *, upload_dir: Optional[str] = None) -> None:
    """Remove a sheet typed wrong (it can then be entered again), until the
    result is published; its photo goes with it. The caller commits."""
    if tally.process_id != process.id:
        raise ValueError("this sheet belongs to another process")
    if process.result_published_at is not None:
        raise ProcessError("tally-frozen")
    record_audit(actor, "tally.deleted", "process_tally", tally.id, name=process.title, process_id=process.id,
                 channel=tally.channel, place=tally.place, participants=tally.participants)
    key = tally.photo_key
    db.session.delete(tally)
    db.session.flush()
    if key and upload_dir:
        delete_photo(upload_dir, key)


def _count(value: Any) -> int:
    if isinstance(value, str):
        value = value.strip() or "0"
        if not re.fullmatch(r"-?[0-9]{1,7}", value):
            raise ProcessError("count-negative")
        value = int(value)
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0:
        raise ProcessError("count-negative")
    return value


def _tally_lines(process: Process, method: Method, counts: Mapping, participants: int) -> list[TallyLine]:
    known = _option_ids(process)
    lines: list[TallyLine] = []
    if method is Method.OPINIONS:
        values = {s.value for s in Stance}
        total = 0
        for stance, n in (counts or {}).items():
            if stance not in values:
                raise ProcessError("unknown-option")
            n = _count(n)
            total += n
            if n:
                lines.append(TallyLine(stance=stance, count=n))
        if total > participants:
            raise ProcessError("too-many-stances")
        return lines
    by_option = {}
    for key, value in (counts or {}).items():
        option_id = _as_id(key)
        if option_id not in known:
            raise ProcessError("unknown-option")
        by_option[option_id] = value
    if method is Method.MAJORITY_JUDGMENT:
        for option_id, grades in by_option.items():
            if not isinstance(grades, Mapping):
                raise ProcessError("unknown-grade")
            total = 0
            for grade, n in grades.items():
                if grade not in GRADES:
                    raise ProcessError("unknown-grade")
                n = _count(n)
                total += n
                if n:
                    lines.append(TallyLine(option_id=option_id, grade=grade, count=n))
            if total > participants:
                raise ProcessError("too-many-grades")
        return lines
    numbers = {option_id: _count(n) for option_id, n in by_option.items()}
    total = sum(numbers.values())
    if method is Method.SINGLE and total > participants:
        raise ProcessError("too-many-single")
    if method is Method.APPROVAL and (any(n > participants for n in numbers.values())
                                      or total > participants * (process.max_choices or len(known))):
        raise ProcessError("too-many-approval")
    return [TallyLine(option_id=option_id, count=n) for option_id, n in numbers.items() if n]


def tallies_of(process: Process) -> list[Tally]:
    return list(db.session.scalars(
        select(Tally).where(Tally.process_id == process.id).order_by(Tally.held_on, Tally.id)))


# --- results -----------------------------------------------------------------


@dataclass
class ChannelResult:
    """One channel's count (or all of them together: channel "all")."""

    channel: str
    participants: int  # online: ballots (or opinions); paper/workshop: people on the sheets
    outcome: Optional[counting.VoteOutcome] = None  # ballots
    stances: dict[str, int] = field(default_factory=dict)  # consultation opinions
    suppressed: bool = False  # fewer than 5 people (or the complement of such a group): figures not shown

    @property
    def label(self) -> str:
        return str(_l("Tous canaux")) if self.channel == "all" else Channel(self.channel).label


@dataclass
class Results:
    process: Process
    visible: bool  # may the figures be shown now
    hidden_reason: str  # "" when visible; "secret-open", "not-closed" otherwise
    channels: list[ChannelResult]  # online, paper, workshop (those with anybody)
    total: ChannelResult
    options: dict[int, Option]

    @property
    def winners(self) -> list[Option]:
        outcome = self.total.outcome
        return [self.options[int(o)] for o in outcome.winners] if outcome else []


def results_visible(process: Process, now: datetime) -> tuple[bool, str]:
    """Figures show once the process is closed; while it is open, only for
    an open (not secret) ballot or consultation: a secret ballot's live
    counts stay hidden until closing."""
    current = stage(process, now)
    if current in (Stage.DRAFT, Stage.UPCOMING):
        return False, "not-open"
    if current is Stage.OPEN:
        return (False, "secret-open") if process.secret and process.method_enum.is_ballot else (True, "")
    return True, ""


def _online_counts(process: Process):
    """Online ballots as (ballot count, {option id: votes}, {option id: {grade: n}})."""
    ballots = db.session.scalar(select(func.count(Ballot.id)).where(Ballot.process_id == process.id)) or 0
    votes: dict[int, int] = {}
    grades: dict[int, dict[str, int]] = {}
    # By the process's options, not by a join on its ballots (a choice's option
    # is always of its ballot's process): the (option, grade) index answers it
    # alone, whatever the number of ballots the other processes hold.
    rows = db.session.execute(
        select(BallotChoice.option_id, BallotChoice.grade, func.count())
        .where(BallotChoice.option_id.in_(select(Option.id).where(Option.process_id == process.id)))
        .group_by(BallotChoice.option_id, BallotChoice.grade)).all()
    for option_id, grade, n in rows:
        votes[option_id] = votes.get(option_id, 0) + n
        if grade:
            grades.setdefault(option_id, {})[grade] = grades.get(option_id, {}).get(grade, 0) + n
    return ballots, votes, grades


def _set_card_counts(process: Process, online: dict, card: dict) -> None:
    """Move what printed cards gave (labo.cards) from `online`, which counted
    every ballot and opinion, into `card`: read through the partial indexes
    of the card channel, so the online counts keep their index-only queries."""
    if process.method_enum.is_ballot:
        card_ballots = select(Ballot.id).where(Ballot.process_id == process.id, Ballot.channel == Channel.CARD.value)
        card["participants"] = db.session.scalar(select(func.count()).select_from(card_ballots.subquery())) or 0
        if not card["participants"]:
            return
        for option_id, grade, n in db.session.execute(
                select(BallotChoice.option_id, BallotChoice.grade, func.count())
                .where(BallotChoice.ballot_id.in_(card_ballots))
                .group_by(BallotChoice.option_id, BallotChoice.grade)).all():
            card["votes"][option_id] = card["votes"].get(option_id, 0) + n
            online["votes"][option_id] = online["votes"].get(option_id, 0) - n
            if grade:
                card["grades"].setdefault(option_id, {})[grade] = card["grades"].get(option_id, {}).get(grade, 0) + n
                online["grades"][option_id][grade] -= n
    elif process.method_enum is Method.OPINIONS:
        rows = db.session.execute(select(Participation.stance, func.count()).where(
            Participation.process_id == process.id, Participation.channel == Channel.CARD.value,
            Participation.stance.is_not(None)).group_by(Participation.stance)).all()
        card["stances"] = {s: n for s, n in rows}
        card["participants"] = sum(card["stances"].values())
        for s, n in rows:
            online["stances"][s] -= n
    else:
        return
    online["participants"] -= card["participants"]


def _merits(process: Process, participants: int, grades: Mapping[int, Mapping[str, int]]) -> list[counting.Merit]:
    merits = []
    for option in process.options:
        given = grades.get(option.id, {})
        counts = [given.get(g, 0) for g in GRADES]
        counts[-1] += max(0, participants - sum(counts))  # no grade: "à rejeter"
        merits.append(counting.Merit(str(option.id), tuple(counts)))
    return merits


def _outcome(process: Process, participants: int, votes, grades) -> Optional[counting.VoteOutcome]:
    method = process.method_enum
    if method is Method.MAJORITY_JUDGMENT:
        return counting.rank_merits(_merits(process, participants, grades))
    if method.is_ballot:
        return counting.tally_choices({str(o.id): votes.get(o.id, 0) for o in process.options}, participants)
    return None


def results(process: Process, now: Optional[datetime] = None) -> Results:
    """Count every channel apart and all together. Grade counts of majority
    judgment add up across channels (a sheet's missing grades are "à
    rejeter"); approval and single-choice votes add up likewise. A channel
    of fewer than 5 people is shown only inside the total, and then so is
    the next smallest one, so that the total minus the others does not give
    it away."""
    now = now or utcnow()
    visible, reason = results_visible(process, now)
    per_channel: dict[str, dict] = {c.value: {"participants": 0, "votes": {}, "grades": {}, "stances": {}}
                                    for c in Channel}
    online = per_channel[Channel.ONLINE.value]
    if process.method_enum.is_ballot:
        online["participants"], online["votes"], online["grades"] = _online_counts(process)
    elif process.method_enum is Method.OPINIONS:
        rows = db.session.execute(select(Participation.stance, func.count()).where(
            Participation.process_id == process.id, Participation.stance.is_not(None)).group_by(Participation.stance)).all()
        online["stances"] = {s: n for s, n in rows}
        online["participants"] = sum(online["stances"].values())
    _set_card_counts(process, online, per_channel[Channel.CARD.value])
    for tally in tallies_of(process):
        bucket = per_channel[tally.channel]
        bucket["participants"] += tally.participants
        graded: dict[int, int] = {}
        for line in tally.lines:
            if line.stance:
                bucket["stances"][line.stance] = bucket["stances"].get(line.stance, 0) + line.count
            elif line.grade:
                g = bucket["grades"].setdefault(line.option_id, {})
                g[line.grade] = g.get(line.grade, 0) + line.count
                graded[line.option_id] = graded.get(line.option_id, 0) + line.count
            else:
                bucket["votes"][line.option_id] = bucket["votes"].get(line.option_id, 0) + line.count
        if process.method_enum is Method.MAJORITY_JUDGMENT:
            for option in process.options:  # this sheet's missing grades
                missing = tally.participants - graded.get(option.id, 0)
                if missing > 0:
                    g = bucket["grades"].setdefault(option.id, {})
                    g[REJECT] = g.get(REJECT, 0) + missing
    together = {"participants": 0, "votes": {}, "grades": {}, "stances": {}}
    for bucket in per_channel.values():
        together["participants"] += bucket["participants"]
        for k, n in bucket["votes"].items():
            together["votes"][k] = together["votes"].get(k, 0) + n
        for k, grades in bucket["grades"].items():
            t = together["grades"].setdefault(k, {})
            for g, n in grades.items():
                t[g] = t.get(g, 0) + n
        for s, n in bucket["stances"].items():
            together["stances"][s] = together["stances"].get(s, 0) + n

    def build(channel: str, bucket: dict) -> ChannelResult:
        return ChannelResult(channel=channel, participants=bucket["participants"],
                             outcome=_outcome(process, bucket["participants"], bucket["votes"], bucket["grades"]),
                             stances={s.value: bucket["stances"].get(s.value, 0) for s in Stance}
                             if process.method_enum is Method.OPINIONS else {})

    channels = [build(c, b) for c, b in per_channel.items() if b["participants"] > 0]
    total = build("all", together)
    small = [c for c in channels if c.participants < SMALL]
    for c in small:
        c.suppressed = True
    if len(small) == 1 and len(channels) > 1:
        min(channels, key=lambda c: (c.suppressed, c.participants)).suppressed = True
    if total.participants < SMALL:
        total.suppressed = True
        for c in channels:
            c.suppressed = True
    return Results(process=process, visible=visible, hidden_reason=reason, channels=channels, total=total,
                   options={o.id: o for o in process.options})


def _outcome_json(process: Process, outcome: Optional[counting.VoteOutcome], suppressed: bool) -> Optional[dict]:
    if outcome is None:
        return None
    labels = {str(o.id): o.label for o in process.options}
    ranking = []
    for r in outcome.ranking:
        entry: dict[str, Any] = {"option_id": int(r.option), "label": labels[r.option], "rank": r.rank}
        if isinstance(r, counting.MeritResult):
            entry.update(majority_grade=r.majority_grade, above=round(r.above, 4), below=round(r.below, 4))
            if not suppressed:
                entry["grades"] = r.counts
        elif not suppressed:
            entry.update(votes=r.votes, share=round(r.share, 4))
        ranking.append(entry)
    return {"ballots": SUPPRESSED if suppressed else outcome.ballots,
            "winners": [{"option_id": int(o), "label": labels[o]} for o in outcome.winners],
            "ranking": ranking}


def channel_json(process: Process, result: ChannelResult) -> dict:
    """A channel's figures for the API and the frozen decision: counts of
    fewer than 5 people appear as "< 5"; never a person."""
    data: dict[str, Any] = {"channel": result.channel,
                            "participants": SUPPRESSED if result.suppressed else result.participants}
    if result.outcome is not None:
        data["outcome"] = _outcome_json(process, result.outcome, result.suppressed)
    if result.stances:
        data["stances"] = {s: (SUPPRESSED if result.suppressed else n) for s, n in result.stances.items()}
    return data


def results_json(res: Results) -> dict:
    return {"channels": [channel_json(res.process, c) for c in res.channels],
            "total": channel_json(res.process, res.total)}


def seal_secret_ballots(process: Process) -> int:
    """Rewrite a closed process's secret ballots, in one transaction, in the
    order of their random ids. On PostgreSQL a row carries the id of the
    transaction that wrote it (xmin) and a physical place (ctid) that follows
    the order of writing: after this, every ballot has the same xmin and
    places that say nothing of when, or with whom, it was cast. (SQLite keeps
    them WITHOUT ROWID, in the order of their random ids, from the start.)
    Returns how many ballots were rewritten. The caller commits."""
    if not process.secret:
        return 0
    where = (Ballot.process_id == process.id, Ballot.participation_id.is_(None))
    channels = dict(db.session.execute(select(Ballot.id, Ballot.channel).where(*where)).all())
    ids = sorted(channels)
    if not ids:
        return 0
    choices = db.session.execute(
        select(BallotChoice.ballot_id, BallotChoice.option_id, BallotChoice.grade)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id).where(*where)
        .order_by(BallotChoice.ballot_id, BallotChoice.option_id)).all()
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id.in_(
        select(Ballot.id).where(*where))).execution_options(synchronize_session=False))
    db.session.execute(delete(Ballot).where(*where).execution_options(synchronize_session=False))
    db.session.execute(insert(Ballot), [{"id": i, "process_id": process.id, "participation_id": None,
                                         "channel": channels[i]} for i in ids])
    if choices:
        db.session.execute(insert(BallotChoice), [
            {"ballot_id": b, "option_id": o, "grade": g} for b, o, g in choices])
    db.session.expire_all()
    return len(ids)


def publish_result(process: Process, actor: User, now: datetime) -> dict:
    """Codécision: freeze the result computed by the declared rule as the
    decision. Only once the process is closed, and only once: the UPDATE
    writes only where no result is stored yet, so a second call (even a
    concurrent one) is refused. The caller commits."""
    if process.level_enum is not Level.CODECISION or not process.method_enum.is_ballot:
        raise ProcessError("not-codecision")
    if process.result is not None or process.result_published_at is not None:
        raise ProcessError("result-published")
    if stage(process, now) in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        raise ProcessError("not-closed")
    seal_secret_ballots(process)
    res = results(process, now)
    if res.total.participants == 0:
        raise ProcessError("no-ballots")
    decision = results_json(res)
    total = decision["total"]["outcome"]
    frozen = {
        "method": process.method, "rule": process.decision_rule, "published_at": now.isoformat(),
        "winner": " ; ".join(w["label"] for w in total["winners"]),
        "ranking": [{"label": r["label"], "rank": r["rank"],
                     "mention": grade_label(r.get("majority_grade")) if r.get("majority_grade") else "",
                     **({"count": r["votes"]} if "votes" in r else {})} for r in total["ranking"]],
        "decision": decision,
    }
    text = json.dumps(frozen, ensure_ascii=False, sort_keys=True)
    written = db.session.execute(
        update(Process).where(Process.id == process.id, Process.result.is_(None))
        .values(result=text, result_published_at=now).execution_options(synchronize_session=False)).rowcount
    if written != 1:
        raise ProcessError("result-published")
    db.session.refresh(process)
    record_audit(actor, "process.result_published", "process", process.id, name=process.title,
                 winners=[w["label"] for w in frozen["decision"]["total"]["outcome"]["winners"]])
    db.session.flush()
    return frozen


def frozen_result(process: Process) -> Optional[dict]:
    return json.loads(process.result) if process.result else None


# --- aggregated figures with small-group suppression -------------------------

BREAKDOWNS = ("commune", "qpv", "age_band", "channel")
UNKNOWN = "unknown"


def _label(by: str, key) -> str:
    if key in (None, UNKNOWN):
        return str(_l("Non renseigné"))
    if by == "channel":
        return Channel(key).label
    if by == "age_band":
        try:
            return AgeBand(key).label
        except ValueError:
            return str(key)
    model = Commune if by == "commune" else Qpv
    found = db.session.get(model, key)
    return found.name if found is not None else str(_l("Non renseigné"))


def _period_filters(period, column_dt, column_date):
    filters_dt, filters_date = [], []
    if period:
        start, end = period
        if start is not None:
            filters_dt.append(column_dt >= datetime.combine(start, time.min, tzinfo=timezone.utc))
            filters_date.append(column_date >= start)
        if end is not None:
            filters_dt.append(column_dt <= datetime.combine(end, time.max, tzinfo=timezone.utc))
            filters_date.append(column_date <= end)
    return filters_dt, filters_date


def breakdown(process_or_none: Optional[Process], by: str, period: Optional[tuple[Optional[date], Optional[date]]] = None) -> dict:
    """Participations in one process (or all processes: None) broken down by
    "commune", "qpv", "age_band" or "channel", with opinions by stance when
    any were given; `period` is (first day, last day), either may be None.

    Counted: online participations (their commune, QPV and age band as copied
    when the person took part) and the people on paper and workshop tally
    sheets (their channel, the sheet's commune; QPV and age band unknown).

    Returns a dict, JSON-ready, every count under 5 replaced by "< 5":

        {"by": "commune",
         "columns": ["participants", "favorable", "reserve", "defavorable"],  # stance columns only with opinions
         "rows": [{"key": 12, "label": "Lens", "participants": 40, "favorable": 25, "reserve": "< 5", ...}, ...],
         "total": {"key": "total", "label": "Total", "participants": 57, ...}}

    Rows are sorted by label ("Non renseigné" last); `key` is the commune or
    QPV id, the age band or channel value, or "unknown". Suppression: any
    count from 1 to 4 is "< 5"; a row of fewer than 5 participants shows
    nothing (zeros too); when a row or a column has exactly one suppressed
    cell, its next smallest non-zero cell is suppressed too, so a total minus
    the others never gives a small group away; a total under 5 shows
    nothing."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    p_filters_dt, t_filters = _period_filters(period, Participation.created_at, Tally.held_on)
    p_where = list(p_filters_dt)
    t_where = list(t_filters)
    if process_or_none is not None:
        p_where.append(Participation.process_id == process_or_none.id)
        t_where.append(Tally.process_id == process_or_none.id)
    column = {"commune": Participation.commune_id, "qpv": Participation.qpv_id,
              "age_band": Participation.age_band, "channel": Participation.channel}[by]
    counts: dict[Any, dict[str, int]] = {}

    def add(key, col, n):
        key = UNKNOWN if key is None else key
        row = counts.setdefault(key, {})
        row[col] = row.get(col, 0) + n

    group = column  # channel: online, or a printed card (labo.cards)
    for key, stance, n in db.session.execute(
            select(group, Participation.stance, func.count()).where(*p_where).group_by(group, Participation.stance)):
        add(key, "participants", n)
        if stance:
            add(key, stance, n)
    tally_key = {"commune": Tally.commune_id, "channel": Tally.channel}.get(by)
    tally_rows = db.session.execute(
        select(tally_key if tally_key is not None else Tally.process_id, func.sum(Tally.participants))
        .where(*t_where).group_by(tally_key if tally_key is not None else Tally.process_id)).all()
    for key, n in tally_rows:
        add(key if tally_key is not None else UNKNOWN, "participants", int(n or 0))
    stance_rows = db.session.execute(
        select(tally_key if tally_key is not None else Tally.process_id, TallyLine.stance, func.sum(TallyLine.count))
        .join(Tally, Tally.id == TallyLine.tally_id).where(TallyLine.stance.is_not(None), *t_where)
        .group_by(tally_key if tally_key is not None else Tally.process_id, TallyLine.stance)).all()
    for key, stance, n in stance_rows:
        add(key if tally_key is not None else UNKNOWN, stance, int(n or 0))
    stances = [s.value for s in Stance if any(s.value in row for row in counts.values())]
    columns = ["participants"] + stances
    rows = [{"key": key, "label": _label(by, key), **{c: values.get(c, 0) for c in columns}}
            for key, values in counts.items()]
    rows.sort(key=lambda r: (r["key"] == UNKNOWN, r["label"]))
    total = {"key": "total", "label": str(_l("Total")), **{c: sum(r[c] for r in rows) for c in columns}}
    shown = suppress(rows + [total], columns)
    return {"by": by, "columns": columns, "rows": shown[:-1], "total": shown[-1]}


def suppress(rows: list[dict], columns: list[str]) -> list[dict]:
    """Hide small groups in `rows` (which end with the total row) by the one
    rule of labo.core.disclosure. "participants" is each row's total; those
    who gave no opinion make a column that is never shown, so "participants"
    minus the opinions shown never gives a hidden one away. Every hidden
    cell reads "< 5", as the API documents."""
    stances = [c for c in columns if c != "participants"]
    grid = []
    for row in rows:
        given = [row[c] for c in stances]
        grid.append([*given, max(0, row["participants"] - sum(given)), row["participants"]])
    small, second = hidden_cells(grid, row_totals=True, column_totals=True)
    place = {c: j for j, c in enumerate(stances)} | {"participants": len(stances) + 1}
    return [{k: (SUPPRESSED if k in place and ((i, place[k]) in small or (i, place[k]) in second) else v)
             for k, v in row.items()} for i, row in enumerate(rows)]
