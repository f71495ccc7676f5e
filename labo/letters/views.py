"""Pages of the Labo's letter: subscribe without an account, confirm,
unsubscribe (a page and the one-click POST of RFC 8058), the letter's public
page and its printable A4 with a QR code carrying the ambassador's "via"
marker; for editors, compose, edit and send; for ambassadors, the copies
handed out and who came through them; and the SMS provider's callback for
"STOP" answers."""
from __future__ import annotations

import hmac
import importlib.util
from typing import Optional

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup

from labo.core.forms import ActionForm, carry_out, edit_form
from labo.core.i18n import _, ngettext
from labo.core.qr import qr_svg
from labo.core.urls import absolute
from labo.extensions import csrf, db, limiter
from labo.letters import services
from labo.letters.forms import (
    WHOLE_CHOICE, ComposeForm, EmailOnlySubscribeForm, HandoutForm, LetterForm, SubscribeForm,
)
from labo.letters.models import Letter
from labo.letters.services import ERROR_MESSAGES
from labo.meetings.services import relay_for, relay_token
from labo.permissions import authorize, can, require
from labo.sms.numbers import InvalidPhone
from labo.territory.models import Commune
from labo.territory.services import list_communes

bp = Blueprint("letters", __name__, url_prefix="/lettre")


def sms_ok() -> bool:
    """Subscribing with a phone number needs the site's SMS part (labo.sms)."""
    return importlib.util.find_spec("labo.sms.services") is not None


def _subscribe_limit() -> str:
    return current_app.config["LABO_AUTH_ADDRESS_RATE_LIMIT"]


def get_letter(letter_id: int) -> Letter:
    letter = services.get_letter(letter_id)
    if letter is None:
        abort(404)
    return letter


def _communes() -> list[Commune]:
    return [c for c in list_communes() if c.in_call]


def _subscribe_form(formdata=None, **data) -> SubscribeForm:
    form_class = SubscribeForm if sms_ok() else EmailOnlySubscribeForm
    form = form_class(formdata=formdata, data=data) if formdata is not None else form_class(data=data)
    form.commune.choices = [("", _("Choisir…")), (WHOLE_CHOICE, _("Toute l'agglomération"))] + [
        (c.slug, c.name) for c in _communes()]
    return form


def _commune_of(value: Optional[str]) -> tuple[bool, Optional[Commune]]:
    """(known, commune) for the select's value: WHOLE_CHOICE is (True, None)."""
    if value == WHOLE_CHOICE:
        return True, None
    commune = next((c for c in _communes() if c.slug == value), None)
    return commune is not None, commune


def _links(letter: Optional[Letter] = None):
    return services.letter_links(current_app.config, letter)


def _locale() -> Optional[str]:
    locale = get_locale()
    return locale.language if locale is not None else None


# --- subscribing -------------------------------------------------------------------


def _subscribe(form, status_page, letter: Optional[Letter] = None):
    """The subscribe form's POST, shared by the letters' page and a letter's page."""
    known, commune = _commune_of(form.commune.data)
    if form.validate_on_submit():
        if not known:
            form.commune.errors = list(form.commune.errors) + [ERROR_MESSAGES["commune-unknown"]]
        else:
            via = relay_for(current_app.config, form.via.data or None)
            outcome = carry_out(
                lambda: services.subscribe(current_app.config, form.contact.data, commune, locale=_locale(), via=via,
                                           links=_links(), sms_ok=sms_ok(), via_letter=letter),
                form, ERROR_MESSAGES)
            if outcome:
                return redirect(url_for("letters.check", canal=outcome.value.channel))
    return status_page(422 if form.errors else 200)


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_subscribe_limit, methods=["POST"])
def index():
    if request.method == "POST":
        form = _subscribe_form()
    else:
        slug = request.args.get("commune", "")
        form = _subscribe_form(formdata=None, commune=slug if _commune_of(slug)[0] else "",
                               via=request.args.get("via", "")[:200])

    def page(status: int):
        return render_template("letters/index.html", form=form, letters=services.sent_letters(),
                               sms=sms_ok(), manage=can(current_user, "letter.list")), status

    return _subscribe(form, page)


@bp.route("/inscription-envoyee")
def check():
    by_sms = request.args.get("canal") == "sms"
    return render_template("letters/check.html", by_sms=by_sms)


@bp.route("/confirmer/<token>")
def confirm(token: str):
    subscription = services.confirm(current_app.config, token[:400])
    if subscription is None:
        return render_template("letters/confirmed.html", subscription=None), 404
    db.session.commit()
    return render_template("letters/confirmed.html", subscription=subscription,
                           scope=services.scope_name(subscription.commune))


