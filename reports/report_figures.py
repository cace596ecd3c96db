"""The reports page's charts in the reader's language: what a manager reads at a glance, built
from the two ``Values`` of the period and of N−1 (drawn by the pure ``reports.charts`` and
``reports.report_charts``); the tiles and tables are ``reports.report_groups``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal

from hotline.i18n import current_locale, money, number
from hotline.i18n import gettext as _
from hotline.refusals import N_
from interpreter_pool.languages import language_name
from reports.charts import (
    BarTexts,
    BurnUp,
    BurnUpTexts,
    Chart,
    burn_up_chart,
    horizontal_bars,
    month_bars,
)
from reports.indicator_data import Values
from reports.indicators import Value
from reports.indicators_activity import WEEKDAYS
from reports.line_charts import day_text, month_text
from reports.report_charts import ChartTexts, PairTexts, heatmap, paired_bars, stacked_bars
from reports.report_groups import PER_HELPLINE, figure

WEEKDAY_NAMES = (N_("lun."), N_("mar."), N_("mer."), N_("jeu."), N_("ven."), N_("sam."),
                 N_("dim."))  # fmt: skip
WAIT_BUCKETS = ("0-15", "16-30", "31-45", "46-60", "61-90", "91+")
THRESHOLDS = (50, 75, 90)


def _extra(value: Value | None) -> Mapping[str, object]:
    return {} if value is None else value.extra


def _counts(extra: Mapping[str, object]) -> dict[str, float]:
    """The counts of a distribution (``key`` → n), without its shares (``key_pct``)."""
    return {
        key: float(str(n))
        for key, n in extra.items()
        if not key.endswith("_pct") and ":" not in key and n is not None
    }


# The breakdowns the page's charts and tables read: the period's, and N−1's.
SHOWN = (
    *((i, "month") for i in ("A03", "F01", "E01", "E02", "D02")),
    ("C07", "language"),
    *((i, "helpline") for i in PER_HELPLINE),
)
SHOWN_LAST_YEAR = (("A01", "month"),)


def _month_labels(keys: list[str]) -> list[str]:
    return [month_text(date.fromisoformat(f"{key}-01")) for key in keys]


def _months(values: Values, indicator: str) -> dict[str, Value]:
    return dict(sorted(values.breakdowns.get((indicator, "month"), {}).items()))


def _count(n: float | Decimal) -> str:
    return number(Decimal(str(n)), 0)


def activity_chart(values: Values, last: Values, categories: Mapping[str, str]) -> Chart:
    """Requests per month stacked by category, with last year's totals as a line (A03, A01)."""
    months = _months(values, "A03")
    keys = list(months)
    order = {code: n for n, code in enumerate(categories)}  # the filter's order (by name)
    found = sorted(
        {c for v in months.values() for c in _counts(v.extra)},
        key=lambda code: (order.get(code, len(order)), code),
    )
    names = {code: categories.get(code, _("Sans catégorie") if code == "unknown" else code)
             for code in found}  # fmt: skip
    series = [
        (names[code], [_counts(months[k].extra).get(code, 0.0) for k in keys]) for code in found
    ]
    before = list(_months(last, "A01").values())
    line = [
        None if i >= len(before) or before[i].value is None else float(str(before[i].value))
        for i in range(len(keys))
    ]
    total = sum(float(str(v.value or 0)) for v in months.values())
    texts = ChartTexts(
        title=_("Demandes par mois et par catégorie, comparées à l'année précédente"),
        desc=_(
            "Demandes sur la période : {total} ; un an plus tôt : {last}.",
            total=_count(total),
            last=_count(sum(v for v in line if v is not None)),
        ),
        caption=_("Demandes par mois, par catégorie, et année précédente"),
        label_column=_("Mois"),
    )
    return stacked_bars(
        "chart-activity", _month_labels(keys), series, texts, _count, (_("Année N−1"), line)
    )


