"""The resolved rota: patterns, exceptions and extra shifts, in the helpline's time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.plan import Shift
from routing.rota_rules import (
    Pattern,
    ResolvedShift,
    RotaException,
    local_day_bounds,
    merge,
    resolve_rota,
    uncovered,
)

PARIS = "Europe/Paris"
TZ = ZoneInfo(PARIS)
AMELIE, PAUL, CLAIRE = 1, 2, 3


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall time as an aware instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def week_pattern(**changes: object) -> Pattern:
    values: dict[str, object] = {
        "id": 1,
        "user_id": AMELIE,
        "rank": "on_duty",
        "weekdays": frozenset({0, 1, 2}),
        "starts": time(9),
        "ends": time(17),
        "first_day": date(2026, 11, 23),
    }
    values.update(changes)
    return Pattern(**values)  # type: ignore[arg-type]


MONDAY = date(2026, 11, 23)


def resolve(
    patterns: list[Pattern],
    exceptions: list[RotaException] | None = None,
    extras: list[tuple[int, Shift]] | None = None,
    first: date = MONDAY,
    days: int = 7,
) -> list[ResolvedShift]:
    start, end = local_day_bounds(first, first + timedelta(days=days - 1), TZ)
    return resolve_rota(patterns, exceptions or [], extras or [], start, end, PARIS)


def test_a_monday_to_wednesday_pattern_gives_three_days_of_nine_to_five() -> None:
    found = resolve([week_pattern()])
    assert [(s.starts_at.astimezone(TZ), s.ends_at.astimezone(TZ)) for s in found] == [
        (at(MONDAY + timedelta(days=d), 9), at(MONDAY + timedelta(days=d), 17)) for d in range(3)
    ]
    assert {s.user_id for s in found} == {AMELIE}
    assert {s.source for s in found} == {"pattern"}


def test_an_absence_on_tuesday_removes_tuesday_only() -> None:
    tuesday = MONDAY + timedelta(days=1)
    absence = RotaException(7, "absence", AMELIE, tuesday, tuesday)
    found = resolve([week_pattern()], [absence])
    assert [s.starts_at.astimezone(TZ).date() for s in found] == [MONDAY, MONDAY + timedelta(2)]


def test_a_swap_gives_the_days_shift_to_the_colleague_at_the_same_rank() -> None:
    tuesday = MONDAY + timedelta(days=1)
    swap = RotaException(8, "swap", AMELIE, tuesday, tuesday, replacement_id=PAUL)
    found = resolve([week_pattern()], [swap])
    assert [(s.user_id, s.starts_at.astimezone(TZ).date()) for s in found] == [
        (AMELIE, MONDAY),
        (PAUL, tuesday),
        (AMELIE, MONDAY + timedelta(2)),
    ]
    assert found[1].rank == "on_duty" and found[1].swapped_from == AMELIE


def test_the_replacement_absent_on_a_swapped_day_leaves_it_uncovered() -> None:
    tuesday = MONDAY + timedelta(days=1)
    swap = RotaException(8, "swap", AMELIE, tuesday, tuesday, replacement_id=PAUL)
    absent = RotaException(9, "absence", PAUL, tuesday, tuesday)
    found = resolve([week_pattern()], [absent, swap])
    assert [s.starts_at.astimezone(TZ).date() for s in found] == [MONDAY, MONDAY + timedelta(2)]


def test_every_other_week_skips_the_second_week() -> None:
    pattern = week_pattern(weekdays=frozenset({4}), every_weeks=2)
    found = resolve([pattern], days=28)
    assert [s.starts_at.astimezone(TZ).date() for s in found] == [
        date(2026, 11, 27),
        date(2026, 12, 11),
    ]


def test_a_night_crosses_midnight_and_an_absence_cuts_it_at_local_midnight() -> None:
    night = week_pattern(weekdays=frozenset({0}), starts=time(20), ends=time(8))
    tuesday = MONDAY + timedelta(days=1)
    assert [(s.starts_at, s.ends_at) for s in resolve([night])] == [
        (at(MONDAY, 20), at(tuesday, 8))
    ]
    cut = resolve([night], [RotaException(3, "absence", AMELIE, tuesday, tuesday)])
    assert [(s.starts_at, s.ends_at) for s in cut] == [(at(MONDAY, 20), at(tuesday, 0))]


def test_a_night_on_the_autumn_change_lasts_thirteen_hours_and_a_day_shift_eight() -> None:
    saturday = date(2026, 10, 24)  # clocks go back in the night of Saturday to Sunday
    night = week_pattern(weekdays=frozenset({5}), starts=time(20), ends=time(8), first_day=saturday)
    day = week_pattern(id=2, weekdays=frozenset({6}), first_day=saturday)
    found = resolve([night, day], first=saturday, days=2)
    assert [s.ends_at - s.starts_at for s in found] == [timedelta(hours=13), timedelta(hours=8)]


def test_the_pattern_ends_on_its_last_day_and_starts_on_its_first() -> None:
    pattern = week_pattern(first_day=MONDAY + timedelta(1), last_day=MONDAY + timedelta(7))
    found = resolve([pattern], days=14)
    assert [s.starts_at.astimezone(TZ).date() for s in found] == [
        MONDAY + timedelta(1),
        MONDAY + timedelta(2),
        MONDAY + timedelta(7),
    ]


def test_extra_shifts_are_kept_and_an_absence_wins_over_them_too() -> None:
    extra = Shift(PAUL, at(MONDAY, 18).astimezone(UTC), at(MONDAY, 22).astimezone(UTC), "backup")
    found = resolve([], extras=[(5, extra)])
    assert [(s.user_id, s.source, s.source_id, s.rank) for s in found] == [
        (PAUL, "extra", 5, "backup")
    ]
    assert resolve([], [RotaException(1, "absence", PAUL, MONDAY, MONDAY)], [(5, extra)]) == []


def test_the_holes_are_the_open_hours_with_nobody_on_duty() -> None:
    shifts = resolve([week_pattern()], days=1)
    opening = [(at(MONDAY, 8).astimezone(UTC), at(MONDAY, 18).astimezone(UTC))]
    start, end = local_day_bounds(MONDAY, MONDAY, TZ)
    assert uncovered(opening, shifts, start, end) == [
        (at(MONDAY, 8).astimezone(UTC), at(MONDAY, 9).astimezone(UTC)),
        (at(MONDAY, 17).astimezone(UTC), at(MONDAY, 18).astimezone(UTC)),
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"weekdays": frozenset()}, "weekdays"),
        ({"every_weeks": 3}, "every week"),
        ({"last_day": date(2026, 11, 1)}, "ends before"),
        ({"rank": "chief"}, "rank"),
    ],
)
def test_an_impossible_pattern_is_refused(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        week_pattern(**changes)


# --- properties -------------------------------------------------------------------------------

# Days around each daylight-saving change, so that patterns, exceptions and windows meet.
days = st.sampled_from([date(2026, 3, 9), date(2026, 10, 5)]).flatmap(
    lambda base: st.integers(0, 35).map(lambda n: base + timedelta(days=n))
)
quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
nurses = st.sampled_from([AMELIE, PAUL, CLAIRE])


@st.composite
def patterns(draw: st.DrawFn, pattern_id: int = 1) -> Pattern:
    first = draw(days)
    starts, ends = draw(quarter_hours), draw(quarter_hours)
    if starts == ends:
        ends = time(0) if starts == time(0) else time((starts.hour + 1) % 24, starts.minute)
    last = draw(st.none() | st.integers(0, 60).map(lambda n: first + timedelta(days=n)))
    return Pattern(
        pattern_id,
        draw(nurses),
        draw(st.sampled_from(["on_duty", "backup"])),
        frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        starts,
        ends,
        first,
        last,
        draw(st.sampled_from([1, 2])),
    )


@st.composite
def exceptions(draw: st.DrawFn, exception_id: int = 1) -> RotaException:
    first = draw(days)
    kind = draw(st.sampled_from(["absence", "swap"]))
    user = draw(nurses)
    replacement = draw(nurses.filter(lambda n: n != user)) if kind == "swap" else None
    return RotaException(
        exception_id,
        kind,
        user,
        first,
        first + timedelta(days=draw(st.integers(0, 10))),
        replacement,
    )


pattern_lists = st.lists(patterns(), max_size=4).map(
    lambda ps: [replace(p, id=i) for i, p in enumerate(ps)]
)
exception_lists = st.lists(exceptions(), max_size=4)


def window(first: date, length: int) -> tuple[datetime, datetime]:
    return local_day_bounds(first, first + timedelta(days=length - 1), TZ)


def coverage(
    shifts: list[ResolvedShift], user: int | None = None
) -> list[tuple[datetime, datetime]]:
    return merge((s.starts_at, s.ends_at) for s in shifts if user is None or s.user_id == user)


@settings(max_examples=150, deadline=None)
@given(ps=pattern_lists, first=days, length=st.integers(1, 21))
def test_each_occurrence_starts_at_the_patterns_wall_time_on_one_of_its_weekdays(
    ps: list[Pattern], first: date, length: int
) -> None:
    start, end = window(first, length)
    by_id = {p.id: p for p in ps}
    for shift in resolve_rota(ps, [], [], start, end, PARIS):
        pattern = by_id[shift.source_id]
        assert shift.starts_at < shift.ends_at and shift.starts_at < end and shift.ends_at > start
        local = shift.starts_at.astimezone(TZ)
        # The start is the pattern's wall time, unless it fell in the spring-forward gap.
        gap = datetime.combine(local.date(), pattern.starts, tzinfo=TZ).astimezone(UTC)
        assert local.time() == pattern.starts or gap.astimezone(TZ).time() != pattern.starts
        day = local.date()
        assert day.weekday() in pattern.weekdays and pattern.first_day <= day
        assert pattern.last_day is None or day <= pattern.last_day
        weeks = (day - timedelta(days=day.weekday())).toordinal() // 7
        first_weeks = (pattern.first_day - timedelta(days=pattern.first_day.weekday())).toordinal()
        assert (weeks - first_weeks // 7) % pattern.every_weeks == 0
        # Elapsed time is the wall-clock length, give or take the hour of a change.
        wall = (
            datetime.combine(date(2000, 1, 3), pattern.ends)
            - datetime.combine(date(2000, 1, 3), pattern.starts)
        ) % timedelta(days=1) or timedelta(days=1)
        assert abs(shift.ends_at - shift.starts_at - wall) <= timedelta(hours=1)


@settings(max_examples=150, deadline=None)
@given(ps=pattern_lists, es=exception_lists, first=days, length=st.integers(1, 21))
def test_nobody_is_on_the_rota_in_her_absence_and_a_swap_moves_time_without_losing_it(
    ps: list[Pattern], es: list[RotaException], first: date, length: int
) -> None:
    start, end = window(first, length)
    found = resolve_rota(ps, es, [], start, end, PARIS)
    for exception in es:
        if exception.kind == "absence":
            a_start, a_end = local_day_bounds(exception.first_day, exception.last_day, TZ)
            for s in found:
                if s.user_id == exception.user_id:
                    assert s.ends_at <= a_start or s.starts_at >= a_end
    swaps = [e for e in es if e.kind == "swap"]
    absences = [e for e in es if e.kind == "absence"]
    if not absences:
        # Swaps move shifts between nurses: the time covered by somebody stays the same.
        assert coverage(found) == coverage(resolve_rota(ps, [], [], start, end, PARIS))
    if not swaps:
        # An absence touches nobody else.
        absent = {e.user_id for e in absences}
        plain = resolve_rota(ps, [], [], start, end, PARIS)
        for user in {AMELIE, PAUL, CLAIRE} - absent:
            assert coverage(found, user) == coverage(plain, user)


@settings(max_examples=100, deadline=None)
@given(ps=pattern_lists, es=exception_lists, first=days, split=st.integers(1, 13))
def test_two_windows_side_by_side_resolve_as_the_whole(
    ps: list[Pattern], es: list[RotaException], first: date, split: int
) -> None:
    start, end = window(first, 14)
    middle, _ = window(first + timedelta(days=split), 1)
    whole = resolve_rota(ps, es, [], start, end, PARIS)
    halves = resolve_rota(ps, es, [], start, middle, PARIS) + resolve_rota(
        ps, es, [], middle, end, PARIS
    )
    assert set(whole) == set(halves)


@settings(max_examples=100, deadline=None)
@given(
    ps=pattern_lists, es=exception_lists, first=days, opening=st.lists(quarter_hours, max_size=4)
)
def test_a_hole_has_nobody_on_duty_and_every_open_minute_is_a_hole_or_covered(
    ps: list[Pattern], es: list[RotaException], first: date, opening: list[time]
) -> None:
    start, end = window(first, 3)
    found = resolve_rota(ps, es, [], start, end, PARIS)
    bounds = sorted(datetime.combine(first, t, tzinfo=TZ).astimezone(UTC) for t in opening)
    periods = list(zip(bounds[::2], bounds[1::2], strict=False))
    periods = [(a, b) for a, b in periods if a < b]
    holes = uncovered(periods, found, start, end)
    on_duty = coverage([s for s in found if s.rank == "on_duty"])
    for h_start, h_end in holes:
        assert h_start < h_end
        assert all(c_end <= h_start or c_start >= h_end for c_start, c_end in on_duty)
    open_time = sum((b - a for a, b in merge(periods)), timedelta())
    hole_time = sum((b - a for a, b in holes), timedelta())
    covered_open = sum(
        (
            max(timedelta(), min(b, c_end) - max(a, c_start))
            for a, b in merge(periods)
            for c_start, c_end in on_duty
        ),
        timedelta(),
    )
    assert hole_time + covered_open == open_time
