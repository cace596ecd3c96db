"""Press 1: the right interpreter on the line, by language, the first to press 1 bridged."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callbacks.jobs import advance_overdue_steps
from hotline.demo import DemoStack
from hotline.models import Call, Helpline, Request, User
from hotline.sandbox import AgencyMenu, Leg, Person
from hotline.sandbox.engine import PRICE_PER_MINUTE
from hotline.sandbox.webhooks import WebhookRecord
from hotline.telephony.client import build_rest_client
from interpreter_pool.finance import reconcile
from interpreter_pool.models import InterpretingSession, LedgerEntry
from tests.csrf import console_cookie as signed_in_cookie
from tests.csrf import signed_csrf_token
from tests.e2e.conftest import eventually, listen, until, until_ended, until_input

CSRF = "console-csrf-token-of-the-test"
ARABIC = ["+33610000001", "+33610000002", "+33610000003"]
TIGRINYA = "+33610000004"
AGENCY = "+33140000000"
NURSE = "+33600000001"


@pytest.fixture(autouse=True)
def fresh_pool_usage(db: Session) -> Iterator[None]:
    """The module shares one database: sessions of earlier tests must not reorder the menu."""
    yield
    db.rollback()
    db.execute(update(InterpretingSession).values(status="ended"))
    db.execute(update(Helpline).values(interpreter_budget_s=120))
    db.commit()


def call_and_press_1(stack: DemoStack, db: Session) -> tuple[Leg, Request]:
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1")
    listen(stack, gp, "Quelle langue parle le patient")
    stack.sandbox.settle()
    call = db.scalars(select(Call).where(Call.sid == gp.sid)).one()
    request = db.get(Request, call.request_id)
    assert request is not None
    return gp, request


def digit_for(heard: str, language: str) -> str:
    found = re.search(rf"Pour {language}, tapez (\d)", heard)
    assert found, f"{language} not offered in: {heard}"
    return found.group(1)


def latest_session(db: Session, request: Request) -> InterpretingSession:
    db.expire_all()
    return db.scalars(
        select(InterpretingSession)
        .where(InterpretingSession.request_id == request.id)
        .order_by(InterpretingSession.id.desc())
    ).first()  # type: ignore[return-value]


def labels_in_room(stack: DemoStack, request: Request) -> list[str | None]:
    room = stack.sandbox.conference(f"req-{request.id}")
    return sorted(p.label or "" for p in room.participants.values())


def test_three_arabic_interpreters_ring_at_once_and_the_second_to_answer_is_bridged(
    stack: DemoStack, db: Session
) -> None:
    people = [stack.sandbox.person(number) for number in ARABIC]
    gp, request = call_and_press_1(stack, db)
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))

    legs = [person.wait_for_ring(timeout=2) for person in people]
    assert all(leg is not None for leg in legs), "the three Arabic interpreters ring at once"
    stack.sandbox.settle()
    listen(stack, gp, "Nous recherchons un interprète en arabe")
    assert "Nous recherchons un interprète en arabe" in gp.heard_text()

    stack.sandbox.clock.advance(7)
    second = legs[1]
    assert second is not None
    second.answer()
    stack.sandbox.settle()
    listen(stack, second, "Interprétariat en arabe pour Plateforme e.CARE")
    assert "Interprétariat en arabe pour Plateforme e.CARE" in second.heard_text()
    until_input(stack, second)
    second.press("1")
    stack.sandbox.settle()
    until(stack, lambda: second.conference is not None, "the interpreter in the room")

    session = latest_session(db, request)
    assert labels_in_room(stack, request) == ["gp", f"interpreter-{session.id}"]
    others = [legs[0], legs[2]]
    eventually(
        lambda: all(leg is not None and leg.status == "canceled" for leg in others),
        what="the two other legs cancelled",
    )
    session = latest_session(db, request)
    assert session.status == "connected"
    assert session.connected_call_sid == second.sid
    assert session.time_to_connect_s == 7
    assert session.interpreter is not None and session.interpreter.name == "Youssef Amrani"


def test_the_gp_says_tigrigna_and_the_tigrinya_interpreter_rings(
    stack: DemoStack, db: Session
) -> None:
    interpreter = stack.sandbox.person(TIGRINYA)
    gp, request = call_and_press_1(stack, db)
    until_input(stack, gp)
    gp.press("9")
    listen(stack, gp, "Dites le nom de la langue")
    gp.say("tigrigna")
    listen(stack, gp, "interprète en tigrigna")
    until_input(stack, gp)
    gp.press("1")
    assert interpreter.wait_for_ring(timeout=2) is not None
    assert latest_session(db, request).language == "ti"


def test_an_unknown_word_is_asked_again_once_then_the_nurse_rings(
    stack: DemoStack, db: Session
) -> None:
    nurse = stack.sandbox.person(NURSE)
    gp, _ = call_and_press_1(stack, db)
    until_input(stack, gp)
    gp.press("9")
    listen(stack, gp, "Dites le nom de la langue")
    gp.say("pamplemousse")
    listen(stack, gp, "Je n'ai pas compris la langue")
    until_input(stack, gp)
    gp.say("bidule machin")
    until(stack, lambda: nurse.ringing, "the nurse rung")
    assert gp.heard_text().count("Je n'ai pas compris la langue") == 2
    listen(stack, gp, "Je vous mets en relation avec l'infirmière")
    assert "Je vous mets en relation avec l'infirmière" in gp.heard_text()


def test_no_individual_answers_so_the_agency_menu_gets_its_code_and_connects_on_joining(
    stack: DemoStack, db: Session
) -> None:
    people = [stack.sandbox.person(number) for number in ARABIC]
    menu = AgencyMenu(digits="1234#", interpreter_after_s=20.0, timeout_s=10.0)
    agency: Person = stack.sandbox.person(AGENCY, menu)
    gp, request = call_and_press_1(stack, db)
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))
    assert all(person.wait_for_ring(timeout=2) is not None for person in people)
    assert agency.legs == []

    stack.sandbox.clock.advance(36)  # the individuals' legs time out (30 s, + Twilio's buffer)
    line = eventually(lambda: agency.legs and agency.legs[0], what="the agency's line called")
    stack.sandbox.settle()
    # Twilio keys the access code and the language code itself (SendDigits), pauses included.
    assert line.digits_received == ["wwww1234#wwww11#"]
    stack.sandbox.clock.advance(5)  # the keys take their pauses; then the leg's TwiML runs
    stack.sandbox.settle()
    assert line.keys_received == "1234#11#"

    session = eventually(
        lambda: (found := latest_session(db, request)).status == "connected" and found,
        what="the session connected when the agency's line joined the room",
    )
    assert session.connected_call_sid == line.sid
    assert session.interpreter is not None and session.interpreter.kind == "agency"
    assert labels_in_room(stack, request) == ["gp", f"interpreter-{session.id}"]
    assert "Pour accepter, tapez 1" not in line.heard_text()  # a menu is not screened
    listen(stack, gp, "Nous joignons l'agence d'interprétariat")  # the GP is told

    stack.sandbox.clock.advance(10)  # longer than any screening would wait for a key
    stack.sandbox.settle()
    assert line.status == "in-progress"
    listen(stack, gp, "interprète de l'agence")  # 20 s after its code, its interpreter comes on
    assert latest_session(db, request).status == "connected"
    assert line.status == "in-progress"


def test_the_agency_does_not_answer_either_so_the_gp_is_offered_the_nurse_or_a_callback(
    stack: DemoStack, db: Session
) -> None:
    people = [stack.sandbox.person(number) for number in ARABIC]
    agency: Person = stack.sandbox.person(AGENCY)
    gp, request = call_and_press_1(stack, db)
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))
    assert all(person.wait_for_ring(timeout=2) is not None for person in people)

    stack.sandbox.clock.advance(36)  # the individuals' legs time out (30 s, + Twilio's buffer)
    assert agency.wait_for_ring(timeout=2) is not None
    for _ in range(12):  # nobody picks up the agency's line until its step times out
        stack.sandbox.clock.advance(5)
        stack.sandbox.settle()

    listen(stack, gp, "Aucun interprète en arabe n'est disponible")
    session = latest_session(db, request)
    assert session.status == "no_interpreter" and session.outcome == "no_interpreter"
    db.expire_all()
    refreshed = db.get(Request, request.id)
    assert refreshed is not None and refreshed.outcome == "no_interpreter"
    assert "interpreter_not_found" in [e.kind for e in refreshed.events]
    until_input(stack, gp)
    gp.press("3")
    stack.sandbox.settle()
    listen(stack, gp, "nous vous rappellerons")
    assert "nous vous rappellerons" in gp.heard_text()


def test_with_the_callbacks_of_the_first_step_lost_the_next_step_rings_by_its_deadline(
    stack: DemoStack, db: Session
) -> None:
    people = [stack.sandbox.person(number) for number in ARABIC]
    agency: Person = stack.sandbox.person(AGENCY)
    sandbox = getattr(stack.sandbox, "engine", stack.sandbox)
    lost: list[WebhookRecord] = []

    def is_lost(record: WebhookRecord) -> bool:
        if "/twilio/interpreting/leg-status" in record.url and "step=0" in record.url:
            lost.append(record)
            return True
        return False

    undo = sandbox.drop_webhooks(is_lost)
    try:
        gp, request = call_and_press_1(stack, db)
        gp.press(digit_for(gp.heard_text(), "l'arabe"))
        assert all(person.wait_for_ring(timeout=2) is not None for person in people)
        deadline = latest_session(db, request).step_deadline_at
        assert deadline is not None
        tick = timedelta(seconds=stack.settings.clock_tick_s)
        clock = stack.sandbox.clock
        state = stack.app.extensions["hotline"]
        client = build_rest_client(stack.settings)
        while not agency.legs:
            assert clock.now() <= deadline + tick, "the GP still waits for the next step"
            clock.advance(tick.total_seconds())
            stack.sandbox.settle()
            advance_overdue_steps(state.database, client, state.clock, stack.settings.public_root)
            stack.sandbox.settle()
            if clock.now() < deadline:
                assert agency.legs == [], "the agency rang before the deadline"
        assert "no-answer" in {r.params.get("CallStatus") for r in lost}
        session = latest_session(db, request)
        assert session.status == "dispatching" and session.current_step == 1
        assert "interpreter_step_deadline" in [e.kind for e in session_events(db, request)]
    finally:
        undo()


def session_events(db: Session, request: Request) -> list[Any]:
    db.expire_all()
    found = db.get(Request, request.id)
    assert found is not None
    return list(found.events)


def csrf_header(stack: DemoStack) -> dict[str, str]:
    """The header the console's scripts send: the token its pages give the session."""
    return {"X-CSRF-Token": signed_csrf_token(stack.app, CSRF)}


