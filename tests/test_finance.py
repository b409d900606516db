"""The financial position: every formula pinned on small synthetic returns with known answers,
then the bundled data's briefing checked against its raw cells.

Money in the synthetic returns is integer pence; ``m(x)`` writes £x m in pence from a
decimal string, so expected figures are exact and worked out by hand in the comments.
"""
from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from briefing import cache, finance
from briefing.charts import Chart
from briefing.document import Briefing, Run, build_briefing, check_parameters
from briefing.money import pence_column, pence_from_millions
from briefing.params import Settings
from briefing.returns import CENTRAL, DSG, FINANCE, FUNDING, RESERVES, SAVINGS, BALANCES, PERFORMANCE, \
    PeriodReturns, empty_table
from briefing.tables import Table, write_workbook
from briefing.workbook import cell_ref, cell_refs


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


# 1. Directorate position ----------------------------------------------------------------

def test_directorate_position_against_a_report_two_months_back():
    table = finance.directorate_position(july(), may(), DIRECTORATES).set_index("directorate")
    assert list(table.index) == ["Alpha", "Beta", finance.TOTAL_DIRECTORATES]
    assert table["latest_budget"].tolist() == [m("15.25"), m("4"), m("19.25")]
    assert table["forecast_outturn"].tolist() == [m("15.5"), m("3.9"), m("19.4")]
    assert table["variance"].tolist() == [m("0.25"), m("-0.1"), m("0.15")]      # underspend negative
    assert table["previous_variance"].tolist() == [m("0.1"), m("-0.3"), m("-0.2")]
    assert table["change"].tolist() == [m("0.15"), m("0.2"), m("0.35")]
    assert table["variance_pct"].tolist() == pytest.approx([100 * 0.25 / 15.25, -2.5, 100 * 0.15 / 19.25])
    assert str(table["latest_budget"].dtype) == "Int64"


def test_missing_comparison_period_leaves_the_comparison_columns_blank_not_zero():
    table = finance.directorate_position(july(), None, DIRECTORATES)
    assert table["previous_variance"].isna().all() and table["change"].isna().all()
    assert table["variance"].iloc[-1] == m("0.15")
    b = briefing_of({"2022-07": july()}, compare_to="2022-05")    # no returns for May were loaded
    shown = finance.directorate_position_table(b)
    assert shown.frame["Variance May 2022 £m"].isna().all()
    assert "no returns for May 2022" in shown.caption


def test_directorate_without_a_usable_return_is_blank_and_so_is_the_total():
    current = july(finance_by={"Alpha": JULY_FINANCE["Alpha"]}, invalid={"Beta": "missing"})
    table = finance.directorate_position(current, may(), DIRECTORATES).set_index("directorate")
    assert table.loc["Alpha", "variance"] == m("0.25")
    assert pd.isna(table.loc["Beta", "latest_budget"]) and pd.isna(table.loc["Beta", "variance"])
    assert pd.isna(table.loc[finance.TOTAL_DIRECTORATES, "latest_budget"])


def test_a_blank_cell_blanks_its_directorate_rather_than_being_left_out():
    current = july(finance_by={**JULY_FINANCE, "Beta": lines(("Libraries", m("4"), None))})
    table = finance.directorate_position(current, None, DIRECTORATES).set_index("directorate")
    assert table.loc["Beta", "latest_budget"] == m("4") and pd.isna(table.loc["Beta", "forecast_outturn"])
    assert pd.isna(table.loc[finance.TOTAL_DIRECTORATES, "forecast_outturn"])


def test_penny_exact_totals_of_many_three_decimal_amounts():
    amounts = [((k * 7919) % 100_000) / 1000 for k in range(4000)]         # 0.000 to 99.999, as typed
    forecasts = [a + 0.001 for a in amounts]
    rows = [{"service_area": f"Area {k}", "latest_budget": b, "forecast_outturn": f}
            for k, (b, f) in enumerate(zip(pence_column(amounts), pence_column(forecasts)))]
    current = period_returns("2022-07", {"Alpha": rows})
    total = finance.directorate_position(current, None, ["Alpha"]).iloc[-1]
    exact_budget = sum(Decimal(repr(a)) for a in amounts) * 100_000_000
    assert total["latest_budget"] == int(exact_budget)
    assert total["variance"] == 4000 * 100_000                         # 4,000 × £0.001m, to the penny
    assert sum(amounts) * 100_000_000 != int(exact_budget)            # the float sum would have drifted


# 2. Central budgets, net operating budget, funding ----------------------------------------

def test_central_line_per_cent_is_of_the_net_operating_budget_not_of_the_line():
    table = row(finance.central_position(july(), may(), DIRECTORATES), "line", "Interest on Balances")
    assert table["variance"] == m("-0.5")
    assert table["variance_pct"] == pytest.approx(100 * -0.5 / 18.25)          # not -0.5 / -2 = +25%
    assert table["previous_variance"] == m("-0.4") and table["change"] == m("-0.1")
    assert table["source"] == "Corporate.xlsx!Central budgets!B2, C2"
    total = row(finance.central_position(july(), may(), DIRECTORATES), "line", finance.TOTAL_CENTRAL)
    assert (total["latest_budget"], total["forecast_outturn"], total["variance"]) == (m("-1"), m("-1.5"), m("-0.5"))
    assert total["variance_pct"] == pytest.approx(100 * -0.5 / 18.25)


