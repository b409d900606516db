"""The data quality section: which returns were used, and every problem found, with the cell to check.

The problems are the ones ``briefing validate`` prints (see ``validation``):
the same list is a section of the briefing and a sheet of tables.xlsx.
"""
from __future__ import annotations

import pandas as pd

from .problems import ERROR, WARNING, problems_table
from .returns import CORPORATE
from .tables import Table
from .validation import in_cell_order
from .performance import measure_label
from .ratings import RED, outlook_word
from .workbook import cell_ref
from .words import listed, plural


def return_status(problems: pd.DataFrame, invalid: dict[str, str], expected: list[str],
                  partly: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per return expected (each directorate's, then the corporate one): whether it was used (not at
    all: ``invalid``; in part: ``partly``, return → the sheets not used and why), and how many errors and
    warnings it has.

    ``problems`` is a ``problems_table``; a return is matched by its file name.
    """
    partly = partly or {}
    counts = problems.assign(who=problems["file"].str.removesuffix(".xlsx")) \
        .pivot_table(index="who", columns="severity", values="count", aggfunc="sum", fill_value=0) \
        .reindex(columns=[ERROR, WARNING], fill_value=0)
    table = pd.DataFrame({"return": expected}).join(counts, on="return").fillna({ERROR: 0, WARNING: 0})
    table[[ERROR, WARNING]] = table[[ERROR, WARNING]].astype(int)
    table["status"] = [f"Not used: {invalid[who]}" if who in invalid else
                       f"Used in part: {partly[who]}" if who in partly else
                       "Used; the rows in error are shown as not available" if errors else "Used"
                       for who, errors in zip(table["return"], table[ERROR])]
    return table[["return", "status", ERROR, WARNING]]


def returns_table(b) -> Table:
    """Each return of the period: used or not, and its count of errors and warnings."""
    expected = [*b.directorates, CORPORATE]
    table = return_status(problems_table(b.problems), b.current.invalid, expected, b.current.sheets_not_used())
    unused = int(table["status"].str.startswith("Not used").sum())
    partly = int(table["status"].str.startswith("Used in part").sum())
    flawed = int((table[ERROR] > 0).sum()) - unused - partly
    parts = [f"{unused} could not be used" if unused else "",
             f"{partly} could be used only in part" if partly else "",
             f"{plural(flawed, 'has', 'have')} errors" if flawed else ""]
    title = f"Of the {len(table)} returns, " + listed([p for p in parts if p]) if unused or partly or flawed else \
        f"All {len(table)} returns were used and passed every check"
    frame = table.rename(columns={"return": "Return", "status": "Status", ERROR: "Errors", WARNING: "Warnings"})
    return Table("Returns", title, frame, caption=f"The returns for {b.period}: whether each was used, with its "
                 "count of errors and warnings", formats={"Errors": "int", "Warnings": "int"})


def data_quality_table(b) -> Table:
    """Errors and warnings found in the register and this period's returns, errors first, in cell order."""
    problems = problems_table(in_cell_order(b.problems))
    frame = problems[["location", "severity", "message", "expected"]].rename(columns={
        "severity": "Severity", "location": "Where", "message": "Problem", "expected": "What would be right"})
    errors = int(problems.loc[problems["severity"] == ERROR, "count"].sum())
    warnings = int(problems["count"].sum()) - errors
    title = "The returns passed every check" if problems.empty else \
        f"{plural(errors, 'error')} and {plural(warnings, 'warning')} in the returns"
    return Table("Data quality", title, frame, caption="Problems found in the returns, with the cell to check",
                 empty_text="No problems found.")


def red_without_outlook_table(b) -> Table:
    """Red measures whose director gave no Outlook: the paper cannot say whether they will recover, so the
    officers preparing it ask (the July 2022 report left OCC07.01 and OCC07.05 without one)."""
    rated = b.ratings
    missing = rated[(rated["rag"] == RED) & rated["outlook"].map(outlook_word).isna()].sort_values("measure_id")
    frame = pd.DataFrame({"Measure": measure_label(missing), "Director": missing["director"],
                          "Outlook cell": [cell_ref({**row, "row": int(row["row"])}, "outlook")
                                           if row.get("file") and pd.notna(row.get("row")) else ""
                                           for row in missing.to_dict("records")]})
    n = len(frame)
    title = (f"{plural(n, 'Red measure has', 'Red measures have')} no director's outlook" if n else
             "Every Red measure has its director's outlook")
    return Table("Red without outlook", title, frame,
                 caption="Red measures with no Outlook (Improving, Stable or Deteriorating) in their return: ask the "
                         "director before the paper goes to the meeting.",
                 source="directorate returns, Performance sheets", empty_text="None.")


def tables(b) -> list[Table]:
    """The data quality section of the briefing: the returns used, every problem, and the Red measures the
    officers must ask their director about."""
    return [returns_table(b), data_quality_table(b), red_without_outlook_table(b)]
