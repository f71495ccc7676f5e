"""The live boards' pages. Every page works with its forms alone; the script
static/js/board.js adds live updates over Socket.IO (labo/workshops/events.py).

- `workshops` (/ateliers), for the animators: their list, a new board, the
  console (steer, moderate, group), the projector, the summary, exports, and
  turning notes into contributions.
- `workshop_phone` (/atelier), for the participants' phones: one enters the
  code (no account), joins, sees the board (`workshop_phone.page`), posts
  notes and places dots."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from labo.accounts.models import User
from labo.core.forms import ActionForm, carry_out
from labo.core.i18n import _
from labo.core.qr import qr_svg
from labo.core.spreadsheet import csv_bytes
from labo.core.urls import absolute
from labo.extensions import db, limiter
from labo.meetings.models import Meeting
from labo.permissions import authorize, can
from labo.territory.services import get_commune, list_communes
from labo.workshops import events, services
from labo.workshops.forms import (
    BoardForm,
    CoAnimatorForm,
    CodeForm,
    ContributionsForm,
    DotForm,
    ERROR_MESSAGES,
    GroupForm,
    JoinForm,
    NoteForm,
    RenameForm,
    SteerForm,
)
from labo.workshops.models import Board, Note, NoteGroup, PHASES, Phase

bp = Blueprint("workshops", __name__, url_prefix="/ateliers")
phone_bp = Blueprint("workshop_phone", __name__, url_prefix="/atelier")

# A whole hall joins and writes at once, often from one Wi-Fi address.
HALL_LIMIT = "600 per minute"
SESSION_KEY = "workshops"  # {board id: participant token} for the phones' pages


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"phases_all": lambda: PHASES, "meeting_boards": services.boards_of_meeting}


def minutes_addition(meeting, board_id: int) -> str:
    """A board's summary as text for its meeting's minutes ("" if the board
    is not this meeting's, or the person does not animate it)."""
    board = db.session.get(Board, board_id)
    if board is None or board.meeting_id != meeting.id or not can(current_user, "workshop.animate", board):
        return ""
    return services.minutes_text(board, _("Atelier « %(title)s » : ce qui en ressort", title=board.title), _("gommettes"))


def get_board(board_id: int) -> Board:
    return db.get_or_404(Board, board_id)


def board_of_code(code: str) -> Board:
    board = services.board_by_code(code)
    if board is None:
        abort(404)
    return board


def _join_link(board: Board) -> str:
    return absolute(url_for("workshop_phone.page", code=board.code))


def _qr(board: Board) -> Markup:
    # A viewBox and no fixed size: the projector draws it large, then as a strip.
    return qr_svg(_join_link(board), _("Code QR pour rejoindre l'atelier"), scale=6, sized=False)


# --- the animator's pages ----------------------------------------------------


def _meeting_choices():
    meetings = db.session.scalars(select(Meeting).where(Meeting.cancelled.is_(False))
                                  .order_by(Meeting.starts_at.desc()).limit(60))
    return [SelectChoice("", _("Aucune (atelier à part)"))] + [
        SelectChoice(str(m.id), f"{m.title} — {m.commune.name}") for m in meetings]


@bp.route("/")
@login_required
def index():
    authorize("workshop.create")
    return render_template("workshops/index.html", boards=services.boards_for(current_user))


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    authorize("workshop.create")
    form = BoardForm()
    form.meeting.choices = _meeting_choices()
    form.commune.choices = [SelectChoice("", _("— Choisir —"))] + [SelectChoice(str(c.id), c.name) for c in list_communes()]
    # Opened from a meeting's page (?rencontre=<id>): its title and commune fill the
    # form; its animators become co-animators when the board is made (services.create_board).
    wanted = request.args.get("rencontre", "") if request.method == "GET" else request.form.get("meeting", "")
    from_meeting = db.session.get(Meeting, int(wanted)) if wanted.isdigit() and len(wanted) < 10 else None
    if from_meeting is not None and not any(c.value == str(from_meeting.id) for c in form.meeting.choices):
        # An older meeting than the list shows keeps its place in it.
        form.meeting.choices.append(SelectChoice(str(from_meeting.id), f"{from_meeting.title} — {from_meeting.commune.name}"))
    if request.method == "GET" and from_meeting is not None:
        form.meeting.data = str(from_meeting.id)
        form.title.data = from_meeting.title
        form.commune.data = str(from_meeting.commune_id)
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, int(form.meeting.data)) if (form.meeting.data or "").isdigit() else None
        commune = get_commune(int(form.commune.data)) if (form.commune.data or "").isdigit() else None
        made = carry_out(
            lambda: services.create_board(
                current_user, title=form.title.data, columns=(form.columns.data or "").splitlines(), meeting=meeting,
                commune=commune, dots_per_person=form.dots_per_person.data, private_writing=form.private_writing.data,
                authors_visible=form.authors_visible.data, vote_display=form.vote_display.data or "live"),
            form, ERROR_MESSAGES, lambda board: _("L'atelier est ouvert. Code : %(code)s", code=board.code))
        if made:
            return redirect(url_for("workshops.console", board_id=made.value.id))
    return render_template("workshops/new.html", form=form, from_meeting=from_meeting), 422 if form.errors else 200


