"""Batch runs: execute the briefing notebooks for one or many periods and convert them to HTML.

A run goes like this (what each step buys is measured in ``benchmarks/README.md``):

1. This process builds each period's briefing once (``document.prepare_briefing``:
   the returns read, validated and rated, the finance position and checks worked
   out) and saves it in the run's private folder; the period's notebooks are
   given that file as their ``prepared`` parameter. Each return is read once for
   the whole run (``readcache``): consecutive periods share twelve months.
2. Workers (a ``concurrent.futures`` process pool; this process itself when one
   document is built at a time) each start one kernel of this environment's
   ipykernel through jupyter_client and keep it for every document they are
   given: papermill executes each notebook with its parameters in that kernel
   (``papermill.execute_notebook(..., kernel_name=..., km=...)``; nbclient does
   not shut down a kernel it did not start). A document that fails takes its
   kernel with it and the next gets a new one; ``fresh_kernel`` starts a new
   kernel for every document.
3. nbconvert turns the executed notebook into HTML (``BriefingExporter``). A
   document is staged in a temporary folder and moved into ``output/<period>/``
   only when every step succeeded, so a failed run never replaces a good briefing.
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from .paths import NOTEBOOKS_DIR

KERNEL_NAME = "python3"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# Public IPython options for every kernel: import the package as the kernel starts (so the import
# overlaps the building of the period here rather than delaying the first cell); keep no history
# database (kernels of one run would otherwise share one SQLite file) and no output cache (``Out``
# would otherwise keep every document's displayed sections alive for the kernel's whole life).
KERNEL_ARGUMENTS = ["--IPKernelApp.exec_lines=import briefing.document", "--HistoryManager.hist_file=:memory:",
                    "--InteractiveShell.cache_size=0"]
MAX_SOCKET_PATH = 100  # bytes in a Unix socket's path (107 on Linux), less the socket's own name
SKIPPED = "skipped: an earlier document failed (--fail-fast)"


@dataclass(frozen=True)
class Job:
    """One document to build: a notebook, its parameters and where its HTML goes."""

    notebook: Path
    period: str
    parameters: dict
    html_path: Path
    title: str
    timeout: int = 600

    @property
    def name(self) -> str:
        folder = self.html_path.parent.name
        return f"{self.period} {folder + '/' if folder != self.period else ''}{self.html_path.stem}"


@dataclass
class Result:
    """What became of a job: built or failed, how long it took, and where it failed."""

    job: Job
    ok: bool
    seconds: float
    error: str = ""
    outputs: list[Path] = field(default_factory=list)


def briefing_exporter():
    """nbconvert's template exporter with the package's ``briefing`` template: HTML with no code and no prompts.

    A ``TemplateExporter`` rather than the ``HTMLExporter``: the briefing
    template writes its own page (style, header, figures with alt text) and
    uses none of JupyterLab's markup, so the HTML exporter's extra pass over
    the finished page (a BeautifulSoup parse to give JupyterLab cells tab
    stops) would change nothing a reader sees, at 17 s a large council's
    corporate briefing.
    """
    from nbconvert.exporters import TemplateExporter

    class BriefingExporter(TemplateExporter):
        output_mimetype = "text/html"
        export_from_notebook = None

        def _file_extension_default(self):
            return ".html"

    return BriefingExporter(template_name="briefing", extra_template_basedirs=[str(TEMPLATES_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


class Kernel:
    """One kernel of this environment's ipykernel, kept for document after document.

    Started through jupyter_client's ``AsyncKernelManager`` with a kernel spec
    manager that looks in no kernel folders, so ``python3`` is always the
    ipykernel installed beside the package (this Python), whatever other
    kernels the machine has. It talks over IPC sockets in a private folder
    (nothing on the network, no ports to race for), removed when it stops.
    """

    def __init__(self, cwd: Path = NOTEBOOKS_DIR, folder: Path | None = None):
        self.cwd = Path(cwd)
        self.parent = folder  # where its private folder goes (None: the system's temporary folder)
        self.km = None
        self.folder: str | None = None

    def start(self) -> None:
        """Launch the kernel process; nbclient waits for it to be ready when the first notebook runs."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.folder = tempfile.mkdtemp(prefix="kernel-", dir=self.parent)
        sockets = os.path.join(self.folder, "ipc")  # the kernel's sockets are ipc-1 to ipc-5
        ipc = len(sockets.encode()) < MAX_SOCKET_PATH  # else (a very long TMPDIR) local TCP ports
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]),
                                transport="ipc" if ipc else "tcp", ip=sockets if ipc else "127.0.0.1",
                                connection_file=os.path.join(self.folder, "kernel.json"))
        try:
            run_sync(km.start_kernel)(cwd=str(self.cwd), extra_arguments=KERNEL_ARGUMENTS)
        except BaseException:
            self.stop()
            raise
        self.km = km

    def start_early(self) -> None:
        """``start`` ahead of the first document, so that it overlaps other work. A kernel that cannot start
        is started again by the first document, which then fails and says why."""
        try:
            self.start()
        except Exception:  # noqa: BLE001 - reported by the first document
            self.stop()

    def manager(self):
        """The kernel manager, starting a kernel first if there is none."""
        if self.km is None:
            self.start()
        return self.km

    def stop(self) -> None:
        """Shut the kernel down at once: it holds nothing worth a graceful wait."""
        from jupyter_core.utils import run_sync

        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - stopping must not hide the run's own result
                pass
            self.km = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def failure_summary(exc: BaseException) -> str:
    """What went wrong, in a line: the failing cell's error as papermill reports it, else the exception."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}"


def build_document(kernel: Kernel, job: Job, exporter, fresh_kernel: bool = False) -> Result:
    """Execute, convert and publish one document; on any failure publish nothing."""
    import papermill

    started = time.perf_counter()
    final_dir = job.html_path.parent
    final_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{job.html_path.stem}-", dir=final_dir))
    try:
        try:
            nb = papermill.execute_notebook(
                str(job.notebook), None, parameters={**job.parameters, "output_dir": str(staging)},
                kernel_name=KERNEL_NAME, km=kernel.manager(), cwd=str(kernel.cwd),
                execution_timeout=job.timeout, progress_bar=False)
        except Exception as exc:
            kernel.stop()  # a failed document may leave its kernel dead, busy or half-changed
            return Result(job, False, time.perf_counter() - started, failure_summary(exc))
        finally:
            if fresh_kernel:
                kernel.stop()
        body, _ = exporter.from_notebook_node(nb, resources={"briefing": {"title": job.title}})
        (staging / job.html_path.name).write_text(body, encoding="utf-8")
        published = []
        for item in sorted(staging.iterdir()):
            target = final_dir / item.name
            os.replace(item, target)
            published.append(target)
        return Result(job, True, time.perf_counter() - started, outputs=published)
    except Exception as exc:
        return Result(job, False, time.perf_counter() - started, failure_summary(exc))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# Workers ----------------------------------------------------------------------------------

_worker: dict = {}  # in a worker process: its kernel and exporter (see ``_worker_main``)


def _worker_main(fresh_kernel: bool, folder: str) -> None:
    """A pool worker's start: launch its kernel at once (it starts while the run is being prepared).

    Ctrl-C is the command's to handle (it stops the workers); SIGTERM, as the
    command stops them, ends the worker the ordinary way, so its kernel is shut
    down (``_worker_exit``); and a worker whose command is gone (killed
    outright, it cleans nothing up) ends itself the same way, rather than wait
    for ever, and removes the run's folder.
    """
    kernel = Kernel(folder=Path(folder))
    _worker.update(kernel=kernel, exporter=briefing_exporter(), fresh_kernel=fresh_kernel, folder=folder,
                   command=os.getppid())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    atexit.register(_worker_exit)
    threading.Thread(target=_end_with_command, daemon=True).start()
    if not fresh_kernel:
        kernel.start_early()


def _end_worker(*_) -> None:
    """SIGTERM in a worker: end it the ordinary way (its exit handler stops its kernel), once."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(1)


