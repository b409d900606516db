"""The floor: the same documents' tables and charts computed by the package in one process, no notebook.

Each document is computed as its notebook computes it (the corporate briefing
and every directorate briefing of each period), so the difference between
this and `briefing run` is what the notebook machinery costs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing import finance, performance
from briefing.document import build_briefing, check_parameters
from briefing.periods import period_range


def corporate(period: str, data_dir: str, out: Path) -> list[str]:
    b = build_briefing(check_parameters(period, data_dir=data_dir, output_dir=str(out / period)))
    page = [b.header()._repr_html_()]
    page += [b.section(key)._repr_html_() for key in ("performance", "finance", "checks", "quality")]
    (out / period).mkdir(parents=True, exist_ok=True)
    (out / period / "briefing-floor.html").write_text("\n".join(page), encoding="utf-8")
    b.save_outputs()
    return b.directorates


def directorate(period: str, data_dir: str, out: Path, name: str) -> None:
    b = build_briefing(check_parameters(period, data_dir=data_dir, output_dir=str(out / period)))
    items = performance.directorate_tables(b, name) + finance.directorate_tables(b, name)
    html = "\n".join(item._repr_html_() for item in items)
    folder = out / period / "directorates-floor"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(html, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("periods")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--corporate-only", action="store_true")
    args = parser.parse_args(argv)
    out = Path(args.output_dir)
    documents = 0
    for period in period_range(args.periods):
        directorates = corporate(period, args.data_dir, out)
        documents += 1
        if not args.corporate_only:
            for name in directorates:
                directorate(period, args.data_dir, out, name)
                documents += 1
    print(f"{documents} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
