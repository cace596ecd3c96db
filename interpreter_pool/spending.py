"""Budgets as the ledger consumes them: where each stands, the thresholds crossed, the approval.

A budget covers a period of local dates; what the ledger posted for services in that period is
consumed. Each threshold crossed is recorded once (an alert); an exhausted budget whose policy is
"approval" makes ringing an interpreter wait for a nurse's approval (the rule itself lives in
``interpreter_pool.services.check_budget``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from interpreter_pool.budget import Forecast, crossed, forecast, parse_thresholds, percent
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


def _period(budget: Budget, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(budget.starts_on, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(budget.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end


def budget_status(
    session: Session, budget: Budget, now: datetime, tz_name: str = "Europe/Paris"
) -> BudgetStatus:
    """Consumption, percentage, hours and forecast of a budget at ``now``."""
    tz = ZoneInfo(tz_name)
    start, end = _period(budget, tz)
    in_period = (LedgerEntry.service_at >= start, LedgerEntry.service_at < end)
    consumed = Decimal(
        session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(*in_period))
        or 0
    )
    seconds = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.billable_s), 0)).where(*in_period)
    )
    rows = session.execute(select(LedgerEntry.service_at, LedgerEntry.amount).where(*in_period))
    by_day: dict[date, Decimal] = {}
    for at, amount in rows.tuples():
        day = at.astimezone(tz).date()
        by_day[day] = by_day.get(day, Decimal(0)) + Decimal(amount)
    amount = Decimal(budget.amount)
    remaining = amount - consumed
    return BudgetStatus(
        budget=budget,
        consumed=consumed.quantize(Decimal("0.01")),
        remaining=remaining.quantize(Decimal("0.01")),
        pct=percent(consumed, amount),
        hours_used=(Decimal(seconds or 0) / 3600).quantize(Decimal("0.01")),
        forecast=forecast(
            by_day.items(),
            remaining,
            now.astimezone(tz).date(),
            budget.starts_on,
            budget.ends_on,
        ),
    )


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
    """Record each threshold newly crossed by the budgets covering this service, once."""
    fired: list[BudgetAlert] = []
    for budget in budgets_covering(session, service_at.astimezone(ZoneInfo(tz_name)).date()):
        status = budget_status(session, budget, now, tz_name)
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


def needs_approval(session: Session, now: datetime, tz_name: str = "Europe/Paris") -> Budget | None:
    """An exhausted budget with the "approval" policy covering today, if any."""
    for budget in budgets_covering(session, now.astimezone(ZoneInfo(tz_name)).date()):
        if (
            budget.policy == "approval"
            and budget_status(session, budget, now, tz_name).is_exhausted
        ):
            return budget
    return None
