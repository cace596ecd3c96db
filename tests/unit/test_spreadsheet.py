"""CSV cells that a spreadsheet would run as formulas are neutralised; uploads are decoded."""

from __future__ import annotations

import pytest

from hotline.inputs import parse_id
from hotline.spreadsheet import NotTextError, csv_text, decode_upload, neutralise


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
