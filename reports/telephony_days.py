"""Telephony costs by local day: Twilio's price of the legs summed by day, helpline, currency,
provider and language (``telephony_days``), kept up to date by the clock from the legs priced
since its last run, and rebuilt from the raw legs on demand.

``telephony_build`` (one row) says what the rows hold: for every local day (in ``timezone``, the
service's) up to ``built_through``, the legs of that day whose price was read before
``priced_before`` (or that carry a price with no reading time: seeded or imported legs). A leg
priced later, or a leg of a later day, is read raw by the finance pages
(``reports.finance_query.telephony_costs``), so their figures stay exact. The clock's run moves
``priced_before`` forward: it rebuilds the days of the legs priced since (a price arriving late
for an old day) and builds the days ended since. A leg's end, helpline, provider or language
changed after its price was read (not expected: a leg is priced once ended) is seen after a
rebuild; a price changed after it was read would count twice until the next run.
Services: they flush, never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from callbacks.jobs import job_transaction
from hotline.db import Base, UTCDateTime
from hotline.models import Call, Request
from hotline.web import AppState
from interpreter_pool.models import InterpretingSession

logger = logging.getLogger(__name__)

# Twilio ends a call after 24 hours at most: a leg that ended in a period began at most this
# long before it (what lets the legs be read by their indexed creation time).
LONGEST_CALL = timedelta(days=1)
# A price read this recently may still be committing: the clock leaves it to its next run.
PRICING_MARGIN = timedelta(minutes=10)
# Days are built this many at a time (one statement each).
CHUNK_DAYS = 31

telephony_days = Table(
    "telephony_days",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("helpline_id", Integer, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("interpreter_id", Integer, nullable=True),
    Column("language", String(16), nullable=True),
    # Twilio's five decimals, the charge as a positive cost (the opposite of its price).
    Column("amount", Numeric(16, 5), nullable=False),
    Column("interpreters", Numeric(16, 5), nullable=False),
    Column("legs", Integer, nullable=False),
    Index("ix_telephony_days_day", "day"),
)

telephony_build = Table(
    "telephony_build",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("built_through", Date, nullable=False),
    Column("priced_before", UTCDateTime(timezone=True), nullable=False),
    Column("built_at", UTCDateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class BuildState:
    """What ``telephony_days`` holds: every day up to ``built_through`` (local days in
    ``timezone``), with the legs priced before ``priced_before``."""

    timezone: str
    built_through: date
    priced_before: datetime


def build_state(session: Session) -> BuildState | None:
    """What the daily rows hold, if they were ever built."""
    row = session.execute(
        select(
            telephony_build.c.timezone,
            telephony_build.c.built_through,
            telephony_build.c.priced_before,
        ).where(telephony_build.c.id == 1)
    ).first()
    return BuildState(row[0], row[1], row[2]) if row is not None else None


def leg_instant() -> Any:
    """When a leg counts: when it ended (else when it was made)."""
    return func.coalesce(Call.ended_at, Call.created_at)


def request_helpline() -> Any:
    """The helpline of a leg's request (read by its key, for a leg with no helpline of its own)."""
    return select(Request.helpline_id).where(Request.id == Call.request_id).scalar_subquery()


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The local midnight starting ``day``."""
    return datetime.combine(day, time(), tz)


def _day_index(at: Any, days: list[date], tz: ZoneInfo) -> Any:
    """A SQL expression: the index in ``days`` of the local day of ``at`` (within them)."""
    if len(days) == 1:
        return literal(0)
    return case(
        *[
            (at < midnight(day + timedelta(days=1), tz), literal(index))
            for index, day in enumerate(days[:-1])
        ],
        else_=literal(len(days) - 1),
    )


def _build_chunk(session: Session, days: list[date], tz: ZoneInfo, priced_before: datetime) -> int:
    start, end = midnight(days[0], tz), midnight(days[-1] + timedelta(days=1), tz)
    at = leg_instant()
    index = _day_index(at, days, tz).label("day")
    helpline = func.coalesce(Call.helpline_id, request_helpline()).label("helpline")
    currency = func.upper(func.coalesce(Call.price_unit, "USD")).label("currency")
    to_interpreter = case((Call.interpreting_session_id.is_not(None), -Call.price), else_=0)
    keys = (index, helpline, currency, Call.interpreter_id, InterpretingSession.language)
    rows = session.execute(
        select(
            *keys,
            func.sum(-Call.price),
            func.sum(to_interpreter),
            func.count(Call.id),
        )
        .outerjoin(InterpretingSession, InterpretingSession.id == Call.interpreting_session_id)
        .where(
            Call.price.is_not(None),
            or_(Call.priced_at.is_(None), Call.priced_at < priced_before),
            Call.created_at >= start - LONGEST_CALL,
            Call.created_at < end + LONGEST_CALL,
            at >= start,
            at < end,
        )
        .group_by(*keys)
    ).all()
    if rows:
        session.execute(
            insert(telephony_days),
            [
                {
                    "day": days[int(row[0])],
                    "helpline_id": row[1],
                    "currency": row[2],
                    "interpreter_id": row[3],
                    "language": row[4],
                    "amount": row[5],
                    "interpreters": row[6],
                    "legs": int(row[7]),
                }
                for row in rows
            ],
        )
    return len(rows)


def _runs(days: Iterable[date]) -> list[list[date]]:
    """Consecutive days in runs of at most ``CHUNK_DAYS``."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + timedelta(days=1) and len(runs[-1]) < CHUNK_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def build_days(
    session: Session, days: Iterable[date], tz: ZoneInfo, priced_before: datetime
) -> int:
    """(Re)build these days from the raw legs priced before ``priced_before``; return the rows
    written."""
    written = 0
    for run in _runs(days):
        session.execute(
            delete(telephony_days).where(
                telephony_days.c.day >= run[0], telephony_days.c.day <= run[-1]
            )
        )
        written += _build_chunk(session, run, tz, priced_before)
    session.flush()
    return written


