"""Every computed indicator of the registry, on a hand-built November, against the value worked
out by hand (tests/integration/indicator_history.py tells the story of each request)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from reports import indicator_data
from reports.indicator_data import Filters
from reports.indicator_facts import Period
from reports.indicators import REGISTRY, Value
from tests.integration import indicator_history
from tests.integration.indicator_history import NOVEMBER

# Hand values (value, then the secondary figures checked). Paris is UTC+1 in November.
EXPECTED: dict[str, tuple[object, dict[str, object]]] = {
    # 11 requests opened in November (R11 is October's).
    "A01": (11, {}),
    # 10 inbound legs (R12 came by e-mail, R11's leg is October's).
    "A02": (10, {"calls_per_request": 10 / 11}),
    "A03": (11, {"complex": 1, "interpreting": 2, "rights": 1, "unknown": 7, "rights_pct": 1 / 11}),
    "A04": (11, {"phone": 10, "email": 1}),
    # R9 (Saturday) and R10 (20:00 Paris).
    "A05": (2, {"rate": 0.2}),
    "A06": (10, {"mon-10": 1, "tue-10": 1, "tue-12": 1, "sat-10": 1, "tue-20": 1, "mon-16": 1}),
    "A07": (2, {"rate": 2 / 11}),
    # Fast lane: R7, R9; nurse only: R1, R2, R8.
    "A08": (2 / 11, {"fast_lane": 2, "nurse": 3, "both": 0}),
    # Nurse time 300, 600, 900 s: P90 = 600 + 0.8 × 300.
    "A09": (600, {"p90": 840, "requests": 3}),
    # Closed in November: 1 h, 72 h, 1 h, 1 h.
    "A10": (3600, {"p90": 3600 + 0.7 * (259200 - 3600), "requests": 4}),
    "A11": (4, {"answered": 1, "oriented": 1, "interpreting_done": 2, "orientation:pass": 1}),
    "A12": (7, {"open_over_30_days": 0}),
    # Queue: R1, R2, R3 (3 s: short abandon), R4 (40 s abandon), R8. R5 (menu) and R6 (callback
    # asked) never entered it.
    "B01": (4, {"short_abandons": 1}),
    "B02": (0.75, {"answered": 3}),
    "B03": (0.5, {"within": 2, "of_answered": 2 / 3}),
    "B04": (0.75, {"within": 3}),
    "B05": (20, {"p90": 40, "0-15": 1, "16-30": 1, "31-45": 1, "91+": 0}),
    "B06": (0.25, {"abandons": 1, "median_wait_s": 40}),
    # R10 to voicemail while closed: 1 / (4 offered + 1 closed attempt).
    "B07": (0.2, {"to_voicemail": 1, "messages": 1}),
    "B08": (2, {}),
    "B09": (1 / 3, {"by_backup": 1, "answered": 3}),
    # 20 open days in November (the 11th is a holiday) × 9 h; 9 h on duty, 6 h backup.
    "B10": (9 / 180, {"opening_hours": 180, "covered_hours": 9, "hours_without_backup": 174}),
    "C01": (2, {"fast_lane": 1}),
    "C02": (1560 / 3600, {"billable_hours": 0.5}),
    "C03": (13, {"p90": 18.6, "short_pct": 0}),
    "C04": (2, {}),
    "C05": (2, {"ar": 1, "prs": 1, "ar_hours_pct": 1200 / 1560}),
    "C06": (2 / 3, {"connected": 2, "requested": 3}),
    "C07": (95, {"p90": 139}),
    "C08": (1 / 3, {"within": 1}),
    "C09": (1 / 3, {"within": 1}),
    "C10": (1, {"rate": 1 / 3, "no_interpreter": 1}),
    "C11": (0.5, {"sessions": 1, "hours_pct": 360 / 1560}),
    "C12": (0, {"rate": 0}),
    "C13": (1.5, {"legs": 3, "unanswered_pct": 1 / 3}),
    "C14": (2, {"languages": 2}),
    "D01": (4, {"abandoned": 1, "out_of_hours": 1, "requested": 2}),
    # Due in November: R4's, R6's (late), R10's, R11's follow-up, R12's (never reached).
    "D02": (0.6, {"on_time": 3, "due": 5}),
    "D03": (3550, {"p90": 3550}),
    "D04": (1.0, {"reached": 4, "ended": 4, "mean_attempts": 1.25, "failed_pct": 0}),
    # R12's, due 27 November 09:00 UTC: 86 h late at 30 November 23:00 UTC.
    "D05": (1, {"worst_delay_hours": 86}),
    "D06": (1.0, {"completed": 1, "due": 1}),
    "D07": (1, {"improved": 1}),
    "E01": (4, {"unidentified_requests": 0}),
    # P1 first asked in October.
    "E02": (3, {}),
    "E03": (0.25, {"returning": 1, "two_or_more": 3}),
    "E04": (11, {"gp": 7, "midwife": 3, "pharmacist": 1, "gp_professionals": 2}),
    "E05": (11, {"msp": 1, "cabinet": 1, "unknown": 9}),
    "E06": (3, {"dep:31": 10, "dep:unknown": 1}),
    # P1–P5 registered and active; P1–P4 asked.
    "E07": (0.8, {"users": 4, "registered": 5}),
    "E08": (0.1, {"unidentified_calls": 1, "linked": 1}),
    # Requests per professional 4, 3, 3, 1; the top 10 % is one professional with 4.
    "E09": (3, {"top_decile_share": 4 / 11}),
    "F01": (Decimal("95.00"), {}),
    "F02": (240 / 1560, {"billable_minutes": 30, "connected_minutes": 26}),
    "F03": (0.095, {"spent": Decimal("95.00"), "Interprétariat 2026:hours": 0.005}),
    # 95 € over the 64 working days from 2 September to 30 November, 23 left in December.
    "F04": (Decimal("129.14"), {"balance": Decimal("870.86")}),
    "F05": (47.5, {"per_hour": 95 / (1560 / 3600), "per_request": 47.5}),
    "F06": (Decimal("7.00"), {"share": 7 / 95}),
    "F08": (Decimal("0.35"), {"gp": Decimal("0.10"), "interpreter": Decimal("0.20")}),
    "F09": (
        Decimal("95.35"),
        {"Interprétariat 2026": Decimal("95.00"), "telephony": Decimal("0.35")},
    ),
    # Rated: R1 (4), R7 (5); eligible: R1, R2, R7, R8.
    "G01": (4.5, {"response_rate": 0.5, "4": 1, "5": 1}),
    # 15 legs in November, R4's nurse leg failed.
    "G03": (1 / 15, {"failed": 1, "calls": 15}),
    # R2 closed without a category; R5 hung up at the menu.
    "G04": (0.75, {"complete": 3, "menu_hangups": 1}),
    "G05": (0.25, {"late": 1}),
}


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, Decimal):
        return actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float | Decimal):
        return float(actual) == pytest.approx(float(expected))
    return actual == expected


@pytest.fixture
def november(session: Session) -> tuple[indicator_history.History, dict[str, Value | None]]:
    history = indicator_history.build(session)
    values = indicator_data.compute(session, Period.local(*NOVEMBER), [history.helpline_id])
    return history, dict(values.values)


def test_every_computed_indicator_has_a_hand_value_and_every_manual_one_has_none() -> None:
    computed = {i.id for i in REGISTRY.values() if not i.manual}
    assert computed == set(EXPECTED)


@pytest.mark.parametrize("indicator_id", sorted(EXPECTED))
def test_the_indicator_gives_the_value_computed_by_hand(
    november: tuple[indicator_history.History, dict[str, Value | None]], indicator_id: str
) -> None:
    _, values = november
    value = values[indicator_id]
    expected, extra = EXPECTED[indicator_id]
    assert value is not None
    assert _same(value.value, expected), (indicator_id, value.value, expected)
    for key, figure in extra.items():
        assert _same(value.extra.get(key), figure), (indicator_id, key, value.extra.get(key))


def test_lost_calls_are_listed_by_reference_and_menu_hangups_are_not_among_them(
    november: tuple[indicator_history.History, dict[str, Value | None]],
) -> None:
    history, values = november
    lost = values["B08"]
    assert lost is not None
    assert lost.items == tuple(sorted([history.references["R3"], history.references["R9"]]))
    assert history.references["R5"] not in lost.items


def test_manual_indicators_have_no_value(
    november: tuple[indicator_history.History, dict[str, Value | None]],
) -> None:
    _, values = november
    assert [i for i, v in values.items() if v is None] == ["F07", "G02", "G06"]


def test_an_empty_period_counts_zero_and_shows_no_rate(session: Session) -> None:
    history = indicator_history.build(session)
    period = Period.local(date(2025, 3, 1), date(2025, 3, 31))
    values = indicator_data.compute(session, period, [history.helpline_id]).values
    for indicator_id in ("A01", "A02", "B01", "C01", "D01", "E01", "B08"):
        assert values[indicator_id] == Value(0, values[indicator_id].extra, ())  # type: ignore[union-attr]
    assert values["A07"].extra["rate"] is None  # type: ignore[union-attr]
    for indicator_id in ("B02", "B03", "B06", "C06", "C08", "D02", "D04", "G04"):
        assert values[indicator_id].value is None  # type: ignore[union-attr]  # "—", never 0 %
    assert values["A09"].value is None  # type: ignore[union-attr]  # no median of nothing


def test_another_helpline_is_out_of_scope(session: Session) -> None:
    history = indicator_history.build(session)
    other = indicator_history.make_helpline(session, name="Autre", phone_number="+33500000099")
    values = indicator_data.compute(session, Period.local(*NOVEMBER), [other.id]).values
    assert values["A01"].value == 0  # type: ignore[union-attr]
    both = indicator_data.compute(session, Period.local(*NOVEMBER), [history.helpline_id, other.id])
    assert both.values["A01"].value == 11  # type: ignore[union-attr]


def test_filters_keep_the_rows_of_one_language_and_one_provider(session: Session) -> None:
    history = indicator_history.build(session)
    period = Period.local(*NOVEMBER)
    arabic = indicator_data.compute(session, period, [history.helpline_id], Filters(language="ar"))
    assert arabic.values["C01"].value == 1  # type: ignore[union-attr]
    assert arabic.values["F01"].value == Decimal("70.00")  # type: ignore[union-attr]
    assert arabic.values["A01"].value == 1  # type: ignore[union-attr]  # R7 only
    agency = indicator_data.compute(
        session, period, [history.helpline_id], Filters(provider=str(history.agency.id))
    )
    assert agency.values["F01"].value == Decimal("25.00")  # type: ignore[union-attr]
    midwives = indicator_data.compute(
        session, period, [history.helpline_id], Filters(profession="midwife")
    )
    assert midwives.values["A01"].value == 3  # type: ignore[union-attr]


def test_breakdowns_by_month_and_by_category_come_with_the_values(session: Session) -> None:
    history = indicator_history.build(session)
    period = Period.local(date(2026, 10, 1), date(2026, 11, 30))
    values = indicator_data.compute(
        session, period, [history.helpline_id], breakdowns=("month", "category")
    )
    by_month = values.breakdowns[("A01", "month")]
    assert {k: v.value for k, v in by_month.items()} == {"2026-10": 1, "2026-11": 11}
    by_category = values.breakdowns[("A01", "category")]
    assert {k: v.value for k, v in by_category.items()} == {
        "complex": 2,
        "interpreting": 2,
        "rights": 1,
        "unknown": 7,
    }
