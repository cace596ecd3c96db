"""The ledger: one charge per session whatever the events, budget alerts once, approval policy."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from itertools import count

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import OutboxMessage
from interpreter_pool.admin import add_interpreter
from interpreter_pool.labels import interpreter_label
from interpreter_pool.models import (
    BudgetAlert,
    Contract,
    Interpreter,
    InterpretingSession,
    LedgerEntry,
    LedgerError,
)
from tests.conftest import ACCOUNT_SID, call_sid, post_signed, voice_form
from tests.factories import (
    make_budget,
    make_contract,
    make_interpreting_session,
    make_ledger_entry,
    make_request,
)
from tests.integration.test_nurse_routing import set_up_rota

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
NUMBERS = count(1)


def per_minute_contract(session: Session, interpreter: Interpreter) -> Contract:
    """3.50 € a minute, 15-minute minimum, then per minute (a published provider rule)."""
    return make_contract(
        session,
        interpreter,
        name="ISM 2026",
        unit="minute",
        unit_price=Decimal("3.50"),
        valid_from=date(2026, 1, 1),
        block_s=60,
        increment_s=60,
        minimum_s=900,
    )


def connected_session(session: Session) -> tuple[InterpretingSession, str]:
    """An interpreting session whose interpreter is in the room, with a contract."""
    n = next(NUMBERS)
    interpreter = add_interpreter(session, f"Interprète {n}", f"+336100{n:05d}", ["ar"])
    per_minute_contract(session, interpreter)
    request = make_request(session, reference=f"2026-9{n:04d}", opened_at=T0)
    sid = call_sid(5000 + n)
    interpreting = make_interpreting_session(
        session,
        request,
        status="connected",
        interpreter_id=interpreter.id,
        connected_call_sid=sid,
        requested_at=T0,
    )
    session.commit()
    return interpreting, sid


def participant_event(
    interpreting: InterpretingSession, sid: str, kind: str, at: datetime, seq: int
) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ConferenceSid": "CF" + f"{interpreting.id:032x}",
        "FriendlyName": interpreting.conference_name,
        "StatusCallbackEvent": kind,
        "CallSid": sid,
        "ParticipantLabel": interpreter_label(interpreting.id),
        "SequenceNumber": str(seq),
        "Timestamp": format_datetime(at),
    }


def charges(session: Session, interpreting: InterpretingSession) -> list[LedgerEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(LedgerEntry).where(LedgerEntry.interpreting_session_id == interpreting.id)
        )
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    minutes=st.integers(1, 40),
    copies=st.lists(st.integers(1, 3), min_size=2, max_size=2),
    order=st.randoms(use_true_random=False),
)
def test_duplicated_and_reordered_participant_events_post_exactly_one_charge(
    client: FlaskClient, session: Session, minutes: int, copies: list[int], order: object
) -> None:
    interpreting, sid = connected_session(session)
    joined, left = T0 + timedelta(seconds=20), T0 + timedelta(seconds=20 + 60 * minutes)
    deliveries = [participant_event(interpreting, sid, "participant-join", joined, 1)] * copies[0]
    deliveries += [participant_event(interpreting, sid, "participant-leave", left, 2)] * copies[1]
    order.shuffle(deliveries)  # type: ignore[attr-defined]
    for form in deliveries:
        assert post_signed(client, "/twilio/voice/conference", form).status_code == 204

    [charge] = charges(session, interpreting)
    assert charge.kind == "charge"
    assert charge.amount == Decimal("3.50") * max(minutes, 15)
    assert charge.duration_s == 60 * minutes
    assert charge.service_at == joined


def test_a_posted_entry_is_never_edited_nor_deleted(client: FlaskClient, session: Session) -> None:
    interpreting, sid = connected_session(session)
    for kind, at, seq in [
        ("participant-join", T0, 1),
        ("participant-leave", T0 + timedelta(minutes=20), 2),
    ]:
        post_signed(
            client, "/twilio/voice/conference", participant_event(interpreting, sid, kind, at, seq)
        )
    [charge] = charges(session, interpreting)
    charge.amount = Decimal("1.00")
    with pytest.raises(LedgerError):
        session.flush()
    session.rollback()
    session.delete(charges(session, interpreting)[0])
    with pytest.raises(LedgerError):
        session.flush()
    session.rollback()


def test_a_budget_at_79_percent_plus_one_session_fires_the_80_percent_alert_once(
    client: FlaskClient, session: Session
) -> None:
    budget = make_budget(
        session,
        name="ARS 2026",
        funder_line="FIR mission 2",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        amount=Decimal("1000.00"),
        hours_cap=250,
    )
    make_ledger_entry(
        session,
        posted_at=T0 - timedelta(days=3),
        kind="charge",
        service_at=T0 - timedelta(days=3),
        amount=Decimal("790.00"),
        label="Séances antérieures",
        dedupe_key="earlier",
        budget_line_id=budget.id,
    )
    session.commit()
    interpreting, sid = connected_session(session)
    events = [
        participant_event(interpreting, sid, "participant-join", T0, 1),
        participant_event(interpreting, sid, "participant-leave", T0 + timedelta(minutes=10), 2),
    ]
    for form in events * 2:
        post_signed(client, "/twilio/voice/conference", form)

    session.expire_all()
    alerts = session.scalars(select(BudgetAlert).where(BudgetAlert.budget_id == budget.id)).all()
    assert sorted(a.threshold for a in alerts) == [50, 80]  # 790 + 52.50 = 842.50 €
    eighty = next(a for a in alerts if a.threshold == 80)
    assert eighty.consumed == Decimal("842.50")
    assert "84.3 %" in eighty.message

    second, sid2 = connected_session(session)
    for kind, at, seq in [
        ("participant-join", T0, 1),
        ("participant-leave", T0 + timedelta(minutes=5), 2),
    ]:
        post_signed(
            client, "/twilio/voice/conference", participant_event(second, sid2, kind, at, seq)
        )
    session.expire_all()
    thresholds = session.scalars(
        select(BudgetAlert.threshold).where(BudgetAlert.budget_id == budget.id)
    ).all()
    assert sorted(thresholds) == [50, 80]  # 80 % fired once; 100 % not reached (895 €)


def test_with_the_approval_policy_an_exhausted_budget_sends_the_gp_to_the_nurse(
    client: FlaskClient, session: Session
) -> None:
    set_up_rota(session)
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    budget = make_budget(
        session,
        name="ARS 2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        amount=Decimal("100.00"),
        policy="approval",
    )
    make_ledger_entry(
        session,
        posted_at=T0,
        kind="charge",
        service_at=T0 - timedelta(days=1),
        amount=Decimal("100.00"),
        label="Séances",
        dedupe_key="spent",
        budget_line_id=budget.id,
    )
    session.commit()
    gp = call_sid(777)
    post_signed(client, "/twilio/voice/incoming", voice_form(gp))
    post_signed(
        client, "/twilio/voice/menu?attempt=1", voice_form(gp, CallStatus="in-progress", Digits="1")
    )
    response = post_signed(
        client,
        "/twilio/interpreting/language-choice?attempt=1",
        voice_form(gp, CallStatus="in-progress", Digits="1"),
    )
    document = ET.fromstring(response.data)
    assert "budget d'interprétariat de la plateforme est épuisé" in "".join(document.itertext())
    conference = document.find("./Dial/Conference")
    assert conference is not None and conference.get("participantLabel") == "gp"
    rung = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "create_call")).all()
    assert [m.payload["params"]["to"] for m in rung] == ["+33600000001"]  # the nurse only
    assert session.scalars(select(InterpretingSession)).all() == []
