"""Project hygiene: one list of dependencies, notebooks without outputs, thin notebooks."""
import json
import re
import tomllib

import yaml

from briefing.paths import NOTEBOOKS_DIR, PROJ_ROOT


def test_environment_yml_installs_the_project_and_agrees_with_pyproject():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    minimum = re.search(r">=\s*([\d.]+)", project["requires-python"]).group(1)
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))
    extras = re.fullmatch(r"-e \.\[(.*)\]", pip[0]).group(1).split(",")
    assert set(extras) <= set(project["optional-dependencies"])
    declared = {re.split(r"[<>=!\[ ]", d)[0].lower() for d in project["dependencies"]}
    # anything conda installs besides python and pip must also be a declared dependency
    others = {re.split(r"[<>=! ]", d)[0].lower() for d in conda} - {"python", "pip"}
    assert others <= declared


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_notebooks_are_thin_with_one_literal_parameters_cell():
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        assert code[0].startswith(("from briefing", "import briefing")), path.name
        for line in "".join(tagged[0]["source"]).splitlines():
            assert re.fullmatch(r'\w+ = ("[^"]*"|None|\d+|True|False)', line), line
        for source in code:
            assert "def " not in source and "sys.path" not in source, path.name
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
