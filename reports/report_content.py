"""The yearly report to the funder as pure data: its sections and their tables, built once from
the registry's values (``reports.indicator_data.compute``) so that the XLSX, the ODS, the PDF
and the CSV all hold the same figures (shared/INDICATORS.md §3).

Sheets: summary (each indicator over the period and N−1), monthly (count indicators by month),
one per breakdown (category, profession, territory, language, provider, structure, helpline),
finance, definitions (the registry's), and one anonymised row per request (no name, no number,
no free text).

Small cells (§2.1): in a report for outside readers (``external``), a count between 1 and
``mask_below`` − 1 in the monthly, breakdown and request sheets is shown as "< 5", and so is
every figure of a breakdown row or month whose base count (requests; interpreting sessions for
languages and providers) is under the threshold; in the request sheet, a value of a describing
column that fewer than ``mask_below`` requests share is masked the same way. The summary (the
whole scope's totals) is never masked.

Pure: no flask, no sqlalchemy; texts in French or English by ``locale``, like the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from hotline.spreadsheet import Column, Sheet
from reports.indicator_spec import Indicator, Value
from reports.indicators import REGISTRY, definitions
from reports.report_requests import RequestRow, data_sheet
from reports.report_texts import UNIT_TEXT, text

# The breakdown sheets, in the report's order, and the indicator whose count is their base.
BREAKDOWN_SHEETS = (
    ("category", "A01"),
    ("profession", "A01"),
    ("territory", "A01"),
    ("language", "C01"),
    ("provider", "C01"),
    ("structure", "A01"),
    ("helpline", "A01"),
)
MONTH_BASE = "A01"


@dataclass(frozen=True)
class ReportInputs:
    """What the report is built from: the period's values and N−1's, with their breakdowns,
    the names of the breakdowns' keys, and the requests."""

    title: str  # the scope, e.g. the helpline's name
    first: date
    last: date
    values: Mapping[str, Value | None]
    previous: Mapping[str, Value | None]
    breakdowns: Mapping[tuple[str, str], Mapping[str, Value]]
    months: Sequence[str]
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    requests: Sequence[RequestRow] = ()


@dataclass(frozen=True)
class ChartData:
    """A chart of the PDF: its title and its bars (label, value)."""

    chart_id: str
    title: str
    bars: tuple[tuple[str, Decimal], ...]
    horizontal: bool = False


@dataclass(frozen=True)
class Section:
    """A part of the report: one sheet of the workbooks, one page (or more) of the PDF."""

    key: str
    sheet: Sheet
    charts: tuple[ChartData, ...] = ()
    in_pdf: bool = True


@dataclass(frozen=True)
class Report:
    """The whole report, in the reader's language."""

    title: str
    subtitle: str
    mode: str
    sections: tuple[Section, ...]

    @property
    def sheets(self) -> list[Sheet]:
        """Every section's table, in order (the workbooks' sheets)."""
        return [section.sheet for section in self.sections]


def shown(value: object, unit: str) -> object:
    """A figure as the report writes it: a rate in % (two decimals), another number to four
    decimals, counts and money as they are."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and unit != "rate":
        return value
    if isinstance(value, int | float):
        if unit == "rate":
            return round(float(value) * 100, 2)
        return round(float(value), 4)
    return value


class Masker:
    """Masks small counts in a report for outside readers; lets everything through otherwise."""

    def __init__(self, external: bool, below: int) -> None:
        self.external = external
        self.below = below
        self.label = f"< {below}"

    def small(self, count: object) -> bool:
        """Whether a count is a small cell (never 0: a zero points to nobody)."""
        return (
            self.external
            and isinstance(count, int | float | Decimal)
            and not isinstance(count, bool)
            and 0 < count < self.below
        )

    def cell(self, value: object, unit: str, base: object = None) -> object:
        """A figure, or the mask when it (a count) or its base count is small."""
        if self.small(base) or (unit == "count" and self.small(value)):
            return self.label
        return value


def _number_column(title: str) -> Column:
    return Column(title, "decimal", 12)


def _figure(value: Value | None, unit: str) -> object:
    return None if value is None else shown(value.value, unit)


def _change(now: object, before: object) -> object:
    if not isinstance(now, int | float | Decimal) or not isinstance(before, int | float | Decimal):
        return None
    if not before:
        return None
    return round((float(now) - float(before)) / float(before) * 100, 1)


def _unit(indicator: Indicator, locale: str) -> str:
    french, english = UNIT_TEXT[indicator.unit]
    return english if locale.startswith("en") else french


def summary_sheet(inputs: ReportInputs, locale: str) -> Sheet:
    """Each indicator: its value over the period, N−1's, the change, its unit."""
    columns = [
        Column(text("id", locale), "text", 10),
        Column(text("label", locale), "text", 44),
        Column(text("unit", locale), "text", 12),
        _number_column(text("value", locale)),
        _number_column(text("previous", locale)),
        _number_column(text("change", locale)),
    ]
    rows = []
    for indicator in REGISTRY.values():
        now = _figure(inputs.values.get(indicator.id), indicator.unit)
        before = _figure(inputs.previous.get(indicator.id), indicator.unit)
        label = indicator.label(locale)
        if indicator.manual:
            label = f"{label} ({text('manual', locale)})"
        rows.append(
            [indicator.id, label, _unit(indicator, locale), now, before, _change(now, before)]
        )
    return Sheet(text("summary", locale), columns, rows)


