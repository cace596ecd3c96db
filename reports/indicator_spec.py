"""What an indicator is: its identity, texts in French and English, breakdowns, and its value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from reports.indicator_facts import Facts, Period

Number = int | float | Decimal

GROUPS = {
    "A": ("Activité", "Activity"),
    "B": ("Accessibilité et délais de réponse", "Reachability and service level"),
    "C": ("Interprétariat", "Interpreting"),
    "D": ("Rappels et suivi", "Callbacks and follow-up"),
    "E": ("Professionnels et réseau", "Professionals and network"),
    "F": ("Finances", "Finance"),
    "G": ("Qualité du service et des données", "Quality"),
}
# The keys a breakdown may use; "month" splits the period, the others split the rows.
BREAKDOWNS = (
    "month",
    "helpline",
    "category",
    "profession",
    "territory",
    "language",
    "provider",
    "structure",
)
UNITS = ("count", "rate", "seconds", "minutes", "hours", "eur", "ratio", "score")


@dataclass(frozen=True)
class Value:
    """An indicator's figure, its secondary figures (a distribution, a median beside a P90…)
    and, where the definition asks for one, a list of references or codes."""

    value: Number | None
    extra: Mapping[str, Number | None] = field(default_factory=dict)
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue (shared/INDICATORS.md §2), defined once.

    ``compute`` is a pure function of the rows and the period; a manual indicator has none and
    is typed in by the programme (its ``manual`` flag says so).
    """

    id: str
    label_fr: str
    label_en: str
    unit: str
    definition_fr: str
    definition_en: str
    breakdowns: tuple[str, ...] = ()
    additive: bool = False
    compute: Callable[[Facts, Period], Value] | None = None
    manual: bool = False
    version: int = 1

    @property
    def group(self) -> str:
        """The catalogue's group letter, A to G."""
        return self.id[0]

    def label(self, locale: str) -> str:
        """The label in the reader's language."""
        return self.label_en if locale.startswith("en") else self.label_fr

    def definition(self, locale: str) -> str:
        """The definition in the reader's language."""
        return self.definition_en if locale.startswith("en") else self.definition_fr
