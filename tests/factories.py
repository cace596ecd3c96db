"""Factories of model rows for tests: one per model, keyword overrides, flushed, never committed.

Each factory takes the session first and any column as a keyword; what a test does not name gets
a plain default (the helpline on the configured number, Dr Claire Martin, Monday 2026-11-23
10:00 in Paris). Rows are added and flushed so they have their ids; the test commits when it
needs to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import count
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from callbacks.network.partner_models import Partner, PartnerLanguage, PartnerPhone
from hotline import reference_lists
from hotline.models import Call, Helpline, Professional, ProfessionalPhone, Request, Structure, User
from hotline.passwords import hash_password
from hotline.scope import adopt_accounts, grant_roles_where_alone, memberships_of, set_memberships
from hotline.users import parse_roles
from interpreter_pool.models import (
    Budget,
    Contract,
    Interpreter,
    InterpreterLanguage,
    InterpretingSession,
    LedgerEntry,
)
from routing.models import NurseRouting, Shift
from tests.conftest import HOTLINE_NUMBER, call_sid

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris, the clock fixture's time
PASSWORD = "correct horse battery"

# Unique values for columns a test rarely names, far from what the app itself numbers.
_REFERENCES = count(1)
_SIDS = count(0xF00000)
_KEYS = count(1)

RowT = TypeVar("RowT")


def _add(session: Session, row: RowT) -> RowT:
    session.add(row)
    session.flush()
    return row


def make_helpline(session: Session, **fields: Any) -> Helpline:
    """A helpline, by default the deployment's one on the configured number."""
    fields.setdefault("name", "Permanence")
    fields.setdefault("phone_number", HOTLINE_NUMBER)
    helpline = _add(session, Helpline(**fields))
    reference_lists.seed_defaults(session, helpline)  # as the services that create one do
    adopt_accounts(session, helpline)
    return helpline


def the_helpline(session: Session) -> Helpline:
    """The helpline already in the database, or a new default one."""
    return session.scalars(select(Helpline).order_by(Helpline.id)).first() or make_helpline(session)


@cache
def _password_hash(password: str) -> str:
    # scrypt is slow on purpose: hash each test password once per run.
    return hash_password(password)


def make_user(
    session: Session,
    roles: str = "nurse",
    email: str | None = None,
    *,
    password: str = PASSWORD,
    **fields: Any,
) -> User:
    """A console account with these roles who signs in with ``password``."""
    fields.setdefault("display_name", roles.title())
    user = _add(
        session,
        User(
            email=(email or f"{roles.replace(',', '-')}@example.org").lower(),
            roles=parse_roles(roles),
            password_hash=_password_hash(password),
            **fields,
        ),
    )
    grant_roles_where_alone(session, user)  # as create_user does
    return user


def make_member(session: Session, user: User, helpline: Helpline, *roles: str) -> User:
    """Give ``user`` these roles in ``helpline`` (besides those he holds elsewhere)."""
    held = memberships_of(session, user)
    held.setdefault(helpline.id, set()).update(roles or ("nurse",))
    set_memberships(session, user, held)
    return user


def make_professional(session: Session, *numbers: str, **fields: Any) -> Professional:
    """A professional of the directory (Dr Claire Martin, GP) with these E.164 numbers.

    ``label`` (say "cabinet") is given to each number.
    """
    fields.setdefault("title", "Dr")
    fields.setdefault("first_name", "Claire")
    fields.setdefault("last_name", "Martin")
    fields.setdefault("profession", "gp")
    label = fields.pop("label", None)
    phones = [ProfessionalPhone(number=number, label=label) for number in numbers]
    return _add(session, Professional(phones=phones, **fields))


def make_request(session: Session, helpline: Helpline | None = None, **fields: Any) -> Request:
    """A request opened at T0 on this helpline (by default the one in the database)."""
    if "helpline_id" not in fields:
        fields["helpline_id"] = (helpline or the_helpline(session)).id
    fields.setdefault("reference", f"2026-8{next(_REFERENCES):04d}")
    fields.setdefault("opened_at", T0)
    return _add(session, Request(**fields))


def make_call(session: Session, **fields: Any) -> Call:
    """A completed inbound call leg (give request_id, role, times as the test needs)."""
    fields.setdefault("sid", call_sid(next(_SIDS)))
    fields.setdefault("direction", "inbound")
    fields.setdefault("status", "completed")
    return _add(session, Call(**fields))


