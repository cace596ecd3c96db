"""The resolved rota: recurring patterns, their exceptions and one-off shifts, as shifts in time.

Rules of ``resolve_rota`` (pure: every input is given; instants are aware, returned in UTC):

1. A pattern puts its nurse on the rota, at its rank, on each of its weekdays from ``first_day``
   to ``last_day`` (inclusive; open-ended when None), from ``starts`` to ``ends`` in the
   helpline's local time. An end at or before the start ends on the next day (a night). Local
   times become instants with :mod:`zoneinfo` defaults, as the opening hours do: a wall time in
   the spring-forward gap lands one hour later, an ambiguous one means its first occurrence; so a
   09:00-17:00 day lasts 8 h all year, a 20:00-08:00 night 11 h or 13 h on a change, and an
   occurrence that the change empties is dropped.
2. ``every_weeks`` = 2 repeats every other week: the weeks (Monday to Sunday) an even number of
   weeks after the week of ``first_day``.
3. One-off shifts (the extra shifts) are kept as they are.
4. Exceptions win over both, for their local days (``first_day`` to ``last_day`` inclusive,
   from local midnight to local midnight): first the swaps (the part of the nurse's shifts in the
   swap's days becomes her replacement's, at the same rank), then the absences (the part of the
   nurse's shifts in her absence's days is removed — whoever's shift it had been). A shift cut by
   an exception keeps its other pieces.
5. The result: every piece overlapping ``[start, end)``, not clipped to it, sorted by start,
   rank (on duty first), nurse.

``uncovered`` gives the holes: the open periods with no nurse on duty in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from routing.plan import RANKS, Rank, Shift

ExceptionKind = Literal["absence", "swap"]
Source = Literal["pattern", "extra"]
Interval = tuple[datetime, datetime]
WEEKDAYS = range(7)


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True)
class Pattern:
    """A nurse's recurring shift: these weekdays, these local times, every week or every other."""

    id: int
    user_id: int
    rank: Rank
    weekdays: frozenset[int]
    starts: time
    ends: time
    first_day: date
    last_day: date | None = None
    every_weeks: int = 1

    def __post_init__(self) -> None:
        if self.rank not in RANKS:
            raise ValueError(f"pattern rank must be one of {RANKS}, got {self.rank!r}")
        if not self.weekdays or not self.weekdays <= set(WEEKDAYS):
            raise ValueError(f"pattern weekdays must be among 0-6, got {sorted(self.weekdays)}")
        if self.every_weeks not in (1, 2):
            raise ValueError(f"a pattern repeats every week or every other, not {self.every_weeks}")
        if self.last_day is not None and self.last_day < self.first_day:
            raise ValueError("a pattern ends before it starts")
        if self.starts == self.ends and self.starts != time(0):
            raise ValueError("a pattern's start and end are the same time")

    def occurs_on(self, day: date) -> bool:
        """Whether the pattern puts its nurse on the rota on this local day."""
        if day < self.first_day or (self.last_day is not None and day > self.last_day):
            return False
        if day.weekday() not in self.weekdays:
            return False
        first_monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = (day - first_monday).days // 7
        return weeks % self.every_weeks == 0


@dataclass(frozen=True)
class RotaException:
    """An absence of a nurse, or a swap (``replacement_id`` takes her shifts), over local days."""

    id: int
    kind: ExceptionKind
    user_id: int
    first_day: date
    last_day: date
    replacement_id: int | None = None

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("an exception ends before it starts")
        if self.kind == "swap" and (
            self.replacement_id is None or self.replacement_id == self.user_id
        ):
            raise ValueError("a swap needs another nurse to take the shifts")
        if self.kind not in ("absence", "swap"):
            raise ValueError(f"unknown exception kind {self.kind!r}")


