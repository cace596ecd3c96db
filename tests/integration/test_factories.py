"""The test factories: each row is flushed with its id and defaults, and nothing is committed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Helpline, Request
from hotline.passwords import check_password
from tests.factories import (
    PASSWORD,
    make_budget,
    make_call,
    make_callback_task,
    make_contract,
    make_helpline,
    make_interpreter,
    make_interpreting_session,
    make_ledger_entry,
    make_nurse_routing,
    make_professional,
    make_request,
    make_shift,
    make_user,
    the_helpline,
)


def test_every_factory_flushes_its_row_and_the_test_decides_whether_to_commit(
    session: Session,
) -> None:
    helpline = make_helpline(session)
    assert the_helpline(session) is helpline
    nurse = make_user(session, "nurse, admin", phone="+33600000001")
    professional = make_professional(session, "+33612345678", "+33561223344", label="cabinet")
    request = make_request(session, professional_id=professional.id)
    interpreter = make_interpreter(session, "ar", "ti")
    interpreting = make_interpreting_session(session, request, interpreter_id=interpreter.id)
    rows = [
        helpline,
        nurse,
        professional,
        request,
        interpreter,
        interpreting,
        make_shift(session, nurse),
        make_nurse_routing(session, request),
        make_call(session, request_id=request.id),
        make_callback_task(session, request),
        make_contract(session, interpreter),
        make_budget(session),
        make_ledger_entry(session, interpreting_session_id=interpreting.id),
    ]
    assert all(row.id is not None for row in rows)  # type: ignore[attr-defined]
    assert request.helpline_id == helpline.id
    assert nurse.roles == "nurse,admin" and check_password(PASSWORD, nurse.password_hash)
    assert [p.label for p in professional.phones] == ["cabinet", "cabinet"]
    assert sorted(lang.language for lang in interpreter.languages) == ["ar", "ti"]
    assert repr(request).startswith(f"<Request id={request.id} reference='2026-8")
    session.rollback()
    assert session.scalar(select(func.count(Helpline.id))) == 0
    assert session.scalar(select(func.count(Request.id))) == 0
