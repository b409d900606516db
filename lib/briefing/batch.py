"""Batch runs: execute the briefing notebooks for one or many periods and convert them to HTML.

Each document is a notebook executed with its parameters (injected the way
papermill does it, always naming the kernel, with a per-cell timeout and the
notebooks folder as working directory) and then converted by nbconvert with
the package's template. A document is staged in a temporary folder and only
moved into ``output/<period>/`` when every step succeeded, so a failed run never
replaces a good briefing.

Speed: a worker keeps one kernel alive and reuses it for document after
document, clearing the user namespace in between, and reuses one HTML exporter.
``fresh_kernel=True`` starts a kernel per document instead (slower; used to
show the reuse leaks no state).
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .paths import NOTEBOOKS_DIR, safe_child
from .periods import label

KERNEL_NAME = "python3"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


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
        return f"{self.period} {self.html_path.parent.name + '/' if self.html_path.parent.name != self.period else ''}" \
               f"{self.html_path.stem}"


@dataclass
class Result:
    """What became of a job: built or failed, how long it took, and where it failed."""

    job: Job
    ok: bool
    seconds: float
    error: str = ""
    outputs: list[Path] = field(default_factory=list)


class NotebookRunner:
    """Executes notebooks on a kernel it keeps alive, and converts them to HTML."""

    def __init__(self, fresh_kernel: bool = False, cwd: Path = NOTEBOOKS_DIR, start_lock=None):
        self.fresh_kernel = fresh_kernel
        self.cwd = Path(cwd)
        self.start_lock = start_lock
        self.km = None
        self.kc = None
        self.used = False
        self._exporter = None

    @property
    def exporter(self):
        if self._exporter is None:
            from nbconvert import HTMLExporter
            self._exporter = HTMLExporter(template_name="briefing", extra_template_basedirs=[str(TEMPLATES_DIR)],
                                          exclude_input=True, exclude_input_prompt=True,
                                          exclude_output_prompt=True, exclude_anchor_links=True)
        return self._exporter

    @staticmethod
    def prepare(notebook: Path, parameters: dict):
        """The notebook with its parameters injected after the ``parameters`` cell, as papermill does."""
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = load_notebook_node(str(notebook))
        return parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")

    def _client(self, nb, timeout: int):
        from nbclient import NotebookClient

        client = NotebookClient(nb, km=self.km, kernel_name=KERNEL_NAME, timeout=timeout,
                                resources={"metadata": {"path": str(self.cwd)}})
        client.kc = self.kc
        return client

    def _start_kernel(self) -> None:
        import nbformat
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        starter = NotebookClient(nbformat.v4.new_notebook(), kernel_name=KERNEL_NAME)
        lock = self.start_lock
        if lock is not None:
            lock.acquire()  # kernels started at the same instant can pick the same ports
        try:
            starter.km = starter.create_kernel_manager()
            run_sync(starter.async_start_new_kernel)(cwd=str(self.cwd))
            run_sync(starter.async_start_new_kernel_client)()
        finally:
            if lock is not None:
                lock.release()
        self.km, self.kc, self.used = starter.km, starter.kc, False

    def run(self, nb, timeout: int = 600):
        """Execute ``nb`` in place (raises on a failed cell, leaving the error in the notebook)."""
        if self.fresh_kernel:
            self.close()
        if self.km is None:
            self._start_kernel()
        if self.used:
            import nbformat
            scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%reset -f")])
            self._client(scratch, 60).execute()
        self.used = True
        self._client(nb, timeout).execute()
        return nb

    def to_html(self, nb, title: str) -> str:
        """The executed notebook as the briefing's self-contained HTML."""
        body, _ = self.exporter.from_notebook_node(nb, resources={"briefing": {"title": title}})
        return body

    def close(self) -> None:
        """Shut the kernel down at once (no graceful wait: the kernel holds nothing worth saving)."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
        self.km = self.kc = None


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


def _worker_main(fresh_kernel: bool, lock, stop, jobs, results) -> None:
    """A worker process: build jobs from the queue on one kept-alive kernel until told to stop."""
    runner = NotebookRunner(fresh_kernel=fresh_kernel, start_lock=lock)
    try:
        while (item := jobs.get()) is not None:
            index, job = item
            if stop.is_set():
                results.put((index, Result(job, False, 0.0, "skipped: an earlier document failed (--fail-fast)")))
                continue
            results.put((index, build_document(runner, job)))
    finally:
        runner.close()


def run_jobs(jobs: list[Job], workers: int = 1, fresh_kernel: bool = False, fail_fast: bool = False,
             progress: bool = True) -> list[Result]:
    """Build every job, ``workers`` at a time; failures are collected, not raised."""
    from tqdm import tqdm

    workers = max(1, min(workers, len(jobs)))
    results: dict[int, Result] = {}
    bar = tqdm(total=len(jobs), unit="doc", disable=not progress, dynamic_ncols=True)
    try:
        if workers == 1:
            runner = NotebookRunner(fresh_kernel=fresh_kernel)
            try:
                for index, job in enumerate(jobs):
                    if fail_fast and any(not r.ok for r in results.values()):
                        results[index] = Result(job, False, 0.0, "skipped: an earlier document failed (--fail-fast)")
                    else:
                        results[index] = build_document(runner, job)
                    bar.update()
            finally:
                runner.close()
            return [results[i] for i in range(len(jobs))]
        context = multiprocessing.get_context("fork")
        lock, stop = context.Lock(), context.Event()
        job_queue, result_queue = context.Queue(), context.Queue()
        for item in enumerate(jobs):
            job_queue.put(item)
        for _ in range(workers):
            job_queue.put(None)
        processes = [context.Process(target=_worker_main, args=(fresh_kernel, lock, stop, job_queue, result_queue),
                                     daemon=False) for _ in range(workers)]
        for process in processes:
            process.start()
        while len(results) < len(jobs):
            try:
                index, result = result_queue.get(timeout=2)
            except queue.Empty:
                if not any(p.is_alive() for p in processes):
                    break
                continue
            results[index] = result
            if fail_fast and not result.ok:
                stop.set()
            bar.update()
        for process in processes:
            process.join(timeout=30)
    finally:
        bar.close()
    return [results.get(i, Result(job, False, 0.0, "worker process died")) for i, job in enumerate(jobs)]
