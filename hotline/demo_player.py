"""The demo year's player: one planned request played through the app's services at its moment.

Each planned request (``hotline.demo_plan``) is a call: ``start_request`` opens it, the GP's
choice at the menu routes it to the nurses (``routing.services``) or to interpreters
(``interpreter_pool.services``), the legs' status callbacks and the room's participant events
are folded by ``record_call_status`` and ``record_conference_event`` and heard by the features
through ``hooks`` (so the ledger posts each session priced by its contract, and the budgets
fire their alerts); voicemails and follow-ups become callbacks (``callbacks``). Only Twilio is
played here (``PastTwilio``): an intent the outbox records is answered as Twilio would have (a
made-up SID for a call) and its follow-up runs. Nothing is inserted past the rules; nothing
names a patient. A composition root, like ``hotline.demo``: it wires every feature.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks import calling
from callbacks import twiml as callback_twiml
from hotline import demo_tables, hooks, lifecycle
from hotline.callstate import TERMINAL_STATUSES
from hotline.demo_plan import PlannedRequest
from hotline.demo_twilio import SID_PREFIX, PastLeg, PastTwilio, voice_of
from hotline.hooks import CallbackReason
from hotline.models import (
    Call,
    Helpline,
    OutboxMessage,
    Request,
    User,
)
from hotline.services import log_event, record_call_status, record_conference_event, start_request
from hotline.telephony.parsing import (
    CallStatusCallback,
    ConferenceEvent,
    Recording,
)
from interpreter_pool import services as interpreting
from interpreter_pool import twiml as interpreting_twiml
from interpreter_pool.finance import reconcile_session, record_leg_price
from interpreter_pool.labels import interpreter_label
from interpreter_pool.models import InterpretingSession, SessionStatus
from routing import services as nurse_routing
from routing import twiml as routing_twiml
from routing.models import NurseRouting
from routing.twiml import nurse_label

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class YearSeeded:
    """What ``seed_year`` did: how many requests it played, and how long it took."""

    requests: int
    seconds: float
    already: bool = False


class YearPlayer:
    """Plays the planned requests of the year, one after the other, at their own moments."""

    def __init__(self, session: Session, helpline: Helpline, public_root: str, seed: int) -> None:
        self.session = session
        self.helpline = helpline
        self.tz = ZoneInfo(helpline.timezone)
        self.twilio = PastTwilio(session, public_root)
        self.nurse_urls = routing_twiml.NurseUrls(public_root)
        self.interpreting_urls = interpreting_twiml.InterpretingUrls(public_root)
        self.callback_urls = callback_twiml.CallbackUrls(public_root)
        self.rnd = random.Random(seed)
        self.sequence = 0
        self.to_log_after_callback: dict[int, PlannedRequest] = {}

    # --- Twilio's callbacks, as the webhooks fold them ------------------------------------

    def status(self, call: Call, status: str, at: datetime, duration_s: int | None = None) -> Call:
        """A leg's status callback (``/twilio/voice/status`` and the flows' leg webhooks)."""
        self.sequence += 1
        callback = CallStatusCallback(
            call=voice_of(call.sid, call.from_number, call.to_number, call.direction),
            status=status,
            timestamp=at,
            sequence_number=self.sequence,
            duration_s=duration_s,
        )
        found = record_call_status(self.session, callback, at)
        if found.routing_id is not None and found.routing_step is not None:
            nurse_routing.leg_status(
                self.session, found, callback, found.routing_id, found.routing_step,
                found.user_id, at, self.nurse_urls,
            )  # fmt: skip
        elif found.interpreting_session_id is not None:
            interpreting.leg_status(
                self.session, found, callback, found.interpreting_session_id,
                self._step_of(found), found.interpreter_id, at, self.interpreting_urls,
            )  # fmt: skip
        elif found.role == "gp" and found.status in TERMINAL_STATUSES:
            if found.request is not None:
                lifecycle.calls_ended(self.session, found.request, found, at)
            hooks.send(hooks.gp_left, session=self.session, call=found, now=at)
        self.settle(at)
        return found

    def settle(self, at: datetime) -> list[OutboxMessage]:
        """Twilio does what the services asked: rings made, stopped legs reported ended."""
        made = self.twilio.answer(at)
        while self.twilio.stopped:
            sid, status = self.twilio.stopped.pop(0)
            leg = self.session.scalars(select(Call).where(Call.sid == sid)).first()
            if leg is not None and leg.status not in TERMINAL_STATUSES:
                since = leg.answered_at or at
                self.status(leg, status, at, round((at - since).total_seconds()))
        return made

    def _step_of(self, call: Call) -> int:
        ringing = self.session.get(InterpretingSession, call.interpreting_session_id)
        assert ringing is not None
        for step, targets in enumerate(ringing.plan):
            if any(t["interpreter_id"] == call.interpreter_id for t in targets):
                return step
        return ringing.current_step

    def room(
        self,
        request: Request,
        event: str,
        at: datetime,
        call_sid: str,
        label: str,
        room_sid: str | None = None,
    ) -> None:
        """A participant's join or leave in the request's room (``/twilio/voice/conference``)."""
        self.sequence += 1
        presence = record_conference_event(
            self.session,
            ConferenceEvent(
                conference_sid=room_sid or self._room_sid(request),
                friendly_name=routing_twiml.room_name(request.id),
                event=event,
                call_sid=call_sid,
                label=label,
                timestamp=at,
                sequence_number=self.sequence,
                reason_ended=None,
            ),
            at,
        )
        if presence is not None:
            if event == "participant-join" and label != "gp":
                lifecycle.call_taken(self.session, request, at)
            hooks.send(
                hooks.presence_changed, session=self.session, presence=presence, event=event, now=at
            )
            if presence.joined_at is not None and presence.left_at is not None:
                hooks.send(hooks.presence_closed, session=self.session, presence=presence, now=at)
        self.settle(at)

    def _room_sid(self, request: Request) -> str:
        return f"CF{SID_PREFIX + request.id:032x}"

    def _ring_legs(self, made: list[OutboxMessage]) -> list[Call]:
        sids = [str((m.result or {}).get("sid")) for m in made]
        return list(self.session.scalars(select(Call).where(Call.sid.in_(sids)).order_by(Call.id)))

    # --- one request -----------------------------------------------------------------------

    def play(self, plan: PlannedRequest) -> Request:
        """Play one planned request from the GP's ring to the nurse's log of it."""
        at = plan.at
        gp_sid = self.twilio.sid()
        incoming = start_request(
            self.session,
            voice_of(gp_sid, plan.number, self.helpline.phone_number, "inbound"),
            at,
            self.helpline.phone_number,
        )
        request = incoming.request
        gp = self.status(self._call(gp_sid), "in-progress", at)
        to_nurse = plan.path in ("nurse", "nurse_interpreter", "voicemail")
        at += timedelta(seconds=12)
        log_event(
            self.session, request, "menu_choice", at, call_sid=gp_sid,
            detail={"choice": "nurse" if to_nurse else "interpreter"},
            dedupe_key=f"menu:{gp_sid}:1",
        )  # fmt: skip
        nurse: User | None = None
        if to_nurse:
            nurse, at = self._nurse(request, plan, gp_sid, at)
        if plan.language and (not to_nurse or nurse is not None):
            at = self._interpreter(request, plan, gp_sid, at, nurse)
        elif nurse is not None:
            at += timedelta(minutes=3 + self.rnd.random() * 12)
        if to_nurse and nurse is None:  # he left a message: he was never in the room
            at += timedelta(seconds=50)
        else:
            self.room(request, "participant-leave", at, gp_sid, "gp")
        duration = round((at - gp.answered_at).total_seconds()) if gp.answered_at else 0
        self.status(gp, "completed", at, duration)
        if nurse is not None:
            self._nurse_leaves(request, nurse, at + timedelta(seconds=2))
        self.bill(request, at + timedelta(minutes=3))
        if plan.to_complete:
            return request  # left "to complete" for the nurse
        if to_nurse and nurse is None:
            self.to_log_after_callback[request.id] = plan  # she logs it once she reached him
        else:
            self.log(request, plan, nurse, at + timedelta(minutes=4))
        return request

    def bill(self, request: Request, at: datetime) -> None:
        """Twilio's price of each ended leg, read as the clock's job reads it; an interpreter's
        leg also checks the session's charge (``reconcile_session``)."""
        legs = self.session.scalars(
            select(Call).where(Call.request_id == request.id, Call.priced_at.is_(None))
        ).all()
        for call in legs:
            if call.status not in TERMINAL_STATUSES:
                continue
            leg = PastLeg.of(call)
            charged = self.session.scalars(
                select(InterpretingSession).where(
                    InterpretingSession.connected_call_sid == call.sid,
                    InterpretingSession.reconciled_at.is_(None),
                    InterpretingSession.status == SessionStatus.ENDED,
                )
            ).first()
            if charged is not None:
                reconcile_session(self.session, charged, leg, at)
            else:
                record_leg_price(call, leg, at)
        self.session.flush()

    def _call(self, sid: str) -> Call:
        return self.session.scalars(select(Call).where(Call.sid == sid)).one()

    def _nurse_leaves(self, request: Request, nurse: User, at: datetime) -> None:
        routing = self.session.scalars(
            select(NurseRouting).where(NurseRouting.request_id == request.id)
        ).first()
        if routing is None or routing.connected_call_sid is None:
            return
        leg = self._call(routing.connected_call_sid)
        self.room(request, "participant-leave", at, leg.sid, nurse_label(nurse.id, leg.sid))
        if leg.status not in TERMINAL_STATUSES:
            since = leg.answered_at or at
            self.status(leg, "completed", at, round((at - since).total_seconds()))

    def _nurse(
        self, request: Request, plan: PlannedRequest, gp_sid: str, at: datetime
    ) -> tuple[User | None, datetime]:
        """The GP pressed "nurse": her phone rings; she answers, or he leaves a message."""
        route = nurse_routing.route_to_nurse(
            self.session, request, gp_sid, at, self.nurse_urls, caller_name=None
        )
        legs = self._ring_legs(self.settle(at))
        if route.kind == "voicemail" or not legs:
            self._voicemail(request, gp_sid, at)
            return None, at
        self.room(request, "participant-join", at, gp_sid, "gp")
        # The first rank answers (the nurse on duty).
        leg = legs[0]
        answered = at + timedelta(seconds=plan.nurse_answer_s)
        self.status(leg, "in-progress", answered)
        routing = self.session.get(NurseRouting, leg.routing_id)
        assert routing is not None
        nurse_routing.take_call(
            self.session, routing, request, leg.routing_step or 0, leg.user_id, leg.sid,
            answered, self.nurse_urls, None,
        )  # fmt: skip
        self.settle(answered)
        for other in legs[1:]:
            self.status(other, "canceled", answered)
        self.room(request, "participant-join", answered, leg.sid, nurse_label(leg.user_id, leg.sid))
        return self.session.get(User, leg.user_id), answered

    def _voicemail(self, request: Request, gp_sid: str, at: datetime) -> None:
        recording = Recording(
            call_sid=gp_sid,
            recording_sid=self.twilio.sid("RE"),
            url=f"https://api.twilio.com/demo/{request.reference}",
            duration_s=20 + self.rnd.randrange(40),
        )
        nurse_routing.keep_voicemail(self.session, request, recording, at + timedelta(seconds=45))

    def _interpreter(
        self,
        request: Request,
        plan: PlannedRequest,
        gp_sid: str,
        at: datetime,
        nurse: User | None,
    ) -> datetime:
        """An interpreter is rung for the language; the first to answer joins for the session."""
        assert plan.language is not None
        at += timedelta(seconds=20 if nurse is None else 90 + self.rnd.randrange(120))
        interpreting.check_budget(
            self.session, request, plan.language, at, nurse_id=nurse.id if nurse else None,
            approved=nurse is not None, call_sid=gp_sid,
        )  # fmt: skip
        dispatch = interpreting.request_interpreter(
            self.session, request, plan.language, at, self.interpreting_urls,
            requested_by="nurse" if nurse else "gp", gp_call_sid=gp_sid,
        )  # fmt: skip
        legs = self._ring_legs(self.settle(at))
        if nurse is None:
            self.room(request, "participant-join", at, gp_sid, "gp")
        if dispatch.kind == "none" or not legs:
            return at + timedelta(seconds=30)
        answered = at + timedelta(seconds=plan.interpreter_answer_s)
        ringing = self.session.get(InterpretingSession, dispatch.session_id)
        assert ringing is not None
        agencies = {t["interpreter_id"] for s in ringing.plan for t in s if t["kind"] == "agency"}
        people = [leg for leg in legs if leg.interpreter_id not in agencies]
        if (plan.via_agency and agencies) or not people:
            if agencies and people:  # nobody answers in time: the agency is dialled
                mark = len(self.twilio.made)
                for leg in people:
                    self.status(leg, "no-answer", answered)
                legs = self._ring_legs(self.twilio.made[mark:])
            chosen = next((leg for leg in legs if leg.interpreter_id in agencies), None)
            if chosen is None:
                return answered
            answered += timedelta(seconds=25)
            self.status(chosen, "in-progress", answered)
        else:
            chosen = self.rnd.choice(people)
            self.status(chosen, "in-progress", answered)
            interpreting.take_call(
                self.session, ringing.id, self._step_of(chosen), chosen.interpreter_id,
                chosen.sid, answered,
            )  # fmt: skip
            self.settle(answered)
            for other in legs:
                if other.sid != chosen.sid:
                    self.status(other, "canceled", answered)
        label = interpreter_label(ringing.id)
        self.room(request, "participant-join", answered, chosen.sid, label)
        if ringing.status != SessionStatus.CONNECTED:
            return answered
        ended = answered + timedelta(minutes=plan.session_minutes)
        self.room(request, "participant-leave", ended, chosen.sid, label)
        self.status(chosen, "completed", ended, round((ended - answered).total_seconds()))
        return ended + timedelta(seconds=5)

    def log(self, request: Request, plan: PlannedRequest, nurse: User | None, at: datetime) -> None:
        """The nurse's log of the request, as the request page saves it (the next working
        morning when nobody was on duty)."""
        if nurse is None:
            at = self.working_moment(at)
            nurse = self.on_duty(at)
        request.category = plan.category
        outcome = plan.outcome or (
            "no_interpreter" if request.outcome == "no_interpreter" else "interpreter_provided"
        )
        if plan.follow_up and nurse is not None:
            outcome = "follow_up"
        request.outcome = outcome
        request.orientation = plan.orientation if outcome == "oriented" else None
        request.patient_age_band, request.patient_sex = plan.age_band, plan.sex
        request.patient_coverage, request.patient_housing = plan.coverage, plan.housing
        request.notes = demo_tables.NOTES[plan.category]
        request.nurse_id = request.nurse_id or (nurse.id if nurse else None)
        if plan.follow_up and nurse is not None:
            follow_up = (at + timedelta(days=7)).astimezone(self.tz).date()
            while follow_up.weekday() >= 5:
                follow_up += timedelta(days=1)
            request.follow_up_on = follow_up
            hooks.send(
                hooks.callback_wanted, session=self.session, now=at, request=request,
                reason=CallbackReason.FOLLOW_UP, due_at=self.local(follow_up, 10),
                assignee_id=nurse.id,
            )  # fmt: skip
        detail = {"category": request.category, "outcome": request.outcome, "by": request.nurse_id}
        log_event(self.session, request, "request_logged", at, detail=detail)
        if nurse is not None:
            lifecycle.close(self.session, request, nurse, at + timedelta(seconds=30))

    def working_moment(self, after: datetime) -> datetime:
        """The first moment of the rota at or after this one (a weekday between 9 and 18)."""
        local = after.astimezone(self.tz)
        day = local.date()
        if local.hour >= 17:
            day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = self.local(day, 9) + timedelta(minutes=self.rnd.randrange(90))
        return max(start, after) if after.astimezone(self.tz).date() == day else start

    def local(self, day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=self.tz)

    def on_duty(self, at: datetime) -> User | None:
        user_id = calling.nurse_on_duty(self.session, self.helpline.id, at)
        return self.session.get(User, user_id) if user_id else None
