"""Twilio's webhook forms parsed into small dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class WebhookFormError(ValueError):
    """A webhook form lacks a parameter Twilio always sends, or has a malformed one."""


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
        call_sid=_required(form, "CallSid"),
        account_sid=_required(form, "AccountSid"),
        from_=form.get("From", ""),
        to=form.get("To", ""),
        call_status=form.get("CallStatus", ""),
        direction=form.get("Direction", "inbound"),
        parent_call_sid=form.get("ParentCallSid") or None,
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


def _integer(form: Mapping[str, str], name: str) -> int | None:
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise WebhookFormError(f"{name} is not a whole number: {value!r}") from None


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
        conference_sid=_required(form, "ConferenceSid"),
        friendly_name=form.get("FriendlyName", "").strip(),
        event=_required(form, "StatusCallbackEvent"),
        call_sid=form.get("CallSid", "").strip() or None,
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
        call_sid=_required(form, "CallSid"),
        recording_sid=sid,
        url=url,
        duration_s=_integer(form, "RecordingDuration") or 0,
    )
