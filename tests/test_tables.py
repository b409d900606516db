"""tables.xlsx: every table's cells, number formats and layout, as ordinary openpyxl cells would have them."""
import zipfile
import zlib
from copy import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import etree_write_cell
from openpyxl.styles import Font
from xml.etree.ElementTree import tostring

from briefing import tables as tables_module
from briefing.tables import EXCEL_FORMATS, FIRST_DATA_ROW, IllegalCharacterError, SheetRows, Styles, Table, \
    _cell_html, _excel_value, column_html, write_workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def tables() -> list[Table]:
    frame = pd.DataFrame({
        "Directorate": ["Adults", "=HYPERLINK(\"x\")", "  padded ", "a & b <c>", "#N/A", "-3 rows"],
        "Budget £m": pd.array([21_108_300_000, -1_500_000, None, 0, 5, 123], dtype="Int64"),
        "Change £m": pd.array([1, -1, 0, None, 10**8, 2], dtype="Int64"),
        "Per cent": [49.91212653778559, np.nan, -0.0, 100.0, 1e-9, 3.25],
        "Measures": [284, 0, 1, 2, 3, 4],
        "Value": [1.5, "n/a", "-", 7, np.nan, 0.1],
        "Note": ["<b>ok</b>", None, "", "line\nbreak", True, 2.5],
    })
    formats = {"Budget £m": "money", "Change £m": "money_signed", "Per cent": "pct", "Measures": "int",
               "Value": "number", "Note": "html"}
    return [Table("Directorate position", "The council forecasts an overspend", frame, caption="By directorate",
                  source="directorate returns", formats=formats),
            Table("Empty", "=nothing to show", pd.DataFrame(columns=["Line", "£m"]), formats={"£m": "money"}),
            Table("No columns", "Nothing at all", pd.DataFrame())]


def ordinary_workbook(tables: list[Table], path) -> None:
    """The tables written cell by cell as ordinary openpyxl cells: what tables.xlsx must read back as."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key)
        title = as_text(sheet.cell(row=1, column=1, value=table.title))
        title.font = Font(bold=True, size=13)
        if table.caption or table.source:
            as_text(sheet.cell(row=2, column=1, value=" ".join(
                filter(None, [table.caption, f"Source: {table.source}" if table.source else ""]))))
        kinds = [table.formats.get(c, "text") for c in table.frame.columns]
        for j, column in enumerate(table.frame.columns, start=1):
            cell = as_text(sheet.cell(row=4, column=j, value=str(column)))
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(12, min(60, len(str(column)) + 4))
        for i, row in enumerate(table.frame.itertuples(index=False, name=None), start=5):
            for j, (value, kind) in enumerate(zip(row, kinds), start=1):
                cell = as_text(sheet.cell(row=i, column=j, value=_excel_value(value, kind)))
                if kind in EXCEL_FORMATS:
                    cell.number_format = EXCEL_FORMATS[kind]
        sheet.freeze_panes = "A5"
    book.save(path)


def as_text(cell):
    """Text that would start a formula kept as text, with a quote prefix (title, caption, headers and data alike)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def looks(cell) -> tuple:
    """All a reader sees of a cell: where, what, its type, number format and style."""
    return (cell.coordinate, cell.value, cell.data_type, cell.number_format, cell.quotePrefix,
            *(repr(copy(getattr(cell, name))) for name in ("font", "fill", "border", "alignment", "protection")))


@pytest.mark.parametrize("rows_at_once", [tables_module.ROWS_AT_ONCE, 4, 1])  # cells made a block of rows at a time
def test_tables_workbook_reads_back_as_ordinary_openpyxl_cells(tmp_path, monkeypatch, rows_at_once):
    monkeypatch.setattr(tables_module, "ROWS_AT_ONCE", rows_at_once)
    written = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx"))
    ordinary_workbook(tables(), tmp_path / "ordinary.xlsx")
    expected = load_workbook(tmp_path / "ordinary.xlsx")
    assert written.sheetnames == expected.sheetnames == ["Directorate position", "Empty", "No columns"]
    for sheet, reference in zip(written.worksheets, expected.worksheets):
        assert (sheet.freeze_panes, sheet.dimensions) == (reference.freeze_panes, reference.dimensions)
        assert {k: d.width for k, d in sheet.column_dimensions.items()} == \
            {k: d.width for k, d in reference.column_dimensions.items()}
        assert [[looks(c) for c in row] for row in sheet.iter_rows()] == \
            [[looks(c) for c in row] for row in reference.iter_rows()]


