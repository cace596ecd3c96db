"""Interpreting rate cards and the pure pricing of one interpreting session.

Rules (what a finance officer can check on every charge):

1. **Which contract.** A contract is valid from ``valid_from`` to ``valid_to`` inclusive (local
   dates in the helpline's time zone; ``valid_to=None`` means open-ended). `contract_for` picks
   the contract valid on the local date of a moment; when several are valid, the one with the
   latest ``valid_from`` wins (a new rate card supersedes an open-ended older one); none, or two
   with the same ``valid_from``, is an error. `price_session` refuses a contract that is not
   valid on the local date of the join time.
2. **Connected time.** ``duration_s`` is the real elapsed time between join and leave (aware
   datetimes, so a daylight-saving change never adds or removes an hour), in whole seconds, a
   started second counting as one. ``left_at`` before ``joined_at`` is a ``ValueError``.
3. **No connection, no charge.** A session of 0 s (the interpreter never joined, or joined and
   left at the same instant) is not priced at all: no minimum, no connection fee, no line.
4. **Billable time.** For a connected session (≥ 1 s): take the longer of the connected time and
   the contract's minimum, then round it up to a whole number of increments (a started increment
   counts). So with a 15-minute minimum billed per minute, 5 min → 15 min and 16 min 1 s → 17 min.
   A *block* contract bills started blocks: its increment is its block (``increment_s ==
   block_s``), so 10 min 1 s with 10-minute blocks → 2 blocks. A *minute* contract's block is
   60 s; with ``increment_s=1`` it is billed to the second.
5. **Base amount.** unit price (the language override if the session's language has one, else
   the contract's price) × billable seconds / ``block_s``.
6. **Surcharges** are percentages of the base price of the time they apply to: night (local
   ``night_start``–``night_end``, may wrap past midnight; a moment is "night" when the local
   clock reads a time in ``[night_start, night_end)``), Saturday, Sunday, public holiday (the
   whole local calendar day, from the holiday calendar given), and urgent (the whole session,
   when the caller says it is urgent). When several apply to the same time, the contract's
   ``surcharge_rule`` decides: ``"highest"`` (default; real providers do not stack) takes the
   single highest percentage (ties: holiday, Sunday, Saturday, night, urgent in that order),
   ``"sum"`` adds them. The connection fee is never surcharged.
7. **Sessions that cross a window** are priced as the contract's ``surcharge_mode`` says:
   ``"start"``: all billable time at the percentage applying at the join time;
   ``"pro_rata"``: the billable time is laid out from the join time (the minimum and the
   rounding-up extend it forward, as if the session had gone on) and split at every local
   window boundary (night start and end, local midnight for the day of week and holidays),
   computed in the given time zone: boundaries are real instants (a DST day has 23 or 25 hours;
   a local time repeated at the autumn change is crossed twice, a local time skipped in spring
   takes effect at the change). Split points fall on whole seconds from the join time (the
   second in which a boundary falls stays in the earlier window). The parts sum to the billable
   time exactly. Laying the billed time forward keeps the price non-decreasing in the duration.
8. **Rounding to the cent** happens once per displayed line, half up (ROUND_HALF_UP to 0.01):
   one base line, one surcharge line per window part with a non-zero percentage, one connection
   fee line. The total is the sum of the displayed lines, so the invoice always adds up (it may
   differ by less than a cent per line from an unrounded computation).
9. **Connection fee**: added once to every priced (connected) session.

Only EUR is supported (cents are the rounding unit).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from hotline.refusals import N_, Refusal

Unit = Literal["minute", "block"]
SurchargeMode = Literal["start", "pro_rata"]
SurchargeRule = Literal["highest", "sum"]
LineKind = Literal["base", "surcharge", "connection_fee"]
HolidayCalendar = Callable[[date], bool] | Container[date]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NORMAL = "normal"
# Order used to break ties under the "highest" rule and to name combined windows.
CONDITIONS = ("holiday", "sunday", "saturday", "night", "urgent")
WINDOW_LABELS_FR = {
    NORMAL: "tarif normal",
    "holiday": "jour férié",
    "sunday": "dimanche",
    "saturday": "samedi",
    "night": "nuit",
    "urgent": "urgence",
}


class ContractError(Refusal):
    """A contract is malformed, or no single contract applies (a French text, translated where a
    page shows it)."""


@dataclass(frozen=True)
class Contract:
    """A rate card of an interpreter or agency, valid over a range of local dates."""

    id: str
    name: str
    unit: Unit
    unit_price: Decimal
    valid_from: date
    valid_to: date | None = None
    block_s: int = 60
    increment_s: int = 60
    minimum_s: int = 0
    connection_fee: Decimal = ZERO
    currency: str = "EUR"
    night_pct: Decimal = Decimal(0)
    night_start: time | None = None
    night_end: time | None = None
    saturday_pct: Decimal = Decimal(0)
    sunday_pct: Decimal = Decimal(0)
    holiday_pct: Decimal = Decimal(0)
    urgent_pct: Decimal = Decimal(0)
    surcharge_mode: SurchargeMode = "start"
    surcharge_rule: SurchargeRule = "highest"
    language_overrides: Mapping[str, Decimal] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Reject contracts the pricing rules cannot apply unambiguously."""
        if self.currency != "EUR":
            raise ContractError(
                N_("Seul l'euro est accepté, pas {currency}."), currency=self.currency
            )
        if self.unit not in ("minute", "block"):
            raise ContractError(N_("L'unité d'un contrat est la minute ou le bloc."))
        if self.block_s <= 0 or self.increment_s <= 0 or self.minimum_s < 0:
            raise ContractError(
                N_("Le bloc et le palier sont plus grands que 0, le minimum positif ou nul.")
            )
        if self.unit == "minute" and self.block_s != 60:
            raise ContractError(N_("Un contrat à la minute a des blocs de 60 secondes."))
        if self.unit == "block" and self.increment_s != self.block_s:
            raise ContractError(
                N_(
                    "Un contrat au bloc facture les blocs commencés : "
                    "son palier est égal à son bloc."
                )
            )
        money = {"unit_price": self.unit_price, "connection_fee": self.connection_fee}
        money |= {f"override {k}": v for k, v in self.language_overrides.items()}
        money |= {
            "night_pct": self.night_pct,
            "saturday_pct": self.saturday_pct,
            "sunday_pct": self.sunday_pct,
            "holiday_pct": self.holiday_pct,
            "urgent_pct": self.urgent_pct,
        }
        for what, value in money.items():
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ContractError(
                    N_("{what} doit être un nombre décimal positif ou nul."), what=what
                )
        if self.night_pct and (
            self.night_start is None or self.night_end is None or self.night_start == self.night_end
        ):
            raise ContractError(
                N_(
                    "Une majoration de nuit demande une heure de début et une heure de fin "
                    "différentes."
                )
            )
        if self.surcharge_mode not in ("start", "pro_rata"):
            raise ContractError(
                N_("Une majoration s'applique au début (start) ou au prorata (pro_rata).")
            )
        if self.surcharge_rule not in ("highest", "sum"):
            raise ContractError(
                N_("Des majorations se cumulent (sum) ou la plus haute s'applique (highest).")
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ContractError(N_("Le contrat finit avant de commencer."))
        # Language codes are matched case-insensitively; freeze the mapping.
        normalised = {k.lower(): v for k, v in self.language_overrides.items()}
        object.__setattr__(self, "language_overrides", MappingProxyType(normalised))

    def is_valid_on(self, day: date) -> bool:
        """Whether this contract applies on a local calendar day."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def price_for(self, language: str | None) -> Decimal:
        """Unit price for a language: exact code, then its primary subtag, then the default."""
        if language:
            code = language.lower().replace("_", "-")
            for key in (code, code.split("-")[0]):
                if key in self.language_overrides:
                    return self.language_overrides[key]
        return self.unit_price


@dataclass(frozen=True)
class WindowShare:
    """A part of the billed time spent in one surcharge window."""

    window: str  # "normal", a condition ("night", "sunday", …) or several joined by "+"
    pct: Decimal
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    billable_s: int


@dataclass(frozen=True)
class ChargeLine:
    """One line of a charge, rounded to the cent, readable by a finance officer (French)."""

    kind: LineKind
    label: str
    amount: Decimal
    seconds: int = 0
    window: str | None = None
    pct: Decimal | None = None


@dataclass(frozen=True)
class Charge:
    """The price of one interpreting session; ``total`` is the sum of ``lines``."""

    contract_id: str
    currency: str
    duration_s: int
    billable_s: int
    units: Decimal  # minutes or blocks billed, rounded to 0.01 for display
    unit_price: Decimal
    base_amount: Decimal
    surcharge_amount: Decimal
    connection_fee: Decimal
    total: Decimal
    shares: tuple[WindowShare, ...] = ()
    lines: tuple[ChargeLine, ...] = ()


def contract_for(
    contracts: Iterable[Contract], at: datetime | date, tz: str | ZoneInfo
) -> Contract:
    """The contract valid at a moment (or local date); latest ``valid_from`` wins."""
    day = _local_date(at, _zone(tz)) if isinstance(at, datetime) else at
    valid = [c for c in contracts if c.is_valid_on(day)]
    if not valid:
        raise ContractError(N_("Aucun contrat valable le {day}."), day=day.isoformat())
    latest = max(c.valid_from for c in valid)
    winners = [c for c in valid if c.valid_from == latest]
    if len(winners) > 1:
        ids = ", ".join(sorted(c.id for c in winners))
        raise ContractError(
            N_("Plusieurs contrats commencent le {day} : {contracts}."),
            day=latest.isoformat(),
            contracts=ids,
        )
    return winners[0]


def billable_seconds(duration_s: int, contract: Contract) -> int:
    """Connected seconds → billed seconds: 0 stays 0, else minimum first then increments up."""
    if duration_s < 0:
        raise ValueError("a duration cannot be negative")
    if duration_s == 0:
        return 0
    at_least = max(duration_s, contract.minimum_s)
    return -(-at_least // contract.increment_s) * contract.increment_s


def price_session(
    joined_at: datetime,
    left_at: datetime,
    contract: Contract,
    tz: str | ZoneInfo,
    holidays: HolidayCalendar,
    language: str | None = None,
    is_urgent: bool = False,
) -> Charge:
    """Price one interpreting session under a contract (rules in the module docstring)."""
    zone = _zone(tz)
    if joined_at.tzinfo is None or left_at.tzinfo is None:
        raise ValueError("joined_at and left_at must be timezone-aware")
    if left_at.astimezone(UTC) < joined_at.astimezone(UTC):
        raise ValueError("left_at is before joined_at")
    start_day = _local_date(joined_at, zone)
    if not contract.is_valid_on(start_day):
        raise ContractError(
            N_("Le contrat {contract} n'est pas valable le {day}."),
            contract=contract.id,
            day=start_day.isoformat(),
        )
    is_holiday = holidays if callable(holidays) else holidays.__contains__
    price = contract.price_for(language)
    # Subtract in UTC: Python subtracts two datetimes sharing a tzinfo by wall clock.
    duration_s = _ceil_seconds(left_at.astimezone(UTC) - joined_at.astimezone(UTC))
    billable_s = billable_seconds(duration_s, contract)
    units = (Decimal(billable_s) / contract.block_s).quantize(CENT, rounding=ROUND_HALF_UP)
    if billable_s == 0:
        return Charge(contract.id, contract.currency, 0, 0, units, price, ZERO, ZERO, ZERO, ZERO)

    start = joined_at.astimezone(UTC)
    billed_end = start + timedelta(seconds=billable_s)

    def window_at(instant: datetime) -> tuple[str, Decimal]:
        return _window(instant, contract, zone, is_holiday, is_urgent)

    if contract.surcharge_mode == "start":
        window, pct = window_at(start)
        shares: tuple[WindowShare, ...] = (WindowShare(window, pct, start, billed_end, billable_s),)
    else:
        shares = _split(
            start, billable_s, _boundaries(start, billed_end, contract, zone), window_at
        )

    base = _cents(price * billable_s / contract.block_s)
    lines = [
        ChargeLine("base", _base_label(contract, price, duration_s, billable_s), base, billable_s)
    ]
    for share in shares:
        if share.pct:
            amount = _cents(price * share.billable_s * share.pct / (contract.block_s * 100))
            label = _surcharge_label(share, contract.surcharge_mode, zone)
            lines.append(
                ChargeLine("surcharge", label, amount, share.billable_s, share.window, share.pct)
            )
    fee = _cents(contract.connection_fee)
    if fee:
        lines.append(ChargeLine("connection_fee", "Frais de connexion", fee))
    surcharge = sum((line.amount for line in lines if line.kind == "surcharge"), ZERO)
    return Charge(
        contract_id=contract.id,
        currency=contract.currency,
        duration_s=duration_s,
        billable_s=billable_s,
        units=units,
        unit_price=price,
        base_amount=base,
        surcharge_amount=surcharge,
        connection_fee=fee,
        total=sum((line.amount for line in lines), ZERO),
        shares=shares,
        lines=tuple(lines),
    )


def window_boundaries(
    start: datetime, end: datetime, contract: Contract, tz: str | ZoneInfo
) -> list[datetime]:
    """UTC instants strictly inside ``(start, end)`` where a surcharge window may change."""
    return _boundaries(start.astimezone(UTC), end.astimezone(UTC), contract, _zone(tz))


# --- internals -------------------------------------------------------------------------------


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _local_date(at: datetime, zone: ZoneInfo) -> date:
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(zone).date()


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _ceil_seconds(delta: timedelta) -> int:
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return -(-micro // 1_000_000)


def _window(
    instant: datetime,
    contract: Contract,
    zone: ZoneInfo,
    is_holiday: Callable[[date], bool],
    is_urgent: bool,
) -> tuple[str, Decimal]:
    """The window name and combined percentage applying at an instant (by local clock)."""
    local = instant.astimezone(zone)
    day, clock = local.date(), local.time()
    pcts: dict[str, Decimal] = {
        "holiday": contract.holiday_pct if is_holiday(day) else Decimal(0),
        "sunday": contract.sunday_pct if day.weekday() == 6 else Decimal(0),
        "saturday": contract.saturday_pct if day.weekday() == 5 else Decimal(0),
        "night": contract.night_pct if _in_night(clock, contract) else Decimal(0),
        "urgent": contract.urgent_pct if is_urgent else Decimal(0),
    }
    applying = [(name, pcts[name]) for name in CONDITIONS if pcts[name]]
    if not applying:
        return NORMAL, Decimal(0)
    if contract.surcharge_rule == "sum":
        return "+".join(n for n, _ in applying), sum((p for _, p in applying), Decimal(0))
    best = max(p for _, p in applying)
    return next(n for n, p in applying if p == best), best


def _in_night(clock: time, contract: Contract) -> bool:
    start, end = contract.night_start, contract.night_end
    if not contract.night_pct or start is None or end is None:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def _boundaries(
    start: datetime, end: datetime, contract: Contract, zone: ZoneInfo
) -> list[datetime]:
    """Every instant in (start, end) where the local clock crosses a window edge or jumps.

    Between two consecutive returned instants the UTC offset is constant, so the local clock
    runs continuously and the window cannot change without crossing an edge value, which is
    one of the fold=0/fold=1 conversions of a local edge time.
    """
    edges = [time(0)]
    if contract.night_pct and contract.night_start and contract.night_end:
        edges += [contract.night_start, contract.night_end]
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: set[datetime] = set()
    day = first
    while day <= last:
        for edge in edges:
            naive = datetime.combine(day, edge)
            for fold in (0, 1):
                instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                if start < instant < end:
                    found.add(instant)
        day += timedelta(days=1)
    points = [start, *sorted(found), end]
    for a, b in pairwise(points):
        if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset():
            change = _offset_change(a, b, zone)
            if start < change < end:
                found.add(change)
    return sorted(found)


def _offset_change(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """First instant in (a, b] whose UTC offset is b's (one change between a and b)."""
    target = b.astimezone(zone).utcoffset()
    lo, hi = a, b
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi


def _split(
    start: datetime,
    billable_s: int,
    boundaries: list[datetime],
    window_at: Callable[[datetime], tuple[str, Decimal]],
) -> tuple[WindowShare, ...]:
    """Cut [start, start + billable_s) at boundaries on whole seconds; merge equal neighbours."""
    cuts = sorted({0, billable_s, *(_ceil_seconds(b - start) for b in boundaries)})
    cuts = [c for c in cuts if 0 <= c <= billable_s]
    shares: list[WindowShare] = []
    for lo, hi in pairwise(cuts):
        a, b = start + timedelta(seconds=lo), start + timedelta(seconds=hi)
        window, pct = window_at(a)
        if shares and shares[-1].window == window and shares[-1].pct == pct:
            previous = shares.pop()
            shares.append(
                dataclasses.replace(previous, ends_at=b, billable_s=previous.billable_s + hi - lo)
            )
        else:
            shares.append(WindowShare(window, pct, a, b, hi - lo))
    return tuple(shares)


def _eur(amount: Decimal) -> str:
    return f"{_cents(amount):,.2f} €".replace(",", "\u202f").replace(".", ",")


def _pct(pct: Decimal) -> str:
    return f"{pct.normalize():f}".replace(".", ",") + " %"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _base_label(contract: Contract, price: Decimal, duration_s: int, billable_s: int) -> str:
    if contract.unit == "block":
        blocks = billable_s // contract.block_s
        size = _duration(contract.block_s)
        billed = f"{blocks} tranche{'s' if blocks > 1 else ''} de {size} à {_eur(price)}"
    else:
        billed = f"{_duration(billable_s)} à {_eur(price)}/min"
    notes = [f"connecté {_duration(duration_s)}"]
    if contract.minimum_s and duration_s < contract.minimum_s:
        notes.append(f"minimum {_duration(contract.minimum_s)}")
    return f"Temps facturé : {billed} ({', '.join(notes)})"


def _surcharge_label(share: WindowShare, mode: SurchargeMode, zone: ZoneInfo) -> str:
    names = " + ".join(WINDOW_LABELS_FR[n] for n in share.window.split("+"))
    span = _span(share.starts_at.astimezone(zone), share.ends_at.astimezone(zone))
    how = "tarif du début de session" if mode == "start" else "au prorata"
    return f"Majoration {names} {_pct(share.pct)} sur {_duration(share.billable_s)} ({how}, {span})"


def _span(a: datetime, b: datetime) -> str:
    def clock(moment: datetime) -> str:
        return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"

    end = clock(b) if a.date() == b.date() else f"{b:%d/%m/%Y} {clock(b)}"
    span = f"{a:%d/%m/%Y} {clock(a)} → {end}"
    if a.utcoffset() != b.utcoffset() or _is_repeated(a) or _is_repeated(b):
        # A daylight-saving change makes local times ambiguous: show the offsets.
        span += f" ({_offset(a)} → {_offset(b)})"
    return span


def _is_repeated(moment: datetime) -> bool:
    """Whether this local time occurs twice (the hour repeated when clocks go back)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


def _offset(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta(0)).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
