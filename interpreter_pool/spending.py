"""Budget lines as the ledger consumes them: where each stands, the thresholds crossed, the
approval.

A line consumes the entries charged to it (``LedgerEntry.budget_line_id``, decided when each is
posted: ``interpreter_pool.funding``), never every entry of its period: two lines over the same
year each count their own entries, and an entry is counted once. Each threshold crossed is
recorded once (an alert); an exhausted line whose policy is "approval", and to which a request's
interpreting would be charged today, makes ringing an interpreter wait for a nurse's approval
(the rule itself lives in ``interpreter_pool.services.check_budget``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from interpreter_pool.budget import (
    BURN_WINDOW_DAYS,
    Forecast,
    crossed,
    forecast,
    parse_thresholds,
    percent,
)
from interpreter_pool.budget_lines import EntryFacts, Line, Scope, choose_line
from interpreter_pool.models import Budget, BudgetAlert, LedgerEntry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetStatus:
    """Where a budget stands."""

    budget: Budget
    consumed: Decimal
    remaining: Decimal
    pct: Decimal
    hours_used: Decimal
    forecast: Forecast

    @property
    def is_exhausted(self) -> bool:
        """Nothing left."""
        return self.remaining <= 0


def as_line(row: Budget) -> Line:
    """The rules' view of a budget row (an unknown scope matches nothing)."""
    try:
        scope = Scope(row.scope)
    except ValueError:
        scope, value = Scope.HELPLINE, None
    else:
        value = {
            Scope.ALL: None,
            Scope.HELPLINE: row.scope_helpline_id,
            Scope.STRUCTURE: row.scope_structure_id,
            Scope.PROVIDER: row.scope_interpreter_id,
            Scope.LANGUAGE: row.scope_language,
        }[scope]
    return Line(row.id, scope, value, row.starts_on, row.ends_on, row.priority)


def _spend_by_day(
    session: Session, windows: dict[int, tuple[date, date]], tz: ZoneInfo
) -> dict[int, dict[date, Decimal]]:
    """Each line's own entries of its local days ``first`` to ``last`` (``windows`` by line id)
    summed by local day, in one statement: by PostgreSQL itself (a line of a region's year holds
    tens of thousands of entries); on SQLite, which knows no time zones, in Python."""
    by_line: dict[int, dict[date, Decimal]] = {line_id: {} for line_id in windows}
    live = {line_id: w for line_id, w in windows.items() if w[0] <= w[1]}
    if not live:
        return by_line
    first = min(w[0] for w in live.values())
    last = max(w[1] for w in live.values())
    own = (
        LedgerEntry.budget_line_id.in_(list(live)),
        LedgerEntry.service_at >= datetime.combine(first, time(), tz),
        LedgerEntry.service_at < datetime.combine(last + timedelta(days=1), time(), tz),
    )
    if session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(str(tz), LedgerEntry.service_at), Date).label("day")
        rows: Any = session.execute(
            select(LedgerEntry.budget_line_id, day, func.sum(LedgerEntry.amount))
            .where(*own)
            .group_by(LedgerEntry.budget_line_id, day)
        ).tuples()
    else:
        rows = (
            (line_id, at.astimezone(tz).date(), amount)
            for line_id, at, amount in session.execute(
                select(
                    LedgerEntry.budget_line_id, LedgerEntry.service_at, LedgerEntry.amount
                ).where(*own)
            ).tuples()
        )
    for line_id, found, amount in rows:
        window = live[line_id]
        if window[0] <= found <= window[1]:
            days = by_line[line_id]
            days[found] = days.get(found, Decimal(0)) + Decimal(amount)
    return by_line


def budget_status(
    session: Session, budget: Budget, now: datetime, tz_name: str = "Europe/Paris"
) -> BudgetStatus:
    """Consumption (the line's own entries), percentage, hours and forecast at ``now``."""
    return budget_statuses(session, [budget], now, tz_name)[0]


