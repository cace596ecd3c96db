"""Calling back: claim what is due, ring the nurse first, then the professional; retry or fail.

The professional's leg detects an answering machine (Twilio's AMD, in the background so a
person hears the nurse at once): a machine is never "reached". Its attempt fails and the retry
policy runs, after a short message that carries only the request's reference. Every attempt
has a deadline kept on the task: the clock fails an attempt whose callbacks never came.

One attempt: the task is claimed (``pending`` → ``calling``, attempts + 1) in the same
transaction that records the intent ringing the nurse, so a clock killed at any point either
fired it (the intent is sent by the outbox, now or by the next run) or did not (it is still due).
The nurse presses 1 (or accepts in her browser): the professional is dialled into the request's
room with the helpline number as caller ID. Any attempt that reaches nobody is retried after
``RETRY_AFTER`` (in opening hours) until ``MAX_ATTEMPTS``, then the task is failed for the nurse
to see.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callbacks import twiml
from callbacks.attempts import attempt_ended, attempt_started, picked_up_at, result_of
from callbacks.models import AttemptResult, CallbackStatus, CallbackTask
from callbacks.services import due_and_assignee, nurse_on_duty
from hotline import outbox, ringing
from hotline.callstate import TERMINAL_STATUSES, CallStatus
from hotline.db import claim
from hotline.hooks import CallbackReason
from hotline.models import Call, OutboxMessage, OutboxStatus, Request, User
from hotline.scope import members
from hotline.services import log_event
from hotline.telephony.twiml import to_xml
from hotline.voice_twiml import spoken_name, spoken_reference
from routing.rota import in_console
from routing.twiml import nurse_label, room_name

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=15)
NURSE_RING_S = 25
GP_RING_S = 30
# AnsweredBy values (Answering Machine Detection): human, machine_start, machine_end_beep,
# machine_end_silence, machine_end_other, fax, unknown. "unknown" (the detection could not
# tell, e.g. a person who says nothing at first) is treated as a person: the nurse is there.
MACHINE_ANSWERS = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)
# Leave a short message (the request's reference only) on a voicemail before retrying.
LEAVES_MESSAGE_ON_MACHINE = True


def parse_callback_time(digits: str, now: datetime, tz_name: str) -> datetime | None:
    """ "1420" → the next 14:20 local (today, or tomorrow if past); "0" → now; else None."""
    if digits == "0":
        return now
    if len(digits) != 4 or not digits.isdigit():
        return None
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    tz = ZoneInfo(tz_name)
    local_now = now.astimezone(tz)
    wanted = datetime.combine(local_now.date(), time(hours, minutes), tzinfo=tz)
    if wanted <= local_now:
        wanted = datetime.combine(
            local_now.date() + timedelta(days=1), time(hours, minutes), tzinfo=tz
        )
    return wanted


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[CallbackTask]:
    """Take due tasks for this worker alone (SKIP LOCKED on PostgreSQL, the lock on SQLite)."""
    query = (
        select(CallbackTask)
        .where(
            CallbackTask.status == CallbackStatus.PENDING,
            CallbackTask.due_at <= now,
            or_(CallbackTask.next_attempt_at.is_(None), CallbackTask.next_attempt_at <= now),
        )
        .order_by(CallbackTask.due_at, CallbackTask.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[CallbackTask] = []
    for task in session.scalars(query).all():
        if claim(
            session, CallbackTask, task.id, CallbackStatus.PENDING,
            status=CallbackStatus.CALLING, claimed_at=now, attempts=CallbackTask.attempts + 1,
            nurse_call_sid=None, gp_call_sid=None, calling_user_id=None,
        ):  # fmt: skip
            session.refresh(task)
            claimed.append(task)
    return claimed


STUCK_AFTER = timedelta(minutes=10)


def recover_stuck(session: Session, now: datetime) -> int:
    """Attempts whose ring was never sent (a clock killed mid-send, Twilio refusing) are due
    again at once, uncounted; an attempt whose ring was sent is left to its callbacks.

    A ring cut off by a kill during the REST request itself is failed by ``resend_unsent``
    after its stale delay, and resumed here: the nurse's phone may then ring twice for it, but
    the second leg she answers finds the attempt taken, so the professional is called once.
    """
    stuck = session.scalars(
        select(CallbackTask)
        .where(
            CallbackTask.status == CallbackStatus.CALLING,
            CallbackTask.claimed_at < now - STUCK_AFTER,
        )
        .with_for_update()
    ).all()
    recovered = 0
    for task in stuck:
        rings = session.scalars(
            select(OutboxMessage.status).where(
                OutboxMessage.dedupe_key.like(f"cb-nurse:{task.id}:{task.attempts}:%")
            )
        ).all()
        if any(status != OutboxStatus.FAILED for status in rings):
            continue  # rung (its callbacks decide), or still being sent
        request = session.get(Request, task.request_id)
        assert request is not None
        # The attempt never happened: it does not count, and the callback is due again now.
        task.status, task.attempts = CallbackStatus.PENDING, task.attempts - 1
        task.next_attempt_at = None
        task.nurse_call_sid = task.gp_call_sid = None
        log_event(
            session,
            request,
            "callback_resumed",
            now,
            detail={
                "callback_id": task.id,
                "claimed_at": task.claimed_at.isoformat() if task.claimed_at else None,
            },
        )
        recovered += 1
    session.flush()
    return recovered


def _nurse_address(nurse: User, now: datetime) -> tuple[str, str] | None:
    if nurse.browser_identity and in_console(nurse, now):
        return "client", nurse.browser_identity
    if nurse.phone:
        return "phone", nurse.phone
    return None


def fire(session: Session, task: CallbackTask, now: datetime, urls: twiml.CallbackUrls) -> bool:
    """Ring the nurse for a claimed attempt; False (and a retry planned) when nobody can."""
    request = session.get(Request, task.request_id)
    assert request is not None
    candidates = [task.calling_user_id, task.assignee_id]
    candidates.append(nurse_on_duty(session, request.helpline_id, now))
    # Only a nurse of the request's helpline is rung (an assignee who left it is passed over).
    nurses = set(session.scalars(members(request.helpline_id, "nurse")))
    nurse = None
    address = None
    for user_id in candidates:
        found = session.get(User, user_id) if user_id in nurses else None
        if found is not None and found.is_active and found.is_available:
            address = _nurse_address(found, now)
            if address is not None:
                nurse = found
                break
    if nurse is None or address is None:
        attempt_failed(session, task, request, now, "no_nurse")
        return False
    kind, where = address
    task.calling_user_id = nurse.id
    task.answered_by = None
    attempt_started(session, task, now)
    task.step_deadline_at = ringing.step_deadline(now, NURSE_RING_S)
    ringing.ring_leg(
        session,
        now,
        to=(
            ringing.client_address(where, reference=request.reference, caller=task.phone)
            if kind == "client"
            else where
        ),
        from_=request.helpline.phone_number,
        url=urls.nurse(task.id, task.attempts, kind),
        status_callback=urls.nurse_status(task.id, task.attempts),
        timeout=NURSE_RING_S,
        payload={"request_id": request.id},
        # A resumed attempt (never rung) is claimed again at another moment: a new intent.
        dedupe_key=f"cb-nurse:{task.id}:{task.attempts}:{(task.claimed_at or now).timestamp():.0f}",
    )
    log_event(
        session,
        request,
        "callback_started",
        now,
        detail={"callback_id": task.id, "attempt": task.attempts, "nurse": nurse.display_name},
        dedupe_key=f"cb-started:{task.id}:{task.attempts}",
    )
    session.flush()
    return True


def start_now(
    session: Session, task: CallbackTask, nurse: User, now: datetime, urls: twiml.CallbackUrls
) -> bool:
    """The nurse clicked "Rappeler": this attempt is hers, now."""
    if not claim(
        session, CallbackTask, task.id, CallbackStatus.PENDING,
        status=CallbackStatus.CALLING, claimed_at=now, attempts=CallbackTask.attempts + 1,
        calling_user_id=nurse.id, nurse_call_sid=None, gp_call_sid=None,
    ):  # fmt: skip
        return False
    session.refresh(task)
    return fire(session, task, now, urls)


def _current(session: Session, task_id: int, attempt: int) -> CallbackTask | None:
    task = session.scalars(
        select(CallbackTask).where(CallbackTask.id == task_id).with_for_update()
    ).first()
    if task is None or task.status != CallbackStatus.CALLING or task.attempts != attempt:
        return None
    return task


def about(session: Session, task: CallbackTask) -> str:
    """What the nurse hears before she dials: whom, which request, why."""
    request = session.get(Request, task.request_id)
    assert request is not None
    who = spoken_name(request.professional) or "un professionnel"
    why = {
        "voicemail": "il a laissé un message",
        "requested": "rappel demandé",
        "follow_up": "suivi programmé",
        "out_of_hours": "appel hors horaires",
        "no_answer": "appel sans réponse",
        "abandoned": "appel interrompu",
    }.get(task.reason, task.reason)
    if task.recording_sid and task.reason != CallbackReason.VOICEMAIL:
        why += ", il a laissé un message"
    return f"Rappel de {who}, demande {spoken_reference(request.reference)}, {why}."


def nurse_accepts(
    session: Session,
    task_id: int,
    attempt: int,
    call_sid: str,
    now: datetime,
    urls: twiml.CallbackUrls,
) -> tuple[str, str | None, str] | None:
    """The nurse pressed 1 (or accepted in the browser): dial the professional into the room."""
    task = _current(session, task_id, attempt)
    if task is None or task.nurse_call_sid not in (None, call_sid):
        return None
    request = session.get(Request, task.request_id)
    assert request is not None
    task.nurse_call_sid = call_sid
    if not task.phone:
        attempt_failed(session, task, request, now, "no_number")
        return None
    task.step_deadline_at = ringing.step_deadline(now, GP_RING_S)
    ringing.ring_leg(
        session,
        now,
        to=task.phone,
        from_=request.helpline.phone_number,
        url=urls.gp(task.id, attempt),
        status_callback=urls.gp_status(task.id, attempt),
        timeout=GP_RING_S,
        payload={"request_id": request.id},
        dedupe_key=f"cb-gp:{task.id}:{attempt}",
        # AsyncAmd: the call's TwiML runs at once (a person hears the nurse without delay)
        # while the detection goes on; DetectMessageEnd: on a machine the result comes once
        # its greeting is over, in time to leave a message.
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=urls.gp_amd(task.id, attempt),
        async_amd_status_callback_method="POST",
    )
    log_event(
        session,
        request,
        "callback_dialling",
        now,
        call_sid=call_sid,
        detail={"callback_id": task.id, "attempt": attempt},
        dedupe_key=f"cb-dialling:{task.id}:{attempt}",
    )
    session.flush()
    return (
        room_name(request.id),
        spoken_name(request.professional),
        nurse_label(task.calling_user_id, call_sid),
    )


def leg_ended(
    session: Session,
    task_id: int,
    attempt: int,
    call: Call,
    who: str,
    now: datetime,
    answered_by: str | None = None,
) -> None:
    """A leg of an attempt ended: the professional reached, nobody, or the nurse never took it."""
    found = session.get(CallbackTask, task_id)
    if found is not None:
        # Every leg of an attempt belongs to the request, whatever happens to the attempt.
        call.request_id = found.request_id
        call.role = "nurse" if who == "nurse" else "gp"
        session.flush()
    task = _current(session, task_id, attempt)
    if task is None or call.status not in TERMINAL_STATUSES:
        return
    request = session.get(Request, task.request_id)
    assert request is not None
    if who == "gp":
        task.gp_call_sid = call.sid
        task.answered_by = task.answered_by or answered_by
        if task.answered_by in MACHINE_ANSWERS:
            attempt_failed(session, task, request, now, "machine")
            return
        if call.answered_at is not None or (call.duration_s or 0) > 0:
            task.status, task.outcome, task.done_at = CallbackStatus.DONE, "reached", now
            task.first_contact_at = task.first_contact_at or picked_up_at(call, now)
            attempt_ended(session, task, AttemptResult.REACHED, "reached", call.ended_at or now)
            log_event(
                session,
                request,
                "callback_reached",
                now,
                call_sid=call.sid,
                detail={"callback_id": task.id, "attempt": attempt, "duration_s": call.duration_s},
                dedupe_key=f"cb-reached:{task.id}",
            )
            session.flush()
            return
        if task.nurse_call_sid:  # she waits in the room: hang her up
            ringing.cancel_leg(session, task.nurse_call_sid, CallStatus.IN_PROGRESS, now)
        attempt_failed(session, task, request, now, call.status)
    elif task.nurse_call_sid in (None, call.sid) and task.gp_call_sid is None:
        if task.nurse_call_sid == call.sid and _gp_leg_started(session, task, attempt):
            return  # she hung up while the professional's phone rings: his leg decides
        attempt_failed(session, task, request, now, "nurse_" + call.status)


def gp_answered(
    session: Session, task_id: int, attempt: int, answered_by: str | None, now: datetime
) -> bool:
    """The professional's leg picked up: the attempt's ringing is over; False if it is stale."""
    task = _current(session, task_id, attempt)
    if task is None:
        return False
    # From here the leg is a conversation (or a machine, which the detection reports).
    task.step_deadline_at = None
    if answered_by and not task.answered_by:
        task.answered_by = answered_by
    session.flush()
    return True


def machine_detected(
    session: Session,
    task_id: int,
    attempt: int,
    call_sid: str,
    answered_by: str,
    now: datetime,
) -> None:
    """The detection's verdict on the professional's leg: a machine fails the attempt."""
    task = _current(session, task_id, attempt)
    if task is None:
        return
    task.answered_by = answered_by
    request = session.get(Request, task.request_id)
    assert request is not None
    if answered_by not in MACHINE_ANSWERS:
        session.flush()
        return
    log_event(
        session,
        request,
        "callback_machine",
        now,
        call_sid=call_sid,
        detail={"callback_id": task.id, "attempt": attempt, "answered_by": answered_by},
        dedupe_key=f"cb-machine:{task.id}:{attempt}",
    )
    leaves_message = LEAVES_MESSAGE_ON_MACHINE and answered_by != "fax"
    gp_twiml = twiml.machine_message(request.reference) if leaves_message else twiml.hang_up()
    outbox.enqueue(
        session,
        outbox.UPDATE_CALL,
        {"call_sid": call_sid, "params": {"twiml": to_xml(gp_twiml)}},
        now,
        dedupe_key=f"cb-machine-gp:{task.id}:{attempt}",
    )
    if task.nurse_call_sid:
        outbox.enqueue(
            session,
            outbox.UPDATE_CALL,
            {
                "call_sid": task.nurse_call_sid,
                "params": {"twiml": to_xml(twiml.nurse_told_machine())},
            },
            now,
            dedupe_key=f"cb-machine-nurse:{task.id}:{attempt}",
        )
    task.gp_call_sid = call_sid
    attempt_failed(session, task, request, now, "machine")


def attempt_deadline_passed(session: Session, task_id: int, now: datetime) -> bool:
    """The clock: an attempt whose legs never reported their end fails; its legs are stopped.

    An attempt whose ring was never sent is left to ``recover_stuck`` (it does not count).
    """
    task = session.scalars(
        select(CallbackTask).where(CallbackTask.id == task_id).with_for_update()
    ).first()
    if task is None or task.status != CallbackStatus.CALLING:
        return False
    deadline = task.step_deadline_at
    if deadline is None or deadline > now:
        return False
    rings = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"cb-nurse:{task.id}:{task.attempts}:%")
            | (OutboxMessage.dedupe_key == f"cb-gp:{task.id}:{task.attempts}")
        )
    ).all()
    if not any(message.status == OutboxStatus.SENT for message in rings):
        return False
    sids = {str((m.result or {}).get("sid")) for m in rings if (m.result or {}).get("sid")}
    sids |= {sid for sid in (task.nurse_call_sid, task.gp_call_sid) if sid}
    stopped = []
    for sid in sorted(sids):
        call = session.scalars(select(Call).where(Call.sid == sid)).first()
        if call is not None and call.status in TERMINAL_STATUSES:
            continue
        # An unknown state: "completed" hangs up a leg in progress and ends one still ringing.
        ringing.cancel_leg(
            session, sid, call.status if call is not None else CallStatus.IN_PROGRESS, now
        )
        stopped.append(sid)
    request = session.get(Request, task.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "callback_step_deadline",
        now,
        detail={"callback_id": task.id, "attempt": task.attempts, "stopped": stopped},
        dedupe_key=f"cb-deadline:{task.id}:{task.attempts}",
    )
    attempt_failed(session, task, request, now, "deadline")
    return True


def _gp_leg_started(session: Session, task: CallbackTask, attempt: int) -> bool:
    return (
        session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == f"cb-gp:{task.id}:{attempt}")
        ).first()
        is not None
    )


def attempt_failed(
    session: Session, task: CallbackTask, request: Request, now: datetime, why: str
) -> None:
    """Nobody reached: try again later (in opening hours), or give up after the last attempt."""
    detail: dict[str, Any] = {"callback_id": task.id, "attempt": task.attempts, "why": why}
    task.step_deadline_at = None
    attempt_ended(session, task, result_of(why), why, now)
    if task.attempts >= MAX_ATTEMPTS:
        task.status, task.outcome, task.done_at = CallbackStatus.FAILED, why, now
        log_event(session, request, "callback_failed", now, detail=detail,
                  dedupe_key=f"cb-failed:{task.id}")  # fmt: skip
    else:
        due, _assignee = due_and_assignee(session, request, now + RETRY_AFTER, now)
        task.status, task.next_attempt_at = CallbackStatus.PENDING, due
        task.nurse_call_sid = task.gp_call_sid = None
        detail["next_attempt_at"] = due.isoformat()
        log_event(session, request, "callback_retry", now, detail=detail,
                  dedupe_key=f"cb-retry:{task.id}:{task.attempts}")  # fmt: skip
    session.flush()
