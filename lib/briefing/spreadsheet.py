"""tables.xlsx: every table of the briefing on its own sheet, with the unrounded values, written by xlsxwriter.

The first sheet, Contents, lists the tables, each sheet's name a link to it. Each table's sheet has the
table's title in A1 and its caption (and source) in A2, each across the table's columns and wrapped, the
column headers in row 4 and the data from row 5, the panes frozen above it and a filter on the headers.
Money (integer pence) is written in £m, unrounded, formatted to one decimal; a per cent as a fraction with a
per cent format; a measure's actual and target (``Table.figures``) as a number formatted with its unit, and
the text beside it where the number alone would lose what it says. A column is as wide as its contents, up
to 60 characters (less in a table wider than a page), a longer or multi-line text wrapped, each row as tall
as its text is estimated to need; total rows are bold. Every sheet prints on A4 landscape, one page wide,
its header row on every page, its title at the top and page numbers at the foot.
Text is always written as text: never as a formula, a link, a number or an error code, so neither a
commentary nor a title can run as a formula.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import xlsxwriter

from .money import PENCE_PER_MILLION
from .outputs import atomic_path
from .tables import Table, format_value
from .workbook import missing

EXCEL_FORMATS = {"money": "#,##0.0", "money_signed": "+#,##0.0;-#,##0.0;0.0", "pct": "#,##0.0%",
                 "pct_signed": "+#,##0.0%;-#,##0.0%;0.0%", "int": "#,##0"}
FIRST_DATA_ROW = 5  # title, caption, a blank row, the headers, then the data (rows counted from 1, as Excel does)
HEADER_ROW = FIRST_DATA_ROW - 2  # the same row counted from 0, as xlsxwriter does
MAX_TEXT = 32_767  # characters Excel keeps in a cell; longer text is cut there
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # a sheet's size in Excel
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # text Excel would take for a formula as typed: given a quote prefix
# Characters XML 1.0 refuses (control characters other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF)
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FONTS = {"title": {"bold": True, "font_size": 13}, "header": {"bold": True, "text_wrap": True, "bottom": 1},
         "total": {"bold": True}, "link": {"font_color": "blue", "underline": 1}}
CONTENTS = "Contents"  # the first sheet's name: no table's key may take it
MIN_WIDTH, MAX_WIDTH = 8, 60  # a column's width, in characters; text wider than MAX_WIDTH wraps
PADDING = 2  # characters of a column's width beside its widest text
CHARS_PER_WIDTH = 1.1  # characters of running text a column takes for each character (each "0") of its width
HEADER_LINE = 10  # characters of a header kept on one line; a longer header wraps rather than widen its column
# A table wider than PAGE_WIDTH characters (an A4 landscape page at about 75%) has its widest columns narrowed,
# none below NARROWEST, and wrapped, so that it prints at a size people can read
PAGE_WIDTH, NARROWEST = 190, 24
FONT_SIZE, LINE_HEIGHT, MAX_ROW_HEIGHT = 11, 15, 409  # points: the default font, a line of it, Excel's tallest row
PAGE_TEXT = 255  # characters Excel keeps in a printed page's header or footer
A4 = 9  # xlsxwriter's (and Excel's) number for A4 paper
PAGE_NUMBERS = "Page &P of &N"
# A unit a number format can carry as quoted text: no quote, backslash or semicolon (which Excel reads in quoted
# text but openpyxl and pandas, deciding whether a format is a date's, do not), nothing XML refuses, short
UNIT = re.compile('[^"\\\\;\x00-\x1f\ud800-\udfff\ufffe\uffff]{1,60}')


def excel_value(value, kind: str):
    """``value`` as its cell holds it in a column of format ``kind`` (None for a blank): money in £m, a per cent
    as a fraction (44 as 0.44, shown as 44.0% by its format)."""
    if missing(value):
        return None
    if kind in ("money", "money_signed"):
        return int(value) / PENCE_PER_MILLION
    if kind in ("pct", "pct_signed", "number"):
        if not isinstance(value, numbers.Real):
            return str(value)
        return float(value) / 100 if kind != "number" else float(value)
    if kind == "int":
        return int(value)
    if kind == "html":
        return re.sub(r"<[^>]+>", "", str(value))
    return str(value) if not isinstance(value, (int, float)) else value


def figure_cell(value: float, unit) -> tuple[float, str] | None:
    """A measure's figure (``Table.figures``) as its cell holds it, and the number format that shows it as the
    briefing writes it (``performance.with_unit``): 53.9% (held as 0.539), £17.5m, 2.5 days, 791. None for a
    unit a number format cannot hold as it is written (``UNIT``): its cell keeps the text."""
    unit = unit.strip() if isinstance(unit, str) else ""
    if unit and not UNIT.fullmatch(unit):
        return None
    value = float(value)
    digits = "#,##0" if value.is_integer() else "#,##0.0#"  # at most two decimals, none for a whole number
    if unit == "%":
        return value / 100, f"{digits}%"
    if unit == "£m":
        return value, '"£"#,##0.0"m";-"£"#,##0.0"m"'
    if unit in ("", "number"):
        return value, digits
    return value, f'{digits}" {unit}"'


def cell_text(text: str) -> str:
    """Text as a cell can hold it: without the characters XML refuses, cut at Excel's 32,767 characters
    (counted as Excel counts them, in UTF-16: a character beyond U+FFFF counts two)."""
    text = ILLEGAL_CHARACTERS.sub("", text)[:MAX_TEXT]
    if len(text) > MAX_TEXT // 2:
        text = text.encode("utf-16-le")[:2 * MAX_TEXT].decode("utf-16-le", "ignore")
    return text


def page_text(text: str, limit: int) -> str:
    """Text for a printed page's header or footer: one line, each "&" doubled (a single one starts a code, as
    "&P" the page number), cut with "…" to ``limit`` characters. xlsxwriter takes "&G" and "&[Picture]" for an
    image's place even after a doubled "&", so a space is put between."""
    def escaped(part: str) -> str:
        return re.sub(r"&(?=[G\[])", "& ", part).replace("&", "&&")
    text = re.sub(r"\s+", " ", ILLEGAL_CHARACTERS.sub("", text)).strip()
    if len(escaped(text).encode("utf-16-le")) <= 2 * limit:
        return escaped(text)
    text = text[:limit]
    while len(escaped(text + "…").encode("utf-16-le")) > 2 * limit:
        text = text[:-1]
    return escaped(text + "…")


