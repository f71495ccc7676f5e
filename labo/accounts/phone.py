"""Accounts on a mobile number: one-time codes sent by SMS to sign in, to
create an account on a number, or to attach a number typed at registration.

A code is 6 digits, valid 10 minutes and for 5 tries, used once; only a
keyed hash of it is kept (HMAC with the site's secret: the table alone
does not give the code back). A new code for a number ends the earlier
ones. The rate limits (per number, per address) are the views' part."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Mapping, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from labo.accounts.models import PhoneCode, Role, User
from labo.accounts.services import AccountError, hash_password, register_account
from labo.audit.services import audit_labels, record_audit
from labo.core.i18n import _
from labo.extensions import db
from labo.sms.models import SmsMessage
from labo.sms.numbers import normalize_phone
from labo.sms.services import send_sms

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
CODE_TRIES = 5
# Marks the password hash of an account created on a number: nobody knows its
# password (a random one), so it signs in by SMS and confirms its erasure by SMS.
NO_PASSWORD = "!sms:"


def has_password(user: User) -> bool:
    """False for an account created on a number, which has no password anyone knows."""
    return not user.password_hash.startswith(NO_PASSWORD)


def find_user_by_phone(phone: str) -> Optional[User]:
    """The account resting on this E.164 number, if any."""
    return db.session.scalar(select(User).where(User.phone == phone))


def _code_hash(config: Mapping, phone: str, code: str) -> str:
    return hmac.new(str(config["SECRET_KEY"]).encode(), f"labo.phone-code:{phone}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def normalize_phone_code(typed: str) -> str:
    """What was typed, digits only ("123 456" and "123-456" are "123456")."""
    return re.sub(r"\D", "", typed or "")[:CODE_DIGITS + 2]


def send_phone_code(config: Mapping, typed_phone: str, now: datetime, *, user: Optional[User] = None,
                    purpose: Optional[str] = None) -> tuple[str, SmsMessage]:
    """Send a new code to the number typed (raises InvalidPhone if it is not
    a mobile number) and return the number in E.164 and the SMS's row (its
    status says whether it went). With `user`, the code attaches the number
    to that account; without, it signs in whoever has it."""
    phone = normalize_phone(typed_phone, mobile=True)
    db.session.execute(update(PhoneCode).where(PhoneCode.phone == phone, PhoneCode.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    db.session.add(PhoneCode(phone=phone, user_id=user.id if user else None, code_hash=_code_hash(config, phone, code),
                             created_at=now, expires_at=now + CODE_VALIDITY, tries=0))
    text = _("Labo de la participation : votre code est %(code)s. Il sert pendant 10 minutes. "
             "Ne le donnez à personne.", code=code)
    message = send_sms(phone, text, purpose=purpose or ("phone-confirm" if user else "sign-in-code"))
    return phone, message


def check_phone_code(config: Mapping, phone: str, typed: str, now: datetime, *, user_id: Optional[int] = None) -> str:
    """Use the live code of `phone` (and `user_id`): "ok" once, "wrong" (a
    try counted), or "dead" (none sent, expired, used, or 5 tries gone).
    Each try is counted by one UPDATE that the database refuses past the
    fifth, so tries at once cannot get more than 5 guesses."""
    code_id = db.session.scalar(
        select(PhoneCode.id).where(PhoneCode.phone == phone, PhoneCode.user_id.is_(None) if user_id is None
                                   else PhoneCode.user_id == user_id,
                                   PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
        .order_by(PhoneCode.id.desc()).limit(1))
    if code_id is None:
        return "dead"
    counted = db.session.execute(
        update(PhoneCode).where(PhoneCode.id == code_id, PhoneCode.tries < CODE_TRIES, PhoneCode.used_at.is_(None))
        .values(tries=PhoneCode.tries + 1).execution_options(synchronize_session=False))
    if counted.rowcount != 1:
        return "dead"
    code_hash = db.session.scalar(select(PhoneCode.code_hash).where(PhoneCode.id == code_id))
    if not hmac.compare_digest(code_hash, _code_hash(config, phone, normalize_phone_code(typed))):
        return "wrong"
    used = db.session.execute(update(PhoneCode).where(PhoneCode.id == code_id, PhoneCode.used_at.is_(None))
                              .values(used_at=now).execution_options(synchronize_session=False))
    return "ok" if used.rowcount == 1 else "dead"


def tries_left(phone: str, now: datetime, *, user_id: Optional[int] = None) -> int:
    """How many tries the live code of `phone` has left (0: none live)."""
    tries = db.session.scalar(
        select(PhoneCode.tries).where(PhoneCode.phone == phone, PhoneCode.user_id.is_(None) if user_id is None
                                      else PhoneCode.user_id == user_id,
                                      PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
        .order_by(PhoneCode.id.desc()).limit(1))
    return 0 if tries is None else max(0, CODE_TRIES - tries)


def sign_in_by_phone(config: Mapping, phone: str, typed: str, now: datetime) -> tuple[str, Optional[User]]:
    """Check the code sent to `phone`: ("ok", the account) when the number
    has one, ("ok", None) when it has none yet (the caller offers to create
    it), or ("wrong" | "dead" | "inactive" | "password-needed", None).

    An account with rights over others (administrator, referent, COPIL
    member) does not open on an SMS code alone: a stolen or swapped SIM
    would give its rights away. It signs in with its password."""
    outcome = check_phone_code(config, phone, typed, now)
    if outcome != "ok":
        return outcome, None
    user = find_user_by_phone(phone)
    if user is not None and not user.active:
        return "inactive", None
    if user is not None and user.roles & STAFF_ROLES:
        return "password-needed", None
    return "ok", user


STAFF_ROLES = frozenset({Role.ADMIN, Role.REFERENT, Role.COPIL})


def attach_phone(config: Mapping, user: User, phone: str, typed: str, now: datetime) -> str:
    """Check the code sent to attach `phone` to `user`: "ok" (attached),
    "wrong", "dead"; raises AccountError "phone-taken" if another account
    has the number."""
    outcome = check_phone_code(config, phone, typed, now, user_id=user.id)
    if outcome != "ok":
        return outcome
    _set_phone(user, phone)
    record_audit(user, "account.phone_attached", "user", user.id, user=user.pseudonym)
    return "ok"


def register_phone_account(config: Mapping, *, pseudonym: str, phone: str, locale: Optional[str] = None) -> User:
    """Create an account resting on a number whose code was just checked:
    a pseudonym, the number, no password to remember (a random one nobody
    knows, its hash marked NO_PASSWORD; the person signs in by SMS)."""
    user = register_account(config, pseudonym=pseudonym, password=secrets.token_urlsafe(32), locale=locale).user
    user.password_hash = NO_PASSWORD + user.password_hash
    _set_phone(user, phone)
    return user


def choose_first_password(config: Mapping, user: User, new: str) -> None:
    """An account made on a number (no password anyone knows) chooses one:
    it can then sign in with its pseudonym too, and do without the number."""
    if has_password(user):
        raise AccountError("password-wrong", "current_password")
    user.password_hash = hash_password(config, new)
    db.session.flush()
    record_audit(user, "account.password_chosen", "user", user.id, user=user.pseudonym)


def remove_phone(user: User) -> None:
    """Take the number off the account (its pending codes go too). Refused
    while the number is the only way in: a password must be chosen first."""
    if not has_password(user):
        raise AccountError("phone-only-way-in", "phone")
    db.session.execute(delete(PhoneCode).where(PhoneCode.user_id == user.id))
    user.phone = None
    db.session.flush()
    record_audit(user, "account.phone_removed", "user", user.id, user=user.pseudonym)


def _set_phone(user: User, phone: str) -> None:
    owner = find_user_by_phone(phone)
    if owner is not None and owner.id != user.id:
        raise AccountError("phone-taken", "phone")
    try:
        with db.session.begin_nested():  # a lost race rolls back this change only
            user.phone = phone
            db.session.flush()
    except IntegrityError:
        raise AccountError("phone-taken", "phone") from None


audit_labels({
    "account.phone_attached": lambda d: _("Numéro de portable enregistré, après un code par SMS : %(user)s",
                                          user=d.get("user", "?")),
    "account.phone_removed": lambda d: _("Numéro de portable retiré du compte : %(user)s", user=d.get("user", "?")),
    "account.password_chosen": lambda d: _("Premier mot de passe choisi pour un compte sur un numéro : %(user)s",
                                           user=d.get("user", "?")),
})
