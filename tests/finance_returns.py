"""Small synthetic returns with known answers, and the bundled period, for the finance tests.

Money in the synthetic returns is integer pence; ``m(x)`` writes £x m in pence from a
decimal string, so expected figures are exact and worked out by hand in the comments.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pandas as pd

from briefing.document import Briefing, Run, build_briefing, check_parameters
from briefing.money import pence_from_millions
from briefing.params import Settings
from briefing.returns import CENTRAL, DSG, FINANCE, FUNDING, RESERVES, SAVINGS, BALANCES, PERFORMANCE, \
    PeriodReturns, empty_table


def m(text: str) -> int:
    """£m written as a decimal string, in pence, exactly."""
    return int(Decimal(text) * 100_000_000)


# Synthetic returns -----------------------------------------------------------------

def sheet(spec, file: str, rows: list[dict], **extra) -> pd.DataFrame:
    """Rows as the loader reads them: each keeps its file, sheet, Excel row and column letters."""
    letters = {c.name: chr(65 + i) for i, c in enumerate(spec.columns)}
    records = [{"file": file, "sheet": spec.sheet, "row": i + 2, "letters": letters, **extra,
                **{c.name: None for c in spec.columns}, **r} for i, r in enumerate(rows)]
    table = pd.DataFrame(records, columns=["file", "sheet", "row", "letters", *extra, *spec.names])
    for col in spec.columns:
        if col.kind == "money":
            table[col.name] = pd.array(list(table[col.name]), dtype="Int64")
    return table


def lines(*rows) -> list[dict]:
    """(service area, budget, forecast[, stated variance]) tuples as Finance rows."""
    return [{"service_area": r[0], "latest_budget": r[1], "forecast_outturn": r[2],
             "stated_variance": r[3] if len(r) > 3 else None} for r in rows]


def period_returns(period: str, finance_by: dict[str, list[dict]], savings_by: dict[str, list[dict]] | None = None,
                   central=None, funding=None, balances=None, reserves=None, dsg=None,
                   invalid: dict[str, str] | None = None) -> PeriodReturns:
    """A PeriodReturns built from plain rows; absent corporate sheets are empty, as for an unusable return."""
    def directorate_sheet(spec, by):
        frames = [sheet(spec, f"{d}.xlsx", rows, directorate=d) for d, rows in (by or {}).items()]
        return pd.concat(frames, ignore_index=True) if frames else empty_table(spec, ("directorate",))

    def corporate(spec, rows):
        return sheet(spec, "Corporate.xlsx", rows) if rows is not None else empty_table(spec)

    return PeriodReturns(period, Path("."), performance=empty_table(PERFORMANCE, ("directorate",)),
                         finance=directorate_sheet(FINANCE, finance_by),
                         savings=directorate_sheet(SAVINGS, savings_by),
                         central=corporate(CENTRAL, central), funding=corporate(FUNDING, funding),
                         balances=corporate(BALANCES, balances), reserves=corporate(RESERVES, reserves),
                         dsg=corporate(DSG, dsg), invalid=dict(invalid or {}))


DIRECTORATES = ["Alpha", "Beta"]

# July. Alpha: budget 10 + 5.25 = 15.25, forecast 10.5 + 5 = 15.5, variance +0.25.
#       Beta: budget 4, forecast 3.9, variance -0.1 (an underspend).
# Directorates: budget 19.25, forecast 19.4, variance +0.15.
# Central: Interest -2 → -2.5 (-0.5), Contingency 1 → 1: total -1 → -1.5, variance -0.5.
# Net operating budget: 18.25, forecast 17.9, variance -0.35. Funding -18.25.
JULY_FINANCE = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.5")), ("Waste", m("5.25"), m("5"), m("-0.25"))),
                "Beta": lines(("Libraries", m("4"), m("3.9"), m("-0.1")))}
CENTRAL_LINES = lines(("Interest on Balances", m("-2"), m("-2.5"), m("-0.5")),
                      ("Inflation and Contingency", m("1"), m("1"), m("0")))
FUNDING_LINES = lines(("Business Rates & Council Tax funding", m("-18.25"), m("-18.25"), m("0")))

# May (two months back): Alpha +0.1, Beta -0.3; Interest -0.4.
MAY_FINANCE = {"Alpha": lines(("Highways", m("10"), m("10.1")), ("Waste", m("5.25"), m("5.25"))),
               "Beta": lines(("Libraries", m("4"), m("3.7")))}
MAY_CENTRAL = lines(("Interest on Balances", m("-2"), m("-2.4")), ("Inflation and Contingency", m("1"), m("1")))


def july(**changes) -> PeriodReturns:
    values = dict(finance_by=JULY_FINANCE, central=CENTRAL_LINES, funding=FUNDING_LINES,
                  savings_by={"Alpha": [{"saving": "Route review", "planned": m("2"), "forecast_delivered": m("1.5")},
                                        {"saving": "Depot closure", "planned": m("1"), "forecast_delivered": m("1")}]},
                  balances=[{"item": "General balances at 1 April", "amount": m("20")},
                            {"item": "Risk-assessed level", "amount": m("19")}],
                  reserves=[{"reserve": "Capital Reserve", "opening": m("5"), "forecast_movement": m("-1.2")},
                            {"reserve": "Insurance Reserve", "opening": m("2"), "forecast_movement": m("0.5")}],
                  dsg=[{"block": "Early Years", "opening_deficit": m("0.4"), "in_year_deficit": m("-0.2")},
                       {"block": "High Needs", "opening_deficit": m("30"), "in_year_deficit": m("17.5")}])
    values.update(changes)
    return period_returns("2022-07", **values)


def may() -> PeriodReturns:
    return period_returns("2022-05", MAY_FINANCE, central=MAY_CENTRAL, funding=FUNDING_LINES)


def briefing_of(returns: dict[str, PeriodReturns], period="2022-07", compare_to=None, **settings) -> Briefing:
    run = Run(Settings(**settings), period, compare_to, Path("."))
    return Briefing(run, pd.DataFrame({"directorate": DIRECTORATES}), returns)


def row(table: pd.DataFrame, key: str, value: str) -> pd.Series:
    return table.set_index(key).loc[value]


# Alpha's July lines, Highways with a note
ALPHA_WITH_NOTE = [{**JULY_FINANCE["Alpha"][0], "commentary": "Winter gritting & repairs."}, JULY_FINANCE["Alpha"][1]]


def overspent_july() -> PeriodReturns:
    """July with Alpha overspent by £1m on Highways and opening balances at the risk-assessed level."""
    overspend = {"Alpha": lines(("Highways", m("10"), m("11"))), "Beta": JULY_FINANCE["Beta"]}
    return july(finance_by=overspend, balances=[{"item": "general balances at 1 april", "amount": m("19")},
                                                {"item": "Risk-assessed level", "amount": m("19")}])


def year_so_far() -> dict[str, PeriodReturns]:
    """April, May and July of 2022-23 (no June), and March of the year before."""
    april = period_returns("2022-04", {"Alpha": lines(("Highways", m("10"), m("10"))),
                                       "Beta": lines(("Libraries", m("4"), m("4.2")))})
    return {"2022-03": period_returns("2022-03", {"Alpha": lines(("X", m("1"), m("9")))}),   # last year
            "2022-04": april, "2022-05": may(), "2022-07": july()}


# The bundled data ----------------------------------------------------------------------------------------

PERIOD = "2022-07"


def bundled_briefing(data_dir: Path) -> Briefing:
    """The bundled period's briefing, compared with May (a test module's fixture ``bundled``, built once)."""
    return build_briefing(check_parameters(PERIOD, compare_to="2022-05", data_dir=str(data_dir)))


def with_faults(bundled: Briefing) -> PeriodReturns:
    """The bundled period with a blank budget, a stated variance £0.06m out, one not stated and a blank note
    (a test module's fixture ``bundled_with_faults``)."""
    current = dataclasses.replace(bundled.current, finance=bundled.current.finance.copy())
    lines = current.finance
    lines.loc[1, "latest_budget"] = pd.NA
    lines.loc[2, "stated_variance"] += pence_from_millions(0.06)
    lines.loc[3, "stated_variance"] = pd.NA
    lines.loc[4, "commentary"] = "   "
    return current


def plain(value):
    """A cell's value for comparing: blanks (None, NaN, NA) alike, numbers as Python numbers."""
    return None if pd.isna(value) else value
