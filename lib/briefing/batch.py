"""Batch runs: execute the briefing notebooks for one or many periods and convert them to HTML.

Each document is a notebook executed with its parameters (injected the way
papermill does it, always naming the kernel, with a per-cell timeout and the
notebooks folder as working directory) and then converted by nbconvert with
the package's template. A document is staged in a temporary folder and only
moved into ``output/<period>/`` when every step succeeded, so a failed run never
replaces a good briefing.

Speed (what each step gave is measured in ``benchmarks/README.md``):

* a worker keeps one kernel alive for document after document, clearing the
  user namespace in between (as ``%reset -f`` does, less its garbage collection:
  see ``RESET``), and reuses one HTML exporter, so
  process, kernel and import start-up are paid once per worker, not per document;
* the kernel is launched the moment its worker starts and told at once to import
  the package, so its start-up overlaps the planning of the run; it talks to the
  worker over IPC sockets (no ports to race for, nothing on the network);
* the package remembers what it read (``briefing.cache``), so a worker handed the
  documents of one period in a row, as the scheduler here does where it can,
  loads and rates that period once;
* kernels are shut down at once: they hold nothing worth a graceful wait;
* building one document at a time with a core to spare (``_run_here``), the
  command reads the first document's returns while its kernel starts and
  hands them over (``read_ahead``), and the kernel may draw a document's later
  charts in a copy of itself while it shows the first (``charts.draw_ahead``).

A document that fails takes its kernel with it: the next document gets a new
kernel, so a dead, still-busy or half-changed kernel cannot spoil it.

``fresh_kernel=True`` starts a new kernel for every document instead (slower;
the tests use it to show that reusing a kernel leaks nothing between documents).
"""
from __future__ import annotations

import contextlib
import contextvars
import multiprocessing
import os
import queue
import shutil
import statistics
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .params import DRAW_AHEAD_VARIABLE, SHARED_VARIABLE
from .paths import NOTEBOOKS_DIR

KERNEL_NAME = "python3"
KERNEL_MODULE = "ipykernel_launcher"  # run with this environment's Python: see ``Kernel``
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STARTUP_TIMEOUT = 60
# Run in a new kernel before its first document. Importing the package while the
# run is still being planned takes pandas' and matplotlib's import off the first
# document's time; with the garbage collector paused it takes a tenth less time
# (the imports make objects, not garbage). Freezing what the imports made keeps
# it out of every full garbage collection (which took 0.2 s otherwise, when one
# ran after every document). All of it leaves the user namespace empty.
# pandera's first validation imports its data-synthesis strategies, which import hypothesis where it is
# installed (it is, with the test extras): a tenth of a second of a cold briefing for something no document
# uses. The runner's kernels go without it (``None`` in sys.modules makes ``import hypothesis`` fail, as
# pandera expects when it is not installed).
WARM_UP = ("__import__('sys').modules.setdefault('hypothesis', None)\n"
           "__import__('gc').disable()\n"
           "try:\n    __import__('briefing.document')\n"
           "finally:\n    __import__('gc').freeze()\n    __import__('gc').enable()")
