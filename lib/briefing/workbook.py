"""Reading return workbooks: fast (calamine), defensive, and keeping every value's cell.

A return is a workbook typed by hand. Headers are matched ignoring case and
surrounding spaces, extra columns are allowed, and each value read keeps the
cell it came from so any figure in a briefing can be traced back to it.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from .archive import ArchiveError, ExcelError, inspect, read_checked
from .money import pence_column
from .problems import ERROR, WARNING, Problem, ReturnError
from .words import plural

def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalise_header(text) -> str:
    """Header text compared ignoring case and surrounding or doubled spaces."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Column:
    """One column of a sheet in the returns contract."""

    name: str
    header: str
    kind: str = "text"  # text | number | money | any
    required: bool = True


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of the contract: its name and columns."""

    sheet: str
    columns: tuple[Column, ...]
    required: bool = True
    key: str | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Workbook:
    """An opened return: its display name, path and the calamine reader."""

    path: Path
    label: str
    book: CalamineWorkbook = field(repr=False)
    errors: dict[str, dict[tuple[int, int], ExcelError]] = field(default_factory=dict, repr=False)
    hidden: set[str] = field(default_factory=set)  # sheets hidden in Excel: never read
    fingerprint: dict = field(default_factory=dict)  # {"bytes", "sha256"} of the content read, for the manifest

    @classmethod
    def open(cls, path: Path, label: str | None = None) -> "Workbook":
        """Open ``path`` once it has passed ``archive.inspect``: a safe .xlsx within every limit."""
        path = Path(path)
        label = label or path.name
        try:
            content = read_checked(path)
            inspected = inspect(content)
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        except ArchiveError as err:
            raise ReturnError(Problem(ERROR, label, err.sheet, err.cell, err.message, err.expected)) from None
        except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types for a bad file
            raise ReturnError(Problem(ERROR, label, None, None, f"workbook cannot be read ({type(exc).__name__}: "
                                      f"{exc})", "an .xlsx workbook")) from None
        return cls(path, label, book, inspected.errors, inspected.hidden,
                   {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()})

    def sheets_named(self, wanted: str) -> list[str]:
        """The real names of the sheets named ``wanted``, matched ignoring case and spaces, hidden ones too."""
        return [name for name in self.book.sheet_names if normalise_header(name) == normalise_header(wanted)]

    def find_sheet(self, wanted: str) -> str | None:
        """The visible sheet named ``wanted`` (ignoring case and spaces); None when there is none. A hidden
        sheet is never read: its figures are not the ones the return shows."""
        return next((name for name in self.sheets_named(wanted) if name not in self.hidden), None)

    def rows(self, sheet: str) -> list[list]:
        """Every cell of ``sheet`` from A1, as Python values ('' for blank, ``ExcelError`` for an error)."""
        try:
            rows = self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types for a bad sheet
            raise ArchiveError(f"sheet cannot be read ({type(exc).__name__}: {exc})", sheet=sheet) from None
        for (row, column), error in self.errors.get(sheet, {}).items():
            if row < len(rows) and column < len(rows[row]):
                rows[row][column] = error
        return rows


def missing(value) -> bool:
    """Whether there is no value at all: None, NaN, NA or NaT (text is a value, even empty)."""
    return value is None or (not isinstance(value, (str, int, list, dict)) and bool(pd.isna(value)))


def blank(value) -> bool:
    """The blank-cell rule, the same for reading, validating and rating: a cell is blank when it holds no
    value (``missing``) or only text of spaces (or none)."""
    return not value.strip() if isinstance(value, str) else missing(value)


_PLAIN_TYPES = {"number": (float, int), "money": (float, int), "text": (str,), "any": (str,)}


def read_sheet(book: Workbook, spec: SheetSpec, problems: list[Problem]) -> pd.DataFrame | None:
    """Read one contract sheet into a DataFrame with the spec's column names.

    Returns None (after recording an error) when the sheet or a required column is missing. Each row keeps
    ``file``, ``sheet`` and ``row`` (the Excel row), and ``letters`` (the sheet's column letter of each field),
    so ``cell_ref`` names the exact cell any value came from. Rows blank in every column of the spec are
    skipped. Text in a number column is recorded as an error and read as blank.

    A large council's sheets run to thousands of rows, so the sheet is read a column at a time: the usual cells
    (numbers in a number column, text in a text column) are converted at once, the others one by one
    (``_convert``), in row then column order, so any problems are recorded in that order.
    """
    sheet = book.find_sheet(spec.sheet)
    hidden = [name for name in book.sheets_named(spec.sheet) if name in book.hidden]
    for name in hidden if sheet is not None else []:
        problems.append(Problem(WARNING, book.label, name, None, f"sheet '{name}' is hidden in Excel: not read",
                                "the return's figures on its visible sheet (unhide this sheet, or delete it)"))
    if sheet is None:
        if spec.required:
            problems.append(Problem(ERROR, book.label, spec.sheet, None, f"sheet '{spec.sheet}' is missing"
                                    + (" (a hidden sheet of that name is not read)" if hidden else ""),
                                    f"sheets {', '.join(book.book.sheet_names)} to include '{spec.sheet}'"))
        return None
    try:
        rows = book.rows(sheet)
    except ArchiveError as err:
        problems.append(Problem(ERROR, book.label, sheet, None, err.message, err.expected))
        return None
    header_index = next((i for i, r in enumerate(rows) if any(not blank(v) for v in r)), None)
    headers = [normalise_header(h) for h in rows[header_index]] if header_index is not None else []
    positions = {col.name: headers.index(normalise_header(col.header)) for col in spec.columns
                 if normalise_header(col.header) in headers}
    absent = [col.header for col in spec.columns if col.required and col.name not in positions]
    start = (header_index or 0) + 1
    if absent:
        problems.append(Problem(ERROR, book.label, sheet, f"A{start}",
                                f"{plural(len(absent), 'column', count=False)} {', '.join(repr(m) for m in absent)} "
                                f"missing from the header row",
                                f"headers {', '.join(c.header for c in spec.columns if c.required)}"))
        return None
    data = rows[start:]
    width = min(map(len, data), default=0)
    cells = [_column_cells(data, positions.get(col.name), width) for col in spec.columns]
    read = [_read_plain(column, col.kind) for column, col in zip(cells, spec.columns)]
    odd = sorted((int(i), j) for j, (_, _, plain) in enumerate(read) for i in np.flatnonzero(~plain))
    for i, j in odd:
        col, (values, blanks, _) = spec.columns[j], read[j]
        if blank(cells[j][i]):
            blanks[i] = True
            continue
        value = _convert(cells[j][i], col, book.label, sheet, positions.get(col.name), start + i + 1, problems)
        values[i] = np.nan if value is None and values.dtype == np.float64 else value
    for col, (values, _, _) in zip(spec.columns, read):
        if col.name in positions:
            _within_bounds(values, col, book.label, sheet, column_letter(positions[col.name]), start, problems)
    kept = ~np.logical_and.reduce([blanks for _, blanks, _ in read])
    letters = {name: column_letter(pos) for name, pos in positions.items()}
    return _table(book.label, sheet, start, letters, spec, [values[kept] for values, _, _ in read], kept)


MAX_MILLIONS = 10_000  # £10bn: more than any council's whole budget, so a money cell beyond it is a mistake
MAX_TEXT = 32_767  # characters: Excel's own limit for a cell, so a longer text was not typed in Excel
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # control characters, tabs and line breaks aside


def _within_bounds(values: np.ndarray, col: Column, file: str, sheet: str, letter: str, start: int,
                   problems: list[Problem]) -> None:
    """Refuse, in place and each with its problem, what no return can mean: a money or number cell that is
    not finite or (money) beyond ±``MAX_MILLIONS`` is an error and read as blank; text with control
    characters (a pasted Word line break, a NUL) has them removed, text over ``MAX_TEXT`` is cut there, each
    with a warning."""
    def at(i) -> str:
        return f"{letter}{start + int(i) + 1}"

    if values.dtype == np.float64:
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(values) & ~(np.abs(values) <= (MAX_MILLIONS if col.kind == "money" else np.inf))
        for i in np.flatnonzero(bad):
            limit = f"within ±{MAX_MILLIONS:,} (£10bn)" if col.kind == "money" else "a finite number"
            problems.append(Problem(ERROR, file, sheet, at(i), f"{col.header} is {values[i]:g}, not {limit}",
                                    "the figure in £m (33.4 for £33.4m)" if col.kind == "money" else "a number"))
            values[i] = np.nan
        return
    for i in np.flatnonzero([isinstance(v, float) and not math.isfinite(v) for v in values]):
        problems.append(Problem(ERROR, file, sheet, at(i), f"{col.header} is {values[i]:g}, not a finite number",
                                "a number"))
        values[i] = None
    for i in np.flatnonzero([isinstance(v, str) and (len(v) > MAX_TEXT or CONTROL.search(v) is not None)
                             for v in values]):
        text, notes = values[i], []
        if CONTROL.search(text):
            codes = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(text)})
            text, notes = CONTROL.sub("", text), [f"control characters ({', '.join(codes)}) removed"]
        if len(text) > MAX_TEXT:
            notes.append(f"{len(text):,} characters, cut to Excel's {MAX_TEXT:,}")
            text = text[:MAX_TEXT]
        problems.append(Problem(WARNING, file, sheet, at(i), f"{col.header}: {' and '.join(notes)}",
                                "plain text as typed in Excel (line breaks are kept)"))
        values[i] = text.strip() or None


def _column_cells(rows: list[list], position: int | None, width: int) -> list:
    """The cells of column ``position`` (None: not in the sheet) of every row; '' where a row stops short
    (every row is at least ``width`` long)."""
    if position is None:
        return [""] * len(rows)
    if position < width:
        return list(map(itemgetter(position), rows))
    return [row[position] if position < len(row) else "" for row in rows]


def _read_plain(cells: list, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column's usual cells converted at once: (values, which are blank, which were converted).

    Numbers (float or int, not bool) in a number or money column become
    floats, NaN when blank; text in a text or any column is stripped, None
    when blank. The other cells are left, NaN or None and not blank, for
    ``_convert`` to read one by one.
    """
    n = len(cells)
    types = np.fromiter(map(type, cells), object, n)
    plain = np.logical_or.reduce([types == t for t in _PLAIN_TYPES[kind]])
    objects = np.fromiter(cells, object, n)
    if kind in ("number", "money"):
        values = np.full(n, np.nan)
        values[plain] = objects[plain].astype(np.float64)
        return values, plain & np.isnan(values), plain
    values = np.full(n, None, dtype=object)
    values[plain] = np.fromiter((text.strip() for text in objects[plain]), object, int(plain.sum()))
    blanks = plain & (values == "")
    values[blanks] = None
    return values, blanks, plain


def _table(file: str, sheet: str, start: int, letters: dict[str, str], spec: SheetSpec,
           values: list[np.ndarray], kept: np.ndarray) -> pd.DataFrame:
    """The rows kept (not blank) as the DataFrame ``read_sheet`` returns.

    ``file`` and ``sheet`` are text (``str``) columns, ``row`` the Excel row (int64) and ``letters`` the same
    dict on every row; text columns hold ``str`` with NaN for a blank (None if every cell is blank); numbers are
    float64 and money nullable integer pence. An any column (a target, an actual, a cover value) holds what the
    cells held, typed the way ``DataFrame.from_records`` infers it (``str`` for text, a datetime or float column
    for dates or numbers, object for a mixture). With no rows, every column but money and numbers is object.

    A month's returns make a few hundred of these small tables, so each is built from its arrays in one step,
    with no per-column Series to align.
    """
    rows = np.flatnonzero(kept) + start + 1
    n = len(rows)
    empty = n == 0
    index = pd.RangeIndex(n)
    columns: dict[str, object] = {
        # one str object shared by every row (``np.full`` would make a copy of the text for each row)
        "file": np.empty(0, object) if empty else pd.array([file] * n, dtype="str"),
        "sheet": np.empty(0, object) if empty else pd.array([sheet] * n, dtype="str"),
        "row": rows.astype(object) if empty else rows.astype(np.int64),
        "letters": np.full(n, None, dtype=object)}
    columns["letters"][:] = [letters] * n
    anys = [(col.name, column) for col, column in zip(spec.columns, values) if col.kind == "any" and not empty]
    inferred = pd.DataFrame.from_records(list(zip(*(column.tolist() for _, column in anys))),
                                         columns=[name for name, _ in anys]) if anys else None
    for col, column in zip(spec.columns, values):
        if col.kind == "money":
            columns[col.name] = pence_column(column)
        elif col.kind == "number":
            columns[col.name] = column
        elif empty:
            columns[col.name] = np.empty(0, object)
        elif col.kind == "any":
            columns[col.name] = inferred[col.name].array
        else:  # an object Series, so that the DataFrame does not make it a ``str`` column
            columns[col.name] = pd.Series(_text_column(column), index=index, dtype=object, copy=False)
    return pd.DataFrame(columns, copy=False)


def _text_column(values: np.ndarray) -> np.ndarray:
    """Stripped text and None: NaN for a blank, unless every cell is blank (then None, as pandas leaves it)."""
    blanks = np.equal(values, None)
    if blanks.all():
        return values
    text = values.copy()
    text[blanks] = np.nan
    return text


def _convert(value, col: Column, file: str, sheet: str, position, excel_row: int, problems: list[Problem]):
    """A cell's value as the column expects it; text in a number column is an error, read as blank."""
    if blank(value):
        return None
    if isinstance(value, ExcelError):
        problems.append(Problem(ERROR, file, sheet, f"{column_letter(position)}{excel_row}",
                                f"{col.header} is an Excel error ({value.code})",
                                "a value: correct the formula, or type the figure"))
        return None
    if col.kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return " ".join(str(value).split()) if not isinstance(value, str) else value.strip()
    if col.kind == "any":
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value).strip().replace(",", "")
        try:
            return float(text)
        except ValueError:
            cell = f"{column_letter(position)}{excel_row}"
            problems.append(Problem(ERROR, file, sheet, cell, f"{col.header} is text ({value!r}), not a number",
                                    "a number" + (" in £m" if col.kind == "money" else "")))
            return None
    return float(value)


