"""The programme, a meeting's page, registering and cancelling, the
animators' pages (create, edit, attendance on the day) and the calendar files."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from labo.accounts.models import Role, RoleGrant, User
from labo.core.dates import from_local, to_local
from labo.core.attachments import AttachmentError
from labo.core.files import send_attachment
from labo.core.forms import ActionForm, carry_out, edit_form
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.qr import qr_svg
from labo.core.sanitize import rich_text_as_typed
from labo.core.uploads import accepts_uploads
from labo.core.urls import absolute
from labo.extensions import db, limiter
from labo.meetings import services
from labo.meetings.forms import (
    CancelMeetingForm,
    DecisionForm,
    ERROR_MESSAGES,
    MeetingForm,
    MinutesAttachmentForm,
    MinutesForm,
    PaperCountForm,
    SeatForm,
    TRAINING_FIELDS,
    WalkInForm,
)
from labo.meetings.ics import calendar_for
from labo.meetings.models import (
    Attachment,
    Audience,
    FORM_KINDS,
    MEETING_KIND_LABELS,
    Meeting,
    MeetingKind,
    RUNNING_ORDER_TEMPLATE,
    Registration,
)
from labo.permissions import authorize, can
from labo.reminders.services import send_meeting_notices
from labo.territory.services import get_commune, list_communes
from labo.workshops.views import minutes_addition

bp = Blueprint("meetings", __name__, url_prefix="/rencontres")


def get_meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


def _link(meeting: Meeting) -> str:
    return absolute(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/")
def programme():
    """The programme; ?type=<kind> keeps one kind (a form that works without JavaScript)."""
    kind = request.args.get("type", "")
    known = kind in {k.value for k in MeetingKind}
    error = None if known or not kind else _("Ce type de rencontre n'existe pas : voici toutes les rencontres.")
    chosen = kind if known else None
    return render_template("meetings/programme.html", upcoming=services.upcoming(kind=chosen),
                           past=services.past(kind=chosen), rotation=services.rotation(), kind=chosen,
                           kinds=[(k.value, MEETING_KIND_LABELS[k]) for k in MeetingKind], kind_error=error), \
        (400 if error else 200)


@bp.route("/indicateurs")
@login_required
def indicators():
    """Counts only, for the whole programme or for one meeting (?rencontre=<id>)."""
    authorize("meeting.indicators")
    value = request.args.get("rencontre", "")
    meeting = None
    if value:
        meeting = db.session.get(Meeting, int(value)) if re.fullmatch(r"[0-9]{1,9}", value) else None
        if meeting is None:
            abort(404)
    figures = services.indicators(meeting)
    return render_template("meetings/indicators.html", figures=figures,
                           choices=[f.meeting for f in figures.meetings][::-1])


@bp.route("/feed.ics")
def feed():
    meetings = services.upcoming() + services.past()
    body = calendar_for(meetings, _link, _("Rencontres du Labo de la participation"))
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": 'inline; filename="rencontres-labo.ics"'})


@bp.route("/<id:meeting_id>.ics")
def ics(meeting_id: int):
    meeting = get_meeting(meeting_id)
    body = calendar_for([meeting], _link, meeting.title)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="rencontre-{meeting.id}.ics"'})


# The calendar files answer at English paths too (/meetings/feed.ics,
# /meetings/<id>.ics): the addresses given to calendar apps and machines.
calendar_bp = Blueprint("meeting_calendars", __name__, url_prefix="/meetings")
calendar_bp.add_url_rule("/feed.ics", "feed", feed)
calendar_bp.add_url_rule("/<id:meeting_id>.ics", "ics", ics)


@bp.route("/<id:meeting_id>")
def detail(meeting_id: int):
    meeting = get_meeting(meeting_id)
    relay = services.relay_for(current_app.config, request.args.get("relais"))
    invite = None
    if can(current_user, "relay.invite"):
        invite = absolute(url_for("meetings.detail", meeting_id=meeting.id, relais=services.relay_token(current_app.config, current_user)))
    return render_template(
        "meetings/detail.html", meeting=meeting, counts=services.counts(meeting), form=SeatForm(formdata=None),
        mine=services.registration_of(meeting, current_user), relay=relay, invite=invite,
        manager=can(current_user, "meeting.manage", meeting), action_form=ActionForm(formdata=None),
        born=services.contributions_born_at(meeting), materials=services.published_materials(meeting),
    )


@bp.route("/<id:meeting_id>/inscription", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person, methods=["POST"])
def register(meeting_id: int):
    meeting = get_meeting(meeting_id)
    relay = services.relay_for(current_app.config, request.form.get("relais"))
    if current_user.is_authenticated:
        form = ActionForm()
        valid = form.validate_on_submit()
        fields = {"user": current_user._get_current_object()}
    else:
        form = SeatForm()
        valid = form.validate_on_submit()
        fields = {"first_name": form.first_name.data or "", "contact": form.contact.data}
    fields["locale"] = str(get_locale() or "fr")  # reminders and notices are written in it
    if valid:
        seat = carry_out(lambda: services.register(meeting, relay=relay, **fields), form, ERROR_MESSAGES)
        if seat:
            return redirect(url_for("meetings.registration", token=seat.value.cancel_token))
    elif not form.errors:
        abort(400)
    return render_template(
        "meetings/detail.html", meeting=meeting, counts=services.counts(meeting), form=form, mine=None,
        relay=relay, invite=None, manager=False, action_form=ActionForm(formdata=None),
        born=services.contributions_born_at(meeting), materials=services.published_materials(meeting),
    ), 422


# The registration's page at a short address, for the link an SMS carries.
short_bp = Blueprint("meeting_short", __name__, url_prefix="/i")


@short_bp.route("/<token>", endpoint="registration")
def short_registration(token: str):
    if db.session.scalar(select(Registration.id).where(Registration.cancel_token == token)) is None:
        abort(404)
    return redirect(url_for("meetings.registration", token=token))


@bp.route("/inscription/<token>", methods=["GET", "POST"])
def registration(token: str):
    """One's own registration, by its private link: see it, cancel it."""
    entry = db.session.scalar(select(Registration).where(Registration.cancel_token == token))
    if entry is None:
        abort(404)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        services.cancel(token)
        send_meeting_notices(current_app.config, entry.meeting_id)  # to whoever took the seat
        flash(_("Votre inscription est annulée. Merci de nous avoir prévenus !"), "success")
        return redirect(url_for("meetings.registration", token=token))
    return render_template("meetings/registration.html", entry=entry, meeting=entry.meeting,
                           action_form=ActionForm(formdata=None))


