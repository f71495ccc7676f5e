"""Who may do what, route by route: every rule of the URL map, with each of
the eight people of the matrix (anonymous, resident, ambassador, referent of
Lens, referent of Liévin, animator, COPIL member, administrator).

ROUTES declares, for each rule and method, who may succeed; everyone else
must be refused the way the site refuses:

- 401, 403 or 404 (what one may not see does not exist for them);
- a redirect to the login page with `next=` (an anonymous visitor);
- a redirect back with an error message (a phone without its place on a board).

A refused request must also leave the database as it was. Those allowed
must get through the permission check (no refusal, no server error): the
table is only worth something if the objects in the addresses are real.

A rule added to the site without its line here fails the suite, and so
does a Socket.IO event of the live board's namespace not declared in EVENTS.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.security.conftest import (
    ADMIN,
    COPIL,
    EVERYONE,
    JPEG,
    NOBODY,
    PDF,
    REFERENT_A,
    REFERENTS,
    ROLES,
    SIGNED_IN,
    World,
)

# Those who run the meeting and its board: the animator and administrators.
ANIMATORS = frozenset({"animator", "admin"})
# Ambassadors, referents and administrators relay invitations and keep an activity log.
RELAYS = frozenset({"ambassador", "referent_a", "referent_b", "admin"})
# A draft fiche of the resident's: its author and its reviewers (Lens, administrators).
FICHE_EDITORS = frozenset({"resident", "referent_a", "admin"})
# Printed cards of a Lens process: its referent and administrators (each card is a vote);
# animators print them only for a meeting they run (/rencontres/<id>/cartes).
CARD_PRINTERS = frozenset({"referent_a", "admin"})
# An open questionnaire of Lens at the door: ambassadors, animators, its referent and administrators.
DOOR_SURVEYORS = frozenset({"ambassador", "referent_a", "animator", "admin"})
# Animators, referents and administrators open live boards.
WORKSHOP_RUNNERS = frozenset({"referent_a", "referent_b", "animator", "admin"})
# A Lens walk planned by the animator, the resident registered: she, its animator, Lens's referent, administrators.
WALK_CAPTURERS = frozenset({"resident", "animator", "referent_a", "admin"})
# ... changed by its animator, Lens's referent and administrators.
WALK_MANAGERS = frozenset({"animator", "referent_a", "admin"})
# A funded project's report: its group (the resident applied), Lens's referent and administrators.
FUND_REPORTERS = frozenset({"resident", "referent_a", "admin"})


@dataclass(frozen=True)
class Route:
    """One rule of the URL map: the address with the world's objects in it
    ({name} is world[name]), who may succeed for each method, and what a
    POST sends (valid, so that only the permission can stop it)."""

    url: str
    GET: Optional[frozenset] = None
    POST: Optional[frozenset] = None
    data: dict = field(default_factory=dict)
    json: Optional[dict] = None
    why: str = ""

    def methods(self) -> set[str]:
        return {m for m in ("GET", "POST") if getattr(self, m) is not None}


def Get(url: str, who: frozenset, why: str = "") -> Route:
    return Route(url, GET=who, why=why)


def Post(url: str, who: frozenset, data: Optional[dict] = None, why: str = "", **kwargs) -> Route:
    return Route(url, POST=who, data=data or {}, why=why, **kwargs)


def Form(url: str, who: frozenset, data: Optional[dict] = None, why: str = "") -> Route:
    """A page and its form (GET and POST), for the same people."""
    return Route(url, GET=who, POST=who, data=data or {}, why=why)


ROUTES: dict[str, Route] = {
    # --- site ------------------------------------------------------------------------
    "/": Get("/", EVERYONE),
    "/healthz": Get("/healthz", EVERYONE),
    "/confidentialite": Get("/confidentialite", EVERYONE),
    "/accessibilite": Get("/accessibilite", EVERYONE),
    "/mentions-legales": Get("/mentions-legales", EVERYONE),
    "/langue": Post("/langue", EVERYONE, {"lang": "fr", "next": "/"}),
    "/static/<path:filename>": Get("/static/css/board.css", EVERYONE),
    # --- accounts ----------------------------------------------------------------------
    "/compte/inscription": Form("/compte/inscription", EVERYONE, {"pseudonym": ""}, why="an empty form: 422"),
    "/compte/connexion": Form("/compte/connexion", EVERYONE, {"email": "x@example.org", "password": "non"}),
    "/compte/deconnexion": Post("/compte/deconnexion", EVERYONE),
    "/compte/mot-de-passe-oublie": Form("/compte/mot-de-passe-oublie", EVERYONE, {"email": "personne@example.org"}),
    "/compte/nouveau-mot-de-passe/<token>": Form("/compte/nouveau-mot-de-passe/{reset_token}", EVERYONE,
                                                 {"password": "un nouveau mot de passe", "confirm": "un autre"},
                                                 why="the link is the right: anyone holding it"),
    "/compte/": Form("/compte/", SIGNED_IN, {"home_commune": "{commune_id}", "home_qpv": "", "age_band": "",
                                             "locale": ""}),
    "/compte/mot-de-passe": Post("/compte/mot-de-passe", SIGNED_IN, {
        "pw-current_password": "pas le bon", "pw-password": "un nouveau mot de passe",
        "pw-confirm": "un nouveau mot de passe"}, why="one's own password: a wrong current one gives 422"),
    "/compte/supprimer": Post("/compte/supprimer", SIGNED_IN, {"erase-password": "pas le bon"}),
    "/compte/mes-donnees.json": Get("/compte/mes-donnees.json", SIGNED_IN),
    "/compte/mes-donnees.zip": Get("/compte/mes-donnees.zip", SIGNED_IN),
    "/compte/verifier": Get("/compte/verifier", REFERENTS),
    "/compte/verifier/<id:user_id>": Post("/compte/verifier/{resident}", REFERENT_A,
                                          why="the resident lives in Lens"),
    "/compte/verifier/<id:user_id>/code": Post("/compte/verifier/{resident}/code", REFERENT_A,
                                               why="the resident lives in Lens: a one-time code to change the password"),
    "/compte/code": Form("/compte/code", EVERYONE, {"pseudonym": "Josiane", "code": "AAAA-AAAA",
                                                    "password": "un nouveau mot de passe"},
                         why="the code is the right: a wrong one gives 422"),
    "/compte/telephone": Form("/compte/telephone", EVERYONE, {"phone": "06 12 34 56 78"},
                              why="anyone asks for a sign-in code by SMS (signed in: sent home)"),
    "/compte/telephone/code": Form("/compte/telephone/code", EVERYONE, {"code": "123456"},
                                   why="without a code sent first: back to the number's page"),
    "/compte/supprimer/code": Post("/compte/supprimer/code", NOBODY,
                                   why="only an account on a number without a password; the matrix's people have one: 404"),
    "/compte/telephone/changer": Post("/compte/telephone/changer", SIGNED_IN, {"phone": "06 12 34 56 78"},
                                      why="one's own number: a code goes to it by SMS"),
    "/compte/telephone/retirer": Post("/compte/telephone/retirer", SIGNED_IN,
                                      why="one's own number; without one, nothing changes"),
    "/compte/telephone/nouveau": Form("/compte/telephone/nouveau", EVERYONE, {"pseudonym": "Nouvelle"},
                                      why="without a number just checked: back to the number's page"),
    "/compte/adresse": Post("/compte/adresse", SIGNED_IN, {"mail-email": ""}, why="one's own address: an empty one gives 422"),
    "/compte/adresse/<token>": Form("/compte/adresse/{confirm_token}", EVERYONE,
                                    why="the link is the right: anyone holding it attaches the address it was sent to"),
    "/compte/notifications/": Get("/compte/notifications/", SIGNED_IN),
    "/compte/notifications/lues": Post("/compte/notifications/lues", SIGNED_IN),
    # --- administration ----------------------------------------------------------------
    "/admin/": Get("/admin/", ADMIN),
    "/admin/comptes": Get("/admin/comptes", ADMIN),
    "/admin/comptes/<id:user_id>": Form("/admin/comptes/{resident}", ADMIN, {"role": "animator", "commune": ""}),
    "/admin/comptes/<id:user_id>/roles/<id:grant_id>/retirer": Post(
        "/admin/comptes/{spare}/roles/{spare_grant}/retirer", ADMIN),
    "/admin/journal": Get("/admin/journal", ADMIN),
    "/admin/courriels": Get("/admin/courriels", ADMIN),
    "/admin/sms": Get("/admin/sms", ADMIN),
    "/admin/territoire/": Get("/admin/territoire/", ADMIN),
    "/admin/territoire/communes/nouvelle": Form("/admin/territoire/communes/nouvelle", ADMIN,
                                                {"name": "Eleu-dit-Leauwette", "note": ""}),
    "/admin/territoire/communes/<slug>": Form("/admin/territoire/communes/lens", ADMIN,
                                              {"name": "Lens", "in_call": "y", "note": "Préfecture"}),
    "/admin/territoire/quartiers/nouveau": Form("/admin/territoire/quartiers/nouveau", ADMIN, {
        "code": "QP062099", "name": "Nouveau quartier", "in_contract": "y", "communes": "{commune_id}"}),
    "/admin/territoire/quartiers/<slug>": Form("/admin/territoire/quartiers/{qpv}", ADMIN, {
        "code": "QP062098", "name": "Quartier renommé", "communes": "{commune_id}"}),
    "/admin/territoire/piliers/<id:number>": Form("/admin/territoire/piliers/1", ADMIN, {
        "title": "Prévenir", "summary": "", "ambitions-0": "Repérer tôt"}),
    "/admin/territoire/axes/<slug>": Form("/admin/territoire/axes/{axis}", ADMIN, {"title": "Un axe", "summary": ""}),
    # --- the territory -----------------------------------------------------------------
    "/territoire/": Get("/territoire/", EVERYONE),
    "/territoire/communes/<slug>": Get("/territoire/communes/lens", EVERYONE),
    "/territoire/quartiers/<slug>": Get("/territoire/quartiers/{qpv}", EVERYONE),
    "/territoire/contrat-de-ville": Get("/territoire/contrat-de-ville", EVERYONE),
    # --- contributions (all of Lens) -----------------------------------------------------
    "/idees/": Get("/idees/", EVERYONE),
    # without an account too: the same request, less a name, is then refused for what is missing (422)
    "/idees/nouvelle": Form("/idees/nouvelle", EVERYONE, {
        "kind": "idee", "title": "Un marché le samedi", "body": "Pour acheter frais.", "commune": "{commune_id}",
        "qpv": "", "theme": ""}),
    "/idees/<id:contribution_id>": Get("/idees/{hidden_contribution}", REFERENT_A,
                                       why="a hidden one: its author (not in the matrix) and Lens's moderators"),
    "/idees/photos/<key>": Get("/idees/photos/{hidden_photo}", REFERENT_A, why="the photo of the hidden one"),
    "/idees/<id:contribution_id>/soutenir": Post("/idees/{contribution}/soutenir", SIGNED_IN),
    "/idees/<id:contribution_id>/suivre": Post("/idees/{contribution}/suivre", SIGNED_IN),
    "/idees/<id:contribution_id>/commenter": Post("/idees/{contribution}/commenter", SIGNED_IN,
                                                  {"body": "Je suis d'accord."}),
    "/idees/<id:contribution_id>/signaler": Post("/idees/{contribution}/signaler", SIGNED_IN, {"reason": "Doublon"}),
    "/idees/<id:contribution_id>/masquer": Post("/idees/{contribution}/masquer", REFERENT_A, {"reason": "Hors sujet"}),
    "/idees/<id:contribution_id>/retablir": Post("/idees/{hidden_contribution}/retablir", REFERENT_A),
    "/idees/<id:contribution_id>/valider": Post("/idees/{pending}/valider", REFERENT_A),
    "/idees/<id:contribution_id>/classer-signalements": Post("/idees/{contribution}/classer-signalements", REFERENT_A),
    "/idees/<id:contribution_id>/regrouper": Post("/idees/{contribution}/regrouper", REFERENT_A, {"target": "{twin}"}),
    "/idees/<id:contribution_id>/reponse": Post("/idees/{contribution}/reponse", REFERENT_A,
                                                {"status": "en_etude", "answer": ""}),
    "/idees/<id:contribution_id>/commentaires/<id:comment_id>/masquer": Post(
        "/idees/{contribution}/commentaires/{comment}/masquer", REFERENT_A),
    "/idees/<id:contribution_id>/modifier": Form("/idees/{own_contribution}/modifier", frozenset({"resident"}),
                                                 {"title": "Un banc", "body": "Pour se poser un moment."},
                                                 why="its author only, until it is answered"),
    "/idees/<id:contribution_id>/retirer": Post("/idees/{own_contribution}/retirer", frozenset({"resident"}),
                                                why="its author only, until it is answered"),
    "/idees/mon-idee/<token>": Get("/idees/mon-idee/{guest_token}", EVERYONE, why="the private link is the key"),
    "/idees/mon-idee/<token>/modifier": Post("/idees/mon-idee/{guest_token}/modifier", EVERYONE,
                                             {"title": "", "body": "Un abri et un banc."}, why="the link is the key"),
    "/idees/mon-idee/<token>/retirer": Post("/idees/mon-idee/{guest_token}/retirer", EVERYONE, why="the link is the key"),
    "/idees/mon-idee/<token>/rattacher": Post("/idees/mon-idee/{guest_token}/rattacher", SIGNED_IN,
                                              why="to the account signed in"),
    "/moderation/": Get("/moderation/", REFERENTS),
    "/moderation/sans-reponse": Get("/moderation/sans-reponse", REFERENTS),
    # --- meetings (one in Lens, animated by the animator) ---------------------------------
    "/rencontres/": Get("/rencontres/", EVERYONE),
    "/rencontres/feed.ics": Get("/rencontres/feed.ics", EVERYONE),
    "/meetings/feed.ics": Get("/meetings/feed.ics", EVERYONE),
    "/rencontres/<id:meeting_id>.ics": Get("/rencontres/{meeting}.ics", EVERYONE),
    "/meetings/<id:meeting_id>.ics": Get("/meetings/{meeting}.ics", EVERYONE),
    "/rencontres/<id:meeting_id>": Get("/rencontres/{meeting}", EVERYONE),
    "/rencontres/<id:meeting_id>/affiche": Get("/rencontres/{meeting}/affiche", EVERYONE),
    "/rencontres/indicateurs": Get("/rencontres/indicateurs", frozenset({"animator", "copil", "admin"})),
    "/rencontres/<id:meeting_id>/inscription": Post("/rencontres/{meeting}/inscription", EVERYONE,
                                                    {"first_name": "Zoé", "contact": "zoe@example.org"}),
    "/i/<token>": Get("/i/{registration_token}", EVERYONE, why="the registration's short address, in an SMS"),
    "/rencontres/inscription/<token>": Form("/rencontres/inscription/{registration_token}", EVERYONE,
                                            why="one's registration, by its private link"),
    "/rencontres/nouvelle": Form("/rencontres/nouvelle", ANIMATORS, {
        "title": "Rencontre d'Avion", "theme": "", "starts_at": "2030-03-20T14:00", "commune": "{commune_id}",
        "venue": "Salle des fêtes", "capacity": "30", "running_order": "Accueil"}),
    "/rencontres/<id:meeting_id>/modifier": Form("/rencontres/{meeting}/modifier", ANIMATORS, {
        "title": "Rencontre de Lens", "theme": "", "starts_at": "2030-03-20T14:00", "commune": "{commune_id}",
        "venue": "Centre social", "capacity": "40", "running_order": "Accueil"}),
    "/rencontres/<id:meeting_id>/annuler": Post("/rencontres/{meeting}/annuler", ANIMATORS, {"confirm": "y"}),
    "/rencontres/<id:meeting_id>/emargement": Get("/rencontres/{meeting}/emargement", ANIMATORS),
    "/rencontres/<id:meeting_id>/emargement/<id:registration_id>": Post(
        "/rencontres/{meeting}/emargement/{registration}", ANIMATORS, {"present": "1"}),
    "/rencontres/<id:meeting_id>/emargement/<id:registration_id>/public": Post(
        "/rencontres/{meeting}/emargement/{registration}/public", ANIMATORS, {"audience": "elected"},
        why="as whom someone came to a training"),
    "/rencontres/<id:meeting_id>/emargement/sur-place": Post("/rencontres/{meeting}/emargement/sur-place", ANIMATORS,
                                                             {"first_name": "Léa"}),
    "/rencontres/<id:meeting_id>/emargement/papier": Post("/rencontres/{meeting}/emargement/papier", ANIMATORS,
                                                          {"count": "7"}),
    "/rencontres/<id:meeting_id>/compte-rendu": Form("/rencontres/{meeting}/compte-rendu", ANIMATORS,
                                                     {"minutes": "On a parlé des bancs."}),
    "/rencontres/<id:meeting_id>/decisions": Post("/rencontres/{meeting}/decisions", ANIMATORS, {
        "text": "Un banc par arrêt", "rule": "À main levée", "votes_for": "12"}),
    "/rencontres/<id:meeting_id>/pieces-jointes": Post("/rencontres/{meeting}/pieces-jointes", ANIMATORS,
                                                       {"file": PDF}),
    "/rencontres/<id:meeting_id>/pieces-jointes/<id:attachment_id>": Get(
        "/rencontres/{meeting}/pieces-jointes/{attachment}", EVERYONE, why="public, like the minutes"),
    "/rencontres/<id:meeting_id>/pieces-jointes/<id:attachment_id>/supprimer": Post(
        "/rencontres/{meeting}/pieces-jointes/{attachment}/supprimer", ANIMATORS),
    # --- the directory of actors and the ambassadors' space ---------------------------------
    "/acteurs/": Get("/acteurs/", EVERYONE),
    "/acteurs/moi": Form("/acteurs/moi", frozenset({"ambassador", "referent_a", "referent_b"}), {
        "listed": "y", "presentation": "Je relaie les rencontres.", "communes": "{commune_id}"},
        why="a card in the directory is for ambassadors and referents (not for an administrator as such)"),
    "/acteurs/mon-espace": Get("/acteurs/mon-espace", RELAYS),
    "/acteurs/mon-espace/activite/nouvelle": Form("/acteurs/mon-espace/activite/nouvelle", RELAYS, {
        "happened_on": "2024-05-15", "kind": "rencontre", "commune": "{commune_id}", "people_count": "3",
        "text": "Au marché"}),
    "/acteurs/mon-espace/activite/<id:entry_id>": Form("/acteurs/mon-espace/activite/{activity}",
                                                       frozenset({"ambassador"}), {
        "happened_on": "2024-05-15", "kind": "rencontre", "commune": "{commune_id}", "people_count": "5",
        "text": "Au marché du samedi"}, why="a log entry is its author's alone, even for an administrator"),
    "/acteurs/mon-espace/activite/<id:entry_id>/supprimer": Post(
        "/acteurs/mon-espace/activite/{activity}/supprimer", frozenset({"ambassador"})),
    "/acteurs/activite": Get("/acteurs/activite", COPIL),
    "/acteurs/structures/nouvelle": Form("/acteurs/structures/nouvelle", REFERENTS, {
        "name": "Amicale laïque", "kind": "association", "communes": "{commune_id}"}),
    "/acteurs/structures/<id:organisation_id>/modifier": Form("/acteurs/structures/{organisation}/modifier",
                                                              REFERENT_A, {
        "name": "Centre social de Lens", "kind": "association", "communes": "{commune_id}",
        "description": "Ouvert le samedi"}),
    "/acteurs/structures/<id:organisation_id>/supprimer": Post("/acteurs/structures/{organisation}/supprimer",
                                                               REFERENT_A),
    # --- the proclamation (signed by the resident) ---------------------------------------
    "/proclamation/": Get("/proclamation/", EVERYONE),
    "/proclamation/signataires": Get("/proclamation/signataires", EVERYONE),
    "/proclamation/versions": Get("/proclamation/versions", EVERYONE),
    "/proclamation/versions/<id:number>": Get("/proclamation/versions/1", EVERYONE),
    "/proclamation/signer": Post("/proclamation/signer", SIGNED_IN, {"category": "habitant", "commune": "",
                                                                      "public": "y"}),
    "/proclamation/signer-pour-une-structure": Post("/proclamation/signer-pour-une-structure", SIGNED_IN, {
        "org-organisation_name": "Amicale laïque", "org-representative_name": "Paul", "org-commune": ""}),
    "/proclamation/signatures/<id:signature_id>/retirer": Form("/proclamation/signatures/{signature}/retirer",
                                                               frozenset({"resident"}),
                                                               why="a signature is withdrawn by its signer only"),
    "/proclamation/modifier": Form("/proclamation/modifier", ADMIN, {
        "title": "Un territoire participatif", "body": "Deuxième version du texte.", "change_note": "Relu"}),
    # --- partners (non-public follow-up: the COPIL's and administrators' eyes only) ------------
    "/partenaires/": Get("/partenaires/", EVERYONE),
    "/partenaires/export.csv": Get("/partenaires/export.csv", EVERYONE),
    "/partenaires/suivi": Get("/partenaires/suivi", COPIL),
    "/partenaires/<slug>": Get("/partenaires/{partner}", EVERYONE),
    "/partenaires/nouveau": Form("/partenaires/nouveau", ADMIN, {"name": "Pas-de-Calais Habitat", "slug": "",
                                                                 "kind": "bailleur"}),
    "/partenaires/<slug>/modifier": Form("/partenaires/{partner}/modifier", ADMIN, {
        "name": "La CAF", "slug": "caf", "kind": "caf", "description": "Allocations"}),
    "/partenaires/<slug>/modeles": Form("/partenaires/{partner}/modeles?famille=pilotage", ADMIN, {
        "family": "pilotage", "items-0-chosen": "y", "items-0-title": "Siéger au COPIL"}),
    "/partenaires/<slug>/engagements/nouveau": Form("/partenaires/{partner}/engagements/nouveau", ADMIN, {
        "family": "evaluation", "title": "Partager les chiffres"}),
    "/partenaires/<slug>/engagements/<id:commitment_id>": Get("/partenaires/{partner}/engagements/{commitment}",
                                                              EVERYONE),
    "/partenaires/<slug>/engagements/<id:commitment_id>/modifier": Form(
        "/partenaires/{partner}/engagements/{commitment}/modifier", ADMIN, {
            "family": "cooperation", "title": "Nommer une référente"}),
    "/partenaires/<slug>/engagements/<id:commitment_id>/supprimer": Form(
        "/partenaires/{partner}/engagements/{commitment}/supprimer", ADMIN),
    "/partenaires/<slug>/engagements/<id:commitment_id>/suivi": Post(
        "/partenaires/{partner}/engagements/{commitment}/suivi", ADMIN, {
            "happened_on": "2024-06-01", "note": "Référente nommée", "status_after": "tenu", "public": "y"}),
    "/partenaires/<slug>/engagements/<id:commitment_id>/preuves/<id:entry_id>": Get(
        "/partenaires/{partner}/engagements/{commitment}/preuves/{follow_up}", COPIL,
        why="the evidence of a non-public entry"),
    # --- the Labo's formal opinions: public to read; issued by referents, answered by administrators ---
    # (or by the partner's referent with an account: none in the matrix, tests/opinions has that case)
    "/avis/": Get("/avis/", EVERYONE),
    "/avis/<id:opinion_id>": Get("/avis/{opinion}", EVERYONE),
    "/avis/nouveau": Form("/avis/nouveau", REFERENTS, {
        "title": "Un avis", "body": "Texte", "asks": "Ceci", "addressee": "copil", "from_process": "{consultation}",
        "answer_due_on": "{in_a_month}"}, why="referents: from a meeting or process of their communes (checked after)"),
    "/avis/<id:opinion_id>/reponse": Form("/avis/{opinion}/reponse", ADMIN, {
        "decision": "Deux bancs", "reasons": "Le budget", "answered_on": "{today}"}),
    # --- experience fiches: a draft of the resident's, one waiting, one published ----------------
    "/boite-a-outils/": Get("/boite-a-outils/", EVERYONE),
    "/boite-a-outils/mes-fiches": Get("/boite-a-outils/mes-fiches", SIGNED_IN),
    "/boite-a-outils/a-relire": Get("/boite-a-outils/a-relire", REFERENTS),
    "/boite-a-outils/proposer": Form("/boite-a-outils/proposer", SIGNED_IN, {
        "kind": "experience", "title": "Un thé de quartier", "level": "consultation",
        "method": "Une table, du thé, une question.", "action": "submit"}),
    "/boite-a-outils/<id:fiche_id>": Get("/boite-a-outils/{draft_fiche}", FICHE_EDITORS,
                                         why="a draft: its author and its reviewers"),
    "/boite-a-outils/<id:fiche_id>/imprimer": Get("/boite-a-outils/{draft_fiche}/imprimer", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/historique": Get("/boite-a-outils/{draft_fiche}/historique", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/historique/<id:number>": Get("/boite-a-outils/{published_fiche}/historique/1",
                                                                EVERYONE, why="a published fiche's history"),
    "/boite-a-outils/<id:fiche_id>/modifier": Form("/boite-a-outils/{draft_fiche}/modifier", FICHE_EDITORS, {
        "kind": "experience", "title": "Une balade urbaine, le jeudi", "level": "concertation",
        "method": "On marche ensemble.", "communes": "{commune_id}"}),
    "/boite-a-outils/<id:fiche_id>/envoyer": Post("/boite-a-outils/{draft_fiche}/envoyer", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/photos-et-fichiers": Get("/boite-a-outils/{draft_fiche}/photos-et-fichiers",
                                                            FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/photos": Post("/boite-a-outils/{draft_fiche}/photos", FICHE_EDITORS,
                                                 {"photo": JPEG, "alt": "Le départ"}),
    "/boite-a-outils/<id:fiche_id>/photos/<id:photo_id>/supprimer": Post(
        "/boite-a-outils/{draft_fiche}/photos/{fiche_photo}/supprimer", FICHE_EDITORS),
    "/boite-a-outils/photos/<key>": Get("/boite-a-outils/photos/{fiche_photo_key}", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/fichiers": Post("/boite-a-outils/{draft_fiche}/fichiers", FICHE_EDITORS,
                                                   {"file": PDF}),
    "/boite-a-outils/<id:fiche_id>/fichiers/<id:attachment_id>": Get(
        "/boite-a-outils/{draft_fiche}/fichiers/{fiche_attachment}", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/fichiers/<id:attachment_id>/supprimer": Post(
        "/boite-a-outils/{draft_fiche}/fichiers/{fiche_attachment}/supprimer", FICHE_EDITORS),
    "/boite-a-outils/<id:fiche_id>/publier": Post("/boite-a-outils/{submitted_fiche}/publier", REFERENT_A,
                                                  why="reviewers of a fiche of Lens"),
    "/boite-a-outils/<id:fiche_id>/renvoyer": Post("/boite-a-outils/{submitted_fiche}/renvoyer", REFERENT_A,
                                                   {"reason": "Ajoutez le public touché."}),
    # --- processes of Lens (one per level), a draft, one of the agglomeration --------------------
    "/demarches/": Get("/demarches/", EVERYONE),
    "/demarches/nouvelle": Form("/demarches/nouvelle", REFERENTS, {
        "title": "Le square", "question": "Quels jeux ?", "decider": "le conseil municipal",
        "commune": "{commune_id}", "level": "consultation", "method": "avis", "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-03-20T18:00", "answer_by": "2030-04-15", "audience": "everyone"}),
    "/demarches/<id:process_id>": Get("/demarches/{draft}", REFERENT_A, why="a draft: its managers"),
    "/demarches/<id:process_id>/modifier": Form("/demarches/{draft}/modifier", REFERENT_A, {
        "title": "Le square, encore", "question": "Quels jeux ?", "decider": "le conseil municipal",
        "commune": "{commune_id}", "level": "consultation", "method": "avis", "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-03-20T18:00", "answer_by": "2030-04-15", "audience": "everyone"}),
    "/demarches/<id:process_id>/gestion": Get("/demarches/{consultation}/gestion", REFERENT_A),
    "/demarches/<id:process_id>/publier": Post("/demarches/{draft}/publier", REFERENT_A),
    "/demarches/<id:process_id>/terminer": Post("/demarches/{closed}/terminer", REFERENT_A),
    "/demarches/<id:process_id>/retour": Post("/demarches/{closed}/retour", REFERENT_A,
                                              {"return_text": "Le conseil a retenu le parc."}),
    "/demarches/<id:process_id>/avis": Route("/demarches/{consultation}/avis", GET=EVERYONE, POST=SIGNED_IN,
                                             data={"stance": "favorable", "comment": ""},
                                             why="the commented opinions, public; giving one"),
    "/demarches/<id:process_id>/questions": Post("/demarches/{information}/questions", SIGNED_IN,
                                                 {"body": "Et le stationnement ?"}),
    "/demarches/<id:process_id>/questions/<id:question_id>/reponse": Post(
        "/demarches/{information}/questions/{question}/reponse", REFERENT_A, {"q{question}-answer": "En juin."}),
    "/demarches/<id:process_id>/questions/<id:question_id>/masquer": Post(
        "/demarches/{information}/questions/{question}/masquer", REFERENT_A),
    "/demarches/<id:process_id>/propositions": Post("/demarches/{concertation}/propositions", SIGNED_IN,
                                                    {"title": "Des bancs", "body": "À l'ombre."}),
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/soutenir": Post(
        "/demarches/{concertation}/propositions/{proposal}/soutenir", SIGNED_IN),
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/reponse": Post(
        "/demarches/{concertation}/propositions/{proposal}/reponse", REFERENT_A,
        {"p{proposal}-decision": "retenue", "p{proposal}-reason": "Budget voté."}),
    "/demarches/<id:process_id>/propositions/<id:proposal_id>/masquer": Post(
        "/demarches/{concertation}/propositions/{proposal}/masquer", REFERENT_A),
    # ballots and tallies
    "/demarches/<id:process_id>/vote": Post("/demarches/{codecision}/vote", SIGNED_IN, {"option": "{option}"}),
    # printed participation cards (labo/cards): the code is the right, no account needed
    "/carte": Get("/carte", EVERYONE),
    "/carte/<code>": Route("/carte/{card_code}", GET=EVERYONE, POST=EVERYONE, data={"option": "{option}"},
                           why="the card's code is the right; once used, the page says so (409)"),
    "/carte/merci/<id:process_id>": Get("/carte/merci/{codecision}", EVERYONE),
    "/demarches/<id:process_id>/cartes": Form("/demarches/{codecision}/cartes", CARD_PRINTERS, {"size": "3"}),
    "/demarches/<id:process_id>/cartes/<id:sheet_id>/annuler": Post(
        "/demarches/{codecision}/cartes/{card_sheet}/annuler", CARD_PRINTERS),
    "/rencontres/<id:meeting_id>/cartes": Form("/rencontres/{meeting}/cartes", ANIMATORS,
                                               {"size": "3", "demarche": "{codecision}"}),
    "/demarches/<id:process_id>/resultats": Get("/demarches/{draft}/resultats", REFERENT_A,
                                                why="a draft's results: its managers"),
    "/demarches/<id:process_id>/resultats/publier": Post("/demarches/{closed}/resultats/publier", REFERENT_A),
    "/demarches/<id:process_id>/depouillement": Form("/demarches/{agglomeration}/depouillement", REFERENTS, {
        "channel": "paper", "place": "Centre social", "held_on": "2024-05-15", "participants": "4",
        "commune": "lens", "stance-favorable": "4"}, why="an agglomeration process: any referent types a sheet in"),
    "/demarches/<id:process_id>/depouillement/<id:tally_id>/retirer": Form(
        "/demarches/{consultation}/depouillement/{lens_tally}/retirer", REFERENT_A),
    "/demarches/<id:process_id>/depouillement/<id:tally_id>/photo": Get(
        "/demarches/{agglomeration}/depouillement/{tally}/photo", ADMIN,
        why="the photo of a sheet: the process's managers only (an agglomeration process: administrators)"),
    # --- the Labo's letter (labo/letters): subscribing needs no account ------------------------
    "/lettre/": Form("/lettre/", EVERYONE, {"contact": "x@example.org", "commune": "lens"}),
    "/lettre/inscription-envoyee": Get("/lettre/inscription-envoyee", EVERYONE),
    "/lettre/confirmer/<token>": Get("/lettre/confirmer/{letter_confirm}", EVERYONE,
                                     why="the link is the right: anyone holding it"),
    "/lettre/desinscription/<token>": Route("/lettre/desinscription/{letter_unsubscribe}", GET=EVERYONE,
                                            POST=EVERYONE, why="the link is the right; a mail client's one-click "
                                            "POST carries no CSRF token (RFC 8058)"),
    "/lettre/sms-entrant": Post("/lettre/sms-entrant", NOBODY, {"from": "0612345678", "text": "STOP"},
                                why="the SMS provider's callback: 404 until LABO_SMS_INBOUND_KEY is set "
                                    "(tests/letters checks it with its key)"),
    "/lettre/<id:letter_id>": Form("/lettre/{draft_letter}", REFERENT_A, {"contact": "x@example.org", "commune": "lens"},
                                   why="a draft: its editors (a letter sent: everyone)"),
    "/lettre/<id:letter_id>/imprimer": Get("/lettre/{draft_letter}/imprimer", REFERENT_A,
                                           why="a draft: its editors (a letter sent: everyone)"),
    "/lettre/gestion": Get("/lettre/gestion", REFERENTS),
    "/lettre/nouvelle": Post("/lettre/nouvelle", REFERENT_A, {"commune": "lens"},
                             why="Lens's letter: its referent and administrators"),
    "/lettre/<id:letter_id>/modifier": Form("/lettre/{draft_letter}/modifier", REFERENT_A,
                                            {"title": "La lettre de Lens", "intro": ""}),
    "/lettre/<id:letter_id>/envoyer": Post("/lettre/{draft_letter}/envoyer", REFERENT_A),
    "/lettre/relais": Get("/lettre/relais", RELAYS),
    "/lettre/<id:letter_id>/distribuees": Post("/lettre/{letter}/distribuees", RELAYS, {"copies": "5"}),
    # --- the micro-projects fund (labo/fund): administrators open rounds; public once open ----------
    "/fonds/": Get("/fonds/", EVERYONE),
    "/fonds/nouveau": Form("/fonds/nouveau", ADMIN, {
        "title": "Fonds 2027", "scope": "lens", "envelope": "5 000", "ceiling": "1 000",
        "apply_until": "{fund_apply_until}", "committee_on": "{fund_committee_on}", "spend_within_days": "30",
        "rules": "Des projets.", "rules_easy": "Un projet."}),
    "/fonds/<id:round_id>": Get("/fonds/{fund_draft}", ADMIN, why="a round in preparation: administrators "
                                "(an open round: everyone)"),
    "/fonds/<id:round_id>/modifier": Form("/fonds/{fund_draft}/modifier", ADMIN, {
        "title": "Fonds de Lens", "scope": "lens", "envelope": "5 000", "ceiling": "1 000",
        "apply_until": "{fund_apply_until}", "committee_on": "{fund_committee_on}", "spend_within_days": "30",
        "rules": "Des projets.", "rules_easy": "Un projet."}),
    "/fonds/<id:round_id>/comite": Post("/fonds/{fund_draft}/comite", ADMIN, {"account": "Réserve",
                                                                              "is_resident": "y"}),
    "/fonds/<id:round_id>/comite/<id:member_id>/retirer": Post("/fonds/{fund_draft}/comite/{fund_member}/retirer",
                                                                ADMIN),
    "/fonds/<id:round_id>/ouvrir": Post("/fonds/{fund_draft}/ouvrir", ADMIN),
    "/fonds/<id:round_id>/clore": Post("/fonds/{fund_open}/clore", ADMIN),
    "/fonds/<id:round_id>/cloturer": Post("/fonds/{fund_open}/cloturer", ADMIN,
                                          why="administrators (refused with a message while applications wait)"),
    "/fonds/projets": Get("/fonds/projets?commune=lens", EVERYONE),
    "/fonds/<id:round_id>/demander": Form("/fonds/{fund_open}/demander", SIGNED_IN, {
        "title": "Un jardin", "action": "draft"}, why="any account applies (a draft here)"),
    "/fonds/demandes/<id:application_id>/modifier": Form("/fonds/demandes/{fund_draft_application}/modifier",
                                                         frozenset({"resident"}), {"title": "Un jardin partagé",
                                                                                   "action": "draft"},
                                                         why="a draft: its author only"),
    "/fonds/demandes/<id:application_id>": Get("/fonds/demandes/{fund_sent}", frozenset({"referent_a", "copil", "admin"}),
                                               why="with its private contact: Lens's referent, the round's committee "
                                                   "(the copil member sits on it), administrators"),
    "/fonds/mes-demandes": Get("/fonds/mes-demandes", SIGNED_IN),
    "/fonds/<id:round_id>/depuis-initiative/<id:contribution_id>": Post(
        "/fonds/{fund_open}/depuis-initiative/{fund_initiative}", frozenset({"resident"}),
        why="the resident's own initiative (others: refused with a message)"),
    "/fonds/<id:round_id>/export.csv": Get("/fonds/{fund_open}/export.csv", ADMIN,
                                           why="with the contacts: the finance team (administrators)"),
    "/fonds/demandes/<id:application_id>/versement": Post("/fonds/demandes/{fund_granted}/versement", ADMIN,
                                                          {"paid_on": "{fund_apply_until}"}),
    "/fonds/demandes/<id:application_id>/avis": Post("/fonds/demandes/{fund_sent}/avis",
                                                     frozenset({"referent_a", "admin"}),
                                                     {"kind": "favourable", "text": "Un groupe solide."},
                                                     why="the referent of the application's commune"),
    "/fonds/demandes/<id:application_id>/vote": Post("/fonds/demandes/{fund_sent}/vote", frozenset({"copil"}),
                                                     {"choice": "for"}, why="the round's committee (the copil "
                                                     "member sits on it; the administrator does not)"),
    "/fonds/demandes/<id:application_id>/decision": Post("/fonds/demandes/{fund_sent}/decision",
                                                         frozenset({"referent_a", "admin"}),
                                                         {"outcome": "refused", "reasons": "Hors du cadre."}),
    # the group's report after payment (the resident applied for the Lens project), until it becomes a fiche
    "/fonds/demandes/<id:application_id>/bilan": Form("/fonds/demandes/{fund_paid}/bilan", FUND_REPORTERS,
                                                      {"text": "Nous avons planté des salades."},
                                                      why="the group, Lens's referent, administrators"),
    "/fonds/demandes/<id:application_id>/bilan/photos/<id:photo_id>/retirer": Post(
        "/fonds/demandes/{fund_paid}/bilan/photos/{fund_report_photo}/retirer", FUND_REPORTERS),
    "/fonds/bilans/photos/<key>": Get("/fonds/bilans/photos/{fund_report_photo_key}", EVERYONE,
                                      why="the report of a project whose decision is published"),
    "/fonds/demandes/<id:application_id>/fiche": Post("/fonds/demandes/{fund_paid}/fiche", FUND_REPORTERS,
                                                      why="once: a second click gives the same fiche"),
    # --- walking diagnostics (labo/walks): public to read; planned by referents and animators; findings
    # captured by those registered with an account, the walk's animators and its commune's referents ---
    "/diagnostics/": Get("/diagnostics/", EVERYONE),
    "/diagnostics/nouveau": Form("/diagnostics/nouveau", WORKSHOP_RUNNERS, {
        "starts_at": "2030-05-04T14:00", "commune": "{commune_id}", "meeting_point": "La place",
        "invites_residents": "y"}, why="referents (their communes: Liévin's gets a 422 for Lens), animators"),
    "/diagnostics/<id:walk_id>": Get("/diagnostics/{walk}", EVERYONE),
    "/diagnostics/<id:walk_id>/rapport": Get("/diagnostics/{walk}/rapport", EVERYONE),
    "/diagnostics/photos/<key>": Get("/diagnostics/photos/{walk_photo_key}", EVERYONE, why="a finding sent on"),
    "/diagnostics/<id:walk_id>/constater": Form("/diagnostics/{walk}/constater", WALK_CAPTURERS, {
        "category": "lighting", "text": "Un trottoir trop haut", "street": "rue Diderot"}),
    "/diagnostics/<id:walk_id>/modifier": Form("/diagnostics/{walk}/modifier", WALK_MANAGERS, {
        "title": "Diagnostic à la Cité 12", "starts_at": "2030-05-04T14:00", "commune": "{commune_id}",
        "meeting_point": "Devant l'école", "route": "Rue Diderot", "invites_residents": "y"}),
    "/diagnostics/<id:walk_id>/tri": Get("/diagnostics/{walk}/tri", REFERENT_A),
    "/diagnostics/<id:walk_id>/constats/<id:finding_id>/tri": Post(
        "/diagnostics/{walk}/constats/{walk_new}/tri", REFERENT_A, {
            "c{walk_new}-category": "cleanliness", "c{walk_new}-service_name": "Propreté urbaine",
            "action": "send"}),
    "/diagnostics/<id:walk_id>/constats/<id:finding_id>/reponse": Form(
        "/diagnostics/{walk}/constats/{walk_sent}/reponse", ADMIN, {"status": "done", "answer": "Réparé."},
        why="sent to the CAF, whose referent has no account here: administrators"),
    "/diagnostics/a-repondre": Get("/diagnostics/a-repondre", SIGNED_IN, why="each sees the findings they answer"),
    # --- questionnaires (Lens): built by its referents and administrators; answered by all when open
    # (this one without an account too); at the door by ambassadors, animators and its managers ---
    "/questionnaires/": Get("/questionnaires/", EVERYONE),
    "/questionnaires/nouveau": Form("/questionnaires/nouveau", REFERENTS, {
        "title": "Votre avis", "commune": "{commune_id}", "template": "satisfaction"},
        why="any referent (Liévin's is told Lens is not among its communes: 422)"),
    "/questionnaires/<id:questionnaire_id>": Route("/questionnaires/{quest_open}", GET=EVERYONE, POST=EVERYONE, data={
        "q{quest_open_q1}": "4", "q{quest_open_q2}": "5", "q{quest_open_q3}": "3", "q{quest_open_q4}": "0"},
        why="open, and answers without an account allowed"),
    "/questionnaires/<id:questionnaire_id>/gerer": Get("/questionnaires/{quest_draft}/gerer", REFERENT_A),
    "/questionnaires/<id:questionnaire_id>/modifier": Form("/questionnaires/{quest_draft}/modifier", REFERENT_A, {
        "title": "En préparation", "intro": "Pourquoi."}),
    "/questionnaires/<id:questionnaire_id>/questions/nouvelle": Form(
        "/questionnaires/{quest_draft}/questions/nouvelle", REFERENT_A, {"text": "Votre âge ?", "kind": "number"}),
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>": Form(
        "/questionnaires/{quest_draft}/questions/{quest_draft_q1}", REFERENT_A, {"text": "Utile ?", "kind": "scale"}),
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>/deplacer": Post(
        "/questionnaires/{quest_draft}/questions/{quest_draft_q1}/deplacer", REFERENT_A, {"direction": "down"}),
    "/questionnaires/<id:questionnaire_id>/questions/<id:question_id>/retirer": Post(
        "/questionnaires/{quest_draft}/questions/{quest_draft_q1}/retirer", REFERENT_A),
    "/questionnaires/<id:questionnaire_id>/ouvrir": Post("/questionnaires/{quest_draft}/ouvrir", REFERENT_A),
    "/questionnaires/<id:questionnaire_id>/fermer": Post("/questionnaires/{quest_open}/fermer", REFERENT_A),
    "/questionnaires/<id:questionnaire_id>/papier": Form("/questionnaires/{quest_open}/papier", REFERENT_A, {
        "client_key": "cle-feuille-0001", "q{quest_open_q1}": "4", "q{quest_open_q2}": "5", "q{quest_open_q3}": "3",
        "q{quest_open_q4}": "0", "next": "another"}),
    "/questionnaires/<id:questionnaire_id>/porte-a-porte": Form("/questionnaires/{quest_open}/porte-a-porte",
                                                                DOOR_SURVEYORS, {
        "client_key": "cle-porte-00001", "q{quest_open_q1}": "4", "q{quest_open_q2}": "5", "q{quest_open_q3}": "3",
        "q{quest_open_q4}": "0"}),
    "/questionnaires/<id:questionnaire_id>/resultats": Get("/questionnaires/{quest_closed}/resultats", EVERYONE,
                                                           why="closed: its results are public"),
    "/questionnaires/<id:questionnaire_id>/synthese": Get("/questionnaires/{quest_closed}/synthese", EVERYONE),
    "/questionnaires/<id:questionnaire_id>/resultats.csv": Get("/questionnaires/{quest_closed}/resultats.csv",
                                                               EVERYONE),
    # --- COPIL -------------------------------------------------------------------------
    "/copil/": Get("/copil/", COPIL),
    "/copil/rapport": Get("/copil/rapport", COPIL),
    "/copil/export/<key>.csv": Get("/copil/export/moments.csv", COPIL),
    "/copil/demarches/<id:process_id>": Get("/copil/demarches/{consultation}", COPIL),
    "/copil/demarches/<id:process_id>/export/<key>.csv": Get("/copil/demarches/{consultation}/export/canal.csv", COPIL),
    # --- the JSON API ------------------------------------------------------------------
    "/api/v1/openapi.json": Get("/api/v1/openapi.json", EVERYONE),
    "/api/v1/communes": Get("/api/v1/communes", EVERYONE),
    "/api/v1/qpv": Get("/api/v1/qpv", EVERYONE),
    "/api/v1/contributions": Route("/api/v1/contributions", GET=EVERYONE, POST=SIGNED_IN, json={
        "kind": "idee", "title": "Un composteur", "body": "Au pied des immeubles.", "commune": "lens"}),
    "/api/v1/contributions/<id:contribution_id>": Get("/api/v1/contributions/{hidden_contribution}", NOBODY,
                                                      why="hidden, pending or merged: never in the API"),
    "/api/v1/meetings": Get("/api/v1/meetings", EVERYONE),
    "/api/v1/meetings/<id:meeting_id>": Get("/api/v1/meetings/{meeting}", EVERYONE),
    "/api/v1/fiches": Get("/api/v1/fiches", EVERYONE),
    "/api/v1/fiches/<id:fiche_id>": Get("/api/v1/fiches/{draft_fiche}", NOBODY, why="published fiches only"),
    "/api/v1/partners": Get("/api/v1/partners", EVERYONE),
    "/api/v1/opinions": Get("/api/v1/opinions", EVERYONE),
    "/api/v1/opinions/<id:opinion_id>": Get("/api/v1/opinions/{opinion}", EVERYONE),
    "/api/v1/fund/rounds": Get("/api/v1/fund/rounds", EVERYONE),
    "/api/v1/fund/rounds/<id:round_id>": Get("/api/v1/fund/rounds/{fund_draft}", NOBODY, why="a round in preparation"),
    "/api/v1/fund/projects": Get("/api/v1/fund/projects?commune=lens", EVERYONE),
    "/api/v1/walks": Get("/api/v1/walks", EVERYONE),
    "/api/v1/walks/<id:walk_id>": Get("/api/v1/walks/{walk}", EVERYONE),
    "/api/v1/questionnaires": Get("/api/v1/questionnaires", EVERYONE),
    "/api/v1/questionnaires/<id:questionnaire_id>": Get("/api/v1/questionnaires/{quest_draft}", NOBODY,
                                                        why="in preparation: never in the API"),
    "/api/v1/proclamation/signatures/stats": Get("/api/v1/proclamation/signatures/stats", EVERYONE),
    "/api/v1/processes": Get("/api/v1/processes", EVERYONE),
    "/api/v1/processes/<id:process_id>": Get("/api/v1/processes/{draft}", NOBODY, why="published processes only"),
    "/api/v1/processes/<id:process_id>/results": Get("/api/v1/processes/{consultation}/results", EVERYONE),
    "/api/v1/processes/<id:process_id>/participations": Post("/api/v1/processes/{consultation}/participations",
                                                             SIGNED_IN, json={"stance": "favorable"}),
    # --- live workshop boards (opened by the animator for the meeting) --------------------------
    "/ateliers/": Get("/ateliers/", WORKSHOP_RUNNERS),
    "/ateliers/nouveau": Form("/ateliers/nouveau", WORKSHOP_RUNNERS, {
        "title": "Atelier des jeunes", "meeting": "", "commune": "{commune_id}", "columns": "",
        "dots_per_person": "3", "authors_visible": "y"}),
    "/ateliers/<id:board_id>": Get("/ateliers/{board}", ANIMATORS),
    "/ateliers/<id:board_id>/projection": Get("/ateliers/{board}/projection", ANIMATORS),
    "/ateliers/<id:board_id>/export.csv": Get("/ateliers/{board}/export.csv", ANIMATORS),
    "/ateliers/<id:board_id>/imprimer": Get("/ateliers/{board}/imprimer", ANIMATORS),
    "/ateliers/<id:board_id>/synthese": Form("/ateliers/{board}/synthese", ANIMATORS, {"kind": "idee",
                                                                                        "note": "{note}"}),
    "/ateliers/<id:board_id>/pilotage": Post("/ateliers/{board}/pilotage", ANIMATORS, {
        "phase": "grouping", "minutes": "5", "authors_visible": "y"}),
    "/ateliers/<id:board_id>/devoiler": Post("/ateliers/{board}/devoiler", ANIMATORS),
    "/ateliers/<id:board_id>/co-animateurs": Post("/ateliers/{board}/co-animateurs", ANIMATORS,
                                                  {"user": "{referent_b_id}"}),
    "/ateliers/<id:board_id>/suivre": Post("/ateliers/{board}/suivre", ANIMATORS, {"target": "n{note}"}),
    "/ateliers/<id:board_id>/notes/<id:note_id>/masquer": Post("/ateliers/{board}/notes/{note}/masquer", ANIMATORS),
    "/ateliers/<id:board_id>/notes/<id:note_id>/regrouper": Post("/ateliers/{board}/notes/{note}/regrouper",
                                                                 ANIMATORS, {"target": "seul"}),
    "/ateliers/<id:board_id>/groupes/<id:group_id>/titre": Post("/ateliers/{board}/groupes/{group}/titre", ANIMATORS,
                                                                {"title": "Le parc"}),
    # the phones: the code is the way in, the place on the board is in the session (the resident's)
    "/atelier/": Get("/atelier/", EVERYONE),
    "/atelier/<code>": Get("/atelier/{board_code}", EVERYONE),
    "/atelier/<code>/rejoindre": Post("/atelier/{board_code}/rejoindre", EVERYONE, {"pseudonym": "Zoé"}),
    "/atelier/<code>/note": Post("/atelier/{board_code}/note", frozenset({"resident"}), {
        "column": "{column}", "text": "Un terrain de foot", "client_key": "cle-de-note-100"},
        why="a phone that joined the board (only the resident's session holds a place on it)"),
    "/atelier/<code>/gommette": Post("/atelier/{voting_code}/gommette", frozenset({"resident"}), {
        "kind": "note", "target": "{voting_note}", "action": "place"}, why="a board at the voting step"),
}


# --- how the site answers ------------------------------------------------------------------


def fill(template: str, world: World) -> str:
    values = dict(world.ids)
    values.update({f"{role}_id": user_id for role, user_id in world.users.items()})
    return template.format(**values)


def request_for(route: Route, method: str, world: World, role: str) -> dict:
    """The arguments of client.open() for this route, method and person (with a valid CSRF token)."""
    token = world.tokens[role]
    kwargs: dict[str, Any] = {"method": method, "headers": {"X-CSRFToken": token}}
    if method == "POST":
        if route.json is not None:
            kwargs["json"] = route.json
        else:
            data: dict[str, Any] = {"csrf_token": token}
            for key, value in route.data.items():
                if value is PDF:
                    data[fill(key, world)] = (io.BytesIO(PDF), "compte-rendu.pdf")
                elif value is JPEG:
                    data[fill(key, world)] = (io.BytesIO(JPEG), "photo.jpg")
                else:
                    data[fill(key, world)] = fill(value, world)
            kwargs["data"] = data
            if any(v is PDF or v is JPEG for v in route.data.values()):
                kwargs["content_type"] = "multipart/form-data"
    return kwargs


def error_flashed(client) -> bool:
    with client.session_transaction() as session:
        return any(category == "error" for category, _message in session.get("_flashes", []))


def refusal(response, client) -> Optional[str]:
    """How the site refused, or None if it did not."""
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    if 300 <= response.status_code < 400:
        location = urlsplit(response.headers.get("Location", ""))
        if location.path == "/compte/connexion" and "next" in parse_qs(location.query):
            return "sent to log in"
        if error_flashed(client):
            return "sent back with an error"
    return None


def describe(response) -> str:
    where = f" -> {response.headers['Location']}" if response.headers.get("Location") else ""
    return f"{response.status_code}{where}"


# --- the matrix ------------------------------------------------------------------------


def cases():
    """(rule, method, role), those who must be refused first: a request that
    changes the world is the last one before it is put back."""
    for rule, route in ROUTES.items():
        for method in sorted(route.methods()):
            allowed = getattr(route, method)
            for role in sorted(ROLES, key=lambda r: (r in allowed, ROLES.index(r))):
                yield pytest.param(rule, method, role, id=f"{method} {rule} {role}")


def test_every_rule_of_the_site_is_in_the_table(app):
    """A new route, or a new method on one, needs its line in ROUTES."""
    site = {}
    for rule in app.url_map.iter_rules():
        site.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    undeclared = sorted(set(site) - set(ROUTES))
    gone = sorted(set(ROUTES) - set(site))
    assert not undeclared, f"routes with no declared permission in ROUTES: {undeclared}"
    assert not gone, f"ROUTES declares routes the site no longer has: {gone}"
    wrong = {rule: (sorted(site[rule]), sorted(ROUTES[rule].methods())) for rule in site
             if site[rule] != ROUTES[rule].methods()}
    assert not wrong, f"methods in the site vs. declared: {wrong}"


@pytest.mark.parametrize("rule, method, role", list(cases()))
def test_who_may_use_each_route(keeper, world, rule, method, role):
    route = ROUTES[rule]
    allowed = role in getattr(route, method)
    client = keeper.client(role)
    url = fill(route.url, world)
    response = client.open(url, **request_for(route, method, world, role))

    assert response.status_code < 500, f"{method} {url} as {role}: server error {response.status_code}"
    refused = refusal(response, client)
    changed = keeper.changed_tables()
    if allowed:
        assert refused is None, (f"{method} {url} as {role} should get through the permission check "
                                 f"but was refused ({describe(response)})")
    else:
        assert refused is not None, (f"{method} {url} as {role} should be refused, got {describe(response)}"
                                     + (f"; it changed {changed}" if changed else ""))
        assert not changed, f"{method} {url} as {role} was refused ({refused}) but changed {changed}"


# --- bad input met while walking the matrix ---------------------------------------------------
# Numbers no id column can hold: SQLite says "no such row", PostgreSQL raises
# an error, which was a 500. Each must be a refusal, never a server error.
HUGE = "99999999999999999999"
BAD_INPUT = [
    ("admin", "GET", "/admin/comptes?page=" + HUGE, {}),
    ("admin", "GET", "/admin/journal?page=" + HUGE, {}),
    ("admin", "GET", "/admin/courriels?page=" + HUGE, {}),
    ("animator", "GET", "/rencontres/{meeting}/compte-rendu?atelier=" + HUGE, {}),
    ("resident", "POST", "/atelier/{voting_code}/gommette", {"kind": "note", "target": HUGE}),
    ("resident", "POST", "/atelier/{voting_code}/gommette", {"kind": "group", "target": HUGE, "action": "remove"}),
    ("animator", "POST", "/ateliers/{board}/notes/{note}/regrouper", {"target": "n" + HUGE}),
    ("animator", "POST", "/ateliers/{board}/notes/{note}/regrouper", {"target": "g" + HUGE}),
    ("animator", "POST", "/ateliers/{board}/suivre", {"target": "n" + HUGE}),
    ("animator", "POST", "/ateliers/{board}/synthese", {"kind": "idee", "note": HUGE}),
    ("animator", "POST", "/ateliers/{board}/synthese", {"kind": "idee", "group": HUGE}),
]


@pytest.mark.parametrize("role, method, url, data", BAD_INPUT, ids=[f"{m} {u}" for _r, m, u, _d in BAD_INPUT])
def test_an_impossible_id_is_refused_not_a_server_error(keeper, world, role, method, url, data):
    client = keeper.client(role)
    url = fill(url, world)
    response = client.open(url, method=method, data={**data, "csrf_token": world.tokens[role]} if data else None)
    assert response.status_code < 500, f"{method} {url}: {response.status_code}"
    if method == "POST":  # the page says why, in words
        assert response.status_code == 422 or refusal(response, client) == "sent back with an error", describe(response)
    assert not keeper.changed_tables()


# --- the live board's Socket.IO events -------------------------------------------------------
# A screen is either a phone (it shows the participant token it got when
# joining with the code: anyone, with or without an account) or an animator's
# console (its session cookie, and the right to animate this board).

PHONES = "every phone that joined the board"
SCREENS = "every screen on the board, phone or console"


@dataclass(frozen=True)
class Event:
    who: Any  # ANIMATORS (a frozenset of the matrix's people), PHONES or SCREENS
    data: dict = field(default_factory=dict)
    board: str = "board"  # the world's board it is sent to ("voting_board": the one at the voting step)


EVENTS: dict[str, Event] = {
    "sync": Event(SCREENS),
    # participants
    "post_note": Event(PHONES, {"column": "{column}", "text": "Des arbres", "client_key": "{new_key}"}),
    "place_dot": Event(PHONES, {"kind": "note", "id": "{voting_note}"}, board="voting_board"),
    "remove_dot": Event(PHONES, {"kind": "note", "id": "{voting_note}"}, board="voting_board"),
    # animators
    "set_phase": Event(ANIMATORS, {"phase": "grouping"}),
    "set_timer": Event(ANIMATORS, {"seconds": 300}),
    "set_flags": Event(ANIMATORS, {"locked": True, "dots_per_person": 5}),
    "set_focus": Event(ANIMATORS, {"kind": "note", "id": "{note}"}),
    "hide_note": Event(ANIMATORS, {"id": "{note}"}),
    "group_note": Event(ANIMATORS, {"note": "{third_note}", "onto_group": "{group}"}),
    "ungroup_note": Event(ANIMATORS, {"note": "{note}"}),
    "rename_group": Event(ANIMATORS, {"group": "{group}", "title": "Le parc"}),
}


def board_events() -> list[str]:
    """The namespace's event handlers, found by their names (on_<event>), connecting aside."""
    from labo.workshops.events import BoardNamespace

    return sorted(name[3:] for name in vars(BoardNamespace) if name.startswith("on_") and name != "on_connect")


