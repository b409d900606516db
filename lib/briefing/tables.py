"""Tables as the briefing shows them: a title that states the finding, a caption, typed columns.

One ``Table`` is rendered from the same DataFrame as accessible HTML in the
notebook and briefing (caption, scoped headers, row headers, RAG as a word and
a symbol as well as a colour) and, by ``spreadsheet.write_workbook``, as a
sheet of ``tables.xlsx`` with the unrounded values. Money columns hold integer
pence and are shown as £m.
"""
from __future__ import annotations

import html
import numbers
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .money import PENCE_PER_MILLION, percent_text, units_text, whole_units
from .workbook import missing

RAG_SYMBOLS = {"Green": "✔", "Amber": "▲", "Red": "✖", "Monitoring only": "○", "Not reported": "–"}
RAG_CLASSES = {"Green": "rag-g", "Amber": "rag-a", "Red": "rag-r", "Monitoring only": "rag-m", "Not reported": "rag-n"}
# "rag_symbol": a RAG status as its badge with the symbol shown and the word given to screen readers and on
# hover, for a grid of statuses that must fit a page's width (its caption carries the key to the symbols).
FORMATS = ("text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "rag_symbol", "html")
FIGURES = {"money", "money_signed", "pct", "pct_signed", "int"}  # formats whose text is only a figure or "–"


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
    # How the money columns hang together, for the rounding note (``rounding_note``): the rows (positions)
    # whose amounts add up to each total row (None: every row before the totals; () : the totals are no sum),
    # and the columns worked out from others, as (column, ((sign, column), ...)).
    part_rows: tuple[int, ...] | None = None
    derived: tuple[tuple[str, tuple[tuple[int, str], ...]], ...] = ()
    # Whether the HTML shows each row as a card on a phone and in print (None: when the table would not fit
    # there, see ``shown_as_cards``).
    cards: bool | None = None
    # Text columns that state a figure with its unit ("53.9%", "£17.5m", "200 (year to date)"), by column: the
    # figures as numbers, for tables.xlsx, a frame a row of ``frame``: "value" (the figure in its unit; NaN where
    # the text is no figure), "unit" ("%", "£m", "days"; "number" or "" for none) and "as_written" (the text
    # where the figure and its unit alone would lose what it says, else ""). The HTML shows the text.
    figures: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.key) > 31 or re.search(r"[\[\]:*?/\\]", self.key):
            raise ValueError(f"table key {self.key!r} cannot name an Excel sheet")
        unknown = {f for f in self.formats.values() if f not in FORMATS}
        if unknown:
            raise ValueError(f"unknown column format(s) {unknown}")

    def _repr_html_(self) -> str:
        return to_html(self)

    @property
    def rounding_note(self) -> str:
        """A note when rounding makes the figures shown disagree: a total that is not the sum of its rows as
        shown, or a difference that is not the difference of the figures shown. Every amount is held exactly
        and rounded only when shown, so both can happen, and a reader should be told why rather than find it."""
        return ROUNDING_NOTE if rounding_differences(self) else ""


ROUNDING_NOTE = ("Amounts are rounded to £0.1m for display and every total and difference is worked out from "
                 "the exact amounts, so the figures shown may not add up exactly.")


