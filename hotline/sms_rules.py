"""Text messages: who can receive one, what they say, and how delivery reports fold.

A text never names anybody: the GP's confirmation carries the request's reference and the time of
the callback only; the nurse's alert carries the reference only.

Twilio may deliver status callbacks out of order (a ``sent`` after the ``delivered``): a status
is taken only when it moves the message forward, so a delivered message never goes back to sent.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date

SENDER = "Plateforme d'appui"
# Number types that receive SMS (phonenumbers cannot tell a French 09 box from a landline: only
# mobiles, and numbers that may be either).
TEXTABLE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
# The message statuses the app tracks, in the order a message moves through them; the final
# ones share a rank (none replaces another).
STATUS_RANK = {
    "pending": 0,
    "accepted": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "read"})


def can_receive_sms(number: str | None) -> bool:
    """True for a valid mobile number (or one that may be mobile), E.164."""
    if not number or not number.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        TEXTABLE_TYPES
    )


def spoken_time(moment: datetime) -> str:
    """ "14 h 30", "9 h" as French writes a time."""
    return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"


def callback_confirmation(reference: str, due_at: datetime, tz_name: str) -> str:
    """The GP's text, e.g. "Plateforme d'appui : rappel prévu le 3 déc. à 14 h 30, demande
    2026-00042." (the reference and the time, nothing else)."""
    local = due_at.astimezone(ZoneInfo(tz_name))
    day = format_date(local.date(), "d MMM", locale="fr_FR")
    return f"{SENDER} : rappel prévu le {day} à {spoken_time(local)}, demande {reference}."


def voicemail_alert(reference: str) -> str:
    """The on-duty nurse's text when a voicemail arrives (the reference only)."""
    return f"{SENDER} : nouveau message vocal, demande {reference}."


def next_status(current: str, reported: str) -> str:
    """The status after a report: the reported one when it moves forward, else the current."""
    if current in FINAL_STATUSES and reported != "read":
        return current
    if STATUS_RANK.get(reported, -1) > STATUS_RANK.get(current, -1):
        return reported
    return current