def heatmap_chart(values: Values) -> Chart:
    """Inbound calls by weekday and hour, Paris time (A06)."""
    extra = _extra(values.values.get("A06"))
    cells = [
        [float(str(extra.get(f"{day}-{hour:02d}") or 0)) for hour in range(24)] for day in WEEKDAYS
    ]
    busiest = max(((cells[d][h], d, h) for d in range(7) for h in range(24)), default=(0.0, 0, 0))
    texts = ChartTexts(
        title=_("Appels entrants par jour de la semaine et par heure"),
        desc=_(
            "Appels : {n} ; créneau le plus chargé : {day} {hour} h ({count}).",
            n=_count(sum(map(sum, cells))),
            day=_(WEEKDAY_NAMES[busiest[1]]),
            hour=busiest[2],
            count=_count(busiest[0]),
        ),
        caption=_("Appels entrants par heure (lignes) et jour (colonnes), heure de Paris"),
        label_column=_("Heure"),
    )
    hours = [f"{hour:02d}" for hour in range(24)]
    return heatmap("chart-hours", [_(d) for d in WEEKDAY_NAMES], hours, cells, texts, _count)


def waits_chart(values: Values) -> Chart:
    """Answered calls by wait before the nurse answered (B05's buckets)."""
    extra = _extra(values.values.get("B05"))
    bars = [(f"{bucket} s", Decimal(str(extra.get(bucket) or 0))) for bucket in WAIT_BUCKETS]
    texts = BarTexts(
        title=_("Attente avant réponse de l'infirmière"),
        desc=_(
            "Médiane : {median}.",
            median=figure("seconds", _value(values, "B05")),
        ),
        caption=_("Appels décrochés par durée d'attente"),
        label_column=_("Attente"),
        value_column=_("Appels"),
    )
    return month_bars("chart-waits", bars, texts, _count, floor=Decimal(5))


def _language(code: str) -> str:
    if code == "unknown":
        return _("Langue inconnue")
    return language_name(code, current_locale(), capitalise=True)


def interpreter_delay_chart(values: Values) -> Chart:
    """Time to interpreter per language, median and P90, against 60 s and 120 s (C07)."""
    split = values.breakdowns.get(("C07", "language"), {})
    rows = sorted(
        (
            (_language(code), v.value, v.extra.get("p90"))
            for code, v in split.items()
            if v.value is not None
        ),
        key=lambda row: (-float(str(row[2] or row[1] or 0)), row[0]),
    )[:12]
    texts = PairTexts(
        chart=ChartTexts(
            title=_("Délai de mise en relation avec l'interprète, par langue"),
            desc=_(
                "Langues : {n} ; médiane générale : {median}.",
                n=len(rows),
                median=figure("seconds", _value(values, "C07")),
            ),
            caption=_("Délai de mise en relation par langue (médiane et 90e centile)"),
            label_column=_("Langue"),
        ),
        first=_("Médiane"),
        second=_("90e centile"),
        reference=_("Repère {value}"),
    )
    typed = [(label, _float(a), _float(b)) for label, a, b in rows]
    return paired_bars(
        "chart-interpreter-delay", typed, texts, lambda s: f"{number(s, 0)} s", (60.0, 120.0)
    )


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _value(values: Values, indicator: str) -> object:
    found = values.values.get(indicator)
    return None if found is None else found.value


def languages_chart(values: Values) -> Chart:
    """The ten most interpreted languages, the others grouped (C05)."""
    found = values.values.get("C05")
    extra = _extra(found)
    bars = [(_language(code), Decimal(str(extra.get(code) or 0))) for code in (found.items if
            found else ())]  # fmt: skip
    if extra.get("others"):
        bars.append((_("Autres langues"), Decimal(str(extra["others"]))))
    texts = BarTexts(
        title=_("Principales langues interprétées"),
        desc=_(
            "Interprétariats : {n} ; en tête : {first}.",
            n=_count(float(str(_value(values, "C05") or 0))),
            first=bars[0][0] if bars else "—",
        ),
        caption=_("Interprétariats par langue"),
        label_column=_("Langue"),
        value_column=_("Interprétariats"),
    )
    return horizontal_bars("chart-languages", bars, texts, _count)


