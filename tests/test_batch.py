"""The batch runner: kept-alive kernels build what fresh kernels build, failures stay with their document."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from briefing import batch, cli
from briefing.batch import SKIPPED, Job, next_job, run_jobs, usable_cores

PERIODS = "2022-06..2022-07"


def notebook(path, *cells: str):
    """A notebook with a ``parameters`` cell (``name``, ``output_dir``) followed by ``cells``."""
    parameters = nbformat.v4.new_code_cell('name = "default"\noutput_dir = None')
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[parameters, *(nbformat.v4.new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


# A document that writes its kernel's process id and the names it found already defined,
# then displays its name: enough to see which kernel built it and what it inherited.
RECORD = ("import os, json\n"
          "inherited = sorted(k for k in globals() if not k.startswith('_') and k not in "
          "('name', 'output_dir', 'os', 'json'))\n"
          "open(os.path.join(output_dir, 'kernel.json'), 'w').write(json.dumps([os.getpid(), inherited]))\n"
          "leftover = name\n"
          "name")


@pytest.fixture
def record_nb(tmp_path):
    return notebook(tmp_path / "record.ipynb", RECORD)


def job(nb, out, name: str, period: str = "2022-07") -> Job:
    return Job(nb, period, {"name": name}, out / period / f"{name}.html", f"Document {name}", timeout=60)


def kernel_record(result) -> tuple[int, list[str]]:
    path = result.job.html_path.parent / "kernel.json"
    return tuple(json.loads(path.read_text()))


def test_a_kept_kernel_builds_document_after_document_with_nothing_left_over(record_nb, tmp_path):
    out = tmp_path / "out"
    jobs = [job(record_nb, out, "first", "2022-06"), job(record_nb, out, "second", "2022-07")]
    results = run_jobs(jobs, workers=1, progress=False)
    assert [r.ok for r in results] == [True, True]
    (first_pid, first_names), (second_pid, second_names) = (kernel_record(r) for r in results)
    assert first_pid == second_pid, "one kernel built both"
    assert "leftover" not in second_names and second_names == first_names, "nothing left over from the first"
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


# A document that notes the folder its kernel shares the months it reads in, and what is in it once built.
SHARED = ("import json, os\n"
          "from briefing import cache, returns\n"
          "from briefing.document import build_briefing, check_parameters\n"
          "build_briefing(check_parameters(period, compare_to, data_dir, output_dir))\n"
          "folder = os.environ.get(cache.SHARED_VARIABLE)\n"
          "open(os.path.join(output_dir, 'shared.json'), 'w').write(json.dumps([os.getpid(), folder, "
          "len(os.listdir(folder)) if folder else 0, returns.load_period.memory.misses]))")


def test_workers_kernels_share_the_months_they_read_and_the_folder_goes_with_the_run(tmp_path, data_dir):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "shared.ipynb", SHARED)

    def jobs_for(*periods):
        return [Job(nb, period, {"period": period, "compare_to": None, "data_dir": str(data_dir)},
                    out / period / "a.html", "Document", timeout=60) for period in periods]

    results = run_jobs(jobs_for("2022-06", "2022-07"), workers=2, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    (june_pid, june_folder, _, _), (july_pid, july_folder, held, _) = (
        json.loads((out / period / "shared.json").read_text()) for period in ("2022-06", "2022-07"))
    assert june_pid != july_pid and june_folder == july_folder, "two kernels, one shared folder"
    assert held >= 4, "the months they read (2022-03 to 2022-07) were left there"
    assert not Path(june_folder).exists(), "and removed with the pool"
    fresh = run_jobs(jobs_for("2022-06", "2022-07"), workers=2, fresh_kernel=True, progress=False)
    assert all(r.ok for r in fresh)
    assert [json.loads((out / period / "shared.json").read_text())[1:] for period in ("2022-06", "2022-07")] == \
        [[None, 0, 4], [None, 0, 5]], "a fresh kernel per document reads every month itself"


def test_a_failing_document_fails_alone_and_publishes_nothing(tmp_path):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "maybe.ipynb", "if name == 'bad':\n    raise ValueError('return unreadable')",
                  "name")
    jobs = [job(nb, out, "good1"), job(nb, out, "bad"), job(nb, out, "good2"), job(nb, out, "good3")]
    results = run_jobs(jobs, workers=2, progress=False)
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].error == "cell 2 `if name == 'bad':`: ValueError: return unreadable"
    folder = out / "2022-07"
    assert sorted(p.name for p in folder.iterdir()) == ["good1.html", "good2.html", "good3.html"]
    assert [r.job for r in results] == jobs, "results come back in the jobs' order"


def test_fail_fast_skips_what_is_left_after_a_failure(tmp_path):
    out = tmp_path / "out"
    nb = notebook(tmp_path / "maybe.ipynb", "assert name != 'bad', 'stop here'")
    jobs = [job(nb, out, "good"), job(nb, out, "bad"), job(nb, out, "after1"), job(nb, out, "after2")]
    results = run_jobs(jobs, workers=1, fail_fast=True, progress=False)
    assert [r.ok for r in results] == [True, False, False, False]
    assert [r.error for r in results[2:]] == [SKIPPED, SKIPPED]
    assert not (out / "2022-07" / "after1.html").exists()


def test_a_document_that_kills_its_kernel_does_not_take_the_next_one_with_it(record_nb, tmp_path):
    out = tmp_path / "out"
    killer = notebook(tmp_path / "killer.ipynb", "import os\nos._exit(1)")
    results = run_jobs([job(killer, out, "killer"), job(record_nb, out, "after")], workers=1, progress=False)
    assert [r.ok for r in results] == [False, True]
    assert "Dead" in results[0].error or "died" in results[0].error


def test_a_kernel_that_cannot_start_fails_each_document_with_the_reason(record_nb, tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(batch, "KERNEL_MODULE", "no_such_kernel_module")
    out = tmp_path / "out"
    results = run_jobs([job(record_nb, out, "a"), job(record_nb, out, "b")], workers=1, progress=False)
    assert [r.ok for r in results] == [False, False]
    assert all("KernelNotReady: the kernel died while starting (exit code 1" in r.error for r in results)
    assert "No module named no_such_kernel_module" in capfd.readouterr().err
    assert not list(out.rglob("*.html"))


def test_planning_runs_while_the_kernels_start_and_its_errors_are_raised(record_nb, tmp_path):
    out = tmp_path / "out"
    planned = []

    def plan():
        planned.append(True)
        return [job(record_nb, out, "a"), job(record_nb, out, "b"), job(record_nb, out, "c")]

    results = run_jobs(plan, workers=2, progress=False)
    assert planned == [True] and [r.ok for r in results] == [True, True, True]

    def broken_plan():
        raise ValueError("no such period")

    with pytest.raises(ValueError, match="no such period"):
        run_jobs(broken_plan, workers=2, progress=False)


def jobs_of(periods: str) -> list[Job]:
    return [Job(Path("x.ipynb"), p, {}, Path(f"/o/{p}/{d}.html"), d)
            for p in periods.split() for d in ("briefing", "A", "B")]


def test_a_worker_stays_on_its_period_then_takes_one_nobody_is_building():
    jobs = jobs_of("2022-06 2022-07 2022-08")
    pending = list(range(1, 9))  # job 0 (2022-06 briefing) is being built
    assert next_job(pending, jobs, "2022-06", {"2022-06"}) == 1
    assert next_job(pending, jobs, None, {"2022-06"}) == 3
    assert next_job(pending, jobs, None, {"2022-06", "2022-07"}) == 6
    assert next_job([1, 2], jobs, None, {"2022-06"}) == 1, "with nothing else left, it helps with the same period"


def test_a_worker_that_has_built_something_joins_another_workers_period_only_if_worth_it():
    jobs = jobs_of("2022-06 2022-07")
    left = [4, 5]  # 2022-07's two directorate briefings, while another worker builds that period
    assert next_job(left, jobs, "2022-06", {"2022-07"}, worth_joining=lambda period: False) is None
    assert next_job(left, jobs, "2022-06", {"2022-07"}, worth_joining=lambda period: True) == 4
    assert next_job(left, jobs, None, {"2022-07"}, worth_joining=lambda period: False) == 4, \
        "a worker's first document: it has nothing loaded to lose"


def test_a_worker_left_idle_joins_a_period_only_when_its_documents_left_outweigh_loading_it(record_nb, tmp_path):
    """The pool's judgement: a second worker joins a period if the documents left there would take longer
    than twice the period's first document (the one that loaded it)."""
    out = tmp_path / "out"
    sleeper = notebook(tmp_path / "sleeper.ipynb", "import time\ntime.sleep(float(name.split('-')[1]))", RECORD)

    def built_by(first: float, each: float, alone: float) -> set[int]:
        """Kernels that built period 2022-07 (a first document then twelve more) while another worker's
        kernel spends ``alone`` seconds on 2022-06's one document."""
        def own_folder(name: str, period: str) -> Job:  # each its own kernel.json
            return Job(sleeper, period, {"name": name}, out / str(first) / name / "page.html", name, timeout=60)

        jobs = [own_folder(f"alone-{alone}", "2022-06"), own_folder(f"first-{first}", "2022-07"),
                *(own_folder(f"more{n}-{each}", "2022-07") for n in range(12))]
        results = run_jobs(jobs, workers=2, progress=False)
        assert all(r.ok for r in results)
        return {kernel_record(r)[0] for r in results[1:]}

    # A slow first document (a period costly to load) and quick ones after: not worth joining for what is left.
    assert len(built_by(first=2.5, each=0, alone=3.0)) == 1
    # A quick first document and slow ones after: the idle worker joins in.
    assert len(built_by(first=0, each=0.3, alone=1.0)) == 2