def _console_page(board: Board, *, status: int = 200, steer_form=None):
    authorize("workshop.animate", board)
    full = services.state(board, animator=True)
    if steer_form is None:
        steer_form = SteerForm(formdata=None, data={"phase": board.phase, "locked": board.locked,
                                                    "authors_visible": board.authors_visible,
                                                    "private_writing": board.private_writing,
                                                    "vote_display": board.vote_display})
    notes = full["notes"]
    groups = {g["id"]: g for g in full["groups"]}
    targets = [("g" + str(g["id"]), _("Groupe : %(title)s", title=g["title"])) for g in full["groups"]] + [
        ("n" + str(n["id"]), n["text"][:60]) for n in notes if not n["hidden"]]
    co_form = CoAnimatorForm(formdata=None)
    co_form.user.choices = [SelectChoice("", _("— Choisir —"))] + [
        SelectChoice(str(u.id), u.pseudonym) for u in services.co_animator_candidates(board)]
    return render_template("workshops/console.html", board=board, state=full, notes=notes, groups=groups,
                           steer_form=steer_form, targets=targets, action_form=ActionForm(formdata=None),
                           co_form=co_form, join_link=_join_link(board)), status


@bp.route("/<id:board_id>")
@login_required
def console(board_id: int):
    return _console_page(get_board(board_id))


def _wall_ranks(board: Board, state: dict) -> None:
    """Each note's and group's place on the wall while the room votes, when
    the animator chose to rank them as the dots land (static/js/board.js
    does the same live): its dots, a group's with its notes'. 0 otherwise,
    and the wall keeps the newest first."""
    ranked = board.phase == Phase.VOTING.value and board.vote_display == "ranked"
    dots = state["dots"]
    for note in state["notes"]:
        note["wall_rank"] = dots["note"].get(str(note["id"]), 0) if ranked else 0
    for group in state["groups"]:
        inside = sum(n["wall_rank"] for n in state["notes"] if n["group"] == group["id"])
        group["wall_rank"] = dots["group"].get(str(group["id"]), 0) + inside if ranked else 0


@bp.route("/<id:board_id>/projection")
@login_required
def projector(board_id: int):
    """Full screen, for the back of the room: the code, the QR code and the board."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    state = services.state(board)
    _wall_ranks(board, state)
    return render_template("workshops/projector.html", board=board, state=state, qr=_qr(board),
                           join_link=_join_link(board))


@bp.route("/<id:board_id>/pilotage", methods=["POST"])
@login_required
def steer(board_id: int):
    """The console's steering form, for when its buttons' script did not run."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    form = SteerForm()
    if not form.validate_on_submit():
        return _console_page(board, status=422, steer_form=form)
    before = services.public_view(board)

    def change() -> None:
        if form.phase.data != board.phase:
            services.set_phase(current_user, board, form.phase.data)
        if form.minutes.data is not None:
            services.set_timer(board, form.minutes.data * 60)
        services.set_flags(board, locked=form.locked.data, authors_visible=form.authors_visible.data,
                           private_writing=form.private_writing.data, vote_display=form.vote_display.data or None)

    if not carry_out(change, form, ERROR_MESSAGES, _("Le tableau est à jour.")):
        return _console_page(board, status=422, steer_form=form)
    events.announce_board(board, whole=services.public_view(board) != before)
    return redirect(url_for("workshops.console", board_id=board.id))


