"""The contributions' part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

Published contributions only (hidden, pending or merged ones never appear);
the author is a pseudonym, never an email. Posting needs a session."""
from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from labo.api.common import (
    PAGE, PER_PAGE, PLACE, api_error, bp, describe, error_response, id_param, page_args, page_error, query_param,
)
from labo.contributions import services
from labo.contributions.forms import ERROR_MESSAGES
from labo.contributions.models import Contribution
from labo.core.i18n import _
from labo.core.limits import per_person, write_limit
from labo.core.pagination import paginate
from labo.extensions import db, limiter
from labo.permissions import authorize
from labo.territory.models import Commune, Qpv
from labo.territory.services import resolve_theme


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


@bp.route("/contributions")
def contributions():
    args = request.args
    paging = page_args(args)
    if paging is None:
        return page_error()
    page, per_page = paging
    filters = services.ContributionFilters(
        commune=args.get("commune") or None, qpv=args.get("qpv") or None, theme=args.get("theme") or None,
        kind=args.get("kind") or None, status=args.get("status") or None, q=(args.get("q") or "")[:100] or None,
    )
    result = paginate(services.published_query(filters), Contribution.id, count_key=filters.key(),
                      page=page, per_page=per_page)
    counts = services.support_counts(c.id for c in result.items)
    return jsonify({
        "items": [contribution_json(c, counts.get(c.id, 0)) for c in result.items],
        "page": result.page, "per_page": result.per_page, "pages": result.pages, "total": result.total,
    })


@bp.route("/contributions/<id:contribution_id>")
def contribution(contribution_id: int):
    c = db.session.get(Contribution, contribution_id)
    if c is None or not c.is_published:  # hidden, pending or merged: never in the API
        return api_error(404, _("Cette contribution n'existe pas ou n'est pas publique."))
    return jsonify(contribution_json(c, services.support_count(c)))


@bp.route("/contributions", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person)
def create_contribution():
    if not current_user.is_authenticated:
        return api_error(401, _("Connectez-vous pour partager une contribution."))
    authorize("contribution.create")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return api_error(400, _("Envoyez un objet JSON."))
    text = {k: data.get(k) for k in ("kind", "title", "body", "commune", "qpv", "theme")}
    if any(v is not None and not isinstance(v, str) for v in text.values()):
        return api_error(400, _("Chaque champ est une chaîne de caractères."))
    if not (text["title"] or "").strip():  # the API's schema asks a title (the site's form makes one)
        message = str(ERROR_MESSAGES["title-required"])
        return api_error(400, message, {"title": message})
    commune = db.session.scalar(select(Commune).where(Commune.slug == (text["commune"] or "")))
    qpv = None
    if text["qpv"]:
        qpv = db.session.scalar(select(Qpv).where((Qpv.code == text["qpv"].upper()) | (Qpv.slug == text["qpv"])))
        if qpv is None:
            return api_error(400, _("Quartier inconnu."), {"qpv": _("Quartier inconnu.")})
    pillar, ambition = resolve_theme(text["theme"])
    try:
        c = services.create_contribution(
            current_app.config, current_user, kind=text["kind"] or "", title=text["title"] or "",
            body=text["body"] or "", commune=commune, qpv=qpv, pillar=pillar, ambition=ambition,
        )
    except services.ContributionError as error:
        db.session.rollback()
        message = str(ERROR_MESSAGES.get(error.code, error.code))
        return api_error(400, message, {error.field or "contribution": message})
    db.session.commit()
    response = jsonify(contribution_json(c, 0))
    if c.is_published:
        response.status_code = 201
        response.headers["Location"] = url_for("api.contribution", contribution_id=c.id)
    else:  # a pre-moderated commune: public once a referent approves it
        response.status_code = 202
    return response


