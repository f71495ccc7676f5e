"""Processes, free of Flask's request: opening and editing them, the
questions (information), opinions (consultation), proposals and supports
(concertation), and the decider's return. Every way of taking part checks
labo.processes.eligibility first; the actor is always passed in."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Optional

from sqlalchemy import case, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from labo.accounts.models import ERASED_NAME, User
from labo.audit.services import audit_labels, record_audit
from labo.core.db import utcnow
from labo.core.i18n import _, _l
from labo.core.levels import Level
from labo.core.pagination import Page
from labo.core.sanitize import clean_rich_text, plain_text, sanitize_html, text_to_html
from labo.extensions import db
from labo.privacy import personal_data
from labo.processes.models import (
    Audience,
    Ballot,
    HAS_COMMENT,
    LEVEL_METHODS,
    Method,
    Option,
    Participation,
    Process,
    Proposal,
    ProposalSupport,
    Question,
    Stance,
    Tally,
)
from labo.processes.eligibility import ProcessError, Stage, check_can_take_part, record_participation, stage
from labo.territory.models import Ambition, Commune, Pillar, Qpv

MIN_OPTIONS, MAX_OPTIONS = 2, 20

# What each method decides by, in plain words: the decision rule a new process starts from.
DEFAULT_RULES = {
    Method.QUESTIONS: _l("Pas de vote : les questions posées ici reçoivent une réponse publique."),
    Method.OPINIONS: _l("Chaque personne donne son avis (favorable, réservé ou défavorable). Le nombre d'avis de "
                        "chaque sorte et les commentaires sont transmis à qui décide, qui dit ensuite ce qu'il en a fait."),
    Method.PROPOSALS: _l("Chacun peut faire des propositions et soutenir celles des autres. Qui décide répond à "
                         "chaque proposition : retenue ou non retenue, avec la raison."),
    Method.SINGLE: _l("Chaque personne choisit une option. L'option qui reçoit le plus de voix l'emporte."),
    Method.APPROVAL: _l("Chaque personne coche toutes les options qui lui conviennent. L'option la plus cochée l'emporte."),
    Method.MAJORITY_JUDGMENT: _l("L'option qui a la meilleure mention majoritaire l'emporte ; en cas d'égalité, on "
                                 "compare les mentions restantes, une à une."),
}


def default_rule(method: Method) -> str:
    return str(DEFAULT_RULES[method])


# --- opening and editing --------------------------------------------------


def has_participation(process: Process) -> bool:
    """Once anyone took part (online, on paper, in a workshop, a question or a
    proposal), the level, the method and the options are fixed."""
    if process.id is None:
        return False
    for model in (Participation, Tally, Proposal, Question):
        if db.session.scalar(select(model.id).where(model.process_id == process.id).limit(1)) is not None:
            return True
    return False


def parse_options(text: str) -> list[str]:
    """One option per line; blank lines and repeats dropped."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        label = plain_text(line)[:200]
        if label and label.casefold() not in {s.casefold() for s in seen}:
            seen.append(label)
    return seen


