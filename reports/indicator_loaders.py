"""The indicators' row loaders for the families beyond requests, calls and queues: interpreting
sessions, callbacks, the ledger and budget lines, the directory, ratings, opening hours and rota.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline.models import Call, Helpline, Professional, Request
from interpreter_pool.models import (
    Budget,
    Interpreter,
    InterpreterKind,
    InterpreterLanguage,
    InterpretingSession,
    LedgerEntry,
)
from reports.indicator_facts import (
    BudgetFact,
    CallbackFact,
    Interval,
    Keys,
    LedgerFact,
    Period,
    ProfessionalFact,
    RatingFact,
    SessionFact,
    local,
)
from reports.indicator_rows import complete_keys, first_requests
from routing.hours import open_periods
from routing.models import ServiceRating
from routing.rota import opening_hours, resolved_shifts

UNANSWERED = ("no-answer", "busy", "canceled", "failed")


def pool_languages(session: Session) -> set[str]:
    """The languages some active individual interpreter speaks."""
    return set(
        session.scalars(
            select(InterpreterLanguage.language)
            .join(Interpreter, Interpreter.id == InterpreterLanguage.interpreter_id)
            .where(Interpreter.is_active, Interpreter.kind == InterpreterKind.INDIVIDUAL)
        )
    )


def _with(keys: Keys, **changes: Any) -> Keys:
    values = {name: getattr(keys, name) for name in Keys.__dataclass_fields__}
    values.update(changes)
    return Keys(**values)


def load_sessions(
    session: Session, scope: Sequence[int], period: Period, keys: Mapping[int, Keys]
) -> list[SessionFact]:
    """The interpreting sessions asked in the period."""
    pool = pool_languages(session)
    charged = session.execute(
        select(LedgerEntry.interpreting_session_id, LedgerEntry.billable_s)
        .join(InterpretingSession, InterpretingSession.id == LedgerEntry.interpreting_session_id)
        .where(
            LedgerEntry.kind == "charge",
            InterpretingSession.requested_at >= period.start,
            InterpretingSession.requested_at < period.end,
        )
    )
    billable = {session_id: seconds for session_id, seconds in charged}
    rows = session.execute(
        select(InterpretingSession, Interpreter.kind)
        .join(Request, Request.id == InterpretingSession.request_id)
        .outerjoin(Interpreter, Interpreter.id == InterpretingSession.interpreter_id)
        .where(
            Request.helpline_id.in_(scope),
            InterpretingSession.requested_at >= period.start,
            InterpretingSession.requested_at < period.end,
        )
    ).all()
    legs: dict[int, list[str]] = {}
    ids = [s.id for s, _ in rows]
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for session_id, status, answered_at in session.execute(
            select(Call.interpreting_session_id, Call.status, Call.answered_at).where(
                Call.interpreting_session_id.in_(chunk), Call.role == "interpreter"
            )
        ):
            unanswered = answered_at is None and str(status) in UNANSWERED
            legs.setdefault(session_id, []).append("no" if unanswered else "yes")
    keys = complete_keys(session, keys, [s.request_id for s, _ in rows])
    facts = []
    for row, kind in rows:
        provider = None if row.interpreter_id is None else str(row.interpreter_id)
        base = keys.get(row.request_id, Keys())
        rung = legs.get(row.id, [])
        facts.append(
            SessionFact(
                id=row.id,
                request_id=row.request_id,
                keys=_with(base, language=row.language, provider=provider),
                requested_at=row.requested_at,
                requested_by=row.requested_by,
                status=str(row.status),
                outcome=None if row.outcome is None else str(row.outcome),
                connected_at=row.connected_at,
                ended_at=row.ended_at,
                provider_kind=None if kind is None else str(kind),
                billable_s=billable.get(row.id),
                legs=len(rung),
                legs_unanswered=rung.count("no"),
                is_pool_language=row.language in pool,
            )
        )
    return facts


def load_callbacks(
    session: Session, scope: Sequence[int], period: Period, keys: Mapping[int, Keys]
) -> list[CallbackFact]:
    """The callbacks created, due or ended in the period, and those still open at its end."""
    start, end = period.start, period.end
    tasks = session.scalars(
        select(CallbackTask)
        .join(Request, Request.id == CallbackTask.request_id)
        .where(
            Request.helpline_id.in_(scope),
            CallbackTask.created_at < end,
            or_(
                CallbackTask.created_at >= start,
                CallbackTask.due_at >= start,
                CallbackTask.done_at.is_(None),
                CallbackTask.done_at >= start,
            ),
        )
    ).all()
    keys = complete_keys(session, keys, [t.request_id for t in tasks])
    return [
        CallbackFact(
            id=t.id,
            request_id=t.request_id,
            keys=keys.get(t.request_id, Keys()),
            reason=str(t.reason),
            created_at=t.created_at,
            due_at=t.due_at,
            status=str(t.status),
            attempts=t.attempts,
            first_contact_at=t.first_contact_at,
            done_at=t.done_at,
            outcome=t.outcome,
            follow_up_outcome=None if t.follow_up_outcome is None else str(t.follow_up_outcome),
        )
        for t in tasks
    ]


def _surcharge(detail: Mapping[str, Any] | None) -> Decimal:
    lines = (detail or {}).get("lines") or []
    return sum(
        (
            Decimal(str(line.get("amount", "0")))
            for line in lines
            if line.get("kind") == "surcharge"
        ),
        Decimal("0"),
    )


def load_budgets(session: Session, scope: Sequence[int], period: Period) -> list[BudgetFact]:
    """The budget lines open in the period that may fund the helplines in scope."""
    first, last = local(period.start).date(), local(period.end - timedelta(seconds=1)).date()
    lines = session.scalars(
        select(Budget)
        .where(
            Budget.starts_on <= last,
            Budget.ends_on >= first,
            or_(Budget.scope != "helpline", Budget.scope_helpline_id.in_(scope)),
        )
        .order_by(Budget.starts_on, Budget.id)
    )
    return [BudgetFact(b.id, b.name, b.starts_on, b.ends_on, b.amount, b.hours_cap) for b in lines]


def load_ledger(
    session: Session,
    scope: Sequence[int],
    period: Period,
    budgets: Sequence[BudgetFact],
    keys: Mapping[int, Keys],
) -> list[LedgerFact]:
    """The ledger entries of the period's services, and those of its budget lines since they
    started (cumulative consumption)."""
    starts = [local(period.start).date(), *(b.starts_on for b in budgets)]
    since = Period.local(min(starts), min(starts)).start
    rows = session.execute(
        select(LedgerEntry, InterpretingSession.request_id)
        .outerjoin(
            InterpretingSession, InterpretingSession.id == LedgerEntry.interpreting_session_id
        )
        .where(
            LedgerEntry.helpline_id.in_(scope),
            LedgerEntry.service_at >= since,
            LedgerEntry.service_at < period.end,
        )
        .order_by(LedgerEntry.service_at, LedgerEntry.id)
    ).all()
    keys = complete_keys(session, keys, [request_id for _, request_id in rows])
    facts = []
    for entry, request_id in rows:
        base = (
            keys.get(request_id, Keys(helpline=entry.helpline_id))
            if request_id
            else Keys(helpline=entry.helpline_id)
        )
        provider = None if entry.interpreter_id is None else str(entry.interpreter_id)
        facts.append(
            LedgerFact(
                id=entry.id,
                keys=_with(base, language=entry.language, provider=provider),
                kind=str(entry.kind),
                service_at=entry.service_at,
                amount=entry.amount,
                duration_s=entry.duration_s,
                billable_s=entry.billable_s,
                surcharge=_surcharge(entry.detail) if str(entry.kind) == "charge" else Decimal(0),
                interpreting_session_id=entry.interpreting_session_id,
                budget_line_id=entry.budget_line_id,
            )
        )
    return facts


# The directory's columns the indicators read (``reports.indicator_cache`` fingerprints them).
DIRECTORY_COLUMNS = (
    Professional.id,
    Professional.profession,
    Professional.territory,
    Professional.is_active,
    Professional.created_at,
)


def load_professionals(session: Session, scope: Sequence[int]) -> list[ProfessionalFact]:
    """The directory, with each professional's first request on the helplines in scope."""
    first = first_requests(session, scope)
    rows = session.execute(select(*DIRECTORY_COLUMNS))
    # A region's directory is tens of thousands of rows read at every computation: rows with
    # the same profession and territory share one ``Keys``.
    shared: dict[tuple[str | None, str | None], Keys] = {}
    out = []
    for pid, profession, territory, active, created_at in rows:
        keys = shared.get((profession, territory))
        if keys is None:
            keys = shared[(profession, territory)] = Keys(
                profession=profession, territory=territory
            )
        out.append(ProfessionalFact(pid, keys, active, created_at, first.get(pid)))
    return out


