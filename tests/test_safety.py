"""Nothing lost, nothing unsafe: inputs untouched, outputs whole, text from returns inert, bad files refused.

One session build runs the real command on a copy of the bundled data in
which one directorate's return is corrupt, another has a broken cell, and the
commentaries carry HTML and formulas; the tests below read what it wrote.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from briefing import cli
from briefing.outputs import atomic_path
from briefing.params import load_settings
from briefing.problems import RETURN_INVALID, ReturnError
from briefing.register import load_register
from briefing.returns import load_period
from briefing.validation import validate_period
from briefing.workbook import Workbook
from broken_returns import ADULTS, CHILDREN, HEALTH, PERIOD, copy_data, edit_sheet, set_cells

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'
FORMULAS = ['=HYPERLINK("http://example.com","click")', "+1+1", "-2+3", "@SUM(A1)"]


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def break_for_the_build(data: Path) -> None:
    """Public Health's return corrupt; one Adult Services actual an Excel error; hostile commentary."""
    path = data / "returns" / PERIOD / HEALTH
    path.write_bytes(path.read_bytes()[:2000])
    set_cells(ADULTS, "Performance", B4="#REF!")(data)
    set_cells(CHILDREN, "Performance", E2=SCRIPT)(data)
    edit_sheet(CHILDREN, "Performance", typed_as_text(E6=FORMULAS[0]))(data)  # E2, E6: Red, so shown as exceptions
    set_cells(CHILDREN, "Finance", E2=IMAGE)(data)
    edit_sheet(CHILDREN, "Finance", typed_as_text(E3=FORMULAS[1], E4=FORMULAS[2], E5=FORMULAS[3]))(data)


def typed_as_text(**cells):
    """Text typed into cells as text (as Excel stores ``'=1+1``), not as a formula."""
    def change(sheet) -> None:
        for cell, text in cells.items():
            sheet[cell].value = text
            sheet[cell].data_type = "s"
    return change


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    """(data, output folder, input hashes before, after, exit code) of one real run on the broken copy."""
    root = tmp_path_factory.mktemp("broken-build")
    data = copy_data(root / "data")
    break_for_the_build(data)
    before = hashes(data)
    code = cli.main(["run", PERIOD, "--data-dir", str(data), "--output-dir", str(root / "out"), "--jobs", "2",
                     "--no-progress"])
    return data, root / "out" / PERIOD, before, hashes(data), code


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Inputs are never written to ------------------------------------------------------------------

def test_a_run_leaves_every_input_byte_for_byte_as_it_was(broken_build):
    _, _, before, after, code = broken_build
    assert code == 0
    assert len(before) > 30
    assert after == before


# A corrupt return does not stop the briefing --------------------------------------------------

def test_the_briefing_is_built_and_its_banner_names_the_corrupt_and_the_flawed_returns(broken_build):
    _, out, *_ = broken_build
    page = (out / "briefing.html").read_text(encoding="utf-8")
    banner = text_of(" ".join(re.findall(r'<p class="banner">(.*?)</p>', page)))
    assert "Returns missing or invalid: Public Health (workbook is corrupt" in banner
    assert "Returns with errors: Adult Services (1 error)" in banner
    headlines = text_of(" ".join(re.findall(r'<ul class="headlines">(.*?)</ul>', page)))
    assert "Directorates: forecast variance not available: no usable return from Public Health" in headlines
    assert "the year-end forecast needs every return, and there is no usable return from Public Health" in headlines
    directorate = (out / "directorates" / "Public Health.html").read_text(encoding="utf-8")
    assert "Returns missing or invalid: Public Health" in text_of(directorate)
    other = (out / "directorates" / "Environment & Place.html").read_text(encoding="utf-8")
    assert 'class="banner"' not in other


def test_the_other_directorates_figures_are_complete(broken_build, data_dir):
    data, out, *_ = broken_build
    position = pd.read_excel(out / "tables.xlsx", sheet_name="Directorate position", header=3, engine="openpyxl") \
        .set_index("Directorate")
    register = load_register(data_dir, PERIOD)
    bundled = load_period(data_dir, PERIOD, list(dict.fromkeys(register["directorate"]))).finance
    for directorate, lines in bundled.groupby("directorate"):
        shown = position.loc[directorate, "Latest budget £m"]
        if directorate == "Public Health":
            assert pd.isna(shown)
        else:
            assert shown == pytest.approx(int(lines["latest_budget"].sum()) / 1e8, abs=1e-9)
    assert pd.isna(position.loc["Total directorate budgets", "Latest budget £m"])  # a total never skips a line


def test_measures_of_the_corrupt_and_the_broken_rows_are_not_available_the_rest_rated(broken_build):
    data, out, *_ = broken_build
    missing = pd.read_excel(out / "tables.xlsx", sheet_name="Not reported", header=3,
                            engine="openpyxl").set_index("Measure ID")
    register = load_register(data, PERIOD).set_index("measure_id")
    health = missing[missing["Directorate"] == "Public Health"]
    assert len(health) > 0 and health["Reason"].str.startswith(f"{RETURN_INVALID} (workbook is corrupt").all()
    assert missing.loc["OCC04.03", "Reason"] == f"{RETURN_INVALID}: Actual is an Excel error (#REF!)"
    assert set(missing.index) - {"OCC04.03"} - set(health.index) <= set(
        register.index[register["directorate"] != "Adult Services"])  # no other Adult Services measure lost
    summary = pd.read_excel(out / "tables.xlsx", sheet_name="RAG by directorate", header=3, engine="openpyxl")
    assert summary.select_dtypes("number").sum().sum() > 0


