"""Loading a period's returns: every directorate's workbook and the corporate one.

One workbook that cannot be read does not stop the others: its problem is
recorded, the directorate is named as invalid, and the rest are loaded. A
return is used sheet by sheet: a missing or broken Finance sheet makes that
directorate's finance not available and keeps its measures, and the other
way round (``PeriodReturns.not_used``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection

import pandas as pd

from .paths import UnsafePathError, safe_child
from .periods import available_periods, parse_period, shift, year_to_date  # noqa: F401 - available_periods: returns' own
from .problems import ERROR, WARNING, Problem, ReturnError
from .readcache import ReadCache, read_through
from .register import load_register
from .workbook import Column, SheetSpec, Workbook, cell_ref, read_sheet

CORPORATE = "Corporate"

COVER = SheetSpec("Cover", (Column("item", "Item"), Column("value", "Value", kind="any")), required=False)
PERFORMANCE = SheetSpec("Performance", (
    Column("measure_id", "Measure ID"),
    Column("actual", "Actual", kind="any"),
    Column("reported_rag", "Reported RAG", required=False),
    Column("outlook", "Outlook", required=False),
    Column("commentary", "Commentary", required=False),
    Column("risk_impact", "Risk impact", required=False),
    Column("finance_impact", "Finance impact", required=False),
    Column("not_reported_reason", "Not reported reason", required=False),
))
_MONEY_LINE = (
    Column("service_area", "Service area"),
    Column("latest_budget", "Latest budget £m", kind="money"),
    Column("forecast_outturn", "Forecast outturn £m", kind="money"),
    Column("stated_variance", "Variance £m", kind="money", required=False),
    Column("commentary", "Commentary", required=False),
)
FINANCE = SheetSpec("Finance", _MONEY_LINE)
SAVINGS = SheetSpec("Savings", (
    Column("saving", "Saving"),
    Column("planned", "Planned £m", kind="money"),
    Column("forecast_delivered", "Forecast delivered £m", kind="money"),
    Column("commentary", "Commentary", required=False),
), required=False)
CENTRAL = SheetSpec("Central budgets", _MONEY_LINE)
FUNDING = SheetSpec("Funding", _MONEY_LINE)
BALANCES = SheetSpec("Balances", (Column("item", "Item"), Column("amount", "£m", kind="money")))
RESERVES = SheetSpec("Reserves", (
    Column("reserve", "Reserve"),
    Column("opening", "Opening £m", kind="money"),
    Column("forecast_movement", "Forecast movement £m", kind="money"),
    Column("commentary", "Commentary", required=False),
))
DSG = SheetSpec("DSG", (
    Column("block", "Block"),
    Column("opening_deficit", "Opening cumulative deficit £m", kind="money"),
    Column("in_year_deficit", "Forecast in-year deficit £m", kind="money"),
))
# The committee paper's own words, from the corporate return (``committee``): both optional.
RECOMMENDATIONS = SheetSpec("Recommendations", (Column("recommendation", "Recommendation"),), required=False)
IMPLICATIONS = SheetSpec("Implications", (
    Column("implication", "Implication"),
    Column("text", "Text"),
    Column("checked_by", "Checked by", required=False),
), required=False)
DIRECTORATE_SHEETS = {"performance": PERFORMANCE, "finance": FINANCE, "savings": SAVINGS}
LINE_SHEETS = ("finance", "savings")  # a directorate's money lines: not read for a month that is only history
CORPORATE_SHEETS = {"central": CENTRAL, "funding": FUNDING, "balances": BALANCES, "reserves": RESERVES, "dsg": DSG,
                    "recommendations": RECOMMENDATIONS, "implications": IMPLICATIONS}
SHEET_NAMES = {key: spec.sheet for key, spec in {**DIRECTORATE_SHEETS, **CORPORATE_SHEETS}.items()}


def empty_table(spec: SheetSpec, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table with a sheet's columns and no rows (each period's tables start so): later steps need no special case."""
    table = pd.DataFrame(columns=["file", "sheet", "row", "letters", *extra, *spec.names])
    return table.astype({col.name: "Int64" for col in spec.columns if col.kind == "money"})


