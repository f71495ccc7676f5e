"""Building questionnaires (questions added, edited, moved, removed; the
satisfaction template in one action; opened, closed), taking responses from
every channel (online, a printed card, a paper sheet, the door) and reading
their results, aggregated, every group under 5 hidden by the COPIL's rule.
The actor is passed in; the view commits (submit_response takes the write
turn itself: the UNIQUE constraints settle doubles)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping, Optional

from sqlalchemy import func, select, update

from labo.accounts.models import AGE_BAND_LABELS, AgeBand, User
from labo.audit.services import audit_labels, record_audit
from labo.cards import services as cards
from labo.cards.models import ParticipationCard
from labo.copil.presentation import Row, Shown, Table, suppress_small
from labo.core.db import insert_ignoring_duplicates, utcnow, write_transaction
from labo.core.disclosure import THRESHOLD
from labo.core.errors import ServiceError
from labo.core.i18n import _, _l
from labo.core.sanitize import plain_text
from labo.extensions import db
from labo.meetings.models import Meeting
from labo.permissions import can, places_in_commune
from labo.privacy import personal_data
from labo.processes.models import Process
from labo.questionnaires.models import (
    CHANNEL_LABELS, SCALE_WORDS, Answer, Channel, Kind, QuestionnaireQuestion, Questionnaire, Response, State)
from labo.territory.models import Commune, Qpv

KINDS = tuple(k.value for k in Kind)
CHANNELS = tuple(c.value for c in Channel)
AGE_BANDS = tuple(a.value for a in AgeBand)
CLIENT_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,40}")
MAX_QUESTIONS = 40
MAX_CHOICES = 12
LONGEST_NUMBER = 10**9


class QuestionnaireError(ServiceError):
    pass


class AnswersRefused(QuestionnaireError):
    """Some answers are missing or wrong: `errors` maps a question's id to a code."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("answers-refused")
        self.errors = errors


def get_questionnaire(questionnaire_id: int) -> Optional[Questionnaire]:
    return db.session.get(Questionnaire, questionnaire_id)


def get_question(questionnaire: Questionnaire, question_id: int) -> Optional[QuestionnaireQuestion]:
    question = db.session.get(QuestionnaireQuestion, question_id)
    return question if question is not None and question.questionnaire_id == questionnaire.id else None


# --- what the forms offer ------------------------------------------------------


def communes_for(actor) -> list[Commune]:
    return [c for c in db.session.scalars(select(Commune).order_by(Commune.name)) if places_in_commune(actor, c)]


def processes_for(actor) -> list[Process]:
    rows = db.session.scalars(select(Process).order_by(Process.id.desc()).limit(200))
    return [p for p in rows if places_in_commune(actor, p.commune)]


def meetings_for(actor) -> list[Meeting]:
    rows = db.session.scalars(select(Meeting).where(Meeting.cancelled.is_(False))
                              .order_by(Meeting.starts_at.desc()).limit(200))
    return [m for m in rows if places_in_commune(actor, m.commune)]


def visible_questionnaires(actor) -> list[Questionnaire]:
    """Open and closed ones for all, newest first; drafts for their managers."""
    rows = db.session.scalars(select(Questionnaire).order_by(Questionnaire.id.desc()))
    return [q for q in rows if can(actor, "questionnaire.view", q)]


def questionnaires_of(*, meeting: Optional[Meeting] = None, process: Optional[Process] = None) -> list[Questionnaire]:
    if meeting is not None:
        where = Questionnaire.meeting_id == meeting.id
    elif process is not None:
        where = Questionnaire.process_id == process.id
    else:
        return []
    return list(db.session.scalars(select(Questionnaire).where(where, Questionnaire.state != State.DRAFT.value)
                                   .order_by(Questionnaire.id)))


# --- building --------------------------------------------------------------------


def _title(value: Optional[str]) -> str:
    title = plain_text(value or "")[:160].strip()
    if not title:
        raise QuestionnaireError("title-required", "title")
    return title


def _intro(value: Optional[str]) -> str:
    """Plain text as typed, its lines kept (the browser's CR LF as LF), no control character."""
    intro = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(intro) > 3000:
        raise QuestionnaireError("too-long", "intro")
    return intro


def _placed(actor, commune: Optional[Commune], process: Optional[Process], meeting: Optional[Meeting]):
    """Its commune follows its process or meeting; the actor must manage there."""
    if process is not None and meeting is not None:
        raise QuestionnaireError("one-source", "meeting")
    if process is not None:
        commune = process.commune
    elif meeting is not None:
        commune = meeting.commune
    if not places_in_commune(actor, commune):
        raise QuestionnaireError("not-your-commune", "commune")
    return commune


