"""Pages of the micro-projects fund: the public list of rounds and an open
round's page with its rules; for administrators, open a round, edit it, name
its committee and open it to applications."""
from __future__ import annotations

from collections import ChainMap
from datetime import date
from typing import Optional

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.contributions.models import Contribution
from labo.core.dates import local
from labo.core.db import utcnow
from labo.core.errors import ServiceError
from labo.core.files import send_photo
from labo.core.forms import ActionForm, carry_out, edit_form, show_error
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.numbers import format_euros
from labo.core.photos import WIDTHS as PHOTO_WIDTHS
from labo.core.spreadsheet import csv_bytes
from labo.core.uploads import accepts_uploads
from labo.extensions import db, limiter
from labo.fiches.forms import ERROR_MESSAGES as FICHE_MESSAGES
from labo.fund import services
from labo.fund.forms import (
    WHOLE_CHOICE, ApplicationForm, DecisionForm, MemberForm, OpinionForm, PaymentForm, ReportForm, RoundForm,
    VoteForm,
)
from labo.fund.models import CommitteeMember, FundApplication, FundReportPhoto, FundRound, RoundState
from labo.fund.services import ERROR_MESSAGES
from labo.permissions import authorize, can, require, sits_on_committee
from labo.sms.numbers import format_phone
from labo.territory.models import Commune, Qpv
from labo.territory.services import list_communes, list_qpvs

bp = Blueprint("fund", __name__, url_prefix="/fonds")


def today() -> date:
    return local(utcnow()).date()


def get_round(round_id: int) -> FundRound:
    fund_round = services.get_round(round_id)
    if fund_round is None:
        abort(404)
    return fund_round


def _communes() -> list[Commune]:
    return [c for c in list_communes() if c.in_call]


def _scope_choices() -> list[tuple[str, str]]:
    return [("", _("Choisir…")), (WHOLE_CHOICE, _("Toute l'agglomération"))] + [(c.slug, c.name) for c in _communes()]


def _referent_of_round(fund_round: FundRound) -> bool:
    """A referent of the round's commune (of any commune, for an agglomeration round) sees what waits for the committee."""
    return can(current_user, "commune.moderate", fund_round.commune) if fund_round.commune else \
        can(current_user, "moderation.queue")


def _filled_form(fund_round: FundRound, *, posted: bool = True) -> RoundForm:
    """The round's form showing what it holds; on a POST of this form, what the browser sent."""
    def form_class(obj):
        return RoundForm(obj=obj) if posted else RoundForm(formdata=None, obj=obj)

    form = edit_form(form_class, fund_round, scope=fund_round.commune.slug if fund_round.commune else WHOLE_CHOICE,
                     envelope=fund_round.envelope_cents, ceiling=fund_round.ceiling_cents)
    form.scope.choices = _scope_choices()
    return form


def _scope(form: RoundForm) -> tuple[bool, Optional[Commune]]:
    """(known, commune) for the scope's value: WHOLE_CHOICE is (True, None)."""
    if form.scope.data == WHOLE_CHOICE:
        return True, None
    commune = next((c for c in _communes() if c.slug == form.scope.data), None)
    if commune is None:
        form.scope.errors = list(form.scope.errors) + [_("Choisissez une commune dans la liste.")]
    return commune is not None, commune


def _round_values(form: RoundForm) -> dict:
    return dict(title=form.title.data, envelope_cents=form.envelope.data, ceiling_cents=form.ceiling.data,
                apply_until=form.apply_until.data, committee_on=form.committee_on.data,
                spend_within_days=form.spend_within_days.data, rules=form.rules.data, rules_easy=form.rules_easy.data)


@bp.route("/")
def index():
    rounds = services.list_rounds(with_drafts=can(current_user, "fund.manage"))
    return render_template("fund/index.html", rounds=rounds, today=today(),
                           states={r.id: services.state_on(r, today()) for r in rounds})


@bp.route("/projets")
def projects():
    """The funded projects of every round, commune by commune (public fields
    only), with each commune's totals; ?commune=<slug> for one commune."""
    communes = _communes()
    slug = (request.args.get("commune") or "").strip()
    chosen = next((c for c in communes if c.slug == slug), None) if slug else None
    unknown = bool(slug) and chosen is None
    found = [] if unknown else services.funded_projects(chosen)
    groups = services.funded_by_commune(found)
    return render_template("fund/projects.html", groups=groups, communes=communes, chosen=chosen, unknown=unknown,
                           count=len(found), total=sum(g["granted"] for g in groups), paid=sum(g["paid"] for g in groups)), \
        400 if unknown else 200


