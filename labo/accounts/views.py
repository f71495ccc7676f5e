"""Registration, login, logout, password reset (by link or by a referent's
code), one's own profile and email address."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from labo.accounts.models import User, display_name
from labo.core.db import utcnow
from labo.core.forms import ActionForm, carry_out
from labo.accounts import phone as phone_services
from labo.accounts import services
from labo.accounts.forms import (
    ERROR_MESSAGES,
    ChangePasswordForm,
    EraseAccountForm,
    ForgotPasswordForm,
    LoginForm,
    EmailForm,
    PhoneAccountForm,
    PhoneCodeForm,
    PhoneForm,
    ProfileForm,
    RegisterForm,
    ResetCodeForm,
    ResetPasswordForm,
    age_band_choices,
    language_choices,
)
from labo.core.i18n import _, ngettext
from labo.core.limits import per_person
from labo.core.urls import external_url, safe_next
from labo.extensions import db, limiter
from labo.mail.services import send_email
from labo.permissions import authorize, is_admin, is_any_referent
from labo.sms.numbers import InvalidPhone, format_phone, looks_like_phone, mask_phone, normalize_phone
from labo.sms.services import sms_error_message
from labo.territory.models import Qpv
from labo.territory.services import commune_choices, get_commune, list_qpvs

bp = Blueprint("accounts", __name__, url_prefix="/compte")
bp.add_app_template_global(display_name)


# Rate limits sized for a community hall: 300 people on one Wi-Fi address log
# in, register and reset their passwords within minutes, so what one person
# does wrong is counted against the account they typed, not the address.


def auth_limit() -> str:
    """Wrong passwords for one account from one address (and, logged in, one's
    own refused password changes and erasures)."""
    return current_app.config["LABO_AUTH_RATE_LIMIT"]


def account_limit() -> str:
    """Wrong passwords for one account from all addresses together."""
    return current_app.config["LABO_AUTH_ACCOUNT_RATE_LIMIT"]


def address_limit() -> str:
    """Every login, registration and password reset sent from one address."""
    return current_app.config["LABO_AUTH_ADDRESS_RATE_LIMIT"]


def email_limit() -> str:
    """Registrations and reset requests accepted for one e-mail address: each sends it a mail."""
    return current_app.config["LABO_AUTH_EMAIL_RATE_LIMIT"]


EMAIL_KEY_MAX = 320  # the longest an e-mail address can be; longer text is counted as its start


def _typed_email() -> str:
    """The e-mail address typed in the form, as accounts are looked up."""
    typed = request.form.get("email") or request.form.get("mail-email") or ""  # the profile's form is prefixed
    return services.normalize_email(typed)[:EMAIL_KEY_MAX]


def per_typed_account() -> str:
    return "account:" + _typed_email()


def _typed_login() -> str:
    """The pseudonym or address typed to log in (or with a reset code), as
    the account is looked up. Not resolved to the account: counting a
    pseudonym's and an address's tries together would tell whether they
    are the same person's."""
    typed = request.form.get("email", request.form.get("pseudonym", ""))
    return services.login_key(typed[:EMAIL_KEY_MAX])


def per_typed_login() -> str:
    return "account:" + _typed_login()


def per_typed_login_and_address() -> str:
    return f"account:{_typed_login()}|address:{request.remote_addr or '?'}"


def _login_failed(response) -> bool:
    """Only wrong pseudonym (or e-mail)/password pairs count, not successful logins nor forms sent incomplete."""
    return bool(g.get("login_failed"))


def refused(response) -> bool:
    """The form came back with errors (422): counted against the rate limit."""
    return response.status_code == 422


def _accepted(response) -> bool:
    """The form was accepted: a mail went to the address typed, or would have
    had it an account (both are counted, as both get the same answer)."""
    return bool(g.get("mail_form_accepted"))


PHONE_PENDING = "phone_pending"  # the number a code was sent to, and the account it is for
PHONE_VERIFIED = "phone_verified"  # a number whose code was right and that has no account yet
PHONE_VERIFIED_MAX_AGE = 30 * 60  # seconds to choose a pseudonym after typing the code


