"""The financial position: directorate budgets, forecasts and variances, computed from the returns.

All money is integer pence (see ``money``); variances are forecast − budget, so
an overspend is positive and an underspend negative. Per cents are computed
from unrounded pence and rounded only for display.

A total is the exact sum of the lines it totals. When any of those lines is
blank (a directorate with no usable return, a blank cell, a period with no
returns) the total is blank too: a total that silently leaves a line out
would not add up to what the council will spend. The checks section names
what is missing.
"""
from __future__ import annotations

import dataclasses
import functools
import html
from decimal import Decimal
from typing import Callable

import numpy as np
import pandas as pd

from . import charts
from .cache import worked_out_once
from .money import WHOLE_NUMBER_TYPES, format_millions, pct_text, pence_from_millions, units_text, whole_units
from .periods import label, month_name, year_to_date
from .problems import RETURN_INVALID
from .returns import CORPORATE, PeriodReturns
from .tables import Table
from .workbook import cell_ref, cells_refs, refs_by_sheet, refs_pattern

TOTAL_DIRECTORATES = "Total directorate budgets"
TOTAL_CENTRAL = "Total budgets held centrally"
NET_OPERATING_BUDGET = "Net operating budget"
YEAR_END = "Forecast year-end position"
OPENING_BALANCE = "General balances at 1 April"
RISK_ASSESSED_LEVEL = "Risk-assessed level"
POSITION = ["latest_budget", "forecast_outturn", "variance", "previous_variance", "change"]
FINANCE_SOURCE = "directorate returns, Finance sheets"
CORPORATE_SOURCE = "Corporate return"
PASSED, FAILED = "Passed", "Failed"


# Exact sums ----------------------------------------------------------------

def strict_sum(values) -> object:
    """The exact sum of pence as a Python int; blank when there is nothing to add or any part is blank."""
    if isinstance(values, pd.Series) and pd.api.types.is_integer_dtype(values.dtype):
        return _strict_sum_of_column(values)
    values = list(values)
    if not values or any(pd.isna(v) for v in values):
        return pd.NA
    return sum(int(v) for v in values)


def _strict_sum_of_column(values: pd.Series) -> object:
    """``strict_sum`` of a column of integer pence, checked for blanks in one step rather than value by value.

    A large council's directorate has thousands of lines, added up in every
    table that shows it; the sum is still of Python ints, so it cannot overflow.
    """
    if values.empty or values.isna().any():
        return pd.NA
    return sum(values.to_numpy(dtype="int64").tolist())


def _as_money(table: pd.DataFrame, columns) -> pd.DataFrame:
    """``table`` with ``columns`` made nullable integer pence (Int64), as ``pd.array`` of their values makes them."""
    for column in columns:
        table[column] = _money_array(table[column])
    return table


def _money_array(values: pd.Series):
    """``pd.array(list(values), dtype="Int64")``: at once where every value is a whole number (int or int64,
    within 64 bits) or blank, as in nearly every column of pence; otherwise value by value."""
    if isinstance(values.dtype, pd.Int64Dtype):
        return values.array.copy()
    objects = values.to_numpy(dtype=object)
    blank = pd.isna(objects)
    if set(map(type, objects[~blank])) <= WHOLE_NUMBER_TYPES:
        pence = np.zeros(len(objects), dtype=np.int64)
        try:
            pence[~blank] = objects[~blank]
        except OverflowError:  # past 64 bits: pd.array says so
            pass
        else:
            return pd.arrays.IntegerArray(pence, blank)
    return pd.array(list(values), dtype="Int64")


