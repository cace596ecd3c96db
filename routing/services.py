"""The nurse flow: ring the rota's targets step by step, let one take the call, else voicemail.

The GP waits in the request's room while the plan's targets are rung through the outbox. A leg
that ends without taking the call counts towards its step; when every leg of the step has ended,
the next step rings (a conditional update, so two callbacks arriving together advance it once).
A nurse takes the call by pressing 1 on a screened phone leg or by accepting in the browser: the
routing is claimed by a conditional update, so exactly one leg wins; the others are cancelled.
When every step is exhausted the GP is redirected to voicemail and a callback is promised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callbacks.services import attach_recording, promise_callback
from hotline import legs, outbox
from hotline.callstate import TERMINAL_STATUSES
from hotline.models import (
    Call,
    Conference,
    Helpline,
    OutboxMessage,
    Participation,
    Request,
    User,
)
from hotline.services import log_event
from hotline.telephony.parsing import CallStatusCallback, Recording
from routing import twiml
from routing.hours import (
    Closure,
    OpeningHours,
    describe_hours_fr,
    describe_moment_fr,
    next_opening,
    parse_schedule,
)
from routing.models import Closure as ClosureRow
from routing.models import NurseRouting
from routing.models import Shift as ShiftRow
from routing.plan import Nurse, RoutingPlan, Shift, build_routing_plan, nurse_addresses

logger = logging.getLogger(__name__)

RING_SENT = "routing-ring-sent"
RING_FAILED = "routing-ring-failed"
RING_STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def opening_hours(session: Session, helpline: Helpline) -> OpeningHours:
    """The helpline's hours as routing reads them: weekly schedule, holidays and closures."""
    closures = session.scalars(
        select(ClosureRow).where(ClosureRow.helpline_id == helpline.id)
    ).all()
    return OpeningHours(
        schedule=parse_schedule(helpline.opening_hours),
        tz_name=helpline.timezone,
        closures=tuple(Closure(c.starts_at, c.ends_at, c.label) for c in closures),
        holiday_subdiv=helpline.holiday_subdivision,
        is_open_on_holidays=helpline.is_open_on_holidays,
    )


CONSOLE_PRESENCE = timedelta(seconds=30)


def in_console(user: User, now: datetime) -> bool:
    """Whether the nurse's browser phone is open now (it reports itself while it is)."""
    # The browser phone reports itself while the console is open; a closed tab goes stale.
    seen = user.console_seen_at
    return bool(user.is_in_console and seen is not None and now - seen <= CONSOLE_PRESENCE)


def routing_plan(session: Session, helpline: Helpline, now: datetime) -> RoutingPlan:
    """Who to ring for this helpline at ``now``, from the rota and the nurses' availability."""
    rows = session.scalars(
        select(ShiftRow).where(
            ShiftRow.helpline_id == helpline.id, ShiftRow.starts_at <= now, ShiftRow.ends_at > now
        )
    ).all()
    shifts = [Shift(r.user_id, r.starts_at, r.ends_at, r.rank) for r in rows]  # type: ignore[arg-type]
    users = session.scalars(
        select(User).where(User.id.in_({s.user_id for s in shifts}), User.is_active)
    ).all()
    nurses = [
        Nurse(
            u.id,
            u.display_name,
            browser_identity=u.browser_identity,
            phone=u.phone,
            is_available=u.is_available,
            is_in_console=in_console(u, now),
        )
        for u in users
    ]
    return build_routing_plan(
        now, opening_hours(session, helpline), shifts, nurses, helpline.ring_timeout_s
    )


@dataclass(frozen=True)
class NurseRoute:
    """What the GP's leg does after pressing 2."""

    kind: Literal["ringing", "voicemail"]
    room: str | None = None
    reason: str | None = None
    intro: list[str] = field(default_factory=list)


