"""Twilio's webhook requests as its documentation describes them, every parameter included.

Written from Twilio's documentation pages (cited at each builder), not from our sandbox: the
parameter names, which ones come with which request, and the shape of their values. The extras
Twilio sends that the app does not use (geographic lookups, ``CallToken``, ``StirVerstat``,
``SipResponseCode``, ``CallbackSource``…) are there on purpose: the app must accept them.

Values are realistic for a French helpline: E.164 numbers of France, SIDs of the right prefix
and length, timestamps in RFC 2822, the empty strings Twilio sends when a lookup finds nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime

API_VERSION = "2010-04-01"


def sid(prefix: str, seed: str) -> str:
    """A SID of Twilio's shape: two letters and 32 hex digits (e.g. CA…, CF…, RE…)."""
    return prefix + hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()


def rfc2822(moment: datetime) -> str:
    """Twilio's timestamp format, e.g. 'Mon, 23 Nov 2026 09:00:00 +0000'."""
    return format_datetime(moment)


def _geography(prefix: str, number: str) -> dict[str, str]:
    # Twilio looks the numbers up and sends what it found; for French numbers the city, state
    # and zip come back empty and only the country is known.
    if not number.startswith("+"):
        return {}
    country = "FR" if number.startswith("+33") else "US"
    return {
        f"{prefix}City": "",
        f"{prefix}State": "",
        f"{prefix}Zip": "",
        f"{prefix}Country": country,
    }