def _save_state(session: Session, state: BuildState, now: datetime) -> None:
    values = {
        "timezone": state.timezone,
        "built_through": state.built_through,
        "priced_before": state.priced_before,
        "built_at": now,
    }
    # Updated in place (the row a concurrent run waits on), inserted the first time only.
    changed = session.execute(
        update(telephony_build).where(telephony_build.c.id == 1).values(**values)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(telephony_build).values(id=1, **values))
    session.flush()


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build_all(session: Session, now: datetime, tz_name: str) -> int:
    """Build every day from the first leg's to yesterday afresh; return the days built."""
    tz = ZoneInfo(tz_name)
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    priced_before = now - PRICING_MARGIN
    session.execute(delete(telephony_days))
    first = session.scalar(select(func.min(Call.created_at)))
    days = _span(first.astimezone(tz).date(), yesterday) if first is not None else []
    build_days(session, days, tz, priced_before)
    _save_state(session, BuildState(tz_name, yesterday, priced_before), now)
    return len(days)


def refresh(session: Session, now: datetime, tz_name: str) -> int:
    """The clock's run: rebuild the days of the legs priced since the last run, build the days
    ended since; everything the first time (or after a change of time zone). Return the days
    built."""
    # One run at a time: the state is read under its row's lock (PostgreSQL).
    session.execute(select(telephony_build.c.id).with_for_update()).all()
    state = build_state(session)
    if state is None or state.timezone != tz_name:
        return build_all(session, now, tz_name)
    tz = ZoneInfo(tz_name)
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    priced_before = max(state.priced_before, now - PRICING_MARGIN)
    built_end = midnight(state.built_through + timedelta(days=1), tz)
    at = leg_instant()
    late = session.scalars(
        select(at).where(
            Call.priced_at >= state.priced_before,
            Call.priced_at < priced_before,
            Call.price.is_not(None),
            at < built_end,
        )
    ).all()
    days = {instant.astimezone(tz).date() for instant in late}
    if yesterday > state.built_through:
        days.update(_span(state.built_through + timedelta(days=1), yesterday))
    build_days(session, days, tz, priced_before)
    _save_state(
        session, BuildState(tz_name, max(yesterday, state.built_through), priced_before), now
    )
    return len(days)


def rebuild(
    session: Session,
    now: datetime,
    tz_name: str,
    first: date | None = None,
    last: date | None = None,
) -> int:
    """Rebuild the days ``first`` to ``last`` from the raw legs (every day by default); return
    the days built."""
    if first is None and last is None:
        return build_all(session, now, tz_name)
    count = refresh(session, now, tz_name)
    state = build_state(session)
    assert state is not None
    oldest = session.scalar(select(func.min(Call.created_at)))
    if oldest is None:
        return count
    start = first or oldest.astimezone(ZoneInfo(tz_name)).date()
    end = min(last or state.built_through, state.built_through)
    if end < start:
        return count
    days = _span(start, end)
    build_days(session, days, ZoneInfo(tz_name), state.priced_before)
    return count + len(days)


def refresh_job(state: AppState) -> int:
    """The clock's job: ``refresh`` in one transaction."""
    with job_transaction(state.database) as session:
        return refresh(session, state.clock(), state.settings.timezone)