@bp.route("/desinscription/<token>", methods=["GET", "POST"])
@csrf.exempt  # the token is the proof; a mail client's one-click POST (RFC 8058) carries no CSRF token
def unsubscribe(token: str):
    subscription = services.subscription_for_unsubscribe(current_app.config, token[:400])
    if subscription is None:  # gone already (purged) or never there: not subscribed either way
        return render_template("letters/unsubscribed.html", done=False, missing=True), 404
    if request.method == "POST":
        services.unsubscribe(subscription)
        db.session.commit()
        return render_template("letters/unsubscribed.html", done=True, missing=False)
    return render_template("letters/unsubscribed.html", done=subscription.status == "unsubscribed", missing=False,
                           scope=services.scope_name(subscription.commune), address=subscription.address)


@bp.route("/sms-entrant", methods=["POST"])
@csrf.exempt  # the provider's server calls it, with the key set up in LABO_SMS_INBOUND_KEY
def sms_inbound():
    """The SMS provider's callback for a text received (configure it as
    https://<site>/lettre/sms-entrant?cle=<LABO_SMS_INBOUND_KEY>). Input, as
    a form or JSON: `from` (the sender's number) and `text` (what they wrote).
    "STOP" (or "ARRET") ends the sender's SMS subscriptions to the letter.
    Answers JSON: {"stopped": n}; 400 for a missing or wrong number."""
    key = current_app.config.get("LABO_SMS_INBOUND_KEY")
    if not key:
        abort(404)
    if not hmac.compare_digest(request.args.get("cle", "").encode(), key.encode()):
        abort(403)
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        data = {}
    number = str(data.get("from") or "")[:40]
    text = str(data.get("text") or "")[:1000]
    if not number:
        return jsonify(error=_("Il manque le numéro de l'expéditeur (champ « from »).")), 400
    try:
        stopped = services.stop_by_sms(number, text)
    except InvalidPhone:
        return jsonify(error=_("Ce numéro de téléphone ne semble pas juste.")), 400
    db.session.commit()
    return jsonify(stopped=stopped)


# --- the letter's pages ------------------------------------------------------------


def _via_relay():
    return relay_for(current_app.config, request.args.get("via") or None)


@bp.route("/<id:letter_id>", methods=["GET", "POST"])
@limiter.limit(_subscribe_limit, methods=["POST"])
def detail(letter_id: int):
    letter = get_letter(letter_id)
    authorize("letter.view", letter)
    scope = letter.commune.slug if letter.commune else WHOLE_CHOICE
    if request.method == "POST":
        form = _subscribe_form()
    else:
        via = request.args.get("via", "")[:200]
        relay = _via_relay() if via else None
        if relay is not None and letter.is_sent:
            seen = session.get("letter_visits", [])
            if letter.id not in seen:  # a reload is not a second person
                services.count_visit(letter, relay)
                db.session.commit()
                session["letter_visits"] = (seen + [letter.id])[-50:]
        form = _subscribe_form(formdata=None, commune=scope, via=via if relay is not None else "")

    def page(status: int):
        return render_template("letters/detail.html", letter=letter, sections=services.sections(letter), form=form,
                               sms=sms_ok(), manage=can(current_user, "letter.manage", letter),
                               relay=can(current_user, "letter.hand_out")), status

    return _subscribe(form, page, letter)


def _qr(link: str) -> Markup:
    return qr_svg(link, _("Code QR vers la lettre sur le site"), sized=False)


@bp.route("/<id:letter_id>/imprimer")
def printable(letter_id: int):
    """One A4 page to print and hand out, with a QR code to the letter's page
    (carrying the ambassador's marker when an ambassador or referent prints it)."""
    letter = get_letter(letter_id)
    authorize("letter.view", letter)
    values = {"letter_id": letter.id}
    if can(current_user, "letter.hand_out"):
        values["via"] = relay_token(current_app.config, current_user)
    link = absolute(url_for("letters.detail", **values))
    short = absolute(url_for("letters.detail", letter_id=letter.id))
    return render_template("letters/printable.html", letter=letter, sections=services.sections(letter),
                           qr=_qr(link), link=link, short=short)


# --- editors ---------------------------------------------------------------------


def _compose_form(formdata=None) -> ComposeForm:
    form = ComposeForm(formdata=formdata) if formdata is not None else ComposeForm()
    choices = [("", _("Choisir…"))]
    if can(current_user, "letter.compose", None):
        choices.append((WHOLE_CHOICE, _("Toute l'agglomération")))
    choices += [(c.slug, c.name) for c in _communes() if can(current_user, "letter.compose", c)]
    form.commune.choices = choices
    return form


