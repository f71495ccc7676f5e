"""Questionnaires' pages: the list; the page where people answer (with an
account, or without anything when allowed, one answer per device then); the
manager's pages, made for a phone (the questionnaire, its questions added,
edited, moved and removed one screen at a time, opened and closed); the
paper entry ("Enregistrer et saisir la suivante"); the door survey (works
offline with static/js/door.js); the results, their CSV and a printable summary."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from typing import Optional

from flask import (Blueprint, Response as HttpResponse, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from labo.accounts.models import AGE_BAND_LABELS
from labo.cards import services as cards
from labo.core.db import utcnow
from labo.core.forms import ActionForm, carry_out
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.spreadsheet import csv_bytes
from labo.extensions import db, limiter
from labo.permissions import authorize, can, places_in_commune
from labo.questionnaires import services
from labo.questionnaires.forms import (ANSWER_MESSAGES, ERROR_MESSAGES, NewQuestionnaireForm, QuestionForm,
                                       QuestionnaireForm)
from labo.questionnaires.models import SCALE_WORDS, STATE_LABELS, Channel, QuestionnaireQuestion, Questionnaire, State
from labo.territory.models import Commune, Qpv
from labo.territory.services import commune_options, qpv_options

bp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")

DEVICE_COOKIE = "labo_questionnaires"  # the questionnaires this device answered without an account (signed)
DEVICE_COOKIE_DAYS = 365


def _questionnaires_here(meeting=None, process=None) -> dict:
    """For a meeting's or a process's page (templates/questionnaires/_on_page.html): its
    questionnaires, and where its managers make one (the satisfaction template for a meeting)."""
    source = meeting if meeting is not None else process
    new_url = None
    if source is not None and can(current_user, "questionnaire.create") and places_in_commune(current_user,
                                                                                                source.commune):
        new_url = (url_for("questionnaires.new", rencontre=meeting.id) if meeting is not None
                   else url_for("questionnaires.new", demarche=process.id))
    return {"asked": services.questionnaires_of(meeting=meeting, process=process), "new_url": new_url}


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"questionnaire_state_labels": STATE_LABELS, "labo_questionnaires_here": _questionnaires_here}


def get_questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = services.get_questionnaire(questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def get_question(questionnaire: Questionnaire, question_id: int) -> QuestionnaireQuestion:
    question = services.get_question(questionnaire, question_id)
    if question is None:
        abort(404)
    return question


def guest_limit() -> str:
    return current_app.config["LABO_GUEST_POST_RATE_LIMIT"]


def per_address() -> str:
    return "guest:" + (request.remote_addr or "?")


# --- the per-device guard (answers without an account) ------------------------------


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="labo-questionnaires-device")


def device_answered() -> list[int]:
    try:
        ids = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadData:
        return []
    return [i for i in ids if isinstance(i, int)][:200] if isinstance(ids, list) else []


def _remember_on_device(response, questionnaire_id: int):
    ids = [questionnaire_id] + [i for i in device_answered() if i != questionnaire_id]
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(ids[:200]), max_age=DEVICE_COOKIE_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        path="/")
    return response


def _started_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="labo-questionnaire-form")


def _too_fast() -> bool:
    """Sent sooner than a person could read the questions: a robot, or a form sent twice in a hurry."""
    try:
        started = _started_serializer().loads(request.form.get("started", ""), max_age=7 * 86400)
    except BadData:
        return True
    return not isinstance(started, (int, float)) or time.time() - started < current_app.config["LABO_GUEST_MIN_SECONDS"]


# --- reading the answers' form -----------------------------------------------------------


def _posted_answers(questionnaire: Questionnaire) -> dict[int, list[str]]:
    return {q.id: [v[:1000] for v in request.form.getlist(f"q{q.id}")][:20] for q in questionnaire.questions}


def _posted_about() -> tuple[Optional[Commune], Optional[Qpv], Optional[str]]:
    """The person's commune, QPV and age band, when asked (all optional); a value not in the lists is a 400."""
    commune = qpv = None
    value = request.form.get("commune", "")
    if value:
        commune = db.session.get(Commune, int(value)) if value.isascii() and value.isdigit() and len(value) < 10 else None
        if commune is None:
            abort(400)
    value = request.form.get("qpv", "")
    if value:
        qpv = db.session.get(Qpv, int(value)) if value.isascii() and value.isdigit() and len(value) < 10 else None
        if qpv is None:
            abort(400)
    return commune, qpv, (request.form.get("age_band") or None)