def create_questionnaire(actor, *, title: str, intro: str = "", commune: Optional[Commune] = None,
                         process: Optional[Process] = None, meeting: Optional[Meeting] = None,
                         allows_anonymous: bool = False, accepts_cards: bool = False,
                         satisfaction: bool = False) -> Questionnaire:
    """A draft questionnaire; with `satisfaction`, the usual questions after a meeting already in it."""
    commune = _placed(actor, commune, process, meeting)
    if accepts_cards and (process is None or not process.accepts_cards):
        raise QuestionnaireError("cards-need-process", "accepts_cards")
    questionnaire = Questionnaire(
        title=_title(title), intro=_intro(intro), commune=commune, process=process, meeting=meeting,
        allows_anonymous=bool(allows_anonymous), accepts_cards=bool(accepts_cards),
        created_by_id=actor.id if actor is not None else None, state=State.DRAFT.value)
    db.session.add(questionnaire)
    db.session.flush()
    record_audit(actor, "questionnaire.created", "questionnaire", questionnaire.id, title=questionnaire.title,
                 commune=commune.name if commune is not None else "")
    if satisfaction:
        add_satisfaction_questions(actor, questionnaire)
    return questionnaire


def update_questionnaire(actor, questionnaire: Questionnaire, *, title: str, intro: str,
                         allows_anonymous: bool, accepts_cards: bool) -> Questionnaire:
    if accepts_cards and (questionnaire.process is None or not questionnaire.process.accepts_cards):
        raise QuestionnaireError("cards-need-process", "accepts_cards")
    questionnaire.title, questionnaire.intro = _title(title), _intro(intro)
    questionnaire.allows_anonymous, questionnaire.accepts_cards = bool(allows_anonymous), bool(accepts_cards)
    db.session.flush()
    record_audit(actor, "questionnaire.edited", "questionnaire", questionnaire.id, title=questionnaire.title)
    return questionnaire


def _choices(kind: Kind, raw: Optional[str]) -> str:
    if not kind.has_choices:
        return ""
    lines = []
    for line in (raw or "").splitlines():
        line = plain_text(line).strip()[:120]
        if line and line not in lines:
            lines.append(line)
    if len(lines) < 2:
        raise QuestionnaireError("choices-required", "choices")
    if len(lines) > MAX_CHOICES:
        raise QuestionnaireError("too-many-choices", "choices")
    return "\n".join(lines)


def _kind(value: Optional[str]) -> Kind:
    try:
        return Kind(value or "")
    except ValueError:
        raise QuestionnaireError("kind-invalid", "kind") from None


def _editable(questionnaire: Questionnaire) -> None:
    if questionnaire.state != State.DRAFT.value:
        raise QuestionnaireError("not-draft")


def add_question(actor, questionnaire: Questionnaire, *, kind: str, text: str, easy_read: str = "",
                 required: bool = False, choices: str = "") -> QuestionnaireQuestion:
    _editable(questionnaire)
    if len(questionnaire.questions) >= MAX_QUESTIONS:
        raise QuestionnaireError("too-many-questions")
    kind_enum = _kind(kind)
    wording = plain_text(text or "").strip()[:300]
    if not wording:
        raise QuestionnaireError("question-required", "text")
    position = max((q.position for q in questionnaire.questions), default=0) + 1
    question = QuestionnaireQuestion(questionnaire=questionnaire, position=position, kind=kind_enum.value, text=wording,
                        easy_read=plain_text(easy_read or "").strip()[:300], required=bool(required),
                        choices=_choices(kind_enum, choices))
    db.session.add(question)
    db.session.flush()
    record_audit(actor, "questionnaire.question_added", "questionnaire", questionnaire.id,
                 title=questionnaire.title, question=wording)
    return question


def edit_question(actor, question: QuestionnaireQuestion, *, kind: str, text: str, easy_read: str = "",
                  required: bool = False, choices: str = "") -> QuestionnaireQuestion:
    _editable(question.questionnaire)
    kind_enum = _kind(kind)
    wording = plain_text(text or "").strip()[:300]
    if not wording:
        raise QuestionnaireError("question-required", "text")
    question.kind, question.text = kind_enum.value, wording
    question.easy_read = plain_text(easy_read or "").strip()[:300]
    question.required, question.choices = bool(required), _choices(kind_enum, choices)
    db.session.flush()
    record_audit(actor, "questionnaire.question_edited", "questionnaire", question.questionnaire_id,
                 title=question.questionnaire.title, question=wording)
    return question


