"""The meetings' part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

Public fields and counts only: never who registered."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask import jsonify, request, url_for
from sqlalchemy import select

from labo.api.common import PLACE, api_error, bp, describe, error_response, id_param, query_param
from labo.core.i18n import _
from labo.extensions import db
from labo.meetings.models import Meeting, MeetingKind
from labo.meetings.services import counts


def meeting_json(m: Meeting) -> dict:
    c = counts(m)
    return {
        "id": m.id, "title": m.title, "kind": m.kind, "kind_label": m.kind_enum.label, "theme": m.theme,
        "starts_at": m.starts_at.isoformat(), "ends_at": m.ends_at.isoformat() if m.ends_at else None,
        "commune": {"slug": m.commune.slug, "name": m.commune.name},
        "venue": m.venue, "address": m.address,
        "access": {"step_free": m.step_free, "public_transport": m.public_transport, "childcare": m.childcare},
        "capacity": m.capacity, "cancelled": m.cancelled,
        "counts": {"registered": c.confirmed, "waiting": c.waiting, "present": c.present},
        "url": url_for("meetings.detail", meeting_id=m.id),
        "ics": url_for("meetings.ics", meeting_id=m.id),
        "training": {"audiences": [a.value for a in m.audience_list], "trainer": m.trainer_label or None}
        if m.is_training else None,
    }


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")


def parse_moment(value: str, end_of_day: bool = False):
    """A query's date (YYYY-MM-DD, midnight UTC, or the end of that day) or
    RFC 3339 date and time, as an aware UTC datetime; None if malformed. A
    moment so far off that UTC cannot hold it becomes the first or last one."""
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


KINDS = [k.value for k in MeetingKind]


@bp.route("/meetings")
def meetings():
    query = select(Meeting).order_by(Meeting.starts_at)
    if request.args.get("commune"):
        query = query.where(Meeting.commune.has(slug=request.args["commune"]))
    kind = request.args.get("kind")
    if kind is not None:
        if kind not in KINDS:
            message = _("Ce type de rencontre n'existe pas.")
            return api_error(400, message, {"kind": message})
        query = query.where(Meeting.kind == kind)
    for name, compare in (("from", Meeting.starts_at.__ge__), ("to", Meeting.starts_at.__le__)):
        value = request.args.get(name)
        if value is not None:
            moment = parse_moment(value, end_of_day=name == "to")
            if moment is None:
                return api_error(400, _("Les dates s'écrivent AAAA-MM-JJ."), {name: _("Les dates s'écrivent AAAA-MM-JJ.")})
            query = query.where(compare(moment))
    return jsonify([meeting_json(m) for m in db.session.scalars(query.limit(500))])


@bp.route("/meetings/<id:meeting_id>")
def meeting(meeting_id: int):
    m = db.session.get(Meeting, meeting_id)
    if m is None:
        return api_error(404, _("Cette rencontre n'existe pas."))
    return jsonify(meeting_json(m))


def _moment(name: str, description: str) -> dict:
    """A date (YYYY-MM-DD) or an RFC 3339 date and time, e.g. 2024-05-15T13:30:00+02:00."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}}


SCHEMAS: dict = {
    "Meeting": {
        "type": "object",
        "required": ["id", "title", "kind", "starts_at", "commune", "venue", "counts", "url"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in MeetingKind],
                     "description": "labo: a Labo meeting; training; walk: a walking diagnostic; "
                                    "network: a network meeting; event."},
            "kind_label": {"type": "string", "description": "The kind in words, in the request's language."},
            "theme": {"type": "string"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": ["string", "null"], "format": "date-time"},
            "commune": PLACE,
            "venue": {"type": "string"}, "address": {"type": "string"},
            "access": {"type": "object", "properties": {
                "step_free": {"type": "boolean"}, "public_transport": {"type": "string"}, "childcare": {"type": "boolean"}}},
            "capacity": {"type": ["integer", "null"]}, "cancelled": {"type": "boolean"},
            "counts": {"type": "object", "description": "Aggregates only: never who registered.", "properties": {
                "registered": {"type": "integer"}, "waiting": {"type": "integer"}, "present": {"type": "integer"}}},
            "url": {"type": "string", "format": "uri-reference"},
            "ics": {"type": "string", "format": "uri-reference"},
            "training": {
                "type": ["object", "null"], "description": "For a training session (kind training), else null.",
                "required": ["audiences", "trainer"],
                "properties": {
                    "audiences": {"type": "array", "description": "Who it is for.",
                                  "items": {"type": "string", "enum": ["resident", "elected", "staff"]}},
                    "trainer": {"type": ["string", "null"],
                                "description": "The trainer's name (or Labo pseudonym), if given."},
                }},
        },
    },
}

PATHS: dict = {
    "/meetings": {
        "get": {
            "operationId": "listMeetings",
            "summary": "The Labo's meetings, in date order, with public fields and counts.",
            "tags": ["meetings"],
            "parameters": [
                query_param("commune", "A commune's slug."),
                {"name": "kind", "in": "query", "required": False, "description": "Only meetings of this kind.",
                 "schema": {"type": "string", "enum": KINDS}},
                _moment("from", "Only meetings starting on or after this date (YYYY-MM-DD) "
                                "or moment (RFC 3339 date and time, with its offset)."),
                _moment("to", "Only meetings starting on or before this date (the whole day) or moment."),
            ],
            "responses": {
                "200": {"description": "The meetings.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}}}}},
                "400": error_response("A malformed date, or an unknown kind."),
            },
        }
    },
    "/meetings/{id}": {
        "get": {
            "operationId": "getMeeting",
            "summary": "One meeting: public fields and counts only.",
            "tags": ["meetings"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The meeting.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Meeting"}}}},
                "404": error_response("Unknown meeting."),
            },
        }
    },
}

describe(PATHS, SCHEMAS)
