"""CSV for spreadsheets: exports that carry no formula, imports of what French spreadsheets write.

Pure: no flask, no sqlalchemy.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

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
