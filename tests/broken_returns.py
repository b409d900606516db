"""A corpus of broken returns: each case breaks a copy of the bundled data one way.

Each ``Case`` names the function that breaks the copy, and the problem
``briefing validate`` must then report: where (file, sheet and cell, as the
analyst would look it up), a fragment of the message, and its severity.
``tests/test_validation.py`` checks every case; run this file to write the
corpus out for a look by hand:

    .venv/bin/python tests/broken_returns.py /tmp/broken-returns

writes one data folder per case (``<case>/data``, usable with
``briefing validate 2022-07 --data-dir <case>/data``) and ``expected.txt``.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PERIOD = "2022-07"
HISTORY = ("2022-03", "2022-04", "2022-05", "2022-06")  # enough earlier months for the out-of-line check
REGISTER = "register/2022-23.xlsx"
CHILDREN = "Children's Services.xlsx"
ADULTS = "Adult Services.xlsx"
HEALTH = "Public Health.xlsx"
CORPORATE = "Corporate.xlsx"


@dataclass(frozen=True)
class Case:
    """One broken return and the problem it must produce."""

    name: str
    breaks: Callable[[Path], None]
    location: str
    message: str
    severity: str = "error"


def copy_data(target: Path) -> Path:
    """A copy of the bundled register and of the returns this corpus needs, under ``target``."""
    shutil.copytree(DATA_DIR / "register", target / "register")
    for period in (*HISTORY, PERIOD):
        shutil.copytree(DATA_DIR / "returns" / period, target / "returns" / period)
    return target


# Ways of breaking a copy -----------------------------------------------------------------

def _path(data: Path, file: str) -> Path:
    return data / file if file.startswith("register/") else data / "returns" / PERIOD / file


def set_cells(file: str, sheet: str, **cells) -> Callable[[Path], None]:
    """Type values into cells (``B2=...``); ``None`` empties a cell."""
    def breaks(data: Path) -> None:
        path = _path(data, file)
        book = load_workbook(path)
        for cell, value in cells.items():
            book[sheet][cell] = value
        book.save(path)
    return breaks


def edit_sheet(file: str, sheet: str, change: Callable) -> Callable[[Path], None]:
    """Apply ``change(worksheet)`` to a sheet and save."""
    def breaks(data: Path) -> None:
        path = _path(data, file)
        book = load_workbook(path)
        change(book[sheet])
        book.save(path)
    return breaks


def remove_sheet(file: str, sheet: str) -> Callable[[Path], None]:
    def breaks(data: Path) -> None:
        path = _path(data, file)
        book = load_workbook(path)
        book.remove(book[sheet])
        book.save(path)
    return breaks


def remove_file(file: str) -> Callable[[Path], None]:
    return lambda data: _path(data, file).unlink()


def replace_bytes(file: str, content: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Replace a file's bytes with ``content(old bytes)``."""
    def breaks(data: Path) -> None:
        path = _path(data, file)
        path.write_bytes(content(path.read_bytes()))
    return breaks


def move_row(source: str, target: str, row: int) -> Callable[[Path], None]:
    """Move a Performance row from one return to the end of another's."""
    def breaks(data: Path) -> None:
        source_path, target_path = _path(data, source), _path(data, target)
        book = load_workbook(source_path)
        values = [c.value for c in book["Performance"][row]]
        book["Performance"].delete_rows(row)
        book.save(source_path)
        book = load_workbook(target_path)
        book["Performance"].append(values)
        book.save(target_path)
    return breaks


def copy_file(file: str, name: str) -> Callable[[Path], None]:
    return lambda data: shutil.copy(_path(data, file), _path(data, name))


def ole_file(encrypted: bool) -> Callable[[bytes], bytes]:
    """The start of an OLE2 compound file, as an .xls workbook or a password-protected .xlsx is."""
    stream = "EncryptedPackage" if encrypted else "Workbook"
    return lambda old: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + stream.encode("utf-16-le") + b"\0" * 1024


def zip_bomb(path: Path) -> None:
    """A small .xlsx whose worksheet inflates to 201 MB of zeros (its header states the true size)."""
    path.unlink()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(201):
                member.write(block)


