"""The ledger as the finance pages and exports read it: one set of filters applied to every
select, totals and spend by month, language, provider, budget line or helpline as SQL
aggregates, a page of entries at a time, and Twilio's telephony cost apart.

Months are the helpline's local months: a ``CASE`` over the local month boundaries of the
period read, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from hotline.models import Call, Request
from interpreter_pool.models import InterpretingSession, LedgerEntry, LedgerKind
from reports.finance_filters import FinanceFilters
from reports.telephony_days import (
    LONGEST_CALL,
    BuildState,
    build_state,
    leg_instant,
    midnight,
    request_helpline,
    telephony_days,
)

PAGE_SIZE = 100
# Spend is grouped by one of these.
Dimension = Literal["month", "language", "provider", "budget_line", "helpline", "structure"]
SelectT = TypeVar("SelectT", bound=Select[Any])


@dataclass(frozen=True)
class Scope:
    """The helplines a person may see: their ids, or None for every helpline (a regional
    administrator, who also sees entries no helpline is recorded on)."""

    helpline_ids: tuple[int, ...] | None

    def allows(self, helpline_id: int | None) -> bool:
        """Whether a record of this helpline is visible."""
        return self.helpline_ids is None or helpline_id in self.helpline_ids


@dataclass(frozen=True)
class Totals:
    """What a set of entries adds up to."""

    count: int = 0
    duration_s: int = 0
    billable_s: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class SpendRow:
    """The spend of one month, language, provider, budget line or helpline (``key`` is the
    month "2026-11", the language code or the id; None: none recorded)."""

    key: str | int | None
    count: int
    billable_s: int
    amount: Decimal


@dataclass(frozen=True)
class LedgerPage:
    """A page of the ledger, and the totals of every entry the filters select."""

    rows: list[LedgerEntry]
    totals: Totals
    page: int
    pages: int


@dataclass(frozen=True)
class TelephonyCost:
    """What Twilio charged for the legs of a local month, in one currency, and the part of it
    for the calls to interpreters."""

    month: str
    currency: str
    amount: Decimal
    interpreters: Decimal
    legs: int


def _local_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _period(filters: FinanceFilters, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    start = _local_start(filters.date_from, tz) if filters.date_from else None
    end = _local_start(filters.date_to + timedelta(days=1), tz) if filters.date_to else None
    return start, end


def entry_conditions(
    filters: FinanceFilters, scope: Scope, tz: ZoneInfo
) -> list[ColumnElement[bool]]:
    """The conditions on ``LedgerEntry`` of these filters, within the person's scope."""
    conditions: list[ColumnElement[bool]] = []
    if scope.helpline_ids is not None:
        conditions.append(LedgerEntry.helpline_id.in_(scope.helpline_ids))
    start, end = _period(filters, tz)
    if start is not None:
        conditions.append(LedgerEntry.service_at >= start)
    if end is not None:
        conditions.append(LedgerEntry.service_at < end)
    if filters.helpline_id is not None:
        conditions.append(LedgerEntry.helpline_id == filters.helpline_id)
    if filters.unfunded:
        conditions.append(LedgerEntry.budget_line_id.is_(None))
    elif filters.budget_line_id is not None:
        conditions.append(LedgerEntry.budget_line_id == filters.budget_line_id)
    if filters.provider_id is not None:
        conditions.append(LedgerEntry.interpreter_id == filters.provider_id)
    if filters.language is not None:
        conditions.append(LedgerEntry.language == filters.language)
    if filters.structure_id is not None:
        conditions.append(LedgerEntry.structure_id == filters.structure_id)
    return conditions


def apply_filters(query: SelectT, filters: FinanceFilters, scope: Scope, tz: ZoneInfo) -> SelectT:
    """``query`` (a select over ``LedgerEntry``) narrowed to these filters and the scope."""
    return query.where(*entry_conditions(filters, scope, tz))


def totals(session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo) -> Totals:
    """Count, durations and amount of the entries the filters select (one SQL aggregate)."""
    row = session.execute(
        apply_filters(
            select(
                func.count(LedgerEntry.id),
                func.coalesce(func.sum(LedgerEntry.duration_s), 0),
                func.coalesce(func.sum(LedgerEntry.billable_s), 0),
                func.coalesce(func.sum(LedgerEntry.amount), 0),
            ),
            filters,
            scope,
            tz,
        )
    ).one()
    return Totals(int(row[0]), int(row[1]), int(row[2]), Decimal(row[3]).quantize(Decimal("0.01")))