def save_process(actor: User, process: Process, *, title: str, question: str, context: str, decider: str,
                 level: str, method: str, options: list[str], secret: bool, max_choices: Optional[int],
                 opens_at: datetime, closes_at: datetime, answer_by: date, audience: str,
                 communes: list[Commune], qpvs: list[Qpv], verified_only: bool, commune: Optional[Commune],
                 pillar: Optional[Pillar], ambition: Optional[Ambition], decision_rule: str,
                 easy_read: str, may_run_agglomeration: bool, accepts_cards: Optional[bool] = None) -> Process:
    """Create or update a process. `commune` is the commune that runs it
    (None: the agglomeration, which only administrators may run; the view
    says so with `may_run_agglomeration`). Raises ProcessError(code, field)."""
    try:
        level_enum = Level(level)
    except ValueError:
        raise ProcessError("level-invalid", "level") from None
    try:
        method_enum = Method(method)
    except ValueError:
        raise ProcessError("method-invalid", "method") from None
    if method_enum not in LEVEL_METHODS[level_enum]:
        raise ProcessError("method-level", "method")
    if commune is None and not may_run_agglomeration:
        raise ProcessError("commune-required", "commune")
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise ProcessError("closes-before-opening", "closes_at")
    if answer_by is None or answer_by < closes_at.date():
        raise ProcessError("answer-before-closing", "answer_by")
    if audience not in {a.value for a in Audience}:
        raise ProcessError("audience-invalid", "audience")
    if audience == Audience.TERRITORY.value and not communes and not qpvs:
        raise ProcessError("territory-empty", "audience_communes")
    if method_enum.is_ballot:
        if len(options) < MIN_OPTIONS:
            raise ProcessError("options-too-few", "options")
        if len(options) > MAX_OPTIONS:
            raise ProcessError("options-too-many", "options")
    else:
        options = []
    if method_enum is Method.APPROVAL:
        if max_choices is not None and (max_choices < 1 or max_choices > len(options)):
            raise ProcessError("max-choices-invalid", "max_choices")
    else:
        max_choices = None
    if level_enum is not Level.CODECISION:
        secret = False  # only a codécision's ballot may be secret; the others are public, changeable until closing
    title, question, decider = plain_text(title)[:160], plain_text(question)[:300], plain_text(decider)[:160]
    if not title:
        raise ProcessError("title-required", "title")
    if not question:
        raise ProcessError("question-required", "question")
    if not decider:
        raise ProcessError("decider-required", "decider")

    created = process.id is None
    locked = has_participation(process)
    if locked:
        current = [o.label for o in process.options]
        if level_enum.value != process.level or method_enum.value != process.method or options != current:
            raise ProcessError("locked", "level")
    process.title, process.question, process.decider = title, question, decider
    context = (context or "").strip()
    # Typed as plain text (paragraphs by blank lines) or as the HTML it was stored as: cleaned either way.
    process.context = sanitize_html(context if "<" in context else text_to_html(context))
    process.easy_read = (easy_read or "").strip()[:5000]
    process.decision_rule = (decision_rule or "").strip()[:2000] or default_rule(method_enum)
    process.level, process.method = level_enum.value, method_enum.value
    process.secret, process.max_choices = bool(secret), max_choices
    process.opens_at, process.closes_at, process.answer_by = opens_at, closes_at, answer_by
    process.audience = audience
    process.communes = list(communes) if audience == Audience.TERRITORY.value else []
    process.qpvs = list(qpvs) if audience == Audience.TERRITORY.value else []
    process.verified_only = bool(verified_only)
    if accepts_cards is not None:  # printed participation cards (labo.cards): None leaves it as it is
        process.accepts_cards = bool(accepts_cards) and (method_enum is Method.OPINIONS or method_enum.is_ballot)
    process.commune = commune
    process.pillar, process.ambition = pillar, ambition
    if not locked:
        _set_options(process, options)
    if created:
        process.created_by_id = actor.id
        db.session.add(process)
    db.session.flush()
    record_audit(actor, "process.created" if created else "process.updated", "process", process.id,
                 title=process.title, level=process.level, commune=commune.name if commune else "")
    return process


def _set_options(process: Process, labels: list[str]) -> None:
    existing = {o.label: o for o in process.options}
    process.options = [existing.get(label) or Option(label=label) for label in labels]
    for position, option in enumerate(process.options):
        option.position = position


def publish_process(actor: User, process: Process) -> None:
    if process.published:
        return
    process.published = True
    db.session.flush()
    record_audit(actor, "process.published", "process", process.id, title=process.title)


# --- listing --------------------------------------------------------------

LIST_ORDER = {Stage.OPEN: 0, Stage.UPCOMING: 1, Stage.CLOSED: 2, Stage.ANSWERED: 3, Stage.FINISHED: 4, Stage.DRAFT: 5}


def _stage_rank(now: datetime):
    """eligibility.stage() of a published process as SQL, valued as LIST_ORDER."""
    return case(
        (Process.finished_at.is_not(None), LIST_ORDER[Stage.FINISHED]),
        (Process.return_published_at.is_not(None), LIST_ORDER[Stage.ANSWERED]),
        (Process.opens_at > now, LIST_ORDER[Stage.UPCOMING]),
        (Process.closes_at <= now, LIST_ORDER[Stage.CLOSED]),
        else_=LIST_ORDER[Stage.OPEN])


