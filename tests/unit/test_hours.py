"""Opening hours: schedule, holidays, closures, daylight-saving changes and the spoken French."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.hours import (
    ALSACE_MOSELLE,
    OUT_OF_HOURS,
    Closure,
    OpeningHours,
    TimeRange,
    WeeklySchedule,
    closes_at,
    closure_reason,
    describe_hours_fr,
    describe_moment_fr,
    format_schedule,
    is_open,
    next_opening,
    open_periods,
    parse_schedule,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = parse_schedule("mon-fri 09:00-12:30,13:30-18:00")
CHRISTMAS_EVE_AFTERNOON = Closure.between_local(
    datetime(2026, 12, 24, 12, 0), datetime(2026, 12, 25, 0, 0), "fermeture de Noël", "Europe/Paris"
)


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """An instant given as Paris wall time, returned in UTC like the database gives it."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold).astimezone(UTC)


def office(**options: object) -> OpeningHours:
    return OpeningHours(OFFICE, closures=(CHRISTMAS_EVE_AFTERNOON,), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "options", "expected_open", "expected_reason"),
    [
        pytest.param(paris(2026, 6, 16, 10, 0), {}, True, None, id="tuesday-10h"),
        pytest.param(paris(2026, 6, 16, 9, 0), {}, True, None, id="opening-minute-is-open"),
        pytest.param(paris(2026, 6, 16, 8, 59), {}, False, OUT_OF_HOURS, id="before-opening"),
        pytest.param(paris(2026, 6, 16, 12, 45), {}, False, OUT_OF_HOURS, id="lunch-break"),
        pytest.param(paris(2026, 6, 16, 18, 0), {}, False, OUT_OF_HOURS, id="closing-minute"),
        pytest.param(paris(2026, 6, 21, 10, 0), {}, False, OUT_OF_HOURS, id="sunday"),
        pytest.param(paris(2026, 7, 14, 10, 0), {}, False, "Fête nationale", id="14-july-2026"),
        pytest.param(paris(2027, 7, 14, 10, 0), {}, False, "Fête nationale", id="14-july-2027"),
        pytest.param(paris(2026, 4, 6, 10, 0), {}, False, "Lundi de Pâques", id="easter-monday"),
        pytest.param(paris(2026, 4, 3, 10, 0), {}, True, None, id="good-friday-paris"),
        pytest.param(
            paris(2026, 4, 3, 10, 0),
            {"holiday_subdiv": ALSACE_MOSELLE},
            False,
            "Vendredi saint",
            id="good-friday-alsace",
        ),
        pytest.param(
            paris(2026, 4, 3, 10, 0),
            {"holiday_subdiv": "57"},
            False,
            "Vendredi saint",
            id="good-friday-moselle",
        ),
        pytest.param(
            paris(2026, 4, 3, 10, 0),
            {"holiday_subdiv": "Alsace-Moselle"},
            False,
            "Vendredi saint",
            id="good-friday-alsace-moselle-alias",
        ),
        pytest.param(paris(2025, 12, 26, 10, 0), {}, True, None, id="26-december-paris"),
        pytest.param(
            paris(2025, 12, 26, 10, 0),
            {"holiday_subdiv": ALSACE_MOSELLE},
            False,
            "Saint-Étienne",
            id="26-december-alsace",
        ),
        pytest.param(
            paris(2026, 7, 14, 10, 0),
            {"is_open_on_holidays": True},
            True,
            None,
            id="open-on-holidays-option",
        ),
        pytest.param(
            paris(2026, 7, 14, 10, 0),
            {"holiday_country": None},
            True,
            None,
            id="no-holiday-calendar",
        ),
        pytest.param(paris(2026, 12, 24, 11, 0), {}, True, None, id="christmas-eve-morning"),
        pytest.param(
            paris(2026, 12, 24, 14, 0), {}, False, "fermeture de Noël", id="christmas-eve-afternoon"
        ),
    ],
)
def test_open_or_closed_and_why(
    now: datetime, options: dict[str, object], expected_open: bool, expected_reason: str | None
) -> None:
    hours = office(**options)
    assert is_open(hours, now) is expected_open
    assert closure_reason(hours, now) == expected_reason


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(paris(2026, 6, 19, 22, 0), paris(2026, 6, 22, 9, 0), id="friday-night"),
        pytest.param(paris(2026, 6, 16, 12, 45), paris(2026, 6, 16, 13, 30), id="lunch"),
        pytest.param(paris(2026, 6, 16, 10, 0), paris(2026, 6, 16, 10, 0), id="open-now-is-now"),
        pytest.param(paris(2026, 4, 3, 19, 0), paris(2026, 4, 7, 9, 0), id="over-easter-monday"),
        pytest.param(paris(2026, 5, 22, 18, 30), paris(2026, 5, 26, 9, 0), id="over-whit-monday"),
        pytest.param(paris(2026, 12, 24, 12, 0), paris(2026, 12, 28, 9, 0), id="over-christmas"),
        pytest.param(paris(2026, 3, 27, 19, 0), paris(2026, 3, 30, 9, 0), id="over-spring-dst"),
        pytest.param(paris(2026, 10, 23, 19, 0), paris(2026, 10, 26, 9, 0), id="over-autumn-dst"),
    ],
)
def test_next_opening_is_the_start_of_the_next_open_period(
    now: datetime, expected: datetime
) -> None:
    assert next_opening(office(), now) == expected