def _about_choices() -> dict:
    return {"communes": commune_options(), "qpvs": qpv_options(),
            "age_bands": [(band.value, str(label)) for band, label in AGE_BAND_LABELS.items()]}


def _answers_page(template: str, questionnaire: Questionnaire, status: int = 200, *, values=None, errors=None,
                  about=None, token_expired: bool = False, **context):
    return render_template(template, questionnaire=questionnaire, values=values or {}, answer_errors=errors or {},
                           about=about or {}, scale_words=[str(w) for w in SCALE_WORDS], **_about_choices(),
                           token_expired=token_expired, **context), status


def _token_refused(template: str, questionnaire: Questionnaire, context: dict, about_keys: tuple[str, ...]):
    """The form's token expired (a page kept open for long, labo.core.csrf_retry
    draws it again): the answers come back as typed, with one sentence and a fresh token."""
    key = request.form.get("client_key") or ""
    if "client_key" in context and services.CLIENT_KEY_RE.fullmatch(key):
        context["client_key"] = key
    return _answers_page(template, questionnaire, 400, values=_posted_answers(questionnaire),
                         about={k: request.form.get(k, "") for k in about_keys}, token_expired=True, **context)


def _refused(error: services.QuestionnaireError) -> tuple[dict, str]:
    """A refusal: the message on each question, and the one at the top."""
    errors = {}
    if isinstance(error, services.AnswersRefused):
        errors = {qid: str(ANSWER_MESSAGES.get(code, code)) for qid, code in error.errors.items()}
    return errors, str(ERROR_MESSAGES.get(error.code, error.code))


# --- public pages ----------------------------------------------------------------------------


@bp.route("/")
def index():
    return render_template("questionnaires/index.html",
                           questionnaires=services.visible_questionnaires(current_user),
                           creator=can(current_user, "questionnaire.create"))