def test_net_operating_budget_funding_and_year_end_position():
    table = finance.net_operating_budget(july(), may(), DIRECTORATES).set_index("line")
    assert list(table.index) == [finance.TOTAL_DIRECTORATES, finance.TOTAL_CENTRAL, finance.NET_OPERATING_BUDGET,
                                 "Business Rates & Council Tax funding", finance.YEAR_END]
    nob = table.loc[finance.NET_OPERATING_BUDGET]
    assert (nob["latest_budget"], nob["forecast_outturn"], nob["variance"]) == (m("18.25"), m("17.9"), m("-0.35"))
    assert nob["variance_pct"] == pytest.approx(100 * -0.35 / 18.25)
    assert nob["previous_variance"] == m("-0.6")                     # May: directorates -0.2, central -0.4
    assert table.loc[finance.TOTAL_DIRECTORATES, "variance_pct"] == pytest.approx(100 * 0.15 / 19.25)
    year_end = table.loc[finance.YEAR_END]
    assert year_end[["latest_budget", "forecast_outturn", "variance"]].tolist() == [0, m("-0.35"), m("-0.35")]
    assert pd.isna(year_end["variance_pct"])


def test_year_end_position_is_blank_without_funding():
    table = finance.net_operating_budget(july(funding=None), None, DIRECTORATES).set_index("line")
    assert table.loc[finance.NET_OPERATING_BUDGET, "latest_budget"] == m("18.25")
    assert pd.isna(table.loc[finance.YEAR_END, "variance"])


def test_no_central_lines_leave_the_central_total_and_the_council_position_blank():
    returns = july(central=None)
    central = finance.central_lines(returns, may()).set_index("line")
    assert list(central.index) == [finance.TOTAL_CENTRAL]
    assert central.loc[finance.TOTAL_CENTRAL, ["latest_budget", "forecast_outturn"]].isna().all()
    council = finance.net_operating_budget(returns, may(), DIRECTORATES).set_index("line")
    assert pd.isna(council.loc[finance.NET_OPERATING_BUDGET, "latest_budget"])
    assert council.loc[finance.TOTAL_DIRECTORATES, "latest_budget"] == m("19.25")


# 3. Service areas ------------------------------------------------------------------------------

def test_service_areas_subtotal_to_the_directorate_line_with_their_cells():
    table = finance.service_areas(july(), DIRECTORATES)
    alpha = table[table["directorate"] == "Alpha"]
    assert alpha["kind"].tolist() == ["line", "line", "subtotal"]
    assert alpha["variance"].tolist() == [m("0.5"), m("-0.25"), m("0.25")]
    assert alpha["source"].tolist() == ["Alpha.xlsx!Finance!B2, C2", "Alpha.xlsx!Finance!B3, C3",
                                        "Alpha.xlsx!Finance!B2:C3"]
    total = table.iloc[-1]
    assert total["directorate"] == finance.TOTAL_DIRECTORATES and total["latest_budget"] == m("19.25")


def test_service_area_per_cent_is_blank_for_a_negative_budget():
    current = july(finance_by={"Alpha": lines(("Grant", m("-3"), m("-3.3"))), "Beta": JULY_FINANCE["Beta"]})
    line = finance.service_areas(current, DIRECTORATES).iloc[0]
    assert line["variance"] == m("-0.3") and pd.isna(line["variance_pct"])


# 4. On target? ------------------------------------------------------------------------------------

@pytest.mark.parametrize("variance,budget,expected", [
    (m("2"), m("100"), True), (m("2") + 1, m("100"), False),           # exactly 2.0% is within; a penny over is not
    (m("-2"), m("100"), True), (m("-2") - 1, m("100"), False),         # either way
    (m("0.1"), m("-5"), True), (m("0.11"), m("-5"), False)])           # a negative net budget: its size
def test_within_tolerance_boundaries(variance, budget, expected):
    assert finance.within_tolerance(variance, budget, 2.0) is expected


def test_on_target_yes_no_position_and_notes():
    alpha_lines = [{**JULY_FINANCE["Alpha"][0], "commentary": "Winter gritting & repairs."}, JULY_FINANCE["Alpha"][1]]
    current = july(finance_by={"Alpha": alpha_lines, "Beta": JULY_FINANCE["Beta"]})
    table = finance.on_target(current, DIRECTORATES, 2.0).set_index("directorate")
    assert table.loc["Alpha", "on_target"] == "Yes"                    # +1.6% of 15.25
    assert table.loc["Alpha", "position"] == "+£0.3m or +1.6%"         # 0.25 rounds half up
    assert table.loc["Beta", "on_target"] == "No"                      # -2.5%
    assert table.loc["Beta", "position"] == "-£0.1m or -2.5%"
    assert table.loc["Alpha", "notes"] == "Highways: Winter gritting & repairs."
    council = table.loc["Council (net operating budget)"]
    assert council["variance"] == m("-0.35") and council["on_target"] == "Yes"   # -1.9% of 18.25
    b = briefing_of({"2022-07": current}, finance_tolerance_pct=1.5)
    shown = finance.on_target_table(b).frame.set_index("Directorate")
    assert shown.loc["Alpha", "On target?"] == "No"                    # 1.6% is outside a 1.5% tolerance
    assert shown.loc["Alpha", "Target"] == "Within 1.5% of net budget"
    own = finance.on_target_table(b, ["Alpha"]).frame
    assert own["Directorate"].tolist() == ["Alpha"]
    assert own["Notes"].tolist() == ["Highways: Winter gritting & repairs."]
    alone = briefing_of({"2022-07": july(finance_by={"Alpha": alpha_lines})}, finance_tolerance_pct=1.5)
    pd.testing.assert_frame_equal(own, finance.on_target_table(alone, ["Alpha"]).frame,
                                  obj="a directorate's row of the council's table, as the directorate alone gives it")