def test_next_opening_is_none_when_it_never_opens_within_the_horizon() -> None:
    closed_for_works = Closure.for_local_days(
        date(2026, 6, 1), date(2026, 12, 31), "travaux", "Europe/Paris"
    )
    hours = OpeningHours(OFFICE, closures=(closed_for_works,))
    assert next_opening(hours, paris(2026, 6, 1, 10, 0)) is None
    assert next_opening(hours, paris(2026, 6, 1, 10, 0), horizon_days=250) == paris(2027, 1, 4, 9)
    assert closure_reason(hours, paris(2026, 6, 1, 10, 0)) == "travaux"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(paris(2026, 6, 16, 10, 0), paris(2026, 6, 16, 12, 30), id="morning"),
        pytest.param(paris(2026, 6, 16, 17, 59), paris(2026, 6, 16, 18, 0), id="afternoon"),
        pytest.param(paris(2026, 6, 16, 12, 45), None, id="closed"),
        pytest.param(paris(2026, 12, 24, 10, 0), paris(2026, 12, 24, 12, 0), id="cut-by-closure"),
    ],
)
def test_closes_at_is_the_end_of_the_current_period(
    now: datetime, expected: datetime | None
) -> None:
    assert closes_at(office(), now) == expected


NIGHTS = OpeningHours(parse_schedule("mon-sun 20:00-08:00"))
ALWAYS = OpeningHours(parse_schedule("mon-sun 00:00-24:00"))


@pytest.mark.parametrize(
    ("now", "expected_open"),
    [
        # Spring forward: the night of Sat 28 to Sun 29 March 2026 lasts 11 h, not 12.
        (paris(2026, 3, 28, 19, 59), False),
        (paris(2026, 3, 28, 20, 0), True),
        (paris(2026, 3, 29, 1, 59), True),
        (paris(2026, 3, 29, 3, 0), True),
        (paris(2026, 3, 29, 7, 59), True),
        (paris(2026, 3, 29, 8, 0), False),
        # Fall back: the night of Sat 24 to Sun 25 October 2026 lasts 13 h.
        (paris(2026, 10, 25, 2, 30, fold=0), True),
        (paris(2026, 10, 25, 2, 30, fold=1), True),
        (paris(2026, 10, 25, 7, 59), True),
        (paris(2026, 10, 25, 8, 0), False),
        (paris(2026, 10, 25, 12, 0), False),
    ],
)
def test_night_range_follows_local_time_across_dst(now: datetime, expected_open: bool) -> None:
    assert is_open(NIGHTS, now) is expected_open


@pytest.mark.parametrize(
    ("evening", "morning", "hours_long"),
    [
        (paris(2026, 3, 28, 21, 0), paris(2026, 3, 29, 8, 0), 11),
        (paris(2026, 10, 24, 21, 0), paris(2026, 10, 25, 8, 0), 13),
        (paris(2026, 6, 13, 21, 0), paris(2026, 6, 14, 8, 0), 12),
    ],
)
def test_night_period_closes_at_8_local_after_11_12_or_13_hours(
    evening: datetime, morning: datetime, hours_long: int
) -> None:
    assert closes_at(NIGHTS, evening) == morning
    assert morning - (evening - timedelta(hours=1)) == timedelta(hours=hours_long)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ],
)
def test_whole_day_schedule_has_no_hole_at_dst_changes(now: datetime) -> None:
    assert is_open(ALWAYS, now)
    # The period runs on past midnight until the next public holiday, Armistice Day.
    assert closes_at(ALWAYS, now) in (paris(2026, 4, 6), paris(2026, 11, 1))