def test_every_board_event_is_in_the_table():
    assert sorted(EVENTS) == board_events(), "declare each Socket.IO event of /board in EVENTS (and only those)"


def event_data(event: Event, world: World) -> dict:
    """The event's payload: "{name}" is the world's value itself (an id stays a number)."""
    values = dict(world.ids, new_key=secrets.token_urlsafe(12))
    return {key: values[value[1:-1]] if isinstance(value, str) and value[:1] == "{" and value[-1:] == "}"
            else value for key, value in event.data.items()}


class ScreenPool:
    """Real Socket.IO clients on the live server, one per person and kind of
    screen, opened on first use and kept for the module (opening one takes
    ~60 ms, closing one 0.2 s): a phone of each person on each board, and
    the console of those who animate it. The world they point at is put back
    between tests (same ids), so they stay valid; a new world closes them."""

    def __init__(self, url: str):
        self.url = url
        self.world: Optional[World] = None
        self.open: dict[tuple, Any] = {}

    def headers(self, role: str) -> dict:
        cookie = self.world.cookies[role]
        return {"Cookie": f"session={cookie}"} if cookie else {}

    def screen(self, name: str):
        from tests.workshops.conftest import Screen

        return Screen(self.url, name)

    def use(self, world: World) -> "ScreenPool":
        if world is not self.world:
            self.close()
            self.world = world
        return self

    def phone(self, role: str, board: str):
        """The person's phone with their place on the board (and their cookie, as a browser sends it)."""
        key = (role, "phone", board)
        if key not in self.open:
            tokens = self.world.voter_tokens if board == "voting_board" else self.world.phone_tokens
            screen = self.screen(f"{role}'s phone on {board}")
            screen.connect({"board": self.world[board], "token": tokens[role]}, headers=self.headers(role))
            screen.wait_for("me")
            self.open[key] = screen
        return self.open[key]

    def console(self, role: str, board: str, view: str = "animator"):
        """The console (or projector) of someone who animates the board."""
        key = (role, view, board)
        if key not in self.open:
            screen = self.screen(f"{role}'s {view} on {board}")
            screen.connect({"board": self.world[board], "view": view}, headers=self.headers(role))
            screen.wait_for("state")
            self.open[key] = screen
        return self.open[key]

    def close(self) -> None:
        import threading

        leaving = [threading.Thread(target=screen.close) for screen in self.open.values()]
        for thread in leaving:
            thread.start()
        for thread in leaving:
            thread.join(timeout=5)
        self.open = {}


