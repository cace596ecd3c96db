"""The escalation plan: on-duty nurses first, then backup, then voicemail; shifts across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.hours import OUT_OF_HOURS, OpeningHours, parse_schedule
from routing.plan import (
    NOBODY_REACHABLE,
    Nurse,
    Rank,
    RoutingPlan,
    Shift,
    build_routing_plan,
    covering_shifts,
    on_duty_nurses,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = OpeningHours(parse_schedule("mon-fri 09:00-12:30,13:30-18:00"))
ALWAYS = OpeningHours(parse_schedule("mon-sun 00:00-24:00"), is_open_on_holidays=True)
TUESDAY_10H = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """An instant given as Paris wall time, returned in UTC like the database gives it."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold).astimezone(UTC)


def rota_shift(
    user_id: int, rank: Rank = "on_duty", *, start_h: int = 8, end_h: int = 19, day: int = 16
) -> Shift:
    """A plan's Shift (a plain value, not the table row tests/factories.py makes), 16 June."""
    return Shift(user_id, paris(2026, 6, day, start_h), paris(2026, 6, day, end_h), rank)


def rota_nurse(
    nurse_id: int,
    *,
    browser: bool = True,
    phone: bool = True,
    is_available: bool = True,
    is_in_console: bool = True,
) -> Nurse:
    """A plan's Nurse (a plain value, not a User row), reachable by browser and phone."""
    return Nurse(
        id=nurse_id,
        display_name=f"Infirmière {nurse_id}",
        browser_identity=f"nurse_{nurse_id}" if browser else None,
        phone=f"+3361234567{nurse_id}" if phone else None,
        is_available=is_available,
        is_in_console=is_in_console,
    )


def rung(plan: RoutingPlan) -> list[list[str]]:
    """The plan as steps of 'kind:address', the shape a reader of a call log thinks in."""
    return [[f"{t.kind}:{t.address}" for t in step] for step in plan.steps()]


def test_on_duty_nurse_browser_and_phone_ring_together_then_backup() -> None:
    plan = build_routing_plan(
        TUESDAY_10H,
        OFFICE,
        [rota_shift(2, "backup"), rota_shift(1)],
        [rota_nurse(1), rota_nurse(2)],
    )
    assert plan.is_open and plan.then_voicemail and plan.reason is None
    assert rung(plan) == [
        ["client:nurse_1", "phone:+33612345671"],
        ["client:nurse_2", "phone:+33612345672"],
    ]
    assert [t.rank for t in plan.targets] == ["on_duty", "on_duty", "backup", "backup"]
    assert {t.ring_timeout_s for t in plan.targets} == {20}


def test_browser_rings_before_phone_when_asked_to_ring_them_apart() -> None:
    plan = build_routing_plan(
        TUESDAY_10H, OFFICE, [rota_shift(1)], [rota_nurse(1)], phone_with_browser=False
    )
    assert rung(plan) == [["client:nurse_1"], ["phone:+33612345671"]]


@pytest.mark.parametrize(
    ("nurse", "expected"),
    [
        pytest.param(rota_nurse(1), [["client:nurse_1", "phone:+33612345671"]], id="both"),
        pytest.param(rota_nurse(1, is_in_console=False), [["phone:+33612345671"]], id="signed-out"),
        pytest.param(rota_nurse(1, phone=False), [["client:nurse_1"]], id="browser-only"),
        pytest.param(rota_nurse(1, browser=False), [["phone:+33612345671"]], id="phone-only"),
        pytest.param(rota_nurse(1, phone=False, is_in_console=False), [], id="unreachable"),
        pytest.param(rota_nurse(1, is_available=False), [], id="unavailable"),
        pytest.param(Nurse(1, "Infirmière 1", phone="06 12 34 56 71"), [], id="phone-not-e164"),
    ],
)
def test_what_rings_for_one_on_duty_nurse(nurse: Nurse, expected: list[list[str]]) -> None:
    plan = build_routing_plan(TUESDAY_10H, OFFICE, [rota_shift(1)], [nurse])
    assert rung(plan) == expected
    assert plan.reason == (None if expected else NOBODY_REACHABLE)
    assert plan.then_voicemail