def test_each_worker_starts_on_its_share_of_the_months_and_goes_on_month_by_month():
    months = "2022-04 2022-05 2022-06 2022-07 2022-08 2022-09"
    jobs = jobs_of(months)
    everything = list(range(len(jobs)))
    assert [jobs[next_job(everything, jobs, None, set(), (w, 2))].period for w in (0, 1)] == ["2022-04", "2022-07"]
    assert jobs[next_job(everything, jobs, None, set(), (2, 3))].period == "2022-08"
    after_april = [i for i, job in enumerate(jobs) if job.period not in ("2022-04", "2022-07")]
    assert jobs[next_job(after_april, jobs, "2022-04", {"2022-07"}, (0, 2))].period == "2022-05", \
        "the month after its last, whose history its kernel holds"
    assert jobs[next_job([i for i in after_april if jobs[i].period != "2022-05"], jobs, "2022-04",
                         {"2022-05", "2022-07"}, (0, 2))].period == "2022-06", \
        "the month after its last is being built: the first month nobody is on"
    one_month = jobs_of("2023-03")
    assert [next_job([1, 2], one_month, None, {"2023-03"}, (1, 2))] == [1], "one month: both help with it"


def test_briefing_run_prints_what_it_built_and_exits_zero(tmp_path, capfd):
    code = cli.main(["run", "2022-07", "--only", "corporate", "--output-dir", str(tmp_path), "--no-progress"])
    assert code == 0
    printed = capfd.readouterr()  # the kernels' own output too: they write straight to the terminal
    assert re.search(r"^1 built, 0 failed, in [\d.]+ s \(1 period\)$", printed.out, re.M)
    assert "Kernel is running over TCP" not in printed.err
    assert (tmp_path / "2022-07" / "briefing.html").is_file()
    assert not (tmp_path / "2022-07" / "directorates").exists()


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    """Two consecutive months built with a new kernel for every document."""
    fresh = tmp_path_factory.mktemp("fresh")
    assert cli.main(["run", PERIODS, "--output-dir", str(fresh), "--jobs", "2", "--fresh-kernel",
                     "--no-progress"]) == 0
    return fresh


