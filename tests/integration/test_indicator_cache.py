"""A fully built period's values are kept once computed and served again while nothing they were
computed from has changed; a rebuilt or sealed day, a budget line, the directory, the pool or
the opening hours compute them again; a period reaching days not built yet (today) is kept with
those days' raw rows, and any change among them computes it again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline import hooks
from hotline.models import Helpline, Professional, Request
from hotline.web import app_state
from interpreter_pool.models import Interpreter
from reports import aggregates, indicator_data, report_warm
from reports.aggregate_tables import BY_FAMILY, report_builds, report_snapshots
from reports.indicator_data import Filters, Values
from reports.indicator_facts import Period
from tests.conftest import Clock
from tests.factories import make_professional, make_request
from tests.integration import indicator_history
from tests.integration.indicator_history import NOVEMBER
from tests.integration.test_report_aggregates import assert_same

AFTER = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
BREAKDOWNS = ("month", "language", "category")


def _kept(session: Session) -> dict[str, str]:
    c = report_snapshots.c
    return dict(session.execute(select(c.key, c.fingerprint)).tuples().all())


def _types(values: Values) -> list[tuple[str, str, list[str]]]:
    """Each value's type and its secondary figures' types: a Decimal stays a Decimal."""
    return [
        (i, type(v.value).__name__, [type(x).__name__ for x in v.extra.values()])
        for i, v in values.values.items()
        if v is not None
    ]


def test_a_built_period_asked_again_is_served_from_its_snapshot_with_the_same_figures(
    session: Session,
) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    november = Period.local(*NOVEMBER)
    aggregates.build(session, AFTER)
    computed = indicator_data.compute(session, november, scope, None, BREAKDOWNS)
    assert len(_kept(session)) == 1
    a01 = computed.values["A01"]
    assert a01 is not None and a01.value > 0

    # Wiping the aggregates' rows behind the builds' back shows the second answer is the kept one.
    for table in BY_FAMILY.values():
        session.execute(table.table.delete())
    served = indicator_data.compute(session, november, scope, None, BREAKDOWNS)

    assert_same(computed, served)
    assert _types(served) == _types(computed)
    assert list(served.values) == list(computed.values)
    for key, split in computed.breakdowns.items():
        assert list(served.breakdowns[key]) == list(split)
    assert any(isinstance(v.value, Decimal) for v in served.values.values() if v is not None), (
        "a money figure"
    )
    # Another question (a filter, other breakdowns) is computed on its own: from the wiped tables.
    filtered = indicator_data.compute(session, november, scope, Filters(language="ar"))
    a01 = filtered.values["A01"]
    assert a01 is not None and a01.value == 0
    assert len(_kept(session)) == 2


def test_a_rebuilt_day_computes_again_even_built_at_the_same_instant(session: Session) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    november = Period.local(*NOVEMBER)
    aggregates.build(session, AFTER)
    indicator_data.compute(session, november, scope)
    before = _kept(session)
    for table in BY_FAMILY.values():
        session.execute(table.table.delete())

    aggregates.build(session, AFTER, first=date(2026, 11, 10), last=date(2026, 11, 10))
    again = indicator_data.compute(session, november, scope)

    assert _kept(session).keys() == before.keys() and _kept(session) != before
    # Computed from the tables as they now are: only the 10th was built back.
    a01 = again.values["A01"]
    assert a01 is not None and a01.value == (
        session.scalar(
            select(func.count())
            .select_from(BY_FAMILY["requests"].table)
            .where(BY_FAMILY["requests"].table.c.opened_at >= november.start)
        )
    )


def _fingerprint_after(session: Session, change: object) -> tuple[str, str]:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    november = Period.local(*NOVEMBER)
    aggregates.build(session, AFTER)
    indicator_data.compute(session, november, scope)
    (first,) = _kept(session).values()
    change(session, history)  # type: ignore[operator]
    indicator_data.compute(session, november, scope)
    (second,) = _kept(session).values()
    return first, second


def test_a_directory_change_computes_again(session: Session) -> None:
    def leave(s: Session, _history: object) -> None:
        s.execute(update(Professional).where(Professional.id == s.scalar(
            select(func.min(Professional.id)))).values(is_active=False))  # fmt: skip

    first, second = _fingerprint_after(session, leave)
    assert first != second


def test_an_old_request_given_to_another_professional_computes_again(session: Session) -> None:
    def link(s: Session, _history: object) -> None:
        newcomer = make_professional(s, "+33561777777", created_at=AFTER)
        oldest = s.scalar(select(func.min(Request.id)).where(Request.professional_id.is_not(None)))
        s.execute(update(Request).where(Request.id == oldest).values(professional_id=newcomer.id))

    first, second = _fingerprint_after(session, link)
    assert first != second


def test_a_professional_registered_after_the_period_does_not_compute_again(
    session: Session,
) -> None:
    def register(s: Session, _history: object) -> None:
        make_professional(s, "+33561777777", created_at=AFTER)

    first, second = _fingerprint_after(session, register)
    assert first == second


def test_a_budget_line_changed_computes_again(session: Session) -> None:
    def grant_more(s: Session, history: indicator_history.History) -> None:
        history.budget.amount += Decimal("1000.00")
        s.flush()

    first, second = _fingerprint_after(session, grant_more)
    assert first != second


def test_a_language_leaving_the_pool_computes_again(session: Session) -> None:
    def leave(s: Session, _history: object) -> None:
        s.execute(update(Interpreter).values(is_active=False))

    first, second = _fingerprint_after(session, leave)
    assert first != second


def test_a_sealed_day_computes_again(session: Session) -> None:
    def seal(s: Session, _history: object) -> None:
        s.execute(
            update(report_builds)
            .where(report_builds.c.day == date(2026, 11, 3))
            .values(is_sealed=True)
        )

    first, second = _fingerprint_after(session, seal)
    assert first != second


def test_nothing_changed_keeps_the_same_fingerprint_and_a_later_day_does_not_count(
    session: Session,
) -> None:
    def build_december(s: Session, _history: object) -> None:
        aggregates.build(s, AFTER + timedelta(days=1), first=date(2026, 12, 10))

    first, second = _fingerprint_after(session, build_december)
    assert first == second


def test_a_period_reaching_days_not_built_is_kept_with_their_raw_rows_and_a_change_there_counts(
    session: Session,
) -> None:
    history = indicator_history.build(session)
    scope = [history.helpline_id]
    aggregates.build(session, AFTER, last=date(2026, 11, 20))
    november = Period.local(*NOVEMBER)
    live = indicator_data.compute(session, november, scope, None, BREAKDOWNS)
    a01 = live.values["A01"]
    assert a01 is not None and isinstance(a01.value, int) and a01.value > 0
    (first,) = _kept(session).values()

    # Nothing changed: served again, though the days from the 21st are read raw each time.
    for table in BY_FAMILY.values():
        session.execute(table.table.delete())
    assert_same(live, indicator_data.compute(session, november, scope, None, BREAKDOWNS))
    assert list(_kept(session).values()) == [first]

    # A request opened on a day not built yet: computed again, and counted.
    make_request(
        session,
        reference="2026-89999",
        helpline_id=history.helpline_id,
        opened_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    )
    again = indicator_data.compute(session, november, scope, None, BREAKDOWNS)
    (second,) = _kept(session).values()
    assert second != first
    new = again.values["A01"]
    # From the wiped tables (the 1st to the 20th) and the raw days: the 21st to the 30th.
    raw = session.scalar(
        select(func.count())
        .select_from(Request)
        .where(
            Request.helpline_id == history.helpline_id,
            Request.opened_at >= datetime(2026, 11, 20, 23, 0, tzinfo=UTC),
            Request.opened_at < november.end,
        )
    )
    assert new is not None and new.value == raw

    # A row of those days changed (the new request closed): computed again.
    session.execute(
        update(Request)
        .where(Request.reference == "2026-89999")
        .values(closed_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    )
    indicator_data.compute(session, november, scope, None, BREAKDOWNS)
    (third,) = _kept(session).values()
    assert third != second


def test_the_clock_asks_the_pages_usual_questions_ahead_and_the_page_finds_them(
    app: Flask, session: Session, clock: Clock
) -> None:
    history = indicator_history.build(session)
    session.commit()
    clock.at = datetime(2028, 1, 10, 9, 0, tzinfo=UTC)
    helplines = list(session.scalars(select(Helpline.id).order_by(Helpline.id)))
    scopes = [[h] for h in helplines] + ([helplines] if len(helplines) > 1 else [])
    job = next(job for job in hooks.registries(app).clock_jobs if job.name == "report_aggregates")
    assert job.seconds == 3600

    # The aggregates' refresh, then the last complete year and its N−1, and the year to date's
    # N−1 (the year to date itself is live), for each helpline and for all of them.
    with app.app_context():
        assert job.run(app_state()) > 400
    session.expire_all()

    kept = session.execute(select(report_snapshots.c.key, report_snapshots.c.computed_at)).all()
    assert len(kept) == 3 * len(scopes)
    assert {at for _, at in kept} == {clock.at}
    year = Period.local(date(2027, 1, 1), date(2027, 12, 31))
    values, before = report_warm.page_values(
        session, year, [history.helpline_id], Filters(), consolidated=False
    )
    a01 = before.values["A01"]  # 2026 beside 2027
    assert a01 is not None and a01.value > 0 and ("A01", "month") in before.breakdowns
    assert ("A03", "month") in values.breakdowns
    # The page's questions were the ones asked: nothing new kept, nothing computed again.
    assert sorted(kept) == sorted(
        session.execute(select(report_snapshots.c.key, report_snapshots.c.computed_at)).all()
    )
    # A second run computes nothing again; snapshots not computed for 35 days are forgotten.
    later = clock.at + timedelta(hours=1)
    assert report_warm.warm(session, later) == len(kept)
    assert sorted(kept) == sorted(
        session.execute(select(report_snapshots.c.key, report_snapshots.c.computed_at)).all()
    )
    report_warm.warm(session, later + timedelta(days=36))
    assert session.scalar(select(func.min(report_snapshots.c.computed_at))) == later + timedelta(
        days=36
    )
