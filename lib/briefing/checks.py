"""The arithmetic and completeness checks on a period's finance returns, one row a line checked.

Every stated variance against forecast − budget, each directorate's figures
against the sum of its service areas, the net operating budget against the
funding, and a usable return from everyone: plain functions of the returns,
the period's ``finance.FinancePosition`` and the tolerance. Their tables are
in ``finance_tables``; ``validation`` uses the same arithmetic.
"""
from __future__ import annotations

import pandas as pd

from .finance import NET_OPERATING_BUDGET, FinancePosition, as_money, range_source, strict_sum
from .money import pence_from_millions
from .returns import CORPORATE, PeriodReturns
from .workbook import cells_refs

PASSED, FAILED, NOT_CHECKED = "Passed", "Failed", "Not checked"
RESULT_ORDER = (FAILED, NOT_CHECKED, PASSED)  # how the checks are listed: what needs looking at first


def _check(check: str, passed: bool, figure=pd.NA, expected=pd.NA, where: str = "", compares: bool = False) -> dict:
    """One line checked. A check that ``compares`` two figures is "Not checked" when either is not available
    (a return not used): it could not be made, which is not the same as finding the figures disagree."""
    difference = pd.NA if pd.isna(figure) or pd.isna(expected) else int(figure) - int(expected)
    result = PASSED if passed else NOT_CHECKED if compares and pd.isna(difference) else FAILED
    return {"check": check, "result": result, "figure": figure, "expected": expected, "difference": difference,
            "where": where}


CHECK_COLUMNS = ["check", "result", "figure", "expected", "difference", "where"]


def _check_frame(rows: list[dict]) -> pd.DataFrame:
    """Checks made one at a time (``_check``) as a table: text columns, and money as nullable integer pence."""
    return as_money(pd.DataFrame(rows, columns=CHECK_COLUMNS), ["figure", "expected", "difference"])


