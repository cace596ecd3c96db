"""Call-leg status precedence, so duplicated or reordered callbacks never move a call backwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

# Twilio's lifecycle only moves forward: a status of a higher rank replaces a lower one and never
# the reverse. All terminal statuses share the top rank: the first one recorded stays.
_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3}


def status_rank(status: str) -> int:
    """The position of a status in a leg's lifecycle."""
    if status in TERMINAL_STATUSES:
        return 4
    try:
        return _RANK[status]
    except KeyError:
        raise ValueError(f"unknown call status: {status!r}") from None


@dataclass(frozen=True)
class LegState:
    """What the call log knows of a leg."""

    status: str | None
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
        status = "in-progress" if update.status == "answered" else update.status
    answered_at = state.answered_at
    if update.status in ("in-progress", "answered"):
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