def move_question(actor, question: QuestionnaireQuestion, step: int) -> None:
    """Up (-1) or down (+1) one place: the two questions swap their places."""
    questionnaire = question.questionnaire
    _editable(questionnaire)
    ordered = list(questionnaire.questions)
    index = ordered.index(question)
    other_index = index + (1 if step > 0 else -1)
    if not 0 <= other_index < len(ordered):
        return
    ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    db.session.flush()
    db.session.expire(questionnaire, ["questions"])


def remove_question(actor, question: QuestionnaireQuestion) -> None:
    questionnaire = question.questionnaire
    _editable(questionnaire)
    wording = question.text
    questionnaire.questions.remove(question)
    db.session.flush()
    record_audit(actor, "questionnaire.question_removed", "questionnaire", questionnaire.id,
                 title=questionnaire.title, question=wording)


SATISFACTION = (
    (Kind.SCALE, _l("Cette rencontre vous a-t-elle été utile ?"), _l("Est-ce que ça vous a servi ?"), True),
    (Kind.SCALE, _l("Avez-vous été bien accueilli ou accueillie ?"), _l("Est-ce qu'on vous a bien reçu ?"), True),
    (Kind.SCALE, _l("Avez-vous compris ce qui a été dit ?"), _l("Est-ce que c'était clair pour vous ?"), True),
    (Kind.ONE, _l("Reviendriez-vous à une prochaine rencontre ?"), _l("Vous viendrez la prochaine fois ?"), True),
    (Kind.TEXT, _l("Un mot pour nous aider à faire mieux ?"), _l("Vous pouvez écrire ce que vous voulez."), False),
)
COME_AGAIN = (_l("Oui"), _l("Peut-être"), _l("Non"))


def add_satisfaction_questions(actor, questionnaire: Questionnaire) -> list[QuestionnaireQuestion]:
    """The satisfaction survey after a meeting, in one action: useful, well
    received, understood (1 to 5), would come again (yes / maybe / no), a free word."""
    added = []
    for kind, text, easy, required in SATISFACTION:
        added.append(add_question(actor, questionnaire, kind=kind.value, text=str(text), easy_read=str(easy),
                                  required=required,
                                  choices="\n".join(str(c) for c in COME_AGAIN) if kind is Kind.ONE else ""))
    return added


def open_questionnaire(actor, questionnaire: Questionnaire) -> None:
    if not questionnaire.questions:
        raise QuestionnaireError("no-questions")
    if questionnaire.state == State.OPEN.value:
        return
    questionnaire.state, questionnaire.opened_at = State.OPEN.value, utcnow()
    questionnaire.closed_at = None
    db.session.flush()
    record_audit(actor, "questionnaire.opened", "questionnaire", questionnaire.id, title=questionnaire.title)


def close_questionnaire(actor, questionnaire: Questionnaire) -> None:
    if questionnaire.state != State.OPEN.value:
        raise QuestionnaireError("not-open")
    questionnaire.state, questionnaire.closed_at = State.CLOSED.value, utcnow()
    db.session.flush()
    record_audit(actor, "questionnaire.closed", "questionnaire", questionnaire.id, title=questionnaire.title)


# --- answering ---------------------------------------------------------------------

# Paper sheets and door interviews made while the questionnaire was open are
# still taken this many days after it closes: the sheets collected on the last
# evening are typed the next week, a phone comes back into the network days later.
LATE_DAYS = 14


def takes_late_answers(questionnaire: Questionnaire, now: datetime) -> bool:
    """Closed, but not for long: answers typed for others still come in."""
    return (questionnaire.state == State.CLOSED.value and questionnaire.closed_at is not None
            and now - questionnaire.closed_at <= timedelta(days=LATE_DAYS))


def late_answers_until(questionnaire: Questionnaire) -> Optional[datetime]:
    return questionnaire.closed_at + timedelta(days=LATE_DAYS) if questionnaire.closed_at else None


def _welcome(questionnaire: Questionnaire, channel: str, recorded_at: Optional[datetime], now: datetime) -> bool:
    """Whether answers may come in now: while open; after it closed, a paper
    sheet (typed by a manager) or a door interview the phone recorded before
    the closing, within LATE_DAYS."""
    if questionnaire.state == State.OPEN.value:
        return True
    if not takes_late_answers(questionnaire, now):
        return False
    if channel == Channel.PAPER.value:
        return True
    return channel == Channel.DOOR.value and recorded_at is not None and recorded_at <= questionnaire.closed_at


