"""Tables as the briefing shows them: a title that states the finding, a caption, typed columns.

One ``Table`` is rendered three ways from the same DataFrame: accessible HTML
in the notebook and briefing (caption, scoped headers, row headers, RAG as a
word and a symbol as well as a colour), and a sheet of ``tables.xlsx`` with the
unrounded values. Money columns hold integer pence and are shown as £m.
"""
from __future__ import annotations

import html
import math
import numbers
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from isal import isal_zlib
from pandas.core.arrays.masked import BaseMaskedArray

from .money import PENCE_PER_MILLION, WHOLE_NUMBER_TYPES, round_millions, units_text, whole_units
from .outputs import atomic_path

RAG_SYMBOLS = {"Green": "✔", "Amber": "▲", "Red": "✖", "Monitoring only": "○", "Not reported": "–"}
RAG_CLASSES = {"Green": "rag-g", "Amber": "rag-a", "Red": "rag-r", "Monitoring only": "rag-m", "Not reported": "rag-n"}
_INTEGERS = (int, np.int64)  # what a column of pence or counts holds (not bool, which is an int)
_FLOATS = (float, np.float64)
_FLOAT_TYPES = frozenset(_FLOATS)
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
    values = column.array
    if isinstance(values, BaseMaskedArray):  # nullable numbers: numpy's scalars and pd.NA, as iterating gives,
        taken = list(values._data)           # taken at once rather than one by one
        for i in np.flatnonzero(values._mask).tolist():
            taken[i] = pd.NA
        return taken
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
        if values and set(map(type, values)) <= WHOLE_NUMBER_TYPES:
            pence = np.array(values, dtype=object)
            if np.abs(pence).max() < 10 ** 18:  # then the arithmetic below fits in 64 bits
                return _tenths_texts(pence.astype(np.int64), signed)
        return [units_text(whole_units(int(v), 1), 1, signed) if type(v) in _INTEGERS and abs(v) < 10 ** 18
                else slow(v, kind) for v in values]
    if kind in ("pct", "pct_signed"):
        signed = kind == "pct_signed"
        if values and set(map(type, values)) <= _FLOAT_TYPES:  # floats: the figures at once, any blank (NaN) alone
            floats = np.array(values, dtype=np.float64)
            blank = np.isnan(floats)
            shown = _one_place_texts(floats[~blank], signed) if not blank.all() else []
            if not blank.any():
                return shown
            figures = iter(shown)
            return [slow(v, kind) if nan else next(figures) for v, nan in zip(values, blank.tolist())]
        return [_one_place(float(v), signed) + "%" if type(v) in _FLOATS and not math.isnan(v) else slow(v, kind)
                for v in values]
    if kind == "text":
        at_once = _escaped_texts(values, lambda text: html.escape(text).replace("\n", "<br>"))
        if at_once is not None:
            texts, _, escaped = at_once
            if len(texts) == len(values):
                return escaped
            return [slow(v, kind) if text is None else text for v, text in zip(values, escaped)]
    return [slow(v, kind) for v in values]


def _escaped_texts(values: list, escape: Callable[[str], str]) -> tuple[list[str], str, list] | None:
    """A column's texts, joined by "\0", and each value's text escaped (None for a value that is not text),
    the escaping done for the whole column at once; None if a text holds "\0" itself, which would then
    not separate them."""
    texts = [v for v in values if type(v) is str]
    joined = "\0".join(texts)
    if joined.count("\0") != max(len(texts) - 1, 0):
        return None
    if len(texts) == len(values):  # nothing but text: the escaped texts are the cells, in order
        return texts, joined, escape(joined).split("\0") if texts else []
    escaped = iter(escape(joined).split("\0"))
    return texts, joined, [next(escaped) if type(v) is str else None for v in values]


