"""Reconciliation compares like with like (time in the room); each leg's Twilio price is kept
as telephony cost and shown apart from the interpreting cost."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Call
from interpreter_pool.finance import post_session_charge, reconcile_session
from interpreter_pool.models import InterpretingSession, LedgerEntry
from tests.factories import make_call, make_user
from tests.integration.test_console_access import sign_in
from tests.integration.test_ledger import T0, connected_session


@dataclass(frozen=True)
class TwilioLeg:
    """A Call resource as the twilio library gives it (the fields reconciliation reads)."""

    sid: str
    start_time: datetime
    end_time: datetime | None
    duration: str | None
    price: str | None
    price_unit: str = "USD"


def answered_leg(session: Session, interpreting: InterpretingSession, sid: str) -> Call:
    return make_call(
        session,
        sid=sid,
        direction="outbound-api",
        role="interpreter",
        status="completed",
        request_id=interpreting.request_id,
        interpreting_session_id=interpreting.id,
        created_at=T0,
        answered_at=T0,
    )


def session_in_room(
    session: Session, screening_s: int, in_room_s: int
) -> tuple[InterpretingSession, TwilioLeg]:
    """She answers at T0, listens to the screening prompt, presses 1, stays ``in_room_s``."""
    interpreting, sid = connected_session(session)
    answered_leg(session, interpreting, sid)
    joined = T0 + timedelta(seconds=screening_s)
    left = joined + timedelta(seconds=in_room_s)
    post_session_charge(session, interpreting, joined, left, left)
    leg = TwilioLeg(
        sid=sid,
        start_time=T0,
        end_time=left,
        duration=str(screening_s + in_room_s),  # Twilio counts from the answer
        price="-0.22100",
    )
    return interpreting, leg


def entries(session: Session, interpreting: InterpretingSession, kind: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.interpreting_session_id == interpreting.id, LedgerEntry.kind == kind
            )
        )
    )


def test_a_long_screening_prompt_crossing_a_minute_makes_no_phantom_adjustment(
    session: Session,
) -> None:
    # 16 min in the room after a 50 s prompt: the leg lasts 1,010 s, a 17th minute started.
    interpreting, leg = session_in_room(session, screening_s=50, in_room_s=960)
    [charge] = entries(session, interpreting, "charge")
    assert charge.amount == Decimal("56.00")

    assert reconcile_session(session, interpreting, leg, T0 + timedelta(hours=1)) is None
    assert entries(session, interpreting, "adjustment") == []
    assert interpreting.reconciled_at is not None


def test_time_in_the_room_that_twilio_counts_beyond_ours_is_adjusted(session: Session) -> None:
    interpreting, leg = session_in_room(session, screening_s=10, in_room_s=960)
    later = TwilioLeg(  # Twilio saw her leave two minutes after the leave we recorded
        sid=leg.sid,
        start_time=leg.start_time,
        end_time=(leg.end_time or T0) + timedelta(seconds=120),
        duration=str(10 + 960 + 120),
        price=leg.price,
    )
    adjustment = reconcile_session(session, interpreting, later, T0 + timedelta(hours=1))
    assert adjustment is not None
    assert adjustment.amount == Decimal("7.00")  # 2 more minutes at 3.50 €
    assert adjustment.detail["twilio_in_room_s"] == 1080


def test_the_leg_s_twilio_price_is_kept_as_telephony_cost(session: Session) -> None:
    interpreting, leg = session_in_room(session, screening_s=10, in_room_s=300)
    reconcile_session(session, interpreting, leg, T0 + timedelta(hours=1))
    call = session.scalars(select(Call).where(Call.sid == leg.sid)).one()
    assert call.price == Decimal("-0.22100") and call.price_unit == "USD"
    assert call.priced_at == T0 + timedelta(hours=1)
    assert call.duration_s == 310


def test_a_leg_twilio_has_not_priced_yet_is_left_to_be_read_again(session: Session) -> None:
    interpreting, leg = session_in_room(session, screening_s=10, in_room_s=300)
    unpriced = TwilioLeg(leg.sid, leg.start_time, leg.end_time, leg.duration, price=None)
    reconcile_session(session, interpreting, unpriced, T0 + timedelta(hours=1))
    call = session.scalars(select(Call).where(Call.sid == leg.sid)).one()
    assert call.price is None and call.priced_at is None


def test_the_finance_page_shows_the_telephony_cost_apart_from_the_interpreting_cost(
    client: FlaskClient, session: Session
) -> None:
    interpreting, leg = session_in_room(session, screening_s=10, in_room_s=960)
    reconcile_session(session, interpreting, leg, T0 + timedelta(hours=1))
    make_call(
        session,
        sid="CA" + "7" * 32,
        direction="inbound",
        status="completed",
        request_id=interpreting.request_id,
        created_at=T0,
        ended_at=T0 + timedelta(minutes=20),
        price=Decimal("-0.17000"),
        price_unit="USD",
        priced_at=T0 + timedelta(hours=1),
    )
    finance = make_user(session, "finance")
    session.commit()
    assert sign_in(client, finance.email) == 302

    page = html.unescape(client.get("/finance").get_data(as_text=True))
    section = page[page.index("Coût d'interprétariat et coût téléphonique") :]
    row = section[section.index("<td>2026-11</td>") :].split("</tr>")[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    # The interpreting cost (the ledger); Twilio's price of the helpline's legs, a separate
    # figure, and the part of it for the interpreter's leg; two legs.
    assert cells == ["56,00\u00a0€", "0,39\u00a0$US", "0,22\u00a0$US", "2"]

    english = client.get("/finance?lang=en").get_data(as_text=True)
    assert "Interpreting cost and telephony cost" in english
    assert "$0.22" in english
