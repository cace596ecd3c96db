"""Setting up the pool: interpreters and agencies with their languages (CLI now, console later).

Functions validate their input and raise ``ValueError`` with a message for a person; they flush,
never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline
from interpreter_pool.dispatch import STRATEGIES
from interpreter_pool.languages import base_code, language_name
from interpreter_pool.models import Interpreter, InterpreterLanguage
from routing.admin import phone_e164
from routing.hours import parse_schedule


def parse_languages(text: str) -> list[str]:
    """ "ar, ti,prs" → base codes, each a language Babel or the catalogue knows."""
    codes: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        try:
            code = base_code(raw.strip())
            known = language_name(code, "fr") != code
        except (ValueError, LookupError):
            known = False
        if not known:
            raise ValueError(f"{raw.strip()!r} is not a language code (e.g. ar, ti, prs)")
        codes.append(code)
    if not codes:
        raise ValueError("give at least one language code, e.g. ar or ti")
    return list(dict.fromkeys(codes))


def add_interpreter(
    session: Session,
    name: str,
    phone: str,
    languages: Sequence[str],
    *,
    kind: str = "individual",
    priority: int = 100,
    max_concurrent: int = 1,
    availability: str = "",
    access_code: str | None = None,
    agency_codes: Mapping[str, str] | None = None,
) -> Interpreter:
    """Create an interpreter or agency, or update the one with the same phone."""
    if kind not in ("individual", "agency"):
        raise ValueError("kind must be individual or agency")
    if not name.strip():
        raise ValueError("an interpreter needs a name")
    if max_concurrent < 1:
        raise ValueError("max concurrent sessions must be at least 1")
    if availability.strip():
        parse_schedule(availability)
    number = phone_e164(phone)
    codes = parse_languages(",".join(languages))
    agency_codes = {base_code(k): v for k, v in (agency_codes or {}).items()}
    for code, digits in agency_codes.items():
        if not digits.isdigit():
            raise ValueError(f"agency code for {code} must be digits, not {digits!r}")
    interpreter = session.scalars(select(Interpreter).where(Interpreter.phone == number)).first()
    if interpreter is None:
        interpreter = Interpreter(phone=number, name=name.strip())
        session.add(interpreter)
    interpreter.name, interpreter.kind = name.strip(), kind
    interpreter.priority, interpreter.max_concurrent = priority, max_concurrent
    interpreter.availability = availability.strip()
    interpreter.access_code = access_code
    known = {lang.language: lang for lang in interpreter.languages}
    for code in codes:
        entry = known.get(code)
        if entry is None:
            entry = InterpreterLanguage(language=code)
            interpreter.languages.append(entry)
        entry.agency_code = agency_codes.get(code)
    session.flush()
    return interpreter


def set_dispatch(
    session: Session,
    helpline_id: int,
    strategy: str | None = None,
    budget_s: int | None = None,
    agency_delay_s: int | None = None,
    pinned: str | None = None,
) -> None:
    """Dispatch settings of a helpline."""
    helpline = session.get(Helpline, helpline_id)
    if helpline is None:
        raise ValueError("no such helpline")
    if strategy is not None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
        helpline.dispatch_strategy = strategy
    if budget_s is not None:
        if budget_s < 20:
            raise ValueError("the time budget must be at least 20 seconds")
        helpline.interpreter_budget_s = budget_s
    if agency_delay_s is not None:
        if agency_delay_s < 5:
            raise ValueError("the agency delay must be at least 5 seconds")
        helpline.agency_delay_s = agency_delay_s
    if pinned is not None:
        helpline.language_menu_pinned = ",".join(parse_languages(pinned)) if pinned.strip() else ""
    session.flush()
