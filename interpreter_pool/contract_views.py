"""Contracts (rate cards) in the console, for finance and admins: each provider's contracts, a new
one, a change while no session was priced with it, and the end of its validity (a used contract
is never deleted nor repriced: ``interpreter_pool.budget_admin``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.admin import Page, one_or_404, page, record, refuse
from hotline.auth import require_roles
from hotline.i18n import gettext as _
from hotline.i18n import say
from hotline.refusals import Refusal
from hotline.web import db_session, now, settings
from interpreter_pool.admin import add_contract
from interpreter_pool.budget_admin import ContractInUse, end_contract, update_contract
from interpreter_pool.forms import ContractForm, EndForm
from interpreter_pool.models import Contract, Interpreter, LedgerEntry

bp = Blueprint("contracts", __name__, url_prefix="/finance/contracts", template_folder="templates")
ROLES = ("finance", "admin")
CONTRACT_DEFAULTS: dict[str, Any] = {
    "unit": "minute",
    "block_min": 60,
    "minimum_min": 0,
    "connection_fee": "0",
    "surcharge_rule": "highest",
}


def uses(session: Session, contract_ids: list[int]) -> dict[int, int]:
    """How many ledger entries each contract priced."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(LedgerEntry.contract_id, func.count(LedgerEntry.id))
        .where(LedgerEntry.contract_id.in_(contract_ids))
        .group_by(LedgerEntry.contract_id)
    ).tuples()
    return {contract_id: count for contract_id, count in rows if contract_id is not None}


def _contracts_of(session: Session, interpreter_id: int | None = None) -> list[Contract]:
    query = select(Contract).order_by(Contract.valid_from.desc(), Contract.id.desc())
    if interpreter_id is not None:
        query = query.where(Contract.interpreter_id == interpreter_id)
    return list(session.scalars(query))


@bp.get("")
@require_roles(*ROLES)
def index() -> Page:
    """Every provider with its contracts."""
    session = db_session()
    providers = session.scalars(select(Interpreter).order_by(Interpreter.name)).all()
    contracts = _contracts_of(session)
    by_provider: dict[int, list[Contract]] = {}
    for contract in contracts:
        by_provider.setdefault(contract.interpreter_id, []).append(contract)
    return page(
        "interpreter_pool/contracts.html",
        providers=providers,
        by_provider=by_provider,
        uses=uses(session, [c.id for c in contracts]),
        today=now().date(),
    )


def _provider_page(
    session: Session, provider: Interpreter, form: ContractForm, status: int = 200
) -> Page:
    contracts = _contracts_of(session, provider.id)
    return page(
        "interpreter_pool/provider_contracts.html",
        status,
        provider=provider,
        contracts=contracts,
        uses=uses(session, [c.id for c in contracts]),
        form=form,
        end_form=EndForm(formdata=None, data={"last_day": now().date()}),
        today=now().date(),
    )


@bp.get("/provider/<int:interpreter_id>")
@require_roles(*ROLES)
def provider(interpreter_id: int) -> Page:
    """A provider's contracts, each to change or end, and the form of a new one."""
    session = db_session()
    found: Interpreter = one_or_404(session, Interpreter, interpreter_id)
    form = ContractForm(formdata=None, data=CONTRACT_DEFAULTS | {"valid_from": now().date()})
    return _provider_page(session, found, form)


def _rate_card(
    session: Session, interpreter: Interpreter, form: ContractForm, existing: Contract | None = None
) -> Contract:
    """The checked rate card a valid form describes, added when new (``existing`` None)."""
    prices = (
        {code: Decimal(price) for code, price in existing.language_overrides.items()}
        if existing is not None
        else None
    )
    return add_contract(
        session,
        interpreter,
        form.name.data or "",
        unit=form.unit.data,
        unit_price=form.unit_price.number(),
        valid_from=form.valid_from.day(),
        valid_to=form.valid_to.data,
        block_s=form.block_min.data,
        increment_s=form.increment_min.data or None,
        minimum_s=form.minimum_min.data,
        connection_fee=form.connection_fee.number(),
        night_pct=form.night_pct.number(),
        night_hours=form.night_hours.data or None,
        saturday_pct=form.saturday_pct.number(),
        sunday_pct=form.sunday_pct.number(),
        holiday_pct=form.holiday_pct.number(),
        urgent_pct=form.urgent_pct.number(),
        surcharge_mode="pro_rata" if form.pro_rata.data else "start",
        surcharge_rule=form.surcharge_rule.data or "highest",
        language_prices=prices,
        keep=existing is None,
    )


def summary(contract: Contract) -> dict[str, Any]:
    """A contract's terms for the audit log."""
    return {
        "interpreter_id": contract.interpreter_id,
        "name": contract.name,
        "unit": contract.unit,
        "unit_price": str(contract.unit_price),
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat() if contract.valid_to else None,
    }