@bp.route("/<id:questionnaire_id>", methods=["GET", "POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"], exempt_when=lambda: not current_user.is_authenticated)
@limiter.limit(guest_limit, key_func=per_address, methods=["POST"], exempt_when=lambda: current_user.is_authenticated)
def detail(questionnaire_id: int):
    """The questionnaire, and its answers' form while it is open."""
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.view", questionnaire)
    member = current_user.is_authenticated
    done = services.has_answered(questionnaire, current_user) if member else questionnaire.id in device_answered()
    context = dict(manager=can(current_user, "questionnaire.manage", questionnaire),
                   results=can(current_user, "questionnaire.results", questionnaire),
                   door=can(current_user, "questionnaire.door", questionnaire),
                   may_answer=can(current_user, "questionnaire.answer", questionnaire), done=done,
                   ask_about=not member, action_form=ActionForm(formdata=None), card_error=None,
                   ask_card=questionnaire.accepts_cards and not member,
                   started=_started_serializer().dumps(time.time()), client_key=_new_key())
    if request.method == "GET":
        return _answers_page("questionnaires/detail.html", questionnaire, **context)
    if not ActionForm().validate_on_submit():
        return _token_refused("questionnaires/detail.html", questionnaire, context,
                              ("commune", "qpv", "age_band", "card_code"))
    if questionnaire.state != State.OPEN.value:  # closed while the page was open: say so
        flash(ERROR_MESSAGES["not-open"], "error")
        return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id))
    if not context["may_answer"]:
        if not member:
            return redirect(url_for("accounts.login", next=request.path))
        abort(403)
    raw = _posted_answers(questionnaire)
    about = {k: request.form.get(k, "") for k in ("commune", "qpv", "age_band", "card_code")}
    code = (request.form.get("card_code") or "").strip()[:40] if questionnaire.accepts_cards and not member else ""
    # without an account, the key drawn with the page: a form sent twice (a double tap, a retry) is one response
    key = request.form.get("client_key") or ""
    key = key if not member and services.CLIENT_KEY_RE.fullmatch(key) else None

    def again(status: int, errors=None):
        context["started"] = request.form.get("started") or context["started"]
        context["client_key"] = key or context["client_key"]
        return _answers_page("questionnaires/detail.html", questionnaire, status, values=raw, errors=errors,
                             about=about, **context)

    if not member:
        if key and services.answered_with_key(questionnaire, key):  # sent again before the first answer came back
            flash(_("Merci ! Vos réponses sont bien arrivées."), "success")
            return _remember_on_device(redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id,
                                                        merci=1)), questionnaire.id)
        if done and not code:  # a shared tablet: each card is one person
            flash(ERROR_MESSAGES["device-answered"], "info")
            return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id))
        if request.form.get("website") or _too_fast():
            flash(ERROR_MESSAGES["too-fast"], "error")
            return again(422)
        if not code and not questionnaire.allows_anonymous:
            context["card_error"] = str(ERROR_MESSAGES["card-required"])
            flash(ERROR_MESSAGES["card-required"], "error")
            return again(422)
    commune, qpv, age_band = _posted_about() if not member else (None, None, None)
    try:
        if code:
            services.submit_with_card(questionnaire, raw, code, current_app.config["SECRET_KEY"], commune=commune,
                                      qpv=qpv, age_band=age_band, client_key=key)
        else:
            services.submit_response(questionnaire, raw, channel=Channel.ONLINE.value,
                                     user=current_user if member else None, commune=commune, qpv=qpv,
                                     age_band=age_band, client_key=key)
    except cards.CardError as error:
        db.session.rollback()
        context["card_error"] = cards.message(error.code)
        flash(cards.message(error.code), "error")
        return again(422)
    except services.QuestionnaireError as error:
        db.session.rollback()
        if error.code == "already-answered":
            flash(ERROR_MESSAGES["already-answered"], "info")
            return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id))
        errors, message = _refused(error)
        flash(message, "error")
        return again(422, errors)
    db.session.commit()
    flash(_("Merci ! Vos réponses sont bien arrivées."), "success")
    response = redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id, merci=1))
    return response if member else _remember_on_device(response, questionnaire.id)


# --- the manager's pages -----------------------------------------------------------------------


def _source_choices(form: QuestionnaireForm) -> tuple[list, list, list]:
    communes = services.communes_for(current_user)
    meetings = services.meetings_for(current_user)
    processes = services.processes_for(current_user)
    blank = [("", _("— Aucune —"))]
    if hasattr(form, "commune"):
        form.commune.choices = ([("", _("Toute l'agglomération"))] if can(current_user, "admin.access") else []) + \
            [(str(c.id), c.name) for c in communes]
        form.meeting.choices = blank + [(str(m.id), f"{m.title} ({m.commune.name})") for m in meetings]
        form.from_process.choices = blank + [(str(p.id), p.title) for p in processes]
    return communes, meetings, processes