def test_unavailable_on_duty_nurse_is_skipped_for_the_next_one() -> None:
    nurses = [rota_nurse(1, is_available=False), rota_nurse(2), rota_nurse(3)]
    shifts = [rota_shift(1), rota_shift(2), rota_shift(3, "backup")]
    plan = build_routing_plan(TUESDAY_10H, OFFICE, shifts, nurses)
    assert [step[0].nurse_id for step in plan.steps()] == [2, 3]


def test_backup_rings_only_once_every_on_duty_nurse_is_exhausted() -> None:
    # The backup's shift started earliest and her id is lowest: rank still comes first.
    shifts = [rota_shift(1, "backup", start_h=6), rota_shift(3, start_h=9), rota_shift(2)]
    nurses = [rota_nurse(i) for i in (1, 2, 3)]
    plan = build_routing_plan(
        TUESDAY_10H, OFFICE, shifts, nurses, ring_timeout_s=15, backup_ring_timeout_s=30
    )
    assert [(s[0].nurse_id, s[0].rank, s[0].ring_timeout_s) for s in plan.steps()] == [
        (2, "on_duty", 15),
        (3, "on_duty", 15),
        (1, "backup", 30),
    ]


def test_ties_are_broken_by_shift_start_then_nurse_id() -> None:
    shifts = [rota_shift(9, start_h=8), rota_shift(4, start_h=9), rota_shift(7, start_h=8)]
    assert on_duty_nurses(shifts, TUESDAY_10H) == [7, 9, 4]


def test_a_nurse_on_duty_and_in_backup_rings_once_as_on_duty() -> None:
    shifts = [rota_shift(1, "backup", start_h=6), rota_shift(1, start_h=9), rota_shift(2, "backup")]
    assert [(s.user_id, s.rank) for s in covering_shifts(shifts, TUESDAY_10H)] == [
        (1, "on_duty"),
        (2, "backup"),
    ]
    assert on_duty_nurses(shifts, TUESDAY_10H, rank="backup") == [2]


def test_shift_of_an_unknown_nurse_is_skipped() -> None:
    plan = build_routing_plan(TUESDAY_10H, OFFICE, [rota_shift(5), rota_shift(1)], [rota_nurse(1)])
    assert rung(plan) == [["client:nurse_1", "phone:+33612345671"]]


def test_nobody_on_shift_goes_straight_to_voicemail_while_open() -> None:
    plan = build_routing_plan(TUESDAY_10H, OFFICE, [rota_shift(1, day=15)], [rota_nurse(1)])
    assert plan == RoutingPlan(is_open=True, targets=(), reason=NOBODY_REACHABLE)


@pytest.mark.parametrize(
    ("now", "reason", "opens_at"),
    [
        (paris(2026, 6, 16, 12, 45), OUT_OF_HOURS, paris(2026, 6, 16, 13, 30)),
        (paris(2026, 6, 19, 22, 0), OUT_OF_HOURS, paris(2026, 6, 22, 9, 0)),
        (paris(2026, 7, 14, 10, 0), "Fête nationale", paris(2026, 7, 15, 9, 0)),
    ],
)
def test_out_of_hours_plan_has_no_targets_and_says_why(
    now: datetime, reason: str, opens_at: datetime
) -> None:
    shift = Shift(1, now - timedelta(hours=1), now + timedelta(hours=1))
    plan = build_routing_plan(now, OFFICE, [shift], [rota_nurse(1)])
    assert plan == RoutingPlan(
        is_open=False, targets=(), then_voicemail=True, reason=reason, opens_at=opens_at
    )


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        ((2026, 6, 16, 21, 59), False),
        ((2026, 6, 16, 22, 0), True),
        ((2026, 6, 16, 23, 59), True),
        ((2026, 6, 17, 1, 0), True),
        ((2026, 6, 17, 5, 59), True),
        ((2026, 6, 17, 6, 0), False),
    ],
)
def test_shift_crossing_midnight_covers_0100(local_now: tuple[int, ...], expected: bool) -> None:
    night = Shift(1, paris(2026, 6, 16, 22), paris(2026, 6, 17, 6))
    assert night.covers(paris(*local_now)) is expected
    assert on_duty_nurses([night], paris(*local_now)) == ([1] if expected else [])


