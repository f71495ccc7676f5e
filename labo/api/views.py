"""The JSON API: territory, contributions, and the OpenAPI document."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from labo.api.openapi import build_document
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.pagination import paginate
from labo.extensions import db, limiter
from labo.permissions import authorize
from labo.territory.services import list_communes, list_qpvs, resolve_theme

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.route("/communes")
def communes():
    return jsonify([
        {
            "slug": c.slug,
            "name": c.name,
            "in_call": c.in_call,
            "qpv": [q.code for q in c.qpvs],
            "url": url_for("territory.commune", slug=c.slug),
        }
        for c in list_communes()
    ])


@bp.route("/qpv")
def qpvs():
    return jsonify([
        {
            "code": q.code,
            "name": q.name,
            "slug": q.slug,
            "communes": [c.name for c in q.communes],
            "in_contract": q.in_contract,
            "url": url_for("territory.qpv", slug=q.slug),
        }
        for q in list_qpvs()
    ])


# --- contributions --------------------------------------------------------


def contribution_json(c, supports: int) -> dict:
    return {
        "id": c.id,
        "kind": c.kind,
        "title": c.title,
        "body": c.body,
        "commune": {"slug": c.commune.slug, "name": c.commune.name},
        "qpv": {"code": c.qpv.code, "name": c.qpv.name, "slug": c.qpv.slug} if c.qpv else None,
        "theme": {
            "pillar": c.pillar.number if c.pillar else None,
            "ambition": c.ambition.slug if c.ambition else None,
            "label": c.theme_label or None,
        },
        "status": c.status,
        "visibility": c.visibility,
        "author": c.author_label,
        "entered_on_behalf": bool(c.on_behalf_of),
        "supports": supports,
        "created_at": c.created_at.isoformat(),
        "answer": c.answer,
        "answered_at": c.answered_at.isoformat() if c.answered_at else None,
        "photo": url_for("contributions.photo", key=c.photo.key) if c.photo else None,
        "url": url_for("contributions.detail", contribution_id=c.id),
    }


def _api_error(status: int, message: str, errors: dict | None = None):
    body = {"error": message, "status": status}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


@bp.route("/contributions")
def contributions():
    from labo.contributions import services
    from labo.contributions.models import Contribution

    args = request.args
    page = args.get("page", "1")
    per_page = args.get("per_page", "20")
    if not (re.fullmatch(r"[0-9]{1,5}", page) and re.fullmatch(r"[0-9]{1,3}", per_page)) \
            or int(page) < 1 or not 1 <= int(per_page) <= 100:
        return _api_error(400, _("page doit être un entier ≥ 1 et per_page entre 1 et 100."))
    filters = services.Filters(
        commune=args.get("commune") or None, qpv=args.get("qpv") or None, theme=args.get("theme") or None,
        kind=args.get("kind") or None, status=args.get("status") or None, q=(args.get("q") or "")[:100] or None,
    )
    result = paginate(services.published_query(filters), Contribution.id, count_key=filters.key(),
                    page=int(page), per_page=int(per_page))
    counts = services.support_counts(c.id for c in result.items)
    return jsonify({
        "items": [contribution_json(c, counts.get(c.id, 0)) for c in result.items],
        "page": result.page, "per_page": result.per_page, "pages": result.pages, "total": result.total,
    })


@bp.route("/contributions/<id:contribution_id>")
def contribution(contribution_id: int):
    from labo.contributions import services
    from labo.contributions.models import Contribution

    c = db.session.get(Contribution, contribution_id)
    if c is None or not c.is_published:  # hidden, pending or merged: never in the API
        return _api_error(404, _("Cette contribution n'existe pas ou n'est pas publique."))
    return jsonify(contribution_json(c, services.support_count(c)))


@bp.route("/contributions", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person)
def create_contribution():
    from labo.contributions import services
    from labo.contributions.forms import ERROR_MESSAGES
    from labo.territory.models import Commune, Qpv

    if not current_user.is_authenticated:
        return _api_error(401, _("Connectez-vous pour partager une contribution."))
    authorize("contribution.create")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _api_error(400, _("Envoyez un objet JSON."))
    text = {k: data.get(k) for k in ("kind", "title", "body", "commune", "qpv", "theme")}
    if any(v is not None and not isinstance(v, str) for v in text.values()):
        return _api_error(400, _("Chaque champ est une chaîne de caractères."))
    if not (text["title"] or "").strip():  # the API's schema asks a title (the site's form makes one)
        message = str(ERROR_MESSAGES["title-required"])
        return _api_error(400, message, {"title": message})
    commune = db.session.scalar(select(Commune).where(Commune.slug == (text["commune"] or "")))
    qpv = None
    if text["qpv"]:
        qpv = db.session.scalar(select(Qpv).where((Qpv.code == text["qpv"].upper()) | (Qpv.slug == text["qpv"])))
        if qpv is None:
            return _api_error(400, _("Quartier inconnu."), {"qpv": _("Quartier inconnu.")})
    pillar, ambition = resolve_theme(text["theme"])
    try:
        c = services.create_contribution(
            current_app.config, current_user, kind=text["kind"] or "", title=text["title"] or "",
            body=text["body"] or "", commune=commune, qpv=qpv, pillar=pillar, ambition=ambition,
        )
    except services.ContributionError as error:
        db.session.rollback()
        message = str(ERROR_MESSAGES.get(error.code, error.code))
        return _api_error(400, message, {error.field or "contribution": message})
    db.session.commit()
    response = jsonify(contribution_json(c, 0))
    if c.is_published:
        response.status_code = 201
        response.headers["Location"] = url_for("api.contribution", contribution_id=c.id)
    else:  # a pre-moderated commune: public once a referent approves it
        response.status_code = 202
    return response


# --- meetings -------------------------------------------------------------


def meeting_json(m) -> dict:
    from labo.meetings.services import counts

    c = counts(m)
    return {
        "id": m.id, "title": m.title, "theme": m.theme,
        "starts_at": m.starts_at.isoformat(), "ends_at": m.ends_at.isoformat() if m.ends_at else None,
        "commune": {"slug": m.commune.slug, "name": m.commune.name},
        "venue": m.venue, "address": m.address,
        "access": {"step_free": m.step_free, "public_transport": m.public_transport, "childcare": m.childcare},
        "capacity": m.capacity, "cancelled": m.cancelled,
        "counts": {"registered": c.confirmed, "waiting": c.waiting, "present": c.present},
        "url": url_for("meetings.detail", meeting_id=m.id),
        "ics": url_for("meetings.ics", meeting_id=m.id),
    }


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")


def parse_moment(value: str, end_of_day: bool = False):
    """A query's date (YYYY-MM-DD, midnight UTC, or the end of that day) or
    RFC 3339 date and time, as an aware UTC datetime; None if malformed. A
    moment so far off that UTC cannot hold it becomes the first or last one."""
    from datetime import datetime, timedelta, timezone

    if _DATE_RE.fullmatch(value):
        try:
            day = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
        except ValueError:
            return None
        if not end_of_day:
            return day
        return day + timedelta(days=1, microseconds=-1) if day.date() < datetime.max.date() \
            else datetime.max.replace(tzinfo=timezone.utc)
    if not _DATE_TIME_RE.fullmatch(value):
        return None
    if value[17:19] == "60":  # a leap second: RFC 3339 has them, Python does not
        value = value[:17] + "59" + value[19:]
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return moment.astimezone(timezone.utc)  # SQLite compares the text: every bound in UTC
    except OverflowError:
        edge = datetime.min if moment.year == 1 else datetime.max
        return edge.replace(tzinfo=timezone.utc)


@bp.route("/meetings")
def meetings():
    from labo.meetings.models import Meeting

    query = select(Meeting).order_by(Meeting.starts_at)
    if request.args.get("commune"):
        query = query.where(Meeting.commune.has(slug=request.args["commune"]))
    for name, compare in (("from", Meeting.starts_at.__ge__), ("to", Meeting.starts_at.__le__)):
        value = request.args.get(name)
        if value is not None:
            moment = parse_moment(value, end_of_day=name == "to")
            if moment is None:
                return _api_error(400, _("Les dates s'écrivent AAAA-MM-JJ."), {name: _("Les dates s'écrivent AAAA-MM-JJ.")})
            query = query.where(compare(moment))
    return jsonify([meeting_json(m) for m in db.session.scalars(query.limit(500))])


@bp.route("/meetings/<id:meeting_id>")
def meeting(meeting_id: int):
    from labo.meetings.models import Meeting

    m = db.session.get(Meeting, meeting_id)
    if m is None:
        return _api_error(404, _("Cette rencontre n'existe pas."))
    return jsonify(meeting_json(m))


# --- features that bring their own part of the API ------------------------
# Each module adds its routes to `bp` and its PATHS/SCHEMAS to the document.
from labo.proclamation import api as _proclamation_api  # noqa: E402,F401
from labo.partners import api as _partners_api  # noqa: E402,F401
from labo.fiches import api as _fiches_api  # noqa: E402,F401
from labo.processes import api as _processes_api  # noqa: E402,F401
