"""`make bench`: a year of briefings three ways, side by side, in one run.

1. the project's `briefing run` over the twelve months of the bundled year (every document);
2. the naive baseline: for each document the `papermill` command line, then `jupyter nbconvert --no-input`;
3. the floor: the package's own functions in one Python process (benchmarks/floor.py), no notebook.
Then a cold single period, and a large synthetic council to show how cost grows with size.
Prints wall time, time per document, peak memory (summed over the process tree) and the ratios.
Timings are noisy on a shared 2-core machine: compare the ratios within one run, not across runs.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = ROOT / "benchmarks" / ".cache"


def measure(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak MB of RSS summed over it and its children)."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            try:
                tree = [proc] + proc.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    done.set()
    thread.join()
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-3000:]}")
    return seconds, peak


def project_documents(periods: str, data_dir: Path) -> list:
    """The documents `briefing run` builds for ``periods``: the same list the naive loop runs."""
    from briefing.cli import plan_period
    from briefing.params import load_settings
    from briefing.periods import period_range

    settings = load_settings(data_dir=str(data_dir))
    return [job for p in period_range(periods) for job in plan_period(p, settings, None, None, Path("/unused"))]


def naive(periods: str, data_dir: Path, out: Path) -> tuple[float, float, int]:
    """papermill CLI then nbconvert CLI for each document, one after another."""
    jobs = project_documents(periods, data_dir)
    total, peak = 0.0, 0.0
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
        seconds, mb = measure(cmd)
        total, peak = total + seconds, max(peak, mb)
        seconds, mb = measure([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
                               "--output", f"doc{i}.html"])
        total, peak = total + seconds, max(peak, mb)
    return total, peak, len(jobs)


def row(name: str, seconds: float, docs: int, peak: float, naive_s: float | None, floor_s: float | None) -> str:
    ratio = lambda ref: f"{ref / seconds:5.1f}× faster" if ref else ""
    vs_floor = f"{seconds / floor_s:4.2f}× the floor" if floor_s else ""
    return f"| {name:<34} | {docs:>4} | {seconds:8.1f} | {seconds / docs:6.2f} | {peak:8.0f} | " \
           f"{ratio(naive_s) if naive_s and name != 'naive papermill + nbconvert' else '':>14} | {vs_floor:>16} |"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--periods", default="2022-04..2023-03")
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow naive baseline")
    parser.add_argument("--skip-large", action="store_true", help="skip the large synthetic council")
    args = parser.parse_args(argv)
    data = ROOT / "data"
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    briefing = str(BIN / "briefing")
    try:
        results = {}
        results["briefing run"] = (*measure([briefing, "run", args.periods, "--output-dir", str(work / "run"),
                                             "--no-progress"]),)
        docs = len(project_documents(args.periods, data))
        results["floor (package, no notebook)"] = measure(
            [sys.executable, str(ROOT / "benchmarks" / "floor.py"), args.periods, "--data-dir", str(data),
             "--output-dir", str(work / "floor")])
        if not args.skip_naive:
            seconds, peak, _ = naive(args.periods, data, work / "naive")
            results["naive papermill + nbconvert"] = (seconds, peak)
        last = args.periods.split("..")[-1]
        results[f"cold single period {last}"] = measure([briefing, "run", last, "--output-dir",
                                                         str(work / "cold"), "--no-progress", "--jobs", "1"])
        naive_s = results.get("naive papermill + nbconvert", (None,))[0]
        floor_s = results["floor (package, no notebook)"][0]
        print(f"\nBundled council, {args.periods}: {docs} documents\n")
        print("| run                                | docs |   wall s |  s/doc |  peak MB |      vs naive |     vs the floor |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, (seconds, peak) in results.items():
            n = docs if not name.startswith("cold") else len(project_documents(last, data))
            print(row(name, seconds, n, peak, naive_s, floor_s if name == "briefing run" else None))
        if not args.skip_large:
            large(work, briefing, args.periods, results["briefing run"][0], docs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def large(work: Path, briefing: str, periods: str, bundled_seconds: float, bundled_docs: int) -> None:
    """The large synthetic council (600 measures, 20 directorates, ~50,000 finance rows, 24 months)."""
    from briefing import sampledata

    target = CACHE / "large"
    if not (target / "returns").is_dir():
        print("\nGenerating the large synthetic council (once; cached in benchmarks/.cache)...")
        sampledata.generate(target, scale="large")
    seconds, peak = measure([briefing, "run", periods, "--data-dir", str(target), "--output-dir",
                             str(work / "large"), "--no-progress"])
    docs = len(project_documents(periods, target))
    months = len(set(j.period for j in project_documents(periods, target)))
    per_month_large, per_month_bundled = seconds / months, bundled_seconds / months
    print(f"\nLarge council, {periods}: {docs} documents in {seconds:.1f} s, peak {peak:.0f} MB; "
          f"{per_month_large:.1f} s a month against {per_month_bundled:.1f} s for the bundled council "
          f"({per_month_large / per_month_bundled:.1f}×)")


if __name__ == "__main__":
    sys.exit(main())
