"""In-memory records of the sandbox: numbers, call legs, conferences, participants, people."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from hotline.sandbox.policies import Manual, Policy, VoicemailMessage
from hotline.sandbox.twiml import Node

if TYPE_CHECKING:
    from hotline.sandbox.host import EngineHost

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
RINGING_STATUSES = frozenset({"queued", "ringing"})


def new_sid(prefix: str) -> str:
    """Return a Twilio-shaped SID: two letters and 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(moment: datetime | None) -> str | None:
    """Format an aware datetime as Twilio does: 'Tue, 31 Aug 2010 20:36:28 +0000'."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


@dataclass
class Number:
    """An incoming number's configuration, like a purchased number in Twilio's console."""

    phone_number: str
    voice_url: str
    method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    sid: str = field(default_factory=lambda: new_sid("PN"))
    friendly_name: str | None = None
    voice_application_sid: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- what a leg is waiting for while its TwiML is blocked -------------------------------------


@dataclass
class Frame:
    """The TwiML document a leg is executing, and where it is in it."""

    url: str | None
    method: str
    verbs: list[Node]
    index: int = 0


@dataclass
class PauseWait:
    """Inside <Pause>."""


@dataclass
class GatherWait:
    """Inside <Gather>: collecting keys or speech."""

    action: str | None
    method: str
    inputs: frozenset[str]
    num_digits: int | None
    finish_on_key: str
    timeout_s: int
    action_on_empty: bool
    digits: str = ""


@dataclass
class RecordWait:
    """Inside <Record>: the person speaks, then presses a key, stays silent or hangs up."""

    action: str | None
    method: str
    max_length_s: int
    timeout_s: int
    finish_on_key: str
    status_callback: str | None
    status_callback_method: str
    seconds: float = 0.0


@dataclass
class DialWait:
    """Inside <Dial> to numbers/clients: child legs ringing, then possibly bridged."""

    action: str | None
    method: str
    timeout_s: int
    time_limit_s: int | None
    hangup_on_star: bool
    record: bool
    children: list[str] = field(default_factory=list)
    answered_sid: str | None = None
    bridged: bool = False
    bridged_at: datetime | None = None
    last_child_status: str = "no-answer"


@dataclass
class ConferenceWait:
    """Inside <Dial><Conference>: the leg is a conference participant."""

    action: str | None
    method: str
    conference_sid: str


Wait = PauseWait | GatherWait | RecordWait | DialWait | ConferenceWait


@dataclass
class ParticipantOptions:
    """How a leg takes part in a conference (TwiML <Conference> attributes or REST fields)."""

    label: str | None = None
    beep: str = "true"
    start_on_enter: bool = True
    end_on_exit: bool = False
    muted: bool = False
    coaching: bool = False
    wait_url: str | None = None  # None: default hold music; "": silence
    wait_method: str = "POST"
    status_callback: str | None = None
    status_callback_events: tuple[str, ...] = ("start", "end")
    status_callback_method: str = "POST"
    max_participants: int = 250


@dataclass
class Participant:
    """A leg's membership of a conference."""

    call_sid: str
    conference_sid: str
    options: ParticipantOptions
    created_at: datetime
    updated_at: datetime
    status: str = "queued"  # queued, ringing, connected, complete, failed
    muted: bool = False
    hold: bool = False
    joined_at: datetime | None = None
    left_at: datetime | None = None
    via_rest: bool = False

    @property
    def label(self) -> str | None:
        """The participant's label (gp, nurse, interpreter...)."""
        return self.options.label


@dataclass
class Conference:
    """A conference room: exists while anyone is in it or being dialled into it."""

    sid: str
    friendly_name: str
    account_sid: str
    created_at: datetime
    updated_at: datetime
    status: str = "init"  # init, in-progress, completed
    participants: dict[str, Participant] = field(default_factory=dict)
    pending: dict[str, Participant] = field(default_factory=dict)
    history: list[Participant] = field(default_factory=list)
    status_callback: str | None = None
    status_callback_events: frozenset[str] = frozenset()
    status_callback_method: str = "POST"
    sequence: int = 0
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    events: list[str] = field(default_factory=list)

    def participant(self, key: str) -> Participant | None:
        """Find an active or pending participant by call SID or label."""
        for pool in (self.participants, self.pending):
            if key in pool:
                return pool[key]
            for participant in pool.values():
                if participant.label == key:
                    return participant
        return None