def budget_statuses(
    session: Session, budgets: Sequence[Budget], now: datetime, tz_name: str = "Europe/Paris"
) -> list[BudgetStatus]:
    """``budget_status`` of each line, in two statements whatever their number (the totals
    grouped by line, then the days of the forecasts' windows grouped by line and day)."""
    if not budgets:
        return []
    tz = ZoneInfo(tz_name)
    totals = {
        line_id: (Decimal(amount or 0), int(seconds or 0))
        for line_id, amount, seconds in session.execute(
            select(
                LedgerEntry.budget_line_id,
                func.coalesce(func.sum(LedgerEntry.amount), 0),
                func.coalesce(func.sum(LedgerEntry.billable_s), 0),
            )
            .where(LedgerEntry.budget_line_id.in_([b.id for b in budgets]))
            .group_by(LedgerEntry.budget_line_id)
        ).tuples()
    }
    today = now.astimezone(tz).date()
    # The forecast reads the burn of its window only: the days before it are not summed.
    windows = {
        b.id: (max(b.starts_on, today - timedelta(days=BURN_WINDOW_DAYS - 1)), today)
        for b in budgets
    }
    by_line = _spend_by_day(session, windows, tz)
    statuses = []
    for budget in budgets:
        consumed, seconds = totals.get(budget.id, (Decimal(0), 0))
        amount = Decimal(budget.amount)
        remaining = amount - consumed
        statuses.append(
            BudgetStatus(
                budget=budget,
                consumed=consumed.quantize(Decimal("0.01")),
                remaining=remaining.quantize(Decimal("0.01")),
                pct=percent(consumed, amount),
                hours_used=(Decimal(seconds) / 3600).quantize(Decimal("0.01")),
                forecast=forecast(
                    by_line[budget.id].items(),
                    remaining,
                    today,
                    budget.starts_on,
                    budget.ends_on,
                ),
            )
        )
    return statuses


def budgets_covering(session: Session, day: date) -> list[Budget]:
    """Budgets whose period includes this local date."""
    return list(
        session.scalars(
            select(Budget).where(Budget.starts_on <= day, Budget.ends_on >= day).order_by(Budget.id)
        )
    )


def check_budget_alerts(
    session: Session, service_at: datetime, now: datetime, tz_name: str = "Europe/Paris"
) -> list[BudgetAlert]:
    """Record each threshold newly crossed by the lines covering this service date, once."""
    day = service_at.astimezone(ZoneInfo(tz_name)).date()
    return check_line_alerts(session, budgets_covering(session, day), now, tz_name)


def check_line_alerts(
    session: Session, budgets: Iterable[Budget], now: datetime, tz_name: str = "Europe/Paris"
) -> list[BudgetAlert]:
    """Record each threshold newly crossed by these lines, once."""
    fired: list[BudgetAlert] = []
    for status in budget_statuses(session, list(budgets), now, tz_name):
        budget = status.budget
        for threshold in crossed(
            parse_thresholds(budget.thresholds), status.consumed, budget.amount
        ):
            alert = BudgetAlert(
                budget_id=budget.id,
                threshold=threshold,
                fired_at=now,
                consumed=status.consumed,
                message=(
                    f"Budget « {budget.name} » : {status.pct} % consommés "
                    f"({status.consumed} € sur {budget.amount} €), seuil de {threshold} % atteint."
                ),
            )
            known = session.scalars(
                select(BudgetAlert.id).where(
                    BudgetAlert.budget_id == budget.id, BudgetAlert.threshold == threshold
                )
            ).first()
            if known is None and _post_alert(session, alert):
                logger.warning("%s", alert.message)
                fired.append(alert)
    return fired


def _post_alert(session: Session, alert: BudgetAlert) -> bool:
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return False
    return True


def needs_approval(
    session: Session,
    now: datetime,
    tz_name: str = "Europe/Paris",
    facts: EntryFacts | None = None,
) -> Budget | None:
    """The exhausted "approval" line that interpreting with these facts would be charged to
    today (its provider is not known yet: provider lines are not considered), if any. Without
    facts: any exhausted "approval" line covering today."""
    today = now.astimezone(ZoneInfo(tz_name)).date()
    covering = budgets_covering(session, today)
    if facts is not None:
        lines = {row.id: row for row in covering}
        choice = choose_line((as_line(row) for row in covering), facts)
        covering = [lines[choice.line.id]] if choice.line is not None else []
    for budget in covering:
        if (
            budget.policy == "approval"
            and budget_status(session, budget, now, tz_name).is_exhausted
        ):
            return budget
    return None
