"""Invoice check: provider CSV lines read in their usual forms, paired with our sessions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from interpreter_pool.invoices import (
    InvoiceLine,
    OurSession,
    SideTotals,
    check_totals,
    match_invoice,
    parse_amount,
    parse_duration,
    parse_invoice_csv,
)

PARIS = ZoneInfo("Europe/Paris")


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("930", 930), ("15:30", 930), ("00:15:30", 930), ("1:02:03", 3723), ("16 min", 960)],
)
def test_durations_in_the_forms_providers_write(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "amount"),
    [("56,00 €", "56.00"), ("56.00", "56.00"), ("1 234,50", "1234.50"), ("1.234,50", "1234.50")],
)
def test_amounts_with_a_decimal_comma_or_point(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


def test_a_french_invoice_is_read_and_unreadable_lines_are_named() -> None:
    text = (
        "\ufeffDate;Heure;Durée;Langue;Montant\n"
        "23/11/2026;10:02;00:16:00;arabe;56,00 €\n"
        "23/11/2026;11h30;17:00;tigrigna;59,50\n"
        "24/11/2026;09:00;douze minutes;ar;42,00\n"
        "24/11/2026;09:30;600;klingon;15,00\n"
    )
    lines, errors = parse_invoice_csv(text, "Europe/Paris")
    assert [(line.number, line.language, line.duration_s) for line in lines] == [
        (2, "ar", 960),
        (3, "ti", 1020),
    ]
    assert lines[1].started_at == at(23, 11, 30)
    assert errors == [
        "ligne 4 : durée illisible « douze minutes »",
        "ligne 5 : langue inconnue « klingon »",
    ]


def test_the_check_lists_what_matches_what_differs_and_what_is_missing() -> None:
    text = (
        "2026-11-23,10:02,960,ar,56.00\n"  # ours: 10:00, 16 min, 56.00 → ok
        "2026-11-23,11:31,1500,ti,87.50\n"  # ours: 11:30, 17 min → duration differs
        "2026-11-23,15:00,600,ar,52.50\n"  # ours: 15:01, 10 min, 52.50 → ok (minimum)
        "2026-11-24,09:00,900,ar,60.00\n"  # ours: 09:00, 15 min, 52.50 → amount differs
        "2026-11-25,08:00,900,ar,52.50\n"  # nothing of ours
    )
    lines, errors = parse_invoice_csv(text, "Europe/Paris")
    assert errors == []
    ours = [
        OurSession(1, "2026-00001", at(23, 10, 0), 960, "ar", Decimal("56.00")),
        OurSession(2, "2026-00002", at(23, 11, 30), 1020, "ti", Decimal("59.50")),
        OurSession(3, "2026-00003", at(23, 15, 1), 600, "ar", Decimal("52.50")),
        OurSession(4, "2026-00004", at(24, 9, 0), 900, "ar", Decimal("52.50")),
        OurSession(5, "2026-00005", at(26, 14, 0), 700, "ar", Decimal("52.50")),
    ]
    findings = match_invoice(lines, ours)
    assert [(f.kind, f.session.session_id if f.session else None) for f in findings] == [
        ("ok", 1),
        ("duration", 2),
        ("ok", 3),
        ("amount", 4),
        ("missing_in_ours", None),
        ("missing_in_invoice", 5),
    ]
    assert findings[1].message == (
        "ligne 2 / 2026-00002 : durée facturée 25 min 00 s, mesurée 17 min 00 s"
    )
    assert findings[3].message == (
        "ligne 4 / 2026-00004 : montant facturé 60.00 €, calculé 52.50 €"
    )


def test_a_session_is_paired_once_and_the_language_must_agree() -> None:
    lines, _ = parse_invoice_csv(
        "2026-11-23;10:00;960;ar;56,00\n2026-11-23;10:01;960;ar;56,00\n", "Europe/Paris"
    )
    ours = [OurSession(1, "2026-00001", at(23, 10, 0), 960, "ti", Decimal("56.00"))]
    kinds = [f.kind for f in match_invoice(lines, ours)]
    assert kinds == ["missing_in_ours", "missing_in_ours", "missing_in_invoice"]


def test_the_totals_of_a_check_count_each_line_and_each_session_once() -> None:
    line = InvoiceLine(2, at(23, 10, 0), 17, "ar", Decimal("3.50"))
    extra = InvoiceLine(3, at(25, 9, 0), 900, "ar", Decimal("52.50"))
    ours = OurSession(1, "2026-00001", at(23, 10, 1), 17, "ar", Decimal("3.50"))
    unbilled = OurSession(2, "2026-00002", at(24, 14, 0), 1200, "ar", Decimal("70.00"))
    findings = match_invoice([line, extra], [ours, unbilled])
    assert [f.kind for f in findings] == ["ok", "missing_in_ours", "missing_in_invoice"]
    totals = check_totals(findings)
    assert totals.invoice == SideTotals(2, 917, Decimal("56.00"))
    assert totals.ours == SideTotals(2, 1217, Decimal("73.50"))
    assert totals.difference == SideTotals(0, -300, Decimal("-17.50"))
    assert check_totals([]).difference == SideTotals()
