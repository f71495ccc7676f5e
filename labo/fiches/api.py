"""This feature's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

Published fiches only; a contact appears only when its owner agreed."""
from __future__ import annotations

from flask import jsonify, request, url_for

from labo.api.common import (
    PAGE, PER_PAGE, PLACE, api_error, bp, describe, error_response, id_param, page_args, page_error, query_param,
)
from labo.core.i18n import _
from labo.core.levels import LEVEL_VALUES
from labo.extensions import db
from labo.fiches import services
from labo.fiches.models import Fiche

KINDS = ["experience", "methode", "formation", "compte_rendu"]


def fiche_json(f, full: bool = False) -> dict:
    data = {
        "id": f.id,
        "kind": f.kind,
        "title": f.title,
        "level": f.level,
        "communes": [{"slug": c.slug, "name": c.name} for c in f.communes],
        "qpv": [{"code": q.code, "name": q.name, "slug": q.slug} for q in f.qpvs],
        "theme": {
            "pillar": f.pillar.number if f.pillar else None,
            "ambition": f.ambition.slug if f.ambition else None,
            "label": f.theme_label or None,
        },
        "author": f.author_label,
        "published_at": f.published_at.isoformat() if f.published_at else None,
        "url": url_for("fiches.detail", fiche_id=f.id),
    }
    if full:
        data.update({
            "public": f.public, "method": f.method, "what_worked": f.what_worked,
            "difficulties": f.difficulties, "resources": f.resources,
            "contact": {"name": f.contact_name, "details": f.contact_details} if f.shows_contact else None,
            "photos": [{"url": url_for("fiches.photo", key=p.key), "alt": p.alt} for p in f.photos],
            "attachments": [{"url": url_for("fiches.attachment", fiche_id=f.id, attachment_id=a.id),
                             "filename": a.filename, "size": a.size} for a in f.attachments],
            "meetings": [{"id": m.id, "url": url_for("meetings.detail", meeting_id=m.id)} for m in f.meetings],
            "contributions": [{"id": c.id, "url": url_for("contributions.detail", contribution_id=c.id)}
                              for c in f.contributions if c.is_published],
            "revisions": len(f.revisions),
            "print_url": url_for("fiches.printable", fiche_id=f.id),
        })
    return data


@bp.route("/fiches")
def fiches():
    args = request.args
    paging = page_args(args)
    if paging is None:
        return page_error()
    page, per_page = paging
    level, kind = args.get("level"), args.get("kind")  # given but empty is unknown too, as documented
    if level is not None and level not in LEVEL_VALUES:
        return api_error(400, _("Niveau inconnu : information, consultation, concertation ou codecision."),
                         {"level": _("Niveau inconnu.")})
    if kind is not None and kind not in KINDS:
        return api_error(400, _("Type inconnu : experience, methode, formation ou compte_rendu."),
                         {"kind": _("Type inconnu.")})
    filters = services.FicheFilters(q=(args.get("q") or "")[:100] or None, commune=args.get("commune") or None,
                               theme=args.get("theme") or None, level=level, kind=kind)
    result = db.paginate(services.published_query(filters), page=page, per_page=per_page, error_out=False)
    return jsonify({
        "items": [fiche_json(f) for f in result.items],
        "page": result.page, "per_page": result.per_page, "pages": result.pages, "total": result.total,
    })


@bp.route("/fiches/<id:fiche_id>")
def fiche(fiche_id: int):
    f = db.session.get(Fiche, fiche_id)
    if f is None or not f.is_published:
        return api_error(404, _("Cette fiche n'existe pas ou n'est pas publiée."))
    return jsonify(fiche_json(f, full=True))


_LINK = {"type": "object", "properties": {"id": {"type": "integer"}, "url": {"type": "string", "format": "uri-reference"}}}

SCHEMAS: dict = {
    "FicheSummary": {
        "type": "object",
        "required": ["id", "kind", "title", "level", "communes", "url"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": KINDS},
            "title": {"type": "string", "maxLength": 140},
            "level": {"type": "string", "enum": list(LEVEL_VALUES),
                      "description": "The level of participation used: how much say participants had."},
            "communes": {"type": "array", "items": PLACE},
            "qpv": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": ["string", "null"]}, "name": {"type": "string"}, "slug": {"type": "string"}}}},
            "theme": {"type": "object", "properties": {
                "pillar": {"type": ["integer", "null"]}, "ambition": {"type": ["string", "null"]},
                "label": {"type": ["string", "null"]}}},
            "author": {"type": "string", "description": "A pseudonym, never an email."},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
    "Fiche": {
        "allOf": [
            {"$ref": "#/components/schemas/FicheSummary"},
            {"type": "object", "properties": {
                "public": {"type": "string", "description": "Plain text: the people reached."},
                "method": {"type": "string", "description": "Plain text."},
                "what_worked": {"type": "string"}, "difficulties": {"type": "string"}, "resources": {"type": "string"},
                "contact": {"type": ["object", "null"], "description": "Only when the person agreed to be shown.",
                            "properties": {"name": {"type": "string"}, "details": {"type": "string"}}},
                "photos": {"type": "array", "items": {"type": "object", "properties": {
                    "url": {"type": "string", "format": "uri-reference"}, "alt": {"type": "string"}}}},
                "attachments": {"type": "array", "items": {"type": "object", "properties": {
                    "url": {"type": "string", "format": "uri-reference"}, "filename": {"type": "string"},
                    "size": {"type": "integer"}}}},
                "meetings": {"type": "array", "items": _LINK},
                "contributions": {"type": "array", "items": _LINK},
                "revisions": {"type": "integer", "description": "How many versions were kept since publication."},
                "print_url": {"type": "string", "format": "uri-reference"},
            }},
        ],
    },
    "FichePage": {
        "type": "object",
        "required": ["items", "page", "per_page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/FicheSummary"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}, "total": {"type": "integer"},
        },
    },
}

PATHS: dict = {
    "/fiches": {
        "get": {
            "operationId": "listFiches",
            "summary": "Published fiches of the toolbox, latest first, paginated.",
            "tags": ["fiches"],
            "parameters": [
                query_param("q", "Words to find in any text of the fiche (accents and case ignored)."),
                query_param("commune", "A commune's slug."),
                query_param("theme", "p1, p2, p3, or an ambition's slug."),
                query_param("level", "The level of participation.", list(LEVEL_VALUES)),
                query_param("kind", "The kind of fiche.", KINDS),
                PAGE, PER_PAGE,
            ],
            "responses": {
                "200": {"description": "One page of fiches.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FichePage"}}}},
                "400": error_response("A malformed page or per_page, or an unknown level or kind."),
            },
        },
    },
    "/fiches/{id}": {
        "get": {
            "operationId": "getFiche",
            "summary": "One published fiche, with all its sections.",
            "tags": ["fiches"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The fiche.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fiche"}}}},
                "404": error_response("Unknown, or not published."),
            },
        },
    },
}

describe(PATHS, SCHEMAS)