@pytest.fixture(scope="module")
def screen_pool(live_url):
    pool = ScreenPool(live_url)
    yield pool
    pool.close()


@pytest.fixture
def pool(screen_pool, world) -> ScreenPool:
    return screen_pool.use(world)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["animator", "projector"])
def test_who_may_open_a_boards_console_or_projector(pool, world, role, view):
    import socketio

    screen = pool.screen(f"{role}'s {view}")
    try:
        screen.connect({"board": world["board"], "view": view}, headers=pool.headers(role))
    except socketio.exceptions.ConnectionError:
        assert role not in ANIMATORS, f"{role} should open the {view}: {screen.refusal}"
        assert screen.refusal["data"] == {"error": "not-allowed"}, screen.refusal
        assert not screen.saw_text("Plus de bancs"), "a refused screen was shown the board"
    else:
        try:
            assert role in ANIMATORS, f"{role} opened the board's {view}"
            assert screen.wait_for("state")["notes"]
        finally:
            screen.close()


def event_cases():
    for name, event in EVENTS.items():
        allowed = event.who if isinstance(event.who, frozenset) else EVERYONE
        for role in sorted(ROLES, key=lambda r: (r in allowed, ROLES.index(r))):
            yield pytest.param(name, role, id=f"{name} {role}")


