"""The territory and the strategy: data from the file, public pages, API, edits."""
from __future__ import annotations

import re

import pytest
from pathlib import Path

from sqlalchemy import func, select

from labo.audit.models import AuditEntry
from labo.extensions import db
from labo.territory.models import Ambition, Axis, Commune, Pillar, Qpv
from labo.territory.services import seed_territory
from tests.conftest import page_text
from tests.factories import commune, create_admin, create_referent, create_user

LABO_MD = Path(__file__).resolve().parents[3] / "shared" / "LABO.md"

# The 21 QPVs of the city contract, as LABO.md lists them.
EXPECTED_QPV = {
    "QP062002": ["Angres"],
    "QP062019": ["Avion"],
    "QP062020": ["Bully-les-Mines", "Mazingarbe"],
    "QP062021": ["Billy-Montigny", "Fouquières-lès-Lens"],
    "QP062022": ["Grenay", "Loos-en-Gohelle"],
    "QP062023": ["Harnes"],
    "QP062016": ["Douvrin", "Haisnes", "Hulluch"],
    "QP062024": ["Lens"],
    "QP062025": ["Lens", "Loison-sous-Lens", "Vendin-le-Vieil"],
    "QP062026": ["Lens"],
    "QP062027": ["Lens"],
    "QP062028": ["Liévin"],
    "QP062029": ["Lens", "Liévin", "Loos-en-Gohelle"],
    "QP062030": ["Liévin"],
    "QP062031": ["Mazingarbe"],
    "QP062032": ["Sains-en-Gohelle"],
    "QP062033": ["Avion", "Sallaumines"],
    "QP062034": ["Méricourt", "Noyelles-sous-Lens", "Sallaumines"],
    "QP062035": ["Wingles"],
    "QP062045": ["Méricourt", "Rouvroy"],
    "QP062047": ["Billy-Montigny", "Rouvroy"],
}


def test_the_seed_loads_the_21_qpv_with_their_official_codes_and_communes():
    qpvs = {q.code: sorted(c.name for c in q.communes) for q in db.session.scalars(select(Qpv).where(Qpv.in_contract))}
    assert qpvs == {code: sorted(names) for code, names in EXPECTED_QPV.items()}


def test_the_codes_match_the_domain_brief_when_it_is_there():
    if not LABO_MD.exists():
        pytest.skip("the domain brief ../shared/LABO.md is not beside this clone (CI always has it)")
    codes = set(re.findall(r"\| (QP\d{6}) \|", LABO_MD.read_text()))
    assert codes == set(EXPECTED_QPV)


def test_nineteen_communes_of_the_agglomeration_hold_a_qpv():
    in_call = db.session.scalars(select(Commune).where(Commune.in_call)).all()
    assert len(in_call) == 19
    assert all(c.qpvs for c in in_call)
    assert "Eleu-dit-Leauwette" not in {c.name for c in in_call}
    assert {c.name for c in db.session.scalars(select(Commune).where(~Commune.in_call))} >= {"Douvrin", "Haisnes", "Rouvroy"}


def test_the_strategy_has_3_pillars_12_ambitions_and_2_axes():
    assert db.session.scalar(select(func.count(Pillar.id))) == 3
    assert db.session.scalar(select(func.count(Ambition.id))) == 12
    assert [len(p.ambitions) for p in db.session.scalars(select(Pillar).order_by(Pillar.number))] == [5, 5, 2]
    assert sorted(a.slug for a in db.session.scalars(select(Axis))) == ["participation", "transition-ecologique"]


def test_seeding_again_changes_nothing_and_keeps_admin_edits():
    lens = commune("lens")
    lens.note = "Note de l'administrateur"
    lens.name = "Lens (62)"
    db.session.commit()
    counts = seed_territory()
    db.session.commit()
    assert counts == {"commune": 0, "qpv": 0, "pillar": 0, "ambition": 0, "axis": 0}
    assert commune("lens").note == "Note de l'administrateur"
    assert commune("lens").name == "Lens (62)"
    assert db.session.scalar(select(func.count(Qpv.id))) == 22
    assert db.session.scalar(select(func.count(Commune.id))) == 24


def test_the_territory_page_lists_every_commune_and_qpv_code(client):
    text = page_text(client.get("/territoire/"))
    for code in EXPECTED_QPV:
        assert code in text
    for name in ["Angres", "Wingles", "Noyelles-sous-Lens", "Fouquières-lès-Lens"]:
        assert name in text
    assert "Les 19 communes de l'agglomération concernées" in text
    assert "La Plaine du 7" in text and "non connu" in text


