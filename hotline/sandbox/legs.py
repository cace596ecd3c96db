"""A call leg's life: created, rung, answered, ended (with its status callbacks)."""

from __future__ import annotations

import math

import phonenumbers

from hotline.sandbox import parties
from hotline.sandbox.common import (
    API_VERSION,
    PRICE_PER_MINUTE,
    RING_BUFFER_S,
    SandboxError,
)
from hotline.sandbox.host import EnginePart
from hotline.sandbox.model import (
    FINAL_STATUSES,
    ConferenceWait,
    DialWait,
    Leg,
    RecordWait,
    new_sid,
    rfc2822,
)
from hotline.sandbox.policies import Answer, Decline


def _region(address: str) -> str | None:
    if not address.startswith("+"):
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(address))
    except phonenumbers.NumberParseException:
        return None


class LegsMixin(EnginePart):
    """Legs: creating, ringing, answering and ending them."""

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
