"""The Labo's formal opinions: the public list and each opinion's page (where
it comes from, what it asks, the answer); the form that issues one
(administrators, referents after a meeting's decision) and the form that
enters its answer (administrators for the addressee, or the partner's referent)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.core.forms import carry_out
from labo.core.i18n import _
from labo.extensions import db
from labo.meetings.models import Decision, Meeting
from labo.opinions import services
from labo.opinions.forms import AnswerForm, ERROR_MESSAGES, IssueForm
from labo.opinions.models import STATE_CSS, Opinion
from labo.partners.models import Partner
from labo.permissions import authorize, can
from labo.processes.models import Process
from labo.territory.models import Commune

bp = Blueprint("opinions", __name__, url_prefix="/avis")


@bp.app_context_processor
def _template_helpers() -> dict:
    """For the meeting's and the process's pages: the opinions that come from them."""
    return {"labo_opinions_from": services.opinions_from, "opinion_state_css": STATE_CSS,
            "opinion_today": date.today}


def get_opinion(opinion_id: int) -> Opinion:
    opinion = services.get_opinion(opinion_id)
    if opinion is None:
        abort(404)
    return opinion


@bp.route("/")
def index():
    return render_template("opinions/index.html", opinions=services.all_opinions(), today=date.today(),
                           issuer=can(current_user, "opinion.issue"))


@bp.route("/<id:opinion_id>")
def detail(opinion_id: int):
    opinion = get_opinion(opinion_id)
    return render_template("opinions/detail.html", opinion=opinion, today=date.today(),
                           state=opinion.state(date.today()), contributions=services.contributions_behind(opinion),
                           answerer=not opinion.answered and can(current_user, "opinion.answer", opinion))


def _issue_choices(form: IssueForm, meetings, processes) -> None:
    blank = [("", _("— Aucune —"))]
    form.meeting.choices = blank + [(str(m.id), f"{m.title} ({m.commune.name})") for m in meetings]
    form.decision.choices = blank + [(str(d.id), f"{d.meeting.title} : {d.text[:80]}")
                                     for m in meetings for d in m.decisions]
    form.from_process.choices = blank + [(str(p.id), p.title) for p in processes]
    form.commune.choices = blank + [(c.slug, c.name) for c in services.communes()]
    form.partner.choices = blank + [(p.slug, p.name) for p in services.partners()]


def _chosen(model, value, allowed, attribute: str = "id"):
    """The row the select named, among those offered; None when blank; otherwise a refusal the form shows."""
    if not value:
        return None
    for row in allowed:
        if str(getattr(row, attribute)) == value:
            return row
    raise services.OpinionError("source-unknown")


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def issue():
    authorize("opinion.issue")
    meetings, processes = services.meetings_for(current_user), services.processes_for(current_user)
    form = IssueForm()
    if request.method == "GET":
        wanted = request.args.get("rencontre", "")
        form.meeting.data = wanted if wanted.isdigit() else ""
        wanted = request.args.get("demarche", "")
        form.from_process.data = wanted if wanted.isdigit() else ""
    _issue_choices(form, meetings, processes)
    decisions = [d for m in meetings for d in m.decisions]

    def act():
        return services.issue_opinion(
            current_user, title=form.title.data or "", body=form.body.data or "", asks=form.asks.data or "",
            addressee=form.addressee.data or "", answer_due_on=form.answer_due_on.data,
            commune=_chosen(Commune, form.commune.data, services.communes(), "slug"),
            partner=_chosen(Partner, form.partner.data, services.partners(), "slug"),
            meeting=_chosen(Meeting, form.meeting.data, meetings),
            decision=_chosen(Decision, form.decision.data, decisions),
            process=_chosen(Process, form.from_process.data, processes))

    if request.method == "POST":
        if not form.validate_on_submit():
            if not form.errors:
                abort(400)
        else:
            done = carry_out(act, form, ERROR_MESSAGES, _("L'avis du Labo est envoyé. Il attend sa réponse."))
            if done:
                return redirect(url_for("opinions.detail", opinion_id=done.value.id))
    return render_template("opinions/issue.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/<id:opinion_id>/reponse", methods=["GET", "POST"])
@login_required
def answer(opinion_id: int):
    opinion = get_opinion(opinion_id)
    authorize("opinion.answer", opinion)
    form = AnswerForm() if request.method == "POST" else AnswerForm(formdata=None, data={"answered_on": date.today()})
    if request.method == "POST" and not form.validate_on_submit():
        if not form.errors:
            abort(400)
    elif request.method == "POST" and carry_out(
            lambda: services.answer_opinion(current_user, opinion, decision=form.decision.data or "",
                                            reasons=form.reasons.data or "", answered_on=form.answered_on.data),
            form, ERROR_MESSAGES, _("La réponse est enregistrée et publiée avec l'avis.")):
        return redirect(url_for("opinions.detail", opinion_id=opinion.id))
    if request.method == "POST":
        db.session.refresh(opinion)
    return render_template("opinions/answer.html", opinion=opinion, form=form), \
        (422 if request.method == "POST" else 200)
