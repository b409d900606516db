"""The batch runner: kept-alive kernels build what fresh kernels build, failures stay with their document."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from briefing import cli
from briefing.batch import SKIPPED, Job, run_jobs

PERIODS = "2022-06..2022-07"
YEAR = "2022-04..2023-03"  # a run long enough to be in its middle whenever a test stops it
HANG_GUARD = 240  # seconds: reached only if a run hangs; no assertion is on how long anything takes


# The last cell of every test notebook: as the briefing notebooks, it writes its document (``<name>.html``, a page
# showing its name) into ``output_dir/<period>/`` when asked to save, as the batch asks.
SAVE = ("if save:\n"
        "    from briefing.export import document_html\n"
        "    class Shown:\n"
        "        def _repr_html_(self):\n"
        "            return f'<pre>{name}</pre>'\n"
        "    open(os.path.join(folder, name + '.html'), 'w').write(document_html(f'Document {name}', [Shown()]))")


def notebook(path, *cells: str):
    """A notebook with a ``parameters`` cell (``name``, ``period``, ``output_dir``, ``save``), a cell making
    ``folder`` (its period's folder under ``output_dir``), then ``cells``, then ``SAVE``."""
    parameters = nbformat.v4.new_code_cell('name = "default"\nperiod = "2022-07"\noutput_dir = None\n'
                                           'save = False\nprepared = None')
    parameters.metadata["tags"] = ["parameters"]
    folder = "import os\nfolder = os.path.join(output_dir or '.', period)\nos.makedirs(folder, exist_ok=True)"
    nb = nbformat.v4.new_notebook(cells=[parameters, *(nbformat.v4.new_code_cell(c) for c in (folder, *cells, SAVE))])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


# A document that writes its kernel's process id and the names it found already defined,
# then displays its name: enough to see which kernel built it and what it inherited.
RECORD = ("import os, json\n"
          "inherited = sorted(k for k in globals() if not k.startswith('_') and k not in "
          "('name', 'period', 'output_dir', 'save', 'folder', 'os', 'json'))\n"
          "open(os.path.join(folder, 'kernel.json'), 'w').write(json.dumps([os.getpid(), inherited]))\n"
          "leftover = name\n"
          "name")


@pytest.fixture
def record_nb(tmp_path):
    return notebook(tmp_path / "record.ipynb", RECORD)


def job(nb, out, name: str, period: str = "2022-07") -> Job:
    return Job(nb, period, {"name": name, "period": period}, out / period / f"{name}.html", timeout=HANG_GUARD)


def kernel_record(result) -> tuple[int, list[str]]:
    path = result.job.html_path.parent / "kernel.json"
    return tuple(json.loads(path.read_text()))


def test_a_kept_kernel_builds_document_after_document(record_nb, tmp_path):
    out = tmp_path / "out"
    jobs = [job(record_nb, out, "first", "2022-06"), job(record_nb, out, "second", "2022-07")]
    results = run_jobs(jobs, workers=1, progress=False)
    assert [r.ok for r in results] == [True, True]
    (first_pid, _), (second_pid, _) = (kernel_record(r) for r in results)
    assert first_pid == second_pid, "one kernel built both"
    for result in results:
        page = result.job.html_path.read_text(encoding="utf-8")
        assert f"<title>Document {result.job.html_path.stem}</title>" in page
        assert re.search(rf"<pre>[^<]*{result.job.html_path.stem}[^<]*</pre>", page)


def test_fresh_kernel_starts_a_kernel_per_document(record_nb, tmp_path):
    out = tmp_path / "out"
    jobs = [job(record_nb, out, "first", "2022-06"), job(record_nb, out, "second", "2022-07")]
    results = run_jobs(jobs, workers=1, fresh_kernel=True, progress=False)
    assert [r.ok for r in results] == [True, True]
    assert kernel_record(results[0])[0] != kernel_record(results[1])[0]


# A document that notes the file its period was prepared in, and whether that file exists.
PREPARED = ("import json, os\n"
            "open(os.path.join(folder, name + '.json'), 'w').write(json.dumps([prepared, open(prepared).read()]))")


@pytest.mark.parametrize("workers", [1, 2])
def test_each_period_is_prepared_once_for_all_its_documents_and_the_file_goes_with_the_run(tmp_path, workers):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "prepared.ipynb", PREPARED)
    prepared = []

    def prepare(period, folder):
        prepared.append(period)
        path = folder / f"{period}.txt"
        path.write_text(f"the briefing of {period}")
        return path

    jobs = [job(nb, out, name, period) for period in ("2022-06", "2022-07") for name in ("a", "b", "c")]
    results = run_jobs(jobs, workers=workers, progress=False, prepare=prepare)
    assert all(r.ok for r in results), [r.error for r in results]
    assert prepared == ["2022-06", "2022-07"]
    seen = {(p, n): json.loads((out / p / f"{n}.json").read_text()) for p in ("2022-06", "2022-07") for n in "abc"}
    assert {text for _, text in seen.values()} == {"the briefing of 2022-06", "the briefing of 2022-07"}
    assert all(text.endswith(period) for (period, _), (_, text) in seen.items())
    assert not any(Path(path).exists() for path, _ in seen.values()), "removed with the run"


