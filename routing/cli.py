"""`hotline nurse|shift|hours|closure …`: set up routing from the command line."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.commands import helpline_option, in_transaction
from hotline.models import Helpline
from hotline.services import helpline_by_number
from hotline.web import app_state
from routing import admin
from routing.hours import describe_hours_fr, parse_schedule
from routing.models import Closure, Shift


@click.group("nurse", cls=AppGroup)
def nurse() -> None:
    """Nurses who take the helpline's calls."""


@nurse.command("add")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help='e.g. "Amélie Roux"')
@click.option("--phone", default=None, help="Her phone, rung for calls (06…, +33…).")
@click.option("--browser-identity", default=None, help="Her identity in the browser phone.")
def nurse_add(
    email: str, display_name: str, phone: str | None, browser_identity: str | None
) -> None:
    """Create a nurse (or update her name, phone and browser identity)."""
    user = in_transaction(
        lambda session: admin.add_nurse(session, email, display_name, phone, browser_identity)
    )
    click.echo(f"Nurse {user.id}: {user.display_name} <{user.email}> phone {user.phone or '—'}")


@click.group("shift", cls=AppGroup)
def shift() -> None:
    """The rota."""


@shift.command("add")
@click.option("--email", required=True, help="The nurse's email.")
@click.option("--from", "starts", required=True, help="Local start, e.g. 2026-11-23 08:00")
@click.option("--to", "ends", required=True, help="Local end, e.g. 2026-11-23 20:00")
@click.option("--rank", type=click.Choice(["on_duty", "backup"]), default="on_duty")
@helpline_option
def shift_add(email: str, starts: str, ends: str, rank: str, helpline_number: str | None) -> None:
    """Put a nurse on duty (or in backup) between two local times."""

    def add(session: Session) -> Shift:
        helpline = helpline_by_number(session, helpline_number)
        nurse = admin.nurse_by_email(session, email)
        return admin.add_shift(session, helpline, nurse, starts, ends, rank)

    row = in_transaction(add)
    click.echo(f"Shift {row.id}: {email} {rank} from {row.starts_at} to {row.ends_at} (UTC)")


@shift.command("list")
@helpline_option
def shift_list(helpline_number: str | None) -> None:
    """Every shift, oldest first."""
    with app_state().database.session() as session:
        helpline = _helpline(session, helpline_number)
        rows = session.scalars(
            select(Shift).where(Shift.helpline_id == helpline.id).order_by(Shift.starts_at)
        ).all()
        for row in rows:
            click.echo(f"{row.id}\t{row.user.email}\t{row.rank}\t{row.starts_at}\t{row.ends_at}")


@click.group("hours", cls=AppGroup)
def hours() -> None:
    """Opening hours of the nurse line."""


@hours.command("set")
@click.argument("schedule")
@click.option("--holiday-subdivision", default=None, help='e.g. "57" for Moselle, "" for none.')
@click.option("--open-on-holidays/--closed-on-holidays", default=None)
@helpline_option
def hours_set(
    schedule: str,
    holiday_subdivision: str | None,
    open_on_holidays: bool | None,
    helpline_number: str | None,
) -> None:
    """Set the weekly schedule, e.g. "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"."""

    def set_(session: Session) -> str:
        helpline = helpline_by_number(session, helpline_number)
        return admin.set_hours(session, helpline, schedule, holiday_subdivision, open_on_holidays)

    click.echo(f"Ouvert {in_transaction(set_)}.")


@hours.command("show")
@helpline_option
def hours_show(helpline_number: str | None) -> None:
    """The schedule and the closures."""
    with app_state().database.session() as session:
        helpline = _helpline(session, helpline_number)
        click.echo(f"{helpline.opening_hours}")
        click.echo(f"Ouvert {describe_hours_fr(parse_schedule(helpline.opening_hours))}.")
        closures = session.scalars(
            select(Closure).where(Closure.helpline_id == helpline.id).order_by(Closure.starts_at)
        ).all()
        for closure in closures:
            click.echo(f"Fermé {closure.starts_at} → {closure.ends_at} : {closure.label}")


@click.group("closure", cls=AppGroup)
def closure() -> None:
    """Exceptional closures."""


@closure.command("add")
@click.option("--from", "first_day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "last_day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--label", default="fermeture exceptionnelle", show_default=True)
@helpline_option
def closure_add(first_day: date, last_day: date, label: str, helpline_number: str | None) -> None:
    """Close whole days (local), first to last inclusive."""

    def add(session: Session) -> Closure:
        helpline = helpline_by_number(session, helpline_number)
        return admin.add_closure(session, helpline, _day(first_day), _day(last_day), label)

    row = in_transaction(add)
    click.echo(f"Closure {row.id}: {row.label}, {row.starts_at} → {row.ends_at} (UTC)")


def _day(value: date) -> date:
    # click.DateTime gives a datetime; a date is what is meant.
    return value.date() if isinstance(value, datetime) else value


def _helpline(session: Session, number: str | None) -> Helpline:
    try:
        return helpline_by_number(session, number)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


COMMANDS = (nurse, shift, hours, closure)
