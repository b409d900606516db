"""Inputs a careless or hostile user can give the command: relative paths, odd periods, bad settings, names
that break the file system or the page, and an output folder that cannot be written."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from briefing import batch, cli, export
from briefing.document import build_briefing, check_parameters
from briefing.index import document_title, write_index
from briefing.params import ParamsError, load_settings
from briefing.paths import DATA_DIR, NOTEBOOKS_DIR, OUTPUT_DIR, UnsafePathError, safe_child
from briefing.periods import PeriodError, check_comparison, parse_period

PERIOD = "2022-07"
HOSTILE_COUNCIL = "Barset <script>alert(1)</script> & Co"


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """A folder away from the project, made the working directory, holding a copy of the register and the
    returns of June and July 2022 in ``data/``, July's without Public Health's (so the copy is told apart
    from the bundled data: validating it finds one error)."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "register", data / "register")
    for period in ("2022-06", PERIOD):
        shutil.copytree(DATA_DIR / "returns" / period, data / "returns" / period)
    (data / "returns" / PERIOD / "Public Health.xlsx").unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_params(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Relative paths -------------------------------------------------------------------------------

def test_data_dir_on_the_command_line_is_read_from_the_working_directory(here, capsys):
    assert cli.main(["validate", PERIOD, "--data-dir", "data"]) == 1
    assert "no return from Public Health for 2022-07" in capsys.readouterr().out


def test_output_dir_given_is_read_from_the_working_directory(here):
    assert load_settings(output_dir="out").output_dir == here / "out"
    assert load_settings(data_dir="data").data_dir == here / "data"


def test_paths_in_a_params_file_are_read_from_its_folder(here, tmp_path_factory, monkeypatch):
    params = write_params(here / "councils" / "barset.yaml", "data_dir: ../data\noutput_dir: ../out\n")
    assert load_settings("councils/barset.yaml").data_dir == here / "data"
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    settings = load_settings(params)
    assert (settings.data_dir, settings.output_dir) == (here / "data", here / "out")


def test_the_bundled_params_find_the_bundled_data_from_any_folder(here):
    settings = load_settings()
    assert (settings.data_dir, settings.output_dir) == (DATA_DIR, OUTPUT_DIR)


def test_a_missing_params_file_is_named_as_given_from_the_working_directory(here):
    with pytest.raises(ParamsError, match=str(here / "nowhere.yaml")):
        load_settings("nowhere.yaml")


def test_notebooks_and_the_prepared_period_see_the_files_the_command_was_given(here, monkeypatch):
    """The command's relative paths reach the kernels (working in notebooks/) as the same files, and the
    period it prepares is the one the notebooks expect."""
    write_params(here / "councils" / "barset.yaml", "council: Barset\n")
    seen = {}

    def run_jobs(plan, prepare, **_):
        seen["jobs"] = plan()
        seen["prepared"] = prepare(PERIOD, here)
        return []

    monkeypatch.setattr(batch, "run_jobs", run_jobs)
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out", "--params",
                     "councils/barset.yaml", "--no-progress"]) == 0
    assert seen["prepared"] is not None
    monkeypatch.chdir(NOTEBOOKS_DIR)
    names = ("period", "compare_to", "data_dir", "output_dir", "params_file")
    runs = [check_parameters(**{name: job.parameters.get(name) for name in names}) for job in seen["jobs"]]
    assert len(runs) == 7  # the corporate briefing and six directorates'
    assert {(run.settings.data_dir, run.settings.council) for run in runs} == {(here / "data", "Barset")}
    assert build_briefing(runs[0], seen["prepared"]).run is runs[0]
    assert (here / "out" / "index.html").is_file()


