"""What the parts of the sandbox's engine share: the API version, the sounds a person hears,
the price of a minute, the ring buffer, the refusal error."""

from __future__ import annotations

API_VERSION = "2010-04-01"
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
HOLD_MUSIC = "[musique d'attente]"
BEEP = "[bip]"
BUSY_TONE = "[tonalité occupée]"
PRICE_PER_MINUTE = 0.013
# "We always add a 5-second timeout buffer to outgoing calls, so value of 10 would result in an
# actual timeout that was closer to 15 seconds" (spec, CreateParticipant.Timeout; CreateCall.Timeout
# says the same): a leg rings for the timeout given plus these seconds before it is no-answer.
RING_BUFFER_S = 5


class SandboxError(Exception):
    """A request the sandbox refuses, mapped to a Twilio error by the REST layer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def split_events(
    raw: str | list[str] | tuple[str, ...] | None, default: tuple[str, ...]
) -> frozenset[str]:
    if raw is None or raw == "" or raw == []:
        return frozenset(default)
    items = [raw] if isinstance(raw, str) else list(raw)
    return frozenset(part for item in items for part in item.replace(",", " ").split() if part)
