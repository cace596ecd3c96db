"""A budget line's charts in the reader's language: its burn-up with the forecast, and its spend
by month and by language (drawn by the pure ``reports.charts``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date

from hotline.i18n import current_locale, money, ngettext, number
from hotline.i18n import gettext as _
from interpreter_pool.budget import Forecast, parse_thresholds
from interpreter_pool.languages import language_name
from interpreter_pool.models import Budget
from reports.charts import (
    BarTexts,
    BurnUpTexts,
    Chart,
    burn_up,
    burn_up_chart,
    horizontal_bars,
    month_bars,
)
from reports.line_figures import LineSpend


def day_text(on: date) -> str:
    """A day as the reader writes it (23/11/2026, 11/23/26)."""
    return str(format_date(on, "short", locale=current_locale()))


def month_text(on: date) -> str:
    """A month as the reader writes it (nov. 2026, Nov 2026)."""
    return str(format_date(on, "MMM y", locale=current_locale()))


def forecast_sentence(forecast: Forecast) -> str:
    """What the forecast says, in words."""
    if forecast.runs_out_on is None:
        return _("Pas de dépense récente : pas de prévision.")
    rate = money(forecast.burn_per_day)
    if forecast.lasts_the_period:
        return _("Au rythme actuel ({rate} par jour), le budget couvre la période.", rate=rate)
    return _(
        "Au rythme actuel ({rate} par jour), le budget sera épuisé le {day}.",
        rate=rate,
        day=day_text(forecast.runs_out_on),
    )


def line_charts(
    line: Budget, spend: LineSpend, forecast: Forecast, today: date
) -> dict[str, Chart]:
    """The burn-up, by month and by language charts of a line (keys: burn_up, months, languages)."""
    data = burn_up(
        spend.by_day.items(),
        line.starts_on,
        line.ends_on,
        Decimal(line.amount),
        parse_thresholds(line.thresholds),
        today,
        forecast.burn_per_day,
        forecast.runs_out_on,
    )
    pct = data.consumed * 100 / Decimal(line.amount) if line.amount else Decimal(0)
    burn_texts = BurnUpTexts(
        title=_("Consommation de la ligne « {name} »", name=line.name),
        desc=" ".join(
            [
                _(
                    "Dépense cumulée du {start} au {end} : {spent} sur {amount} ({pct} %).",
                    start=day_text(line.starts_on),
                    end=day_text(min(today, line.ends_on)),
                    spent=money(data.consumed),
                    amount=money(line.amount),
                    pct=number(pct),
                ),
                _("Seuils d'alerte : {thresholds} %.", thresholds=line.thresholds),
                forecast_sentence(forecast),
            ]
        ),
        spent=_("Dépensé"),
        forecast=_("Prévision"),
        amount=_("Montant"),
        threshold=_("Seuil {pct} %"),
        today=_("Aujourd'hui"),
        caption=_("Dépense de chaque jour et cumul"),
        day_column=_("Jour"),
        daily_column=_("Dépense du jour"),
        cumulative_column=_("Cumul"),
    )
    months = sorted(spend.by_month.items())
    month_texts = BarTexts(
        title=_("Dépense par mois de la ligne « {name} »", name=line.name),
        desc=ngettext(
            "{n} mois ; le plus élevé : {amount}.",
            "{n} mois ; le plus élevé : {amount}.",
            len(months),
            amount=money(max((amount for _m, amount in months), default=Decimal(0))),
        ),
        caption=_("Dépense par mois"),
        label_column=_("Mois"),
        value_column=_("Montant"),
    )
    month_bars_data = [
        (month_text(date.fromisoformat(f"{key}-01")), amount) for key, amount in months
    ]
    locale = current_locale()
    languages = sorted(
        (
            (language_name(code, locale, capitalise=True) if code else "—", amount)
            for code, amount in spend.by_language.items()
        ),
        key=lambda row: (-row[1], row[0]),
    )
    first = f"{languages[0][0]} ({money(languages[0][1])})" if languages else "—"
    language_texts = BarTexts(
        title=_("Dépense par langue de la ligne « {name} »", name=line.name),
        desc=ngettext(
            "{n} langue ; en tête : {first}.",
            "{n} langues ; en tête : {first}.",
            len(languages),
            first=first,
        ),
        caption=_("Dépense par langue"),
        label_column=_("Langue"),
        value_column=_("Montant"),
    )
    prefix = f"line-{line.id}"
    return {
        "burn_up": burn_up_chart(
            f"{prefix}-burn-up", data, burn_texts, money, day_text, month_text
        ),
        "months": month_bars(f"{prefix}-months", month_bars_data, month_texts, money),
        "languages": horizontal_bars(f"{prefix}-languages", languages, language_texts, money),
    }