def write_workbook(tables: list[Table], path: Path, title: str = "") -> Path:
    """Write a Contents sheet and every table on its own sheet of an .xlsx at ``path``, atomically (a temporary
    file, then rename). ``title``, the document's (its council and period), heads the Contents sheet and is
    at the foot of every printed page.

    Rows are written in order and streamed to disk (xlsxwriter's
    ``constant_memory``), so a large council's 50,000-row sheets are not
    held in memory.
    """
    keys = [CONTENTS.casefold(), *(t.key.casefold() for t in tables)]  # Excel sheet names ignore case
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"two tables share the sheet name(s) {repeated} (the first sheet is {CONTENTS!r}); "
                         "each table needs its own key")
    for table in tables:
        rows, columns = FIRST_DATA_ROW - 1 + len(table.frame), len(table.frame.columns) + len(table.figures)
        if rows > MAX_ROWS or columns > MAX_COLUMNS:
            raise ValueError(f"sheet {table.key!r} is too large for an Excel workbook ({rows} rows, {columns} columns)")
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    footer = f"&L{page_text(title, PAGE_TEXT - 4 - len(PAGE_NUMBERS))}&R{PAGE_NUMBERS}" if title else \
        f"&C{PAGE_NUMBERS}"
    with atomic_path(path) as tmp:
        # constant_memory streams each sheet through a temporary file: kept beside the workbook being written
        # (a batch document's staging folder), not in the system's, so a kernel killed mid-write leaves
        # nothing behind once its staging folder is removed
        with xlsxwriter.Workbook(str(tmp), {**options, "tmpdir": str(Path(tmp).parent)}) as book:
            styles = Styles(book)
            contents = "Every table of the briefing on its own sheet, with the unrounded values: select a sheet's " \
                       "name to go to it."
            columns = _contents_columns(tables)
            lay_out(columns)
            _write_sheet(book.add_worksheet(CONTENTS), title or "Tables of the briefing", contents, columns,
                         len(tables), 0, styles, footer)
            for table in tables:
                caption = " ".join(filter(None, [table.caption, table.rounding_note,
                                                 f"Source: {table.source}" if table.source else ""]))
                columns = _table_columns(table)
                lay_out(columns)  # every value read once before its sheet: one left empty leaves its temporary file
                _write_sheet(book.add_worksheet(table.key), table.title, caption if table.caption or table.source
                             else "", columns, len(table.frame), table.total_rows, styles, footer)
    return Path(path)


