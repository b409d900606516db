"""Compare two output folders: HTML byte for byte, tables.xlsx cell for cell (value, type, number format,
quote prefix, bold), manifest.json less when and where.

    python benchmarks/compare_outputs.py BEFORE AFTER

Used to check that a speed-up changes nothing a reader sees: build the same
periods with the code before and after (``benchmarks/floor.py`` or ``briefing
run``) into two folders and compare them. Exits 1 if anything differs.
"""
import json
import sys
from pathlib import Path
from openpyxl import load_workbook

def cells(path):
    book = load_workbook(path)
    return {ws.title: [[(c.value, c.data_type, c.number_format, c.quotePrefix, c.font.b) for c in row]
                       for row in ws.iter_rows()] for ws in book.worksheets}

def manifest(path):
    data = json.loads(path.read_text())
    data.pop("created", None)  # when it was built,
    data.get("parameters", {}).pop("output_dir", None)  # and where to, are not what it says
    return data

def main(a, b):
    a, b = Path(a), Path(b)
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert fa == fb, (set(fa) ^ set(fb))
    counts = {}
    bad = []
    for rel in fa:
        kind = rel.suffix
        counts[kind] = counts.get(kind, 0) + 1
        if kind == ".xlsx":
            x, y = cells(a / rel), cells(b / rel)
            if list(x) != list(y) or x != y:
                bad.append(str(rel))
            counts["sheets"] = counts.get("sheets", 0) + len(x)
            counts["cells"] = counts.get("cells", 0) + sum(len(r) for s in x.values() for r in s)
        elif rel.name == "manifest.json":
            if manifest(a / rel) != manifest(b / rel):
                bad.append(str(rel))
        elif (a / rel).read_bytes() != (b / rel).read_bytes():
            bad.append(str(rel))
    print(f"{a} vs {b}: {len(fa)} files {counts}; differing: {bad or 'none'}")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
