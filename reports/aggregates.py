"""The report aggregates kept up to date: a run of local days built from the raw rows (with the
indicators' own loaders) into the fact tables, the clock's refresh, and the build the retention
purge asks for before it forgets detail.

A day is built for a helpline when its rows (requests opened, legs started, queue entries,
sessions asked, callbacks created, ledger entries served, ratings of requests opened that day)
were copied into the tables; ``report_builds`` says when. A later build of the same day replaces
its rows. Services: they flush, never commit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from callbacks.jobs import job_transaction
from hotline.models import Helpline, Request
from hotline.web import AppState
from interpreter_pool.models import LedgerEntry
from reports.aggregate_tables import FACT_TABLES, report_builds, row_of
from reports.indicator_facts import Period, local
from reports.indicator_loaders import load_callbacks, load_ledger, load_ratings, load_sessions
from reports.indicator_rows import load_calls, load_queues, load_requests
from routing.models import NurseRouting

logger = logging.getLogger(__name__)

# The clock rebuilds this many past days at each run: legs, callbacks and sessions that end or
# change after their day was built are caught while they are this recent.
REFRESH_DAYS = 14
# A run of days is built in chunks of this many days (memory stays small at a million requests).
CHUNK_DAYS = 92

Progress = Callable[[int], None]


def first_day(session: Session) -> date | None:
    """The first local day holding data (a request opened, a ledger entry served), if any."""
    found = [
        session.scalar(select(func.min(Request.opened_at))),
        session.scalar(select(func.min(LedgerEntry.service_at))),
    ]
    instants = [at for at in found if at is not None]
    return local(min(instants)).date() if instants else None


def built_days(
    session: Session, helpline_id: int, first: date, last: date, *, sealed_only: bool = False
) -> set[date]:
    """The days of ``helpline_id`` between ``first`` and ``last`` already built (or sealed)."""
    query = select(report_builds.c.day).where(
        report_builds.c.helpline_id == helpline_id,
        report_builds.c.day >= first,
        report_builds.c.day <= last,
    )
    if sealed_only:
        query = query.where(report_builds.c.is_sealed)
    return set(session.scalars(query))


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, each at most ``CHUNK_DAYS`` long."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        after_last = runs and day == runs[-1][1] + timedelta(days=1)
        if after_last and (day - runs[-1][0]).days < CHUNK_DAYS:
            runs[-1] = (runs[-1][0], day)
            continue
        runs.append((day, day))
    return runs


def _in(period: Period, at: datetime | None) -> bool:
    return at is not None and period.start <= at < period.end


def build_run(
    session: Session, helplines: Sequence[int], first: date, last: date, now: datetime
) -> int:
    """Build the days ``first`` to ``last`` of the helplines; return how many rows were written."""
    period = Period.local(first, last)
    scope = list(helplines)
    requests, keys, stories = load_requests(session, scope, period)
    families: dict[str, list[Any]] = {
        "requests": requests,
        "calls": load_calls(session, scope, period, keys, stories),
        "queues": load_queues(session, scope, period, keys, stories),
        "sessions": load_sessions(session, scope, period, keys),
        "callbacks": load_callbacks(session, scope, period, keys),
        "ledger": load_ledger(session, scope, period, (), keys),
        "ratings": load_ratings(session, scope, period, keys),
    }
    written = 0
    for table in FACT_TABLES:
        columns = table.table.c
        session.execute(
            delete(table.table).where(
                columns.helpline_id.in_(scope), columns.day >= first, columns.day <= last
            )
        )
        rows = [
            row_of(fact, fact.keys.helpline, local(getattr(fact, table.anchor)).date())
            for fact in families[table.family]
            if _in(period, getattr(fact, table.anchor))
        ]
        if rows:
            session.execute(insert(table.table), rows)
            written += len(rows)
    session.execute(
        delete(report_builds).where(
            report_builds.c.helpline_id.in_(scope),
            report_builds.c.day >= first,
            report_builds.c.day <= last,
        )
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    generation = secrets.randbelow(2**31)
    session.execute(
        insert(report_builds),
        [
            {"helpline_id": h, "day": day, "built_at": now, "generation": generation}
            for h in scope
            for day in days
        ],
    )
    session.flush()
    return written


def _days_and_helplines(
    session: Session,
    now: datetime,
    first: date | None,
    last: date | None,
    helplines: Sequence[int] | None,
) -> tuple[set[date], list[int]]:
    start = first or first_day(session)
    yesterday = local(now).date() - timedelta(days=1)
    end = min(last or yesterday, yesterday)
    if start is None or end < start:
        return set(), []
    ids = list(helplines) if helplines is not None else list(session.scalars(select(Helpline.id)))
    return {start + timedelta(days=n) for n in range((end - start).days + 1)}, ids


def days_wanted(
    session: Session,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
    helplines: Sequence[int] | None = None,
) -> int:
    """How many helpline-days ``build`` would go over (for a progress bar)."""
    days, ids = _days_and_helplines(session, now, first, last, helplines)
    return len(days) * len(ids)


def build(
    session: Session,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
    helplines: Sequence[int] | None = None,
    *,
    only_missing: bool = False,
    progress: Progress | None = None,
) -> int:
    """Build (or rebuild) the days ``first`` to ``last`` of the helplines; return the days built.

    By default from the first day holding data to yesterday (local), for every helpline; with
    ``only_missing``, the days already built are left as they are. Sealed days (their detail
    purged) are never built again: their rows are all that is left of them.
    """
    every, ids = _days_and_helplines(session, now, first, last, helplines)
    if not every:
        return 0
    start, end = min(every), max(every)
    # Helplines wanting the same days are built together (one read of the raw rows a run).
    together: dict[frozenset[date], list[int]] = {}
    for helpline_id in ids:
        done = built_days(session, helpline_id, start, end, sealed_only=not only_missing)
        together.setdefault(frozenset(every - done), []).append(helpline_id)
    count = 0
    for wanted, group in together.items():
        for run_first, run_last in _runs(wanted):
            build_run(session, group, run_first, run_last, now)
            count += ((run_last - run_first).days + 1) * len(group)
            if progress is not None:
                progress(((run_last - run_first).days + 1) * len(group))
    return count


def refresh(session: Session, now: datetime, days: int = REFRESH_DAYS) -> int:
    """The clock's job: build every day not built yet, and rebuild the last ``days`` days."""
    missing = build(session, now, only_missing=True)
    yesterday = local(now).date() - timedelta(days=1)
    recent = build(session, now, first=yesterday - timedelta(days=days - 1))
    return missing + recent