def test_a_run_from_another_folder_builds_from_its_files_and_escapes_the_council(here):
    """A real run, its kernel working in notebooks/: relative paths, and a council name that is not HTML."""
    write_params(here / "councils" / "barset.yaml", f"council: {HOSTILE_COUNCIL}\ndata_dir: ../data\n")
    assert cli.main(["run", PERIOD, "--only", "corporate", "--jobs", "1", "--no-progress",
                     "--params", "councils/barset.yaml", "--output-dir", "out"]) == 0
    manifest = json.loads((here / "out" / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_dir"] == str(here / "data")
    page = (here / "out" / PERIOD / "briefing.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "<title>Barset &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co: " in page


# Periods --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["２０２２-０７", "٢٠٢٢-07", "2022-07\n", "2022-０７"])
def test_periods_are_ascii_digits_only(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


@pytest.mark.parametrize("compare_to", [PERIOD, "2022-08"])
def test_compare_to_must_be_an_earlier_month(here, compare_to, capsys, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: [])
    code = cli.main(["run", PERIOD, "--compare-to", compare_to, "--data-dir", "data", "--output-dir", "out"])
    error = capsys.readouterr().err
    assert code == 2
    assert error == (f"briefing: cannot compare {PERIOD} with {compare_to}: the month to compare with must "
                     f"come before it (e.g. 2022-06)\n")


def test_any_earlier_month_can_be_compared_with():
    check_comparison(PERIOD, "2022-06")
    check_comparison(PERIOD, "2021-07")


def test_compare_to_from_a_params_file_must_be_an_earlier_month(here, capsys, monkeypatch):
    write_params(here / "later.yaml", "compare_to: '2022-09'\n")
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: [])
    assert cli.main(["run", PERIOD, "--params", "later.yaml", "--data-dir", "data", "--output-dir", "out"]) == 2
    assert "cannot compare 2022-07 with 2022-09" in capsys.readouterr().err


# Settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("amber_tolerance_pct", float("nan")), ("amber_tolerance_pct", float("inf")), ("amber_tolerance_pct", -1),
    ("finance_tolerance_pct", "nan"), ("finance_tolerance_pct", "-inf"), ("variance_check_m", -0.01),
    ("execution_timeout", 0), ("execution_timeout", -5), ("execution_timeout", "soon"),
    ("execution_timeout", 1.5), ("execution_timeout", True), ("data_dir", 5), ("output_dir", ["out"])])
def test_impossible_settings_are_refused_naming_the_key(key, value):
    with pytest.raises(ParamsError, match=f"^{key} must be"):
        load_settings(**{key: value})


def test_impossible_tolerances_in_a_params_file_are_refused(here):
    write_params(here / "nan.yaml", "amber_tolerance_pct: .nan\n")
    with pytest.raises(ParamsError, match="^amber_tolerance_pct must be"):
        load_settings("nan.yaml")


@pytest.mark.parametrize("text, said", [
    ('council: "Barsetshire County Council\n', "line 2"),            # a quote never closed
    ("council: Barset\n\tamber_tolerance_pct: 5\n", "line 2"),     # a tab where spaces indent
    ("amber_tolerence_pct: 5\n", "unknown parameter(s) amber_tolerence_pct"),
])
def test_a_broken_params_file_is_refused_naming_it_in_one_line(here, capsys, text, said):
    write_params(here / "council.yaml", text)
    with pytest.raises(ParamsError, match=re.escape(str(here / "council.yaml"))) as refused:
        load_settings("council.yaml")
    assert said in str(refused.value)
    assert cli.main(["validate", PERIOD, "--params", "council.yaml"]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_sensible_tolerances_and_timeouts_are_kept():
    settings = load_settings(amber_tolerance_pct=0, variance_check_m="0.01", execution_timeout="30")
    assert (settings.amber_tolerance_pct, settings.variance_check_m, settings.execution_timeout) == (0.0, 0.01, 30)


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_must_be_a_whole_number_of_one_or_more(jobs, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.build_parser().parse_args(["run", PERIOD, "--jobs", jobs])
    assert stopped.value.code == 2
    assert f"argument --jobs: must be a whole number of 1 or more, not {jobs!r}" in capsys.readouterr().err


def test_help_names_only_the_commands_there_are(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "sample" not in capsys.readouterr().out


# Names in pages and on the file system --------------------------------------------------------

def test_the_council_name_is_escaped_in_the_index(tmp_path):
    out = tmp_path / "out"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "briefing.html").write_text("<html></html>", encoding="utf-8")
    page = write_index(out, HOSTILE_COUNCIL, DATA_DIR).read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "<title>Barset &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co: briefings</title>" in page


def test_the_document_title_is_escaped_in_the_template():
    title = document_title(HOSTILE_COUNCIL, PERIOD)
    page, _ = export.briefing_exporter().from_notebook_node(nbformat.v4.new_notebook(),
                                                            resources={"briefing": {"title": title}})
    assert "<script>" not in page
    assert "<title>Barset &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co: " in page


def test_the_index_lists_only_the_directorates_of_the_periods_register(tmp_path):
    folder = tmp_path / "out" / PERIOD
    (folder / "directorates").mkdir(parents=True)
    for name in ("briefing.html", "directorates/Adult Services.html", "directorates/Adult Social Care.html"):
        (folder / name).write_text("<html></html>", encoding="utf-8")
    page = write_index(tmp_path / "out", "Barset", DATA_DIR).read_text(encoding="utf-8")
    assert "Adult%20Services.html" in page
    assert "Adult Social Care" not in page


def test_names_longer_than_a_file_name_can_be_are_refused(tmp_path):
    assert safe_child(tmp_path, "A" * 250 + ".html") == tmp_path.resolve() / ("A" * 250 + ".html")
    with pytest.raises(UnsafePathError, match="longer than 255 bytes"):
        safe_child(tmp_path, "é" * 126 + ".html")


# The output folder ----------------------------------------------------------------------------

def refuse_to_start(*_, **__):
    raise AssertionError("no kernel may start when the output cannot be written")


def test_an_output_folder_that_cannot_be_made_stops_the_run_before_it_starts(here, capsys, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", refuse_to_start)
    (here / "taken").write_text("a file, not a folder", encoding="utf-8")
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "taken/out"]) == 2
    assert capsys.readouterr().err == f"briefing: cannot write to {here / 'taken' / 'out'}: Not a directory\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_stops_the_run_before_it_starts(here, capsys, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", refuse_to_start)
    (here / "out").mkdir()
    (here / "out").chmod(0o555)
    try:
        assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out"]) == 2
    finally:
        (here / "out").chmod(0o755)
    assert capsys.readouterr().err == f"briefing: cannot write to {here / 'out'}: Permission denied\n"


def test_the_check_of_the_output_folder_leaves_nothing_behind(here, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: [])
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "new/out"]) == 0
    assert sorted(p.name for p in (here / "new" / "out").iterdir()) == ["index.html"]
    assert not list(here.glob(".briefing-check-*"))