def monthly_indicators() -> list[Indicator]:
    """The count indicators whose months add up to the period (the monthly sheet's rows)."""
    return [
        i
        for i in REGISTRY.values()
        if i.unit == "count" and i.additive and "month" in i.breakdowns and not i.manual
    ]


def monthly_sheet(inputs: ReportInputs, locale: str, masker: Masker) -> Sheet:
    """Count indicators × months, with the period's total."""
    columns = [
        Column(text("id", locale), "text", 10),
        Column(text("label", locale), "text", 40),
        *(Column(month, "integer", 9) for month in inputs.months),
        Column(text("total", locale), "integer", 10),
    ]
    bases = inputs.breakdowns.get((MONTH_BASE, "month"), {})
    rows = []
    for indicator in monthly_indicators():
        split = inputs.breakdowns.get((indicator.id, "month"), {})
        cells: list[object] = [indicator.id, indicator.label(locale)]
        for month in inputs.months:
            value = split.get(month)
            base = bases.get(month)
            cells.append(
                masker.cell(_figure(value, "count"), "count", None if base is None else base.value)
            )
        cells.append(_figure(inputs.values.get(indicator.id), "count"))
        rows.append(cells)
    return Sheet(text("monthly", locale), columns, rows)


def breakdown_indicators(key: str) -> list[Indicator]:
    """The computed indicators a breakdown sheet shows as its columns."""
    return [i for i in REGISTRY.values() if key in i.breakdowns and not i.manual]


def key_label(inputs: ReportInputs, key: str, value: str, locale: str) -> str:
    """A breakdown value's name (a helpline's, a provider's…), or its code."""
    if value == "unknown":
        return text("unknown", locale)
    return inputs.names.get(key, {}).get(value, value)


def breakdown_sheet(
    inputs: ReportInputs, key: str, base_id: str, locale: str, masker: Masker
) -> Sheet:
    """One row per value of ``key``, one column per indicator split by it."""
    indicators = breakdown_indicators(key)
    columns = [
        Column(text(f"key:{key}", locale), "text", 26),
        *(
            Column(f"{i.id} {i.label(locale)} ({_unit(i, locale)})", "decimal", 14)
            for i in indicators
        ),
    ]
    values: set[str] = set()
    for indicator in indicators:
        values.update(inputs.breakdowns.get((indicator.id, key), {}))
    bases = inputs.breakdowns.get((base_id, key), {})
    rows = []
    for value in sorted(values, key=lambda v: (v == "unknown", key_label(inputs, key, v, locale))):
        base = bases.get(value)
        cells: list[object] = [key_label(inputs, key, value, locale)]
        for indicator in indicators:
            figure = _figure(
                inputs.breakdowns.get((indicator.id, key), {}).get(value), indicator.unit
            )
            cells.append(masker.cell(figure, indicator.unit, None if base is None else base.value))
        rows.append(cells)
    return Sheet(text(key, locale), columns, rows)


def finance_sheet(inputs: ReportInputs, locale: str) -> Sheet:
    """Group F over the period and N−1, then each figure's detail (funding lines, surcharges,
    telephony…) as it comes from the registry."""
    columns = [
        Column(text("id", locale), "text", 10),
        Column(text("label", locale), "text", 40),
        Column(text("figure", locale), "text", 30),
        Column(text("unit", locale), "text", 10),
        _number_column(text("value", locale)),
        _number_column(text("previous", locale)),
    ]
    rows: list[list[object]] = []
    for indicator in (i for i in REGISTRY.values() if i.group == "F"):
        now, before = inputs.values.get(indicator.id), inputs.previous.get(indicator.id)
        unit = _unit(indicator, locale)
        rows.append(
            [
                indicator.id,
                indicator.label(locale),
                "",
                unit,
                _figure(now, indicator.unit),
                _figure(before, indicator.unit),
            ]
        )
        for name, figure in (now.extra if now is not None else {}).items():
            previous = before.extra.get(name) if before is not None else None
            rows.append(["", "", name, "", shown(figure, "x"), shown(previous, "x")])
    return Sheet(text("finance", locale), columns, rows)


