"""tables.xlsx: every table's cells, number formats and layout, read back with openpyxl."""
import math
import warnings
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


def widths(sheet) -> list[float]:
    """Each column's width as set, less xlsxwriter's padding (openpyxl keeps alike columns as one range)."""
    found = {}
    for dimension in sheet.column_dimensions.values():
        for column in range(dimension.min, dimension.max + 1):
            found[column] = round(dimension.width - 0.71, 2)
    return [found[c] for c in sorted(found)]


def test_tables_workbook_values_formats_and_layout(tmp_path):
    book = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx"))
    assert book.sheetnames == ["Contents", "Directorate position", "Empty", "No columns"]  # the contents first
    sheet = book["Directorate position"]
    assert sheet["A1"].value == "The council forecasts an overspend" and sheet["A1"].font.b and sheet["A1"].font.sz == 13
    assert sheet["A2"].value == "By directorate Source: directorate returns" and sheet["A3"].value is None
    assert [c.value for c in sheet[4]] == ["Directorate", "Budget £m", "Change £m", "Per cent", "Measures",
                                           "Value", "Note", "RAG"]
    assert all(c.font.b for c in sheet[4]) and sheet.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert sheet.dimensions == "A1:H10"
    assert round(sheet.column_dimensions["A"].width) == 18  # '=HYPERLINK("x")' and 2, as xlsxwriter pads it
    assert [sheet[f"B{r}"].value for r in range(5, 11)] == [211.083, -0.015, None, 0, 5e-8, 1.23e-6]  # unrounded £m
    assert {sheet[f"B{r}"].number_format for r in range(5, 11)} == {EXCEL_FORMATS["money"]}  # blanks too
    assert sheet["C5"].number_format == "+#,##0.0;-#,##0.0;0.0" and sheet["C9"].value == 1
    assert sheet["D5"].value == 49.91212653778559 / 100 and sheet["D5"].number_format == "#,##0.0%"  # a fraction
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
    assert read == [(f"Service {i}", i * 1_000 / PENCE_PER_MILLION if i % 7 else None, i / 8 / 100, i)
                    for i in range(rows)]


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


# The layout for people: contents, widths, wrapped text, totals, figures with their units, print set-up -----------

def test_the_contents_sheet_links_every_table_and_carries_the_documents_title(tmp_path):
    title = "Barsetshire County Council: Business Management and Monitoring Report, July 2022"
    book = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx", title=title))
    contents = book["Contents"]
    assert contents["A1"].value == title and contents["A1"].font.b
    assert [c.value for c in contents[4]] == ["Sheet", "Table", "Rows"]
    rows = [[c.value for c in row] for row in contents.iter_rows(min_row=FIRST_DATA_ROW)]
    assert rows == [["Directorate position", "The council forecasts an overspend", 6], ["Empty", "=nothing to show", 0],
                    ["No columns", "Nothing at all", 0]]
    links = [contents.cell(row=r, column=1).hyperlink for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3)]
    assert [link.location for link in links] == ["'Directorate position'!A1", "'Empty'!A1", "'No columns'!A1"]
    assert contents["B6"].data_type == "s" and contents["B6"].quotePrefix  # a title is text, never a formula
    assert contents["C5"].number_format == "#,##0"
    assert load_workbook(write_workbook(tables(), tmp_path / "untitled.xlsx"))["Contents"]["A1"].value


def test_a_sheet_name_with_an_apostrophe_is_linked_and_contents_is_a_name_no_table_may_take(tmp_path):
    book = load_workbook(write_workbook([Table("Director's view", "T", pd.DataFrame({"A": [1]}))],
                                       tmp_path / "tables.xlsx"))
    assert book["Contents"]["A5"].hyperlink.location == "'Director''s view'!A1"
    with pytest.raises(ValueError, match="share the sheet name"):
        write_workbook([Table("CONTENTS", "T", pd.DataFrame())], tmp_path / "clash.xlsx")


