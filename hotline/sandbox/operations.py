"""What tests and the REST API do to calls: people pressing, speaking and hanging up; CreateCall,
UpdateCall, participants and conferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from hotline.sandbox import parties, twiml
from hotline.sandbox.common import (
    SandboxError,
    split_events,
)
from hotline.sandbox.host import EnginePart
from hotline.sandbox.model import (
    FINAL_STATUSES,
    RINGING_STATUSES,
    Conference,
    DialWait,
    GatherWait,
    Leg,
    Participant,
    ParticipantOptions,
    RecordWait,
)
from hotline.sandbox.speech import PromptedGather
from hotline.sandbox.validate import validate


def _not_found(path: str) -> str:
    return f"The requested resource {path} was not found"


def _form_int(form: dict[str, Any], name: str, default: int | None) -> int | None:
    """An integer REST field; a malformed value is Twilio's 400, not a server error."""
    raw = form.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise SandboxError(400, 20001, f"Invalid value for {name}: {raw!r}") from None


def _check_rest_twiml(text: str) -> None:
    """A `Twiml` REST parameter that is not valid TwiML is refused (the call is left as it was)."""
    try:
        _, issues = validate(twiml.parse(text))
    except twiml.TwimlError as exc:
        raise SandboxError(400, 21205, f"Invalid Twiml: {exc}") from exc
    if issues:
        raise SandboxError(400, 21205, f"Invalid Twiml: {issues[0].message}")


def _is_call_sid(value: str) -> bool:
    return (
        len(value) == 34
        and value.startswith("CA")
        and all(c in "0123456789abcdef" for c in value[2:])
    )


def _client_parameters(to: str) -> tuple[str, dict[str, str]]:
    """A client address split from the custom parameters of its query string."""
    if not to.startswith("client:") or "?" not in to:
        return to, {}
    address, _, query = to.partition("?")
    return address, dict(parse_qsl(query, keep_blank_values=True))


class OperationsMixin(EnginePart):
    """What simulated people and REST requests do to calls and conferences."""

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
            # "Custom parameters can be passed to the specified Client ID [...] in the to field
            # using query string notation" (Call resource): the client is rung at its identity.
            to, custom_params = _client_parameters(to)
            leg = self._new_leg(from_, to, "outbound-api")
            leg.custom_params = custom_params
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
        leg.status_events = split_events(form.get("StatusCallbackEvent"), ("completed",))

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
                    split_events(form.get("ConferenceStatusCallbackEvent"), ("start", "end"))
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
