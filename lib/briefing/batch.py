"""Batch runs: execute the briefing notebooks for one or many periods, each saving its documents.

A run goes like this (what each step buys is measured in ``benchmarks/README.md``):

1. This process builds each period's briefing once (``document.prepare_briefing``:
   the returns read, validated and rated, the finance position and checks worked
   out) and saves it in the run's private folder; the period's notebooks are
   given that file as their ``prepared`` parameter. Each return is read once for
   the whole run (``readcache``): consecutive periods share twelve months.
2. Workers (a ``multiprocessing`` pool of new processes; this process itself when one
   document is built at a time) each start one kernel of this environment's
   ipykernel through jupyter_client and keep it for every document they are
   given: papermill executes each notebook with its parameters in that kernel
   (``papermill.execute_notebook(..., kernel_name=..., km=...)``; nbclient does
   not shut down a kernel it did not start). A document that fails takes its
   kernel with it and the next gets a new one; ``fresh_kernel`` starts a new
   kernel for every document.
3. Each notebook is run with ``save=True`` and an ``output_dir`` of its own
   staging folder: it writes its documents there as an analyst's ``save`` would
   (nbconvert writing the HTML, ``export.document_html``). They are moved into
   ``output/<period>/`` only when the notebook succeeded, so a failed run never
   replaces a good briefing.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from .kernel import KERNEL_NAME, Kernel

ENGINE = "briefing-kept-kernel"  # see ``kept_kernel_engine``
SKIPPED = "skipped: an earlier document failed (--fail-fast)"


@dataclass(frozen=True)
class Job:
    """One notebook to run: its parameters, the period folder its files go in and the documents it writes."""

    notebook: Path
    period: str
    parameters: dict
    html_path: Path  # the document it writes (the corporate notebook's Cabinet paper)
    timeout: int = 600
    also: tuple[Path, ...] = ()  # the other documents it writes (the corporate notebook's officers' annex)

    @property
    def name(self) -> str:
        folder = self.html_path.parent.name
        return f"{self.period} {folder + '/' if folder != self.period else ''}{self.html_path.stem}"

    @property
    def folder(self) -> Path:
        """The period's folder, under the run's output folder."""
        return self.html_path.parent if self.html_path.parent.name == self.period else self.html_path.parent.parent

    def documents(self) -> list[Path]:
        return [self.html_path, *self.also]


@dataclass
class Result:
    """What became of a job: built or failed, how long it took, and where it failed."""

    job: Job
    ok: bool
    seconds: float
    error: str = ""


def kept_kernel_engine():
    """papermill's nbclient engine for a kernel kept alive between notebooks, registered as ``ENGINE``.

    As papermill's own, but each notebook's client closes its channels when done: nbclient leaves them
    open on a kernel it did not start, and an open client keeps the output of every later notebook.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, execution_timeout=None, start_timeout=60,
                                     **_):
            client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name, timeout=execution_timeout,
                                             startup_timeout=start_timeout, log=logger, log_output=False)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, KeptKernelEngine)


