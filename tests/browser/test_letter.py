"""The Labo's letter in Chromium at phone size (issue 21): a neighbour
subscribes without an account (a refused empty form first), a subscriber
made before opens their confirmation link; the administrator composes
Lens's letter from the site's data, writes the introduction and sends it;
the confirmed subscriber's message is in the outbox once (the neighbour,
not confirmed, gets nothing); the printable letter fits one A4 page with its
QR code; an ambassador notes the copies handed out; the subscriber leaves
by the letter's link. axe-core checks every new page at 360 and 1280 px."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.browser.script import (
    axe, count, evaluate, fill, goto, login, logout, pdf, run_script, screenshot, see, select as choose, submit,
)

pytestmark = pytest.mark.browser

ADMIN = "admin@labo.example"
AMBASSADOR = "ambassadeur@labo.example"
NOT_WIDER = "document.documentElement.scrollWidth <= window.innerWidth"
SUBSCRIBE = "main form.letter-subscribe"


def _subscriber(app, address: str) -> tuple[str, str]:
    """A subscription to Lens's letter waiting for its link: (confirm path, unsubscribe path)."""
    from labo.extensions import db
    from labo.letters import services
    from labo.territory.models import Commune

    with app.app_context():
        lens = db.session.scalar(select(Commune).where(Commune.slug == "lens"))
        subscription = services.subscribe(app.config, address, lens, locale="fr", via=None,
                                          links=lambda what, s: "http://localhost/")
        db.session.commit()
        return (f"/lettre/confirmer/{services.confirm_token(app.config, subscription)}",
                f"/lettre/desinscription/{services.unsubscribe_token(app.config, subscription)}")


def test_a_letter_is_composed_sent_to_subscribers_once_and_printed(live_server, run_browser):
    app = live_server.app
    tag = uuid.uuid4().hex[:6]
    subscriber, neighbour = f"abonne-{tag}@example.org", f"voisine-{tag}@example.org"
    confirm, unsubscribe = _subscriber(app, subscriber)
    intro = f"Bonjour à toutes et à tous ({tag}). Voici les nouvelles du Labo à Lens."

    result = run_script(run_browser, [
        # A neighbour subscribes, without an account.
        goto("/lettre/"),
        see("Recevoir la lettre", "main h2"),
        axe("the letter's subscription page"),
        submit(f"{SUBSCRIBE} button[type=submit]", status=422, name="an empty form is refused"),
        see("Écrivez votre adresse e-mail ou votre numéro de portable.", "main .error-summary"),
        axe("the subscription page, with errors"),
        fill(f"{SUBSCRIBE} input[name=contact]", neighbour),
        choose(f"{SUBSCRIBE} select[name=commune]", label="Lens"),
        submit(f"{SUBSCRIBE} button[type=submit]", url=r"^/lettre/inscription-envoyee\?canal=email$", name="subscribing"),
        see("Nous vous avons envoyé un e-mail avec un lien.", "main"),
        axe("the page that says to open the link"),
        # The subscriber made before opens their link.
        goto(confirm),
        see("C'est confirmé !", "main h1"),
        see("Vous recevrez la lettre du Labo pour Lens.", "main"),
        axe("the confirmation page"),
        # The administrator composes Lens's letter and sends it.
        login(ADMIN),
        goto("/lettre/gestion"),
        axe("the letters' management page"),
        choose("main form[action$='/lettre/nouvelle'] select[name=commune]", label="Lens"),
        submit("main form[action$='/lettre/nouvelle'] button[type=submit]", url=r"^/lettre/(\d+)/modifier$",
               save=["letter"], name="composing lands on the new letter's edit page"),
        see("La lettre est préparée avec ce que le site propose", "main .flashes"),
        see("Les prochaines rencontres", "main form.letter-edit"),
        see("1 personne inscrite la recevra.", "main"),
        axe("the letter's edit page"),
        fill("main form.letter-edit textarea[name=intro]", intro),
        submit("main form.letter-edit button[type=submit]", url=r"^/lettre/{{letter}}/modifier$", name="saving"),
        see("La lettre est enregistrée.", "main .flashes"),
        submit("main form[action$='/envoyer'] button[type=submit]", url=r"^/lettre/{{letter}}$", name="sending"),
        see("La lettre est envoyée : 1 message cette fois.", "main .flashes"),
        see(intro, "main article.letter"),
        evaluate(NOT_WIDER, equals=True, name="the letter's page has no sideways scroll at 360 px"),
        screenshot("test-artifacts/letter-page-360.png"),
        axe("the letter's public page"),
        goto("/lettre/{{letter}}/imprimer"),
        count("main .letter-qr svg", 1, name="the printable letter has its QR code"),
        see(intro, "main article.letter-print"),
        axe("the printable letter"),
        screenshot("test-artifacts/letter-print-360.png"),
        pdf(max_pages=1, file="lettre-lens.pdf", name="the letter prints on one A4 page"),
        logout(),
        # An ambassador notes the copies handed out.
        login(AMBASSADOR),
        goto("/acteurs/mon-espace"),
        see("La lettre, de la main à la main", "main .actions"),
        goto("/lettre/relais"),
        axe("the ambassador's letter page"),
        fill("main li.card:first-child input[name=copies]", "25"),
        submit("main li.card:first-child form button[type=submit]", url=r"^/lettre/relais$", name="noting 25 copies"),
        see("C'est noté. Merci de faire circuler la lettre !", "main .flashes"),
        see("25", "main li.card:first-child dl.facts"),
        screenshot("test-artifacts/letter-relay-360.png"),
        logout(),
        # The subscriber leaves by the letter's link.
        goto(unsubscribe),
        see("Je ne veux plus la recevoir", "main form button"),
        axe("the unsubscribe page"),
        submit("main form button[type=submit]", name="one button unsubscribes"),
        see("C'est fait : vous ne recevrez plus la lettre du Labo.", "main"),
        axe("the unsubscribe page, done"),
    ])

    assert_database(app, int(result["saved"]["letter"]), subscriber, neighbour, intro)


def assert_database(app, letter_id: int, subscriber: str, neighbour: str, intro: str) -> None:
    from sqlalchemy import func

    from labo.accounts.services import find_user_by_email
    from labo.extensions import db
    from labo.letters.models import Delivery, Handout, Letter, Subscription
    from labo.mail.models import OutboxMessage

    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        assert (letter.status, letter.commune.name, letter.intro, letter.sent_count) == ("sent", "Lens", intro, 1)
        sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == subscriber,
                                                              OutboxMessage.subject == letter.title)).all()
        assert len(sent) == 1, "the subscriber's letter is in the outbox once"
        assert sent[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert intro in sent[0].body
        assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == neighbour,
                                                                  OutboxMessage.subject == letter.title)).all(), \
            "the neighbour has not opened the link: no letter"
        assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.letter_id == letter_id)) == 1
        statuses = dict(db.session.execute(select(Subscription.address, Subscription.status)
                                           .where(Subscription.address.in_([subscriber, neighbour]))).all())
        assert statuses == {subscriber: "unsubscribed", neighbour: "pending"}
        ambassador = find_user_by_email(AMBASSADOR)
        assert db.session.scalar(select(func.sum(Handout.copies)).where(Handout.user_id == ambassador.id,
                                                                        Handout.letter_id == letter_id)) == 25