# 5. Savings ---------------------------------------------------------------------------------------

def test_savings_per_cent_achieved_per_directorate_and_in_total():
    table = finance.savings_by_directorate(july(), DIRECTORATES).set_index("directorate")
    assert table.loc["Alpha", "planned"] == m("3") and table.loc["Alpha", "forecast_delivered"] == m("2.5")
    assert table.loc["Alpha", "shortfall"] == m("0.5")
    assert table.loc["Alpha", "achieved_pct"] == pytest.approx(100 * 2.5 / 3)
    assert table.loc["Beta", "planned"] == 0 and pd.isna(table.loc["Beta", "achieved_pct"])  # none planned
    assert table.loc["Total savings", "achieved_pct"] == pytest.approx(100 * 2.5 / 3)
    blank = finance.savings_by_directorate(july(invalid={"Beta": "missing"}), DIRECTORATES).set_index("directorate")
    assert pd.isna(blank.loc["Beta", "planned"]) and pd.isna(blank.loc["Total savings", "planned"])


def test_savings_lines_of_one_directorate():
    table = finance.savings_lines(july(), "Alpha")
    assert table["saving"].tolist() == ["Route review", "Depot closure", "Total savings"]
    assert table["achieved_pct"].tolist() == pytest.approx([75.0, 100.0, 100 * 2.5 / 3])
    assert table["source"].iloc[0] == "Alpha.xlsx!Savings!B2, C2"


# 6. General balances ------------------------------------------------------------------------------

def test_general_balances_headroom_after_an_underspend():
    table = finance.general_balances(july(), DIRECTORATES).set_index("item")["amount"]
    # Year end -0.35 (an underspend) adds to the opening 20: 20.35, 1.35 above the level of 19.
    assert table.tolist() == [m("20"), m("0.35"), m("20.35"), m("19"), m("1.35")]
    assert list(table.index)[1] == "Add forecast underspend"
    assert list(table.index)[4] == "Headroom above the risk-assessed level"


def test_general_balances_shortfall_after_an_overspend():
    overspend = {"Alpha": lines(("Highways", m("10"), m("11"))), "Beta": JULY_FINANCE["Beta"]}
    current = july(finance_by=overspend, balances=[{"item": "general balances at 1 april", "amount": m("19")},
                                                   {"item": "Risk-assessed level", "amount": m("19")}])
    table = finance.general_balances(current, DIRECTORATES).set_index("item")["amount"]
    # Directorates +0.9, central -0.5: year end +0.4 (an overspend). 19 - 0.4 = 18.6, 0.4 below 19.
    assert table.tolist() == [m("19"), m("-0.4"), m("18.6"), m("19"), m("-0.4")]
    assert list(table.index)[1] == "Less forecast overspend"
    assert list(table.index)[4] == "Shortfall below the risk-assessed level"
    b = briefing_of({"2022-07": current})
    assert finance.general_balances_table(b).title == \
        "General balances are forecast at £18.6m, £0.4m below the risk-assessed level of £19.0m"


# 7. Reserves and 8. DSG ----------------------------------------------------------------------------

def test_reserves_closing_balances_and_total():
    table = finance.reserves(july()).set_index("reserve")
    assert table["forecast_closing"].tolist() == [m("3.8"), m("2.5"), m("6.3")]
    assert table.loc["Total reserves", ["opening", "forecast_movement"]].tolist() == [m("7"), m("-0.7")]


def test_dsg_closing_deficit_per_block_and_in_total():
    table = finance.dedicated_schools_grant(july()).set_index("block")
    assert table["closing_deficit"].tolist() == [m("0.2"), m("47.5"), m("47.7")]
    assert table.loc["Total", "in_year_deficit"] == m("17.3")


# 9. Trend ----------------------------------------------------------------------------------------------

def test_trend_has_a_column_per_month_of_the_year_and_blanks_a_month_without_returns():
    april = period_returns("2022-04", {"Alpha": lines(("Highways", m("10"), m("10"))),
                                       "Beta": lines(("Libraries", m("4"), m("4.2")))})
    returns = {"2022-03": period_returns("2022-03", {"Alpha": lines(("X", m("1"), m("9")))}),   # last year
               "2022-04": april, "2022-05": may(), "2022-07": july()}
    trend = finance.variance_trend(returns, "2022-07", DIRECTORATES).set_index("directorate")
    assert list(trend.columns) == ["2022-04", "2022-05", "2022-06", "2022-07"]
    assert trend.loc["Alpha"].tolist()[:2] == [0, m("0.1")] and trend.loc["Alpha", "2022-07"] == m("0.25")
    assert trend.loc["Beta", "2022-04"] == m("0.2") and trend.loc["Beta", "2022-07"] == m("-0.1")
    assert trend["2022-06"].isna().all()
    assert trend.loc[finance.TOTAL_DIRECTORATES, "2022-05"] == m("-0.2")
    b = briefing_of(returns)
    assert finance.trend_table(b).title == \
        "The directorate forecast variance moved from +£0.2m in April to +£0.2m in July"


# 10. Narrative ------------------------------------------------------------------------------------------

def test_narrative_states_every_figure_computed():
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    text = finance.narrative_text(b)
    assert "The forecast directorate overspend is £0.2m or 0.8% of the budget." in text        # 0.15 of 19.25
    assert "The directorate variance has risen by £0.4m since May 2022." in text               # +0.35
    assert ("The overall forecast underspend is £0.4m or 1.9% of the net operating budget after taking account "
            "of a forecast underspend of £0.5m on budgets held centrally.") in text            # -0.35 of 18.25
    assert ("After taking account of the forecast underspend of £0.4m, general balances will be £20.4m, "
            "£1.4m above the risk-assessed level of £19.0m.") in text                          # 20.35, 1.35
    assert "£2.5m of the £3.0m planned savings (83.3%) are forecast to be delivered." in text
    assert "cumulative deficit to £47.7m, £47.5m of it on the High Needs block." in text


