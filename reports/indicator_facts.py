"""The plain rows the indicators are computed from, the period, and the small statistics they share.

Rows are frozen dataclasses loaded by ``reports.indicator_data`` (one query per family); every
row carries the breakdown keys it can be split by (helpline, category, profession, territory,
language, provider), so a breakdown is the same computation over the rows of one key value.
Times are aware UTC datetimes; months and weekdays are read in the helpline's zone (Paris).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UNKNOWN = "unknown"
# §2.1: a caller who hangs up in the nurse queue within this many seconds is not offered.
SHORT_ABANDON_S = 5
# Our proposal (no source): a callback is on time when first reached within this of its due time.
CALLBACK_GRACE = timedelta(hours=2)
# The families whose rows belong to the period their instant falls in (``Facts.within``).
ANCHORS = {
    "calls": "started_at",
    "queues": "entered_at",
    "sessions": "requested_at",
    "ratings": "opened_at",
}


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of aware UTC instants."""

    start: datetime
    end: datetime

    def __contains__(self, at: object) -> bool:
        # Called for every row of every indicator: a failed comparison (None, a date) is "out".
        try:
            return self.start <= at < self.end  # type: ignore[operator]
        except TypeError:
            return False

    @classmethod
    def local(cls, first: date, last: date, tz: ZoneInfo = PARIS) -> Period:
        """The local days ``first`` to ``last`` included, as UTC instants."""
        start = datetime(first.year, first.month, first.day, tzinfo=tz)
        after = last + timedelta(days=1)
        end = datetime(after.year, after.month, after.day, tzinfo=tz)
        return cls(start.astimezone(UTC), end.astimezone(UTC))

    def months(self, tz: ZoneInfo = PARIS) -> list[Period]:
        """The calendar months (local) the period covers, clipped to it."""
        local = self.start.astimezone(tz)
        year, month = local.year, local.month
        out: list[Period] = []
        while True:
            start = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            end = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
            if start >= self.end:
                return out
            out.append(Period(max(start, self.start), min(end, self.end)))


@dataclass(frozen=True)
class Keys:
    """Breakdown keys shared by every row family (None: the row has no such key)."""

    helpline: int | None = None
    category: str | None = None
    profession: str | None = None
    territory: str | None = None
    language: str | None = None
    provider: str | None = None
    structure: str | None = None


@dataclass(frozen=True)
class RequestFact:
    """One request, with what its events and legs say (no patient data, no number)."""

    id: int
    reference: str
    keys: Keys
    opened_at: datetime
    closed_at: datetime | None = None
    channel: str = "phone"
    outcome: str | None = None
    orientation: str | None = None
    has_language: bool = False  # the record names the patient's language (keys may infer it)
    professional_id: int | None = None
    insee_code: str | None = None
    menu_choice: str | None = None  # first choice at the main menu ("nurse", "interpreter"…)
    has_gp_inbound: bool = False
    nurse_answered: bool = False
    nurse_not_rung: bool = False  # asked for the nurse while closed or with nobody on the rota
    nurse_seconds: int = 0  # the nurses' connected time in the request's rooms
    interpreter_by_gp: bool = False  # a session asked from the menu (the fast lane)
    has_connected_session: bool = False
    has_callback: bool = False
    has_voicemail: bool = False
    is_caller_known: bool = False  # matched the directory when the call came in
    is_caller_linked: bool = False  # a nurse linked the caller during the request
    last_call_ended_at: datetime | None = None

    @property
    def is_menu_hangup(self) -> bool:
        """A phone request whose caller hung up at the greeting or menu, before choosing."""
        return self.channel == "phone" and self.has_gp_inbound and self.menu_choice is None


@dataclass(frozen=True)
class CallFact:
    """One telephone leg."""

    request_id: int | None
    keys: Keys
    role: str
    direction: str
    started_at: datetime
    status: str
    price: Decimal | None = None  # what Twilio charged (positive, EUR or the account's unit)
    interpreting_session_id: int | None = None
    is_caller_known: bool = False


