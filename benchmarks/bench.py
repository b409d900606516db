"""`make bench`: a year of briefings three ways, side by side, in one run.

1. the project's `briefing run` over the twelve months of the bundled year: every document
   (the corporate briefing and each directorate's, seven a month), each period built once by the
   command and loaded by its notebooks, run by papermill in one kept-alive kernel per worker;
2. the naive baseline: for each document the `papermill` command line, then
   `jupyter nbconvert --no-input`. At about 4 s a document a full year takes six minutes,
   so by default it runs every document of two months (the first and the last) and
   scales its time per document to the whole year; `--naive-all` runs every document;
3. the floor (benchmarks/floor.py): the same computation in one Python process with no notebook:
   each period built once (one read cache for the whole run), every document of it made from
   that one briefing, its displays turned into HTML, tables.xlsx and manifest.json written.

Then a cold single period from a new process (every document, and the corporate briefing
alone, beside the floor's corporate briefing alone; each the fastest of `--cold-runs`, three by
default), and the large synthetic council (600 measures, 20 directorates, 50,000 finance rows a
month, 24 months) to show how the cost grows with the size of the council: its year is timed
beside a second run of the bundled year, and the two compared, so that both are measured at the
machine's same speed.

Wall time is from process start to exit. Peak memory is the largest total of the
proportional set size (PSS: shared pages counted once) of the process and all its children,
kernels included: the resident size is sampled every 0.1 s, and the PSS (costly to read) at
most twice a second, whenever the resident size is within 5 % of the largest seen. Timings
are noisy on a shared two-core machine: compare the ratios within one run, not figures across
runs (`--repeat N` keeps the fastest of N runs of everything but the naive loop).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = ROOT / "benchmarks" / ".cache"
LARGE_DATA = CACHE / "large"


@dataclass
class Timing:
    """One measured run: what it was, how many documents, wall seconds and peak MB."""

    name: str
    docs: int
    seconds: float
    peak_mb: float
    note: str = ""
    naive_seconds: float | None = None  # what the naive loop takes (or is scaled to take) for the same documents

    @property
    def per_doc(self) -> float:
        return self.seconds / self.docs


def _memory(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.AccessDenied, AttributeError):
        return process.memory_info().rss


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak MB of PSS summed over it and its children)."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample():
        # Reading a process's PSS makes the system walk its page tables: 16 ms for the large council's five
        # processes, 16 % of a core at ten samples a second, taken from the run being timed (and more from
        # the large council than from the bundled one). So the resident size (cheap) is read every 0.1 s
        # and the PSS only near the largest resident size seen, at most twice a second.
        nonlocal peak
        top_rss, last_pss = 0, 0.0
        while not done.is_set():
            try:
                tree = [proc] + proc.children(recursive=True)
                rss = 0
                for process in tree:
                    try:
                        rss += process.memory_info().rss
                    except psutil.Error:
                        pass
                top_rss = max(top_rss, rss)
                if rss >= 0.95 * top_rss and time.perf_counter() - last_pss >= 0.5:
                    last_pss = time.perf_counter()
                    total = 0
                    for process in tree:
                        try:
                            total += _memory(process)
                        except psutil.Error:
                            pass
                    peak = max(peak, total / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-3000:]}")
    return seconds, peak


COLD_RUNS = 3  # runs of each cold measurement, the fastest kept (``--cold-runs``)


def best(cmd: list[str], repeat: int) -> tuple[float, float]:
    """``measure`` ``repeat`` times; the fastest run's (seconds, peak MB)."""
    return min((measure(cmd) for _ in range(repeat)), key=lambda timing: timing[0])


def project_documents(periods: str, data_dir: Path) -> list:
    """The documents `briefing run` builds for ``periods``: the same list the naive loop runs."""
    from briefing.cli import plan_period
    from briefing.params import load_settings
    from briefing.periods import period_range

    settings = load_settings(data_dir=str(data_dir))
    return [job for p in period_range(periods) for job in plan_period(p, settings, None, None, Path("/unused"))]


def naive(jobs: list, out: Path) -> tuple[list[float], float]:
    """papermill CLI then nbconvert CLI for each document, one after another: each document's seconds, and peak MB."""
    times, peak = [], 0.0
    for i, job in enumerate(jobs):
        folder = out / job.period
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / f"doc{i}.ipynb"
        params = {**job.parameters, "output_dir": str(folder)}
        cmd = [str(BIN / "papermill"), str(job.notebook), str(executed), "-k", "python3", "--cwd",
               str(job.notebook.parent), "--no-progress-bar", "--execution-timeout", "600"]
        for key, value in params.items():
            if value is not None:
                cmd += ["-r", key, str(value)]
        times.append(0.0)
        for step in (cmd, [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
                           "--output", f"doc{i}.html"]):
            seconds, mb = measure(step)
            times[-1] += seconds
            peak = max(peak, mb)
    return times, peak


