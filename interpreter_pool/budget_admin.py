"""Keeping budget lines and contracts: create, edit, end, and delete what was never used.

Rules (a line or a contract that ledger entries refer to is *used*):

* A used budget line keeps its scope and its first day (its entries were charged by them) and
  is never deleted; its period may end, but not before the last service charged to it. An unused
  line may be edited freely or deleted (with its alerts).
* A used contract keeps its rates and validity start (its entries were priced by them) and is
  never deleted: it is ended (``valid_to``) and a new one made. Only its name may still change.
* Ending sets the last day, never later than an end already set.

Functions refuse with a ``Refusal`` (a French text translated where a page shows it); they
flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.models import Helpline, Structure
from hotline.refusals import N_, Refusal
from interpreter_pool.budget import parse_thresholds
from interpreter_pool.language_names import UnknownLanguage, resolve_language
from interpreter_pool.models import Budget, BudgetAlert, Contract, Interpreter, LedgerEntry

SCOPES = ("all", "helpline", "structure", "provider", "language")
POLICIES = ("warn", "approval")
# What a contract's rates are: a used contract keeps every one of them.
RATE_FIELDS = (
    "interpreter_id", "unit", "unit_price", "valid_from", "block_s", "increment_s", "minimum_s",
    "connection_fee", "night_pct", "night_start", "night_end", "saturday_pct", "sunday_pct",
    "holiday_pct", "urgent_pct", "surcharge_mode", "surcharge_rule", "language_overrides",
)  # fmt: skip
USED_CONTRACT = N_(
    "Ce contrat a déjà servi à facturer des séances : ses tarifs et ses dates ne changent plus. "
    "Mettez-y fin, puis créez un nouveau contrat avec les nouveaux tarifs."
)


class ScopeRefusal(Refusal):
    """The scope's value is missing or unknown (said next to the scope's field)."""


class ContractInUse(Refusal):
    """A change to the rates of a contract sessions were priced with."""


@dataclass(frozen=True)
class LineFields:
    """What a budget line says (``scope_value``: an id, a language code, or None for all)."""

    name: str
    starts_on: date
    ends_on: date
    amount: Decimal
    funder_line: str = ""
    hours_cap: int | None = None
    thresholds: str = "50,80,100"
    policy: str = "warn"
    scope: str = "all"
    scope_value: int | str | None = None
    priority: int = 100


@dataclass(frozen=True)
class Usage:
    """How many ledger entries refer to a line or a contract, and the last service day."""

    entries: int
    last_service_on: date | None

    @property
    def is_used(self) -> bool:
        """Some entry refers to it."""
        return self.entries > 0


def _usage(
    session: Session, column: InstrumentedAttribute[int | None], row_id: int, tz_name: str
) -> Usage:
    count, last = session.execute(
        select(func.count(LedgerEntry.id), func.max(LedgerEntry.service_at)).where(column == row_id)
    ).one()
    if last is not None and last.tzinfo is None:  # SQLite gives it back naive (it was UTC)
        last = last.replace(tzinfo=ZoneInfo("UTC"))
    return Usage(int(count or 0), last.astimezone(ZoneInfo(tz_name)).date() if last else None)


def line_usage(session: Session, line: Budget, tz_name: str) -> Usage:
    """The entries charged to this budget line."""
    return _usage(session, LedgerEntry.budget_line_id, line.id, tz_name)


def contract_usage(session: Session, contract: Contract, tz_name: str) -> Usage:
    """The entries priced with this contract."""
    return _usage(session, LedgerEntry.contract_id, contract.id, tz_name)


def _scope_value(session: Session, scope: str, value: int | str | None) -> int | str | None:
    """The checked value of a scope: the id of an existing row, or a known language code."""
    if scope not in SCOPES:
        raise Refusal(
            N_("Le périmètre d'une ligne est tout, une ligne d'écoute, une structure, un "
               "prestataire ou une langue.")
        )  # fmt: skip
    if scope == "all":
        return None
    if scope == "language":
        try:  # a code or a name ("bambara", "Tigrinya"): ``language_names``
            code = resolve_language(str(value or "")) if value else ""
        except UnknownLanguage:
            code = ""
        if not code:
            if value:
                raise ScopeRefusal(
                    N_("« {code} » n'est pas un code de langue (par exemple ar, ti, prs)."),
                    code=value,
                )
            raise ScopeRefusal(N_("Choisissez la langue que la ligne finance."))
        return code
    ids = {"helpline": Helpline.id, "structure": Structure.id, "provider": Interpreter.id}
    found = (
        session.scalar(select(ids[scope]).where(ids[scope] == value))
        if isinstance(value, int)
        else None
    )
    if found is None:
        messages = {
            "helpline": N_("Choisissez la ligne d'écoute que la ligne budgétaire finance."),
            "structure": N_("Choisissez la structure que la ligne budgétaire finance."),
            "provider": N_("Choisissez le prestataire que la ligne budgétaire finance."),
        }
        raise ScopeRefusal(messages[scope])
    return found


def save_budget_line(
    session: Session,
    fields: LineFields,
    existing: Budget | None = None,
    tz_name: str = "Europe/Paris",
) -> Budget:
    """Create a budget line, or change ``existing`` (a used one keeps its scope and first day)."""
    if not fields.name.strip():
        raise Refusal(N_("Une ligne budgétaire doit avoir un nom."))
    if fields.ends_on < fields.starts_on:
        raise Refusal(N_("Le dernier jour du budget vient avant le premier."))
    if fields.amount <= 0:
        raise Refusal(N_("Le montant d'un budget doit être positif."))
    if fields.policy not in POLICIES:
        raise Refusal(N_("La règle d'un budget est « prévenir » ou « validation »."))
    if fields.hours_cap is not None and fields.hours_cap <= 0:
        raise Refusal(N_("Le plafond d'heures doit être positif."))
    if not 0 <= fields.priority <= 9999:
        raise Refusal(N_("La priorité d'une ligne est un nombre entier de 0 à 9999."))
    try:
        thresholds = ",".join(str(t) for t in parse_thresholds(fields.thresholds))
    except ValueError:
        raise Refusal(
            N_("Seuils d'alerte : des pourcentages entre 1 et 200 séparés par des virgules, "
               "par exemple 50, 80, 100.")
        ) from None  # fmt: skip
    value = _scope_value(session, fields.scope, fields.scope_value)
    line = existing or Budget()
    if existing is not None:
        usage = line_usage(session, existing, tz_name)
        same_scope = (fields.scope, value) == (existing.scope, _stored_scope_value(existing))
        if usage.is_used and (not same_scope or fields.starts_on != existing.starts_on):
            raise Refusal(
                N_("Des séances sont déjà imputées à cette ligne : son périmètre et son premier "
                   "jour ne changent plus. Terminez-la et créez-en une autre.")
            )  # fmt: skip
        _check_end(usage, fields.ends_on)
    line.name, line.funder_line = fields.name.strip(), fields.funder_line.strip()
    line.starts_on, line.ends_on = fields.starts_on, fields.ends_on
    line.amount = fields.amount.quantize(Decimal("0.01"))
    line.hours_cap, line.thresholds, line.policy = fields.hours_cap, thresholds, fields.policy
    line.scope, line.priority = fields.scope, fields.priority
    line.scope_helpline_id = value if fields.scope == "helpline" else None  # type: ignore[assignment]
    line.scope_structure_id = value if fields.scope == "structure" else None  # type: ignore[assignment]
    line.scope_interpreter_id = value if fields.scope == "provider" else None  # type: ignore[assignment]
    line.scope_language = value if fields.scope == "language" else None  # type: ignore[assignment]
    if existing is None:
        session.add(line)
    session.flush()
    return line


def _stored_scope_value(line: Budget) -> int | str | None:
    """The value of the line's scope as stored (None for all)."""
    return {
        "helpline": line.scope_helpline_id,
        "structure": line.scope_structure_id,
        "provider": line.scope_interpreter_id,
        "language": line.scope_language,
    }.get(line.scope)


