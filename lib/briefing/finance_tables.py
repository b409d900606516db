"""The financial position and its checks as tables (and the charts beside them), for the briefings.

Presentation only: every figure is read from the period's ``Briefing.finance``
(``finance.FinancePosition``) and ``Briefing.checks``, worked out once there;
here they are titled, captioned, headed and formatted.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import pandas as pd

from . import charts
from .checks import FAILED, NOT_CHECKED, PASSED, check_summary
from .finance import NET_OPERATING_BUDGET, OnTarget, savings_lines
from .finance_narrative import narrative, spend_kind
from .money import format_millions, pct_text, percent
from .periods import label, month_name
from .tables import Table
from .words import plural

FINANCE_SOURCE = "directorate returns, Finance sheets"
CORPORATE_SOURCE = "Corporate return"


POSITION_FORMATS = ["money", "money", "money_signed", "pct_signed", "money_signed", "money_signed"]


def _comparison_note(b) -> str:
    if not b.run.compare_to:
        return " There is no earlier report to compare with, so the comparison columns are blank."
    if b.comparison is None:
        return f" There are no returns for {label(b.run.compare_to)}, so the comparison columns are blank."
    return ""


def _position_table(b, key: str, table: pd.DataFrame, first: str, pct: str, title: str, caption: str,
                    source: str, total_rows: int = 1, part_rows: tuple[int, ...] | None = None) -> Table:
    """A position table, its columns headed for this period and the comparison period, its caption saying why
    the comparison columns are blank if they are."""
    compare_to = b.run.compare_to
    compare = label(compare_to) if compare_to else "last report"
    frame = table.rename(columns={
        "directorate": first, "line": first, "latest_budget": "Latest budget £m",
        "forecast_outturn": "Forecast outturn £m", "variance": f"Variance {label(b.period)} £m",
        "variance_pct": pct, "previous_variance": f"Variance {compare} £m",
        "change": f"Change since {month_name(compare_to) if compare_to else 'last report'} £m",
        "source": "Source cells"})
    budget, forecast, now, _, then, change = frame.columns[1:7]
    return Table(key, title, frame, caption=caption + _comparison_note(b),
                 formats=dict(zip(frame.columns[1:7], POSITION_FORMATS)), source=source, total_rows=total_rows,
                 part_rows=part_rows, derived=((now, ((1, forecast), (-1, budget))), (change, ((1, now), (-1, then)))))


def _forecast_title(variance, unavailable: str, exact: str, spent) -> str:
    """A table's headline from a forecast variance: why it is missing, on budget, or ``spent(variance)``."""
    if pd.isna(variance):
        return unavailable
    return exact if variance == 0 else spent(variance)


def directorate_position_table(b) -> Table:
    """The directorate financial position, as the July 2022 report's table."""
    table = b.finance.position
    total = table.iloc[-1]
    title = _forecast_title(total["variance"], "The directorate forecast is not available",
                            "Directorates forecast to spend exactly their budgets",
                            lambda v: f"Directorates forecast an {spend_kind(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(total['variance_pct'])} of budget)")
    return _position_table(b, "Directorate position", table, "Directorate", f"Variance {label(b.period)} %", title,
                           f"Directorate financial position, {label(b.period)}: each directorate is the sum of its "
                           "service areas; variance is forecast outturn less latest budget (an overspend is "
                           "positive), its per cent is of the directorate's budget.", FINANCE_SOURCE)


def central_position_table(b) -> Table:
    """Budgets held centrally, each variance a share of the net operating budget."""
    table = b.finance.central
    title = _forecast_title(table.iloc[-1]["variance"], "The forecast for budgets held centrally is not available",
                            "Budgets held centrally are forecast to spend exactly their budget",
                            lambda v: f"Budgets held centrally are forecast to {spend_kind(v)} by "
                                      f"{format_millions(abs(v))}")
    return _position_table(b, "Central budgets", table, "Budget held centrally", "Variance % of net operating budget",
                           title, "Budgets held centrally. The variance per cent of each line, and of the total, is "
                           "a share of the net operating budget, not of the line itself: many central lines are "
                           "negative (income) or small, and a per cent of them would mean nothing.",
                           f"{CORPORATE_SOURCE}, Central budgets sheet")


