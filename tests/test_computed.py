"""Measures computed from the returns: the register's Computed as column makes a finance measure the finance
section's own figure, so the measure and the section cannot disagree."""
from __future__ import annotations

import pandas as pd
import pytest

from briefing import computed, finance
from briefing.document import build_briefing, check_parameters
from briefing.money import percent_text, whole_units
from briefing.params import load_settings
from briefing.validation import validate_period
from broken_returns import HEALTH, PERIOD, REGISTER, copy_data, remove_file, set_cells

FIN = "Customers, Organisational Development & Resources.xlsx"
ROWS = {"OCC11.01": 14, "OCC11.02": 15, "OCC11.03": 16, "OCC11.04": 17, "OCC11.05": 18}  # in FIN's Performance sheet


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    data = copy_data(tmp_path_factory.mktemp("bundled") / "data")
    return build_briefing(check_parameters(PERIOD, data_dir=str(data)))


def _ratings(b) -> pd.DataFrame:
    return b.ratings.set_index("measure_id")


def _money(pence) -> float:
    return whole_units(int(pence), 1) / 10


def test_each_finance_measure_is_the_finance_sections_figure_as_it_shows_it(bundled):
    rated, f = _ratings(bundled), bundled.finance
    council = f.council.set_index("line")
    variance_pct = 100 * council.loc[finance.YEAR_END, "variance"] / council.loc[finance.NET_OPERATING_BUDGET,
                                                                               "latest_budget"]
    on_target = f.on_target.iloc[:-1]["on_target"]
    high_needs = f.dsg.set_index("block").loc["High Needs", "in_year_deficit"]
    expected = {
        "OCC11.01": float(percent_text(variance_pct)[:-1]),
        "OCC11.02": float(percent_text(f.savings.iloc[-1]["achieved_pct"])[:-1]),
        "OCC11.03": _money(f.balances.set_index("item").loc[finance.FORECAST_BALANCES, "amount"]),
        "OCC11.04": float(percent_text(100 * (on_target == "Yes").sum() / len(on_target))[:-1]),
        "OCC11.05": _money(high_needs),
    }
    for measure, value in expected.items():
        assert rated.loc[measure, "actual_value"] == value, measure
        assert rated.loc[measure, "source"].startswith("computed: "), measure
    assert expected["OCC11.02"] == 89.5 and expected["OCC11.05"] == 17.5  # the figures the issue quotes


def test_the_variance_measure_is_judged_as_the_on_target_table_judges_the_council(bundled):
    rated = _ratings(bundled).loc["OCC11.01"]
    council = bundled.finance.on_target.iloc[-1]
    assert rated["period_target"] == load_settings().finance_tolerance_pct
    assert (rated["rag"] == "Green") == (council["on_target"] == "Yes")


def test_typed_values_that_differ_are_warnings_with_both_figures_and_the_computed_one_is_used(tmp_path, bundled):
    data = copy_data(tmp_path / "data")
    set_cells(FIN, "Performance", **{f"B{ROWS['OCC11.02']}": 99, f"B{ROWS['OCC11.05']}": 12})(data)
    problems = {p.location: p for p in validate_period(load_settings(data_dir=str(data)), PERIOD)}
    savings = problems[f"{FIN}!Performance!B{ROWS['OCC11.02']}"]
    assert savings.severity == "warning"
    assert savings.message == ("OCC11.02 is computed from the returns as 89.5% (Savings delivered %), but 99 is "
                               "typed: the computed figure is used")
    dsg = problems[f"{FIN}!Performance!B{ROWS['OCC11.05']}"]
    assert "as £17.5m (DSG in-year deficit), but 12 is typed" in dsg.message
    rated = _ratings(build_briefing(check_parameters(PERIOD, data_dir=str(data))))
    before = _ratings(bundled)
    for measure in ("OCC11.02", "OCC11.05"):
        assert rated.loc[measure, ["actual_value", "rag"]].tolist() == \
            before.loc[measure, ["actual_value", "rag"]].tolist()
    assert rated.loc["OCC11.02", "rag"] != "Green"  # 89.5% against 95%, whatever is typed


def test_a_typed_value_that_is_the_computed_one_rounded_agrees():
    assert computed.agrees(89.5, 89.4736842)
    assert computed.agrees(89.47, 89.4736842)
    assert not computed.agrees(90, 89.4736842)
    assert computed.agrees(30.73, 30.7251)
    assert not computed.agrees(30.8, 30.7251)


