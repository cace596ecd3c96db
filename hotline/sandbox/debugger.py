"""The sandbox's debugger: every Twilio error or warning the app caused, as Twilio lists them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Twilio's own titles of the codes the sandbox raises (twilio.com/docs/api/errors/<code>).
ERROR_TITLES = {
    11200: "HTTP retrieval failure",
    11205: "HTTP connection failure",
    12100: "Document parse failure",
    12102: "The root element must be Response",
    12200: "Schema validation warning",
    13224: "Dial: Twilio does not support calling this number or the number is invalid",
    16025: "Dial->Conference: Participant label is in use by another participant",
    16026: "Participant label is in use by another participant",
    21205: "Invalid URL",
    21206: "Invalid SendDigits",
    21210: "'From' phone number not verified",
    21402: "Invalid Url",
    21403: "Invalid Method",
}
# 12200 is logged by Twilio at level WARNING; the others listed here are ERRORs.
WARNING_CODES = frozenset({12200})


@dataclass(frozen=True)
class DebuggerEvent:
    """One entry of the debugger: when, which code, what happened, on which call and URL."""

    at: datetime
    code: int
    message: str
    call_sid: str | None = None
    url: str | None = None

    @property
    def level(self) -> str:
        """ERROR or WARNING, as Twilio's debugger labels the code."""
        return "WARNING" if self.code in WARNING_CODES else "ERROR"

    @property
    def title(self) -> str:
        """Twilio's title for the code (empty when the sandbox does not know it)."""
        return ERROR_TITLES.get(self.code, "")

    def as_json(self) -> dict[str, Any]:
        """The event as the debugger's JSON shows it."""
        return {
            "at": self.at.isoformat(),
            "code": self.code,
            "level": self.level,
            "title": self.title,
            "message": self.message,
            "call_sid": self.call_sid,
            "url": self.url,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
        }


class Debugger:
    """The ordered list of debugger events (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[DebuggerEvent] = []

    def record(self, event: DebuggerEvent) -> DebuggerEvent:
        """Append an event."""
        with self._lock:
            self._events.append(event)
        return event

    @property
    def events(self) -> list[DebuggerEvent]:
        """Every event, oldest first."""
        with self._lock:
            return list(self._events)

    def codes(self) -> list[int]:
        """The codes recorded, oldest first (handy in tests)."""
        return [event.code for event in self.events]

    def clear(self) -> None:
        """Forget every event."""
        with self._lock:
            self._events.clear()