@pytest.mark.parametrize("name, role", list(event_cases()))
def test_who_may_send_each_board_event(keeper, world, pool, name, role):
    """Every event from the person's phone; and from their console when they
    animate the board (whether they may open it is the test above)."""
    event = EVENTS[name]
    animates = role in ANIMATORS
    phone = pool.phone(role, event.board)
    consoles = [pool.console(role, event.board, view) for view in ("animator", "projector")] if animates else []

    def ack(screen) -> dict:
        return screen.call(name, event_data(event, world))

    if event.who == SCREENS:
        for screen in [phone, *consoles]:
            assert ack(screen)["ok"] is True, f"{name} from {screen.name}"
        return
    if event.who == PHONES:
        answer = ack(phone)
        assert answer["ok"] is True, f"{name} from {role}'s phone: {answer}"
        for screen in consoles:
            answer = ack(screen)
            assert (answer["ok"], answer.get("error")) == (False, "not-participant"), f"{name} from {screen.name}"
        return
    # An animators' event: refused to every phone, even an animator's own. (The
    # projector is an animator's screen too, opened with their session: the
    # namespace lets it steer, like the console.)
    answer = ack(phone)
    assert (answer["ok"], answer.get("error")) == (False, "not-allowed"), f"{name} from {phone.name}: {answer}"
    assert not keeper.changed_tables(), f"{name} was refused to {role}'s phone but changed the database"
    if animates:
        answer = ack(consoles[0])
        assert answer["ok"] is True, f"{name} from {role}'s console: {answer}"
