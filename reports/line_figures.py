"""What the ledger charged to budget lines: totals per line, and a line's spend by day, month and
language (an entry counts on the one line its ``budget_line_id`` names, never by its date)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from interpreter_pool.models import LedgerEntry


@dataclass(frozen=True)
class Consumed:
    """What is charged to a line: amount, billable seconds, entries."""

    amount: Decimal = Decimal("0.00")
    billable_s: int = 0
    entries: int = 0

    @property
    def hours(self) -> Decimal:
        """Billable hours, to the hundredth."""
        return (Decimal(self.billable_s) / 3600).quantize(Decimal("0.01"))


def consumed_by_line(session: Session, line_ids: Iterable[int]) -> dict[int, Consumed]:
    """The totals charged to each of these lines (one aggregate query)."""
    ids = list(line_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            LedgerEntry.budget_line_id,
            func.coalesce(func.sum(LedgerEntry.amount), 0),
            func.coalesce(func.sum(LedgerEntry.billable_s), 0),
            func.count(LedgerEntry.id),
        )
        .where(LedgerEntry.budget_line_id.in_(ids))
        .group_by(LedgerEntry.budget_line_id)
    ).tuples()
    return {
        line_id: Consumed(Decimal(amount).quantize(Decimal("0.01")), int(seconds), int(count))
        for line_id, amount, seconds, count in rows
        if line_id is not None
    }


@dataclass(frozen=True)
class LineSpend:
    """A line's spend by local day, by month ("2026-11") and by language code (None: none)."""

    by_day: dict[date, Decimal]
    by_month: dict[str, Decimal]
    by_language: dict[str | None, Decimal]


def line_spend(session: Session, line_id: int, tz_name: str) -> LineSpend:
    """The entries charged to a line, summed by day, month and language."""
    tz = ZoneInfo(tz_name)
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    by_month: dict[str, Decimal] = defaultdict(Decimal)
    by_language: dict[str | None, Decimal] = defaultdict(Decimal)
    rows = session.execute(
        select(LedgerEntry.service_at, LedgerEntry.amount, LedgerEntry.language).where(
            LedgerEntry.budget_line_id == line_id
        )
    ).tuples()
    for at, amount, language in rows:
        day = at.astimezone(tz).date()
        by_day[day] += Decimal(amount)
        by_month[day.strftime("%Y-%m")] += Decimal(amount)
        by_language[language] += Decimal(amount)
    return LineSpend(dict(by_day), dict(by_month), dict(by_language))
