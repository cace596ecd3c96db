"""Simulated parties that are not plain people (voicemail, an agency's phone menu, a silent person),
answering-machine detection of what picked up, and DTMF sent into a call (SendDigits).

What Twilio documents, and the sandbox follows:
- Calls API `SendDigits` / `<Number sendDigits>`: "the string of keys to dial after connecting to
  the number ... 'w' inserts a half-second pause and 'W' a one-second pause"; "if both SendDigits
  and MachineDetection are provided, MachineDetection is ignored" (twilio_api_v2010.yaml). A
  <Number>'s `url` runs "after they answer, but before the parties are connected"; the sandbox
  plays the digits first, then fetches the TwiML (Url, whisper, or bridge), so the TwiML runs once
  the far end has received its keys. Only the pauses take time: Twilio documents no tone length.
- Answering Machine Detection (docs/voice/answering-machine-detection, the Call resource):
  `MachineDetection=Enable` returns `AnsweredBy` "as soon as the called party is identified":
  `human`, `machine_start`, `fax` or `unknown`. `DetectMessageEnd` returns `human`/`fax` at once
  but, for a machine, waits for the end of its greeting: `machine_end_beep`,
  `machine_end_silence`, `machine_end_other`. `MachineDetectionTimeout` (default 30 s): past it,
  `unknown`. `MachineDetectionSpeechThreshold` (default 2400 ms): speech shorter is a human,
  longer a machine. `MachineDetectionSpeechEndThreshold` (1200 ms): silence after speech that
  ends it. `MachineDetectionSilenceTimeout` (5000 ms): initial silence after which `unknown`.
  Synchronous AMD (the default) "blocks the execution of the call until AMD is completed": the Url
  is requested once detection ends, with `AnsweredBy`. `AsyncAmd=true` runs the Url at once and
  posts `AccountSid`, `CallSid`, `AnsweredBy`, `MachineDetectionDuration` (ms) to
  `AsyncAmdStatusCallback`. The sandbox's reading where the doc is silent: a machine whose
  greeting outlasts the timeout under DetectMessageEnd is `machine_end_other`.

Every function here runs with the engine lock held (called from the engine).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hotline.sandbox.model import FINAL_STATUSES, Amd, Leg, parse_bool
from hotline.sandbox.policies import AgencyMenu, Answer, Policy, Silent, Voicemail, VoicemailMessage

if TYPE_CHECKING:
    from hotline.sandbox.host import EngineHost

AMD_MODES = ("Enable", "DetectMessageEnd")
# How long what picks up speaks before it falls silent (the sandbox's simulated parties).
PERSON_GREETING_S = 1.0  # "Allô ?"
MENU_PROMPT_S = 4.0  # an agency menu's welcome prompt
BEEP_S = 0.5  # a voicemail's beep, after its greeting
PAUSES = {"w": 0.5, "W": 1.0}
AGENCY_INTERPRETER_GREETING = "Bonjour, interprète de l'agence, je vous écoute."


# ----- reading what the app asked for ---------------------------------------------------------


def _seconds(raw: Any, default: float, scale: float = 1.0) -> float:
    if raw is None or raw == "":
        return default
    try:
        return float(str(raw)) / scale
    except ValueError:
        return default


def amd_from_form(form: Mapping[str, Any], participant: bool = False) -> Amd | None:
    """AMD asked for by a CreateCall (or CreateParticipant) form; None if off or SendDigits is set.

    CreateParticipant has no AsyncAmd: its result goes to `AmdStatusCallback` and the sandbox
    does not hold up the join.
    """
    mode = str(form.get("MachineDetection") or "")
    if mode not in AMD_MODES or form.get("SendDigits"):
        return None
    callback = form.get("AsyncAmdStatusCallback") or form.get("AmdStatusCallback") or None
    method = form.get("AsyncAmdStatusCallbackMethod") or form.get("AmdStatusCallbackMethod")
    return Amd(
        mode=mode,
        timeout_s=_seconds(form.get("MachineDetectionTimeout"), 30.0),
        speech_threshold_s=_seconds(form.get("MachineDetectionSpeechThreshold"), 2.4, 1000),
        speech_end_threshold_s=_seconds(form.get("MachineDetectionSpeechEndThreshold"), 1.2, 1000),
        silence_timeout_s=_seconds(form.get("MachineDetectionSilenceTimeout"), 5.0, 1000),
        is_async=participant or parse_bool(form.get("AsyncAmd"), False),
        callback=str(callback) if callback else None,
        callback_method=str(method or "POST").upper(),
    )


def amd_from_noun(attributes: Callable[[str], str | None]) -> Amd | None:
    """AMD asked for by a <Number>'s attributes (`noun.get`); its result goes to amdStatusCallback.

    <Number> has no AsyncAmd attribute; the sandbox posts the result to `amdStatusCallback` and
    does not hold up the bridge.
    """
    mode = attributes("machineDetection") or ""
    if mode not in AMD_MODES or attributes("sendDigits"):
        return None
    return Amd(
        mode=mode,
        timeout_s=_seconds(attributes("machineDetectionTimeout"), 30.0),
        speech_threshold_s=_seconds(attributes("machineDetectionSpeechThreshold"), 2.4, 1000),
        speech_end_threshold_s=_seconds(
            attributes("machineDetectionSpeechEndThreshold"), 1.2, 1000
        ),
        silence_timeout_s=_seconds(attributes("machineDetectionSilenceTimeout"), 5.0, 1000),
        is_async=True,
        callback=attributes("amdStatusCallback") or None,
        callback_method=(attributes("amdStatusCallbackMethod") or "POST").upper(),
    )


# ----- pure rules -----------------------------------------------------------------------------


def answers_after(policy: Policy) -> float | None:
    """Seconds after which this party picks up by itself; None when it never does on its own."""
    if isinstance(policy, Answer | Voicemail | Silent):
        return max(0.0, policy.after_s)
    if isinstance(policy, AgencyMenu):
        return 0.0
    return None


def detect(policy: Policy, amd: Amd) -> tuple[str, float]:
    """What AMD reports for this party and how many seconds after the answer it does."""
    if isinstance(policy, Silent):
        return "unknown", min(amd.silence_timeout_s, amd.timeout_s)
    speech_s = PERSON_GREETING_S
    if isinstance(policy, Voicemail):
        speech_s = policy.greeting_s
    elif isinstance(policy, AgencyMenu):
        speech_s = MENU_PROMPT_S
    if speech_s < amd.speech_threshold_s:
        at = speech_s + amd.speech_end_threshold_s
        return ("human", at) if at <= amd.timeout_s else ("unknown", amd.timeout_s)
    if amd.mode == "Enable":
        at = amd.speech_threshold_s
        return ("machine_start", at) if at <= amd.timeout_s else ("unknown", amd.timeout_s)
    if isinstance(policy, Voicemail):
        answered_by, at = "machine_end_beep", policy.greeting_s + BEEP_S
    else:
        answered_by, at = "machine_end_silence", speech_s + amd.speech_end_threshold_s
    if at > amd.timeout_s:
        return "machine_end_other", amd.timeout_s
    return answered_by, at


def digit_schedule(digits: str) -> tuple[list[tuple[float, str]], float]:
    """Each key of a SendDigits string with the second it is played at, and the total time."""
    at = 0.0
    keys: list[tuple[float, str]] = []
    for char in digits:
        if char in PAUSES:
            at += PAUSES[char]
        else:
            keys.append((at, char))
    return keys, at


# ----- behaviour (engine lock held) -----------------------------------------------------------


def _live(leg: Leg) -> bool:
    return leg.status not in FINAL_STATUSES


def _later(engine: EngineHost, leg: Leg, delay_s: float, action: Callable[[], None]) -> None:
    """Run `action` after `delay_s` if the leg is still up (at once when there is no delay)."""

    def fire() -> None:
        if _live(leg):
            action()

    if delay_s <= 0:
        fire()
    else:
        engine._schedule(delay_s, fire)


def _in_step(engine: EngineHost, leg: Leg, delay_s: float, action: Callable[[], None]) -> None:
    """Like `_later`, and only if the leg has not moved on (redirected) meanwhile."""
    step = leg.step
    _later(engine, leg, delay_s, lambda: action() if leg.step == step else None)


def answered(engine: EngineHost, leg: Leg, connect: Callable[[], None]) -> None:
    """The far end picked up: start the party, send the digits, detect, then `connect`."""
    policy = engine.person(leg.person).policy
    _start_party(engine, leg, policy)
    if leg.send_digits:
        _in_step(engine, leg, digits_played(engine, leg, leg.send_digits), connect)
        return
    amd = leg.amd
    if amd is None:
        connect()
        return
    answered_by, after_s = detect(policy, amd)

    def detected() -> None:
        leg.answered_by = answered_by
        if amd.is_async and amd.callback:  # synchronous AMD answers through the Url only
            params = {
                "AccountSid": leg.account_sid,
                "CallSid": leg.sid,
                "AnsweredBy": answered_by,
                "MachineDetectionDuration": str(math.floor(after_s * 1000)),
            }
            engine._webhook("amd", amd.callback, amd.callback_method, params, leg.sid)

    def detected_then_connect() -> None:
        detected()
        connect()

    if amd.is_async:
        connect()
        _later(engine, leg, after_s, detected)
    else:
        _in_step(engine, leg, after_s, detected_then_connect)


def digits_played(engine: EngineHost, leg: Leg, digits: str) -> float:
    """DTMF played towards the far end (SendDigits, <Play digits>): it receives each key in turn.

    Returns the seconds the whole string takes.
    """
    leg.digits_received.append(digits)
    keys, total_s = digit_schedule(digits)
    for at, key in keys:
        _later(engine, leg, at, _receiver(engine, leg, key))
    return total_s


def _receiver(engine: EngineHost, leg: Leg, key: str) -> Callable[[], None]:
    return lambda: _key_received(engine, leg, key)


def _key_received(engine: EngineHost, leg: Leg, key: str) -> None:
    leg.keys_received += key
    policy = engine.person(leg.person).policy
    if (
        isinstance(policy, AgencyMenu)
        and not leg.menu_accepted
        and leg.keys_received.startswith(policy.digits)
    ):
        leg.menu_accepted = True
        _later(engine, leg, policy.interpreter_after_s, lambda: _interpreter_on(engine, leg))


def _interpreter_on(engine: EngineHost, leg: Leg) -> None:
    leg.agency_interpreter_on = True
    engine.say(leg.sid, AGENCY_INTERPRETER_GREETING)


def _start_party(engine: EngineHost, leg: Leg, policy: Policy) -> None:
    if isinstance(policy, Voicemail):
        # Both moments are fixed at the answer, so that a coarse clock does not shift them.
        beep_s = policy.greeting_s + BEEP_S
        started_at = engine.clock.now() + timedelta(seconds=beep_s)
        message = VoicemailMessage(started_at=started_at, max_s=policy.max_s)
        _later(engine, leg, beep_s, lambda: _start_recording(leg, message))
        _later(engine, leg, beep_s + policy.max_s, lambda: _box_full(engine, leg, message))
    elif isinstance(policy, AgencyMenu):
        # Wrong or no digits: the menu gives up and hangs up.
        _later(
            engine,
            leg,
            policy.timeout_s,
            lambda: None if leg.menu_accepted else engine._end_leg(leg, "completed"),
        )


def _start_recording(leg: Leg, message: VoicemailMessage) -> None:
    leg._voicemail = message


def _box_full(engine: EngineHost, leg: Leg, message: VoicemailMessage) -> None:
    message.ended_at = message.started_at + timedelta(seconds=message.max_s)
    engine._end_leg(leg, "completed")