def _manage_page(form: ComposeForm, status: int = 200):
    letters = services.letters_managed_by(lambda letter: can(current_user, "letter.manage", letter))
    return render_template("letters/manage.html", form=form, letters=letters,
                           subscribers=services.subscriber_counts()), status


@bp.route("/gestion")
@login_required
@require("letter.list")
def manage():
    return _manage_page(_compose_form(formdata=None))


@bp.route("/nouvelle", methods=["POST"])
@login_required
@require("letter.list")
def compose():
    form = _compose_form()
    if form.validate_on_submit():
        known, commune = _commune_of(form.commune.data)
        if known and not can(current_user, "letter.compose", commune):
            abort(403)
        if known:
            letter = services.compose_letter(current_user, commune)
            db.session.commit()
            flash(_("La lettre est préparée avec ce que le site propose : relisez, écrivez le mot d'introduction, "
                    "décochez ce que vous ne gardez pas."), "success")
            return redirect(url_for("letters.edit", letter_id=letter.id))
        form.commune.errors = list(form.commune.errors) + [ERROR_MESSAGES["commune-unknown"]]
    return _manage_page(form, 422)


def _edit_page(letter: Letter, form: LetterForm, status: int = 200):
    return render_template("letters/edit.html", letter=letter, form=form, sections=services.sections(letter, kept_only=False),
                           recipients=len(services.recipients(letter)), action_form=ActionForm(formdata=None)), status


def _letter_form(letter: Letter, formdata=True) -> LetterForm:
    data = {"kept": [i.id for i in letter.items if i.kept]}
    form = edit_form(LetterForm, letter, **data) if formdata else LetterForm(formdata=None, title=letter.title,
                                                                             intro=letter.intro, **data)
    form.kept.choices = [(i.id, i.title) for i in letter.items]
    return form


@bp.route("/<id:letter_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(letter_id: int):
    letter = get_letter(letter_id)
    authorize("letter.manage", letter)
    if letter.is_sent:
        flash(ERROR_MESSAGES["already-sent"], "info")
        return redirect(url_for("letters.detail", letter_id=letter.id))
    form = _letter_form(letter)
    if form.validate_on_submit() and carry_out(
            lambda: services.save_letter(current_user, letter, title=form.title.data, intro=form.intro.data or "",
                                         kept=set(form.kept.data or [])),
            form, ERROR_MESSAGES, _("La lettre est enregistrée.")):
        return redirect(url_for("letters.edit", letter_id=letter.id))
    return _edit_page(letter, form, 422 if form.errors else 200)


@bp.route("/<id:letter_id>/envoyer", methods=["POST"])
@login_required
def send(letter_id: int):
    letter = get_letter(letter_id)
    authorize("letter.manage", letter)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("La page était ouverte depuis longtemps : vérifiez et renvoyez."), "error")
        return redirect(url_for("letters.edit", letter_id=letter.id))
    if not letter.kept_items and not letter.intro:
        flash(_("La lettre est vide : gardez au moins un point, ou écrivez un mot d'introduction."), "error")
        return _edit_page(letter, _letter_form(letter, formdata=False), 422)
    # The first messages leave now; the rest with `flask labo tick`, in the minutes that follow:
    # a request never waits for hundreds of messages.
    sent = services.send_letter(current_app.config, current_user, letter, _links(letter), limit=services.IN_REQUEST)
    flash(ngettext("La lettre est envoyée : %(num)d message cette fois.",
                   "La lettre est envoyée : %(num)d messages cette fois.", sent), "success")
    left = services.waiting_count(db.session.get(Letter, letter_id))
    if left:
        flash(ngettext("%(num)d autre message part dans les minutes qui viennent.",
                       "%(num)d autres messages partent dans les minutes qui viennent.", left), "info")
    return redirect(url_for("letters.detail", letter_id=letter_id))


# --- ambassadors -----------------------------------------------------------------


def _relay_page(form: Optional[HandoutForm] = None, form_letter: Optional[int] = None, status: int = 200):
    return render_template("letters/relay.html", lines=services.relay_figures(current_user),
                           form=form, form_letter=form_letter, blank=HandoutForm(formdata=None)), status


@bp.route("/relais")
@login_required
@require("letter.hand_out")
def relay():
    return _relay_page()


@bp.route("/<id:letter_id>/distribuees", methods=["POST"])
@login_required
@require("letter.hand_out")
def handout(letter_id: int):
    letter = get_letter(letter_id)
    authorize("letter.view", letter)
    form = HandoutForm()
    if form.validate_on_submit() and carry_out(
            lambda: services.record_handout(current_user, letter, form.copies.data), form, ERROR_MESSAGES,
            _("C'est noté. Merci de faire circuler la lettre !")):
        return redirect(url_for("letters.relay"))
    return _relay_page(form, letter.id, 422)