def code_limit() -> str:
    """Codes sent by SMS to one number, from all addresses together."""
    return current_app.config["LABO_SMS_CODE_RATE_LIMIT"]


def code_address_limit() -> str:
    """Codes sent by SMS from one address, to all numbers together."""
    return current_app.config["LABO_SMS_CODE_ADDRESS_RATE_LIMIT"]


# The field each form that sends a code reads its number from. A limit's key
# must come from the very field the view uses: a made-up extra field must not
# give each try a counter of its own. Any other form (the code's own) counts
# against the number the code was sent to, kept in the session.
_PHONE_FIELD = {"accounts.register": "email", "accounts.phone_login": "phone", "accounts.change_phone": "phone"}


def _typed_phone() -> str:
    """The number typed (to send a code), or the one a code was sent to (to check it), in E.164."""
    field = _PHONE_FIELD.get(request.endpoint or "")
    typed = request.form.get(field, "") if field else ""
    if not typed:
        return (session.get(PHONE_PENDING) or {}).get("phone", "")
    try:
        return normalize_phone(typed[:40])
    except InvalidPhone:
        return "invalid"


def per_typed_phone() -> str:
    return "phone:" + _typed_phone()


def per_typed_phone_and_address() -> str:
    return f"phone:{_typed_phone()}|address:{request.remote_addr or '?'}"


def _code_sent(response) -> bool:
    return bool(g.get("sms_code_sent"))


# One counter per number, and one per address, for both forms that send a code by SMS.
codes_to_one_number = limiter.shared_limit(
    code_limit, scope="sms-code-number", key_func=per_typed_phone, methods=["POST"], deduct_when=_code_sent)
codes_from_one_address = limiter.shared_limit(
    code_address_limit, scope="sms-code-address", methods=["POST"], deduct_when=_code_sent)

# One counter for both forms that mail an address, whichever address asks.
mails_to_one_address = limiter.shared_limit(
    email_limit, scope="auth-email", key_func=per_typed_account, methods=["POST"], deduct_when=_accepted)


def _next_url() -> str | None:
    """Where to go once signed in: a page of this site, kept through login and registration."""
    return safe_next(request.args.get("next"))


def _send_confirmation(config, user) -> None:
    """Mail the link that attaches `user`'s pending address."""
    send_email(
        config, user.pending_email,
        _("Confirmez votre adresse e-mail"),
        _("Bonjour %(name)s,\n\nPour enregistrer cette adresse dans votre compte du Labo de la participation, "
          "ouvrez ce lien (valable 7 jours) :\n%(url)s\n\n"
          "Si vous n'avez rien demandé, ignorez ce message : l'adresse ne sera pas enregistrée.",
          name=user.pseudonym, url=external_url("accounts.confirm_email", token=services.confirmation_token(config, user))),
    )


def _send_address_taken(config, owner) -> None:
    """Tell the owner of an address that someone typed it for another account."""
    send_email(
        config, owner.email,
        _("Quelqu'un a voulu créer un compte avec votre adresse"),
        _("Bonjour,\n\nQuelqu'un a voulu créer un compte au Labo de la participation avec cette adresse, "
          "qui en a déjà un. Si c'était vous, connectez-vous : %(url)s\n"
          "Mot de passe oublié ? %(reset)s\n\nSinon, vous pouvez ignorer ce message.",
          url=external_url("accounts.login"), reset=external_url("accounts.forgot")),
    )


