"""The finance overview's and the spend export's figures read together (``spend_summary``: one
read of the entries on PostgreSQL) are those of one statement a dimension, for every filter."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reports.finance_filters import FinanceFilters
from reports.finance_query import Dimension, Scope, spend_by, spend_summary, totals
from tests.integration.test_finance_filters_exports import _region

DIMENSIONS: tuple[Dimension, ...] = ("month", "language", "provider", "budget_line", "helpline")


def test_the_spend_read_together_equals_the_spend_read_one_dimension_at_a_time(
    session: Session,
) -> None:
    region = _region(session)
    tz = ZoneInfo("Europe/Paris")
    cases = [
        (FinanceFilters(), Scope(None)),
        (FinanceFilters(date_from=date(2026, 11, 1)), Scope(None)),
        (FinanceFilters(), Scope((region.a.id,))),
        (FinanceFilters(language="ps", unfunded=True), Scope(None)),
        (FinanceFilters(date_from=date(2030, 1, 1)), Scope(None)),
    ]
    for filters, scope in cases:
        spend, summed = spend_summary(session, filters, scope, tz, DIMENSIONS)
        assert summed == totals(session, filters, scope, tz), filters
        for dimension in DIMENSIONS:
            assert spend[dimension] == spend_by(session, filters, scope, tz, dimension), dimension
    everything, _summed = spend_summary(session, FinanceFilters(), Scope(None), tz, DIMENSIONS)
    assert len(everything["helpline"]) == 2 and len(everything["month"]) == 2