class Styles:
    """The workbook's cell formats, each added once: a font (one of FONTS), a number format, a quote prefix,
    wrapped text and text at the top of its cell."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.formats: dict[tuple, object] = {}

    def get(self, font: str | None = None, num_format: str | None = None, quoted: bool = False, wrap: bool = False,
            top: bool = False):
        key = (font, num_format, quoted, wrap, top)  # asked for cell by cell: kept cheap
        if key not in self.formats:
            properties = {"num_format": num_format, "quote_prefix": quoted, "text_wrap": wrap,
                          "valign": "top" if top else None, **FONTS.get(font, {})}
            properties = {name: value for name, value in properties.items() if value}
            self.formats[key] = self.book.add_format(properties) if properties else None
        return self.formats[key]


@dataclass
class SheetColumn:
    """A column as its sheet holds it. ``cells`` makes each row's cell afresh for each pass over the sheet
    (the rows are streamed, never all held): the value as the cell holds it, its number format (None:
    General) and its text as the briefing shows it, for the column's width and its rows' heights ("" for a
    number: a number never wraps; ``numbers_width`` is the width its numbers need). On the Contents sheet,
    each row's link. ``lay_out`` sets its width in characters and whether its text wraps."""

    header: str
    cells: Callable[[], Iterator[tuple]]
    numbers_width: int = 0
    links: list[str] | None = None
    width: int = MIN_WIDTH
    wrap: bool = False


def lay_out(columns: list[SheetColumn]) -> None:
    """Each column as wide as its header and its widest cell need, from MIN_WIDTH to MAX_WIDTH characters (a
    header longer than HEADER_LINE wraps, at its longest word, rather than widen a column of short figures);
    in a table wider than PAGE_WIDTH the widest columns narrowed to one width, no less than NARROWEST. Text
    wider than its column, or of more than one line, wraps."""
    needed, longest, has_lines = [], [], []
    for column in columns:
        texts = [shown for _, _, shown in column.cells() if shown]  # the text cells alone, a column at a time
        longest.append(max([column.numbers_width, *(len(line) for text in texts for line in text.split("\n"))]))
        has_lines.append(any("\n" in text for text in texts))
        header = min(len(column.header), max(HEADER_LINE, *map(len, column.header.split() or [""])))
        needed.append(min(MAX_WIDTH, max(MIN_WIDTH, longest[-1] + PADDING, header + PADDING)))
    cap = next((cap for cap in range(MAX_WIDTH, NARROWEST, -1) if sum(min(n, cap) for n in needed) <= PAGE_WIDTH),
               NARROWEST)
    for column, width, line, lines in zip(columns, needed, longest, has_lines):
        column.width = min(width, cap)
        column.wrap = lines or line_count("x" * line, column.width) > 1


