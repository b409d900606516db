"""A run's parameters: the period a briefing is of, what it is compared with, and where it goes.

Checked here, in a module light enough for the command to check every
period before it starts a kernel (``cli``), and by the notebooks themselves
(``document`` gives them these names).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .params import Settings, load_settings
from .periods import available_periods, check_comparison, parse_period


class RunError(ValueError):
    """Parameters that do not describe a period that can be built."""


@dataclass(frozen=True)
class Run:
    """What one briefing is built from: settings, the period, what it compares with, where it goes."""

    settings: Settings
    period: str
    compare_to: str | None
    output_dir: Path  # the folder of every period's folder, as for the command's --output-dir

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def folder(self) -> Path:
        """Where this period's documents go: ``<output_dir>/<period>``."""
        return self.output_dir / self.period


def check_parameters(period: str, compare_to: str | None = None, data_dir: str | None = None,
                     output_dir: str | None = None, params_file: str | None = None) -> Run:
    """Check a notebook's parameters and settle the defaults.

    ``compare_to`` defaults to the latest period before ``period`` that has
    returns; ``output_dir``, the folder the period's own folder goes in (as
    the command's ``--output-dir``), to the settings' ``output_dir``.
    """
    if not isinstance(period, str):
        raise RunError(f"period must be a quoted string such as \"2022-07\", not {period!r}")
    parse_period(period)
    settings = load_settings(params_file, data_dir=data_dir)
    periods = available_periods(settings.data_dir)
    if period not in periods:
        raise RunError(f"no returns for {period} in {settings.data_dir / 'returns'}; "
                       f"periods with returns: {', '.join(periods) or 'none'}")
    compare_to = compare_to or settings.compare_to
    if compare_to is None:
        earlier = [p for p in periods if p < period]
        compare_to = earlier[-1] if earlier else None
    else:
        check_comparison(period, compare_to)
    out = Path(output_dir) if output_dir else settings.output_dir
    return Run(settings, period, compare_to, out)