def test_tables_workbook_values_formats_and_layout(tmp_path):
    sheet = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx"))["Directorate position"]
    assert sheet["A1"].value == "The council forecasts an overspend" and sheet["A1"].font.sz == 13
    assert sheet["A2"].value == "By directorate Source: directorate returns"
    assert [c.value for c in sheet[4]] == ["Directorate", "Budget £m", "Change £m", "Per cent", "Measures",
                                           "Value", "Note"]
    assert all(c.font.b for c in sheet[4]) and sheet.freeze_panes == "A5" and sheet.dimensions == "A1:G10"
    assert sheet.column_dimensions["A"].width == 15 and sheet.column_dimensions["B"].width == 13
    assert [sheet[f"B{r}"].value for r in range(5, 11)] == [211.083, -0.015, None, 0, 5e-8, 1.23e-6]
    assert {sheet[f"B{r}"].number_format for r in range(5, 11)} == {"#,##0.0"}
    assert sheet["C5"].number_format == "+#,##0.0;-#,##0.0;0.0" and sheet["C9"].value == 1
    assert sheet["D5"].value == 49.91212653778559 and sheet["D5"].number_format == '0.0"%"'
    assert sheet["D6"].value is None and sheet["E5"].value == 284 and sheet["E5"].number_format == "#,##0"
    assert [sheet[f"F{r}"].value for r in range(5, 11)] == [1.5, "n/a", "-", 7, None, 0.1]
    assert sheet["G5"].value == "ok" and sheet["G8"].value == "line\nbreak" and sheet["G10"].value == "2.5"
    assert sheet["A7"].value == "  padded " and sheet["A8"].value == "a & b <c>"
    for cell in (sheet["A6"], sheet["A10"], sheet["F7"]):  # would start a formula: kept as text
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert sheet["A6"].value == '=HYPERLINK("x")' and not sheet["A5"].quotePrefix


def test_a_title_that_would_start_a_formula_is_kept_as_text(tmp_path):
    sheet = load_workbook(write_workbook(tables(), tmp_path / "tables.xlsx"))["Empty"]
    assert sheet["A1"].value == "=nothing to show" and sheet["A1"].data_type == "s" and sheet["A1"].quotePrefix
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 13


def test_a_table_with_text_excel_refuses_leaves_the_previous_workbook(tmp_path):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"the previous, complete workbook")
    bad = tables()
    bad[0].frame.loc[0, "Directorate"] = "Adults \x01"
    with pytest.raises(IllegalCharacterError, match=r"sheet 'Directorate position', cell A5: .*control character"):
        write_workbook(bad, target)
    assert target.read_bytes() == b"the previous, complete workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]


def test_a_sheet_too_large_for_a_workbook_is_named_and_leaves_the_previous_workbook(tmp_path, monkeypatch):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"the previous, complete workbook")
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 2_000)  # a part past it must have been announced as zip64
    with pytest.raises(ValueError, match=r"sheet 'Directorate position' is too large for an Excel workbook"):
        write_workbook(tables(), target)
    assert target.read_bytes() == b"the previous, complete workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]