def net_operating_budget_table(b) -> Table:
    """Directorates and central budgets make the net operating budget; funding it gives the year-end position."""
    table = b.finance.council
    nob = table.set_index("line").loc[NET_OPERATING_BUDGET, "latest_budget"]
    title = _forecast_title(table.iloc[-1]["variance"], "The forecast year-end position is not available",
                            "The council forecasts to spend exactly its net operating budget",
                            lambda v: f"The council forecasts a year-end {spend_kind(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(percent(v, nob))} of the net operating budget)")
    parts = tuple(i for i, line in enumerate(table["line"].iloc[:-1]) if line != NET_OPERATING_BUDGET)
    return _position_table(b, "Net operating budget", table, "Line", "Variance %", title,
                           "Net operating budget: total directorate budgets plus budgets held centrally; funding "
                           "(business rates and council tax) is negative, so the forecast year-end position has a "
                           "nil budget and its forecast is the overspend (positive) or underspend. The per cent of "
                           "the directorate total is of the directorate budgets; of every other line, of the net "
                           "operating budget.",
                           f"{FINANCE_SOURCE}; {CORPORATE_SOURCE}, Central budgets and Funding sheets",
                           part_rows=parts)


def _service_area_frame(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.drop(columns=["kind", "stated_variance", "commentary"])
    return shown.rename(columns={"directorate": "Directorate", "service_area": "Service area",
                                 "latest_budget": "Latest budget £m", "forecast_outturn": "Forecast outturn £m",
                                 "variance": "Variance £m", "variance_pct": "Variance %", "source": "Source cells"})


SERVICE_AREA_FORMATS = {"Latest budget £m": "money", "Forecast outturn £m": "money", "Variance £m": "money_signed",
                        "Variance %": "pct_signed"}
SERVICE_AREA_DERIVED = (("Variance £m", ((1, "Forecast outturn £m"), (-1, "Latest budget £m"))),)


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


def service_areas_table(b, directorates: list[str] | None = None, key: str = "Service areas") -> Table:
    """Service-area detail: every line, a subtotal per directorate matching the directorate table, and the total.

    A council with more than ``SERVICE_AREA_LINES_SHOWN`` lines has only each
    directorate's largest variances shown in the corporate briefing; tables.xlsx
    and the directorate briefings keep every line.
    """
    table = b.finance.service_areas_of(directorates)
    count = int((table["kind"] == "line").sum())
    shown, shown_note = None, ""
    if directorates is None and count > SERVICE_AREA_LINES_SHOWN:
        shown = largest_lines(table, LARGEST_LINES_SHOWN)
        shown_note = (f"Shown: each directorate's {LARGEST_LINES_SHOWN} service areas with the largest variances "
                      f"({int((table.loc[shown, 'kind'] == 'line').sum()):,} of {count:,} lines) and every total. "
                      "Every line is in the Excel tables, sheet 'Service areas', and in each directorate's own "
                      "briefing.")
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
                 shown=shown, shown_note=shown_note, part_rows=tuple(np.flatnonzero(table["kind"] == "line")),
                 derived=SERVICE_AREA_DERIVED)


def own_service_areas_table(b, directorate: str) -> Table:
    """One directorate's service areas for its own briefing: every line and its total, each line named by its
    service area (its row header); the directorate, the same on every row, is the briefing's own."""
    table = service_areas_table(b, [directorate])
    return dataclasses.replace(table, frame=table.frame.drop(columns="Directorate"))


