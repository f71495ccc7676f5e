"""Phone numbers: what a person types ("06 12 34 56 78", "+33 6 12...",
"0033612...") turned into one E.164 form ("+33612345678"), the only form
stored and compared, with Google's libphonenumber rules (`phonenumbers`).

`InvalidPhone` is a `ServiceError` (so a `ValueError` too): a view shows
its code's message (`PHONE_MESSAGES`) beside the field."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from labo.core.errors import ServiceError
from labo.core.i18n import _l


class InvalidPhone(ServiceError):
    """The text is not a phone number (code "phone-invalid"), or not one that
    can receive a text message (code "phone-not-mobile")."""

    def __init__(self, code: str = "phone-invalid", field: str | None = "phone"):
        super().__init__(code, field)


PHONE_MESSAGES = {
    "phone-invalid": _l("Ce numéro de téléphone ne semble pas juste. Exemple : 06 12 34 56 78."),
    "phone-not-mobile": _l("Ce numéro ne peut pas recevoir de SMS. Donnez un numéro de portable (06 ou 07)."),
}

_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# What a phone number may be typed with: digits, spaces, dots, dashes, brackets, a leading +.
_PHONE_LIKE = re.compile(r"^\+?[\d\s.\-()/]{6,}$")


def normalize_phone(text: str, region: str = "FR", *, mobile: bool = False) -> str:
    """The number in E.164 ("+33612345678"), read as a number of `region`
    when it has no country code; raise InvalidPhone if it is not a valid
    number (or, with `mobile`, not one that can receive an SMS)."""
    text = (text or "").strip()
    if not text or len(text) > 40 or not _PHONE_LIKE.match(text):
        raise InvalidPhone()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise InvalidPhone() from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    if mobile and phonenumbers.number_type(number) not in _MOBILE:
        raise InvalidPhone("phone-not-mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """True when a free "contact" field holds a phone number rather than an
    email: no "@", and only what a number is written with. It says nothing
    of the number's validity (normalize_phone does)."""
    text = (text or "").strip()
    return "@" not in text and bool(_PHONE_LIKE.match(text)) and sum(c.isdigit() for c in text) >= 6


class InvalidContact(ServiceError):
    """A free "contact" field holds neither an email address nor a phone
    number: code "contact-empty" (nothing typed) or "contact-invalid"."""

    def __init__(self, code: str = "contact-invalid", field: str | None = "contact"):
        super().__init__(code, field)


CONTACT_MESSAGES = {
    "contact-empty": _l("Écrivez votre adresse e-mail ou votre numéro de portable."),
    "contact-invalid": _l("Ce n'est ni une adresse e-mail ni un numéro de portable. "
                          "Exemples : nom@exemple.fr ou 06 12 34 56 78."),
}

# An address: something, one "@", something with a dot; no space, bracket, quote, comma or semicolon.
EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")
EMAIL_MAX = 254


def read_contact(text: str, region: str = "FR") -> tuple[str, str]:
    """What a free "contact" field holds, the one reading every form shares:
    ("email", the address in lower case) when it has an "@", or ("phone", the
    mobile number in E.164) when it is written like a number.

    Raises InvalidContact ("contact-empty", "contact-invalid": neither an
    address nor a number), or InvalidPhone ("phone-invalid", "phone-not-mobile")
    for a number that is not one, or not a mobile one."""
    text = (text or "").strip()
    if not text:
        raise InvalidContact("contact-empty")
    if "@" in text:
        if len(text) > EMAIL_MAX or not EMAIL_RE.fullmatch(text):
            raise InvalidContact()
        return "email", text.lower()
    if not looks_like_phone(text):
        raise InvalidContact()
    return "phone", normalize_phone(text, region, mobile=True)


def mask_recipient(e164: str) -> str:
    """A stored number with all but its last two digits replaced by "•"
    ("+••••••••••78"), as the SMS log keeps it once past its time (labo.sms.services)."""
    if len(e164) <= 3 or "•" in e164:
        return e164
    return "+" + "•" * (len(e164) - 3) + e164[-2:]


def format_phone(e164: str) -> str:
    """An E.164 number as people read it: "06 12 34 56 78" for a French one,
    "+32 470 12 34 56" for another country's."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def mask_phone(e164: str) -> str:
    """The number with all but its last two digits hidden ("06 •• •• •• 78",
    with no-break spaces: it stays on one line), for a page that says where a
    code was sent."""
    shown = format_phone(e164)
    digits = sum(c.isdigit() for c in shown)
    out, seen = [], 0
    for c in shown:
        if c.isdigit():
            seen += 1
            out.append(c if seen <= 2 or seen > digits - 2 else "•")
        else:
            out.append("\u00a0" if c == " " else c)
    return "".join(out)