@pytest.mark.parametrize(
    ("evening", "inside", "hours_long"),
    [
        # Spring forward (29 March 2026): 02:30 does not exist, 01:30 and 03:30 do.
        ((2026, 3, 28), [(2026, 3, 29, 1, 30, 0), (2026, 3, 29, 3, 30, 0)], 7),
        # Fall back (25 October 2026): 02:30 happens twice, both are covered.
        ((2026, 10, 24), [(2026, 10, 25, 2, 30, 0), (2026, 10, 25, 2, 30, 1)], 9),
    ],
)
def test_night_shift_across_dst_change_covers_the_small_hours(
    evening: tuple[int, int, int], inside: list[tuple[int, ...]], hours_long: int
) -> None:
    morning = (datetime(*evening) + timedelta(days=1)).date()
    night = Shift(
        1, paris(*evening, 22), paris(morning.year, morning.month, morning.day, 6), "on_duty"
    )
    assert night.duration == timedelta(hours=hours_long)
    for *wall, fold in inside:
        now = paris(*wall, fold=fold)
        assert night.covers(now)
        plan = build_routing_plan(now, ALWAYS, [night], [rota_nurse(1)])
        assert [t.nurse_id for t in plan.targets] == [1, 1]


def test_shift_must_be_aware_and_forward() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Shift(1, datetime(2026, 6, 16, 8), datetime(2026, 6, 16, 18))
    with pytest.raises(ValueError, match="ends before it starts"):
        Shift(1, TUESDAY_10H, TUESDAY_10H)
    with pytest.raises(ValueError, match="rank"):
        Shift(1, TUESDAY_10H, TUESDAY_10H + timedelta(hours=1), "chief")  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------------

nurses_st = st.builds(
    rota_nurse,
    st.integers(min_value=1, max_value=6),
    browser=st.booleans(),
    phone=st.booleans(),
    is_available=st.booleans(),
    is_in_console=st.booleans(),
)
shifts_st = st.builds(
    rota_shift,
    st.integers(min_value=1, max_value=8),
    st.sampled_from(["on_duty", "backup"]),
    start_h=st.integers(min_value=0, max_value=10),
    end_h=st.integers(min_value=11, max_value=23),
)


@settings(max_examples=150, deadline=None)
@given(
    shifts=st.lists(shifts_st, max_size=6),
    nurses=st.lists(nurses_st, max_size=6, unique_by=lambda n: n.id),
    phone_with_browser=st.booleans(),
)
def test_plan_rings_each_reachable_nurse_once_on_duty_first(
    shifts: list[Shift], nurses: list[Nurse], phone_with_browser: bool
) -> None:
    plan = build_routing_plan(
        TUESDAY_10H, OFFICE, shifts, nurses, phone_with_browser=phone_with_browser
    )
    ranks = [t.rank for t in plan.targets]
    assert ranks == sorted(ranks, key=["on_duty", "backup"].index)
    available = {n.id for n in nurses if n.is_available}
    assert {t.nurse_id for t in plan.targets} <= available & {s.user_id for s in shifts}
    # A nurse's targets are contiguous: she is one block of the escalation.
    order = [t.nurse_id for t in plan.targets]
    assert order == sorted(order, key=order.index)
    assert all(len({t.nurse_id for t in step}) == 1 for step in plan.steps())
    assert all(
        len({t.kind for t in plan.targets if t.nurse_id == i}) == order.count(i) for i in order
    )
    assert plan.then_voicemail