def line_count(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped at its spaces in a column ``width`` characters wide, as estimated
    from its length (running text is narrower than the digits a column's width counts: CHARS_PER_WIDTH)."""
    per_line = max(1, int((width - PADDING) * CHARS_PER_WIDTH))
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        if len(paragraph) <= per_line:
            continue
        used = 0
        for word in paragraph.split(" "):
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                lines, used, need = lines + 1, 0, len(word)
            while need > per_line:  # a word longer than a line is broken across lines
                lines, need = lines + 1, need - per_line
            used += need
    return lines


def _plain_cells(values: pd.Series, kind: str) -> Iterator[tuple]:
    """The cells of a column of the table's values as they are (see ``SheetColumn``)."""
    num_format, fixed = EXCEL_FORMATS.get(kind), kind in EXCEL_FORMATS
    for value in values:
        cell = excel_value(value, kind)
        yield cell, num_format, cell if isinstance(cell, str) else "" if cell is None or fixed else \
            format_value(value, kind)


def _numbers_width(values: pd.Series, kind: str) -> int:
    """The width of the widest number of a column of fixed decimals (EXCEL_FORMATS) as ``tables.format_value``
    writes it: that of its largest or its smallest number."""
    if kind not in EXCEL_FORMATS:
        return 0
    found = [v for v in values if isinstance(v, numbers.Real) and not missing(v) and math.isfinite(v)]
    if not found:
        return 0
    return max(len(format_value(min(found), kind)), len(format_value(max(found), kind)))


def _figure_cells(texts: pd.Series, figures: pd.DataFrame) -> Iterator[tuple]:
    """The cells of a column of figures (``Table.figures``): the figure where there is one its unit can go
    with (``figure_cell``), else the text."""
    for text, number, unit in zip(texts, figures["value"], figures["unit"]):
        figure = isinstance(number, numbers.Real) and not isinstance(number, bool) and math.isfinite(number)
        value, num_format = (figure and figure_cell(number, unit)) or (excel_value(text, "text"), None)
        yield value, num_format, "" if missing(text) else str(text)


def _text_cells(texts: list[str]) -> Callable[[], Iterator[tuple]]:
    """The cells of a column of text (see ``SheetColumn``)."""
    return lambda: ((text, None, text) for text in texts)


def _table_columns(table: Table) -> list[SheetColumn]:
    """The table's columns as its sheet holds them; after a column of figures (``Table.figures``), the text as
    written, where any row needs it."""
    columns = []
    for j, name in enumerate(table.frame.columns):
        values, kind, figures = table.frame.iloc[:, j], table.formats.get(name, "text"), table.figures.get(name)
        if figures is None:
            columns.append(SheetColumn(str(name), partial(_plain_cells, values, kind), _numbers_width(values, kind)))
            continue
        if len(figures) != len(values):
            raise ValueError(f"table {table.key!r}: the figures of {name!r} are {len(figures)} rows, not {len(values)}")
        columns.append(SheetColumn(str(name), partial(_figure_cells, values, figures)))
        written = ["" if missing(text) else str(text) for text in figures["as_written"]]
        if any(written):
            columns.append(SheetColumn(f"{name} as written", _text_cells(written)))
    return columns


def _contents_columns(tables: list[Table]) -> list[SheetColumn]:
    """The Contents sheet's columns: each table's sheet (a link to it), its title and how many rows it has."""
    names, titles = [t.key for t in tables], [cell_text(t.title) for t in tables]
    rows = [len(t.frame) for t in tables]
    links = ["internal:'{}'!A1".format(name.replace("'", "''")) for name in names]
    counts = SheetColumn("Rows", lambda: ((n, EXCEL_FORMATS["int"], "") for n in rows),
                         numbers_width=len(f"{max(rows, default=0):,}"))
    return [SheetColumn("Sheet", _text_cells(names), links=links), SheetColumn("Table", _text_cells(titles)), counts]


def _write_sheet(sheet, title: str, caption: str, columns: list[SheetColumn], rows: int, total_rows: int,
                 styles: Styles, footer: str) -> None:
    """A sheet: its print set-up, its title and caption, the header row and the ``rows`` rows of data (laid out
    by ``lay_out``), the last ``total_rows`` of them bold, each row as tall as its wrapped text needs."""
    for j, column in enumerate(columns):
        sheet.set_column(j, j, column.width)
    sheet.freeze_panes(FIRST_DATA_ROW - 1, 0)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.set_header(f"&C{page_text(title, PAGE_TEXT - 2)}")
    sheet.set_footer(footer)
    width = sum(column.width for column in columns)
    _write_heading(sheet, 0, title, len(columns), width, styles, "title")
    if caption:
        _write_heading(sheet, 1, caption, len(columns), width, styles)
    if not columns:
        return
    sheet.repeat_rows(HEADER_ROW)
    _set_height(sheet, HEADER_ROW, max(line_count(column.header, column.width) for column in columns))
    for j, column in enumerate(columns):
        _write_text(sheet, HEADER_ROW, j, column.header, styles, "header")
    first_total = max(rows - total_rows, 0)
    if first_total:
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + first_total, len(columns) - 1)  # the totals stay below it
    for i, cells in enumerate(zip(*(column.cells() for column in columns))):
        row, font = FIRST_DATA_ROW - 1 + i, "total" if i >= first_total else None
        _set_height(sheet, row, max(line_count(shown, column.width) if column.wrap else 1
                                    for column, (_, _, shown) in zip(columns, cells)))
        for j, (column, (value, num_format, _)) in enumerate(zip(columns, cells)):
            link = column.links[i] if column.links else None
            _write_cell(sheet, row, j, value, styles, font, num_format, column.wrap, link)


def _write_heading(sheet, row: int, text: str, columns: int, width: float, styles: Styles,
                   font: str | None = None) -> None:
    """A title or caption across the table's columns, wrapped, its row as tall as its lines are estimated to
    need (neither Excel nor Calc fits a row's height to merged cells)."""
    text = cell_text(text)
    if not columns:
        _write_text(sheet, row, 0, text, styles, font)
        return
    size = FONTS.get(font, {}).get("font_size", FONT_SIZE)
    _set_height(sheet, row, line_count(text, width * FONT_SIZE / size), size)
    if columns > 1:
        sheet.merge_range(row, 0, row, columns - 1, "", styles.get(font, None, text.startswith(FORMULA_START),
                                                                   True, True))
    _write_text(sheet, row, 0, text, styles, font, wrap=True, top=True)


def _set_height(sheet, row: int, lines: int, size: int = FONT_SIZE) -> None:
    """A row tall enough for ``lines`` lines of text (Calc does not fit a row's height to wrapped text as it
    opens a workbook, nor does Excel to merged cells); a row of one line is left to the program."""
    if lines > 1:
        sheet.set_row(row, min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT * size / FONT_SIZE))


