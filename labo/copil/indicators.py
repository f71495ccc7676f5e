"""The COPIL's figures counted in SQL, free of Flask's request: the Labo's
evaluation indicators over a period, and the processes' participation and
opinions aggregated by commune, QPV, age band and channel.

Every figure here is a count; no query reads a pseudonym, an email or a
per-person row on the way out. Tables about people are marked `people` so
that labo.copil.presentation.suppress_small hides their small groups."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional, Sequence

from sqlalchemy import func, literal, literal_column, select

from labo.accounts.models import AGE_BAND_LABELS, AgeBand, User
from labo.contributions.models import KIND_LABELS, Contribution, Kind, Visibility
from labo.copil.periods import Period
from labo.copil.presentation import Row, Table
from labo.core.db import utcnow
from labo.core.i18n import _l
from labo.core.levels import LEVEL_LABELS, Level
from labo.extensions import db
from labo.fund.services import funded_count
from labo.meetings.models import AUDIENCE_LABELS, Audience, Meeting, MeetingKind, Registration, RegistrationStatus, \
    TrainingAudience
from labo.questionnaires.services import Satisfaction, satisfaction_between
from labo.processes.models import CHANNEL_LABELS, STANCE_LABELS, Channel, Participation, Process, Stance, Tally, TallyLine
from labo.territory.models import Ambition, Commune, Pillar, Qpv
from labo.walks.services import walk_figures
from labo.workshops.services import boards_held

# --- evaluation indicators -------------------------------------------------


@dataclass
class Indicators:
    period: Period
    meetings: int               # collective moments held: the Labo's meetings
    workshops: int              # live workshop boards that someone joined (often held during a meeting)
    per_month: float            # moments per month over the period
    attendances: int            # people present, all meetings added (with an account, walk-ins, paper)
    participants: int           # distinct people present with an account
    newcomers: int              # ... present for the very first time during the period
    returning: int              # ... present at two moments or more during the period
    initiatives: int            # contributions of kind "initiative" (projects initiated by residents)
    tables: list[Table]
    walks: int = 0              # walking diagnostics held (labo/walks)
    findings: int = 0           # ... their findings (those set aside or merged left out)
    findings_answered: int = 0  # ... of which the body they were sent to answered
    trainings: int = 0          # training sessions held (meetings of kind "training")
    funded_projects: int = 0    # the fund's projects granted (decision published) in the period (labo/fund)
    satisfaction: list[Satisfaction] = field(default_factory=list)  # meetings' satisfaction surveys (labo/questionnaires)

    @property
    def residents_projects(self) -> int:
        """"Projets initiés par les habitants": the initiatives and the projects the fund granted."""
        return self.initiatives + self.funded_projects


def _month_label(first: date) -> str:
    return first.strftime("%Y-%m")


# Presence at a meeting, as labo.meetings.services.counts counts it.
PRESENT = (Registration.present.is_(True), Registration.status == RegistrationStatus.CONFIRMED.value)
HELD_AFTER = timedelta(hours=12)  # a meeting begun this long ago is past (labo.meetings.services.past)


def _held(period: Period, now: datetime) -> tuple:
    """The meetings held during the period: past, not cancelled."""
    return (Meeting.starts_at < now - HELD_AFTER, Meeting.cancelled.is_(False),
            Meeting.starts_at >= period.starts_at, Meeting.starts_at < period.ends_before)


@dataclass
class _People:
    participants: int = 0  # distinct people present with an account
    newcomers: int = 0     # ... whose very first presence at the Labo falls in the period
    returning: int = 0     # ... present at two moments or more during the period
    homes: Counter = field(default_factory=Counter)  # participants by home commune id
    ages: Counter = field(default_factory=Counter)   # participants by age band


def _people(period: Period, held_ids) -> _People:
    """The people present with an account at the meetings held (`held_ids`, a
    select), counted in one query by home commune and age band."""
    moments = (select(Registration.user_id, func.count().label("moments"))
               .where(Registration.meeting_id.in_(held_ids), *PRESENT, Registration.user_id.is_not(None))
               .group_by(Registration.user_id).subquery())
    firsts = (select(Registration.user_id, func.min(Meeting.starts_at).label("first"))
              .join(Meeting, Meeting.id == Registration.meeting_id)
              .where(*PRESENT, Meeting.cancelled.is_(False), Registration.user_id.is_not(None))
              .group_by(Registration.user_id).subquery())
    out = _People()
    for home, age, n, new, again in db.session.execute(
            select(User.home_commune_id, User.age_band, func.count(),
                   func.count().filter(firsts.c.first >= period.starts_at, firsts.c.first < period.ends_before),
                   func.count().filter(moments.c.moments >= 2))
            .select_from(moments).join(User, User.id == moments.c.user_id)
            .outerjoin(firsts, firsts.c.user_id == moments.c.user_id)
            .group_by(User.home_commune_id, User.age_band)):
        out.participants += n
        out.newcomers += new
        out.returning += again
        out.homes[home] += n
        out.ages[age] += n
    return out


def _counter_table(found: Counter, labels: dict, unknown: str, key: str, title: str, header: str,
                   order: Optional[list] = None, column: Optional[str] = None, people: bool = True) -> Table:
    keys = order if order is not None else sorted((k for k in found if k in labels), key=lambda k: str(labels[k]))
    rows = [Row(str(labels[k]), [found.get(k, 0)]) for k in keys if k in labels]
    other = sum(n for k, n in found.items() if k not in labels)
    if other:
        rows.append(Row(unknown, [other]))
    return Table(key, title, header, [column or str(_l("Personnes"))], rows, people=people)


def _trained(period: Period, now: datetime) -> tuple[int, Table]:
    """The training sessions held in the period, and the people trained by
    public: each presence at one (with an account or walked in), counted as the
    public the attendance sheet marks when the training has several, else as
    its one public; the paper sheet's count goes to that one public, or to
    "not noted" when there are several."""
    held = [row for row in db.session.execute(
        select(Meeting.id, Meeting.paper_count).where(*_held(period, now), Meeting.kind == MeetingKind.TRAINING.value))]
    ids = [meeting_id for meeting_id, _ in held]
    publics: dict[int, list[str]] = {}
    for meeting_id, audience in db.session.execute(
            select(TrainingAudience.meeting_id, TrainingAudience.audience).where(TrainingAudience.meeting_id.in_(ids))):
        publics.setdefault(meeting_id, []).append(audience)
    order = [a.value for a in Audience]
    for meeting_id in publics:
        publics[meeting_id].sort(key=order.index)
    found: Counter = Counter()
    unknown = str(_l("Public non noté (feuille papier)"))
    for meeting_id, audience, n in db.session.execute(
            select(Registration.meeting_id, Registration.audience, func.count())
            .where(Registration.meeting_id.in_(ids), *PRESENT)
            .group_by(Registration.meeting_id, Registration.audience)):
        own = publics.get(meeting_id) or [Audience.RESIDENT.value]
        found[audience if len(own) > 1 and audience in own else own[0]] += n
    for meeting_id, paper in held:
        own = publics.get(meeting_id) or [Audience.RESIDENT.value]
        found[own[0] if len(own) == 1 else None] += paper or 0
    table = _counter_table(found, {a.value: AUDIENCE_LABELS[a] for a in Audience}, unknown, "formations",
                           str(_l("Personnes formées, par public")), str(_l("Public")), order=order,
                           column=str(_l("Présences")))
    table.note = str(_l("Chaque présence à une formation tenue pendant la période compte une fois."))
    return len(held), table


def _plus_days(moment, days: int):
    """`moment + timedelta(days=days)` in SQL, to the microsecond, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC): move the whole
        # seconds on, keep the fraction, compare as text.
        return func.strftime("%Y-%m-%d %H:%M:%S", moment, f"{days:+d} days").op("||")(func.substr(moment, 20))
    # Seconds, not days: a day of an interval follows the session's time zone across a DST change.
    return moment + literal_column("INTERVAL '1 second'") * literal(days * 86400)