@dataclass
class Checked:
    """Answers that passed: (question id, choice index, scale, number, text) rows."""
    rows: list[tuple[int, int, Optional[int], Optional[int], Optional[str]]] = field(default_factory=list)


def check_answers(questionnaire: Questionnaire, raw: Mapping[int, list[str]]) -> Checked:
    """The answers as typed (question id → the values sent), checked against
    each question; AnswersRefused names every question to look at again."""
    errors: dict[int, str] = {}
    checked = Checked()
    for question in questionnaire.questions:
        values = [v.strip() for v in raw.get(question.id, []) if v is not None and v.strip()]
        if not values:
            if question.required:
                errors[question.id] = "answer-required" if question.kind != Kind.MANY.value else "tick-required"
            continue
        kind = question.kind_enum
        if kind.has_choices:
            count = len(question.choice_list)
            indexes = []
            for value in values:
                if not re.fullmatch(r"[0-9]{1,3}", value) or int(value) >= count:
                    errors[question.id] = "choice-unknown"
                    break
                if int(value) not in indexes:
                    indexes.append(int(value))
            if question.id in errors:
                continue
            if kind is Kind.ONE and len(indexes) > 1:
                errors[question.id] = "one-choice-only"
                continue
            checked.rows.extend((question.id, i, None, None, None) for i in indexes)
        elif kind is Kind.SCALE:
            if len(values) != 1 or values[0] not in ("1", "2", "3", "4", "5"):
                errors[question.id] = "scale-invalid"
                continue
            checked.rows.append((question.id, -1, int(values[0]), None, None))
        elif kind is Kind.NUMBER:
            value = values[0].replace(" ", "").replace("\u202f", "").replace("\xa0", "")
            if len(values) != 1 or not re.fullmatch(r"-?[0-9]{1,9}", value):
                errors[question.id] = "number-invalid"
                continue
            checked.rows.append((question.id, -1, None, int(value), None))
        else:
            text = plain_text(" ".join(values)).strip()
            if len(text) > 1000:
                errors[question.id] = "text-too-long"
                continue
            checked.rows.append((question.id, -1, None, None, text))
    if errors:
        raise AnswersRefused(errors)
    return checked


def _about(commune: Optional[Commune], qpv: Optional[Qpv], age_band: Optional[str]):
    if age_band and age_band not in AGE_BANDS:
        raise QuestionnaireError("age-band-invalid", "age_band")
    if qpv is not None and commune is not None and commune.id not in {c.id for c in qpv.communes}:
        raise QuestionnaireError("qpv-not-in-commune", "qpv")
    if qpv is not None and commune is None and len(qpv.communes) == 1:
        commune = qpv.communes[0]
    return commune, qpv, (age_band or None)


@dataclass
class Submitted:
    response_id: int
    new: bool  # False: the same key was sent before (a retry), nothing was added