def load_ratings(
    session: Session, scope: Sequence[int], period: Period, keys: Mapping[int, Keys]
) -> list[RatingFact]:
    """The ratings of the requests opened in the period."""
    rows = session.execute(
        select(ServiceRating.request_id, ServiceRating.score, Request.opened_at)
        .join(Request, Request.id == ServiceRating.request_id)
        .where(
            Request.helpline_id.in_(scope),
            Request.opened_at >= period.start,
            Request.opened_at < period.end,
        )
    ).all()
    return [RatingFact(rid, keys.get(rid, Keys()), score, at) for rid, score, at in rows]


def load_hours(
    session: Session, scope: Sequence[int], period: Period
) -> tuple[list[Interval], list[Interval]]:
    """The helplines' opening periods and the rota's shifts over the period."""
    opening: list[Interval] = []
    first = local(period.start).date() - timedelta(days=1)
    last = local(period.end).date()
    shifts: list[Interval] = []
    for helpline in session.scalars(select(Helpline).where(Helpline.id.in_(scope))):
        hours = opening_hours(session, helpline)
        for start, end in open_periods(hours, first, last):
            if end > period.start and start < period.end:
                opening.append(Interval(helpline.id, start, end))
        # The resolved rota: patterns with their absences and swaps, and the extra shifts.
        shifts.extend(
            Interval(helpline.id, s.starts_at, s.ends_at, s.rank)
            for s in resolved_shifts(session, helpline, period.start, period.end)
        )
    return opening, shifts
