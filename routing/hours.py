"""Opening hours of a helpline: weekly schedule, closures, public holidays, and how to say them.

Rules (all evaluated in the helpline's time zone, results returned as aware UTC datetimes):

- A weekly schedule gives, per weekday, zero or more local time ranges ``start-end``. A range
  whose end is at or before its start ends on the next day (``20:00-08:00`` is a night service,
  ``00:00-24:00`` is a whole day); a range belongs to the day it starts on.
- Local times are turned into instants with :mod:`zoneinfo` defaults: a wall time that does not
  exist (the spring-forward gap) lands one hour later, an ambiguous one (fall-back) means its
  first occurrence. Hence a whole day lasts 23 h or 25 h on a daylight-saving change.
- A public holiday closes its whole local calendar day, including the part of a night range that
  started the evening before, unless ``is_open_on_holidays`` is set.
- A closure closes the half-open interval ``[starts_at, ends_at)``.
- Open periods are the schedule ranges minus holidays and closures, merged when they touch, so
  ``closes_at`` on a 24/7 schedule goes past midnight.
- Why it is closed (``closure_reason``): a closure's label first, then the holiday's French
  name, then ``"hors horaires"``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from hotline.refusals import N_, Refusal

HORIZON_DAYS = 60
OUT_OF_HOURS = "hors horaires"
# holidays 0.109 spells Alsace-Moselle as two subdivisions, "57" (Moselle) and "6AE" (Alsace),
# with the same two extra days (Good Friday, 26 December); "Alsace-Moselle" is deprecated there.
ALSACE_MOSELLE = "6AE"
_SUBDIV_ALIASES = {"alsace-moselle": ALSACE_MOSELLE}

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FRENCH_DAY_CODES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# A weekday named in a message a page shows (translated there).
DAY_LABELS = (
    N_("Lundi"),
    N_("Mardi"),
    N_("Mercredi"),
    N_("Jeudi"),
    N_("Vendredi"),
    N_("Samedi"),
    N_("Dimanche"),
)
_DAY_INDEX = {code: i for codes in (DAY_CODES, _FRENCH_DAY_CODES) for i, code in enumerate(codes)}
_MONTH_NAMES_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_MIDNIGHT = time(0)
_DAY_MINUTES = 24 * 60

Interval = tuple[datetime, datetime]


class ScheduleError(Refusal):
    """A schedule that cannot be read: ``str()`` is the English detail (logs, the CLI), ``msgid``
    and ``values`` the French text a page shows translated (``hotline.i18n.say``)."""

    def __init__(self, english: str, msgid: str, **values: object) -> None:
        super().__init__(msgid, **values)
        self.args = (english,)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, order=True)
class TimeRange:
    """A local time range of one weekday; ``end <= start`` means it ends on the next day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for t in (self.start, self.end):
            if t.tzinfo is not None or t.second or t.microsecond:
                raise ValueError(f"time range bounds are naive whole minutes, got {t!r}")
        if self.start == self.end and self.start != _MIDNIGHT:
            raise ValueError(f"time range {self} is empty (use 00:00-24:00 for a whole day)")

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``HH:MM-HH:MM`` (``24:00`` allowed as the end)."""
        return _parse_range(text.strip(), text)

    @property
    def crosses_midnight(self) -> bool:
        """True when the range ends on the next day (including an end at 24:00)."""
        return self.end <= self.start

    @property
    def is_whole_day(self) -> bool:
        """True for 00:00-24:00."""
        return self.start == _MIDNIGHT and self.end == _MIDNIGHT

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from the start of its day (end may exceed 1440)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return start, end + _DAY_MINUTES if self.crosses_midnight else end

    def __str__(self) -> str:
        end = "24:00" if self.end == _MIDNIGHT else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


def _normalise_day(weekday: int, ranges: Iterable[TimeRange]) -> tuple[TimeRange, ...]:
    ordered = tuple(sorted(ranges))
    for before, after in itertools.pairwise(ordered):
        if after.minutes()[0] < before.minutes()[1]:
            raise ScheduleError(
                f"ranges {before} and {after} overlap on {DAY_CODES[weekday]}",
                N_("{day} : les plages {first} et {second} se chevauchent"),
                first=str(before),
                second=str(after),
                day=Refusal(DAY_LABELS[weekday]),
            )
    return ordered


@dataclass(frozen=True)
class WeeklySchedule:
    """Open ranges per weekday, Monday first (index 0), in the helpline's local time."""

    days: tuple[tuple[TimeRange, ...], ...] = ((),) * 7

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"a weekly schedule has 7 days, got {len(self.days)}")
        normalised = tuple(_normalise_day(i, day) for i, day in enumerate(self.days))
        object.__setattr__(self, "days", normalised)

    @classmethod
    def from_mapping(cls, ranges: Mapping[int, Iterable[TimeRange]]) -> WeeklySchedule:
        """Build from ``{weekday (0 = Monday): [TimeRange, ...]}``; missing days are closed."""
        unknown = set(ranges) - set(range(7))
        if unknown:
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(unknown)}")
        return cls(tuple(tuple(ranges.get(i, ())) for i in range(7)))

    @property
    def is_empty(self) -> bool:
        """True when the schedule never opens."""
        return not any(self.days)