def _check_end(usage: Usage, last_day: date) -> None:
    if usage.last_service_on is not None and last_day < usage.last_service_on:
        raise Refusal(
            N_("Des séances du {day} sont imputées à cette ligne : elle ne peut pas finir avant."),
            day=usage.last_service_on.strftime("%d/%m/%Y"),
        )


def end_budget_line(
    session: Session, line: Budget, last_day: date, tz_name: str = "Europe/Paris"
) -> Budget:
    """End a budget line on ``last_day`` (not before its first day nor its last charged one)."""
    if last_day < line.starts_on:
        raise Refusal(N_("Une ligne ne peut pas finir avant son premier jour."))
    if last_day > line.ends_on:
        raise Refusal(
            N_("La ligne finit déjà le {day} : pour la prolonger, modifiez-la."),
            day=line.ends_on.strftime("%d/%m/%Y"),
        )
    _check_end(line_usage(session, line, tz_name), last_day)
    line.ends_on = last_day
    session.flush()
    return line


def delete_budget_line(session: Session, line: Budget, tz_name: str = "Europe/Paris") -> None:
    """Delete a line nothing was charged to (its alerts with it); a used line is refused."""
    if line_usage(session, line, tz_name).is_used:
        raise Refusal(
            N_("Des séances sont imputées à cette ligne : elle n'est jamais supprimée. "
               "Terminez-la plutôt.")
        )  # fmt: skip
    session.execute(delete(BudgetAlert).where(BudgetAlert.budget_id == line.id))
    session.delete(line)
    session.flush()


def update_contract(
    session: Session, contract: Contract, changed: Contract, tz_name: str = "Europe/Paris"
) -> Contract:
    """Give ``contract`` the name, rates and validity of ``changed`` (a checked rate card not
    added to the session); a used contract may change only its name."""
    rates_change = any(
        getattr(contract, name) != getattr(changed, name) for name in RATE_FIELDS
    ) or (contract.valid_to != changed.valid_to)
    if rates_change and contract_usage(session, contract, tz_name).is_used:
        raise ContractInUse(USED_CONTRACT)
    for name in (*RATE_FIELDS, "name", "valid_to"):
        setattr(contract, name, getattr(changed, name))
    session.flush()
    return contract


def end_contract(
    session: Session, contract: Contract, last_day: date, tz_name: str = "Europe/Paris"
) -> Contract:
    """Close a contract's validity on ``last_day``: not before it starts, nor before a session it
    priced, nor later than an end already set."""
    if last_day < contract.valid_from:
        raise Refusal(N_("Un contrat ne peut pas finir avant son premier jour de validité."))
    if contract.valid_to is not None and last_day > contract.valid_to:
        raise Refusal(
            N_("Le contrat finit déjà le {day}."), day=contract.valid_to.strftime("%d/%m/%Y")
        )
    last = contract_usage(session, contract, tz_name).last_service_on
    if last is not None and last_day < last:
        raise Refusal(
            N_("Des séances du {day} ont été facturées avec ce contrat : il ne peut pas finir "
               "avant."),
            day=last.strftime("%d/%m/%Y"),
        )  # fmt: skip
    contract.valid_to = last_day
    session.flush()
    return contract
