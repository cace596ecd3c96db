"""Spreadsheet cells that would run as formulas are neutralised (CSV and XLSX); uploads are
decoded."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from hotline.inputs import parse_id
from hotline.spreadsheet import (
    Column,
    NotTextError,
    Sheet,
    clock_duration,
    csv_export,
    csv_text,
    decode_upload,
    neutralise,
    sheet_name,
    xlsx_export,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1,00", "-1,00"),
        ("+12.5", "+12.5"),
        ("Samira", "Samira"),
        (-3, -3),
    ],
)
def test_neutralise(cell: object, expected: object) -> None:
    assert neutralise(cell) == expected


def test_csv_text_neutralises_every_cell() -> None:
    assert csv_text([["=1+1", "a", 2]]) == "'=1+1;a;2\r\n"


def test_decode_upload() -> None:
    assert decode_upload("a;b\r\nc\rd".encode("utf-8-sig")) == "a;b\nc\nd"
    assert decode_upload("durée;56,00 €".encode("cp1252")) == "durée;56,00 €"
    for raw in (b"\x00abc", b"\x89PNG\r\n\x1a\n", bytes([0x81, 0x8D])):
        with pytest.raises(NotTextError):
            decode_upload(raw)


def test_parse_id() -> None:
    assert parse_id("12") == 12
    for text in ("", "0", "-1", "2147483648", "9" * 30, "1e3", "١٢", None):
        assert parse_id(text) is None


COLUMNS = [
    Column("libellé"),
    Column("séances", "integer"),
    Column("montant", "money"),
    Column("jour", "date"),
    Column("séance", "datetime"),
    Column("durée", "duration"),
]
ROW = ["=HYPERLINK(\"http://x\",\"y\")", 3, Decimal("1234.50"), date(2026, 11, 23),
       datetime(2026, 11, 23, 10, 1, 2), 17]  # fmt: skip
TOTALS = ["Total", 3, Decimal("1234.50"), None, None, 17]


@pytest.mark.parametrize(("seconds", "shown"), [(17, "0:17"), (0, "0:00"), (3725, "62:05"),
                                                (-90, "\u22121:30"), (None, "")])  # fmt: skip
def test_clock_duration_shows_minutes_and_seconds(seconds: int | None, shown: str) -> None:
    assert clock_duration(seconds) == shown


def test_the_french_csv_has_semicolons_decimal_commas_and_french_dates() -> None:
    text = csv_export([Sheet("Grand livre", COLUMNS, [ROW], TOTALS)], french=True)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "libellé;séances;montant;jour;séance;durée"
    assert lines[1] == ('"\'=HYPERLINK(""http://x"",""y"")";3;1234,50;23/11/2026;'
                        "23/11/2026 10:01:02;0:17")  # fmt: skip
    assert lines[2] == "Total;3;1234,50;;;0:17"


def test_the_international_csv_has_commas_decimal_points_and_iso_dates() -> None:
    text = csv_export([Sheet("Grand livre", COLUMNS, [ROW])], french=False)
    assert text.splitlines()[1].endswith(",3,1234.50,2026-11-23,2026-11-23 10:01:02,0:17")


def test_several_sheets_in_one_csv_each_under_its_name() -> None:
    text = csv_export([Sheet("Par mois", COLUMNS[:1], [["a"]]), Sheet("Par langue", COLUMNS[:1],
                       [["b"]])])  # fmt: skip
    assert text.lstrip("\ufeff").splitlines() == [
        "Par mois", "libellé", "a", "", "Par langue", "libellé", "b"
    ]  # fmt: skip


def test_the_xlsx_holds_numbers_as_numbers_and_formula_like_text_as_text() -> None:
    output = io.BytesIO()
    xlsx_export(
        [Sheet("Grand livre", COLUMNS, iter([ROW]), TOTALS), Sheet("a/b:c", COLUMNS, [])], output
    )
    workbook = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
    assert workbook.sheetnames == ["Grand livre", "a b c"]
    sheet = workbook["Grand livre"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("libellé", "séances", "montant", "jour", "séance", "durée")
    assert sheet["A2"].data_type == "s"  # a string, not a formula ("f")
    assert sheet["A2"].value == '\'=HYPERLINK("http://x","y")'
    assert rows[1][1:5] == (3, 1234.5, datetime(2026, 11, 23), datetime(2026, 11, 23, 10, 1, 2))
    assert rows[1][5] == timedelta(seconds=17)
    assert sheet["C2"].number_format == "#,##0.00" and sheet["F2"].number_format == "[m]:ss"
    assert rows[2] == ("Total", 3, 1234.5, None, None, timedelta(seconds=17))
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_sheet_names_are_made_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("Par mois", taken) == "Par mois"
    assert sheet_name("par mois", taken) == "par mois (2)"
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("", taken) == "Feuille"
