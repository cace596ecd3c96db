"""The rota's calendar as the admin reads it: local days, each with its opening hours, the nurses'
shifts and the holes, as text and as bars placed on the day (pure: no Flask, no database).

A bar's ``left`` and ``width`` are percentages of the local day's elapsed time (23 h or 25 h on a
daylight-saving change), so a bar always sits under the hours its text says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from routing.rota_rules import Interval, ResolvedShift

BarKind = Literal["open", "on_duty", "backup", "hole"]


@dataclass(frozen=True)
class Bar:
    """A stretch of one local day: its bounds as read that day and its place on the day's line."""

    kind: BarKind
    starts: str  # "08:00", or "23/11 20:00" when it started the day before
    ends: str  # "17:00", "24:00", or "25/11 08:00" when it ends another day
    left: float
    width: float
    nurse: str = ""
    nurse_id: int | None = None
    source: str = ""  # pattern | extra, for a shift
    source_id: int | None = None
    swapped_from: str = ""  # who the shift was, when a swap gave it


@dataclass(frozen=True)
class CalendarDay:
    """One local day of the calendar."""

    day: date
    opening: tuple[Bar, ...]
    shifts: tuple[Bar, ...]
    holes: tuple[Bar, ...]

    @property
    def is_open(self) -> bool:
        """Whether the helpline opens at all that day."""
        return bool(self.opening)


def clock(moment: datetime, day: date) -> str:
    """A bound as read on one day: "08:00", "24:00", or "24/11 08:00" on another day."""
    if moment.date() == day:
        return moment.strftime("%H:%M")
    if moment.date() == day + timedelta(days=1) and moment.time() == time(0):
        return "24:00"
    return moment.strftime("%d/%m %H:%M")


def _bar(
    kind: BarKind, start: datetime, end: datetime, day: date, tz: ZoneInfo, **more: object
) -> Bar:
    day_start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    length = (day_end - day_start).total_seconds()
    left = (max(start, day_start) - day_start).total_seconds() / length * 100
    right = (min(end, day_end) - day_start).total_seconds() / length * 100
    return Bar(
        kind,
        clock(start.astimezone(tz), day),
        clock(end.astimezone(tz), day),
        round(left, 2),
        round(right - left, 2),
        **more,  # type: ignore[arg-type]
    )


def _on(day: date, tz: ZoneInfo, start: datetime, end: datetime) -> bool:
    day_start = datetime.combine(day, time(0), tzinfo=tz)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start < day_end and end > day_start


def _within(day: date, tz: ZoneInfo, start: datetime, end: datetime) -> Interval:
    day_start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return max(start, day_start), min(end, day_end)


def calendar_days(
    first: date,
    count: int,
    tz_name: str,
    opening: Iterable[Interval],
    shifts: Iterable[ResolvedShift],
    holes: Iterable[Interval],
    names: Mapping[int, str],
) -> list[CalendarDay]:
    """``count`` local days from ``first``; a shift over midnight shows on both its days, with
    its own bounds; a hole shows each day's part."""
    tz = ZoneInfo(tz_name)
    opening, shifts, holes = list(opening), list(shifts), list(holes)
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        days.append(
            CalendarDay(
                day,
                tuple(
                    _bar("open", *_within(day, tz, s, e), day, tz)
                    for s, e in opening
                    if _on(day, tz, s, e)
                ),
                tuple(
                    _bar(
                        shift.rank,
                        shift.starts_at,
                        shift.ends_at,
                        day,
                        tz,
                        nurse=names.get(shift.user_id, "?"),
                        nurse_id=shift.user_id,
                        source=shift.source,
                        source_id=shift.source_id,
                        swapped_from=names.get(shift.swapped_from, "?")
                        if shift.swapped_from is not None
                        else "",
                    )
                    for shift in shifts
                    if _on(day, tz, shift.starts_at, shift.ends_at)
                ),
                # Opening hours and holes are read day by day: "00:00 – 24:00", not across the week.
                tuple(
                    _bar("hole", *_within(day, tz, s, e), day, tz)
                    for s, e in holes
                    if _on(day, tz, s, e)
                ),
            )
        )
    return days