def voice_request(
    *,
    account_sid: str,
    call_sid: str,
    from_: str,
    to: str,
    call_status: str,
    direction: str,
    parent_call_sid: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The parameters of every TwiML voice request (the Voice URL, action URLs, redirects).

    https://www.twilio.com/docs/voice/twiml#request-parameters: CallSid, AccountSid, From, To,
    CallStatus, ApiVersion, Direction, ForwardedFrom, CallerName, ParentCallSid, CallToken;
    plus the geographic data Twilio looks up (FromCity, FromState, FromZip, FromCountry, ToCity,
    ToState, ToZip, ToCountry) and the legacy Caller/Called twins with their own geography
    (CallerCity… CalledCountry). Twilio sends them on every voice request, POST by default.
    """
    form = {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call_sid,
        "CallStatus": call_status,
        "Called": to,
        "Caller": from_,
        "Direction": direction,
        "From": from_,
        "To": to,
        **_geography("Called", to),
        **_geography("Caller", from_),
        **_geography("From", from_),
        **_geography("To", to),
    }
    if parent_call_sid:
        form["ParentCallSid"] = parent_call_sid
    form.update(extra)
    return form


def inbound_call(
    *, account_sid: str, call_sid: str, from_: str, to: str, call_status: str = "ringing"
) -> dict[str, str]:
    """A professional dials the helpline: the request to the number's Voice URL.

    https://www.twilio.com/docs/voice/twiml#request-parameters. ``CallToken`` comes with
    inbound calls to a Twilio number (it lets the app forward the call keeping the caller's
    identity, https://www.twilio.com/docs/voice/api/call-resource, CreateCall ``CallToken``);
    ``StirVerstat`` carries the SHAKEN/STIR verification of the caller ID
    (https://www.twilio.com/docs/voice/trusted-calling-with-shakenstir, "StirVerstat");
    ``CallerName`` is sent empty when caller-name lookup is off.
    """
    return voice_request(
        account_sid=account_sid,
        call_sid=call_sid,
        from_=from_,
        to=to,
        call_status=call_status,
        direction="inbound",
        CallToken=(
            '{"parentCallInfoToken":"eyJhbGciOiJFUzI1NiJ9.eyJjYWxsU2lkIjoiQ0EifQ.c2lnbmF0dXJl",'
            '"identityHeaderTokens":[]}'
        ),
        StirVerstat="TN-Validation-Passed-B",
        CallerName="",
    )


def outbound_answered(
    *, account_sid: str, call_sid: str, from_: str, to: str, **extra: str
) -> dict[str, str]:
    """A leg the app created with the REST API was answered: the request to its ``Url``.

    https://www.twilio.com/docs/voice/api/call-resource ("Url": the TwiML fetched when the
    call connects) with the request parameters of
    https://www.twilio.com/docs/voice/twiml#request-parameters; Direction is ``outbound-api``
    and a call created by the REST API has no ParentCallSid. A Client leg (``client:name``)
    has no geography.
    """
    return voice_request(
        account_sid=account_sid,
        call_sid=call_sid,
        from_=from_,
        to=to,
        call_status="in-progress",
        direction="outbound-api",
        **extra,
    )


def gather_digits(base: dict[str, str], digits: str, finished_on_key: str = "") -> dict[str, str]:
    """A <Gather> action after key presses.

    https://www.twilio.com/docs/voice/twiml/gather#action: the standard request parameters plus
    ``Digits`` (the keys pressed, without the finishing key) and ``FinishedOnKey`` (the key that
    ended the input, empty when it ended on ``numDigits`` or the timeout).
    """
    return {**base, "CallStatus": "in-progress", "Digits": digits, "FinishedOnKey": finished_on_key}


def gather_speech(base: dict[str, str], said: str, confidence: str) -> dict[str, str]:
    """A <Gather input="speech"> action.

    https://www.twilio.com/docs/voice/twiml/gather#action: ``SpeechResult`` (the transcription)
    and ``Confidence`` (between 0.0 and 1.0, a decimal string).
    """
    return {**base, "CallStatus": "in-progress", "SpeechResult": said, "Confidence": confidence}


def call_progress(
    base: dict[str, str],
    status: str,
    sequence: int,
    at: datetime,
    *,
    duration_s: int | None = None,
    sip_response_code: str | None = None,
    answered_by: str | None = None,
) -> dict[str, str]:
    """A status callback of a call (StatusCallback with StatusCallbackEvent).

    https://www.twilio.com/docs/voice/api/call-resource#statuscallback and #statuscallbackevent:
    the standard request parameters plus ``CallbackSource`` (``call-progress-events``),
    ``Timestamp`` (RFC 2822), ``SequenceNumber`` (from 0, in the order of the events);
    the final event adds ``CallDuration`` and ``Duration`` (billed minutes), and the SIP code
    of the leg's end (``SipResponseCode``). With answering machine detection, ``AnsweredBy``
    (https://www.twilio.com/docs/voice/answering-machine-detection).
    """
    form = {
        **base,
        "CallStatus": status,
        "CallbackSource": "call-progress-events",
        "SequenceNumber": str(sequence),
        "Timestamp": rfc2822(at),
    }
    if duration_s is not None:
        form["CallDuration"] = str(duration_s)
        form["Duration"] = str(max(1, -(-duration_s // 60)))
    if sip_response_code is not None:
        form["SipResponseCode"] = sip_response_code
    if answered_by is not None:
        form["AnsweredBy"] = answered_by
    return form


def conference_event(
    *,
    account_sid: str,
    conference_sid: str,
    friendly_name: str,
    event: str,
    sequence: int,
    at: datetime,
    call_sid: str | None = None,
    label: str | None = None,
    start_on_enter: bool = True,
    end_on_exit: bool = False,
    **extra: str,
) -> dict[str, str]:
    """A conference status callback (the statusCallback of <Conference>).

    https://www.twilio.com/docs/voice/twiml/conference#attributes-statusCallback-parameters:
    ConferenceSid, FriendlyName, AccountSid, SequenceNumber, Timestamp, StatusCallbackEvent
    (``conference-start``, ``conference-end``, ``participant-join``, ``participant-leave``…);
    participant events add CallSid, Muted, Hold, Coaching, EndConferenceOnExit,
    StartConferenceOnEnter and the ParticipantLabel. A participant-leave adds
    ParticipantCallStatus and ReasonParticipantLeft
    (https://www.twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added);
    conference-end adds CallSidEndingConference, ParticipantLabelEndingConference,
    ReasonConferenceEnded and Reason.
    """
    form = {
        "AccountSid": account_sid,
        "ConferenceSid": conference_sid,
        "FriendlyName": friendly_name,
        "SequenceNumber": str(sequence),
        "StatusCallbackEvent": event,
        "Timestamp": rfc2822(at),
    }
    if call_sid is not None:
        form.update(
            {
                "CallSid": call_sid,
                "Coaching": "false",
                "EndConferenceOnExit": str(end_on_exit).lower(),
                "Hold": "false",
                "Muted": "false",
                "StartConferenceOnEnter": str(start_on_enter).lower(),
            }
        )
    if label is not None:
        form["ParticipantLabel"] = label
    form.update(extra)
    return form


def record_action(
    base: dict[str, str], recording_sid: str, duration_s: int, digits: str = "#"
) -> dict[str, str]:
    """The <Record> action after a message.

    https://www.twilio.com/docs/voice/twiml/record#attributes-action: the standard request
    parameters plus ``RecordingUrl``, ``RecordingDuration``, ``RecordingSid`` and ``Digits``
    (the key that ended the recording, or ``hangup`` when the caller hung up).
    """
    return {
        **base,
        "CallStatus": "completed" if digits == "hangup" else "in-progress",
        "Digits": digits,
        "RecordingDuration": str(duration_s),
        "RecordingSid": recording_sid,
        "RecordingUrl": recording_url(base["AccountSid"], recording_sid),
    }


def recording_url(account_sid: str, recording_sid: str) -> str:
    """Where Twilio keeps a recording's media (no extension: the client picks .wav or .mp3)."""
    return f"https://api.twilio.com/{API_VERSION}/Accounts/{account_sid}/Recordings/{recording_sid}"


def recording_status(
    *,
    account_sid: str,
    call_sid: str,
    recording_sid: str,
    status: str,
    duration_s: int,
    started_at: datetime,
    source: str = "RecordVerb",
) -> dict[str, str]:
    """A recordingStatusCallback.

    https://www.twilio.com/docs/voice/twiml/record#attributes-recording-status-callback and
    https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback: AccountSid,
    CallSid, RecordingSid, RecordingUrl, RecordingStatus (``in-progress``, ``completed``,
    ``absent``, ``failed``), RecordingDuration, RecordingChannels, RecordingStartTime,
    RecordingSource, RecordingTrack and ErrorCode (0 when none). No From, To nor CallStatus.
    """
    return {
        "AccountSid": account_sid,
        "CallSid": call_sid,
        "ErrorCode": "0",
        "RecordingChannels": "1",
        "RecordingDuration": str(duration_s),
        "RecordingSid": recording_sid,
        "RecordingSource": source,
        "RecordingStartTime": rfc2822(started_at),
        "RecordingStatus": status,
        "RecordingTrack": "both",
        "RecordingUrl": recording_url(account_sid, recording_sid),
    }


def amd_result(
    *, account_sid: str, call_sid: str, answered_by: str, detection_ms: int
) -> dict[str, str]:
    """The asynchronous answering-machine-detection callback (AsyncAmdStatusCallback).

    https://www.twilio.com/docs/voice/answering-machine-detection ("AsyncAmd" callback
    parameters): CallSid, AccountSid, AnsweredBy (``human``, ``machine_start``,
    ``machine_end_beep``, ``machine_end_silence``, ``machine_end_other``, ``fax``,
    ``unknown``) and MachineDetectionDuration in milliseconds. No From, To nor CallStatus.
    With synchronous detection, AnsweredBy comes with the answered leg's Url request instead
    (``outbound_answered(..., AnsweredBy="machine_start")``).
    """
    return {
        "AccountSid": account_sid,
        "AnsweredBy": answered_by,
        "CallSid": call_sid,
        "MachineDetectionDuration": str(detection_ms),
    }


def dial_action(
    base: dict[str, str], status: str, dialed_sid: str | None, duration_s: int | None
) -> dict[str, str]:
    """The <Dial> action when the dialled party hangs up or is not reached.

    https://www.twilio.com/docs/voice/twiml/dial#action: the standard request parameters plus
    DialCallStatus (``completed``, ``answered``, ``busy``, ``no-answer``, ``failed``,
    ``canceled``), DialCallSid and DialCallDuration (absent when nobody answered), and
    DialBridged.
    """
    form = {**base, "DialCallStatus": status, "DialBridged": str(status == "completed").lower()}
    if dialed_sid is not None:
        form["DialCallSid"] = dialed_sid
    if duration_s is not None:
        form["DialCallDuration"] = str(duration_s)
    return form


def sdk_outgoing(
    *, account_sid: str, application_sid: str, call_sid: str, identity: str, **params: str
) -> dict[str, str]:
    """A browser (Voice JavaScript SDK) places a call: the request to the TwiML App's Voice URL.

    https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#deviceconnectconnectoptions:
    the ``params`` given to ``device.connect()`` arrive as form parameters of their own beside
    the standard ones; From and Caller are ``client:<identity>``, To is empty unless a ``To``
    param is passed, and ApplicationSid names the TwiML App. No geography for a client.
    """
    return {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "ApplicationSid": application_sid,
        "CallSid": call_sid,
        "CallStatus": "ringing",
        "Called": "",
        "Caller": f"client:{identity}",
        "Direction": "inbound",
        "From": f"client:{identity}",
        "To": "",
        **params,
    }


def message_status(
    *, account_sid: str, message_sid: str, from_: str, to: str, status: str,
    error_code: str | None = None,
) -> dict[str, str]:  # fmt: skip
    """A Messaging status callback: the message's SID and status (with the legacy SmsSid and
    SmsStatus), the account, From, To, ApiVersion, and ErrorCode when it did not arrive."""
    form = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "AccountSid": account_sid,
        "From": from_,
        "To": to,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": API_VERSION,
    }
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form