def test_tables_workbook_parts_are_compressed_at_the_chosen_level(tmp_path):
    with zipfile.ZipFile(write_workbook(tables(), tmp_path / "tables.xlsx")) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml" and names[-1] == "xl/styles.xml"  # styles once every cell is made
        sheet = archive.read("xl/worksheets/sheet1.xml")  # checked against its CRC as it is read
        stored = archive.getinfo("xl/worksheets/sheet1.xml").compress_size
        styles = archive.read("xl/styles.xml")
        styles_stored = archive.getinfo("xl/styles.xml").compress_size
    deflater = tables_module.sheet_deflater()
    assert stored == len(deflater.compress(sheet) + deflater.flush())  # by ISA-L, not zipfile's zlib
    assert stored != len(zlib.compress(sheet, tables_module.DEFLATE_LEVEL)) - 6
    assert styles_stored == len(zlib.compress(styles, tables_module.DEFLATE_LEVEL)) - 6  # raw deflate: no header


@given(st.sampled_from(["text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html"]),
       st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.booleans(),
                          st.integers(-10 ** 15, 10 ** 15), st.floats(allow_nan=True, allow_infinity=True),
                          st.text(max_size=8), st.sampled_from(["#N/A", "=1+1", " a ", "-3", "a\x01b", "<&>"]),
                          st.builds(np.float64, st.floats(-1e6, 1e6)),
                          st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15))),
                max_size=12))
def test_a_column_is_written_as_its_cells_one_by_one(kind, values):
    column_matches_its_cells(kind, values)


@given(st.one_of(
    st.tuples(st.sampled_from(["text", "rag"]),
              st.lists(st.one_of(st.none(), st.text(max_size=6),
                                 st.sampled_from(["#N/A", "=1+1", "-£0.003m", "+1", "@a", " a", "a ", "", "<&>", "x" * 40_000])),
                       max_size=12)),
    st.tuples(st.sampled_from(["money", "money_signed", "int"]),
              st.lists(st.one_of(st.integers(-10 ** 17, 10 ** 17), st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15)),
                                 st.sampled_from([2 ** 53, -(2 ** 53) - 1, 10 ** 19, 5_000_000])), max_size=12)),
    st.tuples(st.sampled_from(["pct", "pct_signed", "number"]),
              st.lists(st.one_of(st.floats(), st.builds(np.float64, st.floats(-1e6, 1e6))), max_size=12))))
@example(("money", [2 ** 53 + 1, 3]))  # past float64's whole numbers: each divided exactly, one by one
@example(("money", [-(2 ** 63) + 1, 3]))
@example(("money", [np.int64(-(2 ** 63)), 3]))  # whose absolute value int64 cannot hold
@example(("text", ["-£0.003m", "", "£0.000m", None]))  # the checks' figures: quoted, empty and plain text
@example(("pct_signed", [0.5, float("nan"), np.float64(-2.25), float("inf"), -float("inf")]))  # blanks, infinities
@example(("text", ["-£0.003m", "", "£0.000m", "=1", "@"]))  # text in every cell, some of it quoted or empty
def test_a_column_of_one_kind_of_value_is_written_as_its_cells_one_by_one(column):
    """The columns written at once (every text plain or blank; every number usual), against cell by cell."""
    column_matches_its_cells(*column)


@given(st.text(st.characters(max_codepoint=0x20AC)) | st.text())
@example("\x85\x1b£")  # Latin-1 beyond ASCII, around a refused control character
@example("€\x81\0")  # text Latin-1 cannot hold: counted in UTF-8
@example("\ud800\x0b")  # a lone surrogate
def test_a_column_is_refused_for_the_control_characters_the_pattern_finds(text):
    """The count of control characters in a joined column's bytes against the pattern itself ("\0" only separates)."""
    assert tables_module._refused_but_nul(text) == bool(tables_module.ILLEGAL_CHARACTERS.search(text.replace("\0", "")))


def column_matches_its_cells(kind, values):
    writer = SheetRows(None, 3, Styles())
    one_by_one = []
    for row, value in enumerate(values, start=FIRST_DATA_ROW):
        try:
            one_by_one.append(writer.cell(row, 2, _excel_value(value, kind), kind))
        except Exception as refused:  # noqa: BLE001 - text Excel refuses, a money cell holding text
            with pytest.raises(type(refused)):
                writer.column(2, values, kind)
            return
    assert writer.column(2, values, kind) == one_by_one