def _tenths_texts(pence: np.ndarray, signed: bool) -> list[str]:
    """``units_text(whole_units(p, 1), 1, signed)`` of every amount in ``pence`` (int64, each under 10¹⁸ in
    size), the rounding done for the whole column at once."""
    tenths = (np.abs(pence) + PENCE_PER_MILLION // 20) // (PENCE_PER_MILLION // 10)
    signs = np.where(pence < 0, "-", "+" if signed else "")
    signs[tenths == 0] = ""
    wholes, tenth = np.divmod(tenths, 10)
    if wholes.max() < 1000:  # no thousands to separate: each figure made in one step
        return list(map("%s%d.%d".__mod__, zip(signs.tolist(), wholes.tolist(), tenth.tolist())))
    return [f"{sign}{whole:,}.{t}" for sign, whole, t in zip(signs.tolist(), wholes.tolist(), tenth.tolist())]


def _one_place_texts(values: np.ndarray, signed: bool) -> list[str]:
    """``_one_place(v, signed) + "%"`` of every one of ``values`` (floats, none NaN), in one pass: under a
    thousand (rounded), with no separator to place, "%.1f" formats each as ``f"{v:,.1f}"`` does."""
    floats = values.tolist()
    texts = list(map("%.1f".__mod__, floats)) if np.abs(values).max() < 999.9 else [f"{v:,.1f}" for v in floats]
    return [_signed_place(text, signed) + "%" for text in texts]


def _one_place(value: float, signed: bool) -> str:
    """``value`` to one decimal place, as ``round(value, 1)`` shows it (never "-0.0"), "+" before a positive
    figure if ``signed``. Formatting rounds the value exactly as ``round`` does (both round the binary value
    correctly), so the text is made in one step: a large directorate briefing shows 2,500 per cents."""
    return _signed_place(f"{value:,.1f}", signed)


def _signed_place(text: str, signed: bool) -> str:
    """A figure formatted to one place as shown: "-0.0" as "0.0", and "+" before a positive one if ``signed``."""
    if text == "-0.0":
        return "0.0"
    return "+" + text if signed and text[0] != "-" and text != "0.0" else text


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
    cells = ""  # a row's cells, each content a %s that "%" fills in (the contents' own "%" are left alone)
    for j, kind in enumerate(kinds):
        cls = ' class="num"' if kind in NUMERIC else ""
        cells += f'<th scope="row"{cls}>%s</th>' if j == 0 and row_header else f"<td{cls}>%s</td>"
    row, total_row = f"<tr>{cells}</tr>", f'<tr class="total">{cells}</tr>'
    rows = list(zip(*(column_html(_values(frame.iloc[:, j]), kind) for j, kind in enumerate(kinds))))
    first_total = max(len(frame) - table.total_rows, 0)
    parts.extend(map(row.__mod__, rows[:first_total]))
    parts.extend(map(total_row.__mod__, rows[first_total:]))
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
FIRST_DATA_ROW = 5  # title, caption, a blank row, the headers, then the data
ROWS_AT_ONCE = 5_000  # rows whose cells are made at once (a large council's sheets have 50,000)
MAX_TEXT = 32_767  # characters Excel keeps in a cell; longer text is cut there, as openpyxl cuts it
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # control characters XML 1.0 refuses
_ALLOWED_CONTROLS = (0, 9, 10, 13)  # "\0" separates a joined column's texts: see _refused_but_nul
# In a "\0"-joined column: a text after the first starting as _FORMULA_START, or with space at its start. Each
# begins with a separator: a search that begins with a character, not a choice ("^" or "\0"), runs ten or more
# times faster.
_NEXT_STARTS_FORMULA = re.compile(r"\0[=+\-@\t\r]")
_TEXT_OPEN, _TEXT_CLOSE = ' t="inlineStr"><is><t>', "</t></is></c>"  # a text cell's XML, after its reference
_FORMULA_CELL = re.compile("\0" + re.escape(_TEXT_OPEN) + r"(?=[=+\-@\t\r])")  # in _text_cells: text starting a formula
_SPACE_AFTER = re.compile(r"\0\s")  # searched for in the column reversed too, for space before a separator
# The small parts: zlib's level 3, not its default 6.
DEFLATE_LEVEL = 3
# The sheets: ISA-L's deflate (python-isal), level 2. A large council's 48 MB of sheet XML compresses in
# 0.03 s, against 0.18 s with zlib at level 3 (and 0.54 s at zlib's default 6), and comes out 5.3 MB rather
# than 4.8 MB (4.1 MB at zlib's 6). The workbook is kept, not e-mailed; any unzip reads deflate.
SHEET_LEVEL = 2
THEME = Path(__file__).resolve().parent / "templates" / "xlsx" / "theme1.xml"  # openpyxl's default Office theme


class IllegalCharacterError(ValueError):
    """Text holding a control character, which an .xlsx cannot store."""


def write_workbook(tables: list[Table], path: Path) -> Path:
    """Write every table to its own sheet of an .xlsx, atomically (a temporary file, then rename).

    Money is written in £m, unrounded, formatted to one decimal; text that
    would start a formula is stored as text (with a quote prefix), so neither
    a commentary nor a title can run as a formula.

    The workbook is the one openpyxl writes for these cells, part for part
    (the cells, styles, column widths, frozen panes, theme), but written
    here as XML: a large council's tables run to 100,000 rows, which as
    openpyxl cells took a quarter of a minute and hundreds of MB, and
    importing openpyxl at all costs a cold briefing a fifth of a second.
    ``tests/test_tables.py`` reads it back with openpyxl against a workbook
    openpyxl made cell by cell. Each sheet's rows are compressed into the
    package as they are made; the styles they use are only known once every
    cell is made, so the styles part comes last.
    """
    keys = [t.key.casefold() for t in tables]  # Excel sheet names ignore case
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"two tables share the sheet name(s) {repeated}; each table needs its own key")
    with atomic_path(path) as tmp:
        _package(tables, tmp)
    return Path(path)


