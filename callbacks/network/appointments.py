"""Pure rules of an orientation's appointment: when it may be entered, when its follow-up is due,
and the coded results of that follow-up.

- An appointment is typed as a day and a time in the helpline's time zone and stored in UTC; it
  must be later than ``now`` when it is entered (an appointment already past is a typing slip).
- Its follow-up ("Le rendez-vous a-t-il été honoré ?") is due at the start (00:00) of the day
  after the appointment, in the helpline's time zone: due that whole day, overdue after.
- The follow-up's result is one of ``FollowUpResult``; these codes are stored as they are and are
  what the reports count (D06 follow-ups done, D07 their outcomes: ``honoured`` is "RDV honoré").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class FollowUpResult(StrEnum):
    """The coded result of an appointment's follow-up (stable codes: the reports count them)."""

    HONOURED = "honoured"  # honoré: the patient went to the appointment
    NOT_HONOURED = "not_honoured"  # non honoré: the patient did not go
    POSTPONED = "postponed"  # reporté: moved to another day
    UNKNOWN = "unknown"  # inconnu: nobody could tell


class AppointmentProblem(StrEnum):
    """Why a typed appointment cannot be kept."""

    NO_DAY = "no_day"  # a time without a day
    NOT_A_DAY = "not_a_day"
    NOT_A_TIME = "not_a_time"
    IN_THE_PAST = "in_the_past"
    TOO_FAR = "too_far"


class AppointmentError(ValueError):
    """A typed appointment that cannot be kept, with why."""

    def __init__(self, problem: AppointmentProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# Further than this is a typing slip (2062 for 2026), not an appointment.
MAX_AHEAD = timedelta(days=366)


def parse_appointment(
    day_text: str, time_text: str, tz_name: str, now: datetime
) -> datetime | None:
    """The appointment typed as "2026-11-26" and "14:30" in the helpline's zone, in UTC; None when
    no day was typed. Refuses a time without a day, what is not a day or a time, a moment not
    later than ``now``, and one more than a year ahead. A day without a time is at 00:00."""
    day_text, time_text = day_text.strip(), time_text.strip()
    if not day_text:
        if time_text:
            raise AppointmentError(AppointmentProblem.NO_DAY)
        return None
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise AppointmentError(AppointmentProblem.NOT_A_DAY) from None
    try:
        at = time.fromisoformat(time_text) if time_text else time(0, 0)
    except ValueError:
        raise AppointmentError(AppointmentProblem.NOT_A_TIME) from None
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(tz_name))
    moment = local.astimezone(UTC)
    if moment <= now:
        raise AppointmentError(AppointmentProblem.IN_THE_PAST)
    if moment - now > MAX_AHEAD:
        raise AppointmentError(AppointmentProblem.TOO_FAR)
    return moment


def follow_up_due_at(appointment_at: datetime, tz_name: str) -> datetime:
    """When the follow-up of an appointment is due: 00:00 of the next day in the helpline's zone
    (in UTC)."""
    zone = ZoneInfo(tz_name)
    next_day = appointment_at.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(next_day, time(0, 0), tzinfo=zone).astimezone(UTC)


def is_due(due_at: datetime, now: datetime) -> bool:
    """Whether a follow-up is to be done now (its day has come, or it is overdue)."""
    return due_at <= now


def is_overdue(due_at: datetime, now: datetime, tz_name: str) -> bool:
    """Whether a follow-up's day is over in the helpline's zone (it should have been done)."""
    zone = ZoneInfo(tz_name)
    return now.astimezone(zone).date() > due_at.astimezone(zone).date()
