"""Routing data: the rota, exceptional closures and the state of each nurse routing."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, str_enum, utcnow
from hotline.models import User


class Shift(Base):
    """A nurse on the rota: on duty or backup, from one instant to another (UTC)."""

    __tablename__ = "shifts"
    __repr_fields__ = ("user_id", "rank", "starts_at", "ends_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    rank: Mapped[str] = mapped_column(String(16), default="on_duty")

    user: Mapped[User] = relationship()


class RotaPattern(Base):
    """A nurse's recurring shift: weekdays and local times, every week or every other week."""

    __tablename__ = "rota_patterns"
    __repr_fields__ = ("user_id", "rank", "weekdays", "starts_local", "ends_local")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rank: Mapped[str] = mapped_column(String(16), default="on_duty")
    # ISO weekdays counted from Monday = 0, comma-separated: "0,1,2" is Monday to Wednesday.
    weekdays: Mapped[str] = mapped_column(String(16))
    # Wall-clock times in the helpline's time zone; an end at or before the start is the next day.
    starts_local: Mapped[time]
    ends_local: Mapped[time]
    every_weeks: Mapped[int] = mapped_column(default=1)
    first_day: Mapped[date]
    last_day: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RotaException(Base):
    """An absence of a nurse, or a swap (a colleague takes her shifts), over local days."""

    __tablename__ = "rota_exceptions"
    __repr_fields__ = ("kind", "user_id", "first_day", "last_day")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # absence | swap
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    replacement: Mapped[User | None] = relationship(foreign_keys=[replacement_id])


class Closure(Base):
    """An exceptional closure of a helpline (a bank-holiday bridge, a team day...)."""

    __tablename__ = "closures"
    __repr_fields__ = ("label", "starts_at", "ends_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    label: Mapped[str] = mapped_column(String(120), default="fermeture exceptionnelle")


class RoutingKind(StrEnum):
    """gp: a GP asked for the nurse; transfer: a nurse hands the call over to a colleague."""

    GP = "gp"
    TRANSFER = "transfer"


class RoutingStatus(StrEnum):
    """ringing → connected | voicemail | abandoned | no_answer (a transfer nobody took);
    connected → transferred (the call was handed over to a colleague)."""

    RINGING = "ringing"
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"
    ABANDONED = "abandoned"
    NO_ANSWER = "no_answer"
    TRANSFERRED = "transferred"


class NurseRouting(Base):
    """A GP waiting for a nurse: the plan being rung, its current step and how it ended."""

    __tablename__ = "nurse_routings"
    __repr_fields__ = ("request_id", "kind", "status", "current_step")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    gp_call_sid: Mapped[str] = mapped_column(String(34))
    conference_name: Mapped[str] = mapped_column(String(64))
    # Steps of targets: [[{"kind": "phone", "address": "+33…", "user_id": 3, "timeout_s": 20}]].
    plan: Mapped[list[Any]] = mapped_column(JSON)
    current_step: Mapped[int] = mapped_column(default=0)
    # When the current step is over even if no leg's final callback ever comes (the clock).
    step_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    kind: Mapped[RoutingKind] = mapped_column(
        str_enum(RoutingKind, 16), default=RoutingKind.GP, server_default="gp"
    )
    status: Mapped[RoutingStatus] = mapped_column(
        str_enum(RoutingStatus, 16), default=RoutingStatus.RINGING
    )
    connected_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    connected_call_sid: Mapped[str | None] = mapped_column(String(34))
    # A transfer: the nurse handing over, and her leg (kept in the room until she hangs up).
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_call_sid: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]


class ServiceRating(Base):
    """The GP's one-key rating (1 to 5) of the service, asked once a request after the call."""

    __tablename__ = "service_ratings"
    __repr_fields__ = ("request_id", "score")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[int]
    call_sid: Mapped[str | None] = mapped_column(String(34))
    rated_at: Mapped[datetime]