@dataclass(frozen=True)
class Closure:
    """An exceptional closure ``[starts_at, ends_at)`` with the label said to callers."""

    starts_at: datetime
    ends_at: datetime
    label: str = "fermeture exceptionnelle"

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"closure {self.label!r} ends before it starts")

    @classmethod
    def for_local_days(cls, first_day: date, last_day: date, label: str, tz_name: str) -> Closure:
        """Close whole local days, ``first_day`` to ``last_day`` inclusive."""
        tz = _zone(tz_name)
        return cls(
            _local_instant(first_day, _MIDNIGHT, tz),
            _local_instant(last_day + timedelta(days=1), _MIDNIGHT, tz),
            label,
        )

    @classmethod
    def between_local(cls, starts: datetime, ends: datetime, label: str, tz_name: str) -> Closure:
        """Close from one naive local wall time to another (e.g. 24 Dec 12:00 to 26 Dec 00:00)."""
        if starts.tzinfo is not None or ends.tzinfo is not None:
            raise ValueError("between_local takes naive local datetimes")
        tz = _zone(tz_name)
        return cls(
            starts.replace(tzinfo=tz).astimezone(UTC),
            ends.replace(tzinfo=tz).astimezone(UTC),
            label,
        )

    def covers(self, now: datetime) -> bool:
        """True when ``now`` falls inside the closure."""
        return self.starts_at <= now < self.ends_at


def _zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz_name!r}") from exc


def load_holiday_calendars(country: str = "FR") -> None:
    """Load the public-holiday package's calendars now: the first use imports every country's
    module (a second or more on a busy machine), which must not happen while a GP waits."""
    holidays.country_holidays(country)


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdiv: str | None, year: int) -> Mapping[date, str]:
    # Cached per year as a read-only dict: HolidayBase grows lazily and is not safe to share.
    found = holidays.country_holidays(country, subdiv=subdiv, years=year, language="fr")
    return MappingProxyType(dict(found))


@dataclass(frozen=True)
class OpeningHours:
    """Everything that decides whether a helpline is open: schedule, zone, closures, holidays.

    ``holiday_country=None`` ignores public holidays; ``holiday_subdiv`` is a subdivision code of
    the ``holidays`` package (``"6AE"``/``"57"``, or ``"Alsace-Moselle"``, for Alsace-Moselle).
    """

    schedule: WeeklySchedule
    tz_name: str = "Europe/Paris"
    closures: tuple[Closure, ...] = field(default=())
    holiday_country: str | None = "FR"
    holiday_subdiv: str | None = None
    is_open_on_holidays: bool = False

    def __post_init__(self) -> None:
        _zone(self.tz_name)
        object.__setattr__(self, "closures", tuple(self.closures))
        subdiv = self.holiday_subdiv
        if subdiv is not None:
            subdiv = _SUBDIV_ALIASES.get(subdiv.strip().lower(), subdiv.strip())
            object.__setattr__(self, "holiday_subdiv", subdiv)
        if self.holiday_country is not None:
            try:
                _public_holidays(self.holiday_country, subdiv, 2026)
            except NotImplementedError as exc:
                raise ValueError(
                    f"unknown public-holiday calendar {self.holiday_country!r}/{subdiv!r}"
                ) from exc

    @property
    def tz(self) -> ZoneInfo:
        """The helpline's time zone."""
        return _zone(self.tz_name)

    def holiday_name(self, day: date) -> str | None:
        """French name of the public holiday on this local day, if any."""
        if self.holiday_country is None:
            return None
        return _public_holidays(self.holiday_country, self.holiday_subdiv, day.year).get(day)

    def closes_on_holiday(self, day: date) -> str | None:
        """The holiday name when that holiday closes the helpline, else None."""
        return None if self.is_open_on_holidays else self.holiday_name(day)


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _schedule_intervals(hours: OpeningHours, first: date, last: date) -> list[Interval]:
    tz = hours.tz
    found = []
    for day in _days(first, last):
        for rng in hours.schedule.days[day.weekday()]:
            end_day = day + timedelta(days=1) if rng.crosses_midnight else day
            start, end = _local_instant(day, rng.start, tz), _local_instant(end_day, rng.end, tz)
            if end > start:
                found.append((start, end))
    return found