def submit_response(questionnaire: Questionnaire, raw: Mapping[int, list[str]], *, channel: str,
                    user: Optional[User] = None, entered_by: Optional[User] = None,
                    commune: Optional[Commune] = None, qpv: Optional[Qpv] = None, age_band: Optional[str] = None,
                    client_key: Optional[str] = None, now: Optional[datetime] = None,
                    recorded_at: Optional[datetime] = None) -> Submitted:
    """One person's answers. Online with an account: one response per account
    and questionnaire, by the UNIQUE constraint (a second one is refused with
    "already-answered"); the commune, QPV and age band come from the profile
    when it says them. Paper and door: `client_key`, made once per sheet or
    interview, makes a retried send return the first response instead of a
    second one. After the closing, paper sheets and door interviews recorded
    before it (`recorded_at`, the phone's time) are still taken for LATE_DAYS.
    Commits what the caller held first (write_transaction)."""
    now = now or utcnow()
    if not _welcome(questionnaire, channel, recorded_at, now):
        raise QuestionnaireError("not-open")
    if channel not in CHANNELS:
        raise QuestionnaireError("channel-invalid")
    if channel == Channel.ONLINE.value and user is None and not questionnaire.allows_anonymous:
        raise QuestionnaireError("account-required")
    if channel != Channel.ONLINE.value:
        user = None
    if channel not in (Channel.PAPER.value, Channel.DOOR.value):
        entered_by = None
    if client_key is not None and not CLIENT_KEY_RE.fullmatch(client_key):
        raise QuestionnaireError("client-key-invalid")
    if user is not None:
        commune = user.home_commune or commune
        qpv = user.home_qpv or qpv
        age_band = user.age_band or age_band
    checked = check_answers(questionnaire, raw)
    commune, qpv, age_band = _about(commune, qpv, age_band)
    questionnaire_id = questionnaire.id
    values = dict(questionnaire_id=questionnaire_id, channel=channel, user_id=user.id if user else None,
                  entered_by_id=entered_by.id if entered_by else None, commune_id=commune.id if commune else None,
                  qpv_id=qpv.id if qpv else None, age_band=age_band, client_key=client_key, created_at=now)
    write_transaction()
    dialect = db.session.get_bind().dialect.name
    response_id = db.session.scalar(insert_ignoring_duplicates(Response, dialect).values(**values)
                                    .on_conflict_do_nothing().returning(Response.id))
    if response_id is None:
        if client_key is not None:
            existing = db.session.scalar(select(Response.id).where(Response.questionnaire_id == questionnaire_id,
                                                                   Response.client_key == client_key))
            if existing is not None:
                return Submitted(existing, False)
        raise QuestionnaireError("already-answered")
    db.session.add_all(Answer(response_id=response_id, question_id=q, choice=c, scale=s, number=n, text=t)
                       for q, c, s, n, t in checked.rows)
    db.session.flush()
    return Submitted(response_id, True)


