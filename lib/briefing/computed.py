"""Measures worked out from the returns, not typed: the register's ``Computed as`` column.

A council's finance measures (the forecast variance as a per cent of budget,
the savings delivered, the forecast general balances, the share of
directorates on target, the DSG deficit) are figures the finance section
already works out. Typed into a Performance sheet as well, they can disagree
with it, and a reader sees two answers to one question. A measure whose
register row names one of ``FIGURES`` in its ``Computed as`` column takes its
actual from the same functions the finance section uses, at the precision the
finance section shows it (one decimal: the figure a reader compares), and is
rated on that. A value typed for it in a return is not used: where it differs,
a warning gives both figures and the cell.

Only months whose finance lines were read are worked out (``PeriodReturns.lines``:
the period, the one compared with and the year so far); a measure of any other
month, which a briefing only uses as history, keeps the value typed for it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Callable

import numpy as np
import pandas as pd

from . import finance
from .money import PENCE_PER_MILLION, percent, percent_shown, whole_units
from .performance import with_unit
from .problems import WARNING, Problem
from .ratings import is_due, measure_keys, numeric_actuals
from .returns import PeriodReturns
from .schemas import number_text
from .workbook import cell_ref, normalise_header


@dataclass(frozen=True)
class Figure:
    """One figure a measure can be computed as: its name in the register, what it is, where it comes from."""

    name: str
    unit: str  # "%" or "£m"
    source: str  # where the finance section shows it, for the measure's Source
    compute: Callable[[PeriodReturns, list[str], finance.OnTarget, str], object]  # a per cent, or pence


def _council_variance(current, directorates, rule, _):
    council = finance.net_operating_budget(current, None, directorates).set_index("line")
    pct = percent(council.loc[finance.YEAR_END, "variance"],
                          council.loc[finance.NET_OPERATING_BUDGET, "latest_budget"])
    return rule.measure_value(pct)


def _savings_delivered(current, directorates, *_):
    return finance.savings_by_directorate(current, directorates).iloc[-1]["achieved_pct"]


def _general_balances(current, directorates, *_):
    balances = finance.general_balances(current, directorates)
    return balances.loc[balances["item"] == finance.FORECAST_BALANCES, "amount"].iloc[0]


def _directorates_on_target(current, directorates, rule, _):
    judged = finance.on_target(current, directorates, rule).iloc[:-1]["on_target"]
    if judged.empty or (judged == "").any():
        return np.nan
    return 100.0 * int((judged == "Yes").sum()) / len(judged)


def _dsg_in_year(current, _directorates, _rule, block):
    dsg = finance.dedicated_schools_grant(current).iloc[:-1]
    row = dsg[dsg["block"].map(normalise_header) == normalise_header(block)]
    return row["in_year_deficit"].iloc[0] if len(row) else pd.NA


FIGURES = {figure.name.casefold(): figure for figure in (
    Figure("Council variance %", "%", "the council's forecast year-end variance as a per cent of the net "
           "operating budget (Financial position: net operating budget)", _council_variance),
    Figure("Savings delivered %", "%", "savings forecast to be delivered as a per cent of those planned "
           "(Financial position: savings)", _savings_delivered),
    Figure("Forecast general balances", "£m", "forecast general balances at 31 March (Financial position: "
           "general balances)", _general_balances),
    Figure("Directorates on target %", "%", "the share of directorates on target (Financial position: on "
           "target)", _directorates_on_target),
    Figure("DSG in-year deficit", "£m", "the Dedicated Schools Grant block's forecast in-year deficit "
           "(Financial position: Dedicated Schools Grant)", _dsg_in_year),
)}
NAMES = ", ".join(repr(f.name) for f in FIGURES.values()) + " (with ': <block>', e.g. 'DSG in-year deficit: High needs')"


def parse(text) -> tuple[Figure | None, str, bool]:
    """A ``Computed as`` entry: ``(figure, its block or "", whether the entry is readable)``; blank is
    ``(None, "", True)``: the measure is typed, as usual."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return None, "", True
    name, _, block = str(text).partition(":")
    figure = FIGURES.get(" ".join(name.split()).casefold())
    needs_block = figure is not None and figure.compute is _dsg_in_year
    if figure is None or needs_block != bool(block.strip()):
        return None, "", False
    return figure, block.strip(), True


def exact_value(figure: Figure, value) -> float:
    """The figure in the measure's unit, unrounded (an amount in pence as £m); NaN when not available."""
    if value is None or pd.isna(value):
        return np.nan
    return int(value) / PENCE_PER_MILLION if figure.unit == "£m" else float(value)


