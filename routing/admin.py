"""Setting up routing: nurses, shifts, opening hours and closures (the CLI now, the console later).

Every function validates its input and raises a ``Refusal`` (a French text, translated where a
page shows it) with a message for a person; it flushes, never commits. Local times are read in
the helpline's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from hotline.phones import phone_e164
from hotline.refusals import N_, Refusal
from hotline.scope import grant, grant_roles_where_alone
from routing.hours import (
    Closure,
    OpeningHours,
    describe_hours_fr,
    format_schedule,
    parse_schedule,
)
from routing.models import Closure as ClosureRow
from routing.models import Shift
from routing.plan import RANKS


def add_nurse(
    session: Session,
    email: str,
    display_name: str,
    phone: str | None = None,
    browser_identity: str | None = None,
) -> User:
    """Create a nurse account, or update the phone and name of an existing one."""
    email = email.strip().lower()
    if "@" not in email:
        raise Refusal(N_("« {email} » n'est pas une adresse e-mail."), email=email)
    if not display_name.strip():
        raise Refusal(N_("Une infirmière doit avoir un nom."))
    user = session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, display_name=display_name.strip(), roles="nurse")
        session.add(user)
    user.display_name = display_name.strip()
    if phone:
        user.phone = phone_e164(phone)
    if browser_identity:
        user.browser_identity = browser_identity.strip()
    if not user.has_role("nurse"):
        user.roles = ",".join(filter(None, [user.roles, "nurse"]))
    session.flush()
    grant_roles_where_alone(session, user)  # the only helpline's nurse, as create_user does
    return user


def nurse_by_email(session: Session, email: str) -> User:
    """The nurse with this email."""
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise Refusal(N_("Aucun compte à l'adresse « {email} »."), email=email.strip())
    return user


def parse_local(text: str, tz_name: str) -> datetime:
    """A local date and time such as "2026-11-23 08:00" (or "2026-11-23T08:00"), as UTC."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refusal(
            N_("« {text} » : attendu une date et une heure locales, par exemple 2026-11-23 08:00."),
            text=text.strip(),
        ) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(tz_name))


class ShiftOverlapError(Refusal):
    """The nurse already has a shift that meets this one (``other``)."""

    def __init__(self, nurse: User, other: Shift, tz_name: str) -> None:
        tz = ZoneInfo(tz_name)
        self.nurse_name = nurse.display_name
        self.other_starts = other.starts_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
        self.other_ends = other.ends_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
        super().__init__(
            N_(
                "{name} est déjà de garde du {starts} au {ends} : deux gardes d'une même "
                "infirmière ne peuvent pas se chevaucher."
            ),
            name=self.nurse_name,
            starts=self.other_starts,
            ends=self.other_ends,
        )


def overlapping_shift(
    session: Session, helpline: Helpline, user_id: int, starts_at: datetime, ends_at: datetime
) -> Shift | None:
    """The nurse's first shift that overlaps [starts_at, ends_at) (one ending as it starts: no)."""
    return session.scalars(
        select(Shift)
        .where(
            Shift.helpline_id == helpline.id,
            Shift.user_id == user_id,
            Shift.starts_at < ends_at,
            Shift.ends_at > starts_at,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(1)
    ).first()


def add_shift(
    session: Session,
    helpline: Helpline,
    nurse: User,
    starts: str,
    ends: str,
    rank: str = "on_duty",
) -> Shift:
    """Put a nurse on the rota between two local times (a night shift may cross midnight)."""
    if rank not in RANKS:
        raise Refusal(
            N_("Le rang est l'un de {ranks}, pas « {rank} »."), ranks=", ".join(RANKS), rank=rank
        )
    starts_at = parse_local(starts, helpline.timezone)
    ends_at = parse_local(ends, helpline.timezone)
    if ends_at <= starts_at:
        raise Refusal(N_("La fin de la garde doit venir après son début."))
    if ends_at - starts_at > timedelta(days=31):
        raise Refusal(N_("Une garde ne peut pas durer plus de 31 jours."))
    other = overlapping_shift(session, helpline, nurse.id, starts_at, ends_at)
    if other is not None:
        raise ShiftOverlapError(nurse, other, helpline.timezone)
    shift = Shift(
        helpline_id=helpline.id, user_id=nurse.id, starts_at=starts_at, ends_at=ends_at, rank=rank
    )
    session.add(shift)
    # On a helpline's rota, she is one of its nurses (rung for its calls, told of its voicemails).
    grant(session, nurse, helpline.id, "nurse")
    session.flush()
    return shift


def set_hours(
    session: Session,
    helpline: Helpline,
    schedule_text: str,
    holiday_subdivision: str | None = None,
    is_open_on_holidays: bool | None = None,
) -> str:
    """Set the weekly schedule; return it as a voice will read it."""
    schedule = parse_schedule(schedule_text)
    helpline.opening_hours = format_schedule(schedule)
    if holiday_subdivision is not None:
        subdivision = holiday_subdivision.strip() or None
        try:
            OpeningHours(schedule, helpline.timezone, holiday_subdiv=subdivision)
        except (ValueError, NotImplementedError):
            raise Refusal(
                N_(
                    "Zone de jours fériés inconnue « {subdivision} » : 57 (Moselle), "
                    "6AE (Alsace), 971 à 976 (outre-mer) ou aucune."
                ),
                subdivision=subdivision,
            ) from None
        helpline.holiday_subdivision = subdivision
    if is_open_on_holidays is not None:
        helpline.is_open_on_holidays = is_open_on_holidays
    session.flush()
    return describe_hours_fr(schedule)


def add_closure(
    session: Session, helpline: Helpline, first_day: date, last_day: date, label: str
) -> ClosureRow:
    """Close whole local days, first to last inclusive."""
    if last_day < first_day:
        raise Refusal(N_("Le dernier jour de la fermeture vient avant le premier."))
    closure = Closure.for_local_days(first_day, last_day, label.strip(), helpline.timezone)
    row = ClosureRow(
        helpline_id=helpline.id,
        starts_at=closure.starts_at,
        ends_at=closure.ends_at,
        label=closure.label or "fermeture exceptionnelle",
    )
    session.add(row)
    session.flush()
    return row