def test_narrative_is_escaped_html_and_comes_first_in_the_section():
    assert finance.Narrative("Assets & <Investments>")._repr_html_() == \
        '<p class="narrative">Assets &amp; &lt;Investments&gt;</p>'
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    items = finance.tables(b)
    assert isinstance(items[0], finance.Narrative)
    assert [type(i).__name__ for i in items[1:3]] == ["Chart", "Table"]
    assert items[1].table_key == items[2].key == "Directorate position"  # the chart points to its table


def test_narrative_says_when_the_position_is_not_available():
    b = briefing_of({"2022-07": july(finance_by={"Alpha": JULY_FINANCE["Alpha"]}, invalid={"Beta": "missing"})})
    assert "no usable return from Beta" in finance.narrative_text(b)


# Checks ---------------------------------------------------------------------------------------------------

def test_stated_variance_check_flags_the_line_with_both_figures_and_its_cells():
    broken = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.56")),           # 0.06 out: flagged
                             ("Waste", m("5.25"), m("5"), m("-0.2"))),              # exactly 0.05 out: passes
              "Beta": JULY_FINANCE["Beta"]}
    b = briefing_of({"2022-07": july(finance_by=broken)})
    table = finance.checks(b)
    failed = table[table["result"] == finance.FAILED]
    assert len(failed) == 1
    line = failed.iloc[0]
    assert "'Highways', Alpha" in line["check"]
    assert (line["figure"], line["expected"], line["difference"]) == (m("0.56"), m("0.5"), m("0.06"))
    assert "Alpha.xlsx!Finance!D2" in line["where"] and "B2, C2" in line["where"]
    assert table.index[table["result"] == finance.FAILED].tolist() == [0]          # failures first


def test_lines_with_no_stated_variance_are_not_checked_and_central_lines_are():
    b = briefing_of({"2022-07": july(finance_by={"Alpha": lines(("Highways", m("1"), m("2"))),
                                                 "Beta": JULY_FINANCE["Beta"]},
                                     central=lines(("Interest on Balances", m("-2"), m("-2.5"), m("0.5"))))})
    table = finance.checks(b)
    stated = table[table["check"].str.startswith("Stated variance")]
    assert not stated["check"].str.contains("Highways").any()
    central = stated[stated["check"].str.contains("Interest on Balances")].iloc[0]
    assert central["result"] == finance.FAILED and central["expected"] == m("-0.5")
    assert central["where"].startswith("Corporate.xlsx!Central budgets!D2")


def test_service_area_check_catches_an_aggregation_that_does_not_match():
    current = july()
    position = finance.directorate_position(current, None, DIRECTORATES)
    detail = finance.service_areas(current, DIRECTORATES)
    assert all(c["result"] == finance.PASSED for c in finance.service_area_checks(position, detail))
    wrong = position.copy()
    wrong.loc[wrong["directorate"] == "Beta", "forecast_outturn"] = m("3.8")
    failed = [c for c in finance.service_area_checks(wrong, detail) if c["result"] == finance.FAILED]
    assert [(c["check"], c["figure"], c["expected"]) for c in failed] == [
        ("Service areas add up to the directorate forecast outturn: Beta", m("3.8"), m("3.9"))]
    dropped = detail[~((detail["directorate"] == "Alpha") & (detail["service_area"] == "Waste"))]
    failed = [c for c in finance.service_area_checks(position, dropped) if c["result"] == finance.FAILED]
    assert {c["check"].split(": ")[1] for c in failed} == {"Alpha"}


def test_funding_check_is_to_the_penny_and_missing_returns_are_named():
    b = briefing_of({"2022-07": july()})
    assert finance.checks(b)["result"].eq(finance.PASSED).all()
    short = lines(("Business Rates & Council Tax funding", m("-18.25") + 1, m("-18.25") + 1, 0))
    b = briefing_of({"2022-07": july(funding=short, finance_by={"Alpha": JULY_FINANCE["Alpha"]},
                                     invalid={"Beta": "no return from Beta for 2022-07"})})
    table = finance.checks(b).set_index("check")
    assert table.loc["Usable return for the period: Beta", "result"] == finance.FAILED
    assert "no return from Beta" in table.loc["Usable return for the period: Beta", "where"]
    funding = table.loc[table.index.str.startswith("Net operating budget equals funding")].iloc[0]
    assert funding["result"] == finance.FAILED      # the net operating budget is blank without Beta
    b = briefing_of({"2022-07": july(funding=short)})
    table = finance.checks(b).set_index("check")
    funding = table.loc[table.index.str.startswith("Net operating budget equals funding")].iloc[0]
    assert funding["result"] == finance.FAILED and funding["difference"] == 1     # one penny


def test_directorate_tables_for_its_own_briefing():
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    items = finance.directorate_tables(b, "Alpha")
    assert [t.key for t in items] == ["Financial position", "Service areas", "Savings", "On target"]
    position = items[0].frame.iloc[0]
    assert position["Directorate"] == "Alpha" and position["Variance July 2022 £m"] == m("0.25")
    assert items[1].frame.columns[0] == "Service area" and "Directorate" not in items[1].frame  # its own lines
    assert items[1].frame["Service area"].tolist()[-1] == "Directorate total" and len(items[1].frame) == 3
    assert items[2].frame["Saving"].tolist() == ["Route review", "Depot closure", "Total savings"]
    assert items[3].frame["On target?"].tolist() == ["Yes"]
    assert items[0].title == "Alpha forecasts an overspend of £0.3m (1.6% of budget)"


