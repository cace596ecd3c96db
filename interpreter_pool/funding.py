"""Which budget line funds each ledger entry: chosen at posting, moved only by an adjustment pair.

The rules are ``interpreter_pool.budget_lines``; this module reads the lines and an entry's facts
from the database and records the choice on the entry (``budget_line_id``, NULL: unfunded).

* A session's charge takes the line the rules choose from its request (helpline, structure),
  its provider, its language and its local service date. A later adjustment of the session
  follows the line the session's charge currently sits on.
* Entries are never edited: moving an entry to another line posts a *reassignment* pair, the
  reversal of the entry on its current line and the same amount on the new one, with the
  reason and the person in the label and the detail. Each pair is keyed
  ``reassign:<entry id>:<n>:out|in`` (``n`` counts the entry's moves), so a repeated form posts
  once and the entry's current line is the one of its latest ``in`` half.
* ``charge_unfunded`` applies the rules again to entries still unfunded (a line created later
  picks up past spend, explicitly, by reassignment pairs); an entry a person moved off every line
  stays unfunded until a person moves it.
* A line's consumption is the sum of its own entries (``line_totals``): the lines and the
  unfunded together sum to the ledger total, each euro counted once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import Helpline, Request
from hotline.refusals import N_, Refusal
from interpreter_pool.budget_lines import Choice, EntryFacts, choose_line, covers
from interpreter_pool.languages import base_code
from interpreter_pool.models import Budget, LedgerEntry, LedgerKind
from interpreter_pool.spending import as_line, budgets_covering, check_line_alerts

logger = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Paris"
MAX_REASON = 500
# The rule recorded on an adjustment of a session: it follows the session's charge.
FOLLOWS_CHARGE = "follows_charge"


def _language(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return base_code(code)
    except ValueError:
        return code


def _timezone(session: Session, helpline_id: int | None) -> ZoneInfo:
    helpline = session.get(Helpline, helpline_id) if helpline_id else None
    return ZoneInfo(helpline.timezone if helpline else DEFAULT_TZ)


def choose(session: Session, facts: EntryFacts) -> Choice:
    """The line the rules charge these facts to, among the lines in the database."""
    return choose_line((as_line(row) for row in budgets_covering(session, facts.service_on)), facts)


def facts_of(session: Session, entry: LedgerEntry) -> EntryFacts:
    """An entry's facts as the rules read them (its service date in its helpline's time)."""
    return EntryFacts(
        service_on=entry.service_at.astimezone(_timezone(session, entry.helpline_id)).date(),
        helpline_id=entry.helpline_id,
        structure_id=entry.structure_id,
        provider_id=entry.interpreter_id,
        language=_language(entry.language),
    )


def assign(session: Session, entry: LedgerEntry, request: Request) -> Choice:
    """Fill a new entry's helpline, structure and line (by the rules) from its request."""
    entry.helpline_id = request.helpline_id
    entry.structure_id = request.structure_id
    choice = choose(session, facts_of(session, entry))
    entry.budget_line_id = choice.line_id
    entry.detail = {**(entry.detail or {}), "budget_rule": str(choice.rule)}
    return choice


def follow_charge(session: Session, entry: LedgerEntry, charge: LedgerEntry) -> None:
    """Fill a session's adjustment from its charge: same helpline, structure and current line."""
    entry.helpline_id = charge.helpline_id
    entry.structure_id = charge.structure_id
    entry.budget_line_id = current_line_ids(session, [charge]).get(charge.id, charge.budget_line_id)
    entry.detail = {**(entry.detail or {}), "budget_rule": FOLLOWS_CHARGE}


def _move_key(entry_id: int, n: int, half: str) -> str:
    return f"reassign:{entry_id}:{n}:{half}"


@dataclass(frozen=True)
class Move:
    """The latest reassignment of an entry: how many moves, where to, and whether a person
    made it."""

    count: int
    line_id: int | None
    by_person: bool