def xml_escape(text: str, entities: dict[str, str] | None = None) -> str:
    """``xml.sax.saxutils.escape``: "&", "<" and ">" (and any of ``entities``) written as entities.

    Not imported from there: ``xml.sax.saxutils`` imports ``urllib.request``,
    and with it ``http.client`` and ``email``, which nothing else a briefing
    uses needs; a twentieth of a second of every kernel's start.
    """
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for character, entity in (entities or {}).items():
        text = text.replace(character, entity)
    return text


def quoteattr(text: str) -> str:
    """``xml.sax.saxutils.quoteattr``: ``text`` escaped, line breaks and tabs too, and quoted as an attribute."""
    text = xml_escape(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' not in text:
        return f'"{text}"'
    return f"'{text}'" if "'" not in text else '"{}"'.format(text.replace('"', "&quot;"))


def column_letter(index: int) -> str:
    """Excel's letters for the ``index``-th column (1 is A, 27 is AA)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _write_sheet(table: Table, out, styles: "Styles") -> None:
    """Write ``table``'s sheet, as XML, to the binary stream ``out``.

    Title in A1, caption in A2, headers in row 4 (bold, each column as wide
    as its header), data from row 5 with the panes frozen above it. The
    sheet's size is what an ordinary openpyxl sheet of these cells states.
    """
    frame = table.frame
    headers = [str(column) for column in frame.columns]
    widths = "".join(f'<col width="{max(12, min(60, len(h) + 4))}" customWidth="1" min="{j}" max="{j}" />'
                     for j, h in enumerate(headers, start=1))
    out.write((f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1" /><pageSetUpPr />'
               f'</sheetPr><dimension ref="{_dimension(table)}" /><sheetViews><sheetView workbookViewId="0">'
               f'<pane ySplit="{FIRST_DATA_ROW - 1}" topLeftCell="A{FIRST_DATA_ROW}" activePane="bottomLeft" '
               'state="frozen" /><selection pane="bottomLeft" activeCell="A1" sqref="A1" /></sheetView></sheetViews>'
               '<sheetFormatPr baseColWidth="8" defaultRowHeight="15" />'
               f'{f"<cols>{widths}</cols>" if widths else ""}<sheetData>').encode("utf-8"))
    writer = SheetRows(out, len(headers), styles, table.key)
    lines = [writer.row_xml(1, [writer.text_cell(1, 1, table.title, font="title")])]
    if table.caption or table.source:
        caption = " ".join(filter(None, [table.caption, f"Source: {table.source}" if table.source else ""]))
        lines.append(writer.row_xml(2, [writer.text_cell(2, 1, caption)]))
    if headers:
        lines.append(writer.row_xml(4, [writer.text_cell(4, j, h, font="header") for j, h in enumerate(headers, 1)]))
    writer.write(lines)
    if headers:
        kinds = [table.formats.get(c, "text") for c in frame.columns]
        for start in range(0, len(frame), ROWS_AT_ONCE):  # a block of rows at a time: bounded memory
            block = frame.iloc[start:start + ROWS_AT_ONCE]
            first = FIRST_DATA_ROW + start
            parts = [writer.part(j, _values(block.iloc[:, j - 1]), kind, first) for j, kind in enumerate(kinds, 1)]
            # One step a row: the row's XML with a field for each row number and value, filled in by "%"
            row = f'<row r="%d">{"".join(piece for piece, _ in parts)}</row>'
            fills = [range(first, first + len(block)), *(fill for _, column in parts for fill in column)]
            writer.write(list(map(row.__mod__, zip(*fills))))
    out.write(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5" />'
              b'</worksheet>')


def _dimension(table: Table) -> str:
    """The range an ordinary openpyxl sheet of ``table`` states as its size: A1 to the last cell written."""
    columns = len(table.frame.columns)
    if columns:
        return f"A1:{column_letter(columns)}{FIRST_DATA_ROW - 1 + len(table.frame)}"
    return "A1:A2" if table.caption or table.source else "A1:A1"


class SheetRows:
    """A sheet's rows as XML, cell for cell what openpyxl writes, to a binary file.

    Text, finite numbers and blanks, nearly every cell, are made a column at
    a time (``column``); any other value (a boolean, an Excel error code,
    empty or over-long text, a number that is not finite) goes through
    ``cell``. Text with a character Excel refuses raises
    ``IllegalCharacterError`` naming the sheet and cell.
    """

    def __init__(self, out, columns: int, styles: "Styles", sheet: str = ""):
        self.out = out
        self.letters = [column_letter(j) for j in range(1, columns + 1)]
        self.styles = styles
        self.sheet = sheet

    @staticmethod
    def row_xml(index: int, cells) -> str:
        """One row element holding ``cells`` (XML text)."""
        return f'<row r="{index}">{"".join(cells)}</row>'

    def write(self, rows: list[str]) -> None:
        """Write rows made by ``row_xml``."""
        self.out.write("".join(rows).encode("utf-8"))

    def column(self, column: int, values: list, kind: str, first_row: int = FIRST_DATA_ROW) -> list[str]:
        """The XML of a column's data cells, from row ``first_row`` down: ``cell`` of each value as
        ``_excel_value`` gives it (``part`` filled in, row by row)."""
        piece, fills = self.part(column, values, kind, first_row)
        return [piece % filled for filled in zip(*fills)]

    def part(self, column: int, values: list, kind: str, first_row: int = FIRST_DATA_ROW) -> tuple[str, list]:
        """A column's part of its rows' XML, from row ``first_row`` down: ``(piece, fills)``, a cell's XML with
        ``%`` fields and the lists that fill them in, row by row; the cells are ``cell`` of each value as
        ``_excel_value`` gives it.

        A large council's tables.xlsx holds 650,000 cells. The usual ones
        (pence and counts as integers, finite per cents, text, blank text)
        are worked out here a column at a time, their text checked and
        escaped all at once. Where every cell of the column is text, or
        every one a number, ``piece`` is that cell's XML with fields for its
        row and its value, so that a sheet's row is made in one step from
        the pieces of its columns (``_write_sheet``); otherwise ``piece`` is
        "%s", filled with each cell's whole XML, and any unusual value goes
        through ``cell``.
        """
        letter = self.letters[column - 1]
        rows = range(first_row, first_row + len(values))
        slow = self.cell
        whole_cells = "%s"
        if kind in ("money", "money_signed", "int", "pct", "pct_signed", "number"):
            styled = f' s="{self.styles.id(kind=kind)}"' if kind in EXCEL_FORMATS else ""
            whole = kind in ("money", "money_signed", "int")
            usual = _INTEGERS if whole else _FLOATS
            money = kind.startswith("money")
            numbers = _usual_numbers(values, usual, money)
            if numbers is not None:
                return f'<c r="{letter}%d"{styled} t="n"><v>%.16g</v></c>', [rows, numbers]
            if styled and not whole and values and set(map(type, values)) <= _FLOAT_TYPES:
                # per cents with blanks (NaN) among them: the rest of each cell after its style, made at once
                floats = np.array(values, dtype=np.float64)
                rests = list(map("><v>%.16g</v></c>".__mod__, floats.tolist()))
                for i in np.flatnonzero(~np.isfinite(floats)).tolist():
                    rests[i] = " />" if math.isnan(floats[i]) else "><v /></c>"  # as ``cell`` writes them
                return f'<c r="{letter}%d"{styled} t="n"%s', [rows, rests]
            excel = (lambda v: int(v) / PENCE_PER_MILLION) if money else int if whole else float
            return whole_cells, [[f'<c r="{letter}{r}"{styled} t="n"><v>{"%.16g" % excel(v)}</v></c>'
                                  if type(v) in usual and (whole or math.isfinite(v))
                                  else slow(r, column, _excel_value(v, kind), kind) for r, v in zip(rows, values)]]
        # "\0" is refused in a cell, so where text is fit to write it only separates
        at_once = _escaped_texts(values, xml_escape) if kind != "html" else None
        if at_once is None or _refused_but_nul(at_once[1]):
            return whole_cells, [[slow(r, column, _excel_value(v, kind), kind) for r, v in zip(rows, values)]]
        texts, joined, aligned = at_once  # aligned: each text's escaped XML
        quoted = ""  # text that would start a formula is kept as text: a style with a quote prefix
        if joined.startswith(_FORMULA_START) or _NEXT_STARTS_FORMULA.search(joined):
            quoted = f' s="{self.styles.id(kind=kind, quoted=True)}"'
        if _plain(texts, joined) and len(texts) + values.count(None) == len(values):
            # Nearly every text column: no text spaced at an edge, over-long or an error code, and nothing
            # but text and blanks. Each cell is then its text in the same XML (the escaped text starts as
            # the text does), or an empty cell for empty text.
            if len(texts) == len(values):  # text in every cell
                if not quoted and "" not in texts:
                    return f'<c r="{letter}%d"{_TEXT_OPEN}%s{_TEXT_CLOSE}', [rows, aligned]
                return f'<c r="{letter}%d"%s', [rows, _text_cells(aligned, quoted)]
            return whole_cells, [["" if text is None else
                                  f'<c r="{letter}{r}"{quoted if quoted and text.startswith(_FORMULA_START) else ""} '
                                  f't="inlineStr"><is><t>{text}</t></is></c>'
                                  if text else f'<c r="{letter}{r}" t="inlineStr" />' for r, text in zip(rows, aligned)]]
        preserve = ' xml:space="preserve"'  # ``_space``, inline: text with space at either end, not all space
        return whole_cells, [["" if v is None else
                              f'<c r="{letter}{r}"{quoted if quoted and v.startswith(_FORMULA_START) else ""} t="inlineStr">'
                              f'<is><t{preserve if (v[0].isspace() or v[-1].isspace()) and not v.isspace() else ""}>'
                              f'{text}</t></is></c>'
                              if v is None or (text and len(v) <= MAX_TEXT and v not in ERROR_CODES)
                              else slow(r, column, _excel_value(v, kind), kind) for r, v, text in zip(rows, values, aligned)]]

    def cell(self, row: int, column: int, value, kind: str) -> str:
        """The XML of one data cell: ``value`` (as ``_excel_value`` gives it) in a column of format ``kind``."""
        quoted = isinstance(value, str) and value.startswith(_FORMULA_START)
        style = self.styles.id(kind=kind, quoted=quoted) if quoted or kind in EXCEL_FORMATS else None
        return self.cell_xml(f"{self.letters[column - 1]}{row}", value, style)

    def text_cell(self, row: int, column: int, text: str, font: str | None = None) -> str:
        """A title, caption or header cell: text in ``font``, kept as text even where it would start a formula."""
        quoted = text.startswith(_FORMULA_START)
        style = self.styles.id(font=font, quoted=quoted) if font or quoted else None
        return self.cell_xml(f"{column_letter(column)}{row}", text, style)

    def cell_xml(self, ref: str, value, style: int | None) -> str:
        """A cell's XML, byte for byte as openpyxl writes a cell holding ``value`` in style number ``style``
        (text as text, never as a formula)."""
        styled = f' s="{style}"' if style is not None else ""
        if value is None:
            return f'<c r="{ref}"{styled} t="n" />' if style is not None else ""
        if isinstance(value, str):
            value = value[:MAX_TEXT]
            if ILLEGAL_CHARACTERS.search(value):
                raise IllegalCharacterError(f"sheet {self.sheet!r}, cell {ref}: the text {value!r} holds a control "
                                            "character, which an Excel workbook cannot store")
            if not value:
                return f'<c r="{ref}"{styled} t="inlineStr" />'
            if value in ERROR_CODES:
                return f'<c r="{ref}"{styled} t="e"><v>{value}</v></c>'
            return f'<c r="{ref}"{styled} t="inlineStr"><is><t{_space(value)}>{xml_escape(value)}</t></is></c>'
        if isinstance(value, (bool, np.bool_)):
            return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, numbers.Real):
            number = "%.16g" % value if math.isfinite(value) else ""
            return f'<c r="{ref}"{styled} t="n"><v>{number}</v></c>' if number else f'<c r="{ref}"{styled} t="n"><v /></c>'
        raise ValueError(f"sheet {self.sheet!r}, cell {ref}: cannot write {value!r} to Excel")


def _text_cells(aligned: list[str], quoted: str) -> list[str]:
    """What follows the reference in the cell of each of a column's texts (escaped, in ``aligned``), as
    ``SheetRows.cell`` writes it: `` t="inlineStr"><is><t>…</t></is></c>``, `` t="inlineStr" />`` for
    empty text, and ``quoted`` (the quote-prefix style) first for text that would start a formula.

    Made for the whole column at once, by joining its texts with the XML
    between them and splitting the result, rather than cell by cell: escaped
    text holds no "<" (so an empty text is the only way to make an empty
    ``<t></t>``) and no "\0" (so the splitting is exact).
    """
    cells = f"\0{_TEXT_OPEN}" + f"{_TEXT_CLOSE}\0{_TEXT_OPEN}".join(aligned) + _TEXT_CLOSE
    cells = cells.replace(_TEXT_OPEN + _TEXT_CLOSE, ' t="inlineStr" />')
    if quoted:
        cells = _FORMULA_CELL.sub(f"\0{quoted}{_TEXT_OPEN}", cells)
    return cells[1:].split("\0")


def _refused_but_nul(joined: str) -> bool:
    """Whether ``joined`` holds a control character XML refuses (``ILLEGAL_CHARACTERS``) other than "\0".

    Counted in its Latin-1 or else UTF-8 bytes, where a control character is
    a byte under 32 and no other character has such a byte: a large
    council's column of 50,000 texts is checked in a millisecond, where
    searching it with the pattern takes fifteen.
    """
    try:
        encoded = joined.encode("latin-1")  # a copy, for the text Latin-1 holds (a character a byte, as it is kept)
    except UnicodeEncodeError:
        encoded = joined.encode("utf-8", "surrogatepass")
    codes = np.frombuffer(encoded, np.uint8)
    controls = codes[codes < 32]
    return bool(np.isin(controls, _ALLOWED_CONTROLS, invert=True).any())


def _plain(texts: list[str], joined: str) -> bool:
    """Whether every one of ``texts`` (``joined`` by "\0") is written as it is, in no style: none has space
    at either end, is longer than Excel keeps or could be an error code ("#N/A"...)."""
    return ("#" not in joined and not joined[:1].isspace() and not joined[-1:].isspace()
            and not _SPACE_AFTER.search(joined) and not _SPACE_AFTER.search(joined[::-1])
            and (len(joined) <= MAX_TEXT or max(map(len, texts)) <= MAX_TEXT))


def _usual_numbers(values: list, usual: tuple, money: bool) -> list | None:
    """The numbers a numeric column's cells hold, as ``SheetRows.column`` writes them (money, in pence, in
    £m; whole numbers, ``usual`` being ``_INTEGERS``, as they are), worked out at once; None unless every
    value's type is ``usual``, every float finite and every whole number within int64.

    Pence divided as float64 equal Python's exact ``int / int`` up to 2**53 pence (£90 trillion).
    """
    whole = usual is _INTEGERS
    if not values or not set(map(type, values)) <= set(usual):
        return None
    try:
        array = np.fromiter(values, dtype=np.int64 if whole else np.float64, count=len(values))
    except OverflowError:  # a whole number past int64
        return None
    if not whole:
        return array.tolist() if np.isfinite(array).all() else None
    if money:
        return (array / PENCE_PER_MILLION).tolist() if -(2 ** 53) <= array.min() and array.max() <= 2 ** 53 else None
    return array.tolist()


def _space(text: str) -> str:
    """openpyxl's attribute for text with space at either end (kept as typed), unless it is all space."""
    return ' xml:space="preserve"' if (text[:1].isspace() or text[-1:].isspace()) and not text.isspace() else ""


