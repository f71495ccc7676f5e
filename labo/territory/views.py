"""Public pages of the territory and the strategy, and their administration."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from labo.accounts.services import referents_of
from labo.core.forms import carry_out, edit_form
from labo.core.i18n import _, _l
from labo.extensions import db
from labo.permissions import require
from labo.territory import services
from labo.territory.forms import AxisForm, CommuneForm, PillarForm, QpvForm
from labo.territory.models import Axis, Commune, Pillar, Qpv

bp = Blueprint("territory", __name__, url_prefix="/territoire")
admin_bp = Blueprint("territory_admin", __name__, url_prefix="/admin/territoire")

ERROR_MESSAGES = {"qpv-code-taken": _l("Ce code est déjà celui d'un autre quartier.")}


def _get_or_404(model, **filters):
    obj = db.session.scalar(select(model).filter_by(**filters))
    if obj is None:
        abort(404)
    return obj


@bp.route("/")
def index():
    communes = services.list_communes()
    return render_template(
        "territory/index.html",
        communes=[c for c in communes if c.in_call],
        neighbours=[c for c in communes if not c.in_call],
        qpvs=services.list_qpvs(),
    )


@bp.route("/communes/<slug>")
def commune(slug: str):
    commune = _get_or_404(Commune, slug=slug)
    return render_template("territory/commune.html", commune=commune, referents=referents_of(commune))


@bp.route("/quartiers/<slug>")
def qpv(slug: str):
    return render_template("territory/qpv.html", qpv=_get_or_404(Qpv, slug=slug))


@bp.route("/contrat-de-ville")
def strategy():
    return render_template("territory/strategy.html", pillars=services.list_pillars(), axes=services.list_axes())


# --- administration -------------------------------------------------------


@admin_bp.route("/")
@require("territory.edit")
def admin_index():
    return render_template(
        "territory/admin_index.html",
        communes=services.list_communes(),
        qpvs=services.list_qpvs(),
        pillars=services.list_pillars(),
        axes=services.list_axes(),
    )


@admin_bp.route("/communes/nouvelle", methods=["GET", "POST"], defaults={"slug": None})
@admin_bp.route("/communes/<slug>", methods=["GET", "POST"])
@require("territory.edit")
def edit_commune(slug: str | None):
    commune = _get_or_404(Commune, slug=slug) if slug else Commune()
    form = edit_form(CommuneForm, commune) if slug else CommuneForm()
    if form.validate_on_submit():
        services.update_commune(current_user, commune, name=form.name.data, in_call=form.in_call.data,
                                note=form.note.data or "", premoderation=form.premoderation.data)
        db.session.commit()
        flash(_("La commune %(name)s est enregistrée.", name=commune.name), "success")
        return redirect(url_for("territory_admin.admin_index"))
    title = _("Modifier %(name)s", name=commune.name) if slug else _("Ajouter une commune")
    return render_template("territory/admin_edit.html", form=form, title=title), (422 if form.errors else 200)


@admin_bp.route("/quartiers/nouveau", methods=["GET", "POST"], defaults={"slug": None})
@admin_bp.route("/quartiers/<slug>", methods=["GET", "POST"])
@require("territory.edit")
def edit_qpv(slug: str | None):
    qpv = _get_or_404(Qpv, slug=slug) if slug else Qpv()
    form = edit_form(QpvForm, qpv) if slug else QpvForm(data={"in_contract": True})
    communes = services.list_communes()
    form.communes.choices = [(c.id, c.name) for c in communes]
    if form.validate_on_submit():
        chosen = [c for c in communes if c.id in set(form.communes.data)]
        if carry_out(
                lambda: services.update_qpv(
                    current_user, qpv, code=form.code.data, name=form.name.data,
                    in_contract=form.in_contract.data, note=form.note.data or "", communes=chosen,
                ),
                form, ERROR_MESSAGES, lambda saved: _("Le quartier %(name)s est enregistré.", name=saved.name),
                refusals=(services.TerritoryError,)):
            return redirect(url_for("territory_admin.admin_index"))
    title = _("Modifier %(name)s", name=qpv.name) if slug else _("Ajouter un quartier")
    return render_template("territory/admin_edit.html", form=form, title=title), (422 if form.errors else 200)


@admin_bp.route("/piliers/<id:number>", methods=["GET", "POST"])
@require("strategy.edit")
def edit_pillar(number: int):
    pillar = _get_or_404(Pillar, number=number)
    form = PillarForm(data={
        "title": pillar.title,
        "summary": pillar.summary,
        "ambitions": [a.title for a in pillar.ambitions],
    })
    if form.validate_on_submit():
        services.update_pillar(current_user, pillar, title=form.title.data, summary=form.summary.data or "",
                               ambitions=[entry.data for entry in form.ambitions.entries])
        db.session.commit()
        flash(_("Le pilier est enregistré."), "success")
        return redirect(url_for("territory_admin.admin_index"))
    title = _("Modifier le pilier %(number)s", number=pillar.number)
    return render_template("territory/admin_edit.html", form=form, title=title), (422 if form.errors else 200)


@admin_bp.route("/axes/<slug>", methods=["GET", "POST"])
@require("strategy.edit")
def edit_axis(slug: str):
    axis = _get_or_404(Axis, slug=slug)
    form = edit_form(AxisForm, axis)
    if form.validate_on_submit():
        services.update_axis(current_user, axis, title=form.title.data, summary=form.summary.data or "")
        db.session.commit()
        flash(_("L'axe est enregistré."), "success")
        return redirect(url_for("territory_admin.admin_index"))
    title = _("Modifier l'axe « %(title)s »", title=axis.title)
    return render_template("territory/admin_edit.html", form=form, title=title), (422 if form.errors else 200)
