"""Budget lines: every euro of interpreting charged to exactly one line, moved only by an
adjustment pair with its reason, and unfunded spend listed, never dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Professional, ProfessionalStructure, Request, Structure
from hotline.refusals import Refusal
from interpreter_pool import funding, spending
from interpreter_pool.admin import add_budget, add_contract, add_interpreter
from interpreter_pool.finance import post_session_charge, reconcile_session
from interpreter_pool.models import Budget, Interpreter, InterpretingSession, LedgerEntry
from interpreter_pool.services import budget_needing_approval
from tests.factories import (
    make_helpline,
    make_interpreting_session,
    make_professional,
    make_request,
    make_structure,
)
from tests.integration.test_reconciliation import TwilioLeg

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def ledger_total(session: Session) -> Decimal:
    return Decimal(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) or 0)


def lines_total(session: Session) -> Decimal:
    return sum((t.amount for t in funding.line_totals(session).values()), Decimal(0))


def consumed(session: Session, line: Budget) -> Decimal:
    return spending.budget_status(session, line, T0).consumed


class World:
    """A helpline, a health centre with one of its GPs, another GP, an Arabic interpreter
    at 3.50 € a minute."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.helpline = make_helpline(session)
        self.structure: Structure = make_structure(session, name="Centre de santé Bagatelle")
        self.of_structure: Professional = make_professional(session, "+33561000001")
        session.add(
            ProfessionalStructure(
                professional_id=self.of_structure.id, structure_id=self.structure.id
            )
        )
        self.other: Professional = make_professional(
            session, "+33561000002", first_name="Paul", last_name="Durand"
        )
        self.interpreter: Interpreter = add_interpreter(
            session, "Samira Haddad", "+33610000001", ["ar"]
        )
        add_contract(
            session,
            self.interpreter,
            "ISM 2026",
            unit="minute",
            unit_price=Decimal("3.50"),
            valid_from=date(2026, 1, 1),
        )
        self.n = 0

    def charged_session(
        self, professional: Professional, at: datetime = T0, minutes: int = 10
    ) -> LedgerEntry:
        """A session of ``professional``'s request (for his structure, if he has one), charged."""
        self.n += 1
        structure_id = professional.structures[0].id if professional.structures else None
        request: Request = make_request(
            self.session,
            self.helpline,
            reference=f"2026-8{self.n:04d}",
            opened_at=at,
            professional_id=professional.id,
            structure_id=structure_id,
        )
        interpreting = make_interpreting_session(
            self.session,
            request,
            status="ended",
            interpreter_id=self.interpreter.id,
            connected_call_sid=f"CA{self.n:032x}",
            requested_at=at,
        )
        entry = post_session_charge(
            self.session, interpreting, at, at + timedelta(minutes=minutes), at
        )
        assert entry is not None
        return entry


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def two_lines(world: World) -> tuple[Budget, Budget]:
    """One line for the helpline, one for the health centre, over the same year."""
    helpline_line = add_budget(
        world.session, "ARS – FIR 2026", *YEAR, Decimal(10000),
        scope="helpline", scope_id=world.helpline.id,
    )  # fmt: skip
    structure_line = add_budget(
        world.session, "Facilisoins Bagatelle", *YEAR, Decimal(5000),
        scope="structure", scope_id=world.structure.id,
    )  # fmt: skip
    return helpline_line, structure_line


def test_a_structure_s_professional_is_charged_to_the_structure_line_only_the_other_to_the_helpline_s(  # noqa: E501
    world: World, session: Session
) -> None:
    helpline_line, structure_line = two_lines(world)
    ours = world.charged_session(world.of_structure)  # 10 min: 35.00 €
    theirs = world.charged_session(world.other, minutes=4)  # 14.00 €

    assert ours.structure_id == world.structure.id
    assert ours.helpline_id == world.helpline.id
    assert ours.budget_line_id == structure_line.id
    assert ours.detail["budget_rule"] == "most_specific"
    assert theirs.budget_line_id == helpline_line.id
    assert consumed(session, structure_line) == Decimal("35.00")
    assert consumed(session, helpline_line) == Decimal("14.00")
    assert lines_total(session) == ledger_total(session) == Decimal("49.00")


def test_an_entry_outside_every_line_is_listed_as_unfunded_and_still_counted(
    world: World, session: Session
) -> None:
    _helpline_line, _structure_line = two_lines(world)
    world.charged_session(world.other)
    outside = world.charged_session(world.of_structure, at=datetime(2027, 1, 4, 9, tzinfo=UTC))

    assert outside.budget_line_id is None
    assert outside.detail["budget_rule"] == "unfunded"
    assert funding.unfunded_entries(session) == [outside]
    totals = funding.line_totals(session)
    assert totals[None].amount == outside.amount == Decimal("35.00")
    assert lines_total(session) == ledger_total(session) == Decimal("70.00")