def _moves(
    session: Session,
    entry_ids: Collection[int] | None = None,
    service_times: Collection[datetime] | None = None,
) -> dict[int, Move]:
    query = select(LedgerEntry.dedupe_key, LedgerEntry.budget_line_id, LedgerEntry.detail).where(
        LedgerEntry.kind == LedgerKind.REASSIGNMENT, LedgerEntry.dedupe_key.like("reassign:%:in")
    )
    if service_times is not None:
        # A reassignment's halves keep their entry's service time: read by its index, not the
        # whole ledger's reassignments.
        query = query.where(LedgerEntry.service_at.in_(list(service_times)))
    if entry_ids is not None and len(entry_ids) == 1:
        [only] = entry_ids
        query = query.where(LedgerEntry.dedupe_key.like(f"reassign:{only}:%:in"))
    moves: dict[int, Move] = {}
    for key, line_id, detail in session.execute(query).tuples():
        _prefix, entry_id, n, _half = key.split(":")
        if entry_ids is not None and int(entry_id) not in entry_ids:
            continue
        known = moves.get(int(entry_id))
        if known is None or int(n) > known.count:
            by_person = (detail or {}).get("user_id") is not None
            moves[int(entry_id)] = Move(int(n), line_id, by_person)
    return moves


def current_line_ids(session: Session, entries: Iterable[LedgerEntry]) -> dict[int, int | None]:
    """The line each entry currently sits on (its own, or its latest reassignment's)."""
    rows = list(entries)
    if not rows:
        return {}
    moves = _moves(session, {entry.id for entry in rows}, {entry.service_at for entry in rows})
    return {
        entry.id: moves[entry.id].line_id if entry.id in moves else entry.budget_line_id
        for entry in rows
    }


def _half(
    entry: LedgerEntry,
    sign: int,
    line_id: int | None,
    label: str,
    detail: dict[str, object],
    key: str,
    now: datetime,
) -> LedgerEntry:
    return LedgerEntry(
        posted_at=now,
        kind=LedgerKind.REASSIGNMENT,
        interpreting_session_id=entry.interpreting_session_id,
        interpreter_id=entry.interpreter_id,
        contract_id=entry.contract_id,
        language=entry.language,
        service_at=entry.service_at,
        duration_s=sign * entry.duration_s,
        billable_s=sign * entry.billable_s,
        amount=sign * Decimal(entry.amount),
        currency=entry.currency,
        label=label,
        detail=detail,
        dedupe_key=key,
        helpline_id=entry.helpline_id,
        structure_id=entry.structure_id,
        budget_line_id=line_id,
    )


def _line_name(session: Session, line_id: int | None) -> str:
    row = session.get(Budget, line_id) if line_id is not None else None
    return row.name if row is not None else "Non financé"


def reassign_entry(
    session: Session,
    entry: LedgerEntry,
    line: Budget | None,
    reason: str,
    user_id: int | None,
    now: datetime,
) -> tuple[LedgerEntry, LedgerEntry] | None:
    """Move an entry to ``line`` (None: unfunded) by a reversal on its current line and the
    same amount on the new one; None when posted already (the same move, concurrently).

    Refused (``Refusal``) for a reassignment entry itself, an empty reason, a line whose period
    does not hold the service date, or the line the entry already sits on.
    """
    reason = " ".join(reason.split())
    if entry.kind == LedgerKind.REASSIGNMENT:
        raise Refusal(
            N_("Une réaffectation ne se réaffecte pas : réaffectez l'écriture d'origine.")
        )
    if not reason:
        raise Refusal(N_("Indiquez le motif de la réaffectation."))
    if len(reason) > MAX_REASON:
        raise Refusal(N_("Motif trop long ({n} caractères au plus)."), n=MAX_REASON)
    facts = facts_of(session, entry)
    if line is not None and not line.starts_on <= facts.service_on <= line.ends_on:
        raise Refusal(
            N_("La ligne « {line} » ne couvre pas le {day}."),
            line=line.name,
            day=facts.service_on.strftime("%d/%m/%Y"),
        )
    moves = _moves(session, {entry.id})
    known = moves.get(entry.id)
    current = known.line_id if known else entry.budget_line_id
    target = line.id if line is not None else None
    if current == target:
        raise Refusal(N_("L'écriture est déjà sur cette ligne."))
    n = (known.count if known else 0) + 1
    label = (
        f"Réaffectation de l'écriture {entry.id} : {_line_name(session, current)} → "
        f"{_line_name(session, target)}. Motif : {reason}"
    )
    detail: dict[str, object] = {
        "reassigns": entry.id,
        "from_line": current,
        "to_line": target,
        "reason": reason,
        "user_id": user_id,
    }
    out_key, in_key = _move_key(entry.id, n, "out"), _move_key(entry.id, n, "in")
    out = _half(entry, -1, current, label, {**detail, "half": "out"}, out_key, now)
    into = _half(entry, 1, target, label, {**detail, "half": "in"}, in_key, now)
    try:
        with session.begin_nested():
            session.add_all([out, into])
    except IntegrityError:
        return None  # the same move, posted by a concurrent form
    logger.info("ledger entry %s moved from line %s to %s", entry.id, current, target)
    if line is not None:
        check_line_alerts(session, [line], now, _timezone(session, entry.helpline_id).key)
    return out, into


