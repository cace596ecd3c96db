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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline import legs, outbox
from hotline.callstate import TERMINAL_STATUSES
from hotline.models import Call, Helpline, OutboxMessage, Request
from hotline.services import log_event
from hotline.telephony.parsing import CallStatusCallback
from interpreter_pool import twiml
from interpreter_pool.dispatch import (
    Candidate,
    build_dispatch_plan,
    is_send_digits,
    send_digits_for,
    step_timeout,
)
from interpreter_pool.languages import base_code, keypad_menu, usage_counts
from interpreter_pool.models import Interpreter, InterpreterLanguage, InterpretingSession
from routing import services as routing_services
from routing.hours import OpeningHours, is_open, parse_schedule
from routing.models import NurseRouting
from routing.twiml import room_name

logger = logging.getLogger(__name__)

RING_SENT = "interpreting-ring-sent"
RING_FAILED = "interpreting-ring-failed"
LIVE_STATUSES = ("dispatching", "connected")


def pool_languages(session: Session) -> list[str]:
    """Codes at least one active interpreter or agency covers."""
    return list(
        session.scalars(
            select(InterpreterLanguage.language)
            .join(Interpreter)
            .where(Interpreter.is_active)
            .distinct()
            .order_by(InterpreterLanguage.language)
        )
    )


def language_menu(session: Session, helpline: Helpline, now: datetime) -> list[tuple[str, str]]:
    """The keypad menu: pinned languages, then the most used over the helpline's window."""
    since = now - timedelta(days=helpline.language_menu_days)
    used = session.execute(
        select(InterpretingSession.requested_at, InterpretingSession.language).where(
            InterpretingSession.requested_at > since
        )
    ).all()
    counts = usage_counts([(at, code) for at, code in used], now, helpline.language_menu_days)
    pinned = [c.strip() for c in helpline.language_menu_pinned.split(",") if c.strip()]
    return keypad_menu(counts, pool_languages(session), pinned=pinned)


def _is_available(interpreter: Interpreter, busy: int, now: datetime, tz_name: str) -> bool:
    if not interpreter.is_active or busy >= interpreter.max_concurrent:
        return False
    if not interpreter.availability.strip():
        return True
    hours = OpeningHours(parse_schedule(interpreter.availability), tz_name, holiday_country=None)
    return is_open(hours, now)


def candidates(session: Session, language: str, now: datetime, tz_name: str) -> list[Candidate]:
    """Interpreters and agencies of the language who can take a session now."""
    rows = session.execute(
        select(Interpreter, InterpreterLanguage.agency_code)
        .join(InterpreterLanguage)
        .where(InterpreterLanguage.language == base_code(language), Interpreter.is_active)
    ).all()
    busy: dict[int | None, int] = {
        interpreter_id: count
        for interpreter_id, count in session.execute(
            select(InterpretingSession.interpreter_id, func.count(InterpretingSession.id))
            .where(InterpretingSession.status == "connected")
            .group_by(InterpretingSession.interpreter_id)
        ).tuples()
    }
    found = [
        Candidate(
            id=interpreter.id,
            kind="agency" if interpreter.kind == "agency" else "individual",
            name=interpreter.name,
            phone=interpreter.phone,
            priority=interpreter.priority,
            access_code=interpreter.access_code,
            agency_code=agency_code,
        )
        for interpreter, agency_code in rows
        if _is_available(interpreter, busy.get(interpreter.id, 0), now, tz_name)
    ]
    return [c for c in found if _keys_are_valid(c)]


def _keys_are_valid(candidate: Candidate) -> bool:
    # Codes stored before they were checked where entered: Twilio would refuse the call (21206).
    digits = send_digits_for(candidate.access_code, candidate.agency_code)
    if candidate.kind == "agency" and digits is not None and not is_send_digits(digits):
        logger.warning("agency %s skipped: its access code cannot be keyed", candidate.id)
        return False
    return True


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
        status="dispatching",
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
    for index, target in enumerate(interpreting.plan[step]):
        timeout = step_timeout(int(target["timeout_s"]), remaining)
        if timeout is None:
            return False
        deadline = legs.step_deadline(now, timeout)
        if interpreting.step_deadline_at is None or interpreting.step_deadline_at < deadline:
            interpreting.step_deadline_at = deadline
        params: dict[str, Any] = {
            "to": target["address"],
            "from_": request.helpline.phone_number,
            # An agency's menu never presses 1: its leg goes straight into the room.
            "url": (urls.agency if target["kind"] == "agency" else urls.screen)(
                interpreting.id, step, target["interpreter_id"]
            ),
            "method": "POST",
            "status_callback": urls.leg_status(interpreting.id, step, target["interpreter_id"]),
            "status_callback_method": "POST",
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
            "timeout": timeout,
        }
        if target.get("send_digits"):
            params["send_digits"] = target["send_digits"]
        outbox.enqueue(
            session,
            outbox.CREATE_CALL,
            {
                "params": params,
                "interpreting_session_id": interpreting.id,
                "step": step,
                "interpreter_id": target["interpreter_id"],
                "request_id": request.id,
                "on_sent": RING_SENT,
                "on_failure": RING_FAILED,
            },
            now,
            dedupe_key=f"interp-ring:{interpreting.id}:{step}:{index}",
        )
        log_event(
            session,
            request,
            "interpreter_ringing",
            now,
            detail={
                "session_id": interpreting.id,
                "step": step,
                "interpreter_id": target["interpreter_id"],
                "interpreter": target["name"],
                "kind": target["kind"],
                "timeout_s": timeout,
            },
            dedupe_key=f"interp-ringing:{interpreting.id}:{step}:{index}",
        )
    return True


