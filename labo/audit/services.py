"""Writing to and reading the audit log."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from labo.audit.models import AuditEntry
from labo.extensions import db


def record_audit(actor, action: str, target_type: str, target_id: Optional[int], **details: Any) -> AuditEntry:
    """Add an audit line in the caller's transaction; `actor` may be None for the system."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.pseudonym if actor is not None else "système",
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.session.add(entry)
    return entry


def audit_query(action: Optional[str] = None):
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    return query


def describe_audit(entry: AuditEntry) -> str:
    """The audit line as a sentence in the reader's language."""
    from labo.accounts.models import Role
    from labo.core.grammar import noun
    from labo.core.i18n import _

    d = entry.details or {}
    role = d.get("role")
    role_label = Role(role).label if role in {r.value for r in Role} else (role or "")
    commune = d.get("commune")
    if entry.action == "role.granted":
        if commune:
            return _("Rôle « %(role)s » (%(commune)s) donné à %(user)s", role=role_label, commune=commune, user=d.get("user", "?"))
        return _("Rôle « %(role)s » donné à %(user)s", role=role_label, user=d.get("user", "?"))
    if entry.action == "role.revoked":
        if commune:
            return _("Rôle « %(role)s » (%(commune)s) retiré à %(user)s", role=role_label, commune=commune, user=d.get("user", "?"))
        return _("Rôle « %(role)s » retiré à %(user)s", role=role_label, user=d.get("user", "?"))
    name = d.get("name") or d.get("title") or ""
    labels = {
        "commune.created": _("Commune ajoutée : %(name)s", name=name),
        "commune.updated": _("Commune modifiée : %(name)s", name=name),
        "qpv.created": _("Quartier ajouté : %(name)s", name=name),
        "qpv.updated": _("Quartier modifié : %(name)s", name=name),
        "pillar.updated": _("Pilier modifié : %(name)s", name=name),
        "axis.updated": _("Axe modifié : %(name)s", name=name),
        "contribution.hidden": _("Contribution masquée : « %(name)s » (%(commune)s). Raison : %(reason)s",
                                 name=name, commune=commune or "", reason=d.get("reason", "")),
        "contribution.restored": _("Contribution rétablie : « %(name)s » (%(commune)s)", name=name, commune=commune or ""),
        "contribution.approved": _("Contribution validée : « %(name)s » (%(commune)s)", name=name, commune=commune or ""),
        "contribution.reports_dismissed": _("Signalements classés : « %(name)s » (%(commune)s)", name=name, commune=commune or ""),
        "contribution.merged": _("Contribution « %(name)s » regroupée avec « %(target)s »", name=name, target=d.get("target", "")),
        "contribution.status": _("Statut de « %(name)s » : %(status)s", name=name, status=_status(d.get("status"))),
        "contribution.answered": _("Réponse à « %(name)s » : %(status)s", name=name, status=_status(d.get("status"))),
        "meeting.created": _("Rencontre créée : %(name)s", name=name),
        "meeting.updated": _("Rencontre modifiée : %(name)s", name=name),
        "meeting.minutes": _("Compte-rendu publié : %(name)s", name=name),
        "meeting.decision": _("Décision notée pour %(name)s", name=name),
        "meeting.paper_count": _("Compte papier saisi pour %(name)s : %(count)s", name=name, count=d.get("count", "")),
        "comment.hidden": _("Commentaire masqué sur « %(name)s » (%(commune)s)", name=name, commune=commune or ""),
        "meeting.attachment_added": _("Pièce jointe ajoutée à %(name)s : %(file)s", name=name, file=d.get("file", "")),
        "meeting.attachment_deleted": _("Pièce jointe retirée de %(name)s : %(file)s", name=name, file=d.get("file", "")),
        "organisation.created": _("Structure ajoutée à l'annuaire : %(name)s", name=name),
        "organisation.updated": _("Structure modifiée dans l'annuaire : %(name)s", name=name),
        "organisation.deleted": _("Structure retirée de l'annuaire : %(name)s", name=name),
        "contribution.entered_on_behalf": _("Contribution saisie pour %(person)s : « %(name)s »", person=d.get("on_behalf_of", ""), name=name),
        "partner.created": _("Partenaire ajouté : %(name)s", name=name),
        "partner.updated": _("Partenaire modifié : %(name)s", name=name),
        "commitment.created": _("Engagement ajouté pour %(name)s : « %(title)s »", name=name, title=d.get("title", "")),
        "commitment.updated": _("Engagement modifié pour %(name)s : « %(title)s »", name=name, title=d.get("title", "")),
        "commitment.deleted": _("Engagement supprimé pour %(name)s : « %(title)s »", name=name, title=d.get("title", "")),
        "commitment.follow_up": _("Point de suivi noté pour %(name)s : « %(title)s »", name=name, title=d.get("title", "")),
        "commitment.reminded": _("Rappel envoyé au référent de %(name)s : « %(title)s »", name=noun(name), title=d.get("title", "")),
        "fiche.submitted": _("Fiche envoyée pour relecture : « %(name)s »", name=name),
        "fiche.published": _("Fiche publiée : « %(name)s »", name=name),
        "fiche.returned": _("Fiche renvoyée à la personne qui l'a écrite : « %(name)s ». Raison : %(reason)s", name=name, reason=d.get("reason", "")),
        "fiche.edited": _("Fiche publiée modifiée : « %(name)s »", name=name),
        "tally.entered": _("Feuille de dépouillement saisie pour « %(name)s » : %(place)s, %(count)s personnes",
                           name=name, place=d.get("place", ""), count=d.get("participants", "")),
        "tally.deleted": _("Feuille de dépouillement retirée de « %(name)s » : %(place)s, %(count)s personnes",
                           name=name, place=d.get("place", ""), count=d.get("participants", "")),
        "process.result_published": _("Résultat publié comme décision : « %(name)s »", name=name),
        "process.created": _("Démarche ouverte (brouillon) : « %(name)s »", name=name),
        "process.updated": _("Démarche modifiée : « %(name)s »", name=name),
        "process.published": _("Démarche publiée : « %(name)s »", name=name),
        "process.return_published": _("Retour publié : « %(name)s »", name=name),
        "process.return_updated": _("Retour corrigé : « %(name)s »", name=name),
        "process.finished": _("Démarche terminée : « %(name)s »", name=name),
        "process.question_answered": _("Réponse à une question : « %(name)s »", name=name),
        "process.question_hidden": _("Question masquée : « %(name)s »", name=name),
        "process.question_restored": _("Question rétablie : « %(name)s »", name=name),
        "process.proposal_decided": _("Réponse à la proposition « %(target)s » : « %(name)s »", name=name,
                                      target=d.get("proposal", "")),
        "process.proposal_hidden": _("Proposition masquée : « %(target)s » (« %(name)s »)", name=name,
                                     target=d.get("proposal", "")),
        "process.proposal_restored": _("Proposition rétablie : « %(target)s » (« %(name)s »)", name=name,
                                       target=d.get("proposal", "")),
        "account.verified": _("Compte vérifié en personne : %(user)s", user=d.get("user", "?")),
        "account.reset_code_issued": _("Code pour changer de mot de passe donné à %(user)s", user=d.get("user", "?")),
        "account.reset_code_used": _("Mot de passe changé avec un code donné par une personne référente : %(user)s", user=d.get("user", "?")),
        "proclamation.version": _("Proclamation : version %(number)s publiée (%(note)s)", number=d.get("number", ""), note=d.get("note", "")),
        "proclamation.signature_withdrawn": (
            _("Signature de la proclamation retirée (structure : %(name)s)", name=name) if name
            else _("Signature de la proclamation retirée")),
    }
    return labels.get(entry.action, entry.action)


def _status(value) -> str:
    from labo.contributions.models import Status

    try:
        return Status(value).label
    except ValueError:
        return value or ""
