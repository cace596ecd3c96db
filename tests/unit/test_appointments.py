"""The pure rules of an appointment: typed in the helpline's zone, in the future, followed up the
day after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbacks.network.appointments import (
    AppointmentError,
    AppointmentProblem,
    FollowUpResult,
    follow_up_due_at,
    is_due,
    is_overdue,
    parse_appointment,
)

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris


@pytest.mark.parametrize(
    ("day", "time", "expected"),
    [
        ("2026-11-26", "14:30", datetime(2026, 11, 26, 13, 30, tzinfo=UTC)),
        ("2026-11-26", "", datetime(2026, 11, 25, 23, 0, tzinfo=UTC)),  # 00:00 in Paris
        ("2026-11-23", "10:01", datetime(2026, 11, 23, 9, 1, tzinfo=UTC)),
        ("2027-07-01", "14:30", datetime(2027, 7, 1, 12, 30, tzinfo=UTC)),  # summer time
        ("", "", None),  # no appointment
    ],
)
def test_an_appointment_is_read_in_the_helpline_s_zone(
    day: str, time: str, expected: datetime | None
) -> None:
    assert parse_appointment(day, time, PARIS, NOW) == expected


@pytest.mark.parametrize(
    ("day", "time", "problem"),
    [
        ("", "14:30", AppointmentProblem.NO_DAY),
        ("26/11/2026", "14:30", AppointmentProblem.NOT_A_DAY),
        ("2026-02-30", "", AppointmentProblem.NOT_A_DAY),
        ("2026-11-26", "25:00", AppointmentProblem.NOT_A_TIME),
        ("2026-11-23", "10:00", AppointmentProblem.IN_THE_PAST),  # now is not the future
        ("2026-11-23", "09:59", AppointmentProblem.IN_THE_PAST),
        ("2025-11-26", "14:30", AppointmentProblem.IN_THE_PAST),
        ("2028-11-26", "14:30", AppointmentProblem.TOO_FAR),
    ],
)
def test_an_appointment_that_cannot_be_kept_says_why(
    day: str, time: str, problem: AppointmentProblem
) -> None:
    with pytest.raises(AppointmentError) as refused:
        parse_appointment(day, time, PARIS, NOW)
    assert refused.value.problem == problem


@pytest.mark.parametrize(
    ("appointment", "due"),
    [
        # Thursday 14:30 in Paris → Friday 00:00 in Paris
        (datetime(2026, 11, 26, 13, 30, tzinfo=UTC), datetime(2026, 11, 26, 23, 0, tzinfo=UTC)),
        # 23:30 in Paris is still that day, though already the next day in UTC
        (datetime(2026, 11, 26, 22, 30, tzinfo=UTC), datetime(2026, 11, 26, 23, 0, tzinfo=UTC)),
        # the night clocks go back (25 October 2026): the next day starts at 00:00 CET
        (datetime(2026, 10, 24, 10, 0, tzinfo=UTC), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 10, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_follow_up_is_due_at_the_start_of_the_next_day_in_the_helpline_s_zone(
    appointment: datetime, due: datetime
) -> None:
    assert follow_up_due_at(appointment, PARIS) == due


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)))
def test_a_follow_up_is_never_due_before_its_appointment_nor_two_days_after(
    naive: datetime,
) -> None:
    appointment = naive.replace(tzinfo=UTC)
    due = follow_up_due_at(appointment, PARIS)
    assert appointment < due <= appointment + timedelta(days=1, hours=1)
    assert not is_due(due, appointment)


def test_a_follow_up_is_due_on_its_day_and_overdue_after() -> None:
    due = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # Friday 00:00 in Paris
    assert not is_due(due, due - timedelta(minutes=1))
    assert is_due(due, due) and not is_overdue(due, due + timedelta(hours=23, minutes=59), PARIS)
    assert is_overdue(due, due + timedelta(days=1), PARIS)


def test_the_result_codes_are_stable_for_the_reports() -> None:
    assert [result.value for result in FollowUpResult] == [
        "honoured",
        "not_honoured",
        "postponed",
        "unknown",
    ]