# What the command says, and how often ----------------------------------------------------------

def test_a_period_without_returns_is_refused_once_before_any_kernel_starts(here, capsys, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", refuse_to_start)
    assert cli.main(["run", "2021-07", "--data-dir", "data", "--output-dir", "out"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"briefing: 2021-07 not built: no returns for 2021-07 in {here / 'data' / 'returns'}; "
                          "periods with returns: 2022-06, 2022-07")
    assert "check_parameters" not in err and "cell" not in err


def test_a_range_without_returns_is_refused_in_one_line(here, capsys, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", refuse_to_start)
    assert cli.main(["run", "2021-07..2021-09", "--data-dir", "data", "--output-dir", "out"]) == 2
    err = capsys.readouterr().err
    assert err == (f"briefing: no returns for any month of 2021-07..2021-09 in {here / 'data' / 'returns'}; "
                   "periods with returns: 2022-06, 2022-07\n")


def test_the_other_periods_are_built_when_one_is_refused(here, capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: seen.setdefault("jobs", plan()) and [])
    assert cli.main(["run", "2021-07", PERIOD, "--only", "corporate", "--data-dir", "data",
                     "--output-dir", "out"]) == 1
    assert [job.period for job in seen["jobs"]] == [PERIOD]
    assert capsys.readouterr().err.count("2021-07 not built") == 1


def test_documents_failing_alike_are_reported_in_one_line(here, capsys, monkeypatch):
    def run_jobs(plan, **_):
        return [batch.Result(job, False, 0.0, "RunError: no register for 2022-23") for job in plan()]
    monkeypatch.setattr(batch, "run_jobs", run_jobs)
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out"]) == 1
    failed = [line for line in capsys.readouterr().err.splitlines() if line.startswith("FAILED")]
    assert failed == [f"FAILED {PERIOD} briefing and 6 other documents: RunError: no register for 2022-23"]


# The copy's July has six workbooks (Public Health's removed): at most six documents are known before the
# register is read, and seven are planned.
@pytest.mark.parametrize("jobs, only, workers", [("16", ["--only", "corporate"], 1), ("16", [], 6), ("3", [], 3)])
def test_no_more_kernels_are_started_than_there_are_documents(here, monkeypatch, jobs, only, workers):
    seen = {}
    monkeypatch.setattr(batch, "run_jobs", lambda plan, workers, **_: seen.update(workers=workers) or [])
    assert cli.main(["run", PERIOD, *only, "--jobs", jobs, "--data-dir", "data", "--output-dir", "out"]) == 0
    assert seen["workers"] == workers


def test_a_second_run_into_a_folder_being_written_is_refused_and_touches_nothing(here, capsys, monkeypatch):
    """The lock is the operating system's, held by another process (as another analyst's run would)."""
    import subprocess
    import sys

    folder = here / "out" / PERIOD
    folder.mkdir(parents=True)
    (folder / "briefing.html").write_text("the other run's", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys\n"
                               f"handle = os.open({str(folder)!r}, os.O_RDONLY)\n"
                               "fcntl.flock(handle, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        monkeypatch.setattr(batch, "run_jobs", refuse_to_start)
        assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out"]) == 2
    finally:
        holder.communicate("")
    assert capsys.readouterr().err == (f"briefing: another briefing run is writing {folder}; wait for it to "
                                       "finish, or give this run another --output-dir\n")
    assert (folder / "briefing.html").read_text(encoding="utf-8") == "the other run's"
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: [])  # the lock went with the other run
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out"]) == 0


def test_a_period_folder_made_only_to_be_locked_is_not_left_behind(here, monkeypatch):
    monkeypatch.setattr(batch, "run_jobs", lambda plan, **_: [])
    assert cli.main(["run", PERIOD, "--data-dir", "data", "--output-dir", "out"]) == 0
    assert sorted(p.name for p in (here / "out").iterdir()) == ["index.html"]
