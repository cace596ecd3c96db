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
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import phonenumbers
import requests

from hotline.sandbox import parties, twiml
from hotline.sandbox.clock import Clock, RealClock
from hotline.sandbox.debugger import Debugger, DebuggerEvent
from hotline.sandbox.model import (
    FINAL_STATUSES,
    RINGING_STATUSES,
    Answer,
    Conference,
    ConferenceWait,
    Decline,
    DialWait,
    Frame,
    GatherWait,
    Leg,
    Number,
    Participant,
    ParticipantOptions,
    PauseWait,
    Person,
    Policy,
    Recording,
    RecordWait,
    Said,
    as_form_bool,
    new_sid,
    rfc2822,
)
from hotline.sandbox.speech import REACTION_S, PromptedGather, SayWait, say_seconds
from hotline.sandbox.validate import validate
from hotline.sandbox.webhooks import WebhookRecord, send_webhook

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
HOLD_MUSIC = "[musique d'attente]"
BEEP = "[bip]"
BUSY_TONE = "[tonalité occupée]"
PRICE_PER_MINUTE = 0.013
# Redirect loops inside wait/hold music are cut short: the music would loop forever on Twilio.
MAX_SIDE_REDIRECTS = 3
# "We always add a 5-second timeout buffer to outgoing calls, so value of 10 would result in an
# actual timeout that was closer to 15 seconds" (spec, CreateParticipant.Timeout; CreateCall.Timeout
# says the same): a leg rings for the timeout given plus these seconds before it is no-answer.
RING_BUFFER_S = 5
# ReasonParticipantLeft "Will be one of: conference_ended_via_api moderator_ended_conference
# participant_updated_via_api participant_hung_up participant_add_failed" (TwiML <Conference>
# statusCallback parameters). A REST DeleteParticipant is an update of the participant via the
# API; the conference-end reasons keep Twilio's "-kicked" wording for it.
LEFT_BECAUSE_CONFERENCE_ENDED = {
    "conference-ended-via-api": "conference_ended_via_api",
    "participant-with-end-conference-on-exit-left": "moderator_ended_conference",
    "participant-with-end-conference-on-exit-kicked": "moderator_ended_conference",
}
CONFERENCE_EVENT_CATEGORY = {
    "conference-start": "start",
    "conference-end": "end",
    "participant-join": "join",
    "participant-leave": "leave",
    "participant-mute": "mute",
    "participant-unmute": "mute",
    "participant-hold": "hold",
    "participant-unhold": "hold",
    "participant-modify": "modify",
    "announcement-end": "announcement",
}


def _not_found(path: str) -> str:
    return f"The requested resource {path} was not found"


class SandboxError(Exception):
    """A request the sandbox refuses, mapped to a Twilio error by the REST layer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class _HttpJob:
    record: WebhookRecord
    on_done: Callable[[WebhookRecord], None] | None


def _split_events(
    raw: str | list[str] | tuple[str, ...] | None, default: tuple[str, ...]
) -> frozenset[str]:
    if raw is None or raw == "" or raw == []:
        return frozenset(default)
    items = [raw] if isinstance(raw, str) else list(raw)
    return frozenset(part for item in items for part in item.replace(",", " ").split() if part)


def _form_int(form: dict[str, Any], name: str, default: int | None) -> int | None:
    """An integer REST field; a malformed value is Twilio's 400, not a server error."""
    raw = form.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise SandboxError(400, 20001, f"Invalid value for {name}: {raw!r}") from None


def _reason_text(reason: str, ending_sid: str | None) -> str:
    """Conference-end's `Reason`: "A message indicating why the conference ended"."""
    who = f"Participant {ending_sid}" if ending_sid else "A participant"
    return {
        "conference-ended-via-api": "Conference ended via API",
        "participant-with-end-conference-on-exit-left": (
            f"{who} with endConferenceOnExit left the conference"
        ),
        "participant-with-end-conference-on-exit-kicked": (
            f"{who} with endConferenceOnExit was removed from the conference"
        ),
        "last-participant-left": f"{who}, the last participant, left the conference",
        "last-participant-kicked": f"{who}, the last participant, was removed from the conference",
    }.get(reason, reason)


def _check_rest_twiml(text: str) -> None:
    """A `Twiml` REST parameter that is not valid TwiML is refused (the call is left as it was)."""
    try:
        _, issues = validate(twiml.parse(text))
    except twiml.TwimlError as exc:
        raise SandboxError(400, 21205, f"Invalid Twiml: {exc}") from exc
    if issues:
        raise SandboxError(400, 21205, f"Invalid Twiml: {issues[0].message}")


def _dialable(number: str) -> bool:
    """A valid E.164 number (Twilio dials nothing else from <Number>)."""
    if not number.startswith("+"):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


def _is_call_sid(value: str) -> bool:
    return (
        len(value) == 34
        and value.startswith("CA")
        and all(c in "0123456789abcdef" for c in value[2:])
    )


def _region(address: str) -> str | None:
    if not address.startswith("+"):
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(address))
    except phonenumbers.NumberParseException:
        return None


