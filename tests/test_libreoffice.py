"""tables.xlsx in a real spreadsheet program: the bundled July 2022 briefing's workbook opened by LibreOffice
Calc (headless), printed to PDF, shown as text and saved again.

Calc's "could not be loaded" writes nothing and still exits 0, so every test checks what it wrote. Marked
``browser`` with the Chromium tests: skipped, with the reason, where ``soffice`` is missing, except under CI,
where the test fails instead (``make browser-deps`` installs it).
"""
from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from briefing.spreadsheet import CONTENTS, EXCEL_FORMATS, FIRST_DATA_ROW, write_workbook
from briefing.tables import format_value
from briefing.workbook import missing

pytestmark = pytest.mark.browser

PERIOD = "2022-07"
A4_LANDSCAPE = (842, 595)  # points
HANG = 600  # seconds: a conversion that takes longer has hung


@pytest.fixture(scope="module")
def soffice() -> str:
    found = shutil.which("soffice")
    if not found:
        reason = "soffice is not installed (make browser-deps installs Debian's libreoffice-calc)"
        if os.environ.get("CI"):
            pytest.fail(f"LibreOffice tests must run in CI: {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def briefing_workbook(data_dir, tmp_path_factory):
    """The bundled July 2022 briefing's tables and its tables.xlsx, as ``save_outputs`` writes it."""
    from briefing.document import build_briefing, check_parameters

    briefing = build_briefing(check_parameters(PERIOD, data_dir=str(data_dir)))
    tables = briefing.tables()
    path = write_workbook(tables, tmp_path_factory.mktemp("workbook") / "tables.xlsx", title=briefing.title)
    return tables, path


def convert(soffice: str, source: Path, to: str, out: Path) -> list[Path]:
    """``source`` opened by Calc and saved as ``to`` (a format, with its filter options) in ``out``: the files
    written. Each conversion has its own profile, so conversions at once do not collide."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--convert-to",
                    to, "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=HANG)
    return sorted(p for p in out.iterdir() if p.is_file())


def test_calc_prints_the_workbook_on_a4_landscape_in_a_page_or_two_a_table(soffice, briefing_workbook, tmp_path):
    from pypdf import PdfReader

    tables, path = briefing_workbook
    written = convert(soffice, path, "pdf", tmp_path)
    assert [p.name for p in written] == ["tables.pdf"], "Calc could not load tables.xlsx"
    pages = PdfReader(written[0]).pages
    sheets = len(tables) + 1  # and the contents
    # 30 sheets printed on 35 pages when this was written; 111 before the print set-up (85 when the issue was
    # raised): every sheet one page wide, so only a long table takes more than one
    assert sheets <= len(pages) <= 2 * sheets
    for page in pages:
        assert tuple(round(float(v)) for v in page.mediabox[2:]) == A4_LANDSCAPE
        assert re.search(r"Page \d+ of \d+", page.extract_text())  # the footer
    text = "\n".join(page.extract_text() for page in pages)
    for table in tables:  # each table's title: in its page header and above it
        assert re.sub(r"\s+", " ", table.title) in re.sub(r"\s+", " ", text), table.key


def shown_by_calc(soffice: str, path: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet's cells as Calc shows them (its CSV export "as shown", one file a sheet), by sheet name."""
    # separator, quote, UTF-8, from row 1, no column types, English (UK), as shown, every sheet to its own file
    options = "44,34,76,1,,2057,false,true,true,false,false,-1"
    written = convert(soffice, path, f"csv:Text - txt - csv (StarCalc):{options}", out)
    sheets = {}
    for file in written:
        with file.open(encoding="utf-8", newline="") as f:
            sheets[file.stem.removeprefix(f"{path.stem}-")] = list(csv.reader(f))
    return sheets


def without_sign_on_nil(text: str) -> str:
    """ "-0.0%" and "+0.0" as "0.0%" and "0.0": Excel's and Calc's formats sign an amount that rounds to nil;
    the briefing does not (``money.units_text``, ``money.percent_text``)."""
    return re.sub(r"^[+-](0\.0%?)$", r"\1", text)


def test_calc_shows_every_figure_as_the_briefing_writes_it(soffice, briefing_workbook, tmp_path):
    tables, path = briefing_workbook
    sheets = shown_by_calc(soffice, path, tmp_path)
    assert set(sheets) == {CONTENTS, *(t.key for t in tables)}
    compared = 0
    for table in tables:
        rows = sheets[table.key]
        headers = rows[FIRST_DATA_ROW - 2]
        for name in table.frame.columns:
            kind = table.formats.get(name, "text")
            if name not in table.figures and kind not in EXCEL_FORMATS:
                continue
            column = headers.index(str(name))
            for i, value in enumerate(table.frame[name].tolist()):
                if name in table.figures:  # Actual or Target: the text, or its figure with the text beside it
                    expected = "" if missing(value) else str(value)
                    shown = rows[FIRST_DATA_ROW - 1 + i][column]
                    beside = rows[FIRST_DATA_ROW - 1 + i][column + 1] if f"{name} as written" in headers else ""
                    assert expected in (shown, beside) and (not beside or expected.startswith(shown)), \
                        (table.key, name, i)
                else:
                    expected = "" if missing(value) else format_value(value, kind)  # a blank for a dash
                    shown = rows[FIRST_DATA_ROW - 1 + i][column]
                    assert without_sign_on_nil(shown) == without_sign_on_nil(expected), (table.key, name, i)
                compared += 1
    assert compared > 500


def values(rows) -> list[list]:
    """Rows of cell values as both Calc and openpyxl read them: blanks as "", trailing blanks dropped."""
    kept = [["" if c is None else c for c in row] for row in rows]
    kept = [row[:max((j + 1 for j, c in enumerate(row) if c != ""), default=0)] for row in kept]
    while kept and not kept[-1]:
        kept.pop()
    return kept


def same(saved, written) -> bool:
    """A cell as Calc saved it is the cell as written: the same text, or the same number to the 15 significant
    figures an OpenDocument file keeps."""
    if isinstance(written, (int, float)) and not isinstance(written, bool):
        return isinstance(saved, (int, float)) and math.isclose(saved, written, rel_tol=1e-14, abs_tol=1e-300)
    return saved == written


def test_calc_opens_and_saves_the_workbook_with_every_value_as_written(soffice, briefing_workbook, tmp_path):
    from python_calamine import CalamineWorkbook

    tables, path = briefing_workbook
    written = convert(soffice, path, "ods", tmp_path)
    assert [p.name for p in written] == ["tables.ods"], "Calc could not load tables.xlsx"
    saved = CalamineWorkbook.from_path(str(written[0]))
    ours = load_workbook(path)
    assert saved.sheet_names == ours.sheetnames == [CONTENTS, *(t.key for t in tables)]
    for name in ours.sheetnames:
        read = values(saved.get_sheet_by_name(name).to_python(skip_empty_area=False))
        expected = values(ours[name].iter_rows(values_only=True))
        assert [len(row) for row in read] == [len(row) for row in expected], name
        for i, (row, wanted) in enumerate(zip(read, expected)):
            assert all(same(a, b) for a, b in zip(row, wanted)), (name, i, row, wanted)
    figures = [row for row in values(ours["Red measures"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True))]
    assert any(isinstance(v, float) and not math.isclose(v, round(v, 1)) for row in figures for v in row)  # unrounded
