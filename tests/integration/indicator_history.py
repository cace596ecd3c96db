"""A small hand-built history of November 2026 whose indicators are computed by hand.

Paris is UTC+1 in November; the helpline opens Mon–Fri 09:00–18:00 Paris (Armistice day, the
11th, is a public holiday). T0 = Monday 23 November, 10:00 Paris.

R1  P1 GP, nurse answers in 20 s (on duty), 600 s with the nurse; closed after 1 h; rated 4.
R2  P1, nurse answers in 45 s (backup), 300 s; closed 3 days later (> 48 h), no category.
R3  P2 midwife, hangs up in the nurse queue after 3 s (short abandon), nothing after: lost.
R4  unknown caller, hangs up after 40 s in the queue (an abandon), callback reached 1 h later;
    the nurse links him to P4 afterwards; a nurse leg of this request failed technically.
R5  P3 pharmacist hangs up at the menu (menu hang-up).
R6  P1 asks to be called back at the menu (not an abandon); reached 3 h after the due time.
R7  P2, fast lane Arabic: pool interpreter in 40 s for 20 min, 70 € (7 € surcharge); rated 5.
R8  P2, nurse in 10 s (on duty), adds Dari: agency in 150 s for 6 min, 30 € (600 s billed),
    then a 5 € credit note.
R9  P4 GP, Saturday, fast lane Tamil: no interpreter; nothing after: lost.
R10 P1, Tuesday 20:00 Paris: nurse closed, message left, callback on time.
R11 P1, October: closed then; its follow-up callback is due and done in November (improved).
R12 P4, by e-mail, still open; its callback is overdue at the end of November.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hotline.models import Participation, Professional, Request, User
from hotline.services import log_event
from interpreter_pool.models import Budget, Interpreter, InterpretingSession
from routing.models import ServiceRating
from tests.conftest import call_sid
from tests.factories import (
    make_budget,
    make_call,
    make_callback_task,
    make_helpline,
    make_interpreter,
    make_interpreting_session,
    make_ledger_entry,
    make_nurse_routing,
    make_professional,
    make_request,
    make_shift,
    make_structure,
    make_user,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
REGISTERED = datetime(2026, 1, 5, tzinfo=UTC)
_SIDS = iter(range(0xA10000, 0xA20000))


@dataclass
class History:
    """What the tests need to name: the helpline, the references of the lost requests."""

    helpline_id: int
    references: dict[str, str]
    budget: Budget
    pool: Interpreter
    agency: Interpreter


def _professional(session: Session, last: str, profession: str, **fields: object) -> Professional:
    return make_professional(
        session, last_name=last, profession=profession, created_at=REGISTERED, **fields
    )


def _inbound(session: Session, request: Request, at: datetime, length: timedelta, **kw: object):  # type: ignore[no-untyped-def]
    return make_call(
        session,
        sid=call_sid(next(_SIDS)),
        request_id=request.id,
        helpline_id=request.helpline_id,
        role="gp",
        direction="inbound",
        created_at=at,
        answered_at=at,
        ended_at=at + length,
        **kw,
    )


def _received(session: Session, request: Request, known: bool = True) -> None:
    log_event(session, request, "received", request.opened_at, detail={"caller_known": known})


def _menu(session: Session, request: Request, choice: str) -> None:
    log_event(
        session, request, "menu_choice", request.opened_at + 10 * S, detail={"choice": choice}
    )


def _queue(  # type: ignore[no-untyped-def]
    session: Session,
    request: Request,
    status: str,
    wait: timedelta,
    end: timedelta,
    nurses: tuple[User, User],
    answered_step: int | None = None,
):
    entered = request.opened_at + 10 * S
    plan = [
        [{"kind": "phone", "user_id": nurses[0].id, "rank": "on_duty"}],
        [{"kind": "phone", "user_id": nurses[1].id, "rank": "backup"}],
    ]
    make_nurse_routing(
        session, request, plan=plan, status=status, created_at=entered, ended_at=entered + end
    )
    if answered_step is not None:
        nurse = nurses[answered_step]
        log_event(
            session,
            request,
            "nurse_answered",
            entered + wait,
            detail={"step": answered_step, "user_id": nurse.id},
        )


def _nurse_time(
    session: Session, request: Request, nurse: User, at: datetime, seconds: int
) -> None:
    session.add(
        Participation(
            conference_sid="CF" + "2" * 32,
            call_sid=call_sid(next(_SIDS)),
            request_id=request.id,
            label=f"nurse-{nurse.id}",
            joined_at=at,
            left_at=at + seconds * S,
        )
    )
    session.flush()


def build(session: Session) -> History:
    """The history above, flushed."""
    helpline = make_helpline(session, is_rating_enabled=True)
    amelie = make_user(session, "nurse", "amelie@example.org", display_name="Amélie")
    paul = make_user(session, "nurse", "paul@example.org", display_name="Paul")
    nurses = (amelie, paul)
    # Rota: Amélie on duty 09:00–18:00 Paris on the 23rd, Paul backup 12:00–18:00.
    make_shift(session, amelie, helpline, starts_at=T0 - H, ends_at=T0 + 8 * H, rank="on_duty")
    make_shift(session, paul, helpline, starts_at=T0 + 2 * H, ends_at=T0 + 8 * H, rank="backup")
    p1 = _professional(session, "Un", "gp", territory="Toulouse Nord", insee_code="31555")
    p2 = _professional(session, "Deux", "midwife", territory="Toulouse Sud", insee_code="31069")
    p3 = _professional(session, "Trois", "pharmacist")
    p4 = _professional(session, "Quatre", "gp", territory="Muret", insee_code="31395")
    _professional(session, "Cinq", "gp")  # registered, never asked
    _professional(session, "Six", "gp", is_active=False)
    msp = make_structure(session, kind="msp")
    cabinet = make_structure(session, name="Cabinet", kind="cabinet")
    pool = make_interpreter(session, "ar", name="Samira")
    make_interpreter(session, "ar", name="Nadia", phone="+33610000002")
    agency = make_interpreter(session, "prs", name="Agence", phone="+33610000003", kind="agency")
    budget = make_budget(session, hours_cap=100)
    refs: dict[str, str] = {}

    def request(name: str, at: datetime, **fields: object) -> Request:
        row = make_request(session, helpline, opened_at=at, **fields)
        refs[name] = row.reference
        return row

    # R1
    r1 = request(
        "R1",
        T0,
        professional_id=p1.id,
        structure_id=msp.id,
        category="complex",
        outcome="answered",
        orientation="pass",
        status="closed",
        closed_at=T0 + H,
    )
    _received(session, r1)
    _inbound(session, r1, T0, 12 * M, price=Decimal("-0.10"))
    _menu(session, r1, "nurse")
    _queue(session, r1, "connected", 20 * S, 12 * M, nurses, answered_step=0)
    make_call(
        session,
        sid=call_sid(next(_SIDS)),
        request_id=r1.id,
        role="nurse",
        direction="outbound-api",
        created_at=T0 + 12 * S,
        price=Decimal("-0.05"),
    )
    _nurse_time(session, r1, amelie, T0 + 30 * S, 600)
    session.add(ServiceRating(request_id=r1.id, score=4, rated_at=T0 + 13 * M))
    # R2
    t1 = T0 + 24 * H
    r2 = request(
        "R2",
        t1,
        professional_id=p1.id,
        outcome="oriented",
        orientation="dac",
        status="closed",
        closed_at=t1 + 72 * H,
    )
    _received(session, r2)
    _inbound(session, r2, t1, 8 * M)
    _menu(session, r2, "nurse")
    _queue(session, r2, "connected", 45 * S, 8 * M, nurses, answered_step=1)
    _nurse_time(session, r2, paul, t1 + M, 300)
    # R3: a short abandon
    r3 = request("R3", T0 + 2 * H, professional_id=p2.id)
    _received(session, r3)
    _inbound(session, r3, r3.opened_at, 13 * S)
    _menu(session, r3, "nurse")
    _queue(session, r3, "abandoned", 3 * S, 3 * S, nurses)
    # R4: an abandon, called back
    r4 = request("R4", T0 + 3 * H, professional_id=p4.id)
    _received(session, r4, known=False)
    _inbound(session, r4, r4.opened_at, 60 * S)
    _menu(session, r4, "nurse")
    _queue(session, r4, "abandoned", 40 * S, 40 * S, nurses)
    make_call(
        session,
        sid=call_sid(next(_SIDS)),
        request_id=r4.id,
        role="nurse",
        direction="outbound-api",
        status="failed",
        created_at=r4.opened_at + 11 * S,
    )
    make_callback_task(
        session,
        r4,
        reason="abandoned",
        created_at=r4.opened_at + 50 * S,
        due_at=r4.opened_at + 50 * S,
        status="done",
        outcome="reached",
        attempts=1,
        first_contact_at=T0 + 4 * H,
        done_at=T0 + 4 * H + 5 * M,
    )
    log_event(session, r4, "caller_linked", T0 + 4 * H + 10 * M, detail={"professional_id": p4.id})
    # R5: a menu hang-up
    r5 = request("R5", T0 + 4 * H, professional_id=p3.id)
    _received(session, r5)
    _inbound(session, r5, r5.opened_at, 15 * S)
    # R6: a callback asked at the menu
    r6 = request("R6", T0 + 5 * H, professional_id=p1.id)
    _received(session, r6)
    _inbound(session, r6, r6.opened_at, 40 * S)
    _menu(session, r6, "callback")
    log_event(session, r6, "callback_requested", r6.opened_at + 30 * S)
    make_callback_task(
        session,
        r6,
        reason="requested",
        created_at=r6.opened_at + 30 * S,
        due_at=T0 + 7 * H,
        status="done",
        outcome="reached",
        attempts=2,
        first_contact_at=T0 + 10 * H,
        done_at=T0 + 10 * H + 5 * M,
    )
    # R7: fast lane, Arabic, pool interpreter
    r7 = request(
        "R7",
        T0 + 6 * H,
        professional_id=p2.id,
        structure_id=cabinet.id,
        category="interpreting",
        outcome="interpreting_done",
        language="ar",
        status="closed",
        closed_at=T0 + 7 * H,
    )
    _received(session, r7)
    _inbound(session, r7, r7.opened_at, 25 * M)
    _menu(session, r7, "interpreter")
    s7_asked = r7.opened_at + 15 * S
    s7 = make_interpreting_session(
        session,
        r7,
        language="ar",
        requested_by="gp",
        requested_at=s7_asked,
        connected_at=s7_asked + 40 * S,
        ended_at=s7_asked + 40 * S + 20 * M,
        status="ended",
        outcome="connected",
        interpreter_id=pool.id,
    )
    _interpreter_leg(session, s7, r7, pool, "completed", Decimal("-0.20"))
    _interpreter_leg(session, s7, r7, pool, "no-answer", None)
    lines = [{"kind": "base", "amount": "63.00"}, {"kind": "surcharge", "amount": "7.00"}]
    make_ledger_entry(
        session,
        interpreting_session_id=s7.id,
        interpreter_id=pool.id,
        language="ar",
        service_at=s7.connected_at,
        duration_s=1200,
        billable_s=1200,
        amount=Decimal("70.00"),
        detail={"lines": lines},
        helpline_id=helpline.id,
        budget_line_id=budget.id,
    )
    session.add(ServiceRating(request_id=r7.id, score=5, rated_at=T0 + 7 * H))
    # R8: nurse, then Dari through the agency
    r8 = request(
        "R8",
        T0 + 26 * H,
        professional_id=p2.id,
        category="interpreting",
        outcome="interpreting_done",
        language="prs",
        status="closed",
        closed_at=T0 + 27 * H,
    )
    _received(session, r8)
    _inbound(session, r8, r8.opened_at, 20 * M)
    _menu(session, r8, "nurse")
    _queue(session, r8, "connected", 10 * S, 20 * M, nurses, answered_step=0)
    _nurse_time(session, r8, amelie, r8.opened_at + 20 * S, 900)
    s8_asked = r8.opened_at + 5 * M
    s8 = make_interpreting_session(
        session,
        r8,
        language="prs",
        requested_by="nurse",
        requested_at=s8_asked,
        connected_at=s8_asked + 150 * S,
        ended_at=s8_asked + 150 * S + 6 * M,
        status="ended",
        outcome="connected",
        interpreter_id=agency.id,
    )
    _interpreter_leg(session, s8, r8, agency, "completed", None)
    for amount, kind, key in (
        (Decimal("30.00"), "charge", 600),
        (Decimal("-5.00"), "adjustment", 0),
    ):
        make_ledger_entry(
            session,
            kind=kind,
            interpreting_session_id=s8.id,
            interpreter_id=agency.id,
            language="prs",
            service_at=s8.connected_at,
            duration_s=360 if key else 0,
            billable_s=key,
            amount=amount,
            detail={"lines": [{"kind": "base", "amount": str(amount)}]},
            helpline_id=helpline.id,
            budget_line_id=budget.id,
        )
    # R9: Saturday, Tamil, nobody
    r9 = request("R9", datetime(2026, 11, 28, 9, 0, tzinfo=UTC), professional_id=p4.id)
    _received(session, r9)
    _inbound(session, r9, r9.opened_at, 3 * M)
    _menu(session, r9, "interpreter")
    make_interpreting_session(
        session,
        r9,
        language="ta",
        requested_by="gp",
        requested_at=r9.opened_at + 15 * S,
        status="no_interpreter",
        outcome="no_interpreter",
    )
    # R10: out of hours, voicemail, callback on time
    r10 = request("R10", datetime(2026, 11, 24, 19, 0, tzinfo=UTC), professional_id=p1.id)
    _received(session, r10)
    _inbound(session, r10, r10.opened_at, 2 * M)
    _menu(session, r10, "nurse")
    log_event(session, r10, "nurse_closed", r10.opened_at + 10 * S, detail={"reason": "fermé"})
    log_event(session, r10, "voicemail_left", r10.opened_at + M)
    wed = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    make_callback_task(
        session,
        r10,
        reason="out_of_hours",
        created_at=r10.opened_at + M,
        due_at=wed,
        status="done",
        outcome="reached",
        attempts=1,
        first_contact_at=wed + 30 * M,
        done_at=wed + 40 * M,
    )
    # R11: October, with a follow-up in November
    october = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
    r11 = request(
        "R11",
        october,
        professional_id=p1.id,
        category="complex",
        outcome="answered",
        status="closed",
        closed_at=october + H,
    )
    _received(session, r11)
    _inbound(session, r11, october, 10 * M)
    make_callback_task(
        session,
        r11,
        reason="follow_up",
        created_at=october + H,
        due_at=wed + H,
        status="done",
        outcome="reached",
        attempts=1,
        first_contact_at=wed + H + 10 * M,
        done_at=wed + H + 20 * M,
        follow_up_outcome="improved",
    )
    # R12: by e-mail, open, its callback overdue
    r12 = request(
        "R12",
        datetime(2026, 11, 26, 14, 0, tzinfo=UTC),
        professional_id=p4.id,
        channel="email",
        category="rights",
    )
    make_callback_task(
        session,
        r12,
        reason="requested",
        created_at=r12.opened_at,
        due_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )
    session.flush()
    return History(helpline.id, refs, budget, pool, agency)


def _interpreter_leg(  # type: ignore[no-untyped-def]
    session: Session,
    interpreting: InterpretingSession,
    request: Request,
    interpreter: Interpreter,
    status: str,
    price: Decimal | None,
):
    answered = interpreting.connected_at if status == "completed" else None
    return make_call(
        session,
        sid=call_sid(next(_SIDS)),
        request_id=request.id,
        helpline_id=request.helpline_id,
        role="interpreter",
        direction="outbound-api",
        status=status,
        created_at=interpreting.requested_at + S,
        answered_at=answered,
        interpreting_session_id=interpreting.id,
        interpreter_id=interpreter.id,
        price=price,
    )


NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
