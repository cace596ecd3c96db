"""Spreadsheets: CSV, XLSX and ODS exports that carry no formula, imports of what French
spreadsheets write.

Pure: no flask, no sqlalchemy.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Literal

import xlsxwriter
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

# OWASP "CSV injection": a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-1,00", "+12.5") is no formula: it stays a number.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def neutralise(value: object) -> object:
    """A text cell starting like a formula gets a leading ``'`` (numbers are left as they are)."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]], delimiter: str = ";") -> str:
    """Rows as CSV text, every text cell neutralised (what every export of the console uses)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


class NotTextError(ValueError):
    """The upload is not a text file (binary or an unknown encoding)."""


def decode_upload(raw: bytes) -> str:
    """An uploaded CSV as text: UTF-8 (with or without BOM), else Windows-1252; line ends as \\n.

    Raises ``NotTextError`` for binary content (NUL or control bytes no spreadsheet writes).
    """
    if b"\x00" in raw:
        raise NotTextError("binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as error:
            raise NotTextError("encoding") from error
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    if controls:
        raise NotTextError("binary")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Exports of tables: the same sheets written as CSV (French or international number format) or
# XLSX. Text is only ever text: no formula is written, and a text starting like one is
# neutralised as in the CSV, so a provider's label or a name typed as "=HYPERLINK(…)" stays text.
ColumnKind = Literal["text", "integer", "decimal", "money", "date", "datetime", "duration"]
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
# A duration is a number of days in a spreadsheet; "[m]:ss" shows 17 s as 0:17, 1 h as 60:00.
DURATION_FORMAT = "[m]:ss"
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """A column of an exported table: its title and what its cells hold."""

    title: str
    kind: ColumnKind = "text"
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    """A table to export: named columns, rows (read once, in order), and a totals row."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]
    totals: Sequence[object] | None = None


def clock_duration(seconds: int | None) -> str:
    """Seconds as minutes and seconds: "0:17" for 17 s, "62:05" past the hour, "−1:30" below 0
    (a minus sign, not a hyphen: no spreadsheet reads it as the start of a formula)."""
    if seconds is None:
        return ""
    sign = "\u2212" if seconds < 0 else ""
    minutes, rest = divmod(abs(int(seconds)), 60)
    return f"{sign}{minutes}:{rest:02d}"


def _csv_cell(value: object, kind: ColumnKind, french: bool) -> object:
    if value is None or value == "":
        return ""
    if kind in ("money", "decimal") and isinstance(value, Decimal | int | float):
        text = f"{Decimal(value):.2f}"
        return text.replace(".", ",") if french else text
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S" if french else "%Y-%m-%d %H:%M:%S")
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y") if french else value.isoformat()
    if kind == "duration" and isinstance(value, int):
        return clock_duration(value)
    if isinstance(value, Decimal | float):
        text = str(value)
        return text.replace(".", ",") if french else text
    return value


def csv_chunks(
    sheets: Iterable[Sheet], *, french: bool = True, rows_per_chunk: int = 500
) -> Iterator[str]:
    """Sheets as CSV text, a few hundred rows at a time (an export streams: its rows are read
    as they are written), each sheet under its name when there are several, its totals last.

    French number format: ``;`` between cells, a decimal comma, dates as dd/mm/yyyy, and a BOM
    so that a French spreadsheet opens it as is; else ``,``, a decimal point and ISO dates.
    """
    sheets = list(sheets)
    delimiter = ";" if french else ","
    if french:
        yield "\ufeff"
    rows: list[list[object]] = []
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                rows.append([])
            rows.append([sheet.name])
        rows.append([column.title for column in sheet.columns])
        for row in itertools.chain(sheet.rows, [sheet.totals] if sheet.totals else []):
            rows.append(
                [
                    _csv_cell(value, column.kind, french)
                    for value, column in zip(row, sheet.columns, strict=True)
                ]
            )
            if len(rows) >= rows_per_chunk:
                yield csv_text(rows, delimiter=delimiter)
                rows = []
    if rows:
        yield csv_text(rows, delimiter=delimiter)


def csv_export(sheets: Iterable[Sheet], *, french: bool = True) -> str:
    """Sheets as one CSV text (``csv_chunks`` joined)."""
    return "".join(csv_chunks(sheets, french=french))