@dataclass
class PeriodReturns:
    """Everything the returns of one period say, with what was wrong in them."""

    period: str
    folder: Path
    performance: pd.DataFrame
    finance: pd.DataFrame
    savings: pd.DataFrame
    central: pd.DataFrame
    funding: pd.DataFrame
    balances: pd.DataFrame
    reserves: pd.DataFrame
    dsg: pd.DataFrame
    recommendations: pd.DataFrame = field(default_factory=lambda: empty_table(RECOMMENDATIONS))
    implications: pd.DataFrame = field(default_factory=lambda: empty_table(IMPLICATIONS))
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # returns not used at all, and why
    unusable: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet key -> return -> why its sheet is not
    lines: bool = True  # False: the directorates' finance and savings lines were not read (see ``load_period``)
    read: dict[Path, dict] = field(default_factory=dict)  # each file's size and SHA-256 as read, for the manifest

    def not_used(self, sheet: str) -> dict[str, str]:
        """The returns whose ``sheet`` (a key of ``DIRECTORATE_SHEETS`` or ``CORPORATE_SHEETS``) was not used,
        each with why as a reader is told it: "return invalid (missing)" or "Finance sheet not used (...)"."""
        own = {who: f"{SHEET_NAMES[sheet]} sheet not used ({why})" for who, why in self.unusable.get(sheet, {}).items()}
        return {**{who: f"return invalid ({why})" for who, why in self.invalid.items()}, **own}

    def no_usable(self, sheet: str) -> str:
        """Why ``sheet`` is missing from the period, in words for a sentence: "no usable return from Public
        Health and no usable Finance sheet from Adult Services"; "" when every return's is used."""
        missing = self.not_used(sheet)
        whole = [who for who in missing if who in self.invalid]
        part = [who for who in missing if who not in self.invalid]
        return " and ".join([*([f"no usable return from {', '.join(whole)}"] if whole else []),
                             *([f"no usable {SHEET_NAMES[sheet]} sheet from {', '.join(part)}"] if part else [])])

    def sheets_not_used(self) -> dict[str, str]:
        """The returns used in part, each with the sheets that were not used and why (as ``not_used`` says)."""
        out: dict[str, list[str]] = {}
        for sheet, whose in self.unusable.items():
            for who, why in whose.items():
                out.setdefault(who, []).append(f"{SHEET_NAMES[sheet]} sheet: {why}")
        return {who: "; ".join(whys) for who, whys in out.items() if who not in self.invalid}


def returns_folder(data_dir: Path, period: str) -> Path:
    """``data/returns/2022-07``, refusing any period that is not ``YYYY-MM``."""
    parse_period(period)
    return safe_child(Path(data_dir) / "returns", period)


def _check_cover(book: Workbook, who: str, period: str, problems: list[Problem]) -> None:
    cover = read_sheet(book, COVER, problems)
    if cover is None or cover.empty:
        return
    items = {str(r["item"]).strip().casefold(): r for r in cover.to_dict("records") if r["item"]}
    stated = items.get("period")
    if stated is not None and str(stated["value"]).strip()[:7] != period:
        problems.append(Problem(ERROR, book.label, stated["sheet"], cell_ref(stated, "value", with_file=False),
                                f"return says period {stated['value']} but is in the {period} folder",
                                f"Period {period}, or move the file to its own period's folder"))
    named = items.get("directorate")
    if named is not None and str(named["value"]).strip().casefold() != who.casefold():
        problems.append(Problem(ERROR, book.label, named["sheet"], cell_ref(named, "value", with_file=False),
                                f"return says it is from {named['value']!r}", f"Directorate {who!r}"))


