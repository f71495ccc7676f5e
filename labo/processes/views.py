"""Pages of the participation processes: list, detail at each level, opening and managing them."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from labo.core.dates import format_day as spoken_day
from labo.core.dates import from_local, to_local
from labo.core.db import utcnow
from labo.core.forms import ActionForm, carry_out, edit_form
from labo.core.i18n import _, _l
from labo.core.levels import Level, level_choices
from labo.core.limits import per_person, write_limit
from labo.core.pagination import paginate
from labo.core.sanitize import rich_text_as_typed
from labo.core.urls import page_number
from labo.extensions import db, limiter
from labo.permissions import authorize, can
from labo.processes import eligibility, services
from labo.processes.ballots import counted_in_tallies, frozen_result
from labo.processes.forms import (
    QuestionAnswerForm,
    DecideForm,
    ERROR_MESSAGES,
    ProcessFilterForm,
    OpinionForm,
    ProcessForm,
    ProposalForm,
    QuestionForm,
    ReturnForm,
)
from labo.processes.models import Audience, LEVEL_METHODS, METHOD_LABELS, Method, Process, Proposal, Question, Stance
from labo.processes.eligibility import ProcessError, Stage
from labo.territory.services import get_commune, list_communes, list_qpvs, resolve_theme, theme_choices

bp = Blueprint("processes", __name__, url_prefix="/demarches")

STAGE_LABELS = {
    Stage.DRAFT: _l("Brouillon"),
    Stage.UPCOMING: _l("À venir"),
    Stage.OPEN: _l("En cours"),
    Stage.CLOSED: _l("Close, en attente du retour"),
    Stage.ANSWERED: _l("Retour publié"),
    Stage.FINISHED: _l("Terminée"),
}


def get_process(process_id: int) -> Process:
    process = db.get_or_404(Process, process_id, options=[joinedload(Process.pillar), joinedload(Process.ambition)])
    if not can(current_user, "process.view", process):
        abort(404)
    return process


def _manageable(process: Process) -> Process:
    authorize("process.manage", process)
    return process


# --- reading ----------------------------------------------------------------


@bp.route("/")
def index():
    now = utcnow()
    form = ProcessFilterForm(request.args)
    form.level.choices = level_choices(_("Tous"))
    communes = list_communes()
    form.commune.choices = [("", _("Toutes"))] + [(c.slug, c.name) for c in communes]
    form.stage.choices = [("", _("Toutes"))] + [(s.value, STAGE_LABELS[s]) for s in Stage if s is not Stage.DRAFT]
    values = {name: (getattr(form, name).data or None) for name in ("level", "commune", "stage")}
    for name, value in list(values.items()):
        if value and value not in {c[0] for c in getattr(form, name).choices}:
            values[name] = None
    commune = next((c for c in communes if c.slug == values["commune"]), None)
    page = paginate(services.listed_query(now, level=values["level"], commune=commune, stage_filter=values["stage"]),
                    Process.id, count_key=("processes", *values.values()), page=page_number(),
                    per_page=current_app.config["LABO_PER_PAGE"], max_per_page=50)
    drafts = []
    if current_user.is_authenticated and can(current_user, "process.create"):
        drafts = services.drafts_for(current_user, lambda p: can(current_user, "process.manage", p))
    return render_template("processes/index.html", form=form, page=page, drafts=drafts,
                           filters={k: v for k, v in values.items() if v},
                           stage_of=lambda p: eligibility.stage(p, now), stage_labels=STAGE_LABELS,
                           filtered=any(values.values()), creator=can(current_user, "process.create"))


def _level_sentence(process: Process) -> str:
    """One plain sentence: the level, what it means for the participant, who decides, by when."""
    answer_by = format_day(process.answer_by)
    level = process.level_enum
    if level is Level.INFORMATION:
        return _("Information : on vous explique ce qui est prévu et vous pouvez poser vos questions ; c'est "
                 "%(decider)s qui décide, et qui vous répond publiquement.", decider=process.decider)
    if level is Level.CONSULTATION:
        return _("Consultation : on vous demande votre avis ; c'est %(decider)s qui décide, et qui publiera sa "
                 "réponse avant le %(date)s.", decider=process.decider, date=answer_by)
    if level is Level.CONCERTATION:
        return _("Concertation : vous faites des propositions et soutenez celles des autres ; c'est %(decider)s qui "
                 "décide, et qui répondra à chaque proposition avant le %(date)s.", decider=process.decider, date=answer_by)
    return _("Codécision : le résultat du vote, compté selon la règle annoncée, est la décision ; %(decider)s "
             "s'engage à l'appliquer.", decider=process.decider)


def format_day(value) -> str:
    return spoken_day(value)


def _detail_context(process: Process, **forms):
    now = utcnow()
    current = eligibility.stage(process, now)
    manager = can(current_user, "process.manage", process)
    user = current_user if current_user.is_authenticated else None
    refusal = eligibility.refusal(process, current_user, now)
    mine = eligibility.participation_of(process, current_user)
    method = process.method_enum
    context = dict(
        process=process, stage=current, stage_label=STAGE_LABELS[current], manager=manager, refusal=refusal,
        refusal_message=ERROR_MESSAGES.get(refusal) if refusal else None, mine=mine, level_sentence=_level_sentence(process),
        late=services.return_is_late(process, now.date()), action_form=ActionForm(formdata=None),
        method_label=METHOD_LABELS[method], participants=services.participation_count(process),
        result_frozen=_frozen_result(process), results_url=_results_url(process),
    )
    if method is Method.OPINIONS:
        context["opinions"] = services.opinions(process)
        context["stances"] = list(Stance)
        context["opinion_form"] = forms.get("opinion_form") or OpinionForm(
            formdata=None, data={"stance": mine.stance, "comment": mine.comment} if mine and mine.stance else None)
    elif method is Method.QUESTIONS:
        context["questions"] = services.questions(process, include_hidden=manager)
        context["question_form"] = forms.get("question_form") or QuestionForm(formdata=None)
    elif method is Method.PROPOSALS:
        context["proposals"] = services.proposals(process, user, include_hidden=manager)
        context["proposal_form"] = forms.get("proposal_form") or ProposalForm(formdata=None)
    return context


def _results_url(process: Process):
    """The results page, for what can be counted: ballots and opinions."""
    return url_for("ballots.results", process_id=process.id) if counted_in_tallies(process) else None


def _frozen_result(process: Process):
    return frozen_result(process) if process.result_published_at is not None else None


@bp.route("/<id:process_id>")
def detail(process_id: int):
    process = get_process(process_id)
    return render_template("processes/detail.html", **_detail_context(process))


def _refused(process: Process, error: ProcessError, form=None, **forms):
    """A refusal shown on the page, with a 4xx: 403 for who may not, 409 for when."""
    db.session.rollback()
    message = ERROR_MESSAGES.get(error.code, error.code)
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [message]
        status = 422
    else:
        flash(message, "error")
        status = {"login": 401, "territory": 403, "verified": 403, "draft": 404}.get(error.code, 409)
    return render_template("processes/detail.html", **_detail_context(process, **forms)), status


def _check_open(process: Process):
    """Refuse a POST that cannot succeed before reading its form."""
    code = eligibility.refusal(process, current_user, utcnow())
    if code:
        return _refused(process, ProcessError(code))
    return None


# --- taking part --------------------------------------------------------------


def _take_part(process_id: int, form_class, form_name: str, act, success: str, anchor: str):
    """One way of taking part, posted from the process's page: the form is
    shown again with its errors (422) or the rules' refusal (4xx)."""
    process = get_process(process_id)
    refused = _check_open(process)
    if refused:
        return refused
    form = form_class()
    if not form.validate_on_submit():
        if not form.errors:
            abort(400)
        return render_template("processes/detail.html", **_detail_context(process, **{form_name: form})), 422
    try:
        act(process, form)
    except ProcessError as error:
        return _refused(process, error, form, **{form_name: form})
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("processes.detail", process_id=process_id) + anchor)


