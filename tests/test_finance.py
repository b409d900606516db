"""The financial position's calculations: every formula pinned on small synthetic returns with known
answers (``finance_returns``), then the bundled data's position checked against its raw cells.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from briefing import finance
from briefing.money import pence_column
from briefing.returns import PeriodReturns
from briefing.workbook import cell_ref, cells_refs
from finance_returns import DIRECTORATES, JULY_FINANCE, ALPHA_WITH_NOTE, PERIOD, briefing_of, bundled_briefing, \
    july, lines, m, may, overspent_july, period_returns, plain, row, with_faults, year_so_far


# 1. Directorate position --------------------------------------------------------------------------

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


# 2. Central budgets, net operating budget, funding ------------------------------------------------

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


# 3. Service areas ---------------------------------------------------------------------------------

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
def test_on_target_either_way_boundaries(variance, budget, expected):
    assert finance.OnTarget(2.0, either_way=True).met(variance, budget) is expected


@pytest.mark.parametrize("variance,budget,expected", [
    (m("2"), m("100"), True), (m("2") + 1, m("100"), False),           # exactly 2.0% over is on target
    (m("-2") - 1, m("100"), True), (m("-50"), m("100"), True),         # any underspend is on target
    (m("0.1"), m("-5"), True), (m("0.11"), m("-5"), False)])
def test_on_target_overspend_boundaries(variance, budget, expected):
    assert finance.OnTarget(2.0).met(variance, budget) is expected


def test_on_target_says_what_it_means():
    assert finance.OnTarget(2.0).words == ("a forecast overspend of no more than 2.0% of budget (an underspend is "
                                           "on target)")
    assert finance.OnTarget(1.5, True).short == "Within 1.5% of budget, over or under"


def test_on_target_yes_no_position_and_notes():
    current = july(finance_by={"Alpha": ALPHA_WITH_NOTE, "Beta": JULY_FINANCE["Beta"]})
    table = finance.on_target(current, DIRECTORATES, finance.OnTarget(2.0, True)).set_index("directorate")
    assert table.loc["Alpha", "on_target"] == "Yes"                    # +1.6% of 15.25
    assert table.loc["Alpha", "position"] == "+£0.3m or +1.6%"         # 0.25 rounds half up
    assert table.loc["Beta", "on_target"] == "No"                      # -2.5%
    assert table.loc["Beta", "position"] == "-£0.1m or -2.5%"
    assert table.loc["Alpha", "notes"] == "Highways: Winter gritting & repairs."
    council = table.loc["Council (net operating budget)"]
    assert council["variance"] == m("-0.35") and council["on_target"] == "Yes"   # -1.9% of 18.25


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
    assert list(table.index)[1] == "Forecast underspend (added to balances)"
    assert list(table.index)[4] == "Headroom above the risk-assessed level"


def test_general_balances_shortfall_after_an_overspend():
    current = overspent_july()
    table = finance.general_balances(current, DIRECTORATES).set_index("item")["amount"]
    # Directorates +0.9, central -0.5: year end +0.4 (an overspend). 19 - 0.4 = 18.6, 0.4 below 19.
    assert table.tolist() == [m("19"), m("-0.4"), m("18.6"), m("19"), m("-0.4")]
    assert list(table.index)[1] == "Forecast overspend (taken from balances)"
    assert list(table.index)[4] == "Shortfall below the risk-assessed level"


# 7. Reserves and 8. DSG ---------------------------------------------------------------------------

def test_reserves_closing_balances_and_total():
    table = finance.reserves(july()).set_index("reserve")
    assert table["forecast_closing"].tolist() == [m("3.8"), m("2.5"), m("6.3")]
    assert table.loc["Total reserves", ["opening", "forecast_movement"]].tolist() == [m("7"), m("-0.7")]


def test_dsg_closing_deficit_per_block_and_in_total():
    table = finance.dedicated_schools_grant(july()).set_index("block")
    assert table["closing_deficit"].tolist() == [m("0.2"), m("47.5"), m("47.7")]
    assert table.loc["Total", "in_year_deficit"] == m("17.3")


# 9. Trend -----------------------------------------------------------------------------------------

def test_trend_has_a_column_per_month_of_the_year_and_blanks_a_month_without_returns():
    returns = year_so_far()
    trend = finance.variance_trend(returns, "2022-07", DIRECTORATES).set_index("directorate")
    assert list(trend.columns) == ["2022-04", "2022-05", "2022-06", "2022-07"]
    assert trend.loc["Alpha"].tolist()[:2] == [0, m("0.1")] and trend.loc["Alpha", "2022-07"] == m("0.25")
    assert trend.loc["Beta", "2022-04"] == m("0.2") and trend.loc["Beta", "2022-07"] == m("-0.1")
    assert trend["2022-06"].isna().all()
    assert trend.loc[finance.TOTAL_DIRECTORATES, "2022-05"] == m("-0.2")


# One period's position, once per briefing ---------------------------------------------------------

def test_the_position_is_worked_out_once_per_briefing_from_its_own_returns(monkeypatch):
    worked_out = []
    real = finance.finance_position
    monkeypatch.setattr(finance, "finance_position", lambda *a: worked_out.append(a) or real(*a))
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    first = b.finance
    assert b.finance is first and b.checks is b.checks and len(worked_out) == 1   # the same object again
    other = briefing_of({"2022-05": may(), "2022-07": overspent_july()}, compare_to="2022-05")
    assert other.finance is not first and len(worked_out) == 2
    assert row(other.finance.position, "directorate", "Alpha")["variance"] == m("1")   # Highways alone, 10 → 11
    assert row(first.position, "directorate", "Alpha")["variance"] == m("0.25")
    assert row(other.finance.balances, "item", "Forecast overspend (taken from balances)")["amount"] == m("-0.4")
    assert first.balances["item"].tolist()[1] == "Forecast underspend (added to balances)"


def test_a_directorates_service_areas_are_those_it_alone_gives():
    """``FinancePosition.service_areas_of``: a directorate's rows of the council's table, as the calculation alone."""
    returns = {**year_so_far(), "2022-07": july(finance_by={"Alpha": ALPHA_WITH_NOTE, "Beta": JULY_FINANCE["Beta"]})}
    current = returns["2022-07"]
    figures = finance.finance_position(returns, "2022-07", "2022-05", DIRECTORATES, finance.OnTarget(1.5))
    for directorate in DIRECTORATES:  # (a column a directorate alone leaves blank is typed as blank)
        alone = finance.service_areas(current, [directorate]).iloc[:-1]
        pd.testing.assert_frame_equal(figures.service_areas_of([directorate]), alone, check_dtype=False,
                                      obj=directorate)
    assert figures.service_areas_of() is figures.service_areas


# The bundled data ---------------------------------------------------------------------------------

def raw_finance(data_dir: Path, period: str, directorate: str) -> tuple[int, int]:
    """A directorate's budget and forecast in pence, added up from the cells with openpyxl."""
    sheet = load_workbook(data_dir / "returns" / period / f"{directorate}.xlsx", read_only=True)["Finance"]
    rows = list(sheet.iter_rows(values_only=True))
    head = [str(h).strip() for h in rows[0]]
    b, f = head.index("Latest budget £m"), head.index("Forecast outturn £m")
    budget = sum(Decimal(repr(r[b])) for r in rows[1:] if r[b] is not None)
    forecast = sum(Decimal(repr(r[f])) for r in rows[1:] if r[f] is not None)
    return int(budget * 100_000_000), int(forecast * 100_000_000)


