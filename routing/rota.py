"""Who the rota offers now: the helpline's opening hours, the resolved rota (patterns, their
exceptions and the extra shifts), the nurses on shift and their presence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, cast, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from hotline.scope import members
from routing.hours import Closure, OpeningHours, open_periods, parse_schedule
from routing.models import Closure as ClosureRow
from routing.models import RotaException as ExceptionRow
from routing.models import RotaPattern
from routing.models import Shift as ShiftRow
from routing.plan import Nurse, Rank, RoutingPlan, Shift, build_routing_plan
from routing.rota_rules import (
    Interval,
    Pattern,
    ResolvedShift,
    RotaException,
    resolve_rota,
    uncovered,
)

INSTANT = timedelta(microseconds=1)


def opening_hours(session: Session, helpline: Helpline) -> OpeningHours:
    """The helpline's hours as routing reads them: weekly schedule, holidays and closures."""
    closures = session.scalars(
        select(ClosureRow).where(ClosureRow.helpline_id == helpline.id)
    ).all()
    return _hours_with(helpline, [Closure(c.starts_at, c.ends_at, c.label) for c in closures])


def _hours_with(helpline: Helpline, closures: list[Closure]) -> OpeningHours:
    return OpeningHours(
        schedule=parse_schedule(helpline.opening_hours),
        tz_name=helpline.timezone,
        closures=tuple(closures),
        holiday_subdiv=helpline.holiday_subdivision,
        is_open_on_holidays=helpline.is_open_on_holidays,
    )


CONSOLE_PRESENCE = timedelta(seconds=30)


def in_console(user: User, now: datetime) -> bool:
    """Whether the nurse's browser phone is open now (it reports itself while it is)."""
    # The browser phone reports itself while the console is open; a closed tab goes stale.
    seen = user.console_seen_at
    return bool(user.is_in_console and seen is not None and now - seen <= CONSOLE_PRESENCE)


def pattern_of(row: RotaPattern) -> Pattern:
    """A stored pattern as the resolver reads it."""
    return Pattern(
        row.id,
        row.user_id,
        row.rank,  # type: ignore[arg-type]
        frozenset(int(day) for day in row.weekdays.split(",") if day),
        row.starts_local,
        row.ends_local,
        row.first_day,
        row.last_day,
        row.every_weeks,
    )


def exception_of(row: ExceptionRow) -> RotaException:
    """A stored exception as the resolver reads it."""
    return RotaException(
        row.id,
        row.kind,  # type: ignore[arg-type]
        row.user_id,
        row.first_day,
        row.last_day,
        row.replacement_id,
    )


def resolved_shifts(
    session: Session, helpline: Helpline, start: datetime, end: datetime
) -> list[ResolvedShift]:
    """The helpline's rota over ``[start, end)``: its patterns with their exceptions, and its
    extra (one-off) shifts."""
    patterns, exceptions, extras, _closures = _rota_rows(session, helpline, start, end)
    return resolve_rota(patterns, exceptions, extras, start, end, helpline.timezone)


def _typed_null(column: Any) -> Any:
    return cast(null(), column.type)


