"""Who the rota offers now: the helpline's opening hours, the nurses on shift, their presence."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from hotline.scope import members
from routing.hours import Closure, OpeningHours, parse_schedule
from routing.models import Closure as ClosureRow
from routing.models import Shift as ShiftRow
from routing.plan import Nurse, RoutingPlan, Shift, build_routing_plan


def opening_hours(session: Session, helpline: Helpline) -> OpeningHours:
    """The helpline's hours as routing reads them: weekly schedule, holidays and closures."""
    closures = session.scalars(
        select(ClosureRow).where(ClosureRow.helpline_id == helpline.id)
    ).all()
    return OpeningHours(
        schedule=parse_schedule(helpline.opening_hours),
        tz_name=helpline.timezone,
        closures=tuple(Closure(c.starts_at, c.ends_at, c.label) for c in closures),
        holiday_subdiv=helpline.holiday_subdivision,
        is_open_on_holidays=helpline.is_open_on_holidays,
    )


CONSOLE_PRESENCE = timedelta(seconds=30)


def in_console(user: User, now: datetime) -> bool:
    """Whether the nurse's browser phone is open now (it reports itself while it is)."""
    # The browser phone reports itself while the console is open; a closed tab goes stale.
    seen = user.console_seen_at
    return bool(user.is_in_console and seen is not None and now - seen <= CONSOLE_PRESENCE)


def routing_plan(session: Session, helpline: Helpline, now: datetime) -> RoutingPlan:
    """Who to ring for this helpline at ``now``, from the rota and the nurses' availability."""
    # One read: the shifts of now with their nurses (only the helpline's own nurses: a shift
    # left to someone who is no longer one rings nobody).
    rows = session.execute(
        select(ShiftRow, User)
        .join(User, User.id == ShiftRow.user_id)
        .where(
            ShiftRow.helpline_id == helpline.id,
            ShiftRow.starts_at <= now,
            ShiftRow.ends_at > now,
            User.id.in_(members(helpline.id, "nurse")),
            User.is_active,
        )
    ).all()
    shifts = [Shift(r.user_id, r.starts_at, r.ends_at, r.rank) for r, _ in rows]
    users = list({u.id: u for _, u in rows}.values())
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
    return build_routing_plan(
        now, opening_hours(session, helpline), shifts, nurses, helpline.ring_timeout_s
    )