def console_cookie(stack: DemoStack, user: User) -> dict[str, str]:
    """The session cookie the console's sign-in gives this user."""
    return signed_in_cookie(stack.app, user, CSRF)


def test_an_interpreter_added_by_the_nurse_to_her_call_makes_three_in_the_room(
    stack: DemoStack, db: Session
) -> None:
    nurse = stack.sandbox.person(NURSE)
    arabic = [stack.sandbox.person(number) for number in ARABIC]
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("2")
    leg = nurse.wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the nurse in the room")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    request = db.get(Request, db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one())
    assert request is not None
    nurse_user = db.scalars(select(User).where(User.phone == NURSE)).one()
    nurse_label = f"nurse-{nurse_user.id}"
    assert labels_in_room(stack, request) == ["gp", nurse_label]

    api = f"{stack.settings.public_root}/console/api/requests/{request.id}/interpreter"
    refused = requests.post(api, json={"language": "ar"}, timeout=5)
    assert refused.status_code == 401
    other = db.scalars(select(User).where(User.phone == "+33600000002")).one()
    not_hers = requests.post(
        api, json={"language": "ar"}, cookies=console_cookie(stack, other), timeout=5
    )
    assert not_hers.status_code == 403
    cookies = console_cookie(stack, nurse_user)
    bad = requests.post(api, json={"language": "zz9"}, cookies=cookies, timeout=5)
    assert bad.status_code == 400 and "zz9" in bad.json()["message"]

    added = requests.post(
        api, json={"language": "ar"}, cookies=cookies, headers=csrf_header(stack), timeout=5
    )
    assert added.status_code == 202, added.text
    assert added.json()["language_name"] == "arabe"
    first = arabic[0].wait_for_ring(timeout=2)
    assert first is not None
    first.answer()
    stack.sandbox.settle()
    until_input(stack, first)
    first.press("1")
    stack.sandbox.settle()
    until(stack, lambda: first.conference is not None, "the interpreter in the room")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    session = latest_session(db, request)
    assert labels_in_room(stack, request) == ["gp", f"interpreter-{session.id}", nurse_label]

    assert requests.delete(api, cookies=cookies, timeout=5).status_code == 403  # no CSRF token
    removed = requests.delete(api, cookies=cookies, headers=csrf_header(stack), timeout=5)
    assert removed.status_code == 200
    eventually(lambda: first.status == "completed", what="the interpreter's leg hung up")
    stack.sandbox.settle()
    assert labels_in_room(stack, request) == ["gp", nurse_label]
    assert gp.status == "in-progress" and leg.status == "in-progress"
    session = latest_session(db, request)
    assert session.requested_by == "nurse" and session.outcome == "removed"


