"""Where things live, derived from the package, never from the working directory."""
from __future__ import annotations

import re
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJ_ROOT / "data"
OUTPUT_DIR = PROJ_ROOT / "output"
PARAMS_DIR = PROJ_ROOT / "params"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"

_UNSAFE_NAME = re.compile(r"(^\.|[/\\\x00-\x1f]|^$)")
NAME_MAX_BYTES = 255  # the longest file name ext4 and most other file systems take


class UnsafePathError(ValueError):
    """A name that would become a path escapes the folder it is meant for."""


def safe_child(base: Path, name: str) -> Path:
    """Return ``base / name`` after refusing names that could escape ``base``.

    Period and directorate names become folder and file names; a name such as
    ``../../etc`` or one with a path separator must never reach the file system,
    and one too long for it must be refused here, by name, not fail as it is written.
    """
    if _UNSAFE_NAME.search(name) or ".." in Path(name).parts:
        raise UnsafePathError(f"{name!r} cannot be used as a file or folder name")
    if len(name.encode("utf-8")) > NAME_MAX_BYTES:
        raise UnsafePathError(f"{name[:40]!r}... cannot be used as a file name: it is longer than "
                              f"{NAME_MAX_BYTES} bytes; give it a shorter name")
    child = (base / name).resolve()
    if base.resolve() not in child.parents:
        raise UnsafePathError(f"{name!r} would leave {base}")
    return child
