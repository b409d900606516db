"""The measure register: what each measure is, who owns it, and how it is rated."""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import pandas as pd

from .periods import MONTH_NAMES, financial_year, is_period
from .problems import Problem, ReturnError
from .readcache import ReadCache, read_through
from .workbook import Column, SheetSpec, Workbook, blank, read_sheet

FREQUENCIES = ("Monthly", "Quarterly", "Termly", "Six-monthly", "Annual")
POLARITIES = ("Higher is better", "Lower is better", "Monitoring only")

MEASURES = SheetSpec("Measures", (
    Column("measure_id", "Measure ID"),
    Column("measure", "Measure"),
    Column("priority", "Priority"),
    Column("directorate", "Directorate"),
    Column("director", "Director"),
    Column("frequency", "Frequency"),
    Column("polarity", "Polarity"),
    Column("unit", "Unit", required=False),
    Column("target", "Target", kind="any"),
    Column("amber_tolerance", "Amber tolerance", kind="number", required=False),
    Column("cumulative", "Cumulative", required=False),
    Column("due_months", "Due months", required=False),
    Column("computed_as", "Computed as", required=False),
    Column("spc_baseline_to", "SPC baseline to", kind="any", required=False),
))
# Words a Due months entry may join its months with ("Jan, May and Sep"), beside commas and spaces.
_MONTH_JOINERS = {"and", "&"}


def register_path(data_dir: Path, period: str) -> Path:
    """The register workbook that governs ``period``: one per financial year."""
    return Path(data_dir) / "register" / f"{financial_year(period)}.xlsx"


def load_register(data_dir: Path, period: str, problems: list[Problem] | None = None,
                  cache: ReadCache | None = None, read: dict | None = None) -> pd.DataFrame:
    """Read the financial year's register and derive how each measure is rated.

    Adds ``target_value`` (the numeric target, NaN for a text target),
    ``judgement`` (a text target, rated by the director's Reported RAG) and
    ``cumulative`` as a boolean, and ``due_month_numbers``: the months of a
    readable Due months entry, None when it is blank or unreadable, so that
    the frequency's months apply (``ratings.due_months``), with
    ``due_months_unread``, its first word that is no month ("" if none), and ``spc_baseline_period``, the SPC
    baseline to entry as ``YYYY-MM`` (None when blank or unreadable: ``baseline_period``). Raises ReturnError
    when the register cannot be used at all; per-row problems go to
    ``problems``. ``cache``: see ``readcache``. ``read``, if given, is told the register file's size and
    SHA-256 as read (``Workbook.fingerprint``), for the manifest.
    """
    path = register_path(data_dir, period)
    table, found, fingerprint = read_through(cache, path, "register", lambda: _read_register(path))
    if problems is not None:
        problems.extend(found)
    if read is not None and fingerprint:
        read[path] = fingerprint
    if table is None:
        raise ReturnError(next(p for p in reversed(found) if p.file == f"register/{path.name}"))
    return table


def _read_register(path: Path) -> tuple[pd.DataFrame | None, list[Problem], dict]:
    """The register table read from ``path`` (None when its sheet is unusable), the problems found reading it
    and the fingerprint of the content read."""
    problems: list[Problem] = []
    book = Workbook.open(path, f"register/{path.name}")
    table = read_sheet(book, MEASURES, problems)
    if table is None:
        return None, problems, book.fingerprint
    table = table[table["measure_id"].notna()].copy()
    table["measure_id"] = table["measure_id"].astype(str).str.strip()
    table["frequency"] = table["frequency"].map(_canonical(FREQUENCIES))
    table["polarity"] = table["polarity"].map(_canonical(POLARITIES))
    table["cumulative"] = table["cumulative"].fillna("N").astype(str).str.strip().str.upper().str.startswith("Y")
    table["target_value"] = pd.to_numeric(
        table["target"].map(lambda v: v if isinstance(v, (int, float)) and not isinstance(v, bool) else None),
        errors="coerce").astype("float64")
    table["judgement"] = table["target"].map(lambda v: isinstance(v, str) and bool(v.strip())) \
        & (table["polarity"] != "Monitoring only")
    table["target_text"] = table["target"].map(_target_text)
    due = [read_due_months(text) for text in table["due_months"].tolist()]  # each entry read once
    table["due_month_numbers"] = pd.Series([months if months and not unread else None for months, unread in due],
                                           index=table.index, dtype=object)
    table["due_months_unread"] = [next(iter(unread), "") for _, unread in due]
    from .computed import parse  # the figures are the finance section's
    parsed = [parse(text) for text in table["computed_as"].tolist()]
    table["computed"] = pd.Series([f.name.casefold() if f else None for f, _, _ in parsed], index=table.index,
                                  dtype=object)
    table["computed_block"] = [block for _, block, _ in parsed]
    table["computed_readable"] = [ok for _, _, ok in parsed]
    table["spc_baseline_period"] = table["spc_baseline_to"].map(baseline_period).astype(object)
    table["spc_baseline_readable"] = table["spc_baseline_period"].notna() | table["spc_baseline_to"].map(blank)
    return table.reset_index(drop=True), problems, book.fingerprint


def baseline_period(value) -> str | None:
    """An SPC baseline to entry as a ``YYYY-MM`` period: the text ``2023-03`` or a date cell (its month); None
    for a blank or anything else (``schemas.register_rules`` reports what cannot be read)."""
    if isinstance(value, (datetime.date, pd.Timestamp)):
        return f"{value.year:04d}-{value.month:02d}"
    text = "" if blank(value) else str(value).strip()
    return text if is_period(text) else None


def _canonical(allowed: tuple[str, ...]):
    lookup = {a.casefold(): a for a in allowed}
    return lambda v: lookup.get(str(v).strip().casefold(), v) if v is not None else v


def read_due_months(text) -> tuple[frozenset[int], list[str]]:
    """The months (1–12) a Due months entry names, and its words that name no month.

    Months are written as names, whole or cut to three letters or more
    (``Jan, May, Sep``, ``january may september``, ``Sept``), in any case,
    separated by commas, semicolons, spaces or "and". A blank entry names none.
    """
    words = [w.strip(".") for w in re.split(r"[,;\s]+", "" if blank(text) else str(text))]
    words = [w for w in words if w and w.casefold() not in _MONTH_JOINERS]
    months = {w: _month_number(w) for w in words}
    return frozenset(m for m in months.values() if m), [w for w, m in months.items() if not m]


def _month_number(word: str) -> int | None:
    """The month (1–12) a word names, whole or by its first three letters or more; None for any other word."""
    folded = word.casefold()
    return next((i for i, name in enumerate(MONTH_NAMES, 1) if len(folded) >= 3
                 and name.casefold().startswith(folded)), None)


def months_text(months) -> str:
    """Month numbers as people list them, in calendar order: ``Apr, Jul, Dec``; "none" when there are none."""
    return ", ".join(MONTH_NAMES[m - 1][:3] for m in sorted(months)) or "none"


def _target_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


def register_problems(register: pd.DataFrame) -> list[Problem]:
    """The register's own problems: duplicate IDs, unknown frequency or polarity, a rated measure with no
    target, a directorate that cannot name a file, a Due months entry with a word that is no month (the
    rules are in ``schemas.register_rules``)."""
    from .schemas import check_register
    return check_register(register)


def register_directorates(data_dir: Path, period: str) -> list[str]:
    """The directorates the period's register names, in register order (each gets its own briefing)."""
    return list(dict.fromkeys(d for d in load_register(data_dir, period)["directorate"].dropna().astype(str)))