def stated_variances(lines: pd.DataFrame, tolerance_m: float) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The lines that state a variance, their forecast − budget, and whether the two agree within
    ``tolerance_m`` £m (never when the budget or forecast is blank)."""
    stated = lines[lines["stated_variance"].notna()]
    computed = stated["forecast_outturn"] - stated["latest_budget"]
    close = (stated["stated_variance"] - computed).abs() <= pence_from_millions(tolerance_m)
    return stated, computed, (computed.notna() & close).fillna(False)


def stated_variance_checks(lines: pd.DataFrame, tolerance_m: float, what: str) -> pd.DataFrame:
    """Every stated variance against forecast − budget, within ``tolerance_m`` £m: a table of checks, one a line.

    A line with no stated variance states nothing to check; one with a blank budget or forecast cannot
    pass. The table is made a column at a time: a large council's finance lines make 50,000 checks.
    """
    stated, computed, passed = stated_variances(lines, tolerance_m)
    if stated.empty:
        return _check_frame([])
    owners = [f", {d}" if pd.notna(d) else "" for d in stated["directorate"].tolist()] \
        if "directorate" in stated.columns else [""] * len(stated)
    names = [f"Stated variance equals forecast minus budget (within £{tolerance_m:g}m): {what} '{area}'{owner}"
             for area, owner in zip(stated["service_area"].tolist(), owners)]
    stated_at = cells_refs(stated, ["stated_variance"])
    budget_at = cells_refs(stated, ["latest_budget", "forecast_outturn"])
    figures = pd.array(stated["stated_variance"], dtype="Int64")
    expected = pd.array(computed, dtype="Int64")
    # ``_check`` of each line, its difference taken for the whole column at once (blank where either is)
    return pd.DataFrame({"check": names, "result": [PASSED if ok else FAILED for ok in passed.tolist()],
                         "figure": figures, "expected": expected, "difference": figures - expected,
                         "where": [f"{a} (stated); {b} (budget, forecast)" for a, b in zip(stated_at, budget_at)]})


def service_area_checks(position: pd.DataFrame, detail: pd.DataFrame) -> list[dict]:
    """Each directorate's figures in the directorate table against the sum of its service areas shown.

    The service-area lines shown in the detail table are added up again, and both that sum and the
    subtotal row shown must equal the figure the directorate table uses (grouping the finance lines).
    """
    out = []
    figures = position.set_index("directorate")
    for directorate, rows in detail[detail["kind"] != "total"].groupby("directorate", sort=False):
        lines = rows[rows["kind"] == "line"]
        subtotal = rows[rows["kind"] == "subtotal"]
        for column, name in (("latest_budget", "latest budget"), ("forecast_outturn", "forecast outturn")):
            used = figures[column].get(directorate, pd.NA)
            added = strict_sum(lines[column])
            shown = subtotal[column].iloc[0] if len(subtotal) else pd.NA
            passed = pd.notna(used) and pd.notna(added) and int(used) == added and pd.notna(shown) \
                and int(shown) == added
            where = subtotal["source"].iloc[0] if len(subtotal) else ""
            out.append(_check(f"Service areas add up to the directorate {name}: {directorate}", passed,
                              used, added, where, compares=True))
    return out


def funding_check(council: pd.DataFrame, funding: pd.DataFrame) -> dict:
    """The net operating budget must equal the funding (to the penny): the budget is balanced."""
    nob = council.set_index("line").loc[NET_OPERATING_BUDGET, "latest_budget"]
    total = strict_sum(funding["latest_budget"])
    expected = pd.NA if pd.isna(total) else -int(total)
    passed = pd.notna(nob) and pd.notna(expected) and int(nob) == expected
    return _check("Net operating budget equals funding (business rates and council tax), to the penny", passed,
                  nob, expected, range_source(funding) if not funding.empty else f"{CORPORATE}.xlsx!Funding",
                  compares=True)


def return_checks(current: PeriodReturns, directorates: list[str]) -> list[dict]:
    """Every directorate (and the corporate return) has a return for the period whose every sheet was used."""
    why = {**current.invalid, **current.sheets_not_used()}
    return [_check(f"Complete return for the period, every sheet used: {who}", who not in why,
                   where=f"{who}.xlsx" + (f": {why[who]}" if who in why else ""))
            for who in [*directorates, CORPORATE]]


def checks(current: PeriodReturns, figures: FinancePosition, tolerance_m: float) -> pd.DataFrame:
    """Every arithmetic and completeness check on this period's finance returns: failures first, then those
    that could not be made, then those passed (``RESULT_ORDER``).

    ``figures`` is the period's position (``finance.finance_position``) worked out from ``current``;
    ``tolerance_m`` is how far, in £m, a stated variance may be from forecast − budget.
    """
    parts = [_check_frame(return_checks(current, figures.directorates)),
             stated_variance_checks(current.finance, tolerance_m, "service area"),
             stated_variance_checks(current.central, tolerance_m, "central budget"),
             stated_variance_checks(current.funding, tolerance_m, "funding line"),
             _check_frame(service_area_checks(figures.position, figures.service_areas)),
             _check_frame([funding_check(figures.council, current.funding)])]
    table = pd.concat([part for part in parts if len(part)], ignore_index=True)  # the first always has rows
    return table.sort_values("result", key=lambda result: result.map(RESULT_ORDER.index),
                             kind="stable").reset_index(drop=True)


def check_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many lines each kind of check looked at, and how many passed, failed and could not be checked.

    The kind is the check's text before its colon ("Stated variance equals
    forecast minus budget (within £0.05m)", "Complete return for the period, every sheet used", ...).
    """
    summary = table.assign(kind=table["check"].str.partition(":")[0],
                           passed=table["result"].eq(PASSED).astype(int),
                           failed=table["result"].eq(FAILED).astype(int),
                           not_checked=table["result"].eq(NOT_CHECKED).astype(int)) \
        .groupby("kind", sort=False)[["passed", "failed", "not_checked"]].sum().reset_index()
    return summary.assign(checked=summary["passed"] + summary["failed"] + summary["not_checked"])[
        ["kind", "checked", "passed", "failed", "not_checked"]]
