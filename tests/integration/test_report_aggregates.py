"""The report aggregates give the figures a raw read gives: on the hand-built November, on a
generated year of the demo, with the days half built (the rest read raw), filtered and broken
down; the clock's refresh and the rebuild keep them so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.demo import DEMO_NURSES, seed_demo
from hotline.demo_year import seed_year
from hotline.models import Helpline, User
from reports import aggregate_read, aggregates, indicator_data, indicator_rows
from reports.aggregate_tables import BY_FAMILY, report_builds
from reports.indicator_data import Filters, Values
from reports.indicator_facts import Period
from reports.indicators import Value
from tests.conftest import fresh_database_url
from tests.integration import indicator_history
from tests.integration.indicator_history import NOVEMBER
from tests.integration.test_routing_cli import run

AFTER = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
BREAKDOWNS = ("month", "language", "category", "helpline")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and float(a) == pytest.approx(float(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(_same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a == b
    return bool(a == b)


def assert_same(raw: Values, built: Values) -> None:
    """Every indicator and every breakdown equal, naming the first that differs."""
    for key in raw.values:
        assert _same(dict(raw.values)[key], dict(built.values)[key]), key
    assert raw.breakdowns.keys() == built.breakdowns.keys()
    for key in raw.breakdowns:
        assert _same(dict(raw.breakdowns[key]), dict(built.breakdowns[key])), key


def _built_rows(session: Session) -> int:
    return sum(
        session.scalar(select(func.count()).select_from(t.table)) or 0 for t in BY_FAMILY.values()
    )


def test_the_hand_built_november_reads_the_same_from_the_aggregates(session: Session) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    period = Period.local(*NOVEMBER)
    year = Period.local(date(2026, 1, 1), date(2026, 12, 31))
    asked = [(period, None), (year, None), (period, Filters(language="ar"))]
    raw = [indicator_data.compute(session, p, scope, f, BREAKDOWNS) for p, f in asked]
    assert aggregate_read.built_until(session, scope, period) is None

    days = aggregates.build(session, AFTER)

    assert days > 60 and _built_rows(session) > 30
    assert aggregate_read.built_until(session, scope, period) == period.end
    for (p, f), before in zip(asked, raw, strict=True):
        assert_same(before, indicator_data.compute(session, p, scope, f, BREAKDOWNS))


def test_with_half_the_month_built_the_rest_is_read_raw_and_the_figures_are_the_same(
    session: Session,
) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    period = Period.local(*NOVEMBER)
    raw = indicator_data.compute(session, period, scope, None, BREAKDOWNS)

    # Built up to the 23rd (the hand history's busy day): the 23rd onwards is read raw.
    aggregates.build(session, AFTER, last=date(2026, 11, 22))

    until = aggregate_read.built_until(session, scope, period)
    assert until == Period.local(date(2026, 11, 23), date(2026, 11, 23)).start
    assert_same(raw, indicator_data.compute(session, period, scope, None, BREAKDOWNS))


def test_a_built_day_is_read_from_the_tables_not_from_the_raw_rows(session: Session) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    period = Period.local(*NOVEMBER)
    aggregates.build(session, AFTER)
    table = BY_FAMILY["requests"].table
    # Wiping the built requests shows the page would read them from the tables.
    session.execute(table.delete())
    values = indicator_data.compute(session, period, scope).values
    value = values["A01"]
    assert value is not None and value.value == 0


def test_the_clock_refresh_builds_the_missing_days_and_rebuilds_the_recent_ones(
    session: Session,
) -> None:
    history = indicator_history.build(session)
    first = aggregates.refresh(session, AFTER)
    assert first >= 14
    builds = session.execute(
        select(report_builds.c.day, report_builds.c.built_at).where(
            report_builds.c.helpline_id == history.helpline_id
        )
    ).all()
    assert max(day for day, _ in builds) == date(2026, 12, 14)
    later = AFTER + timedelta(hours=1)
    # Nothing missing any more: only the recent days are built again.
    assert aggregates.refresh(session, later, days=3) == 3 * session.scalar(
        select(func.count()).select_from(Helpline)
    )
    again = dict(
        session.execute(
            select(report_builds.c.day, report_builds.c.built_at).where(
                report_builds.c.helpline_id == history.helpline_id
            )
        ).all()
    )
    assert again[date(2026, 12, 14)] == later
    assert again[date(2026, 11, 23)] == AFTER


def test_a_generated_year_reads_the_same_from_the_aggregates(app: Flask, session: Session) -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    seed_demo(session, now)
    helpline = session.scalars(select(Helpline).order_by(Helpline.id)).first()
    assert helpline is not None
    nurses = [
        session.scalars(select(User).where(User.email == email)).one() for email, *_ in DEMO_NURSES
    ]
    seed_year(app, session, helpline, nurses, now, requests=160)
    scope = list(session.scalars(select(Helpline.id)))
    year = Period.local(date(2025, 11, 1), date(2026, 11, 20))
    quarter = Period.local(date(2026, 3, 1), date(2026, 5, 31))
    asked = [(year, None), (quarter, None), (year, Filters(category="interpreting"))]
    raw = [indicator_data.compute(session, p, scope, f, BREAKDOWNS) for p, f in asked]

    aggregates.build(session, now)

    assert aggregate_read.built_until(session, scope, year) is not None
    for (p, f), before in zip(asked, raw, strict=True):
        assert_same(before, indicator_data.compute(session, p, scope, f, BREAKDOWNS))


def test_hotline_report_rebuild_builds_the_days_asked_and_keeps_the_report_command(
    backend: str, tmp_path: Path
) -> None:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        history = indicator_history.build(session)
        number = session.get(Helpline, history.helpline_id).phone_number  # type: ignore[union-attr]
        session.commit()
    code, out = run(url, "report", "--help")
    assert code == 0 and "rebuild" in out and "--format" in out
    code, out = run(url, "report", "rebuild", "--help")
    assert code == 0 and "--from" in out and "--helpline" in out

    code, out = run(url, "report", "rebuild", "--from", "2026-11-01", "--to", "2026-11-30",
                    "--helpline", number)  # fmt: skip

    assert code == 0, out
    assert out.startswith("30 helpline-days rebuilt in ")
    with database.session() as session:
        days = list(session.scalars(select(report_builds.c.day).order_by(report_builds.c.day)))
        assert days[0] == date(2026, 11, 1) and days[-1] == date(2026, 11, 30) and len(days) == 30
        built = indicator_data.compute(session, Period.local(*NOVEMBER), [history.helpline_id])
        raw_tables = session.scalar(select(func.count()).select_from(BY_FAMILY["requests"].table))
        assert raw_tables == 11 and dict(built.values)["A01"] == Value(11)
    code, out = run(url, "report", "rebuild", "--from", "2026-11-30", "--to", "2026-11-01")
    assert code != 0 and "--to is before --from" in out
    code, out = run(url, "report", "--from", "2026-11-01")
    assert code != 0 and "--to, --format, --output" in out
    database.dispose()


def test_requests_read_by_id_or_through_their_query_give_the_same_figures(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    period = Period.local(*NOVEMBER)
    by_id = indicator_data.compute(session, period, scope, None, BREAKDOWNS)
    monkeypatch.setattr(indicator_rows, "FEW", 0)  # every read goes through the query
    assert_same(by_id, indicator_data.compute(session, period, scope, None, BREAKDOWNS))
