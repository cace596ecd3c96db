"""The reports page's period and filters, read from a query string (pure: what a person may
choose is given, nothing is looked up).

The period defaults to the current year to date; the comparison period is the same local dates
one year earlier (N−1). What cannot be understood is left out and said, and the form shows again
what was typed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from hotline.refusals import N_, Refusal
from reports.finance_filters import BAD_DATE, BAD_PERIOD, parse_date

FIELDS = ("from", "to", "helpline", "category", "profession", "territory", "language", "provider")
TYPED_MAX = 80
MAX_DAYS = 731  # two years at most: a report, not the whole history

TOO_LONG = N_("La période dépasse deux ans : choisissez-en une plus courte.")
OUT_OF_RANGE = N_("Date « {value} » hors des années 2000 à 2100.")
UNKNOWN = {
    "helpline": N_("Permanence « {value} » inconnue ou hors de celles que vous suivez."),
    "category": N_("Catégorie « {value} » inconnue."),
    "profession": N_("Profession « {value} » inconnue."),
    "territory": N_("Territoire « {value} » inconnu."),
    "language": N_("Langue « {value} » inconnue."),
    "provider": N_("Prestataire « {value} » inconnu."),
}


@dataclass(frozen=True)
class ReportChoices:
    """What the person may choose from, by filter name (helpline and provider ids as text)."""

    helpline: Collection[str] = ()
    category: Collection[str] = ()
    profession: Collection[str] = ()
    territory: Collection[str] = ()
    language: Collection[str] = ()
    provider: Collection[str] = ()


@dataclass(frozen=True)
class ReportFilters:
    """The period asked for and the filters understood (None keeps every row)."""

    first: date
    last: date
    helpline: int | None = None
    category: str | None = None
    profession: str | None = None
    territory: str | None = None
    language: str | None = None
    provider: str | None = None

    def args(self) -> dict[str, str]:
        """The query string of these filters, empty values left out."""
        values = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "helpline": str(self.helpline or ""),
            "category": self.category or "",
            "profession": self.profession or "",
            "territory": self.territory or "",
            "language": self.language or "",
            "provider": self.provider or "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class ParsedReport:
    """The filters understood, the refusals to show, and what was typed in each field."""

    filters: ReportFilters
    problems: list[Refusal] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)


def _date(text: str, problems: list[Refusal], name: str) -> date | None:
    try:
        found = parse_date(text)
    except ValueError:
        problems.append(Refusal(BAD_DATE, value=text, field=name))
        return None
    if not 2000 <= found.year <= 2100:
        problems.append(Refusal(OUT_OF_RANGE, value=text, field=name))
        return None
    return found


def parse_report(args: Mapping[str, str], choices: ReportChoices, today: date) -> ParsedReport:
    """The period (default: 1 January to ``today``) and filters from a query string, each value
    checked against ``choices``."""
    typed = {name: args.get(name, "").strip()[:TYPED_MAX] for name in FIELDS if args.get(name)}
    problems: list[Refusal] = []
    first = _date(typed["from"], problems, "from") if typed.get("from") else None
    last = _date(typed["to"], problems, "to") if typed.get("to") else None
    first = first or date(today.year if last is None else last.year, 1, 1)
    last = last or max(today, first)
    if first > last:
        problems.append(Refusal(BAD_PERIOD))
        first, last = date(today.year, 1, 1), today
    elif (last - first).days >= MAX_DAYS:
        problems.append(Refusal(TOO_LONG))
        first, last = date(today.year, 1, 1), today
    values: dict[str, object] = {}
    for name, unknown in UNKNOWN.items():
        text = typed.get(name, "")
        if not text:
            continue
        if text not in choices.__getattribute__(name):
            problems.append(Refusal(unknown, value=text))
        else:
            values[name] = int(text) if name == "helpline" else text
    return ParsedReport(ReportFilters(first, last, **values), problems, typed)  # type: ignore[arg-type]
