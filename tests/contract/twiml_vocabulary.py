"""TwiML's voice vocabulary as Twilio documents it: verbs, nouns, attributes and their values.

From the verb pages of https://www.twilio.com/docs/voice/twiml (one page a verb, e.g.
https://www.twilio.com/docs/voice/twiml/gather "Attributes"). ``twiml_violations`` lists every
element, attribute or value of a document that Twilio does not know: the check our webhook
answers must pass before a real Twilio reads them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

Check = Callable[[str], bool]

_INT = re.compile(r"^\d+$")
_URL = re.compile(r"^https?://[^\s#]+(#\S*)?$")


def _positive(value: str) -> bool:
    return bool(_INT.match(value)) and int(value) > 0


def _non_negative(value: str) -> bool:
    return bool(_INT.match(value))


def _bool(value: str) -> bool:
    return value in ("true", "false")


def _one_of(*allowed: str) -> Check:
    return lambda value: value in allowed


def _words_of(*allowed: str) -> Check:
    return lambda value: bool(value.split()) and all(v in allowed for v in value.split())


def _url(value: str) -> bool:
    # Relative URLs are allowed by Twilio; ours are absolute and public, which is stricter.
    return bool(_URL.match(value))


def _keys(value: str) -> bool:
    return all(c in "0123456789#*" for c in value)


_METHOD = _one_of("GET", "POST")
_CALL_EVENTS = _words_of("initiated", "ringing", "answered", "completed")
_RECORDING_EVENTS = _words_of("in-progress", "completed", "absent")
_TRIM = _one_of("trim-silence", "do-not-trim")
# https://www.twilio.com/docs/voice/twiml/say#language and the Polly/Google voices of
# https://www.twilio.com/docs/voice/twiml/say/text-speech#available-voices-and-languages.
_VOICE = re.compile(r"^(man|woman|alice|Polly\.[A-Za-z]+(-Neural|-Generative)?|Google\.\S+)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}$")
# https://www.twilio.com/docs/voice/twiml/play#attributes-digits: 0-9, #, * and w (half second).
_PLAY_DIGITS = re.compile(r"^[0-9#*w]+$")
# https://www.twilio.com/docs/voice/twiml/number#attributes-sendDigits (the REST SendDigits too).
_SEND_DIGITS = re.compile(r"^[0-9A-D#*wW]{1,32}$")


@dataclass(frozen=True)
class Element:
    """What Twilio accepts of one element: its attributes (with a value check) and children."""

    attributes: dict[str, Check] = field(default_factory=dict)
    children: frozenset[str] = frozenset()
    text: bool = False


_SSML = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)
_STATUS_CALLBACK = {
    "statusCallback": _url,
    "statusCallbackEvent": _CALL_EVENTS,
    "statusCallbackMethod": _METHOD,
    "url": _url,
    "method": _METHOD,
}

VOCABULARY: dict[str, Element] = {
    "Response": Element(
        children=frozenset(
            {
                "Connect",
                "Dial",
                "Echo",
                "Enqueue",
                "Gather",
                "Hangup",
                "Leave",
                "Pause",
                "Pay",
                "Play",
                "Record",
                "Redirect",
                "Refer",
                "Reject",
                "Say",
                "Sms",
                "Start",
                "Stop",
            }
        )
    ),
    # https://www.twilio.com/docs/voice/twiml/say
    "Say": Element(
        {
            "voice": lambda v: bool(_VOICE.match(v)),
            "loop": _non_negative,
            "language": lambda v: bool(_LANGUAGE.match(v)),
        },
        children=_SSML,
        text=True,
    ),
    # https://www.twilio.com/docs/voice/twiml/play
    "Play": Element(
        {"loop": _non_negative, "digits": lambda v: bool(_PLAY_DIGITS.match(v))}, text=True
    ),
    # https://www.twilio.com/docs/voice/twiml/pause
    "Pause": Element({"length": _positive}),
    # https://www.twilio.com/docs/voice/twiml/gather
    "Gather": Element(
        {
            "action": _url,
            "actionOnEmptyResult": _bool,
            "debug": _bool,
            "dtmfDetection": _bool,
            "enhanced": _bool,
            "finishOnKey": lambda v: v == "" or (len(v) == 1 and _keys(v)),
            "hints": lambda v: True,
            "input": _one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
            "language": lambda v: bool(_LANGUAGE.match(v)),
            "method": _METHOD,
            "numDigits": _positive,
            "partialResultCallback": _url,
            "partialResultCallbackMethod": _METHOD,
            "profanityFilter": _bool,
            "speechModel": lambda v: bool(v),
            "speechTimeout": lambda v: v == "auto" or _non_negative(v),
            "timeout": _positive,
        },
        children=frozenset({"Say", "Play", "Pause"}),
    ),
    # https://www.twilio.com/docs/voice/twiml/dial
    "Dial": Element(
        {
            "action": _url,
            "answerOnBridge": _bool,
            "callerId": lambda v: bool(v),
            "callReason": lambda v: True,
            "events": lambda v: True,
            "hangupOnStar": _bool,
            "method": _METHOD,
            "record": _one_of(
                "do-not-record",
                "record-from-answer",
                "record-from-ringing",
                "record-from-answer-dual",
                "record-from-ringing-dual",
                "true",
                "false",
            ),
            "recordingStatusCallback": _url,
            "recordingStatusCallbackEvent": _RECORDING_EVENTS,
            "recordingStatusCallbackMethod": _METHOD,
            "recordingTrack": _one_of("both", "inbound", "outbound"),
            "referMethod": _METHOD,
            "referUrl": _url,
            "ringTone": lambda v: bool(v),
            "sequential": _bool,
            "timeLimit": _positive,
            "timeout": _positive,
            "trim": _TRIM,
        },
        children=frozenset(
            {"Application", "Client", "Conference", "Number", "Queue", "Sim", "Sip", "WhatsApp"}
        ),
        text=True,
    ),
    # https://www.twilio.com/docs/voice/twiml/number
    "Number": Element(
        {
            **_STATUS_CALLBACK,
            "amdStatusCallback": _url,
            "amdStatusCallbackMethod": _METHOD,
            "byoc": lambda v: v.startswith("BY"),
            "machineDetection": _one_of("Enable", "DetectMessageEnd"),
            "machineDetectionSilenceTimeout": _positive,
            "machineDetectionSpeechEndThreshold": _positive,
            "machineDetectionSpeechThreshold": _positive,
            "machineDetectionTimeout": _positive,
            "sendDigits": lambda v: bool(_SEND_DIGITS.match(v)),
        },
        text=True,
    ),
    # https://www.twilio.com/docs/voice/twiml/client
    "Client": Element(
        dict(_STATUS_CALLBACK), children=frozenset({"Identity", "Parameter"}), text=True
    ),
    "Identity": Element(text=True),
    "Parameter": Element({"name": lambda v: bool(v), "value": lambda v: True}),
    # https://www.twilio.com/docs/voice/twiml/conference
    "Conference": Element(
        {
            "beep": _one_of("true", "false", "onEnter", "onExit"),
            "coach": lambda v: v.startswith("CA"),
            "endConferenceOnExit": _bool,
            "eventCallbackUrl": _url,
            "jitterBufferSize": _one_of("large", "medium", "small", "off"),
            "maxParticipants": lambda v: _positive(v) and 2 <= int(v) <= 250,
            "muted": _bool,
            "participantLabel": lambda v: bool(v),
            "record": _one_of("do-not-record", "record-from-start"),
            "recordingStatusCallback": _url,
            "recordingStatusCallbackEvent": _RECORDING_EVENTS,
            "recordingStatusCallbackMethod": _METHOD,
            "region": _one_of("us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1"),
            "startConferenceOnEnter": _bool,
            "statusCallback": _url,
            "statusCallbackEvent": _words_of(
                "start",
                "end",
                "join",
                "leave",
                "mute",
                "hold",
                "modify",
                "speaker",
                "announcement",
            ),
            "statusCallbackMethod": _METHOD,
            "trim": _TRIM,
            "waitMethod": _METHOD,
            "waitUrl": lambda v: v == "" or _url(v),
        },
        text=True,
    ),
    # https://www.twilio.com/docs/voice/twiml/record
    "Record": Element(
        {
            "action": _url,
            "finishOnKey": _keys,
            "maxLength": _positive,
            "method": _METHOD,
            "playBeep": _bool,
            "recordingStatusCallback": _url,
            "recordingStatusCallbackEvent": _RECORDING_EVENTS,
            "recordingStatusCallbackMethod": _METHOD,
            "timeout": _non_negative,
            "transcribe": _bool,
            "transcribeCallback": _url,
            "trim": _TRIM,
        }
    ),
    # https://www.twilio.com/docs/voice/twiml/redirect
    "Redirect": Element({"method": _METHOD}, text=True),
    # https://www.twilio.com/docs/voice/twiml/hangup and /reject
    "Hangup": Element(),
    "Reject": Element({"reason": _one_of("rejected", "busy")}),
    # https://www.twilio.com/docs/voice/twiml/enqueue and /leave
    "Enqueue": Element(
        {
            "action": _url,
            "method": _METHOD,
            "waitUrl": _url,
            "waitUrlMethod": _METHOD,
            "workflowSid": lambda v: v.startswith("WW"),
        },
        children=frozenset({"Task"}),
        text=True,
    ),
    "Task": Element({"priority": _non_negative, "timeout": _positive}, text=True),
    "Leave": Element(),
}


def twiml_violations(document: bytes | str) -> list[str]:
    """Every element, attribute or value of a voice TwiML document that Twilio does not know."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as error:
        return [f"not XML: {error}"]
    if root.tag != "Response":
        return [f"root element is <{root.tag}>, not <Response>"]
    problems: list[str] = []
    _walk(root, "Response", problems)
    return problems


def _walk(node: ET.Element, where: str, problems: list[str]) -> None:
    known = VOCABULARY.get(node.tag)
    if known is None:
        if node.tag not in _SSML:
            problems.append(f"{where}: unknown element <{node.tag}>")
        return
    for name, value in node.attrib.items():
        check = known.attributes.get(name)
        if check is None:
            problems.append(f"{where}: <{node.tag}> has no attribute {name!r}")
        elif not check(value):
            problems.append(f"{where}: <{node.tag} {name}={value!r}> is not a value Twilio takes")
    if not known.text and (node.text or "").strip():
        problems.append(f"{where}: <{node.tag}> takes no text")
    for index, child in enumerate(node):
        if child.tag not in VOCABULARY and child.tag not in _SSML:
            problems.append(f"{where}: unknown element <{child.tag}>")
            continue
        if child.tag not in known.children:
            problems.append(f"{where}: <{child.tag}> cannot be nested in <{node.tag}>")
            continue
        _walk(child, f"{where}/{child.tag}[{index}]", problems)
