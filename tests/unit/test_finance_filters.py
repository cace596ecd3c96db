"""The finance filters read from a query string: what is understood, and what is said when not."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.i18n import say
from reports.finance_filters import (
    BAD_DATE,
    BAD_PERIOD,
    UNKNOWN_BUDGET_LINE,
    UNKNOWN_HELPLINE,
    UNKNOWN_LANGUAGE,
    UNKNOWN_PROVIDER,
    UNKNOWN_STRUCTURE,
    FilterChoices,
    FinanceFilters,
    parse_finance_filters,
    with_default_period,
)

CHOICES = FilterChoices(
    helpline_ids={1, 2},
    budget_line_ids={10},
    provider_ids={7},
    structure_ids={5},
    languages={"ar", "ps"},
)


def test_every_filter_is_read_from_the_query_string() -> None:
    parsed = parse_finance_filters(
        {
            "from": "01/11/2026",
            "to": "2026-11-30",
            "helpline": "2",
            "budget_line": "10",
            "provider": "7",
            "language": "ar",
            "structure": "5",
            "page": "3",
        },
        CHOICES,
    )
    assert parsed.problems == []
    assert parsed.filters == FinanceFilters(
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        helpline_id=2,
        budget_line_id=10,
        provider_id=7,
        language="ar",
        structure_id=5,
        page=3,
    )


def test_the_filters_give_back_the_query_string_they_were_read_from() -> None:
    args = {"from": "2026-11-01", "helpline": "1", "budget_line": "none", "language": "ps"}
    parsed = parse_finance_filters(args, CHOICES)
    assert parsed.filters.unfunded and parsed.filters.budget_line_id is None
    assert parsed.filters.args() == args
    assert parsed.filters.args(page=2) == {**args, "page": "2"}
    assert FinanceFilters(page=4).is_empty and not parsed.filters.is_empty


def test_nothing_asked_keeps_everything() -> None:
    parsed = parse_finance_filters({}, CHOICES)
    assert parsed.filters == FinanceFilters() and parsed.problems == [] and parsed.typed == {}


@pytest.mark.parametrize(
    ("name", "value", "msgid"),
    [
        ("from", "31/02/2026", BAD_DATE),
        ("to", "demain", BAD_DATE),
        ("helpline", "3", UNKNOWN_HELPLINE),
        ("helpline", "-1", UNKNOWN_HELPLINE),
        ("budget_line", "11", UNKNOWN_BUDGET_LINE),
        ("provider", "1e3", UNKNOWN_PROVIDER),
        ("structure", "٥", UNKNOWN_STRUCTURE),
        ("language", "xx", UNKNOWN_LANGUAGE),
    ],
)
def test_a_bad_value_is_said_left_out_and_kept_as_typed(name: str, value: str, msgid: str) -> None:
    parsed = parse_finance_filters({name: value, "language": "ar"} | {name: value}, CHOICES)
    assert [problem.msgid for problem in parsed.problems] == [msgid]
    assert value in say(parsed.problems[0]) or msgid == BAD_PERIOD
    assert parsed.typed[name] == value
    assert name not in parsed.filters.args()


def test_a_period_ending_before_it_starts_is_refused_in_french() -> None:
    parsed = parse_finance_filters({"from": "2026-12-01", "to": "2026-11-01"}, CHOICES)
    assert [say(problem) for problem in parsed.problems] == [
        "La période commence après sa fin : vérifiez les dates « du » et « au »."
    ]
    assert parsed.filters.date_from is None and parsed.filters.date_to is None
    assert parsed.typed == {"from": "2026-12-01", "to": "2026-11-01"}


def test_an_unknown_helpline_is_said_in_french() -> None:
    parsed = parse_finance_filters({"helpline": "9"}, CHOICES)
    assert say(parsed.problems[0]) == (
        "Permanence « 9 » inconnue ou hors de celles que vous suivez."
    )


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 11, 23), date(2025, 12, 1)),
        (date(2026, 1, 1), date(2025, 2, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
    ],
)
def test_without_a_typed_period_the_pages_read_this_month_and_the_eleven_before(
    today: date, start: date
) -> None:
    parsed = with_default_period(parse_finance_filters({}, FilterChoices()), today)
    assert parsed.filters.date_from == start and parsed.filters.is_default_period
    assert parsed.filters.is_empty and "from" not in parsed.filters.args()
    typed = with_default_period(parse_finance_filters({"to": "2026-03-31"}, FilterChoices()), today)
    assert typed.filters.date_from is None and not typed.filters.is_default_period