@pytest.fixture(scope="module", params=[1, 2], ids=["one kernel", "two kernels sharing months"])
def kept_and_fresh(request, tmp_path_factory, fresh_run):
    """The same two months built on kept-alive kernels (and their memory of the returns): one kernel for
    both months, or two, one a month, that share the months they read (``cache.shared_value``)."""
    kept = tmp_path_factory.mktemp("kept")
    assert cli.main(["run", PERIODS, "--output-dir", str(kept), "--jobs", str(request.param), "--no-progress"]) == 0
    return kept, fresh_run


def test_kept_kernels_build_every_table_a_fresh_kernel_builds(kept_and_fresh):
    kept, fresh = kept_and_fresh
    books = sorted(p.relative_to(kept) for p in kept.rglob("tables.xlsx"))
    assert [str(b) for b in books] == ["2022-06/tables.xlsx", "2022-07/tables.xlsx"]
    for book in books:
        kept_sheets = pd.read_excel(kept / book, sheet_name=None, header=None, engine="calamine")
        fresh_sheets = pd.read_excel(fresh / book, sheet_name=None, header=None, engine="calamine")
        assert list(kept_sheets) == list(fresh_sheets)
        assert len(kept_sheets) > 10
        for name, table in kept_sheets.items():
            pd.testing.assert_frame_equal(table, fresh_sheets[name], obj=f"{book} sheet {name}")


