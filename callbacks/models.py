"""Callback tasks (a promise to call a professional back), their attempts, a follow-up's outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, str_enum, utcnow
from hotline.hooks import CallbackReason


class CallbackStatus(StrEnum):
    """pending → calling (an attempt under way) → done | failed | cancelled; back to pending
    with next_attempt_at when an attempt found nobody."""

    PENDING = "pending"
    CALLING = "calling"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FollowUpOutcome(StrEnum):
    """How the situation stood when a follow-up callback reached the professional."""

    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSENED = "worsened"
    LOST = "lost_to_follow_up"
    REDIRECTED = "redirected"


class AttemptResult(StrEnum):
    """How one attempt of a callback ended."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"  # an answering machine (or a fax) picked up
    FAILED = "failed"


class CallbackTask(Base):
    """Somebody must call this professional back, by a due time."""

    __tablename__ = "callbacks"
    __repr_fields__ = ("request_id", "reason", "status", "attempts")
    __repr_masked__ = ("phone",)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[CallbackReason] = mapped_column(str_enum(CallbackReason, 24))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[CallbackStatus] = mapped_column(
        str_enum(CallbackStatus, 16), default=CallbackStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    # The attempt under way: the nurse's leg, then the professional's.
    nurse_call_sid: Mapped[str | None] = mapped_column(String(34))
    gp_call_sid: Mapped[str | None] = mapped_column(String(34))
    calling_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the ringing part of the attempt is over even if no final callback ever comes.
    step_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    # Who or what picked up the professional's leg (Twilio's AnsweredBy): human, machine_start...
    answered_by: Mapped[str | None] = mapped_column(String(24))
    # reached, no_answer, busy, failed (after the last attempt)
    outcome: Mapped[str | None] = mapped_column(String(24))
    done_at: Mapped[datetime | None]
    # When the professional's leg was first answered by a person (the callback's promise kept).
    first_contact_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recording_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_duration_s: Mapped[int | None]
    # A reached follow-up asks the nurse how the situation went (FollowUpOutcome) and a note:
    # never the patient's identity (the form says so).
    follow_up_outcome: Mapped[FollowUpOutcome | None] = mapped_column(str_enum(FollowUpOutcome, 24))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    follow_up_recorded_at: Mapped[datetime | None]
    follow_up_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallbackAttempt(Base):
    """One attempt of a callback: who called which number, when, and how it ended.

    Written once per (callback, attempt number), whatever Twilio repeats or reorders.
    """

    __tablename__ = "callback_attempts"
    __repr_fields__ = ("callback_id", "number", "result")
    __repr_masked__ = ("phone",)
    __table_args__ = (UniqueConstraint("callback_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    number: Mapped[int]  # 1 for the first attempt
    phone: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    result: Mapped[AttemptResult | None] = mapped_column(str_enum(AttemptResult, 16))
    # Why, as the calling flow said it (a call status, "machine", "no_nurse", "deadline"...).
    why: Mapped[str | None] = mapped_column(String(32))