def _locked(session: Session, session_id: int) -> InterpretingSession | None:
    return session.scalars(
        select(InterpretingSession).where(InterpretingSession.id == session_id).with_for_update()
    ).first()


def note_leg(
    session: Session,
    call: Call,
    interpreting: InterpretingSession,
    step: int,
    interpreter_id: int | None,
) -> None:
    """Mark a leg as an interpreter leg of this session's step."""
    call.role = "interpreter"
    call.interpreting_session_id = interpreting.id
    call.routing_step = step
    call.interpreter_id = interpreter_id
    call.request_id = interpreting.request_id
    session.flush()


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
    interpreting = _locked(session, session_id)
    if interpreting is None:
        return
    note_leg(session, call, interpreting, step, interpreter_id)
    if callback.status not in TERMINAL_STATUSES:
        return
    if interpreting.connected_call_sid == call.sid:
        interpreter_left(session, interpreting, call, now)
    else:
        step_leg_ended(session, interpreting, step, now, urls)


def interpreter_left(
    session: Session, interpreting: InterpretingSession, call: Call, now: datetime
) -> None:
    """The bridged interpreter's leg ended: the session is over."""
    if interpreting.status != "connected":
        return
    interpreting.status = "ended"
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


def step_leg_ended(
    session: Session,
    interpreting: InterpretingSession,
    step: int,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> None:
    """When every leg of the current step has ended: the next step, or no interpreter."""
    if interpreting.status != "dispatching" or interpreting.current_step != step:
        return
    if not legs.step_is_over(
        session,
        Call.interpreting_session_id == interpreting.id,
        step,
        f"interp-ring:{interpreting.id}",
        len(interpreting.plan[step]),
    ):
        return
    _step_over(session, interpreting, step, now, urls)


def step_deadline_passed(
    session: Session, session_id: int, now: datetime, urls: twiml.InterpretingUrls
) -> bool:
    """The clock: a step past its deadline is over as if every leg had ended; its legs stop."""
    interpreting = _locked(session, session_id)
    if interpreting is None or interpreting.status != "dispatching":
        return False
    deadline = interpreting.step_deadline_at
    if deadline is None or deadline > now:
        return False
    step = interpreting.current_step
    of_session = Call.interpreting_session_id == interpreting.id
    stopped = legs.stop_open_legs(session, of_session, step, now)
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "interpreter_step_deadline",
        now,
        detail={"session_id": interpreting.id, "step": step, "stopped": stopped},
        dedupe_key=f"interp-step-deadline:{interpreting.id}:{step}",
    )
    interpreting.step_deadline_at = None  # the next step (if any) sets its own
    _step_over(session, interpreting, step, now, urls)
    return True


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
    if next_step < len(interpreting.plan):
        moved = session.execute(
            update(InterpretingSession)
            .where(
                InterpretingSession.id == interpreting.id,
                InterpretingSession.status == "dispatching",
                InterpretingSession.current_step == step,
            )
            .values(current_step=next_step)
            .execution_options(synchronize_session=False)
        )
        if getattr(moved, "rowcount", 0) == 1:
            session.refresh(interpreting)
            if ring_step(session, interpreting, next_step, now, urls):
                return
    _give_up(session, interpreting, request, now, urls, redirect=True)


