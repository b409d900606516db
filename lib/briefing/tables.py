"""Tables as the briefing shows them: a title that states the finding, a caption, typed columns.

One ``Table`` is rendered three ways from the same DataFrame: accessible HTML
in the notebook and briefing (caption, scoped headers, row headers, RAG as a
word and a symbol as well as a colour), and a sheet of ``tables.xlsx`` with the
unrounded values. Money columns hold integer pence and are shown as £m.
"""
from __future__ import annotations

import html
import io
import math
import numbers
import re
import shutil
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import tostring as element_text
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

from .money import PENCE_PER_MILLION, round_millions
from .outputs import atomic_path

RAG_SYMBOLS = {"Green": "✔", "Amber": "▲", "Red": "✖", "Monitoring only": "○", "Not reported": "–"}
RAG_CLASSES = {"Green": "rag-g", "Amber": "rag-a", "Red": "rag-r", "Monitoring only": "rag-m", "Not reported": "rag-n"}
_INTEGERS = (int, np.int64)  # what a column of pence or counts holds (not bool, which is an int)
_FLOATS = (float, np.float64)
FORMATS = ("text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html")


@dataclass
class Table:
    """A table of the briefing: what it shows (title), what it is (caption), and its data.

    ``formats`` maps a column to one of FORMATS; columns not named are text.
    ``key`` names the sheet in tables.xlsx (at most 31 characters).
    ``shown``, when set, is the rows the document shows (a selection of the
    frame's index, with ``shown_note`` saying which and where the rest are);
    tables.xlsx always holds every row.
    """

    key: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    formats: dict[str, str] = field(default_factory=dict)
    source: str = ""
    row_header: bool = True
    total_rows: int = 0
    empty_text: str = "None this period."
    shown: pd.Index | None = None
    shown_note: str = ""

    def __post_init__(self):
        if len(self.key) > 31 or re.search(r"[\[\]:*?/\\]", self.key):
            raise ValueError(f"table key {self.key!r} cannot name an Excel sheet")
        unknown = {f for f in self.formats.values() if f not in FORMATS}
        if unknown:
            raise ValueError(f"unknown column format(s) {unknown}")

    def _repr_html_(self) -> str:
        return to_html(self)


def format_value(value, kind: str) -> str:
    """A value as text for people: £m to one decimal, per cents to one decimal, counts as integers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–" if kind not in ("text", "rag", "html") else ""
    if kind in ("money", "money_signed"):
        rounded = round_millions(value, 1)
        if rounded == 0:
            rounded = abs(rounded)
        sign = "+" if kind == "money_signed" and rounded > 0 else ""
        return f"{sign}{rounded:,.1f}"
    if kind in ("pct", "pct_signed"):
        if isinstance(value, float) and math.isnan(value):
            return "–"
        return _one_place(float(value), kind == "pct_signed") + "%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "number":
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
        return str(value)
    return str(value)


def rag_html(value) -> str:
    """A RAG status as a coloured badge carrying its symbol and its word."""
    word = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    if word not in RAG_SYMBOLS:
        return html.escape(word)
    return (f'<span class="rag {RAG_CLASSES[word]}"><span aria-hidden="true">{RAG_SYMBOLS[word]}</span> '
            f'{html.escape(word)}</span>')


def _cell_html(value, kind: str) -> str:
    if kind == "rag":
        return rag_html(value)
    if kind == "html":
        return "" if value is None else str(value)
    return html.escape(format_value(value, kind)).replace("\n", "<br>")


def _values(column: pd.Series) -> list:
    """A column's values as iterating over it gives them (as a row of ``itertuples`` holds them), taken at once
    for text and object columns, whose values are the objects they hold."""
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        return column.tolist()
    return list(column)


def column_html(values: list, kind: str) -> list[str]:
    """``_cell_html`` of every value of a column, worked out a column at a time.

    A large council's directorate briefing shows 2,500 service areas, some
    360,000 cells a month. The usual values (text, pence as ints, per cents
    as floats) are formatted here in one pass, exactly as ``format_value``
    formats them; any other goes through ``_cell_html``.
    """
    slow = _cell_html
    if kind in ("money", "money_signed"):
        signed = kind == "money_signed"
        return [_tenths_text(_tenths_half_up(int(v)), signed) if type(v) in _INTEGERS and abs(v) < 10 ** 18
                else slow(v, kind) for v in values]
    if kind in ("pct", "pct_signed"):
        signed = kind == "pct_signed"
        return [_one_place(float(v), signed) + "%" if type(v) in _FLOATS and not math.isnan(v) else slow(v, kind)
                for v in values]
    if kind == "text":
        escape = html.escape
        return [escape(v).replace("\n", "<br>") if type(v) is str else slow(v, kind) for v in values]
    return [slow(v, kind) for v in values]


def _tenths_half_up(pence: int) -> int:
    """Pence as tenths of £1m, rounded half away from zero (``round_millions(pence, 1)`` × 10)."""
    tenths, rest = divmod(abs(pence), PENCE_PER_MILLION // 10)
    tenths += 2 * rest >= PENCE_PER_MILLION // 10
    return -tenths if pence < 0 else tenths


def _tenths_text(tenths: int, signed: bool) -> str:
    """``-1,234.5``: tenths written with one decimal, a ``+`` on an increase when ``signed``, never ``-0.0``."""
    sign = "-" if tenths < 0 else "+" if signed and tenths > 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole:,}.{tenth}"


def _one_place(value: float, signed: bool) -> str:
    shown = round(value, 1) + 0.0
    return f"{'+' if signed and shown > 0 else ''}{shown:,.1f}"


def element_id(prefix: str, key: str) -> str:
    """An HTML id from a table's or chart's key: ``table-rag-summary``, safe in a URL fragment."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.casefold()).strip("-")
    return f"{prefix}-{slug or 'item'}"


