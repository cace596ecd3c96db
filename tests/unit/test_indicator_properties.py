"""Property tests of the registry: a count's months add up to its year, and an additive
indicator's breakdown values add up to its total, whatever the history."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.indicator_facts import (
    PARIS,
    CallbackFact,
    CallFact,
    Facts,
    Interval,
    Keys,
    LedgerFact,
    Period,
    ProfessionalFact,
    QueueFact,
    RequestFact,
    SessionFact,
)
from reports.indicators import REGISTRY, Value, breakdown

YEAR = Period.local(date(2026, 1, 1), date(2026, 12, 31))
SPAN_S = int((YEAR.end - YEAR.start).total_seconds())
ADDITIVE = sorted(i.id for i in REGISTRY.values() if i.additive)
# Counts whose months add up to the year (a flow counted at its start, not a stock).
MONTHLY = sorted(i for i in ADDITIVE if "month" in REGISTRY[i].breakdowns)

instants = st.integers(0, SPAN_S - 1).map(lambda s: YEAR.start + timedelta(seconds=s))
keys = st.builds(
    Keys,
    helpline=st.sampled_from([1, 2]),
    category=st.sampled_from(["complex", "rights", None]),
    profession=st.sampled_from(["gp", "midwife", None]),
    territory=st.sampled_from(["Toulouse", "Muret", None]),
    language=st.sampled_from(["ar", "prs", None]),
    provider=st.sampled_from(["1", "2", None]),
    structure=st.sampled_from(["msp", None]),
)
seconds = st.integers(0, 4000).map(lambda s: timedelta(seconds=s))
maybe_later = st.one_of(st.none(), seconds)


def _after(at: datetime, delay: timedelta | None) -> datetime | None:
    return None if delay is None else at + delay


@st.composite
def requests(draw: st.DrawFn, ident: int) -> RequestFact:
    opened = draw(instants)
    return RequestFact(
        id=ident,
        reference=f"2026-{ident:05d}",
        keys=draw(keys),
        opened_at=opened,
        closed_at=_after(opened, draw(maybe_later)),
        channel=draw(st.sampled_from(["phone", "email"])),
        outcome=draw(st.sampled_from(["answered", None])),
        professional_id=draw(st.sampled_from([1, 2, 3, None])),
        insee_code=draw(st.sampled_from(["31555", None])),
        menu_choice=draw(st.sampled_from(["nurse", "interpreter", None])),
        has_gp_inbound=draw(st.booleans()),
        nurse_answered=draw(st.booleans()),
        has_connected_session=draw(st.booleans()),
        has_callback=draw(st.booleans()),
        has_voicemail=draw(st.booleans()),
    )


@st.composite
def histories(draw: st.DrawFn) -> Facts:
    n = draw(st.integers(0, 12))
    rows = [draw(requests(i + 1)) for i in range(n)]
    calls = draw(
        st.lists(
            st.builds(
                CallFact,
                request_id=st.none(),
                keys=keys,
                role=st.sampled_from(["gp", "nurse", "interpreter"]),
                direction=st.sampled_from(["inbound", "outbound-api"]),
                started_at=instants,
                status=st.sampled_from(["completed", "failed"]),
                price=st.one_of(st.none(), st.decimals("0", "1", places=2)),
            ),
            max_size=10,
        )
    )
    queues = draw(
        st.lists(
            st.builds(
                lambda k, at, wait, status, answered: QueueFact(
                    1, k, at, status, at + wait if answered else None, at + wait
                ),
                keys,
                instants,
                seconds,
                st.sampled_from(["connected", "abandoned", "voicemail"]),
                st.booleans(),
            ),
            max_size=10,
        )
    )
    sessions = draw(
        st.lists(
            st.builds(
                lambda i, k, at, delay, length, by, kind: SessionFact(
                    i,
                    1,
                    k,
                    at,
                    by,
                    "ended" if delay else "no_interpreter",
                    connected_at=_after(at, delay),
                    ended_at=_after(at, delay and delay + length),
                    provider_kind=kind,
                    is_pool_language=k.language == "ar",
                ),
                st.integers(1, 10**6),
                keys,
                instants,
                maybe_later,
                seconds,
                st.sampled_from(["gp", "nurse"]),
                st.sampled_from(["individual", "agency"]),
            ),
            max_size=10,
        )
    )
    callbacks = draw(
        st.lists(
            st.builds(
                lambda i, k, at, due, reason, outcome: CallbackFact(
                    i, 1, k, reason, at, at + due, "done", 1, follow_up_outcome=outcome
                ),
                st.integers(1, 10**6),
                keys,
                instants,
                seconds,
                st.sampled_from(["voicemail", "follow_up", "requested"]),
                st.sampled_from(["improved", None]),
            ),
            max_size=10,
        )
    )
    ledger = draw(
        st.lists(
            st.builds(
                lambda i, k, at, amount, kind, surcharge: LedgerFact(
                    i, k, kind, at, amount, 60, 120, surcharge
                ),
                st.integers(1, 10**6),
                keys,
                instants,
                st.decimals("-50", "100", places=2),
                st.sampled_from(["charge", "adjustment"]),
                st.decimals("0", "5", places=2),
            ),
            max_size=10,
        )
    )
    professionals = draw(
        st.lists(
            st.builds(
                lambda i, k, first: ProfessionalFact(i, k, True, YEAR.start, first),
                st.integers(1, 10**6),
                keys,
                st.one_of(st.none(), instants),
            ),
            max_size=6,
        )
    )
    opening = (Interval(1, YEAR.start + timedelta(days=30), YEAR.start + timedelta(days=200)),)
    return Facts(
        requests=tuple(rows),
        calls=tuple(calls),
        queues=tuple(queues),
        sessions=tuple(sessions),
        callbacks=tuple(callbacks),
        ledger=tuple(ledger),
        professionals=tuple(professionals),
        opening=opening,
    )


def _total(values: list[Value]) -> Decimal | float:
    figures = [v.value for v in values]
    assert all(f is not None for f in figures)
    if any(isinstance(f, Decimal) for f in figures):
        return sum((Decimal(f) for f in figures if f is not None), Decimal("0"))
    return sum(float(f) for f in figures if f is not None)


def _same(left: Decimal | float, right: object) -> bool:
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return Decimal(str(left)) == Decimal(str(right))  # money: exact, no empty-sum float
    assert isinstance(right, int | float)
    return left == pytest.approx(float(right))


def test_the_properties_cover_counts_of_every_group() -> None:
    assert {i[0] for i in MONTHLY} == set("ABCDEF")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_months_of_a_count_add_up_to_its_year(facts: Facts) -> None:
    for indicator_id in MONTHLY:
        indicator = REGISTRY[indicator_id]
        assert indicator.compute is not None
        year = indicator.compute(facts, YEAR).value
        months = breakdown(indicator_id, facts, YEAR, "month")
        assert len(months) == 12
        assert _same(_total(list(months.values())), year), indicator_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_breakdown_values_of_an_additive_indicator_add_up_to_its_total(facts: Facts) -> None:
    for indicator_id in ADDITIVE:
        indicator = REGISTRY[indicator_id]
        assert indicator.compute is not None
        total = indicator.compute(facts, YEAR).value
        for key in indicator.breakdowns:
            if key == "month":
                continue
            parts = breakdown(indicator_id, facts, YEAR, key)
            assert _same(_total(list(parts.values())), total), (indicator_id, key)


def test_a_rate_is_not_additive_its_parts_do_not_add_up() -> None:
    # Two helplines answering 1/1 and 0/1: the total rate is 1/2, not 1/1 + 0/1.
    at = YEAR.start + timedelta(days=40)
    queues = (
        QueueFact(1, Keys(helpline=1), at, "connected", at + timedelta(seconds=10), at),
        QueueFact(2, Keys(helpline=2), at, "abandoned", None, at + timedelta(seconds=30)),
    )
    facts = Facts(queues=queues)
    parts = breakdown("B02", facts, YEAR, "helpline")
    assert {k: v.value for k, v in parts.items()} == {"1": 1.0, "2": 0.0}
    assert REGISTRY["B02"].compute(facts, YEAR).value == 0.5  # type: ignore[misc]
    assert not REGISTRY["B02"].additive


def _close(left: Value, right: Value) -> bool:
    """The same figures (floats to rounding: the rows may be summed in another order)."""
    if left.items != right.items or set(left.extra) != set(right.extra):
        return False
    pairs = [(left.value, right.value)] + [(left.extra[k], right.extra[k]) for k in left.extra]
    for a, b in pairs:
        if a is None or b is None:
            if a is not b:
                return False
        elif a != pytest.approx(b):
            return False
    return True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_month_computed_on_its_own_rows_is_the_month_computed_on_the_whole_year(
    facts: Facts,
) -> None:
    # Monthly breakdowns compute each month on ``facts.within(month)`` (the rows the loaders
    # give for that month), not on the whole period's rows: every indicator must agree.
    for indicator in REGISTRY.values():
        if indicator.compute is None or "month" not in indicator.breakdowns:
            continue
        months = breakdown(indicator.id, facts, YEAR, "month")
        for month in YEAR.months():
            label = f"{month.start.astimezone(PARIS).year:04d}-"
            label += f"{month.start.astimezone(PARIS).month:02d}"
            whole = indicator.compute(facts, month)
            assert _close(months[label], whole), (indicator.id, label, months[label], whole)
