"""What each of `briefing run`'s speed-ups gives: the bundled year built with one of them taken away.

Run ``python benchmarks/ablations.py`` (``--only NAME`` for one variant). Each variant
builds every document of the months in a new process, exactly as `briefing run` does
(the same planning, the same `batch.run_jobs`), with one change, and prints its wall
time against the run as shipped. This is a benchmark script, not a test: the changes
are made by replacing a setting of the batch runner in that process only.
Timings are noisy on a shared machine: compare within one run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = {
    "as shipped": "nothing taken away",
    "no package memory": "BRIEFING_NO_CACHE=1: every document reads and rates its twelve months again",
    "no gc.freeze": "the kernel imports the package at start but does not freeze it: each %reset collects it all",
    "no warm-up": "the kernel imports nothing until the first document asks",
    "tcp": "the kernel talks over TCP on localhost instead of IPC sockets",
    "first come, first served": "no period affinity: an idle worker takes the next document in the list",
    "one worker": "--jobs 1",
    "fresh kernel": "--fresh-kernel: a new kernel for every document",
}


def change(variant: str) -> int:
    """Apply ``variant`` to this process's batch runner; return the number of workers to use."""
    from briefing import batch

    if variant == "no package memory":
        os.environ["BRIEFING_NO_CACHE"] = "1"  # inherited by the kernels
    elif variant == "no gc.freeze":
        batch.WARM_UP = "__import__('briefing.document')"
    elif variant == "no warm-up":
        batch.WARM_UP = "None"
    elif variant == "tcp":
        from jupyter_client.manager import AsyncKernelManager
        make = AsyncKernelManager.__init__

        def over_tcp(self, *args, **kwargs):
            kwargs.pop("transport", None)
            kwargs.pop("connection_file", None)
            make(self, *args, **kwargs)
        AsyncKernelManager.__init__ = over_tcp
    elif variant == "first come, first served":
        batch.next_job = lambda pending, jobs, last_period, busy: pending[0]
    return 1 if variant == "one worker" else os.cpu_count() or 1


def build(variant: str, periods: str, out: str) -> None:
    """Build every document of ``periods`` with ``variant`` applied, as `briefing run` would."""
    from briefing import batch, cli
    from briefing.params import load_settings
    from briefing.periods import period_range

    workers = change(variant)
    settings = load_settings(None, output_dir=out)
    results = batch.run_jobs(lambda: [job for p in period_range(periods)
                                      for job in cli.plan_period(p, settings, None, None, settings.output_dir)],
                             workers=workers, fresh_kernel=variant == "fresh kernel", progress=False)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--periods", default="2022-04..2023-03")
    parser.add_argument("--only", choices=list(VARIANTS), action="append", help="run only these variants")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant; the fastest is shown")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        build(args.child, args.periods, args.out)
        return 0
    chosen = args.only or list(VARIANTS)
    print("| variant | what changes | wall s | vs as shipped |\n|---|---|---:|---:|")
    shipped = None
    for variant in ["as shipped"] + [v for v in chosen if v != "as shipped"]:
        seconds = min(timed(variant, args.periods) for _ in range(args.repeat))
        shipped = shipped or seconds
        print(f"| {variant} | {VARIANTS[variant]} | {seconds:.1f} | {seconds / shipped:.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
