"""Which budget line an interpreting ledger entry is charged to (pure rules).

Every ledger entry is charged to exactly one budget line, or to none (it is then *unfunded*,
listed as such, never dropped and never counted twice). The line is chosen when the entry is
posted, from the entry's facts (the local service date, the helpline, the structure the
professional called for, the provider, the language) and the budget lines, by these rules:

1. *Cover.* A line covers an entry when its period (``starts_on`` to ``ends_on``, both local
   dates, inclusive) holds the service date and its scope matches the entry: scope ``all``
   matches every entry; ``helpline``, ``structure``, ``provider`` and ``language`` match an
   entry whose fact of that kind equals the line's scope value (an entry without a structure is
   matched by no structure line). No line covers the entry: it is unfunded.
2. *Most specific scope first.* Among covering lines, the scope ranks structure > provider >
   language > helpline > all: an establishment's envelope is spent before a provider's, a
   provider's before a language's, a language's before a programme's, and the catch-all line
   takes only what nothing narrower covers.
3. *Then priority.* Among equally specific lines, the smaller priority (the finance officer's
   ordering) wins.
4. *Then age.* Still tied: the smaller id (the line created first).

The choice carries which rule decided (:class:`Rule`), so that the console can say why an entry
sits on its line. The choice depends neither on the order the lines are given in nor on their
amounts: a line that is exhausted still takes what it covers (its policy, not the assignment,
decides what an exhausted line does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Scope(StrEnum):
    """What a budget line funds."""

    STRUCTURE = "structure"
    PROVIDER = "provider"
    LANGUAGE = "language"
    HELPLINE = "helpline"
    ALL = "all"


# Most specific first: the position is the rank (0 wins).
SPECIFICITY: tuple[Scope, ...] = (
    Scope.STRUCTURE,
    Scope.PROVIDER,
    Scope.LANGUAGE,
    Scope.HELPLINE,
    Scope.ALL,
)


class Rule(StrEnum):
    """Which rule decided a choice."""

    UNFUNDED = "unfunded"  # no line covers the entry
    ONLY_LINE = "only_line"  # exactly one line covers it
    MOST_SPECIFIC = "most_specific"  # the chosen line's scope is narrower than the others'
    PRIORITY = "priority"  # as specific as another, with a smaller priority
    OLDEST = "oldest"  # as specific and as high in priority: the smaller id


@dataclass(frozen=True)
class EntryFacts:
    """What the rules know of a ledger entry."""

    service_on: date
    helpline_id: int | None = None
    structure_id: int | None = None
    provider_id: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class Line:
    """A budget line as the rules see it; ``scope_value`` is the id (or the language code) of
    the scope, None for ``all``."""

    id: int
    scope: Scope
    scope_value: int | str | None
    starts_on: date
    ends_on: date
    priority: int = 100

    @property
    def rank(self) -> int:
        """The scope's position in :data:`SPECIFICITY` (0: the most specific)."""
        return SPECIFICITY.index(self.scope)

    @property
    def order(self) -> tuple[int, int, int]:
        """The sort key of the rules: specificity, then priority, then id."""
        return (self.rank, self.priority, self.id)


@dataclass(frozen=True)
class Choice:
    """The line an entry is charged to (None: unfunded), and the rule that decided."""

    line: Line | None
    rule: Rule

    @property
    def line_id(self) -> int | None:
        """The chosen line's id, None when unfunded."""
        return None if self.line is None else self.line.id


def scope_matches(line: Line, facts: EntryFacts) -> bool:
    """Whether the line's scope takes this entry (whatever the dates)."""
    if line.scope is Scope.ALL:
        return True
    value: int | str | None = {
        Scope.STRUCTURE: facts.structure_id,
        Scope.PROVIDER: facts.provider_id,
        Scope.LANGUAGE: facts.language,
        Scope.HELPLINE: facts.helpline_id,
    }[line.scope]
    return value is not None and value == line.scope_value


def covers(line: Line, facts: EntryFacts) -> bool:
    """Rule 1: the period holds the service date and the scope matches."""
    return line.starts_on <= facts.service_on <= line.ends_on and scope_matches(line, facts)


def choose_line(lines: Iterable[Line], facts: EntryFacts) -> Choice:
    """The one line the entry is charged to, by rules 1 to 4."""
    covering = sorted((line for line in lines if covers(line, facts)), key=lambda li: li.order)
    if not covering:
        return Choice(None, Rule.UNFUNDED)
    best = covering[0]
    if len(covering) == 1:
        return Choice(best, Rule.ONLY_LINE)
    runner_up = covering[1]
    if best.rank != runner_up.rank:
        return Choice(best, Rule.MOST_SPECIFIC)
    if best.priority != runner_up.priority:
        return Choice(best, Rule.PRIORITY)
    return Choice(best, Rule.OLDEST)


def totals_by_line(
    amounts: Iterable[tuple[int | None, Decimal]],
) -> dict[int | None, Decimal]:
    """Amounts summed per line id (the key None holds the unfunded amounts)."""
    totals: dict[int | None, Decimal] = {}
    for line_id, amount in amounts:
        totals[line_id] = totals.get(line_id, Decimal(0)) + amount
    return totals