class Engine:
    """Owns every leg, conference and person, and runs TwiML on one engine thread."""

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

    # ===== legs =================================================================================

    def _new_leg(self, from_: str, to: str, direction: str, parent_sid: str | None = None) -> Leg:
        leg = Leg(
            self,
            sid=new_sid("CA"),
            account_sid=self.account_sid,
            from_=from_,
            to=to,
            direction=direction,
            created_at=self.now(),
            parent_sid=parent_sid,
        )
        self.calls_by_sid[leg.sid] = leg
        person = self.person(leg.person)
        person.leg_sids.append(leg.sid)
        return leg

    def get_leg(self, sid: str) -> Leg:
        """The leg with this CallSid; KeyError when unknown."""
        with self.lock:
            return self.calls_by_sid[sid]

    def place_call(self, from_: str, to: str) -> Leg:
        """A simulated person dials one of the configured numbers (an inbound call)."""
        with self.lock:
            number = self.numbers.get(to)
            if number is None:
                raise SandboxError(404, 21217, f"The number {to} is not configured in the sandbox")
            leg = self._new_leg(from_, to, "inbound")
            leg.rings_person = False
            leg.phone_number_sid = number.sid
            leg.status_callback = number.status_callback
            leg.status_callback_method = number.status_callback_method
            leg.fallback_url = number.fallback_url
            leg.fallback_method = number.fallback_method
            # Twilio asks for TwiML while the inbound call is still ringing.
            leg.status = "ringing"
            self._fetch(leg, number.voice_url, number.method, "voice", fallback=True)
            return leg

    def _set_status(self, leg: Leg, status: str) -> None:
        leg.status = status
        leg.updated_at = self.now()

    def _call_params(self, leg: Leg) -> dict[str, str]:
        params = {
            "AccountSid": leg.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": leg.sid,
            "CallStatus": leg.status,
            "Called": leg.to,
            "Caller": leg.from_,
            "Direction": leg.direction,
            "From": leg.from_,
            "To": leg.to,
        }
        if leg.parent_sid:
            params["ParentCallSid"] = leg.parent_sid
        for prefix, address in (("From", leg.from_), ("To", leg.to)):
            region = _region(address)
            if region:
                params[f"{prefix}Country"] = region
                params[f"{'Caller' if prefix == 'From' else 'Called'}Country"] = region
        if leg.answered_by:
            params["AnsweredBy"] = leg.answered_by
        return params

    def _status_callback(self, leg: Leg, event: str) -> None:
        """Send a call-progress event if the leg asked for it."""
        if not leg.status_callback or event not in leg.status_events:
            return
        params = self._call_params(leg)
        params["CallStatus"] = {"initiated": "initiated", "ringing": "ringing"}.get(
            event, "in-progress" if event == "answered" else leg.status
        )
        params["Timestamp"] = rfc2822(self.now()) or ""
        params["CallbackSource"] = "call-progress-events"
        params["SequenceNumber"] = str(leg.sequence)
        leg.sequence += 1
        if event == "completed":
            seconds = leg.duration_s or 0
            params["CallDuration"] = str(seconds)
            params["Duration"] = str(math.ceil(seconds / 60))
        self._webhook("status", leg.status_callback, leg.status_callback_method, params, leg.sid)

    def _initiate(self, leg: Leg) -> None:
        """Queued → ringing at the person, with their policy and the ring timeout."""
        self._status_callback(leg, "initiated")
        self._set_status(leg, "ringing")
        self._status_callback(leg, "ringing")
        policy = self.person(leg.person).policy
        answers_after = parties.answers_after(policy)
        if answers_after is not None:
            if answers_after <= 0:
                self._enqueue(lambda: self._answer_if_ringing(leg))
            else:
                self._leg_timer(leg, answers_after, lambda: self._answer_if_ringing(leg))
        elif isinstance(policy, Decline):
            self._enqueue(lambda: self._decline_if_ringing(leg))
        if leg.dial_parent is None:
            self._leg_timer(
                leg, leg.timeout_s + RING_BUFFER_S, lambda: self._end_leg(leg, "no-answer")
            )

    def _answer_if_ringing(self, leg: Leg) -> None:
        if leg.status == "ringing" and leg.rings_person:
            self._answer(leg)

    def _decline_if_ringing(self, leg: Leg) -> None:
        if leg.status == "ringing" and leg.rings_person:
            self._end_leg(leg, "busy")

    def _answer(self, leg: Leg) -> None:
        """The person picked up: the leg is in progress; run what it is for."""
        leg.step += 1
        self._set_status(leg, "in-progress")
        leg.start_time = self.now()
        policy = self.person(leg.person).policy
        leg.auto_press = policy.press if isinstance(policy, Answer) else None
        self._status_callback(leg, "answered")
        if leg.time_limit_s:
            self._schedule(leg.time_limit_s, lambda: self._end_if_live(leg))
        # SendDigits, then answering-machine detection, before the leg's TwiML (parties.py).
        parties.answered(self, leg, lambda: self._connect_answered(leg))

    def _connect_answered(self, leg: Leg) -> None:
        """Run what an answered leg is for: join its room, its <Dial>, or fetch its TwiML."""
        if leg.participant_target is not None:
            self._join_conference(leg, leg.participant_target, None)
        elif leg.dial_parent is not None:
            self._child_answered(leg)
        elif leg.url:
            self._fetch(leg, leg.url, leg.method, "voice", fallback=True)
        elif leg.twiml is not None:
            self._run_document(leg, leg.twiml, None, "POST")

    def _end_if_live(self, leg: Leg) -> None:
        if leg.status == "in-progress":
            self._end_leg(leg, "completed")

    def _ensure_answered(self, leg: Leg) -> None:
        """An inbound leg is answered when its TwiML first does something other than <Reject>."""
        if leg.status == "ringing" and not leg.rings_person:
            self._set_status(leg, "in-progress")
            leg.start_time = self.now()
            self._status_callback(leg, "answered")

    def _end_leg(self, leg: Leg, status: str) -> None:
        """Hang a leg up with a final status, tearing down whatever it was doing."""
        if leg.status in FINAL_STATUSES:
            return
        was_answered = leg.status == "in-progress"
        if not was_answered and status == "completed":
            status = "canceled" if leg.rings_person else "completed"
        leg.step += 1
        wait, leg.wait, leg.frame = leg.wait, None, None
        self._set_status(leg, status)
        leg.end_time = self.now()
        if was_answered and leg.start_time is not None:
            minutes = max(1, math.ceil((leg.end_time - leg.start_time).total_seconds() / 60))
            leg.price = f"-{minutes * PRICE_PER_MINUTE:.5f}"
        elif status in ("busy", "no-answer", "canceled", "failed"):
            leg.price = "0.00000"
        # Tear down the verb in progress.
        if isinstance(wait, DialWait):
            self._abandon_dial(leg, wait, caller_hung_up=True)
        elif isinstance(wait, RecordWait):
            self._finish_record(leg, wait, digits="hangup")
        if leg.conference_sid:
            self._leave_conference(leg, "participant_hung_up")
        if leg.participant_target is not None and leg.participant_target.status in (
            "queued",
            "ringing",
        ):
            self._drop_pending_participant(leg)
        if isinstance(wait, ConferenceWait) and wait.action:
            self._post_action(leg, wait.action, wait.method, {"DialCallStatus": "answered"})
        if leg.bridged_with:
            peer = self.calls_by_sid[leg.bridged_with]
            leg.bridged_with = None
            peer.bridged_with = None
            if peer.dial_parent == leg.sid:
                self._end_leg(peer, "completed")
        self._status_callback(leg, "completed")
        if leg.dial_parent is not None:
            self._child_ended(leg)

    # ===== fetching and running TwiML ===========================================================

    def _fetch(
        self,
        leg: Leg,
        url: str,
        method: str,
        kind: str,
        extra: dict[str, str] | None = None,
        fallback: bool = False,
    ) -> None:
        """POST/GET a TwiML URL for this leg; run the answer if the leg has not moved on."""
        leg.step += 1
        step = leg.step
        params = self._call_params(leg)
        params.update(extra or {})

        def done(record: WebhookRecord) -> None:
            if leg.step != step or leg.status in FINAL_STATUSES:
                return
            error = self._twiml_error(record)
            if error in ("12100", "12102"):
                self._debug_parse_failure(leg, record.response_body, url)
            if error is None:
                self._run_document(leg, record.response_body, url, method)
                return
            fallback_url = leg.fallback_url if fallback else None
            if fallback_url:
                self._fetch(
                    leg,
                    fallback_url,
                    leg.fallback_method,
                    "fallback",
                    {"ErrorCode": error, "ErrorUrl": url},
                )
            else:
                self._application_error(leg)

        self._webhook(kind, url, method, params, leg.sid, done)

    @staticmethod
    def _twiml_error(record: WebhookRecord) -> str | None:
        if record.error is not None:
            return "11205" if "Timeout" in record.error else "11200"
        if not record.ok:
            return "11200"
        try:
            twiml.parse(record.response_body)
        except twiml.TwimlError as exc:
            return str(exc.code)
        return None

    def _debug_parse_failure(self, leg: Leg, document: str, url: str | None) -> None:
        try:
            twiml.parse(document)
        except twiml.TwimlError as exc:
            self.record_error(exc.code, str(exc), leg.sid, url)

    def _application_error(self, leg: Leg) -> None:
        self._ensure_answered(leg)
        leg.hear(APPLICATION_ERROR)
        self._end_leg(leg, "completed")

    def _run_document(self, leg: Leg, document: str, url: str | None, method: str) -> None:
        try:
            parsed = twiml.parse(document)
        except twiml.TwimlError as exc:
            # 12100: Twilio cannot read the document; the caller hears the application error.
            self.record_error(exc.code, str(exc), leg.sid, url)
            self._application_error(leg)
            return
        verbs, issues = validate(parsed)
        for issue in issues:
            self.record_error(issue.code, issue.message, leg.sid, url)
        leg.step += 1
        leg.wait = None
        leg.frame = Frame(url=url, method=method, verbs=verbs)
        self._run(leg)

    def _resolve(self, leg: Leg, url: str | None) -> str | None:
        if url is None or url == "":
            return None
        base = leg.frame.url if leg.frame and leg.frame.url else (leg.url or self.base_url)
        return urljoin(base, url)

    def _run(self, leg: Leg) -> None:
        """Execute verbs until one blocks (waits for input, time or HTTP) or the document ends."""
        while leg.status not in FINAL_STATUSES and leg.frame is not None and leg.wait is None:
            frame = leg.frame
            if frame.index >= len(frame.verbs):
                self._document_ended(leg)
                return
            node = frame.verbs[frame.index]
            frame.index += 1
            if node.tag != "Reject":
                self._ensure_answered(leg)
            handler = getattr(self, f"_verb_{node.tag.lower()}", None)
            if handler is None:
                leg.hear(f"[verbe non pris en charge : {node.tag}]")
                continue
            if handler(leg, node):
                return

    def _document_ended(self, leg: Leg) -> None:
        leg.frame = None
        if leg.dial_parent is not None and leg.bridged_with is None:
            parent = self.calls_by_sid[leg.dial_parent]
            if isinstance(parent.wait, DialWait) and parent.wait.answered_sid == leg.sid:
                self._bridge(parent, parent.wait, leg)
                return
        if leg.participant_target is not None:
            return
        self._end_leg(leg, "completed")

    # ----- simple verbs (return True when the leg is now blocked) -------------------------------

    def _hear_say(self, leg: Leg, node: twiml.Node) -> float:
        """The person starts hearing a <Say>; return how long it lasts."""
        loops = node.get_int("loop", 1)
        said = Said(text=node.text, voice=node.get("voice"), language=node.get("language"))
        times = max(1, min(loops, 3))
        for _ in range(times):
            leg.hear_say(said)
        return say_seconds(node.text, times)

    def _verb_say(self, leg: Leg, node: twiml.Node) -> bool:
        seconds = self._hear_say(leg, node)
        if seconds <= 0:
            return False
        # The next verb starts once the text has been said.
        leg.wait = SayWait()
        leg.step += 1
        self._leg_timer(leg, seconds, lambda: self._resume(leg))
        return True

    def _verb_play(self, leg: Leg, node: twiml.Node) -> bool:
        digits = node.get("digits")
        if digits:
            parties.digits_played(self, leg, digits)
        if node.text:
            leg.hear(f"[play {node.text}]")
        return False

    def _verb_pause(self, leg: Leg, node: twiml.Node) -> bool:
        length = node.get_int("length", 1)
        if length <= 0:
            return False
        leg.wait = PauseWait()
        leg.step += 1
        self._leg_timer(leg, length, lambda: self._resume(leg))
        return True

    def _resume(self, leg: Leg) -> None:
        leg.wait = None
        leg.step += 1
        self._run(leg)

    def _verb_redirect(self, leg: Leg, node: twiml.Node) -> bool:
        url = self._resolve(leg, node.text) or (leg.frame.url if leg.frame else None)
        if url is None:
            return False
        self._fetch(leg, url, node.get("method", "POST") or "POST", "redirect")
        leg.frame = None
        return True

    def _verb_hangup(self, leg: Leg, node: twiml.Node) -> bool:
        self._end_leg(leg, "completed")
        return True

    def _verb_reject(self, leg: Leg, node: twiml.Node) -> bool:
        if leg.status == "in-progress":
            self._end_leg(leg, "completed")
            return True
        reason = node.get("reason", "rejected")
        leg.hear(BUSY_TONE if reason == "busy" else "[numéro non attribué]")
        self._end_leg(leg, "busy" if reason == "busy" else "failed")
        return True

    def _post_action(
        self, leg: Leg, action: str | None, method: str, extra: dict[str, str], kind: str = "action"
    ) -> bool:
        """POST an action URL and run its answer; False when there is no action to post."""
        if not action:
            return False
        if leg.status in FINAL_STATUSES:
            params = self._call_params(leg)
            params.update(extra)
            self._webhook(kind, action, method, params, leg.sid)
            return True
        leg.wait = None
        leg.frame = None
        self._fetch(leg, action, method, kind, extra)
        return True

    # ----- Gather ------------------------------------------------------------------------------

    def _verb_gather(self, leg: Leg, node: twiml.Node) -> bool:
        inputs = frozenset((node.get("input", "dtmf") or "dtmf").split())
        num_digits = node.get_int("numDigits", 0) or None
        wait = PromptedGather(
            action=self._resolve(leg, node.get("action")) or (leg.frame.url if leg.frame else None),
            method=(node.get("method", "POST") or "POST").upper(),
            inputs=inputs,
            num_digits=num_digits,
            finish_on_key=node.get("finishOnKey", "#") or "",
            timeout_s=node.get_int("timeout", 5),
            action_on_empty=node.get_bool("actionOnEmptyResult", False),
            prompts=list(node.children),
        )
        leg.wait = wait
        leg.step += 1
        self._next_prompt(leg, wait)
        return True

    def _next_prompt(self, leg: Leg, wait: PromptedGather) -> None:
        """Play the Gather's nested verbs in turn; then its timeout starts."""
        while wait.prompts:
            child = wait.prompts.pop(0)
            seconds = 0.0
            if child.tag == "Say":
                seconds = self._hear_say(leg, child)
            elif child.tag == "Play":
                self._verb_play(leg, child)
            elif child.tag == "Pause":
                seconds = child.get_int("length", 1)
            if seconds > 0:
                self._leg_timer(leg, seconds, lambda: self._next_prompt(leg, wait))
                return
        wait.prompting = False
        self._arm_gather_timeout(leg, wait)
        if leg.auto_press and "dtmf" in wait.inputs:
            # A simulated person presses once the whole prompt is said, after a reaction time.
            keys, leg.auto_press = leg.auto_press, None
            self._leg_timer(leg, REACTION_S, lambda: self._press(leg, keys))

    def _arm_gather_timeout(self, leg: Leg, wait: GatherWait) -> None:
        self._leg_timer(leg, wait.timeout_s, lambda: self._gather_timeout(leg, wait))

    def _gather_timeout(self, leg: Leg, wait: GatherWait) -> None:
        if wait.digits:
            self._gather_done(leg, wait, {"Digits": wait.digits})
        elif wait.action_on_empty:
            self._gather_done(leg, wait, {})
        else:
            self._resume(leg)

    def _gather_done(self, leg: Leg, wait: GatherWait, result: dict[str, str]) -> None:
        leg.wait = None
        if not self._post_action(leg, wait.action, wait.method, result):
            self._resume(leg)

    # ----- Record ------------------------------------------------------------------------------

    def _verb_record(self, leg: Leg, node: twiml.Node) -> bool:
        wait = RecordWait(
            action=self._resolve(leg, node.get("action")) or (leg.frame.url if leg.frame else None),
            method=(node.get("method", "POST") or "POST").upper(),
            max_length_s=node.get_int("maxLength", 3600),
            timeout_s=node.get_int("timeout", 5),
            finish_on_key=node.get("finishOnKey", "1234567890*#") or "",
            status_callback=self._resolve(leg, node.get("recordingStatusCallback")),
            status_callback_method=(node.get("recordingStatusCallbackMethod", "POST") or "POST"),
        )
        if node.get_bool("playBeep", True):
            leg.hear(BEEP)
        leg.wait = wait
        leg.step += 1
        self._arm_record_silence(leg, wait)
        return True

    def _arm_record_silence(self, leg: Leg, wait: RecordWait) -> None:
        if wait.timeout_s > 0:
            self._leg_timer(leg, wait.timeout_s, lambda: self._record_stopped(leg, wait, None))

    def _record_stopped(self, leg: Leg, wait: RecordWait, digits: str | None) -> None:
        leg.wait = None
        leg.step += 1
        if wait.seconds <= 0 and digits is None:
            # Twilio skips the action when nothing was recorded and moves to the next verb.
            self._run(leg)
            return
        if not self._finish_record(leg, wait, digits):
            self._run(leg)

    def _finish_record(self, leg: Leg, wait: RecordWait, digits: str | None) -> bool:
        recording = Recording(
            sid=new_sid("RE"),
            call_sid=leg.sid,
            account_sid=leg.account_sid,
            duration_s=round(wait.seconds),
            created_at=self.now(),
        )
        self.recordings[recording.sid] = recording
        url = f"{self.base_url}/{API_VERSION}/Accounts/{leg.account_sid}/Recordings/{recording.sid}"
        result = {
            "RecordingUrl": url,
            "RecordingSid": recording.sid,
            "RecordingDuration": str(recording.duration_s),
        }
        if digits is not None:
            result["Digits"] = digits
        if wait.status_callback:
            self._webhook(
                "recording-status",
                wait.status_callback,
                wait.status_callback_method,
                {
                    "AccountSid": leg.account_sid,
                    "CallSid": leg.sid,
                    "RecordingSid": recording.sid,
                    "RecordingUrl": url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(recording.duration_s),
                    "RecordingChannels": "1",
                    "RecordingStartTime": rfc2822(recording.created_at) or "",
                    "RecordingSource": "RecordVerb",
                    "RecordingTrack": "both",
                    "ErrorCode": "0",
                },
                leg.sid,
            )
        return self._post_action(leg, wait.action, wait.method, result)

    # ----- Dial to numbers and clients ---------------------------------------------------------

    def _verb_dial(self, leg: Leg, node: twiml.Node) -> bool:
        action = self._resolve(leg, node.get("action"))
        method = (node.get("method", "POST") or "POST").upper()
        conference = next((c for c in node.children if c.tag == "Conference"), None)
        if conference is not None:
            return self._dial_conference(leg, conference, action, method)
        targets: list[tuple[str, twiml.Node | None]] = []
        if node.text and not node.children:
            targets.append((node.text, None))
        for child in node.children:
            if child.tag == "Number":
                targets.append((child.text, child))
            elif child.tag == "Client":
                identity = child.text or next(
                    (c.text for c in child.children if c.tag == "Identity"), ""
                )
                targets.append((f"client:{identity}", child))
        if not targets:
            return False
        time_limit = node.get_int("timeLimit", 0) or None
        wait = DialWait(
            action=action,
            method=method,
            timeout_s=node.get_int("timeout", 30),
            time_limit_s=time_limit,
            hangup_on_star=node.get_bool("hangupOnStar", False),
            record=(node.get("record", "do-not-record") or "").startswith("record"),
        )
        leg.wait = wait
        leg.step += 1
        caller_id = node.get("callerId") or leg.from_
        undialable: list[Leg] = []
        for target, noun in targets:
            callee = self._new_leg(caller_id, target, "outbound-dial", parent_sid=leg.sid)
            callee.dial_parent = leg.sid
            callee.timeout_s = wait.timeout_s
            if noun is not None:
                callee.whisper_url = self._resolve(leg, noun.get("url"))
                callee.whisper_method = (noun.get("method", "POST") or "POST").upper()
                callee.send_digits = noun.get("sendDigits")
                callee.amd = parties.amd_from_noun(noun.get)
                callee.status_callback = self._resolve(leg, noun.get("statusCallback"))
                callee.status_callback_method = (
                    noun.get("statusCallbackMethod", "POST") or "POST"
                ).upper()
                callee.status_events = _split_events(
                    noun.get("statusCallbackEvent"), ("completed",)
                )
                callee.custom_params = {
                    p.get("name", "") or "": p.get("value", "") or ""
                    for p in noun.children
                    if p.tag == "Parameter"
                }
            wait.children.append(callee.sid)
            if not target.startswith("client:") and not _dialable(target):
                undialable.append(callee)
                continue
            self._initiate(callee)
        self._leg_timer(leg, wait.timeout_s + RING_BUFFER_S, lambda: self._dial_timeout(leg, wait))
        for callee in undialable:
            # 13224 "Dial: Twilio does not support calling this number or the number is invalid"
            # ("when the provided number is not in E.164 format"): that leg fails.
            self.record_error(
                13224,
                f"Twilio does not support calling this number or the number is invalid: "
                f"{callee.to!r}",
                leg.sid,
                leg.frame.url if leg.frame else None,
            )
            self._end_leg(callee, "failed")
        return True

    def _dial_timeout(self, parent: Leg, wait: DialWait) -> None:
        if wait.answered_sid is not None:
            return
        for sid in list(wait.children):
            child = self.calls_by_sid[sid]
            if child.status in RINGING_STATUSES:
                child.dial_parent = None  # detach first: the parent concludes below
                self._end_leg(child, "no-answer")
                child.dial_parent = parent.sid
        self._finish_dial(parent, wait, "no-answer")

    def _child_answered(self, child: Leg) -> None:
        parent = self.calls_by_sid[child.dial_parent or ""]
        wait = parent.wait
        if not isinstance(wait, DialWait) or wait.answered_sid is not None:
            # Someone else won the race; this late answer is hung up.
            self._end_leg(child, "completed")
            return
        wait.answered_sid = child.sid
        for sid in wait.children:
            other = self.calls_by_sid[sid]
            if sid != child.sid and other.status in RINGING_STATUSES:
                self._end_leg(other, "canceled")
        if child.whisper_url:
            self._fetch(child, child.whisper_url, child.whisper_method, "whisper")
        else:
            self._bridge(parent, wait, child)

    def _bridge(self, parent: Leg, wait: DialWait, child: Leg) -> None:
        wait.bridged = True
        wait.bridged_at = self.now()
        parent.bridged_with = child.sid
        child.bridged_with = parent.sid
        child.frame = None
        child.wait = None
        if wait.time_limit_s:
            step = parent.step
            self._schedule(
                wait.time_limit_s,
                lambda: (
                    self._end_leg(child, "completed")
                    if parent.step == step and child.status == "in-progress"
                    else None
                ),
            )

    def _child_ended(self, child: Leg) -> None:
        parent = self.calls_by_sid.get(child.dial_parent or "")
        if parent is None or not isinstance(parent.wait, DialWait):
            return
        wait = parent.wait
        if child.sid not in wait.children:
            return
        if wait.answered_sid == child.sid:
            if wait.bridged:
                self._finish_dial(parent, wait, "completed")
                return
            # Screening refused (or the callee hung up during the whisper).
            wait.answered_sid = None
            wait.last_child_status = "completed"
        elif wait.answered_sid is None:
            wait.last_child_status = child.status
        pending = [
            sid for sid in wait.children if self.calls_by_sid[sid].status in RINGING_STATUSES
        ]
        if not pending and wait.answered_sid is None:
            self._finish_dial(parent, wait, wait.last_child_status)

    def _dial_result(self, wait: DialWait, status: str) -> dict[str, str]:
        result = {"DialCallStatus": status, "DialBridged": as_form_bool(wait.bridged)}
        child_sid = wait.answered_sid or (wait.children[-1] if wait.children else None)
        if child_sid:
            result["DialCallSid"] = child_sid
        if wait.bridged and wait.bridged_at is not None:
            seconds = int((self.now() - wait.bridged_at).total_seconds())
            result["DialCallDuration"] = str(seconds)
        else:
            result["DialCallDuration"] = "0"
        return result

    def _finish_dial(self, parent: Leg, wait: DialWait, status: str) -> None:
        if parent.wait is not wait:
            return
        parent.wait = None
        parent.step += 1
        if status == "busy":
            parent.hear(BUSY_TONE)
        if not self._post_action(parent, wait.action, wait.method, self._dial_result(wait, status)):
            self._run(parent)

    def _abandon_dial(self, parent: Leg, wait: DialWait, caller_hung_up: bool) -> None:
        """The parent leaves the Dial (hang-up or redirect): end its children."""
        for sid in wait.children:
            child = self.calls_by_sid[sid]
            child.dial_parent = None
            if child.status in RINGING_STATUSES:
                self._end_leg(child, "canceled")
            elif child.status == "in-progress":
                self._end_leg(child, "completed")
            child.dial_parent = parent.sid
        if caller_hung_up and wait.action:
            status = "completed" if wait.bridged else "canceled"
            self._post_action(parent, wait.action, wait.method, self._dial_result(wait, status))

    # ===== conferences ==========================================================================

    def _dial_conference(self, leg: Leg, noun: twiml.Node, action: str | None, method: str) -> bool:
        options = ParticipantOptions(
            label=noun.get("participantLabel"),
            beep=(noun.get("beep", "true") or "true"),
            start_on_enter=noun.get_bool("startConferenceOnEnter", True),
            end_on_exit=noun.get_bool("endConferenceOnExit", False),
            muted=noun.get_bool("muted", False),
            coaching=noun.get_bool("coach", False),
            wait_url=(
                None
                if noun.get("waitUrl") is None
                else (self._resolve(leg, noun.get("waitUrl")) or "")
            ),
            wait_method=(noun.get("waitMethod", "POST") or "POST").upper(),
            status_callback=self._resolve(leg, noun.get("statusCallback")),
            status_callback_events=tuple(
                _split_events(noun.get("statusCallbackEvent"), ("start", "end"))
            ),
            status_callback_method=(noun.get("statusCallbackMethod", "POST") or "POST").upper(),
            max_participants=noun.get_int("maxParticipants", 250),
        )
        room = self.find_or_create_conference(noun.text)
        if options.label and room.participant(options.label) is not None:
            # "If a participant with the same label already exists in the conference, 16025 error
            # notification will be reported ... The call will not be added into the conference
            # and instead continue to the next TwiML verb." (TwiML <Conference>, participantLabel)
            self.record_error(
                16025,
                f"Participant label {options.label!r} is already in use in conference "
                f"{room.friendly_name!r}",
                leg.sid,
                leg.frame.url if leg.frame else None,
            )
            return False
        participant = Participant(
            call_sid=leg.sid,
            conference_sid=room.sid,
            options=options,
            created_at=self.now(),
            updated_at=self.now(),
        )
        leg.step += 1
        self._join_conference(leg, participant, ConferenceWait(action, method, room.sid))
        return True

    def find_conference(self, key: str) -> Conference | None:
        """A conference by SID, else the newest one with that friendly name."""
        with self.lock:
            if key in self.conferences:
                return self.conferences[key]
            named = [c for c in self.conferences.values() if c.friendly_name == key]
            active = [c for c in named if c.status != "completed"]
            candidates = active or named
            return candidates[-1] if candidates else None

    def find_or_create_conference(self, name: str) -> Conference:
        """The active conference with this friendly name, or a new one in `init`."""
        found = self.find_conference(name)
        if found is not None and found.status != "completed":
            return found
        now = self.now()
        room = Conference(
            sid=new_sid("CF"),
            friendly_name=name,
            account_sid=self.account_sid,
            created_at=now,
            updated_at=now,
        )
        self.conferences[room.sid] = room
        return room

    def _conference_event(
        self, room: Conference, event: str, participant: Participant | None = None, **extra: str
    ) -> None:
        room.events.append(event)
        category = CONFERENCE_EVENT_CATEGORY.get(event, event)
        if not room.status_callback or category not in room.status_callback_events:
            return
        room.sequence += 1
        params = {
            "AccountSid": room.account_sid,
            "ConferenceSid": room.sid,
            "FriendlyName": room.friendly_name,
            "StatusCallbackEvent": event,
            "Timestamp": rfc2822(self.now()) or "",
            "SequenceNumber": str(room.sequence),
        }
        if participant is not None:
            params.update(
                {
                    "CallSid": participant.call_sid,
                    "Muted": as_form_bool(participant.muted),
                    "Hold": as_form_bool(participant.hold),
                    "Coaching": as_form_bool(participant.options.coaching),
                    "EndConferenceOnExit": as_form_bool(participant.options.end_on_exit),
                    "StartConferenceOnEnter": as_form_bool(participant.options.start_on_enter),
                }
            )
            if participant.label:
                params["ParticipantLabel"] = participant.label
        params.update(extra)
        self._webhook(
            "conference-status",
            room.status_callback,
            room.status_callback_method,
            params,
            participant.call_sid if participant else None,
        )

    def _join_conference(
        self, leg: Leg, participant: Participant, dial: ConferenceWait | None
    ) -> None:
        room = self.conferences[participant.conference_sid]
        room.pending.pop(leg.sid, None)
        if (
            room.status == "completed"
            or len(room.participants) >= participant.options.max_participants
        ):
            leg.hear("[conférence terminée]")
            if dial is None or not self._post_action(leg, dial.action, dial.method, {}):
                self._end_leg(leg, "completed")
            return
        options = participant.options
        if room.status_callback is None and options.status_callback:
            room.status_callback = options.status_callback
            room.status_callback_events = frozenset(options.status_callback_events)
            room.status_callback_method = options.status_callback_method
        now = self.now()
        participant.status = "connected"
        participant.joined_at = now
        participant.updated_at = now
        participant.muted = participant.muted or options.muted
        room.participants[leg.sid] = participant
        if participant not in room.history:
            room.history.append(participant)
        room.updated_at = now
        leg.conference_sid = room.sid
        leg.participant_target = participant
        if dial is not None:
            leg.wait = dial
        self._conference_event(room, "participant-join", participant)
        if options.beep in ("true", "onEnter"):
            for other_sid in room.participants:
                if other_sid != leg.sid:
                    self.calls_by_sid[other_sid].hear(BEEP)
        if room.status == "init":
            starters = [p for p in room.participants.values() if p.options.start_on_enter]
            if starters and len(room.participants) >= 2:
                room.status = "in-progress"
                room.updated_at = now
                for other_sid in room.participants:
                    self.calls_by_sid[other_sid].step += 1  # stops any wait music in flight
                self._conference_event(room, "conference-start")
            else:
                self._play_side(leg, options.wait_url, options.wait_method, "wait")

    def _play_side(self, leg: Leg, url: str | None, method: str, kind: str, depth: int = 0) -> None:
        """Wait, hold or announcement music: fetched TwiML whose Say/Play the person hears."""
        if url is None:
            leg.hear(HOLD_MUSIC)
            return
        if url == "" or depth > MAX_SIDE_REDIRECTS:
            return
        step = leg.step
        params = self._call_params(leg)

        def done(record: WebhookRecord) -> None:
            if leg.step != step or leg.status in FINAL_STATUSES:
                return
            if record.ok and record.response_body.lstrip().startswith("<"):
                try:
                    verbs = twiml.parse(record.response_body)
                except twiml.TwimlError as exc:
                    self.record_error(exc.code, str(exc), leg.sid, url)
                    return
            else:
                leg.hear(f"[play {url}]")  # an audio file played as wait music
                return
            for node in verbs:
                if node.tag == "Say":
                    self._hear_say(leg, node)
                elif node.tag == "Play" and node.text:
                    leg.hear(f"[play {node.text}]")
                elif node.tag == "Redirect" and node.text:
                    target = urljoin(url, node.text)
                    self._play_side(
                        leg, target, node.get("method", "POST") or "POST", kind, depth + 1
                    )
                    return

        self._webhook(kind, url, method, params, leg.sid, done)

    def _leave_conference(self, leg: Leg, reason: str, kicked: bool = False) -> None:
        room = self.conferences.get(leg.conference_sid or "")
        leg.conference_sid = None
        if room is None:
            return
        participant = room.participants.pop(leg.sid, None)
        if participant is None:
            return
        now = self.now()
        participant.status = "complete"
        participant.left_at = now
        participant.updated_at = now
        room.updated_at = now
        self._conference_event(
            room,
            "participant-leave",
            participant,
            ParticipantCallStatus=leg.status,
            ReasonParticipantLeft=reason,
        )
        if participant.options.beep in ("true", "onExit"):
            for other_sid in room.participants:
                self.calls_by_sid[other_sid].hear(BEEP)
        if room.status == "completed":
            return
        if participant.options.end_on_exit:
            suffix = "kicked" if kicked else "left"
            self._end_conference(room, f"participant-with-end-conference-on-exit-{suffix}", leg.sid)
        elif not room.participants and not room.pending:
            suffix = "kicked" if kicked else "left"
            self._end_conference(room, f"last-participant-{suffix}", leg.sid)

    def _end_conference(self, room: Conference, reason: str, ending_sid: str | None) -> None:
        if room.status == "completed":
            return
        was_started = room.status == "in-progress"
        room.status = "completed"
        room.reason_ended = reason
        room.call_sid_ending = ending_sid
        room.updated_at = self.now()
        remaining = list(room.participants)
        for sid in remaining:
            leg = self.calls_by_sid[sid]
            self._leave_conference_quietly(room, leg)
        for sid in list(room.pending):
            room.pending.pop(sid)
            self._end_leg(self.calls_by_sid[sid], "canceled")
        if was_started or remaining or ending_sid:
            extra = {"ReasonConferenceEnded": reason, "Reason": _reason_text(reason, ending_sid)}
            if ending_sid:
                extra["CallSidEndingConference"] = ending_sid
                ending = next((p for p in room.history if p.call_sid == ending_sid), None)
                if ending is not None and ending.label:
                    extra["ParticipantLabelEndingConference"] = ending.label
            self._conference_event(room, "conference-end", None, **extra)
        for sid in remaining:
            self._after_conference(self.calls_by_sid[sid])

    def _leave_conference_quietly(self, room: Conference, leg: Leg) -> None:
        participant = room.participants.pop(leg.sid)
        now = self.now()
        participant.status = "complete"
        participant.left_at = now
        leg.conference_sid = None
        self._conference_event(
            room,
            "participant-leave",
            participant,
            ParticipantCallStatus=leg.status,
            ReasonParticipantLeft=LEFT_BECAUSE_CONFERENCE_ENDED.get(
                room.reason_ended or "", "conference_ended_via_api"
            ),
        )

    def _after_conference(self, leg: Leg) -> None:
        """The conference ended under this leg: continue after its <Dial>, or hang up."""
        wait = leg.wait
        leg.participant_target = None
        if isinstance(wait, ConferenceWait):
            leg.wait = None
            leg.step += 1
            if not self._post_action(leg, wait.action, wait.method, {"DialCallStatus": "answered"}):
                self._run(leg)
        else:
            self._end_leg(leg, "completed")

    def _drop_pending_participant(self, leg: Leg) -> None:
        participant = leg.participant_target
        leg.participant_target = None
        if participant is None:
            return
        room = self.conferences.get(participant.conference_sid)
        participant.status = "failed" if leg.status == "failed" else "complete"
        if room is None:
            return
        room.pending.pop(leg.sid, None)
        if participant.via_rest and leg.status in ("no-answer", "busy", "failed", "canceled"):
            # The changelog of 2023-10-25: a participant added through the API who "failed to
            # answer" gets a participant-leave carrying the call's status and the reason.
            self._conference_event(
                room,
                "participant-leave",
                participant,
                ParticipantCallStatus=leg.status,
                ReasonParticipantLeft="participant_add_failed",
            )
        if room.status == "init" and not room.participants and not room.pending:
            room.status = "completed"
            room.reason_ended = "last-participant-left"
            room.updated_at = self.now()

    def _detach(self, leg: Leg) -> None:
        """Pull a live leg out of whatever it is doing, before new TwiML runs on it."""
        wait, leg.wait, leg.frame = leg.wait, None, None
        leg.step += 1
        if isinstance(wait, DialWait):
            self._abandon_dial(leg, wait, caller_hung_up=False)
        if leg.conference_sid:
            self._leave_conference(leg, "participant_updated_via_api")
        leg.participant_target = None
        if leg.bridged_with:
            peer = self.calls_by_sid[leg.bridged_with]
            leg.bridged_with = None
            peer.bridged_with = None
            if peer.dial_parent == leg.sid:
                self._end_leg(peer, "completed")
            elif leg.dial_parent == peer.sid and isinstance(peer.wait, DialWait):
                self._finish_dial(peer, peer.wait, "completed")
        leg.dial_parent = None

    # ===== what simulated people do =============================================================

    def press(self, sid: str, digits: str) -> None:
        """Keys pressed by the person on leg `sid`."""
        with self.lock:
            self._press(self.calls_by_sid[sid], digits)
            self._wake.notify_all()

    def _press(self, leg: Leg, digits: str) -> None:
        for key in digits:
            if leg.status != "in-progress":
                return
            leg.keys_pressed.append(key)
            wait = leg.wait
            if isinstance(wait, GatherWait) and "dtmf" in wait.inputs:
                if isinstance(wait, PromptedGather) and wait.prompting:
                    # Barge-in: a key stops the prompt; what was not said yet is never heard.
                    wait.prompting = False
                    wait.prompts.clear()
                if wait.finish_on_key and key in wait.finish_on_key:
                    if wait.digits:
                        self._gather_done(leg, wait, {"Digits": wait.digits})
                    else:
                        # "enters # before entering any other digits": as a timeout without
                        # input, the next verb runs (unless actionOnEmptyResult).
                        self._gather_timeout(leg, wait)
                    continue
                wait.digits += key
                if wait.num_digits and len(wait.digits) >= wait.num_digits:
                    self._gather_done(leg, wait, {"Digits": wait.digits})
                else:
                    leg.step += 1  # the inter-digit timeout restarts
                    self._arm_gather_timeout(leg, wait)
            elif isinstance(wait, RecordWait) and key in wait.finish_on_key:
                self._record_stopped(leg, wait, key)
            elif (
                isinstance(wait, DialWait)
                and wait.hangup_on_star
                and key == "*"
                and wait.bridged
                and wait.answered_sid
            ):
                self._end_leg(self.calls_by_sid[wait.answered_sid], "completed")

    def say(self, sid: str, text: str) -> None:
        """Words spoken by the person on leg `sid`."""
        with self.lock:
            leg = self.calls_by_sid[sid]
            if leg.status != "in-progress":
                return
            wait = leg.wait
            if isinstance(wait, GatherWait) and "speech" in wait.inputs:
                self._gather_done(leg, wait, {"SpeechResult": text, "Confidence": "0.92"})
            elif leg.bridged_with:
                self.calls_by_sid[leg.bridged_with].hear(f"« {text} »")
            elif leg.conference_sid:
                room = self.conferences[leg.conference_sid]
                me = room.participants.get(leg.sid)
                if me is None or me.muted or me.hold or room.status != "in-progress":
                    return
                for other_sid, other in room.participants.items():
                    if other_sid != leg.sid and not other.hold:
                        self.calls_by_sid[other_sid].hear(f"« {text} »")
            self._wake.notify_all()

    def speak(self, sid: str, seconds: float) -> None:
        """The person talks for `seconds` (recorded when a <Record> is running)."""
        with self.lock:
            leg = self.calls_by_sid[sid]
            wait = leg.wait
            if leg.status != "in-progress" or not isinstance(wait, RecordWait):
                return
            wait.seconds = min(wait.max_length_s, wait.seconds + seconds)
            leg.step += 1
            if wait.seconds >= wait.max_length_s:
                self._record_stopped(leg, wait, None)
            else:
                self._arm_record_silence(leg, wait)
            self._wake.notify_all()

    def hang_up(self, sid: str) -> None:
        """The person on leg `sid` hangs up (declines when it is ringing at them)."""
        with self.lock:
            leg = self.calls_by_sid[sid]
            if leg.status in RINGING_STATUSES and leg.rings_person:
                self._end_leg(leg, "busy")
            else:
                self._end_leg(leg, "completed" if leg.status == "in-progress" else "canceled")
            self._wake.notify_all()

    def answer(self, sid: str) -> None:
        """The person picks up the ringing leg `sid`."""
        with self.lock:
            leg = self.calls_by_sid[sid]
            if leg.status != "ringing" or not leg.rings_person:
                raise SandboxError(409, 21220, f"{sid} is not ringing")
            self._answer(leg)
            self._wake.notify_all()

    def decline(self, sid: str) -> None:
        """The person declines the ringing leg `sid` (it ends busy)."""
        with self.lock:
            leg = self.calls_by_sid[sid]
            if leg.status in RINGING_STATUSES and leg.rings_person:
                self._end_leg(leg, "busy")
            self._wake.notify_all()

    # ===== REST operations (validated input; the REST layer shapes the JSON) ====================

    def create_call(self, form: dict[str, Any]) -> Leg:
        """CreateCall: an outbound-api leg to `To`, running `Url`/`Twiml` once answered."""
        with self.lock:
            to, from_ = form.get("To"), form.get("From")
            if not to:
                raise SandboxError(400, 21201, "No 'To' number is specified")
            if not from_:
                raise SandboxError(400, 21603, "A 'From' phone number is required.")
            url, twiml_text = form.get("Url"), form.get("Twiml")
            if not url and not twiml_text and not form.get("ApplicationSid"):
                raise SandboxError(400, 21205, "Url parameter is required.")
            if twiml_text and not url:
                _check_rest_twiml(twiml_text)
            timeout_s = _form_int(form, "Timeout", 60) or 60
            time_limit_s = _form_int(form, "TimeLimit", None)
            leg = self._new_leg(from_, to, "outbound-api")
            leg.url = url or None
            leg.twiml = None if url else twiml_text
            leg.method = (form.get("Method") or "POST").upper()
            leg.fallback_url = form.get("FallbackUrl") or None
            leg.fallback_method = (form.get("FallbackMethod") or "POST").upper()
            self._configure_status(leg, form)
            leg.timeout_s = timeout_s
            leg.time_limit_s = time_limit_s
            leg.send_digits = form.get("SendDigits") or None
            leg.amd = parties.amd_from_form(form)
            self._enqueue(lambda: self._initiate(leg) if leg.status == "queued" else None)
            return leg

    def _configure_status(self, leg: Leg, form: dict[str, Any]) -> None:
        leg.status_callback = form.get("StatusCallback") or None
        leg.status_callback_method = (form.get("StatusCallbackMethod") or "POST").upper()
        leg.status_events = _split_events(form.get("StatusCallbackEvent"), ("completed",))

    def update_call(self, sid: str, form: dict[str, Any]) -> Leg:
        """UpdateCall: redirect to new TwiML, cancel, or hang up."""
        with self.lock:
            leg = self.calls_by_sid.get(sid)
            if leg is None:
                raise SandboxError(404, 20404, _not_found(f"/Calls/{sid}.json"))
            status = form.get("Status")
            if status and status not in ("canceled", "completed"):
                raise SandboxError(400, 21218, f"Invalid Status {status!r}")
            url, twiml_text = form.get("Url"), form.get("Twiml")
            if twiml_text and not url:
                # Refuse bad TwiML before touching the call: Twilio leaves it as it was.
                _check_rest_twiml(twiml_text)
            if form.get("StatusCallback"):
                leg.status_callback = form["StatusCallback"]
                leg.status_callback_method = (form.get("StatusCallbackMethod") or "POST").upper()
            if status:
                if leg.status in RINGING_STATUSES:
                    self._end_leg(leg, "canceled")
                elif leg.status == "in-progress" and status == "completed":
                    self._end_leg(leg, "completed")
                self._wake.notify_all()
                return leg
            if not url and not twiml_text:
                return leg
            if leg.status != "in-progress":
                if leg.status in RINGING_STATUSES:
                    leg.url, leg.twiml = url or None, None if url else twiml_text
                    return leg
                raise SandboxError(400, 21220, "Call is not in-progress. Cannot redirect.")
            self._detach(leg)
            if url:
                leg.url = url
                self._fetch(leg, url, (form.get("Method") or "POST").upper(), "redirect")
            else:
                self._run_document(leg, twiml_text or "", None, "POST")
            self._wake.notify_all()
            return leg

    def conference_for_rest(self, key: str, create: bool, sid_only: bool = False) -> Conference:
        """A conference addressed by SID, or (CreateParticipant, UpdateConference) by name.

        With `sid_only` (List/Fetch/Update/DeleteParticipant, whose `ConferenceSid` the spec
        constrains to `^CF[0-9a-fA-F]{32}$`) a friendly name is unknown, as on Twilio.
        """
        if sid_only:
            with self.lock:
                found = self.conferences.get(key)
            if found is None:
                raise SandboxError(404, 20404, _not_found(f"/Conferences/{key}/Participants.json"))
            return found
        room = self.find_conference(key)
        if room is not None and (room.status != "completed" or not create):
            return room
        if key.startswith("CF") and len(key) == 34:
            raise SandboxError(404, 20404, _not_found(f"/Conferences/{key}.json"))
        if not create:
            raise SandboxError(
                404, 20404, f"Could not recognize conference sid or friendly name {key}"
            )
        return self.find_or_create_conference(key)

    def create_participant(self, conference_key: str, form: dict[str, Any]) -> Participant:
        """CreateParticipant: dial `To` and put them in the room when they answer."""
        from hotline.sandbox.model import parse_bool

        with self.lock:
            to, from_ = form.get("To"), form.get("From")
            if not to:
                raise SandboxError(400, 21201, "No 'To' number is specified")
            if not from_:
                raise SandboxError(400, 21603, "A 'From' phone number is required.")
            room = self.conference_for_rest(conference_key, create=True)
            label = form.get("Label") or None
            if label and (
                len(label) > 128 or "/" in label or "%2F" in label.upper() or _is_call_sid(label)
            ):
                # 16024: "The value must be 128 characters or fewer, it cannot resemble a Call
                # SID, and it cannot contain /, including %2F."
                raise SandboxError(400, 16024, f"Invalid participant label {label!r}")
            if label and room.participant(label) is not None:
                # 16026: "The participant label specified in an API call to create a voice
                # conference participant is already in use by another active participant".
                raise SandboxError(400, 16026, "Participant label is in use by another participant")
            wait_url = form.get("WaitUrl")
            timeout_s = _form_int(form, "Timeout", 60) or 60
            time_limit_s = _form_int(form, "TimeLimit", None)
            max_participants = _form_int(form, "MaxParticipants", 250) or 250
            options = ParticipantOptions(
                label=label,
                beep=str(form.get("Beep") or "true"),
                start_on_enter=parse_bool(form.get("StartConferenceOnEnter"), True),
                end_on_exit=parse_bool(form.get("EndConferenceOnExit"), False),
                muted=parse_bool(form.get("Muted"), False),
                coaching=parse_bool(form.get("Coaching"), False),
                wait_url=None if wait_url is None else wait_url,
                wait_method=(form.get("WaitMethod") or "POST").upper(),
                status_callback=form.get("ConferenceStatusCallback") or None,
                status_callback_events=tuple(
                    _split_events(form.get("ConferenceStatusCallbackEvent"), ("start", "end"))
                ),
                status_callback_method=(
                    form.get("ConferenceStatusCallbackMethod") or "POST"
                ).upper(),
                max_participants=max_participants,
            )
            leg = self._new_leg(str(form.get("CallerId") or from_), to, "outbound-api")
            self._configure_status(leg, form)
            leg.amd = parties.amd_from_form(form, participant=True)
            leg.timeout_s = timeout_s
            leg.time_limit_s = time_limit_s
            now = self.now()
            participant = Participant(
                call_sid=leg.sid,
                conference_sid=room.sid,
                options=options,
                created_at=now,
                updated_at=now,
                muted=options.muted,
                via_rest=True,
            )
            leg.participant_target = participant
            room.pending[leg.sid] = participant

            def ring() -> None:
                if leg.status == "queued":
                    participant.status = "ringing"
                    self._initiate(leg)

            self._enqueue(ring)
            return participant

    def participant_for_rest(self, conference_key: str, key: str) -> tuple[Conference, Participant]:
        """Find a participant of a conference (by CF SID) by CallSid or label; 404 otherwise."""
        room = self.conference_for_rest(conference_key, create=False, sid_only=True)
        participant = room.participant(key)
        if participant is None:
            raise SandboxError(404, 20404, _not_found(f"/Participants/{key}.json"))
        return room, participant

    def update_participant(
        self, conference_key: str, key: str, form: dict[str, Any]
    ) -> Participant:
        """UpdateParticipant: mute, hold (with hold music), announce, end-on-exit."""
        from hotline.sandbox.model import parse_bool

        with self.lock:
            room, participant = self.participant_for_rest(conference_key, key)
            leg = self.calls_by_sid[participant.call_sid]
            participant.updated_at = self.now()
            if "Muted" in form:
                muted = parse_bool(form["Muted"], participant.muted)
                if muted != participant.muted:
                    participant.muted = muted
                    event = "participant-mute" if muted else "participant-unmute"
                    self._conference_event(room, event, participant)
            if "Hold" in form:
                hold = parse_bool(form["Hold"], participant.hold)
                if hold != participant.hold:
                    participant.hold = hold
                    self._conference_event(
                        room, "participant-hold" if hold else "participant-unhold", participant
                    )
                    if hold:
                        hold_url = form.get("HoldUrl")
                        self._play_side(
                            leg,
                            None if hold_url is None else hold_url,
                            (form.get("HoldMethod") or "GET").upper(),
                            "hold",
                        )
            if "EndConferenceOnExit" in form:
                participant.options.end_on_exit = parse_bool(
                    form["EndConferenceOnExit"], participant.options.end_on_exit
                )
            if "BeepOnExit" in form and not parse_bool(form["BeepOnExit"], True):
                participant.options.beep = (
                    "onEnter" if participant.options.beep in ("true", "onEnter") else "false"
                )
            if form.get("AnnounceUrl"):
                self._play_side(
                    leg,
                    form["AnnounceUrl"],
                    (form.get("AnnounceMethod") or "POST").upper(),
                    "announce",
                )
            self._wake.notify_all()
            return participant

    def delete_participant(self, conference_key: str, key: str) -> None:
        """DeleteParticipant: kick them out; their leg ends."""
        with self.lock:
            _, participant = self.participant_for_rest(conference_key, key)
            leg = self.calls_by_sid[participant.call_sid]
            if participant.status != "connected":
                self._end_leg(leg, "canceled")
                return
            self._leave_conference(leg, "participant_updated_via_api", kicked=True)
            leg.wait = None
            leg.participant_target = None
            self._end_leg(leg, "completed")
            self._wake.notify_all()

    def update_conference(self, key: str, form: dict[str, Any]) -> Conference:
        """UpdateConference: end it, or play an announcement to everyone."""
        with self.lock:
            room = self.conference_for_rest(key, create=False)
            status = form.get("Status")
            if status and status != "completed":
                raise SandboxError(400, 21218, f"Invalid Status {status!r}")
            if status == "completed":
                self._end_conference(room, "conference-ended-via-api", None)
            if form.get("AnnounceUrl"):
                for sid in room.participants:
                    self._play_side(
                        self.calls_by_sid[sid],
                        form["AnnounceUrl"],
                        (form.get("AnnounceMethod") or "POST").upper(),
                        "announce",
                    )
            self._wake.notify_all()
            return room

    def delete_call(self, sid: str) -> None:
        """DeleteCall: forget a finished call."""
        with self.lock:
            leg = self.calls_by_sid.get(sid)
            if leg is None:
                raise SandboxError(404, 20404, _not_found(f"/Calls/{sid}.json"))
            if leg.status not in FINAL_STATUSES:
                raise SandboxError(400, 21220, "Cannot delete a call in progress")
            del self.calls_by_sid[sid]

    def ended_before(self, moment: datetime) -> list[Leg]:
        """Legs that ended before `moment` (handy for reconciliation tests)."""
        with self.lock:
            return [
                leg for leg in self.calls_by_sid.values() if leg.end_time and leg.end_time < moment
            ]
