"""Charts drawn on the server as SVG (pure): a budget line's burn-up, spend by month as bars and
spend by language as horizontal bars, each with the table of its data.

What every chart keeps, for the people who read it:

* the ``<svg>`` is ``role="img"``, named by its ``<title>`` and described by its ``<desc>`` (what
  it shows and its main values, in words), and the page follows it with the same data as a table;
* nothing is said by colour alone: the lines differ by their dash pattern and are named in a
  legend and at their ends, bars carry their value as text (or the axis and the table do);
* the console's colours: text in dark ink on white (7:1 and more), lines and bars 3:1 and more;
* only SVG presentation attributes, no ``style`` and no script (the CSP allows neither inline).

Texts arrive translated and numbers are written by the caller's functions (``money``, ``day``);
the module escapes every text it writes. Coordinates are in the viewBox's units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from markupsafe import Markup, escape

INK = "#1d2733"
MUTED = "#5b6675"
GRID = "#d9dee5"
SPENT = "#17625a"
FORECAST = "#b45309"
FONT = 'font-family="system-ui, sans-serif" font-size="13"'
WIDTH = 760
# The dash patterns that tell the lines apart (with the legend's words), besides their colour.
DASH_FORECAST = "8 5"
DASH_AMOUNT = "14 4 2 4"
DASH_THRESHOLD = "2 4"

Money = Callable[[Decimal], str]
Day = Callable[[date], str]


@dataclass(frozen=True)
class DataTable:
    """A chart's data as the table that follows it (cells already written for people)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart (its element's id: ``chart_id``) and the table of its data."""

    chart_id: str
    svg: Markup
    table: DataTable


# --- the burn-up of a budget line -------------------------------------------------------------


@dataclass(frozen=True)
class BurnUp:
    """What a budget line's burn-up shows: cumulative spend at the end of each day of the period
    up to today, the amount and its thresholds, and the forecast from today to the day the money
    runs out (or the period's end when it lasts)."""

    starts_on: date
    ends_on: date
    today: date
    amount: Decimal
    thresholds: tuple[int, ...]
    cumulative: tuple[tuple[date, Decimal], ...]
    daily: tuple[tuple[date, Decimal], ...]
    forecast: tuple[tuple[date, Decimal], tuple[date, Decimal]] | None

    @property
    def consumed(self) -> Decimal:
        """Spent by the last day shown."""
        return self.cumulative[-1][1] if self.cumulative else Decimal(0)


def burn_up(
    spend_by_day: Iterable[tuple[date, Decimal]],
    starts_on: date,
    ends_on: date,
    amount: Decimal,
    thresholds: Sequence[int],
    today: date,
    burn_per_day: Decimal,
    runs_out_on: date | None,
) -> BurnUp:
    """The burn-up's series from the spend of each day and the forecast's rate and date.

    The forecast starts at today's total and grows at ``burn_per_day`` until ``runs_out_on`` when
    that falls in the period after today, else until the period's end; there is none without a
    rate (``runs_out_on`` None), or when today is not inside the period.
    """
    last = min(today, ends_on)
    by_day: dict[date, Decimal] = {}
    for day, spent in spend_by_day:
        if starts_on <= day <= last:
            by_day[day] = by_day.get(day, Decimal(0)) + Decimal(spent)
    cumulative: list[tuple[date, Decimal]] = []
    total = Decimal(0)
    day = starts_on
    while day <= last:
        total += by_day.get(day, Decimal(0))
        cumulative.append((day, total))
        day += timedelta(days=1)
    projection = None
    if runs_out_on is not None and burn_per_day > 0 and starts_on <= today < ends_on:
        end = runs_out_on if today < runs_out_on <= ends_on else ends_on
        projected = total + burn_per_day * (end - today).days
        projection = ((today, total), (end, projected.quantize(Decimal("0.01"))))
    return BurnUp(
        starts_on=starts_on,
        ends_on=ends_on,
        today=today,
        amount=Decimal(amount),
        thresholds=tuple(sorted(set(thresholds))),
        cumulative=tuple(cumulative),
        daily=tuple(sorted((d, a) for d, a in by_day.items() if a)),
        forecast=projection,
    )


@dataclass(frozen=True)
class BurnUpTexts:
    """The burn-up's words, translated by the caller (``threshold`` holds ``{pct}``)."""

    title: str
    desc: str
    spent: str
    forecast: str
    amount: str
    threshold: str
    today: str
    caption: str
    day_column: str
    daily_column: str
    cumulative_column: str


def nice_ticks(maximum: Decimal, count: int = 5) -> list[Decimal]:
    """Round values from 0 to at least ``maximum`` for an axis: steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [Decimal(0), Decimal(1)]
    raw = maximum / count
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.01")
    step = next(
        (
            power * f
            for f in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
            if power * f >= raw
        ),
        power * 10,
    )
    ticks = [Decimal(0)]
    while ticks[-1] < maximum:
        ticks.append(ticks[-1] + step)
    return ticks


def _n(value: float) -> str:
    """A coordinate: one decimal at most."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{INK}"{extra}>'
        f"{escape(content)}</text>"
    )