def test_kept_kernels_write_the_same_documents_as_fresh_kernels(kept_and_fresh):
    kept, fresh = kept_and_fresh
    pages = sorted(p.relative_to(kept) for p in kept.rglob("*.html") if p.name != "index.html")
    assert len(pages) == 14  # per month: the corporate briefing and six directorates'
    assert pages == sorted(p.relative_to(fresh) for p in fresh.rglob("*.html") if p.name != "index.html")
    for page in pages:
        assert (kept / page).read_text(encoding="utf-8") == (fresh / page).read_text(encoding="utf-8"), page
    for month in ("2022-06", "2022-07"):
        manifests = [json.loads((root / month / "manifest.json").read_text()) for root in (kept, fresh)]
        for manifest in manifests:
            manifest.pop("created")
        assert manifests[0] == manifests[1]


# A document that notes how many months of returns its kernel held before it read anything, and how
# many it then had to read itself to build the briefing.
MEMORY = ("import json, os\n"
          "from briefing import returns\n"
          "from briefing.document import build_briefing, check_parameters\n"
          "held = len(returns.load_period.memory.entries)\n"
          "build_briefing(check_parameters(period, compare_to, data_dir, output_dir))\n"
          "open(os.path.join(output_dir, 'memory.json'), 'w').write(json.dumps([held, "
          "returns.load_period.memory.misses]))")


@pytest.mark.skipif(usable_cores() < 2, reason="reading ahead needs a core to spare")
def test_one_worker_reads_the_first_documents_returns_while_its_kernel_starts(tmp_path, data_dir):
    out = tmp_path / "out"
    parameters = {"period": "2022-07", "compare_to": None, "data_dir": str(data_dir), "params_file": None}
    jobs = [Job(notebook(tmp_path / "memory.ipynb", MEMORY), "2022-07", parameters, out / "2022-07" / "a.html",
                "Document", timeout=60)]
    [result] = run_jobs(jobs, workers=1, progress=False)
    assert result.ok, result.error
    held, read = json.loads((out / "2022-07" / "memory.json").read_text())
    assert (held, read) == (5, 0), "the five months 2022-03..2022-07 were read by the command, none by the kernel"
    [fresh] = run_jobs(jobs, workers=1, fresh_kernel=True, progress=False)
    assert fresh.ok and json.loads((out / "2022-07" / "memory.json").read_text()) == [0, 5]


def started_run(out):
    """``briefing run`` over two months with two workers, in a session of its own, once both kernels are up;
    returns the command's process and every process it started.

    The command gets Ctrl-C's default handling, as from a terminal, even where the tests themselves run with
    it ignored (a shell's background job): Python only turns SIGINT into KeyboardInterrupt where it was
    not ignored when it started.
    """
    import signal
    import subprocess
    import sys
    import time

    import psutil
    command = subprocess.Popen([sys.executable, "-m", "briefing.cli", "run", PERIODS, "--jobs", "2",
                                "--output-dir", str(out), "--no-progress"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    started = psutil.Process(command.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len([p for p in started.children(recursive=True)
                                                if "ipykernel_launcher" in " ".join(p.cmdline())]) < 2:
        time.sleep(0.2)
    family = started.children(recursive=True)
    assert len(family) >= 4, "two workers, each with its kernel"
    return command, family


def test_a_run_killed_outright_leaves_no_worker_or_kernel_behind(tmp_path):
    import signal

    import tempfile

    import psutil
    folders = lambda: set(Path(tempfile.gettempdir()).glob("briefing-*"))  # noqa: E731 - the run's own folders
    before = folders()
    command, family = started_run(tmp_path)
    os.kill(command.pid, signal.SIGKILL)
    command.wait()
    gone, alive = psutil.wait_procs(family, timeout=45)
    assert not alive, f"left running: {[' '.join(p.cmdline()) for p in alive]}"
    assert folders() <= before, "the kernels' folders and the months they shared are removed"


def test_ctrl_c_stops_the_run_says_so_and_publishes_nothing_half_made(tmp_path):
    import signal

    import psutil
    import time

    command, family = started_run(tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.rglob("*.html")):  # in the middle of the run
        time.sleep(0.05)
    os.killpg(command.pid, signal.SIGINT)  # as the terminal sends it: to the command and its workers
    _, err = command.communicate(timeout=60)
    assert command.returncode == 130, err.decode()[-3000:]
    assert "briefing: interrupted. Documents written before it are kept" in err.decode()
    assert "Traceback" not in err.decode()
    gone, alive = psutil.wait_procs(family, timeout=45)
    assert not alive and not list(tmp_path.rglob(".staging-*"))