def _mail_for_address(config, user, owner) -> None:
    """The link to confirm the address, or, if it is another account's, a word to its owner.
    Either way the person sees the same answer, and the mail counts against the address."""
    if owner is not None:
        _send_address_taken(config, owner)
    else:
        _send_confirmation(config, user)
    g.mail_form_accepted = True


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@mails_to_one_address
@codes_from_one_address
@codes_to_one_number
def register():
    next_url = _next_url()
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = RegisterForm()
    form.home_commune.choices = commune_choices(_("Je préfère ne pas le dire"))
    form.age_band.choices = age_band_choices()
    valid, phone = form.validate_on_submit(), None
    if valid and form.email.data and looks_like_phone(form.email.data):
        try:
            phone = normalize_phone(form.email.data, mobile=True)
        except InvalidPhone as error:
            valid, form.email.errors = False, [str(ERROR_MESSAGES[error.code])]
    if valid:
        config = current_app.config

        def register_and_mail() -> User:
            result = services.register_account(
                config,
                pseudonym=form.pseudonym.data,
                password=form.password.data,
                email=None if phone else (form.email.data or None),
                home_commune=get_commune(form.home_commune.data),
                age_band=form.age_band.data or None,
                locale=session.get("lang"),
            )
            if result.user.pending_email:
                _mail_for_address(config, result.user, result.email_owner)
            return result.user

        registered = carry_out(register_and_mail, form, ERROR_MESSAGES, lambda user: _(
            "Bienvenue %(name)s ! Votre compte est créé et ouvert.", name=user.pseudonym))
        if registered:
            user = registered.value
            login_user(user)
            services.record_login(user)
            if phone:
                # The number is attached once its owner types the code sent to it.
                return _send_code_and_ask(phone, user=user, next_url=next_url)
            if user.pending_email:
                # The same words whether or not the address already had an account.
                flash(_("Pour enregistrer votre adresse e-mail, ouvrez le lien que nous venons d'y envoyer."), "info")
            return redirect(next_url or url_for("site.home"))
    return render_template("accounts/register.html", form=form, next=next_url), (422 if form.errors else 200)


# --- an account on a mobile number: a code by SMS --------------------------------


def _send_code_and_ask(phone: str, *, user: User | None = None, next_url: str | None = None):
    """Send a code to `phone` and go to the page that asks for it; or say why no SMS could go."""
    message = phone_services.send_phone_code(current_app.config, phone, utcnow(), user=user)[1]
    db.session.commit()  # the SMS leaves once this is committed (labo.sms.services)
    db.session.refresh(message)  # what became of it
    g.sms_code_sent = True
    if message.status == "failed":
        flash(sms_error_message(message.error_code), "error")
        return redirect(url_for("accounts.phone_login", next=next_url) if user is None
                        else next_url or url_for("site.home"))
    session[PHONE_PENDING] = {"phone": phone, "user_id": user.id if user else None}
    return redirect(url_for("accounts.phone_code", next=next_url))


