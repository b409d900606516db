"""The notebooks run top to bottom as they are, the way an analyst runs them in JupyterLab.

Each notebook is executed from the notebooks folder with its own default
parameters; only the corporate briefing's ``output_dir`` is pointed at a
temporary folder so the test does not write into the project's output.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from briefing.paths import NOTEBOOKS_DIR
from briefing.returns import available_periods


def execute(name: str, **overrides) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    if overrides:
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        for key, value in overrides.items():
            cell.source, count = re.subn(rf"^{key} = .*$", f"{key} = {value!r}", cell.source, flags=re.M)
            assert count == 1, key
    NotebookClient(nb, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    return nb


def html_outputs(nb) -> str:
    return "\n".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def latest(data_dir) -> str:
    return available_periods(data_dir)[-1]


def test_briefing_notebook_runs_with_its_defaults_and_writes_nothing(tmp_path, latest):
    """Run as an analyst runs it: every section shown, and, with ``save`` left False, not a file written."""
    nb = execute("briefing.ipynb", output_dir=str(tmp_path))
    period = re.search(r'^period = "(.*)"$', next(c.source for c in nb.cells
                                                  if "parameters" in c.metadata.get("tags", [])), re.M).group(1)
    assert period == latest, "the default period is the bundled data's latest month"
    shown = html_outputs(nb)
    for heading in ("Headline figures", "Summary and recommendations", "Performance", "Financial position",
                    "Checks", "Data quality"):
        assert f">{heading}</h2>" in shown
    assert list(tmp_path.rglob("*")) == []


def test_directorate_notebook_runs_with_its_defaults(tmp_path):
    nb = execute("directorate.ipynb", output_dir=str(tmp_path))
    shown = html_outputs(nb)
    assert "directorate briefing" in shown and ">Measures and exceptions</h2>" in shown
    assert ">Finance and savings</h2>" in shown
    assert list(tmp_path.rglob("*")) == []


def test_papermill_as_its_users_run_it_writes_the_periods_set_as_the_command_does(tmp_path, built_period):
    """``papermill notebooks/briefing.ipynb out.ipynb -p period 2022-07 -p output_dir DIR -p save True`` writes
    the period's whole set to DIR/2022-07/, the same documents the command writes; looped over months, each
    month goes to its own folder."""
    import json
    import subprocess
    import sys

    from briefing.paths import PROJ_ROOT

    built, period = built_period
    papermill = Path(sys.executable).with_name("papermill")
    for month in ("2022-06", period):
        subprocess.run([str(papermill), "notebooks/briefing.ipynb", str(tmp_path / f"{month}.ipynb"),
                        "-p", "period", month, "-p", "output_dir", str(tmp_path / "reports"), "-p", "save", "True",
                        "--no-progress-bar"], cwd=PROJ_ROOT, check=True, capture_output=True)
    for month in ("2022-06", period):
        names = sorted(p.name for p in (tmp_path / "reports" / month).iterdir())
        assert names == ["annex.html", "briefing.html", "manifest.json", "tables.xlsx"], month
    mine, theirs = tmp_path / "reports" / period, built / period
    for name in ("briefing.html", "annex.html"):
        assert (mine / name).read_bytes() == (theirs / name).read_bytes(), name
    manifest = json.loads((mine / "manifest.json").read_text())
    assert manifest["outputs"] == json.loads((theirs / "manifest.json").read_text())["outputs"]
    assert sorted(manifest["outputs"]) == names
    assert "output_dir" not in manifest["parameters"]      # where the set is, not the params' default folder
    assert manifest["parameters"] == json.loads((theirs / "manifest.json").read_text())["parameters"]