def listed_query(now: datetime, *, level: Optional[str] = None, commune: Optional[Commune] = None,
                 stage_filter: Optional[str] = None):
    """Published processes, open first, then upcoming, then the others, the
    latest opened first within each; `commune` matches the commune that runs
    it, one of its audience's communes or a commune of one of its QPVs."""
    rank = _stage_rank(now)
    query = select(Process).where(Process.published.is_(True))
    if level:
        query = query.where(Process.level == level)
    if commune is not None:
        query = query.where(or_(Process.commune_id == commune.id, Process.communes.any(Commune.id == commune.id),
                                Process.qpvs.any(Qpv.communes.any(Commune.id == commune.id))))
    if stage_filter:
        query = query.where(rank == LIST_ORDER[Stage(stage_filter)])
    return query.order_by(rank, Process.opens_at.desc(), Process.id.desc())


def wanting_opinions_now(now: datetime) -> Optional[Process]:
    """The open process that closes soonest: what the home page puts first."""
    return db.session.scalar(
        select(Process).where(Process.published.is_(True), _stage_rank(now) == LIST_ORDER[Stage.OPEN])
        .order_by(Process.closes_at, Process.id).limit(1))


def list_processes(now: datetime, *, level: Optional[str] = None, commune: Optional[Commune] = None,
                   stage_filter: Optional[str] = None) -> list[Process]:
    """Every process listed_query() finds (the open-data API's list)."""
    return list(db.session.scalars(listed_query(now, level=level, commune=commune, stage_filter=stage_filter)))


def drafts_for(user: User, can_manage) -> list[Process]:
    drafts = db.session.scalars(select(Process).where(Process.published.is_(False)).order_by(Process.id.desc())).unique()
    return [p for p in drafts if can_manage(p)]


# --- taking part ------------------------------------------------------------


def _join(process: Process, user: User) -> tuple[Participation, bool]:
    """The person's participation, made on their first action. Returns it and
    whether it was just made.

    The caller's transaction is committed first and the insert is the first
    statement of the next one (on SQLite, a transaction that has read may not
    write once another writer committed); the UNIQUE constraint, not a check,
    stops a second row however many requests arrive at once. When it does, the
    failed insert already holds the write lock, so reading and updating the
    existing row after it is safe."""
    who = SimpleNamespace(id=user.id, home_commune_id=user.home_commune_id, home_qpv_id=user.home_qpv_id,
                          age_band=user.age_band, is_authenticated=True)
    target = SimpleNamespace(id=process.id)
    db.session.commit()
    try:
        return record_participation(target, who), True
    except ProcessError:
        existing = db.session.scalar(select(Participation).where(
            Participation.process_id == target.id, Participation.user_id == who.id))
        return existing, False


def give_opinion(process: Process, user: User, *, stance: str, comment: str, now: datetime) -> Participation:
    """A consultation's opinion; the same person changes it until closing."""
    if process.method != Method.OPINIONS.value:
        raise ProcessError("wrong-method")
    check_can_take_part(process, user, now)
    try:
        stance_value = Stance(stance).value
    except ValueError:
        raise ProcessError("stance-required", "stance") from None
    comment = (comment or "").strip()[:2000]
    participation, _made = _join(process, user)
    participation.stance, participation.comment = stance_value, comment
    participation.updated_at = utcnow()
    db.session.flush()
    return participation


OPINIONS_SHOWN = 10  # comments per stance on the process's page; the rest on its own pages


@dataclass
class Opinions:
    counts: dict[str, int]  # stance -> how many
    by_stance: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # stance -> latest (pseudonym, comment)
    commented: int = 0  # opinions with a comment, all stances

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _commented(process: Process):
    return (select(Participation.id, Participation.stance, Participation.comment, User.pseudonym)
            .outerjoin(User, User.id == Participation.user_id)
            .where(Participation.process_id == process.id, Participation.stance.is_not(None), HAS_COMMENT)
            .order_by(Participation.created_at.desc(), Participation.id.desc()))