@bp.route("/<id:process_id>/avis")
def opinion_list(process_id: int):
    """Every commented opinion of a consultation, 50 a page, newest first."""
    process = get_process(process_id)
    if process.method_enum is not Method.OPINIONS:
        abort(404)
    page = services.opinion_comments(process, page_number())
    labels = {s.value: s.label for s in Stance}
    return render_template("processes/opinions.html", process=process, page=page, labels=labels)


@bp.route("/<id:process_id>/avis", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def give_opinion(process_id: int):
    return _take_part(
        process_id, OpinionForm, "opinion_form",
        lambda process, form: services.give_opinion(process, current_user, stance=form.stance.data,
                                                    comment=form.comment.data or "", now=utcnow()),
        _("Votre avis est enregistré. Vous pouvez le changer jusqu'à la clôture."), "#avis")


@bp.route("/<id:process_id>/questions", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def ask(process_id: int):
    return _take_part(
        process_id, QuestionForm, "question_form",
        lambda process, form: services.ask_question(process, current_user, form.body.data, utcnow()),
        _("Votre question est publiée. La réponse s'affichera en dessous."), "#questions")


@bp.route("/<id:process_id>/propositions", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def propose(process_id: int):
    return _take_part(
        process_id, ProposalForm, "proposal_form",
        lambda process, form: services.make_proposal(process, current_user, title=form.title.data,
                                                     body=form.body.data, now=utcnow()),
        _("Votre proposition est publiée."), "#propositions")


def _get_proposal(process: Process, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.process_id != process.id:
        abort(404)
    return proposal


def _get_question(process: Process, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.process_id != process.id:
        abort(404)
    return question


@bp.route("/<id:process_id>/propositions/<id:proposal_id>/soutenir", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def support(process_id: int, proposal_id: int):
    process = get_process(process_id)
    proposal = _get_proposal(process, proposal_id)
    refused = _check_open(process)
    if refused:
        return refused
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = services.support_proposal(process, proposal, current_user, utcnow())
    except ProcessError as error:
        return _refused(process, error)
    db.session.commit()
    flash(_("Votre soutien est compté.") if added else _("Vous soutenez déjà cette proposition."), "success")
    return redirect(url_for("processes.detail", process_id=process_id) + f"#proposition-{proposal_id}")


# --- opening and editing --------------------------------------------------------


def _commune_choices() -> list[tuple[str, str]]:
    whole = [("", _("Toute l'agglomération (CALL)"))] if can(current_user, "process.run_in", None) else []
    return whole + [(str(c.id), c.name) for c in list_communes() if can(current_user, "process.run_in", c)]


def _theme_of(process: Process) -> str:
    if process.ambition is not None:
        return process.ambition.slug
    if process.pillar is not None:
        return f"p{process.pillar.number}"
    return ""


@bp.route("/nouvelle", methods=["GET", "POST"], defaults={"process_id": None})
@bp.route("/<id:process_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(process_id: int | None):
    if process_id is None:
        authorize("process.create")
        process = Process()
        start = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        form = ProcessForm(data={"opens_at": to_local(start), "closes_at": to_local(start + timedelta(days=21)),
                                 "answer_by": (start + timedelta(days=60)).date(), "level": Level.CONSULTATION.value,
                                 "method": Method.OPINIONS.value, "secret": True})
    else:
        process = db.get_or_404(Process, process_id)
        _manageable(process)
        form = edit_form(ProcessForm, process, commune=str(process.commune_id or ""), theme=_theme_of(process),
                         options="\n".join(o.label for o in process.options),
                         audience_communes=[c.id for c in process.communes], audience_qpvs=[q.id for q in process.qpvs],
                         opens_at=to_local(process.opens_at), closes_at=to_local(process.closes_at))
    locked = services.has_participation(process)
    form.commune.choices = _commune_choices()
    form.level.choices = [(lv.value, f"{lv.label} — {lv.power}") for lv in Level]
    form.method.choices = [(m.value, f"{m.label} ({', '.join(lv.label for lv in Level if m in LEVEL_METHODS[lv])})")
                           for m in Method]
    communes, qpvs = list_communes(), list_qpvs()
    form.audience_communes.choices = [(c.id, c.name) for c in communes]
    form.audience_qpvs.choices = [(q.id, q.name) for q in qpvs]
    form.theme.choices = theme_choices(_("Aucun"))
    status = 200
    if form.validate_on_submit():
        pillar, ambition = resolve_theme(form.theme.data)
        chosen_communes = set(form.audience_communes.data or [])
        chosen_qpvs = set(form.audience_qpvs.data or [])
        commune = get_commune(form.commune.data)
        if commune is not None and form.commune.data not in {c[0] for c in form.commune.choices}:
            abort(403)
        saved = carry_out(
            lambda: services.save_process(
                current_user, process, title=form.title.data, question=form.question.data,
                context=form.context.data or "", decider=form.decider.data, level=form.level.data,
                method=form.method.data, options=services.parse_options(form.options.data or ""),
                secret=form.secret.data, max_choices=form.max_choices.data,
                opens_at=from_local(form.opens_at.data), closes_at=from_local(form.closes_at.data),
                answer_by=form.answer_by.data, audience=form.audience.data or Audience.EVERYONE.value,
                communes=[c for c in communes if c.id in chosen_communes],
                qpvs=[q for q in qpvs if q.id in chosen_qpvs], verified_only=form.verified_only.data,
                accepts_cards=form.accepts_cards.data,
                commune=commune, pillar=pillar, ambition=ambition, decision_rule=form.decision_rule.data or "",
                easy_read=form.easy_read.data or "", may_run_agglomeration=can(current_user, "process.run_in", None),
            ),
            form, ERROR_MESSAGES, _("La démarche est enregistrée."))
        if saved:
            return redirect(url_for("processes.manage", process_id=process.id))
        status = 422
    elif form.is_submitted():
        status = 422
    title = _("Ouvrir une démarche") if process_id is None else _("Modifier la démarche")
    return render_template("processes/edit.html", form=form, title=title, process=process, locked=locked,
                           default_rules=[(m.label, services.default_rule(m)) for m in Method]), status


@bp.route("/<id:process_id>/gestion")
@login_required
def manage(process_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    return _manage_page(process)


def _manage_page(process: Process, *, return_form=None, answer_forms=None, decide_forms=None, status: int = 200):
    now = utcnow()
    manager_questions = services.questions(process, include_hidden=True) if process.method == Method.QUESTIONS.value else []
    manager_proposals = (services.proposals(process, None, include_hidden=True)
                         if process.method == Method.PROPOSALS.value else [])
    return render_template(
        "processes/manage.html", process=process, stage=eligibility.stage(process, now),
        stage_label=STAGE_LABELS[eligibility.stage(process, now)], questions=manager_questions, proposals=manager_proposals,
        return_form=return_form or ReturnForm(formdata=None, data={"return_text": rich_text_as_typed(process.return_text)}),
        answer_forms=answer_forms or {}, decide_forms=decide_forms or {}, action_form=ActionForm(formdata=None),
        late=services.return_is_late(process, now.date()), unanswered=services.unanswered_proposals(process),
        participants=services.participation_count(process), result_frozen=_frozen_result(process),
        results_url=_results_url(process),
        answer_form_for=lambda q: QuestionAnswerForm(formdata=None, prefix=f"q{q.id}", data={"answer": rich_text_as_typed(q.answer)}),
        decide_form_for=lambda p: DecideForm(formdata=None, prefix=f"p{p.id}",
                                             data={"decision": p.decision, "reason": p.reason}),
    ), status



def _manage_action(process_id: int, action, success: str, *, anchor: str = ""):
    process = _manageable(db.get_or_404(Process, process_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    if not carry_out(lambda: action(process), None, ERROR_MESSAGES, success):
        return _manage_page(process, status=409)
    return redirect(url_for("processes.manage", process_id=process_id) + anchor)


@bp.route("/<id:process_id>/publier", methods=["POST"])
@login_required
def publish(process_id: int):
    return _manage_action(process_id, lambda p: services.publish_process(current_user, p),
                          _("La démarche est publiée."))


@bp.route("/<id:process_id>/terminer", methods=["POST"])
@login_required
def finish(process_id: int):
    return _manage_action(process_id, lambda p: services.finish_process(current_user, p, utcnow()),
                          _("La démarche est terminée."))


@bp.route("/<id:process_id>/retour", methods=["POST"])
@login_required
def publish_return(process_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    form = ReturnForm()
    if form.validate_on_submit():
        if not carry_out(lambda: services.publish_return(current_user, process, form.return_text.data, utcnow()),
                         form, ERROR_MESSAGES, _("Le retour est publié.")):
            return _manage_page(process, return_form=form, status=409)
        return redirect(url_for("processes.detail", process_id=process_id) + "#retour")
    if not form.errors:
        abort(400)
    return _manage_page(process, return_form=form, status=422)


@bp.route("/<id:process_id>/questions/<id:question_id>/reponse", methods=["POST"])
@login_required
def answer(process_id: int, question_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    question = _get_question(process, question_id)
    form = QuestionAnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit():
        services.answer_question(current_user, question, form.answer.data)
        db.session.commit()
        flash(_("La réponse est publiée."), "success")
        return redirect(url_for("processes.manage", process_id=process_id) + f"#question-{question.id}")
    if not form.errors:
        abort(400)
    return _manage_page(process, answer_forms={question.id: form}, status=422)


@bp.route("/<id:process_id>/questions/<id:question_id>/masquer", methods=["POST"])
@login_required
def hide_question(process_id: int, question_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    question = _get_question(process, question_id)
    hidden = request.form.get("hidden") != "0"
    return _manage_action(process_id, lambda p: services.set_question_hidden(current_user, question, hidden),
                          _("La question est masquée.") if hidden else _("La question est de nouveau visible."),
                          anchor=f"#question-{question.id}")


@bp.route("/<id:process_id>/propositions/<id:proposal_id>/reponse", methods=["POST"])
@login_required
def decide(process_id: int, proposal_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    proposal = _get_proposal(process, proposal_id)
    form = DecideForm(prefix=f"p{proposal.id}")
    if form.validate_on_submit():
        if carry_out(lambda: services.decide_proposal(current_user, proposal, decision=form.decision.data,
                                                      reason=form.reason.data),
                     form, ERROR_MESSAGES, _("La réponse à la proposition est publiée.")):
            return redirect(url_for("processes.manage", process_id=process_id) + f"#proposition-{proposal.id}")
    elif not form.errors:
        abort(400)
    return _manage_page(process, decide_forms={proposal.id: form}, status=422)


@bp.route("/<id:process_id>/propositions/<id:proposal_id>/masquer", methods=["POST"])
@login_required
def hide_proposal(process_id: int, proposal_id: int):
    process = _manageable(db.get_or_404(Process, process_id))
    proposal = _get_proposal(process, proposal_id)
    hidden = request.form.get("hidden") != "0"
    return _manage_action(process_id, lambda p: services.set_proposal_hidden(current_user, proposal, hidden),
                          _("La proposition est masquée.") if hidden else _("La proposition est de nouveau visible."),
                          anchor=f"#proposition-{proposal.id}")
