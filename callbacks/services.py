"""Callback tasks: promise a professional to call back, once, with what they left us."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import CallbackStatus, CallbackTask
from hotline import hooks
from hotline.hooks import CallbackReason
from hotline.models import Helpline, Request
from hotline.services import log_event
from hotline.telephony.parsing import Recording
from routing.hours import next_opening
from routing.plan import RANKS
from routing.rota import nurses_at, opening_hours

logger = logging.getLogger(__name__)

OPEN_STATUSES = (CallbackStatus.PENDING, CallbackStatus.CALLING)


def pending_callback(session: Session, request: Request) -> CallbackTask | None:
    """The request's callback still to be made, if any."""
    return session.scalars(
        select(CallbackTask)
        .where(CallbackTask.request_id == request.id, CallbackTask.status.in_(OPEN_STATUSES))
        .order_by(CallbackTask.id)
    ).first()


def due_and_assignee(
    session: Session, request: Request, wanted_at: datetime, now: datetime
) -> tuple[datetime, int | None]:
    """When a callback can happen (in opening hours) and the nurse on duty then."""
    wanted = max(wanted_at, now)
    due = next_opening(opening_hours(session, request.helpline), wanted) or wanted
    return due, nurse_on_duty(session, request.helpline_id, due)


def nurse_on_duty(session: Session, helpline_id: int, at: datetime) -> int | None:
    """The helpline's nurse on duty at a moment (else the backup), by its rota: a nurse of that
    helpline only."""
    helpline = session.get(Helpline, helpline_id)
    if helpline is None:
        return None
    for rank in RANKS:
        found = nurses_at(session, helpline, at, rank)
        if found:
            return found[0]
    return None


def promise_callback(
    session: Session,
    request: Request,
    reason: str,
    due_at: datetime,
    now: datetime,
    *,
    assignee_id: int | None = None,
) -> CallbackTask:
    """Make sure the request has a pending callback, due in opening hours and assigned to the
    nurse on duty then; a second promise adds nothing."""
    task = pending_callback(session, request)
    if task is not None:
        return task
    due_at, on_duty = due_and_assignee(session, request, due_at, now)
    assignee_id = assignee_id or on_duty
    task = CallbackTask(
        request_id=request.id,
        phone=request.caller_number,
        reason=reason,
        due_at=due_at,
        assignee_id=assignee_id,
        created_at=now,
    )
    session.add(task)
    session.flush()
    log_event(
        session,
        request,
        "callback_created",
        now,
        detail={"reason": reason, "due_at": due_at.isoformat(), "callback_id": task.id},
        dedupe_key=f"callback:{task.id}",
    )
    logger.info("request %s: callback %s due %s (%s)", request.reference, task.id, due_at, reason)
    hooks.callback_promised.send(
        None, session=session, request=request, reason=reason, due_at=due_at, now=now
    )
    return task


def attach_recording(
    session: Session,
    request: Request,
    recording: Recording,
    due_at: datetime,
    now: datetime,
) -> CallbackTask:
    """Attach a voicemail to the request's callback (made if missing); repeats change nothing."""
    known = session.scalars(
        select(CallbackTask).where(CallbackTask.recording_sid == recording.recording_sid)
    ).first()
    if known is not None:
        return known
    task = promise_callback(session, request, CallbackReason.VOICEMAIL, due_at, now)
    task.recording_sid = recording.recording_sid
    task.recording_url = recording.url
    task.recording_duration_s = recording.duration_s
    session.flush()
    log_event(
        session,
        request,
        "voicemail_left",
        now,
        call_sid=recording.call_sid,
        detail={
            "recording_sid": recording.recording_sid,
            "duration_s": recording.duration_s,
            "callback_id": task.id,
        },
        dedupe_key=f"voicemail:{recording.recording_sid}",
    )
    hooks.voicemail_left.send(
        None, session=session, request=request, recording_sid=recording.recording_sid, now=now
    )
    return task


def on_callback_wanted(
    _sender: object,
    *,
    session: Session,
    now: datetime,
    request: Request,
    reason: str,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
    recording: Recording | None = None,
    **_known: object,
) -> None:
    """``hooks.callback_wanted``: promise the callback a flow or a page asks for, once (with
    the voicemail the caller left, if any)."""
    if recording is not None:
        attach_recording(session, request, recording, due_at or now, now)
    else:
        promise_callback(session, request, reason, due_at or now, now, assignee_id=assignee_id)
