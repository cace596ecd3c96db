"""The interpreter pool: interpreters and agencies, the languages they cover, sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base


class Interpreter(Base):
    """An interpreter (a person's phone) or an agency (a line with its own menu)."""

    __tablename__ = "interpreters"

    id: Mapped[int] = mapped_column(primary_key=True)
    # individual | agency
    kind: Mapped[str] = mapped_column(String(16), default="individual")
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    # Lower rings first in the "priority" strategy.
    priority: Mapped[int] = mapped_column(default=100)
    max_concurrent: Mapped[int] = mapped_column(default=1)
    # Weekly availability in routing.hours' compact form; empty: any time.
    availability: Mapped[str] = mapped_column(Text, default="")
    # Agencies: the access code keyed after their greeting, e.g. "1234".
    access_code: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(default=True)

    languages: Mapped[list[InterpreterLanguage]] = relationship(
        back_populates="interpreter", cascade="all, delete-orphan"
    )


class InterpreterLanguage(Base):
    """A language an interpreter covers; for an agency, the code its menu expects."""

    __tablename__ = "interpreter_languages"
    __table_args__ = (UniqueConstraint("interpreter_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interpreter_id: Mapped[int] = mapped_column(
        ForeignKey("interpreters.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(16), index=True)
    agency_code: Mapped[str | None] = mapped_column(String(16))

    interpreter: Mapped[Interpreter] = relationship(back_populates="languages")


class InterpretingSession(Base):
    """One interpreter wanted for one request: dispatch, connection, end, and how it went."""

    __tablename__ = "interpreting_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    # gp (fast lane from the menu) | nurse (added from the console)
    requested_by: Mapped[str] = mapped_column(String(16), default="gp")
    gp_call_sid: Mapped[str | None] = mapped_column(String(34))
    conference_name: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(16))
    # Steps of targets: [[{"interpreter_id": 3, "address": "+33…", "timeout_s": 25, ...}]]
    plan: Mapped[list[Any]] = mapped_column(JSON)
    current_step: Mapped[int] = mapped_column(default=0)
    # dispatching → connected → ended | no_interpreter | abandoned
    status: Mapped[str] = mapped_column(String(16), default="dispatching", index=True)
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreters.id"))
    connected_call_sid: Mapped[str | None] = mapped_column(String(34))
    requested_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    time_to_connect_s: Mapped[int | None]
    # connected | no_interpreter | gp_hung_up | removed
    outcome: Mapped[str | None] = mapped_column(String(24))

    interpreter: Mapped[Interpreter | None] = relationship()