def test_a_period_unprepared_or_of_one_document_is_built_by_its_notebooks(record_nb, tmp_path):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "unprepared.ipynb", "assert prepared is None\nname")
    results = run_jobs([job(nb, out, "a"), job(nb, out, "b")], progress=False, prepare=lambda period, folder: None)
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    asked = []
    [alone] = run_jobs([job(nb, out, "alone")], progress=False, prepare=lambda *args: asked.append(args))
    assert alone.ok and not asked, "one document has nothing to share: its notebook builds the period"


def test_a_failing_document_fails_alone_and_publishes_nothing(tmp_path):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "maybe.ipynb", "if name == 'bad':\n    raise ValueError('return unreadable')",
                  "name")
    jobs = [job(nb, out, "good1"), job(nb, out, "bad"), job(nb, out, "good2"), job(nb, out, "good3")]
    results = run_jobs(jobs, workers=2, progress=False)
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].error == "ValueError: return unreadable"
    folder = out / "2022-07"
    assert sorted(p.name for p in folder.iterdir()) == ["good1.html", "good2.html", "good3.html"]
    assert [r.job.html_path for r in results] == [j.html_path for j in jobs], "results come back in the jobs' order"


@pytest.mark.parametrize("workers", [1, 2])
def test_fail_fast_skips_what_is_left_after_a_failure(tmp_path, workers):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "maybe.ipynb", "assert name != 'bad', 'stop here'")
    jobs = [job(nb, out, "good"), job(nb, out, "bad"), job(nb, out, "after1"), job(nb, out, "after2")]
    results = run_jobs(jobs, workers=workers, fail_fast=True, progress=False)
    assert [r.ok for r in results[:2]] == [True, False] and "stop here" in results[1].error
    if workers == 1:
        assert [r.error for r in results[2:]] == [SKIPPED, SKIPPED]
        assert not (out / "2022-07" / "after1.html").exists()
    assert not list(out.rglob(".staging*"))


def test_a_document_that_kills_its_kernel_does_not_take_the_next_one_with_it(record_nb, tmp_path):
    out = tmp_path / "out"
    killer = notebook(tmp_path / "killer.ipynb", "import os\nos._exit(1)")
    results = run_jobs([job(killer, out, "killer"), job(record_nb, out, "after")], workers=1, progress=False)
    assert [r.ok for r in results] == [False, True]
    assert "Dead" in results[0].error or "died" in results[0].error


def test_planning_errors_are_raised_and_leave_nothing_running(record_nb, tmp_path):
    out = tmp_path / "out"
    results = run_jobs(lambda: [job(record_nb, out, "a"), job(record_nb, out, "b")], workers=2, progress=False)
    assert [r.ok for r in results] == [True, True]

    def broken_plan():
        raise ValueError("no such period")

    with pytest.raises(ValueError, match="no such period"):
        run_jobs(broken_plan, workers=2, progress=False)


def test_briefing_run_prints_what_it_built_and_exits_zero(tmp_path, capfd):
    code = cli.main(["run", "2022-07", "--only", "corporate", "--output-dir", str(tmp_path), "--no-progress"])
    assert code == 0
    printed = capfd.readouterr()  # the kernels' own output too: they write straight to the terminal
    assert re.search(r"^1 built, 0 failed, in [\d.]+ s \(1 period\)$", printed.out, re.M)
    assert "Kernel is running over TCP" not in printed.err
    assert (tmp_path / "2022-07" / "briefing.html").is_file()
    assert not (tmp_path / "2022-07" / "directorates").exists()
    assert "Data quality" not in printed.err                 # the bundled returns have nothing to say