def on_target_table(b, directorates: list[str] | None = None, key: str = "On target") -> Table:
    """The Q3 2017-18 finance annex: each directorate's position against the tolerance, Yes or No, with notes."""
    rule = OnTarget.of(b.run.settings)
    table = b.finance.on_target
    if directorates is not None:  # a row depends only on its own directorate's lines
        table = table[table["directorate"].isin(directorates)]
    judged = table.iloc[:-1] if directorates is None else table
    title = (on_target_sentence(judged, rule) if directorates is None else
             f"{judged.iloc[0]['directorate']} is {'' if judged.iloc[0]['on_target'] == 'Yes' else 'not '}"
             f"on target: {rule.words}")
    frame = pd.DataFrame({"Directorate": table["directorate"], "Target": rule.short,
                          "Position": table["position"], "On target?": table["on_target"],
                          "Notes": table["notes"]})
    return Table(key, title, frame,
                 caption=f"On target means {rule.words}. Notes are the directorates' commentary on their "
                         "service areas.",
                 source=f"{FINANCE_SOURCE}; {CORPORATE_SOURCE} for the council line",
                 total_rows=1 if directorates is None else 0)


def on_target_sentence(judged: pd.DataFrame, rule) -> str:
    """"4 of 6 directorates are on target: ..." from the directorate rows of ``finance.on_target``; the same
    count the measure of directorates on target is computed from (``computed``)."""
    yes = int((judged["on_target"] == "Yes").sum())
    unknown = int((judged["on_target"] == "").sum())
    text = f"{yes} of {len(judged)} directorates are on target, {rule.words}"
    return text + (f"; {unknown} cannot be judged" if unknown else "")


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
SAVINGS_DERIVED = (("Shortfall £m", ((1, "Planned £m"), (-1, "Forecast delivered £m"))),)


def savings_table(b) -> Table:
    """Savings delivery per directorate: planned, forecast delivered, shortfall and per cent achieved."""
    table = b.finance.savings
    frame = table.rename(columns={"directorate": "Directorate", **SAVINGS_COLUMNS})
    return Table("Savings", _savings_title(table.iloc[-1]), frame,
                 caption="Savings planned for the year and forecast to be delivered; per cent achieved is forecast "
                         "delivered as a share of planned.",
                 formats=SAVINGS_FORMATS, source="directorate returns, Savings sheets", total_rows=1,
                 derived=SAVINGS_DERIVED)


def directorate_savings(b, directorate: str) -> list:
    """One directorate's savings, saving by saving: a chart of each saving's planned and forecast delivered
    amounts ("not available", with no bar, when its Savings sheet was not used; none when no savings are
    planned), then the table.

    The finding is the directorate's line of the corporate savings table, which tells a return with no savings
    (none planned) from one not used (not available).
    """
    table = savings_lines(b.current, directorate)
    own = b.finance.savings.set_index("directorate").loc[directorate]
    title, saved = _savings_title(own), table.iloc[:-1]
    frame = table.rename(columns={"saving": "Saving", **SAVINGS_COLUMNS})
    frame = frame[["Saving", *SAVINGS_FORMATS, "Commentary", "Source cells"]]
    none_planned = saved.empty and pd.notna(own["planned"])
    shown = Table("Savings", title, frame.iloc[0:0] if none_planned else frame,
                  caption=f"{directorate}: savings planned for the year and forecast to be delivered.",
                  formats=SAVINGS_FORMATS, source=f"{directorate}.xlsx, Savings sheet", total_rows=1,
                  empty_text="No savings returned.", derived=SAVINGS_DERIVED)
    if none_planned:
        return [shown]
    if saved.empty:  # not available: one row saying so, with no bar
        saved = pd.DataFrame({"saving": [directorate], "planned": [pd.NA], "forecast_delivered": [pd.NA]})
    return [charts.savings_chart(saved, title, "Savings", group="saving", key="chart-directorate-savings"), shown]