def definitions_sheet(locale: str) -> Sheet:
    """Every indicator's definition, from the registry."""
    columns = [
        Column(text("id", locale), "text", 10),
        Column(text("group", locale), "text", 24),
        Column(text("label", locale), "text", 40),
        Column(text("unit", locale), "text", 10),
        Column(text("definition", locale), "text", 80),
        Column(text("breakdowns", locale), "text", 30),
        Column(text("manual", locale), "text", 8),
        Column(text("version", locale), "integer", 8),
    ]
    rows = [
        [
            d.id,
            d.group,
            d.label,
            _unit(REGISTRY[d.id], locale),
            d.definition,
            ", ".join(d.breakdowns),
            text("yes" if d.is_manual else "no", locale),
            d.version,
        ]
        for d in definitions(locale)
    ]
    return Sheet(text("definitions", locale), columns, rows)


def _bars(
    split: Mapping[str, Value],
    bases: Mapping[str, Value],
    order: Sequence[str],
    masker: Masker,
    label: Callable[[str], str] = str,
) -> tuple[tuple[str, Decimal], ...]:
    """The bars of the keys in ``order``; for outside readers, a key whose base count is small
    is left out (its figure is masked in the table, so the chart cannot show it either)."""
    return tuple(
        (label(key), Decimal(str(split[key].value or 0)))
        for key in order
        if key in split and not masker.small(bases[key].value if key in bases else None)
    )


def _chart(
    chart_id: str,
    title: str,
    locale: str,
    bars: tuple[tuple[str, Decimal], ...],
    wanted: int,
    horizontal: bool = False,
) -> tuple[ChartData, ...]:
    if len(bars) < wanted:
        title = f"{text(title, locale)} ({text('chart:masked', locale)})"
    else:
        title = text(title, locale)
    return (ChartData(chart_id, title, bars, horizontal),)


def charts(inputs: ReportInputs, locale: str, masker: Masker) -> dict[str, tuple[ChartData, ...]]:
    """The PDF's charts, by the section they illustrate."""
    breakdowns = inputs.breakdowns
    months = breakdowns.get((MONTH_BASE, "month"), {})
    spend = breakdowns.get(("F01", "month"), {})
    by_language = breakdowns.get(("C01", "language"), {})
    top = sorted(by_language, key=lambda k: -(by_language[k].value or 0))[:10]
    named = partial(key_label, inputs, "language", locale=locale)
    order = inputs.months
    return {
        "monthly": _chart(
            "chart-monthly",
            "chart:monthly",
            locale,
            _bars(months, months, order, masker),
            sum(1 for key in order if key in months),
        ),
        "language": _chart(
            "chart-languages",
            "chart:languages",
            locale,
            _bars(by_language, by_language, top, masker, named),
            len(top),
            horizontal=True,
        ),
        "finance": _chart(
            "chart-spend",
            "chart:spend",
            locale,
            _bars(spend, months, order, masker),
            sum(1 for key in order if key in spend),
        ),
    }


def build_report(
    inputs: ReportInputs, locale: str, *, external: bool, mask_below: int, now: datetime
) -> Report:
    """The report's sections, in the reader's language, masked for outside readers."""
    masker = Masker(external, mask_below)
    drawn = charts(inputs, locale, masker)
    sections = [
        Section("summary", summary_sheet(inputs, locale)),
        Section("monthly", monthly_sheet(inputs, locale, masker), drawn["monthly"]),
        *(
            Section(key, breakdown_sheet(inputs, key, base, locale, masker), drawn.get(key, ()))
            for key, base in BREAKDOWN_SHEETS
        ),
        Section("finance", finance_sheet(inputs, locale), drawn["finance"]),
        Section("definitions", definitions_sheet(locale)),
        Section("data", data_sheet(inputs.requests, locale, masker), in_pdf=False),
    ]
    period = f"{inputs.first.isoformat()} – {inputs.last.isoformat()}"
    mode = text("external" if external else "internal", locale)
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    return Report(
        f"{text('title', locale)} — {inputs.title}",
        f"{period} · {mode} · {stamp}",
        "external" if external else "internal",
        tuple(sections),
    )


__all__ = [
    "Masker",
    "Report",
    "ReportInputs",
    "RequestRow",
    "Section",
    "build_report",
    "shown",
    "text",
]
