"""The reports page's tiles and tables in the reader's language: each group of the catalogue
with its headline tiles and the table of all its indicators (labels and definitions read from the
registry, never re-typed), and a consolidated page's figures per helpline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from hotline.i18n import current_locale, money, number
from hotline.i18n import gettext as _
from hotline.refusals import N_
from reports.indicator_data import Values
from reports.indicators import GROUPS, REGISTRY, Indicator, Value

# The tiles of each group: its headline indicators (every one is in the group's table).
HEADLINES = {
    "A": ("A01", "A02", "A07", "A05"),
    "B": ("B02", "B03", "B04", "B08"),
    "C": ("C01", "C02", "C07", "C09"),
    "D": ("D01", "D02", "D05", "D06"),
    "E": ("E01", "E02", "E03"),
    "F": ("F01", "F03", "F04", "F05"),
    "G": ("G01", "G03", "G04"),
}
UNIT_WORDS = {
    "count": N_("nombre"),
    "rate": N_("taux"),
    "seconds": N_("durée"),
    "minutes": N_("minutes"),
    "hours": N_("heures"),
    "eur": N_("euros"),
    "ratio": N_("écart"),
    "score": N_("note sur 5"),
}


def figure(unit: str, value: object) -> str:
    """A value as the reader writes it, with its unit ("—" when there is none)."""
    if value is None:
        return "—"
    if unit == "count":
        return number(Decimal(str(value)), 0)
    if unit in ("rate", "ratio"):
        return f"{number(Decimal(str(value)) * 100, 1)} %"
    if unit == "seconds":
        seconds = float(str(value))
        return f"{number(seconds, 0)} s" if seconds < 600 else f"{number(seconds / 60, 1)} min"
    if unit == "minutes":
        return f"{number(Decimal(str(value)), 1)} min"
    if unit == "hours":
        return f"{number(Decimal(str(value)), 1)} h"
    if unit == "eur":
        return money(Decimal(str(value)))
    return number(Decimal(str(value)), 1)


@dataclass(frozen=True)
class Row:
    """One indicator as the page shows it: in a tile and in its group's table."""

    id: str
    label: str
    definition: str
    unit: str
    value: str
    last_year: str
    is_manual: bool
    change: str = ""  # the change from N−1 ("+2", "−3,5 pts"), empty when either is missing


@dataclass(frozen=True)
class Group:
    """A group of the catalogue: its letter, title, tiles and table."""

    letter: str
    title: str
    tiles: list[Row]
    rows: list[Row]


def change(unit: str, now: object, before: object) -> str:
    """How much a value moved since N−1, signed: rates in percentage points, the others in
    their unit; empty when either value is missing."""
    if now is None or before is None:
        return ""
    moved = Decimal(str(now)) - Decimal(str(before))
    sign = "+" if moved > 0 else ("−" if moved < 0 else "±")
    size = abs(moved)
    if unit in ("rate", "ratio"):
        return f"{sign}{number(size * 100, 1)} {_('pts')}"
    return sign + figure(unit, size)


def _row(indicator: Indicator, values: Values, last: Values) -> Row:
    locale = current_locale()

    def shown(found: Value | None) -> str:
        if indicator.manual:
            return _("saisie manuelle")
        return figure(indicator.unit, None if found is None else found.value)

    return Row(
        id=indicator.id,
        label=indicator.label(locale),
        definition=indicator.definition(locale),
        unit=_(UNIT_WORDS.get(indicator.unit, indicator.unit)),
        value=shown(values.values.get(indicator.id)),
        last_year=shown(last.values.get(indicator.id)),
        is_manual=indicator.manual,
        change=""
        if indicator.manual
        else change(indicator.unit, _number(values, indicator.id), _number(last, indicator.id)),
    )


def _number(values: Values, indicator_id: str) -> object:
    found = values.values.get(indicator_id)
    return None if found is None else found.value


def groups(values: Values, last: Values) -> list[Group]:
    """Every group of the catalogue, in order, its indicators in the registry's order."""
    english = current_locale().startswith("en")
    out = []
    for letter, names in GROUPS.items():
        rows = [_row(i, values, last) for i in REGISTRY.values() if i.group == letter]
        by_id = {row.id: row for row in rows}
        tiles = [by_id[i] for i in HEADLINES[letter] if i in by_id]
        out.append(Group(letter, names[1 if english else 0], tiles, rows))
    return out


# The figures shown side by side per helpline when the page is consolidated.
PER_HELPLINE = ("A01", "A02", "B02", "B08", "C01", "D02", "F01")


@dataclass(frozen=True)
class HelplineTable:
    """The consolidated page's table: one line per helpline, one column per indicator."""

    columns: list[str]
    units: list[str]
    rows: list[tuple[str, list[str]]]


def per_helpline(values: Values, names: Mapping[int, str]) -> HelplineTable:
    """The headline figures of each helpline of a consolidated page (the helpline breakdown)."""
    locale = current_locale()
    indicators = [REGISTRY[i] for i in PER_HELPLINE]
    rows = []
    for helpline_id, name in names.items():
        cells = []
        for indicator in indicators:
            found = values.breakdowns.get((indicator.id, "helpline"), {}).get(str(helpline_id))
            cells.append(figure(indicator.unit, None if found is None else found.value))
        rows.append((name, cells))
    return HelplineTable(
        [f"{i.id} · {i.label(locale)}" for i in indicators],
        [_(UNIT_WORDS.get(i.unit, i.unit)) for i in indicators],
        rows,
    )
