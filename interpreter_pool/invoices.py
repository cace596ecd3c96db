"""Checking a provider's monthly invoice against our own timings (pure).

The invoice is a CSV file with one line per session: date, time, duration, language, amount,
in the forms providers use: ``;`` or ``,`` separated, a header line or not, dates as
``2026-11-23`` or ``23/11/2026``, times ``14:05`` or ``14:05:30``, durations in seconds,
``mm:ss`` or ``hh:mm:ss``, languages as a code (``ar``) or a French name (``arabe``), amounts
with a decimal comma or point and an optional ``€``. A line that cannot be read is reported
with its number and why; the others are still checked.

Matching: each invoice line is paired with the closest of our sessions starting within
``time_tolerance_s`` of it, of the same language when the line names one; each session is
paired once. Then a pair differs when the durations differ by more than
``duration_tolerance_s`` or the amounts by more than ``amount_tolerance``. Lines without a
session and sessions without a line are listed too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from interpreter_pool.languages import base_code, language_name, match_spoken_language

DifferenceKind = Literal["ok", "duration", "amount", "missing_in_ours", "missing_in_invoice"]
_HEADER_WORDS = ("date", "heure", "time", "durée", "duree", "duration", "langue", "language")


@dataclass(frozen=True)
class InvoiceLine:
    """One session as the provider bills it."""

    number: int
    started_at: datetime
    duration_s: int
    language: str | None
    amount: Decimal


@dataclass(frozen=True)
class OurSession:
    """One session as we timed and priced it."""

    session_id: int
    reference: str
    started_at: datetime
    duration_s: int
    language: str
    amount: Decimal


@dataclass(frozen=True)
class Difference:
    """A finding of the check; ``ok`` pairs are listed too, to show what matched."""

    kind: DifferenceKind
    line: InvoiceLine | None
    session: OurSession | None
    message: str


def _date(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValueError(f"date illisible « {text} »")


def _time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip().replace("h", ":"))
    except ValueError:
        raise ValueError(f"heure illisible « {text.strip()} »") from None


def parse_duration(text: str) -> int:
    """ "930", "15:30" (min:s), "00:15:30" or "15 min" → seconds."""
    value = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+", value):
        return int(value)
    if match := re.fullmatch(r"(\d+)(min|mn|m)", value):
        return int(match.group(1)) * 60
    parts = value.split(":")
    if 2 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
        numbers = [int(p) for p in parts]
        while len(numbers) < 3:
            numbers.insert(0, 0)
        hours, minutes, seconds = numbers
        if minutes < 60 and seconds < 60:
            return hours * 3600 + minutes * 60 + seconds
    raise ValueError(f"durée illisible « {text.strip()} »")


def parse_amount(text: str) -> Decimal:
    """ "56,00 €", "56.00", "1 234,50" → Decimal."""
    value = text.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
    if "," in value and "." in value:
        value = value.replace(".", "")
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"montant illisible « {text.strip()} »") from None


def _language(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    code = base_code(value) if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]+)*", value) else None
    if code and language_name(code, "fr") != code:
        return code
    match = match_spoken_language(value, [])
    if match is None:
        raise ValueError(f"langue inconnue « {value} »")
    return match.code


def parse_invoice_csv(text: str, tz_name: str) -> tuple[list[InvoiceLine], list[str]]:
    """The invoice's lines, and a message for each line that could not be read."""
    tz = ZoneInfo(tz_name)
    # What spreadsheets write: a BOM, CR (old Mac "CSV Macintosh") or CRLF line ends.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        return [], [f"fichier CSV illisible ({error})"]
    lines: list[InvoiceLine] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and any(w in " ".join(cells).lower() for w in _HEADER_WORDS):
            continue
        if len(cells) < 5:
            errors.append(
                f"ligne {number} : 5 colonnes attendues (date, heure, durée, langue, montant)"
            )
            continue
        try:
            started = datetime.combine(_date(cells[0]), _time(cells[1]), tzinfo=tz)
            lines.append(
                InvoiceLine(
                    number=number,
                    started_at=started,
                    duration_s=parse_duration(cells[2]),
                    language=_language(cells[3]),
                    amount=parse_amount(cells[4]),
                )
            )
        except (ValueError, ArithmeticError) as error:
            errors.append(f"ligne {number} : {error}")
    return lines, errors


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60:02d} s"


