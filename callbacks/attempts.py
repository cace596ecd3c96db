"""Every attempt of a callback, recorded once, and the outcome a nurse gives a reached follow-up.

The calling flow (``callbacks.calling``) opens an attempt when it rings the nurse and closes it
with its result. Twilio repeats and reorders callbacks: an attempt is one row per (callback,
number), the first result written is kept, and a later report of the same attempt changes
nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import (
    AttemptResult,
    CallbackAttempt,
    CallbackStatus,
    CallbackTask,
    FollowUpOutcome,
)
from hotline import anonymity
from hotline.hooks import CallbackReason
from hotline.models import Call, Request, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event

NOTE_MAX = 2000


def picked_up_at(call: Call, now: datetime) -> datetime:
    """When the professional picked up a reached attempt's leg: Twilio's answer time, else the
    end less the time talked (a leg whose "in-progress" callback never came)."""
    if call.answered_at is not None:
        return call.answered_at
    return (call.ended_at or now) - timedelta(seconds=call.duration_s or 0)


def result_of(why: str) -> AttemptResult:
    """The result an attempt's failure stands for (``why`` as the calling flow says it: the
    professional's call status, "machine", or the nurse's side: "nurse_<status>", "no_nurse")."""
    if why == "machine":
        return AttemptResult.VOICEMAIL
    if why == "no-answer":
        return AttemptResult.NO_ANSWER
    if why == "busy":
        return AttemptResult.BUSY
    return AttemptResult.FAILED


def _attempt(session: Session, task: CallbackTask, now: datetime) -> CallbackAttempt:
    found = session.scalars(
        select(CallbackAttempt).where(
            CallbackAttempt.callback_id == task.id, CallbackAttempt.number == task.attempts
        )
    ).first()
    if found is None:
        found = CallbackAttempt(
            callback_id=task.id,
            number=task.attempts,
            phone=task.phone,
            user_id=task.calling_user_id,
            started_at=now,
        )
        session.add(found)
        session.flush()
    return found


def attempt_started(session: Session, task: CallbackTask, now: datetime) -> CallbackAttempt:
    """The task's current attempt rings its nurse (a resumed attempt keeps its row)."""
    attempt = _attempt(session, task, now)
    if attempt.result is None:
        attempt.user_id = task.calling_user_id or attempt.user_id
        attempt.phone = task.phone
    session.flush()
    return attempt


def attempt_ended(
    session: Session, task: CallbackTask, result: AttemptResult, why: str, ended_at: datetime
) -> CallbackAttempt:
    """The task's current attempt ended with ``result``; the first result written stays."""
    attempt = _attempt(session, task, ended_at)
    if attempt.result is None:
        attempt.result, attempt.why, attempt.ended_at = result, why[:32], ended_at
        attempt.user_id = attempt.user_id or task.calling_user_id
        session.flush()
    return attempt


def attempts_of(session: Session, callback_ids: list[int]) -> dict[int, list[CallbackAttempt]]:
    """The attempts of these callbacks, in order, by callback id."""
    found: dict[int, list[CallbackAttempt]] = {callback_id: [] for callback_id in callback_ids}
    if not callback_ids:
        return found
    for attempt in session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id.in_(callback_ids))
        .order_by(CallbackAttempt.callback_id, CallbackAttempt.number)
    ):
        found[attempt.callback_id].append(attempt)
    return found


def awaits_outcome(task: CallbackTask) -> bool:
    """A reached follow-up whose outcome the nurse has not recorded yet."""
    return (
        task.reason == CallbackReason.FOLLOW_UP
        and task.status == CallbackStatus.DONE
        and task.outcome == "reached"
        and task.follow_up_outcome is None
    )


def record_outcome(
    session: Session,
    task: CallbackTask,
    nurse: User,
    outcome: str,
    note: str,
    now: datetime,
) -> None:
    """The nurse records how a reached follow-up found the situation, with a note.

    Refused (``Refusal``) when the callback is no reached follow-up, the outcome unknown or the
    note too long. Recording again corrects the previous outcome.
    """
    if task.reason != CallbackReason.FOLLOW_UP or task.outcome != "reached":
        raise Refusal(N_("Seul un suivi abouti reçoit une issue."))
    try:
        coded = FollowUpOutcome(outcome)
    except ValueError:
        raise Refusal(N_("Issue du suivi inconnue.")) from None
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Refusal(N_("Note trop longue ({maximum} caractères au plus)."), maximum=NOTE_MAX)
    if any(ord(char) < 32 and char not in "\t\r\n" for char in note):
        raise Refusal(N_("Caractères de contrôle refusés (octet nul…) : retirez-les et réessayez."))
    anonymity.check(note)
    task.follow_up_outcome = coded
    task.follow_up_note = note or None
    task.follow_up_recorded_at, task.follow_up_recorded_by = now, nurse.id
    request = session.get(Request, task.request_id)
    assert request is not None
    log_event(
        session,
        request,
        "follow_up_recorded",
        now,
        detail={"callback_id": task.id, "outcome": coded.value, "by": nurse.id},
    )
    session.flush()
