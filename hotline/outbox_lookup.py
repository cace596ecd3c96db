"""Whether a CreateCall whose answer never came made a call: looked up in Twilio's call list.

Twilio's Call resource carries no mark of ours, so the call is recognised by what ListCall can
filter on (To and From) and by elimination: created since the message was claimed (less a clock
skew), and not the result of another message. While another CreateCall to the same address is
in flight, its call could be taken for ours: the answer is then "unknown" and the clock's stale
sweep asks again once the others are settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from twilio.rest import Client

CREATE_CALL = "create_call"
# Twilio's clock and ours differ by this much at most.
LOOKUP_SKEW = timedelta(seconds=60)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Lookup:
    """What the call list says: made (with the call), not made, or unknown (ambiguous)."""

    outcome: str  # "made", "not_made" or "unknown"
    result: dict[str, Any] | None = None


def called_address(params: dict[str, Any]) -> str:
    """The To a CreateCall's call shows: a client address without its custom parameters."""
    to = str(params.get("to", ""))
    return to.partition("?")[0] if to.startswith("client:") else to


def recent_records(page: Any, since: datetime, taken: set[str]) -> list[Any]:
    """Records of a list (Calls, Messages) created since ``since``, not ``taken``; oldest first.

    Pages are read until one holds only older records (Twilio lists the newest first).
    """
    found: list[Any] = []
    while page is not None:
        records = list(page)
        recent = [r for r in records if r.date_created is None or r.date_created >= since]
        found.extend(r for r in recent if r.sid not in taken)
        if not records or not recent:
            break
        page = page.next_page()
    return sorted(found, key=lambda r: (r.date_created is None, r.date_created))


def candidate_calls(
    client: Client, params: dict[str, Any], since: datetime, taken: set[str]
) -> list[Any]:
    """Calls listed with this To and From, created since ``since``, not ``taken``; oldest first."""
    page = client.calls.page(
        to=called_address(params), from_=str(params.get("from_", "")), page_size=PAGE_SIZE
    )
    return recent_records(page, since, taken)


def look_up_call(database: Database, client: Client, message: OutboxMessage) -> Lookup:
    """Whether ``message`` (a CreateCall left without an answer) made a call, and which."""
    params = dict(message.payload.get("params", {}))
    since = (message.claimed_at or message.created_at) - LOOKUP_SKEW
    with database.session() as session:
        taken = taken_sids(session, CREATE_CALL, message.id, since)
        in_flight = _others_in_flight(session, message.id, called_address(params))
    candidates = candidate_calls(client, params, since, taken)
    if not candidates:
        return Lookup("not_made")
    if in_flight:
        return Lookup("unknown")
    call = candidates[0]
    return Lookup("made", {"sid": call.sid, "status": call.status, "found_by_lookup": True})


def taken_sids(session: Session, kind: str, message_id: int, since: datetime) -> set[str]:
    """The SIDs other messages of this kind, recent enough, have as their result."""
    results = session.scalars(
        select(OutboxMessage.result).where(
            OutboxMessage.kind == kind,
            OutboxMessage.id != message_id,
            OutboxMessage.created_at >= since - timedelta(hours=1),
        )
    ).all()
    return {str(r["sid"]) for r in results if isinstance(r, dict) and r.get("sid")}


def _others_in_flight(session: Session, message_id: int, address: str) -> bool:
    sending = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == CREATE_CALL,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.id != message_id,
        )
    ).all()
    return any(called_address(dict(m.payload.get("params", {}))) == address for m in sending)
