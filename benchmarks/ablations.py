"""What each thing the plain engine keeps for speed gives: the run with it switched off.

    python benchmarks/ablations.py                    # every variant (the bundled year), then the exporters
    python benchmarks/ablations.py --only "fresh kernel" --periods 2023-03
    python benchmarks/ablations.py --only exporter --exporter-data data

Each year variant builds every document of the months in a new process as `briefing run`
does (the command's planning, ``cli.plan_period``, and ``batch.run_jobs`` with the same
workers), with one thing switched off through a public option: a kernel per document
(``fresh_kernel``, `--fresh-kernel`), no period prepared for the notebooks (a ``prepare``
that returns None: each notebook builds its period itself), no read cache for the run
(``prepare_briefing(..., cache=None)``), one worker (`--jobs 1`). Nothing in the package is
changed or patched. It prints each variant's wall time against the run as shipped.

The exporter comparison executes the corporate notebook of one month of the large council
(generated once into benchmarks/.cache/large, as bench.py does) and, in this one process,
converts it to HTML with the package's exporter (``batch.briefing_exporter``: a
``TemplateExporter``) and with nbconvert's stock ``HTMLExporter`` on the same template,
each the fastest of ``--repeat`` conversions after a warm-up on an empty notebook.

A benchmark script, not a test. Timings are noisy on a shared machine: compare within one run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LARGE_DATA = ROOT / "benchmarks" / ".cache" / "large"

VARIANTS = {
    "as shipped": "each period prepared once (the run's read cache), one kept-alive kernel per worker",
    "fresh kernel": "`--fresh-kernel`: a new kernel for every document",
    "no prepared period": "`prepare` returns None: every notebook reads, validates and rates its period itself",
    "no read cache": "each period prepared once, but every period reads its thirteen months afresh",
    "one worker": "`--jobs 1`",
}
EXPORTER = "exporter"


def preparer(data_dir: str, cache):
    """``prepare(period, folder)`` for ``batch.run_jobs``, as the command's: the period built once and saved
    for its notebooks, reading through ``cache`` (None: no cache). A failure fails the variant."""
    from briefing.document import check_parameters, prepare_briefing

    def prepare(period: str, folder: Path) -> Path:
        return prepare_briefing(check_parameters(period, None, data_dir), folder / f"{period}.pickle", cache)
    return prepare


def build(variant: str, periods: str, out: str) -> None:
    """Build every document of ``periods`` with ``variant``, as `briefing run` would."""
    from briefing import batch, cli
    from briefing.params import load_settings
    from briefing.periods import period_range
    from briefing.readcache import ReadCache

    settings = load_settings(None, output_dir=out)
    data_dir = str(settings.data_dir)
    prepare = {"no prepared period": lambda period, folder: None,
               "no read cache": preparer(data_dir, None)}.get(variant) or preparer(data_dir, ReadCache())
    results = batch.run_jobs(lambda: [job for p in period_range(periods)
                                      for job in cli.plan_period(p, settings, None, None, settings.output_dir)],
                             workers=1 if variant == "one worker" else os.cpu_count() or 1,
                             fresh_kernel=variant == "fresh kernel", progress=False, prepare=prepare)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{variant}: {len(failed)} documents failed: {failed[0].error}")


def timed(variant: str, periods: str) -> float:
    """Wall seconds of one new process building ``periods`` with ``variant``."""
    with tempfile.TemporaryDirectory(prefix="ablation-") as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", variant, "--periods", periods,
                        "--out", out], check=True)
        return time.perf_counter() - started


def executed_corporate(data_dir: Path, period: str, out: Path):
    """The corporate notebook of ``period`` executed as the batch executes it (papermill, this environment's
    kernel), the notebook building its period itself."""
    import papermill

    from briefing.batch import KERNEL_NAME, Kernel

    kernel = Kernel(folder=out)
    try:
        return papermill.execute_notebook(
            str(ROOT / "notebooks" / "briefing.ipynb"), None,
            parameters={"period": period, "data_dir": str(data_dir), "output_dir": str(out)},
            kernel_name=KERNEL_NAME, km=kernel.manager(), cwd=str(kernel.cwd), progress_bar=False)
    finally:
        kernel.stop()


def exporters(data_dir: Path, period: str, repeat: int) -> None:
    """The package's TemplateExporter against nbconvert's stock HTMLExporter, converting one executed notebook."""
    import nbformat
    from nbconvert import HTMLExporter

    from briefing.export import TEMPLATES_DIR, briefing_exporter
    from briefing.index import document_title
    from briefing.params import load_settings

    if data_dir == LARGE_DATA and not (LARGE_DATA / "returns").is_dir():
        from briefing import sampledata
        print("Generating the large synthetic council (once; kept in benchmarks/.cache)...", flush=True)
        sampledata.generate(LARGE_DATA, scale="large")
    with tempfile.TemporaryDirectory(prefix="ablation-exporter-") as out:
        started = time.perf_counter()
        nb = executed_corporate(data_dir, period, Path(out))
        executing = time.perf_counter() - started
    options = dict(template_name="briefing", extra_template_basedirs=[str(TEMPLATES_DIR)], exclude_input=True,
                   exclude_input_prompt=True, exclude_output_prompt=True)
    candidates = {"`batch.briefing_exporter()` (TemplateExporter)": briefing_exporter(),
                  "nbconvert's stock `HTMLExporter`, the same template": HTMLExporter(**options)}
    resources = {"briefing": {"title": document_title(load_settings(None, data_dir=str(data_dir)).council, period)}}
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("warm-up")])
    for exporter in candidates.values():  # templates compiled, imports made, before anything is timed
        exporter.from_notebook_node(empty, resources={"briefing": {"title": "warm-up"}})
    seconds = {name: float("inf") for name in candidates}
    sizes = {}
    for _ in range(repeat):
        for name, exporter in candidates.items():
            started = time.perf_counter()
            body, _ = exporter.from_notebook_node(nb, resources=dict(resources))
            seconds[name] = min(seconds[name], time.perf_counter() - started)
            sizes[name] = len(body.encode())
    runs = f"fastest of {repeat}" if repeat > 1 else "one run"
    print(f"\nConverting the executed corporate notebook of {period} ({data_dir}; executed in {executing:.1f} s) "
          f"to HTML, in one process ({runs}):\n")
    print("| exporter | seconds | HTML bytes | vs the package's |\n|---|---:|---:|---:|")
    first = None
    for name in candidates:
        first = first or seconds[name]
        print(f"| {name} | {seconds[name]:.2f} | {sizes[name]:,} | {seconds[name] / first:.2f}× |", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", default="2022-04..2023-03", help="the bundled months the year variants build")
    parser.add_argument("--only", choices=[*VARIANTS, EXPORTER], action="append", help="run only these")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest is shown")
    parser.add_argument("--exporter-data", type=Path, default=LARGE_DATA,
                        help="the council whose corporate notebook the exporters convert (default: the large one)")
    parser.add_argument("--exporter-period", default="2023-03", help="its month (default 2023-03)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        build(args.child, args.periods, args.out)
        return 0
    chosen = args.only or [*VARIANTS, EXPORTER]
    variants = [v for v in VARIANTS if v in chosen]
    if variants:
        print(f"Bundled council, {args.periods}, {os.cpu_count()} cores\n")
        print("| variant | what changes | wall s | vs as shipped |\n|---|---|---:|---:|")
        shipped = None
        for variant in ["as shipped"] + [v for v in variants if v != "as shipped"]:
            seconds = min(timed(variant, args.periods) for _ in range(args.repeat))
            shipped = shipped or seconds
            print(f"| {variant} | {VARIANTS[variant]} | {seconds:.1f} | {seconds / shipped:.2f}× |", flush=True)
    if EXPORTER in chosen:
        exporters(args.exporter_data.resolve(), args.exporter_period, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
