"""Run settings: ``params/default.yaml`` overlaid with a council's own file and the command line."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from .paths import DEFAULT_PARAMS, PROJ_ROOT
from .periods import parse_period


class ParamsError(ValueError):
    """A parameter file or value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the period itself."""

    council: str = "Barsetshire County Council"
    data_dir: Path = PROJ_ROOT / "data"
    output_dir: Path = PROJ_ROOT / "output"
    compare_to: str | None = None
    amber_tolerance_pct: float = 5.0
    finance_tolerance_pct: float = 2.0
    variance_check_m: float = 0.05
    execution_timeout: int = 600

    def as_dict(self) -> dict:
        """Plain values for manifests and notebook parameters."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def _resolve(path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJ_ROOT / path


def load_settings(params_file: str | Path | None = None, **overrides) -> Settings:
    """Read the default parameters, then ``params_file``, then non-empty ``overrides``.

    Unknown keys are refused so a typo in a council's file is caught, not ignored.
    """
    values: dict = {}
    for source in [s for s in (DEFAULT_PARAMS, params_file) if s is not None]:
        source = _resolve(source)
        if not source.is_file():
            raise ParamsError(f"parameter file {source} does not exist")
        loaded = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ParamsError(f"{source}: expected 'key: value' lines")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for key in ("data_dir", "output_dir"):
        if values.get(key) is not None:
            values[key] = _resolve(values[key])
    if values.get("compare_to") is not None:
        values["compare_to"] = str(values["compare_to"])
        parse_period(values["compare_to"])
    for key in ("amber_tolerance_pct", "finance_tolerance_pct", "variance_check_m"):
        if values.get(key) is not None:
            try:
                values[key] = float(values[key])
            except (TypeError, ValueError):
                raise ParamsError(f"{key} must be a number, not {values[key]!r}") from None
    return Settings(**{k: v for k, v in values.items() if v is not None})
