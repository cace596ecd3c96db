"""Generic TwiML helpers: French speech and serialisation."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

FRENCH = "fr-FR"
FRENCH_VOICE = "Polly.Lea-Neural"


def say_fr(target: VoiceResponse | Gather, text: str) -> None:
    """Speak French text with the helpline's voice."""
    target.say(text, language=FRENCH, voice=FRENCH_VOICE)


def to_xml(response: VoiceResponse) -> str:
    """The TwiML document as Twilio expects it."""
    return str(response.to_xml(xml_declaration=True))