def read_return(path: Path, who: str, period: str, sheets: dict[str, SheetSpec]) -> tuple:
    """Read one return's ``sheets``: ``(tables, problems, why unusable, {sheet: why that sheet is unusable},
    fingerprint of the content read (``Workbook.fingerprint``; None if it could not be read))``.

    ``tables`` is None when the workbook cannot be opened at all; a sheet that
    is missing or lacks a required column is None in it, and is named with its
    error among the unusable sheets (an optional sheet only when it is there but
    broken). ``why unusable`` is the first error that makes the whole return
    unusable (it cannot be opened, its cover names another period or
    directorate, it has none of its required sheets), or None.
    """
    problems: list[Problem] = []
    try:
        book = Workbook.open(path, path.name)
    except ReturnError as err:
        return None, [err.problem], err.problem.message, {}, None
    _check_cover(book, who, period, problems)
    why = problems[0].message if problems else None
    tables, broken = {}, {}
    for name, spec in sheets.items():
        before = len(problems)
        tables[name] = read_sheet(book, spec, problems)
        errors = [p.message for p in problems[before:] if p.severity == ERROR]
        if tables[name] is None and errors:
            broken[name] = errors[0]
    required = [name for name, spec in sheets.items() if spec.required]
    if why is None and all(name in broken for name in required):
        why = broken[required[0]]
    return tables, problems, why, broken, book.fingerprint


def _read_workbook(folder: Path, who: str, period: str, sheets: dict[str, SheetSpec], out: PeriodReturns,
                   headers_only: Collection[str] = (), cache: ReadCache | None = None) -> dict | None:
    """Read one return's sheets into ``out``'s problems and files; record why and return None when it
    cannot be used at all, or which of its sheets cannot (``out.unusable``) and the tables of the others.

    Of the sheets named in ``headers_only`` only whether they are usable is
    kept: each is given as a table with no rows if usable.
    """
    try:
        path = safe_child(folder, f"{who}.xlsx")
    except UnsafePathError as err:
        out.problems.append(Problem(ERROR, f"{who}.xlsx", None, None, f"return not read: {err}",
                                    "a directorate name that is a plain file name (no '/', '\\' or leading '.')"))
        out.invalid[who] = "name cannot be a file name"
        return None
    if not path.exists():
        out.problems.append(Problem(ERROR, path.name, None, None, f"no return from {who} for {period}",
                                    f"{folder.name}/{path.name}"))
        out.invalid[who] = "missing"
        return None
    out.files.append(path)
    tables, problems, why, broken, read = read_through(cache, path, ("return", who, period, tuple(sheets.items())),
                                                       lambda: read_return(path, who, period, sheets))
    out.problems.extend(problems)
    if read:
        out.read[path] = read
    if why is not None:
        out.invalid[who] = why
    if tables is None or why is not None:
        return None
    for name, reason in broken.items():
        out.unusable.setdefault(name, {})[who] = reason
    tables = {name: table.iloc[0:0] if name in headers_only and table is not None else table
              for name, table in tables.items()}
    _warn_no_lines(path.name, {name: spec for name, spec in sheets.items() if name not in headers_only},
                   tables, out.problems)
    return tables


LINES_EXPECTED = ("finance", "central", "funding")


def _warn_no_lines(label: str, sheets: dict[str, SheetSpec], tables: dict, problems: list[Problem]) -> None:
    """A sheet of budget lines that was read but holds none: its totals will show as not available.

    Not an error (the rest of the return is used), but the analyst should
    know why a total is blank rather than find out from the briefing.
    """
    for name in LINES_EXPECTED:
        if name in sheets and tables.get(name) is not None and tables[name].empty:
            problems.append(Problem(WARNING, label, sheets[name].sheet, None,
                                    "sheet has a header row but no lines: its total is shown as not available",
                                    "one row per line under the headers"))