@dataclass(frozen=True)
class ResolvedShift:
    """One shift of the resolved rota and where it comes from (a pattern or an extra shift)."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    rank: Rank
    source: Source
    source_id: int
    swapped_from: int | None = None  # the nurse whose shift this was, when a swap gave it

    def as_shift(self) -> Shift:
        """The shift as the routing plan reads it."""
        return Shift(self.user_id, self.starts_at, self.ends_at, self.rank)


def local_day_bounds(first: date, last: date, tz: ZoneInfo) -> Interval:
    """The instants (UTC) from local midnight of ``first`` to local midnight after ``last``."""
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def pattern_occurrences(
    pattern: Pattern, start: datetime, end: datetime, tz: ZoneInfo
) -> list[ResolvedShift]:
    """The pattern's shifts overlapping ``[start, end)``."""
    first = start.astimezone(tz).date() - timedelta(days=1)  # a night started the day before
    last = end.astimezone(tz).date()
    found = []
    for day in _days(first, last):
        if not pattern.occurs_on(day):
            continue
        end_day = day + timedelta(days=1) if pattern.ends <= pattern.starts else day
        starts_at = datetime.combine(day, pattern.starts, tzinfo=tz).astimezone(UTC)
        ends_at = datetime.combine(end_day, pattern.ends, tzinfo=tz).astimezone(UTC)
        if starts_at < ends_at and starts_at < end and ends_at > start:
            found.append(
                ResolvedShift(
                    pattern.user_id, starts_at, ends_at, pattern.rank, "pattern", pattern.id
                )
            )
    return found


def _cut(shift: ResolvedShift, cut: Interval) -> tuple[list[ResolvedShift], ResolvedShift | None]:
    """The pieces of ``shift`` outside ``cut``, and the piece inside it (None when apart)."""
    c_start, c_end = cut
    if c_end <= shift.starts_at or shift.ends_at <= c_start:
        return [shift], None
    outside = []
    if shift.starts_at < c_start:
        outside.append(replace(shift, ends_at=c_start))
    if c_end < shift.ends_at:
        outside.append(replace(shift, starts_at=c_end))
    inside = replace(
        shift, starts_at=max(shift.starts_at, c_start), ends_at=min(shift.ends_at, c_end)
    )
    return outside, inside


def _order(shift: ResolvedShift) -> tuple[datetime, int, int, datetime]:
    return shift.starts_at, RANKS.index(shift.rank), shift.user_id, shift.ends_at


def resolve_rota(
    patterns: Iterable[Pattern],
    exceptions: Iterable[RotaException],
    extra_shifts: Iterable[tuple[int, Shift]],
    start: datetime,
    end: datetime,
    tz_name: str,
) -> list[ResolvedShift]:
    """The rota's shifts overlapping ``[start, end)`` (see the module docstring for the rules).

    ``extra_shifts`` pairs each one-off shift with its id.
    """
    _aware(start, "start")
    _aware(end, "end")
    tz = ZoneInfo(tz_name)
    shifts: list[ResolvedShift] = []
    for pattern in patterns:
        shifts.extend(pattern_occurrences(pattern, start, end, tz))
    for shift_id, one_off in extra_shifts:
        shifts.append(
            ResolvedShift(
                one_off.user_id,
                one_off.starts_at.astimezone(UTC),
                one_off.ends_at.astimezone(UTC),
                one_off.rank,
                "extra",
                shift_id,
            )
        )
    ordered = sorted(exceptions, key=lambda e: (e.kind != "swap", e.first_day, e.id))
    for exception in ordered:
        cut = local_day_bounds(exception.first_day, exception.last_day, tz)
        kept: list[ResolvedShift] = []
        for shift in shifts:
            if shift.user_id != exception.user_id:
                kept.append(shift)
                continue
            outside, inside = _cut(shift, cut)
            kept.extend(outside)
            if inside is not None and exception.kind == "swap":
                assert exception.replacement_id is not None
                kept.append(
                    replace(inside, user_id=exception.replacement_id, swapped_from=shift.user_id)
                )
        shifts = kept
    return sorted((s for s in shifts if s.starts_at < end and s.ends_at > start), key=_order)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals merged where they overlap or touch, in order."""
    merged: list[Interval] = []
    for i_start, i_end in sorted(intervals):
        if merged and i_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], i_end))
        else:
            merged.append((i_start, i_end))
    return merged


def uncovered(
    open_periods: Iterable[Interval],
    shifts: Iterable[ResolvedShift],
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """The holes: parts of the open periods within ``[start, end)`` with nobody on duty."""
    covered = merge((s.starts_at, s.ends_at) for s in shifts if s.rank == "on_duty")
    holes: list[Interval] = []
    for o_start, o_end in merge(open_periods):
        cursor, stop = max(o_start, start), min(o_end, end)
        for c_start, c_end in covered:
            if c_end <= cursor or c_start >= stop:
                continue
            if c_start > cursor:
                holes.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if cursor < stop:
            holes.append((cursor, stop))
    return holes
