"""The finance checks: each kind pinned on small synthetic returns, then on the bundled data broken on purpose."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from briefing import checks, finance, finance_tables
from briefing.document import build_briefing, check_parameters
from briefing.money import pence_from_millions
from briefing.workbook import cell_ref
from finance_returns import DIRECTORATES, JULY_FINANCE, PERIOD, briefing_of, bundled_briefing, july, lines, m, \
    plain, with_faults


def test_stated_variance_check_flags_the_line_with_both_figures_and_its_cells():
    broken = {"Alpha": lines(("Highways", m("10"), m("10.5"), m("0.56")),           # 0.06 out: flagged
                             ("Waste", m("5.25"), m("5"), m("-0.2"))),              # exactly 0.05 out: passes
              "Beta": JULY_FINANCE["Beta"]}
    b = briefing_of({"2022-07": july(finance_by=broken)})
    table = b.checks
    failed = table[table["result"] == checks.FAILED]
    assert len(failed) == 1
    line = failed.iloc[0]
    assert "'Highways', Alpha" in line["check"]
    assert (line["figure"], line["expected"], line["difference"]) == (m("0.56"), m("0.5"), m("0.06"))
    assert "Alpha.xlsx!Finance!D2" in line["where"] and "B2, C2" in line["where"]
    assert table.index[table["result"] == checks.FAILED].tolist() == [0]          # failures first


def test_lines_with_no_stated_variance_are_not_checked_and_central_lines_are():
    b = briefing_of({"2022-07": july(finance_by={"Alpha": lines(("Highways", m("1"), m("2"))),
                                                 "Beta": JULY_FINANCE["Beta"]},
                                     central=lines(("Interest on Balances", m("-2"), m("-2.5"), m("0.5"))))})
    table = b.checks
    stated = table[table["check"].str.startswith("Stated variance")]
    assert not stated["check"].str.contains("Highways").any()
    central = stated[stated["check"].str.contains("Interest on Balances")].iloc[0]
    assert central["result"] == checks.FAILED and central["expected"] == m("-0.5")
    assert central["where"].startswith("Corporate.xlsx!Central budgets!D2")


def test_service_area_check_catches_an_aggregation_that_does_not_match():
    current = july()
    position = finance.directorate_position(current, None, DIRECTORATES)
    detail = finance.service_areas(current, DIRECTORATES)
    assert all(c["result"] == checks.PASSED for c in checks.service_area_checks(position, detail))
    wrong = position.copy()
    wrong.loc[wrong["directorate"] == "Beta", "forecast_outturn"] = m("3.8")
    failed = [c for c in checks.service_area_checks(wrong, detail) if c["result"] == checks.FAILED]
    assert [(c["check"], c["figure"], c["expected"]) for c in failed] == [
        ("Service areas add up to the directorate forecast outturn: Beta", m("3.8"), m("3.9"))]
    dropped = detail[~((detail["directorate"] == "Alpha") & (detail["service_area"] == "Waste"))]
    failed = [c for c in checks.service_area_checks(position, dropped) if c["result"] == checks.FAILED]
    assert {c["check"].split(": ")[1] for c in failed} == {"Alpha"}


def test_funding_check_is_to_the_penny_and_missing_returns_are_named():
    b = briefing_of({"2022-07": july()})
    assert b.checks["result"].eq(checks.PASSED).all()
    short = lines(("Business Rates & Council Tax funding", m("-18.25") + 1, m("-18.25") + 1, 0))
    b = briefing_of({"2022-07": july(funding=short, finance_by={"Alpha": JULY_FINANCE["Alpha"]},
                                     invalid={"Beta": "no return from Beta for 2022-07"})})
    table = b.checks.set_index("check")
    assert table.loc["Complete return for the period, every sheet used: Beta", "result"] == checks.FAILED
    assert "no return from Beta" in table.loc["Complete return for the period, every sheet used: Beta", "where"]
    funding = table.loc[table.index.str.startswith("Net operating budget equals funding")].iloc[0]
    # the net operating budget is blank without Beta: the check cannot be made, which is not a failure
    assert funding["result"] == checks.NOT_CHECKED and pd.isna(funding["figure"])
    assert b.checks["result"].tolist() == sorted(b.checks["result"], key=checks.RESULT_ORDER.index)
    summary, flagged = finance_tables.check_tables(b)
    failed, unmade = (int(b.checks["result"].eq(r).sum()) for r in (checks.FAILED, checks.NOT_CHECKED))
    assert unmade >= 1 and summary.title == (f"{failed} of {len(b.checks)} finance checks failed; {unmade} could "
                                             "not be made, a figure they need not being available")
    totals = summary.frame[["Lines checked", "Passed", "Failed", "Not checked"]].sum()
    assert totals["Lines checked"] == totals["Passed"] + totals["Failed"] + totals["Not checked"] == len(b.checks)
    assert sorted(flagged.frame["Result"]) == sorted(["Failed"] * failed + ["Not checked"] * unmade)
    b = briefing_of({"2022-07": july(funding=short)})
    table = b.checks.set_index("check")
    funding = table.loc[table.index.str.startswith("Net operating budget equals funding")].iloc[0]
    assert funding["result"] == checks.FAILED and funding["difference"] == 1     # one penny


# The bundled data ---------------------------------------------------------------------------------

bundled = pytest.fixture(scope="module", name="bundled")(bundled_briefing)
bundled_with_faults = pytest.fixture(name="bundled_with_faults")(with_faults)


@pytest.fixture
def data_copy(data_dir, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    return copy


def test_stated_variance_checks_are_the_rows_checked_one_by_one(bundled_with_faults):
    tolerance = pence_from_millions(0.05)
    for sheet_lines, what in ((bundled_with_faults.finance, "service area"),
                              (bundled_with_faults.central, "central budget")):
        table = checks.stated_variance_checks(sheet_lines, 0.05, what)
        assert table.dtypes.astype(str).to_dict() == {"check": "str", "result": "str", "figure": "Int64",
                                                      "expected": "Int64", "difference": "Int64", "where": "str"}
        made = table.to_dict("records")
        stated = [r for _, r in sheet_lines.iterrows() if pd.notna(r["stated_variance"])]
        assert len(made) == len(stated)
        for check, r in zip(made, stated):
            blank = pd.isna(r["latest_budget"]) or pd.isna(r["forecast_outturn"])
            computed = None if blank else int(r["forecast_outturn"]) - int(r["latest_budget"])
            passed = not blank and abs(int(r["stated_variance"]) - computed) <= tolerance
            owner = f", {r['directorate']}" if "directorate" in r else ""
            assert check["check"].endswith(f"{what} '{r['service_area']}'{owner}")
            assert (check["result"], check["figure"], plain(check["expected"])) == \
                (checks.PASSED if passed else checks.FAILED, r["stated_variance"], computed)
            assert plain(check["difference"]) == (None if blank else int(r["stated_variance"]) - computed)
            assert check["where"] == (f"{cell_ref(r, 'stated_variance')} (stated); {cell_ref(r, 'latest_budget')}, "
                                      f"{cell_ref(r, 'forecast_outturn', with_file=False)} (budget, forecast)")
    failed = [c for c in checks.stated_variance_checks(bundled_with_faults.finance, 0.05, "x").to_dict("records")
              if c["result"] == checks.FAILED]
    assert len(failed) == 2                                        # the blank budget and the £0.06m


def test_a_broken_stated_variance_is_flagged_with_its_cell(data_copy):
    path = data_copy / "returns" / PERIOD / "Children's Services.xlsx"
    book = load_workbook(path)
    sheet = book["Finance"]
    assert sheet["D1"].value.strip() == "Variance £m" and sheet["A3"].value == "Children's Social Care"
    sheet["D3"] = sheet["D3"].value + 1.0                              # £1m out
    book.save(path)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data_copy)))
    table = b.checks
    failed = table[table["result"] == checks.FAILED]
    assert len(failed) == 1
    line = failed.iloc[0]
    assert "Children's Services.xlsx!Finance!D3" in line["where"]
    assert "'Children's Social Care', Children's Services" in line["check"]
    assert line["difference"] == 100_000_000
    shown, flagged = finance_tables.check_tables(b)
    assert shown.title == f"1 of {len(table)} finance checks failed"
    assert shown.frame.set_index("Check")["Failed"].sum() == 1
    assert flagged.frame["Cells"].str.contains("Children's Services.xlsx!Finance!D3", regex=False).tolist() == [True]


def test_a_missing_return_is_named_and_the_section_still_builds(data_copy):
    (data_copy / "returns" / PERIOD / "Public Health.xlsx").unlink()
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data_copy)))
    table = b.checks.set_index("check")
    assert table.loc["Complete return for the period, every sheet used: Public Health", "result"] == checks.FAILED
    position = finance.directorate_position(b.current, b.comparison, b.directorates).set_index("directorate")
    assert pd.isna(position.loc["Public Health", "variance"])
    assert pd.isna(position.loc[finance.TOTAL_DIRECTORATES, "variance"])
    items = finance_tables.tables(b)
    assert "no usable return from Public Health" in items[0].text