def test_data_quality_section_and_sheet_list_exactly_what_validate_prints(broken_build):
    data, out, *_ = broken_build
    printed = validate_period(load_settings(data_dir=str(data)), PERIOD)
    sheet = pd.read_excel(out / "tables.xlsx", sheet_name="Data quality", header=3, engine="openpyxl")
    assert sorted(sheet["Where"]) == sorted(p.location for p in printed)
    assert sorted(sheet["Problem"]) == sorted(p.message for p in printed)
    page = text_of((out / "annex.html").read_text(encoding="utf-8"))  # the Data quality section
    quality = page[page.index("Data quality"):]
    for problem in printed:
        assert problem.location.replace("'", "&#x27;") in quality or problem.location in quality


# Text from returns is inert ---------------------------------------------------------------------

def test_commentary_is_escaped_in_every_document(broken_build):
    _, out, *_ = broken_build
    pages = [out / "briefing.html", out / "annex.html", out / "directorates" / "Children's Services.html"]
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert "<script" not in page.lower()
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path.name
    assert "&lt;img src=x onerror=" in pages[1].read_text(encoding="utf-8")  # the Red measures table


def test_commentary_that_looks_like_a_formula_is_text_in_tables_xlsx(broken_build):
    _, out, *_ = broken_build
    book = load_workbook(out / "tables.xlsx")
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(f in cell.value for f in FORMULAS):
                    found[f"{sheet.title}!{cell.coordinate}"] = (cell.value, cell.data_type)
    starting = {k: v for k, v in found.items() if v[0].startswith(("=", "+", "-", "@"))}
    assert {v[0] for v in starting.values()} >= {FORMULAS[0]}, found
    assert all(kind == "s" for _, kind in starting.values()), starting
    with zipfile.ZipFile(out / "tables.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


# Outputs are written atomically ------------------------------------------------------------

def test_a_failed_run_leaves_the_previous_outputs_whole(broken_build, tmp_path):
    data, out, *_ = broken_build
    previous = tmp_path / "out"
    shutil.copytree(out.parent, previous)
    before = hashes(previous)
    bad = copy_data(tmp_path / "bad")
    (bad / "register" / "2022-23.xlsx").write_bytes(b"not a workbook")
    code = cli.main(["run", PERIOD, "--data-dir", str(bad), "--output-dir", str(previous), "--jobs", "1",
                     "--no-progress"])
    assert code == 1
    after = hashes(previous)
    assert {k: v for k, v in after.items() if k != "index.html"} == \
        {k: v for k, v in before.items() if k != "index.html"}
    assert not [p for p in previous.rglob("*") if p.name.startswith(".")]  # no staging or temporary files left


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "tables.xlsx"
    target.write_bytes(b"the previous, complete file")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a wor")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"the previous, complete file"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]


# Excel files are opened defensively --------------------------------------------------------

def test_openpyxl_parses_xml_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML
    assert DEFUSEDXML


def _forge_sizes(path: Path, stated: int) -> None:
    """Rewrite every header of a (non-zip64) archive to state ``stated`` bytes uncompressed."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset:start + offset + 4] = struct.pack("<I", stated)
            start += 4
    path.write_bytes(bytes(data))


def test_a_zip_bomb_that_lies_about_its_size_is_refused(tmp_path):
    path = tmp_path / "Public Health.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 << 20))
    _forge_sizes(path, 1000)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) == 1000  # what the headers claim
    with pytest.raises(ReturnError, match="corrupt"):
        Workbook.open(path)


def test_a_true_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    from briefing import archive
    monkeypatch.setattr(archive, "MAX_UNCOMPRESSED_BYTES", 4 << 20)
    path = tmp_path / "Public Health.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 << 20))
    with pytest.raises(ReturnError, match="it may be a zip bomb") as err:
        Workbook.open(path)
    assert err.value.problem.file == "Public Health.xlsx"


def test_a_workbook_whose_xml_declares_entities_is_refused(tmp_path, xlsx):
    path = xlsx("Public Health.xlsx", {"Performance": [["Measure ID", "Actual"], ["OCC03.04", "#DIV/0!"]]})
    laughs = b'<!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    rewritten = tmp_path / "rewritten.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b"?>" + laughs, 1) if data.startswith(b"<?xml") else laughs + data
            target.writestr(item, data)
    with pytest.raises(ReturnError, match="declares entities or a DTD"):
        Workbook.open(rewritten)


# Names that become paths ------------------------------------------------------------------

@pytest.mark.parametrize("period", ["../../etc", "2022-07/../../etc", "..", "2022-7"])
def test_a_period_that_is_not_a_month_is_refused_by_every_command(period, capsys, tmp_path):
    assert cli.main(["validate", period]) == 2
    assert cli.main(["run", period, "--output-dir", str(tmp_path), "--no-progress"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_directorate_named_like_a_path_is_refused_and_nothing_is_written(tmp_path, capsys):
    data = copy_data(tmp_path / "data")
    set_cells("register/2022-23.xlsx", "Measures", D35="../../etc")(data)
    out = tmp_path / "out"
    assert cli.main(["run", PERIOD, "--data-dir", str(data), "--output-dir", str(out), "--no-progress"]) == 2
    assert "'../../etc.html' cannot be used as a file or folder name" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "etc.html").exists()
