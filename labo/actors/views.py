"""The directory of actors (public), a person's own card, the ambassadors'
space with their invite links and activity log, the organisations' forms,
and the activity counts for the steering committee."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labo.actors import services
from labo.actors.forms import ActivityForm, DirectoryFilterForm, ERROR_MESSAGES, OrganisationForm, ActorProfileForm
from labo.actors.models import (
    ACTIVITY_KIND_LABELS,
    ActivityEntry,
    ActivityKind,
    ORGANISATION_KIND_LABELS,
    Organisation,
)
from labo.core.forms import ActionForm, carry_out, edit_form
from labo.core.i18n import _
from labo.core.urls import absolute, page_number
from labo.extensions import db
from labo.meetings.services import upcoming
from labo.permissions import authorize, can, require
from labo.territory.services import get_commune, list_communes, list_pillars, resolve_theme, theme_choices

bp = Blueprint("actors", __name__, url_prefix="/acteurs")


def _ambition_choices() -> list[tuple[int, str]]:
    return [(a.id, a.title) for pillar in list_pillars() for a in pillar.ambitions]


def _commune_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in list_communes() if c.in_call]


# --- the public directory ------------------------------------------------


@bp.route("/")
def index():
    form = DirectoryFilterForm(request.args)
    communes = list_communes()
    form.commune.choices = [("", _("Toutes"))] + [(c.slug, c.name) for c in communes]
    form.theme.choices = theme_choices(_("Tous"))
    form.kind.choices = [("", _("Tout le monde")), ("personnes", _("Ambassadrices, ambassadeurs et personnes référentes")),
                         ("structures", _("Associations et structures"))]
    commune = next((c for c in communes if c.slug == form.commune.data), None)
    theme = form.theme.data if form.theme.data in {value for value, _label in form.theme.choices} else None
    pillar, ambition = resolve_theme(theme)
    kind = form.kind.data if form.kind.data in ("personnes", "structures") else None
    filters = services.DirectoryFilters(commune=commune, pillar=pillar, ambition=ambition, kind=kind)
    page = services.directory(filters, page=page_number(), per_page=current_app.config["LABO_PER_PAGE"])
    return render_template("actors/index.html", form=form, page=page, filters=filters.active())


# --- a person's own card -------------------------------------------------


@bp.route("/moi", methods=["GET", "POST"])
@login_required
@require("actors.appear")
def my_profile():
    profile = services.profile_of(current_user)
    if profile is None:
        form = ActorProfileForm(data={"communes": services.suggested_communes(current_user)})
    else:
        form = edit_form(ActorProfileForm, profile, themes=[a.id for a in profile.ambitions])
    form.communes.choices = _commune_choices()
    form.themes.choices = _ambition_choices()
    if form.validate_on_submit() and carry_out(
            lambda: services.save_profile(
                current_user, listed=form.listed.data, public_email=form.public_email.data,
                public_phone=form.public_phone.data, presentation=form.presentation.data or "",
                communes=services.communes_by_id(form.communes.data), ambitions=services.ambitions_by_id(form.themes.data),
            ),
            form, ERROR_MESSAGES,
            _("Votre fiche est enregistrée.") if form.listed.data
            else _("C'est enregistré : vous n'apparaissez pas dans l'annuaire.")):
        return redirect(url_for("actors.my_profile"))
    preview = None
    if profile is not None and profile.listed:
        preview = services.person_entry(profile)
    return render_template("actors/profile.html", form=form, preview=preview), (422 if form.errors else 200)


# --- the ambassador's space ----------------------------------------------


@bp.route("/mon-espace")
@login_required
@require("actors.log_activity")
def space():
    def link_for(meeting, token):
        return absolute(url_for("meetings.detail", meeting_id=meeting.id, relais=token))

    entries = services.activity_of(current_user)
    return render_template(
        "actors/space.html",
        invites=services.invite_links(current_app.config, current_user, upcoming(), link_for),
        relayed=services.relayed_meetings(current_user),
        entries=entries,
        feedback=[e for e in entries if e.kind == ActivityKind.FEEDBACK.value],
        action_form=ActionForm(formdata=None),
    )


def _activity_form(entry: ActivityEntry | None) -> ActivityForm:
    if entry is None:
        from datetime import date

        form = ActivityForm(data={"happened_on": date.today(), "kind": request.args.get("type", "")})
    else:
        form = edit_form(ActivityForm, entry, commune=str(entry.commune_id or ""))
    form.kind.choices = [("", _("Choisir…"))] + [(k.value, label) for k, label in ACTIVITY_KIND_LABELS.items()]
    form.commune.choices = [("", _("Choisir…"))] + [(str(c.id), c.name) for c in list_communes()]
    return form


@bp.route("/mon-espace/activite/nouvelle", methods=["GET", "POST"], defaults={"entry_id": None})
@bp.route("/mon-espace/activite/<id:entry_id>", methods=["GET", "POST"])
@login_required
def edit_activity(entry_id: int | None):
    authorize("actors.log_activity")
    entry = None
    if entry_id is not None:
        entry = db.get_or_404(ActivityEntry, entry_id)
        if not can(current_user, "actors.edit_activity", entry):
            abort(404)  # someone else's note: not even its existence is told
    form = _activity_form(entry)
    if form.validate_on_submit() and carry_out(
            lambda: services.save_activity(
                current_user, entry or ActivityEntry(), happened_on=form.happened_on.data, kind=form.kind.data,
                commune=get_commune(form.commune.data), people_count=form.people_count.data, text=form.text.data or "",
            ),
            form, ERROR_MESSAGES, _("C'est noté dans votre journal.")):
        return redirect(url_for("actors.space") + "#journal")
    title = _("Noter une activité") if entry is None else _("Modifier une note")
    return render_template("actors/activity_edit.html", form=form, entry=entry, title=title,
                           action_form=ActionForm(formdata=None)), (422 if form.errors else 200)


@bp.route("/mon-espace/activite/<id:entry_id>/supprimer", methods=["POST"])
@login_required
def delete_activity(entry_id: int):
    authorize("actors.log_activity")
    entry = db.get_or_404(ActivityEntry, entry_id)
    if not can(current_user, "actors.edit_activity", entry):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_activity(current_user, entry)
    db.session.commit()
    flash(_("La note est supprimée."), "success")
    return redirect(url_for("actors.space") + "#journal")


# --- counts for the steering committee -----------------------------------


@bp.route("/activite")
@login_required
@require("actors.read_aggregates")
def aggregates():
    year = request.args.get("annee", "")
    year = int(year) if re.fullmatch(r"20[0-9]{2}", year) else None
    figures = services.activity_aggregates(year)
    return render_template("actors/aggregates.html", figures=figures, totals=services.activity_totals(figures), year=year)


# --- organisations -------------------------------------------------------


@bp.route("/structures/nouvelle", methods=["GET", "POST"], defaults={"organisation_id": None})
@bp.route("/structures/<id:organisation_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int | None):
    if organisation_id is None:
        authorize("actors.manage_organisation")
        organisation = Organisation()
        form = OrganisationForm()
    else:
        organisation = db.get_or_404(Organisation, organisation_id)
        authorize("actors.manage_organisation", organisation)
        form = edit_form(OrganisationForm, organisation, themes=[a.id for a in organisation.ambitions])
    form.kind.choices = [("", _("Choisir…"))] + [(k.value, label) for k, label in ORGANISATION_KIND_LABELS.items()]
    form.communes.choices = _commune_choices()
    form.themes.choices = _ambition_choices()
    if form.validate_on_submit() and carry_out(
            lambda: services.save_organisation(
                current_user, organisation, name=form.name.data, kind=form.kind.data,
                description=form.description.data or "", contact_email=form.contact_email.data,
                contact_phone=form.contact_phone.data, website=form.website.data,
                communes=services.communes_by_id(form.communes.data), ambitions=services.ambitions_by_id(form.themes.data),
            ),
            form, ERROR_MESSAGES, _("La structure est enregistrée dans l'annuaire.")):
        return redirect(url_for("actors.index", kind="structures"))
    title = _("Ajouter une structure") if organisation_id is None else _("Modifier la structure")
    return render_template("actors/organisation_edit.html", form=form, organisation=organisation if organisation_id else None,
                           title=title, action_form=ActionForm(formdata=None)), (422 if form.errors else 200)


@bp.route("/structures/<id:organisation_id>/supprimer", methods=["POST"])
@login_required
def delete_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize("actors.manage_organisation", organisation)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_organisation(current_user, organisation)
    db.session.commit()
    flash(_("La structure est retirée de l'annuaire."), "success")
    return redirect(url_for("actors.index"))