# The bundled data ----------------------------------------------------------------------------------------

PERIOD = "2022-07"


def raw_finance(data_dir: Path, period: str, directorate: str) -> tuple[int, int]:
    """A directorate's budget and forecast in pence, added up from the cells with openpyxl."""
    sheet = load_workbook(data_dir / "returns" / period / f"{directorate}.xlsx", read_only=True)["Finance"]
    rows = list(sheet.iter_rows(values_only=True))
    head = [str(h).strip() for h in rows[0]]
    b, f = head.index("Latest budget £m"), head.index("Forecast outturn £m")
    budget = sum(Decimal(repr(r[b])) for r in rows[1:] if r[b] is not None)
    forecast = sum(Decimal(repr(r[f])) for r in rows[1:] if r[f] is not None)
    return int(budget * 100_000_000), int(forecast * 100_000_000)


@pytest.fixture(scope="module")
def bundled(data_dir):
    return build_briefing(check_parameters(PERIOD, compare_to="2022-05", data_dir=str(data_dir)))


def test_bundled_briefing_shows_every_finance_table_and_its_checks_pass(bundled):
    items = finance.tables(bundled)
    keys = [i.key for i in items if isinstance(i, Table)]
    assert keys == ["Directorate position", "Central budgets", "Net operating budget", "Service areas", "On target",
                    "Savings", "General balances", "Reserves", "Dedicated Schools Grant", "Forecast trend"]
    assert {i.key for i in items if isinstance(i, Chart)} >= {"chart-variance", "chart-savings", "chart-balances",
                                                              "chart-variance-trend"}
    assert all(not i.frame.empty for i in items if isinstance(i, Table))
    checks = finance.checks(bundled)
    assert len(checks) > 40 and checks["result"].eq(finance.PASSED).all()
    assert checks.dtypes.astype(str).to_dict() == {"check": "str", "result": "str", "figure": "Int64",
                                                   "expected": "Int64", "difference": "Int64", "where": "str"}
    assert finance.check_tables(bundled)[0].title == f"All {len(checks)} finance checks passed"
    assert "Checks" in [t.key for t in bundled.tables()]


def test_bundled_position_matches_the_raw_cells_now_and_two_months_back(bundled, data_dir):
    table = finance.directorate_position(bundled.current, bundled.comparison, bundled.directorates)
    table = table.set_index("directorate")
    for directorate in bundled.directorates:
        budget, forecast = raw_finance(data_dir, PERIOD, directorate)
        then_budget, then_forecast = raw_finance(data_dir, "2022-05", directorate)
        assert table.loc[directorate, "latest_budget"] == budget
        assert table.loc[directorate, "variance"] == forecast - budget
        assert table.loc[directorate, "previous_variance"] == then_forecast - then_budget
    expected = sum(raw_finance(data_dir, PERIOD, d)[1] - raw_finance(data_dir, PERIOD, d)[0]
                   for d in bundled.directorates)
    assert table.loc[finance.TOTAL_DIRECTORATES, "variance"] == expected


@pytest.fixture
def data_copy(data_dir, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    return copy


def test_a_broken_stated_variance_is_flagged_with_its_cell(data_copy):
    path = data_copy / "returns" / PERIOD / "Children's Services.xlsx"
    book = load_workbook(path)
    sheet = book["Finance"]
    assert sheet["D1"].value.strip() == "Variance £m" and sheet["A3"].value == "Children's Social Care"
    sheet["D3"] = sheet["D3"].value + 1.0                              # £1m out
    book.save(path)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data_copy)))
    table = finance.checks(b)
    failed = table[table["result"] == finance.FAILED]
    assert len(failed) == 1
    line = failed.iloc[0]
    assert "Children's Services.xlsx!Finance!D3" in line["where"]
    assert "'Children's Social Care', Children's Services" in line["check"]
    assert line["difference"] == 100_000_000
    shown, flagged = finance.check_tables(b)
    assert shown.title == f"1 of {len(table)} finance checks failed"
    assert shown.frame.set_index("Check")["Failed"].sum() == 1
    assert flagged.frame["Cells"].str.contains("Children's Services.xlsx!Finance!D3", regex=False).tolist() == [True]


def test_a_missing_return_is_named_and_the_section_still_builds(data_copy):
    (data_copy / "returns" / PERIOD / "Public Health.xlsx").unlink()
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data_copy)))
    table = finance.checks(b).set_index("check")
    assert table.loc["Usable return for the period: Public Health", "result"] == finance.FAILED
    position = finance.directorate_position(b.current, b.comparison, b.directorates).set_index("directorate")
    assert pd.isna(position.loc["Public Health", "variance"])
    assert pd.isna(position.loc[finance.TOTAL_DIRECTORATES, "variance"])
    items = finance.tables(b)
    assert "no usable return from Public Health" in items[0].text


def test_checks_table_shows_figures_to_the_thousand_and_differences_to_the_penny():
    broken = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.56")), ("Waste", m("5.25"), m("5"))),
              "Beta": JULY_FINANCE["Beta"]}
    short = lines(("Business Rates & Council Tax funding", m("-18.25") + 1, m("-18.25") + 1))
    frame = finance.check_tables(briefing_of({"2022-07": july(finance_by=broken, funding=short)}))[1].frame
    failed = frame[frame["Result"] == finance.FAILED].set_index("Check")
    highways = failed.loc[failed.index.str.contains("Highways")].iloc[0]
    assert highways[["Figure", "Should be", "Difference"]].tolist() == ["£0.560m", "£0.500m", "£60,000.00"]
    funding = failed.loc[failed.index.str.startswith("Net operating budget")].iloc[0]
    assert funding["Difference"] == "£0.01"


