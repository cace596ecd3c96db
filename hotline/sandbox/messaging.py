"""Programmable Messaging in the sandbox: the Message resource, its delivery and status callbacks.

What Twilio documents and the sandbox does:
- CreateMessage needs ``To``, ``From`` or ``MessagingServiceSid``, and ``Body`` or ``MediaUrl``
  (errors 21604, 21603, 21602); a body longer than 1600 characters is refused (21617); a ``To``
  that is not a phone number is refused (21211), one that cannot receive SMS (a landline) too
  (21614), one in a region the account may not text (geo permissions) too (21408); ``From`` must
  be a number of the account (21659 for any other, 21606 for one not SMS-capable).
- A new message is ``queued``; "A status callback request is not sent for the initial status of a
  newly created Message resource" (Outbound Message Status in Status Callbacks). Then it is
  ``sent`` and ``delivered`` (``undelivered`` with ErrorCode 30006 when the handset is
  unreachable), each posted to ``StatusCallback`` with MessageSid, MessageStatus, AccountSid,
  From, To, ApiVersion (and the legacy SmsSid, SmsStatus), ErrorCode when it did not arrive,
  signed with X-Twilio-Signature like every webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import phonenumbers

from hotline.sandbox.common import API_VERSION, SandboxError
from hotline.sandbox.model import new_sid, rfc2822

if TYPE_CHECKING:
    from hotline.sandbox.engine import Engine

MAX_BODY = 1600
# Timings: how long a carrier takes to take the message, then to deliver it.
SEND_DELAY_S = 1.0
DELIVERY_DELAY_S = 2.0
# Error 30006 "Landline or unreachable carrier".
UNREACHABLE = 30006
# The regions whose numbers the account may text (Messaging geo permissions): France and its
# overseas departments, where the helplines are.
DEFAULT_SMS_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
SMS_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@dataclass
class Message:
    """One outbound SMS, as the Message resource describes it."""

    sid: str
    account_sid: str
    from_: str
    to: str
    body: str
    created_at: datetime
    updated_at: datetime
    status: str = "queued"
    status_callback: str | None = None
    sent_at: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    num_segments: int = 1


def segments(body: str) -> int:
    """SMS segments of a body: 160 GSM characters (153 when split), 70 UCS-2 (67 when split)."""
    gsm = all(ord(c) < 128 or c in "éèùìòÉàç€£¥ÄÖÑÜ§äöñüß" for c in body)
    single, part = (160, 153) if gsm else (70, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // part)


def message_json(message: Message) -> dict[str, Any]:
    """A message as `api.v2010.account.message`."""
    base = f"/{API_VERSION}/Accounts/{message.account_sid}/Messages/{message.sid}"
    return {
        "body": message.body,
        "num_segments": str(message.num_segments),
        "direction": "outbound-api",
        "from": message.from_,
        "to": message.to,
        "date_updated": rfc2822(message.updated_at),
        "price": None,
        "error_message": message.error_message,
        "uri": f"{base}.json",
        "account_sid": message.account_sid,
        "num_media": "0",
        "status": message.status,
        "messaging_service_sid": None,
        "sid": message.sid,
        "date_sent": rfc2822(message.sent_at),
        "date_created": rfc2822(message.created_at),
        "error_code": message.error_code,
        "price_unit": "USD",
        "api_version": API_VERSION,
        "subresource_uris": {
            "media": f"{base}/Media.json",
            "feedback": f"{base}/Feedback.json",
        },
    }


def _phone(address: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


class MessagingMixin:
    """The Messages resource of a sandbox (mixed into ``Sandbox``)."""

    messages: dict[str, Message]
    sms_regions: frozenset[str]
    # Numbers of the account that cannot send SMS (a voice-only number), and handsets that are
    # switched off or out of reach (their messages end ``undelivered``).
    sms_incapable: set[str]
    unreachable_handsets: set[str]

    def init_messaging(self) -> None:
        """No message yet; the default geo permissions."""
        self.messages = {}
        self.sms_regions = DEFAULT_SMS_REGIONS
        self.sms_incapable = set()
        self.unreachable_handsets = set()

    def _engine(self) -> Engine:
        return self  # type: ignore[return-value]

    def create_message(self, form: dict[str, Any]) -> Message:
        """CreateMessage: validated as Twilio validates it, then queued for delivery."""
        engine = self._engine()
        to, from_ = str(form.get("To") or ""), str(form.get("From") or "")
        body = str(form.get("Body") or "")
        if not to:
            raise SandboxError(400, 21604, "A 'To' phone number is required.")
        if not from_ and not form.get("MessagingServiceSid"):
            raise SandboxError(400, 21603, "A 'From' phone number is required.")
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            raise SandboxError(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            raise SandboxError(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if not from_:
            raise SandboxError(
                400, 21701, f"The Messaging Service Sid {form['MessagingServiceSid']} is invalid."
            )
        number = _phone(to)
        if number is None:
            raise SandboxError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        with engine.lock:
            if from_ not in engine.numbers:
                raise SandboxError(
                    400,
                    21659,
                    f"'From' {from_} is not a Twilio phone number or Short Code country mismatch",
                )
            if from_ in self.sms_incapable:
                raise SandboxError(
                    400,
                    21606,
                    f"The 'From' phone number provided ({from_}) is not a valid message-capable "
                    "Twilio phone number for this destination/account.",
                )
            if phonenumbers.region_code_for_number(number) not in self.sms_regions:
                raise SandboxError(
                    400,
                    21408,
                    "Permission to send an SMS has not been enabled for the region indicated by "
                    f"the 'To' number: {to}.",
                )
            if phonenumbers.number_type(number) not in SMS_TYPES:
                raise SandboxError(400, 21614, f"'To' number {to} is not a valid mobile number")
            now = engine.now()
            message = Message(
                sid=new_sid("SM"),
                account_sid=engine.account_sid,
                from_=from_,
                to=to,
                body=body,
                created_at=now,
                updated_at=now,
                status_callback=form.get("StatusCallback") or None,
                num_segments=segments(body),
            )
            self.messages[message.sid] = message
            engine._schedule(SEND_DELAY_S, lambda: self._message_sent(message))
            return message

    def _message_sent(self, message: Message) -> None:
        engine = self._engine()
        message.status, message.sent_at = "sent", engine.now()
        message.updated_at = message.sent_at
        self._message_status(message)
        engine._schedule(DELIVERY_DELAY_S, lambda: self._message_delivered(message))

    def _message_delivered(self, message: Message) -> None:
        if message.to in self.unreachable_handsets:
            message.status, message.error_code = "undelivered", UNREACHABLE
            message.error_message = "Landline or unreachable carrier"
        else:
            message.status = "delivered"
        message.updated_at = self._engine().now()
        self._message_status(message)

    def _message_status(self, message: Message) -> None:
        if message.status_callback is None:
            return
        params = {
            "AccountSid": message.account_sid,
            "ApiVersion": API_VERSION,
            "From": message.from_,
            "MessageSid": message.sid,
            "MessageStatus": message.status,
            "SmsSid": message.sid,
            "SmsStatus": message.status,
            "To": message.to,
        }
        if message.error_code is not None:
            params["ErrorCode"] = str(message.error_code)
        self._engine()._webhook("message-status", message.status_callback, "POST", params, None)

    def texts_to(self, phone: str) -> list[Message]:
        """What a phone received: the messages delivered to it, oldest first."""
        with self._engine().lock:
            return [m for m in self.messages.values() if m.to == phone and m.status == "delivered"]
