"""Tables as the briefing shows them: a title that states the finding, a caption, typed columns.

One ``Table`` is rendered from the same DataFrame as accessible HTML in the
notebook and briefing (caption, scoped headers, row headers, RAG as a word and
a symbol as well as a colour) and, by ``spreadsheet.write_workbook``, as a
sheet of ``tables.xlsx`` with the unrounded values. Money columns hold integer
pence and are shown as £m.
"""
from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from pandas.core.arrays.masked import BaseMaskedArray

from .money import PENCE_PER_MILLION, WHOLE_NUMBER_TYPES, round_millions, units_text, whole_units

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
