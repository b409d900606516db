"""A return's .xlsx file, checked under limits before any reader is given it.

A return is a zip of XML parts typed by hand or written by any tool. calamine,
the fast reader, trusts what it is given: one value at the sheet's last cell
(XFD1048576) makes it allocate 512 GiB and abort the process, and XML that is
not well-formed raises from deep inside it. So every workbook passes
``inspect`` first, in the process that will read it: the file's size and kind;
what the archive unpacks to, counted as it is inflated (a zip bomb stops at the
limit); no encrypted part; every XML part well-formed, with no DTD or entity;
and each worksheet's area of values within ``MAX_ROWS``, ``MAX_COLUMNS`` and
``MAX_CELLS``. Anything outside is an ``ArchiveError`` naming the sheet and cell
where known, and the reader never sees that file.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

MB = 1024 * 1024
MAX_WORKBOOK_BYTES = 20 * MB
MAX_UNCOMPRESSED_BYTES = 200 * MB
# The area of a sheet holding values, which is what a reader allocates: far beyond any return (a large
# council's Finance sheet is 2,501 rows by 5 columns), far below what would exhaust memory (64 MB).
MAX_ROWS = 100_000
MAX_COLUMNS = 256
MAX_CELLS = 2_000_000
SAVED_AGAIN = "the workbook saved again from Excel as an ordinary .xlsx"
WORKBOOK, RELATIONSHIPS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class ArchiveError(Exception):
    """A workbook refused before reading: what is wrong, where (sheet and cell when known), what would be right."""

    def __init__(self, message: str, expected: str = SAVED_AGAIN, sheet: str | None = None,
                 cell: str | None = None):
        super().__init__(message)
        self.message, self.expected, self.sheet, self.cell = message, expected, sheet, cell


@dataclass(frozen=True)
class ExcelError:
    """A cell holding an Excel error (``#DIV/0!``, ``#REF!``, ``#N/A`` …) rather than a value.

    calamine reads such a cell as blank, which would pass a broken formula off
    as a figure not reported; ``Workbook.rows`` puts one of these in its place
    so the reader can say which cell is broken and how.
    """

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass
class Inspected:
    """What ``inspect`` learnt of a workbook that passed: which sheets are hidden, and their error cells."""

    hidden: set[str] = field(default_factory=set)  # hidden or very hidden in Excel
    errors: dict[str, dict[tuple[int, int], ExcelError]] = field(default_factory=dict)  # by sheet, (row, col)


def column_index(letters: str) -> int:
    """The 0-based column index of Excel column letters (A → 0, AB → 27)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def read_checked(path: Path) -> bytes:
    """The bytes of the workbook at ``path``, once it is found to be an .xlsx file within the size limit:
    read once, so that what is inspected, parsed and fingerprinted is the same content."""
    _check_file(Path(path))
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise ArchiveError(f"workbook cannot be read ({err.strerror or err})", "a readable .xlsx workbook") from None


def inspect(content: bytes) -> Inspected:
    """Check a workbook's bytes (``read_checked``) under the limits (see the module docstring);
    ``ArchiveError`` if they fail."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = _inflate(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise ArchiveError("workbook is corrupt (not a readable .xlsx archive)", "an .xlsx workbook") from None
    for member in (WORKBOOK, RELATIONSHIPS):  # first: they give the worksheets their names
        _well_formed(parts.get(member, b"<missing/>"), member)
    sheets = _sheets(parts)
    names = {member: name for name, (member, _) in sheets.items()}
    for member, xml in parts.items():
        _well_formed(xml, member, names.get(member))
        if member in names:
            _within_area(xml, names[member])
    return Inspected(hidden={name for name, (_, state) in sheets.items() if state not in ("", "visible")},
                     errors={names[m]: error_cells(xml) for m, xml in parts.items() if m in names and b't="e"' in xml})


def _check_file(path: Path) -> None:
    """A file of a return's size that is an .xlsx archive, not an old .xls, an encrypted workbook or text."""
    if not path.is_file():
        raise ArchiveError("file not found", f"a workbook named {path.name!r}")
    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        raise ArchiveError(f"workbook is {size / MB:.1f} MB, over the {MAX_WORKBOOK_BYTES / MB:.0f} MB limit",
                           "an ordinary return, without embedded pictures or files")
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise ArchiveError("workbook is password-protected", "the workbook saved without a password")
        raise ArchiveError("file is an old .xls workbook", "an .xlsx workbook (File > Save As > Excel Workbook)")
    if not magic.startswith(b"PK"):
        raise ArchiveError("file is not an Excel workbook (it may be a CSV or text file renamed .xlsx)",
                           "an .xlsx workbook")


def _inflate(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Every XML part of the archive, inflated in chunks counting the bytes really produced (sizes in the
    headers can lie): past ``MAX_UNCOMPRESSED_BYTES`` it stops, so a zip bomb costs no more than the limit
    to refuse. A part whose data does not match its header fails its CRC check (``zipfile.BadZipFile``)."""
    total, parts = 0, {}
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise ArchiveError(f"workbook part {info.filename} is encrypted",
                               "the workbook saved without a password")
        chunks = []
        with archive.open(info) as member:
            while chunk := member.read(MB):
                total += len(chunk)
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise ArchiveError(f"workbook unpacks to more than {MAX_UNCOMPRESSED_BYTES / MB:.0f} MB "
                                       "(refused as unsafe: it may be a zip bomb)", "an ordinary .xlsx return")
                chunks.append(chunk)
        if info.filename.endswith((".xml", ".rels")):
            parts[info.filename] = b"".join(chunks)
    return parts


def _refuse_dtd(*_) -> None:
    raise ArchiveError("declares entities or a DTD (refused as unsafe)", "a workbook saved by Excel")


def _well_formed(xml: bytes, member: str, sheet: str | None = None) -> None:
    """Parse ``xml`` (expat, no handlers but for a DTD, which is refused) to check it is well-formed."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    where = f"sheet '{sheet}'" if sheet else f"workbook part {member}"
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as err:
        raise ArchiveError(f"{where} is not well-formed XML (line {err.lineno}, column {err.offset + 1}: "
                           f"{expat.errors.messages[err.code]})", sheet=sheet) from None
    except ArchiveError as err:
        raise ArchiveError(f"{where} {err.message}", err.expected, sheet) from None


def _sheets(parts: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """Each sheet's name → (the path of its XML part, its state: '' or 'visible', 'hidden', 'veryHidden')."""
    from xml.etree.ElementTree import fromstring  # safe here: the parts were refused if they declared a DTD

    if WORKBOOK not in parts or RELATIONSHIPS not in parts:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in fromstring(parts[RELATIONSHIPS])}
    sheets = {}
    for sheet in fromstring(parts[WORKBOOK]).iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheets[sheet.get("name", "")] = (member, sheet.get("state", ""))
    return sheets


# A cell with content (not ``<c .../>`` nor ``<c ...></c>``), its reference when it has one: a reader
# allocates the area from A1 to the farthest such cell. Rows and cells without a reference follow on.
_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\b(?=[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})")?[^>]*(?<!/)>(?!</)')
_ROW = re.compile(rb"<(?:\w+:)?row\b")


def _within_area(xml: bytes, sheet: str) -> None:
    """The sheet's values fit in ``MAX_ROWS`` × ``MAX_COLUMNS`` and ``MAX_CELLS``; else name the farthest cell."""
    cells = _VALUE_CELL.findall(xml)
    letters, numbers = zip(*cells) if cells else ((), ())  # a sheet's thousands of cells, taken column-wise
    columns_used = {column_index(text.decode()) + 1 for text in set(letters) if text}
    rows = max(max(map(int, filter(None, numbers)), default=0), len(_ROW.findall(xml)))
    columns = max(columns_used, default=0) + letters.count(b"")
    if rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_CELLS:
        return
    refs = [(text.decode(), int(number)) for text, number in cells if text]
    far = max(refs, key=lambda ref: (ref[1], column_index(ref[0])) if rows > MAX_ROWS else
              (column_index(ref[0]), ref[1]), default=None)
    raise ArchiveError(f"sheet's values reach {rows:,} rows and {columns:,} columns, beyond the "
                       f"{MAX_ROWS:,} rows, {MAX_COLUMNS} columns and {MAX_CELLS:,} cells a return may use",
                       "the return's own rows and columns only: delete the cells beyond them", sheet,
                       f"{far[0]}{far[1]}" if far else None)


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*\bt="e"[^>]*>')
_CELL_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_CELL_VALUE = re.compile(rb'\s*(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)?\s*'
                         rb'<(?:\w+:)?v>([^<]*)</')


def error_cells(sheet_xml: bytes) -> dict[tuple[int, int], ExcelError]:
    """Every cell of a worksheet's XML whose type is an error (``t="e"``), by 0-based (row, column)."""
    found = {}
    for match in _ERROR_CELL.finditer(sheet_xml):
        ref = _CELL_REF.search(match.group(0))
        value = _CELL_VALUE.match(sheet_xml, match.end())
        if ref and value:
            position = (int(ref.group(2)) - 1, column_index(ref.group(1).decode()))
            found[position] = ExcelError(value.group(1).decode("utf-8", "replace").strip() or "#ERROR")
    return found
