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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import hooks, lifecycle, outbox, ringing
from hotline.callstate import TERMINAL_STATUSES
from hotline.db import claim
from hotline.hooks import CallbackReason
from hotline.models import (
    Call,
    Conference,
    Request,
    User,
)
from hotline.services import log_event
from hotline.telephony.parsing import CallStatusCallback, Recording
from routing import twiml
from routing.hours import (
    next_opening,
)
from routing.models import NurseRouting, RoutingKind, RoutingStatus
from routing.rota import opening_hours, routing_plan

logger = logging.getLogger(__name__)


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
            NurseRouting.gp_call_sid == gp_call_sid, NurseRouting.kind == RoutingKind.GP
        )
    ).first()
    if existing is not None:  # the same key press delivered twice
        return NurseRoute("ringing", room=existing.conference_name)
    plan = routing_plan(session, helpline, now)
    if not plan.is_open:
        hours = opening_hours(session, helpline)
        intro = twiml.closed_intro(plan.reason, hours, plan.opens_at, now)
        log_event(
            session,
            request,
            "nurse_closed",
            now,
            call_sid=gp_call_sid,
            detail={"reason": plan.reason},
            dedupe_key=f"nurse-closed:{gp_call_sid}",
        )
        hooks.want_callback(
            session, request, CallbackReason.OUT_OF_HOURS, plan.opens_at or now, now
        )
        return NurseRoute("voicemail", reason=CallbackReason.OUT_OF_HOURS, intro=intro)
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
        hooks.want_callback(session, request, CallbackReason.NO_ANSWER, now, now)
        return NurseRoute("voicemail", reason=CallbackReason.NO_ANSWER, intro=[twiml.NO_NURSE])
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
        status=RoutingStatus.RINGING,
        created_at=now,
    )
    # The first step's deadline is written with the row (``ring_step`` sets the same value).
    routing.step_deadline_at = ringing.step_deadline(
        now, max((int(t["timeout_s"]) for t in routing.plan[0]), default=0)
    )
    session.add(routing)
    session.flush()
    ring_step(session, routing, 0, now, urls, caller_name, names=plan.names)
    return NurseRoute("ringing", room=routing.conference_name)


def _deadline_detail(
    routing: NurseRouting, step: int, deadline: datetime, stopped: list[str]
) -> dict[str, Any]:
    return {"step": step, "deadline_at": deadline.isoformat(), "stopped": stopped}


def _step_over(
    session: Session, routing: NurseRouting, step: int, now: datetime, urls: twiml.NurseUrls
) -> None:
    """Every leg of the step ended without taking the call: the next step, or voicemail."""
    request = session.get(Request, routing.request_id)
    assert request is not None
    if routing.kind == RoutingKind.TRANSFER:
        transfer_not_taken(session, routing, request, now)
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
        if ringing.advance(session, FLOW, routing, step):
            ring_step(session, routing, next_step, now, urls)
        return
    to_voicemail(session, routing, request, now, urls)


FLOW = ringing.Flow(
    kind="routing-ring",
    model=NurseRouting,
    ringing="ringing",
    role="nurse",
    leg_owner="routing_id",
    leg_person="user_id",
    owner_key="routing_id",
    person_key="user_id",
    ring_prefix="ring",
    ringing_event="nurse_ringing",
    ringing_prefix="ringing",
    deadline_event="nurse_step_deadline",
    deadline_prefix="step-deadline",
    deadline_detail=_deadline_detail,
    step_over=_step_over,
    urls=twiml.NurseUrls,
)


def ring_step(
    session: Session,
    routing: NurseRouting,
    step: int,
    now: datetime,
    urls: twiml.NurseUrls,
    caller_name: str | None = None,
    names: Mapping[int, str] | None = None,
) -> None:
    """Record the intents that ring every target of a step at once (``names``: the nurses'
    names when known already, else they are read)."""
    request = session.get(Request, routing.request_id)
    assert request is not None
    legs = []
    for target in routing.plan[step]:
        # From is always the helpline's number: CreateCall's From must be one of the account's
        # numbers or a verified caller ID. The browser phone learns who calls from the custom
        # parameters of its address instead.
        to = (
            ringing.client_address(
                target["address"], reference=request.reference, caller=request.caller_number
            )
            if target["kind"] == "client"
            else target["address"]
        )
        name = (names or {}).get(target["user_id"])
        if name is None:
            nurse = session.get(User, target["user_id"])
            name = nurse.display_name if nurse else None
        legs.append(
            ringing.Leg(
                person_id=target["user_id"],
                to=to,
                url=urls.screen(routing.id, step, target["user_id"], target["kind"]),
                status_callback=urls.leg_status(routing.id, step, target["user_id"]),
                timeout=int(target["timeout_s"]),
                detail={
                    "step": step,
                    "target": target["kind"],
                    "rank": target["rank"],
                    "user_id": target["user_id"],
                    "nurse": name,
                    "timeout_s": target["timeout_s"],
                },
            )
        )
    ringing.ring_step(session, FLOW, routing, request, step, legs, now)
    logger.info("request %s: ringing step %s of routing %s", request.reference, step, routing.id)