def submit_with_card(questionnaire: Questionnaire, raw: Mapping[int, list[str]], code: Optional[str],
                     secret_key: str, *, commune: Optional[Commune] = None, qpv: Optional[Qpv] = None,
                     age_band: Optional[str] = None, client_key: Optional[str] = None,
                     now: Optional[datetime] = None) -> Submitted:
    """Answers given with a printed participation card of the questionnaire's
    process (labo.cards), without an account. The card is spent by one
    conditional UPDATE in the same transaction as the answers: of any number
    of sends at once, one writes, the others are told the card was used.
    `client_key`, drawn with the page, makes the same form sent again (a
    double tap) the first response, not a "card used" refusal.
    Refusals: CardError (the card, field "card_code"), QuestionnaireError."""
    now = now or utcnow()
    if questionnaire.state != State.OPEN.value:
        raise QuestionnaireError("not-open")
    if client_key is not None and not CLIENT_KEY_RE.fullmatch(client_key):
        raise QuestionnaireError("client-key-invalid")
    if client_key is not None and (existing := answered_with_key(questionnaire, client_key)) is not None:
        return Submitted(existing, False)  # sent again: its card is spent by this very response
    process = questionnaire.process
    if not questionnaire.accepts_cards or process is None or not process.accepts_cards:
        raise QuestionnaireError("no-cards")
    try:
        card = cards.find_card(code, secret_key)
    except cards.CardError as error:
        raise cards.CardError(error.code, "card_code") from None
    if card.process_id != process.id:
        raise cards.CardError("unknown", "card_code")
    if card.revoked_at is not None or card.used_at is not None:
        raise cards.CardError("revoked" if card.revoked_at is not None else "used", "card_code")
    checked = check_answers(questionnaire, raw)
    commune, qpv, age_band = _about(commune, qpv, age_band)
    card_id, questionnaire_id = card.id, questionnaire.id
    write_transaction()
    if client_key is not None:
        existing = answered_with_key(questionnaire_id, client_key)
        if existing is not None:
            return Submitted(existing, False)
    spent = db.session.execute(
        update(ParticipationCard)
        .where(ParticipationCard.id == card_id, ParticipationCard.used_at.is_(None),
               ParticipationCard.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        raise cards.CardError("used", "card_code")
    response = Response(questionnaire_id=questionnaire_id, channel=Channel.CARD.value,
                        commune_id=commune.id if commune else None, qpv_id=qpv.id if qpv else None,
                        age_band=age_band, client_key=client_key, created_at=now)
    db.session.add(response)
    db.session.flush()
    db.session.add_all(Answer(response_id=response.id, question_id=q, choice=c, scale=s, number=n, text=t)
                       for q, c, s, n, t in checked.rows)
    db.session.flush()
    return Submitted(response.id, True)


def answered_with_key(questionnaire: Questionnaire | int, client_key: str) -> Optional[int]:
    """The response already sent with this key (a form or a phone's queue sent again), if any."""
    questionnaire_id = questionnaire if isinstance(questionnaire, int) else questionnaire.id
    return db.session.scalar(select(Response.id).where(Response.questionnaire_id == questionnaire_id,
                                                       Response.client_key == client_key))


def has_answered(questionnaire: Questionnaire, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Response.id).where(Response.questionnaire_id == questionnaire.id,
                                                       Response.user_id == user.id)) is not None


def entered_count(questionnaire: Questionnaire, channel: Channel, by: Optional[User] = None) -> int:
    """How many responses came by `channel` (typed by `by`, when given)."""
    query = select(func.count(Response.id)).where(Response.questionnaire_id == questionnaire.id,
                                                  Response.channel == channel.value)
    if by is not None:
        query = query.where(Response.entered_by_id == by.id)
    return db.session.scalar(query) or 0


def response_count(questionnaire: Questionnaire) -> int:
    return db.session.scalar(select(func.count(Response.id)).where(Response.questionnaire_id == questionnaire.id)) or 0


# --- results ---------------------------------------------------------------------------


def _fmt(value: float) -> str:
    """One decimal, rounded half up as people do (3.25 gives "3,3"), with a French comma."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


@dataclass
class Breakdown:
    """A question's answers by one kind of group (channel, commune, QPV, age
    band), every group under 5 people hidden; the average per group for a scale."""
    key: str
    title: str
    shown: Shown
    averages: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class QuestionResult:
    question: QuestionnaireQuestion
    answered: int                                   # people who answered it
    counts: list[tuple[str, int]] = field(default_factory=list)  # (choice or note, people)
    average: Optional[str] = None                   # scale: "3,8"
    number_summary: Optional[dict] = None           # number: people, average; min, max for managers
    texts: list[str] = field(default_factory=list)  # free texts (managers only: the view decides)
    breakdowns: list[Breakdown] = field(default_factory=list)
    too_few: bool = False  # under THRESHOLD people answered: no counts nor average outside the managers


@dataclass
class Results:
    questionnaire: Questionnaire
    total: int
    by_channel: list[tuple[str, int]]
    questions: list[QuestionResult]


GROUPINGS: tuple[tuple[str, Any], ...] = (
    ("channel", _l("Par façon de répondre")),
    ("commune", _l("Par commune")),
    ("qpv", _l("Par quartier prioritaire (QPV)")),
    ("age_band", _l("Par âge")),
)


def _group_label(key: str, value, names: dict) -> str:
    if value is None:
        return str(_l("Non précisé"))
    if key == "channel":
        return str(CHANNEL_LABELS[Channel(value)])
    if key == "age_band":
        return str(AGE_BAND_LABELS[AgeBand(value)])
    return names.get((key, value), "?")


def _columns(question: QuestionnaireQuestion) -> list[str]:
    if question.kind_enum.has_choices:
        return question.choice_list
    return [f"{n} · {SCALE_WORDS[n - 1]}" for n in range(1, 6)]


def results(questionnaire: Questionnaire, *, with_texts: bool = False) -> Results:
    """Counts per question, the scale's average, and the breakdowns by
    channel, commune, QPV and age band with small groups hidden
    (labo.copil.presentation.suppress_small). Free texts, a number
    question's smallest and largest answers, and the counts and average of a
    question fewer than THRESHOLD people answered, only `with_texts` (managers)."""
    responses = list(db.session.execute(
        select(Response.id, Response.channel, Response.commune_id.label("commune"), Response.qpv_id.label("qpv"),
               Response.age_band).where(Response.questionnaire_id == questionnaire.id)).all())
    people = {r.id: r for r in responses}
    answers = list(db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.choice, Answer.scale, Answer.number, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.questionnaire_id == questionnaire.id).order_by(Answer.id)).all())
    names: dict = {}
    for commune in db.session.scalars(select(Commune).where(Commune.id.in_({r.commune for r in responses} - {None}))):
        names[("commune", commune.id)] = commune.name
    for qpv in db.session.scalars(select(Qpv).where(Qpv.id.in_({r.qpv for r in responses} - {None}))):
        names[("qpv", qpv.id)] = qpv.name
    channel_counts: dict[str, int] = {}
    for r in responses:
        channel_counts[r.channel] = channel_counts.get(r.channel, 0) + 1
    by_channel = [(str(CHANNEL_LABELS[c]), channel_counts[c]) for c in Channel if c.value in channel_counts]
    by_question: dict[int, list] = {}
    for a in answers:
        by_question.setdefault(a.question_id, []).append(a)
    out = []
    for question in questionnaire.questions:
        rows = by_question.get(question.id, [])
        who = {a.response_id for a in rows}
        result = QuestionResult(question, len(who))
        kind = question.kind_enum
        if not with_texts and 0 < len(who) < THRESHOLD and kind is not Kind.TEXT:
            # "Non : 1" among three answers tells the room who said it: the public reads that too few answered
            result.too_few = True
        elif kind.has_choices or kind is Kind.SCALE:
            columns = _columns(question)
            index = (lambda a: a.choice) if kind.has_choices else (lambda a: a.scale - 1)
            counts = [0] * len(columns)
            for a in rows:
                counts[index(a)] += 1
            result.counts = list(zip(columns, counts))
            if kind is Kind.SCALE and rows:
                result.average = _fmt(sum(a.scale for a in rows) / len(rows))
            for key, title in GROUPINGS:
                groups: dict = {}
                for a in rows:
                    value = getattr(people[a.response_id], key)
                    groups.setdefault(value, [0] * len(columns))[index(a)] += 1
                if not groups:
                    continue
                order = sorted(groups, key=lambda v: _group_label(key, v, names))
                table = Table(key=f"q{question.id}-{key}", title=str(title), row_header=str(title),
                              columns=columns, rows=[Row(_group_label(key, v, names), groups[v]) for v in order],
                              totals=kind is Kind.ONE or kind is Kind.SCALE)
                breakdown = Breakdown(key, str(title), suppress_small(table))
                if kind is Kind.SCALE:
                    for v in order:
                        line = groups[v]
                        n = sum(line)
                        breakdown.averages.append((_group_label(key, v, names), _fmt(
                            sum((i + 1) * c for i, c in enumerate(line)) / n) if n >= THRESHOLD else f"< {THRESHOLD}"))
                result.breakdowns.append(breakdown)
        elif kind is Kind.NUMBER and rows:
            # the smallest and the largest are each one person's answer: for managers only
            # (with_texts); the average, from THRESHOLD answers
            numbers = [a.number for a in rows]
            result.number_summary = {"people": len(numbers), "average": _fmt(sum(numbers) / len(numbers))}
            if with_texts:
                result.number_summary.update(min=min(numbers), max=max(numbers))
        elif kind is Kind.TEXT and with_texts:
            result.texts = [a.text for a in rows if a.text]
        out.append(result)
    return Results(questionnaire, len(responses), by_channel, out)


def results_rows(res: Results) -> list[list]:
    """The results for a spreadsheet (labo.core.spreadsheet.csv_bytes): counts only, small groups hidden."""
    rows: list[list] = [[_("Question"), _("Groupe"), _("Réponse"), _("Personnes")]]
    rows.append([_("Toutes les réponses"), _("Tout le monde"), "", res.total])
    for label, n in res.by_channel:
        rows.append([_("Toutes les réponses"), label, "", n])
    for qr in res.questions:
        text = qr.question.text
        if qr.too_few:
            rows.append([text, _("Tout le monde"), _("Moins de 5 réponses : pas montré"), f"< {THRESHOLD}"])
        for label, n in qr.counts:
            rows.append([text, _("Tout le monde"), label, n])
        if qr.average is not None:
            rows.append([text, _("Tout le monde"), _("Moyenne sur 5"), qr.average])
        if qr.number_summary:
            rows.append([text, _("Tout le monde"), _("Moyenne"), qr.number_summary["average"]])
        for b in qr.breakdowns:
            for row, cells in b.shown.rows:
                for column, cell in zip(b.shown.header[1:], cells):
                    rows.append([text, f"{b.title} : {row.label}", column, cell])
            for label, average in b.averages:
                rows.append([text, f"{b.title} : {label}", _("Moyenne sur 5"), average])
    return rows


def results_json(res: Results) -> dict:
    """For the API: aggregated only (never a free text), small groups hidden."""
    return {
        "responses": res.total,
        "by_channel": [{"channel": label, "responses": n} for label, n in res.by_channel],
        "questions": [{
            "id": qr.question.id, "text": qr.question.text, "kind": qr.question.kind, "answered": qr.answered,
            "too_few": qr.too_few,
            "counts": [{"answer": label, "people": n} for label, n in qr.counts],
            "average": qr.average,
            "number": qr.number_summary,
            "breakdowns": [{"by": b.key, "groups": [
                {"group": row.label, "cells": dict(zip(b.shown.header[1:], cells))} for row, cells in b.shown.rows],
                "averages": [{"group": g, "average": a} for g, a in b.averages]} for b in qr.breakdowns],
        } for qr in res.questions],
    }


def questionnaire_json(questionnaire: Questionnaire, url: Callable[[Any], str], *, with_results: bool) -> dict:
    return {
        "id": questionnaire.id,
        "title": questionnaire.title,
        "url": url(questionnaire),
        "intro": questionnaire.intro,
        "state": questionnaire.state,
        "commune": questionnaire.commune.slug if questionnaire.commune is not None else None,
        "process_id": questionnaire.process_id,
        "meeting_id": questionnaire.meeting_id,
        "questions": [{"id": q.id, "position": q.position, "kind": q.kind, "text": q.text, "easy_read": q.easy_read,
                       "required": q.required, "choices": q.choice_list} for q in questionnaire.questions],
        "results": results_json(results(questionnaire)) if with_results else None,
    }


def public_questionnaires() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).where(Questionnaire.state != State.DRAFT.value)
                                   .order_by(Questionnaire.id.desc())))


# --- the COPIL's satisfaction figures -------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    """One meeting's satisfaction survey for the COPIL, in plain values (the
    dashboard's figures are kept between requests, outside any session)."""
    questionnaire_id: int
    title: str
    meeting: str
    responses: int
    averages: tuple[tuple[str, str], ...]  # (question, "3,8" or "< 5")