def opinions(process: Process, shown: int = OPINIONS_SHOWN) -> Opinions:
    """Counts per stance, and the latest `shown` comments under each, signed with
    pseudonyms: a consultation of thousands is not read on one page (see
    opinion_comments for all of them). Two statements: the counts, and the
    three short lists together."""
    # Both counts from their indexes alone (ix_participation_process_stance, ix_participation_commented).
    commented = (select(func.count()).select_from(Participation)
                 .where(Participation.process_id == process.id, Participation.stance.is_not(None), HAS_COMMENT)
                 .scalar_subquery())
    rows = db.session.execute(
        select(Participation.stance, func.count(), commented)
        .where(Participation.process_id == process.id, Participation.stance.is_not(None))
        .group_by(Participation.stance)).all()
    counts = {stance: n for stance, n, _commented in rows}
    result = Opinions({s.value: counts.get(s.value, 0) for s in Stance}, {s.value: [] for s in Stance},
                      rows[0][2] if rows else 0)
    latest = [_commented(process).add_columns(Participation.created_at).where(Participation.stance == stance.value)
              .limit(shown).subquery() for stance in Stance if counts.get(stance.value)]
    if latest:
        # Each list is limited in its own subquery (an index walk each); a union does not keep
        # their order, so it is restored here, newest first.
        found = db.session.execute(union_all(*[select(*sub.c) for sub in latest])).all()
        for _id, stance, comment, pseudonym, _at in sorted(found, key=lambda r: (r[4], r[0]), reverse=True):
            result.by_stance[stance].append((pseudonym or str(ERASED_NAME), comment))
    return result


def opinion_comments(process: Process, page: int, per_page: int = 50):
    """Every commented opinion, newest first, one page of them: (stance, pseudonym, comment)."""
    total = db.session.scalar(select(func.count()).select_from(_commented(process).order_by(None).subquery())) or 0
    rows = db.session.execute(_commented(process).limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return Page([(stance, pseudonym or str(ERASED_NAME), comment) for _id, stance, comment, pseudonym in rows],
                max(page, 1), per_page, total)


# information: questions

def ask_question(process: Process, user: User, body: str, now: datetime) -> Question:
    if process.method != Method.QUESTIONS.value:
        raise ProcessError("wrong-method")
    check_can_take_part(process, user, now)
    body = (body or "").strip()
    if not body:
        raise ProcessError("question-body-required", "body")
    if len(body) > 1000:
        raise ProcessError("question-too-long", "body")
    process_id, user_id = process.id, user.id
    _join(process, user)
    question = Question(process_id=process_id, author_id=user_id, body=body)
    db.session.add(question)
    db.session.flush()
    return question


def answer_question(actor: User, question: Question, text: str) -> Question:
    if not (text or "").strip():
        raise ProcessError("answer-required", "answer")
    if clean_rich_text(text) == question.answer:
        return question  # sent again unchanged: its date and author stay
    question.answer = clean_rich_text(text)
    question.answered_at = utcnow()
    question.answered_by_id = actor.id
    db.session.flush()
    record_audit(actor, "process.question_answered", "process", question.process_id, title=question.process.title)
    return question


def set_question_hidden(actor: User, question: Question, hidden: bool) -> None:
    question.hidden = hidden
    db.session.flush()
    record_audit(actor, "process.question_hidden" if hidden else "process.question_restored", "process",
                 question.process_id, title=question.process.title, question=question.body[:200])


def questions(process: Process, *, include_hidden: bool = False) -> list[Question]:
    query = select(Question).where(Question.process_id == process.id)
    if not include_hidden:
        query = query.where(Question.hidden.is_(False))
    # the authors in one query (with their grants, selectin), not two per question
    return list(db.session.scalars(query.options(selectinload(Question.author))
                                   .order_by(Question.created_at, Question.id)))


# concertation: proposals and supports

def make_proposal(process: Process, user: User, *, title: str, body: str, now: datetime) -> Proposal:
    if process.method != Method.PROPOSALS.value:
        raise ProcessError("wrong-method")
    check_can_take_part(process, user, now)
    title = plain_text(title)[:140]
    if not title:
        raise ProcessError("proposal-title-required", "title")
    if not (body or "").strip():
        raise ProcessError("proposal-body-required", "body")
    cleaned = clean_rich_text(body[:5000])
    process_id, user_id = process.id, user.id
    _join(process, user)
    proposal = Proposal(process_id=process_id, author_id=user_id, title=title, body=cleaned)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def support_proposal(process: Process, proposal: Proposal, user: User, now: datetime) -> bool:
    """Support once; True if this call added it (a second click changes nothing)."""
    if proposal.process_id != process.id or proposal.hidden:
        raise ProcessError("proposal-unknown")
    check_can_take_part(process, user, now)
    proposal_id, user_id = proposal.id, user.id
    _join(process, user)
    try:
        with db.session.begin_nested():
            db.session.add(ProposalSupport(proposal_id=proposal_id, user_id=user_id))
    except IntegrityError:
        return False
    return True


DECISIONS = ("retenue", "non_retenue")


def decide_proposal(actor: User, proposal: Proposal, *, decision: str, reason: str) -> Proposal:
    if decision not in DECISIONS:
        raise ProcessError("decision-required", "decision")
    reason = (reason or "").strip()
    if not reason:
        raise ProcessError("reason-required", "reason")
    if (proposal.decision, proposal.reason) == (decision, reason[:2000]):
        return proposal  # sent again unchanged: its date and author stay
    proposal.decision, proposal.reason = decision, reason[:2000]
    proposal.decided_at, proposal.decided_by_id = utcnow(), actor.id
    db.session.flush()
    record_audit(actor, "process.proposal_decided", "process", proposal.process_id, title=proposal.process.title,
                 proposal=proposal.title, decision=decision)
    return proposal


def set_proposal_hidden(actor: User, proposal: Proposal, hidden: bool) -> None:
    proposal.hidden = hidden
    db.session.flush()
    record_audit(actor, "process.proposal_hidden" if hidden else "process.proposal_restored", "process",
                 proposal.process_id, title=proposal.process.title, proposal=proposal.title)


@dataclass
class ProposalRow:
    proposal: Proposal
    supports: int
    supported_by_me: bool


def proposals(process: Process, viewer: Optional[User] = None, *, include_hidden: bool = False) -> list[ProposalRow]:
    """Most supported first."""
    support_count = func.count(ProposalSupport.id)
    query = (select(Proposal, support_count).outerjoin(ProposalSupport, ProposalSupport.proposal_id == Proposal.id)
             .where(Proposal.process_id == process.id).group_by(Proposal.id)
             .options(selectinload(Proposal.author))  # one query for the authors, not two per proposal
             .order_by(support_count.desc(), Proposal.created_at, Proposal.id))
    if not include_hidden:
        query = query.where(Proposal.hidden.is_(False))
    mine: set[int] = set()
    if viewer is not None and viewer.is_authenticated:
        mine = set(db.session.scalars(select(ProposalSupport.proposal_id).join(Proposal).where(
            Proposal.process_id == process.id, ProposalSupport.user_id == viewer.id)))
    return [ProposalRow(p, n, p.id in mine) for p, n in db.session.execute(query).all()]


def unanswered_proposals(process: Process) -> int:
    return db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.process_id == process.id, Proposal.hidden.is_(False), Proposal.decision.is_(None))) or 0