NUMERIC = {"money", "money_signed", "pct", "pct_signed", "int", "number"}
SHORT_TABLE_ROWS = 15  # up to this many rows a table is kept on one printed page


def _header_html(column, kind: str, position: int) -> str:
    """A column header with ``scope``; a blank name is given one, since an empty header is announced as nothing."""
    name = str(column).strip()
    text = html.escape(name) if name else f'<span class="visually-hidden">Column {position}</span>'
    cls = ' class="num"' if kind in NUMERIC else ""
    return f'<th scope="col"{cls}>{text}</th>'


def to_html(table: Table) -> str:
    """The table as accessible HTML: caption, ``scope`` on every header, first column as row headers.

    The table sits in a focusable, named scrolling region so a wide table can
    be scrolled from the keyboard; a short table is kept whole when printed,
    a long one may break between rows, repeating its header row.
    """
    frame = table.frame if table.shown is None else table.frame.loc[table.shown]
    block_id = element_id("table", table.key)
    title_id = f"{block_id}-title"
    parts = [f'<section class="table-block" id="{block_id}">',
             f'<h3 class="table-title" id="{title_id}">{html.escape(table.title)}</h3>']
    if frame.empty:
        parts.append(f'<p class="empty">{html.escape(table.empty_text)}</p></section>')
        return "\n".join(parts)
    size = "short" if len(frame) <= SHORT_TABLE_ROWS else "long"
    parts.append(f'<div class="table-wrap {size}" role="region" tabindex="0" aria-labelledby="{title_id}"><table>')
    caption = html.escape(table.caption or table.title)
    if table.shown is not None and table.shown_note:
        caption += f'<span class="shown">{html.escape(table.shown_note)}</span>'
    if table.source:
        caption += f'<span class="source">Source: {html.escape(table.source)}</span>'
    parts.append(f"<caption>{caption}</caption>")
    kinds = [table.formats.get(c, "text") for c in frame.columns]
    head = "".join(_header_html(c, k, i) for i, (c, k) in enumerate(zip(frame.columns, kinds), start=1))
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    row_header = table.row_header and len(frame.columns) > 1  # a row header needs data cells beside it
    n = len(frame)
    columns = []
    for j, kind in enumerate(kinds):
        cls = ' class="num"' if kind in NUMERIC else ""
        start, end = (f'<th scope="row"{cls}>', "</th>") if j == 0 and row_header else (f"<td{cls}>", "</td>")
        columns.append([start + content + end for content in column_html(_values(frame.iloc[:, j]), kind)])
    for i, cells in enumerate(zip(*columns)):
        row_class = ' class="total"' if i >= n - table.total_rows else ""
        parts.append(f'<tr{row_class}>{"".join(cells)}</tr>')
    parts.append("</tbody></table></div></section>")
    return "\n".join(parts)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _excel_value(value, kind: str):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
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


