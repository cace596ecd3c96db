"""What the reports page asks, and the clock's job that asks it ahead of the managers.

The page asks two questions of ``reports.indicator_data.compute`` (``page_values``): the
period's values with the breakdowns its charts and tables show, and N−1's with the months of its
line. A question on days all built is kept once computed (``reports.indicator_cache``); the job
asks, for every helpline and for all of them together, the questions of the page a manager
opens most (the last complete year, and the year to date's N−1), so those pages are read from
their snapshots. The year to date itself reaches today, which is live and computed at each view.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.jobs import job_transaction
from hotline.models import Helpline
from hotline.web import AppState
from reports import aggregates, indicator_cache, report_figures
from reports.indicator_data import Filters, Values, compute, load_inputs
from reports.indicator_facts import Period, local
from reports.indicators import same_period_last_year

logger = logging.getLogger(__name__)

# Snapshots not computed again for this long are forgotten (the job recomputes its own).
KEEP = timedelta(days=35)

Question = tuple[Period, tuple[str, ...], tuple[tuple[str, str], ...]]


def page_questions(period: Period, consolidated: bool) -> tuple[Question, Question]:
    """The page's two questions: the period's, then N−1's."""
    keys = ("month", "language", "helpline") if consolidated else ("month", "language")
    return (
        (period, keys, report_figures.SHOWN),
        (same_period_last_year(period), ("month",), report_figures.SHOWN_LAST_YEAR),
    )


def page_values(
    session: Session,
    period: Period,
    scope: Sequence[int],
    filters: Filters,
    consolidated: bool,
    now: datetime | None = None,
) -> tuple[Values, Values]:
    """The period's values and N−1's, as the page shows them."""
    values, before = (
        compute(session, asked, scope, filters, keys, only=only, now=now)
        for asked, keys, only in page_questions(period, consolidated)
    )
    return values, before


def warm(session: Session, now: datetime) -> int:
    """Ask the page's usual questions whose days are all built, for each helpline and for all
    of them together; return how many were asked (each is computed only if its snapshot is
    missing or stale). Forget the snapshots not computed for ``KEEP``."""
    indicator_cache.forget_older(session, now - KEEP)
    ids = list(session.scalars(select(Helpline.id).order_by(Helpline.id)))
    today = local(now).date()
    last_year = Period.local(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    year_to_date = Period.local(date(today.year, 1, 1), today)
    scopes = [[i] for i in ids] + ([ids] if len(ids) > 1 else [])
    asked = 0
    for scope in scopes:
        consolidated = len(scope) > 1
        questions = [
            *page_questions(last_year, consolidated),
            page_questions(year_to_date, consolidated)[1],
        ]
        for period, keys, only in questions:
            if load_inputs(session, period, scope).all_built(period):
                compute(session, period, scope, Filters(), keys, only=only, now=now)
                asked += 1
    return asked


def refresh_and_warm_job(state: AppState) -> int:
    """The clock's job: the aggregates' refresh (``reports.aggregates.refresh_job``), then
    ``warm`` in a transaction of its own, so a snapshot a rebuilt day made stale is computed
    again before a manager asks for it. Returns the days built."""
    days = aggregates.refresh_job(state)
    with job_transaction(state.database) as session:
        asked = warm(session, state.clock())
    logger.info("report aggregates: %d helpline-days built, %d questions asked", days, asked)
    return days