# --- animators -----------------------------------------------------------


def _animator_choices() -> list[tuple[int, str]]:
    people = db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_([Role.ANIMATOR.value, Role.ADMIN.value, Role.AMBASSADOR.value, Role.REFERENT.value]))
        .distinct().order_by(User.pseudonym_key)
    )
    return [(u.id, u.pseudonym) for u in people]


def _with_current(choices: list[tuple], current: list[User]) -> list[tuple]:
    """The choices, and the people the meeting already names even if their role
    has gone since: saving the form unchanged keeps them."""
    known = {value for value, _label in choices}
    return choices + [(u.id, u.pseudonym) for u in current if u.id not in known]


def _kind_choices(meeting: Meeting) -> list[tuple[str, str]]:
    """The ordinary kinds; a walk (planned by labo.walks) stays a walk."""
    if meeting.kind == MeetingKind.WALK.value:
        return [(MeetingKind.WALK.value, MEETING_KIND_LABELS[MeetingKind.WALK])]
    return [(k.value, MEETING_KIND_LABELS[k]) for k in FORM_KINDS]


def _material_label(fiche) -> str:
    label = f"{fiche.title} ({fiche.kind_enum.label})"
    return label if fiche.is_published else label + " — " + _("plus publiée")


@bp.route("/nouvelle", methods=["GET", "POST"], defaults={"meeting_id": None})
@bp.route("/<id:meeting_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int | None):
    if meeting_id is None:
        authorize("meeting.create")
        meeting = Meeting()
        form = MeetingForm(data={"running_order": str(RUNNING_ORDER_TEMPLATE), "animators": [current_user.id]})
    else:
        meeting = get_meeting(meeting_id)
        authorize("meeting.manage", meeting)
        form = edit_form(MeetingForm, meeting, commune=str(meeting.commune_id or ""),
                         starts_at=to_local(meeting.starts_at), ends_at=to_local(meeting.ends_at),
                         audiences=[a.value for a in meeting.audience_list],
                         trainer=str(meeting.trainer_id or ""), materials=[f.id for f in meeting.materials])
    form.kind.choices = _kind_choices(meeting)
    form.commune.choices = [("", _("Choisir…"))] + [(str(c.id), c.name) for c in list_communes()]
    form.animators.choices = _with_current(_animator_choices(), meeting.animators)
    form.trainer.choices = [("", _("Personne : j'écris son nom ci-dessous"))] + [
        (str(value), label) for value, label in
        _with_current(_animator_choices(), [meeting.trainer] if meeting.trainer is not None else [])]
    form.materials.choices = [(f.id, _material_label(f)) for f in services.material_choices(meeting)]
    trains = any(value == MeetingKind.TRAINING.value for value, _label in form.kind.choices)
    if form.validate_on_submit():
        chosen = set(form.animators.data or [])
        animators = list(db.session.scalars(select(User).where(User.id.in_(chosen)))) if chosen else []
        trainer = db.session.get(User, int(form.trainer.data)) if (form.trainer.data or "").isdigit() else None
        picked = set(form.materials.data or [])
        materials = [f for f in services.material_choices(meeting) if f.id in picked]

        def save():
            services.save_meeting(
                current_user, meeting, title=form.title.data, theme=form.theme.data or "",
                starts_at=from_local(form.starts_at.data), ends_at=from_local(form.ends_at.data),
                commune=get_commune(form.commune.data), venue=form.venue.data, address=form.address.data or "",
                step_free=form.step_free.data, public_transport=form.public_transport.data or "",
                childcare=form.childcare.data, access_notes=form.access_notes.data or "",
                capacity=form.capacity.data, running_order=form.running_order.data or "", animators=animators,
                kind=form.kind.data)
            return services.save_training(current_user, meeting, audiences=list(form.audiences.data or []),
                                          trainer=trainer, trainer_name=form.trainer_name.data or "",
                                          materials=materials)

        if carry_out(save, form, ERROR_MESSAGES, _("La rencontre est enregistrée.")):
            services.promote_waiting(meeting.id)  # more seats may free some for the waiting list
            send_meeting_notices(current_app.config, meeting.id)  # a new date, time or place; a seat given
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    title = _("Nouvelle rencontre") if meeting_id is None else _("Modifier la rencontre")
    cancel_form = CancelMeetingForm(formdata=None) if meeting_id is not None and not meeting.cancelled \
        and not meeting.is_past else None
    return render_template("meetings/edit.html", form=form, title=title, meeting=meeting, cancel_form=cancel_form,
                           training_fields=TRAINING_FIELDS if trains else (), hidden_fields=TRAINING_FIELDS), \
        (422 if form.errors else 200)


@bp.route("/<id:meeting_id>/annuler", methods=["POST"])
@login_required
def cancel_meeting(meeting_id: int):
    """Cancel a meeting to come: the people registered are told at once."""
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    form = CancelMeetingForm()
    if not form.validate_on_submit():
        if form.errors.keys() - {"confirm"}:
            abort(400)
        flash(_("Cochez la case pour confirmer l'annulation."), "error")
        return redirect(url_for("meetings.edit", meeting_id=meeting.id) + "#annuler")
    if carry_out(lambda: services.cancel_meeting(current_user, meeting), form, ERROR_MESSAGES,
                 _("La rencontre est annulée. Les personnes inscrites sont prévenues.")):
        send_meeting_notices(current_app.config, meeting.id)
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/<id:meeting_id>/emargement")
@login_required
def attendance(meeting_id: int):
    """The day's attendance (émargement): tick who came, add walk-ins and
    the paper sheet's count."""
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    q = request.args.get("q", "").strip().lower()
    people = services.registrations(meeting)
    if q:
        people = [p for p in people if q in p.first_name.lower()]
    marks = len(meeting.audience_list) > 1 if meeting.is_training else False
    return render_template("meetings/attendance.html", meeting=meeting, people=people, q=q, counts=services.counts(meeting),
                           audiences=meeting.audience_list if marks else [],
                           walk_in_form=WalkInForm(formdata=None), paper_form=PaperCountForm(formdata=None, data={"count": meeting.paper_count}),
                           action_form=ActionForm(formdata=None))


def _wants_json() -> bool:
    """The attendance page's script asks for JSON; a plain form gets a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _presence_summary(meeting: Meeting) -> str:
    c = services.counts(meeting)
    return _("Présents : %(n)s (dont %(w)s sans inscription et %(p)s sur papier).", n=c.present, w=c.present_walk_ins, p=c.paper)


def _entry_json(meeting: Meeting, entry: Registration, status: int = 200):
    return jsonify(id=entry.id, first_name=entry.first_name, present=entry.present, walk_in=entry.walk_in,
                   client_key=entry.client_key, summary=_presence_summary(meeting),
                   tick_url=url_for("meetings.tick", meeting_id=meeting.id, registration_id=entry.id)), status


@bp.route("/<id:meeting_id>/emargement/<id:registration_id>", methods=["POST"])
@login_required
def tick(meeting_id: int, registration_id: int):
    """Present or not: the form (or the page's script, possibly long after,
    from its queue) sends the state wanted, so sending it twice is harmless."""
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    entry = db.session.get(Registration, registration_id)
    if entry is None or entry.meeting_id != meeting.id:
        abort(404)
    if not ActionForm().validate_on_submit() or request.form.get("present") not in ("0", "1"):
        abort(400)
    services.set_present(current_user, entry, request.form.get("present") == "1")
    db.session.commit()
    if _wants_json():
        return _entry_json(meeting, entry)
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id, q=request.args.get("q") or None) + f"#r{entry.id}")


@bp.route("/<id:meeting_id>/emargement/<id:registration_id>/public", methods=["POST"])
@login_required
def mark_audience(meeting_id: int, registration_id: int):
    """At a training for several publics: as whom the person came (resident,
    elected official, staff). Sent twice, the same mark."""
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    entry = db.session.get(Registration, registration_id)
    if entry is None or entry.meeting_id != meeting.id:
        abort(404)
    audience = request.form.get("audience", "")
    if not ActionForm().validate_on_submit() or audience not in {a.value for a in Audience}:
        abort(400)
    services.set_audience(current_user, entry, audience)
    db.session.commit()
    flash(_("%(name)s : %(public)s, c'est noté.", name=entry.first_name, public=Audience(audience).one),
          "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id, q=request.args.get("q") or None)
                    + f"#r{entry.id}")


@bp.route("/<id:meeting_id>/emargement/sur-place", methods=["POST"])
@login_required
def walk_in(meeting_id: int):
    """Someone who came without registering. With a `client_key` (made by the
    page's script when the person was added, perhaps offline), sending again
    returns the same person instead of adding a second one."""
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    form = WalkInForm()
    message = None
    if form.validate_on_submit():
        try:
            seat = services.register(meeting, first_name=form.first_name.data, walk_in=True,
                                     client_key=request.form.get("client_key") or None)
        except services.MeetingError as error:
            message = ERROR_MESSAGES.get(error.code, error.code)
        else:
            if _wants_json():
                return _entry_json(meeting, db.session.get(Registration, seat.registration_id))
            flash(_("%(name)s : présence notée.", name=form.first_name.data), "success")
    else:
        message = _("Indiquez votre prénom.")
    if message is not None:
        if _wants_json():
            return jsonify(error=message), 422
        flash(message, "error")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


@bp.route("/<id:meeting_id>/emargement/papier", methods=["POST"])
@login_required
def paper(meeting_id: int):
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    form = PaperCountForm()
    if form.validate_on_submit():
        services.set_paper_count(current_user, meeting, form.count.data)
        db.session.commit()
        flash(_("Le compte de la feuille papier est enregistré."), "success")
    else:
        flash(_("Indiquez un nombre de personnes."), "error")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


@bp.route("/<id:meeting_id>/affiche")
def flyer(meeting_id: int):
    """An A5 flyer to print and hand out, with a QR code to the meeting page
    (a relay's own invite link when a relay prints it)."""
    meeting = get_meeting(meeting_id)
    values = {"meeting_id": meeting.id}
    if can(current_user, "relay.invite"):
        values["relais"] = services.relay_token(current_app.config, current_user)
    link = absolute(url_for("meetings.detail", **values))
    svg = qr_svg(link, _("Code QR vers la page de la rencontre"), scale=5)
    return render_template("meetings/flyer.html", meeting=meeting, link=link, qr=svg)


def _minutes_page(meeting: Meeting, *, form=None, decision_form=None, attachment_form=None, status: int = 200):
    """The minutes page, with whichever of its three forms was just sent shown back."""
    if form is None:
        form = MinutesForm(formdata=None, data={"minutes": rich_text_as_typed(meeting.minutes)})
    return render_template("meetings/minutes.html", meeting=meeting, form=form,
                           decision_form=decision_form if decision_form is not None else DecisionForm(formdata=None),
                           attachment_form=attachment_form if attachment_form is not None else MinutesAttachmentForm(formdata=None),
                           action_form=ActionForm(formdata=None)), status


@bp.route("/<id:meeting_id>/compte-rendu", methods=["GET", "POST"])
@login_required
def minutes(meeting_id: int):
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    form = MinutesForm(data={"minutes": rich_text_as_typed(meeting.minutes)})
    board_id = request.args.get("atelier", "")
    if request.method == "GET" and re.fullmatch(r"[0-9]{1,9}", board_id):  # an id, not a number PostgreSQL refuses
        addition = minutes_addition(meeting, int(board_id))
        if addition:
            form.minutes.data = ((form.minutes.data or "") + "\n\n" + addition).strip()
            flash(_("La synthèse de l'atelier est ajoutée au texte ci-dessous : relisez, puis publiez."), "info")
    if form.validate_on_submit() and carry_out(
            lambda: services.publish_minutes(current_app.config, current_user, meeting, form.minutes.data),
            form, ERROR_MESSAGES, _("Le compte-rendu est publié.")):
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#compte-rendu")
    return _minutes_page(meeting, form=form, status=422 if form.errors else 200)


@bp.route("/<id:meeting_id>/decisions", methods=["POST"])
@login_required
def add_decision(meeting_id: int):
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    decision_form = DecisionForm()
    if decision_form.validate_on_submit() and carry_out(
            lambda: services.add_decision(
                current_user, meeting, text=decision_form.text.data, rule=decision_form.rule.data,
                votes_for=decision_form.votes_for.data, votes_against=decision_form.votes_against.data,
                abstentions=decision_form.abstentions.data),
            decision_form, ERROR_MESSAGES, _("La décision est ajoutée.")):
        return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    return _minutes_page(meeting, decision_form=decision_form, status=422)


# --- attachments of the minutes -------------------------------------------


@bp.route("/<id:meeting_id>/pieces-jointes", methods=["POST"])
@accepts_uploads()
@login_required
def add_attachment(meeting_id: int):
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    attachment_form = MinutesAttachmentForm()
    status = 422
    if attachment_form.validate_on_submit():
        upload = attachment_form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            attachment_form.file.errors = [ERROR_MESSAGES["attachment-empty"]]
        else:
            try:
                services.add_attachment(current_app.config["LABO_UPLOAD_DIR"], current_user, meeting,
                                        upload.stream, upload.filename)
            except AttachmentError as error:
                db.session.rollback()
                attachment_form.file.errors = [ERROR_MESSAGES[f"attachment-{error.code}"]]
                status = 413 if error.code == "too-big" else 422
            else:
                db.session.commit()
                flash(_("Le fichier est joint au compte-rendu."), "success")
                return redirect(url_for("meetings.minutes", meeting_id=meeting.id) + "#pieces-jointes")
    return _minutes_page(meeting, attachment_form=attachment_form, status=status)


def _get_attachment(meeting_id: int, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting_id:
        abort(404)
    return attachment


@bp.route("/<id:meeting_id>/pieces-jointes/<id:attachment_id>/supprimer", methods=["POST"])
@login_required
def delete_attachment(meeting_id: int, attachment_id: int):
    meeting = get_meeting(meeting_id)
    authorize("meeting.manage", meeting)
    attachment = _get_attachment(meeting.id, attachment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = attachment.filename
    services.delete_attachment(current_app.config["LABO_UPLOAD_DIR"], current_user, attachment)
    db.session.commit()
    flash(_("« %(name)s » est retiré du compte-rendu.", name=name), "success")
    return redirect(url_for("meetings.minutes", meeting_id=meeting.id) + "#pieces-jointes")


@bp.route("/<id:meeting_id>/pieces-jointes/<id:attachment_id>")
def attachment(meeting_id: int, attachment_id: int):
    """A file of the minutes, public like them, always downloaded (never shown
    inline) with the type our own check found."""
    meeting = get_meeting(meeting_id)
    entry = _get_attachment(meeting.id, attachment_id)
    return send_attachment(entry.key, entry.content_type, entry.filename)