def indicators(period: Period, answer_days: int, now: Optional[datetime] = None) -> Indicators:
    now = now or utcnow()
    held = db.session.execute(select(Meeting.starts_at, Meeting.paper_count).where(*_held(period, now))).all()
    held_ids = select(Meeting.id).where(*_held(period, now))
    present = db.session.scalar(select(func.count(Registration.id))
                                .where(Registration.meeting_id.in_(held_ids), *PRESENT))
    attendances = present + sum(paper or 0 for _, paper in held)
    people = _people(period, held_ids)

    months = period.months()
    per_month_count = Counter(_month_label(starts_at.date()) for starts_at, _ in held)
    workshops = boards_held(period.starts_at, period.ends_before)
    per_month_workshops = Counter(_month_label(b.created_at.date()) for b in workshops)
    moments = Table("moments", str(_l("Moments collectifs par mois")), str(_l("Mois")),
                    [str(_l("Rencontres tenues")), str(_l("Ateliers"))],
                    [Row(_month_label(first), [per_month_count.get(_month_label(first), 0),
                                               per_month_workshops.get(_month_label(first), 0)]) for first in months],
                    people=False,
                    note=str(_l("Ateliers : les tableaux en direct qu'au moins une personne a rejoints. Un atelier se "
                                "tient souvent pendant une rencontre : les deux colonnes ne s'additionnent pas.")))
    participation = Table("participation", str(_l("Participation aux rencontres")), str(_l("Indicateur")),
                          [str(_l("Personnes"))], [
                              Row(str(_l("Présences (avec ou sans compte, et sur papier)")), [attendances]),
                              Row(str(_l("Personnes venues avec un compte")), [people.participants]),
                              Row(str(_l("dont nouvelles (première venue au Labo)")), [people.newcomers]),
                              Row(str(_l("dont revenues (deux moments ou plus)")), [people.returning]),
                          ], totals=False,
                          note=str(_l("Les personnes venues sans compte ou comptées sur papier ne peuvent pas être "
                                      "suivies d'une rencontre à l'autre.")))
    communes = dict(db.session.execute(select(Commune.id, Commune.name)).all())
    by_commune = _counter_table(people.homes, communes, str(_l("Commune non indiquée")),
                                "communes", str(_l("Diversité : commune d'habitation")), str(_l("Commune")))
    by_commune.rows.sort(key=lambda r: (r.label == str(_l("Commune non indiquée")), -r.values[0], r.label))
    by_age = _counter_table(people.ages, {b.value: AGE_BAND_LABELS[b] for b in AgeBand}, str(_l("Âge non indiqué")),
                            "ages", str(_l("Diversité : tranche d'âge")), str(_l("Tranche d'âge")),
                            order=[b.value for b in AgeBand])

    trainings, trained = _trained(period, now)

    kinds, themes, contribution_returns = _contributions(period, answer_days, now)
    by_kind = _counter_table(kinds, {k.value: KIND_LABELS[k] for k in Kind}, str(_l("Autre")), "contributions",
                             str(_l("Contributions par nature")), str(_l("Nature")), order=[k.value for k in Kind],
                             column=str(_l("Contributions")), people=False)
    by_theme = Table("themes", str(_l("Contributions par thème")), str(_l("Thème")), [str(_l("Contributions"))],
                     sorted((Row(label or str(_l("Sans thème")), [n]) for label, n in themes.items()),
                            key=lambda r: (r.label == str(_l("Sans thème")), -r.values[0], r.label)),
                     people=False)
    returns = Table("returns", str(_l("Retours publiés dans les délais")), str(_l("Sujet")),
                    [str(_l("Dans les délais")), str(_l("En retard")), str(_l("Sans retour, délai dépassé")),
                     str(_l("Délai pas encore échu"))],
                    [Row(str(_l("Contributions (réponse sous %(days)s jours)", days=answer_days)),
                         contribution_returns),
                     Row(str(_l("Démarches (retour avant la date annoncée)")), _process_returns(period, now))],
                    people=False)
    levels = Counter(dict(db.session.execute(
        select(Process.level, func.count(Process.id))
        .where(Process.published.is_(True), Process.opens_at >= period.starts_at,
               Process.opens_at < period.ends_before).group_by(Process.level)).all()))
    by_level = _counter_table(levels, {lv.value: LEVEL_LABELS[lv] for lv in Level}, str(_l("Autre")), "levels",
                              str(_l("Démarches ouvertes, par niveau de participation")), str(_l("Niveau")),
                              order=[lv.value for lv in Level], column=str(_l("Démarches")), people=False)
    walks, findings, findings_answered = walk_figures(period.starts_at, period.ends_before, now)
    return Indicators(
        walks=walks, findings=findings, findings_answered=findings_answered,
        period=period, meetings=len(held), workshops=len(workshops), per_month=round(len(held) / max(len(months), 1), 2),
        attendances=attendances, participants=people.participants, newcomers=people.newcomers,
        returning=people.returning,
        initiatives=kinds.get(Kind.INITIATIVE.value, 0),
        tables=[moments, participation, trained, by_commune, by_age, by_kind, by_theme, returns, by_level],
        trainings=trainings,
        funded_projects=funded_count(period.starts_at, period.ends_before),
        satisfaction=satisfaction_between(period.starts_at, period.ends_before),
    )