def route_to_nurse(
    session: Session,
    request: Request,
    gp_call_sid: str,
    now: datetime,
    urls: twiml.NurseUrls,
    caller_name: str | None = None,
) -> NurseRoute:
    """Start ringing the nurses for a GP who pressed 2, or send him to voicemail when closed."""
    helpline = request.helpline
    existing = session.scalars(
        select(NurseRouting).where(
            NurseRouting.gp_call_sid == gp_call_sid, NurseRouting.kind == "gp"
        )
    ).first()
    if existing is not None:  # the same key press delivered twice
        return NurseRoute("ringing", room=existing.conference_name)
    plan = routing_plan(session, helpline, now)
    if not plan.is_open:
        hours = opening_hours(session, helpline)
        intro = [f"La permanence infirmière est actuellement fermée : {plan.reason}."]
        intro.append(f"Elle est ouverte {describe_hours_fr(hours.schedule)}.")
        if plan.opens_at is not None:
            intro.append(f"Elle rouvrira {describe_moment_fr(plan.opens_at, hours, now)}.")
        log_event(
            session,
            request,
            "nurse_closed",
            now,
            call_sid=gp_call_sid,
            detail={"reason": plan.reason},
            dedupe_key=f"nurse-closed:{gp_call_sid}",
        )
        promise_callback(session, request, "out_of_hours", plan.opens_at or now, now)
        return NurseRoute("voicemail", reason="out_of_hours", intro=intro)
    if not plan.targets:
        log_event(
            session,
            request,
            "nurse_unreachable",
            now,
            call_sid=gp_call_sid,
            detail={"reason": plan.reason},
            dedupe_key=f"nurse-unreachable:{gp_call_sid}",
        )
        promise_callback(session, request, "no_answer", now, now)
        return NurseRoute("voicemail", reason="no_answer", intro=[twiml.NO_NURSE])
    routing = NurseRouting(
        request_id=request.id,
        gp_call_sid=gp_call_sid,
        conference_name=twiml.room_name(request.id),
        plan=[
            [
                {
                    "kind": t.kind,
                    "address": t.address,
                    "user_id": t.nurse_id,
                    "timeout_s": t.ring_timeout_s,
                    "rank": t.rank,
                }
                for t in step
            ]
            for step in plan.steps()
        ],
        current_step=0,
        status="ringing",
        created_at=now,
    )
    session.add(routing)
    session.flush()
    ring_step(session, routing, 0, now, urls, caller_name)
    return NurseRoute("ringing", room=routing.conference_name)


def ring_step(
    session: Session,
    routing: NurseRouting,
    step: int,
    now: datetime,
    urls: twiml.NurseUrls,
    caller_name: str | None = None,
) -> None:
    """Record the intents that ring every target of a step at once."""
    request = session.get(Request, routing.request_id)
    assert request is not None
    helpline = request.helpline
    longest = max((int(t["timeout_s"]) for t in routing.plan[step]), default=0)
    routing.step_deadline_at = legs.step_deadline(now, longest)
    for index, target in enumerate(routing.plan[step]):
        is_browser = target["kind"] == "client"
        # From is always the helpline's number: CreateCall's From must be one of the account's
        # numbers or a verified caller ID. The browser phone learns who calls from the custom
        # parameters of its address instead.
        to = (
            legs.client_address(
                target["address"], reference=request.reference, caller=request.caller_number
            )
            if is_browser
            else target["address"]
        )
        params: dict[str, Any] = {
            "to": to,
            "from_": helpline.phone_number,
            "url": urls.screen(routing.id, step, target["user_id"], target["kind"]),
            "method": "POST",
            "status_callback": urls.leg_status(routing.id, step, target["user_id"]),
            "status_callback_method": "POST",
            "status_callback_event": RING_STATUS_EVENTS,
            "timeout": target["timeout_s"],
        }
        outbox.enqueue(
            session,
            outbox.CREATE_CALL,
            {
                "params": params,
                "routing_id": routing.id,
                "step": step,
                "user_id": target["user_id"],
                "request_id": request.id,
                "on_sent": RING_SENT,
                "on_failure": RING_FAILED,
            },
            now,
            dedupe_key=f"ring:{routing.id}:{step}:{index}",
        )
        nurse = session.get(User, target["user_id"])
        log_event(
            session,
            request,
            "nurse_ringing",
            now,
            detail={
                "step": step,
                "target": target["kind"],
                "rank": target["rank"],
                "user_id": target["user_id"],
                "nurse": nurse.display_name if nurse else None,
                "timeout_s": target["timeout_s"],
            },
            dedupe_key=f"ringing:{routing.id}:{step}:{index}",
        )
    logger.info("request %s: ringing step %s of routing %s", request.reference, step, routing.id)


