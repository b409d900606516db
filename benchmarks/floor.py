"""The floor: the same documents' tables and charts computed by the package in one process, no notebook.

Each document is computed exactly as its notebook computes it (the same calls,
in the same order: the corporate briefing and every directorate briefing of
each period), and its displays are turned into HTML, so the difference between
this and `briefing run` is what the notebook machinery costs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing.document import build_briefing, check_parameters
from briefing.periods import period_range


def write_page(items: list, path: Path) -> None:
    """The HTML of what a notebook would display, one item after another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(item._repr_html_() for item in items), encoding="utf-8")


def corporate(period: str, data_dir: str, out: Path) -> list[str]:
    """The corporate briefing of ``period``, as notebooks/briefing.ipynb computes it; returns its directorates."""
    briefing = build_briefing(check_parameters(period, None, data_dir, str(out / period), None))
    items = [briefing.header()] + [briefing.section(key) for key in ("performance", "finance", "checks", "quality")]
    write_page(items, out / period / "briefing-floor.html")
    briefing.save_outputs()
    return briefing.directorates


def directorate(period: str, data_dir: str, out: Path, name: str) -> None:
    """One directorate's briefing, as notebooks/directorate.ipynb computes it."""
    run = check_parameters(period, None, data_dir, str(out / period), None, name)
    briefing = build_briefing(run).for_directorate(name)
    items = [briefing.header(), briefing.section("performance"), briefing.section("finance")]
    write_page(items, out / period / "directorates-floor" / f"{name}.html")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("periods", help="2022-07, or a range 2022-04..2023-03")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--corporate-only", action="store_true", help="only the corporate briefing of each period")
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