SCHEMAS: dict = {
    "Contribution": {
        "type": "object",
        "required": ["id", "kind", "title", "body", "commune", "status", "supports", "url"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["idee", "envie", "initiative", "question"]},
            "title": {"type": "string", "maxLength": 140},
            "body": {"type": "string", "description": "Sanitised HTML (a small allowlist)."},
            "commune": PLACE,
            "qpv": {"type": ["object", "null"], "properties": {
                "code": {"type": ["string", "null"]}, "name": {"type": "string"}, "slug": {"type": "string"}}},
            "theme": {"type": "object", "properties": {
                "pillar": {"type": ["integer", "null"]}, "ambition": {"type": ["string", "null"]},
                "label": {"type": ["string", "null"]}}},
            "status": {"type": "string", "enum": ["proposee", "en_etude", "retenue", "non_retenue", "realisee"]},
            "visibility": {"type": "string", "enum": ["published", "pending"],
                           "description": "Always published in listings; pending only in the answer to one's own POST "
                                          "in a pre-moderated commune."},
            "author": {"type": "string", "description": "A pseudonym, never an email."},
            "entered_on_behalf": {"type": "boolean", "description": "Typed in by a referent or animator for a resident."},
            "supports": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "answer": {"type": ["string", "null"], "description": "The decider's answer (sanitised HTML)."},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "photo": {"type": ["string", "null"], "format": "uri-reference"},
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
    "ContributionPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Contribution"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}, "total": {"type": "integer"},
        },
    },
    "NewContribution": {
        "type": "object",
        "required": ["kind", "title", "body", "commune"],
        "properties": {
            "kind": {"type": "string", "enum": ["idee", "envie", "initiative", "question"]},
            "title": {"type": "string", "minLength": 1, "maxLength": 140, "pattern": "\\S",
                      "description": "Plain text, not blank."},
            "body": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S",
                     "description": "Not blank; sanitised to a small HTML allowlist."},
            "commune": {"type": "string", "description": "A commune's slug.", "examples": ["lens"]},
            "qpv": {"type": "string", "description": "A QPV's code or slug, of a QPV of that commune.",
                    "examples": ["QP062024"]},
            "theme": {"type": "string", "description": "p1, p2, p3 for a pillar, or an ambition's slug.",
                      "examples": ["p2"]},
        },
    },
}

PATHS: dict = {
    "/contributions": {
        "get": {
            "operationId": "listContributions",
            "summary": "Published contributions, newest first, paginated. Hidden ones never appear.",
            "tags": ["contributions"],
            "parameters": [
                query_param("commune", "A commune's slug."),
                query_param("qpv", "A QPV's code or slug."),
                query_param("theme", "p1, p2, p3, or an ambition's slug."),
                query_param("kind", "idee, envie, initiative or question."),
                query_param("status", "proposee, en_etude, retenue, non_retenue or realisee."),
                query_param("q", "Words to find in the title or text."),
                PAGE, PER_PAGE,
            ],
            "responses": {
                "200": {"description": "One page of contributions.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContributionPage"}}}},
                "400": error_response("A malformed page or per_page."),
            },
        },
        "post": {
            "operationId": "createContribution",
            "summary": "Post a contribution as the logged-in person (session cookie and X-CSRFToken header).",
            "tags": ["contributions"],
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/NewContribution"}}}},
            "responses": {
                "201": {"description": "Created.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "202": {"description": "Received in a pre-moderated commune: public once a referent approves it.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "400": error_response("Missing or invalid fields, or no CSRF token; `errors` names each field."),
                "401": error_response("Not logged in."),
                "403": error_response("The account may not post."),
                "413": error_response("The request is over 12 MB."),
                "429": error_response("Too many posts in a short time from this account."),
            },
        },
    },
    "/contributions/{id}": {
        "get": {
            "operationId": "getContribution",
            "summary": "One published contribution.",
            "tags": ["contributions"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The contribution.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contribution"}}}},
                "404": error_response("Unknown, hidden, pending or merged."),
            },
        },
    },
}

describe(PATHS, SCHEMAS)