def general_balances_table(b) -> Table:
    """General balances at the year end against the risk-assessed level."""
    table = b.finance.balances
    forecast, level, gap = table["amount"].iloc[2:5]
    title = "Forecast general balances are not available" if pd.isna(gap) else (
        f"General balances are forecast at {format_millions(forecast)}, {format_millions(abs(gap))} "
        f"{'above' if gap >= 0 else 'below'} the risk-assessed level of {format_millions(level)}")
    frame = table.rename(columns={"item": "General balances", "amount": "£m", "source": "Source"})
    return Table("General balances", title, frame,
                 caption="General balances at the start of the year, less the forecast overspend (or plus the "
                         "underspend) at the year end including budgets held centrally and funding, against the "
                         "risk-assessed level.",
                 formats={"£m": "money"}, source=f"{CORPORATE_SOURCE}, Balances sheet", total_rows=1,
                 part_rows=())  # a reckoning, not a sum: each line says how it is worked out


def reserves_table(b) -> Table:
    """Earmarked reserves: opening, forecast movement and forecast closing balance."""
    table = b.finance.reserves
    total = table.iloc[-1]
    title = "Reserves are not available" if pd.isna(total["forecast_closing"]) else (
        f"Reserves are forecast to {'fall' if total['forecast_movement'] < 0 else 'rise'} by "
        f"{format_millions(abs(total['forecast_movement']))} to {format_millions(total['forecast_closing'])} "
        "by 31 March")
    return _movement_table("Reserves", title, table, {
        "reserve": "Reserve", "opening": "Opening £m", "forecast_movement": "Forecast movement £m",
        "forecast_closing": "Forecast closing £m", "commentary": "Commentary"},
        "Reserves: balance at 1 April, forecast movement in the year (a use is negative) and forecast balance at "
        "31 March.", "Reserves")


def dsg_table(b) -> Table:
    """The Dedicated Schools Grant deficit by block."""
    table = b.finance.dsg
    total = table.iloc[-1]
    closing = format_millions(total["closing_deficit"])
    if pd.isna(total["closing_deficit"]):
        title = "The Dedicated Schools Grant position is not available"
    elif total["in_year_deficit"] >= 0:
        title = (f"The Dedicated Schools Grant cumulative deficit is forecast to reach {closing}, "
                 f"up {format_millions(total['in_year_deficit'])} in the year")
    else:
        title = f"The Dedicated Schools Grant cumulative deficit is forecast to fall to {closing}"
    return _movement_table("Dedicated Schools Grant", title, table, {
        "block": "Block", "opening_deficit": "Opening cumulative deficit £m",
        "in_year_deficit": "Forecast in-year deficit £m", "closing_deficit": "Closing cumulative deficit £m"},
        "Dedicated Schools Grant deficit by block: the cumulative deficit at 1 April, the forecast in-year deficit "
        "(a surplus is negative) and the forecast cumulative deficit at 31 March.", "DSG")


def _movement_table(key: str, title: str, table: pd.DataFrame, headers: dict[str, str], caption: str,
                    sheet: str) -> Table:
    """A balance over the year, line by line and a total: a name, the opening £m, the year's (signed)
    movement and the closing £m, from ``sheet`` of the corporate return."""
    opening, movement, closing = list(headers.values())[1:4]
    return Table(key, title, table.rename(columns=headers), caption=caption,
                 formats={opening: "money", movement: "money_signed", closing: "money"},
                 source=f"{CORPORATE_SOURCE}, {sheet} sheet", total_rows=1,
                 derived=((closing, ((1, opening), (1, movement))),))


