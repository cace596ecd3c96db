"""`hotline interpreter …`: the interpreter pool from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from interpreter_pool import admin
from interpreter_pool.languages import language_name
from interpreter_pool.models import Interpreter
from routing import admin as routing_admin
from routing.cli import _run, helpline_option


@click.group("interpreter", cls=AppGroup)
def interpreter() -> None:
    """Interpreters and agencies."""


@interpreter.command("add")
@click.option("--name", required=True)
@click.option("--phone", required=True, help="Rung for sessions (06…, +33…).")
@click.option("--languages", required=True, help="Language codes, e.g. ar,ti,prs")
@click.option("--priority", default=100, show_default=True, help="Lower rings first.")
@click.option("--max-concurrent", default=1, show_default=True)
@click.option("--availability", default="", help='e.g. "mon-fri 08:00-20:00"; empty: always.')
@click.option("--agency", is_flag=True, help="An agency line with its own menu.")
@click.option("--access-code", default=None, help="The agency's access code.")
@click.option("--codes", default="", help="The agency's language codes, e.g. ar=12,ti=31")
def interpreter_add(
    name: str,
    phone: str,
    languages: str,
    priority: int,
    max_concurrent: int,
    availability: str,
    agency: bool,
    access_code: str | None,
    codes: str,
) -> None:
    """Add an interpreter or an agency (or update the one with this phone)."""

    def add(session: Session) -> Interpreter:
        agency_codes = {}
        for pair in filter(None, (p.strip() for p in codes.split(","))):
            code, sep, digits = pair.partition("=")
            if not sep:
                raise ValueError(f"{pair!r}: expected language=digits, e.g. ar=12")
            agency_codes[code.strip()] = digits.strip()
        return admin.add_interpreter(
            session,
            name,
            phone,
            admin.parse_languages(languages),
            kind="agency" if agency else "individual",
            priority=priority,
            max_concurrent=max_concurrent,
            availability=availability,
            access_code=access_code,
            agency_codes=agency_codes,
        )

    row = _run(add)
    names = ", ".join(language_name(lang.language, "fr") for lang in row.languages)
    click.echo(f"{row.kind} {row.id}: {row.name} {row.phone} ({names})")


@interpreter.command("list")
def interpreter_list() -> None:
    """Every interpreter and agency with their languages."""
    from hotline.web import app_state

    with app_state().database.session() as session:
        for row in session.scalars(select(Interpreter).order_by(Interpreter.priority)):
            codes = ",".join(lang.language for lang in row.languages)
            state = "" if row.is_active else " (inactive)"
            click.echo(f"{row.id}\t{row.kind}\t{row.name}\t{row.phone}\t{codes}{state}")


@interpreter.command("dispatch")
@click.option("--strategy", type=click.Choice(["all", "priority"]), default=None)
@click.option("--budget", "budget_s", type=int, default=None, help="Seconds before giving up.")
@click.option("--agency-delay", "agency_delay_s", type=int, default=None)
@click.option("--pinned", default=None, help="Languages always first in the menu, e.g. ar,prs")
@helpline_option
def interpreter_dispatch(
    strategy: str | None,
    budget_s: int | None,
    agency_delay_s: int | None,
    pinned: str | None,
    helpline_number: str | None,
) -> None:
    """How interpreters are rung on this helpline."""

    def set_(session: Session) -> str:
        helpline = routing_admin.helpline_by_number(session, helpline_number)
        admin.set_dispatch(session, helpline.id, strategy, budget_s, agency_delay_s, pinned)
        return (
            f"{helpline.dispatch_strategy}, budget {helpline.interpreter_budget_s} s, "
            f"agency after {helpline.agency_delay_s} s, pinned: {helpline.language_menu_pinned}"
        )

    click.echo(_run(set_))


COMMANDS = (interpreter,)