def _spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions (sorted top to bottom) moved apart by ``gap`` at least, within bounds."""
    placed: list[float] = []
    for y in positions:
        placed.append(max(y, placed[-1] + gap) if placed else max(y, low))
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    return placed


def _svg(chart_id: str, height: float, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT}>'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text escaped above


def _month_ticks(starts_on: date, ends_on: date) -> list[date]:
    """First days of months inside the period, at most eight of them, evenly picked."""
    firsts: list[date] = []
    month = date(starts_on.year, starts_on.month, 1)
    while month <= ends_on:
        if month >= starts_on:
            firsts.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    step = max(1, -(-len(firsts) // 8))
    return firsts[::step]


def burn_up_chart(
    chart_id: str, data: BurnUp, texts: BurnUpTexts, money: Money, day: Day, month: Day
) -> Chart:
    """The burn-up as SVG: spend (solid), forecast (dashed), amount and thresholds (labelled)."""
    left, right, top, plot_h = 96.0, 168.0, 28.0, 250.0
    plot_w = WIDTH - left - right
    bottom = top + plot_h
    height = bottom + 72
    days = (data.ends_on - data.starts_on).days + 1
    lines = [(texts.amount, data.amount, DASH_AMOUNT, INK)] + [
        (texts.threshold.format(pct=pct), data.amount * pct / 100, DASH_THRESHOLD, MUTED)
        for pct in data.thresholds
        if pct != 100  # the 100 % threshold is the amount's own line
    ]
    highest = max(
        [value for _label, value, _dash, _colour in lines]
        + [data.consumed]
        + ([data.forecast[1][1]] if data.forecast else [])
    )
    ticks = nice_ticks(highest * Decimal("1.05"))
    top_value = float(ticks[-1])

    def x_of(index: float) -> float:
        return left + plot_w * index / days

    def x_at_end_of(on: date) -> float:
        return x_of((on - data.starts_on).days + 1)

    def y_of(value: Decimal) -> float:
        return bottom - plot_h * float(value) / top_value

    body: list[str] = []
    for tick in ticks:
        y = y_of(tick)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, money(tick), "end", ' class="y-tick"'))
    for first in _month_ticks(data.starts_on, data.ends_on):
        x = x_of((first - data.starts_on).days)
        body.append(
            f'<line x1="{_n(x)}" y1="{_n(bottom)}" x2="{_n(x)}" y2="{_n(bottom + 5)}" '
            f'stroke="{INK}" stroke-width="1"/>'
        )
        body.append(_text(x, bottom + 20, month(first), "middle", ' class="x-tick"'))
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(left + plot_w)}" y2="{_n(bottom)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    # The amount and the thresholds: horizontal lines, each named at its right end.
    wanted = sorted(((y_of(value), label) for label, value, _d, _c in lines), key=lambda r: r[0])
    placed = _spread([y + 4 for y, _label in wanted], 15, top + 4, bottom)
    for _label, value, dash, colour in lines:
        y = y_of(value)
        body.append(
            f'<line class="level" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" '
            f'y2="{_n(y)}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>'
        )
    for (_y, label), label_y in zip(wanted, placed, strict=True):
        body.append(_text(left + plot_w + 8, label_y, label, "start", ' class="level-label"'))
    if data.starts_on <= data.today <= data.ends_on:
        x = x_at_end_of(data.today)
        body.append(
            f'<line class="today" x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
        body.append(_text(x, top - 10, texts.today, "middle", ' class="today-label"'))
    if data.cumulative:
        points = [(x_of(0), y_of(Decimal(0)))] + [
            (x_at_end_of(on), y_of(total)) for on, total in data.cumulative
        ]
        path = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in points)
        body.append(
            f'<path class="spent" id="{escape(chart_id)}-spent" d="{path}" fill="none" '
            f'stroke="{SPENT}" stroke-width="3" stroke-linejoin="round"/>'
        )
    if data.forecast is not None:
        (from_day, from_value), (to_day, to_value) = data.forecast
        x1, y1 = x_at_end_of(from_day), y_of(from_value)
        x2, y2 = x_at_end_of(to_day), y_of(to_value)
        body.append(
            f'<path class="forecast" id="{escape(chart_id)}-forecast" '
            f'd="M{_n(x1)} {_n(y1)} L{_n(x2)} {_n(y2)}" fill="none" stroke="{FORECAST}" '
            f'stroke-width="2.5" stroke-dasharray="{DASH_FORECAST}"/>'
        )
        body.append(
            f'<circle cx="{_n(x2)}" cy="{_n(y2)}" r="4" fill="#ffffff" stroke="{FORECAST}" '
            f'stroke-width="2"/>'
        )
        body.append(_text(x2 - 6, y2 - 8, day(to_day), "end", ' class="forecast-label"'))
    body.extend(
        _legend(
            bottom + 44,
            [
                (texts.spent, SPENT, "", 3.0),
                (texts.forecast, FORECAST, DASH_FORECAST, 2.5),
                (texts.amount, INK, DASH_AMOUNT, 1.5),
                (texts.threshold.format(pct="…"), MUTED, DASH_THRESHOLD, 1.5),
            ],
        )
    )
    running = dict(data.cumulative)
    table = DataTable(
        caption=texts.caption,
        columns=(texts.day_column, texts.daily_column, texts.cumulative_column),
        rows=tuple((day(on), money(spent), money(running[on])) for on, spent in data.daily),
        numeric=(False, True, True),
    )
    return Chart(chart_id, _svg(chart_id, height, texts.title, texts.desc, body), table)


def _legend(y: float, entries: list[tuple[str, str, str, float]]) -> list[str]:
    """A row of line samples with their names (the dash patterns say what colour also says)."""
    body: list[str] = ['<g class="legend">']
    x = 16.0
    for label, colour, dash, width in entries:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 36)}" y2="{_n(y - 4)}" '
            f'stroke="{colour}" stroke-width="{width}"{dashed}/>'
        )
        body.append(_text(x + 44, y, label))
        x += 44 + 8.0 * len(label) + 28
    body.append("</g>")
    return body


# --- bars -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarTexts:
    """A bar chart's words, translated by the caller."""

    title: str
    desc: str
    caption: str
    label_column: str
    value_column: str