def _give_up(
    session: Session,
    interpreting: InterpretingSession,
    request: Request,
    now: datetime,
    urls: twiml.InterpretingUrls,
    *,
    redirect: bool,
) -> None:
    moved = session.execute(
        update(InterpretingSession)
        .where(
            InterpretingSession.id == interpreting.id,
            InterpretingSession.status == "dispatching",
        )
        .values(status="no_interpreter", outcome="no_interpreter", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        return
    session.refresh(interpreting)
    request.outcome = request.outcome or "no_interpreter"
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


def claim(
    session: Session, session_id: int, call_sid: str, interpreter_id: int | None, now: datetime
) -> bool:
    """Take the session for this leg: true for exactly one leg, whatever the timing."""
    claimed = session.execute(
        update(InterpretingSession)
        .where(
            InterpretingSession.id == session_id,
            InterpretingSession.status == "dispatching",
        )
        .values(
            status="connected",
            outcome="connected",
            connected_call_sid=call_sid,
            interpreter_id=interpreter_id,
            connected_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0) == 1)


def take_call(
    session: Session,
    session_id: int,
    step: int,
    interpreter_id: int | None,
    call_sid: str,
    now: datetime,
) -> InterpretingSession | None:
    """The interpreter pressed 1: claim, record time-to-connect, cancel the other legs."""
    if not claim(session, session_id, call_sid, interpreter_id, now):
        found = session.get(InterpretingSession, session_id)
        if found is not None:
            session.refresh(found)
            if found.connected_call_sid == call_sid:
                # Twilio delivered this leg's key press again (a retry): it has the session.
                return found
        return None
    interpreting = session.get(InterpretingSession, session_id)
    assert interpreting is not None
    session.refresh(interpreting)
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
    _cancel_others(session, interpreting, call_sid, now)
    logger.info(
        "request %s: interpreter %s connected in %s s",
        request.reference,
        interpreter_id,
        interpreting.time_to_connect_s,
    )
    return interpreting


def _cancel_others(
    session: Session, interpreting: InterpretingSession, keep_sid: str | None, now: datetime
) -> None:
    open_legs = session.scalars(
        select(Call).where(
            Call.interpreting_session_id == interpreting.id,
            Call.sid != (keep_sid or ""),
            Call.status.not_in(TERMINAL_STATUSES),
        )
    ).all()
    for leg in open_legs:
        legs.cancel_leg(session, leg.sid, leg.status, now)


def gp_left(session: Session, call: Call, now: datetime) -> None:
    """The GP hung up while interpreters were rung: stop ringing them."""
    sessions = session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.gp_call_sid == call.sid,
            InterpretingSession.status == "dispatching",
        )
        .with_for_update()
    ).all()
    for interpreting in sessions:
        interpreting.status, interpreting.outcome = "abandoned", "gp_hung_up"
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
        _cancel_others(session, interpreting, None, now)


def held_by(session: Session, request: Request, nurse_id: int) -> NurseRouting:
    """The routing through which this nurse holds the request's call; PermissionError if not."""
    routing = routing_services.held_by(session, request.id, nurse_id)
    if routing is None:
        raise PermissionError("Cet appel n'est pas le vôtre (this call is not held by you).")
    return routing


def add_interpreter(
    session: Session,
    request: Request,
    language: str,
    nurse_id: int,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> InterpretingSession:
    """A nurse holding the request's call brings an interpreter into the room."""
    routing = held_by(session, request, nurse_id)
    busy = session.scalars(
        select(InterpretingSession).where(
            InterpretingSession.request_id == request.id,
            InterpretingSession.status.in_(LIVE_STATUSES),
        )
    ).first()
    if busy is not None and busy.language != base_code(language):
        raise ValueError("an interpreter is already on this call: remove them first")
    dispatch = request_interpreter(
        session,
        request,
        language,
        now,
        urls,
        requested_by="nurse",
        gp_call_sid=routing.gp_call_sid,
    )
    found = session.get(InterpretingSession, dispatch.session_id)
    assert found is not None
    return found


def remove_interpreter(session: Session, request: Request, now: datetime) -> InterpretingSession:
    """Hang up the interpreter of the request's call; the GP and the nurse stay in the room."""
    interpreting = session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.request_id == request.id,
            InterpretingSession.status.in_(LIVE_STATUSES),
        )
        .order_by(InterpretingSession.id.desc())
        .with_for_update()
    ).first()
    if interpreting is None:
        raise ValueError("no interpreter on this call")
    if interpreting.status == "dispatching":
        interpreting.status, interpreting.outcome = "ended", "removed"
        interpreting.ended_at = now
        _cancel_others(session, interpreting, None, now)
    else:
        interpreting.outcome = "removed"
        sid = interpreting.connected_call_sid
        if sid:
            legs.cancel_leg(session, sid, "in-progress", now)
    log_event(
        session,
        request,
        "interpreter_removed",
        now,
        detail={"session_id": interpreting.id},
        dedupe_key=f"interp-removed:{interpreting.id}",
    )
    session.flush()
    return interpreting


# --- outbox follow-ups ---------------------------------------------------------------------


def _on_ring_sent(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
    # The leg's row first, then the lock: the order of the leg-status webhook, which may be
    # writing the same leg at this moment (the opposite order can deadlock).
    call = legs.leg_of_sent_ring(session, message, now)
    if call is None:
        return
    sid = call.sid
    interpreting = _locked(session, int(message.payload["interpreting_session_id"]))
    if interpreting is None:
        return
    step = int(message.payload["step"])
    note_leg(session, call, interpreting, step, message.payload["interpreter_id"])
    wanted = interpreting.status == "dispatching" and interpreting.current_step == step
    if (
        not wanted
        and call.status not in TERMINAL_STATUSES
        and call.sid != (interpreting.connected_call_sid or "")
    ):
        legs.cancel_leg(session, sid, call.status, now)


def _on_ring_failed(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
    interpreting = _locked(session, int(message.payload["interpreting_session_id"]))
    if interpreting is not None:
        step_leg_ended(
            session, interpreting, int(message.payload["step"]), now, twiml.InterpretingUrls(root)
        )


outbox.SENT_HANDLERS[RING_SENT] = _on_ring_sent
outbox.FAILURE_HANDLERS[RING_FAILED] = _on_ring_failed
