"""Budget arithmetic: thresholds, percentages and the forecast of the day it runs out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from interpreter_pool.budget import crossed, forecast, parse_thresholds, percent


def test_thresholds_are_read_sorted_and_checked() -> None:
    assert parse_thresholds("80, 50,100%") == [50, 80, 100]
    with pytest.raises(ValueError, match="percentage"):
        parse_thresholds("50,abc")
    with pytest.raises(ValueError, match="at least one"):
        parse_thresholds(" , ")


def test_a_threshold_is_crossed_when_consumption_reaches_it() -> None:
    amount = Decimal(1000)
    assert crossed([50, 80, 100], Decimal("799.99"), amount) == [50]
    assert crossed([50, 80, 100], Decimal("800.00"), amount) == [50, 80]
    assert percent(Decimal("842.50"), amount) == Decimal("84.3")
    assert percent(Decimal(1), Decimal(0)) == Decimal("0.0")


def test_the_budget_runs_out_at_the_burn_rate_of_the_last_30_days() -> None:
    spend = [(date(2026, 11, d), Decimal(70)) for d in range(14, 24)]  # 700 € in 10 days
    result = forecast(spend, Decimal(300), date(2026, 11, 23), date(2026, 1, 1), date(2026, 12, 31))
    assert result.burn_per_day == Decimal("23.33")  # over the 30-day window
    assert result.runs_out_on == date(2026, 12, 6)
    assert not result.lasts_the_period


def test_a_young_budget_counts_only_the_days_it_has_run() -> None:
    spend = [(date(2026, 1, 2), Decimal(100)), (date(2025, 12, 30), Decimal(999))]
    result = forecast(spend, Decimal(900), date(2026, 1, 3), date(2026, 1, 1), date(2026, 12, 31))
    assert result.burn_per_day == Decimal("33.33")  # 100 € over 3 days of the period
    assert result.runs_out_on == date(2026, 1, 30)


def test_no_recent_spend_gives_no_forecast_and_a_slow_burn_lasts_the_period() -> None:
    assert (
        forecast(
            [], Decimal(10), date(2026, 6, 1), date(2026, 1, 1), date(2026, 12, 31)
        ).runs_out_on
        is None
    )
    slow = forecast(
        [(date(2026, 6, 1), Decimal(30))], Decimal(5000), date(2026, 6, 1), date(2026, 1, 1),
        date(2026, 12, 31),
    )  # fmt: skip
    assert slow.lasts_the_period
