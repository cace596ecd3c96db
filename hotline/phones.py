"""Telephone numbers: normalise what Twilio and people type to E.164, format for French eyes."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from hotline.refusals import N_, Refusal

# What carriers and Twilio put in From when the caller hides the number.
_WITHHELD_MARKERS = frozenset(
    {"", "anonymous", "private", "restricted", "unknown", "unavailable", "withheld"}
)
# Twilio's documented placeholders for hidden numbers ("anonymous" spelled on a keypad, etc.).
_WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


@dataclass(frozen=True)
class CallerNumber:
    """The caller as the request log keeps it: an E.164 number, or withheld, or a browser."""

    e164: str | None
    is_withheld: bool
    client_identity: str | None = None


def normalise_caller(raw: str | None, region: str = "FR") -> CallerNumber:
    """Normalise Twilio's From: national or international formats, hidden numbers, browsers."""
    value = (raw or "").strip()
    if value.lower().startswith("client:"):
        return CallerNumber(e164=None, is_withheld=False, client_identity=value[len("client:") :])
    if value.lower() in _WITHHELD_MARKERS or value in _WITHHELD_NUMBERS:
        return CallerNumber(e164=None, is_withheld=True)
    try:
        return CallerNumber(e164=normalise_number(value, region), is_withheld=False)
    except ValueError:
        return CallerNumber(e164=None, is_withheld=True)


def normalise_number(raw: str, region: str = "FR") -> str:
    """A number typed by a person or sent by Twilio, as E.164; ValueError if it is not one."""
    value = raw.strip()
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        parsed = phonenumbers.parse(value, region)
    except NumberParseException:
        raise ValueError(f"not a telephone number: {raw!r}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"not a valid telephone number: {raw!r}")
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


NOT_A_PHONE = N_(
    "« {number} » n'est pas un numéro de téléphone valide "
    "(par exemple 06 12 34 56 78 ou +33 6 12 34 56 78)."
)


def phone_e164(text: str) -> str:
    """A person's phone in E.164, from any French or international form; a Refusal if none."""
    caller = normalise_caller(text)
    if caller.e164 is None:
        raise Refusal(NOT_A_PHONE, number=text.strip())
    return caller.e164


def format_for_display(e164: str | None, region: str = "FR") -> str:
    """National format for numbers of the region (06 12 34 56 78), international otherwise;
    "numéro masqué" for none. The only number formatter: the pages and the directory use it."""
    if not e164:
        return "numéro masqué"
    try:
        parsed = phonenumbers.parse(e164, region)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def mask_for_log(e164: str | None) -> str:
    """A number for the logs, keeping only its last two digits."""
    if not e164:
        return "withheld"
    return e164[:3] + "*" * max(len(e164) - 5, 0) + e164[-2:]
