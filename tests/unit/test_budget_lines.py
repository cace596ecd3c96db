"""Budget lines: every entry charged to at most one line, by scope, priority and age."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interpreter_pool.budget_lines import (
    SPECIFICITY,
    Choice,
    EntryFacts,
    Line,
    Rule,
    Scope,
    choose_line,
    covers,
    totals_by_line,
)

YEAR = date(2026, 1, 1)
HELPLINES = st.sampled_from([1, 2])
STRUCTURES = st.sampled_from([10, 11, 12])
PROVIDERS = st.sampled_from([20, 21])
LANGUAGES = st.sampled_from(["ar", "ps", "uk"])
DAYS = st.integers(0, 500).map(lambda n: YEAR + timedelta(days=n))


def _value(scope: Scope) -> st.SearchStrategy[int | str | None]:
    return {
        Scope.STRUCTURE: STRUCTURES,
        Scope.PROVIDER: PROVIDERS,
        Scope.LANGUAGE: LANGUAGES,
        Scope.HELPLINE: HELPLINES,
        Scope.ALL: st.none(),
    }[scope]


@st.composite
def lines(draw: st.DrawFn, line_id: int) -> Line:
    scope = draw(st.sampled_from(Scope))
    starts_on = draw(DAYS)
    return Line(
        id=line_id,
        scope=scope,
        scope_value=draw(_value(scope)),
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=draw(st.integers(0, 400))),
        priority=draw(st.integers(1, 3)),
    )


@st.composite
def budget(draw: st.DrawFn) -> list[Line]:
    ids = draw(st.lists(st.integers(1, 1000), unique=True, max_size=8))
    return [draw(lines(line_id)) for line_id in ids]


FACTS = st.builds(
    EntryFacts,
    service_on=DAYS,
    helpline_id=st.none() | HELPLINES,
    structure_id=st.none() | STRUCTURES,
    provider_id=st.none() | PROVIDERS,
    language=st.none() | LANGUAGES,
)
ENTRIES = st.lists(
    st.tuples(FACTS, st.decimals(-500, 500, places=2, allow_nan=False, allow_infinity=False)),
    max_size=30,
)


@given(budget(), ENTRIES)
def test_every_entry_is_charged_to_one_covering_line_iff_some_line_covers_it(
    budget_lines: list[Line], entries: list[tuple[EntryFacts, Decimal]]
) -> None:
    for facts, _amount in entries:
        choice = choose_line(budget_lines, facts)
        covering = [line for line in budget_lines if covers(line, facts)]
        assert (choice.line is None) == (not covering)
        assert (choice.rule is Rule.UNFUNDED) == (not covering)
        if choice.line is not None:
            assert choice.line in covering
            # exactly one line: no other covering line has the same sort key
            assert sum(1 for line in covering if line.order == choice.line.order) == 1


@given(budget(), FACTS)
def test_the_chosen_line_is_never_less_specific_than_another_covering_line(
    budget_lines: list[Line], facts: EntryFacts
) -> None:
    chosen = choose_line(budget_lines, facts).line
    for line in budget_lines:
        if covers(line, facts):
            assert chosen is not None
            assert chosen.rank <= line.rank
            if chosen.rank == line.rank:
                assert (chosen.priority, chosen.id) <= (line.priority, line.id)


@given(budget(), FACTS, st.randoms(use_true_random=False))
def test_the_choice_does_not_depend_on_the_order_of_the_lines(
    budget_lines: list[Line], facts: EntryFacts, order: object
) -> None:
    shuffled = list(budget_lines)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert choose_line(shuffled, facts) == choose_line(budget_lines, facts)


@given(budget(), ENTRIES)
def test_the_lines_and_the_unfunded_sum_to_the_ledger_total(
    budget_lines: list[Line], entries: list[tuple[EntryFacts, Decimal]]
) -> None:
    totals = totals_by_line(
        (choose_line(budget_lines, facts).line_id, amount) for facts, amount in entries
    )
    assert sum(totals.values(), Decimal(0)) == sum((a for _f, a in entries), Decimal(0))
    known = {line.id for line in budget_lines} | {None}
    assert set(totals) <= known
    for line_id, total in totals.items():
        assert total == sum(
            (a for f, a in entries if choose_line(budget_lines, f).line_id == line_id),
            Decimal(0),
        )


HELPLINE_LINE = Line(1, Scope.HELPLINE, 1, date(2026, 1, 1), date(2026, 12, 31))
STRUCTURE_LINE = Line(2, Scope.STRUCTURE, 10, date(2026, 1, 1), date(2026, 12, 31))
ALL_LINE = Line(3, Scope.ALL, None, date(2026, 1, 1), date(2026, 12, 31))


def _on(day: date, helpline_id: int, structure_id: int) -> EntryFacts:
    return EntryFacts(day, helpline_id=helpline_id, structure_id=structure_id)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (_on(date(2026, 5, 4), 1, 10), Choice(STRUCTURE_LINE, Rule.MOST_SPECIFIC)),
        (_on(date(2026, 5, 4), 1, 11), Choice(HELPLINE_LINE, Rule.MOST_SPECIFIC)),
        (_on(date(2026, 5, 4), 2, 11), Choice(ALL_LINE, Rule.ONLY_LINE)),
        (_on(date(2027, 1, 1), 1, 10), Choice(None, Rule.UNFUNDED)),
        (_on(date(2026, 12, 31), 2, 10), Choice(STRUCTURE_LINE, Rule.MOST_SPECIFIC)),
    ],
)
def test_a_structure_line_goes_before_the_helpline_line_before_the_catch_all(
    facts: EntryFacts, expected: Choice
) -> None:
    assert choose_line([ALL_LINE, HELPLINE_LINE, STRUCTURE_LINE], facts) == expected


def test_equally_specific_lines_are_ordered_by_priority_then_by_id() -> None:
    facts = EntryFacts(date(2026, 3, 1), language="ar")
    first = Line(7, Scope.LANGUAGE, "ar", date(2026, 1, 1), date(2026, 12, 31), priority=50)
    second = Line(3, Scope.LANGUAGE, "ar", date(2026, 1, 1), date(2026, 12, 31), priority=100)
    assert choose_line([second, first], facts) == Choice(first, Rule.PRIORITY)
    twin = Line(9, Scope.LANGUAGE, "ar", date(2026, 1, 1), date(2026, 12, 31), priority=50)
    assert choose_line([twin, first], facts) == Choice(first, Rule.OLDEST)


def test_the_specificity_order_is_structure_provider_language_helpline_all() -> None:
    assert SPECIFICITY == (
        Scope.STRUCTURE,
        Scope.PROVIDER,
        Scope.LANGUAGE,
        Scope.HELPLINE,
        Scope.ALL,
    )
    facts = EntryFacts(date(2026, 3, 1), 1, 10, 20, "ar")
    year = (date(2026, 1, 1), date(2026, 12, 31))
    candidates = [
        Line(1, Scope.ALL, None, *year, priority=1),
        Line(2, Scope.HELPLINE, 1, *year, priority=1),
        Line(3, Scope.LANGUAGE, "ar", *year, priority=1),
        Line(4, Scope.PROVIDER, 20, *year, priority=1),
        Line(5, Scope.STRUCTURE, 10, *year, priority=999),
    ]
    while candidates:
        chosen = choose_line(candidates, facts).line
        assert chosen is not None and chosen.id == max(line.id for line in candidates)
        candidates = [line for line in candidates if line is not chosen]


def test_an_entry_without_a_structure_is_matched_by_no_structure_line() -> None:
    assert choose_line([STRUCTURE_LINE], EntryFacts(date(2026, 5, 4))) == Choice(
        None, Rule.UNFUNDED
    )
