"""tables.xlsx: every table's cells, number formats and layout, read back with openpyxl."""
import math
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from briefing import spreadsheet
from briefing.money import PENCE_PER_MILLION
from briefing.spreadsheet import EXCEL_FORMATS, FIRST_DATA_ROW, MAX_TEXT, excel_value, write_workbook
from briefing.tables import Table

ERROR_CODES = ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"]


def tables() -> list[Table]:
    frame = pd.DataFrame({
        "Directorate": ["Adults", "=HYPERLINK(\"x\")", "  padded ", "a & b <c>", "#N/A", "-3 rows"],
        "Budget £m": pd.array([21_108_300_000, -1_500_000, None, 0, 5, 123], dtype="Int64"),
        "Change £m": pd.array([1, -1, 0, None, 10**8, 2], dtype="Int64"),
        "Per cent": [49.91212653778559, np.nan, -0.0, 100.0, 1e-9, 3.25],
        "Measures": [284, 0, 1, 2, 3, 4],
        "Value": [1.5, "n/a", "-", 7, np.nan, 0.1],
        "Note": ["<b>ok</b>", None, "", "line\nbreak", True, 2.5],
        "RAG": ["Green", "Amber", "Red", "Monitoring only", "Not reported", None],
    })
    formats = {"Budget £m": "money", "Change £m": "money_signed", "Per cent": "pct", "Measures": "int",
               "Value": "number", "Note": "html", "RAG": "rag"}
    return [Table("Directorate position", "The council forecasts an overspend", frame, caption="By directorate",
                  source="directorate returns", formats=formats),
            Table("Empty", "=nothing to show", pd.DataFrame(columns=["Line", "£m"]), formats={"£m": "money"}),
            Table("No columns", "Nothing at all", pd.DataFrame())]


def as_excel_reads(value):
    """A cell's value as Excel reads it: openpyxl leaves an inline string's "_xHHHH_" escapes as they are."""
    if isinstance(value, str):
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)
    return value


def sheet_xml(path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]


def test_tables_workbook_values_formats_and_layout(tmp_path):
    book = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx"))
    assert book.sheetnames == ["Directorate position", "Empty", "No columns"]
    sheet = book["Directorate position"]
    assert sheet["A1"].value == "The council forecasts an overspend" and sheet["A1"].font.b and sheet["A1"].font.sz == 13
    assert sheet["A2"].value == "By directorate Source: directorate returns" and sheet["A3"].value is None
    assert [c.value for c in sheet[4]] == ["Directorate", "Budget £m", "Change £m", "Per cent", "Measures",
                                           "Value", "Note", "RAG"]
    assert all(c.font.b for c in sheet[4]) and sheet.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert sheet.dimensions == "A1:H10"
    assert round(sheet.column_dimensions["A"].width) == 16  # "Directorate" and 4, as xlsxwriter pads it
    assert [sheet[f"B{r}"].value for r in range(5, 11)] == [211.083, -0.015, None, 0, 5e-8, 1.23e-6]  # unrounded £m
    assert {sheet[f"B{r}"].number_format for r in range(5, 11)} == {EXCEL_FORMATS["money"]}  # blanks too
    assert sheet["C5"].number_format == "+#,##0.0;-#,##0.0;0.0" and sheet["C9"].value == 1
    assert sheet["D5"].value == 49.91212653778559 and sheet["D5"].number_format == '0.0"%"'
    assert sheet["D6"].value is None and sheet["E5"].value == 284 and sheet["E5"].number_format == "#,##0"
    assert [sheet[f"F{r}"].value for r in range(5, 11)] == [1.5, "n/a", "-", 7, None, 0.1]
    assert sheet["F5"].number_format == "General"
    assert [sheet[f"G{r}"].value for r in range(5, 11)] == ["ok", None, None, "line\nbreak", "True", "2.5"]
    assert [sheet[f"H{r}"].value for r in range(5, 11)] == ["Green", "Amber", "Red", "Monitoring only",
                                                            "Not reported", None]
    assert sheet["A7"].value == "  padded " and sheet["A8"].value == "a & b <c>"
    empty, bare = book["Empty"], book["No columns"]
    assert [[c.value for c in row] for row in empty.iter_rows()] == [["=nothing to show", None], [None, None],
                                                                     [None, None], ["Line", "£m"]]
    assert [[c.value for c in row] for row in bare.iter_rows()] == [["Nothing at all"]]