def _write_text(sheet, row: int, column: int, text: str, styles: Styles, font: str | None = None,
                num_format: str | None = None, wrap: bool = False, top: bool = False) -> None:
    """Text as text, never a formula; text that would start one as typed has a quote prefix."""
    text = cell_text(text)
    style = styles.get(font, num_format, text.startswith(FORMULA_START), wrap, top)
    if not text:
        sheet.write_blank(row, column, None, style)  # an empty text is a blank cell, as typed
    elif text.startswith("<r>") and text.endswith("</r>"):
        # In constant_memory mode xlsxwriter writes such a string unescaped, as a rich string's own XML;
        # written as a rich string of plain pieces it is escaped (though "\r" and "_x0000_"-like text come
        # out escaped twice, as xlsxwriter escapes a rich string's XML again).
        sheet.write_rich_string(row, column, text[:1], text[1:2], text[2:], *([style] if style else []))
    else:
        sheet.write_string(row, column, text, style)


def _write_cell(sheet, row: int, column: int, value, styles: Styles, font: str | None, num_format: str | None,
                wrap: bool, link: str | None) -> None:
    """A data cell, at the top of its cell: text (a link on the Contents sheet), true or false, a number, or a
    blank (for none, and for an infinity Excel cannot hold)."""
    if link:  # a table's name on the Contents sheet (a sheet's name cannot end "</r>": it has no "/")
        text = cell_text(value)
        sheet.write_url(row, column, link, styles.get("link", None, text.startswith(FORMULA_START), wrap, True),
                        string=text)
    elif isinstance(value, str):
        _write_text(sheet, row, column, value, styles, font, num_format, wrap, True)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, styles.get(font, num_format, False, wrap, True))
    elif value is None or not math.isfinite(value):
        sheet.write_blank(row, column, None, styles.get(font, num_format, False, wrap, True))
    else:
        sheet.write_number(row, column, value, styles.get(font, num_format, False, wrap, True))