def test_a_computed_measure_no_return_reports_is_rated_all_the_same(tmp_path, bundled):
    data = copy_data(tmp_path / "data")
    set_cells(FIN, "Performance", **{f"A{ROWS['OCC11.03']}": None, f"B{ROWS['OCC11.03']}": None})(data)
    rated = _ratings(build_briefing(check_parameters(PERIOD, data_dir=str(data))))
    assert rated.loc["OCC11.03", ["actual_value", "rag"]].tolist() == \
        _ratings(bundled).loc["OCC11.03", ["actual_value", "rag"]].tolist()


def test_a_missing_return_makes_the_measure_not_available_as_the_finance_section_says(tmp_path):
    data = copy_data(tmp_path / "data")
    remove_file(HEALTH)(data)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data)))
    rated = _ratings(b)
    assert pd.isna(b.finance.savings.iloc[-1]["planned"])          # the section: not available
    assert rated.loc["OCC11.02", "rag"] == "Not reported"
    assert rated.loc["OCC11.02", "not_reported_reason"] == "not available — Savings delivered % cannot be worked out"
    assert rated.loc["OCC11.01", "rag"] == "Not reported"         # no year-end position without Public Health
    assert rated.loc["OCC11.03", "rag"] == "Not reported"
    assert rated.loc["OCC11.05", "rag"] != "Not reported"          # the DSG is the corporate return's


def test_an_unknown_figure_in_the_register_is_an_error_at_its_cell(tmp_path):
    data = copy_data(tmp_path / "data")
    set_cells(REGISTER, "Measures", L58="Savings achieved")(data)
    problems = {p.location: p for p in validate_period(load_settings(data_dir=str(data)), PERIOD)}
    problem = problems["register/2022-23.xlsx!Measures!L58"]
    assert problem.severity == "error"
    assert problem.message == "Computed as 'Savings achieved' is not a figure the briefing works out"
    assert "'Savings delivered %'" in problem.expected


def test_a_variance_target_other_than_the_on_target_tolerance_is_a_warning_and_not_used(tmp_path):
    data = copy_data(tmp_path / "data")
    set_cells(REGISTER, "Measures", I57=1)(data)
    problems = {p.location: p for p in validate_period(load_settings(data_dir=str(data)), PERIOD)}
    problem = problems["register/2022-23.xlsx!Measures!I57"]
    assert problem.severity == "warning" and "its target is 1: 2 is used" in problem.message
    rated = _ratings(build_briefing(check_parameters(PERIOD, data_dir=str(data))))
    assert rated.loc["OCC11.01", "period_target"] == 2.0


@pytest.mark.parametrize("text, name, block", [
    ("Savings delivered %", "Savings delivered %", ""), ("  savings   DELIVERED % ", "Savings delivered %", ""),
    ("DSG in-year deficit: High Needs", "DSG in-year deficit", "High Needs")])
def test_computed_as_entries_are_read_as_people_type_them(text, name, block):
    figure, got_block, ok = computed.parse(text)
    assert ok and figure.name == name and got_block == block


@pytest.mark.parametrize("text", ["DSG in-year deficit", "Savings delivered %: Adults", "Balances"])
def test_computed_as_entries_that_name_no_figure_are_unreadable(text):
    assert computed.parse(text) == (None, "", False)


def test_either_way_judges_the_variance_measure_by_its_size(tmp_path):
    data = copy_data(tmp_path / "data")
    params = tmp_path / "either.yaml"
    params.write_text("finance_on_target: either way\n", encoding="utf-8")
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data), params_file=str(params)))
    council = b.finance.council.set_index("line")
    variance_pct = 100 * council.loc[finance.YEAR_END, "variance"] / council.loc[finance.NET_OPERATING_BUDGET,
                                                                               "latest_budget"]
    assert _ratings(b).loc["OCC11.01", "actual_value"] == float(percent_text(abs(variance_pct))[:-1])
    assert b.finance.on_target["on_target"].tolist() == [
        "Yes" if abs(v) * 100 <= 2 * abs(budget) else "No"
        for v, budget in zip(b.finance.on_target["variance"], b.finance.on_target["latest_budget"])]
