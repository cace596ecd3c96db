"""Keeping budget lines and contracts (interpreter_pool.budget_admin), on the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.refusals import Refusal
from interpreter_pool.admin import add_contract
from interpreter_pool.budget_admin import (
    ContractInUse,
    LineFields,
    ScopeRefusal,
    delete_budget_line,
    end_budget_line,
    end_contract,
    line_usage,
    save_budget_line,
    update_contract,
)
from interpreter_pool.models import Budget, BudgetAlert
from tests.factories import (
    make_budget,
    make_contract,
    make_helpline,
    make_interpreter,
    make_ledger_entry,
    make_structure,
)

YEAR = LineFields(
    name="Ligne 2026", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), amount=Decimal(1000)
)


def fields(**changes: object) -> LineFields:
    return LineFields(**{**YEAR.__dict__, **changes})  # type: ignore[arg-type]


def test_each_scope_keeps_only_its_own_value(session: Session) -> None:
    helpline = make_helpline(session)
    structure = make_structure(session)
    interpreter = make_interpreter(session, "ar")
    for scope, value, column in [
        ("helpline", helpline.id, "scope_helpline_id"),
        ("structure", structure.id, "scope_structure_id"),
        ("provider", interpreter.id, "scope_interpreter_id"),
        ("language", "ar-SD", "scope_language"),
    ]:
        line = save_budget_line(session, fields(scope=scope, scope_value=value))
        set_columns = {
            name: getattr(line, name)
            for name in ("scope_helpline_id", "scope_structure_id", "scope_interpreter_id",
                         "scope_language")
            if getattr(line, name) is not None
        }  # fmt: skip
        assert set_columns == {column: "ar" if scope == "language" else value}
    everything = save_budget_line(session, fields(scope="all", scope_value=structure.id))
    assert everything.scope_structure_id is None


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"scope": "structure", "scope_value": 999}, ScopeRefusal, "Choisissez la structure"),
        ({"scope": "provider", "scope_value": None}, ScopeRefusal, "Choisissez le prestataire"),
        (
            {"scope": "language", "scope_value": "zz9"},
            ScopeRefusal,
            "« zz9 » n.est pas un code de langue",
        ),
        ({"scope": "language", "scope_value": ""}, ScopeRefusal, "Choisissez la langue"),
        ({"scope": "region"}, Refusal, "Le périmètre d'une ligne"),
        ({"amount": Decimal(0)}, Refusal, "doit être positif"),
        ({"ends_on": date(2025, 12, 31)}, Refusal, "vient avant le premier"),
        ({"thresholds": "50, 300"}, Refusal, "entre 1 et 200"),
        ({"policy": "stop"}, Refusal, "« prévenir » ou « validation »"),
        ({"hours_cap": -1}, Refusal, "plafond d'heures"),
    ],
)
def test_a_line_that_cannot_be_kept_is_refused(
    session: Session, changes: dict[str, object], error: type[Refusal], message: str
) -> None:
    with pytest.raises(error, match=message):
        save_budget_line(session, fields(**changes))
    assert session.scalars(select(Budget)).all() == []


def test_a_used_line_ends_after_its_last_charge_and_is_never_deleted(session: Session) -> None:
    line = make_budget(session)
    unused = make_budget(session, name="Vide")
    session.add(BudgetAlert(budget_id=unused.id, threshold=50, fired_at=datetime.now(UTC),
                            consumed=Decimal(0), message="—"))  # fmt: skip
    # 23:30 in Paris on 20 November is 22:30 UTC: the local day counts.
    make_ledger_entry(session, service_at=datetime(2026, 11, 20, 22, 30, tzinfo=UTC),
                      amount=Decimal(5), budget_line_id=line.id)  # fmt: skip
    assert line_usage(session, line, "Europe/Paris").last_service_on == date(2026, 11, 20)
    with pytest.raises(Refusal, match="Des séances du 20/11/2026"):
        end_budget_line(session, line, date(2026, 11, 19))
    with pytest.raises(Refusal, match="pour la prolonger"):
        end_budget_line(session, line, date(2027, 1, 31))
    with pytest.raises(Refusal, match="avant son premier jour"):
        end_budget_line(session, line, date(2025, 12, 31))
    assert end_budget_line(session, line, date(2026, 11, 20)).ends_on == date(2026, 11, 20)
    with pytest.raises(Refusal, match="jamais supprimée"):
        delete_budget_line(session, line)
    delete_budget_line(session, unused)
    assert session.scalars(select(Budget.name)).all() == ["Interprétariat 2026"]
    assert session.scalars(select(BudgetAlert)).all() == []


def test_a_used_contract_changes_its_name_only_and_ends_after_its_last_session(
    session: Session,
) -> None:
    interpreter = make_interpreter(session, "ar")
    contract = make_contract(session, interpreter)
    make_ledger_entry(session, contract_id=contract.id, amount=Decimal(7),
                      service_at=datetime(2026, 6, 1, 10, tzinfo=UTC))  # fmt: skip
    same: dict[str, Any] = {
        "unit": "minute",
        "unit_price": Decimal("3.50"),
        "valid_from": date(2026, 1, 1),
    }
    renamed = update_contract(
        session, contract, add_contract(session, interpreter, "Lot 2", **same, keep=False)
    )
    assert (renamed.name, renamed.unit_price) == ("Lot 2", Decimal("3.50"))
    for changed in ({"unit_price": Decimal("3.60")}, {"valid_from": date(2026, 2, 1)}):
        with pytest.raises(ContractInUse):
            update_contract(
                session,
                contract,
                add_contract(session, interpreter, "Lot 2", **same | changed, keep=False),
            )
    with pytest.raises(ContractInUse):
        update_contract(
            session,
            contract,
            add_contract(
                session, interpreter, "Lot 2", **same, valid_to=date(2026, 9, 1), keep=False
            ),
        )
    with pytest.raises(Refusal, match="Des séances du 01/06/2026"):
        end_contract(session, contract, date(2026, 5, 31))
    with pytest.raises(Refusal, match="avant son premier jour"):
        end_contract(session, contract, date(2025, 12, 31))
    assert end_contract(session, contract, date(2026, 6, 30)).valid_to == date(2026, 6, 30)
    with pytest.raises(Refusal, match="finit déjà le 30/06/2026"):
        end_contract(session, contract, date(2026, 7, 31))
    assert end_contract(session, contract, date(2026, 6, 1)).valid_to == date(2026, 6, 1)


def test_a_language_line_takes_the_language_by_name(session: Session) -> None:
    line = save_budget_line(session, fields(scope="language", scope_value="bambara"))
    assert line.scope_language == "bm"
