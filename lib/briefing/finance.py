"""The financial position: directorate budgets, forecasts and variances, computed from the returns.

Calculations only, each a plain function of returns and settings values (their tables, sentences and
checks: ``finance_tables``, ``finance_narrative``, ``checks``). ``finance_position`` works out every figure
a period's documents share, once (``Briefing.finance`` holds it).

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
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from .money import format_millions, percent, percent_text, whole_units
from .periods import year_to_date
from .returns import CORPORATE, PeriodReturns
from .workbook import blank, cell_ref, cells_refs, normalise_header

TOTAL_DIRECTORATES = "Total directorate budgets"
TOTAL_CENTRAL = "Total budgets held centrally"
NET_OPERATING_BUDGET = "Net operating budget"
YEAR_END = "Forecast year-end position"
FORECAST_BALANCES = "Forecast general balances at 31 March"
OPENING_BALANCE = "General balances at 1 April"
RISK_ASSESSED_LEVEL = "Risk-assessed level"
POSITION = ["latest_budget", "forecast_outturn", "variance", "previous_variance", "change"]


# Exact sums ----------------------------------------------------------------

def strict_sum(values) -> object:
    """The exact sum of pence as a Python int (so it cannot overflow); blank when there is nothing to add or
    any part is blank. A column of whole numbers is checked for blanks at once: a large council's directorate
    has thousands of lines, added up in every table that shows it."""
    if isinstance(values, pd.Series) and pd.api.types.is_integer_dtype(values.dtype):
        return pd.NA if values.empty or values.isna().any() else sum(values.to_numpy(dtype="int64").tolist())
    values = list(values)
    if not values or any(pd.isna(v) for v in values):
        return pd.NA
    return sum(int(v) for v in values)


def as_money(table: pd.DataFrame, columns) -> pd.DataFrame:
    """``table`` with ``columns`` made nullable integer pence (Int64)."""
    for column in columns:
        table[column] = pd.array(table[column], dtype="Int64")
    return table


def _sum_by(frame: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """Exact sums (``strict_sum``) of ``columns`` for each value of ``key``, in order of first appearance."""
    if frame.empty:
        empty = pd.DataFrame({c: pd.array([], dtype="Int64") for c in columns})
        return empty.set_axis(pd.Index([], name=key, dtype="object"))
    return as_money(frame.groupby(key, sort=False)[columns].agg(strict_sum), columns)


def _with_total(table: pd.DataFrame, key: str, total_label: str, columns: list[str]) -> pd.DataFrame:
    """``table`` with a total row whose every figure is the exact sum of the column above it."""
    total = {key: total_label, **{c: strict_sum(table[c]) for c in columns}}
    return as_money(pd.concat([table, pd.DataFrame([total])], ignore_index=True), columns)


def _compare(table: pd.DataFrame, key: str, previous: pd.Series | None) -> pd.DataFrame:
    """Add the variance, the variance at the comparison report (by ``key``) and the change since."""
    table["variance"] = table["forecast_outturn"] - table["latest_budget"]
    if previous is None:
        table["previous_variance"] = pd.array([pd.NA] * len(table), dtype="Int64")
    else:
        table["previous_variance"] = pd.array(list(previous.reindex(table[key])), dtype="Int64")
    table["change"] = table["variance"] - table["previous_variance"]
    return as_money(table, POSITION)


def _variance_of(sums: pd.DataFrame) -> pd.Series:
    """Forecast − budget of each row of summed figures (blank where either is)."""
    return sums["forecast_outturn"] - sums["latest_budget"]


# Where figures came from ---------------------------------------------------

def range_source(lines: pd.DataFrame) -> str:
    """The block of cells a subtotal adds up: ``Children's Services.xlsx!Finance!B2:C6``."""
    if lines.empty:
        return ""
    first, last = lines.iloc[0], lines.iloc[-1]
    start = cell_ref(first, "latest_budget")
    return f"{start}:{cell_ref(last, 'forecast_outturn', with_file=False)}"


# 1. Directorate position ----------------------------------------------------

def _directorate_sums(returns: PeriodReturns) -> pd.DataFrame:
    """Each directorate's latest budget and forecast outturn, by directorate: the exact sum of its service areas."""
    return _sum_by(returns.finance, "directorate", ["latest_budget", "forecast_outturn"])


