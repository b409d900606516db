"""Project hygiene: one list of dependencies, pinned in the lock files; notebooks without outputs, thin notebooks."""
import json
import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from briefing.paths import NOTEBOOKS_DIR, PROJ_ROOT


def lock_pins(name: str) -> dict[str, tuple[str, list[str]]]:
    """``{normalised name: (pinned version, [sha256 hashes])}`` of a lock file at the project root."""
    pins, current = {}, None
    for line in (PROJ_ROOT / name).read_text().splitlines():
        requirement = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if requirement:
            current = canonicalize_name(requirement.group(1))
            pins[current] = (requirement.group(2), [])
        elif current and (digest := re.match(r"\s+--hash=sha256:([0-9a-f]{64})", line)):
            pins[current][1].append(digest.group(1))
        elif not line.startswith((" ", "\t")):
            current = None
    return pins


def test_environment_yml_installs_the_locked_pins_and_agrees_with_pyproject():
    text = (PROJ_ROOT / "environment.yml").read_text()
    env = yaml.safe_load(text)
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    minimum = re.search(r">=\s*([\d.]+)", project["requires-python"]).group(1)
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))
    # pip installs the pinned versions with their hashes; the project itself cannot be installed in the
    # same pip run (an editable install has no single file to hash), so the file's comment says how
    assert pip == ["-r requirements-lab.lock"]
    assert "pip install --no-deps -e ." in text
    declared = {re.split(r"[<>=!\[ ]", d)[0].lower() for d in project["dependencies"]}
    # anything conda installs besides python and pip must also be a declared dependency
    others = {re.split(r"[<>=! ]", d)[0].lower() for d in conda} - {"python", "pip"}
    assert others <= declared


def test_every_dependency_is_pinned_with_hashes_in_the_lock_files():
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    locked, lab = lock_pins("requirements.lock"), lock_pins("requirements-lab.lock")
    for pins, dependencies in ((locked, project["dependencies"] + extras["test"]),
                               (lab, project["dependencies"] + extras["test"] + extras["lab"])):
        for dependency in map(Requirement, dependencies):
            name = canonicalize_name(dependency.name)
            assert name in pins, f"{name} is not pinned: run `make lock`"
            version, hashes = pins[name]
            assert hashes, f"{name}=={version} has no --hash=sha256:"
            assert dependency.specifier.contains(version, prereleases=True), \
                f"{name}=={version} does not satisfy pyproject's {dependency}: run `make lock`"
    assert Version(locked["pandas"][0]) >= Version("3")
    assert "isal" not in locked
    # the lab lock is requirements.lock with JupyterLab on top: the same pins and hashes for the rest
    assert {name: lab.get(name) for name in locked} == locked


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