def _rota_rows(
    session: Session, helpline: Helpline, start: datetime, end: datetime
) -> tuple[list[Pattern], list[RotaException], list[tuple[int, Shift]], list[Closure]]:
    """The helpline's patterns, exceptions and extra shifts around ``[start, end)``, and its
    closures, in one statement (a key press reads them while the GP waits)."""
    tz = ZoneInfo(helpline.timezone)
    # Exceptions are in local days: widen the window so one cutting an overlapping shift is read.
    first_day = start.astimezone(tz).date() - timedelta(days=2)
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    p, e, x, c = RotaPattern, ExceptionRow, ShiftRow, ClosureRow

    def row(kind: str, **values: Any) -> list[Any]:
        typed = {
            "id": None, "user_id": p.user_id, "rank": p.rank, "weekdays": p.weekdays,
            "starts_local": p.starts_local, "ends_local": p.ends_local,
            "first_day": p.first_day, "last_day": p.last_day, "every_weeks": p.every_weeks,
            "replacement_id": e.replacement_id, "starts_at": x.starts_at, "ends_at": x.ends_at,
            "label": c.label,
        }  # fmt: skip
        columns: list[Any] = [literal_column(f"'{kind}'", String).label("kind")]
        for name, model_column in typed.items():
            value = values.get(name)
            if value is None:
                value = cast(null(), Integer) if model_column is None else _typed_null(model_column)
            columns.append(value.label(name))
        return columns

    extras = select(
        *row("extra", id=x.id, user_id=x.user_id, rank=x.rank, starts_at=x.starts_at,
             ends_at=x.ends_at)
    ).where(x.helpline_id == helpline.id, x.starts_at < end, x.ends_at > start)  # fmt: skip
    closures = select(
        *row("closure", id=c.id, starts_at=c.starts_at, ends_at=c.ends_at, label=c.label)
    ).where(c.helpline_id == helpline.id)
    patterns = select(
        *row("pattern", id=p.id, user_id=p.user_id, rank=p.rank, weekdays=p.weekdays,
             starts_local=p.starts_local, ends_local=p.ends_local, first_day=p.first_day,
             last_day=p.last_day, every_weeks=p.every_weeks)
    ).where(
        p.helpline_id == helpline.id,
        p.first_day <= last_day,
        (p.last_day.is_(None)) | (p.last_day >= first_day),
    )  # fmt: skip
    exceptions = select(
        *row("exception", id=e.id, user_id=e.user_id, weekdays=e.kind, first_day=e.first_day,
             last_day=e.last_day, replacement_id=e.replacement_id)
    ).where(
        e.helpline_id == helpline.id, e.first_day <= last_day, e.last_day >= first_day
    )  # fmt: skip
    found: tuple[list[Pattern], list[RotaException], list[tuple[int, Shift]], list[Closure]]
    found = ([], [], [], [])
    for r in session.execute(union_all(extras, closures, patterns, exceptions)).mappings():
        if r["kind"] == "pattern":
            weekdays = frozenset(int(day) for day in r["weekdays"].split(",") if day)
            found[0].append(
                Pattern(r["id"], r["user_id"], r["rank"], weekdays, r["starts_local"],
                        r["ends_local"], r["first_day"], r["last_day"], r["every_weeks"])
            )  # fmt: skip
        elif r["kind"] == "exception":
            # the exception's kind travels in the weekdays column
            found[1].append(
                RotaException(r["id"], r["weekdays"], r["user_id"], r["first_day"],
                              r["last_day"], r["replacement_id"])
            )  # fmt: skip
        elif r["kind"] == "extra":
            found[2].append((r["id"], Shift(r["user_id"], r["starts_at"], r["ends_at"], r["rank"])))
        else:
            found[3].append(Closure(r["starts_at"], r["ends_at"], r["label"]))
    return found


def shifts_at(session: Session, helpline: Helpline, at: datetime) -> list[Shift]:
    """The shifts of the helpline's resolved rota covering the moment ``at``."""
    return [r.as_shift() for r in resolved_shifts(session, helpline, at, at + INSTANT)]


def nurses_at(session: Session, helpline: Helpline, at: datetime, rank: Rank) -> list[int]:
    """Ids of the helpline's active nurses with a shift of this rank at ``at``, by shift start."""
    shifts = [s for s in shifts_at(session, helpline, at) if s.rank == rank]
    allowed = set(
        session.scalars(
            select(User.id).where(
                User.id.in_({s.user_id for s in shifts}),
                User.id.in_(members(helpline.id, "nurse")),
                User.is_active,
            )
        )
    )
    found: list[int] = []
    for shift in sorted(shifts, key=lambda s: (s.starts_at, s.user_id)):
        if shift.user_id in allowed and shift.user_id not in found:
            found.append(shift.user_id)
    return found


def holes(session: Session, helpline: Helpline, start: datetime, end: datetime) -> list[Interval]:
    """The open hours of ``[start, end)`` with no nurse on duty on the resolved rota."""
    tz = ZoneInfo(helpline.timezone)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    periods = open_periods(opening_hours(session, helpline), first, last)
    return uncovered(periods, resolved_shifts(session, helpline, start, end), start, end)


def routing_plan(session: Session, helpline: Helpline, now: datetime) -> RoutingPlan:
    """Who to ring for this helpline at ``now``, from the resolved rota and the nurses'
    availability: two statements (the rota and closures; the nurses on shift)."""
    patterns, exceptions, extras, closures = _rota_rows(session, helpline, now, now + INSTANT)
    resolved = resolve_rota(patterns, exceptions, extras, now, now + INSTANT, helpline.timezone)
    shifts = [r.as_shift() for r in resolved]
    # Only the helpline's own nurses: a shift left to someone who is no longer one rings nobody.
    users = session.scalars(
        select(User).where(
            User.id.in_({s.user_id for s in shifts}),
            User.id.in_(members(helpline.id, "nurse")),
            User.is_active,
        )
    ).all()
    nurses = [
        Nurse(
            u.id,
            u.display_name,
            browser_identity=u.browser_identity,
            phone=u.phone,
            is_available=u.is_available,
            is_in_console=in_console(u, now),
        )
        for u in users
    ]
    hours = _hours_with(helpline, closures)
    return build_routing_plan(now, hours, shifts, nurses, helpline.ring_timeout_s)
