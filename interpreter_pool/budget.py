"""Budget arithmetic (pure): consumption, thresholds crossed, and when the money runs out.

Rules:

* Consumption is the sum of ledger amounts whose service date falls in the budget's period
  (charges, adjustments and corrections alike), against the amount; hours against the hours cap.
* A threshold (a percentage, e.g. 80) is crossed when consumption reaches ``amount × threshold
  / 100``; each is reported once (the caller records it).
* The forecast divides what is left by the burn rate of the last ``window_days`` days (spend in
  the window / days of the window elapsed within the period): the budget runs out that many days
  after today, rounded up. No spend in the window: no forecast. A date past the period's end
  means the budget lasts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

BURN_WINDOW_DAYS = 30


def parse_thresholds(text: str) -> list[int]:
    """ "50, 80,100" → [50, 80, 100]; each a whole percentage between 1 and 200."""
    values: list[int] = []
    for part in text.split(","):
        part = part.strip().rstrip("%").strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 200:
            raise ValueError(f"{part!r} is not a percentage between 1 and 200")
        values.append(int(part))
    if not values:
        raise ValueError("give at least one alert threshold, e.g. 50,80,100")
    return sorted(set(values))


def percent(consumed: Decimal, amount: Decimal) -> Decimal:
    """Consumption as a percentage of the amount, to one decimal (0 for an empty budget)."""
    if amount <= 0:
        return Decimal("0.0")
    return (consumed * 100 / amount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def crossed(thresholds: Iterable[int], consumed: Decimal, amount: Decimal) -> list[int]:
    """Thresholds that consumption has reached."""
    return [t for t in thresholds if amount > 0 and consumed * 100 >= amount * t]


@dataclass(frozen=True)
class Forecast:
    """When the budget runs out at the recent burn rate."""

    burn_per_day: Decimal
    runs_out_on: date | None
    lasts_the_period: bool


def forecast(
    spend_by_day: Iterable[tuple[date, Decimal]],
    remaining: Decimal,
    today: date,
    starts_on: date,
    ends_on: date,
    window_days: int = BURN_WINDOW_DAYS,
) -> Forecast:
    """The exhaustion date from the burn rate of the last ``window_days`` days."""
    window_start = max(starts_on, today - timedelta(days=window_days - 1))
    days = (today - window_start).days + 1
    spent = sum(
        (amount for day, amount in spend_by_day if window_start <= day <= today), Decimal(0)
    )
    if days <= 0 or spent <= 0:
        return Forecast(Decimal("0.00"), None, True)
    rate = spent / days
    if remaining <= 0:
        return Forecast(rate.quantize(Decimal("0.01")), today, False)
    runs_out = today + timedelta(days=math.ceil(remaining / rate))
    return Forecast(rate.quantize(Decimal("0.01")), runs_out, runs_out > ends_on)