def test_a_commune_page_lists_its_qpvs_and_referents(client):
    create_referent("lens", pseudonym="Nadia")
    text = page_text(client.get("/territoire/communes/lens"))
    for code in ["QP062024", "QP062025", "QP062026", "QP062027", "QP062029"]:
        assert code in text
    assert "QP062028" not in text  # Liévin's alone
    assert "Nadia" in text
    assert "Pas encore de personne référente" in page_text(client.get("/territoire/communes/angres"))


def test_a_qpv_page_names_its_communes(client):
    text = page_text(client.get("/territoire/quartiers/grande-residence"))
    assert "QP062025" in text
    for name in ["Lens", "Loison-sous-Lens", "Vendin-le-Vieil"]:
        assert name in text


def test_unknown_commune_or_qpv_is_404(client):
    assert client.get("/territoire/communes/paris").status_code == 404
    assert client.get("/territoire/quartiers/nulle-part").status_code == 404


def test_the_strategy_page_shows_pillars_ambitions_and_axes(client):
    text = page_text(client.get("/territoire/contrat-de-ville"))
    assert "Prévenir – repérer" in text and "Agir" in text and "Coopérer" in text
    assert "Accès à l'emploi" in text
    assert "Transition écologique" in text


def test_admin_renames_a_commune_and_it_is_audited(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = auth.post("/admin/territoire/communes/wingles", {"name": "Wingles (62)", "in_call": "y", "note": ""})
    assert response.status_code == 302
    assert "Wingles (62)" in page_text(client.get("/territoire/communes/wingles"))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commune.updated")).details["name"] == "Wingles (62)"


def test_admin_switches_on_premoderation_and_new_posts_wait_for_a_referent(client, auth):
    from labo.contributions.models import Contribution

    create_admin(email="admin@example.org", pseudonym="Admin")
    auth.login("admin@example.org")
    form = page_text(client.get("/admin/territoire/communes/lens"))
    assert 'name="premoderation"' in form
    response = auth.post("/admin/territoire/communes/lens", {"name": "Lens", "in_call": "y", "premoderation": "y", "note": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert commune("lens").premoderation is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commune.updated"))
    assert entry is not None and entry.actor_label == "Admin" and entry.target_id == commune("lens").id
    assert entry.details["premoderation"] is True and entry.details["before"]["premoderation"] is False
    assert "Commune modifiée : Lens" in page_text(client.get("/admin/journal"))
    auth.logout()

    create_user(email="resident@example.org")
    auth.login("resident@example.org")
    auth.post("/idees/nouvelle", {"kind": "idee", "title": "Relue avant publication", "body": "Texte",
                                  "commune": str(commune("lens").id)})
    posted = db.session.scalar(select(Contribution).where(Contribution.title == "Relue avant publication"))
    assert posted.visibility == "pending"
    auth.logout()
    assert "Relue avant publication" not in page_text(client.get("/idees/"))

    # Switched off again: the next post is published at once.
    auth.login("admin@example.org")
    auth.post("/admin/territoire/communes/lens", {"name": "Lens", "in_call": "y", "note": ""})
    db.session.expire_all()
    assert commune("lens").premoderation is False
    auth.logout()
    auth.login("resident@example.org")
    auth.post("/idees/nouvelle", {"kind": "idee", "title": "Publiée tout de suite", "body": "Texte",
                                  "commune": str(commune("lens").id)})
    assert db.session.scalar(select(Contribution).where(Contribution.title == "Publiée tout de suite")).visibility == "published"


def test_admin_adds_a_commune_and_a_qpv(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    assert auth.post("/admin/territoire/communes/nouvelle", {"name": "Eleu-dit-Leauwette", "note": "Sortie en 2024"}).status_code == 302
    eleu = db.session.scalar(select(Commune).where(Commune.slug == "eleu-dit-leauwette"))
    assert eleu is not None and eleu.in_call is False
    response = auth.post("/admin/territoire/quartiers/nouveau", {
        "code": "qp062099", "name": "Quartier test", "in_contract": "y", "communes": [str(eleu.id)], "note": "",
    })
    assert response.status_code == 302
    qpv = db.session.scalar(select(Qpv).where(Qpv.code == "QP062099"))
    assert [c.name for c in qpv.communes] == ["Eleu-dit-Leauwette"]
    assert "QP062099" in page_text(client.get("/territoire/"))


def test_a_qpv_code_must_be_unique_and_well_formed(auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    lens = str(commune("lens").id)
    taken = auth.post("/admin/territoire/quartiers/cite-2", {"code": "QP062024", "name": "Cité 2", "in_contract": "y", "communes": [lens]})
    assert taken.status_code == 422
    assert "Ce code est déjà celui d'un autre quartier." in page_text(taken)
    malformed = auth.post("/admin/territoire/quartiers/cite-2", {"code": "12", "name": "Cité 2", "in_contract": "y", "communes": [lens]})
    assert malformed.status_code == 422
    assert db.session.scalar(select(Qpv).where(Qpv.slug == "cite-2")).code == "QP062026"


def test_admin_edits_a_pillar_and_its_ambitions(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    data = {"title": "Coopérer ensemble", "summary": "", "ambitions-0": "Présence", "ambitions-1": "Réseau"}
    assert auth.post("/admin/territoire/piliers/3", data).status_code == 302
    text = page_text(client.get("/territoire/contrat-de-ville"))
    assert "Coopérer ensemble" in text and "Réseau" in text


def test_a_referent_cannot_edit_the_territory(client, auth):
    create_referent("lens", email="ref@example.org")
    auth.login("ref@example.org")
    token = auth.csrf("/")
    response = client.post("/admin/territoire/communes/lens", data={"name": "Hacked", "csrf_token": token})
    assert response.status_code == 403
    assert commune("lens").name == "Lens"


def test_api_lists_the_qpv_with_code_name_and_communes(client):
    response = client.get("/api/v1/qpv")
    assert response.status_code == 200
    items = response.get_json()
    by_code = {item["code"]: item for item in items if item["code"]}
    assert set(EXPECTED_QPV) <= set(by_code)
    assert by_code["QP062025"]["name"] == "Grande Résidence"
    assert sorted(by_code["QP062025"]["communes"]) == ["Lens", "Loison-sous-Lens", "Vendin-le-Vieil"]
    assert all(set(item) >= {"code", "name", "communes"} for item in items)


def test_api_lists_the_communes_with_their_qpv_codes(client):
    items = client.get("/api/v1/communes").get_json()
    by_name = {item["name"]: item for item in items}
    assert sum(1 for item in items if item["in_call"]) == 19
    assert sorted(by_name["Liévin"]["qpv"]) == ["QP062028", "QP062029", "QP062030"]
    assert by_name["Rouvroy"]["in_call"] is False


def test_the_openapi_document_is_valid_and_describes_the_api(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/communes", "/qpv"} <= set(document["paths"])
    assert document["servers"][0]["url"] == "/api/v1"


def test_every_api_route_is_in_the_openapi_document_with_its_methods(app, client):
    """A route added to /api/v1 without its description fails here."""
    document = client.get("/api/v1/openapi.json").get_json()
    prefix = document["servers"][0]["url"]

    def shape(path: str) -> str:  # "/contributions/<id:contribution_id>" and "/contributions/{id}" alike
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)

    documented = {
        shape(path): {m for m in operations if m in {"get", "post", "put", "patch", "delete"}}
        for path, operations in document["paths"].items()
    }
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/") or rule.endpoint == "api.openapi":
            continue
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        served.setdefault(shape(rule.rule[len(prefix):]), set()).update(methods)
    assert {"/contributions", "/contributions/{}", "/communes", "/qpv"} <= set(served)
    missing = {path: sorted(methods - documented.get(path, set())) for path, methods in served.items()
               if methods - documented.get(path, set())}
    assert missing == {}, f"routes of /api/v1 missing from the OpenAPI document: {missing}"
    assert served["/contributions"] >= {"get", "post"}
    invented = {path: sorted(methods - served.get(path, set())) for path, methods in documented.items()
                if methods - served.get(path, set())}
    assert invented == {}, f"the document describes operations the API does not serve: {invented}"


def test_very_long_names_and_ids_are_handled(client, auth):
    create_admin(email="admin@example.org")
    auth.login("admin@example.org")
    response = auth.post("/admin/territoire/communes/nouvelle", {"name": "Saint-" + "a" * 110, "note": ""})
    assert response.status_code == 302
    lens = str(commune("lens").id)
    response = auth.post("/admin/territoire/quartiers/nouveau", {"name": "Q" * 160, "in_contract": "y", "communes": [lens]})
    assert response.status_code == 302
    assert client.get("/admin/comptes/99999999999999999999").status_code == 404
    assert client.get("/admin/territoire/piliers/99999999999").status_code == 404