def test_a_session_is_charged_for_its_time_in_the_room_and_a_prompt_crossing_a_minute_adds_nothing(
    stack: DemoStack, db: Session
) -> None:
    samira = stack.sandbox.person(ARABIC[0])
    gp, request = call_and_press_1(stack, db)
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))
    leg = samira.wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    stack.sandbox.clock.advance(8)  # she hears the whole screening prompt before pressing 1
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the interpreter in the room", step_s=0.05)
    for _ in range(15):  # 15 min 55 s in the room: a 16th minute started
        stack.sandbox.clock.advance(60)
    stack.sandbox.clock.advance(55)
    leg.hang_up()
    stack.sandbox.settle()

    session = latest_session(db, request)

    def charge() -> LedgerEntry | None:
        db.expire_all()
        return db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.interpreting_session_id == session.id, LedgerEntry.kind == "charge"
            )
        ).first()

    posted = eventually(charge, what="the session's charge")
    assert posted.duration_s == 955
    assert posted.amount == Decimal("56.00")  # 16 min × 3.50 € (over the 15-minute minimum)

    stack.sandbox.clock.advance(180)
    state = stack.app.extensions["hotline"]
    client = build_rest_client(stack.settings)
    assert reconcile(state.database, client, state.clock) == 1
    assert reconcile(state.database, client, state.clock) == 0  # once
    db.expire_all()
    # Twilio counts the leg from her answer: the screening prompt, her key press and the words
    # said before she joins push it past 16 minutes, a 17th minute started. Counted from her
    # join, as the charge is, the room time agrees: no adjustment.
    adjustments = db.scalars(
        select(LedgerEntry).where(
            LedgerEntry.interpreting_session_id == session.id, LedgerEntry.kind == "adjustment"
        )
    ).all()
    assert adjustments == []
    leg_row = db.scalars(select(Call).where(Call.sid == leg.sid)).one()
    assert leg_row.duration_s is not None and leg_row.duration_s > 960
    # Twilio's own price of the leg, kept as telephony cost (a charge: negative).
    minutes = math.ceil(leg_row.duration_s / 60)
    assert leg_row.price == -Decimal(str(PRICE_PER_MINUTE)) * minutes
    assert leg_row.price_unit == "USD" and leg_row.priced_at is not None
    rung = db.scalars(select(Call).where(Call.interpreting_session_id == session.id)).all()
    assert len(rung) == 3  # the two legs cancelled when she pressed 1 are priced too (nothing)
    assert all(c.priced_at is not None for c in rung)
    assert sorted(c.price for c in rung if c.sid != leg.sid) == [Decimal(0), Decimal(0)]


def test_an_interpreter_still_screening_when_another_takes_the_call_hears_it_is_taken(
    stack: DemoStack, db: Session
) -> None:
    people = [stack.sandbox.person(number) for number in ARABIC]
    gp, _request = call_and_press_1(stack, db)
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    gp.press(digit_for(gp.heard_text(), "l'arabe"))
    first, late = (person.wait_for_ring(timeout=2) for person in people[:2])
    assert first is not None and late is not None
    first.answer()
    late.answer()
    stack.sandbox.settle()
    until_input(stack, first)
    first.press("1")  # the late one is still hearing who the call is for
    stack.sandbox.settle()
    until(stack, lambda: first.conference is not None, "the first interpreter in the room")

    listen(stack, late, "Merci, cet appel a déjà été pris par un collègue.")
    until_ended(stack, late)
    assert late.status == "completed"
    assert late.conference is None