@dataclass(frozen=True)
class Said:
    """One <Say> the person heard, with the voice and language TwiML asked for."""

    text: str
    voice: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Amd:
    """Answering-machine detection asked for on a call (REST Calls/Participants, <Number>).

    Defaults and ranges from Twilio's Call resource and <Number> docs: MachineDetectionTimeout
    30 s, SpeechThreshold 2400 ms, SpeechEndThreshold 1200 ms, SilenceTimeout 5000 ms.
    """

    mode: str  # Enable | DetectMessageEnd
    timeout_s: float = 30.0
    speech_threshold_s: float = 2.4
    speech_end_threshold_s: float = 1.2
    silence_timeout_s: float = 5.0
    is_async: bool = False
    callback: str | None = None
    callback_method: str = "POST"


@dataclass
class Recording:
    """A recording made by <Record>: only its length matters, the audio is silence."""

    sid: str
    call_sid: str
    account_sid: str
    duration_s: int
    created_at: datetime


class Person:
    """A simulated phone (E.164 number or `client:identity`) and what happens when it rings."""

    def __init__(self, engine: EngineHost, address: str, policy: Policy | None = None) -> None:
        self._engine = engine
        self.address = address
        self.policy: Policy = policy or Manual()
        self.leg_sids: list[str] = []

    @property
    def legs(self) -> list[Leg]:
        """Every leg that reached (or came from) this phone, oldest first."""
        with self._engine.lock:
            return [self._engine.calls_by_sid[sid] for sid in self.leg_sids]

    @property
    def ringing(self) -> list[Leg]:
        """Legs ringing at this phone now."""
        return [leg for leg in self.legs if leg.status == "ringing" and leg.rings_person]

    @property
    def active(self) -> list[Leg]:
        """Legs in progress on this phone now."""
        return [leg for leg in self.legs if leg.status == "in-progress"]

    @property
    def messages(self) -> list[VoicemailMessage]:
        """What this phone's voicemail recorded, one message per call it took, oldest first."""
        return [leg.voicemail for leg in self.legs if leg.voicemail is not None]

    def wait_for_ring(self, timeout: float = 5.0) -> Leg | None:
        """Wait (real time) until a leg rings at this phone; return it, or None."""
        deadline = time.monotonic() + timeout
        while True:
            ringing = self.ringing
            if ringing:
                return ringing[0]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def __repr__(self) -> str:
        return f"Person({self.address!r}, policy={self.policy!r})"


