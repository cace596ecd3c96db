"""Tests of the pure interpreting-billing rules: provider tables, edge cases and properties."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter_pool.billing import (
    Charge,
    Contract,
    ContractError,
    billable_seconds,
    contract_for,
    price_session,
    window_boundaries,
)

PARIS = ZoneInfo("Europe/Paris")
FR = holidays.country_holidays("FR")
D = Decimal

# Reference days in 2026 (Europe/Paris).
TUE = date(2026, 3, 10)
WED = date(2026, 3, 11)
FRI = date(2026, 3, 13)
SAT = date(2026, 3, 14)
SUN = date(2026, 3, 15)
BASTILLE_DAY = date(2026, 7, 14)  # a Tuesday, public holiday
NEW_YEAR = date(2026, 1, 1)  # a Thursday, public holiday
ARMISTICE = date(2026, 11, 11)  # a Wednesday, public holiday
SPRING_FORWARD = date(2026, 3, 29)  # 02:00 CET → 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # 03:00 CEST → 02:00 CET

# Provider 1: 3.50 € per minute, 15-minute minimum then per started minute,
# +25 % at night (20:00–08:00) and at weekends; priced at the rate applying at the start.
PER_MINUTE_15_MIN = Contract(
    id="p1",
    name="3,50 €/min, minimum 15 min",
    unit="minute",
    unit_price=D("3.50"),
    valid_from=date(2026, 1, 1),
    block_s=60,
    increment_s=60,
    minimum_s=15 * 60,
    night_pct=D(25),
    night_start=time(20),
    night_end=time(8),
    saturday_pct=D(25),
    sunday_pct=D(25),
    surcharge_mode="start",
)
PER_MINUTE_15_MIN_PRO_RATA = Contract(
    **{**PER_MINUTE_15_MIN.__dict__, "id": "p1-prorata", "surcharge_mode": "pro_rata"}
)

# Provider 2: 15 € per started 10-minute block, 10-minute minimum, +25 % on Sundays and public
# holidays, pro rata across windows.
BLOCK_10_MIN = Contract(
    id="p2",
    name="15 € la tranche de 10 min",
    unit="block",
    unit_price=D("15.00"),
    valid_from=date(2026, 1, 1),
    block_s=600,
    increment_s=600,
    minimum_s=600,
    sunday_pct=D(25),
    holiday_pct=D(25),
    surcharge_mode="pro_rata",
)

# Provider 3: a plain 1.20 € per started minute, no minimum, no surcharge.
PLAIN_PER_MINUTE = Contract(
    id="p3",
    name="1,20 €/min",
    unit="minute",
    unit_price=D("1.20"),
    valid_from=date(2026, 1, 1),
)

# Billed to the second, no minimum, night window and every surcharge, stacked: for properties.
PER_SECOND_STACKED = Contract(
    id="p4",
    name="0,90 €/min à la seconde",
    unit="minute",
    unit_price=D("0.90"),
    valid_from=date(2026, 1, 1),
    increment_s=1,
    connection_fee=D("2.00"),
    night_pct=D(20),
    night_start=time(22),
    night_end=time(6, 30),
    saturday_pct=D(10),
    sunday_pct=D(30),
    holiday_pct=D(50),
    urgent_pct=D(15),
    surcharge_mode="pro_rata",
    surcharge_rule="sum",
)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A Paris wall-clock moment (fold=0)."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=PARIS)


def price(
    contract: Contract,
    start: datetime,
    seconds: int,
    language: str | None = None,
    is_urgent: bool = False,
) -> Charge:
    """Price a session of `seconds` real seconds starting at `start`, in Paris, French holidays."""
    start = start.astimezone(UTC)  # add real seconds, not wall-clock ones
    end = start + timedelta(seconds=seconds)
    return price_session(start, end, contract, "Europe/Paris", FR, language, is_urgent)


def mmss(minutes: int, seconds: int = 0) -> int:
    return minutes * 60 + seconds


# --- provider tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration_s", "expected"),
    [
        # 5 min → minimum 15 min × 3.50 = 52.50
        (at(TUE, 10), mmss(5), "52.50"),
        # 20 min × 3.50 = 70.00
        (at(TUE, 10), mmss(20), "70.00"),
        # 16 min 1 s → 17 started minutes × 3.50 = 59.50
        (at(TUE, 10), mmss(16, 1), "59.50"),
        # 3 s connected → the 15-minute minimum: 52.50
        (at(TUE, 10), 3, "52.50"),
        # Saturday: 52.50 + 25 % (13.125 → 13.13 half-up) = 65.63
        (at(SAT, 10), mmss(15), "65.63"),
        # Night at 21:00: 30 × 3.50 = 105.00 + 26.25 = 131.25
        (at(TUE, 21), mmss(30), "131.25"),
        # Starts 19:50 (day) and runs into the night: priced at the start rate, 105.00
        (at(TUE, 19, 50), mmss(30), "105.00"),
        # Starts 07:55 (night) and runs into the day: all at night rate, 52.50 + 13.13 = 65.63
        (at(TUE, 7, 55), mmss(10), "65.63"),
        # Sunday 45 min 30 s → 46 min: 161.00 + 40.25 = 201.25
        (at(SUN, 12), mmss(45, 30), "201.25"),
        # Saturday night: night and weekend both 25 %, not stacked: 52.50 + 13.13 = 65.63
        (at(SAT, 23, 59), mmss(15), "65.63"),
        # Never connected: nothing
        (at(TUE, 10), 0, "0.00"),
    ],
)
def test_provider_per_minute_with_15_minute_minimum_priced_at_start_rate(
    start: datetime, duration_s: int, expected: str
) -> None:
    assert price(PER_MINUTE_15_MIN, start, duration_s).total == D(expected)


@pytest.mark.parametrize(
    ("start", "duration_s", "expected"),
    [
        # 19:50 → 20:20: 10 min day, 20 min night: 105.00 + 20 × 3.50 × 25 % (17.50) = 122.50
        (at(TUE, 19, 50), mmss(30), "122.50"),
        # 5 min at 19:58 → 15 min billed from 19:58: 2 min day, 13 min night:
        # 52.50 + 13 × 3.50 × 25 % (11.375 → 11.38) = 63.88
        (at(TUE, 19, 58), mmss(5), "63.88"),
        # 07:50 → 08:10: 10 min night, 10 min day: 70.00 + 8.75 = 78.75
        (at(TUE, 7, 50), mmss(20), "78.75"),
        # Friday 23:50 → Saturday 00:10: 10 min night + 10 min Saturday night (25 %, not 50 %):
        # 70.00 + 8.75 + 8.75 = 87.50
        (at(FRI, 23, 50), mmss(20), "87.50"),
        # Wholly in the day: 20 × 3.50 = 70.00
        (at(TUE, 10), mmss(20), "70.00"),
        # Sunday afternoon 15 min: 52.50 + 13.13 = 65.63
        (at(SUN, 15), mmss(15), "65.63"),
    ],
)
def test_provider_per_minute_with_15_minute_minimum_priced_pro_rata(
    start: datetime, duration_s: int, expected: str
) -> None:
    assert price(PER_MINUTE_15_MIN_PRO_RATA, start, duration_s).total == D(expected)


@pytest.mark.parametrize(
    ("start", "duration_s", "expected"),
    [
        # 1 min → minimum 10 min = 1 block: 15.00
        (at(WED, 10), mmss(1), "15.00"),
        # 10 min: 1 block, 15.00
        (at(WED, 10), mmss(10), "15.00"),
        # 10 min 1 s: 2 started blocks, 30.00
        (at(WED, 10), mmss(10, 1), "30.00"),
        # 25 min on 14 July: 3 blocks 45.00 + 25 % 11.25 = 56.25
        (at(BASTILLE_DAY, 10), mmss(25), "56.25"),
        # 30 min on a Sunday: 45.00 + 11.25 = 56.25
        (at(SUN, 10), mmss(30), "56.25"),
        # 59 min 59 s: 6 blocks, 90.00
        (at(WED, 10), mmss(59, 59), "90.00"),
        # 1 h 0 min 1 s: 7 blocks, 105.00
        (at(WED, 10), mmss(60, 1), "105.00"),
        # 12 min on New Year's Day: 2 blocks 30.00 + 7.50 = 37.50
        (at(NEW_YEAR, 10), mmss(12), "37.50"),
        # Saturday has no surcharge: 2 blocks, 30.00
        (at(SAT, 10), mmss(20), "30.00"),
        # Night has no surcharge: 15.00
        (at(WED, 22), mmss(10), "15.00"),
        # 11 November, 1 min: 15.00 + 3.75 = 18.75
        (at(ARMISTICE, 10), mmss(1), "18.75"),
        # Saturday 23:50 → Sunday 00:10: 10 min Saturday, 10 min Sunday: 30.00 + 3.75 = 33.75
        (at(SAT, 23, 50), mmss(20), "33.75"),
        # 3 min at Saturday 23:55: one block billed 23:55 → 00:05, half of it on Sunday:
        # 15.00 + 15.00 × 1/2 × 25 % (1.875 → 1.88) = 16.88
        (at(SAT, 23, 55), mmss(3), "16.88"),
    ],
)
def test_provider_per_started_10_minute_block(
    start: datetime, duration_s: int, expected: str
) -> None:
    assert price(BLOCK_10_MIN, start, duration_s).total == D(expected)


@pytest.mark.parametrize(
    ("start", "duration_s", "expected"),
    [
        (at(TUE, 10), mmss(0, 30), "1.20"),  # a started minute
        (at(TUE, 10), 1, "1.20"),
        (at(TUE, 10), mmss(1), "1.20"),
        (at(TUE, 10), mmss(1, 1), "2.40"),  # 2 started minutes
        (at(TUE, 10), mmss(10), "12.00"),
        (at(TUE, 10), mmss(59, 59), "72.00"),  # 60 started minutes
        (at(SUN, 23), mmss(120), "144.00"),  # no surcharge at all
        (at(TUE, 10), 0, "0.00"),
    ],
)
def test_provider_plain_per_minute_without_minimum(
    start: datetime, duration_s: int, expected: str
) -> None:
    assert price(PLAIN_PER_MINUTE, start, duration_s).total == D(expected)


# --- rules -------------------------------------------------------------------------------------


def test_charge_details_a_saturday_minimum_line_by_line() -> None:
    charge = price(PER_MINUTE_15_MIN, at(SAT, 10), mmss(5))
    assert (charge.duration_s, charge.billable_s, charge.units) == (300, 900, D("15.00"))
    assert (charge.base_amount, charge.surcharge_amount) == (D("52.50"), D("13.13"))
    assert [line.kind for line in charge.lines] == ["base", "surcharge"]
    assert "minimum 15 min" in charge.lines[0].label
    assert "Majoration samedi 25 %" in charge.lines[1].label


def test_connection_fee_is_added_once_and_never_surcharged() -> None:
    contract = Contract(**{**BLOCK_10_MIN.__dict__, "id": "fee", "connection_fee": D("4.00")})
    charge = price(contract, at(SUN, 10), mmss(5))
    assert charge.connection_fee == D("4.00")
    assert charge.total == D("15.00") + D("3.75") + D("4.00")
    assert [line.kind for line in charge.lines] == ["base", "surcharge", "connection_fee"]


def test_session_never_connected_pays_neither_minimum_nor_connection_fee() -> None:
    contract = Contract(**{**BLOCK_10_MIN.__dict__, "connection_fee": D("4.00")})
    charge = price(contract, at(WED, 10), 0)
    assert (charge.total, charge.billable_s, charge.lines) == (D("0.00"), 0, ())


def test_language_override_replaces_the_unit_price_and_falls_back_to_primary_subtag() -> None:
    contract = Contract(
        **{**PLAIN_PER_MINUTE.__dict__, "language_overrides": {"AR": D("2.00"), "ti": D("3")}}
    )
    assert price(contract, at(TUE, 10), mmss(10), language="ar").total == D("20.00")
    assert price(contract, at(TUE, 10), mmss(10), language="ar-SD").total == D("20.00")
    assert price(contract, at(TUE, 10), mmss(10), language="ti").total == D("30.00")
    assert price(contract, at(TUE, 10), mmss(10), language="ps").total == D("12.00")


def test_urgent_session_takes_the_highest_percentage_rather_than_the_sum() -> None:
    contract = Contract(**{**PER_MINUTE_15_MIN.__dict__, "urgent_pct": D(50)})
    # Night (25 %) and urgent (50 %): the highest, 50 %: 52.50 + 26.25 = 78.75
    charge = price(contract, at(TUE, 22), mmss(15), is_urgent=True)
    assert charge.total == D("78.75")
    assert charge.shares[0].window == "urgent"


def test_sum_rule_stacks_night_and_sunday_surcharges() -> None:
    # 10 min Sunday 23:00, night 20 % + Sunday 30 % = 50 %: 9.00 + 4.50 + 2.00 fee = 15.50
    charge = price(PER_SECOND_STACKED, at(SUN, 23), mmss(10))
    assert charge.total == D("15.50")
    assert charge.shares[0].window == "sunday+night"


def test_per_second_contract_rounds_each_line_half_up_and_total_is_their_sum() -> None:
    # 61 s at 0.90 €/min = 0.915 → 0.92; plus 2.00 fee = 2.92
    charge = price(PER_SECOND_STACKED, at(TUE, 10), 61)
    assert [line.amount for line in charge.lines] == [D("0.92"), D("2.00")]
    assert charge.total == D("2.92")


def test_left_before_joined_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        price(PLAIN_PER_MINUTE, at(TUE, 10), -1)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 10, 10)
    with pytest.raises(ValueError, match="aware"):
        price_session(naive, naive, PLAIN_PER_MINUTE, PARIS, FR)


def test_contract_not_valid_at_the_join_date_is_refused() -> None:
    with pytest.raises(ContractError, match="pas valable"):
        price(PLAIN_PER_MINUTE, at(date(2025, 12, 31), 23, 59), 60)


def test_holiday_calendar_may_be_a_plain_set_or_a_predicate() -> None:
    start = at(WED, 10)
    end = start + timedelta(minutes=10)
    by_set = price_session(start, end, BLOCK_10_MIN, PARIS, {WED})
    by_predicate = price_session(start, end, BLOCK_10_MIN, PARIS, lambda d: d == WED)
    assert by_set.total == by_predicate.total == D("18.75")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit": "block", "block_s": 600, "increment_s": 60}, "blocs commencés"),
        ({"unit_price": 3.5}, "unit_price doit être un nombre décimal"),
        ({"night_pct": D(25), "night_start": None, "night_end": None}, "majoration de nuit"),
        ({"currency": "USD"}, "pas USD"),
        ({"valid_to": date(2025, 1, 1)}, "finit avant de commencer"),
        ({"block_s": 30}, "blocs de 60 secondes"),
    ],
)
def test_malformed_contracts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        Contract(**{**PLAIN_PER_MINUTE.__dict__, **changes})


def test_billable_seconds_apply_the_minimum_then_started_increments() -> None:
    assert [billable_seconds(s, PER_MINUTE_15_MIN) for s in (0, 1, 900, 901, 960)] == [
        0,
        900,
        900,
        960,
        960,
    ]


# --- contract_for ------------------------------------------------------------------------------


def _card(ident: str, start: date, end: date | None = None) -> Contract:
    return Contract(
        **{**PLAIN_PER_MINUTE.__dict__, "id": ident, "valid_from": start, "valid_to": end}
    )


def test_contract_for_picks_the_newest_valid_card_by_local_date() -> None:
    old = _card("2025", date(2025, 1, 1))
    new = _card("2026", date(2026, 1, 1), date(2026, 12, 31))
    # 31 Dec 2025 23:30 UTC is already 1 Jan 2026 in Paris
    assert contract_for([old, new], datetime(2025, 12, 31, 23, 30, tzinfo=UTC), PARIS) is new
    assert contract_for([old, new], datetime(2025, 12, 31, 22, 30, tzinfo=UTC), PARIS) is old
    assert contract_for([old, new], date(2027, 1, 1), PARIS) is old


def test_contract_for_explains_when_no_card_applies() -> None:
    with pytest.raises(ContractError, match="Aucun contrat valable le 2024-06-01"):
        contract_for([_card("2025", date(2025, 1, 1))], date(2024, 6, 1), PARIS)


def test_contract_for_refuses_two_cards_starting_the_same_day() -> None:
    cards = [_card("a", date(2026, 1, 1)), _card("b", date(2026, 1, 1))]
    with pytest.raises(ContractError, match="a, b"):
        contract_for(cards, date(2026, 2, 1), PARIS)


# --- daylight saving -----------------------------------------------------------------------------


def test_spring_forward_session_bills_real_elapsed_time_not_wall_clock() -> None:
    # 01:30 CET → 03:30 CEST is 1 h of real time (2 h on the wall clock)
    start, end = at(SPRING_FORWARD, 1, 30), at(SPRING_FORWARD, 3, 30)
    charge = price_session(start, end, PLAIN_PER_MINUTE, PARIS, FR)
    assert (charge.duration_s, charge.billable_s, charge.total) == (3600, 3600, D("72.00"))


def test_fall_back_session_bills_real_elapsed_time_not_wall_clock() -> None:
    # 02:30 CEST (fold=0) → 02:30 CET (fold=1) is 1 h of real time (0 on the wall clock)
    start = at(FALL_BACK, 2, 30)
    end = start.replace(fold=1)
    charge = price_session(start, end, PLAIN_PER_MINUTE, PARIS, FR)
    assert (charge.duration_s, charge.total) == (3600, D("72.00"))


def _night_only(start: time, end: time) -> Contract:
    """Per-second contract whose only surcharge is a night window with the given edges."""
    return Contract(
        id="night-only",
        name="nuit seule",
        unit="minute",
        unit_price=D("0.90"),
        valid_from=date(2026, 1, 1),
        increment_s=1,
        night_pct=D(20),
        night_start=start,
        night_end=end,
        surcharge_mode="pro_rata",
    )


def test_window_edge_in_the_skipped_hour_takes_effect_at_the_change() -> None:
    # 00:30 UTC (01:30 CET) → 02:00 UTC (04:00 CEST). 02:30 does not exist: the clock jumps
    # from 02:00 to 03:00 at 01:00 UTC, so the night starts then: 30 min normal, 60 min night.
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    shares = price(_night_only(time(2, 30), time(5)), start, 5400).shares
    assert [(s.window, s.billable_s) for s in shares] == [("normal", 1800), ("night", 3600)]
    assert shares[1].starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_window_edge_in_the_repeated_hour_is_crossed_twice() -> None:
    # 00:00 UTC (02:00 CEST) → 02:00 UTC (03:00 CET): the clock reads 02:00–02:30 twice.
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    shares = price(_night_only(time(20), time(2, 30)), start, 7200).shares
    assert [(s.window, s.billable_s) for s in shares] == [
        ("night", 1800),
        ("normal", 1800),
        ("night", 1800),
        ("normal", 1800),
    ]
    assert "UTC+01:00" in price(_night_only(time(20), time(2, 30)), start, 7200).lines[-1].label


# --- properties ------------------------------------------------------------------------------

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
ALL_CONTRACTS = [
    PER_MINUTE_15_MIN,
    PER_MINUTE_15_MIN_PRO_RATA,
    BLOCK_10_MIN,
    PLAIN_PER_MINUTE,
    PER_SECOND_STACKED,
]
starts = st.integers(0, 364 * 86_400).map(lambda s: YEAR_START + timedelta(seconds=s))
durations = st.integers(0, 6 * 3600)
contracts = st.sampled_from(ALL_CONTRACTS)


def expected_window(instant: datetime, contract: Contract, is_urgent: bool) -> tuple[str, Decimal]:
    """Independent restatement of the window rule at one instant (Paris clock, FR holidays)."""
    local = instant.astimezone(PARIS)
    clock = local.time()
    night = False
    if contract.night_start is not None and contract.night_end is not None:
        if contract.night_start < contract.night_end:
            night = contract.night_start <= clock < contract.night_end
        else:
            night = clock >= contract.night_start or clock < contract.night_end
    found = [
        ("holiday", contract.holiday_pct if local.date() in FR else D(0)),
        ("sunday", contract.sunday_pct if local.weekday() == 6 else D(0)),
        ("saturday", contract.saturday_pct if local.weekday() == 5 else D(0)),
        ("night", contract.night_pct if night else D(0)),
        ("urgent", contract.urgent_pct if is_urgent else D(0)),
    ]
    found = [(name, pct) for name, pct in found if pct]
    if not found:
        return "normal", D(0)
    if contract.surcharge_rule == "sum":
        return "+".join(n for n, _ in found), sum((p for _, p in found), D(0))
    best = max(p for _, p in found)
    return next(n for n, p in found if p == best), best


def check_invariants(charge: Charge, start: datetime, contract: Contract, urgent: bool) -> None:
    """What every charge must satisfy: lines add up, parts tile the billed time, windows right."""
    assert charge.total == sum((line.amount for line in charge.lines), D(0))
    assert charge.total == charge.base_amount + charge.surcharge_amount + charge.connection_fee
    for line in charge.lines:
        assert line.amount == line.amount.quantize(D("0.01"))
    assert sum(s.billable_s for s in charge.shares) == charge.billable_s
    if charge.billable_s == 0:
        return
    cursor = start
    for share in charge.shares:
        assert share.starts_at == cursor
        assert (share.ends_at - share.starts_at).total_seconds() == share.billable_s
        cursor = share.ends_at
    assert cursor == start + timedelta(seconds=charge.billable_s)
    if contract.surcharge_mode == "start":
        assert (charge.shares[0].window, charge.shares[0].pct) == expected_window(
            start, contract, urgent
        )
        return
    for share in charge.shares:
        last = share.ends_at - timedelta(seconds=1)
        for instant in (share.starts_at, share.starts_at + (last - share.starts_at) / 2, last):
            assert (share.window, share.pct) == expected_window(instant, contract, urgent)


def expected_base(contract: Contract, billable_s: int) -> Decimal:
    exact = contract.unit_price * billable_s / contract.block_s
    return exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=300, deadline=None)
@given(contracts, starts, durations, durations, st.booleans())
def test_amount_never_decreases_when_the_duration_grows(
    contract: Contract, start: datetime, a: int, b: int, urgent: bool
) -> None:
    short, long = sorted((a, b))
    first = price(contract, start, short, is_urgent=urgent)
    second = price(contract, start, long, is_urgent=urgent)
    assert first.billable_s <= second.billable_s
    assert first.total <= second.total


@settings(max_examples=300, deadline=None)
@given(contracts, starts, st.integers(1, 6 * 3600), st.booleans())
def test_connected_session_is_never_below_the_minimum_and_lines_add_up(
    contract: Contract, start: datetime, duration_s: int, urgent: bool
) -> None:
    charge = price(contract, start, duration_s, is_urgent=urgent)
    minimum = expected_base(contract, billable_seconds(1, contract)) + contract.connection_fee
    assert charge.total >= minimum
    assert charge.billable_s >= max(duration_s, contract.minimum_s)
    assert charge.billable_s - max(duration_s, contract.minimum_s) < contract.increment_s
    assert charge.base_amount == expected_base(contract, charge.billable_s)
    check_invariants(charge, start, contract, urgent)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3599), st.integers(1, 4 * 3600))
def test_pro_rata_session_across_midnight_into_sunday_surcharges_only_the_sunday_part(
    offset_s: int, duration_s: int
) -> None:
    start = at(SAT, 23).astimezone(UTC) + timedelta(seconds=offset_s)
    charge = price(BLOCK_10_MIN, start, duration_s)
    midnight = at(SUN, 0)
    billed_end = start + timedelta(seconds=charge.billable_s)
    sunday_s = max(0, int((billed_end - midnight).total_seconds()))
    assert sum(s.billable_s for s in charge.shares if s.window == "sunday") == sunday_s
    surcharge = D(15) * sunday_s / 600 * D("0.25")
    assert charge.surcharge_amount == surcharge.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    check_invariants(charge, start, BLOCK_10_MIN, False)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3599), st.integers(1, 3 * 3600))
def test_pro_rata_session_across_the_start_of_the_night_surcharges_only_the_night_part(
    offset_s: int, duration_s: int
) -> None:
    start = at(TUE, 19).astimezone(UTC) + timedelta(seconds=offset_s)
    charge = price(PER_MINUTE_15_MIN_PRO_RATA, start, duration_s)
    billed_end = start + timedelta(seconds=charge.billable_s)
    night_s = max(0, int((billed_end - at(TUE, 20)).total_seconds()))
    assert sum(s.billable_s for s in charge.shares if s.window == "night") == night_s
    surcharge = D("3.50") * night_s / 60 * D("0.25")
    assert charge.surcharge_amount == surcharge.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # In "start" mode the same session is priced at the 19:xx (day) rate only.
    assert price(PER_MINUTE_15_MIN, start, duration_s).surcharge_amount == D("0.00")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([SPRING_FORWARD, FALL_BACK]),
    st.integers(-6 * 3600, 6 * 3600),
    st.integers(0, 8 * 3600),
    st.booleans(),
)
def test_session_across_a_daylight_saving_change_bills_real_seconds_split_exactly(
    change_day: date, offset_s: int, duration_s: int, urgent: bool
) -> None:
    # Start around 01:00 UTC, the instant of both 2026 changes in Europe/Paris.
    start = datetime.combine(change_day, time(1), tzinfo=UTC) + timedelta(seconds=offset_s)
    end = start + timedelta(seconds=duration_s)
    charge = price_session(start, end, PER_SECOND_STACKED, PARIS, FR, is_urgent=urgent)
    assert charge.duration_s == charge.billable_s == duration_s
    check_invariants(charge, start, PER_SECOND_STACKED, urgent)


@settings(max_examples=100, deadline=None)
@given(starts, durations)
def test_window_boundaries_are_sorted_and_strictly_inside(start: datetime, duration_s: int) -> None:
    end = start + timedelta(seconds=duration_s)
    found: Iterable[datetime] = window_boundaries(start, end, PER_SECOND_STACKED, PARIS)
    found = list(found)
    assert found == sorted(set(found))
    assert all(start < b < end for b in found)