def _end_with_command() -> None:
    """In a worker: once the command that started it is gone, end the worker (see ``_worker_main``)."""
    while os.getppid() == _worker["command"]:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_exit() -> None:
    _worker["kernel"].stop()
    if os.getppid() != _worker["command"]:
        shutil.rmtree(_worker["folder"], ignore_errors=True)


def _build_in_worker(jobs: list[Job]) -> list[Result]:
    """Build ``jobs`` one after another on this worker's kernel."""
    return [build_document(_worker["kernel"], job, _worker["exporter"], _worker["fresh_kernel"]) for job in jobs]


# Runs -------------------------------------------------------------------------------------

@dataclass
class Period:
    """One period's documents, and the file where its briefing was prepared for them (None: not prepared)."""

    jobs: list[Job]
    prepared: Path | None = None

    def chunks(self, parts: int) -> list[list[Job]]:
        """The jobs in ``parts`` runs of consecutive jobs (fewer if there are fewer jobs), each given the file."""
        jobs = [replace(job, parameters={**job.parameters, "prepared": str(self.prepared) if self.prepared else None})
                for job in self.jobs]
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
    could not: the notebooks then build it themselves, and report why it fails).
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
        periods = [Period([j for j in planned if j.period == p]) for p in dict.fromkeys(j.period for j in planned)]
        parts = -(-workers // max(1, len(periods)))
        done: queue.Queue = queue.Queue()
        with tqdm(total=len(planned), unit="doc", disable=not progress, dynamic_ncols=True) as bar:
            def collect(built: list[Result]) -> bool:
                """Note what was built; whether to go on."""
                results.update((_key(result.job), result) for result in built)
                bar.update(len(built))
                return not (fail_fast and any(not result.ok for result in built))

            exporter = briefing_exporter() if pool is None else None
            sent, going = 0, True
            for period in periods:
                if not going:
                    break
                period.prepared = prepare(period.jobs[0].period, folder) if prepare else None
                for chunk in period.chunks(parts if pool is not None else 1):
                    if pool is None:
                        going = all(collect([build_document(here, job, exporter, fresh_kernel)]) for job in chunk)
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


def usable_cores() -> int:
    """The cores this process may run on (all of the machine's where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