def _locked_routing(session: Session, routing_id: int) -> NurseRouting | None:
    # The row lock serialises the legs of one routing: each sees the others' final states.
    return session.scalars(
        select(NurseRouting).where(NurseRouting.id == routing_id).with_for_update()
    ).first()


def note_leg(
    session: Session,
    call: Call,
    routing: NurseRouting,
    step: int,
    user_id: int | None,
) -> None:
    """Mark a leg as a nurse leg of this routing's step (whichever of its news came first)."""
    call.role = "nurse"
    call.routing_id = routing.id
    call.routing_step = step
    call.user_id = user_id
    call.request_id = routing.request_id
    session.flush()


def leg_status(
    session: Session,
    call: Call,
    callback: CallStatusCallback,
    routing_id: int,
    step: int,
    user_id: int | None,
    now: datetime,
    urls: twiml.NurseUrls,
) -> None:
    """A ringing leg's progress: when it ended without taking the call, its step may be over."""
    routing = _locked_routing(session, routing_id)
    if routing is None:
        return
    note_leg(session, call, routing, step, user_id)
    if callback.status in TERMINAL_STATUSES:
        step_leg_ended(session, routing, step, now, urls)


def step_leg_ended(
    session: Session, routing: NurseRouting, step: int, now: datetime, urls: twiml.NurseUrls
) -> None:
    """When every leg of the routing's current step has ended, ring the next step or voicemail."""
    if routing.status != "ringing" or routing.current_step != step:
        return
    expected = len(routing.plan[step])
    if not legs.step_is_over(
        session, Call.routing_id == routing.id, step, f"ring:{routing.id}", expected
    ):
        return
    _step_over(session, routing, step, now, urls)


def step_deadline_passed(
    session: Session, routing_id: int, now: datetime, urls: twiml.NurseUrls
) -> bool:
    """The clock: a step past its deadline is over as if every leg had ended; its legs stop.

    A lost or refused final callback must never keep the GP on hold music: the legs Twilio
    still rings are cancelled, and the next step (or voicemail) follows.
    """
    routing = _locked_routing(session, routing_id)
    if routing is None or routing.status != "ringing":
        return False
    deadline = routing.step_deadline_at
    if deadline is None or deadline > now:
        return False
    step = routing.current_step
    stopped = legs.stop_open_legs(session, Call.routing_id == routing.id, step, now)
    request = session.get(Request, routing.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "nurse_step_deadline",
        now,
        detail={"step": step, "deadline_at": deadline.isoformat(), "stopped": stopped},
        dedupe_key=f"step-deadline:{routing.id}:{step}",
    )
    _step_over(session, routing, step, now, urls)
    return True


def _step_over(
    session: Session, routing: NurseRouting, step: int, now: datetime, urls: twiml.NurseUrls
) -> None:
    """Every leg of the step ended without taking the call: the next step, or voicemail."""
    request = session.get(Request, routing.request_id)
    assert request is not None
    if routing.kind == "transfer":
        _transfer_not_taken(session, routing, request, now)
        return
    log_event(
        session,
        request,
        "nurse_no_answer",
        now,
        detail={"step": step},
        dedupe_key=f"no-answer:{routing.id}:{step}",
    )
    next_step = step + 1
    if next_step < len(routing.plan):
        moved = session.execute(
            update(NurseRouting)
            .where(
                NurseRouting.id == routing.id,
                NurseRouting.status == "ringing",
                NurseRouting.current_step == step,
            )
            .values(current_step=next_step)
            .execution_options(synchronize_session=False)
        )
        if getattr(moved, "rowcount", 0) == 1:
            session.refresh(routing)
            ring_step(session, routing, next_step, now, urls)
        return
    to_voicemail(session, routing, request, now, urls)