def match_invoice(
    lines: Sequence[InvoiceLine],
    sessions: Iterable[OurSession],
    *,
    time_tolerance_s: int = 300,
    duration_tolerance_s: int = 60,
    amount_tolerance: Decimal = Decimal("0.50"),
) -> list[Difference]:
    """Pair invoice lines with our sessions and say what differs (rules in the docstring)."""
    unmatched = sorted(sessions, key=lambda s: s.started_at)
    findings: list[Difference] = []
    for line in sorted(lines, key=lambda item: item.started_at):
        candidates = [
            s
            for s in unmatched
            if abs((s.started_at - line.started_at).total_seconds()) <= time_tolerance_s
            and (line.language is None or s.language == line.language)
        ]
        if not candidates:
            findings.append(
                Difference(
                    "missing_in_ours",
                    line,
                    None,
                    f"ligne {line.number} : aucune séance de notre côté à cette heure",
                )
            )
            continue
        ours = min(candidates, key=lambda s: abs((s.started_at - line.started_at).total_seconds()))
        unmatched.remove(ours)
        if abs(ours.duration_s - line.duration_s) > duration_tolerance_s:
            findings.append(
                Difference(
                    "duration",
                    line,
                    ours,
                    f"ligne {line.number} / {ours.reference} : durée facturée "
                    f"{_minutes(line.duration_s)}, mesurée {_minutes(ours.duration_s)}",
                )
            )
        elif abs(ours.amount - line.amount) > amount_tolerance:
            findings.append(
                Difference(
                    "amount",
                    line,
                    ours,
                    f"ligne {line.number} / {ours.reference} : montant facturé {line.amount} €, "
                    f"calculé {ours.amount} €",
                )
            )
        else:
            findings.append(Difference("ok", line, ours, f"ligne {line.number} / {ours.reference}"))
    for ours in unmatched:
        findings.append(
            Difference(
                "missing_in_invoice",
                None,
                ours,
                f"{ours.reference} : séance absente de la facture",
            )
        )
    return findings


@dataclass(frozen=True)
class SideTotals:
    """What one side of a check adds up to: sessions, seconds and euros."""

    count: int = 0
    duration_s: int = 0
    amount: Decimal = Decimal("0.00")

    def __sub__(self, other: SideTotals) -> SideTotals:
        return SideTotals(
            self.count - other.count,
            self.duration_s - other.duration_s,
            self.amount - other.amount,
        )


@dataclass(frozen=True)
class CheckTotals:
    """The invoice's totals and ours over the same findings, and their difference (invoice
    minus ours: a positive amount is billed beyond what we priced)."""

    invoice: SideTotals
    ours: SideTotals

    @property
    def difference(self) -> SideTotals:
        """Invoice minus ours."""
        return self.invoice - self.ours


def check_totals(findings: Iterable[Difference]) -> CheckTotals:
    """Totals on each side of a check: every read invoice line and every one of our sessions of
    the month appear once in the findings (paired, or alone)."""
    findings = list(findings)
    lines = [f.line for f in findings if f.line is not None]
    sessions = [f.session for f in findings if f.session is not None]
    return CheckTotals(
        SideTotals(
            len(lines),
            sum(line.duration_s for line in lines),
            sum((line.amount for line in lines), Decimal("0.00")),
        ),
        SideTotals(
            len(sessions),
            sum(ours.duration_s for ours in sessions),
            sum((ours.amount for ours in sessions), Decimal("0.00")),
        ),
    )
