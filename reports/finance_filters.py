"""The finance pages' filters: period, helpline, budget line, provider, language and structure,
read from a query string (pure: the ids a person may choose are given, nothing is looked up).

Every finance page and every export reads the same filters, so an export holds what its page
shows. What cannot be understood is left out and said, and the form shows what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from hotline.refusals import N_, Refusal

# The query string's names, in the form's order.
FIELDS = ("from", "to", "helpline", "budget_line", "provider", "language", "structure")
# The budget line filter's value for the entries no line covers.
UNFUNDED = "none"
TYPED_MAX = 40
# Without a period asked for, the pages read the current local month and the eleven before it.
DEFAULT_MONTHS = 12

BAD_DATE = N_("Date « {value} » illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ.")
BAD_PERIOD = N_("La période commence après sa fin : vérifiez les dates « du » et « au ».")
UNKNOWN_HELPLINE = N_("Permanence « {value} » inconnue ou hors de celles que vous suivez.")
UNKNOWN_BUDGET_LINE = N_("Ligne budgétaire « {value} » inconnue.")
UNKNOWN_PROVIDER = N_("Prestataire « {value} » inconnu.")
UNKNOWN_LANGUAGE = N_("Langue « {value} » inconnue.")
UNKNOWN_STRUCTURE = N_("Structure « {value} » inconnue.")
BAD_PAGE = N_("Page « {value} » illisible.")


@dataclass(frozen=True)
class FilterChoices:
    """What a person may choose from: the ids of their helplines, the budget lines, providers
    and structures, and the language codes."""

    helpline_ids: Collection[int] = ()
    budget_line_ids: Collection[int] = ()
    provider_ids: Collection[int] = ()
    structure_ids: Collection[int] = ()
    languages: Collection[str] = ()


@dataclass(frozen=True)
class FinanceFilters:
    """What the finance officer asked for; an empty filter keeps everything he may see."""

    date_from: date | None = None
    date_to: date | None = None
    helpline_id: int | None = None
    budget_line_id: int | None = None
    unfunded: bool = False
    provider_id: int | None = None
    language: str | None = None
    structure_id: int | None = None
    page: int = 1
    # ``date_from`` is the default period's start, not asked for (left out of the query string).
    is_default_period: bool = False

    def args(self, **changes: object) -> dict[str, str]:
        """The query string of these filters (with ``changes``), empty values left out."""
        shown = replace(self, **changes)  # type: ignore[arg-type]
        budget_line = UNFUNDED if shown.unfunded else str(shown.budget_line_id or "")
        asked_from = shown.date_from if not shown.is_default_period else None
        values = {
            "from": asked_from.isoformat() if asked_from else "",
            "to": shown.date_to.isoformat() if shown.date_to else "",
            "helpline": str(shown.helpline_id or ""),
            "budget_line": budget_line,
            "provider": str(shown.provider_id or ""),
            "language": shown.language or "",
            "structure": str(shown.structure_id or ""),
            "page": str(shown.page) if shown.page > 1 else "",
        }
        return {key: value for key, value in values.items() if value}

    @property
    def is_empty(self) -> bool:
        """No filter chosen (the page is not counted)."""
        return not replace(self, page=1).args()


@dataclass(frozen=True)
class ParsedFinanceFilters:
    """The filters understood, what could not be (each a refusal to show), and what was typed
    in each field (to show it again in the form)."""

    filters: FinanceFilters
    problems: list[Refusal] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)


def parse_date(text: str) -> date:
    """A date as a French person or a date field writes it (2026-11-23, 23/11/2026)."""
    value = text.strip()
    found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return date(year, month, day)
    return date.fromisoformat(value)


def _id(text: str) -> int | None:
    """A positive database id, or None (no sign, no exponent, no other digits than 0-9)."""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        return None
    return int(text) or None


def parse_finance_filters(args: Mapping[str, str], choices: FilterChoices) -> ParsedFinanceFilters:
    """The finance filters from a query string, each id checked against ``choices``."""
    typed = {name: args.get(name, "").strip()[:TYPED_MAX] for name in FIELDS if args.get(name, "")}
    problems: list[Refusal] = []
    values: dict[str, object] = {}
    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        text = typed.get(name, "")
        if text:
            try:
                values[attribute] = parse_date(text)
            except ValueError:
                problems.append(Refusal(BAD_DATE, value=text, field=name))
    start, end = values.get("date_from"), values.get("date_to")
    if isinstance(start, date) and isinstance(end, date) and start > end:
        problems.append(Refusal(BAD_PERIOD))
        del values["date_from"], values["date_to"]
    if typed.get("budget_line") == UNFUNDED:
        values["unfunded"] = True
    for name, attribute, allowed, unknown in (
        ("helpline", "helpline_id", choices.helpline_ids, UNKNOWN_HELPLINE),
        ("budget_line", "budget_line_id", choices.budget_line_ids, UNKNOWN_BUDGET_LINE),
        ("provider", "provider_id", choices.provider_ids, UNKNOWN_PROVIDER),
        ("structure", "structure_id", choices.structure_ids, UNKNOWN_STRUCTURE),
    ):
        text = typed.get(name, "")
        if not text or (values.get("unfunded") and name == "budget_line"):
            continue
        found = _id(text)
        if found is None or found not in allowed:
            problems.append(Refusal(unknown, value=text))
        else:
            values[attribute] = found
    language = typed.get("language", "")
    if language:
        if language in choices.languages:
            values["language"] = language
        else:
            problems.append(Refusal(UNKNOWN_LANGUAGE, value=language))
    page_text = args.get("page", "").strip()
    if page_text:
        page = _id(page_text)
        if page is None:
            problems.append(Refusal(BAD_PAGE, value=page_text[:TYPED_MAX]))
        else:
            values["page"] = min(page, 100_000)
    return ParsedFinanceFilters(FinanceFilters(**values), problems, typed)  # type: ignore[arg-type]


def problem_ids(problems: Sequence[Refusal]) -> dict[str, str]:
    """The id of the message about each field (a refusal's ``field`` value), by field name: the
    filters' form gives the message that id and ties its input to it (aria-describedby)."""
    return {
        str(problem.values["field"]): f"filter-problem-{number}"
        for number, problem in enumerate(problems, 1)
        if "field" in problem.values
    }


def default_period_start(today: date) -> date:
    """The first day of the local month ``DEFAULT_MONTHS - 1`` months before ``today``'s."""
    months = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def with_default_period(parsed: ParsedFinanceFilters, today: date) -> ParsedFinanceFilters:
    """The filters, reading the last ``DEFAULT_MONTHS`` months when no period was typed (a
    region's years of ledger are not read at each visit); typing an earlier date reads more."""
    if parsed.typed.get("from") or parsed.typed.get("to"):
        return parsed
    start = default_period_start(today)
    filters = replace(parsed.filters, date_from=start, is_default_period=True)
    return ParsedFinanceFilters(filters, parsed.problems, parsed.typed)