def satisfaction_between(start: datetime, end: datetime) -> list[Satisfaction]:
    """Questionnaires opened in the period (start included, end excluded)
    that hang on a meeting — its satisfaction survey: the responses and the
    average of each scale question, shown only from 5 answers."""
    found = []
    rows = db.session.scalars(select(Questionnaire).where(
        Questionnaire.meeting_id.is_not(None), Questionnaire.state != State.DRAFT.value,
        Questionnaire.opened_at >= start, Questionnaire.opened_at < end).order_by(Questionnaire.opened_at))
    for questionnaire in rows:
        res = results(questionnaire)
        averages = tuple((qr.question.text, qr.average if qr.answered >= THRESHOLD else f"< {THRESHOLD}")
                         for qr in res.questions if qr.question.kind == Kind.SCALE.value and qr.answered)
        found.append(Satisfaction(questionnaire.id, questionnaire.title, questionnaire.meeting.title, res.total,
                                  averages))
    return found


# --- personal data ----------------------------------------------------------------------


@personal_data.exporter
def export_for(user: User) -> dict:
    """The questionnaires the person answered with their account, and their answers."""
    out = []
    for response in db.session.scalars(select(Response).where(Response.user_id == user.id).order_by(Response.id)):
        answers = []
        for a in response.answers:
            q = a.question
            if a.choice >= 0:
                value = q.choice_list[a.choice] if a.choice < len(q.choice_list) else str(a.choice)
            else:
                value = a.scale if a.scale is not None else a.number if a.number is not None else a.text
            answers.append({"question": q.text, "answer": value})
        out.append({"questionnaire": response.questionnaire.title, "created_at": response.created_at.isoformat(),
                    "answers": answers})
    return {"questionnaire_responses": out}