def test_a_run_over_broken_returns_says_so_once_per_period(tmp_path, capfd):
    """The documents are built, and the command says how many problems each period's returns have and where the
    briefing shows them, so a run over broken returns does not read like a clean one."""
    from broken_returns import ADULTS, copy_data, remove_file
    data = copy_data(tmp_path / "data")
    remove_file(ADULTS)(data)
    code = cli.main(["run", "2022-07", "--only", "corporate", "--data-dir", str(data), "--output-dir",
                     str(tmp_path / "out"), "--no-progress"])
    assert code == 0
    said = [line for line in capfd.readouterr().err.splitlines() if "Data quality" in line]
    assert said == ["2022-07: 1 error in Adult Services.xlsx; the briefing shows them under Data quality in its "
                    "annex (`briefing validate 2022-07` lists them)"]


def test_returns_said_counts_every_problem_folded_or_not():
    from briefing.problems import ERROR, WARNING, Problem
    found = {"2022-07": [Problem(ERROR, "A.xlsx", "Finance", "B2", "x", more=2),
                         Problem(WARNING, "B.xlsx", "Performance", "C3", "y")],
             "2022-08": [], "2022-09": [Problem(ERROR, f"{n}.xlsx", None, None, "z") for n in "CDEF"]}
    assert cli.returns_said(found, {"2022-07", "2022-08", "2022-09"}) == [
        "2022-07: 3 errors and 1 warning in A.xlsx and B.xlsx; the briefing shows them under Data quality in its "
        "annex (`briefing validate 2022-07` lists them)",
        "2022-09: 4 errors in 4 files; the briefing shows them under Data quality in its annex (`briefing "
        "validate 2022-09` lists them)"]
    assert cli.returns_said(found, {"2022-08"}) == []                     # only periods built are spoken of


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    """A new kernel for every document: June's corporate briefing, and every document of July."""
    fresh = tmp_path_factory.mktemp("fresh")
    for period, only in (("2022-06", ["--only", "corporate"]), ("2022-07", [])):
        assert cli.main(["run", period, *only, "--output-dir", str(fresh), "--jobs", "2", "--fresh-kernel",
                         "--no-progress"]) == 0
    return fresh


@pytest.fixture(scope="module", params=["one kernel", "two kernels"])
def kept_and_fresh(request, tmp_path_factory, fresh_run, built_period):
    """The same documents built on kept-alive kernels: one kernel building June's corporate briefing then
    July's (each with its annex); or (the session's ``built_period``) two workers, a kernel each, sharing July's
    eight documents (seven notebooks: the corporate one makes the paper and its annex)."""
    if request.param == "two kernels":
        built, period = built_period
        return built, fresh_run, [period], 8
    kept = tmp_path_factory.mktemp("kept")
    assert cli.main(["run", PERIODS, "--only", "corporate", "--output-dir", str(kept), "--jobs", "1",
                     "--no-progress"]) == 0
    return kept, fresh_run, ["2022-06", "2022-07"], 4


def test_kept_kernels_build_every_table_a_fresh_kernel_builds(kept_and_fresh):
    kept, fresh, months, _ = kept_and_fresh
    books = sorted(p.relative_to(kept) for p in kept.rglob("tables.xlsx"))
    assert [str(b) for b in books] == [f"{month}/tables.xlsx" for month in months]
    for book in books:
        kept_sheets = pd.read_excel(kept / book, sheet_name=None, header=None, engine="calamine")
        fresh_sheets = pd.read_excel(fresh / book, sheet_name=None, header=None, engine="calamine")
        assert list(kept_sheets) == list(fresh_sheets)
        assert len(kept_sheets) > 10
        for name, table in kept_sheets.items():
            pd.testing.assert_frame_equal(table, fresh_sheets[name], obj=f"{book} sheet {name}")


def test_kept_kernels_write_the_same_documents_as_fresh_kernels(kept_and_fresh):
    kept, fresh, months, documents = kept_and_fresh
    pages = sorted(p.relative_to(kept) for p in kept.rglob("*.html") if p.name != "index.html")
    assert len(pages) == documents
    assert set(pages) <= {p.relative_to(fresh) for p in fresh.rglob("*.html")}
    for page in pages:
        assert (kept / page).read_bytes() == (fresh / page).read_bytes(), page
    for month in months:
        manifests = [json.loads((root / month / "manifest.json").read_text()) for root in (kept, fresh)]
        for manifest in manifests:
            manifest.pop("created")
        assert manifests[0] == manifests[1]