class Styles:
    """A workbook's cell styles (font, number format, quote prefix), numbered as openpyxl numbers them:
    the default first, then each in the order a cell first uses it."""

    FONTS = {None: 0, "title": 1, "header": 2}
    FONT_XML = ('<font><name val="Calibri" /><family val="2" /><color theme="1" /><sz val="11" />'
                '<scheme val="minor" /></font><font><b val="1" /><sz val="13" /></font><font><b val="1" /></font>')
    BUILT_IN_FORMATS = {"#,##0": 3}

    def __init__(self):
        self.ids: dict[tuple, int] = {(0, 0, False): 0}
        self.formats: dict[str, int] = {}

    def id(self, font: str | None = None, kind: str = "text", quoted: bool = False) -> int:
        """The number of the style with ``font`` (None, title, header), ``kind``'s number format and, for
        text that would start a formula, a quote prefix; registered on first use."""
        code = EXCEL_FORMATS.get(kind)
        number_format = 0 if code is None else self.BUILT_IN_FORMATS.get(code) or \
            self.formats.setdefault(code, 164 + len(self.formats))
        return self.ids.setdefault((self.FONTS[font], number_format, quoted), len(self.ids))

    def xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{n}" formatCode="{xml_escape(code, {chr(34): "&quot;"})}" />'
                          for code, n in self.formats.items())
        cells = "".join(f'<xf numFmtId="{number_format}" fontId="{font}" fillId="0" borderId="0" pivotButton="0" '
                        f'quotePrefix="{int(quoted)}" xfId="0" />' for font, number_format, quoted in self.ids)
        return (f'<styleSheet xmlns="{_MAIN}">'
                + (f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if formats else "")
                + f'<fonts count="{len(self.FONTS)}">{self.FONT_XML}</fonts>'
                '<fills count="2"><fill><patternFill /></fill><fill><patternFill patternType="gray125" /></fill></fills>'
                '<borders count="1"><border><left /><right /><top /><bottom /><diagonal /></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" /></cellStyleXfs>'
                f'<cellXfs count="{len(self.ids)}">{cells}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0" /></cellStyles>'
                '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16" />'
                '</styleSheet>')


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument"