def ledger_page(
    session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo, size: int = PAGE_SIZE
) -> LedgerPage:
    """The page of entries the filters ask for, newest service first (the last page if they
    ask past it), with the totals of them all."""
    summed = totals(session, filters, scope, tz)
    pages = max(1, -(-summed.count // size))
    page = min(filters.page, pages)
    rows = session.scalars(
        apply_filters(select(LedgerEntry), filters, scope, tz)
        .order_by(LedgerEntry.service_at.desc(), LedgerEntry.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return LedgerPage(list(rows), summed, page, pages)


def recent_entries(
    session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo, size: int
) -> list[LedgerEntry]:
    """The ``size`` latest entries the filters select, newest service first (no totals)."""
    return list(
        session.scalars(
            apply_filters(select(LedgerEntry), filters, scope, tz)
            .order_by(LedgerEntry.service_at.desc(), LedgerEntry.id.desc())
            .limit(size)
        )
    )


def month_starts(first: datetime, last: datetime, tz: ZoneInfo) -> list[date]:
    """The first days of the local months from ``first``'s to ``last``'s."""
    day = first.astimezone(tz).date().replace(day=1)
    end = last.astimezone(tz).date()
    months = []
    while day <= end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def month_of(column: SQLCoreOperations[datetime], months: Sequence[date], tz: ZoneInfo) -> Any:
    """A SQL expression giving the local month ("2026-11") of ``column``, for these months."""
    if not months:
        return literal("")
    bounds = [(day + timedelta(days=32)).replace(day=1) for day in months]
    return case(
        *[
            (column < _local_start(bound, tz), literal(day.strftime("%Y-%m")))
            for day, bound in zip(months, bounds, strict=True)
        ],
        else_=literal(months[-1].strftime("%Y-%m")),
    )


def _months(
    session: Session,
    filters: FinanceFilters,
    tz: ZoneInfo,
    first: Select[Any],
    last: Select[Any],
    slack: timedelta = timedelta(0),
    bounds: tuple[datetime | None, datetime | None] | None = None,
) -> list[date]:
    """The local months a grouping by month may meet: from the period's start (else the moment
    ``first`` reads) to its end (else the moment ``last`` reads, plus ``slack``). Each is read
    only when the period leaves it open; months without rows cost nothing: only those found
    come out of the ``GROUP BY``. ``bounds`` replaces the period's."""
    start, end = bounds if bounds is not None else _period(filters, tz)
    if start is None:
        start = session.scalar(first)
    if end is None:
        latest = session.scalar(last)
        end = latest + slack if latest is not None else None
    if start is None or end is None:
        return []
    return month_starts(start, max(end, start), tz)


def spend_by(
    session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo, dimension: Dimension
) -> list[SpendRow]:
    """The entries the filters select, summed by one dimension (months newest first, the rest
    largest amount first)."""
    if dimension == "month":
        at = LedgerEntry.service_at
        months = _months(session, filters, tz, select(func.min(at)), select(func.max(at)))
        if not months:
            return []
        key: Any = month_of(LedgerEntry.service_at, months, tz)
    else:
        key = {
            "language": LedgerEntry.language,
            "provider": LedgerEntry.interpreter_id,
            "budget_line": LedgerEntry.budget_line_id,
            "helpline": LedgerEntry.helpline_id,
            "structure": LedgerEntry.structure_id,
        }[dimension]
    labelled = key.label("key")
    amount = func.coalesce(func.sum(LedgerEntry.amount), 0)
    rows = session.execute(
        apply_filters(
            select(
                labelled,
                func.count(LedgerEntry.id),
                func.coalesce(func.sum(LedgerEntry.billable_s), 0),
                amount,
            ),
            filters,
            scope,
            tz,
        ).group_by(labelled)
    ).all()
    found = [
        SpendRow(row[0], int(row[1]), int(row[2]), Decimal(row[3]).quantize(Decimal("0.01")))
        for row in rows
    ]
    return _in_order(dimension, found)


def _in_order(dimension: Dimension, found: list[SpendRow]) -> list[SpendRow]:
    if dimension == "month":
        return sorted(found, key=lambda row: str(row.key), reverse=True)
    return sorted(found, key=lambda row: (-row.amount, str(row.key)))


_KEYS: dict[str, Any] = {
    "language": LedgerEntry.language,
    "provider": LedgerEntry.interpreter_id,
    "budget_line": LedgerEntry.budget_line_id,
    "helpline": LedgerEntry.helpline_id,
    "structure": LedgerEntry.structure_id,
}


def spend_summary(
    session: Session,
    filters: FinanceFilters,
    scope: Scope,
    tz: ZoneInfo,
    dimensions: Sequence[Dimension],
) -> tuple[dict[Dimension, list[SpendRow]], Totals]:
    """The totals of the entries the filters select and their spend by each dimension (as
    ``totals`` and ``spend_by`` give them). On PostgreSQL the totals and every dimension but
    the month in one read of the entries (``GROUPING SETS``), not one a dimension; elsewhere
    one statement each."""
    if session.get_bind().dialect.name != "postgresql":
        each = {d: spend_by(session, filters, scope, tz, d) for d in dimensions}
        return each, totals(session, filters, scope, tz)
    # The months apart: their key is a CASE over the months' bounds, costly to hash with the rest.
    spend: dict[Dimension, list[SpendRow]] = {
        dimension: spend_by(session, filters, scope, tz, dimension)
        for dimension in dimensions
        if dimension == "month"
    }
    keys: dict[Dimension, Any] = {d: _KEYS[d] for d in dimensions if d != "month"}
    # The keys computed once per entry in a subquery: the grouping sets name its columns.
    entries = apply_filters(
        select(
            *[key.label(f"by_{dimension}") for dimension, key in keys.items()],
            LedgerEntry.id,
            LedgerEntry.duration_s,
            LedgerEntry.billable_s,
            LedgerEntry.amount,
        ),
        filters,
        scope,
        tz,
    ).subquery()
    columns = [entries.c[f"by_{dimension}"] for dimension in keys]
    sets = [tuple_(column) for column in columns] + [text("()")]
    rows = session.execute(
        select(
            *columns,
            *[func.grouping(column) for column in columns],
            func.count(entries.c.id),
            func.coalesce(func.sum(entries.c.duration_s), 0),
            func.coalesce(func.sum(entries.c.billable_s), 0),
            func.coalesce(func.sum(entries.c.amount), 0),
        ).group_by(func.grouping_sets(*sets))
    ).all()
    width = len(columns)
    spend.update({dimension: [] for dimension in keys})
    summed = Totals()
    for row in rows:
        count, duration_s, billable_s = (
            int(row[2 * width]),
            int(row[2 * width + 1]),
            int(row[2 * width + 2]),
        )
        amount = Decimal(row[2 * width + 3]).quantize(Decimal("0.01"))
        grouped = [index for index in range(width) if row[width + index] == 0]
        if not grouped:
            summed = Totals(count, duration_s, billable_s, amount)
            continue
        index = grouped[0]
        dimension = list(keys)[index]
        spend[dimension].append(SpendRow(row[index], count, billable_s, amount))
    return {d: _in_order(d, spend[d]) for d in dimensions}, summed


def entry_rows(
    session: Session, filters: FinanceFilters, scope: Scope, tz: ZoneInfo
) -> Iterator[LedgerEntry]:
    """Every entry the filters select, oldest service first, read in batches (the exports)."""
    query = apply_filters(select(LedgerEntry), filters, scope, tz).order_by(
        LedgerEntry.service_at, LedgerEntry.id
    )
    yield from session.scalars(query.execution_options(yield_per=500))


# A loose scan of the index on (language, helpline_id): one index step a language, not a read
# of the whole ledger. ``{scoped}`` narrows each step to the person's helplines.
_LANGUAGES = """
WITH RECURSIVE found(language) AS (
    SELECT min(language) FROM ledger_entries WHERE language IS NOT NULL {scoped}
    UNION ALL
    SELECT (SELECT min(e.language) FROM ledger_entries e
            WHERE e.language > found.language {e_scoped})
    FROM found WHERE found.language IS NOT NULL
)
SELECT language FROM found WHERE language IS NOT NULL
"""


def languages_in(session: Session, scope: Scope) -> list[str]:
    """The languages of the entries a person may see (the language filter's choices)."""
    if scope.helpline_ids is None:
        statement = text(_LANGUAGES.format(scoped="", e_scoped=""))
    else:
        statement = text(
            _LANGUAGES.format(
                scoped="AND helpline_id IN :helplines", e_scoped="AND e.helpline_id IN :helplines"
            )
        ).bindparams(bindparam("helplines", value=list(scope.helpline_ids), expanding=True))
    return sorted(code for code in session.scalars(statement) if code)


def _call_conditions(
    filters: FinanceFilters, scope: Scope, tz: ZoneInfo, helpline: Any, at: Any
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Call.price.is_not(None)]
    if scope.helpline_ids is not None:
        conditions.append(helpline.in_(scope.helpline_ids))
    start, end = _period(filters, tz)
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
    start, end = _period(filters, tz)
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
    months = _months(session, filters, tz, first, last, LONGEST_CALL, bounds)
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
    start, _end = _period(filters, tz)
    costs = _raw_costs(session, filters, scope, tz, state, built_end)
    if start is None or start < built_end:
        costs += _built_costs(session, filters, scope, state)
    return _sorted_costs(costs)
