"""Pure conversions for the opening hours' admin page: a weekly grid (each weekday, several
ranges typed as two times) to and from the stored schedule, and a month of days with their
holidays, closures and open hours.

Rules of the grid:

- A row is a pair of times as ``<input type="time">`` sends them ("09:00", "18:30"); a row with
  both times empty is ignored (the page's spare rows), a row with one of them empty is refused.
- An end at or before its start ends on the next day (a night service); "00:00" or "24:00" as an
  end is midnight; "00:00"-"00:00" is the whole day (the syntax's 00:00-24:00).
- The grid gives exactly the schedule the compact syntax would (``parse_schedule``); mistakes
  are ``ScheduleError`` naming the day and the row, in French (translated where shown).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hotline.refusals import N_, Refusal
from routing.hours import (
    DAY_CODES,
    DAY_LABELS,
    OpeningHours,
    ScheduleError,
    TimeRange,
    WeeklySchedule,
    open_periods,
)

Row = tuple[str, str]
Grid = tuple[tuple[Row, ...], ...]
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_MIDNIGHT = time(0)


def _time(text: str, weekday: int, row: int, *, is_end: bool) -> time:
    match = _TIME.fullmatch(text.strip())
    hour, minute = (int(match[1]), int(match[2])) if match else (99, 99)
    if is_end and (hour, minute) == (24, 0):
        return _MIDNIGHT
    if hour > 23 or minute > 59:
        raise ScheduleError(
            f"invalid time {text!r} on {DAY_CODES[weekday]}, range {row}",
            N_("{day}, plage {row} : heure « {time} » illisible (de 00:00 à 23:59)"),
            day=Refusal(DAY_LABELS[weekday]),
            row=row,
            time=text.strip(),
        )
    return time(hour, minute)


def _range(start: str, end: str, weekday: int, row: int) -> TimeRange:
    if not start.strip() or not end.strip():
        raise ScheduleError(
            f"range {row} of {DAY_CODES[weekday]} lacks a time",
            N_("{day}, plage {row} : indiquez l'heure de début et l'heure de fin"),
            day=Refusal(DAY_LABELS[weekday]),
            row=row,
        )
    opens = _time(start, weekday, row, is_end=False)
    closes = _time(end, weekday, row, is_end=True)
    if opens == closes and opens != _MIDNIGHT:
        raise ScheduleError(
            f"range {row} of {DAY_CODES[weekday]} is empty",
            N_("{day}, plage {row} : le début et la fin sont la même heure"),
            day=Refusal(DAY_LABELS[weekday]),
            row=row,
        )
    return TimeRange(opens, closes)


def schedule_of_grid(grid: Sequence[Sequence[Row]]) -> WeeklySchedule:
    """The weekly schedule a grid of seven days of (start, end) rows describes."""
    if len(grid) != 7:
        raise ValueError(f"a weekly grid has 7 days, got {len(grid)}")
    days = tuple(
        tuple(
            _range(start, end, weekday, number)
            for number, (start, end) in enumerate(rows, start=1)
            if start.strip() or end.strip()
        )
        for weekday, rows in enumerate(grid)
    )
    return WeeklySchedule(days)  # sorts each day's ranges; overlapping ones are refused


def grid_of_schedule(schedule: WeeklySchedule) -> Grid:
    """The grid showing a schedule: each range as two "HH:MM" times (midnight as "00:00")."""
    return tuple(
        tuple((f"{r.start:%H:%M}", f"{r.end:%H:%M}") for r in ranges) for ranges in schedule.days
    )


def with_spare_rows(grid: Grid, spare: int = 1) -> Grid:
    """The grid with ``spare`` empty rows after each day's ranges (to add one without script)."""
    return tuple((*rows, *((("", ""),) * spare)) for rows in grid)


@dataclass(frozen=True)
class CalendarDay:
    """One day of the month view: its holiday, its closures and the hours it is open."""

    day: date
    holiday: str | None
    is_holiday_closed: bool
    closures: tuple[str, ...]
    open_hours: tuple[str, ...]  # "09:00–12:30", local times of the periods starting that day

    @property
    def is_closed_all_day(self) -> bool:
        """No open period starts on this day."""
        return not self.open_hours


def month_days(hours: OpeningHours, year: int, month: int) -> list[list[CalendarDay | None]]:
    """The month as weeks (Monday first) of days; None pads the first and last weeks."""
    tz = hours.tz
    weeks: list[list[CalendarDay | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row: list[CalendarDay | None] = []
        for day in week:
            if day.month != month:
                row.append(None)
                continue
            day_start = datetime.combine(day, _MIDNIGHT, tzinfo=tz)
            day_end = datetime.combine(day + timedelta(days=1), _MIDNIGHT, tzinfo=tz)
            closures = tuple(
                c.label for c in hours.closures if c.starts_at < day_end and c.ends_at > day_start
            )
            holiday = hours.holiday_name(day)
            row.append(
                CalendarDay(
                    day=day,
                    holiday=holiday,
                    is_holiday_closed=holiday is not None and not hours.is_open_on_holidays,
                    closures=closures,
                    open_hours=tuple(_open_hours(hours, day)),
                )
            )
        weeks.append(row)
    return weeks


def _open_hours(hours: OpeningHours, day: date) -> list[str]:
    """The open periods starting on a local day, as "09:00–12:30" ("24:00" for midnight)."""
    tz = hours.tz
    shown = []
    for start, end in open_periods(hours, day, day):
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        if local_start.date() != day:
            continue
        next_midnight = local_end.date() > day and local_end.time() == _MIDNIGHT
        shown.append(f"{local_start:%H:%M}–{'24:00' if next_midnight else f'{local_end:%H:%M}'}")
    return shown
