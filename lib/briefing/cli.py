"""The ``briefing`` command: build the briefings of periods, and validate their returns."""
from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .paths import NOTEBOOKS_DIR, safe_child
from .periods import PeriodError, check_comparison, period_range
from .params import ParamsError, Settings, absolute_path, load_settings
from .words import listed, plural


def plan_period(period: str, settings: Settings, params_file: str | None, compare_to: str | None,
                output_root: Path, corporate_only: bool = False):
    """The documents one period needs: the corporate briefing, then one briefing per directorate.

    Directorates are the ones the period's measure register names; each name
    becomes a file name only after ``safe_child`` has refused anything that
    could leave the output folder. With no readable register only the
    corporate briefing is planned, and its failure says why. ``corporate_only``
    (``--only corporate``) plans the corporate briefing alone. ``params_file`` must be
    absolute: the notebooks' kernels work in notebooks/, not where the command was typed.
    """
    from .batch import Job
    from .index import ANNEX_FILE

    folder = safe_child(output_root, period)
    parameters = {"period": period, "compare_to": compare_to, "data_dir": str(settings.data_dir),
                  "params_file": str(params_file) if params_file else None}
    jobs = [Job(NOTEBOOKS_DIR / "briefing.ipynb", period, parameters, folder / "briefing.html",
                settings.execution_timeout, also=(folder / ANNEX_FILE,))]
    if corporate_only:
        return jobs
    from .problems import ReturnError
    from .register import register_directorates

    try:
        directorates = register_directorates(settings.data_dir, period)
    except ReturnError:
        directorates = []  # the corporate briefing's run reports the unreadable register, naming the cell
    for directorate in directorates:
        html_path = safe_child(folder / "directorates", f"{directorate}.html")
        jobs.append(Job(NOTEBOOKS_DIR / "directorate.ipynb", period, {**parameters, "directorate": directorate},
                        html_path, settings.execution_timeout))
    return jobs


def _periods(args, settings: Settings) -> list[str]:
    from .periods import available_periods

    available = available_periods(settings.data_dir)
    if args.latest:
        if not available:
            raise PeriodError(f"no returns found under {settings.data_dir / 'returns'}")
        return [available[-1]]
    if not args.periods:
        raise PeriodError("name a period (2022-07), a range (2022-04..2023-03) or --latest")
    wanted = [p for spec in args.periods for p in period_range(spec)]
    if len(args.periods) == 1 and ".." in args.periods[0]:
        skipped = [p for p in wanted if p not in available]
        wanted = [p for p in wanted if p in available]
        if not wanted:  # said once for the range, not once a month
            raise PeriodError(f"no returns for any month of {args.periods[0]} in {settings.data_dir / 'returns'}; "
                              f"periods with returns: {', '.join(available) or 'none'}")
        if skipped:
            print(f"No returns for {', '.join(skipped)}: skipped.", file=sys.stderr)
    return wanted