def sheet_deflater():
    """A raw deflate stream, as zipfile makes for a deflated member (``compress``, ``flush``), at ``SHEET_LEVEL``
    of ISA-L's deflate: five times as fast as zlib's, which makes the same format."""
    return isal_zlib.compressobj(SHEET_LEVEL, isal_zlib.DEFLATED, -15)


def _package(tables: list[Table], target: Path) -> None:
    """Write the .xlsx package to ``target``: the parts openpyxl writes, a sheet for each table.

    Each sheet is compressed as its XML is made (no copy of it is kept), and
    the styles its cells use are written last, once every cell is made.
    """
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    numbers_ = range(1, len(tables) + 1)
    sheet_type = f"{_TYPES}.spreadsheetml.worksheet+xml"
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
            '<Default Extension="xml" ContentType="application/xml" />'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.spreadsheetml.styles+xml" />'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{_TYPES}.theme+xml" />'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml" />'
            f'<Override PartName="/docProps/app.xml" ContentType="{_TYPES}.extended-properties+xml" />'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}" />'
                      for n in numbers_)
            + f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.spreadsheetml.sheet.main+xml" /></Types>',
        "_rels/.rels":
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml" Id="rId1" />'
            '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml" Id="rId2" />'
            f'<Relationship Type="{_RELATIONSHIPS}/extended-properties" Target="docProps/app.xml" Id="rId3" />'
            '</Relationships>',
        "docProps/app.xml":
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>briefing</Application></Properties>",
        "docProps/core.xml":
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>briefing</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>',
        "xl/workbook.xml":
            f'<workbook xmlns:r="{_RELATIONSHIPS}" xmlns="{_MAIN}"><workbookPr /><workbookProtection /><bookViews>'
            '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
            'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1" />'
            "</bookViews><sheets>"
            + "".join(f'<sheet name={quoteattr(table.key)} sheetId="{n}" state="visible" r:id="rId{n}" />'
                      for n, table in zip(numbers_, tables))
            + '</sheets><definedNames /><calcPr calcId="124519" fullCalcOnLoad="1" /></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            + "".join(f'<Relationship Type="{_RELATIONSHIPS}/worksheet" Target="/xl/worksheets/sheet{n}.xml" '
                      f'Id="rId{n}" />' for n in numbers_)
            + f'<Relationship Type="{_RELATIONSHIPS}/styles" Target="styles.xml" Id="rId{len(tables) + 1}" />'
            f'<Relationship Type="{_RELATIONSHIPS}/theme" Target="theme/theme1.xml" Id="rId{len(tables) + 2}" />'
            "</Relationships>",
    }
    date_time = time.localtime(now)[:6]

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time)
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16  # as ZipFile.writestr makes it
        info._compresslevel = DEFLATE_LEVEL  # a member given as a ZipInfo is otherwise compressed at zlib's default
        return info

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=DEFLATE_LEVEL) as archive:
        for name, text in parts.items():
            archive.writestr(member(name), text.encode("utf-8"))
        archive.writestr(member("xl/theme/theme1.xml"), THEME.read_bytes())
        styles = Styles()
        for n, table in zip(numbers_, tables):
            try:
                with archive.open(member(f"xl/worksheets/sheet{n}.xml"), "w") as stream:
                    # In place of zipfile's zlib stream, before anything is written: the writer's private
                    # attribute (the same from Python 3.6 to 3.13); a test checks each sheet is stored as ISA-L
                    # deflates it, so a zipfile that no longer used it would be seen, not silently slower.
                    stream._compressor = sheet_deflater()
                    _write_sheet(table, stream, styles)
            except RuntimeError as err:  # zipfile refuses a part past 2 GiB not announced as zip64 in advance
                if "zip64" not in str(err):
                    raise
                raise ValueError(f"sheet {table.key!r} is too large for an Excel workbook ({err})") from err
        archive.writestr(member("xl/styles.xml"), styles.xml().encode("utf-8"))