def _chosen(value: Optional[str], allowed):
    if not value:
        return None
    for row in allowed:
        if str(row.id) == value:
            return row
    raise services.QuestionnaireError("source-unknown")


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    authorize("questionnaire.create")
    form = NewQuestionnaireForm()
    if request.method == "GET":
        wanted = request.args.get("rencontre", "")
        if wanted.isdigit():
            form.meeting.data, form.template.data = wanted, "satisfaction"
        wanted = request.args.get("demarche", "")
        if wanted.isdigit():
            form.from_process.data = wanted
    communes, meetings, processes = _source_choices(form)
    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        else:
            done = carry_out(lambda: services.create_questionnaire(
                current_user, title=form.title.data or "", intro=form.intro.data or "",
                commune=_chosen(form.commune.data, communes), meeting=_chosen(form.meeting.data, meetings),
                process=_chosen(form.from_process.data, processes), allows_anonymous=form.allows_anonymous.data,
                accepts_cards=form.accepts_cards.data, satisfaction=form.template.data == "satisfaction"),
                form, ERROR_MESSAGES, _("Le questionnaire est créé. Ajoutez ou relisez ses questions."))
            if done:
                return redirect(url_for("questionnaires.manage", questionnaire_id=done.value.id))
    return render_template("questionnaires/new.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/<id:questionnaire_id>/gerer")
@login_required
def manage(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    return render_template("questionnaires/manage.html", questionnaire=questionnaire,
                           responses=services.response_count(questionnaire), action_form=ActionForm(formdata=None),
                           draft=questionnaire.state == State.DRAFT.value,
                           late_paper=services.takes_late_answers(questionnaire, utcnow()))


@bp.route("/<id:questionnaire_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    form = QuestionnaireForm(obj=questionnaire) if request.method == "GET" else QuestionnaireForm()
    for name in ("commune", "meeting", "from_process"):  # placed once, at creation
        delattr(form, name)
    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        elif carry_out(lambda: services.update_questionnaire(
                current_user, questionnaire, title=form.title.data or "", intro=form.intro.data or "",
                allows_anonymous=form.allows_anonymous.data, accepts_cards=form.accepts_cards.data),
                form, ERROR_MESSAGES, _("C'est enregistré.")):
            return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))
        db.session.refresh(questionnaire)
    return render_template("questionnaires/edit.html", questionnaire=questionnaire, form=form), \
        (422 if request.method == "POST" else 200)


def _question_page(questionnaire: Questionnaire, question: Optional[QuestionnaireQuestion]):
    if request.method == "GET":
        form = QuestionForm(formdata=None, obj=question) if question is not None else QuestionForm(formdata=None)
    else:
        form = QuestionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        else:
            fields = dict(kind=form.kind.data or "", text=form.text.data or "", easy_read=form.easy_read.data or "",
                          required=form.required.data, choices=form.choices.data or "")
            if question is None:
                operation = lambda: services.add_question(current_user, questionnaire, **fields)  # noqa: E731
            else:
                operation = lambda: services.edit_question(current_user, question, **fields)  # noqa: E731
            if carry_out(operation, form, ERROR_MESSAGES, _("La question est enregistrée.")):
                if question is None and request.form.get("next") == "another":
                    return redirect(url_for("questionnaires.add_question", questionnaire_id=questionnaire.id))
                return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id) + "#questions")
            db.session.refresh(questionnaire)
    return render_template("questionnaires/question.html", questionnaire=questionnaire, question=question,
                           form=form), (422 if request.method == "POST" else 200)


@bp.route("/<id:questionnaire_id>/questions/nouvelle", methods=["GET", "POST"])
@login_required
def add_question(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    if questionnaire.state != State.DRAFT.value:
        flash(ERROR_MESSAGES["not-draft"], "error")
        return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))
    return _question_page(questionnaire, None)


@bp.route("/<id:questionnaire_id>/questions/<id:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(questionnaire_id: int, question_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    question = get_question(questionnaire, question_id)
    if questionnaire.state != State.DRAFT.value:
        flash(ERROR_MESSAGES["not-draft"], "error")
        return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))
    return _question_page(questionnaire, question)