def _shown_tenths(values: pd.Series) -> np.ndarray:
    """A money column (pence) as shown, in tenths of £1m (``money.whole_units``: half up, away from zero),
    all at once; NaN for a blank. Exact for any amount under £90bn (pence within a float's 2**53)."""
    pence = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    unit = PENCE_PER_MILLION // 10
    return np.sign(pence) * ((np.abs(pence) + unit // 2) // unit)


def rounding_differences(table: Table) -> list[str]:
    """Where the figures ``table`` shows disagree because of rounding (see ``Table.rounding_note``): each as
    "column: row" text, for the note and for tests. Money columns only; a blank on either side is no
    disagreement (it is said as not available)."""
    frame = table.frame
    money = [c for c in frame.columns if table.formats.get(c) in ("money", "money_signed")]
    first_total = max(len(frame) - table.total_rows, 0)
    parts = np.arange(first_total) if table.part_rows is None else np.asarray(table.part_rows, dtype=int)
    shown = {c: _shown_tenths(frame[c]) for c in {*money, *(c for _, terms in table.derived for _, c in terms),
                                                    *(c for c, _ in table.derived)} if c in frame}
    found = []
    for column in money:
        values = shown[column][parts]
        for total in range(first_total, len(frame)) if len(parts) and not np.isnan(values).any() else ():
            if not np.isnan(shown[column][total]) and values.sum() != shown[column][total]:
                found.append(f"{column}: total")
    for column, terms in table.derived:
        if column not in frame or any(c not in frame for _, c in terms):
            continue
        worked = sum(sign * shown[c] for sign, c in terms)
        differ = ~np.isnan(worked) & ~np.isnan(shown[column]) & (worked != shown[column])
        found += [f"{column}: row {i + 1}" for i in np.flatnonzero(differ)]
    return found


@dataclass
class Narrative:
    """A paragraph of the briefing in the reports' voice, every number in it computed; shown as
    ``<p class="narrative">`` with its text escaped."""

    text: str

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f'<p class="narrative">{html.escape(self.text)}</p>'


def format_value(value, kind: str) -> str:
    """A value as text for people: £m to one decimal, per cents to one decimal, counts as integers."""
    if missing(value):
        return "–" if kind not in ("text", "rag", "rag_symbol", "html") else ""
    if kind in ("money", "money_signed"):
        return units_text(whole_units(int(value), 1), 1, kind == "money_signed")
    if kind in ("pct", "pct_signed"):
        return percent_text(value, kind == "pct_signed")
    if kind == "int":
        return f"{int(value):,}"
    if kind == "number" and isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
    return str(value)


def rag_html(value, symbol_only: bool = False) -> str:
    """A RAG status as a coloured badge carrying its symbol and its word (``symbol_only``: the word hidden
    but for screen readers and a pointer's hover)."""
    word = "" if missing(value) else str(value)
    if word not in RAG_SYMBOLS:
        return html.escape(word)
    if symbol_only:
        return (f'<span class="rag {RAG_CLASSES[word]}" title="{html.escape(word)}"><span aria-hidden="true">'
                f'{RAG_SYMBOLS[word]}</span><span class="visually-hidden">{html.escape(word)}</span></span>')
    return (f'<span class="rag {RAG_CLASSES[word]}"><span aria-hidden="true">{RAG_SYMBOLS[word]}</span> '
            f'{html.escape(word)}</span>')


RAG_KEY = ", ".join(f"{symbol} {word}" for word, symbol in RAG_SYMBOLS.items() if word != "Not reported")


def _cell_html(value, kind: str) -> str:
    if kind in ("rag", "rag_symbol"):
        return rag_html(value, kind == "rag_symbol")
    if kind == "html":
        return "" if value is None else str(value)
    text = format_value(value, kind)
    return text if kind in FIGURES else html.escape(text).replace("\n", "<br>")  # a figure has nothing to escape


def element_id(prefix: str, key: str) -> str:
    """An HTML id from a table's or chart's key: ``table-rag-summary``, safe in a URL fragment."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.casefold()).strip("-")
    return f"{prefix}-{slug or 'item'}"


NUMERIC = {"money", "money_signed", "pct", "pct_signed", "int", "number"}
SHORT_TABLE_ROWS = 15  # up to this many rows a table is kept on one printed page
LONG_TEXT = 60  # characters: a text column with a longer value (commentary, not a name) is long text
PRINT_TABLE_AT_MOST = 6  # columns: a card table no wider prints on A4 as a table, fewer lines than cards
CARDS_AT = (4, 9)  # columns: a table as wide as the first with long text, or the second, is shown as cards


def _longest(values: pd.Series) -> int:
    """The length of the longest value as text (0 if there is none)."""
    lengths = values.dropna().astype(str).str.len()
    return int(lengths.max()) if len(lengths) else 0


def shown_as_cards(table: Table, long: list[bool]) -> bool:
    """Whether a table is shown as cards (each row a block, each value labelled) on a phone and on an A4
    page, where its columns would not fit side by side: from ``table.cards``, else when it has a long text
    column (``long``: by column) and at least four columns, or at least nine. On A4 one of no more than
    ``PRINT_TABLE_AT_MOST`` columns is printed as a table all the same (``to_html``)."""
    if table.cards is not None:
        return table.cards
    columns = len(long)
    return columns >= CARDS_AT[0] and any(long) or columns >= CARDS_AT[1]


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
    kinds = [table.formats.get(c, "text") for c in frame.columns]
    long = [kind == "text" and _longest(frame.iloc[:, j]) > LONG_TEXT for j, kind in enumerate(kinds)]
    as_cards = shown_as_cards(table, [wide and c not in SOURCE_COLUMNS for c, wide in zip(frame.columns, long)])
    cards = ("" if not as_cards else ' class="cards print-table"' if len(frame.columns) <= PRINT_TABLE_AT_MOST
             else ' class="cards"')
    parts.append(f'<div class="table-wrap {size}" role="region" tabindex="0" aria-labelledby="{title_id}">'
                 f"<table{cards}>")
    caption = html.escape(table.caption or table.title)
    if table.shown is not None and table.shown_note:
        caption += f'<span class="shown">{html.escape(table.shown_note)}</span>'
    if table.rounding_note:
        caption += f'<span class="note">{html.escape(table.rounding_note)}</span>'
    if table.source:
        caption += f'<span class="source">Source: {html.escape(table.source)}</span>'
    parts.append(f"<caption>{caption}</caption>")
    head = "".join(_header_html(c, k, i) for i, (c, k) in enumerate(zip(frame.columns, kinds), start=1))
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    row_header = table.row_header and len(frame.columns) > 1  # a row header needs data cells beside it
    cells = ""  # a row's cells, each content a %s that "%" fills in (the contents' own "%" are left alone)
    for j, (column, kind) in enumerate(zip(frame.columns, kinds)):
        cls = ' class="num"' if kind in NUMERIC else ' class="long"' if long[j] else ""
        name = html.escape(str(column).strip(), quote=True).replace("%", "%%")  # the label a card shows
        cells += f'<th scope="row"{cls}>%s</th>' if j == 0 and row_header else f'<td{cls} data-label="{name}">%s</td>'
    row, total_row = f"<tr>{cells}</tr>", f'<tr class="total">{cells}</tr>'
    columns = ([_cell_html(value, kind) for value in frame.iloc[:, j].tolist()] for j, kind in enumerate(kinds))
    rows = list(zip(*columns))
    first_total = max(len(frame) - table.total_rows, 0)
    parts.extend(map(row.__mod__, rows[:first_total]))
    parts.extend(map(total_row.__mod__, rows[first_total:]))
    parts.append("</tbody></table></div></section>")
    return "\n".join(parts)


SOURCE_COLUMNS = ("Source cell", "Source cells", "Source")  # where each row's figures were read


def without_sources(table: Table) -> Table:
    """The table without its source-cell columns, for a reader who needs the figures and not where they were
    read (the Cabinet paper; its officers' annex and tables.xlsx keep them); the table itself if it has none."""
    dropped = [c for c in table.frame.columns if c in SOURCE_COLUMNS]
    if not dropped:
        return table
    return replace(table, frame=table.frame.drop(columns=dropped),
                   formats={c: f for c, f in table.formats.items() if c not in dropped})