def _contributions(period: Period, answer_days: int, now: datetime) -> tuple[Counter, Counter, list[int]]:
    """The contributions published during the period, in one pass: by kind, by
    theme (the ambition's title, else the pillar's, else ""), and how many were
    answered in time, late, not answered with the delay over, not answered yet
    with time left."""
    created, answered = Contribution.created_at, Contribution.answered_at
    deadline = _plus_days(created, answer_days)
    overdue = now - timedelta(days=answer_days)
    kinds: Counter = Counter()
    by_ids: Counter = Counter()
    returns = [0, 0, 0, 0]
    for kind, pillar_id, ambition_id, n, *split in db.session.execute(
            select(Contribution.kind, Contribution.pillar_id, Contribution.ambition_id, func.count(),
                   func.count().filter(answered.is_not(None), answered <= deadline),
                   func.count().filter(answered.is_not(None), answered > deadline),
                   func.count().filter(answered.is_(None), created < overdue),
                   func.count().filter(answered.is_(None), created >= overdue))
            .where(Contribution.visibility == Visibility.PUBLISHED.value,
                   created >= period.starts_at, created < period.ends_before)
            .group_by(Contribution.kind, Contribution.pillar_id, Contribution.ambition_id)):
        kinds[kind] += n
        by_ids[(pillar_id, ambition_id)] += n
        returns = [a + b for a, b in zip(returns, split)]
    pillars = dict(db.session.execute(select(Pillar.id, Pillar.title)).all()) if by_ids else {}
    ambitions = dict(db.session.execute(select(Ambition.id, Ambition.title)).all()) if by_ids else {}
    themes: Counter = Counter()
    for (pillar_id, ambition_id), n in by_ids.items():
        themes[ambitions.get(ambition_id) or pillars.get(pillar_id) or ""] += n
    return kinds, themes, returns