@bp.route("/<id:questionnaire_id>/questions/<id:question_id>/deplacer", methods=["POST"])
@login_required
def move_question(questionnaire_id: int, question_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    question = get_question(questionnaire, question_id)
    direction = request.form.get("direction")
    if not ActionForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    carry_out(lambda: services.move_question(current_user, question, -1 if direction == "up" else 1), None,
              ERROR_MESSAGES)
    return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id) + f"#question-{question.id}")


@bp.route("/<id:questionnaire_id>/questions/<id:question_id>/retirer", methods=["POST"])
@login_required
def remove_question(questionnaire_id: int, question_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    question = get_question(questionnaire, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    carry_out(lambda: services.remove_question(current_user, question), None, ERROR_MESSAGES,
              _("La question est retirée."))
    return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id) + "#questions")


@bp.route("/<id:questionnaire_id>/ouvrir", methods=["POST"])
@login_required
def open_(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    carry_out(lambda: services.open_questionnaire(current_user, questionnaire), None, ERROR_MESSAGES,
              _("Le questionnaire est ouvert : on peut y répondre."))
    return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))


@bp.route("/<id:questionnaire_id>/fermer", methods=["POST"])
@login_required
def close(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    carry_out(lambda: services.close_questionnaire(current_user, questionnaire), None, ERROR_MESSAGES,
              _("Le questionnaire est fermé. Les résultats sont publics."))
    return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))


# --- answers typed for others: a paper sheet, an interview at the door --------------------------


def _new_key() -> str:
    return secrets.token_urlsafe(18)


@bp.route("/<id:questionnaire_id>/papier", methods=["GET", "POST"])
@login_required
def paper(questionnaire_id: int):
    """One screen per paper sheet; "Enregistrer et saisir la suivante" brings
    an empty one. The key drawn with the page makes a double send one sheet."""
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.manage", questionnaire)
    context = dict(action_form=ActionForm(formdata=None), entered=services.entered_count(questionnaire, Channel.PAPER),
                   client_key=_new_key())
    if questionnaire.state != State.OPEN.value and not services.takes_late_answers(questionnaire, utcnow()):
        flash(ERROR_MESSAGES["not-open"], "error")
        return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))
    if questionnaire.state != State.OPEN.value:
        context["late_until"] = services.late_answers_until(questionnaire)
    if request.method == "GET":
        return _answers_page("questionnaires/paper.html", questionnaire, **context)
    if not ActionForm().validate_on_submit():
        return _token_refused("questionnaires/paper.html", questionnaire, context, ("commune", "qpv", "age_band"))
    raw = _posted_answers(questionnaire)
    about = {k: request.form.get(k, "") for k in ("commune", "qpv", "age_band")}
    commune, qpv, age_band = _posted_about()
    key = request.form.get("client_key") or None
    try:
        done = services.submit_response(questionnaire, raw, channel=Channel.PAPER.value, entered_by=current_user,
                                        commune=commune, qpv=qpv, age_band=age_band, client_key=key)
    except services.QuestionnaireError as error:
        db.session.rollback()
        errors, message = _refused(error)
        flash(message, "error")
        context["client_key"] = key if key and services.CLIENT_KEY_RE.fullmatch(key) else context["client_key"]
        return _answers_page("questionnaires/paper.html", questionnaire, 422, values=raw, errors=errors, about=about,
                             **context)
    db.session.commit()
    if done.new:
        flash(_("Feuille n° %(n)s enregistrée. Voici une feuille vide pour la suivante.",
                n=services.entered_count(questionnaire, Channel.PAPER)), "success")
    else:
        flash(_("Cette feuille était déjà enregistrée : elle ne compte qu'une fois."), "info")
    if request.form.get("next") == "done":
        return redirect(url_for("questionnaires.manage", questionnaire_id=questionnaire.id))
    return redirect(url_for("questionnaires.paper", questionnaire_id=questionnaire.id))