@bp.post("/provider/<int:interpreter_id>")
@require_roles(*ROLES)
def create(interpreter_id: int) -> Page:
    """Add a rate card to a provider (an interpreter or an agency)."""
    session, form = db_session(), ContractForm()
    found: Interpreter = one_or_404(session, Interpreter, interpreter_id)
    if not form.validate():
        refuse(form)
        return _provider_page(session, found, form, 400)
    try:
        contract = _rate_card(session, found, form)
    except ValueError as exc:
        refuse(form, ValueError(_("Contrat refusé : {detail}", detail=say(exc))))
        return _provider_page(session, found, form, 400)
    record("contract_added", "contract", contract.id, **summary(contract))
    flash(_("Contrat « {name} » ajouté.", name=contract.name), "success")
    return redirect(url_for("contracts.provider", interpreter_id=interpreter_id))


def _stored(contract: Contract) -> dict[str, Any]:
    night = (
        f"{contract.night_start:%H:%M}-{contract.night_end:%H:%M}"
        if contract.night_start and contract.night_end
        else ""
    )
    return {
        "name": contract.name,
        "unit": contract.unit,
        "unit_price": _cents(Decimal(contract.unit_price)),
        "block_min": contract.block_s,
        "increment_min": contract.increment_s,
        "minimum_min": contract.minimum_s,
        "connection_fee": Decimal(contract.connection_fee),
        "night_pct": Decimal(contract.night_pct),
        "night_hours": night,
        "saturday_pct": Decimal(contract.saturday_pct),
        "sunday_pct": Decimal(contract.sunday_pct),
        "holiday_pct": Decimal(contract.holiday_pct),
        "urgent_pct": Decimal(contract.urgent_pct),
        "pro_rata": contract.surcharge_mode == "pro_rata",
        "surcharge_rule": contract.surcharge_rule,
        "valid_from": contract.valid_from,
        "valid_to": contract.valid_to,
    }


def _cents(price: Decimal) -> Decimal:
    """A price with two decimals when it has no more (35.0000 → 35.00)."""
    cents = price.quantize(Decimal("0.01"))
    return cents if cents == price else price


def _edit_page(session: Session, contract: Contract, form: ContractForm, status: int) -> Page:
    used = uses(session, [contract.id]).get(contract.id, 0)
    return page(
        "interpreter_pool/contract_edit.html",
        status,
        contract=contract,
        form=form,
        used=used,
        end_form=EndForm(formdata=None, data={"last_day": now().date()}),
        today=now().date(),
    )


@bp.get("/<int:contract_id>/edit")
@require_roles(*ROLES)
def edit(contract_id: int) -> Page:
    """A contract's form, filled with its terms."""
    session = db_session()
    contract: Contract = one_or_404(session, Contract, contract_id)
    return _edit_page(session, contract, ContractForm(formdata=None, data=_stored(contract)), 200)


@bp.post("/<int:contract_id>/edit")
@require_roles(*ROLES)
def update(contract_id: int) -> Page:
    """Change a contract no session was priced with (a used one: its name only)."""
    session, form = db_session(), ContractForm()
    contract: Contract = one_or_404(session, Contract, contract_id)
    before = summary(contract)
    if not form.validate():
        refuse(form)
        return _edit_page(session, contract, form, 400)
    try:
        changed = _rate_card(session, contract.interpreter, form, contract)
        update_contract(session, contract, changed, settings().timezone)
    except ContractInUse as exc:
        refuse(form, exc)
        return _edit_page(session, one_or_404(session, Contract, contract_id), form, 400)
    except Refusal as exc:
        refuse(form, ValueError(_("Contrat refusé : {detail}", detail=say(exc))))
        return _edit_page(session, one_or_404(session, Contract, contract_id), form, 400)
    record("contract_updated", "contract", contract.id, before=before, after=summary(contract))
    flash(_("Contrat « {name} » enregistré.", name=contract.name), "success")
    return redirect(url_for("contracts.provider", interpreter_id=contract.interpreter_id))


@bp.post("/<int:contract_id>/end")
@require_roles(*ROLES)
def end(contract_id: int) -> Page:
    """Close a contract's validity on the chosen day."""
    session, form = db_session(), EndForm()
    contract: Contract = one_or_404(session, Contract, contract_id)
    back = url_for("contracts.provider", interpreter_id=contract.interpreter_id)
    before = contract.valid_to.isoformat() if contract.valid_to else None
    if not form.validate():
        refuse(form)
        return redirect(back)
    try:
        end_contract(session, contract, form.last_day.day(), settings().timezone)
    except Refusal as exc:
        refuse(form, exc)
        return redirect(back)
    assert contract.valid_to is not None
    record("contract_ended", "contract", contract.id, before=before, after=str(contract.valid_to))
    flash(
        _("Le contrat « {name} » finit le {day}.", name=contract.name,
          day=contract.valid_to.strftime("%d/%m/%Y")),
        "success",
    )  # fmt: skip
    return redirect(back)
