"""The interpreter pool: the languages it covers, the language menu, who can take a call now."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from interpreter_pool.dispatch import Candidate, is_send_digits, send_digits_for
from interpreter_pool.languages import base_code
from interpreter_pool.models import (
    Interpreter,
    InterpreterKind,
    InterpreterLanguage,
    InterpretingSession,
    SessionStatus,
)
from routing.hours import OpeningHours, is_open, parse_schedule

logger = logging.getLogger(__name__)


def pool_languages(session: Session) -> list[str]:
    """Codes at least one active interpreter or agency covers."""
    return list(
        session.scalars(
            select(InterpreterLanguage.language)
            .join(Interpreter)
            .where(Interpreter.is_active)
            .distinct()
            .order_by(InterpreterLanguage.language)
        )
    )


def _is_available(interpreter: Interpreter, busy: int, now: datetime, tz_name: str) -> bool:
    if not interpreter.is_active or busy >= interpreter.max_concurrent:
        return False
    if not interpreter.availability.strip():
        return True
    hours = OpeningHours(parse_schedule(interpreter.availability), tz_name, holiday_country=None)
    return is_open(hours, now)


def candidates(session: Session, language: str, now: datetime, tz_name: str) -> list[Candidate]:
    """Interpreters and agencies of the language who can take a session now."""
    rows = session.execute(
        select(Interpreter, InterpreterLanguage.agency_code)
        .join(InterpreterLanguage)
        .where(InterpreterLanguage.language == base_code(language), Interpreter.is_active)
    ).all()
    busy: dict[int | None, int] = {
        interpreter_id: count
        for interpreter_id, count in session.execute(
            select(InterpretingSession.interpreter_id, func.count(InterpretingSession.id))
            .where(InterpretingSession.status == SessionStatus.CONNECTED)
            .group_by(InterpretingSession.interpreter_id)
        ).tuples()
    }
    found = [
        Candidate(
            id=interpreter.id,
            kind="agency" if interpreter.kind == InterpreterKind.AGENCY else "individual",
            name=interpreter.name,
            phone=interpreter.phone,
            priority=interpreter.priority,
            access_code=interpreter.access_code,
            agency_code=agency_code,
        )
        for interpreter, agency_code in rows
        if _is_available(interpreter, busy.get(interpreter.id, 0), now, tz_name)
    ]
    return [c for c in found if _keys_are_valid(c)]


def _keys_are_valid(candidate: Candidate) -> bool:
    # Codes stored before they were checked where entered: Twilio would refuse the call (21206).
    digits = send_digits_for(candidate.access_code, candidate.agency_code)
    if candidate.kind == "agency" and digits is not None and not is_send_digits(digits):
        logger.warning("agency %s skipped: its access code cannot be keyed", candidate.id)
        return False
    return True
