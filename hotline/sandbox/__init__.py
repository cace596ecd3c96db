"""A local stand-in for Twilio: REST API, TwiML executor, signed webhooks and simulated people."""

from hotline.sandbox.clock import ManualClock, RealClock
from hotline.sandbox.engine import SandboxError
from hotline.sandbox.model import Leg, Person, Said
from hotline.sandbox.policies import (
    AgencyMenu,
    Answer,
    Decline,
    Ignore,
    Manual,
    Silent,
    Voicemail,
    VoicemailMessage,
)
from hotline.sandbox.server import Sandbox

__all__ = [
    "AgencyMenu",
    "Answer",
    "Decline",
    "Ignore",
    "Leg",
    "Manual",
    "ManualClock",
    "Person",
    "RealClock",
    "Said",
    "Sandbox",
    "SandboxError",
    "Silent",
    "Voicemail",
    "VoicemailMessage",
]