def oversized(path: Path) -> None:
    """An .xlsx of 21 MB (incompressible padding in a stored member)."""
    shutil.copy(path, path.with_suffix(".tmp"))
    with zipfile.ZipFile(path.with_suffix(".tmp"), "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/padding.bin", os.urandom(21 * 1024 * 1024))
    path.with_suffix(".tmp").replace(path)


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    """The path of ``sheet``'s XML part in a workbook archive (from the workbook and its relationships)."""
    workbook = archive.read("xl/workbook.xml").decode()
    relationships = archive.read("xl/_rels/workbook.xml.rels").decode()
    tag = next(t for t in re.findall(r"<sheet\b[^>]*>", workbook) if f'name="{sheet}"' in t)
    rid = re.search(r'r:id="([^"]+)"', tag).group(1)
    target = next(re.search(r'Target="([^"]+)"', t).group(1) for t in re.findall(r"<Relationship\b[^>]*>",
                                                                              relationships) if f'Id="{rid}"' in t)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def edit_part(file: str, part: str, change: Callable[[bytes], bytes], encrypt: bool = False) -> Callable[[Path], None]:
    """Rewrite one XML part of a return (``part``: a sheet's name, or the part's path in the archive) with
    ``change(old bytes)``; with ``encrypt``, every part's entry is also flagged as encrypted."""
    def breaks(data: Path) -> None:
        path = _path(data, file)
        with zipfile.ZipFile(path) as archive:
            member = part if "/" in part or part.startswith("[") else sheet_part(archive, part)
            contents = [(info, archive.read(info.filename)) for info in archive.infolist()]
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for info, data_ in contents:
                archive.writestr(info.filename, change(data_) if info.filename == member else data_)
        if encrypt:  # the general-purpose flag's bit 0, in the local and central headers of each entry
            raw = bytearray(path.read_bytes())
            for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
                for match in re.finditer(re.escape(signature), raw):
                    raw[match.start() + offset] |= 1
            path.write_bytes(bytes(raw))
    return breaks


def append_row(xml: str) -> Callable[[bytes], bytes]:
    """Add a row of cells (their XML) at the end of a sheet's data."""
    return lambda old: old.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