# Whole columns at once, as row by row --------------------------------------------------------------------

def row_by_row_service_areas(current: PeriodReturns, directorates: list[str]) -> list[dict]:
    """The service-area lines and subtotals, read one Finance row at a time with ``cell_ref``."""
    rows = []
    for directorate in directorates:
        own = [r for _, r in current.finance.iterrows() if r["directorate"] == directorate]
        rows += [{"directorate": directorate, "service_area": r["service_area"], "kind": "line",
                  **{c: r[c] for c in ("latest_budget", "forecast_outturn", "stated_variance", "commentary")},
                  "source": f"{cell_ref(r, 'latest_budget')}, {cell_ref(r, 'forecast_outturn', with_file=False)}"}
                 for r in own]
        if own:
            first, last = cell_ref(own[0], "latest_budget"), cell_ref(own[-1], "forecast_outturn", with_file=False)
            rows.append({"directorate": directorate, "service_area": "Directorate total", "kind": "subtotal",
                         "latest_budget": finance.strict_sum(r["latest_budget"] for r in own),
                         "forecast_outturn": finance.strict_sum(r["forecast_outturn"] for r in own),
                         "source": f"{first}:{last}"})
        else:
            rows.append({"directorate": directorate, "service_area": "No Finance lines in the return",
                         "kind": "subtotal", "source": f"{directorate}.xlsx"})
    return rows


def plain(value):
    """A cell's value for comparing: blanks (None, NaN, NA) alike, numbers as Python numbers."""
    return None if pd.isna(value) else value


@pytest.fixture
def bundled_with_faults(bundled) -> PeriodReturns:
    """The bundled period with a blank budget, a stated variance £0.06m out, one not stated and a blank note."""
    current = dataclasses.replace(bundled.current, finance=bundled.current.finance.copy())
    lines = current.finance
    lines.loc[1, "latest_budget"] = pd.NA
    lines.loc[2, "stated_variance"] += pence_from_millions(0.06)
    lines.loc[3, "stated_variance"] = pd.NA
    lines.loc[4, "commentary"] = "   "
    return current


def test_cell_refs_name_the_cells_cell_ref_names(bundled):
    for lines in (bundled.current.finance, bundled.current.central, bundled.current.savings):
        for column in ("latest_budget", "stated_variance", "planned", "no such column"):
            for with_file in (True, False):
                refs = cell_refs(lines, column, with_file)
                assert refs.index.equals(lines.index)
                assert refs.tolist() == [cell_ref(r, column, with_file) for _, r in lines.iterrows()]
    odd = bundled.current.central.head(2).assign(letters=[None, {"latest_budget": "Q"}])
    assert cell_refs(odd, "latest_budget").tolist() == [cell_ref(r, "latest_budget") for _, r in odd.iterrows()]
    assert cell_refs(odd, "latest_budget", with_file=False).str[0].tolist() == ["?", "Q"]


@pytest.mark.parametrize("order", ["as read", "sheets interleaved", "a file named with %"])
def test_the_cells_of_each_line_are_named_as_cell_ref_names_them(bundled, order):
    """``cells_refs``: the first cell with its file, the others without, for runs of rows from one sheet and
    for rows that come in no runs."""
    lines = bundled.current.finance
    if order == "sheets interleaved":
        lines = lines.iloc[np.argsort(np.arange(len(lines)) % 7, kind="stable")]
    elif order == "a file named with %":
        lines = lines.assign(file=lines["file"].str.replace(".xlsx", " 100%s%d.xlsx"))
    refs = finance.cells_refs(lines, ["latest_budget", "forecast_outturn", "no such column"])
    assert refs.index.equals(lines.index)
    assert refs.tolist() == [f"{cell_ref(r, 'latest_budget')}, {cell_ref(r, 'forecast_outturn', False)}, "
                             f"{cell_ref(r, 'no such column', False)}" for _, r in lines.iterrows()]


@pytest.mark.parametrize("pick", [list, lambda ds: ds[:1], lambda ds: [*ds[::-1], "No such directorate"]])
def test_service_areas_are_the_rows_read_one_by_one(bundled_with_faults, pick):
    directorates = pick(list(dict.fromkeys(bundled_with_faults.finance["directorate"])))
    table = finance.service_areas(bundled_with_faults, directorates)
    expected = row_by_row_service_areas(bundled_with_faults, directorates)
    shown = table.iloc[:-1].to_dict("records")
    assert len(shown) == len(expected)
    for got, want in zip(shown, expected):
        assert {c: plain(got[c]) for c in finance.SERVICE_AREA_COLUMNS} == \
            {c: plain(want.get(c)) for c in finance.SERVICE_AREA_COLUMNS}
        budget, forecast = plain(want.get("latest_budget")), plain(want.get("forecast_outturn"))
        assert plain(got["variance"]) == (None if budget is None or forecast is None else forecast - budget)
    assert pd.isna(table.iloc[-1]["latest_budget"])             # a blank budget blanks its subtotal and the total
    assert table.dtypes.astype(str).to_dict() == {
        "directorate": "str", "service_area": "str", "kind": "str", "latest_budget": "Int64",
        "forecast_outturn": "Int64", "variance": "Int64", "variance_pct": "float64", "stated_variance": "Int64",
        "commentary": "str", "source": "str"}