def test_a_reassignment_is_an_adjustment_pair_with_its_reason_that_keeps_the_sum(
    world: World, session: Session
) -> None:
    helpline_line, structure_line = two_lines(world)
    entry = world.charged_session(world.other)  # 35.00 € on the helpline's line
    before = ledger_total(session)

    pair = funding.reassign_entry(
        session, entry, structure_line, "  consultation pour le centre  ", 7, T0
    )
    assert pair is not None
    out, into = pair
    assert (out.budget_line_id, out.amount) == (helpline_line.id, Decimal("-35.00"))
    assert (into.budget_line_id, into.amount) == (structure_line.id, Decimal("35.00"))
    assert into.billable_s == entry.billable_s and out.billable_s == -entry.billable_s
    assert "Motif : consultation pour le centre" in into.label
    assert into.detail["reason"] == "consultation pour le centre"
    assert into.detail["user_id"] == 7
    session.expire(entry)
    assert entry.budget_line_id == helpline_line.id  # the posted entry is never edited
    assert ledger_total(session) == before == lines_total(session)
    assert consumed(session, helpline_line) == Decimal("0.00")
    assert consumed(session, structure_line) == Decimal("35.00")
    assert funding.current_line_ids(session, [entry]) == {entry.id: structure_line.id}

    with pytest.raises(Refusal, match="déjà sur cette ligne"):
        funding.reassign_entry(session, entry, structure_line, "encore", 7, T0)
    with pytest.raises(Refusal, match="motif"):
        funding.reassign_entry(session, entry, helpline_line, "   ", 7, T0)
    with pytest.raises(Refusal, match="ne se réaffecte pas"):
        funding.reassign_entry(session, into, helpline_line, "retour", 7, T0)
    next_year = add_budget(session, "ARS 2027", date(2027, 1, 1), date(2027, 12, 31), Decimal(1))
    with pytest.raises(Refusal, match="ne couvre pas le 23/11/2026"):
        funding.reassign_entry(session, entry, next_year, "autre année", 7, T0)

    back = funding.reassign_entry(session, entry, helpline_line, "erreur corrigée", 7, T0)
    assert back is not None and back[0].dedupe_key == f"reassign:{entry.id}:2:out"
    assert consumed(session, helpline_line) == Decimal("35.00")
    assert lines_total(session) == ledger_total(session) == Decimal("35.00")


def test_an_adjustment_follows_the_line_its_session_s_charge_sits_on(
    world: World, session: Session
) -> None:
    _helpline_line, structure_line = two_lines(world)
    charge = world.charged_session(world.other)
    funding.reassign_entry(session, charge, structure_line, "pour le centre", 7, T0)
    interpreting = charge.interpreting_session_id
    assert interpreting is not None
    row = session.get(InterpretingSession, interpreting)
    assert row is not None
    leg = TwilioLeg(  # Twilio saw her leave two minutes later than we did
        sid=row.connected_call_sid or "",
        start_time=T0,
        end_time=T0 + timedelta(minutes=12),
        duration="720",
        price="-0.22100",
    )
    adjustment = reconcile_session(session, row, leg, T0 + timedelta(hours=1))
    assert adjustment is not None and adjustment.amount == Decimal("7.00")
    assert adjustment.budget_line_id == structure_line.id
    assert adjustment.detail["budget_rule"] == "follows_charge"
    assert consumed(session, structure_line) == Decimal("42.00")
    assert lines_total(session) == ledger_total(session)


def test_a_line_created_later_picks_up_past_unfunded_spend_explicitly(
    world: World, session: Session
) -> None:
    entry = world.charged_session(world.of_structure)
    assert funding.unfunded_entries(session) == [entry]
    line = add_budget(
        session, "Facilisoins Bagatelle", *YEAR, Decimal(5000),
        scope="structure", scope_id=world.structure.id,
    )  # fmt: skip
    assert consumed(session, line) == Decimal("0.00")  # nothing moves by itself

    assert funding.charge_unfunded(session, T0) == 1
    assert funding.unfunded_entries(session) == []
    assert consumed(session, line) == Decimal("35.00")
    assert funding.line_totals(session)[None].amount == Decimal("0.00")
    moved = session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == "reassignment").order_by(LedgerEntry.id)
    ).all()
    assert [m.amount for m in moved] == [Decimal("-35.00"), Decimal("35.00")]
    assert "Non financé → Facilisoins Bagatelle" in moved[1].label
    assert funding.charge_unfunded(session, T0) == 0  # once
    assert lines_total(session) == ledger_total(session)


def test_an_entry_a_person_moved_off_every_line_stays_unfunded(
    world: World, session: Session
) -> None:
    helpline_line, _structure_line = two_lines(world)
    entry = world.charged_session(world.other)
    funding.reassign_entry(session, entry, None, "hors convention", 7, T0)
    assert funding.unfunded_entries(session) == [entry]
    assert funding.charge_unfunded(session, T0) == 0
    assert consumed(session, helpline_line) == Decimal("0.00")
    assert funding.line_totals(session)[None].amount == Decimal("35.00")


def test_two_all_budgets_over_the_same_year_no_longer_both_show_the_whole_ledger(
    world: World, session: Session
) -> None:
    first = add_budget(session, "ARS 2026", *YEAR, Decimal(1000))
    second = add_budget(session, "Département 2026", *YEAR, Decimal(1000))
    world.charged_session(world.other)
    world.charged_session(world.of_structure, minutes=4)

    assert consumed(session, first) == Decimal("49.00")  # the older line, equal priorities
    assert consumed(session, second) == Decimal("0.00")
    assert consumed(session, first) + consumed(session, second) == ledger_total(session)

    third = add_budget(session, "CPAM 2026", *YEAR, Decimal(1000), priority=10)
    world.charged_session(world.other, minutes=2)  # 7.00 €: the smaller priority goes first
    assert consumed(session, third) == Decimal("7.00")
    assert consumed(session, first) == Decimal("49.00")
    assert lines_total(session) == ledger_total(session) == Decimal("56.00")


def test_an_exhausted_approval_line_asks_for_approval_only_for_what_it_funds(
    world: World, session: Session
) -> None:
    _helpline_line, structure_line = two_lines(world)
    structure_line.policy = "approval"
    structure_line.amount = Decimal("30.00")
    world.charged_session(world.of_structure)  # 35 € on the structure's line: exhausted
    mine = make_request(session, world.helpline, structure_id=world.structure.id, opened_at=T0)
    other = make_request(session, world.helpline, opened_at=T0)
    assert budget_needing_approval(session, mine, T0) == structure_line
    assert budget_needing_approval(session, other, T0) is None
