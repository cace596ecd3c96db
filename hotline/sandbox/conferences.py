"""Conference rooms: <Dial><Conference>, joins, leaves, the end of a room and its status events."""

from __future__ import annotations

from urllib.parse import urljoin

from hotline.sandbox import twiml
from hotline.sandbox.common import (
    BEEP,
    HOLD_MUSIC,
    split_events,
)
from hotline.sandbox.host import EnginePart
from hotline.sandbox.model import (
    FINAL_STATUSES,
    Conference,
    ConferenceWait,
    DialWait,
    Leg,
    Participant,
    ParticipantOptions,
    as_form_bool,
    new_sid,
    rfc2822,
)
from hotline.sandbox.webhooks import WebhookRecord

# Redirect loops inside wait/hold music are cut short: the music would loop forever on Twilio.
MAX_SIDE_REDIRECTS = 3
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


class ConferencesMixin(EnginePart):
    """Conference rooms, their participants and their events."""

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
                split_events(noun.get("statusCallbackEvent"), ("start", "end"))
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