def in_cell(ref: str, xml: bytes) -> Callable[[bytes], bytes]:
    """Replace the content of cell ``ref`` (its value or inline string) with raw ``xml``."""
    def change(old: bytes) -> bytes:
        pattern = re.compile(rb'(<c r="' + ref.encode() + rb'"[^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
        return pattern.sub(lambda m: re.sub(rb'\st="[^"]*"', b"", m.group(1)) + b">" + xml + b"</c>", old, count=1)
    return change


def hide_sheet(file: str, sheet: str, state: str = "hidden", copy_as: str | None = None) -> Callable[[Path], None]:
    """Hide ``sheet`` in Excel; with ``copy_as``, first put a hidden copy named ``copy_as`` before it, its first
    Actual changed to 1 (figures the return does not show), and leave the real sheet visible."""
    def breaks(data: Path) -> None:
        path = _path(data, file)
        book = load_workbook(path)
        target = book[sheet]
        if copy_as:
            target = book.copy_worksheet(book[sheet])
            target.title = copy_as
            target["B2"] = 1
            book.move_sheet(target, -(len(book.sheetnames) - 1))
        target.sheet_state = state
        book.save(path)
    return breaks


def on_return(file: str, change: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda data: change(_path(data, file))


def typed(name: str, file: str, sheet: str, cell: str, value, message: str, severity: str = "error") -> Case:
    """A case that types ``value`` into one cell and expects its problem at that same cell."""
    return Case(name, set_cells(file, sheet, **{cell: value}), f"{file}!{sheet}!{cell}", message, severity)


# The corpus ------------------------------------------------------------------------------------

CASES = [
    # A return, sheet or column missing
    Case("missing workbook", remove_file(ADULTS), ADULTS, "no return from Adult Services for 2022-07"),
    Case("missing sheet", remove_sheet(ADULTS, "Finance"), f"{ADULTS}!Finance", "sheet 'Finance' is missing"),
    Case("missing corporate sheet", remove_sheet(CORPORATE, "Balances"), f"{CORPORATE}!Balances",
         "sheet 'Balances' is missing"),
    Case("missing column", set_cells(CHILDREN, "Performance", B1="Value"), f"{CHILDREN}!Performance!A1",
         "column 'Actual' missing from the header row"),
    Case("missing money column", set_cells(HEALTH, "Finance", C1="Forecast"), f"{HEALTH}!Finance!A1",
         "column 'Forecast outturn £m' missing from the header row"),
    Case("missing register", remove_file(REGISTER), REGISTER, "file not found"),
    # Files that are not safe, readable workbooks
    Case("csv renamed", replace_bytes(HEALTH, lambda old: b"Measure ID,Actual\nOCC03.04,12\n"), HEALTH,
         "not an Excel workbook (it may be a CSV or text file renamed .xlsx)"),
    Case("old xls", replace_bytes(HEALTH, ole_file(encrypted=False)), HEALTH, "file is an old .xls workbook"),
    Case("password-protected", replace_bytes(HEALTH, ole_file(encrypted=True)), HEALTH,
         "workbook is password-protected"),
    Case("truncated", replace_bytes(HEALTH, lambda old: old[: len(old) // 2]), HEALTH, "workbook is corrupt"),
    Case("zip bomb", on_return(HEALTH, zip_bomb), HEALTH, "refused as unsafe: it may be a zip bomb"),
    Case("oversized", on_return(HEALTH, oversized), HEALTH, "workbook is 21.0 MB, over the 20 MB limit"),
    # The cover says another period or directorate
    typed("cover period", CHILDREN, "Cover", "B3", "2022-06",
          "return says period 2022-06 but is in the 2022-07 folder"),
    typed("cover directorate", ADULTS, "Cover", "B2", "Public Health", "return says it is from 'Public Health'"),
    # Measure IDs
    typed("unknown measure", CHILDREN, "Performance", "A2", "OCC7.01", "Measure ID 'OCC7.01' is not in the register"),
    Case("repeated measure", set_cells(CHILDREN, "Performance", A3="OCC07.01"), f"{CHILDREN}!Performance!A2",
         f"OCC07.01 is reported more than once (also at {CHILDREN}!Performance!A3)"),
    Case("wrong directorate", move_row(ADULTS, CHILDREN, 10), f"{CHILDREN}!Performance!A12",
         "OCC04.09 belongs to Adult Services in the register, not Children's Services"),
    typed("blank measure id", CHILDREN, "Performance", "A4", None, "Measure ID is blank"),
    Case("due measure missing", edit_sheet(CHILDREN, "Performance", lambda s: s.delete_rows(11)),
         f"{CHILDREN}!Performance!A11", "OCC07.10 is due in July 2022 but is not in the return"),
    typed("due measure empty", CHILDREN, "Performance", "B2", None,
          "OCC07.01 is due in July 2022 but has no Actual and no Not reported reason"),
    # Actuals
    typed("text actual", CHILDREN, "Performance", "B2", "n/a", "Actual is text ('n/a'), not a number"),
    typed("div0 actual", CHILDREN, "Performance", "B3", "#DIV/0!", "Actual is an Excel error (#DIV/0!)"),
    typed("ref actual", ADULTS, "Performance", "B4", "#REF!", "Actual is an Excel error (#REF!)"),
    typed("fraction for a percentage", CHILDREN, "Performance", "B9", 0.539,
          "Actual 0.539 looks like a fraction, but OCC07.08 is a percentage on the 0–100 scale (target 60)"),
    Case("percentage for a fraction", set_cells(REGISTER, "Measures", I42=0.6), f"{CHILDREN}!Performance!B9",
         "Actual 53.9 looks like a per cent, but OCC07.08's target is 0.6, a fraction"),
    typed("out of line", ADULTS, "Performance", "B2", 558700,
          "Actual 558,700 is far out of line with OCC04.01's previous", "warning"),
    # Ratings and commentary
    typed("rag two words", CHILDREN, "Performance", "C10", "R/A", "Reported RAG 'R/A' is not Red, Amber or Green"),
    typed("rag number", CHILDREN, "Performance", "C10", 2, "Reported RAG '2' is not Red, Amber or Green"),
    typed("outlook", CHILDREN, "Performance", "D3", "Better",
          "Outlook 'Better' is not Improving, Stable or Deteriorating"),
    typed("red without commentary", CHILDREN, "Performance", "E2", None,
          "OCC07.01 is Red but has no commentary", "warning"),
    typed("amber without commentary", CHILDREN, "Performance", "E3", "  ",
          "OCC07.02 is Amber but has no commentary", "warning"),
    # Finance arithmetic and figures
    typed("variance wrong", CHILDREN, "Finance", "D2", 0.746,
          "Variance £m is 0.746, but Forecast outturn £m − Latest budget £m is 0.647"),
    typed("central variance wrong", CORPORATE, "Central budgets", "D3", -1.2,
          "Variance £m is -1.200, but Forecast outturn £m − Latest budget £m is -1.300"),
    typed("text budget", CHILDREN, "Finance", "B3", "about 62m",
          "Latest budget £m is text ('about 62m'), not a number"),
    typed("ref forecast", ADULTS, "Finance", "C3", "#REF!", "Forecast outturn £m is an Excel error (#REF!)"),
    typed("blank forecast", ADULTS, "Finance", "C2", None, "Forecast outturn £m is blank"),
    typed("blank service area", ADULTS, "Finance", "A3", None, "Service area is blank"),
    Case("budget does not balance", set_cells(CORPORATE, "Funding", B2=-520.5, D2=0.092),
         f"{CORPORATE}!Funding!B2:B2", "funding totals -520.500 but the net operating budget"),
    Case("balances row missing", edit_sheet(CORPORATE, "Balances", lambda s: s.delete_rows(3)),
         f"{CORPORATE}!Balances!A3", "no 'Risk-assessed level' row"),
    Case("no central lines", edit_sheet(CORPORATE, "Central budgets", lambda s: s.delete_rows(2, s.max_row)),
         f"{CORPORATE}!Central budgets", "sheet has a header row but no lines", "warning"),
    Case("no finance lines", edit_sheet(ADULTS, "Finance", lambda s: s.delete_rows(2, s.max_row)),
         f"{ADULTS}!Finance", "sheet has a header row but no lines", "warning"),
    typed("text reserve", CORPORATE, "Reserves", "B2", "tbc", "Opening £m is text ('tbc'), not a number"),
    typed("dsg error", CORPORATE, "DSG", "C5", "#N/A", "Forecast in-year deficit £m is an Excel error (#N/A)"),
    typed("blank saving", CHILDREN, "Savings", "B3", None, "Planned £m is blank"),
    # The register's own problems
    Case("register repeated id", set_cells(REGISTER, "Measures", A36="OCC07.01"), f"{REGISTER}!Measures!A35",
         "Measure ID OCC07.01 appears more than once"),
    typed("register frequency", REGISTER, "Measures", "F35", "Weekly", "unknown frequency 'Weekly'"),
    typed("register polarity", REGISTER, "Measures", "G35", "Up", "unknown polarity 'Up'"),
    typed("register target missing", REGISTER, "Measures", "I35", None, "OCC07.01 has no target"),
    typed("register tolerance text", REGISTER, "Measures", "J35", "five",
          "Amber tolerance is text ('five'), not a number"),
    typed("register fraction target", REGISTER, "Measures", "I42", 0.6,
          "Target 0.6 looks like a fraction, but OCC07.08's unit is %", "warning"),
    typed("register unsafe directorate", REGISTER, "Measures", "D35", "../../etc",
          "Directorate '../../etc' cannot be used as a file name"),
    Case("unsafe directorate not read", set_cells(REGISTER, "Measures", D35="../../etc"), "../../etc.xlsx",
         "return not read: '../../etc.xlsx' cannot be used as a file or folder name"),
    # Workbooks a reader must not be given: areas beyond the limits, XML that is not well-formed or unsafe
    Case("value at the last cell", edit_part(HEALTH, "Performance", append_row(
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')),
        f"{HEALTH}!Performance!XFD1048576", "beyond the 100,000 rows, 256 columns"),
    Case("value far down", edit_part(HEALTH, "Finance", append_row('<row r="500000"><c r="A500000"><v>1</v></c></row>')),
         f"{HEALTH}!Finance!A500000", "sheet's values reach 500,000 rows"),
    Case("value far right", edit_part(ADULTS, "Performance", append_row('<row r="2"><c r="ZZ2"><v>1</v></c></row>')),
         f"{ADULTS}!Performance!ZZ2", "702 columns"),
    Case("area too large", edit_part(ADULTS, "Finance", append_row(
        '<row r="90000"><c r="A90000"><v>1</v></c><c r="Z90000"><v>1</v></c></row>')),
        f"{ADULTS}!Finance!Z90000", "2,000,000 cells"),
    Case("latin-1 byte", edit_part(CHILDREN, "Performance", in_cell("E2", b'<is><t>caf\xe9</t></is>')),
         f"{CHILDREN}!Performance", "sheet 'Performance' is not well-formed XML"),
    Case("bare ampersand", edit_part(CHILDREN, "Performance", in_cell("E3", b"<is><t>A & B</t></is>")),
         f"{CHILDREN}!Performance", "not well-formed XML"),
    Case("undefined entity", edit_part(CHILDREN, "Finance", in_cell("A2", b"<is><t>&nbsp;</t></is>")),
         f"{CHILDREN}!Finance", "undefined entity"),
    Case("dtd in a sheet", edit_part(ADULTS, "Finance", lambda old: b'<!DOCTYPE x [<!ENTITY a "ha">]>' + old),
         f"{ADULTS}!Finance", "declares entities or a DTD"),
    Case("entities in shared strings", edit_part(HEALTH, "xl/workbook.xml", lambda old: old.replace(
        b"<workbook", b'<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]><workbook', 1)),
        HEALTH, "workbook part xl/workbook.xml declares entities or a DTD"),
    Case("truncated sheet", edit_part(HEALTH, "Performance", lambda old: old[: len(old) // 2]),
         f"{HEALTH}!Performance", "not well-formed XML"),
    Case("truncated workbook part", edit_part(ADULTS, "xl/workbook.xml", lambda old: old[:-40]),
         ADULTS, "workbook part xl/workbook.xml is not well-formed XML"),
    Case("broken content types", edit_part(ADULTS, "[Content_Types].xml", lambda old: old + b"<extra>"),
         ADULTS, "workbook part [Content_Types].xml is not well-formed XML"),
    Case("encrypted entries", edit_part(CHILDREN, "Performance", lambda old: old, encrypt=True),
         CHILDREN, "is encrypted"),
    Case("sheet part missing", edit_part(HEALTH, "xl/_rels/workbook.xml.rels", lambda old: re.sub(
        rb'Target="/?xl/worksheets/sheet2.xml"', b'Target="worksheets/nowhere.xml"', old)),
        f"{HEALTH}!Performance", "sheet cannot be read"),
    # Money and numbers no return can mean
    Case("infinite budget", edit_part(CHILDREN, "Finance", in_cell("B2", b"<v>inf</v>")),
         f"{CHILDREN}!Finance!B2", "Latest budget £m is inf, not within ±10,000 (£10bn)"),
    Case("nan forecast", edit_part(CHILDREN, "Finance", in_cell("C2", b"<v>NaN</v>")),
         f"{CHILDREN}!Finance!C2", "Forecast outturn £m is"),
    typed("budget of 1e308", ADULTS, "Finance", "B2", 1e308, "Latest budget £m is 1e+308, not within ±10,000"),
    typed("budget of 1e20", ADULTS, "Finance", "B3", 1e20, "Latest budget £m is 1e+20, not within ±10,000"),
    typed("budget of 1e11", HEALTH, "Finance", "B2", 1e11, "Latest budget £m is 1e+11, not within ±10,000"),
    typed("budget in pounds", HEALTH, "Finance", "C2", 33_400_000,
          "Forecast outturn £m is 3.34e+07, not within ±10,000"),
    typed("reserve beyond range", CORPORATE, "Reserves", "C2", -5e13, "Forecast movement £m is -5e+13"),
    Case("lines adding past £92bn", set_cells(CHILDREN, "Finance", B2=9_999, C2=9_999, B3=9_999, C3=9_999,
                                              B4=9_999, C4=9_999), f"{CHILDREN}!Finance!D2",
         "Variance £m is"),
    Case("infinite actual", edit_part(ADULTS, "Performance", in_cell("B2", b"<v>inf</v>")),
         f"{ADULTS}!Performance!B2", "Actual is inf, not a finite number"),
    typed("actual of 1e308", CHILDREN, "Performance", "B5", 1e308, "far out of line", "warning"),
    # Text a return cannot hold as typed in Excel
    # (Excel writes a control character as _x000B_; as a character reference it is not well-formed XML)
    Case("vertical tab in commentary", edit_part(CHILDREN, "Performance", in_cell(
        "E2", b"<is><t>Better._x000B_Much better.</t></is>")), f"{CHILDREN}!Performance!E2",
        "Commentary: control characters (U+000B) removed", "warning"),
    Case("nul in commentary", edit_part(CHILDREN, "Performance", in_cell("E2", b"<is><t>a_x0000_b</t></is>")),
         f"{CHILDREN}!Performance!E2", "Commentary: control characters (U+0000) removed", "warning"),
    Case("nul as a character reference", edit_part(CHILDREN, "Performance", in_cell(
        "E3", b"<is><t>a&#0;b</t></is>")), f"{CHILDREN}!Performance", "reference to invalid character number"),
    Case("control character in a service area", edit_part(HEALTH, "Finance", in_cell(
        "A2", b"<is><t>Public_x0007_ health</t></is>")), f"{HEALTH}!Finance!A2",
        "Service area: control characters (U+0007) removed", "warning"),
    Case("commentary over Excel's limit", edit_part(CHILDREN, "Performance", in_cell(
        "E2", b"<is><t>" + b"words " * 6_000 + b"</t></is>")), f"{CHILDREN}!Performance!E2",
        "35,999 characters, cut to Excel's 32,767", "warning"),
    # Hidden sheets are never read
    Case("hidden copy before the real sheet", hide_sheet(CHILDREN, "Performance", copy_as="performance "),
         f"{CHILDREN}!performance ", "sheet 'performance ' is hidden in Excel: not read", "warning"),
    Case("only sheet hidden", hide_sheet(ADULTS, "Finance"), f"{ADULTS}!Finance",
         "sheet 'Finance' is missing (a hidden sheet of that name is not read)"),
    Case("only sheet very hidden", hide_sheet(HEALTH, "Performance", "veryHidden"), f"{HEALTH}!Performance",
         "a hidden sheet of that name is not read"),
    # Values in a month their measure is not due: listed, never dropped silently; a register's Due months
    Case("value not due", set_cells(CHILDREN, "Performance", A12="OCC07.11", B12=58), f"{CHILDREN}!Performance!B12",
         "OCC07.11 is quarterly and not due in July 2022: its Actual 58 is not rated", "warning"),
    Case("rating not due", set_cells(CHILDREN, "Performance", A12="OCC07.11", C12="G"), f"{CHILDREN}!Performance!C12",
         "OCC07.11 is quarterly and not due in July 2022: its Reported RAG 'G' is not used", "warning"),
    Case("register due months unreadable", set_cells(REGISTER, "Measures", L1="Due months", L44="Jan, Mya, Sep"),
         f"{REGISTER}!Measures!L44", "Due months 'Jan, Mya, Sep': 'Mya' is not a month"),
    Case("due months leave a month out", set_cells(REGISTER, "Measures", L1="Due months", L44="Jan, May, Sep"),
         f"{CHILDREN}!Performance!B11", "OCC07.10 is termly and not due in July 2022: its Actual 90.4 is not rated",
         "warning"),
    Case("due months add a month", set_cells(REGISTER, "Measures", L1="Due months", L45="Jul"),
         f"{CHILDREN}!Performance!A12", "OCC07.11 is due in July 2022 but is not in the return"),
    # A workbook that is not any directorate's
    Case("stray workbook", copy_file(CHILDREN, "Childrens Services.xlsx"), "Childrens Services.xlsx",
         "workbook is not named after a directorate in the register; ignored", "warning"),
]


def main(out: Path) -> None:
    """Write each case's broken data to ``out/<case>/data`` and the expected problems to ``out/expected.txt``."""
    lines = []
    for case in CASES:
        folder = out / case.name.replace(" ", "-")
        shutil.rmtree(folder, ignore_errors=True)
        case.breaks(copy_data(folder / "data"))
        lines.append(f"{case.name}: {case.location}: {case.severity}: {case.message}")
    (out / "expected.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases under {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "broken-returns"))