def test_text_that_would_start_a_formula_is_stored_as_text(tmp_path):
    path = write_workbook(tables(), tmp_path / "tables.xlsx")
    book = load_workbook(path)
    sheet = book["Directorate position"]
    for cell in (sheet["A6"], sheet["A10"], sheet["F7"], book["Empty"]["A1"]):  # data, a "-" per cent, a title
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert sheet["A6"].value == '=HYPERLINK("x")' and not sheet["A5"].quotePrefix
    assert book["Empty"]["A1"].font.b and book["Empty"]["A1"].font.sz == 13
    assert not any("<f>" in xml or "<f " in xml for xml in sheet_xml(path))  # no formula anywhere


def test_text_that_is_an_excel_error_code_is_stored_as_text(tmp_path):
    table = Table("Codes", "Error codes", pd.DataFrame({"Code": ERROR_CODES, "Per cent": ERROR_CODES}),
                  formats={"Per cent": "pct"})
    sheet = load_workbook(write_workbook([table], tmp_path / "tables.xlsx"))["Codes"]
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW):
        assert [(c.value, c.data_type) for c in row] == [(row[0].value, "s")] * 2
    assert [c.value for c in sheet["A"][FIRST_DATA_ROW - 1:]] == ERROR_CODES


def test_control_characters_xml_refuses_are_removed_and_text_is_cut_at_excels_length(tmp_path):
    texts = ["Adults \x01", "\x00a\x08b\x0b\x0c\x0e\x1f", "lone \ud800 surrogate", "\ufffe\uffff", "tab\tand\nline",
             "x" * 40_000, "😀" * 20_000]
    table = Table("Text", "Title \x07", pd.DataFrame({"Text": texts}), caption="x" * 40_000)
    sheet = load_workbook(write_workbook([table], tmp_path / "tables.xlsx"))["Text"]
    assert sheet["A1"].value == "Title " and len(sheet["A2"].value) == MAX_TEXT
    assert [c.value for c in sheet["A"][FIRST_DATA_ROW - 1:]] == [
        "Adults ", "ab", "lone  surrogate", None, "tab\tand\nline", "x" * MAX_TEXT, "😀" * (MAX_TEXT // 2)]


def test_text_shaped_like_rich_text_xml_is_written_as_the_text(tmp_path):
    texts = ["<r>a & b</r>", "<r><t>injected</t></r>", "=<r>x</r>"]
    sheet = load_workbook(write_workbook([Table("Rich", "T", pd.DataFrame({"T": texts}))], tmp_path / "t.xlsx"))["Rich"]
    assert [c.value for c in sheet["A"][FIRST_DATA_ROW - 1:]] == texts


def test_a_large_table_is_written_row_by_row_and_reads_back(tmp_path):
    rows = 5_000  # enough rows to stream; the size changes nothing in how they are written
    frame = pd.DataFrame({"Service area": [f"Service {i}" for i in range(rows)],
                          "Budget £m": pd.array([i * 1_000 if i % 7 else None for i in range(rows)], dtype="Int64"),
                          "Per cent": [i / 8 for i in range(rows)], "Measures": list(range(rows))})
    table = Table("Service areas", "Every service area", frame,
                  formats={"Budget £m": "money", "Per cent": "pct", "Measures": "int"})
    path = write_workbook([table], tmp_path / "tables.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist()  # constant_memory: strings inline, as written
    book = load_workbook(path, read_only=True)
    read = [tuple(r) for r in book["Service areas"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True)]
    book.close()
    assert read == [(f"Service {i}", i * 1_000 / PENCE_PER_MILLION if i % 7 else None, i / 8, i) for i in range(rows)]


def test_two_tables_with_one_sheet_name_are_refused_and_leave_the_previous_workbook(tmp_path):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"the previous, complete workbook")
    with pytest.raises(ValueError, match="share the sheet name"):
        write_workbook([Table("Totals", "A", pd.DataFrame()), Table("TOTALS", "B", pd.DataFrame())], target)
    assert target.read_bytes() == b"the previous, complete workbook"


@pytest.mark.parametrize("why", ["too many rows", "a value refused"])
def test_a_sheet_that_cannot_be_written_leaves_the_previous_workbook(tmp_path, monkeypatch, why):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"the previous, complete workbook")
    bad = tables()
    if why == "too many rows":
        monkeypatch.setattr(spreadsheet, "MAX_ROWS", 9)  # the first sheet needs 10
        error = r"sheet 'Directorate position' is too large for an Excel workbook"
    else:
        bad[0].frame["Budget £m"] = bad[0].frame["Budget £m"].astype(object)
        bad[0].frame.loc[3, "Budget £m"] = "n/a"  # money that is not pence: refused midway through the sheet
        error = "invalid literal"
    with pytest.raises(ValueError, match=error):
        write_workbook(bad, target)
    assert target.read_bytes() == b"the previous, complete workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]


def expected_cell(value, kind: str):
    """What a cell of ``value`` in a column of ``kind`` reads back as: text without the characters XML refuses,
    cut at Excel's length; numbers to the 16 significant figures xlsxwriter writes; no infinities."""
    cell = excel_value(value, kind)
    if isinstance(cell, str):
        refused = [c for c in cell if (ord(c) < 32 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF
                   or c in "\ufffe\uffff"]
        return "".join(c for c in cell if c not in refused)[:MAX_TEXT] or None  # no text left: a blank cell
    if isinstance(cell, bool) or cell is None:
        return cell
    return float(f"{cell:.16g}") if math.isfinite(cell) else None


def cell_type(value) -> str:
    return {bool: "boolean", str: "text", type(None): "blank"}.get(type(value), "number")


@settings(derandomize=True, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html"]),
       st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.booleans(),
                          st.integers(-10 ** 15, 10 ** 15), st.floats(allow_nan=True, allow_infinity=True),
                          st.text(max_size=8),
                          st.sampled_from(["#N/A", "=1+1", " a ", "-3", "a\x01b", "<&>", "_x0041_", "a\rb",
                                           "<r>a & b</r>", "x" * 40_000]),
                          st.builds(np.float64, st.floats(-1e6, 1e6)),
                          st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15))),
                max_size=12))