def test_columns_fit_their_contents_long_text_wraps_at_the_top_and_rows_are_tall_enough(tmp_path):
    commentary = "Demand has not fallen back after the spring peak and only about a fifth of contacts lead on. " * 3
    frame = pd.DataFrame({"Measure": ["OCC07.01", "OCC07.02"],
                          "Variance July 2022 £m": pd.array([10**8, 5], dtype="Int64"),
                          "Commentary": [commentary, "Short."], "Which measures": ["a\nb\nc", "d"]})
    sheet = load_workbook(write_workbook([Table("Wrap", "T", frame, formats={"Variance July 2022 £m": "money"})],
                                         tmp_path / "t.xlsx"))["Wrap"]
    assert widths(sheet) == [len("OCC07.01") + 2, spreadsheet.HEADER_LINE + 2,  # a long header wraps, not widens
                             spreadsheet.MAX_WIDTH, spreadsheet.HEADER_LINE + 2]  # the commentary is capped, wraps
    assert sheet["B4"].alignment.wrap_text and sheet.row_dimensions[4].height == 3 * spreadsheet.LINE_HEIGHT
    assert sheet["C5"].alignment.wrap_text and sheet["C5"].alignment.vertical == "top"
    assert sheet["D5"].alignment.wrap_text  # lines are shown as lines
    assert not sheet["A5"].alignment.wrap_text and sheet["A5"].alignment.vertical == "top"
    lines = spreadsheet.line_count(commentary, spreadsheet.MAX_WIDTH)
    assert lines >= len(commentary) / spreadsheet.MAX_WIDTH
    assert sheet.row_dimensions[5].height == lines * spreadsheet.LINE_HEIGHT
    assert sheet.row_dimensions[6].height is None  # a row of one line is left to the program


def test_a_table_wider_than_a_page_has_its_widest_columns_narrowed_to_one_width(tmp_path):
    frame = pd.DataFrame({f"Text {i}": ["word " * (10 + 5 * i)] for i in range(6)} | {"N": [1]})
    path = write_workbook([Table("Wide", "T", frame, formats={"N": "int"})], tmp_path / "t.xlsx")
    sheet = load_workbook(path)["Wide"]
    found = widths(sheet)
    assert sum(found) <= spreadsheet.PAGE_WIDTH and found[-1] == spreadsheet.MIN_WIDTH
    assert len(set(found[:-1])) == 1 and found[0] > spreadsheet.NARROWEST  # the widest narrowed alike
    assert all(sheet.cell(row=FIRST_DATA_ROW, column=j).alignment.wrap_text for j in range(2, 7))


def test_total_rows_are_bold_and_the_filter_leaves_them_below(tmp_path):
    frame = pd.DataFrame({"Directorate": ["Adults", "Children", "Total"],
                          "Budget £m": pd.array([1, 2, 3], dtype="Int64")})
    sheet = load_workbook(write_workbook([Table("Totals", "T", frame, formats={"Budget £m": "money"}, total_rows=1)],
                                         tmp_path / "t.xlsx"))["Totals"]
    assert [sheet[f"A{r}"].font.b for r in (5, 6, 7)] == [False, False, True]
    assert sheet["B7"].font.b and sheet["B7"].number_format == EXCEL_FORMATS["money"]
    assert sheet.auto_filter.ref == "A4:B6" and sheet.freeze_panes == "A5"


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_its_title_and_page_numbers(tmp_path):
    book = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx", title="Barsetshire & Co, July 2022"))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToHeight) == ("landscape", 9, 0), sheet.title
        assert setup.fitToWidth in (None, 1) and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddFooter.left.text == "Barsetshire && Co, July 2022"  # "&" alone would start a code
        assert sheet.oddFooter.right.text == "Page &P of &N"
    assert book["Directorate position"].print_title_rows == "$4:$4"  # the header row on every page
    assert book["Directorate position"].oddHeader.center.text == "The council forecasts an overspend"
    assert book["Empty"].oddHeader.center.text == "=nothing to show"
    untitled = load_workbook(write_workbook(tables(), tmp_path / "untitled.xlsx"))["Empty"]
    assert untitled.oddFooter.center.text == "Page &P of &N" and untitled.oddFooter.left.text is None


@pytest.mark.parametrize("title,header", [
    ("R&G and the &[Picture] of &&G", "R&& G and the && [Picture] of &&&& G"),  # xlsxwriter's image places kept apart
    ("line\nbreak \x07", "line break"), ("a" * 400, "a" * 252 + "…"), ("&" * 300, "&&" * 126 + "…"),
    ("😀" * 200, "😀" * 126 + "…")])  # Excel counts UTF-16 units: 255 in all, less the two of "&C"
def test_a_page_header_is_the_title_on_one_line_within_excels_limit(tmp_path, title, header):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter drops a header it refuses, with a warning
        sheet = load_workbook(write_workbook([Table("T", title, pd.DataFrame({"A": [1]}))], tmp_path / "t.xlsx"))["T"]
    assert sheet.oddHeader.center.text == header


