"""The daily telephony costs: the finance pages read the days built from their rows and the rest
(today, prices read since the last build) raw, and give exactly what a raw read of the legs
gives, for every filter, after a price arrives late for an old day, after the clock's next run,
after a rebuild and after the retention purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from callbacks.jobs import purge_old_records
from hotline import hooks
from hotline.db import Database
from hotline.models import Call, Helpline
from hotline.web import app_state
from interpreter_pool.finance import record_leg_price
from interpreter_pool.models import Interpreter
from reports import telephony_days
from reports.finance_filters import FinanceFilters
from reports.finance_query import Scope
from reports.telephony_query import live_telephony_costs, telephony_costs
from tests.conftest import fresh_database_url
from tests.factories import (
    make_call,
    make_helpline,
    make_interpreter,
    make_interpreting_session,
    make_member,
    make_request,
    make_user,
)
from tests.integration.test_console_access import console, sign_in
from tests.integration.test_page_statements import statements_of
from tests.integration.test_routing_cli import run

__all__ = ["console"]  # the fixture, imported for these tests

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
EVERYONE = Scope(None)


@dataclass
class Legs:
    """Two helplines, an interpreter, and legs of many kinds over the last weeks."""

    a: Helpline
    b: Helpline
    samira: Interpreter
    late: Call  # ended ten days ago, its price not read yet


def _legs(session: Session) -> Legs:
    a = make_helpline(session, name="Permanence A")
    b = make_helpline(session, name="Permanence B", phone_number="+33561000099")
    samira = make_interpreter(session, "ar", "ps")
    on_b = make_request(session, b, caller_number="+33612345678")
    on_a = make_request(session, a, caller_number="+33612345679")
    in_pashto = make_interpreting_session(session, on_a, language="ps")

    def leg(ended: datetime, price: str | None, **fields: object) -> Call:
        fields.setdefault("helpline_id", a.id)
        fields.setdefault("price_unit", "USD" if price is not None else None)
        return make_call(
            session,
            created_at=ended - timedelta(minutes=5),
            ended_at=ended,
            price=Decimal(price) if price is not None else None,
            priced_at=ended + timedelta(minutes=20) if price is not None else None,
            **fields,
        )

    for days_ago in (40, 12, 3, 1):
        leg(NOW - timedelta(days=days_ago), "-0.01300")
    # 23:30 in Paris the day before yesterday: the local day, not UTC's, holds it.
    leg(datetime(2026, 11, 21, 22, 30, tzinfo=UTC), "-0.50000")
    # No helpline of its own: its request's.
    leg(NOW - timedelta(days=2), "-0.02700", helpline_id=None, request_id=on_b.id)
    # A call to an interpreter, in Pashto.
    leg(
        NOW - timedelta(days=5),
        "-0.31000",
        role="interpreter",
        interpreter_id=samira.id,
        interpreting_session_id=in_pashto.id,
        request_id=on_a.id,
    )
    leg(NOW - timedelta(days=4), "-0.20000", price_unit="EUR")
    # A price with no reading time (an imported leg), an unanswered leg with no price.
    make_call(
        session, helpline_id=b.id, created_at=NOW - timedelta(days=6),
        price=Decimal("-0.07000"), price_unit="USD",
    )  # fmt: skip
    leg(NOW - timedelta(days=6), None)
    # Today, before the build: read raw.
    leg(NOW - timedelta(hours=1), "-0.04000")
    late = leg(NOW - timedelta(days=10), None)
    session.flush()
    return Legs(a, b, samira, late)


def _filters(legs: Legs) -> list[tuple[FinanceFilters, Scope]]:
    return [
        (FinanceFilters(), EVERYONE),
        (FinanceFilters(date_from=date(2026, 11, 1)), EVERYONE),
        (FinanceFilters(date_from=date(2026, 11, 20), date_to=date(2026, 11, 22)), EVERYONE),
        (FinanceFilters(date_from=date(2026, 11, 23)), EVERYONE),
        (FinanceFilters(date_to=date(2026, 11, 10)), EVERYONE),
        (FinanceFilters(helpline_id=legs.b.id), EVERYONE),
        (FinanceFilters(), Scope((legs.a.id,))),
        (FinanceFilters(provider_id=legs.samira.id), EVERYONE),
        (FinanceFilters(language="ps"), EVERYONE),
        (FinanceFilters(language="ar"), EVERYONE),
    ]


def _same_as_raw(session: Session, legs: Legs) -> None:
    for filters, scope in _filters(legs):
        read = telephony_costs(session, filters, scope, PARIS)
        assert read == live_telephony_costs(session, filters, scope, PARIS), filters


def test_the_days_built_and_today_read_together_equal_a_raw_read_for_every_filter(
    session: Session,
) -> None:
    legs = _legs(session)
    assert telephony_days.refresh(session, NOW, "Europe/Paris") == 40  # 14 October to yesterday
    state = telephony_days.build_state(session)
    assert state is not None and state.built_through == date(2026, 11, 22)
    _same_as_raw(session, legs)
    everything = telephony_costs(session, FinanceFilters(), EVERYONE, PARIS)
    november = {cost.currency: cost for cost in everything if cost.month == "2026-11"}
    assert november["USD"].amount == Decimal("0.98600") and november["USD"].legs == 8
    assert november["USD"].interpreters == Decimal("0.31")
    assert november["EUR"].amount == Decimal("0.2")
    # A leg ending today counts at once.
    make_call(
        session, helpline_id=legs.a.id, created_at=NOW, ended_at=NOW, price=Decimal("-1"),
        price_unit="USD", priced_at=NOW,
    )  # fmt: skip
    _same_as_raw(session, legs)
    # The days built are read from their rows, not from the legs: a leg changed behind their
    # back (never done by the product) is not seen until they are rebuilt.
    session.execute(update(Call).where(Call.helpline_id == legs.b.id).values(price=Decimal("-9")))
    filters = FinanceFilters(helpline_id=legs.b.id)
    assert telephony_costs(session, filters, EVERYONE, PARIS) != live_telephony_costs(
        session, filters, EVERYONE, PARIS
    )
    assert telephony_days.rebuild(session, NOW, "Europe/Paris") > 0
    _same_as_raw(session, legs)


def test_a_price_read_late_for_an_old_day_counts_at_once_and_after_the_clocks_next_run(
    session: Session,
) -> None:
    legs = _legs(session)
    telephony_days.refresh(session, NOW, "Europe/Paris")
    later = NOW + timedelta(minutes=30)
    twilio = SimpleNamespace(duration="300", price="-0.66000", price_unit="USD")
    record_leg_price(legs.late, twilio, later)
    session.flush()
    _same_as_raw(session, legs)
    # Read again unchanged by the reconciliation, the price keeps its first reading time.
    record_leg_price(legs.late, twilio, later + timedelta(hours=2))
    assert legs.late.priced_at == later
    # The clock's next run takes it into its day's row; the read stays exact.
    assert telephony_days.refresh(session, later + timedelta(minutes=15), "Europe/Paris") == 1
    state = telephony_days.build_state(session)
    assert state is not None and state.priced_before == later + timedelta(minutes=5)
    day = (NOW - timedelta(days=10)).date()
    held = session.scalar(
        select(func.sum(telephony_days.telephony_days.c.legs)).where(
            telephony_days.telephony_days.c.day == day
        )
    )
    assert held == 1  # the late leg, now in its day's row
    _same_as_raw(session, legs)
    # The next day: yesterday is built, today's leg read raw as before.
    assert telephony_days.refresh(session, NOW + timedelta(days=1), "Europe/Paris") >= 1
    state = telephony_days.build_state(session)
    assert state is not None and state.built_through == date(2026, 11, 23)
    _same_as_raw(session, legs)


def test_another_time_zone_a_structure_or_a_budget_line_read_the_raw_legs(
    session: Session,
) -> None:
    legs = _legs(session)
    telephony_days.refresh(session, NOW, "Europe/Paris")
    for filters in (FinanceFilters(structure_id=1), FinanceFilters(unfunded=True)):
        assert telephony_costs(session, filters, EVERYONE, PARIS) == live_telephony_costs(
            session, filters, EVERYONE, PARIS
        )
    reunion = ZoneInfo("Indian/Reunion")
    assert telephony_costs(session, FinanceFilters(), EVERYONE, reunion) == live_telephony_costs(
        session, FinanceFilters(), EVERYONE, reunion
    )
    # A change of the service's time zone builds every day again in the new one.
    telephony_days.refresh(session, NOW, "Indian/Reunion")
    state = telephony_days.build_state(session)
    assert state is not None and state.timezone == "Indian/Reunion"
    assert telephony_costs(session, FinanceFilters(), EVERYONE, reunion) == live_telephony_costs(
        session, FinanceFilters(), EVERYONE, reunion
    )
    assert legs.a.id


def test_the_retention_purge_keeps_the_telephony_totals(
    session: Session, connection: Connection
) -> None:
    legs = _legs(session)
    telephony_days.refresh(session, NOW, "Europe/Paris")
    before = telephony_costs(session, FinanceFilters(), EVERYONE, PARIS)
    session.commit()
    years_later = NOW + timedelta(days=3 * 365)
    assert purge_old_records(Database(connection), lambda: years_later, months=24) >= 2
    session.expire_all()
    assert telephony_costs(session, FinanceFilters(), EVERYONE, PARIS) == before
    _same_as_raw(session, legs)


def test_the_overview_and_the_spend_export_run_no_more_statements_and_say_the_same_once_built(
    console: FlaskClient, session: Session, connection: Connection
) -> None:
    legs = _legs(session)
    regional = make_user(session, "admin", "region@example.org", is_regional_admin=True)
    make_member(session, regional, legs.a, "admin")
    assert sign_in(console, regional.email) == 302
    paths = ("/finance", "/finance/spend.csv", "/finance/spend.csv?from=2026-11-22")
    statements_of(console, connection, paths[0])  # the first visit may fill caches
    raw = {path: statements_of(console, connection, path) for path in paths}
    raw_csv = console.get(paths[1]).get_data(as_text=True)
    telephony_days.refresh(session, NOW, "Europe/Paris")
    built = {path: statements_of(console, connection, path) for path in paths}
    assert built == raw, (raw, built)
    assert console.get(paths[1]).get_data(as_text=True) == raw_csv


def test_hotline_report_rebuild_builds_the_telephony_costs_too(
    backend: str, tmp_path: Path
) -> None:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        legs = _legs(session)
        session.commit()
    code, out = run(url, "report", "rebuild")
    assert code == 0, out
    assert "days of telephony costs rebuilt" in out
    with database.session() as session:
        state = telephony_days.build_state(session)
        assert state is not None and state.timezone == "Europe/Paris"
        assert session.scalar(select(func.count()).select_from(telephony_days.telephony_days))
        _same_as_raw(session, legs)


def test_the_clock_runs_the_daily_telephony_costs_job_of_the_reports(
    app: Flask, session: Session
) -> None:
    legs = _legs(session)
    session.commit()
    job = next(job for job in hooks.registries(app).clock_jobs if job.name == "telephony_days")
    assert job.seconds == 900
    with app.app_context():
        assert job.run(app_state()) > 0
    state = telephony_days.build_state(session)
    assert state is not None and state.built_through == date(2026, 11, 22)
    _same_as_raw(session, legs)
