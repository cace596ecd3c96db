"""The engine as its parts see it: the state and the methods one part uses from another.

`Engine` (engine.py) is put together from parts, one a module: the core (state, lock, thread,
timers, webhooks, people and numbers), legs, verbs, dial, conferences and operations. Each part is a
mixin; to the type checker each one is an `EngineHost`, so a part calls another part's method as
it did when they were one class, and mypy checks both sides against the signature declared here.
At run time a part's base is plain `object`. Simulated people and parties (model.py, parties.py)
hold the engine as an `EngineHost` too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from hotline.sandbox import twiml
from hotline.sandbox.clock import Clock
from hotline.sandbox.debugger import DebuggerEvent
from hotline.sandbox.model import (
    Conference,
    ConferenceWait,
    DialWait,
    GatherWait,
    Leg,
    Number,
    Participant,
    Person,
    Recording,
    RecordWait,
)
from hotline.sandbox.policies import Policy
from hotline.sandbox.webhooks import WebhookRecord


class EngineHost(Protocol):
    """What the engine's parts, its people and its parties use of it."""

    account_sid: str
    base_url: str
    clock: Clock
    lock: threading.RLock
    numbers: dict[str, Number]
    calls_by_sid: dict[str, Leg]
    conferences: dict[str, Conference]
    recordings: dict[str, Recording]
    _wake: threading.Condition

    def answer(self, sid: str) -> None: ...

    def decline(self, sid: str) -> None: ...

    def find_conference(self, key: str) -> Conference | None: ...

    def find_or_create_conference(self, name: str) -> Conference: ...

    def hang_up(self, sid: str) -> None: ...

    def now(self) -> datetime: ...

    def person(self, address: str, policy: Policy | None = None) -> Person: ...

    def press(self, sid: str, digits: str) -> None: ...

    def record_error(
        self, code: int, message: str, call_sid: str | None = None, url: str | None = None
    ) -> DebuggerEvent: ...

    def say(self, sid: str, text: str) -> None: ...

    def speak(self, sid: str, seconds: float) -> None: ...

    def _abandon_dial(self, parent: Leg, wait: DialWait, caller_hung_up: bool) -> None: ...

    def _answer(self, leg: Leg) -> None: ...

    def _arm_gather_timeout(self, leg: Leg, wait: GatherWait) -> None: ...

    def _arm_record_silence(self, leg: Leg, wait: RecordWait) -> None: ...

    def _bridge(self, parent: Leg, wait: DialWait, child: Leg) -> None: ...

    def _call_params(self, leg: Leg) -> dict[str, str]: ...

    def _child_answered(self, child: Leg) -> None: ...

    def _child_ended(self, child: Leg) -> None: ...

    def _conference_event(
        self, room: Conference, event: str, participant: Participant | None = None, **extra: str
    ) -> None: ...

    def _detach(self, leg: Leg) -> None: ...

    def _dial_conference(
        self, leg: Leg, noun: twiml.Node, action: str | None, method: str
    ) -> bool: ...

    def _drop_pending_participant(self, leg: Leg) -> None: ...

    def _end_conference(self, room: Conference, reason: str, ending_sid: str | None) -> None: ...

    def _end_leg(self, leg: Leg, status: str) -> None: ...

    def _enqueue(self, job: Callable[[], None]) -> None: ...  # the parts enqueue callables only

    def _ensure_answered(self, leg: Leg) -> None: ...

    def _fetch(
        self,
        leg: Leg,
        url: str,
        method: str,
        kind: str,
        extra: dict[str, str] | None = None,
        fallback: bool = False,
    ) -> None: ...

    def _finish_dial(self, parent: Leg, wait: DialWait, status: str) -> None: ...

    def _finish_record(self, leg: Leg, wait: RecordWait, digits: str | None) -> bool: ...

    def _gather_done(self, leg: Leg, wait: GatherWait, result: dict[str, str]) -> None: ...

    def _gather_timeout(self, leg: Leg, wait: GatherWait) -> None: ...

    def _hear_say(self, leg: Leg, node: twiml.Node) -> float: ...

    def _initiate(self, leg: Leg) -> None: ...

    def _join_conference(
        self, leg: Leg, participant: Participant, dial: ConferenceWait | None
    ) -> None: ...

    def _leave_conference(self, leg: Leg, reason: str, kicked: bool = False) -> None: ...

    def _leg_timer(self, leg: Leg, delay_s: float, callback: Callable[[], None]) -> None: ...

    def _new_leg(
        self, from_: str, to: str, direction: str, parent_sid: str | None = None
    ) -> Leg: ...

    def _play_side(
        self, leg: Leg, url: str | None, method: str, kind: str, depth: int = 0
    ) -> None: ...

    def _post_action(
        self, leg: Leg, action: str | None, method: str, extra: dict[str, str], kind: str = "action"
    ) -> bool: ...

    def _press(self, leg: Leg, digits: str) -> None: ...

    def _record_stopped(self, leg: Leg, wait: RecordWait, digits: str | None) -> None: ...

    def _resolve(self, leg: Leg, url: str | None) -> str | None: ...

    def _run(self, leg: Leg) -> None: ...

    def _run_document(self, leg: Leg, document: str, url: str | None, method: str) -> None: ...

    def _schedule(self, delay_s: float, callback: Callable[[], None]) -> None: ...

    def _webhook(
        self,
        kind: str,
        url: str,
        method: str,
        params: dict[str, str],
        call_sid: str | None,
        on_done: Callable[[WebhookRecord], None] | None = None,
    ) -> None: ...


if TYPE_CHECKING:
    EnginePart = EngineHost
else:
    EnginePart = object
