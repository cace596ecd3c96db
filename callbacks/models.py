"""Callback tasks: a promise to call a professional back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
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
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recording_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_duration_s: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