@example("text", ["-£0.003m", "", "£0.000m", None, "=1", "@"])
@example("pct_signed", [0.5, float("nan"), np.float64(-2.25), float("inf"), -float("inf")])
@example("money", [2 ** 53 + 1, -(2 ** 63) + 1, np.int64(-(2 ** 63)), 0.1 + 0.2])
def test_the_values_written_are_the_values_read_back(tmp_path, kind, values):
    table = Table("Values", "Values", pd.DataFrame({"Value": pd.Series(values, dtype=object)}),
                  formats={"Value": kind})
    try:
        expected = [expected_cell(v, kind) for v in values]
    except Exception as refused:  # noqa: BLE001 - a value its format cannot hold (money that is text)
        with pytest.raises(type(refused)):
            write_workbook([table], tmp_path / "tables.xlsx")
        return
    sheet = load_workbook(write_workbook([table], tmp_path / "tables.xlsx"))["Values"]
    read = [as_excel_reads(sheet.cell(row=r, column=1).value) for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(values))]
    assert read == expected
    assert list(map(cell_type, read)) == list(map(cell_type, expected))  # True is not 1, nor "1" 1
    if kind in EXCEL_FORMATS:
        assert {sheet.cell(row=r, column=1).number_format
                for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(values))} <= {EXCEL_FORMATS[kind]}


def test_an_empty_text_is_a_blank_cell_as_in_the_old_workbooks(tmp_path):
    frame = pd.DataFrame({"Commentary": ["said", "", None], "£m": pd.array([1, None, 2], dtype="Int64")})
    path = write_workbook([Table("Blanks", "Blank cells", frame, formats={"£m": "money"})], tmp_path / "t.xlsx")
    sheet = load_workbook(path)["Blanks"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=FIRST_DATA_ROW)]
    assert rows == [["said", 1 / PENCE_PER_MILLION], [None, None], [None, 2 / PENCE_PER_MILLION]]