def month_bars(
    chart_id: str, bars: Sequence[tuple[str, Decimal]], texts: BarTexts, money: Money
) -> Chart:
    """Vertical bars, one a month in the given order; each value written above its bar when
    there is room, and always in the table."""
    left, right, top, plot_h = 96.0, 16.0, 24.0, 220.0
    plot_w = WIDTH - left - right
    bottom = top + plot_h
    slot = plot_w / max(len(bars), 1)
    slanted = slot < 72  # month names then lean, and the values are read on the axis
    height = bottom + (64 if slanted else 36)
    ticks = nice_ticks(max([value for _label, value in bars] + [Decimal(0)]) * Decimal("1.1"))
    top_value = float(ticks[-1])

    def y_of(value: Decimal) -> float:
        return bottom - plot_h * float(value) / top_value

    body: list[str] = []
    for tick in ticks:
        y = y_of(tick)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, money(tick), "end", ' class="y-tick"'))
    for index, (label, value) in enumerate(bars):
        x = left + slot * index + slot * 0.15
        width = slot * 0.7
        y = y_of(value)
        body.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
            f'height="{_n(bottom - y)}" fill="{SPENT}"><title>{escape(label)} — '
            f"{escape(money(value))}</title></rect>"
        )
        centre = x + width / 2
        if slanted:
            body.append(
                _text(
                    centre,
                    bottom + 14,
                    label,
                    "end",
                    f' class="bar-label" transform="rotate(-40 {_n(centre)} {_n(bottom + 14)})"',
                )
            )
        else:
            body.append(_text(centre, bottom + 18, label, "middle", ' class="bar-label"'))
            body.append(_text(centre, y - 6, money(value), "middle", ' class="bar-value"'))
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(left + plot_w)}" y2="{_n(bottom)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    return Chart(
        chart_id,
        _svg(chart_id, height, texts.title, texts.desc, body),
        _bar_table(bars, texts, money),
    )


def horizontal_bars(
    chart_id: str, bars: Sequence[tuple[str, Decimal]], texts: BarTexts, money: Money
) -> Chart:
    """Horizontal bars in the given order (largest first, say), each named on its left and
    its value written at its end."""
    left, right, top, row = 180.0, 120.0, 8.0, 30.0
    plot_w = WIDTH - left - right
    height = top * 2 + row * max(len(bars), 1)
    largest = max([value for _label, value in bars] + [Decimal(0)])
    body: list[str] = []
    for index, (label, value) in enumerate(bars):
        y = top + row * index
        width = plot_w * float(value) / float(largest) if largest > 0 else 0.0
        shown = label if len(label) <= 24 else label[:23] + "…"
        body.append(_text(left - 8, y + row / 2 + 4, shown, "end", ' class="bar-label"'))
        body.append(
            f'<rect class="bar" x="{_n(left)}" y="{_n(y + 5)}" width="{_n(max(width, 1.0))}" '
            f'height="{_n(row - 10)}" fill="{SPENT}"><title>{escape(label)} — '
            f"{escape(money(value))}</title></rect>"
        )
        body.append(
            _text(left + width + 6, y + row / 2 + 4, money(value), "start", ' class="bar-value"')
        )
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(height - top)}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    return Chart(
        chart_id,
        _svg(chart_id, height, texts.title, texts.desc, body),
        _bar_table(bars, texts, money),
    )


def _bar_table(bars: Sequence[tuple[str, Decimal]], texts: BarTexts, money: Money) -> DataTable:
    return DataTable(
        caption=texts.caption,
        columns=(texts.label_column, texts.value_column),
        rows=tuple((label, money(value)) for label, value in bars),
        numeric=(False, True),
    )
