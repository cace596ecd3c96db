"""The interpreter pool: interpreters, agencies, languages, sessions, contracts and the ledger."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, str_enum


class InterpreterKind(StrEnum):
    """A person's phone, or an agency (a line with its own menu)."""

    INDIVIDUAL = "individual"
    AGENCY = "agency"


class SessionStatus(StrEnum):
    """dispatching → connected → ended | no_interpreter | abandoned."""

    DISPATCHING = "dispatching"
    CONNECTED = "connected"
    ENDED = "ended"
    NO_INTERPRETER = "no_interpreter"
    ABANDONED = "abandoned"


class SessionOutcome(StrEnum):
    """How an interpreting session went, for the reports."""

    CONNECTED = "connected"
    NO_INTERPRETER = "no_interpreter"
    GP_HUNG_UP = "gp_hung_up"
    REMOVED = "removed"


class LedgerKind(StrEnum):
    """What a ledger entry posts."""

    CHARGE = "charge"
    ADJUSTMENT = "adjustment"
    INVOICE_CORRECTION = "invoice_correction"
    # Half of a pair moving an entry to another budget line (interpreter_pool.funding).
    REASSIGNMENT = "reassignment"


class Interpreter(Base):
    """An interpreter (a person's phone) or an agency (a line with its own menu)."""

    __tablename__ = "interpreters"
    __repr_fields__ = ("name", "kind")
    __repr_masked__ = ("phone",)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InterpreterKind] = mapped_column(
        str_enum(InterpreterKind, 16), default=InterpreterKind.INDIVIDUAL
    )
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
    __repr_fields__ = ("interpreter_id", "language")
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
    __repr_fields__ = ("request_id", "language", "status", "interpreter_id")

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
    # When the current step is over even if no leg's final callback ever comes (the clock).
    step_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus, 16), default=SessionStatus.DISPATCHING, index=True
    )
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreters.id"))
    connected_call_sid: Mapped[str | None] = mapped_column(String(34))
    requested_at: Mapped[datetime] = mapped_column(index=True)
    deadline_at: Mapped[datetime]
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    time_to_connect_s: Mapped[int | None]
    outcome: Mapped[SessionOutcome | None] = mapped_column(str_enum(SessionOutcome, 24))
    # When the charge was checked against the leg's duration and price from Twilio.
    reconciled_at: Mapped[datetime | None]

    interpreter: Mapped[Interpreter | None] = relationship()


