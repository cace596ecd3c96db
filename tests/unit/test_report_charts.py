"""The reports page's chart kinds and its filters (pure): SVG parsed back with xml.etree, the
data tables, and the period and filters read from a query string."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from hotline.refusals import Refusal
from reports.report_charts import ChartTexts, PairTexts, heatmap, paired_bars, stacked_bars
from reports.report_filters import ReportChoices, parse_report

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = ChartTexts(
    title="Demandes <par mois>", desc="Deux mois.", caption="Données", label_column="Mois"
)
TODAY = date(2026, 11, 23)


def whole(n: float) -> str:
    return str(int(n))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_stacked_bars_stack_each_series_and_draw_last_year_as_a_dashed_line() -> None:
    chart = stacked_bars(
        "c", ["janv.", "févr."], [("Interprétariat", [3, 1]), ("Autre", [2, 0])], TEXTS, whole,
        ("N−1", [4, None]),
    )  # fmt: skip
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Demandes <par mois>"  # type: ignore[union-attr]
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert [b.find(f"{SVG}title").text for b in bars] == [  # type: ignore[union-attr]
        "janv. — Interprétariat : 3",
        "janv. — Autre : 2",
        "févr. — Interprétariat : 1",
    ]
    # The two segments of January touch: the second starts where the first ends.
    first, second = bars[0], bars[1]
    assert float(second.get("y")) + float(second.get("height")) == float(first.get("y"))  # type: ignore[arg-type]
    line = root.find(f".//{SVG}path[@class='last-year']")
    assert line is not None and line.get("d", "").count("L") == 0  # one point: February has none
    assert [t.text for t in root.findall(f".//{SVG}text[@class='bar-value']")] == ["5", "1"]
    assert chart.table.columns == ("Mois", "Interprétariat", "Autre", "N−1")
    assert chart.table.rows == (("janv.", "3", "2", "4"), ("févr.", "1", "0", "—"))


def test_a_heatmap_writes_each_busy_cell_and_its_table_has_one_line_per_hour() -> None:
    cells = [[0.0, 2.0, 0.0], [1.0, 0.0, 4.0]]
    chart = heatmap("h", ["lun.", "mar."], ["09", "10", "11"], cells, TEXTS, whole)
    root = parse(chart.svg)
    rects = root.findall(f".//{SVG}rect[@class='cell']")
    assert len(rects) == 6
    assert rects[5].find(f"{SVG}title").text == "mar. 11 — 4"  # type: ignore[union-attr]
    # The busiest cell is the darkest, an empty one is grey.
    assert rects[5].get("fill") == "#0f4f48" and rects[0].get("fill") == "#f3f5f7"
    assert chart.table.columns == ("Mois", "lun.", "mar.")
    assert chart.table.rows == (("09", "0", "1"), ("10", "2", "0"), ("11", "0", "4"))


def test_paired_bars_show_median_and_p90_with_named_reference_lines() -> None:
    texts = PairTexts(TEXTS, "Médiane", "90e centile", "Repère {value}")
    chart = paired_bars(
        "p", [("Arabe", 40.0, 95.0), ("Dari", 150.0, None)], texts, lambda s: f"{s:.0f} s",
        (60.0, 120.0),
    )  # fmt: skip
    root = parse(chart.svg)
    assert [t.text for t in root.findall(f".//{SVG}text[@class='reference-label']")] == [
        "Repère 60 s",
        "Repère 120 s",
    ]
    widths = [float(r.get("width", 0)) for r in root.findall(f".//{SVG}rect[@class='bar']")]
    assert len(widths) == 3 and widths[1] > widths[0] * 2  # 95 s against 40 s
    assert chart.table.rows == (("Arabe", "40 s", "95 s"), ("Dari", "150 s", "—"))


def test_the_period_defaults_to_the_year_to_date_and_reads_french_dates() -> None:
    parsed = parse_report({}, ReportChoices(), TODAY)
    assert (parsed.filters.first, parsed.filters.last) == (date(2026, 1, 1), TODAY)
    assert parsed.problems == []
    parsed = parse_report({"from": "01/10/2026", "to": "2026-10-31"}, ReportChoices(), TODAY)
    assert (parsed.filters.first, parsed.filters.last) == (date(2026, 10, 1), date(2026, 10, 31))
    only_end = parse_report({"to": "31/03/2025"}, ReportChoices(), TODAY)
    assert (only_end.filters.first, only_end.filters.last) == (date(2025, 1, 1), date(2025, 3, 31))


def test_bad_dates_and_unknown_choices_are_refused_and_what_was_typed_is_kept() -> None:
    choices = ReportChoices(helpline={"1"}, language={"ar"}, category={"interpreting"})
    parsed = parse_report(
        {"from": "31/02/2026", "to": "30/11/2026", "helpline": "2", "language": "ar",
         "category": "nope"},
        choices,
        TODAY,
    )  # fmt: skip
    assert [p.msgid.split(" ")[0] for p in parsed.problems] == ["Date", "Permanence", "Catégorie"]
    assert all(isinstance(p, Refusal) for p in parsed.problems)
    assert parsed.typed["from"] == "31/02/2026" and parsed.typed["category"] == "nope"
    assert parsed.filters.language == "ar" and parsed.filters.helpline is None
    assert parsed.filters.first == date(2026, 1, 1)  # the bad date falls back to the default
    backwards = parse_report({"from": "2026-11-30", "to": "2026-11-01"}, choices, TODAY)
    assert backwards.problems[0].msgid.startswith("La période commence après sa fin")
    too_long = parse_report({"from": "2020-01-01", "to": "2026-11-01"}, choices, TODAY)
    assert too_long.problems[0].msgid.startswith("La période dépasse deux ans")
    assert parse_report({"helpline": "1"}, choices, TODAY).filters.helpline == 1