def _process_returns(period: Period, now: datetime) -> list[int]:
    on_time = late = missing = pending = 0
    for answer_by, published_at in db.session.execute(
            select(Process.answer_by, Process.return_published_at)
            .where(Process.published.is_(True), Process.answer_by >= period.start,
                   Process.answer_by <= period.end)):
        if published_at is not None:
            if published_at.date() <= answer_by:
                on_time += 1
            else:
                late += 1
        elif now.date() > answer_by:
            missing += 1
        else:
            pending += 1
    return [on_time, late, missing, pending]


# --- the processes' aggregated participation and opinions ------------------


def processes_in(period: Period) -> list[Process]:
    """Published processes open at some time during the period, newest first."""
    return list(db.session.scalars(
        select(Process).where(Process.published.is_(True), Process.opens_at < period.ends_before,
                              Process.closes_at >= period.starts_at)
        .order_by(Process.opens_at.desc(), Process.id.desc())))


def _channel_totals(process_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """(process id, channel) → participants."""
    out: Counter = Counter()
    if not process_ids:
        return out
    for pid, channel, n in db.session.execute(
            select(Participation.process_id, Participation.channel, func.count())  # online, or a printed card
            .where(Participation.process_id.in_(process_ids)).group_by(Participation.process_id, Participation.channel)):
        out[(pid, channel)] += n
    for pid, channel, n in db.session.execute(
            select(Tally.process_id, Tally.channel, func.sum(Tally.participants))
            .where(Tally.process_id.in_(process_ids)).group_by(Tally.process_id, Tally.channel)):
        out[(pid, channel)] += int(n or 0)
    return out


def participation_table(processes: Sequence[Process]) -> Table:
    """One row per process: how many took part online, on paper, in a workshop."""
    totals = _channel_totals([p.id for p in processes])
    channels = list(Channel)
    return Table("demarches", str(_l("Participation par démarche")), str(_l("Démarche")),
                 [str(CHANNEL_LABELS[c]) for c in channels],
                 [Row(p.title, [totals.get((p.id, c.value), 0) for c in channels], key=p.id) for p in processes])


STANCES = list(Stance)


def _columns(with_stances: bool) -> list[str]:
    if with_stances:
        return [str(STANCE_LABELS[s]) for s in STANCES] + [str(_l("Autre participation"))]
    return [str(_l("Participations"))]


def _split(stance: Optional[str], with_stances: bool) -> int:
    if not with_stances:
        return 0
    values = [s.value for s in STANCES]
    return values.index(stance) if stance in values else len(values)


def opinion_tables(process_ids: Sequence[int], with_stances: bool) -> list[Table]:
    """Participations (and opinions, favourable / reserved / unfavourable,
    when `with_stances`) by commune, QPV and age band (online: these are
    known from the participant's account) and by channel (tallies too)."""
    width = len(_columns(with_stances))
    ids = list(process_ids)
    by_commune: dict[Optional[int], list[int]] = {}
    by_qpv: dict[Optional[int], list[int]] = {}
    by_age: dict[Optional[str], list[int]] = {}
    by_channel: dict[str, list[int]] = {c.value: [0] * width for c in Channel}
    if ids:
        for commune_id, qpv_id, age_band, stance, channel, n in db.session.execute(
                select(Participation.commune_id, Participation.qpv_id, Participation.age_band, Participation.stance,
                       Participation.channel, func.count(Participation.id))
                .where(Participation.process_id.in_(ids))
                .group_by(Participation.commune_id, Participation.qpv_id, Participation.age_band,
                          Participation.stance, Participation.channel)):
            col = _split(stance, with_stances)
            for bucket, key in ((by_commune, commune_id), (by_qpv, qpv_id), (by_age, age_band)):
                bucket.setdefault(key, [0] * width)[col] += n
            by_channel[channel][col] += n  # online, or a printed card
        tallies = db.session.execute(
            select(Tally.id, Tally.channel, Tally.participants).where(Tally.process_id.in_(ids))).all()
        stance_counts: dict[int, Counter] = {}
        if with_stances and tallies:
            for tally_id, stance, n in db.session.execute(
                    select(TallyLine.tally_id, TallyLine.stance, func.sum(TallyLine.count))
                    .where(TallyLine.tally_id.in_([t[0] for t in tallies]), TallyLine.stance.is_not(None))
                    .group_by(TallyLine.tally_id, TallyLine.stance)):
                stance_counts.setdefault(tally_id, Counter())[stance] += int(n or 0)
        for tally_id, channel, participants in tallies:
            line = by_channel.setdefault(channel, [0] * width)
            given = 0
            for stance, n in stance_counts.get(tally_id, {}).items():
                line[_split(stance, True)] += n
                given += n
            line[width - 1] += max(participants - given, 0)
    columns = _columns(with_stances)
    communes = {c.id: c.name for c in db.session.scalars(select(Commune))}
    qpvs = {q.id: q.name for q in db.session.scalars(select(Qpv))}
    bands = {b.value: str(AGE_BAND_LABELS[b]) for b in AgeBand}

    def rows(bucket: dict, labels: dict, unknown: str, order: Optional[list] = None) -> list[Row]:
        keys = order if order is not None else sorted((k for k in bucket if k in labels), key=lambda k: labels[k])
        out = [Row(labels[k], bucket[k]) for k in keys if k in bucket and k in labels]
        rest = [0] * width
        for k, values in bucket.items():
            if k not in labels:
                rest = [a + b for a, b in zip(rest, values)]
        if any(rest):
            out.append(Row(unknown, rest))
        return out

    title = (lambda what: str(_l("Avis par %(what)s", what=what))) if with_stances else \
        (lambda what: str(_l("Participation par %(what)s", what=what)))
    online = str(_l("En ligne seulement : les feuilles papier et d'atelier ne disent ni commune, ni quartier, ni âge."))
    return [
        Table("canal", title(_l("canal")), str(_l("Canal")), columns,
              [Row(str(CHANNEL_LABELS[c]), by_channel[c.value]) for c in Channel]),
        Table("commune", title(_l("commune")), str(_l("Commune")), columns,
              rows(by_commune, communes, str(_l("Commune non indiquée"))), note=online),
        Table("qpv", title(_l("quartier prioritaire (QPV)")), str(_l("Quartier")), columns,
              rows(by_qpv, qpvs, str(_l("Hors QPV ou non indiqué"))), note=online),
        Table("age", title(_l("tranche d'âge")), str(_l("Tranche d'âge")), columns,
              rows(by_age, bands, str(_l("Âge non indiqué")), order=[b.value for b in AgeBand]), note=online),
    ]


def processes_by_id(ids: Sequence[int]) -> list[Process]:
    """The processes of these ids, in this order (any deleted since left out)."""
    found = {p.id: p for p in db.session.scalars(select(Process).where(Process.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]
