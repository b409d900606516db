"""The run manifest: every input with its SHA-256, the parameters, the software versions and the lock file.

With it, anyone can tell exactly which returns a briefing was built from and
re-run it to the same result: the lock file's SHA-256 names the exact set of
pinned packages (requirements.lock) the environment was installed from.
"""
from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Mapping

from .outputs import write_text
from .paths import PROJ_ROOT

PACKAGES = ("briefing", "pandas", "numpy", "matplotlib", "afcharts", "python-calamine", "openpyxl",
            "xlsxwriter", "pandera", "papermill", "nbclient", "nbconvert", "ipykernel")
# What `make` installs the environment from (pinned versions with hashes); absent where the
# package was installed some other way, e.g. from a wheel.
LOCK_FILE = PROJ_ROOT / "requirements.lock"


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a briefing depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def lock_file(path: Path | None = None) -> dict | None:
    """The lock file's name (relative to the project root) and SHA-256, or None if there is none."""
    path = Path(LOCK_FILE if path is None else path)
    if not path.is_file():
        return None
    try:
        name = str(path.resolve().relative_to(PROJ_ROOT))
    except ValueError:
        name = str(path)
    return {"path": name, "sha256": sha256(path)}


def build_manifest(inputs: list[Path], data_dir: Path, parameters: dict, outputs: list[str],
                   read: Mapping[Path, dict] | None = None) -> dict:
    """The manifest as a dict: inputs relative to the data folder, parameters, versions, lock file, outputs (the
    files written with it, as one set; a run's directorate briefings are beside them).

    An input's size and SHA-256 are those of the content that was read (``read``: path → ``{"bytes",
    "sha256"}``, as ``Workbook.fingerprint`` took them), so a return edited while the run went on is not
    named by its new content; a file not in ``read`` (one that could not be opened) is hashed now.
    """
    data_dir = Path(data_dir).resolve()
    recorded = {Path(p).resolve(): print_ for p, print_ in (read or {}).items()}
    files = []
    for path in sorted(set(Path(p).resolve() for p in inputs)):
        try:
            name = str(path.relative_to(data_dir))
        except ValueError:
            name = str(path)
        known = recorded.get(path) or {"bytes": path.stat().st_size, "sha256": sha256(path)}
        files.append({"path": name, "bytes": known["bytes"], "sha256": known["sha256"]})
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "parameters": parameters,
        "inputs": files,
        "outputs": outputs,
        "software": package_versions(),
        "lock_file": lock_file(),
    }


def write_manifest(path: Path, manifest: dict) -> Path:
    """Write the manifest as indented JSON, atomically."""
    return write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