EXCEL_FORMATS = {"money": "#,##0.0", "money_signed": "+#,##0.0;-#,##0.0;0.0", "pct": '0.0"%"',
                 "pct_signed": '+0.0"%";-0.0"%";0.0"%"', "int": "#,##0"}
EXCEL_FONTS = {"title": {"bold": True, "size": 13}, "header": {"bold": True}}
FIRST_DATA_ROW = 5  # title, caption, a blank row, the headers, then the data
ROWS_AT_ONCE = 5_000  # rows whose cells are made at once (a large council's sheets have 50,000)
_EMPTY_SHEET_DATA = b"<sheetData></sheetData>"


def write_workbook(tables: list[Table], path: Path) -> Path:
    """Write every table to its own sheet of an .xlsx, atomically (a temporary file, then rename).

    Money is written in £m, unrounded, formatted to one decimal; text that
    would start a formula is stored as text, so a commentary cannot run.

    A large council's tables run to 100,000 rows, which as openpyxl cells
    took a quarter of a minute and hundreds of MB. So openpyxl (write-only)
    writes the workbook around the cells (sheets, styles, column widths,
    frozen panes), each sheet's rows are written as the XML openpyxl would
    write for them (``SheetRows``) to a temporary file, and ``_assemble``
    puts the two together in the temporary file that replaces ``path``.
    """
    from openpyxl import Workbook

    keys = [t.key.casefold() for t in tables]  # Excel sheet names ignore case
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"two tables share the sheet name(s) {repeated}; each table needs its own key")
    book = Workbook(write_only=True)
    with ExitStack() as stack:
        sheets = []
        for table in tables:
            sheet = book.create_sheet(table.key)
            rows = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=1 << 20))
            _write_sheet(sheet, table, rows)
            sheets.append((sheet, rows))
        package = io.BytesIO()
        book.save(package)  # styles.xml is written here, after every cell has registered its style
        with atomic_path(path) as tmp:
            _assemble(package, sheets, tmp)
    return Path(path)


def _write_sheet(sheet, table: Table, rows) -> None:
    """Lay out ``sheet`` for ``table`` and write its rows' XML to ``rows``.

    Title in A1, caption in A2, headers in row 4 (bold, each column as wide
    as its header), data from row 5 with the panes frozen above it. The
    sheet's size is what an ordinary openpyxl sheet of these cells states.
    """
    from openpyxl.utils import get_column_letter

    frame = table.frame
    headers = [str(column) for column in frame.columns]
    for j, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = max(12, min(60, len(header) + 4))
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    dimension = _dimension(table)
    sheet.calculate_dimension = lambda: dimension
    writer = SheetRows(sheet, rows, len(headers))
    writer.row(1, [writer.openpyxl_cell(1, 1, table.title, font="title")])
    if table.caption or table.source:
        caption = " ".join(filter(None, [table.caption, f"Source: {table.source}" if table.source else ""]))
        writer.row(2, [writer.openpyxl_cell(2, 1, caption)])
    if headers:
        writer.row(4, [writer.openpyxl_cell(4, j, h, font="header") for j, h in enumerate(headers, start=1)])
        kinds = [table.formats.get(c, "text") for c in frame.columns]
        for start in range(0, len(frame), ROWS_AT_ONCE):  # a block of rows at a time: bounded memory
            block = frame.iloc[start:start + ROWS_AT_ONCE]
            first = FIRST_DATA_ROW + start
            columns = [writer.column(j, _values(block.iloc[:, j - 1]), kind, first) for j, kind in enumerate(kinds, 1)]
            for i, cells in enumerate(zip(*columns), start=first):
                writer.row(i, cells)