def to_voicemail(
    session: Session,
    routing: NurseRouting,
    request: Request,
    now: datetime,
    urls: twiml.NurseUrls,
) -> None:
    """Nobody took the call: redirect the waiting GP to voicemail and promise a callback."""
    moved = session.execute(
        update(NurseRouting)
        .where(NurseRouting.id == routing.id, NurseRouting.status == "ringing")
        .values(status="voicemail", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        return
    session.refresh(routing)
    promise_callback(session, request, "no_answer", now, now)
    log_event(
        session,
        request,
        "nurse_voicemail",
        now,
        call_sid=routing.gp_call_sid,
        dedupe_key=f"to-voicemail:{routing.id}",
    )
    outbox.enqueue(
        session,
        outbox.UPDATE_CALL,
        {
            "call_sid": routing.gp_call_sid,
            "params": {"url": urls.voicemail("no_answer"), "method": "POST"},
        },
        now,
        dedupe_key=f"gp-voicemail:{routing.id}",
    )


def claim(
    session: Session, routing_id: int, call_sid: str, user_id: int | None, now: datetime
) -> bool:
    """Take the call for this leg; true for exactly one leg of a routing, whatever the timing."""
    claimed = session.execute(
        update(NurseRouting)
        .where(NurseRouting.id == routing_id, NurseRouting.status == "ringing")
        .values(
            status="connected",
            connected_call_sid=call_sid,
            connected_user_id=user_id,
            ended_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0) == 1)


@dataclass(frozen=True)
class Answer:
    """What an answered nurse leg hears next."""

    kind: Literal["screen", "join", "taken"]
    room: str = ""
    caller: str | None = None
    reference: str = ""
    helpline_name: str = ""


def leg_answered(
    session: Session,
    routing_id: int,
    step: int,
    user_id: int | None,
    kind: str,
    call_sid: str,
    now: datetime,
    urls: twiml.NurseUrls,
    caller: str | None,
) -> Answer:
    """A rung leg picked up: a browser joins at once; a phone is screened first."""
    routing = session.get(NurseRouting, routing_id)
    if routing is None or routing.status != "ringing":
        return Answer("taken")
    request = session.get(Request, routing.request_id)
    assert request is not None
    if kind == "client":
        return take_call(session, routing, request, step, user_id, call_sid, now, urls, caller)
    return Answer(
        "screen",
        room=routing.conference_name,
        caller=caller,
        reference=request.reference,
        helpline_name=request.helpline.name,
    )


def take_call(
    session: Session,
    routing: NurseRouting,
    request: Request,
    step: int,
    user_id: int | None,
    call_sid: str,
    now: datetime,
    urls: twiml.NurseUrls,
    caller: str | None,
) -> Answer:
    """The nurse accepts: claim the routing, log it, cancel the other legs."""
    if not claim(session, routing.id, call_sid, user_id, now):
        session.refresh(routing)
        if routing.connected_call_sid == call_sid:
            # Twilio delivered this leg's key press again (a retry): she already has the call.
            return Answer("join", room=routing.conference_name, caller=caller)
        return Answer("taken")
    session.refresh(routing)
    nurse = session.get(User, user_id) if user_id is not None else None
    log_event(
        session,
        request,
        "nurse_answered",
        now,
        call_sid=call_sid,
        detail={"step": step, "user_id": user_id, "nurse": nurse.display_name if nurse else None},
        dedupe_key=f"answered:{routing.id}",
    )
    request.status = "in_progress"
    cancel_other_legs(session, routing, call_sid, now)
    # A transfer is handed over only when the colleague is in the room (participant_joined):
    # until then the first nurse keeps the GP, whatever happens to the colleague's join.
    logger.info("request %s: taken by nurse %s on %s", request.reference, user_id, call_sid)
    return Answer("join", room=routing.conference_name, caller=caller)


def cancel_other_legs(
    session: Session, routing: NurseRouting, keep_sid: str | None, now: datetime
) -> None:
    """Stop every other leg of the routing still ringing or screening."""
    open_legs = session.scalars(
        select(Call).where(
            Call.routing_id == routing.id,
            Call.sid != (keep_sid or ""),
            Call.status.not_in(TERMINAL_STATUSES),
        )
    ).all()
    for leg in open_legs:
        legs.cancel_leg(session, leg.sid, leg.status, now)


def gp_left(session: Session, call: Call, now: datetime) -> None:
    """The GP hung up while the nurses were rung: stop ringing, promise a callback."""
    routing = session.scalars(
        select(NurseRouting)
        .where(NurseRouting.gp_call_sid == call.sid, NurseRouting.status == "ringing")
        .with_for_update()
    ).first()
    if routing is None:
        return
    routing.status, routing.ended_at = "abandoned", now
    session.flush()
    request = session.get(Request, routing.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "gp_abandoned",
        now,
        call_sid=call.sid,
        detail={"step": routing.current_step},
        dedupe_key=f"abandoned:{routing.id}",
    )
    promise_callback(session, request, "abandoned", now, now)
    cancel_other_legs(session, routing, None, now)


def keep_voicemail(session: Session, request: Request, recording: Recording, now: datetime) -> None:
    """Attach a GP's message to the request's callback, due when the helpline next opens."""
    helpline = request.helpline
    due = next_opening(opening_hours(session, helpline), now) or now
    attach_recording(session, request, recording, due, now)


def held_by(session: Session, request_id: int, nurse_id: int) -> NurseRouting | None:
    """The routing through which this nurse holds the request's call now, if she does."""
    return session.scalars(
        select(NurseRouting)
        .where(
            NurseRouting.request_id == request_id,
            NurseRouting.status == "connected",
            NurseRouting.connected_user_id == nurse_id,
        )
        .order_by(NurseRouting.id.desc())
    ).first()


def open_room(session: Session, request_id: int) -> Conference | None:
    """The request's conference while it is going on."""
    return session.scalars(
        select(Conference)
        .where(Conference.request_id == request_id, Conference.ended_at.is_(None))
        .order_by(Conference.id.desc())
    ).first()


def hold_gp(
    session: Session,
    request: Request,
    nurse_id: int,
    on_hold: bool,
    now: datetime,
    urls: twiml.NurseUrls,
) -> bool:
    """Put the GP of the nurse's call on hold with the room's music, or back; False if no call."""
    holding = held_by(session, request.id, nurse_id)
    room = open_room(session, request.id)
    if holding is None or room is None:
        return False
    params: dict[str, object] = {"hold": on_hold}
    if on_hold:
        params |= {"hold_url": urls.wait(), "hold_method": "POST"}
    outbox.enqueue(
        session,
        outbox.UPDATE_PARTICIPANT,
        {"conference_sid": room.sid, "call_sid": holding.gp_call_sid, "params": params},
        now,
    )
    log_event(session, request, "gp_on_hold" if on_hold else "gp_resumed", now,
              detail={"user_id": nurse_id})  # fmt: skip
    return True


def transfer(
    session: Session,
    request: Request,
    from_nurse_id: int,
    to_nurse: User,
    now: datetime,
    urls: twiml.NurseUrls,
) -> NurseRouting:
    """Ring a colleague into the call the nurse holds; once she accepts, the first may hang up."""
    holding = held_by(session, request.id, from_nurse_id)
    if holding is None:
        raise PermissionError("Cet appel n'est pas le vôtre (this call is not held by you).")
    if to_nurse.id == from_nurse_id or not to_nurse.has_role("nurse") or not to_nurse.is_active:
        raise ValueError("Choisissez une autre infirmière.")
    targets = [
        {
            "kind": kind,
            "address": address,
            "user_id": to_nurse.id,
            "timeout_s": request.helpline.ring_timeout_s,
            "rank": "on_duty",
        }
        for kind, address in _addresses(to_nurse, now)
    ]
    if not targets:
        raise ValueError(f"{to_nurse.display_name} n'a ni téléphone ni console ouverte.")
    routing = NurseRouting(
        request_id=request.id,
        gp_call_sid=holding.gp_call_sid,
        conference_name=holding.conference_name,
        kind="transfer",
        plan=[targets],
        current_step=0,
        status="ringing",
        from_user_id=from_nurse_id,
        from_call_sid=holding.connected_call_sid,
        created_at=now,
    )
    session.add(routing)
    session.flush()
    log_event(
        session,
        request,
        "transfer_requested",
        now,
        detail={"from": from_nurse_id, "to": to_nurse.id, "nurse": to_nurse.display_name},
        dedupe_key=f"transfer:{routing.id}",
    )
    ring_step(session, routing, 0, now, urls)
    return routing


def _addresses(nurse: User, now: datetime) -> list[tuple[str, str]]:
    return list(
        nurse_addresses(
            Nurse(
                nurse.id,
                nurse.display_name,
                browser_identity=nurse.browser_identity,
                phone=nurse.phone,
                is_available=True,
                is_in_console=in_console(nurse, now),
            )
        )
    )


def participant_joined(session: Session, presence: Participation, now: datetime) -> None:
    """A nurse entered a room: if she is the colleague of a transfer, hand the call over to her."""
    if presence.joined_at is None or not twiml.is_nurse_label(presence.label):
        return
    routing = session.scalars(
        select(NurseRouting).where(
            NurseRouting.kind == "transfer",
            NurseRouting.status == "connected",
            NurseRouting.connected_call_sid == presence.call_sid,
        )
    ).first()
    if routing is None:
        return
    request = session.get(Request, routing.request_id)
    assert request is not None
    _hand_over(session, routing, request, presence.conference_sid, now)


def _hand_over(
    session: Session, routing: NurseRouting, request: Request, room_sid: str, now: datetime
) -> None:
    """The colleague is in the room: the first nurse's leaving must no longer end it."""
    session.execute(
        update(NurseRouting)
        .where(
            NurseRouting.request_id == request.id,
            NurseRouting.id != routing.id,
            NurseRouting.status == "connected",
            NurseRouting.connected_user_id == routing.from_user_id,
        )
        .values(status="transferred")
        .execution_options(synchronize_session=False)
    )
    if routing.from_call_sid:
        outbox.enqueue(
            session,
            outbox.UPDATE_PARTICIPANT,
            {
                "conference_sid": room_sid,
                "call_sid": routing.from_call_sid,
                "params": {"end_conference_on_exit": False},
            },
            now,
            dedupe_key=f"hand-over:{routing.id}",
        )
    log_event(
        session,
        request,
        "transfer_done",
        now,
        detail={"from": routing.from_user_id, "to": routing.connected_user_id},
        dedupe_key=f"transfer-done:{routing.id}",
    )


def _transfer_not_taken(
    session: Session, routing: NurseRouting, request: Request, now: datetime
) -> None:
    moved = session.execute(
        update(NurseRouting)
        .where(NurseRouting.id == routing.id, NurseRouting.status == "ringing")
        .values(status="no_answer", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) == 1:
        log_event(
            session,
            request,
            "transfer_failed",
            now,
            detail={"from": routing.from_user_id},
            dedupe_key=f"transfer-failed:{routing.id}",
        )


# --- outbox follow-ups ---------------------------------------------------------------------


def _on_ring_sent(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
    """Note the new leg's SID; if the call was taken meanwhile, cancel the leg at once."""
    # The leg's row first, then the lock: the order of the leg-status webhook, which may be
    # writing the same leg at this moment (the opposite order can deadlock).
    call = legs.leg_of_sent_ring(session, message, now)
    if call is None:
        return
    sid = call.sid
    routing = _locked_routing(session, int(message.payload["routing_id"]))
    if routing is None:
        return
    note_leg(session, call, routing, int(message.payload["step"]), message.payload["user_id"])
    still_wanted = routing.status == "ringing" and routing.current_step == message.payload["step"]
    if not still_wanted and call.status not in TERMINAL_STATUSES:
        legs.cancel_leg(session, sid, call.status, now)


def _on_ring_failed(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
    """A ring Twilio refused counts as a leg that did not answer."""
    routing = _locked_routing(session, int(message.payload["routing_id"]))
    if routing is None:
        return
    step_leg_ended(session, routing, int(message.payload["step"]), now, twiml.NurseUrls(root))


outbox.SENT_HANDLERS[RING_SENT] = _on_ring_sent
outbox.FAILURE_HANDLERS[RING_FAILED] = _on_ring_failed