# --- the return and the end -------------------------------------------------


def publish_return(actor: User, process: Process, text: str, now: datetime) -> None:
    """The decider's return, once the process is closed: what was decided and
    how the participation weighed. May be corrected afterwards (audited)."""
    current = stage(process, now)
    if current in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        raise ProcessError("return-not-closed", "return_text")
    if not (text or "").strip():
        raise ProcessError("return-required", "return_text")
    if process.level == Level.CODECISION.value and process.result_published_at is None:
        raise ProcessError("result-first", "return_text")
    first = process.return_published_at is None
    process.return_text = clean_rich_text(text)
    process.return_published_at = process.return_published_at or now
    process.returned_by_id = actor.id
    db.session.flush()
    record_audit(actor, "process.return_published" if first else "process.return_updated", "process", process.id,
                 title=process.title)


def return_is_late(process: Process, today: date) -> bool:
    """Published after its answer-by date, or still missing after it."""
    if process.return_published_at is not None:
        return process.return_published_at.date() > process.answer_by
    return today > process.answer_by and process.published


def finish_process(actor: User, process: Process, now: datetime) -> None:
    """Mark it finished: closed, its return published, and, by level,
    every proposal answered (concertation) or the result published (codécision)."""
    current = stage(process, now)
    if current is Stage.FINISHED:
        return
    if current in (Stage.DRAFT, Stage.UPCOMING, Stage.OPEN):
        raise ProcessError("finish-not-closed")
    if process.level == Level.CODECISION.value and process.result_published_at is None:
        raise ProcessError("finish-needs-result")
    if process.level == Level.CONCERTATION.value and unanswered_proposals(process):
        raise ProcessError("finish-unanswered")
    if process.return_published_at is None:
        raise ProcessError("finish-needs-return")
    process.finished_at = now
    db.session.flush()
    record_audit(actor, "process.finished", "process", process.id, title=process.title)


