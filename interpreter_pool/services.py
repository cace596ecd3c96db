"""Interpreting: the language menu, dispatch of a session, the claim by the first to press 1.

A session rings its plan's steps through the outbox (see ``dispatch``); an interpreter's leg
is screened and the first to press 1 claims the session with a conditional update, so exactly
one is bridged into the request's room, the others hear the call is taken and their legs are
cancelled. A step whose legs have all ended moves the session on, under the session's row lock;
the last step, or the end of the time budget, ends it with "no interpreter": the GP is offered
the nurse or a callback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox, ringing
from hotline.callstate import TERMINAL_STATUSES
from hotline.db import claim
from hotline.models import Call, Participation, Request
from hotline.reference_codes import NO_INTERPRETER
from hotline.services import log_event
from hotline.telephony.parsing import CallStatusCallback
from hotline.telephony.twiml import to_xml
from interpreter_pool import spending, twiml
from interpreter_pool.budget_lines import EntryFacts
from interpreter_pool.dispatch import build_dispatch_plan, step_timeout
from interpreter_pool.languages import base_code
from interpreter_pool.models import (
    Budget,
    Interpreter,
    InterpretingSession,
    SessionOutcome,
    SessionStatus,
)
from interpreter_pool.pool import candidates
from routing.twiml import NurseUrls, is_nurse_label, room_name

logger = logging.getLogger(__name__)

LIVE_STATUSES = (SessionStatus.DISPATCHING, SessionStatus.CONNECTED)


class ApprovalNeededError(Exception):
    """An exhausted budget's policy wants a nurse's approval before an interpreter is rung."""

    def __init__(self, budget: Budget) -> None:
        super().__init__(budget.name)
        self.budget = budget


def budget_needing_approval(
    session: Session, request: Request, now: datetime, language: str | None = None
) -> Budget | None:
    """The exhausted line whose policy asks for approval and to which interpreting for this
    request (in this language, if known) would be charged today (the helpline's day), if any."""
    tz_name = request.helpline.timezone
    facts = EntryFacts(
        service_on=now.astimezone(ZoneInfo(tz_name)).date(),
        helpline_id=request.helpline_id,
        structure_id=request.structure_id,
        language=_code_or_none(language),
    )
    return spending.needs_approval(session, now, tz_name, facts)


def _code_or_none(language: str | None) -> str | None:
    try:
        return base_code(language) if language else None
    except ValueError:
        return None


def check_budget(
    session: Session,
    request: Request,
    language: str,
    now: datetime,
    *,
    nurse_id: int | None = None,
    approved: bool = False,
    call_sid: str | None = None,
) -> None:
    """The approval policy of an exhausted interpreting budget; ApprovalNeededError when it refuses.

    A GP (no ``nurse_id``) cannot approve: his request is logged and refused, and the nurse
    takes the call. A nurse must approve explicitly; her approval is logged with the budget.
    """
    exhausted = budget_needing_approval(session, request, now, language)
    if exhausted is None:
        return
    if nurse_id is None:
        log_event(
            session,
            request,
            "interpreter_needs_approval",
            now,
            call_sid=call_sid,
            detail={"language": language, "budget_id": exhausted.id},
            dedupe_key=f"needs-approval:{call_sid}",
        )
        raise ApprovalNeededError(exhausted)
    if not approved:
        raise ApprovalNeededError(exhausted)
    log_event(
        session,
        request,
        "interpreter_approved",
        now,
        detail={"budget_id": exhausted.id, "user_id": nurse_id, "language": language},
    )


@dataclass(frozen=True)
class Dispatch:
    """What the GP's leg does once a language is chosen."""

    kind: Literal["dispatching", "none"]
    room: str = ""
    session_id: int | None = None


def request_interpreter(
    session: Session,
    request: Request,
    language: str,
    now: datetime,
    urls: twiml.InterpretingUrls,
    *,
    requested_by: str = "gp",
    gp_call_sid: str | None = None,
) -> Dispatch:
    """Open an interpreting session for the request and ring its first step."""
    code = base_code(language)
    live = session.scalars(
        select(InterpretingSession).where(
            InterpretingSession.request_id == request.id,
            InterpretingSession.status.in_(LIVE_STATUSES),
            InterpretingSession.language == code,
        )
    ).first()
    if live is not None:  # the same choice delivered twice
        return Dispatch("dispatching", room=live.conference_name, session_id=live.id)
    helpline = request.helpline
    plan = build_dispatch_plan(
        candidates(session, code, now, helpline.timezone),
        helpline.dispatch_strategy,
        helpline.interpreter_ring_timeout_s,
        helpline.agency_delay_s,
    )
    request.language = code
    interpreting = InterpretingSession(
        request_id=request.id,
        language=code,
        requested_by=requested_by,
        gp_call_sid=gp_call_sid,
        conference_name=room_name(request.id),
        strategy=helpline.dispatch_strategy,
        plan=plan,
        current_step=0,
        status=SessionStatus.DISPATCHING,
        requested_at=now,
        deadline_at=now + timedelta(seconds=helpline.interpreter_budget_s),
    )
    session.add(interpreting)
    session.flush()
    log_event(
        session,
        request,
        "interpreter_requested",
        now,
        call_sid=gp_call_sid,
        detail={"language": code, "by": requested_by, "session_id": interpreting.id},
        dedupe_key=f"interpreting:{interpreting.id}",
    )
    if not plan:
        _give_up(session, interpreting, request, now, urls, redirect=False)
        return Dispatch("none", session_id=interpreting.id)
    ring_step(session, interpreting, 0, now, urls)
    return Dispatch("dispatching", room=interpreting.conference_name, session_id=interpreting.id)


def _deadline_detail(
    interpreting: InterpretingSession, step: int, deadline: datetime, stopped: list[str]
) -> dict[str, Any]:
    return {"session_id": interpreting.id, "step": step, "stopped": stopped}


def _step_over(
    session: Session,
    interpreting: InterpretingSession,
    step: int,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> None:
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    next_step = step + 1
    if (
        next_step < len(interpreting.plan)
        and ringing.advance(session, FLOW, interpreting, step)
        and ring_step(session, interpreting, next_step, now, urls)
    ):
        return
    _give_up(session, interpreting, request, now, urls, redirect=True)


FLOW = ringing.Flow(
    kind="interpreting-ring",
    model=InterpretingSession,
    ringing="dispatching",
    role="interpreter",
    leg_owner="interpreting_session_id",
    leg_person="interpreter_id",
    owner_key="interpreting_session_id",
    person_key="interpreter_id",
    ring_prefix="interp-ring",
    ringing_event="interpreter_ringing",
    ringing_prefix="interp-ringing",
    deadline_event="interpreter_step_deadline",
    deadline_prefix="interp-step-deadline",
    deadline_detail=_deadline_detail,
    step_over=_step_over,
    urls=twiml.InterpretingUrls,
)


def ring_step(
    session: Session,
    interpreting: InterpretingSession,
    step: int,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> bool:
    """Record the intents ringing a step's targets; False when the budget has run out."""
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    remaining = (interpreting.deadline_at - now).total_seconds()
    legs = []
    for target in interpreting.plan[step]:
        timeout = step_timeout(int(target["timeout_s"]), remaining)
        if timeout is None:
            return False
        interpreter_id = target["interpreter_id"]
        legs.append(
            ringing.Leg(
                person_id=interpreter_id,
                to=target["address"],
                # An agency's menu never presses 1: its leg goes straight into the room.
                url=(urls.agency if target["kind"] == "agency" else urls.screen)(
                    interpreting.id, step, interpreter_id
                ),
                status_callback=urls.leg_status(interpreting.id, step, interpreter_id),
                timeout=timeout,
                detail={
                    "session_id": interpreting.id,
                    "step": step,
                    "interpreter_id": interpreter_id,
                    "interpreter": target["name"],
                    "kind": target["kind"],
                    "timeout_s": timeout,
                },
                more_params=(
                    {"send_digits": target["send_digits"]} if target.get("send_digits") else {}
                ),
            )
        )
    ringing.ring_step(session, FLOW, interpreting, request, step, legs, now)
    return True


def expected_legs(interpreting: InterpretingSession, step: int) -> int:
    """How many legs a step of the session rings."""
    return len(interpreting.plan[step])


def leg_status(
    session: Session,
    call: Call,
    callback: CallStatusCallback,
    session_id: int,
    step: int,
    interpreter_id: int | None,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> None:
    """An interpreter leg's progress: the step may be over, or the connected interpreter left."""
    interpreting = ringing.lock(session, FLOW, session_id)
    if interpreting is None:
        return
    ringing.note_leg(session, FLOW, call, interpreting, step, interpreter_id)
    if callback.status not in TERMINAL_STATUSES:
        return
    if interpreting.connected_call_sid == call.sid:
        interpreter_left(session, interpreting, call, now, urls)
    else:
        ringing.leg_ended(
            session, FLOW, interpreting, step, expected_legs(interpreting, step), now, urls
        )


def interpreter_left(
    session: Session,
    interpreting: InterpretingSession,
    call: Call,
    now: datetime,
    urls: twiml.InterpretingUrls | None = None,
) -> None:
    """The bridged interpreter's leg ended: the session is over. A GP left alone in the room
    (no nurse there) goes on to the after-call (a rating, or goodbye)."""
    if interpreting.status != SessionStatus.CONNECTED:
        return
    interpreting.status = SessionStatus.ENDED
    interpreting.ended_at = call.ended_at or now
    session.flush()
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "interpreter_left",
        interpreting.ended_at,
        call_sid=call.sid,
        detail={"session_id": interpreting.id},
        dedupe_key=f"interp-left:{interpreting.id}",
    )
    if urls is not None and interpreting.gp_call_sid and _gp_alone(session, interpreting):
        outbox.enqueue(
            session,
            outbox.UPDATE_CALL,
            {
                "call_sid": interpreting.gp_call_sid,
                "params": {"url": NurseUrls(urls.root).after_call(), "method": "POST"},
            },
            now,
            dedupe_key=f"interp-after-call:{interpreting.id}",
        )


def _gp_alone(session: Session, interpreting: InterpretingSession) -> bool:
    gp = session.scalars(select(Call).where(Call.sid == interpreting.gp_call_sid)).first()
    if gp is None or gp.status in TERMINAL_STATUSES:
        return False
    present = session.scalars(
        select(Participation.label).where(
            Participation.request_id == interpreting.request_id,
            Participation.joined_at.is_not(None),
            Participation.left_at.is_(None),
        )
    ).all()
    return not any(is_nurse_label(label) for label in present)


def step_deadline_passed(
    session: Session, session_id: int, now: datetime, urls: twiml.InterpretingUrls
) -> bool:
    """The clock: a step past its deadline is over as if every leg had ended; its legs stop."""
    return ringing.step_deadline_passed(session, FLOW, session_id, now, urls)


def _give_up(
    session: Session,
    interpreting: InterpretingSession,
    request: Request,
    now: datetime,
    urls: twiml.InterpretingUrls,
    *,
    redirect: bool,
) -> None:
    if not claim(
        session, InterpretingSession, interpreting.id, SessionStatus.DISPATCHING,
        status=SessionStatus.NO_INTERPRETER, outcome=SessionOutcome.NO_INTERPRETER, ended_at=now,
    ):  # fmt: skip
        return
    session.refresh(interpreting)
    request.outcome = request.outcome or NO_INTERPRETER
    log_event(
        session,
        request,
        "interpreter_not_found",
        now,
        detail={"session_id": interpreting.id, "language": interpreting.language},
        dedupe_key=f"interp-none:{interpreting.id}",
    )
    if redirect and interpreting.requested_by == "gp" and interpreting.gp_call_sid:
        outbox.enqueue(
            session,
            outbox.UPDATE_CALL,
            {
                "call_sid": interpreting.gp_call_sid,
                "params": {"url": urls.none_found(interpreting.id), "method": "POST"},
            },
            now,
            dedupe_key=f"interp-none-redirect:{interpreting.id}",
        )


def take_call(
    session: Session,
    session_id: int,
    step: int,
    interpreter_id: int | None,
    call_sid: str,
    now: datetime,
) -> InterpretingSession | None:
    """The interpreter pressed 1: claim, record time-to-connect, cancel the other legs."""
    interpreting = session.get(InterpretingSession, session_id)
    if interpreting is None:
        return None
    taken = ringing.take(
        session, FLOW, interpreting, call_sid,
        status=SessionStatus.CONNECTED, outcome=SessionOutcome.CONNECTED,
        interpreter_id=interpreter_id, connected_at=now,
    )  # fmt: skip
    if taken == "again":
        # Twilio delivered this leg's key press again (a retry): it has the session.
        return interpreting
    if taken == "lost":
        return None
    interpreting.time_to_connect_s = round((now - interpreting.requested_at).total_seconds())
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    interpreter = session.get(Interpreter, interpreter_id) if interpreter_id else None
    log_event(
        session,
        request,
        "interpreter_connected",
        now,
        call_sid=call_sid,
        detail={
            "session_id": interpreting.id,
            "step": step,
            "interpreter_id": interpreter_id,
            "interpreter": interpreter.name if interpreter else None,
            "time_to_connect_s": interpreting.time_to_connect_s,
        },
        dedupe_key=f"interp-connected:{interpreting.id}",
    )
    # An interpreter still hearing the screening prompt is told the call is taken, not cut off.
    ringing.stop_open_legs(
        session, FLOW, interpreting.id, now, keep_sid=call_sid,
        answered_twiml=to_xml(twiml.taken()),
    )  # fmt: skip
    logger.info(
        "request %s: interpreter %s connected in %s s",
        request.reference,
        interpreter_id,
        interpreting.time_to_connect_s,
    )
    return interpreting


def gp_left(session: Session, call: Call, now: datetime) -> None:
    """The GP hung up while interpreters were rung: stop ringing them."""
    sessions = session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.gp_call_sid == call.sid,
            InterpretingSession.status == SessionStatus.DISPATCHING,
        )
        .with_for_update()
    ).all()
    for interpreting in sessions:
        interpreting.status, interpreting.outcome = (
            SessionStatus.ABANDONED,
            SessionOutcome.GP_HUNG_UP,
        )
        interpreting.ended_at = now
        session.flush()
        request = session.get(Request, interpreting.request_id)
        assert request is not None
        log_event(
            session,
            request,
            "interpreter_abandoned",
            now,
            call_sid=call.sid,
            detail={"session_id": interpreting.id},
            dedupe_key=f"interp-abandoned:{interpreting.id}",
        )
        ringing.stop_open_legs(session, FLOW, interpreting.id, now)