class Contract(Base):
    """A rate card of an interpreter or agency, valid between two local dates (EUR)."""

    __tablename__ = "contracts"
    __repr_fields__ = ("interpreter_id", "name", "unit", "unit_price")

    id: Mapped[int] = mapped_column(primary_key=True)
    interpreter_id: Mapped[int] = mapped_column(ForeignKey("interpreters.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # minute | block
    unit: Mapped[str] = mapped_column(String(8))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    block_s: Mapped[int] = mapped_column(default=60)
    increment_s: Mapped[int] = mapped_column(default=60)
    minimum_s: Mapped[int] = mapped_column(default=0)
    connection_fee: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    night_pct: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    night_start: Mapped[time | None]
    night_end: Mapped[time | None]
    saturday_pct: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    sunday_pct: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    holiday_pct: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    urgent_pct: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    # start | pro_rata: how a session crossing into a surcharge window is priced
    surcharge_mode: Mapped[str] = mapped_column(String(16), default="start")
    # highest | sum: several surcharges at once
    surcharge_rule: Mapped[str] = mapped_column(String(16), default="highest")
    # {"ar": "4.00"}: per-language unit prices
    language_overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    interpreter: Mapped[Interpreter] = relationship()


class LedgerEntry(Base):
    """A posted amount: a session's charge, a later adjustment, an invoice correction.

    Entries are written once and never edited or deleted (``hotline.db`` refuses it); a
    correction is a new entry. ``dedupe_key`` makes each posting happen once.
    """

    __tablename__ = "ledger_entries"
    __repr_fields__ = ("kind", "amount", "interpreting_session_id")
    # The finance filter's languages, read by a loose scan (``reports.finance_query``).
    __table_args__ = (Index("ix_ledger_entries_language_helpline_id", "language", "helpline_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posted_at: Mapped[datetime]
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind, 24))
    interpreting_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreting_sessions.id"), index=True
    )
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreters.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    language: Mapped[str | None] = mapped_column(String(16))
    # When the service happened (the session's join time): what budgets and months count by.
    service_at: Mapped[datetime] = mapped_column(index=True)
    duration_s: Mapped[int] = mapped_column(default=0)
    billable_s: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    label: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    # What the budget rules read, copied from the session's request when the entry is posted.
    helpline_id: Mapped[int | None] = mapped_column(ForeignKey("helplines.id"), index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"))
    # The one budget line this entry is charged to, decided when it is posted; NULL: unfunded.
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budgets.id"), index=True)


class Budget(Base):
    """A budget line: a funder's grant for interpreting over a period, with its scope (what it
    funds), its alert thresholds and its priority (``interpreter_pool.budget_lines``)."""

    __tablename__ = "budgets"
    __repr_fields__ = ("name", "amount", "starts_on", "ends_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    funder_line: Mapped[str] = mapped_column(String(120), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    amount: Mapped[Decimal]
    hours_cap: Mapped[int | None]
    # Percentages, e.g. "50,80,100"
    thresholds: Mapped[str] = mapped_column(String(60), default="50,80,100")
    # warn | approval: once exhausted, dispatch goes on with a warning, or needs the nurse
    policy: Mapped[str] = mapped_column(String(16), default="warn")
    # What the line funds: all | helpline | structure | provider | language, with its value.
    scope: Mapped[str] = mapped_column(String(16), default="all", server_default="all")
    scope_helpline_id: Mapped[int | None] = mapped_column(ForeignKey("helplines.id"))
    scope_structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"))
    scope_interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreters.id"))
    scope_language: Mapped[str | None] = mapped_column(String(16))
    # Among equally specific lines covering an entry, the smaller priority is charged first.
    priority: Mapped[int] = mapped_column(default=100, server_default="100")


class BudgetAlert(Base):
    """A threshold crossed, once per budget and threshold."""

    __tablename__ = "budget_alerts"
    __repr_fields__ = ("budget_id", "threshold")
    __table_args__ = (UniqueConstraint("budget_id", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    threshold: Mapped[int]
    fired_at: Mapped[datetime]
    consumed: Mapped[Decimal]
    message: Mapped[str] = mapped_column(Text)


class LedgerError(RuntimeError):
    """An attempt to edit or delete a posted ledger entry."""


@event.listens_for(LedgerEntry, "before_update")
def _no_ledger_update(_mapper: Any, _connection: Any, target: LedgerEntry) -> None:
    raise LedgerError(f"ledger entry {target.id} is posted: post a correction instead")


@event.listens_for(LedgerEntry, "before_delete")
def _no_ledger_delete(_mapper: Any, _connection: Any, target: LedgerEntry) -> None:
    raise LedgerError(f"ledger entry {target.id} is posted: it is never deleted")


class LanguageMenuEntry(Base):
    """A key of a helpline's keypad language menu, as last recomputed (digits stay put between
    recomputations, whatever interpreters are added or leave)."""

    __tablename__ = "language_menu_entries"
    __repr_fields__ = ("helpline_id", "digit", "language")
    __table_args__ = (UniqueConstraint("helpline_id", "digit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    digit: Mapped[str] = mapped_column(String(1))
    language: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime]


class InvoiceCheck(Base):
    """A provider's invoice checked against our timings: kept with its totals on each side, to
    be listed, opened again and exported (``reports.invoice_checks``)."""

    __tablename__ = "invoice_checks"
    __repr_fields__ = ("interpreter_id", "month", "helpline_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    interpreter_id: Mapped[int] = mapped_column(ForeignKey("interpreters.id"), index=True)
    # The helpline whose sessions were checked; NULL: every helpline (a regional administrator).
    helpline_id: Mapped[int | None] = mapped_column(ForeignKey("helplines.id"), index=True)
    # The month billed: its first day.
    month: Mapped[date]
    filename: Mapped[str] = mapped_column(String(200))
    checked_at: Mapped[datetime]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The invoice's lines that could not be read, each with its number and why.
    unread: Mapped[list[str]] = mapped_column(JSON, default=list)
    invoice_count: Mapped[int] = mapped_column(default=0)
    invoice_duration_s: Mapped[int] = mapped_column(default=0)
    invoice_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    ledger_count: Mapped[int] = mapped_column(default=0)
    ledger_duration_s: Mapped[int] = mapped_column(default=0)
    ledger_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    lines: Mapped[list[InvoiceCheckLine]] = relationship(
        back_populates="check",
        cascade="all, delete-orphan",
        order_by="InvoiceCheckLine.position",
    )


class InvoiceCheckLine(Base):
    """A finding of a kept invoice check: an invoice line, our session, or both, and how they
    differ (``interpreter_pool.invoices.DifferenceKind``)."""

    __tablename__ = "invoice_check_lines"
    __repr_fields__ = ("check_id", "position", "kind")

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("invoice_checks.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(24))
    line_number: Mapped[int | None]
    invoice_started_at: Mapped[datetime | None]
    invoice_duration_s: Mapped[int | None]
    invoice_language: Mapped[str | None] = mapped_column(String(16))
    invoice_amount: Mapped[Decimal | None]
    interpreting_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreting_sessions.id")
    )
    session_reference: Mapped[str | None] = mapped_column(String(40))
    session_started_at: Mapped[datetime | None]
    session_duration_s: Mapped[int | None]
    session_language: Mapped[str | None] = mapped_column(String(16))
    session_amount: Mapped[Decimal | None]
    message: Mapped[str] = mapped_column(Text, default="")

    check: Mapped[InvoiceCheck] = relationship(back_populates="lines")