def naive_sample(jobs: list, months: int) -> list:
    """Every document of ``months`` months spread over the range (the first and the last, for two)."""
    periods = sorted({job.period for job in jobs})
    if months >= len(periods):
        return jobs
    step = (len(periods) - 1) / max(months - 1, 1)
    chosen = {periods[round(k * step)] for k in range(months)}
    return [job for job in jobs if job.period in chosen]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run_command(periods: str, out: Path, data_dir: Path | None = None, *extra: str) -> list[str]:
    cmd = [str(BIN / "briefing"), "run", periods, "--output-dir", str(out), "--no-progress", *extra]
    return cmd + (["--data-dir", str(data_dir)] if data_dir else [])


def floor_command(periods: str, data_dir: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "benchmarks" / "floor.py"), periods, "--data-dir", str(data_dir),
            "--output-dir", str(out), *extra]


def table(rows: list[Timing], floor_row: Timing) -> str:
    """The timings as a Markdown table, with each run's speed-up on the naive loop and its cost against the floor."""
    lines = ["| run | docs | wall s | s/doc | peak MB | vs naive | vs the floor |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        faster = f"{row.naive_seconds / row.seconds:.1f}× faster" if row.naive_seconds and \
            row.naive_seconds != row.seconds else ""
        floor = f"{row.seconds / floor_row.seconds:.2f}×" if row.docs == floor_row.docs and row is not floor_row else ""
        lines.append(f"| {row.name}{' ' + row.note if row.note else ''} | {row.docs} | {row.seconds:.1f} | "
                     f"{row.per_doc:.2f} | {row.peak_mb:.0f} | {faster} | {floor} |")
    return "\n".join(lines)


def bundled(args, work: Path) -> Timing:
    """The bundled council: the year three ways, then a cold period; prints the table, returns the project's run."""
    data = ROOT / "data"
    jobs = project_documents(args.periods, data)
    months = len({job.period for job in jobs})
    rows = [Timing("`briefing run` (kept-alive kernels)", len(jobs),
                   *best(run_command(args.periods, work / "run"), args.repeat))]
    floor_row = Timing("floor (package, one process, no notebook)", len(jobs),
                       *best(floor_command(args.periods, data, work / "floor"), args.repeat))
    rows.append(floor_row)
    last = args.periods.split("..")[-1]
    cold_docs = len(project_documents(last, data))
    # A cold run takes seconds, and anything else the machine does only ever slows it: each is the fastest
    # of `--cold-runs` (three by default), as hyperfine's minimum would be.
    cold_repeat = max(args.repeat, args.cold_runs)
    cold = [Timing(f"cold `briefing run {last}` (fastest of {cold_repeat})", cold_docs,
                   *best(run_command(last, work / "cold"), cold_repeat)),
            Timing(f"cold `briefing run {last} --only corporate` (fastest of {cold_repeat})", 1,
                   *best(run_command(last, work / "cold-corporate", None, "--only", "corporate"), cold_repeat)),
            Timing(f"cold floor, corporate briefing {last} (fastest of {cold_repeat})", 1,
                   *best(floor_command(last, data, work / "cold-floor", "--corporate-only"), cold_repeat))]
    if not args.skip_naive:
        sample = jobs if args.naive_all else naive_sample(jobs, args.naive_months)
        times, peak = naive(sample, work / "naive")
        seconds = sum(times)
        per_doc = seconds / len(sample)
        corporate = [t for job, t in zip(sample, times) if job.notebook.name == "briefing.ipynb"]
        note = "" if len(sample) == len(jobs) else \
            f"(ran the {len(sample)} documents of {_plural(len({j.period for j in sample}), 'month')} in {seconds:.1f} s; " \
            "scaled)"
        naive_row = Timing("naive: papermill CLI + nbconvert CLI", len(jobs), per_doc * len(jobs), peak, note)
        naive_row.naive_seconds = naive_row.seconds
        rows.append(naive_row)
        for row in rows[:2]:
            row.naive_seconds = naive_row.seconds
        cold[0].naive_seconds = per_doc * cold_docs
        cold[1].naive_seconds = cold[2].naive_seconds = sum(corporate) / len(corporate)
    print(f"\nBundled council, {args.periods}: {len(jobs)} documents ({_plural(months, 'month')}), "
          f"{os.cpu_count()} cores\n")
    print(table(rows + cold, floor_row))
    run = rows[0]
    print("\nTargets:")
    if run.naive_seconds:
        print(f"- {months} months: {run.naive_seconds / run.seconds:.1f}× faster than the naive loop (at least 8×)")
    print(f"- {months} months: {run.seconds / floor_row.seconds:.2f}× the floor (at most 1.5×)")
    print(f"- one cold period, corporate briefing alone: {cold[1].seconds:.2f} s against the floor's own cold "
          f"corporate briefing, {cold[2].seconds:.2f} s: {cold[1].seconds / cold[2].seconds:.2f}× the floor "
          f"(at most 1.5×); every document of the period: {cold[0].seconds:.2f} s")
    return run


def large(args, work: Path, bundled_run: Timing) -> None:
    """The large synthetic council against the bundled one, per month.

    The two are timed side by side, the large year and then the bundled year
    again, ``--repeat`` times, and the fastest of each is compared: on these
    shared machines the speed drifts by a fifth within minutes, and the first
    bundled run was made minutes earlier, before the naive loop and the cold
    runs. The peak memory is the largest of the large runs'.
    """
    from briefing import sampledata

    if not (LARGE_DATA / "returns").is_dir():
        print("\nGenerating the large synthetic council (once; kept in benchmarks/.cache)...", flush=True)
        sampledata.generate(LARGE_DATA, scale="large")
    jobs = project_documents(args.large_periods, LARGE_DATA)
    months = len({job.period for job in jobs})
    pairs = [(measure(run_command(args.large_periods, work / "large", LARGE_DATA)),
              measure(run_command(args.periods, work / "beside")))
             for _ in range(args.repeat)]
    seconds, peak = min(timing[0] for timing, _ in pairs), max(timing[1] for timing, _ in pairs)
    beside = min(timing[0] for _, timing in pairs)
    bundled_months = len({job.period for job in project_documents(args.periods, ROOT / "data")})
    per_month, bundled_per_month = seconds / months, beside / bundled_months
    runs = f"the fastest of {args.repeat}" if args.repeat > 1 else "one run"
    print(f"\nLarge council, {args.large_periods}: {len(jobs)} documents ({_plural(months, 'month')}) in {seconds:.1f} s "
          f"({runs}), peak {peak:.0f} MB; the bundled year timed beside it: {beside:.1f} s "
          f"({bundled_run.seconds:.1f} s in the table above)")
    print(f"- {per_month:.1f} s a month against {bundled_per_month:.1f} s for the bundled council: "
          f"{per_month / bundled_per_month:.1f}× (at most 3×)")
    per_doc, bundled_per_doc = seconds / len(jobs), beside / bundled_run.docs
    print(f"- {per_doc:.2f} s a document against {bundled_per_doc:.2f} s: {per_doc / bundled_per_doc:.1f}× "
          f"(a large month has {len(jobs) // months} documents, the bundled one "
          f"{bundled_run.docs // bundled_months})")
    print(f"- peak memory {peak / 1024:.2f} GiB (under 1 GiB)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", default="2022-04..2023-03", help="the bundled months to build")
    parser.add_argument("--naive-months", type=int, default=2,
                        help="months whose documents the naive loop runs, scaled to the year (default 2)")
    parser.add_argument("--naive-all", action="store_true", help="run the naive loop over every document")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--skip-large", action="store_true", help="skip the large synthetic council")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of the project, the floor and the cold runs; the fastest is shown (default 1)")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS,
                        help=f"runs of each cold measurement, the fastest shown (default {COLD_RUNS})")
    parser.add_argument("--large-periods", default="2022-04..2023-03", help="the large council's months to build")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    speeds = [machine_speed()]
    try:
        bundled_run = bundled(args, work)
        if not args.skip_large:
            large(args, work, bundled_run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    speeds.append(machine_speed())
    print(f"\nThe machine's speed (a fixed pure-Python loop, fastest of three): {speeds[0]:.2f} s at the start, "
          f"{speeds[1]:.2f} s at the end. Runs at other times compare through it.")
    return 0


def machine_speed() -> float:
    """Seconds a fixed pure-Python loop takes in a new process, the fastest of three: how fast the machine
    is running just now (on these shared machines it drifts by half over an hour)."""
    loop = [sys.executable, "-c", "sum(range(30_000_000))"]
    return best(loop, 3)[0]


if __name__ == "__main__":
    sys.exit(main())