bundled = pytest.fixture(scope="module", name="bundled")(bundled_briefing)
bundled_with_faults = pytest.fixture(name="bundled_with_faults")(with_faults)


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


# Whole columns at once, as row by row -------------------------------------------------------------

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


def test_the_cells_of_each_line_are_named_as_cell_ref_names_them(bundled):
    """``cells_refs``: the first cell with its file (if asked), the others without; "?" for a column not read."""
    for sheet_lines in (bundled.current.finance, bundled.current.central, bundled.current.savings):
        for columns in (["latest_budget"], ["latest_budget", "forecast_outturn", "no such column"]):
            for with_file in (True, False):
                refs = cells_refs(sheet_lines, columns, with_file)
                assert refs.index.equals(sheet_lines.index)
                assert refs.tolist() == [", ".join([cell_ref(r, columns[0], with_file)]
                                                   + [cell_ref(r, c, False) for c in columns[1:]])
                                         for _, r in sheet_lines.iterrows()]
    odd = bundled.current.central.head(2).assign(letters=[None, {"latest_budget": "Q"}])
    assert cells_refs(odd, ["latest_budget"], with_file=False).str[0].tolist() == ["?", "Q"]


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


def test_on_target_notes_are_each_directorates_commentary_line_by_line(bundled_with_faults):
    directorates = [*dict.fromkeys(bundled_with_faults.finance["directorate"]), "No such directorate"]
    notes = finance.on_target(bundled_with_faults, directorates, finance.OnTarget(2.0)).set_index("directorate")["notes"]
    for directorate in directorates[:-1]:
        own = bundled_with_faults.finance[bundled_with_faults.finance["directorate"] == directorate]
        assert notes[directorate] == "\n".join(f"{r['service_area']}: {r['commentary']}" for _, r in own.iterrows()
                                               if isinstance(r["commentary"], str) and r["commentary"].strip())
    assert notes["No such directorate"] == "No Finance lines in the return"


@given(st.lists(st.tuples(st.sampled_from(["Alpha", "Beta", "Gamma"]),
                          st.one_of(st.none(), st.integers(-10 ** 12, 10 ** 12)),
                          st.one_of(st.none(), st.integers(-2 ** 58, 2 ** 58))), min_size=1, max_size=30))
def test_sums_by_directorate_are_exact_and_blank_when_any_part_is_blank(rows):
    frame = pd.DataFrame({"directorate": [r[0] for r in rows],
                          "latest_budget": pd.array([r[1] for r in rows], dtype="Int64"),
                          "forecast_outturn": pd.array([r[2] for r in rows], dtype="Int64")})
    sums = finance._sum_by(frame, "directorate", ["latest_budget", "forecast_outturn"])
    assert list(sums.index) == list(dict.fromkeys(frame["directorate"]))
    for name in dict.fromkeys(frame["directorate"]):
        for column in ("latest_budget", "forecast_outturn"):
            parts = [r for d, *r in rows if d == name]
            values = [p[0 if column == "latest_budget" else 1] for p in parts]
            expected = pd.NA if any(v is None for v in values) else sum(values)  # Python ints: never overflow
            got = sums.loc[name, column]
            assert (pd.isna(got) and expected is pd.NA) or got == expected