def test_whole_day_schedule_open_on_holidays_never_closes_within_horizon() -> None:
    always = OpeningHours(ALWAYS.schedule, is_open_on_holidays=True)
    assert closes_at(always, paris(2026, 7, 14, 3, 0)) is None
    assert next_opening(always, paris(2026, 7, 14, 3, 0)) == paris(2026, 7, 14, 3, 0)


def test_holiday_closes_the_part_of_a_night_range_after_midnight() -> None:
    # Night of Mon 13 to Tue 14 July: open until midnight, then the national holiday.
    assert is_open(NIGHTS, paris(2026, 7, 13, 23, 0))
    assert closes_at(NIGHTS, paris(2026, 7, 13, 23, 0)) == paris(2026, 7, 14)
    assert closure_reason(NIGHTS, paris(2026, 7, 14, 2, 0)) == "Fête nationale"
    assert next_opening(NIGHTS, paris(2026, 7, 14, 2, 0)) == paris(2026, 7, 15)
    assert open_periods(NIGHTS, date(2026, 7, 13), date(2026, 7, 13)) == [
        (paris(2026, 7, 13, 20), paris(2026, 7, 14))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "mon-fri 09:00-12:30,13:30-18:00",
            "du lundi au vendredi, de 9 heures à 12 heures 30 et de 13 heures 30 à 18 heures",
        ),
        (
            "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00",
            "du lundi au vendredi, de 9 heures à 12 heures 30 et de 13 heures 30 à 18 heures"
            " ; le samedi, de 9 heures à midi",
        ),
        ("mon-sun 00:00-24:00", "tous les jours, 24 heures sur 24"),
        ("mon-sun 20:00-08:00", "tous les jours, de 20 heures à 8 heures le lendemain"),
        ("sat-sun 18:00-24:00", "le samedi et le dimanche, de 18 heures à minuit"),
        (
            "mon,wed,fri 08:05-13:00",
            "le lundi, le mercredi et le vendredi, de 8 heures 5 à 13 heures",
        ),
        (
            "mon-wed,fri 01:00-02:00; thu 00:30-09:00",
            "du lundi au mercredi et le vendredi, de 1 heure à 2 heures"
            " ; le jeudi, de 0 heure 30 à 9 heures",
        ),
        ("", "aucun horaire d'ouverture"),
    ],
)
def test_describe_hours_in_spoken_french(text: str, expected: str) -> None:
    assert describe_hours_fr(parse_schedule(text)) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 6, 16, 13, 30), "aujourd'hui à 13 heures 30"),
        (paris(2026, 6, 17, 9, 0), "demain à 9 heures"),
        (paris(2026, 6, 22, 9, 0), "lundi à 9 heures"),
        (paris(2026, 7, 1, 12, 0), "le mercredi 1er juillet à midi"),
    ],
)
def test_describe_moment_relative_to_now(at: datetime, expected: str) -> None:
    assert describe_moment_fr(at, office(), paris(2026, 6, 16, 12, 45)) == expected


def test_parse_schedule_reads_the_compact_form() -> None:
    schedule = parse_schedule("Mon-Fri 09:00-12:30, 13:30-18:00 ; sam 9:00-12:00; sun closed")
    assert schedule.days[0] == (TimeRange(time(9), time(12, 30)), TimeRange(time(13, 30), time(18)))
    assert schedule.days[4] == schedule.days[0]
    assert schedule.days[5] == (TimeRange(time(9), time(12)),)
    assert schedule.days[6] == ()
    assert (
        parse_schedule("fri-mon 20:00-08:00").days
        == parse_schedule("mon,fri,sat,sun 20:00-08:00").days
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mun-fri 09:00-18:00", "invalid day 'mun' in 'mun-fri 09:00-18:00'"),
        ("mon-fri 9h-18h", "invalid time '9h' in 'mon-fri 9h-18h'"),
        ("mon 25:00-26:00", "invalid time '25:00' in 'mon 25:00-26:00'"),
        ("mon 24:00-08:00", "invalid time '24:00' in 'mon 24:00-08:00'"),
        ("mon 09:00", "invalid time range '09:00' in 'mon 09:00'"),
        ("mon 09:00-09:00", "empty time range '09:00-09:00' in 'mon 09:00-09:00'"),
        ("mon 00:00-00:00", "empty time range '00:00-00:00'"),
        ("mon-fri", "'mon-fri': expected days then time ranges"),
        (
            "mon-fri 09:00-18:00; fri 19:00-20:00",
            "day 'fri' is given twice ('mon-fri 09:00-18:00' and 'fri 19:00-20:00')",
        ),
        (
            "tue 09:00-12:30,12:00-14:00",
            "ranges 09:00-12:30 and 12:00-14:00 overlap on tue in 'tue 09:00-12:30,12:00-14:00'",
        ),
    ],
)
def test_parse_schedule_names_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + __import__("re").escape(message)):
        parse_schedule(text)