def cmd_run(args) -> int:
    from .batch import run_jobs
    from .index import write_index

    params_file = str(absolute_path(args.params)) if args.params else None  # the kernels work in notebooks/
    settings = load_settings(params_file, data_dir=args.data_dir, output_dir=args.output_dir)
    unwritable = _unwritable(settings.output_dir)
    if unwritable:
        print(f"briefing: cannot write to {settings.output_dir}: {unwritable}", file=sys.stderr)
        return 2
    periods = _periods(args, settings)
    compare_to = args.compare_to or settings.compare_to
    if compare_to:
        for period in periods:
            check_comparison(period, compare_to)
    refused = _refused_periods(periods, settings, params_file, args.compare_to)
    for period, why in refused.items():
        print(f"briefing: {period} not built: {why}", file=sys.stderr)
    periods = [period for period in periods if period not in refused]
    if not periods:
        return 2
    if args.strict and not strict_check(settings, periods):
        return 1
    corporate_only = args.only == "corporate"

    def plan() -> list:
        """The periods' documents, planned while the kernels start (``batch.run_jobs``): the register is read."""
        return [job for period in periods for job in plan_period(period, settings, params_file, args.compare_to,
                                                                 settings.output_dir, corporate_only)]

    workers = min(args.jobs or os.cpu_count() or 1, documents_at_most(settings, periods, corporate_only))
    found: dict[str, list] = {}  # each period's problems in its returns, as its documents show them
    started = time.perf_counter()
    try:
        with period_locks([safe_child(settings.output_dir, period) for period in periods]), _sigterm_stops():
            results = run_jobs(plan, workers=workers, fresh_kernel=args.fresh_kernel, fail_fast=args.fail_fast,
                               progress=not args.no_progress and sys.stderr.isatty(),
                               prepare=_preparer(params_file, str(settings.data_dir), args.compare_to, found))
    except FolderBusy as err:
        print(f"briefing: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # the kernels and workers are stopped by now, nothing half-written published
        # a notebook's cell left running in this process (--jobs 1) ends with its kernel, and asyncio would
        # report that as a traceback when the task is collected: the line below says what happened
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        print(f"briefing: {'stopped' if isinstance(stop, Terminated) else 'interrupted'}. Documents written before "
              "it are kept; the others were not built (a briefing that was being rebuilt keeps its previous "
              "version).", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    elapsed = time.perf_counter() - started
    write_index(settings.output_dir, settings.council, settings.data_dir)
    failed = [r for r in results if not r.ok]
    for result in results:
        if result.ok:
            for path in result.job.documents():
                print(f"wrote {path}")
    for error, names in _by_error(failed).items():
        print(f"FAILED {names[0]}" + (f" and {plural(len(names) - 1, 'other document')}" if len(names) > 1 else "")
              + f": {error}", file=sys.stderr)
    built = {r.job.period for r in results if r.ok}
    if built - set(found):  # a period of one document is built by its notebook alone: its returns checked here
        from .validation import validate_period
        found.update({period: validate_period(settings, period) for period in built - set(found)})
    for line in returns_said(found, built):
        print(line, file=sys.stderr)
    print(f"{len(results) - len(failed)} built, {len(failed)} failed, in {elapsed:.1f} s "
          f"({plural(len(periods), 'period')})")
    return 1 if failed or refused else 0


def returns_said(found: dict[str, list], built: set[str]) -> list[str]:
    """A line for each period built whose returns have problems: how many errors and warnings, in which returns,
    and where the briefing shows them, so that a run over broken returns does not look like a clean one."""
    from .problems import ERROR

    lines = []
    for period in sorted(p for p in found if p in built and found[p]):
        problems = found[period]
        errors = sum(p.count for p in problems if p.severity == ERROR)
        files = list(dict.fromkeys(p.file for p in problems))
        warnings = sum(p.count for p in problems) - errors
        counts = [plural(n, kind) for n, kind in ((errors, "error"), (warnings, "warning")) if n]
        where = listed(files) if len(files) <= 3 else plural(len(files), "file")
        lines.append(f"{period}: {listed(counts)} in {where}; the "
                     f"briefing shows them under Data quality in its annex (`briefing validate {period}` lists "
                     "them)")
    return lines


def documents_at_most(settings: Settings, periods: list[str], corporate_only: bool) -> int:
    """How many documents the periods can have, known before the register is read (so that no more kernels
    start than there are documents to build, and they start while the run is planned): a corporate briefing
    each, and with the directorates' own, one per workbook in the period's returns folder (the corporate
    return's stands for the corporate briefing)."""
    if corporate_only:
        return max(1, len(periods))
    return max(1, sum(len(list((Path(settings.data_dir) / "returns" / period).glob("*.xlsx"))) or 1
                      for period in periods))


def _refused_periods(periods: list[str], settings: Settings, params_file: str | None,
                     compare_to: str | None) -> dict[str, str]:
    """The periods whose notebooks would refuse their parameters (no returns, say), each with why: said once
    here, before any kernel starts, rather than once by every document of the period."""
    from .runs import RunError, check_parameters

    refused = {}
    for period in periods:
        try:
            check_parameters(period, compare_to, str(settings.data_dir), None, params_file)
        except RunError as err:
            refused[period] = str(err)
    return refused


def _by_error(failed: list) -> dict[str, list[str]]:
    """The failed documents' names grouped by their error, in the order first met: an error shared by every
    document of a period is printed once."""
    grouped: dict[str, list[str]] = {}
    for result in failed:
        grouped.setdefault(result.error, []).append(result.job.name)
    return grouped


class FolderBusy(Exception):
    """Another ``briefing run`` is writing a period folder this run would write."""


@contextmanager
def period_locks(folders: list[Path]):
    """Hold an exclusive lock on each period's output folder while the run writes it, so that two runs into
    one folder cannot mix their documents: the second is refused (``FolderBusy``) before it builds anything.

    The lock is the operating system's (``flock`` on the folder itself): it goes with the process, so a run
    killed outright leaves no stale lock. The folders made only to be locked (the period's, and any above it
    that did not exist) are removed again if the run put nothing in them.
    """
    held: list[tuple[Path, int, list[Path]]] = []
    try:
        for folder in folders:
            made = [path for path in (folder, *folder.parents) if not path.exists()]
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(folder, os.O_RDONLY)
            held.append((folder, handle, made))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderBusy(f"another briefing run is writing {folder}; wait for it to finish, or give "
                                 "this run another --output-dir") from None
        yield
    finally:
        for folder, handle, made in held:
            os.close(handle)
            for path in made:  # deepest first; only while empty
                try:
                    path.rmdir()
                except OSError:
                    break


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a scheduler stopping the job): stops the run as Ctrl-C does."""


@contextmanager
def _sigterm_stops():
    """While the run goes on, SIGTERM stops it the way Ctrl-C does: kernels and workers stopped, staging
    folders removed, nothing half-made published. (Left to its default, it ended the command at once and left
    them behind; in the command's main thread only, where Python runs signal handlers.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the run is being stopped
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _unwritable(folder: Path) -> str | None:
    """Why ``folder`` cannot be written, or None if it can: found out before any kernel starts, rather than
    from every document failing after its notebook has run, by writing a file in it or, while it does not
    exist yet, in the folder it will be made in (so a run refused later leaves no empty folder behind)."""
    nearest = next(path for path in (folder, *folder.parents) if path.exists())
    try:
        with tempfile.NamedTemporaryFile(dir=nearest, prefix=".briefing-check-"):
            return None
    except OSError as err:
        return err.strerror or str(err)


def _preparer(params_file: str | None, data_dir: str, compare_to: str | None, found: dict | None = None):
    """``prepare(period, folder)`` for ``batch.run_jobs``: each period's briefing built once for its documents,
    with the notebooks' own parameters, every return read once for the whole run (``readcache``). ``found``,
    if given, gets each period's problems in its returns (``returns_said``)."""
    from .readcache import ReadCache

    cache = ReadCache()

    def prepare(period: str, folder: Path) -> Path | None:
        from .document import check_parameters, prepare_briefing  # only where a period has documents to share

        try:
            run = check_parameters(period, compare_to, data_dir, None, params_file)
            return prepare_briefing(run, folder / f"{period}.pickle", cache,
                                    None if found is None else found.setdefault(period, []))
        except Exception:  # noqa: BLE001 - each notebook then builds the period itself, and says what is wrong
            return None
        finally:
            cache.forget_unused()
    return prepare


def strict_check(settings: Settings, periods: list[str]) -> bool:
    """``--strict``: validate every period first; print each error and refuse to build if there is any."""
    from .validation import validate_period

    errors = [p for period in periods for p in validate_period(settings, period) if p.severity == "error"]
    for problem in errors:
        print(problem, file=sys.stderr)
    if errors:
        print(f"briefing: --strict: {plural(len(errors), 'error')} in the returns; "
              f"nothing built (run `briefing validate` for the details, or drop --strict to build with the "
              f"affected returns shown as not available)", file=sys.stderr)
    return not errors


def cmd_validate(args) -> int:
    from .validation import validate_period

    settings = load_settings(args.params, data_dir=args.data_dir)
    problems = validate_period(settings, args.period)
    for problem in problems:
        print(problem)
    errors = sum(p.count for p in problems if p.severity == "error")
    warnings = sum(p.count for p in problems) - errors
    print(f"{args.period}: {plural(errors, 'error')}, {plural(warnings, 'warning')}")
    return 1 if errors else 0


def _documents_at_once(text: str) -> int:
    """``--jobs``: a whole number of 1 or more (anything else is a usage error, reported by argparse)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing", description="Build the briefings of periods (the Cabinet paper, its officers' annex, "
        "the directorates' briefings, tables.xlsx and manifest.json under <output-dir>/<period>/), and validate "
        "their returns.", epilog="`briefing run --help` and `briefing validate --help` say more; the notebooks "
        "(make lab) do the same one period at a time.")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub):
        sub.add_argument("--data-dir", help="folder holding register/ and returns/, relative to the current "
                                            "folder (default: params)")
        sub.add_argument("--params", help="a parameter file overriding params/default.yaml; relative paths in "
                                          "it are read from its own folder")

    run = commands.add_parser("run", help="build the briefings of one period, a range, or the latest")
    run.add_argument("periods", nargs="*", help="2022-07, or a range 2022-04..2023-03")
    run.add_argument("--latest", action="store_true", help="the newest period with returns")
    common(run)
    run.add_argument("--output-dir", help="where the <period>/ folders go, relative to the current folder "
                                          "(default: params)")
    run.add_argument("--compare-to", help="the period to compare with (default: the previous month with returns)")
    run.add_argument("--jobs", type=_documents_at_once, help="documents built at once (default: number of cores)")
    run.add_argument("--fail-fast", action="store_true", help="stop at the first failed document")
    run.add_argument("--fresh-kernel", action="store_true", help="start a new kernel for every document (slower)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--only", choices=["corporate"],
                     help="build only the corporate briefing of each period, not the directorates' own")
    run.add_argument("--strict", action="store_true",
                     help="validate the returns first and build nothing if any has an error")
    run.set_defaults(func=cmd_run)

    validate = commands.add_parser("validate", help="check a period's returns; exit 1 on errors")
    validate.add_argument("period")
    common(validate)
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (PeriodError, ParamsError, ValueError) as err:
        print(f"briefing: {err}", file=sys.stderr)
        return 2


def entry() -> None:
    """The ``briefing`` command."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
