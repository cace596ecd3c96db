"""Whether a CreateMessage whose answer never came made a message: looked up in Twilio's list.

As for calls (``hotline.outbox_lookup``), the Message resource carries no mark of ours: ours is
the one listed with the same To and From (ListMessage's filters), the same Body, created since
the intent was claimed (less a clock skew), and not the result of another intent. ListMessage's
``DateSent`` filter is not used: a message still ``queued`` has no ``date_sent`` yet and would be
missed (then sent twice); ``date_created`` is compared here instead, reading pages newest first
until one holds only older messages. While another text with the same To, From and Body is in
flight, its message could be taken for ours: the answer is "unknown" and the clock's stale sweep
asks again once the others are settled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import OutboxMessage, OutboxStatus
from hotline.outbox_lookup import LOOKUP_SKEW, PAGE_SIZE, Lookup, recent_records, taken_sids

if TYPE_CHECKING:
    from twilio.rest import Client

SEND_SMS = "send_sms"


def _text(params: dict[str, Any]) -> tuple[str, str, str]:
    return str(params.get("to", "")), str(params.get("from_", "")), str(params.get("body", ""))


def look_up_message(database: Database, client: Client, message: OutboxMessage) -> Lookup:
    """Whether ``message`` (a SEND_SMS left without an answer) made a message, and which."""
    params = dict(message.payload.get("params", {}))
    to, from_, body = _text(params)
    since = (message.claimed_at or message.created_at) - LOOKUP_SKEW
    with database.session() as session:
        taken = taken_sids(session, SEND_SMS, message.id, since)
        in_flight = _others_in_flight(session, message.id, (to, from_, body))
    page = client.messages.page(to=to, from_=from_, page_size=PAGE_SIZE)
    candidates = [m for m in recent_records(page, since, taken) if m.body == body]
    if not candidates:
        return Lookup("not_made")
    if in_flight:
        return Lookup("unknown")
    found = candidates[0]
    return Lookup("made", {"sid": found.sid, "status": found.status, "found_by_lookup": True})


def _others_in_flight(session: Session, message_id: int, text: tuple[str, str, str]) -> bool:
    sending = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == SEND_SMS,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.id != message_id,
        )
    ).all()
    return any(_text(dict(m.payload.get("params", {}))) == text for m in sending)