def expected_legs(routing: NurseRouting, step: int) -> int:
    """How many legs a step of the routing rings."""
    return len(routing.plan[step])


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
    routing = ringing.lock(session, FLOW, routing_id)
    if routing is None:
        return
    ringing.note_leg(session, FLOW, call, routing, step, user_id)
    if callback.status in TERMINAL_STATUSES:
        ringing.leg_ended(session, FLOW, routing, step, expected_legs(routing, step), now, urls)


def step_deadline_passed(
    session: Session, routing_id: int, now: datetime, urls: twiml.NurseUrls
) -> bool:
    """The clock: a step past its deadline is over as if every leg had ended; its legs stop.

    A lost or refused final callback must never keep the GP on hold music: the legs Twilio
    still rings are cancelled, and the next step (or voicemail) follows.
    """
    return ringing.step_deadline_passed(session, FLOW, routing_id, now, urls)


def to_voicemail(
    session: Session,
    routing: NurseRouting,
    request: Request,
    now: datetime,
    urls: twiml.NurseUrls,
) -> None:
    """Nobody took the call: redirect the waiting GP to voicemail and promise a callback."""
    if not claim(
        session,
        NurseRouting,
        routing.id,
        RoutingStatus.RINGING,
        status=RoutingStatus.VOICEMAIL,
        ended_at=now,
    ):
        return
    session.refresh(routing)
    hooks.want_callback(session, request, CallbackReason.NO_ANSWER, now, now)
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
            "params": {"url": urls.voicemail(CallbackReason.NO_ANSWER), "method": "POST"},
        },
        now,
        dedupe_key=f"gp-voicemail:{routing.id}",
    )


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
    if routing is None or routing.status != RoutingStatus.RINGING:
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
    taken = ringing.take(
        session, FLOW, routing, call_sid, status=RoutingStatus.CONNECTED, connected_user_id=user_id,
        ended_at=now,
    )  # fmt: skip
    if taken == "again":
        # Twilio delivered this leg's key press again (a retry): she already has the call.
        return Answer("join", room=routing.conference_name, caller=caller)
    if taken == "lost":
        return Answer("taken")
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
    lifecycle.call_taken(session, request, now)
    ringing.stop_open_legs(session, FLOW, routing.id, now, keep_sid=call_sid)
    # A transfer is handed over only when the colleague is in the room (participant_joined):
    # until then the first nurse keeps the GP, whatever happens to the colleague's join.
    logger.info("request %s: taken by nurse %s on %s", request.reference, user_id, call_sid)
    return Answer("join", room=routing.conference_name, caller=caller)


def gp_left(session: Session, call: Call, now: datetime) -> None:
    """The GP hung up while the nurses were rung: stop ringing, promise a callback."""
    routing = session.scalars(
        select(NurseRouting)
        .where(NurseRouting.gp_call_sid == call.sid, NurseRouting.status == RoutingStatus.RINGING)
        .with_for_update()
    ).first()
    if routing is None:
        return
    routing.status, routing.ended_at = RoutingStatus.ABANDONED, now
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
    hooks.want_callback(session, request, CallbackReason.ABANDONED, now, now)
    ringing.stop_open_legs(session, FLOW, routing.id, now)


def keep_voicemail(session: Session, request: Request, recording: Recording, now: datetime) -> None:
    """Attach a GP's message to the request's callback, due when the helpline next opens."""
    helpline = request.helpline
    due = next_opening(opening_hours(session, helpline), now) or now
    hooks.want_callback(session, request, CallbackReason.VOICEMAIL, due, now, recording=recording)


def held_by(session: Session, request_id: int, nurse_id: int) -> NurseRouting | None:
    """The routing through which this nurse holds the request's call now, if she does."""
    return session.scalars(
        select(NurseRouting)
        .where(
            NurseRouting.request_id == request_id,
            NurseRouting.status == RoutingStatus.CONNECTED,
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


def transfer_not_taken(
    session: Session, routing: NurseRouting, request: Request, now: datetime
) -> None:
    """The colleague of a transfer did not take the call: the first nurse keeps it."""
    if claim(
        session,
        NurseRouting,
        routing.id,
        RoutingStatus.RINGING,
        status=RoutingStatus.NO_ANSWER,
        ended_at=now,
    ):
        log_event(
            session,
            request,
            "transfer_failed",
            now,
            detail={"from": routing.from_user_id},
            dedupe_key=f"transfer-failed:{routing.id}",
        )
