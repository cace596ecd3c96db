"""The reports page's chart kinds, drawn on the server as SVG (pure, like ``reports.charts``
whose rules they keep: ``role="img"`` with a title and a description, the data as a table, values
written as text, no ``style`` and no script): stacked monthly bars with last year's line, a
weekday × hour heatmap, and paired horizontal bars (median and P90) with reference lines.

Texts arrive translated and numbers are written by the caller's ``fmt``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import escape

from reports.charts import (
    DASH_FORECAST,
    DASH_THRESHOLD,
    FORECAST,
    GRID,
    INK,
    MUTED,
    SPENT,
    WIDTH,
    Chart,
    DataTable,
    _legend,
    _n,
    _svg,
    _text,
    nice_ticks,
)

Fmt = Callable[[float], str]
# Series colours, each 3:1 or more against white; the legend and the table name them.
PALETTE = ("#17625a", "#2563eb", "#b45309", "#7c3aed", "#be185d", "#4d7c0f", "#0e7490", "#5b6675")
P90_COLOUR = "#8fb8b3"


@dataclass(frozen=True)
class ChartTexts:
    """A chart's words, translated by the caller."""

    title: str
    desc: str
    caption: str
    label_column: str


def _grid(ticks: Sequence[float], y_of: Callable[[float], float], fmt: Fmt) -> list[str]:
    left, right = 72.0, WIDTH - 16.0
    body = []
    for tick in ticks:
        y = y_of(tick)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, fmt(tick), "end", ' class="y-tick"'))
    return body


def stacked_bars(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    texts: ChartTexts,
    fmt: Fmt,
    line: tuple[str, Sequence[float | None]] | None = None,
) -> Chart:
    """One bar per label stacked by series (in the given order), with an optional line (last
    year's totals, dashed, its points marked) over them. Values are counts: the axis goes up
    to 5 at least, so its steps are whole."""
    left, top, plot_h = 72.0, 16.0, 220.0
    plot_w = WIDTH - left - 16.0
    bottom = top + plot_h
    totals = [sum(values[i] for _name, values in series) for i in range(len(labels))]
    reference = [v for v in (line[1] if line else ()) if v is not None]
    ticks = [
        float(t) for t in nice_ticks(Decimal(str(max(max([*totals, *reference, 0]) * 1.1, 5))))
    ]

    def y_of(value: float) -> float:
        return bottom - plot_h * value / ticks[-1]

    body = _grid(ticks, y_of, fmt)
    slot = plot_w / max(len(labels), 1)
    slanted = slot < 8 * max((len(label) for label in labels), default=0)
    for index, label in enumerate(labels):
        x, base = left + slot * index + slot * 0.18, 0.0
        for number, (name, values) in enumerate(series):
            value = values[index]
            if value <= 0:
                continue
            y_top = y_of(base + value)
            body.append(
                f'<rect class="bar" x="{_n(x)}" y="{_n(y_top)}" width="{_n(slot * 0.64)}" '
                f'height="{_n(y_of(base) - y_top)}" fill="{PALETTE[number % len(PALETTE)]}">'
                f"<title>{escape(label)} — {escape(name)} : {escape(fmt(value))}</title></rect>"
            )
            base += value
        centre = x + slot * 0.32
        if slanted:  # long month names lean, as in ``charts.month_bars``
            turn = f' class="bar-label" transform="rotate(-40 {_n(centre)} {_n(bottom + 14)})"'
            body.append(_text(centre, bottom + 14, label, "end", turn))
        else:
            body.append(_text(centre, bottom + 18, label, "middle", ' class="bar-label"'))
        if slot >= 48 and totals[index]:
            body.append(
                _text(x + slot * 0.32, y_of(base) - 5, fmt(totals[index]), "middle",
                      ' class="bar-value"')
            )  # fmt: skip
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(left + plot_w)}" y2="{_n(bottom)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    legend: list[tuple[str, str, str, float]] = [
        (name, PALETTE[n % len(PALETTE)], "", 8.0) for n, (name, _v) in enumerate(series)
    ]
    if line is not None:
        points = [
            (left + slot * (i + 0.5), y_of(v)) for i, v in enumerate(line[1]) if v is not None
        ]
        if points:
            path = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in points)
            body.append(
                f'<path class="last-year" d="{path}" fill="none" stroke="{INK}" '
                f'stroke-width="2" stroke-dasharray="{DASH_FORECAST}"/>'
            )
            body.extend(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="#ffffff" stroke="{INK}" '
                f'stroke-width="2"/>'
                for x, y in points
            )
        legend.append((line[0], INK, DASH_FORECAST, 2.0))
    rows_of_legend = [legend[i : i + 4] for i in range(0, len(legend), 4)]
    below = 64.0 if slanted else 36.0
    for number, entries in enumerate(rows_of_legend):
        body.extend(_legend(bottom + below + 12 + 22 * number, entries))
    height = bottom + below + 22 * len(rows_of_legend) + 8
    columns = (texts.label_column, *(name for name, _v in series))
    rows = [
        (label, *(fmt(values[i]) for _name, values in series)) for i, label in enumerate(labels)
    ]
    if line is not None:
        columns = (*columns, line[0])
        rows = [(*row, "—" if v is None else fmt(v)) for row, v in zip(rows, line[1], strict=True)]
    table = DataTable(texts.caption, columns, tuple(rows), (False, *([True] * (len(columns) - 1))))
    return Chart(chart_id, _svg(chart_id, height, texts.title, texts.desc, body), table)


def _shade(value: float, highest: float) -> tuple[str, str]:
    """The cell's fill (five steps of the accent colour) and the text colour that reads on it."""
    if value <= 0 or highest <= 0:
        return "#f3f5f7", MUTED
    step = min(4, int(5 * value / (highest + 1e-9)))
    fills = ("#d5ebe8", "#a7d3cd", "#5fa89f", "#2b7d73", "#0f4f48")
    return fills[step], ("#ffffff" if step >= 3 else INK)  # 4.5:1 or more either way