def _trend_title(row: pd.Series, months: list[str], subject: str) -> str:
    """How ``subject`` (the forecast variance of ``row``, the total's or one directorate's) moved from the first
    month known to this period's, the last of ``months``; not available when this period's is not."""
    known = [m for m in months if pd.notna(row[m])]
    last = months[-1]
    if pd.isna(row[last]):
        return f"{subject} for {month_name(last)} is not available"
    if len(known) == 1:
        return f"{subject} was {format_millions(row[last], sign=True)} in {month_name(last)}"
    first = known[0]
    return (f"{subject} moved from {format_millions(row[first], sign=True)} in {month_name(first)} to "
            f"{format_millions(row[last], sign=True)} in {month_name(last)}")


def trend_table(b, directorate: str | None = None) -> Table:
    """Each directorate's forecast variance at every month's report of the year so far, and their total; or,
    for its own briefing, one ``directorate``'s."""
    trend = b.finance.trend
    months = [c for c in trend.columns if c != "directorate"]
    subject = "The directorate forecast variance"
    if directorate is not None:
        trend, subject = trend[trend["directorate"] == directorate], f"{directorate}: forecast variance"
    frame = trend.rename(columns={"directorate": "Directorate", **{m: f"{month_name(m)} £m" for m in months}})
    return Table("Forecast trend", _trend_title(trend.iloc[-1], months, subject), frame,
                 caption="Forecast variance (forecast outturn less latest budget) at each month's report of the "
                         "financial year so far; a month with no returns is blank.",
                 formats={f"{month_name(m)} £m": "money_signed" for m in months}, source=FINANCE_SOURCE,
                 total_rows=0 if directorate else 1)


def trend_chart(trend: pd.DataFrame, key: str = "chart-variance-trend", title: str | None = None):
    """The directorates' forecast variance month by month as lines (data in 'Forecast trend'): ``trend`` is
    rows of ``finance.variance_trend`` without the total; ``title`` that table's finding, when it is one line."""
    months = [c for c in trend.columns if c != "directorate"]
    return charts.variance_trend_chart(trend, [month_name(m)[:3] for m in months], "Forecast trend", title, key)


def tables(b) -> list:
    """The financial position section of the briefing, in order: narrative, then tables and charts.

    Each chart comes just before the table holding its figures and links to
    it, so no figure is printed twice.
    """
    position = b.finance.position.iloc[:-1]
    savings = b.finance.savings.iloc[:-1]
    amounts = b.finance.balances["amount"]
    items: list = [narrative(b), charts.variance_chart(position, "Directorate position"),
                   directorate_position_table(b), central_position_table(b), net_operating_budget_table(b),
                   service_areas_table(b), on_target_table(b), charts.savings_chart(savings, _savings_title(b.finance.savings.iloc[-1]), "Savings"),
                   savings_table(b)]
    if amounts.notna().all():
        items.append(charts.balances_chart(*map(int, amounts.iloc[:4]), table_key="General balances"))
    items += [general_balances_table(b), reserves_table(b), dsg_table(b),
              trend_chart(b.finance.trend.iloc[:-1]),
              trend_table(b)]
    return items


# Checks ---------------------------------------------------------------------------------

CHECKS_CAPTION = ("'Figure' is what the return or table states, 'Should be' what the check computes; both "
                  "are shown to the £1,000 returns are typed in, and the difference to the penny.")


def _checks_frame(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Check": table["check"], "Result": table["result"],
                         "Figure": _texts(table["figure"], _exact_millions),
                         "Should be": _texts(table["expected"], _exact_millions),
                         "Difference": _texts(table["difference"], _pounds), "Cells": table["where"]})