def burn_up(values: Values, first: date, last: date) -> Chart | None:
    """The interpreting spend of the period, month after month, against the budget lines open in
    it, with the forecast to the year's end (F01, F03, F04); None without a budget line."""
    amount = Decimal(str(_extra(values.values.get("F03")).get("amount") or 0))
    if amount <= 0:
        return None
    spent_lines = Decimal(str(_extra(values.values.get("F03")).get("spent") or 0))
    projected = Decimal(str(_value(values, "F04") or 0))
    cumulative, daily, total = [], [], Decimal(0)
    for key, value in _months(values, "F01").items():
        month_start = date.fromisoformat(f"{key}-01")
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        on = min(month_end, last)
        spent = Decimal(str(value.value or 0))
        total += spent
        cumulative.append((on, total))
        daily.append((on, spent))
    year_end = date(last.year, 12, 31)
    forecast_end = (total + max(projected - spent_lines, Decimal(0))).quantize(Decimal("0.01"))
    forecast = ((last, total), (year_end, forecast_end)) if last < year_end else None
    data = BurnUp(first, year_end, last, amount, THRESHOLDS, tuple(cumulative), tuple(daily),
                  forecast)  # fmt: skip
    texts = BurnUpTexts(
        title=_("Consommation du budget d'interprétariat et prévision"),
        desc=_(
            "Dépense cumulée : {spent} sur {amount} ; prévision au {end} : {forecast}.",
            spent=money(total),
            amount=money(amount),
            end=day_text(year_end),
            forecast=money(forecast_end),
        ),
        spent=_("Dépensé"),
        forecast=_("Prévision"),
        amount=_("Budget"),
        threshold=_("Seuil {pct} %"),
        today=_("Fin de période"),
        caption=_("Dépense de chaque mois et cumul"),
        day_column=_("Mois"),
        daily_column=_("Dépense du mois"),
        cumulative_column=_("Cumul"),
    )
    return burn_up_chart("chart-budget", data, texts, money, month_text, month_text)


def professionals_chart(values: Values) -> Chart:
    """Professionals asking each month: new (first request ever) and returning (E01, E02)."""
    asking, new = _months(values, "E01"), _months(values, "E02")
    keys = list(asking)
    fresh = [float(str(new[k].value or 0)) if k in new else 0.0 for k in keys]
    returning = [max(float(str(asking[k].value or 0)) - fresh[i], 0.0) for i, k in
                 enumerate(keys)]  # fmt: skip
    texts = ChartTexts(
        title=_("Professionnels nouveaux et fidèles, par mois"),
        desc=_("Nouveaux professionnels sur la période : {new}.", new=_count(sum(fresh))),
        caption=_("Professionnels sollicitant la plateforme par mois"),
        label_column=_("Mois"),
    )
    series = [(_("Nouveaux"), fresh), (_("Fidèles"), returning)]
    return stacked_bars("chart-professionals", _month_labels(keys), series, texts, _count)


def callbacks_chart(values: Values) -> Chart:
    """The share of callbacks reached on time, per month (D02)."""
    months = _months(values, "D02")
    bars = [  # the months with callbacks due (a rate without one is "—", never 0 %)
        (label, Decimal(str(v.value)) * 100)
        for label, v in zip(_month_labels(list(months)), months.values(), strict=True)
        if v.value is not None
    ]
    texts = BarTexts(
        title=_("Rappels dans le délai promis, par mois"),
        desc=_("Sur la période : {rate}.", rate=figure("rate", _value(values, "D02"))),
        caption=_("Part des rappels aboutis dans le délai, par mois (mois avec des rappels dus)"),
        label_column=_("Mois"),
        value_column=_("Dans le délai"),
    )
    percent = lambda d: f"{number(d, 0)} %"  # noqa: E731
    return month_bars("chart-callbacks", bars, texts, percent, floor=Decimal(100))


def outcomes_chart(values: Values, outcomes: Callable[[str], str]) -> Chart:
    """The follow-up callbacks' outcomes (D07)."""
    counts = _counts(_extra(values.values.get("D07")))
    bars = sorted(((outcomes(k), Decimal(str(n))) for k, n in counts.items()),
                  key=lambda row: (-row[1], row[0]))  # fmt: skip
    texts = BarTexts(
        title=_("Issue des suivis de situation"),
        desc=_("Suivis réalisés : {n}.", n=_count(float(str(_value(values, "D07") or 0)))),
        caption=_("Suivis par issue"),
        label_column=_("Issue"),
        value_column=_("Suivis"),
    )
    return horizontal_bars("chart-outcomes", bars, texts, _count)