def _wants_json() -> bool:
    """The door page's script asks for JSON; a plain form gets a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _recorded_at() -> Optional[datetime]:
    """When the phone recorded the interview (door.js sends it, ISO 8601 in UTC); None if absent or unreadable."""
    value = request.form.get("recorded_at", "")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if 0 < len(value) <= 40 else None
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment is not None and moment.tzinfo is not None else None


@bp.route("/<id:questionnaire_id>/porte-a-porte", methods=["GET", "POST"])
@login_required
def door(questionnaire_id: int):
    """"Enquête au porte-à-porte": the interviewer types each person's answers.
    static/js/door.js keeps them on the phone while there is no network and
    sends each once, with the key it made, when the network returns; without
    the script the form is sent at once (its key drawn with the page)."""
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.door", questionnaire)
    context = dict(action_form=ActionForm(formdata=None), client_key=_new_key(),
                   entered=services.entered_count(questionnaire, Channel.DOOR, current_user))
    if request.method == "GET":
        return _answers_page("questionnaires/door.html", questionnaire, **context)
    if not ActionForm().validate_on_submit():
        if _wants_json():
            abort(400)  # static/js/door.js fetches a fresh token and sends again
        return _token_refused("questionnaires/door.html", questionnaire, context, ("commune", "qpv", "age_band"))
    raw = _posted_answers(questionnaire)
    about = {k: request.form.get(k, "") for k in ("commune", "qpv", "age_band")}
    commune, qpv, age_band = _posted_about()
    key = request.form.get("client_key") or None
    try:
        done = services.submit_response(questionnaire, raw, channel=Channel.DOOR.value, entered_by=current_user,
                                        commune=commune, qpv=qpv, age_band=age_band, client_key=key,
                                        recorded_at=_recorded_at())
    except services.QuestionnaireError as error:
        db.session.rollback()
        errors, message = _refused(error)
        if _wants_json():
            return jsonify(error=message, questions={str(k): v for k, v in errors.items()}), 422
        flash(message, "error")
        context["client_key"] = key if key and services.CLIENT_KEY_RE.fullmatch(key) else context["client_key"]
        return _answers_page("questionnaires/door.html", questionnaire, 422, values=raw, errors=errors, about=about,
                             **context)
    db.session.commit()
    entered = services.entered_count(questionnaire, Channel.DOOR, current_user)
    summary = _("Réponses envoyées par vous : %(n)s.", n=entered)
    if _wants_json():
        return jsonify(id=done.response_id, new=done.new, client_key=key, summary=summary)
    flash(_("Réponses enregistrées. Merci ! Personne suivante ?") if done.new
          else _("Ces réponses étaient déjà arrivées : elles ne comptent qu'une fois."), "success")
    return redirect(url_for("questionnaires.door", questionnaire_id=questionnaire.id))


# --- results -------------------------------------------------------------------------------------


@bp.route("/<id:questionnaire_id>/resultats")
def results(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.results", questionnaire)
    manager = can(current_user, "questionnaire.manage", questionnaire)
    return render_template("questionnaires/results.html", questionnaire=questionnaire, manager=manager,
                           res=services.results(questionnaire, with_texts=manager))


@bp.route("/<id:questionnaire_id>/synthese")
def summary(questionnaire_id: int):
    """The printable summary: the same figures, on A4, without the site's menus."""
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.results", questionnaire)
    manager = can(current_user, "questionnaire.manage", questionnaire)
    return render_template("questionnaires/summary.html", questionnaire=questionnaire, manager=manager,
                           res=services.results(questionnaire, with_texts=manager))


@bp.route("/<id:questionnaire_id>/resultats.csv")
def results_csv(questionnaire_id: int):
    questionnaire = get_questionnaire(questionnaire_id)
    authorize("questionnaire.results", questionnaire)
    data = csv_bytes(services.results_rows(services.results(questionnaire)))
    return HttpResponse(data, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=questionnaire-{questionnaire.id}-resultats.csv"})
