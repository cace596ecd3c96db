"""The weekly grid of the hours page gives the schedule today's syntax gives (property tests)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.hours import (
    DAY_CODES,
    OpeningHours,
    ScheduleError,
    format_schedule,
    open_periods,
    parse_schedule,
)
from routing.hours_grid import grid_of_schedule, month_days, schedule_of_grid, with_spare_rows

WEEK = date(2026, 3, 23)  # a Monday; the week after holds the spring daylight-saving change


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def days(draw: st.DrawFn) -> list[tuple[int, int]]:
    """A day's ranges in minutes: increasing, apart, the last one maybe ending the next day."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 1439), min_size=2 * count, max_size=2 * count)))
    ranges = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    if ranges and draw(st.booleans()):  # a night range: ends at or before its start
        start = ranges[-1][0]
        ranges[-1] = (start, draw(st.integers(0, start - 1)) if start else 0)
    return ranges


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[list[tuple[str, str]]], str]:
    """A grid as a page posts it (rows in any order, blank spare rows) and the same week
    written in today's syntax, day by day."""
    grid: list[list[tuple[str, str]]] = []
    parts: list[str] = []
    for code in DAY_CODES:
        ranges = draw(days())
        rows = [
            (_hhmm(s), "24:00" if e == 0 and draw(st.booleans()) else _hhmm(e)) for s, e in ranges
        ]
        rows += [("", "")] * draw(st.integers(0, 2))
        grid.append(draw(st.permutations(rows)))
        texts = [f"{_hhmm(s)}-{'24:00' if e == 0 else _hhmm(e)}" for s, e in ranges]
        parts.append(f"{code} {','.join(texts) if texts else 'closed'}")
    return grid, "; ".join(parts)


@settings(deadline=None)
@given(grids())
def test_a_grid_gives_the_schedule_of_the_same_week_written_in_the_syntax(
    case: tuple[list[list[tuple[str, str]]], str],
) -> None:
    grid, text = case
    from_grid, from_text = schedule_of_grid(grid), parse_schedule(text)
    assert from_grid == from_text
    assert format_schedule(from_grid) == format_schedule(from_text)
    for first in (WEEK, WEEK + timedelta(days=7)):
        last = first + timedelta(days=6)
        assert open_periods(OpeningHours(from_grid), first, last) == open_periods(
            OpeningHours(from_text), first, last
        )


@settings(deadline=None)
@given(grids())
def test_a_schedule_shown_as_a_grid_reads_back_the_same(
    case: tuple[list[list[tuple[str, str]]], str],
) -> None:
    schedule = parse_schedule(case[1])
    assert schedule_of_grid(with_spare_rows(grid_of_schedule(schedule), 2)) == schedule


@pytest.mark.parametrize(
    ("rows", "msgid"),
    [
        ([("09:00", "")], "{day}, plage {row} : indiquez l'heure de début et l'heure de fin"),
        ([("9h", "18:00")], "{day}, plage {row} : heure « {time} » illisible (de 00:00 à 23:59)"),
        ([("09:00", "09:00")], "{day}, plage {row} : le début et la fin sont la même heure"),
        (
            [("09:00", "12:30"), ("12:00", "14:00")],
            "{day} : les plages {first} et {second} se chevauchent",
        ),
    ],
)
def test_a_grid_mistake_names_the_day_and_the_row_in_french(
    rows: list[tuple[str, str]], msgid: str
) -> None:
    with pytest.raises(ScheduleError) as raised:
        schedule_of_grid([[], rows, [], [], [], [], []])
    assert raised.value.msgid == msgid
    assert str(raised.value.values["day"]) == "Mardi"


def test_the_month_shows_holidays_of_the_subdivision_closures_and_open_hours() -> None:
    schedule = parse_schedule("mon-fri 09:00-18:00; sat 09:00-12:00")
    hours = OpeningHours(schedule, holiday_subdiv="57")
    weeks = month_days(hours, 2026, 12)
    by_day = {d.day: d for week in weeks for d in week if d is not None}
    assert len(by_day) == 31 and weeks[0][0] is None  # 1 December 2026 is a Tuesday
    assert by_day[date(2026, 12, 25)].holiday == "Noël"
    assert by_day[date(2026, 12, 26)].holiday == "Saint-Étienne"  # Moselle's extra day
    assert by_day[date(2026, 12, 26)].open_hours == ()
    assert by_day[date(2026, 12, 24)].open_hours == ("09:00–18:00",)
    assert OpeningHours(schedule).holiday_name(date(2026, 12, 26)) is None
