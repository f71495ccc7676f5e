"""The micro-projects fund's part of /api/v1: routes on the API blueprint, and their OpenAPI paths and schemas.

Public fields only: a round's money and dates, and the projects whose
decision is published (title, carrier's name, place, amounts, reasons,
payment). Never the named contact, the committee's individual votes or a
draft.

GET /api/v1/fund/rounds: the rounds (not drafts), open ones first.
GET /api/v1/fund/rounds/<id>: one round, with its published decisions.
GET /api/v1/fund/projects: every published decision of every round, filtered by commune or outcome."""
from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import select

from labo.api.common import PLACE, api_error, bp, describe, error_response, id_param, query_param
from labo.core.dates import local
from labo.core.db import utcnow
from labo.core.i18n import _
from labo.extensions import db
from labo.fund import services
from labo.fund.models import FundApplication, FundDecision, FundRound, Outcome, RoundState
from labo.territory.models import Commune

OUTCOMES = [o.value for o in Outcome]
ROUND_STATES = [s.value for s in RoundState if s is not RoundState.DRAFT]


def _place(commune) -> dict | None:
    return None if commune is None else {"slug": commune.slug, "name": commune.name}


def round_json(fund_round: FundRound) -> dict:
    money = services.envelope(fund_round)
    return {
        "id": fund_round.id,
        "title": fund_round.title,
        "url": url_for("fund.detail", round_id=fund_round.id),
        "commune": _place(fund_round.commune),
        "state": services.state_on(fund_round, local(utcnow()).date()).value,
        "apply_until": fund_round.apply_until.isoformat(),
        "committee_on": fund_round.committee_on.isoformat(),
        "spend_within_days": fund_round.spend_within_days,
        "ceiling_cents": fund_round.ceiling_cents,
        "envelope": {"total_cents": money["total"], "granted_cents": money["granted"],
                     "paid_cents": money["paid"], "left_cents": money["left"]},
        "committee": {"members": len(fund_round.members),
                      "residents": sum(1 for m in fund_round.members if m.is_resident)},
    }


def project_json(application: FundApplication) -> dict:
    decision = application.decision
    return {
        "id": application.id,
        "round_id": application.round_id,
        "title": application.title,
        "url": url_for("fund.application", application_id=application.id),
        "what": application.what,
        "for_whom": application.for_whom,
        "carrier_kind": application.carrier_kind,
        "carrier_name": application.carrier_name,
        "commune": _place(application.commune),
        "qpv": None if application.qpv is None else {"slug": application.qpv.slug, "name": application.qpv.name},
        "amount_asked_cents": application.amount_cents or 0,
        "outcome": decision.outcome,
        "amount_granted_cents": decision.amount_granted_cents,
        "reasons": decision.reasons,
        "decided_on": decision.decided_at.date().isoformat(),
        "paid": decision.paid_on is not None,
        "spend_by": decision.spend_by.isoformat() if decision.spend_by else None,
        "initiative_id": application.contribution_id,
    }


def _published():
    return (select(FundApplication).join(FundDecision, FundDecision.application_id == FundApplication.id)
            .join(FundRound, FundRound.id == FundApplication.round_id)
            .where(FundDecision.published_at.is_not(None), FundRound.state != RoundState.DRAFT.value))


@bp.route("/fund/rounds")
def fund_rounds():
    return jsonify([round_json(r) for r in services.list_rounds()])


@bp.route("/fund/rounds/<id:round_id>")
def fund_round(round_id: int):
    found = services.get_round(round_id)
    if found is None or found.state == RoundState.DRAFT.value:
        return api_error(404, _("Cet appel du fonds n'existe pas."))
    return jsonify({**round_json(found), "projects": [project_json(a) for a in services.published_decisions(found)]})


@bp.route("/fund/projects")
def fund_projects():
    query = _published()
    slug = request.args.get("commune")
    if slug:
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
        if commune is None:
            message = _("Cette commune n'existe pas.")
            return api_error(400, message, {"commune": message})
        query = query.where(FundApplication.commune_id == commune.id)
    outcome = request.args.get("outcome")
    if outcome is not None:
        if outcome not in OUTCOMES:
            message = _("Le résultat est granted ou refused.")
            return api_error(400, message, {"outcome": message})
        query = query.where(FundDecision.outcome == outcome)
    query = query.order_by(FundDecision.decided_at.desc(), FundApplication.id.desc()).limit(1000)
    return jsonify([project_json(a) for a in db.session.scalars(query)])


