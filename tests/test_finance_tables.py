"""The finance tables: titles, captions and columns from the period's figures, the checks' tables, and the
bundled briefing's finance section."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing import checks, finance, finance_tables
from briefing.charts import Chart
from briefing.document import Briefing, Run
from briefing.params import Settings
from briefing.spreadsheet import write_workbook
from briefing.tables import Table
from finance_returns import JULY_FINANCE, ALPHA_WITH_NOTE, briefing_of, bundled_briefing, july, \
    lines, m, may, overspent_july, with_faults, year_so_far


def test_missing_comparison_period_is_said_in_the_position_table():
    b = briefing_of({"2022-07": july()}, compare_to="2022-05")    # no returns for May were loaded
    shown = finance_tables.directorate_position_table(b)
    assert shown.frame["Variance May 2022 £m"].isna().all()
    assert "no returns for May 2022" in shown.caption


def test_on_target_table_against_the_tolerance_set_and_for_one_directorate():
    current = july(finance_by={"Alpha": ALPHA_WITH_NOTE, "Beta": JULY_FINANCE["Beta"]})
    b = briefing_of({"2022-07": current}, finance_tolerance_pct=1.5)
    shown = finance_tables.on_target_table(b).frame.set_index("Directorate")
    assert shown.loc["Alpha", "On target?"] == "No"                    # 1.6% is outside a 1.5% tolerance
    assert shown.loc["Alpha", "Target"] == "Overspend no more than 1.5% of budget"
    own = finance_tables.on_target_table(b, ["Alpha"]).frame
    assert own["Directorate"].tolist() == ["Alpha"]
    assert own["Notes"].tolist() == ["Highways: Winter gritting & repairs."]
    alone = briefing_of({"2022-07": july(finance_by={"Alpha": ALPHA_WITH_NOTE})}, finance_tolerance_pct=1.5)
    pd.testing.assert_frame_equal(own, finance_tables.on_target_table(alone, ["Alpha"]).frame,
                                  obj="a directorate's row of the council's table, as the directorate alone gives it")


def test_general_balances_table_says_the_shortfall():
    current = overspent_july()
    b = briefing_of({"2022-07": current})
    assert finance_tables.general_balances_table(b).title == \
        "General balances are forecast at £18.6m, £0.4m below the risk-assessed level of £19.0m"


def test_trend_table_says_how_the_variance_moved():
    returns = year_so_far()
    b = briefing_of(returns)
    assert finance_tables.trend_table(b).title == \
        "The directorate forecast variance moved from +£0.2m in April to +£0.2m in July"


def test_directorate_tables_for_its_own_briefing():
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    items = finance_tables.directorate_tables(b, "Alpha")
    assert [t.key for t in items] == ["Financial position", "Service areas", "chart-directorate-savings", "Savings",
                                      "On target", "chart-directorate-variance-trend", "Forecast trend"]
    position = items[0].frame.iloc[0]
    assert position["Directorate"] == "Alpha" and position["Variance July 2022 £m"] == m("0.25")
    assert items[1].frame.columns[0] == "Service area" and "Directorate" not in items[1].frame  # its own lines
    assert items[1].frame["Service area"].tolist()[-1] == "Directorate total" and len(items[1].frame) == 3
    assert items[3].frame["Saving"].tolist() == ["Route review", "Depot closure", "Total savings"]
    assert items[4].frame["On target?"].tolist() == ["Yes"]
    assert items[6].frame["Directorate"].tolist() == ["Alpha"] and items[5].table_key == "Forecast trend"
    assert items[0].title == "Alpha forecasts an overspend of £0.3m (1.6% of budget)"


def test_checks_table_shows_figures_to_the_thousand_and_differences_to_the_penny():
    broken = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.56")), ("Waste", m("5.25"), m("5"))),
              "Beta": JULY_FINANCE["Beta"]}
    short = lines(("Business Rates & Council Tax funding", m("-18.25") + 1, m("-18.25") + 1))
    frame = finance_tables.check_tables(briefing_of({"2022-07": july(finance_by=broken, funding=short)}))[1].frame
    failed = frame[frame["Result"] == checks.FAILED].set_index("Check")
    highways = failed.loc[failed.index.str.contains("Highways")].iloc[0]
    assert highways[["Figure", "Should be", "Difference"]].tolist() == ["£0.560m", "£0.500m", "£60,000.00"]
    funding = failed.loc[failed.index.str.startswith("Net operating budget")].iloc[0]
    assert funding["Difference"] == "£0.01"


def test_a_long_service_area_list_shows_each_directorates_largest_variances_and_keeps_every_line(monkeypatch,
                                                                                                 tmp_path):
    b = briefing_of({"2022-07": july()})
    everything = finance_tables.service_areas_table(b)
    assert everything.shown is None and "Waste" in everything._repr_html_()
    monkeypatch.setattr(finance_tables, "SERVICE_AREA_LINES_SHOWN", 2)  # July has 3 lines
    monkeypatch.setattr(finance_tables, "LARGEST_LINES_SHOWN", 1)
    table = finance_tables.service_areas_table(b)
    shown = table.frame.loc[table.shown]
    assert list(shown["Service area"]) == ["Highways", "Directorate total", "Libraries", "Directorate total", ""]
    page = table._repr_html_()
    assert "Highways" in page and "Waste" not in page and "(2 of 3 lines)" in page
    assert "Waste" in list(table.frame["Service area"])  # tables.xlsx keeps every line
    write_workbook([table], tmp_path / "tables.xlsx")
    written = pd.read_excel(tmp_path / "tables.xlsx", sheet_name="Service areas", header=None, engine="openpyxl")
    assert (written == "Waste").any().any()
    assert finance_tables.service_areas_table(b, ["Alpha"]).shown is None  # a directorate's briefing: every line


@given(st.lists(st.one_of(st.none(), st.integers(-10 ** 18, 10 ** 18),
                          st.sampled_from([50_000, -50_000, 49_999, -149_999, 150_000, 0, 1, -1, 99])), max_size=12))
def test_check_figures_are_written_as_the_decimal_rounding_writes_them(pence):
    from briefing.money import format_millions
    column = pd.Series(pd.array(pence, dtype="Int64"))
    assert finance_tables._texts(column, finance_tables._exact_millions) == \
        ["" if p is None else format_millions(p, places=3) for p in pence]
    assert finance_tables._texts(column, finance_tables._pounds) == \
        ["" if p is None else f"{'-' if p < 0 else ''}£{Decimal(abs(p)) / 100:,.2f}" for p in pence]


# The bundled data ---------------------------------------------------------------------------------

bundled = pytest.fixture(scope="module", name="bundled")(bundled_briefing)
bundled_with_faults = pytest.fixture(name="bundled_with_faults")(with_faults)


def test_bundled_briefing_shows_every_finance_table_and_its_checks_pass(bundled):
    items = finance_tables.tables(bundled)
    keys = [i.key for i in items if isinstance(i, Table)]
    assert keys == ["Directorate position", "Central budgets", "Net operating budget", "Service areas", "On target",
                    "Savings", "General balances", "Reserves", "Dedicated Schools Grant", "Forecast trend"]
    assert {i.key for i in items if isinstance(i, Chart)} >= {"chart-variance", "chart-savings", "chart-balances",
                                                              "chart-variance-trend"}
    assert all(not i.frame.empty for i in items if isinstance(i, Table))
    made = bundled.checks
    assert len(made) > 40 and made["result"].eq(checks.PASSED).all()
    assert made.dtypes.astype(str).to_dict() == {"check": "str", "result": "str", "figure": "Int64",
                                                 "expected": "Int64", "difference": "Int64", "where": "str"}
    assert finance_tables.check_tables(bundled)[0].title == f"All {len(made)} finance checks passed"
    assert "Checks" in [t.key for t in bundled.tables()]


def test_a_directorates_service_areas_are_its_rows_of_the_councils_as_if_alone(bundled_with_faults):
    """Each directorate's briefing takes its rows of the council's table, worked out once for the period."""
    current = dataclasses.replace(bundled_with_faults, invalid={**bundled_with_faults.invalid,
                                                                "No such directorate": "missing"})
    directorates = [*dict.fromkeys(current.finance["directorate"]), "No such directorate"]
    b = Briefing(Run(Settings(), current.period, None, Path(".")), pd.DataFrame({"directorate": directorates}),
                 {current.period: current})
    for directorate in directorates:
        own = finance_tables.service_areas_table(b, [directorate]).frame
        alone = finance.service_areas(current, [directorate]).iloc[:-1]  # a directorate alone, less its total
        pd.testing.assert_frame_equal(own, finance_tables._service_area_frame(alone), obj=directorate)
        in_its_briefing = finance_tables.own_service_areas_table(b, directorate).frame
        pd.testing.assert_frame_equal(in_its_briefing, own.drop(columns="Directorate"), obj=directorate)
    assert own["Service area"].tolist() == ["not available — return invalid (missing)"]


def test_the_variance_chart_names_the_largest_of_the_known_and_says_which_are_not():
    from briefing.charts import variance_chart
    position = pd.DataFrame({"directorate": ["Alpha", "Beta", "Gamma", "Delta"],
                             "variance": pd.array([m("0.5"), m("-1.3"), None, None], dtype="Int64")})
    chart = variance_chart(position)
    assert chart.title == "Beta forecasts the largest underspend, £1.3m (Gamma and Delta: not available)"
    assert chart.alt.endswith("No forecast from Gamma and Delta.")
    assert variance_chart(position.iloc[:2]).title == "Beta forecasts the largest underspend, £1.3m"


def test_the_trend_chart_names_the_month_in_words_as_sentences_do():
    from briefing.charts import variance_trend_chart
    trend = pd.DataFrame({"directorate": ["Alpha", "Beta"], "2022-04": pd.array([m("0.1"), m("0.2")], "Int64"),
                          "2022-05": pd.array([m("0.9"), m("0.3")], "Int64")})
    chart = variance_trend_chart(trend, ["Apr", "May"])
    assert chart.title.startswith("Alpha's forecast moved most since April, to ")
