"""Reading return sheets: header matching, cell references, and errors that say where."""
import datetime as dt

import pandas as pd
import pytest

from briefing.money import pence_from_millions
from briefing.problems import ReturnError
from briefing.returns import FINANCE, PERFORMANCE
from briefing.workbook import (Column, SheetSpec, Workbook, blank, _convert, cell_ref,
                               column_letter, normalise_header, read_sheet)


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


MESSY = SheetSpec("Messy", (
    Column("name", "Name"),
    Column("amount", "Amount £m", kind="money"),
    Column("count", "Count", kind="number"),
    Column("value", "Value", kind="any"),
    Column("note", "Note", required=False),
))
MESSY_ROWS = [
    [],
    [None, "   "],                                                        # spaces only: still no header
    [None, " name", "AMOUNT £M", "Count", "Value", "Extra", "Note"],       # the header, on row 3, from B
    [None, "Alpha ", 1.5, 3, "x", "e", "ok"],
    [None, None, None, None, None, "only an extra column"],               # blank in every column read
    [None, 10.0, "1,234.5", "about two", 2.5, None, "  "],
    [None, "Beta", "#DIV/0!", "#N/A", dt.date(2022, 7, 1), None, True],
    [],
    [None, "  ", "  ", None, None, None, None],
    [None, "Gamma", -0.015, True, " padded ", None, None],
]


def row_by_row(book: Workbook, spec: SheetSpec, problems: list) -> pd.DataFrame:
    """The sheet read the simple way, a dict per row and a call per cell, for ``read_sheet`` to agree with."""
    sheet = book.find_sheet(spec.sheet)
    rows = book.rows(sheet)
    header = next(i for i, r in enumerate(rows) if any(not blank(v) for v in r))
    headers = [normalise_header(h) for h in rows[header]]
    positions = {c.name: headers.index(normalise_header(c.header)) for c in spec.columns
                 if normalise_header(c.header) in headers}
    letters = {name: column_letter(p) for name, p in positions.items()}
    records = []
    for number, raw in enumerate(rows[header + 1:], start=header + 2):
        values = [raw[positions[c.name]] if c.name in positions else "" for c in spec.columns]
        if all(blank(v) for v in values):
            continue
        record = {"file": book.label, "sheet": sheet, "row": number, "letters": letters}
        for col, value in zip(spec.columns, values):
            record[col.name] = _convert(value, col, book.label, sheet, positions.get(col.name), number, problems)
        records.append(record)
    table = pd.DataFrame.from_records(records, columns=["file", "sheet", "row", "letters"] + spec.names)
    for col in spec.columns:
        if col.kind == "money":
            table[col.name] = pd.array([pence_from_millions(v) for v in table[col.name]], dtype="Int64")
        elif col.kind == "number":
            table[col.name] = pd.to_numeric(table[col.name], errors="coerce").astype("float64")
        elif col.kind == "text":
            table[col.name] = table[col.name].astype("object")
    return table


def test_a_messy_sheet_is_read_column_by_column_as_row_by_row(xlsx):
    book = Workbook.open(xlsx("Messy.xlsx", {"Messy": MESSY_ROWS}))
    problems, expected_problems = [], []
    table = read_sheet(book, MESSY, problems)
    expected = row_by_row(book, MESSY, expected_problems)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert list(table.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    for column in table:  # a blank is the same kind of nothing (NaN, None or NA) as row by row
        assert [type(v) for v in table[column]] == [type(v) for v in expected[column]], column
    assert problems == expected_problems
    assert table["row"].tolist() == [4, 6, 7, 10]
    assert table["name"].tolist() == ["Alpha", "10", "Beta", "Gamma"]
    assert table["amount"].tolist() == [150_000_000, 123_450_000_000, pd.NA, -1_500_000]
    assert table["count"].tolist()[0] == 3.0 and table["count"].iloc[1:].isna().all()
    assert table["value"].tolist()[:2] == ["x", 2.5] and str(table["value"][2])[:10] == "2022-07-01"
    assert table["value"][3] == "padded"
    assert [table["note"][0], table["note"][2]] == ["ok", "True"] and table["note"][[1, 3]].isna().all()
    assert all(letters is table["letters"][0] for letters in table["letters"])
    for column in ("file", "sheet"):  # one text object for every row, not a copy per row
        assert len({id(v) for v in table[column]}) == 1, column
    assert table["letters"][0] == {"name": "B", "amount": "C", "count": "D", "value": "E", "note": "G"}
    assert [str(p) for p in problems] == [
        "Messy.xlsx!Messy!D6: error: Count is text ('about two'), not a number (expected a number)",
        "Messy.xlsx!Messy!C7: error: Amount £m is an Excel error (#DIV/0!) "
        "(expected a value: correct the formula, or type the figure)",
        "Messy.xlsx!Messy!D7: error: Count is an Excel error (#N/A) "
        "(expected a value: correct the formula, or type the figure)",
        "Messy.xlsx!Messy!D10: error: Count is text (True), not a number (expected a number)",
    ]


def test_a_text_columnblank_in_every_row_reads_as_row_by_row(xlsx):
    rows = [[None, "Name", "Amount £m", "Count", "Value", "Note"], [None, "Alpha", 1, 2, None, " "],
            [None, "Beta", 3, 4, None, None]]
    book = Workbook.open(xlsx("Blank.xlsx", {"Messy": rows}))
    table, expected = read_sheet(book, MESSY, []), row_by_row(book, MESSY, [])
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    for column in table:
        assert [type(v) for v in table[column]] == [type(v) for v in expected[column]], column
    assert table["note"].tolist() == [None, None] and table["value"].isna().all()


def test_a_sheet_of_headers_only_reads_as_no_rows(xlsx):
    book = Workbook.open(xlsx("Messy.xlsx", {"Messy": MESSY_ROWS[:3] + [[], [None, " ", None]]}))
    problems, expected_problems = [], []
    table = read_sheet(book, MESSY, problems)
    pd.testing.assert_frame_equal(table, row_by_row(book, MESSY, expected_problems))
    assert table.empty and problems == expected_problems == []
    assert str(table["amount"].dtype) == "Int64" and str(table["count"].dtype) == "float64"
