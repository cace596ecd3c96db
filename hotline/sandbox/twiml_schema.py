"""The TwiML voice schema the sandbox checks documents against, written from Twilio's TwiML docs.

Each element lists its attributes and what each accepts, and the elements it may contain. Sources:
the attribute tables of twilio.com/docs/voice/twiml/{say,play,pause,gather,record,redirect,hangup,
reject,dial,number,client,conference,sip,queue,enqueue,leave} ("Attribute name / Accepted values /
Default value"), and the nouns each verb accepts ("You can nest the following verbs within
<Gather>: <Pause> <Play> <Say>"; <Dial>'s nouns; <Client>'s <Identity> and <Parameter>).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# An attribute check answers None when the value is acceptable, else what was expected.
Check = Callable[[str], str | None]


def one_of(*values: str) -> Check:
    """A value from a fixed list (TwiML is case-sensitive: `true`, not `True`)."""
    allowed = frozenset(values)

    def check(value: str) -> str | None:
        return None if value in allowed else "one of " + ", ".join(values)

    return check


def list_of(*values: str) -> Check:
    """A space-separated list of values from a fixed list (statusCallbackEvent...)."""
    allowed = frozenset(values)

    def check(value: str) -> str | None:
        words = value.replace(",", " ").split()
        ok = bool(words) and all(word in allowed for word in words)
        return None if ok else "a space-separated list of " + ", ".join(values)

    return check


def _method(value: str) -> str | None:
    return None if value.upper() in ("GET", "POST") else "GET or POST"


def _positive_int(value: str) -> str | None:
    return None if re.fullmatch(r"\s*[1-9][0-9]*\s*", value) else "a positive integer"


def _non_negative_int(value: str) -> str | None:
    return None if re.fullmatch(r"\s*[0-9]+\s*", value) else "a non-negative integer"


def _any(value: str) -> str | None:
    return None


BOOL = one_of("true", "false")
METHOD: Check = _method
POSITIVE_INT: Check = _positive_int
NON_NEGATIVE_INT: Check = _non_negative_int
URL: Check = _any
TEXT: Check = _any
# Keys a <Gather>/<Record> may finish on: "0-9, #, *, and '' (the empty string)".
KEYS: Check = lambda value: None if re.fullmatch(r"[0-9#*]*", value) else "keys among 0-9 # *"  # noqa: E731
CALL_EVENTS = list_of("initiated", "ringing", "answered", "completed")
CONFERENCE_EVENTS = list_of(
    "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"
)
RECORDING_EVENTS = list_of("in-progress", "completed", "absent")
RECORD_MODES = one_of(
    "do-not-record",
    "record-from-answer",
    "record-from-ringing",
    "record-from-answer-dual",
    "record-from-ringing-dual",
    "true",
    "false",
)
TRIM = one_of("trim-silence", "do-not-trim")
MACHINE_DETECTION = one_of("Enable", "DetectMessageEnd")


@dataclass(frozen=True)
class Element:
    """One TwiML element: its attributes (name -> check) and the elements it may contain."""

    attributes: dict[str, Check] = field(default_factory=dict)
    children: frozenset[str] = frozenset()
    any_attributes: bool = False  # a verb the sandbox knows of but does not check in detail
    any_children: bool = False  # SSML inside <Say>


_NOUN_CALLBACKS: dict[str, Check] = {
    "url": URL,
    "method": METHOD,
    "statusCallbackEvent": CALL_EVENTS,
    "statusCallback": URL,
    "statusCallbackMethod": METHOD,
}
_AMD: dict[str, Check] = {
    "machineDetection": MACHINE_DETECTION,
    "amdStatusCallback": URL,
    "amdStatusCallbackMethod": METHOD,
    "machineDetectionTimeout": POSITIVE_INT,
    "machineDetectionSpeechThreshold": POSITIVE_INT,
    "machineDetectionSpeechEndThreshold": POSITIVE_INT,
    "machineDetectionSilenceTimeout": POSITIVE_INT,
}
_SAY = Element({"voice": TEXT, "loop": NON_NEGATIVE_INT, "language": TEXT}, any_children=True)
# <Play digits>: "0-9, #, * and w (a half-second pause)".
_PLAY = Element(
    {
        "loop": NON_NEGATIVE_INT,
        "digits": lambda v: None if re.fullmatch(r"[0-9#*wW]+", v) else "DTMF digits 0-9 # * w",
    }
)
_PAUSE = Element({"length": POSITIVE_INT})
_PARAMETER = Element({"name": TEXT, "value": TEXT})

# The elements allowed at the top level of <Response> (the verbs).
VERBS: dict[str, Element] = {
    "Say": _SAY,
    "Play": _PLAY,
    "Pause": _PAUSE,
    "Gather": Element(
        {
            "action": URL,
            "actionOnEmptyResult": BOOL,
            "enhanced": BOOL,
            "finishOnKey": one_of("", "#", "*", *"0123456789"),
            "hints": TEXT,
            "input": one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
            "language": TEXT,
            "method": METHOD,
            "numDigits": POSITIVE_INT,
            "partialResultCallback": URL,
            "partialResultCallbackMethod": METHOD,
            "profanityFilter": BOOL,
            "speechModel": TEXT,
            "speechTimeout": lambda v: None if v == "auto" else _positive_int(v),
            "timeout": POSITIVE_INT,
            "maxSpeechTime": POSITIVE_INT,
            "bargeIn": BOOL,
            "debug": BOOL,
        },
        children=frozenset({"Say", "Play", "Pause"}),
    ),
    "Record": Element(
        {
            "action": URL,
            "method": METHOD,
            "timeout": NON_NEGATIVE_INT,
            "finishOnKey": KEYS,
            "maxLength": POSITIVE_INT,
            "playBeep": BOOL,
            "trim": TRIM,
            "recordingStatusCallback": URL,
            "recordingStatusCallbackMethod": METHOD,
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "transcribe": BOOL,
            "transcribeCallback": URL,
        }
    ),
    "Redirect": Element({"method": METHOD}),
    "Hangup": Element(),
    "Reject": Element({"reason": one_of("rejected", "busy")}),
    "Dial": Element(
        {
            "action": URL,
            "method": METHOD,
            "timeout": POSITIVE_INT,
            "hangupOnStar": BOOL,
            "timeLimit": POSITIVE_INT,
            "callerId": TEXT,
            "record": RECORD_MODES,
            "trim": TRIM,
            "recordingStatusCallback": URL,
            "recordingStatusCallbackMethod": METHOD,
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "recordingTrack": one_of("both", "inbound", "outbound"),
            "answerOnBridge": BOOL,
            "ringTone": TEXT,
            "sequential": BOOL,
            "referUrl": URL,
            "referMethod": METHOD,
            "events": TEXT,
        },
        children=frozenset({"Number", "Client", "Conference", "Sip", "Queue", "Application"}),
    ),
    "Leave": Element(),
    "Enqueue": Element(
        {
            "action": URL,
            "method": METHOD,
            "waitUrl": URL,
            "waitUrlMethod": METHOD,
            "workflowSid": TEXT,
            "maxQueueSize": POSITIVE_INT,
        },
        children=frozenset({"Task"}),
    ),
    # Verbs Twilio knows and the sandbox does not play: accepted, not checked in detail.
    "Connect": Element(any_attributes=True, any_children=True),
    "Start": Element(any_attributes=True, any_children=True),
    "Stop": Element(any_attributes=True, any_children=True),
    "Echo": Element(any_attributes=True),
    "Refer": Element(any_attributes=True, any_children=True),
    "Pay": Element(any_attributes=True, any_children=True),
    "Prompt": Element(any_attributes=True, any_children=True),
    "Sms": Element(any_attributes=True),
    "Message": Element(any_attributes=True, any_children=True),
}

# The elements each verb or noun may contain, by name.
NOUNS: dict[str, dict[str, Element]] = {
    "Gather": {"Say": _SAY, "Play": _PLAY, "Pause": _PAUSE},
    "Dial": {
        "Number": Element({"sendDigits": TEXT, "byoc": TEXT, **_NOUN_CALLBACKS, **_AMD}),
        "Client": Element(_NOUN_CALLBACKS, children=frozenset({"Identity", "Parameter"})),
        "Conference": Element(
            {
                "muted": BOOL,
                "beep": one_of("true", "false", "onEnter", "onExit"),
                "startConferenceOnEnter": BOOL,
                "endConferenceOnExit": BOOL,
                "participantLabel": TEXT,
                "jitterBufferSize": one_of("small", "medium", "large", "off"),
                "waitUrl": URL,
                "waitMethod": METHOD,
                "maxParticipants": POSITIVE_INT,
                "record": one_of("do-not-record", "record-from-start"),
                "region": one_of("us1", "ie1", "de1", "sg1", "br1", "au1", "jp1"),
                "trim": TRIM,
                "coach": TEXT,
                "statusCallbackEvent": CONFERENCE_EVENTS,
                "statusCallback": URL,
                "statusCallbackMethod": METHOD,
                "recordingStatusCallback": URL,
                "recordingStatusCallbackMethod": METHOD,
                "recordingStatusCallbackEvent": RECORDING_EVENTS,
                "eventCallbackUrl": URL,
            }
        ),
        "Sip": Element(
            {"username": TEXT, "password": TEXT, **_NOUN_CALLBACKS, **_AMD},
            children=frozenset({"Parameter"}),
        ),
        "Queue": Element(
            {
                "url": URL,
                "method": METHOD,
                "reservationSid": TEXT,
                "postWorkActivitySid": TEXT,
            }
        ),
        "Application": Element(
            {"copyParentTo": BOOL, "customerId": TEXT, **_NOUN_CALLBACKS},
            children=frozenset({"ApplicationSid", "Parameter"}),
        ),
    },
    "Client": {"Identity": Element(), "Parameter": _PARAMETER},
    "Sip": {"Parameter": _PARAMETER},
    "Application": {"ApplicationSid": Element(), "Parameter": _PARAMETER},
    "Enqueue": {"Task": Element({"priority": NON_NEGATIVE_INT, "timeout": POSITIVE_INT})},
}