# Between documents: clear the user namespace, clear what the package remembers
# of the copies the last document was given (``cache.drop_dead_references``),
# then hand the memory the document freed back to the system (glibc keeps freed
# heap otherwise, so each kernel would stay at the size of the largest document
# it ever built). The namespace is cleared as ``%reset -f`` clears it (the
# shell's own ``reset``), but without the full garbage collection the magic
# ends with; and the kernel keeps no output cache (``cache_size=0``: no ``_``,
# ``_1``, ``Out``), whose flush would collect too. That collection took 10 ms
# a document on the large council, 2.8 s of each kernel's year; the collector's
# own thresholds gather the cycles a document leaves (20 full collections in a
# kernel's year rather than 264).
TRIM = "getattr(__import__('ctypes').CDLL(None), 'malloc_trim', lambda pad: 0)(0)"
RESET = f"get_ipython().reset(new_session=False)\n__import__('briefing.cache').cache.drop_dead_references()\n{TRIM}"
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
    """An HTML exporter for the briefing template: nbconvert's, less its last step.

    nbconvert's ``HTMLExporter`` ends by parsing the whole page with
    BeautifulSoup to give JupyterLab's cells tab stops and images without
    alt text a placeholder. The briefing template writes none of JupyterLab's
    markup and every chart carries its own alt text, so the pass changes
    nothing a reader sees; it only re-serialises what the package wrote
    (attribute order, entities), and costs 0.1 s on a bundled corporate
    briefing and 17 s and half a gigabyte on the large council's (whose
    tables run to 50,000 rows).
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BriefingExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            """``HTMLExporter.from_notebook_node`` up to, not including, its BeautifulSoup pass."""
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return BriefingExporter(template_name="briefing", extra_template_basedirs=[str(TEMPLATES_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            exclude_anchor_links=True)


class Kernel:
    """A kernel process of this environment's ipykernel, talking over IPC sockets in a private folder.

    What ``jupyter_client``'s ``AsyncKernelManager`` does for the runner
    (launch, is it alive, interrupt, kill), done directly: the process is
    launched the way jupyter_client's launcher launches it (a new session,
    ``JPY_PARENT_PID`` so that it ends with its parent), from a connection
    file written here, without importing jupyter_client first (a tenth of a
    second). It is always this environment's Python and ipykernel, the ones
    that have the package, whatever kernels are installed elsewhere.
    nbclient is handed it as its kernel manager.
    """

    def __init__(self, process, connection_file: Path):
        self.process = process
        self.connection_file = connection_file

    @classmethod
    def launch(cls, folder: Path, cwd: Path, env: dict) -> "Kernel":
        import json
        import secrets
        import subprocess
        import sys

        connection_file = folder / "kernel.json"
        ports = ("shell", "iopub", "stdin", "control", "hb")
        info = {f"{name}_port": number for number, name in enumerate(ports, start=1)}
        info.update(ip=str(folder / "kernel-ipc"), transport="ipc", key=secrets.token_hex(16),
                    signature_scheme="hmac-sha256", kernel_name=KERNEL_NAME)
        fd = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(info, out)
        process = subprocess.Popen(
            [sys.executable, "-m", KERNEL_MODULE, "-f", str(connection_file),
             "--HistoryManager.hist_file=:memory:", "--InteractiveShell.cache_size=0"],
            cwd=str(cwd), env={**env, "JPY_PARENT_PID": str(os.getpid())}, stdin=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        return cls(process, connection_file)

    has_kernel = True  # for nbclient: it has one, so nbclient starts none of its own

    def client(self):
        """A client connected to this kernel's sockets (not yet started)."""
        from jupyter_client.asynchronous import AsyncKernelClient

        kc = AsyncKernelClient(connection_file=str(self.connection_file))
        kc.load_connection_file()
        return kc

    async def is_alive(self) -> bool:
        return self.process.poll() is None

    async def interrupt_kernel(self) -> None:
        """Interrupt what the kernel is running, as ipykernel expects: SIGINT to its process group."""
        import signal

        if await self.is_alive():
            os.killpg(self.process.pid, signal.SIGINT)

    async def shutdown_kernel(self, now: bool = True, restart: bool = False) -> None:
        """End the kernel at once: it holds nothing worth a graceful wait."""
        self.kill()

    async def cleanup_resources(self, restart: bool = False) -> None:
        """Nothing to clean: the runner removes the kernel's folder, sockets and connection file with it."""

    def kill(self) -> None:
        import signal

        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # the kernel and any copy drawing charts for it
        self.process.wait()


class KernelNotReady(RuntimeError):
    """The kernel did not answer within ``STARTUP_TIMEOUT`` seconds, or died starting."""