def _closed_intervals(hours: OpeningHours, first: date, last: date) -> list[Interval]:
    tz = hours.tz
    closed = [
        (_local_instant(day, _MIDNIGHT, tz), _local_instant(day + timedelta(days=1), _MIDNIGHT, tz))
        for day in _days(first, last)
        if hours.closes_on_holiday(day)
    ]
    closed.extend((c.starts_at, c.ends_at) for c in hours.closures)
    return closed


def _subtract(opened: list[Interval], closed: list[Interval]) -> list[Interval]:
    pieces = opened
    for c_start, c_end in closed:
        kept: list[Interval] = []
        for start, end in pieces:
            if c_end <= start or end <= c_start:
                kept.append((start, end))
                continue
            if start < c_start:
                kept.append((start, c_start))
            if c_end < end:
                kept.append((c_end, end))
        pieces = kept
    return pieces


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def open_periods(hours: OpeningHours, first: date, last: date) -> list[Interval]:
    """Merged open periods (UTC) of the ranges starting on local days ``first`` to ``last``."""
    opened = _schedule_intervals(hours, first, last)
    # A night range started on `last` runs into the next day, whose holiday may close it.
    closed = _closed_intervals(hours, first, last + timedelta(days=1))
    return _merge(_subtract(opened, closed))


def _local_date(hours: OpeningHours, now: datetime) -> date:
    _require_aware(now, "now")
    return now.astimezone(hours.tz).date()


def _period_at(hours: OpeningHours, now: datetime, horizon_days: int) -> Interval | None:
    today = _local_date(hours, now)
    # Yesterday's ranges may still run (night service); no range lasts more than 24 h.
    for start, end in open_periods(
        hours, today - timedelta(days=1), today + timedelta(horizon_days)
    ):
        if start <= now < end:
            return start, end
    return None


def is_open(hours: OpeningHours, now: datetime) -> bool:
    """True when the helpline is open at ``now``."""
    today = _local_date(hours, now)
    periods = open_periods(hours, today - timedelta(days=1), today)
    return any(start <= now < end for start, end in periods)


def next_opening(
    hours: OpeningHours, now: datetime, horizon_days: int = HORIZON_DAYS
) -> datetime | None:
    """Earliest instant at or after ``now`` when it is open (``now`` itself if open), in UTC.

    None when it does not open within ``horizon_days`` local days.
    """
    today = _local_date(hours, now)
    now_utc = now.astimezone(UTC)
    periods = open_periods(hours, today - timedelta(days=1), today + timedelta(days=horizon_days))
    for start, end in periods:
        if end > now_utc:
            return max(start, now_utc)
    return None


def closes_at(
    hours: OpeningHours, now: datetime, horizon_days: int = HORIZON_DAYS
) -> datetime | None:
    """End (UTC) of the open period containing ``now``.

    None when closed at ``now``, or when the period lasts beyond ``horizon_days`` (24/7).
    """
    period = _period_at(hours, now, horizon_days)
    if period is None:
        return None
    limit = _local_instant(
        _local_date(hours, now) + timedelta(days=horizon_days), _MIDNIGHT, hours.tz
    )
    return None if period[1] >= limit else period[1]