@bp.route("/telephone", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@codes_from_one_address
@codes_to_one_number
def phone_login():
    """Sign in with a mobile number (or create an account on it): the number, then the code sent by SMS."""
    next_url = _next_url()
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            phone = normalize_phone(form.phone.data, mobile=True)
        except InvalidPhone as error:
            form.phone.errors = [str(ERROR_MESSAGES[error.code])]
        else:
            return _send_code_and_ask(phone, next_url=next_url)
    return render_template("accounts/phone.html", form=form, next=next_url), (422 if form.errors else 200)


@bp.route("/telephone/code", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(auth_limit, key_func=per_typed_phone_and_address, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(account_limit, key_func=per_typed_phone, methods=["POST"], deduct_when=_login_failed)
def phone_code():
    """The code received by SMS: signs in, attaches the number, or leads to choosing a pseudonym."""
    next_url = _next_url()
    pending = session.get(PHONE_PENDING)
    if not pending:
        return redirect(url_for("accounts.phone_login", next=next_url))
    phone, user_id = pending["phone"], pending.get("user_id")
    attaching = user_id is not None
    if attaching and not (current_user.is_authenticated and current_user.id == user_id):
        session.pop(PHONE_PENDING, None)
        return redirect(url_for("accounts.phone_login", next=next_url))
    form = PhoneCodeForm()
    if form.validate_on_submit():
        config, now = current_app.config, utcnow()
        if attaching:
            try:
                result = phone_services.attach_phone(config, current_user, phone, form.code.data, now)
            except services.AccountError as error:
                db.session.rollback()
                result, form.code.errors = None, [str(ERROR_MESSAGES[error.code])]
            else:
                db.session.commit()  # a wrong try is counted too
            if result == "ok":
                session.pop(PHONE_PENDING, None)
                flash(_("Votre numéro de portable est enregistré. Vous pourrez vous connecter avec lui."), "success")
                return redirect(next_url or url_for("site.home"))
        else:
            result, user = phone_services.sign_in_by_phone(config, phone, form.code.data, now)
            db.session.commit()
            if result == "ok":
                session.pop(PHONE_PENDING, None)
                if user is None:
                    session[PHONE_VERIFIED] = {"phone": phone, "at": now.timestamp()}
                    return redirect(url_for("accounts.phone_register", next=next_url))
                login_user(user)
                services.record_login(user)
                db.session.commit()
                if user.locale:
                    session["lang"] = user.locale
                flash(_("Bonjour %(name)s, vous êtes dans votre compte.", name=user.pseudonym), "success")
                return redirect(next_url or url_for("site.home"))
        if result == "password-needed":
            session.pop(PHONE_PENDING, None)
            flash(_("Ce compte a des droits sur le Labo (administration, référent, COPIL) : il s'ouvre avec son "
                    "mot de passe, pas seulement avec un code reçu par SMS."), "error")
            return redirect(url_for("accounts.login", next=next_url))
        if result is not None:
            form.code.data = ""  # typed afresh
        if result == "wrong":
            g.login_failed = True
            left = phone_services.tries_left(phone, now, user_id=user_id)
            form.code.errors = [_("Ce n'est pas le bon code. Vérifiez le SMS et réessayez.") + " " + (
                ngettext("Encore %(num)d essai.", "Encore %(num)d essais.", left) if left
                else _("Ce code ne marche plus : demandez-en un nouveau."))]
        elif result is not None:
            g.login_failed = True
            form.code.errors = [_("Ce code ne marche plus (il sert 10 minutes et 5 essais). Demandez-en un nouveau.")]
    return render_template("accounts/phone_code.html", form=form, next=next_url, shown_phone=mask_phone(phone),
                           attaching=attaching), (422 if form.errors else 200)


@bp.route("/supprimer/code", methods=["POST"])
@login_required
@limiter.limit(code_limit, key_func=per_person)
def erase_code():
    """An account on a number without a password confirms its erasure with a code sent by SMS."""
    if not current_user.phone or phone_services.has_password(current_user):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    message = phone_services.send_phone_code(current_app.config, current_user.phone, utcnow(), user=current_user,
                                              purpose="erase-confirm")[1]
    db.session.commit()
    db.session.refresh(message)  # sent once committed: what became of it
    if message.status == "failed":
        flash(sms_error_message(message.error_code), "error")
    else:
        flash(_("Nous avons envoyé un code au %(phone)s. Tapez-le ci-dessous pour supprimer votre compte.",
                phone=mask_phone(current_user.phone)), "info")
    return redirect(url_for("accounts.profile") + "#donnees")


@bp.route("/telephone/nouveau", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
def phone_register():
    """A number whose code was right and that has no account yet: choose a pseudonym, and the account is made."""
    next_url = _next_url()
    verified = session.get(PHONE_VERIFIED)
    if not verified or utcnow().timestamp() - verified.get("at", 0) > PHONE_VERIFIED_MAX_AGE:
        session.pop(PHONE_VERIFIED, None)
        return redirect(url_for("accounts.phone_login", next=next_url))
    form = PhoneAccountForm()
    if form.validate_on_submit():
        done = carry_out(lambda: phone_services.register_phone_account(
            current_app.config, pseudonym=form.pseudonym.data, phone=verified["phone"], locale=session.get("lang")),
            form, ERROR_MESSAGES, lambda user: _("Bienvenue %(name)s ! Votre compte est créé et ouvert.", name=user.pseudonym))
        if done:
            session.pop(PHONE_VERIFIED, None)
            login_user(done.value)
            services.record_login(done.value)
            db.session.commit()
            return redirect(next_url or url_for("site.home"))
    return render_template("accounts/phone_register.html", form=form, next=next_url,
                           shown_phone=mask_phone(verified["phone"])), (422 if form.errors else 200)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(auth_limit, key_func=per_typed_login_and_address, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(account_limit, key_func=per_typed_login, methods=["POST"], deduct_when=_login_failed)
def login():
    next_url = _next_url()
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(current_app.config, form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            services.record_login(user)
            if user.locale:
                session["lang"] = user.locale
            flash(_("Bonjour %(name)s, vous êtes dans votre compte.", name=user.pseudonym), "success")
            return redirect(next_url or url_for("site.home"))
        g.login_failed = True
        form.password.errors = [_("Pseudonyme, adresse e-mail ou mot de passe incorrect.")]
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form, next=next_url), status


@bp.route("/deconnexion", methods=["POST"])
def logout():
    logout_user()
    flash(_("Votre session est fermée. À bientôt !"), "success")
    return redirect(url_for("site.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@mails_to_one_address
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            token = services.make_reset_token(config, user)
            send_email(
                config, user.email,
                _("Choisir un nouveau mot de passe"),
                _("Bonjour %(name)s,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n%(url)s\n\n"
                  "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.",
                  name=user.pseudonym, url=external_url("accounts.reset", token=token)),
            )
            db.session.commit()
        # The same answer, and the same count, for known and unknown addresses.
        g.mail_form_accepted = True
        flash(_("Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), (422 if form.errors else 200)


@bp.route("/nouveau-mot-de-passe/<token>", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
def reset(token: str):
    config = current_app.config
    if services.user_for_reset_token(config, token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(config, token, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Votre mot de passe est changé, %(name)s. Connectez-vous avec le nouveau.", name=user.pseudonym), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), (422 if form.errors else 200)


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(auth_limit, key_func=per_typed_login_and_address, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(account_limit, key_func=per_typed_login, methods=["POST"], deduct_when=_login_failed)
def use_code():
    """A new password with the one-time code a referent gave in person."""
    next_url = _next_url()
    form = ResetCodeForm()
    if form.validate_on_submit():
        user = services.use_reset_code(current_app.config, form.pseudonym.data, form.code.data, form.password.data, utcnow())
        if user is not None:
            db.session.commit()
            logout_user()
            login_user(user)
            services.record_login(user)
            if user.locale:
                session["lang"] = user.locale
            flash(_("Votre mot de passe est changé, %(name)s. Vous êtes dans votre compte.", name=user.pseudonym), "success")
            return redirect(next_url or url_for("site.home"))
        db.session.rollback()
        g.login_failed = True
        form.code.errors = [_("Ce pseudonyme et ce code ne vont pas ensemble, ou le code a déjà servi ou a plus de 24 heures. "
                              "Vérifiez, ou demandez un nouveau code à une personne référente.")]
    return render_template("accounts/code.html", form=form, next=next_url), (422 if form.errors else 200)


@bp.route("/adresse", methods=["POST"])
@login_required
@limiter.limit(address_limit)
@limiter.limit(auth_limit, key_func=per_person)
@mails_to_one_address
def change_email():
    """Add or change one's address: it is attached once the link mailed to it is opened."""
    authorize("profile.edit", current_user)
    email_form = EmailForm(prefix="mail")
    if email_form.validate_on_submit():
        config = current_app.config
        if services.normalize_email(email_form.email.data) == current_user.email:
            services.request_email(current_user, email_form.email.data)
            db.session.commit()
            flash(_("C'est déjà l'adresse de votre compte."), "info")
            return redirect(url_for("accounts.profile"))
        owner = services.request_email(current_user, email_form.email.data)
        _mail_for_address(config, current_user, owner)
        db.session.commit()
        # The same words whether or not the address already has an account.
        flash(_("Nous avons envoyé un lien à %(email)s : ouvrez-le pour enregistrer l'adresse.",
                email=current_user.pending_email), "success")
        return redirect(url_for("accounts.profile"))
    return render_profile(profile_form(), email_form=email_form)


@bp.route("/adresse/<token>", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
def confirm_email(token: str):
    """The link mailed to an address: one button attaches it (a mail
    program that opens links by itself attaches nothing)."""
    config = current_app.config
    user = services.user_for_confirmation(config, token)
    if user is None:
        return render_template("accounts/confirm_invalid.html"), 400
    form = ActionForm()
    if form.validate_on_submit():
        outcome, user = services.confirm_email(config, token)
        if outcome == "confirmed":
            db.session.commit()
            flash(_("Votre adresse e-mail est enregistrée : %(email)s.", email=user.email), "success")
            signed_in = current_user.is_authenticated and current_user.id == user.id
            return redirect(url_for("accounts.profile") if signed_in else url_for("accounts.login"))
        db.session.rollback()
        if outcome == "taken":
            return render_template("accounts/confirm_invalid.html", taken=True), 409
        return render_template("accounts/confirm_invalid.html"), 400
    return render_template("accounts/confirm_email.html", form=form, email=user.pending_email)


def profile_form() -> ProfileForm:
    form = ProfileForm(data={
        "home_commune": str(current_user.home_commune_id or ""),
        "age_band": current_user.age_band or "",
        "locale": current_user.locale or "",
        "home_qpv": str(current_user.home_qpv_id or ""),
    })
    form.home_commune.choices = commune_choices(_("Je préfère ne pas le dire"))
    form.home_qpv.choices = [("", _("Aucun, ou je préfère ne pas le dire"))] + [(str(q.id), q.name) for q in list_qpvs()]
    form.age_band.choices = age_band_choices()
    form.locale.choices = language_choices()
    return form


_UNSET = object()


def _password_form(formdata=_UNSET):
    """Changing the password; an account on a number that never had one
    chooses its first (it proved the number when it signed in)."""
    form = ChangePasswordForm(prefix="pw") if formdata is _UNSET else ChangePasswordForm(prefix="pw", formdata=formdata)
    if not phone_services.has_password(current_user):
        del form.current_password
    return form


def render_profile(form, password_form=None, erase_form=None, email_form=None, phone_form=None):
    """The profile page with its five forms, one of them sent back with its errors."""
    password_form = password_form or _password_form(formdata=None)
    phone_form = phone_form or PhoneForm(formdata=None)
    erase_form = erase_form or EraseAccountForm(prefix="erase", formdata=None)
    sms_only = bool(current_user.phone) and not phone_services.has_password(current_user)
    if sms_only:  # no password to confirm with: the code sent by SMS
        erase_form.password.label.text = _("Le code reçu par SMS, pour confirmer")
        erase_form.password.description = _("Votre compte, votre profil et vos rôles seront effacés pour de bon.")
        erase_form.password.render_kw = {"type": "text", "autocomplete": "one-time-code", "inputmode": "numeric"}
    email_form = email_form or EmailForm(prefix="mail", formdata=None)
    failed = form.errors or password_form.errors or erase_form.errors or email_form.errors or phone_form.errors
    return render_template(
        "accounts/profile.html", form=form, password_form=password_form, erase_form=erase_form,
        email_form=email_form, phone_form=phone_form, sms_only=sms_only, action_form=ActionForm(formdata=None),
        shown_phone=mask_phone(current_user.phone) if current_user.phone else None,
        own_phone=format_phone(current_user.phone) if current_user.phone else None,
        has_password=phone_services.has_password(current_user),
    ), (422 if failed else 200)


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    authorize("profile.edit", current_user)
    form = profile_form()
    password_form = _password_form(formdata=None)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            home_commune=get_commune(form.home_commune.data),
            age_band=form.age_band.data or None,
            locale=form.locale.data or None,
            home_qpv=db.session.get(Qpv, int(form.home_qpv.data)) if form.home_qpv.data else None,
        )
        db.session.commit()
        if form.locale.data:
            session["lang"] = form.locale.data
        else:
            session.pop("lang", None)
        flash(_("Votre profil est enregistré."), "success")
        return redirect(url_for("accounts.profile"))
    return render_profile(form, password_form=password_form)


@bp.route("/mot-de-passe", methods=["POST"])
@login_required
@limiter.limit(auth_limit, key_func=per_person, deduct_when=refused)
def change_password():
    authorize("profile.edit", current_user)
    password_form = _password_form()
    first = "current_password" not in password_form
    if password_form.validate_on_submit() and carry_out(
            lambda: phone_services.choose_first_password(current_app.config, current_user, password_form.password.data)
            if first else services.change_password(current_app.config, current_user,
                                                   password_form.current_password.data, password_form.password.data),
            password_form, ERROR_MESSAGES,
            _("Votre mot de passe est choisi : vous pouvez aussi vous connecter avec votre pseudonyme et lui.") if first
            else _("Votre mot de passe est changé.")):
        # The other devices are signed out (the session carries the password's
        # fingerprint); this one stays signed in, with the new fingerprint.
        login_user(current_user._get_current_object())
        return redirect(url_for("accounts.profile"))
    form = profile_form()
    return render_profile(form, password_form=password_form)


@bp.route("/telephone/changer", methods=["POST"])
@login_required
@limiter.limit(address_limit, methods=["POST"])
@codes_from_one_address
@codes_to_one_number
def change_phone():
    """Add or change one's mobile number: attached once the code sent to it is typed."""
    authorize("profile.edit", current_user)
    phone_form = PhoneForm()
    if phone_form.validate_on_submit():
        try:
            phone = normalize_phone(phone_form.phone.data, mobile=True)
        except InvalidPhone as error:
            phone_form.phone.errors = [str(ERROR_MESSAGES[error.code])]
        else:
            if phone == current_user.phone:
                flash(_("C'est déjà votre numéro."), "info")
                return redirect(url_for("accounts.profile"))
            return _send_code_and_ask(phone, user=current_user, next_url=url_for("accounts.profile"))
    return render_profile(profile_form(), phone_form=phone_form)


@bp.route("/telephone/retirer", methods=["POST"])
@login_required
def remove_phone():
    """Take one's number off the account; not the only way in: a password is needed to sign in without it."""
    authorize("profile.edit", current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    if current_user.phone:
        try:
            phone_services.remove_phone(current_user)
        except services.AccountError as error:
            db.session.rollback()
            flash(str(ERROR_MESSAGES[error.code]), "error")
        else:
            db.session.commit()
            flash(_("Votre numéro de portable est retiré du compte."), "success")
    return redirect(url_for("accounts.profile") + "#portable", 303)


# --- a referent vouches for a person met in person -----------------------------


@bp.route("/verifier")
@login_required
def verify_people():
    """Find a person of one's communes by pseudonym, to note they were met in person."""
    if not is_any_referent(current_user):
        abort(403)
    q = request.args.get("q", "").strip()[:40]
    people = services.people_to_verify(current_user, q, is_admin(current_user))
    return render_template("accounts/verify.html", q=q, people=people, action_form=ActionForm(formdata=None))


@bp.route("/verifier/<id:user_id>", methods=["POST"])
@login_required
def verify_person(user_id: int):
    person = db.get_or_404(User, user_id)
    authorize("account.verify", person)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.verify_person(current_user, person, utcnow())
    db.session.commit()
    flash(_("Vous avez rencontré %(name)s en personne : son compte est vérifié.", name=person.pseudonym), "success")
    return redirect(url_for("accounts.verify_people", q=request.args.get("q") or None))


@bp.route("/verifier/<id:user_id>/code", methods=["POST"])
@login_required
@limiter.limit(account_limit, key_func=per_person)
def give_reset_code(user_id: int):
    """A referent who meets the person gives them a one-time code to choose a
    new password (for an account without an email). Shown once, here."""
    person = db.get_or_404(User, user_id)
    authorize("account.reset_code", person)
    if not ActionForm().validate_on_submit():
        abort(400)
    code = services.issue_reset_code(current_app.config, current_user, person, utcnow())
    if person.email:
        send_email(
            current_app.config, person.email,
            _("Un code pour changer votre mot de passe"),
            _("Bonjour %(name)s,\n\nUne personne référente du Labo de la participation vous a donné un code pour choisir "
              "un nouveau mot de passe. Si vous n'avez rien demandé, prévenez une personne référente de votre commune.",
              name=person.pseudonym),
        )
    db.session.commit()
    response = current_app.make_response(render_template(
        "accounts/reset_code.html", person=person, code=code, code_url=external_url("accounts.use_code"),
        q=request.args.get("q", "")[:40]))
    response.headers["Cache-Control"] = "no-store"  # the code is not kept in any cache
    return response