def openpyxl_cell_xml(sheet, ref: str, value, style: tuple) -> str:
    """What openpyxl's own cell writer writes for ``value`` in the style ``(font, kind, quoted)``."""
    font, kind, quoted = style
    cell = WriteOnlyCell(sheet, value)
    if font:
        cell.font = Font(**{"title": {"bold": True, "size": 13}, "header": {"bold": True}}[font])
    if quoted:
        cell.data_type, cell.quotePrefix = "s", True
    if kind in EXCEL_FORMATS:
        cell.number_format = EXCEL_FORMATS[kind]
    cell.row, cell.column = int(ref[1:]), 1
    parts = []

    class Stream:
        def write(self, element):
            parts.append(tostring(element, encoding="unicode"))

    etree_write_cell(Stream(), sheet, cell, cell.has_style)
    return "".join(parts)


@given(st.one_of(st.none(), st.booleans(), st.integers(-10 ** 17, 10 ** 17), st.floats(),
                 st.builds(np.float64, st.floats()), st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15)),
                 st.text(max_size=8), st.text(st.characters(codec="utf-8"), max_size=6).map(lambda t: f" {t}"),
                 st.sampled_from(["#N/A", "#DIV/0!", "", "  ", " a ", "=", "-3", "<&>\"'", "\t", "\x01", "x" * 40_000])),
       st.sampled_from([(None, "text"), ("title", "text"), ("header", "text"), (None, "money"),
                        (None, "pct_signed"), (None, "int")]))
def test_a_cell_is_written_as_openpyxl_writes_it(value, style):
    font, kind = style
    quoted = isinstance(value, str) and value.startswith(FORMULA_START)  # as the writer quotes text
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet")
    styles = Styles()
    styled = font is not None or quoted or kind in EXCEL_FORMATS
    number = styles.id(font, kind, quoted) if styled else None
    try:
        expected = openpyxl_cell_xml(sheet, "A5", value, (font, kind, quoted))
    except Exception:  # noqa: BLE001 - text openpyxl refuses: refused here too, naming the cell
        with pytest.raises(IllegalCharacterError, match="cell A5"):
            SheetRows(None, 1, styles, "Sheet").cell_xml("A5", value, number)
        return
    if value is None and not styled:
        expected = ""  # a sheet skips a blank cell without a style, as openpyxl's write-only sheets do
    if styled:  # openpyxl numbers the style in its own workbook; put ours in its place
        expected = expected.replace(f' s="{openpyxl_style_number(sheet, value, font, kind, quoted)}"', f' s="{number}"')
    assert SheetRows(None, 1, styles, "Sheet").cell_xml("A5", value, number) == expected


def openpyxl_style_number(sheet, value, font, kind, quoted) -> int:
    cell = WriteOnlyCell(sheet, value)
    if font:
        cell.font = Font(**{"title": {"bold": True, "size": 13}, "header": {"bold": True}}[font])
    if quoted:
        cell.quotePrefix = True
    if kind in EXCEL_FORMATS:
        cell.number_format = EXCEL_FORMATS[kind]
    return cell.style_id


@given(st.sampled_from(["text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html"]),
       st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.booleans(),
                          st.integers(-10 ** 20, 10 ** 20), st.sampled_from([5_000_000, -5_000_000, 4_999_999,
                                                                             -15_000_000, 10 ** 18 - 1]),
                          st.floats(allow_nan=True, allow_infinity=False), st.sampled_from([0.05, -0.05, -0.04]),
                          st.text(max_size=8), st.sampled_from(["Green", "a\nb", "<&>", "Red"]),
                          st.builds(np.float64, st.floats(-1e6, 1e6)),
                          st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15))),
                max_size=12))
