"""`hotline interpreter …`: the interpreter pool from the command line."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.commands import helpline_option, in_transaction
from hotline.services import helpline_by_number
from hotline.web import app_state
from interpreter_pool import admin, funding, spending
from interpreter_pool.languages import language_name
from interpreter_pool.models import Budget, Contract, Interpreter, InterpreterKind


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
            kind=InterpreterKind.AGENCY if agency else InterpreterKind.INDIVIDUAL,
            priority=priority,
            max_concurrent=max_concurrent,
            availability=availability,
            access_code=access_code,
            agency_codes=agency_codes,
        )

    row = in_transaction(add)
    names = ", ".join(language_name(lang.language, "fr") for lang in row.languages)
    click.echo(f"{row.kind} {row.id}: {row.name} {row.phone} ({names})")


@interpreter.command("list")
def interpreter_list() -> None:
    """Every interpreter and agency with their languages."""
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
@click.option(
    "--menu-every", "menu_days", type=int, default=None, help="Days between menu recomputations."
)
@helpline_option
def interpreter_dispatch(
    strategy: str | None,
    budget_s: int | None,
    agency_delay_s: int | None,
    pinned: str | None,
    menu_days: int | None,
    helpline_number: str | None,
) -> None:
    """How interpreters are rung on this helpline."""

    def set_(session: Session) -> str:
        helpline = helpline_by_number(session, helpline_number)
        admin.set_dispatch(
            session, helpline.id, strategy, budget_s, agency_delay_s, pinned, menu_days
        )
        return (
            f"{helpline.dispatch_strategy}, budget {helpline.interpreter_budget_s} s, "
            f"agency after {helpline.agency_delay_s} s, pinned: {helpline.language_menu_pinned}, "
            f"menu recomputed every {helpline.language_menu_recompute_days} days"
        )

    click.echo(in_transaction(set_))


def _money(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").replace("€", "").strip())
    except InvalidOperation:
        raise ValueError(f"{what}: {text!r} is not an amount such as 3.50") from None
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return value


@click.group("contract", cls=AppGroup)
def contract() -> None:
    """Interpreting contracts (rate cards)."""


@contract.command("add")
@click.option("--phone", required=True, help="The interpreter's or agency's number.")
@click.option("--name", required=True, help='e.g. "ISM 2026"')
@click.option("--per-minute", default=None, help="Price per minute, e.g. 3.50")
@click.option("--per-block", default=None, help="Price per block, e.g. 15")
@click.option("--block", "block_s", default=600, show_default=True, help="Block length, s.")
@click.option("--increment", "increment_s", type=int, default=None, help="Billing increment, s.")
@click.option("--minimum", "minimum_s", default=0, show_default=True, help="Minimum billed, s.")
@click.option("--fee", default="0", show_default=True, help="Connection fee per session.")
@click.option("--night", default="0", help="Night surcharge, %.")
@click.option("--night-hours", default=None, help="e.g. 20:00-08:00")
@click.option("--saturday", default="0", help="Saturday surcharge, %.")
@click.option("--sunday", default="0", help="Sunday surcharge, %.")
@click.option("--holiday", default="0", help="Public holiday surcharge, %.")
@click.option("--urgent", default="0", help="Urgent surcharge, %.")
@click.option("--pro-rata", is_flag=True, help="Split sessions across surcharge windows.")
@click.option("--sum-surcharges", is_flag=True, help="Add surcharges that apply together.")
@click.option("--language-price", multiple=True, help="e.g. ar=4.00 (repeatable)")
@click.option("--from", "valid_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "valid_to", default=None, type=click.DateTime(["%Y-%m-%d"]))
def contract_add(**options: Any) -> None:
    """Add a rate card to an interpreter or agency."""

    def add(session: Session) -> Contract:
        if bool(options["per_minute"]) == bool(options["per_block"]):
            raise ValueError("give --per-minute or --per-block")
        per_minute = options["per_minute"] is not None
        prices = {}
        for pair in options["language_price"]:
            code, sep, amount = pair.partition("=")
            if not sep:
                raise ValueError(f"{pair!r}: expected language=price, e.g. ar=4.00")
            prices[code.strip()] = _money(amount, f"price for {code}")
        return admin.add_contract(
            session,
            admin.interpreter_by_phone(session, options["phone"]),
            options["name"],
            unit="minute" if per_minute else "block",
            unit_price=_money(options["per_minute"] or options["per_block"], "price"),
            valid_from=options["valid_from"].date(),
            valid_to=options["valid_to"].date() if options["valid_to"] else None,
            block_s=options["block_s"],
            increment_s=options["increment_s"] or (60 if per_minute else None),
            minimum_s=options["minimum_s"],
            connection_fee=_money(options["fee"], "fee"),
            night_pct=_money(options["night"], "night"),
            night_hours=options["night_hours"],
            saturday_pct=_money(options["saturday"], "saturday"),
            sunday_pct=_money(options["sunday"], "sunday"),
            holiday_pct=_money(options["holiday"], "holiday"),
            urgent_pct=_money(options["urgent"], "urgent"),
            surcharge_mode="pro_rata" if options["pro_rata"] else "start",
            surcharge_rule="sum" if options["sum_surcharges"] else "highest",
            language_prices=prices,
        )

    row = in_transaction(add)
    click.echo(f"Contract {row.id}: {row.name}, {row.unit_price} € per {row.unit}")


@click.group("budget", cls=AppGroup)
def budget() -> None:
    """Interpreting budgets granted by funders."""


@budget.command("add")
@click.option("--name", required=True)
@click.option("--funder-line", default="")
@click.option("--from", "starts_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--amount", required=True, help="In euros, e.g. 18000")
@click.option("--hours-cap", type=int, default=None)
@click.option("--thresholds", default="50,80,100", show_default=True)
@click.option("--policy", type=click.Choice(["warn", "approval"]), default="warn")
@click.option(
    "--scope",
    type=click.Choice(["all", "helpline", "structure", "provider", "language"]),
    default="all",
    show_default=True,
    help="What the line funds: with --helpline, --structure, --provider or --language.",
)
@helpline_option
@click.option("--structure", default=None, help="Scope structure: its id or FINESS number.")
@click.option(
    "--provider", default=None, help="Scope provider: the interpreter's or agency's phone."
)
@click.option("--language", default=None, help="Scope language: its code, e.g. ar.")
@click.option(
    "--priority",
    type=int,
    default=100,
    show_default=True,
    help="Among equally specific lines covering an entry, the smaller is charged first.",
)
def budget_add(
    name: str,
    funder_line: str,
    starts_on: datetime,
    ends_on: datetime,
    amount: str,
    hours_cap: int | None,
    thresholds: str,
    policy: str,
    scope: str,
    helpline_number: str | None,
    structure: str | None,
    provider: str | None,
    language: str | None,
    priority: int,
) -> None:
    """Add a budget line."""

    def scope_id(session: Session) -> int | None:
        if scope == "helpline":
            return helpline_by_number(session, helpline_number).id
        if scope == "structure":
            return admin.structure_by_reference(session, structure or "").id
        if scope == "provider":
            return admin.interpreter_by_phone(session, provider or "").id
        return None

    def add(session: Session) -> Budget:
        return admin.add_budget(
            session,
            name,
            starts_on.date(),
            ends_on.date(),
            _money(amount, "amount"),
            funder_line=funder_line,
            hours_cap=hours_cap,
            thresholds=thresholds,
            policy=policy,
            scope=scope,
            scope_id=scope_id(session),
            scope_language=language,
            priority=priority,
        )

    row = in_transaction(add)
    click.echo(
        f"Budget {row.id}: {row.name}, {row.amount} € from {row.starts_on} to {row.ends_on}, "
        f"scope {_scope_text(row)}, priority {row.priority}"
    )


def _scope_text(row: Budget) -> str:
    value = {
        "helpline": row.scope_helpline_id,
        "structure": row.scope_structure_id,
        "provider": row.scope_interpreter_id,
        "language": row.scope_language,
    }.get(row.scope)
    return row.scope if value is None else f"{row.scope} {value}"


@budget.command("show")
def budget_show() -> None:
    """Every budget: consumed, left, forecast."""
    state = app_state()
    with state.database.session() as session:
        for row in session.scalars(select(Budget).order_by(Budget.starts_on)):
            status = spending.budget_status(session, row, state.clock(), state.settings.timezone)
            runs_out = status.forecast.runs_out_on or "—"
            click.echo(
                f"{row.name}: {status.consumed} € / {row.amount} € ({status.pct} %), "
                f"{status.hours_used} h, runs out: {runs_out} "
                f"[scope {_scope_text(row)}, priority {row.priority}]"
            )
        unfunded = funding.line_totals(session).get(None)
        if unfunded is not None and unfunded.amount:
            click.echo(f"Unfunded (no line covers them): {unfunded.amount:.2f} €")


@budget.command("charge-unfunded")
def budget_charge_unfunded() -> None:
    """Charge unfunded entries to the lines that now cover them (reassignment pairs)."""
    state = app_state()
    moved = in_transaction(lambda session: funding.charge_unfunded(session, state.clock()))
    click.echo(f"{moved} unfunded entries charged to a line")


COMMANDS = (interpreter, contract, budget)