def test_a_directorates_service_areas_are_its_rows_of_the_councils_as_if_alone(bundled_with_faults):
    """Each directorate's briefing takes its rows of the council's table, worked out once for the period."""
    current = dataclasses.replace(bundled_with_faults, invalid={**bundled_with_faults.invalid,
                                                                "No such directorate": "missing"})
    directorates = [*dict.fromkeys(current.finance["directorate"]), "No such directorate"]
    b = Briefing(Run(Settings(), current.period, None, Path(".")), pd.DataFrame({"directorate": directorates}),
                 {current.period: current})
    for directorate in directorates:
        own = finance.service_areas_table(b, [directorate]).frame
        alone = finance.service_areas(current, [directorate]).iloc[:-1]  # a directorate alone, less its total
        pd.testing.assert_frame_equal(own, finance._service_area_frame(alone), obj=directorate)
        in_its_briefing = finance.own_service_areas_table(b, directorate).frame
        pd.testing.assert_frame_equal(in_its_briefing, own.drop(columns="Directorate"), obj=directorate)
    assert own["Service area"].tolist() == [f"{finance.RETURN_INVALID} (missing)"]


def test_stated_variance_checks_are_the_rows_checked_one_by_one(bundled_with_faults):
    tolerance = pence_from_millions(0.05)
    for lines, what in ((bundled_with_faults.finance, "service area"), (bundled_with_faults.central, "central budget")):
        table = finance.stated_variance_checks(lines, 0.05, what)
        assert table.dtypes.astype(str).to_dict() == {"check": "str", "result": "str", "figure": "Int64",
                                                      "expected": "Int64", "difference": "Int64", "where": "str"}
        checks = table.to_dict("records")
        stated = [r for _, r in lines.iterrows() if pd.notna(r["stated_variance"])]
        assert len(checks) == len(stated)
        for check, r in zip(checks, stated):
            blank = pd.isna(r["latest_budget"]) or pd.isna(r["forecast_outturn"])
            computed = None if blank else int(r["forecast_outturn"]) - int(r["latest_budget"])
            passed = not blank and abs(int(r["stated_variance"]) - computed) <= tolerance
            owner = f", {r['directorate']}" if "directorate" in r else ""
            assert check["check"].endswith(f"{what} '{r['service_area']}'{owner}")
            assert (check["result"], check["figure"], plain(check["expected"])) == \
                (finance.PASSED if passed else finance.FAILED, r["stated_variance"], computed)
            assert plain(check["difference"]) == (None if blank else int(r["stated_variance"]) - computed)
            assert check["where"] == (f"{cell_ref(r, 'stated_variance')} (stated); {cell_ref(r, 'latest_budget')}, "
                                      f"{cell_ref(r, 'forecast_outturn', with_file=False)} (budget, forecast)")
    failed = [c for c in finance.stated_variance_checks(bundled_with_faults.finance, 0.05, "x").to_dict("records")
              if c["result"] == finance.FAILED]
    assert len(failed) == 2                                        # the blank budget and the £0.06m


def test_on_target_notes_are_each_directorates_commentary_line_by_line(bundled_with_faults):
    directorates = [*dict.fromkeys(bundled_with_faults.finance["directorate"]), "No such directorate"]
    notes = finance.on_target(bundled_with_faults, directorates, 2.0).set_index("directorate")["notes"]
    for directorate in directorates[:-1]:
        own = bundled_with_faults.finance[bundled_with_faults.finance["directorate"] == directorate]
        assert notes[directorate] == "\n".join(f"{r['service_area']}: {r['commentary']}" for _, r in own.iterrows()
                                               if isinstance(r["commentary"], str) and r["commentary"].strip())
    assert notes["No such directorate"] == "No Finance lines in the return"


def test_checks_are_worked_out_once_per_briefing_and_afresh_for_other_returns(monkeypatch):
    computed = []
    real = finance._checks
    monkeypatch.setattr(finance, "_checks", lambda b: computed.append(b) or real(b))
    b = briefing_of({"2022-07": july()})
    first = finance.checks(b)
    first.loc[0, "result"] = "changed by its caller"
    second = finance.checks(b)
    assert len(computed) == 1 and second["result"].eq(finance.PASSED).all()
    broken = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.56"))), "Beta": JULY_FINANCE["Beta"]}
    b.returns["2022-07"] = july(finance_by=broken)
    failed = finance.checks(b).query("result == @finance.FAILED")["check"]
    assert failed.str.contains("'Highways', Alpha").any() and len(computed) == 2
    other = briefing_of({"2022-07": july()}, variance_check_m=0.6)
    assert finance.checks(other)["result"].eq(finance.PASSED).all() and len(computed) == 3


