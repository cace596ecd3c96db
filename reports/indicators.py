"""The indicator registry: every indicator of the catalogue (shared/INDICATORS.md §2), once.

The page, the exports, the "definitions" sheet and the tests all read ``REGISTRY``; values come
from ``compute`` (pure, over the rows of ``reports.indicator_facts``), breakdowns from
``breakdown`` (the same computation over the rows of each key value, or each month).
Indicators whose data the product does not hold are registered with ``manual=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reports.indicator_facts import PARIS, UNKNOWN, Facts, Period, iter_months
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
    "definitions",
    "manual_indicators",
    "same_period_last_year",
    "year_to_date",
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
        return {
            label: indicator.compute(facts.within(month), month)
            for label, month in iter_months(period)
        }
    return {
        UNKNOWN if value is None else str(value): indicator.compute(facts.where(key, value), period)
        for value in facts.key_values(key)
    }


def breakdown_of_parts(
    indicator_id: str, parts: Mapping[Any, Facts], period: Period
) -> dict[str, Value]:
    """``breakdown`` by a row key, from the rows already split by it (``Facts.split``)."""
    indicator = REGISTRY[indicator_id]
    if indicator.compute is None:
        return {}
    return {
        UNKNOWN if value is None else str(value): indicator.compute(part, period)
        for value, part in parts.items()
    }


def _shift_year(at: datetime, years: int, tz: ZoneInfo) -> datetime:
    here = at.astimezone(tz)
    day = min(here.day, 28) if (here.month, here.day) == (2, 29) else here.day
    moved = datetime(here.year + years, here.month, day, here.hour, here.minute, tzinfo=tz)
    return moved.astimezone(UTC)


def same_period_last_year(period: Period, tz: ZoneInfo = PARIS) -> Period:
    """N−1: the same local dates and times one year earlier (§2.1)."""
    return Period(_shift_year(period.start, -1, tz), _shift_year(period.end, -1, tz))


def year_to_date(period: Period, tz: ZoneInfo = PARIS) -> Period:
    """From the first of January (local) of the period's last day to the period's end."""
    last = (period.end - timedelta(microseconds=1)).astimezone(tz)
    start = datetime(last.year, 1, 1, tzinfo=tz).astimezone(UTC)
    return Period(start, period.end)


@dataclass(frozen=True)
class Definition:
    """One row of the "definitions" sheet, in the reader's language."""

    id: str
    group: str
    label: str
    unit: str
    definition: str
    breakdowns: tuple[str, ...]
    is_manual: bool
    version: int


def definitions(locale: str) -> list[Definition]:
    """Every indicator's definition, in the registry's order, for the page and the exports."""
    english = locale.startswith("en")
    return [
        Definition(
            id=indicator.id,
            group=GROUPS[indicator.group][1 if english else 0],
            label=indicator.label(locale),
            unit=indicator.unit,
            definition=indicator.definition(locale),
            breakdowns=indicator.breakdowns,
            is_manual=indicator.manual,
            version=indicator.version,
        )
        for indicator in REGISTRY.values()
    ]