def make_shift(
    session: Session, user: User, helpline: Helpline | None = None, **fields: Any
) -> Shift:
    """This nurse on duty (rank "on_duty" or "backup") from T0 for twelve hours."""
    if "helpline_id" not in fields:
        fields["helpline_id"] = (helpline or the_helpline(session)).id
    fields.setdefault("starts_at", T0)
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=12))
    return _add(session, Shift(user_id=user.id, **fields))


def make_nurse_routing(session: Session, request: Request, **fields: Any) -> NurseRouting:
    """A GP of this request waiting for a nurse, at the first step of an empty plan."""
    fields.setdefault("gp_call_sid", call_sid(next(_SIDS)))
    fields.setdefault("conference_name", f"req-{request.id}")
    fields.setdefault("plan", [[]])
    fields.setdefault("created_at", T0)
    return _add(session, NurseRouting(request_id=request.id, **fields))


def make_interpreter(session: Session, *languages: str, **fields: Any) -> Interpreter:
    """An individual interpreter speaking these languages (codes such as "ar")."""
    fields.setdefault("name", "Samira Haddad")
    fields.setdefault("phone", "+33610000001")
    rows = [InterpreterLanguage(language=language) for language in languages]
    return _add(session, Interpreter(languages=rows, **fields))


def make_interpreting_session(
    session: Session, request: Request | None = None, **fields: Any
) -> InterpretingSession:
    """An interpreting session in Arabic for this request (by default a new one), asked at T0."""
    request = request or make_request(session)
    fields.setdefault("language", "ar")
    fields.setdefault("conference_name", f"req-{request.id}")
    fields.setdefault("strategy", "all")
    fields.setdefault("plan", [])
    fields.setdefault("requested_at", T0)
    fields.setdefault("deadline_at", fields["requested_at"] + timedelta(minutes=2))
    return _add(session, InterpretingSession(request_id=request.id, **fields))


def make_contract(session: Session, interpreter: Interpreter, **fields: Any) -> Contract:
    """A per-minute contract of this interpreter, valid from 2026-01-01."""
    fields.setdefault("name", "Contrat 2026")
    fields.setdefault("unit", "minute")
    fields.setdefault("unit_price", Decimal("3.50"))
    fields.setdefault("valid_from", date(2026, 1, 1))
    return _add(session, Contract(interpreter_id=interpreter.id, **fields))


def make_budget(session: Session, **fields: Any) -> Budget:
    """An interpreting budget for the year 2026."""
    fields.setdefault("name", "Interprétariat 2026")
    fields.setdefault("starts_on", date(2026, 1, 1))
    fields.setdefault("ends_on", date(2026, 12, 31))
    fields.setdefault("amount", Decimal("1000.00"))
    return _add(session, Budget(**fields))


def make_ledger_entry(session: Session, **fields: Any) -> LedgerEntry:
    """A charge posted at T0 for a service the same day."""
    fields.setdefault("posted_at", T0)
    fields.setdefault("kind", "charge")
    fields.setdefault("service_at", fields["posted_at"])
    fields.setdefault("amount", Decimal("0.00"))
    fields.setdefault("label", "Séance")
    fields.setdefault("dedupe_key", f"factory-{next(_KEYS)}")
    return _add(session, LedgerEntry(**fields))


def make_callback_task(
    session: Session, request: Request | None = None, **fields: Any
) -> CallbackTask:
    """A voicemail to call back for this request (by default a new one), due at T0."""
    request = request or make_request(session)
    fields.setdefault("reason", "voicemail")
    fields.setdefault("due_at", T0)
    return _add(session, CallbackTask(request_id=request.id, **fields))


def make_structure(session: Session, **fields: Any) -> Structure:
    """A structure of the network (a health centre in Toulouse)."""
    fields.setdefault("name", "Maison de santé des Izards")
    fields.setdefault("kind", "msp")
    fields.setdefault("commune", "Toulouse")
    fields.setdefault("insee_code", "31555")
    return _add(session, Structure(**fields))


def make_partner(
    session: Session, *languages: str, phones: tuple[str, ...] = (), **fields: Any
) -> Partner:
    """A partner of the network (Dr Karim Benali, GP in Toulouse, accepts new patients) speaking
    these languages ("ar"), with these E.164 numbers."""
    fields.setdefault("name", "Dr Karim Benali")
    fields.setdefault("profession", "gp")
    fields.setdefault("commune", "Toulouse")
    fields.setdefault("insee_code", "31555")
    fields.setdefault("is_accepting_patients", True)
    return _add(
        session,
        Partner(
            languages=[PartnerLanguage(language=code) for code in languages],
            phones=[PartnerPhone(number=number) for number in phones],
            **fields,
        ),
    )