def test_the_position_is_summed_once_per_lines_held_and_afresh_for_changed_or_other_lines(monkeypatch):
    sums, positions = [], []
    real_sum, real_compare = finance._sum_by, finance._compare
    monkeypatch.setattr(finance, "_sum_by", lambda frame, *a: sums.append(len(frame)) or real_sum(frame, *a))
    monkeypatch.setattr(finance, "_compare", lambda *a: positions.append(a[1]) or real_compare(*a))
    current, before = july(), may()
    first = finance.directorate_position(current, before, DIRECTORATES)
    first.loc[0, "variance"] = -1  # a caller changing its copy changes nothing remembered
    again = finance.directorate_position(current, before, DIRECTORATES)
    assert again.loc[0, "variance"] == m("0.25")
    assert (len(positions), len(sums)) == (1, 2), "worked out once, from each period's lines summed once"
    assert finance.directorate_position(current, None, DIRECTORATES)["previous_variance"].isna().all()
    assert finance.directorate_position(current, before, ["Beta"])["directorate"].tolist() == \
        ["Beta", finance.TOTAL_DIRECTORATES]
    assert (len(positions), len(sums)) == (3, 2), "no comparison, or other directorates: a new position, same sums"
    copied = cache.fresh_copy(current)
    assert finance.directorate_position(copied, before, DIRECTORATES).equals(again)
    assert (len(positions), len(sums)) == (3, 2), "a copy holding the same lines shares what was worked out"
    changed = cache.fresh_copy(current)
    changed.finance.loc[0, "latest_budget"] += 1  # one penny, in one cell of the copy
    assert finance.directorate_position(changed, before, DIRECTORATES).loc[0, "latest_budget"] == \
        again.loc[0, "latest_budget"] + 1
    assert (len(positions), len(sums)) == (4, 3), "a copy changed in one cell works it out afresh"
    assert current.finance.loc[0, "latest_budget"] == copied.finance.loc[0, "latest_budget"]
    assert finance.directorate_position(copied, before, DIRECTORATES).equals(again), "and the others are untouched"
    assert (len(positions), len(sums)) == (5, 4), "(the memory holds the last lines each result was worked out for)"
    current.finance = july(finance_by={"Alpha": JULY_FINANCE["Alpha"]}).finance  # other lines: summed again
    assert finance.directorate_position(current, before, DIRECTORATES).loc[1, "latest_budget"] is pd.NA
    assert (len(positions), len(sums)) == (6, 5)


@given(st.lists(st.tuples(st.sampled_from(["Alpha", "Beta", "Gamma"]),
                          st.one_of(st.none(), st.integers(-10 ** 12, 10 ** 12)),
                          st.one_of(st.none(), st.integers(-2 ** 58, 2 ** 58))), min_size=1, max_size=30))
def test_sums_by_directorate_are_exact_and_blank_when_any_part_is_blank(rows):
    frame = pd.DataFrame({"directorate": [r[0] for r in rows],
                          "latest_budget": pd.array([r[1] for r in rows], dtype="Int64"),
                          "forecast_outturn": pd.array([r[2] for r in rows], dtype="Int64")})
    sums = finance._sum_by(frame, "directorate", ["latest_budget", "forecast_outturn"])
    assert list(sums.index) == list(dict.fromkeys(frame["directorate"]))
    for name, lines in frame.groupby("directorate"):
        for column in ("latest_budget", "forecast_outturn"):
            parts = [r for d, *r in rows if d == name]
            values = [p[0 if column == "latest_budget" else 1] for p in parts]
            expected = pd.NA if any(v is None for v in values) else sum(values)  # Python ints: never overflow
            got = sums.loc[name, column]
            assert (pd.isna(got) and expected is pd.NA) or got == expected


def test_a_long_service_area_list_shows_each_directorates_largest_variances_and_keeps_every_line(monkeypatch,
                                                                                                 tmp_path):
    b = briefing_of({"2022-07": july()})
    everything = finance.service_areas_table(b)
    assert everything.shown is None and "Waste" in everything._repr_html_()
    monkeypatch.setattr(finance, "SERVICE_AREA_LINES_SHOWN", 2)  # July has 3 lines
    monkeypatch.setattr(finance, "LARGEST_LINES_SHOWN", 1)
    table = finance.service_areas_table(b)
    shown = table.frame.loc[table.shown]
    assert list(shown["Service area"]) == ["Highways", "Directorate total", "Libraries", "Directorate total", ""]
    page = table._repr_html_()
    assert "Highways" in page and "Waste" not in page and "(2 of 3 lines)" in page
    assert "Waste" in list(table.frame["Service area"])  # tables.xlsx keeps every line
    write_workbook([table], tmp_path / "tables.xlsx")
    written = pd.read_excel(tmp_path / "tables.xlsx", sheet_name="Service areas", header=None, engine="openpyxl")
    assert (written == "Waste").any().any()
    assert finance.service_areas_table(b, ["Alpha"]).shown is None  # a directorate's briefing shows all its lines


@given(st.lists(st.one_of(st.none(), st.integers(-10 ** 18, 10 ** 18),
                          st.sampled_from([50_000, -50_000, 49_999, -149_999, 150_000, 0, 1, -1, 99])), max_size=12))
def test_check_figures_are_written_as_the_decimal_rounding_writes_them(pence):
    from briefing.money import format_millions
    column = pd.Series(pd.array(pence, dtype="Int64"))
    assert finance._texts(column, finance._exact_millions) == \
        ["" if p is None else format_millions(p, places=3) for p in pence]
    assert finance._texts(column, finance._pounds) == \
        ["" if p is None else f"{'-' if p < 0 else ''}£{Decimal(abs(p)) / 100:,.2f}" for p in pence]


@given(st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.integers(-2 ** 70, 2 ** 70),
                          st.builds(np.int64, st.integers(-2 ** 63, 2 ** 63 - 1)), st.floats(-1e6, 1e6),
                          st.booleans()), max_size=8))
def test_money_columns_are_made_as_pd_array_makes_them(values):
    """``_money_array`` against ``pd.array(list(values), dtype="Int64")``: the same array, or the same refusal."""
    column = pd.Series(values, dtype=object)
    try:
        expected = pd.array(list(column), dtype="Int64")
    except Exception as refused:  # noqa: BLE001 - text, fractions, numbers past 64 bits
        with pytest.raises(type(refused)):
            finance._money_array(column)
        return
    made = finance._money_array(column)
    assert isinstance(made, pd.arrays.IntegerArray) and made.equals(expected)
    assert finance._money_array(pd.Series(expected)).equals(expected)