def column_of(letters, column: str) -> str:
    """The letter of the sheet's column that ``column`` was read from (``letters``: the rows' dict of
    them), "?" for a column the sheet did not have."""
    return letters.get(column, "?") if isinstance(letters, dict) else "?"


def cell_ref(row, column: str, with_file: bool = True) -> str:
    """Where ``row[column]`` was read: ``Children's Services.xlsx!Finance!C5`` (or ``C5``); "?" for the letter
    of a column the sheet did not have."""
    cell = f"{column_of(row['letters'], column)}{row['row']}"
    return f"{row['file']}!{row['sheet']}!{cell}" if with_file else cell


def cells_refs(frame: pd.DataFrame, columns: list[str], with_file: bool = True) -> pd.Series:
    """Where each row's values in ``columns`` were read, on ``frame``'s index: the first ``cell_ref`` (with
    the file if ``with_file``) and the others without the file, joined by ", ":
    ``Children's Services.xlsx!Finance!B5, C5``.

    Read column by column rather than row by row: a large council's briefing
    names a few hundred thousand cells, and a DataFrame row (``iterrows``,
    ``iloc``) costs a hundred times more to build and read.
    """
    refs = [", ".join([f"{column_of(letters, column)}{row}" for column in columns])
            for letters, row in zip(frame["letters"].tolist(), frame["row"].tolist())]
    if with_file:
        places = zip(frame["file"].tolist(), frame["sheet"].tolist())
        refs = [f"{file}!{sheet}!{ref}" for (file, sheet), ref in zip(places, refs)]
    return pd.Series(refs, index=frame.index, dtype="str")