def _dimension(table: Table) -> str:
    """The range an ordinary openpyxl sheet of ``table`` states as its size: A1 to the last cell written."""
    from openpyxl.utils import get_column_letter

    columns = len(table.frame.columns)
    if columns:
        return f"A1:{get_column_letter(columns)}{FIRST_DATA_ROW - 1 + len(table.frame)}"
    return "A1:A2" if table.caption or table.source else "A1:A1"


class SheetRows:
    """A sheet's rows written as the XML openpyxl writes for its cells, to a binary file.

    Text, finite numbers and blanks, nearly every cell, are written here as
    openpyxl writes them; any other value (a boolean, a numpy number, an
    Excel error code, empty or over-long text, a character Excel refuses)
    is made an openpyxl cell and written by openpyxl's own cell writer, so
    it is stored, or refused, as before. Each style is registered with the
    workbook when a column first needs it, as openpyxl registers styles when
    it writes cells.
    """

    def __init__(self, sheet, out, columns: int):
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
        from openpyxl.utils import get_column_letter

        self.sheet = sheet
        self.out = out
        self.letters = [get_column_letter(j) for j in range(1, columns + 1)]
        self.style_ids: dict[tuple, int] = {}
        self.error_codes = frozenset(ERROR_CODES)
        self.illegal = ILLEGAL_CHARACTERS_RE

    def row(self, index: int, cells: list[str]) -> None:
        """Write one row element holding ``cells`` (XML text)."""
        self.out.write(f'<row r="{index}">{"".join(cells)}</row>'.encode("utf-8"))

    def column(self, column: int, values: list, kind: str, first_row: int = FIRST_DATA_ROW) -> list[str]:
        """The XML of a column's data cells, from row ``first_row`` down: ``cell`` of each value as
        ``_excel_value`` gives it, worked out a column at a time.

        A large council's tables.xlsx holds 650,000 cells. The usual ones
        (pence and counts as integers, finite per cents, text, blank text)
        are written here in one pass; any other goes through ``cell``.
        """
        letter = self.letters[column - 1]
        rows = range(first_row, first_row + len(values))
        slow = self.cell
        if kind in ("money", "money_signed", "int", "pct", "pct_signed", "number"):
            styled = f' s="{self.style_id(kind, False)}"' if kind in EXCEL_FORMATS else ""
            whole = kind in ("money", "money_signed", "int")
            usual = _INTEGERS if whole else _FLOATS
            excel = (lambda v: int(v) / PENCE_PER_MILLION) if kind.startswith("money") else int if whole else float
            return [f'<c r="{letter}{r}"{styled} t="n"><v>{"%.16g" % excel(v)}</v></c>'
                    if type(v) in usual and (whole or math.isfinite(v))
                    else slow(r, column, _excel_value(v, kind), kind) for r, v in zip(rows, values)]
        if kind == "html":
            return [slow(r, column, _excel_value(v, kind), kind) for r, v in zip(rows, values)]
        error_codes, illegal = self.error_codes, self.illegal
        quoted = ""  # text that would start a formula is kept as text: a style with a quote prefix
        if any(type(v) is str and v.startswith(_FORMULA_START) for v in values):
            quoted = f' s="{self.style_id(kind, True)}"'
        return ["" if v is None else
                f'<c r="{letter}{r}"{quoted if v.startswith(_FORMULA_START) else ""} t="inlineStr"><is>'
                f'<t{_space(v)}>{xml_escape(v)}</t></is></c>'
                if type(v) is str and v and len(v) <= 32767 and v not in error_codes and not illegal.search(v)
                else slow(r, column, _excel_value(v, kind), kind) for r, v in zip(rows, values)]

    def cell(self, row: int, column: int, value, kind: str) -> str:
        """The XML of one data cell: ``value`` (as ``_excel_value`` gives it) in a column of format ``kind``."""
        quoted = isinstance(value, str) and value.startswith(_FORMULA_START)
        style = self.style_id(kind, quoted) if quoted or kind in EXCEL_FORMATS else None
        plain = self.plain_cell(f"{self.letters[column - 1]}{row}", value, style)
        return plain if plain is not None else self.openpyxl_cell(row, column, value, kind=kind, quoted=quoted)

    def plain_cell(self, ref: str, value, style: int | None) -> str | None:
        """A cell's XML, byte for byte as openpyxl writes it, for a blank, plain text or a finite float or
        int; None for any other value (or text Excel would not keep as it is), which openpyxl must write."""
        styled = f' s="{style}"' if style is not None else ""
        kind = type(value)
        if value is None:
            return f'<c r="{ref}"{styled} t="n" />' if style is not None else ""
        if kind is str:
            if not value or len(value) > 32767 or value in self.error_codes or self.illegal.search(value):
                return None
            return f'<c r="{ref}"{styled} t="inlineStr"><is><t{_space(value)}>{xml_escape(value)}</t></is></c>'
        if (kind is float and math.isfinite(value)) or kind is int:
            return f'<c r="{ref}"{styled} t="n"><v>{"%.16g" % value}</v></c>'
        return None

    def style_id(self, kind: str, quoted: bool) -> int:
        """The workbook's number for a data cell's style (its column's number format, a quote prefix for text
        that would start a formula), registered on first use."""
        key = (kind, quoted)
        if key not in self.style_ids:
            self.style_ids[key] = self._styled(self._new_cell(None), kind=kind, quoted=quoted).style_id
        return self.style_ids[key]

    def openpyxl_cell(self, row: int, column: int, value, font: str | None = None, kind: str = "text",
                      quoted: bool = False) -> str:
        """The XML of one cell as openpyxl makes it and writes it, with the cell writer openpyxl itself
        uses (without lxml); raises, as openpyxl does, on text Excel refuses."""
        from openpyxl.cell._writer import etree_write_cell

        cell = self._styled(self._new_cell(value), font, kind, quoted)
        cell.row, cell.column = row, column
        stream = _ElementText()
        etree_write_cell(stream, self.sheet, cell, cell.has_style)
        return "".join(stream.parts)

    def _new_cell(self, value):
        """An openpyxl cell of this sheet holding ``value``, typed as openpyxl types it."""
        from openpyxl.cell import WriteOnlyCell

        return WriteOnlyCell(self.sheet, value)

    @staticmethod
    def _styled(cell, font: str | None = None, kind: str = "text", quoted: bool = False):
        """``cell`` given a font, text type with a quote prefix, and a number format, as the table asks."""
        from openpyxl.styles import Font

        if font:
            cell.font = Font(**EXCEL_FONTS[font])
        if quoted:
            cell.data_type = "s"
            cell.quotePrefix = True
        if kind in EXCEL_FORMATS:
            cell.number_format = EXCEL_FORMATS[kind]
        return cell


