"""The report's anonymised sheet: one row per request, codes and days only (pure).

Never a name, a phone number or free text: the row is built from the fields listed here and
nothing else. For outside readers, a describing value that fewer requests than the threshold
share is masked, as the small cells of the other sheets are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from hotline.spreadsheet import Column, Sheet
from reports.report_texts import text


class Small(Protocol):
    """What masks a small count (``reports.report_content.Masker``)."""

    label: str

    def small(self, count: object) -> bool:
        """Whether a count is small enough to point to someone."""


@dataclass(frozen=True)
class RequestRow:
    """One request as the anonymised sheet shows it: codes and dates, nothing that names."""

    reference: str
    opened_on: date
    closed_on: date | None
    channel: str
    category: str | None
    language: str | None
    outcome: str | None
    orientation: str | None
    profession: str | None
    territory: str | None
    structure: str | None
    interpreting_sessions: int


DESCRIBING = (
    "channel",
    "category",
    "language",
    "outcome",
    "orientation",
    "profession",
    "territory",
    "structure",
)


def data_sheet(requests: Sequence[RequestRow], locale: str, masker: Small) -> Sheet:
    """One row per request opened in the period: reference, days, codes; never a name, a
    number or notes. For outside readers, a describing value fewer than the threshold share is
    masked."""
    columns = [
        Column(text("reference", locale), "text", 12),
        Column(text("opened", locale), "date", 11),
        Column(text("closed", locale), "date", 11),
        Column(text("days_open", locale), "integer", 9),
        Column(text("channel", locale), "text", 10),
        Column(text("key:category", locale), "text", 14),
        Column(text("key:language", locale), "text", 10),
        Column(text("outcome", locale), "text", 16),
        Column(text("orientation", locale), "text", 14),
        Column(text("key:profession", locale), "text", 14),
        Column(text("key:territory", locale), "text", 18),
        Column(text("key:structure", locale), "text", 14),
        Column(text("interpreting", locale), "integer", 10),
    ]
    shared = {name: Counter(getattr(row, name) for row in requests) for name in DESCRIBING}

    def describing(row: RequestRow, name: str) -> object:
        value = getattr(row, name)
        if value is None:
            return None
        return masker.label if masker.small(shared[name][value]) else value

    rows = [
        [
            row.reference,
            row.opened_on,
            row.closed_on,
            None if row.closed_on is None else (row.closed_on - row.opened_on).days,
            *(describing(row, name) for name in DESCRIBING),
            row.interpreting_sessions,
        ]
        for row in requests
    ]
    return Sheet(text("data", locale), columns, rows)