def participation_count(process: Process) -> int:
    return db.session.scalar(select(func.count()).select_from(Participation)
                             .where(Participation.process_id == process.id)) or 0


@personal_data.exporter
def export_for(user: User) -> dict:
    """The person's part in participation processes, for their download:
    opinions, questions, proposals, supports, open ballots (never a secret
    one: it is linked to no one) and the tally sheets they typed in."""
    ballots = db.session.scalars(select(Ballot).join(Participation, Participation.id == Ballot.participation_id)
                                 .where(Participation.user_id == user.id).order_by(Participation.id))
    return {
        "process_participations": [
            {"process": p.process.title, "stance": p.stance, "comment": p.comment, "created_at": p.created_at.isoformat()}
            for p in db.session.scalars(select(Participation).where(Participation.user_id == user.id).order_by(Participation.id))
        ],
        "process_questions": [
            {"process": q.process.title, "question": q.body, "created_at": q.created_at.isoformat()}
            for q in db.session.scalars(select(Question).where(Question.author_id == user.id).order_by(Question.id))
        ],
        "process_proposals": [
            {"process": p.process.title, "title": p.title, "body": p.body, "created_at": p.created_at.isoformat()}
            for p in db.session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
        ],
        "process_supports": list(db.session.scalars(
            select(ProposalSupport.proposal_id).where(ProposalSupport.user_id == user.id).order_by(ProposalSupport.id))),
        "process_open_ballots": [
            {"process": db.session.get(Process, b.process_id).title,
             "choices": [{"option": c.option.label, "grade": c.grade} for c in b.choices]}
            for b in ballots
        ],
        "process_tallies_entered": [
            {"process": t.process.title, "channel": t.channel, "place": t.place, "held_on": t.held_on.isoformat(),
             "participants": t.participants}
            for t in db.session.scalars(select(Tally).where(Tally.entered_by_id == user.id).order_by(Tally.id))
        ],
    }


# What the audit page says for each action this feature writes.
audit_labels({
    "tally.entered": lambda d: _("Feuille de dépouillement saisie pour « %(name)s » : %(place)s, %(count)s personnes",
            name=d.name, place=d.get("place", ""), count=d.get("participants", "")),
    "tally.deleted": lambda d: _("Feuille de dépouillement retirée de « %(name)s » : %(place)s, %(count)s personnes",
            name=d.name, place=d.get("place", ""), count=d.get("participants", "")),
    "process.result_published": lambda d: _("Résultat publié comme décision : « %(name)s »", name=d.name),
    "process.created": lambda d: _("Démarche ouverte (brouillon) : « %(name)s »", name=d.name),
    "process.updated": lambda d: _("Démarche modifiée : « %(name)s »", name=d.name),
    "process.published": lambda d: _("Démarche publiée : « %(name)s »", name=d.name),
    "process.return_published": lambda d: _("Retour publié : « %(name)s »", name=d.name),
    "process.return_updated": lambda d: _("Retour corrigé : « %(name)s »", name=d.name),
    "process.finished": lambda d: _("Démarche terminée : « %(name)s »", name=d.name),
    "process.question_answered": lambda d: _("Réponse à une question : « %(name)s »", name=d.name),
    "process.question_hidden": lambda d: _("Question masquée : « %(name)s »", name=d.name),
    "process.question_restored": lambda d: _("Question rétablie : « %(name)s »", name=d.name),
    "process.proposal_decided": lambda d: _("Réponse à la proposition « %(target)s » : « %(name)s »",
            name=d.name, target=d.get("proposal", "")),
    "process.proposal_hidden": lambda d: _("Proposition masquée : « %(target)s » (« %(name)s »)",
            name=d.name, target=d.get("proposal", "")),
    "process.proposal_restored": lambda d: _("Proposition rétablie : « %(target)s » (« %(name)s »)",
            name=d.name, target=d.get("proposal", "")),
})