def closure_reason(hours: OpeningHours, now: datetime) -> str | None:
    """Why it is closed at ``now`` (closure label, holiday name, "hors horaires"); None if open."""
    if is_open(hours, now):
        return None
    for closure in hours.closures:
        if closure.covers(now):
            return closure.label
    holiday = hours.closes_on_holiday(_local_date(hours, now))
    return holiday if holiday is not None else OUT_OF_HOURS


# --- French, for a text-to-speech voice -------------------------------------------------------


def _say_time(at: time) -> str:
    if at == _MIDNIGHT:
        return "minuit"
    if at == time(12):
        return "midi"
    hours_word = "heure" if at.hour in (0, 1) else "heures"
    said = f"{at.hour} {hours_word}"
    return f"{said} {at.minute}" if at.minute else said


def _say_range(rng: TimeRange) -> str:
    if rng.is_whole_day:
        return "24 heures sur 24"
    said = f"de {_say_time(rng.start)} à {_say_time(rng.end)}"
    return f"{said} le lendemain" if rng.crosses_midnight and rng.end != _MIDNIGHT else said


def _join_fr(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def _runs(weekdays: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for day in sorted(weekdays):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _say_days(weekdays: list[int]) -> str:
    if len(weekdays) == 7:
        return "tous les jours"
    parts: list[str] = []
    for run in _runs(weekdays):
        if len(run) >= 3:
            parts.append(f"du {DAY_NAMES_FR[run[0]]} au {DAY_NAMES_FR[run[-1]]}")
        else:
            parts.extend(f"le {DAY_NAMES_FR[day]}" for day in run)
    return _join_fr(parts)


def _groups(schedule: WeeklySchedule) -> list[tuple[list[int], tuple[TimeRange, ...]]]:
    """Weekdays sharing identical ranges, ordered by their first weekday; closed days left out."""
    groups: dict[tuple[TimeRange, ...], list[int]] = {}
    for weekday, ranges in enumerate(schedule.days):
        if ranges:
            groups.setdefault(ranges, []).append(weekday)
    return [(days, ranges) for ranges, days in groups.items()]


def describe_hours_fr(schedule: WeeklySchedule) -> str:
    """The schedule in spoken French, e.g. "du lundi au vendredi, de 9 heures à 18 heures"."""
    if schedule.is_empty:
        return "aucun horaire d'ouverture"
    said = [
        f"{_say_days(days)}, {_join_fr([_say_range(r) for r in ranges])}"
        for days, ranges in _groups(schedule)
    ]
    return " ; ".join(said)


def describe_moment_fr(at: datetime, hours: OpeningHours, now: datetime) -> str:
    """An instant in spoken French relative to ``now``: "demain à 9 heures", "lundi 3 août à …"."""
    _require_aware(at, "at")
    tz = hours.tz
    local, today = at.astimezone(tz), _local_date(hours, now)
    clock = _say_time(local.time().replace(second=0, microsecond=0))
    days_ahead = (local.date() - today).days
    if days_ahead == 0:
        return f"aujourd'hui à {clock}"
    if days_ahead == 1:
        return f"demain à {clock}"
    day_number = "1er" if local.day == 1 else str(local.day)
    weekday = DAY_NAMES_FR[local.weekday()]
    if 1 < days_ahead < 7:
        return f"{weekday} à {clock}"
    return f"le {weekday} {day_number} {_MONTH_NAMES_FR[local.month - 1]} à {clock}"


# --- Compact text form: "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00" --------------------

_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")


def _parse_time(text: str, part: str, *, is_end: bool) -> time:
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ScheduleError(
            f"invalid time {text.strip()!r} in {part!r} (expected HH:MM)",
            N_("heure « {time} » illisible dans « {part} » (écrivez HH:MM, par exemple 09:30)"),
            time=text.strip(),
            part=part,
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if is_end and (hour, minute) == (24, 0):
        return _MIDNIGHT
    if hour > 23 or minute > 59:
        raise ScheduleError(
            f"invalid time {text.strip()!r} in {part!r} (00:00 to 23:59, or 24:00 as an end)",
            N_("heure « {time} » impossible dans « {part} » (de 00:00 à 23:59, ou 24:00 en fin)"),
            time=text.strip(),
            part=part,
        )
    return time(hour, minute)


def _parse_range(text: str, part: str) -> TimeRange:
    bounds = text.split("-")
    if len(bounds) != 2:
        raise ScheduleError(
            f"invalid time range {text!r} in {part!r} (expected HH:MM-HH:MM)",
            N_("plage « {range} » illisible dans « {part} » (écrivez HH:MM-HH:MM)"),
            range=text,
            part=part,
        )
    start = _parse_time(bounds[0], part, is_end=False)
    end = _parse_time(bounds[1], part, is_end=True)
    if start == end and not (start == _MIDNIGHT and bounds[1].strip().startswith("24")):
        raise ScheduleError(
            f"empty time range {text!r} in {part!r} (use 00:00-24:00 for a whole day)",
            N_("plage vide « {range} » dans « {part} » (00:00-24:00 pour une journée entière)"),
            range=text,
            part=part,
        )
    return TimeRange(start, end)


def _parse_day(code: str, part: str) -> int:
    try:
        return _DAY_INDEX[code.strip().lower()]
    except KeyError:
        raise ScheduleError(
            f"invalid day {code.strip()!r} in {part!r} (expected one of {', '.join(DAY_CODES)})",
            N_("jour « {day} » inconnu dans « {part} » (lun, mar, mer, jeu, ven, sam, dim)"),
            day=code.strip(),
            part=part,
        ) from None


def _parse_days(spec: str, part: str) -> list[int]:
    weekdays: list[int] = []
    for token in spec.split(","):
        if "-" in token:
            first_code, _, last_code = token.partition("-")
            first, last = _parse_day(first_code, part), _parse_day(last_code, part)
            # A backwards range wraps round the week: "fri-mon" is Friday to Monday.
            weekdays.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            weekdays.append(_parse_day(token, part))
    return weekdays


def parse_schedule(text: str) -> WeeklySchedule:
    """Parse the compact form, e.g. ``"mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"``.

    Groups are separated by ``;``; each is days (``mon``, ``mon-fri``, ``mon,wed,fri``; French
    abbreviations ``lun``…``dim`` also accepted) then comma-separated ranges, or ``closed``.
    Days not named are closed. Raises ValueError naming the offending part.
    """
    ranges: dict[int, tuple[TimeRange, ...]] = {}
    named_in: dict[int, str] = {}
    for raw_part in text.split(";"):
        part = raw_part.strip()
        if not part:
            continue
        pieces = part.split(None, 1)
        if len(pieces) != 2:
            raise ScheduleError(
                f"{part!r}: expected days then time ranges, e.g. 'mon-fri 09:00-18:00'",
                N_("« {part} » : des jours puis des plages, par exemple « lun-ven 09:00-18:00 »"),
                part=part,
            )
        day_spec, ranges_spec = pieces
        weekdays = _parse_days(day_spec, part)
        if ranges_spec.strip().lower() == "closed":
            day_ranges: tuple[TimeRange, ...] = ()
        else:
            day_ranges = tuple(_parse_range(r.strip(), part) for r in ranges_spec.split(","))
        for weekday in weekdays:
            if weekday in named_in:
                first_part = named_in[weekday]
                raise ScheduleError(
                    f"day {DAY_CODES[weekday]!r} is given twice ({first_part!r} and {part!r})",
                    N_("{day} est donné deux fois (« {first} » et « {second} »)"),
                    day=Refusal(DAY_LABELS[weekday]),
                    first=first_part,
                    second=part,
                )
            named_in[weekday] = part
            try:
                ranges[weekday] = _normalise_day(weekday, day_ranges)
            except ScheduleError as exc:
                raise ScheduleError(
                    f"{exc} in {part!r}", N_("{problem} dans « {part} »"), problem=exc, part=part
                ) from None
    return WeeklySchedule.from_mapping(ranges)


def _format_days(weekdays: list[int]) -> str:
    tokens = [
        DAY_CODES[run[0]] if len(run) == 1 else f"{DAY_CODES[run[0]]}-{DAY_CODES[run[-1]]}"
        for run in _runs(weekdays)
    ]
    return ",".join(tokens)


def format_schedule(schedule: WeeklySchedule) -> str:
    """The compact form of a schedule; ``parse_schedule(format_schedule(s)) == s``."""
    return "; ".join(
        f"{_format_days(days)} {','.join(str(r) for r in ranges)}"
        for days, ranges in _groups(schedule)
    )
