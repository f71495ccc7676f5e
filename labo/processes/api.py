"""The processes' part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

Published processes only; results are aggregated, with every group under 5
people shown as "< 5", and never name a voter."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user

from labo.api.common import PLACE, api_error, bp, describe, error_response, id_param
from labo.core.db import utcnow
from labo.core.i18n import _
from labo.core.levels import LEVEL_VALUES
from labo.core.limits import per_person, write_limit
from labo.extensions import db, limiter
from labo.processes import ballots, eligibility, services
from labo.processes.forms import ERROR_MESSAGES
from labo.processes.models import Method, Process, Stance
from labo.processes.eligibility import ProcessError, Stage
from labo.territory.services import get_commune

STAGES = [s.value for s in Stage if s is not Stage.DRAFT]
METHODS = [m.value for m in Method]
STATUS = {"login": 401, "territory": 403, "verified": 403, "draft": 404, "not_open_yet": 409, "closed": 409,
          "already": 409, "already-secret": 409}


def _published(process_id: int):
    process = db.session.get(Process, process_id)
    return process if process is not None and process.published else None


def process_json(p: Process, now, full: bool = False) -> dict:
    data = {
        "id": p.id,
        "title": p.title,
        "question": p.question,
        "level": p.level,
        "level_label": p.level_enum.label,
        "power": p.level_enum.power,
        "method": p.method,
        "secret": p.secret,
        "decider": p.decider,
        "commune": {"slug": p.commune.slug, "name": p.commune.name} if p.commune else None,
        "opens_at": p.opens_at.isoformat(),
        "closes_at": p.closes_at.isoformat(),
        "answer_by": p.answer_by.isoformat(),
        "stage": eligibility.stage(p, now).value,
        "url": url_for("processes.detail", process_id=p.id),
    }
    if full:
        data.update({
            "decision_rule": p.decision_rule,
            "easy_read": p.easy_read or None,
            "audience": p.audience,
            "communes": [{"slug": c.slug, "name": c.name} for c in p.communes],
            "qpv": [{"code": q.code, "name": q.name, "slug": q.slug} for q in p.qpvs],
            "verified_only": p.verified_only,
            "max_choices": p.max_choices,
            "options": [{"id": o.id, "label": o.label, "description": o.description} for o in p.options],
            "return": {"text": p.return_text, "published_at": p.return_published_at.isoformat()}
            if p.return_published_at else None,
            "result_published_at": p.result_published_at.isoformat() if p.result_published_at else None,
            "finished_at": p.finished_at.isoformat() if p.finished_at else None,
            "results_url": url_for("api.process_results", process_id=p.id),
        })
    return data


@bp.route("/processes")
def processes():
    args = request.args
    # A level or stage given but empty is unknown too, as documented.
    level, stage_value, commune_slug = args.get("level"), args.get("stage"), args.get("commune") or None
    if level is not None and level not in LEVEL_VALUES:
        return api_error(400, _("Niveau inconnu : information, consultation, concertation ou codecision."),
                         {"level": _("Niveau inconnu.")})
    if stage_value is not None and stage_value not in STAGES:
        return api_error(400, _("Étape inconnue."), {"stage": _("Étape inconnue.")})
    commune = None
    if commune_slug:
        commune = get_commune(commune_slug)
        if commune is None:
            return api_error(400, _("Commune inconnue."), {"commune": _("Commune inconnue.")})
    now = utcnow()
    found = services.list_processes(now, level=level, commune=commune, stage_filter=stage_value)
    return jsonify([process_json(p, now) for p in found])


@bp.route("/processes/<id:process_id>")
def process(process_id: int):
    p = _published(process_id)
    if p is None:
        return api_error(404, _("Cette démarche n'existe pas ou n'est pas publiée."))
    return jsonify(process_json(p, utcnow(), full=True))


@bp.route("/processes/<id:process_id>/results")
def process_results(process_id: int):
    p = _published(process_id)
    if p is None:
        return api_error(404, _("Cette démarche n'existe pas ou n'est pas publiée."))
    if not ballots.counted_in_tallies(p):
        return api_error(404, _("Cette démarche n'a ni vote ni avis à compter."))
    now = utcnow()
    res = ballots.results(p, now)
    if not res.visible:
        if res.hidden_reason == "secret-open":
            return api_error(403, _("Le vote est secret : les résultats restent cachés jusqu'à la clôture."))
        return api_error(403, _("Les résultats seront visibles une fois la démarche ouverte."))
    body = {"process_id": p.id, "method": p.method, "stage": eligibility.stage(p, now).value,
            **ballots.results_json(res),
            "participation": ballots.breakdown(p, "channel"),
            "decision": ballots.frozen_result(p)}
    return jsonify(body)


def _fields_of(method: Method) -> set[str] | None:
    """The fields a participation sends for this method (ParticipationInput); None: not through the API."""
    if method is Method.MAJORITY_JUDGMENT:
        return {"grades"}
    if method.is_ballot:
        return {"choices"}
    if method is Method.OPINIONS:
        return {"stance", "comment"}
    return None


@bp.route("/processes/<id:process_id>/participations", methods=["POST"])
@limiter.limit(write_limit, key_func=per_person)
def take_part(process_id: int):
    if not current_user.is_authenticated:
        return api_error(401, _("Connectez-vous pour participer."))
    p = _published(process_id)
    if p is None:
        return api_error(404, _("Cette démarche n'existe pas ou n'est pas publiée."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return api_error(400, _("Envoyez un objet JSON."))
    method = p.method_enum
    expected = _fields_of(method)
    if expected is None:
        message = _("On participe à cette démarche par des questions ou des propositions, sur sa page.")
        return api_error(400, message, {"participation": message})
    unexpected = sorted(set(data) - expected)
    if unexpected:  # e.g. grades sent to a consultation: never taken as something else
        message = _("Cette démarche ne prend pas ce champ.")
        return api_error(400, message, {name[:100]: message for name in unexpected[:10]})
    now = utcnow()
    try:
        if method is Method.MAJORITY_JUDGMENT:
            grades = data.get("grades")
            if not isinstance(grades, dict):
                return api_error(400, _("Envoyez « grades » : une mention pour chaque option."),
                                 {"grades": _("Un objet {id de l'option : mention}.")})
            ballots.cast_ballot(p, current_user, grades, now)
        elif method.is_ballot:
            choices = data.get("choices")
            if not isinstance(choices, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
                return api_error(400, _("Envoyez « choices » : la liste des options choisies."),
                                 {"choices": _("Une liste d'identifiants d'options.")})
            ballots.cast_ballot(p, current_user, choices, now)
        elif method is Method.OPINIONS:
            stance, comment = data.get("stance"), data.get("comment", "")
            if not isinstance(stance, str) or not isinstance(comment, str):
                return api_error(400, _("Envoyez « stance » (favorable, reserve ou defavorable) et un « comment » facultatif."),
                                 {"stance": _("Une chaîne de caractères.")})
            services.give_opinion(p, current_user, stance=stance, comment=comment, now=now)
    except ProcessError as error:
        db.session.rollback()
        message = ballots.message(error.code)
        if error.code in ("stance-required", "wrong-method"):
            message = str(ERROR_MESSAGES.get(error.code, error.code))
        status = STATUS.get(error.code, 400)
        return api_error(status, message, {error.field or "participation": message} if status == 400 else None)
    db.session.commit()
    changeable = not p.secret
    return jsonify({"process_id": p.id, "recorded": True, "secret": p.secret, "changeable": changeable}), 201


_COUNT = {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": ["< 5"]}],
          "description": "A count; \"< 5\" when it concerns fewer than 5 people (or would reveal such a group)."}

SCHEMAS: dict = {
    "ProcessSummary": {
        "type": "object",
        "required": ["id", "title", "level", "method", "stage", "opens_at", "closes_at", "answer_by", "url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "question": {"type": "string"},
            "level": {"type": "string", "enum": list(LEVEL_VALUES),
                      "description": "How much say participants have: information, consultation, concertation, codécision."},
            "level_label": {"type": "string"},
            "power": {"type": "string", "description": "The level in one plain sentence."},
            "method": {"type": "string", "enum": METHODS},
            "secret": {"type": "boolean", "description": "A secret ballot: votes cannot be changed nor linked to voters."},
            "decider": {"type": "string"},
            "commune": {"oneOf": [PLACE, {"type": "null"}], "description": "The commune running it; null: the agglomeration."},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "answer_by": {"type": "string", "format": "date", "description": "The decider's return is due by this date."},
            "stage": {"type": "string", "enum": STAGES},
            "url": {"type": "string", "format": "uri-reference"},
        },
    },
    "Process": {
        "allOf": [
            {"$ref": "#/components/schemas/ProcessSummary"},
            {"type": "object", "properties": {
                "decision_rule": {"type": "string"},
                "easy_read": {"type": ["string", "null"], "description": "The rules in easy-to-read French (FALC)."},
                "audience": {"type": "string", "enum": ["everyone", "territory"]},
                "communes": {"type": "array", "items": PLACE},
                "qpv": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": ["string", "null"]}, "name": {"type": "string"}, "slug": {"type": "string"}}}},
                "verified_only": {"type": "boolean"},
                "max_choices": {"type": ["integer", "null"]},
                "options": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "label": {"type": "string"}, "description": {"type": "string"}}}},
                "return": {"type": ["object", "null"], "description": "The decider's public return.",
                           "properties": {"text": {"type": "string", "description": "Sanitised HTML."},
                                          "published_at": {"type": "string", "format": "date-time"}}},
                "result_published_at": {"type": ["string", "null"], "format": "date-time",
                                        "description": "Codécision: when the result was frozen as the decision."},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "results_url": {"type": "string", "format": "uri-reference"},
            }},
        ],
    },
    "ChannelResult": {
        "type": "object",
        "required": ["channel", "participants"],
        "properties": {
            "channel": {"type": "string", "enum": ["online", "paper", "workshop", "all"]},
            "participants": _COUNT,
            "outcome": {"type": "object", "description": "Ballots: the ranking by the declared rule. Counts are left "
                                                          "out when the channel has fewer than 5 people.",
                        "properties": {
                            "ballots": _COUNT,
                            "winners": {"type": "array", "items": {"type": "object", "properties": {
                                "option_id": {"type": "integer"}, "label": {"type": "string"}}}},
                            "ranking": {"type": "array", "items": {"type": "object", "properties": {
                                "option_id": {"type": "integer"}, "label": {"type": "string"},
                                "rank": {"type": "integer"},
                                "votes": {"type": "integer"}, "share": {"type": "number"},
                                "majority_grade": {"type": ["string", "null"]},
                                "above": {"type": "number"}, "below": {"type": "number"},
                                "grades": {"type": "object", "additionalProperties": {"type": "integer"}},
                            }}},
                        }},
            "stances": {"type": "object", "description": "Consultation: opinions by stance.",
                        "additionalProperties": _COUNT},
        },
    },
    "Breakdown": {
        "type": "object",
        "description": "Participations by group; every count under 5 (and any cell that would reveal one) is \"< 5\".",
        "required": ["by", "columns", "rows", "total"],
        "properties": {
            "by": {"type": "string", "enum": ["commune", "qpv", "age_band", "channel"]},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            "total": {"type": "object", "additionalProperties": True},
        },
    },
    "ProcessResults": {
        "type": "object",
        "required": ["process_id", "method", "stage", "channels", "total", "participation"],
        "properties": {
            "process_id": {"type": "integer"},
            "method": {"type": "string", "enum": METHODS},
            "stage": {"type": "string", "enum": STAGES},
            "channels": {"type": "array", "items": {"$ref": "#/components/schemas/ChannelResult"}},
            "total": {"$ref": "#/components/schemas/ChannelResult"},
            "participation": {"$ref": "#/components/schemas/Breakdown"},
            "decision": {"type": ["object", "null"], "additionalProperties": True,
                         "description": "Codécision: the result frozen as the decision when published."},
        },
    },
    "ParticipationInput": {
        "description": "One of: choices (single choice, approval), grades (majority judgment), stance and an "
                       "optional comment (consultation), as the process's method says; no other field.",
        "oneOf": [
            {"type": "object", "title": "Ballot", "required": ["choices"], "additionalProperties": False,
             "properties": {"choices": {"type": "array", "items": {"type": "integer"}, "description": "Option ids."}}},
            {"type": "object", "title": "MajorityJudgment", "required": ["grades"], "additionalProperties": False,
             "properties": {"grades": {"type": "object", "additionalProperties": {"type": "string", "enum": [
                 "excellent", "tres_bien", "bien", "assez_bien", "passable", "insuffisant", "a_rejeter"]},
                 "description": "{option id: grade}; a missing grade counts as a_rejeter."}}},
            {"type": "object", "title": "Opinion", "required": ["stance"], "additionalProperties": False,
             "properties": {"stance": {"type": "string", "enum": [s.value for s in Stance]},
                            "comment": {"type": "string", "description": "Kept to its first 2,000 characters."}}},
        ],
    },
    "ParticipationRecorded": {
        "type": "object",
        "required": ["process_id", "recorded", "secret", "changeable"],
        "properties": {
            "process_id": {"type": "integer"}, "recorded": {"type": "boolean"},
            "secret": {"type": "boolean"},
            "changeable": {"type": "boolean", "description": "Whether sending again replaces it (until closing)."},
        },
    },
}

PATHS: dict = {
    "/processes": {
        "get": {
            "operationId": "listProcesses",
            "summary": "Published processes (démarches), open ones first.",
            "tags": ["processes"],
            "parameters": [
                {"name": "level", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LEVEL_VALUES)}},
                {"name": "stage", "in": "query", "required": False, "schema": {"type": "string", "enum": STAGES}},
                {"name": "commune", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "A commune's slug: processes it runs or is invited to."},
            ],
            "responses": {
                "200": {"description": "The processes.", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/ProcessSummary"}}}}},
                "400": error_response("An unknown level, stage or commune."),
            },
        },
    },
    "/processes/{id}": {
        "get": {
            "operationId": "getProcess",
            "summary": "One published process: level, method, rule, dates, stage, return.",
            "tags": ["processes"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The process.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Process"}}}},
                "404": error_response("Unknown, or not published."),
            },
        },
    },
    "/processes/{id}/results": {
        "get": {
            "operationId": "getProcessResults",
            "summary": "Aggregated results per channel and together; never a voter's identity, no group under 5.",
            "tags": ["processes"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The results.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProcessResults"}}}},
                "403": error_response("Hidden for now: a secret ballot until closing, or not open yet."),
                "404": error_response("Unknown, not published, or nothing to count (questions, proposals)."),
            },
        },
    },
    "/processes/{id}/participations": {
        "post": {
            "operationId": "takePart",
            "summary": "Vote or give one's opinion, as the logged-in person (session cookie and X-CSRFToken header).",
            "tags": ["processes"],
            "parameters": [id_param(),
                           {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ParticipationInput"}}}},
            "responses": {
                "201": {"description": "Recorded.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ParticipationRecorded"}}}},
                "400": error_response("A malformed body, or a ballot the method does not allow."),
                "401": error_response("Not logged in."),
                "403": error_response("Outside the territory, or the account is not verified in person."),
                "404": error_response("Unknown, or not published."),
                "409": error_response("Not open yet, closed, or a secret ballot already cast."),
                "429": error_response("Too many participations in a short time from this account."),
            },
        },
    },
}

describe(PATHS, SCHEMAS)
