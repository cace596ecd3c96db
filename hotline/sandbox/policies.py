"""What a simulated person does when their phone rings, and what a simulated voicemail records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# --- what a simulated person does when their phone rings ------------------------------------


@dataclass(frozen=True)
class Manual:
    """The phone rings until someone answers or declines it by hand (default)."""


@dataclass(frozen=True)
class Answer:
    """Answer after `after_s` s of sandbox time; optionally key `press` at the first Gather."""

    after_s: float = 0.0
    press: str | None = None


@dataclass(frozen=True)
class Decline:
    """Decline at once: the leg ends `busy`."""


@dataclass(frozen=True)
class Ignore:
    """Let it ring: the leg ends `no-answer` when its timeout elapses."""


@dataclass(frozen=True)
class Voicemail:
    """Answers after `after_s`, plays its greeting for `greeting_s`, beeps, records until the
    caller hangs up (or max_s)."""

    after_s: float = 20.0
    greeting_s: float = 6.0
    max_s: float = 120.0


@dataclass(frozen=True)
class AgencyMenu:
    """An interpreting agency's phone menu: answers at once, expects `digits` (its access code
    as DTMF, as sent by SendDigits); with the right digits an interpreter comes on
    `interpreter_after_s` later; with wrong or no digits it hangs up after `timeout_s`."""

    digits: str
    interpreter_after_s: float = 20.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Silent:
    """Answers after `after_s` and never says anything nor presses a key."""

    after_s: float = 0.0


Policy = Manual | Answer | Decline | Ignore | Voicemail | AgencyMenu | Silent


@dataclass
class VoicemailMessage:
    """What a simulated voicemail recorded: everything heard from its beep to the hang-up."""

    started_at: datetime
    max_s: float
    heard: list[str] = field(default_factory=list)
    ended_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds recorded, once the message has ended (never more than the box's maximum)."""
        if self.ended_at is None:
            return None
        return min(self.max_s, (self.ended_at - self.started_at).total_seconds())

    def heard_text(self) -> str:
        """Everything recorded, joined by newlines."""
        return "\n".join(self.heard)