def shown_value(figure: Figure, value) -> float:
    """The figure as the finance section shows it, as the measure's actual: a per cent to one decimal (as
    ``money.percent_text`` rounds it), an amount in £m to one decimal (half up, as ``money.whole_units``
    rounds money); NaN when it cannot be worked out."""
    if value is None or pd.isna(value):
        return np.nan
    if figure.unit == "£m":
        return whole_units(int(value), 1) / 10
    return percent_shown(value)


def agrees(typed: float, computed: float) -> bool:
    """Whether a typed value is the computed one as typed: ``computed`` rounded to the typed value's own
    decimal places equals it (89.5 for 89.47; 30.7 for 30.72)."""
    places = max(0, -Decimal(repr(float(typed))).normalize().as_tuple().exponent)
    return round(computed, min(places, 6)) == round(typed, min(places, 6))


def with_computed(register: pd.DataFrame, returns: PeriodReturns, directorates: list[str],
                  rule: finance.OnTarget) -> tuple[PeriodReturns, list[Problem]]:
    """``returns`` with each computed measure due in its period given its computed actual (a row added for
    one no return reports), and a warning for each typed value that differs. Unchanged when the month's
    finance lines were not read, or no measure is computed."""
    computed = register[register["computed"].notna()] if "computed" in register else register.iloc[0:0]
    computed = computed[is_due(computed, returns.period)]
    if computed.empty or not returns.lines:
        return returns, []
    performance = returns.performance.copy()
    if "computed_from" not in performance:
        performance["computed_from"] = ""
    keys = measure_keys(performance["measure_id"])
    problems, added = [], []
    for measure in computed.to_dict("records"):
        figure, block = FIGURES[measure["computed"]], measure["computed_block"]
        worked_out = figure.compute(returns, directorates, rule, block)
        value, exact = shown_value(figure, worked_out), exact_value(figure, worked_out)
        source = f"computed: {figure.source}" + (f", block {block}" if block else "")
        mine = keys == measure_keys(pd.Series([measure["measure_id"]])).iloc[0]
        for index, row in performance[mine].iterrows():
            typed = numeric_actuals(pd.Series([row["actual"]])).iloc[0]
            if not np.isnan(typed) and not np.isnan(exact) and not agrees(typed, exact):
                problems.append(Problem(
                    WARNING, row["file"], row["sheet"], cell_ref(row, "actual", with_file=False),
                    f"{measure['measure_id']} is computed from the returns as {with_unit(value, figure.unit)} "
                    f"({figure.name}), but {number_text(typed)} is typed: the computed figure is used",
                    f"{number_text(value)}, or leave the cell blank"))
        performance.loc[mine, "actual"] = value
        performance.loc[mine, "computed_from"] = source
        if np.isnan(value):
            performance.loc[mine, "not_reported_reason"] = f"not available — {figure.name} cannot be worked out"
        if not mine.any():
            added.append({"directorate": measure["directorate"], "measure_id": measure["measure_id"],
                          "actual": value, "computed_from": source, "file": "", "sheet": "", "row": pd.NA,
                          "letters": {}, "not_reported_reason": None if not np.isnan(value) else
                          f"not available — {figure.name} cannot be worked out"})
    if added:
        performance = pd.concat([performance, pd.DataFrame(added)], ignore_index=True)
    return replace(returns, performance=performance), problems





def with_targets(register: pd.DataFrame, rule: finance.OnTarget) -> tuple[pd.DataFrame, list[Problem]]:
    """The register with each measure computed as a variance per cent judged by the on-target rule
    (``Council variance %``): its target is the rule's tolerance, lower is better, so the measure, the
    on-target table and every sentence say the same thing. A different target typed in the register is
    a warning at its cell, and not used."""
    if "computed" not in register:
        return register, []
    judged = register["computed"].eq("council variance %")
    if not judged.any():
        return register, []
    problems = [Problem(WARNING, row["file"], row["sheet"], cell_ref(row, "target", with_file=False),
                        f"{row['measure_id']} is computed as the council's variance, judged as on target is "
                        f"({rule.words}), but its target is {row['target_text']}: {rule.tolerance_pct:g} is used",
                        f"{rule.tolerance_pct:g}, as finance_tolerance_pct says, or a blank target")
                for row in register[judged].to_dict("records")
                if pd.notna(row["target_value"]) and row["target_value"] != rule.tolerance_pct]
    register = register.copy()
    register.loc[judged, "target_value"] = float(rule.tolerance_pct)
    register.loc[judged, "target_text"] = number_text(rule.tolerance_pct)
    register.loc[judged, "target"] = float(rule.tolerance_pct)
    register.loc[judged, "polarity"] = "Lower is better"
    register.loc[judged, "judgement"] = False
    return register, problems
