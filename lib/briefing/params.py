"""Run settings: ``params/default.yaml`` overlaid with a council's own file and the command line."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from .paths import DATA_DIR, DEFAULT_PARAMS, OUTPUT_DIR
from .periods import parse_period


class ParamsError(ValueError):
    """A parameter file or value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the period itself."""

    council: str = "Barsetshire County Council"
    data_dir: Path = DATA_DIR
    output_dir: Path = OUTPUT_DIR
    compare_to: str | None = None
    amber_tolerance_pct: float = 5.0
    finance_tolerance_pct: float = 2.0
    finance_on_target: str = "overspend"  # or "either way": see ``finance.OnTarget``
    variance_check_m: float = 0.05
    # The last month of every measure's SPC baseline ("YYYY-MM"), unless the register gives the measure its
    # own; None: every point available (``spc``).
    spc_baseline_to: str | None = None
    execution_timeout: int = 600
    # The committee paper (``committee``): the meeting it goes to and when, who reports and whom to contact.
    meeting: str = "Cabinet"
    meeting_date: str | None = None
    report_by: str | None = None
    contact: str | None = None

    def as_dict(self) -> dict:
        """Plain values for manifests and notebook parameters."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


_FOLDERS = ("data_dir", "output_dir")
_TOLERANCES = ("amber_tolerance_pct", "finance_tolerance_pct", "variance_check_m")
_PERIODS = ("compare_to", "spc_baseline_to")
_TEXTS = ("council", "meeting", "meeting_date", "report_by", "contact")


def absolute_path(path: str | Path, base: Path | None = None) -> Path:
    """``path`` made absolute: a relative one is read from ``base``, by default the working directory.

    As with any command-line tool, a path typed on the command line is relative to where it was typed;
    the batch hands absolute paths on to kernels that work in another folder.
    """
    path = Path(path).expanduser()
    return (path if path.is_absolute() else (base or Path.cwd()) / path).resolve()


def load_settings(params_file: str | Path | None = None, **overrides) -> Settings:
    """Read the default parameters, then ``params_file``, then non-empty ``overrides``.

    Relative folders in a parameter file are read from that file's own folder (``params/default.yaml``
    says ``../data``), so a file means the same wherever it is used from; ``params_file`` and the
    folders in ``overrides`` come from a command line or a notebook, and are read from the working
    directory. Unknown keys are refused so a typo in a council's file is caught, not ignored.
    """
    values: dict = {}
    for source in [DEFAULT_PARAMS] + ([absolute_path(params_file)] if params_file is not None else []):
        values.update(_read_params_file(source))
    values.update(_absolute_folders({k: v for k, v in overrides.items() if v is not None}, Path.cwd()))
    _refuse_unknown(values)
    for key in _PERIODS:
        if values.get(key) is not None:
            values[key] = str(values[key])
            parse_period(values[key])
    for key in _TOLERANCES:
        if values.get(key) is not None:
            values[key] = _tolerance(key, values[key])
    for key in _TEXTS:  # YAML reads 2022-09-20 as a date and 2022 as a number: each is text here
        if values.get(key) is not None:
            values[key] = " ".join(str(values[key]).split())
    if values.get("finance_on_target") is not None:
        values["finance_on_target"] = _on_target_basis(values["finance_on_target"])
    if values.get("execution_timeout") is not None:
        values["execution_timeout"] = _timeout(values["execution_timeout"])
    return Settings(**{k: v for k, v in values.items() if v is not None})


def _read_params_file(source: Path) -> dict:
    """The ``key: value`` lines of one parameter file, its folders made absolute from the file's folder."""
    if not source.is_file():
        raise ParamsError(f"parameter file {source} does not exist")
    try:
        loaded = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ParamsError(f"parameter file {source} is not text (UTF-8): expected 'key: value' lines") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ParamsError(f"parameter file {source}{where}: {getattr(error, 'problem', None) or error} (expected "
                          "'key: value' lines; quote text with a colon or #, indent with spaces)") from None
    if not isinstance(loaded, dict):
        raise ParamsError(f"{source}: expected 'key: value' lines")
    _refuse_unknown(loaded, f"{source}: ")
    return _absolute_folders(loaded, source.parent)


def _refuse_unknown(values: dict, where: str = "") -> None:
    """Refuse a key that is no parameter, so that a typo in a council's file is caught, not ignored."""
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(map(str, values)) - known)
    if unknown:
        raise ParamsError(f"{where}unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def _absolute_folders(values: dict, base: Path) -> dict:
    """``values`` with each folder among them made absolute from ``base``."""
    folders = {key: values[key] for key in _FOLDERS if values.get(key) is not None}
    for key, folder in folders.items():
        if not isinstance(folder, (str, Path)):
            raise ParamsError(f"{key} must be a folder such as ../data, not {folder!r}")
    return {**values, **{key: absolute_path(folder, base) for key, folder in folders.items()}}


def _tolerance(key: str, value) -> float:
    """A tolerance as a number of 0 or more: a negative one would make every value miss, and NaN (which
    compares false with everything) would make none do so, silently."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ParamsError(f"{key} must be a number of 0 or more, not {value!r}")
    return number


ON_TARGET_BASES = ("overspend", "either way")


def _on_target_basis(value) -> str:
    """``finance_on_target``: what a budget's variance is judged by, one of ``ON_TARGET_BASES``."""
    basis = " ".join(str(value).split()).lower()
    if basis not in ON_TARGET_BASES:
        raise ParamsError(f"finance_on_target must be 'overspend' (an overspend of no more than "
                          f"finance_tolerance_pct; an underspend is on target) or 'either way' (a variance over "
                          f"or under of no more than it), not {value!r}")
    return basis


def _timeout(value) -> int:
    """``execution_timeout`` as a whole number of seconds, 1 or more: a timeout of 0 or less would give a
    notebook no time or, at -1, no limit at all."""
    try:
        seconds = int(str(value))
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ParamsError(f"execution_timeout must be a whole number of seconds, 1 or more, not {value!r}")
    return seconds
