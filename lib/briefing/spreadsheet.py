"""tables.xlsx: every table of the briefing on its own sheet, with the unrounded values, written by xlsxwriter.

Each sheet has the table's title in A1, its caption (and source) in A2, the
column headers in row 4 and the data from row 5, the panes frozen above it.
Money (integer pence) is written in £m, unrounded, formatted to one decimal.
Text is always written as text: never as a formula, a link, a number or an
error code, so neither a commentary nor a title can run as a formula.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import xlsxwriter

from .money import PENCE_PER_MILLION
from .outputs import atomic_path
from .tables import Table
from .workbook import missing

EXCEL_FORMATS = {"money": "#,##0.0", "money_signed": "+#,##0.0;-#,##0.0;0.0", "pct": '0.0"%"',
                 "pct_signed": '+0.0"%";-0.0"%";0.0"%"', "int": "#,##0"}
FIRST_DATA_ROW = 5  # title, caption, a blank row, the headers, then the data (rows counted from 1, as Excel does)
MAX_TEXT = 32_767  # characters Excel keeps in a cell; longer text is cut there
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # a sheet's size in Excel
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # text Excel would take for a formula as typed: given a quote prefix
# Characters XML 1.0 refuses (control characters other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF)
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FONTS = {"title": {"bold": True, "font_size": 13}, "header": {"bold": True}}


def excel_value(value, kind: str):
    """``value`` as its cell holds it in a column of format ``kind`` (None for a blank): money in £m."""
    if missing(value):
        return None
    if kind in ("money", "money_signed"):
        return int(value) / PENCE_PER_MILLION
    if kind in ("pct", "pct_signed", "number"):
        return float(value) if isinstance(value, (int, float)) else str(value)
    if kind == "int":
        return int(value)
    if kind == "html":
        return re.sub(r"<[^>]+>", "", str(value))
    return str(value) if not isinstance(value, (int, float)) else value


def cell_text(text: str) -> str:
    """Text as a cell can hold it: without the characters XML refuses, cut at Excel's 32,767 characters
    (counted as Excel counts them, in UTF-16: a character beyond U+FFFF counts two)."""
    text = ILLEGAL_CHARACTERS.sub("", text)[:MAX_TEXT]
    if len(text) > MAX_TEXT // 2:
        text = text.encode("utf-16-le")[:2 * MAX_TEXT].decode("utf-16-le", "ignore")
    return text


def write_workbook(tables: list[Table], path: Path) -> Path:
    """Write every table to its own sheet of an .xlsx at ``path``, atomically (a temporary file, then rename).

    Rows are written in order and streamed to disk (xlsxwriter's
    ``constant_memory``), so a large council's 50,000-row sheets are not
    held in memory.
    """
    keys = [t.key.casefold() for t in tables]  # Excel sheet names ignore case
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"two tables share the sheet name(s) {repeated}; each table needs its own key")
    for table in tables:
        rows, columns = FIRST_DATA_ROW - 1 + len(table.frame), len(table.frame.columns)
        if rows > MAX_ROWS or columns > MAX_COLUMNS:
            raise ValueError(f"sheet {table.key!r} is too large for an Excel workbook ({rows} rows, {columns} columns)")
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    with atomic_path(path) as tmp:
        # constant_memory streams each sheet through a temporary file: kept beside the workbook being written
        # (a batch document's staging folder), not in the system's, so a kernel killed mid-write leaves
        # nothing behind once its staging folder is removed
        with xlsxwriter.Workbook(str(tmp), {**options, "tmpdir": str(Path(tmp).parent)}) as book:
            styles = Styles(book)
            for table in tables:
                _write_sheet(book.add_worksheet(table.key), table, styles)
    return Path(path)


class Styles:
    """The workbook's cell formats, each added once: a font, a number format and a quote prefix."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.formats: dict[tuple, object] = {}

    def get(self, font: str | None = None, kind: str = "text", quoted: bool = False):
        key = (font, EXCEL_FORMATS.get(kind), quoted)
        if key not in self.formats:
            properties = {**FONTS.get(font, {}), **({"num_format": key[1]} if key[1] else {}),
                          **({"quote_prefix": True} if quoted else {})}
            self.formats[key] = self.book.add_format(properties) if properties else None
        return self.formats[key]


def _write_sheet(sheet, table: Table, styles: Styles) -> None:
    headers = [str(column) for column in table.frame.columns]
    kinds = [table.formats.get(column, "text") for column in table.frame.columns]
    sheet.freeze_panes(FIRST_DATA_ROW - 1, 0)
    _write_text(sheet, 0, 0, table.title, styles, "title")
    if table.caption or table.source:
        caption = " ".join(filter(None, [table.caption, table.rounding_note,
                                         f"Source: {table.source}" if table.source else ""]))
        _write_text(sheet, 1, 0, caption, styles)
    for j, header in enumerate(headers):
        sheet.set_column(j, j, max(12, min(60, len(header) + 4)))
        _write_text(sheet, FIRST_DATA_ROW - 2, j, header, styles, "header")
    for i, row in enumerate(table.frame.itertuples(index=False, name=None), start=FIRST_DATA_ROW - 1):
        for j, (value, kind) in enumerate(zip(row, kinds)):
            _write_cell(sheet, i, j, excel_value(value, kind), kind, styles)


def _write_text(sheet, row: int, column: int, text: str, styles: Styles, font: str | None = None,
                kind: str = "text") -> None:
    """Text as text, never a formula; text that would start one as typed has a quote prefix."""
    text = cell_text(text)
    style = styles.get(font, kind, text.startswith(FORMULA_START))
    if not text:
        sheet.write_blank(row, column, None, style)  # an empty text is a blank cell, as typed
    elif text.startswith("<r>") and text.endswith("</r>"):
        # In constant_memory mode xlsxwriter writes such a string unescaped, as a rich string's own XML;
        # written as a rich string of plain pieces it is escaped (though "\r" and "_x0000_"-like text come
        # out escaped twice, as xlsxwriter escapes a rich string's XML again).
        sheet.write_rich_string(row, column, text[:1], text[1:2], text[2:], *([style] if style else []))
    else:
        sheet.write_string(row, column, text, style)


def _write_cell(sheet, row: int, column: int, value, kind: str, styles: Styles) -> None:
    if isinstance(value, str):
        _write_text(sheet, row, column, value, styles, kind=kind)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, styles.get(kind=kind))
    elif value is None or not math.isfinite(value):
        sheet.write_blank(row, column, None, styles.get(kind=kind))
    else:
        sheet.write_number(row, column, value, styles.get(kind=kind))
