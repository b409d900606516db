"""A return is used sheet by sheet: a missing or broken Finance sheet makes that directorate's finance not
available and keeps its measures, and the other way round; a broken corporate sheet costs only its own table."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from briefing.document import build_briefing, check_parameters
from briefing.quality import returns_table
from broken_returns import ADULTS, CORPORATE, PERIOD, copy_data, remove_sheet, set_cells

WHO = ADULTS.removesuffix(".xlsx")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The briefing of the corpus's clean copy of the bundled data, to compare a broken copy with."""
    data = copy_data(tmp_path_factory.mktemp("clean") / "data")
    return build_briefing(check_parameters(PERIOD, data_dir=str(data)))


def broken(tmp_path, *breaks, compare_to=None):
    data = copy_data(tmp_path / "data")
    for change in breaks:
        change(data)
    return build_briefing(check_parameters(PERIOD, compare_to, data_dir=str(data)))


def _own(ratings: pd.DataFrame) -> pd.DataFrame:
    return ratings[ratings["directorate"] == WHO].set_index("measure_id")


def test_without_a_finance_sheet_the_measures_are_kept_and_only_the_finance_is_not_available(bundled, tmp_path):
    b = broken(tmp_path, remove_sheet(ADULTS, "Finance"))
    assert WHO not in b.current.invalid
    mine, before = _own(b.ratings), _own(bundled.ratings)
    assert len(mine) == len(before) > 0
    pd.testing.assert_series_equal(mine["rag"], before["rag"])          # every measure rated as before
    assert not mine["not_reported_reason"].str.contains("not available").any()

    position = b.finance.position.set_index("directorate")
    assert pd.isna(position.loc[WHO, "forecast_outturn"])
    assert pd.isna(b.finance.position.iloc[-1]["variance"])            # the total cannot be known without it
    others = [d for d in b.directorates if d != WHO]
    pd.testing.assert_series_equal(position.loc[others, "variance"],
                                   bundled.finance.position.set_index("directorate").loc[others, "variance"])
    areas = b.finance.service_areas_of([WHO])
    assert areas["service_area"].tolist() == [
        "not available — Finance sheet not used (sheet 'Finance' is missing)"]
    savings = b.finance.savings.set_index("directorate")                # its Savings sheet is still used
    assert savings.loc[WHO, "planned"] == bundled.finance.savings.set_index("directorate").loc[WHO, "planned"]

    assert b.current.sheets_not_used() == {WHO: "Finance sheet: sheet 'Finance' is missing"}
    status = returns_table(b).frame.set_index("Return")["Status"]
    assert status[WHO] == "Used in part: Finance sheet: sheet 'Finance' is missing"
    assert "1 could be used only in part" in returns_table(b).title
    header = b.header().text
    assert "Returns used in part:</strong> Adult Services (Finance sheet: sheet &#x27;Finance&#x27; is missing)" \
        in header
    assert "Returns missing or invalid" not in header
    check = b.checks.set_index("check").loc[f"Complete return for the period, every sheet used: {WHO}"]
    assert check["result"] == "Failed" and "Finance sheet" in check["where"]
    own = b.for_directorate(WHO).header().text
    assert "Returns used in part" in own
    assert "Directorates: forecast variance not available: no usable Finance sheet from Adult Services" \
        in b.headlines()


def test_without_a_performance_sheet_the_finance_is_kept_and_only_the_measures_are_not_available(bundled, tmp_path):
    b = broken(tmp_path, remove_sheet(ADULTS, "Performance"))
    mine = _own(b.ratings)
    assert (mine["rag"] == "Not reported").all() and len(mine) == len(_own(bundled.ratings))
    assert (mine["not_reported_reason"]
            == "not available — Performance sheet not used (sheet 'Performance' is missing)").all()
    others = b.ratings[b.ratings["directorate"] != WHO].reset_index(drop=True)
    pd.testing.assert_series_equal(
        others["rag"], bundled.ratings[bundled.ratings["directorate"] != WHO].reset_index(drop=True)["rag"])
    pd.testing.assert_frame_equal(b.finance.position.drop(columns="source", errors="ignore"),
                                  bundled.finance.position.drop(columns="source", errors="ignore"))
    pd.testing.assert_frame_equal(b.finance.council, bundled.finance.council)


def test_a_broken_sheet_is_treated_as_a_missing_one(bundled, tmp_path):
    b = broken(tmp_path, set_cells(ADULTS, "Finance", C1="Forecast"))  # the Forecast outturn £m header gone
    assert WHO not in b.current.invalid
    assert "column 'Forecast outturn £m' missing" in b.current.not_used("finance")[WHO]
    assert len(_own(b.ratings)) == len(_own(bundled.ratings))
    assert pd.isna(b.finance.position.set_index("directorate").loc[WHO, "variance"])


def test_a_broken_savings_sheet_makes_savings_not_available_rather_than_none_planned(bundled, tmp_path):
    b = broken(tmp_path, set_cells(ADULTS, "Savings", B1="Plan"))
    savings = b.finance.savings.set_index("directorate")
    assert pd.isna(savings.loc[WHO, "planned"]) and pd.isna(savings.iloc[-1]["planned"])
    assert pd.notna(b.finance.position.iloc[-1]["variance"])           # its finance is still used
    assert b.current.sheets_not_used()[WHO].startswith("Savings sheet: ")


def test_a_return_with_none_of_its_required_sheets_is_not_used_at_all(tmp_path):
    b = broken(tmp_path, remove_sheet(ADULTS, "Finance"), remove_sheet(ADULTS, "Performance"))
    assert b.current.invalid == {WHO: "sheet 'Performance' is missing"}
    assert WHO not in b.current.sheets_not_used()
    assert "Returns missing or invalid" in b.header().text


def test_a_broken_corporate_sheet_costs_only_its_own_table(bundled, tmp_path):
    b = broken(tmp_path, remove_sheet(CORPORATE, "Reserves"))
    assert "Corporate" not in b.current.invalid
    assert b.current.sheets_not_used() == {"Corporate": "Reserves sheet: sheet 'Reserves' is missing"}
    assert b.finance.reserves.iloc[-1].isna()["forecast_closing"]
    pd.testing.assert_frame_equal(b.finance.balances, bundled.finance.balances)
    pd.testing.assert_frame_equal(b.finance.dsg, bundled.finance.dsg)
    pd.testing.assert_frame_equal(b.finance.council, bundled.finance.council)


def test_a_month_compared_with_that_lacks_a_finance_sheet_costs_only_the_change(bundled, tmp_path):
    data = copy_data(tmp_path / "data")
    path = data / "returns" / "2022-06" / ADULTS
    book = load_workbook(path)
    book.remove(book["Finance"])
    book.save(path)
    b = build_briefing(check_parameters(PERIOD, "2022-06", data_dir=str(data)))
    position = b.finance.position.set_index("directorate")
    assert pd.notna(position.loc[WHO, "variance"]) and pd.isna(position.loc[WHO, "change"])
    june = b.rated_history[(b.rated_history["period"] == "2022-06") & (b.rated_history["directorate"] == WHO)]
    assert len(june) and not june["not_reported_reason"].str.contains("not available").any()
