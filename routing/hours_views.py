"""The opening hours' page beyond the text form: the weekly grid (read from a posted form, with
rows added or removed without script), the month calendar of holidays and closures, and the
sentence the GP hears when the line is closed (``routing.twiml.closed_intro``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from sqlalchemy.orm import Session

from hotline.i18n import current_locale
from hotline.models import Helpline
from routing.hours import (
    OpeningHours,
    ScheduleError,
    closes_at,
    closure_reason,
    next_opening,
    parse_schedule,
)
from routing.hours_grid import Grid, grid_of_schedule, month_days, with_spare_rows
from routing.rota import opening_hours
from routing.twiml import closed_intro

MAX_ROWS = 8  # ranges a day the grid offers (the syntax has no limit; a week needs few)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_ACTION = re.compile(r"(add)-([0-6])|(remove)-([0-6])-(\d)")


@dataclass(frozen=True)
class GridPost:
    """A posted grid and what the person asked: save it, or add or remove one row."""

    grid: Grid
    action: str  # "save", "add", "remove"
    weekday: int | None = None
    row: int | None = None

    def edited(self) -> Grid:
        """The grid after the asked row change (the page is shown again, nothing saved)."""
        days = [list(rows) for rows in self.grid]
        if self.action == "add" and self.weekday is not None:
            if len(days[self.weekday]) < MAX_ROWS:
                days[self.weekday].append(("", ""))
        elif self.action == "remove" and self.weekday is not None and self.row is not None:
            rows = days[self.weekday]
            if 0 <= self.row < len(rows):
                del rows[self.row]
        return tuple(tuple(rows) for rows in days)


def read_grid(form: Mapping[str, str]) -> GridPost:
    """The grid of a posted form: fields ``d<weekday>-<row>-start`` and ``-end``."""
    days = []
    for weekday in range(7):
        rows = []
        for row in range(MAX_ROWS):
            start, end = form.get(f"d{weekday}-{row}-start"), form.get(f"d{weekday}-{row}-end")
            if start is None and end is None:
                break
            rows.append(((start or "").strip()[:5], (end or "").strip()[:5]))
        days.append(tuple(rows))
    action = _ACTION.fullmatch(form.get("action", ""))
    if action is None:
        return GridPost(tuple(days), "save")
    if action[1]:
        return GridPost(tuple(days), "add", int(action[2]))
    return GridPost(tuple(days), "remove", int(action[4]), int(action[5]))


def stored_grid(helpline: Helpline) -> Grid:
    """The helpline's schedule as a grid, with one spare row a day to fill."""
    try:
        return with_spare_rows(grid_of_schedule(parse_schedule(helpline.opening_hours)))
    except ScheduleError:
        return with_spare_rows(((),) * 7)


def chosen_month(text: str | None, today: date) -> date:
    """The first day of the month asked (``YYYY-MM``), this month otherwise."""
    found = _MONTH.fullmatch(text or "")
    if found is not None and 1 <= int(found[2]) <= 12 and 1900 < int(found[1]) < 2200:
        return date(int(found[1]), int(found[2]), 1)
    return today.replace(day=1)


def closed_preview(hours: OpeningHours, now: datetime) -> tuple[datetime | None, list[str]]:
    """When the line next closes (now when it is closed), and what the GP then hears; no moment
    and no sentence when it never closes."""
    at = now if closure_reason(hours, now) is not None else closes_at(hours, now)
    if at is None:
        return None, []
    return at, closed_intro(closure_reason(hours, at), hours, next_opening(hours, at), at)


def hours_context(
    session: Session, helpline: Helpline, now: datetime, month: str | None
) -> dict[str, Any]:
    """What the hours page shows beyond its forms: the preview and the month calendar."""
    try:
        hours: OpeningHours | None = opening_hours(session, helpline)
    except ValueError:
        hours = None
    today = now.astimezone(hours.tz).date() if hours is not None else now.date()
    first = chosen_month(month, today)
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + 4 * timedelta(days=1)).replace(day=1)
    at, sentences = closed_preview(hours, now) if hours is not None else (None, [])
    return {
        "preview_at": at,
        "preview": sentences,
        "month_first": first,
        "month_title": format_date(first, "LLLL y", locale=current_locale()),
        "month_weeks": month_days(hours, first.year, first.month) if hours is not None else [],
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "today": today,
    }
