"""Clocks for the sandbox: real time, or a manual clock that tests advance by hand."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the sandbox's current time (aware UTC)."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever time jumps (manual clocks only)."""
        ...


class RealClock:
    """Wall-clock time; timers fire as real time passes."""

    is_manual = False

    def now(self) -> datetime:
        """Return the wall-clock time in UTC."""
        return datetime.now(UTC)

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Real time never jumps, so there is nothing to notify."""


class ManualClock:
    """A clock that only moves when `advance` is called: timeouts fire on demand."""

    is_manual = True

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = (start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).astimezone(UTC)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """Return the clock's current time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move time forward by `seconds` and wake whoever waits on timers."""
        if seconds < 0:
            raise ValueError("time does not go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            now = self._now
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return now

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Register a callback run after every `advance`."""
        with self._lock:
            self._listeners.append(listener)
