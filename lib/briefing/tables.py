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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .money import PENCE_PER_MILLION, round_millions
from .outputs import atomic_path

RAG_SYMBOLS = {"Green": "✔", "Amber": "▲", "Red": "✖", "Monitoring only": "○", "Not reported": "–"}
RAG_CLASSES = {"Green": "rag-g", "Amber": "rag-a", "Red": "rag-r", "Monitoring only": "rag-m", "Not reported": "rag-n"}
FORMATS = ("text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html")


@dataclass
class Table:
    """A table of the briefing: what it shows (title), what it is (caption), and its data.

    ``formats`` maps a column to one of FORMATS; columns not named are text.
    ``key`` names the sheet in tables.xlsx (at most 31 characters).
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
        shown = round(float(value), 1) + 0.0
        sign = "+" if kind == "pct_signed" and shown > 0 else ""
        return f"{sign}{shown:,.1f}%"
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
    frame = table.frame
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
    if table.source:
        caption += f'<span class="source">Source: {html.escape(table.source)}</span>'
    parts.append(f"<caption>{caption}</caption>")
    kinds = [table.formats.get(c, "text") for c in frame.columns]
    head = "".join(_header_html(c, k, i) for i, (c, k) in enumerate(zip(frame.columns, kinds), start=1))
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    row_header = table.row_header and len(frame.columns) > 1  # a row header needs data cells beside it
    n = len(frame)
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for j, (value, kind) in enumerate(zip(row, kinds)):
            cls = ' class="num"' if kind in NUMERIC else ""
            content = _cell_html(value, kind)
            if j == 0 and row_header:
                cells.append(f'<th scope="row"{cls}>{content}</th>')
            else:
                cells.append(f"<td{cls}>{content}</td>")
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


def write_workbook(tables: list[Table], path: Path) -> Path:
    """Write every table to its own sheet of an .xlsx, atomically (a temporary file, then rename).

    Money is written in £m, unrounded, formatted to one decimal; text that
    would start a formula is stored as text, so a commentary cannot run.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    keys = [t.key.casefold() for t in tables]  # Excel sheet names ignore case
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"two tables share the sheet name(s) {repeated}; each table needs its own key")
    book = Workbook()
    book.remove(book.active)
    formats = {"money": "#,##0.0", "money_signed": "+#,##0.0;-#,##0.0;0.0", "pct": '0.0"%"',
               "pct_signed": '+0.0"%";-0.0"%";0.0"%"', "int": "#,##0"}
    for table in tables:
        sheet = book.create_sheet(table.key)
        sheet["A1"] = table.title
        sheet["A1"].font = Font(bold=True, size=13)
        if table.caption or table.source:
            sheet["A2"] = " ".join(filter(None, [table.caption, f"Source: {table.source}" if table.source else ""]))
        kinds = [table.formats.get(c, "text") for c in table.frame.columns]
        for j, column in enumerate(table.frame.columns, start=1):
            cell = sheet.cell(row=4, column=j, value=str(column))
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(12, min(60, len(str(column)) + 4))
        for i, row in enumerate(table.frame.itertuples(index=False, name=None), start=5):
            for j, (value, kind) in enumerate(zip(row, kinds), start=1):
                cell = sheet.cell(row=i, column=j, value=_excel_value(value, kind))
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                if kind in formats:
                    cell.number_format = formats[kind]
        sheet.freeze_panes = "A5"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)
