"""The report's content (pure): every sheet from the same values, small cells masked for
outside readers only, zero never masked, the summary never masked."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reports.indicator_spec import Value
from reports.indicators import REGISTRY
from reports.report_content import Masker, ReportInputs, build_report, monthly_indicators, shown
from reports.report_requests import RequestRow

NOW = datetime(2027, 1, 5, 9, tzinfo=UTC)


def _request(reference: str, language: str) -> RequestRow:
    return RequestRow(
        reference, date(2026, 1, 3), None, "phone", "complex", language, None, None, "gp",
        "Muret", None, 0,
    )  # fmt: skip


def _inputs() -> ReportInputs:
    values = {i: Value(3) for i in REGISTRY}
    values["A01"] = Value(40)
    values["B02"] = Value(0.755)
    by_category = {"complex": Value(2), "rights": Value(38)}
    by_month = {"2026-01": Value(4), "2026-02": Value(36)}
    return ReportInputs(
        title="Permanence",
        first=date(2026, 1, 1),
        last=date(2026, 2, 28),
        values=values,
        previous={i: None for i in REGISTRY},
        breakdowns={
            ("A01", "category"): by_category,
            ("A09", "category"): {"complex": Value(610.0), "rights": Value(300.0)},
            ("A01", "month"): by_month,
            ("B08", "month"): {"2026-01": Value(0), "2026-02": Value(7)},
        },
        months=["2026-01", "2026-02"],
        requests=[
            *(_request(f"R{n}", "ar") for n in range(6)),
            _request("R9", "ta"),
        ],
    )


def _sheet(external: bool, name: str) -> list[list[object]]:
    report = build_report(_inputs(), "fr", external=external, mask_below=5, now=NOW)
    sheet = next(s.sheet for s in report.sections if s.sheet.name == name)
    return [list(row) for row in sheet.rows]


def test_a_small_count_and_the_figures_of_its_row_are_masked_outside_only() -> None:
    outside = {row[0]: row for row in _sheet(True, "Motifs")}
    inside = {row[0]: row for row in _sheet(False, "Motifs")}
    # Columns: the category, then A01, A02, A07, A09… (the registry's order).
    assert [inside["complex"][i] for i in (1, 4)] == [2, 610.0]
    # The count, and the duration resting on it.
    assert [outside["complex"][i] for i in (1, 4)] == ["< 5", "< 5"]
    assert [outside["rights"][i] for i in (1, 4)] == [38, 300.0]


def test_a_month_with_few_requests_is_masked_but_a_zero_is_not() -> None:
    rows = {row[0]: row for row in _sheet(True, "Mensuel")}
    assert rows["A01"][2:] == ["< 5", 36, 40]
    assert rows["B08"][2:4] == ["< 5", 7]  # January's base is small: masked, even at 0
    assert Masker(True, 5).cell(0, "count") == 0
    assert Masker(False, 5).cell(2, "count") == 2
    assert {row[0] for row in _sheet(True, "Mensuel")} == {i.id for i in monthly_indicators()}


def test_the_summary_is_never_masked_and_shows_rates_in_percent() -> None:
    rows = {row[0]: row for row in _sheet(True, "Synthèse")}
    assert rows["A01"][3] == 40 and rows["A02"][3] == 3
    assert rows["B02"][3] == 75.5 == shown(0.755, "rate")
    assert rows["F07"][1].endswith("(saisie manuelle)")


def test_a_language_few_requests_share_is_masked_in_the_request_list() -> None:
    outside = _sheet(True, "Données")
    assert [row[6] for row in outside] == ["ar"] * 6 + ["< 5"]
    assert [row[6] for row in _sheet(False, "Données")][-1] == "ta"
    assert [row[5] for row in outside] == ["complex"] * 7


def test_english_readers_get_english_sheet_names() -> None:
    report = build_report(_inputs(), "en", external=False, mask_below=5, now=NOW)
    assert [s.name for s in report.sheets][:2] == ["Summary", "Monthly"]
    assert report.title == "Activity report — Permanence"


def test_charts_leave_out_the_bars_the_tables_mask_for_outside_readers() -> None:
    inputs = _inputs()
    breakdowns = dict(inputs.breakdowns)
    breakdowns[("C01", "language")] = {"ar": Value(12), "ta": Value(1)}
    inputs = ReportInputs(**{**inputs.__dict__, "breakdowns": breakdowns})

    def bars(external: bool) -> dict[str, tuple[str, tuple[tuple[str, object], ...]]]:
        report = build_report(inputs, "fr", external=external, mask_below=5, now=NOW)
        return {c.chart_id: (c.title, c.bars) for s in report.sections for c in s.charts}

    inside, outside = bars(False), bars(True)
    assert [label for label, _ in inside["chart-languages"][1]] == ["ar", "ta"]
    assert [label for label, _ in outside["chart-languages"][1]] == ["ar"]
    assert outside["chart-languages"][0].endswith("(petits effectifs non représentés)")
    assert [label for label, _ in inside["chart-monthly"][1]] == ["2026-01", "2026-02"]
    assert [label for label, _ in outside["chart-monthly"][1]] == ["2026-02"]
    assert inside["chart-monthly"][0] == "Demandes par mois"