def unfunded_entries(
    session: Session, helpline_ids: Collection[int] | None = None
) -> list[LedgerEntry]:
    """Entries (not the reassignment halves) that currently sit on no line, newest service
    first; only those of these helplines when given."""
    moves = _moves(session)
    moved_to_none = [entry_id for entry_id, move in moves.items() if move.line_id is None]
    query = select(LedgerEntry).where(
        LedgerEntry.kind != LedgerKind.REASSIGNMENT,
        LedgerEntry.budget_line_id.is_(None) | LedgerEntry.id.in_(moved_to_none),
    )
    if helpline_ids is not None:
        query = query.where(LedgerEntry.helpline_id.in_(list(helpline_ids)))
    rows = session.scalars(query.order_by(LedgerEntry.service_at.desc(), LedgerEntry.id.desc()))
    return [entry for entry in rows if entry.id not in moves or moves[entry.id].line_id is None]


def charge_unfunded(
    session: Session, now: datetime, helpline_ids: Collection[int] | None = None
) -> int:
    """Charge each unfunded entry a line now covers to that line (a reassignment pair whose
    reason names the rule); return how many moved. An entry a person moved off every line is
    left to a person."""
    moves = _moves(session)
    moved = 0
    for entry in unfunded_entries(session, helpline_ids):
        if entry.id in moves and moves[entry.id].by_person:
            continue
        choice = choose(session, facts_of(session, entry))
        if choice.line is None:
            continue
        line = session.get(Budget, choice.line.id)
        reason = "la ligne couvre désormais l'écriture (imputation des non financées)"
        if reassign_entry(session, entry, line, reason, None, now) is not None:
            moved += 1
    return moved


@dataclass(frozen=True)
class LineTotal:
    """What is charged to one line (None: unfunded)."""

    line_id: int | None
    amount: Decimal
    billable_s: int
    entries: int


def line_totals(
    session: Session, helpline_ids: Collection[int] | None = None
) -> dict[int | None, LineTotal]:
    """Amount, billable seconds and entries per line (the key None: unfunded), one aggregate."""
    query = select(
        LedgerEntry.budget_line_id,
        func.coalesce(func.sum(LedgerEntry.amount), 0),
        func.coalesce(func.sum(LedgerEntry.billable_s), 0),
        func.count(LedgerEntry.id),
    ).group_by(LedgerEntry.budget_line_id)
    if helpline_ids is not None:
        query = query.where(LedgerEntry.helpline_id.in_(list(helpline_ids)))
    return {
        line_id: LineTotal(line_id, Decimal(amount), int(seconds), int(count))
        for line_id, amount, seconds, count in session.execute(query).tuples()
    }


def covering_lines_for(session: Session, entry: LedgerEntry) -> list[Budget]:
    """Lines whose period holds the entry's service date (what it may be moved to), the one
    the rules would choose first."""
    facts = facts_of(session, entry)
    rows = budgets_covering(session, facts.service_on)
    return sorted(rows, key=lambda row: (not covers(as_line(row), facts), as_line(row).order))
