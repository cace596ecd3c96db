"""Call-leg status precedence, so duplicated or reordered callbacks never move a call backwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CallStatus(StrEnum):
    """A leg's status as Twilio names it (CallStatus); "answered" comes from Dial callbacks."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


TERMINAL_STATUSES = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.NO_ANSWER,
        CallStatus.CANCELED,
    }
)

# Twilio's lifecycle only moves forward: a status of a higher rank replaces a lower one and never
# the reverse. All terminal statuses share the top rank: the first one recorded stays.
_RANK: dict[str, int] = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
    CallStatus.ANSWERED: 3,
}


def status_rank(status: str) -> int:
    """The position of a status in a leg's lifecycle."""
    if status in TERMINAL_STATUSES:
        return 4
    try:
        return _RANK[status]
    except KeyError:
        raise ValueError(f"unknown call status: {status!r}") from None


def call_status(status: str) -> CallStatus:
    """The status Twilio names ``status``; a ValueError for a status Twilio does not send."""
    try:
        return CallStatus(status)
    except ValueError:
        raise ValueError(f"unknown call status: {status!r}") from None


@dataclass(frozen=True)
class LegState:
    """What the call log knows of a leg."""

    status: CallStatus | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: int | None
    last_sequence_number: int | None


@dataclass(frozen=True)
class StatusUpdate:
    """One call-progress callback, as parsed from Twilio's form."""

    status: str
    at: datetime
    sequence_number: int | None
    duration_s: int | None


def merge_status(state: LegState, update: StatusUpdate) -> LegState:
    """The leg after this callback; the same whatever the order or repetition of callbacks.

    Each field is a commutative fold (highest status rank, earliest answer and end times, longest
    duration, highest sequence number), so any permutation of a leg's callbacks, with any
    duplicates, ends in the same state.
    """
    status = state.status
    if status is None or status_rank(update.status) > status_rank(status):
        status = (
            CallStatus.IN_PROGRESS
            if update.status == CallStatus.ANSWERED
            else call_status(update.status)
        )
    answered_at = state.answered_at
    if update.status in (CallStatus.IN_PROGRESS, CallStatus.ANSWERED):
        answered_at = min(filter(None, (answered_at, update.at)))
    ended_at = state.ended_at
    duration_s = state.duration_s
    if update.status in TERMINAL_STATUSES:
        ended_at = min(filter(None, (ended_at, update.at)))
        if update.duration_s is not None:
            duration_s = max(duration_s or 0, update.duration_s)
    sequence = state.last_sequence_number
    if update.sequence_number is not None:
        sequence = max(sequence if sequence is not None else -1, update.sequence_number)
    return LegState(status, answered_at, ended_at, duration_s, sequence)
