"""Reading return sheets: header matching, cell references, and errors that say where."""
import pytest

from briefing.problems import ReturnError
from briefing.returns import FINANCE, PERFORMANCE
from briefing.workbook import Workbook, cell_ref, column_letter, read_sheet


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


def test_headers_match_ignoring_case_spaces_order_and_extra_columns(xlsx):
    path = xlsx("Adult Services.xlsx", {"finance ": [
        ["Notes", "  SERVICE AREA", "forecast outturn £m", "Latest  Budget £m", "Commentary"],
        ["x", "Care homes", 10.5, 10.25, "ok"],
        [None, None, None, None, None],
        ["", "Home care", 5, "5.125", ""],
    ]})
    problems = []
    table = read_sheet(Workbook.open(path), FINANCE, problems)
    assert problems == []
    assert table["service_area"].tolist() == ["Care homes", "Home care"]
    assert table["latest_budget"].tolist() == [1_025_000_000, 512_500_000]
    assert table["forecast_outturn"].tolist() == [1_050_000_000, 500_000_000]
    assert table["stated_variance"].isna().all()          # optional column absent
    assert table["row"].tolist() == [2, 4]                # the blank row is skipped, rows keep their numbers
    assert cell_ref(table.iloc[1], "latest_budget") == "Adult Services.xlsx!finance !D4"


def test_missing_sheet_is_named(xlsx):
    path = xlsx("D.xlsx", {"Performance": [["Measure ID", "Actual"]]})
    problems = []
    assert read_sheet(Workbook.open(path), FINANCE, problems) is None
    assert problems[0].location == "D.xlsx!Finance"
    assert "sheet 'Finance' is missing" in problems[0].message


def test_missing_column_is_named_with_header_row(xlsx):
    path = xlsx("D.xlsx", {"Performance": [["Measure ID", "Commentary"], ["M1", "x"]]})
    problems = []
    assert read_sheet(Workbook.open(path), PERFORMANCE, problems) is None
    assert problems[0].location == "D.xlsx!Performance!A1"
    assert "'Actual'" in problems[0].message


def test_text_in_a_money_column_is_an_error_at_its_cell(xlsx):
    path = xlsx("D.xlsx", {"Finance": [["Service area", "Latest budget £m", "Forecast outturn £m"],
                                       ["A", 1, "about two"]]})
    problems = []
    table = read_sheet(Workbook.open(path), FINANCE, problems)
    assert str(problems[0]).startswith("D.xlsx!Finance!C2: error: Forecast outturn £m is text")
    assert table["forecast_outturn"].isna().all()


@pytest.mark.parametrize("content,message", [
    (b"Measure ID,Actual\nM1,3\n", "not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file is an old .xls workbook"),
    (b"PK\x03\x04 broken", "corrupt"),
])
def test_files_that_are_not_workbooks_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "Adult Services.xlsx"
    path.write_bytes(content)
    with pytest.raises(ReturnError) as err:
        Workbook.open(path)
    assert message in str(err.value)
    assert err.value.problem.file == "Adult Services.xlsx"