class Leg:
    """One call leg, seen from the simulated person at its far end; also the test handle."""

    def __init__(
        self,
        engine: EngineHost,
        *,
        sid: str,
        account_sid: str,
        from_: str,
        to: str,
        direction: str,
        created_at: datetime,
        parent_sid: str | None = None,
    ) -> None:
        self._engine = engine
        self.sid = sid
        self.account_sid = account_sid
        self.from_ = from_
        self.to = to
        self.direction = direction
        self.parent_sid = parent_sid
        self.status = "queued"
        self.created_at = created_at
        self.updated_at = created_at
        self.start_time: datetime | None = None
        self._end_time: datetime | None = None
        self.answered_by: str | None = None
        self.phone_number_sid: str | None = None
        self.price: str | None = None
        self.price_unit = "USD"
        # configuration
        self.url: str | None = None
        self.method = "POST"
        self.twiml: str | None = None
        self.fallback_url: str | None = None
        self.fallback_method = "POST"
        self.status_callback: str | None = None
        self.status_callback_method = "POST"
        self.status_events: frozenset[str] = frozenset({"completed"})
        self.timeout_s = 60
        self.time_limit_s: int | None = None
        self.send_digits: str | None = None
        self.custom_params: dict[str, str] = {}
        # execution state
        self.frame: Frame | None = None
        self.wait: Wait | None = None
        self.step = 0
        self.sequence = 0
        self.dial_parent: str | None = None
        self.whisper_url: str | None = None
        self.whisper_method = "POST"
        self.bridged_with: str | None = None
        self.conference_sid: str | None = None
        self.participant_target: Participant | None = None
        self.auto_press: str | None = None
        self.rings_person = True
        # what the person at the far end experienced
        self._heard: list[str] = []
        self._said: list[Said] = []
        self.digits_received: list[str] = []
        self.keys_pressed: list[str] = []
        # simulated parties (hotline/sandbox/parties.py): DTMF keys that reached the far end one by
        # one (pauses taken), an agency menu's state, a voicemail's message
        self.keys_received = ""
        self.menu_accepted = False
        self.agency_interpreter_on = False
        self._voicemail: VoicemailMessage | None = None
        self.amd: Amd | None = None  # answering-machine detection, when asked for

    # -- reading -----------------------------------------------------------------------------

    @property
    def heard(self) -> list[str]:
        """What the person on this leg heard, in order."""
        with self._engine.lock:
            return list(self._heard)

    @property
    def said(self) -> list[Said]:
        """Every <Say> heard on this leg, with its voice and language attributes."""
        with self._engine.lock:
            return list(self._said)

    def heard_text(self) -> str:
        """Everything heard, joined by newlines (handy for `in` assertions)."""
        return "\n".join(self.heard)

    def wait_until_heard(self, text: str, timeout: float = 5.0) -> bool:
        """Wait (real time) until `text` appears in what was heard; raise TimeoutError if not."""
        deadline = time.monotonic() + timeout
        while text not in self.heard_text():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self.sid} never heard {text!r}; heard {self.heard!r}")
            time.sleep(0.01)
        return True

    @property
    def conference(self) -> str | None:
        """Friendly name of the conference this leg is in, if any."""
        with self._engine.lock:
            room = self._engine.conferences.get(self.conference_sid or "")
            return room.friendly_name if room else None

    @property
    def duration_s(self) -> int | None:
        """Seconds between answer and hang-up, once the leg has ended."""
        if self.start_time is None or self.end_time is None:
            return None
        return int((self.end_time - self.start_time).total_seconds())

    @property
    def person(self) -> str:
        """Address of the simulated phone at the far end of this leg."""
        return self.from_ if self.direction == "inbound" else self.to

    @property
    def end_time(self) -> datetime | None:
        """When the leg ended (None while it is up)."""
        return self._end_time

    @end_time.setter
    def end_time(self, moment: datetime | None) -> None:
        self._end_time = moment
        message = self._voicemail
        if moment is not None and message is not None and message.ended_at is None:
            message.ended_at = moment  # the hang-up ends the voicemail's message

    @property
    def voicemail(self) -> VoicemailMessage | None:
        """The message a simulated voicemail recorded on this leg (None before its beep)."""
        with self._engine.lock:
            return self._voicemail

    def hear(self, text: str) -> None:
        """Record something the person heard (engine use, lock held)."""
        self._heard.append(text)
        message = self._voicemail
        if message is not None and message.ended_at is None:
            message.heard.append(text)

    def hear_say(self, said: Said) -> None:
        """Record a <Say> heard (engine use, lock held)."""
        self._said.append(said)
        self.hear(said.text)

    # -- acting (each takes the engine lock) -------------------------------------------------

    def press(self, digits: str) -> None:
        """Press keys on the phone (DTMF)."""
        self._engine.press(self.sid, digits)

    def say(self, text: str) -> None:
        """Say something: a speech Gather result, or words heard by the other parties."""
        self._engine.say(self.sid, text)

    def speak(self, seconds: float) -> None:
        """Talk for `seconds` while a <Record> is running."""
        self._engine.speak(self.sid, seconds)

    def hang_up(self) -> None:
        """Hang up (or decline, while ringing)."""
        self._engine.hang_up(self.sid)

    def answer(self) -> None:
        """Pick up a ringing leg."""
        self._engine.answer(self.sid)

    def decline(self) -> None:
        """Decline a ringing leg (it ends busy)."""
        self._engine.decline(self.sid)

    def __repr__(self) -> str:
        return f"Leg({self.sid}, {self.direction}, {self.from_}->{self.to}, {self.status})"


def as_form_bool(value: bool) -> str:
    """Twilio's spelling of booleans in webhooks."""
    return "true" if value else "false"


def parse_bool(value: Any, default: bool) -> bool:
    """Read a REST form boolean (true/false, any case)."""
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("true", "1", "yes")