def load_period(data_dir: Path, period: str, directorates: list[str], lines: bool = True,
                cache: ReadCache | None = None) -> PeriodReturns:
    """Read every return of ``period``: one workbook per directorate, plus the corporate one.

    A directorate whose workbook is missing, unreadable or names another period or directorate is named in
    ``invalid`` and contributes no rows; the others load as normal. A sheet that is missing or lacks a required
    column is named in ``unusable`` and contributes no rows; the return's other sheets are used.

    Without ``lines``, for a month that is only history to a briefing (its measures are rated, its money is not
    shown: see ``read_history``), the directorates' Finance and Savings sheets are only checked to be usable: no
    finance or savings lines, but the same measures, ``invalid`` returns and files as when read whole (a large
    council's month has 50,000 lines).

    ``cache``: see ``readcache``.
    """
    folder = returns_folder(data_dir, period)
    out = PeriodReturns(period, folder,
                        **{k: empty_table(s, ("directorate",)) for k, s in DIRECTORATE_SHEETS.items()},
                        **{k: empty_table(s) for k, s in CORPORATE_SHEETS.items()}, lines=lines)
    headers_only = () if lines else LINE_SHEETS
    if not folder.is_dir():
        out.problems.append(Problem(ERROR, folder.name, None, None, f"no returns folder for {period}",
                                    f"a folder {folder}"))
        out.invalid.update({d: "missing" for d in [*directorates, CORPORATE]})
        return out
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in DIRECTORATE_SHEETS}
    for who in directorates:
        tables = _read_workbook(folder, who, period, DIRECTORATE_SHEETS, out, headers_only, cache)
        if tables is None:
            continue
        for name, table in tables.items():
            if table is not None and not table.empty:
                parts[name].append(table.assign(directorate=who))
    for name, frames in parts.items():
        if frames:
            setattr(out, name, pd.concat(frames, ignore_index=True))
    corporate = _read_workbook(folder, CORPORATE, period, CORPORATE_SHEETS, out, cache=cache)
    if corporate is not None:
        for name, table in corporate.items():
            if table is not None:
                setattr(out, name, table)
    known = {f"{d}.xlsx".casefold() for d in [*directorates, CORPORATE]}
    for extra in sorted(folder.glob("*.xlsx")):
        if extra.name.casefold() not in known and not extra.name.startswith("~$"):
            out.problems.append(Problem(WARNING, extra.name, None, None,
                                        "workbook is not named after a directorate in the register; ignored",
                                        "one of " + ", ".join(f"{d}.xlsx" for d in directorates)))
    return out


HISTORY_MONTHS = 12  # a briefing shows, and validation judges a figure against, the year before its period


def history_periods(period: str, compare_to: str | None) -> list[str]:
    """The periods a briefing loads: the twelve months before ``period``, ``period`` and ``compare_to``."""
    wanted = {shift(period, -k) for k in range(HISTORY_MONTHS + 1)}
    if compare_to:
        wanted.add(compare_to)
    return sorted(wanted)


def read_history(data_dir: Path, period: str, compare_to: str | None, cache: ReadCache | None = None,
                 read: dict | None = None) -> tuple:
    """What a briefing of ``period`` reads: the measure register (with what was wrong in it) and the returns
    of each of its ``history_periods`` that has any (``period`` itself always), as
    ``(register, register problems, {period: PeriodReturns})``. ``cache``: see ``readcache``; ``read``: see
    ``load_register``.
    """
    register_issues: list[Problem] = []
    register = load_register(data_dir, period, register_issues, cache, read)
    directorates = list(dict.fromkeys(register["directorate"]))
    present = set(available_periods(data_dir))
    wanted = [p for p in history_periods(period, compare_to) if p == period or p in present]
    shown = money_periods(period, compare_to)
    return register, register_issues, {p: load_period(data_dir, p, directorates, p in shown, cache) for p in wanted}


def money_periods(period: str, compare_to: str | None) -> set[str]:
    """The periods whose finance and savings lines a briefing of ``period`` uses: its own, the one it is
    compared with, and the months of its financial year so far (the forecast trend). The other months
    it loads are history: their measures are rated, their money is not shown."""
    return {period, *([compare_to] if compare_to else []), *year_to_date(period)}