@pytest.mark.parametrize(
    "text",
    [
        "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00",
        "mon-sun 00:00-24:00",
        "mon,wed,fri 20:00-08:00; tue,thu 18:00-24:00",
        "",
    ],
)
def test_format_schedule_writes_what_parse_reads(text: str) -> None:
    assert format_schedule(parse_schedule(text)) == text


def test_unknown_zone_and_holiday_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Lutece'"):
        OpeningHours(OFFICE, tz_name="Europe/Lutece")
    with pytest.raises(ValueError, match="unknown public-holiday calendar"):
        OpeningHours(OFFICE, holiday_subdiv="Atlantis")


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(office(), datetime(2026, 6, 16, 10, 0))


# --- properties -------------------------------------------------------------------------------


def _clock(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


@st.composite
def schedules(draw: st.DrawFn) -> WeeklySchedule:
    """Random schedules: up to two non-overlapping ranges per day, night ranges included."""
    days: dict[int, list[TimeRange]] = {}
    for weekday in range(7):
        minutes: list[int] = draw(st.lists(st.integers(0, 24 * 60 - 1), max_size=4, unique=True))
        bounds = sorted(minutes)[: len(minutes) // 2 * 2]
        ranges = [
            TimeRange(_clock(bounds[i]), _clock(bounds[i + 1])) for i in range(0, len(bounds), 2)
        ]
        is_night: bool = draw(st.booleans())
        if ranges and is_night:
            # Make the last range run into the next morning, ending before the day's first start.
            first_start = bounds[0] if len(ranges) > 1 else bounds[-2]
            end: int = draw(st.integers(0, first_start))
            last = ranges.pop()
            if end != bounds[-2] or end == 0:
                ranges.append(TimeRange(last.start, _clock(end)))
        days[weekday] = ranges
    return WeeklySchedule.from_mapping(days)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(UTC),
)


@settings(max_examples=60, deadline=None)
@given(schedule=schedules())
def test_format_then_parse_gives_back_the_schedule(schedule: WeeklySchedule) -> None:
    assert parse_schedule(format_schedule(schedule)) == schedule


@settings(max_examples=50, deadline=None)
@given(
    schedule=st.one_of(
        st.sampled_from([OFFICE, NIGHTS.schedule, parse_schedule("sat 08:00-20:00")]),
        schedules(),
    ),
    now=instants,
    subdiv=st.sampled_from([None, ALSACE_MOSELLE]),
)
def test_next_opening_is_open_and_nothing_earlier_is(
    schedule: WeeklySchedule, now: datetime, subdiv: str | None
) -> None:
    hours = OpeningHours(schedule, holiday_subdiv=subdiv, closures=(CHRISTMAS_EVE_AFTERNOON,))
    opening = next_opening(hours, now)
    if opening is None:
        opening = now + timedelta(days=7)
    else:
        assert is_open(hours, opening)
        assert (opening == now) is is_open(hours, now)
    assert (closure_reason(hours, now) is None) is is_open(hours, now)
    # Minute by minute up to a week: no earlier open instant.
    probe = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < min(opening, now + timedelta(days=7)):
        assert not is_open(hours, probe), probe
        probe += timedelta(minutes=1)


@settings(max_examples=60, deadline=None)
@given(schedule=schedules(), now=instants)
def test_an_open_period_ends_at_closes_at(schedule: WeeklySchedule, now: datetime) -> None:
    hours = OpeningHours(schedule)
    end = closes_at(hours, now)
    if not is_open(hours, now):
        assert end is None
        return
    if end is not None:
        assert end > now
        assert is_open(hours, end - timedelta(microseconds=1))
        assert not is_open(hours, end)
