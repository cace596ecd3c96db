"""The sandbox account's own resources (TwiML apps, API keys, verified caller IDs) and the
REST refusals that depend on them: who may be the caller ID of a call, what SendDigits may hold.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hotline.sandbox.engine import SandboxError
from hotline.sandbox.model import new_sid

if TYPE_CHECKING:
    from hotline.sandbox.engine import Engine

# CreateCall.SendDigits (spec): "any digit (0-9), 'A', 'B', 'C', 'D', '#', and '*' ... 'w' ...
# 'W'", "with a maximum length of 32 digits". Error 21206 "Invalid SendDigits": "Ensure the
# SendDigits parameter only contains the characters: 0123456789ABCD*#wW".
SEND_DIGITS = re.compile(r"[0-9A-D#*wW]{1,32}")
INVALID_SEND_DIGITS = 21206
# Error 21210 "'From' phone number not verified": "The From number used to make outbound call
# not a Twilio number or not a verified caller ID".
FROM_NOT_VERIFIED = 21210


@dataclass
class Application:
    """A TwiML app: where Twilio fetches TwiML for calls made from a client (browser) device."""

    sid: str
    friendly_name: str | None
    created_at: datetime
    updated_at: datetime
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"


@dataclass
class ApiKey:
    """An API key: signs access tokens. Twilio shows its secret once, when it is created."""

    sid: str
    friendly_name: str | None
    secret: str
    created_at: datetime
    updated_at: datetime


@dataclass
class CallerId:
    """A verified outgoing caller ID: a number the account proved it owns (not from Twilio)."""

    phone_number: str
    created_at: datetime
    friendly_name: str | None = None
    sid: str = field(default_factory=lambda: new_sid("PN"))


class Account:
    """What the sandbox account holds beside its numbers (Engine.numbers)."""

    def __init__(self) -> None:
        self.applications: dict[str, Application] = {}
        self.keys: dict[str, ApiKey] = {}
        self.caller_ids: dict[str, CallerId] = {}

    def new_application(self, now: datetime) -> Application:
        """A new TwiML app (fields set by the caller)."""
        app = Application(sid=new_sid("AP"), friendly_name=None, created_at=now, updated_at=now)
        self.applications[app.sid] = app
        return app

    def new_key(self, friendly_name: str | None, now: datetime) -> ApiKey:
        """A new API key with a fresh secret."""
        key = ApiKey(
            sid=new_sid("SK"),
            friendly_name=friendly_name,
            secret=secrets.token_urlsafe(24),
            created_at=now,
            updated_at=now,
        )
        self.keys[key.sid] = key
        return key

    def verify_caller_id(
        self, phone_number: str, now: datetime, friendly_name: str | None = None
    ) -> CallerId:
        """Add a verified caller ID (what Twilio's verification call ends with)."""
        found = self.caller_ids.get(phone_number)
        if found is None:
            found = CallerId(phone_number=phone_number, created_at=now, friendly_name=friendly_name)
            self.caller_ids[phone_number] = found
        return found


def _is_phone_number(address: str) -> bool:
    return address.startswith("+")


def check_caller_id(engine: Engine, account: Account, form: dict[str, Any]) -> None:
    """Refuse a CreateCall/CreateParticipant whose caller ID Twilio would refuse (21210).

    Spec, CreateCall.From: "If using a phone number, it must be a Twilio number or a Verified
    outgoing caller id for your account. If the `to` parameter is a phone number, `From` must
    also be a phone number." CreateParticipant says the same of `From` and `CallerId`. A
    `client:` identity is therefore a caller ID only for calls to clients (or SIP).
    """
    to = str(form.get("To") or "")
    for name in ("From", "CallerId"):
        caller = form.get(name)
        if not caller:
            continue
        caller = str(caller)
        if _is_phone_number(caller):
            with engine.lock:
                known = caller in engine.numbers or caller in account.caller_ids
            if not known:
                raise SandboxError(
                    400,
                    FROM_NOT_VERIFIED,
                    f"The source phone number provided, {caller}, is not yet verified for "
                    "your account. You may only make calls from phone numbers that you've "
                    "verified or purchased from Twilio.",
                )
        elif _is_phone_number(to):
            raise SandboxError(
                400,
                FROM_NOT_VERIFIED,
                f"'{name}' {caller} is not a phone number: a call to a phone number must come "
                "from a Twilio number or a verified caller ID of the account.",
            )


def check_send_digits(form: dict[str, Any]) -> None:
    """Refuse a SendDigits Twilio would refuse (21206): bad characters, more than 32."""
    digits = form.get("SendDigits")
    if digits is None or digits == "":
        return
    if not SEND_DIGITS.fullmatch(str(digits)):
        raise SandboxError(
            400,
            INVALID_SEND_DIGITS,
            f"SendDigits {digits!r} is invalid: at most 32 of 0-9, A-D, #, *, w and W",
        )