@bp.route("/nouveau", methods=["GET", "POST"])
@require("fund.manage")
def new():
    form = RoundForm()
    form.scope.choices = _scope_choices()
    if form.validate_on_submit():
        known, commune = _scope(form)
        if known:
            outcome = carry_out(lambda: services.create_round(current_user, commune, today=today(),
                                                              **_round_values(form)),
                                form, ERROR_MESSAGES, _("L'appel à projets est prêt. Nommez maintenant son comité."))
            if outcome:
                return redirect(url_for("fund.edit", round_id=outcome.value.id))
    return render_template("fund/round_form.html", form=form, fund_round=None), 422 if form.errors else 200


@bp.route("/<id:round_id>")
def detail(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.view", fund_round)
    return _detail_page(fund_round)


def _detail_page(fund_round: FundRound, status: int = 200):
    """The round's page; `status` 409 when an administrator's action on it was refused (the reason is flashed)."""
    return render_template("fund/detail.html", fund_round=fund_round,
                           accepts=services.accepts_applications(fund_round, today()),
                           state=services.state_on(fund_round, today()), action_form=ActionForm(),
                           may_close=services.state_on(fund_round, today()) is RoundState.OPEN and can(
                               current_user, "fund.close", fund_round),
                           may_finish=services.state_on(fund_round, today()) is RoundState.CLOSED and can(
                               current_user, "fund.finish", fund_round),
                           undecided=services.undecided_count(fund_round),
                           decisions=services.decisions_by_commune(fund_round),
                           envelope=services.envelope(fund_round),
                           before_committee=services.applications_before_committee(fund_round)
                           if can(current_user, "fund.manage", fund_round) or sits_on_committee(current_user, fund_round)
                           or _referent_of_round(fund_round) else []), status


@bp.route("/<id:round_id>/modifier", methods=["GET", "POST"])
def edit(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.manage", fund_round)
    form = _filled_form(fund_round)
    if form.validate_on_submit():
        known, commune = _scope(form)
        if known and carry_out(lambda: services.update_round(current_user, fund_round, commune, today=today(),
                                                             **_round_values(form)),
                               form, _round_messages(fund_round), _("C'est enregistré.")):
            return redirect(url_for("fund.edit", round_id=fund_round.id))
    return _edit_page(fund_round, form=form)


def _round_messages(fund_round: FundRound) -> dict:
    """The service's messages, those about money naming the amount already granted."""
    return {**ERROR_MESSAGES,
            "envelope-below-granted": _("Le budget total ne peut pas être plus petit que ce qui est déjà accordé : "
                                        "%(amount)s.", amount=format_euros(services.granted_cents(fund_round) / 100)),
            "ceiling-below-granted": _("Le montant par projet ne peut pas être plus petit qu'une somme déjà "
                                       "accordée : %(amount)s.",
                                       amount=format_euros(services.largest_grant_cents(fund_round) / 100))}


def _edit_page(fund_round: FundRound, form: Optional[RoundForm] = None, member_form: Optional[MemberForm] = None):
    if form is None:
        form = _filled_form(fund_round, posted=False)
    member_form = member_form or MemberForm(formdata=None)
    failed = bool(form.errors or member_form.errors)
    return render_template("fund/round_form.html", form=form, fund_round=fund_round, member_form=member_form,
                           action_form=ActionForm(), is_draft=fund_round.state == RoundState.DRAFT.value,
                           granted=services.granted_cents(fund_round)), \
        422 if failed else 200


@bp.route("/<id:round_id>/comite", methods=["POST"])
def add_member(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.manage", fund_round)
    member_form = MemberForm()
    if member_form.validate_on_submit() and carry_out(
            lambda: services.add_member(current_user, fund_round, member_form.account.data,
                                        member_form.is_resident.data),
            member_form, ERROR_MESSAGES, _("La personne fait partie du comité.")):
        return redirect(url_for("fund.edit", round_id=fund_round.id) + "#comite")
    return _edit_page(fund_round, member_form=member_form)


@bp.route("/<id:round_id>/comite/<id:member_id>/retirer", methods=["POST"])
def remove_member(round_id: int, member_id: int):
    fund_round = get_round(round_id)
    authorize("fund.manage", fund_round)
    member = db.session.get(CommitteeMember, member_id)
    if member is None or member.round_id != fund_round.id:
        abort(404)
    if ActionForm().validate_on_submit():
        carry_out(lambda: services.remove_member(current_user, member), None, ERROR_MESSAGES,
                  _("La personne ne fait plus partie du comité."))
    return redirect(url_for("fund.edit", round_id=fund_round.id) + "#comite")


@bp.route("/<id:round_id>/ouvrir", methods=["POST"])
def open_round(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.manage", fund_round)
    if ActionForm().validate_on_submit() and carry_out(
            lambda: services.open_round(current_user, fund_round, today()), None, ERROR_MESSAGES,
            _("L'appel à projets est ouvert : sa page est publique.")):
        return redirect(url_for("fund.detail", round_id=fund_round.id))
    return redirect(url_for("fund.edit", round_id=fund_round.id))


@bp.route("/<id:round_id>/clore", methods=["POST"])
def close_applications(round_id: int):
    """"Clore les demandes": the round takes no more applications; the committee decides."""
    fund_round = get_round(round_id)
    authorize("fund.close", fund_round)
    if ActionForm().validate_on_submit() and carry_out(
            lambda: services.close_applications(current_user, fund_round, today()), None, ERROR_MESSAGES,
            _("Les demandes sont closes. Le comité peut décider.")):
        return redirect(url_for("fund.detail", round_id=fund_round.id))
    return _detail_page(fund_round, 409)


@bp.route("/<id:round_id>/cloturer", methods=["POST"])
def finish(round_id: int):
    """"Clôturer le fonds": every application sent has its decision; the round is over."""
    fund_round = get_round(round_id)
    authorize("fund.finish", fund_round)
    if ActionForm().validate_on_submit() and carry_out(
            lambda: services.finish_round(current_user, fund_round, today()), None, ERROR_MESSAGES,
            _("Le fonds est clôturé. Ses décisions restent publiques.")):
        return redirect(url_for("fund.detail", round_id=fund_round.id))
    return _detail_page(fund_round, 409)


# --- applications ----------------------------------------------------------------------


def get_application(application_id: int) -> FundApplication:
    application = services.get_application(application_id)
    if application is None:
        abort(404)
    return application


def _application_form(fund_round: FundRound, application: Optional[FundApplication] = None) -> ApplicationForm:
    if application is None:
        form = ApplicationForm(data={"commune": fund_round.commune.slug if fund_round.commune else ""})
    else:
        form = edit_form(ApplicationForm, application, commune=application.commune.slug if application.commune else "",
                         qpv=application.qpv.slug if application.qpv else "", amount=application.amount_cents,
                         lines=[{"label": line.label, "amount": line.amount_cents} for line in application.lines])
    communes = [fund_round.commune] if fund_round.commune else _communes()
    form.commune.choices = [("", _("Choisir…"))] + [(c.slug, c.name) for c in communes]
    form.qpv.choices = [("", _("Je ne sais pas, ou hors quartier prioritaire"))] + [
        (q.slug, q.name) for q in list_qpvs() if not fund_round.commune or fund_round.commune in q.communes]
    return form


def _place(form: ApplicationForm) -> tuple[Optional[Commune], Optional[Qpv], bool]:
    """The commune and QPV chosen; False when one of them is not in the lists."""
    commune = next((c for c in _communes() if c.slug == form.commune.data), None) if form.commune.data else None
    qpv = next((q for q in list_qpvs() if q.slug == form.qpv.data), None) if form.qpv.data else None
    ok = True
    if form.commune.data and commune is None:
        form.commune.errors = list(form.commune.errors) + [_("Choisissez une commune dans la liste.")]
        ok = False
    if form.qpv.data and qpv is None:
        form.qpv.errors = list(form.qpv.errors) + [_("Choisissez un quartier dans la liste.")]
        ok = False
    return commune, qpv, ok


def _application_values(form: ApplicationForm, commune, qpv) -> dict:
    lines = [((entry.form.label.data or "").strip(), entry.form.amount.data) for entry in form.lines
             if (entry.form.label.data or "").strip() or entry.form.amount.data is not None]
    return dict(title=form.title.data or "", what=form.what.data or "", for_whom=form.for_whom.data or "",
                commune=commune, qpv=qpv, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                amount_cents=form.amount.data, lines=lines, carrier_kind=form.carrier_kind.data or "group",
                carrier_name=form.carrier_name.data or "", contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or "", contact_email=form.contact_email.data or "")


def _apply(fund_round: FundRound, application: Optional[FundApplication]):
    """The application form's page and POST: "Enregistrer le brouillon" keeps
    what is typed, whole or not; "Envoyer au comité" keeps it too, then sends
    it if nothing is missing, else says beside each field what is."""
    form = _application_form(fund_round, application)
    refused = False
    on_behalf_allowed = application is None and can(current_user, "fund.apply_on_behalf")
    if not on_behalf_allowed:
        del form.on_behalf
    if form.validate_on_submit():
        commune, qpv, known = _place(form)
        sending = request.form.get("action") == "send"
        if known:
            on_behalf = bool(on_behalf_allowed and form.on_behalf.data)
            saved = carry_out(lambda: services.save_application(
                current_user, fund_round, application, on_behalf=on_behalf, today=today(),
                **_application_values(form, commune, qpv)), form, ERROR_MESSAGES,
                None if sending else _("Votre brouillon est enregistré. Vous pourrez le finir plus tard."))
            refused = not saved
            if saved and not sending:
                return redirect(url_for("fund.edit_application", application_id=saved.value.id))
            if saved:
                problems = services.submission_problems(saved.value)
                for name, code in problems:
                    show_error(form, ServiceError(code, name), ERROR_MESSAGES)
                if problems:
                    flash(_("Votre brouillon est enregistré, mais il manque encore quelque chose pour l'envoyer."),
                          "warning")
                    return _application_page(fund_round, saved.value, form, 422)
                if carry_out(lambda: services.submit_application(current_user, saved.value, today()), form,
                             ERROR_MESSAGES, _("Votre demande est envoyée au comité. La personne référente de la "
                                               "commune va la lire.")):
                    return redirect(url_for("fund.application", application_id=saved.value.id))
                refused = True
    return _application_page(fund_round, application, form, 422 if (form.errors or refused) else 200)


def _application_page(fund_round: FundRound, application: Optional[FundApplication], form, status: int):
    initiatives = services.initiatives_of(current_user) if application is None else []
    return render_template("fund/apply.html", fund_round=fund_round, application=application, form=form,
                           accepts=services.accepts_applications(fund_round, today()),
                           initiatives=initiatives), status


@bp.route("/<id:round_id>/demander", methods=["GET", "POST"])
def apply(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.view", fund_round)
    authorize("fund.apply")
    return _apply(fund_round, None)


@bp.route("/demandes/<id:application_id>/modifier", methods=["GET", "POST"])
def edit_application(application_id: int):
    application = get_application(application_id)
    authorize("fund.edit_application", application)
    return _apply(application.round, application)


@bp.route("/demandes/<id:application_id>")
def application(application_id: int):
    application = get_application(application_id)
    if not can(current_user, "fund.see_project", application):  # public once its decision is published
        authorize("fund.see_application", application)
    return _application_view(application)


def _application_view(application: FundApplication, *, opinion_form: Optional[OpinionForm] = None,
                      vote_form: Optional[VoteForm] = None, decision_form: Optional[DecisionForm] = None,
                      payment_form: Optional[PaymentForm] = None, status: int = 200):
    """An application with, for each person, what they may do on it: the
    referent's opinion, a committee member's vote, the decision."""
    before_committee = application.status == "submitted"
    may_opine = before_committee and can(current_user, "fund.give_opinion", application)
    may_vote = before_committee and can(current_user, "fund.vote", application)
    may_decide = before_committee and can(current_user, "fund.decide", application)
    may_pay = _awaits_payment(application) and can(current_user, "fund.pay", application)
    if may_pay and payment_form is None:
        payment_form = PaymentForm(formdata=None, data={"paid_on": today()})
    if may_opine and opinion_form is None:
        opinion = application.opinion
        opinion_form = OpinionForm(formdata=None, data={"kind": opinion.kind, "text": opinion.text} if opinion else {})
    if may_vote and vote_form is None:
        vote_form = VoteForm(formdata=None)
    if may_decide and decision_form is None:
        decision_form = DecisionForm(formdata=None, data={"amount": application.amount_cents})
    return render_template(
        "fund/application.html", application=application, fund_round=application.round,
        opinion_form=opinion_form if may_opine else None, vote_form=vote_form if may_vote else None,
        decision_form=decision_form if may_decide else None, payment_form=payment_form if may_pay else None,
        my_vote=services.vote_of(current_user, application) if may_vote else None,
        tally=services.tally(application), private=can(current_user, "fund.see_application", application),
        # who voted what: the committee and who types its decision, not the group that applied
        see_votes=can(current_user, "fund.vote", application) or can(current_user, "fund.decide", application),
        contact_phone=format_phone(application.contact_phone) if application.contact_phone else "",
        **_report_context(application)), status


@bp.route("/demandes/<id:application_id>/avis", methods=["POST"])
def give_opinion(application_id: int):
    application = get_application(application_id)
    authorize("fund.give_opinion", application)
    form = OpinionForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.give_opinion(current_user, application, form.kind.data, form.text.data), form,
            ERROR_MESSAGES, _("Votre avis est enregistré. Le comité le lira.")):
        return redirect(url_for("fund.application", application_id=application.id))
    return _application_view(application, opinion_form=form, status=422)


@bp.route("/demandes/<id:application_id>/vote", methods=["POST"])
def vote(application_id: int):
    application = get_application(application_id)
    authorize("fund.vote", application)
    form = VoteForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.cast_vote(current_user, application, form.choice.data, form.comment.data or ""), form,
            ERROR_MESSAGES, _("Votre vote est enregistré.")):
        return redirect(url_for("fund.application", application_id=application.id))
    return _application_view(application, vote_form=form, status=422 if form.errors else 409)


@bp.route("/demandes/<id:application_id>/decision", methods=["POST"])
def decide(application_id: int):
    application = get_application(application_id)
    authorize("fund.decide", application)
    form = DecisionForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.decide(current_user, application, form.outcome.data, form.amount.data,
                                    form.reasons.data, from_paper=form.from_paper.data), form,
            ERROR_MESSAGES, _("La décision est publiée sur la page de l'appel.")):
        return redirect(url_for("fund.detail", round_id=application.round_id) + "#decisions")
    return _application_view(application, decision_form=form, status=422)


@bp.route("/mes-demandes")
@login_required
def mine():
    return render_template("fund/mine.html", applications=services.applications_of(current_user))


def _awaits_payment(application: FundApplication) -> bool:
    decision = application.decision
    return decision is not None and decision.outcome == "granted" and decision.paid_on is None


@bp.route("/demandes/<id:application_id>/versement", methods=["POST"])
def record_payment(application_id: int):
    application = get_application(application_id)
    authorize("fund.pay", application)
    form = PaymentForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.record_payment(current_user, application, form.paid_on.data), form, ERROR_MESSAGES,
            _("Le versement est noté. La date limite pour dépenser l'argent est affichée.")):
        return redirect(url_for("fund.application", application_id=application.id))
    return _application_view(application, payment_form=form, status=422 if form.errors else 409)


@bp.route("/<id:round_id>/export.csv")
def export(round_id: int):
    fund_round = get_round(round_id)
    authorize("fund.manage", fund_round)
    return Response(csv_bytes(services.finance_rows(fund_round)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="fonds-{fund_round.id}-projets-finances.csv"'})


@bp.route("/<id:round_id>/depuis-initiative/<id:contribution_id>", methods=["POST"])
def from_initiative(round_id: int, contribution_id: int):
    """An initiative of the pot commun becomes a draft application in one action, keeping its link."""
    fund_round = get_round(round_id)
    authorize("fund.view", fund_round)
    authorize("fund.apply")
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    if ActionForm().validate_on_submit():
        outcome = carry_out(lambda: services.application_from_initiative(current_user, fund_round, contribution,
                                                                         today()), None, ERROR_MESSAGES,
                            _("Votre initiative est devenue un brouillon de demande : complétez-le."))
        if outcome:
            return redirect(url_for("fund.edit_application", application_id=outcome.value.id))
    return redirect(url_for("fund.apply", round_id=fund_round.id))


# --- the group's report after payment, and the experience fiche it becomes --------------


def _report_context(application: FundApplication) -> dict:
    """What the application's page shows of the report, and who may do what with it."""
    report = application.report
    return dict(report=report, report_fiche=services.report_fiche(report),
                may_report=can(current_user, "fund.report", application),
                may_make_fiche=report is not None and report.fiche_id is None and can(
                    current_user, "fund.report_to_fiche", application),
                report_action_form=ActionForm(formdata=None))


def _report_page(application: FundApplication, form: Optional[ReportForm] = None, status: int = 200):
    report = application.report
    if form is None:
        form = ReportForm(formdata=None, data={"text": report.text} if report else {})
    photos_left = services.REPORT_PHOTOS_MAX - (len(report.photos) if report else 0)
    return render_template("fund/report.html", application=application, report=report, form=form,
                           action_form=ActionForm(formdata=None), photos_left=photos_left,
                           photos_max=services.REPORT_PHOTOS_MAX), status


@bp.route("/demandes/<id:application_id>/bilan", methods=["GET", "POST"])
@accepts_uploads()
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def report(application_id: int):
    """The group's report: a few sentences, and one more photo each time (four at most)."""
    application = get_application(application_id)
    authorize("fund.report", application)
    if request.method == "GET":
        return _report_page(application)
    form = ReportForm()
    if form.validate_on_submit():
        upload = form.photo.data
        stream = upload.stream if upload is not None and getattr(upload, "filename", "") else None
        first = application.report is None
        if carry_out(lambda: services.save_report(current_app.config, current_user, application, form.text.data,
                                                  stream, form.alt.data or ""), form, ERROR_MESSAGES,
                     _("Merci ! Votre bilan est en ligne.") if first else _("Le bilan est enregistré.")):
            return redirect(url_for("fund.application", application_id=application.id) + "#bilan")
    too_big = str(ERROR_MESSAGES["photo-too-big"]) in [str(e) for e in form.photo.errors]
    return _report_page(application, form, 413 if too_big else 422)


@bp.route("/demandes/<id:application_id>/bilan/photos/<id:photo_id>/retirer", methods=["POST"])
def remove_report_photo(application_id: int, photo_id: int):
    application = get_application(application_id)
    authorize("fund.report", application)
    photo = db.session.get(FundReportPhoto, photo_id)
    if photo is None or application.report is None or photo.report_id != application.report.id:
        abort(404)
    if ActionForm().validate_on_submit():
        carry_out(lambda: services.remove_report_photo(current_app.config, current_user, photo), None,
                  ERROR_MESSAGES, _("La photo est retirée."))
    return redirect(url_for("fund.report", application_id=application.id))


@bp.route("/bilans/photos/<key>")
def report_photo(key: str):
    """A report's photo, for whoever sees the project's page; ?w=480, 960 or 1600: a copy that wide."""
    photo = services.get_report_photo(key)
    if photo is None:
        abort(404)
    application = photo.report.application
    if not (can(current_user, "fund.see_project", application) or can(current_user, "fund.see_application",
                                                                        application)):
        abort(404)
    asked = request.args.get("w", "")
    width = int(asked) if asked.isdigit() and len(asked) <= 4 and int(asked) in PHOTO_WIDTHS else None
    return send_photo(photo.key, photo.content_type,
                      private=not can(current_user, "fund.see_project", application), width=width)


@bp.route("/demandes/<id:application_id>/fiche", methods=["POST"])
def report_to_fiche(application_id: int):
    """"En faire une fiche d'expérience": the fiche is made and sent for review, once."""
    application = get_application(application_id)
    authorize("fund.report_to_fiche", application)
    if not ActionForm().validate_on_submit():
        abort(400)
    already = application.report.fiche_id is not None
    carry_out(lambda: services.report_to_fiche(current_app.config, current_user, application), None,
              ChainMap(ERROR_MESSAGES, FICHE_MESSAGES),
              _("Ce bilan est déjà devenu une fiche d'expérience.") if already else
              _("Le bilan est devenu une fiche d'expérience. Une personne référente va la relire avant de la "
                "publier dans la boîte à outils."))
    return redirect(url_for("fund.application", application_id=application.id) + "#bilan")