def started_run(request, out, temporary=None, jobs: int = 2, periods: str = PERIODS):
    """``briefing run`` over ``periods`` with ``jobs`` workers (1: the command builds them itself), in a
    session of its own, once every kernel is up; returns the command's process and every process it started.
    Whatever the test finds, the command's whole session is killed when it ends, so a failed test never
    leaves a year's run loading the machine for the tests after it.

    The command gets Ctrl-C's default handling, as from a terminal, even where the tests themselves run with
    it ignored (a shell's background job): Python only turns SIGINT into KeyboardInterrupt where it was
    not ignored when it started.
    """
    import signal
    import subprocess
    import sys
    import time

    import psutil
    command = subprocess.Popen([sys.executable, "-m", "briefing.cli", "run", periods, "--jobs", str(jobs),
                                "--output-dir", str(out), "--no-progress"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               env={**os.environ, **({"TMPDIR": str(temporary)} if temporary else {})},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    def kernels() -> int:
        """The command's kernels now; a process that ends while being looked at is not one."""
        count = 0
        for process in started.children(recursive=True):
            try:
                count += "ipykernel_launcher" in " ".join(process.cmdline())
            except psutil.Error:
                pass
        return count

    started = psutil.Process(command.pid)
    request.addfinalizer(lambda: _kill_session(command))
    deadline = time.monotonic() + HANG_GUARD  # waiting for a state; the bound only stops a hang
    while time.monotonic() < deadline and kernels() < jobs and command.poll() is None:
        time.sleep(0.2)
    assert command.poll() is None, command.communicate()[1].decode()[-3000:]
    family = started.children(recursive=True)
    assert len(family) >= (4 if jobs > 1 else 1), "each worker with its kernel"
    return command, family


def _kill_session(command) -> None:
    """Kill every process still in the session ``command`` leads (a no-op once they have all ended)."""
    import signal
    try:
        os.killpg(command.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    command.wait()
    if command.stderr:
        command.stderr.close()


def test_a_run_killed_outright_leaves_no_worker_kernel_or_folder_behind(tmp_path, request):
    import signal

    import psutil
    # This run's own temporary folder (other runs on the machine do not count), short enough for IPC sockets.
    temporary = Path(tempfile.mkdtemp(prefix="t", dir="/tmp" if os.path.isdir("/tmp") else None))
    request.addfinalizer(lambda: shutil.rmtree(temporary, ignore_errors=True))
    command, family = started_run(request, tmp_path / "out", temporary)
    os.kill(command.pid, signal.SIGKILL)
    command.wait()
    gone, alive = psutil.wait_procs(family, timeout=HANG_GUARD)
    assert not alive, f"left running: {[' '.join(p.cmdline()) for p in alive]}"
    assert not list(temporary.iterdir()), "the run's folder (kernels' sockets, prepared periods) goes with it"


def test_ctrl_c_stops_the_run_says_so_and_publishes_nothing_half_made(tmp_path, request):
    import signal

    import psutil
    import time

    command, family = started_run(request, tmp_path, periods=YEAR)
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline and not list(tmp_path.rglob("*.html")):  # in the middle of the run
        time.sleep(0.05)
    os.killpg(command.pid, signal.SIGINT)  # as the terminal sends it: to the command and its workers
    _, err = command.communicate(timeout=HANG_GUARD)
    assert command.returncode == 130, err.decode()[-3000:]
    assert "briefing: interrupted. Documents written before it are kept" in err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    gone, alive = psutil.wait_procs(family, timeout=HANG_GUARD)
    assert not alive and not list(tmp_path.rglob(".staging-*"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigterm_stops_the_run_as_ctrl_c_does(tmp_path, request, jobs):
    """``kill`` (or a scheduler ending the job) sent to the command alone: it stops its kernels and workers,
    publishes nothing half-made and leaves no folder behind, in both ways of building."""
    import signal

    import psutil
    import time

    temporary = Path(tempfile.mkdtemp(prefix="t", dir="/tmp" if os.path.isdir("/tmp") else None))
    request.addfinalizer(lambda: shutil.rmtree(temporary, ignore_errors=True))
    out = tmp_path / "out"
    command, family = started_run(request, out, temporary, jobs, YEAR)
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline and not list(out.rglob("*.html")):  # in the middle of the run
        time.sleep(0.05)
    os.kill(command.pid, signal.SIGTERM)
    _, err = command.communicate(timeout=HANG_GUARD)
    assert command.returncode == 143, err.decode()[-3000:]
    assert "briefing: stopped. Documents written before it are kept" in err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    _, alive = psutil.wait_procs(family, timeout=HANG_GUARD)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert not list(out.rglob(".staging-*"))
    assert not list(temporary.iterdir())