def _space(text: str) -> str:
    """openpyxl's attribute for text with space at either end (kept as typed), unless it is all space."""
    stripped = text.strip()
    return ' xml:space="preserve"' if stripped and stripped != text else ""


class _ElementText:
    """Stands in for openpyxl's XML stream: keeps each element written to it, as text."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, element) -> None:
        self.parts.append(element_text(element, encoding="unicode"))


def _assemble(package: io.BytesIO, sheets: list, target: Path) -> None:
    """Write to ``target`` the workbook openpyxl saved in ``package``, each sheet's rows put in its sheetData."""
    rows_of = {sheet.path.lstrip("/"): rows for sheet, rows in sheets}
    with zipfile.ZipFile(package) as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename not in rows_of:
                archive.writestr(item, data)
                continue
            head, tail = data.split(_EMPTY_SHEET_DATA)
            rows = rows_of[item.filename]
            info = zipfile.ZipInfo(item.filename, item.date_time)
            info.compress_type = item.compress_type
            info.file_size = len(data) + rows.seek(0, io.SEEK_END)  # past 2 GiB, zipfile then writes zip64
            rows.seek(0)
            with archive.open(info, "w") as member:
                member.write(head + b"<sheetData>")
                shutil.copyfileobj(rows, member, 1 << 20)
                member.write(b"</sheetData>" + tail)