MONEY = {"type": "integer", "minimum": 0, "description": "In euro cents."}

SCHEMAS: dict = {
    "FundRound": {
        "type": "object",
        "required": ["id", "title", "url", "commune", "state", "apply_until", "committee_on", "spend_within_days",
                     "ceiling_cents", "envelope", "committee"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri-reference"},
            "commune": {"oneOf": [{"type": "null"}, PLACE],
                        "description": "The commune whose envelope it is; null for the whole agglomeration."},
            "state": {"type": "string", "enum": ROUND_STATES,
                      "description": "open: taking applications; closed: before or at the committee; done: over."},
            "apply_until": {"type": "string", "format": "date", "description": "The last day to apply."},
            "committee_on": {"type": "string", "format": "date"},
            "spend_within_days": {"type": "integer", "description": "Days to spend the money after payment."},
            "ceiling_cents": MONEY,
            "envelope": {"type": "object", "required": ["total_cents", "granted_cents", "paid_cents", "left_cents"],
                         "properties": {"total_cents": MONEY, "granted_cents": MONEY, "paid_cents": MONEY,
                                        "left_cents": {"type": "integer", "description": "In euro cents."}}},
            "committee": {"type": "object", "description": "Counts only.", "required": ["members", "residents"],
                          "properties": {"members": {"type": "integer"}, "residents": {"type": "integer"}}},
        },
    },
    "FundProject": {
        "type": "object",
        "description": "An application whose decision is published: public fields only, never its contact.",
        "required": ["id", "round_id", "title", "url", "carrier_kind", "carrier_name", "commune", "outcome",
                     "amount_asked_cents", "amount_granted_cents", "reasons", "decided_on", "paid"],
        "properties": {
            "id": {"type": "integer"},
            "round_id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri-reference"},
            "what": {"type": "string"},
            "for_whom": {"type": "string"},
            "carrier_kind": {"type": "string", "enum": ["group", "association"]},
            "carrier_name": {"type": "string"},
            "commune": {"oneOf": [{"type": "null"}, PLACE]},
            "qpv": {"oneOf": [{"type": "null"}, PLACE]},
            "amount_asked_cents": MONEY,
            "outcome": {"type": "string", "enum": OUTCOMES},
            "amount_granted_cents": MONEY,
            "reasons": {"type": "string"},
            "decided_on": {"type": "string", "format": "date"},
            "paid": {"type": "boolean"},
            "spend_by": {"type": ["string", "null"], "format": "date"},
            "initiative_id": {"type": ["integer", "null"], "description": "The pot commun's initiative it came from."},
        },
    },
}

PATHS: dict = {
    "/fund/rounds": {
        "get": {
            "operationId": "listFundRounds",
            "summary": "The residents' micro-projects fund's rounds (not drafts), open ones first, with their money.",
            "tags": ["fund"],
            "responses": {
                "200": {"description": "The rounds.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/FundRound"}}}}},
            },
        }
    },
    "/fund/rounds/{id}": {
        "get": {
            "operationId": "getFundRound",
            "summary": "One round of the fund, with its published decisions.",
            "tags": ["fund"],
            "parameters": [id_param()],
            "responses": {
                "200": {"description": "The round and its decided projects.", "content": {"application/json": {
                    "schema": {"allOf": [{"$ref": "#/components/schemas/FundRound"}, {
                        "type": "object", "required": ["projects"], "properties": {"projects": {
                            "type": "array", "items": {"$ref": "#/components/schemas/FundProject"}}}}]}}}},
                "404": error_response("No such round, or a draft."),
            },
        }
    },
    "/fund/projects": {
        "get": {
            "operationId": "listFundProjects",
            "summary": "Every project of the fund whose decision is published, newest decision first.",
            "tags": ["fund"],
            "parameters": [
                query_param("commune", "A commune's slug."),
                query_param("outcome", "granted (funded) or refused.", OUTCOMES),
            ],
            "responses": {
                "200": {"description": "The projects.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/FundProject"}}}}},
                "400": error_response("An unknown commune or outcome."),
            },
        }
    },
}

describe(PATHS, SCHEMAS)
