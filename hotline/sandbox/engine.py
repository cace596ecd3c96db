"""The sandbox's Twilio engine: call legs, TwiML execution, conferences, timers and webhooks.

Threading rule: all state lives behind one re-entrant lock. Callers (tests, REST handlers, the
control page) mutate state under the lock and enqueue work; a single engine thread performs
webhook HTTP requests *without* the lock, then applies the answer under the lock. The app may
therefore call the REST API synchronously while it answers a webhook without deadlocking.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from hotline.sandbox.clock import Clock, RealClock
from hotline.sandbox.common import (
    API_VERSION,
    APPLICATION_ERROR,
    BEEP,
    BUSY_TONE,
    HOLD_MUSIC,
    PRICE_PER_MINUTE,
    RING_BUFFER_S,
    SandboxError,
)
from hotline.sandbox.conferences import (
    CONFERENCE_EVENT_CATEGORY,
    LEFT_BECAUSE_CONFERENCE_ENDED,
    MAX_SIDE_REDIRECTS,
    ConferencesMixin,
)
from hotline.sandbox.debugger import Debugger, DebuggerEvent
from hotline.sandbox.dial import DialMixin
from hotline.sandbox.host import EnginePart
from hotline.sandbox.legs import LegsMixin
from hotline.sandbox.model import FINAL_STATUSES, Conference, Leg, Number, Person, Recording
from hotline.sandbox.operations import OperationsMixin
from hotline.sandbox.policies import Policy
from hotline.sandbox.verbs import VerbsMixin
from hotline.sandbox.webhooks import WebhookRecord, send_webhook

# The names other modules and the tests import from here, wherever they are defined now.
__all__ = [
    "API_VERSION",
    "APPLICATION_ERROR",
    "BEEP",
    "BUSY_TONE",
    "CONFERENCE_EVENT_CATEGORY",
    "HOLD_MUSIC",
    "LEFT_BECAUSE_CONFERENCE_ENDED",
    "MAX_SIDE_REDIRECTS",
    "PRICE_PER_MINUTE",
    "RING_BUFFER_S",
    "CoreEngine",
    "Engine",
    "SandboxError",
]

logger = logging.getLogger(__name__)


@dataclass
class _HttpJob:
    record: WebhookRecord
    on_done: Callable[[WebhookRecord], None] | None


class CoreEngine(EnginePart):
    """The state under one lock; the engine thread, timers and webhooks; people and numbers."""

    def __init__(self, account_sid: str, auth_token: str, clock: Clock | None = None) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock: Clock = clock or RealClock()
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.numbers: dict[str, Number] = {}
        self.calls_by_sid: dict[str, Leg] = {}
        self.conferences: dict[str, Conference] = {}
        self.people: dict[str, Person] = {}
        self.recordings: dict[str, Recording] = {}
        self.webhooks: list[WebhookRecord] = []
        self.debugger = Debugger()
        self._drops: list[Callable[[WebhookRecord], bool]] = []
        self._firing_at: datetime | None = None
        self._jobs: deque[_HttpJob | Callable[[], None]] = deque()
        self._timers: list[tuple[datetime, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._busy = False
        self._wake = threading.Condition(self.lock)
        self._thread: threading.Thread | None = None
        self._running = False
        self._session = requests.Session()
        self.clock.subscribe(self._notify)

    # ===== engine thread ========================================================================

    def start_engine(self) -> None:
        """Start the engine thread (idempotent)."""
        with self.lock:
            if self._running:
                return
            self._running = True
        self._thread = threading.Thread(target=self._loop, name="sandbox-engine", daemon=True)
        self._thread.start()

    def stop_engine(self) -> None:
        """Stop the engine thread after the job in hand."""
        with self.lock:
            self._running = False
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=20)
        self._session.close()

    def _notify(self) -> None:
        with self.lock:
            self._wake.notify_all()

    def _loop(self) -> None:
        while True:
            with self.lock:
                job: _HttpJob | Callable[[], None] | None = None
                while self._running:
                    self._fire_due_timers()
                    if self._jobs:
                        job = self._jobs.popleft()
                        self._busy = True
                        break
                    self._wake.wait(timeout=self._sleep_for())
                if not self._running:
                    return
            try:
                if isinstance(job, _HttpJob):
                    if self._is_dropped(job.record):
                        job.record.dropped = True
                        job.record.error = "dropped: never delivered (fault injection)"
                    else:
                        send_webhook(self._session, job.record, self.auth_token)
                    with self.lock:
                        self.webhooks.append(job.record)
                        self._debug_http_failure(job.record)
                        if job.on_done is not None:
                            job.on_done(job.record)
                elif job is not None:
                    with self.lock:
                        job()
            except Exception:  # the engine must survive any bug in one job
                logger.exception("sandbox engine job failed")
            finally:
                with self.lock:
                    self._busy = False

    def _sleep_for(self) -> float:
        if not self._timers or getattr(self.clock, "is_manual", False):
            return 0.25
        due = self._timers[0][0]
        return max(0.0, min(0.25, (due - self.clock.now()).total_seconds()))

    def _fire_due_timers(self) -> None:
        # A timer runs at its own due time: what it schedules counts from then, so one jump of a
        # manual clock plays a whole chain of timed steps (a prompt, then the next, then a pause).
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            due, _, callback = heapq.heappop(self._timers)
            self._firing_at = due
            try:
                callback()
            except Exception:
                logger.exception("sandbox timer failed")
            finally:
                self._firing_at = None

    def now(self) -> datetime:
        """The engine's present: a firing timer's due time, else the clock's time."""
        return self._firing_at or self.clock.now()

    # ===== the debugger and fault injection =====================================================

    def record_error(
        self, code: int, message: str, call_sid: str | None = None, url: str | None = None
    ) -> DebuggerEvent:
        """Record a Twilio error or warning the app caused, as Twilio's debugger lists it."""
        event = DebuggerEvent(at=self.now(), code=code, message=message, call_sid=call_sid, url=url)
        logger.info("sandbox debugger: %s %s (%s)", code, message, call_sid or "-")
        return self.debugger.record(event)

    def _debug_http_failure(self, record: WebhookRecord) -> None:
        if record.ok or record.dropped:  # a lost request leaves no trace at Twilio either
            return
        if record.error is not None:
            reason = "timed out" if "Timeout" in record.error else "could not connect"
            self.record_error(
                11205,
                f"HTTP connection failure: {reason} ({record.error})",
                record.call_sid,
                record.url,
            )
        else:
            self.record_error(
                11200,
                f"HTTP retrieval failure: the {record.kind} request got HTTP {record.status_code}",
                record.call_sid,
                record.url,
            )

    def drop_webhooks(self, predicate: Callable[[WebhookRecord], bool]) -> Callable[[], None]:
        """Lose every webhook matching `predicate` (never delivered, logged as dropped).

        Returns an undo function that stops dropping them.
        """
        with self.lock:
            self._drops.append(predicate)

        def undo() -> None:
            with self.lock:
                if predicate in self._drops:
                    self._drops.remove(predicate)

        return undo

    def _is_dropped(self, record: WebhookRecord) -> bool:
        with self.lock:
            predicates = list(self._drops)
        return any(predicate(record) for predicate in predicates)

    def is_idle(self) -> bool:
        """True when no job is queued or running and no timer is due."""
        with self.lock:
            due = bool(self._timers) and self._timers[0][0] <= self.clock.now()
            return not self._jobs and not self._busy and not due

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until the engine is idle (twice in a row, a few ms apart); raise on timeout."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the sandbox did not settle")
            if self.is_idle():
                quiet += 1
                time.sleep(0.01)
            else:
                quiet = 0
                time.sleep(0.005)

    # ===== scheduling helpers (lock held) ======================================================

    def _enqueue(self, job: _HttpJob | Callable[[], None]) -> None:
        self._jobs.append(job)
        self._wake.notify_all()

    def _schedule(self, delay_s: float, callback: Callable[[], None]) -> None:
        due = self.now() + timedelta(seconds=max(0.0, delay_s))
        heapq.heappush(self._timers, (due, next(self._counter), callback))
        self._wake.notify_all()

    def _leg_timer(self, leg: Leg, delay_s: float, callback: Callable[[], None]) -> None:
        """Schedule `callback` unless the leg has moved on (another verb, hang-up) meanwhile."""
        step = leg.step

        def fire() -> None:
            if leg.step == step and leg.status not in FINAL_STATUSES:
                callback()

        self._schedule(delay_s, fire)

    def _webhook(
        self,
        kind: str,
        url: str,
        method: str,
        params: dict[str, str],
        call_sid: str | None,
        on_done: Callable[[WebhookRecord], None] | None = None,
    ) -> None:
        record = WebhookRecord(
            kind=kind,
            url=url,
            method=(method or "POST").upper(),
            params=params,
            call_sid=call_sid,
            at=self.now(),
        )
        self._enqueue(_HttpJob(record, on_done))

    # ===== people, numbers ======================================================================

    def person(self, address: str, policy: Policy | None = None) -> Person:
        """The simulated phone at `address` (created on first use)."""
        with self.lock:
            found = self.people.get(address)
            if found is None:
                found = self.people[address] = Person(self, address, policy)
            elif policy is not None:
                found.policy = policy
            return found

    def add_number(
        self,
        phone_number: str,
        voice_url: str,
        status_callback: str | None = None,
        fallback_url: str | None = None,
        method: str = "POST",
    ) -> Number:
        """Configure an incoming number like Twilio's console does for a purchased number."""
        with self.lock:
            number = Number(
                phone_number=phone_number,
                voice_url=voice_url,
                method=method.upper(),
                status_callback=status_callback,
                fallback_url=fallback_url,
            )
            self.numbers[phone_number] = number
            return number


class Engine(CoreEngine, LegsMixin, VerbsMixin, DialMixin, ConferencesMixin, OperationsMixin):
    """Owns every leg, conference and person, and runs TwiML on one engine thread."""
