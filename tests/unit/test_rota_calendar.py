"""The rota's calendar: bars placed on the local day, holes and opening hours read day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from routing.rota_calendar import calendar_days
from routing.rota_rules import ResolvedShift

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


def test_a_bar_sits_under_its_hours_on_the_25_hour_day_of_the_autumn_change() -> None:
    sunday = date(2026, 10, 25)
    shift = ResolvedShift(1, at(sunday, 9), at(sunday, 17), "on_duty", "pattern", 4)
    [day] = calendar_days(sunday, 1, "Europe/Paris", [], [shift], [], {1: "Amélie Roux"})
    [bar] = day.shifts
    # 09:00 is 10 hours into a 25-hour day; the shift lasts 8 of them.
    assert (bar.left, bar.width) == (40.0, 32.0)
    assert (bar.starts, bar.ends, bar.nurse, bar.kind) == (
        "09:00",
        "17:00",
        "Amélie Roux",
        "on_duty",
    )


def test_a_night_shows_on_both_days_with_its_bounds_and_a_long_hole_day_by_day() -> None:
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    night = ResolvedShift(2, at(monday, 20), at(tuesday, 8), "backup", "extra", 9)
    hole = (at(monday, 8), at(date(2026, 11, 26), 8))
    days = calendar_days(monday, 2, "Europe/Paris", [hole], [night], [hole], {2: "Paul Girard"})
    assert [(b.starts, b.ends) for d in days for b in d.shifts] == [
        ("20:00", "24/11 08:00"),
        ("23/11 20:00", "08:00"),
    ]
    assert [(b.starts, b.ends) for d in days for b in d.holes] == [
        ("08:00", "24:00"),
        ("00:00", "24:00"),
    ]
    assert [(b.left, b.width) for b in days[1].opening] == [(0.0, 100.0)]
