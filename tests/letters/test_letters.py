"""The Labo's letter (issue 21): composed from the site's data and edited,
subscribed to without an account (double opt-in, email or SMS), left in one
click or by "STOP", sent once to each subscriber, printed with a QR code
that counts what an ambassador brought."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labo.core.db import utcnow
from labo.extensions import db
from labo.letters import services
from labo.letters.models import Delivery, Letter, Subscription, Visit
from labo.mail.models import OutboxMessage
from labo.meetings import services as meetings
from labo.processes import services as processes
from labo.sms.models import SmsMessage
from tests.conftest import csrf_from, page_text
from tests.factories import (
    commune, create_admin, create_fiche, create_meeting, create_process, create_referent, create_user,
)

LINK = re.compile(r"http://localhost(/lettre/confirmer/\S+)")


def outbox(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def texts(number: str) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.recipient == number).order_by(SmsMessage.id)))


def subscribe(client, contact: str, commune_value: str = "lens", path: str = "/lettre/", **extra):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "contact": contact, "commune": commune_value, **extra})


def confirm_link(address: str) -> str:
    [message] = [m for m in outbox(address) if "Confirmez" in m.subject]
    return LINK.search(message.body).group(1)


def subscribed(client, contact: str, commune_value: str = "lens") -> Subscription:
    assert subscribe(client, contact, commune_value).status_code == 302
    assert client.get(confirm_link(contact)).status_code == 200
    return db.session.scalar(select(Subscription).where(Subscription.address == contact))


def a_sent_letter(client, auth, admin=None, commune_slug="lens") -> Letter:
    admin = admin or create_admin(email="admin-lettre@example.org")
    letter = services.compose_letter(admin, commune(commune_slug) if commune_slug else None)
    db.session.commit()
    return letter


# --- composing ------------------------------------------------------------------------


def test_a_letter_proposes_coming_meetings_open_processes_returns_since_the_last_letter_decisions_and_a_fiche(app):
    admin = create_admin()
    lens, now = commune("lens"), utcnow()
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    create_meeting(title="Rencontre passée", commune_slug="lens", starts_at=now - timedelta(days=3))
    create_process(admin, title="Le square de Lens", commune_slug="lens")
    create_process(admin, title="Le parc de Liévin", commune_slug="lievin")
    answered = create_process(admin, title="La friche de Lens", commune_slug="lens", opens_in=timedelta(days=-20))
    answered.closes_at = now - timedelta(days=2)
    processes.publish_return(admin, answered, "Le conseil suit votre avis : un jardin.", now)
    meeting = create_meeting(title="Rencontre d'hier", commune_slug="lens", starts_at=now - timedelta(hours=3))
    meetings.add_decision(admin, meeting, text="Un atelier jardin en mai", rule="à main levée")
    create_fiche(admin, title="Une balade dans la cité", communes=("lens",), publish_by=admin)
    db.session.commit()

    letter = services.compose_letter(admin, lens)
    db.session.commit()
    by_kind = {kind: [i.title for i in letter.items if i.kind == kind] for kind in
               ("meeting", "process", "return", "decision", "fiche")}
    assert by_kind["meeting"] == ["Rencontre à Lens"]
    assert by_kind["process"] == ["Le square de Lens"], "a Liévin process is not in Lens's letter"
    assert by_kind["return"] == ["La friche de Lens"]
    assert by_kind["decision"] == ["Un atelier jardin en mai"]
    assert by_kind["fiche"] == ["Une balade dans la cité"]
    assert letter.title.startswith("La lettre du Labo — Lens, ")
    assert all(item.kept for item in letter.items)

    # Once that letter is sent, the next one no longer proposes those returns, decisions or that fiche.
    services.send_letter(app.config, admin, letter, lambda what, s: "http://x/")
    later = services.compose_letter(admin, lens, now + timedelta(minutes=5))
    assert {i.kind for i in later.items} == {"meeting", "process"}


def test_the_editor_keeps_the_items_they_choose_and_a_referent_edits_only_their_commune_s_letter(client, auth):
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    create_meeting(title="Rencontre à Wingles", commune_slug="wingles")
    referent = create_referent("lens", email="ref-lens@example.org")
    create_referent("lievin", email="ref-lievin@example.org")
    auth.login("ref-lens@example.org")
    page = page_text(client.get("/lettre/gestion"))
    assert "Lens" in page and "Toute l'agglomération" not in page, "only an administrator writes the agglomeration's"
    refused = auth.post("/lettre/nouvelle", {"commune": "lievin"}, form_page="/lettre/gestion")
    assert refused.status_code == 403, "Liévin's letter is not hers to write"
    unknown = auth.post("/lettre/nouvelle", {"commune": "atlantis"}, form_page="/lettre/gestion")
    assert unknown.status_code == 422 and "Choisissez une commune dans la liste." in page_text(unknown)
    response = auth.post("/lettre/nouvelle", {"commune": "lens"}, form_page="/lettre/gestion")
    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    edit = f"/lettre/{letter.id}/modifier"
    items = {i.title: i.id for i in letter.items}
    response = auth.post(edit, {"title": "La lettre de Lens, décembre", "intro": "Bonjour à toutes et à tous.",
                                "kept": [items["Rencontre à Lens"]]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.title for i in db.session.get(Letter, letter.id).kept_items] == ["Rencontre à Lens"]
    assert db.session.get(Letter, letter.id).created_by_id == referent.id
    empty = auth.post(edit, {"title": "", "intro": "x" * 2001})
    assert empty.status_code == 422
    assert "Donnez un titre à la lettre." in page_text(empty) and "2 000 caractères" in page_text(empty)
    auth.logout()
    auth.login("ref-lievin@example.org")
    assert client.get(edit).status_code == 403
    auth.logout()
    assert client.get(f"/lettre/{letter.id}").status_code == 302, "a draft is not public: log in first"


# --- subscribing ------------------------------------------------------------------------


def test_double_opt_in_nothing_is_sent_before_the_link_is_opened(app, client, auth):
    admin = create_admin(email="admin-lettre@example.org")
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    response = subscribe(client, "Amina@Example.org")
    assert response.status_code == 302 and "/lettre/inscription-envoyee" in response.headers["Location"]
    row = db.session.scalar(select(Subscription))
    assert (row.address, row.status, row.commune.slug) == ("amina@example.org", "pending", "lens")
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    assert services.send_letter(app.config, admin, letter, lambda what, s: "http://x/") == 0
    assert [m.subject for m in outbox("amina@example.org")] == ["Confirmez votre inscription à la lettre du Labo"]

    link = confirm_link("amina@example.org")
    page = client.get(link)
    assert page.status_code == 200 and "C'est confirmé" in page_text(page) and "Lens" in page_text(page)
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.status)) == "confirmed"
    # Asking again changes nothing and says the same as for anyone.
    again = subscribe(client, "amina@example.org")
    assert again.status_code == 302 and len(outbox("amina@example.org")) == 1
    assert client.get("/lettre/confirmer/pas-un-lien").status_code == 404


def test_bad_input_gets_a_clear_message_and_a_4xx(client, app):
    for contact, message in [("", "Écrivez votre adresse e-mail ou votre numéro de portable."),
                             ("pas une adresse", "Ce n'est ni une adresse e-mail ni un numéro de portable."),
                             ("01 23 45 67 89", "Ce numéro ne peut pas recevoir de SMS.")]:
        response = subscribe(client, contact)
        assert response.status_code == 422, contact
        assert message in page_text(response), contact
    response = subscribe(client, "a@example.org", "atlantis")
    assert response.status_code == 422 and "Choisissez une commune dans la liste." in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
    assert client.get("/lettre/99999").status_code == 404
    assert client.get("/lettre/99999/imprimer").status_code == 404
    assert client.get("/lettre/desinscription/faux").status_code == 404
    assert client.post("/lettre/desinscription/faux").status_code == 404


def test_an_old_unsubscribe_link_does_not_reach_whoever_gets_the_same_row_later(app, client):
    old = subscribed(client, "ancien@example.org")
    token = services.unsubscribe_token(app.config, old)
    row_id = old.id
    db.session.delete(old)  # purged, and SQLite gives the row id again
    db.session.add(Subscription(id=row_id, channel="email", address="nouvelle@example.org", scope_key=old.scope_key,
                                commune_id=old.commune_id, status="confirmed", created_at=utcnow()))
    db.session.commit()
    assert services.subscription_for_unsubscribe(app.config, token) is None
    fresh = db.session.get(Subscription, row_id)
    assert services.subscription_for_unsubscribe(app.config, services.unsubscribe_token(app.config, fresh)) is fresh


def test_the_form_cannot_flood_a_phone_with_confirmations(app, client):
    # Fifteen sign-ups for one number, whatever the letter: one SMS in the hour,
    # each refusal said plainly; three letters a day at most.
    answers = [subscribe(client, "06 12 34 56 78", commune_value=slug)
               for slug in ("lens", "lens", "avion", "lievin") * 4]
    assert len(texts("+33612345678")) == 1
    assert [a.status_code for a in answers].count(422) == 15
    assert "Un lien vient déjà d'être envoyé" in page_text(answers[1])
    later = utcnow() - timedelta(hours=2)
    db.session.execute(Subscription.__table__.update().values(created_at=later))
    db.session.commit()
    assert subscribe(client, "06 12 34 56 78", commune_value="avion").status_code == 302
    db.session.execute(Subscription.__table__.update().values(created_at=later))
    db.session.commit()
    assert subscribe(client, "06 12 34 56 78", commune_value="lievin").status_code == 302
    db.session.execute(Subscription.__table__.update().values(created_at=later))
    db.session.commit()
    assert subscribe(client, "06 12 34 56 78", commune_value="lens").status_code == 422, "three a day at most"
    assert len(texts("+33612345678")) == 3


def test_one_click_unsubscribe_with_the_list_unsubscribe_headers(app, client, auth):
    admin = create_admin(email="admin-lettre@example.org")
    subscribed(client, "amina@example.org")
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    with app.test_request_context("/"):
        from labo.letters.views import _links

        assert services.send_letter(app.config, admin, letter, _links(letter)) == 1
    [message] = [m for m in outbox("amina@example.org") if m.subject == letter.title]
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://localhost(/lettre/desinscription/\S+))>", message.headers["List-Unsubscribe"])
    assert url and url.group(1) in message.body
    assert f"/lettre/{letter.id}" in message.body
    path = url.group(2)
    # Opening the link only shows the button: a mail scanner's GET unsubscribes no one.
    page = client.get(path)
    assert page.status_code == 200 and "Je ne veux plus la recevoir" in page_text(page)
    assert db.session.scalar(select(Subscription.status)) == "confirmed"
    # The mail client's one-click POST (RFC 8058): no CSRF token, no cookie.
    response = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "vous ne recevrez plus la lettre" in page_text(response)
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.status)) == "unsubscribed"
    again = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    assert services.send_letter(app.config, admin, again, lambda what, s: "http://x/") == 0


# --- sending once ---------------------------------------------------------------------


def test_each_subscriber_gets_the_letter_once_even_sent_twice_or_after_a_crash(app, client):
    admin = create_admin(email="admin-lettre@example.org")
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        subscribed(client, address)
    subscribed(client, "agglo@example.org", "tout")
    subscribed(client, "lievin@example.org", "lievin")
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    links = lambda what, s: "http://x/"  # noqa: E731
    # A sending that died after claiming b's delivery, before sending it.
    now = utcnow()
    b = db.session.scalar(select(Subscription.id).where(Subscription.address == "b@example.org"))
    assert services.claim(letter.id, b, now) is not None
    assert services.send_letter(app.config, admin, letter, links, now) == 2, "b's claim is still young: not taken"
    assert services.send_letter(app.config, admin, letter, links, now) == 0, "started twice: nothing more"
    assert services.send_letter(app.config, admin, letter, links, now + timedelta(minutes=20)) == 1, \
        "after the lease, the crashed claim is taken back"
    assert services.send_letter(app.config, admin, letter, links, now + timedelta(minutes=40)) == 0
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        assert [m.subject for m in outbox(address)].count(letter.title) == 1, address
    for address in ("agglo@example.org", "lievin@example.org"):
        assert all(m.subject != letter.title for m in outbox(address)), "another scope's subscriber"
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 3
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).sent_count == 3
    # The agglomeration's letter goes to the agglomeration's subscribers.
    whole = services.compose_letter(admin, None)
    db.session.commit()
    assert services.send_letter(app.config, admin, whole, links) == 1
    assert [m.subject for m in outbox("agglo@example.org")].count(whole.title) == 1


def test_a_sent_letter_cannot_change_and_sending_from_the_page_says_how_many(app, client, auth):
    create_admin(email="admin-lettre@example.org")
    subscribed(client, "a@example.org")
    auth.login("admin-lettre@example.org")
    auth.post("/lettre/nouvelle", {"commune": "lens"}, form_page="/lettre/gestion")
    letter = db.session.scalar(select(Letter))
    empty = auth.post(f"/lettre/{letter.id}/envoyer", form_page=f"/lettre/{letter.id}/modifier")
    assert empty.status_code == 422 and "La lettre est vide" in page_text(empty)
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    auth.post("/lettre/nouvelle", {"commune": "lens"}, form_page="/lettre/gestion")
    letter = db.session.scalars(select(Letter).order_by(Letter.id.desc())).first()
    response = auth.post(f"/lettre/{letter.id}/envoyer", form_page=f"/lettre/{letter.id}/modifier")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "La lettre est envoyée : 1 message cette fois." in page_text(page)
    assert client.get(f"/lettre/{letter.id}/modifier").status_code == 302
    assert [m.subject for m in outbox("a@example.org")].count(letter.title) == 1


# --- SMS ----------------------------------------------------------------------------------


def test_a_phone_subscribes_by_sms_gets_a_short_message_and_stop_ends_it(app, client):
    admin = create_admin(email="admin-lettre@example.org")
    response = subscribe(client, "06 12 34 56 78")
    assert response.status_code == 302 and "canal=sms" in response.headers["Location"]
    [code] = texts("+33612345678")
    link = re.search(r"http://localhost(/lettre/confirmer/\S+)", code.body).group(1)
    assert client.get(link).status_code == 200
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    with app.test_request_context("/"):
        from labo.letters.views import _links

        assert services.send_letter(app.config, admin, letter, _links(letter)) == 1
    message = texts("+33612345678")[-1]
    assert f"http://localhost/lettre/{letter.id}" in message.body and "STOP" in message.body
    assert len(message.body) <= 160

    app.config["LABO_SMS_INBOUND_KEY"] = "cle-secrete"
    try:
        assert client.post("/lettre/sms-entrant?cle=autre", data={"from": "0612345678", "text": "STOP"}).status_code == 403
        bad = client.post("/lettre/sms-entrant?cle=cle-secrete", data={"from": "pas un numéro", "text": "STOP"})
        assert bad.status_code == 400 and "numéro" in bad.get_json()["error"]
        assert client.post("/lettre/sms-entrant?cle=cle-secrete", json={"text": "STOP"}).status_code == 400
        other = client.post("/lettre/sms-entrant?cle=cle-secrete", json={"from": "+33612345678", "text": "Merci !"})
        assert other.get_json() == {"stopped": 0}
        stop = client.post("/lettre/sms-entrant?cle=cle-secrete", data={"from": "06 12 34 56 78", "text": "Stop"})
        assert stop.status_code == 200 and stop.get_json() == {"stopped": 1}
    finally:
        del app.config["LABO_SMS_INBOUND_KEY"]
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.status)) == "unsubscribed"
    assert client.post("/lettre/sms-entrant", data={"from": "0612345678", "text": "STOP"}).status_code == 404, \
        "without its key set up, the callback is not there"


# --- printing, the ambassador's marker ------------------------------------------------------


def test_the_printable_letter_has_a_qr_code_with_the_ambassador_s_marker_and_counts_who_came(app, client, auth):
    from labo.accounts.models import Role
    from labo.meetings.services import relay_token

    admin = create_admin(email="admin-lettre@example.org")
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    ambassador = create_user(email="amb@example.org", roles=[(Role.AMBASSADOR, None)])
    letter = services.compose_letter(admin, commune("lens"))
    services.send_letter(app.config, admin, letter, lambda what, s: "http://x/")
    auth.login("amb@example.org")
    page = client.get(f"/lettre/{letter.id}/imprimer")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "Rencontre à Lens" in text
    token = relay_token(app.config, ambassador)
    auth.logout()

    # Two visits through the QR code (and a reload), then a subscription from that page.
    visitor = app.test_client()
    assert visitor.get(f"/lettre/{letter.id}?via={token}").status_code == 200
    visitor.get(f"/lettre/{letter.id}?via={token}")
    app.test_client().get(f"/lettre/{letter.id}?via={token}")
    client.get(f"/lettre/{letter.id}?via=faux")
    page = visitor.get(f"/lettre/{letter.id}?via={token}").get_data(as_text=True)
    assert f'value="{token}"' in page
    response = visitor.post(f"/lettre/{letter.id}", data={"csrf_token": csrf_from(page), "contact": "new@example.org",
                                                          "commune": "lens", "via": token})
    assert response.status_code == 302
    assert db.session.scalar(select(Subscription.via_id)) == ambassador.id
    assert db.session.scalar(select(Visit.visits)) == 2

    auth.login("amb@example.org")
    bad = auth.post(f"/lettre/{letter.id}/distribuees", {"copies": "0"}, form_page="/lettre/relais")
    assert bad.status_code == 422 and "Écrivez un nombre entre 1 et 5 000." in page_text(bad)
    assert auth.post(f"/lettre/{letter.id}/distribuees", {"copies": "30"}, form_page="/lettre/relais").status_code == 302
    assert auth.post(f"/lettre/{letter.id}/distribuees", {"copies": "12"}, form_page="/lettre/relais").status_code == 302
    [line] = services.relay_figures(ambassador)
    assert (line.handed_out, line.visits, line.subscriptions) == (42, 2, 1)
    relay_page = page_text(client.get("/lettre/relais"))
    assert "Lettres données" in relay_page and "42" in relay_page
    auth.logout()
    create_user(email="habitant@example.org")
    auth.login("habitant@example.org")
    assert client.get("/lettre/relais").status_code == 403
    assert auth.post(f"/lettre/{letter.id}/distribuees", {"copies": "3"}, form_page=f"/lettre/{letter.id}").status_code == 403


# --- personal data ---------------------------------------------------------------------------


def test_subscriptions_are_in_the_account_s_download_and_erasure_and_the_purge_deletes_what_is_not_needed(app, client):
    from labo.privacy.personal_data import erase_user, export_personal_data
    from labo.privacy.retention import purge

    user = create_user(email="amina@example.org")
    subscribed(client, "amina@example.org")
    subscribe(client, "pending@example.org")
    gone = subscribed(client, "gone@example.org", "tout")
    services.unsubscribe(gone)
    db.session.commit()
    [entry] = export_personal_data(user)["letter_subscriptions"]
    assert (entry["address"], entry["scope"], entry["status"]) == ("amina@example.org", "Lens", "confirmed")

    done = purge(app.config, utcnow() + timedelta(days=8))
    assert done["LETTER_PENDING"] == 1 and done["LETTER_UNSUBSCRIBED"] == 1
    assert set(db.session.scalars(select(Subscription.address))) == {"amina@example.org"}
    erase_user(app.config, user)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_the_privacy_page_lists_the_letter_s_durations(client):
    text = page_text(client.get("/confidentialite"))
    assert "pas encore confirmé" in text and "désinscrite de la lettre du Labo" in text


@pytest.mark.parametrize("path", ["/lettre/", "/lettre/inscription-envoyee", "/lettre/inscription-envoyee?canal=sms"])
def test_public_pages_answer(client, path):
    assert client.get(path).status_code == 200


def test_by_smtp_the_letter_carries_the_one_click_unsubscribe_headers(app, smtp):
    from email import message_from_bytes as parse
    from email.policy import default

    def message_from_bytes(raw):
        return parse(raw, policy=default)

    from labo.mail.services import wait_for_deliveries

    admin = create_admin(email="admin-lettre@example.org")
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    subscription = services.subscribe(app.config, "amina@example.org", commune("lens"), locale="fr", via=None,
                                      links=lambda what, s: "http://x/")
    services.confirm(app.config, services.confirm_token(app.config, subscription))
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    with app.test_request_context("/"):
        from labo.letters.views import _links

        assert services.send_letter(app.config, admin, letter, _links(letter)) == 1
    wait_for_deliveries()
    [received] = [message_from_bytes(e.content) for e in smtp if "lettre du Labo — Lens" in
                  message_from_bytes(e.content)["Subject"]]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://localhost/lettre/desinscription/\S+>", received["List-Unsubscribe"].strip())
    assert "Rencontre à Lens" in received.get_content()


def test_two_sendings_started_at_once_send_each_message_once(app, client):
    import threading

    admin = create_admin(email="admin-lettre@example.org")
    addresses = [f"p{n}@example.org" for n in range(6)]
    for address in addresses:
        subscription = services.subscribe(app.config, address, commune("lens"), locale="fr", via=None,
                                          links=lambda what, s: "http://x/")
        services.confirm(app.config, services.confirm_token(app.config, subscription))
    create_meeting(title="Rencontre à Lens", commune_slug="lens")
    letter = services.compose_letter(admin, commune("lens"))
    db.session.commit()
    letter_id, counts, errors = letter.id, [], []
    start = threading.Barrier(2)

    def sender():
        try:
            with app.app_context():
                start.wait()
                counts.append(services.send_letter(app.config, None, db.session.get(Letter, letter_id),
                                                   lambda what, s: "http://x/"))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(counts) == 6
    db.session.commit()  # a new read: the senders committed after this session's last one began
    title = db.session.get(Letter, letter_id).title
    for address in addresses:
        assert [m.subject for m in outbox(address)].count(title) == 1, address
    assert db.session.get(Letter, letter_id).sent_count == 6


def test_a_big_letter_leaves_its_first_messages_at_once_and_the_rest_with_the_tick(app, client, auth):
    # "Envoyer" never waits for hundreds of messages: ten now, the tick sends the others, once each.
    admin = create_admin(email="admin-grande@example.org")
    lens = commune("lens")
    for n in range(15):
        db.session.add(Subscription(channel="email", address=f"voisin{n}@example.org", scope_key=str(lens.id),
                                    commune_id=lens.id, status="confirmed", created_at=utcnow()))
    letter = services.compose_letter(admin, lens)
    letter.intro = "Bonjour à toutes et à tous."
    db.session.commit()
    auth.login("admin-grande@example.org")
    sent = auth.post(f"/lettre/{letter.id}/envoyer", {}, form_page=f"/lettre/{letter.id}/modifier")
    page = page_text(client.get(sent.headers["Location"]))
    assert "La lettre est envoyée : 10 messages cette fois." in page
    assert "5 autres messages partent dans les minutes qui viennent." in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient.like("voisin%"))) == 10

    first = app.test_cli_runner().invoke(args=["labo", "tick"])
    assert first.exit_code == 0 and "letters sent 5" in first.output
    again = app.test_cli_runner().invoke(args=["labo", "tick"])
    assert again.exit_code == 0 and "letters sent" not in again.output
    db.session.expire_all()
    for n in range(15):
        assert len(outbox(f"voisin{n}@example.org")) == 1, n
    assert db.session.get(Letter, letter.id).sent_count == 15
