"""Setting up the recurring rota: patterns, their end, absences and swaps, and the holes mailed
to the coordinators. Every function refuses with a ``Refusal`` a person can act on; it flushes,
never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.models import Helpline, User
from hotline.refusals import N_, Refusal
from hotline.scope import grant, members
from routing.hours import DAY_NAMES_FR
from routing.models import RotaException as ExceptionRow
from routing.models import RotaPattern
from routing.plan import RANKS
from routing.rota import exception_of, holes, pattern_of
from routing.rota_rules import Interval

# The outbox's e-mail kind: one message through SMTP_URL (its performer is the product's mail
# sender, registered with the other features' mail).
SEND_MAIL = "send_mail"
HOLES_AHEAD = timedelta(days=14)
EXCEPTION_KINDS = ("absence", "swap")
MAX_EXCEPTION_DAYS = 366


def add_pattern(
    session: Session,
    helpline: Helpline,
    nurse: User,
    *,
    rank: str,
    weekdays: Iterable[int],
    starts: time,
    ends: time,
    first_day: date,
    last_day: date | None = None,
    every_weeks: int = 1,
) -> RotaPattern:
    """Put a nurse on the rota on these weekdays, every week or every other, from ``first_day``."""
    days = sorted(set(weekdays))
    if rank not in RANKS:
        raise Refusal(N_("Choisissez « de permanence » ou « en renfort »."))
    if not days or not set(days) <= set(range(7)):
        raise Refusal(N_("Cochez au moins un jour de la semaine."))
    if every_weeks not in (1, 2):
        raise Refusal(N_("Choisissez chaque semaine ou une semaine sur deux."))
    if last_day is not None and last_day < first_day:
        raise Refusal(N_("Le dernier jour vient avant le premier."))
    if starts == ends and starts != time(0):
        raise Refusal(N_("Le début et la fin de la garde sont à la même heure."))
    row = RotaPattern(
        helpline_id=helpline.id,
        user_id=nurse.id,
        rank=rank,
        weekdays=",".join(str(day) for day in days),
        starts_local=starts,
        ends_local=ends,
        every_weeks=every_weeks,
        first_day=first_day,
        last_day=last_day,
    )
    session.add(row)
    grant(session, nurse, helpline.id, "nurse")
    session.flush()
    pattern_of(row)  # the resolver reads it (its own checks)
    return row


def end_pattern(session: Session, row: RotaPattern, last_day: date) -> RotaPattern:
    """End a pattern after ``last_day`` (its past stays as it was)."""
    if last_day < row.first_day:
        raise Refusal(
            N_("Le dernier jour vient avant le premier ({first})."),
            first=row.first_day.strftime("%d/%m/%Y"),
        )
    row.last_day = last_day
    session.flush()
    return row


def add_exception(
    session: Session,
    helpline: Helpline,
    kind: str,
    nurse: User,
    first_day: date,
    last_day: date,
    replacement: User | None = None,
) -> ExceptionRow:
    """An absence of a nurse over local days, or a swap: ``replacement`` takes her shifts."""
    if kind not in EXCEPTION_KINDS:
        raise Refusal(N_("Choisissez une absence ou un échange."))
    if last_day < first_day:
        raise Refusal(N_("Le dernier jour vient avant le premier."))
    if (last_day - first_day).days >= MAX_EXCEPTION_DAYS:
        raise Refusal(N_("Une absence ou un échange dure au plus un an."))
    if kind == "swap":
        if replacement is None:
            raise Refusal(N_("Choisissez l'infirmière qui prend la garde."))
        if replacement.id == nurse.id:
            raise Refusal(N_("Une infirmière ne peut pas échanger une garde avec elle-même."))
    row = ExceptionRow(
        helpline_id=helpline.id,
        kind=kind,
        user_id=nurse.id,
        replacement_id=replacement.id if kind == "swap" and replacement else None,
        first_day=first_day,
        last_day=last_day,
    )
    session.add(row)
    if kind == "swap" and replacement is not None:
        grant(session, replacement, helpline.id, "nurse")
    session.flush()
    exception_of(row)
    return row


def _say_hole(hole: Interval, tz: ZoneInfo) -> str:
    start, end = (moment.astimezone(tz) for moment in hole)
    day = f"{DAY_NAMES_FR[start.weekday()]} {start:%d/%m/%Y}"
    if end.date() == start.date():
        return f"- {day} de {start:%H:%M} à {end:%H:%M}"
    return f"- {day} de {start:%H:%M} au {end:%d/%m/%Y} à {end:%H:%M}"


def holes_text(helpline: Helpline, found: list[Interval]) -> str:
    """The e-mail's body: the uncovered open hours, one line each, in the helpline's time."""
    tz = ZoneInfo(helpline.timezone)
    lines = [
        "Bonjour,",
        "",
        f"Le planning de « {helpline.name} » laisse des heures d'ouverture sans infirmière "
        "de permanence dans les deux semaines à venir :",
        "",
        *(_say_hole(hole, tz) for hole in found),
        "",
        "Le planning des gardes se complète dans l'administration (Planning des gardes).",
    ]
    return "\n".join(lines)


def mail_holes(session: Session, helpline: Helpline, mail_from: str, now: datetime) -> int:
    """Record one e-mail (sent after the commit) of the next two weeks' holes to the helpline's
    coordinators; return how many recipients."""
    found = holes(session, helpline, now, now + HOLES_AHEAD)
    if not found:
        raise Refusal(N_("Aucune heure d'ouverture sans infirmière dans les deux semaines."))
    recipients = sorted(
        set(
            session.scalars(
                select(User.email).where(
                    User.is_active, User.id.in_(members(helpline.id, "coordinator"))
                )
            )
        )
    )
    if not recipients:
        raise Refusal(N_("Cette permanence n'a pas de coordinateur à prévenir."))
    outbox.enqueue(
        session,
        SEND_MAIL,
        {
            "from": mail_from,
            "to": recipients,
            "subject": f"Planning de « {helpline.name} » : heures d'ouverture sans infirmière",
            "body": holes_text(helpline, found),
        },
        now,
    )
    session.flush()
    return len(recipients)