@personal_data.eraser
def erase_for(config: Mapping, user: User) -> None:
    """The person's responses stay in the counts, tied to nobody; their free
    texts go (they may name them). What they typed for others on paper or at
    the door stays, without their name (the key's SET NULL)."""
    ids = list(db.session.scalars(select(Response.id).where(Response.user_id == user.id)))
    if ids:
        for answer in db.session.scalars(select(Answer).where(Answer.response_id.in_(ids), Answer.text.is_not(None))):
            db.session.delete(answer)
        for response in db.session.scalars(select(Response).where(Response.id.in_(ids))):
            response.user_id = None
    db.session.flush()


audit_labels({
    "questionnaire.created": lambda d: _("Questionnaire créé : %(title)s", title=d.name),
    "questionnaire.edited": lambda d: _("Questionnaire modifié : %(title)s", title=d.name),
    "questionnaire.question_added": lambda d: _("Question ajoutée au questionnaire %(title)s", title=d.name),
    "questionnaire.question_edited": lambda d: _("Question modifiée dans le questionnaire %(title)s", title=d.name),
    "questionnaire.question_removed": lambda d: _("Question retirée du questionnaire %(title)s", title=d.name),
    "questionnaire.opened": lambda d: _("Questionnaire ouvert aux réponses : %(title)s", title=d.name),
    "questionnaire.closed": lambda d: _("Questionnaire fermé : %(title)s", title=d.name),
})