@bp.route("/<id:board_id>/devoiler", methods=["POST"])
@login_required
def reveal(board_id: int):
    """The end of private writing: every note shows on every screen."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    if ActionForm().validate_on_submit() and board.private_writing:
        services.set_flags(board, private_writing=False)
        db.session.commit()
        events.announce_board(board, whole=True)
        flash(_("Les notes sont dévoilées sur tous les écrans."), "success")
    return redirect(url_for("workshops.console", board_id=board.id))


@bp.route("/<id:board_id>/co-animateurs", methods=["POST"])
@login_required
def co_animators(board_id: int):
    board = get_board(board_id)
    authorize("workshop.animate", board)
    if ActionForm().validate_on_submit():
        value = request.form.get("user", "")
        person = db.session.get(User, int(value)) if value.isdigit() and len(value) < 10 else None
        if person is None:
            flash(_("Choisissez une personne de la liste."), "error")
        elif request.form.get("remove"):
            services.remove_animator(current_user, board, person)
            db.session.commit()
            flash(_("%(name)s n'anime plus ce tableau.", name=person.pseudonym), "success")
        else:
            carry_out(lambda: services.add_animator(current_user, board, person), None, ERROR_MESSAGES,
                      _("%(name)s co-anime ce tableau.", name=person.pseudonym))
    return redirect(url_for("workshops.console", board_id=board.id) + "#co-animation")


def _note_of(board: Board, note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.board_id != board.id:
        abort(404)
    return note


@bp.route("/<id:board_id>/notes/<id:note_id>/masquer", methods=["POST"])
@login_required
def hide_note(board_id: int, note_id: int):
    board = get_board(board_id)
    authorize("workshop.animate", board)
    note = _note_of(board, note_id)
    if ActionForm().validate_on_submit():
        services.hide_note(current_user, board, note, request.form.get("hidden") != "0")
        db.session.commit()
        events.announce_note(board, note)
        flash(_("La note est masquée.") if note.hidden else _("La note est de nouveau visible."), "success")
    return redirect(url_for("workshops.console", board_id=board.id) + f"#note-{note.id}")


@bp.route("/<id:board_id>/notes/<id:note_id>/regrouper", methods=["POST"])
@login_required
def group_note(board_id: int, note_id: int):
    """What dragging a note onto another does, as a form: choose the note or group to join."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    note = _note_of(board, note_id)
    form = GroupForm()
    target = request.form.get("target", "")
    form.target.choices = [SelectChoice(target, target)]

    def regroup():
        """(the grouping made, None) or (None, the id of the group the note left)."""
        if target == "seul":
            return None, services.ungroup_note(board, note)
        if target[:1] == "g" and target[1:].isdigit():
            return services.group_notes(board, note, onto_group=services.get_group(board, int(target[1:]))), None
        if target[:1] == "n" and target[1:].isdigit():
            return services.group_notes(board, note, onto_note=services.get_note(board, int(target[1:]))), None
        raise services.WorkshopError("group-target-required")

    done = form.validate_on_submit() and carry_out(
        regroup, None, ERROR_MESSAGES,
        lambda made: _("Les notes sont regroupées.") if made[0] else _("La note est sortie de son groupe."))
    if done:
        grouping, removed = done.value
        if grouping is None:
            events.announce_ungrouped(board, note, removed)
        else:
            events.announce_grouping(board, grouping)
    return redirect(url_for("workshops.console", board_id=board.id) + f"#note-{note.id}")