@dataclass(frozen=True)
class QueueFact:
    """A GP waiting for a nurse (a routing of kind "gp"): the nurse queue of group B."""

    request_id: int
    keys: Keys
    entered_at: datetime
    status: str  # ringing | connected | voicemail | abandoned | no_answer | transferred
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    answered_rank: str | None = None  # on_duty | backup
    callback_requested: bool = False  # the GP chose "be called back" while waiting

    @property
    def wait_s(self) -> float | None:
        """Seconds from queue entry to answer, or to the end for an unanswered call."""
        until = self.answered_at or self.ended_at
        return None if until is None else (until - self.entered_at).total_seconds()

    @property
    def is_short_abandon(self) -> bool:
        """Hung up in the queue within ``SHORT_ABANDON_S``: left out of the offered calls."""
        wait = self.wait_s
        return (
            self.answered_at is None
            and self.status == "abandoned"
            and wait is not None
            and wait < SHORT_ABANDON_S
        )

    @property
    def is_abandon(self) -> bool:
        """Hung up in the queue after the short-abandon threshold, without asking a callback."""
        return (
            self.answered_at is None
            and self.status == "abandoned"
            and not self.is_short_abandon
            and not self.callback_requested
        )


@dataclass(frozen=True)
class SessionFact:
    """One interpreting session (an interpreter wanted for a request)."""

    id: int
    request_id: int
    keys: Keys  # language and provider are the session's
    requested_at: datetime
    requested_by: str  # gp (fast lane) | nurse
    status: str
    outcome: str | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    provider_kind: str | None = None  # individual | agency
    billable_s: int | None = None  # from the posted charge
    legs: int = 0  # interpreter legs rung
    legs_unanswered: int = 0  # of which declined, busy or not answered
    is_pool_language: bool = True  # some active individual interpreter speaks it

    @property
    def connected_s(self) -> int:
        """Seconds the interpreter was in the room."""
        if self.connected_at is None or self.ended_at is None:
            return 0
        return max(0, int((self.ended_at - self.connected_at).total_seconds()))

    @property
    def time_to_connect_s(self) -> float | None:
        """Seconds from the request (language chosen) to the interpreter in the room."""
        if self.connected_at is None:
            return None
        return (self.connected_at - self.requested_at).total_seconds()


@dataclass(frozen=True)
class CallbackFact:
    """One callback task."""

    id: int
    request_id: int
    keys: Keys
    reason: str
    created_at: datetime
    due_at: datetime
    status: str
    attempts: int = 0
    first_contact_at: datetime | None = None
    done_at: datetime | None = None
    outcome: str | None = None
    follow_up_outcome: str | None = None


@dataclass(frozen=True)
class LedgerFact:
    """One ledger entry (a charge, an adjustment, a correction, half of a reassignment)."""

    id: int
    keys: Keys
    kind: str
    service_at: datetime
    amount: Decimal
    duration_s: int = 0
    billable_s: int = 0
    surcharge: Decimal = Decimal("0")  # the surcharge lines of a charge's detail
    interpreting_session_id: int | None = None
    budget_line_id: int | None = None


@dataclass(frozen=True)
class BudgetFact:
    """A budget line in scope."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    amount: Decimal
    hours_cap: int | None = None


@dataclass(frozen=True)
class ProfessionalFact:
    """A professional of the directory and when he first asked the helplines in scope."""

    id: int
    keys: Keys
    is_active: bool
    created_at: datetime
    first_request_at: datetime | None = None


@dataclass(frozen=True)
class RatingFact:
    """A GP's one-key rating of the service (1 to 5) for a request."""

    request_id: int
    keys: Keys
    score: int
    opened_at: datetime


@dataclass(frozen=True)
class Interval:
    """A stretch of time of a helpline: an opening period, or a nurse's shift with its rank."""

    helpline: int
    start: datetime
    end: datetime
    rank: str | None = None


