"""The telephony costs of the finance pages: Twilio's price of the legs the filters select,
read from the daily sums (``reports.telephony_days``) with today's legs and late prices raw,
or entirely raw (``live_telephony_costs``, what the sums must equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from hotline.models import Call, Request
from interpreter_pool.models import InterpretingSession, LedgerEntry, LedgerKind
from reports.finance_filters import FinanceFilters
from reports.finance_query import (
    Scope,
    TelephonyCost,
    filter_period,
    month_of,
    months_spanned,
)
from reports.telephony_days import (
    LONGEST_CALL,
    BuildState,
    build_state,
    leg_instant,
    midnight,
    request_helpline,
    telephony_days,
)


def _call_conditions(
    filters: FinanceFilters, scope: Scope, tz: ZoneInfo, helpline: Any, at: Any
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Call.price.is_not(None)]
    if scope.helpline_ids is not None:
        conditions.append(helpline.in_(scope.helpline_ids))
    start, end = filter_period(filters, tz)
    if start is not None:
        conditions += [at >= start, Call.created_at >= start - LONGEST_CALL]
    if end is not None:
        conditions.append(at < end)
    if filters.helpline_id is not None:
        conditions.append(helpline == filters.helpline_id)
    if filters.structure_id is not None:
        conditions.append(
            Call.request_id.in_(
                select(Request.id).where(Request.structure_id == filters.structure_id)
            )
        )
    if filters.provider_id is not None:
        conditions.append(Call.interpreter_id == filters.provider_id)
    if filters.language is not None:
        conditions.append(
            Call.interpreting_session_id.in_(
                select(InterpretingSession.id).where(
                    InterpretingSession.language == filters.language
                )
            )
        )
    if filters.unfunded or filters.budget_line_id is not None:
        line = (
            LedgerEntry.budget_line_id.is_(None)
            if filters.unfunded
            else LedgerEntry.budget_line_id == filters.budget_line_id
        )
        charged = select(LedgerEntry.interpreting_session_id).where(
            LedgerEntry.kind == LedgerKind.CHARGE, line
        )
        conditions.append(Call.interpreting_session_id.in_(charged))
    return conditions


def _narrowed(
    filters: FinanceFilters,
    tz: ZoneInfo,
    after: datetime | None,
    before: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    start, end = filter_period(filters, tz)
    if after is not None:
        start = after if start is None else max(start, after)
    if before is not None:
        end = before if end is None else min(end, before)
    return start, end


def live_telephony_costs(
    session: Session,
    filters: FinanceFilters,
    scope: Scope,
    tz: ZoneInfo,
    *,
    after: datetime | None = None,
) -> list[TelephonyCost]:
    """``telephony_costs`` read from the raw legs alone (those ending from ``after`` only, when
    given), one SQL aggregate."""
    helpline = func.coalesce(Call.helpline_id, request_helpline())
    at = leg_instant()
    conditions = _call_conditions(filters, scope, tz, helpline, at)
    if after is not None:
        conditions += [at >= after, Call.created_at >= after - LONGEST_CALL]
    # The last from the index on created_at: a leg ends at most LONGEST_CALL after it began.
    first, last = select(func.min(at)), select(func.max(Call.created_at))
    bounds = _narrowed(filters, tz, after, None)
    months = months_spanned(session, filters, tz, first, last, LONGEST_CALL, bounds)
    if not months:
        return []
    month = month_of(at, months, tz).label("month")
    currency = func.upper(func.coalesce(Call.price_unit, "USD")).label("currency")
    to_interpreter = case((Call.interpreting_session_id.is_not(None), -Call.price), else_=0)
    rows = session.execute(
        select(
            month,
            currency,
            func.coalesce(func.sum(-Call.price), 0),
            func.coalesce(func.sum(to_interpreter), 0),
            func.count(Call.id),
        )
        .where(and_(*conditions))
        .group_by(month, currency)
    ).all()
    return _sorted_costs(
        TelephonyCost(str(row[0]), str(row[1]), Decimal(row[2]), Decimal(row[3]), int(row[4]))
        for row in rows
    )


def _sorted_costs(costs: Iterable[TelephonyCost]) -> list[TelephonyCost]:
    """Costs of the same month and currency added up, newest month first."""
    found: dict[tuple[str, str], TelephonyCost] = {}
    for cost in costs:
        key = (cost.month, cost.currency)
        before = found.get(key)
        found[key] = (
            cost
            if before is None
            else TelephonyCost(
                cost.month,
                cost.currency,
                before.amount + cost.amount,
                before.interpreters + cost.interpreters,
                before.legs + cost.legs,
            )
        )
    return [found[key] for key in sorted(found, reverse=True)]


def _built_costs(
    session: Session, filters: FinanceFilters, scope: Scope, state: BuildState
) -> list[TelephonyCost]:
    """The daily rows of the days built within the period, by local month and currency."""
    c = telephony_days.c
    conditions: list[ColumnElement[bool]] = [c.day <= state.built_through]
    if filters.date_from is not None:
        conditions.append(c.day >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(c.day <= filters.date_to)
    if scope.helpline_ids is not None:
        conditions.append(c.helpline_id.in_(scope.helpline_ids))
    if filters.helpline_id is not None:
        conditions.append(c.helpline_id == filters.helpline_id)
    if filters.provider_id is not None:
        conditions.append(c.interpreter_id == filters.provider_id)
    if filters.language is not None:
        conditions.append(c.language == filters.language)
    rows = session.execute(
        select(c.day, c.currency, func.sum(c.amount), func.sum(c.interpreters), func.sum(c.legs))
        .where(*conditions)
        .group_by(c.day, c.currency)
    ).all()
    return [
        TelephonyCost(
            row[0].strftime("%Y-%m"), str(row[1]), Decimal(row[2]), Decimal(row[3]), int(row[4])
        )
        for row in rows
    ]


def _raw_costs(
    session: Session,
    filters: FinanceFilters,
    scope: Scope,
    tz: ZoneInfo,
    state: BuildState,
    built_end: datetime,
) -> list[TelephonyCost]:
    """The legs the daily rows do not hold, read raw: those of the days after them (today), and
    those of the days built whose price was read after they were (priced since the clock's last
    run); a few hundred legs, summed by local month here."""
    helpline = func.coalesce(Call.helpline_id, request_helpline())
    at = leg_instant()
    conditions = _call_conditions(filters, scope, tz, helpline, at)
    after_built = and_(Call.created_at >= built_end - LONGEST_CALL, at >= built_end)
    priced_late = and_(
        Call.priced_at >= state.priced_before,
        Call.created_at < built_end + LONGEST_CALL,
        at < built_end,
    )
    conditions.append(or_(after_built, priced_late))
    rows = session.execute(
        select(
            at,
            func.upper(func.coalesce(Call.price_unit, "USD")),
            -Call.price,
            Call.interpreting_session_id.is_not(None),
        ).where(and_(*conditions))
    ).all()
    return [
        TelephonyCost(
            row[0].astimezone(tz).strftime("%Y-%m"),
            str(row[1]),
            Decimal(row[2]),
            Decimal(row[2]) if row[3] else Decimal(0),
            1,
        )
        for row in rows
    ]


def telephony_costs(
    session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo
) -> list[TelephonyCost]:
    """Twilio's own price of the legs the filters select, by local month and currency, newest
    first: the telephony cost, apart from the interpreting cost (the ledger, in euros).

    Twilio writes a charge as a negative price ("-0.03000"): the cost is its opposite. A leg
    counts in the month it ended; its helpline is its own, else its request's. Filtered by
    provider, language or budget line, only the calls to interpreters of those sessions count.

    The days built (``reports.telephony_days``, in the service's time zone) are read from their
    daily rows; the days after them (today) and the legs priced since the last build from the
    raw legs, so the figures are those of a raw read (three statements). A structure or a
    budget line filter, or a helpline in another time zone, reads the raw legs alone.
    """
    state = build_state(session)
    if (
        state is None
        or state.timezone != tz.key
        or filters.structure_id is not None
        or filters.unfunded
        or filters.budget_line_id is not None
    ):
        return live_telephony_costs(session, filters, scope, tz)
    built_end = midnight(state.built_through + timedelta(days=1), tz)
    start, _end = filter_period(filters, tz)
    costs = _raw_costs(session, filters, scope, tz, state, built_end)
    if start is None or start < built_end:
        costs += _built_costs(session, filters, scope, state)
    return _sorted_costs(costs)
