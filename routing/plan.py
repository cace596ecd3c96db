"""The escalation plan of a nurse call: who to ring now, in what order, then voicemail.

Rules of ``build_routing_plan`` (pure: every input is given, ``now`` included):

1. Closed (``is_open`` is False): no targets, ``then_voicemail``, ``reason`` is the closure
   reason ("hors horaires", a holiday name, a closure label) and ``opens_at`` the next opening,
   when the callback is due.
2. Open: the shifts covering ``now`` (``starts_at <= now < ends_at``; a shift may cross midnight,
   it is two UTC instants) give the candidates. A nurse with several covering shifts appears once,
   at her best shift: ``on_duty`` before ``backup``, then the earliest start.
3. Order: every ``on_duty`` nurse before any ``backup`` nurse (backup rings only once on-duty is
   exhausted); within a rank by shift start, then nurse id.
4. A nurse is skipped when she is unknown, not ``is_available``, or has no reachable address.
   Her browser (``kind="client"``, the bare Twilio client identity, no ``client:`` prefix) is
   reachable only when she is signed in to the console (``is_in_console``); her phone only when it
   is an E.164 number.
5. Steps: targets sharing a ``step`` number ring at the same time, with the same timeout; the
   next step starts when they all time out. By default a nurse's browser and phone ring together
   in one step (the fastest answer, and the phone leg is screened so her voicemail cannot take
   the call); with ``phone_with_browser=False`` her browser rings alone first, then her phone.
   Within a step the browser is listed before the phone.
6. After the last step: voicemail, then a callback (``then_voicemail`` is always True). When it
   is open but nobody is reachable, ``reason`` is ``NOBODY_REACHABLE``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

from routing.hours import OpeningHours, closure_reason, is_open, next_opening

logger = logging.getLogger(__name__)

Rank = Literal["on_duty", "backup"]
TargetKind = Literal["client", "phone"]
RANKS: tuple[Rank, ...] = get_args(Rank)
NOBODY_REACHABLE = "aucune infirmière joignable"
DEFAULT_RING_TIMEOUT_S = 20
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True)
class Shift:
    """One slot of the rota: a nurse on duty or in backup over ``[starts_at, ends_at)``."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    rank: Rank = "on_duty"

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"shift of user {self.user_id} ends before it starts")
        if self.rank not in RANKS:
            raise ValueError(f"shift rank must be one of {RANKS}, got {self.rank!r}")

    @property
    def duration(self) -> timedelta:
        """Elapsed time of the shift (7 h or 9 h for a 22:00-06:00 night on a DST change)."""
        return self.ends_at - self.starts_at

    def covers(self, now: datetime) -> bool:
        """True when ``now`` falls in the shift."""
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class Nurse:
    """A nurse as routing sees her: where she can be rung and whether she can take calls."""

    id: int
    display_name: str
    browser_identity: str | None = None
    phone: str | None = None
    is_available: bool = True
    is_in_console: bool = False


@dataclass(frozen=True)
class Target:
    """One address to ring; targets with the same ``step`` ring together."""

    kind: TargetKind
    address: str
    nurse_id: int
    ring_timeout_s: int
    rank: Rank
    step: int


@dataclass(frozen=True)
class RoutingPlan:
    """Ordered targets for a nurse call, then voicemail; or why it is closed."""

    is_open: bool
    targets: tuple[Target, ...] = ()
    then_voicemail: bool = True
    reason: str | None = None
    opens_at: datetime | None = None
    # The names of the nurses it rings, by id (for the ringing events).
    names: Mapping[int, str] = field(default_factory=dict)

    def steps(self) -> list[tuple[Target, ...]]:
        """Targets grouped by step, in ringing order."""
        grouped: dict[int, list[Target]] = {}
        for target in self.targets:
            grouped.setdefault(target.step, []).append(target)
        return [tuple(grouped[step]) for step in sorted(grouped)]


def _rank_order(shift: Shift) -> tuple[int, datetime, int]:
    return RANKS.index(shift.rank), shift.starts_at, shift.user_id


def covering_shifts(shifts: Iterable[Shift], now: datetime) -> list[Shift]:
    """Shifts covering ``now``, one per nurse (her best), in ringing order."""
    _require_aware(now, "now")
    best: dict[int, Shift] = {}
    for shift in shifts:
        if shift.covers(now):
            kept = best.get(shift.user_id)
            if kept is None or _rank_order(shift) < _rank_order(kept):
                best[shift.user_id] = shift
    return sorted(best.values(), key=_rank_order)


def on_duty_nurses(shifts: Iterable[Shift], now: datetime, rank: Rank = "on_duty") -> list[int]:
    """Ids of the nurses whose best covering shift has this rank, by shift start then id."""
    return [s.user_id for s in covering_shifts(shifts, now) if s.rank == rank]


def nurse_addresses(nurse: Nurse) -> list[tuple[TargetKind, str]]:
    """Where this nurse can be rung now, browser first; empty when unavailable."""
    if not nurse.is_available:
        return []
    found: list[tuple[TargetKind, str]] = []
    if nurse.browser_identity and nurse.is_in_console:
        found.append(("client", nurse.browser_identity))
    if nurse.phone:
        if _E164.fullmatch(nurse.phone):
            found.append(("phone", nurse.phone))
        else:
            logger.warning("nurse %s has a phone number not in E.164 form; not rung", nurse.id)
    return found


def build_routing_plan(
    now: datetime,
    hours: OpeningHours,
    shifts: Iterable[Shift],
    nurses: Iterable[Nurse],
    ring_timeout_s: int = DEFAULT_RING_TIMEOUT_S,
    *,
    backup_ring_timeout_s: int | None = None,
    phone_with_browser: bool = True,
) -> RoutingPlan:
    """Who to ring for a nurse call at ``now`` (see the module docstring for the rules)."""
    _require_aware(now, "now")
    if not is_open(hours, now):
        return RoutingPlan(
            is_open=False,
            reason=closure_reason(hours, now),
            opens_at=next_opening(hours, now),
        )
    by_id = {nurse.id: nurse for nurse in nurses}
    targets: list[Target] = []
    step = 0
    for shift in covering_shifts(shifts, now):
        nurse = by_id.get(shift.user_id)
        addresses = nurse_addresses(nurse) if nurse is not None else []
        if not addresses:
            continue
        timeout = ring_timeout_s
        if shift.rank == "backup" and backup_ring_timeout_s is not None:
            timeout = backup_ring_timeout_s
        for kind, address in addresses:
            targets.append(Target(kind, address, shift.user_id, timeout, shift.rank, step))
            if not phone_with_browser:
                step += 1
        if phone_with_browser:
            step += 1
    return RoutingPlan(
        is_open=True,
        targets=tuple(targets),
        reason=None if targets else NOBODY_REACHABLE,
        names={t.nurse_id: by_id[t.nurse_id].display_name for t in targets},
    )