@dataclass(frozen=True)
class Facts:
    """Every row family for a scope; ``where`` keeps the rows of one breakdown value."""

    requests: tuple[RequestFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    queues: tuple[QueueFact, ...] = ()
    sessions: tuple[SessionFact, ...] = ()
    callbacks: tuple[CallbackFact, ...] = ()
    ledger: tuple[LedgerFact, ...] = ()
    budgets: tuple[BudgetFact, ...] = ()
    professionals: tuple[ProfessionalFact, ...] = ()
    ratings: tuple[RatingFact, ...] = ()
    opening: tuple[Interval, ...] = ()
    shifts: tuple[Interval, ...] = ()
    rating_helplines: frozenset[int] = field(default_factory=frozenset)
    # ``within``'s parts and the anchored families sorted by their instant, made on demand.
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def where(self, key: str, value: Any) -> Facts:
        """The rows whose breakdown ``key`` equals ``value`` (rows without keys are kept)."""
        changes: dict[str, Any] = {}
        for f in fields(self):
            rows = getattr(self, f.name)
            if isinstance(rows, tuple) and rows and hasattr(rows[0], "keys"):
                changes[f.name] = tuple(r for r in rows if getattr(r.keys, key) == value)
        if key == "helpline":
            changes["opening"] = tuple(i for i in self.opening if i.helpline == value)
            changes["shifts"] = tuple(i for i in self.shifts if i.helpline == value)
        return replace(self, **changes)

    def split(self, key: str) -> dict[Any, Facts]:
        """``where(key, value)`` for each of ``key_values(key)``, partitioned in one pass."""
        groups: dict[str, dict[Any, list[Any]]] = {}
        for f in fields(self):
            rows = getattr(self, f.name)
            if isinstance(rows, tuple) and rows and hasattr(rows[0], "keys"):
                by_value: dict[Any, list[Any]] = {}
                for r in rows:
                    by_value.setdefault(getattr(r.keys, key), []).append(r)
                groups[f.name] = by_value
        parts: dict[Any, Facts] = {}
        for value in self.key_values(key):
            changes: dict[str, Any] = {
                name: tuple(by_value.get(value, ())) for name, by_value in groups.items()
            }
            if key == "helpline":
                changes["opening"] = tuple(i for i in self.opening if i.helpline == value)
                changes["shifts"] = tuple(i for i in self.shifts if i.helpline == value)
            parts[value] = replace(self, **changes)
        return parts

    def within(self, part: Period) -> Facts:
        """The rows the loaders would give for ``part``, a stretch of the rows' own period (a
        month of a monthly breakdown): requests opened before its end and opened in it, or
        closed in it or after, or still open; legs, queue entries, sessions and ratings that
        started in it; callbacks created before its end and created, due or ended in it or
        still open; ledger entries before its end; opening hours and shifts overlapping it.

        Each month then reads its own rows instead of the whole period's (the anchored
        families are sorted once per ``Facts`` and cut by bisection)."""
        if ("within", part) in self._memo:
            return self._memo[("within", part)]
        start, end = part.start, part.end
        changes: dict[str, Any] = {}
        for name, anchor in ANCHORS.items():
            ordered, instants = self._by_anchor(name, anchor)
            changes[name] = tuple(
                ordered[bisect_left(instants, start) : bisect_left(instants, end)]
            )
        ordered, instants = self._by_anchor("requests", "opened_at")
        first, after = bisect_left(instants, start), bisect_left(instants, end)
        carried = tuple(r for r in ordered[:first] if r.closed_at is None or r.closed_at >= start)
        changes["requests"] = carried + tuple(ordered[first:after])
        changes["callbacks"] = tuple(
            t
            for t in self.callbacks
            if t.created_at < end
            and (
                t.created_at >= start
                or t.due_at >= start
                or t.done_at is None
                or t.done_at >= start
            )
        )
        changes["ledger"] = tuple(e for e in self.ledger if e.service_at < end)
        changes["opening"] = tuple(i for i in self.opening if i.end > start and i.start < end)
        changes["shifts"] = tuple(i for i in self.shifts if i.end > start and i.start < end)
        within = self._memo[("within", part)] = replace(self, **changes)
        return within

    def _by_anchor(self, name: str, anchor: str) -> tuple[list[Any], list[datetime]]:
        """A family's rows sorted by their anchor instant, and the instants (kept)."""
        known = self._memo.get(("sorted", name))
        if known is None:
            ordered = sorted(getattr(self, name), key=attrgetter(anchor))
            known = self._memo[("sorted", name)] = (ordered, [getattr(r, anchor) for r in ordered])
        return known

    def key_values(self, key: str) -> list[Any]:
        """The values ``key`` takes in the rows, sorted (None last, as "unknown")."""
        seen: set[Any] = set()
        for f in fields(self):
            rows = getattr(self, f.name)
            if isinstance(rows, tuple) and rows and hasattr(rows[0], "keys"):
                seen.update(getattr(r.keys, key) for r in rows)
        return sorted(seen, key=lambda v: (v is None, str(v)))


def ratio(numerator: float | Decimal, denominator: float | Decimal) -> float | None:
    """numerator / denominator, or None ("—") when the denominator is zero (§2.1)."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation (as PostgreSQL's percentile_cont); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float | None:
    """The median (percentile_cont 0.5)."""
    return quantile(values, 0.5)


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile (percentile_cont 0.9)."""
    return quantile(values, 0.9)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None when empty."""
    return sum(values) / len(values) if values else None


def count_by(rows: Iterable[Any], key: Callable[[Any], Any]) -> dict[str, int]:
    """How many rows per key (None as "unknown"), keys sorted."""
    counts: dict[str, int] = {}
    for row in rows:
        name = key(row)
        name = UNKNOWN if name is None else str(name)
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def in_intervals(at: datetime, intervals: Sequence[Interval], helpline: int | None) -> bool:
    """Whether ``at`` falls in one of the helpline's intervals (any helpline's when None): a
    bisection in the intervals' starts, kept per tuple of intervals (the same opening hours are
    asked about for every leg of a period)."""
    starts, reach = _interval_index(intervals, helpline)
    index = bisect_right(starts, at) - 1
    return index >= 0 and reach[index] > at


_INTERVAL_INDEXES: dict[tuple[int, int | None], tuple[Any, list[datetime], list[datetime]]] = {}


def _interval_index(
    intervals: Sequence[Interval], helpline: int | None
) -> tuple[list[datetime], list[datetime]]:
    """The starts of the helpline's intervals, sorted, and for each the latest end among the
    intervals starting no later (so overlapping intervals are one union)."""
    key = (id(intervals), helpline)
    known = _INTERVAL_INDEXES.get(key)
    if known is not None and known[0] is intervals:
        return known[1], known[2]
    mine = sorted((i.start, i.end) for i in intervals if helpline is None or i.helpline == helpline)
    starts, reach = [s for s, _ in mine], []
    latest: datetime | None = None
    for _, end in mine:
        latest = end if latest is None or end > latest else latest
        reach.append(latest)
    if len(_INTERVAL_INDEXES) > 64:
        _INTERVAL_INDEXES.clear()
    _INTERVAL_INDEXES[key] = (intervals, starts, reach)
    return starts, reach


def overlap_s(intervals: Iterable[tuple[datetime, datetime]], window: Period) -> float:
    """Seconds of the union of ``intervals`` that fall in ``window``."""
    clipped = sorted(
        (max(s, window.start), min(e, window.end))
        for s, e in intervals
        if e > window.start and s < window.end
    )
    total, current = 0.0, None
    for start, end in clipped:
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += (current[1] - current[0]).total_seconds()
        current = (start, end)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return total


def local(at: datetime) -> datetime:
    """The instant in Paris time (weekday × hour, months)."""
    return at.astimezone(PARIS)


def iter_months(period: Period) -> Iterator[tuple[str, Period]]:
    """("2026-01", month period) for each month of the period."""
    for month in period.months():
        start = local(month.start)
        yield f"{start.year:04d}-{start.month:02d}", month
