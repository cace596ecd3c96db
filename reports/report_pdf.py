"""The report as PDF: its sections rendered from one HTML template (print CSS, each section
from a new page, the charts drawn as SVG by ``reports.charts`` with their titles), then
WeasyPrint. The tables are the workbooks' sheets, cell for cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from flask import render_template
from markupsafe import Markup
from weasyprint import HTML

from hotline.i18n import money, number
from reports.charts import BarTexts, horizontal_bars, month_bars
from reports.report_content import ChartData, Report
from reports.report_texts import text


@dataclass(frozen=True)
class Cell:
    """A table cell as the PDF writes it."""

    text: str
    numeric: bool


@dataclass(frozen=True)
class DrawnChart:
    """A chart's title and its SVG."""

    title: str
    svg: Markup


@dataclass(frozen=True)
class PdfSection:
    """A section of the PDF: title, charts, table."""

    key: str
    title: str
    charts: list[DrawnChart]
    header: list[str]
    rows: list[list[Cell]]


def cell_text(value: object) -> Cell:
    """A figure written for a reader (French or English number format is the page's)."""
    if value is None or value == "":
        return Cell("—", False)
    if isinstance(value, bool):
        return Cell(str(value), False)
    if isinstance(value, int):
        return Cell(number(value, 0), True)
    if isinstance(value, float | Decimal):
        return Cell(number(value, 2), True)
    if isinstance(value, date):
        return Cell(value.isoformat(), False)
    return Cell(str(value), False)


def draw(chart: ChartData, locale: str) -> DrawnChart:
    """A chart of the report as SVG, with the shared chart module."""
    euros = chart.chart_id == "chart-spend"

    def written(value: Decimal) -> str:
        return money(value) if euros else number(value, 0)

    texts = BarTexts(
        title=chart.title,
        desc=", ".join(f"{label}: {written(value)}" for label, value in chart.bars),
        caption=chart.title,
        label_column=text("key:language" if chart.horizontal else "monthly", locale),
        value_column=chart.title,
    )
    drawer = horizontal_bars if chart.horizontal else month_bars
    return DrawnChart(chart.title, drawer(chart.chart_id, chart.bars, texts, written).svg)


def pdf_sections(report: Report, locale: str) -> list[PdfSection]:
    """The sections the PDF shows (the request list stays in the workbooks)."""
    return [
        PdfSection(
            key=section.key,
            title=section.sheet.name,
            charts=[draw(chart, locale) for chart in section.charts],
            header=[column.title for column in section.sheet.columns],
            rows=[[cell_text(value) for value in row] for row in section.sheet.rows],
        )
        for section in report.sections
        if section.in_pdf
    ]


def pdf_export(report: Report, locale: str, output: IO[bytes]) -> None:
    """The report as a PDF written to ``output`` (needs the application's context)."""
    page = render_template(
        "reports/report_pdf.html",
        report=report,
        sections=pdf_sections(report, locale),
        lang="en" if locale.startswith("en") else "fr",
    )
    HTML(string=page).write_pdf(output)