def measures_table(as_written: bool = True) -> Table:
    """A measures table as ``performance_tables`` makes one: Actual and Target as text, with their figures."""
    frame = pd.DataFrame({"Measure": ["OCC07.08", "OCC11.05", "OCC05.02", "OCC07.03", "OCC10.01", "OCC04.03"],
                          "Actual": ["53.9%", "£17.5m", "2.5 days", "171", "Top quartile", None],
                          "Target": ["60%", "£15.0m", '2 "days"', "200 (year to date)", "Top quartile", "n/a"]})
    # a unit with a quote cannot be carried by a number format as pandas and openpyxl read one: the text stays
    figures = {"Actual": pd.DataFrame({"value": [53.9, 17.53, 2.5, 171, np.nan, np.nan],
                                       "unit": ["%", "£m", "days", "number", "%", ""], "as_written": ""}),
               "Target": pd.DataFrame({"value": [60, 15, 2, 200, np.nan, np.nan],
                                       "unit": ["%", "£m", '"days"', "", "%", ""],
                                       "as_written": ["", "", "", "200 (year to date)" if as_written else "", "", ""]})}
    return Table("Measures", "Measures", frame, formats={"Actual": "number"}, figures=figures)


def test_a_measures_actual_and_target_are_numbers_formatted_with_their_units(tmp_path):
    sheet = load_workbook(write_workbook([measures_table()], tmp_path / "t.xlsx"))["Measures"]
    assert [c.value for c in sheet[4]] == ["Measure", "Actual", "Target", "Target as written"]
    actual = [(sheet[f"B{r}"].value, sheet[f"B{r}"].number_format) for r in range(5, 11)]
    assert actual == [(0.539, "#,##0.0#%"), (17.53, '"£"#,##0.0"m";-"£"#,##0.0"m"'), (2.5, '#,##0.0#" days"'),
                      (171, "#,##0"), ("Top quartile", "General"), (None, "General")]  # £m unrounded
    target = [(sheet[f"C{r}"].value, sheet[f"C{r}"].number_format) for r in range(5, 11)]
    assert target == [(0.6, "#,##0%"), (15, '"£"#,##0.0"m";-"£"#,##0.0"m"'), ('2 "days"', "General"),
                      (200, "#,##0"), ("Top quartile", "General"), ("n/a", "General")]
    assert [sheet[f"D{r}"].value for r in range(5, 11)] == [None, None, None, "200 (year to date)", None, None]
    assert sheet["D8"].data_type == "s"


def test_a_figure_column_has_its_text_beside_it_only_where_a_number_would_lose_what_it_says(tmp_path):
    sheet = load_workbook(write_workbook([measures_table(as_written=False)], tmp_path / "t.xlsx"))["Measures"]
    assert [c.value for c in sheet[4]] == ["Measure", "Actual", "Target"]
    wrong = measures_table()
    wrong.figures["Target"] = wrong.figures["Target"].iloc[:2]
    with pytest.raises(ValueError, match="the figures of 'Target' are 2 rows, not 6"):
        write_workbook([wrong], tmp_path / "wrong.xlsx")


@pytest.mark.parametrize("period", ["2022-07", "2022-09"])  # September: a quarter's end, with its dashboard
def test_the_briefings_actuals_and_targets_are_its_figures(data_dir, tmp_path, period):
    """Every Actual and Target of the bundled briefing's tables is, as a number with its unit, the text the
    briefing shows (``performance.with_unit``), or that text is in the column beside it."""
    from briefing.document import build_briefing, check_parameters
    from briefing.performance import with_unit

    briefing = build_briefing(check_parameters(period, data_dir=str(data_dir)))
    measures = [t for t in briefing.tables() if t.figures]
    measures += [t for t in briefing.for_directorate(briefing.directorates[0]).tables() if t.figures]
    expected = {"Red measures", "Highlights", "Director assessments", "Directorate measures"}
    assert {t.key for t in measures} >= expected | ({"Quarterly dashboard"} if period == "2022-09" else set())
    book = load_workbook(write_workbook(measures, tmp_path / "tables.xlsx"))
    numbers = 0
    for table in measures:
        sheet = book[table.key]
        headers = [c.value for c in sheet[4]]
        for name, figures in table.figures.items():
            column = headers.index(name) + 1
            for i, (text, unit) in enumerate(zip(table.frame[name], figures["unit"])):
                cell = sheet.cell(row=FIRST_DATA_ROW + i, column=column)
                if isinstance(cell.value, str) or cell.value is None:
                    assert cell.value == (None if pd.isna(text) or text == "" else text), (table.key, name, i)
                    continue
                numbers += 1
                value = cell.value * 100 if unit == "%" else cell.value
                beside = sheet.cell(row=FIRST_DATA_ROW + i, column=column + 1).value if f"{name} as written" in \
                    headers else None
                assert text in (with_unit(value, unit), beside), (table.key, name, i)
    assert numbers >= 20
