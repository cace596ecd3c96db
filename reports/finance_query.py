"""The ledger as the finance pages and exports read it: one set of filters applied to every
select, totals and spend by month, language, provider, budget line or helpline as SQL
aggregates, a page of entries at a time, and Twilio's telephony cost apart.

Months are the helpline's local months: a ``CASE`` over the local month boundaries of the
period read, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from interpreter_pool.models import LedgerEntry
from reports.finance_filters import FinanceFilters

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


def filter_period(filters: FinanceFilters, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The filters' dates as instants: the local start of the first day, of the day after the
    last (None where the filters leave the period open)."""
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
    start, end = filter_period(filters, tz)
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


def months_spanned(
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
    start, end = bounds if bounds is not None else filter_period(filters, tz)
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
        months = months_spanned(session, filters, tz, select(func.min(at)), select(func.max(at)))
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