def heatmap(
    chart_id: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[float]],
    texts: ChartTexts,
    fmt: Fmt,
) -> Chart:
    """A shaded grid (rows: weekdays, columns: hours), each cell's value written in it; the
    table gives one line per column (hour) and one column per row (weekday)."""
    left, top = 64.0, 24.0
    cell_w = (WIDTH - left - 8.0) / max(len(columns), 1)
    cell_h = 30.0
    highest = max([v for row in cells for v in row] + [0])
    body = [
        _text(left + cell_w * (i + 0.5), top - 8, column, "middle", ' class="x-tick"')
        for i, column in enumerate(columns)
    ]
    for r, name in enumerate(rows):
        y = top + cell_h * r
        body.append(_text(left - 8, y + cell_h / 2 + 4, name, "end", ' class="row-label"'))
        for c, column in enumerate(columns):
            value = cells[r][c]
            fill, ink = _shade(value, highest)
            x = left + cell_w * c
            body.append(
                f'<rect class="cell" x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w - 1)}" '
                f'height="{_n(cell_h - 1)}" fill="{fill}"><title>{escape(name)} {escape(column)}'
                f" — {escape(fmt(value))}</title></rect>"
            )
            if value > 0:
                body.append(
                    f'<text x="{_n(x + cell_w / 2)}" y="{_n(y + cell_h / 2 + 4)}" '
                    f'text-anchor="middle" fill="{ink}" font-size="11">{escape(fmt(value))}</text>'
                )
    height = top + cell_h * len(rows) + 12
    table = DataTable(
        texts.caption,
        (texts.label_column, *rows),
        tuple(
            (column, *(fmt(cells[r][c]) for r in range(len(rows))))
            for c, column in enumerate(columns)
        ),
        (False, *([True] * len(rows))),
    )
    return Chart(chart_id, _svg(chart_id, height, texts.title, texts.desc, body), table)


@dataclass(frozen=True)
class PairTexts:
    """Paired bars' words: the chart's, and the names of the two values and of a reference."""

    chart: ChartTexts
    first: str
    second: str
    reference: str  # holds {value}


def paired_bars(
    chart_id: str,
    rows: Sequence[tuple[str, float | None, float | None]],
    texts: PairTexts,
    fmt: Fmt,
    references: Sequence[float] = (),
) -> Chart:
    """Two horizontal bars per row (the first solid, the second lighter and outlined), each
    value written at its end, with dotted vertical reference lines, each named."""
    left, right, top, row_h = 150.0, 80.0, 24.0, 44.0
    plot_w = WIDTH - left - right
    values = [v for _label, a, b in rows for v in (a, b) if v is not None]
    ticks = [float(t) for t in nice_ticks(Decimal(str(max([*values, *references, 0]) * 1.05)))]

    def x_of(value: float) -> float:
        return left + plot_w * value / ticks[-1]

    bottom = top + row_h * max(len(rows), 1)
    body: list[str] = []
    for tick in ticks:
        body.append(
            f'<line x1="{_n(x_of(tick))}" y1="{_n(top)}" x2="{_n(x_of(tick))}" '
            f'y2="{_n(bottom)}" stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(x_of(tick), bottom + 16, fmt(tick), "middle", ' class="x-tick"'))
    for index, (label, first, second) in enumerate(rows):
        y = top + row_h * index
        shown = label if len(label) <= 20 else label[:19] + "…"
        body.append(_text(left - 8, y + row_h / 2 + 4, shown, "end", ' class="bar-label"'))
        for offset, value, name, fill, stroke in (
            (4.0, first, texts.first, SPENT, SPENT),
            (22.0, second, texts.second, P90_COLOUR, SPENT),
        ):
            if value is None:
                body.append(_text(left + 4, y + offset + 13, "—", "start", ' class="bar-value"'))
                continue
            width = max(x_of(value) - left, 1.0)
            body.append(
                f'<rect class="bar" x="{_n(left)}" y="{_n(y + offset)}" width="{_n(width)}" '
                f'height="16" fill="{fill}" stroke="{stroke}" stroke-width="1">'
                f"<title>{escape(label)} — {escape(name)} : {escape(fmt(value))}</title></rect>"
            )
            body.append(
                _text(left + width + 6, y + offset + 13, fmt(value), "start", ' class="bar-value"')
            )
    for reference in references:
        x = x_of(reference)
        body.append(
            f'<line class="reference" x1="{_n(x)}" y1="{_n(top - 6)}" x2="{_n(x)}" '
            f'y2="{_n(bottom)}" stroke="{FORECAST}" stroke-width="1.5" '
            f'stroke-dasharray="{DASH_THRESHOLD}"/>'
        )
        body.append(
            _text(x, top - 10, texts.reference.format(value=fmt(reference)), "middle",
                  ' class="reference-label"')
        )  # fmt: skip
    body.extend(
        _legend(
            bottom + 44,
            [
                (texts.first, SPENT, "", 10.0),
                (texts.second, P90_COLOUR, "", 10.0),
                (texts.reference.format(value="…"), FORECAST, DASH_THRESHOLD, 1.5),
            ],
        )
    )
    table = DataTable(
        texts.chart.caption,
        (texts.chart.label_column, texts.first, texts.second),
        tuple(
            (label, "—" if a is None else fmt(a), "—" if b is None else fmt(b))
            for label, a, b in rows
        ),
        (False, True, True),
    )
    chart = texts.chart
    return Chart(chart_id, _svg(chart_id, bottom + 56, chart.title, chart.desc, body), table)