def check_tables(b) -> list[Table]:
    """The checks section: a count of each kind of check, then every line that failed, with its cells.

    Every line checked, passed or not, is in tables.xlsx (``all_checks_table``).
    """
    table = b.checks
    failed, unmade = int((table["result"] == FAILED).sum()), int((table["result"] == NOT_CHECKED).sum())
    title = (f"All {len(table)} finance checks passed" if not failed and not unmade else
             f"{failed} of {len(table)} finance checks failed" if failed else "No finance check failed")
    if unmade:
        title += f"; {unmade} could not be made, a figure they need not being available"
    summary = check_summary(table).rename(columns={"kind": "Check", "checked": "Lines checked",
                                                   "passed": "Passed", "failed": "Failed",
                                                   "not_checked": "Not checked"})
    flagged = table[table["result"] != PASSED]
    lines_flagged = f"{plural(len(flagged), 'line')} flagged for the finance team to check" if len(flagged) else \
        "No line was flagged"
    return [Table("Checks", title, summary,
                  caption="Checks on this period's finance returns: stated variances against forecast less "
                          "budget; service areas against the directorate figures; the net operating budget "
                          "against funding; a complete return from every directorate. Not checked: a check that "
                          "needs a figure not available (a return or sheet not used). Every line checked is in "
                          "the Excel tables, sheet 'All checks'.",
                  formats={"Lines checked": "int", "Passed": "int", "Failed": "int", "Not checked": "int"},
                  source="directorate returns, Finance sheets; Corporate return"),
            Table("Flagged checks", lines_flagged, _checks_frame(flagged),
                  caption="Checks that failed or could not be made, with the figures and the cells they came "
                          "from. " + CHECKS_CAPTION,
                  source="directorate returns, Finance sheets; Corporate return",
                  empty_text="No line was flagged: every check passed.")]


def all_checks_table(b) -> Table:
    """Every line checked, failures first, for tables.xlsx: the full audit trail of the checks section."""
    table = b.checks
    return Table("All checks", f"{len(table)} finance checks, failures first", _checks_frame(table),
                 caption="Every finance check on this period's returns, failures first, then those not made. "
                         + CHECKS_CAPTION,
                 source="directorate returns, Finance sheets; Corporate return")


def _texts(pence: pd.Series, text: Callable[[int], str]) -> list[str]:
    """``text`` of each whole number of pence in the column, blank where there is none (a large council
    checks 50,000 lines, and amounts typed to the £1,000 repeat: each distinct one is written once)."""
    amounts = pence.to_numpy(dtype=object, na_value=None).tolist()
    written = {p: text(p) for p in set(amounts) if p is not None}
    return ["" if p is None else written[p] for p in amounts]


def _exact_millions(pence: int) -> str:
    """£m to three decimals, the precision a return is typed in: ``-£0.560m``."""
    return format_millions(pence, places=3)


def _pounds(pence: int) -> str:
    """A difference in pounds and pence, so a one-penny difference shows: ``£60,000.00``."""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}£{pounds:,}.{pennies:02d}"


# One directorate ------------------------------------------------------------------------

def directorate_tables(b, directorate: str) -> list:
    """One directorate's position line, its service areas, its savings (with their chart), its on-target line
    and its forecast trend (with its chart), for its own briefing."""
    position = b.finance.position
    line = position[position["directorate"] == directorate]
    row = line.iloc[0] if len(line) else pd.Series({"variance": pd.NA, "variance_pct": pd.NA})
    title = _forecast_title(row["variance"], f"{directorate}: forecast not available",
                            f"{directorate} forecasts to spend exactly its budget",
                            lambda v: f"{directorate} forecasts an {spend_kind(v)} of {format_millions(abs(v))} "
                                      f"({pct_text(row['variance_pct'])} of budget)")
    trend = trend_table(b, directorate)
    return [
        _position_table(b, "Financial position", line, "Directorate", f"Variance {label(b.period)} %", title,
                        f"{directorate}: latest budget, forecast outturn and variance, {label(b.period)}.",
                        f"{directorate}.xlsx, Finance sheet", total_rows=0),
        own_service_areas_table(b, directorate),
        *directorate_savings(b, directorate),
        on_target_table(b, [directorate]),
        trend_chart(b.finance.trend[b.finance.trend["directorate"] == directorate],
                    "chart-directorate-variance-trend", trend.title),
        trend,
    ]