@bp.route("/<id:board_id>/groupes/<id:group_id>/titre", methods=["POST"])
@login_required
def rename_group(board_id: int, group_id: int):
    board = get_board(board_id)
    authorize("workshop.animate", board)
    group = db.session.get(NoteGroup, group_id)
    if group is None or group.board_id != board.id:
        abort(404)
    form = RenameForm()
    if form.validate_on_submit():
        services.rename_group(board, group, form.title.data)
        db.session.commit()
        events.announce_group(board, group)
        flash(_("Le titre du groupe est enregistré."), "success")
    else:
        flash(" ".join(str(m) for m in form.title.errors) or _("Le formulaire a expiré : envoyez-le à nouveau."), "error")
    return redirect(url_for("workshops.console", board_id=board.id) + f"#group-{group.id}")


@bp.route("/<id:board_id>/suivre", methods=["POST"])
@login_required
def focus(board_id: int):
    """"Follow me": bring every phone to one group or note ("" lets them go)."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    target = request.form.get("target", "")
    if target[:1] in ("g", "n") and target[1:].isdigit():
        kind, target_id = ("group" if target[0] == "g" else "note"), int(target[1:])
    else:
        kind, target_id = None, None
    if ActionForm().validate_on_submit() and carry_out(lambda: services.set_focus(board, kind, target_id),
                                                       None, ERROR_MESSAGES):
        events.announce_board(board)
    return redirect(url_for("workshops.console", board_id=board.id))


@bp.route("/<id:board_id>/synthese", methods=["GET", "POST"])
@login_required
def summary(board_id: int):
    """The printable summary (groups, notes, dots), and turning chosen notes
    or groups into contributions of the idea base."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    form = ContributionsForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            note_ids = [int(v) for v in request.form.getlist("note") if v.isdigit()]
            group_ids = [int(v) for v in request.form.getlist("group") if v.isdigit()]

            def make() -> list:
                if not note_ids and not group_ids:
                    raise services.WorkshopError("nothing-chosen")
                return services.to_contributions(current_app.config, current_user, board, note_ids=note_ids,
                                                 group_ids=group_ids, kind=form.kind.data)

            if carry_out(make, None, ERROR_MESSAGES,
                         lambda made: _("%(n)s contribution(s) ajoutée(s) à la base des idées.", n=len(made))):
                return redirect(url_for("workshops.summary", board_id=board.id))
            status = 422
        else:
            status = 422
    return render_template("workshops/summary.html", board=board, columns=services.summary(board), form=form,
                           participants=services.participant_count(board)), status


@bp.route("/<id:board_id>/imprimer")
@login_required
def printable(board_id: int):
    """The board for the meeting's minutes, on A4: per column, the groups and
    notes by dots (most first), each group with its notes. No pseudonyms."""
    board = get_board(board_id)
    authorize("workshop.animate", board)
    note_dots = {int(k): v for k, v in services.state(board)["dots"]["note"].items()}
    return render_template("workshops/print.html", board=board, columns=services.summary(board), note_dots=note_dots,
                           participants=services.participant_count(board))


