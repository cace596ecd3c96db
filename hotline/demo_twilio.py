"""Twilio's part in the demo's past year: the SIDs of the calls it made, the intents the outbox
recorded marked sent (their follow-ups run, as after a real send), and the legs' figures its
REST API gives afterwards. Nothing here calls Twilio or the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hotline import demo_tables, outbox
from hotline.models import Call, OutboxMessage, OutboxStatus
from hotline.telephony.parsing import VoiceRequest

# The SIDs of the past year's legs and rooms: made up, stable, never one Twilio or the sandbox
# gives (they start with the demo's d3e0).
SID_PREFIX = 0xD3E0 << 112


@dataclass
class PastTwilio:
    """Twilio's part in the past: SIDs for the calls the outbox asks for, its sent follow-ups."""

    session: Session
    public_root: str
    counter: int = 0
    made: list[OutboxMessage] = field(default_factory=list)
    # Legs the app asked to stop (CallSid, the status Twilio then reports).
    stopped: list[tuple[str, str]] = field(default_factory=list)

    def sid(self, prefix: str = "CA") -> str:
        """A new SID of the year (34 characters, as Twilio's)."""
        self.counter += 1
        return f"{prefix}{SID_PREFIX + self.counter:032x}"

    def answer(self, now: datetime) -> list[OutboxMessage]:
        """Send what the services recorded (at ``now``): each intent made, its follow-up run."""
        made: list[OutboxMessage] = []
        while ids := outbox.take_new_ids(self.session):
            for message_id in ids:
                message = self.session.get(OutboxMessage, message_id)
                assert message is not None
                result = {}
                if message.kind == outbox.CREATE_CALL:
                    result = {"sid": self.sid(), "status": "queued"}
                    made.append(message)
                    self.made.append(message)
                elif message.kind == outbox.UPDATE_CALL and message.payload["params"].get("status"):
                    self.stopped.append(
                        (message.payload["call_sid"], message.payload["params"]["status"])
                    )
                message.status, message.sent_at, message.result = OutboxStatus.SENT, now, result
                message.attempts, message.claimed_at = 1, now
                self.session.flush()
                handler = outbox.SENT_HANDLERS.get(message.payload.get("on_sent", ""))
                if handler is not None:
                    handler(self.session, message, now, self.public_root)
        return made


@dataclass(frozen=True)
class PastLeg:
    """A leg as Twilio's REST API tells it afterwards: times, duration and price."""

    sid: str
    duration: str
    start_time: datetime | None
    end_time: datetime | None
    price: str | None
    price_unit: str

    @classmethod
    def of(cls, call: Call) -> PastLeg:
        """Twilio's figures of a leg: billed by started minute at its direction's rate."""
        seconds = call.duration_s or 0
        rate = demo_tables.TWILIO_PER_MINUTE["inbound" if call.direction == "inbound" else "out"]
        minutes = -(-seconds // 60)
        return cls(
            sid=call.sid,
            duration=str(seconds),
            start_time=call.answered_at,
            end_time=call.ended_at,
            price=f"{-rate * minutes:.5f}" if minutes else None,
            price_unit="EUR",
        )


def voice_of(sid: str, from_: str | None, to: str | None, direction: str) -> VoiceRequest:
    return VoiceRequest(
        call_sid=sid,
        account_sid="AC" + "d3e0" * 8,
        from_=from_ or "",
        to=to or "",
        call_status="queued",
        direction=direction,
        parent_call_sid=None,
    )
