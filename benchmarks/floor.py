"""The floor: what `briefing run` computes, done the plainest way in one process, with no notebook.

For each period the briefing is built once (``build_briefing``, every return read
through one ``ReadCache`` shared by the whole run, as the command's ``prepare`` reads
them), and the period's documents are saved from that one ``Briefing`` as its
notebooks save them: the corporate set (``briefing.save()``: the Cabinet paper, its
annex, ``tables.xlsx`` and ``manifest.json``) and each directorate's briefing
(``briefing.for_directorate(name).save()``). The difference between this and
`briefing run` is what the notebooks, the kernels and the hand-over of the prepared
period cost, less what two workers gain.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing.document import build_briefing, check_parameters
from briefing.periods import period_range
from briefing.readcache import ReadCache

def build_period(period: str, data_dir: str, out: Path, cache: ReadCache, corporate_only: bool = False) -> int:
    """Every document of ``period`` from one ``Briefing``; returns how many notebooks would have run."""
    briefing = build_briefing(check_parameters(period, None, data_dir, str(out), None), cache=cache)
    briefing.save()
    if corporate_only:
        return 1
    for name in briefing.directorates:
        briefing.for_directorate(name).save()
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