@bp.route("/<id:board_id>/export.csv")
@login_required
def export_csv(board_id: int):
    board = get_board(board_id)
    authorize("workshop.animate", board)
    return Response(csv_bytes(services.export_rows(board)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="atelier-{board.code}.csv"'})


# --- the phones' pages ---------------------------------------------------------


def _token_for(board: Board):
    tokens = session.get(SESSION_KEY) or {}
    return services.participant_for_token(current_app.config, board, tokens.get(str(board.id))), tokens.get(str(board.id))


def _phone_page(board: Board, participant, token, *, note_form=None, status: int = 200):
    if note_form is None:
        note_form = NoteForm(formdata=None, data={"client_key": secrets.token_urlsafe(12)})
    note_form.column.choices = [SelectChoice(c.id, c.title) for c in board.columns]
    if note_form.column.data is None and board.columns:
        note_form.column.data = board.columns[0].id
    full = services.state(board)
    me = services.personal_state(board, participant)
    mine = {n["id"] for n in me["notes"]}
    notes = [n for n in full["notes"] if n["id"] not in mine] + [n for n in me["notes"] if not n["hidden"]]
    return render_template("workshops/phone.html", board=board, state=full, me=me, notes=notes, token=token,
                           note_form=note_form, dot_form=DotForm(formdata=None),
                           groups={g["id"]: g for g in full["groups"]}), status


@phone_bp.route("/", methods=["GET"])
def enter():
    """Type the code shown in the room."""
    form = CodeForm(request.args)
    if request.args.get("code") is not None and form.validate():
        board = services.board_by_code(form.code.data)
        if board is not None:
            return redirect(url_for("workshop_phone.page", code=board.code))
        form.code.errors = [ERROR_MESSAGES["code-unknown"]]
    return render_template("workshops/enter.html", form=form), 404 if form.code.errors and request.args.get("code") else 200


@phone_bp.route("/<code>")
def page(code: str):
    """The board on a participant's phone (the form to join it first)."""
    board = board_of_code(code)
    participant, token = _token_for(board)
    if participant is None:
        return render_template("workshops/join.html", board=board, form=JoinForm(formdata=None))
    return _phone_page(board, participant, token)


@phone_bp.route("/<code>/rejoindre", methods=["POST"])
@limiter.limit(HALL_LIMIT)
def join(code: str):
    board = board_of_code(code)
    form = JoinForm()
    if form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        joined = carry_out(lambda: services.join_board(board, form.pseudonym.data, user=user), form, ERROR_MESSAGES)
        if joined:
            tokens = dict(session.get(SESSION_KEY) or {})
            tokens[str(board.id)] = services.participant_token(current_app.config, joined.value)
            # The ten most recent boards are enough for one phone.
            session[SESSION_KEY] = dict(list(tokens.items())[-10:])
            events.announce_people(board)
            return redirect(url_for("workshop_phone.page", code=board.code))
    return render_template("workshops/join.html", board=board, form=form), 422


def _participant_or_join(board: Board):
    participant, token = _token_for(board)
    if participant is None:
        flash(str(ERROR_MESSAGES["token-invalid"]), "error")
    return participant, token


@phone_bp.route("/<code>/note", methods=["POST"])
@limiter.limit(HALL_LIMIT)
def post_note(code: str):
    board = board_of_code(code)
    participant, token = _participant_or_join(board)
    if participant is None:
        return redirect(url_for("workshop_phone.page", code=board.code))
    form = NoteForm()
    form.column.choices = [SelectChoice(c.id, c.title) for c in board.columns]
    posted = form.validate_on_submit() and carry_out(
        lambda: services.post_note(board, participant, column_id=form.column.data, text=form.text.data,
                                   client_key=form.client_key.data or ""),
        form, ERROR_MESSAGES, _("Votre note est sur le tableau."))
    if posted:
        note, created = posted.value
        if created:
            events.announce_note(board, note)
        return redirect(url_for("workshop_phone.page", code=board.code) + "#ecrire")
    # What was typed comes back in the form, never lost.
    return _phone_page(board, participant, token, note_form=form, status=422)


@phone_bp.route("/<code>/gommette", methods=["POST"])
@limiter.limit(HALL_LIMIT)
def dot(code: str):
    board = board_of_code(code)
    participant, _token = _participant_or_join(board)
    if participant is None:
        return redirect(url_for("workshop_phone.page", code=board.code))
    form = DotForm()
    target = form.target.data or ""
    if form.validate_on_submit() and target.isdigit():
        change = services.remove_dot if form.action.data == "remove" else services.place_dot
        with events.dots_in_turn(board.id):
            if carry_out(lambda: change(board, participant, form.kind.data, int(target)), None, ERROR_MESSAGES):
                events.announce_dots(board, form.kind.data, int(target), participant)
    else:
        flash(str(ERROR_MESSAGES["target-unknown"]), "error")
    return redirect(url_for("workshop_phone.page", code=board.code) + f"#{form.kind.data or 'note'}-{target}")
