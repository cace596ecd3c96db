"""The GP's one-key rating through the sandbox: after the nurse, or the interpreter, left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.demo import DemoStack
from hotline.models import Call, Helpline
from interpreter_pool.models import InterpretingSession
from routing.models import ServiceRating
from routing.twiml import RATING_QUESTION, RATING_THANKS
from tests.e2e.conftest import eventually, listen, until, until_ended, until_input

NURSE = "+33600000001"


@pytest.fixture(autouse=True)
def rating_on(db: Session) -> Iterator[None]:
    """The helpline asks for ratings in these tests; put back after."""
    db.execute(update(Helpline).values(is_rating_enabled=True))
    db.commit()
    yield
    db.rollback()
    db.execute(update(Helpline).values(is_rating_enabled=False))
    db.execute(update(InterpretingSession).values(status="ended"))
    db.commit()


def score_of(db: Session, gp_sid: str) -> int | None:
    db.expire_all()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp_sid)).one()
    return db.scalars(
        select(ServiceRating.score).where(ServiceRating.request_id == request_id)
    ).first()


def test_the_nurse_hangs_up_and_the_gp_rates_the_service_with_one_key(
    stack: DemoStack, db: Session
) -> None:
    nurse = stack.sandbox.person(NURSE)
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("2")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    leg = nurse.wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the nurse in the room")
    stack.sandbox.clock.advance(60)
    leg.hang_up()
    stack.sandbox.settle()

    listen(stack, gp, RATING_QUESTION)
    until_input(stack, gp)
    gp.press("7")  # not a score: asked once again
    stack.sandbox.settle()
    listen(stack, gp, "Merci de taper un chiffre de 1 à 5.")
    until_input(stack, gp)
    gp.press("4")
    stack.sandbox.settle()
    listen(stack, gp, RATING_THANKS)
    until_ended(stack, gp)
    assert eventually(lambda: score_of(db, gp.sid), what="the rating") == 4


def test_the_interpreter_hangs_up_and_the_gp_alone_is_asked_to_rate(
    stack: DemoStack, db: Session
) -> None:
    interpreters = [
        stack.sandbox.person(n) for n in ("+33610000001", "+33610000002", "+33610000003")
    ]
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1")
    listen(stack, gp, "l'arabe")
    until_input(stack, gp)
    heard = gp.heard_text()
    digit = heard.split("Pour l'arabe, tapez ", 1)[1][0]
    gp.press(digit)
    leg = interpreters[0].wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the interpreter in the room")
    stack.sandbox.clock.advance(60)
    leg.hang_up()
    stack.sandbox.settle()

    listen(stack, gp, RATING_QUESTION)
    until_input(stack, gp)
    stack.sandbox.clock.advance(10)  # no key: a polite goodbye
    stack.sandbox.settle()
    listen(stack, gp, "Merci de votre appel. Au revoir.")
    until_ended(stack, gp)
    assert score_of(db, gp.sid) is None