def before_purge(session: Session, now: datetime, cutoff: datetime) -> datetime:
    """Before the retention purge forgets the detail of the requests opened before ``cutoff``:
    build every day before the cutoff's not built yet, rebuild those holding requests not purged
    yet (their rows are then as exact as the raw rows were), and seal them all. Return the
    instant (the cutoff day's midnight) before which the detail may go.
    """
    last = local(cutoff).date() - timedelta(days=1)
    until = Period.local(last, last).end
    build(session, now, last=last, only_missing=True)
    fresh = session.execute(
        select(Request.helpline_id, Request.opened_at).where(
            Request.opened_at < until,
            or_(
                Request.caller_number.is_not(None),
                Request.notes.is_not(None),
                Request.id.in_(select(NurseRouting.request_id)),
            ),
        )
    ).all()
    days: dict[int, set[date]] = {}
    for helpline_id, opened_at in fresh:
        days.setdefault(helpline_id, set()).add(local(opened_at).date())
    for helpline_id, wanted in days.items():
        sealed = built_days(session, helpline_id, min(wanted), last, sealed_only=True)
        for run_first, run_last in _runs(wanted - sealed):
            build_run(session, [helpline_id], run_first, run_last, now)
    session.execute(
        update(report_builds)
        .where(report_builds.c.day <= last, report_builds.c.is_sealed.is_(False))
        .values(is_sealed=True)
    )
    session.flush()
    return until


def on_retention_due(
    _sender: object, *, session: Session, cutoff: datetime, now: datetime
) -> datetime:
    """``hooks.retention_due``: build and seal the days the purge is about to reach."""
    return before_purge(session, now, cutoff)


def refresh_job(state: AppState) -> int:
    """The clock's job: ``refresh`` in one transaction."""
    with job_transaction(state.database) as session:
        return refresh(session, state.clock())
