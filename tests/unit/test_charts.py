"""The finance charts as SVG, parsed back with xml.etree: points, labels, text alternative."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from reports.charts import (
    BarTexts,
    BurnUpTexts,
    burn_up,
    burn_up_chart,
    horizontal_bars,
    month_bars,
    nice_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = BurnUpTexts(
    title="Consommation de « Ligne ARS »",
    desc="700 € dépensés sur 1 000 €.",
    spent="Dépensé",
    forecast="Prévision",
    amount="Montant",
    threshold="Seuil {pct} %",
    today="Aujourd'hui",
    caption="Dépense par jour",
    day_column="Jour",
    daily_column="Dépense du jour",
    cumulative_column="Cumul",
)
BARS = BarTexts(
    title="Dépense par mois",
    desc="Deux mois.",
    caption="Dépense par mois",
    label_column="Mois",
    value_column="Montant",
)


def euros(value: Decimal) -> str:
    return f"{value:.2f} €"


def day(on: date) -> str:
    return on.strftime("%d/%m/%Y")


def month(on: date) -> str:
    return on.strftime("%m/%Y")


def points(path: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", path.attrib["d"])
    ]


def texts_of(root: ET.Element, css_class: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == css_class]


def by_class(root: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == css_class]


def ten_days_of_70() -> list[tuple[date, Decimal]]:
    return [(date(2026, 11, d), Decimal(70)) for d in range(14, 24)]


def test_the_burn_up_adds_each_day_and_projects_to_the_day_the_money_runs_out() -> None:
    data = burn_up(
        [*ten_days_of_70(), (date(2025, 12, 31), Decimal(500))],  # before the period: not counted
        date(2026, 11, 1), date(2026, 12, 31), Decimal(1000), [80, 50, 100],
        date(2026, 11, 23), Decimal("23.33"), date(2026, 12, 6),
    )  # fmt: skip
    assert len(data.cumulative) == 23  # 1 to 23 November
    assert data.cumulative[12] == (date(2026, 11, 13), Decimal(0))
    assert data.cumulative[13] == (date(2026, 11, 14), Decimal(70))
    assert data.consumed == Decimal(700)
    assert data.thresholds == (50, 80, 100)
    assert data.forecast == (
        (date(2026, 11, 23), Decimal(700)),
        (date(2026, 12, 6), Decimal("1003.29")),  # 13 days at 23.33 €
    )


@pytest.mark.parametrize(
    ("today", "runs_out_on", "forecast_end"),
    [
        (date(2026, 11, 23), date(2027, 3, 1), date(2026, 12, 31)),  # lasts: to the period's end
        (date(2026, 11, 23), None, None),  # no recent spend: no forecast
        (date(2026, 12, 31), date(2027, 1, 5), None),  # the last day: nothing left to project
        (date(2027, 2, 1), date(2027, 2, 3), None),  # after the period
        (date(2026, 11, 23), date(2026, 11, 23), date(2026, 12, 31)),  # exhausted: overspend
    ],
)
def test_the_forecast_ends_at_the_exhaustion_date_or_the_period_s_end(
    today: date, runs_out_on: date | None, forecast_end: date | None
) -> None:
    data = burn_up(
        ten_days_of_70(), date(2026, 11, 1), date(2026, 12, 31), Decimal(1000), [50],
        today, Decimal(10), runs_out_on,
    )  # fmt: skip
    assert (data.forecast[1][0] if data.forecast else None) == forecast_end
    assert data.cumulative[-1][0] == min(today, date(2026, 12, 31))


def test_the_burn_up_svg_is_an_image_named_and_described_with_its_lines_and_labels() -> None:
    data = burn_up(
        ten_days_of_70(), date(2026, 11, 1), date(2026, 12, 31), Decimal(1000), [50, 80, 100],
        date(2026, 11, 23), Decimal("23.33"), date(2026, 12, 6),
    )  # fmt: skip
    chart = burn_up_chart("line-1-burn-up", data, TEXTS, euros, day, month)
    root = ET.fromstring(str(chart.svg))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "line-1-burn-up-title line-1-burn-up-desc"
    assert root.find(f"{SVG}title").text == "Consommation de « Ligne ARS »"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "700 € dépensés sur 1 000 €."  # type: ignore[union-attr]
    assert not [e for e in root.iter() if "style" in e.attrib or e.tag == f"{SVG}script"]

    spent = root.find(f".//{SVG}path[@class='spent']")
    assert spent is not None
    line = points(spent)
    assert len(line) == 24  # the origin, then the end of each day from 1 to 23 November
    origin_y = line[0][1]
    assert line[13][1] == origin_y  # nothing spent by the end of 13 November
    assert line[-1][1] < line[14][1] < origin_y  # it only goes up
    forecast = root.find(f".//{SVG}path[@class='forecast']")
    assert forecast is not None and forecast.get("stroke-dasharray")
    start, end = points(forecast)
    assert start == line[-1]  # from today's total
    days_to_end = (date(2026, 12, 6) - date(2026, 11, 1)).days + 1
    day_width = (line[-1][0] - line[0][0]) / 23
    assert end[0] == pytest.approx(line[0][0] + day_width * days_to_end, abs=0.2)
    assert texts_of(root, "forecast-label") == ["06/12/2026"]

    # Amount and thresholds: the 100 % threshold is the amount's line, so three lines.
    assert len(by_class(root, "line", "level")) == 3
    assert sorted(texts_of(root, "level-label")) == ["Montant", "Seuil 50 %", "Seuil 80 %"]
    amount_y = float(by_class(root, "line", "level")[0].attrib["y1"])
    assert end[1] < amount_y  # the projection crosses the amount by 6 December
    assert texts_of(root, "y-tick")[0] == "0.00 €"
    assert "11/2026" in texts_of(root, "x-tick") and "12/2026" in texts_of(root, "x-tick")
    assert texts_of(root, "today-label") == ["Aujourd'hui"]
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") is None]
    assert legend == ["Dépensé", "Prévision", "Montant", "Seuil … %"]

    assert chart.table.columns == ("Jour", "Dépense du jour", "Cumul")
    assert chart.table.rows[0] == ("14/11/2026", "70.00 €", "70.00 €")
    assert chart.table.rows[-1] == ("23/11/2026", "70.00 €", "700.00 €")


def test_labels_of_close_thresholds_are_kept_apart() -> None:
    data = burn_up(
        [], date(2026, 1, 1), date(2026, 12, 31), Decimal(1000), [96, 98, 99], date(2026, 6, 1),
        Decimal(0), None,
    )  # fmt: skip
    root = ET.fromstring(str(burn_up_chart("c", data, TEXTS, euros, day, month).svg))
    ys = sorted(
        float(t.attrib["y"]) for t in root.iter(f"{SVG}text") if t.get("class") == "level-label"
    )
    assert len(ys) == 4
    assert all(b - a >= 15 for a, b in pairwise(ys))
    assert root.find(f".//{SVG}path[@class='forecast']") is None


def test_texts_are_escaped_in_the_svg() -> None:
    bars = [("<script>alert(1)</script> & co", Decimal(5))]
    svg = str(horizontal_bars("x", bars, BARS, euros).svg)
    root = ET.fromstring(svg)
    assert "<script>" not in svg
    assert texts_of(root, "bar-label") == ["<script>alert(1)</script> & co"[:23] + "…"]


def test_month_bars_are_as_tall_as_their_amount_and_carry_their_value() -> None:
    bars = [("10/2026", Decimal(200)), ("11/2026", Decimal(400))]
    chart = month_bars("months", bars, BARS, euros)
    root = ET.fromstring(str(chart.svg))
    rects = by_class(root, "rect", "bar")
    heights = [float(r.attrib["height"]) for r in rects]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert texts_of(root, "bar-label") == ["10/2026", "11/2026"]
    assert texts_of(root, "bar-value") == ["200.00 €", "400.00 €"]
    assert chart.table.rows == (("10/2026", "200.00 €"), ("11/2026", "400.00 €"))
    assert chart.table.numeric == (False, True)


def test_many_months_lean_their_names_and_leave_the_values_to_the_axis_and_the_table() -> None:
    start = date(2025, 7, 1)
    bars = [((start + timedelta(days=31 * i)).strftime("%m/%Y"), Decimal(i)) for i in range(18)]
    root = ET.fromstring(str(month_bars("m", bars, BARS, euros).svg))
    labels = by_class(root, "text", "bar-label")
    assert len(labels) == 18 and all("rotate(-40" in t.attrib["transform"] for t in labels)
    assert texts_of(root, "bar-value") == []
    assert len(texts_of(root, "y-tick")) >= 3


def test_language_bars_are_as_long_as_their_amount() -> None:
    bars = [("Arabe", Decimal(300)), ("Tigrigna", Decimal(100)), ("Dari", Decimal(0))]
    root = ET.fromstring(str(horizontal_bars("languages", bars, BARS, euros).svg))
    widths = [float(r.attrib["width"]) for r in by_class(root, "rect", "bar")]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)
    assert widths[2] == 1.0  # a hairline still shows a language with no spend
    assert texts_of(root, "bar-label") == ["Arabe", "Tigrigna", "Dari"]
    assert texts_of(root, "bar-value") == ["300.00 €", "100.00 €", "0.00 €"]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (Decimal(1050), [0, 250, 500, 750, 1000, 1250]),
        (Decimal(52500), [0, 20000, 40000, 60000]),
        (Decimal(9), [0, 2, 4, 6, 8, 10]),
        (Decimal(0), [0, 1]),
        (
            Decimal("0.5"),
            [0, Decimal("0.1"), Decimal("0.2"), Decimal("0.3"), Decimal("0.4"), Decimal("0.5")],
        ),
    ],
)
def test_axis_ticks_are_round_and_reach_the_maximum(maximum: Decimal, expected: list[int]) -> None:
    assert nice_ticks(maximum) == expected
