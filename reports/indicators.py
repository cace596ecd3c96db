"""The indicator registry: every indicator of the catalogue (shared/INDICATORS.md §2), once.

The page, the exports, the "definitions" sheet and the tests all read ``REGISTRY``; values come
from ``compute`` (pure, over the rows of ``reports.indicator_facts``), breakdowns from
``breakdown`` (the same computation over the rows of each key value, or each month).
Indicators whose data the product does not hold are registered with ``manual=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reports.indicator_facts import UNKNOWN, Facts, Period, iter_months
from reports.indicator_spec import BREAKDOWNS, GROUPS, UNITS, Indicator, Value
from reports.indicators_activity import ACTIVITY
from reports.indicators_finance import FINANCE
from reports.indicators_followup import FOLLOWUP
from reports.indicators_interpreting import INTERPRETING
from reports.indicators_quality import QUALITY
from reports.indicators_service import SERVICE

__all__ = [
    "BREAKDOWNS",
    "GROUPS",
    "REGISTRY",
    "UNITS",
    "Indicator",
    "Value",
    "breakdown",
    "compute",
    "compute_all",
    "manual_indicators",
]

REGISTRY: Mapping[str, Indicator] = {
    indicator.id: indicator
    for indicator in (*ACTIVITY, *SERVICE, *INTERPRETING, *FOLLOWUP, *FINANCE, *QUALITY)
}


def manual_indicators() -> list[Indicator]:
    """The indicators typed in by the programme (no data in the product)."""
    return [i for i in REGISTRY.values() if i.manual]


def compute(indicator_id: str, facts: Facts, period: Period) -> Value | None:
    """One indicator's value over the period; None for a manual indicator."""
    indicator = REGISTRY[indicator_id]
    if indicator.compute is None:
        return None
    return indicator.compute(facts, period)


def compute_all(
    facts: Facts, period: Period, ids: Iterable[str] | None = None
) -> dict[str, Value | None]:
    """Every (or the named) indicator's value over the period, by id."""
    return {i: compute(i, facts, period) for i in (ids or REGISTRY)}


def breakdown(indicator_id: str, facts: Facts, period: Period, key: str) -> dict[str, Value]:
    """The indicator per value of ``key``: per month ("2026-01"), or per row key value
    (helpline id, category code… "unknown" for rows without one)."""
    indicator = REGISTRY[indicator_id]
    if key not in indicator.breakdowns:
        raise ValueError(f"{indicator_id} has no breakdown by {key}")
    if indicator.compute is None:
        return {}
    if key == "month":
        return {label: indicator.compute(facts, month) for label, month in iter_months(period)}
    return {
        UNKNOWN if value is None else str(value): indicator.compute(facts.where(key, value), period)
        for value in facts.key_values(key)
    }