def failure_summary(exc: BaseException) -> str:
    """What went wrong, in a line: the failing cell's error as papermill reports it, else the exception."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}"


def build_document(kernel: Kernel, job: Job, fresh_kernel: bool = False) -> Result:
    """Run one notebook, saving what it writes (its ``save`` parameter) into a staging folder; publish those
    files only when it succeeded: on any failure publish nothing."""
    import papermill

    kept_kernel_engine()
    started = time.perf_counter()
    job.folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{job.html_path.stem}-", dir=job.folder))
    try:
        try:
            papermill.execute_notebook(
                str(job.notebook), None, parameters={**job.parameters, "output_dir": str(staging), "save": True},
                kernel_name=KERNEL_NAME, engine_name=ENGINE, km=kernel.manager(), cwd=str(kernel.cwd),
                execution_timeout=job.timeout, progress_bar=False)
        except Exception as exc:
            kernel.stop()  # a failed document may leave its kernel dead, busy or half-changed
            return Result(job, False, time.perf_counter() - started, failure_summary(exc))
        finally:
            if fresh_kernel:
                kernel.stop()
        written = staging / job.period
        for item in sorted(p for p in written.rglob("*") if p.is_file()):
            target = job.folder / item.relative_to(written)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, target)
        return Result(job, True, time.perf_counter() - started)
    except Exception as exc:
        return Result(job, False, time.perf_counter() - started, failure_summary(exc))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# Workers ----------------------------------------------------------------------------------

_worker: dict = {}  # in a worker process: its kernel (see ``_worker_main``)


def _worker_main(fresh_kernel: bool, folder: str) -> None:
    """A pool worker's start: launch its kernel at once (it starts while the run is being prepared).

    Ctrl-C is the command's to handle (it stops the workers); SIGTERM, as the
    command stops them, kills the worker's kernel and ends it (``_end_worker``);
    and a worker whose command is gone (killed outright, it cleans nothing up)
    ends itself the same way, rather than wait for ever, and removes the run's
    folder. A worker ending normally shuts its kernel down (``_worker_exit``).
    """
    kernel = Kernel(folder=Path(folder))
    _worker.update(kernel=kernel, fresh_kernel=fresh_kernel, folder=folder,
                   command=os.getppid())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    atexit.register(_worker_exit)
    threading.Thread(target=_end_with_command, daemon=True).start()
    if not fresh_kernel:
        kernel.start_early()


def _end_worker(*_) -> None:
    """SIGTERM in a worker: kill its kernel and end it at once, quietly (the document it abandons would report
    its kernel's death): the command says what became of the run.

    Not the ordinary way out (``sys.exit``, the exit handler's graceful ``Kernel.stop``): the signal may have
    interrupted a notebook in the middle of its event loop, and a shutdown that waits on that loop, or on
    the interpreter's own ending, could wait for ever, and with it the command's ``Pool.terminate``, which
    joins every worker. Killing the worker's own child processes and exiting needs nothing to finish.
    """
    import psutil

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())
    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass
    kernel_folder = _worker["kernel"].folder
    if kernel_folder:
        shutil.rmtree(kernel_folder, ignore_errors=True)
    building = _worker.get("building")
    if building is not None:  # the staging folder of the document abandoned (``build_document``'s naming)
        for staging in building.folder.glob(f".staging-{building.html_path.stem}-*"):
            shutil.rmtree(staging, ignore_errors=True)
    if os.getppid() != _worker["command"]:
        shutil.rmtree(_worker["folder"], ignore_errors=True)
    os._exit(1)


def _end_with_command() -> None:
    """In a worker: once the command that started it is gone, end it (see ``_worker_main``)."""
    while os.getppid() == _worker["command"]:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_exit() -> None:
    _worker["kernel"].stop()
    if os.getppid() != _worker["command"]:
        shutil.rmtree(_worker["folder"], ignore_errors=True)


def _build_in_worker(jobs: list[Job]) -> list[Result]:
    """Build ``jobs`` one after another on this worker's kernel."""
    results = []
    for job in jobs:
        _worker["building"] = job
        results.append(build_document(_worker["kernel"], job, _worker["fresh_kernel"]))
    _worker["building"] = None
    return results


# Runs -------------------------------------------------------------------------------------

def chunks(jobs: list[Job], prepared: Path | None, parts: int) -> list[list[Job]]:
    """A period's ``jobs`` given its ``prepared`` file, in ``parts`` runs of consecutive jobs (fewer if fewer jobs)."""
    jobs = [replace(job, parameters={**job.parameters, "prepared": str(prepared) if prepared else None})
            for job in jobs]
    size = -(-len(jobs) // max(1, min(parts, len(jobs))))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def run_jobs(jobs: Sequence[Job] | Callable[[], Sequence[Job]], workers: int = 1, fresh_kernel: bool = False,
             fail_fast: bool = False, progress: bool = True,
             prepare: Callable[[str, Path], Path | None] | None = None) -> list[Result]:
    """Build every job, ``workers`` at a time; failures are collected, not raised. Results come back in the
    jobs' order.

    ``jobs`` is the list, or a function that plans it (called once the
    workers' kernels are starting). ``prepare(period, folder)``, if given,
    builds a period's briefing into ``folder`` and returns its file (None if it
    could not: the notebooks then build it themselves, and report why it fails);
    a period with a single document is not prepared.
    Periods are handed to the workers as they are prepared: each worker takes
    a whole period (split between workers only when there are fewer periods
    than workers). With ``fail_fast`` no document is started after one failed
    (with several workers, those being built are stopped).
    """
    from tqdm import tqdm

    folder = Path(tempfile.mkdtemp(prefix="briefing-run-"))  # the run's kernels' sockets and prepared periods
    pool = here = None
    results: dict[tuple, Result] = {}  # by the document's notebook and HTML path
    finished = False
    try:
        if workers > 1:
            pool = multiprocessing.get_context("spawn").Pool(workers, _worker_main, (fresh_kernel, str(folder)))
        else:
            here = Kernel(folder=folder)
            if not fresh_kernel:
                here.start_early()
        planned = list(jobs() if callable(jobs) else jobs)
        periods = {job.period: [j for j in planned if j.period == job.period] for job in planned}
        parts = -(-workers // max(1, len(periods))) if pool is not None else 1
        done: queue.Queue = queue.Queue()
        with tqdm(total=len(planned), unit="doc", disable=not progress, dynamic_ncols=True) as bar:
            def collect(built: list[Result]) -> bool:
                """Note what was built; whether to go on."""
                results.update((_key(result.job), result) for result in built)
                bar.update(len(built))
                return not (fail_fast and any(not result.ok for result in built))

            sent, going = 0, True
            for period, period_jobs in periods.items():
                # A period of one document has nothing to share: its notebook builds it, in a kernel started at once.
                prepared = prepare(period, folder) if prepare and going and len(period_jobs) > 1 else None
                for chunk in chunks(period_jobs, prepared, parts) if going else []:
                    if pool is None:
                        going = all(collect([build_document(here, job, fresh_kernel)]) for job in chunk)
                    else:
                        pool.apply_async(_build_in_worker, (chunk,), callback=done.put,
                                         error_callback=lambda exc, chunk=chunk: done.put(
                                             [Result(job, False, 0.0, failure_summary(exc)) for job in chunk]))
                        sent += 1
            while sent and collect(done.get()):
                sent -= 1
            finished = not sent
        return _in_order(planned, results)
    finally:
        if pool is not None:
            if finished:
                pool.close()
            else:  # stopped (Ctrl-C, --fail-fast, an error): the documents being built are abandoned
                pool.terminate()
            pool.join()
        if here is not None:
            here.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _in_order(planned: list[Job], results: dict[tuple, Result]) -> list[Result]:
    """A result for every planned job, in the jobs' order: those not built were skipped (``fail_fast``)."""
    return [results.get(_key(job)) or Result(job, False, 0.0, SKIPPED) for job in planned]


def _key(job: Job) -> tuple:
    return job.notebook, job.html_path
