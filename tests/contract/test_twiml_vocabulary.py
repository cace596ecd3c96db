"""The TwiML vocabulary check itself: it passes Twilio's own examples and names every fault."""

from __future__ import annotations

import pytest

from tests.contract.twiml_vocabulary import twiml_violations

# Twilio's examples: https://www.twilio.com/docs/voice/twiml/gather (nested <Say>),
# https://www.twilio.com/docs/voice/twiml/conference (statusCallbackEvent), /record, /number.
DOCUMENTED = [
    '<Response><Gather input="speech dtmf" timeout="3" numDigits="1" action="https://x.example/g">'
    "<Say>Please press 1 or say sales for sales.</Say></Gather></Response>",
    '<Response><Dial><Conference statusCallback="https://x.example/c" '
    'statusCallbackEvent="start end join leave mute hold" participantLabel="customer" '
    'beep="onEnter" waitUrl="">Room 1234</Conference></Dial></Response>',
    '<Response><Record timeout="10" transcribe="true" maxLength="20" finishOnKey="#"/></Response>',
    '<Response><Dial callerId="+33561000000" timeout="20"><Number sendDigits="wwww1928" '
    'machineDetection="Enable" statusCallbackEvent="initiated ringing answered completed">'
    "+33140000000</Number></Dial></Response>",
    '<Response><Say voice="Polly.Lea-Neural" language="fr-FR">Bonjour'
    '<break strength="x-weak" time="100ms"/></Say><Play loop="0">https://x.example/m.mp3</Play>'
    '<Pause length="2"/><Redirect method="POST">https://x.example/r</Redirect><Hangup/></Response>',
]


@pytest.mark.parametrize("document", DOCUMENTED)
def test_documented_examples_pass(document: str) -> None:
    assert twiml_violations(document) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<Response><Speak>Bonjour</Speak></Response>", "unknown element <Speak>"),
        (
            '<Response><Gather numDigit="1"/></Response>',
            "<Gather> has no attribute 'numDigit'",
        ),
        (
            '<Response><Gather input="keys"/></Response>',
            "<Gather input='keys'> is not a value Twilio takes",
        ),
        (
            '<Response><Dial><Conference statusCallbackEvent="start talk">r</Conference></Dial>'
            "</Response>",
            "statusCallbackEvent='start talk'",
        ),
        ('<Response><Record method="PUT"/></Response>', "<Record method='PUT'>"),
        (
            '<Response><Dial><Number sendDigits="1234x">+33140000000</Number></Dial></Response>',
            "sendDigits='1234x'",
        ),
        ("<Response><Gather><Dial>+33140000000</Dial></Gather></Response>", "<Dial> cannot be"),
        ("<Response><Hangup>now</Hangup></Response>", "<Hangup> takes no text"),
        ("<Reply/>", "root element is <Reply>"),
        ("<Response>", "not XML"),
    ],
)
def test_each_fault_is_named(document: str, expected: str) -> None:
    problems = twiml_violations(document)
    assert any(expected in problem for problem in problems), problems
