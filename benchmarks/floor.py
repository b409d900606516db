"""The floor: what `briefing run` computes, done the plainest way in one process, with no notebook.

For each period the briefing is built once (``build_briefing``, every return read
through one ``ReadCache`` shared by the whole run, as the command's ``prepare`` reads
them), and the period's documents are made from that one ``Briefing``: the corporate
briefing (header, its four sections, ``tables.xlsx`` and ``manifest.json``) and each
directorate's (``briefing.for_directorate(name)``: header and its two sections), each
document's displays turned into HTML in the order its notebook shows them. The
difference between this and `briefing run` is what the notebooks, the kernels, the
hand-over of the prepared period and nbconvert cost, less what two workers gain.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing.document import build_briefing, check_parameters
from briefing.periods import period_range
from briefing.readcache import ReadCache

CORPORATE_SECTIONS = ("performance", "finance", "checks", "quality")  # as notebooks/briefing.ipynb shows them
DIRECTORATE_SECTIONS = ("performance", "finance")  # as notebooks/directorate.ipynb shows them


def write_page(items: list, path: Path) -> None:
    """The HTML of what a notebook would display, one item after another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(item._repr_html_() for item in items), encoding="utf-8")


def build_period(period: str, data_dir: str, out: Path, cache: ReadCache, corporate_only: bool = False) -> int:
    """Every document of ``period`` from one ``Briefing``; returns how many were made."""
    briefing = build_briefing(check_parameters(period, None, data_dir, str(out / period), None), cache=cache)
    write_page([briefing.header(), *(briefing.section(key) for key in CORPORATE_SECTIONS)],
               out / period / "briefing-floor.html")
    briefing.save_outputs()
    if corporate_only:
        return 1
    for name in briefing.directorates:
        document = briefing.for_directorate(name)
        write_page([document.header(), *(document.section(key) for key in DIRECTORATE_SECTIONS)],
                   out / period / "directorates-floor" / f"{name}.html")
    return 1 + len(briefing.directorates)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("periods", help="2022-07, or a range 2022-04..2023-03")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--corporate-only", action="store_true", help="only the corporate briefing of each period")
    args = parser.parse_args(argv)
    cache = ReadCache()  # one for the whole run, as `briefing run` has
    documents = sum(build_period(period, args.data_dir, Path(args.output_dir), cache, args.corporate_only)
                    for period in period_range(args.periods))
    print(f"{documents} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
