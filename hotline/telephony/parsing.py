"""Twilio's webhook forms parsed into small dataclasses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class WebhookFormError(ValueError):
    """A webhook form lacks a parameter Twilio always sends, or has a malformed one."""


# Every whole number a webhook carries is stored in an INTEGER column (32 bits on PostgreSQL).
MAX_INTEGER = 2**31 - 1
# Twilio's SIDs are two letters and 32 hexadecimal digits; a longer one is not Twilio's.
_SID = re.compile(r"[A-Za-z0-9]{1,34}")
# The language tags the app writes in its own URLs ("ar", "ar-SD", "prs").
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")
# Call statuses Twilio documents for a call's progress (Call resource, status callbacks).
CALL_STATUSES = frozenset(
    {
        "queued",
        "initiated",
        "ringing",
        "in-progress",
        "answered",
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    }
)


def check_printable(items: Iterable[tuple[str, str]]) -> None:
    """Refuse NUL bytes in any parameter: no database column can store them."""
    for name, value in items:
        if "\x00" in name or "\x00" in value:
            raise WebhookFormError(f"NUL byte in parameter {name[:40]!r}")


def bounded_int(value: str | None, name: str, *, minimum: int = 0) -> int | None:
    """A whole number within an INTEGER column's range; None when absent, an error if malformed."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 12 or not re.fullmatch(r"[+-]?[0-9]+", text):
        raise WebhookFormError(f"{name} is not a whole number: {text[:40]!r}")
    number = int(text)
    if not minimum <= number <= MAX_INTEGER:
        raise WebhookFormError(f"{name} is out of range: {text!r}")
    return number


def language_tag(value: str | None, name: str = "language") -> str:
    """A language tag of the app's own URLs; an error if missing or malformed."""
    text = (value or "").strip()
    if not _LANGUAGE_TAG.fullmatch(text):
        raise WebhookFormError(f"missing or malformed {name}: {text[:40]!r}")
    return text


@dataclass(frozen=True)
class VoiceRequest:
    """The standard parameters of every voice webhook."""

    call_sid: str
    account_sid: str
    from_: str
    to: str
    call_status: str
    direction: str
    parent_call_sid: str | None


@dataclass(frozen=True)
class GatherInput:
    """What a caller keyed or said in answer to a <Gather>."""

    digits: str
    speech: str
    confidence: float | None


@dataclass(frozen=True)
class CallStatusCallback:
    """A call-progress event of one leg."""

    call: VoiceRequest
    status: str
    timestamp: datetime | None
    sequence_number: int | None
    duration_s: int | None


def parse_voice_request(form: Mapping[str, str]) -> VoiceRequest:
    """The standard voice parameters."""
    return VoiceRequest(
        call_sid=_sid(form, "CallSid"),
        account_sid=_sid(form, "AccountSid"),
        from_=form.get("From", ""),
        to=form.get("To", ""),
        call_status=form.get("CallStatus", ""),
        direction=form.get("Direction", "inbound"),
        parent_call_sid=_optional_sid(form, "ParentCallSid"),
    )


def parse_gather_input(form: Mapping[str, str]) -> GatherInput:
    """Digits, or speech with its confidence, from a <Gather> action."""
    confidence = form.get("Confidence")
    try:
        parsed_confidence = float(confidence) if confidence else None
    except ValueError:
        parsed_confidence = None
    return GatherInput(
        digits=form.get("Digits", "").strip(),
        speech=form.get("SpeechResult", "").strip(),
        confidence=parsed_confidence,
    )


def parse_call_status(form: Mapping[str, str]) -> CallStatusCallback:
    """A call-progress callback: status, Twilio's timestamp, sequence number and duration."""
    call = parse_voice_request(form)
    status = _required(form, "CallStatus")
    if status not in CALL_STATUSES:
        raise WebhookFormError(f"unknown CallStatus {status[:40]!r}")
    return CallStatusCallback(
        call=call,
        status=status,
        timestamp=_rfc2822(form.get("Timestamp")),
        sequence_number=_integer(form, "SequenceNumber"),
        duration_s=_integer(form, "CallDuration"),
    )


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise WebhookFormError(f"missing {name}")
    return value


def _sid(form: Mapping[str, str], name: str) -> str:
    value = _required(form, name)
    if not _SID.fullmatch(value):
        raise WebhookFormError(f"malformed {name}: {value[:40]!r}")
    return value


def _optional_sid(form: Mapping[str, str], name: str) -> str | None:
    return _sid(form, name) if form.get(name, "").strip() else None


def _integer(form: Mapping[str, str], name: str) -> int | None:
    return bounded_int(form.get(name), name)


def _rfc2822(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ConferenceEvent:
    """A conference status callback: the room's start or end, a participant's join or leave."""

    conference_sid: str
    friendly_name: str
    event: str
    call_sid: str | None
    label: str | None
    timestamp: datetime | None
    sequence_number: int | None
    reason_ended: str | None


@dataclass(frozen=True)
class Recording:
    """A finished <Record>: where the message is and how long it lasts."""

    call_sid: str
    recording_sid: str
    url: str
    duration_s: int


def parse_conference_event(form: Mapping[str, str]) -> ConferenceEvent:
    """A conference status callback's parameters."""
    return ConferenceEvent(
        conference_sid=_sid(form, "ConferenceSid"),
        friendly_name=form.get("FriendlyName", "").strip(),
        event=_required(form, "StatusCallbackEvent"),
        call_sid=_optional_sid(form, "CallSid"),
        label=form.get("ParticipantLabel", "").strip() or None,
        timestamp=_rfc2822(form.get("Timestamp")),
        sequence_number=_integer(form, "SequenceNumber"),
        reason_ended=form.get("ReasonConferenceEnded", "").strip() or None,
    )


def parse_recording(form: Mapping[str, str]) -> Recording | None:
    """The recording of a <Record> action or recording callback; None when nothing was kept."""
    sid = form.get("RecordingSid", "").strip()
    url = form.get("RecordingUrl", "").strip()
    if not sid or not url:
        return None
    return Recording(
        call_sid=_sid(form, "CallSid"),
        recording_sid=_sid(form, "RecordingSid"),
        url=url,
        duration_s=_integer(form, "RecordingDuration") or 0,
    )


# Message statuses Twilio documents (Message resource); a status callback reports one of them.
MESSAGE_STATUSES = frozenset(
    {
        "queued",
        "sending",
        "sent",
        "failed",
        "delivered",
        "undelivered",
        "receiving",
        "received",
        "accepted",
        "scheduled",
        "read",
        "partially_delivered",
        "canceled",
    }
)


@dataclass(frozen=True)
class MessageStatus:
    """A text message's status callback."""

    message_sid: str
    status: str
    error_code: int | None


def parse_message_status(form: Mapping[str, str]) -> MessageStatus:
    """A Messaging status callback: MessageSid, MessageStatus and, when it failed, ErrorCode."""
    status = _required(form, "MessageStatus")
    if status not in MESSAGE_STATUSES:
        raise WebhookFormError(f"unknown MessageStatus {status[:40]!r}")
    return MessageStatus(
        message_sid=_sid(form, "MessageSid"),
        status=status,
        error_code=_integer(form, "ErrorCode"),
    )