def _sum_by(frame: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """Exact sums of ``columns`` for each value of ``key``, in order of first appearance."""
    if frame.empty:
        empty = pd.DataFrame({c: pd.array([], dtype="Int64") for c in columns})
        return empty.set_axis(pd.Index([], name=key, dtype="object"))
    groups = frame.groupby(key, sort=False)[columns]
    if _int64_sums_are_exact(frame, columns):
        totals = groups.sum(min_count=1).astype("Int64")
        return totals.mask(groups.count() < groups.size().to_numpy()[:, None])  # any blank part: blank
    return _as_money(groups.agg(strict_sum), columns)


def _int64_sums_are_exact(frame: pd.DataFrame, columns: list[str]) -> bool:
    """True when adding ``columns`` in 64-bit integers cannot overflow, so numpy's sums are exact.

    Pence columns are integers; 64 bits hold £92 trillion, so only a corrupt
    return could come near. Otherwise sums are made as Python ints.
    """
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_integer_dtype(values.dtype):
            return False
        largest = values.abs().max()
        if pd.notna(largest) and int(largest) * len(values) >= 2 ** 62:
            return False
    return True


def _pct(part: pd.Series, whole) -> pd.Series:
    """``part`` as a per cent of ``whole`` (a Series or one figure).

    Blank where the whole is missing, nil or negative: a per cent of a
    negative budget (income) would carry the wrong sign and means nothing.
    """
    whole = pd.Series(whole, index=part.index) if not isinstance(whole, pd.Series) else whole
    whole = whole.astype("Float64")
    return (100 * part.astype("Float64") / whole.where(whole > 0)).astype("float64")


def _with_total(table: pd.DataFrame, key: str, total_label: str, columns: list[str]) -> pd.DataFrame:
    """``table`` with a total row whose every figure is the exact sum of the column above it."""
    total = {key: total_label, **{c: strict_sum(table[c]) for c in columns}}
    return _as_money(pd.concat([table, pd.DataFrame([total])], ignore_index=True), columns)


def _compare(table: pd.DataFrame, key: str, previous: pd.Series | None) -> pd.DataFrame:
    """Add the variance, the variance at the comparison report (by ``key``) and the change since."""
    table["variance"] = table["forecast_outturn"] - table["latest_budget"]
    if previous is None:
        table["previous_variance"] = pd.array([pd.NA] * len(table), dtype="Int64")
    else:
        table["previous_variance"] = pd.array(list(previous.reindex(table[key])), dtype="Int64")
    table["change"] = table["variance"] - table["previous_variance"]
    return _as_money(table, POSITION)


def _variances(frame: pd.DataFrame, key: str) -> pd.Series:
    """Forecast − budget for each ``key`` (lines of the same name added together)."""
    return _variance_of(_sum_by(frame, key, ["latest_budget", "forecast_outturn"]))


def _variance_of(sums: pd.DataFrame) -> pd.Series:
    """Forecast − budget of each row of summed figures (blank where either is)."""
    return sums["forecast_outturn"] - sums["latest_budget"]


# Where figures came from ---------------------------------------------------

def _line_sources(lines: pd.DataFrame, first: str = "latest_budget", second: str = "forecast_outturn") -> pd.Series:
    """The cells of each line's two figures (budget and forecast unless named otherwise):
    ``Corporate.xlsx!Central budgets!B3, C3``."""
    return cells_refs(lines, [first, second])


def _range_source(lines: pd.DataFrame) -> str:
    """The block of cells a subtotal adds up: ``Children's Services.xlsx!Finance!B2:C6``."""
    if lines.empty:
        return ""
    first, last = lines.iloc[0], lines.iloc[-1]
    start = cell_ref(first, "latest_budget")
    return f"{start}:{cell_ref(last, 'forecast_outturn', with_file=False)}"


def _per_returns(function: Callable) -> Callable:
    """Decorate ``function(current, comparison, *plain)`` so it is worked out once per period's returns.

    The directorate position, the central lines and the net operating budget
    are shown in several tables of a document and underlie several others
    (the headline, the checks, the trend), and on a large council each is
    summed from tens of thousands of lines. The result is held by ``current``
    and shared by its copies while their money sheets hold the same lines (see
    ``cache.worked_out_once``): every document of a period uses the same one.
    """
    @functools.wraps(function)
    def wrapper(current: PeriodReturns, comparison: PeriodReturns | None, *plain):
        key = (current.period, comparison.period if comparison is not None else None,
               tuple(current.invalid.items()), *(tuple(p) if isinstance(p, list) else p for p in plain))
        return worked_out_once(current, function.__name__, key, (*_inputs(current), *_inputs(comparison)),
                               lambda: function(current, comparison, *plain))
    return wrapper


# 1. Directorate position ----------------------------------------------------

def directorate_totals(returns: PeriodReturns) -> pd.DataFrame:
    """Each directorate's latest budget and forecast outturn: the exact sum of its service areas."""
    return _directorate_sums(returns).reset_index()


def _directorate_sums(returns: PeriodReturns) -> pd.DataFrame:
    """``directorate_totals`` indexed by directorate, summed once per period's returns (a document shows the
    position now and at the comparison report, each from all the lines of a period)."""
    return worked_out_once(returns, "directorate sums", (), (returns.finance,),
                           lambda: _sum_by(returns.finance, "directorate", ["latest_budget", "forecast_outturn"]))


@_per_returns
def directorate_position(current: PeriodReturns, comparison: PeriodReturns | None,
                         directorates: list[str]) -> pd.DataFrame:
    """The directorate financial position, as the July 2022 report's table.

    One row per directorate in register order, then the total: latest budget,
    forecast outturn, variance (forecast − budget), variance as a per cent of
    budget, the variance at the comparison report and the change since. A
    directorate without a usable return has blank figures, never zeros; with
    no comparison returns the comparison columns are blank.
    """
    now = _directorate_sums(current)
    table = pd.DataFrame({"directorate": directorates}).join(now, on="directorate")
    previous = _variance_of(_directorate_sums(comparison)) if comparison is not None else None
    table = _with_total(_compare(table, "directorate", previous), "directorate", TOTAL_DIRECTORATES, POSITION)
    table["variance_pct"] = _pct(table["variance"], table["latest_budget"])
    return table[["directorate", "latest_budget", "forecast_outturn", "variance", "variance_pct",
                  "previous_variance", "change"]]


# 2. Budgets held centrally, net operating budget, funding ------------------

def _corporate_lines(lines: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """Lines of a corporate sheet (central budgets or funding) in sheet order, compared by name."""
    table = pd.DataFrame({"line": list(lines["service_area"]),
                          "latest_budget": lines["latest_budget"].to_numpy(),
                          "forecast_outturn": lines["forecast_outturn"].to_numpy(),
                          "source": _line_sources(lines).tolist()})
    previous = _variances(before, "service_area") if before is not None else None
    return _compare(_as_money(table, ["latest_budget", "forecast_outturn"]), "line", previous)


@_per_returns
def central_lines(current: PeriodReturns, comparison: PeriodReturns | None) -> pd.DataFrame:
    """Budgets held centrally, line by line as the corporate return states them, with their total."""
    table = _corporate_lines(current.central, comparison.central if comparison is not None else None)
    table = _with_total(table, "line", TOTAL_CENTRAL, POSITION)
    table["source"] = [*table["source"].iloc[:-1], _range_source(current.central)]  # also when no lines
    return table


def _total_of(rows: list, line: str) -> dict:
    """A named line whose figures are the exact sums of ``rows`` (Series or dicts)."""
    return {"line": line, **{c: strict_sum(r[c] for r in rows) for c in POSITION}}


@_per_returns
def net_operating_budget(current: PeriodReturns, comparison: PeriodReturns | None,
                         directorates: list[str]) -> pd.DataFrame:
    """The council's position: directorates + central budgets = net operating budget; + funding = year end.

    Funding (business rates and council tax) is negative, so the forecast
    year-end position has a nil budget and its forecast is the overspend (or,
    negative, the underspend). The variance per cent of the directorate total
    is of the directorate budgets; every other line's is of the net operating
    budget, as in the July 2022 report; the year end has none (its budget is nil).
    """
    directorate_total = directorate_position(current, comparison, directorates).iloc[-1]
    central_total = central_lines(current, comparison).iloc[-1]
    funding = _corporate_lines(current.funding, comparison.funding if comparison is not None else None)
    rows = [_total_of([directorate_total], TOTAL_DIRECTORATES), _total_of([central_total], TOTAL_CENTRAL)]
    nob = _total_of(rows, NET_OPERATING_BUDGET)
    funding_rows = [r for _, r in funding.iterrows()]
    year_end = _total_of([nob, _total_of(funding_rows, "funding")], YEAR_END)
    table = _as_money(pd.DataFrame([*rows, nob, *(r.to_dict() for r in funding_rows), year_end]), POSITION)
    table["variance_pct"] = _pct(table["variance"], nob["latest_budget"])
    table.loc[0, "variance_pct"] = directorate_total["variance_pct"]
    table.loc[table.index[-1], "variance_pct"] = float("nan")
    table["source"] = table["source"].fillna("") if "source" in table else ""
    return table[["line", *POSITION[:3], "variance_pct", *POSITION[3:], "source"]]


def central_position(current: PeriodReturns, comparison: PeriodReturns | None,
                     directorates: list[str]) -> pd.DataFrame:
    """Budgets held centrally with the variance as a per cent of the NET OPERATING BUDGET.

    A central line is often negative (interest received, grants) or small, so
    a per cent of the line itself means nothing; the July 2022 report shows
    each central variance as a share of the net operating budget instead.
    """
    table = central_lines(current, comparison)
    nob = net_operating_budget(current, comparison, directorates).set_index("line")
    table["variance_pct"] = _pct(table["variance"], nob.loc[NET_OPERATING_BUDGET, "latest_budget"])
    return table[["line", *POSITION[:3], "variance_pct", *POSITION[3:], "source"]]


# 3. Service areas ------------------------------------------------------------

SERVICE_AREA_COLUMNS = ["directorate", "service_area", "kind", "latest_budget", "forecast_outturn",
                        "stated_variance", "commentary", "source"]


def service_areas(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Every service area of every directorate, a subtotal row for each directorate, then the total.

    Each line names the cells its budget and forecast were read from; a
    directorate with no usable return has one blank row saying why.
    """
    finance = current.finance
    found = _lines_of(current)
    blocks = [_service_area_block(current, finance, directorate, found.get(directorate))
              for directorate in directorates]
    table = _frame_of({c: [v for block in blocks for v in block[c]] for c in SERVICE_AREA_COLUMNS})
    table = _as_money(table, ["latest_budget", "forecast_outturn", "stated_variance"])
    columns = ["latest_budget", "forecast_outturn", "variance"]
    table["variance"] = table["forecast_outturn"] - table["latest_budget"]
    subtotals = table[table["kind"] == "subtotal"]
    total = {"directorate": TOTAL_DIRECTORATES, "service_area": "", "kind": "total", "source": "",
             **{c: strict_sum(subtotals[c]) for c in columns}}
    table = _as_money(pd.concat([table, pd.DataFrame([total])], ignore_index=True),
                      [*columns, "stated_variance"])
    table["variance_pct"] = _pct(table["variance"], table["latest_budget"])
    return table[["directorate", "service_area", "kind", *columns, "variance_pct", "stated_variance",
                  "commentary", "source"]]


def _positions(frame: pd.DataFrame, key: str) -> dict:
    """Where each value of ``key`` is in ``frame`` (positions in frame order), found in one pass.

    Filtering the frame once per directorate would read every line once per
    directorate; a blank key belongs to no directorate, as with ``==``.
    """
    return frame.groupby(key, sort=False).indices if not frame.empty else {}


def _lines_of(current: PeriodReturns) -> dict:
    """Where each directorate's lines are in the period's finance lines: ``_positions`` by directorate,
    worked out once per period's lines (each directorate's briefing looks up its own among the council's).
    The positions are read-only."""
    def find() -> dict:
        found = _positions(current.finance, "directorate")
        for positions in found.values():
            positions.setflags(write=False)
        return found
    return worked_out_once(current, "lines by directorate", (), (current.finance,), find)


def _service_area_block(current: PeriodReturns, finance: pd.DataFrame, directorate: str,
                        positions: np.ndarray | None) -> dict[str, list]:
    """One directorate's rows of the service-area table, column by column: its lines then its subtotal.

    The values are those a row-by-row reading of ``finance`` gives (a value a
    row lacks is NaN, as in a table built from dicts), so the table's types are too.
    """
    if positions is None:
        row = {"directorate": directorate, "service_area": _unavailable(current, directorate), "kind": "subtotal",
               "source": f"{directorate}.xlsx"}
        return {c: [row.get(c, np.nan)] for c in SERVICE_AREA_COLUMNS}
    lines = finance.iloc[positions]
    shown = {"directorate": [directorate] * len(lines), "kind": ["line"] * len(lines),
             **{c: lines[c].tolist() for c in ("service_area", "latest_budget", "forecast_outturn",
                                                "stated_variance", "commentary")},
             "source": _line_sources(lines).tolist()}
    subtotal = {"directorate": directorate, "service_area": "Directorate total", "kind": "subtotal",
                **{c: strict_sum(lines[c]) for c in ("latest_budget", "forecast_outturn")},
                "source": _range_source(lines)}
    return {c: [*shown[c], subtotal.get(c, np.nan)] for c in SERVICE_AREA_COLUMNS}


def _frame_of(columns: dict[str, list]) -> pd.DataFrame:
    """A table from whole columns, typed as ``pd.DataFrame`` types the same rows given as dicts.

    Columns of values are typed as rows of them are, except with no rows at
    all, where rows leave every column ``object``.
    """
    if not any(columns.values()):
        return pd.DataFrame([], columns=list(columns))
    return pd.DataFrame(columns)


def _unavailable(current: PeriodReturns, directorate: str) -> str:
    """Why a directorate has no finance lines: its return could not be used (and why), or it gave none."""
    why = current.invalid.get(directorate)
    return f"{RETURN_INVALID} ({why})" if why else "No Finance lines in the return"


# 4. On target? ----------------------------------------------------------------

def within_tolerance(variance, budget, tolerance_pct: float):
    """True when the variance, either way, is no more than ``tolerance_pct`` of the budget.

    Compared exactly in pence (the tolerance read as typed, e.g. 2.0), so a
    directorate at exactly the edge is on target. Blank when either is blank.
    """
    if pd.isna(variance) or pd.isna(budget):
        return pd.NA
    return abs(int(variance)) * 100 <= Decimal(str(tolerance_pct)) * abs(int(budget))


def _signed_pct(value) -> str:
    """``+10.9%``: signed as shown, so a per cent that rounds to nil carries no sign."""
    shown = round(float(value), 1) + 0.0
    return f"{'+' if shown > 0 else ''}{shown:.1f}%"


def _position_text(variance, pct) -> str:
    """``+£7.6m or +10.9%``, as the Q3 2017-18 finance annex writes a position."""
    if pd.isna(variance):
        return "Not available"
    share = "" if pd.isna(pct) else f" or {_signed_pct(pct)}"
    return f"{format_millions(variance, sign=True)}{share}"


def _notes(current: PeriodReturns) -> dict[str, str]:
    """The commentary each directorate gave on its service areas, each note named by its service area.

    Worked out for every directorate in one pass over their lines; a
    directorate whose lines carry no commentary has an empty text.
    """
    areas, texts = current.finance["service_area"].tolist(), current.finance["commentary"].tolist()
    return {directorate: "\n".join(f"{areas[i]}: {texts[i]}" for i in positions
                                   if isinstance(texts[i], str) and texts[i].strip())
            for directorate, positions in _lines_of(current).items()}


def on_target(current: PeriodReturns, directorates: list[str], tolerance_pct: float) -> pd.DataFrame:
    """Each directorate's variance against the tolerance, Yes or No, with the notes from its return.

    The last row is the council as a whole: the forecast year-end variance
    against the net operating budget (the Q3 2017-18 annex's council line).
    A directorate's row depends only on its own lines: its own briefing
    shows its row of this table (``on_target_table``).
    """
    position = directorate_position(current, None, directorates).iloc[:-1]
    notes = _notes(current)
    rows = []
    for _, row in position.iterrows():
        rows.append({"directorate": row["directorate"], "latest_budget": row["latest_budget"],
                     "variance": row["variance"], "variance_pct": row["variance_pct"],
                     "notes": notes[row["directorate"]] if row["directorate"] in notes else
                     _unavailable(current, row["directorate"])})
    council = net_operating_budget(current, None, directorates).set_index("line")
    budget = council.loc[NET_OPERATING_BUDGET, "latest_budget"]
    variance = council.loc[YEAR_END, "variance"]
    rows.append({"directorate": "Council (net operating budget)", "latest_budget": budget, "variance": variance,
                 "variance_pct": _pct(pd.Series([variance]), budget).iloc[0], "notes": ""})
    table = _as_money(pd.DataFrame(rows), ["latest_budget", "variance"])
    table["on_target"] = [_yes_no(within_tolerance(v, b, tolerance_pct))
                          for v, b in zip(table["variance"], table["latest_budget"])]
    table["position"] = [_position_text(v, p) for v, p in zip(table["variance"], table["variance_pct"])]
    return table[["directorate", "latest_budget", "variance", "variance_pct", "position", "on_target", "notes"]]


def _yes_no(flag) -> str:
    return "" if pd.isna(flag) else ("Yes" if flag else "No")


# 5. Savings -------------------------------------------------------------------

def _savings_figures(table: pd.DataFrame) -> pd.DataFrame:
    table["shortfall"] = table["planned"] - table["forecast_delivered"]
    table["achieved_pct"] = _pct(table["forecast_delivered"], table["planned"])
    return table


def savings_by_directorate(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Savings planned and forecast to be delivered, per cent achieved, per directorate and in total.

    A directorate whose return has no savings lines planned none (the sheet is
    optional); one with no usable return is blank.
    """
    sums = _sum_by(current.savings, "directorate", ["planned", "forecast_delivered"])
    table = pd.DataFrame({"directorate": directorates}).join(sums, on="directorate")
    reported = ~table["directorate"].isin(list(current.invalid))
    for column in ("planned", "forecast_delivered"):
        table[column] = table[column].mask(reported & table[column].isna(), 0)
    table = _with_total(table, "directorate", "Total savings", ["planned", "forecast_delivered"])
    return _savings_figures(table)


def savings_lines(current: PeriodReturns, directorate: str) -> pd.DataFrame:
    """One directorate's savings, saving by saving, with their total and the commentary."""
    lines = current.savings[current.savings["directorate"] == directorate]
    table = pd.DataFrame({"saving": list(lines["saving"]), "planned": lines["planned"].to_numpy(),
                          "forecast_delivered": lines["forecast_delivered"].to_numpy(),
                          "commentary": list(lines["commentary"]),
                          "source": _line_sources(lines, "planned", "forecast_delivered").tolist()})
    table = _with_total(_as_money(table, ["planned", "forecast_delivered"]), "saving", "Total savings",
                        ["planned", "forecast_delivered"])
    return _savings_figures(table)


# 6. General balances -----------------------------------------------------------

def _item(balances: pd.DataFrame, name: str) -> tuple[object, str]:
    """The amount of a Balances item (matched ignoring case and spaces) and its cell."""
    wanted = " ".join(name.split()).casefold()
    for _, row in balances.iterrows():
        if " ".join(str(row["item"]).split()).casefold() == wanted:
            return row["amount"], cell_ref(row, "amount")
    return pd.NA, f"{CORPORATE}.xlsx!Balances (no '{name}' row)"


def general_balances(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Opening general balances, less the forecast overspend (or plus the underspend), against the risk-assessed level.

    The movement is the forecast year-end position including budgets held
    centrally and funding; the last row is the headroom above (positive) or
    shortfall below (negative) the risk-assessed level.
    """
    opening, opening_cell = _item(current.balances, OPENING_BALANCE)
    level, level_cell = _item(current.balances, RISK_ASSESSED_LEVEL)
    year_end = net_operating_budget(current, None, directorates).set_index("line").loc[YEAR_END, "variance"]
    movement = pd.NA if pd.isna(year_end) else -int(year_end)
    forecast = strict_sum([opening, movement])
    gap = strict_sum([forecast, pd.NA if pd.isna(level) else -int(level)])
    overspend = pd.isna(movement) or movement <= 0
    rows = [
        (OPENING_BALANCE, opening, opening_cell),
        ("Less forecast overspend" if overspend else "Add forecast underspend", movement,
         "Forecast year-end position (net operating budget and funding)"),
        ("Forecast general balances at 31 March", forecast, "Opening balance plus the movement"),
        (RISK_ASSESSED_LEVEL, level, level_cell),
        ("Headroom above the risk-assessed level" if pd.isna(gap) or gap >= 0 else
         "Shortfall below the risk-assessed level", gap, "Forecast balance less the risk-assessed level"),
    ]
    return _as_money(pd.DataFrame(rows, columns=["item", "amount", "source"]), ["amount"])


# 7. Reserves and 8. the Dedicated Schools Grant -------------------------------------

def reserves(current: PeriodReturns) -> pd.DataFrame:
    """Each reserve's opening balance, forecast movement and forecast closing balance, with the total."""
    lines = current.reserves
    table = pd.DataFrame({"reserve": list(lines["reserve"]), "opening": lines["opening"].to_numpy(),
                          "forecast_movement": lines["forecast_movement"].to_numpy(),
                          "commentary": list(lines["commentary"])})
    table = _as_money(table, ["opening", "forecast_movement"])
    table["forecast_closing"] = table["opening"] + table["forecast_movement"]
    table = _with_total(table, "reserve", "Total reserves", ["opening", "forecast_movement", "forecast_closing"])
    return table[["reserve", "opening", "forecast_movement", "forecast_closing", "commentary"]]


def dedicated_schools_grant(current: PeriodReturns) -> pd.DataFrame:
    """Each DSG block's opening cumulative deficit, forecast in-year deficit and closing cumulative deficit."""
    lines = current.dsg
    table = pd.DataFrame({"block": list(lines["block"]), "opening_deficit": lines["opening_deficit"].to_numpy(),
                          "in_year_deficit": lines["in_year_deficit"].to_numpy()})
    table = _as_money(table, ["opening_deficit", "in_year_deficit"])
    table["closing_deficit"] = table["opening_deficit"] + table["in_year_deficit"]
    return _with_total(table, "block", "Total", ["opening_deficit", "in_year_deficit", "closing_deficit"])


# 9. Forecast trend ------------------------------------------------------------------

def variance_trend(returns: dict[str, PeriodReturns], period: str, directorates: list[str]) -> pd.DataFrame:
    """Each directorate's forecast variance at every month's report of the year so far, and the total.

    One column per period from April to ``period``; a month with no returns is blank.
    """
    table = pd.DataFrame({"directorate": [*directorates, TOTAL_DIRECTORATES]})
    for month in year_to_date(period):
        if month in returns:  # each directorate's variance, as in its position, and their exact total
            variance = _variance_of(_directorate_sums(returns[month])).reindex(directorates)
            table[month] = pd.array([*variance, strict_sum(variance)], dtype="Int64")
        else:
            table[month] = pd.array([pd.NA] * len(table), dtype="Int64")
    return table


# 10. Narrative -----------------------------------------------------------------------

class Narrative:
    """A paragraph in the reports' voice; shown as ``<p class="narrative">`` with its text escaped."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f'<p class="narrative">{html.escape(self.text)}</p>'


def _spend(pence) -> str:
    """``overspend`` or ``underspend`` for a variance."""
    return "overspend" if pence > 0 else "underspend"


def narrative_text(b) -> str:
    """The financial position in sentences, every number computed from the tables of this section."""
    position = directorate_position(b.current, b.comparison, b.directorates).iloc[-1]
    council = net_operating_budget(b.current, b.comparison, b.directorates).set_index("line")
    sentences = []
    if pd.isna(position["variance"]):
        missing = ", ".join(d for d in b.directorates if d in b.current.invalid) or "a directorate"
        return (f"The forecast directorate position is not available: there is no usable return from {missing}. "
                "The tables below show what was returned.")
    if position["variance"] == 0:
        sentences.append("Directorates forecast to spend exactly their budget.")
    else:
        sentences.append(f"The forecast directorate {_spend(position['variance'])} is "
                         f"{format_millions(abs(position['variance']))} or {pct_text(position['variance_pct'])} "
                         "of the budget.")
    if pd.notna(position["change"]) and b.run.compare_to:
        change = position["change"]
        moved = "has not changed" if change == 0 else \
            f"has {'risen' if change > 0 else 'fallen'} by {format_millions(abs(change))}"
        sentences.append(f"The directorate variance {moved} since {label(b.run.compare_to)}.")
    nob, central = council.loc[NET_OPERATING_BUDGET], council.loc[TOTAL_CENTRAL]
    if pd.notna(nob["variance"]) and pd.notna(central["variance"]):
        after = "no variation on budgets held centrally" if central["variance"] == 0 else \
            f"a forecast {_spend(central['variance'])} of {format_millions(abs(central['variance']))} " \
            "on budgets held centrally"
        overall = "The overall forecast is on budget" if nob["variance"] == 0 else \
            f"The overall forecast {_spend(nob['variance'])} is {format_millions(abs(nob['variance']))} or " \
            f"{pct_text(nob['variance_pct'])} of the net operating budget"
        sentences.append(f"{overall} after taking account of {after}.")
    sentences.append(_balances_sentence(general_balances(b.current, b.directorates)))
    savings = savings_by_directorate(b.current, b.directorates).iloc[-1]
    if pd.notna(savings["planned"]) and savings["planned"]:
        sentences.append(f"{format_millions(savings['forecast_delivered'])} of the "
                         f"{format_millions(savings['planned'])} planned savings "
                         f"({pct_text(savings['achieved_pct'])}) are forecast to be delivered.")
    dsg = dedicated_schools_grant(b.current)
    if len(dsg) > 1 and pd.notna(dsg.iloc[-1]["closing_deficit"]):
        total = dsg.iloc[-1]
        largest = dsg.iloc[:-1].sort_values("closing_deficit", ascending=False).iloc[0]
        sentences.append(f"The forecast in-year Dedicated Schools Grant deficit of "
                         f"{format_millions(total['in_year_deficit'])} would take the cumulative deficit to "
                         f"{format_millions(total['closing_deficit'])}, {format_millions(largest['closing_deficit'])} "
                         f"of it on the {largest['block']} block.")
    return " ".join(s for s in sentences if s)


def _balances_sentence(balances: pd.DataFrame) -> str:
    amounts = balances["amount"]
    movement, forecast, level, gap = amounts.iloc[1], amounts.iloc[2], amounts.iloc[3], amounts.iloc[4]
    if pd.isna(gap):
        return ""
    taking = "" if movement == 0 else \
        f"After taking account of the forecast {'overspend' if movement < 0 else 'underspend'} of " \
        f"{format_millions(abs(movement))}, "
    where = "above" if gap >= 0 else "below"
    opening = "G" if not taking else "g"
    return (f"{taking}{opening}eneral balances will be {format_millions(forecast)}, {format_millions(abs(gap))} "
            f"{where} the risk-assessed level of {format_millions(level)}.")


def narrative(b) -> Narrative:
    """The opening paragraph of the financial position."""
    return Narrative(narrative_text(b))


# Tables --------------------------------------------------------------------------------

def _position_columns(b, first: str, pct: str) -> dict[str, str]:
    """Column headings of a position table, naming this period and the comparison period."""
    compare_to = b.run.compare_to
    compare = label(compare_to) if compare_to else "last report"
    return {"directorate": first, "line": first, "latest_budget": "Latest budget £m",
            "forecast_outturn": "Forecast outturn £m", "variance": f"Variance {label(b.period)} £m",
            "variance_pct": pct, "previous_variance": f"Variance {compare} £m",
            "change": f"Change since {month_name(compare_to) if compare_to else 'last report'} £m",
            "source": "Source cells"}


POSITION_FORMATS = ["money", "money", "money_signed", "pct_signed", "money_signed", "money_signed"]


def _comparison_note(b) -> str:
    if not b.run.compare_to:
        return " There is no earlier report to compare with, so the comparison columns are blank."
    if b.comparison is None:
        return f" There are no returns for {label(b.run.compare_to)}, so the comparison columns are blank."
    return ""


def _framed(b, table: pd.DataFrame, first: str, pct: str) -> tuple[pd.DataFrame, dict[str, str]]:
    frame = table.rename(columns=_position_columns(b, first, pct))
    formats = dict(zip(frame.columns[1:7], POSITION_FORMATS))
    return frame, formats


def _forecast_title(variance, unavailable: str, exact: str, spent) -> str:
    """A table's headline from a forecast variance: why it is missing, on budget, or ``spent(variance)``."""
    if pd.isna(variance):
        return unavailable
    return exact if variance == 0 else spent(variance)


def directorate_position_table(b) -> Table:
    """The directorate financial position, as the July 2022 report's table."""
    table = directorate_position(b.current, b.comparison, b.directorates)
    total = table.iloc[-1]
    title = _forecast_title(total["variance"], "The directorate forecast is not available",
                            "Directorates forecast to spend exactly their budgets",
                            lambda v: f"Directorates forecast an {_spend(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(total['variance_pct'])} of budget)")
    frame, formats = _framed(b, table, "Directorate", f"Variance {label(b.period)} %")
    return Table("Directorate position", title, frame,
                 caption=f"Directorate financial position, {label(b.period)}: each directorate is the sum of its "
                         "service areas; variance is forecast outturn less latest budget (an overspend is positive), "
                         "its per cent is of the directorate's budget." + _comparison_note(b),
                 formats=formats, source=FINANCE_SOURCE, total_rows=1)


def central_position_table(b) -> Table:
    """Budgets held centrally, each variance a share of the net operating budget."""
    table = central_position(b.current, b.comparison, b.directorates)
    title = _forecast_title(table.iloc[-1]["variance"], "The forecast for budgets held centrally is not available",
                            "Budgets held centrally are forecast to spend exactly their budget",
                            lambda v: f"Budgets held centrally are forecast to {_spend(v)} by {format_millions(abs(v))}")
    frame, formats = _framed(b, table, "Budget held centrally", "Variance % of net operating budget")
    return Table("Central budgets", title, frame,
                 caption="Budgets held centrally. The variance per cent of each line, and of the total, is a share "
                         "of the net operating budget, not of the line itself: many central lines are negative "
                         "(income) or small, and a per cent of them would mean nothing." + _comparison_note(b),
                 formats=formats, source=f"{CORPORATE_SOURCE}, Central budgets sheet", total_rows=1)


def net_operating_budget_table(b) -> Table:
    """Directorates and central budgets make the net operating budget; funding it gives the year-end position."""
    table = net_operating_budget(b.current, b.comparison, b.directorates)
    nob = table.set_index("line").loc[NET_OPERATING_BUDGET, "latest_budget"]
    title = _forecast_title(table.iloc[-1]["variance"], "The forecast year-end position is not available",
                            "The council forecasts to spend exactly its net operating budget",
                            lambda v: f"The council forecasts a year-end {_spend(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(_pct(pd.Series([v]), nob).iloc[0])} of the net operating budget)")
    frame, formats = _framed(b, table, "Line", "Variance %")
    return Table("Net operating budget", title, frame,
                 caption="Net operating budget: total directorate budgets plus budgets held centrally; funding "
                         "(business rates and council tax) is negative, so the forecast year-end position has a nil "
                         "budget and its forecast is the overspend (positive) or underspend. The per cent of the "
                         "directorate total is of the directorate budgets; of every other line, of the net "
                         "operating budget." + _comparison_note(b),
                 formats=formats, source=f"{FINANCE_SOURCE}; {CORPORATE_SOURCE}, Central budgets and Funding sheets",
                 total_rows=1)


def _service_area_frame(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.drop(columns=["kind", "stated_variance", "commentary"])
    return shown.rename(columns={"directorate": "Directorate", "service_area": "Service area",
                                 "latest_budget": "Latest budget £m", "forecast_outturn": "Forecast outturn £m",
                                 "variance": "Variance £m", "variance_pct": "Variance %", "source": "Source cells"})


SERVICE_AREA_FORMATS = {"Latest budget £m": "money", "Forecast outturn £m": "money", "Variance £m": "money_signed",
                        "Variance %": "pct_signed"}


# The corporate briefing lists every service area of a council with up to this many;
# beyond it (a council returning its cost centres), each directorate's largest
# variances, so the document stays readable and small enough to e-mail.
SERVICE_AREA_LINES_SHOWN = 400
LARGEST_LINES_SHOWN = 10


def largest_lines(table: pd.DataFrame, per_directorate: int) -> pd.Index:
    """The rows to show of a long service-area table: each directorate's ``per_directorate`` lines with the
    largest variance either way (a blank variance last), every subtotal and the total, in table order."""
    lines = table["kind"] == "line"
    size = table["variance"].astype("Float64").abs().fillna(-1)
    rank = size[lines].groupby(table.loc[lines, "directorate"], sort=False).rank(method="first", ascending=False)
    keep = ~lines
    keep[rank.index[rank <= per_directorate]] = True
    return table.index[keep]


def _shown_note(table: pd.DataFrame, shown: pd.Index) -> str:
    lines = int((table["kind"] == "line").sum())
    return (f"Shown: each directorate's {LARGEST_LINES_SHOWN} service areas with the largest variances "
            f"({int((table.loc[shown, 'kind'] == 'line').sum()):,} of {lines:,} lines) and every total. "
            "Every line is in the Excel tables, sheet 'Service areas', and in each directorate's own briefing.")


def service_areas_table(b, directorates: list[str] | None = None, key: str = "Service areas") -> Table:
    """Service-area detail: every line, a subtotal per directorate matching the directorate table, and the total.

    A council with more than ``SERVICE_AREA_LINES_SHOWN`` lines has only each
    directorate's largest variances shown in the corporate briefing; tables.xlsx
    and the directorate briefings keep every line.
    """
    table = _service_areas_of(b, directorates)
    shown = None
    if directorates is None and (table["kind"] == "line").sum() > SERVICE_AREA_LINES_SHOWN:
        shown = largest_lines(table, LARGEST_LINES_SHOWN)
    lines = table[(table["kind"] == "line") & table["variance"].notna()]
    if lines.empty:
        title = "No service-area forecast is available"
    else:
        biggest = lines.loc[lines["variance"].abs().idxmax()]
        title = (f"{biggest['service_area']} ({biggest['directorate']}) has the largest service-area variance, "
                 f"{format_millions(biggest['variance'], sign=True)}")
    return Table(key, title, _service_area_frame(table),
                 caption="Service areas as each directorate's return states them; each directorate total is the "
                         "exact sum of its lines and is the figure used in the directorate table. Per cents are of "
                         "the line's budget (blank where the budget is nil or negative).",
                 formats=SERVICE_AREA_FORMATS, source=FINANCE_SOURCE, total_rows=1,
                 shown=shown, shown_note="" if shown is None else _shown_note(table, shown))


def own_service_areas_table(b, directorate: str) -> Table:
    """One directorate's service areas for its own briefing: every line and its total, each line named by its
    service area (its row header); the directorate, the same on every row, is the briefing's own."""
    table = service_areas_table(b, [directorate])
    return dataclasses.replace(table, frame=table.frame.drop(columns="Directorate"))


def _tolerance_text(tolerance_pct: float) -> str:
    return f"Within {tolerance_pct:.1f}% of net budget"


def on_target_table(b, directorates: list[str] | None = None, key: str = "On target") -> Table:
    """The Q3 2017-18 finance annex: each directorate's position against the tolerance, Yes or No, with notes."""
    tolerance = b.run.settings.finance_tolerance_pct
    table = _once_per_period(b, "on target", on_target, tolerance)
    if directorates is not None:  # a row depends only on its own directorate's lines
        table = table[table["directorate"].isin(directorates)]
    judged = table.iloc[:-1] if directorates is None else table
    yes = int((judged["on_target"] == "Yes").sum())
    title = (f"{yes} of {len(judged)} directorates are forecast within {tolerance:.1f}% of their budget"
             if directorates is None else
             f"{judged.iloc[0]['directorate']} is {'' if judged.iloc[0]['on_target'] == 'Yes' else 'not '}"
             f"forecast within {tolerance:.1f}% of its budget")
    frame = pd.DataFrame({"Directorate": table["directorate"],
                          "Target": _tolerance_text(tolerance),
                          "Position": table["position"], "On target?": table["on_target"],
                          "Notes": table["notes"]})
    return Table(key, title, frame,
                 caption=f"On target when the forecast variance, over or under, is no more than {tolerance:.1f}% "
                         "of the net budget (finance_tolerance_pct). Notes are the directorates' commentary on their "
                         "service areas.",
                 source=f"{FINANCE_SOURCE}; {CORPORATE_SOURCE} for the council line",
                 total_rows=1 if directorates is None else 0)


def _savings_title(total) -> str:
    if pd.isna(total["planned"]) or not total["planned"]:
        return "The savings position is not available" if pd.isna(total["planned"]) else "No savings are planned"
    return (f"{format_millions(total['forecast_delivered'])} of {format_millions(total['planned'])} planned savings "
            f"({pct_text(total['achieved_pct'])}) are forecast to be delivered")


SAVINGS_COLUMNS = {"planned": "Planned £m", "forecast_delivered": "Forecast delivered £m",
                   "shortfall": "Shortfall £m", "achieved_pct": "Achieved %", "commentary": "Commentary",
                   "source": "Source cells"}
SAVINGS_FORMATS = {"Planned £m": "money", "Forecast delivered £m": "money", "Shortfall £m": "money",
                   "Achieved %": "pct"}


def savings_table(b) -> Table:
    """Savings delivery per directorate: planned, forecast delivered, shortfall and per cent achieved."""
    table = savings_by_directorate(b.current, b.directorates)
    frame = table.rename(columns={"directorate": "Directorate", **SAVINGS_COLUMNS})
    return Table("Savings", _savings_title(table.iloc[-1]), frame,
                 caption="Savings planned for the year and forecast to be delivered; per cent achieved is forecast "
                         "delivered as a share of planned.",
                 formats=SAVINGS_FORMATS, source="directorate returns, Savings sheets", total_rows=1)


def directorate_savings_table(b, directorate: str) -> Table:
    """One directorate's savings, saving by saving."""
    table = savings_lines(b.current, directorate)
    frame = table.rename(columns={"saving": "Saving", **SAVINGS_COLUMNS})
    frame = frame[["Saving", *SAVINGS_FORMATS, "Commentary", "Source cells"]]
    return Table("Savings", _savings_title(table.iloc[-1]), frame,
                 caption=f"{directorate}: savings planned for the year and forecast to be delivered.",
                 formats=SAVINGS_FORMATS, source=f"{directorate}.xlsx, Savings sheet", total_rows=1,
                 empty_text="No savings returned.")


def general_balances_table(b) -> Table:
    """General balances at the year end against the risk-assessed level."""
    table = general_balances(b.current, b.directorates)
    forecast, level, gap = table["amount"].iloc[2], table["amount"].iloc[3], table["amount"].iloc[4]
    title = "Forecast general balances are not available" if pd.isna(gap) else (
        f"General balances are forecast at {format_millions(forecast)}, {format_millions(abs(gap))} "
        f"{'above' if gap >= 0 else 'below'} the risk-assessed level of {format_millions(level)}")
    frame = table.rename(columns={"item": "General balances", "amount": "£m", "source": "Source"})
    return Table("General balances", title, frame,
                 caption="General balances at the start of the year, less the forecast overspend (or plus the "
                         "underspend) at the year end including budgets held centrally and funding, against the "
                         "risk-assessed level.",
                 formats={"£m": "money"}, source=f"{CORPORATE_SOURCE}, Balances sheet", total_rows=1)


def reserves_table(b) -> Table:
    """Earmarked reserves: opening, forecast movement and forecast closing balance."""
    table = reserves(b.current)
    total = table.iloc[-1]
    title = "Reserves are not available" if pd.isna(total["forecast_closing"]) else (
        f"Reserves are forecast to {'fall' if total['forecast_movement'] < 0 else 'rise'} by "
        f"{format_millions(abs(total['forecast_movement']))} to {format_millions(total['forecast_closing'])} "
        "by 31 March")
    frame = table.rename(columns={"reserve": "Reserve", "opening": "Opening £m",
                                  "forecast_movement": "Forecast movement £m",
                                  "forecast_closing": "Forecast closing £m", "commentary": "Commentary"})
    return Table("Reserves", title, frame,
                 caption="Reserves: balance at 1 April, forecast movement in the year (a use is negative) and "
                         "forecast balance at 31 March.",
                 formats={"Opening £m": "money", "Forecast movement £m": "money_signed",
                          "Forecast closing £m": "money"},
                 source=f"{CORPORATE_SOURCE}, Reserves sheet", total_rows=1)


def dsg_table(b) -> Table:
    """The Dedicated Schools Grant deficit by block."""
    table = dedicated_schools_grant(b.current)
    total = table.iloc[-1]
    closing = format_millions(total["closing_deficit"])
    if pd.isna(total["closing_deficit"]):
        title = "The Dedicated Schools Grant position is not available"
    elif total["in_year_deficit"] >= 0:
        title = (f"The Dedicated Schools Grant cumulative deficit is forecast to reach {closing}, "
                 f"up {format_millions(total['in_year_deficit'])} in the year")
    else:
        title = f"The Dedicated Schools Grant cumulative deficit is forecast to fall to {closing}"
    frame = table.rename(columns={"block": "Block", "opening_deficit": "Opening cumulative deficit £m",
                                  "in_year_deficit": "Forecast in-year deficit £m",
                                  "closing_deficit": "Closing cumulative deficit £m"})
    return Table("Dedicated Schools Grant", title, frame,
                 caption="Dedicated Schools Grant deficit by block: the cumulative deficit at 1 April, the forecast "
                         "in-year deficit (a surplus is negative) and the forecast cumulative deficit at 31 March.",
                 formats={"Opening cumulative deficit £m": "money", "Forecast in-year deficit £m": "money_signed",
                          "Closing cumulative deficit £m": "money"},
                 source=f"{CORPORATE_SOURCE}, DSG sheet", total_rows=1)


def _trend_title(trend: pd.DataFrame, months: list[str]) -> str:
    total = trend.iloc[-1]
    known = [m for m in months if pd.notna(total[m])]
    if not known:
        return "The forecast trend is not available"
    last = known[-1]
    if len(known) == 1:
        return f"The directorate forecast variance was {format_millions(total[last], sign=True)} in {month_name(last)}"
    first = known[0]
    return (f"The directorate forecast variance moved from {format_millions(total[first], sign=True)} in "
            f"{month_name(first)} to {format_millions(total[last], sign=True)} in {month_name(last)}")


def trend_table(b) -> Table:
    """Each directorate's forecast variance at every month's report of the year so far."""
    trend = variance_trend(b.returns, b.period, b.directorates)
    months = [c for c in trend.columns if c != "directorate"]
    frame = trend.rename(columns={"directorate": "Directorate", **{m: f"{month_name(m)} £m" for m in months}})
    return Table("Forecast trend", _trend_title(trend, months), frame,
                 caption="Forecast variance (forecast outturn less latest budget) at each month's report of the "
                         "financial year so far; a month with no returns is blank.",
                 formats={f"{month_name(m)} £m": "money_signed" for m in months}, source=FINANCE_SOURCE,
                 total_rows=1)


def tables(b) -> list:
    """The financial position section of the briefing, in order: narrative, then tables and charts.

    Each chart comes just before the table holding its figures and links to
    it, so no figure is printed twice.
    """
    position = directorate_position(b.current, b.comparison, b.directorates).iloc[:-1]
    savings = savings_by_directorate(b.current, b.directorates).iloc[:-1]
    amounts = general_balances(b.current, b.directorates)["amount"]
    trend = variance_trend(b.returns, b.period, b.directorates).iloc[:-1]
    months = [c for c in trend.columns if c != "directorate"]
    items: list = [narrative(b), charts.variance_chart(position, "Directorate position"),
                   directorate_position_table(b), central_position_table(b), net_operating_budget_table(b),
                   service_areas_table(b), on_target_table(b), charts.savings_chart(savings, "Savings"),
                   savings_table(b)]
    if amounts.notna().all():
        items.append(charts.balances_chart(*(int(amounts.iloc[i]) for i in (0, 1, 2, 3)),
                                           table_key="General balances"))
    items += [general_balances_table(b), reserves_table(b), dsg_table(b),
              charts.variance_trend_chart(trend, [month_name(m)[:3] for m in months], "Forecast trend"),
              trend_table(b)]
    return items


# Worked out once per briefing ------------------------------------------------------------

def _inputs(returns: PeriodReturns | None) -> tuple:
    """What finance tables are computed from in a period's returns: its money sheets."""
    return () if returns is None else (returns.finance, returns.central, returns.funding)


def _once_per_period(b, name: str, compute: Callable, *plain):
    """``compute(returns, directorates, *plain)`` of the briefing's period, worked out once for every document
    of the period while its money sheets hold the same lines (``cache.worked_out_once``)."""
    key = (b.current.period, tuple(b.directorates), tuple(b.current.invalid.items()), *plain)
    return worked_out_once(b, name, key, _inputs(b.current), lambda: compute(b.current, b.directorates, *plain))


def _service_areas_of(b, directorates: list[str] | None = None) -> pd.DataFrame:
    """``service_areas`` of the briefing's period, the council's worked out once for every document of the
    period (the corporate briefing's tables and checks use it); of ``directorates``, their rows of it, each
    with its subtotal (one directorate's subtotal is its total: no total row).

    A row of the table depends only on its own directorate's lines, so a
    directorate's rows are the same as a table of that directorate alone
    would give; a large council's directorate has thousands of lines, and
    each directorate's briefing took them from the council's lines afresh.
    """
    council = _once_per_period(b, "service areas", service_areas)
    if directorates is None or list(directorates) == list(b.directorates):
        return council
    rows = _once_per_period(b, "service area rows",
                            lambda current, _: _positions(council.iloc[:-1], "directorate"))  # all but the total
    own = [rows[d] for d in dict.fromkeys(directorates) if d in rows]
    return council.take(np.sort(np.concatenate(own)) if own else []).reset_index(drop=True)


# Checks ---------------------------------------------------------------------------------

def _check(check: str, passed: bool, figure=pd.NA, expected=pd.NA, where: str = "") -> dict:
    difference = pd.NA if pd.isna(figure) or pd.isna(expected) else int(figure) - int(expected)
    return _check_row(check, passed, figure, expected, difference, where)


def _check_row(check: str, passed: bool, figure, expected, difference, where: str) -> dict:
    return {"check": check, "result": PASSED if passed else FAILED, "figure": figure, "expected": expected,
            "difference": difference, "where": where}


CHECK_COLUMNS = ["check", "result", "figure", "expected", "difference", "where"]
CHECK_MONEY = ["figure", "expected", "difference"]


def _check_frame(rows: list[dict]) -> pd.DataFrame:
    """Checks made one at a time (``_check``) as a table: text columns, and money as nullable integer pence."""
    return _as_money(pd.DataFrame(rows, columns=CHECK_COLUMNS), CHECK_MONEY)


def stated_variances(lines: pd.DataFrame, tolerance_m: float) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The lines that state a variance, their forecast − budget, and whether the two agree within
    ``tolerance_m`` £m (never when the budget or forecast is blank)."""
    stated = lines[lines["stated_variance"].notna()]
    computed = stated["forecast_outturn"] - stated["latest_budget"]
    close = (stated["stated_variance"] - computed).abs() <= pence_from_millions(tolerance_m)
    return stated, computed, (computed.notna() & close).fillna(False)


def stated_variance_checks(lines: pd.DataFrame, tolerance_m: float, what: str) -> pd.DataFrame:
    """Every stated variance against forecast − budget, within ``tolerance_m`` £m: a table of checks, one a line.

    A line with no stated variance states nothing to check; one with a
    stated variance but a blank budget or forecast cannot pass. The
    arithmetic is done on whole columns (a blank budget or forecast blanks
    forecast − budget, as ``strict_sum`` would), and the table is made a
    column at a time (a large council's finance lines make 50,000 checks).
    """
    stated, computed, passed = stated_variances(lines, tolerance_m)
    owners = ["" if blank else f", {d}" for d, blank in zip(stated["directorate"].tolist(),
                                                           stated["directorate"].isna().tolist())] \
        if "directorate" in stated.columns else [""] * len(stated)
    names = [f"Stated variance equals forecast minus budget (within £{tolerance_m:g}m): {what} '{area}'{owner}"
             for area, owner in zip(stated["service_area"].tolist(), owners)]

    def cells(letters, file, sheet) -> str:  # the stated variance's cell, then the budget's and forecast's
        return (f"{refs_pattern(letters, ['stated_variance'], file, sheet)} (stated); "
                f"{refs_pattern(letters, ['latest_budget', 'forecast_outturn'], file, sheet)} (budget, forecast)")
    figures = pd.array(stated["stated_variance"], dtype="Int64")
    expected = pd.array(computed, dtype="Int64")
    if not names:
        return _check_frame([])
    # ``_check`` of each line, its difference taken for the whole column at once (blank where either is)
    return pd.DataFrame({"check": names, "result": [PASSED if ok else FAILED for ok in passed.tolist()],
                         "figure": figures, "expected": expected, "difference": figures - expected,
                         "where": refs_by_sheet(stated, cells, 3).tolist()})


def service_area_checks(position: pd.DataFrame, detail: pd.DataFrame) -> list[dict]:
    """Each directorate's figures in the directorate table against the sum of its service areas shown.

    The directorate table aggregates the returns one way (grouping the
    finance lines); here the service-area lines shown in the detail table are
    added up again, and both that sum and the subtotal row shown must equal
    the figure the corporate tables use.
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
                              used, added, where))
    return out


def funding_check(council: pd.DataFrame, funding: pd.DataFrame) -> dict:
    """The net operating budget must equal the funding (to the penny): the budget is balanced."""
    nob = council.set_index("line").loc[NET_OPERATING_BUDGET, "latest_budget"]
    total = strict_sum(funding["latest_budget"])
    expected = pd.NA if pd.isna(total) else -int(total)
    passed = pd.notna(nob) and pd.notna(expected) and int(nob) == expected
    return _check("Net operating budget equals funding (business rates and council tax), to the penny", passed,
                  nob, expected, _range_source(funding) if not funding.empty else f"{CORPORATE}.xlsx!Funding")


def return_checks(current: PeriodReturns, directorates: list[str]) -> list[dict]:
    """Every directorate (and the corporate return) has a usable return for the period."""
    return [_check(f"Usable return for the period: {who}", who not in current.invalid,
                   where=f"{who}.xlsx" + (f": {current.invalid[who]}" if who in current.invalid else ""))
            for who in [*directorates, CORPORATE]]


def checks(b) -> pd.DataFrame:
    """Every arithmetic and completeness check on this period's finance returns, failures first.

    Worked out once per briefing (the Checks section and tables.xlsx both show them).
    """
    key = (b.current.period, b.comparison.period if b.comparison is not None else None, tuple(b.directorates),
           b.run.settings.variance_check_m, tuple(b.current.invalid.items()))
    return worked_out_once(b, "checks", key, (*_inputs(b.current), *_inputs(b.comparison)), lambda: _checks(b))


def _checks(b) -> pd.DataFrame:
    """The checks themselves, worked out afresh (``checks`` remembers them for the briefing)."""
    tolerance = b.run.settings.variance_check_m
    current = b.current
    council = net_operating_budget(current, b.comparison, b.directorates)
    parts = [_check_frame(return_checks(current, b.directorates)),
             stated_variance_checks(current.finance, tolerance, "service area"),
             stated_variance_checks(current.central, tolerance, "central budget"),
             stated_variance_checks(current.funding, tolerance, "funding line"),
             _check_frame(service_area_checks(directorate_position(current, b.comparison, b.directorates),
                                              _service_areas_of(b))),
             _check_frame([funding_check(council, current.funding)])]
    table = pd.concat([part for part in parts if len(part)], ignore_index=True)  # the first always has rows
    order = (table["result"] != FAILED).astype(int)
    return table.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order") \
        .reset_index(drop=True)


CHECKS_CAPTION = ("'Figure' is what the return or table states, 'Should be' what the check computes; both "
                  "are shown to the £1,000 returns are typed in, and the difference to the penny.")


def _checks_frame(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Check": table["check"], "Result": table["result"],
                         "Figure": _texts(table["figure"], _exact_millions),
                         "Should be": _texts(table["expected"], _exact_millions),
                         "Difference": _texts(table["difference"], _pounds), "Cells": table["where"]})


def check_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many lines each kind of check looked at, and how many passed and failed.

    The kind is the check's text before its colon ("Stated variance equals
    forecast minus budget (within £0.05m)", "Usable return for the period", ...).
    """
    kinds = pd.Series([check.partition(":")[0] for check in table["check"].tolist()], index=table.index,
                      dtype=table["check"].dtype)
    summary = table.assign(kind=kinds, passed=table["result"].eq(PASSED).astype(int),
                           failed=table["result"].eq(FAILED).astype(int)) \
        .groupby("kind", sort=False)[["passed", "failed"]].sum().reset_index()
    return summary.assign(checked=summary["passed"] + summary["failed"])[["kind", "checked", "passed", "failed"]]


def check_tables(b) -> list[Table]:
    """The checks section: a count of each kind of check, then every line that failed, with its cells.

    Every line checked, passed or not, is in tables.xlsx (``all_checks_table``).
    """
    table = checks(b)
    failed = int((table["result"] == FAILED).sum())
    title = f"All {len(table)} finance checks passed" if not failed else \
        f"{failed} of {len(table)} finance checks failed"
    summary = check_summary(table).rename(columns={"kind": "Check", "checked": "Lines checked",
                                                   "passed": "Passed", "failed": "Failed"})
    flagged = table[table["result"] == FAILED]
    return [Table("Checks", title, summary,
                  caption="Checks on this period's finance returns: stated variances against forecast less "
                          "budget; service areas against the directorate figures; the net operating budget "
                          "against funding; a usable return from every directorate. Every line checked is in "
                          "the Excel tables, sheet 'All checks'.",
                  formats={"Lines checked": "int", "Passed": "int", "Failed": "int"},
                  source="directorate returns, Finance sheets; Corporate return"),
            Table("Flagged checks", _plural_lines(failed), _checks_frame(flagged),
                  caption="Checks that failed, with the figures and the cells they came from. " + CHECKS_CAPTION,
                  source="directorate returns, Finance sheets; Corporate return",
                  empty_text="No line was flagged: every check passed.")]


def _plural_lines(n: int) -> str:
    return "No line was flagged" if n == 0 else f"{n} line{'s' if n != 1 else ''} flagged for the finance team to check"


def all_checks_table(b) -> Table:
    """Every line checked, failures first, for tables.xlsx: the full audit trail of the checks section."""
    table = checks(b)
    return Table("All checks", f"{len(table)} finance checks, failures first", _checks_frame(table),
                 caption="Every finance check on this period's returns, failures first. " + CHECKS_CAPTION,
                 source="directorate returns, Finance sheets; Corporate return")


def _texts(pence: pd.Series, text: Callable[[int], str]) -> list[str]:
    """``text`` of each whole number of pence in the column, blank where there is none (a large council
    checks 100,000 lines, so the column is read at once, and each distinct amount written once: amounts
    typed to the £1,000 repeat)."""
    column = pd.array(pence, dtype="Int64")
    amounts = column._data.tolist()
    written = {p: text(p) for p in set(amounts)}
    return ["" if blank else written[p] for p, blank in zip(amounts, column._mask.tolist())]


def _exact_millions(pence: int) -> str:
    """£m to three decimals, the precision a return is typed in: ``-£0.560m`` (``format_millions(pence,
    places=3)`` in whole numbers)."""
    thousands = whole_units(pence, 3)
    return f"{'-' if thousands < 0 else ''}£{units_text(abs(thousands), 3)}m"


def _pounds(pence: int) -> str:
    """A difference in pounds and pence, so a one-penny difference shows: ``£60,000.00``."""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}£{pounds:,}.{pennies:02d}"


# One directorate ------------------------------------------------------------------------

def directorate_tables(b, directorate: str) -> list[Table]:
    """One directorate's position line, its service areas, its savings and its on-target line, for its own briefing."""
    position = directorate_position(b.current, b.comparison, b.directorates)
    line = position[position["directorate"] == directorate]
    frame, formats = _framed(b, line, "Directorate", f"Variance {label(b.period)} %")
    row = line.iloc[0] if len(line) else pd.Series({"variance": pd.NA, "variance_pct": pd.NA})
    title = _forecast_title(row["variance"], f"{directorate}: forecast not available",
                            f"{directorate} forecasts to spend exactly its budget",
                            lambda v: f"{directorate} forecasts an {_spend(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(row['variance_pct'])} of budget)")
    return [
        Table("Financial position", title, frame,
              caption=f"{directorate}: latest budget, forecast outturn and variance, {label(b.period)}."
                      + _comparison_note(b),
              formats=formats, source=f"{directorate}.xlsx, Finance sheet"),
        own_service_areas_table(b, directorate),
        directorate_savings_table(b, directorate),
        on_target_table(b, [directorate]),
    ]