class NotebookRunner:
    """Executes notebooks on a kernel it keeps alive, and converts them to HTML."""

    def __init__(self, fresh_kernel: bool = False, cwd: Path = NOTEBOOKS_DIR, spare_core: bool = False,
                 shared: str | None = None):
        self.fresh_kernel = fresh_kernel
        self.spare_core = spare_core  # nothing else runs beside this runner's kernel: see _run_here
        self.shared = shared  # the folder where kernels of the run share the months they read: see _WorkerPool
        self.cwd = Path(cwd)
        self.km = None
        self.kc = None
        self.ready = False
        self.used = False
        self._folder: str | None = None
        self._exporter = None
        self._primer: threading.Thread | None = None

    @property
    def exporter(self):
        if self._exporter is None:
            self._exporter = briefing_exporter()
        return self._exporter

    def prime(self, background: bool = False) -> None:
        """Load the notebook machinery and compile the HTML template now, rather than in the first document.

        With ``background`` the template (the larger part) is compiled in a
        thread, while this one goes on to wait for the kernel and run the first
        document; ``to_html`` waits for it.
        """
        import nbformat
        from nbclient import NotebookClient  # noqa: F401 - imported for its start-up cost
        from papermill.parameterize import parameterize_notebook  # noqa: F401

        def compile_template() -> None:
            try:
                self.to_html(nbformat.v4.new_notebook(), "warm-up")
            except Exception:  # noqa: BLE001 - the first document's conversion fails the same way and says so
                pass

        if background:
            self._primer = threading.Thread(target=compile_template, daemon=True)
            self._primer.start()
        else:
            compile_template()

    @staticmethod
    def prepare(notebook: Path, parameters: dict):
        """The notebook with its parameters injected after the ``parameters`` cell, as papermill does."""
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = load_notebook_node(str(notebook))
        return parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")

    def start(self) -> None:
        """Launch the kernel and ask it to import the package, without waiting for either.

        The kernel process is started before jupyter_client is even imported
        (``Kernel``): its start-up is the longest wait of a one-document run.
        """
        self._folder = tempfile.mkdtemp(prefix="briefing-kernel-")
        env = dict(os.environ)
        env.pop(SHARED_VARIABLE, None)
        if self.shared:
            env[SHARED_VARIABLE] = self.shared
        if self.spare_core:
            # The kernel draws charts ahead (``charts.draw_ahead``), into temporary files kept in this
            # runner's folder, so that none outlives the run even if a document fails.
            env.update({DRAW_AHEAD_VARIABLE: "1", "TMPDIR": self._folder})
        km = Kernel.launch(Path(self._folder), self.cwd, env)
        try:
            kc = km.client()
            kc.start_channels()
        except BaseException:
            km.kill()
            raise
        kc.allow_stdin = False
        kc.execute(WARM_UP, silent=True, store_history=False)
        self.km, self.kc, self.ready, self.used = km, kc, False, False

    async def _until_ready(self) -> None:
        """Wait until the kernel answers on its shell channel and its output (IOPub) is seen to arrive.

        Like jupyter_client's ``wait_for_ready``, but without its final 0.2 s
        wait for silence: the executor ignores output that is not its own.
        """
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            msg_id = self.kc.kernel_info()
            while True:
                try:
                    reply = await self.kc.shell_channel.get_msg(timeout=1)
                except queue.Empty:
                    break
                if reply["parent_header"].get("msg_id") == msg_id:
                    try:
                        await self.kc.iopub_channel.get_msg(timeout=0.2)
                        return
                    except queue.Empty:
                        break  # output not connected yet: ask again
            if not await self.km.is_alive():
                raise KernelNotReady(f"the kernel died while starting (exit code {self.km.process.poll()}; "
                                     "what it printed is above)")
        raise KernelNotReady(f"the kernel did not start within {STARTUP_TIMEOUT} s")

    def read_ahead(self, parameters: dict) -> None:
        """Read the returns of the document with these parameters here, while the kernel starts, and have
        the kernel take them as read (``returns.read_ahead``); it then reads only what has changed since.

        For a run that builds one document at a time, on a machine with a core
        to spare: this process has nothing else to do while its kernel starts
        and imports the package. Anything that goes wrong here is left for the
        kernel to meet, and report, when it reads the returns itself.
        """
        from .returns import read_ahead

        try:
            path = os.path.join(self._folder, "read-ahead.pickle")
            read_ahead(parameters, Path(path))
        except Exception:  # noqa: BLE001 - the document reads the returns itself, and says what is wrong
            return
        self.kc.execute(f"__import__('briefing.cache').cache.adopt({path!r})", silent=True, store_history=False)

    def run(self, nb, timeout: int = 600):
        """Execute ``nb`` in place (raises on a failed cell, leaving the error in the notebook)."""
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        if self.fresh_kernel and self.used:
            self.close()
        try:
            if self.km is None:
                self.start()
            if not self.ready:
                run_sync(self._until_ready)()
                self.ready = True
            if self.used:
                # Queued ahead of the document's cells on the same channel, so it runs first.
                self.kc.execute(RESET, silent=True, store_history=False)
            self.used = True
            client = NotebookClient(nb, km=self.km, kernel_name=KERNEL_NAME, timeout=timeout,
                                    resources={"metadata": {"path": str(self.cwd)}})
            client.kc = self.kc
            client.execute()
        except BaseException:
            self.close()  # a failed document may leave its kernel dead, busy or half-changed: the next gets a new one
            raise
        return nb

    def early(self, *steps: Callable[[], None]) -> None:
        """Run start-up steps (``start``, ``prime``) ahead of the first document, so they overlap other work.

        A step that fails is run again by the first document, which reports why.
        """
        try:
            for step in steps:
                step()
        except Exception:  # noqa: BLE001 - reported by the first document, which needs the same steps
            self.close()

    def to_html(self, nb, title: str) -> str:
        """The executed notebook as the briefing's self-contained HTML."""
        if self._primer is not None and self._primer is not threading.current_thread():
            self._primer.join()
            self._primer = None
        body, _ = self.exporter.from_notebook_node(nb, resources={"briefing": {"title": title}})
        return body

    def close(self) -> None:
        """Shut the kernel down at once (no graceful wait: the kernel holds nothing worth saving)."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - closing must not hide the run's own result
                pass
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
        self.km = self.kc = self._folder = None
        self.ready = False


def failure_summary(nb, exc: BaseException) -> str:
    """Name the cell that raised and the error, from the executed notebook."""
    if nb is not None:
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                    return f"cell {index} `{first}`: {output.get('ename')}: {output.get('evalue')}"
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"


def build_document(runner: NotebookRunner, job: Job) -> Result:
    """Execute, convert and publish one document; on any failure publish nothing."""
    started = time.perf_counter()
    final_dir = job.html_path.parent
    final_dir.mkdir(parents=True, exist_ok=True)
    staging = final_dir / f".staging-{job.html_path.stem}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    nb = None
    try:
        nb = runner.prepare(job.notebook, {**job.parameters, "output_dir": str(staging)})
        try:
            runner.run(nb, job.timeout)
        except Exception as exc:
            return Result(job, False, time.perf_counter() - started, failure_summary(nb, exc))
        (staging / job.html_path.name).write_text(runner.to_html(nb, job.title), encoding="utf-8")
        published = []
        for item in sorted(staging.iterdir()):
            target = final_dir / item.name
            os.replace(item, target)
            published.append(target)
        return Result(job, True, time.perf_counter() - started, outputs=published)
    except Exception as exc:
        return Result(job, False, time.perf_counter() - started,
                      f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def next_job(pending: Sequence[int], jobs: Sequence[Job], last_period: str | None, busy: set[str],
             share: tuple[int, int] = (0, 1), worth_joining: Callable[[str], bool] = lambda period: True) -> int | None:
    """Which pending job an idle worker takes next, or None to take none.

    One of the period it built last, if any is left (that period's briefing is
    already loaded and rated in its kernel); else one of the period after it,
    if no other worker is on that (its kernel holds eleven of that period's
    twelve months of history, so it reads one new month, not two); else the
    first of a period no other worker is building (so two workers do not
    both load the same period); else the first pending job, of a period
    another worker is building. A worker that has built something joins
    another's period only if ``worth_joining`` it: loading a period it has not
    loaded can cost more than the few documents left there (see
    ``_WorkerPool``).

    A worker's first job (``share`` is its number and the number of workers)
    is the first of its share of the periods: with two workers and twelve
    months, one starts at the first month and the other at the seventh, and
    each then goes on month by month.
    """
    periods = list(dict.fromkeys(job.period for job in jobs))
    if last_period is None:
        start = periods[share[0] * len(periods) // max(share[1], 1)]
        rules = [lambda job: job.period == start and job.period not in busy]
    else:
        following = periods[periods.index(last_period) + 1:periods.index(last_period) + 2]
        rules = [lambda job: job.period == last_period,
                 lambda job: job.period in following and job.period not in busy]
    joining = lambda job: last_period is None or worth_joining(job.period)  # noqa: E731
    for wanted in (*rules, lambda job: job.period not in busy, joining):
        for index in pending:
            if wanted(jobs[index]):
                return index
    return None


def _progress_bar(total: int, progress: bool):
    from tqdm import tqdm
    return tqdm(total=total, unit="doc", disable=not progress, dynamic_ncols=True)


JobsOrPlan = Sequence[Job] | Callable[[], Sequence[Job]]


def run_jobs(jobs: JobsOrPlan, workers: int = 1, fresh_kernel: bool = False, fail_fast: bool = False,
             progress: bool = True) -> list[Result]:
    """Build every job, ``workers`` at a time; failures are collected, not raised.

    ``jobs`` is the list of jobs, or a function that plans it: a function is
    called once the workers' kernels are starting, so that planning the run and
    starting the kernels happen at the same time. Results come back in the
    jobs' order. With ``fail_fast`` no job is started after one has failed;
    the jobs left are reported as skipped.
    """
    planned = None if callable(jobs) else list(jobs)
    workers = max(1, workers if planned is None else min(workers, len(planned)))
    if workers == 1:
        return _run_here(jobs, fresh_kernel, fail_fast, progress)
    pool = _WorkerPool(workers, fresh_kernel)
    try:
        return pool.run(planned if planned is not None else list(jobs()), fail_fast, progress)
    finally:
        pool.close()


def _run_here(jobs: JobsOrPlan, fresh_kernel: bool, fail_fast: bool, progress: bool) -> list[Result]:
    """Build the jobs one after another on a kernel of this process."""
    spare = not fresh_kernel and usable_cores() > 1
    runner = NotebookRunner(fresh_kernel=fresh_kernel, spare_core=spare)
    try:
        runner.early(runner.start)
        jobs = list(jobs() if callable(jobs) else jobs)
        runner.early(lambda: runner.prime(background=True))
        if jobs and runner.kc is not None and spare:
            runner.read_ahead(jobs[0].parameters)
        results: list[Result] = []
        with _progress_bar(len(jobs), progress) as bar:
            for job in jobs:
                failed = fail_fast and any(not r.ok for r in results)
                results.append(Result(job, False, 0.0, SKIPPED) if failed else build_document(runner, job))
                bar.update()
        return results
    finally:
        runner.close()


def usable_cores() -> int:
    """The cores this process may run on (all of the machine's where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _worker_main(number: int, fresh_kernel: bool, shared: str | None, tasks, results) -> None:
    """A worker process: start a kernel at once, then build the jobs it is sent until told to stop."""
    import asyncio

    runner = NotebookRunner(fresh_kernel=fresh_kernel, shared=shared)
    command = os.getppid()
    try:
        runner.early(runner.start, runner.prime)
        while (item := _next_task(tasks, command)) is not None:
            index, job = item
            results.put((number, index, build_document(runner, job)))
            trim_memory()
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # Ctrl-C reaches the workers too (nbclient answers it by cancelling): the command reports the run
    finally:
        runner.close()
        if shared and os.getppid() != command:  # the command was killed outright: the run's folder is left to us
            shutil.rmtree(shared, ignore_errors=True)


def _next_task(tasks, command: int):
    """The next task a worker is sent; None once told to stop, or once the command that started it is gone
    (killed outright, it cannot say so: its workers and their kernels would otherwise wait for ever)."""
    while True:
        try:
            return tasks.get(timeout=1)
        except queue.Empty:
            if os.getppid() != command:
                return None


def trim_memory() -> None:
    """Return freed heap to the system (glibc only; elsewhere nothing to do), as the kernels do with ``TRIM``."""
    exec(TRIM)


def _in_new_context(*args) -> None:
    """Run a worker in a fresh context, so it makes its own event loop rather than reusing its parent's."""
    contextvars.Context().run(_worker_main, *args)


class _WorkerPool:
    """Worker processes, forked (and their kernels started) as soon as the pool is made.

    The pool hands each worker one job at a time, chosen by ``next_job``, so
    a worker stays on one period while that period has documents left.

    The kernels share the months of returns they read through a private
    folder of the pool's (``cache.shared_value``), removed when the pool
    closes. Not with ``fresh_kernel``: each document then reads its returns
    itself, as the reference a kernel reused for document after document is
    tested against.
    """

    def __init__(self, workers: int, fresh_kernel: bool):
        context = multiprocessing.get_context("fork")
        self.results = context.Queue()
        self.tasks = [context.Queue() for _ in range(workers)]
        self.shared = None if fresh_kernel else tempfile.mkdtemp(prefix="briefing-shared-")
        self.processes = [context.Process(target=_in_new_context,
                                          args=(n, fresh_kernel, self.shared, self.tasks[n], self.results),
                                          daemon=False) for n in range(workers)]
        for process in self.processes:
            process.start()

    def run(self, jobs: list[Job], fail_fast: bool, progress: bool) -> list[Result]:
        results: dict[int, Result] = {}
        pending = list(range(len(jobs)))
        busy: dict[int, int] = {}
        last: dict[int, str] = {}
        took: dict[str, list[float]] = {}  # each period's documents' times, as they finished
        stopped = False

        def worth_joining(period: str) -> bool:
            """Whether a second worker should join ``period``: if the documents left there would take the
            worker on it longer than twice its first document of the period took (which loaded the period,
            as joining would; on the large council, 3.6 s against 0.19 s a directorate briefing). Joining for
            the last few documents only delays the end of the run by the time the period takes to load."""
            times = took.get(period, [])
            if len(times) < 2:
                return True  # nothing yet to judge by
            left = sum(1 for i in pending if jobs[i].period == period)
            return left * statistics.median(times[1:]) > 2 * times[0]

        def dispatch(worker: int) -> None:
            if pending and not stopped and worker not in busy and self.processes[worker].is_alive():
                index = next_job(pending, jobs, last.get(worker), {jobs[i].period for i in busy.values()},
                                 (worker, len(self.processes)), worth_joining)
                if index is None:
                    return  # idle until another document finishes, when it is asked again
                pending.remove(index)
                busy[worker] = index
                self.tasks[worker].put((index, jobs[index]))

        with _progress_bar(len(jobs), progress) as bar:
            for worker in range(len(self.processes)):
                dispatch(worker)
            while busy:
                try:
                    worker, index, result = self.results.get(timeout=1)
                except queue.Empty:
                    for worker, index in list(busy.items()):
                        if not self.processes[worker].is_alive():
                            results[index] = Result(jobs[index], False, 0.0, "worker process died")
                            del busy[worker]
                            bar.update()
                    for idle in range(len(self.processes)):  # one that waited on a dead worker's period
                        dispatch(idle)
                    continue
                del busy[worker]
                results[index], last[worker] = result, jobs[index].period
                took.setdefault(jobs[index].period, []).append(result.seconds)
                stopped = stopped or (fail_fast and not result.ok)
                bar.update()
                for idle in [worker, *range(len(self.processes))]:
                    dispatch(idle)
        reason = SKIPPED if stopped else "not built: every worker process died"
        return [results.get(i) or Result(job, False, 0.0, reason) for i, job in enumerate(jobs)]

    def close(self) -> None:
        """Tell every worker to stop, and wait for them (each shuts its kernel down)."""
        for tasks in self.tasks:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        if self.shared:
            shutil.rmtree(self.shared, ignore_errors=True)