def sheet_name(name: str, taken: set[str]) -> str:
    """A name a workbook accepts: no []:*?/\\, 31 characters at most, unique."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", name).strip()[:31] or "Feuille"
    found, number = base, 2
    while found.lower() in taken:
        suffix = f" ({number})"
        found, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(found.lower())
    return found


def xlsx_export(sheets: Iterable[Sheet], output: IO[bytes]) -> None:
    """Sheets as an XLSX workbook written to ``output``, row by row (constant memory).

    Text cells are written as strings (never a formula, never a link), neutralised like the
    CSV; numbers as numbers with a number format; dates and times as their wall-clock value.
    """
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = {
        "money": workbook.add_format({"num_format": MONEY_FORMAT}),
        "decimal": workbook.add_format({"num_format": MONEY_FORMAT}),
        "date": workbook.add_format({"num_format": DATE_FORMAT}),
        "datetime": workbook.add_format({"num_format": DATETIME_FORMAT}),
        "duration": workbook.add_format({"num_format": DURATION_FORMAT}),
    }
    bold = workbook.add_format({"bold": True})
    bold_formats = {
        kind: workbook.add_format({"bold": True, "num_format": number_format})
        for kind, number_format in (
            ("money", MONEY_FORMAT),
            ("decimal", MONEY_FORMAT),
            ("date", DATE_FORMAT),
            ("datetime", DATETIME_FORMAT),
            ("duration", DURATION_FORMAT),
        )
    }
    taken: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet_name(sheet.name, taken))
        for number, column in enumerate(sheet.columns):
            worksheet.set_column(number, number, column.width)
            worksheet.write_string(0, number, column.title, bold)
        row_number = 0
        for row_number, row in enumerate(sheet.rows, start=1):
            _write_row(worksheet, row_number, row, sheet.columns, formats, None)
        if sheet.totals:
            _write_row(worksheet, row_number + 1, sheet.totals, sheet.columns, bold_formats, bold)
    workbook.close()


def _write_row(
    worksheet: Any,
    row_number: int,
    row: Sequence[object],
    columns: Sequence[Column],
    formats: dict[str, Any],
    text_format: Any,
) -> None:
    for number, (value, column) in enumerate(zip(row, columns, strict=True)):
        if value is None or value == "":
            continue
        if column.kind == "duration" and isinstance(value, int):
            worksheet.write_number(row_number, number, value / 86400, formats["duration"])
        elif column.kind in ("integer", "decimal", "money") and isinstance(
            value, Decimal | int | float
        ):
            cell_format = formats.get(column.kind, text_format)
            worksheet.write_number(row_number, number, float(value), cell_format)
        elif isinstance(value, datetime):
            kind = "datetime" if column.kind == "datetime" else "date"
            worksheet.write_datetime(row_number, number, value.replace(tzinfo=None), formats[kind])
        elif isinstance(value, date):
            worksheet.write_datetime(row_number, number, value, formats["date"])
        else:
            worksheet.write_string(row_number, number, str(neutralise(str(value))), text_format)


def _ods_cell(value: object, column: Column) -> Any:
    """One ODS cell: a number as a float, a date as a date, anything else as neutralised text."""
    if column.kind in ("integer", "decimal", "money", "duration") and isinstance(
        value, Decimal | int | float
    ):
        return TableCell(valuetype="float", value=str(value))
    if isinstance(value, datetime):
        stamp = value.replace(tzinfo=None).isoformat(timespec="seconds")
        return TableCell(valuetype="date", datevalue=stamp)
    if isinstance(value, date):
        return TableCell(valuetype="date", datevalue=value.isoformat())
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(neutralise(str(value)))))
    return cell


def ods_export(sheets: Iterable[Sheet], output: IO[bytes]) -> None:
    """Sheets as an OpenDocument spreadsheet (the French administration's recommended format),
    data only: typed cells, text neutralised as in the CSV and XLSX, no formula."""
    document = OpenDocumentSpreadsheet()
    taken: set[str] = set()
    for sheet in sheets:
        table = Table(name=sheet_name(sheet.name, taken))
        header = TableRow()
        for column in sheet.columns:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=column.title))
            header.addElement(cell)
        table.addElement(header)
        for row in [*sheet.rows, *([sheet.totals] if sheet.totals else [])]:
            line = TableRow()
            for value, column in zip(row, sheet.columns, strict=True):
                empty = value is None or value == ""
                line.addElement(TableCell() if empty else _ods_cell(value, column))
            table.addElement(line)
        document.spreadsheet.addElement(table)
    document.write(output)
