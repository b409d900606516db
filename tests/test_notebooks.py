"""The notebooks run top to bottom as they are, the way an analyst runs them in JupyterLab.

Each notebook is executed from the notebooks folder with its own default
parameters; only the corporate briefing's ``output_dir`` is pointed at a
temporary folder so the test does not write into the project's output.
"""
from __future__ import annotations

import re

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


def test_briefing_notebook_runs_with_its_defaults(tmp_path, latest):
    nb = execute("briefing.ipynb", output_dir=str(tmp_path))
    period = re.search(r'^period = "(.*)"$', next(c.source for c in nb.cells
                                                  if "parameters" in c.metadata.get("tags", [])), re.M).group(1)
    assert period == latest, "the default period is the bundled data's latest month"
    shown = html_outputs(nb)
    for heading in ("Headline figures", "Performance", "Financial position", "Checks", "Data quality"):
        assert f">{heading}</h2>" in shown
    assert (tmp_path / "tables.xlsx").stat().st_size > 0 and (tmp_path / "manifest.json").exists()


def test_directorate_notebook_runs_with_its_defaults():
    nb = execute("directorate.ipynb")
    shown = html_outputs(nb)
    assert "directorate briefing" in shown and ">Measures and exceptions</h2>" in shown
    assert ">Finance and savings</h2>" in shown