def directorate_position(current: PeriodReturns, comparison: PeriodReturns | None,
                         directorates: list[str]) -> pd.DataFrame:
    """The directorate financial position, as the July 2022 report's table.

    One row per directorate in register order, then the total. A directorate
    without a usable return has blank figures, never zeros; with no comparison
    returns the comparison columns (its variance then, the change since) are blank.
    """
    table = pd.DataFrame({"directorate": directorates}).join(_directorate_sums(current), on="directorate")
    previous = _variance_of(_directorate_sums(comparison)) if comparison is not None else None
    table = _with_total(_compare(table, "directorate", previous), "directorate", TOTAL_DIRECTORATES, POSITION)
    table["variance_pct"] = percent(table["variance"], table["latest_budget"])
    return table[["directorate", "latest_budget", "forecast_outturn", "variance", "variance_pct",
                  "previous_variance", "change"]]


# 2. Budgets held centrally, net operating budget, funding ------------------

def _lines(lines: pd.DataFrame, columns: list[str], money: list[str], **extra) -> pd.DataFrame:
    """``columns`` of a sheet's lines as a table of their own, the ``money`` ones nullable pence, then ``extra``."""
    return as_money(pd.DataFrame({c: list(lines[c]) for c in columns} | extra), money)


def _corporate_lines(lines: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """Lines of a corporate sheet (central budgets or funding) in sheet order, compared by name."""
    money = POSITION[:2]
    table = _lines(lines, ["service_area", *money], money, source=cells_refs(lines, money).tolist())
    table = table.rename(columns={"service_area": "line"})
    previous = None if before is None else _variance_of(_sum_by(before, "service_area", money))
    return _compare(table, "line", previous)


def central_lines(current: PeriodReturns, comparison: PeriodReturns | None) -> pd.DataFrame:
    """Budgets held centrally, line by line as the corporate return states them, with their total."""
    table = _corporate_lines(current.central, comparison.central if comparison is not None else None)
    table = _with_total(table, "line", TOTAL_CENTRAL, POSITION)
    table["source"] = [*table["source"].iloc[:-1], range_source(current.central)]  # also when no lines
    return table


def _total_of(rows: list, line: str) -> dict:
    """A named line whose figures are the exact sums of ``rows`` (Series or dicts)."""
    return {"line": line, **{c: strict_sum(r[c] for r in rows) for c in POSITION}}


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
    table = as_money(pd.DataFrame([*rows, nob, *(r.to_dict() for r in funding_rows), year_end]), POSITION)
    table["variance_pct"] = percent(table["variance"], nob["latest_budget"])
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
    table["variance_pct"] = percent(table["variance"], nob.loc[NET_OPERATING_BUDGET, "latest_budget"])
    return table[["line", *POSITION[:3], "variance_pct", *POSITION[3:], "source"]]


# 3. Service areas ------------------------------------------------------------

SERVICE_AREA_COLUMNS = ["directorate", "service_area", "kind", "latest_budget", "forecast_outturn",
                        "stated_variance", "commentary", "source"]


def service_areas(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Every service area of every directorate, a subtotal row for each directorate, then the total.

    Each line names the cells its budget and forecast were read from; a
    directorate with no usable return has one blank row saying why.
    """
    found = dict(list(current.finance.groupby("directorate", sort=False)))  # a blank directorate is none
    blocks = [_service_area_block(current, directorate, found.get(directorate)) for directorate in directorates]
    columns = {c: [v for block in blocks for v in block[c]] for c in SERVICE_AREA_COLUMNS}
    # typed as the same rows given as dicts would be: with no rows at all, every column object
    table = pd.DataFrame(columns) if blocks else pd.DataFrame([], columns=SERVICE_AREA_COLUMNS)
    table = as_money(table, ["latest_budget", "forecast_outturn", "stated_variance"])
    columns = ["latest_budget", "forecast_outturn", "variance"]
    table["variance"] = table["forecast_outturn"] - table["latest_budget"]
    subtotals = table[table["kind"] == "subtotal"]
    total = {"directorate": TOTAL_DIRECTORATES, "service_area": "", "kind": "total", "source": "",
             **{c: strict_sum(subtotals[c]) for c in columns}}
    table = as_money(pd.concat([table, pd.DataFrame([total])], ignore_index=True),
                     [*columns, "stated_variance"])
    table["variance_pct"] = percent(table["variance"], table["latest_budget"])
    return table[["directorate", "service_area", "kind", *columns, "variance_pct", "stated_variance",
                  "commentary", "source"]]


def _service_area_block(current: PeriodReturns, directorate: str, lines: pd.DataFrame | None) -> dict[str, list]:
    """One directorate's rows of the service-area table, column by column: its ``lines`` (None: it has
    none) then its subtotal.

    The values are those a row-by-row reading of the lines gives (a value a
    row lacks is NaN, as in a table built from dicts), so the table's types are too.
    """
    if lines is None:
        row = {"directorate": directorate, "service_area": _unavailable(current, directorate), "kind": "subtotal",
               "source": f"{directorate}.xlsx"}
        return {c: [row.get(c, np.nan)] for c in SERVICE_AREA_COLUMNS}
    shown = {"directorate": [directorate] * len(lines), "kind": ["line"] * len(lines),
             **{c: lines[c].tolist() for c in ("service_area", "latest_budget", "forecast_outturn",
                                                "stated_variance", "commentary")},
             "source": cells_refs(lines, POSITION[:2]).tolist()}
    subtotal = {"directorate": directorate, "service_area": "Directorate total", "kind": "subtotal",
                **{c: strict_sum(lines[c]) for c in ("latest_budget", "forecast_outturn")},
                "source": range_source(lines)}
    return {c: [*shown[c], subtotal.get(c, np.nan)] for c in SERVICE_AREA_COLUMNS}


def _unavailable(current: PeriodReturns, directorate: str) -> str:
    """Why a directorate has no finance lines: its return could not be used (and why), or it gave none."""
    why = current.not_used("finance").get(directorate)
    return f"not available — {why}" if why else "No Finance lines in the return"


# 4. On target? ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class OnTarget:
    """What "on target" means for a budget, set once in params (``finance_on_target``,
    ``finance_tolerance_pct``): every table, measure and sentence judges with ``met`` and says it with
    ``words``.

    ``either_way`` False: a forecast overspend of no more than ``tolerance_pct`` of the budget (an
    underspend is on target), as the July 2022 report's "no more than 2% over their budget". True: a
    variance over or under of no more than it.
    """

    tolerance_pct: float = 2.0
    either_way: bool = False

    @classmethod
    def of(cls, settings) -> "OnTarget":
        return cls(settings.finance_tolerance_pct, settings.finance_on_target == "either way")

    def met(self, variance, budget):
        """Whether a variance of a budget (pence) is on target; blank when either is blank.

        Compared exactly in pence (the tolerance read as typed, e.g. 2.0), so a
        variance at exactly the edge is on target.
        """
        if pd.isna(variance) or pd.isna(budget):
            return pd.NA
        judged = abs(int(variance)) if self.either_way else int(variance)
        return judged * 100 <= Decimal(str(self.tolerance_pct)) * abs(int(budget))

    @property
    def limit(self) -> str:
        return f"{self.tolerance_pct:.1f}%"

    @property
    def words(self) -> str:
        """The definition in a phrase: "a forecast overspend of no more than 2.0% of budget"."""
        return (f"a forecast variance, over or under, of no more than {self.limit} of budget" if self.either_way
                else f"a forecast overspend of no more than {self.limit} of budget (an underspend is on target)")

    @property
    def short(self) -> str:
        """The definition for a table's Target column: "Overspend no more than 2.0% of budget"."""
        return (f"Within {self.limit} of budget, over or under" if self.either_way
                else f"Overspend no more than {self.limit} of budget")

    def measure_value(self, pct):
        """What a variance per cent of budget is judged as: the overspend (signed) or the variance either way."""
        return pct if pd.isna(pct) or not self.either_way else abs(pct)


def _position_text(variance, pct) -> str:
    """``+£7.6m or +10.9%``, as the Q3 2017-18 finance annex writes a position."""
    if pd.isna(variance):
        return "Not available"
    share = "" if pd.isna(pct) else f" or {percent_text(pct, signed=True)}"
    if variance != 0 and whole_units(int(variance), 1) == 0:  # "less than £0.1m under", and a per cent of 0.0%
        share = "" if pd.isna(pct) else f" ({percent_text(pct)})"
    return f"{format_millions(variance, sign=True)}{share}"


def _notes(current: PeriodReturns) -> dict[str, str]:
    """The commentary each directorate gave on its service areas, each note named by its service area.

    A directorate whose lines carry no commentary has an empty text.
    """
    notes = {}
    for directorate, lines in current.finance.groupby("directorate", sort=False):
        texts = zip(lines["service_area"].tolist(), lines["commentary"].tolist())
        notes[directorate] = "\n".join(f"{area}: {text}" for area, text in texts if not blank(text))
    return notes


def on_target(current: PeriodReturns, directorates: list[str], rule: OnTarget) -> pd.DataFrame:
    """Each directorate's variance judged by the ``rule``, Yes or No, with the notes from its return.

    The last row is the council as a whole: the forecast year-end variance
    against the net operating budget (the Q3 2017-18 annex's council line).
    A directorate's row depends only on its own lines: its own briefing
    shows its row of this table (``on_target_table``).
    """
    position = directorate_position(current, None, directorates).iloc[:-1]
    council = net_operating_budget(current, None, directorates).set_index("line")
    notes = _notes(current)
    rows = position[["directorate", "latest_budget", "variance", "variance_pct"]].to_dict("records")
    budget, variance = council.loc[NET_OPERATING_BUDGET, "latest_budget"], council.loc[YEAR_END, "variance"]
    rows.append({"directorate": "Council (net operating budget)", "latest_budget": budget, "variance": variance,
                 "variance_pct": percent(variance, budget)})
    table = as_money(pd.DataFrame(rows), ["latest_budget", "variance"])
    table["notes"] = [notes[d] if d in notes else _unavailable(current, d) for d in position["directorate"]] + [""]
    within = [rule.met(v, b) for v, b in zip(table["variance"], table["latest_budget"])]
    table["on_target"] = ["" if pd.isna(w) else "Yes" if w else "No" for w in within]
    table["position"] = [_position_text(v, p) for v, p in zip(table["variance"], table["variance_pct"])]
    return table[["directorate", "latest_budget", "variance", "variance_pct", "position", "on_target", "notes"]]


# 5. Savings -------------------------------------------------------------------

def _savings_figures(table: pd.DataFrame) -> pd.DataFrame:
    table["shortfall"] = table["planned"] - table["forecast_delivered"]
    table["achieved_pct"] = percent(table["forecast_delivered"], table["planned"])
    return table


def savings_by_directorate(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Savings planned and forecast to be delivered, per cent achieved, per directorate and in total.

    A directorate whose return has no savings lines planned none (the sheet is
    optional); one with no usable return is blank.
    """
    sums = _sum_by(current.savings, "directorate", ["planned", "forecast_delivered"])
    table = pd.DataFrame({"directorate": directorates}).join(sums, on="directorate")
    reported = ~table["directorate"].isin(list(current.not_used("savings")))
    for column in ("planned", "forecast_delivered"):
        table[column] = table[column].mask(reported & table[column].isna(), 0)
    table = _with_total(table, "directorate", "Total savings", ["planned", "forecast_delivered"])
    return _savings_figures(table)


def savings_lines(current: PeriodReturns, directorate: str) -> pd.DataFrame:
    """One directorate's savings, saving by saving, with their total and the commentary."""
    lines = current.savings[current.savings["directorate"] == directorate]
    money = ["planned", "forecast_delivered"]
    table = _lines(lines, ["saving", *money, "commentary"], money, source=cells_refs(lines, money).tolist())
    table = _with_total(table, "saving", "Total savings", money)
    return _savings_figures(table)


# 6. General balances -----------------------------------------------------------

def _item(balances: pd.DataFrame, name: str) -> tuple[object, str]:
    """The amount of a Balances item (matched ignoring case and spaces) and its cell."""
    for _, row in balances.iterrows():
        if normalise_header(row["item"]) == normalise_header(name):
            return row["amount"], cell_ref(row, "amount")
    return pd.NA, f"{CORPORATE}.xlsx!Balances (no '{name}' row)"


def general_balances(current: PeriodReturns, directorates: list[str]) -> pd.DataFrame:
    """Opening general balances, less the forecast overspend (or plus the underspend), against the risk-assessed level.

    The movement is the forecast year-end position including budgets held
    centrally and funding (of the ``net_operating_budget``); the last row is
    the headroom above (positive) or shortfall below (negative) the risk-assessed level.
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
        ("Forecast overspend (taken from balances)" if overspend else "Forecast underspend (added to balances)",
         movement,
         "Forecast year-end position (net operating budget and funding)"),
        (FORECAST_BALANCES, forecast, "Opening balance plus the movement"),
        (RISK_ASSESSED_LEVEL, level, level_cell),
        ("Headroom above the risk-assessed level" if pd.isna(gap) or gap >= 0 else
         "Shortfall below the risk-assessed level", gap, "Forecast balance less the risk-assessed level"),
    ]
    return as_money(pd.DataFrame(rows, columns=["item", "amount", "source"]), ["amount"])


# 7. Reserves and 8. the Dedicated Schools Grant -------------------------------------

def reserves(current: PeriodReturns) -> pd.DataFrame:
    """Each reserve's opening balance, forecast movement and forecast closing balance, with the total."""
    money = ["opening", "forecast_movement"]
    table = _lines(current.reserves, ["reserve", *money, "commentary"], money)
    table["forecast_closing"] = table["opening"] + table["forecast_movement"]
    table = _with_total(table, "reserve", "Total reserves", ["opening", "forecast_movement", "forecast_closing"])
    return table[["reserve", "opening", "forecast_movement", "forecast_closing", "commentary"]]


def dedicated_schools_grant(current: PeriodReturns) -> pd.DataFrame:
    """Each DSG block's opening cumulative deficit, forecast in-year deficit and closing cumulative deficit."""
    money = ["opening_deficit", "in_year_deficit"]
    table = _lines(current.dsg, ["block", *money], money)
    table["closing_deficit"] = table["opening_deficit"] + table["in_year_deficit"]
    return _with_total(table, "block", "Total", ["opening_deficit", "in_year_deficit", "closing_deficit"])


# 9. Forecast trend ------------------------------------------------------------------

def variance_trend(returns: Mapping[str, PeriodReturns], period: str, directorates: list[str]) -> pd.DataFrame:
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


# One period's position, worked out once ---------------------------------------------

@dataclasses.dataclass
class FinancePosition:
    """Every figure of one period's financial position that its documents share (their tables, checks,
    narrative and headlines), each worked out once by ``finance_position``. Read-only.

    Each part is a DataFrame, money in integer pence (``Int64``, blank where not available), per cents
    unrounded, a total row last:

    directorates: the register's directorates, in order.
    position: ``directorate_position``: each directorate's latest budget, forecast outturn, variance
        (forecast less budget: an overspend is positive) in pence and per cent of its budget, its variance at
        the report compared with and the change since; then the total.
    central: ``central_position``: the budgets held centrally, each variance a per cent of the net
        operating budget.
    council: ``net_operating_budget``: directorates and central budgets, the net operating budget, funding
        and the forecast year-end position.
    service_areas: ``service_areas``: every service area of every directorate (``kind`` "line"), each
        directorate's "subtotal" and the "total", with their variance, per cent and commentary.
    on_target: ``on_target``: each directorate's variance judged on target or not, and the council's.
    savings: ``savings_by_directorate``: savings planned, forecast delivered, shortfall and per cent achieved.
    balances: ``general_balances``: opening general balances, the forecast movement, the forecast balance at
        31 March against the risk-assessed level.
    reserves: ``reserves``: each reserve's opening balance, forecast movement and closing balance.
    dsg: ``dedicated_schools_grant``: the Dedicated Schools Grant deficit by block.
    trend: ``variance_trend``: each directorate's forecast variance at every month's report of the year so
        far (one column per period, ``YYYY-MM``), and the total.
    """

    directorates: list[str]
    position: pd.DataFrame       # directorate_position, with the comparison
    central: pd.DataFrame        # central_position: the central lines, each variance a share of the NOB
    council: pd.DataFrame        # net_operating_budget: directorates, central budgets, funding, the year end
    service_areas: pd.DataFrame  # the council's service_areas: every directorate's lines, subtotals, total
    on_target: pd.DataFrame
    savings: pd.DataFrame        # savings_by_directorate
    balances: pd.DataFrame       # general_balances
    reserves: pd.DataFrame
    dsg: pd.DataFrame            # dedicated_schools_grant
    trend: pd.DataFrame          # variance_trend

    def service_areas_of(self, directorates: list[str] | None = None) -> pd.DataFrame:
        """The council's service areas; of ``directorates``, their rows, each with its subtotal (no total
        row): the rows a table of them alone would give (a row depends only on its own directorate's lines)."""
        if directorates is None or list(directorates) == list(self.directorates):
            return self.service_areas
        rows = self.service_areas.iloc[:-1]
        return rows[rows["directorate"].isin(list(directorates))].reset_index(drop=True)


def finance_position(returns: Mapping[str, PeriodReturns], period: str, compare_to: str | None,
                     directorates: list[str], rule: OnTarget) -> FinancePosition:
    """The financial position of ``period`` compared with ``compare_to`` (blank without its returns).

    ``returns``, by period, holds the period's, the comparison's and the year so far's (for the trend);
    ``rule`` is what on target means (``OnTarget.of(settings)``).
    """
    current, comparison = returns[period], returns.get(compare_to) if compare_to else None
    return FinancePosition(
        directorates=list(directorates), position=directorate_position(current, comparison, directorates),
        central=central_position(current, comparison, directorates),
        council=net_operating_budget(current, comparison, directorates),
        service_areas=service_areas(current, directorates),
        on_target=on_target(current, directorates, rule),
        savings=savings_by_directorate(current, directorates),
        balances=general_balances(current, directorates), reserves=reserves(current),
        dsg=dedicated_schools_grant(current), trend=variance_trend(returns, period, directorates))