@example("money", [5_000_000, -5_000_000, 4_999_999, -15_000_000, 0, -1, 123_456_789_012])  # ties round away
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, 10 ** 19])
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, np.int64(-15_000_000), 10 ** 18 - 1])  # all whole
@example("pct_signed", [0.05, -0.04, -0.0, 12345.65, float("nan")])
@example("pct_signed", [0.05, -0.04, -0.0, 0.0, -0.06, 999.94, np.float64(999.96), 12.0])  # floats: all at once
@example("pct", [0.05, -0.04, -0.0, 1e300, float("inf"), -float("inf")])  # thousands separated, and infinities
@example("pct_signed", [float("nan"), 0.05, np.float64("nan"), -0.04])  # floats with blanks among them
@example("pct", [float("nan"), np.float64("nan")])
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, 99_949_999_999])  # under £1,000m: all at once
def test_a_column_is_shown_as_its_cells_one_by_one(kind, values):
    try:
        one_by_one = [_cell_html(value, kind) for value in values]
    except Exception as refused:  # noqa: BLE001 - a value its format cannot show
        with pytest.raises(type(refused)):
            column_html(values, kind)
        return
    assert column_html(values, kind) == one_by_one


@given(st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.text(max_size=4), st.integers(-5, 5),
                          st.floats(allow_nan=False, allow_infinity=False)), max_size=10),
       st.sampled_from([object, "str"]))
def test_a_text_or_object_column_is_read_as_iterating_over_it_reads_it(values, dtype):
    if dtype == "str":
        values = [v for v in values if v is None or isinstance(v, str) or (isinstance(v, float) and v != v)]
    column = pd.Series(values, dtype=dtype)
    taken, iterated = tables_module._values(column), list(column)
    assert [type(v) for v in taken] == [type(v) for v in iterated]
    assert all(a is b or (a != a and b != b) for a, b in zip(taken, iterated))


@given(st.text(), st.dictionaries(st.sampled_from(['"', "'", "\n", "x"]), st.sampled_from(["&quot;", "&#10;", "y"])))
def test_xml_escaping_is_the_standard_librarys(text, entities):
    from xml.sax import saxutils
    assert tables_module.xml_escape(text) == saxutils.escape(text)
    assert tables_module.xml_escape(text, entities) == saxutils.escape(text, entities)
    assert tables_module.quoteattr(text) == saxutils.quoteattr(text)


@given(st.floats(allow_nan=False) | st.integers(-10 ** 6, 10 ** 6).map(lambda n: n / 20) | st.just(-0.0), st.booleans())
@example(0.15, False)
@example(-0.04, True)
@example(0.05, True)
def test_one_decimal_place_is_rounds_figure(value, signed):
    shown = round(value, 1) + 0.0
    assert tables_module._one_place(value, signed) == f"{'+' if signed and shown > 0 else ''}{shown:,.1f}"


@given(st.lists(st.one_of(st.none(), st.integers(-2 ** 62, 2 ** 62)), max_size=30), st.sampled_from(["Int64", "Float64"]))
def test_a_nullable_columns_values_are_what_iterating_gives(values, dtype):
    column = pd.Series(pd.array(values if dtype == "Int64" else [None if v is None else v / 7 for v in values],
                                dtype=dtype))
    got, expected = tables_module._values(column), list(column)
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [v is pd.NA or v == w for v, w in zip(got, expected)] == [True] * len(got)


def test_an_html_table_shows_its_cells_as_they_are_braces_and_markup_included():
    frame = pd.DataFrame({"Service": ["Roads {0}", "Parks {}", "<b>Total</b>"],
                          "Budget £m": pd.array([150_000_000, None, 150_000_000], dtype="Int64")})
    page = tables_module.to_html(Table("Braces", "Title", frame, formats={"Budget £m": "money"}, total_rows=1))
    assert '<tr><th scope="row">Roads {0}</th><td class="num">1.5</td></tr>' in page
    assert '<tr><th scope="row">Parks {}</th><td class="num">–</td></tr>' in page
    assert '<tr class="total"><th scope="row">&lt;b&gt;Total&lt;/b&gt;</th><td class="num">1.5</td></tr>' in page
